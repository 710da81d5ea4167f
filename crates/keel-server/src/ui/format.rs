//! How pages write numbers, times and a key result's figures for the person reading (issue
//! 12): one module every page and template goes through, so a number is written the
//! organisation's way (`1.234,5` or `1,234.5`), a time is shown in the reader's zone as
//! "5 Dec 2026, 14:05", and figures read "41 % now · target 55 % · from 32 %".
//!
//! The organisation's settings are read once per request by the UI's guard, which runs each
//! page inside `with_reader`; code outside a request (unit tests) gets the defaults.

use chrono::{DateTime, Utc};
use keel_domain::locale::NumberLocale;
use keel_domain::{MetricKind, OrgSettings};

/// What a page needs to know about its reader to write numbers and times.
#[derive(Debug, Clone)]
pub struct ReaderContext {
    pub locale: NumberLocale,
    /// The organisation's zone: what "today" is (see `OrgSettings::local_date`).
    pub org_zone: keel_domain::org::Zone,
    /// The zone times are shown in: the reader's own (their account), else the organisation's.
    pub zone: keel_domain::org::Zone,
}

impl Default for ReaderContext {
    fn default() -> Self {
        Self::of(&OrgSettings::default())
    }
}

impl ReaderContext {
    pub fn of(s: &OrgSettings) -> Self {
        let zone = s.zone();
        Self {
            locale: s.locale,
            org_zone: zone,
            zone,
        }
    }
}

tokio::task_local! {
    static READER: ReaderContext;
}

/// Runs `f` (a page's handler) with `reader` as the context numbers and times are written in.
pub async fn with_reader<F: std::future::Future>(reader: ReaderContext, f: F) -> F::Output {
    READER.scope(reader, f).await
}

/// The current reader's context (the defaults outside a page request).
pub fn reader() -> ReaderContext {
    READER.try_with(Clone::clone).unwrap_or_default()
}

/// A number as the organisation writes it: `12`, `12.5` or `12,5`, `1,234` or `1.234`.
pub fn num(v: f64) -> String {
    reader().locale.format(v)
}

/// A score with two decimals, the organisation's decimal mark: "0.70" or "0,70".
pub fn two_decimals(v: f64) -> String {
    let s = format!("{v:.2}");
    // A zero (or a hair below it) reads 0.00, never -0.00.
    let s = if s == "-0.00" { "0.00".to_string() } else { s };
    match reader().locale.decimal_mark {
        keel_domain::locale::DecimalMark::Point => s,
        keel_domain::locale::DecimalMark::Comma => s.replace('.', ","),
    }
}

/// A number typed into a form, read the organisation's way ("1,5" under a decimal comma); a
/// point decimal is always understood.
pub fn parse_num(typed: &str) -> Option<f64> {
    reader().locale.parse(typed)
}

/// The hint shown with a number field and in its error: "like 42 or 12,5".
pub fn number_example() -> String {
    format!("like 42 or {}", num(12.5))
}

/// A moment in the reader's zone: "5 Dec 2026, 14:05".
pub fn when(at: DateTime<Utc>) -> String {
    at.with_timezone(&reader().zone)
        .format("%-d %b %Y, %H:%M")
        .to_string()
}

/// A moment's day in the reader's zone: "5 Dec 2026".
pub fn day(at: DateTime<Utc>) -> String {
    at.with_timezone(&reader().zone)
        .format("%-d %b %Y")
        .to_string()
}

/// A calendar day (a cycle's start, a due day): "1 Oct 2026".
pub fn date(d: chrono::NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// A cycle with its days: "Q4 2026 (1 Oct 2026 to 31 Dec 2026)".
pub fn cycle(c: &keel_domain::Cycle) -> String {
    format!("{} ({} to {})", c.name, date(c.starts_on), date(c.ends_on))
}

/// Today in the organisation's zone, as `YYYY-MM-DD` for a date input's `max` and value.
pub fn today_iso() -> String {
    today().to_string()
}

/// A day typed into a form, read the organisation's way ("5 Dec 2026", "5 December 2026",
/// "Dec 5, 2026") or as ISO ("2026-12-05"). The one parser for every date field of the pages.
pub fn parse_date(typed: &str) -> Option<chrono::NaiveDate> {
    let t = typed.trim();
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Some(d);
    }
    // "5 Dec 2026", "5 dec. 2026", "Dec 5, 2026": words and numbers, whatever the separators.
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '-' | '/'))
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.join(" ");
    ["%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y"]
        .iter()
        .find_map(|f| chrono::NaiveDate::parse_from_str(&joined, f).ok())
}

/// How a day is typed, for a date field's hint: "e.g. 5 Dec 2026" (today, the organisation's
/// way).
pub fn date_example() -> String {
    format!("e.g. {}", date(today()))
}

/// The error of a date field that does not hold a day.
pub fn date_error() -> String {
    format!("must be a date, like {}", date(today()))
}

/// An optional date field: empty is `None`; anything but a day is an error naming `field`.
pub fn parse_optional_date(
    field: &str,
    typed: &str,
) -> Result<Option<chrono::NaiveDate>, crate::error::ApiError> {
    match typed.trim() {
        "" => Ok(None),
        t => parse_date(t)
            .map(Some)
            .ok_or_else(|| crate::error::ApiError::invalid(field, date_error())),
    }
}

/// Today in the organisation's zone.
pub fn today() -> chrono::NaiveDate {
    crate::services::now()
        .with_timezone(&reader().org_zone)
        .date_naive()
}

/// A value with its unit: "41 %", "1.200 €", "12 days".
fn with_unit(v: f64, unit: &str) -> String {
    let unit = unit.trim();
    if unit.is_empty() {
        num(v)
    } else if unit == "%" {
        format!("{} %", num(v))
    } else {
        format!("{} {unit}", num(v))
    }
}

/// A key result's figures in words: "41 % now · target 55 % · from 32 %"; "Done" or "Not done
/// yet" for a yes/no one; "at least 90 % · now 93 %" to stay above.
pub fn figures(kind: MetricKind, start: f64, current: f64, target: f64, unit: &str) -> String {
    match kind {
        MetricKind::Boolean => {
            if current >= 1.0 {
                "Done".into()
            } else {
                "Not done yet".into()
            }
        }
        MetricKind::Milestone => format!(
            "{} of {} milestones done",
            num(current.max(0.0)),
            num(target.max(0.0))
        ),
        MetricKind::StayAbove => format!(
            "{} now · stay at or above {}",
            with_unit(current, unit),
            with_unit(target, unit)
        ),
        MetricKind::StayBelow => format!(
            "{} now · stay at or below {}",
            with_unit(current, unit),
            with_unit(target, unit)
        ),
        MetricKind::Increase | MetricKind::Decrease => format!(
            "{} now · target {} · from {}",
            with_unit(current, unit),
            with_unit(target, unit),
            with_unit(start, unit)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_words() {
        assert_eq!(
            figures(MetricKind::Increase, 32.0, 41.0, 55.0, "%"),
            "41 % now · target 55 % · from 32 %"
        );
        assert_eq!(
            figures(MetricKind::Boolean, 0.0, 0.0, 1.0, ""),
            "Not done yet"
        );
        assert_eq!(figures(MetricKind::Boolean, 0.0, 1.0, 1.0, ""), "Done");
    }

    #[test]
    fn days_are_read_the_organisations_way_and_as_iso() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 5);
        for typed in [
            "5 Dec 2026",
            "05 dec 2026",
            "5 December 2026",
            " 5 Dec. 2026 ",
            "Dec 5, 2026",
            "5-Dec-2026",
            "2026-12-05",
        ] {
            assert_eq!(parse_date(typed), d, "{typed}");
        }
        for bad in ["", "someday", "31 Feb 2026", "12/05/2026", "5 Dec"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(date(d.unwrap()), "5 Dec 2026");
        assert_eq!(two_decimals(-0.0), "0.00");
        assert_eq!(two_decimals(-0.001), "0.00");
    }

    #[tokio::test]
    async fn numbers_and_times_follow_the_reader() {
        let s = OrgSettings {
            time_zone: "Pacific/Auckland".into(),
            locale: NumberLocale {
                decimal_mark: keel_domain::locale::DecimalMark::Comma,
                thousands_separator: keel_domain::locale::ThousandsSeparator::Point,
            },
            ..Default::default()
        };
        let at = "2026-12-05T01:05:00Z".parse::<DateTime<Utc>>().unwrap();
        let (n, t, p) = with_reader(ReaderContext::of(&s), async {
            (num(1234567.5), when(at), parse_num("1,5"))
        })
        .await;
        assert_eq!(
            (n.as_str(), t.as_str(), p),
            ("1.234.567,5", "5 Dec 2026, 14:05", Some(1.5))
        );
        assert_eq!(when(at), "5 Dec 2026, 01:05");
    }
}
