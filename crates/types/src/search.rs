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
