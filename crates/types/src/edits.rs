//! Editing without overwriting a newer change. A form carries the values
//! it showed (a snapshot, field name to text); on save each field is
//! compared three ways: left as shown, it is not written (whatever is
//! stored now stays, however new); changed by the person while the stored
//! value is still what they saw, it is written; changed by the person while
//! someone else changed it too, the save is refused at that field.

use std::collections::BTreeMap;

use crate::{Company, Contact, Deal};

/// Field name to the field's value as text ("" for none; links as ids).
pub type Snapshot = BTreeMap<String, String>;

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn id(v: Option<uuid::Uuid>) -> String {
    v.map(|i| i.to_string()).unwrap_or_default()
}

/// A contact's identity fields.
pub fn contact_snapshot(c: &Contact) -> Snapshot {
    Snapshot::from([
        ("first_name".into(), c.first_name.clone()),
        ("last_name".into(), c.last_name.clone()),
        ("email".into(), text(&c.email)),
        ("phone".into(), text(&c.phone)),
        ("job_title".into(), text(&c.job_title)),
        ("city".into(), text(&c.city)),
        ("company".into(), id(c.company_id)),
    ])
}

/// A company's identity and strategy fields.
pub fn company_snapshot(c: &Company) -> Snapshot {
    Snapshot::from([
        ("name".into(), c.name.clone()),
        ("domain".into(), text(&c.domain)),
        (
            "priority".into(),
            c.priority
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
        ),
        ("strategy_note".into(), text(&c.strategy_note)),
        ("account_owner".into(), id(c.account_owner_id)),
    ])
}

/// A deal's name and links.
pub fn deal_snapshot(d: &Deal) -> Snapshot {
    Snapshot::from([
        ("name".into(), d.name.clone()),
        ("contact".into(), id(d.contact_id)),
        ("company".into(), id(d.company_id)),
    ])
}

/// The fields of `submitted` to write, or the first field someone else
/// changed since `shown` (the save is then refused there). A field missing
/// from `shown` counts as shown as it is stored now.
pub fn merge(
    shown: &Snapshot,
    submitted: &Snapshot,
    current: &Snapshot,
) -> Result<Vec<String>, String> {
    let mut write = vec![];
    for (field, new) in submitted {
        let now = current.get(field).map(String::as_str).unwrap_or_default();
        let was = shown.get(field).map(String::as_str).unwrap_or(now);
        if new == was || new == now {
            continue;
        }
        if now != was {
            return Err(field.clone());
        }
        write.push(field.clone());
    }
    Ok(write)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(pairs: &[(&str, &str)]) -> Snapshot {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_field_left_alone_keeps_a_newer_value_and_an_edit_over_one_is_refused() {
        let shown = snap(&[("name", "Ann"), ("city", "Leeds")]);
        // Someone else moved her to York meanwhile.
        let current = snap(&[("name", "Ann"), ("city", "York")]);
        // Renaming only: written; the city is left as York.
        let renamed = snap(&[("name", "Anne"), ("city", "Leeds")]);
        assert_eq!(merge(&shown, &renamed, &current), Ok(vec!["name".into()]));
        // Changing the city too would overwrite York: refused there.
        let moved = snap(&[("name", "Anne"), ("city", "Hull")]);
        assert_eq!(merge(&shown, &moved, &current), Err("city".into()));
        // Typing what is already stored is no conflict.
        let same = snap(&[("name", "Ann"), ("city", "York")]);
        assert_eq!(merge(&shown, &same, &current), Ok(vec![]));
        // A field the form never showed is compared with what is stored.
        assert_eq!(
            merge(&Snapshot::new(), &snap(&[("city", "Hull")]), &current),
            Ok(vec!["city".into()])
        );
    }
}
