//! The browser entry: brings the server-rendered cockpit's islands to life.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Links the app crate, whose islands export their hydrate functions.
    #[allow(unused_imports)]
    use app::*;
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}

/// Room for the code splitter (`cargo leptos build --split`) to lay out
/// the read-only data again, one region per module. Its regions, aligned,
/// can come out a few bytes longer than the linker's segment; when they do,
/// the splitter keeps the whole segment in the first module, and every
/// page's first load carried all the other pages' strings too (187 KB of
/// data, 37 KB gzipped; it happened when the regions were 72 bytes over).
/// Nothing reads these bytes, so the splitter gives them to no module: they
/// lengthen the linker's segment without reaching any output.
/// BENCHMARKS.md, session 41.
#[used]
static SPLIT_SLACK: [u8; 4096] = [0x5a; 4096];
