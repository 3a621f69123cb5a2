//! The accept loop. It does what `axum::serve` did — socket options, `ConnectInfo`, HTTP/1.1
//! with WebSocket upgrades, graceful shutdown — and what `axum::serve` cannot: a per-address cap
//! on open connections, counted at accept, and a deadline for a request's headers, so a client
//! that sends half a request cannot hold a connection. (Request bodies have their own deadline, in
//! [`super::app`].) Nothing about rooms lives here.

use super::limits::{ConnectionSlot, OpenConnections};
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

#[derive(Clone, Debug)]
pub struct ServeSettings {
    /// A request's headers must arrive within this long (hyper's `header_read_timeout`).
    pub header_timeout: Duration,
    /// Kernel send buffer per socket, in bytes (0: leave it to the kernel).
    pub send_buffer: usize,
    /// Open connections one IP address may hold.
    pub max_connections_per_ip: u32,
}

/// Connections still being served after the accept loop stopped.
pub struct Draining {
    open: watch::Sender<()>,
}

impl Draining {
    /// Resolves once every HTTP connection has closed. Upgraded WebSockets are the hub's to
    /// close: their connections end at the upgrade.
    pub async fn finished(self) {
        self.open.closed().await;
    }
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting and asks every
/// connection to finish its request in flight and close.
pub async fn serve(
    app: Router,
    listener: TcpListener,
    settings: ServeSettings,
    shutdown: impl Future<Output = ()>,
) -> Draining {
    let open = OpenConnections::new(settings.max_connections_per_ip);
    let (stop, stopping) = watch::channel(());
    let (tracker, tracked) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (tcp, peer) = match accepted {
            Ok(pair) => pair,
            Err(err) if is_connection_error(&err) => continue,
            Err(err) => {
                // Out of file descriptors, most likely: wait rather than spin.
                tracing::error!(error = %err, "accepting a connection failed");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    () = &mut shutdown => break,
                }
            }
        };
        let Some(slot) = open.try_open(peer.ip()) else {
            drop(tcp);
            continue;
        };
        // Small frames should leave at once; a failure here only costs latency.
        let _ = tcp.set_nodelay(true);
        if settings.send_buffer > 0 {
            let _ = socket2::SockRef::from(&tcp).set_send_buffer_size(settings.send_buffer);
        }
        let io = TokioIo::new(CountedStream { tcp, _slot: slot });
        let service = app
            .clone()
            .map_request(move |mut request: axum::http::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        tokio::spawn(serve_connection(
            io,
            TowerToHyperService::new(service),
            settings.header_timeout,
            stopping.clone(),
            tracked.clone(),
        ));
    }
    drop(listener);
    let _ = stop.send(());
    drop(tracked);
    Draining { open: tracker }
}

async fn serve_connection<S>(
    io: TokioIo<CountedStream>,
    service: S,
    header_timeout: Duration,
    mut stopping: watch::Receiver<()>,
    tracked: watch::Receiver<()>,
) where
    S: hyper::service::Service<
            axum::http::Request<Incoming>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let mut connection = pin!(builder.serve_connection(io, service).with_upgrades());
    let mut stop_requested = pin!(stopping.changed());
    let mut stopped = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(error = %err, "connection ended with an error");
                }
                break;
            }
            _ = &mut stop_requested, if !stopped => {
                stopped = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
    drop(tracked);
}

/// Errors of one connection that do not concern the listener.
fn is_connection_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// A socket that holds its place in the per-address count for as long as it is open.
struct CountedStream {
    tcp: TcpStream,
    _slot: ConnectionSlot,
}

impl AsyncRead for CountedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}
