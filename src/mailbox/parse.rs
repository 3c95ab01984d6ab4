//! One raw message (RFC 5322) to what the sync keeps: its Message-ID (or a
//! hash of it when it has none), its parent and thread root, the people,
//! the subject, the text, and whether a machine or a list sent it.

use chrono::{DateTime, Utc};
use mail_parser::{HeaderValue, MessageParser};
use sha2::{Digest, Sha256};

#[derive(Clone, Debug, PartialEq)]
pub struct Mail {
    pub message_id: String,
    pub in_reply_to: Option<String>,
    /// The first of References (the thread's root), if any.
    pub root: Option<String>,
    pub from: Option<(String, Option<String>)>,
    /// To and Cc.
    pub to: Vec<String>,
    pub subject: Option<String>,
    pub text: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    /// An automatic answer (Auto-Submitted, X-Autoreply, out of office) or
    /// a delivery report.
    pub automatic: bool,
    /// A list or bulk sender (List-Id, List-Unsubscribe, Precedence).
    pub bulk: bool,
    /// A delivery report's failed recipients (its Final-Recipient lines).
    pub failed_recipients: Vec<String>,
}

fn ids(v: &HeaderValue) -> Vec<String> {
    match v {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => vec![],
    }
}

pub fn parse(raw: &[u8]) -> Option<Mail> {
    let m = MessageParser::default().parse(raw)?;
    let header = |name: &str| m.header_raw(name).map(|v| v.trim().to_lowercase());
    let message_id = match m.message_id() {
        Some(id) if !id.trim().is_empty() => id.trim().to_string(),
        // No Message-ID: the same bytes always hash the same.
        _ => format!("sha256-{}@redkey", hex::encode(Sha256::digest(raw))),
    };
    let subject = m.subject().map(str::to_string);
    let lower_subject = subject.clone().unwrap_or_default().to_lowercase();
    let automatic = header("auto-submitted").is_some_and(|v| v != "no")
        || header("x-autoreply").is_some()
        || header("x-autorespond").is_some()
        || header("content-type").is_some_and(|c| c.starts_with("multipart/report"))
        || [
            "out of office",
            "automatic reply",
            "auto-reply",
            "autoreply",
            "undelivered mail",
        ]
        .iter()
        .any(|s| lower_subject.contains(s));
    let bulk = header("list-id").is_some()
        || header("list-unsubscribe").is_some()
        || header("precedence").is_some_and(|p| matches!(p.as_str(), "bulk" | "list" | "junk"));
    let people = |a: Option<&mail_parser::Address>| -> Vec<(String, Option<String>)> {
        a.map(|a| {
            a.iter()
                .filter_map(|x| {
                    let addr = x.address()?.trim().to_lowercase();
                    addr.contains('@')
                        .then(|| (addr, x.name().map(|n| n.trim().to_string())))
                })
                .collect()
        })
        .unwrap_or_default()
    };
    let mut to: Vec<String> = people(m.to()).into_iter().map(|(a, _)| a).collect();
    to.extend(people(m.cc()).into_iter().map(|(a, _)| a));
    to.dedup();
    // Delivery reports name each recipient that failed, in any part.
    let failed_recipients = if content_type_report(&header("content-type")) {
        String::from_utf8_lossy(raw)
            .lines()
            .filter_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case("final-recipient")
                    .then(|| {
                        let addr = value.rsplit(';').next().unwrap_or(value);
                        addr.trim().trim_matches(['<', '>']).to_lowercase()
                    })
            })
            .filter(|a| a.contains('@'))
            .collect()
    } else {
        vec![]
    };
    Some(Mail {
        failed_recipients,
        in_reply_to: ids(m.in_reply_to()).into_iter().next(),
        root: ids(m.references()).into_iter().next(),
        from: people(m.from()).into_iter().next(),
        to,
        subject,
        text: m
            .body_text(0)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty()),
        sent_at: m
            .date()
            .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0)),
        message_id,
        automatic,
        bulk,
    })
}

fn content_type_report(ct: &Option<String>) -> bool {
    ct.as_deref()
        .is_some_and(|c| c.starts_with("multipart/report"))
}

/// The subject without its Re:/Fwd: prefixes, for threading mail that
/// names no parent.
pub fn base_subject(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let lower = s.to_lowercase();
        let cut = ["re:", "fwd:", "fw:", "aw:", "sv:"]
            .iter()
            .find(|p| lower.starts_with(*p))
            .map(|p| p.len());
        match cut {
            Some(n) => s = s[n..].trim_start(),
            None => return s.to_lowercase(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_people_and_machines_are_read() {
        let raw = b"Message-ID: <b@x.test>\r\nIn-Reply-To: <a@x.test>\r\nReferences: <root@x.test> <a@x.test>\r\nFrom: Ada Lovelace <Ada@Lovelace.test>\r\nTo: me@alpha.test, Bob <bob@x.test>\r\nCc: cc@x.test\r\nSubject: Re: Pricing\r\nDate: Mon, 4 Jan 2027 10:00:00 +0000\r\n\r\nSounds good.\r\n";
        let m = parse(raw).unwrap();
        assert_eq!(m.message_id, "b@x.test");
        assert_eq!(m.in_reply_to.as_deref(), Some("a@x.test"));
        assert_eq!(m.root.as_deref(), Some("root@x.test"));
        assert_eq!(
            m.from,
            Some(("ada@lovelace.test".into(), Some("Ada Lovelace".into())))
        );
        assert_eq!(m.to, ["me@alpha.test", "bob@x.test", "cc@x.test"]);
        assert_eq!(m.text.as_deref(), Some("Sounds good."));
        assert!(!m.automatic && !m.bulk);
        let auto = parse(
            b"From: a@x.test\r\nAuto-Submitted: auto-replied\r\nSubject: Away\r\n\r\nBack soon\r\n",
        )
        .unwrap();
        assert!(auto.automatic);
        assert!(auto.message_id.starts_with("sha256-"));
        let list =
            parse(b"From: news@x.test\r\nList-Id: <news.x.test>\r\nSubject: News\r\n\r\nHi\r\n")
                .unwrap();
        assert!(list.bulk);
        assert_eq!(base_subject("Re: RE: Fwd: Pricing"), "pricing");
        let dsn = parse(b"From: MAILER-DAEMON@x.test\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\nSubject: Undelivered Mail\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; Ada@Lovelace.test\r\nAction: failed\r\n--b--\r\n").unwrap();
        assert!(dsn.automatic);
        assert_eq!(dsn.failed_recipients, ["ada@lovelace.test"]);
    }
}
