//! Wire types: what clients send ([`ClientFrame`]) and what the server sends ([`ServerMsg`]).
//! JSON text frames, `type`-tagged, snake_case. docs/PROTOCOL.md documents every message with an
//! example, and a test parses each example with these types, so the two cannot drift apart.

use crate::domain::activity::{ActivityAnswer, ActivityControl, Answer};
use crate::domain::results::{HostView, PublicView};
use crate::domain::room::Reaction;
use crate::domain::{Answered, Command, Millis, ParticipantId, RejectCode, RoomCommand};
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

/// A client message. The session's own messages are here; the room's commands, an activity's
/// host commands and participants' answers are the domain's types, defined where they are
/// applied ([`RoomCommand`], [`ActivityControl`] in each kind's file, [`ActivityAnswer`] in each
/// kind's file), so nothing here mirrors them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ClientMsg {
    Session(SessionMsg),
    Room(RoomCommand),
    Control(ActivityControl),
    Answer(ActivityAnswer),
}

/// What a connection says about itself rather than to the room.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SessionMsg {
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
    /// A participant's display name (none: anonymous from now on).
    SetName {
        #[serde(default)]
        name: Option<String>,
    },
    React {
        reaction: Reaction,
    },
    /// Asks for a full `me` frame (e.g. a leaderboard standing after the slide changed).
    Sync,
    /// The participants, for choosing people (answered with `people`; host only).
    ListPeople,
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
        match self {
            ClientMsg::Session(SessionMsg::Hello { .. }) => Needs::Hello,
            ClientMsg::Session(SessionMsg::ListPeople)
            | ClientMsg::Room(_)
            | ClientMsg::Control(_) => Needs::Host,
            ClientMsg::Session(_) | ClientMsg::Answer(_) => Needs::Participant,
        }
    }

    /// The domain command this message asks for, acting as `participant` where it is a
    /// participant message. `None` for the session's own messages that are not room commands.
    pub fn into_command(self, participant: Option<ParticipantId>) -> Option<Command> {
        Some(match self {
            ClientMsg::Session(SessionMsg::SetName { name }) => Command::SetName {
                participant: participant?,
                name,
            },
            ClientMsg::Session(SessionMsg::React { reaction }) => Command::React {
                participant: participant?,
                reaction,
            },
            ClientMsg::Session(_) => return None,
            ClientMsg::Room(command) => Command::Room(command),
            ClientMsg::Control(command) => Command::Control(command),
            ClientMsg::Answer(answer) => Command::Answer(Answered {
                participant: participant?,
                answer,
            }),
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

/// A text frame read as a [`ClientFrame`], or why it could not be.
pub fn decode(text: &str) -> Result<ClientFrame, (Option<u64>, ErrorCode, String)> {
    if let Some(frame) = decode_routed(text) {
        return Ok(frame);
    }
    serde_json::from_str::<ClientFrame>(text).map_err(|err| {
        // Only on the failure path: recover the rid and the type, so the client can match the
        // error and be told what was wrong.
        #[derive(Deserialize)]
        struct Envelope {
            rid: Option<u64>,
            #[serde(rename = "type")]
            kind: Option<String>,
        }
        let envelope = serde_json::from_str::<Envelope>(text).ok();
        let rid = envelope.as_ref().and_then(|e| e.rid);
        if err.is_syntax() || err.is_eof() {
            return (rid, ErrorCode::BadJson, err.to_string());
        }
        let Some(tag) = envelope.and_then(|e| e.kind) else {
            return (
                rid,
                ErrorCode::UnknownType,
                "every message needs a \"type\"".into(),
            );
        };
        // Whichever group has a message of this type says what is wrong with the rest.
        let owned = owned_by::<SessionMsg>(&tag, text)
            .or_else(|| owned_by::<RoomCommand>(&tag, text))
            .or_else(|| ActivityControl::explain(&tag, text))
            .or_else(|| ActivityAnswer::explain(&tag, text));
        match owned {
            None => (
                rid,
                ErrorCode::UnknownType,
                format!("there is no message of type {tag:?}"),
            ),
            // The message itself is fine: something around it (the rid) is not.
            Some(Ok(())) => (rid, ErrorCode::InvalidMessage, err.to_string()),
            Some(Err(detail)) => (rid, ErrorCode::InvalidMessage, detail.to_string()),
        }
    })
}

/// A frame read straight as the one group (session message, room command, a kind's control or
/// answer) that has its `type`: what reading it as a [`ClientFrame`] gives, without trying the
/// groups and kinds before it, each of which would build and format an error (a vote tried the
/// session messages, the room commands and every kind's controls first). `None` when the type is
/// unknown or the frame does not read; the caller then reads it the general way, for the error.
pub(crate) fn decode_routed(text: &str) -> Option<ClientFrame> {
    use crate::domain::activity::{Routes, owns};
    use crate::domain::room::{CommandGroup, Grouped};
    #[derive(Deserialize)]
    struct Peek<'a> {
        #[serde(rename = "type", borrow)]
        kind: std::borrow::Cow<'a, str>,
        #[serde(default)]
        rid: Option<u64>,
    }
    #[derive(Clone, Copy)]
    enum Group {
        Session,
        Command(CommandGroup),
    }
    static ROUTES: std::sync::LazyLock<Routes<Group>> = std::sync::LazyLock::new(|| {
        Routes::new(|tag| {
            let session = owns::<SessionMsg>(tag).then_some(Group::Session);
            let commands = CommandGroup::owning(tag).into_iter().map(Group::Command);
            session.into_iter().chain(commands).collect()
        })
    });
    let peek: Peek = serde_json::from_str(text).ok()?;
    let owners = ROUTES.owners(&peek.kind)?;
    let msg = owners.iter().find_map(|owner| match *owner {
        Group::Session => serde_json::from_str(text).ok().map(ClientMsg::Session),
        Group::Command(group) => Some(match group.read(text)? {
            Grouped::Room(command) => ClientMsg::Room(command),
            Grouped::Control(control) => ClientMsg::Control(control),
            Grouped::Answer(answer) => ClientMsg::Answer(answer),
        }),
    })?;
    Some(ClientFrame { rid: peek.rid, msg })
}

/// `Some(how text parses as T)` when T has a message of type `tag`; `None` when it has none.
fn owned_by<T: serde::de::DeserializeOwned>(
    tag: &str,
    text: &str,
) -> Option<Result<(), serde_json::Error>> {
    crate::domain::activity::owns::<T>(tag).then(|| serde_json::from_str::<T>(text).map(drop))
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
