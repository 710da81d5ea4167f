//! Small parsers for free-text and number fields shared by several records.
//!
//! Why one place: every entry point (API, form, CLI, import) reaches the database through these,
//! so text is refused the same way on SQLite and PostgreSQL (PostgreSQL cannot store a NUL, SQLite
//! can) and nothing that could spoof or break a page is stored:
//! - control characters are refused everywhere, except line breaks and tabs in long text;
//! - explicit bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069) are refused
//!   everywhere: right-to-left text displays correctly without them, and an unbalanced override
//!   can make a title read backwards or disguise what it says;
//! - single-line fields refuse the Unicode line and paragraph separators (U+2028, U+2029), and a
//!   title made only of invisible characters (zero-width spaces and joiners) counts as empty.
//!
//! Numbers are finite and at most 10^15 in size, so that progress, forecasts and charts are
//! always finite (a start of -1.7e308 and a target of 1.7e308 would overflow their difference).

use crate::error::{FieldError, FieldResult};

/// The largest magnitude a key result's numbers may have.
pub const MAX_MAGNITUDE: f64 = 1e15;

/// Explicit bidirectional formatting characters (embeddings, overrides, isolates).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that draw nothing: zero-width space, non-joiner, joiner, word joiner, BOM.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Refusals shared by every kind of text.
fn check_characters(field: &str, v: &str, single_line: bool) -> FieldResult<()> {
    let line_break = |c: char| matches!(c, '\n' | '\r' | '\t');
    if v.chars()
        .any(|c| c.is_control() && (single_line || !line_break(c)))
    {
        return Err(FieldError::new(
            field,
            if single_line {
                "must be a single line without control characters"
            } else {
                "must not contain control characters (line breaks and tabs are fine)"
            },
        ));
    }
    if single_line && v.chars().any(|c| matches!(c, '\u{2028}' | '\u{2029}')) {
        return Err(FieldError::new(
            field,
            "must be a single line without control characters",
        ));
    }
    if v.chars().any(is_bidi_control) {
        return Err(FieldError::new(
            field,
            "must not contain bidirectional override or isolate characters (U+202A–U+202E, U+2066–U+2069)",
        ));
    }
    Ok(())
}

/// A required single-line text: trimmed, non-empty, at most `max` characters.
pub fn required(field: &str, value: &str, max: usize) -> FieldResult<String> {
    let v = value.trim();
    if v.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    check_characters(field, v, true)?;
    Ok(v.to_string())
}

/// Optional long text (descriptions, notes): trimmed, at most `max` characters; line breaks and
/// tabs allowed.
pub fn long(field: &str, value: &str, max: usize) -> FieldResult<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    check_characters(field, v, false)?;
    Ok(v.to_string())
}

/// A number that must be finite (JSON cannot carry NaN, but other entry points can) and at most
/// [`MAX_MAGNITUDE`] in size.
pub fn finite(field: &str, value: f64) -> FieldResult<f64> {
    if value.is_finite() && value.abs() <= MAX_MAGNITUDE {
        Ok(value)
    } else {
        Err(FieldError::new(
            field,
            "must be a number between -1,000,000,000,000,000 and 1,000,000,000,000,000",
        ))
    }
}

/// An http(s) URL, checked for shape only.
pub fn url(field: &str, value: &str) -> FieldResult<String> {
    let v = value.trim();
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
        .ok_or_else(|| FieldError::new(field, "must be an http:// or https:// URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || v.chars().any(|c| c.is_whitespace() || c.is_control()) || v.len() > 2000 {
        return Err(FieldError::new(field, "must be an http:// or https:// URL"));
    }
    Ok(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_trims_and_refuses_blank() {
        assert_eq!(required("title", "  Grow  ", 10).unwrap(), "Grow");
        assert_eq!(required("title", "   ", 10).unwrap_err().field, "title");
        assert!(required("title", "abcdefghijk", 10).is_err());
        assert!(required("title", "a\nb", 10).is_err());
    }

    #[test]
    fn control_bidi_and_invisible_characters_are_refused_naming_the_field() {
        for bad in [
            "a\0b",
            "a\u{7}b",
            "a\u{2028}b",
            "a\u{2029}b",
            "abc\u{202E}gpj.exe",
            "a\u{2067}b",
        ] {
            assert_eq!(
                required("title", bad, 50).unwrap_err().field,
                "title",
                "{bad:?}"
            );
        }
        assert_eq!(
            required("title", "\u{200B}\u{200D} \u{FEFF}", 50)
                .unwrap_err()
                .message,
            "must not be empty"
        );
        assert_eq!(
            required("title", "caf\u{e9} \u{5e9}\u{5dc}\u{5d5}\u{5dd}", 50).unwrap(),
            "caf\u{e9} \u{5e9}\u{5dc}\u{5d5}\u{5dd}"
        );
        assert!(
            required("title", "a\u{200D}b", 50).is_ok(),
            "a joiner inside text is fine"
        );
        assert_eq!(
            long("note", "line one\nline two\ttab\r\n", 100).unwrap(),
            "line one\nline two\ttab"
        );
        assert!(long("note", "para\u{2029}graph", 100).is_ok());
        for bad in ["a\0b", "a\u{1b}[31m", "x\u{202D}y"] {
            assert_eq!(long("note", bad, 100).unwrap_err().field, "note", "{bad:?}");
        }
    }

    #[test]
    fn numbers_are_finite_and_bounded() {
        assert_eq!(finite("start", -1e15).unwrap(), -1e15);
        assert!(finite("start", 1e15 + 1.0).is_err());
        assert!(finite("target", 1.7e308).is_err());
        assert!(finite("target", f64::NAN).is_err());
        assert_eq!(finite("target", f64::INFINITY).unwrap_err().field, "target");
    }

    #[test]
    fn url_shapes() {
        assert!(url("link", "https://example.com/x").is_ok());
        assert!(url("link", "ftp://example.com").is_err());
        assert!(url("link", "https://").is_err());
        assert!(url("link", "https://a b").is_err());
    }
}
