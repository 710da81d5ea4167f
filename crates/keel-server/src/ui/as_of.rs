//! Pages read as of a past day (`?as_of=YYYY-MM-DD`, the same parameter as the API's): the
//! objective and key result pages show the status, progress and check-ins as they stood at the
//! end of that day in the organisation's time zone, under a banner saying so, with a link back
//! to today. Reading the past changes nothing, so those pages offer no forms then.

use crate::error::ApiResult;

/// A past day a page is read as of.
#[derive(Debug, Clone)]
pub struct PastDay {
    /// The end of that day (`services::rhythm::as_of_moment`).
    pub moment: chrono::DateTime<chrono::Utc>,
    /// The day in words: "3 Dec 2026".
    pub day: String,
    /// The same page today.
    pub today_href: String,
}

/// The past day `raw` names for the page at `path`: `None` for no day or today; 422 naming
/// `as_of` for a day that cannot be read or is still to come (the error page says why).
pub async fn past_day(
    store: &dyn keel_store::Store,
    raw: Option<&str>,
    path: &str,
) -> ApiResult<Option<PastDay>> {
    let Some(moment) = crate::services::rhythm::as_of_moment(store, raw).await? else {
        return Ok(None);
    };
    let day = raw
        .and_then(|r| chrono::NaiveDate::parse_from_str(r.trim(), "%Y-%m-%d").ok())
        .map(super::format::date)
        .unwrap_or_default();
    Ok(Some(PastDay {
        moment,
        day,
        today_href: path.to_string(),
    }))
}
