//! People Data Labs: `GET /v5/person/enrich?email=` with `X-Api-Key`; no
//! match is a 404 and is not billed.

use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{refusal, size_of, with_scheme, EnrichError, Lookup, Organization, Person, Query};

#[derive(Deserialize)]
struct Reply {
    data: Option<Data>,
}

#[derive(Deserialize)]
struct Data {
    job_title: Option<String>,
    job_company_name: Option<String>,
    job_company_website: Option<String>,
    job_company_size: Option<String>,
    job_company_employee_count: Option<i64>,
    job_company_industry: Option<String>,
    job_company_linkedin_url: Option<String>,
    linkedin_url: Option<String>,
}

pub(super) async fn lookup(
    http: &reqwest::Client,
    base: &str,
    key: &SecretString,
    q: &Query,
) -> Result<Lookup, EnrichError> {
    let r = http
        .get(format!("{base}/v5/person/enrich"))
        .query(&[("email", q.email.as_str())])
        .header("X-Api-Key", key.expose_secret())
        .send()
        .await
        .map_err(|e| EnrichError::Failed(format!("People Data Labs unreachable: {e}")))?;
    match r.status() {
        StatusCode::OK => {}
        StatusCode::NOT_FOUND => {
            return Ok(Lookup {
                person: None,
                billed: false,
            })
        }
        _ => return Err(refusal("People Data Labs", &r)),
    }
    let reply: Reply = r.json().await.map_err(|e| {
        EnrichError::Failed(format!("People Data Labs' answer is not a person: {e}"))
    })?;
    let Some(d) = reply.data else {
        return Ok(Lookup {
            person: None,
            billed: false,
        });
    };
    let employees = d
        .job_company_employee_count
        .map(|n| n.clamp(0, i32::MAX as i64) as i32);
    let organization = d.job_company_name.is_some().then(|| Organization {
        name: d.job_company_name,
        domain: d.job_company_website.map(|w| {
            let w = w
                .trim_start_matches("https://")
                .trim_start_matches("http://");
            w.trim_start_matches("www.")
                .trim_end_matches('/')
                .to_string()
        }),
        industry: d.job_company_industry,
        size: d.job_company_size.or_else(|| employees.map(size_of)),
        employees,
        linkedin_url: with_scheme(d.job_company_linkedin_url),
    });
    Ok(Lookup {
        person: Some(Person {
            title: d.job_title.filter(|t| !t.trim().is_empty()),
            linkedin_url: with_scheme(d.linkedin_url),
            organization,
        }),
        billed: true,
    })
}
