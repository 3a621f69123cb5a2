//! Exports of a whole session (JSON) and of one activity (CSV rows), for reports after the event.
//!
//! People appear as a number (their order of joining) and a display name only where they gave one.
//! Q&A questions are never tied to a number: an anonymous question must stay anonymous, so they are
//! exported as the host sees them (with the asker's name only where it was shown).

use super::activity::pin::SCALE as PIN_SCALE;
use super::activity::{
    Activity, ActivityBody, ActivityKind, ActivitySpec, ActivityView, Answer, Audience,
};
use super::{ActivityId, Millis, ParticipantId, Room};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize)]
pub struct SessionExport {
    pub title: String,
    pub created_at: Millis,
    pub last_activity_at: Millis,
    pub participants: Vec<ExportParticipant>,
    pub activities: Vec<ExportActivity>,
    /// "You said, we did": the facilitator's notes, and whether the report is public.
    pub report: super::room::Report,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExportParticipant {
    pub number: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExportActivity {
    pub id: ActivityId,
    pub kind: &'static str,
    pub spec: ActivitySpec,
    /// Oldest first; the last is the current round.
    pub rounds: Vec<ExportRound>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExportRound {
    pub round: u32,
    pub current: bool,
    pub results: ActivityView,
    /// Each participant's answer, by participant number (not for Q&A: see the module docs).
    pub answers: Vec<ExportAnswer>,
    /// Breakout groups only: every breakout round of this results round, each a list of groups
    /// of participant numbers (the view holds only the latest round, by name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakout_rounds: Option<Vec<Vec<Vec<u32>>>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExportAnswer {
    pub participant: u32,
    pub answer: Answer,
}

/// Participants numbered in the order they joined (ties by id, so the numbering is stable).
pub fn numbering(room: &Room) -> BTreeMap<ParticipantId, u32> {
    let mut order: Vec<(&ParticipantId, Millis)> = room
        .participants
        .iter()
        .map(|(p, info)| (p, info.joined_at))
        .collect();
    order.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(b.0)));
    order
        .into_iter()
        .enumerate()
        .map(|(i, (p, _))| (*p, i as u32 + 1))
        .collect()
}

/// Every round of an activity as an activity of its own (earlier rounds first).
fn rounds_of(activity: &Activity) -> Vec<(u32, bool, Activity)> {
    let mut rounds: Vec<(u32, bool, Activity)> = activity
        .earlier
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let mut earlier = activity.clone();
            earlier.kind = kind.clone();
            earlier.round = i as u32 + 1;
            // Each round keeps the rounds before it, so round 3 is compared with round 2.
            earlier.earlier = activity.earlier[..i].to_vec();
            (i as u32 + 1, false, earlier)
        })
        .collect();
    rounds.push((activity.round, true, activity.clone()));
    rounds
}

pub fn session(room: &Room) -> SessionExport {
    let numbers = numbering(room);
    let names = |who: &ParticipantId| room.display_name(who);
    SessionExport {
        title: room.title.clone(),
        created_at: room.created_at,
        last_activity_at: room.last_command_at,
        participants: numbers
            .iter()
            .map(|(p, n)| (*n, room.display_name(p)))
            .collect::<BTreeMap<u32, Option<String>>>()
            .into_iter()
            .map(|(number, name)| ExportParticipant { number, name })
            .collect(),
        activities: room
            .deck
            .iter()
            .map(|activity| ExportActivity {
                id: activity.id,
                kind: activity.kind_name(),
                spec: activity.spec(),
                rounds: rounds_of(activity)
                    .into_iter()
                    .map(|(round, current, state)| {
                        let answers = if matches!(state.kind, ActivityKind::Qna(_)) {
                            Vec::new()
                        } else {
                            let mut list: Vec<ExportAnswer> = numbers
                                .iter()
                                .filter_map(|(who, number)| {
                                    state.answer(who).map(|answer| ExportAnswer {
                                        participant: *number,
                                        answer,
                                    })
                                })
                                .collect();
                            list.sort_by_key(|a| a.participant);
                            list
                        };
                        let breakout_rounds = match &state.kind {
                            ActivityKind::Groups(groups) => Some(
                                groups
                                    .rounds()
                                    .iter()
                                    .map(|round| {
                                        round
                                            .iter()
                                            .map(|group| {
                                                group
                                                    .iter()
                                                    .filter_map(|who| numbers.get(who).copied())
                                                    .collect()
                                            })
                                            .collect()
                                    })
                                    .collect(),
                            ),
                            _ => None,
                        };
                        ExportRound {
                            round,
                            current,
                            results: state.view_with(Audience::Host, &names),
                            answers,
                            breakout_rounds,
                        }
                    })
                    .collect(),
            })
            .collect(),
        report: room.report.clone(),
    }
}

/// The public report: what the audience could see at the end with every result revealed, and
/// the facilitator's notes; safe to publish. Built from the presenter's view, never the host's, so
/// nothing the room withheld from its audience can reach it: no pending or hidden questions, no
/// hidden ideas (merged wordings only under the idea they went into), no individual answers. And no names: not who asked a question,
/// who topped a leaderboard, who met whom in a breakout round or who said what in a circle.
pub fn public_report(room: &Room) -> SessionExport {
    SessionExport {
        title: room.title.clone(),
        created_at: room.created_at,
        last_activity_at: room.last_command_at,
        participants: Vec::new(),
        activities: room
            .deck
            .iter()
            .map(|activity| ExportActivity {
                id: activity.id,
                kind: activity.kind_name(),
                spec: activity.spec(),
                rounds: rounds_of(activity)
                    .into_iter()
                    .map(|(round, current, state)| ExportRound {
                        round,
                        current,
                        results: revealed_without_names(room, &state),
                        answers: Vec::new(),
                        breakout_rounds: None,
                    })
                    .collect(),
            })
            .collect(),
        report: room.report.clone(),
    }
}

fn revealed_without_names(room: &Room, activity: &Activity) -> ActivityView {
    let mut view = activity.revealed_view();
    match &mut view.body {
        ActivityBody::Qna(qna) => qna.questions.iter_mut().for_each(|q| q.name = None),
        ActivityBody::Number(number) => {
            for closest in number.results.iter_mut().flat_map(|r| r.closest.iter_mut()) {
                closest.name = None;
            }
        }
        ActivityBody::Leaderboard(board) => {
            let standings = room.standings();
            board.players = standings.len() as u64;
            board.top = standings
                .into_iter()
                .take(super::activity::leaderboard::TOP)
                .map(
                    |(_, score, rank)| super::activity::leaderboard::LeaderboardEntry {
                        rank,
                        name: None,
                        score,
                    },
                )
                .collect();
        }
        _ => {}
    }
    view
}

/// A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage return
/// first: OWASP's CSV injection list) gets a leading `'`, which spreadsheets show as text. A name
/// such as `=HYPERLINK(...)` then reads as typed instead of acting in the facilitator's
/// spreadsheet.
pub fn neutralise_cell(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// One activity as CSV rows (a header first), every round, every cell neutralised (see
/// [`neutralise_cell`]). `None` if there is no such activity.
pub fn csv_rows(room: &Room, id: ActivityId) -> Option<Vec<Vec<String>>> {
    let rows = raw_csv_rows(room, id)?;
    Some(
        rows.into_iter()
            .map(|row| row.into_iter().map(neutralise_cell).collect())
            .collect(),
    )
}

fn raw_csv_rows(room: &Room, id: ActivityId) -> Option<Vec<Vec<String>>> {
    let activity = room.activity(id).ok()?;
    let numbers = numbering(room);
    let mut in_order: Vec<(ParticipantId, u32)> = numbers.iter().map(|(p, n)| (*p, *n)).collect();
    in_order.sort_by_key(|(_, n)| *n);
    let name = |who: &ParticipantId| room.display_name(who).unwrap_or_default();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let header = |cols: &[&str]| -> Vec<String> {
        ["round", "participant", "name"]
            .iter()
            .chain(cols)
            .map(|s| s.to_string())
            .collect()
    };
    rows.push(match &activity.kind {
        ActivityKind::Poll(_) => header(&["option"]),
        ActivityKind::Ideas(_) => header(&["what", "idea_id", "idea"]),
        ActivityKind::Wordcloud(_) => header(&["word"]),
        ActivityKind::Scales(_) => header(&["statement_id", "theme", "statement", "rating"]),
        ActivityKind::Qna(_) => vec![
            "round".into(),
            "question_id".into(),
            "asked_by".into(),
            "question".into(),
            "votes".into(),
            "status".into(),
            "answered".into(),
        ],
        ActivityKind::Ranking(_) => header(&["position", "option"]),
        ActivityKind::Points(_) => header(&["option", "points"]),
        ActivityKind::Quiz(_) => header(&["answer", "correct"]),
        ActivityKind::Groups(_) => header(&["breakout_round", "group"]),
        ActivityKind::Leaderboard(_) => vec!["rank".into(), "name".into(), "score".into()],
        ActivityKind::Circle(_) => vec![
            "round".into(),
            "what".into(),
            "turn".into(),
            "name".into(),
            "text".into(),
        ],
        ActivityKind::Number(_) => header(&["value"]),
        ActivityKind::Grid(_) => header(&["item_id", "item", "x", "y"]),
        ActivityKind::Pin(_) => header(&["pin_id", "x", "y", "x_px", "y_px", "comment"]),
        ActivityKind::Info(_) | ActivityKind::Timer(_) => vec!["round".into()],
    });
    for (round, _, state) in rounds_of(activity) {
        let r = round.to_string();
        let view = state.view(Audience::Host);
        let option_text = |options: &[super::activity::poll::PollOption], id: u32| {
            options
                .iter()
                .find(|o| o.id == id)
                .map(|o| o.text.clone())
                .unwrap_or_default()
        };
        match (&state.kind, &view.body) {
            (ActivityKind::Qna(_), super::activity::ActivityBody::Qna(qna)) => {
                for q in &qna.questions {
                    rows.push(vec![
                        r.clone(),
                        q.id.to_string(),
                        q.name.clone().unwrap_or_default(),
                        q.text.clone(),
                        q.votes.to_string(),
                        q.status
                            .map(|s| format!("{s:?}").to_lowercase())
                            .unwrap_or_default(),
                        q.answered.to_string(),
                    ]);
                }
            }
            (ActivityKind::Groups(groups), _) => {
                // Every breakout round, not only the last: who met whom in round one matters as
                // much as round two.
                for (breakout, groups) in groups.rounds().iter().enumerate() {
                    for (g, members) in groups.iter().enumerate() {
                        for who in members {
                            let number = numbers.get(who).copied().unwrap_or(0);
                            rows.push(vec![
                                r.clone(),
                                number.to_string(),
                                name(who),
                                (breakout + 1).to_string(),
                                (g + 1).to_string(),
                            ]);
                        }
                    }
                }
            }
            (ActivityKind::Circle(circle), _) => {
                let view = circle.view(&|who| room.display_name(who));
                for idea in &view.ideas {
                    rows.push(vec![
                        r.clone(),
                        "idea".into(),
                        idea.turn.to_string(),
                        idea.name.clone().unwrap_or_default(),
                        idea.text.clone(),
                    ]);
                }
                for text in &view.feedback {
                    rows.push(vec![
                        r.clone(),
                        "feedback".into(),
                        String::new(),
                        view.sharer.clone().unwrap_or_default(),
                        text.clone(),
                    ]);
                }
            }
            (ActivityKind::Pin(pin), _) => {
                // Every pin in the order placed: across and down as a share of the picture
                // (0 to 1 from the top left), and in the picture's pixels.
                let size = pin.image().map(|i| (i.info.width, i.info.height));
                let share = |v: u32| format!("{:.4}", f64::from(v) / f64::from(PIN_SCALE));
                let px = |v: u32, side: Option<u32>| {
                    side.map(|side| {
                        (u64::from(v) * u64::from(side.saturating_sub(1)) / u64::from(PIN_SCALE))
                            .to_string()
                    })
                    .unwrap_or_default()
                };
                for (who, id, x, y, comment) in pin.every_pin() {
                    let number = numbers.get(who).copied().unwrap_or(0);
                    rows.push(vec![
                        r.clone(),
                        number.to_string(),
                        name(who),
                        id.to_string(),
                        share(x),
                        share(y),
                        px(x, size.map(|s| s.0)),
                        px(y, size.map(|s| s.1)),
                        comment.unwrap_or_default().to_string(),
                    ]);
                }
            }
            (ActivityKind::Leaderboard(_), _) => {
                for (who, score, rank) in room.standings() {
                    rows.push(vec![rank.to_string(), name(&who), score.to_string()]);
                }
            }
            _ => {
                for (who, number) in &in_order {
                    let Some(answer) = state.answer(who) else {
                        continue;
                    };
                    let lead = vec![r.clone(), number.to_string(), name(who)];
                    let mut push = |rest: Vec<String>| {
                        let mut row = lead.clone();
                        row.extend(rest);
                        rows.push(row);
                    };
                    match (&answer, &view.body) {
                        (Answer::Poll { options }, super::activity::ActivityBody::Poll(poll)) => {
                            for id in options {
                                push(vec![option_text(&poll.options, *id)]);
                            }
                        }
                        (Answer::Ideas(mine), super::activity::ActivityBody::Ideas(ideas)) => {
                            let text = |id: u32| {
                                ideas
                                    .ideas
                                    .iter()
                                    .flatten()
                                    .find(|i| i.id == id)
                                    .map(|i| i.text.clone())
                                    .unwrap_or_default()
                            };
                            for idea in &mine.submitted {
                                push(vec![
                                    "suggestion".into(),
                                    idea.id.to_string(),
                                    idea.text.clone(),
                                ]);
                            }
                            for id in &mine.dots {
                                push(vec!["dot".into(), id.to_string(), text(*id)]);
                            }
                        }
                        (Answer::Number { value }, _) => push(vec![value.to_string()]),
                        (
                            Answer::Grid { placements },
                            super::activity::ActivityBody::Grid(grid),
                        ) => {
                            for p in placements {
                                push(vec![
                                    p.item.to_string(),
                                    option_text(&grid.items, p.item),
                                    p.x.to_string(),
                                    p.y.to_string(),
                                ]);
                            }
                        }
                        (Answer::Wordcloud { words }, _) => {
                            for word in words {
                                push(vec![word.clone()]);
                            }
                        }
                        (
                            Answer::Scales { ratings },
                            super::activity::ActivityBody::Scales(scales),
                        ) => {
                            for rating in ratings {
                                let statement =
                                    scales.statements.iter().find(|s| s.id == rating.statement);
                                push(vec![
                                    rating.statement.to_string(),
                                    statement.and_then(|s| s.theme.clone()).unwrap_or_default(),
                                    statement.map(|s| s.text.clone()).unwrap_or_default(),
                                    rating.value.map_or("skip".into(), |v| v.to_string()),
                                ]);
                            }
                        }
                        (
                            Answer::Ranking { order },
                            super::activity::ActivityBody::Ranking(ranking),
                        ) => {
                            for (place, id) in order.iter().enumerate() {
                                push(vec![
                                    (place + 1).to_string(),
                                    option_text(&ranking.options, *id),
                                ]);
                            }
                        }
                        (Answer::Points { points }, super::activity::ActivityBody::Points(p)) => {
                            for part in points {
                                push(vec![
                                    option_text(&p.options, part.option),
                                    part.points.to_string(),
                                ]);
                            }
                        }
                        (Answer::Quiz(mine), super::activity::ActivityBody::Quiz(quiz)) => {
                            let texts: Vec<String> = mine
                                .options
                                .iter()
                                .map(|id| option_text(&quiz.options, *id))
                                .collect();
                            let correct = quiz
                                .results
                                .as_ref()
                                .map(|r| {
                                    let mut chosen = mine.options.clone();
                                    chosen.sort();
                                    chosen == r.correct
                                })
                                .unwrap_or(false);
                            push(vec![texts.join("; "), correct.to_string()]);
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    Some(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Command;
    use serde_json::{Value, json};

    const OWEN: &str = "Owen Zebedee";
    const PRIYA: &str = "Priya Quill";
    const SAM: &str = "Sam Yarrow";

    fn pid(n: u128) -> ParticipantId {
        ParticipantId(uuid::Uuid::from_u128(n))
    }

    /// Applies a command written as JSON, failing the test if the room refuses it.
    fn run(room: &mut Room, at: &mut Millis, command: Value) {
        *at += 1_000;
        let parsed: Command = serde_json::from_value(command.clone()).expect("a command");
        if let Err(rejection) = room.apply(&parsed, *at) {
            panic!("{command} was refused: {rejection}");
        }
    }

    fn add(room: &mut Room, at: &mut Millis, spec: Value) -> u32 {
        run(room, at, json!({"type": "add_activity", "spec": spec}));
        let id = room.deck.last().expect("added").id.0;
        run(
            room,
            at,
            json!({"type": "navigate", "to": {"activity": id}}),
        );
        id
    }

    /// A session with every kind, in the states a facilitator leaves them in: named people, a
    /// pending, a hidden and a visible question, a hidden and a merged idea, breakout groups, a
    /// circle with posts, a quiz and a leaderboard, and results hidden where kinds start hidden.
    fn full_session() -> Room {
        let mut room = Room::empty();
        let mut at = 1_000;
        let at = &mut at;
        run(
            &mut room,
            at,
            json!({"type": "create", "title": "Tenant meetup", "seed": 42, "limits": {"max_participants": 100, "max_activities": 50}}),
        );
        for (n, name) in [(1, Some(OWEN)), (2, Some(PRIYA)), (3, Some(SAM)), (4, None)] {
            run(
                &mut room,
                at,
                json!({"type": "join", "participant": pid(n), "name": name}),
            );
        }
        let everyone: Vec<ParticipantId> = (1..=4).map(pid).collect();

        let poll = add(
            &mut room,
            at,
            json!({"kind": "poll", "question": "Which topic first?", "options": ["Repairs", "Damp"]}),
        );
        run(
            &mut room,
            at,
            json!({"type": "vote", "participant": pid(1), "activity": poll, "options": [0]}),
        );

        let ideas = add(
            &mut room,
            at,
            json!({"kind": "ideas", "prompt": "What shall we work on?", "max_per_participant": 3, "dots": 3, "max_dots_per_item": 1}),
        );
        for (who, text) in [
            (1, "Repairs engagement"),
            (2, "getting repairs team involved"),
            (3, "OFFTOPIC-SECRET"),
        ] {
            run(
                &mut room,
                at,
                json!({"type": "submit_idea", "participant": pid(who), "activity": ideas, "text": text}),
            );
        }
        run(
            &mut room,
            at,
            json!({"type": "merge_ideas", "activity": ideas, "from": 1, "into": 0}),
        );
        run(
            &mut room,
            at,
            json!({"type": "hide_idea", "activity": ideas, "idea": 2, "hidden": true}),
        );
        run(
            &mut room,
            at,
            json!({"type": "set_ideas_phase", "activity": ideas, "phase": "vote"}),
        );
        run(
            &mut room,
            at,
            json!({"type": "dot_vote", "participant": pid(2), "activity": ideas, "ideas": [0]}),
        );

        let words = add(
            &mut room,
            at,
            json!({"kind": "wordcloud", "prompt": "One word?", "max_words": 3}),
        );
        run(
            &mut room,
            at,
            json!({"type": "submit_words", "participant": pid(1), "activity": words, "words": ["hopeful"]}),
        );

        let scales = add(
            &mut room,
            at,
            json!({"kind": "scales", "statements": [{"text": "We report back", "theme": "Voice"}, {"text": "We fix fast", "theme": "Repairs"}]}),
        );
        run(
            &mut room,
            at,
            json!({"type": "rate", "participant": pid(3), "activity": scales, "ratings": [{"statement": 0, "value": 4}, {"statement": 1, "value": 2}]}),
        );

        let qna = add(
            &mut room,
            at,
            json!({"kind": "qna", "prompt": "Questions for the councillor", "require_approval": true}),
        );
        for (who, text) in [
            (1, "PENDING-QUESTION"),
            (2, "HIDDEN-QUESTION"),
            (3, "VISIBLE-QUESTION"),
        ] {
            run(
                &mut room,
                at,
                json!({"type": "ask", "participant": pid(who), "activity": qna, "text": text}),
            );
        }
        for (question, action) in [(1, "approve"), (1, "hide"), (2, "approve")] {
            run(
                &mut room,
                at,
                json!({"type": "moderate", "activity": qna, "question": question, "action": action}),
            );
        }

        let ranking = add(
            &mut room,
            at,
            json!({"kind": "ranking", "question": "Order these", "options": ["A", "B", "C"]}),
        );
        run(
            &mut room,
            at,
            json!({"type": "rank", "participant": pid(1), "activity": ranking, "order": [2, 0, 1]}),
        );
        let points = add(
            &mut room,
            at,
            json!({"kind": "points", "question": "Split 100", "options": ["A", "B"], "total": 100}),
        );
        run(
            &mut room,
            at,
            json!({"type": "allocate", "participant": pid(2), "activity": points, "points": [{"option": 0, "points": 70}]}),
        );
        let quiz = add(
            &mut room,
            at,
            json!({"kind": "quiz", "question": "Welsh councils?", "options": ["Cardiff", "Leeds"], "correct": [0], "time_limit_secs": 60}),
        );
        run(
            &mut room,
            at,
            json!({"type": "start_quiz", "activity": quiz}),
        );
        run(
            &mut room,
            at,
            json!({"type": "quiz_answer", "participant": pid(1), "activity": quiz, "options": [0]}),
        );
        add(
            &mut room,
            at,
            json!({"kind": "leaderboard", "title": "Who knows their council?"}),
        );
        let groups = add(
            &mut room,
            at,
            json!({"kind": "groups", "title": "Networking"}),
        );
        run(
            &mut room,
            at,
            json!({"type": "start_groups", "activity": groups, "present": everyone}),
        );
        let circle = add(
            &mut room,
            at,
            json!({"kind": "circle", "title": "Solution circle", "challenge": "Repairs team", "turn_secs": 60, "discussion_secs": 60}),
        );
        run(
            &mut room,
            at,
            json!({"type": "circle_setup", "activity": circle, "sharer": pid(1), "order": [pid(2), pid(3)]}),
        );
        run(
            &mut room,
            at,
            json!({"type": "circle_post", "participant": pid(2), "activity": circle, "text": "Invite the manager"}),
        );
        add(
            &mut room,
            at,
            json!({"kind": "info", "title": "Welcome", "body": "Talk about:", "points": ["One win"]}),
        );
        add(
            &mut room,
            at,
            json!({"kind": "timer", "title": "Break", "duration_secs": 60}),
        );
        run(
            &mut room,
            at,
            json!({"type": "publish_report", "published": true}),
        );
        room
    }

    #[test]
    fn the_public_report_holds_only_what_the_audience_could_see_and_no_names() {
        let room = full_session();
        let report = serde_json::to_value(public_report(&room)).expect("json");
        let text = report.to_string();
        for withheld in [
            OWEN,
            PRIYA,
            SAM,
            "Owen",
            "PENDING-QUESTION",
            "HIDDEN-QUESTION",
            "OFFTOPIC-SECRET",
            "\"status\"",
            "\"hidden\"",
            "merged_into",
            "\"authors\"",
            "\"pending\"",
        ] {
            assert!(
                !text.contains(withheld),
                "the public report shows {withheld:?}: {text}"
            );
        }
        assert!(report["participants"].as_array().is_some_and(Vec::is_empty));
        let kinds: Vec<&str> = report["activities"]
            .as_array()
            .expect("activities")
            .iter()
            .filter_map(|a| a["kind"].as_str())
            .collect();
        assert_eq!(
            kinds,
            [
                "poll",
                "ideas",
                "wordcloud",
                "scales",
                "qna",
                "ranking",
                "points",
                "quiz",
                "leaderboard",
                "groups",
                "circle",
                "info",
                "timer"
            ]
        );
        let results = |i: usize| report["activities"][i]["rounds"][0]["results"].clone();
        for i in 0..kinds.len() {
            assert_eq!(report["activities"][i]["rounds"][0]["answers"], json!([]));
            assert_eq!(results(i)["results_shown"], true, "{}", kinds[i]);
        }
        // What the audience saw is there, revealed (scales and quizzes start hidden).
        assert_eq!(results(0)["results"]["counts"], json!([1, 0]));
        assert_eq!(
            results(1)["ideas"],
            // A merged wording stays, under the idea it went into (merging is not hiding).
            json!([{"id": 0, "text": "Repairs engagement", "votes": 1,
                    "merged": [{"id": 1, "text": "getting repairs team involved"}]}])
        );
        assert_eq!(results(2)["words"][0]["text"], "hopeful");
        assert_eq!(results(3)["results"]["statements"][0]["mean"], 4.0);
        let questions = results(4)["questions"].clone();
        assert_eq!(questions.as_array().map(Vec::len), Some(1));
        assert_eq!(questions[0]["text"], "VISIBLE-QUESTION");
        assert!(questions[0].get("name").is_none());
        assert_eq!(results(7)["results"]["correct_answers"], 1);
        assert_eq!(
            results(8)["top"][0]["score"].as_u64().map(|s| s > 0),
            Some(true)
        );
        assert!(results(8)["top"][0].get("name").is_none());
        assert!(
            results(9)["groups"][0]["members"]
                .as_array()
                .is_some_and(|m| m.iter().all(Value::is_null))
        );
        assert_eq!(results(10)["ideas"][0]["text"], "Invite the manager");
        assert!(results(10)["sharer"].is_null());

        // The facilitator's own export still has all of it.
        let full = serde_json::to_string(&session(&room)).expect("json");
        for kept in [OWEN, "PENDING-QUESTION", "OFFTOPIC-SECRET", "\"status\""] {
            assert!(full.contains(kept), "the host export lost {kept:?}");
        }
    }

    #[test]
    fn csv_cells_never_run_as_formulas() {
        let mut room = Room::empty();
        let mut at = 1_000;
        let at = &mut at;
        run(
            &mut room,
            at,
            json!({"type": "create", "title": "", "seed": 1, "limits": {"max_participants": 10, "max_activities": 10}}),
        );
        run(
            &mut room,
            at,
            json!({"type": "join", "participant": pid(1), "name": "=cmd|' /C calc'!A0"}),
        );
        let ideas = add(
            &mut room,
            at,
            json!({"kind": "ideas", "prompt": "Ideas?", "max_per_participant": 10}),
        );
        for text in [
            "=HYPERLINK(\"http://evil.example\",\"click\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "fine idea",
        ] {
            run(
                &mut room,
                at,
                json!({"type": "submit_idea", "participant": pid(1), "activity": ideas, "text": text}),
            );
        }
        let rows = csv_rows(&room, ActivityId(ideas)).expect("rows");
        let cells: Vec<&String> = rows.iter().flatten().collect();
        for cell in &cells {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} would run as a formula"
            );
        }
        assert!(cells.iter().any(|c| *c == "'=cmd|' /C calc'!A0"));
        assert!(cells.iter().any(|c| *c == "'@SUM(A1)"));
        assert!(cells.iter().any(|c| *c == "fine idea"));
        assert_eq!(neutralise_cell("\tx".into()), "'\tx");
        assert_eq!(neutralise_cell("3".into()), "3");
    }

    #[test]
    fn every_breakout_round_is_exported() {
        let mut room = full_session();
        let mut at = room.last_command_at;
        let at = &mut at;
        let groups = room
            .deck
            .iter()
            .find(|a| a.kind_name() == "groups")
            .expect("groups")
            .id
            .0;
        let everyone: Vec<ParticipantId> = (1..=4).map(pid).collect();
        run(
            &mut room,
            at,
            json!({"type": "start_groups", "activity": groups, "present": everyone}),
        );
        let rows = csv_rows(&room, ActivityId(groups)).expect("rows");
        assert_eq!(
            rows[0],
            ["round", "participant", "name", "breakout_round", "group"]
        );
        let rounds: std::collections::BTreeSet<&str> =
            rows[1..].iter().map(|r| r[3].as_str()).collect();
        assert_eq!(rounds, ["1", "2"].into_iter().collect());
        assert_eq!(rows.len(), 1 + 2 * 4, "four people in each of two rounds");
        let export = serde_json::to_value(session(&room)).expect("json");
        let activity = export["activities"]
            .as_array()
            .and_then(|list| list.iter().find(|a| a["kind"] == "groups"))
            .expect("groups");
        let breakout = &activity["rounds"][0]["breakout_rounds"];
        assert_eq!(breakout.as_array().map(Vec::len), Some(2));
        let placed: usize = breakout[0]
            .as_array()
            .map(|groups| {
                groups
                    .iter()
                    .filter_map(Value::as_array)
                    .map(Vec::len)
                    .sum()
            })
            .unwrap_or(0);
        assert_eq!(placed, 4);
    }

    #[test]
    fn a_new_round_starts_as_hidden_as_the_kind_starts() {
        let mut room = full_session();
        let mut at = room.last_command_at;
        // Scales (index 3) start hidden, polls (index 0) shown: reveal one, hide the other, reset.
        for (index, shown_before, shown_after) in [(3, true, false), (0, false, true)] {
            let id = room.deck[index].id.0;
            run(
                &mut room,
                &mut at,
                json!({"type": "set_results", "activity": id, "shown": shown_before}),
            );
            run(
                &mut room,
                &mut at,
                json!({"type": "reset_results", "activity": id}),
            );
            assert_eq!(
                room.deck[index].results_shown,
                shown_after,
                "a new round of {} starts as the kind starts",
                room.deck[index].kind_name()
            );
        }
    }
}
