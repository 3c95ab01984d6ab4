//! Arlo's judgment: the model client it asks, and (in later steps) the
//! interpreter that works without one, strategic writes from sentences,
//! questions, drafting, enrichment and health.

pub mod interpret;
pub mod model;
