//! Pages and static assets, embedded in the binary at compile time (read from `web/` on disk in
//! debug builds, so front-end work needs no rebuild). Assets carry ETags for revalidation.

use super::AppState;
use super::limits::client_ip;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;
use std::net::SocketAddr;

#[derive(RustEmbed)]
#[folder = "web/"]
pub(super) struct Web;

/// A strong ETag from a SHA-256 digest (its first 16 bytes, hex).
pub(super) fn etag_of(digest: &[u8]) -> String {
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether the request's `If-None-Match` names `etag` (the client's copy is current).
pub(super) fn still_fresh(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag))
}

pub(super) fn serve(path: &str, headers: &HeaderMap, status: StatusCode) -> Response {
    let Some(file) = Web::get(path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let etag = etag_of(&file.metadata.sha256_hash());
    if status == StatusCode::OK && still_fresh(headers, &etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let content_type = if mime.type_() == "text" || mime.subtype() == "javascript" {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    let body = if path.ends_with(".js") || path.ends_with(".css") {
        stripped(path, &etag, &file.data)
    } else {
        Bytes::from(file.data.into_owned())
    };
    (
        status,
        [
            (header::CONTENT_TYPE, content_type),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, "no-cache".to_string()),
        ],
        body,
    )
        .into_response()
}

/// Script and style files as served: their comments (a sixth of what a phone downloads) are
/// left out, once per file version.
fn stripped(path: &str, etag: &str, source: &[u8]) -> Bytes {
    static SERVED: std::sync::OnceLock<dashmap::DashMap<String, (String, Bytes)>> =
        std::sync::OnceLock::new();
    let served = SERVED.get_or_init(dashmap::DashMap::new);
    if let Some(hit) = served.get(path)
        && hit.0 == etag
    {
        return hit.1.clone();
    }
    let Ok(text) = std::str::from_utf8(source) else {
        return Bytes::copy_from_slice(source);
    };
    let body = Bytes::from(without_comment_lines(text));
    served.insert(path.to_string(), (etag.to_string(), body.clone()));
    body
}

/// `text` with every whole-line comment emptied: lines that begin with `//`, and `/* … */`
/// blocks that begin a line and end one. Nothing else is touched: a comment after code stays,
/// and so does everything inside a template literal (tracked by its backticks), so the code is
/// the same program. Emptied lines stay as empty lines, so line numbers in a browser's console
/// still match the files in `web/`.
pub(super) fn without_comment_lines(text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let content = |line: &str| line.trim_end_matches(['\n', '\r']).len();
    let mut blank = vec![false; lines.len()];
    let mut in_template = false;
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i][..content(lines[i])];
        let trimmed = line.trim();
        if !in_template {
            if trimmed.starts_with("//") {
                blank[i] = true;
                i += 1;
                continue;
            }
            if trimmed.starts_with("/*") {
                // The block must end a line, and nothing may follow it there.
                let end = (i..lines.len()).find(|&j| {
                    let from = if j == i { 2 } else { 0 };
                    lines[j]
                        .trim()
                        .get(from..)
                        .is_some_and(|rest| rest.contains("*/"))
                });
                if let Some(end) = end {
                    let last = lines[end].trim();
                    let close = last.find("*/").map(|at| at + 2);
                    if close == Some(last.len()) && (end > i || last.len() >= 4) {
                        for b in &mut blank[i..=end] {
                            *b = true;
                        }
                        i = end + 1;
                        continue;
                    }
                }
            }
        }
        if line.chars().filter(|&c| c == '`').count() % 2 == 1 {
            in_template = !in_template;
        }
        i += 1;
    }
    let mut out = String::with_capacity(text.len());
    for (line, blank) in lines.iter().zip(blank) {
        out.push_str(if blank { &line[content(line)..] } else { line });
    }
    out
}

pub async fn index_page(headers: HeaderMap) -> Response {
    serve("index.html", &headers, StatusCode::OK)
}

/// `/assets/i18n/languages.js`: the catalogue files built into this server, by language code,
/// each named in its own language by the first line of its file (`// Cymraeg (Welsh).`), so adding
/// a language is adding one file to `web/assets/i18n/`.
pub async fn languages() -> Response {
    let mut named = std::collections::BTreeMap::new();
    for path in Web::iter() {
        let Some(code) = path
            .strip_prefix("assets/i18n/")
            .and_then(|p| p.strip_suffix(".js"))
        else {
            continue;
        };
        if code.is_empty()
            || code.len() > 12
            || !code.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        {
            continue;
        }
        let Some(file) = Web::get(&path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&file.data);
        let first = text.lines().next().unwrap_or_default();
        let name = first
            .strip_prefix("//")
            .map(|rest| {
                rest.split([':', '(', '.'])
                    .next()
                    .unwrap_or_default()
                    .trim()
            })
            .filter(|name| !name.is_empty())
            .unwrap_or(code);
        named.insert(code.to_string(), name.to_string());
    }
    let body = format!(
        "// Generated by the server from the files in assets/i18n/.\nexport const NAMES = {};\n",
        serde_json::to_string(&named).unwrap_or_else(|_| "{\"en\":\"English\"}".into())
    );
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Browsers ask for /favicon.ico on every page that names no icon.
pub async fn favicon(headers: HeaderMap) -> Response {
    serve("assets/icon.svg", &headers, StatusCode::OK)
}

pub async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(&format!("assets/{path}"), &headers, StatusCode::OK)
}

/// What a room page request carries.
type PageRequest = (
    State<AppState>,
    ConnectInfo<SocketAddr>,
    Path<String>,
    HeaderMap,
);

async fn room_page(request: PageRequest, page: &str) -> Response {
    let (State(state), ConnectInfo(peer), Path(code), headers) = request;
    let ip = client_ip(&state.config, peer, &headers);
    match state.lookup_room(ip, &code).await {
        Ok(_) => serve(page, &headers, StatusCode::OK),
        Err(err) if err.status == StatusCode::NOT_FOUND => missing_room(&code),
        Err(err) => err.into_response(),
    }
}

// The participant page (`/{code}`) is served by `embed::participant_page`, which adds oEmbed
// discovery to it.

pub async fn host_page(
    state: State<AppState>,
    peer: ConnectInfo<SocketAddr>,
    code: Path<String>,
    headers: HeaderMap,
) -> Response {
    room_page((state, peer, code, headers), "host.html").await
}

pub async fn present_page(
    state: State<AppState>,
    peer: ConnectInfo<SocketAddr>,
    code: Path<String>,
    headers: HeaderMap,
) -> Response {
    room_page((state, peer, code, headers), "present.html").await
}

pub async fn not_found_page() -> Response {
    missing_page(
        "Page not found",
        "There is nothing at this address.".to_string(),
    )
}

pub(super) fn missing_room(code: &str) -> Response {
    let shown: String = code.chars().filter(char::is_ascii_digit).take(8).collect();
    let message = if shown.is_empty() {
        "There is nothing at this address.".to_string()
    } else {
        format!(
            "No session has the code {}. Check the code on the screen and try again.",
            shown
        )
    };
    missing_page("Session not found", message)
}

fn missing_page(title: &str, message: String) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · handsup</title><link rel=\"icon\" href=\"/assets/icon.svg\">\
         <link rel=\"stylesheet\" href=\"/assets/app.css\"></head>\
         <body><main class=\"page narrow\"><h1>{title}</h1><p>{message}</p>\
         <p><a href=\"/\">Go to the handsup home page</a></p></main></body></html>"
    );
    (StatusCode::NOT_FOUND, Html(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_line_comments_leave_and_code_stays_line_for_line() {
        let source = "// header\n/** A doc\n * comment. */\nconst a = 1; // trailing stays\n  /* one line */\nconst url = 'http://x/'; /* after code */\n/* ends */ b();\nconst t = `\n// inside a template\n`;\n/* open\n */\nc();\n";
        let served = without_comment_lines(source);
        assert_eq!(
            served,
            "\n\n\nconst a = 1; // trailing stays\n\nconst url = 'http://x/'; /* after code */\n/* ends */ b();\nconst t = `\n// inside a template\n`;\n\n\nc();\n"
        );
        assert_eq!(served.lines().count(), source.lines().count());
    }

    #[test]
    fn every_served_script_keeps_its_code_lines() {
        // Whatever the stripper removes from the real files was a comment line: every line that
        // is not blank in the served text is the same line of the source.
        for path in Web::iter().filter(|p| p.ends_with(".js") || p.ends_with(".css")) {
            let Some(file) = Web::get(&path) else {
                continue;
            };
            let source = String::from_utf8_lossy(&file.data).into_owned();
            let served = without_comment_lines(&source);
            assert_eq!(served.lines().count(), source.lines().count(), "{path}");
            // Inside a comment block: from a line that opens one to the line that closes it.
            let mut in_block = false;
            for (kept, original) in served.lines().zip(source.lines()) {
                let t = original.trim();
                let opens = !in_block && t.starts_with("/*");
                let comment = in_block || opens || t.starts_with("//");
                if opens || in_block {
                    in_block = !t.ends_with("*/") || (opens && t.len() < 4);
                }
                if !kept.trim().is_empty() {
                    assert_eq!(kept, original, "{path}");
                } else if !t.is_empty() {
                    assert!(
                        comment,
                        "{path}: a line that is not a comment was left out: {original}"
                    );
                }
            }
            assert!(served.len() <= source.len());
        }
    }
}
