//! The contacts, companies and deals tables' rows and a timeline's lines,
//! written on the server as HTML ([`ServerHtml`]). They hold nothing
//! reactive: a row's checkbox is read by the bulk form as it posts. Built
//! as views, each row was its own tree of elements on the server.

use std::fmt::{self, Display, Write};

use super::card_html::Escaped;
use crate::model::{
    format::money, Company, ContactRow, Deal, Priority, ServerHtml, Timeline, TimelineShown,
};

/// An optional value, or nothing.
struct Or<T>(Option<T>);

impl<T: Display> Display for Or<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(v) => v.fmt(f),
            None => Ok(()),
        }
    }
}

fn text(s: &Option<String>) -> Escaped<'_> {
    Escaped(s.as_deref().unwrap_or_default())
}

fn priority(p: Option<Priority>) -> &'static str {
    p.map(Priority::as_str).unwrap_or("")
}

/// Writes each row with `row`; writing into a String cannot fail.
fn rows<T>(items: &[T], row: impl Fn(&mut String, usize, &T) -> fmt::Result) -> ServerHtml {
    let mut out = String::with_capacity(items.len() * 320);
    for (i, item) in items.iter().enumerate() {
        let _ = row(&mut out, i, item);
    }
    ServerHtml(out)
}

/// The contacts list: a box to tick for the bulk form, then the columns.
pub fn contacts(list: &[ContactRow]) -> ServerHtml {
    rows(list, |out, i, r| {
        let (id, name) = (r.id, Escaped(&r.name));
        write!(
            out,
            r#"<tr><td><input type="checkbox" name="ids[{i}]" value="{id}" aria-label="Select {name}"></td><td><a href="/contacts/{id}">{name}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            text(&r.email),
            text(&r.company_name),
            priority(r.priority),
            Or(r.last_activity_on),
        )
    })
}

/// The companies table: each company with its account owner's name.
pub fn companies(list: &[(Company, Option<&str>)]) -> ServerHtml {
    rows(list, |out, _, (c, owner)| {
        write!(
            out,
            r#"<tr><td><a href="/companies/{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            c.id,
            Escaped(&c.name),
            text(&c.domain),
            text(&c.industry),
            priority(c.priority),
            Escaped(owner.unwrap_or_default()),
        )
    })
}

/// A deal as the deals table shows it, with the names it is shown with.
pub struct DealLine<'a> {
    pub deal: &'a Deal,
    pub stage: &'a str,
    pub company: Option<&'a str>,
    pub owner: Option<&'a str>,
}

pub fn deals(list: &[DealLine<'_>]) -> ServerHtml {
    rows(list, |out, _, l| {
        let d = l.deal;
        write!(
            out,
            r#"<tr><td><a href="/deals/{}">{}</a></td><td>{}</td><td>{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            d.id,
            Escaped(&d.name),
            Escaped(l.stage),
            Escaped(l.company.unwrap_or_default()),
            Escaped(
                &d.amount_micros
                    .map(|a| money(a, &d.currency_code))
                    .unwrap_or_default()
            ),
            Or(d.close_date),
            Escaped(l.owner.unwrap_or_default()),
            priority(d.priority),
        )
    })
}

/// A timeline page: each line's minute and text.
pub fn timeline(t: Timeline) -> TimelineShown {
    let lines = rows(&t.entries, |out, _, e| {
        write!(
            out,
            "<li><time>{}</time> <span>{}</span></li>",
            e.at.format("%Y-%m-%d %H:%M"),
            Escaped(&e.text)
        )
    });
    TimelineShown {
        lines,
        older: t.older,
        paged: t.paged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_contact_row_escapes_what_people_typed() {
        let id = Uuid::new_v4();
        let html = contacts(&[ContactRow {
            id,
            name: "Ann <b>\"O'Neil\"</b> & co".into(),
            email: Some("ann@x.test".into()),
            company_name: None,
            priority: Some(Priority::High),
            last_activity_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 4),
        }])
        .0;
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("Ann &lt;b&gt;&quot;O&#39;Neil&quot;&lt;/b&gt; &amp; co</a>"));
        assert!(html.contains(r#"aria-label="Select Ann &lt;b&gt;&quot;O&#39;Neil"#));
        assert!(html.contains(r#"name="ids[0]""#));
        assert!(html.contains("<td>ann@x.test</td><td></td><td>high</td><td>2026-03-04</td>"));
        assert!(html.contains(&format!(r#"<a href="/contacts/{id}">"#)));
    }
}
