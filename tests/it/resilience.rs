//! Hardening under real conditions: replayed votes, crashes mid-vote, slow consumers, SIGTERM.

use crate::support::*;
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;

/// 10,000 copies of one participant's vote, sent concurrently over ten sockets that all present
/// the same token, count exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_copies_of_one_vote_count_once() {
    let server = TestServer::start_tweaked(|c| {
        c.command_rate = 100_000;
        c.command_burst = 100_000;
    })
    .await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let mut once = poll("Once only", &["A", "B"]);
    once["allow_change"] = json!(false);
    let locked = add(&mut host, once).await;
    let changeable = add(&mut host, poll("Changeable", &["A", "B"])).await;
    let first = server.participant(&room.code, None, None).await;
    let token = first.token.clone().unwrap();

    for (activity, changes) in [(locked, false), (changeable, true)] {
        go_to(&mut host, activity).await;
        let mut sockets = Vec::new();
        for _ in 0..10 {
            sockets.push(server.participant(&room.code, Some(&token), None).await);
        }
        let tasks: Vec<_> = sockets
            .into_iter()
            .map(|mut phone| {
                tokio::spawn(async move {
                    // Send all thousand first, then collect the thousand replies.
                    let vote = json!({"type": "vote", "activity": activity, "options": [0]});
                    for rid in 0..1000u64 {
                        let mut msg = vote.clone();
                        msg["rid"] = json!(rid + 1000);
                        phone
                            .ws
                            .send(Message::Text(msg.to_string().into()))
                            .await
                            .unwrap();
                    }
                    let (mut acks, mut refused) = (0u64, 0u64);
                    while acks + refused < 1000 {
                        let frame = phone.recv().await;
                        match frame["type"].as_str() {
                            Some("ack") => acks += 1,
                            Some("error") => {
                                assert_eq!(frame["code"], "already_voted", "{frame}");
                                refused += 1;
                            }
                            _ => {}
                        }
                    }
                    acks
                })
            })
            .collect();
        let mut acks = 0;
        for task in tasks {
            acks += task.await.unwrap();
        }
        if changes {
            assert_eq!(acks, 10_000, "re-voting the same option is allowed");
        } else {
            assert_eq!(acks, 1, "exactly one copy is accepted");
        }
        let mut screen = server.presenter(&room.code).await;
        let view = screen.wait_state(|v| v["activity"]["id"] == activity).await;
        assert_eq!(counts(&view), vec![1, 0], "one participant, one vote");
        assert_eq!(view["activity"]["results"]["voters"], 1);
        assert_eq!(view["participants"], 1);
    }
}

/// What one phone knows about its own vote when the server dies.
#[derive(Clone, Copy, Debug, Default)]
struct Ledger {
    acked: Option<u64>,
    in_flight: Option<u64>,
}

/// A server process takes votes from 200 phones at a steady rate and is killed with SIGKILL at a
/// random moment, five times. After each restart every acknowledged vote is there, and nobody is
/// counted twice: each phone's recorded vote is its last acknowledged one or the one it was
/// waiting on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let mut process = ServerProcess::start(dir.path(), &[]);
    let (code, key) = process.create_room().await;
    let mut host = process.connect(&code).await;
    host.request(json!({"type": "hello", "role": "host", "host_key": key}))
        .await;
    let activity = host
        .ok(json!({"type": "add_activity", "spec": poll("Q", &["A", "B", "C", "D"])}))
        .await["id"]
        .as_u64()
        .unwrap();
    host.ok(json!({"type": "navigate", "to": {"activity": activity}}))
        .await;
    drop(host);

    let phones = 200usize;
    let mut tokens: Vec<Option<String>> = vec![None; phones];
    let ledgers = Arc::new(Mutex::new(vec![Ledger::default(); phones]));
    for round in 0..5 {
        let ws_base = process.ws_base.clone();
        let mut tasks = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            let (ws_base, code, token, ledgers) = (
                ws_base.clone(),
                code.clone(),
                token.clone(),
                Arc::clone(&ledgers),
            );
            tasks.push(tokio::spawn(async move {
                let Ok((ws, _)) = tokio_tungstenite::connect_async(format!("{ws_base}/ws/{code}")).await else {
                    return token;
                };
                let mut phone = Client::new(ws);
                let mut hello = json!({"type": "hello", "role": "participant", "rid": 1});
                if let Some(token) = &token {
                    hello["token"] = json!(token);
                }
                if phone.ws.send(Message::Text(hello.to_string().into())).await.is_err() {
                    return token;
                }
                let mut token = token;
                let mut rid = 1u64;
                let mut pending: Option<(u64, u64)> = None;
                let mut next_vote = tokio::time::Instant::now();
                loop {
                    let wait = next_vote.saturating_duration_since(tokio::time::Instant::now());
                    tokio::select! {
                        frame = phone.ws.next() => {
                            let Some(Ok(Message::Text(text))) = frame else { return token };
                            let frame: Value = serde_json::from_str(&text).unwrap();
                            match frame["type"].as_str() {
                                Some("session") => token = frame["token"].as_str().map(str::to_string),
                                Some("ack") => {
                                    if let Some((r, option)) = pending
                                        && frame["rid"] == json!(r) {
                                            let mut ledgers = ledgers.lock().await;
                                            ledgers[i] = Ledger { acked: Some(option), in_flight: None };
                                            pending = None;
                                        }
                                }
                                Some("error") => panic!("unexpected error {frame}"),
                                _ => {}
                            }
                        }
                        _ = tokio::time::sleep(wait), if pending.is_none() && token.is_some() => {
                            rid += 1;
                            let option = rand::rng().random_range(0..4u64);
                            ledgers.lock().await[i].in_flight = Some(option);
                            pending = Some((rid, option));
                            let vote = json!({"type": "vote", "rid": rid, "activity": activity, "options": [option]});
                            if phone.ws.send(Message::Text(vote.to_string().into())).await.is_err() {
                                return token;
                            }
                            next_vote = tokio::time::Instant::now() + Duration::from_millis(rand::rng().random_range(100..300));
                        }
                    }
                }
            }));
        }
        let delay = rand::rng().random_range(700..2000);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        process.kill_9();
        for (i, task) in tasks.into_iter().enumerate() {
            let token = tokio::time::timeout(WAIT, task)
                .await
                .expect("phone stops")
                .unwrap();
            if tokens[i].is_none() {
                tokens[i] = token;
            }
        }

        process = ServerProcess::start(dir.path(), &[]);
        // Every phone checks its own recorded vote against its ledger.
        let mut ledgers = ledgers.lock().await;
        let mut recount = [0u64; 4];
        let mut acked_phones = 0;
        for (i, token) in tokens.iter().enumerate() {
            let ledger = ledgers[i];
            let Some(token) = token else {
                assert!(ledger.acked.is_none());
                continue;
            };
            let mut phone = process.connect(&code).await;
            let reply = phone
                .request(json!({"type": "hello", "role": "participant", "token": token}))
                .await;
            assert_eq!(reply["type"], "session", "round {round}: {reply}");
            let me = phone.wait_me(|_| true).await;
            let recorded = me["answers"][activity.to_string()]["options"][0].as_u64();
            let allowed = [ledger.acked, ledger.in_flight.or(ledger.acked)];
            assert!(
                allowed.contains(&recorded),
                "round {round}, phone {i}: recorded {recorded:?}, ledger {ledger:?}"
            );
            if ledger.acked.is_some() {
                acked_phones += 1;
            }
            if let Some(option) = recorded {
                recount[option as usize] += 1;
            }
            // What survived is now what this phone last had acknowledged.
            ledgers[i] = Ledger {
                acked: recorded,
                in_flight: None,
            };
        }
        assert!(
            acked_phones > 0,
            "round {round}: no vote was acknowledged before the kill"
        );
        let mut host = process.connect(&code).await;
        host.request(json!({"type": "hello", "role": "host", "host_key": key}))
            .await;
        let view = host.wait_host_state(|_| true).await;
        assert_eq!(
            view["deck"][0]["results"]["counts"],
            json!(recount),
            "round {round}: no vote counted twice"
        );
    }
}

/// One host connection stops reading while a thousand phones vote for 30 s: it is disconnected
/// as slow, everyone else's frames keep flowing, and the server's memory stays bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_cut_off_without_growing_memory() {
    let dir = tempfile::tempdir().unwrap();
    let process = ServerProcess::start(
        dir.path(),
        &["--send-timeout", "2s", "--command-rate", "50"],
    );
    let (code, key) = process.create_room().await;
    let mut host = process.connect(&code).await;
    host.request(json!({"type": "hello", "role": "host", "host_key": key}))
        .await;
    let ideas = host
        .ok(json!({"type": "add_activity", "spec": {"kind": "ideas", "prompt": "Long ideas", "max_per_participant": 1}}))
        .await["id"]
        .as_u64()
        .unwrap();
    let vote = host
        .ok(json!({"type": "add_activity", "spec": poll("Q", &["A", "B", "C", "D"])}))
        .await["id"]
        .as_u64()
        .unwrap();
    // The wall stays hidden from the audience: only the host's frames carry it.
    host.ok(json!({"type": "set_results", "activity": ideas, "shown": false}))
        .await;
    host.ok(json!({"type": "navigate", "to": {"activity": ideas}}))
        .await;
    // (Unread while the phones join, this connection would itself be cut off as slow.)
    drop(host);

    // A thousand phones; half of them leave a long suggestion, which makes every host frame big.
    let mut phones = Vec::new();
    for i in 0..1000usize {
        let mut phone = process.connect(&code).await;
        phone
            .request(json!({"type": "hello", "role": "participant"}))
            .await;
        if i % 2 == 0 {
            let text = format!("{i:04} {}", "a long and detailed suggestion ".repeat(6));
            phone
                .ok(json!({"type": "submit_idea", "activity": ideas, "text": &text[..190]}))
                .await;
        }
        phones.push(phone);
    }
    let mut host = process.connect(&code).await;
    host.request(json!({"type": "hello", "role": "host", "host_key": key}))
        .await;
    host.ok(json!({"type": "navigate", "to": {"activity": vote}}))
        .await;
    drop(host);

    // The slow host: says hello, then never reads again.
    let mut slow = process.connect(&code).await;
    let hello = json!({"type": "hello", "role": "host", "host_key": key, "rid": 1});
    slow.ws
        .send(Message::Text(hello.to_string().into()))
        .await
        .unwrap();
    let mut screen = process.connect(&code).await;
    screen
        .request(json!({"type": "hello", "role": "presenter"}))
        .await;

    let baseline = process.rss_bytes();
    let stop_at = tokio::time::Instant::now() + Duration::from_secs(30);
    let voters: Vec<_> = phones
        .into_iter()
        .map(|mut phone| {
            tokio::spawn(async move {
                let mut acked = 0u64;
                while tokio::time::Instant::now() < stop_at {
                    let option = rand::rng().random_range(0..4u64);
                    let reply = phone
                        .request(json!({"type": "vote", "activity": vote, "options": [option]}))
                        .await;
                    if reply["type"] == "ack" {
                        acked += 1;
                    }
                    let pause = rand::rng().random_range(500..1500);
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
                acked
            })
        })
        .collect();
    let mut peak = baseline;
    let mut frames_seen = 0u64;
    let mut last_seq = 0u64;
    while tokio::time::Instant::now() < stop_at {
        if let Some(frame) = screen.try_recv(Duration::from_millis(200)).await
            && frame["type"] == "state"
        {
            let seq = frame["seq"].as_u64().unwrap_or(0);
            assert!(seq >= last_seq, "frames move forward");
            last_seq = seq;
            frames_seen += 1;
        }
        peak = peak.max(process.rss_bytes());
    }
    let mut acked = 0;
    for voter in voters {
        acked += voter.await.unwrap();
    }
    assert!(acked > 10_000, "the thousand kept voting: {acked} acks");
    assert!(
        frames_seen > 100,
        "the presenter kept getting frames: {frames_seen}"
    );
    // The slow client was cut off: the server counted exactly one slow consumer (the phones and
    // the presenter kept up), and its stream ends; a close frame, if it got through the full
    // buffers, carries the slow code.
    let metrics = reqwest::get(format!("{}/metrics", process.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l == "handsup_slow_consumers_dropped_total 1"),
        "{metrics}"
    );
    let mut slow_frames = 0u64;
    loop {
        match tokio::time::timeout(WAIT, slow.ws.next())
            .await
            .expect("the slow stream ends")
        {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(u16::from(frame.code), 4101);
                break;
            }
            Some(Ok(_)) => slow_frames += 1,
            Some(Err(_)) | None => break,
        }
    }
    assert!(
        slow_frames < frames_seen,
        "the slow client got {slow_frames} frames, the presenter {frames_seen}"
    );
    let bound = 64 * 1024 * 1024;
    eprintln!(
        "slow consumer: rss baseline {baseline} B, peak {peak} B, bound {bound} B; {acked} votes acked, {frames_seen} presenter frames"
    );
    assert!(peak < bound, "server RSS peaked at {peak} bytes");
}

/// SIGTERM: connected clients are told to reconnect (4100), the log is flushed, the process exits
/// promptly and cleanly, and nothing acknowledged is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_sessions_with_restarting_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut process = ServerProcess::start(dir.path(), &[]);
    let (code, key) = process.create_room().await;
    let mut host = process.connect(&code).await;
    host.request(json!({"type": "hello", "role": "host", "host_key": key}))
        .await;
    let id = host
        .ok(json!({"type": "add_activity", "spec": poll("Q", &["A", "B"])}))
        .await["id"]
        .as_u64()
        .unwrap();
    host.ok(json!({"type": "navigate", "to": {"activity": id}}))
        .await;
    let mut phone = process.connect(&code).await;
    phone
        .request(json!({"type": "hello", "role": "participant"}))
        .await;
    phone
        .ok(json!({"type": "vote", "activity": id, "options": [1]}))
        .await;

    let started = std::time::Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &process.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(phone.wait_closed().await, 4100);
    assert_eq!(host.wait_closed().await, 4100);
    let exit = loop {
        if let Some(exit) = process.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the server exits within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit:?}");

    let process = ServerProcess::start(dir.path(), &[]);
    let mut host = process.connect(&code).await;
    host.request(json!({"type": "hello", "role": "host", "host_key": key}))
        .await;
    let view = host.wait_host_state(|_| true).await;
    assert_eq!(view["deck"][0]["results"]["counts"], json!([0, 1]));
}
