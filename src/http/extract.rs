//! Every error answer in one form, `{"error": {"code", "message"}}`: extractors whose rejections
//! are [`ApiError`]s, and a layer that rewrites the error answers nothing here wrote (axum's
//! 405s and extractor rejections, tower-http's 413) into the same form. HTML error pages and
//! answers that are already JSON pass through untouched.

use super::{ApiError, MAX_BODY_BYTES};
use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde_json::json;

/// The request body of a JSON endpoint: only `Content-Type: application/json` is read (415
/// otherwise, so another site's plain HTML form cannot post here), at most [`MAX_BODY_BYTES`]
/// (413), within the body deadline set in `app` (408).
pub struct JsonBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the request as JSON, with Content-Type: application/json",
            ));
        }
        axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
            .await
            .map(JsonBody)
            .map_err(|err| body_error(&err))
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// Why a body could not be read: too large, too slow, or cut off.
fn body_error(err: &axum::Error) -> ApiError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = cause {
        if current.is::<http_body_util::LengthLimitError>() {
            return payload_too_large();
        }
        if current.is::<tower_http::timeout::TimeoutError>() {
            return ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "the request body did not arrive in time",
            );
        }
        cause = current.source();
    }
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!("the request body could not be read: {err}"),
    )
}

fn payload_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "the request body is larger than the limit of {} KiB",
            MAX_BODY_BYTES / 1024
        ),
    )
}

/// axum's `Path`, rejecting with an [`ApiError`] that names the part of the address at fault.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(path_error(rejection)),
        }
    }
}

fn path_error(rejection: PathRejection) -> ApiError {
    use axum::extract::path::ErrorKind;
    let status = rejection.status();
    let message = match &rejection {
        PathRejection::FailedToDeserializePathParams(err) => match err.kind() {
            ErrorKind::ParseErrorAtKey {
                key,
                value,
                expected_type,
            } => format!(
                "{value:?} is not a valid {key} in this address: expected {}",
                describe(expected_type)
            ),
            ErrorKind::InvalidUtf8InPathParam { key } => {
                format!("the {key} in this address is not valid UTF-8")
            }
            ErrorKind::DeserializeError {
                key,
                value,
                message,
            } => format!("{value:?} is not a valid {key} in this address: {message}"),
            _ => rejection.body_text(),
        },
        _ => rejection.body_text(),
    };
    if status.is_server_error() {
        tracing::error!(%message, "a route and its path extractor disagree");
        return ApiError::new(
            status,
            "unavailable",
            "the server could not read this address",
        );
    }
    ApiError::new(status, "invalid_request", message)
}

fn describe(expected_type: &str) -> &str {
    match expected_type {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number",
        other => other,
    }
}

/// The code for an error answer that carries only a status.
pub fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        s if s.is_server_error() => "unavailable",
        _ => "invalid_request",
    }
}

/// Rewrites an error answer that is neither JSON nor an HTML page (an empty body, or axum's
/// `text/plain` rejections) into the API's JSON form, keeping its status and headers (`Allow`,
/// `Retry-After`). Must sit inside the compression layer: it reads the plain-text body.
pub async fn json_errors(method: Method, uri: Uri, response: Response) -> Response {
    let status = response.status();
    let plain = match response.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(value) => value.as_bytes().starts_with(b"text/plain"),
    };
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let message = match status {
        // axum adds `Allow` outside this layer, so it cannot be quoted here.
        StatusCode::METHOD_NOT_ALLOWED => format!(
            "{method} is not allowed at {}; the Allow header lists the methods that are",
            uri.path()
        ),
        StatusCode::PAYLOAD_TOO_LARGE => payload_too_large().message,
        _ => {
            let text = if parts.headers.contains_key(header::CONTENT_ENCODING) {
                String::new()
            } else {
                axum::body::to_bytes(body, 4096)
                    .await
                    .map(|b| String::from_utf8_lossy(&b).trim().to_string())
                    .unwrap_or_default()
            };
            if text.is_empty() {
                status
                    .canonical_reason()
                    .unwrap_or("the request failed")
                    .to_string()
            } else {
                text
            }
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_ENCODING);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = json!({"error": {"code": code_for(status), "message": message}}).to_string();
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use std::time::Duration;

    fn json_request(body: Body) -> Request {
        Request::builder()
            .method("POST")
            .uri("/api/rooms")
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .unwrap()
    }

    #[tokio::test]
    async fn a_body_past_the_limit_without_a_length_is_413() {
        // No Content-Length to refuse it by: the limit applies as it is read.
        let chunks = futures_util::stream::iter(
            (0..3).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b' '; MAX_BODY_BYTES / 2]))),
        );
        let err = JsonBody::from_request(json_request(Body::from_stream(chunks)), &())
            .await
            .err()
            .unwrap();
        assert_eq!(err.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(err.code, "payload_too_large");
    }

    #[tokio::test]
    async fn a_body_past_its_deadline_is_408() {
        let never = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
        let late = tower_http::timeout::DeadlineBody::new(
            Duration::from_millis(20),
            Body::from_stream(never),
        );
        let err = JsonBody::from_request(json_request(Body::new(late)), &())
            .await
            .err()
            .unwrap();
        assert_eq!(err.status, StatusCode::REQUEST_TIMEOUT);
        assert_eq!(err.code, "request_timeout");
    }
}
