//! What the public sees and what a spreadsheet runs: the published report holds only what the
//! audience could see, without names; exports cannot attack the facilitator; texts cannot hide
//! what they say.

use crate::support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn the_published_report_shows_no_pending_hidden_or_named_questions_nor_hidden_ideas() {
    let server = TestServer::start().await;
    let room = server.create_room("Fishbowl").await;
    let mut host = server.host(&room).await;
    let qna = add(
        &mut host,
        json!({"kind": "qna", "prompt": "Questions for the councillor", "require_approval": true}),
    )
    .await;
    let ideas = add(&mut host, json!({"kind": "ideas", "prompt": "Topics?"})).await;
    go_to(&mut host, qna).await;
    let mut owen = server.participant(&room.code, None, Some("Owen")).await;
    let mut ann = server.participant(&room.code, None, Some("Ann")).await;
    let pending = owen
        .ok(json!({"type": "ask", "activity": qna, "text": "Still waiting for approval?"}))
        .await["id"]
        .clone();
    let hidden = owen
        .ok(json!({"type": "ask", "activity": qna, "text": "Why is the rent so high?"}))
        .await["id"]
        .clone();
    let shown = ann
        .ok(json!({"type": "ask", "activity": qna, "text": "When will the damp survey come?"}))
        .await["id"]
        .clone();
    for (question, action) in [(&hidden, "approve"), (&hidden, "hide"), (&shown, "approve")] {
        host.ok(
            json!({"type": "moderate", "activity": qna, "question": question, "action": action}),
        )
        .await;
    }
    // The host sees one question still waiting for approval: the pending one.
    let view = host.wait_host_state(|v| v["deck"][0]["pending"] == 1).await;
    let waiting: Vec<&Value> = view["deck"][0]["questions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|q| q["status"] == "pending")
        .collect();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["id"], pending);
    go_to(&mut host, ideas).await;
    owen.wait_state(|v| v["activity"]["id"] == ideas).await;
    owen.ok(json!({"type": "submit_idea", "activity": ideas, "text": "Repairs"}))
        .await;
    let off = ann
        .ok(json!({"type": "submit_idea", "activity": ideas, "text": "Off topic rant"}))
        .await["id"]
        .clone();
    host.ok(json!({"type": "hide_idea", "activity": ideas, "idea": off, "hidden": true}))
        .await;
    // The author is told their suggestion was hidden.
    let me = ann
        .wait_me(|m| m["answers"][ideas.to_string()]["submitted"][0]["hidden"] == true)
        .await;
    assert_eq!(
        me["answers"][ideas.to_string()]["submitted"][0]["text"],
        "Off topic rant"
    );
    host.ok(json!({"type": "publish_report", "published": true}))
        .await;

    let public = server.public_report(&room).await;
    let text = public.to_string();
    for withheld in [
        "Still waiting for approval?",
        "Why is the rent so high?",
        "Off topic rant",
        "Owen",
        "Ann",
        "\"status\"",
        "\"hidden\"",
    ] {
        assert!(
            !text.contains(withheld),
            "public report shows {withheld:?}: {text}"
        );
    }
    let questions = &public["report"]["activities"][0]["rounds"][0]["results"]["questions"];
    assert_eq!(questions.as_array().map(Vec::len), Some(1), "{questions}");
    assert_eq!(questions[0]["text"], "When will the damp survey come?");
    let wall = &public["report"]["activities"][1]["rounds"][0]["results"]["ideas"];
    assert_eq!(wall, &json!([{"id": 0, "text": "Repairs"}]));
}

#[tokio::test]
async fn csv_exports_neutralise_formulas_and_names_lose_bidi_overrides() {
    let server = TestServer::start().await;
    let room = server.create_room("Meetup").await;
    let mut host = server.host(&room).await;
    let ideas = add(
        &mut host,
        json!({"kind": "ideas", "prompt": "Topics?", "max_per_participant": 5}),
    )
    .await;
    go_to(&mut host, ideas).await;
    let mut phone = server
        .participant(&room.code, None, Some("=cmd|' /C calc'!A0"))
        .await;
    for text in [
        "=HYPERLINK(\"http://x.example\",\"go\")",
        "@SUM(1)",
        "+1",
        "-1+2",
    ] {
        phone
            .ok(json!({"type": "submit_idea", "activity": ideas, "text": text}))
            .await;
    }
    let mut spoofer = server
        .participant(&room.code, None, Some("\u{202E}nimda"))
        .await;
    spoofer
        .ok(json!({"type": "submit_idea", "activity": ideas, "text": "Hello \u{2067}world\u{2069}"}))
        .await;

    let csv = server.export_csv(&room, ideas).await;
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let mut cells = Vec::new();
    for record in reader.records() {
        let record = record.expect("a CSV record");
        cells.extend(record.iter().map(str::to_string));
    }
    for cell in &cells {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{cell:?} runs as a formula"
        );
        assert!(
            !cell.contains(['\u{202E}', '\u{2067}', '\u{2069}']),
            "{cell:?} keeps a bidi control"
        );
    }
    assert!(
        cells.contains(&"'=cmd|' /C calc'!A0".to_string()),
        "{cells:?}"
    );
    assert!(cells.contains(&"'@SUM(1)".to_string()), "{cells:?}");
    assert!(cells.contains(&"nimda".to_string()), "{cells:?}");
    assert!(cells.contains(&"Hello world".to_string()), "{cells:?}");
}

#[tokio::test]
async fn a_second_upvote_is_refused_and_changes_nothing() {
    let server = TestServer::start().await;
    let room = server.create_room("Fishbowl").await;
    let mut host = server.host(&room).await;
    let qna = add(&mut host, json!({"kind": "qna", "prompt": "Questions?"})).await;
    go_to(&mut host, qna).await;
    let mut asker = server.participant(&room.code, None, None).await;
    let question = asker
        .ok(json!({"type": "ask", "activity": qna, "text": "What about damp?"}))
        .await["id"]
        .clone();
    let mut voter = server.participant(&room.code, None, None).await;
    let upvote = json!({"type": "upvote", "activity": qna, "question": question, "up": true});
    let first = voter.ok(upvote.clone()).await;
    assert_eq!(voter.err(upvote).await, "already_voted");
    let withdraw = json!({"type": "upvote", "activity": qna, "question": question, "up": false});
    let second = voter.ok(withdraw.clone()).await;
    assert_eq!(
        second["seq"].as_u64(),
        first["seq"].as_u64().map(|s| s + 1),
        "the refused upvote took no place in the log"
    );
    assert_eq!(voter.err(withdraw).await, "not_voted");
}
