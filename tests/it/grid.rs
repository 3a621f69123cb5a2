//! 2×2 grid: a dozen phones place the top ideas on effort × impact; each placement shows on the
//! screen at once, moving and taking back change the means, and the export has every placement.

use crate::support::*;
use serde_json::{Value, json};

fn mean(results: &Value, item: usize) -> (f64, f64) {
    let m = &results["items"][item]["mean"];
    (
        m["x"].as_f64().unwrap_or(f64::NAN),
        m["y"].as_f64().unwrap_or(f64::NAN),
    )
}

#[tokio::test]
async fn a_dozen_phones_find_the_quick_wins() {
    let server = TestServer::start().await;
    let room = server.create_room("Estate walk").await;
    let mut host = server.host(&room).await;
    let id = add(
        &mut host,
        json!({"kind": "grid", "question": "Where does each idea sit?",
               "items": ["Fix the hall lights", "New community garden", "Monthly litter pick"],
               "x": {"label": "Effort", "low": "Little", "high": "A lot"},
               "y": {"label": "Impact", "low": "Small", "high": "Big"},
               "quadrants": ["Quick wins", "Big projects", "Fill-ins", "Not worth it"]}),
    )
    .await;
    go_to(&mut host, id).await;
    let mut screen = server.presenter(&room.code).await;
    let view = screen.wait_state(|v| v["activity"]["id"] == id).await;
    assert_eq!(view["activity"]["quadrants"][0], "Quick wins");
    assert_eq!(view["activity"]["results"]["voters"], 0);

    // One placement shows on the screen before anyone sends anything else.
    let mut first = server.participant(&room.code, None, Some("Priya")).await;
    first
        .ok(json!({"type": "place", "activity": id, "item": 0, "x": 10, "y": 90}))
        .await;
    let view = screen
        .wait_state(|v| v["activity"]["results"]["items"][0]["count"] == 1)
        .await;
    assert_eq!(
        view["activity"]["results"]["items"][0]["quadrant"],
        "top_left"
    );

    // Eleven more: the lights are easy and matter (x 10..30, y 80..100); the garden is a big
    // project everyone agrees on (x 80, y 70).
    let mut phones = vec![first];
    for i in 1..12u32 {
        let mut phone = server.participant(&room.code, None, None).await;
        phone
            .ok(json!({"type": "place", "activity": id, "item": 0, "x": 10 + i % 3 * 10, "y": 80 + i % 3 * 10}))
            .await;
        phone
            .ok(json!({"type": "place", "activity": id, "item": 1, "x": 80, "y": 70}))
            .await;
        phones.push(phone);
    }
    // Priya moves her lights; one phone takes its garden back.
    phones[0]
        .ok(json!({"type": "place", "activity": id, "item": 0, "x": 20, "y": 90}))
        .await;
    phones[5]
        .ok(json!({"type": "unplace", "activity": id, "item": 1}))
        .await;
    assert_eq!(
        phones[5]
            .err(json!({"type": "unplace", "activity": id, "item": 1}))
            .await,
        "not_voted"
    );
    assert_eq!(
        phones[1]
            .err(json!({"type": "place", "activity": id, "item": 9, "x": 1, "y": 1}))
            .await,
        "option_not_found"
    );
    assert_eq!(
        phones[1]
            .err(json!({"type": "place", "activity": id, "item": 0, "x": 101, "y": 1}))
            .await,
        "out_of_range"
    );
    let me = phones[0]
        .wait_me(|m| m["answers"][id.to_string()]["placements"][0]["x"] == 20)
        .await;
    assert_eq!(
        me["answers"][id.to_string()],
        json!({"kind": "grid", "placements": [{"item": 0, "x": 20, "y": 90}]})
    );

    // Lights: Priya at (20, 90) and eleven at x = 10 + (i mod 3)·10, y = 80 + (i mod 3)·10.
    let xs: Vec<f64> = std::iter::once(20.0)
        .chain((1..12).map(|i| f64::from(10 + i % 3 * 10)))
        .collect();
    let ys: Vec<f64> = std::iter::once(90.0)
        .chain((1..12).map(|i| f64::from(80 + i % 3 * 10)))
        .collect();
    let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let sd = |v: &[f64]| {
        let m = avg(v);
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
    };
    // The screen shows the take-back and Priya's move (her count is the same before and after
    // it, her place is not).
    let view = screen
        .wait_state(|v| {
            let results = &v["activity"]["results"];
            results["items"][1]["count"] == 10
                && results["items"][0]["count"] == 12
                && (mean(results, 0).0 - avg(&xs)).abs() < 1e-9
        })
        .await;
    let results = &view["activity"]["results"];
    assert_eq!(results["voters"], 12);
    let (mx, my) = mean(results, 0);
    assert!((mx - avg(&xs)).abs() < 1e-9 && (my - avg(&ys)).abs() < 1e-9);
    let spread = &results["items"][0]["spread"];
    assert!((spread["x"].as_f64().unwrap_or(-1.0) - sd(&xs)).abs() < 1e-9);
    assert!((spread["y"].as_f64().unwrap_or(-1.0) - sd(&ys)).abs() < 1e-9);
    assert_eq!(results["items"][0]["quadrant"], "top_left");
    assert_eq!(mean(results, 1), (80.0, 70.0));
    assert_eq!(results["items"][1]["spread"], json!({"x": 0.0, "y": 0.0}));
    assert_eq!(results["items"][1]["quadrant"], "top_right");
    assert_eq!(results["items"][2], json!({"count": 0}));

    // Hiding the results hides them from the screen, not from the console.
    host.ok(json!({"type": "set_results", "activity": id, "shown": false}))
        .await;
    let view = screen
        .wait_state(|v| v["activity"]["results_shown"] == false)
        .await;
    assert!(view["activity"].get("results").is_none(), "{view}");

    // The CSV has every placement, with the item's text.
    let csv = server.export_csv(&room, id).await;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("round,participant,name,item_id,item,x,y")
    );
    assert_eq!(lines.count(), 12 + 10);
    assert!(
        csv.contains("1,1,Priya,0,Fix the hall lights,20,90"),
        "{csv}"
    );
}
