//! The JSON report and the readable summary.

use crate::hist::Pcts;
use crate::sys::Machine;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One scenario step, with what it cost the server.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PhaseStat {
    pub name: String,
    pub seconds: f64,
    pub requests: u64,
    pub answered: u64,
    pub bounces: u64,
    /// Frames delivered to every client (participants, presenter, host) during the step.
    pub frames: u64,
    /// All server nodes together (Redis not included).
    pub server_cpu_seconds: f64,
    pub server_cpu_us_per_frame: Option<f64>,
    /// Each node's share, in node order (clusters only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub node_cpu_seconds: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_cpu_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_cpu_us_per_frame: Option<f64>,
    /// The nodes and Redis together, per delivered frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_with_redis_cpu_us_per_frame: Option<f64>,
    /// Commands Redis processed during the step (INFO total_commands_processed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_commands: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_net_input_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_net_output_bytes: Option<u64>,
    /// Send → ack of the answers acknowledged during the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vote_ack_ms: Option<Pcts>,
    /// Tick → received of the participant frames received during the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_frame_ms: Option<Pcts>,
    /// The load generator (coordinator and workers) in the same step.
    pub generator_cpu_seconds: f64,
    /// The whole machine, all cores: how close the step came to using both of them.
    pub machine_busy_seconds: f64,
    /// When the workers started and ended the step (Unix µs).
    pub started_us: u64,
    pub ended_us: u64,
}

/// One server node of the run (a handsup node, or a nats-server node).
#[derive(Clone, Debug, Default, Serialize)]
pub struct NodeStat {
    pub url: String,
    pub pid: Option<u32>,
    pub participants_connected: usize,
    pub rss_before_connect_bytes: u64,
    pub rss_connected_bytes: u64,
    /// The highest RSS seen during the run.
    pub rss_bytes: u64,
    pub rss_peak_bytes: u64,
    /// (RSS once connected − RSS before) ÷ this node's connected participants.
    pub rss_per_participant_bytes: f64,
    /// From just before the participants connect to the end.
    pub cpu_seconds: f64,
    pub cpu_connect_seconds: f64,
    pub cpu_steady_seconds: Option<f64>,
    pub threads: u64,
}

/// The Redis a cluster shares.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RedisStat {
    /// The address without any password.
    pub url: String,
    pub pid: Option<u32>,
    pub version: String,
    /// The key prefix of the spawned cluster.
    pub prefix: Option<String>,
    /// Keys of that prefix deleted at the end (when the run chose the prefix).
    pub keys_deleted: Option<u64>,
    /// From just before the participants connect to the end.
    pub cpu_seconds: f64,
    pub cpu_connect_seconds: f64,
    pub cpu_steady_seconds: Option<f64>,
    /// The whole run, including the nodes' start.
    pub cpu_run_seconds: f64,
    pub rss_bytes: u64,
    pub used_memory_bytes: u64,
    /// INFO counters from just before the participants connect to the end.
    pub commands: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub tool: String,
    pub started_unix: u64,
    pub target: String,
    pub scenario: String,
    /// Every node, comma-separated.
    pub url: String,
    pub urls: Vec<String>,
    pub host_url: String,
    pub presenter_url: String,
    /// The presenter's index in `urls` (None when it is on another address).
    pub presenter_node: Option<usize>,
    pub participants_requested: usize,
    pub duration_seconds: u64,
    pub workers: usize,
    pub source_addresses: usize,

    pub participants_connected: usize,
    pub participants_connected_per_node: Vec<usize>,
    pub connect_failed: usize,
    pub connect_errors: BTreeMap<String, u64>,
    pub connect_seconds: f64,
    /// One client's connect: TCP + WebSocket handshake + hello → first state frame.
    pub connect_ms: Pcts,

    pub votes_sent: u64,
    pub votes_acked: u64,
    pub vote_errors: BTreeMap<String, u64>,
    pub votes_unanswered: u64,
    /// What the presenter's last frame counts (poll: sum of counts; ideas: dot votes; word
    /// cloud: words).
    pub final_presenter_total: u64,
    pub final_presenter_voters: u64,
    pub final_presenter_counts: Vec<u64>,
    pub final_presenter_participants: u64,
    pub final_presenter_online: u64,
    /// What the acknowledged answers add up to.
    pub expected_total: u64,
    pub expected_voters: u64,
    pub expected_counts: Vec<u64>,
    /// Acknowledged but not counted.
    pub lost_votes: u64,
    /// Counted but never acknowledged (a request whose answer did not arrive).
    pub unacked_counted: u64,
    pub lost_votes_method: String,

    pub vote_ack_ms: Pcts,
    pub vote_to_presenter_ms: Pcts,
    /// vote → presenter for answers sent to a node other than the presenter's (clusters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vote_to_presenter_other_nodes_ms: Option<Pcts>,
    /// … and for answers sent to the presenter's own node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vote_to_presenter_same_node_ms: Option<Pcts>,
    /// vote → presenter for the answers sent in each step (vote window, steady trickle …).
    pub vote_to_presenter_by_phase_ms: BTreeMap<String, Pcts>,
    pub votes_never_on_presenter: u64,
    pub vote_to_presenter_method: String,
    /// Participant frames, tick → received: handsup, receipt minus the frame's `server_time` (its
    /// render time, 1 ms resolution); NATS, receipt minus the publish time in the payload.
    pub participant_frame_ms: Pcts,
    pub participant_frame_method: String,
    /// The fan-out spread: each receipt of a frame minus its earliest receipt by any phone.
    pub participant_frame_spread_ms: Pcts,
    /// Median gap between successive distinct participant frames.
    pub participant_frame_interval_ms: f64,

    pub frames_received: u64,
    pub participant_state_frames: u64,
    pub avg_state_frame_bytes: f64,
    pub bytes_received: u64,
    pub presenter_frames: u64,
    pub frame_samples_dropped: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames_published: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames_expected: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_bytes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tick_ms: Option<u64>,

    pub reconnects: u64,
    pub reconnect_failed: u64,
    pub reconnect_ms: Pcts,
    pub server_closes: BTreeMap<String, u64>,

    pub server_pid: Option<u32>,
    pub server_pids: Vec<u32>,
    /// The figures below are all nodes together (sums); `nodes` has each one's.
    pub server_rss_bytes: u64,
    pub server_rss_before_connect_bytes: u64,
    pub server_rss_connected_bytes: u64,
    pub server_rss_peak_bytes: u64,
    pub rss_per_participant_bytes: f64,
    pub server_threads: u64,
    /// From just before the participants connect to the end.
    pub server_cpu_seconds: f64,
    pub server_cpu_connect_seconds: f64,
    /// The server process's CPU time since it started, at the end of the run.
    pub server_cpu_lifetime_seconds: f64,
    /// CPU per delivered frame in the steady fan-out step (the NATS comparison figure).
    pub server_cpu_us_per_frame: Option<f64>,
    /// Redis's CPU in the same step per delivered frame, and the nodes' and Redis's together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_cpu_us_per_frame: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_with_redis_cpu_us_per_frame: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<NodeStat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis: Option<RedisStat>,
    pub phases: Vec<PhaseStat>,

    pub generator_cpu_seconds: f64,
    pub generator_rss_bytes: u64,
    /// CPU the whole machine spent while the clients were up, minus the server's and the
    /// generator's: other processes competing for the same cores (should be near zero).
    pub other_cpu_seconds: f64,
    pub machine_busy_seconds: f64,
    pub machine: Machine,
    pub notes: Vec<String>,
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn line(p: &Pcts) -> String {
    if p.count == 0 {
        return "n/a".to_string();
    }
    format!(
        "p50 {:.1}  p95 {:.1}  p99 {:.1}  max {:.1} ms  (n={})",
        p.p50, p.p95, p.p99, p.max, p.count
    )
}

/// The readable summary, with the targets checked where they apply.
pub fn summary(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "== {} / {}: {} of {} connected in {:.1} s ({} workers, {} source addresses)",
        r.target,
        r.scenario,
        r.participants_connected,
        r.participants_requested,
        r.connect_seconds,
        r.workers,
        r.source_addresses
    );
    if r.connect_failed > 0 {
        let _ = writeln!(s, "   connect failures: {:?}", r.connect_errors);
    }
    let _ = writeln!(s, "connect            {}", line(&r.connect_ms));
    if r.target == "handsup" {
        let _ = writeln!(
            s,
            "answers            sent {}  acked {}  errors {:?}  unanswered {}",
            r.votes_sent, r.votes_acked, r.vote_errors, r.votes_unanswered
        );
        let _ = writeln!(s, "vote → ack         {}", line(&r.vote_ack_ms));
        let _ = writeln!(s, "vote → presenter   {}", line(&r.vote_to_presenter_ms));
        if let (Some(other), Some(same)) = (
            &r.vote_to_presenter_other_nodes_ms,
            &r.vote_to_presenter_same_node_ms,
        ) {
            let _ = writeln!(s, "  from other nodes {}", line(other));
            let _ = writeln!(s, "  from its node    {}", line(same));
        }
        if r.votes_never_on_presenter > 0 {
            let _ = writeln!(
                s,
                "   {} acked answers never reached a presenter frame",
                r.votes_never_on_presenter
            );
        }
    }
    let _ = writeln!(
        s,
        "tick → received    {}  (participant frames; interval {:.0} ms)",
        line(&r.participant_frame_ms),
        r.participant_frame_interval_ms
    );
    let _ = writeln!(
        s,
        "fan-out spread     {}",
        line(&r.participant_frame_spread_ms)
    );
    let _ = writeln!(
        s,
        "frames received    {} ({} state, avg {:.0} B; presenter {})",
        r.frames_received, r.participant_state_frames, r.avg_state_frame_bytes, r.presenter_frames
    );
    if let (Some(p), Some(e)) = (r.frames_published, r.frames_expected) {
        let _ = writeln!(
            s,
            "published          {p} × {} subscribers = {e} expected, {} missing",
            r.participants_connected,
            e.saturating_sub(r.participant_state_frames)
        );
    }
    if r.reconnects + r.reconnect_failed > 0 {
        let _ = writeln!(
            s,
            "reconnects         {} ok, {} failed; {}",
            r.reconnects,
            r.reconnect_failed,
            line(&r.reconnect_ms)
        );
    }
    if !r.server_closes.is_empty() {
        let _ = writeln!(s, "server closed      {:?}", r.server_closes);
    }
    if r.target == "handsup" {
        let _ = writeln!(
            s,
            "presenter final    total {}  voters {}  counts {:?}  participants {} online {}",
            r.final_presenter_total,
            r.final_presenter_voters,
            r.final_presenter_counts,
            r.final_presenter_participants,
            r.final_presenter_online
        );
        let _ = writeln!(
            s,
            "acked answers      total {}  voters {}  counts {:?}  → lost {}  unacked-but-counted {}",
            r.expected_total, r.expected_voters, r.expected_counts, r.lost_votes, r.unacked_counted
        );
    }
    if r.urls.len() > 1 {
        let roles = if r.target == "handsup" {
            format!(
                " (presenter on {}, host on {})",
                r.presenter_url, r.host_url
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "nodes              {}{roles}; per node, then all together:",
            r.urls.len()
        );
        for (k, n) in r.nodes.iter().enumerate() {
            let _ = writeln!(
                s,
                "  node {k} {:<22} {:>6} phones  rss {} (+{:.0} B/phone)  cpu {:.2} s, steady {}",
                n.url
                    .trim_start_matches("http://")
                    .trim_start_matches("ws://"),
                n.participants_connected,
                mb(n.rss_bytes),
                n.rss_per_participant_bytes,
                n.cpu_seconds,
                n.cpu_steady_seconds
                    .map(|c| format!("{c:.2} s"))
                    .unwrap_or_else(|| "n/a".into())
            );
        }
    }
    let _ = writeln!(
        s,
        "server             rss {} (before {} → connected {}, peak {}) = {:.0} B/participant; {} threads",
        mb(r.server_rss_bytes),
        mb(r.server_rss_before_connect_bytes),
        mb(r.server_rss_connected_bytes),
        mb(r.server_rss_peak_bytes),
        r.rss_per_participant_bytes,
        r.server_threads
    );
    let _ = writeln!(
        s,
        "server cpu         {:.2} s in all, {:.2} s connecting{}",
        r.server_cpu_seconds,
        r.server_cpu_connect_seconds,
        r.server_cpu_us_per_frame
            .map(|us| format!(", {us:.2} µs per delivered frame (steady)"))
            .unwrap_or_default()
    );
    if let Some(redis) = &r.redis {
        let _ = writeln!(
            s,
            "redis              pid {}  cpu {:.2} s ({:.2} s connecting{}), rss {}; {} commands, \
             {:.1} MB in, {:.1} MB out{}",
            redis
                .pid
                .map(|p| p.to_string())
                .unwrap_or_else(|| "?".into()),
            redis.cpu_seconds,
            redis.cpu_connect_seconds,
            redis
                .cpu_steady_seconds
                .map(|c| format!(", {c:.2} s steady"))
                .unwrap_or_default(),
            mb(redis.rss_bytes),
            redis.commands,
            redis.net_input_bytes as f64 / 1e6,
            redis.net_output_bytes as f64 / 1e6,
            redis
                .keys_deleted
                .map(|k| format!("; {k} keys deleted"))
                .unwrap_or_default()
        );
        if let (Some(nodes), Some(redis), Some(both)) = (
            r.server_cpu_us_per_frame,
            r.redis_cpu_us_per_frame,
            r.server_with_redis_cpu_us_per_frame,
        ) {
            let _ = writeln!(
                s,
                "cpu per frame      nodes {nodes:.2} µs + redis {redis:.2} µs = {both:.2} µs (steady)"
            );
        }
    }
    for p in &r.phases {
        let _ = writeln!(
            s,
            "  phase {:<8} {:>6.1} s  requests {:>6}  frames {:>9}  server cpu {:>6.2} s{}{}",
            p.name,
            p.seconds,
            p.requests,
            p.frames,
            p.server_cpu_seconds,
            p.server_cpu_us_per_frame
                .map(|us| format!("  ({us:.2} µs/frame)"))
                .unwrap_or_default(),
            p.redis_cpu_seconds
                .map(|c| format!("  redis {c:.2} s"))
                .unwrap_or_default()
        );
        let cores = r.machine.cpus.max(1) as f64;
        let p99 = |label: &str, h: Option<&Pcts>| {
            h.map(|h| format!("; {label} p99 {:.1} ms", h.p99))
                .unwrap_or_default()
        };
        let _ = writeln!(
            s,
            "                  generator cpu {:.2} s; machine busy {:.0} % of {} cores{}{}{}",
            p.generator_cpu_seconds,
            100.0 * p.machine_busy_seconds / (p.seconds.max(0.001) * cores),
            r.machine.cpus,
            p99("ack", p.vote_ack_ms.as_ref()),
            p99("presenter", r.vote_to_presenter_by_phase_ms.get(&p.name)),
            p99("frames", p.participant_frame_ms.as_ref()),
        );
    }
    let _ = writeln!(
        s,
        "generator          cpu {:.1} s, rss {}; other processes {:.1} s of cpu meanwhile",
        r.generator_cpu_seconds,
        mb(r.generator_rss_bytes),
        r.other_cpu_seconds
    );
    let voting = r.target == "handsup" && (r.scenario == "poll" || r.scenario == "churn");
    if voting && r.urls.len() > 1 {
        let check = |ok: bool| if ok { "met   " } else { "MISSED" };
        let remote = r
            .vote_to_presenter_other_nodes_ms
            .as_ref()
            .unwrap_or(&r.vote_to_presenter_ms);
        let _ = writeln!(s, "targets (cluster):");
        let _ = writeln!(
            s,
            "  {} connected and voting in one room: {} of {} on {} nodes",
            check(r.participants_connected == r.participants_requested && r.connect_failed == 0),
            r.participants_connected,
            r.participants_requested,
            r.urls.len()
        );
        let _ = writeln!(
            s,
            "  {} vote → presenter p99 ≤ 100 ms (voters on other nodes): {:.1} ms",
            check(remote.count > 0 && remote.p99 <= 100.0),
            remote.p99
        );
        let _ = writeln!(
            s,
            "  {} vote → ack p99 ≤ 150 ms: {:.1} ms",
            check(r.vote_ack_ms.p99 <= 150.0),
            r.vote_ack_ms.p99
        );
        let _ = writeln!(
            s,
            "  {} participant frames, tick → received p99 ≤ 500 ms: {:.1} ms",
            check(r.participant_frame_ms.p99 <= 500.0),
            r.participant_frame_ms.p99
        );
        let _ = writeln!(
            s,
            "  {} lost votes = 0: {}",
            check(r.lost_votes == 0),
            r.lost_votes
        );
    } else if voting {
        let check = |ok: bool| if ok { "met   " } else { "MISSED" };
        let _ = writeln!(s, "targets (issue 6):");
        let _ = writeln!(
            s,
            "  {} connected and voting: {} of {}",
            check(r.participants_connected == r.participants_requested && r.connect_failed == 0),
            r.participants_connected,
            r.participants_requested
        );
        let _ = writeln!(
            s,
            "  {} vote → presenter p99 ≤ 50 ms: {:.1} ms",
            check(r.vote_to_presenter_ms.p99 <= 50.0),
            r.vote_to_presenter_ms.p99
        );
        let _ = writeln!(
            s,
            "  {} vote → ack p99 ≤ 100 ms: {:.1} ms",
            check(r.vote_ack_ms.p99 <= 100.0),
            r.vote_ack_ms.p99
        );
        let _ = writeln!(
            s,
            "  {} participant frames, tick → received p99 ≤ 250 ms: {:.1} ms",
            check(r.participant_frame_ms.p99 <= 250.0),
            r.participant_frame_ms.p99
        );
        let _ = writeln!(
            s,
            "  {} server RSS per participant ≤ 10 KB: {:.0} B",
            check(r.rss_per_participant_bytes <= 10_000.0),
            r.rss_per_participant_bytes
        );
        let _ = writeln!(
            s,
            "  {} lost votes = 0: {}",
            check(r.lost_votes == 0),
            r.lost_votes
        );
    }
    for note in &r.notes {
        let _ = writeln!(s, "note: {note}");
    }
    s
}
