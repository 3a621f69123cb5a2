//! Embedding sessions in other sites: the compact embed page (`/embed/{code}`), the one-line
//! loader (`/embed.js`), the oEmbed endpoint (`/oembed`) and the participant page served with
//! oEmbed discovery.
//!
//! Only the embed page may be framed, and only by the parents `--embed-allowed-parents` names
//! (any site by default); every other page keeps `frame-ancestors 'none'` and
//! `X-Frame-Options: DENY`. The embed page never sees the host key: it watches on the read-only
//! embed channel, and votes (when the facilitator allows it) as an ordinary participant.

use super::assets::{self, Web};
use super::limits::client_ip;
use super::{ApiError, AppState, base_url, normalise_code};
use crate::config::Config;
use axum::Json;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

/// A response extension: other sites may frame this response, so `security_headers` adds no
/// `X-Frame-Options` (the handler sets its own `frame-ancestors`).
#[derive(Clone, Copy, Debug)]
pub struct Frameable;

/// Default size of the oEmbed iframe, in CSS pixels (the loader resizes it to fit).
const OEMBED_WIDTH: u32 = 560;
const OEMBED_HEIGHT: u32 = 420;

/// The Content-Security-Policy of embed pages: like every page's, but framable by the
/// configured parents (any site when none are configured).
pub fn embed_csp(config: &Config) -> String {
    let parents = if config.embed_allowed_parents.is_empty() {
        "*".to_string()
    } else {
        format!("'self' {}", config.embed_allowed_parents.join(" "))
    };
    format!(
        concat!(super::content_policy!(), "; frame-ancestors {}"),
        parents
    )
}

fn frameable(config: &Config, mut response: Response) -> Response {
    if let Ok(csp) = HeaderValue::from_str(&embed_csp(config)) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
        response.extensions_mut().insert(Frameable);
    }
    response
}

/// `GET /embed/{code}`: the compact live-results page for iframes. An unknown code gets the
/// "session not found" page, also framable, so the visitor sees why the embed is empty.
pub async fn embed_page(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Response {
    let ip = client_ip(&state.config, peer, &headers);
    let response = match state.lookup_room(ip, &code).await {
        Ok(_) => assets::serve("embed.html", &headers, StatusCode::OK),
        Err(err) if err.status == StatusCode::NOT_FOUND => assets::missing_room(&code),
        Err(err) => err.into_response(),
    };
    frameable(&state.config, response)
}

/// `GET /embed.js`: the loader other sites include with a `<script>` tag. It replaces its own
/// tag with an iframe of the embed page that resizes itself to fit.
pub async fn loader(headers: HeaderMap) -> Response {
    let mut response = assets::serve("embed.js", &headers, StatusCode::OK);
    response.headers_mut().insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    response
}

/// `GET /{code}`: the participant page, with oEmbed discovery for CMSs that are given the join
/// link: a `<link rel="alternate" type="application/json+oembed">` in its head, and the same as
/// an HTTP `Link` header.
pub async fn participant_page(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Response {
    let ip = client_ip(&state.config, peer, &headers);
    let room = match state.lookup_room(ip, &code).await {
        Ok(room) => room,
        Err(err) if err.status == StatusCode::NOT_FOUND => return assets::missing_room(&code),
        Err(err) => return err.into_response(),
    };
    let Some(file) = Web::get("participant.html") else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let base = base_url(&state.config, &headers);
    let discovery = format!(
        "{base}/oembed?url={}&format=json",
        percent_encode(&format!("{base}/{}", room.code))
    );
    let page = String::from_utf8_lossy(&file.data);
    let link = format!(
        "<link rel=\"alternate\" type=\"application/json+oembed\" href=\"{}\" title=\"handsup\">\n",
        html_escape(&discovery)
    );
    let body = match page.find("</head>") {
        Some(at) => format!("{}{link}{}", &page[..at], &page[at..]),
        None => page.into_owned(),
    };
    let etag = super::assets::etag_of(&Sha256::digest(body.as_bytes()));
    let link_header = HeaderValue::from_str(&format!(
        "<{discovery}>; rel=\"alternate\"; type=\"application/json+oembed\""
    ))
    .ok();
    let mut response = if super::assets::still_fresh(&headers, &etag) {
        (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response()
    } else {
        (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
                (header::ETAG, etag),
                (header::CACHE_CONTROL, "no-cache".to_string()),
            ],
            body,
        )
            .into_response()
    };
    if let Some(link) = link_header {
        response.headers_mut().insert(header::LINK, link);
    }
    response
}

#[derive(Debug, Default, Deserialize)]
pub struct OEmbedQuery {
    url: Option<String>,
    format: Option<String>,
    maxwidth: Option<String>,
    maxheight: Option<String>,
}

/// `GET /oembed?url=…&format=json[&maxwidth=…&maxheight=…]`: oEmbed 1.0, type `rich`, for a
/// join link (`/{code}`), an embed link (`/embed/{code}[?activity=N]`) or a presenter link of
/// this server. 404 for other addresses and unknown sessions, 501 for formats other than JSON.
pub async fn oembed(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<OEmbedQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(format) = query.format.as_deref()
        && !format.eq_ignore_ascii_case("json")
    {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "format_not_supported",
            "only format=json is supported",
        ));
    }
    let Some(url) = query.url.as_deref().filter(|u| !u.trim().is_empty()) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "give the address of a session: /oembed?url=https://…/12345678",
        ));
    };
    let max_width = parse_max(query.maxwidth.as_deref(), "maxwidth")?;
    let max_height = parse_max(query.maxheight.as_deref(), "maxheight")?;
    let base = base_url(&state.config, &headers);
    let Some(target) = parse_target(url, &base) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "that address is not a session on this server",
        ));
    };
    let ip = client_ip(&state.config, peer, &headers);
    let room = state.lookup_room(ip, &target.code).await?;
    let code = &room.code;
    let title = room.lock().room.title().to_string();
    let width = max_width.map_or(OEMBED_WIDTH, |m| m.min(OEMBED_WIDTH));
    let height = max_height.map_or(OEMBED_HEIGHT, |m| m.min(OEMBED_HEIGHT));
    let src = match target.activity {
        Some(activity) => format!("{base}/embed/{code}?activity={activity}"),
        None => format!("{base}/embed/{code}"),
    };
    let shown_title = if title.is_empty() {
        format!("handsup session {}", spaced(code))
    } else {
        title.clone()
    };
    let html = format!(
        "<iframe src=\"{}\" title=\"{}\" width=\"{width}\" height=\"{height}\" style=\"border:0;max-width:100%\"></iframe>",
        html_escape(&src),
        html_escape(&format!("Live results: {shown_title}")),
    );
    let body = json!({
        "version": "1.0",
        "type": "rich",
        "provider_name": "handsup",
        "provider_url": base,
        "title": shown_title,
        "html": html,
        "width": width,
        "height": height,
    });
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(response)
}

fn parse_max(value: Option<&str>, name: &str) -> Result<Option<u32>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => match text.parse::<u32>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                format!("{name} must be a whole number of pixels above zero"),
            )),
        },
    }
}

/// What an oEmbed `url` points at.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    code: String,
    activity: Option<u32>,
}

/// Reads a session address of this server (`base`, e.g. `https://vote.example.org`): the join,
/// embed or presenter page of a code. The scheme may differ (a proxy may end TLS); the host may
/// not.
fn parse_target(url: &str, base: &str) -> Option<Target> {
    let strip_scheme = |s: &str| -> Option<String> {
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        let cut = if lower.starts_with("https://") {
            8
        } else if lower.starts_with("http://") {
            7
        } else {
            return None;
        };
        s.get(cut..).map(str::to_string)
    };
    let rest = strip_scheme(url)?;
    let base_host = strip_scheme(base)?;
    let rest = rest.split('#').next().unwrap_or("");
    let (host, path_query) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    if !host.eq_ignore_ascii_case(base_host.trim_end_matches('/')) {
        return None;
    }
    let (path, query) = match path_query.split_once('?') {
        Some((path, query)) => (path, query),
        None => (path_query, ""),
    };
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let (code, embed) = match segments.as_slice() {
        [code] => (*code, false),
        ["embed", code] => (*code, true),
        ["present", code] => (*code, false),
        _ => return None,
    };
    let code = normalise_code(code)?;
    let activity = if embed {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == "activity")
            .and_then(|(_, value)| value.parse::<u32>().ok())
    } else {
        None
    };
    Some(Target { code, activity })
}

/// "12345678" → "1234 5678".
fn spaced(code: &str) -> String {
    match (code.get(..4), code.get(4..)) {
        (Some(a), Some(b)) if code.len() == 8 => format!("{a} {b}"),
        _ => code.to_string(),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters (for a query value).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The five HTML specials as entities (the charts' SVG escaping: controls go too).
fn html_escape(text: &str) -> String {
    crate::domain::chart::escape(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_addresses_of_this_server_are_recognised() {
        let base = "https://vote.example.org";
        let target = |url: &str| parse_target(url, base);
        assert_eq!(
            target("https://vote.example.org/12345678"),
            Some(Target {
                code: "12345678".into(),
                activity: None
            })
        );
        assert_eq!(
            target("http://VOTE.example.org/embed/12345678/?activity=3#x"),
            Some(Target {
                code: "12345678".into(),
                activity: Some(3)
            })
        );
        assert_eq!(
            target("https://vote.example.org/present/12345678")
                .map(|t| t.code)
                .as_deref(),
            Some("12345678")
        );
        assert_eq!(target("https://evil.example/12345678"), None);
        assert_eq!(
            target("https://vote.example.org.evil.example/12345678"),
            None
        );
        assert_eq!(target("https://vote.example.org/host/12345678"), None);
        assert_eq!(target("https://vote.example.org/1234567"), None);
        assert_eq!(target("ftp://vote.example.org/12345678"), None);
        assert_eq!(target("/12345678"), None);
        assert_eq!(target(""), None);
    }

    #[test]
    fn texts_are_escaped_for_html_and_urls() {
        assert_eq!(
            html_escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            percent_encode("http://a:1/b?c=d&e"),
            "http%3A%2F%2Fa%3A1%2Fb%3Fc%3Dd%26e"
        );
        assert_eq!(spaced("12345678"), "1234 5678");
    }
}
