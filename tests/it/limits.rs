//! Every published limit is enforced with its code, and affects only whoever exceeds it.

use crate::support::*;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::test]
async fn a_flooding_connection_is_rate_limited_then_closed() {
    let server = TestServer::start_tweaked(|c| {
        c.command_rate = 2;
        c.command_burst = 5;
        c.abuse_limit = 10;
    })
    .await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let id = add(&mut host, poll("Q", &["A", "B"])).await;
    go_to(&mut host, id).await;
    let mut calm = server.participant(&room.code, None, None).await;
    let mut flood = server.participant(&room.code, None, None).await;
    // hello used one token of five: four more pass, then the limiter answers.
    let mut replies = Vec::new();
    for _ in 0..8 {
        replies.push(
            flood
                .request(json!({"type": "vote", "activity": id, "options": [0]}))
                .await,
        );
    }
    let limited: Vec<&Value> = replies
        .iter()
        .filter(|r| r["code"] == "rate_limited")
        .collect();
    assert_eq!(
        replies.iter().filter(|r| r["type"] == "ack").count(),
        4,
        "{replies:?}"
    );
    assert_eq!(limited.len(), 4);
    let hint = limited[0]["retry_after_ms"].as_u64().unwrap();
    assert!((1..=1000).contains(&hint), "{hint}");
    // Keep going past the abuse limit: the server closes the connection with 4029.
    for _ in 0..20 {
        flood
            .send_raw(&json!({"type": "vote", "activity": id, "options": [1]}).to_string())
            .await;
    }
    assert_eq!(flood.wait_closed().await, 4029);
    // The other phone never noticed, and only one vote of the flood counts.
    calm.ok(json!({"type": "vote", "activity": id, "options": [1]}))
        .await;
    let mut screen = server.presenter(&room.code).await;
    screen.wait_state(|v| counts(v) == vec![1, 1]).await;
}

#[tokio::test]
async fn pages_from_other_sites_cannot_open_a_session_connection() {
    let server = TestServer::start_tweaked(|c| {
        c.allowed_origins = vec!["https://meetup.example.org".into()];
    })
    .await;
    let room = server.create_room("").await;
    let url = format!("{}/ws/{}", server.ws_base, room.code);
    let host = server.base.trim_start_matches("http://").to_string();
    let with_origin = |origin: &str| {
        let mut request = url.as_str().into_client_request().unwrap();
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
        request
    };
    let refused = tokio_tungstenite::connect_async(with_origin("https://evil.example")).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("expected 403, got {:?}", other.map(|(_, r)| r.status())),
    }
    assert!(
        tokio_tungstenite::connect_async(with_origin("null"))
            .await
            .is_err()
    );
    for origin in [
        format!("http://{host}"),
        "https://meetup.example.org".to_string(),
    ] {
        let (ws, _) = tokio_tungstenite::connect_async(with_origin(&origin))
            .await
            .expect(&origin);
        let mut client = Client::new(ws);
        assert_eq!(client.recv().await["type"], "welcome");
    }
}

#[tokio::test]
async fn guessing_join_codes_gets_the_address_blocked_even_for_real_codes() {
    let server = TestServer::start_tweaked(|c| c.failed_joins_per_minute = 3).await;
    let room = server.create_room("").await;
    let api = |code: &str| format!("{}/api/rooms/{code}", server.base);
    assert_eq!(
        server
            .http
            .get(api(&room.code))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let mut statuses = Vec::new();
    for guess in ["10000001", "10000002", "10000003", "10000004"] {
        if guess != room.code {
            statuses.push(
                server
                    .http
                    .get(api(guess))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
            );
        }
    }
    assert_eq!(statuses, vec![404, 404, 404, 429]);
    let blocked = server.http.get(api(&room.code)).send().await.unwrap();
    assert_eq!(blocked.status(), 429, "a hit learns nothing while blocked");
    assert!(blocked.headers().contains_key("retry-after"));
    let body: Value = blocked.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    let page = server
        .http
        .get(format!("{}/{}", server.base, room.code))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
}

#[tokio::test]
async fn room_creation_is_limited_per_address() {
    let server = TestServer::start_tweaked(|c| c.room_create_per_minute = 2).await;
    server.create_room("one").await;
    server.create_room("two").await;
    let third = server
        .http
        .post(format!("{}/api/rooms", server.base))
        .json(&json!({"title": "three"}))
        .send()
        .await
        .unwrap();
    assert_eq!(third.status(), 429);
    assert!(
        third.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
}

#[tokio::test]
async fn silent_connections_are_pinged_then_closed() {
    let server = TestServer::start_tweaked(|c| {
        c.ping_interval = Duration::from_millis(400);
        c.ping_timeout = Duration::from_millis(400);
    })
    .await;
    let room = server.create_room("").await;
    let mut answering = server.participant(&room.code, None, None).await;
    let mut silent = server.participant(&room.code, None, None).await;
    // The answering client keeps reading (and so answers pings); the silent one does not read
    // at all for a while, so it cannot answer.
    let reader = tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(1500);
        while tokio::time::Instant::now() < deadline {
            let _ = answering.try_recv(Duration::from_millis(100)).await;
        }
        answering
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(silent.wait_closed().await, 4103);
    let mut answering = reader.await.unwrap();
    assert!(
        answering.closed.is_none(),
        "a client that answers pings stays connected"
    );
    answering
        .ok(json!({"type": "set_name", "name": "still here"}))
        .await;
}
