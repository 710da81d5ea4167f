//! Inline SVG charts, rendered on the server: a confidence sparkline per key result, and an
//! objective's or a key result's progress over time against the expected line (dates and times
//! in the reader's words and zone, `super::format`). Why SVG strings from pure functions:
//! no JavaScript and no chart library (the page stays light and works without scripts), the
//! chart is in the HTML a test or a screen reader gets, and the geometry is unit-tested here.
//!
//! Every chart carries `role="img"` and an `aria-label` saying in words what it shows.

use super::format;
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

/// A KPI's readings (oldest first) as a line, `w` by `h`, with its healthy corridor (`min`,
/// `max`, either open) shaded behind it and a dot on the latest reading: the small tile of the
/// KPI list and the history chart of its page. `None` when there is nothing to draw.
pub fn kpi_line(
    values: &[f64],
    corridor: (Option<f64>, Option<f64>),
    (w, h): (f64, f64),
    label: &str,
) -> Option<String> {
    let last = *values.last()?;
    let pad = 4.0;
    let bounds = values.iter().copied().chain(corridor.0).chain(corridor.1);
    let lo = bounds.clone().fold(f64::INFINITY, f64::min);
    let hi = bounds.fold(f64::NEG_INFINITY, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let y = |v: f64| pad + (h - 2.0 * pad) * (1.0 - (v - lo) / span);
    let x = |i: usize| {
        if values.len() > 1 {
            pad + (w - 2.0 * pad) * i as f64 / (values.len() - 1) as f64
        } else {
            w / 2.0
        }
    };
    let aria = format!(
        "{label}: {} readings, latest {}",
        values.len(),
        format::num(last)
    );
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="kpi-line" role="img" aria-label="{a}" viewBox="0 0 {w} {h}" width="{w}" height="{h}"><title>{a}</title>"#,
        a = esc(&aria),
        w = n(w),
        h = n(h)
    );
    if corridor.0.is_some() || corridor.1.is_some() {
        let top = corridor.1.map_or(0.0, y);
        let bottom = corridor.0.map_or(h, y);
        let _ = write!(
            svg,
            r#"<rect class="corridor" x="0" y="{}" width="{}" height="{}"/>"#,
            n(top),
            n(w),
            n((bottom - top).max(0.5))
        );
    }
    if values.len() > 1 {
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{},{}", n(x(i)), n(y(*v))))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="currentColor" stroke-width="2" points="{}"/>"#,
            points.join(" ")
        );
    }
    let _ = write!(
        svg,
        r#"<circle cx="{}" cy="{}" r="3" fill="currentColor"/></svg>"#,
        n(x(values.len() - 1)),
        n(y(last))
    );
    Some(svg)
}

/// One reading of progress: when, and the progress in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProgressPoint {
    pub at: DateTime<Utc>,
    pub progress: f64,
}

/// The days a progress chart spans, and the expected line within them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartDays {
    /// The x axis: its first and last day (the cycle's).
    pub axis: (NaiveDate, NaiveDate),
    /// The expected line: 0 at the start of its first day, 100 % on its last, as
    /// `keel_domain::rhythm::pace_share` measures pace. An objective's runs over its cycle; a
    /// key result's over its pace window (`keel_domain::rhythm::pace_window`).
    pub expected: (NaiveDate, NaiveDate),
    /// Marked with a vertical line when it falls on the axis.
    pub today: NaiveDate,
}

/// A moment as a position on the axis, in the reader's zone: a reading at 23:30 where they are
/// is drawn within its day, the day its tooltip names.
fn local(t: DateTime<Utc>) -> chrono::NaiveDateTime {
    t.with_timezone(&format::reader().zone).naive_local()
}

/// The start of a day, and the start of the day after it (the end of a last day).
fn day_start(d: NaiveDate) -> chrono::NaiveDateTime {
    d.and_time(chrono::NaiveTime::MIN)
}

fn day_end(d: NaiveDate) -> chrono::NaiveDateTime {
    day_start(d.succ_opt().unwrap_or(d))
}

/// The plot's geometry: where a moment and a share of progress are drawn.
struct Plot {
    start: chrono::NaiveDateTime,
    seconds: f64,
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

impl Plot {
    fn x(&self, t: chrono::NaiveDateTime) -> f64 {
        let share = ((t - self.start).num_seconds() as f64 / self.seconds).clamp(0.0, 1.0);
        self.left + self.width * share
    }

    fn y(&self, p: f64) -> f64 {
        self.top + self.height * (1.0 - p.clamp(0.0, 1.0))
    }
}

/// Progress over the cycle (oldest point first) against the expected line (`days.expected`).
/// Points outside the axis are drawn at its edges; a vertical line marks `days.today` when it
/// falls on the axis. Each reading is a `<circle>` with a `<title>` giving its moment in the
/// reader's zone and its percentage.
pub fn progress_chart(points: &[ProgressPoint], days: &ChartDays, label: &str) -> String {
    let (w, h) = (600.0, 220.0);
    let (left, right, top, bottom) = (40.0, 12.0, 12.0, 28.0);
    let (starts_on, ends_on) = days.axis;
    let plot = Plot {
        start: day_start(starts_on),
        seconds: ((day_end(ends_on) - day_start(starts_on))
            .num_seconds()
            .max(1)) as f64,
        left,
        top,
        width: w - left - right,
        height: h - top - bottom,
    };
    let latest = points
        .last()
        .map(|p| format!("latest {}", pct(p.progress)))
        .unwrap_or_else(|| "no check-ins yet".into());
    let aria = format!(
        "{label}: progress from {} to {} against the expected line; {} reading{}, {latest}",
        format::date(starts_on),
        format::date(ends_on),
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
    grid_and_axis(&mut svg, &plot, days.axis, h);
    expected_line(&mut svg, &plot, days.expected);
    if days.today >= starts_on && days.today <= ends_on {
        let x = plot.x(day_start(days.today) + chrono::Duration::hours(12));
        let _ = write!(
            svg,
            r#"<line class="today" x1="{}" y1="{}" x2="{}" y2="{}"><title>Today</title></line>"#,
            n(x),
            n(top),
            n(x),
            n(top + plot.height)
        );
    }
    readings(&mut svg, &plot, points);
    svg.push_str("</svg>");
    svg
}

/// A share of progress as the page's percentages read: "50%".
fn pct(p: f64) -> String {
    format!("{}%", format::num((p * 100.0).round()))
}

/// Grid lines at 0, 50 and 100 %, and the axis's first and last day.
fn grid_and_axis(
    svg: &mut String,
    plot: &Plot,
    (starts_on, ends_on): (NaiveDate, NaiveDate),
    h: f64,
) {
    for p in [0.0, 0.5, 1.0] {
        let y = plot.y(p);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"/><text class="axis" x="{}" y="{}" text-anchor="end">{}%</text>"#,
            n(plot.left),
            n(y),
            n(plot.left + plot.width),
            n(y),
            n(plot.left - 6.0),
            n(y + 4.0),
            (p * 100.0) as i64
        );
    }
    let _ = write!(
        svg,
        r#"<text class="axis" x="{}" y="{}">{}</text><text class="axis" x="{}" y="{}" text-anchor="end">{}</text>"#,
        n(plot.left),
        n(h - 8.0),
        starts_on.format("%-d %b"),
        n(plot.left + plot.width),
        n(h - 8.0),
        ends_on.format("%-d %b")
    );
}

/// The expected line: steady progress from 0 at the start of its first day to 100 % at the start
/// of its last (`keel_domain::rhythm::pace_share`: on its last day, all of it is expected).
fn expected_line(svg: &mut String, plot: &Plot, (from, to): (NaiveDate, NaiveDate)) {
    let (x1, x2) = (plot.x(day_start(from)), plot.x(day_start(to)));
    let title = format!(
        "Expected: steady progress from 0% on {} to 100% on {}",
        format::date(from),
        format::date(to)
    );
    let _ = write!(
        svg,
        r#"<line class="ideal" x1="{}" y1="{}" x2="{}" y2="{}"><title>{}</title></line>"#,
        n(x1),
        n(plot.y(0.0)),
        n(x2),
        n(plot.y(1.0)),
        esc(&title)
    );
}

/// The readings: a line through them, and a dot with its moment and percentage on each.
fn readings(svg: &mut String, plot: &Plot, points: &[ProgressPoint]) {
    if points.len() > 1 {
        let line: Vec<String> = points
            .iter()
            .map(|p| format!("{},{}", n(plot.x(local(p.at))), n(plot.y(p.progress))))
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
            r#"<circle class="reading" cx="{}" cy="{}" r="4"><title>{}: {}</title></circle>"#,
            n(plot.x(local(p.at))),
            n(plot.y(p.progress)),
            esc(&format::when(p.at)),
            pct(p.progress)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// A chart whose expected line runs over its whole axis (an objective's).
    fn cycle(starts_on: NaiveDate, ends_on: NaiveDate, today: NaiveDate) -> ChartDays {
        ChartDays {
            axis: (starts_on, ends_on),
            expected: (starts_on, ends_on),
            today,
        }
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
        let chart = progress_chart(
            &[],
            &cycle(d(2026, 1, 1), d(2026, 3, 31), d(2026, 2, 1)),
            "<x>",
        );
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
        let svg = progress_chart(
            &points,
            &cycle(d(2026, 1, 1), d(2026, 1, 10), d(2026, 1, 6)),
            "O",
        );
        // Plot: x from 40 to 588 (548 wide), y from 192 (0 %) to 12 (100 %).
        assert!(
            svg.contains(r#"<line class="ideal" x1="40" y1="192" x2="533.2" y2="12">"#),
            "{svg}"
        );
        assert!(svg.contains(r#"points="40,192 314,102 588,12""#), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(
            svg.contains("<title>6 Jan 2026, 00:00: 50%</title>"),
            "{svg}"
        );
        assert!(svg.contains(r#"class="today""#));
        assert!(svg.contains("3 readings, latest 140%"));
        // Today outside the cycle: no marker. No points: no line, no dots.
        let empty = progress_chart(
            &[],
            &cycle(d(2026, 1, 1), d(2026, 1, 10), d(2026, 3, 1)),
            "O",
        );
        assert!(!empty.contains("today"));
        assert!(!empty.contains("<circle"));
        assert!(!empty.contains("polyline"));
        assert!(empty.contains("no check-ins yet"));
    }

    /// A key result's own days: the expected line starts where it became active and ends at
    /// the end of its due day, not across the whole cycle.
    #[test]
    fn the_expected_line_runs_over_the_key_results_own_days() {
        let days = ChartDays {
            axis: (d(2026, 1, 1), d(2026, 1, 10)),
            expected: (d(2026, 1, 3), d(2026, 1, 7)),
            today: d(2026, 1, 5),
        };
        let svg = progress_chart(&[], &days, "KR");
        // 548 px for 10 days: 54.8 px a day; from the start of the 3rd to the start of the 7th.
        assert!(
            svg.contains(r#"<line class="ideal" x1="149.6" y1="192" x2="368.8" y2="12">"#),
            "{svg}"
        );
        assert!(svg.contains("from 0% on 3 Jan 2026 to 100% on 7 Jan 2026"));
    }

    /// Tooltips name the moment in the reader's zone, and the reading is drawn on that day.
    #[tokio::test]
    async fn tooltips_speak_the_readers_zone() {
        let settings = keel_domain::OrgSettings {
            time_zone: "Pacific/Auckland".into(),
            ..Default::default()
        };
        // 23:00 UTC on the 5th is noon on the 6th in Auckland (UTC+13 in January).
        let at = Utc.with_ymd_and_hms(2026, 1, 5, 23, 0, 0).unwrap();
        let days = cycle(d(2026, 1, 1), d(2026, 1, 10), d(2026, 1, 6));
        let point = [ProgressPoint { at, progress: 0.5 }];
        let svg = format::with_reader(format::ReaderContext::of(&settings), async {
            progress_chart(&point, &days, "KR")
        })
        .await;
        assert!(
            svg.contains("<title>6 Jan 2026, 12:00: 50%</title>"),
            "{svg}"
        );
        assert!(svg.contains("from 1 Jan 2026 to 10 Jan 2026"), "{svg}");
        // 5 days and a half into the 10: x = 40 + 548 * 0.55.
        assert!(svg.contains(r#"cx="341.4""#), "{svg}");
        assert!(!svg.contains("UTC"));
    }
}
