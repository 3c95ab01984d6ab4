//! A line of a deals file: the pipeline and stage it names (Twenty's
//! stage values included), the deal found again by its id or by its name
//! and company; a changed stage moves the deal.

use uuid::Uuid;

use super::{
    both, by_id, company_of, create, id_of, invalid, priority_of, update, Applied, Cells, Lookups,
};
use crate::{
    deals::{self, DealField},
    Result, Tx,
};
use redkey_types::{
    import::{parse_amount_micros, parse_date, Outcome, Target},
    Deal, EmailAddress, Stage,
};

/// Stage names compare by their letters and digits, so Twenty's `PROPOSAL`
/// finds a stage called Proposal.
fn stage_key(s: &str) -> String {
    redkey_types::import::header_key(s)
}

/// The pipeline and stage a line names: the pipeline by name (else the
/// deal's own, else the first), the stage by name in it (else its first).
fn stage_of<'a>(c: &Cells, l: &'a Lookups, own: Option<Uuid>) -> Result<&'a Stage> {
    let pipeline = match c.get(Target::Pipeline) {
        Some(p) => {
            l.stages
                .iter()
                .find(|s| s.pipeline_name.trim().eq_ignore_ascii_case(p))
                .ok_or_else(|| invalid(format!("no pipeline named “{p}”")))?
                .pipeline_id
        }
        None => match own {
            Some(own) => own,
            None => {
                l.stages
                    .first()
                    .ok_or_else(|| invalid("the client has no pipeline yet".into()))?
                    .pipeline_id
            }
        },
    };
    let mut in_pipeline = l.stages.iter().filter(|s| s.pipeline_id == pipeline);
    match c.get(Target::Stage) {
        Some(want) => in_pipeline
            .find(|s| stage_key(&s.stage_name) == stage_key(want))
            .ok_or_else(|| invalid(format!("no stage named “{want}” in this pipeline"))),
        None => in_pipeline
            .next()
            .ok_or_else(|| invalid("the pipeline has no stage".into())),
    }
}

pub(super) async fn deal(tx: &mut Tx, c: &Cells, l: &mut Lookups) -> Result<Applied> {
    use Target as T;
    let Some(name) = c.text(T::Name) else {
        return Ok(Applied::Skipped("no deal name".into()));
    };
    let amount = c
        .get(T::Amount)
        .map(parse_amount_micros)
        .transpose()
        .map_err(invalid)?;
    let currency = match c.get(T::Currency) {
        Some(cur) if cur.len() == 3 && cur.chars().all(|x| x.is_ascii_alphabetic()) => {
            Some(cur.to_ascii_uppercase())
        }
        Some(cur) => return Ok(Applied::Skipped(format!("“{cur}” is not a currency code"))),
        None => None,
    };
    let close = c
        .get(T::CloseDate)
        .map(parse_date)
        .transpose()
        .map_err(invalid)?;
    let priority = priority_of(c)?;
    let company = company_of(tx, c, l, None).await?;
    let mut contact = id_of(c, T::ContactId)?.filter(|id| l.has_contact(*id));
    if contact.is_none() {
        if let Some(e) = c.get(T::ContactEmail) {
            let e = EmailAddress::parse(e).map_err(invalid)?;
            contact = l.contact_by_email(e.as_str());
        }
    }
    let mut want = vec![DealField::Name(name.clone())];
    want.extend(amount.map(|v| DealField::AmountMicros(Some(v))));
    want.extend(currency.map(DealField::Currency));
    want.extend(close.map(|v| DealField::CloseDate(Some(v))));
    want.extend(priority.map(|v| DealField::Priority(Some(v))));
    want.extend(
        c.text(T::StrategyNote)
            .map(|v| DealField::StrategyNote(Some(v))),
    );
    want.extend(company.map(|v| DealField::Company(Some(v))));
    want.extend(contact.map(|v| DealField::Contact(Some(v))));

    let id = id_of(c, T::Id)?;
    let mut found = by_id::<Deal>(tx, id).await?;
    if found.is_none() {
        found = sqlx::query_as(&format!(
            "SELECT {} FROM crm_deals WHERE name = $1 AND company_id IS NOT DISTINCT FROM $2 \
             ORDER BY created_at LIMIT 1",
            deals::COLUMNS
        ))
        .bind(&name)
        .bind(company)
        .fetch_optional(tx.conn())
        .await?;
    }
    let stage = stage_of(c, l, found.as_ref().map(|d| d.pipeline_id))?;
    let (pipeline_id, stage_id) = (stage.pipeline_id, stage.stage_id);
    let Some(now) = found else {
        want.push(DealField::Pipeline(pipeline_id));
        want.push(DealField::Stage(stage_id));
        return Ok(Applied::Done(Outcome::Created, create(tx, id, want).await?));
    };
    // The stage changes only through the move (when the file names one).
    let moved = c.get(T::Stage).is_some() && now.stage_id != stage_id;
    if moved {
        deals::move_to(tx, now.id, stage_id, 0).await?;
    }
    Ok(both(
        update(tx, now.id, &deal_fields(&now), want).await?,
        moved,
    ))
}

fn deal_fields(d: &Deal) -> Vec<DealField> {
    vec![
        DealField::Name(d.name.clone()),
        DealField::AmountMicros(d.amount_micros),
        DealField::Currency(d.currency_code.clone()),
        DealField::CloseDate(d.close_date),
        DealField::Priority(d.priority),
        DealField::StrategyNote(d.strategy_note.clone()),
        DealField::Company(d.company_id),
        DealField::Contact(d.contact_id),
    ]
}
