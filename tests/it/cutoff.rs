//! A browser that goes away mid-page (a closed tab, a load generator
//! stopping) drops its request while the page is still rendering. The
//! render must still end in order: a render dropped half-way disposed the
//! page's reactive owner while the page's data loads, spawned apart from
//! it, ran on and touched it ("a reactive value that has already been
//! disposed", seen under load in sessions 6, 7 and 10), leaking what the
//! panicking task held.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};
use std::time::{Duration, Instant};

use redkey_data::notes;
use redkey_testkit::TestDb;
use tokio::io::AsyncWriteExt;

use crate::helpers::{
    serve,
    visitor::{contact, deal, every_page, Visitor},
};
use crate::page_reads::no_open_transactions;

/// Counts panics on any thread of this test process from now on (nextest
/// runs each test in its own process).
fn count_panics() -> Arc<AtomicUsize> {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let before = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        seen.fetch_add(1, Ordering::SeqCst);
        before(info);
    }));
    count
}

/// Asks for `path` and hangs up after `after`, without reading the answer.
async fn cut_off(addr: std::net::SocketAddr, cookie: String, path: String, after: Duration) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(after).await;
    drop(stream);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_cut_off_mid_render_end_without_a_panic() {
    let panics = count_panics();
    let t = TestDb::new().await;
    let (alpha, _, human) = t.two_clients().await;
    let person = contact(&t, alpha, human, "Ann").await;
    let d = deal(&t, alpha, human, "Big deal", vec![]).await;
    let mut tx = t.tx(alpha, human).await;
    let fair = notes::Target::Contact(person.id);
    notes::add(&mut tx, fair, "Met at the fair", "Wants a demo")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let addr = serve(&t).await;
    let me = Visitor::sign_in(addr, "owner@alpha.test").await;

    for path in every_page(person.id, d.id) {
        // Hang-ups spread over the time the whole page takes, so some land
        // in each part of its render.
        let start = Instant::now();
        assert!(me.get(&path).await.status().is_success(), "{path}");
        let whole = start.elapsed();
        for wave in 0..3 {
            let cuts: Vec<_> = (0..40)
                .map(|i| whole * (3 * i + wave) / 120)
                .map(|after| tokio::spawn(cut_off(addr, me.cookie.clone(), path.clone(), after)))
                .collect();
            for cut in cuts {
                cut.await.unwrap();
            }
        }
    }
    // The server carries on, and every page still renders whole.
    for path in every_page(person.id, d.id) {
        assert!(me.text(&path).await.contains("</main>"), "{path}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(panics.load(Ordering::SeqCst), 0, "no render panicked");
    assert!(
        no_open_transactions(&t).await,
        "every page's reads ended with its response"
    );
}
