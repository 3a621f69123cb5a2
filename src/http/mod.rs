//! axum routes: the REST API, WebSocket sessions, pages and static assets, QR codes.
//! Handlers translate between HTTP and the hub; no room rule lives here.

mod api;
mod assets;
mod ws;

use crate::config::Config;
use crate::hub::Hub;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use std::sync::Arc;

/// Shared by every handler: a cheap handle.
#[derive(Clone)]
pub struct AppState {
    pub hub: Arc<Hub>,
    pub config: Arc<Config>,
}

/// The whole application, without a socket: tests can drive it directly.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(assets::index_page))
        .route("/healthz", get(healthz))
        .route("/api/rooms", axum::routing::post(api::create_room))
        .route(
            "/api/rooms/{code}",
            get(api::room_info).delete(api::delete_room),
        )
        .route("/api/rooms/{code}/qr.svg", get(api::qr_svg))
        .route("/ws/{code}", get(ws::upgrade))
        .route("/host/{code}", get(assets::host_page))
        .route("/present/{code}", get(assets::present_page))
        .route("/assets/{*path}", get(assets::asset))
        .route("/{code}", get(assets::participant_page))
        .fallback(assets::not_found_page)
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    axum::Json(json!({"status": "ok", "rooms": state.hub.room_count()})).into_response()
}

/// Headers every response carries: no framing, no sniffing, no referrer, same-origin content only.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let fixed: [(HeaderName, &str); 5] = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
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
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
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
        (
            self.status,
            axum::Json(json!({"error": {"code": self.code, "message": self.message}})),
        )
            .into_response()
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
