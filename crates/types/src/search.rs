//! One search over a client's records.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::text_enum::text_enum;

text_enum! {
    /// What a search hit is.
    pub enum RecordKind {
        Contact = "contact",
        Company = "company",
        Deal = "deal",
        Stage = "stage",
    }
}

/// A record a search found: a contact (detail: its company or email), a
/// company (its domain), a deal (its stage) or a stage (its pipeline),
/// with how well it matched (0 to 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RecordHit {
    pub kind: RecordKind,
    pub id: Uuid,
    pub label: String,
    pub detail: String,
    pub score: f32,
}

/// A record a note, to-do or file is about, with the name to show; `of` is
/// the note's, to-do's or file's id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RecordLink {
    pub of: Uuid,
    pub kind: RecordKind,
    pub id: Uuid,
    pub label: String,
}

text_enum! {
    /// What search everywhere finds.
    pub enum FoundKind {
        Contact = "contact",
        Company = "company",
        Deal = "deal",
        Note = "note",
        Todo = "todo",
    }
}

impl FoundKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Contact => "Contact",
            Self::Company => "Company",
            Self::Deal => "Deal",
            Self::Note => "Note",
            Self::Todo => "To-do",
        }
    }
}

/// A record search everywhere found (detail: a contact's email, a
/// company's domain, a deal's stage, a note's first words, a to-do's
/// status), with how well it matched (0 to 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Found {
    pub kind: FoundKind,
    pub id: Uuid,
    pub label: String,
    pub detail: String,
    pub score: f32,
}

impl Found {
    /// Where the hit opens: the record's page; a note or a to-do on its
    /// list, found by its title.
    pub fn href(&self) -> String {
        let q = crate::format::urlencode(&self.label);
        match self.kind {
            FoundKind::Contact => format!("/contacts/{}", self.id),
            FoundKind::Company => format!("/companies/{}", self.id),
            FoundKind::Deal => format!("/deals/{}", self.id),
            FoundKind::Note => format!("/notes?q={q}"),
            FoundKind::Todo => format!("/todos?scope=all#todo-{}", self.id),
        }
    }
}
