//! placeholder
use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
pub fn routes() -> OpenApiRouter<AppState> { OpenApiRouter::new() }
