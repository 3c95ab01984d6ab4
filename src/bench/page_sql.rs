//! The SQL a benchmarked page needs, timed directly: the same data-layer
//! calls its request makes (checked against Postgres's statement log),
//! without HTTP or rendering, as the person the benchmark signs in as.

use std::time::{Duration, Instant};

use redkey_data::{
    board, calendar_events, companies, contacts, contacts::ContactQuery, deals, files, notes,
    notes::Target, pipeline, saved_views, search, sequences, sessions, suppressions, tables,
    timeline, todos, users, Actor, ClientId, Db,
};
use redkey_types::{RecordKind, TableKind};
use uuid::Uuid;

use super::http::ms;

/// The panels beside a record's page (notes, to-dos, files), each its own
/// read as the page makes them.
async fn record_panels(tx: &mut redkey_data::Tx, target: Target) -> anyhow::Result<()> {
    notes::of(tx, target).await?;
    todos::lists(tx, todos::Filter::On(target), 200, 20).await?;
    redkey_data::member_choices_and_me(tx).await?;
    files::of(tx, target).await?;
    Ok(())
}

/// What a page's SQL takes, timed directly: its own data, and everything
/// its request runs.
pub struct Sql {
    pub data_ms: f64,
    pub all_ms: f64,
}

/// Records the pages show, picked once.
pub struct Samples {
    contact: Uuid,
    company: Uuid,
    deal: Uuid,
}

impl Samples {
    pub async fn pick(db: &Db, client: ClientId, user: Uuid) -> anyhow::Result<Self> {
        let mut tx = db.begin_page_read(client, Actor::User(user)).await?;
        let row: (Uuid, Uuid) = sqlx::query_as(
            "SELECT id, company_id FROM crm_contacts WHERE company_id IS NOT NULL \
             ORDER BY last_name LIMIT 1 OFFSET 20000",
        )
        .fetch_one(tx.conn())
        .await?;
        let deal: Uuid = sqlx::query_scalar("SELECT id FROM crm_deals ORDER BY name LIMIT 1")
            .fetch_one(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(Self {
            contact: row.0,
            company: row.1,
            deal,
        })
    }

    pub fn pages(&self) -> Vec<(&'static str, String)> {
        vec![
            ("/ (Today)", "/".into()),
            ("/pipeline", "/pipeline".into()),
            ("/contacts", "/contacts".into()),
            ("/contacts?q=selective", "/contacts?q=surname4242".into()),
            ("/contacts?q=common", "/contacts?q=ann".into()),
            ("/activity", "/activity".into()),
            ("/deals", "/deals".into()),
            ("/search?q=selective", "/search?q=surnam4242".into()),
            ("/search?q=common", "/search?q=company".into()),
            ("/contacts/{id}", format!("/contacts/{}", self.contact)),
            ("/companies/{id}", format!("/companies/{}", self.company)),
            ("/deals/{id}", format!("/deals/{}", self.deal)),
        ]
    }

    /// Median times, over 50 runs after a warm-up, of the page's
    /// data-layer calls (in one transaction, as the person) and of all the
    /// SQL its request runs: those, the session's load and check, and the
    /// frame's clients and suggestions. `session` is None for a call that
    /// serves no page.
    pub async fn sql_ms(
        &self,
        db: &Db,
        client: ClientId,
        user: Uuid,
        page: &str,
        session: Option<&str>,
    ) -> anyhow::Result<Sql> {
        let (mut data, mut all) = (vec![], vec![]);
        for i in 0..51 {
            let t = Instant::now();
            if let Some(id) = session {
                sessions::load(db, id)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("the bench's session is gone"))?;
            }
            let session_load = t.elapsed();
            let t = Instant::now();
            let mut tx = db.begin_page_read(client, Actor::User(user)).await?;
            let now = chrono::Utc::now();
            let mut frame_query = Duration::ZERO;
            if session.is_some() {
                let f = Instant::now();
                users::navigation(&mut tx, user).await?;
                frame_query = f.elapsed();
            }
            match page {
                "/ (Today)" => {
                    redkey_data::today::load(&mut tx, now).await?;
                }
                "/pipeline" => {
                    // As a board read afresh: a kept one runs only the
                    // stamp and the attention panel.
                    board::stamp(&mut tx).await?;
                    let stages = pipeline::stages(&mut tx).await?;
                    let open: Vec<Uuid> = stages
                        .iter()
                        .filter(|s| !s.is_won && !s.is_lost)
                        .map(|s| s.stage_id)
                        .collect();
                    board::cards(&mut tx, &open, &Default::default(), None, 26, now).await?;
                    deals::needs_attention_first(&mut tx, now, stages[0].pipeline_id, 11).await?;
                }
                "/contacts" | "/contacts?q=selective" | "/contacts?q=common" => {
                    let search = match page {
                        "/contacts?q=selective" => Some("surname4242"),
                        "/contacts?q=common" => Some("ann"),
                        _ => None,
                    };
                    let q = ContactQuery {
                        search,
                        ..Default::default()
                    };
                    contacts::rows(&mut tx, &q, 51).await?;
                    sequences::names(&mut tx).await?;
                    saved_views::of(&mut tx, TableKind::Contacts).await?;
                }
                "/activity" => {
                    timeline::feed(&mut tx, None, None, timeline::PAGE).await?;
                }
                "/deals" => {
                    let page = tables::deals(&mut tx, &Default::default(), None, 51).await?;
                    companies::names(&mut tx, page.iter().filter_map(|d| d.company_id)).await?;
                    pipeline::stages(&mut tx).await?;
                    redkey_data::member_choices(&mut tx).await?;
                    saved_views::of(&mut tx, TableKind::Deals).await?;
                }
                "/search?q=selective" | "/search?q=common" => {
                    let q = if page.ends_with("selective") {
                        "surnam4242"
                    } else {
                        "company"
                    };
                    search::everything(&mut tx, q, 20).await?;
                }
                name if name.starts_with("resolve ") => {
                    search::records(&mut tx, &name["resolve ".len()..], 50).await?;
                }
                "/contacts/{id}" => {
                    record_panels(&mut tx, Target::Contact(self.contact)).await?;
                    let contact =
                        redkey_data::records::get::<redkey_types::Contact>(&mut tx, self.contact)
                            .await?;
                    if let Some(company) = contact.company_id {
                        redkey_data::records::get::<redkey_types::Company>(&mut tx, company)
                            .await?;
                    }
                    deals::of_contact(&mut tx, self.contact).await?;
                    timeline::of(
                        &mut tx,
                        RecordKind::Contact,
                        self.contact,
                        None,
                        timeline::PAGE,
                    )
                    .await?;
                    sequences::enrollments_of_contact(&mut tx, self.contact).await?;
                    sequences::names(&mut tx).await?;
                    if let Some(email) = contact.email_address() {
                        suppressions::suppression(&mut tx, &email).await?;
                    }
                    if let Some(email) = &contact.email {
                        calendar_events::upcoming(&mut tx, email, now).await?;
                    }
                }
                "/companies/{id}" => {
                    record_panels(&mut tx, Target::Company(self.company)).await?;
                    redkey_data::records::get::<redkey_types::Company>(&mut tx, self.company)
                        .await?;
                    contacts::people_of(&mut tx, self.company, 51).await?;
                    deals::names_of_company(&mut tx, self.company, 51).await?;
                    timeline::of(
                        &mut tx,
                        RecordKind::Company,
                        self.company,
                        None,
                        timeline::PAGE,
                    )
                    .await?;
                    redkey_data::member_choices(&mut tx).await?;
                }
                _ => {
                    record_panels(&mut tx, Target::Deal(self.deal)).await?;
                    let deal =
                        redkey_data::records::get::<redkey_types::Deal>(&mut tx, self.deal).await?;
                    pipeline::stages(&mut tx).await?;
                    if let Some(company) = deal.company_id {
                        redkey_data::records::get::<redkey_types::Company>(&mut tx, company)
                            .await?;
                    }
                    if let Some(contact) = deal.contact_id {
                        redkey_data::records::get::<redkey_types::Contact>(&mut tx, contact)
                            .await?;
                    }
                    timeline::of(&mut tx, RecordKind::Deal, self.deal, None, timeline::PAGE)
                        .await?;
                    redkey_data::member_choices(&mut tx).await?;
                }
            }
            tx.commit().await?;
            if i > 0 {
                let whole = t.elapsed();
                data.push(whole - frame_query);
                all.push(whole + session_load);
            }
        }
        let median = |mut v: Vec<Duration>| {
            v.sort();
            ms(v[v.len() / 2])
        };
        Ok(Sql {
            data_ms: median(data),
            all_ms: median(all),
        })
    }
}
