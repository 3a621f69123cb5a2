//! One live room: the domain `Room` behind one lock, its log position, and its fan-out.
//!
//! The lock is a `std::sync::Mutex` because nothing awaits while holding it: a command is applied
//! and queued to the log inside it (so the log order is the apply order), then the lock is released
//! before waiting for the commit. Views are rendered by the room's ticker, once per view per tick,
//! and published on `watch` channels: a slow phone skips stale frames instead of queueing them.

use super::HubSettings;
use super::metrics::Metrics;
use crate::domain::activity::Audience;
use crate::domain::results::{host_view, public_view};
use crate::domain::{
    ActivityId, Command, Millis, Outcome, ParticipantId, Rejection, Room, RoomCommand,
};
use crate::protocol::ServerMsg;
use crate::store::{CommandLog, LogEntry, StoreError};
use axum::extract::ws::Utf8Bytes;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};

/// Participant connections are spread over this many channels, so a frame for a large audience
/// can be released a group at a time instead of waking every connection at once.
const PARTICIPANT_SHARDS: usize = 64;
/// The longest a group may take before the next one is released anyway (a stalled phone must not
/// hold the others up).
const FANOUT_GROUP_WAIT: Duration = Duration::from_millis(25);
/// How often the ticker looks at the room when nothing changes (countdowns, pending frames).
const HOUSEKEEPING: Duration = Duration::from_millis(50);
/// Embed frames go to any number of web pages: at most this often.
const EMBED_INTERVAL: Duration = Duration::from_millis(100);

pub struct RoomState {
    pub room: Room,
    pub seq: u64,
    pub epoch: u64,
    deleted: bool,
    /// A write of this room failed: the room was rebuilt from the log and takes no more commands
    /// until the server restarts (see the `CommandLog` contract).
    log_failed: bool,
}

pub struct RoomHandle {
    pub code: String,
    host_key_hash: String,
    state: Mutex<RoomState>,
    log: Arc<dyn CommandLog>,
    settings: Arc<HubSettings>,
    metrics: Arc<Metrics>,
    epochs: Arc<AtomicU64>,
    /// Who is connected now, with how many connections each (breakout rounds need the names).
    present: Mutex<std::collections::BTreeMap<ParticipantId, u32>>,
    connections: AtomicU64,
    /// Set by every change; cleared by the ticker when it renders.
    dirty: AtomicBool,
    /// Wakes the ticker when the room changed.
    changed: Notify,
    ticker_running: AtomicBool,
    host_frames: watch::Sender<Utf8Bytes>,
    presenter_frames: watch::Sender<Utf8Bytes>,
    /// Participant frames, one channel per shard (connections are dealt round-robin).
    participant_frames: Vec<watch::Sender<Utf8Bytes>>,
    next_shard: AtomicUsize,
    /// Participant frames written to sockets, and the count at which the fan-out's current group
    /// counts as delivered (the next group is then released).
    participant_delivered: AtomicU64,
    group_target: AtomicU64,
    group_delivered: Notify,
    embed_frames: watch::Sender<Utf8Bytes>,
    /// A close code for every connection of the room (room deleted).
    closing: watch::Sender<Option<u16>>,
    /// Bumped when a host command changed what participants' own answers look like (a merge, a
    /// hide, an approval, a reset, a breakout round): each participant then gets a fresh `me`.
    answers_changed: watch::Sender<u64>,
}

/// Why a submitted command did not take effect.
#[derive(Debug)]
pub enum SubmitError {
    Rejected(Rejection),
    /// The room was deleted while the command was on its way.
    Gone,
    /// The log could not make the command durable; it is not acknowledged.
    Store(StoreError),
}

/// An accepted, durable command.
#[derive(Clone, Copy, Debug)]
pub struct Applied {
    pub seq: u64,
    pub epoch: u64,
    pub outcome: Outcome,
}

/// A participant admitted by [`RoomHandle::admit`].
#[derive(Clone, Debug)]
pub struct Admitted {
    pub participant: ParticipantId,
    /// The signed token to keep and present next time.
    pub token: String,
    pub name: Option<String>,
    pub epoch: u64,
    pub seq: u64,
}

/// Why a participant's `hello` was refused.
#[derive(Debug)]
pub enum AdmitError {
    /// The token was not issued by this server for this room.
    InvalidToken,
    Submit(SubmitError),
}

/// An accepted command and what its sender is owed besides the `ack`.
#[derive(Debug)]
pub struct Submitted {
    pub applied: Applied,
    /// For a participant: their own answers as they now stand (the activity they answered, or
    /// all of them after a change of name), to send right after the `ack`.
    pub me: Option<Utf8Bytes>,
}

/// What every room shares with the hub.
#[derive(Clone)]
pub struct RoomServices {
    pub log: Arc<dyn CommandLog>,
    pub settings: Arc<HubSettings>,
    pub metrics: Arc<Metrics>,
    /// The next epoch to hand out (a rebuilt room takes a new one).
    pub epochs: Arc<AtomicU64>,
}

/// A room rebuilt from its log entries, in order, with the position of the last one. A command
/// the room refuses (or cannot read) is skipped with a warning, as `apply` refused it the first
/// time too.
pub fn replay(entries: &[LogEntry]) -> (Room, u64) {
    let mut room = Room::empty();
    let mut seq = 0;
    for entry in entries {
        seq = entry.seq;
        match Command::from_log(&entry.command) {
            Ok(command) => {
                if let Err(rejection) = room.apply(&command, entry.at) {
                    tracing::warn!(room = %entry.room, seq, %rejection,
                        "a logged command was refused on replay");
                }
            }
            Err(err) => tracing::warn!(room = %entry.room, seq, error = %err,
                "a logged command could not be read"),
        }
    }
    (room, seq)
}

pub fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

impl RoomHandle {
    pub fn new(
        code: String,
        host_key_hash: String,
        room: Room,
        seq: u64,
        epoch: u64,
        services: RoomServices,
    ) -> Arc<RoomHandle> {
        let RoomServices {
            log,
            settings,
            metrics,
            epochs,
        } = services;
        let empty = || watch::channel(Utf8Bytes::from_static("")).0;
        Arc::new(RoomHandle {
            code,
            host_key_hash,
            state: Mutex::new(RoomState {
                room,
                seq,
                epoch,
                deleted: false,
                log_failed: false,
            }),
            log,
            settings,
            metrics,
            epochs,
            present: Mutex::new(std::collections::BTreeMap::new()),
            connections: AtomicU64::new(0),
            dirty: AtomicBool::new(true),
            changed: Notify::new(),
            ticker_running: AtomicBool::new(false),
            host_frames: empty(),
            presenter_frames: empty(),
            participant_frames: (0..PARTICIPANT_SHARDS).map(|_| empty()).collect(),
            next_shard: AtomicUsize::new(0),
            participant_delivered: AtomicU64::new(0),
            group_target: AtomicU64::new(u64::MAX),
            group_delivered: Notify::new(),
            embed_frames: empty(),
            closing: watch::channel(None).0,
            answers_changed: watch::channel(0).0,
        })
    }

    /// The room's state. Poisoning is recovered from: `apply` leaves the room consistent even if
    /// a panic happened elsewhere while the lock was held.
    pub fn lock(&self) -> MutexGuard<'_, RoomState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn host_key_hash(&self) -> &str {
        &self.host_key_hash
    }

    pub fn settings(&self) -> &HubSettings {
        &self.settings
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Applies a command, appends it to the log in the same critical section, and resolves once
    /// the log has made it durable. Only then may the caller acknowledge it.
    pub async fn submit(&self, command: Command) -> Result<Applied, SubmitError> {
        let (commit, applied) = {
            let mut state = self.lock();
            if state.deleted {
                return Err(SubmitError::Gone);
            }
            if state.log_failed {
                return Err(SubmitError::Store(StoreError::Io(
                    "an earlier write of this session failed; it takes no changes until the server restarts".into(),
                )));
            }
            // `at` never goes backwards within a room, whatever the wall clock does.
            let at = now_ms().max(state.room.last_command_at());
            let outcome = state.room.apply(&command, at).map_err(|rejection| {
                self.metrics.commands_rejected.inc();
                SubmitError::Rejected(rejection)
            })?;
            state.seq += 1;
            let entry = LogEntry {
                room: self.code.clone(),
                seq: state.seq,
                at,
                command: serde_json::to_string(&command).unwrap_or_default(),
            };
            let commit = self.log.append(entry);
            self.mark_dirty();
            (
                commit,
                Applied {
                    seq: state.seq,
                    epoch: state.epoch,
                    outcome,
                },
            )
        };
        let started = Instant::now();
        let touches_answers = command.changes_others_answers();
        if let Err(err) = commit.await {
            self.rebuild_after_failed_write(applied.epoch);
            return Err(SubmitError::Store(err));
        }
        if touches_answers {
            self.answers_changed.send_modify(|n| *n += 1);
        }
        self.metrics
            .log_commit_seconds
            .observe(started.elapsed().as_secs_f64());
        self.metrics.commands_applied.inc();
        Ok(applied)
    }

    /// A participant's `hello`: recognises them by their token or admits them as new, logs a
    /// `join` only when there is something new to say (a first visit, a new name), and places
    /// them in a running breakout round they are not in yet.
    pub async fn admit(
        &self,
        secret: &super::identity::Secret,
        token: Option<&str>,
        name: Option<String>,
    ) -> Result<Admitted, AdmitError> {
        let participant = match token {
            Some(token) => secret
                .verify_token(&self.code, token)
                .ok_or(AdmitError::InvalidToken)?,
            None => ParticipantId(uuid::Uuid::new_v4()),
        };
        let name = name.filter(|n| !n.trim().is_empty());
        let needs_join = match self.lock().room.participant(&participant) {
            None => true,
            Some(known) => name.is_some() && known.name != name,
        };
        if needs_join {
            self.submit(Command::Join {
                participant,
                name: name.clone(),
            })
            .await
            .map_err(AdmitError::Submit)?;
        }
        self.place_if_late(participant)
            .await
            .map_err(AdmitError::Submit)?;
        let state = self.lock();
        Ok(Admitted {
            participant,
            token: secret.issue_token(&self.code, &participant),
            name: state
                .room
                .participant(&participant)
                .and_then(|p| p.name.clone()),
            epoch: state.epoch,
            seq: state.seq,
        })
    }

    /// Someone who arrives (or asks again) while a breakout round runs without them joins it.
    pub async fn place_if_late(&self, who: ParticipantId) -> Result<(), SubmitError> {
        let activity = self.lock().room.needs_group(&who);
        if let Some(activity) = activity {
            self.submit(Command::JoinGroups {
                activity,
                participant: who,
            })
            .await?;
        }
        Ok(())
    }

    /// A command from a connection (`participant` for a participant's). Commands that depend on
    /// who is connected (a breakout round, a solution circle's draw) get the people present
    /// filled in here, so the log alone replays them.
    pub async fn submit_from(
        &self,
        mut command: Command,
        participant: Option<ParticipantId>,
    ) -> Result<Submitted, SubmitError> {
        if let Some(present) = match &mut command {
            Command::Control(control) => control.present_mut(),
            _ => None,
        } {
            *present = self.present();
        }
        let renamed = matches!(command, Command::SetName { .. });
        let applied = self.submit(command).await?;
        let me = participant.and_then(|who| match applied.outcome.answered() {
            Some(activity) => Some(self.me_frame(&who, Some(activity))),
            None => renamed.then(|| self.me_frame(&who, None)),
        });
        Ok(Submitted { applied, me })
    }

    /// A participant asks for everything about themselves afresh (`sync`): they are placed in a
    /// running breakout round if they missed it; then the room's position and their full `me`.
    pub async fn sync(&self, who: ParticipantId) -> Result<(u64, u64, Utf8Bytes), SubmitError> {
        self.place_if_late(who).await?;
        let (epoch, seq) = self.epoch_seq();
        Ok((epoch, seq, self.me_frame(&who, None)))
    }

    /// A write applied in `epoch` failed: the room in memory may hold commands the log does not.
    /// Rebuilds it from the durable log under a new epoch (once, however many writes of that
    /// epoch fail), stops taking commands, and sends every screen and phone the rebuilt state.
    fn rebuild_after_failed_write(&self, epoch: u64) {
        let mut state = self.lock();
        if state.epoch != epoch || state.deleted {
            return;
        }
        // Read under the lock (a failure path, not a hot one): no command can slip in between
        // reading the log and replacing the room.
        match self.log.load_room(&self.code) {
            Ok(Some(stored)) => {
                let (room, seq) = replay(&stored.entries);
                state.room = room;
                state.seq = seq;
                tracing::error!(room = %self.code, seq, "a write failed: the room was rebuilt from its log and takes no more commands until restart");
            }
            Ok(None) => {
                tracing::error!(room = %self.code, "a write failed and the room is not in the log");
            }
            Err(err) => {
                tracing::error!(room = %self.code, error = %err, "a write failed and the log cannot be read to rebuild the room");
            }
        }
        state.log_failed = true;
        state.epoch = self.epochs.fetch_add(1, Ordering::Relaxed);
        drop(state);
        self.mark_dirty();
        self.answers_changed.send_modify(|n| *n += 1);
    }

    pub fn epoch_seq(&self) -> (u64, u64) {
        let state = self.lock();
        (state.epoch, state.seq)
    }

    pub fn expires_at(&self, room: &Room) -> Millis {
        room.last_command_at()
            .saturating_add(self.settings.retention.as_millis() as Millis)
    }

    // ---- connections and fan-out ----

    /// Registers a connection; starts the room's ticker if it is not running.
    pub fn connect(self: &Arc<Self>) -> Connection {
        self.connections.fetch_add(1, Ordering::AcqRel);
        self.metrics.connections.inc();
        if !self.ticker_running.swap(true, Ordering::AcqRel) {
            let room = Arc::clone(self);
            tokio::spawn(async move { room.run_ticker().await });
        }
        Connection {
            room: Arc::clone(self),
            participant_online: None,
        }
    }

    /// Participants connected now (someone with two tabs open counts once).
    pub fn online_participants(&self) -> u64 {
        self.present
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len() as u64
    }

    /// Everyone who has joined, with whether they are connected (at most `limit`).
    pub fn people(&self, limit: usize) -> Vec<crate::protocol::Person> {
        let present: std::collections::BTreeSet<ParticipantId> =
            self.present().into_iter().collect();
        let state = self.lock();
        state
            .room
            .participant_ids()
            .take(limit)
            .map(|id| crate::protocol::Person {
                id,
                name: state.room.display_name(&id),
                online: present.contains(&id),
            })
            .collect()
    }

    /// The participants connected right now.
    pub fn present(&self) -> Vec<ParticipantId> {
        self.present
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .keys()
            .copied()
            .collect()
    }

    pub fn subscribe(&self, audience: Audience) -> watch::Receiver<Utf8Bytes> {
        match audience {
            Audience::Host => self.host_frames.subscribe(),
            Audience::Presenter => self.presenter_frames.subscribe(),
            Audience::Participant => {
                let shard = self.next_shard.fetch_add(1, Ordering::Relaxed) % PARTICIPANT_SHARDS;
                self.participant_frames[shard].subscribe()
            }
            Audience::Embed => self.embed_frames.subscribe(),
        }
    }

    pub fn closing(&self) -> watch::Receiver<Option<u16>> {
        self.closing.subscribe()
    }

    pub fn answers_changed(&self) -> watch::Receiver<u64> {
        self.answers_changed.subscribe()
    }

    /// Renders one audience's frame now (a new connection's first snapshot).
    pub fn render(&self, audience: Audience) -> Utf8Bytes {
        let online = self.online_participants();
        let state = self.lock();
        self.render_locked(&state, audience, online)
    }

    fn render_locked(&self, state: &RoomState, audience: Audience, online: u64) -> Utf8Bytes {
        let msg = match audience {
            Audience::Host => ServerMsg::HostState {
                epoch: state.epoch,
                seq: state.seq,
                server_time: now_ms(),
                expires_at: self.expires_at(&state.room),
                view: Box::new(host_view(&state.room, online)),
            },
            _ => ServerMsg::State {
                epoch: state.epoch,
                seq: state.seq,
                server_time: now_ms(),
                view: Box::new(public_view(&state.room, audience, online)),
            },
        };
        Utf8Bytes::from(msg.to_text())
    }

    /// The participant's own answers: all of them, or one activity's.
    pub fn me_frame(&self, participant: &ParticipantId, only: Option<ActivityId>) -> Utf8Bytes {
        let state = self.lock();
        let answers = match only {
            None => state
                .room
                .answers_of(participant)
                .into_iter()
                .map(|(id, answer)| (id.to_string(), Some(answer)))
                .collect(),
            Some(id) => [(id.to_string(), state.room.answer_of(participant, id))]
                .into_iter()
                .collect(),
        };
        let msg = ServerMsg::Me {
            epoch: state.epoch,
            seq: state.seq,
            full: only.is_none(),
            name: state
                .room
                .participant(participant)
                .and_then(|p| p.name.clone()),
            answers,
        };
        Utf8Bytes::from(msg.to_text())
    }

    /// Marks the room deleted and tells every connection to close with `code`.
    pub fn close_all(&self, code: u16) {
        self.lock().deleted = true;
        self.closing.send_replace(Some(code));
    }

    pub fn is_deleted(&self) -> bool {
        self.lock().deleted
    }

    /// The interval between participant frames for the current audience size: as short as
    /// `participant_tick`, longer when the audience would exceed the frame budget.
    fn participant_interval(&self) -> Duration {
        let online = self.online_participants().max(1);
        let budget = u64::from(self.settings.participant_frame_budget.max(1));
        let spread = Duration::from_millis(online.saturating_mul(1000) / budget);
        spread.max(self.settings.participant_tick)
    }

    /// Renders the views while the room has connections. Host, presenter and embed views are
    /// rendered as soon as the room changes, but no more often than `presenter_tick` (embeds
    /// `EMBED_INTERVAL`); participant views every `participant_interval`, handed to the
    /// staggered fan-out.
    async fn run_ticker(self: Arc<Self>) {
        let (to_fanout, fanout_frames) = watch::channel(Utf8Bytes::from_static(""));
        let fanout = tokio::spawn(Arc::clone(&self).run_fanout(fanout_frames));
        let min_gap = self.settings.presenter_tick;
        let mut participant_pending = true;
        let long_ago = Instant::now() - Duration::from_secs(3600);
        let mut last_participant_frame = long_ago;
        let mut last_view = long_ago;
        let mut last_embed = long_ago;
        let mut embed_pending = false;
        loop {
            // Sleep until the room changes, a participant or embed frame falls due, or the
            // housekeeping interval (countdowns) is up.
            let mut wait = HOUSEKEEPING;
            if participant_pending {
                wait = wait.min(
                    self.participant_interval()
                        .saturating_sub(last_participant_frame.elapsed()),
                );
            }
            if embed_pending {
                wait = wait.min(EMBED_INTERVAL.saturating_sub(last_embed.elapsed()));
            }
            tokio::select! {
                _ = self.changed.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
            if self.connections.load(Ordering::Acquire) == 0 {
                self.ticker_running.store(false, Ordering::Release);
                // A connection may have arrived between the check and the store: it would have
                // seen the ticker as running and not started one.
                if self.connections.load(Ordering::Acquire) == 0
                    || self.ticker_running.swap(true, Ordering::AcqRel)
                {
                    break;
                }
            }
            // A countdown that has run out closes voting through the log like any other change,
            // so replay and every screen agree on when it closed.
            let due = self.lock().room.countdown_due(now_ms());
            if let Some(activity) = due {
                let close = Command::Room(RoomCommand::SetVoting {
                    activity,
                    open: false,
                });
                if let Err(err) = self.submit(close).await {
                    tracing::warn!(room = %self.code, ?err, "could not close voting at the end of a countdown");
                }
            }
            if self.dirty.load(Ordering::Acquire) {
                // Changes that arrive within `min_gap` of the last frame share the next one.
                let since = last_view.elapsed();
                if since < min_gap {
                    tokio::time::sleep(min_gap - since).await;
                }
                self.dirty.store(false, Ordering::Release);
                last_view = Instant::now();
                participant_pending = true;
                embed_pending = self.embed_frames.receiver_count() > 0;
                let online = self.online_participants();
                let state = self.lock();
                if self.host_frames.receiver_count() > 0 {
                    let frame = self.render_locked(&state, Audience::Host, online);
                    self.host_frames.send_replace(frame);
                }
                if self.presenter_frames.receiver_count() > 0 {
                    let frame = self.render_locked(&state, Audience::Presenter, online);
                    self.presenter_frames.send_replace(frame);
                }
            }
            if embed_pending && last_embed.elapsed() >= EMBED_INTERVAL {
                embed_pending = false;
                last_embed = Instant::now();
                let frame = {
                    let online = self.online_participants();
                    let state = self.lock();
                    self.render_locked(&state, Audience::Embed, online)
                };
                self.embed_frames.send_replace(frame);
            }
            if participant_pending
                && last_participant_frame.elapsed() >= self.participant_interval()
            {
                participant_pending = false;
                last_participant_frame = Instant::now();
                let anyone = self
                    .participant_frames
                    .iter()
                    .any(|s| s.receiver_count() > 0);
                if anyone {
                    let online = self.online_participants();
                    let frame = {
                        let state = self.lock();
                        self.render_locked(&state, Audience::Participant, online)
                    };
                    to_fanout.send_replace(frame);
                }
            }
        }
        drop(to_fanout);
        let _ = fanout.await;
    }

    /// Hands each participant frame to the shards a group at a time. A group is about
    /// `fanout_group` connections (a vote or a presenter frame waits behind at most one group); the next group is released once most of the current one has
    /// written its frame (or after `FANOUT_GROUP_WAIT`). The run queue then never holds more than
    /// one group's sends, so a vote's ack or a presenter frame waits behind one group at most,
    /// while the whole audience still gets the frame as fast as the machine can write it. A
    /// frame rendered meanwhile goes to everyone in the next round.
    async fn run_fanout(self: Arc<Self>, mut frames: watch::Receiver<Utf8Bytes>) {
        while frames.changed().await.is_ok() {
            let frame = frames.borrow_and_update().clone();
            let receivers: Vec<usize> = self
                .participant_frames
                .iter()
                .map(|shard| shard.receiver_count())
                .collect();
            let audience: usize = receivers.iter().sum();
            let group_size = u64::from(self.settings.fanout_group.max(1));
            let groups = (audience as u64)
                .div_ceil(group_size)
                .clamp(1, PARTICIPANT_SHARDS as u64) as usize;
            for group in 0..groups {
                let shards =
                    group * PARTICIPANT_SHARDS / groups..(group + 1) * PARTICIPANT_SHARDS / groups;
                let expected: usize = receivers[shards.clone()].iter().sum();
                // Count from here: frames of earlier groups still being written count too, which
                // only releases this group's successor a little sooner.
                let target = self.participant_delivered.load(Ordering::Acquire)
                    + (expected as u64 * 9).div_ceil(10);
                for shard in &self.participant_frames[shards] {
                    if shard.receiver_count() > 0 {
                        shard.send_replace(frame.clone());
                    }
                }
                if group + 1 == groups || expected == 0 {
                    continue;
                }
                self.group_target.store(target, Ordering::Release);
                let deadline = tokio::time::Instant::now() + FANOUT_GROUP_WAIT;
                while self.participant_delivered.load(Ordering::Acquire) < target {
                    tokio::select! {
                        _ = self.group_delivered.notified() => {}
                        _ = tokio::time::sleep_until(deadline) => break,
                    }
                }
                self.group_target.store(u64::MAX, Ordering::Release);
            }
        }
    }

    /// A participant connection wrote a participant frame to its socket.
    pub fn participant_frame_sent(&self) {
        let delivered = self.participant_delivered.fetch_add(1, Ordering::AcqRel) + 1;
        if delivered == self.group_target.load(Ordering::Acquire) {
            self.group_delivered.notify_one();
        }
    }

    pub fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::Release);
        self.changed.notify_one();
    }
}

/// A registered connection; unregisters itself when dropped, however the session ends.
pub struct Connection {
    room: Arc<RoomHandle>,
    participant_online: Option<ParticipantId>,
}

impl Connection {
    pub fn room(&self) -> &Arc<RoomHandle> {
        &self.room
    }

    /// Counts this connection as `who` being online (once).
    pub fn set_participant_online(&mut self, who: ParticipantId) {
        if self.participant_online.is_none() {
            self.participant_online = Some(who);
            *self
                .room
                .present
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .entry(who)
                .or_insert(0) += 1;
            self.room.mark_dirty();
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some(who) = self.participant_online {
            let mut present = self
                .room
                .present
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(count) = present.get_mut(&who) {
                *count -= 1;
                if *count == 0 {
                    present.remove(&who);
                }
            }
            drop(present);
            self.room.mark_dirty();
        }
        self.room.connections.fetch_sub(1, Ordering::AcqRel);
        self.room.metrics.connections.dec();
    }
}

impl RoomHandle {
    /// Asks every connection to close with `code` without deleting the room (shutdown).
    pub fn closing_signal(&self, code: u16) {
        self.closing.send_replace(Some(code));
    }
}

impl RoomHandle {
    pub fn connection_count(&self) -> u64 {
        self.connections.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::store::sqlite::SqliteLog;

    fn room(fanout_group: u32) -> (tempfile::TempDir, Arc<RoomHandle>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        config.fanout_group = fanout_group;
        let log = SqliteLog::open(&dir.path().join("log.db")).expect("log");
        let handle = RoomHandle::new(
            "ABCDEF".into(),
            String::new(),
            Room::empty(),
            0,
            1,
            RoomServices {
                log: Arc::new(log),
                settings: Arc::new(HubSettings::from_config(&config)),
                metrics: Arc::new(Metrics::default()),
                epochs: Arc::new(AtomicU64::new(2)),
            },
        );
        (dir, handle)
    }

    /// Receivers dealt to the shards like connections are, and what each holds now.
    fn latest(receivers: &[watch::Receiver<Utf8Bytes>]) -> Vec<String> {
        receivers.iter().map(|r| r.borrow().to_string()).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn participant_frames_go_out_a_group_at_a_time_and_everyone_ends_on_the_latest() {
        // One connection per shard, groups of one: 64 steps. Nobody writes (no sessions), so
        // each step waits its full FANOUT_GROUP_WAIT before the next group is released.
        let (_dir, handle) = room(1);
        let receivers: Vec<_> = (0..PARTICIPANT_SHARDS)
            .map(|_| handle.subscribe(Audience::Participant))
            .collect();
        let (frames, rx) = watch::channel(Utf8Bytes::from_static(""));
        let fanout = tokio::spawn(Arc::clone(&handle).run_fanout(rx));

        frames.send_replace(Utf8Bytes::from_static("A"));
        tokio::time::sleep(FANOUT_GROUP_WAIT * 4 + FANOUT_GROUP_WAIT / 2).await;
        let now = latest(&receivers);
        // Staggered: the first five groups have it, the rest do not yet.
        assert!(now[..5].iter().all(|f| f == "A"), "{now:?}");
        assert!(now[5..].iter().all(|f| f.is_empty()), "{now:?}");

        // A newer frame while the first is still going out: the rest of this round still gets
        // "A", and then everyone, the early groups included, gets "B".
        frames.send_replace(Utf8Bytes::from_static("B"));
        tokio::time::sleep(FANOUT_GROUP_WAIT * 2 * PARTICIPANT_SHARDS as u32).await;
        assert!(latest(&receivers).iter().all(|f| f == "B"));

        drop(frames);
        fanout.await.expect("the fan-out ends with its ticker");
    }

    #[tokio::test(start_paused = true)]
    async fn a_group_that_has_written_releases_the_next_at_once() {
        let (_dir, handle) = room(1);
        let receivers: Vec<_> = (0..PARTICIPANT_SHARDS)
            .map(|_| handle.subscribe(Audience::Participant))
            .collect();
        let (frames, rx) = watch::channel(Utf8Bytes::from_static(""));
        let fanout = tokio::spawn(Arc::clone(&handle).run_fanout(rx));
        // Sessions that write their frame as soon as they see it.
        let writers: Vec<_> = receivers
            .into_iter()
            .map(|mut r| {
                let handle = Arc::clone(&handle);
                tokio::spawn(async move {
                    r.changed().await.expect("a frame");
                    handle.participant_frame_sent();
                    r.borrow().to_string()
                })
            })
            .collect();
        let started = tokio::time::Instant::now();
        frames.send_replace(Utf8Bytes::from_static("A"));
        for writer in writers {
            assert_eq!(writer.await.expect("writer"), "A");
        }
        // No group waited for its deadline (time is paused: only timers move it).
        assert!(started.elapsed() < FANOUT_GROUP_WAIT);
        drop(frames);
        fanout.await.expect("the fan-out ends");
    }
}
