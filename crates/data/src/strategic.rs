//! Strategic changes to one record, as a person or as arlo carrying out a
//! stored instruction: each reads the value first so the result can say
//! old → new, and a change to what already holds writes nothing. Notes are
//! appended, dated, never overwritten.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    companies::CompanyField, contacts::ContactField, deals, deals::DealField, records, DbError,
    Result, Tx,
};
use redkey_types::{AppliedChange, Company, Contact, Deal, Priority, RecordKind, RecordRef};

/// One strategic change.
#[derive(Clone, Debug, PartialEq)]
pub enum StrategicChange {
    Priority(Priority),
    /// A stage of the deal's pipeline, by id and name (moved through
    /// `crm_move_deal`, to the end of the column).
    Stage(Uuid, String),
    RecontactAt(DateTime<Utc>),
    /// Appended to the strategy note as "<today>: <text>".
    StrategyNote(String),
    /// Appended to the relationship note (a contact's; a deal or company
    /// has none, so it goes to their strategy note).
    RelationshipNote(String),
}

/// The record's display name.
pub async fn label(tx: &mut Tx, r: RecordRef) -> Result<String> {
    Ok(match r.kind {
        RecordKind::Contact => records::get::<Contact>(tx, r.id).await?.full_name(),
        RecordKind::Company => records::get::<Company>(tx, r.id).await?.name,
        RecordKind::Deal => records::get::<Deal>(tx, r.id).await?.name,
        RecordKind::Stage => return Err(DbError::Invalid("a stage is not a record".into())),
    })
}

/// Applies `change` to `r`; `today` (the client's) dates appended notes.
/// None when the record already held the value.
pub async fn apply(
    tx: &mut Tx,
    r: RecordRef,
    change: StrategicChange,
    today: NaiveDate,
) -> Result<Option<AppliedChange>> {
    let append = |old: &Option<String>, text: &str| {
        let line = format!("{today}: {}", text.trim());
        match old.as_deref().map(str::trim_end).filter(|o| !o.is_empty()) {
            Some(o) => format!("{o}\n{line}"),
            None => line,
        }
    };
    let show_time = |t: &Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339());
    let (field, old, new) = match (r.kind, change) {
        (RecordKind::Contact, change) => {
            let c: Contact = records::get(tx, r.id).await?;
            let (field, old, new, write) = match change {
                StrategicChange::Priority(p) => (
                    "priority",
                    c.priority.map(|p| p.as_str().to_string()),
                    Some(p.as_str().to_string()),
                    ContactField::Priority(Some(p)),
                ),
                StrategicChange::RecontactAt(t) => (
                    "recontact_at",
                    show_time(&c.recontact_at),
                    show_time(&Some(t)),
                    ContactField::RecontactAt(Some(t)),
                ),
                StrategicChange::StrategyNote(text) => {
                    let new = append(&c.strategy_note, &text);
                    let write = ContactField::StrategyNote(Some(new.clone()));
                    ("strategy_note", c.strategy_note, Some(new), write)
                }
                StrategicChange::RelationshipNote(text) => {
                    let new = append(&c.relationship_note, &text);
                    let write = ContactField::RelationshipNote(Some(new.clone()));
                    ("relationship_note", c.relationship_note, Some(new), write)
                }
                StrategicChange::Stage(..) => {
                    return Err(DbError::Invalid(
                        "a contact has no stage; name the deal to move".into(),
                    ))
                }
            };
            if old != new {
                records::update(tx, r.id, vec![write]).await?;
            }
            (field, old, new)
        }
        (RecordKind::Company, change) => {
            let c: Company = records::get(tx, r.id).await?;
            let (field, old, new, write) = match change {
                StrategicChange::Priority(p) => (
                    "priority",
                    c.priority.map(|p| p.as_str().to_string()),
                    Some(p.as_str().to_string()),
                    CompanyField::Priority(Some(p)),
                ),
                StrategicChange::StrategyNote(text) | StrategicChange::RelationshipNote(text) => {
                    let new = append(&c.strategy_note, &text);
                    let write = CompanyField::StrategyNote(Some(new.clone()));
                    ("strategy_note", c.strategy_note, Some(new), write)
                }
                StrategicChange::RecontactAt(_) | StrategicChange::Stage(..) => {
                    return Err(DbError::Invalid(
                        "a company has no stage or recontact date; name a deal or a contact".into(),
                    ))
                }
            };
            if old != new {
                records::update(tx, r.id, vec![write]).await?;
            }
            (field, old, new)
        }
        (RecordKind::Deal, change) => {
            let d: Deal = records::get(tx, r.id).await?;
            let (field, old, new, write) = match change {
                StrategicChange::Priority(p) => (
                    "priority",
                    d.priority.map(|p| p.as_str().to_string()),
                    Some(p.as_str().to_string()),
                    Some(DealField::Priority(Some(p))),
                ),
                StrategicChange::RecontactAt(t) => (
                    "recontact_at",
                    show_time(&d.recontact_at),
                    show_time(&Some(t)),
                    Some(DealField::RecontactAt(Some(t))),
                ),
                StrategicChange::StrategyNote(text) | StrategicChange::RelationshipNote(text) => {
                    let new = append(&d.strategy_note, &text);
                    let write = DealField::StrategyNote(Some(new.clone()));
                    ("strategy_note", d.strategy_note, Some(new), Some(write))
                }
                StrategicChange::Stage(stage, name) => {
                    let old = stage_name(tx, d.stage_id).await?;
                    if d.stage_id != stage {
                        deals::move_to(tx, d.id, stage, i32::MAX).await?;
                    }
                    ("stage", Some(old), Some(name), None)
                }
            };
            if let (true, Some(write)) = (old != new, write) {
                records::update(tx, r.id, vec![write]).await?;
            }
            (field, old, new)
        }
        (RecordKind::Stage, _) => return Err(DbError::Invalid("a stage is not a record".into())),
    };
    if old == new {
        return Ok(None);
    }
    Ok(Some(AppliedChange {
        kind: r.kind,
        id: r.id,
        label: label(tx, r).await?,
        field: field.into(),
        old,
        new,
    }))
}

async fn stage_name(tx: &mut Tx, stage: Uuid) -> Result<String> {
    Ok(
        sqlx::query_scalar("SELECT stage_name FROM crm_pipeline WHERE stage_id = $1")
            .bind(stage)
            .fetch_optional(tx.conn())
            .await?
            .unwrap_or_default(),
    )
}
