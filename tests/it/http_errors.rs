//! Every HTTP error in the documented JSON form; cross-site session creation refused.

use crate::support::*;
use reqwest::header::{ALLOW, CONTENT_TYPE};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn addr(server: &TestServer) -> SocketAddr {
    server
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("server address")
}

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{status} {content_type}: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert!(body["error"]["message"].is_string(), "{body}");
    (status, body)
}

/// Reads one HTTP response (head and Content-Length body) within `wait`; `None` if the
/// connection closed first or nothing came in time.
async fn read_response(stream: &mut TcpStream, wait: Duration) -> Option<(u16, String)> {
    let mut raw = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_string();
            let status = head.split(' ').nth(1)?.parse().ok()?;
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0);
            if raw.len() >= end + 4 + length {
                let body = String::from_utf8_lossy(&raw[end + 4..end + 4 + length]).to_string();
                return Some((status, body));
            }
        }
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return None,
            Ok(Ok(n)) => raw.extend_from_slice(&chunk[..n]),
        }
    }
}

#[tokio::test]
async fn a_wrong_method_is_405_json_with_allow() {
    let server = TestServer::start().await;
    let response = server
        .http
        .put(format!("{}/api/rooms", server.base))
        .send()
        .await
        .unwrap();
    let allow = response.headers()[ALLOW].to_str().unwrap().to_string();
    assert!(allow.contains("POST"), "{allow}");
    let (status, body) = error_of(response).await;
    assert_eq!(status, 405);
    assert_eq!(body["error"]["code"], "method_not_allowed");
    assert!(body["error"]["message"].as_str().unwrap().contains("PUT"));
    // The security headers are still there.
    let response = server
        .http
        .delete(format!("{}/api/templates", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert_eq!(error_of(response).await.0, 405);
}

#[tokio::test]
async fn unknown_api_addresses_are_404_json_and_pages_keep_the_html_page() {
    let server = TestServer::start().await;
    for path in ["/api/nothing", "/api/rooms/12345678/nothing", "/api/rooms/"] {
        let response = server
            .http
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        let (status, body) = error_of(response).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    let page = server
        .http
        .get(format!("{}/nothing/here", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    assert!(
        page.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn bad_addresses_are_400_json_naming_the_bad_part() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let response = server
        .http
        .get(format!(
            "{}/api/rooms/{}/activities/abc/export.csv",
            server.base, room.code
        ))
        .bearer_auth(&room.host_key)
        .send()
        .await
        .unwrap();
    let (status, body) = error_of(response).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_request");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("activity") && message.contains("abc"),
        "{message}"
    );
    // A code that is not UTF-8 once decoded.
    let response = server
        .http
        .get(format!("{}/api/rooms/%FF%FE", server.base))
        .send()
        .await
        .unwrap();
    let (status, body) = error_of(response).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_request");
    // The WebSocket address without an upgrade (an extractor rejection in the socket routes).
    let response = server
        .http
        .get(format!("{}/ws/{}", server.base, room.code))
        .send()
        .await
        .unwrap();
    let (status, body) = error_of(response).await;
    assert!((400..500).contains(&status), "{status}");
    assert!(body["error"]["code"].is_string());
}

#[tokio::test]
async fn an_oversized_body_is_413_json_and_a_huge_length_is_refused_at_once() {
    let server = TestServer::start().await;
    let big = format!(
        "{{\"title\": \"{}\"}}",
        "x".repeat(3 * 1024 * 1024) // 3 MiB
    );
    let response = server
        .http
        .post(format!("{}/api/rooms", server.base))
        .header(CONTENT_TYPE, "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    let (status, body) = error_of(response).await;
    assert_eq!(status, 413);
    assert_eq!(body["error"]["code"], "payload_too_large");

    // Content-Length of a terabyte and no body: the answer comes without waiting for it.
    let mut stream = TcpStream::connect(addr(&server)).await.unwrap();
    stream
        .write_all(
            b"POST /api/rooms HTTP/1.1\r\nHost: handsup\r\nContent-Type: application/json\r\n\
              Content-Length: 1000000000000\r\n\r\n",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let (status, body) = read_response(&mut stream, Duration::from_secs(3))
        .await
        .expect("an answer before the body");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(status, 413, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn creating_a_session_needs_a_json_content_type() {
    let server = TestServer::start().await;
    let url = format!("{}/api/rooms", server.base);
    let body = json!({"title": "Cross-site"}).to_string();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut request = server.http.post(&url).body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        let (status, error) = error_of(request.send().await.unwrap()).await;
        assert_eq!(status, 415, "{content_type:?}");
        assert_eq!(error["error"]["code"], "unsupported_media_type");
    }
    // An empty body needs the header too.
    let (status, _) = error_of(server.http.post(&url).send().await.unwrap()).await;
    assert_eq!(status, 415);
    for content_type in ["application/json", "application/json; charset=utf-8"] {
        let response = server
            .http
            .post(&url)
            .header(CONTENT_TYPE, content_type)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{content_type}");
    }
    let health: Value = server
        .http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["rooms"], 2, "no refused request created one");
}
