//! Embedding over HTTP: the framable embed page, the loader script, oEmbed and its discovery,
//! and that every other page still refuses to be framed.

use crate::support::*;
use serde_json::{Value, json};

fn csp(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn get(server: &TestServer, path: &str) -> reqwest::Response {
    server
        .http
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .expect("GET")
}

#[tokio::test]
async fn only_embed_pages_may_be_framed_and_by_any_site_by_default() {
    let server = TestServer::start().await;
    let room = server.create_room("Meetup").await;
    let code = &room.code;

    for path in [
        format!("/embed/{code}"),
        format!("/embed/{code}?activity=0"),
    ] {
        let response = get(&server, &path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.headers().get("x-frame-options").is_none(),
            "{path} must not send X-Frame-Options"
        );
        let policy = csp(&response);
        assert!(policy.contains("frame-ancestors *"), "{path}: {policy}");
        assert!(policy.contains("default-src 'self'"), "{path}: {policy}");
        let body = response.text().await.unwrap();
        assert!(body.contains("/assets/embed-page.js"), "{body}");
        assert!(!body.contains(&room.host_key));
    }
    // An embed of a session that does not exist explains itself inside the frame.
    let missing = get(&server, "/embed/00000000").await;
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().get("x-frame-options").is_none());
    assert!(csp(&missing).contains("frame-ancestors *"));

    for path in [
        "/".to_string(),
        format!("/{code}"),
        format!("/host/{code}"),
        format!("/present/{code}"),
        "/present/00000000".to_string(),
        "/assets/app.css".to_string(),
        format!("/api/rooms/{code}"),
        format!("/oembed?url={}/{code}", server.base),
        "/embed.js".to_string(),
        "/nothing/here".to_string(),
    ] {
        let response = get(&server, &path).await;
        assert_eq!(response.headers()["x-frame-options"], "DENY", "{path}");
        let policy = csp(&response);
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
    }
}

#[tokio::test]
async fn allowed_parents_become_the_embed_pages_frame_ancestors() {
    let server = TestServer::start_tweaked(|config| {
        config.embed_allowed_parents = vec![
            "https://meetup.example.org".into(),
            "https://*.example.net".into(),
        ];
    })
    .await;
    let room = server.create_room("").await;
    let response = get(&server, &format!("/embed/{}", room.code)).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("x-frame-options").is_none());
    let policy = csp(&response);
    assert!(
        policy.ends_with("frame-ancestors 'self' https://meetup.example.org https://*.example.net"),
        "{policy}"
    );
    // The participant page is still not framable.
    let page = get(&server, &format!("/{}", room.code)).await;
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert!(csp(&page).contains("frame-ancestors 'none'"));
}

#[tokio::test]
async fn the_loader_script_can_be_included_by_other_sites() {
    let server = TestServer::start().await;
    let response = get(&server, "/embed.js").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(
        response.headers()["cross-origin-resource-policy"],
        "cross-origin"
    );
    assert!(response.headers().get("etag").is_some());
    let body = response.text().await.unwrap();
    assert!(
        body.contains("'/embed/'"),
        "the loader frames the embed page"
    );
    assert!(body.contains("handsup:resize"));
    assert!(
        body.contains("event.origin !== origin") && body.contains("event.source"),
        "the loader checks who sent a resize message"
    );
}

#[tokio::test]
async fn oembed_describes_join_and_embed_links() {
    let server = TestServer::start().await;
    let room = server.create_room("Fishbowl <interview>").await;
    let code = &room.code;
    let base = &server.base;

    let response = server
        .http
        .get(format!("{base}/oembed"))
        .query(&[("url", format!("{base}/{code}")), ("format", "json".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["version"], "1.0");
    assert_eq!(body["type"], "rich");
    assert_eq!(body["provider_name"], "handsup");
    assert_eq!(body["provider_url"], json!(base));
    assert_eq!(body["title"], "Fishbowl <interview>");
    assert_eq!(body["width"], 560);
    assert_eq!(body["height"], 420);
    let html = body["html"].as_str().unwrap();
    assert!(
        html.starts_with(&format!("<iframe src=\"{base}/embed/{code}\"")),
        "{html}"
    );
    assert!(html.contains("Fishbowl &lt;interview&gt;"), "{html}");
    assert!(html.contains("width=\"560\" height=\"420\""), "{html}");
    assert!(!html.contains(&room.host_key));

    // An embed link keeps its pinned activity; maxwidth and maxheight are honoured.
    let body: Value = server
        .http
        .get(format!("{base}/oembed"))
        .query(&[
            ("url", format!("{base}/embed/{code}?activity=2")),
            ("maxwidth", "320".into()),
            ("maxheight", "900".into()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["width"], 320);
    assert_eq!(body["height"], 420);
    let html = body["html"].as_str().unwrap();
    assert!(
        html.contains(&format!("src=\"{base}/embed/{code}?activity=2\"")),
        "{html}"
    );

    let status = |query: Vec<(&'static str, String)>| {
        let request = server.http.get(format!("{base}/oembed")).query(&query);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        status(vec![
            ("url", format!("{base}/{code}")),
            ("format", "xml".into())
        ])
        .await,
        501
    );
    assert_eq!(status(vec![("url", format!("{base}/00000000"))]).await, 404);
    assert_eq!(
        status(vec![("url", format!("https://elsewhere.example/{code}"))]).await,
        404
    );
    assert_eq!(
        status(vec![("url", format!("{base}/host/{code}"))]).await,
        404
    );
    assert_eq!(status(vec![]).await, 400);
    assert_eq!(
        status(vec![
            ("url", format!("{base}/{code}")),
            ("maxwidth", "wide".into())
        ])
        .await,
        400
    );
}

#[tokio::test]
async fn the_join_page_advertises_oembed_for_cms_discovery() {
    let server = TestServer::start().await;
    let room = server.create_room("Plenary").await;
    let code = &room.code;
    let response = get(&server, &format!("/{code}")).await;
    assert_eq!(response.status(), 200);
    let link_header = response.headers()["link"].to_str().unwrap().to_string();
    assert!(
        link_header.contains("rel=\"alternate\"")
            && link_header.contains("type=\"application/json+oembed\""),
        "{link_header}"
    );
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let html = response.text().await.unwrap();
    // The <link> CMSs look for, in the page's head.
    let head = &html[..html.find("</head>").expect("a head")];
    let tag_start = head
        .find("<link rel=\"alternate\" type=\"application/json+oembed\" href=\"")
        .expect("an oEmbed discovery link in the head");
    let href_start = head[tag_start..].find("href=\"").unwrap() + tag_start + 6;
    let href_end = head[href_start..].find('"').unwrap() + href_start;
    let href = head[href_start..href_end].replace("&amp;", "&");
    assert!(
        href.starts_with(&format!("{}/oembed?url=", server.base)),
        "{href}"
    );
    assert!(link_header.contains(&href), "{link_header} vs {href}");
    // Following it gives the oEmbed answer for this session.
    let found: Value = server
        .http
        .get(&href)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["type"], "rich");
    assert_eq!(found["title"], "Plenary");
    assert!(
        found["html"]
            .as_str()
            .unwrap()
            .contains(&format!("/embed/{code}\""))
    );
    // The page still revalidates with its ETag.
    let again = server
        .http
        .get(format!("{}/{code}", server.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn the_room_lookup_tells_the_join_screen_the_sessions_language() {
    let server = TestServer::start().await;
    let room = server.create_room("").await;
    let url = format!("{}/api/rooms/{}", server.base, room.code);
    let before: Value = server
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(before.get("language").is_none(), "{before}");
    let mut host = server.host(&room).await;
    host.ok(json!({"type": "set_language", "language": "cy"}))
        .await;
    let after: Value = server
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["language"], "cy");
}
