//! One test suite for the [`CommandLog`] contract, run against every adapter: each adapter's
//! tests call [`crate::log_contract_tests!`] with a [`Fixture`] that makes a fresh, empty log.

use super::{CommandLog, LogEvent, NewEntry, Origin, RoomRecord, StoreError};
use std::sync::Arc;
use std::time::Duration;

/// Makes a fresh log for one test, and opens it again as a restarted server would.
#[allow(async_fn_in_trait)]
pub trait Fixture: Sized {
    async fn new() -> (Self, Arc<dyn CommandLog>);
    async fn reopen(&self, log: Arc<dyn CommandLog>) -> Arc<dyn CommandLog>;
}

/// A code no other test (or earlier run against a shared Redis) uses.
pub fn code() -> String {
    format!("{}", rand::random_range(10_000_000u32..100_000_000))
}

pub fn record(code: &str) -> RoomRecord {
    RoomRecord {
        code: code.into(),
        host_key_hash: "hash".into(),
        created_at: 1_000,
    }
}

pub fn entry(n: u64) -> NewEntry {
    NewEntry {
        command: format!(r#"{{"n":{n}}}"#),
        origin: Some(Origin {
            node: 7,
            request: n,
        }),
    }
}

/// Appends of one caller, queued one after another, get seq 1, 2, 3… in that order, with `at`
/// never decreasing, one epoch, and `tail` reads them back (from any point, in pages).
pub async fn positions_are_the_logs_dense_and_in_order<F: Fixture>() {
    let (_fixture, log) = F::new().await;
    let room = code();
    let first = log.create_room(record(&room), entry(1)).await.unwrap();
    assert_eq!(first.seq, 1);
    let pending: Vec<_> = (2..=300).map(|n| log.append(&room, entry(n))).collect();
    let mut last = first;
    for (n, append) in (2..=300).zip(pending) {
        let position = append.await.unwrap();
        assert_eq!(position.seq, n, "in the order queued, with no gaps");
        assert_eq!(position.epoch, first.epoch);
        assert!(position.at >= last.at, "at never decreases");
        last = position;
    }
    let all = log.tail(&room, 0, 10_000).await.unwrap();
    assert_eq!(all.len(), 300);
    for (n, e) in (1..=300).zip(&all) {
        assert_eq!(e.seq, n);
        assert_eq!(e.room, room);
        assert_eq!(e.command, entry(n).command);
    }
    let page = log.tail(&room, 100, 50).await.unwrap();
    let seqs: Vec<u64> = page.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (101..=150).collect::<Vec<_>>());
    assert!(log.tail(&room, 300, 10).await.unwrap().is_empty());
    log.delete_room(&room).await.unwrap();
}

/// What was acknowledged is there after the log is opened again, and appends go on from it.
pub async fn acknowledged_entries_survive_reopening<F: Fixture>() {
    let (fixture, log) = F::new().await;
    let room = code();
    let first = log.create_room(record(&room), entry(1)).await.unwrap();
    for n in 2..=50 {
        log.append(&room, entry(n)).await.unwrap();
    }
    let log = fixture.reopen(log).await;
    let stored = log
        .load_room(&room)
        .await
        .unwrap()
        .expect("the room is there");
    assert_eq!(stored.record, record(&room));
    assert_eq!(
        stored.epoch, first.epoch,
        "reopening keeps the room's epoch"
    );
    let seqs: Vec<u64> = stored.entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=50).collect::<Vec<_>>());
    assert_eq!(stored.entries[41].command, entry(42).command);
    let next = log.append(&room, entry(51)).await.unwrap();
    assert_eq!((next.epoch, next.seq), (first.epoch, 51));
    assert!(next.at >= stored.entries[49].at);
    log.delete_room(&room).await.unwrap();
}

/// A follower that starts after some entries hears what comes after them, whoever appends.
pub async fn a_late_follower_hears_what_follows<F: Fixture>() {
    let (_fixture, log) = F::new().await;
    let room = code();
    log.create_room(record(&room), entry(1)).await.unwrap();
    for n in 2..=10 {
        log.append(&room, entry(n)).await.unwrap();
    }
    let mut follow = log.follow(&room, 10);
    for n in 11..=20 {
        log.append(&room, entry(n)).await.unwrap();
    }
    let mut heard = Vec::new();
    while heard.last() != Some(&20) {
        match tokio::time::timeout(Duration::from_secs(10), follow.recv()).await {
            Ok(Ok(LogEvent::Entry(e))) => heard.push(e.seq),
            other => panic!("the follower missed entries: {other:?} after {heard:?}"),
        }
    }
    heard.retain(|seq| *seq > 10);
    assert_eq!(heard, (11..=20).collect::<Vec<_>>());
    drop(follow);
    log.unfollow(&room);
    log.delete_room(&room).await.unwrap();
}

/// The log lists its rooms.
pub async fn the_log_lists_its_rooms<F: Fixture>() {
    let (_fixture, log) = F::new().await;
    let (a, b) = (code(), code());
    log.create_room(record(&a), entry(1)).await.unwrap();
    log.create_room(record(&b), entry(1)).await.unwrap();
    let rooms = log.rooms().await.unwrap();
    assert!(rooms.contains(&a) && rooms.contains(&b), "{rooms:?}");
    log.delete_room(&a).await.unwrap();
    let rooms = log.rooms().await.unwrap();
    assert!(!rooms.contains(&a) && rooms.contains(&b), "{rooms:?}");
    log.delete_room(&b).await.unwrap();
}

/// A room loads as its latest snapshot and the entries after it; an older snapshot never
/// replaces a newer one; the entries kept before the snapshot can still be read; deleting the
/// room takes its snapshot too.
pub async fn a_room_loads_from_its_latest_snapshot<F: Fixture>() {
    use super::Snapshot;
    let (fixture, log) = F::new().await;
    let room = code();
    log.create_room(record(&room), entry(1)).await.unwrap();
    for n in 2..=50 {
        log.append(&room, entry(n)).await.unwrap();
    }
    let snapshot = |seq: u64, state: &[u8]| Snapshot {
        seq,
        state: state.to_vec(),
    };
    log.write_snapshot(&room, snapshot(30, b"thirty\0\xff"), 5)
        .await
        .unwrap();
    log.write_snapshot(&room, snapshot(20, b"twenty"), 5)
        .await
        .unwrap();
    let log = fixture.reopen(log).await;
    let stored = log.load_room(&room).await.unwrap().expect("room");
    assert_eq!(stored.snapshot, Some(snapshot(30, b"thirty\0\xff")));
    let seqs: Vec<u64> = stored.entries.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (31..=50).collect::<Vec<_>>(),
        "only what follows the snapshot"
    );
    let kept: Vec<u64> = log
        .tail(&room, 25, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(
        kept,
        (26..=50).collect::<Vec<_>>(),
        "`keep` entries before it stay"
    );
    let next = log.append(&room, entry(51)).await.unwrap();
    assert_eq!(next.seq, 51);
    log.delete_room(&room).await.unwrap();
    log.create_room(record(&room), entry(1)).await.unwrap();
    let again = log.load_room(&room).await.unwrap().expect("room");
    assert_eq!(
        again.snapshot, None,
        "a new room under the code has no snapshot"
    );
    assert_eq!(again.entries.len(), 1);
    log.delete_room(&room).await.unwrap();
}

/// A taken code fails alone: the first room keeps its log, another room is created.
pub async fn a_taken_code_fails_alone<F: Fixture>() {
    let (_fixture, log) = F::new().await;
    let (room, other) = (code(), code());
    let first = log.create_room(record(&room), entry(1));
    let dup = log.create_room(record(&room), entry(99));
    let third = log.create_room(record(&other), entry(1));
    first.await.unwrap();
    assert!(matches!(dup.await, Err(StoreError::RoomExists(c)) if c == room));
    third.await.unwrap();
    let entries = log.tail(&room, 0, 10).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].command, entry(1).command);
    log.delete_room(&room).await.unwrap();
    log.delete_room(&other).await.unwrap();
}

/// Appending to a room the log does not hold fails and creates nothing.
pub async fn an_append_to_no_room_fails<F: Fixture>() {
    let (_fixture, log) = F::new().await;
    let room = code();
    assert!(matches!(
        log.append(&room, entry(1)).await,
        Err(StoreError::NoRoom(_))
    ));
    assert!(log.load_room(&room).await.unwrap().is_none());
    assert!(log.tail(&room, 0, 10).await.unwrap().is_empty());
}

/// A follower hears every entry after it started following, in order, with the position the
/// appender was given and the origin it proposed, once the entry is durable.
pub async fn followers_hear_every_entry_in_order<F: Fixture>() {
    let (_fixture, log) = F::new().await;
    let room = code();
    let mut follow = log.follow(&room, 0);
    log.create_room(record(&room), entry(1)).await.unwrap();
    // Two appenders at once: their entries interleave, but every follower sees one order.
    let (a, b) = (Arc::clone(&log), Arc::clone(&log));
    let (ra, rb) = (room.clone(), room.clone());
    let first = tokio::spawn(async move {
        let mut got = Vec::new();
        for n in 2..=101 {
            got.push(a.append(&ra, entry(n)).await.unwrap());
        }
        got
    });
    let second = tokio::spawn(async move {
        let mut got = Vec::new();
        for n in 102..=201 {
            got.push(b.append(&rb, entry(n)).await.unwrap());
        }
        got
    });
    let mut positions = first.await.unwrap();
    positions.extend(second.await.unwrap());
    let mut heard = Vec::new();
    while heard.len() < 201 {
        match tokio::time::timeout(Duration::from_secs(10), follow.recv()).await {
            Ok(Ok(LogEvent::Entry(e))) => heard.push(e),
            other => panic!("a follower missed entries: {other:?} after {}", heard.len()),
        }
    }
    let seqs: Vec<u64> = heard.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=201).collect::<Vec<_>>(), "dense and in order");
    for position in positions {
        let e = &heard[position.seq as usize - 1];
        assert_eq!(e.at, position.at);
        let n = e.origin.expect("the proposer's origin").request;
        assert_eq!(e.command, entry(n).command, "the entry at that position");
    }
    // What was heard is what the log holds.
    let tail = log.tail(&room, 0, 1_000).await.unwrap();
    assert_eq!(
        tail.iter()
            .map(|e| (e.seq, e.at, &e.command))
            .collect::<Vec<_>>(),
        heard
            .iter()
            .map(|e| (e.seq, e.at, &e.command))
            .collect::<Vec<_>>()
    );
    log.delete_room(&room).await.unwrap();
}

/// Deleting a room removes its log and tells its followers; later appends fail.
pub async fn deletion_removes_the_log_and_tells_followers<F: Fixture>() {
    let (_fixture, log) = F::new().await;
    let room = code();
    log.create_room(record(&room), entry(1)).await.unwrap();
    log.append(&room, entry(2)).await.unwrap();
    let mut follow = log.follow(&room, 2);
    log.delete_room(&room).await.unwrap();
    match tokio::time::timeout(Duration::from_secs(10), follow.recv()).await {
        Ok(Ok(LogEvent::Deleted)) => {}
        other => panic!("the follower was not told of the deletion: {other:?}"),
    }
    assert!(log.load_room(&room).await.unwrap().is_none());
    assert!(log.tail(&room, 0, 10).await.unwrap().is_empty());
    assert!(matches!(
        log.append(&room, entry(3)).await,
        Err(StoreError::NoRoom(_))
    ));
    // The code is free again.
    let again = log.create_room(record(&room), entry(1)).await.unwrap();
    assert_eq!(again.seq, 1);
    log.delete_room(&room).await.unwrap();
}

/// `flush` resolves once everything queued before it is durable.
pub async fn flush_waits_for_what_was_queued<F: Fixture>() {
    let (fixture, log) = F::new().await;
    let room = code();
    log.create_room(record(&room), entry(1)).await.unwrap();
    let pending: Vec<_> = (2..=20).map(|n| log.append(&room, entry(n))).collect();
    log.flush().await.unwrap();
    drop(pending);
    let log = fixture.reopen(log).await;
    assert_eq!(log.tail(&room, 0, 100).await.unwrap().len(), 20);
    log.delete_room(&room).await.unwrap();
}

/// Expands to one `#[tokio::test]` per contract clause for a [`Fixture`].
#[macro_export]
macro_rules! log_contract_tests {
    ($fixture:ty) => {
        mod contract {
            use super::*;
            use $crate::store::contract as c;

            #[tokio::test]
            async fn positions_are_the_logs_dense_and_in_order() {
                c::positions_are_the_logs_dense_and_in_order::<$fixture>().await;
            }
            #[tokio::test]
            async fn acknowledged_entries_survive_reopening() {
                c::acknowledged_entries_survive_reopening::<$fixture>().await;
            }
            #[tokio::test]
            async fn a_late_follower_hears_what_follows() {
                c::a_late_follower_hears_what_follows::<$fixture>().await;
            }
            #[tokio::test]
            async fn the_log_lists_its_rooms() {
                c::the_log_lists_its_rooms::<$fixture>().await;
            }
            #[tokio::test]
            async fn a_room_loads_from_its_latest_snapshot() {
                c::a_room_loads_from_its_latest_snapshot::<$fixture>().await;
            }
            #[tokio::test]
            async fn a_taken_code_fails_alone() {
                c::a_taken_code_fails_alone::<$fixture>().await;
            }
            #[tokio::test]
            async fn an_append_to_no_room_fails() {
                c::an_append_to_no_room_fails::<$fixture>().await;
            }
            #[tokio::test]
            async fn followers_hear_every_entry_in_order() {
                c::followers_hear_every_entry_in_order::<$fixture>().await;
            }
            #[tokio::test]
            async fn deletion_removes_the_log_and_tells_followers() {
                c::deletion_removes_the_log_and_tells_followers::<$fixture>().await;
            }
            #[tokio::test]
            async fn flush_waits_for_what_was_queued() {
                c::flush_waits_for_what_was_queued::<$fixture>().await;
            }
        }
    };
}
