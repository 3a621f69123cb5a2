//! A real server on 127.0.0.1:0 and real WebSocket clients, for asserting what users see.

use futures_util::{SinkExt, StreamExt};
use handsup::config::Config;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const WAIT: Duration = Duration::from_secs(10);

pub struct TestServer {
    pub base: String,
    pub ws_base: String,
    pub data_dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    pub http: reqwest::Client,
}

pub struct Created {
    pub code: String,
    pub host_key: String,
    pub body: Value,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().to_path_buf();
        let mut server = TestServer::start_with(&dir, |_| {}).await;
        server._temp = Some(temp);
        server
    }

    pub async fn start_with(dir: &Path, tweak: impl FnOnce(&mut Config)) -> TestServer {
        let mut config = Config::for_data_dir(dir.to_path_buf());
        tweak(&mut config);
        let state = handsup::open(config).await.expect("open server");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            handsup::run(state, listener, async {
                let _ = stopped.await;
            })
            .await
            .expect("server run");
        });
        TestServer {
            base: format!("http://{addr}"),
            ws_base: format!("ws://{addr}"),
            data_dir: dir.to_path_buf(),
            _temp: None,
            stop: Some(stop),
            task: Some(task),
            http: reqwest::Client::new(),
        }
    }

    /// Stops the server the way SIGTERM does and waits until it has flushed its log.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(WAIT, task).await;
        }
    }

    /// Stops this server and starts a new one on the same data directory (and temp dir).
    pub async fn restart(mut self) -> TestServer {
        self.stop().await;
        let temp = self._temp.take();
        let mut next = TestServer::start_with(&self.data_dir, |_| {}).await;
        next._temp = temp;
        next
    }

    pub async fn create_room(&self, title: &str) -> Created {
        let response = self
            .http
            .post(format!("{}/api/rooms", self.base))
            .json(&json!({ "title": title }))
            .send()
            .await
            .expect("create room");
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, 201, "{body}");
        Created {
            code: body["code"].as_str().expect("code").to_string(),
            host_key: body["host_key"].as_str().expect("key").to_string(),
            body,
        }
    }

    pub async fn connect(&self, code: &str) -> Client {
        connect_to(&self.ws_base, code).await
    }

    pub async fn host(&self, room: &Created) -> Client {
        host_at(&self.ws_base, &room.code, &room.host_key).await
    }

    pub async fn presenter(&self, code: &str) -> Client {
        presenter_at(&self.ws_base, code).await
    }

    pub async fn participant(&self, code: &str, token: Option<&str>, name: Option<&str>) -> Client {
        participant_at(&self.ws_base, code, token, name).await
    }
}

/// The host of `code` on the server at `ws_base`, with its first host view read.
pub async fn host_at(ws_base: &str, code: &str, host_key: &str) -> Client {
    let mut client = connect_to(ws_base, code).await;
    let reply = client
        .request(json!({"type": "hello", "role": "host", "host_key": host_key}))
        .await;
    assert_eq!(reply["type"], "session", "{reply}");
    client.wait_host_state(|_| true).await;
    client
}

/// A presenter screen of `code` on the server at `ws_base`, with its first view read.
pub async fn presenter_at(ws_base: &str, code: &str) -> Client {
    let mut client = connect_to(ws_base, code).await;
    let reply = client
        .request(json!({"type": "hello", "role": "presenter"}))
        .await;
    assert_eq!(reply["type"], "session", "{reply}");
    client.wait_state(|_| true).await;
    client
}

/// A participant of `code` on the server at `ws_base` (new, or back with `token`).
pub async fn participant_at(
    ws_base: &str,
    code: &str,
    token: Option<&str>,
    name: Option<&str>,
) -> Client {
    let mut client = connect_to(ws_base, code).await;
    let mut hello = json!({"type": "hello", "role": "participant"});
    if let Some(token) = token {
        hello["token"] = json!(token);
    }
    if let Some(name) = name {
        hello["name"] = json!(name);
    }
    let reply = client.request(hello).await;
    assert_eq!(reply["type"], "session", "{reply}");
    client.token = reply["token"].as_str().map(str::to_string);
    client.participant = reply["participant"].as_str().map(str::to_string);
    client.wait_state(|_| true).await;
    client
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A WebSocket client that keeps the latest room frames while it waits for replies.
pub struct Client {
    pub ws: Ws,
    next_rid: u64,
    pub token: Option<String>,
    pub participant: Option<String>,
    pub state: Option<Value>,
    pub host_state: Option<Value>,
    pub me: Option<Value>,
    /// Frames that were neither room state nor replies (errors without rid, etc.).
    pub other: Vec<Value>,
    pub closed: Option<u16>,
}

impl Client {
    pub fn new(ws: Ws) -> Client {
        Client {
            ws,
            next_rid: 1,
            token: None,
            participant: None,
            state: None,
            host_state: None,
            me: None,
            other: Vec::new(),
            closed: None,
        }
    }

    /// The next frame of any kind, parsed; remembers room frames as it goes.
    pub async fn recv(&mut self) -> Value {
        self.try_recv(WAIT)
            .await
            .expect("a frame before the timeout")
    }

    pub async fn try_recv(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let message = tokio::time::timeout(wait, self.ws.next()).await.ok()??;
            match message {
                Ok(Message::Text(text)) => {
                    let value: Value = serde_json::from_str(&text).expect("server sends JSON");
                    match value["type"].as_str() {
                        Some("state") => self.state = Some(value.clone()),
                        Some("host_state") => self.host_state = Some(value.clone()),
                        Some("me") => self.merge_me(&value),
                        _ => {}
                    }
                    return Some(value);
                }
                Ok(Message::Close(frame)) => {
                    self.closed = Some(frame.map(|f| u16::from(f.code)).unwrap_or(1005));
                    return None;
                }
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }

    fn merge_me(&mut self, value: &Value) {
        if value["full"] == true || self.me.is_none() {
            self.me = Some(value.clone());
        } else if let Some(me) = self.me.as_mut()
            && let (Some(all), Some(new)) =
                (me["answers"].as_object_mut(), value["answers"].as_object())
        {
            for (k, v) in new {
                all.insert(k.clone(), v.clone());
            }
        }
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.ws
            .send(Message::Text(text.to_string().into()))
            .await
            .expect("send");
    }

    /// Sends a request with a fresh rid and returns the reply with that rid (ack, error, or for
    /// hello the session frame).
    pub async fn request(&mut self, mut msg: Value) -> Value {
        let rid = self.next_rid;
        self.next_rid += 1;
        msg["rid"] = json!(rid);
        let is_hello = msg["type"] == "hello";
        self.send_raw(&msg.to_string()).await;
        loop {
            let frame = self.recv().await;
            if frame["rid"] == json!(rid) {
                return frame;
            }
            if is_hello && frame["type"] == "session" {
                return frame;
            }
            if !matches!(frame["type"].as_str(), Some("state" | "host_state" | "me")) {
                self.other.push(frame);
            }
        }
    }

    /// Sends a request and asserts it was acknowledged.
    pub async fn ok(&mut self, msg: Value) -> Value {
        let reply = self.request(msg.clone()).await;
        assert_eq!(reply["type"], "ack", "{msg} got {reply}");
        reply
    }

    /// Sends a request and returns the error code it got.
    pub async fn err(&mut self, msg: Value) -> String {
        let reply = self.request(msg.clone()).await;
        assert_eq!(reply["type"], "error", "{msg} got {reply}");
        reply["code"].as_str().unwrap_or_default().to_string()
    }

    /// Waits until the latest public view satisfies `pred`; returns that view.
    pub async fn wait_state(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(state) = &self.state
                && pred(&state["view"])
            {
                return state["view"].clone();
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(
                !left.is_zero(),
                "state never matched; last: {}",
                self.state
                    .as_ref()
                    .map(|s| s["view"].to_string())
                    .unwrap_or_default()
            );
            let _ = self.try_recv(left).await;
        }
    }

    pub async fn wait_host_state(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(state) = &self.host_state
                && pred(&state["view"])
            {
                return state["view"].clone();
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(
                !left.is_zero(),
                "host state never matched; last: {}",
                self.host_state
                    .as_ref()
                    .map(|s| s["view"].to_string())
                    .unwrap_or_default()
            );
            let _ = self.try_recv(left).await;
        }
    }

    /// Waits for the connection to close; returns the close code.
    pub async fn wait_closed(&mut self) -> u16 {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.closed.is_none() {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(!left.is_zero(), "connection never closed");
            if self.try_recv(left).await.is_none() && self.closed.is_none() {
                return 1006;
            }
        }
        self.closed.unwrap_or(1006)
    }
}

/// A poll spec as the host sends it.
pub fn poll(question: &str, options: &[&str]) -> Value {
    json!({"kind": "poll", "question": question, "options": options})
}

/// Adds an activity and returns its id.
pub async fn add(host: &mut Client, spec: Value) -> u64 {
    let ack = host.ok(json!({"type": "add_activity", "spec": spec})).await;
    ack["id"].as_u64().expect("activity id")
}

pub async fn go_to(host: &mut Client, activity: u64) {
    host.ok(json!({"type": "navigate", "to": {"activity": activity}}))
        .await;
}

/// Poll counts from a view's current activity.
pub fn counts(view: &Value) -> Vec<u64> {
    view["activity"]["results"]["counts"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

impl Client {
    /// The code of the next error frame (for frames sent without a rid).
    pub async fn recv_error(&mut self) -> String {
        loop {
            let frame = self.recv().await;
            if frame["type"] == "error" {
                return frame["code"].as_str().unwrap_or_default().to_string();
            }
        }
    }
}

impl Client {
    /// Waits until the participant's own answers satisfy `pred` (the `me` frame follows the ack).
    pub async fn wait_me(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(me) = &self.me
                && pred(me)
            {
                return me.clone();
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(!left.is_zero(), "me never matched; last: {:?}", self.me);
            let _ = self.try_recv(left).await;
        }
    }
}

impl TestServer {
    /// An activity's CSV export, fetched with the room's host key.
    pub async fn export_csv(&self, room: &Created, activity: u64) -> String {
        self.http
            .get(format!(
                "{}/api/rooms/{}/activities/{activity}/export.csv",
                self.base, room.code
            ))
            .bearer_auth(&room.host_key)
            .send()
            .await
            .expect("export request")
            .text()
            .await
            .expect("export body")
    }

    /// The session's report as anyone without the host key gets it (once it is published).
    pub async fn public_report(&self, room: &Created) -> Value {
        self.http
            .get(format!("{}/api/rooms/{}/report.json", self.base, room.code))
            .send()
            .await
            .expect("report request")
            .json()
            .await
            .expect("report JSON")
    }

    /// A server with its own temp dir and some configuration changed.
    pub async fn start_tweaked(tweak: impl FnOnce(&mut Config)) -> TestServer {
        let temp = tempfile::tempdir().expect("temp dir");
        let mut server = TestServer::start_with(temp.path(), tweak).await;
        server._temp = Some(temp);
        server
    }
}

/// The server binary as a child process on a free port, with its data in `dir`.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub base: String,
    pub ws_base: String,
}

impl ServerProcess {
    pub fn start(dir: &Path, extra: &[&str]) -> ServerProcess {
        ServerProcess::start_on(dir, "127.0.0.1:0", extra)
    }

    /// The server binary listening on `bind`.
    pub fn start_on(dir: &Path, bind: &str, extra: &[&str]) -> ServerProcess {
        use std::io::{BufRead, BufReader};
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_handsup"))
            .args(["--bind", bind, "--data-dir"])
            .arg(dir)
            .args(extra)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the server binary");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server prints its address")
                .expect("read");
            if let Some(at) = line.find("running at ") {
                break line[at + "running at ".len()..]
                    .trim()
                    .trim_end_matches('/')
                    .to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let ws_base = base.replace("http://", "ws://");
        ServerProcess {
            child,
            base,
            ws_base,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the server process, from /proc.
    pub fn rss_bytes(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .unwrap_or(0)
    }

    pub fn kill_9(mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }

    pub async fn create_room(&self) -> (String, String) {
        let body: Value = reqwest::Client::new()
            .post(format!("{}/api/rooms", self.base))
            .json(&json!({"title": "process"}))
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json");
        (
            body["code"].as_str().expect("code").to_string(),
            body["host_key"].as_str().expect("key").to_string(),
        )
    }

    pub async fn connect(&self, code: &str) -> Client {
        connect_to(&self.ws_base, code).await
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client connected to `ws_base` that has read its `welcome`.
pub async fn connect_to(ws_base: &str, code: &str) -> Client {
    let (ws, _) = tokio_tungstenite::connect_async(format!("{ws_base}/ws/{code}"))
        .await
        .expect("websocket connect");
    let mut client = Client::new(ws);
    let welcome = client.recv().await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    client
}
