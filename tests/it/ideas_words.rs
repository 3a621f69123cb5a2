use crate::support::*;
use serde_json::{Value, json};

fn idea_ids(view: &Value) -> Vec<u64> {
    view["activity"]["ideas"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["id"].as_u64()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn choose_the_topic_suggest_merge_hide_then_dot_vote() {
    let server = TestServer::start().await;
    let room = server.create_room("Online meetup").await;
    let mut host = server.host(&room).await;
    let id = add(
        &mut host,
        json!({"kind": "ideas", "prompt": "What do you want to work on today?", "max_per_participant": 2, "dots": 3}),
    )
    .await;
    go_to(&mut host, id).await;
    let mut screen = server.presenter(&room.code).await;
    let mut a = server.participant(&room.code, None, Some("Ann")).await;
    let mut b = server.participant(&room.code, None, Some("Bo")).await;
    let mut c = server.participant(&room.code, None, None).await;

    let repairs = a
        .ok(json!({"type": "submit_idea", "activity": id, "text": "repairs engagement"}))
        .await["id"]
        .as_u64()
        .unwrap();
    let team = b
        .ok(json!({"type": "submit_idea", "activity": id, "text": "getting repairs team involved"}))
        .await["id"]
        .as_u64()
        .unwrap();
    let off = c
        .ok(json!({"type": "submit_idea", "activity": id, "text": "my neighbour's cat"}))
        .await["id"]
        .as_u64()
        .unwrap();
    let damp = c
        .ok(json!({"type": "submit_idea", "activity": id, "text": "damp and mould"}))
        .await["id"]
        .as_u64()
        .unwrap();
    assert_eq!(
        c.err(json!({"type": "submit_idea", "activity": id, "text": "third"}))
            .await,
        "too_many_submissions"
    );
    assert_eq!(
        a.err(json!({"type": "submit_idea", "activity": id, "text": "Repairs  Engagement"}))
            .await,
        "duplicate_submission"
    );
    assert_eq!(
        a.err(json!({"type": "submit_idea", "activity": id, "text": "y".repeat(201)}))
            .await,
        "text_too_long"
    );
    // The suggestion wall.
    let wall = screen.wait_state(|v| idea_ids(v).len() == 4).await;
    assert_eq!(wall["activity"]["phase"], "collect");
    a.wait_me(|me| me["answers"][id.to_string()]["submitted"][0]["text"] == "repairs engagement")
        .await;

    // Between the phases: merge the duplicates, hide the off-topic one.
    host.ok(json!({"type": "merge_ideas", "activity": id, "from": team, "into": repairs}))
        .await;
    host.ok(json!({"type": "hide_idea", "activity": id, "idea": off, "hidden": true}))
        .await;
    host.ok(json!({"type": "set_ideas_phase", "activity": id, "phase": "vote"}))
        .await;
    let voting = b.wait_state(|v| v["activity"]["phase"] == "vote").await;
    assert_eq!(idea_ids(&voting), vec![repairs, damp]);
    assert_eq!(
        a.err(json!({"type": "submit_idea", "activity": id, "text": "late"}))
            .await,
        "wrong_phase"
    );
    assert_eq!(
        b.err(json!({"type": "dot_vote", "activity": id, "ideas": [off]}))
            .await,
        "idea_hidden"
    );
    assert_eq!(
        b.err(json!({"type": "dot_vote", "activity": id, "ideas": [repairs, repairs]}))
            .await,
        "too_many_dots_per_item"
    );
    assert_eq!(
        b.err(json!({"type": "dot_vote", "activity": id, "ideas": [repairs, damp, repairs, damp]}))
            .await,
        "too_many_dots"
    );

    a.ok(json!({"type": "dot_vote", "activity": id, "ideas": [repairs, damp]}))
        .await;
    b.ok(json!({"type": "dot_vote", "activity": id, "ideas": [repairs]}))
        .await;
    c.ok(json!({"type": "dot_vote", "activity": id, "ideas": [damp]}))
        .await;
    c.ok(json!({"type": "dot_vote", "activity": id, "ideas": [repairs]}))
        .await; // changed their mind

    let ranked = screen
        .wait_state(|v| v["activity"]["ideas"][0]["votes"] == 3)
        .await;
    assert_eq!(idea_ids(&ranked), vec![repairs, damp]);
    assert_eq!(ranked["activity"]["ideas"][0]["text"], "repairs engagement");
    assert_eq!(ranked["activity"]["ideas"][1]["votes"], 1);
    // The host sees the merged and hidden items and how many people each came from.
    let host_view = host
        .wait_host_state(|v| v["deck"][0]["ideas"][0]["votes"] == 3)
        .await;
    let all = host_view["deck"][0]["ideas"].as_array().unwrap();
    assert_eq!(all.len(), 4);
    assert!(all.iter().any(|i| i["id"] == off && i["hidden"] == true));
    assert!(
        all.iter()
            .any(|i| i["id"] == team && i["merged_into"] == repairs)
    );
    assert!(all.iter().any(|i| i["id"] == repairs && i["authors"] == 2));
}

#[tokio::test]
async fn the_word_cloud_counts_words_normalised_in_their_most_common_spelling() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let id = add(
        &mut host,
        json!({"kind": "wordcloud", "prompt": "One word for today?"}),
    )
    .await;
    go_to(&mut host, id).await;
    let mut screen = server.presenter(&room.code).await;
    let entries: [&[&str]; 4] = [
        &["Repairs", "hope"],
        &["  repairs ", "Damp   and mould"],
        &["repairs"],
        &["damp and mould", "HOPE", "tired"],
    ];
    for words in entries {
        let mut phone = server.participant(&room.code, None, None).await;
        phone
            .ok(json!({"type": "submit_words", "activity": id, "words": words}))
            .await;
        if words.len() == 1 {
            assert_eq!(
                phone
                    .err(json!({"type": "submit_words", "activity": id, "words": ["a", "b", "c"]}))
                    .await,
                "too_many_words"
            );
            assert_eq!(
                phone
                    .err(json!({"type": "submit_words", "activity": id, "words": ["REPAIRS"]}))
                    .await,
                "duplicate_submission"
            );
            assert_eq!(
                phone
                    .err(json!({"type": "submit_words", "activity": id, "words": ["x".repeat(26)]}))
                    .await,
                "word_too_long"
            );
        }
    }
    let view = screen.wait_state(|v| v["activity"]["total"] == 8).await;
    assert_eq!(
        view["activity"]["words"],
        json!([
            {"text": "repairs", "count": 3},
            {"text": "Damp and mould", "count": 2},
            {"text": "hope", "count": 2},
            {"text": "tired", "count": 1},
        ])
    );
}

#[tokio::test]
async fn authors_see_a_merge_or_an_approval_without_asking() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let mut host = server.host(&room).await;
    let id = add(&mut host, json!({"kind": "ideas", "prompt": "Topics?"})).await;
    let qna = add(
        &mut host,
        json!({"kind": "qna", "prompt": "Ask", "require_approval": true}),
    )
    .await;
    go_to(&mut host, id).await;
    let mut a = server.participant(&room.code, None, None).await;
    let mut b = server.participant(&room.code, None, None).await;
    let keep = a
        .ok(json!({"type": "submit_idea", "activity": id, "text": "Repairs"}))
        .await["id"]
        .as_u64()
        .unwrap();
    let dup = b
        .ok(json!({"type": "submit_idea", "activity": id, "text": "Repairs team"}))
        .await["id"]
        .as_u64()
        .unwrap();
    host.ok(json!({"type": "merge_ideas", "activity": id, "from": dup, "into": keep}))
        .await;
    // B sent nothing since: the server pushes the new state of B's own suggestion.
    b.wait_me(|m| m["answers"][id.to_string()]["submitted"][0]["merged_into"] == keep)
        .await;

    host.ok(json!({"type": "set_side_qna", "activity": qna}))
        .await;
    let question = a
        .ok(json!({"type": "ask", "activity": qna, "text": "When?"}))
        .await["id"]
        .as_u64()
        .unwrap();
    a.wait_me(|m| m["answers"][qna.to_string()]["asked"][0]["status"] == "pending")
        .await;
    host.ok(
        json!({"type": "moderate", "activity": qna, "question": question, "action": "approve"}),
    )
    .await;
    a.wait_me(|m| m["answers"][qna.to_string()]["asked"][0]["status"] == "visible")
        .await;
}
