//! The organisation the company and administration pages are tested in: Company > Engineering >
//! Platform, and Sales, with people, OKRs and a signed-in administrator.

use crate::helpers::*;
use reqwest::Response;
use serde_json::{json, Value};

pub(crate) async fn json_body(resp: Response) -> Value {
    resp.json().await.unwrap()
}

/// An organisation: Company > Engineering > Platform, and Sales; Pia leads Platform, Sam is in
/// Sales. Returns the ids.
pub(crate) struct Org {
    pub(crate) cycle: String,
    pub(crate) company: String,
    pub(crate) engineering: String,
    pub(crate) platform: String,
    pub(crate) sales: String,
    pub(crate) pia: String,
    pub(crate) sam: String,
}

pub(crate) async fn org(app: &TestApp) -> Org {
    let cycle = app.cycle("2026 Q4").await;
    let (pia, _) = app.member("Pia Platform").await;
    let (sam, _) = app.member("Sam Sales").await;
    let company = app.team("Northwind").await;
    let engineering = app
        .create(
            "/api/v1/teams",
            json!({"name": "Engineering", "parent_id": company}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let platform = app
        .create(
            "/api/v1/teams",
            json!({"name": "Platform", "parent_id": engineering, "lead_id": pia, "member_ids": [pia]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let sales = app
        .create(
            "/api/v1/teams",
            json!({"name": "Sales", "parent_id": company, "member_ids": [sam]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    Org {
        cycle,
        company,
        engineering,
        platform,
        sales,
        pia,
        sam,
    }
}

/// Creates an objective (as the administrator) and returns its id.
pub(crate) async fn objective(app: &TestApp, body: Value) -> String {
    app.create("/api/v1/objectives", body).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

pub(crate) async fn key_result(app: &TestApp, objective: &str, body: Value) -> String {
    app.create(&format!("/api/v1/objectives/{objective}/key-results"), body)
        .await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

pub(crate) async fn admin(app: &TestApp) -> Browser {
    Browser::signed_in(app, &app.admin_id, "ada@keel.test").await
}
