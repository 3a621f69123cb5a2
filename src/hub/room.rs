//! One live room: the domain `Room` as its log holds it, the room's owner task, and its fan-out.
//!
//! A room applies only what it reads back from its log. A command is first checked against the
//! room's *proposal* replica (the room plus this node's commands still on their way to the log):
//! a command that replica refuses is refused at once and never logged. An accepted one is
//! appended; the room's owner task hears it back from the log, in log order, applies it to the
//! *committed* room with the same pure `apply`, and answers the sender with the outcome of that
//! apply, which is the one that counts. Screens and phones are rendered from the committed room
//! only, so nothing is shown that the log does not hold.
//!
//! The locks are `std::sync::Mutex`es: nothing awaits while holding one. Lock order: the
//! proposal replica, then the committed state. Views are rendered by the room's ticker, once per
//! view per tick, and published on `watch` channels: a slow phone skips stale frames instead of
//! queueing them.

use super::HubSettings;
use super::metrics::Metrics;
use crate::domain::activity::Audience;
use crate::domain::results::{host_view, public_view};
use crate::domain::{
    ActivityId, Command, Millis, Outcome, ParticipantId, Rejection, Room, RoomCommand,
};
use crate::protocol::ServerMsg;
use crate::store::{
    Cluster, CommandLog, LogEntry, LogEvent, NewEntry, Origin, PresenceUpdate, RoomRecord,
    Snapshot, StoreError, StoredRoom,
};
use axum::extract::ws::Utf8Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, broadcast, oneshot, watch};

/// Participant connections are spread over this many channels, so a frame for a large audience
/// can be released a group at a time instead of waking every connection at once.
const PARTICIPANT_SHARDS: usize = 64;
/// The longest a group may take before the next one is released anyway (a stalled phone must not
/// hold the others up).
const FANOUT_GROUP_WAIT: Duration = Duration::from_millis(25);
/// How often the ticker looks at the room when nothing changes (countdowns, pending frames).
const HOUSEKEEPING: Duration = Duration::from_millis(50);
/// How often the ticker measures the rate of replies to participants.
const REPLY_RATE_WINDOW: Duration = Duration::from_millis(250);
/// Embed frames go to any number of web pages: at most this often.
const EMBED_INTERVAL: Duration = Duration::from_millis(100);
/// How often a node of a cluster publishes who is connected through it.
const PRESENCE_INTERVAL: Duration = Duration::from_secs(1);
/// How long a node's participants count as connected without it publishing again.
const PRESENCE_TTL: Duration = Duration::from_secs(10);
/// How long a node's claim to close a countdown holds (another node closes it after that).
const COUNTDOWN_CLAIM: Duration = Duration::from_secs(3);
/// Entries read per request when the owner catches up with its log.
const CATCH_UP_PAGE: usize = 1_000;
/// How long the owner waits before trying again to read a log that cannot be read.
const CATCH_UP_RETRY: Duration = Duration::from_millis(200);

/// The room as its log holds it: every entry up to `seq` applied, in order.
pub struct RoomState {
    pub room: Room,
    pub seq: u64,
    pub epoch: u64,
}

type Reply = oneshot::Sender<Result<Applied, Rejection>>;

/// The proposal replica: the committed room plus this node's commands not yet read back.
struct Proposals {
    room: Room,
    /// Senders waiting for their command to come back from the log, by request number.
    pending: HashMap<u64, Pending>,
    /// How many pending commands are not order-free (`Command::order_free`).
    bound: usize,
    /// The participants of the pending order-free commands, with how many each.
    free: HashMap<ParticipantId, u32>,
    /// Pending joins (they need places, whatever their order).
    joins: u64,
    /// The replica may differ from the committed room plus the pending commands (an append
    /// failed, another node's command came in between and may not commute with ours, an outcome
    /// differed at apply time): it is copied from the committed room again as soon as nothing is
    /// pending.
    diverged: bool,
}

struct Pending {
    reply: Reply,
    free: Option<ParticipantId>,
    join: bool,
}

impl Proposals {
    fn new(room: Room) -> Proposals {
        Proposals {
            room,
            pending: HashMap::new(),
            bound: 0,
            free: HashMap::new(),
            joins: 0,
            diverged: false,
        }
    }

    fn insert(&mut self, request: u64, reply: Reply, command: &Command) {
        let free = command.order_free();
        let join = matches!(command, Command::Join { .. });
        match free {
            Some(who) => *self.free.entry(who).or_default() += 1,
            None => self.bound += 1,
        }
        self.joins += u64::from(join);
        self.pending.insert(request, Pending { reply, free, join });
    }

    fn remove(&mut self, request: u64) -> Option<Reply> {
        let pending = self.pending.remove(&request)?;
        match pending.free {
            Some(who) => {
                if let Some(n) = self.free.get_mut(&who) {
                    *n -= 1;
                    if *n == 0 {
                        self.free.remove(&who);
                    }
                }
            }
            None => self.bound -= 1,
        }
        self.joins -= u64::from(pending.join);
        Some(pending.reply)
    }

    fn clear(&mut self) {
        self.pending.clear();
        self.free.clear();
        self.bound = 0;
        self.joins = 0;
    }

    /// Whether another node's `command`, taken by the log before this node's pending commands
    /// but by the replica after them, leaves the replica as the log will be once they are in:
    /// true when it and every pending command are order-free, of different participants, and
    /// the room (as committed, `places_left` after it) has places for every pending join.
    fn commutes(&self, command: &Command, places_left: u64) -> bool {
        if self.pending.is_empty() {
            return true;
        }
        let Some(who) = command.order_free() else {
            return false;
        };
        self.bound == 0 && !self.free.contains_key(&who) && places_left >= self.joins
    }
}

pub struct RoomHandle {
    pub code: String,
    host_key_hash: String,
    state: Mutex<RoomState>,
    proposals: Mutex<Proposals>,
    deleted: AtomicBool,
    node: u64,
    next_request: AtomicU64,
    log: Arc<dyn CommandLog>,
    settings: Arc<HubSettings>,
    metrics: Arc<Metrics>,
    /// Who is connected now, with how many connections each (breakout rounds need the names).
    present: Mutex<std::collections::BTreeMap<ParticipantId, u32>>,
    /// In a cluster: who is connected through other nodes, and how many they are.
    cluster: Option<Arc<dyn Cluster>>,
    online_elsewhere: AtomicU64,
    /// Replies sent to participants through this node (the frame budget counts them).
    replies: AtomicU64,
    connections: AtomicU64,
    /// Set by every change; cleared by the ticker when it renders.
    dirty: AtomicBool,
    /// Wakes the ticker when the room changed.
    changed: Notify,
    ticker_running: AtomicBool,
    host_frames: watch::Sender<Utf8Bytes>,
    presenter_frames: watch::Sender<Utf8Bytes>,
    /// Participant frames, one channel per shard (connections are dealt round-robin).
    participant_frames: Vec<watch::Sender<Utf8Bytes>>,
    next_shard: AtomicUsize,
    /// Participant frames written to sockets, and the count at which the fan-out's current group
    /// counts as delivered (the next group is then released).
    participant_delivered: AtomicU64,
    group_target: AtomicU64,
    group_delivered: Notify,
    embed_frames: watch::Sender<Utf8Bytes>,
    /// A close code for every connection of the room (room deleted).
    closing: watch::Sender<Option<u16>>,
    /// Bumped when a host command changed what participants' own answers look like (a merge, a
    /// hide, an approval, a reset, a breakout round): each participant then gets a fresh `me`.
    answers_changed: watch::Sender<u64>,
}

/// Why a submitted command did not take effect.
#[derive(Debug)]
pub enum SubmitError {
    Rejected(Rejection),
    /// The room was deleted while the command was on its way.
    Gone,
    /// The log could not make the command durable; it is not acknowledged.
    Store(StoreError),
}

/// An accepted, durable command, as the room applied it.
#[derive(Clone, Copy, Debug)]
pub struct Applied {
    pub seq: u64,
    pub epoch: u64,
    pub outcome: Outcome,
}

/// A participant admitted by [`RoomHandle::admit`].
#[derive(Clone, Debug)]
pub struct Admitted {
    pub participant: ParticipantId,
    /// The signed token to keep and present next time.
    pub token: String,
    pub name: Option<String>,
    pub epoch: u64,
    pub seq: u64,
}

/// Why a participant's `hello` was refused.
#[derive(Debug)]
pub enum AdmitError {
    /// The token was not issued by this server for this room.
    InvalidToken,
    Submit(SubmitError),
}

/// An accepted command and what its sender is owed besides the `ack`.
#[derive(Debug)]
pub struct Submitted {
    pub applied: Applied,
    /// For a participant: their own answers as they now stand (the activity they answered, or
    /// all of them after a change of name), to send right after the `ack`.
    pub me: Option<Utf8Bytes>,
}

/// What every room shares with the hub.
#[derive(Clone)]
pub struct RoomServices {
    pub log: Arc<dyn CommandLog>,
    pub settings: Arc<HubSettings>,
    pub metrics: Arc<Metrics>,
    /// This node's number, in the origin of every entry it proposes.
    pub node: u64,
    /// In a cluster: what the nodes share besides the log (presence, claims).
    pub cluster: Option<Arc<dyn Cluster>>,
}

/// Applies one logged command to `room`: what `apply` said, or why the entry could not be read.
fn apply_entry(room: &mut Room, entry: &LogEntry) -> Result<(Outcome, Command), Rejection> {
    let command = Command::from_log(&entry.command).map_err(|err| {
        tracing::warn!(room = %entry.room, seq = entry.seq, error = %err,
            "a logged command could not be read");
        Rejection::new(
            crate::domain::RejectCode::UnreadableCommand,
            "this command could not be read",
        )
    })?;
    let outcome = room.apply(&command, entry.at)?;
    Ok((outcome, command))
}

/// The snapshot format's version: a snapshot of another version is not read (the room is then
/// replayed from its whole log, where the log still holds it).
const SNAPSHOT_VERSION: u32 = 1;

/// A room's state as a snapshot: CBOR of the version and the room.
pub fn encode_snapshot(room: &Room) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    ciborium::into_writer(&(SNAPSHOT_VERSION, room), &mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// The room a snapshot holds.
pub fn decode_snapshot(bytes: &[u8]) -> Result<Room, String> {
    let (version, room): (u32, Room) = ciborium::from_reader(bytes).map_err(|e| e.to_string())?;
    if version != SNAPSHOT_VERSION {
        return Err(format!(
            "snapshot version {version}, this server reads {SNAPSHOT_VERSION}"
        ));
    }
    Ok(room)
}

/// A room as the log holds it: its snapshot, then the entries after it. A snapshot this server
/// cannot read is passed over for the whole log, if the log still holds it from the start.
pub async fn rebuild(log: &dyn CommandLog, stored: &StoredRoom) -> Result<(Room, u64), StoreError> {
    if let Some(snapshot) = &stored.snapshot {
        match decode_snapshot(&snapshot.state) {
            Ok(mut room) => {
                let mut seq = snapshot.seq;
                for entry in stored.entries.iter().filter(|e| e.seq > snapshot.seq) {
                    seq = entry.seq;
                    if let Err(rejection) = apply_entry(&mut room, entry) {
                        tracing::debug!(room = %entry.room, seq, %rejection, "a logged command was refused on replay");
                    }
                }
                return Ok((room, seq));
            }
            Err(err) => {
                tracing::warn!(room = %stored.record.code, error = %err, "the room's snapshot cannot be read; replaying its whole log");
                let entries = log.tail(&stored.record.code, 0, usize::MAX).await?;
                if entries.first().is_some_and(|e| e.seq != 1) {
                    return Err(StoreError::Io(format!(
                        "room {}: the snapshot cannot be read and the log no longer starts at 1",
                        stored.record.code
                    )));
                }
                return Ok(replay(&entries));
            }
        }
    }
    Ok(replay(&stored.entries))
}

/// A room rebuilt from its log entries, in order, with the position of the last one. A command
/// the room refuses (or cannot read) is skipped, as `apply` refused it the first time too.
pub fn replay(entries: &[LogEntry]) -> (Room, u64) {
    let mut room = Room::empty();
    let mut seq = 0;
    for entry in entries {
        seq = entry.seq;
        if let Err(rejection) = apply_entry(&mut room, entry) {
            tracing::debug!(room = %entry.room, seq, %rejection, "a logged command was refused on replay");
        }
    }
    (room, seq)
}

/// The interval between participant frames: as short as `tick`, longer when the room's
/// participants would get more than `budget` frames a second in all. The budget counts every
/// frame a participant gets, replies too: a node with `here` of the room's `online` participants
/// has its share of the budget, less what its replies (an ack with the phone's own answers) take,
/// for the room's frames; never less than a quarter of its share, so a vote burst slows the
/// frames (at most fourfold) instead of the answers.
pub fn participant_interval(
    online: u64,
    here: u64,
    budget: u32,
    replies_per_sec: f64,
    tick: Duration,
) -> Duration {
    let online = online.max(1) as f64;
    let here = here.clamp(1, online as u64) as f64;
    let share = f64::from(budget.max(1)) * here / online;
    let for_frames = (share - replies_per_sec.max(0.0)).max(share / 4.0);
    Duration::from_secs_f64(here / for_frames).max(tick)
}

pub fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

impl RoomHandle {
    /// A live room at `seq` of its log, following the log from there on: its owner task starts
    /// here and runs until the room is deleted.
    pub fn new(
        code: String,
        host_key_hash: String,
        room: Room,
        seq: u64,
        epoch: u64,
        services: RoomServices,
    ) -> Arc<RoomHandle> {
        let RoomServices {
            log,
            settings,
            metrics,
            node,
            cluster,
        } = services;
        let empty = || watch::channel(Utf8Bytes::from_static("")).0;
        // Follow before anything can be appended, so that nothing is missed.
        let feed = log.follow(&code, seq);
        let handle = Arc::new(RoomHandle {
            code,
            host_key_hash,
            proposals: Mutex::new(Proposals::new(room.clone())),
            state: Mutex::new(RoomState { room, seq, epoch }),
            deleted: AtomicBool::new(false),
            node,
            next_request: AtomicU64::new(1),
            log,
            settings,
            metrics,
            present: Mutex::new(std::collections::BTreeMap::new()),
            cluster: cluster.clone(),
            online_elsewhere: AtomicU64::new(0),
            replies: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            dirty: AtomicBool::new(true),
            changed: Notify::new(),
            ticker_running: AtomicBool::new(false),
            host_frames: empty(),
            presenter_frames: empty(),
            participant_frames: (0..PARTICIPANT_SHARDS).map(|_| empty()).collect(),
            next_shard: AtomicUsize::new(0),
            participant_delivered: AtomicU64::new(0),
            group_target: AtomicU64::new(u64::MAX),
            group_delivered: Notify::new(),
            embed_frames: empty(),
            closing: watch::channel(None).0,
            answers_changed: watch::channel(0).0,
        });
        tokio::spawn(Arc::clone(&handle).run_owner(feed));
        if let Some(cluster) = cluster {
            tokio::spawn(Arc::clone(&handle).run_presence(cluster));
        }
        handle
    }

    /// In a cluster: publishes who is connected through this node, and hears how many are
    /// connected through the others, every `PRESENCE_INTERVAL` while anyone is connected here.
    async fn run_presence(self: Arc<Self>, presence: Arc<dyn Cluster>) {
        use std::collections::BTreeSet;
        let mut published: BTreeSet<ParticipantId> = BTreeSet::new();
        let mut full = true;
        let mut ever = false;
        let mut interval = tokio::time::interval(PRESENCE_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut closing = self.closing.subscribe();
        loop {
            tokio::select! {
                _ = interval.tick() => {}
                _ = closing.changed() => {}
            }
            if self.is_deleted() || closing.borrow().is_some() {
                break;
            }
            let here: BTreeSet<ParticipantId> = self.present().into_iter().collect();
            if self.connection_count() == 0 && published.is_empty() && here.is_empty() {
                continue;
            }
            let update = if full {
                PresenceUpdate {
                    full: true,
                    added: here.iter().map(|p| p.0.to_string()).collect(),
                    removed: Vec::new(),
                }
            } else {
                PresenceUpdate {
                    full: false,
                    added: here
                        .difference(&published)
                        .map(|p| p.0.to_string())
                        .collect(),
                    removed: published
                        .difference(&here)
                        .map(|p| p.0.to_string())
                        .collect(),
                }
            };
            match presence
                .publish(&self.code, self.node, update, PRESENCE_TTL)
                .await
            {
                Ok(count) => {
                    ever = true;
                    // An entry that lapsed lost what was sent before: send everything next time.
                    full = count.lapsed && !full;
                    published = here;
                    let before = self
                        .online_elsewhere
                        .swap(count.elsewhere, Ordering::AcqRel);
                    if before != count.elsewhere {
                        self.mark_dirty();
                    }
                }
                Err(err) => {
                    tracing::warn!(room = %self.code, error = %err, "cannot publish who is connected here");
                    full = true;
                }
            }
        }
        // Leaving (room deleted, server shutting down): take this node's people out at once.
        if !ever {
            return;
        }
        let leave = PresenceUpdate {
            full: true,
            ..PresenceUpdate::default()
        };
        let _ = presence
            .publish(&self.code, self.node, leave, PRESENCE_TTL)
            .await;
    }

    /// The committed room. Poisoning is recovered from: `apply` leaves the room consistent even
    /// if a panic happened elsewhere while the lock was held.
    pub fn lock(&self) -> MutexGuard<'_, RoomState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn proposals(&self) -> MutexGuard<'_, Proposals> {
        self.proposals
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn host_key_hash(&self) -> &str {
        &self.host_key_hash
    }

    pub fn settings(&self) -> &HubSettings {
        &self.settings
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Checks a command against the proposal replica and, if it passes, appends it to the log;
    /// resolves once the room has read it back and applied it, with that apply's outcome. Only
    /// then may the caller acknowledge it. A command the replica refuses is never logged.
    pub async fn submit(&self, command: Command) -> Result<Applied, SubmitError> {
        self.propose(command, None).await
    }

    /// Registers this (still empty) room in the log with its `create` command.
    pub(super) async fn submit_create(
        &self,
        record: RoomRecord,
        create: Command,
    ) -> Result<Applied, SubmitError> {
        self.propose(create, Some(record)).await
    }

    async fn propose(
        &self,
        command: Command,
        record: Option<RoomRecord>,
    ) -> Result<Applied, SubmitError> {
        if self.is_deleted() {
            return Err(SubmitError::Gone);
        }
        let text = serde_json::to_string(&command).unwrap_or_default();
        let (request, reply, append) = {
            let mut proposals = self.proposals();
            // `at` never goes backwards within a room, whatever the wall clock does; the log
            // assigns the one that counts.
            let at = self
                .settings
                .clock
                .now_ms()
                .max(proposals.room.last_command_at());
            if let Err(rejection) = proposals.room.apply(&command, at) {
                self.metrics.commands_rejected.inc();
                return Err(SubmitError::Rejected(rejection));
            }
            let request = self.next_request.fetch_add(1, Ordering::Relaxed);
            let (tx, reply) = oneshot::channel();
            proposals.insert(request, tx, &command);
            let entry = NewEntry {
                command: text,
                origin: Some(Origin {
                    node: self.node,
                    request,
                }),
            };
            // Queued under the replica's lock: this node's commands reach the log in the order
            // they were checked.
            let append = match record {
                Some(record) => self.log.create_room(record, entry),
                None => self.log.append(&self.code, entry),
            };
            (request, reply, append)
        };
        let started = Instant::now();
        match append.await {
            Ok(position) => {
                // A new room learns its epoch from the log's answer to its create (the owner may
                // have applied the entry already).
                let mut state = self.lock();
                if state.epoch == 0 {
                    state.epoch = position.epoch;
                }
            }
            Err(err) => {
                let mut proposals = self.proposals();
                proposals.remove(request);
                proposals.diverged = true;
                self.settle(&mut proposals);
                return Err(SubmitError::Store(err));
            }
        }
        self.metrics
            .log_commit_seconds
            .observe(started.elapsed().as_secs_f64());
        match reply.await {
            Ok(Ok(applied)) => {
                self.metrics.commands_applied.inc();
                Ok(applied)
            }
            Ok(Err(rejection)) => {
                self.metrics.commands_rejected.inc();
                Err(SubmitError::Rejected(rejection))
            }
            Err(_) => Err(SubmitError::Gone),
        }
    }

    /// Copies the committed room into the proposal replica once nothing is pending, if the
    /// replica may have drifted from it.
    fn settle(&self, proposals: &mut Proposals) {
        if proposals.diverged && proposals.pending.is_empty() {
            self.metrics.replica_copies.inc();
            proposals.room = self.lock().room.clone();
            proposals.diverged = false;
        }
    }

    /// The room's owner: reads the log back in order and applies it, until the room is deleted.
    async fn run_owner(self: Arc<Self>, mut feed: broadcast::Receiver<LogEvent>) {
        let mut closing = self.closing.subscribe();
        loop {
            let event = tokio::select! {
                event = feed.recv() => event,
                _ = closing.changed() => {
                    if self.is_deleted() { break }
                    continue;
                }
            };
            match event {
                Ok(LogEvent::Entry(entry)) => {
                    let seq = self.lock().seq;
                    if entry.seq > seq + 1 {
                        // Something was missed: read it from the log first.
                        self.catch_up(entry.seq - 1).await;
                    }
                    self.ingest(&entry);
                }
                Ok(LogEvent::Deleted) => {
                    self.close_all(crate::protocol::close::ROOM_DELETED);
                    break;
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(room = %self.code, missed, "the room fell behind its log; reading the tail");
                    self.catch_up(u64::MAX).await;
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
            if self.is_deleted() {
                break;
            }
        }
        drop(feed);
        self.log.unfollow(&self.code);
        // Whoever still waits for an answer gets none: the room is gone.
        self.proposals().clear();
    }

    /// Reads and applies the log's entries after the room's position, up to `upto` or the end.
    async fn catch_up(&self, upto: u64) {
        loop {
            let seq = self.lock().seq;
            if seq >= upto || self.is_deleted() {
                return;
            }
            match self.log.tail(&self.code, seq, CATCH_UP_PAGE).await {
                Ok(entries) if entries.first().is_some_and(|e| e.seq > seq + 1) => {
                    // The log dropped what this room lacks (trimmed behind a snapshot).
                    if !self.reload().await {
                        tokio::time::sleep(CATCH_UP_RETRY).await;
                    }
                }
                Ok(entries) => {
                    let done = entries.len() < CATCH_UP_PAGE;
                    for entry in &entries {
                        self.ingest(entry);
                    }
                    if done {
                        return;
                    }
                }
                Err(err) => {
                    tracing::warn!(room = %self.code, error = %err, "cannot read the room's log; trying again");
                    tokio::time::sleep(CATCH_UP_RETRY).await;
                }
            }
        }
    }

    /// Replaces the room with what the log holds now (its snapshot and the entries after it),
    /// when the entries this room lacks are gone from the log. Returns whether it could.
    async fn reload(&self) -> bool {
        let stored = match self.log.load_room(&self.code).await {
            Ok(Some(stored)) => stored,
            Ok(None) => return false,
            Err(err) => {
                tracing::warn!(room = %self.code, error = %err, "cannot reload the room from its log");
                return false;
            }
        };
        let (room, seq) = match rebuild(self.log.as_ref(), &stored).await {
            Ok(rebuilt) => rebuilt,
            Err(err) => {
                tracing::error!(room = %self.code, error = %err, "cannot rebuild the room from its log");
                return false;
            }
        };
        {
            let mut state = self.lock();
            if seq <= state.seq {
                return true;
            }
            tracing::info!(room = %self.code, from = state.seq, to = seq, "reloaded the room from its snapshot");
            state.room = room;
            state.seq = seq;
        }
        self.mark_dirty();
        self.answers_changed.send_modify(|n| *n += 1);
        let mut proposals = self.proposals();
        proposals.diverged = true;
        self.settle(&mut proposals);
        true
    }

    /// Saves the room's state as of `seq` if `seq` is a snapshot point and this node is the one
    /// to save it (the node that proposed the entry, in a cluster; every node computes the same
    /// state, so one copy is enough).
    fn snapshot_if_due(&self, entry: &LogEntry, state: &RoomState) {
        let every = self.settings.snapshot_every.max(1);
        if !entry.seq.is_multiple_of(every) {
            return;
        }
        if self.log.shared() && entry.origin.is_none_or(|o| o.node != self.node) {
            return;
        }
        match encode_snapshot(&state.room) {
            Ok(bytes) => {
                let write = self.log.write_snapshot(
                    &self.code,
                    Snapshot {
                        seq: entry.seq,
                        state: bytes,
                    },
                    every,
                );
                let code = self.code.clone();
                tokio::spawn(async move {
                    if let Err(err) = write.await {
                        tracing::warn!(room = %code, error = %err, "could not save the room's snapshot");
                    }
                });
            }
            Err(err) => {
                tracing::error!(room = %self.code, error = %err, "could not encode the room's snapshot")
            }
        }
    }

    /// Applies one entry read back from the log (once: an entry at or before the room's position
    /// is skipped) and answers its sender if it was proposed here.
    fn ingest(&self, entry: &LogEntry) {
        let (result, epoch, places_left) = {
            let mut state = self.lock();
            if entry.seq <= state.seq {
                return;
            }
            let result = apply_entry(&mut state.room, entry);
            state.seq = entry.seq;
            self.snapshot_if_due(entry, &state);
            (result, state.epoch, state.room.places_left())
        };
        self.mark_dirty();
        if let Ok((_, command)) = &result
            && command.changes_others_answers()
        {
            self.answers_changed.send_modify(|n| *n += 1);
        }
        let mut proposals = self.proposals();
        let ours = entry.origin.filter(|origin| origin.node == self.node);
        match ours.and_then(|origin| proposals.remove(origin.request)) {
            Some(reply) => {
                if result.is_err() {
                    // The replica accepted what the room refused.
                    proposals.diverged = true;
                }
                let _ = reply.send(result.map(|(outcome, _)| Applied {
                    seq: entry.seq,
                    epoch,
                    outcome,
                }));
            }
            None if ours.is_some() => {
                // Proposed here, but its sender stopped waiting (its append failed as far as it
                // knows): the replica may or may not hold it.
                proposals.diverged = true;
            }
            None => {
                // Another node's command: the replica takes it too. If commands of ours are
                // pending, the replica has them before it, the log after: that is the same room
                // only if they commute.
                if let Ok((_, command)) = &result {
                    if !proposals.commutes(command, places_left) {
                        proposals.diverged = true;
                    }
                    let _ = proposals.room.apply(command, entry.at);
                } else if !proposals.pending.is_empty() {
                    proposals.diverged = true;
                }
            }
        }
        self.settle(&mut proposals);
    }

    /// A participant's `hello`: recognises them by their token or admits them as new, logs a
    /// `join` only when there is something new to say (a first visit, a new name), and places
    /// them in a running breakout round they are not in yet.
    pub async fn admit(
        &self,
        secret: &super::identity::Secret,
        token: Option<&str>,
        name: Option<String>,
    ) -> Result<Admitted, AdmitError> {
        let participant = match token {
            Some(token) => secret
                .verify_token(&self.code, token)
                .ok_or(AdmitError::InvalidToken)?,
            None => ParticipantId(uuid::Uuid::new_v4()),
        };
        let name = name.filter(|n| !n.trim().is_empty());
        let needs_join = match self.lock().room.participant(&participant) {
            None => true,
            Some(known) => name.is_some() && known.name != name,
        };
        if needs_join {
            self.submit(Command::Join {
                participant,
                name: name.clone(),
            })
            .await
            .map_err(AdmitError::Submit)?;
        }
        self.place_if_late(participant)
            .await
            .map_err(AdmitError::Submit)?;
        let state = self.lock();
        Ok(Admitted {
            participant,
            token: secret.issue_token(&self.code, &participant),
            name: state
                .room
                .participant(&participant)
                .and_then(|p| p.name.clone()),
            epoch: state.epoch,
            seq: state.seq,
        })
    }

    /// Someone who arrives (or asks again) while a breakout round runs without them joins it.
    pub async fn place_if_late(&self, who: ParticipantId) -> Result<(), SubmitError> {
        let activity = self.lock().room.needs_group(&who);
        if let Some(activity) = activity {
            self.submit(Command::JoinGroups {
                activity,
                participant: who,
            })
            .await?;
        }
        Ok(())
    }

    /// A command from a connection (`participant` for a participant's). Commands that depend on
    /// who is connected (a breakout round, a solution circle's draw) get the people present
    /// filled in here, so the log alone replays them.
    pub async fn submit_from(
        &self,
        mut command: Command,
        participant: Option<ParticipantId>,
    ) -> Result<Submitted, SubmitError> {
        if let Some(present) = match &mut command {
            Command::Control(control) => control.present_mut(),
            _ => None,
        } {
            *present = self.present_everywhere().await;
        }
        let renamed = matches!(command, Command::SetName { .. });
        let applied = self.submit(command).await?;
        if participant.is_some() {
            self.replies.fetch_add(1, Ordering::Relaxed);
        }
        let me = participant.and_then(|who| match applied.outcome.answered() {
            Some(activity) => Some(self.me_frame(&who, Some(activity))),
            None => renamed.then(|| self.me_frame(&who, None)),
        });
        Ok(Submitted { applied, me })
    }

    /// A participant asks for everything about themselves afresh (`sync`): they are placed in a
    /// running breakout round if they missed it; then the room's position and their full `me`.
    pub async fn sync(&self, who: ParticipantId) -> Result<(u64, u64, Utf8Bytes), SubmitError> {
        self.place_if_late(who).await?;
        let (epoch, seq) = self.epoch_seq();
        Ok((epoch, seq, self.me_frame(&who, None)))
    }

    pub fn epoch_seq(&self) -> (u64, u64) {
        let state = self.lock();
        (state.epoch, state.seq)
    }

    pub fn expires_at(&self, room: &Room) -> Millis {
        room.last_command_at()
            .saturating_add(self.settings.retention.as_millis() as Millis)
    }

    // ---- connections and fan-out ----

    /// Registers a connection; starts the room's ticker if it is not running.
    pub fn connect(self: &Arc<Self>) -> Connection {
        self.connections.fetch_add(1, Ordering::AcqRel);
        self.metrics.connections.inc();
        if !self.ticker_running.swap(true, Ordering::AcqRel) {
            let room = Arc::clone(self);
            tokio::spawn(async move { room.run_ticker().await });
        }
        Connection {
            room: Arc::clone(self),
            participant_online: None,
        }
    }

    /// Participants connected now (someone with two tabs open counts once).
    /// In a cluster, those connected through other nodes too (as last heard, at most
    /// `PRESENCE_INTERVAL` ago; each person once).
    pub fn online_participants(&self) -> u64 {
        let here = self.present_here().len() as u64;
        here + self.online_elsewhere.load(Ordering::Acquire)
    }

    /// Everyone who has joined, with whether they are connected (at most `limit`).
    pub async fn people(&self, limit: usize) -> Vec<crate::protocol::Person> {
        let present: std::collections::BTreeSet<ParticipantId> =
            self.present_everywhere().await.into_iter().collect();
        let state = self.lock();
        state
            .room
            .participant_ids()
            .take(limit)
            .map(|id| crate::protocol::Person {
                id,
                name: state.room.display_name(&id),
                online: present.contains(&id),
            })
            .collect()
    }

    /// The participants connected right now through any node: in a cluster, as the cluster's
    /// presence says (this node's own always count, even if Redis cannot be asked).
    pub async fn present_everywhere(&self) -> Vec<ParticipantId> {
        let mut present: std::collections::BTreeSet<ParticipantId> =
            self.present().into_iter().collect();
        if let Some(cluster) = &self.cluster {
            match cluster.everyone(&self.code).await {
                Ok(ids) => present.extend(
                    ids.iter()
                        .filter_map(|id| uuid::Uuid::parse_str(id).ok())
                        .map(ParticipantId),
                ),
                Err(err) => {
                    tracing::warn!(room = %self.code, error = %err, "cannot read who is connected through other nodes")
                }
            }
        }
        present.into_iter().collect()
    }

    /// Who is connected through this node, with how many connections each. Poisoning is
    /// recovered from: the map is only ever counted up and down.
    fn present_here(&self) -> MutexGuard<'_, std::collections::BTreeMap<ParticipantId, u32>> {
        self.present
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The participants connected right now through this node.
    pub fn present(&self) -> Vec<ParticipantId> {
        self.present_here().keys().copied().collect()
    }

    pub fn subscribe(&self, audience: Audience) -> watch::Receiver<Utf8Bytes> {
        match audience {
            Audience::Host => self.host_frames.subscribe(),
            Audience::Presenter => self.presenter_frames.subscribe(),
            Audience::Participant => {
                let shard = self.next_shard.fetch_add(1, Ordering::Relaxed) % PARTICIPANT_SHARDS;
                self.participant_frames[shard].subscribe()
            }
            Audience::Embed => self.embed_frames.subscribe(),
        }
    }

    pub fn closing(&self) -> watch::Receiver<Option<u16>> {
        self.closing.subscribe()
    }

    pub fn answers_changed(&self) -> watch::Receiver<u64> {
        self.answers_changed.subscribe()
    }

    /// Renders one audience's frame now (a new connection's first snapshot).
    pub fn render(&self, audience: Audience) -> Utf8Bytes {
        let online = self.online_participants();
        let state = self.lock();
        self.render_locked(&state, audience, online)
    }

    fn render_locked(&self, state: &RoomState, audience: Audience, online: u64) -> Utf8Bytes {
        let msg = match audience {
            Audience::Host => ServerMsg::HostState {
                epoch: state.epoch,
                seq: state.seq,
                server_time: self.settings.clock.now_ms(),
                expires_at: self.expires_at(&state.room),
                view: Box::new(host_view(&state.room, online)),
            },
            _ => ServerMsg::State {
                epoch: state.epoch,
                seq: state.seq,
                server_time: self.settings.clock.now_ms(),
                view: Box::new(public_view(&state.room, audience, online)),
            },
        };
        Utf8Bytes::from(msg.to_text())
    }

    /// The participant's own answers: all of them, or one activity's.
    pub fn me_frame(&self, participant: &ParticipantId, only: Option<ActivityId>) -> Utf8Bytes {
        let state = self.lock();
        let answers = match only {
            None => state
                .room
                .answers_of(participant)
                .into_iter()
                .map(|(id, answer)| (id.to_string(), Some(answer)))
                .collect(),
            Some(id) => [(id.to_string(), state.room.answer_of(participant, id))]
                .into_iter()
                .collect(),
        };
        let msg = ServerMsg::Me {
            epoch: state.epoch,
            seq: state.seq,
            full: only.is_none(),
            name: state
                .room
                .participant(participant)
                .and_then(|p| p.name.clone()),
            answers,
        };
        Utf8Bytes::from(msg.to_text())
    }

    /// Marks the room deleted and tells every connection to close with `code`.
    pub fn close_all(&self, code: u16) {
        self.deleted.store(true, Ordering::Release);
        self.closing.send_replace(Some(code));
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted.load(Ordering::Acquire)
    }

    /// The interval between participant frames for the current audience size and this node's
    /// replies to participants (`replies_per_sec`): see [`participant_interval`].
    fn participant_interval(&self, replies_per_sec: f64) -> Duration {
        let here = self.present_here().len() as u64;
        participant_interval(
            self.online_participants(),
            here,
            self.settings.participant_frame_budget,
            replies_per_sec,
            self.settings.participant_tick,
        )
    }

    /// Renders the views while the room has connections. Host, presenter and embed views are
    /// rendered as soon as the room changes, but no more often than `presenter_tick` (embeds
    /// `EMBED_INTERVAL`); participant views every `participant_interval`, handed to the
    /// staggered fan-out.
    async fn run_ticker(self: Arc<Self>) {
        let (to_fanout, fanout_frames) = watch::channel(Utf8Bytes::from_static(""));
        let fanout = tokio::spawn(Arc::clone(&self).run_fanout(fanout_frames));
        let min_gap = self.settings.presenter_tick;
        let mut participant_pending = true;
        let long_ago = Instant::now() - Duration::from_secs(3600);
        let mut last_participant_frame = long_ago;
        let mut last_view = long_ago;
        let mut last_embed = long_ago;
        let mut embed_pending = false;
        // Replies to participants per second, as a moving average.
        let (mut replies_seen, mut replies_since, mut reply_rate) = (0u64, Instant::now(), 0.0);
        loop {
            let elapsed = replies_since.elapsed();
            if elapsed >= REPLY_RATE_WINDOW {
                let replies = self.replies.load(Ordering::Relaxed);
                let rate = (replies - replies_seen) as f64 / elapsed.as_secs_f64();
                reply_rate = (reply_rate + rate) / 2.0;
                (replies_seen, replies_since) = (replies, Instant::now());
            }
            let interval = self.participant_interval(reply_rate);
            // Sleep until the room changes, a participant or embed frame falls due, or the
            // housekeeping interval (countdowns) is up.
            let mut wait = HOUSEKEEPING;
            if participant_pending {
                wait = wait.min(interval.saturating_sub(last_participant_frame.elapsed()));
            }
            if embed_pending {
                wait = wait.min(EMBED_INTERVAL.saturating_sub(last_embed.elapsed()));
            }
            tokio::select! {
                _ = self.changed.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
            if self.connections.load(Ordering::Acquire) == 0 {
                self.ticker_running.store(false, Ordering::Release);
                // A connection may have arrived between the check and the store: it would have
                // seen the ticker as running and not started one.
                if self.connections.load(Ordering::Acquire) == 0
                    || self.ticker_running.swap(true, Ordering::AcqRel)
                {
                    break;
                }
            }
            // A countdown that has run out closes voting through the log like any other change,
            // so replay and every screen agree on when it closed.
            let due = {
                let state = self.lock();
                state
                    .room
                    .countdown_due(self.settings.clock.now_ms())
                    .map(|activity| {
                        let closes_at =
                            state.room.activity(activity).ok().and_then(|a| a.closes_at);
                        (activity, closes_at)
                    })
            };
            if let Some((activity, closes_at)) = due
                && self.may_close(activity, closes_at).await
            {
                let close = Command::Room(RoomCommand::SetVoting {
                    activity,
                    open: false,
                });
                if let Err(err) = self.submit(close).await {
                    tracing::warn!(room = %self.code, ?err, "could not close voting at the end of a countdown");
                }
            }
            if self.dirty.load(Ordering::Acquire) {
                // Changes that arrive within `min_gap` of the last frame share the next one.
                let since = last_view.elapsed();
                if since < min_gap {
                    tokio::time::sleep(min_gap - since).await;
                }
                self.dirty.store(false, Ordering::Release);
                last_view = Instant::now();
                participant_pending = true;
                embed_pending = self.embed_frames.receiver_count() > 0;
                let online = self.online_participants();
                let state = self.lock();
                if self.host_frames.receiver_count() > 0 {
                    let frame = self.render_locked(&state, Audience::Host, online);
                    self.host_frames.send_replace(frame);
                }
                if self.presenter_frames.receiver_count() > 0 {
                    let frame = self.render_locked(&state, Audience::Presenter, online);
                    self.presenter_frames.send_replace(frame);
                }
            }
            if embed_pending && last_embed.elapsed() >= EMBED_INTERVAL {
                embed_pending = false;
                last_embed = Instant::now();
                let frame = {
                    let online = self.online_participants();
                    let state = self.lock();
                    self.render_locked(&state, Audience::Embed, online)
                };
                self.embed_frames.send_replace(frame);
            }
            if participant_pending && last_participant_frame.elapsed() >= interval {
                participant_pending = false;
                last_participant_frame = Instant::now();
                let anyone = self
                    .participant_frames
                    .iter()
                    .any(|s| s.receiver_count() > 0);
                if anyone {
                    let online = self.online_participants();
                    let frame = {
                        let state = self.lock();
                        self.render_locked(&state, Audience::Participant, online)
                    };
                    to_fanout.send_replace(frame);
                }
            }
        }
        drop(to_fanout);
        let _ = fanout.await;
    }

    /// Whether this node closes a countdown that has run out. In a cluster every node with
    /// connections sees it run out; one claims it, so the log holds one close. If that node dies
    /// before closing, its claim lapses and another node closes it.
    pub(super) async fn may_close(&self, activity: ActivityId, closes_at: Option<Millis>) -> bool {
        let Some(cluster) = &self.cluster else {
            return true;
        };
        let name = format!(
            "close:{}:{}:{}",
            self.code,
            activity.0,
            closes_at.unwrap_or_default()
        );
        match cluster.claim(&name, COUNTDOWN_CLAIM).await {
            Ok(won) => won,
            Err(err) => {
                tracing::warn!(room = %self.code, error = %err, "cannot claim a countdown's close");
                false
            }
        }
    }

    /// Hands each participant frame to the shards a group at a time. A group is about
    /// `fanout_group` connections (a vote or a presenter frame waits behind at most one group); the next group is released once most of the current one has
    /// written its frame (or after `FANOUT_GROUP_WAIT`). The run queue then never holds more than
    /// one group's sends, so a vote's ack or a presenter frame waits behind one group at most,
    /// while the whole audience still gets the frame as fast as the machine can write it. A
    /// frame rendered meanwhile goes to everyone in the next round.
    async fn run_fanout(self: Arc<Self>, mut frames: watch::Receiver<Utf8Bytes>) {
        while frames.changed().await.is_ok() {
            let frame = frames.borrow_and_update().clone();
            let receivers: Vec<usize> = self
                .participant_frames
                .iter()
                .map(|shard| shard.receiver_count())
                .collect();
            let audience: usize = receivers.iter().sum();
            let group_size = u64::from(self.settings.fanout_group.max(1));
            let groups = (audience as u64)
                .div_ceil(group_size)
                .clamp(1, PARTICIPANT_SHARDS as u64) as usize;
            for group in 0..groups {
                let shards =
                    group * PARTICIPANT_SHARDS / groups..(group + 1) * PARTICIPANT_SHARDS / groups;
                let expected: usize = receivers[shards.clone()].iter().sum();
                // Count from here: frames of earlier groups still being written count too, which
                // only releases this group's successor a little sooner.
                let target = self.participant_delivered.load(Ordering::Acquire)
                    + (expected as u64 * 9).div_ceil(10);
                for shard in &self.participant_frames[shards] {
                    if shard.receiver_count() > 0 {
                        shard.send_replace(frame.clone());
                    }
                }
                if group + 1 == groups || expected == 0 {
                    continue;
                }
                self.group_target.store(target, Ordering::Release);
                let deadline = tokio::time::Instant::now() + FANOUT_GROUP_WAIT;
                while self.participant_delivered.load(Ordering::Acquire) < target {
                    tokio::select! {
                        _ = self.group_delivered.notified() => {}
                        _ = tokio::time::sleep_until(deadline) => break,
                    }
                }
                self.group_target.store(u64::MAX, Ordering::Release);
            }
        }
    }

    /// A participant connection wrote a participant frame to its socket.
    pub fn participant_frame_sent(&self) {
        let delivered = self.participant_delivered.fetch_add(1, Ordering::AcqRel) + 1;
        if delivered == self.group_target.load(Ordering::Acquire) {
            self.group_delivered.notify_one();
        }
    }

    pub fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::Release);
        self.changed.notify_one();
    }
}

/// A registered connection; unregisters itself when dropped, however the session ends.
pub struct Connection {
    room: Arc<RoomHandle>,
    participant_online: Option<ParticipantId>,
}

impl Connection {
    pub fn room(&self) -> &Arc<RoomHandle> {
        &self.room
    }

    /// Counts this connection as `who` being online (once).
    pub fn set_participant_online(&mut self, who: ParticipantId) {
        if self.participant_online.is_none() {
            self.participant_online = Some(who);
            *self.room.present_here().entry(who).or_insert(0) += 1;
            self.room.mark_dirty();
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some(who) = self.participant_online {
            let mut present = self.room.present_here();
            if let Some(count) = present.get_mut(&who) {
                *count -= 1;
                if *count == 0 {
                    present.remove(&who);
                }
            }
            drop(present);
            self.room.mark_dirty();
        }
        self.room.connections.fetch_sub(1, Ordering::AcqRel);
        self.room.metrics.connections.dec();
    }
}

impl RoomHandle {
    /// Asks every connection to close with `code` without deleting the room (shutdown).
    pub fn closing_signal(&self, code: u16) {
        self.closing.send_replace(Some(code));
    }
}

impl RoomHandle {
    pub fn connection_count(&self) -> u64 {
        self.connections.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::store::sqlite::SqliteLog;

    fn room(fanout_group: u32) -> (tempfile::TempDir, Arc<RoomHandle>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        config.fanout_group = fanout_group;
        let log = SqliteLog::open(&dir.path().join("log.db")).expect("log");
        let handle = RoomHandle::new(
            "ABCDEF".into(),
            String::new(),
            Room::empty(),
            0,
            1,
            RoomServices {
                log: Arc::new(log),
                settings: Arc::new(HubSettings::from_config(&config)),
                metrics: Arc::new(Metrics::default()),
                node: 1,
                cluster: None,
            },
        );
        (dir, handle)
    }

    /// Receivers dealt to the shards like connections are, and what each holds now.
    #[test]
    fn replies_to_a_vote_burst_take_their_share_of_the_frame_budget() {
        let tick = Duration::from_millis(200);
        let at = |online, here, replies| participant_interval(online, here, 20_000, replies, tick);
        // Small rooms: every tick.
        assert_eq!(at(500, 500, 0.0), tick);
        // 40,000 on three nodes, nobody answering: 20,000 frames a second in all.
        let quiet = at(40_000, 13_333, 0.0);
        assert!((quiet.as_secs_f64() - 2.0).abs() < 0.01, "{quiet:?}");
        // The same node sending 3,333 replies a second (half its share): frames half as often.
        let burst = at(40_000, 13_333, 3_333.0);
        assert!((burst.as_secs_f64() - 4.0).abs() < 0.02, "{burst:?}");
        // However many replies, at most four times less often.
        let flood = at(40_000, 13_333, 1e9);
        assert!((flood.as_secs_f64() - 8.0).abs() < 0.02, "{flood:?}");
        // A small room's replies fit within the budget's slack: still every tick.
        assert_eq!(at(500, 500, 400.0), tick);
    }

    fn latest(receivers: &[watch::Receiver<Utf8Bytes>]) -> Vec<String> {
        receivers.iter().map(|r| r.borrow().to_string()).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn participant_frames_go_out_a_group_at_a_time_and_everyone_ends_on_the_latest() {
        // One connection per shard, groups of one: 64 steps. Nobody writes (no sessions), so
        // each step waits its full FANOUT_GROUP_WAIT before the next group is released.
        let (_dir, handle) = room(1);
        let receivers: Vec<_> = (0..PARTICIPANT_SHARDS)
            .map(|_| handle.subscribe(Audience::Participant))
            .collect();
        let (frames, rx) = watch::channel(Utf8Bytes::from_static(""));
        let fanout = tokio::spawn(Arc::clone(&handle).run_fanout(rx));

        frames.send_replace(Utf8Bytes::from_static("A"));
        tokio::time::sleep(FANOUT_GROUP_WAIT * 4 + FANOUT_GROUP_WAIT / 2).await;
        let now = latest(&receivers);
        // Staggered: the first five groups have it, the rest do not yet.
        assert!(now[..5].iter().all(|f| f == "A"), "{now:?}");
        assert!(now[5..].iter().all(|f| f.is_empty()), "{now:?}");

        // A newer frame while the first is still going out: the rest of this round still gets
        // "A", and then everyone, the early groups included, gets "B".
        frames.send_replace(Utf8Bytes::from_static("B"));
        tokio::time::sleep(FANOUT_GROUP_WAIT * 2 * PARTICIPANT_SHARDS as u32).await;
        assert!(latest(&receivers).iter().all(|f| f == "B"));

        drop(frames);
        fanout.await.expect("the fan-out ends with its ticker");
    }

    #[tokio::test(start_paused = true)]
    async fn a_group_that_has_written_releases_the_next_at_once() {
        let (_dir, handle) = room(1);
        let receivers: Vec<_> = (0..PARTICIPANT_SHARDS)
            .map(|_| handle.subscribe(Audience::Participant))
            .collect();
        let (frames, rx) = watch::channel(Utf8Bytes::from_static(""));
        let fanout = tokio::spawn(Arc::clone(&handle).run_fanout(rx));
        // Sessions that write their frame as soon as they see it.
        let writers: Vec<_> = receivers
            .into_iter()
            .map(|mut r| {
                let handle = Arc::clone(&handle);
                tokio::spawn(async move {
                    r.changed().await.expect("a frame");
                    handle.participant_frame_sent();
                    r.borrow().to_string()
                })
            })
            .collect();
        let started = tokio::time::Instant::now();
        frames.send_replace(Utf8Bytes::from_static("A"));
        for writer in writers {
            assert_eq!(writer.await.expect("writer"), "A");
        }
        // No group waited for its deadline (time is paused: only timers move it).
        assert!(started.elapsed() < FANOUT_GROUP_WAIT);
        drop(frames);
        fanout.await.expect("the fan-out ends");
    }
}
