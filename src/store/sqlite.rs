//! The embedded command log: SQLite in WAL mode with `synchronous=FULL`, written by one thread
//! that commits in batches (group commit). Every write queued while a batch is being committed
//! goes into the next batch, so one fsync acknowledges many votes under load and a lone vote is
//! not kept waiting for company. The writer assigns each entry its position, and followers hear
//! an entry only once its batch has committed.

use super::{
    CommandLog, LogEntry, LogEvent, LogFuture, NewEntry, Position, RoomRecord, Snapshot,
    StoreError, StoredRoom,
};
use crate::domain::Millis;
use dashmap::DashMap;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::{broadcast, oneshot};

/// Writes one batch takes at most, so a flood cannot make one transaction unbounded.
const MAX_BATCH: usize = 8_192;
/// Events a follower may fall behind by before it is told it lagged (it then reads the tail).
const FOLLOW_CAPACITY: usize = 4_096;

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;
type Followers = Arc<DashMap<String, broadcast::Sender<LogEvent>>>;

enum Op {
    Create(RoomRecord, NewEntry, Reply<Position>),
    Append(String, NewEntry, Reply<Position>),
    Delete(String, Reply<()>),
    Snapshot(String, Snapshot, Reply<()>),
    Flush(Reply<()>),
}

impl Op {
    fn fail(self, err: StoreError) {
        match self {
            Op::Create(_, _, tx) | Op::Append(_, _, tx) => {
                let _ = tx.send(Err(err));
            }
            Op::Delete(_, tx) | Op::Snapshot(_, _, tx) | Op::Flush(tx) => {
                let _ = tx.send(Err(err));
            }
        }
    }
}

/// What one op of a committed batch resolves to.
enum Done {
    Placed(Position, Arc<LogEntry>),
    Deleted(String),
    Nothing,
    Failed(StoreError),
}

/// A room's last position, as the writer knows it.
#[derive(Clone, Copy, Debug)]
struct Head {
    epoch: u64,
    seq: u64,
    at: Millis,
}

pub struct SqliteLog {
    queue: mpsc::Sender<Op>,
    followers: Followers,
    /// One connection for reads (tails and reloads), apart from the writer's.
    reader: Arc<Mutex<Connection>>,
}

impl SqliteLog {
    /// Opens (or creates) the log at `path` and starts its writer thread.
    pub fn open(path: &Path) -> Result<SqliteLog, StoreError> {
        let conn = open_connection(path)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS rooms (
                 code TEXT PRIMARY KEY,
                 host_key_hash TEXT NOT NULL,
                 created_at INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS log (
                 room TEXT NOT NULL,
                 seq INTEGER NOT NULL,
                 at INTEGER NOT NULL,
                 command TEXT NOT NULL,
                 PRIMARY KEY (room, seq)
             ) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS snapshots (
                 room TEXT PRIMARY KEY,
                 seq INTEGER NOT NULL,
                 state BLOB NOT NULL
             );",
        )
        .map_err(io)?;
        // Logs written before rooms had an epoch: each room's creation time names its history.
        let has_epoch = conn
            .prepare("SELECT 1 FROM pragma_table_info('rooms') WHERE name = 'epoch'")
            .and_then(|mut stmt| stmt.exists([]))
            .map_err(io)?;
        if !has_epoch {
            conn.execute_batch(
                "ALTER TABLE rooms ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
                 UPDATE rooms SET epoch = created_at;",
            )
            .map_err(io)?;
        }
        let reader = open_connection(path)?;
        let followers: Followers = Arc::new(DashMap::new());
        let (queue, ops) = mpsc::channel();
        let writer_followers = Arc::clone(&followers);
        std::thread::Builder::new()
            .name("handsup-log".into())
            .spawn(move || writer(conn, ops, writer_followers))
            .map_err(|e| StoreError::Io(format!("cannot start the log writer: {e}")))?;
        Ok(SqliteLog {
            queue,
            followers,
            reader: Arc::new(Mutex::new(reader)),
        })
    }

    fn send<T: Send + 'static>(&self, make: impl FnOnce(Reply<T>) -> Op) -> LogFuture<T> {
        let (tx, rx) = oneshot::channel();
        if let Err(mpsc::SendError(op)) = self.queue.send(make(tx)) {
            op.fail(StoreError::Closed);
        }
        Box::pin(async move { rx.await.unwrap_or(Err(StoreError::Closed)) })
    }

    /// Runs a read on the reader connection, off the async threads.
    fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> LogFuture<T> {
        let reader = Arc::clone(&self.reader);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let conn = reader.lock().unwrap_or_else(|p| p.into_inner());
                read(&conn)
            })
            .await
            .unwrap_or(Err(StoreError::Closed))
        })
    }
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(io)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA busy_timeout = 5000;",
    )
    .map_err(io)?;
    Ok(conn)
}

fn io(err: rusqlite::Error) -> StoreError {
    StoreError::Io(err.to_string())
}

fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

fn new_epoch() -> u64 {
    super::new_epoch()
}

/// Takes batches off the queue and commits each in one transaction. A failed batch leaves
/// nothing behind and the writer forgets what it knew of the rooms' heads, so the next batch
/// goes on from what is durable: a failure never leaves a gap.
fn writer(mut conn: Connection, ops: mpsc::Receiver<Op>, followers: Followers) {
    let mut heads: HashMap<String, Head> = HashMap::new();
    while let Ok(first) = ops.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match ops.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        match write_batch(&mut conn, &batch, &mut heads, now_ms()) {
            Ok(outcomes) => {
                for (op, done) in batch.into_iter().zip(outcomes) {
                    resolve(op, done, &followers);
                }
            }
            Err(err) => {
                tracing::error!(error = %err, writes = batch.len(), "a command log batch failed; none of it was written");
                heads.clear();
                let err = io(err);
                for op in batch {
                    op.fail(err.clone());
                }
            }
        }
    }
}

/// Answers one op of a committed batch and tells the room's followers.
fn resolve(op: Op, done: Done, followers: &Followers) {
    match (op, done) {
        (Op::Create(_, _, tx) | Op::Append(_, _, tx), Done::Placed(position, entry)) => {
            if let Some(follow) = followers.get(&entry.room) {
                let _ = follow.send(LogEvent::Entry(entry));
            }
            let _ = tx.send(Ok(position));
        }
        (Op::Delete(_, tx), Done::Deleted(code)) => {
            if let Some(follow) = followers.get(&code) {
                let _ = follow.send(LogEvent::Deleted);
            }
            let _ = tx.send(Ok(()));
        }
        (op, Done::Failed(err)) => op.fail(err),
        (Op::Flush(tx) | Op::Delete(_, tx) | Op::Snapshot(_, _, tx), _) => {
            let _ = tx.send(Ok(()));
        }
        (op, _) => op.fail(StoreError::Io(
            "the log writer lost track of a write".into(),
        )),
    }
}

/// The head of `room` as the database holds it, `None` if there is no such room.
fn read_head(conn: &Connection, room: &str) -> Result<Option<Head>, rusqlite::Error> {
    let Some(epoch) = conn
        .query_row(
            "SELECT epoch FROM rooms WHERE code = ?1",
            params![room],
            |row| row.get::<_, i64>(0),
        )
        .optional()?
    else {
        return Ok(None);
    };
    let last = conn
        .query_row(
            "SELECT seq, at FROM log WHERE room = ?1 ORDER BY seq DESC LIMIT 1",
            params![room],
            |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
        )
        .optional()?;
    let (seq, at) = last.unwrap_or((0, 0));
    Ok(Some(Head {
        epoch: epoch as u64,
        seq: seq as u64,
        at,
    }))
}

/// One transaction for the whole batch. A create whose code is taken, or an append to a room
/// that does not exist, fails alone; any other error fails the batch. `heads` is updated as the
/// batch goes; the caller clears it if the batch fails.
fn write_batch(
    conn: &mut Connection,
    batch: &[Op],
    heads: &mut HashMap<String, Head>,
    now: Millis,
) -> Result<Vec<Done>, rusqlite::Error> {
    let tx = conn.transaction()?;
    let mut outcomes = Vec::with_capacity(batch.len());
    {
        let mut insert_room = tx.prepare_cached(
            "INSERT INTO rooms (code, host_key_hash, created_at, epoch) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (code) DO NOTHING",
        )?;
        let mut insert_entry =
            tx.prepare_cached("INSERT INTO log (room, seq, at, command) VALUES (?1, ?2, ?3, ?4)")?;
        let mut place =
            |room: &str, entry: &NewEntry, head: &mut Head| -> Result<Done, rusqlite::Error> {
                head.seq += 1;
                head.at = head.at.max(now);
                insert_entry.execute(params![room, head.seq as i64, head.at, entry.command])?;
                let position = Position {
                    epoch: head.epoch,
                    seq: head.seq,
                    at: head.at,
                };
                Ok(Done::Placed(
                    position,
                    Arc::new(LogEntry {
                        room: room.to_string(),
                        seq: head.seq,
                        at: head.at,
                        command: entry.command.clone(),
                        origin: entry.origin,
                    }),
                ))
            };
        for op in batch {
            let done = match op {
                Op::Create(record, first, _) => {
                    let epoch = new_epoch();
                    let inserted = insert_room.execute(params![
                        record.code,
                        record.host_key_hash,
                        record.created_at,
                        epoch as i64
                    ])?;
                    if inserted == 0 {
                        Done::Failed(StoreError::RoomExists(record.code.clone()))
                    } else {
                        let mut head = Head {
                            epoch,
                            seq: 0,
                            at: record.created_at,
                        };
                        let done = place(&record.code, first, &mut head)?;
                        heads.insert(record.code.clone(), head);
                        done
                    }
                }
                Op::Append(room, entry, _) => {
                    if !heads.contains_key(room)
                        && let Some(head) = read_head(&tx, room)?
                    {
                        heads.insert(room.clone(), head);
                    }
                    match heads.get_mut(room) {
                        Some(head) => place(room, entry, head)?,
                        None => Done::Failed(StoreError::NoRoom(room.clone())),
                    }
                }
                Op::Snapshot(room, snapshot, _) => {
                    tx.execute(
                        "INSERT INTO snapshots (room, seq, state) VALUES (?1, ?2, ?3)
                         ON CONFLICT (room) DO UPDATE SET seq = excluded.seq, state = excluded.state
                         WHERE excluded.seq > snapshots.seq",
                        params![room, snapshot.seq as i64, snapshot.state],
                    )?;
                    Done::Nothing
                }
                Op::Delete(code, _) => {
                    tx.execute("DELETE FROM snapshots WHERE room = ?1", params![code])?;
                    tx.execute("DELETE FROM log WHERE room = ?1", params![code])?;
                    tx.execute("DELETE FROM rooms WHERE code = ?1", params![code])?;
                    heads.remove(code);
                    Done::Deleted(code.clone())
                }
                Op::Flush(_) => Done::Nothing,
            };
            outcomes.push(done);
        }
    }
    tx.commit()?;
    Ok(outcomes)
}

impl CommandLog for SqliteLog {
    fn create_room(&self, record: RoomRecord, first: NewEntry) -> LogFuture<Position> {
        self.send(|tx| Op::Create(record, first, tx))
    }

    fn append(&self, room: &str, entry: NewEntry) -> LogFuture<Position> {
        let room = room.to_string();
        self.send(|tx| Op::Append(room, entry, tx))
    }

    fn delete_room(&self, code: &str) -> LogFuture<()> {
        let code = code.to_string();
        self.send(|tx| Op::Delete(code, tx))
    }

    fn flush(&self) -> LogFuture<()> {
        self.send(Op::Flush)
    }

    /// The whole log is kept (it is the session's record); `keep` needs nothing here.
    fn write_snapshot(&self, room: &str, snapshot: Snapshot, _keep: u64) -> LogFuture<()> {
        let room = room.to_string();
        self.send(|tx| Op::Snapshot(room, snapshot, tx))
    }

    fn tail(&self, room: &str, after: u64, limit: usize) -> LogFuture<Vec<LogEntry>> {
        let room = room.to_string();
        self.read(move |conn| read_entries(conn, &room, after, limit))
    }

    /// Only this process writes an SQLite log, and a room follows it from the moment it is
    /// loaded: every entry committed after the call is heard, so `after` needs no reading.
    fn follow(&self, room: &str, _after: u64) -> broadcast::Receiver<LogEvent> {
        self.followers
            .entry(room.to_string())
            .or_insert_with(|| broadcast::channel(FOLLOW_CAPACITY).0)
            .subscribe()
    }

    fn unfollow(&self, room: &str) {
        self.followers
            .remove_if(room, |_, follow| follow.receiver_count() == 0);
    }

    fn rooms(&self) -> LogFuture<Vec<String>> {
        self.read(|conn| {
            let mut stmt = conn
                .prepare("SELECT code FROM rooms ORDER BY code")
                .map_err(io)?;
            stmt.query_map([], |row| row.get(0))
                .map_err(io)?
                .collect::<Result<Vec<String>, _>>()
                .map_err(io)
        })
    }

    fn load_room(&self, code: &str) -> LogFuture<Option<StoredRoom>> {
        let code = code.to_string();
        self.read(move |conn| Ok(load_rooms(conn, Some(&code))?.into_iter().next()))
    }
}

/// A room's entries after `after`, in order, at most `limit`.
fn read_entries(
    conn: &Connection,
    room: &str,
    after: u64,
    limit: usize,
) -> Result<Vec<LogEntry>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT seq, at, command FROM log WHERE room = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )
        .map_err(io)?;
    stmt.query_map(
        params![room, after as i64, limit.min(i64::MAX as usize) as i64],
        |row| {
            Ok(LogEntry {
                room: room.to_string(),
                seq: row.get::<_, i64>(0)? as u64,
                at: row.get(1)?,
                command: row.get(2)?,
                origin: None,
            })
        },
    )
    .map_err(io)?
    .collect::<Result<Vec<_>, _>>()
    .map_err(io)
}

/// Every room (or the one named) with its log in order, from a connection of its own: reads see
/// only committed batches.
fn load_rooms(conn: &Connection, only: Option<&str>) -> Result<Vec<StoredRoom>, StoreError> {
    let mut rooms_stmt = conn
        .prepare(
            "SELECT code, host_key_hash, created_at, epoch FROM rooms
             WHERE ?1 IS NULL OR code = ?1 ORDER BY code",
        )
        .map_err(io)?;
    let records = rooms_stmt
        .query_map(params![only], |row| {
            Ok((
                RoomRecord {
                    code: row.get(0)?,
                    host_key_hash: row.get(1)?,
                    created_at: row.get(2)?,
                },
                row.get::<_, i64>(3)? as u64,
            ))
        })
        .map_err(io)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io)?;
    let mut rooms = Vec::with_capacity(records.len());
    for (record, epoch) in records {
        let snapshot = conn
            .query_row(
                "SELECT seq, state FROM snapshots WHERE room = ?1",
                params![record.code],
                |row| {
                    Ok(Snapshot {
                        seq: row.get::<_, i64>(0)? as u64,
                        state: row.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(io)?;
        let after = snapshot.as_ref().map_or(0, |s| s.seq);
        let entries = read_entries(conn, &record.code, after, usize::MAX)?;
        rooms.push(StoredRoom {
            record,
            epoch,
            snapshot,
            entries,
        });
    }
    Ok(rooms)
}

/// The number of rows in a room's log (for tests and diagnostics).
pub fn count_entries(path: &Path, room: &str) -> Result<u64, StoreError> {
    let conn = open_connection(path)?;
    let n: Option<i64> = conn
        .query_row(
            "SELECT COUNT(*) FROM log WHERE room = ?1",
            params![room],
            |row| row.get(0),
        )
        .optional()
        .map_err(io)?;
    Ok(n.unwrap_or(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract every log keeps, on a fresh SQLite log each time.
    struct Sqlite(tempfile::TempDir);

    impl super::super::contract::Fixture for Sqlite {
        async fn new() -> (Self, Arc<dyn CommandLog>) {
            let dir = tempfile::tempdir().expect("temp dir");
            let log = SqliteLog::open(&dir.path().join("log.sqlite")).expect("log");
            (Sqlite(dir), Arc::new(log))
        }

        async fn reopen(&self, log: Arc<dyn CommandLog>) -> Arc<dyn CommandLog> {
            drop(log);
            Arc::new(SqliteLog::open(&self.0.path().join("log.sqlite")).expect("log"))
        }
    }

    crate::log_contract_tests!(Sqlite);

    fn record(code: &str) -> RoomRecord {
        RoomRecord {
            code: code.into(),
            host_key_hash: "hash".into(),
            created_at: 1,
        }
    }

    fn new_entry(n: u64) -> NewEntry {
        NewEntry {
            command: format!(r#"{{"n":{n}}}"#),
            origin: None,
        }
    }

    #[test]
    fn a_failed_batch_keeps_nothing_of_itself_and_the_next_goes_on_from_the_durable_head() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sqlite");
        drop(SqliteLog::open(&path).unwrap()); // creates the tables
        let mut conn = open_connection(&path).unwrap();
        let reply = || oneshot::channel().0;
        let mut heads = HashMap::new();
        let first = [Op::Create(record("11112222"), new_entry(1), reply())];
        assert!(write_batch(&mut conn, &first, &mut heads, 10).is_ok());
        // A batch that fails midway: another writer took seq 2 behind this one's back, so the
        // second append of the batch violates the primary key.
        conn.execute(
            "INSERT INTO log (room, seq, at, command) VALUES ('11112222', 3, 10, 'x')",
            [],
        )
        .unwrap();
        let batch = [
            Op::Append("11112222".into(), new_entry(2), reply()),
            Op::Create(record("33334444"), new_entry(1), reply()),
            Op::Append("11112222".into(), new_entry(3), reply()),
        ];
        assert!(write_batch(&mut conn, &batch, &mut heads, 20).is_err());
        heads.clear();
        let rooms = load_rooms(&conn, None).unwrap();
        assert_eq!(
            rooms.len(),
            1,
            "the room created in the failed batch is gone"
        );
        let seqs: Vec<u64> = rooms[0].entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![1, 3], "nothing of the failed batch is kept");
        // The writer forgot its heads: the next append goes on after what is durable.
        let next = [Op::Append("11112222".into(), new_entry(4), reply())];
        let done = write_batch(&mut conn, &next, &mut heads, 30).unwrap();
        assert!(matches!(&done[0], Done::Placed(p, _) if p.seq == 4 && p.at == 30));
    }

    #[tokio::test]
    async fn a_log_written_before_epochs_gets_one_per_room() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sqlite");
        {
            let conn = open_connection(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE rooms (code TEXT PRIMARY KEY, host_key_hash TEXT NOT NULL,
                                     created_at INTEGER NOT NULL);
                 CREATE TABLE log (room TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL,
                                   command TEXT NOT NULL, PRIMARY KEY (room, seq)) WITHOUT ROWID;
                 INSERT INTO rooms VALUES ('11112222', 'hash', 1234);
                 INSERT INTO log VALUES ('11112222', 1, 1234, '{}');",
            )
            .unwrap();
        }
        let log = SqliteLog::open(&path).unwrap();
        assert_eq!(log.rooms().await.unwrap(), vec!["11112222".to_string()]);
        let room = log.load_room("11112222").await.unwrap().unwrap();
        assert_eq!(room.epoch, 1234);
        let next = log.append("11112222", new_entry(2)).await.unwrap();
        assert_eq!((next.epoch, next.seq), (1234, 2));
        assert!(next.at >= 1234);
    }
}
