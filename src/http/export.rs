//! Templates and exports: start a session from a template or a saved deck; download a session as
//! JSON, an activity as CSV, or the deck to save as your own template. Exports need the host key
//! (`Authorization: Bearer <host key>`).

use super::extract::ApiPath;
use super::limits::client_ip;
use super::{ApiError, AppState};
use crate::domain::ActivityId;
use crate::domain::export;
use crate::domain::templates::{self, fresh};
use crate::hub::RoomHandle;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;

/// The built-in templates.
pub async fn list_templates() -> Response {
    let list: Vec<_> = templates::builtin()
        .into_iter()
        .map(|t| {
            json!({
                "id": t.id,
                "title": t.title,
                "description": t.description,
                "activities": t.deck.len(),
                "deck": t.deck,
            })
        })
        .collect();
    Json(json!({ "templates": list })).into_response()
}

/// The room, if the request carries its host key (see [`AppState::hosted_room`]).
async fn hosted_room(
    state: &AppState,
    peer: SocketAddr,
    code: &str,
    headers: &HeaderMap,
) -> Result<Arc<RoomHandle>, ApiError> {
    state.hosted_room(peer, code, headers, "this export").await
}

fn attachment(content_type: &'static str, filename: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

pub async fn session_json(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let room = hosted_room(&state, peer, &code, &headers).await?;
    let body = {
        let locked = room.lock();
        serde_json::to_string_pretty(&export::session(&locked.room))
            .map_err(|e| ApiError::internal("exporting a session", e))?
    };
    Ok(attachment(
        "application/json",
        format!("handsup-{}.json", room.code),
        body,
    ))
}

/// Named, so that a bad id is reported by name (`activity`).
#[derive(serde::Deserialize)]
pub struct ActivityPath {
    pub(super) code: String,
    pub(super) activity: u32,
}

pub async fn activity_csv(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(ActivityPath { code, activity }): ApiPath<ActivityPath>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let room = hosted_room(&state, peer, &code, &headers).await?;
    let rows = {
        let locked = room.lock();
        export::csv_rows(&locked.room, ActivityId(activity))
    }
    .ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "activity_not_found",
            format!("activity {activity} is not in this session"),
        )
    })?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(&row)
            .map_err(|e| ApiError::internal("writing CSV", e))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::internal("writing CSV", e))?;
    let body = String::from_utf8(bytes).map_err(|e| ApiError::internal("writing CSV", e))?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        format!("handsup-{}-activity-{activity}.csv", room.code),
        body,
    ))
}

/// The session's deck as a template: save it, then create new sessions from it.
pub async fn deck_json(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let room = hosted_room(&state, peer, &code, &headers).await?;
    let (title, deck) = {
        let locked = room.lock();
        let deck: Vec<_> = locked
            .room
            .deck()
            .iter()
            .map(|a| fresh(&a.spec()))
            .collect();
        (locked.room.title().to_string(), deck)
    };
    Ok(Json(json!({ "title": title, "deck": deck })).into_response())
}

/// The report's data: results and "you said, we did" notes, never individual answers. Public once
/// the host publishes it; until then it needs the host key.
pub async fn report_json(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let ip = client_ip(&state.config, peer, &headers);
    let room = state.lookup_room(ip, &code).await?;
    let published = room.lock().room.report().published;
    if !published {
        hosted_room(&state, peer, &code, &headers).await?;
    }
    let report = {
        let locked = room.lock();
        export::public_report(&locked.room)
    };
    let mut response = Json(json!({ "code": room.code, "report": report })).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    Ok(response)
}

/// `/report/{code}`: the printable report page (its data comes from `report.json`).
pub async fn report_page(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
) -> Response {
    let ip = client_ip(&state.config, peer, &headers);
    match state.lookup_room(ip, &code).await {
        Ok(_) => super::assets::serve("report.html", &headers, StatusCode::OK),
        Err(err) => err.into_response(),
    }
}
