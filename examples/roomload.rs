//! Benchmark: how long a server takes to load a room with a long log, in both modes.
//!
//! Builds one room through the real hub (every command checked, logged and applied back, with
//! snapshots every `--snapshot-every`), then starts a fresh hub on the same log and times loading
//! the room (SQLite: the start-up load; Redis: a node's first request for the room), and checks
//! that the loaded room is the room that was built.
//!
//! ```sh
//! cargo run --release --example roomload -- --commands 1000000
//! cargo run --release --example roomload -- --commands 1000000 --redis-url redis://127.0.0.1:6379
//! ```

use clap::Parser;
use handsup::config::Config;
use handsup::domain::activity::ActivitySpec;
use handsup::domain::{ActivityId, Answered, Command, Navigate, ParticipantId, RoomCommand};
use handsup::hub::identity::Secret;
use handsup::hub::{Hub, HubSettings};
use handsup::store::redis::RedisLog;
use handsup::store::sqlite::SqliteLog;
use handsup::store::{Cluster, CommandLog};
use std::sync::Arc;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    /// Commands in the room's log.
    #[arg(long, default_value_t = 1_000_000)]
    commands: u64,
    /// Participants who join (the rest of the commands are their vote changes).
    #[arg(long, default_value_t = 20_000)]
    participants: u64,
    #[arg(long, default_value_t = 10_000)]
    snapshot_every: u64,
    /// Commands in flight at once while building.
    #[arg(long, default_value_t = 256)]
    concurrency: u64,
    /// Use a Redis log (a fresh key prefix, removed at the end) instead of SQLite.
    #[arg(long)]
    redis_url: Option<String>,
}

struct Logs {
    log: Arc<dyn CommandLog>,
    cluster: Option<Arc<dyn Cluster>>,
}

async fn open(args: &Args, dir: &std::path::Path, prefix: &str) -> Result<Logs, String> {
    match &args.redis_url {
        Some(url) => {
            let log = Arc::new(
                RedisLog::connect(url, prefix)
                    .await
                    .map_err(|e| e.to_string())?,
            );
            Ok(Logs {
                log: log.clone(),
                cluster: Some(log),
            })
        }
        None => Ok(Logs {
            log: Arc::new(SqliteLog::open(&dir.join("log.sqlite")).map_err(|e| e.to_string())?),
            cluster: None,
        }),
    }
}

fn vote(n: u64, option: u32) -> Command {
    let answer = serde_json::json!({"type": "vote", "activity": 0, "options": [option]});
    Command::Answer(Answered {
        participant: ParticipantId(uuid::Uuid::from_u128(u128::from(n))),
        answer: serde_json::from_value(answer).unwrap_or_else(|e| panic!("vote: {e}")),
    })
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let dir = tempfile_dir()?;
    let prefix = format!("handsup-bench:{}:", uuid::Uuid::new_v4().simple());
    let mut config = Config::for_data_dir(dir.clone());
    config.snapshot_every = args.snapshot_every;
    config.max_participants = args.participants.max(1) as u32;
    let settings = HubSettings::from_config(&config);
    let mode = if args.redis_url.is_some() {
        "redis"
    } else {
        "sqlite"
    };

    let logs = open(&args, &dir, &prefix).await?;
    let hub = Hub::load(logs.log, logs.cluster, settings.clone(), Secret::random())
        .await
        .map_err(|e| e.to_string())?;
    let created = hub.create_room("Long").await.map_err(|e| e.to_string())?;
    let room = hub.get(&created.code).ok_or("the room vanished")?;
    let spec: ActivitySpec = serde_json::from_value(
        serde_json::json!({"kind": "poll", "question": "Which?", "options": ["A", "B", "C", "D"]}),
    )
    .map_err(|e| e.to_string())?;
    room.submit(Command::Room(RoomCommand::AddActivity {
        spec,
        position: None,
    }))
    .await
    .map_err(|e| format!("{e:?}"))?;
    room.submit(Command::Room(RoomCommand::Navigate {
        to: Navigate::Activity(ActivityId(0)),
    }))
    .await
    .map_err(|e| format!("{e:?}"))?;

    // Everyone joins, then vote changes until the log holds `commands` entries.
    let started = Instant::now();
    let base = room.epoch_seq().1;
    let total = args.commands.saturating_sub(base);
    let lanes = args.concurrency.max(1);
    let mut tasks = Vec::new();
    for lane in 0..lanes {
        let room = Arc::clone(&room);
        let (people, total) = (args.participants.max(1), total);
        tasks.push(tokio::spawn(async move {
            let mut i = lane;
            while i < total {
                let command = if i < people {
                    Command::Join {
                        participant: ParticipantId(uuid::Uuid::from_u128(u128::from(i))),
                        name: None,
                    }
                } else {
                    vote(i % people, (i % 4) as u32)
                };
                room.submit(command)
                    .await
                    .map_err(|e| format!("command {i}: {e:?}"))?;
                i += lanes;
            }
            Ok::<(), String>(())
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    let built = started.elapsed();
    hub.flush().await.map_err(|e| e.to_string())?;
    let (expected, seq) = {
        let state = room.lock();
        (state.room.clone(), state.seq)
    };
    println!(
        "{mode}: built a room of {seq} commands in {:.1} s ({:.0} commands/s through the hub)",
        built.as_secs_f64(),
        total as f64 / built.as_secs_f64()
    );
    // Let the last snapshot's write land before the fresh start.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    drop(room);
    drop(hub);

    // A fresh hub on the same log, as after a restart (SQLite) or on another node (Redis).
    let logs = open(&args, &dir, &prefix).await?;
    let stored = logs
        .log
        .load_room(&created.code)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the room is not in the log")?;
    let snapshot_seq = stored.snapshot.as_ref().map_or(0, |s| s.seq);
    let snapshot_bytes = stored.snapshot.as_ref().map_or(0, |s| s.state.len());
    let after = stored.entries.len();
    drop(stored);
    let started = Instant::now();
    let hub = Hub::load(logs.log.clone(), logs.cluster, settings, Secret::random())
        .await
        .map_err(|e| e.to_string())?;
    let loaded = hub
        .find(&created.code)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("not loaded")?;
    let took = started.elapsed();
    let same = {
        let state = loaded.lock();
        state.seq == seq && state.room == expected
    };
    println!(
        "{mode}: loaded it in {:.0} ms (snapshot at {snapshot_seq}, {} KiB, then {after} entries); same room: {same}",
        took.as_secs_f64() * 1000.0,
        snapshot_bytes / 1024
    );
    hub.delete_room(&created.code, 4000)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(url) = &args.redis_url {
        let _ = handsup::store::redis::remove_prefix(url, &prefix);
    }
    let _ = std::fs::remove_dir_all(&dir);
    if same {
        Ok(())
    } else {
        Err("the loaded room differs from the one built".into())
    }
}

fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("handsup-roomload-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}
