//! The pure domain: rooms, decks and activities as a deterministic state machine.
//!
//! Nothing here does I/O, reads a clock or draws randomness: time arrives as the `at` argument of
//! [`room::Room::apply`] and randomness only from the seed stored in the room. That is what lets the
//! command log rebuild an identical room on any machine (DESIGN.md rule 1).

pub mod activity;
pub mod chart;
pub mod export;
pub mod grouping;
pub mod results;
pub mod room;
pub mod templates;

#[cfg(test)]
mod proptests;

use serde::{Deserialize, Serialize};
use std::fmt;

pub use room::{Answered, Command, Navigate, Outcome, Room, RoomCommand, RoomLimits};

/// Milliseconds since the Unix epoch, as supplied by whoever appends the command to the log.
pub type Millis = i64;

/// A participant, issued by the server on first join and carried in the participant's signed token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ParticipantId(pub uuid::Uuid);

impl fmt::Display for ParticipantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An activity in a room's deck. Ids are never reused within a room, so a late vote for a deleted
/// activity can never land on a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ActivityId(pub u32);

impl fmt::Display for ActivityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a command was refused. The code is a stable wire string; the detail is for humans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub code: RejectCode,
    pub detail: String,
}

impl Rejection {
    pub fn new(code: RejectCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl std::error::Error for Rejection {}

macro_rules! reject_codes {
    ($($variant:ident => $code:literal,)*) => {
        /// Every reason the domain can refuse a command. The strings are a public interface
        /// (docs/PROTOCOL.md lists them): never rename one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum RejectCode { $($variant,)* }

        impl RejectCode {
            pub const ALL: &'static [RejectCode] = &[$(RejectCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(RejectCode::$variant => $code,)* }
            }
        }
    };
}

reject_codes! {
    RoomExists => "room_exists",
    RoomNotCreated => "room_not_created",
    ActivityNotFound => "activity_not_found",
    ActivityNotCurrent => "activity_not_current",
    WrongActivityKind => "wrong_activity_kind",
    DeckEmpty => "deck_empty",
    DeckFull => "deck_full",
    EndOfDeck => "end_of_deck",
    InvalidPosition => "invalid_position",
    InvalidActivity => "invalid_activity",
    VotingClosed => "voting_closed",
    AlreadyVoted => "already_voted",
    NotVoted => "not_voted",
    OptionNotFound => "option_not_found",
    DuplicateOption => "duplicate_option",
    NoChoice => "no_choice",
    TooManyChoices => "too_many_choices",
    TextEmpty => "text_empty",
    TextTooLong => "text_too_long",
    TooManySubmissions => "too_many_submissions",
    DuplicateSubmission => "duplicate_submission",
    WrongPhase => "wrong_phase",
    IdeaNotFound => "idea_not_found",
    IdeaHidden => "idea_hidden",
    SameIdea => "same_idea",
    TooManyDots => "too_many_dots",
    TooManyDotsPerItem => "too_many_dots_per_item",
    NoWords => "no_words",
    TooManyWords => "too_many_words",
    WordTooLong => "word_too_long",
    NotJoined => "not_joined",
    RoomFull => "room_full",
    InvalidLanguage => "invalid_language",
    StatementNotFound => "statement_not_found",
    OutOfRange => "out_of_range",
    QuestionNotFound => "question_not_found",
    AnonymousNotAllowed => "anonymous_not_allowed",
    InvalidOrder => "invalid_order",
    OverBudget => "over_budget",
    QuizNotStarted => "quiz_not_started",
    TimeUp => "time_up",
    NotAnswerable => "not_answerable",
    NotYourTurn => "not_your_turn",
    InvalidImage => "invalid_image",
    ImageInUse => "image_in_use",
    NoImage => "no_image",
    TooManyPins => "too_many_pins",
    PinNotFound => "pin_not_found",
    CommentsOff => "comments_off",
    UnreadableCommand => "unreadable_command",
}

pub(crate) fn reject<T>(code: RejectCode, detail: impl Into<String>) -> Result<T, Rejection> {
    Err(Rejection::new(code, detail))
}

/// Trims a text and collapses every run of whitespace to one space; rejects it when empty or
/// longer than `max_chars` characters (characters, not bytes: a name in Welsh or Urdu is not
/// penalised for its encoding). Control characters and bidirectional formatting characters are
/// dropped (see [`is_hidden_control`]).
pub fn clean_text(raw: &str, max_chars: usize, what: &str) -> Result<String, Rejection> {
    let mut out = String::with_capacity(raw.len().min(max_chars * 4));
    for word in raw.split_whitespace() {
        let kept = word.chars().filter(|c| !is_hidden_control(*c));
        if !out.is_empty() && word.chars().any(|c| !is_hidden_control(c)) {
            out.push(' ');
        }
        out.extend(kept);
    }
    if out.is_empty() {
        return reject(RejectCode::TextEmpty, format!("{what} is empty"));
    }
    let count = out.chars().count();
    if count > max_chars {
        return reject(
            RejectCode::TextTooLong,
            format!("{what} is {count} characters; at most {max_chars} are allowed"),
        );
    }
    Ok(out)
}

/// Characters that change how a text looks without being seen: control characters, and the
/// Unicode bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). A name
/// of `U+202E` + "nimda" would otherwise show as "admin" on every screen, and an idea could hide
/// what it says in an export. Nobody needs them in a name, a suggestion or a question: each
/// screen lays out right-to-left scripts (Arabic, Hebrew, Urdu) by itself.
pub fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Like [`clean_text`] but an empty text is allowed and means "none".
pub fn clean_optional_text(
    raw: Option<&str>,
    max_chars: usize,
    what: &str,
) -> Result<Option<String>, Rejection> {
    match raw {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => clean_text(text, max_chars, what).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_collapses_whitespace_and_counts_characters() {
        assert_eq!(clean_text("  a \t b\n c ", 10, "x").unwrap(), "a b c");
        assert_eq!(clean_text("ŵŵŵ", 3, "x").unwrap(), "ŵŵŵ");
        assert_eq!(
            clean_text("abcd", 3, "x").unwrap_err().code,
            RejectCode::TextTooLong
        );
        assert_eq!(
            clean_text(" \n ", 3, "x").unwrap_err().code,
            RejectCode::TextEmpty
        );
    }

    #[test]
    fn bidi_controls_are_dropped_and_leave_no_empty_words() {
        // "\u{202E}nimda" shows as "admin" if the override is kept.
        assert_eq!(clean_text("\u{202E}nimda", 40, "x").unwrap(), "nimda");
        assert_eq!(
            clean_text("Ann \u{2067}\u{2069} \u{200F}Bee\u{202C}", 40, "x").unwrap(),
            "Ann Bee"
        );
        // Right-to-left scripts themselves are kept.
        assert_eq!(clean_text("سلام עולם", 40, "x").unwrap(), "سلام עולם");
        assert_eq!(
            clean_text("\u{202E}\u{2066}", 40, "x").unwrap_err().code,
            RejectCode::TextEmpty
        );
    }

    #[test]
    fn reject_codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in RejectCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }
}
