//! CFRs: 1:1 notes private to their two people (404 for anyone else, administrators included),
//! feedback requests answered in place, recognition on an OKR or a check-in.

use crate::helpers::*;
use crate::rhythm::active_objective;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn one_on_one_notes_are_private_to_the_two_people() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, _) = active_objective(&app, &cycle, None, &["A"]).await;
    let (elisa, elisa_token) = app.member("Elisa Associate").await;
    let (sam, sam_token) = app.member("Sam Supervisor").await;
    let (_, other_token) = app.member("Olga Other").await;

    let resp = app
        .req_as(&elisa_token, Method::POST, "/api/v1/conversations")
        .json(&json!({"with_id": elisa, "notes": "talking to myself"}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("with_id")).await;
    let resp = app
        .req_as(&elisa_token, Method::POST, "/api/v1/conversations")
        .json(&json!({"with_id": sam, "notes": "n", "okr_ids": ["nope"]}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("okr_ids")).await;

    let resp = app
        .req_as(&elisa_token, Method::POST, "/api/v1/conversations")
        .json(&json!({"with_id": sam, "okr_ids": [o], "notes": "I own the objective, you own a KR: guidance?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let c: Value = resp.json().await.unwrap();
    let path = format!("/api/v1/conversations/{}", c["id"].as_str().unwrap());
    for token in [&elisa_token, &sam_token] {
        let resp = app.req_as(token, Method::GET, &path).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }
    for token in [&other_token, &app.token] {
        let resp = app.req_as(token, Method::GET, &path).send().await.unwrap();
        assert_problem(resp, StatusCode::NOT_FOUND, None).await;
    }
    let mine: Value = app
        .req_as(&sam_token, Method::GET, "/api/v1/conversations")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let admins: Value = app.get("/api/v1/conversations").await.json().await.unwrap();
    assert!(admins["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn feedback_is_answered_in_place_and_recognition_lands_on_the_okr() {
    let app = spawn_app().await;
    let cycle = app.cycle("2026 Q4").await;
    let (o, krs) = active_objective(&app, &cycle, None, &["A"]).await;
    let (peer, peer_token) = app.member("Pia Peer").await;
    let (_, other_token) = app.member("Olga Other").await;

    let resp = app
        .post(
            "/api/v1/feedback-requests",
            json!({"okr_id": o, "addressee_ids": [], "question": "How are we doing?"}),
        )
        .await;
    assert_problem(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("addressee_ids"),
    )
    .await;
    let resp = app
        .post(
            "/api/v1/feedback-requests",
            json!({"okr_id": "nope", "addressee_ids": [peer], "question": "?"}),
        )
        .await;
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("okr_id")).await;
    let r = app
        .create(
            "/api/v1/feedback-requests",
            json!({"okr_id": o, "addressee_ids": [peer], "question": "Is the pace right?"}),
        )
        .await;
    let answer_path = format!(
        "/api/v1/feedback-requests/{}/answer",
        r["id"].as_str().unwrap()
    );
    let resp = app
        .req_as(&other_token, Method::PUT, &answer_path)
        .json(&json!({"answer": "me too"}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::FORBIDDEN, None).await;
    let resp = app
        .req_as(&peer_token, Method::PUT, &answer_path)
        .json(&json!({"answer": " "}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("answer")).await;
    let resp = app
        .req_as(&peer_token, Method::PUT, &answer_path)
        .json(&json!({"answer": "Too slow on hiring"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let got: Value = resp.json().await.unwrap();
    assert_eq!(got["answers"][0]["answer"], "Too slow on hiring");
    let asked: Value = app
        .req_as(
            &peer_token,
            Method::GET,
            "/api/v1/feedback-requests?person_id=me",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(asked["items"].as_array().unwrap().len(), 1);

    let ci = app
        .create(
            &format!("/api/v1/key-results/{}/check-ins", krs[0]),
            json!({"value": 10, "confidence": 7}),
        )
        .await;
    let resp = app
        .post(
            "/api/v1/recognitions",
            json!({"to_id": peer, "message": "thanks"}),
        )
        .await;
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("okr_id")).await;
    let resp = app
        .post(
            "/api/v1/recognitions",
            json!({"to_id": peer, "okr_id": krs[0], "check_in_id": "nope", "message": "thanks"}),
        )
        .await;
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("check_in_id")).await;
    app.create(
        "/api/v1/recognitions",
        json!({"to_id": peer, "okr_id": krs[0], "check_in_id": ci["check_in"]["id"], "message": "great week"}),
    )
    .await;
    let list: Value = app
        .get(&format!("/api/v1/okrs/{}/recognitions", krs[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["message"], "great week");
    assert_eq!(list["items"][0]["check_in_id"], ci["check_in"]["id"]);
}
