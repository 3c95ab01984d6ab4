//! The browser entry: hydrates the server-rendered cockpit.
// The lazy router's view type is deep; release builds (no erased
// components) compute its layout past the default limit.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Waits for the first page's split-out code before hydrating.
    leptos::mount::hydrate_lazy(app::App);
}
