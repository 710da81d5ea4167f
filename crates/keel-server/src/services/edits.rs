//! Saving a whole page of texts without losing anyone's edit: each field a page shows carries a
//! fingerprint of the text it showed. On save, a field whose typed text still matches its
//! fingerprint was not touched and is left as stored (so someone else's save of it stands); a
//! field that was changed is written only if the stored text still matches the fingerprint. If
//! someone else saved that same field meanwhile, the save is refused for the page to show both
//! texts and let the person merge them (optimistic concurrency, field by field, without a
//! version column per field).

use sha2::{Digest, Sha256};

/// The fingerprint of a text as a page showed it (16 hex digits). Line endings and the
/// whitespace around the text do not count: a browser sends a textarea's lines with `\r\n`.
pub fn fingerprint(text: &str) -> String {
    hex::encode(&Sha256::digest(same(text).as_bytes())[..8])
}

/// The text as compared: `\r\n` read as `\n`, trimmed.
fn same(text: &str) -> String {
    text.replace("\r\n", "\n").trim().to_string()
}

/// What to do with one field of a page's save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// Not changed on the page, or changed to what is stored already: nothing to write.
    Keep,
    /// Changed on the page, and nobody else changed it since: write what was typed.
    Write,
    /// Changed on the page and, since it was opened, by someone else too.
    Conflict,
}

/// How the field `typed` (shown as the text with fingerprint `seen`) merges with `stored`.
pub fn merge(seen: &str, typed: &str, stored: &str) -> Merge {
    if same(typed) == same(stored) || fingerprint(typed) == seen {
        Merge::Keep
    } else if fingerprint(stored) == seen || (seen.is_empty() && same(stored).is_empty()) {
        // (A form that does not say what it showed may still fill an empty field.)
        Merge::Write
    } else {
        Merge::Conflict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_written_only_over_what_the_page_showed() {
        let shown = fingerprint("draft");
        assert_eq!(merge(&shown, "draft", "theirs"), Merge::Keep);
        assert_eq!(merge(&shown, "mine", "draft"), Merge::Write);
        assert_eq!(merge(&shown, "mine", "theirs"), Merge::Conflict);
        assert_eq!(merge(&shown, "same", "same"), Merge::Keep);
        assert_eq!(merge("", "mine", ""), Merge::Write);
        assert_eq!(merge("", "mine", "theirs"), Merge::Conflict);
        assert_ne!(fingerprint("a"), fingerprint("b"));
        assert_eq!(merge(&fingerprint("a\nb"), "a\r\nb ", "c"), Merge::Keep);
    }
}
