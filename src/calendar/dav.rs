//! The CalDAV calls a sync needs: the collection's resources with their
//! ETags (PROPFIND, depth 1), and one resource's iCalendar text (GET).

use reqwest::{Client, Method, StatusCode};

const PROPFIND: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>"#;

/// The elements named `local` (any namespace prefix) in `xml`, as text.
fn texts<'a>(xml: &'a str, local: &str) -> Vec<&'a str> {
    let mut out = vec![];
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find('>') else { break };
        let tag = &rest[..close];
        let name = tag.split_whitespace().next().unwrap_or("");
        let bare = name.rsplit(':').next().unwrap_or(name);
        if bare.eq_ignore_ascii_case(local) && !tag.starts_with('/') && !tag.ends_with('/') {
            let body = &rest[close + 1..];
            if let Some(end) = body.find("</") {
                out.push(body[..end].trim());
            }
        }
        rest = &rest[close + 1..];
    }
    out
}

/// (href, etag) of each `.ics` resource in the collection.
pub async fn list(
    http: &Client,
    url: &str,
    user: &str,
    password: &str,
) -> Result<Vec<(String, String)>, String> {
    let r = http
        .request(Method::from_bytes(b"PROPFIND").expect("a method"), url)
        .basic_auth(user, Some(password))
        .header("Depth", "1")
        .header("Content-Type", "application/xml; charset=utf-8")
        .body(PROPFIND)
        .send()
        .await
        .map_err(|e| format!("cannot reach the calendar: {e}"))?;
    if r.status() != StatusCode::MULTI_STATUS {
        return Err(format!("the calendar answered {}", r.status()));
    }
    let xml = r.text().await.map_err(|e| e.to_string())?;
    let mut found = vec![];
    for block in xml.split("response>").filter(|b| b.contains("href")) {
        let (Some(href), Some(etag)) = (
            texts(block, "href").first().copied(),
            texts(block, "getetag").first().copied(),
        ) else {
            continue;
        };
        if href.ends_with(".ics") {
            found.push((href.to_string(), etag.replace("&quot;", "\"")));
        }
    }
    Ok(found)
}

/// One resource's iCalendar text.
pub async fn get(
    http: &Client,
    base: &str,
    href: &str,
    user: &str,
    password: &str,
) -> Result<String, String> {
    let url = reqwest::Url::parse(base)
        .and_then(|b| b.join(href))
        .map_err(|e| format!("{href}: {e}"))?;
    let r = http
        .get(url)
        .basic_auth(user, Some(password))
        .send()
        .await
        .map_err(|e| format!("cannot reach the calendar: {e}"))?;
    if !r.status().is_success() {
        return Err(format!("{href}: the calendar answered {}", r.status()));
    }
    r.text().await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn multistatus_elements_are_read_whatever_their_prefix() {
        let xml = r#"<multistatus xmlns="DAV:"><response><href>/test/work/a.ics</href><propstat><prop><getetag>"1"</getetag></prop></propstat></response><D:response><D:href>/test/work/</D:href></D:response></multistatus>"#;
        assert_eq!(
            super::texts(xml, "href"),
            ["/test/work/a.ics", "/test/work/"]
        );
        assert_eq!(super::texts(xml, "getetag"), ["\"1\""]);
    }
}
