//! Connections: loopback-only address checks, TCP sockets bound to a chosen source address, the
//! WebSocket handshake, and a minimal HTTP/1.1 client for the two REST calls the run needs.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

pub type Ws = WebSocketStream<TcpStream>;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Parses `http://HOST:PORT` (or ws://) into a socket address in 127.0.0.0/8. Anything else is
/// refused: this program only ever sends traffic to the local machine.
pub fn loopback_addr(url: &str) -> Result<SocketAddr, String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("ws://"))
        .ok_or_else(|| format!("{url}: only http:// (or ws://) addresses are supported"))?;
    let hostport = rest.split('/').next().unwrap_or_default();
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("{url}: bad port {p:?}"))?,
        ),
        None => (hostport, 80),
    };
    let ip: Ipv4Addr = if host == "localhost" {
        Ipv4Addr::LOCALHOST
    } else {
        host.parse()
            .map_err(|_| format!("{url}: the host must be an IPv4 address in 127.0.0.0/8"))?
    };
    if !ip.is_loopback() {
        return Err(format!(
            "{url}: refusing a non-loopback address; the load generator only targets 127.0.0.0/8"
        ));
    }
    Ok(SocketAddr::new(IpAddr::V4(ip), port))
}

/// `n` distinct free TCP ports on 127.0.0.1 (held open together while they are picked, so none
/// repeats; another program could still take one before it is used).
pub fn free_ports(n: usize) -> Result<Vec<u16>, String> {
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| format!("finding a free port: {e}"))?;
        held.push(listener);
    }
    held.iter()
        .map(|l| {
            l.local_addr()
                .map(|a| a.port())
                .map_err(|e| format!("finding a free port: {e}"))
        })
        .collect()
}

/// A TCP connection from `source` (port chosen by the kernel) to `server`.
pub async fn tcp(server: SocketAddr, source: Option<Ipv4Addr>) -> Result<TcpStream, String> {
    let socket = TcpSocket::new_v4().map_err(|e| format!("socket: {e}"))?;
    if let Some(ip) = source {
        socket
            .bind(SocketAddr::new(IpAddr::V4(ip), 0))
            .map_err(|e| format!("bind {ip}: {e}"))?;
    }
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, socket.connect(server))
        .await
        .map_err(|_| "tcp connect timeout".to_string())?
        .map_err(|e| format!("tcp connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// Small buffers: a phone-like client receives small frames, and thousands of them share a process.
pub fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
}

/// A WebSocket client connection to `url` over a TCP connection from `source`.
pub async fn websocket(
    server: SocketAddr,
    source: Option<Ipv4Addr>,
    url: &str,
) -> Result<Ws, String> {
    let stream = tcp(server, source).await?;
    let (ws, _response) = tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio_tungstenite::client_async_with_config(url, stream, Some(ws_config())),
    )
    .await
    .map_err(|_| "websocket handshake timeout".to_string())?
    .map_err(|e| format!("websocket handshake: {e}"))?;
    Ok(ws)
}

/// One HTTP/1.1 request with `Connection: close`; returns (status, body). Bounded in time and size.
pub async fn http(
    server: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<(u16, String), String> {
    let work = async {
        let mut stream = tcp(server, None).await?;
        let body = body.unwrap_or("");
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {server}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("http write: {e}"))?;
        let mut raw = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let n = stream
                .read(&mut chunk)
                .await
                .map_err(|e| format!("http read: {e}"))?;
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&chunk[..n]);
            if raw.len() > 4 << 20 {
                return Err("http response over 4 MiB".to_string());
            }
        }
        parse_response(&raw)
    };
    tokio::time::timeout(Duration::from_secs(20), work)
        .await
        .map_err(|_| format!("{method} {path}: timeout"))?
}

fn parse_response(raw: &[u8]) -> Result<(u16, String), String> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| "http: no header end".to_string())?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("http: bad status line {:?}", head.lines().next()))?;
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    if !chunked {
        return Ok((status, body.to_string()));
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).map_err(|_| "http: bad chunk")?;
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    Ok((status, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_is_accepted() {
        assert!(loopback_addr("http://127.0.0.1:3000").is_ok());
        assert!(loopback_addr("http://localhost:3000").is_ok());
        assert!(loopback_addr("http://127.5.6.7:80/x").is_ok());
        assert!(loopback_addr("http://10.0.0.1:3000").is_err());
        assert!(loopback_addr("http://example.org:3000").is_err());
        assert!(loopback_addr("https://127.0.0.1").is_err());
    }

    #[test]
    fn responses_parse_plain_and_chunked() {
        let plain = b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain).unwrap(), (201, "{}".to_string()));
        let chunked =
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked).unwrap(), (200, "abcde".to_string()));
    }
}
