//! The coordinator: creates the room, runs the host and presenter, spawns the worker processes
//! (each with its own source addresses), steps them through the scenario, samples the server in
//! /proc, and assembles the report.

use crate::Args;
use crate::Scenario;
use crate::control::{Control, ScreenFrame};
use crate::hist::Hist;
use crate::nats;
use crate::net;
use crate::report::{PhaseStat, Report};
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
        server: SocketAddr,
        ws_url: &str,
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
        for w in 0..count {
            let share = n / count + usize::from(w < n % count);
            let addrs: Vec<String> = (1..=args.sources_per_worker)
                .map(|k| format!("127.{}.{}.{k}", 10 + w / 200, w % 200 + 1))
                .collect();
            sources += addrs.len();
            let cfg = WorkerConfig {
                index: w,
                target,
                server: server.to_string(),
                ws_url: ws_url.to_string(),
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

async fn spawn_handsup(
    bin: &Path,
    server: SocketAddr,
    extra: &[String],
) -> Result<SpawnedServer, String> {
    let dir = std::env::temp_dir().join(format!(
        "loadtest-handsup-{}-{}",
        std::process::id(),
        now_us()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let log = std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
    let child = Command::new(bin)
        .arg("--bind")
        .arg(server.to_string())
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let pid = child.id().ok_or("the server exited at once")?;
    for _ in 0..200 {
        if let Ok((200, _)) = net::http(server, "GET", "/healthz", None).await {
            return Ok(SpawnedServer { child, pid, dir });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!(
        "the server did not answer /healthz within 20 s (see {})",
        dir.join("server.log").display()
    ))
}

impl SpawnedServer {
    async fn stop(mut self) {
        sys::signal(self.pid, libc::SIGTERM);
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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
fn merge_mins(all: Vec<Vec<(u64, u64)>>) -> Vec<(u64, u64)> {
    let mut mins: HashMap<u64, u64> = HashMap::new();
    for list in all {
        for (key, at) in list {
            mins.entry(key)
                .and_modify(|m| *m = (*m).min(at))
                .or_insert(at);
        }
    }
    mins.into_iter().collect()
}

/// Median gap between successive distinct frames (their first receipts).
fn median_gap_ms(mins: &[(u64, u64)]) -> f64 {
    let mut times: Vec<u64> = mins.iter().map(|(_, at)| *at).collect();
    times.sort_unstable();
    let mut gaps: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    if gaps.is_empty() {
        return 0.0;
    }
    gaps.sort_unstable();
    gaps[gaps.len() / 2] as f64 / 1000.0
}

struct Run<'a> {
    args: &'a Args,
    pid: Option<u32>,
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

    /// Runs one phase on every worker, measuring the server around it.
    async fn phase(&mut self, phase: Phase, longest: Duration) -> Result<Vec<PhaseReport>, String> {
        let name = phase.name().to_string();
        eprintln!("loadtest: phase {name}");
        let before = sample(self.pid);
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
        let after = sample(self.pid);
        let frames: u64 = reports.iter().map(|r| r.frames).sum::<u64>()
            + (self.control_frames() - control_before);
        let cpu = after.cpu_seconds - before.cpu_seconds;
        self.phases.push(PhaseStat {
            name,
            seconds: started.elapsed().as_secs_f64(),
            requests: reports.iter().map(|r| r.requests_sent).sum(),
            answered: reports.iter().map(|r| r.answered).sum(),
            bounces: reports.iter().map(|r| r.bounces).sum(),
            frames,
            server_cpu_seconds: cpu,
            server_cpu_us_per_frame: (frames > 0 && self.pid.is_some())
                .then(|| cpu * 1e6 / frames as f64),
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
    let server_before = sample(args.server_pid).cpu_seconds;
    let mut report = match args.target {
        Target::Handsup => run_handsup(args, report).await?,
        Target::Nats => run_nats(args, report).await?,
    };
    report.machine_busy_seconds = sys::machine_busy_seconds() - busy_before;
    let server_used = report.server_cpu_lifetime_seconds - server_before;
    report.other_cpu_seconds =
        (report.machine_busy_seconds - server_used - report.generator_cpu_seconds).max(0.0);
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

async fn run_handsup(args: &Args, mut report: Report) -> Result<Report, String> {
    report.target = "handsup".into();
    report.url = args.url.clone();
    let server = net::loopback_addr(&args.url)?;
    let spawned = match &args.spawn_server {
        Some(bin) => Some(spawn_handsup(bin, server, &args.server_args).await?),
        None => None,
    };
    let pid = args.server_pid.or(spawned.as_ref().map(|s| s.pid));
    report.server_pid = pid;
    if pid.is_none() {
        report
            .notes
            .push("no --server-pid: server RSS and CPU are not measured".into());
    }
    let outcome = drive_handsup(args, server, pid, &mut report).await;
    report.server_cpu_lifetime_seconds = sample(pid).cpu_seconds;
    if let Some(s) = spawned {
        s.stop().await;
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
    server: SocketAddr,
    pid: Option<u32>,
    report: &mut Report,
) -> Result<(), String> {
    let (status, body) = net::http(
        server,
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
    let ws_url = format!("ws://{server}/ws/{code}");
    let host = Control::connect(
        server,
        &ws_url,
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
        server,
        &ws_url,
        json!({"type": "hello", "role": "presenter"}),
        true,
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = sample(pid);
    let deadline = now_us() / 1000 + (args.connect_timeout + args.duration * 3 + 600) * 1000;
    let workers = Workers::spawn(args, Target::Handsup, server, &ws_url, deadline).await?;
    report.workers = workers.len();
    report.source_addresses = workers.sources;
    let mut run = Run {
        args,
        pid,
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
    before: ProcSample,
    report: &mut Report,
) -> Result<(), String> {
    let args = run.args;
    connected(run, report).await?;
    let after_connect = sample(run.pid);
    // Let the frames caused by the joins settle before measuring memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let settled = sample(run.pid);
    report.server_rss_before_connect_bytes = before.rss_bytes;
    report.server_rss_connected_bytes = settled.rss_bytes;
    report.server_cpu_connect_seconds = after_connect.cpu_seconds - before.cpu_seconds;
    if report.participants_connected > 0 && run.pid.is_some() {
        report.rss_per_participant_bytes = (settled.rss_bytes as f64 - before.rss_bytes as f64)
            / report.participants_connected as f64;
    }
    let w = run.workers.len();
    let duration_ms = args.duration * 1000;
    let window_ms = ((args.vote_window * 1000.0) as u64).min(duration_ms).max(1);
    let steady_ms = duration_ms.saturating_sub(window_ms);
    let rate = share(args.steady_rate, w);
    let window = Duration::from_millis(window_ms);
    let mut rss_max = settled.rss_bytes;
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
            rss_max = rss_max.max(sample(run.pid).rss_bytes);
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
            rss_max = rss_max.max(sample(run.pid).rss_bytes);
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
            rss_max = rss_max.max(sample(run.pid).rss_bytes);
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
    rss_max = rss_max.max(sample(run.pid).rss_bytes);
    report.server_rss_bytes = rss_max;
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
    let end = sample(run.pid);
    report.server_cpu_seconds = end.cpu_seconds - before.cpu_seconds;
    report.server_rss_peak_bytes = end.hwm_bytes;
    report.server_threads = end.threads;
    Ok(())
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
    run.workers
        .send_all(&ToWorker::Finish { mins: mins.clone() })
        .await?;
    let reports: Vec<WorkerReport> = run
        .workers
        .gather(Duration::from_secs(120), "report", |e| match e {
            FromWorker::Report(r) => Some(*r),
            _ => None,
        })
        .await?;
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
    let mut acks: Vec<(u64, u64)> = Vec::new();
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
    let mut never = 0;
    for (sent_us, seq) in &acks {
        let i = screen.partition_point(|f| f.seq < *seq);
        match screen.get(i) {
            Some(frame) => to_screen.record(frame.at_us.saturating_sub(*sent_us)),
            None => never += 1,
        }
    }
    report.vote_to_presenter_ms = to_screen.pcts();
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
    let nats = nats::start(&args.nats_server, args.nats_port, args.nats_ws_port).await?;
    report.url = format!("ws://127.0.0.1:{}", args.nats_ws_port);
    report.server_pid = Some(nats.pid);
    let outcome = drive_nats(args, nats.pid, &mut report).await;
    report.server_cpu_lifetime_seconds = sample(Some(nats.pid)).cpu_seconds;
    nats.stop().await;
    outcome.map(|()| report)
}

async fn drive_nats(args: &Args, pid: u32, report: &mut Report) -> Result<(), String> {
    let ws_addr = SocketAddr::from(([127, 0, 0, 1], args.nats_ws_port));
    let pub_addr = SocketAddr::from(([127, 0, 0, 1], args.nats_port));
    let tick_ms = args
        .tick_ms
        .unwrap_or_else(|| default_tick_ms(args.participants))
        .max(1);
    report.tick_ms = Some(tick_ms);
    report.frame_bytes = Some(args.frame_bytes);
    let before = sample(Some(pid));
    let deadline = now_us() / 1000 + (args.connect_timeout + args.duration * 3 + 600) * 1000;
    let workers = Workers::spawn(
        args,
        Target::Nats,
        ws_addr,
        &format!("ws://{ws_addr}/"),
        deadline,
    )
    .await?;
    report.workers = workers.len();
    report.source_addresses = workers.sources;
    let mut run = Run {
        args,
        pid: Some(pid),
        workers,
        host: None,
        presenter: None,
        phases: Vec::new(),
        phase_reports: Vec::new(),
    };
    let result: Result<(), String> = async {
        connected(&mut run, report).await?;
        let after_connect = sample(Some(pid));
        tokio::time::sleep(Duration::from_secs(2)).await;
        let settled = sample(Some(pid));
        report.server_rss_before_connect_bytes = before.rss_bytes;
        report.server_rss_connected_bytes = settled.rss_bytes;
        report.server_cpu_connect_seconds = after_connect.cpu_seconds - before.cpu_seconds;
        if report.participants_connected > 0 {
            report.rss_per_participant_bytes = (settled.rss_bytes as f64 - before.rss_bytes as f64)
                / report.participants_connected as f64;
        }
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
        let end = sample(Some(pid));
        report.server_rss_bytes = end.rss_bytes.max(settled.rss_bytes);
        report.server_rss_peak_bytes = end.hwm_bytes;
        report.server_threads = end.threads;
        report.server_cpu_seconds = end.cpu_seconds - before.cpu_seconds;
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
