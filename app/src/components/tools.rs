//! The frame's tools, the command palette's box and what came of telling
//! arlo, as one split point: every page shows the way to them, few page
//! loads use them. In the first module their code (search, the outcome
//! views, their server calls and decoding) was 53 KB of its 366 KB
//! gzipped, paid for by every first load. As two split points, the code
//! each shares with the page groups became a chunk per combination: the
//! board's first load fetched 32 chunks and the people pages' 51; as one,
//! 23 and 31 (BENCHMARKS.md, session 40).

use leptos::{lazy, prelude::*};
use uuid::Uuid;

use super::{palette, tell_arlo};
use crate::model::RecordKind;

/// What the frame asks of its tools' code.
pub enum Tool {
    /// The palette's open box; it closes itself through the signal.
    Palette(WriteSignal<bool>),
    /// A sentence for arlo, about the record the page shows if any.
    Told(String, Option<(RecordKind, Uuid)>),
}

#[lazy]
pub async fn frame_tool(tool: Tool) -> AnyView {
    match tool {
        Tool::Palette(set_open) => palette::palette_box(set_open),
        Tool::Told(text, about) => tell_arlo::outcome(tell_arlo::tell(text, about).await),
    }
}
