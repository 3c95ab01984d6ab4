//! Enrichment providers: Apollo's people match and People Data Labs'
//! person enrich, each a plain HTTP client with a configurable base URL,
//! answering in one shape. The key never reaches a log.

mod apollo;
mod pdl;

use std::time::Duration;

use secrecy::SecretString;

use crate::{
    config::{EnrichmentSettings, Provider},
    integrations::Target,
};

/// What a provider knows about a person.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Person {
    pub title: Option<String>,
    pub linkedin_url: Option<String>,
    pub organization: Option<Organization>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Organization {
    pub name: Option<String>,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub employees: Option<i32>,
    /// A range such as "51-200".
    pub size: Option<String>,
    pub linkedin_url: Option<String>,
}

/// Who to look up.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub organization: Option<String>,
    pub domain: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnrichError {
    /// 429: wait this long (at most a minute) before the next request.
    #[error("the provider's rate limit was reached")]
    RateLimited(Duration),
    /// 402: no credits left at the provider.
    #[error("the provider account is out of credits")]
    OutOfCredits,
    #[error("the provider failed: {0}")]
    Failed(String),
}

/// A lookup's result: the person or no match, and whether it was billed.
#[derive(Clone, Debug, PartialEq)]
pub struct Lookup {
    pub person: Option<Person>,
    pub billed: bool,
}

#[derive(Clone, Debug)]
pub struct Enricher {
    provider: Provider,
    http: reqwest::Client,
    target: Target,
}

impl Enricher {
    /// The same client (its connections shared) calling `target`.
    pub fn at(&self, target: Target) -> Self {
        Self {
            target,
            ..self.clone()
        }
    }

    /// Where it calls as configured, and with which key.
    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn new(s: &EnrichmentSettings, key: SecretString) -> anyhow::Result<Self> {
        Ok(Self {
            provider: s.provider,
            http: reqwest::Client::builder()
                .user_agent(concat!("redkey/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(30))
                .build()?,
            target: Target::new(&s.base_url, key),
        })
    }

    pub fn provider(&self) -> &'static str {
        self.provider.as_str()
    }

    pub async fn lookup(&self, q: &Query) -> Result<Lookup, EnrichError> {
        match self.provider {
            Provider::Apollo => {
                apollo::lookup(&self.http, self.target.base(), self.target.secret(), q).await
            }
            Provider::Pdl => {
                pdl::lookup(&self.http, self.target.base(), self.target.secret(), q).await
            }
        }
    }
}

/// What a status other than success means: wait (429), no credits (402),
/// or a failure naming the provider.
fn refusal(provider: &str, r: &reqwest::Response) -> EnrichError {
    match r.status() {
        reqwest::StatusCode::TOO_MANY_REQUESTS => EnrichError::RateLimited(retry_after(r)),
        reqwest::StatusCode::PAYMENT_REQUIRED => EnrichError::OutOfCredits,
        s => EnrichError::Failed(format!("{provider} answered {s}")),
    }
}

/// `retry-after` in seconds, at most a minute; a minute when absent.
fn retry_after(r: &reqwest::Response) -> Duration {
    r.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(60.0)))
        .unwrap_or(Duration::from_secs(60))
}

/// A LinkedIn address with a scheme (PDL leaves it off).
fn with_scheme(url: Option<String>) -> Option<String> {
    let url = url?.trim().to_string();
    if url.is_empty() {
        None
    } else if url.starts_with("http://") || url.starts_with("https://") {
        Some(url)
    } else {
        Some(format!("https://{url}"))
    }
}

/// The usual company-size range an employee count falls in.
fn size_of(employees: i32) -> String {
    match employees {
        ..=10 => "1-10",
        11..=50 => "11-50",
        51..=200 => "51-200",
        201..=500 => "201-500",
        501..=1000 => "501-1000",
        1001..=5000 => "1001-5000",
        _ => "5001+",
    }
    .to_string()
}
