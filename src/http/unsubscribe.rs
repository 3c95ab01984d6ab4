//! One-click unsubscribe (RFC 8058). `POST /u/{token}` (what mail
//! providers send, with no cookies) answers 200 with an empty body, never
//! redirects, and is idempotent; `GET /u/{token}` shows a page with a
//! confirm button, and changes nothing by itself (link scanners GET).

use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{Html, IntoResponse, Response},
};

use super::AppState;
use redkey_data::suppressions;

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:32rem;\
         margin:4rem auto;padding:0 1rem;line-height:1.5}}button{{font:inherit;padding:.5rem 1rem}}</style>\
         </head><body><main><h1>{title}</h1>{body}</main></body></html>"
    );
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

fn valid_shape(token: &str) -> bool {
    token.len() == 80
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub async fn confirm_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let known = valid_shape(&token)
        && suppressions::unsubscribe(&state.db, &token, false)
            .await
            .unwrap_or(false);
    if !known {
        return page(
            StatusCode::NOT_FOUND,
            "Link not recognised",
            "<p>This unsubscribe link is not valid.</p>",
        );
    }
    page(
        StatusCode::OK,
        "Unsubscribe",
        &format!(
            "<p>Stop all emails of this kind to your address?</p>\
             <form method=\"post\" action=\"/u/{token}\">\
             <input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
             <button type=\"submit\">Unsubscribe</button></form>"
        ),
    )
}

pub async fn one_click(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if !valid_shape(&token) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match suppressions::unsubscribe(&state.db, &token, true).await {
        Ok(true) => StatusCode::OK.into_response(),
        Ok(false) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "unsubscribe failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
