//! The REST API: create, look up and delete rooms; the join QR code.

use super::extract::{ApiPath, JsonBody};
use super::limits::client_ip;
use super::{ApiError, AppState, base_url};
use crate::hub::CreateError;
use crate::protocol::close;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRoom {
    #[serde(default)]
    pub title: Option<String>,
    /// A built-in template's id (`GET /api/templates`).
    #[serde(default)]
    pub template: Option<String>,
    /// A saved deck (from `GET /api/rooms/{code}/deck.json`).
    #[serde(default)]
    pub deck: Option<Vec<crate::domain::activity::ActivitySpec>>,
}

pub async fn create_room(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let ip = client_ip(&state.config, peer, &headers);
    state
        .limits
        .check_create_room(ip)
        .map_err(ApiError::rate_limited)?;
    let request: CreateRoom = if body.iter().all(u8::is_ascii_whitespace) {
        CreateRoom::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                format!("expected {{\"title\": \"...\"}}: {e}"),
            )
        })?
    };
    let deck = match (&request.template, request.deck) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "give a template or a deck, not both",
            ));
        }
        (Some(id), None) => crate::domain::templates::find(id)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "template_not_found",
                    format!("there is no template {id:?}; GET /api/templates lists them"),
                )
            })?
            .deck
            .iter()
            .map(crate::domain::templates::fresh)
            .collect(),
        (None, Some(deck)) => deck,
        (None, None) => Vec::new(),
    };
    let title = match (&request.title, &request.template) {
        (Some(title), _) => title.clone(),
        (None, Some(id)) => crate::domain::templates::find(id)
            .map(|t| t.title)
            .unwrap_or_default(),
        (None, None) => String::new(),
    };
    let created = state
        .hub
        .create_room_with_deck(&title, &deck)
        .await
        .map_err(|err| match err {
            CreateError::TooManyRooms(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too_many_rooms",
                err.to_string(),
            ),
            CreateError::Invalid(rejection) => ApiError::new(
                StatusCode::BAD_REQUEST,
                rejection.code.as_str(),
                rejection.detail,
            ),
            CreateError::InvalidDeck(index, rejection) => ApiError::new(
                StatusCode::BAD_REQUEST,
                rejection.code.as_str(),
                format!("activity {} of the deck: {}", index + 1, rejection.detail),
            ),
            CreateError::Store(err) => ApiError::internal("creating a room", err),
        })?;
    let base = base_url(&state.config, &headers);
    let code = &created.code;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "code": code,
            "host_key": created.host_key,
            "host_url": format!("/host/{code}#key={}", created.host_key),
            "join_url": format!("{base}/{code}"),
            "present_url": format!("/present/{code}"),
            "expires_at": created.expires_at,
        })),
    )
        .into_response())
}

pub async fn room_info(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let room = state
        .lookup_room(client_ip(&state.config, peer, &headers), &code)
        .await?;
    let code = &room.code;
    let (title, language) = {
        let state = room.lock();
        (
            state.room.title().to_string(),
            state.room.language().to_string(),
        )
    };
    let base = base_url(&state.config, &headers);
    let mut body = json!({
        "code": code,
        "title": title,
        "join_url": format!("{base}/{code}"),
    });
    // The session's language, once the facilitator has chosen one: the join screen uses it.
    if !language.is_empty() {
        body["language"] = json!(language);
    }
    Ok(Json(body).into_response())
}

pub async fn delete_room(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let room = state
        .hosted_room(peer, &code, &headers, "deleting a session")
        .await?;
    let code = room.code.clone();
    state
        .hub
        .delete_room(&code, close::ROOM_DELETED)
        .await
        .map_err(|e| ApiError::internal("deleting a room", e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn qr_svg(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let room = state
        .lookup_room(client_ip(&state.config, peer, &headers), &code)
        .await?;
    let code = &room.code;
    let url = format!("{}/{code}", base_url(&state.config, &headers));
    let qr = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| ApiError::internal("rendering a QR code", e))?;
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        svg,
    )
        .into_response())
}
