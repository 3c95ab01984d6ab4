//! Statements that carry only the conditions in force.
//!
//! A filter written as `($n IS NULL OR col = $n)` for every option keeps
//! Postgres from reusing a plan: the generic plan cannot drop the unused
//! terms, so it looks dearer than a plan made for the values, and every
//! call is planned anew (a third of Postgres' time on a table page).
//! Written with only the terms in force, each shape of a filter is its own
//! prepared statement, whose generic plan Postgres keeps. A page's `LIMIT`
//! is written out too (it is our own number): bound, the generic plan
//! guesses a tenth of the table and again loses to a plan made per call.

use sqlx::{Encode, Postgres, QueryBuilder, Type};

/// Appends `cond` followed by `value`, when there is a value: `cond` ends
/// where the value goes (" AND d.owner_id = ").
pub(crate) fn and_bind<'a, T>(sql: &mut QueryBuilder<'a, Postgres>, cond: &str, value: Option<T>)
where
    T: 'a + Encode<'a, Postgres> + Type<Postgres> + Send,
{
    if let Some(value) = value {
        sql.push(cond).push_bind(value);
    }
}

/// Deals whose name, or whose company's name, is like `text` (a search
/// term, made a pattern here).
pub(crate) fn and_deal_named(sql: &mut QueryBuilder<'_, Postgres>, text: Option<&str>) {
    if let Some(pattern) = text.map(super::lookup::like) {
        sql.push(" AND (d.name ILIKE ")
            .push_bind(pattern.clone())
            .push(
                " OR EXISTS (SELECT 1 FROM crm_companies c \
                 WHERE c.id = d.company_id AND c.name ILIKE ",
            )
            .push_bind(pattern)
            .push("))");
    }
}

/// A keyset order: the sort key, the id that makes it unique, whether it
/// descends, and the cast the key's text form needs (the key travels as
/// text whatever its type).
pub(crate) struct Keyset<'k> {
    key: &'k str,
    id: &'k str,
    descending: bool,
    cast: &'k str,
}

impl<'k> Keyset<'k> {
    pub fn up(key: &'k str, id: &'k str, cast: &'k str) -> Self {
        Self {
            key,
            id,
            descending: false,
            cast,
        }
    }

    pub fn down(key: &'k str, id: &'k str, cast: &'k str) -> Self {
        Self {
            descending: true,
            ..Self::up(key, id, cast)
        }
    }

    /// " AND (key, id) > (after, id)" (or `<` descending), when paging on.
    pub fn after<'a>(
        &self,
        sql: &mut QueryBuilder<'a, Postgres>,
        after: Option<(String, uuid::Uuid)>,
    ) {
        if let Some((key, id)) = after {
            let op = if self.descending { "<" } else { ">" };
            sql.push(format!(" AND ({}, {}) {op} (", self.key, self.id))
                .push_bind(key)
                .push(format!("{}, ", self.cast))
                .push_bind(id)
                .push(")");
        }
    }

    /// " ORDER BY key, id" in the keyset's direction.
    pub fn order(&self) -> String {
        let dir = if self.descending { " DESC" } else { "" };
        format!(" ORDER BY {}{dir}, {}{dir}", self.key, self.id)
    }
}
