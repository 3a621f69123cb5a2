//! The async layer: the registry of live rooms, room creation and deletion, replay at start-up,
//! and retention. Every room lives in memory; the command log is the source of truth.

pub mod identity;
pub mod metrics;
pub mod room;

use crate::config::Config;
use crate::domain::{Command, Room, RoomCommand, RoomLimits};
use crate::store::{Cluster, CommandLog, RoomRecord, StoreError, StoredRoom};
use dashmap::DashMap;
use dashmap::mapref::entry::Entry;
use identity::Secret;
use metrics::Metrics;
use rand::Rng;
pub use room::{AdmitError, Admitted, Applied, RoomHandle, SubmitError, Submitted, now_ms};
use std::sync::Arc;
use std::time::Duration;

/// Where a room's "now" comes from: the wall clock, or Tokio's clock from a starting point (which
/// a test can pause and move: a countdown then runs out without waiting for it). The `at` of a
/// command is the log's; this clock decides when the ticker looks (countdowns), the proposal
/// check's estimate, and the `server_time` in frames.
#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Tokio {
        base: crate::domain::Millis,
        start: tokio::time::Instant,
    },
}

impl Clock {
    /// Tokio's clock, reading the wall clock's time now.
    pub fn tokio() -> Clock {
        Clock::Tokio {
            base: now_ms(),
            start: tokio::time::Instant::now(),
        }
    }

    pub fn now_ms(&self) -> crate::domain::Millis {
        match self {
            Clock::System => now_ms(),
            Clock::Tokio { base, start } => base + start.elapsed().as_millis() as i64,
        }
    }
}

/// What the hub and its rooms need from the configuration.
#[derive(Clone, Debug)]
pub struct HubSettings {
    pub retention: Duration,
    pub presenter_tick: Duration,
    pub participant_tick: Duration,
    pub participant_frame_budget: u32,
    pub fanout_group: u32,
    pub room_limits: RoomLimits,
    pub max_rooms: u32,
    pub snapshot_every: u64,
    pub clock: Clock,
}

impl HubSettings {
    pub fn from_config(config: &Config) -> HubSettings {
        HubSettings {
            retention: config.retention,
            presenter_tick: config.presenter_tick,
            participant_tick: config.participant_tick,
            participant_frame_budget: config.participant_frame_budget,
            fanout_group: config.fanout_group,
            room_limits: config.room_limits(),
            max_rooms: config.max_rooms,
            snapshot_every: config.snapshot_every,
            clock: Clock::System,
        }
    }
}

pub struct Hub {
    rooms: DashMap<String, Arc<RoomHandle>>,
    log: Arc<dyn CommandLog>,
    settings: Arc<HubSettings>,
    secret: Secret,
    /// This process's number among the log's writers: entries it proposed carry it.
    node: u64,
    /// In a cluster: who is connected through every node.
    cluster: Option<Arc<dyn Cluster>>,
    metrics: Arc<Metrics>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("this server holds its maximum of {0} sessions")]
    TooManyRooms(u32),
    #[error("{0}")]
    Invalid(crate::domain::Rejection),
    #[error("activity {position} of the deck: {1}", position = .0 + 1)]
    InvalidDeck(usize, crate::domain::Rejection),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new room's credentials, shown to its creator once.
#[derive(Clone, Debug)]
pub struct CreatedRoom {
    pub code: String,
    pub host_key: String,
    pub expires_at: i64,
}

impl Hub {
    /// Builds the hub. On a log of its own it replays every room now; on a shared log (a
    /// cluster) rooms are loaded when first asked for ([`Hub::find`]).
    pub async fn load(
        log: Arc<dyn CommandLog>,
        cluster: Option<Arc<dyn Cluster>>,
        settings: HubSettings,
        secret: Secret,
    ) -> Result<Hub, StoreError> {
        let hub = Hub {
            rooms: DashMap::new(),
            log,
            cluster,
            settings: Arc::new(settings),
            secret,
            node: rand::rng().random(),
            metrics: Arc::new(Metrics::default()),
        };
        if !hub.log.shared() {
            let mut commands = 0usize;
            for code in hub.log.rooms().await? {
                let Some(stored) = hub.log.load_room(&code).await? else {
                    continue;
                };
                commands += stored.entries.len();
                if let Some(handle) = hub.room_from(stored).await {
                    hub.rooms.insert(code, handle);
                }
            }
            tracing::info!(
                rooms = hub.rooms.len(),
                commands,
                "replayed the command log"
            );
        }
        hub.metrics.rooms.set(hub.rooms.len() as i64);
        Ok(hub)
    }

    /// A live room rebuilt from what the log holds of it (its snapshot and the entries after).
    async fn room_from(&self, stored: StoredRoom) -> Option<Arc<RoomHandle>> {
        let (room, seq) = match room::rebuild(self.log.as_ref(), &stored).await {
            Ok(rebuilt) => rebuilt,
            Err(err) => {
                tracing::error!(room = %stored.record.code, error = %err, "cannot rebuild a room from its log");
                return None;
            }
        };
        if !room.is_created() {
            tracing::warn!(room = %stored.record.code, "skipping a room with no create command");
            return None;
        }
        Some(self.handle(
            stored.record.code,
            stored.record.host_key_hash,
            room,
            seq,
            stored.epoch,
        ))
    }

    /// The room with this code: live here already, or (on a shared log) loaded from the log.
    pub async fn find(&self, code: &str) -> Result<Option<Arc<RoomHandle>>, StoreError> {
        if let Some(room) = self.get(code) {
            return Ok(Some(room));
        }
        if !self.log.shared() {
            return Ok(None);
        }
        let Some(stored) = self.log.load_room(code).await? else {
            return Ok(None);
        };
        let Some(handle) = self.room_from(stored).await else {
            return Ok(None);
        };
        // Another request may have loaded it meanwhile: the first one in stays.
        let room = match self.rooms.entry(code.to_string()) {
            Entry::Occupied(live) => {
                handle.close_all(crate::protocol::close::ROOM_DELETED);
                Arc::clone(live.get())
            }
            Entry::Vacant(slot) => Arc::clone(slot.insert(handle).value()),
        };
        self.metrics.rooms.set(self.rooms.len() as i64);
        Ok(Some(room))
    }

    fn handle(
        &self,
        code: String,
        host_key_hash: String,
        room: Room,
        seq: u64,
        epoch: u64,
    ) -> Arc<RoomHandle> {
        RoomHandle::new(
            code,
            host_key_hash,
            room,
            seq,
            epoch,
            room::RoomServices {
                log: Arc::clone(&self.log),
                settings: Arc::clone(&self.settings),
                metrics: Arc::clone(&self.metrics),
                node: self.node,
                cluster: self.cluster.clone(),
            },
        )
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    pub fn settings(&self) -> &HubSettings {
        &self.settings
    }

    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The room with this code if it is live here. A room deleted through the log (on another
    /// node of a cluster) is dropped from here on the first ask after its owner heard of it.
    pub fn get(&self, code: &str) -> Option<Arc<RoomHandle>> {
        let room = self.rooms.get(code).map(|r| Arc::clone(r.value()))?;
        if room.is_deleted() {
            self.rooms
                .remove_if(code, |_, live| Arc::ptr_eq(live, &room));
            self.metrics.rooms.set(self.rooms.len() as i64);
            return None;
        }
        Some(room)
    }

    pub fn room_count(&self) -> usize {
        self.rooms.len()
    }

    /// Creates a room with a fresh random code and host key; resolves once it is durable and
    /// the room has read its first command back from the log.
    pub async fn create_room(&self, title: &str) -> Result<CreatedRoom, CreateError> {
        let rooms = match &self.cluster {
            Some(cluster) => cluster.room_count().await?,
            None => self.rooms.len() as u64,
        };
        if rooms >= u64::from(self.settings.max_rooms) {
            return Err(CreateError::TooManyRooms(self.settings.max_rooms));
        }
        let host_key = identity::new_host_key();
        let host_key_hash = identity::hash_host_key(&host_key);
        let create = Command::Create {
            title: title.to_string(),
            seed: rand::rng().random(),
            limits: self.settings.room_limits,
        };
        Room::empty()
            .apply(&create, now_ms())
            .map_err(CreateError::Invalid)?;
        for _ in 0..32 {
            let code = format!("{}", rand::rng().random_range(10_000_000u32..100_000_000));
            // Reserve the code in memory first: codes are never reused while a room exists.
            let handle = match self.rooms.entry(code.clone()) {
                Entry::Occupied(_) => continue,
                Entry::Vacant(slot) => {
                    let handle =
                        self.handle(code.clone(), host_key_hash.clone(), Room::empty(), 0, 0);
                    slot.insert(Arc::clone(&handle));
                    handle
                }
            };
            let record = RoomRecord {
                code: code.clone(),
                host_key_hash: host_key_hash.clone(),
                created_at: now_ms(),
            };
            match handle.submit_create(record, create.clone()).await {
                Ok(_) => {
                    self.metrics.rooms.set(self.rooms.len() as i64);
                    let expires_at = handle.expires_at(&handle.lock().room);
                    return Ok(CreatedRoom {
                        code,
                        host_key,
                        expires_at,
                    });
                }
                Err(err) => {
                    // The handle never held a room: stop its owner and free the code here.
                    handle.close_all(crate::protocol::close::ROOM_DELETED);
                    self.rooms.remove(&code);
                    match err {
                        SubmitError::Store(StoreError::RoomExists(_)) => continue,
                        SubmitError::Store(err) => return Err(err.into()),
                        SubmitError::Rejected(rejection) => {
                            return Err(CreateError::Invalid(rejection));
                        }
                        SubmitError::Gone => return Err(StoreError::Closed.into()),
                    }
                }
            }
        }
        Err(StoreError::Io("no free join code found".into()).into())
    }

    /// Creates a room and adds a deck of activities to it (from a template or a saved deck). The
    /// whole deck is checked on a scratch room first, so a bad spec creates nothing.
    pub async fn create_room_with_deck(
        &self,
        title: &str,
        deck: &[crate::domain::activity::ActivitySpec],
    ) -> Result<CreatedRoom, CreateError> {
        let mut scratch = Room::empty();
        let create = Command::Create {
            title: title.to_string(),
            seed: 0,
            limits: self.settings.room_limits,
        };
        scratch.apply(&create, 0).map_err(CreateError::Invalid)?;
        for (index, spec) in deck.iter().enumerate() {
            let add = Command::Room(RoomCommand::AddActivity {
                spec: spec.clone(),
                position: None,
            });
            scratch
                .apply(&add, 0)
                .map_err(|rejection| CreateError::InvalidDeck(index, rejection))?;
        }
        let created = self.create_room(title).await?;
        if let Some(room) = self.get(&created.code) {
            for spec in deck {
                let add = Command::Room(RoomCommand::AddActivity {
                    spec: spec.clone(),
                    position: None,
                });
                room.submit(add).await.map_err(|err| match err {
                    SubmitError::Rejected(rejection) => CreateError::Invalid(rejection),
                    SubmitError::Store(store) => CreateError::Store(store),
                    SubmitError::Gone => CreateError::Store(StoreError::Closed),
                })?;
            }
        }
        Ok(created)
    }

    /// Deletes a room: its connections are closed and its log removed.
    pub async fn delete_room(&self, code: &str, close_code: u16) -> Result<bool, StoreError> {
        let Some((_, handle)) = self.rooms.remove(code) else {
            return Ok(false);
        };
        handle.close_all(close_code);
        self.metrics.rooms.set(self.rooms.len() as i64);
        self.log.delete_room(code).await?;
        Ok(true)
    }

    /// Deletes every room idle for longer than the retention time. Returns how many. In a
    /// cluster one node sweeps at a time (a claim held for half the sweep interval), over every
    /// room in the log, loaded here or not.
    pub async fn sweep_expired(&self, now: i64, every: Duration) -> usize {
        let expired: Vec<String> = match &self.cluster {
            Some(cluster) => {
                let turn = cluster
                    .claim("sweep", (every / 2).max(Duration::from_secs(1)))
                    .await;
                let before = now.saturating_sub(self.settings.retention.as_millis() as i64);
                match turn {
                    Ok(true) => match cluster.idle_rooms(before).await {
                        Ok(codes) => codes,
                        Err(err) => {
                            tracing::warn!(error = %err, "cannot list idle rooms");
                            Vec::new()
                        }
                    },
                    Ok(false) => Vec::new(),
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot take the sweeper's turn");
                        Vec::new()
                    }
                }
            }
            None => self.local_expired(now),
        };
        let mut removed = 0;
        for code in expired {
            if self.cluster.is_some() && self.find(&code).await.ok().flatten().is_none() {
                continue;
            }
            match self
                .delete_room(&code, crate::protocol::close::ROOM_DELETED)
                .await
            {
                Ok(true) => removed += 1,
                Ok(false) => {}
                Err(err) => {
                    tracing::error!(room = %code, error = %err, "could not delete an expired room")
                }
            }
        }
        if removed > 0 {
            tracing::info!(removed, "deleted rooms past their retention time");
        }
        removed
    }

    /// Whether the log (and in a cluster, Redis) answers.
    pub async fn log_reachable(&self) -> bool {
        match &self.cluster {
            Some(cluster) => cluster.ping().await.is_ok(),
            None => true,
        }
    }

    pub fn is_cluster(&self) -> bool {
        self.cluster.is_some()
    }

    /// The rooms live here that are past their retention time.
    fn local_expired(&self, now: i64) -> Vec<String> {
        self.rooms
            .iter()
            .filter(|entry| {
                let handle = entry.value();
                let state = handle.lock();
                // A room still being created has no activity yet to date it by.
                state.room.is_created() && handle.expires_at(&state.room) <= now
            })
            .map(|entry| entry.key().clone())
            .collect()
    }

    /// Waits until everything queued in the log is durable.
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.log.flush().await
    }

    /// Tells every connection of every room to close with `code` (shutdown).
    pub fn close_connections(&self, code: u16) {
        for entry in self.rooms.iter() {
            entry.value().closing_signal(code);
        }
    }
}

impl Hub {
    /// Open WebSocket connections over all rooms.
    pub fn connection_count(&self) -> u64 {
        self.rooms
            .iter()
            .map(|r| r.value().connection_count())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Answered;
    use crate::domain::activity::ActivityAnswer;
    use crate::domain::activity::Audience;
    use crate::domain::{ActivityId, ParticipantId};
    use crate::store::sqlite::SqliteLog;
    use crate::store::{LogEntry, LogEvent, LogFuture, NewEntry, Position};
    use std::sync::atomic::{AtomicBool, Ordering};
    use tokio::sync::broadcast;

    /// The SQLite log, except that appends fail (as a full disk would) while `failing` is set.
    struct FailingLog {
        inner: SqliteLog,
        failing: AtomicBool,
    }

    impl CommandLog for FailingLog {
        fn create_room(&self, record: RoomRecord, first: NewEntry) -> LogFuture<Position> {
            self.inner.create_room(record, first)
        }
        fn append(&self, room: &str, entry: NewEntry) -> LogFuture<Position> {
            if self.failing.load(Ordering::Acquire) {
                crate::store::failed(StoreError::Io("disk full".into()))
            } else {
                self.inner.append(room, entry)
            }
        }
        fn delete_room(&self, code: &str) -> LogFuture<()> {
            self.inner.delete_room(code)
        }
        fn flush(&self) -> LogFuture<()> {
            self.inner.flush()
        }
        fn tail(&self, room: &str, after: u64, limit: usize) -> LogFuture<Vec<LogEntry>> {
            self.inner.tail(room, after, limit)
        }
        fn follow(&self, room: &str, after: u64) -> broadcast::Receiver<LogEvent> {
            self.inner.follow(room, after)
        }
        fn unfollow(&self, room: &str) {
            self.inner.unfollow(room)
        }
        fn rooms(&self) -> LogFuture<Vec<String>> {
            self.inner.rooms()
        }
        fn write_snapshot(
            &self,
            room: &str,
            snapshot: crate::store::Snapshot,
            keep: u64,
        ) -> LogFuture<()> {
            self.inner.write_snapshot(room, snapshot, keep)
        }
        fn load_room(&self, code: &str) -> LogFuture<Option<StoredRoom>> {
            self.inner.load_room(code)
        }
    }

    fn poll_votes(room: &RoomHandle) -> String {
        let state = room.lock();
        let view = crate::domain::results::public_view(&state.room, Audience::Presenter, 0);
        serde_json::to_value(view.activity.map(|a| a.body))
            .map(|v| v["results"]["counts"].to_string())
            .unwrap_or_default()
    }

    /// A vote for option `option` of the poll (activity 0).
    fn vote(participant: ParticipantId, option: u32) -> Command {
        Command::Answer(Answered {
            participant,
            answer: ActivityAnswer::Poll(crate::domain::activity::poll::AnswerCommand::Vote {
                activity: ActivityId(0),
                options: vec![option],
            }),
        })
    }

    #[tokio::test]
    async fn a_failed_write_leaves_the_room_as_the_log_holds_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = Arc::new(FailingLog {
            inner: SqliteLog::open(&dir.path().join("log.db")).expect("log"),
            failing: AtomicBool::new(false),
        });
        let config = Config::for_data_dir(dir.path().to_path_buf());
        let hub = Hub::load(
            Arc::clone(&log) as Arc<dyn CommandLog>,
            None,
            HubSettings::from_config(&config),
            Secret::fixed(7),
        )
        .await
        .expect("hub");
        let created = hub.create_room("Meetup").await.expect("room");
        let room = hub.get(&created.code).expect("live room");
        let poll: crate::domain::activity::ActivitySpec = serde_json::from_value(
            serde_json::json!({"kind": "poll", "question": "Which topic?", "options": ["Repairs", "Damp"]}),
        )
        .expect("spec");
        room.submit(Command::Room(RoomCommand::AddActivity {
            spec: poll,
            position: None,
        }))
        .await
        .expect("add");
        let activity = ActivityId(0);
        room.submit(Command::Room(RoomCommand::Navigate {
            to: crate::domain::Navigate::Activity(activity),
        }))
        .await
        .expect("show");
        let people: Vec<ParticipantId> = (1..=2)
            .map(|n| ParticipantId(uuid::Uuid::from_u128(n)))
            .collect();
        for who in &people {
            room.submit(Command::Join {
                participant: *who,
                name: None,
            })
            .await
            .expect("join");
        }
        room.submit(vote(people[0], 0)).await.expect("first vote");
        let (epoch_before, seq_before) = room.epoch_seq();
        assert_eq!(poll_votes(&room), "[1,0]");

        log.failing.store(true, Ordering::Release);
        let refused = room.submit(vote(people[1], 1)).await;
        assert!(matches!(refused, Err(SubmitError::Store(_))), "{refused:?}");
        // The vote that was not saved is not shown either: the room is the log's.
        assert_eq!(poll_votes(&room), "[1,0]");
        assert_eq!(room.epoch_seq(), (epoch_before, seq_before));

        // Once the disk recovers the room goes on from what is durable: no gap, same epoch, and
        // the vote that failed can be cast again.
        log.failing.store(false, Ordering::Release);
        let again = room.submit(vote(people[1], 1)).await.expect("vote again");
        assert_eq!((again.epoch, again.seq), (epoch_before, seq_before + 1));
        assert_eq!(poll_votes(&room), "[1,1]");
        let stored = log
            .load_room(&created.code)
            .await
            .expect("read")
            .expect("room");
        let (replayed, seq) = room::replay(&stored.entries);
        assert_eq!(seq, seq_before + 1);
        assert_eq!(
            &replayed,
            &room.lock().room,
            "memory is what the log replays to"
        );
    }

    #[tokio::test]
    async fn a_refused_command_is_never_logged() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = Arc::new(SqliteLog::open(&dir.path().join("log.db")).expect("log"));
        let config = Config::for_data_dir(dir.path().to_path_buf());
        let hub = Hub::load(
            Arc::clone(&log) as Arc<dyn CommandLog>,
            None,
            HubSettings::from_config(&config),
            Secret::fixed(7),
        )
        .await
        .expect("hub");
        let created = hub.create_room("Meetup").await.expect("room");
        let room = hub.get(&created.code).expect("live room");
        let before = room.epoch_seq();
        // A vote in a room with no activities, twice: refused before the log, both times.
        for _ in 0..2 {
            let refused = room
                .submit(vote(ParticipantId(uuid::Uuid::from_u128(1)), 0))
                .await;
            assert!(
                matches!(refused, Err(SubmitError::Rejected(_))),
                "{refused:?}"
            );
        }
        assert_eq!(room.epoch_seq(), before);
        let tail = log.tail(&created.code, 0, 100).await.expect("tail");
        assert_eq!(tail.len(), 1, "only the create command is logged");
    }

    #[tokio::test]
    async fn one_node_of_a_cluster_closes_a_countdown() {
        use crate::store::redis::tests::Redis;
        let prefix = format!("handsup-test:{}:", uuid::Uuid::new_v4().simple());
        let _cleanup = Redis {
            prefix: prefix.clone(),
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let config = Config::for_data_dir(dir.path().to_path_buf());
        let mut hubs = Vec::new();
        for _ in 0..2 {
            let (_log, hub) = redis_hub(&prefix, &config).await;
            hubs.push(hub);
        }
        let created = hubs[0].create_room("Quick").await.expect("room");
        let here = hubs[0].get(&created.code).expect("room on the first node");
        let there = hubs[1]
            .find(&created.code)
            .await
            .expect("read")
            .expect("room on the second node");
        let poll: crate::domain::activity::ActivitySpec = serde_json::from_value(
            serde_json::json!({"kind": "poll", "question": "Now?", "options": ["Yes", "No"]}),
        )
        .expect("spec");
        here.submit(Command::Room(RoomCommand::AddActivity {
            spec: poll,
            position: None,
        }))
        .await
        .expect("add");
        let activity = ActivityId(0);
        for (nth, closes_at) in [(1, Some(1_000)), (2, Some(2_000)), (3, None)] {
            let (a, b) = tokio::join!(
                here.may_close(activity, closes_at),
                there.may_close(activity, closes_at)
            );
            assert!(
                a ^ b,
                "countdown {nth}: exactly one node closes it ({a}, {b})"
            );
        }
        for hub in &hubs {
            hub.delete_room(&created.code, 4000).await.expect("delete");
        }
    }

    /// A room whose log has grown past a few snapshot points.
    async fn busy_room(hub: &Hub, commands: u64) -> (CreatedRoom, Arc<RoomHandle>) {
        let created = hub.create_room("Busy").await.expect("room");
        let room = hub.get(&created.code).expect("live room");
        let poll: crate::domain::activity::ActivitySpec = serde_json::from_value(
            serde_json::json!({"kind": "poll", "question": "Which?", "options": ["A", "B", "C"]}),
        )
        .expect("spec");
        room.submit(Command::Room(RoomCommand::AddActivity {
            spec: poll,
            position: None,
        }))
        .await
        .expect("add");
        room.submit(Command::Room(RoomCommand::Navigate {
            to: crate::domain::Navigate::Activity(ActivityId(0)),
        }))
        .await
        .expect("show");
        let mut n = 0u128;
        while room.epoch_seq().1 < commands {
            n += 1;
            let who = ParticipantId(uuid::Uuid::from_u128(n));
            room.submit(Command::Join {
                participant: who,
                name: None,
            })
            .await
            .expect("join");
            room.submit(vote(who, (n % 3) as u32)).await.expect("vote");
        }
        (created, room)
    }

    #[tokio::test]
    async fn a_room_is_loaded_from_its_snapshot_and_the_entries_after_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        config.snapshot_every = 10;
        let path = dir.path().join("log.db");
        let (code, before) = {
            let log = Arc::new(SqliteLog::open(&path).expect("log"));
            let hub = Hub::load(
                log,
                None,
                HubSettings::from_config(&config),
                Secret::fixed(7),
            )
            .await
            .expect("hub");
            let (created, room) = busy_room(&hub, 45).await;
            hub.flush().await.expect("flush");
            let state = room.lock();
            (created.code, (state.room.clone(), state.seq))
        };
        let log = Arc::new(SqliteLog::open(&path).expect("log"));
        let stored = log.load_room(&code).await.expect("read").expect("room");
        let snapshot = stored.snapshot.as_ref().expect("a snapshot was saved");
        assert_eq!(snapshot.seq % 10, 0);
        assert!(snapshot.seq >= 40, "the latest one: {}", snapshot.seq);
        assert!(stored.entries.iter().all(|e| e.seq > snapshot.seq));
        let hub = Hub::load(
            log,
            None,
            HubSettings::from_config(&config),
            Secret::fixed(7),
        )
        .await
        .expect("hub");
        let room = hub.get(&code).expect("reloaded");
        let state = room.lock();
        assert_eq!(
            (state.room.clone(), state.seq),
            before,
            "the same room at the same place"
        );
    }

    #[tokio::test]
    async fn a_node_behind_a_trimmed_stream_reloads_from_the_snapshot() {
        use crate::store::redis::{RedisLog, tests::Redis, tests::test_url};
        let prefix = format!("handsup-test:{}:", uuid::Uuid::new_v4().simple());
        let _cleanup = Redis {
            prefix: prefix.clone(),
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        config.snapshot_every = 10;
        let log = Arc::new(
            RedisLog::connect(&test_url(), &prefix)
                .await
                .expect("redis"),
        );
        let hub = Hub::load(
            Arc::clone(&log) as Arc<dyn CommandLog>,
            Some(Arc::clone(&log) as Arc<dyn Cluster>),
            HubSettings::from_config(&config),
            Secret::fixed(7),
        )
        .await
        .expect("hub");
        let (created, room) = busy_room(&hub, 65).await;
        // Wait for the snapshot at 60 to be written (the stream is trimmed to 50 then).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let stored = log
                .load_room(&created.code)
                .await
                .expect("read")
                .expect("room");
            if stored.snapshot.as_ref().is_some_and(|s| s.seq == 60) {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "no snapshot at 60");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let first = log.tail(&created.code, 0, 1).await.expect("tail");
        assert_eq!(
            first[0].seq, 50,
            "the stream was trimmed behind the snapshot"
        );
        // A node that starts from nothing (as one far behind would) finds the start gone and
        // reloads from the snapshot, then follows on.
        let (_other, behind) = redis_hub(&prefix, &config).await;
        let late = behind.handle(created.code.clone(), String::new(), Room::empty(), 0, 1);
        let who = ParticipantId(uuid::Uuid::from_u128(999));
        room.submit(Command::Join {
            participant: who,
            name: None,
        })
        .await
        .expect("join");
        let target = room.epoch_seq().1;
        while late.epoch_seq().1 < target {
            assert!(
                std::time::Instant::now() < deadline + std::time::Duration::from_secs(5),
                "never caught up"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(&late.lock().room, &room.lock().room);
        hub.delete_room(&created.code, 4000).await.expect("delete");
    }

    #[tokio::test(start_paused = true)]
    async fn a_countdown_runs_out_on_the_rooms_clock() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = Config::for_data_dir(dir.path().to_path_buf());
        let mut settings = HubSettings::from_config(&config);
        settings.clock = Clock::tokio();
        let log = Arc::new(SqliteLog::open(&dir.path().join("log.db")).expect("log"));
        let hub = Hub::load(log, None, settings, Secret::fixed(7))
            .await
            .expect("hub");
        let (_created, room) = busy_room(&hub, 4).await;
        let activity = ActivityId(0);
        room.submit(Command::Room(RoomCommand::SetCountdown {
            activity,
            seconds: Some(600),
        }))
        .await
        .expect("countdown");
        let open = |room: &RoomHandle| {
            room.lock()
                .room
                .activity(activity)
                .map(|a| a.voting_open)
                .unwrap_or(false)
        };
        // Someone is watching, so the room's ticker runs.
        let _screen = room.connect();
        tokio::time::sleep(Duration::from_secs(599)).await;
        assert!(open(&room), "still open a second before the end");
        tokio::time::sleep(Duration::from_secs(2)).await;
        // The close goes through the log like any command: give it a moment of real time.
        for _ in 0..200 {
            if !open(&room) {
                break;
            }
            tokio::task::yield_now().await;
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            !open(&room),
            "ten minutes later, without waiting ten minutes"
        );
    }

    /// A hub on the test Redis under `prefix`, and its log.
    async fn redis_hub(prefix: &str, config: &Config) -> (Arc<crate::store::redis::RedisLog>, Hub) {
        use crate::store::redis::{RedisLog, tests::test_url};
        let log = Arc::new(RedisLog::connect(&test_url(), prefix).await.expect("redis"));
        let hub = Hub::load(
            Arc::clone(&log) as Arc<dyn CommandLog>,
            Some(Arc::clone(&log) as Arc<dyn Cluster>),
            HubSettings::from_config(config),
            Secret::fixed(7),
        )
        .await
        .expect("hub");
        (log, hub)
    }
}
