//! Small parsers for free-text fields shared by several records.

use crate::error::{FieldError, FieldResult};

/// A required single-line text: trimmed, non-empty, at most `max` characters.
pub fn required(field: &str, value: &str, max: usize) -> FieldResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(FieldError::new(
            field,
            "must be a single line without control characters",
        ));
    }
    Ok(v.to_string())
}

/// Optional long text (descriptions, notes): trimmed, at most `max` characters.
pub fn long(field: &str, value: &str, max: usize) -> FieldResult<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(v.to_string())
}

/// A number that must be finite (JSON cannot carry NaN, but other entry points can).
pub fn finite(field: &str, value: f64) -> FieldResult<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(FieldError::new(field, "must be a finite number"))
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
    fn url_shapes() {
        assert!(url("link", "https://example.com/x").is_ok());
        assert!(url("link", "ftp://example.com").is_err());
        assert!(url("link", "https://").is_err());
        assert!(url("link", "https://a b").is_err());
    }
}
