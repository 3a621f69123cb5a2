//! Results as an image: `GET /api/rooms/{code}/activities/{id}/results.svg` and `.png`, one
//! activity of the public report drawn by [`crate::domain::chart`], for newsletters and event
//! pages that take neither scripts nor iframes. The same access rules as `report.json`: anyone
//! once the host publishes the report, until then the host key.
//!
//! PNGs are drawn with resvg from the same SVG, with the fonts in `assets/fonts/` built into the
//! binary (the system's fonts only as a fallback), so they draw the same on a bare server.
//! Drawing costs CPU: each address may draw `--png-renders-per-minute`, a few at a time at most,
//! on the blocking pool; a revalidation whose `ETag` still matches draws nothing.

use super::assets::{etag_of, still_fresh};
use super::export::ActivityPath;
use super::extract::ApiPath;
use super::limits::client_ip;
use super::{ApiError, AppState};
use crate::domain::ActivityId;
use crate::domain::chart::{self, Chart, ChartError, Theme};
use crate::domain::export;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use resvg::{tiny_skia, usvg};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

/// What an SVG served on its own may do: nothing but draw itself (no scripts, no loads, no
/// forms; sandboxed if opened as a page).
const SVG_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox";

#[derive(serde::Deserialize)]
pub struct ImageQuery {
    theme: Option<String>,
    round: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Svg,
    Png,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
}

pub async fn results_svg(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(path): ApiPath<ActivityPath>,
    Query(query): Query<ImageQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    results_image(state, peer, path, query, headers, Format::Svg).await
}

pub async fn results_png(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(path): ApiPath<ActivityPath>,
    Query(query): Query<ImageQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    results_image(state, peer, path, query, headers, Format::Png).await
}

async fn results_image(
    state: AppState,
    peer: SocketAddr,
    ActivityPath { code, activity }: ActivityPath,
    query: ImageQuery,
    headers: HeaderMap,
    format: Format,
) -> Result<Response, ApiError> {
    let theme = match query.theme.as_deref() {
        None | Some("") => Theme::default(),
        Some(name) => Theme::parse(name).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                format!("{name:?} is not a theme: use light or dark"),
            )
        })?,
    };
    let round = match query.round.as_deref() {
        None | Some("") => None,
        Some(text) => Some(text.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                format!("{text:?} is not a valid round: expected a whole number from 1"),
            )
        })?),
    };
    let ip = client_ip(&state.config, peer, &headers);
    let room = state.lookup_room(ip, &code).await?;
    let published = room.lock().room.report().published;
    if !published {
        state
            .hosted_room(peer, &code, &headers, "an unpublished report's image")
            .await?;
    }
    let (report, language) = {
        let locked = room.lock();
        (
            export::public_report(&locked.room),
            locked.room.language().to_string(),
        )
    };
    let Some(found) = report
        .activities
        .iter()
        .find(|a| a.id == ActivityId(activity))
    else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "activity_not_found",
            format!("activity {activity} is not in this session"),
        ));
    };
    let chart = chart::results_chart(&report.title, found, round, &language, theme)
        .map_err(|err| chart_error(activity, err))?;
    let etag = etag_of(&Sha256::digest(
        [chart.svg.as_bytes(), format.extension().as_bytes()].concat(),
    ));
    let filename = format!(
        "handsup-{}-activity-{activity}.{}",
        room.code,
        format.extension()
    );
    if still_fresh(&headers, &etag) {
        return Ok(with_headers(
            StatusCode::NOT_MODIFIED.into_response(),
            format,
            &etag,
            &filename,
        ));
    }
    let response = match format {
        Format::Svg => chart.svg.into_response(),
        Format::Png => {
            state
                .limits
                .check_png_render(ip)
                .map_err(ApiError::rate_limited)?;
            render_png(chart).await?.into_response()
        }
    };
    Ok(with_headers(response, format, &etag, &filename))
}

fn chart_error(activity: u32, err: ChartError) -> ApiError {
    match err {
        ChartError::NoRound { round, rounds } => ApiError::new(
            StatusCode::NOT_FOUND,
            "round_not_found",
            format!("activity {activity} has {rounds} results round(s); there is no round {round}"),
        ),
        ChartError::NothingToChart { kind } => ApiError::new(
            StatusCode::NOT_FOUND,
            "no_chart",
            format!(
                "activity {activity} is a {kind} activity: it has no results to draw (info, timer, \
                 groups and leaderboard activities have none)"
            ),
        ),
    }
}

fn with_headers(mut response: Response, format: Format, etag: &str, filename: &str) -> Response {
    let headers = response.headers_mut();
    let content_type = match format {
        Format::Svg => "image/svg+xml",
        Format::Png => "image/png",
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(etag) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, etag);
    }
    if let Ok(disposition) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    if format == Format::Svg {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(SVG_POLICY),
        );
    }
    response
}

/// PNG renders running at once, server-wide: drawing must not take every core from the rooms.
static DRAWING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::sync::Semaphore::new((cores / 2).max(1))
});

async fn render_png(chart: Chart) -> Result<Vec<u8>, ApiError> {
    let _turn = DRAWING
        .acquire()
        .await
        .map_err(|e| ApiError::internal("waiting to draw a PNG", e))?;
    tokio::task::spawn_blocking(move || png_of(&chart.svg))
        .await
        .map_err(|e| ApiError::internal("drawing a PNG", e))?
        .map_err(|e| ApiError::internal("drawing a PNG", e))
}

/// The fonts PNGs are drawn with: the built-in ones, then whatever the system has.
static FONT_DB: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut db = usvg::fontdb::Database::new();
    for font in BUILT_IN_FONTS {
        db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(*font)));
    }
    db.load_system_fonts();
    db.set_sans_serif_family("Noto Sans");
    Arc::new(db)
});

const BUILT_IN_FONTS: &[&[u8]] = &[
    include_bytes!("../../assets/fonts/NotoSans-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSans-Bold.ttf"),
    include_bytes!("../../assets/fonts/NotoSansArabic-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSansArabic-Bold.ttf"),
];

/// The font for a character the chosen font lacks (Arabic in a Latin font): of the fonts that
/// have it, one of the same style and the nearest weight, so bold stays bold. (usvg's own choice
/// takes the first font of the same style, whatever its weight.)
fn fallback_font(
    c: char,
    used: &[usvg::fontdb::ID],
    db: &mut Arc<usvg::fontdb::Database>,
) -> Option<usvg::fontdb::ID> {
    let base = db.face(*used.first()?).map(|f| (f.style, f.weight.0))?;
    let mut excluded = used.to_vec();
    let mut best: Option<(usvg::fontdb::ID, (bool, u16))> = None;
    // usvg's selector gives the next font that has the character; ask until one matches.
    for _ in 0..16 {
        let Some(id) = USVG_FALLBACK(c, &excluded, db) else {
            break;
        };
        let distance = db.face(id).map_or((true, u16::MAX), |f| {
            (f.style != base.0, f.weight.0.abs_diff(base.1))
        });
        if best.is_none_or(|(_, d)| distance < d) {
            best = Some((id, distance));
        }
        if distance == (false, 0) {
            break;
        }
        excluded.push(id);
    }
    best.map(|(id, _)| id)
}

static USVG_FALLBACK: LazyLock<usvg::FallbackSelectionFn<'static>> =
    LazyLock::new(usvg::FontResolver::default_fallback_selector);

/// Draws an SVG (one of ours) as a PNG of its own size.
pub fn png_of(svg: &str) -> Result<Vec<u8>, String> {
    let options = usvg::Options {
        font_family: "Noto Sans".to_string(),
        fontdb: Arc::clone(&FONT_DB),
        font_resolver: usvg::FontResolver {
            select_font: usvg::FontResolver::default_font_selector(),
            select_fallback: Box::new(fallback_font),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| format!("cannot draw {}×{} pixels", size.width(), size.height()))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_fonts_draw_latin_and_arabic_text() {
        let ids: Vec<String> = FONT_DB
            .faces()
            .filter(|face| matches!(face.source, usvg::fontdb::Source::Binary(_)))
            .flat_map(|face| face.families.iter().map(|(name, _)| name.clone()))
            .collect();
        assert!(ids.iter().any(|f| f == "Noto Sans"), "{ids:?}");
        assert!(ids.iter().any(|f| f == "Noto Sans Arabic"), "{ids:?}");
        let svg = |text: &str| {
            format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"100\"><rect width=\"400\" height=\"100\" fill=\"#fff\"/><text x=\"20\" y=\"60\" font-size=\"40\" font-family=\"Noto Sans\" fill=\"#000\">{text}</text></svg>"
            )
        };
        for text in ["Repairs", "الإصلاحات", "ٹھیک ہے"] {
            let png = png_of(&svg(text)).expect("drawn");
            let pixmap = tiny_skia::Pixmap::decode_png(&png).expect("decodes");
            let dark = pixmap
                .pixels()
                .iter()
                .filter(|p| p.red() < 100 && p.alpha() == 255)
                .count();
            assert!(dark > 200, "{text}: {dark} dark pixels");
        }
    }
}
