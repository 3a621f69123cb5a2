//! The coordinator's own clients: the host (deck and phases) and the presenter (the screen whose
//! frames say what the room counts). Each runs in a task that keeps reading, so neither ever
//! becomes a slow consumer, and answers requests through a channel.

use crate::net::{self, Ws};
use crate::sys::now_us;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// What the presenter's screen showed in one frame.
#[derive(Clone, Debug, Default)]
pub struct ScreenFrame {
    pub at_us: u64,
    pub epoch: u64,
    pub seq: u64,
    pub participants: u64,
    pub online: u64,
    /// Poll: participants who voted; ideas and word cloud: participants who answered.
    pub voters: u64,
    /// Poll: sum of counts; ideas: sum of dot votes; word cloud: total words.
    pub total: u64,
    pub counts: Vec<u64>,
}

impl ScreenFrame {
    pub fn from_state(frame: &Value, at_us: u64) -> ScreenFrame {
        let view = &frame["view"];
        let activity = &view["activity"];
        let u = |v: &Value| v.as_u64().unwrap_or(0);
        let (voters, total, counts) = match activity["kind"].as_str() {
            Some("poll") => {
                let counts: Vec<u64> = activity["results"]["counts"]
                    .as_array()
                    .map(|a| a.iter().map(u).collect())
                    .unwrap_or_default();
                (
                    u(&activity["results"]["voters"]),
                    counts.iter().sum(),
                    counts,
                )
            }
            Some("ideas") => {
                let total = activity["ideas"]
                    .as_array()
                    .map(|a| a.iter().map(|i| u(&i["votes"])).sum())
                    .unwrap_or(0);
                (u(&activity["responses"]), total, Vec::new())
            }
            Some("wordcloud") => (u(&activity["responses"]), u(&activity["total"]), Vec::new()),
            _ => (0, 0, Vec::new()),
        };
        ScreenFrame {
            at_us,
            epoch: u(&frame["epoch"]),
            seq: u(&frame["seq"]),
            participants: u(&view["participants"]),
            online: u(&view["online"]),
            voters,
            total,
            counts,
        }
    }
}

enum Req {
    Call(Value, oneshot::Sender<Value>),
    Close,
}

pub struct Control {
    tx: mpsc::UnboundedSender<Req>,
    /// Presenter only: every state frame, in the order received (bounded).
    pub screen: Arc<Mutex<Vec<ScreenFrame>>>,
    pub frames: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

const MAX_SCREEN_FRAMES: usize = 200_000;

async fn next_value(ws: &mut Ws, wait: Duration) -> Result<Value, String> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return Err("timeout".into()),
            Ok(Some(Ok(Message::Text(text)))) => {
                return serde_json::from_str(text.as_str()).map_err(|e| format!("bad frame: {e}"));
            }
            Ok(Some(Ok(Message::Close(f)))) => {
                return Err(format!(
                    "closed {}",
                    f.map(|f| u16::from(f.code)).unwrap_or(1005)
                ));
            }
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(e))) => return Err(format!("websocket: {e}")),
            Ok(None) => return Err("connection ended".into()),
        }
    }
}

impl Control {
    /// Connects, says `hello`, waits for the session, and starts the reader task.
    pub async fn connect(
        server: SocketAddr,
        url: &str,
        mut hello: Value,
        record_screen: bool,
    ) -> Result<Control, String> {
        let mut ws = net::websocket(server, None, url).await?;
        let wait = Duration::from_secs(20);
        let welcome = next_value(&mut ws, wait).await?;
        if welcome["type"] != "welcome" {
            return Err(format!("expected welcome, got {welcome}"));
        }
        hello["rid"] = json!(1);
        ws.send(Message::Text(hello.to_string().into()))
            .await
            .map_err(|e| format!("hello: {e}"))?;
        loop {
            let frame = next_value(&mut ws, wait).await?;
            match frame["type"].as_str() {
                Some("session") => break,
                Some("error") => return Err(format!("hello refused: {frame}")),
                _ => {}
            }
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let screen = Arc::new(Mutex::new(Vec::new()));
        let frames = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(reader(
            ws,
            rx,
            record_screen.then(|| Arc::clone(&screen)),
            Arc::clone(&frames),
        ));
        Ok(Control {
            tx,
            screen,
            frames,
            task,
        })
    }

    /// Sends a request and returns its answer (ack or error), bounded in time.
    pub async fn request(&self, msg: Value) -> Result<Value, String> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Req::Call(msg.clone(), reply))
            .map_err(|_| "control connection closed".to_string())?;
        tokio::time::timeout(Duration::from_secs(30), answer)
            .await
            .map_err(|_| format!("no answer to {msg}"))?
            .map_err(|_| "control connection closed".to_string())
    }

    /// A request that must be acknowledged.
    pub async fn ok(&self, msg: Value) -> Result<Value, String> {
        let answer = self.request(msg.clone()).await?;
        if answer["type"] != "ack" {
            return Err(format!("{msg} was refused: {answer}"));
        }
        Ok(answer)
    }

    pub fn last_screen(&self) -> Option<ScreenFrame> {
        self.screen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .last()
            .cloned()
    }

    pub fn screen_frames(&self) -> Vec<ScreenFrame> {
        self.screen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn frame_count(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }

    pub async fn close(self) {
        let _ = self.tx.send(Req::Close);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
    }
}

async fn reader(
    mut ws: Ws,
    mut rx: mpsc::UnboundedReceiver<Req>,
    screen: Option<Arc<Mutex<Vec<ScreenFrame>>>>,
    frames: Arc<AtomicU64>,
) {
    let mut pending: HashMap<u64, oneshot::Sender<Value>> = HashMap::new();
    let mut next_rid = 2u64;
    loop {
        tokio::select! {
            message = ws.next() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => continue,
                };
                let at = now_us();
                frames.fetch_add(1, Ordering::Relaxed);
                let Ok(value) = serde_json::from_str::<Value>(text.as_str()) else {
                    continue;
                };
                match value["type"].as_str() {
                    Some("ack" | "error") => {
                        if let Some(reply) = value["rid"].as_u64().and_then(|r| pending.remove(&r)) {
                            let _ = reply.send(value);
                        }
                    }
                    Some("state") => {
                        if let Some(screen) = &screen {
                            let mut list = screen.lock().unwrap_or_else(|p| p.into_inner());
                            if list.len() < MAX_SCREEN_FRAMES {
                                list.push(ScreenFrame::from_state(&value, at));
                            }
                        }
                    }
                    _ => {}
                }
            }
            request = rx.recv() => {
                match request {
                    Some(Req::Call(mut msg, reply)) => {
                        let rid = next_rid;
                        next_rid += 1;
                        msg["rid"] = json!(rid);
                        pending.insert(rid, reply);
                        let sent = tokio::time::timeout(
                            Duration::from_secs(10),
                            ws.send(Message::Text(msg.to_string().into())),
                        ).await;
                        if !matches!(sent, Ok(Ok(()))) {
                            return;
                        }
                    }
                    Some(Req::Close) | None => {
                        let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
                        return;
                    }
                }
            }
        }
    }
}
