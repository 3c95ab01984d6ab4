//! What the server's tests share: the app on a free port in this process,
//! the server as a real process, and a fake Resend.

pub mod dovecot;
pub mod fake_anthropic;
pub mod fake_resend;
pub mod radicale;
pub mod server_process;

use std::net::{IpAddr, SocketAddr};

use redkey::{config::Settings, http};
use redkey_testkit::TestDb;

/// The whole router on a free 127.0.0.1 port, in this process.
pub async fn spawn_app(t: &TestDb, settings: &Settings) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = http::AppState::new(settings, t.db.clone(), addr).unwrap();
    let app = http::router(state);
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// The app with the default settings.
pub async fn serve(t: &TestDb) -> SocketAddr {
    spawn_app(t, &Settings::from_pairs(&[]).unwrap()).await
}

/// Serves `app` on a free 127.0.0.1 port (fakes of outside services);
/// returns its base URL.
pub async fn listen(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// A client that connects from `from` (any 127.x address) and follows no
/// redirects.
pub fn client_from(from: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(from.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}
