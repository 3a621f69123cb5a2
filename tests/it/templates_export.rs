//! Sessions from templates and saved decks; exports of results after the event.

use crate::support::*;
use serde_json::{Value, json};

async fn create(server: &TestServer, body: Value) -> reqwest::Response {
    server
        .http
        .post(format!("{}/api/rooms", server.base))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn created(server: &TestServer, body: Value) -> Created {
    let response = create(server, body).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    Created {
        code: body["code"].as_str().unwrap().to_string(),
        host_key: body["host_key"].as_str().unwrap().to_string(),
        body,
    }
}

fn kinds(view: &Value) -> Vec<String> {
    view["deck"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_session_starts_from_a_template_in_one_request() {
    let server = TestServer::start().await;
    let list: Value = server
        .http
        .get(format!("{}/api/templates", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = list["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec!["meetup", "self-assessment", "estate-walk", "interview"]
    );

    let meetup = created(&server, json!({"template": "meetup"})).await;
    let mut host = server.host(&meetup).await;
    let view = host
        .wait_host_state(|v| v["deck"].as_array().is_some_and(|d| d.len() == 6))
        .await;
    assert_eq!(view["title"], "LA/ALMO meetup");
    assert_eq!(
        kinds(&view),
        vec!["groups", "groups", "ideas", "circle", "qna", "scales"]
    );

    let interview = created(
        &server,
        json!({"title": "Councillor Q&A", "template": "interview"}),
    )
    .await;
    let mut host = server.host(&interview).await;
    let view = host
        .wait_host_state(|v| v["deck"].as_array().is_some_and(|d| d.len() == 2))
        .await;
    assert_eq!(view["title"], "Councillor Q&A");
    assert_eq!(
        view["deck"][0]["require_approval"], true,
        "fishbowl questions are moderated"
    );

    let assessment = created(&server, json!({"template": "self-assessment"})).await;
    let mut host = server.host(&assessment).await;
    let view = host
        .wait_host_state(|v| v["deck"].as_array().is_some_and(|d| d.len() == 1))
        .await;
    assert_eq!(view["deck"][0]["kind"], "scales");
    assert!(
        view["deck"][0]["statements"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["theme"].is_string())
    );

    let rooms_before: Value = server
        .http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let unknown = create(&server, json!({"template": "party"})).await;
    assert_eq!(unknown.status(), 400);
    assert_eq!(
        unknown.json::<Value>().await.unwrap()["error"]["code"],
        "template_not_found"
    );
    let bad_deck = create(
        &server,
        json!({"deck": [poll("Fine", &["A", "B"]), poll("Broken", &["only one"])]}),
    )
    .await;
    assert_eq!(bad_deck.status(), 400);
    let error = bad_deck.json::<Value>().await.unwrap();
    assert_eq!(error["error"]["code"], "invalid_activity");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("activity 2 of the deck")
    );
    let rooms_after: Value = server
        .http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        rooms_before["rooms"], rooms_after["rooms"],
        "a bad deck creates nothing"
    );
}

#[tokio::test]
async fn a_session_saved_as_a_template_starts_the_next_one() {
    let server = TestServer::start().await;
    let room = server.create_room("Monthly meetup").await;
    let mut host = server.host(&room).await;
    let id = add(&mut host, poll("Topic?", &["Repairs", "Damp", "Rent"])).await;
    host.ok(json!({"type": "edit_activity", "activity": id, "spec": {"kind": "poll", "question": "Topic?", "options": [{"id": 2, "text": "Rent"}, "Noise"], "multiple": false, "allow_change": true}})).await;
    add(
        &mut host,
        json!({"kind": "wordcloud", "prompt": "One word", "max_words": 2}),
    )
    .await;
    let deck_url = format!("{}/api/rooms/{}/deck.json", server.base, room.code);
    assert_eq!(
        server.http.get(&deck_url).send().await.unwrap().status(),
        403
    );
    let saved: Value = server
        .http
        .get(&deck_url)
        .bearer_auth(&room.host_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(saved["title"], "Monthly meetup");
    assert_eq!(
        saved["deck"][0]["options"],
        json!(["Rent", "Noise"]),
        "saved without ids"
    );

    let next = created(
        &server,
        json!({"title": "Next month", "deck": saved["deck"]}),
    )
    .await;
    let mut host = server.host(&next).await;
    let view = host
        .wait_host_state(|v| v["deck"].as_array().is_some_and(|d| d.len() == 2))
        .await;
    assert_eq!(
        view["deck"][0]["options"],
        json!([{"id": 0, "text": "Rent"}, {"id": 1, "text": "Noise"}])
    );
    assert_eq!(view["deck"][1]["max_words"], 2);
}

#[tokio::test]
async fn exports_give_every_answer_with_names_only_where_given() {
    let server = TestServer::start().await;
    let room = server.create_room("Export me").await;
    let mut host = server.host(&room).await;
    let vote = add(
        &mut host,
        poll("Topic, please?", &["Repairs, mostly", "Damp"]),
    )
    .await;
    let qna = add(&mut host, json!({"kind": "qna", "prompt": "Ask"})).await;
    let scales = add(
        &mut host,
        json!({"kind": "scales", "statements": [{"text": "We listen", "theme": "Voice"}]}),
    )
    .await;
    host.ok(json!({"type": "set_pacing", "pacing": "audience"}))
        .await;
    go_to(&mut host, vote).await;
    let mut named = server.participant(&room.code, None, Some("Priya")).await;
    let mut nameless = server.participant(&room.code, None, None).await;
    named
        .ok(json!({"type": "vote", "activity": vote, "options": [0]}))
        .await;
    nameless
        .ok(json!({"type": "vote", "activity": vote, "options": [1]}))
        .await;
    host.ok(json!({"type": "reset_results", "activity": vote}))
        .await;
    named
        .ok(json!({"type": "vote", "activity": vote, "options": [1]}))
        .await;
    named.ok(json!({"type": "ask", "activity": qna, "text": "Anonymous question", "anonymous": true})).await;
    nameless.ok(json!({"type": "rate", "activity": scales, "ratings": [{"statement": 0, "value": null}]})).await;

    let url = format!("{}/api/rooms/{}/export.json", server.base, room.code);
    assert_eq!(server.http.get(&url).send().await.unwrap().status(), 403);
    let response = server
        .http
        .get(&url)
        .bearer_auth(&room.host_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let export: Value = response.json().await.unwrap();
    assert_eq!(export["title"], "Export me");
    assert_eq!(
        export["participants"],
        json!([{"number": 1, "name": "Priya"}, {"number": 2}])
    );
    let rounds = export["activities"][0]["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 2, "the earlier round is kept");
    assert_eq!(rounds[0]["current"], false);
    assert_eq!(rounds[0]["results"]["results"]["counts"], json!([1, 1]));
    assert_eq!(
        rounds[0]["answers"],
        json!([
            {"participant": 1, "answer": {"kind": "poll", "options": [0]}},
            {"participant": 2, "answer": {"kind": "poll", "options": [1]}},
        ])
    );
    assert_eq!(
        rounds[1]["answers"],
        json!([{"participant": 1, "answer": {"kind": "poll", "options": [1]}}])
    );
    let qna_round = &export["activities"][1]["rounds"][0];
    assert_eq!(
        qna_round["answers"],
        json!([]),
        "questions are never tied to a person"
    );
    assert!(qna_round["results"]["questions"][0].get("name").is_none());
    assert!(
        !export.to_string().contains("-4"),
        "no participant ids (UUIDs) in the export"
    );

    let csv_url = |id: u64| {
        format!(
            "{}/api/rooms/{}/activities/{id}/export.csv",
            server.base, room.code
        )
    };
    let csv = server.export_csv(&room, vote).await;
    assert_eq!(
        csv,
        "round,participant,name,option\n1,1,Priya,\"Repairs, mostly\"\n1,2,,Damp\n2,1,Priya,Damp\n"
    );
    let csv = server.export_csv(&room, scales).await;
    assert_eq!(
        csv,
        "round,participant,name,statement_id,theme,statement,rating\n1,2,,0,Voice,We listen,skip\n"
    );
    let csv = server.export_csv(&room, qna).await;
    assert_eq!(
        csv,
        "round,question_id,asked_by,question,votes,status,answered\n1,0,,Anonymous question,0,visible,false\n"
    );
    let missing = server
        .http
        .get(csv_url(99))
        .bearer_auth(&room.host_key)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_report_carries_you_said_we_did_and_is_private_until_published() {
    let server = TestServer::start().await;
    let room = server.create_room("Tenant meetup").await;
    let mut host = server.host(&room).await;
    let ideas = add(
        &mut host,
        json!({"kind": "ideas", "prompt": "What should we work on?"}),
    )
    .await;
    let groups = add(&mut host, json!({"kind": "groups", "title": "Networking"})).await;
    go_to(&mut host, ideas).await;
    let mut phone = server.participant(&room.code, None, Some("Priya")).await;
    let idea = phone
        .ok(json!({"type": "submit_idea", "activity": ideas, "text": "Repairs engagement"}))
        .await["id"]
        .as_u64()
        .unwrap();
    go_to(&mut host, groups).await;
    host.ok(json!({"type": "start_groups", "activity": groups}))
        .await;

    host.ok(json!({"type": "set_report_note", "activity": ideas, "item": idea, "text": "The repairs manager joins our March meetup."})).await;
    host.ok(json!({"type": "set_report_note", "activity": ideas, "text": "Thank you for 1 idea."}))
        .await;
    host.ok(json!({"type": "set_report_note", "activity": ideas, "text": ""}))
        .await; // removed again
    assert_eq!(
        host.err(json!({"type": "set_report_note", "activity": 99, "text": "x"}))
            .await,
        "activity_not_found"
    );
    let view = host
        .wait_host_state(|v| {
            v["report"]["notes"]
                .as_array()
                .is_some_and(|n| n.len() == 1)
        })
        .await;
    assert_eq!(view["report"]["published"], false);

    let url = format!("{}/api/rooms/{}/report.json", server.base, room.code);
    assert_eq!(
        server.http.get(&url).send().await.unwrap().status(),
        403,
        "private until published"
    );
    let page = server
        .http
        .get(format!("{}/report/{}", server.base, room.code))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("/assets/report.js"));
    let private: Value = server
        .http
        .get(&url)
        .bearer_auth(&room.host_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        private["report"]["report"]["notes"][0]["text"],
        "The repairs manager joins our March meetup."
    );

    host.ok(json!({"type": "publish_report", "published": true}))
        .await;
    let public: Value = server
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let report = &public["report"];
    assert_eq!(report["title"], "Tenant meetup");
    assert_eq!(
        report["participants"],
        json!([]),
        "no list of people in public"
    );
    assert_eq!(
        report["activities"][0]["rounds"][0]["results"]["ideas"][0]["text"],
        "Repairs engagement"
    );
    assert_eq!(report["activities"][0]["rounds"][0]["answers"], json!([]));
    assert_eq!(
        report["activities"][1]["rounds"][0]["results"]["groups"][0]["members"],
        json!([null]),
        "who met whom stays private"
    );
    assert!(!public.to_string().contains("Priya"));
    host.ok(json!({"type": "publish_report", "published": false}))
        .await;
    assert_eq!(server.http.get(&url).send().await.unwrap().status(), 403);
}
