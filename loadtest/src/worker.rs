//! A worker process: one share of the audience. It reads its configuration and then commands from
//! stdin (one JSON object per line), drives its clients, and answers on stdout. It exits by itself
//! at its deadline whatever happens, and when stdin closes.

use crate::hist::Hist;
use crate::net::{self, Ws};
use crate::sys::{self, now_us};
use crate::wire::{
    ConnectedReport, FromWorker, Phase, PhaseReport, SteadyAction, Target, ToWorker, WorkerConfig,
    WorkerReport,
};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::Hasher;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_tungstenite::tungstenite::Message;

/// How long a request may wait for its answer before the phase stops waiting for it.
const SETTLE: Duration = Duration::from_secs(30);
/// Most requests one client has in flight (a phone sends one answer at a time).
const STEP: Duration = Duration::from_secs(10);

/// A small, fast, seeded random number generator (SplitMix64): runs are repeatable.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What a worker tells one of its clients to do.
#[derive(Debug)]
pub enum Action {
    /// Vote for this option, or (None) for another option than the current one.
    Vote {
        activity: u32,
        option: Option<u32>,
    },
    Idea {
        activity: u32,
        text: String,
    },
    Dots {
        activity: u32,
        ideas: Vec<u32>,
    },
    Words {
        activity: u32,
        count: u32,
    },
    /// Leave, wait, come back with the token; maybe vote again.
    Bounce {
        activity: u32,
        pause_ms: u64,
        revote: bool,
    },
    Close,
}

/// Everything the clients of one worker record.
#[derive(Default)]
pub struct Stats {
    pub connected: usize,
    pub failed: usize,
    pub connect_errors: BTreeMap<String, u64>,
    pub first_start_us: u64,
    pub last_done_us: u64,
    pub connect_hist: Hist,
    pub reconnect_hist: Hist,
    pub reconnects: u64,
    pub reconnect_failed: u64,
    pub frames_received: u64,
    pub state_frames: u64,
    pub state_bytes: u64,
    pub bytes_received: u64,
    pub requests_sent: u64,
    pub acked: u64,
    pub errors: BTreeMap<String, u64>,
    pub ack_hist: Hist,
    pub acks: Vec<(u64, u64, u32)>,
    pub connected_per_node: Vec<usize>,
    pub max_seq: u64,
    pub poll_choice: Vec<Option<u32>>,
    pub dots: Vec<u32>,
    pub words: Vec<u32>,
    pub idea_ids: Vec<u32>,
    /// (frame key, receipt time in Unix µs).
    pub samples: Vec<(u64, u64)>,
    /// The node each sampled frame came from.
    pub sample_nodes: HashMap<u64, u32>,
    pub samples_dropped: u64,
    pub latency_hist: Hist,
    /// The same two for the current step only.
    pub phase_ack_hist: Hist,
    pub phase_latency_hist: Hist,
    pub server_closes: BTreeMap<String, u64>,
    pub unanswered: u64,
    pub phase_requests: u64,
    pub phase_answered: u64,
    pub phase_bounces: u64,
    pub phase_ideas: Vec<u32>,
}

impl Stats {
    /// Records one frame's tick → received, for the run and for the step.
    pub fn record_latency(&mut self, us: u64) {
        self.latency_hist.record(us);
        self.phase_latency_hist.record(us);
    }

    /// Records one answer's send → ack, for the run and for the step.
    pub fn record_ack(&mut self, us: u64) {
        self.ack_hist.record(us);
        self.phase_ack_hist.record(us);
    }
}

pub struct Ctx {
    pub cfg: WorkerConfig,
    /// Every node, in the coordinator's order.
    pub servers: Vec<SocketAddr>,
    sources: Vec<Ipv4Addr>,
    next_source: AtomicUsize,
    stats: Mutex<Stats>,
    /// Frame receipts are sampled for the spread only while a phase runs.
    pub measuring: AtomicBool,
    /// Requests sent and not yet answered.
    pub outstanding: AtomicI64,
    /// Frames of any kind received since the phase began.
    pub phase_frames: AtomicU64,
    /// Clients still running.
    pub alive: AtomicUsize,
    /// Actions handed to clients and not yet carried out (a client may be away, churning).
    pub queued: AtomicI64,
    pub permits: Arc<Semaphore>,
}

impl Ctx {
    pub fn stats(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The node client `index` of this worker talks to (round-robin over the run).
    pub fn node_of(&self, index: usize) -> usize {
        (self.cfg.first_index + index) % self.servers.len().max(1)
    }

    /// A node's address and WebSocket URL.
    pub fn endpoint(&self, node: usize) -> (SocketAddr, &str) {
        let server = self.servers[node % self.servers.len()];
        let url = self
            .cfg
            .ws_urls
            .get(node)
            .or(self.cfg.ws_urls.first())
            .map(String::as_str)
            .unwrap_or_default();
        (server, url)
    }

    /// Counts a client that connected to `node`.
    pub fn connected_to(&self, stats: &mut Stats, node: usize) {
        stats.connected += 1;
        if let Some(n) = stats.connected_per_node.get_mut(node) {
            *n += 1;
        }
    }

    pub fn source(&self) -> Option<Ipv4Addr> {
        if self.sources.is_empty() {
            return None;
        }
        let i = self.next_source.fetch_add(1, Ordering::Relaxed);
        Some(self.sources[i % self.sources.len()])
    }

    /// Counts one received frame.
    pub fn count_frame(&self, stats: &mut Stats, bytes: usize) {
        stats.frames_received += 1;
        stats.bytes_received += bytes as u64;
        self.phase_frames.fetch_add(1, Ordering::Relaxed);
    }

    /// Keeps a receipt sample for the spread measurement (bounded). `node` is the node that
    /// rendered the frame (each handsup node renders its own participant frames).
    pub fn sample(&self, stats: &mut Stats, key: u64, at_us: u64, node: usize) {
        if !self.measuring.load(Ordering::Relaxed) {
            return;
        }
        if stats.samples.len() < self.cfg.max_frame_samples {
            stats.samples.push((key, at_us));
            stats.sample_nodes.entry(key).or_insert(node as u32);
        } else {
            stats.samples_dropped += 1;
        }
    }

    pub fn connect_failed(&self, stats: &mut Stats, error: String) {
        stats.failed += 1;
        *stats.connect_errors.entry(short(&error)).or_insert(0) += 1;
        stats.last_done_us = stats.last_done_us.max(now_us());
    }
}

/// Error texts grouped: the part before any number-laden detail.
fn short(error: &str) -> String {
    error.chars().take(60).collect()
}

/// The fields of a server frame a phone looks at; everything else is skipped.
#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    rid: Option<u64>,
    #[serde(default)]
    seq: Option<u64>,
    #[serde(default)]
    id: Option<u32>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    token: Option<String>,
    /// The server's clock when it rendered a state frame (ms since the Unix epoch).
    #[serde(default)]
    server_time: Option<u64>,
}

fn frame_key(text: &str) -> u64 {
    // DefaultHasher::new() is the same in every process of this binary: keys agree across workers.
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(text.as_bytes());
    hasher.finish()
}

/// Reads the next text frame, skipping control frames; bounded by `wait`.
async fn next_text(ws: &mut Ws, wait: Duration) -> Result<String, String> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let next = tokio::time::timeout_at(deadline, ws.next())
            .await
            .map_err(|_| "timeout waiting for a frame".to_string())?;
        match next {
            Some(Ok(Message::Text(text))) => return Ok(text.to_string()),
            Some(Ok(Message::Close(frame))) => {
                return Err(format!(
                    "closed {}",
                    frame.map(|f| u16::from(f.code)).unwrap_or(1005)
                ));
            }
            Some(Ok(_)) => continue,
            Some(Err(err)) => return Err(format!("websocket: {err}")),
            None => return Err("connection ended".to_string()),
        }
    }
}

/// Opens a participant session on `node`: welcome, hello (with the token when coming back),
/// session, then the first state snapshot. Returns the socket and the token.
async fn join(ctx: &Ctx, node: usize, token: Option<&str>) -> Result<(Ws, String), String> {
    let (server, url) = ctx.endpoint(node);
    let mut ws = net::websocket(server, ctx.source(), url).await?;
    let wait = Duration::from_secs(20);
    let welcome = next_text(&mut ws, wait).await?;
    let frame: Frame = serde_json::from_str(&welcome).map_err(|e| format!("bad welcome: {e}"))?;
    if frame.kind != "welcome" {
        return Err(format!(
            "expected welcome, got {}",
            frame.code.unwrap_or(frame.kind)
        ));
    }
    let mut hello = json!({"type": "hello", "rid": 1, "role": "participant"});
    if let Some(token) = token {
        hello["token"] = json!(token);
    }
    tokio::time::timeout(STEP, ws.send(Message::Text(hello.to_string().into())))
        .await
        .map_err(|_| "hello send timeout".to_string())?
        .map_err(|e| format!("hello send: {e}"))?;
    let mut issued = None;
    loop {
        let text = next_text(&mut ws, wait).await?;
        let frame: Frame = serde_json::from_str(&text).map_err(|e| format!("bad frame: {e}"))?;
        match frame.kind.as_str() {
            "session" => issued = frame.token,
            "error" => return Err(format!("hello: {}", frame.code.unwrap_or_default())),
            "state" => break,
            _ => {}
        }
    }
    let token = issued.ok_or_else(|| "no token in session".to_string())?;
    Ok((ws, token))
}

enum Answer {
    Poll(u32),
    Idea,
    Dots(u32),
    Words(u32),
}

struct Pending {
    rid: u64,
    sent: Instant,
    sent_us: u64,
    answer: Answer,
}

const VOCABULARY: &[&str] = &[
    "repairs",
    "damp",
    "mould",
    "rent",
    "parking",
    "bins",
    "lighting",
    "safety",
    "noise",
    "community",
    "garden",
    "playground",
    "heating",
    "windows",
    "lifts",
    "security",
    "cleaning",
    "youth club",
    "bus stop",
    "bike storage",
    "trees",
    "benches",
    "wifi",
    "pest control",
    "communication",
    "respect",
    "speed",
    "fairness",
    "events",
    "library",
    "cafe",
    "allotments",
    "recycling",
    "graffiti",
    "dog fouling",
    "kids",
    "elderly",
    "access",
    "ramps",
    "laundry",
];

/// One phone: a participant connection and its own record of what it answered.
struct Phone {
    ctx: Arc<Ctx>,
    index: usize,
    /// The node this phone talks to (and comes back to).
    node: usize,
    ws: Ws,
    token: String,
    next_rid: u64,
    pending: VecDeque<Pending>,
    choice: Option<u32>,
    words: Vec<String>,
    rng: Rng,
    recent: [u64; 4],
    recent_at: usize,
}

/// A phone's whole life: connect (rate-limited by the worker), then follow orders until told to
/// close or until the server ends the connection.
pub async fn phone(
    ctx: Arc<Ctx>,
    index: usize,
    rx: UnboundedReceiver<Action>,
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
    let joined = join(&ctx, node, None).await;
    drop(permit);
    match joined {
        Ok((ws, token)) => {
            {
                let mut stats = ctx.stats();
                ctx.connected_to(&mut stats, node);
                stats
                    .connect_hist
                    .record(started.elapsed().as_micros() as u64);
                stats.last_done_us = stats.last_done_us.max(now_us());
            }
            let seed = ctx.cfg.seed ^ ((ctx.cfg.index as u64) << 40) ^ index as u64;
            let mut phone = Phone {
                ctx: Arc::clone(&ctx),
                index,
                node,
                ws,
                token,
                next_rid: 2,
                pending: VecDeque::new(),
                choice: None,
                words: Vec::new(),
                rng: Rng::new(seed),
                recent: [0; 4],
                recent_at: 0,
            };
            phone.run(rx).await;
        }
        Err(error) => {
            let mut stats = ctx.stats();
            ctx.connect_failed(&mut stats, error);
        }
    }
    ctx.alive.fetch_sub(1, Ordering::AcqRel);
}

impl Phone {
    async fn run(&mut self, mut rx: UnboundedReceiver<Action>) {
        self.follow(&mut rx).await;
        // Orders that will never be carried out are no longer waited for.
        rx.close();
        while let Ok(action) = rx.try_recv() {
            if !matches!(action, Action::Close) {
                self.ctx.queued.fetch_sub(1, Ordering::AcqRel);
            }
        }
    }

    async fn follow(&mut self, rx: &mut UnboundedReceiver<Action>) {
        loop {
            tokio::select! {
                message = self.ws.next() => {
                    if !self.on_message(message) {
                        self.lost();
                        return;
                    }
                }
                action = rx.recv() => {
                    let keep = match action {
                        None | Some(Action::Close) => {
                            self.close().await;
                            self.lost();
                            return;
                        }
                        Some(Action::Bounce { activity, pause_ms, revote }) => {
                            self.bounce(activity, pause_ms, revote).await
                        }
                        Some(action) => self.act(action).await,
                    };
                    // The action is carried out: its request (if any) now counts as outstanding.
                    self.ctx.queued.fetch_sub(1, Ordering::AcqRel);
                    if !keep {
                        self.lost();
                        return;
                    }
                }
            }
        }
    }

    /// Handles one incoming message; false when the connection is gone.
    fn on_message(
        &mut self,
        message: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) -> bool {
        match message {
            Some(Ok(Message::Text(text))) => {
                self.on_text(text.as_str());
                true
            }
            Some(Ok(Message::Close(frame))) => {
                let code = frame
                    .map(|f| u16::from(f.code).to_string())
                    .unwrap_or_else(|| "1005".to_string());
                *self.ctx.stats().server_closes.entry(code).or_insert(0) += 1;
                false
            }
            Some(Ok(_)) => true,
            Some(Err(_)) => {
                *self
                    .ctx
                    .stats()
                    .server_closes
                    .entry("error".to_string())
                    .or_insert(0) += 1;
                false
            }
            None => {
                *self
                    .ctx
                    .stats()
                    .server_closes
                    .entry("eof".to_string())
                    .or_insert(0) += 1;
                false
            }
        }
    }

    fn on_text(&mut self, text: &str) {
        let at = now_us();
        let ctx = Arc::clone(&self.ctx);
        let frame: Option<Frame> = serde_json::from_str(text).ok();
        let mut stats = ctx.stats();
        ctx.count_frame(&mut stats, text.len());
        let Some(frame) = frame else {
            *stats.errors.entry("unparsable_frame".into()).or_insert(0) += 1;
            return;
        };
        match frame.kind.as_str() {
            "state" => {
                stats.state_frames += 1;
                stats.state_bytes += text.len() as u64;
                let key = frame_key(text);
                // The same text again (a tick that changed nothing visible) is not a new frame.
                if !self.recent.contains(&key) {
                    self.recent[self.recent_at % self.recent.len()] = key;
                    self.recent_at += 1;
                    ctx.sample(&mut stats, key, at, self.node);
                    // Rendered → received, when the server says when it rendered (same clock).
                    if let Some(ms) = frame.server_time
                        && ctx.measuring.load(Ordering::Relaxed)
                    {
                        stats.record_latency(at.saturating_sub(ms * 1000));
                    }
                }
            }
            "ack" | "error" => {
                let Some(pos) = frame
                    .rid
                    .and_then(|rid| self.pending.iter().position(|p| p.rid == rid))
                else {
                    if frame.kind == "error" {
                        let code = frame.code.unwrap_or_default();
                        *stats.errors.entry(code).or_insert(0) += 1;
                    }
                    return;
                };
                let Some(pending) = self.pending.remove(pos) else {
                    return;
                };
                ctx.outstanding.fetch_sub(1, Ordering::AcqRel);
                stats.phase_answered += 1;
                if frame.kind == "error" {
                    let code = frame.code.unwrap_or_default();
                    *stats.errors.entry(code).or_insert(0) += 1;
                    return;
                }
                stats.acked += 1;
                stats.record_ack(pending.sent.elapsed().as_micros() as u64);
                let seq = frame.seq.unwrap_or(0);
                stats.acks.push((pending.sent_us, seq, self.node as u32));
                stats.max_seq = stats.max_seq.max(seq);
                let i = self.index;
                match pending.answer {
                    Answer::Poll(option) => {
                        self.choice = Some(option);
                        stats.poll_choice[i] = Some(option);
                    }
                    Answer::Dots(n) => stats.dots[i] = n,
                    Answer::Words(n) => stats.words[i] += n,
                    Answer::Idea => {
                        if let Some(id) = frame.id {
                            stats.idea_ids.push(id);
                            stats.phase_ideas.push(id);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Sends one request; false when the connection is gone.
    async fn request(&mut self, mut msg: Value, answer: Answer) -> bool {
        let rid = self.next_rid;
        self.next_rid += 1;
        msg["rid"] = json!(rid);
        let text = msg.to_string();
        self.pending.push_back(Pending {
            rid,
            sent: Instant::now(),
            sent_us: now_us(),
            answer,
        });
        self.ctx.outstanding.fetch_add(1, Ordering::AcqRel);
        {
            let mut stats = self.ctx.stats();
            stats.requests_sent += 1;
            stats.phase_requests += 1;
        }
        matches!(
            tokio::time::timeout(STEP, self.ws.send(Message::Text(text.into()))).await,
            Ok(Ok(()))
        )
    }

    async fn act(&mut self, action: Action) -> bool {
        let options = u64::from(self.ctx.cfg.options.max(2));
        match action {
            Action::Vote { activity, option } => {
                let option = match (option, self.choice) {
                    (Some(o), _) => o,
                    (None, Some(now)) => {
                        ((u64::from(now) + 1 + self.rng.below(options - 1)) % options) as u32
                    }
                    (None, None) => self.rng.below(options) as u32,
                };
                let msg = json!({"type": "vote", "activity": activity, "options": [option]});
                self.request(msg, Answer::Poll(option)).await
            }
            Action::Idea { activity, text } => {
                let msg = json!({"type": "submit_idea", "activity": activity, "text": text});
                self.request(msg, Answer::Idea).await
            }
            Action::Dots { activity, ideas } => {
                let n = ideas.len() as u32;
                let msg = json!({"type": "dot_vote", "activity": activity, "ideas": ideas});
                self.request(msg, Answer::Dots(n)).await
            }
            Action::Words { activity, count } => {
                let room = 3usize.saturating_sub(self.words.len());
                let mut picked: Vec<String> = Vec::new();
                let mut tries = 0;
                while picked.len() < (count as usize).min(room) && tries < 50 {
                    tries += 1;
                    // Skewed towards the front of the list, as real word clouds are.
                    let u = self.rng.unit();
                    let word =
                        VOCABULARY[((u * u) * VOCABULARY.len() as f64) as usize % VOCABULARY.len()];
                    let word = if self.rng.below(4) == 0 {
                        word.to_uppercase()
                    } else {
                        word.to_string()
                    };
                    let folded = word.to_lowercase();
                    if self
                        .words
                        .iter()
                        .chain(picked.iter())
                        .all(|w| w.to_lowercase() != folded)
                    {
                        picked.push(word);
                    }
                }
                if picked.is_empty() {
                    return true;
                }
                self.words.extend(picked.iter().cloned());
                let n = picked.len() as u32;
                let msg = json!({"type": "submit_words", "activity": activity, "words": picked});
                self.request(msg, Answer::Words(n)).await
            }
            Action::Bounce { .. } | Action::Close => true,
        }
    }

    /// Leaves and comes back: waits for answers in flight (so nothing is left undecided), closes,
    /// pauses, reconnects with the token, and maybe votes again.
    async fn bounce(&mut self, activity: u32, pause_ms: u64, revote: bool) -> bool {
        let deadline = tokio::time::Instant::now() + STEP;
        while !self.pending.is_empty() {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Ok(message) => {
                    if !self.on_message(message) {
                        return false;
                    }
                }
                Err(_) => break,
            }
        }
        self.close().await;
        // Whatever was still unanswered stays unknown.
        self.lost();
        tokio::time::sleep(Duration::from_millis(pause_ms)).await;
        let started = Instant::now();
        match join(&self.ctx, self.node, Some(&self.token)).await {
            Ok((ws, token)) => {
                self.ws = ws;
                self.token = token;
                self.recent = [0; 4];
                let mut stats = self.ctx.stats();
                stats.reconnects += 1;
                stats.phase_bounces += 1;
                stats
                    .reconnect_hist
                    .record(started.elapsed().as_micros() as u64);
            }
            Err(error) => {
                let mut stats = self.ctx.stats();
                stats.reconnect_failed += 1;
                *stats
                    .connect_errors
                    .entry(format!("reconnect: {}", short(&error)))
                    .or_insert(0) += 1;
                return false;
            }
        }
        if revote {
            return self
                .act(Action::Vote {
                    activity,
                    option: None,
                })
                .await;
        }
        true
    }

    /// A polite close: close frame, then wait (briefly) for the server's.
    async fn close(&mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.ws.close(None)).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(Ok(message)) = self.ws.next().await {
                if let Message::Close(_) = message {
                    break;
                }
            }
        })
        .await;
    }

    /// Requests still pending will never be answered on this connection.
    fn lost(&mut self) {
        let n = self.pending.len();
        if n > 0 {
            self.pending.clear();
            self.ctx.outstanding.fetch_sub(n as i64, Ordering::AcqRel);
            self.ctx.stats().unanswered += n as u64;
        }
    }
}

async fn emit(out: &mut tokio::io::Stdout, msg: &FromWorker) -> Result<(), String> {
    let mut line = serde_json::to_string(msg).map_err(|e| e.to_string())?;
    line.push('\n');
    out.write_all(line.as_bytes())
        .await
        .map_err(|e| format!("stdout: {e}"))?;
    out.flush().await.map_err(|e| format!("stdout: {e}"))
}

/// The worker process's main: returns when finished or when the coordinator is gone.
pub async fn run() -> Result<(), String> {
    sys::raise_nofile();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .map_err(|_| "no configuration on stdin".to_string())?
        .map_err(|e| format!("stdin: {e}"))?
        .ok_or_else(|| "stdin closed before the configuration".to_string())?;
    let cfg: WorkerConfig =
        serde_json::from_str(&first).map_err(|e| format!("bad worker configuration: {e}"))?;
    // The last word on boundedness: whatever happens, this process ends by its deadline.
    let deadline = cfg.deadline_unix_ms;
    std::thread::spawn(move || {
        loop {
            let now = now_us() / 1000;
            if now >= deadline {
                eprintln!("loadtest worker: deadline reached, exiting");
                std::process::exit(3);
            }
            std::thread::sleep(Duration::from_millis((deadline - now).min(1000)));
        }
    });
    let mut servers: Vec<SocketAddr> = Vec::new();
    for text in &cfg.servers {
        let server: SocketAddr = text
            .parse()
            .map_err(|_| format!("bad server address {text}"))?;
        net::loopback_addr(&format!("http://{server}"))?;
        servers.push(server);
    }
    if servers.is_empty() {
        return Err("no server address in the configuration".into());
    }
    let sources: Vec<Ipv4Addr> = cfg
        .sources
        .iter()
        .filter_map(|s| s.parse::<Ipv4Addr>().ok())
        .filter(|ip| ip.is_loopback())
        .collect();
    let count = cfg.count;
    let stats = Stats {
        connected_per_node: vec![0; servers.len()],
        poll_choice: vec![None; count],
        dots: vec![0; count],
        words: vec![0; count],
        ..Stats::default()
    };
    let ctx = Arc::new(Ctx {
        permits: Arc::new(Semaphore::new(cfg.connect_concurrency.max(1))),
        cfg,
        servers,
        sources,
        next_source: AtomicUsize::new(0),
        stats: Mutex::new(stats),
        measuring: AtomicBool::new(false),
        outstanding: AtomicI64::new(0),
        phase_frames: AtomicU64::new(0),
        alive: AtomicUsize::new(count),
        queued: AtomicI64::new(0),
    });
    let mut out = tokio::io::stdout();

    // Connect everyone, at the configured rate and concurrency.
    let mut senders: Vec<UnboundedSender<Action>> = Vec::with_capacity(count);
    let mut receivers = Vec::with_capacity(count);
    for _ in 0..count {
        let (tx, rx) = unbounded_channel();
        senders.push(tx);
        receivers.push(rx);
    }
    {
        let ctx = Arc::clone(&ctx);
        tokio::spawn(async move {
            let start = tokio::time::Instant::now();
            let rate = ctx.cfg.connect_rate.max(1.0);
            for (i, rx) in receivers.into_iter().enumerate() {
                tokio::time::sleep_until(start + Duration::from_secs_f64(i as f64 / rate)).await;
                let Ok(permit) = Arc::clone(&ctx.permits).acquire_owned().await else {
                    return;
                };
                let c = Arc::clone(&ctx);
                match c.cfg.target {
                    Target::Handsup => tokio::spawn(phone(c, i, rx, permit)),
                    Target::Nats => tokio::spawn(crate::nats::subscriber(c, i, rx, permit)),
                };
            }
        });
    }
    let connect_deadline =
        tokio::time::Instant::now() + Duration::from_millis(ctx.cfg.connect_timeout_ms);
    loop {
        let done = {
            let stats = ctx.stats();
            stats.connected + stats.failed >= count
        };
        if done || tokio::time::Instant::now() >= connect_deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let connected = {
        let stats = ctx.stats();
        ConnectedReport {
            connected: stats.connected,
            failed: count - stats.connected,
            errors: stats.connect_errors.clone(),
            first_start_us: stats.first_start_us,
            last_done_us: stats.last_done_us,
            connected_per_node: stats.connected_per_node.clone(),
        }
    };
    emit(&mut out, &FromWorker::Connected(connected)).await?;

    // Then follow the coordinator's commands.
    loop {
        let line = match lines.next_line().await {
            Ok(Some(line)) => line,
            Ok(None) | Err(_) => {
                finish(&ctx, &senders, &[]).await;
                return Ok(());
            }
        };
        let command: ToWorker =
            serde_json::from_str(&line).map_err(|e| format!("bad command: {e}"))?;
        match command {
            ToWorker::Phase { phase } => {
                let report = run_phase(&ctx, &senders, phase).await;
                emit(&mut out, &FromWorker::PhaseDone(report)).await?;
            }
            ToWorker::FrameMins => {
                let mins = {
                    let stats = ctx.stats();
                    frame_mins(&stats.samples, &stats.sample_nodes)
                };
                emit(&mut out, &FromWorker::FrameMins { mins }).await?;
            }
            ToWorker::Finish { mins } => {
                let report = finish(&ctx, &senders, &mins).await;
                emit(&mut out, &FromWorker::Report(Box::new(report))).await?;
                return Ok(());
            }
        }
    }
}

/// The earliest local receipt of every distinct frame, with the node it came from.
fn frame_mins(samples: &[(u64, u64)], nodes: &HashMap<u64, u32>) -> Vec<(u64, u64, u32)> {
    let mut mins: HashMap<u64, u64> = HashMap::new();
    for (key, at) in samples {
        mins.entry(*key)
            .and_modify(|m| *m = (*m).min(*at))
            .or_insert(*at);
    }
    mins.into_iter()
        .map(|(key, at)| (key, at, nodes.get(&key).copied().unwrap_or(0)))
        .collect()
}

/// Runs one phase over this worker's clients and reports when every answer is in (or after
/// the settle time).
async fn run_phase(
    ctx: &Arc<Ctx>,
    senders: &[UnboundedSender<Action>],
    phase: Phase,
) -> PhaseReport {
    let name = phase.name().to_string();
    {
        let mut stats = ctx.stats();
        stats.phase_requests = 0;
        stats.phase_answered = 0;
        stats.phase_bounces = 0;
        stats.phase_ideas.clear();
        stats.phase_ack_hist = Hist::default();
        stats.phase_latency_hist = Hist::default();
    }
    ctx.phase_frames.store(0, Ordering::Relaxed);
    ctx.measuring.store(true, Ordering::Relaxed);
    let started_us = now_us();
    let n = senders.len() as u64;
    let mut rng = Rng::new(ctx.cfg.seed ^ ((ctx.cfg.index as u64) << 32) ^ frame_key(&name));
    let options = u64::from(ctx.cfg.options.max(2));
    let mut plan: Vec<(u64, usize, Action)> = Vec::new();
    let hold_ms;
    match phase {
        Phase::Vote {
            activity,
            window_ms,
            change_fraction,
        } => {
            hold_ms = window_ms;
            for i in 0..n {
                let t = rng.below(window_ms.max(1));
                let option = Some(rng.below(options) as u32);
                plan.push((t, i as usize, Action::Vote { activity, option }));
                if rng.unit() < change_fraction {
                    let later = t + rng.below(window_ms.saturating_sub(t).max(1));
                    plan.push((
                        later,
                        i as usize,
                        Action::Vote {
                            activity,
                            option: None,
                        },
                    ));
                }
            }
        }
        Phase::Steady {
            activity,
            duration_ms,
            rate,
            action,
            ideas,
        } => {
            hold_ms = duration_ms;
            let total = ((rate * duration_ms as f64) / 1000.0) as u64;
            for j in 0..total.min(1_000_000) {
                let t = (j as f64 * 1000.0 / rate.max(0.001)) as u64;
                let i = rng.below(n) as usize;
                let act = match action {
                    SteadyAction::Revote => Action::Vote {
                        activity,
                        option: None,
                    },
                    SteadyAction::Redot => Action::Dots {
                        activity,
                        ideas: pick(&mut rng, &ideas, 3),
                    },
                    SteadyAction::MoreWords => Action::Words { activity, count: 1 },
                };
                plan.push((t, i, act));
            }
        }
        Phase::Ideas {
            activity,
            window_ms,
            submitters,
        } => {
            hold_ms = window_ms;
            for i in 0..(submitters as u64).min(n) {
                let t = rng.below(window_ms.max(1));
                let text = format!(
                    "Idea {}-{i}: {} and {}",
                    ctx.cfg.index,
                    VOCABULARY[rng.below(VOCABULARY.len() as u64) as usize],
                    VOCABULARY[rng.below(VOCABULARY.len() as u64) as usize]
                );
                plan.push((t, i as usize, Action::Idea { activity, text }));
            }
        }
        Phase::Dots {
            activity,
            window_ms,
            ideas,
            dots,
        } => {
            hold_ms = window_ms;
            if !ideas.is_empty() {
                for i in 0..n {
                    let t = rng.below(window_ms.max(1));
                    let chosen = pick(&mut rng, &ideas, dots as usize);
                    plan.push((
                        t,
                        i as usize,
                        Action::Dots {
                            activity,
                            ideas: chosen,
                        },
                    ));
                }
            }
        }
        Phase::Words {
            activity,
            window_ms,
        } => {
            hold_ms = window_ms;
            for i in 0..n {
                let t = rng.below(window_ms.max(1));
                let count = 1 + rng.below(2) as u32;
                plan.push((t, i as usize, Action::Words { activity, count }));
            }
        }
        Phase::Churn {
            activity,
            duration_ms,
            window_ms,
            rate,
            pause_max_ms,
            revote_probability,
        } => {
            hold_ms = duration_ms;
            for i in 0..n {
                let t = rng.below(window_ms.max(1));
                let option = Some(rng.below(options) as u32);
                plan.push((t, i as usize, Action::Vote { activity, option }));
            }
            let total = ((rate * duration_ms as f64) / 1000.0) as u64;
            for j in 0..total.min(1_000_000) {
                let t = (j as f64 * 1000.0 / rate.max(0.001)) as u64;
                let i = rng.below(n) as usize;
                plan.push((
                    t,
                    i,
                    Action::Bounce {
                        activity,
                        pause_ms: rng.below(pause_max_ms.max(1)),
                        revote: rng.unit() < revote_probability,
                    },
                ));
            }
        }
        Phase::Idle { duration_ms } | Phase::Receive { duration_ms } => hold_ms = duration_ms,
    }
    plan.sort_by_key(|(t, _, _)| *t);
    let start = tokio::time::Instant::now();
    for (t, i, action) in plan {
        tokio::time::sleep_until(start + Duration::from_millis(t)).await;
        if let Some(tx) = senders.get(i) {
            // A client that has gone away has dropped its receiver; nothing to do then.
            if tx.send(action).is_ok() {
                ctx.queued.fetch_add(1, Ordering::AcqRel);
            }
        }
    }
    tokio::time::sleep_until(start + Duration::from_millis(hold_ms)).await;
    // Let every answer arrive (bounded); a churning client may still be on its way back.
    let settle = tokio::time::Instant::now() + SETTLE;
    loop {
        let busy =
            ctx.outstanding.load(Ordering::Acquire) > 0 || ctx.queued.load(Ordering::Acquire) > 0;
        if !busy || tokio::time::Instant::now() >= settle {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stats = ctx.stats();
    PhaseReport {
        name,
        started_us,
        ended_us: now_us(),
        requests_sent: stats.phase_requests,
        answered: stats.phase_answered,
        frames: ctx.phase_frames.load(Ordering::Relaxed),
        idea_ids: stats.phase_ideas.clone(),
        bounces: stats.phase_bounces,
        max_seq: stats.max_seq,
        ack_ms: stats.phase_ack_hist.to_wire(),
        frame_latency_ms: stats.phase_latency_hist.to_wire(),
    }
}

/// Up to `k` distinct items of `from`, at random.
fn pick(rng: &mut Rng, from: &[u32], k: usize) -> Vec<u32> {
    let mut pool: Vec<u32> = from.to_vec();
    let mut out = Vec::new();
    while out.len() < k && !pool.is_empty() {
        let i = rng.below(pool.len() as u64) as usize;
        out.push(pool.swap_remove(i));
    }
    out
}

/// Closes every client (bounded) and builds the final report against the global earliest
/// receipts.
async fn finish(
    ctx: &Arc<Ctx>,
    senders: &[UnboundedSender<Action>],
    mins: &[(u64, u64)],
) -> WorkerReport {
    ctx.measuring.store(false, Ordering::Relaxed);
    for tx in senders {
        let _ = tx.send(Action::Close);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while ctx.alive.load(Ordering::Acquire) > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let global: HashMap<u64, u64> = mins.iter().copied().collect();
    let me = sys::sample("self").unwrap_or_default();
    let stats = ctx.stats();
    let mut spread = Hist::default();
    for (key, at) in &stats.samples {
        if let Some(first) = global.get(key) {
            spread.record(at.saturating_sub(*first));
        }
    }
    let options = ctx.cfg.options.max(2) as usize;
    let mut poll_counts = vec![0u64; options];
    for option in stats.poll_choice.iter().flatten() {
        if let Some(c) = poll_counts.get_mut(*option as usize) {
            *c += 1;
        }
    }
    WorkerReport {
        index: ctx.cfg.index,
        connected: stats.connected,
        connect_failed: stats.failed,
        connect_errors: stats.connect_errors.clone(),
        connect_ms: stats.connect_hist.to_wire(),
        reconnect_ms: stats.reconnect_hist.to_wire(),
        reconnects: stats.reconnects,
        reconnect_failed: stats.reconnect_failed,
        frames_received: stats.frames_received,
        state_frames: stats.state_frames,
        state_bytes: stats.state_bytes,
        bytes_received: stats.bytes_received,
        requests_sent: stats.requests_sent,
        acked: stats.acked,
        errors: stats.errors.clone(),
        unanswered: stats.unanswered + ctx.outstanding.load(Ordering::Acquire).max(0) as u64,
        ack_ms: stats.ack_hist.to_wire(),
        acks: stats.acks.clone(),
        poll_counts,
        dots_total: stats.dots.iter().map(|d| u64::from(*d)).sum(),
        dots_voters: stats.dots.iter().filter(|d| **d > 0).count() as u64,
        words_total: stats.words.iter().map(|w| u64::from(*w)).sum(),
        words_submitters: stats.words.iter().filter(|w| **w > 0).count() as u64,
        idea_ids: stats.idea_ids.clone(),
        frame_spread_ms: spread.to_wire(),
        frame_latency_ms: stats.latency_hist.to_wire(),
        frame_samples_dropped: stats.samples_dropped,
        server_closes: stats.server_closes.clone(),
        cpu_seconds: me.cpu_seconds,
        rss_bytes: me.rss_bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(first_index: usize, nodes: usize) -> Ctx {
        let servers: Vec<SocketAddr> = (0..nodes)
            .map(|k| SocketAddr::from(([127, 0, 0, 1], 3000 + k as u16)))
            .collect();
        let cfg = WorkerConfig {
            index: 0,
            target: Target::Handsup,
            servers: servers.iter().map(SocketAddr::to_string).collect(),
            ws_urls: servers.iter().map(|s| format!("ws://{s}/ws/X")).collect(),
            first_index,
            sources: Vec::new(),
            count: 10,
            connect_rate: 1.0,
            connect_concurrency: 1,
            connect_timeout_ms: 1,
            deadline_unix_ms: 0,
            seed: 1,
            options: 4,
            max_frame_samples: 10,
        };
        Ctx {
            permits: Arc::new(Semaphore::new(1)),
            cfg,
            servers,
            sources: Vec::new(),
            next_source: AtomicUsize::new(0),
            stats: Mutex::new(Stats::default()),
            measuring: AtomicBool::new(false),
            outstanding: AtomicI64::new(0),
            phase_frames: AtomicU64::new(0),
            alive: AtomicUsize::new(0),
            queued: AtomicI64::new(0),
        }
    }

    #[test]
    fn phones_are_spread_over_the_nodes_round_robin_across_workers() {
        // The second worker starts at run-wide client 4000: it carries on where the first ended.
        let second = ctx(4000, 3);
        let nodes: Vec<usize> = (0..6).map(|i| second.node_of(i)).collect();
        assert_eq!(nodes, vec![1, 2, 0, 1, 2, 0]);
        let (addr, url) = second.endpoint(2);
        assert_eq!((addr.port(), url), (3002, "ws://127.0.0.1:3002/ws/X"));
        let single = ctx(17, 1);
        assert!((0..5).all(|i| single.node_of(i) == 0));
    }
}
