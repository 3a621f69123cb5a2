//! The embedded command log: SQLite in WAL mode with `synchronous=FULL`, written by one thread
//! that commits in batches (group commit). Every write queued while a batch is being committed
//! goes into the next batch, so one fsync acknowledges many votes under load and a lone vote is
//! not kept waiting for company.

use super::{CommandLog, Commit, LogEntry, RoomRecord, StoreError, StoredRoom};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Writes one batch takes at most, so a flood cannot make one transaction unbounded.
const MAX_BATCH: usize = 8_192;

type Reply = oneshot::Sender<Result<(), StoreError>>;

enum Op {
    Create(RoomRecord, LogEntry, Reply),
    Append(LogEntry, Reply),
    Delete(String, Reply),
    Flush(Reply),
}

pub struct SqliteLog {
    path: PathBuf,
    queue: mpsc::Sender<Op>,
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
             ) WITHOUT ROWID;",
        )
        .map_err(io)?;
        let (queue, ops) = mpsc::channel();
        std::thread::Builder::new()
            .name("handsup-log".into())
            .spawn(move || writer(conn, ops))
            .map_err(|e| StoreError::Io(format!("cannot start the log writer: {e}")))?;
        Ok(SqliteLog {
            path: path.to_path_buf(),
            queue,
        })
    }

    fn send(&self, make: impl FnOnce(Reply) -> Op) -> Commit {
        let (tx, commit) = Commit::new();
        if let Err(mpsc::SendError(op)) = self.queue.send(make(tx)) {
            reply_of(op).map(|tx| tx.send(Err(StoreError::Closed)));
        }
        commit
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

fn reply_of(op: Op) -> Option<Reply> {
    Some(match op {
        Op::Create(_, _, tx) | Op::Append(_, tx) | Op::Delete(_, tx) | Op::Flush(tx) => tx,
    })
}

/// After a failed batch the writer refuses every later write (fail-stop): committing later
/// commands of a room whose earlier command was lost would leave a gap that replay cannot honour.
fn writer(mut conn: Connection, ops: mpsc::Receiver<Op>) {
    let mut failed: Option<String> = None;
    while let Ok(first) = ops.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match ops.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        if let Some(reason) = &failed {
            for op in batch {
                if let Some(tx) = reply_of(op) {
                    let _ = tx.send(Err(StoreError::Io(reason.clone())));
                }
            }
            continue;
        }
        match write_batch(&mut conn, &batch) {
            Ok(outcomes) => {
                for (op, outcome) in batch.into_iter().zip(outcomes) {
                    if let Some(tx) = reply_of(op) {
                        let _ = tx.send(outcome);
                    }
                }
            }
            Err(err) => {
                tracing::error!(error = %err, writes = batch.len(), "command log batch failed; refusing further writes");
                failed = Some(format!("an earlier write failed: {err}"));
                for op in batch {
                    if let Some(tx) = reply_of(op) {
                        let _ = tx.send(Err(StoreError::Io(err.to_string())));
                    }
                }
            }
        }
    }
}

/// One transaction for the whole batch. A create whose code is taken fails alone (its entry is
/// not written); any other error fails the batch.
fn write_batch(
    conn: &mut Connection,
    batch: &[Op],
) -> Result<Vec<Result<(), StoreError>>, rusqlite::Error> {
    let tx = conn.transaction()?;
    let mut outcomes = Vec::with_capacity(batch.len());
    {
        let mut insert_room = tx.prepare_cached(
            "INSERT INTO rooms (code, host_key_hash, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (code) DO NOTHING",
        )?;
        let mut insert_entry =
            tx.prepare_cached("INSERT INTO log (room, seq, at, command) VALUES (?1, ?2, ?3, ?4)")?;
        for op in batch {
            match op {
                Op::Create(record, first, _) => {
                    let inserted = insert_room.execute(params![
                        record.code,
                        record.host_key_hash,
                        record.created_at
                    ])?;
                    if inserted == 0 {
                        outcomes.push(Err(StoreError::RoomExists(record.code.clone())));
                        continue;
                    }
                    insert_entry.execute(params![
                        first.room,
                        first.seq as i64,
                        first.at,
                        first.command
                    ])?;
                    outcomes.push(Ok(()));
                }
                Op::Append(entry, _) => {
                    insert_entry.execute(params![
                        entry.room,
                        entry.seq as i64,
                        entry.at,
                        entry.command
                    ])?;
                    outcomes.push(Ok(()));
                }
                Op::Delete(code, _) => {
                    tx.execute("DELETE FROM log WHERE room = ?1", params![code])?;
                    tx.execute("DELETE FROM rooms WHERE code = ?1", params![code])?;
                    outcomes.push(Ok(()));
                }
                Op::Flush(_) => outcomes.push(Ok(())),
            }
        }
    }
    tx.commit()?;
    Ok(outcomes)
}

impl CommandLog for SqliteLog {
    fn create_room(&self, record: RoomRecord, first: LogEntry) -> Commit {
        self.send(|tx| Op::Create(record, first, tx))
    }

    fn append(&self, entry: LogEntry) -> Commit {
        self.send(|tx| Op::Append(entry, tx))
    }

    fn delete_room(&self, code: &str) -> Commit {
        let code = code.to_string();
        self.send(|tx| Op::Delete(code, tx))
    }

    fn flush(&self) -> Commit {
        self.send(Op::Flush)
    }

    fn load_all(&self) -> Result<Vec<StoredRoom>, StoreError> {
        let conn = open_connection(&self.path)?;
        load_rooms(&conn, None)
    }

    fn load_room(&self, code: &str) -> Result<Option<StoredRoom>, StoreError> {
        let conn = open_connection(&self.path)?;
        Ok(load_rooms(&conn, Some(code))?.into_iter().next())
    }
}

/// Every room (or the one named) with its log in order, from a connection of its own: reads see
/// only committed batches.
fn load_rooms(conn: &Connection, only: Option<&str>) -> Result<Vec<StoredRoom>, StoreError> {
    let mut rooms_stmt = conn
        .prepare(
            "SELECT code, host_key_hash, created_at FROM rooms
             WHERE ?1 IS NULL OR code = ?1 ORDER BY code",
        )
        .map_err(io)?;
    let records = rooms_stmt
        .query_map(params![only], |row| {
            Ok(RoomRecord {
                code: row.get(0)?,
                host_key_hash: row.get(1)?,
                created_at: row.get(2)?,
            })
        })
        .map_err(io)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io)?;
    let mut entries_stmt = conn
        .prepare("SELECT seq, at, command FROM log WHERE room = ?1 ORDER BY seq")
        .map_err(io)?;
    let mut rooms = Vec::with_capacity(records.len());
    for record in records {
        let entries = entries_stmt
            .query_map(params![record.code], |row| {
                Ok(LogEntry {
                    room: record.code.clone(),
                    seq: row.get::<_, i64>(0)? as u64,
                    at: row.get(1)?,
                    command: row.get(2)?,
                })
            })
            .map_err(io)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(io)?;
        rooms.push(StoredRoom { record, entries });
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

    fn entry(room: &str, seq: u64) -> LogEntry {
        LogEntry {
            room: room.into(),
            seq,
            at: 1_000 + seq as i64,
            command: format!(r#"{{"n":{seq}}}"#),
        }
    }

    fn record(code: &str) -> RoomRecord {
        RoomRecord {
            code: code.into(),
            host_key_hash: "hash".into(),
            created_at: 1,
        }
    }

    #[tokio::test]
    async fn entries_survive_reopening_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sqlite");
        {
            let log = SqliteLog::open(&path).unwrap();
            log.create_room(record("11112222"), entry("11112222", 1))
                .await
                .unwrap();
            let commits: Vec<Commit> = (2..=500)
                .map(|seq| log.append(entry("11112222", seq)))
                .collect();
            for commit in commits {
                commit.await.unwrap();
            }
        }
        let log = SqliteLog::open(&path).unwrap();
        let rooms = log.load_all().unwrap();
        assert_eq!(rooms.len(), 1);
        let seqs: Vec<u64> = rooms[0].entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=500).collect::<Vec<_>>());
        assert_eq!(rooms[0].entries[41], entry("11112222", 42));
    }

    #[tokio::test]
    async fn a_taken_code_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let log = SqliteLog::open(&dir.path().join("log.sqlite")).unwrap();
        let first = log.create_room(record("11112222"), entry("11112222", 1));
        let dup = log.create_room(record("11112222"), entry("11112222", 1));
        let other = log.create_room(record("33334444"), entry("33334444", 1));
        first.await.unwrap();
        assert!(matches!(dup.await, Err(StoreError::RoomExists(_))));
        other.await.unwrap();
        assert_eq!(log.load_all().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn deleting_a_room_removes_its_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sqlite");
        let log = SqliteLog::open(&path).unwrap();
        log.create_room(record("11112222"), entry("11112222", 1))
            .await
            .unwrap();
        log.append(entry("11112222", 2)).await.unwrap();
        log.delete_room("11112222").await.unwrap();
        assert!(log.load_all().unwrap().is_empty());
        assert_eq!(count_entries(&path, "11112222").unwrap(), 0);
    }

    #[test]
    fn a_failed_batch_keeps_nothing_of_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sqlite");
        drop(SqliteLog::open(&path).unwrap()); // creates the tables
        let mut conn = open_connection(&path).unwrap();
        let reply = || oneshot::channel().0;
        let first = [Op::Create(
            record("11112222"),
            entry("11112222", 1),
            reply(),
        )];
        assert!(write_batch(&mut conn, &first).is_ok());
        // One batch: a good append, then a duplicate seq that violates the primary key.
        let batch = [
            Op::Append(entry("11112222", 2), reply()),
            Op::Create(record("33334444"), entry("33334444", 1), reply()),
            Op::Append(entry("11112222", 1), reply()),
        ];
        assert!(write_batch(&mut conn, &batch).is_err());
        let rooms = load_rooms(&open_connection(&path).unwrap(), None).unwrap();
        assert_eq!(
            rooms.len(),
            1,
            "the room created in the failed batch is gone"
        );
        assert_eq!(rooms[0].entries, vec![entry("11112222", 1)]);
    }

    #[tokio::test]
    async fn after_a_failed_batch_every_write_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let log = SqliteLog::open(&dir.path().join("log.sqlite")).unwrap();
        log.create_room(record("11112222"), entry("11112222", 1))
            .await
            .unwrap();
        assert!(log.append(entry("11112222", 1)).await.is_err());
        // Fail-stop: nothing after a failed batch is accepted, however good.
        assert!(log.append(entry("11112222", 2)).await.is_err());
        assert!(
            log.create_room(record("33334444"), entry("33334444", 1))
                .await
                .is_err()
        );
        let reloaded = log.load_room("11112222").unwrap().unwrap();
        assert_eq!(reloaded.entries, vec![entry("11112222", 1)]);
        assert!(log.load_room("33334444").unwrap().is_none());
    }
}
