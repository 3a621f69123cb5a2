//! The cluster log: one Redis Stream per room, shared by every node (`--redis-url`).
//!
//! Keys, under a prefix (default `handsup:`):
//! - `room:{code}`: a hash with the room's record (`host_key_hash`, `created_at`), its `epoch`,
//!   and its head (`seq`, `at`).
//! - `room:{code}:log`: the stream. Entry ids are `{seq}-0`, so the id supplies the position's
//!   `seq` and a range read after any `seq` is exact; fields `a` (`at`), `c` (the command's JSON),
//!   `o` (the proposer's origin).
//! - `room:{code}:present`, `room:{code}:present:{node}`, `room:{code}:present:count`: who is
//!   connected through which node (see `PRESENCE_LIB`).
//! - `rooms`: the set of codes. `deletions`: a capped stream of deleted codes, which every node's
//!   follower reads beside the rooms' streams.
//!
//! Positions are assigned inside Lua scripts, which Redis runs atomically: `seq` is the room's
//! head plus one, `at` the Redis server's clock (never before the previous entry's). Appends are
//! sent by one writer task, in the order they were queued, pipelined in batches. Durability is
//! Redis's: with `appendonly yes` and `appendfsync always`, a script's reply (and so an `ack`)
//! comes only after the entry is on disk (docs/DEPLOY.md).

use super::{
    CommandLog, LogEntry, LogEvent, LogFuture, NewEntry, Origin, Position, RoomRecord, Snapshot,
    StoreError, StoredRoom,
};
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Client, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, broadcast, mpsc, oneshot};

/// Writes one pipelined batch takes at most.
const MAX_BATCH: usize = 512;
/// Events a follower may fall behind by before it is told it lagged (it then reads the tail).
const FOLLOW_CAPACITY: usize = 4_096;
/// How long one blocking read of the streams waits for news.
const FOLLOW_BLOCK_MS: u64 = 2_000;
/// How long the follower waits after a read that brought entries before it reads again, so
/// that a burst is read in a few large replies rather than one per append.
const FOLLOW_GATHER: Duration = Duration::from_millis(1);
/// Entries one read of the streams returns per stream at most.
const FOLLOW_COUNT: usize = 1_000;
/// How long a command may wait for Redis (a write waits for its `fsync` under `always`).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Entries read per request when loading a room.
const LOAD_PAGE: usize = 10_000;
/// Deleted codes kept in the deletions stream (about).
const DELETIONS_KEPT: usize = 10_000;

const CREATE: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local t = redis.call('TIME')
local now = string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'host_key_hash', ARGV[2], 'created_at', ARGV[3], 'epoch', ARGV[4], 'seq', 1, 'at', now)
redis.call('XADD', KEYS[2], '1-0', 'a', now, 'c', ARGV[5], 'o', ARGV[6])
redis.call('SADD', KEYS[3], ARGV[1])
return {ARGV[4], 1, now}
"#;

/// Appends a run of entries to one room (KEYS: the room hash, its stream; ARGV: each entry's
/// command and origin, in turn). They take consecutive `seq`s and one `at`; the reply is the
/// first entry's position. A room that does not exist (its hash, which always holds `seq`, is
/// gone) gets 0 and nothing is written.
const APPEND: &str = r#"
local head = redis.call('HMGET', KEYS[1], 'at', 'seq', 'epoch')
if not head[2] then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local last = tonumber(head[1])
if last ~= nil and last > now then now = last end
now = string.format('%.0f', now)
local seq = tonumber(head[2]) or 0
local first = seq + 1
for i = 1, #ARGV, 2 do
  seq = seq + 1
  redis.call('XADD', KEYS[2], string.format('%.0f', seq) .. '-0', 'a', now, 'c', ARGV[i], 'o', ARGV[i + 1])
end
redis.call('HSET', KEYS[1], 'seq', string.format('%.0f', seq), 'at', now)
return {head[3], first, now}
"#;

const DELETE: &str = r#"
local existed = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2], KEYS[5])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[2], '*', 'room', ARGV[1])
return existed
"#;

/// Presence, shared by the scripts below. Per room: `present` (a sorted set of the nodes, each
/// scored with the time its entry lapses), `present:{node}` (the participants connected through
/// that node) and `present:count` (a hash: participant → through how many live nodes). The hash
/// changes only with the sets' real changes, so counting everyone is `HLEN`, never a union; a
/// lapsed node's participants are taken out by whichever script sees it first (`reap`).
const PRESENCE_LIB: &str = r#"
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function drop(count, m)
  if redis.call('HINCRBY', count, m, -1) <= 0 then redis.call('HDEL', count, m) end
end
local function reap(index, count, now)
  for _, node in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', '(' .. now)) do
    local set = index .. ':' .. node
    for _, m in ipairs(redis.call('SMEMBERS', set)) do drop(count, m) end
    redis.call('DEL', set)
    redis.call('ZREM', index, node)
  end
end
"#;

/// A node's participants in a room (KEYS: the room's node index, this node's set, the count;
/// ARGV: this node, ttl in ms, 1 for a full update, the number added, then the added and removed
/// ids). Returns how many are connected through the other live nodes only, and whether this
/// node's entry had lapsed.
const PRESENCE: &str = r#"
local now = now_ms()
local ttl = tonumber(ARGV[2])
reap(KEYS[1], KEYS[3], now)
local lapsed = redis.call('EXISTS', KEYS[2]) == 0 and 1 or 0
local last = 4 + tonumber(ARGV[4])
if ARGV[3] == '1' then
  local keep = {}
  for i = 5, last do keep[ARGV[i]] = true end
  for _, m in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    if not keep[m] then
      redis.call('SREM', KEYS[2], m)
      drop(KEYS[3], m)
    end
  end
end
for i = 5, last do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then redis.call('HINCRBY', KEYS[3], ARGV[i], 1) end
end
for i = last + 1, #ARGV do
  if redis.call('SREM', KEYS[2], ARGV[i]) == 1 then drop(KEYS[3], ARGV[i]) end
end
local mine = redis.call('SCARD', KEYS[2])
if mine > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl * 4)
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ttl * 4)
redis.call('PEXPIRE', KEYS[3], ttl * 4)
return {redis.call('HLEN', KEYS[3]) - mine, lapsed}
"#;

/// Everyone connected to a room through a live node (KEYS: the room's node index, the count).
const EVERYONE: &str = r#"
reap(KEYS[1], KEYS[2], now_ms())
return redis.call('HKEYS', KEYS[2])
"#;

/// Keeps a snapshot unless a later one is kept, and trims the stream to `keep` entries before
/// it (KEYS: the snapshot hash, the stream, the room hash; ARGV: seq, state, keep).
const SNAPSHOT: &str = r#"
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
local have = tonumber(redis.call('HGET', KEYS[1], 'seq'))
if have ~= nil and have >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'state', ARGV[2])
local floor = tonumber(ARGV[1]) - tonumber(ARGV[3])
if floor > 1 then
  redis.call('XTRIM', KEYS[2], 'MINID', string.format('%.0f', floor) .. '-0')
end
return 1
"#;

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

enum Op {
    Create(RoomRecord, NewEntry, Reply<Position>),
    Append(String, NewEntry, Reply<Position>),
    Delete(String, Reply<()>),
    Snapshot(String, Snapshot, u64, Reply<()>),
    Flush(Reply<()>),
}

/// A room this node follows: who listens, and the last `seq` heard.
struct Followed {
    tx: broadcast::Sender<LogEvent>,
    cursor: u64,
}

type Follows = Arc<Mutex<HashMap<String, Followed>>>;

#[derive(Clone)]
struct Keys {
    prefix: String,
}

impl Keys {
    fn meta(&self, code: &str) -> String {
        format!("{}room:{code}", self.prefix)
    }
    fn snapshot(&self, code: &str) -> String {
        format!("{}room:{code}:snapshot", self.prefix)
    }
    fn log(&self, code: &str) -> String {
        format!("{}room:{code}:log", self.prefix)
    }
    fn rooms(&self) -> String {
        format!("{}rooms", self.prefix)
    }
    /// The nodes with participants in a room; each node's set is this key, `:`, the node.
    fn present(&self, code: &str) -> String {
        format!("{}room:{code}:present", self.prefix)
    }
    fn deletions(&self) -> String {
        format!("{}deletions", self.prefix)
    }
    /// The room a stream key belongs to.
    fn code_of<'a>(&self, log_key: &'a str) -> Option<&'a str> {
        log_key
            .strip_prefix(&self.prefix)?
            .strip_prefix("room:")?
            .strip_suffix(":log")
    }
}

pub struct RedisLog {
    keys: Keys,
    queue: mpsc::UnboundedSender<Op>,
    conn: ConnectionManager,
    follows: Follows,
    /// Wakes the follower so that it reads a newly followed room's stream at once.
    refollow: Arc<Notify>,
}

fn unavailable(err: redis::RedisError) -> StoreError {
    StoreError::Unavailable(err.to_string())
}

impl RedisLog {
    /// Connects to Redis at `url` and starts the writer and the follower. Keys start with
    /// `prefix` (several deployments, or tests, can share one Redis).
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisLog, StoreError> {
        let client = Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(unavailable)?;
        let keys = Keys {
            prefix: prefix.to_string(),
        };
        let (queue, ops) = mpsc::unbounded_channel();
        tokio::spawn(writer(conn.clone(), keys.clone(), ops));
        let follows: Follows = Arc::new(Mutex::new(HashMap::new()));
        let refollow = Arc::new(Notify::new());
        let follower_id = Arc::new(AtomicI64::new(-1));
        let deletions_from = last_id(&mut conn.clone(), &keys.deletions()).await?;
        tokio::spawn(follower(
            client,
            keys.clone(),
            Arc::clone(&follows),
            Arc::clone(&follower_id),
            deletions_from,
        ));
        tokio::spawn(unblocker(conn.clone(), Arc::clone(&refollow), follower_id));
        Ok(RedisLog {
            keys,
            queue,
            conn,
            follows,
            refollow,
        })
    }

    /// The server secret every node shares: `candidate` if this is the cluster's first node,
    /// else the one the first node stored. Anyone who can write to this Redis can already
    /// rewrite every room's log; the secret is no better guarded than that.
    pub async fn shared_secret(&self, candidate: &[u8; 32]) -> Result<[u8; 32], StoreError> {
        let key = format!("{}secret", self.keys.prefix);
        let mut conn = self.conn.clone();
        let _: Value = redis::cmd("SET")
            .arg(&key)
            .arg(candidate.as_slice())
            .arg("NX")
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        let stored: Vec<u8> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        stored
            .try_into()
            .map_err(|_| StoreError::Io(format!("{key} in Redis must hold exactly 32 bytes")))
    }

    fn send<T: Send + 'static>(&self, make: impl FnOnce(Reply<T>) -> Op) -> LogFuture<T> {
        let (tx, rx) = oneshot::channel();
        if let Err(mpsc::error::SendError(op)) = self.queue.send(make(tx)) {
            fail(op, StoreError::Closed);
        }
        Box::pin(async move { rx.await.unwrap_or(Err(StoreError::Closed)) })
    }
}

fn fail(op: Op, err: StoreError) {
    match op {
        Op::Create(_, _, tx) | Op::Append(_, _, tx) => {
            let _ = tx.send(Err(err));
        }
        Op::Delete(_, tx) | Op::Snapshot(_, _, _, tx) | Op::Flush(tx) => {
            let _ = tx.send(Err(err));
        }
    }
}

/// The id of a stream's last entry, `0-0` if it has none.
async fn last_id(conn: &mut ConnectionManager, key: &str) -> Result<String, StoreError> {
    let reply: Value = redis::cmd("XREVRANGE")
        .arg(key)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query_async(conn)
        .await
        .map_err(unavailable)?;
    Ok(stream_entries(&reply)
        .into_iter()
        .next()
        .map(|(id, _)| id)
        .unwrap_or_else(|| "0-0".to_string()))
}

/// Appends of one room taken in one script call at most (consecutive in the queue).
const MAX_RUN: usize = 256;

/// The scripts, sent by their SHA1 (`EVALSHA`); loaded again whenever Redis has forgotten them
/// (it was restarted).
struct Scripts {
    create: redis::Script,
    append: redis::Script,
    delete: redis::Script,
    snapshot: redis::Script,
}

static SCRIPTS: std::sync::LazyLock<Scripts> = std::sync::LazyLock::new(|| Scripts {
    create: redis::Script::new(CREATE),
    append: redis::Script::new(APPEND),
    delete: redis::Script::new(DELETE),
    snapshot: redis::Script::new(SNAPSHOT),
});

impl Scripts {
    async fn load(&self, conn: &mut ConnectionManager) -> redis::RedisResult<()> {
        for script in [&self.create, &self.append, &self.delete, &self.snapshot] {
            script.load_async(conn).await?;
        }
        Ok(())
    }
}

fn evalsha(script: &redis::Script, keys: &[String]) -> redis::Cmd {
    let mut cmd = redis::cmd("EVALSHA");
    cmd.arg(script.get_hash()).arg(keys.len()).arg(keys);
    cmd
}

/// The command that carries `ops` (one op, or a run of appends to one room).
fn command_for(keys: &Keys, ops: &[Op]) -> redis::Cmd {
    match ops.first() {
        Some(Op::Create(record, first, _)) => {
            let mut cmd = evalsha(
                &SCRIPTS.create,
                &[
                    keys.meta(&record.code),
                    keys.log(&record.code),
                    keys.rooms(),
                ],
            );
            cmd.arg(&record.code)
                .arg(&record.host_key_hash)
                .arg(record.created_at)
                .arg(super::new_epoch())
                .arg(&first.command)
                .arg(origin_text(first.origin));
            cmd
        }
        Some(Op::Append(room, _, _)) => {
            let mut cmd = evalsha(&SCRIPTS.append, &[keys.meta(room), keys.log(room)]);
            for op in ops {
                if let Op::Append(_, entry, _) = op {
                    cmd.arg(&entry.command).arg(origin_text(entry.origin));
                }
            }
            cmd
        }
        Some(Op::Snapshot(room, snapshot, keep, _)) => {
            let mut cmd = evalsha(
                &SCRIPTS.snapshot,
                &[keys.snapshot(room), keys.log(room), keys.meta(room)],
            );
            cmd.arg(snapshot.seq)
                .arg(snapshot.state.as_slice())
                .arg(*keep);
            cmd
        }
        Some(Op::Delete(code, _)) => {
            let mut cmd = evalsha(
                &SCRIPTS.delete,
                &[
                    keys.meta(code),
                    keys.log(code),
                    keys.rooms(),
                    keys.deletions(),
                    keys.snapshot(code),
                ],
            );
            cmd.arg(code).arg(DELETIONS_KEPT);
            cmd
        }
        Some(Op::Flush(_)) | None => redis::cmd("PING"),
    }
}

/// Splits a batch into calls: each op alone, except that consecutive appends to one room go
/// together (up to `MAX_RUN`). Returns the number of ops in each call, in order.
fn calls_of(batch: &[Op]) -> Vec<usize> {
    let mut calls = Vec::new();
    let mut i = 0;
    while i < batch.len() {
        let mut n = 1;
        if let Op::Append(room, _, _) = &batch[i] {
            while n < MAX_RUN
                && matches!(batch.get(i + n), Some(Op::Append(next, _, _)) if next == room)
            {
                n += 1;
            }
        }
        calls.push(n);
        i += n;
    }
    calls
}

fn is_noscript(reply: &redis::RedisResult<Value>) -> bool {
    matches!(reply, Err(err) if err.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript))
}

/// Sends the calls of `batch` in one pipeline: one reply per call, or why none came.
async fn send_calls(
    conn: &mut ConnectionManager,
    keys: &Keys,
    batch: &[Op],
    calls: &[(usize, usize)],
) -> Result<Vec<redis::RedisResult<Value>>, redis::RedisError> {
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for &(start, n) in calls {
        pipe.add_command(command_for(keys, &batch[start..start + n]));
    }
    pipe.query_async(conn).await
}

/// Sends queued operations in order, a pipelined batch at a time.
async fn writer(mut conn: ConnectionManager, keys: Keys, mut ops: mpsc::UnboundedReceiver<Op>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while ops.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // Let the tasks that are ready to run first (in a burst, connections whose votes are
        // on their way here) queue their writes too, so that they share this round trip and
        // this script call. When the node is quiet, nothing else is ready and this costs nothing.
        if batch.len() < MAX_BATCH {
            tokio::task::yield_now().await;
            while batch.len() < MAX_BATCH {
                match ops.try_recv() {
                    Ok(op) => batch.push(op),
                    Err(_) => break,
                }
            }
        }
        let mut calls = Vec::new();
        let mut start = 0;
        for n in calls_of(&batch) {
            calls.push((start, n));
            start += n;
        }
        let mut replies = send_calls(&mut conn, &keys, &batch, &calls).await;
        // Redis forgot the scripts (it restarted): load them and send again what they refused.
        // Those are the calls after the restart, so they stay in order.
        if let Ok(first) = &replies
            && first.iter().any(is_noscript)
        {
            let again: Vec<usize> = (0..first.len())
                .filter(|&i| is_noscript(&first[i]))
                .collect();
            let resent = match SCRIPTS.load(&mut conn).await {
                Ok(()) => {
                    let retry: Vec<(usize, usize)> = again.iter().map(|&i| calls[i]).collect();
                    send_calls(&mut conn, &keys, &batch, &retry).await
                }
                Err(err) => Err(err),
            };
            if let Ok(first) = &mut replies {
                match resent {
                    Ok(resent) if resent.len() == again.len() => {
                        for (i, reply) in again.into_iter().zip(resent) {
                            first[i] = reply;
                        }
                    }
                    Ok(_) => {}
                    Err(err) => {
                        for i in again {
                            first[i] = Err(err.clone());
                        }
                    }
                }
            }
        }
        match replies {
            Ok(replies) if replies.len() == calls.len() => {
                let mut ops = batch.drain(..);
                for (&(_, n), reply) in calls.iter().zip(replies) {
                    let run: Vec<Op> = ops.by_ref().take(n).collect();
                    resolve_run(run, reply);
                }
            }
            Ok(_) => {
                for op in batch.drain(..) {
                    fail(op, StoreError::Io("Redis answered a batch short".into()));
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, writes = batch.len(), "a batch could not be sent to Redis");
                let err = unavailable(err);
                for op in batch.drain(..) {
                    fail(op, err.clone());
                }
            }
        }
    }
}

/// Answers a call's ops from its reply: a run of appends takes consecutive positions from the
/// first one's.
fn resolve_run(run: Vec<Op>, reply: redis::RedisResult<Value>) {
    if run.len() == 1 {
        if let Some(op) = run.into_iter().next() {
            resolve(op, reply);
        }
        return;
    }
    let first = match &reply {
        Ok(value) => position(value),
        Err(_) => None,
    };
    for (i, op) in run.into_iter().enumerate() {
        match (first, &reply) {
            (Some(first), _) => {
                if let Op::Append(_, _, tx) = op {
                    let _ = tx.send(Ok(Position {
                        seq: first.seq + i as u64,
                        ..first
                    }));
                }
            }
            (None, reply) => resolve(op, reply.clone()),
        }
    }
}

fn origin_text(origin: Option<Origin>) -> String {
    origin.map(|o| o.encode()).unwrap_or_default()
}

/// Answers one op from its script's reply.
fn resolve(op: Op, reply: redis::RedisResult<Value>) {
    let reply = match reply {
        Ok(value) => value,
        Err(err) => return fail(op, StoreError::Io(err.to_string())),
    };
    match op {
        Op::Create(record, _, tx) => {
            let _ = tx.send(match position(&reply) {
                Some(position) => Ok(position),
                None if matches!(reply, Value::Int(0)) => Err(StoreError::RoomExists(record.code)),
                None => Err(StoreError::Io(format!("unexpected reply {reply:?}"))),
            });
        }
        Op::Append(room, _, tx) => {
            let _ = tx.send(match position(&reply) {
                Some(position) => Ok(position),
                None if matches!(reply, Value::Int(0)) => Err(StoreError::NoRoom(room)),
                None => Err(StoreError::Io(format!("unexpected reply {reply:?}"))),
            });
        }
        Op::Delete(_, tx) | Op::Snapshot(_, _, _, tx) | Op::Flush(tx) => {
            let _ = tx.send(Ok(()));
        }
    }
}

/// `{epoch, seq, at}` as the scripts return it.
fn position(reply: &Value) -> Option<Position> {
    let Value::Array(items) = reply else {
        return None;
    };
    match items.as_slice() {
        [epoch, seq, at] => Some(Position {
            epoch: number(epoch)?,
            seq: number(seq)?,
            at: number(at)? as i64,
        }),
        _ => None,
    }
}

fn number(value: &Value) -> Option<u64> {
    match value {
        Value::Int(n) => u64::try_from(*n).ok(),
        other => text(other)?.parse().ok(),
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A stream entry's id and fields.
type StreamEntry = (String, HashMap<String, String>);

/// The entries of an `XRANGE`-shaped reply: `(id, fields)`.
fn stream_entries(reply: &Value) -> Vec<StreamEntry> {
    let Value::Array(entries) = reply else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|entry| {
            let Value::Array(parts) = entry else {
                return None;
            };
            let [id, fields] = parts.as_slice() else {
                return None;
            };
            let fields = match fields {
                Value::Array(flat) => flat
                    .chunks(2)
                    .filter_map(|pair| Some((text(pair.first()?)?, text(pair.get(1)?)?)))
                    .collect(),
                Value::Map(pairs) => pairs
                    .iter()
                    .filter_map(|(k, v)| Some((text(k)?, text(v)?)))
                    .collect(),
                _ => HashMap::new(),
            };
            Some((text(id)?, fields))
        })
        .collect()
}

/// A log entry from a stream entry of `room`.
fn log_entry(room: &str, id: &str, mut fields: HashMap<String, String>) -> Option<LogEntry> {
    let seq = id.split_once('-')?.0.parse().ok()?;
    Some(LogEntry {
        room: room.to_string(),
        seq,
        at: fields.get("a")?.parse().ok()?,
        command: fields.remove("c")?,
        origin: fields.get("o").and_then(|o| Origin::decode(o)),
    })
}

/// `(stream key, entries)` pairs of an `XREAD` reply.
fn read_streams(reply: &Value) -> Vec<(String, Vec<StreamEntry>)> {
    match reply {
        Value::Array(streams) => streams
            .iter()
            .filter_map(|stream| {
                let Value::Array(parts) = stream else {
                    return None;
                };
                let [key, entries] = parts.as_slice() else {
                    return None;
                };
                Some((text(key)?, stream_entries(entries)))
            })
            .collect(),
        Value::Map(streams) => streams
            .iter()
            .filter_map(|(key, entries)| Some((text(key)?, stream_entries(entries))))
            .collect(),
        _ => Vec::new(),
    }
}

/// Reads every followed room's stream (and the deletions) on a connection of its own, blocking
/// until there is news, and hands each entry to the room's followers in order.
async fn follower(
    client: Client,
    keys: Keys,
    follows: Follows,
    follower_id: Arc<AtomicI64>,
    mut deletions_from: String,
) {
    let config = AsyncConnectionConfig::new()
        .set_response_timeout(None)
        .set_connection_timeout(Some(Duration::from_secs(2)));
    let mut conn: Option<MultiplexedConnection> = None;
    loop {
        let Some(link) = conn.as_mut() else {
            match client
                .get_multiplexed_async_connection_with_config(&config)
                .await
            {
                Ok(mut link) => {
                    let id: redis::RedisResult<i64> =
                        redis::cmd("CLIENT").arg("ID").query_async(&mut link).await;
                    follower_id.store(id.unwrap_or(-1), Ordering::Release);
                    conn = Some(link);
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot reach Redis to follow the logs; trying again");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
            continue;
        };
        let watched: Vec<(String, u64)> = {
            let mut follows = follows.lock().unwrap_or_else(|p| p.into_inner());
            follows.retain(|_, f| f.tx.receiver_count() > 0);
            follows
                .iter()
                .map(|(code, f)| (code.clone(), f.cursor))
                .collect()
        };
        let mut read = redis::cmd("XREAD");
        read.arg("COUNT")
            .arg(FOLLOW_COUNT)
            .arg("BLOCK")
            .arg(FOLLOW_BLOCK_MS)
            .arg("STREAMS")
            .arg(keys.deletions());
        for (code, _) in &watched {
            read.arg(keys.log(code));
        }
        read.arg(&deletions_from);
        for (_, cursor) in &watched {
            read.arg(format!("{cursor}-0"));
        }
        let reply: Value = match read.query_async(link).await {
            Ok(reply) => reply,
            Err(err) => {
                if !err.is_timeout() {
                    tracing::warn!(error = %err, "lost Redis while following the logs; reconnecting");
                    conn = None;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                continue;
            }
        };
        let brought = hand_out(&reply, &keys, &follows, &mut deletions_from);
        // In a burst every append would wake this read again for one entry or two: a short
        // pause lets the next read bring everything appended meanwhile, in one reply.
        if brought {
            tokio::time::sleep(FOLLOW_GATHER).await;
        }
    }
}

/// Hands each entry of an `XREAD` reply to its room's followers (and deletions to theirs);
/// whether the reply brought any entry.
fn hand_out(reply: &Value, keys: &Keys, follows: &Follows, deletions_from: &mut String) -> bool {
    let mut brought = false;
    let mut follows = follows.lock().unwrap_or_else(|p| p.into_inner());
    for (key, entries) in read_streams(reply) {
        brought |= !entries.is_empty();
        if key == keys.deletions() {
            for (id, fields) in entries {
                *deletions_from = id;
                if let Some(code) = fields.get("room")
                    && let Some(followed) = follows.get_mut(code)
                {
                    let _ = followed.tx.send(LogEvent::Deleted);
                    followed.cursor = 0;
                }
            }
            continue;
        }
        let Some(code) = keys.code_of(&key) else {
            continue;
        };
        let Some(followed) = follows.get_mut(code) else {
            continue;
        };
        for (id, fields) in entries {
            let Some(entry) = log_entry(code, &id, fields) else {
                tracing::warn!(room = code, id, "a log entry in Redis could not be read");
                continue;
            };
            if entry.seq > followed.cursor {
                followed.cursor = entry.seq;
                let _ = followed.tx.send(LogEvent::Entry(Arc::new(entry)));
            }
        }
    }
    brought
}

/// Interrupts the follower's blocking read when a room is newly followed.
async fn unblocker(
    mut conn: ConnectionManager,
    refollow: Arc<Notify>,
    follower_id: Arc<AtomicI64>,
) {
    loop {
        refollow.notified().await;
        let id = follower_id.load(Ordering::Acquire);
        if id >= 0 {
            let _: redis::RedisResult<Value> = redis::cmd("CLIENT")
                .arg("UNBLOCK")
                .arg(id)
                .query_async(&mut conn)
                .await;
        }
    }
}

impl RedisLog {
    async fn read_range(
        mut conn: ConnectionManager,
        keys: Keys,
        room: String,
        after: u64,
        limit: usize,
    ) -> Result<Vec<LogEntry>, StoreError> {
        let reply: Value = redis::cmd("XRANGE")
            .arg(keys.log(&room))
            .arg(format!("{}-0", after.saturating_add(1)))
            .arg("+")
            .arg("COUNT")
            // Redis takes a signed 64-bit count: "everything" is its largest.
            .arg(limit.clamp(1, i64::MAX as usize))
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        stream_entries(&reply)
            .into_iter()
            .map(|(id, fields)| {
                log_entry(&room, &id, fields).ok_or_else(|| {
                    StoreError::Io(format!("entry {id} of room {room} cannot be read"))
                })
            })
            .collect()
    }
}

impl CommandLog for RedisLog {
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

    fn write_snapshot(&self, room: &str, snapshot: Snapshot, keep: u64) -> LogFuture<()> {
        let room = room.to_string();
        self.send(|tx| Op::Snapshot(room, snapshot, keep, tx))
    }

    fn tail(&self, room: &str, after: u64, limit: usize) -> LogFuture<Vec<LogEntry>> {
        Box::pin(Self::read_range(
            self.conn.clone(),
            self.keys.clone(),
            room.to_string(),
            after,
            limit,
        ))
    }

    fn follow(&self, room: &str, after: u64) -> broadcast::Receiver<LogEvent> {
        let mut follows = self.follows.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(followed) = follows.get_mut(room) {
            // Already followed here: hear from the earlier point (receivers skip repeats).
            if after < followed.cursor && followed.tx.receiver_count() == 0 {
                followed.cursor = after;
            }
            return followed.tx.subscribe();
        }
        let tx = broadcast::channel(FOLLOW_CAPACITY).0;
        let rx = tx.subscribe();
        follows.insert(room.to_string(), Followed { tx, cursor: after });
        drop(follows);
        self.refollow.notify_one();
        rx
    }

    fn unfollow(&self, room: &str) {
        let mut follows = self.follows.lock().unwrap_or_else(|p| p.into_inner());
        if follows
            .get(room)
            .is_some_and(|f| f.tx.receiver_count() == 0)
        {
            follows.remove(room);
        }
    }

    fn rooms(&self) -> LogFuture<Vec<String>> {
        let mut conn = self.conn.clone();
        let key = self.keys.rooms();
        Box::pin(async move {
            let mut codes: Vec<String> = redis::cmd("SMEMBERS")
                .arg(key)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            codes.sort();
            Ok(codes)
        })
    }

    fn load_room(&self, code: &str) -> LogFuture<Option<StoredRoom>> {
        let conn = self.conn.clone();
        let keys = self.keys.clone();
        let code = code.to_string();
        Box::pin(async move {
            let meta: HashMap<String, String> = redis::cmd("HGETALL")
                .arg(keys.meta(&code))
                .query_async(&mut conn.clone())
                .await
                .map_err(unavailable)?;
            if meta.is_empty() {
                return Ok(None);
            }
            let field = |name: &str| {
                meta.get(name)
                    .ok_or_else(|| StoreError::Io(format!("room {code} has no {name}")))
            };
            let record = RoomRecord {
                code: code.clone(),
                host_key_hash: field("host_key_hash")?.clone(),
                created_at: field("created_at")?.parse().unwrap_or(0),
            };
            let epoch = field("epoch")?.parse().unwrap_or(0);
            let (seq, state): (Option<u64>, Option<Vec<u8>>) = redis::cmd("HMGET")
                .arg(keys.snapshot(&code))
                .arg("seq")
                .arg("state")
                .query_async(&mut conn.clone())
                .await
                .map_err(unavailable)?;
            let snapshot = match (seq, state) {
                (Some(seq), Some(state)) => Some(Snapshot { seq, state }),
                _ => None,
            };
            let start = snapshot.as_ref().map_or(0, |s| s.seq);
            let mut entries = Vec::new();
            loop {
                let after = entries.last().map_or(start, |e: &LogEntry| e.seq);
                let page =
                    Self::read_range(conn.clone(), keys.clone(), code.clone(), after, LOAD_PAGE)
                        .await?;
                let done = page.len() < LOAD_PAGE;
                entries.extend(page);
                if done {
                    break;
                }
            }
            Ok(Some(StoredRoom {
                record,
                epoch,
                snapshot,
                entries,
            }))
        })
    }

    fn shared(&self) -> bool {
        true
    }
}

impl super::Cluster for RedisLog {
    fn publish(
        &self,
        room: &str,
        node: u64,
        update: super::PresenceUpdate,
        ttl: Duration,
    ) -> LogFuture<super::PresenceCount> {
        let mut conn = self.conn.clone();
        let index = self.keys.present(room);
        let node = format!("{node:x}");
        Box::pin(async move {
            let reply: Vec<i64> = redis::cmd("EVAL")
                .arg(format!("{PRESENCE_LIB}{PRESENCE}"))
                .arg(3)
                .arg(&index)
                .arg(format!("{index}:{node}"))
                .arg(format!("{index}:count"))
                .arg(&node)
                .arg(ttl.as_millis() as u64)
                .arg(if update.full { "1" } else { "0" })
                .arg(update.added.len())
                .arg(&update.added)
                .arg(&update.removed)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            Ok(super::PresenceCount {
                elsewhere: reply.first().copied().unwrap_or(0).max(0) as u64,
                lapsed: reply.get(1).copied() == Some(1),
            })
        })
    }

    fn claim(&self, name: &str, ttl: Duration) -> LogFuture<bool> {
        let mut conn = self.conn.clone();
        let key = format!("{}claim:{name}", self.keys.prefix);
        Box::pin(async move {
            let set: Option<String> = redis::cmd("SET")
                .arg(key)
                .arg("1")
                .arg("NX")
                .arg("PX")
                .arg(ttl.as_millis().max(1) as u64)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            Ok(set.is_some())
        })
    }

    fn room_count(&self) -> LogFuture<u64> {
        let mut conn = self.conn.clone();
        let key = self.keys.rooms();
        Box::pin(async move {
            redis::cmd("SCARD")
                .arg(key)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)
        })
    }

    fn idle_rooms(&self, before: crate::domain::Millis) -> LogFuture<Vec<String>> {
        let mut conn = self.conn.clone();
        let (key, prefix) = (self.keys.rooms(), self.keys.prefix.clone());
        Box::pin(async move {
            redis::cmd("EVAL")
                .arg(IDLE_ROOMS)
                .arg(1)
                .arg(key)
                .arg(before)
                .arg(prefix)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)
        })
    }

    fn ping(&self) -> LogFuture<()> {
        let mut conn = self.conn.clone();
        Box::pin(async move {
            let _: String = redis::cmd("PING")
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            Ok(())
        })
    }

    fn everyone(&self, room: &str) -> LogFuture<Vec<String>> {
        let mut conn = self.conn.clone();
        let index = self.keys.present(room);
        Box::pin(async move {
            redis::cmd("EVAL")
                .arg(format!("{PRESENCE_LIB}{EVERYONE}"))
                .arg(2)
                .arg(&index)
                .arg(format!("{index}:count"))
                .query_async(&mut conn)
                .await
                .map_err(unavailable)
        })
    }
}

/// The rooms whose last entry is before ARGV[1] (KEYS: the rooms set; ARGV[2]: key prefix).
const IDLE_ROOMS: &str = r#"
local idle = {}
for _, code in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local at = tonumber(redis.call('HGET', ARGV[2] .. 'room:' .. code, 'at'))
  if at == nil or at < tonumber(ARGV[1]) then table.insert(idle, code) end
end
return idle
"#;

/// Deletes every key under `prefix` in the Redis at `url` (a deployment's or a test's keys), a
/// batch at a time with `SCAN`. Returns how many were deleted. Blocking.
pub fn remove_prefix(url: &str, prefix: &str) -> redis::RedisResult<u64> {
    let mut conn = Client::open(url)?.get_connection()?;
    let mut cursor = 0u64;
    let mut removed = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1_000)
            .query(&mut conn)?;
        if !keys.is_empty() {
            removed += redis::cmd("DEL").arg(&keys).query::<u64>(&mut conn)?;
        }
        if next == 0 {
            return Ok(removed);
        }
        cursor = next;
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// The Redis the tests use: `HANDSUP_TEST_REDIS_URL` (CI sets it), else the local one.
    /// A test that needs Redis fails, never skips, when it is not there.
    pub fn test_url() -> String {
        std::env::var("HANDSUP_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
    }

    /// A fresh log under a key prefix of its own, removed when the test ends.
    pub struct Redis {
        pub prefix: String,
    }

    impl Drop for Redis {
        fn drop(&mut self) {
            let _ = remove_prefix(&test_url(), &self.prefix);
        }
    }

    impl super::super::contract::Fixture for Redis {
        async fn new() -> (Self, Arc<dyn CommandLog>) {
            let prefix = format!("handsup-test:{}:", uuid::Uuid::new_v4().simple());
            let log = RedisLog::connect(&test_url(), &prefix)
                .await
                .unwrap_or_else(|err| panic!("Redis at {} is needed: {err}", test_url()));
            (Redis { prefix }, Arc::new(log))
        }

        async fn reopen(&self, log: Arc<dyn CommandLog>) -> Arc<dyn CommandLog> {
            drop(log);
            Arc::new(
                RedisLog::connect(&test_url(), &self.prefix)
                    .await
                    .expect("reconnect"),
            )
        }
    }

    crate::log_contract_tests!(Redis);

    /// Appends queued together go to Redis in runs (one script call per room's run); each still
    /// gets its own position, in the order queued. After Redis forgets its scripts (as a restart
    /// does), appends load them again and nothing is lost or doubled.
    #[tokio::test]
    async fn appends_queued_together_keep_their_order_and_survive_a_script_flush() {
        use futures_util::future::join_all;
        let (fixture, log) = <Redis as super::super::contract::Fixture>::new().await;
        let entry = |n: u32| NewEntry {
            command: format!("{{\"n\":{n}}}"),
            origin: Some(Origin {
                node: 9,
                request: u64::from(n),
            }),
        };
        let record = |code: &str| RoomRecord {
            code: code.into(),
            host_key_hash: "h".into(),
            created_at: 1,
        };
        log.create_room(record("11111111"), entry(0))
            .await
            .expect("create");
        log.create_room(record("22222222"), entry(0))
            .await
            .expect("create");
        // 600 appends queued at once, two rooms interleaved in runs: more than one run's worth.
        let calls: Vec<_> = (1..=600u32)
            .map(|n| {
                let room = if (n / 50) % 2 == 0 {
                    "11111111"
                } else {
                    "22222222"
                };
                (room, n, log.append(room, entry(n)))
            })
            .collect();
        let mut seqs: HashMap<&str, Vec<u64>> = HashMap::new();
        for (room, n, call) in calls {
            let position = call.await.expect("append");
            seqs.entry(room).or_default().push(position.seq);
            let read = log.tail(room, position.seq - 1, 1).await.expect("tail");
            assert_eq!(
                read[0].command,
                entry(n).command,
                "entry {n} is at its own position"
            );
        }
        for (room, seqs) in &seqs {
            let expected: Vec<u64> = (2..2 + seqs.len() as u64).collect();
            assert_eq!(seqs, &expected, "room {room}: positions follow the queue");
        }
        // Redis forgets every script; the next appends still land, once each.
        let client = redis::Client::open(test_url()).expect("client");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("conn");
        let _: () = redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query_async(&mut conn)
            .await
            .expect("flush");
        let after: Vec<_> = (601..=610u32)
            .map(|n| log.append("11111111", entry(n)))
            .collect();
        let positions: Vec<u64> = join_all(after)
            .await
            .into_iter()
            .map(|p| p.expect("append after the flush").seq)
            .collect();
        let head = seqs["11111111"].last().copied().unwrap_or(1);
        assert_eq!(positions, (head + 1..=head + 10).collect::<Vec<_>>());
        let all = log.tail("11111111", 0, usize::MAX).await.expect("tail");
        assert_eq!(all.len() as u64, head + 10, "nothing lost or doubled");
        drop(fixture);
    }

    #[tokio::test]
    async fn presence_is_the_union_of_the_live_nodes_and_lapses_with_a_dead_one() {
        use super::super::{Cluster, PresenceUpdate};
        let (_fixture, _) = <Redis as super::super::contract::Fixture>::new().await;
        let log = RedisLog::connect(&test_url(), &_fixture.prefix)
            .await
            .expect("log");
        let room = "12345678";
        let ids = |r: std::ops::Range<u32>| r.map(|n| format!("p{n}")).collect::<Vec<_>>();
        let ttl = Duration::from_millis(600);
        let add = |added: Vec<String>| PresenceUpdate {
            full: false,
            added,
            removed: vec![],
        };
        // Node 1 has p0..p5000 (more than one Lua call's arguments), node 2 p4990..p5010.
        let first = log.publish(room, 1, add(ids(0..5_000)), ttl).await.unwrap();
        assert_eq!(
            first,
            super::super::PresenceCount {
                elsewhere: 0,
                lapsed: true
            }
        );
        let second = log
            .publish(room, 2, add(ids(4_990..5_010)), ttl)
            .await
            .unwrap();
        assert_eq!(second.elsewhere, 4_990, "people on both nodes count once");
        assert!(second.lapsed);
        let mut everyone = log.everyone(room).await.unwrap();
        everyone.sort();
        let mut expected = ids(0..5_010);
        expected.sort();
        assert_eq!(everyone, expected, "someone on two nodes is there once");
        // Node 1: ten leave.
        let update = PresenceUpdate {
            full: false,
            added: vec![],
            removed: ids(0..10),
        };
        let again = log.publish(room, 1, update, ttl).await.unwrap();
        assert_eq!(
            again,
            super::super::PresenceCount {
                elsewhere: 10,
                lapsed: false
            }
        );
        assert_eq!(
            log.publish(room, 2, add(vec![]), ttl)
                .await
                .unwrap()
                .elsewhere,
            4_980
        );
        // Node 1 dies (publishes no more): after its ttl its people are gone.
        tokio::time::sleep(Duration::from_millis(400)).await;
        log.publish(room, 2, add(vec![]), ttl).await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        let alone = log.publish(room, 2, add(vec![]), ttl).await.unwrap();
        assert_eq!(alone.elsewhere, 0);
        assert_eq!(log.everyone(room).await.unwrap().len(), 20);
        // Node 1 comes back with a change since it last published: its entry had lapsed, so it
        // is told to send everything, and only what it sent counts meanwhile.
        let back = log.publish(room, 1, add(ids(1..2)), ttl).await.unwrap();
        assert_eq!(
            back,
            super::super::PresenceCount {
                elsewhere: 20,
                lapsed: true
            }
        );
        assert_eq!(log.everyone(room).await.unwrap().len(), 21);
        log.publish(
            room,
            1,
            PresenceUpdate {
                full: true,
                ..PresenceUpdate::default()
            },
            ttl,
        )
        .await
        .unwrap();
        // A full update replaces the set.
        let full = PresenceUpdate {
            full: true,
            added: ids(0..3),
            removed: vec![],
        };
        log.publish(room, 2, full, ttl).await.unwrap();
        assert_eq!(log.everyone(room).await.unwrap().len(), 3);
    }

    #[tokio::test]
    async fn one_claim_wins_and_idle_rooms_are_found() {
        use super::super::Cluster;
        use super::super::contract::{code, entry, record};
        let (fixture, _) = <Redis as super::super::contract::Fixture>::new().await;
        let log = RedisLog::connect(&test_url(), &fixture.prefix)
            .await
            .expect("log");
        let other = RedisLog::connect(&test_url(), &fixture.prefix)
            .await
            .expect("log");
        let ttl = Duration::from_millis(300);
        assert!(log.claim("close:1", ttl).await.unwrap());
        assert!(!other.claim("close:1", ttl).await.unwrap(), "one node wins");
        assert!(other.claim("close:2", ttl).await.unwrap());
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(other.claim("close:1", ttl).await.unwrap(), "a claim lapses");

        let (old, new) = (code(), code());
        log.create_room(record(&old), entry(1)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        let cut = crate::hub::now_ms();
        tokio::time::sleep(Duration::from_millis(30)).await;
        log.create_room(record(&new), entry(1)).await.unwrap();
        assert_eq!(log.room_count().await.unwrap(), 2);
        assert_eq!(log.idle_rooms(cut).await.unwrap(), vec![old.clone()]);
        log.ping().await.unwrap();
    }

    #[test]
    fn stream_keys_name_their_room() {
        let keys = Keys {
            prefix: "handsup:".into(),
        };
        assert_eq!(keys.code_of(&keys.log("12345678")), Some("12345678"));
        assert_eq!(keys.code_of("handsup:room:12345678"), None);
        assert_eq!(keys.code_of("other:room:1:log"), None);
    }

    #[test]
    fn origins_read_back_as_written() {
        let origin = Origin {
            node: u64::MAX - 3,
            request: 42,
        };
        assert_eq!(Origin::decode(&origin.encode()), Some(origin));
        assert_eq!(Origin::decode(""), None);
        assert_eq!(Origin::decode("zz:1"), None);
    }
}
