//! The cockpit is drawn on the server; only islands (`#[island]`) run in
//! the browser. These serve every page: its forms' posts, the refresh of a
//! part that changes by itself, and the mark that the islands are alive.

use leptos::prelude::*;

/// Marks the body hydrated once every island before it has hydrated
/// (islands hydrate in document order, and this one comes last): browser
/// tests wait for the mark before clicking.
#[island]
pub fn Hydrated() -> impl IntoView {
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// Posts the page's forms without leaving it. A form to a server function
/// is sent as it would be without script (its fields urlencoded, answered
/// by a redirect to the page as it now is), once at a time; the page's
/// `<main>` is then swapped for the new one, and a refused form keeps what
/// was typed in it. Uploads, forms in islands (they post by themselves)
/// and functions that send the person elsewhere go as the browser sends
/// them.
#[island]
pub fn FormPosts() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::submit, browser::submitted);
        on_cleanup(move || handle.remove());
    }
}

/// Every `every_ms`, loads the page again and puts its element `#id` in
/// place of the one shown: a feed or a queue that changes by itself stays
/// current while the rest of the page (a half-typed form) stays as it is.
#[island]
pub fn Refresh(#[prop(into)] id: String, every_ms: u32) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let id = id.clone();
        let tick = move || {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                let _ = browser::refresh(&id).await;
            });
        };
        if let Ok(handle) =
            set_interval_with_handle(tick, std::time::Duration::from_millis(every_ms.into()))
        {
            on_cleanup(move || handle.clear());
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, every_ms);
}

/// The `data-` attribute `name` of the element nearest the event's target
/// that matches `selector`: one handler serves every card or row.
pub fn closest_data(ev: &leptos::ev::Event, selector: &str, name: &str) -> Option<String> {
    use leptos::wasm_bindgen::JsCast;
    let target = ev.target()?.dyn_into::<leptos::web_sys::Element>().ok()?;
    target.closest(selector).ok()??.get_attribute(name)
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::{
        ev::SubmitEvent,
        prelude::*,
        wasm_bindgen::{JsCast, JsValue},
    };
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        DomParser, Element, FormData, HtmlFormElement, Request, RequestInit, Response,
        SupportedType, Url, UrlSearchParams,
    };

    /// leptos' query parameters for a refused form's error.
    const ERROR_PARAMS: [&str; 2] = ["__err", "__path"];
    /// Set on a form while its post is on its way.
    const POSTING: &str = "data-posting";

    pub fn submitted(ev: SubmitEvent) {
        if ev.default_prevented() {
            return;
        }
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        // Read as attributes: a field named `action` or `method` hides the
        // form's properties of those names.
        let attribute = |name: &str| form.get_attribute(name).unwrap_or_default();
        let Some(action) = window()
            .location()
            .href()
            .ok()
            .and_then(|here| Url::new_with_base(&attribute("action"), &here).ok())
        else {
            return;
        };
        let path = action.pathname();
        let ours = path.starts_with("/api/") && !path.starts_with("/api/v1/");
        if !attribute("method").eq_ignore_ascii_case("post")
            || !ours
            || attribute("enctype").eq_ignore_ascii_case("multipart/form-data")
        {
            return;
        }
        let action = action.href();
        ev.prevent_default();
        if form.has_attribute(POSTING) {
            return;
        }
        let Ok(fields) = FormData::new_with_form(&form) else {
            return;
        };
        // The button pressed is one of the fields, as when the browser posts.
        if let Some(button) = ev.submitter() {
            if let Some(name) = button.get_attribute("name").filter(|n| !n.is_empty()) {
                let value = button.get_attribute("value").unwrap_or_default();
                let _ = fields.append_with_str(&name, &value);
            }
        }
        let _ = form.set_attribute(POSTING, "");
        leptos::task::spawn_local(async move {
            let answer = post(&action, &fields).await;
            let _ = form.remove_attribute(POSTING);
            match answer {
                Ok((url, html)) => show(&form, &fields, &url, &html),
                // Anything but the page back (a refusal before the
                // function, a lost connection): as without script.
                Err(_) => form.submit().unwrap_or_default(),
            }
        });
    }

    /// Posts the fields as a form would; the page answered and its address.
    async fn post(action: &str, fields: &FormData) -> Result<(String, String), JsValue> {
        let body = UrlSearchParams::new_with_str_sequence_sequence(fields)?;
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(&body);
        let request = Request::new_with_str_and_init(action, &init)?;
        let headers = request.headers();
        headers.set("Content-Type", "application/x-www-form-urlencoded")?;
        headers.set("Accept", "text/html")?;
        let response: Response = JsFuture::from(window().fetch_with_request(&request))
            .await?
            .dyn_into()?;
        if !response.ok() || !response.redirected() {
            return Err(JsValue::NULL);
        }
        let html = JsFuture::from(response.text()?).await?;
        Ok((response.url(), html.as_string().unwrap_or_default()))
    }

    /// The page as the post left it: in place when it is this page and the
    /// form was in its `<main>`, else by going there.
    fn show(form: &HtmlFormElement, fields: &FormData, url: &str, html: &str) {
        let (here, refused) = same_page(url);
        let main = document().query_selector("main").ok().flatten();
        let inside = main.as_ref().is_some_and(|m| m.contains(Some(form)));
        if !here || !inside {
            let _ = window().location().assign(url);
            return;
        }
        let place = forms_in_main().iter().position(|f| f == form);
        if swap("main", html).is_err() {
            let _ = window().location().assign(url);
            return;
        }
        if refused {
            if let Some(form) = place.and_then(|i| forms_in_main().into_iter().nth(i)) {
                keep_typed(&form, fields);
            }
        }
    }

    /// Whether `url` is the page shown (leptos' error parameters aside), and
    /// whether it carries a refusal.
    fn same_page(url: &str) -> (bool, bool) {
        let Ok(url) = Url::new(url) else {
            return (false, false);
        };
        let params = url.search_params();
        let refused = params.has(ERROR_PARAMS[0]);
        for p in ERROR_PARAMS {
            params.delete(p);
        }
        let location = window().location();
        let here = location.pathname().ok() == Some(url.pathname())
            && location.search().ok() == Some(url.search());
        (here, refused)
    }

    fn forms_in_main() -> Vec<HtmlFormElement> {
        let Ok(list) = document().query_selector_all("main form") else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into::<HtmlFormElement>().ok())
            .collect()
    }

    /// Puts back what was typed into a refused form's visible fields.
    fn keep_typed(form: &HtmlFormElement, fields: &FormData) {
        let elements = form.elements();
        for i in 0..elements.length() {
            let Some(el) = elements.item(i) else { continue };
            let name = el.get_attribute("name").unwrap_or_default();
            if name.is_empty() {
                continue;
            }
            let kind = el.get_attribute("type").unwrap_or_default();
            let sent = fields.get_all(&name);
            if kind == "checkbox" || kind == "radio" {
                let value = el.get_attribute("value").unwrap_or_else(|| "on".into());
                let on = sent
                    .iter()
                    .any(|v| v.as_string().as_deref() == Some(value.as_str()));
                let _ = js_sys::Reflect::set(&el, &"checked".into(), &on.into());
            } else if kind != "hidden" && kind != "file" && kind != "submit" {
                let value = sent.get(0);
                if value.is_string() {
                    let _ = js_sys::Reflect::set(&el, &"value".into(), &value);
                }
            }
        }
    }

    /// Loads the page again and swaps in its element `#id`.
    pub async fn refresh(id: &str) -> Result<(), JsValue> {
        let response: Response =
            JsFuture::from(window().fetch_with_str(&window().location().href()?))
                .await?
                .dyn_into()?;
        if !response.ok() {
            return Ok(());
        }
        let html = JsFuture::from(response.text()?).await?;
        swap(&format!("#{id}"), &html.as_string().unwrap_or_default())
    }

    /// Puts `html`'s element matching `selector` in place of the page's,
    /// and brings its islands to life.
    fn swap(selector: &str, html: &str) -> Result<(), JsValue> {
        let fresh = DomParser::new()?.parse_from_string(html, SupportedType::TextHtml)?;
        let (Some(new), Some(old)) = (
            fresh.query_selector(selector)?,
            document().query_selector(selector)?,
        ) else {
            return Err(JsValue::NULL);
        };
        let new = document().adopt_node(&new)?.dyn_into::<Element>()?;
        old.replace_with_with_node_1(&new)?;
        document().set_title(&fresh.title());
        hydrate_islands(&new)
    }

    /// Islands that arrive with swapped-in markup hydrate as the page's did
    /// (the islands script's own function).
    fn hydrate_islands(root: &Element) -> Result<(), JsValue> {
        let hydrate: js_sys::Function =
            js_sys::Reflect::get(&window(), &"__hydrateIsland".into())?.dyn_into()?;
        let islands = root.query_selector_all("leptos-island")?;
        for i in 0..islands.length() {
            let Some(island) = islands.item(i) else {
                continue;
            };
            let Ok(el) = island.dyn_into::<Element>() else {
                continue;
            };
            let id = el.get_attribute("data-component").unwrap_or_default();
            hydrate.call2(&JsValue::NULL, &el, &id.into())?;
        }
        Ok(())
    }
}
