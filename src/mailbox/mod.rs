//! Mailbox sync over IMAP: each client's connected mailboxes, folder by
//! folder (INBOX received, Sent sent), a window of days on the first sync
//! and every new UID after it, in batches that commit their position so a
//! dropped connection resumes without loss; a UIDVALIDITY change starts the
//! folder over and Message-IDs keep it from storing anything twice. Stored
//! mail logs on the timelines of the contacts it involves, stops the
//! sequence a contact replied to, and makes contacts of the people written
//! to and heard from both ways.

mod connect;
pub mod discover;
pub mod oauth;
pub mod parse;

use chrono::{Duration, Utc};
use futures::TryStreamExt;
use redkey_data::{
    mail::{self, NewMail},
    secrets::SecretBox,
    sources, Actor, ClientId, Db, DbError, Tx,
};
use redkey_types::{IngestSource, SourceKind};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{engine::TaskError, integrations};
use parse::Mail;
use redkey_data::api_library::Configured;

/// Where a mailbox's or calendar's credential is, for the integrations
/// registry.
pub const SOURCE_CREDENTIAL: &str = "the source's stored credential (Settings → Sources)";

/// A mailbox's settings (its password is the source's sealed secret).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailboxSettings {
    pub host: String,
    pub port: u16,
    /// "tls" (implicit TLS, port 993), or "plain" — only to a loopback
    /// address, for tests.
    pub security: String,
    pub username: String,
    /// The mailbox's own address: its mail "out", everything else "in".
    pub address: String,
    pub inbox: String,
    pub sent: String,
    /// Days of mail the first sync imports.
    pub window_days: i64,
    /// "metadata", "subject" or "full" (bodies kept).
    pub privacy: String,
    /// Address fragments never made contacts (beside the built-in ones).
    pub block: Vec<String>,
    /// A PEM certificate to trust beside the public roots (a private CA).
    pub ca_pem: Option<String>,
    /// Show message bodies to everyone in the client, not only the owner
    /// (read by `crm_email_messages`).
    pub share_bodies: bool,
    /// "password", or "xoauth2" (Google, Microsoft 365): the stored secret
    /// is then a refresh token exchanged at `token_url` for `client_id`.
    pub auth: String,
    pub token_url: Option<String>,
    pub client_id: Option<String>,
}

impl Default for MailboxSettings {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 993,
            security: "tls".into(),
            username: String::new(),
            address: String::new(),
            inbox: "INBOX".into(),
            sent: "Sent".into(),
            window_days: 90,
            privacy: "full".into(),
            block: vec![],
            ca_pem: None,
            share_bodies: false,
            auth: "password".into(),
            token_url: None,
            client_id: None,
        }
    }
}

/// Messages fetched per batch (each batch commits its position).
const BATCH: usize = 25;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the mailbox settings are not usable: {0}")]
    Settings(String),
    #[error("IMAP: {0}")]
    Imap(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<SyncError> for TaskError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Settings(_) => TaskError::Permanent(e.to_string()),
            SyncError::Imap(_) => TaskError::Retry(e.to_string()),
            SyncError::Db(d) => d.into(),
        }
    }
}

/// What one mailbox's sync did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Synced {
    pub stored: usize,
    pub already_had: usize,
    pub discovered: usize,
}

/// The client's connected sources of `kind` and the key that opens their
/// credentials; none when nothing is connected. Without a key, connected
/// sources are an error the Arlo page shows, never silently skipped.
pub(crate) async fn connected<'a>(
    db: &Db,
    secrets: Option<&'a SecretBox>,
    client: ClientId,
    kind: SourceKind,
) -> Result<Option<(Vec<IngestSource>, &'a SecretBox)>, TaskError> {
    let mut tx = db.begin(client, Actor::Agent).await?;
    let found: Vec<IngestSource> = sources::of_kind(&mut tx, kind).await?;
    drop(tx);
    if found.is_empty() {
        return Ok(None);
    }
    let secrets = secrets.ok_or_else(|| {
        TaskError::Permanent(format!(
            "REDKEY_SECRET_KEY is not set: the {} credentials cannot be read",
            kind.as_str()
        ))
    })?;
    Ok(Some((found, secrets)))
}

/// The `mailbox.sync` timer: every connected mailbox of the client.
pub async fn sync_client(
    db: &Db,
    secrets: Option<&SecretBox>,
    client: ClientId,
) -> Result<Value, TaskError> {
    let Some((boxes, secrets)) = connected(db, secrets, client, SourceKind::Imap).await? else {
        return Ok(json!({ "skipped": "no mailbox is connected" }));
    };
    let mut done = vec![];
    for b in boxes {
        let url = serde_json::from_value::<MailboxSettings>(b.settings.clone())
            .map(|s| format!("imaps://{}:{}", s.host, s.port))
            .unwrap_or_else(|_| "imaps://unknown".into());
        let source = Configured {
            provider: "imap",
            name: &b.name,
            base_url: &url,
            secret_ref: SOURCE_CREDENTIAL,
            rate_per_minute: None,
        };
        let synced =
            integrations::tracked(db, client, &source, sync_mailbox(db, secrets, client, &b))
                .await??;
        done.push(json!({ "mailbox": b.name, "synced": synced }));
    }
    Ok(json!({ "mailboxes": done }))
}

pub async fn sync_mailbox(
    db: &Db,
    secrets: &SecretBox,
    client: ClientId,
    source: &IngestSource,
) -> Result<Synced, SyncError> {
    let settings: MailboxSettings = serde_json::from_value(source.settings.clone())
        .map_err(|e| SyncError::Settings(e.to_string()))?;
    let mut tx = db.begin(client, Actor::Agent).await?;
    let secret = sources::secret(&mut tx, secrets, source.id)
        .await?
        .ok_or_else(|| SyncError::Settings("no credential is stored".into()))?;
    tx.commit().await?;
    let login = match settings.auth.as_str() {
        "password" => connect::Login::Password(secret),
        "xoauth2" => {
            let cred: oauth::OAuthCredential = serde_json::from_str(&secret).map_err(|_| {
                SyncError::Settings("the stored OAuth credential is not readable".into())
            })?;
            let (token, rotated) = oauth::access_token(&settings, &cred).await?;
            if let Some(refresh_token) = rotated {
                let next = oauth::OAuthCredential {
                    refresh_token,
                    ..cred
                };
                let text = serde_json::to_string(&next).expect("a credential serialises");
                let mut tx = db.begin(client, Actor::Agent).await?;
                sources::set_secret(&mut tx, secrets, source.id, &text).await?;
                tx.commit().await?;
            }
            connect::Login::Bearer(token)
        }
        other => {
            return Err(SyncError::Settings(format!(
                "auth {other:?}: password or xoauth2"
            )))
        }
    };
    let mut synced = Synced::default();
    let mut session = connect::open(&settings, &login).await?;
    for (folder, direction) in [(&settings.inbox, "in"), (&settings.sent, "out")] {
        let done = folder_sync(
            &mut session,
            db,
            client,
            source,
            &settings,
            folder,
            direction,
            &mut synced,
        )
        .await;
        if let Err(e) = done {
            connect::close(session).await;
            return Err(e);
        }
    }
    connect::close(session).await;
    let mut tx = db.begin(client, Actor::Agent).await?;
    synced.discovered = discover::contacts(&mut tx, source.id, &settings).await?;
    tx.commit().await?;
    Ok(synced)
}

#[allow(clippy::too_many_arguments)]
async fn folder_sync(
    session: &mut async_imap::Session<connect::Stream>,
    db: &Db,
    client: ClientId,
    source: &IngestSource,
    settings: &MailboxSettings,
    folder: &str,
    direction: &'static str,
    synced: &mut Synced,
) -> Result<(), SyncError> {
    let imap = |e: async_imap::error::Error| SyncError::Imap(format!("{folder}: {e}"));
    let selected = match session.select(folder).await {
        Ok(m) => m,
        // A mailbox without this folder: nothing to sync there.
        Err(async_imap::error::Error::No(_)) => return Ok(()),
        Err(e) => return Err(imap(e)),
    };
    let validity = i64::from(selected.uid_validity.unwrap_or(0));
    // Mail older than the window stays behind for good: after the first
    // sync, the position is the folder's end, not the last UID fetched.
    let end = i64::from(selected.uid_next.unwrap_or(1)) - 1;
    let mut tx = db.begin(client, Actor::Agent).await?;
    let last = match mail::folder(&mut tx, source.id, folder).await? {
        Some((v, last)) if v == validity => last,
        _ => 0,
    };
    tx.commit().await?;
    let query = if last == 0 {
        let since = Utc::now() - Duration::days(settings.window_days.max(1));
        format!("SINCE {}", since.format("%d-%b-%Y"))
    } else {
        format!("UID {}:*", last + 1)
    };
    let mut uids: Vec<u32> = session
        .uid_search(&query)
        .await
        .map_err(imap)?
        .into_iter()
        .filter(|u| i64::from(*u) > last)
        .collect();
    uids.sort_unstable();
    let window = last == 0;
    if uids.is_empty() {
        let mut tx = db.begin(client, Actor::Agent).await?;
        let position = if window { end.max(0) } else { last };
        mail::set_folder(&mut tx, source.id, folder, validity, position).await?;
        return Ok(tx.commit().await?);
    }
    for batch in uids.chunks(BATCH) {
        let set = batch
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let fetched: Vec<_> = session
            .uid_fetch(&set, "(UID BODY.PEEK[])")
            .await
            .map_err(imap)?
            .try_collect()
            .await
            .map_err(imap)?;
        let mut tx = db.begin(client, Actor::Agent).await?;
        // The people the batch's new mail involves, each brought up to date
        // once per batch rather than once per message.
        let mut people: Vec<String> = vec![];
        for f in &fetched {
            let Some(parsed) = f.body().and_then(parse::parse) else {
                continue;
            };
            match keep(&mut tx, source, settings, direction, parsed).await? {
                Some(involved) => {
                    synced.stored += 1;
                    people.extend(involved);
                }
                None => synced.already_had += 1,
            }
        }
        people.sort_unstable();
        people.dedup();
        for address in &people {
            discover::log_for(&mut tx, address).await?;
        }
        let mut high = batch.iter().max().copied().map_or(last, i64::from);
        if window && Some(&batch[batch.len() - 1]) == uids.last() {
            high = high.max(end);
        }
        mail::set_folder(&mut tx, source.id, folder, validity, high).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Stores one message (once per Message-ID); the addresses it involves
/// when it is new, None when it was stored before.
async fn keep(
    tx: &mut Tx,
    source: &IngestSource,
    settings: &MailboxSettings,
    direction: &'static str,
    m: Mail,
) -> Result<Option<Vec<String>>, DbError> {
    let (from_email, from_name) = m
        .from
        .clone()
        .unwrap_or_else(|| (settings.address.clone(), None));
    let counterpart = match direction {
        "in" => from_email.clone(),
        _ => m.to.first().cloned().unwrap_or_default(),
    };
    // The thread of the first stored message it names, else the one it
    // names first, else its subject with this counterpart.
    let mut thread_key = None;
    for named in [&m.root, &m.in_reply_to].into_iter().flatten() {
        if let Some(t) = mail::thread_of(tx, named).await? {
            thread_key = Some(t);
            break;
        }
    }
    let thread_key = match (
        thread_key,
        m.root.as_ref().or(m.in_reply_to.as_ref()),
        &m.subject,
    ) {
        (Some(t), _, _) => t,
        (None, Some(named), _) => named.clone(),
        (None, None, Some(s)) => format!("subject:{}:{counterpart}", parse::base_subject(s)),
        (None, None, None) => m.message_id.clone(),
    };
    let new = NewMail {
        message_id: m.message_id.clone(),
        thread_key,
        in_reply_to: m.in_reply_to.clone(),
        direction,
        from_email,
        from_name,
        to_emails: m.to.clone(),
        subject: (settings.privacy != "metadata")
            .then(|| m.subject.clone())
            .flatten(),
        body_text: (settings.privacy == "full")
            .then(|| m.text.clone())
            .flatten(),
        sent_at: m.sent_at.unwrap_or_else(Utc::now),
        automatic: m.automatic,
        bulk: m.bulk,
    };
    if mail::store(tx, source.id, &new).await?.is_none() {
        return Ok(None);
    }
    // An out-of-office that says when the person is back holds their
    // sequence until then (read from the text in hand, whatever is kept).
    if direction == "in" && m.automatic {
        if let Some(text) = &m.text {
            discover::hold_until_back(tx, &new.from_email, text).await?;
        }
    }
    // A delivery report: each failed recipient is suppressed like a
    // provider bounce, and their sequences stop.
    for failed in &m.failed_recipients {
        discover::bounced(tx, failed).await?;
    }
    Ok(Some(match direction {
        "in" => vec![new.from_email],
        _ => new.to_emails,
    }))
}
