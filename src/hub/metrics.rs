//! Server metrics in Prometheus text format (`GET /metrics`). One registry per server, not a
//! global one, so servers in one test process do not mix their numbers. Updating a metric is an
//! atomic add: cheap enough for the per-frame path.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

pub struct Metrics {
    registry: Registry,
    pub connections: Gauge,
    pub rooms: Gauge,
    pub commands_applied: Counter,
    pub commands_rejected: Counter,
    pub frames_sent: Counter,
    pub log_commit_seconds: Histogram,
    pub slow_consumers_dropped: Counter,
    pub rate_limited: Counter,
    pub heartbeat_timeouts: Counter,
    pub replica_copies: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("handsup");
        let metrics = Metrics {
            connections: Gauge::default(),
            rooms: Gauge::default(),
            commands_applied: Counter::default(),
            commands_rejected: Counter::default(),
            frames_sent: Counter::default(),
            // 0.25 ms to about 4 s.
            log_commit_seconds: Histogram::new(exponential_buckets(0.000_25, 2.0, 15)),
            slow_consumers_dropped: Counter::default(),
            rate_limited: Counter::default(),
            heartbeat_timeouts: Counter::default(),
            replica_copies: Counter::default(),
            registry: Registry::default(),
        };
        registry.register(
            "connections",
            "Open WebSocket connections",
            metrics.connections.clone(),
        );
        registry.register("rooms", "Sessions held in memory", metrics.rooms.clone());
        registry.register(
            "commands_applied",
            "Commands applied and made durable",
            metrics.commands_applied.clone(),
        );
        registry.register(
            "commands_rejected",
            "Commands refused by the room's rules",
            metrics.commands_rejected.clone(),
        );
        registry.register(
            "frames_sent",
            "WebSocket frames written to clients",
            metrics.frames_sent.clone(),
        );
        registry.register(
            "log_commit_seconds",
            "Time from appending a command to its durable commit",
            metrics.log_commit_seconds.clone(),
        );
        registry.register(
            "slow_consumers_dropped",
            "Connections closed because they did not read their frames in time",
            metrics.slow_consumers_dropped.clone(),
        );
        registry.register(
            "rate_limited",
            "Requests refused by a rate limit",
            metrics.rate_limited.clone(),
        );
        registry.register(
            "heartbeat_timeouts",
            "Connections closed because they did not answer pings",
            metrics.heartbeat_timeouts.clone(),
        );
        registry.register(
            "replica_copies",
            "Times a room's proposal replica was copied afresh from the room (it had drifted)",
            metrics.replica_copies.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }
}

impl Metrics {
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
