//! Exports of a whole session (JSON) and of one activity (CSV rows), for reports after the event.
//!
//! People appear as a number (their order of joining) and a display name only where they gave one.
//! Q&A questions are never tied to a number: an anonymous question must stay anonymous, so they are
//! exported as the host sees them (with the asker's name only where it was shown).

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
            earlier.earlier = Vec::new();
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
                        ExportRound {
                            round,
                            current,
                            results: state.view_with(Audience::Host, &names),
                            answers,
                        }
                    })
                    .collect(),
            })
            .collect(),
        report: room.report.clone(),
    }
}

/// The public report: results and notes, without anyone's individual answers (only what the
/// screen would show once results are revealed), safe to publish.
pub fn public_report(room: &Room) -> SessionExport {
    let mut full = session(room);
    full.participants.clear();
    for activity in &mut full.activities {
        for round in &mut activity.rounds {
            round.answers.clear();
            // Who was grouped with whom, and who said what in a circle, is about people, not
            // results: the public report keeps the content and drops the names.
            match &mut round.results.body {
                ActivityBody::Groups(groups) => {
                    for group in &mut groups.groups {
                        group.members.iter_mut().for_each(|m| *m = None);
                    }
                }
                ActivityBody::Circle(circle) => {
                    circle.sharer = None;
                    circle.order.iter_mut().for_each(|m| *m = None);
                    circle.ideas.iter_mut().for_each(|i| i.name = None);
                }
                _ => {}
            }
        }
    }
    full
}

/// One activity as CSV rows (a header first), every round. `None` if there is no such activity.
pub fn csv_rows(room: &Room, id: ActivityId) -> Option<Vec<Vec<String>>> {
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
        ActivityKind::Groups(_) => header(&["group"]),
        ActivityKind::Leaderboard(_) => vec!["rank".into(), "name".into(), "score".into()],
        ActivityKind::Circle(_) => vec![
            "round".into(),
            "what".into(),
            "turn".into(),
            "name".into(),
            "text".into(),
        ],
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
                if let Some(last) = groups.rounds().last() {
                    for (g, members) in last.iter().enumerate() {
                        for who in members {
                            let number = numbers.get(who).copied().unwrap_or(0);
                            rows.push(vec![
                                r.clone(),
                                number.to_string(),
                                name(who),
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
