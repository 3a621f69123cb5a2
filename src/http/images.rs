//! Pictures for pin-on-image activities: the facilitator uploads one (`PUT`, host key), takes it
//! down (`DELETE`), and every screen, phone and embed of the session loads it (`GET`, by the
//! session's code like joining). The picture goes into the room as a logged command, so the log
//! holds it; the room checks it (`pin::PinImage::check`), this layer only carries it.

use super::export::ActivityPath;
use super::extract::ApiPath;
use super::limits::client_ip;
use super::{ApiError, AppState};
use crate::domain::activity::pin::{HostCommand, PinImage};
use crate::domain::activity::{ActivityControl, ActivityKind};
use crate::domain::{ActivityId, Command, RejectCode, Rejection};
use crate::hub::SubmitError;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;
use std::net::SocketAddr;

fn submit_error(err: SubmitError) -> ApiError {
    match err {
        SubmitError::Rejected(Rejection { code, detail }) => {
            let status = match code {
                RejectCode::ActivityNotFound => StatusCode::NOT_FOUND,
                RejectCode::ImageInUse => StatusCode::CONFLICT,
                RejectCode::InvalidImage => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::BAD_REQUEST,
            };
            ApiError::new(status, code.as_str(), detail)
        }
        SubmitError::Gone => ApiError::new(
            StatusCode::NOT_FOUND,
            "room_not_found",
            "the session was deleted",
        ),
        SubmitError::Store(err) => ApiError::internal("saving a picture", err),
    }
}

/// Reads the body up to `limit` bytes; a longer one (or a Content-Length that says so) is 413.
async fn read_limited(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "the picture is larger than the limit of {} KiB",
                limit / 1024
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => Ok(bytes),
        Err(err) => {
            let text = err.to_string();
            // `to_bytes` fails with "length limit exceeded" past `limit`; anything else is the
            // body not arriving (the body timeout, a dropped connection).
            if text.contains("length limit") {
                Err(too_large())
            } else {
                Err(ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "request_timeout",
                    "the picture did not arrive in time; try again",
                ))
            }
        }
    }
}

/// `PUT /api/rooms/{code}/activities/{activity}/image`: the picture itself as the body (PNG,
/// JPEG or WebP; the type is read from the file, not from its name or Content-Type).
pub async fn put_image(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(ActivityPath { code, activity }): ApiPath<ActivityPath>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let room = state
        .hosted_room(peer, &code, &headers, "putting up a picture")
        .await?;
    let limit = state.config.max_image_bytes as usize;
    let data = read_limited(&headers, body, limit).await?;
    // Checked here too, against this server's limit, so that a bad file is refused before it
    // is encoded for the log; the room checks it again when it applies the command.
    let image =
        PinImage::check(&data, limit).map_err(|r| submit_error(SubmitError::Rejected(r)))?;
    let command = Command::Control(ActivityControl::Pin(HostCommand::SetPinImage {
        activity: ActivityId(activity),
        image: Some(base64::engine::general_purpose::STANDARD.encode(&data)),
    }));
    room.submit(command).await.map_err(submit_error)?;
    Ok(Json(json!({ "image": image.info })).into_response())
}

/// `DELETE …/image`: takes the picture down (refused while pins are on it).
pub async fn delete_image(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(ActivityPath { code, activity }): ApiPath<ActivityPath>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let room = state
        .hosted_room(peer, &code, &headers, "taking down a picture")
        .await?;
    let command = Command::Control(ActivityControl::Pin(HostCommand::SetPinImage {
        activity: ActivityId(activity),
        image: None,
    }));
    room.submit(command).await.map_err(submit_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(serde::Deserialize)]
pub struct Version {
    v: Option<String>,
}

/// `GET …/image[?v=<id>]`: the current picture, or with `v` the one of that id (an earlier
/// round's too). With `v` the answer never changes, so it is cached for good; without, it is
/// revalidated by its ETag.
pub async fn get_image(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(ActivityPath { code, activity }): ApiPath<ActivityPath>,
    Query(version): Query<Version>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let ip = client_ip(&state.config, peer, &headers);
    let room = state.lookup_room(ip, &code).await?;
    let found = {
        let locked = room.lock();
        let Ok(activity) = locked.room.activity(ActivityId(activity)) else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "activity_not_found",
                format!("activity {activity} is not in this session"),
            ));
        };
        let image_of = |kind: &ActivityKind| match kind {
            ActivityKind::Pin(pin) => pin.image().cloned(),
            _ => None,
        };
        match &version.v {
            None => image_of(&activity.kind),
            Some(id) => std::iter::once(&activity.kind)
                .chain(activity.earlier.iter())
                .filter_map(image_of)
                .find(|image| &image.info.id == id),
        }
    };
    let Some(image) = found else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_image",
            "this activity has no such picture",
        ));
    };
    let etag = format!("\"{}\"", image.info.id);
    let cache = if version.v.is_some() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = Body::from(Bytes::from_owner(image.bytes.0.clone())).into_response();
        if let Ok(mime) = HeaderValue::from_str(&image.info.mime) {
            response.headers_mut().insert(header::CONTENT_TYPE, mime);
        }
        response
    };
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(response)
}
