//! Rate limits: per connection for requests, per IP address for new connections, room creation and
//! failed join-code lookups. Backed by governor's GCRA limiters (a few bytes per key).

use crate::config::Config;
use dashmap::DashMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

pub struct Limits {
    command_quota: Quota,
    connect: DefaultKeyedRateLimiter<IpAddr>,
    create_room: DefaultKeyedRateLimiter<IpAddr>,
    failed_joins: DefaultKeyedRateLimiter<IpAddr>,
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
        let now = Instant::now();
        self.blocked.retain(|_, until| *until > now);
    }
}

/// The client's address: the peer, or the first X-Forwarded-For entry when trusted.
pub fn client_ip(config: &Config, peer: SocketAddr, headers: &axum::http::HeaderMap) -> IpAddr {
    if config.trust_forwarded_for {
        if let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
        {
            return ip;
        }
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
