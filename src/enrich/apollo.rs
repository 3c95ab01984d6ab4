//! Apollo: `POST /api/v1/people/match` with `x-api-key`; no match is a
//! 200 with `person: null`.

use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

use super::{refusal, size_of, with_scheme, EnrichError, Lookup, Organization, Person, Query};

#[derive(Deserialize)]
struct Reply {
    person: Option<ApolloPerson>,
}

#[derive(Deserialize)]
struct ApolloPerson {
    title: Option<String>,
    linkedin_url: Option<String>,
    organization: Option<ApolloOrg>,
}

#[derive(Deserialize)]
struct ApolloOrg {
    name: Option<String>,
    primary_domain: Option<String>,
    industry: Option<String>,
    estimated_num_employees: Option<i64>,
    linkedin_url: Option<String>,
}

pub(super) async fn lookup(
    http: &reqwest::Client,
    base: &str,
    key: &SecretString,
    q: &Query,
) -> Result<Lookup, EnrichError> {
    let body = json!({
        "email": q.email,
        "first_name": q.first_name,
        "last_name": q.last_name,
        "name": format!("{} {}", q.first_name, q.last_name).trim(),
        "organization_name": q.organization,
        "domain": q.domain,
    });
    let r = http
        .post(format!("{base}/api/v1/people/match"))
        .header("x-api-key", key.expose_secret())
        .json(&body)
        .send()
        .await
        .map_err(|e| EnrichError::Failed(format!("Apollo unreachable: {e}")))?;
    if r.status() != StatusCode::OK {
        return Err(refusal("Apollo", &r));
    }
    let reply: Reply = r
        .json()
        .await
        .map_err(|e| EnrichError::Failed(format!("Apollo's answer is not a match: {e}")))?;
    let person = reply.person.map(|p| Person {
        title: p.title.filter(|t| !t.trim().is_empty()),
        linkedin_url: with_scheme(p.linkedin_url),
        organization: p.organization.map(|o| {
            let employees = o
                .estimated_num_employees
                .map(|n| n.clamp(0, i32::MAX as i64) as i32);
            Organization {
                name: o.name,
                domain: o.primary_domain,
                industry: o.industry,
                size: employees.map(size_of),
                employees,
                linkedin_url: with_scheme(o.linkedin_url),
            }
        }),
    });
    Ok(Lookup {
        person,
        billed: true,
    })
}
