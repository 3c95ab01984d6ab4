//! Resend's sending-domain API: what `redkey check` and onboarding ask
//! about a client's domain, and the DNS records it still needs.

use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::{json, Value};

use super::resend::Resend;

/// A sending domain, with its DNS records when asked for one by id.
#[derive(Clone, Debug, Deserialize)]
pub struct Domain {
    pub id: String,
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub records: Vec<DnsRecord>,
}

/// One DNS record Resend wants for a domain, and whether it has seen it.
#[derive(Clone, Debug, Deserialize)]
pub struct DnsRecord {
    /// What it is for: `SPF`, `DKIM`, `MX`, ...
    pub record: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
    pub status: String,
    #[serde(default)]
    pub priority: Option<i64>,
}

#[derive(Deserialize)]
struct DomainList {
    data: Vec<Domain>,
}

impl Resend {
    async fn call<T: DeserializeOwned>(
        &self,
        key: &SecretString,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, String> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(key.expose_secret());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("Resend unreachable: {}", crate::admin::one_line(&e)))?;
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(format!("Resend refused the API key ({status})"));
        }
        if !status.is_success() {
            return Err(format!("Resend answered {status} for {path}"));
        }
        response
            .json()
            .await
            .map_err(|e| format!("Resend's answer to {path} is not readable: {e}"))
    }

    /// The account's sending domains (`GET /domains`).
    pub async fn domains(&self, key: &SecretString) -> Result<Vec<Domain>, String> {
        let list: DomainList = self.call(key, Method::GET, "/domains", None).await?;
        Ok(list.data)
    }

    /// One domain with its records (`GET /domains/{id}`).
    pub async fn domain(&self, key: &SecretString, id: &str) -> Result<Domain, String> {
        self.call(key, Method::GET, &format!("/domains/{id}"), None)
            .await
    }

    /// Adds `name` to the account (`POST /domains`).
    pub async fn create_domain(&self, key: &SecretString, name: &str) -> Result<Domain, String> {
        self.call(key, Method::POST, "/domains", Some(json!({ "name": name })))
            .await
    }

    /// Asks Resend to look for the records now (`POST /domains/{id}/verify`).
    pub async fn verify_domain(&self, key: &SecretString, id: &str) -> Result<(), String> {
        let _: Value = self
            .call(
                key,
                Method::POST,
                &format!("/domains/{id}/verify"),
                Some(json!({})),
            )
            .await?;
        Ok(())
    }
}
