//! HTML the server writes for a read-only part of a page: a table's rows,
//! Today's charts. The page is drawn on the server and sets it as an
//! element's inner HTML, in one string rather than a view per row.

use serde::{Deserialize, Serialize};

/// Markup made on the server from escaped text; never built from input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServerHtml(pub String);
