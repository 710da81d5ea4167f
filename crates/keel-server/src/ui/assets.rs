//! Static assets compiled into the binary and served under a content-hashed name
//! (`/static/keel.3f2a….css`), so browsers may cache them for a year and a new build is fetched
//! at once. Nothing comes from a CDN.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// One embedded file.
pub struct Asset {
    content_type: &'static str,
    bytes: &'static [u8],
    url: LazyLock<String>,
}

impl Asset {
    /// The URL with the content hash in it.
    pub fn url(&self) -> &str {
        &self.url
    }
}

fn hashed(stem: &str, ext: &str, bytes: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(bytes));
    format!("/static/{stem}.{}.{ext}", &digest[..12])
}

macro_rules! asset {
    ($stem:literal, $ext:literal, $ct:literal, $path:literal) => {
        Asset {
            content_type: $ct,
            bytes: include_bytes!($path),
            url: LazyLock::new(|| hashed($stem, $ext, include_bytes!($path))),
        }
    };
}

/// The stylesheet.
pub static CSS: Asset = asset!(
    "keel",
    "css",
    "text/css; charset=utf-8",
    "../../static/keel.css"
);
/// htmx 2.0.11, vendored from the npm package `htmx.org` (BSD Zero Clause licence).
pub static HTMX: Asset = asset!(
    "htmx",
    "js",
    "text/javascript; charset=utf-8",
    "../../static/htmx.min.js"
);

/// The favicon, also at its plain names (`/static/favicon.svg`, `/favicon.ico`): browsers ask
/// for `/favicon.ico` whatever the page says, and a 404 shows as a console error.
pub static FAVICON: Asset = asset!(
    "favicon",
    "svg",
    "image/svg+xml",
    "../../static/favicon.svg"
);

/// The one-page "New objective" form's "Add another key result" (copies a blank row).
pub static OKR_FORM: Asset = asset!(
    "okr_form",
    "js",
    "text/javascript; charset=utf-8",
    "../../static/okr_form.js"
);

static ALL: [&Asset; 4] = [&CSS, &HTMX, &FAVICON, &OKR_FORM];

/// `GET /favicon.ico`: the SVG favicon (browsers read the content type, not the name).
pub async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, FAVICON.content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON.bytes,
    )
        .into_response()
}

/// `GET /static/{file}`: only the current hashed names exist, and the favicon's plain name.
pub async fn serve(Path(file): Path<String>) -> Response {
    if file == "favicon.svg" {
        return favicon().await;
    }
    let path = format!("/static/{file}");
    match ALL.iter().find(|a| a.url() == path) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            a.bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
