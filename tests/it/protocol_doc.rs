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

/// The wire name of each message type. The exhaustive matches make adding a message without
/// documenting it a compile error here, then a test failure.
fn client_type(msg: &ClientMsg) -> &'static str {
    use ClientMsg::*;
    match msg {
        Hello { .. } => "hello",
        SetName { .. } => "set_name",
        Vote { .. } => "vote",
        SubmitIdea { .. } => "submit_idea",
        DotVote { .. } => "dot_vote",
        SubmitWords { .. } => "submit_words",
        Rate { .. } => "rate",
        Ask { .. } => "ask",
        Upvote { .. } => "upvote",
        Rank { .. } => "rank",
        Allocate { .. } => "allocate",
        QuizAnswer { .. } => "quiz_answer",
        React { .. } => "react",
        Sync => "sync",
        SetCountdown { .. } => "set_countdown",
        SetPhoneResults { .. } => "set_phone_results",
        ResetResults { .. } => "reset_results",
        SetPacing { .. } => "set_pacing",
        SetSideQna { .. } => "set_side_qna",
        StartQuiz { .. } => "start_quiz",
        Timer { .. } => "timer",
        Moderate { .. } => "moderate",
        StartGroups { .. } => "start_groups",
        CircleSetup { .. } => "circle_setup",
        CircleNext { .. } => "circle_next",
        ListPeople => "list_people",
        CirclePost { .. } => "circle_post",
        SetReportNote { .. } => "set_report_note",
        PublishReport { .. } => "publish_report",
        SetTitle { .. } => "set_title",
        SetLanguage { .. } => "set_language",
        SetEmbed { .. } => "set_embed",
        AddActivity { .. } => "add_activity",
        EditActivity { .. } => "edit_activity",
        MoveActivity { .. } => "move_activity",
        DeleteActivity { .. } => "delete_activity",
        Navigate { .. } => "navigate",
        SetVoting { .. } => "set_voting",
        SetResults { .. } => "set_results",
        SetIdeasPhase { .. } => "set_ideas_phase",
        HideIdea { .. } => "hide_idea",
        MergeIdeas { .. } => "merge_ideas",
    }
}
const CLIENT_TYPES: usize = 42;

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
