//! Every activity type through the real server: a full round with 100 phones each, and the
//! controls every activity shares.

use crate::support::*;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// A hundred phones connected and joined, each on its own task-free client.
async fn phones(server: &TestServer, code: &str, n: usize) -> Vec<Client> {
    let mut all = Vec::with_capacity(n);
    for i in 0..n {
        all.push(server.participant(code, None, Some(&format!("P{i}"))).await);
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_150_statement_self_assessment_by_30_people_agrees_with_a_recount() {
    let server = TestServer::start().await;
    let room = server.create_room("Team self-assessment").await;
    let mut host = server.host(&room).await;
    let themes = [
        "Repairs",
        "Complaints",
        "Involvement",
        "Communication",
        "Safety",
    ];
    let statements: Vec<Value> = (0..150)
        .map(|i| json!({"text": format!("Outcome {i}: we do this well"), "theme": themes[i % 5]}))
        .collect();
    let id = add(
        &mut host,
        json!({"kind": "scales", "prompt": "Rate each outcome", "statements": statements,
               "min": 1, "max": 5, "min_label": "Not at all", "max_label": "Fully", "highlight": 5}),
    )
    .await;
    // Audience-paced: everyone works through the framework at their own pace.
    host.ok(json!({"type": "set_pacing", "pacing": "audience"}))
        .await;
    let mut screen = server.presenter(&room.code).await;
    go_to(&mut host, id).await;
    let hidden = screen.wait_state(|v| v["activity"]["id"] == id).await;
    assert_eq!(
        hidden["activity"]["results_shown"], false,
        "scores stay hidden until revealed"
    );
    assert!(hidden["activity"].get("results").is_none());

    let mut rng = rand::rngs::StdRng::seed_from_u64(96);
    // raw[statement] = every value given (skips left out).
    let mut raw: Vec<Vec<i64>> = vec![Vec::new(); 150];
    let mut people = phones(&server, &room.code, 30).await;
    for phone in people.iter_mut() {
        let view = phone
            .wait_state(|v| v["deck"].as_array().is_some_and(|d| !d.is_empty()))
            .await;
        assert_eq!(view["pacing"], "audience");
        // Each person has a leaning, and some statements split the team.
        let leaning: i64 = rng.random_range(-1..=1);
        let mut mine: BTreeMap<usize, Option<i64>> = BTreeMap::new();
        for statement in 0..150usize {
            let value = if rng.random_bool(0.05) {
                None
            } else {
                let base = 1 + (statement as i64 * 7 % 5);
                let v = if statement % 10 == 3 {
                    [1, 5][rng.random_range(0..2)]
                } else {
                    base + leaning
                };
                Some(v.clamp(1, 5))
            };
            mine.insert(statement, value);
        }
        // Pages of ten, then a change of mind on one statement.
        for page in 0..15 {
            let ratings: Vec<Value> = (page * 10..page * 10 + 10)
                .map(|s| json!({"statement": s, "value": mine[&s]}))
                .collect();
            phone
                .ok(json!({"type": "rate", "activity": id, "ratings": ratings}))
                .await;
        }
        mine.insert(0, Some(3));
        phone
            .ok(json!({"type": "rate", "activity": id, "ratings": [{"statement": 0, "value": 3}]}))
            .await;
        for (statement, value) in mine {
            if let Some(v) = value {
                raw[statement].push(v);
            }
        }
    }
    // A reload resumes where the person was.
    let token = people[0].token.clone().unwrap();
    let mut again = server.participant(&room.code, Some(&token), None).await;
    let me = again
        .wait_me(|m| m["answers"][id.to_string()]["ratings"].as_array().is_some())
        .await;
    assert_eq!(
        me["answers"][id.to_string()]["ratings"]
            .as_array()
            .unwrap()
            .len(),
        150
    );

    host.ok(json!({"type": "set_results", "activity": id, "shown": true}))
        .await;
    let view = screen
        .wait_state(|v| v["activity"]["results"].is_object() && v["activity"]["responses"] == 30)
        .await;
    let results = &view["activity"]["results"];

    // The recount, from the raw ratings alone.
    let mean = |v: &Vec<i64>| v.iter().sum::<i64>() as f64 / v.len() as f64;
    let spread = |v: &Vec<i64>| {
        let m = mean(v);
        (v.iter().map(|x| (*x as f64 - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
    };
    for (statement, values) in raw.iter().enumerate() {
        let got = &results["statements"][statement];
        assert_eq!(got["count"], values.len(), "statement {statement}");
        assert!((got["mean"].as_f64().unwrap() - mean(values)).abs() < 1e-9);
        assert!((got["spread"].as_f64().unwrap() - spread(values)).abs() < 1e-9);
        let distribution: Vec<u64> = (1..=5)
            .map(|x| values.iter().filter(|v| **v == x).count() as u64)
            .collect();
        assert_eq!(got["distribution"], json!(distribution));
    }
    let mut order: Vec<usize> = (0..150).collect();
    order.sort_by(|a, b| mean(&raw[*b]).total_cmp(&mean(&raw[*a])).then(a.cmp(b)));
    assert_eq!(results["strengths"], json!(order[..5]));
    order.sort_by(|a, b| mean(&raw[*a]).total_cmp(&mean(&raw[*b])).then(a.cmp(b)));
    assert_eq!(results["weaknesses"], json!(order[..5]));
    order.sort_by(|a, b| spread(&raw[*b]).total_cmp(&spread(&raw[*a])).then(a.cmp(b)));
    assert_eq!(results["talk_about"], json!(order[..5]));
    for (t, theme) in themes.iter().enumerate() {
        let all: Vec<i64> = (0..150)
            .filter(|s| s % 5 == t)
            .flat_map(|s| raw[s].clone())
            .collect();
        let got = results["themes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["theme"] == *theme)
            .unwrap();
        assert_eq!(got["count"], all.len());
        assert!((got["mean"].as_f64().unwrap() - mean(&all)).abs() < 1e-9);
    }
    assert_eq!(
        again
            .err(json!({"type": "rate", "activity": id, "ratings": [{"statement": 0, "value": 6}]}))
            .await,
        "out_of_range"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_phones_rank_split_points_and_answer_a_quiz() {
    let server = TestServer::start().await;
    let room = server.create_room("Plenary").await;
    let mut host = server.host(&room).await;
    let ranking = add(&mut host, json!({"kind": "ranking", "question": "Order these", "options": ["Repairs", "Safety", "Communication"]})).await;
    let points = add(&mut host, json!({"kind": "points", "question": "Split 100", "options": ["Repairs", "Parks"], "total": 100})).await;
    let quiz = add(&mut host, json!({"kind": "quiz", "question": "Welsh councils?", "options": ["Cardiff", "Leeds", "Swansea"], "correct": [0, 2], "time_limit_secs": 60})).await;
    let board = add(
        &mut host,
        json!({"kind": "leaderboard", "title": "Top ten"}),
    )
    .await;
    let scales = add(
        &mut host,
        json!({"kind": "scales", "statements": [{"text": "Useful"}, {"text": "Well run"}]}),
    )
    .await;
    let timer = add(
        &mut host,
        json!({"kind": "timer", "title": "Break", "duration_secs": 300}),
    )
    .await;
    let mut screen = server.presenter(&room.code).await;
    let mut people = phones(&server, &room.code, 100).await;

    go_to(&mut host, ranking).await;
    let mut borda = [0u64; 3];
    for (i, phone) in people.iter_mut().enumerate() {
        let order = match i % 3 {
            0 => [0, 1, 2],
            1 => [1, 0, 2],
            _ => [0, 2, 1],
        };
        phone
            .ok(json!({"type": "rank", "activity": ranking, "order": order}))
            .await;
        for (place, option) in order.iter().enumerate() {
            borda[*option] += 2 - place as u64;
        }
    }
    let view = screen
        .wait_state(|v| v["activity"]["id"] == ranking && v["activity"]["results"]["voters"] == 100)
        .await;
    let ranked = view["activity"]["results"]["ranking"].as_array().unwrap();
    let mut expected: Vec<(usize, u64)> = borda.iter().copied().enumerate().collect();
    expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let got: Vec<(usize, u64)> = ranked
        .iter()
        .map(|r| {
            (
                r["id"].as_u64().unwrap() as usize,
                r["score"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected);

    go_to(&mut host, points).await;
    let mut totals = [0u64; 2];
    for (i, phone) in people.iter_mut().enumerate() {
        let repairs = (i as u64 * 7) % 101;
        phone
            .ok(json!({"type": "allocate", "activity": points, "points": [{"option": 0, "points": repairs}, {"option": 1, "points": 100 - repairs}]}))
            .await;
        totals[0] += repairs;
        totals[1] += 100 - repairs;
    }
    assert_eq!(
        people[0].err(json!({"type": "allocate", "activity": points, "points": [{"option": 0, "points": 101}]})).await,
        "over_budget"
    );
    let view = screen
        .wait_state(|v| v["activity"]["id"] == points && v["activity"]["results"]["voters"] == 100)
        .await;
    assert_eq!(view["activity"]["results"]["totals"], json!(totals));

    go_to(&mut host, quiz).await;
    assert_eq!(
        people[0]
            .err(json!({"type": "quiz_answer", "activity": quiz, "options": [0, 2]}))
            .await,
        "quiz_not_started"
    );
    host.ok(json!({"type": "start_quiz", "activity": quiz}))
        .await;
    let mut right = 0;
    for (i, phone) in people.iter_mut().enumerate() {
        let options = if i % 4 == 0 {
            json!([1])
        } else {
            json!([2, 0])
        };
        phone
            .ok(json!({"type": "quiz_answer", "activity": quiz, "options": options}))
            .await;
        if i % 4 != 0 {
            right += 1;
        }
    }
    assert_eq!(
        people[1]
            .err(json!({"type": "quiz_answer", "activity": quiz, "options": [0, 2]}))
            .await,
        "already_voted"
    );
    // Hidden until revealed: the correct options are not on anyone's screen yet.
    let before = screen
        .wait_state(|v| v["activity"]["id"] == quiz && v["activity"]["responses"] == 100)
        .await;
    assert!(before["activity"].get("results").is_none());
    host.ok(json!({"type": "set_results", "activity": quiz, "shown": true}))
        .await;
    let after = screen
        .wait_state(|v| v["activity"]["results"]["answered"] == 100)
        .await;
    assert_eq!(after["activity"]["results"]["correct"], json!([0, 2]));
    assert_eq!(after["activity"]["results"]["correct_answers"], right);

    go_to(&mut host, board).await;
    let view = screen
        .wait_state(|v| v["activity"]["kind"] == "leaderboard")
        .await;
    let top = view["activity"]["top"].as_array().unwrap();
    assert_eq!(top.len(), 10);
    assert_eq!(view["activity"]["players"], 100);
    assert!(
        top.windows(2)
            .all(|w| w[0]["score"].as_u64() >= w[1]["score"].as_u64())
    );
    assert_eq!(top[0]["rank"], 1);
    assert!(top[0]["score"].as_u64().unwrap() >= 500);
    // Each phone asks for its own standing; the fastest correct answer is first.
    let me = {
        let first = &mut people[1];
        first.ok(json!({"type": "sync"})).await;
        first
            .wait_me(|m| m["answers"][board.to_string()]["kind"] == "leaderboard")
            .await
    };
    let standing = &me["answers"][board.to_string()];
    assert_eq!(standing["players"], 100);
    assert_eq!(
        standing["rank"], 1,
        "the first correct answer has the top score (perhaps shared)"
    );
    assert_eq!(top[0]["score"], standing["score"]);
    let wrong = {
        let p = &mut people[0];
        p.ok(json!({"type": "sync"})).await;
        p.wait_me(|m| m["answers"][board.to_string()]["kind"] == "leaderboard")
            .await
    };
    assert_eq!(wrong["answers"][board.to_string()]["score"], 0);
    assert_eq!(
        wrong["answers"][board.to_string()]["rank"],
        right as u64 + 1,
        "all wrong answers share the last rank"
    );

    // A hundred rate two statements (some skip); the hidden results, once shown, count them all.
    go_to(&mut host, scales).await;
    let mut sums = [0i64; 2];
    let mut skips = 0;
    for (i, phone) in people.iter_mut().enumerate() {
        let first = 1 + (i as i64 % 5);
        let second = if i % 10 == 0 {
            None
        } else {
            Some(5 - (i as i64 % 5))
        };
        phone
            .ok(json!({"type": "rate", "activity": scales, "ratings": [{"statement": 0, "value": first}, {"statement": 1, "value": second}]}))
            .await;
        sums[0] += first;
        match second {
            Some(v) => sums[1] += v,
            None => skips += 1,
        }
    }
    host.ok(json!({"type": "set_results", "activity": scales, "shown": true}))
        .await;
    let view = screen
        .wait_state(|v| {
            v["activity"]["id"] == scales
                && v["activity"]["results"]["statements"][0]["count"] == 100
        })
        .await;
    let results = &view["activity"]["results"]["statements"];
    assert_eq!(results[0]["mean"].as_f64().unwrap(), sums[0] as f64 / 100.0);
    assert_eq!(results[1]["count"], 100 - skips);
    assert_eq!(results[1]["skips"], skips);
    assert_eq!(
        results[1]["mean"].as_f64().unwrap(),
        sums[1] as f64 / (100 - skips) as f64
    );

    // A hundred see the same timer and send reactions; the screen counts every one.
    go_to(&mut host, timer).await;
    host.ok(json!({"type": "timer", "activity": timer, "action": "start"}))
        .await;
    let started = screen
        .wait_state(|v| v["activity"]["running_since"].is_i64())
        .await["activity"]["running_since"]
        .clone();
    for (i, phone) in people.iter_mut().enumerate() {
        let seen = phone
            .wait_state(|v| v["activity"]["running_since"].is_i64())
            .await;
        assert_eq!(seen["activity"]["running_since"], started);
        let reaction = if i % 2 == 0 { "clap" } else { "heart" };
        phone
            .ok(json!({"type": "react", "reaction": reaction}))
            .await;
    }
    let view = screen
        .wait_state(|v| v["reactions"]["clap"] == 50 && v["reactions"]["heart"] == 50)
        .await;
    assert_eq!(view["reactions"]["thumbs_up"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderated_qna_with_a_hundred_askers_and_voters() {
    let server = TestServer::start().await;
    let room = server.create_room("Fishbowl").await;
    let mut host = server.host(&room).await;
    let qna = add(&mut host, json!({"kind": "qna", "prompt": "Questions for the councillor", "require_approval": true, "allow_anonymous": true})).await;
    let closing = add(&mut host, poll("Top takeaway?", &["Repairs", "Damp"])).await;
    go_to(&mut host, qna).await;
    let mut screen = server.presenter(&room.code).await;
    let mut people = phones(&server, &room.code, 100).await;
    let mut asked = Vec::new();
    for (i, phone) in people.iter_mut().take(10).enumerate() {
        let ack = phone
            .ok(json!({"type": "ask", "activity": qna, "text": format!("Question {i} about repairs"), "anonymous": i % 2 == 1}))
            .await;
        asked.push(ack["id"].as_u64().unwrap());
    }
    // Nothing is public before approval.
    let view = screen.wait_state(|v| v["activity"]["id"] == qna).await;
    assert_eq!(view["activity"]["questions"], json!([]));
    assert_eq!(
        people[20]
            .err(json!({"type": "upvote", "activity": qna, "question": asked[0], "up": true}))
            .await,
        "question_not_found"
    );
    let host_view = host
        .wait_host_state(|v| v["deck"][0]["pending"] == 10)
        .await;
    assert_eq!(
        host_view["deck"][0]["questions"].as_array().unwrap().len(),
        10
    );
    for id in &asked[..9] {
        host.ok(json!({"type": "moderate", "activity": qna, "question": id, "action": "approve"}))
            .await;
    }
    // Question k gets k upvotes (from distinct people); one person votes twice and withdraws.
    for (k, id) in asked[..9].iter().enumerate() {
        for voter in 0..k {
            people[20 + voter]
                .ok(json!({"type": "upvote", "activity": qna, "question": id, "up": true}))
                .await;
        }
    }
    // A second upvote from the same person is refused and counts nothing.
    assert_eq!(
        people[20]
            .err(json!({"type": "upvote", "activity": qna, "question": asked[8], "up": true}))
            .await,
        "already_voted"
    );
    people[99]
        .ok(json!({"type": "upvote", "activity": qna, "question": asked[8], "up": true}))
        .await;
    people[99]
        .ok(json!({"type": "upvote", "activity": qna, "question": asked[8], "up": false}))
        .await;
    host.ok(json!({"type": "moderate", "activity": qna, "question": asked[2], "action": "pin"}))
        .await;
    host.ok(
        json!({"type": "moderate", "activity": qna, "question": asked[8], "action": "answered"}),
    )
    .await;
    let view = screen
        .wait_state(|v| {
            v["activity"]["questions"]
                .as_array()
                .is_some_and(|q| q.len() == 9 && q[0]["pinned"] == true && q[8]["answered"] == true)
        })
        .await;
    let order: Vec<u64> = view["activity"]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_u64().unwrap())
        .collect();
    let mut expected = vec![asked[2]];
    expected.extend([
        asked[7], asked[6], asked[5], asked[4], asked[3], asked[1], asked[0],
    ]);
    expected.push(asked[8]);
    assert_eq!(order, expected, "pinned, then most votes, answered last");
    let answered = &view["activity"]["questions"][8];
    assert_eq!(answered["votes"], 8);
    assert!(
        view["activity"]["questions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["name"] == "P0")
    );
    assert!(
        view["activity"]["questions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["name"] != "P1"),
        "anonymous"
    );

    // The Q&A stays open as a side lane while the closing poll is current.
    host.ok(json!({"type": "set_side_qna", "activity": qna}))
        .await;
    go_to(&mut host, closing).await;
    let phone = &mut people[50];
    let view = phone
        .wait_state(|v| v["activity"]["id"] == closing && v["side"]["id"] == qna)
        .await;
    assert_eq!(view["side"]["kind"], "qna");
    phone
        .ok(json!({"type": "ask", "activity": qna, "text": "One more, late", "anonymous": false}))
        .await;
    phone
        .ok(json!({"type": "vote", "activity": closing, "options": [0]}))
        .await;
    host.ok(json!({"type": "set_side_qna"})).await;
    assert_eq!(
        phone
            .err(
                json!({"type": "ask", "activity": qna, "text": "Too late now", "anonymous": false})
            )
            .await,
        "activity_not_current"
    );
}

#[tokio::test]
async fn countdowns_close_voting_by_themselves() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let id = add(&mut host, poll("Quick!", &["A", "B"])).await;
    go_to(&mut host, id).await;
    let mut phone = server.participant(&room.code, None, None).await;
    let asked_at = handsup::hub::now_ms();
    host.ok(json!({"type": "set_countdown", "activity": id, "seconds": 1}))
        .await;
    let acked_at = handsup::hub::now_ms();
    let view = phone
        .wait_state(|v| v["activity"]["closes_at"].is_i64())
        .await;
    let closes_at = view["activity"]["closes_at"].as_i64().unwrap();
    // One second after the moment the server applied the command (between sending and the ack).
    assert!(
        (asked_at + 1_000..=acked_at + 1_000).contains(&closes_at),
        "closes_at {closes_at} is not 1 s after the command ({asked_at}..{acked_at})"
    );
    phone
        .ok(json!({"type": "vote", "activity": id, "options": [0]}))
        .await;
    let closed = phone
        .wait_state(|v| v["activity"]["voting_open"] == false)
        .await;
    assert!(closed["activity"].get("closes_at").is_none());
    assert!(handsup::hub::now_ms() >= closes_at);
    assert_eq!(
        phone
            .err(json!({"type": "vote", "activity": id, "options": [1]}))
            .await,
        "voting_closed"
    );
    assert_eq!(
        host.err(json!({"type": "set_countdown", "activity": id, "seconds": 0}))
            .await,
        "out_of_range"
    );
}

#[tokio::test]
async fn phones_can_be_kept_from_results_and_results_reset_into_a_new_round() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let id = add(&mut host, poll("Again?", &["A", "B"])).await;
    go_to(&mut host, id).await;
    let mut phone = server.participant(&room.code, None, None).await;
    let mut screen = server.presenter(&room.code).await;
    phone
        .ok(json!({"type": "vote", "activity": id, "options": [1]}))
        .await;
    host.ok(json!({"type": "set_phone_results", "activity": id, "shown": false}))
        .await;
    screen.wait_state(|v| counts(v) == vec![0, 1]).await;
    let on_phone = phone
        .wait_state(|v| v["activity"]["phones_see_results"] == false)
        .await;
    assert!(on_phone["activity"].get("results").is_none());
    assert_eq!(on_phone["activity"]["results_shown"], false);

    host.ok(json!({"type": "reset_results", "activity": id}))
        .await;
    let view = screen.wait_state(|v| v["activity"]["round"] == 2).await;
    assert_eq!(counts(&view), vec![0, 0]);
    phone
        .ok(json!({"type": "vote", "activity": id, "options": [0]}))
        .await;
    screen.wait_state(|v| counts(v) == vec![1, 0]).await;
    // The earlier round survives a restart too (it is in the log).
    let server = server.restart().await;
    let mut screen = server.presenter(&room.code).await;
    let view = screen.wait_state(|v| v["activity"]["round"] == 2).await;
    assert_eq!(counts(&view), vec![1, 0]);
}

#[tokio::test]
async fn info_timer_and_reactions_stay_in_step_on_every_screen() {
    let server = TestServer::start().await;
    let room = server.create_room("Meetup").await;
    let mut host = server.host(&room).await;
    let info = add(&mut host, json!({"kind": "info", "title": "Nine-minute networking", "body": "Introduce yourself.\nThen talk about:", "points": ["A win this month", " ", "Where you are stuck"]})).await;
    let timer = add(
        &mut host,
        json!({"kind": "timer", "title": "Round one", "duration_secs": 540}),
    )
    .await;
    go_to(&mut host, info).await;
    let mut phone = server.participant(&room.code, None, None).await;
    let mut screen = server.presenter(&room.code).await;
    let view = phone.wait_state(|v| v["activity"]["kind"] == "info").await;
    assert_eq!(
        view["activity"]["points"],
        json!(["A win this month", "Where you are stuck"])
    );
    assert_eq!(
        view["activity"]["body"],
        "Introduce yourself.\nThen talk about:"
    );
    assert_eq!(
        phone
            .err(json!({"type": "vote", "activity": info, "options": [0]}))
            .await,
        "not_answerable"
    );

    go_to(&mut host, timer).await;
    host.ok(json!({"type": "timer", "activity": timer, "action": "start"}))
        .await;
    let running = phone
        .wait_state(|v| v["activity"]["running_since"].is_i64())
        .await;
    let since = running["activity"]["running_since"].as_i64().unwrap();
    let on_screen = screen
        .wait_state(|v| v["activity"]["running_since"].is_i64())
        .await;
    assert_eq!(
        on_screen["activity"]["running_since"], since,
        "one start time for every screen"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    host.ok(json!({"type": "timer", "activity": timer, "action": "pause"}))
        .await;
    let paused = screen
        .wait_state(|v| {
            v["activity"]["kind"] == "timer" && v["activity"].get("running_since").is_none()
        })
        .await;
    let elapsed = paused["activity"]["elapsed_ms"].as_i64().unwrap();
    assert!((250..5_000).contains(&elapsed), "{elapsed}");
    let server_time = screen.state.as_ref().unwrap()["server_time"]
        .as_i64()
        .unwrap();
    assert!((server_time - handsup::hub::now_ms()).abs() < 5_000);

    for reaction in ["clap", "clap", "heart"] {
        phone
            .ok(json!({"type": "react", "reaction": reaction}))
            .await;
    }
    assert_eq!(
        phone
            .err(json!({"type": "react", "reaction": "shrug"}))
            .await,
        "invalid_message"
    );
    // A frame may go out between the claps and the heart: wait for the one with all three.
    let view = screen
        .wait_state(|v| v["reactions"]["clap"] == 2 && v["reactions"]["heart"] == 1)
        .await;
    assert_eq!(view["reactions"]["thumbs_up"], 0);
    assert!(
        phone.state.as_ref().unwrap()["view"]
            .get("reactions")
            .is_none(),
        "phones are not sent the counts"
    );
}

/// Pairs of names that share a group, from a presenter view.
fn pairs_in(view: &Value) -> std::collections::BTreeSet<(String, String)> {
    let mut pairs = std::collections::BTreeSet::new();
    for group in view["activity"]["groups"].as_array().unwrap() {
        let names: Vec<String> = group["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_string())
            .collect();
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                pairs.insert(if a < b {
                    (a.clone(), b.clone())
                } else {
                    (b.clone(), a.clone())
                });
            }
        }
    }
    pairs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nine_minute_networking_remixes_groups_and_places_latecomers() {
    let server = TestServer::start().await;
    let room = server.create_room("Meetup").await;
    let mut host = server.host(&room).await;
    let id = add(&mut host, json!({"kind": "groups", "title": "Nine-minute networking", "talking_points": ["A win this month", "Where you are stuck"], "duration_secs": 540})).await;
    go_to(&mut host, id).await;
    let mut people = phones(&server, &room.code, 14).await;
    let mut screen = server.presenter(&room.code).await;
    screen.wait_state(|v| v["online"] == 14).await;

    host.ok(json!({"type": "start_groups", "activity": id}))
        .await;
    let first = screen
        .wait_state(|v| v["activity"]["groups_round"] == 1)
        .await;
    let sizes: Vec<usize> = first["activity"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["members"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, vec![4, 4, 3, 3]);
    assert!(
        first["activity"]["timer"]["running_since"].is_i64(),
        "the countdown runs"
    );
    // Every phone learns its group and who is in it.
    for (i, phone) in people.iter_mut().enumerate() {
        phone.ok(json!({"type": "sync"})).await;
        let me = phone
            .wait_me(|m| m["answers"][id.to_string()]["kind"] == "groups")
            .await;
        let mine = &me["answers"][id.to_string()];
        let group = &first["activity"]["groups"][mine["group"].as_u64().unwrap() as usize - 1];
        assert!(
            group["members"]
                .as_array()
                .unwrap()
                .contains(&json!(format!("P{i}")))
        );
        assert_eq!(
            mine["with"].as_array().unwrap().len() + 1,
            group["members"].as_array().unwrap().len()
        );
    }

    host.ok(json!({"type": "start_groups", "activity": id}))
        .await;
    let second = screen
        .wait_state(|v| v["activity"]["groups_round"] == 2)
        .await;
    let again: Vec<_> = pairs_in(&first)
        .intersection(&pairs_in(&second))
        .cloned()
        .collect();
    assert!(
        again.is_empty(),
        "round two re-mixes: nobody meets the same person twice ({again:?})"
    );

    // A latecomer joins the running round; nobody else moves.
    let _late = server.participant(&room.code, None, Some("Late")).await;
    let after = screen
        .wait_state(|v| v["activity"]["responses"] == 15)
        .await;
    let groups_before = second["activity"]["groups"].as_array().unwrap();
    let groups_after = after["activity"]["groups"].as_array().unwrap();
    let mut grown = 0;
    for (old, new) in groups_before.iter().zip(groups_after) {
        let old = old["members"].as_array().unwrap();
        let new = new["members"].as_array().unwrap();
        assert_eq!(&new[..old.len()], &old[..]);
        grown += new.len() - old.len();
    }
    assert_eq!(grown, 1);

    // The rounds are in the log: a restart shows the same groups.
    let server = server.restart().await;
    let mut screen = server.presenter(&room.code).await;
    let replayed = screen
        .wait_state(|v| v["activity"]["groups_round"] == 2)
        .await;
    assert_eq!(replayed["activity"]["groups"], after["activity"]["groups"]);
    drop(people);
}

#[tokio::test]
async fn a_solution_circle_runs_turns_discussion_and_feedback() {
    let server = TestServer::start().await;
    let room = server.create_room("Meetup").await;
    let mut host = server.host(&room).await;
    let id = add(&mut host, json!({"kind": "circle", "title": "Solution circle", "challenge": "Getting the repairs team invested", "turn_secs": 60, "discussion_secs": 300})).await;
    go_to(&mut host, id).await;
    let mut people = phones(&server, &room.code, 5).await;
    let mut screen = server.presenter(&room.code).await;
    screen.wait_state(|v| v["online"] == 5).await;

    let listed = host.request(json!({"type": "list_people"})).await;
    assert_eq!(listed["type"], "people");
    let sharer = listed["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "P0")
        .unwrap()["id"]
        .clone();
    assert!(
        listed["people"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["online"] == true)
    );
    host.ok(json!({"type": "circle_setup", "activity": id, "sharer": sharer}))
        .await;
    let view = screen
        .wait_state(|v| v["activity"]["phase"] == "turns")
        .await;
    assert_eq!(view["activity"]["sharer"], "P0");
    let order: Vec<String> = view["activity"]["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    assert_eq!(order.len(), 4, "everyone but the sharer speaks");
    assert!(!order.contains(&"P0".to_string()));

    // Each phone knows its part; only the current speaker may post.
    let phone_of = |name: &str| name[1..].parse::<usize>().unwrap();
    for (i, phone) in people.iter_mut().enumerate() {
        phone.ok(json!({"type": "sync"})).await;
        let me = phone
            .wait_me(|m| m["answers"][id.to_string()]["kind"] == "circle")
            .await;
        let part = &me["answers"][id.to_string()];
        if i == 0 {
            assert_eq!(part["role"], "sharer");
        } else {
            assert_eq!(part["role"], "speaker");
            assert_eq!(part["your_turn"], order[0] == format!("P{i}"));
        }
    }
    let first = phone_of(&order[0]);
    let second = phone_of(&order[1]);
    people[first]
        .ok(json!({"type": "circle_post", "activity": id, "text": "Invite the repairs manager"}))
        .await;
    assert_eq!(
        people[second]
            .err(json!({"type": "circle_post", "activity": id, "text": "Me next"}))
            .await,
        "not_your_turn"
    );
    host.ok(json!({"type": "circle_next", "activity": id}))
        .await;
    people[second]
        .ok(json!({"type": "circle_post", "activity": id, "text": "Shadow a repairs visit"}))
        .await;
    for _ in 0..3 {
        host.ok(json!({"type": "circle_next", "activity": id}))
            .await; // the other turns, then discussion
    }
    let view = screen
        .wait_state(|v| v["activity"]["phase"] == "discussion")
        .await;
    assert_eq!(view["activity"]["timer"]["duration_ms"], 300_000);
    host.ok(json!({"type": "circle_next", "activity": id}))
        .await;
    assert_eq!(
        people[first]
            .err(json!({"type": "circle_post", "activity": id, "text": "x"}))
            .await,
        "not_your_turn"
    );
    people[0].ok(json!({"type": "circle_post", "activity": id, "text": "Shadowing a visit: I will try it"})).await;
    let view = screen
        .wait_state(|v| {
            v["activity"]["feedback"]
                .as_array()
                .is_some_and(|f| f.len() == 1)
        })
        .await;
    assert_eq!(
        view["activity"]["ideas"][0]["text"],
        "Invite the repairs manager"
    );
    assert_eq!(view["activity"]["ideas"][1]["turn"], 2);

    // The ideas are kept with the session.
    let csv = server.export_csv(&room, id).await;
    assert!(
        csv.contains(&format!("1,idea,1,{},Invite the repairs manager", order[0])),
        "{csv}"
    );
    assert!(
        csv.contains("1,feedback,,P0,Shadowing a visit: I will try it"),
        "{csv}"
    );
    assert_eq!(
        people[1].err(json!({"type": "list_people"})).await,
        "not_host"
    );
}
