//! How frames reach a large audience: participant frames go out a group at a time, and the
//! presenter sees a change at once but never more often than its interval.

use crate::support::*;
use serde_json::json;
use std::time::Duration;
use tokio::time::Instant;

/// With groups of 8, a frame to 150 phones goes out in 19 steps. While the host keeps changing
/// the room (so new frames are rendered in the middle of a fan-out), every phone must still end
/// on the latest state, not on whatever its group happened to get.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_phone_ends_on_the_latest_state_when_frames_go_out_in_groups() {
    let server = TestServer::start_tweaked(|config| {
        config.fanout_group = 8;
        config.participant_tick = Duration::from_millis(20);
        config.participant_frame_budget = 1_000_000;
        config.command_rate = 1_000;
        config.command_burst = 1_000;
    })
    .await;
    let room = server.create_room("Big room").await;
    let mut host = server.host(&room).await;
    let id = add(&mut host, poll("Which first?", &["Repairs", "Damp"])).await;
    go_to(&mut host, id).await;

    let mut phones = Vec::new();
    for i in 0..150 {
        phones.push(
            server
                .participant(&room.code, None, Some(&format!("P{i}")))
                .await,
        );
    }
    // Each phone reads everything it is sent, as a browser would, and hands back its client
    // when told to stop.
    let (stop, _) = tokio::sync::watch::channel(false);
    let readers: Vec<_> = phones
        .into_iter()
        .map(|mut phone| {
            let mut stopped = stop.subscribe();
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = stopped.changed() => return phone,
                        frame = phone.try_recv(Duration::from_secs(30)) => {
                            assert!(frame.is_some(), "the phone stays connected");
                        }
                    }
                }
            })
        })
        .collect();

    // Three bursts of changes, each an odd number of toggles: they end closed, open, closed, so
    // the last state differs from the one every phone started with.
    let mut last_seq = 0;
    let mut open = true;
    for burst in 0..3 {
        for _ in 0..(15 + 2 * burst) {
            open = !open;
            let ack = host
                .ok(json!({"type": "set_voting", "activity": id, "open": open}))
                .await;
            last_seq = ack["seq"].as_u64().expect("ack seq");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let final_open = open;
    assert!(
        !final_open,
        "the bursts end on a state the phones did not start with"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send_replace(true);

    for reader in readers {
        let mut phone = reader.await.expect("reader");
        let deadline = Instant::now() + WAIT;
        let frame = loop {
            match &phone.state {
                Some(frame) if frame["seq"].as_u64() >= Some(last_seq) => break frame.clone(),
                _ => {}
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "a phone never got the latest state (seq {last_seq}); last: {:?}",
                phone.state
            );
            let _ = phone.try_recv(left).await;
        };
        assert_eq!(
            frame["view"]["activity"]["voting_open"], final_open,
            "a phone shows the final voting state: {frame}"
        );
    }
}

/// A change in a quiet room reaches the presenter at once; a burst of changes is gathered into
/// frames no closer together than the presenter interval, and the last one counts everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_presenter_sees_a_change_at_once_and_a_burst_in_few_frames() {
    let interval = Duration::from_millis(1500);
    let server = TestServer::start_tweaked(|config| config.presenter_tick = interval).await;
    let room = server.create_room("Quiet room").await;
    let mut host = server.host(&room).await;
    let id = add(&mut host, poll("Which first?", &["Repairs", "Damp"])).await;
    go_to(&mut host, id).await;
    let mut phones = Vec::new();
    for i in 0..30 {
        phones.push(
            server
                .participant(&room.code, None, Some(&format!("P{i}")))
                .await,
        );
    }
    let mut screen = server.presenter(&room.code).await;
    // Let the joins' frames go by, then wait past one interval: the room is quiet.
    tokio::time::sleep(interval * 2).await;
    while screen.try_recv(Duration::from_millis(50)).await.is_some() {}

    // One vote: on screen well before the interval is up (a fixed 1.5 s tick would make it wait
    // 0.75 s on average).
    let sent = Instant::now();
    phones[0]
        .ok(json!({"type": "vote", "activity": id, "options": [0]}))
        .await;
    screen.wait_state(|v| counts(v) == [1, 0]).await;
    let first = sent.elapsed();
    assert!(
        first < Duration::from_millis(500),
        "a change in a quiet room is shown at once, took {first:?}"
    );

    // A burst: 29 more votes as fast as the phones can send them.
    let burst = Instant::now();
    for phone in phones.iter_mut().skip(1) {
        phone
            .ok(json!({"type": "vote", "activity": id, "options": [1]}))
            .await;
    }
    let mut frames = 0;
    loop {
        let frame = screen.recv().await;
        if frame["type"] == "state" {
            frames += 1;
            if counts(&frame["view"]) == [1, 29] {
                break;
            }
        }
    }
    let took = burst.elapsed();
    // Frames at least `interval` apart: at most one per interval elapsed, plus the first.
    let allowed = 1 + (took.as_millis() / interval.as_millis()) as usize;
    assert!(
        frames <= allowed,
        "{frames} presenter frames in {took:?} with a {interval:?} interval"
    );
}
