//! Cluster mode: several servers (each its own hub, log connection and follower) sharing one
//! Redis at `HANDSUP_TEST_REDIS_URL`, under a key prefix of the test's own. Without Redis these
//! tests fail; they never skip.

use crate::support::*;
use serde_json::{Value, json};
use std::time::Duration;

fn redis_url() -> String {
    std::env::var("HANDSUP_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A cluster of `n` nodes on one Redis; its keys are removed when it is dropped.
pub struct Cluster {
    pub nodes: Vec<TestServer>,
    prefix: String,
    _keys: Prefix,
    _dirs: Vec<tempfile::TempDir>,
}

impl Cluster {
    pub async fn start(n: usize) -> Cluster {
        Cluster::start_with(n, |_| {}).await
    }

    /// `n` nodes, each configured by `tweak` besides the Redis settings.
    pub async fn start_with(n: usize, tweak: impl Fn(&mut handsup::config::Config)) -> Cluster {
        let prefix = format!("handsup-it:{}:", uuid::Uuid::new_v4().simple());
        let mut nodes = Vec::new();
        let mut dirs = Vec::new();
        for _ in 0..n {
            let dir = tempfile::tempdir().expect("temp dir");
            let (url, p) = (redis_url(), prefix.clone());
            nodes.push(
                TestServer::start_with(dir.path(), |config| {
                    config.redis_url = Some(url);
                    config.redis_prefix = p;
                    tweak(config);
                })
                .await,
            );
            dirs.push(dir);
        }
        Cluster {
            nodes,
            _keys: Prefix(prefix.clone()),
            prefix,
            _dirs: dirs,
        }
    }
}

/// The current poll's counts in the host's view.
fn host_counts(view: &Value) -> Vec<u64> {
    view["deck"][view["current"].as_u64().unwrap_or(0) as usize]["results"]["counts"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

/// A phone on the node at `ws_base` that joins, votes `first` and, if `second` is given,
/// changes its vote. Returns the option its last acknowledged vote was for.
async fn phone_votes(
    ws_base: &str,
    code: &str,
    activity: u64,
    first: u64,
    second: Option<u64>,
) -> u64 {
    let mut phone = connect_to(ws_base, code).await;
    let session = phone
        .request(json!({"type": "hello", "role": "participant"}))
        .await;
    assert_eq!(session["type"], "session", "{session}");
    phone
        .ok(json!({"type": "vote", "activity": activity, "options": [first]}))
        .await;
    let mut last = first;
    if let Some(second) = second {
        phone
            .ok(json!({"type": "vote", "activity": activity, "options": [second]}))
            .await;
        last = second;
    }
    last
}

/// 200 phones dealt round-robin over the nodes at `bases`, each voting on a four-option poll
/// and every fifth changing its mind: the counts of their last acknowledged votes.
async fn two_hundred_phones(bases: &[String], code: &str, id: u64) -> Vec<u64> {
    let mut tasks = Vec::new();
    for i in 0..200u64 {
        let (base, code) = (bases[i as usize % bases.len()].clone(), code.to_string());
        tasks.push(tokio::spawn(async move {
            let first = i % 4;
            let second = (i % 5 == 0).then_some((first + 1) % 4);
            phone_votes(&base, &code, id, first, second).await
        }));
    }
    let mut expected = vec![0u64; 4];
    for task in tasks {
        expected[task.await.expect("phone") as usize] += 1;
    }
    expected
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_hold_one_room_and_every_node_counts_the_same() {
    let cluster = Cluster::start(3).await;
    let [a, b, c] = &cluster.nodes[..] else {
        unreachable!()
    };
    // The room is made on A and hosted there; the screen is on C.
    let room = a.create_room("Plenary").await;
    let mut host = a.host(&room).await;
    let id = add(
        &mut host,
        poll("Which first?", &["Repairs", "Damp", "Rent", "Noise"]),
    )
    .await;
    go_to(&mut host, id).await;
    let mut screen = c.presenter(&room.code).await;
    let mut screen_b = b.presenter(&room.code).await;

    // 200 phones spread over the three nodes; every fifth changes its mind.
    let bases = [a, b, c].map(|n| n.ws_base.clone());
    let expected = two_hundred_phones(&bases, &room.code, id).await;
    // Every node's replica counts exactly the acknowledged votes.
    let on_c = screen.wait_state(|v| counts(v) == expected).await;
    let on_b = screen_b.wait_state(|v| counts(v) == expected).await;
    let on_a = host.wait_host_state(|v| host_counts(v) == expected).await;
    assert_eq!(on_c["activity"]["results"]["voters"], 200);
    assert_eq!(on_b["activity"]["results"]["voters"], 200);
    assert_eq!(on_a["deck"][0]["results"]["voters"], 200);
    // And they stand at the same place in the same history.
    tokio::time::sleep(Duration::from_millis(300)).await;
    while screen.try_recv(Duration::from_millis(50)).await.is_some() {}
    while screen_b.try_recv(Duration::from_millis(50)).await.is_some() {}
    let (sc, sb) = (
        screen.state.clone().unwrap(),
        screen_b.state.clone().unwrap(),
    );
    assert_eq!((&sc["epoch"], &sc["seq"]), (&sb["epoch"], &sb["seq"]));
    // The export (from B, which never saw the votes arrive) is the same recount.
    let csv = b.export_csv(&room, id).await;
    assert_eq!(csv.lines().count() - 1, 200, "{csv}");
    // Joins and votes of different people commute: however they met on their way to the log,
    // no node had to copy its whole room to keep its proposal replica right.
    for node in [a, b, c] {
        let metrics = reqwest::get(format!("{}/metrics", node.base))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text");
        assert!(
            metrics
                .lines()
                .any(|l| l == "handsup_replica_copies_total 0"),
            "{}",
            metrics
                .lines()
                .filter(|l| l.contains("replica_copies"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// The same, with the server binary as deployed: three processes on loopback sharing Redis, the
/// host on A, the screen on C, 200 phones over all three, and a phone that moves from A to B.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_server_processes_count_one_room_the_same() {
    let prefix = format!("handsup-it:{}:", uuid::Uuid::new_v4().simple());
    let _keys = Prefix(prefix.clone());
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
    let url = redis_url();
    let nodes: Vec<ServerProcess> = dirs
        .iter()
        .map(|d| ServerProcess::start(d.path(), &["--redis-url", &url, "--redis-prefix", &prefix]))
        .collect();
    let [a, b, c] = &nodes[..] else {
        unreachable!()
    };
    let (code, key) = a.create_room().await;
    let mut host = host_at(&a.ws_base, &code, &key).await;
    let id = add(
        &mut host,
        poll("Which first?", &["Repairs", "Damp", "Rent", "Noise"]),
    )
    .await;
    go_to(&mut host, id).await;
    let mut screen = presenter_at(&c.ws_base, &code).await;

    let bases = [a, b, c].map(|n| n.ws_base.clone());
    let mut expected = two_hundred_phones(&bases, &code, id).await;
    let on_c = screen.wait_state(|v| counts(v) == expected).await;
    assert_eq!(on_c["activity"]["results"]["voters"], 200);
    host.wait_host_state(|v| host_counts(v) == expected).await;
    // B's export is the same recount.
    let csv = reqwest::Client::new()
        .get(format!(
            "{}/api/rooms/{code}/activities/{id}/export.csv",
            b.base
        ))
        .bearer_auth(&key)
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("csv");
    assert_eq!(csv.lines().count() - 1, 200, "{csv}");

    // A phone votes on A, comes back on B with its token: the same person and vote, changed once.
    let mut phone = participant_at(&a.ws_base, &code, None, Some("Ann")).await;
    phone
        .ok(json!({"type": "vote", "activity": id, "options": [3]}))
        .await;
    let (token, who) = (
        phone.token.clone().unwrap(),
        phone.participant.clone().unwrap(),
    );
    drop(phone);
    let mut moved = participant_at(&b.ws_base, &code, Some(&token), None).await;
    assert_eq!(moved.participant.as_deref(), Some(who.as_str()));
    let me = moved
        .wait_me(|me| !me["answers"].as_object().is_none_or(|a| a.is_empty()))
        .await;
    assert_eq!(me["answers"][id.to_string()]["options"], json!([3]), "{me}");
    moved
        .ok(json!({"type": "vote", "activity": id, "options": [0]}))
        .await;
    expected[0] += 1;
    let view = screen.wait_state(|v| counts(v) == expected).await;
    assert_eq!(
        view["activity"]["results"]["voters"], 201,
        "one person, one vote"
    );
}

/// Removes a key prefix from the test Redis when dropped.
struct Prefix(String);

impl Drop for Prefix {
    fn drop(&mut self) {
        let _ = handsup::store::redis::remove_prefix(&redis_url(), &self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_that_moves_to_another_node_keeps_its_identity_and_its_vote() {
    let cluster = Cluster::start(3).await;
    let [a, b, c] = &cluster.nodes[..] else {
        unreachable!()
    };
    let room = a.create_room("Meetup").await;
    let mut host = a.host(&room).await;
    let id = add(&mut host, poll("Tea or coffee?", &["Tea", "Coffee"])).await;
    go_to(&mut host, id).await;
    let mut screen = c.presenter(&room.code).await;

    let mut phone = a.participant(&room.code, None, Some("Ann")).await;
    phone
        .ok(json!({"type": "vote", "activity": id, "options": [0]}))
        .await;
    let (token, who) = (
        phone.token.clone().unwrap(),
        phone.participant.clone().unwrap(),
    );
    screen.wait_state(|v| counts(v) == vec![1, 0]).await;
    drop(phone);

    // Back on B with its token: the same person, its vote still its own, and it can change it.
    let mut moved = b.participant(&room.code, Some(&token), None).await;
    assert_eq!(moved.participant.as_deref(), Some(who.as_str()));
    let me = moved
        .wait_me(|me| !me["answers"].as_object().is_none_or(|a| a.is_empty()))
        .await;
    assert_eq!(me["name"], "Ann");
    assert_eq!(me["answers"][id.to_string()]["options"], json!([0]), "{me}");
    moved
        .ok(json!({"type": "vote", "activity": id, "options": [1]}))
        .await;
    let view = screen.wait_state(|v| counts(v) == vec![0, 1]).await;
    assert_eq!(
        view["activity"]["results"]["voters"], 1,
        "one person, one vote"
    );
    host.wait_host_state(|v| host_counts(v) == vec![0, 1]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_node_counts_who_is_connected_through_any_node() {
    let cluster = Cluster::start(3).await;
    let [a, b, c] = &cluster.nodes[..] else {
        unreachable!()
    };
    let room = a.create_room("Who is here").await;
    let mut screen = c.presenter(&room.code).await;
    let mut phones = Vec::new();
    for node in [a, a, b, b, b, c] {
        phones.push(node.participant(&room.code, None, None).await);
    }
    screen.wait_state(|v| v["online"] == 6).await;
    // Three leave (two from B, one from A): every node's count drops.
    phones.remove(4);
    phones.remove(3);
    phones.remove(0);
    screen.wait_state(|v| v["online"] == 3).await;
    let mut host = b.host(&room).await;
    let people = host.request(json!({"type": "list_people"})).await;
    let online = people["people"]
        .as_array()
        .map(|p| p.iter().filter(|p| p["online"] == true).count())
        .unwrap_or_default();
    assert_eq!(online, 3, "{people}");
    drop(phones);
    screen.wait_state(|v| v["online"] == 0).await;
    host.wait_host_state(|v| v["online"] == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_deleted_on_one_node_closes_everywhere() {
    let cluster = Cluster::start(2).await;
    let [a, b] = &cluster.nodes[..] else {
        unreachable!()
    };
    let room = a.create_room("Short one").await;
    let mut phone = b.participant(&room.code, None, None).await;
    let response = a
        .http
        .delete(format!("{}/api/rooms/{}", a.base, room.code))
        .bearer_auth(&room.host_key)
        .send()
        .await
        .expect("delete");
    assert_eq!(response.status(), 204);
    assert_eq!(phone.wait_closed().await, 4000);
    // Gone for B too: no node finds it any more.
    let missing: Value = b
        .http
        .get(format!("{}/api/rooms/{}", b.base, room.code))
        .send()
        .await
        .expect("lookup")
        .json()
        .await
        .expect("json");
    assert_eq!(missing["error"]["code"], "room_not_found", "{missing}");
}

/// The room's logged commands, as Redis holds them.
fn logged_commands(cluster: &Cluster, code: &str) -> Vec<Value> {
    let client = redis::Client::open(redis_url()).expect("redis url");
    let mut conn = client.get_connection().expect("redis");
    let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
        .arg(format!("{}room:{code}:log", cluster.prefix))
        .arg("-")
        .arg("+")
        .query(&mut conn)
        .expect("xrange");
    entries
        .into_iter()
        .filter_map(|(_, fields)| {
            let command = fields.into_iter().find(|(k, _)| k == "c")?.1;
            serde_json::from_str(&command).ok()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_countdown_is_closed_once_however_many_nodes_watch_it() {
    let cluster = Cluster::start(3).await;
    let [a, b, c] = &cluster.nodes[..] else {
        unreachable!()
    };
    let room = a.create_room("Quick vote").await;
    let mut host = a.host(&room).await;
    let id = add(&mut host, poll("Quick!", &["A", "B"])).await;
    go_to(&mut host, id).await;
    // Every node has someone watching, so every node's ticker sees the countdown run out.
    let mut screens = vec![
        a.presenter(&room.code).await,
        b.presenter(&room.code).await,
        c.presenter(&room.code).await,
    ];
    host.ok(json!({"type": "set_countdown", "activity": id, "seconds": 1}))
        .await;
    for screen in &mut screens {
        screen
            .wait_state(|v| v["activity"]["voting_open"] == false)
            .await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let closes = logged_commands(&cluster, &room.code)
        .into_iter()
        .filter(|c| c["type"] == "set_voting" && c["open"] == false)
        .count();
    assert_eq!(closes, 1, "one close in the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_holds_at_most_max_rooms_whichever_node_is_asked() {
    let cluster = Cluster::start_with(2, |config| config.max_rooms = 3).await;
    let [a, b] = &cluster.nodes[..] else {
        unreachable!()
    };
    a.create_room("one").await;
    b.create_room("two").await;
    a.create_room("three").await;
    for node in [a, b] {
        let response = node
            .http
            .post(format!("{}/api/rooms", node.base))
            .json(&json!({"title": "four"}))
            .send()
            .await
            .expect("create");
        assert_eq!(response.status(), 503);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], "too_many_rooms", "{body}");
    }
    let health: Value = b
        .http
        .get(format!("{}/healthz", b.base))
        .send()
        .await
        .expect("healthz")
        .json()
        .await
        .expect("json");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["redis"], "ok");
}
