//! `redkey client onboard` and `redkey client status`: a client's five
//! steps (database, workspace, cockpit, ingestion, sending domain) carried
//! out or, for status, only looked at, each with its state and what is
//! left to do. Onboarding again repairs what is missing and creates nothing
//! twice.

use anyhow::Context;
use redkey_data::{onboarding, sources, Actor, ClientId, Db};
use redkey_types::{EmailAddress, SourceKind};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    config::{DatabaseUrl, Settings},
    email::{domains::Domain, resend::Resend},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Done,
    /// A person must do something (add DNS records, accept an invitation).
    Action,
    Failed,
}

pub struct Step {
    pub name: &'static str,
    pub mark: Mark,
    pub summary: String,
    /// What to paste or do, one line each.
    pub lines: Vec<String>,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark = match self.mark {
            Mark::Done => "done  ",
            Mark::Action => "todo  ",
            Mark::Failed => "FAILED",
        };
        write!(f, "{mark} {:<15} {}", self.name, self.summary)?;
        for line in &self.lines {
            write!(f, "\n       {line}")?;
        }
        Ok(())
    }
}

fn step(name: &'static str, mark: Mark, summary: impl Into<String>) -> Step {
    Step {
        name,
        mark,
        summary: summary.into(),
        lines: Vec::new(),
    }
}

/// What the owner asked for. `name` and `domain` are required to onboard;
/// status reads the stored domain.
pub struct Request {
    pub slug: String,
    pub name: Option<String>,
    pub domain: Option<String>,
    pub admin: Option<EmailAddress>,
}

/// A slug from a client's name: lower-case letters, digits and dashes.
pub fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// The stages of the pipeline a new client starts with.
const STAGES: [(&str, i32, bool, bool); 6] = [
    ("Lead", 10, false, false),
    ("Qualified", 25, false, false),
    ("Proposal", 60, false, false),
    ("Negotiation", 80, false, false),
    ("Won", 100, true, false),
    ("Lost", 0, false, true),
];

/// Runs the steps; with `apply` false nothing is written anywhere.
pub async fn run(
    settings: &Settings,
    url: &DatabaseUrl,
    owner: &PgPool,
    req: &Request,
    apply: bool,
) -> anyhow::Result<Vec<Step>> {
    let mut steps = vec![database(owner, apply).await?];
    if steps[0].mark == Mark::Failed {
        return Ok(steps);
    }
    let client = match workspace(owner, req, apply).await? {
        (s, Some(id)) => {
            steps.push(s);
            id
        }
        (s, None) => {
            steps.push(s);
            return Ok(steps);
        }
    };
    let public = settings
        .cockpit
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", settings.cockpit.listen))
        .trim_end_matches('/')
        .to_string();
    steps.push(cockpit(owner, client, req, apply, &public).await?);
    let db = super::serving_db(&settings.database, &settings.database.serving_url(url), 2).await?;
    steps.push(ingestion(&db, client, &req.slug, apply, &public).await?);
    steps.push(sending_domain(settings, owner, client, &req.slug, apply).await?);
    Ok(steps)
}

async fn database(owner: &PgPool, apply: bool) -> anyhow::Result<Step> {
    let newest = super::latest_migration();
    if apply {
        super::migrate(owner).await.context("migration failed")?;
    }
    Ok(match super::applied_migration(owner).await {
        Some(v) if v == newest => step("database", Mark::Done, format!("schema {v}, current")),
        Some(v) => step(
            "database",
            Mark::Action,
            format!("schema {v}; this build has {newest}: run `redkey client onboard` or `redkey migrate`"),
        ),
        None => step("database", Mark::Failed, "no schema: run `redkey client onboard`"),
    })
}

async fn workspace(
    owner: &PgPool,
    req: &Request,
    apply: bool,
) -> anyhow::Result<(Step, Option<Uuid>)> {
    let existing = super::clients(owner)
        .await?
        .into_iter()
        .find(|(_, slug, _)| *slug == req.slug);
    let (id, summary) = match (existing, apply) {
        (Some((id, slug, name)), _) => (id, format!("{name} ({slug}), arlo scoped to {id}")),
        (None, true) => {
            let name = req.name.as_deref().unwrap_or(&req.slug);
            let id = super::create_client(owner, &req.slug, name).await?;
            (
                id,
                format!("{name} ({}) created, arlo scoped to {id}", req.slug),
            )
        }
        (None, false) => {
            let s = step(
                "workspace",
                Mark::Failed,
                format!("no client {:?}", req.slug),
            );
            return Ok((s, None));
        }
    };
    if let (true, Some(domain)) = (apply, &req.domain) {
        onboarding::set_sending_domain(owner, id, domain).await?;
    }
    Ok((step("workspace", Mark::Done, summary), Some(id)))
}

async fn cockpit(
    owner: &PgPool,
    client: Uuid,
    req: &Request,
    apply: bool,
    public: &str,
) -> anyhow::Result<Step> {
    let mut pipelines = onboarding::pipelines(owner, client).await?;
    if pipelines.is_empty() && apply {
        onboarding::create_pipeline(owner, client, "Sales", &STAGES).await?;
        pipelines = onboarding::pipelines(owner, client).await?;
    }
    let mut s = match pipelines.first() {
        Some((name, stages)) => step(
            "cockpit",
            Mark::Done,
            format!("pipeline {name} ({stages} stages)"),
        ),
        None => step("cockpit", Mark::Action, "no pipeline yet"),
    };
    if let (true, Some(email)) = (apply, &req.admin) {
        if onboarding::admin_state(owner, client, email.as_str()).await?
            == onboarding::AdminState::None
        {
            let token = onboarding::invite_admin(owner, client, email.as_str()).await?;
            s.lines.push(format!(
                "{email} invited as admin: send them {public}/invite/{token} (one use, {} days; shown only now)",
                redkey_data::invitations::OPEN_DAYS
            ));
        }
    }
    let (admins, invited) = onboarding::admins(owner, client).await?;
    match (admins, invited) {
        (0, 0) => {
            s.mark = Mark::Action;
            s.lines
                .push("no admin: onboard again with --admin-email".into());
        }
        (0, n) => {
            s.mark = Mark::Action;
            s.lines
                .push(format!("{n} admin invitation(s) waiting to be accepted"));
        }
        (n, _) => s.lines.push(format!("{n} admin(s)")),
    }
    Ok(s)
}

async fn ingestion(
    db: &Db,
    client: Uuid,
    slug: &str,
    apply: bool,
    public: &str,
) -> anyhow::Result<Step> {
    let mut tx = db.begin(ClientId(client), Actor::Agent).await?;
    let mut forms = sources::of_kind(&mut tx, SourceKind::Form).await?;
    if forms.is_empty() && apply {
        sources::create(
            &mut tx,
            SourceKind::Form,
            "Website form",
            &serde_json::json!({}),
        )
        .await?;
        forms = sources::of_kind(&mut tx, SourceKind::Form).await?;
    }
    let notes = sources::of_kind(&mut tx, SourceKind::Quill).await?;
    tx.commit().await?;
    let mut s = step("ingestion", Mark::Done, "paste these into each provider:");
    match forms.first().and_then(|f| f.public_key.as_deref()) {
        Some(key) => s
            .lines
            .push(format!("website form     POST {public}/ingest/forms/{key}")),
        None => {
            s.mark = Mark::Action;
            s.lines
                .push("website form     none yet: run `redkey client onboard`".into());
        }
    }
    s.lines.push(format!(
        "Resend webhook   {public}/webhooks/resend/{slug} (its signing secret goes in REDKEY_EMAIL)"
    ));
    s.lines.push(if notes.is_empty() {
        format!("meeting notes    {public}/webhooks/quill/{slug} once a notes source is added in Settings → Sources (it makes the secret)")
    } else {
        format!("meeting notes    {public}/webhooks/quill/{slug} (secret in Settings → Sources)")
    });
    Ok(s)
}

async fn sending_domain(
    settings: &Settings,
    owner: &PgPool,
    client: Uuid,
    slug: &str,
    apply: bool,
) -> anyhow::Result<Step> {
    let Some(domain) = onboarding::sending_domain(owner, client).await? else {
        return Ok(step(
            "sending domain",
            Mark::Action,
            "none: onboard with --sending-domain",
        ));
    };
    let Some(account) = settings.email.accounts.iter().find(|a| a.client == slug) else {
        return Ok(step(
            "sending domain",
            Mark::Action,
            format!("{domain}: add {slug}'s Resend account to REDKEY_EMAIL (api_key, from: \"Name <hello@{domain}>\", webhook_secret), then onboard again"),
        ));
    };
    let resend = Resend::new(&settings.email.base_url)?;
    let key = &account.api_key;
    let listed = match resend.domains(key).await {
        Ok(list) => list
            .into_iter()
            .find(|d| d.name.eq_ignore_ascii_case(&domain)),
        Err(e) => return Ok(step("sending domain", Mark::Failed, e)),
    };
    let found: Result<Domain, String> = match (listed, apply) {
        (Some(d), _) => resend.domain(key, &d.id).await,
        (None, true) => resend.create_domain(key, &domain).await,
        (None, false) => {
            return Ok(step(
                "sending domain",
                Mark::Action,
                format!("{domain} is not at Resend yet: run `redkey client onboard`"),
            ))
        }
    };
    let mut d = match found {
        Ok(d) => d,
        Err(e) => return Ok(step("sending domain", Mark::Failed, e)),
    };
    onboarding::record_domain_status(owner, client, &d.status).await?;
    if d.status == "verified" {
        return Ok(step(
            "sending domain",
            Mark::Done,
            format!("{domain} verified at Resend"),
        ));
    }
    if apply && d.status == "not_started" {
        let checked = match resend.verify_domain(key, &d.id).await {
            Ok(()) => resend.domain(key, &d.id).await,
            Err(e) => Err(e),
        };
        match checked {
            Ok(now) => d = now,
            Err(e) => return Ok(step("sending domain", Mark::Failed, e)),
        }
        onboarding::record_domain_status(owner, client, &d.status).await?;
    }
    let mut s = step(
        "sending domain",
        Mark::Action,
        format!("{domain} is {} at Resend; add these DNS records:", d.status),
    );
    for r in d.records.iter().filter(|r| r.status != "verified") {
        let priority = r
            .priority
            .map(|p| format!(" priority {p}"))
            .unwrap_or_default();
        s.lines.push(format!(
            "{:<5} {:<5} {}  {}{priority}  ({})",
            r.record, r.kind, r.name, r.value, r.status
        ));
    }
    s.lines.push(format!(
        "DMARC TXT   _dmarc.{domain}  v=DMARC1; p=none; rua=mailto:dmarc@{domain}  (recommended: Resend does not ask for it)"
    ));
    Ok(s)
}
