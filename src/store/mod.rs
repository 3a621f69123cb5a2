//! The command log behind a trait: every accepted command of a room, in order. The log is the
//! room's source of truth and its bus: a live room applies only what it reads back from its log.
//! The SQLite log is the embedded default. The domain knows nothing of this module.

pub mod redis;
pub mod sqlite;

#[cfg(test)]
pub mod contract;

use crate::domain::Millis;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Who proposed an entry: a node (a server process) and its own number for the request. A node
/// recognises its own entries when it reads them back, to answer the client that sent them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub node: u64,
    pub request: u64,
}

impl Origin {
    /// As stored beside an entry: `node:request` in hexadecimal.
    pub fn encode(&self) -> String {
        format!("{:x}:{:x}", self.node, self.request)
    }

    pub fn decode(text: &str) -> Option<Origin> {
        let (node, request) = text.split_once(':')?;
        Some(Origin {
            node: u64::from_str_radix(node, 16).ok()?,
            request: u64::from_str_radix(request, 16).ok()?,
        })
    }
}

/// Where an entry stands in its room's log, as the log assigned it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Names the room's history. It changes only if the history was replaced (a log that lost
    /// entries, a room rebuilt under the same code); positions of different epochs do not compare.
    pub epoch: u64,
    /// 1 for the room's first command, then one more for each.
    pub seq: u64,
    /// When the log took the entry: never earlier than the room's previous entry.
    pub at: Millis,
}

/// A command as proposed, before the log has placed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEntry {
    /// The domain's `Command` as JSON, stored verbatim.
    pub command: String,
    pub origin: Option<Origin>,
}

/// One entry of a room's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub room: String,
    pub seq: u64,
    pub at: Millis,
    pub command: String,
    /// Who proposed it, where the log kept that (the SQLite log does not across restarts).
    pub origin: Option<Origin>,
}

/// A room's identity and secrets, kept beside its log. The host key is stored only as a hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomRecord {
    pub code: String,
    pub host_key_hash: String,
    pub created_at: Millis,
}

/// A room's state as of `seq`, encoded by the hub (the log stores it as it is given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub seq: u64,
    pub state: Vec<u8>,
}

/// A room as read back: its record, its epoch, its latest snapshot if it has one, and the log's
/// entries after the snapshot (all of them without one), in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRoom {
    pub record: RoomRecord,
    pub epoch: u64,
    pub snapshot: Option<Snapshot>,
    pub entries: Vec<LogEntry>,
}

/// What a follower of a room hears, in log order.
#[derive(Clone, Debug)]
pub enum LogEvent {
    /// An entry that is now durable.
    Entry(Arc<LogEntry>),
    /// The room was deleted: its log is gone.
    Deleted,
}

#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the command log is not writable: {0}")]
    Io(String),
    #[error("the command log cannot be reached: {0}")]
    Unavailable(String),
    #[error("a room with code {0} already exists")]
    RoomExists(String),
    #[error("there is no room {0} in the log")]
    NoRoom(String),
    #[error("the command log has shut down")]
    Closed,
}

/// A log operation under way. Every operation is queued when its method is called, not when the
/// future is first polled: calls made one after another are written in that order.
pub type LogFuture<T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'static>>;

/// A new room's epoch: random, never 0, and exact as a JavaScript number (below 2^53).
pub fn new_epoch() -> u64 {
    (rand::random::<u64>() >> 11).max(1)
}

/// A future that has already failed.
pub fn failed<T: Send + 'static>(err: StoreError) -> LogFuture<T> {
    Box::pin(std::future::ready(Err(err)))
}

/// The ordered, durable log of every room.
///
/// # Contract
/// - **Order**: within a room, entries get `seq` 1, 2, 3… with no gaps, in the order the log took
///   them, and `at` never decreases. Appends of one room made one after another (by one caller,
///   or under one lock) are taken in that order. Appends of different callers (or nodes) are
///   interleaved in some order that every reader sees identically.
/// - **Positions are the log's**: [`CommandLog::append`] resolves with the entry's [`Position`]
///   (`epoch`, `seq`, `at`), which the log assigns; the caller proposes only the command.
/// - **Durability**: an append resolves `Ok` only once the entry is durable as far as this log
///   promises (SQLite: committed with `fsync`; Redis: as its `appendfsync` setting promises), and
///   a follower hears an entry only once it is durable. Writes may be grouped (group commit).
/// - **Atomicity**: an entry is either wholly in the log at its position or not at all. A failed
///   append resolves `Err` and leaves no entry behind; later appends go on from the last durable
///   entry, so a failure never leaves a gap. A room created by [`CommandLog::create_room`] exists
///   together with its first entry, or not at all.
/// - **Reading back**: [`CommandLog::tail`] returns the durable entries after a `seq`, in order;
///   [`CommandLog::follow`] hears every entry appended after it was called (by anyone), in order.
///   A follower that falls behind may miss events (it is told it lagged) and catches up with
///   `tail`. A room applies only what it reads back, so memory never shows what the log lacks.
/// - **Epochs**: a room's epoch is fixed when it is created and changes only if its history was
///   replaced; a reader that sees a new epoch must reload the room instead of applying the tail.
/// - **Deletion** removes a room, its record and its log; followers hear [`LogEvent::Deleted`].
/// - **Snapshots**: [`CommandLog::write_snapshot`] keeps a room's state as of a `seq` it has
///   applied; a snapshot older than the one kept is ignored. [`CommandLog::load_room`] returns
///   the latest snapshot and only the entries after it. A log may then drop entries before the
///   snapshot (the Redis log trims its stream, keeping one snapshot interval): a reader whose
///   `tail` starts past the entry it asked for must reload the room from its snapshot.
pub trait CommandLog: Send + Sync + 'static {
    /// Registers a room and its first command (seq 1) together. Fails with
    /// [`StoreError::RoomExists`] if the code is taken.
    fn create_room(&self, record: RoomRecord, first: NewEntry) -> LogFuture<Position>;

    /// Appends one command to an existing room's log ([`StoreError::NoRoom`] if there is none).
    fn append(&self, room: &str, entry: NewEntry) -> LogFuture<Position>;

    /// Removes a room, its record and its whole log.
    fn delete_room(&self, code: &str) -> LogFuture<()>;

    /// Resolves when everything queued before this call is durable (used on shutdown).
    fn flush(&self) -> LogFuture<()>;

    /// The durable entries after `after`, in order, at most `limit` of them.
    fn tail(&self, room: &str, after: u64, limit: usize) -> LogFuture<Vec<LogEntry>>;

    /// Hears every entry of `room` after `after` that is appended from now on (by anyone), and
    /// the room's deletion. A follower may also hear entries it already has: it skips them.
    fn follow(&self, room: &str, after: u64) -> broadcast::Receiver<LogEvent>;

    /// Stops following `room` once nobody here listens (its last receiver was dropped).
    fn unfollow(&self, room: &str);

    /// The codes of every room in the log.
    fn rooms(&self) -> LogFuture<Vec<String>>;

    /// Reads one room: its latest snapshot and the durable entries after it, `None` if there is
    /// no such room.
    fn load_room(&self, code: &str) -> LogFuture<Option<StoredRoom>>;

    /// Keeps `snapshot` as the room's latest, unless a later one is kept already. `keep` entries
    /// before the snapshot stay readable with `tail` (for readers that are a little behind).
    fn write_snapshot(&self, room: &str, snapshot: Snapshot, keep: u64) -> LogFuture<()>;

    /// Whether other servers write this log too. A server on a shared log loads a room when it
    /// is first asked for instead of every room at start, and keeps what must be the same on
    /// every server (codes, presence) in the log's store rather than in its own memory.
    fn shared(&self) -> bool {
        false
    }
}

/// What the nodes of a cluster share besides the log: who is connected to a room through every
/// node, one-at-a-time claims (one node closes a countdown, one sweeps), and counts. Each node
/// publishes the participants connected to it; an entry lapses unless its node publishes again
/// within `ttl`, so a node that dies takes its participants with it. (A server on a log of its
/// own needs none of this: it knows all of it.)
pub trait Cluster: Send + Sync + 'static {
    /// Updates this node's participants in `room` (ids added and removed since the last call,
    /// or, with `full`, the whole set) and keeps them for `ttl`. Resolves with how many are
    /// connected through the other live nodes, and whether this node's entry had lapsed (the
    /// caller then publishes its whole set again).
    fn publish(
        &self,
        room: &str,
        node: u64,
        update: PresenceUpdate,
        ttl: std::time::Duration,
    ) -> LogFuture<PresenceCount>;

    /// The participants connected to `room` through any live node.
    fn everyone(&self, room: &str) -> LogFuture<Vec<String>>;

    /// Claims `name` for `ttl`: `true` for exactly one caller in the cluster until it lapses.
    fn claim(&self, name: &str, ttl: std::time::Duration) -> LogFuture<bool>;

    /// How many rooms the cluster holds.
    fn room_count(&self) -> LogFuture<u64>;

    /// The rooms whose last entry is older than `before`.
    fn idle_rooms(&self, before: Millis) -> LogFuture<Vec<String>>;

    /// Resolves `Ok` if the shared store answers.
    fn ping(&self) -> LogFuture<()>;
}

/// What a node's participants did since it last published.
#[derive(Clone, Debug, Default)]
pub struct PresenceUpdate {
    /// `added` is the whole set (what was there before is replaced).
    pub full: bool,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PresenceCount {
    /// Participants connected through the other live nodes and not through this one (each
    /// person once, however many nodes they are connected through).
    pub elsewhere: u64,
    /// This node's entry had lapsed before this call.
    pub lapsed: bool,
}
