//! Wire types: what clients send ([`ClientFrame`]) and what the server sends ([`ServerMsg`]).
//! JSON text frames, `type`-tagged, snake_case. docs/PROTOCOL.md documents every message with an
//! example, and a test parses each example with these types, so the two cannot drift apart.

use crate::domain::activity::ActivitySpec;
use crate::domain::activity::Answer;
use crate::domain::activity::ideas::IdeasPhase;
use crate::domain::activity::points::Allocation;
use crate::domain::activity::qna::Moderation;
use crate::domain::activity::scales::Rating;
use crate::domain::activity::timer::TimerAction;
use crate::domain::results::{HostView, PublicView};
use crate::domain::room::{Pacing, Reaction};
use crate::domain::{ActivityId, Command, Millis, Navigate, ParticipantId, RejectCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped on any change a deployed client would notice.
pub const PROTOCOL_VERSION: u32 = 1;

/// Close codes. 4000–4099: do not reconnect. 4100–4199: reconnect with backoff.
pub mod close {
    /// The room was deleted (by the host or by retention).
    pub const ROOM_DELETED: u16 = 4000;
    /// No room has this code.
    pub const ROOM_NOT_FOUND: u16 = 4004;
    /// The `hello` was refused (wrong host key, bad role): reconnecting would not help.
    pub const HELLO_REFUSED: u16 = 4003;
    /// The client kept sending after being rate limited: it is closed and should not reconnect
    /// automatically.
    pub const TOO_MANY_REQUESTS: u16 = 4029;
    /// The server is shutting down or restarting: reconnect.
    pub const RESTARTING: u16 = 4100;
    /// The client did not read its frames fast enough: reconnect and take a fresh snapshot.
    pub const SLOW_CONSUMER: u16 = 4101;
    /// The room was rebuilt (new epoch): reconnect for a fresh snapshot.
    pub const REBUILT: u16 = 4102;
    /// The client did not answer pings: reconnect.
    pub const HEARTBEAT_TIMEOUT: u16 = 4103;
    /// Standard code for a frame larger than the hard limit.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// Standard code for a text frame that is not valid UTF-8.
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// Standard code for a broken WebSocket frame (unmasked, reserved bits or opcode, oversized
    /// control frame).
    pub const PROTOCOL_ERROR: u16 = 1002;
}

/// Who a connection speaks for, chosen in its `hello`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Participant,
    Host,
    Presenter,
    /// Read-only live results for a page embedded in another site.
    Embed,
}

/// A client frame: an optional request id and the message. Every request with a `rid` is answered
/// by an `ack` or an `error` carrying the same `rid` (`hello`: by `session` or an `error`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientFrame {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<u64>,
    #[serde(flatten)]
    pub msg: ClientMsg,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// The first message on every connection.
    Hello {
        role: Role,
        /// Participant: the token from an earlier `session`, to be recognised again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
        /// Participant: an optional display name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Host: the key returned once by `POST /api/rooms`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        host_key: Option<String>,
    },
    // Participant messages.
    SetName {
        #[serde(default)]
        name: Option<String>,
    },
    Vote {
        activity: ActivityId,
        options: Vec<u32>,
    },
    SubmitIdea {
        activity: ActivityId,
        text: String,
    },
    DotVote {
        activity: ActivityId,
        ideas: Vec<u32>,
    },
    SubmitWords {
        activity: ActivityId,
        words: Vec<String>,
    },
    Rate {
        activity: ActivityId,
        ratings: Vec<Rating>,
    },
    Ask {
        activity: ActivityId,
        text: String,
        #[serde(default)]
        anonymous: bool,
    },
    Upvote {
        activity: ActivityId,
        question: u32,
        up: bool,
    },
    Rank {
        activity: ActivityId,
        order: Vec<u32>,
    },
    Allocate {
        activity: ActivityId,
        points: Vec<Allocation>,
    },
    QuizAnswer {
        activity: ActivityId,
        options: Vec<u32>,
    },
    React {
        reaction: Reaction,
    },
    /// Asks for a full `me` frame (e.g. a leaderboard standing after the slide changed).
    Sync,
    // Host messages.
    SetTitle {
        title: String,
    },
    SetLanguage {
        language: String,
    },
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
    SetResults {
        activity: ActivityId,
        shown: bool,
    },
    SetIdeasPhase {
        activity: ActivityId,
        phase: IdeasPhase,
    },
    HideIdea {
        activity: ActivityId,
        idea: u32,
        hidden: bool,
    },
    MergeIdeas {
        activity: ActivityId,
        from: u32,
        into: u32,
    },
    SetCountdown {
        activity: ActivityId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seconds: Option<u32>,
    },
    SetPhoneResults {
        activity: ActivityId,
        shown: bool,
    },
    ResetResults {
        activity: ActivityId,
    },
    SetPacing {
        pacing: Pacing,
    },
    SetSideQna {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        activity: Option<ActivityId>,
    },
    StartQuiz {
        activity: ActivityId,
    },
    Timer {
        activity: ActivityId,
        action: TimerAction,
    },
    Moderate {
        activity: ActivityId,
        question: u32,
        action: Moderation,
    },
    /// Starts a breakout round with everyone connected now.
    StartGroups {
        activity: ActivityId,
    },
    /// Chooses a solution circle's sharer and speaking order (drawn among the people connected
    /// now when `order` is left out).
    CircleSetup {
        activity: ActivityId,
        sharer: ParticipantId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order: Option<Vec<ParticipantId>>,
    },
    CircleNext {
        activity: ActivityId,
    },
    SetReportNote {
        activity: ActivityId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item: Option<u32>,
        text: String,
    },
    PublishReport {
        published: bool,
    },
    /// The participants, for choosing people (answered with `people`).
    ListPeople,
    /// A solution-circle speaker's idea during their turn, or the sharer's feedback.
    CirclePost {
        activity: ActivityId,
        text: String,
    },
}

/// What a message needs from the connection that sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    Hello,
    Participant,
    Host,
}

impl ClientMsg {
    pub fn needs(&self) -> Needs {
        use ClientMsg::*;
        match self {
            Hello { .. } => Needs::Hello,
            SetName { .. }
            | Vote { .. }
            | SubmitIdea { .. }
            | DotVote { .. }
            | SubmitWords { .. }
            | Rate { .. }
            | Ask { .. }
            | Upvote { .. }
            | Rank { .. }
            | Allocate { .. }
            | QuizAnswer { .. }
            | React { .. }
            | CirclePost { .. }
            | Sync => Needs::Participant,
            _ => Needs::Host,
        }
    }

    /// The domain command this message asks for, acting as `participant` where it is a
    /// participant message. `None` for `hello`, which is not a room command.
    pub fn into_command(self, participant: Option<ParticipantId>) -> Option<Command> {
        use ClientMsg as M;
        let p = participant;
        Some(match self {
            M::Hello { .. } => return None,
            M::SetName { name } => Command::SetName {
                participant: p?,
                name,
            },
            M::Vote { activity, options } => Command::Vote {
                participant: p?,
                activity,
                options,
            },
            M::SubmitIdea { activity, text } => Command::SubmitIdea {
                participant: p?,
                activity,
                text,
            },
            M::DotVote { activity, ideas } => Command::DotVote {
                participant: p?,
                activity,
                ideas,
            },
            M::SubmitWords { activity, words } => Command::SubmitWords {
                participant: p?,
                activity,
                words,
            },
            M::Rate { activity, ratings } => Command::Rate {
                participant: p?,
                activity,
                ratings,
            },
            M::Ask {
                activity,
                text,
                anonymous,
            } => Command::Ask {
                participant: p?,
                activity,
                text,
                anonymous,
            },
            M::Upvote {
                activity,
                question,
                up,
            } => Command::Upvote {
                participant: p?,
                activity,
                question,
                up,
            },
            M::Rank { activity, order } => Command::Rank {
                participant: p?,
                activity,
                order,
            },
            M::Allocate { activity, points } => Command::Allocate {
                participant: p?,
                activity,
                points,
            },
            M::QuizAnswer { activity, options } => Command::QuizAnswer {
                participant: p?,
                activity,
                options,
            },
            M::React { reaction } => Command::React {
                participant: p?,
                reaction,
            },
            M::Sync => return None,
            M::SetCountdown { activity, seconds } => Command::SetCountdown { activity, seconds },
            M::SetPhoneResults { activity, shown } => Command::SetPhoneResults { activity, shown },
            M::ResetResults { activity } => Command::ResetResults { activity },
            M::SetPacing { pacing } => Command::SetPacing { pacing },
            M::SetSideQna { activity } => Command::SetSideQna { activity },
            M::StartQuiz { activity } => Command::StartQuiz { activity },
            M::Timer { activity, action } => Command::Timer { activity, action },
            M::Moderate {
                activity,
                question,
                action,
            } => Command::Moderate {
                activity,
                question,
                action,
            },
            // The session fills in who is present: only the hub knows who is connected.
            M::StartGroups { activity } => Command::StartGroups {
                activity,
                present: Vec::new(),
            },
            M::CircleSetup {
                activity,
                sharer,
                order,
            } => Command::CircleSetup {
                activity,
                sharer,
                order,
                present: Vec::new(),
            },
            M::CircleNext { activity } => Command::CircleNext { activity },
            M::SetReportNote {
                activity,
                item,
                text,
            } => Command::SetReportNote {
                activity,
                item,
                text,
            },
            M::PublishReport { published } => Command::PublishReport { published },
            M::ListPeople => return None,
            M::CirclePost { activity, text } => Command::CirclePost {
                participant: p?,
                activity,
                text,
            },
            M::SetTitle { title } => Command::SetTitle { title },
            M::SetLanguage { language } => Command::SetLanguage { language },
            M::SetEmbed { activity, voting } => Command::SetEmbed { activity, voting },
            M::AddActivity { spec, position } => Command::AddActivity { spec, position },
            M::EditActivity { activity, spec } => Command::EditActivity { activity, spec },
            M::MoveActivity { activity, position } => Command::MoveActivity { activity, position },
            M::DeleteActivity { activity } => Command::DeleteActivity { activity },
            M::Navigate { to } => Command::Navigate { to },
            M::SetVoting { activity, open } => Command::SetVoting { activity, open },
            M::SetResults { activity, shown } => Command::SetResults { activity, shown },
            M::SetIdeasPhase { activity, phase } => Command::SetIdeasPhase { activity, phase },
            M::HideIdea {
                activity,
                idea,
                hidden,
            } => Command::HideIdea {
                activity,
                idea,
                hidden,
            },
            M::MergeIdeas {
                activity,
                from,
                into,
            } => Command::MergeIdeas {
                activity,
                from,
                into,
            },
        })
    }
}

/// Server frames. Each carries the room's `epoch` (changes when the room is rebuilt) and `seq`
/// (the position in its command log) where it speaks of room state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// The first frame on every connection.
    Welcome {
        protocol: u32,
        server: String,
        room: String,
        epoch: u64,
        seq: u64,
        /// The configured public address for join links, when one is set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        public_url: Option<String>,
        /// Largest text frame the server accepts, in bytes.
        max_message_bytes: usize,
    },
    /// The answer to an accepted `hello`.
    Session {
        /// The `rid` of the `hello` this answers, when it had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rid: Option<u64>,
        role: Role,
        epoch: u64,
        seq: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        participant: Option<ParticipantId>,
        /// Participant: keep this (localStorage) and send it in the next `hello`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Host: when the room will be deleted if nothing happens in it before then.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<Millis>,
        /// Host: the larger message limit hosts have (decks can be long), in bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_message_bytes: Option<usize>,
    },
    Ack {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rid: Option<u64>,
        epoch: u64,
        seq: u64,
        /// The id of what the command created: an activity (`add_activity`) or an idea.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u32>,
    },
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rid: Option<u64>,
        code: String,
        message: String,
        /// With `rate_limited`: how long to wait before trying again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
    /// The presenter's and participants' view of the room (latest wins; frames may be skipped).
    State {
        epoch: u64,
        seq: u64,
        /// The server's clock when this frame was rendered (ms since the Unix epoch): screens
        /// use it to run countdowns in step, whatever their own clocks say.
        server_time: Millis,
        view: Box<PublicView>,
    },
    /// The host's view of the room (latest wins).
    HostState {
        epoch: u64,
        seq: u64,
        server_time: Millis,
        /// When the room will be deleted if nothing happens in it before then.
        expires_at: Millis,
        view: Box<HostView>,
    },
    /// The answer to `list_people` (host only): everyone who has joined, at most 2,000.
    People {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rid: Option<u64>,
        people: Vec<Person>,
    },
    /// The participant's own answers. `full: true` replaces everything the client holds;
    /// otherwise the listed activities are replaced and the rest kept.
    Me {
        epoch: u64,
        seq: u64,
        full: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Keyed by activity id, as a decimal string (JSON object keys are strings). `null`: the
        /// participant has no answer there (any more).
        answers: BTreeMap<String, Option<Answer>>,
    },
}

/// One participant, as the host sees them when choosing people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: ParticipantId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub online: bool,
}

macro_rules! error_codes {
    ($($variant:ident => $code:literal,)*) => {
        /// Errors of the connection and protocol layer. Domain rejections use [`RejectCode`]; both
        /// are documented in docs/PROTOCOL.md.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $($variant,)* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }
        }
    };
}

error_codes! {
    BadJson => "bad_json",
    UnknownType => "unknown_type",
    InvalidMessage => "invalid_message",
    MessageTooLarge => "message_too_large",
    BinaryNotSupported => "binary_not_supported",
    HelloRequired => "hello_required",
    OriginNotAllowed => "origin_not_allowed",
    ReadOnly => "read_only",
    AlreadyHello => "already_hello",
    NotHost => "not_host",
    NotParticipant => "not_participant",
    InvalidHostKey => "invalid_host_key",
    InvalidToken => "invalid_token",
    RoomNotFound => "room_not_found",
    RateLimited => "rate_limited",
    Unavailable => "unavailable",
}

/// An error reply, from either layer.
pub fn error_msg(rid: Option<u64>, code: &str, message: impl Into<String>) -> ServerMsg {
    ServerMsg::Error {
        rid,
        code: code.to_string(),
        message: message.into(),
        retry_after_ms: None,
    }
}

/// A `rate_limited` error with its retry hint.
pub fn rate_limited_msg(rid: Option<u64>, wait: std::time::Duration) -> ServerMsg {
    let ms = wait.as_millis().max(1) as u64;
    ServerMsg::Error {
        rid,
        code: ErrorCode::RateLimited.as_str().to_string(),
        message: format!("too many requests; try again in {ms} ms"),
        retry_after_ms: Some(ms),
    }
}

impl From<RejectCode> for &'static str {
    fn from(code: RejectCode) -> Self {
        code.as_str()
    }
}

/// Why a text frame could not be read as a [`ClientFrame`].
pub fn decode(text: &str) -> Result<ClientFrame, (Option<u64>, ErrorCode, String)> {
    serde_json::from_str::<ClientFrame>(text).map_err(|err| {
        // Only on the failure path: recover the rid so the client can match the error.
        #[derive(Deserialize)]
        struct RidOnly {
            rid: Option<u64>,
        }
        let rid = serde_json::from_str::<RidOnly>(text)
            .ok()
            .and_then(|r| r.rid);
        let message = err.to_string();
        // serde says "unknown variant" both for an unknown `type` and for an unknown value of an
        // enum field (a reaction, a role); only the list of message types names `hello`.
        let unknown_message = message.starts_with("unknown variant") && message.contains("`hello`");
        let code = if err.is_syntax() || err.is_eof() {
            ErrorCode::BadJson
        } else if unknown_message || message.starts_with("missing field `type`") {
            ErrorCode::UnknownType
        } else {
            ErrorCode::InvalidMessage
        };
        (rid, code, message)
    })
}

impl ServerMsg {
    /// Serialises once; the text is shared by every connection that receives it.
    pub fn to_text(&self) -> String {
        // Serialising these types cannot fail: every map key is a string or an integer.
        serde_json::to_string(self).unwrap_or_else(|err| {
            format!(r#"{{"type":"error","code":"internal","message":"{err}"}}"#)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_classifies_bad_input() {
        assert_eq!(decode("{nope").unwrap_err().1, ErrorCode::BadJson);
        assert_eq!(
            decode(r#"{"type":"fly","rid":7}"#).unwrap_err(),
            (
                Some(7),
                ErrorCode::UnknownType,
                decode(r#"{"type":"fly","rid":7}"#).unwrap_err().2
            )
        );
        assert_eq!(
            decode(r#"{"rid":1}"#).unwrap_err().1,
            ErrorCode::UnknownType
        );
        assert_eq!(
            decode(r#"{"type":"vote","activity":"x","options":[]}"#)
                .unwrap_err()
                .1,
            ErrorCode::InvalidMessage
        );
        let ok = decode(r#"{"type":"vote","rid":3,"activity":1,"options":[0]}"#).unwrap();
        assert_eq!(ok.rid, Some(3));
        assert_eq!(ok.msg.needs(), Needs::Participant);
    }

    proptest::proptest! {
        /// Whatever arrives, decoding answers with a frame or a classified error; it never panics.
        #[test]
        fn decoding_never_panics(text in ".{0,200}") {
            let _ = decode(&text);
        }

        /// JSON-shaped noise with known field names still decodes or is classified.
        #[test]
        fn decoding_json_noise_never_panics(
            kind in proptest::sample::select(vec!["hello", "vote", "submit_idea", "dot_vote",
                "submit_words", "add_activity", "navigate", "merge_ideas", "x"]),
            rid in proptest::option::of(proptest::num::i64::ANY),
            activity in proptest::num::i64::ANY,
            options in proptest::collection::vec(proptest::num::i64::ANY, 0..4),
            text in ".{0,30}",
        ) {
            let frame = serde_json::json!({"type": kind, "rid": rid, "activity": activity,
                "options": options, "text": text, "ideas": options, "words": [text],
                "to": "next", "from": activity, "into": activity, "role": "participant"});
            match decode(&frame.to_string()) {
                Ok(decoded) => proptest::prop_assert!(rid.is_none_or(|r| r >= 0) || decoded.rid.is_none()),
                Err((_, code, _)) => proptest::prop_assert!(code != ErrorCode::BadJson),
            }
        }
    }

    #[test]
    fn error_codes_do_not_collide_with_domain_codes() {
        for code in ErrorCode::ALL {
            assert!(
                RejectCode::ALL.iter().all(|r| r.as_str() != code.as_str()),
                "{} is both",
                code.as_str()
            );
        }
    }
}
