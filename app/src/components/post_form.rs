//! Forms that post to a server function, as Leptos's `ActionForm` does,
//! in a fraction of the browser's code.
//!
//! `ActionForm` decodes the form into the function's arguments, and its
//! `ServerAction` encodes them again for the request: two serde_qs codecs
//! for every server function, each generated for its argument type
//! (BENCHMARKS.md, session 43). The browser already holds the body the
//! server reads, the form's fields urlencoded, which is what the same form
//! posts without JavaScript. `PostForm` sends that body along one path
//! every form shares, and keeps the answer in a `Posted`, which holds what
//! a `ServerAction` shows without the client code. Only decoding the
//! answer depends on the function, and most answer `()`.
//!
//! Pages are drawn on the server, so most forms are posted as plain forms
//! (`super::islands::FormPosts`) and the page drawn after the post starts
//! its `Posted` with what the post answered.

use leptos::{
    ev::SubmitEvent,
    prelude::*,
    server::{codee::Decoder, ServerActionError},
    server_fn::{error::ServerFnUrlError, ServerFn},
};
use serde::de::DeserializeOwned;

use crate::{model::AppError, resource::SliceJson};

/// What a form's post answered: the value of a `ServerAction`, without the
/// client code that encodes `S`'s arguments, which a form never uses.
pub struct Posted<S: ServerFn> {
    value: RwSignal<Option<Result<S::Output, AppError>>>,
}

/// The cookie naming the server function whose form was just posted and
/// what it answered: set with the redirect back to the page
/// (`redkey::http`), so the page, drawn on the server, shows the answer as
/// if it had come to the form. The answer to the request that carries it
/// back clears it, so it is shown once.
pub const DONE_COOKIE: &str = "redkey_done";

/// The `Set-Cookie` value carrying what the form posted to a function
/// answered, given as `(path, answer JSON)`, each percent-encoded and
/// joined by `!` (which encoding never leaves); `None` clears it.
pub fn done_cookie(posted: Option<(&str, &str)>) -> String {
    use crate::model::format::urlencode;
    let (value, age) = match posted {
        Some((path, answer)) => (format!("{}!{}", urlencode(path), urlencode(answer)), 60),
        None => (String::new(), 0),
    };
    format!("{DONE_COOKIE}={value}; Path=/; Max-Age={age}; HttpOnly; SameSite=Lax")
}

impl<S: ServerFn> Clone for Posted<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ServerFn> Copy for Posted<S> {}

impl<S> Posted<S>
where
    S: ServerFn,
    S::Output: DeserializeOwned + Send + Sync + 'static,
{
    /// Starts with what the form's post, just before this page was drawn,
    /// came back with, when it was this function's: its error (as
    /// `ServerAction` does) or its answer.
    pub fn new() -> Self {
        let failed = use_context::<ServerActionError>()
            .filter(|e| e.path() == S::PATH)
            .map(|e| Err(ServerFnUrlError::<AppError>::decode_err(e.err())));
        Self {
            value: RwSignal::new(failed.or_else(|| posted_answer::<S::Output>(S::PATH).map(Ok))),
        }
    }

    /// Whether the latest post succeeded.
    pub fn succeeded(&self) -> bool {
        self.value.with(|value| matches!(value, Some(Ok(_))))
    }

    /// The latest answer; `None` before the first.
    pub fn value(&self) -> RwSignal<Option<Result<S::Output, AppError>>> {
        self.value
    }
}

impl<S> Default for Posted<S>
where
    S: ServerFn,
    S::Output: DeserializeOwned + Send + Sync + 'static,
{
    fn default() -> Self {
        Self::new()
    }
}

/// The value of [`DONE_COOKIE`] among a request's cookies.
#[cfg(feature = "ssr")]
pub fn done_cookie_carried(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(DONE_COOKIE)?.strip_prefix('='))
}

/// What the form posted to `path` just answered, when the request's
/// cookie says.
#[cfg(feature = "ssr")]
fn posted_answer<T: DeserializeOwned>(path: &str) -> Option<T> {
    let parts = use_context::<http::request::Parts>()?;
    let (named, answer) = done_cookie_carried(&parts.headers)?.split_once('!')?;
    let pairs = crate::model::format::query_pairs(&format!("p={named}&a={answer}"));
    (pairs.first()?.1 == path)
        .then(|| serde_json::from_str(&pairs.get(1)?.1).ok())
        .flatten()
}

/// In the browser, an island's form learns its outcome from its answer.
#[cfg(not(feature = "ssr"))]
fn posted_answer<T>(_path: &str) -> Option<T> {
    None
}

/// `<form method="post" action=…>` around `children`. Drawn on the
/// server, it is posted as a plain form (`super::FormPosts`); in an island
/// it is sent by `fetch`, once at a time: the answer goes to `action`, and
/// a redirect the function asks for is followed. `pending`, when given, is
/// true while a post is on its way.
#[component]
pub fn PostForm<S>(
    action: Posted<S>,
    #[prop(optional)] pending: Option<RwSignal<bool>>,
    children: Children,
) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Send + Sync + 'static,
    S::Output: DeserializeOwned + Send + Sync + 'static,
{
    let answered = move |answer: Result<String, AppError>| {
        action.value.set(Some(answer.and_then(|body| {
            SliceJson::decode(&body).map_err(|e| AppError::Transport(e.to_string()))
        })));
    };
    let pending = pending.unwrap_or_else(|| RwSignal::new(false));
    posting(S::url(), Callback::new(answered), pending, children)
}

fn posting(
    url: &'static str,
    answered: Callback<Result<String, AppError>>,
    pending: RwSignal<bool>,
    children: Children,
) -> impl IntoView {
    let submit = move |ev: SubmitEvent| {
        if ev.default_prevented() {
            return;
        }
        ev.prevent_default();
        // A second click while the first post is on its way sends nothing.
        if pending.get_untracked() {
            return;
        }
        #[cfg(feature = "hydrate")]
        {
            pending.set(true);
            let body = browser::urlencoded(&ev);
            leptos::task::spawn_local(async move {
                let answer = browser::post(url, body).await;
                pending.set(false);
                // None when the form went with its page before the answer
                // came: there is nothing left to show it.
                let _ = answered.try_run(answer);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = answered;
    };
    view! { <form action=url method="post" on:submit=submit>{children()}</form> }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::{
        ev::SubmitEvent,
        server_fn::{
            client::{browser::BrowserClient, Client},
            error::FromServerFnError,
            redirect::call_redirect_hook,
            request::{browser::BrowserRequest, ClientReq},
            response::ClientRes,
        },
        wasm_bindgen::JsCast,
    };
    use web_sys::{FormData, HtmlFormElement, UrlSearchParams};

    use crate::model::AppError;

    /// The submitted form's fields as the browser would post them.
    pub fn urlencoded(ev: &SubmitEvent) -> String {
        ev.target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
            .and_then(|form| FormData::new_with_form(&form).ok())
            .and_then(|data| UrlSearchParams::new_with_str_sequence_sequence(&data).ok())
            .map(|params| params.to_string().into())
            .unwrap_or_default()
    }

    /// Posts `body` to the server function at `url` as its client would:
    /// the answer's body, or the function's error.
    pub async fn post(url: &str, body: String) -> Result<String, AppError> {
        let request = <BrowserRequest as ClientReq<AppError>>::try_new_post(
            url,
            "application/x-www-form-urlencoded",
            "application/json",
            body,
        )?;
        let response = <BrowserClient as Client<AppError>>::send(request).await?;
        let status = ClientRes::<AppError>::status(&response);
        let location = ClientRes::<AppError>::location(&response);
        let redirected = ClientRes::<AppError>::has_redirect(&response);
        let body = ClientRes::<AppError>::try_into_string(response).await?;
        if (400..=599).contains(&status) {
            return Err(AppError::de(body.into()));
        }
        if (300..=399).contains(&status) || redirected {
            call_redirect_hook(&location);
        }
        Ok(body)
    }
}
