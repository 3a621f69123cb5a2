//! One WebSocket session: `welcome`, then a `hello` that fixes the role, then requests answered
//! in order and room frames forwarded from the room's `watch` channels (latest wins).

use super::limits::client_ip;
use super::{ApiError, AppState};
use crate::domain::ParticipantId;
use crate::domain::activity::Audience;
use crate::hub::identity::host_key_matches;
use crate::hub::room::Connection;
use crate::hub::{AdmitError, RoomHandle, SubmitError, Submitted};
use crate::protocol::{
    ClientFrame, ClientMsg, ErrorCode, Needs, PROTOCOL_VERSION, Role, ServerMsg, SessionMsg, close,
    decode, error_msg, rate_limited_msg,
};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream::StreamFuture;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use governor::DefaultDirectRateLimiter;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// After its close frame the server keeps reading (and discarding) what the client still sends,
/// until the client's close reply or the end of the stream, for at most this long...
const DRAIN_TIME: Duration = Duration::from_secs(2);
/// ...and at most this many bytes...
const DRAIN_BYTES: usize = 4 * 1024 * 1024;
/// ...and frames. Dropping a socket with unread data in it makes the kernel reset the connection,
/// and a reset throws away whatever the client had not read yet, close frame included.
const DRAIN_FRAMES: usize = 65_536;
/// How long a slow consumer's close frame (4101) may take at least: it waits behind the frames
/// that filled the buffers, and gets through only once the client reads again.
const SLOW_CLOSE_GRACE: Duration = Duration::from_secs(10);

pub async fn upgrade(
    ws: WebSocketUpgrade,
    Path(code): Path<String>,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    open(ws, code, state, peer, headers, Channel::Full).await
}

/// `/ws/{code}/embed`: open to pages of any origin, because it can only watch: the one `hello` it
/// accepts is `embed`, and nothing that changes state is possible on it.
pub async fn upgrade_embed(
    ws: WebSocketUpgrade,
    Path(code): Path<String>,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    open(ws, code, state, peer, headers, Channel::EmbedOnly).await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Channel {
    Full,
    EmbedOnly,
}

async fn open(
    ws: WebSocketUpgrade,
    code: String,
    state: AppState,
    peer: SocketAddr,
    headers: HeaderMap,
    channel: Channel,
) -> Response {
    if channel == Channel::Full && !origin_allowed(&state, &headers) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::OriginNotAllowed.as_str(),
            "pages from other sites may not open a session connection",
        )
        .into_response();
    }
    let ip = client_ip(&state.config, peer, &headers);
    if let Err(wait) = state.limits.check_connect(ip) {
        return ApiError::rate_limited(wait).into_response();
    }
    let room = match state.lookup_room(ip, &code).await {
        Ok(room) => Some(room),
        Err(err) if err.status == StatusCode::NOT_FOUND => None,
        Err(err) => return err.into_response(),
    };
    // Frames past the hard limit are refused by the WebSocket layer itself (close 1009); frames
    // between the soft and hard limit get a `message_too_large` error and the session goes on.
    let soft = state.config.max_message_bytes as usize;
    let host = state.config.max_host_message_bytes as usize;
    let hard = (soft * 4).max(64 * 1024).max(host + 1024);
    // tungstenite's defaults (128 KiB read buffer and 128 KiB write-buffer target per socket) would
    // cost a quarter of a megabyte per phone. Client messages are small: read in 2 KiB chunks (a
    // larger message grows the buffer for itself); write each frame out at once rather than
    // gathering 128 KiB first.
    ws.max_message_size(hard)
        .max_frame_size(hard)
        .read_buffer_size(2 * 1024)
        .write_buffer_size(0)
        .on_upgrade(move |socket| async move {
            match room {
                Some(room) => {
                    let (sink, incoming) = socket.split();
                    Session::new(sink, room, state, ip, channel)
                        .run(incoming)
                        .await
                }
                None => {
                    let (sink, incoming) = socket.split();
                    refuse_missing_room(sink, incoming, state.config.send_timeout).await
                }
            }
        })
}

/// Browsers send `Origin` with every WebSocket upgrade. Only the server's own pages (and any
/// configured extra origins) may connect; clients that send no `Origin` are not browsers and gain
/// nothing from forging one.
fn origin_allowed(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let origin = origin.trim_end_matches('/');
    if state
        .config
        .allowed_origins
        .iter()
        .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(origin))
    {
        return true;
    }
    if let Some(public) = &state.config.public_url
        && public.eq_ignore_ascii_case(origin)
    {
        return true;
    }
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

async fn refuse_missing_room<Tx>(
    mut socket: Tx,
    mut incoming: impl Incoming,
    send_timeout: Duration,
) where
    Tx: Sink<Message, Error = axum::Error> + Unpin,
{
    let error = error_msg(
        None,
        ErrorCode::RoomNotFound.as_str(),
        "no session has this code",
    );
    let refusal = async {
        socket.send(Message::Text(error.to_text().into())).await?;
        socket
            .send(Message::Close(Some(CloseFrame {
                code: close::ROOM_NOT_FOUND,
                reason: Utf8Bytes::from_static("room not found"),
            })))
            .await
    };
    if let Ok(Ok(())) = tokio::time::timeout(send_timeout, refusal).await {
        // The client may have said hello already: read it (and the close reply) before dropping.
        drain(&mut incoming).await;
    }
}

/// Reads and discards what the client sends after the server's close frame, until its close
/// reply, the end of the stream or a bound (see [`DRAIN_TIME`]); the socket can then be dropped
/// without unread data, so the client receives everything sent before instead of a reset.
async fn drain<S>(incoming: &mut S)
where
    S: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let deadline = tokio::time::Instant::now() + DRAIN_TIME;
    let mut bytes = 0usize;
    for _ in 0..DRAIN_FRAMES {
        let message = match tokio::time::timeout_at(deadline, incoming.next()).await {
            Ok(Some(Ok(message))) => message,
            // The stream ended (or failed, or the time is up): nothing more to read.
            _ => return,
        };
        let size = match &message {
            // The client's reply: the close handshake is complete.
            Message::Close(_) => return,
            Message::Text(text) => text.len(),
            Message::Binary(data) | Message::Ping(data) | Message::Pong(data) => data.len(),
        };
        // Count a frame header too, so that empty frames are not free.
        bytes += size + 2;
        if bytes > DRAIN_BYTES {
            return;
        }
    }
}

enum Stage {
    AwaitingHello,
    Participant(ParticipantId),
    Host,
    Presenter,
}

/// One connection's session, written against any `Sink` of messages and `Stream` of what the
/// client sent (axum's socket halves in the server, channels in the tests below). It carries
/// frames and replies; what a room decides (who a participant is, what they are owed after a
/// command) is asked of the room's handle.
struct Session<Tx> {
    /// The writing half; the reading half is owned by `run`: read by `event_loop`, where its
    /// pending read survives the frames sent meanwhile (no read attempt per sent frame), then
    /// drained after a close frame.
    socket: Tx,
    connection: Connection,
    state: AppState,
    ip: IpAddr,
    channel: Channel,
    stage: Stage,
    frames: Option<watch::Receiver<Utf8Bytes>>,
    /// Participants: host actions that changed their own answers.
    answers: Option<watch::Receiver<u64>>,
    limiter: DefaultDirectRateLimiter,
    /// `rate_limited` replies so far; past the abuse limit the connection is closed.
    limited: u32,
    /// When the client last sent anything (a frame or a pong).
    last_heard: Instant,
    pinged: bool,
}

/// How a session ends (or, for `Skip`, that a frame is dropped and the session goes on).
enum End {
    /// The connection is gone or broken: drop it.
    Quiet,
    /// The client sent a close frame: the WebSocket layer has queued the reply, and the next read
    /// sends it.
    ClosedByClient,
    /// Send a close frame with this code, then drain.
    Close(u16, &'static str),
    Skip,
}

/// What a session reads: the client's messages, or why reading failed.
trait Incoming: Stream<Item = Result<Message, axum::Error>> + Unpin {}
impl<S: Stream<Item = Result<Message, axum::Error>> + Unpin> Incoming for S {}

impl<Tx> Session<Tx>
where
    Tx: Sink<Message, Error = axum::Error> + Unpin,
{
    fn new(
        socket: Tx,
        room: Arc<RoomHandle>,
        state: AppState,
        ip: IpAddr,
        channel: Channel,
    ) -> Session<Tx> {
        let limiter = state.limits.command_limiter();
        Session {
            socket,
            connection: room.connect(),
            state,
            ip,
            channel,
            stage: Stage::AwaitingHello,
            frames: None,
            answers: None,
            limiter,
            limited: 0,
            last_heard: Instant::now(),
            pinged: false,
        }
    }

    fn room(&self) -> &Arc<RoomHandle> {
        self.connection.room()
    }

    async fn run(mut self, incoming: impl Incoming) {
        let (epoch, seq) = self.room().epoch_seq();
        let welcome = ServerMsg::Welcome {
            protocol: PROTOCOL_VERSION,
            server: format!("handsup {}", env!("CARGO_PKG_VERSION")),
            room: self.room().code.clone(),
            epoch,
            seq,
            public_url: self.state.config.public_url.clone(),
            max_message_bytes: self.state.config.max_message_bytes as usize,
        };
        let mut closing = self.room().closing();
        // The read in progress: kept across the event loop's iterations, so sending a frame does
        // not start (and throw away) a read of its own, and handed back afterwards for draining.
        let mut reading = incoming.into_future();
        let end = match self.send_msg(&welcome).await {
            Err(end) => end,
            Ok(()) => self.event_loop(&mut reading, &mut closing).await,
        };
        // From here on nothing is forwarded and no request is processed.
        self.frames = None;
        self.answers = None;
        let Some(mut incoming) = reading.into_inner() else {
            return;
        };
        match end {
            End::Close(code, reason) => {
                let frame = CloseFrame {
                    code,
                    reason: Utf8Bytes::from_static(reason),
                };
                let send_timeout = self.state.config.send_timeout;
                let wait = if code == close::SLOW_CONSUMER {
                    send_timeout.max(SLOW_CLOSE_GRACE)
                } else {
                    send_timeout
                };
                let sent =
                    tokio::time::timeout(wait, self.socket.send(Message::Close(Some(frame)))).await;
                if let Ok(Ok(())) = sent {
                    drain(&mut incoming).await;
                }
            }
            End::ClosedByClient => drain(&mut incoming).await,
            End::Quiet | End::Skip => {}
        }
    }

    async fn event_loop(
        &mut self,
        reading: &mut StreamFuture<impl Incoming>,
        closing: &mut watch::Receiver<Option<u16>>,
    ) -> End {
        let ping_interval = self.state.config.ping_interval;
        let ping_timeout = self.state.config.ping_timeout;
        let mut heartbeat = tokio::time::interval(ping_interval / 4);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if let Some(code) = *closing.borrow_and_update() {
                return End::Close(code, close_reason(code));
            }
            tokio::select! {
                _ = heartbeat.tick() => {
                    let silent = self.last_heard.elapsed();
                    if silent >= ping_interval + ping_timeout {
                        self.room().metrics().heartbeat_timeouts.inc();
                        return End::Close(close::HEARTBEAT_TIMEOUT, "no answer to ping");
                    }
                    if silent >= ping_interval && !self.pinged {
                        self.pinged = true;
                        let ping = tokio::time::timeout(
                            self.state.config.send_timeout,
                            self.socket.send(Message::Ping(Default::default())),
                        );
                        if !matches!(ping.await, Ok(Ok(()))) {
                            return End::Quiet;
                        }
                    }
                }
                (incoming, rest) = &mut *reading => {
                    *reading = rest.into_future();
                    let message = match incoming {
                        None => return End::Quiet,
                        Some(Err(err)) => return read_error_end(err),
                        Some(Ok(message)) => message,
                    };
                    self.last_heard = Instant::now();
                    self.pinged = false;
                    match self.on_message(message).await {
                        Ok(()) | Err(End::Skip) => {}
                        Err(end) => return end,
                    }
                }
                changed = next_frame(&mut self.frames) => {
                    match changed {
                        Some(frame) => {
                            if let Err(end) = self.send_text(frame).await {
                                return end;
                            }
                            if matches!(self.stage, Stage::Participant(_)) {
                                self.room().participant_frame_sent();
                            }
                        }
                        None => return End::Quiet,
                    }
                }
                _ = closing.changed() => {}
                changed = next_change(&mut self.answers) => {
                    if changed {
                        if let Stage::Participant(who) = self.stage {
                            let me = self.room().me_frame(&who, None);
                            if let Err(end) = self.send_text(me).await {
                                return end;
                            }
                        }
                    } else {
                        self.answers = None;
                    }
                }
            }
        }
    }

    async fn on_message(&mut self, message: Message) -> Result<(), End> {
        if matches!(message, Message::Text(_) | Message::Binary(_)) {
            self.check_rate(&message).await?;
        }
        match message {
            Message::Text(text) => {
                let limit = match self.stage {
                    Stage::Host => self.state.config.max_host_message_bytes,
                    _ => self.state.config.max_message_bytes,
                };
                if text.len() > limit as usize {
                    return self
                        .send_error(
                            None,
                            ErrorCode::MessageTooLarge.as_str(),
                            format!("messages are limited to {limit} bytes"),
                        )
                        .await;
                }
                match decode(text.as_str()) {
                    Ok(frame) => self.on_frame(frame).await,
                    Err((rid, code, detail)) => self.send_error(rid, code.as_str(), detail).await,
                }
            }
            Message::Binary(_) => {
                self.send_error(
                    None,
                    ErrorCode::BinaryNotSupported.as_str(),
                    "send JSON text frames",
                )
                .await
            }
            Message::Close(_) => Err(End::ClosedByClient),
            // Pings are answered by the WebSocket layer; pongs need nothing.
            Message::Ping(_) | Message::Pong(_) => Ok(()),
        }
    }

    /// Every text or binary frame spends from the connection's budget. Over it, the client gets
    /// `rate_limited` with a retry hint; a client that keeps going is closed (4029).
    async fn check_rate(&mut self, message: &Message) -> Result<(), End> {
        let Err(wait) = self.state.limits.check_direct(&self.limiter) else {
            return Ok(());
        };
        self.limited += 1;
        self.room().metrics().rate_limited.inc();
        if self.limited > self.state.config.abuse_limit {
            return Err(End::Close(close::TOO_MANY_REQUESTS, "too many requests"));
        }
        let rid = match message {
            Message::Text(text) => decode(text.as_str()).ok().and_then(|f| f.rid),
            _ => None,
        };
        self.send_msg(&rate_limited_msg(rid, wait)).await?;
        // The frame is not processed.
        Err(End::Skip)
    }

    async fn on_frame(&mut self, frame: ClientFrame) -> Result<(), End> {
        let rid = frame.rid;
        let needs = frame.msg.needs();
        match (&self.stage, needs) {
            (Stage::AwaitingHello, Needs::Hello) => return self.on_hello(rid, frame.msg).await,
            (Stage::AwaitingHello, _) => {
                return self
                    .send_error(rid, ErrorCode::HelloRequired.as_str(), "send hello first")
                    .await;
            }
            (_, Needs::Hello) => {
                return self
                    .send_error(
                        rid,
                        ErrorCode::AlreadyHello.as_str(),
                        "this connection has already said hello",
                    )
                    .await;
            }
            (Stage::Presenter, _) => {
                return self
                    .send_error(
                        rid,
                        ErrorCode::ReadOnly.as_str(),
                        "presenter and embed connections only watch",
                    )
                    .await;
            }
            (Stage::Host, Needs::Host) | (Stage::Participant(_), Needs::Participant) => {}
            (_, Needs::Host) => {
                return self
                    .send_error(
                        rid,
                        ErrorCode::NotHost.as_str(),
                        "only the host can do this",
                    )
                    .await;
            }
            (_, Needs::Participant) => {
                return self
                    .send_error(
                        rid,
                        ErrorCode::NotParticipant.as_str(),
                        "join as a participant to do this",
                    )
                    .await;
            }
        }
        let participant = match self.stage {
            Stage::Participant(id) => Some(id),
            _ => None,
        };
        if matches!(frame.msg, ClientMsg::Session(SessionMsg::ListPeople)) {
            let people = self.room().people(2_000).await;
            return self.send_msg(&ServerMsg::People { rid, people }).await;
        }
        if let (ClientMsg::Session(SessionMsg::Sync), Some(who)) = (&frame.msg, participant) {
            let (epoch, seq, me) = match self.room().sync(who).await {
                Ok(synced) => synced,
                Err(err) => return self.on_submit_error(rid, err).await,
            };
            let ack = ServerMsg::Ack {
                rid,
                epoch,
                seq,
                id: None,
            };
            return self.send_texts([Utf8Bytes::from(ack.to_text()), me]).await;
        }
        let Some(command) = frame.msg.into_command(participant) else {
            return Ok(());
        };
        match self.room().submit_from(command, participant).await {
            Ok(Submitted { applied, me }) => {
                let ack = Utf8Bytes::from(
                    ServerMsg::Ack {
                        rid,
                        epoch: applied.epoch,
                        seq: applied.seq,
                        id: applied.outcome.created(),
                    }
                    .to_text(),
                );
                match me {
                    // The ack and the phone's own answers leave in one write.
                    Some(me) => self.send_texts([ack, me]).await,
                    None => self.send_text(ack).await,
                }
            }
            Err(err) => self.on_submit_error(rid, err).await,
        }
    }

    async fn on_submit_error(&mut self, rid: Option<u64>, err: SubmitError) -> Result<(), End> {
        match err {
            SubmitError::Rejected(rejection) => {
                self.send_error(rid, rejection.code.as_str(), rejection.detail)
                    .await
            }
            SubmitError::Gone => {
                self.send_error(
                    rid,
                    ErrorCode::RoomNotFound.as_str(),
                    "this session has been deleted",
                )
                .await?;
                Err(End::Close(close::ROOM_DELETED, "room deleted"))
            }
            SubmitError::Store(store_error) => {
                tracing::error!(room = %self.room().code, error = %store_error, "a command could not be saved");
                self.send_error(
                    rid,
                    ErrorCode::Unavailable.as_str(),
                    "the server could not save this; it was not counted",
                )
                .await
            }
        }
    }

    async fn on_hello(&mut self, rid: Option<u64>, msg: ClientMsg) -> Result<(), End> {
        let ClientMsg::Session(SessionMsg::Hello {
            role,
            token,
            name,
            host_key,
        }) = msg
        else {
            return Ok(());
        };
        let room = Arc::clone(self.room());
        let (epoch, seq) = room.epoch_seq();
        if self.channel == Channel::EmbedOnly && role != Role::Embed {
            return self
                .send_error(
                    rid,
                    ErrorCode::ReadOnly.as_str(),
                    "this channel is for embedded results only: say hello as embed",
                )
                .await;
        }
        match role {
            Role::Host => {
                let valid = host_key
                    .as_deref()
                    .is_some_and(|key| host_key_matches(key, room.host_key_hash()));
                if !valid {
                    let _ = self.state.limits.record_miss(self.ip);
                    self.send_error(
                        rid,
                        ErrorCode::InvalidHostKey.as_str(),
                        "this host link is not valid for this session",
                    )
                    .await?;
                    return Err(End::Close(close::HELLO_REFUSED, "invalid host key"));
                }
                let expires_at = {
                    let state = room.lock();
                    room.expires_at(&state.room)
                };
                self.stage = Stage::Host;
                self.send_msg(&ServerMsg::Session {
                    rid,
                    role,
                    epoch,
                    seq,
                    participant: None,
                    token: None,
                    name: None,
                    expires_at: Some(expires_at),
                    max_message_bytes: Some(self.state.config.max_host_message_bytes as usize),
                })
                .await?;
                self.follow(Audience::Host).await
            }
            Role::Presenter | Role::Embed => {
                self.stage = Stage::Presenter;
                self.send_msg(&ServerMsg::Session {
                    rid,
                    role,
                    epoch,
                    seq,
                    participant: None,
                    token: None,
                    name: None,
                    expires_at: None,
                    max_message_bytes: None,
                })
                .await?;
                let audience = if role == Role::Embed {
                    Audience::Embed
                } else {
                    Audience::Presenter
                };
                self.follow(audience).await
            }
            Role::Participant => self.participant_hello(rid, token, name).await,
        }
    }

    async fn participant_hello(
        &mut self,
        rid: Option<u64>,
        token: Option<String>,
        name: Option<String>,
    ) -> Result<(), End> {
        let room = Arc::clone(self.room());
        let hub = Arc::clone(&self.state.hub);
        let admitted = match room.admit(hub.secret(), token.as_deref(), name).await {
            Ok(admitted) => admitted,
            Err(AdmitError::InvalidToken) => {
                return self
                    .send_error(
                        rid,
                        ErrorCode::InvalidToken.as_str(),
                        "this token is not valid here; say hello without it to join anew",
                    )
                    .await;
            }
            Err(AdmitError::Submit(err)) => return self.on_submit_error(rid, err).await,
        };
        let participant = admitted.participant;
        self.stage = Stage::Participant(participant);
        self.connection.set_participant_online(participant);
        self.send_msg(&ServerMsg::Session {
            rid,
            role: Role::Participant,
            epoch: admitted.epoch,
            seq: admitted.seq,
            participant: Some(participant),
            token: Some(admitted.token),
            name: admitted.name,
            expires_at: None,
            max_message_bytes: None,
        })
        .await?;
        let mut answers = room.answers_changed();
        answers.mark_unchanged();
        self.answers = Some(answers);
        let me = room.me_frame(&participant, None);
        self.send_text(me).await?;
        self.follow(Audience::Participant).await
    }

    /// Subscribes to an audience's frames and sends a fresh snapshot; later frames follow.
    async fn follow(&mut self, audience: Audience) -> Result<(), End> {
        // Subscribe before rendering: a change in between is then delivered by the next tick.
        let mut receiver = self.room().subscribe(audience);
        receiver.mark_unchanged();
        self.frames = Some(receiver);
        let snapshot = self.room().render(audience);
        self.send_text(snapshot).await
    }

    async fn send_error(
        &mut self,
        rid: Option<u64>,
        code: &str,
        message: impl Into<String>,
    ) -> Result<(), End> {
        self.send_msg(&error_msg(rid, code, message)).await
    }

    async fn send_msg(&mut self, msg: &ServerMsg) -> Result<(), End> {
        self.send_text(Utf8Bytes::from(msg.to_text())).await
    }

    /// Sends frames one after another and writes them out together (one system call where the
    /// socket takes them); as [`Self::send_text`] for a client that cannot take them in time.
    async fn send_texts<const N: usize>(&mut self, texts: [Utf8Bytes; N]) -> Result<(), End> {
        let socket = &mut self.socket;
        let write = async move {
            for text in texts {
                socket.feed(Message::Text(text)).await?;
            }
            socket.flush().await
        };
        match tokio::time::timeout(self.state.config.send_timeout, write).await {
            Ok(Ok(())) => {
                self.room().metrics().frames_sent.inc_by(N as u64);
                Ok(())
            }
            Ok(Err(_)) => Err(End::Quiet),
            Err(_) => {
                self.room().metrics().slow_consumers_dropped.inc();
                Err(End::Close(close::SLOW_CONSUMER, "too slow"))
            }
        }
    }

    /// Sends one frame; a client that cannot take it within the send timeout is closed as slow.
    async fn send_text(&mut self, text: Utf8Bytes) -> Result<(), End> {
        match tokio::time::timeout(
            self.state.config.send_timeout,
            self.socket.send(Message::Text(text)),
        )
        .await
        {
            Ok(Ok(())) => {
                self.room().metrics().frames_sent.inc();
                Ok(())
            }
            Ok(Err(_)) => Err(End::Quiet),
            Err(_) => {
                self.room().metrics().slow_consumers_dropped.inc();
                Err(End::Close(close::SLOW_CONSUMER, "too slow"))
            }
        }
    }
}

/// Whether the participant's answers changed (false: the channel closed); pending forever for
/// connections that are not participants.
async fn next_change(answers: &mut Option<watch::Receiver<u64>>) -> bool {
    match answers {
        Some(receiver) => receiver.changed().await.is_ok(),
        None => std::future::pending().await,
    }
}

/// The next frame of the followed view; pending forever before the session follows one.
async fn next_frame(frames: &mut Option<watch::Receiver<Utf8Bytes>>) -> Option<Utf8Bytes> {
    match frames {
        Some(receiver) => match receiver.changed().await {
            Ok(()) => Some(receiver.borrow_and_update().clone()),
            Err(_) => None,
        },
        None => std::future::pending().await,
    }
}

/// How to end a session whose socket failed to read: a frame over the hard limit, a text frame
/// that is not UTF-8 and a broken frame each get their standard close code; a dropped connection
/// has nobody left to tell. axum's error wraps tungstenite's, which says which it was.
fn read_error_end(err: axum::Error) -> End {
    use tungstenite::error::{Error as WsError, ProtocolError};
    let Ok(err) = err.into_inner().downcast::<WsError>() else {
        return End::Quiet;
    };
    match *err {
        WsError::Capacity(_) => End::Close(close::MESSAGE_TOO_BIG, "message too big"),
        WsError::Utf8(_) => End::Close(close::INVALID_PAYLOAD, "text frames must be UTF-8"),
        // The stream ended without a close frame: the client is gone.
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => End::Quiet,
        WsError::Protocol(_) => End::Close(close::PROTOCOL_ERROR, "protocol error"),
        _ => End::Quiet,
    }
}

fn close_reason(code: u16) -> &'static str {
    match code {
        close::ROOM_DELETED => "room deleted",
        close::RESTARTING => "server restarting",
        close::REBUILT => "room rebuilt",
        _ => "closing",
    }
}

#[cfg(test)]
mod tests {
    //! The session against channels instead of a socket: what a client sees, frame by frame,
    //! with paused time where timers decide.
    use super::*;
    use crate::config::Config;
    use crate::domain::Command;
    use crate::domain::RoomCommand;
    use futures_util::stream;
    use serde_json::{Value, json};
    use std::pin::Pin;
    use std::sync::Mutex;
    use std::task::{Context, Poll};
    use tokio::sync::mpsc;

    /// A sink that records every message; after `accept` messages its writes never complete
    /// (a phone that stopped reading with full buffers).
    struct Recorder {
        sent: Arc<Mutex<Vec<Message>>>,
        accept: usize,
        live: mpsc::UnboundedSender<Message>,
    }

    impl Sink<Message> for Recorder {
        type Error = axum::Error;
        fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
            Poll::Ready(Ok(()))
        }
        fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), axum::Error> {
            let _ = self.live.send(message.clone());
            self.sent
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(message);
            Ok(())
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
            let written = self.sent.lock().unwrap_or_else(|p| p.into_inner()).len();
            if written <= self.accept {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        }
        fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), axum::Error>> {
            self.poll_flush(cx)
        }
    }

    struct Client {
        to_server: mpsc::UnboundedSender<Result<Message, axum::Error>>,
        from_server: mpsc::UnboundedReceiver<Message>,
        sent: Arc<Mutex<Vec<Message>>>,
        ended: tokio::task::JoinHandle<()>,
        state: AppState,
        room: Arc<RoomHandle>,
        _dir: tempfile::TempDir,
    }

    impl Client {
        fn send(&self, value: Value) {
            let _ = self
                .to_server
                .send(Ok(Message::Text(value.to_string().into())));
        }

        /// The next text frame, parsed (pings are skipped and closes are returned as such).
        async fn next(&mut self) -> Value {
            loop {
                match self.from_server.recv().await {
                    Some(Message::Text(text)) => {
                        return serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                    }
                    Some(Message::Close(frame)) => {
                        return json!({"closed": frame.map(|f| f.code)});
                    }
                    Some(_) => continue,
                    None => return json!({"ended": true}),
                }
            }
        }

        /// Frames until one of `kind` arrives.
        async fn until(&mut self, kind: &str) -> Value {
            loop {
                let frame = self.next().await;
                if frame["type"] == kind || frame.get("closed").is_some() {
                    return frame;
                }
            }
        }
    }

    /// A session on a fresh room, its client end, and the room (with a poll on screen).
    async fn connect(tweak: impl FnOnce(&mut Config), accept: usize) -> Client {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        tweak(&mut config);
        let state = crate::open(config).await.expect("open");
        let created = state.hub.create_room("Meetup").await.expect("room");
        let room = state.hub.get(&created.code).expect("live room");
        let poll = serde_json::from_value(
            json!({"kind": "poll", "question": "Which first?", "options": ["Repairs", "Damp"]}),
        )
        .expect("spec");
        room.submit(Command::Room(RoomCommand::AddActivity {
            spec: poll,
            position: None,
        }))
        .await
        .expect("add");
        room.submit(Command::Room(RoomCommand::Navigate {
            to: crate::domain::Navigate::Next,
        }))
        .await
        .expect("show");
        let (to_server, requests) = mpsc::unbounded_channel();
        let (live, from_server) = mpsc::unbounded_channel();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let sink = Recorder {
            sent: Arc::clone(&sent),
            accept,
            live,
        };
        let incoming = Box::pin(stream::unfold(requests, |mut requests| async move {
            requests.recv().await.map(|message| (message, requests))
        }));
        let session = Session::new(
            sink,
            Arc::clone(&room),
            state.clone(),
            IpAddr::from([127, 0, 0, 1]),
            Channel::Full,
        );
        let ended = tokio::spawn(session.run(incoming));
        Client {
            to_server,
            from_server,
            sent,
            ended,
            state,
            room,
            _dir: dir,
        }
    }

    #[tokio::test]
    async fn a_participant_is_admitted_then_gets_an_ack_and_their_answer_for_a_vote() {
        let mut client = connect(|_| {}, usize::MAX).await;
        assert_eq!(client.next().await["type"], "welcome");
        client.send(json!({"type": "hello", "rid": 1, "role": "participant", "name": "Priya"}));
        let session = client.next().await;
        assert_eq!(
            (&session["type"], &session["rid"]),
            (&json!("session"), &json!(1))
        );
        assert_eq!(session["name"], "Priya");
        assert!(session["token"].as_str().is_some_and(|t| t.contains('.')));
        let me = client.next().await;
        assert_eq!((&me["type"], &me["full"]), (&json!("me"), &json!(true)));
        assert_eq!(
            client.until("state").await["view"]["activity"]["kind"],
            "poll"
        );
        assert_eq!(client.room.online_participants(), 1);

        client.send(json!({"type": "vote", "rid": 2, "activity": 0, "options": [1]}));
        let ack = client.until("ack").await;
        assert_eq!(ack["rid"], 2);
        let me = client.until("me").await;
        assert_eq!(me["full"], false);
        assert_eq!(me["answers"]["0"]["options"], json!([1]));

        client.send(json!({"type": "vote", "rid": 3, "activity": 0, "options": [7]}));
        let error = client.until("error").await;
        assert_eq!(
            (&error["rid"], &error["code"]),
            (&json!(3), &json!("option_not_found"))
        );
        // The client leaves: the session ends and the participant is no longer online.
        drop(client.to_server);
        client.ended.await.expect("session ends");
        assert_eq!(client.room.online_participants(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_that_stops_reading_is_closed_as_slow_after_the_send_timeout() {
        // The sink takes the welcome and the session, then no more.
        let client = connect(|c| c.send_timeout = Duration::from_secs(3), 2).await;
        client.send(json!({"type": "hello", "rid": 1, "role": "presenter"}));
        let started = Instant::now();
        client.ended.await.expect("session ends");
        // The frame that did not go out waited the send timeout; the close frame its grace.
        assert!(started.elapsed() >= Duration::from_secs(3) + SLOW_CLOSE_GRACE);
        assert_eq!(client.state.hub.metrics().slow_consumers_dropped.get(), 1);
        let sent = client
            .sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match sent.last() {
            Some(Message::Close(Some(frame))) => assert_eq!(frame.code, close::SLOW_CONSUMER),
            other => panic!("the last frame tried is not the 4101 close: {other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_client_is_pinged_then_closed_4103() {
        let mut client = connect(
            |c| {
                c.ping_interval = Duration::from_secs(25);
                c.ping_timeout = Duration::from_secs(8);
            },
            usize::MAX,
        )
        .await;
        assert_eq!(client.next().await["type"], "welcome");
        let started = Instant::now();
        let mut pinged_at = None;
        let closed = loop {
            match client.from_server.recv().await {
                Some(Message::Ping(_)) => pinged_at = Some(started.elapsed()),
                Some(Message::Close(frame)) => break frame.map(|f| f.code),
                Some(_) => {}
                None => break None,
            }
        };
        assert_eq!(closed, Some(close::HEARTBEAT_TIMEOUT));
        let pinged_at = pinged_at.expect("a ping before the close");
        assert!(pinged_at >= Duration::from_secs(25), "{pinged_at:?}");
        assert!(started.elapsed() >= Duration::from_secs(33));
        assert!(started.elapsed() < Duration::from_secs(40));
        // A client that answers is not closed: covered by the browser and integration tests.
        client.ended.await.expect("session ends");
    }

    #[tokio::test]
    async fn a_flood_earns_rate_limited_replies_then_the_4029_close() {
        let mut client = connect(
            |c| {
                c.command_rate = 1;
                c.command_burst = 5;
                c.abuse_limit = 3;
            },
            usize::MAX,
        )
        .await;
        assert_eq!(client.next().await["type"], "welcome");
        for rid in 0..50 {
            client.send(json!({"type": "sync", "rid": rid}));
        }
        let mut limited = 0;
        let closed = loop {
            let frame = client.next().await;
            if frame["code"] == "rate_limited" {
                limited += 1;
            }
            if let Some(code) = frame.get("closed") {
                break code.clone();
            }
        };
        assert_eq!(closed, json!(close::TOO_MANY_REQUESTS));
        assert_eq!(limited, 3, "abuse_limit replies, then the close");
    }
}
