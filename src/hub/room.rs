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
use crate::domain::{ActivityId, Command, Millis, Outcome, ParticipantId, Rejection, Room};
use crate::protocol::ServerMsg;
use crate::store::{CommandLog, LogEntry, StoreError};
use axum::extract::ws::Utf8Bytes;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;

pub struct RoomState {
    pub room: Room,
    pub seq: u64,
    pub epoch: u64,
    deleted: bool,
}

pub struct RoomHandle {
    pub code: String,
    host_key_hash: String,
    state: Mutex<RoomState>,
    log: Arc<dyn CommandLog>,
    settings: Arc<HubSettings>,
    metrics: Arc<Metrics>,
    /// Who is connected now, with how many connections each (breakout rounds need the names).
    present: Mutex<std::collections::BTreeMap<ParticipantId, u32>>,
    connections: AtomicU64,
    /// Set by every change; cleared by the ticker when it renders.
    dirty: AtomicBool,
    ticker_running: AtomicBool,
    host_frames: watch::Sender<Utf8Bytes>,
    presenter_frames: watch::Sender<Utf8Bytes>,
    participant_frames: watch::Sender<Utf8Bytes>,
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

/// What every room shares with the hub.
#[derive(Clone)]
pub struct RoomServices {
    pub log: Arc<dyn CommandLog>,
    pub settings: Arc<HubSettings>,
    pub metrics: Arc<Metrics>,
}

/// Host commands after which participants' own answers may read differently.
fn changes_others_answers(command: &Command) -> bool {
    matches!(
        command,
        Command::EditActivity { .. }
            | Command::DeleteActivity { .. }
            | Command::HideIdea { .. }
            | Command::MergeIdeas { .. }
            | Command::Moderate { .. }
            | Command::ResetResults { .. }
            | Command::StartGroups { .. }
            | Command::JoinGroups { .. }
            | Command::CircleSetup { .. }
            | Command::CircleNext { .. }
    )
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
            }),
            log,
            settings,
            metrics,
            present: Mutex::new(std::collections::BTreeMap::new()),
            connections: AtomicU64::new(0),
            dirty: AtomicBool::new(true),
            ticker_running: AtomicBool::new(false),
            host_frames: empty(),
            presenter_frames: empty(),
            participant_frames: empty(),
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
            self.dirty.store(true, Ordering::Release);
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
        let touches_answers = changes_others_answers(&command);
        commit.await.map_err(SubmitError::Store)?;
        if touches_answers {
            self.answers_changed.send_modify(|n| *n += 1);
        }
        self.metrics
            .log_commit_seconds
            .observe(started.elapsed().as_secs_f64());
        self.metrics.commands_applied.inc();
        Ok(applied)
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
            Audience::Participant => self.participant_frames.subscribe(),
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

    async fn run_ticker(self: Arc<Self>) {
        let mut interval = tokio::time::interval(self.settings.presenter_tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut participant_pending = true;
        let mut last_participant_frame = Instant::now() - Duration::from_secs(3600);
        loop {
            interval.tick().await;
            if self.connections.load(Ordering::Acquire) == 0 {
                self.ticker_running.store(false, Ordering::Release);
                // A connection may have arrived between the check and the store: it would have
                // seen the ticker as running and not started one.
                if self.connections.load(Ordering::Acquire) == 0
                    || self.ticker_running.swap(true, Ordering::AcqRel)
                {
                    return;
                }
            }
            // A countdown that has run out closes voting through the log like any other change,
            // so replay and every screen agree on when it closed.
            let due = self.lock().room.countdown_due(now_ms());
            if let Some(activity) = due {
                let close = Command::SetVoting {
                    activity,
                    open: false,
                };
                if let Err(err) = self.submit(close).await {
                    tracing::warn!(room = %self.code, ?err, "could not close voting at the end of a countdown");
                }
            }
            if self.dirty.swap(false, Ordering::AcqRel) {
                participant_pending = true;
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
                if self.embed_frames.receiver_count() > 0 {
                    let frame = self.render_locked(&state, Audience::Embed, online);
                    self.embed_frames.send_replace(frame);
                }
            }
            if participant_pending
                && last_participant_frame.elapsed() >= self.participant_interval()
            {
                participant_pending = false;
                last_participant_frame = Instant::now();
                if self.participant_frames.receiver_count() > 0 {
                    let online = self.online_participants();
                    let frame = {
                        let state = self.lock();
                        self.render_locked(&state, Audience::Participant, online)
                    };
                    self.participant_frames.send_replace(frame);
                }
            }
        }
    }

    pub fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::Release);
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
