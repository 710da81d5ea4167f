//! Conversations, feedback and recognition from the browser: 1:1 notes private to their two
//! people, feedback asked and answered, recognition given.

use crate::helpers::*;
use crate::rhythm::active_objective;
use reqwest::StatusCode;

#[tokio::test]
async fn conversations_are_private_and_feedback_is_asked_answered_and_recognised() {
    cfrs(spawn_app().await).await;
}

#[tokio::test]
async fn conversations_are_private_and_feedback_is_asked_answered_and_recognised_on_postgres() {
    if postgres_configured() {
        cfrs(spawn_app_on(Db::Postgres).await).await;
    }
}

async fn cfrs(app: TestApp) {
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &["Signups"]).await;
    let (bo_id, _) = app.member("Bo Buddy").await;
    let (cy_id, _) = app.member("Cy Third").await;
    let ada = Browser::admin(&app).await;
    let bo = Browser::signed_in(&app, &bo_id, "bo.buddy@keel.test").await;
    let cy = Browser::signed_in(&app, &cy_id, "cy.third@keel.test").await;

    // A 1:1: bad input next to the field and kept; then created, readable by its two people.
    let html = ada
        .refused(
            "/conversations",
            &[("with_id", ""), ("okr_id", &o), ("notes", "hiring plan")],
        )
        .await;
    assert!(field_error(&html, "with_id").is_some(), "{html}");
    assert_eq!(
        Page::parse(&html).text("textarea[name=\"notes\"]"),
        "hiring plan"
    );
    let html = ada
        .refused(
            "/conversations",
            &[("with_id", &bo_id), ("held_on", "soon"), ("notes", "x")],
        )
        .await;
    assert!(field_error(&html, "held_on").is_some(), "{html}");
    let html = ada
        .refused("/conversations", &[("with_id", &bo_id), ("notes", "")])
        .await;
    assert!(field_error(&html, "notes").is_some(), "{html}");
    assert!(!ada.page("/conversations").await.mentions("With Bo Buddy"));
    let to = ada
        .done(
            "/conversations",
            &[
                ("with_id", &bo_id),
                ("okr_id", &o),
                ("notes", "hiring plan"),
            ],
        )
        .await;
    assert!(to.starts_with("/conversations/"));
    let shown = ada.page(&to).await.body();
    assert!(shown.contains("hiring plan") && shown.contains("Delight customers"));
    assert!(bo
        .page("/conversations")
        .await
        .body()
        .contains("With Ada Admin"));
    assert!(bo.page(&to).await.body().contains("hiring plan"));
    // A third person: the 404 page, and nothing in their list.
    let page = cy.page_with(&to, StatusCode::NOT_FOUND).await;
    assert!(!page.mentions("hiring plan"));
    assert!(cy
        .page("/conversations")
        .await
        .body()
        .contains("No conversations"));

    // Feedback: asked of Bo about Ada's objective; bad input first.
    let html = ada
        .refused(
            "/feedback",
            &[("okr_id", &o), ("question", "How is onboarding?")],
        )
        .await;
    assert!(
        field_error(&html, "request-addressee_ids").is_some(),
        "{html}"
    );
    assert_eq!(
        Page::parse(&html).text("textarea[name=\"question\"]"),
        "How is onboarding?"
    );
    let html = ada
        .refused("/feedback", &[("okr_id", ""), ("addressee_ids", &bo_id)])
        .await;
    assert!(field_error(&html, "request-okr_id").is_some(), "{html}");
    ada.done(
        "/feedback",
        &[
            ("okr_id", &o),
            ("addressee_ids", &bo_id),
            ("question", "How is onboarding?"),
        ],
    )
    .await;
    let page = bo.page("/feedback").await;
    assert!(
        page.body().contains("How is onboarding?"),
        "{}",
        page.html()
    );
    let answer = page
        .attrs("form[action$=\"/answer\"]", "action")
        .into_iter()
        .find(|a| a.starts_with("/feedback/"))
        .expect("a form to answer");
    let request = answer
        .trim_start_matches("/feedback/")
        .trim_end_matches("/answer")
        .to_string();
    let html = bo.refused(&answer, &[("answer", "  ")]).await;
    assert!(
        Page::parse(&html).has(&format!("#answer-{request}-error")),
        "{html}"
    );
    bo.done(&answer, &[("answer", "smoother since the fix")])
        .await;
    // Answered: it leaves Bo's "Asked of me".
    let bo_page = bo.page("/feedback").await;
    assert!(
        !bo_page.has(&format!("#request-{request}")),
        "{}",
        bo_page.html()
    );
    assert!(bo_page
        .body()
        .contains("Nobody is waiting for your feedback."));
    assert!(ada
        .page("/feedback")
        .await
        .body()
        .contains("Bo Buddy: smoother since the fix"));
    // Cy was not asked: refused (403: the OKR is public to him, the request not his).
    assert_eq!(
        cy.submit(&answer, &[("answer", "me too")]).await.status(),
        StatusCode::FORBIDDEN
    );

    // Recognition: to someone else, on an OKR.
    let html = ada
        .refused(
            "/recognitions",
            &[("to_id", &bo_id), ("okr_id", &o), ("message", "")],
        )
        .await;
    assert!(
        field_error(&html, "recognition-message").is_some(),
        "{html}"
    );
    ada.done(
        "/recognitions",
        &[("to_id", &bo_id), ("okr_id", &o), ("message", "great fix")],
    )
    .await;
    let r = json_of(&app, &format!("/api/v1/okrs/{o}/recognitions")).await;
    assert!(r.to_string().contains("great fix"), "{r}");
}
