//! How connections end: every server-initiated close delivers its close code (no reset), protocol
//! violations get 1002, `hello` is answered with its rid, and read-only roles get `read_only`.

use crate::support::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// Reads until a close frame (its code) or the end of the stream (`None`: no close frame came).
async fn close_code(ws: &mut Ws) -> Option<u16> {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.ok()? {
            Some(Ok(Message::Close(frame))) => {
                return Some(frame.map(|f| u16::from(f.code)).unwrap_or(1005));
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return None,
        }
    }
}

/// Five connections each send 10,000 requests as fast as they can without reading, then read:
/// every one gets the 4029 close frame, not a reset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_ends_with_the_4029_close_frame_not_a_reset() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut codes = Vec::new();
    for _ in 0..5 {
        let mut flood = server.participant(&room.code, None, None).await;
        let spam = Message::Text(
            json!({"type": "set_name", "name": "spam"})
                .to_string()
                .into(),
        );
        for _ in 0..10_000 {
            // The server may already have closed (and, without a graceful close, reset) the
            // connection: a failed send is what this test looks at next, not a panic.
            if flood.ws.feed(spam.clone()).await.is_err() {
                break;
            }
        }
        let _ = flood.ws.flush().await;
        codes.push(close_code(&mut flood.ws).await);
    }
    assert_eq!(codes, vec![Some(4029); 5]);
}

/// A connection is cut off as slow while it is not reading; when it reads again (later than the
/// send timeout), what is still buffered ends with the 4101 close frame.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_that_reads_again_gets_4101() {
    let send_timeout = Duration::from_secs(1);
    let server = TestServer::start_tweaked(|c| {
        c.send_timeout = send_timeout;
        c.socket_send_buffer = 8 * 1024;
        c.command_rate = 10_000;
        c.command_burst = 10_000;
    })
    .await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    // Long polls make every host frame big (tens of kilobytes), so the buffers fill quickly.
    let options: Vec<String> = (0..30)
        .map(|i| format!("{i:02} {}", "a long option text ".repeat(10))[..190].to_string())
        .collect();
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let mut first = None;
    for i in 0..10 {
        let id = add(&mut host, poll(&format!("Question {i}"), &options)).await;
        first.get_or_insert(id);
    }
    let activity = first.unwrap();
    go_to(&mut host, activity).await;
    // (Unread from here on, this connection would be cut off as slow too.)
    drop(host);

    // The slow host: says hello, then does not read.
    let mut slow = server.connect(&room.code).await;
    let hello = json!({"type": "hello", "role": "host", "host_key": room.host_key, "rid": 1});
    slow.send_raw(&hello.to_string()).await;

    let mut voter = server.participant(&room.code, None, None).await;
    let dropped = "handsup_slow_consumers_dropped_total 1";
    let metrics = || async {
        server
            .http
            .get(format!("{}/metrics", server.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let give_up = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut option = 0;
    loop {
        option = 1 - option;
        voter
            .ok(json!({"type": "vote", "activity": activity, "options": [option]}))
            .await;
        if metrics().await.lines().any(|l| l == dropped) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < give_up,
            "the slow host was never cut off"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The phone comes back a while after the server gave up on it: later than the send timeout.
    tokio::time::sleep(send_timeout * 2 + Duration::from_millis(500)).await;
    let mut stale_bytes = 0usize;
    let code = loop {
        match tokio::time::timeout(WAIT, slow.ws.next())
            .await
            .expect("the slow stream ends")
        {
            Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
            Some(Ok(message)) => stale_bytes += message.len(),
            Some(Err(_)) | None => break None,
        }
    };
    assert_eq!(
        code,
        Some(4101),
        "after {stale_bytes} bytes of stale frames"
    );
    // Nothing was queued for it after it was judged slow: what it got is what the buffers held.
    assert!(stale_bytes < 4 * 1024 * 1024, "{stale_bytes} stale bytes");
    assert!(
        metrics().await.lines().any(|l| l == dropped),
        "one slow consumer"
    );
}

/// A client that closes gets the server's close reply, so its close handshake completes.
#[tokio::test]
async fn a_client_that_closes_gets_the_close_reply() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut phone = server.participant(&room.code, None, None).await;
    phone.ws.close(None).await.unwrap();
    assert_eq!(close_code(&mut phone.ws).await, Some(1005));
}

/// A WebSocket connection made by hand, for frames no well-behaved client library would send.
struct RawSocket {
    tcp: TcpStream,
}

impl RawSocket {
    async fn open(server: &TestServer, path: &str) -> RawSocket {
        let addr = server.base.trim_start_matches("http://");
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            let read = tokio::time::timeout(WAIT, tcp.read(&mut byte))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(read, 1, "the upgrade response ended early");
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).unwrap();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        assert!(
            head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
            "the accept key answers ours: {head}"
        );
        RawSocket { tcp }
    }

    /// The next server frame: (first header byte, payload). `None` at the end of the stream.
    async fn read_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        let mut head = [0u8; 2];
        self.tcp.read_exact(&mut head).await.ok()?;
        assert_eq!(head[1] & 0x80, 0, "server frames are not masked");
        let len = match head[1] & 0x7f {
            126 => {
                let mut len = [0u8; 2];
                self.tcp.read_exact(&mut len).await.ok()?;
                u16::from_be_bytes(len) as usize
            }
            127 => {
                let mut len = [0u8; 8];
                self.tcp.read_exact(&mut len).await.ok()?;
                u64::from_be_bytes(len) as usize
            }
            len => len as usize,
        };
        let mut payload = vec![0u8; len];
        self.tcp.read_exact(&mut payload).await.ok()?;
        Some((head[0], payload))
    }

    /// Reads until the close frame and returns its code; `None` if the stream ended without one.
    async fn close_code(&mut self) -> Option<u16> {
        loop {
            let (first, payload) = tokio::time::timeout(WAIT, self.read_frame())
                .await
                .expect("the server ends the connection")?;
            if first & 0x0f == 0x8 {
                return Some(u16::from_be_bytes([*payload.first()?, *payload.get(1)?]));
            }
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.tcp.write_all(bytes).await.unwrap();
    }
}

/// A frame with the given first header byte (FIN, RSV bits, opcode), masked or not.
fn frame(first: u8, payload: &[u8], masked: bool) -> Vec<u8> {
    let mask_bit = if masked { 0x80 } else { 0 };
    let mut out = vec![first];
    match payload.len() {
        len @ 0..=125 => out.push(mask_bit | len as u8),
        len @ 126..=0xffff => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    if masked {
        let key = [0x37u8, 0xfa, 0x21, 0x3d];
        out.extend_from_slice(&key);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    } else {
        out.extend_from_slice(payload);
    }
    out
}

#[tokio::test]
async fn protocol_violations_are_closed_with_1002() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let hello = json!({"type": "hello", "role": "presenter"}).to_string();
    let violations = [
        ("an unmasked frame", frame(0x81, hello.as_bytes(), false)),
        ("a reserved opcode", frame(0x83, hello.as_bytes(), true)),
        (
            "RSV1 without an extension",
            frame(0xc1, hello.as_bytes(), true),
        ),
        ("a ping over 125 bytes", frame(0x89, &[b'p'; 126], true)),
    ];
    for (what, bytes) in violations {
        let mut socket = RawSocket::open(&server, &format!("/ws/{}", room.code)).await;
        let (first, welcome) = socket.read_frame().await.expect("welcome");
        assert_eq!(first, 0x81);
        let welcome: Value = serde_json::from_slice(&welcome).unwrap();
        assert_eq!(welcome["type"], "welcome");
        socket.send(&bytes).await;
        assert_eq!(socket.close_code().await, Some(1002), "{what}");
    }
    // A well-formed frame on the same kind of connection is answered as usual.
    let mut socket = RawSocket::open(&server, &format!("/ws/{}", room.code)).await;
    socket.read_frame().await.expect("welcome");
    socket.send(&frame(0x81, hello.as_bytes(), true)).await;
    let (_, session) = socket.read_frame().await.expect("session");
    let session: Value = serde_json::from_slice(&session).unwrap();
    assert_eq!(session["type"], "session", "{session}");
}

/// A client that says hello as soon as it is connected to a code that does not exist reads the
/// `room_not_found` error and the 4004 close, and the close handshake completes: the server reads
/// what the client sent (its hello, then its close reply) instead of resetting the connection, which
/// would throw away whatever the client had not read yet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_room_answers_an_eager_hello_with_the_error_and_4004() {
    let server = TestServer::start().await;
    let hello = json!({"type": "hello", "rid": 1, "role": "participant"}).to_string();
    for i in 0..5 {
        let mut socket = RawSocket::open(&server, &format!("/ws/9999999{i}")).await;
        socket.send(&frame(0x81, hello.as_bytes(), true)).await;
        let (first, error) = socket.read_frame().await.expect("the error frame");
        assert_eq!(first, 0x81, "connection {i}");
        let error: Value = serde_json::from_slice(&error).unwrap();
        assert_eq!(error["code"], "room_not_found", "connection {i}: {error}");
        assert_eq!(socket.close_code().await, Some(4004), "connection {i}");
        let reply = socket
            .tcp
            .write_all(&frame(0x88, &1000u16.to_be_bytes(), true))
            .await;
        assert!(reply.is_ok(), "connection {i}: the server reset: {reply:?}");
        let mut rest = [0u8; 16];
        let end = tokio::time::timeout(WAIT, socket.tcp.read(&mut rest))
            .await
            .expect("the server ends the connection");
        assert_eq!(
            end.map_err(|e| e.kind()),
            Ok(0),
            "connection {i}: clean end"
        );
    }
}

#[tokio::test]
async fn hello_is_answered_by_a_session_with_its_rid() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let hellos = [
        json!({"type": "hello", "rid": 41, "role": "participant"}),
        json!({"type": "hello", "rid": 42, "role": "host", "host_key": room.host_key}),
        json!({"type": "hello", "rid": 43, "role": "presenter"}),
        json!({"type": "hello", "rid": 44, "role": "embed"}),
    ];
    for hello in hellos {
        let mut client = server.connect(&room.code).await;
        client.send_raw(&hello.to_string()).await;
        let session = client.recv().await;
        assert_eq!(session["type"], "session", "{session}");
        assert_eq!(session["rid"], hello["rid"], "{session}");
    }
    // Without a rid, the session carries none.
    let mut client = server.connect(&room.code).await;
    client
        .send_raw(&json!({"type": "hello", "role": "presenter"}).to_string())
        .await;
    let session = client.recv().await;
    assert_eq!(session["type"], "session");
    assert!(session.get("rid").is_none(), "{session}");
}

#[tokio::test]
async fn presenter_and_embed_connections_are_read_only() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let id = add(&mut host, poll("Q", &["A", "B"])).await;
    let before = host
        .ok(json!({"type": "navigate", "to": {"activity": id}}))
        .await["seq"]
        .as_u64()
        .unwrap();

    let presenter = server.presenter(&room.code).await;
    let mut embed = server.connect(&room.code).await;
    let reply = embed
        .request(json!({"type": "hello", "role": "embed"}))
        .await;
    assert_eq!(reply["type"], "session");
    let (ws, _) =
        tokio_tungstenite::connect_async(format!("{}/ws/{}/embed", server.ws_base, room.code))
            .await
            .unwrap();
    let mut embed_channel = Client::new(ws);
    assert_eq!(embed_channel.recv().await["type"], "welcome");
    let reply = embed_channel
        .request(json!({"type": "hello", "role": "embed"}))
        .await;
    assert_eq!(reply["type"], "session");

    for mut client in [presenter, embed, embed_channel] {
        for msg in [
            json!({"type": "react", "reaction": "clap"}),
            json!({"type": "vote", "activity": id, "options": [0]}),
            json!({"type": "set_voting", "activity": id, "open": false}),
            json!({"type": "list_people"}),
        ] {
            assert_eq!(client.err(msg.clone()).await, "read_only", "{msg}");
        }
    }
    // Nothing reached the log: the host's next command is the very next entry.
    let after = host
        .ok(json!({"type": "set_title", "title": "still mine"}))
        .await["seq"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before + 1);
    let view = host.wait_host_state(|v| v["title"] == "still mine").await;
    assert_eq!(view["deck"][0]["results"]["counts"], json!([0, 0]));
}
