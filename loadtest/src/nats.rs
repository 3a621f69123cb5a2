//! The reference broadcaster: the same fan-out shape through nats-server's WebSocket listener.
//! N subscribers (in the workers) on one subject, one publisher (in the coordinator, plain TCP)
//! at the participant tick rate; each payload carries its sequence number and publish time.

use crate::net::{self, Ws};
use crate::sys::now_us;
use crate::worker::{Action, Ctx};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::OwnedSemaphorePermit;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_tungstenite::tungstenite::Message;

pub const SUBJECT: &str = "bench.frames";

/// A nats-server of our own: its config directory and process.
pub struct NatsServer {
    pub child: Child,
    pub dir: PathBuf,
    pub pid: u32,
    pub ws_port: u16,
}

/// One node of a nats-server cluster: its route port, the other nodes' route ports, and its
/// monitoring port (to see the routes come up).
pub struct Route {
    pub name: String,
    pub port: u16,
    pub peers: Vec<u16>,
    pub monitor: u16,
}

/// Starts nats-server with a WebSocket listener on 127.0.0.1 and waits until it accepts.
pub async fn start(bin: &Path, port: u16, ws_port: u16) -> Result<NatsServer, String> {
    start_node(bin, port, ws_port, None).await
}

/// Starts `n` nats-server nodes joined by routes (node k: client `port + k`, WebSocket
/// `ws_port + k`, route `route_port + k`) and waits until every node sees the other `n - 1`.
pub async fn start_cluster(
    bin: &Path,
    n: usize,
    port: u16,
    ws_port: u16,
    route_port: u16,
) -> Result<Vec<NatsServer>, String> {
    let offset = |base: u16, k: usize| -> Result<u16, String> {
        base.checked_add(k as u16)
            .ok_or_else(|| format!("port {base} + {k} is past 65535"))
    };
    let monitors = net::free_ports(n)?;
    let mut routes = Vec::new();
    for k in 0..n {
        routes.push(offset(route_port, k)?);
    }
    let mut nodes: Vec<NatsServer> = Vec::new();
    for k in 0..n {
        let route = Route {
            name: format!("loadtest-{k}"),
            port: routes[k],
            peers: (0..n).filter(|j| *j != k).map(|j| routes[j]).collect(),
            monitor: monitors[k],
        };
        let started = match (offset(port, k), offset(ws_port, k)) {
            (Ok(p), Ok(w)) => start_node(bin, p, w, Some(&route)).await,
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        match started {
            Ok(node) => nodes.push(node),
            Err(e) => {
                for node in nodes {
                    node.stop().await;
                }
                return Err(e);
            }
        }
    }
    // Every node must see every other before anyone subscribes.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut ready = true;
        for monitor in &monitors {
            let addr = SocketAddr::from(([127, 0, 0, 1], *monitor));
            let routes = match net::http(addr, "GET", "/routez", None).await {
                Ok((200, body)) => serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["num_routes"].as_u64())
                    .unwrap_or(0),
                _ => 0,
            };
            ready &= routes as usize >= n - 1;
        }
        if ready {
            return Ok(nodes);
        }
        if Instant::now() >= deadline {
            for node in nodes {
                node.stop().await;
            }
            return Err(format!(
                "the {n} nats-server nodes did not all see each other's routes within 20 s"
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn start_node(
    bin: &Path,
    port: u16,
    ws_port: u16,
    route: Option<&Route>,
) -> Result<NatsServer, String> {
    let dir = std::env::temp_dir().join(format!(
        "loadtest-nats-{}-{}-{port}",
        std::process::id(),
        now_us()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let conf = dir.join("nats.conf");
    let mut text = format!(
        "host: \"127.0.0.1\"\nport: {port}\nmax_connections: 200000\nmax_payload: 1048576\n\
         write_deadline: \"10s\"\nwebsocket {{\n  host: \"127.0.0.1\"\n  port: {ws_port}\n  \
         no_tls: true\n  compression: false\n}}\n"
    );
    if let Some(route) = route {
        let peers: Vec<String> = route
            .peers
            .iter()
            .map(|p| format!("\"nats-route://127.0.0.1:{p}\""))
            .collect();
        text.push_str(&format!(
            "server_name: \"{}\"\nhttp: \"127.0.0.1:{}\"\ncluster {{\n  name: \"loadtest\"\n  \
             host: \"127.0.0.1\"\n  port: {}\n  routes: [{}]\n}}\n",
            route.name,
            route.monitor,
            route.port,
            peers.join(", ")
        ));
    }
    std::fs::write(&conf, text).map_err(|e| format!("{}: {e}", conf.display()))?;
    let log = std::fs::File::create(dir.join("nats.log")).map_err(|e| e.to_string())?;
    let child = Command::new(bin)
        .arg("-c")
        .arg(&conf)
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let pid = child.id().ok_or("nats-server exited at once")?;
    let ws_addr = SocketAddr::from(([127, 0, 0, 1], ws_port));
    for _ in 0..100 {
        if net::tcp(ws_addr, None).await.is_ok() {
            return Ok(NatsServer {
                child,
                dir,
                pid,
                ws_port,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!(
        "nats-server did not listen on {ws_addr} within 10 s (see {})",
        dir.join("nats.log").display()
    ))
}

impl NatsServer {
    /// SIGTERM, then SIGKILL if it has not gone within 10 s; removes the config directory.
    pub async fn stop(mut self) {
        crate::sys::signal(self.pid, libc::SIGTERM);
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A NATS protocol reader over a byte stream (WebSocket messages may split or join operations).
#[derive(Default)]
struct Parser {
    buf: Vec<u8>,
}

enum Op {
    Msg(Vec<u8>),
    Ping,
    Pong,
    Err(String),
    Other,
}

impl Parser {
    fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete operation, if the buffer holds one.
    fn next_op(&mut self) -> Option<Op> {
        let end = self.buf.windows(2).position(|w| w == b"\r\n")?;
        let line = String::from_utf8_lossy(&self.buf[..end]).to_string();
        if let Some(rest) = line.strip_prefix("MSG ") {
            // MSG <subject> <sid> [reply-to] <#bytes>
            let size: usize = rest.split_whitespace().last()?.parse().ok()?;
            let start = end + 2;
            if self.buf.len() < start + size + 2 {
                return None;
            }
            let payload = self.buf[start..start + size].to_vec();
            self.buf.drain(..start + size + 2);
            return Some(Op::Msg(payload));
        }
        self.buf.drain(..end + 2);
        Some(if line.starts_with("PING") {
            Op::Ping
        } else if line.starts_with("PONG") {
            Op::Pong
        } else if let Some(err) = line.strip_prefix("-ERR") {
            Op::Err(err.trim().to_string())
        } else {
            Op::Other
        })
    }
}

#[derive(Deserialize)]
struct Payload {
    s: u64,
    t: u64,
}

async fn send(ws: &mut Ws, text: &str) -> Result<(), String> {
    tokio::time::timeout(
        Duration::from_secs(10),
        ws.send(Message::Binary(text.as_bytes().to_vec().into())),
    )
    .await
    .map_err(|_| "send timeout".to_string())?
    .map_err(|e| format!("send: {e}"))
}

/// Connects over WebSocket to `node`, subscribes, and waits for the PONG that confirms the
/// subscription.
async fn subscribe(ctx: &Ctx, node: usize) -> Result<(Ws, Parser), String> {
    let (server, url) = ctx.endpoint(node);
    let mut ws = net::websocket(server, ctx.source(), url).await?;
    let mut parser = Parser::default();
    send(
        &mut ws,
        &format!(
            "CONNECT {{\"verbose\":false,\"pedantic\":false,\"lang\":\"rust\",\"version\":\"0\",\
             \"protocol\":1,\"echo\":false}}\r\nSUB {SUBJECT} 1\r\nPING\r\n"
        ),
    )
    .await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        while let Some(op) = parser.next_op() {
            match op {
                Op::Pong => return Ok((ws, parser)),
                Op::Ping => send(&mut ws, "PONG\r\n").await?,
                Op::Err(e) => return Err(format!("nats: {e}")),
                Op::Msg(_) | Op::Other => {}
            }
        }
        let message = tokio::time::timeout_at(deadline, ws.next())
            .await
            .map_err(|_| "timeout waiting for PONG".to_string())?;
        match message {
            Some(Ok(Message::Binary(b))) => parser.push(&b),
            Some(Ok(Message::Text(t))) => parser.push(t.as_bytes()),
            Some(Ok(Message::Close(_))) | None => return Err("closed".to_string()),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(format!("websocket: {e}")),
        }
    }
}

/// One NATS subscriber over WebSocket, the counterpart of a phone.
pub async fn subscriber(
    ctx: Arc<Ctx>,
    index: usize,
    mut rx: UnboundedReceiver<Action>,
    permit: OwnedSemaphorePermit,
) {
    let started = Instant::now();
    {
        let mut stats = ctx.stats();
        if stats.first_start_us == 0 {
            stats.first_start_us = now_us();
        }
    }
    let node = ctx.node_of(index);
    let subscribed = subscribe(&ctx, node).await;
    drop(permit);
    let (mut ws, mut parser) = match subscribed {
        Ok(pair) => {
            let mut stats = ctx.stats();
            ctx.connected_to(&mut stats, node);
            stats
                .connect_hist
                .record(started.elapsed().as_micros() as u64);
            stats.last_done_us = stats.last_done_us.max(now_us());
            pair
        }
        Err(error) => {
            let mut stats = ctx.stats();
            ctx.connect_failed(&mut stats, error);
            drop(stats);
            ctx.alive.fetch_sub(1, Ordering::AcqRel);
            return;
        }
    };
    loop {
        tokio::select! {
            message = ws.next() => {
                let bytes = match message {
                    Some(Ok(Message::Binary(b))) => b.to_vec(),
                    Some(Ok(Message::Text(t))) => t.as_bytes().to_vec(),
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                        *ctx.stats().server_closes.entry("closed".into()).or_insert(0) += 1;
                        break;
                    }
                    Some(Ok(_)) => continue,
                };
                let at = now_us();
                parser.push(&bytes);
                let mut pong = false;
                {
                    let mut stats = ctx.stats();
                    while let Some(op) = parser.next_op() {
                        match op {
                            Op::Msg(payload) => {
                                ctx.count_frame(&mut stats, payload.len());
                                stats.state_frames += 1;
                                stats.state_bytes += payload.len() as u64;
                                if let Ok(p) = serde_json::from_slice::<Payload>(&payload) {
                                    stats.record_latency(at.saturating_sub(p.t));
                                    // Every node relays the same message: one frame.
                                    ctx.sample(&mut stats, p.s, at, 0);
                                }
                            }
                            Op::Ping => pong = true,
                            Op::Err(e) => *stats.errors.entry(e).or_insert(0) += 1,
                            Op::Pong | Op::Other => {}
                        }
                    }
                }
                if pong && send(&mut ws, "PONG\r\n").await.is_err() {
                    break;
                }
            }
            action = rx.recv() => {
                if matches!(action, None | Some(Action::Close)) {
                    let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
                    break;
                }
            }
        }
    }
    ctx.alive.fetch_sub(1, Ordering::AcqRel);
}

/// A payload of `size` bytes (at least the header) carrying `seq` and the publish time.
pub fn payload(seq: u64, at_us: u64, size: usize) -> String {
    let head = format!("{{\"s\":{seq},\"t\":{at_us},\"p\":\"");
    let pad = size.saturating_sub(head.len() + 2);
    format!("{head}{}\"}}", "x".repeat(pad))
}

/// Publishes one payload every `interval` for `duration` over plain TCP; returns how many.
pub async fn publish(
    addr: SocketAddr,
    interval: Duration,
    size: usize,
    duration: Duration,
) -> Result<u64, String> {
    let stream = net::tcp(addr, None).await?;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let wait = Duration::from_secs(10);
    let info = tokio::time::timeout(wait, lines.next_line())
        .await
        .map_err(|_| "nats: no INFO".to_string())?
        .map_err(|e| format!("nats: {e}"))?
        .unwrap_or_default();
    if !info.starts_with("INFO") {
        return Err(format!("nats: expected INFO, got {info:?}"));
    }
    write
        .write_all(
            b"CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"loadtest-publisher\",\
              \"lang\":\"rust\",\"version\":\"0\",\"protocol\":1}\r\nPING\r\n",
        )
        .await
        .map_err(|e| format!("nats: {e}"))?;
    loop {
        let line = tokio::time::timeout(wait, lines.next_line())
            .await
            .map_err(|_| "nats: no PONG".to_string())?
            .map_err(|e| format!("nats: {e}"))?
            .ok_or("nats: closed")?;
        if line.starts_with("PONG") {
            break;
        }
        if line.starts_with("-ERR") {
            return Err(format!("nats: {line}"));
        }
    }
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let end = tokio::time::Instant::now() + duration;
    let mut seq = 0u64;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if tokio::time::Instant::now() >= end {
                    break;
                }
                seq += 1;
                let body = payload(seq, now_us(), size);
                let op = format!("PUB {SUBJECT} {}\r\n{body}\r\n", body.len());
                write.write_all(op.as_bytes()).await.map_err(|e| format!("nats publish: {e}"))?;
            }
            line = lines.next_line() => {
                match line {
                    Ok(Some(l)) if l.starts_with("PING") => {
                        write.write_all(b"PONG\r\n").await.map_err(|e| format!("nats: {e}"))?;
                    }
                    Ok(Some(l)) if l.starts_with("-ERR") => return Err(format!("nats: {l}")),
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => return Err("nats: publisher connection closed".into()),
                }
            }
        }
    }
    let _ = write.shutdown().await;
    Ok(seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parser_handles_split_and_joined_operations() {
        let mut p = Parser::default();
        p.push(b"INFO {}\r\nMSG bench.frames 1 5\r\nhel");
        assert!(matches!(p.next_op(), Some(Op::Other)));
        assert!(p.next_op().is_none());
        p.push(b"lo\r\nPING\r\nMSG a 1 r 2\r\nab\r\n");
        assert!(matches!(p.next_op(), Some(Op::Msg(m)) if m == b"hello"));
        assert!(matches!(p.next_op(), Some(Op::Ping)));
        assert!(matches!(p.next_op(), Some(Op::Msg(m)) if m == b"ab"));
        assert!(p.next_op().is_none());
    }

    #[test]
    fn payloads_have_the_requested_size_and_parse() {
        let body = payload(7, 1_700_000_000_000_000, 100);
        assert_eq!(body.len(), 100);
        let p: Payload = serde_json::from_str(&body).unwrap();
        assert_eq!((p.s, p.t), (7, 1_700_000_000_000_000));
    }
}
