//! docs/PROTOCOL.md is checked against the real types: every example parses, re-serialises to the
//! same JSON (so no field in it is silently ignored), every message type has an example, and every
//! error code is documented.

use handsup::domain::RejectCode;
use handsup::protocol::{ClientFrame, ClientMsg, ErrorCode, ServerMsg};
use serde_json::Value;

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/PROTOCOL.md"))
        .expect("docs/PROTOCOL.md")
}

/// The fenced blocks whose info string is `json <direction>`.
fn examples(direction: &str) -> Vec<String> {
    let doc = doc();
    let fence = format!("```json {direction}\n");
    let mut out = Vec::new();
    let mut rest = doc.as_str();
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```").expect("closed fence");
        out.push(body[..end].trim().to_string());
        rest = &body[end..];
    }
    out
}

/// The wire name of each message type. The exhaustive matches (down to each kind's own command
/// enums) make adding a message without documenting it a compile error here, then a test failure.
fn client_type(msg: &ClientMsg) -> &'static str {
    use handsup::domain::RoomCommand as R;
    use handsup::domain::activity::{
        ActivityAnswer as A, ActivityControl as C, circle, grid, groups, ideas, number, pin,
        points, poll, qna, quiz, ranking, scales, timer, wordcloud,
    };
    use handsup::protocol::SessionMsg as S;
    match msg {
        ClientMsg::Session(session) => match session {
            S::Hello { .. } => "hello",
            S::SetName { .. } => "set_name",
            S::React { .. } => "react",
            S::Sync => "sync",
            S::ListPeople => "list_people",
        },
        ClientMsg::Room(room) => match room {
            R::SetTitle { .. } => "set_title",
            R::SetLanguage { .. } => "set_language",
            R::SetEmbed { .. } => "set_embed",
            R::AddActivity { .. } => "add_activity",
            R::EditActivity { .. } => "edit_activity",
            R::MoveActivity { .. } => "move_activity",
            R::DeleteActivity { .. } => "delete_activity",
            R::Navigate { .. } => "navigate",
            R::SetVoting { .. } => "set_voting",
            R::SetCountdown { .. } => "set_countdown",
            R::SetPhoneResults { .. } => "set_phone_results",
            R::ResetResults { .. } => "reset_results",
            R::SetPacing { .. } => "set_pacing",
            R::SetSideQna { .. } => "set_side_qna",
            R::SetScreen { .. } => "set_screen",
            R::SetReportNote { .. } => "set_report_note",
            R::PublishReport { .. } => "publish_report",
            R::SetResults { .. } => "set_results",
        },
        ClientMsg::Control(control) => match control {
            C::Ideas(ideas::HostCommand::SetIdeasPhase { .. }) => "set_ideas_phase",
            C::Ideas(ideas::HostCommand::HideIdea { .. }) => "hide_idea",
            C::Ideas(ideas::HostCommand::MergeIdeas { .. }) => "merge_ideas",
            C::Ideas(ideas::HostCommand::UnmergeIdea { .. }) => "unmerge_idea",
            C::Qna(qna::HostCommand::Moderate { .. }) => "moderate",
            C::Quiz(quiz::HostCommand::StartQuiz { .. }) => "start_quiz",
            C::Groups(groups::HostCommand::StartGroups { .. }) => "start_groups",
            C::Circle(circle::HostCommand::CircleSetup { .. }) => "circle_setup",
            C::Circle(circle::HostCommand::CircleNext { .. }) => "circle_next",
            C::Timer(timer::HostCommand::Timer { .. }) => "timer",
            C::Pin(pin::HostCommand::SetPinImage { .. }) => "set_pin_image",
            C::Pin(pin::HostCommand::RemovePin { .. }) => "remove_pin",
        },
        ClientMsg::Answer(answer) => match answer {
            A::Poll(poll::AnswerCommand::Vote { .. }) => "vote",
            A::Ideas(ideas::AnswerCommand::SubmitIdea { .. }) => "submit_idea",
            A::Ideas(ideas::AnswerCommand::DotVote { .. }) => "dot_vote",
            A::Wordcloud(wordcloud::AnswerCommand::SubmitWords { .. }) => "submit_words",
            A::Scales(scales::AnswerCommand::Rate { .. }) => "rate",
            A::Qna(qna::AnswerCommand::Ask { .. }) => "ask",
            A::Qna(qna::AnswerCommand::Upvote { .. }) => "upvote",
            A::Ranking(ranking::AnswerCommand::Rank { .. }) => "rank",
            A::Points(points::AnswerCommand::Allocate { .. }) => "allocate",
            A::Quiz(quiz::AnswerCommand::QuizAnswer { .. }) => "quiz_answer",
            A::Circle(circle::AnswerCommand::CirclePost { .. }) => "circle_post",
            A::Number(number::AnswerCommand::Estimate { .. }) => "estimate",
            A::Grid(grid::AnswerCommand::Place { .. }) => "place",
            A::Grid(grid::AnswerCommand::Unplace { .. }) => "unplace",
            A::Pin(pin::AnswerCommand::Pin { .. }) => "pin",
            A::Pin(pin::AnswerCommand::Unpin { .. }) => "unpin",
        },
    }
}
const CLIENT_TYPES: usize = 51;

fn server_type(msg: &ServerMsg) -> &'static str {
    match msg {
        ServerMsg::Welcome { .. } => "welcome",
        ServerMsg::Session { .. } => "session",
        ServerMsg::Ack { .. } => "ack",
        ServerMsg::Error { .. } => "error",
        ServerMsg::State { .. } => "state",
        ServerMsg::HostState { .. } => "host_state",
        ServerMsg::Me { .. } => "me",
        ServerMsg::People { .. } => "people",
    }
}
const SERVER_TYPES: usize = 8;

#[test]
fn every_client_example_parses_and_every_client_message_has_one() {
    let mut seen = std::collections::BTreeSet::new();
    for example in examples("client") {
        let frame: ClientFrame =
            serde_json::from_str(&example).unwrap_or_else(|e| panic!("{e}\nin example: {example}"));
        let original: Value = serde_json::from_str(&example).unwrap();
        let again = serde_json::to_value(&frame).unwrap();
        assert_eq!(
            again, original,
            "the example has fields the server ignores: {example}"
        );
        seen.insert(client_type(&frame.msg));
    }
    assert_eq!(seen.len(), CLIENT_TYPES, "documented: {seen:?}");
}

#[test]
fn every_server_example_parses_and_every_server_message_has_one() {
    let mut seen = std::collections::BTreeSet::new();
    for example in examples("server") {
        let msg: ServerMsg =
            serde_json::from_str(&example).unwrap_or_else(|e| panic!("{e}\nin example: {example}"));
        let original: Value = serde_json::from_str(&example).unwrap();
        let again = serde_json::to_value(&msg).unwrap();
        assert_eq!(
            again, original,
            "the example does not round-trip: {example}"
        );
        seen.insert(server_type(&msg));
    }
    assert_eq!(seen.len(), SERVER_TYPES, "documented: {seen:?}");
}

#[test]
fn every_error_code_is_documented() {
    let doc = doc();
    let codes = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .chain(RejectCode::ALL.iter().map(|c| c.as_str()));
    for code in codes {
        assert!(
            doc.contains(&format!("| `{code}` |")),
            "{code} is not in docs/PROTOCOL.md"
        );
    }
}
