//! Rate limits: per connection for requests, per IP address for new connections, room creation and
//! failed join-code lookups. Backed by governor's GCRA limiters (a few bytes per key). Also the
//! count of open TCP connections per IP address.

use crate::config::Config;
use dashmap::DashMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Limits {
    command_quota: Quota,
    connect: DefaultKeyedRateLimiter<IpAddr>,
    create_room: DefaultKeyedRateLimiter<IpAddr>,
    failed_joins: DefaultKeyedRateLimiter<IpAddr>,
    /// Results images drawn as PNG (they cost CPU; SVGs do not).
    png_renders: DefaultKeyedRateLimiter<IpAddr>,
    /// Addresses that guessed too many codes, refused every lookup until the instant given.
    blocked: DashMap<IpAddr, Instant>,
    clock: DefaultClock,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(nonzero(n)).allow_burst(nonzero(n))
}

impl Limits {
    pub fn from_config(config: &Config) -> Limits {
        Limits {
            command_quota: Quota::per_second(nonzero(config.command_rate))
                .allow_burst(nonzero(config.command_burst)),
            connect: RateLimiter::keyed(
                Quota::per_second(nonzero(config.connect_rate))
                    .allow_burst(nonzero(config.connect_burst)),
            ),
            create_room: RateLimiter::keyed(per_minute(config.room_create_per_minute)),
            failed_joins: RateLimiter::keyed(per_minute(config.failed_joins_per_minute)),
            png_renders: RateLimiter::keyed(per_minute(config.png_renders_per_minute)),
            blocked: DashMap::new(),
            clock: DefaultClock::default(),
        }
    }

    /// A fresh limiter for one connection's requests.
    pub fn command_limiter(&self) -> DefaultDirectRateLimiter {
        RateLimiter::direct(self.command_quota)
    }

    /// `Err(retry after)` when the limiter refuses.
    pub fn check_direct(&self, limiter: &DefaultDirectRateLimiter) -> Result<(), Duration> {
        limiter
            .check()
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    fn check_keyed(
        &self,
        limiter: &DefaultKeyedRateLimiter<IpAddr>,
        ip: IpAddr,
    ) -> Result<(), Duration> {
        limiter
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    pub fn check_connect(&self, ip: IpAddr) -> Result<(), Duration> {
        self.check_keyed(&self.connect, ip)
    }

    pub fn check_create_room(&self, ip: IpAddr) -> Result<(), Duration> {
        self.check_keyed(&self.create_room, ip)
    }

    /// Whether this address may have another results image drawn as PNG now.
    pub fn check_png_render(&self, ip: IpAddr) -> Result<(), Duration> {
        self.check_keyed(&self.png_renders, ip)
    }

    /// Whether this address may look up join codes now.
    pub fn check_lookup(&self, ip: IpAddr) -> Result<(), Duration> {
        match self.blocked.get(&ip).map(|until| *until) {
            Some(until) if until > Instant::now() => Err(until - Instant::now()),
            _ => Ok(()),
        }
    }

    /// Counts a lookup of a code that does not exist (or a wrong host key). Past the limit the
    /// address is refused every lookup, hits included, so guessing learns nothing.
    pub fn record_miss(&self, ip: IpAddr) -> Result<(), Duration> {
        self.check_keyed(&self.failed_joins, ip)
            .inspect_err(|wait| {
                self.blocked.insert(ip, Instant::now() + *wait);
            })
    }

    /// Forgets limiter state that no longer limits anyone (called by the sweeper).
    pub fn forget_idle(&self) {
        self.connect.retain_recent();
        self.create_room.retain_recent();
        self.failed_joins.retain_recent();
        self.png_renders.retain_recent();
        let now = Instant::now();
        self.blocked.retain(|_, until| *until > now);
    }
}

/// Open TCP connections per IP address, counted at accept. A slot is held by the socket itself,
/// so it is released when the socket closes, after an upgrade to a WebSocket too.
pub struct OpenConnections {
    limit: u32,
    open: DashMap<IpAddr, OpenFrom>,
}

struct OpenFrom {
    count: u32,
    /// Whether a refusal was logged since the address last fell to half its limit (one warning
    /// per episode, not one per refused connection).
    warned: bool,
}

/// One open connection's place in the count; dropping it frees the place.
pub struct ConnectionSlot {
    owner: Arc<OpenConnections>,
    ip: IpAddr,
}

impl OpenConnections {
    pub fn new(limit: u32) -> Arc<OpenConnections> {
        Arc::new(OpenConnections {
            limit,
            open: DashMap::new(),
        })
    }

    /// A slot for a new connection from `ip`, or `None` when the address is at its limit.
    pub fn try_open(self: &Arc<Self>, ip: IpAddr) -> Option<ConnectionSlot> {
        let mut from = self.open.entry(ip).or_insert(OpenFrom {
            count: 0,
            warned: false,
        });
        if from.count >= self.limit {
            if !from.warned {
                from.warned = true;
                tracing::warn!(
                    %ip,
                    limit = self.limit,
                    "refusing connections: this address has --max-connections-per-ip open"
                );
            }
            return None;
        }
        from.count += 1;
        drop(from);
        Some(ConnectionSlot {
            owner: Arc::clone(self),
            ip,
        })
    }

    /// Connections open from `ip` now.
    pub fn open_from(&self, ip: IpAddr) -> u32 {
        self.open.get(&ip).map_or(0, |from| from.count)
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if let dashmap::Entry::Occupied(mut entry) = self.owner.open.entry(self.ip) {
            let from = entry.get_mut();
            from.count = from.count.saturating_sub(1);
            if from.count <= self.owner.limit / 2 {
                from.warned = false;
            }
            if from.count == 0 {
                entry.remove();
            }
        }
    }
}

/// The client's address: the peer, or the first X-Forwarded-For entry when trusted.
pub fn client_ip(config: &Config, peer: SocketAddr, headers: &axum::http::HeaderMap) -> IpAddr {
    if config.trust_forwarded_for
        && let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return ip;
    }
    peer.ip()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn guessing_past_the_limit_blocks_hits_too() {
        let mut config = Config::parse_from(["handsup"]);
        config.failed_joins_per_minute = 3;
        let limits = Limits::from_config(&config);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limits.check_lookup(ip).is_ok());
            assert!(limits.record_miss(ip).is_ok());
        }
        assert!(limits.record_miss(ip).is_err());
        let wait = limits.check_lookup(ip).unwrap_err();
        assert!(
            wait > Duration::from_secs(1) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(
            limits.check_lookup(other).is_ok(),
            "other addresses are not affected"
        );
    }

    #[test]
    fn open_connections_are_capped_per_address_and_freed_on_close() {
        let open = OpenConnections::new(2);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        let first = open.try_open(ip).unwrap();
        let _second = open.try_open(ip).unwrap();
        assert!(open.try_open(ip).is_none(), "the third is refused");
        assert!(open.try_open(other).is_some(), "other addresses are not");
        drop(first);
        assert_eq!(open.open_from(ip), 1);
        let _third = open.try_open(ip).expect("a freed slot can be used again");
        assert_eq!(open.open_from(ip), 2);
        assert_eq!(open.open_from(other), 0, "a closed address is forgotten");
    }

    #[test]
    fn png_renders_are_limited_per_address() {
        let mut config = Config::parse_from(["handsup"]);
        config.png_renders_per_minute = 2;
        let limits = Limits::from_config(&config);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(limits.check_png_render(ip).is_ok());
        assert!(limits.check_png_render(ip).is_ok());
        let wait = limits.check_png_render(ip).unwrap_err();
        assert!(
            wait > Duration::from_secs(1) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert!(limits.check_png_render("10.0.0.2".parse().unwrap()).is_ok());
    }

    #[test]
    fn a_connection_gets_its_burst_then_is_limited() {
        let mut config = Config::parse_from(["handsup"]);
        config.command_rate = 1;
        config.command_burst = 5;
        let limits = Limits::from_config(&config);
        let limiter = limits.command_limiter();
        for _ in 0..5 {
            assert!(limits.check_direct(&limiter).is_ok());
        }
        let retry = limits.check_direct(&limiter).unwrap_err();
        assert!(retry <= Duration::from_secs(1));
    }
}
