//! What the server's tests share: the app on a free port in this process,
//! the server as a real process, and a fake Resend.

pub mod caddy;
pub mod command;
pub mod dovecot;
pub mod fake_anthropic;
pub mod fake_resend;
pub mod moto;
pub mod radicale;
pub mod server_process;
pub mod visitor;

use std::net::{IpAddr, SocketAddr};

use redkey::{config::Settings, http};
use redkey_testkit::TestDb;

/// The whole router on a free 127.0.0.1 port, in this process.
pub async fn spawn_app(t: &TestDb, settings: &Settings) -> SocketAddr {
    spawn_app_on(t.db.clone(), settings).await
}

/// The whole router over the data layer `db`.
pub async fn spawn_app_on(db: redkey_data::Db, settings: &Settings) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = http::AppState::new(settings, db, addr).unwrap();
    let app = http::router(state);
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// The app with the default settings.
/// Runs `sql` as Twenty's own connection would (its `twenty_app` role),
/// returning each statement's rows.
pub async fn as_twenty(t: &TestDb, sql: &str) -> Vec<sqlx::postgres::PgRow> {
    let mut tx = t.owner.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE twenty_app")
        .execute(&mut *tx)
        .await
        .unwrap();
    let rows = sqlx::raw_sql(sql).fetch_all(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    rows
}

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

/// Posts a form to the server function named `function` as a browser
/// without JavaScript does: from the page at `referer`, accepting HTML, so
/// the answer is a redirect back to it.
pub async fn post_form(
    http: &reqwest::Client,
    addr: SocketAddr,
    cookie: &str,
    function: &str,
    referer: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let path = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_string())
        .find(|p| p.contains(&format!("/{function}")))
        .unwrap_or_else(|| panic!("no server function {function}"));
    http.post(format!("http://{addr}{path}"))
        .header("origin", format!("http://{addr}"))
        .header(reqwest::header::REFERER, format!("http://{addr}{referer}"))
        .header(reqwest::header::ACCEPT, "text/html")
        .header(reqwest::header::COOKIE, cookie)
        .form(form)
        .send()
        .await
        .unwrap()
}
