use crate::support::*;
use serde_json::json;
use std::collections::HashSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_participants_vote_and_the_presenter_shows_exactly_the_acknowledged_votes() {
    let server = TestServer::start().await;
    let room = server.create_room("Plenary").await;
    let mut host = server.host(&room).await;
    let id = add(
        &mut host,
        poll("Top takeaway?", &["Repairs", "Damp", "Rent", "Noise"]),
    )
    .await;
    go_to(&mut host, id).await;
    let mut screen = server.presenter(&room.code).await;

    let mut tasks = Vec::new();
    for i in 0..200u64 {
        let code = room.code.clone();
        let base = server.ws_base.clone();
        tasks.push(tokio::spawn(async move {
            let server_ws = base;
            let (ws, _) = tokio_tungstenite::connect_async(format!("{server_ws}/ws/{code}"))
                .await
                .expect("connect");
            let mut phone = Client::new(ws);
            phone.recv().await; // welcome
            let session = phone
                .request(json!({"type": "hello", "role": "participant", "name": format!("P{i}")}))
                .await;
            assert_eq!(session["type"], "session");
            // Everyone votes; every fifth person changes their mind afterwards.
            let first = i % 4;
            let ack = phone
                .request(json!({"type": "vote", "activity": id, "options": [first]}))
                .await;
            let mut acked = (ack["type"] == "ack").then_some(first);
            if i % 5 == 0 {
                let second = (first + 1) % 4;
                let ack = phone
                    .request(json!({"type": "vote", "activity": id, "options": [second]}))
                    .await;
                if ack["type"] == "ack" {
                    acked = Some(second);
                }
            }
            (
                session["participant"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                acked,
            )
        }));
    }
    let mut expected = vec![0u64; 4];
    let mut ids = HashSet::new();
    for task in tasks {
        let (participant, acked) = task.await.expect("participant task");
        assert!(ids.insert(participant), "participant ids are unique");
        let option = acked.expect("every valid vote is acknowledged");
        expected[option as usize] += 1;
    }
    assert_eq!(expected.iter().sum::<u64>(), 200);
    let view = screen.wait_state(|v| counts(v) == expected).await;
    assert_eq!(view["activity"]["results"]["voters"], 200);
    assert_eq!(view["participants"], 200);
    // Nothing else arrives that would change the picture.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    while screen
        .try_recv(std::time::Duration::from_millis(50))
        .await
        .is_some()
    {}
    assert_eq!(counts(&screen.state.as_ref().unwrap()["view"]), expected);
}

#[tokio::test]
async fn a_second_vote_replaces_the_first_or_is_refused_when_changes_are_off() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let open = add(&mut host, poll("Change allowed", &["A", "B"])).await;
    let mut fixed = poll("Change not allowed", &["A", "B"]);
    fixed["allow_change"] = json!(false);
    let locked = add(&mut host, fixed).await;
    let mut phone = server.participant(&room.code, None, None).await;
    let mut screen = server.presenter(&room.code).await;

    go_to(&mut host, open).await;
    phone.wait_state(|v| v["activity"]["id"] == open).await;
    phone
        .ok(json!({"type": "vote", "activity": open, "options": [0]}))
        .await;
    phone
        .ok(json!({"type": "vote", "activity": open, "options": [1]}))
        .await;
    screen.wait_state(|v| counts(v) == vec![0, 1]).await;
    phone
        .wait_me(|me| me["answers"][open.to_string()]["options"] == json!([1]))
        .await;

    go_to(&mut host, locked).await;
    phone.wait_state(|v| v["activity"]["id"] == locked).await;
    phone
        .ok(json!({"type": "vote", "activity": locked, "options": [0]}))
        .await;
    assert_eq!(
        phone
            .err(json!({"type": "vote", "activity": locked, "options": [1]}))
            .await,
        "already_voted"
    );
    assert_eq!(
        phone
            .err(json!({"type": "vote", "activity": locked, "options": [0]}))
            .await,
        "already_voted"
    );
    screen
        .wait_state(|v| v["activity"]["id"] == locked && counts(v) == vec![1, 0])
        .await;
    // Nothing further changes it.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    while screen
        .try_recv(std::time::Duration::from_millis(50))
        .await
        .is_some()
    {}
    assert_eq!(counts(&screen.state.as_ref().unwrap()["view"]), vec![1, 0]);
}

#[tokio::test]
async fn a_reconnecting_participant_is_recognised_with_their_vote() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let id = add(&mut host, poll("Which?", &["A", "B", "C"])).await;
    go_to(&mut host, id).await;

    let mut phone = server.participant(&room.code, None, Some("Priya")).await;
    let token = phone.token.clone().expect("token");
    let participant = phone.participant.clone().expect("participant id");
    phone
        .ok(json!({"type": "vote", "activity": id, "options": [2]}))
        .await;
    drop(phone);

    // "Reload": a new connection presenting the stored token.
    let mut again = server.participant(&room.code, Some(&token), None).await;
    assert_eq!(again.participant.as_deref(), Some(participant.as_str()));
    let me = again.wait_me(|_| true).await;
    assert_eq!(me["name"], "Priya");
    assert_eq!(me["answers"][id.to_string()]["options"], json!([2]));
    // Still one participant, still one vote.
    let view = again.wait_state(|v| v["activity"]["id"] == id).await;
    assert_eq!(view["participants"], 1);
    again
        .ok(json!({"type": "vote", "activity": id, "options": [0]}))
        .await;
    let mut screen = server.presenter(&room.code).await;
    screen.wait_state(|v| counts(v) == vec![1, 0, 0]).await;
}

#[tokio::test]
async fn the_presenter_counts_people_online() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut screen = server.presenter(&room.code).await;
    let a = server.participant(&room.code, None, None).await;
    let _b = server.participant(&room.code, None, None).await;
    screen
        .wait_state(|v| v["online"] == 2 && v["participants"] == 2)
        .await;
    // The same person in a second tab is still one person online.
    let token = a.token.clone().unwrap();
    let second_tab = server.participant(&room.code, Some(&token), None).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    while screen
        .try_recv(std::time::Duration::from_millis(50))
        .await
        .is_some()
    {}
    assert_eq!(screen.state.as_ref().unwrap()["view"]["online"], 2);
    drop(a);
    drop(second_tab);
    screen
        .wait_state(|v| v["online"] == 1 && v["participants"] == 2)
        .await;
}

#[tokio::test]
async fn participants_can_set_and_change_their_display_name() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut phone = server.participant(&room.code, None, None).await;
    phone
        .ok(json!({"type": "set_name", "name": "  Jo   Bloggs "}))
        .await;
    phone.wait_me(|me| me["name"] == "Jo Bloggs").await;
    assert_eq!(
        phone
            .err(json!({"type": "set_name", "name": "x".repeat(41)}))
            .await,
        "text_too_long"
    );
}
