//! Results as an image (`results.svg`, `results.png`): the report's access rules, what the image
//! shows and withholds, and PNGs that are real pictures.

use crate::support::*;
use resvg::tiny_skia::Pixmap;
use serde_json::{Value, json};
use std::collections::HashSet;

fn image_url(server: &TestServer, code: &str, activity: u64, format: &str) -> String {
    format!(
        "{}/api/rooms/{code}/activities/{activity}/results.{format}",
        server.base
    )
}

/// A GET of `url`, with the host key and an `If-None-Match` when given.
async fn get(
    server: &TestServer,
    url: &str,
    key: Option<&str>,
    etag: Option<&str>,
) -> reqwest::Response {
    let mut request = server.http.get(url);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(etag) = etag {
        request = request.header("if-none-match", etag);
    }
    request.send().await.unwrap()
}

async fn error_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("a JSON error");
    (
        status,
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

/// A session with a poll everyone has voted in: `votes[i]` is the option person i picks.
async fn poll_session(
    server: &TestServer,
    title: &str,
    question: &str,
    options: &[&str],
    votes: &[u64],
) -> (Created, Client, u64) {
    let room = server.create_room(title).await;
    let mut host = server.host(&room).await;
    let poll = add(&mut host, poll_spec(question, options)).await;
    go_to(&mut host, poll).await;
    for option in votes {
        let mut person = server.participant(&room.code, None, None).await;
        person
            .ok(json!({"type": "vote", "activity": poll, "options": [option]}))
            .await;
    }
    (room, host, poll)
}

fn poll_spec(question: &str, options: &[&str]) -> Value {
    poll(question, options)
}

#[tokio::test]
async fn results_images_follow_the_report_s_access_rules() {
    let server = TestServer::start().await;
    let (room, mut host, poll) = poll_session(
        &server,
        "Tenant meetup",
        "Topic?",
        &["Repairs", "Damp"],
        &[0],
    )
    .await;
    let timer = add(
        &mut host,
        json!({"kind": "timer", "title": "Break", "duration_secs": 60}),
    )
    .await;
    let svg_url = image_url(&server, &room.code, poll, "svg");
    let png_url = image_url(&server, &room.code, poll, "png");

    // Unpublished: the host key, or nothing.
    for url in [&svg_url, &png_url] {
        let refused = get(&server, url, None, None).await;
        assert_eq!(error_code(refused).await, (403, "not_host".to_string()));
        let wrong = get(&server, url, Some("nope"), None).await;
        assert_eq!(wrong.status(), 403);
    }
    let response = get(&server, &svg_url, Some(room.host_key.as_str()), None).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert_eq!(headers["cache-control"], "no-cache");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("default-src 'none'") && !policy.contains("script-src"),
        "{policy}"
    );
    let etag = headers["etag"].to_str().unwrap().to_string();
    assert!(response.text().await.unwrap().contains(">Repairs</text>"));

    // The same state is the same image: revalidation draws nothing; a vote changes it.
    let again = get(
        &server,
        &svg_url,
        Some(room.host_key.as_str()),
        Some(etag.as_str()),
    )
    .await;
    assert_eq!(again.status(), 304);
    let mut late = server.participant(&room.code, None, None).await;
    late.ok(json!({"type": "vote", "activity": poll, "options": [1]}))
        .await;
    let changed = get(
        &server,
        &svg_url,
        Some(room.host_key.as_str()),
        Some(etag.as_str()),
    )
    .await;
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);

    // Published: anyone.
    host.ok(json!({"type": "publish_report", "published": true}))
        .await;
    let public = get(&server, &svg_url, None, None).await;
    assert_eq!(public.status(), 200);
    let png = get(&server, &png_url, None, None).await;
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(png.headers()["cache-control"], "no-cache");
    assert!(png.headers().contains_key("etag"));

    // What is not there, and what cannot be drawn, say so by code.
    let unknown = get(
        &server,
        &image_url(&server, &room.code, 999, "svg"),
        None,
        None,
    )
    .await;
    assert_eq!(
        error_code(unknown).await,
        (404, "activity_not_found".to_string())
    );
    let no_room = get(
        &server,
        &image_url(&server, "00000000", poll, "png"),
        None,
        None,
    )
    .await;
    assert_eq!(
        error_code(no_room).await,
        (404, "room_not_found".to_string())
    );
    let nothing = get(
        &server,
        &image_url(&server, &room.code, timer, "png"),
        None,
        None,
    )
    .await;
    assert_eq!(error_code(nothing).await, (404, "no_chart".to_string()));
    let round = get(&server, &format!("{svg_url}?round=2"), None, None).await;
    assert_eq!(
        error_code(round).await,
        (404, "round_not_found".to_string())
    );
    for bad in ["theme=purple", "round=0", "round=first"] {
        let response = get(&server, &format!("{svg_url}?{bad}"), None, None).await;
        assert_eq!(
            error_code(response).await,
            (400, "invalid_request".to_string()),
            "{bad}"
        );
    }
    let dark = get(
        &server,
        &format!("{svg_url}?theme=dark&round=1"),
        None,
        None,
    )
    .await;
    assert_eq!(dark.status(), 200);

    // Unpublished again: closed again.
    host.ok(json!({"type": "publish_report", "published": false}))
        .await;
    assert_eq!(get(&server, &svg_url, None, None).await.status(), 403);
}

#[tokio::test]
async fn the_svg_shows_the_votes_as_cast_and_only_what_the_audience_saw() {
    let server = TestServer::start().await;
    let (room, mut host, poll) = poll_session(
        &server,
        "Meetup <b>&</b>",
        "Which first?",
        &["<script>&\"'", "Damp"],
        &[0, 0, 1],
    )
    .await;
    let ideas = add(
        &mut host,
        json!({"kind": "ideas", "prompt": "What shall we work on?", "max_per_participant": 3, "dots": 3}),
    )
    .await;
    let qna = add(
        &mut host,
        json!({"kind": "qna", "prompt": "Questions for the councillor", "require_approval": true}),
    )
    .await;
    host.ok(json!({"type": "set_pacing", "pacing": "audience"}))
        .await;
    let mut asker = server
        .participant(&room.code, None, Some("Owen Zebedee"))
        .await;
    for text in ["Fix the lifts", "OFFTOPIC-SECRET"] {
        asker
            .ok(json!({"type": "submit_idea", "activity": ideas, "text": text}))
            .await;
    }
    host.ok(json!({"type": "hide_idea", "activity": ideas, "idea": 1, "hidden": true}))
        .await;
    host.ok(json!({"type": "set_ideas_phase", "activity": ideas, "phase": "vote"}))
        .await;
    asker
        .ok(json!({"type": "dot_vote", "activity": ideas, "ideas": [0]}))
        .await;
    for text in ["PENDING-QUESTION", "VISIBLE-QUESTION"] {
        asker
            .ok(json!({"type": "ask", "activity": qna, "text": text}))
            .await;
    }
    host.ok(json!({"type": "moderate", "activity": qna, "question": 1, "action": "approve"}))
        .await;
    host.ok(json!({"type": "publish_report", "published": true}))
        .await;

    let get = |id: u64| {
        let url = image_url(&server, &room.code, id, "svg");
        let http = server.http.clone();
        async move { http.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let svg = get(poll).await;
    assert!(svg.contains(">Which first?</text>"));
    assert!(
        svg.contains(">2 votes, 67%</text>") && svg.contains(">1 vote, 33%</text>"),
        "{svg}"
    );
    assert!(svg.contains(">3 people voted</text>"));
    assert!(
        svg.contains("&lt;script&gt;&amp;&quot;&#39;"),
        "the label, escaped"
    );
    assert!(svg.contains("Meetup &lt;b&gt;&amp;&lt;/b&gt;"));
    assert!(!svg.contains("<script") && !svg.contains("<b>"));

    let svg = get(ideas).await;
    assert!(svg.contains(">Fix the lifts</text>"));
    assert!(
        !svg.contains("OFFTOPIC-SECRET"),
        "a hidden idea is not drawn"
    );
    assert!(!svg.contains("Owen"), "nor anyone's name");

    let svg = get(qna).await;
    assert!(svg.contains(">VISIBLE-QUESTION</text>"));
    assert!(
        !svg.contains("PENDING-QUESTION"),
        "a question waiting for approval is not drawn"
    );
}

/// Colours in the picture, and whether the title area (the top 140 px) holds dark text.
fn looks(png: &[u8]) -> (u32, u32, usize, bool) {
    let pixmap = Pixmap::decode_png(png).expect("a PNG that decodes");
    let colours: HashSet<[u8; 4]> = pixmap
        .pixels()
        .iter()
        .map(|p| [p.red(), p.green(), p.blue(), p.alpha()])
        .collect();
    let width = pixmap.width() as usize;
    let dark_title = pixmap.pixels()[..width * 140]
        .iter()
        .filter(|p| u32::from(p.red()) + u32::from(p.green()) + u32::from(p.blue()) < 150)
        .count();
    (
        pixmap.width(),
        pixmap.height(),
        colours.len(),
        dark_title > 300,
    )
}

#[tokio::test]
async fn the_png_is_a_real_picture_1200_pixels_wide() {
    let server = TestServer::start().await;
    let (room, mut host, poll) = poll_session(
        &server,
        "Tenant meetup",
        "Which topic first?",
        &["Repairs", "Damp", "Rent"],
        &[0, 1, 0, 1, 2],
    )
    .await;
    host.ok(json!({"type": "publish_report", "published": true}))
        .await;
    let response = get(
        &server,
        &image_url(&server, &room.code, poll, "png"),
        None,
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
    let png = response.bytes().await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let (width, height, colours, dark_title) = looks(&png);
    assert_eq!(width, 1200);
    assert!((200..=4800).contains(&height), "{height}");
    assert!(colours > 20, "only {colours} colours: is it blank?");
    assert!(dark_title, "the title is drawn in dark text");
}

#[tokio::test]
async fn png_drawing_is_rate_limited_per_address() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), |c| c.png_renders_per_minute = 2).await;
    let (room, mut host, poll) =
        poll_session(&server, "Limits", "Topic?", &["Repairs", "Damp"], &[0]).await;
    host.ok(json!({"type": "publish_report", "published": true}))
        .await;
    let url = image_url(&server, &room.code, poll, "png");
    let first = get(&server, &url, None, None).await;
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(get(&server, &url, None, None).await.status(), 200);
    let limited = get(&server, &url, None, None).await;
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(error_code(limited).await, (429, "rate_limited".to_string()));
    // A revalidation draws nothing, so it is not limited; nor are SVGs.
    let fresh = get(&server, &url, None, Some(etag.as_str())).await;
    assert_eq!(fresh.status(), 304);
    let svg = get(
        &server,
        &image_url(&server, &room.code, poll, "svg"),
        None,
        None,
    )
    .await;
    assert_eq!(svg.status(), 200);
}

/// The example pictures: a poll with a tie, a 20-statement self-assessment, a word cloud and a
/// poll in Arabic. Each must be a real picture; with `HANDSUP_RESULTS_IMAGES_DIR` set they are
/// also saved there, to look at.
#[tokio::test]
async fn example_pictures_draw() {
    let server = TestServer::start().await;
    let mut examples: Vec<(&str, String)> = Vec::new();

    let (tie, mut host, poll) = poll_session(
        &server,
        "Tenant meetup, March",
        "Which topic should we take first at the next meetup?",
        &[
            "Repairs and maintenance",
            "Damp and mould",
            "Rent increases",
            "Anti-social behaviour",
        ],
        &[0, 1, 0, 1, 2, 3, 0, 1],
    )
    .await;
    host.ok(json!({"type": "publish_report", "published": true}))
        .await;
    examples.push(("poll-tie", image_url(&server, &tie.code, poll, "png")));

    let assessment = server.create_room("Team self-assessment").await;
    let mut host = server.host(&assessment).await;
    let statements: Vec<Value> = [
        "We tell tenants what we did with what they said",
        "Repairs are fixed right the first time",
        "Tenants can reach us in the way that suits them",
        "We explain decisions in plain language",
        "Complaints are answered within ten working days",
        "Tenants help set our priorities each year",
        "We publish our performance every quarter",
        "Staff know the estates they look after",
        "Meetings happen at times tenants can come",
        "We pay for childcare and travel at meetings",
        "Young tenants have a voice in our work",
        "Scrutiny panels can see the data they ask for",
        "We act on the findings of scrutiny",
        "Tenants are trained for the roles they take",
        "We celebrate what tenants achieve",
        "Our website is accessible to everyone",
        "We check that our letters are understood",
        "Tenants know who their housing officer is",
        "We follow up repairs with a call",
        "Board members meet tenants regularly",
    ]
    .iter()
    .enumerate()
    .map(|(i, text)| {
        let theme = ["Voice", "Service", "Scrutiny"][i % 3];
        json!({"text": text, "theme": theme})
    })
    .collect();
    let scales = add(
        &mut host,
        json!({"kind": "scales", "prompt": "How well do we involve tenants?", "statements": statements, "min_label": "Not at all", "max_label": "Fully"}),
    )
    .await;
    go_to(&mut host, scales).await;
    for person in 0..6u64 {
        let mut client = server.participant(&assessment.code, None, None).await;
        let ratings: Vec<Value> = (0..20u64)
            .map(|s| json!({"statement": s, "value": 1 + (s * 7 + person * 3) % 5}))
            .collect();
        client
            .ok(json!({"type": "rate", "activity": scales, "ratings": ratings}))
            .await;
    }
    host.ok(json!({"type": "publish_report", "published": true}))
        .await;
    examples.push((
        "scales-20",
        image_url(&server, &assessment.code, scales, "png"),
    ));

    let cloud = server.create_room("Estate walk").await;
    let mut host = server.host(&cloud).await;
    let words = add(
        &mut host,
        json!({"kind": "wordcloud", "prompt": "One word for the estate today?", "max_words": 3}),
    )
    .await;
    go_to(&mut host, words).await;
    let answers: [&[&str]; 8] = [
        &["hopeful", "green", "busy"],
        &["hopeful", "tired"],
        &["hopeful", "green"],
        &["noisy", "friendly"],
        &["friendly", "hopeful"],
        &["unsafe", "dark"],
        &["green", "community"],
        &["community", "hopeful", "changing"],
    ];
    for list in answers {
        let mut client = server.participant(&cloud.code, None, None).await;
        client
            .ok(json!({"type": "submit_words", "activity": words, "words": list}))
            .await;
    }
    host.ok(json!({"type": "publish_report", "published": true}))
        .await;
    examples.push(("wordcloud", image_url(&server, &cloud.code, words, "png")));

    let (arabic, mut host, poll) = poll_session(
        &server,
        "اجتماع السكان",
        "ما الموضوع الذي نبدأ به؟",
        &["الإصلاحات والصيانة", "الرطوبة والعفن", "زيادة الإيجار"],
        &[0, 1, 1, 2, 1],
    )
    .await;
    host.ok(json!({"type": "set_language", "language": "ar"}))
        .await;
    host.ok(json!({"type": "publish_report", "published": true}))
        .await;
    examples.push(("poll-arabic", image_url(&server, &arabic.code, poll, "png")));

    let save = std::env::var_os("HANDSUP_RESULTS_IMAGES_DIR").map(std::path::PathBuf::from);
    for (name, url) in examples {
        for theme in ["light", "dark"] {
            let response = get(&server, &format!("{url}?theme={theme}"), None, None).await;
            assert_eq!(response.status(), 200, "{name}");
            let png = response.bytes().await.unwrap();
            let (width, _, colours, _) = looks(&png);
            assert_eq!(width, 1200, "{name}");
            assert!(colours > 20, "{name}: {colours} colours");
            if let Some(dir) = &save {
                std::fs::create_dir_all(dir).unwrap();
                std::fs::write(dir.join(format!("{name}-{theme}.png")), &png).unwrap();
            }
        }
    }
}
