//! axum routes: the REST API, WebSocket sessions, pages and static assets, QR codes.
//! Handlers translate between HTTP and the hub; no room rule lives here.

mod api;
mod assets;
mod embed;
mod export;
mod extract;
mod images;
pub mod limits;
mod results_image;
pub mod serve;
mod ws;

use crate::config::Config;
use crate::hub::{Hub, RoomHandle};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use limits::Limits;
use serde_json::json;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Shared by every handler: a cheap handle.
#[derive(Clone)]
pub struct AppState {
    pub hub: Arc<Hub>,
    pub config: Arc<Config>,
    pub limits: Arc<Limits>,
}

impl AppState {
    pub fn new(hub: Arc<Hub>, config: Arc<Config>) -> AppState {
        let limits = Arc::new(Limits::from_config(&config));
        AppState {
            hub,
            config,
            limits,
        }
    }

    /// Finds a room by its code as typed, counting misses against the address's guessing budget.
    pub async fn lookup_room(
        &self,
        ip: IpAddr,
        raw_code: &str,
    ) -> Result<Arc<RoomHandle>, ApiError> {
        self.limits
            .check_lookup(ip)
            .map_err(ApiError::rate_limited)?;
        let found = match normalise_code(raw_code) {
            Some(code) => self
                .hub
                .find(&code)
                .await
                .map_err(|err| ApiError::internal("finding a room", err))?,
            None => None,
        };
        match found {
            Some(room) => Ok(room),
            None => {
                self.limits
                    .record_miss(ip)
                    .map_err(ApiError::rate_limited)?;
                Err(ApiError::room_not_found(raw_code))
            }
        }
    }
}

/// Largest request body accepted (a saved deck posted to `/api/rooms` is the largest there is).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

impl AppState {
    /// The room, if the request carries its host key as `Authorization: Bearer <host key>`. A
    /// wrong or missing key is `not_host` (403) and counts as a failed guess for the address;
    /// `needs` completes "… needs the session's host key" in the message.
    pub async fn hosted_room(
        &self,
        peer: std::net::SocketAddr,
        raw_code: &str,
        headers: &axum::http::HeaderMap,
        needs: &str,
    ) -> Result<Arc<RoomHandle>, ApiError> {
        let ip = limits::client_ip(&self.config, peer, headers);
        let room = self.lookup_room(ip, raw_code).await?;
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .unwrap_or("");
        if !crate::hub::identity::host_key_matches(presented, room.host_key_hash()) {
            self.limits
                .record_miss(ip)
                .map_err(ApiError::rate_limited)?;
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "not_host",
                format!("{needs} needs the session's host key (Authorization: Bearer <host key>)"),
            ));
        }
        Ok(room)
    }
}

/// The whole application, without a socket: tests can drive it directly.
pub fn app(state: AppState) -> Router {
    let body_timeout = state.config.http_body_timeout;
    // Pages, assets and API answers are compressed (brotli or gzip, as the client accepts);
    // WebSocket upgrades are kept out of the compression layer. Error answers get their JSON
    // form inside it (`json_errors` reads plain-text bodies). Bodies are refused past the limit
    // before they are read (a Content-Length over it is answered 413 at once), and must arrive
    // in full within the body timeout.
    let compressed = Router::new()
        .route("/", get(assets::index_page))
        .route("/favicon.ico", get(assets::favicon))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/rooms", axum::routing::post(api::create_room))
        .route(
            "/api/rooms/{code}",
            get(api::room_info).delete(api::delete_room),
        )
        .route("/api/rooms/{code}/qr.svg", get(api::qr_svg))
        .route("/api/templates", get(export::list_templates))
        .route("/api/rooms/{code}/export.json", get(export::session_json))
        .route("/api/rooms/{code}/deck.json", get(export::deck_json))
        .route("/api/rooms/{code}/report.json", get(export::report_json))
        .route("/report/{code}", get(export::report_page))
        .route(
            "/api/rooms/{code}/activities/{activity}/export.csv",
            get(export::activity_csv),
        )
        .route(
            "/api/rooms/{code}/activities/{activity}/results.svg",
            get(results_image::results_svg),
        )
        .route(
            "/api/rooms/{code}/activities/{activity}/results.png",
            get(results_image::results_png),
        )
        .route("/host/{code}", get(assets::host_page))
        .route("/present/{code}", get(assets::present_page))
        .route("/embed/{code}", get(embed::embed_page))
        .route("/embed.js", get(embed::loader))
        .route("/oembed", get(embed::oembed))
        .route("/assets/i18n/languages.js", get(assets::languages))
        .route("/assets/{*path}", get(assets::asset))
        .route("/{code}", get(embed::participant_page))
        .fallback(not_found)
        .layer(DefaultBodyLimit::disable())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ))
        .layer(tower_http::timeout::RequestBodyDeadlineLayer::new(
            body_timeout,
        ))
        .layer(map_response(extract::json_errors))
        .layer(tower_http::compression::CompressionLayer::new());
    // Pictures: their own size limit (`--max-image-bytes`, read by the handler), not compressed
    // (PNG, JPEG and WebP are already).
    let pictures = Router::new()
        .route(
            "/api/rooms/{code}/activities/{activity}/image",
            get(images::get_image)
                .put(images::put_image)
                .delete(images::delete_image),
        )
        .layer(DefaultBodyLimit::disable())
        .layer(tower_http::timeout::RequestBodyDeadlineLayer::new(
            body_timeout,
        ))
        .layer(map_response(extract::json_errors));
    let sockets = Router::new()
        .route("/ws/{code}", get(ws::upgrade))
        .route("/ws/{code}/embed", get(ws::upgrade_embed))
        .layer(map_response(extract::json_errors));
    Router::new()
        .merge(sockets)
        .merge(pictures)
        .merge(compressed)
        .layer(map_response(security_headers))
        .with_state(state)
}

/// Unknown API addresses get a JSON 404; every other unknown address the friendly page.
async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("there is no API at {}", uri.path()),
        )
        .into_response();
    }
    assets::not_found_page().await
}

/// 200 while this server serves. In a cluster it also says whether Redis answers: a node that
/// cannot reach Redis still serves what it holds (read-only), so it stays in the balancer, and
/// says `"status": "degraded"` with `"redis": "unavailable"` until Redis is back.
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    let rooms = state.hub.room_count();
    if !state.hub.is_cluster() {
        return axum::Json(json!({"status": "ok", "rooms": rooms})).into_response();
    }
    let reachable =
        tokio::time::timeout(std::time::Duration::from_secs(2), state.hub.log_reachable())
            .await
            .unwrap_or(false);
    axum::Json(json!({
        "status": if reachable { "ok" } else { "degraded" },
        "rooms": rooms,
        "redis": if reachable { "ok" } else { "unavailable" },
    }))
    .into_response()
}

async fn metrics(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.hub.metrics().render(),
    )
        .into_response()
}

/// What every page may load: its own scripts and styles (inline styles for the `h()` helper's
/// style properties), its own and `data:` images, nothing from elsewhere. Pages add their
/// `frame-ancestors`: none, or the embed's allowed parents.
macro_rules! content_policy {
    () => {
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'"
    };
}
pub(crate) use content_policy;

/// Headers every response carries: no framing, no sniffing, no referrer, same-origin content only.
/// Embed pages (marked [`embed::Frameable`]) set their own `frame-ancestors` and get no
/// `X-Frame-Options`.
async fn security_headers(mut response: Response) -> Response {
    let frameable = response.extensions().get::<embed::Frameable>().is_some();
    let headers = response.headers_mut();
    let fixed: [(HeaderName, &str); 5] = [
        (
            header::CONTENT_SECURITY_POLICY,
            concat!(content_policy!(), "; frame-ancestors 'none'"),
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
    ];
    for (name, value) in fixed {
        if frameable && name == header::X_FRAME_OPTIONS {
            continue;
        }
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

/// An API error: a stable code, a human message, and the HTTP status. Internal details go to the
/// log, never to the client.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<Duration>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn rate_limited(wait: Duration) -> Self {
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        ApiError {
            retry_after: Some(Duration::from_secs(secs)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests from your address; try again in {secs} s"),
            )
        }
    }

    pub fn room_not_found(code: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "room_not_found",
            format!("no session has the code {code}"),
        )
    }

    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "{context}");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the server could not save this; try again",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(json!({"error": {"code": self.code, "message": self.message}})),
        )
            .into_response();
        if let Some(wait) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs()));
        }
        response
    }
}

/// The public base address for links: the configured one, else the request's own host.
pub fn base_url(config: &Config, headers: &axum::http::HeaderMap) -> String {
    if let Some(url) = &config.public_url {
        return url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .map(str::to_string)
        .unwrap_or_else(|| config.bind.to_string());
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// Accepts a join code as people type it ("1234 5678", "1234-5678") and returns its 8 digits.
pub fn normalise_code(raw: &str) -> Option<String> {
    let digits: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '+'))
        .collect();
    (digits.len() == 8 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::normalise_code;

    #[test]
    fn codes_are_accepted_as_people_type_them() {
        assert_eq!(normalise_code("1234 5678").as_deref(), Some("12345678"));
        assert_eq!(normalise_code("1234-5678").as_deref(), Some("12345678"));
        assert_eq!(normalise_code("1234567"), None);
        assert_eq!(normalise_code("1234567a"), None);
        assert_eq!(normalise_code("host"), None);
    }
}
