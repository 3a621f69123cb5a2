//! Just enough of a Redis client for the benchmark's own needs: the server's pid and counters
//! (`INFO`), and deleting one run's keys (`SCAN` + `UNLINK`). Loopback only, every call bounded
//! in time and in reply size.

use crate::net;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CALL_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_REPLY: usize = 16 << 20;

/// A reply in RESP2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

impl Reply {
    fn text(&self) -> Option<String> {
        match self {
            Reply::Simple(s) => Some(s.clone()),
            Reply::Bulk(Some(b)) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        }
    }
}

/// What a `redis://` address says: where, who, which database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisAddr {
    pub addr: SocketAddr,
    pub user: Option<String>,
    pub password: Option<String>,
    pub db: u32,
}

/// Parses `redis://[[user]:password@]host[:port][/db]`; the host must be in 127.0.0.0/8.
pub fn parse_url(url: &str) -> Result<RedisAddr, String> {
    let rest = url
        .strip_prefix("redis://")
        .ok_or_else(|| format!("{url}: only redis:// addresses are supported"))?;
    let (auth, rest) = match rest.rsplit_once('@') {
        Some((auth, rest)) => (Some(auth), rest),
        None => (None, rest),
    };
    let (hostport, db) = match rest.split_once('/') {
        Some((h, d)) if !d.is_empty() => (
            h,
            d.parse::<u32>()
                .map_err(|_| format!("{url}: bad database {d:?}"))?,
        ),
        Some((h, _)) => (h, 0),
        None => (rest, 0),
    };
    let hostport = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:6379")
    };
    let addr = net::loopback_addr(&format!("http://{hostport}"))?;
    let (user, password) = match auth {
        None => (None, None),
        Some(a) => match a.split_once(':') {
            Some((u, p)) => ((!u.is_empty()).then(|| u.to_string()), Some(p.to_string())),
            None => (Some(a.to_string()), None),
        },
    };
    Ok(RedisAddr {
        addr,
        user,
        password,
        db,
    })
}

/// The address without its password, for reports.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

/// Parses one reply from the front of `buf`: `Ok(None)` when more bytes are needed.
pub fn parse(buf: &[u8]) -> Result<Option<(Reply, usize)>, String> {
    parse_at(buf, 0, 0)
}

fn line_at(buf: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let rel = buf.get(at..)?.windows(2).position(|w| w == b"\r\n")?;
    Some((&buf[at..at + rel], at + rel + 2))
}

fn parse_at(buf: &[u8], at: usize, depth: usize) -> Result<Option<(Reply, usize)>, String> {
    if depth > 8 {
        return Err("redis: reply nested too deeply".into());
    }
    let Some(&kind) = buf.get(at) else {
        return Ok(None);
    };
    let Some((line, next)) = line_at(buf, at + 1) else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(line).into_owned();
    let number = || {
        text.parse::<i64>()
            .map_err(|_| format!("redis: bad length {text:?}"))
    };
    match kind {
        b'+' => Ok(Some((Reply::Simple(text), next))),
        b'-' => Ok(Some((Reply::Error(text), next))),
        b':' => Ok(Some((Reply::Int(number()?), next))),
        b'$' => {
            let n = number()?;
            if n < 0 {
                return Ok(Some((Reply::Bulk(None), next)));
            }
            let n = n as usize;
            if n > MAX_REPLY {
                return Err("redis: reply too large".into());
            }
            if buf.len() < next + n + 2 {
                return Ok(None);
            }
            Ok(Some((
                Reply::Bulk(Some(buf[next..next + n].to_vec())),
                next + n + 2,
            )))
        }
        b'*' => {
            let n = number()?;
            if n < 0 {
                return Ok(Some((Reply::Array(None), next)));
            }
            if n as usize > MAX_REPLY {
                return Err("redis: array too large".into());
            }
            let mut items = Vec::with_capacity((n as usize).min(4096));
            let mut pos = next;
            for _ in 0..n {
                match parse_at(buf, pos, depth + 1)? {
                    Some((item, after)) => {
                        items.push(item);
                        pos = after;
                    }
                    None => return Ok(None),
                }
            }
            Ok(Some((Reply::Array(Some(items)), pos)))
        }
        other => Err(format!("redis: unexpected reply type {:?}", other as char)),
    }
}

/// One connection to Redis.
pub struct Redis {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Redis {
    pub async fn connect(url: &str) -> Result<Redis, String> {
        let target = parse_url(url)?;
        let stream = net::tcp(target.addr, None).await?;
        let mut redis = Redis {
            stream,
            buf: Vec::new(),
        };
        if let Some(password) = &target.password {
            let user = target.user.clone().unwrap_or_else(|| "default".into());
            redis.ok(&["AUTH", &user, password]).await?;
        }
        if target.db != 0 {
            redis.ok(&["SELECT", &target.db.to_string()]).await?;
        }
        Ok(redis)
    }

    /// Sends one command and reads its reply (bounded).
    pub async fn call(&mut self, args: &[&str]) -> Result<Reply, String> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        let work = async {
            self.stream
                .write_all(&out)
                .await
                .map_err(|e| format!("redis write: {e}"))?;
            loop {
                if let Some((reply, used)) = parse(&self.buf)? {
                    self.buf.drain(..used);
                    return Ok(reply);
                }
                let mut chunk = [0u8; 16384];
                let n = self
                    .stream
                    .read(&mut chunk)
                    .await
                    .map_err(|e| format!("redis read: {e}"))?;
                if n == 0 {
                    return Err("redis closed the connection".to_string());
                }
                self.buf.extend_from_slice(&chunk[..n]);
                if self.buf.len() > MAX_REPLY {
                    return Err("redis: reply too large".to_string());
                }
            }
        };
        tokio::time::timeout(CALL_TIMEOUT, work)
            .await
            .map_err(|_| format!("redis: no answer to {}", args.first().unwrap_or(&"")))?
    }

    async fn ok(&mut self, args: &[&str]) -> Result<(), String> {
        match self.call(args).await? {
            Reply::Error(e) => Err(format!("redis {}: {e}", args.first().unwrap_or(&""))),
            _ => Ok(()),
        }
    }

    /// `INFO` as key → value.
    pub async fn info(&mut self) -> Result<Info, String> {
        let reply = self.call(&["INFO"]).await?;
        let text = match reply {
            Reply::Error(e) => return Err(format!("redis INFO: {e}")),
            other => other.text().ok_or("redis INFO: not text")?,
        };
        Ok(Info::parse(&text))
    }

    /// Deletes every key that starts with `prefix`; returns how many. Bounded: at most
    /// 100,000 SCAN rounds.
    pub async fn delete_prefix(&mut self, prefix: &str) -> Result<u64, String> {
        let pattern = format!("{}*", glob_escape(prefix));
        let mut cursor = "0".to_string();
        let mut deleted = 0u64;
        for _ in 0..100_000 {
            let reply = self
                .call(&["SCAN", &cursor, "MATCH", &pattern, "COUNT", "1000"])
                .await?;
            let Reply::Array(Some(parts)) = reply else {
                return Err(format!("redis SCAN: unexpected {reply:?}"));
            };
            let next = parts.first().and_then(Reply::text).ok_or("redis SCAN")?;
            let keys: Vec<String> = match parts.get(1) {
                Some(Reply::Array(Some(keys))) => keys.iter().filter_map(Reply::text).collect(),
                _ => Vec::new(),
            };
            if !keys.is_empty() {
                let mut args: Vec<&str> = vec!["UNLINK"];
                args.extend(keys.iter().map(String::as_str));
                if let Reply::Int(n) = self.call(&args).await? {
                    deleted += n.max(0) as u64;
                }
            }
            if next == "0" {
                return Ok(deleted);
            }
            cursor = next;
        }
        Err("redis SCAN did not finish".into())
    }
}

fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The `INFO` fields the report uses.
#[derive(Clone, Debug, Default)]
pub struct Info {
    pub pid: Option<u32>,
    pub commands_processed: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    pub used_memory: u64,
    pub version: String,
}

impl Info {
    pub fn parse(text: &str) -> Info {
        let mut info = Info::default();
        for line in text.lines() {
            let Some((key, value)) = line.trim().split_once(':') else {
                continue;
            };
            let n = || value.parse::<u64>().unwrap_or(0);
            match key {
                "process_id" => info.pid = value.parse().ok(),
                "total_commands_processed" => info.commands_processed = n(),
                "total_net_input_bytes" => info.net_input_bytes = n(),
                "total_net_output_bytes" => info.net_output_bytes = n(),
                "used_memory" => info.used_memory = n(),
                "redis_version" => info.version = value.to_string(),
                _ => {}
            }
        }
        info
    }
}

/// `INFO` from a fresh connection (the connection itself is a few commands).
pub async fn info(url: &str) -> Result<Info, String> {
    Redis::connect(url).await?.info().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_stay_on_loopback() {
        let a = parse_url("redis://127.0.0.1:6390/2").unwrap();
        assert_eq!((a.addr.port(), a.db, a.password), (6390, 2, None));
        let b = parse_url("redis://:secret@localhost").unwrap();
        assert_eq!(
            (b.addr.port(), b.user, b.password.as_deref()),
            (6379, None, Some("secret"))
        );
        assert!(parse_url("redis://10.1.2.3:6379").is_err());
        assert!(parse_url("rediss://127.0.0.1").is_err());
        assert_eq!(
            redact("redis://u:p@127.0.0.1:1/0"),
            "redis://…@127.0.0.1:1/0"
        );
    }

    #[test]
    fn replies_parse_whole_or_wait_for_more() {
        let full = b"*2\r\n$1\r\n0\r\n*2\r\n$3\r\nabc\r\n:5\r\n";
        let (reply, used) = parse(full).unwrap().unwrap();
        assert_eq!(used, full.len());
        assert_eq!(
            reply,
            Reply::Array(Some(vec![
                Reply::Bulk(Some(b"0".to_vec())),
                Reply::Array(Some(vec![
                    Reply::Bulk(Some(b"abc".to_vec())),
                    Reply::Int(5)
                ])),
            ]))
        );
        for cut in 0..full.len() {
            assert!(parse(&full[..cut]).unwrap().is_none(), "cut at {cut}");
        }
        assert_eq!(
            parse(b"-ERR no\r\n").unwrap().unwrap().0,
            Reply::Error("ERR no".into())
        );
        assert!(parse(b"?x\r\n").is_err());
    }

    #[test]
    fn info_fields_and_glob_escaping() {
        let info = Info::parse(
            "# Server\r\nredis_version:7.0.15\r\nprocess_id:42\r\n# Stats\r\ntotal_commands_processed:9\r\ntotal_net_output_bytes:100\r\n",
        );
        assert_eq!(info.pid, Some(42));
        assert_eq!(info.commands_processed, 9);
        assert_eq!(info.net_output_bytes, 100);
        assert_eq!(glob_escape("a*b[1]:"), "a\\*b\\[1\\]:");
    }
}
