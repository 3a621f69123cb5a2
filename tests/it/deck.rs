use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn the_host_builds_edits_reorders_and_deletes_the_deck() {
    let server = TestServer::start().await;
    let room = server.create_room("Tenant meetup").await;
    let mut host = server.host(&room).await;

    let topic = add(
        &mut host,
        poll("Which topic first?", &["Repairs", "Damp", "Rent"]),
    )
    .await;
    let ideas = add(
        &mut host,
        json!({"kind": "ideas", "prompt": "What do you want to work on today?", "dots": 3}),
    )
    .await;
    let words = add(
        &mut host,
        json!({"kind": "wordcloud", "prompt": "One word for today"}),
    )
    .await;
    let view = host
        .wait_host_state(|v| v["deck"].as_array().is_some_and(|d| d.len() == 3))
        .await;
    assert_eq!(view["title"], "Tenant meetup");
    assert_eq!(view["deck"][0]["kind"], "poll");
    assert_eq!(view["deck"][1]["kind"], "ideas");
    assert_eq!(view["deck"][2]["kind"], "wordcloud");

    // Edit the poll: keep "Damp" (id 1) under a new name, add an option, drop the others.
    host.ok(json!({"type": "edit_activity", "activity": topic, "spec": {
        "kind": "poll", "question": "Which topic should we start with?",
        "options": [{"id": 1, "text": "Damp and mould"}, "Anti-social behaviour"],
        "multiple": true, "max_choices": 2}}))
        .await;
    // Move the word cloud to the front, delete the ideas activity.
    host.ok(json!({"type": "move_activity", "activity": words, "position": 0}))
        .await;
    host.ok(json!({"type": "delete_activity", "activity": ideas}))
        .await;
    let view = host
        .wait_host_state(|v| v["deck"].as_array().is_some_and(|d| d.len() == 2))
        .await;
    assert_eq!(view["deck"][0]["id"], words);
    assert_eq!(view["deck"][1]["id"], topic);
    let edited = &view["deck"][1];
    assert_eq!(edited["question"], "Which topic should we start with?");
    assert_eq!(
        edited["options"],
        json!([{"id": 1, "text": "Damp and mould"}, {"id": 3, "text": "Anti-social behaviour"}])
    );
    assert_eq!(edited["max_choices"], 2);
    assert_eq!(edited["spec"]["kind"], "poll");

    // Changing an activity's kind is refused.
    assert_eq!(
        host.err(json!({"type": "edit_activity", "activity": topic,
            "spec": {"kind": "wordcloud", "prompt": "x"}}))
            .await,
        "wrong_activity_kind"
    );
    // Invalid specs are refused with their code and change nothing.
    assert_eq!(
        host.err(json!({"type": "add_activity", "spec": poll("Only one?", &["A"])}))
            .await,
        "invalid_activity"
    );
    assert_eq!(
        host.err(json!({"type": "add_activity", "spec": poll("", &["A", "B"])}))
            .await,
        "text_empty"
    );
    assert_eq!(
        host.err(json!({"type": "delete_activity", "activity": 99}))
            .await,
        "activity_not_found"
    );
    assert_eq!(
        host.err(json!({"type": "move_activity", "activity": topic, "position": 5}))
            .await,
        "invalid_position"
    );
    host.wait_host_state(|v| v["deck"].as_array().is_some_and(|d| d.len() == 2))
        .await;
}

#[tokio::test]
async fn phones_and_the_presenter_follow_the_facilitator() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let first = add(&mut host, poll("First?", &["A", "B"])).await;
    let second = add(&mut host, poll("Second?", &["C", "D"])).await;
    let mut phone = server.participant(&room.code, None, Some("Sam")).await;
    let mut screen = server.presenter(&room.code).await;

    // The lobby: nothing current yet.
    let lobby = phone.wait_state(|v| v.get("activity").is_none()).await;
    assert_eq!(lobby["participants"], 1);
    assert_eq!(
        host.err(json!({"type": "navigate", "to": "prev"})).await,
        "end_of_deck"
    );

    host.ok(json!({"type": "navigate", "to": "next"})).await;
    phone.wait_state(|v| v["activity"]["id"] == first).await;
    screen
        .wait_state(|v| v["activity"]["id"] == first && v["position"]["index"] == 0)
        .await;
    host.ok(json!({"type": "navigate", "to": "next"})).await;
    let view = phone.wait_state(|v| v["activity"]["id"] == second).await;
    assert_eq!(view["activity"]["question"], "Second?");
    assert_eq!(view["position"], json!({"index": 1, "count": 2}));
    assert_eq!(
        host.err(json!({"type": "navigate", "to": "next"})).await,
        "end_of_deck"
    );
    host.ok(json!({"type": "navigate", "to": "prev"})).await;
    screen.wait_state(|v| v["activity"]["id"] == first).await;
    go_to(&mut host, second).await;
    screen.wait_state(|v| v["activity"]["id"] == second).await;
    host.ok(json!({"type": "navigate", "to": "lobby"})).await;
    screen.wait_state(|v| v.get("activity").is_none()).await;

    // Voting on an activity that is not shown is refused.
    assert_eq!(
        phone
            .err(json!({"type": "vote", "activity": first, "options": [0]}))
            .await,
        "activity_not_current"
    );
    // Deleting the current activity moves the room to the next one.
    go_to(&mut host, first).await;
    host.ok(json!({"type": "delete_activity", "activity": first}))
        .await;
    screen.wait_state(|v| v["activity"]["id"] == second).await;
}

#[tokio::test]
async fn results_can_be_hidden_and_revealed_and_voting_closed() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let id = add(&mut host, poll("Useful?", &["Yes", "No"])).await;
    go_to(&mut host, id).await;
    let mut phone = server.participant(&room.code, None, None).await;
    let mut screen = server.presenter(&room.code).await;

    host.ok(json!({"type": "set_results", "activity": id, "shown": false}))
        .await;
    phone
        .ok(json!({"type": "vote", "activity": id, "options": [0]}))
        .await;
    let hidden = screen
        .wait_state(|v| v["activity"]["results_shown"] == false && v["activity"]["responses"] == 1)
        .await;
    assert!(hidden["activity"].get("results").is_none(), "{hidden}");
    // The host always sees the counts.
    let host_view = host
        .wait_host_state(|v| v["deck"][0]["responses"] == 1)
        .await;
    assert_eq!(host_view["deck"][0]["results"]["counts"], json!([1, 0]));

    host.ok(json!({"type": "set_results", "activity": id, "shown": true}))
        .await;
    let shown = screen
        .wait_state(|v| v["activity"]["results_shown"] == true)
        .await;
    assert_eq!(counts(&shown), vec![1, 0]);

    host.ok(json!({"type": "set_voting", "activity": id, "open": false}))
        .await;
    phone
        .wait_state(|v| v["activity"]["voting_open"] == false)
        .await;
    assert_eq!(
        phone
            .err(json!({"type": "vote", "activity": id, "options": [1]}))
            .await,
        "voting_closed"
    );
    host.ok(json!({"type": "set_voting", "activity": id, "open": true}))
        .await;
    phone
        .ok(json!({"type": "vote", "activity": id, "options": [1]}))
        .await;
    let view = screen.wait_state(|v| counts(v) == vec![0, 1]).await;
    assert_eq!(view["activity"]["results"]["voters"], 1);
}

#[tokio::test]
async fn the_facilitator_picks_the_session_language() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let mut phone = server.participant(&room.code, None, None).await;
    let lobby = phone.wait_state(|_| true).await;
    assert!(
        lobby.get("language").is_none(),
        "until chosen, phones decide"
    );
    host.ok(json!({"type": "set_language", "language": "cy"}))
        .await;
    phone.wait_state(|v| v["language"] == "cy").await;
    for bad in ["", "c", "EN", "en_GB", "toolonglanguage", "-en"] {
        assert_eq!(
            host.err(json!({"type": "set_language", "language": bad}))
                .await,
            "invalid_language",
            "{bad}"
        );
    }
    host.wait_host_state(|v| v["language"] == "cy").await;
}

#[tokio::test]
async fn a_host_can_send_a_long_framework_in_one_message_but_participants_cannot() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let statements: Vec<serde_json::Value> = (0..300)
        .map(|i| json!({"text": format!("Outcome {i}: we make sure tenants can see how their views changed our repairs service"), "theme": format!("Theme {}", i % 9)}))
        .collect();
    let spec = json!({"kind": "scales", "statements": statements});
    assert!(
        spec.to_string().len() > 16 * 1024,
        "over the participant limit"
    );
    let id = add(&mut host, spec).await;
    let view = host
        .wait_host_state(|v| {
            v["deck"][0]["statements"]
                .as_array()
                .is_some_and(|s| s.len() == 300)
        })
        .await;
    assert_eq!(view["deck"][0]["id"], id);
    let mut phone = server.participant(&room.code, None, None).await;
    let long = json!({"type": "set_name", "rid": 5, "name": "x".repeat(20_000)});
    phone.send_raw(&long.to_string()).await;
    assert_eq!(phone.recv_error().await, "message_too_large");
}
