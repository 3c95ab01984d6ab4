//! The hourly enrichment scan: contacts never enriched (or longer ago than
//! the refresh age) are looked up at the provider, within the client's
//! monthly credits and the provider's pace; what comes back is written as
//! arlo (operational fields, a job title only where none is set), the
//! company linked or created by its domain. A lookup that found nothing is
//! recorded, so the contact is not asked about again until the refresh.

use std::time::Duration;

use chrono::Utc;
use redkey_data::{
    api_library::Configured, calendar, companies::CompanyField, contacts::ContactField, enrichment,
    records, secrets::SecretBox, Actor, ClientId, Db, Tx,
};
use redkey_types::{Company, Contact, Task};
use serde_json::{json, Value};

use crate::integrations as providers;
use crate::{
    config::EnrichmentSettings,
    engine::TaskError,
    enrich::{EnrichError, Enricher, Organization, Person, Query},
};

#[derive(Clone, Debug)]
pub struct Enrichment {
    pub client: Enricher,
    pub settings: EnrichmentSettings,
}

pub async fn scan(
    e: &Enrichment,
    db: &Db,
    task: &Task,
    secrets: Option<&SecretBox>,
) -> Result<Value, TaskError> {
    let client = ClientId(task.client_id);
    let s = &e.settings;
    let secret_ref = providers::secret_ref(
        e.client.target().key().is_some(),
        "REDKEY_ENRICH_API_KEY",
        "enrichment",
    );
    let to = providers::endpoint(
        db,
        client,
        secrets,
        &Configured {
            provider: e.client.provider(),
            name: "enrichment",
            base_url: e.client.target().base(),
            secret_ref: &secret_ref,
            rate_per_minute: i32::try_from(s.per_minute).ok(),
        },
        e.client.target().key(),
    )
    .await?;
    let Some(key) = to.key else {
        return Ok(json!({ "skipped": "no enrichment provider is configured" }));
    };
    let provider = e.client.at(providers::Target::new(&to.base_url, key));
    let mut tx = db.begin(client, Actor::Agent).await?;
    let month = calendar::month_start(&mut tx, Utc::now()).await?;
    let used = enrichment::billed_since(&mut tx, month).await?;
    let left = (s.monthly_credits as i64 - used).max(0);
    if left == 0 {
        return Ok(json!({ "skipped": "this month's enrichment credits are spent", "used": used }));
    }
    let due = enrichment::due(&mut tx, s.refresh_days as i32, left.min(s.per_scan as i64)).await?;
    tx.commit().await?;
    let per_minute = to.rate_per_minute.map_or(s.per_minute as f64, f64::from);
    let gap = Duration::from_secs_f64(60.0 / per_minute.max(1.0));
    let (mut matched, mut missed, mut billed, mut errors) = (0, 0, 0i64, 0);
    let mut stopped = None;
    for (i, contact) in due.iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(gap).await;
        }
        if billed >= left {
            stopped = Some("this month's enrichment credits are spent".to_string());
            break;
        }
        let query = query_for(db, client, contact).await?;
        let mut answer = provider.lookup(&query).await;
        // A 429 waits as long as the provider asks (at most a minute), once.
        if let Err(EnrichError::RateLimited(wait)) = answer {
            tokio::time::sleep(wait).await;
            answer = provider.lookup(&query).await;
        }
        let outcome = answer.as_ref().map(|_| ()).map_err(|e| e.to_string());
        providers::report(db, client, to.id, outcome).await;
        let lookup = match answer {
            Ok(l) => l,
            Err(EnrichError::Failed(why)) => {
                tracing::warn!(contact = %contact.id, %why, "enrichment lookup failed");
                errors += 1;
                continue;
            }
            Err(stop) => {
                stopped = Some(format!("{stop}; the next scan goes on"));
                break;
            }
        };
        let mut tx = db.begin(client, Actor::Agent).await?;
        if let Some(person) = &lookup.person {
            write(&mut tx, contact, person).await?;
            matched += 1;
        } else {
            missed += 1;
        }
        enrichment::record(
            &mut tx,
            contact.id,
            provider.provider(),
            lookup.person.is_some(),
            lookup.billed,
        )
        .await?;
        tx.commit().await?;
        billed += lookup.billed as i64;
    }
    Ok(json!({
        "provider": provider.provider(),
        "due": due.len(),
        "matched": matched,
        "no_match": missed,
        "errors": errors,
        "credits_used_this_month": used + billed,
        "stopped": stopped,
    }))
}

async fn query_for(db: &Db, client: ClientId, c: &Contact) -> Result<Query, TaskError> {
    let company = match c.company_id {
        Some(id) => {
            let mut tx = db.begin(client, Actor::Agent).await?;
            records::get::<Company>(&mut tx, id).await.ok()
        }
        None => None,
    };
    Ok(Query {
        email: c.email.clone().unwrap_or_default(),
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        organization: company.as_ref().map(|co| co.name.clone()),
        domain: company.and_then(|co| co.domain),
    })
}

/// Writes what the provider knows: operational fields, the title only
/// where none is set, and the company (linked or created by domain).
async fn write(tx: &mut Tx, c: &Contact, p: &Person) -> Result<(), TaskError> {
    let now = Utc::now();
    let mut fields = vec![ContactField::EnrichedAt(Some(now))];
    if let Some(url) = &p.linkedin_url {
        fields.push(ContactField::LinkedinUrl(Some(url.clone())));
    }
    if let (None | Some(""), Some(title)) = (c.job_title.as_deref(), &p.title) {
        fields.push(ContactField::JobTitle(Some(title.clone())));
    }
    if let Some(org) = &p.organization {
        if let Some(company) = company_for(tx, c, org).await? {
            if c.company_id.is_none() {
                fields.push(ContactField::Company(Some(company.id)));
            }
            let mut facts = vec![CompanyField::EnrichedAt(Some(now))];
            facts.extend(
                org.industry
                    .clone()
                    .map(|v| CompanyField::Industry(Some(v))),
            );
            facts.extend(org.size.clone().map(|v| CompanyField::CompanySize(Some(v))));
            facts.extend(org.employees.map(|v| CompanyField::Employees(Some(v))));
            facts.extend(
                org.linkedin_url
                    .clone()
                    .map(|v| CompanyField::LinkedinUrl(Some(v))),
            );
            records::update(tx, company.id, facts).await?;
        }
    }
    records::update(tx, c.id, fields).await?;
    Ok(())
}

/// The company the person works at: theirs when its domain agrees (or it
/// has none), else the client's company with the organization's domain,
/// else a new one. None when the person has a company with another domain
/// (they may have moved on: that is for a person to decide).
async fn company_for(
    tx: &mut Tx,
    c: &Contact,
    org: &Organization,
) -> Result<Option<Company>, TaskError> {
    let domain = org.domain.as_deref().map(str::to_lowercase);
    if let Some(id) = c.company_id {
        let current: Company = records::get(tx, id).await?;
        let agrees = match (&current.domain, &domain) {
            (Some(have), Some(got)) => have.eq_ignore_ascii_case(got),
            _ => true,
        };
        return Ok(agrees.then_some(current));
    }
    let Some(domain) = domain else {
        return Ok(None);
    };
    if let Some(found) = enrichment::company_by_domain(tx, &domain).await? {
        return Ok(Some(found));
    }
    let name = org.name.clone().unwrap_or_else(|| domain.clone());
    Ok(Some(
        records::create(
            tx,
            vec![CompanyField::Name(name), CompanyField::Domain(Some(domain))],
        )
        .await?,
    ))
}
