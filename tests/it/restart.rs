//! Nothing acknowledged is lost: not across a clean restart, not across `kill -9`.

use crate::support::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_restart_keeps_the_deck_every_vote_and_every_identity() {
    let server = TestServer::start().await;
    let room = server.create_room("Before the restart").await;
    let mut host = server.host(&room).await;
    let topic = add(&mut host, poll("Topic?", &["Repairs", "Damp"])).await;
    let cloud = add(&mut host, json!({"kind": "wordcloud", "prompt": "A word"})).await;
    host.ok(json!({"type": "set_results", "activity": topic, "shown": false}))
        .await;
    go_to(&mut host, topic).await;
    let mut phones = Vec::new();
    for (i, name) in ["Ann", "Bo", "Cy"].into_iter().enumerate() {
        let mut phone = server.participant(&room.code, None, Some(name)).await;
        phone
            .ok(json!({"type": "vote", "activity": topic, "options": [i % 2]}))
            .await;
        phones.push(phone);
    }
    go_to(&mut host, cloud).await;
    phones[0].wait_state(|v| v["activity"]["id"] == cloud).await;
    phones[0]
        .ok(json!({"type": "submit_words", "activity": cloud, "words": ["Hope"]}))
        .await;
    let before = host.wait_host_state(|v| v["deck"][1]["total"] == 1).await;
    let token = phones[1].token.clone().unwrap();
    drop(phones);
    drop(host);

    let server = server.restart().await;
    let mut host = server.host(&room).await;
    let after = host.wait_host_state(|_| true).await;
    assert_eq!(after["deck"], before["deck"]);
    assert_eq!(after["title"], "Before the restart");
    assert_eq!(after["current"], cloud);
    assert_eq!(after["participants"], 3);
    assert_eq!(after["deck"][0]["results"]["counts"], json!([2, 1]));
    assert_eq!(after["deck"][0]["results_shown"], false);

    let mut bo = server.participant(&room.code, Some(&token), None).await;
    let me = bo.wait_me(|_| true).await;
    assert_eq!(me["name"], "Bo");
    assert_eq!(me["answers"][topic.to_string()]["options"], json!([1]));
}

#[tokio::test]
async fn rooms_idle_past_their_retention_are_deleted_with_their_log() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), |config| {
        config.retention = Duration::from_millis(1500);
        config.sweep_interval = Duration::from_millis(100);
    })
    .await;
    let room = server.create_room("Short-lived").await;
    let expires = room.body["expires_at"].as_i64().unwrap();
    let url = format!("{}/api/rooms/{}", server.base, room.code);
    assert_eq!(server.http.get(&url).send().await.unwrap().status(), 200);
    let mut phone = server.participant(&room.code, None, None).await;
    assert_eq!(
        phone.wait_closed().await,
        4000,
        "connections are told the room is gone"
    );
    assert!(handsup::hub::now_ms() >= expires - 50);
    assert_eq!(server.http.get(&url).send().await.unwrap().status(), 404);
    // The room is gone at once; its log follows with the next commit.
    let log = dir.path().join("handsup.sqlite");
    let deadline = tokio::time::Instant::now() + WAIT;
    while handsup::store::sqlite::count_entries(&log, &room.code).unwrap() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the log is removed too"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let server = server.restart().await;
    let url = format!("{}/api/rooms/{}", server.base, room.code);
    assert_eq!(
        server.http.get(&url).send().await.unwrap().status(),
        404,
        "and stays gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_acknowledged_vote() {
    let dir = tempfile::tempdir().unwrap();
    let process = ServerProcess::start(dir.path(), &[]);
    let http = reqwest::Client::new();
    let body: serde_json::Value = http
        .post(format!("{}/api/rooms", process.base))
        .json(&json!({"title": "Crash"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = body["code"].as_str().unwrap().to_string();
    let key = body["host_key"].as_str().unwrap().to_string();
    let ws_base = process.ws_base.clone();
    let connect = |ws_base: String, code: String| async move { connect_to(&ws_base, &code).await };
    let mut host = connect(ws_base.clone(), code.clone()).await;
    host.request(json!({"type": "hello", "role": "host", "host_key": key}))
        .await;
    let id = host
        .ok(json!({"type": "add_activity", "spec": poll("Q", &["A", "B", "C"])}))
        .await["id"]
        .as_u64()
        .unwrap();
    host.ok(json!({"type": "navigate", "to": {"activity": id}}))
        .await;

    let mut tasks = Vec::new();
    for i in 0..60u64 {
        let (ws_base, code) = (ws_base.clone(), code.clone());
        tasks.push(tokio::spawn(async move {
            let mut phone = connect(ws_base, code).await;
            let session = phone
                .request(json!({"type": "hello", "role": "participant"}))
                .await;
            let reply = phone
                .request(json!({"type": "vote", "activity": id, "options": [i % 3]}))
                .await;
            (
                session["token"].as_str().map(str::to_string),
                reply["type"] == "ack",
                i % 3,
            )
        }));
    }
    let mut acked = [0u64; 3];
    let mut tokens = Vec::new();
    for task in tasks {
        let (token, ok, option) = task.await.unwrap();
        if ok {
            acked[option as usize] += 1;
            tokens.push(token.unwrap());
        }
    }
    assert_eq!(acked.iter().sum::<u64>(), 60);
    process.kill_9();

    let process = ServerProcess::start(dir.path(), &[]);
    let ws_base = process.ws_base.clone();
    let mut host = connect(ws_base.clone(), code.clone()).await;
    host.request(json!({"type": "hello", "role": "host", "host_key": key}))
        .await;
    let view = host.wait_host_state(|_| true).await;
    assert_eq!(view["deck"][0]["results"]["counts"], json!(acked));
    assert_eq!(view["participants"], 60);
    // A participant from before the crash is still themselves.
    let mut phone = connect(ws_base, code).await;
    let session = phone
        .request(json!({"type": "hello", "role": "participant", "token": tokens[0]}))
        .await;
    assert_eq!(session["type"], "session");
    assert_eq!(
        phone
            .err(json!({"type": "vote", "activity": 999, "options": [0]}))
            .await,
        "activity_not_found"
    );
    process.kill_9();
}
