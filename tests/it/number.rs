//! Guess the number: twenty phones guess, the screen shows the spread only when revealed, and the
//! right answer with who came closest only once voting has closed.

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn twenty_phones_guess_and_the_closest_is_named_once_voting_closes() {
    let server = TestServer::start().await;
    let room = server.create_room("Estate walk").await;
    let mut host = server.host(&room).await;
    let id = add(
        &mut host,
        json!({"kind": "number", "question": "How many bins overflow each week?", "min": 0, "max": 100, "unit": "bins", "correct": 42}),
    )
    .await;
    go_to(&mut host, id).await;
    let mut screen = server.presenter(&room.code).await;
    let mut phones = Vec::new();
    for i in 0..20u64 {
        let name = (i == 7).then_some("Priya");
        let mut phone = server.participant(&room.code, None, name).await;
        // Guesses 0, 5, 10, … 95; Priya (i = 7) first says 35, then changes it to 41.
        let value = i * 5;
        phone
            .ok(json!({"type": "estimate", "activity": id, "value": value}))
            .await;
        phones.push(phone);
    }
    phones[7]
        .ok(json!({"type": "estimate", "activity": id, "value": 41}))
        .await;
    assert_eq!(
        phones[0]
            .err(json!({"type": "estimate", "activity": id, "value": 101}))
            .await,
        "out_of_range"
    );
    let me = phones[7]
        .wait_me(|m| m["answers"][id.to_string()]["value"] == 41)
        .await;
    assert_eq!(me["answers"][id.to_string()]["kind"], "number");

    // Hidden at first: the screen shows the question, not the spread.
    let view = screen
        .wait_state(|v| v["activity"]["id"] == id && v["activity"]["responses"] == 20)
        .await;
    assert!(view["activity"].get("results").is_none(), "{view}");
    host.ok(json!({"type": "set_results", "activity": id, "shown": true}))
        .await;
    let view = screen
        .wait_state(|v| v["activity"]["results"]["count"] == 20)
        .await;
    let results = &view["activity"]["results"];
    let values: Vec<f64> = (0..20)
        .map(|i| if i == 7 { 41.0 } else { f64::from(i * 5) })
        .collect();
    let mean = values.iter().sum::<f64>() / 20.0;
    assert_eq!(results["mean"].as_f64(), Some(mean));
    let mut sorted = values.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(
        results["median"].as_f64(),
        Some((sorted[9] + sorted[10]) / 2.0)
    );
    let buckets = results["buckets"].as_array().expect("buckets");
    assert_eq!(buckets.len(), 10);
    let total: u64 = buckets.iter().filter_map(|b| b["count"].as_u64()).sum();
    assert_eq!(total, 20, "every guess in one bucket: {buckets:?}");
    assert!(results.get("correct").is_none(), "not before voting closes");

    host.ok(json!({"type": "set_voting", "activity": id, "open": false}))
        .await;
    let view = screen
        .wait_state(|v| v["activity"]["results"]["correct"] == 42)
        .await;
    assert_eq!(
        view["activity"]["results"]["closest"],
        json!([{"name": "Priya", "value": 41, "off": 1}])
    );

    // The facilitator's CSV has every guess; the published report names nobody.
    let csv = server.export_csv(&room, id).await;
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("round,participant,name,value"));
    assert_eq!(lines.count(), 20);
    assert!(csv.contains(",Priya,41"), "{csv}");
    host.ok(json!({"type": "publish_report", "published": true}))
        .await;
    let report = server.public_report(&room).await;
    let results = &report["report"]["activities"][0]["rounds"][0]["results"]["results"];
    assert_eq!(results["correct"], 42);
    assert_eq!(results["closest"], json!([{"value": 41, "off": 1}]));
    assert!(!report.to_string().contains("Priya"));
}
