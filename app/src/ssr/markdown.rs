//! Markdown to HTML for notes. Raw HTML in the source is shown as text and
//! links keep only http(s) and mailto targets, so a note cannot inject
//! script or markup into the cockpit.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

pub fn render(markdown: &str) -> String {
    let events = Parser::new_ext(
        markdown,
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES,
    )
    .map(|e| match e {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
    {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_markdown() {
        assert_eq!(
            render("**Budget** freeze"),
            "<p><strong>Budget</strong> freeze</p>\n"
        );
    }

    #[test]
    fn raw_html_and_script_links_are_neutralised() {
        let out = render(
            "<script>alert(1)</script>\n\nA <img src=x onerror=alert(1)> [x](javascript:alert(1))",
        );
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
        assert!(out.contains("href=\"#\""), "{out}");
    }
}
