//! The command log behind a trait: every accepted command, in order, per room. The SQLite log is
//! the embedded default. The domain knows nothing of this module.

pub mod sqlite;

use crate::domain::Millis;
use std::future::Future;
use std::pin::Pin;
use tokio::sync::oneshot;

/// One accepted command. `command` is its JSON (the domain's `Command`), stored verbatim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub room: String,
    pub seq: u64,
    pub at: Millis,
    pub command: String,
}

/// A room's identity and secrets, kept beside its log. The host key is stored only as a hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomRecord {
    pub code: String,
    pub host_key_hash: String,
    pub created_at: Millis,
}

/// A room as read back at start-up: its record and its whole log in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRoom {
    pub record: RoomRecord,
    pub entries: Vec<LogEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the command log is not writable: {0}")]
    Io(String),
    #[error("a room with code {0} already exists")]
    RoomExists(String),
    #[error("the command log has shut down")]
    Closed,
}

/// Resolves once the write it belongs to is durable (or has failed).
pub struct Commit(oneshot::Receiver<Result<(), StoreError>>);

impl Commit {
    pub fn new() -> (oneshot::Sender<Result<(), StoreError>>, Commit) {
        let (tx, rx) = oneshot::channel();
        (tx, Commit(rx))
    }

    pub fn failed(err: StoreError) -> Commit {
        let (tx, commit) = Commit::new();
        let _ = tx.send(Err(err));
        commit
    }
}

impl Future for Commit {
    type Output = Result<(), StoreError>;

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.unwrap_or(Err(StoreError::Closed)))
    }
}

/// The ordered, durable log of every room.
///
/// # Contract
/// - **Order**: calls made one after another (from one thread, or under one lock) are written in
///   that order. The hub appends while holding the room's lock, so each room's log is in the order
///   its commands were applied, with `seq` increasing by one.
/// - **Durability**: a [`Commit`] resolves `Ok` only after the transaction holding the write has
///   committed to stable storage. Writes are grouped into batches (group commit): one `fsync` serves
///   every write that arrived while the previous batch was being committed.
/// - **Atomicity**: a batch commits whole or not at all. If it fails, every write in it resolves
///   `Err` and nothing in it is visible after a restart, nor to [`CommandLog::load_room`].
/// - **After a failure** a log may refuse every later write until it is reopened (the SQLite log
///   does: a later command of a room whose earlier command was lost would leave a gap). The hub
///   therefore rebuilds a room from [`CommandLog::load_room`] when one of its writes fails, so
///   memory never shows a command the log does not hold, and takes no further commands for that
///   room until the server restarts.
/// - The write methods never block on disk: they queue the write and return its [`Commit`].
pub trait CommandLog: Send + Sync + 'static {
    /// Registers a room and its first command in one transaction. Fails with
    /// [`StoreError::RoomExists`] if the code is taken.
    fn create_room(&self, record: RoomRecord, first: LogEntry) -> Commit;

    /// Appends one command to an existing room's log.
    fn append(&self, entry: LogEntry) -> Commit;

    /// Removes a room, its record and its whole log.
    fn delete_room(&self, code: &str) -> Commit;

    /// Resolves when everything queued before this call is durable (used on shutdown).
    fn flush(&self) -> Commit;

    /// Reads every room and its log (start-up only; blocking).
    fn load_all(&self) -> Result<Vec<StoredRoom>, StoreError>;

    /// Reads one room and its durable log, `None` if there is no such room (blocking; used to
    /// rebuild a room after a failed write).
    fn load_room(&self, code: &str) -> Result<Option<StoredRoom>, StoreError>;
}
