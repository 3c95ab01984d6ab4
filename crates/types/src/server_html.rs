//! HTML the server writes for a read-only part of a page: a table's rows,
//! Today's charts.
//!
//! Such a part is set as an element's inner HTML, which hydration leaves as
//! the server sent it, so the copy in the page's hydration data would be
//! sent for nothing: there it is written empty. A server function's answer
//! (the browser's later navigations) carries it whole.

use std::cell::Cell;

use serde::{Deserialize, Serialize, Serializer};

/// Markup made on the server from escaped text; never built from input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ServerHtml(pub String);

thread_local! {
    static FOR_HYDRATION: Cell<bool> = const { Cell::new(false) };
}

impl Serialize for ServerHtml {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if FOR_HYDRATION.get() { "" } else { &self.0 })
    }
}

/// Runs `encode` (a page's hydration data being written) with every
/// [`ServerHtml`] in it written empty.
pub fn for_hydration<R>(encode: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            FOR_HYDRATION.set(self.0);
        }
    }
    let _restore = Restore(FOR_HYDRATION.replace(true));
    encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hydration_data_leaves_the_markup_out_and_an_answer_keeps_it() {
        let page = (ServerHtml("<tr><td>Ann</td></tr>".into()), 7);
        let answer = serde_json::to_string(&page).unwrap();
        assert_eq!(answer, r#"["<tr><td>Ann</td></tr>",7]"#);
        let hydration = for_hydration(|| serde_json::to_string(&page).unwrap());
        assert_eq!(hydration, r#"["",7]"#);
        assert_eq!(serde_json::to_string(&page).unwrap(), answer, "only inside");
        let back: (ServerHtml, i32) = serde_json::from_str(&answer).unwrap();
        assert_eq!(back, page);
    }
}
