//! The record tables' filters and orders as they travel in a URL: one
//! spelling that a table page, a saved view and a CSV export share.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{format::urlencode, text_enum::text_enum, Priority};

text_enum! {
    /// The tables a person filters, saves as views and exports.
    pub enum TableKind {
        Contacts = "contacts",
        Companies = "companies",
        Deals = "deals",
    }
}

impl TableKind {
    /// The cockpit page that shows the table.
    pub fn path(self) -> &'static str {
        match self {
            Self::Contacts => "/contacts",
            Self::Companies => "/companies",
            Self::Deals => "/deals",
        }
    }

    /// The table's page with these filters (a query string, maybe empty).
    pub fn href(self, query: &str) -> String {
        if query.is_empty() {
            self.path().to_string()
        } else {
            format!("{}?{query}", self.path())
        }
    }

    /// The CSV export of the table with these filters.
    pub fn export_href(self, query: &str) -> String {
        format!("/export/{}.csv?{query}", self.as_str())
    }
}

text_enum! {
    /// Orders of the contacts and companies tables.
    #[derive(Default)]
    pub enum RecordSort {
        #[default]
        Name = "name",
        RecentActivity = "recent",
        Newest = "newest",
    }
}

impl RecordSort {
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::RecentActivity => "Recent activity",
            Self::Newest => "Newest",
        }
    }
}

text_enum! {
    /// Orders of the deals table.
    #[derive(Default)]
    pub enum DealSort {
        #[default]
        Name = "name",
        Amount = "amount",
        CloseDate = "close",
        Newest = "newest",
    }
}

impl DealSort {
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Amount => "Amount, largest first",
            Self::CloseDate => "Close date, soonest first",
            Self::Newest => "Newest",
        }
    }
}

/// One table's filters and order. `from_params` reads URL parameters (an
/// unknown or malformed value is no filter, so an old link still opens);
/// `params` writes back only what is set, in a fixed order, so the same
/// filters always make the same query string.
pub trait TableFilter: Sized + Default {
    const KIND: TableKind;
    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> Self;
    fn params(&self) -> Vec<(&'static str, String)>;

    /// The filters of a query string (what a saved view or an export link
    /// carries).
    fn from_query(query: &str) -> Self {
        let pairs = crate::format::query_pairs(query);
        Self::from_params(&|k| {
            pairs
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
        })
    }

    fn query(&self) -> String {
        self.params()
            .into_iter()
            .map(|(k, v)| format!("{k}={}", urlencode(&v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Parameters with surrounding space trimmed and empty ones dropped.
fn cleaned(get: &dyn Fn(&str) -> Option<String>, key: &str) -> Option<String> {
    get(key)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn parsed<T: std::str::FromStr>(get: &dyn Fn(&str) -> Option<String>, key: &str) -> Option<T> {
    cleaned(get, key).and_then(|v| v.parse().ok())
}

fn push<T: ToString>(out: &mut Vec<(&'static str, String)>, key: &'static str, v: Option<T>) {
    if let Some(v) = v {
        out.push((key, v.to_string()));
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactFilter {
    /// Name, email or company contains this.
    pub q: Option<String>,
    pub priority: Option<Priority>,
    /// Only contacts whose recontact date has come.
    pub due: bool,
    pub sort: RecordSort,
}

impl TableFilter for ContactFilter {
    const KIND: TableKind = TableKind::Contacts;

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            q: cleaned(get, "q"),
            priority: cleaned(get, "priority").and_then(|p| Priority::parse(&p)),
            due: cleaned(get, "due").is_some(),
            sort: cleaned(get, "sort")
                .and_then(|s| RecordSort::parse(&s))
                .unwrap_or_default(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![];
        push(&mut out, "q", self.q.as_ref());
        push(&mut out, "priority", self.priority.map(Priority::as_str));
        push(&mut out, "due", self.due.then_some("1"));
        push(&mut out, "sort", non_default(self.sort));
        out
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CompanyFilter {
    /// Name or domain contains this.
    pub q: Option<String>,
    pub priority: Option<Priority>,
    /// The account owner (a member id).
    pub owner: Option<Uuid>,
    pub sort: RecordSort,
}

impl TableFilter for CompanyFilter {
    const KIND: TableKind = TableKind::Companies;

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            q: cleaned(get, "q"),
            priority: cleaned(get, "priority").and_then(|p| Priority::parse(&p)),
            owner: parsed(get, "owner"),
            sort: cleaned(get, "sort")
                .and_then(|s| RecordSort::parse(&s))
                .unwrap_or_default(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![];
        push(&mut out, "q", self.q.as_ref());
        push(&mut out, "priority", self.priority.map(Priority::as_str));
        push(&mut out, "owner", self.owner);
        push(&mut out, "sort", non_default(self.sort));
        out
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DealFilter {
    /// The deal's or its company's name contains this.
    pub q: Option<String>,
    pub pipeline: Option<Uuid>,
    pub stage: Option<Uuid>,
    pub owner: Option<Uuid>,
    pub priority: Option<Priority>,
    /// Close date on or after / on or before (inclusive).
    pub close_from: Option<NaiveDate>,
    pub close_to: Option<NaiveDate>,
    pub sort: DealSort,
}

impl TableFilter for DealFilter {
    const KIND: TableKind = TableKind::Deals;

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            q: cleaned(get, "q"),
            pipeline: parsed(get, "pipeline"),
            stage: parsed(get, "stage"),
            owner: parsed(get, "owner"),
            priority: cleaned(get, "priority").and_then(|p| Priority::parse(&p)),
            close_from: parsed(get, "close_from"),
            close_to: parsed(get, "close_to"),
            sort: cleaned(get, "sort")
                .and_then(|s| DealSort::parse(&s))
                .unwrap_or_default(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![];
        push(&mut out, "q", self.q.as_ref());
        push(&mut out, "pipeline", self.pipeline);
        push(&mut out, "stage", self.stage);
        push(&mut out, "owner", self.owner);
        push(&mut out, "priority", self.priority.map(Priority::as_str));
        push(&mut out, "close_from", self.close_from);
        push(&mut out, "close_to", self.close_to);
        push(&mut out, "sort", non_default(self.sort));
        out
    }
}

fn non_default<T: Default + PartialEq + std::fmt::Display>(v: T) -> Option<String> {
    (v != T::default()).then(|| v.to_string())
}

/// A page of the deals table and what its filters offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DealTable {
    /// The rows, written on the server.
    pub rows_html: crate::ServerHtml,
    /// The pipelines and each pipeline's stages, as (id, name).
    pub pipelines: Vec<(Uuid, String)>,
    pub stages: Vec<(Uuid, String)>,
    pub members: Vec<(Uuid, String)>,
    /// The cursor of the next page, if there is one.
    pub next: Option<Uuid>,
}

/// A page of the companies table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompanyTable {
    /// The rows, written on the server.
    pub rows_html: crate::ServerHtml,
    pub members: Vec<(Uuid, String)>,
    pub next: Option<Uuid>,
}

/// A named set of a table's filters and order, the user's own or shared
/// with everyone in the client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SavedView {
    pub id: Uuid,
    pub kind: TableKind,
    pub name: String,
    pub query: String,
    pub shared: bool,
    /// Saved by the person looking (only they may delete it).
    pub mine: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> DealFilter {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        DealFilter::from_params(&|k| map.get(k).cloned())
    }

    #[test]
    fn a_query_string_reads_back_to_the_same_filter() {
        let f = from(&[
            ("q", " acme & co "),
            ("priority", "high"),
            ("close_from", "2026-01-01"),
            ("sort", "amount"),
            ("owner", "not-a-uuid"),
            ("stage", ""),
        ]);
        assert_eq!(f.q.as_deref(), Some("acme & co"));
        assert_eq!(f.owner, None, "a malformed id is no filter");
        assert_eq!(f.sort, DealSort::Amount);
        assert_eq!(
            f.query(),
            "q=acme%20%26%20co&priority=high&close_from=2026-01-01&sort=amount"
        );
        assert_eq!(DealFilter::from_query(&f.query()), f);
    }

    #[test]
    fn the_default_order_is_left_out() {
        assert_eq!(from(&[("sort", "name")]).query(), "");
        assert_eq!(from(&[("sort", "bogus")]).sort, DealSort::Name);
    }
}
