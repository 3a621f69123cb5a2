//! handsup's load generator: thousands of real WebSocket phones in one room, a presenter and a
//! host, driven through a scenario; or the same fan-out shape through nats-server for comparison.
//!
//! One coordinator process spawns worker processes of this same binary (`--worker`, hidden),
//! each with its own share of the clients and its own source addresses in 127.0.0.0/8, so the run
//! is not limited by one process's open files or one address's ephemeral ports. All traffic stays
//! on 127.0.0.0/8; every loop is bounded; every process exits by itself. See docs/PERFORMANCE.md.

mod control;
mod coordinator;
mod hist;
mod nats;
mod net;
mod report;
mod resp;
mod sys;
mod wire;
mod worker;

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use wire::Target;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// Everyone votes within the vote window, some change their vote; then a steady trickle.
    Poll,
    /// Some submit ideas, the host opens voting, everyone dot-votes; then a steady trickle.
    Ideas,
    /// Everyone submits one or two words; then a trickle of more words.
    Wordcloud,
    /// Everyone votes once while participants keep leaving and coming back with their token.
    Churn,
    /// Connections only.
    Idle,
}

#[derive(Clone, Debug, Parser)]
#[command(
    name = "loadtest",
    version,
    about = "Load generator for handsup: thousands of real WebSocket phones in one room"
)]
pub struct Args {
    /// The handsup server (loopback only). Repeatable or comma-separated for a cluster: phones
    /// are spread over the nodes round-robin. Default http://127.0.0.1:3000; with
    /// --spawn-cluster, free ports (or exactly N addresses given here).
    #[arg(long, value_delimiter = ',')]
    pub url: Vec<String>,

    /// The node the presenter connects to (default: the first --url).
    #[arg(long, conflicts_with = "presenter_node")]
    pub presenter_url: Option<String>,

    /// The node the host connects to and creates the room on over HTTP (default: the first
    /// --url).
    #[arg(long, conflicts_with = "host_node")]
    pub host_url: Option<String>,

    /// The presenter's node as an index into the node list (0 = the first), handy with
    /// --spawn-cluster whose ports are chosen at run time.
    #[arg(long, value_parser = node_index_range)]
    pub presenter_node: Option<usize>,

    /// The host's node as an index into the node list (0 = the first).
    #[arg(long, value_parser = node_index_range)]
    pub host_node: Option<usize>,

    /// Phones to connect.
    #[arg(long, default_value_t = 1000,
          value_parser = participants_range)]
    pub participants: usize,

    #[arg(long, value_enum, default_value = "poll")]
    pub scenario: Scenario,

    /// Seconds the scenario runs after everyone has connected.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub duration: u64,

    /// Write the JSON report here.
    #[arg(long)]
    pub json: Option<PathBuf>,

    /// The server's process id, for RSS and CPU from /proc. Repeatable or comma-separated for
    /// a cluster's nodes, in --url order.
    #[arg(long, value_delimiter = ',')]
    pub server_pid: Vec<u32>,

    /// Start this handsup binary on --url's address with a fresh data directory, measure it, and
    /// stop it afterwards. With --spawn-cluster it is the binary every node runs.
    #[arg(long)]
    pub spawn_server: Option<PathBuf>,

    /// Start N nodes of the --spawn-server binary on free ports, sharing --redis-url under a
    /// fresh key prefix; measure each node and Redis; stop them and delete the prefix's keys
    /// afterwards.
    #[arg(long, requires_all = ["spawn_server", "redis_url"],
          value_parser = cluster_range)]
    pub spawn_cluster: Option<usize>,

    /// The Redis the cluster shares (loopback only), e.g. redis://127.0.0.1:6379/0. Its CPU is
    /// read from /proc (the pid from INFO) and reported beside the nodes'.
    #[arg(long)]
    pub redis_url: Option<String>,

    /// Key prefix for the spawned cluster (default: a fresh bench-<pid>-<time>: whose keys are
    /// deleted at the end; a prefix given here is left in place).
    #[arg(long, requires = "spawn_cluster")]
    pub redis_prefix: Option<String>,

    /// Extra argument for the spawned server (repeatable), e.g. --server-arg=--connect-rate=1000.
    #[arg(long = "server-arg", allow_hyphen_values = true)]
    pub server_args: Vec<String>,

    /// What to drive: handsup, or nats-server's WebSocket listener with the same fan-out shape.
    #[arg(long, value_enum, default_value = "handsup")]
    pub target: Target,

    /// The nats-server binary (--target nats starts its own instance and stops it afterwards).
    #[arg(long, default_value = "/usr/sbin/nats-server")]
    pub nats_server: PathBuf,

    /// Client port of the nats-server this run starts.
    #[arg(long, default_value_t = 4333)]
    pub nats_port: u16,

    /// WebSocket port of the nats-server this run starts.
    #[arg(long, default_value_t = 8222)]
    pub nats_ws_port: u16,

    /// --target nats: run N nats-server nodes joined by routes, each with its own WebSocket
    /// listener (node k on --nats-port+k and --nats-ws-port+k); subscribers are spread over them
    /// round-robin, the publisher talks to the first.
    #[arg(long, value_parser = cluster_range)]
    pub nats_cluster: Option<usize>,

    /// First route (cluster) port of a --nats-cluster (node k on this port + k).
    #[arg(long, default_value_t = 6333)]
    pub nats_route_port: u16,

    /// NATS payload size in bytes.
    #[arg(long, default_value_t = 100, value_parser = frame_bytes_range)]
    pub frame_bytes: usize,

    /// NATS publish interval in ms (default: handsup's participant interval for this audience).
    #[arg(long)]
    pub tick_ms: Option<u64>,

    /// Clients per worker process (the per-process open-file limit is the ceiling).
    #[arg(long, default_value_t = 4000,
          value_parser = per_worker_range)]
    pub per_worker: usize,

    /// Worker processes (default: participants / per-worker, rounded up).
    #[arg(long, value_parser = small_range)]
    pub workers: Option<usize>,

    /// Source addresses per worker (each gives ~28,000 ephemeral ports).
    #[arg(long, default_value_t = 4,
          value_parser = small_range)]
    pub sources_per_worker: usize,

    /// New connections per second, all workers together.
    #[arg(long, default_value_t = 2000.0)]
    pub connect_rate: f64,

    /// Handshakes in flight at once, per worker.
    #[arg(long, default_value_t = 64,
          value_parser = concurrency_range)]
    pub connect_concurrency: usize,

    /// Seconds allowed for connecting everyone.
    #[arg(long, default_value_t = 180, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub connect_timeout: u64,

    /// Seconds within which everyone answers (poll, ideas, wordcloud, churn).
    #[arg(long, default_value_t = 5.0)]
    pub vote_window: f64,

    /// Share of participants who change their vote within the window (poll).
    #[arg(long, default_value_t = 0.2)]
    pub change_fraction: f64,

    /// Answers per second, all workers together, after the window (keeps frames flowing).
    #[arg(long, default_value_t = 20.0)]
    pub steady_rate: f64,

    /// Ideas submitted in the ideas scenario (the domain holds at most 2,000).
    #[arg(long, default_value_t = 200)]
    pub ideas: usize,

    /// Leaves-and-returns per second in the churn scenario (default: 2 % of the audience).
    #[arg(long)]
    pub churn_rate: Option<f64>,

    /// Seed for every random choice (runs are repeatable in what clients do).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Internal: run as a worker process (configuration and commands on stdin).
    #[arg(long, hide = true)]
    pub worker: bool,
}

fn count_in(text: &str, low: usize, high: usize) -> Result<usize, String> {
    let n: usize = text
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number"))?;
    if (low..=high).contains(&n) {
        Ok(n)
    } else {
        Err(format!("must be {low} to {high}"))
    }
}

fn participants_range(text: &str) -> Result<usize, String> {
    count_in(text, 1, 200_000)
}

fn frame_bytes_range(text: &str) -> Result<usize, String> {
    count_in(text, 40, 1_000_000)
}

fn per_worker_range(text: &str) -> Result<usize, String> {
    count_in(text, 1, 18_000)
}

fn small_range(text: &str) -> Result<usize, String> {
    count_in(text, 1, 250)
}

fn cluster_range(text: &str) -> Result<usize, String> {
    count_in(text, 1, 16)
}

fn node_index_range(text: &str) -> Result<usize, String> {
    count_in(text, 0, 15)
}

fn concurrency_range(text: &str) -> Result<usize, String> {
    count_in(text, 1, 10_000)
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.worker {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("loadtest worker: {e}");
                return ExitCode::from(2);
            }
        };
        return match runtime.block_on(worker::run()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("loadtest worker: {e}");
                ExitCode::from(2)
            }
        };
    }
    if !(args.connect_rate > 0.0
        && args.steady_rate >= 0.0
        && args.vote_window > 0.0
        && (0.0..=1.0).contains(&args.change_fraction))
    {
        eprintln!(
            "loadtest: --connect-rate and --vote-window must be positive, --steady-rate not \
             negative, --change-fraction within 0..=1"
        );
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("loadtest: {e}");
            return ExitCode::from(2);
        }
    };
    let outcome = runtime.block_on(async {
        // The whole run is bounded: connecting, the scenario, and generous settling time.
        let limit = std::time::Duration::from_secs(args.connect_timeout + args.duration * 3 + 900);
        tokio::time::timeout(limit, coordinator::run(&args))
            .await
            .unwrap_or_else(|_| Err(format!("the run did not finish within {limit:?}")))
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    match outcome {
        Ok(mut report) => {
            coordinator::tidy(&mut report);
            print!("{}", report::summary(&report));
            if let Some(path) = &args.json {
                match serde_json::to_string_pretty(&report) {
                    Ok(text) => {
                        if let Err(e) = std::fs::write(path, text + "\n") {
                            eprintln!("loadtest: writing {}: {e}", path.display());
                            return ExitCode::from(2);
                        }
                    }
                    Err(e) => {
                        eprintln!("loadtest: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            if report.lost_votes > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("loadtest: {e}");
            ExitCode::from(2)
        }
    }
}
