//! A signed-in person using the cockpit as a browser without JavaScript
//! does: pages by GET with the session cookie, forms posted to server
//! functions from the page they are on.

use std::net::SocketAddr;

use redkey_data::{contacts::ContactField, deals::DealField, pipeline, records, Actor, ClientId};
use redkey_testkit::TestDb;
use redkey_types::{Contact, Deal};
use reqwest::header;

use super::client_from;
use crate::sign_in::{sign_in, PASSWORD};

#[derive(Clone)]
pub struct Visitor {
    pub http: reqwest::Client,
    pub addr: SocketAddr,
    pub cookie: String,
}

impl Visitor {
    pub async fn sign_in(addr: SocketAddr, email: &str) -> Self {
        Self::sign_in_with(addr, email, PASSWORD).await
    }

    pub async fn sign_in_with(addr: SocketAddr, email: &str, password: &str) -> Self {
        let http = client_from("127.0.0.1");
        let (_, cookie, _) = sign_in(&http, addr, email, password).await;
        Self {
            http,
            addr,
            cookie: cookie.expect("signed in"),
        }
    }

    /// GET a path (or a whole URL, as a redirect gives it).
    pub async fn get(&self, path: &str) -> reqwest::Response {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("http://{}{path}", self.addr)
        };
        self.http
            .get(url)
            .header(header::COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    pub async fn text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// Posts a form to the server function named `function` from the page
    /// at `referer`, accepting HTML: the answer is a redirect back to it.
    pub async fn post_form(
        &self,
        function: &str,
        referer: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        super::post_form(&self.http, self.addr, &self.cookie, function, referer, form).await
    }
}

/// Where a redirect points.
pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get(header::LOCATION)
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// Every cookie a response sets, with its attributes.
pub fn cookies_set(r: &reqwest::Response) -> impl Iterator<Item = &str> {
    r.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
}

/// The cookie `name` a response sets, with its attributes (a form's answer
/// may set two: the session's, and what it answered, for its page).
pub fn cookie_set<'r>(r: &'r reqwest::Response, name: &str) -> Option<&'r str> {
    cookies_set(r).find(|v| v.strip_prefix(name).is_some_and(|v| v.starts_with('=')))
}

/// The cookie `name` a response sets, as a request sends it back.
pub fn cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    cookie_set(r, name).map(|v| v.split(';').next().unwrap_or_default().to_string())
}

pub fn session_cookie_set(r: &reqwest::Response) -> Option<&str> {
    cookie_set(r, "redkey_session")
}

pub fn session_cookie(r: &reqwest::Response) -> Option<String> {
    cookie(r, "redkey_session")
}

/// A contact made by the client's person.
pub async fn contact(t: &TestDb, client: ClientId, actor: Actor, first: &str) -> Contact {
    let mut tx = t.tx(client, actor).await;
    let c = records::create(&mut tx, vec![ContactField::FirstName(first.into())])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    c
}

/// A deal named `name` in a new one-stage pipeline, with `more` fields.
pub async fn deal(
    t: &TestDb,
    client: ClientId,
    actor: Actor,
    name: &str,
    more: Vec<DealField>,
) -> Deal {
    let mut tx = t.tx(client, actor).await;
    let p = pipeline::create_pipeline(&mut tx, "Sales").await.unwrap();
    let stage = pipeline::create_stage(&mut tx, p, "Lead", 10, false, false)
        .await
        .unwrap();
    let mut fields = vec![
        DealField::Name(name.into()),
        DealField::Pipeline(p),
        DealField::Stage(stage),
    ];
    fields.extend(more);
    let d = records::create(&mut tx, fields).await.unwrap();
    tx.commit().await.unwrap();
    d
}

/// Every page of the cockpit a signed-in admin can open, with `contact` and
/// `deal` for the record pages.
pub fn every_page(contact: uuid::Uuid, deal: uuid::Uuid) -> Vec<String> {
    let mut pages: Vec<String> = [
        "/",
        "/pipeline",
        "/contacts",
        "/companies",
        "/deals",
        "/activity",
        "/search?q=ann",
        "/todos",
        "/notes",
        "/trash",
        "/import",
        "/settings/pipelines",
        "/settings/members",
        "/settings/onboarding",
        "/settings/integrations",
        "/coverage",
        "/arlo",
        "/suggestions",
        "/sequences",
        "/sequences/new",
        "/settings/profile",
        "/settings/sources",
        "/contacts/new",
        "/companies/new",
        "/deals/new",
    ]
    .map(String::from)
    .into();
    pages.push(format!("/contacts/{contact}"));
    pages.push(format!("/deals/{deal}"));
    pages
}
