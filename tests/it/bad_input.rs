//! Bad input gets a stable error code and changes nothing; none of it disturbs another room.

use crate::support::*;
use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn every_kind_of_bad_input_gets_its_code_and_changes_nothing() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let id = add(&mut host, poll("Q?", &["A", "B"])).await;
    let other = add(&mut host, poll("Later?", &["C", "D"])).await;
    go_to(&mut host, id).await;
    let mut phone = server.participant(&room.code, None, None).await;
    phone
        .ok(json!({"type": "vote", "activity": id, "options": [0]}))
        .await;
    let before = host
        .wait_host_state(|v| v["deck"][0]["responses"] == 1)
        .await;
    let seq_before = host.host_state.as_ref().unwrap()["seq"].clone();

    // Malformed frames.
    phone.send_raw("{not json").await;
    assert_eq!(phone.recv_error().await, "bad_json");
    assert_eq!(phone.err(json!({"type": "teleport"})).await, "unknown_type");
    assert_eq!(
        phone
            .err(json!({"type": "vote", "activity": "first", "options": [0]}))
            .await,
        "invalid_message"
    );
    assert_eq!(
        phone.err(json!({"type": "vote", "activity": id})).await,
        "invalid_message"
    );
    phone
        .ws
        .send(Message::Binary(vec![1u8, 2, 3].into()))
        .await
        .unwrap();
    assert_eq!(phone.recv_error().await, "binary_not_supported");
    let big = json!({"type": "submit_idea", "rid": 99, "activity": id, "text": "x".repeat(20_000)});
    phone.send_raw(&big.to_string()).await;
    assert_eq!(phone.recv_error().await, "message_too_large");

    // Well-formed but not allowed.
    assert_eq!(
        phone
            .err(json!({"type": "vote", "activity": id, "options": [7]}))
            .await,
        "option_not_found"
    );
    assert_eq!(
        phone
            .err(json!({"type": "vote", "activity": id, "options": [0, 1]}))
            .await,
        "too_many_choices"
    );
    assert_eq!(
        phone
            .err(json!({"type": "vote", "activity": other, "options": [0]}))
            .await,
        "activity_not_current"
    );
    assert_eq!(
        phone
            .err(json!({"type": "vote", "activity": 77, "options": [0]}))
            .await,
        "activity_not_found"
    );
    assert_eq!(
        phone
            .err(json!({"type": "submit_idea", "activity": id, "text": "hi"}))
            .await,
        "wrong_activity_kind"
    );
    assert_eq!(
        phone.err(json!({"type": "navigate", "to": "next"})).await,
        "not_host"
    );
    assert_eq!(
        phone
            .err(json!({"type": "delete_activity", "activity": id}))
            .await,
        "not_host"
    );
    assert_eq!(
        phone
            .err(json!({"type": "hello", "role": "host", "host_key": room.host_key}))
            .await,
        "already_hello"
    );
    assert_eq!(
        host.err(json!({"type": "vote", "activity": id, "options": [1]}))
            .await,
        "not_participant"
    );

    // The room is exactly as it was.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    while host
        .try_recv(std::time::Duration::from_millis(50))
        .await
        .is_some()
    {}
    assert_eq!(host.host_state.as_ref().unwrap()["seq"], seq_before);
    assert_eq!(
        host.host_state.as_ref().unwrap()["view"]["deck"],
        before["deck"]
    );
    // And the connection still works.
    phone
        .ok(json!({"type": "vote", "activity": id, "options": [1]}))
        .await;
}

#[tokio::test]
async fn host_commands_need_the_host_key_and_hello_comes_first() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;

    let mut anon = server.connect(&room.code).await;
    assert_eq!(
        anon.err(json!({"type": "navigate", "to": "next"})).await,
        "hello_required"
    );
    assert_eq!(
        anon.err(json!({"type": "vote", "activity": 0, "options": [0]}))
            .await,
        "hello_required"
    );

    let mut wrong = server.connect(&room.code).await;
    assert_eq!(
        wrong
            .err(json!({"type": "hello", "role": "host", "host_key": "guess"}))
            .await,
        "invalid_host_key"
    );
    assert_eq!(wrong.wait_closed().await, 4003);
    let mut missing = server.connect(&room.code).await;
    assert_eq!(
        missing.err(json!({"type": "hello", "role": "host"})).await,
        "invalid_host_key"
    );

    // A presenter is read-only.
    let mut screen = server.presenter(&room.code).await;
    assert_eq!(
        screen
            .err(json!({"type": "add_activity", "spec": poll("Q", &["A", "B"])}))
            .await,
        "read_only"
    );
    assert_eq!(
        screen.err(json!({"type": "set_name", "name": "x"})).await,
        "read_only"
    );

    // Another room's host key is no key here.
    let elsewhere = server.create_room("").await;
    let mut crossed = server.connect(&room.code).await;
    assert_eq!(
        crossed
            .err(json!({"type": "hello", "role": "host", "host_key": elsewhere.host_key}))
            .await,
        "invalid_host_key"
    );
}

#[tokio::test]
async fn forged_or_foreign_tokens_are_refused() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let other = server.create_room("").await;
    let phone = server.participant(&other.code, None, None).await;
    let foreign = phone.token.clone().unwrap();

    let mut client = server.connect(&room.code).await;
    assert_eq!(
        client
            .err(json!({"type": "hello", "role": "participant", "token": foreign}))
            .await,
        "invalid_token"
    );
    let (id, sig) = foreign.split_once('.').unwrap();
    let forged = format!(
        "{}{}.{sig}",
        &id[..31],
        if id.ends_with('0') { "1" } else { "0" }
    );
    assert_eq!(
        client
            .err(json!({"type": "hello", "role": "participant", "token": forged}))
            .await,
        "invalid_token"
    );
    // Without a token the same connection joins as someone new.
    let session = client
        .request(json!({"type": "hello", "role": "participant"}))
        .await;
    assert_eq!(session["type"], "session");
}

#[tokio::test]
async fn a_frame_past_the_hard_limit_closes_with_1009_and_other_rooms_carry_on() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let calm = server.create_room("").await;
    let mut calm_host = server.host(&calm).await;
    let id = add(&mut calm_host, poll("Calm?", &["Yes", "No"])).await;
    go_to(&mut calm_host, id).await;
    let mut calm_phone = server.participant(&calm.code, None, None).await;

    let mut attacker = server.participant(&room.code, None, None).await;
    attacker.send_raw(&"x".repeat(300_000)).await;
    assert_eq!(attacker.wait_closed().await, 1009);

    calm_phone
        .ok(json!({"type": "vote", "activity": id, "options": [0]}))
        .await;
    let mut screen = server.presenter(&calm.code).await;
    screen.wait_state(|v| counts(v) == vec![1, 0]).await;
}

#[tokio::test]
async fn an_unknown_room_is_refused_with_4004() {
    let server = TestServer::start().await;
    let (ws, _) = tokio_tungstenite::connect_async(format!("{}/ws/99999999", server.ws_base))
        .await
        .unwrap();
    let mut client = Client::new(ws);
    let error = client.recv().await;
    assert_eq!(error["code"], "room_not_found");
    assert_eq!(client.wait_closed().await, 4004);
}

/// Every kind of attack at once against one room, while a second room keeps voting: each attack
/// gets its code, and the calm room never notices (every vote acknowledged and counted, nobody
/// disconnected).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacks_on_one_room_leave_another_untouched() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

    let server = TestServer::start_tweaked(|c| {
        c.command_rate = 5;
        c.command_burst = 5;
        c.abuse_limit = 5;
    })
    .await;
    let target = server.create_room("Target").await;
    let calm = server.create_room("Calm").await;
    let mut calm_host = server.host(&calm).await;
    let id = add(&mut calm_host, poll("Calm?", &["A", "B"])).await;
    go_to(&mut calm_host, id).await;
    let mut voters = Vec::new();
    for _ in 0..10 {
        voters.push(server.participant(&calm.code, None, None).await);
    }
    // The calm room votes steadily in the background.
    let calm_task = tokio::spawn(async move {
        let mut acked = 0;
        for round in 0..6u64 {
            for voter in voters.iter_mut() {
                let reply = voter
                    .request(json!({"type": "vote", "activity": id, "options": [round % 2]}))
                    .await;
                assert_eq!(reply["type"], "ack", "{reply}");
                acked += 1;
            }
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        }
        for voter in &voters {
            assert!(voter.closed.is_none(), "a calm voter was disconnected");
        }
        acked
    });

    // Foreign origin.
    let mut request = format!("{}/ws/{}", server.ws_base, target.code)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(request).await.is_err());
    // Missing host key, forged token.
    let mut anon = server.connect(&target.code).await;
    assert_eq!(
        anon.err(json!({"type": "hello", "role": "host"})).await,
        "invalid_host_key"
    );
    let mut forger = server.connect(&target.code).await;
    assert_eq!(
        forger.err(json!({"type": "hello", "role": "participant", "token": "0123456789abcdef0123456789abcdef.AAAA"})).await,
        "invalid_token"
    );
    // Oversized and binary frames.
    let mut big = server.participant(&target.code, None, None).await;
    big.send_raw(&json!({"type": "set_name", "name": "x".repeat(20_000)}).to_string())
        .await;
    assert_eq!(big.recv_error().await, "message_too_large");
    big.ws
        .send(Message::Binary(vec![0u8; 10].into()))
        .await
        .unwrap();
    assert_eq!(big.recv_error().await, "binary_not_supported");
    // A text frame that is not UTF-8.
    let mut garbled = server.participant(&target.code, None, None).await;
    let frame = Frame::message(vec![0xffu8, 0xfe, 0xfd], OpCode::Data(Data::Text), true);
    garbled.ws.send(Message::Frame(frame)).await.unwrap();
    assert_eq!(garbled.wait_closed().await, 1007);
    // A flood: rate limited, then closed.
    let mut flood = server.participant(&target.code, None, None).await;
    for _ in 0..30 {
        flood
            .send_raw(&json!({"type": "set_name", "name": "spam"}).to_string())
            .await;
    }
    assert_eq!(flood.recv_error().await, "rate_limited");
    assert_eq!(flood.wait_closed().await, 4029);

    let acked = calm_task.await.unwrap();
    assert_eq!(acked, 60);
    let mut screen = server.presenter(&calm.code).await;
    let view = screen
        .wait_state(|v| v["activity"]["results"]["voters"] == 10)
        .await;
    assert_eq!(
        counts(&view),
        vec![0, 10],
        "the last round's votes, exactly"
    );
}
