//! The embed channel: open to other sites' pages, read-only, showing the pinned activity.

use crate::support::*;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn embed_client(server: &TestServer, code: &str, origin: &str) -> Client {
    let mut request = format!("{}/ws/{code}/embed", server.ws_base)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", origin.parse().unwrap());
    let (ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("embed channel accepts any origin");
    let mut client = Client::new(ws);
    assert_eq!(client.recv().await["type"], "welcome");
    client
}

#[tokio::test]
async fn other_sites_watch_the_pinned_activity_and_cannot_change_anything() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let pinned = add(&mut host, poll("Top takeaway?", &["Repairs", "Damp"])).await;
    let other = add(&mut host, poll("Other?", &["X", "Y"])).await;
    go_to(&mut host, other).await;

    let mut embed = embed_client(&server, &room.code, "https://meetup.example.org").await;
    let session = embed
        .request(json!({"type": "hello", "role": "embed"}))
        .await;
    assert_eq!(session["type"], "session");
    // No pin yet: the embed follows the current activity, results only.
    let view = embed.wait_state(|v| v["activity"]["id"] == other).await;
    // Stated either way on an embed's view (absent only on other views).
    assert_eq!(view["embed_voting"], false);

    host.ok(json!({"type": "set_embed", "activity": pinned, "voting": true}))
        .await;
    let view = embed.wait_state(|v| v["activity"]["id"] == pinned).await;
    assert_eq!(view["embed_voting"], true);
    let mut phone = server.participant(&room.code, None, None).await;
    go_to(&mut host, pinned).await;
    phone.wait_state(|v| v["activity"]["id"] == pinned).await;
    phone
        .ok(json!({"type": "vote", "activity": pinned, "options": [1]}))
        .await;
    embed.wait_state(|v| counts(v) == vec![0, 1]).await;
    // The presenter is not affected by the pin.
    go_to(&mut host, other).await;
    let mut screen = server.presenter(&room.code).await;
    screen.wait_state(|v| v["activity"]["id"] == other).await;
    embed.wait_state(|v| v["activity"]["id"] == pinned).await;

    // With embedded voting allowed, the pinned activity takes votes even while another is shown.
    let mut visitor = server.participant(&room.code, None, None).await;
    visitor
        .ok(json!({"type": "vote", "activity": pinned, "options": [0]}))
        .await;
    embed.wait_state(|v| counts(v) == vec![1, 1]).await;
    host.ok(json!({"type": "set_embed", "activity": pinned, "voting": false}))
        .await;
    assert_eq!(
        visitor
            .err(json!({"type": "vote", "activity": pinned, "options": [1]}))
            .await,
        "activity_not_current"
    );

    // Read-only: every command is refused and changes nothing.
    assert_eq!(
        embed.err(json!({"type": "navigate", "to": "next"})).await,
        "read_only"
    );
    assert_eq!(
        embed
            .err(json!({"type": "vote", "activity": pinned, "options": [0]}))
            .await,
        "read_only"
    );
    assert_eq!(
        host.err(json!({"type": "set_embed", "activity": 99, "voting": false}))
            .await,
        "activity_not_found"
    );
    // Deleting the pinned activity unpins it.
    host.ok(json!({"type": "delete_activity", "activity": pinned}))
        .await;
    embed.wait_state(|v| v["activity"]["id"] == other).await;
}

#[tokio::test]
async fn the_embed_channel_accepts_no_other_role() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut client = embed_client(&server, &room.code, "https://evil.example").await;
    assert_eq!(
        client
            .err(json!({"type": "hello", "role": "host", "host_key": room.host_key}))
            .await,
        "read_only"
    );
    assert_eq!(
        client
            .err(json!({"type": "hello", "role": "participant"}))
            .await,
        "read_only"
    );
    assert_eq!(
        client
            .err(json!({"type": "hello", "role": "presenter"}))
            .await,
        "read_only"
    );
    let session = client
        .request(json!({"type": "hello", "role": "embed"}))
        .await;
    assert_eq!(session["type"], "session");
}
