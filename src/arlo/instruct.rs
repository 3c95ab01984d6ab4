//! `strategic.instruct`: the founder's sentence, stored as their
//! instruction when the task was created, becomes changes to strategic
//! fields of one record, written as `redkey_human` on behalf of that
//! instruction. The model reads the sentence when one is configured (and
//! the client's budget allows), the built-in interpreter otherwise; either
//! way the same resolution and the same writes follow. An ambiguous name,
//! a missing record or a field arlo keeps writes nothing and says why.

use chrono::{NaiveDate, Utc};
use redkey_data::{
    audit, calendar, instructions, records,
    strategic::{self, StrategicChange},
    Actor, ClientId, Db, DbError,
};
use redkey_types::{
    kinds::Instruct, AnsweredBy, AppliedChange, Deal, FieldChange, InstructOutcome, InstructResult,
    Priority, RecordKind, RecordRef, Task,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    interpret::{interpret, Change, DateSpec, Instruction, Target},
    prompts::STRATEGIC_INSTRUCT,
    resolve::{self, Resolved},
    Arlo, Asked,
};
use crate::engine::TaskError;

/// The model's answer, as `prompts/strategic_instruct.schema.json` asks.
#[derive(Debug, Deserialize)]
struct ModelPlan {
    target: Option<Target>,
    changes: Vec<ModelChange>,
    refusal: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ModelChange {
    field: String,
    value: String,
}

impl ModelPlan {
    /// The same instruction the built-in interpreter would produce, or the
    /// refusal.
    fn into_instruction(self) -> Result<Instruction, String> {
        if let (Some(why), true) = (&self.refusal, self.changes.is_empty()) {
            return Err(why.clone());
        }
        let changes = self
            .changes
            .into_iter()
            .map(|c| {
                let value = c.value.trim().to_string();
                Ok(match c.field.as_str() {
                    "priority" => Change::Priority(
                        Priority::parse(&value.to_lowercase())
                            .ok_or(format!("{value:?} is not a priority"))?,
                    ),
                    "stage" => Change::Stage(value),
                    "recontact_at" => Change::Recontact(DateSpec::On(
                        NaiveDate::parse_from_str(&value, "%Y-%m-%d")
                            .map_err(|_| format!("{value:?} is not a day"))?,
                    )),
                    "strategy_note" => Change::StrategyNote(value),
                    "relationship_note" => Change::RelationshipNote(value),
                    other => return Err(format!("{other} is not a field arlo may change")),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Instruction {
            target: self.target,
            changes,
        })
    }
}

pub async fn carry_out(
    arlo: &Arlo,
    db: &Db,
    task: &Task,
    p: &Instruct,
) -> Result<InstructResult, TaskError> {
    let instruction_id = task.instruction_id.ok_or_else(|| {
        TaskError::Permanent("a strategic.instruct task carries a stored instruction".into())
    })?;
    let client = ClientId(task.client_id);
    let mut tx = db.begin(client, Actor::Agent).await?;
    let sentence = instructions::sentence(&mut tx, instruction_id).await?;
    let today = calendar::today(&mut tx, Utc::now()).await?;
    let page = match p.about {
        Some(r) => strategic::label(&mut tx, r)
            .await
            .ok()
            .map(|label| format!("\nThe page it was said on shows the {} {label}.", r.kind)),
        None => None,
    };
    tx.commit().await?;
    let today_text = today.to_string();
    let user = format!("{sentence}{}", page.unwrap_or_default());
    let asked = arlo
        .ask::<ModelPlan>(
            db,
            task,
            &STRATEGIC_INSTRUCT,
            &[("today", &today_text)],
            &user,
        )
        .await?;
    let built_in = || interpret(&sentence).map_err(|r| r.to_string());
    let (read, answered_by, fallback) = match asked {
        Asked::Answer(plan) => (plan.into_instruction(), AnsweredBy::Model, None),
        Asked::NoModel => (built_in(), AnsweredBy::BuiltIn, None),
        Asked::BudgetSpent => (
            built_in(),
            AnsweredBy::BuiltIn,
            Some("today's model budget is spent".to_string()),
        ),
    };
    let outcome = match read {
        Err(reason) => InstructOutcome::Refused { reason },
        Ok(instruction) => write(db, client, instruction_id, &instruction, p.about, today).await?,
    };
    Ok(InstructResult {
        instruction_id,
        sentence,
        answered_by,
        fallback,
        outcome,
    })
}

/// Resolves the record and writes every change in one transaction as the
/// instruction; any refusal rolls back all of them.
async fn write(
    db: &Db,
    client: ClientId,
    instruction_id: Uuid,
    ins: &Instruction,
    about: Option<RecordRef>,
    today: NaiveDate,
) -> Result<InstructOutcome, TaskError> {
    let mut tx = db.begin(client, Actor::OnBehalfOf(instruction_id)).await?;
    // Already carried out (the outcome was lost to a crash): say what was
    // written rather than append the notes twice.
    let done = audit::changes_by_instruction(&mut tx, instruction_id).await?;
    if !done.is_empty() {
        let mut changes = vec![];
        for c in done {
            changes.push(from_audit(&mut tx, c).await?);
        }
        return Ok(InstructOutcome::Done { changes });
    }
    let record = match resolve::target(&mut tx, ins.target.as_ref(), about).await? {
        Resolved::One(r) => r,
        Resolved::Ask(question, candidates) => {
            return Ok(InstructOutcome::Ask {
                question,
                candidates,
            })
        }
    };
    let refuse = |reason: String| Ok(InstructOutcome::Refused { reason });
    if ins.changes.is_empty() {
        return refuse("I could not tell what to change".into());
    }
    let mut applied = vec![];
    for change in &ins.changes {
        let change = match change {
            Change::Priority(p) => StrategicChange::Priority(*p),
            Change::StrategyNote(t) => StrategicChange::StrategyNote(t.clone()),
            Change::RelationshipNote(t) => StrategicChange::RelationshipNote(t.clone()),
            Change::Recontact(when) => {
                let day = when.resolve(today);
                if day <= today {
                    return refuse(format!("{day} is not in the future"));
                }
                StrategicChange::RecontactAt(calendar::nine_am(&mut tx, day).await?)
            }
            Change::Stage(name) => {
                if record.kind != RecordKind::Deal {
                    return refuse(format!(
                        "only a deal has a stage; which deal goes to {name}?"
                    ));
                }
                let deal: Deal = records::get(&mut tx, record.id).await?;
                match resolve::stage(&mut tx, &deal, name).await {
                    Ok((id, name)) => StrategicChange::Stage(id, name),
                    Err(why) => return refuse(why),
                }
            }
        };
        match strategic::apply(&mut tx, record, change, today).await {
            Ok(Some(c)) => applied.push(c),
            Ok(None) => {}
            Err(DbError::Invalid(why)) => return refuse(why),
            Err(e) => return Err(e.into()),
        }
    }
    tx.commit().await?;
    Ok(InstructOutcome::Done { changes: applied })
}

/// A change as the audit trail recorded it.
async fn from_audit(tx: &mut redkey_data::Tx, c: FieldChange) -> Result<AppliedChange, DbError> {
    let kind = match c.view_name.as_str() {
        "crm_contacts" => RecordKind::Contact,
        "crm_companies" => RecordKind::Company,
        _ => RecordKind::Deal,
    };
    let text = |v: Option<serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    };
    Ok(AppliedChange {
        kind,
        id: c.row_id,
        label: strategic::label(tx, RecordRef { kind, id: c.row_id }).await?,
        field: c.column_name.trim_end_matches("_id").to_string(),
        old: text(c.old_value),
        new: text(c.new_value),
    })
}
