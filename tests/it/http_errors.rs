//! Every HTTP error in the documented JSON form; slow and half-sent requests cut off; the
//! per-address connection cap; cross-site session creation refused.

use crate::support::*;
use reqwest::header::{ALLOW, CONTENT_TYPE};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

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

/// Waits until the server closes the connection; returns how long that took (panics past `wait`).
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> Duration {
    let started = Instant::now();
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout(wait, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the connection was still open after {wait:?}"),
        }
    }
}

/// An HTTP client whose connections come from 127.0.0.2.
fn other_address() -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(Some("127.0.0.2".parse().unwrap()))
        .build()
        .unwrap()
}

async fn healthz_on(stream: &mut TcpStream) -> Option<u16> {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: handsup\r\n\r\n")
        .await
        .ok()?;
    read_response(stream, Duration::from_secs(5))
        .await
        .map(|(status, _)| status)
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
async fn half_sent_headers_are_cut_off_within_the_header_timeout() {
    let server = TestServer::start_tweaked(|config| {
        config.http_header_timeout = Duration::from_millis(500);
    })
    .await;
    // Half a request line and headers, then silence.
    let mut half = TcpStream::connect(addr(&server)).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: hand")
        .await
        .unwrap();
    let took = closed_within(&mut half, Duration::from_secs(5)).await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    // Nothing at all.
    let mut silent = TcpStream::connect(addr(&server)).await.unwrap();
    let took = closed_within(&mut silent, Duration::from_secs(5)).await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    // A prompt client is served.
    let mut prompt = TcpStream::connect(addr(&server)).await.unwrap();
    assert_eq!(healthz_on(&mut prompt).await, Some(200));
}

#[tokio::test]
async fn a_trickling_body_is_408_json_within_the_body_timeout() {
    let server = TestServer::start_tweaked(|config| {
        config.http_body_timeout = Duration::from_millis(600);
    })
    .await;
    let mut stream = TcpStream::connect(addr(&server)).await.unwrap();
    stream
        .write_all(
            b"POST /api/rooms HTTP/1.1\r\nHost: handsup\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
    // One byte every 100 ms: never idle long, never finished.
    let started = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..60 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    while !raw.windows(4).any(|w| w == b"\r\n\r\n") || !raw.ends_with(b"}}") {
        match tokio::time::timeout(Duration::from_secs(4), reader.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => raw.extend_from_slice(&chunk[..n]),
            other => panic!(
                "no complete answer ({other:?}): {}",
                String::from_utf8_lossy(&raw)
            ),
        }
    }
    trickle.abort();
    assert!(started.elapsed() < Duration::from_secs(3));
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    let body: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "request_timeout");
}

#[tokio::test]
async fn websockets_outlive_the_header_and_body_timeouts() {
    let server = TestServer::start_tweaked(|config| {
        config.http_header_timeout = Duration::from_millis(300);
        config.http_body_timeout = Duration::from_millis(300);
    })
    .await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    add(&mut host, poll("Still there?", &["Yes", "No"])).await;
}

#[tokio::test]
async fn connections_past_the_per_address_limit_are_refused_and_other_addresses_served() {
    let server = TestServer::start_tweaked(|config| {
        config.max_connections_per_ip = 3;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(addr(&server)).await.unwrap();
        assert_eq!(healthz_on(&mut stream).await, Some(200));
        held.push(stream);
    }
    // The fourth from 127.0.0.1 is closed without an answer.
    let mut fourth = TcpStream::connect(addr(&server)).await.unwrap();
    assert_eq!(healthz_on(&mut fourth).await, None);

    // Another address is served, over reqwest and over a raw socket.
    let response = other_address()
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let mut from_other = socket.connect(addr(&server)).await.unwrap();
    assert_eq!(healthz_on(&mut from_other).await, Some(200));

    // Closing one frees its place.
    drop(held.pop());
    served_again(&server, "the freed place was never reused").await;
}

/// Waits until a new connection from 127.0.0.1 is served again (a place came free).
async fn served_again(server: &TestServer, failure: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut again = TcpStream::connect(addr(server)).await.unwrap();
        if healthz_on(&mut again).await == Some(200) {
            return;
        }
        assert!(Instant::now() < deadline, "{failure}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn upgraded_websockets_keep_their_place_in_the_count() {
    let server = TestServer::start_tweaked(|config| {
        config.max_connections_per_ip = 2;
    })
    .await;
    // The session is created from 127.0.0.2, so that no kept-alive connection of ours from
    // 127.0.0.1 takes a place.
    let created: Value = other_address()
        .post(format!("{}/api/rooms", server.base))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = created["code"].as_str().unwrap();
    let first = server.connect(code).await;
    let _second = server.connect(code).await;
    let mut third = TcpStream::connect(addr(&server)).await.unwrap();
    assert_eq!(healthz_on(&mut third).await, None);
    drop(first);
    served_again(&server, "the closed WebSocket's place was never freed").await;
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
