//! A form posted as a plain form (JavaScript off, or the cockpit's own
//! form handling, which posts as a form does) is answered with a redirect
//! back to its page. When the post succeeded, the answer also sets a
//! short-lived cookie with the function and what it answered, so the page,
//! drawn on the server, shows it once ("Saved.", a preview, an invitation's
//! link: `app::components::Posted`); a failed post clears it, as leptos
//! puts the error in the page's address. The answer to the next request
//! that carries the cookie, the page's, clears it too, however many of the
//! page's forms read it.

use app::components::{done_cookie, done_cookie_carried};
use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, HeaderMap, HeaderValue},
    middleware::Next,
    response::Response,
};

use super::errors::is_server_fn;

/// An answer longer than this is not carried (a browser keeps about 4 KB
/// a cookie); the page then shows the form without it.
const CARRIED: usize = 3 << 10;

pub async fn mark_done(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let accepts_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let carried = done_cookie_carried(req.headers()).is_some();
    let mut res = next.run(req).await;
    if !is_server_fn(&path) {
        if carried {
            set_done_cookie(res.headers_mut(), None);
        }
        return res;
    }
    if !accepts_html || !res.status().is_redirection() {
        return res;
    }
    let failed = res
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .is_some_and(|l| l.contains("__err="));
    let (mut parts, body) = res.into_parts();
    let answer = to_bytes(body, CARRIED).await.ok();
    let answered = match (&answer, failed) {
        (Some(answer), false) => std::str::from_utf8(answer).ok(),
        _ => None,
    };
    set_done_cookie(&mut parts.headers, answered.map(|a| (path.as_str(), a)));
    Response::from_parts(parts, Body::from(answer.unwrap_or_default()))
}

fn set_done_cookie(headers: &mut HeaderMap, posted: Option<(&str, &str)>) {
    if let Ok(cookie) = HeaderValue::from_str(&done_cookie(posted)) {
        headers.append(header::SET_COOKIE, cookie);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_success_carries_the_function_and_its_answer_and_a_failure_clears_it() {
        let cookie = done_cookie(Some(("/api/save_strategy", r#"{"a": "b;c"}"#)));
        assert!(HeaderValue::from_str(&cookie).is_ok());
        assert!(
            cookie
                .starts_with("redkey_done=%2Fapi%2Fsave_strategy!%7B%22a%22%3A%20%22b%3Bc%22%7D;"),
            "{cookie}"
        );
        assert!(cookie.ends_with("; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"));
        assert_eq!(
            done_cookie(None),
            "redkey_done=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        );
    }
}
