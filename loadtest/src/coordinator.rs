//! The coordinator: creates the room, runs the host and presenter, spawns the worker processes
//! (each with its own source addresses), steps them through the scenario, samples the server in
//! /proc, and assembles the report.

use crate::Args;
use crate::Scenario;
use crate::control::{Control, ScreenFrame};
use crate::hist::Hist;
use crate::nats;
use crate::net;
use crate::report::{NodeStat, PhaseStat, RedisStat, Report};
use crate::resp;
use crate::sys::{self, ProcSample, now_us};
use crate::wire::{
    ConnectedReport, FromWorker, Phase, PhaseReport, SteadyAction, Target, ToWorker, WorkerConfig,
    WorkerReport,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

/// The worker processes and what they say.
struct Workers {
    children: Vec<Child>,
    stdins: Vec<ChildStdin>,
    /// (worker, event); `None` when the worker's stdout ended.
    events: mpsc::UnboundedReceiver<(usize, Option<FromWorker>)>,
    sources: usize,
}

impl Workers {
    async fn spawn(
        args: &Args,
        target: Target,
        servers: &[SocketAddr],
        ws_urls: &[String],
        deadline_unix_ms: u64,
    ) -> Result<Workers, String> {
        let n = args.participants;
        let count = args
            .workers
            .unwrap_or_else(|| n.div_ceil(args.per_worker.max(1)))
            .clamp(1, n.max(1));
        let exe = std::env::current_exe().map_err(|e| format!("current exe: {e}"))?;
        let (tx, events) = mpsc::unbounded_channel();
        let mut children = Vec::new();
        let mut stdins = Vec::new();
        let mut sources = 0;
        let mut first_index = 0;
        for w in 0..count {
            let share = n / count + usize::from(w < n % count);
            let addrs: Vec<String> = (1..=args.sources_per_worker)
                .map(|k| format!("127.{}.{}.{k}", 10 + w / 200, w % 200 + 1))
                .collect();
            sources += addrs.len();
            let cfg = WorkerConfig {
                index: w,
                target,
                servers: servers.iter().map(SocketAddr::to_string).collect(),
                ws_urls: ws_urls.to_vec(),
                first_index,
                sources: addrs,
                count: share,
                connect_rate: args.connect_rate / count as f64,
                connect_concurrency: args.connect_concurrency,
                connect_timeout_ms: args.connect_timeout * 1000,
                deadline_unix_ms,
                seed: args.seed,
                options: 4,
                max_frame_samples: 8_000_000,
            };
            first_index += share;
            let mut child = Command::new(&exe)
                .arg("--worker")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| format!("spawning worker {w}: {e}"))?;
            let mut stdin = child.stdin.take().ok_or("worker stdin")?;
            let stdout = child.stdout.take().ok_or("worker stdout")?;
            let mut line = serde_json::to_string(&cfg).map_err(|e| e.to_string())?;
            line.push('\n');
            stdin
                .write_all(line.as_bytes())
                .await
                .map_err(|e| format!("worker {w} stdin: {e}"))?;
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stdout).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    match serde_json::from_str::<FromWorker>(&line) {
                        Ok(event) => {
                            let _ = tx.send((w, Some(event)));
                        }
                        Err(err) => eprintln!("worker {w}: unreadable line ({err})"),
                    }
                }
                let _ = tx.send((w, None));
            });
            children.push(child);
            stdins.push(stdin);
        }
        Ok(Workers {
            children,
            stdins,
            events,
            sources,
        })
    }

    fn len(&self) -> usize {
        self.children.len()
    }

    /// CPU seconds of the coordinator and every worker so far.
    fn cpu_seconds(&self) -> f64 {
        let me = sys::sample("self").map(|s| s.cpu_seconds).unwrap_or(0.0);
        me + self
            .children
            .iter()
            .filter_map(Child::id)
            .filter_map(|p| sys::sample(&p.to_string()))
            .map(|s| s.cpu_seconds)
            .sum::<f64>()
    }

    async fn send_all(&mut self, command: &ToWorker) -> Result<(), String> {
        let mut line = serde_json::to_string(command).map_err(|e| e.to_string())?;
        line.push('\n');
        for (w, stdin) in self.stdins.iter_mut().enumerate() {
            stdin
                .write_all(line.as_bytes())
                .await
                .map_err(|e| format!("worker {w}: {e}"))?;
            stdin
                .flush()
                .await
                .map_err(|e| format!("worker {w}: {e}"))?;
        }
        Ok(())
    }

    /// One answer of the kind `pick` accepts from every worker, in worker order.
    async fn gather<T>(
        &mut self,
        wait: Duration,
        what: &str,
        pick: impl Fn(FromWorker) -> Option<T>,
    ) -> Result<Vec<T>, String> {
        let mut got: Vec<Option<T>> = (0..self.len()).map(|_| None).collect();
        let deadline = tokio::time::Instant::now() + wait;
        while got.iter().any(Option::is_none) {
            let (w, event) = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .map_err(|_| format!("workers did not report {what} within {wait:?}"))?
                .ok_or("worker channel closed")?;
            match event {
                Some(event) => {
                    if let Some(value) = pick(event) {
                        got[w] = Some(value);
                    }
                }
                None if got[w].is_none() => {
                    return Err(format!("worker {w} ended before reporting {what}"));
                }
                None => {}
            }
        }
        Ok(got.into_iter().flatten().collect())
    }

    /// Waits (bounded) for every worker to exit; kills the ones that do not.
    async fn shutdown(mut self) {
        self.stdins.clear();
        for child in &mut self.children {
            if tokio::time::timeout(Duration::from_secs(15), child.wait())
                .await
                .is_err()
            {
                let _ = child.kill().await;
            }
        }
    }
}

/// A handsup server this run started itself.
struct SpawnedServer {
    child: Child,
    pid: u32,
    dir: PathBuf,
}

/// How a spawned node joins a cluster.
struct ClusterNode<'a> {
    redis_url: &'a str,
    prefix: &'a str,
    index: usize,
}

async fn spawn_handsup(
    bin: &Path,
    server: SocketAddr,
    extra: &[String],
    cluster: Option<ClusterNode<'_>>,
) -> Result<SpawnedServer, String> {
    let dir = std::env::temp_dir().join(format!(
        "loadtest-handsup-{}-{}{}",
        std::process::id(),
        now_us(),
        cluster
            .as_ref()
            .map(|c| format!("-node{}", c.index))
            .unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let log = std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
    let mut command = Command::new(bin);
    command
        .arg("--bind")
        .arg(server.to_string())
        .arg("--data-dir")
        .arg(dir.join("data"));
    if let Some(c) = &cluster {
        command
            .arg("--redis-url")
            .arg(c.redis_url)
            .arg("--redis-prefix")
            .arg(c.prefix);
    }
    let child = command
        .args(extra)
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let pid = child.id().ok_or("the server exited at once")?;
    let mut spawned = SpawnedServer { child, pid, dir };
    for _ in 0..200 {
        if let Ok((200, _)) = net::http(server, "GET", "/healthz", None).await {
            return Ok(spawned);
        }
        if let Ok(Some(status)) = spawned.child.try_wait() {
            return Err(format!(
                "the server on {server} exited ({status}); see {}",
                spawned.dir.join("server.log").display()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = spawned.dir.join("server.log");
    spawned.stop_keeping_log().await;
    Err(format!(
        "the server on {server} did not answer /healthz within 20 s (see {})",
        log.display()
    ))
}

impl SpawnedServer {
    /// SIGTERM, then SIGKILL if it has not gone within 15 s.
    async fn terminate(&mut self) {
        sys::signal(self.pid, libc::SIGTERM);
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }

    async fn stop(mut self) {
        self.terminate().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    async fn stop_keeping_log(mut self) {
        self.terminate().await;
    }
}

/// The servers a run started: one plain node, or cluster nodes sharing a Redis prefix.
struct Spawned {
    nodes: Vec<SpawnedServer>,
    redis_url: Option<String>,
    /// The prefix's keys are deleted at the end when this run chose the prefix.
    prefix: Option<(String, bool)>,
}

impl Spawned {
    fn pids(&self) -> Vec<u32> {
        self.nodes.iter().map(|n| n.pid).collect()
    }

    /// Stops every node (all signalled first, so none outlives another by much), then deletes
    /// the run's keys; returns how many keys were deleted.
    async fn stop(self) -> Result<Option<u64>, String> {
        for node in &self.nodes {
            sys::signal(node.pid, libc::SIGTERM);
        }
        for node in self.nodes {
            node.stop().await;
        }
        match (self.redis_url, self.prefix) {
            (Some(url), Some((prefix, true))) => {
                let mut redis = resp::Redis::connect(&url).await?;
                Ok(Some(redis.delete_prefix(&prefix).await?))
            }
            _ => Ok(None),
        }
    }
}

/// A fresh key prefix for one run.
fn fresh_prefix() -> String {
    format!("bench-{}-{}:", std::process::id(), now_us())
}

/// Starts the run's servers: `--spawn-cluster N` nodes on Redis, or one `--spawn-server`.
async fn spawn_servers(args: &Args, bin: &Path, addrs: &[SocketAddr]) -> Result<Spawned, String> {
    let Some(n) = args.spawn_cluster else {
        let node = spawn_handsup(bin, addrs[0], &args.server_args, None).await?;
        return Ok(Spawned {
            nodes: vec![node],
            redis_url: None,
            prefix: None,
        });
    };
    let redis_url = args
        .redis_url
        .clone()
        .ok_or("--spawn-cluster needs --redis-url")?;
    let (prefix, ours) = match &args.redis_prefix {
        Some(p) => (p.clone(), false),
        None => (fresh_prefix(), true),
    };
    let mut spawned = Spawned {
        nodes: Vec::new(),
        redis_url: Some(redis_url.clone()),
        prefix: Some((prefix.clone(), ours)),
    };
    for (index, addr) in addrs.iter().take(n).enumerate() {
        let node = ClusterNode {
            redis_url: &redis_url,
            prefix: &prefix,
            index,
        };
        match spawn_handsup(bin, *addr, &args.server_args, Some(node)).await {
            Ok(node) => spawned.nodes.push(node),
            Err(e) => {
                let _ = spawned.stop().await;
                return Err(e);
            }
        }
    }
    Ok(spawned)
}

/// The processes whose CPU and memory the run measures: the server nodes (handsup or
/// nats-server) and, in cluster mode, Redis.
#[derive(Clone, Debug, Default)]
struct Meter {
    nodes: Vec<u32>,
    redis: Option<u32>,
    redis_url: Option<String>,
}

/// One look at every measured process.
#[derive(Clone, Debug, Default)]
struct Snap {
    nodes: Vec<ProcSample>,
    redis: Option<ProcSample>,
    redis_info: Option<resp::Info>,
}

impl Meter {
    fn measured(&self) -> bool {
        !self.nodes.is_empty()
    }

    /// /proc only (cheap, synchronous).
    fn sample(&self) -> Snap {
        Snap {
            nodes: self.nodes.iter().map(|p| sample(Some(*p))).collect(),
            redis: self.redis.map(|p| sample(Some(p))),
            redis_info: None,
        }
    }

    /// /proc and Redis's own counters.
    async fn sample_all(&self) -> Snap {
        let mut snap = self.sample();
        if let Some(url) = &self.redis_url {
            snap.redis_info = resp::info(url).await.ok();
        }
        snap
    }
}

impl Snap {
    /// CPU seconds of all server nodes together (Redis not included).
    fn cpu(&self) -> f64 {
        self.nodes.iter().map(|s| s.cpu_seconds).sum()
    }

    fn rss(&self) -> u64 {
        self.nodes.iter().map(|s| s.rss_bytes).sum()
    }

    fn hwm(&self) -> u64 {
        self.nodes.iter().map(|s| s.hwm_bytes).sum()
    }

    fn threads(&self) -> u64 {
        self.nodes.iter().map(|s| s.threads).sum()
    }

    fn redis_cpu(&self) -> Option<f64> {
        self.redis.map(|s| s.cpu_seconds)
    }
}

/// Redis's counters between two looks (commands, bytes in, bytes out).
fn redis_delta(before: &Snap, after: &Snap) -> Option<(u64, u64, u64)> {
    let (b, a) = (before.redis_info.as_ref()?, after.redis_info.as_ref()?);
    Some((
        a.commands_processed.saturating_sub(b.commands_processed),
        a.net_input_bytes.saturating_sub(b.net_input_bytes),
        a.net_output_bytes.saturating_sub(b.net_output_bytes),
    ))
}

fn sample(pid: Option<u32>) -> ProcSample {
    pid.and_then(|p| sys::sample(&p.to_string()))
        .unwrap_or_default()
}

/// The participant interval the server uses by default for `n` participants (200 ms, longer past
/// 4,000 so that frames per second stay within 20,000).
pub fn default_tick_ms(n: usize) -> u64 {
    ((n as u64 * 1000) / 20_000).max(200)
}

/// Merges the per-worker earliest receipts into the global earliest receipt of each frame.
fn merge_mins(all: Vec<Vec<(u64, u64, u32)>>) -> Vec<(u64, u64, u32)> {
    let mut mins: HashMap<u64, (u64, u32)> = HashMap::new();
    for list in all {
        for (key, at, node) in list {
            mins.entry(key)
                .and_modify(|m| m.0 = m.0.min(at))
                .or_insert((at, node));
        }
    }
    mins.into_iter()
        .map(|(key, (at, node))| (key, at, node))
        .collect()
}

/// Median gap between successive distinct frames (their first receipts) of the same node: each
/// node renders its own frames at the room's interval.
fn median_gap_ms(mins: &[(u64, u64, u32)]) -> f64 {
    let mut by_node: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    for (_, at, node) in mins {
        by_node.entry(*node).or_default().push(*at);
    }
    let mut gaps: Vec<u64> = Vec::new();
    for times in by_node.values_mut() {
        times.sort_unstable();
        gaps.extend(times.windows(2).map(|w| w[1] - w[0]));
    }
    if gaps.is_empty() {
        return 0.0;
    }
    gaps.sort_unstable();
    gaps[gaps.len() / 2] as f64 / 1000.0
}

struct Run<'a> {
    args: &'a Args,
    meter: Meter,
    workers: Workers,
    host: Option<&'a Control>,
    presenter: Option<&'a Control>,
    phases: Vec<PhaseStat>,
    phase_reports: Vec<Vec<PhaseReport>>,
}

impl Run<'_> {
    fn control_frames(&self) -> u64 {
        self.host.map(Control::frame_count).unwrap_or(0)
            + self.presenter.map(Control::frame_count).unwrap_or(0)
    }

    /// Runs one phase on every worker, measuring the servers (and Redis) around it.
    async fn phase(&mut self, phase: Phase, longest: Duration) -> Result<Vec<PhaseReport>, String> {
        let name = phase.name().to_string();
        eprintln!("loadtest: phase {name}");
        let before = self.meter.sample_all().await;
        let generator_before = self.workers.cpu_seconds();
        let busy_before = sys::machine_busy_seconds();
        let control_before = self.control_frames();
        let started = Instant::now();
        self.workers.send_all(&ToWorker::Phase { phase }).await?;
        let reports = self
            .workers
            .gather(longest + Duration::from_secs(90), &name, |e| match e {
                FromWorker::PhaseDone(r) => Some(r),
                _ => None,
            })
            .await?;
        let after = self.meter.sample_all().await;
        let generator = self.workers.cpu_seconds() - generator_before;
        let busy = sys::machine_busy_seconds() - busy_before;
        let frames: u64 = reports.iter().map(|r| r.frames).sum::<u64>()
            + (self.control_frames() - control_before);
        let cpu = after.cpu() - before.cpu();
        let per_frame = |cpu: f64| (frames > 0).then(|| cpu * 1e6 / frames as f64);
        let measured = self.meter.measured();
        let redis_cpu = match (before.redis_cpu(), after.redis_cpu()) {
            (Some(b), Some(a)) => Some(a - b),
            _ => None,
        };
        let node_cpu: Vec<f64> = if after.nodes.len() > 1 {
            after
                .nodes
                .iter()
                .zip(&before.nodes)
                .map(|(a, b)| a.cpu_seconds - b.cpu_seconds)
                .collect()
        } else {
            Vec::new()
        };
        let redis_counts = redis_delta(&before, &after);
        let merged = |pick: fn(&PhaseReport) -> &crate::hist::HistWire| {
            let mut hist = Hist::default();
            for r in &reports {
                hist.merge(&Hist::from_wire(pick(r)));
            }
            (hist.count() > 0).then(|| hist.pcts())
        };
        self.phases.push(PhaseStat {
            name,
            seconds: started.elapsed().as_secs_f64(),
            requests: reports.iter().map(|r| r.requests_sent).sum(),
            answered: reports.iter().map(|r| r.answered).sum(),
            bounces: reports.iter().map(|r| r.bounces).sum(),
            frames,
            server_cpu_seconds: cpu,
            server_cpu_us_per_frame: per_frame(cpu).filter(|_| measured),
            node_cpu_seconds: node_cpu,
            redis_cpu_seconds: redis_cpu,
            redis_cpu_us_per_frame: redis_cpu.and_then(per_frame),
            server_with_redis_cpu_us_per_frame: redis_cpu
                .filter(|_| measured)
                .and_then(|r| per_frame(cpu + r)),
            redis_commands: redis_counts.map(|c| c.0),
            redis_net_input_bytes: redis_counts.map(|c| c.1),
            redis_net_output_bytes: redis_counts.map(|c| c.2),
            vote_ack_ms: merged(|r| &r.ack_ms),
            participant_frame_ms: merged(|r| &r.frame_latency_ms),
            generator_cpu_seconds: generator,
            machine_busy_seconds: busy,
            started_us: reports.iter().map(|r| r.started_us).min().unwrap_or(0),
            ended_us: reports.iter().map(|r| r.ended_us).max().unwrap_or(0),
        });
        self.phase_reports.push(reports.clone());
        Ok(reports)
    }
}

/// Splits a rate over the workers.
fn share(rate: f64, workers: usize) -> f64 {
    rate / workers.max(1) as f64
}

pub async fn run(args: &Args) -> Result<Report, String> {
    let (soft, _hard) = sys::raise_nofile();
    let mut report = Report {
        tool: format!("handsup loadtest {}", env!("CARGO_PKG_VERSION")),
        started_unix: now_us() / 1_000_000,
        scenario: format!("{:?}", args.scenario).to_lowercase(),
        participants_requested: args.participants,
        duration_seconds: args.duration,
        machine: sys::machine(),
        ..Report::default()
    };
    if (soft as usize) < args.per_worker.min(args.participants) + 100 {
        report.notes.push(format!(
            "open-file limit {soft} is below --per-worker {}; workers may run out of sockets",
            args.per_worker
        ));
    }
    let busy_before = sys::machine_busy_seconds();
    let wall = Instant::now();
    // A server started by this run has used nothing yet; a given one may have a history.
    let server_before: f64 = args
        .server_pid
        .iter()
        .map(|p| sample(Some(*p)).cpu_seconds)
        .sum();
    let mut report = match args.target {
        Target::Handsup => run_handsup(args, report).await?,
        Target::Nats => run_nats(args, report).await?,
    };
    report.machine_busy_seconds = sys::machine_busy_seconds() - busy_before;
    let server_used = report.server_cpu_lifetime_seconds - server_before;
    let redis_used = report
        .redis
        .as_ref()
        .map(|r| r.cpu_run_seconds)
        .unwrap_or(0.0);
    report.other_cpu_seconds =
        (report.machine_busy_seconds - server_used - redis_used - report.generator_cpu_seconds)
            .max(0.0);
    // Background daemons use a little; more than 5 % of the machine means real competition.
    let capacity = wall.elapsed().as_secs_f64() * report.machine.cpus.max(1) as f64;
    if report.other_cpu_seconds > 0.05 * capacity {
        report.notes.push(format!(
            "other processes used {:.1} s of CPU during the run ({:.0} % of the machine): \
             latency figures are perturbed",
            report.other_cpu_seconds,
            100.0 * report.other_cpu_seconds / capacity
        ));
    }
    Ok(report)
}

/// The server nodes' addresses: as given, or free ports for a spawned cluster.
fn node_urls(args: &Args) -> Result<Vec<String>, String> {
    let given: Vec<String> = args
        .url
        .iter()
        .map(|u| u.trim().trim_end_matches('/').to_string())
        .filter(|u| !u.is_empty())
        .collect();
    match args.spawn_cluster {
        Some(n) if given.is_empty() => Ok(net::free_ports(n)?
            .into_iter()
            .map(|p| format!("http://127.0.0.1:{p}"))
            .collect()),
        Some(n) if given.len() == n => Ok(given),
        Some(n) => Err(format!(
            "--spawn-cluster {n} with {} --url addresses: give none (free ports are used) or \
             exactly {n}",
            given.len()
        )),
        None if args.spawn_server.is_some() && given.len() > 1 => Err(
            "--spawn-server starts one server; use --spawn-cluster N --redis-url URL for several"
                .into(),
        ),
        None if given.is_empty() => Ok(vec!["http://127.0.0.1:3000".into()]),
        None => Ok(given),
    }
}

/// Where the host or the presenter connects.
#[derive(Clone, Debug)]
struct Pick {
    addr: SocketAddr,
    url: String,
    /// Its index in the node list, when it is one of the nodes.
    node: Option<usize>,
}

fn pick_node(
    url: Option<&str>,
    node: Option<usize>,
    urls: &[String],
    addrs: &[SocketAddr],
    flag: &str,
) -> Result<Pick, String> {
    if let Some(url) = url {
        let addr = net::loopback_addr(url)?;
        return Ok(Pick {
            addr,
            url: url.to_string(),
            node: addrs.iter().position(|a| *a == addr),
        });
    }
    let k = node.unwrap_or(0);
    match (addrs.get(k), urls.get(k)) {
        (Some(addr), Some(url)) => Ok(Pick {
            addr: *addr,
            url: url.clone(),
            node: Some(k),
        }),
        _ => Err(format!("{flag} {k}: there are only {} nodes", addrs.len())),
    }
}

async fn run_handsup(args: &Args, mut report: Report) -> Result<Report, String> {
    report.target = "handsup".into();
    let urls = node_urls(args)?;
    let addrs = urls
        .iter()
        .map(|u| net::loopback_addr(u))
        .collect::<Result<Vec<_>, _>>()?;
    let host = pick_node(
        args.host_url.as_deref(),
        args.host_node,
        &urls,
        &addrs,
        "--host-node",
    )?;
    let presenter = pick_node(
        args.presenter_url.as_deref(),
        args.presenter_node,
        &urls,
        &addrs,
        "--presenter-node",
    )?;
    report.url = urls.join(",");
    report.urls = urls.clone();
    report.host_url = host.url.clone();
    report.presenter_url = presenter.url.clone();
    report.presenter_node = presenter.node;
    // Redis: its pid (for /proc) and counters, before anything of this run touches it.
    let redis_start = match &args.redis_url {
        Some(url) => {
            let info = resp::info(url)
                .await
                .map_err(|e| format!("--redis-url {}: {e}", resp::redact(url)))?;
            let at_start = info.pid.map(|p| sample(Some(p)));
            report.redis = Some(RedisStat {
                url: resp::redact(url),
                pid: info.pid,
                version: info.version.clone(),
                ..RedisStat::default()
            });
            Some((info.pid, at_start))
        }
        None => None,
    };
    let spawned = match &args.spawn_server {
        Some(bin) => Some(spawn_servers(args, bin, &addrs).await?),
        None => None,
    };
    if let (Some(s), Some(r)) = (&spawned, report.redis.as_mut()) {
        r.prefix = s.prefix.as_ref().map(|(p, _)| p.clone());
    }
    let pids = match &spawned {
        Some(s) => s.pids(),
        None => args.server_pid.clone(),
    };
    let meter = Meter {
        nodes: pids.clone(),
        redis: redis_start.as_ref().and_then(|r| r.0),
        redis_url: args.redis_url.clone(),
    };
    report.server_pid = pids.first().copied();
    report.server_pids = pids.clone();
    if pids.is_empty() {
        report
            .notes
            .push("no --server-pid: server RSS and CPU are not measured".into());
    } else if pids.len() != addrs.len() {
        report.notes.push(format!(
            "{} server pids for {} nodes: the CPU and memory figures cover only those",
            pids.len(),
            addrs.len()
        ));
    }
    let outcome = drive_handsup(args, &addrs, &host, &presenter, &meter, &mut report).await;
    let end = meter.sample();
    report.server_cpu_lifetime_seconds = end.cpu();
    if let (Some(r), Some(p), Some((_, Some(start)))) =
        (report.redis.as_mut(), end.redis, redis_start.as_ref())
    {
        r.cpu_run_seconds = p.cpu_seconds - start.cpu_seconds;
    }
    if let Some(s) = spawned {
        match s.stop().await {
            Ok(Some(n)) => {
                if let Some(r) = report.redis.as_mut() {
                    r.keys_deleted = Some(n);
                }
            }
            Ok(None) => {}
            Err(e) => report
                .notes
                .push(format!("deleting the run's Redis keys failed: {e}")),
        }
    }
    outcome.map(|()| report)
}

fn activity_spec(scenario: Scenario) -> Value {
    match scenario {
        Scenario::Ideas => json!({
            "kind": "ideas", "prompt": "What would make the estate better?",
            "max_per_participant": 1, "dots": 3, "max_dots_per_item": 1
        }),
        Scenario::Wordcloud => json!({
            "kind": "wordcloud", "prompt": "One word for the estate", "max_words": 3
        }),
        _ => json!({
            "kind": "poll", "question": "Which should we fix first?",
            "options": ["Repairs", "Rent", "Parking", "Green spaces"]
        }),
    }
}

async fn drive_handsup(
    args: &Args,
    addrs: &[SocketAddr],
    host_at: &Pick,
    presenter_at: &Pick,
    meter: &Meter,
    report: &mut Report,
) -> Result<(), String> {
    let (status, body) = net::http(
        host_at.addr,
        "POST",
        "/api/rooms",
        Some(r#"{"title":"Load test"}"#),
    )
    .await?;
    if status != 201 {
        return Err(format!("POST /api/rooms answered {status}: {body}"));
    }
    let created: Value =
        serde_json::from_str(&body).map_err(|e| format!("POST /api/rooms: {e}: {body}"))?;
    let code = created["code"].as_str().ok_or("no room code")?.to_string();
    let host_key = created["host_key"]
        .as_str()
        .ok_or("no host key")?
        .to_string();
    let ws_url = |addr: SocketAddr| format!("ws://{addr}/ws/{code}");
    let host = Control::connect(
        host_at.addr,
        &ws_url(host_at.addr),
        json!({"type": "hello", "role": "host", "host_key": host_key}),
        false,
    )
    .await?;
    let added = host
        .ok(json!({"type": "add_activity", "spec": activity_spec(args.scenario)}))
        .await?;
    let activity = added["id"].as_u64().ok_or("add_activity: no id")? as u32;
    host.ok(json!({"type": "navigate", "to": {"activity": activity}}))
        .await?;
    let presenter = Control::connect(
        presenter_at.addr,
        &ws_url(presenter_at.addr),
        json!({"type": "hello", "role": "presenter"}),
        true,
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = meter.sample_all().await;
    let deadline = now_us() / 1000 + (args.connect_timeout + args.duration * 3 + 600) * 1000;
    let ws_urls: Vec<String> = addrs.iter().map(|a| ws_url(*a)).collect();
    let workers = Workers::spawn(args, Target::Handsup, addrs, &ws_urls, deadline).await?;
    report.workers = workers.len();
    report.source_addresses = workers.sources;
    let mut run = Run {
        args,
        meter: meter.clone(),
        workers,
        host: Some(&host),
        presenter: Some(&presenter),
        phases: Vec::new(),
        phase_reports: Vec::new(),
    };
    let result = scenario_handsup(&mut run, activity, before, report).await;
    let finished = match result {
        Ok(()) => finish(&mut run, report).await,
        Err(e) => Err(e),
    };
    report.phases = std::mem::take(&mut run.phases);
    let workers = run.workers;
    workers.shutdown().await;
    host.close().await;
    presenter.close().await;
    finished
}

async fn connected(run: &mut Run<'_>, report: &mut Report) -> Result<(), String> {
    let wait = Duration::from_secs(run.args.connect_timeout + 60);
    let reports: Vec<ConnectedReport> = run
        .workers
        .gather(wait, "connected", |e| match e {
            FromWorker::Connected(c) => Some(c),
            _ => None,
        })
        .await?;
    report.participants_connected = reports.iter().map(|r| r.connected).sum();
    report.connect_failed = reports.iter().map(|r| r.failed).sum();
    let nodes = reports
        .iter()
        .map(|r| r.connected_per_node.len())
        .max()
        .unwrap_or(0);
    report.participants_connected_per_node = (0..nodes)
        .map(|k| {
            reports
                .iter()
                .map(|r| r.connected_per_node.get(k).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    for r in &reports {
        for (k, v) in &r.errors {
            *report.connect_errors.entry(k.clone()).or_insert(0) += v;
        }
    }
    let first = reports
        .iter()
        .map(|r| r.first_start_us)
        .filter(|t| *t > 0)
        .min()
        .unwrap_or(0);
    let last = reports.iter().map(|r| r.last_done_us).max().unwrap_or(0);
    report.connect_seconds = last.saturating_sub(first) as f64 / 1e6;
    eprintln!(
        "loadtest: {} connected, {} failed, in {:.1} s",
        report.participants_connected, report.connect_failed, report.connect_seconds
    );
    Ok(())
}

async fn scenario_handsup(
    run: &mut Run<'_>,
    activity: u32,
    before: Snap,
    report: &mut Report,
) -> Result<(), String> {
    let args = run.args;
    connected(run, report).await?;
    let after_connect = run.meter.sample();
    // Let the frames caused by the joins settle before measuring memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let settled = run.meter.sample();
    report.server_rss_before_connect_bytes = before.rss();
    report.server_rss_connected_bytes = settled.rss();
    report.server_cpu_connect_seconds = after_connect.cpu() - before.cpu();
    if report.participants_connected > 0 && run.meter.measured() {
        report.rss_per_participant_bytes =
            (settled.rss() as f64 - before.rss() as f64) / report.participants_connected as f64;
    }
    let w = run.workers.len();
    let duration_ms = args.duration * 1000;
    let window_ms = ((args.vote_window * 1000.0) as u64).min(duration_ms).max(1);
    let steady_ms = duration_ms.saturating_sub(window_ms);
    let rate = share(args.steady_rate, w);
    let window = Duration::from_millis(window_ms);
    let mut rss_max = RssMax::default();
    rss_max.note(&settled);
    match args.scenario {
        Scenario::Poll => {
            run.phase(
                Phase::Vote {
                    activity,
                    window_ms,
                    change_fraction: args.change_fraction,
                },
                window,
            )
            .await?;
            rss_max.note(&run.meter.sample());
            if steady_ms > 0 {
                run.phase(
                    Phase::Steady {
                        activity,
                        duration_ms: steady_ms,
                        rate,
                        action: SteadyAction::Revote,
                        ideas: Vec::new(),
                    },
                    Duration::from_millis(steady_ms),
                )
                .await?;
            }
        }
        Scenario::Ideas => {
            let submitters = args.ideas.min(args.participants).div_ceil(w);
            let reports = run
                .phase(
                    Phase::Ideas {
                        activity,
                        window_ms,
                        submitters,
                    },
                    window,
                )
                .await?;
            let ideas: Vec<u32> = reports.iter().flat_map(|r| r.idea_ids.clone()).collect();
            let host = run.host.ok_or("no host")?;
            host.ok(json!({"type": "set_ideas_phase", "activity": activity, "phase": "vote"}))
                .await?;
            run.phase(
                Phase::Dots {
                    activity,
                    window_ms,
                    ideas: ideas.clone(),
                    dots: 3,
                },
                window,
            )
            .await?;
            rss_max.note(&run.meter.sample());
            let rest = duration_ms.saturating_sub(2 * window_ms);
            if rest > 0 {
                run.phase(
                    Phase::Steady {
                        activity,
                        duration_ms: rest,
                        rate,
                        action: SteadyAction::Redot,
                        ideas,
                    },
                    Duration::from_millis(rest),
                )
                .await?;
            }
        }
        Scenario::Wordcloud => {
            run.phase(
                Phase::Words {
                    activity,
                    window_ms,
                },
                window,
            )
            .await?;
            rss_max.note(&run.meter.sample());
            if steady_ms > 0 {
                run.phase(
                    Phase::Steady {
                        activity,
                        duration_ms: steady_ms,
                        rate,
                        action: SteadyAction::MoreWords,
                        ideas: Vec::new(),
                    },
                    Duration::from_millis(steady_ms),
                )
                .await?;
            }
        }
        Scenario::Churn => {
            let churn = args.churn_rate.unwrap_or(args.participants as f64 / 50.0);
            run.phase(
                Phase::Churn {
                    activity,
                    duration_ms,
                    window_ms,
                    rate: share(churn, w),
                    pause_max_ms: 2000,
                    revote_probability: 0.3,
                },
                Duration::from_millis(duration_ms),
            )
            .await?;
        }
        Scenario::Idle => {
            run.phase(
                Phase::Idle { duration_ms },
                Duration::from_millis(duration_ms),
            )
            .await?;
        }
    }
    rss_max.note(&run.meter.sample());
    report.server_rss_bytes = rss_max.total;
    // The steady fan-out step (or the only step) gives the per-frame figure.
    report.server_cpu_us_per_frame = run
        .phases
        .iter()
        .rev()
        .find(|p| matches!(p.name.as_str(), "steady" | "churn" | "idle"))
        .and_then(|p| p.server_cpu_us_per_frame);
    // Wait (bounded) for the presenter to show everything that was acknowledged.
    let max_seq = run
        .phase_reports
        .iter()
        .flatten()
        .map(|r| r.max_seq)
        .max()
        .unwrap_or(0);
    let presenter = run.presenter.ok_or("no presenter")?;
    let wait_until = Instant::now() + Duration::from_secs(10);
    while presenter.last_screen().map(|s| s.seq).unwrap_or(0) < max_seq
        && Instant::now() < wait_until
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let end = run.meter.sample_all().await;
    report.server_cpu_seconds = end.cpu() - before.cpu();
    report.server_rss_peak_bytes = end.hwm();
    report.server_threads = end.threads();
    fill_nodes(
        report,
        &run.phases,
        [&before, &after_connect, &settled, &end],
        &rss_max,
    );
    Ok(())
}

/// The highest RSS seen, all nodes together and each node.
#[derive(Clone, Debug, Default)]
struct RssMax {
    total: u64,
    nodes: Vec<u64>,
}

impl RssMax {
    fn note(&mut self, snap: &Snap) {
        self.total = self.total.max(snap.rss());
        if self.nodes.len() < snap.nodes.len() {
            self.nodes.resize(snap.nodes.len(), 0);
        }
        for (max, s) in self.nodes.iter_mut().zip(&snap.nodes) {
            *max = (*max).max(s.rss_bytes);
        }
    }
}

/// Per-node figures and Redis's, from the looks before connecting, right after, once settled,
/// and at the end.
fn fill_nodes(report: &mut Report, phases: &[PhaseStat], looks: [&Snap; 4], rss: &RssMax) {
    let [before, after_connect, settled, end] = looks;
    let steady = phases
        .iter()
        .rev()
        .find(|p| matches!(p.name.as_str(), "steady" | "churn" | "idle" | "receive"));
    let count = report.urls.len().max(before.nodes.len());
    let mut nodes = Vec::with_capacity(count);
    for k in 0..count {
        let connected = report
            .participants_connected_per_node
            .get(k)
            .copied()
            .unwrap_or(0);
        let mut node = NodeStat {
            url: report.urls.get(k).cloned().unwrap_or_default(),
            participants_connected: connected,
            ..NodeStat::default()
        };
        if let (Some(b), Some(c), Some(s), Some(e)) = (
            before.nodes.get(k),
            after_connect.nodes.get(k),
            settled.nodes.get(k),
            end.nodes.get(k),
        ) {
            node.pid = report.server_pids.get(k).copied();
            node.rss_before_connect_bytes = b.rss_bytes;
            node.rss_connected_bytes = s.rss_bytes;
            node.rss_bytes = rss.nodes.get(k).copied().unwrap_or(e.rss_bytes);
            node.rss_peak_bytes = e.hwm_bytes;
            if connected > 0 {
                node.rss_per_participant_bytes =
                    (s.rss_bytes as f64 - b.rss_bytes as f64) / connected as f64;
            }
            node.cpu_seconds = e.cpu_seconds - b.cpu_seconds;
            node.cpu_connect_seconds = c.cpu_seconds - b.cpu_seconds;
            node.cpu_steady_seconds = steady.and_then(|p| {
                if p.node_cpu_seconds.is_empty() {
                    Some(p.server_cpu_seconds)
                } else {
                    p.node_cpu_seconds.get(k).copied()
                }
            });
            node.threads = e.threads;
        }
        nodes.push(node);
    }
    report.nodes = nodes;
    if let Some(steady) = steady {
        report.redis_cpu_us_per_frame = steady.redis_cpu_us_per_frame;
        report.server_with_redis_cpu_us_per_frame = steady.server_with_redis_cpu_us_per_frame;
    }
    if let Some(r) = report.redis.as_mut() {
        if let (Some(b), Some(c), Some(e)) = (before.redis, after_connect.redis, end.redis) {
            r.cpu_seconds = e.cpu_seconds - b.cpu_seconds;
            r.cpu_connect_seconds = c.cpu_seconds - b.cpu_seconds;
            r.rss_bytes = e.rss_bytes;
        }
        r.cpu_steady_seconds = steady.and_then(|p| p.redis_cpu_seconds);
        if let Some((commands, input, output)) = redis_delta(before, end) {
            r.commands = commands;
            r.net_input_bytes = input;
            r.net_output_bytes = output;
        }
        r.used_memory_bytes = end.redis_info.as_ref().map(|i| i.used_memory).unwrap_or(0);
    }
}

/// Two-pass spread, final worker reports, and the sums.
async fn finish(run: &mut Run<'_>, report: &mut Report) -> Result<(), String> {
    // What the screen showed before anyone left.
    let screen = run
        .presenter
        .map(Control::screen_frames)
        .unwrap_or_default();
    run.workers.send_all(&ToWorker::FrameMins).await?;
    let all = run
        .workers
        .gather(Duration::from_secs(60), "frame mins", |e| match e {
            FromWorker::FrameMins { mins } => Some(mins),
            _ => None,
        })
        .await?;
    let mins = merge_mins(all);
    report.participant_frame_interval_ms = median_gap_ms(&mins);
    let mins: Vec<(u64, u64)> = mins.iter().map(|(key, at, _)| (*key, *at)).collect();
    run.workers.send_all(&ToWorker::Finish { mins }).await?;
    let reports: Vec<WorkerReport> = run
        .workers
        .gather(Duration::from_secs(120), "report", |e| match e {
            FromWorker::Report(r) => Some(*r),
            _ => None,
        })
        .await?;
    report.phases = run.phases.clone();
    sum_up(run.args, &reports, &screen, report);
    report.presenter_frames = screen.len() as u64;
    Ok(())
}

fn sum_up(args: &Args, reports: &[WorkerReport], screen: &[ScreenFrame], report: &mut Report) {
    let mut connect = Hist::default();
    let mut reconnect = Hist::default();
    let mut ack = Hist::default();
    let mut spread = Hist::default();
    let mut latency = Hist::default();
    let mut acks: Vec<(u64, u64, u32)> = Vec::new();
    let mut expected_counts = vec![0u64; 4];
    let (mut dots, mut dot_voters, mut words, mut word_voters) = (0, 0, 0, 0);
    let mut state_bytes = 0;
    let mut generator_cpu = sys::sample("self").map(|s| s.cpu_seconds).unwrap_or(0.0);
    let mut generator_rss = sys::sample("self").map(|s| s.rss_bytes).unwrap_or(0);
    for r in reports {
        connect.merge(&Hist::from_wire(&r.connect_ms));
        reconnect.merge(&Hist::from_wire(&r.reconnect_ms));
        ack.merge(&Hist::from_wire(&r.ack_ms));
        spread.merge(&Hist::from_wire(&r.frame_spread_ms));
        latency.merge(&Hist::from_wire(&r.frame_latency_ms));
        acks.extend_from_slice(&r.acks);
        for (i, c) in r.poll_counts.iter().enumerate() {
            if let Some(e) = expected_counts.get_mut(i) {
                *e += c;
            }
        }
        dots += r.dots_total;
        dot_voters += r.dots_voters;
        words += r.words_total;
        word_voters += r.words_submitters;
        report.frames_received += r.frames_received;
        report.participant_state_frames += r.state_frames;
        state_bytes += r.state_bytes;
        report.bytes_received += r.bytes_received;
        report.votes_sent += r.requests_sent;
        report.votes_acked += r.acked;
        report.votes_unanswered += r.unanswered;
        report.reconnects += r.reconnects;
        report.reconnect_failed += r.reconnect_failed;
        report.frame_samples_dropped += r.frame_samples_dropped;
        for (k, v) in &r.errors {
            *report.vote_errors.entry(k.clone()).or_insert(0) += v;
        }
        for (k, v) in &r.server_closes {
            *report.server_closes.entry(k.clone()).or_insert(0) += v;
        }
        generator_cpu += r.cpu_seconds;
        generator_rss += r.rss_bytes;
    }
    report.connect_ms = connect.pcts();
    report.reconnect_ms = reconnect.pcts();
    report.vote_ack_ms = ack.pcts();
    report.participant_frame_spread_ms = spread.pcts();
    report.participant_frame_ms = latency.pcts();
    if latency.count() == 0 && spread.count() > 0 {
        report.notes.push(
            "the server's frames carry no server_time: tick → received is not measured".into(),
        );
    }
    report.avg_state_frame_bytes = if report.participant_state_frames > 0 {
        state_bytes as f64 / report.participant_state_frames as f64
    } else {
        0.0
    };
    report.generator_cpu_seconds = generator_cpu;
    report.generator_rss_bytes = generator_rss;
    report.participant_frame_method = "tick → received: for every distinct participant state \
        frame, each receipt minus the frame's server_time (handsup: when the server rendered it; \
        NATS: the publish time in the payload); all processes read the same clock. \
        participant_frame_spread_ms: each receipt minus the earliest receipt of the same frame by \
        any participant in any worker (how long one fan-out takes to reach everyone)"
        .into();
    if report.target != "handsup" {
        return;
    }
    // vote → presenter: the ack's seq is the vote's log position; the first presenter frame with
    // seq at or past it is the first screen that includes the vote.
    let mut to_screen = Hist::default();
    let mut from_elsewhere = Hist::default();
    let mut from_same = Hist::default();
    let mut never = 0;
    for (sent_us, seq, node) in &acks {
        let i = screen.partition_point(|f| f.seq < *seq);
        match screen.get(i) {
            Some(frame) => {
                let us = frame.at_us.saturating_sub(*sent_us);
                to_screen.record(us);
                if report.presenter_node == Some(*node as usize) {
                    from_same.record(us);
                } else {
                    from_elsewhere.record(us);
                }
            }
            None => never += 1,
        }
    }
    report.vote_to_presenter_ms = to_screen.pcts();
    // The same by step: an answer belongs to the step during which it was sent.
    for phase in &report.phases {
        let mut hist = Hist::default();
        for (sent_us, seq, _) in &acks {
            if (phase.started_us..phase.ended_us).contains(sent_us) {
                let i = screen.partition_point(|f| f.seq < *seq);
                if let Some(frame) = screen.get(i) {
                    hist.record(frame.at_us.saturating_sub(*sent_us));
                }
            }
        }
        if hist.count() > 0 {
            report
                .vote_to_presenter_by_phase_ms
                .insert(phase.name.clone(), hist.pcts());
        }
    }
    if report.urls.len() > 1 {
        report.vote_to_presenter_other_nodes_ms = Some(from_elsewhere.pcts());
        report.vote_to_presenter_same_node_ms = Some(from_same.pcts());
    }
    report.votes_never_on_presenter = never;
    report.vote_to_presenter_method = "ack seq = the answer's log position; latency = receipt of \
        the first presenter frame whose seq ≥ that position minus the send time (one clock for \
        all processes); includes answers that changed an earlier vote"
        .into();
    let last = screen.last().cloned().unwrap_or_default();
    if screen.iter().any(|f| f.epoch != last.epoch) {
        report.notes.push(
            "the room's epoch changed during the run (rebuilt): seq comparisons span epochs".into(),
        );
    }
    report.final_presenter_total = last.total;
    report.final_presenter_voters = last.voters;
    report.final_presenter_counts = last.counts.clone();
    report.final_presenter_participants = last.participants;
    report.final_presenter_online = last.online;
    match args.scenario {
        Scenario::Poll | Scenario::Churn | Scenario::Idle => {
            report.expected_counts = expected_counts.clone();
            report.expected_voters = expected_counts.iter().sum();
            report.expected_total = report.expected_voters;
            let shown = |i: usize| last.counts.get(i).copied().unwrap_or(0);
            let short: u64 = (0..4)
                .map(|i| expected_counts[i].saturating_sub(shown(i)))
                .sum();
            let extra: u64 = (0..last.counts.len())
                .map(|i| shown(i).saturating_sub(expected_counts.get(i).copied().unwrap_or(0)))
                .sum();
            if report.votes_unanswered == 0 {
                report.lost_votes = short;
                report.unacked_counted = extra;
                report.lost_votes_method = "per option: participants whose last acknowledged \
                    vote is that option minus the presenter's final count, summed where short"
                    .into();
            } else {
                report.lost_votes = report.expected_voters.saturating_sub(last.voters);
                report.unacked_counted = last.voters.saturating_sub(report.expected_voters);
                report.lost_votes_method = "some requests were never answered, so per-option \
                    counts are ambiguous: acknowledged distinct voters minus the presenter's \
                    voters"
                    .into();
            }
        }
        Scenario::Ideas => {
            report.expected_total = dots;
            report.expected_voters = dot_voters;
            report.lost_votes = dots.saturating_sub(last.total);
            report.unacked_counted = last.total.saturating_sub(dots);
            report.lost_votes_method = "dots in every participant's last acknowledged dot-vote \
                ballot minus the sum of votes on the presenter's final idea list"
                .into();
        }
        Scenario::Wordcloud => {
            report.expected_total = words;
            report.expected_voters = word_voters;
            report.lost_votes = words.saturating_sub(last.total);
            report.unacked_counted = last.total.saturating_sub(words);
            report.lost_votes_method =
                "acknowledged words minus the presenter's final word total".into();
        }
    }
}

async fn run_nats(args: &Args, mut report: Report) -> Result<Report, String> {
    report.target = "nats".into();
    report.scenario = "fanout".into();
    let nodes = match args.nats_cluster {
        Some(n) if n > 1 => {
            nats::start_cluster(
                &args.nats_server,
                n,
                args.nats_port,
                args.nats_ws_port,
                args.nats_route_port,
            )
            .await?
        }
        _ => vec![nats::start(&args.nats_server, args.nats_port, args.nats_ws_port).await?],
    };
    let ws_addrs: Vec<SocketAddr> = nodes
        .iter()
        .map(|n| SocketAddr::from(([127, 0, 0, 1], n.ws_port)))
        .collect();
    report.urls = ws_addrs.iter().map(|a| format!("ws://{a}/")).collect();
    report.url = report.urls.join(",");
    let pids: Vec<u32> = nodes.iter().map(|n| n.pid).collect();
    report.server_pid = pids.first().copied();
    report.server_pids = pids.clone();
    let meter = Meter {
        nodes: pids,
        redis: None,
        redis_url: None,
    };
    let pub_addr = SocketAddr::from(([127, 0, 0, 1], args.nats_port));
    let outcome = drive_nats(args, &meter, &ws_addrs, pub_addr, &mut report).await;
    report.server_cpu_lifetime_seconds = meter.sample().cpu();
    for node in &nodes {
        sys::signal(node.pid, libc::SIGTERM);
    }
    for node in nodes {
        node.stop().await;
    }
    outcome.map(|()| report)
}

async fn drive_nats(
    args: &Args,
    meter: &Meter,
    ws_addrs: &[SocketAddr],
    pub_addr: SocketAddr,
    report: &mut Report,
) -> Result<(), String> {
    let tick_ms = args
        .tick_ms
        .unwrap_or_else(|| default_tick_ms(args.participants))
        .max(1);
    report.tick_ms = Some(tick_ms);
    report.frame_bytes = Some(args.frame_bytes);
    let before = meter.sample();
    let deadline = now_us() / 1000 + (args.connect_timeout + args.duration * 3 + 600) * 1000;
    let ws_urls: Vec<String> = ws_addrs.iter().map(|a| format!("ws://{a}/")).collect();
    let workers = Workers::spawn(args, Target::Nats, ws_addrs, &ws_urls, deadline).await?;
    report.workers = workers.len();
    report.source_addresses = workers.sources;
    let mut run = Run {
        args,
        meter: meter.clone(),
        workers,
        host: None,
        presenter: None,
        phases: Vec::new(),
        phase_reports: Vec::new(),
    };
    let result: Result<(), String> = async {
        connected(&mut run, report).await?;
        let after_connect = meter.sample();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let settled = meter.sample();
        report.server_rss_before_connect_bytes = before.rss();
        report.server_rss_connected_bytes = settled.rss();
        report.server_cpu_connect_seconds = after_connect.cpu() - before.cpu();
        if report.participants_connected > 0 {
            report.rss_per_participant_bytes =
                (settled.rss() as f64 - before.rss() as f64) / report.participants_connected as f64;
        }
        let mut rss_max = RssMax::default();
        rss_max.note(&settled);
        let duration = Duration::from_secs(args.duration);
        // Subscribers listen a little longer than the publisher talks.
        let listen = duration + Duration::from_millis(1500);
        let publisher = tokio::spawn(nats::publish(
            pub_addr,
            Duration::from_millis(tick_ms),
            args.frame_bytes,
            duration,
        ));
        run.phase(
            Phase::Receive {
                duration_ms: listen.as_millis() as u64,
            },
            listen,
        )
        .await?;
        let published = publisher.await.map_err(|e| format!("publisher: {e}"))??;
        report.frames_published = Some(published);
        report.frames_expected = Some(published * report.participants_connected as u64);
        report.server_cpu_us_per_frame = run.phases.last().and_then(|p| p.server_cpu_us_per_frame);
        let end = meter.sample();
        rss_max.note(&end);
        report.server_rss_bytes = rss_max.total;
        report.server_rss_peak_bytes = end.hwm();
        report.server_threads = end.threads();
        report.server_cpu_seconds = end.cpu() - before.cpu();
        fill_nodes(
            report,
            &run.phases,
            [&before, &after_connect, &settled, &end],
            &rss_max,
        );
        finish(&mut run, report).await
    }
    .await;
    report.phases = std::mem::take(&mut run.phases);
    run.workers.shutdown().await;
    result
}

/// Drops the per-vote detail nobody reads in the JSON (kept small and diffable).
pub fn tidy(report: &mut Report) {
    let keep: BTreeMap<String, u64> = std::mem::take(&mut report.vote_errors)
        .into_iter()
        .filter(|(_, v)| *v > 0)
        .collect();
    report.vote_errors = keep;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_interval_is_measured_within_each_node() {
        // Two nodes, each rendering every 200 ms, 50 ms apart from each other.
        let mut mins = Vec::new();
        for i in 0..10u64 {
            mins.push((i, i * 200_000, 0));
            mins.push((100 + i, i * 200_000 + 50_000, 1));
        }
        assert_eq!(median_gap_ms(&mins), 200.0);
        let merged = merge_mins(vec![
            vec![(7, 500, 1), (8, 900, 0)],
            vec![(7, 300, 1), (9, 100, 2)],
        ]);
        let mut merged = merged;
        merged.sort_unstable();
        assert_eq!(merged, vec![(7, 300, 1), (8, 900, 0), (9, 100, 2)]);
    }

    #[test]
    fn redis_counters_are_differences() {
        let look = |c, i, o| Snap {
            redis_info: Some(resp::Info {
                commands_processed: c,
                net_input_bytes: i,
                net_output_bytes: o,
                ..resp::Info::default()
            }),
            ..Snap::default()
        };
        assert_eq!(
            redis_delta(&look(10, 100, 1000), &look(25, 160, 1900)),
            Some((15, 60, 900))
        );
        assert_eq!(redis_delta(&Snap::default(), &look(1, 1, 1)), None);
    }
}
