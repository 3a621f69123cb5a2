//! What the coordinator and its worker processes say to each other: one JSON object per line,
//! coordinator → worker on the worker's stdin, worker → coordinator on its stdout.

use crate::hist::HistWire;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Handsup,
    Nats,
}

/// The first line a worker reads.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WorkerConfig {
    pub index: usize,
    pub target: Target,
    /// host:port of every node (always loopback); client `i` of this worker talks to node
    /// `(first_index + i) % servers.len()`, so the audience is spread round-robin.
    pub servers: Vec<String>,
    /// The WebSocket URL of each node, in the same order.
    pub ws_urls: Vec<String>,
    /// The run-wide index of this worker's first client.
    pub first_index: usize,
    /// Source addresses in 127.0.0.0/8, used round-robin.
    pub sources: Vec<String>,
    pub count: usize,
    /// Connections this worker opens per second.
    pub connect_rate: f64,
    /// Handshakes in flight at once.
    pub connect_concurrency: usize,
    pub connect_timeout_ms: u64,
    /// The worker exits by itself at this time (Unix ms) whatever happens.
    pub deadline_unix_ms: u64,
    pub seed: u64,
    /// Poll options (poll and churn scenarios).
    pub options: u32,
    /// Most frame receipt samples kept for the spread measurement.
    pub max_frame_samples: usize,
}

/// Coordinator → worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum ToWorker {
    Phase {
        phase: Phase,
    },
    /// Ask for the earliest local receipt of every distinct frame.
    FrameMins,
    /// Close everything and send the final report; `mins` are the earliest receipts over all
    /// workers, the reference for the spread histogram.
    Finish {
        mins: Vec<(u64, u64)>,
    },
}

/// One step of a scenario, run by every worker over its own share of the participants.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Phase {
    /// Everyone votes once at a random moment in the window; `change_fraction` of them vote again
    /// for another option later in the window.
    Vote {
        activity: u32,
        window_ms: u64,
        change_fraction: f64,
    },
    /// Random participants act at `rate` per second (this worker's share) for `duration_ms`, so
    /// the room keeps changing and frames keep flowing at the tick rate.
    Steady {
        activity: u32,
        duration_ms: u64,
        rate: f64,
        action: SteadyAction,
        ideas: Vec<u32>,
    },
    /// The first `submitters` participants submit one idea each within the window.
    Ideas {
        activity: u32,
        window_ms: u64,
        submitters: usize,
    },
    /// Everyone spends `dots` dot-votes on distinct random ideas within the window.
    Dots {
        activity: u32,
        window_ms: u64,
        ideas: Vec<u32>,
        dots: u32,
    },
    /// Everyone submits one or two words within the window.
    Words { activity: u32, window_ms: u64 },
    /// Everyone votes once in the first `window_ms`; meanwhile random participants leave and
    /// come back with their token at `rate` per second, and some vote again when back.
    Churn {
        activity: u32,
        duration_ms: u64,
        window_ms: u64,
        rate: f64,
        pause_max_ms: u64,
        revote_probability: f64,
    },
    /// Connections only.
    Idle { duration_ms: u64 },
    /// NATS: subscribers just receive for `duration_ms` while the coordinator publishes.
    Receive { duration_ms: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SteadyAction {
    Revote,
    Redot,
    MoreWords,
}

impl Phase {
    pub fn name(&self) -> &'static str {
        match self {
            Phase::Vote { .. } => "vote",
            Phase::Steady { .. } => "steady",
            Phase::Ideas { .. } => "ideas",
            Phase::Dots { .. } => "dots",
            Phase::Words { .. } => "words",
            Phase::Churn { .. } => "churn",
            Phase::Idle { .. } => "idle",
            Phase::Receive { .. } => "receive",
        }
    }
}

/// Worker → coordinator.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "ev", rename_all = "snake_case")]
pub enum FromWorker {
    Connected(ConnectedReport),
    PhaseDone(PhaseReport),
    /// (frame key, earliest receipt in Unix µs, the node that rendered it).
    FrameMins {
        mins: Vec<(u64, u64, u32)>,
    },
    Report(Box<WorkerReport>),
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ConnectedReport {
    pub connected: usize,
    pub failed: usize,
    pub errors: BTreeMap<String, u64>,
    pub first_start_us: u64,
    pub last_done_us: u64,
    /// Clients connected to each node.
    pub connected_per_node: Vec<usize>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PhaseReport {
    pub name: String,
    pub started_us: u64,
    pub ended_us: u64,
    pub requests_sent: u64,
    pub answered: u64,
    /// Frames (of any kind) received during the phase.
    pub frames: u64,
    pub idea_ids: Vec<u32>,
    pub bounces: u64,
    /// The highest log position acknowledged to this worker so far.
    pub max_seq: u64,
    /// Send → ack of the answers acknowledged during the step.
    pub ack_ms: HistWire,
    /// Tick → received of the participant frames received during the step.
    pub frame_latency_ms: HistWire,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct WorkerReport {
    pub index: usize,
    pub connected: usize,
    pub connect_failed: usize,
    pub connect_errors: BTreeMap<String, u64>,
    pub connect_ms: HistWire,
    pub reconnect_ms: HistWire,
    pub reconnects: u64,
    pub reconnect_failed: u64,
    pub frames_received: u64,
    pub state_frames: u64,
    pub state_bytes: u64,
    pub bytes_received: u64,
    pub requests_sent: u64,
    pub acked: u64,
    pub errors: BTreeMap<String, u64>,
    /// Requests still unanswered at the end.
    pub unanswered: u64,
    pub ack_ms: HistWire,
    /// (send time in Unix µs, log seq of the ack, the sender's node) for every acknowledged
    /// answer.
    pub acks: Vec<(u64, u64, u32)>,
    /// Poll: per option, participants whose last acknowledged vote is that option.
    pub poll_counts: Vec<u64>,
    pub dots_total: u64,
    pub dots_voters: u64,
    pub words_total: u64,
    pub words_submitters: u64,
    pub idea_ids: Vec<u32>,
    /// Receipt time minus the earliest receipt of the same frame anywhere.
    pub frame_spread_ms: HistWire,
    /// NATS only: receipt time minus the publish time carried in the payload.
    pub frame_latency_ms: HistWire,
    pub frame_samples_dropped: u64,
    /// Close codes (or "eof"/"error") of connections the server ended.
    pub server_closes: BTreeMap<String, u64>,
    pub cpu_seconds: f64,
    pub rss_bytes: u64,
}
