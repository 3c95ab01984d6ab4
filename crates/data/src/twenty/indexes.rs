//! Indexes the adapter gives Twenty's tables so its views are read as the
//! main tables are: by the orders the cockpit's lists walk, and by the
//! case-insensitive lookups its checks make. An index changes no column;
//! they are made and dropped with the adapter's views, by the attaching
//! credential (only a table's owner may index it).

use super::generate::{q, stage_of, Attached};
use super::mapping::{Object, Source};

/// The adapter's indexes on `o`'s table, by name.
pub(crate) fn names(o: &Object) -> Vec<String> {
    let mut names: Vec<String> = o
        .unique
        .iter()
        .map(|(_, column, _)| format!("redkey_{}_ci", column.to_lowercase()))
        .collect();
    names.extend(
        o.orders
            .iter()
            .map(|cols| format!("redkey_{}_{}_order", o.table.to_lowercase(), cols.join("_"))),
    );
    names
}

/// The statements creating `o`'s indexes in workspace `a`, skipping any
/// whose columns this Twenty version lacks. `native` is the main view's
/// columns and types: an order index repeats the view's own expressions.
pub(crate) fn create(o: &Object, a: &Attached, native: &[(String, String)]) -> Vec<String> {
    let Some(table) = a.tables.get(o.table) else {
        return vec![];
    };
    let on = format!("{}.{}", q(&a.schema), q(o.table));
    let live = if table.contains_key("deletedAt") {
        " WHERE \"deletedAt\" IS NULL"
    } else {
        ""
    };
    let mut out = vec![];
    for (_, column, _) in o.unique {
        if table.contains_key(*column) {
            out.push(format!(
                "CREATE INDEX {} ON {on} (lower({}::text)){live}",
                q(&format!("redkey_{}_ci", column.to_lowercase())),
                q(column)
            ));
        }
    }
    for cols in o.orders {
        let keys: Option<Vec<String>> = cols
            .iter()
            .map(|name| {
                let ty = native.iter().find(|(n, _)| n == name)?.1.as_str();
                match o.columns.iter().find(|(n, _)| n == name)?.1 {
                    Source::Twenty { column, read, .. } if table.contains_key(column) => {
                        Some(format!("(({})::{ty})", read.replace("{}", &q(column))))
                    }
                    Source::Stage if table.contains_key("stage") => {
                        Some(format!("(({})::{ty})", stage_of(a, "\"stage\"")))
                    }
                    _ => None,
                }
            })
            .collect();
        // Whole, not partial like the lookups: the planner uses no statistics
        // of a partial index's expressions, and without them it guessed a
        // handful of deals per stage and sorted a whole stage for the board.
        if let Some(keys) = keys {
            out.push(format!(
                "CREATE INDEX {} ON {on} ({})",
                q(&format!(
                    "redkey_{}_{}_order",
                    o.table.to_lowercase(),
                    cols.join("_")
                )),
                keys.join(", ")
            ));
        }
    }
    out
}
