//! Failover with real processes: server binaries sharing Redis behind HAProxy (Debian's
//! package), nodes killed with SIGKILL while phones vote, and Redis itself killed and restarted
//! with its append-only file. Phones here behave like the web page: on a lost connection they
//! reconnect with their token and send again what was not acknowledged.

use crate::support::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn redis_url() -> String {
    std::env::var("HANDSUP_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A server binary on a fixed port (so that it can come back where the balancer expects it).
struct Node {
    port: u16,
    dir: PathBuf,
    redis: String,
    prefix: String,
    process: Option<ServerProcess>,
}

impl Node {
    fn start(port: u16, dir: &Path, redis: &str, prefix: &str) -> Node {
        let mut node = Node {
            port,
            dir: dir.to_path_buf(),
            redis: redis.to_string(),
            prefix: prefix.to_string(),
            process: None,
        };
        node.restart();
        node
    }

    fn restart(&mut self) {
        let bind = format!("127.0.0.1:{}", self.port);
        self.process = Some(ServerProcess::start_on(
            &self.dir,
            &bind,
            &["--redis-url", &self.redis, "--redis-prefix", &self.prefix],
        ));
    }

    fn kill_9(&mut self) {
        if let Some(process) = self.process.take() {
            process.kill_9();
        }
    }

    /// SIGTERM, as a rolling deploy does, and waits for the process to finish.
    fn terminate(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(process.pid().to_string())
                .status();
            let _ = process.child.wait();
        }
    }

    async fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while reqwest::get(format!("http://127.0.0.1:{}/healthz", self.port))
            .await
            .map(|r| !r.status().is_success())
            .unwrap_or(true)
        {
            assert!(Instant::now() < deadline, "the node did not come back");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn ws_base(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }
}

/// HAProxy in front of the nodes, health-checking `/healthz`, no sticky sessions.
struct Balancer {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Balancer {
    async fn start(nodes: &[u16]) -> Balancer {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let servers: String = nodes
            .iter()
            .enumerate()
            .map(|(i, p)| format!("  server n{i} 127.0.0.1:{p} check\n"))
            .collect();
        let config = format!(
            "global\n  maxconn 5000\n\
             defaults\n  mode http\n  timeout connect 500ms\n  timeout client 30s\n  timeout server 30s\n  timeout tunnel 1h\n  retries 3\n  option redispatch\n\
             frontend phones\n  bind 127.0.0.1:{port}\n  default_backend nodes\n\
             backend nodes\n  balance roundrobin\n  option httpchk GET /healthz\n  http-check expect status 200\n  default-server inter 250ms fall 2 rise 1\n{servers}"
        );
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, config).expect("write haproxy.cfg");
        let child = std::process::Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("haproxy (apt-get install haproxy) must be installed");
        // Ready once it answers on its port.
        let deadline = Instant::now() + Duration::from_secs(10);
        while reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .map(|r| !r.status().is_success())
            .unwrap_or(true)
        {
            assert!(Instant::now() < deadline, "HAProxy did not come up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Balancer {
            child,
            port,
            _dir: dir,
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn ws_base(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Keys of a test's prefix, removed at the end.
struct Keys {
    url: String,
    prefix: String,
}

impl Drop for Keys {
    fn drop(&mut self) {
        let _ = handsup::store::redis::remove_prefix(&self.url, &self.prefix);
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Sends `msg` and waits for the reply with its rid (or, for `hello`, the session frame).
async fn ask(ws: &mut Socket, msg: &Value, wait: Duration) -> Option<Value> {
    ws.send(Message::Text(msg.to_string().into())).await.ok()?;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .ok()??
            .ok()?;
        let Message::Text(text) = frame else {
            if matches!(frame, Message::Close(_)) {
                return None;
            }
            continue;
        };
        let value: Value = serde_json::from_str(&text).ok()?;
        if value["rid"] == msg["rid"] || (msg["type"] == "hello" && value["type"] == "session") {
            return Some(value);
        }
    }
}

/// A session made over HTTP at `base`, its host on `ws_base` adding a poll and showing it.
/// Returns the join code and the poll's id.
async fn open_poll(
    base: &str,
    ws_base: &str,
    title: &str,
    question: &str,
    options: &[&str],
) -> (String, u64) {
    let created: Value = reqwest::Client::new()
        .post(format!("{base}/api/rooms"))
        .json(&json!({ "title": title }))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let code = created["code"].as_str().expect("code").to_string();
    let host_key = created["host_key"].as_str().expect("key").to_string();
    let mut host = connect_to(ws_base, &code).await;
    let session = host
        .request(json!({"type": "hello", "role": "host", "host_key": host_key}))
        .await;
    assert_eq!(session["type"], "session", "{session}");
    let id = add(&mut host, poll(question, options)).await;
    go_to(&mut host, id).await;
    (code, id)
}

/// What a phone went through.
struct PhoneRun {
    /// The option of its last acknowledged vote.
    acked: Option<u64>,
    /// The longest it took to get back in after losing its connection.
    longest_gap: Duration,
    reconnects: u32,
    /// Votes answered `unavailable` (not saved) and sent again.
    retries: u32,
}

/// A phone that joins through `ws_base`, then until `stop` changes its vote every so often,
/// surviving lost connections and refusals to save.
async fn resilient_phone(
    ws_base: String,
    code: String,
    activity: u64,
    seed: u64,
    stop: Arc<AtomicBool>,
) -> PhoneRun {
    let mut reconnects = 0;
    let mut retries = 0;
    let mut token: Option<String> = None;
    let mut acked: Option<u64> = None;
    let mut pending: Option<u64> = Some(seed % 3);
    let mut longest_gap = Duration::ZERO;
    let mut lost_at: Option<Instant> = None;
    let mut rid = 0u64;
    let mut turn = seed;
    'connect: loop {
        if stop.load(Ordering::Acquire) && pending.is_none() {
            return PhoneRun {
                acked,
                longest_gap,
                reconnects,
                retries,
            };
        }
        let Ok(Ok((mut ws, _))) = tokio::time::timeout(
            Duration::from_secs(2),
            tokio_tungstenite::connect_async(format!("{ws_base}/ws/{code}")),
        )
        .await
        else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        rid += 1;
        let mut hello = json!({"type": "hello", "role": "participant", "rid": rid});
        if let Some(token) = &token {
            hello["token"] = json!(token);
        }
        let Some(session) = ask(&mut ws, &hello, Duration::from_secs(3)).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        if session["type"] != "session" {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        token = session["token"].as_str().map(str::to_string);
        if let Some(at) = lost_at.take() {
            longest_gap = longest_gap.max(at.elapsed());
            reconnects += 1;
        }
        loop {
            if let Some(option) = pending {
                rid += 1;
                let vote =
                    json!({"type": "vote", "activity": activity, "options": [option], "rid": rid});
                // As the page does: a slow answer is waited for on the same connection (only
                // a lost connection sends the vote again elsewhere; a vote still on its way on
                // a connection given up could otherwise land after a newer one).
                match ask(&mut ws, &vote, Duration::from_secs(20)).await {
                    Some(reply) if reply["type"] == "ack" => {
                        acked = Some(option);
                    }
                    Some(reply) if reply["code"] == "unavailable" => {
                        // Not saved: try again shortly, as the page does.
                        retries += 1;
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                    Some(reply) => panic!("a vote was refused: {reply}"),
                    None => {
                        lost_at = Some(Instant::now());
                        continue 'connect;
                    }
                }
            }
            if stop.load(Ordering::Acquire) {
                return PhoneRun {
                    acked,
                    longest_gap,
                    reconnects,
                    retries,
                };
            }
            turn = turn
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            tokio::time::sleep(Duration::from_millis(300 + (turn >> 33) % 700)).await;
            pending = Some((turn >> 40) % 3);
        }
    }
}

/// The presenter's latest counts on `ws_base`, with the time between frames at its longest.
async fn watch_presenter(
    ws_base: String,
    code: String,
    stop: Arc<AtomicBool>,
) -> (Value, Duration) {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("{ws_base}/ws/{code}"))
        .await
        .expect("presenter connects");
    let hello = json!({"type": "hello", "role": "presenter", "rid": 1});
    ask(&mut ws, &hello, Duration::from_secs(5))
        .await
        .expect("presenter session");
    let mut last = Value::Null;
    let mut last_at = Instant::now();
    let mut longest = Duration::ZERO;
    while !stop.load(Ordering::Acquire) {
        match tokio::time::timeout(Duration::from_millis(200), ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let value: Value = serde_json::from_str(&text).expect("json");
                if value["type"] == "state" {
                    longest = longest.max(last_at.elapsed());
                    last_at = Instant::now();
                    last = value;
                }
            }
            Ok(Some(Ok(_))) | Err(_) => {}
            Ok(None) | Ok(Some(Err(_))) => panic!("the presenter's connection was lost"),
        }
    }
    (last, longest)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_killed_mid_vote_lose_nothing_and_their_phones_come_back_within_5_s() {
    let keys = Keys {
        url: redis_url(),
        prefix: format!("handsup-it:{}:", uuid::Uuid::new_v4().simple()),
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let mut nodes: Vec<Node> = ports
        .iter()
        .enumerate()
        .map(|(i, port)| {
            let node_dir = dir.path().join(format!("n{i}"));
            Node::start(*port, &node_dir, &keys.url, &keys.prefix)
        })
        .collect();
    let balancer = Balancer::start(&ports).await;

    // Made and hosted through the balancer; the screen sits on node 0, which is never killed.
    let (code, id) = open_poll(
        &balancer.base(),
        &balancer.ws_base(),
        "Failover",
        "Where next?",
        &["Park", "Hall", "Library"],
    )
    .await;

    let stop = Arc::new(AtomicBool::new(false));
    let screen = tokio::spawn(watch_presenter(
        nodes[0].ws_base(),
        code.clone(),
        Arc::clone(&stop),
    ));
    let phones: Vec<_> = (0..300u64)
        .map(|i| {
            tokio::spawn(resilient_phone(
                balancer.ws_base(),
                code.clone(),
                id,
                i * 7919 + 13,
                Arc::clone(&stop),
            ))
        })
        .collect();

    // Five times: kill -9 node 1 or 2 at a random moment, bring it back a moment later.
    let mut rng = 0x9e3779b97f4a7c15u64;
    tokio::time::sleep(Duration::from_secs(2)).await;
    for _ in 0..5 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let victim = 1 + (rng % 2) as usize;
        tokio::time::sleep(Duration::from_millis(300 + rng % 900)).await;
        nodes[victim].kill_9();
        tokio::time::sleep(Duration::from_millis(700)).await;
        nodes[victim].restart();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Release);

    let mut expected = vec![0u64; 3];
    let mut slowest = Duration::ZERO;
    let mut reconnects = 0;
    for phone in phones {
        let run = phone.await.expect("phone");
        expected[run.acked.expect("every phone got a vote in") as usize] += 1;
        slowest = slowest.max(run.longest_gap);
        reconnects += run.reconnects;
    }
    // Each kill took the phones on that node with it (a restarted node has fewer).
    assert!(reconnects >= 5 * 20, "only {reconnects} reconnections");
    assert!(
        slowest <= Duration::from_secs(5),
        "a phone took {slowest:?} to get back in"
    );
    let (_, longest_silence) = screen.await.expect("screen");
    assert!(
        longest_silence < Duration::from_secs(2),
        "the screen on a surviving node stalled for {longest_silence:?}"
    );
    eprintln!(
        "failover: {reconnects} reconnections, slowest back in {slowest:?}, the screen's longest silence {longest_silence:?}"
    );
    // Every acknowledged last vote, counted once, on every node.
    for node in &nodes {
        let mut screen = connect_to(&node.ws_base(), &code).await;
        screen
            .request(json!({"type": "hello", "role": "presenter"}))
            .await;
        let view = screen.wait_state(|v| counts(v) == expected).await;
        assert_eq!(view["activity"]["results"]["voters"], 300);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_of_every_node_during_a_poll_keeps_the_session_going() {
    let keys = Keys {
        url: redis_url(),
        prefix: format!("handsup-it:{}:", uuid::Uuid::new_v4().simple()),
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let mut nodes: Vec<Node> = ports
        .iter()
        .enumerate()
        .map(|(i, port)| {
            Node::start(
                *port,
                &dir.path().join(format!("n{i}")),
                &keys.url,
                &keys.prefix,
            )
        })
        .collect();
    let balancer = Balancer::start(&ports).await;
    let (code, id) = open_poll(
        &balancer.base(),
        &balancer.ws_base(),
        "Rolling",
        "Which day?",
        &["Mon", "Wed", "Fri"],
    )
    .await;

    let stop = Arc::new(AtomicBool::new(false));
    let phones: Vec<_> = (0..150u64)
        .map(|i| {
            tokio::spawn(resilient_phone(
                balancer.ws_base(),
                code.clone(),
                id,
                i * 31 + 5,
                Arc::clone(&stop),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Every node in turn: stopped as a deploy stops it, started again, healthy before the next.
    for node in nodes.iter_mut() {
        node.terminate();
        tokio::time::sleep(Duration::from_millis(300)).await;
        node.restart();
        node.wait_healthy().await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Release);
    let mut expected = vec![0u64; 3];
    let (mut reconnects, mut slowest) = (0, Duration::ZERO);
    for phone in phones {
        let run = phone.await.expect("phone");
        expected[run.acked.expect("every phone got a vote in") as usize] += 1;
        reconnects += run.reconnects;
        slowest = slowest.max(run.longest_gap);
    }
    assert!(reconnects >= 100, "every node's phones moved: {reconnects}");
    assert!(
        slowest <= Duration::from_secs(5),
        "a phone took {slowest:?} to get back in"
    );
    for node in &nodes {
        let mut screen = connect_to(&node.ws_base(), &code).await;
        screen
            .request(json!({"type": "hello", "role": "presenter"}))
            .await;
        let view = screen.wait_state(|v| counts(v) == expected).await;
        assert_eq!(view["activity"]["results"]["voters"], 150);
    }
}

/// A Redis of the test's own, persisting with `appendfsync always`, that can be killed.
struct OwnRedis {
    child: Option<std::process::Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl OwnRedis {
    async fn start() -> OwnRedis {
        let mut redis = OwnRedis {
            child: None,
            port: free_port(),
            dir: tempfile::tempdir().expect("temp dir"),
        };
        redis.restart().await;
        redis
    }

    async fn restart(&mut self) {
        let child = std::process::Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server must be installed");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(client) = redis::Client::open(self.url())
                && let Ok(mut conn) = client.get_connection()
                && redis::cmd("PING").query::<String>(&mut conn).is_ok()
            {
                return;
            }
            assert!(Instant::now() < deadline, "redis-server did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn kill_9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill_9();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_and_restarted_with_its_append_only_file_loses_no_acknowledged_vote() {
    let mut redis = OwnRedis::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let prefix = "handsup:";
    let nodes: Vec<Node> = (0..2)
        .map(|i| {
            Node::start(
                free_port(),
                &dir.path().join(format!("n{i}")),
                &redis.url(),
                prefix,
            )
        })
        .collect();
    let first = &nodes[0];
    let (code, id) = open_poll(
        &format!("http://127.0.0.1:{}", first.port),
        &first.ws_base(),
        "Persistent",
        "Keep it?",
        &["Yes", "No", "Later"],
    )
    .await;

    let stop = Arc::new(AtomicBool::new(false));
    let phones: Vec<_> = (0..100u64)
        .map(|i| {
            tokio::spawn(resilient_phone(
                nodes[(i % 2) as usize].ws_base(),
                code.clone(),
                id,
                i * 104_729 + 7,
                Arc::clone(&stop),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    redis.kill_9();
    // Meanwhile the nodes say so, and refuse changes rather than pretend.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let health: Value = reqwest::get(format!("http://127.0.0.1:{}/healthz", first.port))
        .await
        .expect("healthz")
        .json()
        .await
        .expect("json");
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["redis"], "unavailable");
    tokio::time::sleep(Duration::from_millis(500)).await;
    redis.restart().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Release);

    let mut expected = vec![0u64; 3];
    let mut retries = 0;
    for phone in phones {
        let run = phone.await.expect("phone");
        expected[run.acked.expect("every phone got a vote in") as usize] += 1;
        retries += run.retries + run.reconnects;
    }
    assert!(retries > 0, "nobody noticed Redis was gone");
    eprintln!("redis restart: {retries} votes sent again or reconnections");
    for node in &nodes {
        let mut screen = connect_to(&node.ws_base(), &code).await;
        screen
            .request(json!({"type": "hello", "role": "presenter"}))
            .await;
        let view = screen.wait_state(|v| counts(v) == expected).await;
        assert_eq!(view["activity"]["results"]["voters"], 100);
    }
    // A node started now reads the same room back from the restarted Redis.
    let late = Node::start(free_port(), &dir.path().join("late"), &redis.url(), prefix);
    let mut screen = connect_to(&late.ws_base(), &code).await;
    screen
        .request(json!({"type": "hello", "role": "presenter"}))
        .await;
    screen.wait_state(|v| counts(v) == expected).await;
}
