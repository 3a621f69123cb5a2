//! Typed configuration: command-line flags with `HANDSUP_*` environment fallbacks. Invalid values
//! stop the server at start-up with the name of the offending flag; nothing falls back silently.

use crate::domain::RoomLimits;
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Debug, Parser)]
#[command(name = "handsup", version, about = "Self-hosted real-time live voting")]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "HANDSUP_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// Where the command log and the server secret live.
    #[arg(long, env = "HANDSUP_DATA_DIR", default_value = "./handsup-data")]
    pub data_dir: PathBuf,

    /// Run as one node of a cluster: the command log, and whatever must be the same on every
    /// node, live in this Redis (e.g. redis://127.0.0.1:6379/0). Without it, the embedded SQLite
    /// log in the data directory (no external service).
    #[arg(long, env = "HANDSUP_REDIS_URL", value_parser = parse_redis_url)]
    pub redis_url: Option<String>,

    /// Prefix of every key handsup writes in Redis (deployments can share one Redis).
    #[arg(long, env = "HANDSUP_REDIS_PREFIX", default_value = "handsup:", value_parser = parse_redis_prefix)]
    pub redis_prefix: String,

    /// Public base address for join links and QR codes, e.g. https://vote.example.org
    /// (default: derived from each request's Host header).
    #[arg(long, env = "HANDSUP_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// Rooms with no activity for this long are deleted with their log (e.g. 30d, 12h).
    #[arg(long, env = "HANDSUP_RETENTION", default_value = "30d", value_parser = parse_duration)]
    pub retention: Duration,

    /// How often to look for rooms past their retention.
    #[arg(long, env = "HANDSUP_SWEEP_INTERVAL", default_value = "1h", value_parser = parse_duration)]
    pub sweep_interval: Duration,

    /// Largest WebSocket text message accepted, in bytes.
    #[arg(long, env = "HANDSUP_MAX_MESSAGE_BYTES", default_value_t = 16 * 1024,
          value_parser = clap::value_parser!(u32).range(1024..=1_048_576))]
    pub max_message_bytes: u32,

    /// Largest WebSocket text message from a host, in bytes: a deck can carry a long framework
    /// (a scales activity of hundreds of statements) in one message.
    #[arg(long, env = "HANDSUP_MAX_HOST_MESSAGE_BYTES", default_value_t = 256 * 1024,
          value_parser = clap::value_parser!(u32).range(1024..=4_194_304))]
    pub max_host_message_bytes: u32,

    /// Largest picture a facilitator may upload for a pin-on-image activity, in bytes (PNG,
    /// JPEG or WebP; at most 16 MiB). The picture is kept in the session's log.
    #[arg(long, env = "HANDSUP_MAX_IMAGE_BYTES", default_value_t = 5 * 1024 * 1024,
          value_parser = clap::value_parser!(u32).range(1024..=16_777_216))]
    pub max_image_bytes: u32,

    /// Participants one room admits.
    #[arg(long, env = "HANDSUP_MAX_PARTICIPANTS", default_value_t = 20_000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_participants: u32,

    /// Activities one room's deck holds.
    #[arg(long, env = "HANDSUP_MAX_ACTIVITIES", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_activities: u32,

    /// Rooms one server holds.
    #[arg(long, env = "HANDSUP_MAX_ROOMS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rooms: u32,

    /// Shortest interval between presenter and host frames: a change is shown at once when the
    /// last frame is older than this, otherwise with the next one (at most 50 per second).
    #[arg(long, env = "HANDSUP_PRESENTER_TICK", default_value = "20ms", value_parser = parse_duration)]
    pub presenter_tick: Duration,

    /// Shortest interval between participant frames of one room.
    #[arg(long, env = "HANDSUP_PARTICIPANT_TICK", default_value = "200ms", value_parser = parse_duration)]
    pub participant_tick: Duration,

    /// Participant frames per second one room may send in all, replies to their answers
    /// included; large audiences get the room's frames less often so the total stays within it
    /// (during a vote burst at most four times less often).
    #[arg(long, env = "HANDSUP_PARTICIPANT_FRAME_BUDGET", default_value_t = 20_000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub participant_frame_budget: u32,

    /// Participant frames to a large audience are released this many connections at a time,
    /// the next group once most of the last one is written, so votes and presenter frames are
    /// never queued behind the whole audience's fan-out.
    #[arg(long, env = "HANDSUP_FANOUT_GROUP", default_value_t = 512,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub fanout_group: u32,

    /// A room's state is saved every this many commands, so that loading it reads the latest
    /// snapshot and the entries after it instead of its whole log (in a cluster the Redis stream
    /// is then trimmed behind the snapshot, keeping one interval).
    #[arg(long, env = "HANDSUP_SNAPSHOT_EVERY", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(10..=10_000_000))]
    pub snapshot_every: u64,

    /// A connection whose frames cannot be written within this time is closed as a slow consumer.
    #[arg(long, env = "HANDSUP_SEND_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub send_timeout: Duration,

    /// An idle connection is pinged after this long without a frame from the client.
    #[arg(long, env = "HANDSUP_PING_INTERVAL", default_value = "25s", value_parser = parse_duration)]
    pub ping_interval: Duration,

    /// A pinged connection that stays silent this long after the ping is closed.
    #[arg(long, env = "HANDSUP_PING_TIMEOUT", default_value = "8s", value_parser = parse_duration)]
    pub ping_timeout: Duration,

    /// Requests one connection may send per second (sustained).
    #[arg(long, env = "HANDSUP_COMMAND_RATE", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub command_rate: u32,

    /// Requests one connection may send in a burst.
    #[arg(long, env = "HANDSUP_COMMAND_BURST", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub command_burst: u32,

    /// `rate_limited` replies one connection may earn before it is closed (code 4029).
    #[arg(long, env = "HANDSUP_ABUSE_LIMIT", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub abuse_limit: u32,

    /// New WebSocket connections per second from one IP address (a venue's Wi-Fi is one address).
    #[arg(long, env = "HANDSUP_CONNECT_RATE", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub connect_rate: u32,

    /// New WebSocket connections one IP address may open in a burst.
    #[arg(long, env = "HANDSUP_CONNECT_BURST", default_value_t = 2_000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub connect_burst: u32,

    /// Sessions one IP address may create per minute.
    #[arg(long, env = "HANDSUP_ROOM_CREATE_PER_MINUTE", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub room_create_per_minute: u32,

    /// Lookups of join codes that do not exist (and wrong host keys) one IP address may make per
    /// minute; past it, every lookup from that address is refused for a while.
    #[arg(long, env = "HANDSUP_FAILED_JOINS_PER_MINUTE", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub failed_joins_per_minute: u32,

    /// Results images (`results.png`) one IP address may have drawn per minute; drawing a PNG
    /// costs CPU. SVGs and revalidations that find the image unchanged do not count.
    #[arg(long, env = "HANDSUP_PNG_RENDERS_PER_MINUTE", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub png_renders_per_minute: u32,

    /// Extra origins (scheme://host[:port]) whose pages may open WebSocket connections, besides
    /// the server's own; comma-separated.
    #[arg(long, env = "HANDSUP_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Origins (scheme://host[:port], `https://*.example.org` for subdomains) whose pages may
    /// frame the embed pages (`/embed/{code}`); comma-separated. Default: any site. Every other
    /// page refuses to be framed.
    #[arg(long, env = "HANDSUP_EMBED_ALLOWED_PARENTS", value_delimiter = ',',
          value_parser = parse_parent_origin)]
    pub embed_allowed_parents: Vec<String>,

    /// Kernel send buffer per connection, in bytes (0: the kernel's own autotuning). Bounds the
    /// memory a phone that stopped reading can hold, and lets it be detected as slow.
    #[arg(long, env = "HANDSUP_SOCKET_SEND_BUFFER", default_value_t = 128 * 1024)]
    pub socket_send_buffer: usize,

    /// A client must send a request's headers within this long of connecting (or of its last
    /// answer, on a kept-alive connection), or the connection is closed: a half-sent request
    /// cannot hold a connection open. Upgraded WebSocket connections are not affected.
    #[arg(long, env = "HANDSUP_HTTP_HEADER_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub http_header_timeout: Duration,

    /// A request's body must arrive in full within this long of its headers, however it
    /// trickles, or the request is answered 408 `request_timeout`.
    #[arg(long, env = "HANDSUP_HTTP_BODY_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub http_body_timeout: Duration,

    /// Open TCP connections (pages, API calls and WebSockets together) from one IP address;
    /// past it, a new connection is closed as soon as it is accepted. Generous on purpose: a
    /// venue's Wi-Fi often puts every phone behind one public address, and 5,000 phones (a
    /// conference) each hold a WebSocket plus, while the page loads, a connection or two more;
    /// 10,000 leaves room for that. Behind a reverse proxy every connection comes from the
    /// proxy's address: raise it to what the proxy may open.
    #[arg(long, env = "HANDSUP_MAX_CONNECTIONS_PER_IP", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections_per_ip: u32,

    /// Take the client address from X-Forwarded-For (only behind a reverse proxy you run).
    #[arg(long, env = "HANDSUP_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text)
        .map_err(|e| format!("{e} (use a duration such as 30d, 12h, 50ms)"))?;
    if duration.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(duration)
}

fn parse_public_url(text: &str) -> Result<String, String> {
    let trimmed = text.trim().trim_end_matches('/');
    if !(trimmed.starts_with("http://") || trimmed.starts_with("https://"))
        || trimmed.len() <= "https://".len()
    {
        return Err("must be an absolute http:// or https:// address".into());
    }
    Ok(trimmed.to_string())
}

/// An origin that may frame embeds: `http(s)://host[:port]`, where the host may start with `*.`.
/// It becomes part of a Content-Security-Policy header, so nothing else may slip in.
fn parse_parent_origin(text: &str) -> Result<String, String> {
    let origin = text.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or("must be an origin such as https://meetup.example.org")?;
    let host = rest.strip_prefix("*.").unwrap_or(rest);
    let valid = !host.is_empty()
        && !host.starts_with(['.', ':', '-'])
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !valid {
        return Err(format!(
            "{text:?} is not an origin (scheme://host[:port], no path), e.g. https://meetup.example.org"
        ));
    }
    Ok(origin)
}

impl Config {
    /// Defaults for tests and embedding: every flag at its default, data in `data_dir`.
    pub fn for_data_dir(data_dir: PathBuf) -> Config {
        let mut config = Config::parse_from(["handsup"]);
        config.data_dir = data_dir;
        config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
        config
    }

    pub fn room_limits(&self) -> RoomLimits {
        RoomLimits {
            max_participants: self.max_participants,
            max_activities: self.max_activities,
        }
    }
}

fn parse_redis_url(text: &str) -> Result<String, String> {
    if !(text.starts_with("redis://") || text.starts_with("unix://")) {
        return Err("expected redis://host:port[/db] or unix:///path/to/socket".into());
    }
    redis::Client::open(text).map_err(|err| err.to_string())?;
    Ok(text.to_string())
}

fn parse_redis_prefix(text: &str) -> Result<String, String> {
    if text.is_empty()
        || text.len() > 64
        || text.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("1 to 64 characters, no spaces".into());
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_the_flag() {
        let err = Config::try_parse_from(["handsup", "--retention", "soon"]).unwrap_err();
        assert!(err.to_string().contains("--retention"), "{err}");
        let err = Config::try_parse_from(["handsup", "--public-url", "vote.example"]).unwrap_err();
        assert!(err.to_string().contains("--public-url"), "{err}");
        let err = Config::try_parse_from(["handsup", "--redis-url", "127.0.0.1:6379"]).unwrap_err();
        assert!(err.to_string().contains("--redis-url"), "{err}");
        let err = Config::try_parse_from(["handsup", "--redis-prefix", "a b"]).unwrap_err();
        assert!(err.to_string().contains("--redis-prefix"), "{err}");
        let err = Config::try_parse_from(["handsup", "--bind", "nowhere"]).unwrap_err();
        assert!(err.to_string().contains("--bind"), "{err}");
        for (flag, bad) in [
            ("--http-header-timeout", "0s"),
            ("--http-body-timeout", "soon"),
            ("--max-connections-per-ip", "0"),
            ("--png-renders-per-minute", "0"),
        ] {
            let err = Config::try_parse_from(["handsup", flag, bad]).expect_err(flag);
            assert!(err.to_string().contains(flag), "{err}");
        }
        for bad in [
            "meetup.example.org",
            "https://meetup.example.org/page",
            "https://a.example; script-src *",
            "https://",
        ] {
            let err =
                Config::try_parse_from(["handsup", "--embed-allowed-parents", bad]).expect_err(bad);
            assert!(err.to_string().contains("--embed-allowed-parents"), "{err}");
        }
    }

    #[test]
    fn defaults_match_the_readme() {
        let config = Config::try_parse_from(["handsup"]).unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(config.data_dir, PathBuf::from("./handsup-data"));
        assert_eq!(config.retention, Duration::from_secs(30 * 24 * 3600));
        assert_eq!(config.max_message_bytes, 16 * 1024);
        assert!(config.embed_allowed_parents.is_empty());
        assert_eq!(config.http_header_timeout, Duration::from_secs(10));
        assert_eq!(config.http_body_timeout, Duration::from_secs(30));
        assert_eq!(config.max_connections_per_ip, 10_000);
        assert_eq!(config.png_renders_per_minute, 30);
        let config = Config::try_parse_from([
            "handsup",
            "--embed-allowed-parents",
            "https://Meetup.example.org/,https://*.example.net,http://127.0.0.1:8080",
        ])
        .unwrap();
        assert_eq!(
            config.embed_allowed_parents,
            [
                "https://meetup.example.org",
                "https://*.example.net",
                "http://127.0.0.1:8080"
            ]
        );
        let config =
            Config::try_parse_from(["handsup", "--public-url", "https://vote.example.org/"])
                .unwrap();
        assert_eq!(
            config.public_url.as_deref(),
            Some("https://vote.example.org")
        );
    }
}
