//! The room: a deck of activities, the facilitator's position in it, and the participants.
//!
//! [`Room::apply`] is the only way to change a room. It either applies a whole command or returns a
//! [`Rejection`] and leaves the room exactly as it was, so the command log (every accepted command,
//! in order, with its `at`) rebuilds the same room on replay.

use super::activity::leaderboard::{self, Standing};
use super::activity::{
    Activity, ActivityAnswer, ActivityControl, ActivityKind, ActivitySpec, Answer, AnswerContext,
    HostContext, Reach, Routes, owns,
};
use super::{
    ActivityId, Millis, ParticipantId, RejectCode, Rejection, clean_optional_text, reject,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_NAME_CHARS: usize = 40;

/// Limits fixed when the room is created and stored in its first command, so a later change of
/// server configuration can never make a replay refuse what was once accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomLimits {
    pub max_participants: u32,
    pub max_activities: u32,
}

impl Default for RoomLimits {
    fn default() -> Self {
        RoomLimits {
            max_participants: 20_000,
            max_activities: 200,
        }
    }
}

/// Where the facilitator moves the room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Navigate {
    Next,
    Prev,
    /// Back to the waiting screen: no activity is current.
    Lobby,
    Activity(ActivityId),
}

/// Who moves through the deck: the facilitator for everyone, or each participant at their own
/// pace (like a survey).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pacing {
    #[default]
    Presenter,
    Audience,
}

/// The five reactions anyone can send at any time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reaction {
    ThumbsUp,
    Heart,
    Laugh,
    Wow,
    Clap,
}

/// Reactions sent during one activity (or in the lobby).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionCounts {
    pub thumbs_up: u64,
    pub heart: u64,
    pub laugh: u64,
    pub wow: u64,
    pub clap: u64,
}

impl ReactionCounts {
    fn add(&mut self, reaction: Reaction) {
        let slot = match reaction {
            Reaction::ThumbsUp => &mut self.thumbs_up,
            Reaction::Heart => &mut self.heart,
            Reaction::Laugh => &mut self.laugh,
            Reaction::Wow => &mut self.wow,
            Reaction::Clap => &mut self.clap,
        };
        *slot += 1;
    }
}

/// Every change to a room, as its log holds it. Host commands carry no identity: the hub checks
/// the host key before a host command gets here. Participant commands name the participant the
/// hub authenticated. The commands that belong to one kind of activity live in that kind's file
/// ([`ActivityControl`], [`ActivityAnswer`]); the room only checks what every activity shares
/// and hands them on. The JSON is the wire's (`type`-tagged; see [`Command::from_log`] for logs
/// written before the commands moved).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    Create {
        title: String,
        seed: u64,
        limits: RoomLimits,
    },
    Join {
        participant: ParticipantId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    SetName {
        participant: ParticipantId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    React {
        participant: ParticipantId,
        reaction: Reaction,
    },
    /// Puts a latecomer into the running round without moving anyone.
    JoinGroups {
        activity: ActivityId,
        participant: ParticipantId,
    },
    /// The facilitator's commands to the room and the controls every activity shares.
    #[serde(untagged)]
    Room(RoomCommand),
    /// A facilitator's command that belongs to one kind of activity.
    #[serde(untagged)]
    Control(ActivityControl),
    /// A participant's answer to an activity.
    #[serde(untagged)]
    Answer(Answered),
}

/// The facilitator's commands to the room itself and the controls every activity shares. The
/// wire takes them as they are (`protocol::ClientMsg` embeds this type).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RoomCommand {
    SetTitle {
        title: String,
    },
    /// The language participants' pages use (a BCP 47 tag such as `en` or `cy`).
    SetLanguage {
        language: String,
    },
    /// What embedded pages show: a pinned activity (or the current one), and whether visitors may
    /// vote from the embed.
    SetEmbed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        activity: Option<ActivityId>,
        voting: bool,
    },
    AddActivity {
        spec: ActivitySpec,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        position: Option<usize>,
    },
    EditActivity {
        activity: ActivityId,
        spec: ActivitySpec,
    },
    MoveActivity {
        activity: ActivityId,
        position: usize,
    },
    DeleteActivity {
        activity: ActivityId,
    },
    Navigate {
        to: Navigate,
    },
    SetVoting {
        activity: ActivityId,
        open: bool,
    },
    /// Closes voting `seconds` from now (and opens it until then); `None` cancels the countdown.
    SetCountdown {
        activity: ActivityId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seconds: Option<u32>,
    },
    SetPhoneResults {
        activity: ActivityId,
        shown: bool,
        /// Whether a phone sees them before it has answered (left out: unchanged; at first a
        /// phone sees results only once it has answered, or voting has closed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before_answering: Option<bool>,
    },
    /// Starts a new round; the earlier results are kept for exports.
    ResetResults {
        activity: ActivityId,
    },
    SetPacing {
        pacing: Pacing,
    },
    /// What the projected screen shows of the current activity, driven from the console: a page
    /// of it, one statement alone (scales), the join QR code over everything. Moving to another
    /// activity goes back to its first page and drops the statement; the QR stays until taken
    /// down.
    SetScreen {
        #[serde(default)]
        page: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        focus: Option<u32>,
        #[serde(default)]
        qr: bool,
    },
    /// A Q&A that stays open beside every other activity (`None` closes the side lane).
    SetSideQna {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        activity: Option<ActivityId>,
    },
    /// "You said, we did": what will be done about one item of an activity's results (an idea, a
    /// question, a statement, an option), or about the activity as a whole (`item` left out).
    /// An empty text removes the note.
    SetReportNote {
        activity: ActivityId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item: Option<u32>,
        text: String,
        /// Ticked off the to-do list: done, not only planned.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        done: bool,
    },
    /// Publishing makes the report readable by anyone with its link.
    PublishReport {
        published: bool,
    },
    SetResults {
        activity: ActivityId,
        shown: bool,
    },
}

/// A participant's answer, with who gave it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answered {
    pub participant: ParticipantId,
    #[serde(flatten)]
    pub answer: ActivityAnswer,
}

/// The groups of commands that share the `type` tag space with their own enums: the room's
/// commands, each kind's controls and each kind's answers (by position among the kinds). The
/// log's and the wire's routed readings both go through these.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CommandGroup {
    Room,
    Control(u8),
    Answer(u8),
}

/// A message read as one [`CommandGroup`].
pub(crate) enum Grouped {
    Room(RoomCommand),
    Control(ActivityControl),
    Answer(ActivityAnswer),
}

impl CommandGroup {
    /// The groups with a command of type `tag`, in the order the untagged enums try them.
    pub(crate) fn owning(tag: &str) -> Vec<CommandGroup> {
        let mut owners = Vec::new();
        if owns::<RoomCommand>(tag) {
            owners.push(CommandGroup::Room);
        }
        owners.extend(
            ActivityControl::kinds_owning(tag)
                .into_iter()
                .map(CommandGroup::Control),
        );
        owners.extend(
            ActivityAnswer::kinds_owning(tag)
                .into_iter()
                .map(CommandGroup::Answer),
        );
        owners
    }

    /// `text` read as this group's command, if it reads.
    pub(crate) fn read(self, text: &str) -> Option<Grouped> {
        match self {
            CommandGroup::Room => serde_json::from_str(text).ok().map(Grouped::Room),
            CommandGroup::Control(kind) => ActivityControl::parse_kind(kind, text)?
                .ok()
                .map(Grouped::Control),
            CommandGroup::Answer(kind) => ActivityAnswer::parse_kind(kind, text)?
                .ok()
                .map(Grouped::Answer),
        }
    }
}

impl Command {
    /// A command as read back from a log. Logs written before each kind owned its commands tag
    /// them with `cmd` instead of `type`; everything else is the same.
    pub fn from_log(text: &str) -> Result<Command, serde_json::Error> {
        if let Some(command) = Command::read_routed(text) {
            return Ok(command);
        }
        // Today's entries read directly; only an older one goes through a JSON tree.
        if let Ok(command) = serde_json::from_str(text) {
            return Ok(command);
        }
        let mut value: serde_json::Value = serde_json::from_str(text)?;
        if let Some(object) = value.as_object_mut()
            && !object.contains_key("type")
            && let Some(tag) = object.remove("cmd")
        {
            object.insert("type".into(), tag);
        }
        serde_json::from_value(value)
    }

    /// A facilitator's or participant's command read straight as the one group (room command,
    /// a kind's control, a kind's answer) that has its `type`: what `serde_json::from_str` gives
    /// for it, without trying the other groups and kinds first (each failed try builds and
    /// formats an error; in a vote burst that was a tenth of a node's CPU). `None` for anything
    /// else (the room's own commands such as `join`, an unknown type, a message that does not
    /// read): the caller then reads it the general way, which gives the same command or the
    /// error to report.
    pub(crate) fn read_routed(text: &str) -> Option<Command> {
        #[derive(Deserialize)]
        struct Peek<'a> {
            #[serde(rename = "type", borrow)]
            kind: std::borrow::Cow<'a, str>,
            #[serde(default)]
            participant: Option<ParticipantId>,
        }
        static ROUTES: std::sync::LazyLock<Routes<CommandGroup>> =
            std::sync::LazyLock::new(|| Routes::new(CommandGroup::owning));
        let peek: Peek = serde_json::from_str(text).ok()?;
        let owners = ROUTES.owners(&peek.kind)?;
        owners.iter().find_map(|owner| match owner.read(text)? {
            Grouped::Room(command) => Some(Command::Room(command)),
            Grouped::Control(control) => Some(Command::Control(control)),
            Grouped::Answer(answer) => Some(Command::Answer(Answered {
                participant: peek.participant?,
                answer,
            })),
        })
    }

    /// The participant a command acts as, if it is a participant command.
    pub fn participant(&self) -> Option<ParticipantId> {
        match self {
            Command::Join { participant, .. }
            | Command::SetName { participant, .. }
            | Command::React { participant, .. }
            | Command::Answer(Answered { participant, .. }) => Some(*participant),
            _ => None,
        }
    }

    /// The participant whose own part alone this command changes, when it is a command whose
    /// effect does not depend on where it falls among other such commands of *other*
    /// participants: a vote, a rating, an upvote, a reaction, a join (while the room has places
    /// for everyone joining). Two of these by different participants give the same room in
    /// either order (a property test checks it), so a node's proposal replica that took them in
    /// another order than the log has not drifted. `None` for everything else: commands that
    /// number what they create (a suggestion, a question, a pin), words for a cloud (which shows
    /// the spelling seen first), host commands, and anything that draws from who is present.
    pub fn order_free(&self) -> Option<ParticipantId> {
        use crate::domain::activity::{
            grid, ideas, number, points, poll, qna, quiz, ranking, scales,
        };
        match self {
            Command::Join { participant, .. }
            | Command::SetName { participant, .. }
            | Command::React { participant, .. } => Some(*participant),
            Command::Answer(Answered {
                participant,
                answer,
            }) => match answer {
                ActivityAnswer::Poll(poll::AnswerCommand::Vote { .. })
                | ActivityAnswer::Ideas(ideas::AnswerCommand::DotVote { .. })
                | ActivityAnswer::Scales(scales::AnswerCommand::Rate { .. })
                | ActivityAnswer::Qna(qna::AnswerCommand::Upvote { .. })
                | ActivityAnswer::Ranking(ranking::AnswerCommand::Rank { .. })
                | ActivityAnswer::Points(points::AnswerCommand::Allocate { .. })
                | ActivityAnswer::Quiz(quiz::AnswerCommand::QuizAnswer { .. })
                | ActivityAnswer::Number(number::AnswerCommand::Estimate { .. })
                | ActivityAnswer::Grid(grid::AnswerCommand::Place { .. })
                | ActivityAnswer::Grid(grid::AnswerCommand::Unplace { .. }) => Some(*participant),
                // A word cloud shows the spelling seen first among equals.
                ActivityAnswer::Wordcloud(_)
                | ActivityAnswer::Ideas(ideas::AnswerCommand::SubmitIdea { .. })
                | ActivityAnswer::Qna(qna::AnswerCommand::Ask { .. })
                | ActivityAnswer::Circle(_)
                | ActivityAnswer::Pin(_) => None,
            },
            _ => None,
        }
    }

    /// Whether participants' own answers may read differently afterwards: the hub then sends
    /// each a fresh `me`.
    pub fn changes_others_answers(&self) -> bool {
        match self {
            Command::Room(room) => matches!(
                room,
                RoomCommand::EditActivity { .. }
                    | RoomCommand::DeleteActivity { .. }
                    | RoomCommand::ResetResults { .. }
            ),
            Command::Control(control) => control.changes_answers(),
            Command::JoinGroups { .. } => true,
            _ => false,
        }
    }
}

/// What an accepted command did, for the reply to the client that sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Joined { new: bool },
    ActivityAdded(ActivityId),
    IdeaAdded { activity: ActivityId, idea: u32 },
    QuestionAsked { activity: ActivityId, question: u32 },
    Answered(ActivityId),
    PinPlaced { activity: ActivityId, pin: u32 },
}

impl Outcome {
    /// The id of what the command created (an activity, an idea, a question), for its `ack`.
    pub fn created(&self) -> Option<u32> {
        match self {
            Outcome::ActivityAdded(id) => Some(id.0),
            Outcome::IdeaAdded { idea, .. } => Some(*idea),
            Outcome::QuestionAsked { question, .. } => Some(*question),
            Outcome::PinPlaced { pin, .. } => Some(*pin),
            _ => None,
        }
    }

    /// The activity whose answer of the sender's changed, if any.
    pub fn answered(&self) -> Option<ActivityId> {
        match self {
            Outcome::Answered(activity)
            | Outcome::IdeaAdded { activity, .. }
            | Outcome::QuestionAsked { activity, .. }
            | Outcome::PinPlaced { activity, .. } => Some(*activity),
            _ => None,
        }
    }
}

/// What the projected screen shows of the current activity, as the console drives it
/// (`set_screen`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenState {
    /// The page of the current activity's screen (0: its first; scales: the summary).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub page: u32,
    /// A statement of the current scales shown alone, large.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<u32>,
    /// The join QR code over the whole screen.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub qr: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl ScreenState {
    pub fn is_default(&self) -> bool {
        *self == ScreenState::default()
    }
}

/// Pages a screen can be driven to (far more than any activity has).
pub const MAX_SCREEN_PAGE: u32 = 10_000;

/// What pages embedded in other sites show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedSettings {
    /// A pinned activity; `None` follows the current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<ActivityId>,
    /// Whether visitors may vote from the embed (otherwise it shows results only).
    pub voting: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Participant {
    pub name: Option<String>,
    pub joined_at: Millis,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Room {
    created: bool,
    pub(crate) title: String,
    /// Empty until the facilitator picks one: each phone then uses its own preference.
    pub(crate) language: String,
    pub(crate) embed: EmbedSettings,
    pub(crate) seed: u64,
    pub(crate) limits: RoomLimits,
    pub(crate) created_at: Millis,
    pub(crate) last_command_at: Millis,
    pub(crate) deck: Vec<Activity>,
    pub(crate) current: Option<ActivityId>,
    pub(crate) participants: BTreeMap<ParticipantId, Participant>,
    pub(crate) pacing: Pacing,
    pub(crate) side_qna: Option<ActivityId>,
    #[serde(default)]
    pub(crate) screen: ScreenState,
    pub(crate) reactions: BTreeMap<Option<ActivityId>, ReactionCounts>,
    pub(crate) report: Report,
    next_activity_id: u32,
}

/// The session report's own content: the facilitator's notes and whether it is public.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub published: bool,
    pub notes: Vec<ReportNote>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportNote {
    pub activity: ActivityId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    pub text: String,
    /// Ticked off: what was said has been done ("you said, we did"), not only planned.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub done: bool,
}

pub const MAX_NOTE_CHARS: usize = 2_000;
pub const MAX_NOTES: usize = 500;

impl Room {
    /// A room before its `Create` command: every other command is refused.
    pub fn empty() -> Self {
        Room::default()
    }

    pub fn apply(&mut self, command: &Command, at: Millis) -> Result<Outcome, Rejection> {
        let outcome = self.apply_inner(command, at)?;
        self.last_command_at = self.last_command_at.max(at);
        Ok(outcome)
    }

    fn apply_inner(&mut self, command: &Command, at: Millis) -> Result<Outcome, Rejection> {
        if let Command::Create {
            title,
            seed,
            limits,
        } = command
        {
            if self.created {
                return reject(RejectCode::RoomExists, "the room already exists");
            }
            self.title =
                clean_optional_text(Some(title), MAX_TITLE_CHARS, "the title")?.unwrap_or_default();
            self.seed = *seed;
            self.limits = *limits;
            self.created_at = at;
            self.created = true;
            return Ok(Outcome::Done);
        }
        if !self.created {
            return reject(RejectCode::RoomNotCreated, "the room was never created");
        }
        match command {
            Command::Create { .. } => unreachable_create(),
            Command::Join { participant, name } => {
                let name = clean_optional_text(name.as_deref(), MAX_NAME_CHARS, "the name")?;
                if let Some(existing) = self.participants.get_mut(participant) {
                    if name.is_some() {
                        existing.name = name;
                    }
                    return Ok(Outcome::Joined { new: false });
                }
                if self.participants.len() as u32 >= self.limits.max_participants {
                    return reject(
                        RejectCode::RoomFull,
                        format!(
                            "this session is full ({} participants)",
                            self.limits.max_participants
                        ),
                    );
                }
                self.participants.insert(
                    *participant,
                    Participant {
                        name,
                        joined_at: at,
                    },
                );
                Ok(Outcome::Joined { new: true })
            }
            Command::SetName { participant, name } => {
                let name = clean_optional_text(name.as_deref(), MAX_NAME_CHARS, "the name")?;
                self.participant_mut(*participant)?.name = name;
                Ok(Outcome::Done)
            }
            Command::React {
                participant,
                reaction,
            } => {
                self.participant_mut(*participant)?;
                self.reactions
                    .entry(self.current)
                    .or_default()
                    .add(*reaction);
                Ok(Outcome::Done)
            }
            Command::JoinGroups {
                activity,
                participant,
            } => {
                let id = *activity;
                self.participant_mut(*participant)?;
                let met = self.groups_history();
                match &mut self.activity_mut(id)?.kind {
                    ActivityKind::Groups(groups) => {
                        groups.add_latecomer(*participant, &met)?;
                    }
                    _ => return wrong_kind(id, "groups"),
                }
                Ok(Outcome::Answered(id))
            }
            Command::Room(room) => self.apply_room(room, at),
            Command::Control(control) => {
                let index = self.index_of(control.activity())?;
                let met = self.groups_history();
                let participants = &self.participants;
                let joined = |p: &ParticipantId| participants.contains_key(p);
                let cx = HostContext {
                    at,
                    seed: self.seed,
                    joined: &joined,
                    met: &met,
                };
                self.deck[index].control(control, &cx)?;
                Ok(Outcome::Done)
            }
            Command::Answer(Answered {
                participant,
                answer,
            }) => {
                let who = *participant;
                let name = self.participants.get(&who).and_then(|p| p.name.clone());
                let activity = self.answerable(who, answer.activity(), answer.reach(), at)?;
                let cx = AnswerContext {
                    who,
                    name: name.as_deref(),
                    at,
                };
                activity.answer_with(answer, &cx)
            }
        }
    }

    /// The facilitator's commands to the room and the controls every activity shares.
    fn apply_room(&mut self, command: &RoomCommand, at: Millis) -> Result<Outcome, Rejection> {
        match command {
            RoomCommand::SetTitle { title } => {
                self.title = clean_optional_text(Some(title), MAX_TITLE_CHARS, "the title")?
                    .unwrap_or_default();
                Ok(Outcome::Done)
            }
            RoomCommand::SetLanguage { language } => {
                let valid = (2..=12).contains(&language.len())
                    && language
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && language
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_lowercase());
                if !valid {
                    return reject(
                        RejectCode::InvalidLanguage,
                        "use a language tag such as en, cy or pt-br",
                    );
                }
                self.language = language.clone();
                Ok(Outcome::Done)
            }
            RoomCommand::SetEmbed { activity, voting } => {
                if let Some(id) = activity {
                    self.activity(*id)?;
                }
                self.embed = EmbedSettings {
                    activity: *activity,
                    voting: *voting,
                };
                Ok(Outcome::Done)
            }
            RoomCommand::AddActivity { spec, position } => {
                if self.deck.len() as u32 >= self.limits.max_activities {
                    return reject(
                        RejectCode::DeckFull,
                        format!(
                            "a session holds at most {} activities",
                            self.limits.max_activities
                        ),
                    );
                }
                let position = position.unwrap_or(self.deck.len());
                if position > self.deck.len() {
                    return reject(
                        RejectCode::InvalidPosition,
                        format!("position {position} is past the end of the deck"),
                    );
                }
                let id = ActivityId(self.next_activity_id);
                let activity = Activity::new(id, spec)?;
                self.next_activity_id += 1;
                self.deck.insert(position, activity);
                Ok(Outcome::ActivityAdded(id))
            }
            RoomCommand::EditActivity { activity, spec } => {
                self.activity_mut(*activity)?.edit(spec)?;
                Ok(Outcome::Done)
            }
            RoomCommand::MoveActivity { activity, position } => {
                let from = self.index_of(*activity)?;
                if *position >= self.deck.len() {
                    return reject(
                        RejectCode::InvalidPosition,
                        format!("position {position} is past the end of the deck"),
                    );
                }
                let moved = self.deck.remove(from);
                self.deck.insert(*position, moved);
                Ok(Outcome::Done)
            }
            RoomCommand::DeleteActivity { activity } => {
                let index = self.index_of(*activity)?;
                self.deck.remove(index);
                if self.embed.activity == Some(*activity) {
                    self.embed.activity = None;
                }
                if self.side_qna == Some(*activity) {
                    self.side_qna = None;
                }
                if self.current == Some(*activity) {
                    // The next activity takes its place; after the last one, the one before.
                    self.current = self
                        .deck
                        .get(index)
                        .or_else(|| index.checked_sub(1).and_then(|i| self.deck.get(i)))
                        .map(|a| a.id);
                }
                Ok(Outcome::Done)
            }
            RoomCommand::Navigate { to } => {
                let before = self.current;
                self.navigate(*to)?;
                if self.current != before {
                    self.screen.page = 0;
                    self.screen.focus = None;
                }
                Ok(Outcome::Done)
            }
            RoomCommand::SetScreen { page, focus, qr } => {
                if *page > MAX_SCREEN_PAGE {
                    return reject(
                        RejectCode::OutOfRange,
                        format!("a screen has at most {MAX_SCREEN_PAGE} pages"),
                    );
                }
                if let Some(statement) = focus {
                    let Some(current) = self.current else {
                        return reject(
                            RejectCode::ActivityNotCurrent,
                            "nothing is on screen to show a statement of",
                        );
                    };
                    match &self.activity(current)?.kind {
                        ActivityKind::Scales(scales) if scales.has_statement(*statement) => {}
                        ActivityKind::Scales(_) => {
                            return reject(
                                RejectCode::StatementNotFound,
                                format!("the scales on screen have no statement {statement}"),
                            );
                        }
                        _ => return wrong_kind(current, "scales"),
                    }
                }
                self.screen = ScreenState {
                    page: *page,
                    focus: *focus,
                    qr: *qr,
                };
                Ok(Outcome::Done)
            }
            RoomCommand::SetVoting { activity, open } => {
                let activity = self.activity_mut(*activity)?;
                activity.voting_open = *open;
                activity.closes_at = None;
                Ok(Outcome::Done)
            }
            RoomCommand::SetCountdown { activity, seconds } => {
                let activity = self.activity_mut(*activity)?;
                match seconds {
                    Some(s) if (1..=3600).contains(s) => {
                        activity.voting_open = true;
                        activity.closes_at = Some(at + i64::from(*s) * 1000);
                    }
                    Some(_) => {
                        return reject(
                            RejectCode::OutOfRange,
                            "a countdown runs 1 second to 1 hour",
                        );
                    }
                    None => activity.closes_at = None,
                }
                Ok(Outcome::Done)
            }
            RoomCommand::SetPhoneResults {
                activity,
                shown,
                before_answering,
            } => {
                let activity = self.activity_mut(*activity)?;
                activity.phones_see_results = *shown;
                if let Some(before) = before_answering {
                    activity.phones_before_answering = *before;
                }
                Ok(Outcome::Done)
            }
            RoomCommand::ResetResults { activity } => {
                self.activity_mut(*activity)?.reset();
                Ok(Outcome::Done)
            }
            RoomCommand::SetPacing { pacing } => {
                self.pacing = *pacing;
                Ok(Outcome::Done)
            }
            RoomCommand::SetSideQna { activity } => {
                if let Some(id) = activity
                    && !matches!(self.activity(*id)?.kind, ActivityKind::Qna(_))
                {
                    return wrong_kind(*id, "qna");
                }
                self.side_qna = *activity;
                Ok(Outcome::Done)
            }
            RoomCommand::SetReportNote {
                activity,
                item,
                text,
                done,
            } => {
                self.activity(*activity)?;
                let text: String = text
                    .trim()
                    .replace("\r\n", "\n")
                    .chars()
                    .filter(|c| *c == '\n' || !super::is_hidden_control(*c))
                    .collect();
                if text.chars().count() > MAX_NOTE_CHARS {
                    return reject(
                        RejectCode::TextTooLong,
                        format!("a note is at most {MAX_NOTE_CHARS} characters"),
                    );
                }
                let notes = &mut self.report.notes;
                let existing = notes
                    .iter()
                    .position(|n| n.activity == *activity && n.item == *item);
                match (existing, text.is_empty()) {
                    (Some(i), true) => {
                        notes.remove(i);
                    }
                    (Some(i), false) => {
                        notes[i].text = text;
                        notes[i].done = *done;
                    }
                    (None, true) => {}
                    (None, false) => {
                        if notes.len() >= MAX_NOTES {
                            return reject(
                                RejectCode::TooManySubmissions,
                                format!("a report holds at most {MAX_NOTES} notes"),
                            );
                        }
                        notes.push(ReportNote {
                            activity: *activity,
                            item: *item,
                            text,
                            done: *done,
                        });
                    }
                }
                Ok(Outcome::Done)
            }
            RoomCommand::PublishReport { published } => {
                self.report.published = *published;
                Ok(Outcome::Done)
            }
            RoomCommand::SetResults { activity, shown } => {
                self.activity_mut(*activity)?.results_shown = *shown;
                Ok(Outcome::Done)
            }
        }
    }

    fn navigate(&mut self, to: Navigate) -> Result<(), Rejection> {
        if self.deck.is_empty() && to != Navigate::Lobby {
            return reject(RejectCode::DeckEmpty, "the deck has no activities yet");
        }
        let current_index = self
            .current
            .and_then(|id| self.deck.iter().position(|a| a.id == id));
        self.current = match to {
            Navigate::Lobby => None,
            Navigate::Activity(id) => Some(self.activity(id)?.id),
            Navigate::Next => {
                let next = current_index.map_or(0, |i| i + 1);
                match self.deck.get(next) {
                    Some(activity) => Some(activity.id),
                    None => return reject(RejectCode::EndOfDeck, "this is the last activity"),
                }
            }
            Navigate::Prev => match current_index {
                Some(i) if i > 0 => Some(self.deck[i - 1].id),
                _ => return reject(RejectCode::EndOfDeck, "this is the first activity"),
            },
        };
        Ok(())
    }

    /// The activity a participant may answer now: it exists, it is the current one, voting is open.
    /// The activity a participant may answer now: it exists; it is the one being shown, or the
    /// side-lane Q&A, or any activity when the audience sets its own pace; voting is open (and no
    /// countdown has run out).
    /// With [`Reach::OnScreen`] (a solution circle's posts), only the activity being shown (or any,
    /// at the audience's own pace) takes the answer, whether or not voting is open.
    fn answerable(
        &mut self,
        who: ParticipantId,
        id: ActivityId,
        reach: Reach,
        at: Millis,
    ) -> Result<&mut Activity, Rejection> {
        self.participant_mut(who)?;
        let on_screen = self.pacing == Pacing::Audience || self.current == Some(id);
        // A pinned activity that embeds may vote on is open to everyone, on screen or not.
        let embedded = self.embed.voting && self.embed.activity == Some(id);
        let reachable = match reach {
            Reach::OnScreen => on_screen,
            Reach::WhileVotingIsOpen => on_screen || self.side_qna == Some(id) || embedded,
        };
        let activity = self.activity_mut(id)?;
        if !reachable {
            return reject(
                RejectCode::ActivityNotCurrent,
                format!("activity {id} is not the one being shown"),
            );
        }
        if reach == Reach::OnScreen {
            return Ok(activity);
        }
        if matches!(
            activity.kind,
            ActivityKind::Info(_)
                | ActivityKind::Timer(_)
                | ActivityKind::Leaderboard(_)
                | ActivityKind::Groups(_)
                | ActivityKind::Circle(_)
        ) {
            return reject(RejectCode::NotAnswerable, "this slide takes no answers");
        }
        if !activity.open_at(at) {
            return reject(RejectCode::VotingClosed, "voting is closed");
        }
        Ok(activity)
    }

    fn participant_mut(&mut self, who: ParticipantId) -> Result<&mut Participant, Rejection> {
        match self.participants.get_mut(&who) {
            Some(p) => Ok(p),
            None => reject(RejectCode::NotJoined, "join the session first"),
        }
    }

    fn index_of(&self, id: ActivityId) -> Result<usize, Rejection> {
        match self.deck.iter().position(|a| a.id == id) {
            Some(i) => Ok(i),
            None => reject(
                RejectCode::ActivityNotFound,
                format!("activity {id} is not in this session"),
            ),
        }
    }

    pub fn activity(&self, id: ActivityId) -> Result<&Activity, Rejection> {
        let index = self.index_of(id)?;
        Ok(&self.deck[index])
    }

    fn activity_mut(&mut self, id: ActivityId) -> Result<&mut Activity, Rejection> {
        let index = self.index_of(id)?;
        Ok(&mut self.deck[index])
    }

    pub fn is_created(&self) -> bool {
        self.created
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn language(&self) -> &str {
        &self.language
    }

    pub fn embed(&self) -> EmbedSettings {
        self.embed
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn created_at(&self) -> Millis {
        self.created_at
    }

    /// When the last command was applied: what the retention clock counts from.
    pub fn last_command_at(&self) -> Millis {
        self.last_command_at
    }

    pub fn current(&self) -> Option<ActivityId> {
        self.current
    }

    pub fn deck(&self) -> &[Activity] {
        &self.deck
    }

    /// How many more participants may join.
    pub fn places_left(&self) -> u64 {
        u64::from(self.limits.max_participants).saturating_sub(self.participants.len() as u64)
    }

    pub fn participant_count(&self) -> u64 {
        self.participants.len() as u64
    }

    pub fn participant(&self, who: &ParticipantId) -> Option<&Participant> {
        self.participants.get(who)
    }

    /// The participant's answers to every activity they have answered (and their standing on
    /// every leaderboard slide).
    pub fn answers_of(&self, who: &ParticipantId) -> BTreeMap<ActivityId, Answer> {
        self.deck
            .iter()
            .filter_map(|a| self.answer_in(a, who).map(|answer| (a.id, answer)))
            .collect()
    }

    /// The participant's answer to one activity (`None` if they have not answered it).
    pub fn answer_of(&self, who: &ParticipantId, id: ActivityId) -> Option<Answer> {
        self.activity(id).ok().and_then(|a| self.answer_in(a, who))
    }

    fn answer_in(&self, activity: &Activity, who: &ParticipantId) -> Option<Answer> {
        match &activity.kind {
            ActivityKind::Leaderboard(_) => self.standing(who).map(Answer::Leaderboard),
            ActivityKind::Groups(groups) => groups
                .answer(who, |p| self.display_name(p))
                .map(Answer::Groups),
            _ => activity.answer(who),
        }
    }

    /// Every participant who has joined.
    pub fn participant_ids(&self) -> impl Iterator<Item = ParticipantId> + '_ {
        self.participants.keys().copied()
    }

    /// A participant's display name, if they gave one.
    pub fn display_name(&self, who: &ParticipantId) -> Option<String> {
        self.participants.get(who).and_then(|p| p.name.clone())
    }

    /// Every breakout round run in this session so far, in every groups activity: who has met.
    pub fn groups_history(&self) -> Vec<Vec<Vec<ParticipantId>>> {
        self.deck
            .iter()
            .filter_map(|a| match &a.kind {
                ActivityKind::Groups(groups) => Some(groups.rounds().to_vec()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// The current activity's groups activity, if it has a running round `who` is not in.
    pub fn needs_group(&self, who: &ParticipantId) -> Option<ActivityId> {
        let current = self.activity(self.current?).ok()?;
        match &current.kind {
            ActivityKind::Groups(groups) if groups.has_running_round() && !groups.placed(who) => {
                Some(current.id)
            }
            _ => None,
        }
    }

    /// Total quiz score per participant, over every quiz question's current round.
    pub fn quiz_totals(&self) -> BTreeMap<ParticipantId, u64> {
        let mut totals = BTreeMap::new();
        for activity in &self.deck {
            if let ActivityKind::Quiz(quiz) = &activity.kind {
                for (who, score) in quiz.scores() {
                    *totals.entry(*who).or_insert(0) += score;
                }
            }
        }
        totals
    }

    /// Every participant who answered a quiz question: (who, score, rank), best first.
    pub fn standings(&self) -> Vec<(ParticipantId, u64, u64)> {
        leaderboard::standings(&self.quiz_totals())
    }

    pub fn standing(&self, who: &ParticipantId) -> Option<Standing> {
        let standings = self.standings();
        let players = standings.len() as u64;
        standings
            .into_iter()
            .find(|(p, _, _)| p == who)
            .map(|(_, score, rank)| Standing {
                rank,
                score,
                players,
            })
    }

    pub fn report(&self) -> &Report {
        &self.report
    }

    pub fn pacing(&self) -> Pacing {
        self.pacing
    }

    pub fn side_qna(&self) -> Option<ActivityId> {
        self.side_qna
    }

    /// Reactions sent while `activity` was shown (`None`: in the lobby).
    pub fn reactions(&self, activity: Option<ActivityId>) -> ReactionCounts {
        self.reactions.get(&activity).copied().unwrap_or_default()
    }

    /// The current activity, if a countdown has run out on it by `now` while voting is still
    /// open: the hub then closes voting with a command of its own.
    pub fn countdown_due(&self, now: Millis) -> Option<ActivityId> {
        let current = self.activity(self.current?).ok()?;
        (current.voting_open && current.closes_at.is_some_and(|c| now >= c)).then_some(current.id)
    }
}

fn wrong_kind<T>(id: ActivityId, expected: &str) -> Result<T, Rejection> {
    reject(
        RejectCode::WrongActivityKind,
        format!("activity {id} is not a {expected} activity"),
    )
}

fn unreachable_create() -> Result<Outcome, Rejection> {
    // `Create` is handled before the match; keep the match total without a panic.
    reject(RejectCode::RoomExists, "the room already exists")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::activity::{ActivityBody, ActivityView, Audience, scales::ScalesResults};
    use serde_json::{Value, json};

    fn pid(n: u128) -> ParticipantId {
        ParticipantId(uuid::Uuid::from_u128(n))
    }

    fn command(value: Value) -> Command {
        serde_json::from_value(value).expect("a command")
    }

    /// A room with one poll on screen and two people, all at time 0.
    fn poll_room() -> Room {
        let mut room = Room::empty();
        for c in [
            json!({"type": "create", "title": "Meetup", "seed": 1, "limits": {"max_participants": 10, "max_activities": 10}}),
            json!({"type": "add_activity", "spec": {"kind": "poll", "question": "Which?", "options": ["A", "B"]}}),
            json!({"type": "navigate", "to": {"activity": 0}}),
            json!({"type": "join", "participant": pid(1)}),
            json!({"type": "join", "participant": pid(2)}),
        ] {
            room.apply(&command(c), 0).expect("set-up");
        }
        room
    }

    fn vote(who: u128, option: u32) -> Command {
        command(
            json!({"type": "vote", "participant": pid(who), "activity": 0, "options": [option]}),
        )
    }

    #[test]
    fn a_countdown_takes_answers_until_its_last_millisecond_and_then_falls_due() {
        let mut room = poll_room();
        room.apply(
            &command(json!({"type": "set_countdown", "activity": 0, "seconds": 30})),
            10_000,
        )
        .expect("countdown");
        assert_eq!(
            room.activity(ActivityId(0)).unwrap().closes_at,
            Some(40_000)
        );
        assert_eq!(room.countdown_due(39_999), None);
        room.apply(&vote(1, 0), 39_999).expect("in time");
        let before = room.clone();
        assert_eq!(
            room.apply(&vote(2, 1), 40_000).unwrap_err().code,
            RejectCode::VotingClosed
        );
        assert_eq!(room, before, "a refused vote changes nothing");
        assert_eq!(room.countdown_due(40_000), Some(ActivityId(0)));
        // The hub closes voting through the log; the countdown is then spent.
        room.apply(
            &command(json!({"type": "set_voting", "activity": 0, "open": false})),
            40_050,
        )
        .expect("close");
        assert_eq!(room.countdown_due(50_000), None);
    }

    #[test]
    fn refused_commands_leave_the_room_as_it_was() {
        let mut room = poll_room();
        let before = room.clone();
        for (bad, code) in [
            (vote(9, 0), RejectCode::NotJoined),
            (vote(1, 7), RejectCode::OptionNotFound),
            (
                command(json!({"type": "navigate", "to": "next"})),
                RejectCode::EndOfDeck,
            ),
            (
                command(json!({"type": "set_voting", "activity": 5, "open": false})),
                RejectCode::ActivityNotFound,
            ),
            (
                command(json!({"type": "set_title", "title": "x".repeat(MAX_TITLE_CHARS + 1)})),
                RejectCode::TextTooLong,
            ),
        ] {
            assert_eq!(room.apply(&bad, 5).unwrap_err().code, code, "{bad:?}");
            assert_eq!(room, before, "{bad:?} changed the room");
        }
    }

    #[test]
    fn logs_written_before_the_commands_moved_still_replay() {
        // Entries as the log held them when commands were tagged `cmd`.
        let who = pid(1);
        let old = [
            r#"{"cmd":"create","title":"Meetup","seed":1,"limits":{"max_participants":10,"max_activities":10}}"#.to_string(),
            r#"{"cmd":"add_activity","spec":{"kind":"poll","question":"Which?","options":["A","B"]}}"#.to_string(),
            r#"{"cmd":"navigate","to":{"activity":0}}"#.to_string(),
            format!(r#"{{"cmd":"join","participant":"{}"}}"#, who.0),
            format!(r#"{{"cmd":"vote","participant":"{}","activity":0,"options":[1]}}"#, who.0),
            r#"{"cmd":"add_activity","spec":{"kind":"groups","title":"Networking"}}"#.to_string(),
            format!(r#"{{"cmd":"start_groups","activity":1,"present":["{}"]}}"#, who.0),
        ];
        let mut replayed = Room::empty();
        for (i, entry) in old.iter().enumerate() {
            let command = Command::from_log(entry).unwrap_or_else(|e| panic!("{entry}: {e}"));
            replayed
                .apply(&command, i as i64)
                .unwrap_or_else(|r| panic!("{entry}: {r}"));
            // Written again, it reads the same.
            let again = serde_json::to_string(&command).expect("json");
            assert_eq!(Command::from_log(&again).expect("new form"), command);
        }
        assert_eq!(
            replayed.answer_of(&who, ActivityId(0)),
            Some(Answer::Poll { options: vec![1] })
        );
        let grouped = replayed.groups_history();
        assert_eq!(grouped.len(), 1, "the breakout round replays");
    }

    #[test]
    fn a_reset_keeps_the_earlier_round_and_starts_empty() {
        let mut room = poll_room();
        room.apply(&vote(1, 1), 1).expect("vote");
        room.apply(&command(json!({"type": "reset_results", "activity": 0})), 2)
            .expect("reset");
        let activity = room.activity(ActivityId(0)).unwrap();
        assert_eq!((activity.round, activity.earlier.len()), (2, 1));
        assert_eq!(activity.responses(), 0);
        assert_eq!(room.answer_of(&pid(1), ActivityId(0)), None);
        room.apply(&vote(1, 0), 3).expect("a vote in the new round");
    }

    /// A framework of three statements in two themes, rated by two people in round 1.
    fn scored_twice() -> Room {
        let mut room = Room::empty();
        let rate = |who: u128, values: [Option<i32>; 3]| {
            json!({"type": "rate", "participant": pid(who), "activity": 0, "ratings": [
                {"statement": 0, "value": values[0]},
                {"statement": 1, "value": values[1]},
                {"statement": 2, "value": values[2]},
            ]})
        };
        for c in [
            json!({"type": "create", "title": "Board", "seed": 1, "limits": {"max_participants": 10, "max_activities": 10}}),
            json!({"type": "add_activity", "spec": {"kind": "scales", "statements": [
                {"text": "We listen", "theme": "Voice"},
                {"text": "We report back", "theme": "Voice"},
                {"text": "Repairs are on time", "theme": "Homes"},
            ], "highlight": 2}}),
            json!({"type": "navigate", "to": {"activity": 0}}),
            json!({"type": "join", "participant": pid(1)}),
            json!({"type": "join", "participant": pid(2)}),
            rate(1, [Some(2), Some(3), Some(1)]),
            rate(2, [Some(2), Some(5), Some(1)]),
            json!({"type": "reset_results", "activity": 0}),
            rate(1, [Some(4), Some(4), Some(1)]),
            rate(2, [Some(4), Some(4), None]),
        ] {
            room.apply(&command(c), 0)
                .unwrap_or_else(|r| panic!("set-up: {r}"));
        }
        room
    }

    fn scales_results(view: &ActivityView) -> &ScalesResults {
        match &view.body {
            ActivityBody::Scales(s) => s.results.as_ref().expect("results"),
            other => panic!("not scales: {other:?}"),
        }
    }

    #[test]
    fn a_second_round_of_a_self_assessment_is_shown_beside_the_first() {
        let room = scored_twice();
        let activity = room.activity(ActivityId(0)).unwrap();
        let host = activity.view(Audience::Host);
        let previous = scales_results(&host).previous.as_deref().expect("round 1");
        assert_eq!((previous.round, previous.responses), (1, 2));
        let means: Vec<(u32, Option<f64>)> =
            previous.statements.iter().map(|s| (s.id, s.mean)).collect();
        assert_eq!(means, vec![(0, Some(2.0)), (1, Some(4.0)), (2, Some(1.0))]);
        assert_eq!(previous.statements[1].spread, Some(1.0));
        // "We listen" rose by 2, "We report back" by 0; repairs stayed at 1: only real moves.
        assert_eq!(previous.movers, vec![0]);
        let themes: Vec<(&str, Option<f64>)> = previous
            .themes
            .iter()
            .map(|t| (t.theme.as_str(), t.mean))
            .collect();
        assert_eq!(themes, vec![("Voice", Some(3.0)), ("Homes", Some(1.0))]);
        // The screen and the published report carry it; phones do not need it.
        let screen = activity.revealed_view();
        assert!(scales_results(&screen).previous.is_some());
        let mut shown = activity.clone();
        shown.results_shown = true;
        let phone = shown.view(Audience::Participant);
        assert_eq!(scales_results(&phone).previous, None);
    }

    #[test]
    fn the_comparison_skips_an_empty_round_and_statements_added_since() {
        let mut room = scored_twice();
        room.apply(&command(json!({"type": "reset_results", "activity": 0})), 1)
            .expect("round 3");
        let activity = room.activity(ActivityId(0)).unwrap();
        let host = activity.view(Audience::Host);
        let previous = scales_results(&host).previous.as_deref().expect("round 2");
        assert_eq!(
            previous.round, 2,
            "round 3 has no ratings yet; it is compared with 2"
        );
        assert!(
            previous.movers.is_empty(),
            "nothing rated now: nothing moved"
        );
        room.apply(&command(json!({"type": "reset_results", "activity": 0})), 2)
            .expect("round 4");
        let activity = room.activity(ActivityId(0)).unwrap();
        let host = activity.view(Audience::Host);
        let previous = scales_results(&host)
            .previous
            .as_deref()
            .expect("round 2 still");
        assert_eq!(previous.round, 2, "an empty round 3 is passed over");
        // A statement added after the ratings is not in the earlier figures.
        let mut edited = room.clone();
        edited
            .apply(
                &command(json!({"type": "edit_activity", "activity": 0, "spec": {"kind": "scales", "statements": [
                    {"id": 1, "text": "We report back", "theme": "Voice"},
                    {"text": "Estate walks happen", "theme": "Places"},
                ], "highlight": 2}})),
                3,
            )
            .expect("edit");
        let host = edited.activity(ActivityId(0)).unwrap().view(Audience::Host);
        let previous = scales_results(&host).previous.as_deref().expect("round 2");
        let ids: Vec<u32> = previous.statements.iter().map(|s| s.id).collect();
        assert_eq!(ids, vec![1], "removed and new statements are not compared");
        let themes: Vec<&str> = previous.themes.iter().map(|t| t.theme.as_str()).collect();
        assert_eq!(
            themes,
            vec!["Voice"],
            "a theme no statement has any more goes"
        );
    }

    #[test]
    fn a_report_note_is_ticked_done_and_an_edit_without_the_tick_reopens_it() {
        let mut room = scored_twice();
        let note = |text: &str, done: bool| {
            command(
                json!({"type": "set_report_note", "activity": 0, "item": 2, "text": text, "done": done}),
            )
        };
        room.apply(&note("Repairs manager joins in March", false), 1)
            .expect("to do");
        assert!(!room.report.notes[0].done);
        room.apply(&note("Repairs manager came in March", true), 2)
            .expect("done");
        assert_eq!(
            (
                room.report.notes[0].text.as_str(),
                room.report.notes[0].done
            ),
            ("Repairs manager came in March", true)
        );
        // An older client that sends no `done` sets it back to planned.
        room.apply(
            &command(json!({"type": "set_report_note", "activity": 0, "item": 2, "text": "Again"})),
            3,
        )
        .expect("edit");
        assert!(!room.report.notes[0].done);
        room.apply(&note("", true), 4).expect("remove");
        assert!(room.report.notes.is_empty());
    }
}
