//! CSV exports of the reports: one way to stream a whole report a page at a time, so an export
//! of 100,000 people never sits in memory at once. Each field is written by `crate::csv`'s one
//! rule (RFC 4180 quoting, defused against spreadsheet formulas), the same as every other export.

use crate::error::ApiResult;
use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::future::Future;

/// One CSV field: the one rule for every export, in `crate::csv` (quoted per RFC 4180, defused
/// against spreadsheet formulas).
pub use crate::csv::field;

/// One record, line break included.
pub fn record<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = fields
        .iter()
        .map(|f| field(f.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// A whole report as a CSV download named `file_name`: the header, then each page that
/// `next_page` returns for a cursor (`None` first), until it returns no cursor. A failure after
/// the first page ends the download early (the status is already sent); it is logged.
pub fn stream<F, Fut>(file_name: &str, header_fields: &[&str], next_page: F) -> Response
where
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = ApiResult<(Vec<Vec<String>>, Option<String>)>> + Send + 'static,
{
    struct State<F> {
        next_page: F,
        cursor: Option<String>,
        done: bool,
    }
    let head = record(header_fields);
    let pages = futures_util::stream::unfold(
        State {
            next_page,
            cursor: None,
            done: false,
        },
        |mut s| async move {
            if s.done {
                return None;
            }
            match (s.next_page)(s.cursor.take()).await {
                Ok((records, cursor)) => {
                    s.done = cursor.is_none();
                    s.cursor = cursor;
                    let chunk: String = records.iter().map(|r| record(r)).collect();
                    Some((Ok::<_, std::io::Error>(chunk), s))
                }
                Err(e) => {
                    tracing::error!(error = %e, "a CSV export stopped early");
                    s.done = true;
                    Some((Err(std::io::Error::other("the export stopped early")), s))
                }
            }
        },
    );
    // Fused: the body may be polled once more after its end (compression does), and an
    // unfolded stream must not be.
    let body = Body::from_stream(futures_util::StreamExt::fuse(
        futures_util::StreamExt::chain(
            futures_util::stream::iter([Ok::<_, std::io::Error>(head)]),
            pages,
        ),
    ));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(field("+1"), "'+1");
        assert_eq!(field("-1"), "'-1");
        assert_eq!(field("@cmd"), "'@cmd");
        assert_eq!(field("\tx"), "'\tx");
        assert_eq!(field("\rx"), "\"'\rx\"");
        assert_eq!(field("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(record(&["a", "=b"]), "a,'=b\r\n");
    }
}
