//! handsup: self-hosted real-time live voting.
//!
//! # Layout
//! - [`domain`]: the pure room state machine (`Room::apply`), one file per activity type. No I/O,
//!   no clocks, no tokio.
//! - [`protocol`]: the WebSocket wire types, error codes and close codes.
//! - [`store`]: the command log trait (its ordering and durability contract), the SQLite log
//!   (embedded default) and the Redis log (cluster mode), with one contract test suite.
//! - [`hub`]: live rooms in memory, command submission, the per-room ticker and `watch` fan-out,
//!   identity (tokens, host keys), retention.
//! - [`http`]: axum routes: REST API, WebSocket sessions, pages and assets, QR codes; the accept
//!   loop (per-address connection cap, header and body deadlines).
//! - [`config`]: command-line flags with `HANDSUP_*` environment fallbacks.
//!
//! Dependencies point one way: `domain ← protocol ← hub ← http ← main`, with `store` beside the hub.

pub mod config;
pub mod domain;
pub mod http;
pub mod hub;
pub mod protocol;
pub mod store;

use config::Config;
use http::AppState;
use hub::{Hub, HubSettings, identity::Secret};
use std::future::Future;
use std::sync::Arc;
use store::redis::RedisLog;
use store::sqlite::SqliteLog;
use tokio::net::TcpListener;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot use the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot read or create the server secret in {path}: {source}")]
    Secret {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the command log: {0}")]
    Store(#[from] store::StoreError),
}

/// Opens the data directory and the command log (SQLite there, or the cluster's Redis), replays
/// what must be replayed and returns the application state.
pub async fn open(config: Config) -> Result<AppState, StartError> {
    let dir = &config.data_dir;
    let shown = dir.display().to_string();
    std::fs::create_dir_all(dir).map_err(|source| StartError::DataDir {
        path: shown.clone(),
        source,
    })?;
    type Logs = (
        Arc<dyn store::CommandLog>,
        Option<Arc<dyn store::Cluster>>,
        Secret,
    );
    let (log, cluster, secret): Logs = match &config.redis_url {
        Some(url) => {
            let log = RedisLog::connect(url, &config.redis_prefix).await?;
            // Every node signs and checks participants' tokens with the same secret.
            let secret = Secret::from_bytes(log.shared_secret(Secret::random().bytes()).await?);
            let log = Arc::new(log);
            (log.clone(), Some(log), secret)
        }
        None => {
            let secret = Secret::load_or_create(dir).map_err(|source| StartError::Secret {
                path: shown,
                source,
            })?;
            let log = SqliteLog::open(&dir.join("handsup.sqlite"))?;
            (Arc::new(log), None, secret)
        }
    };
    let hub = Hub::load(log, cluster, HubSettings::from_config(&config), secret).await?;
    Ok(AppState::new(Arc::new(hub), Arc::new(config)))
}

/// Serves until `shutdown` resolves, then closes every session with "restarting" (clients
/// reconnect), and returns once the log has flushed.
pub async fn run(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let hub = Arc::clone(&state.hub);
    let sweeper = {
        let hub = Arc::clone(&hub);
        let limits = Arc::clone(&state.limits);
        let every = state.config.sweep_interval;
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            loop {
                interval.tick().await;
                hub.sweep_expired(hub::now_ms(), every).await;
                limits.forget_idle();
            }
        })
    };
    let closing_hub = Arc::clone(&hub);
    let settings = http::serve::ServeSettings {
        header_timeout: state.config.http_header_timeout,
        send_buffer: state.config.socket_send_buffer,
        max_connections_per_ip: state.config.max_connections_per_ip,
    };
    let draining = http::serve::serve(http::app(state), listener, settings, async move {
        shutdown.await;
        tracing::info!("shutting down: closing sessions and flushing the log");
        closing_hub.close_connections(protocol::close::RESTARTING);
    })
    .await;
    sweeper.abort();
    // Give requests in flight and sessions a moment to finish and send their close frames, then
    // make everything durable. A connection still open at the deadline is abandoned.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    if tokio::time::timeout_at(deadline, draining.finished())
        .await
        .is_err()
    {
        tracing::warn!("some HTTP connections were still open at shutdown");
    }
    while hub.connection_count() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    if let Err(err) = hub.flush().await {
        tracing::error!(error = %err, "the log did not flush on shutdown");
    }
    Ok(())
}
