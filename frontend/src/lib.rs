//! The browser entry: hydrates the server-rendered cockpit.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Waits for the first page's split-out code before hydrating.
    leptos::mount::hydrate_lazy(app::App);
}
