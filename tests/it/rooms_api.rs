use crate::support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn creating_a_room_returns_its_code_key_and_links_once() {
    let server = TestServer::start().await;
    let room = server.create_room("Tenant meetup").await;
    assert_eq!(room.code.len(), 8);
    assert!(room.code.chars().all(|c| c.is_ascii_digit()));
    let host_url = room.body["host_url"].as_str().unwrap();
    assert_eq!(
        host_url,
        format!("/host/{}#key={}", room.code, room.host_key)
    );
    assert_eq!(
        room.body["join_url"],
        format!("{}/{}", server.base, room.code)
    );
    assert_eq!(room.body["present_url"], format!("/present/{}", room.code));
    let expires = room.body["expires_at"].as_i64().unwrap();
    let thirty_days = 30 * 24 * 3600 * 1000;
    assert!((expires - handsup::hub::now_ms() - thirty_days).abs() < 60_000);

    let info: Value = server
        .http
        .get(format!("{}/api/rooms/{}", server.base, room.code))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["title"], "Tenant meetup");
    assert!(
        info.get("host_key").is_none(),
        "the key is shown once, at creation"
    );
    // Codes can be typed with a space.
    let spaced = format!(
        "{}/api/rooms/{}%20{}",
        server.base,
        &room.code[..4],
        &room.code[4..]
    );
    assert_eq!(server.http.get(spaced).send().await.unwrap().status(), 200);

    let missing = server
        .http
        .get(format!("{}/api/rooms/12345670", server.base))
        .send()
        .await
        .unwrap();
    if room.code != "12345670" {
        assert_eq!(missing.status(), 404);
        let body: Value = missing.json().await.unwrap();
        assert_eq!(body["error"]["code"], "room_not_found");
    }
    // Codes are distinct.
    let other = server.create_room("").await;
    assert_ne!(other.code, room.code);
}

#[tokio::test]
async fn a_bad_create_request_gets_a_clear_error() {
    let server = TestServer::start().await;
    let url = format!("{}/api/rooms", server.base);
    let response = server
        .http
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_request");
    let response = server
        .http
        .post(&url)
        .json(&json!({"title": "t".repeat(121)}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "text_too_long");
    // An empty JSON body is fine: a session without a title.
    let response = server
        .http
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn the_qr_code_is_an_svg_of_the_join_link() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let response = server
        .http
        .get(format!("{}/api/rooms/{}/qr.svg", server.base, room.code))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let svg = response.text().await.unwrap();
    assert!(svg.contains("<svg") && svg.contains("<path"), "{svg}");
    let missing = server
        .http
        .get(format!("{}/api/rooms/00000001/qr.svg", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_public_url_flag_sets_join_links() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), |config| {
        config.public_url = Some("https://vote.example.org".into());
    })
    .await;
    let room = server.create_room("").await;
    assert_eq!(
        room.body["join_url"],
        format!("https://vote.example.org/{}", room.code)
    );
    let mut client = server.connect(&room.code).await;
    let _ = &mut client;
    let (ws, _) = tokio_tungstenite::connect_async(format!("{}/ws/{}", server.ws_base, room.code))
        .await
        .unwrap();
    let mut fresh = Client::new(ws);
    let welcome = fresh.recv().await;
    assert_eq!(welcome["public_url"], "https://vote.example.org");
    assert_eq!(welcome["protocol"], 1);
    assert_eq!(welcome["max_message_bytes"], 16384);
}

#[tokio::test]
async fn deleting_a_room_needs_its_key_and_closes_its_connections() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut phone = server.participant(&room.code, None, None).await;
    let url = format!("{}/api/rooms/{}", server.base, room.code);
    let refused = server
        .http
        .delete(&url)
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let deleted = server
        .http
        .delete(&url)
        .bearer_auth(&room.host_key)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(phone.wait_closed().await, 4000);
    assert_eq!(server.http.get(&url).send().await.unwrap().status(), 404);
    let page = server
        .http
        .get(format!("{}/{}", server.base, room.code))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
}

#[tokio::test]
async fn pages_are_served_with_protective_headers() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    for path in [
        "/".to_string(),
        format!("/{}", room.code),
        format!("/host/{}", room.code),
        format!("/present/{}", room.code),
    ] {
        let response = server
            .http
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers();
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'self'")
        );
        assert!(response.text().await.unwrap().contains("<html"), "{path}");
    }
    let missing = server
        .http
        .get(format!("{}/present/00000000", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("No session has the code 00000000")
    );
    assert_eq!(
        server
            .http
            .get(format!("{}/nothing/here", server.base))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn assets_revalidate_with_etags() {
    let server = TestServer::start().await;
    let url = format!("{}/assets/app.css", server.base);
    let first = server.http.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(
        first.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let again = server
        .http
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(
        server
            .http
            .get(format!("{}/assets/nope.js", server.base))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn metrics_count_connections_commands_and_commits() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let id = add(&mut host, poll("Q", &["A", "B"])).await;
    go_to(&mut host, id).await;
    let mut phone = server.participant(&room.code, None, None).await;
    phone
        .ok(json!({"type": "vote", "activity": id, "options": [0]}))
        .await;
    phone
        .err(json!({"type": "vote", "activity": id, "options": [5]}))
        .await;
    let text = server
        .http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing in\n{text}"))
    };
    assert_eq!(value("handsup_connections"), 2.0);
    assert_eq!(value("handsup_rooms"), 1.0);
    // create, add_activity, navigate, the participant's join, the vote.
    assert_eq!(value("handsup_commands_applied_total"), 5.0);
    assert_eq!(value("handsup_commands_rejected_total"), 1.0);
    assert_eq!(value("handsup_log_commit_seconds_count"), 5.0);
    assert!(value("handsup_frames_sent_total") >= 8.0);
}

#[tokio::test]
async fn the_language_menu_lists_every_catalogue_file_by_its_own_name() {
    let server = TestServer::start().await;
    let response = server
        .http
        .get(format!("{}/assets/i18n/languages.js", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let body = response.text().await.unwrap();
    let json = body
        .split("export const NAMES = ")
        .nth(1)
        .unwrap()
        .trim()
        .trim_end_matches(';');
    let names: Value = serde_json::from_str(json).unwrap();
    let files: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/web/assets/i18n"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            // Catalogue files only: `console/` holds the console's own strings, not languages.
            .filter_map(|name| name.strip_suffix(".js").map(str::to_string))
            .collect();
    assert_eq!(
        names.as_object().unwrap().len(),
        files.len(),
        "{names} vs {files:?}"
    );
    assert_eq!(names["en"], "English");
    assert_eq!(names["cy"], "Cymraeg");
}
