//! The board's cards written as HTML into one buffer.
//!
//! A column's cards have nothing reactive in them: dragging and the move
//! form's submit are handled once on the board, and opening a form is a
//! navigation. Built as views, each card cost its own tree of elements and
//! attributes on the server, the largest share of a board render
//! (BENCHMARKS.md, sessions 28 and 38); written here, a column's cards are
//! one string, set as the list's inner HTML.

use std::fmt::{self, Display, Write};

use uuid::Uuid;

use crate::model::{format::money, DealCard};

/// Where a card's move form posts.
const MOVE_URL: &str = <crate::server_fns::pipeline::MoveDeal as leptos::server_fn::ServerFn>::PATH;

/// Text made safe inside an element or a quoted attribute, written straight
/// into the buffer.
pub struct Escaped<'a>(pub &'a str);

impl Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..at])?;
            f.write_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[at + 1..];
        }
        f.write_str(rest)
    }
}

/// A card's way to another stage without dragging: a link that opens its
/// move form, or the form itself. One form at a time keeps a board of 125
/// cards from carrying 125 stage lists.
pub enum MoveForm<'a> {
    /// The board with this card's form open.
    Link(String),
    /// The stage list (this column's stage selected) and the way back to
    /// the board with no form open.
    Open { options: &'a str, close: &'a str },
}

/// Appends one card: `position` is its place in the column as a drop
/// target reads it.
pub fn write_card(out: &mut String, card: &DealCard, position: i32, form: MoveForm<'_>) {
    // Writing into a String cannot fail.
    let _ = write_card_fmt(out, card, position, form);
}

fn write_card_fmt(
    out: &mut String,
    d: &DealCard,
    position: i32,
    form: MoveForm<'_>,
) -> fmt::Result {
    let (id, name) = (d.id, Escaped(&d.name));
    write!(
        out,
        r#"<li class="card deal" draggable="true" data-deal="{id}" data-position="{position}"><a class="deal-name" href="/deals/{id}">{name}</a><p class="company">{}</p><p class="meta"><span class="amount">"#,
        Escaped(d.company_name.as_deref().unwrap_or_default()),
    )?;
    match d.amount_micros {
        Some(m) => write!(out, "{}", Escaped(&money(m, &d.currency_code)))?,
        None => out.push('—'),
    }
    write!(
        out,
        r#"</span><span class="days">{} d in stage</span>"#,
        d.days_in_stage
    )?;
    if let Some(p) = d.priority {
        let p = p.as_str();
        write!(out, r#"<span class="priority {p}">{p}</span>"#)?;
    }
    if d.stale {
        out.push_str(
            r#"<span class="stale" title="no activity for its stage's threshold">stale</span>"#,
        );
    }
    out.push_str("</p>");
    match form {
        MoveForm::Link(href) => write!(
            out,
            r#"<a class="move" href="{}" data-noscroll aria-label="Move {name}…">Move…</a>"#,
            Escaped(&href)
        )?,
        // `autofocus` serves the page loaded with the form open; the board
        // focuses a form opened in place.
        MoveForm::Open { options, close } => write!(
            out,
            r#"<form method="post" action="{MOVE_URL}" class="move"><input type="hidden" name="deal" value="{id}"><input type="hidden" name="position" value="1000000"><label for="{select}" class="visually-hidden">Move {name} to stage</label><select id="{select}" name="stage" autofocus>{options}</select><button type="submit" class="secondary">Move</button><a class="cancel" href="{}" data-noscroll>Cancel</a></form>"#,
            Escaped(close),
            select = select_id(id),
        )?,
    }
    out.push_str("</li>");
    Ok(())
}

/// The id of a card's stage list, for its label and for focusing it.
pub fn select_id(deal: Uuid) -> String {
    format!("move-{deal}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Priority;

    fn card(name: &str, company: Option<&str>) -> DealCard {
        DealCard {
            id: Uuid::nil(),
            name: name.into(),
            stage_id: Uuid::nil(),
            position: 0.0,
            amount_micros: Some(12_500_000_000),
            currency_code: "USD".into(),
            priority: Some(Priority::High),
            company_name: company.map(Into::into),
            days_in_stage: 3,
            stale: true,
        }
    }

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut out = String::new();
        let evil = card(r#"<b>"A&B's"</b>"#, Some("<script>"));
        write_card(
            &mut out,
            &evil,
            2,
            MoveForm::Link("/pipeline?a=1&b=\"".into()),
        );
        assert!(
            out.contains(">&lt;b&gt;&quot;A&amp;B&#39;s&quot;&lt;/b&gt;</a>"),
            "{out}"
        );
        assert!(
            out.contains("<p class=\"company\">&lt;script&gt;</p>"),
            "{out}"
        );
        assert!(out.contains("href=\"/pipeline?a=1&amp;b=&quot;\""), "{out}");
        assert!(!out.contains("<script>") && !out.contains("<b>"), "{out}");
    }

    #[test]
    fn a_card_shows_its_facts_and_its_move_form() {
        let mut out = String::new();
        write_card(
            &mut out,
            &card("Acme", None),
            4,
            MoveForm::Link("/x".into()),
        );
        for part in [
            "data-position=\"4\"",
            "<p class=\"company\"></p>",
            "<span class=\"amount\">$12,500</span>",
            "3 d in stage",
            "<span class=\"priority high\">high</span>",
            "class=\"stale\"",
            "aria-label=\"Move Acme…\"",
        ] {
            assert!(out.contains(part), "{part} in {out}");
        }
        let mut open = String::new();
        let options = "<option value=\"s\" selected>S</option>";
        write_card(
            &mut open,
            &card("Acme", None),
            0,
            MoveForm::Open {
                options,
                close: "/pipeline",
            },
        );
        assert!(
            open.contains(&format!(
                "<select id=\"move-{}\" name=\"stage\" autofocus>{options}</select>",
                Uuid::nil()
            )),
            "{open}"
        );
        assert!(
            open.contains("name=\"deal\" value=\"00000000-0000-0000-0000-000000000000\""),
            "{open}"
        );
        assert!(!open.contains("aria-label=\"Move Acme…\""), "{open}");
    }
}
