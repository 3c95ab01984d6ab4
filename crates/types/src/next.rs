//! Where to go after signing in: only a path on this site.

/// The default landing page after sign-in: Today.
pub const LANDING: &str = "/";

/// `next` when it is a path on this site, else none: no scheme, no `//`
/// (another host), no backslash (browsers read it as `/`), no control
/// characters or spaces, no `.` or `..` segments (which could resolve to `//`), not
/// the sign-in page itself, and at most 2,000 characters.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && next.chars().count() <= 2000
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
        && !next.contains("://")
        && !next
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .split('/')
            .any(|seg| {
                seg == "."
                    || seg == ".."
                    || seg.eq_ignore_ascii_case("%2e")
                    || seg.eq_ignore_ascii_case("%2e%2e")
            })
        && !(next == "/sign-in" || next.starts_with("/sign-in?") || next.starts_with("/sign-in/"));
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn local_paths_pass() {
        for ok in [
            "/contacts",
            "/contacts?q=ä",
            "/deals/1#notes",
            "/café/ünïcode",
            "/",
        ] {
            assert_eq!(safe_next(ok), Some(ok));
        }
    }

    #[test]
    fn anything_else_is_refused_without_panicking() {
        for bad in [
            "",
            "contacts",
            "//evil.test",
            "/\\evil.test",
            "\\\\evil.test",
            "https://evil.test",
            "/redirect?to=https://evil.test",
            "javascript:alert(1)",
            "/a\u{0}b",
            "/a\r\nLocation: x",
            "/.//evil.test",
            "/x/../..//evil.test",
            "/%2e%2e/evil",
            "/sign-in",
            "/sign-in?next=/x",
            "é",
            "/a b",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "ü".repeat(2000))), None);
    }
}
