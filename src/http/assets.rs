//! Pages and static assets, embedded in the binary at compile time (read from `web/` on disk in
//! debug builds, so front-end work needs no rebuild). Assets carry ETags for revalidation.

use super::AppState;
use super::limits::client_ip;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;
use std::net::SocketAddr;

#[derive(RustEmbed)]
#[folder = "web/"]
pub(super) struct Web;

pub(super) fn serve(path: &str, headers: &HeaderMap, status: StatusCode) -> Response {
    let Some(file) = Web::get(path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    if status == StatusCode::OK
        && headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag))
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let content_type = if mime.type_() == "text" || mime.subtype() == "javascript" {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    (
        status,
        [
            (header::CONTENT_TYPE, content_type),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, "no-cache".to_string()),
        ],
        file.data.into_owned(),
    )
        .into_response()
}

pub async fn index_page(headers: HeaderMap) -> Response {
    serve("index.html", &headers, StatusCode::OK)
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

fn room_page(request: PageRequest, page: &str) -> Response {
    let (State(state), ConnectInfo(peer), Path(code), headers) = request;
    let ip = client_ip(&state.config, peer, &headers);
    match state.lookup_room(ip, &code) {
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
    room_page((state, peer, code, headers), "host.html")
}

pub async fn present_page(
    state: State<AppState>,
    peer: ConnectInfo<SocketAddr>,
    code: Path<String>,
    headers: HeaderMap,
) -> Response {
    room_page((state, peer, code, headers), "present.html")
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
