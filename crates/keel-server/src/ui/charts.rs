//! Inline SVG charts, rendered on the server: a confidence sparkline per key result and an
//! objective's progress over time against the ideal line. Why SVG strings from pure functions:
//! no JavaScript and no chart library (the page stays light and works without scripts), the
//! chart is in the HTML a test or a screen reader gets, and the geometry is unit-tested here.
//!
//! Every chart carries `role="img"` and an `aria-label` saying in words what it shows.

use chrono::{DateTime, NaiveDate, Utc};
use std::fmt::Write;

/// Escapes text for an SVG attribute or text node.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A coordinate with at most one decimal (short markup, stable output).
fn n(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// A sparkline of confidence readings (oldest first) on a scale from `min` to `max`: a line with
/// a dot on the latest reading. `None` when there is nothing to draw.
pub fn sparkline(readings: &[u8], min: u8, max: u8, label: &str) -> Option<String> {
    if readings.is_empty() {
        return None;
    }
    let (w, h, pad) = (120.0, 28.0, 3.0);
    let span = f64::from(max.saturating_sub(min)).max(1.0);
    let step = if readings.len() > 1 {
        (w - 2.0 * pad) / (readings.len() - 1) as f64
    } else {
        0.0
    };
    let point = |i: usize, v: u8| {
        let x = if readings.len() > 1 {
            pad + step * i as f64
        } else {
            w / 2.0
        };
        let y = pad + (h - 2.0 * pad) * (1.0 - (f64::from(v.clamp(min, max) - min)) / span);
        (x, y)
    };
    let points: Vec<String> = readings
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let (x, y) = point(i, *v);
            format!("{},{}", n(x), n(y))
        })
        .collect();
    let last = *readings.last()?;
    let (lx, ly) = point(readings.len() - 1, last);
    let words = readings
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let aria = format!("{label}: confidence {words} (latest {last} of {max})");
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="sparkline" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}">"#,
        esc(&aria),
        n(w),
        n(h),
        n(w),
        n(h)
    );
    let _ = write!(svg, "<title>{}</title>", esc(&aria));
    if readings.len() > 1 {
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="currentColor" stroke-width="2" points="{}"/>"#,
            points.join(" ")
        );
    }
    let _ = write!(
        svg,
        r#"<circle cx="{}" cy="{}" r="3" fill="currentColor"/></svg>"#,
        n(lx),
        n(ly)
    );
    Some(svg)
}

/// One reading of progress: when, and the progress in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProgressPoint {
    pub at: DateTime<Utc>,
    pub progress: f64,
}

/// Progress over the cycle (oldest point first) against the ideal line, which goes from 0 at the
/// start of the cycle to 1 at its end. Points outside the cycle are drawn at its edges; a
/// vertical line marks `today` when it falls within the cycle. Each reading is a `<circle>`
/// with a `<title>` giving its date and percentage.
pub fn progress_chart(
    points: &[ProgressPoint],
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    today: NaiveDate,
    label: &str,
) -> String {
    let (w, h) = (600.0, 220.0);
    let (left, right, top, bottom) = (40.0, 12.0, 12.0, 28.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let start = starts_on.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let end = ends_on
        .succ_opt()
        .unwrap_or(ends_on)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let total = (end - start).num_seconds().max(1) as f64;
    let x_of = |t: DateTime<Utc>| {
        let share = ((t - start).num_seconds() as f64 / total).clamp(0.0, 1.0);
        left + pw * share
    };
    let y_of = |p: f64| top + ph * (1.0 - p.clamp(0.0, 1.0));
    let latest = points
        .last()
        .map(|p| format!("latest {}%", (p.progress * 100.0).round()))
        .unwrap_or_else(|| "no check-ins yet".into());
    let aria = format!(
        "{label}: progress over the cycle {starts_on} to {ends_on} against the ideal line; {} reading{}, {latest}",
        points.len(),
        if points.len() == 1 { "" } else { "s" }
    );
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="progress-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" preserveAspectRatio="xMidYMid meet">"#,
        esc(&aria),
        n(w),
        n(h)
    );
    let _ = write!(svg, "<title>{}</title>", esc(&aria));
    // Grid: 0, 50 and 100 %.
    for p in [0.0, 0.5, 1.0] {
        let y = y_of(p);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"/><text class="axis" x="{}" y="{}" text-anchor="end">{}%</text>"#,
            n(left),
            n(y),
            n(left + pw),
            n(y),
            n(left - 6.0),
            n(y + 4.0),
            (p * 100.0) as i64
        );
    }
    let _ = write!(
        svg,
        r#"<text class="axis" x="{}" y="{}">{}</text><text class="axis" x="{}" y="{}" text-anchor="end">{}</text>"#,
        n(left),
        n(h - 8.0),
        starts_on.format("%-d %b"),
        n(left + pw),
        n(h - 8.0),
        ends_on.format("%-d %b")
    );
    // The ideal line.
    let _ = write!(
        svg,
        r#"<line class="ideal" x1="{}" y1="{}" x2="{}" y2="{}"><title>Ideal: steady progress from 0% to 100% over the cycle</title></line>"#,
        n(left),
        n(y_of(0.0)),
        n(left + pw),
        n(y_of(1.0))
    );
    if today >= starts_on && today <= ends_on {
        let x = x_of(today.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc());
        let _ = write!(
            svg,
            r#"<line class="today" x1="{}" y1="{}" x2="{}" y2="{}"><title>Today</title></line>"#,
            n(x),
            n(top),
            n(x),
            n(top + ph)
        );
    }
    if points.len() > 1 {
        let line: Vec<String> = points
            .iter()
            .map(|p| format!("{},{}", n(x_of(p.at)), n(y_of(p.progress))))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline class="actual" fill="none" points="{}"/>"#,
            line.join(" ")
        );
    }
    for p in points {
        let _ = write!(
            svg,
            r#"<circle class="reading" cx="{}" cy="{}" r="4"><title>{}: {}%</title></circle>"#,
            n(x_of(p.at)),
            n(y_of(p.progress)),
            p.at.format("%-d %b %Y"),
            (p.progress * 100.0).round()
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn sparkline_scales_readings_and_marks_the_latest() {
        assert_eq!(sparkline(&[], 0, 10, "x"), None);
        let svg = sparkline(&[0, 10, 5], 0, 10, "Activation").unwrap();
        // Three points across 114 px: x 3, 60, 117; y 25 for 0, 3 for 10, 14 for 5.
        assert!(svg.contains(r#"points="3,25 60,3 117,14""#), "{svg}");
        assert!(svg.contains(r#"<circle cx="117" cy="14""#), "{svg}");
        assert!(svg.contains("confidence 0, 10, 5 (latest 5 of 10)"));
        assert!(svg.contains(r#"role="img""#));
        // One reading: a dot in the middle, no line.
        let one = sparkline(&[7], 0, 10, "A").unwrap();
        assert!(!one.contains("polyline"));
        assert!(one.contains(r#"cx="60""#));
        // Out-of-scale values are clamped, never drawn outside.
        let clamped = sparkline(&[3, 3], 1, 3, "B").unwrap();
        assert!(clamped.contains(r#"points="3,3 117,3""#), "{clamped}");
    }

    #[test]
    fn labels_are_escaped() {
        let svg = sparkline(&[1], 0, 10, r#"<b>"R&D"</b>"#).unwrap();
        assert!(svg.contains("&lt;b&gt;&quot;R&amp;D&quot;&lt;/b&gt;"));
        assert!(!svg.contains("<b>"));
        let chart = progress_chart(&[], d(2026, 1, 1), d(2026, 3, 31), d(2026, 2, 1), "<x>");
        assert!(chart.contains("&lt;x&gt;"));
    }

    #[test]
    fn progress_chart_places_points_against_the_ideal_line() {
        // A 10-day cycle: 1 to 10 January (end inclusive, so the x axis runs to 11 January).
        let points = [
            ProgressPoint {
                at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
                progress: 0.0,
            },
            ProgressPoint {
                at: Utc.with_ymd_and_hms(2026, 1, 6, 0, 0, 0).unwrap(),
                progress: 0.5,
            },
            ProgressPoint {
                // After the end: drawn at the right edge; above 100 %: drawn at the top.
                at: Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap(),
                progress: 1.4,
            },
        ];
        let svg = progress_chart(&points, d(2026, 1, 1), d(2026, 1, 10), d(2026, 1, 6), "O");
        // Plot: x from 40 to 588 (548 wide), y from 192 (0 %) to 12 (100 %).
        assert!(
            svg.contains(r#"<line class="ideal" x1="40" y1="192" x2="588" y2="12">"#),
            "{svg}"
        );
        assert!(svg.contains(r#"points="40,192 314,102 588,12""#), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("<title>6 Jan 2026: 50%</title>"));
        assert!(svg.contains(r#"class="today""#));
        assert!(svg.contains("3 readings, latest 140%"));
        // Today outside the cycle: no marker. No points: no line, no dots.
        let empty = progress_chart(&[], d(2026, 1, 1), d(2026, 1, 10), d(2026, 3, 1), "O");
        assert!(!empty.contains("today"));
        assert!(!empty.contains("<circle"));
        assert!(!empty.contains("polyline"));
        assert!(empty.contains("no check-ins yet"));
    }
}
