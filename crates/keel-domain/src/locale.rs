//! How the organisation writes numbers (issue 12): a decimal comma or point and a thousands
//! separator. One place both writes numbers for pages and reads numbers typed into forms, so
//! "1,5" under a decimal comma is the 1.5 the page showed.

use crate::error::{FieldError, FieldResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The character between the whole part and the fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum DecimalMark {
    /// `12.5`
    #[default]
    Point,
    /// `12,5`
    Comma,
}

/// The character between groups of three digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ThousandsSeparator {
    /// `1234567`
    None,
    /// `1,234,567`
    #[default]
    Comma,
    /// `1.234.567`
    Point,
    /// `1 234 567` (a thin no-break space on pages; any space when typed)
    Space,
}

/// The organisation's way of writing numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct NumberLocale {
    pub decimal_mark: DecimalMark,
    pub thousands_separator: ThousandsSeparator,
}

impl NumberLocale {
    fn decimal(self) -> char {
        match self.decimal_mark {
            DecimalMark::Point => '.',
            DecimalMark::Comma => ',',
        }
    }

    fn separator(self) -> Option<char> {
        match self.thousands_separator {
            ThousandsSeparator::None => None,
            ThousandsSeparator::Comma => Some(','),
            ThousandsSeparator::Point => Some('.'),
            ThousandsSeparator::Space => Some('\u{202f}'),
        }
    }

    /// The two marks may not be the same character, or "1,234" could not be read.
    pub fn validated(self) -> FieldResult<Self> {
        if self.separator() == Some(self.decimal()) {
            return Err(FieldError::new(
                "locale.thousands_separator",
                "must differ from the decimal mark",
            ));
        }
        Ok(self)
    }

    /// A number as people write it here: at most two decimals, no trailing zeros
    /// (`1,234.5`, `1.234,5`, `12`).
    pub fn format(self, v: f64) -> String {
        if !v.is_finite() {
            return String::new();
        }
        let s = format!("{:.2}", v.abs());
        let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
        let frac = frac.trim_end_matches('0');
        let mut out = String::new();
        if v < 0.0 && (whole != "0" || !frac.is_empty()) {
            out.push('-');
        }
        let digits: Vec<char> = whole.chars().collect();
        // 1234 reads fine without a separator, and is never mistaken for 1.234.
        let sep = self
            .separator()
            .filter(|s| digits.len() > 4 || (*s != '.' && *s != ','));
        for (i, c) in digits.iter().enumerate() {
            let left = digits.len() - i;
            if i > 0 && left.is_multiple_of(3) {
                if let Some(sep) = sep {
                    out.push(sep);
                }
            }
            out.push(*c);
        }
        if !frac.is_empty() {
            out.push(self.decimal());
            out.push_str(frac);
        }
        out
    }

    /// Reads a number typed into a form: the organisation's decimal mark and thousands
    /// separator, or a plain point decimal (`1.5`) as everyone types it on a keyboard. Under a
    /// decimal comma with a point separator, `1.500` (groups of three) is fifteen hundred.
    pub fn parse(self, typed: &str) -> Option<f64> {
        let s: String = typed
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\''))
            .collect();
        if s.is_empty() {
            return None;
        }
        let dec = self.decimal();
        let sep = self.separator().filter(|c| *c == ',' || *c == '.');
        let plain = if s.contains(dec) {
            let without = match sep {
                Some(sep) => s.replace(sep, ""),
                None => s.clone(),
            };
            if dec == ',' && without.contains('.') {
                // "1.5,2" with no point separator: two decimal marks.
                return None;
            }
            without.replace(dec, ".")
        } else if let Some(sep) = sep.filter(|c| s.contains(*c)) {
            if grouped(&s, sep) {
                s.replace(sep, "")
            } else if sep == '.' {
                // "1.5" under "1.234,5": a point decimal typed on a keyboard.
                s
            } else {
                // "1,5" under "1,234.5": not a number here.
                return None;
            }
        } else {
            s
        };
        if plain.matches('.').count() > 1 || plain.contains(',') {
            return None;
        }
        plain.parse::<f64>().ok().filter(|v| v.is_finite())
    }
}

/// `1.234.567` with `.`: every group after the first has exactly three digits.
fn grouped(s: &str, sep: char) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let mut parts = body.split(sep);
    let first = parts.next().unwrap_or("");
    (1..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_digit())
        && parts.all(|p| p.len() == 3 && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(d: DecimalMark, t: ThousandsSeparator) -> NumberLocale {
        NumberLocale {
            decimal_mark: d,
            thousands_separator: t,
        }
    }

    #[test]
    fn writes_numbers_each_way() {
        let en = NumberLocale::default();
        assert_eq!(en.format(1234567.5), "1,234,567.5");
        assert_eq!(en.format(12.0), "12");
        assert_eq!(en.format(-0.004), "0");
        assert_eq!(en.format(1234.0), "1234");
        let de = l(DecimalMark::Comma, ThousandsSeparator::Point);
        assert_eq!(de.format(1234567.25), "1.234.567,25");
        assert_eq!(de.format(41.5), "41,5");
        let fr = l(DecimalMark::Comma, ThousandsSeparator::Space);
        assert_eq!(fr.format(12345.5), "12\u{202f}345,5");
        assert_eq!(fr.format(1234.0), "1\u{202f}234");
    }

    #[test]
    fn reads_what_it_writes_and_what_people_type() {
        let de = l(DecimalMark::Comma, ThousandsSeparator::Point);
        assert_eq!(de.parse("1,5"), Some(1.5));
        assert_eq!(de.parse("1.5"), Some(1.5));
        assert_eq!(de.parse("1.500"), Some(1500.0));
        assert_eq!(de.parse("1.234.567,25"), Some(1234567.25));
        assert_eq!(de.parse("-3,25"), Some(-3.25));
        assert_eq!(de.parse("1,5,2"), None);
        assert_eq!(de.parse("abc"), None);
        let fr = l(DecimalMark::Comma, ThousandsSeparator::Space);
        assert_eq!(fr.parse("12 345,5"), Some(12345.5));
        assert_eq!(fr.parse("12.5"), Some(12.5));
        assert_eq!(fr.parse("1.5,2"), None);
        let en = NumberLocale::default();
        assert_eq!(en.parse("1,234.5"), Some(1234.5));
        assert_eq!(en.parse("12.5"), Some(12.5));
        assert_eq!(en.parse("1,5"), None);
        assert_eq!(en.parse("1,500"), Some(1500.0));
        for v in [0.0, 1.5, 1234567.25, -42.75] {
            for loc in [en, de, fr] {
                assert_eq!(loc.parse(&loc.format(v)), Some(v), "{loc:?} {v}");
            }
        }
    }

    #[test]
    fn the_two_marks_differ() {
        let bad = l(DecimalMark::Comma, ThousandsSeparator::Comma);
        assert_eq!(
            bad.validated().unwrap_err().field,
            "locale.thousands_separator"
        );
    }
}
