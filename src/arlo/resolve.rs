//! Names in a sentence to the client's records, through the record search
//! (typo-tolerant): whole-word matches win over near ones, open deals over
//! won and lost ones, the page's record over the rest; more than one left
//! is a question back, none a "not found" with what came close.

use redkey_data::{deals, pipeline, search, DbError, Tx};
use redkey_types::{Deal, RecordHit, RecordKind, RecordRef};
use uuid::Uuid;

use super::interpret::{Target, TargetKind};

/// What a name came to.
pub enum Resolved {
    One(RecordRef),
    /// Ask this, listing these.
    Ask(String, Vec<RecordHit>),
}

pub async fn target(
    tx: &mut Tx,
    target: Option<&Target>,
    about: Option<RecordRef>,
) -> Result<Resolved, DbError> {
    let Some(t) = target else {
        return Ok(match about {
            Some(r) if r.kind != RecordKind::Stage => Resolved::One(r),
            _ => Resolved::Ask(
                "Which record is this about? Name a contact, a company or a deal.".into(),
                vec![],
            ),
        });
    };
    let kind = match t.kind {
        TargetKind::Contact => RecordKind::Contact,
        TargetKind::Company => RecordKind::Company,
        TargetKind::Deal => RecordKind::Deal,
    };
    let all = search::records(tx, &t.name, 50).await?;
    let mut hits: Vec<RecordHit> = all.iter().filter(|h| h.kind == kind).cloned().collect();
    prefer(&mut hits, |h| has_words(&h.label, &t.name));
    if let Some(company) = &t.at_company {
        // A contact's detail is its company: "Sarah at Meridian".
        hits.retain(|h| has_words(&h.detail, company) || near_words(&h.detail, company));
        prefer(&mut hits, |h| has_words(&h.detail, company));
    }
    if kind == RecordKind::Deal && hits.len() > 1 {
        let ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
        let closed = deals::closed_among(tx, &ids).await?;
        prefer(&mut hits, |h| !closed.contains(&h.id));
    }
    if let Some(about) = about {
        prefer(&mut hits, |h| h.id == about.id);
    }
    let named = match &t.at_company {
        Some(c) => format!("{} at {c}", t.name),
        None => t.name.clone(),
    };
    Ok(match hits.as_slice() {
        [one] => Resolved::One(RecordRef { kind, id: one.id }),
        [] => Resolved::Ask(
            format!("I found no {kind} named “{named}”."),
            all.into_iter().take(5).collect(),
        ),
        several => Resolved::Ask(
            format!(
                "{} {kind}s match “{named}”: which one do you mean?",
                several.len()
            ),
            several.to_vec(),
        ),
    })
}

/// A stage of the deal's pipeline named `name`: exactly (any case), else
/// the best typo-tolerant match. Err names the stages there are.
pub async fn stage(tx: &mut Tx, deal: &Deal, name: &str) -> Result<(Uuid, String), String> {
    let stages: Vec<_> = pipeline::stages(tx)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|s| s.pipeline_id == deal.pipeline_id)
        .collect();
    if let Some(s) = stages
        .iter()
        .find(|s| s.stage_name.eq_ignore_ascii_case(name.trim()))
    {
        return Ok((s.stage_id, s.stage_name.clone()));
    }
    let hits = search::records(tx, name, 20)
        .await
        .map_err(|e| e.to_string())?;
    hits.iter()
        .filter(|h| h.kind == RecordKind::Stage)
        .find_map(|h| stages.iter().find(|s| s.stage_id == h.id))
        .map(|s| (s.stage_id, s.stage_name.clone()))
        .ok_or_else(|| {
            let names: Vec<_> = stages.iter().map(|s| s.stage_name.as_str()).collect();
            format!(
                "{} has no stage named “{name}” (its stages: {})",
                deal.name,
                names.join(", ")
            )
        })
}

/// Keeps only the hits `good` holds for, when there are any.
fn prefer(hits: &mut Vec<RecordHit>, good: impl Fn(&RecordHit) -> bool) {
    if hits.iter().any(&good) {
        hits.retain(good);
    }
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Every word of `name` is a whole word of `text`.
fn has_words(text: &str, name: &str) -> bool {
    let have = words(text);
    words(name).iter().all(|w| have.contains(w))
}

/// Every word of `name` starts a word of `text` or is within one typo of
/// one (the search already found the record similar).
fn near_words(text: &str, name: &str) -> bool {
    let have = words(text);
    words(name).iter().all(|w| {
        have.iter()
            .any(|h| h.starts_with(w.as_str()) || one_edit(h, w))
    })
}

/// Whether `a` and `b` differ by at most one insertion, deletion or
/// substitution.
fn one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let same = short.iter().zip(&long).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        short[same..].iter().skip(1).eq(long[same..].iter().skip(1))
    } else {
        short[same..] == long[same + 1..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_and_near_ones() {
        assert!(has_words("Acme Logistics — Renewal", "acme"));
        assert!(!has_words("Acme Logistics — Renewal", "acm"));
        assert!(near_words("Meridian Health", "Meridan"));
        assert!(near_words("Meridian Health", "Merid"));
        assert!(!near_words("Quartz Labs", "Meridian"));
        assert!(one_edit("volta", "volts"));
        assert!(one_edit("volta", "volt"));
        assert!(!one_edit("volta", "vault"));
    }
}
