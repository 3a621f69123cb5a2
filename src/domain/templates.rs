//! Session templates: decks ready to run, and turning a session's deck back into a template.

use super::activity::ActivitySpec;
use super::activity::circle::CircleSpec;
use super::activity::grid::{Axis, GridSpec};
use super::activity::groups::GroupsSpec;
use super::activity::ideas::IdeasSpec;
use super::activity::number::NumberSpec;
use super::activity::pin::PinSpec;
use super::activity::poll::{OptionSpec, PollSpec};
use super::activity::qna::{QnaSort, QnaSpec};
use super::activity::scales::{ScalesSpec, StatementSpec};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub id: String,
    pub title: String,
    pub description: String,
    pub deck: Vec<ActivitySpec>,
}

fn text_options(texts: &[&str]) -> Vec<OptionSpec> {
    texts
        .iter()
        .map(|t| OptionSpec::Text(t.to_string()))
        .collect()
}

fn feedback_scales(statements: &[&str]) -> ActivitySpec {
    ActivitySpec::Scales(ScalesSpec {
        prompt: "Feedback on today".into(),
        statements: statements
            .iter()
            .map(|s| StatementSpec {
                id: None,
                text: s.to_string(),
                theme: None,
            })
            .collect(),
        min: 1,
        max: 5,
        min_label: Some("Not at all".into()),
        max_label: Some("Very".into()),
        allow_skip: true,
        highlight: 3,
    })
}

/// The built-in templates, in the order the home page lists them.
pub fn builtin() -> Vec<Template> {
    let networking = |round: &str| {
        ActivitySpec::Groups(GroupsSpec {
            title: format!("Nine-minute networking: {round}"),
            talking_points: vec![
                "Introduce yourself and your organisation".into(),
                "One thing that went well this month".into(),
                "One thing you are stuck on".into(),
            ],
            duration_secs: 540,
        })
    };
    vec![
        Template {
            id: "meetup".into(),
            title: "LA/ALMO meetup".into(),
            description: "Two networking rounds, choose today's topic, a solution circle, open space Q&A and feedback.".into(),
            deck: vec![
                networking("round one"),
                networking("round two"),
                ActivitySpec::Ideas(IdeasSpec {
                    prompt: "What do you want to work on today?".into(),
                    max_per_participant: 3,
                    dots: 3,
                    max_dots_per_item: 1,
                }),
                ActivitySpec::Circle(CircleSpec {
                    title: "Solution circle".into(),
                    challenge: String::new(),
                    turn_secs: 120,
                    discussion_secs: 600,
                }),
                ActivitySpec::Qna(QnaSpec {
                    prompt: "Open space: raise anything".into(),
                    allow_anonymous: true,
                    require_approval: false,
                    sort: QnaSort::Votes,
                }),
                feedback_scales(&[
                    "How useful was today?",
                    "How likely are you to come to the next meetup?",
                    "How well did the online format work?",
                ]),
            ],
        },
        Template {
            id: "self-assessment".into(),
            title: "Team self-assessment".into(),
            description: "Score a framework's outcomes on a 1–5 scale at your own pace; reveal strengths, weaknesses and disagreements together.".into(),
            deck: vec![ActivitySpec::Scales(ScalesSpec {
                prompt: "How well do we meet each outcome? Paste your framework's outcomes here (edit this activity).".into(),
                statements: vec![
                    StatementSpec { id: None, text: "We involve tenants in setting our priorities".into(), theme: Some("Involvement".into()) },
                    StatementSpec { id: None, text: "We tell tenants what changed because of their views".into(), theme: Some("Involvement".into()) },
                    StatementSpec { id: None, text: "Repairs are put right first time".into(), theme: Some("Repairs".into()) },
                    StatementSpec { id: None, text: "We learn from complaints".into(), theme: Some("Complaints".into()) },
                ],
                min: 1,
                max: 5,
                min_label: Some("Not at all".into()),
                max_label: Some("Fully".into()),
                allow_skip: true,
                highlight: 5,
            })],
        },
        Template {
            id: "estate-walk".into(),
            title: "Estate walk".into(),
            description: "Warm up with an estimate, pin what you noticed on the estate map, find the quick wins on an impact–effort grid, then feedback.".into(),
            deck: vec![
                ActivitySpec::Number(NumberSpec {
                    question: "How many bins overflow on the estate each week?".into(),
                    min: 0,
                    max: 50,
                    unit: Some("bins".into()),
                    correct: None,
                }),
                ActivitySpec::Pin(PinSpec {
                    question: "What did you notice on the walk? Pin it on the map".into(),
                    max_pins: 3,
                    comments: true,
                    alt: Some("Map of the estate (edit this activity to upload yours and describe it)".into()),
                }),
                ActivitySpec::Grid(GridSpec {
                    question: "Impact against effort: where does each problem sit?".into(),
                    items: text_options(&[
                        "Broken lights",
                        "Overflowing bins",
                        "Damp stairwells",
                        "Litter in the play area",
                    ]),
                    x: Axis {
                        label: "Effort".into(),
                        low: Some("Little".into()),
                        high: Some("A lot".into()),
                    },
                    y: Axis {
                        label: "Impact".into(),
                        low: Some("Small".into()),
                        high: Some("Big".into()),
                    },
                    quadrants: vec![
                        "Quick wins".into(),
                        "Big projects".into(),
                        "Fill-ins".into(),
                        "Not worth it".into(),
                    ],
                }),
                feedback_scales(&[
                    "How useful was today's walk?",
                    "How likely are you to come on the next one?",
                ]),
            ],
        },
        Template {
            id: "interview".into(),
            title: "Interview with Q&A".into(),
            description: "A fishbowl interview: moderated audience questions with upvotes, then a closing poll.".into(),
            deck: vec![
                ActivitySpec::Qna(QnaSpec {
                    prompt: "Questions for our guest".into(),
                    allow_anonymous: true,
                    require_approval: true,
                    sort: QnaSort::Votes,
                }),
                ActivitySpec::Poll(PollSpec {
                    question: "What is your top takeaway?".into(),
                    options: text_options(&["Repairs", "Damp and mould", "Rents", "Communication"]),
                    multiple: false,
                    max_choices: None,
                    allow_change: true,
                    correct: Vec::new(),
                }),
            ],
        },
    ]
}

pub fn find(id: &str) -> Option<Template> {
    builtin().into_iter().find(|t| t.id == id)
}

/// A spec as a new activity would take it: ids of options and statements dropped (a new room has
/// none), everything else kept.
pub fn fresh(spec: &ActivitySpec) -> ActivitySpec {
    let texts = |options: &[OptionSpec]| -> Vec<OptionSpec> {
        options
            .iter()
            .map(|o| match o {
                OptionSpec::Text(t) | OptionSpec::Keep { text: t, .. } => {
                    OptionSpec::Text(t.clone())
                }
            })
            .collect()
    };
    let mut spec = spec.clone();
    match &mut spec {
        ActivitySpec::Poll(s) => s.options = texts(&s.options),
        ActivitySpec::Ranking(s) => s.options = texts(&s.options),
        ActivitySpec::Points(s) => s.options = texts(&s.options),
        ActivitySpec::Quiz(s) => s.options = texts(&s.options),
        ActivitySpec::Grid(s) => s.items = texts(&s.items),
        ActivitySpec::Scales(s) => {
            for statement in &mut s.statements {
                statement.id = None;
            }
        }
        _ => {}
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RoomCommand;
    use crate::domain::{Command, Room, RoomLimits};

    /// A room made from a deck, as `POST /api/rooms` makes one.
    fn room_from(deck: &[ActivitySpec]) -> Room {
        let mut room = Room::empty();
        room.apply(
            &Command::Create {
                title: "T".into(),
                seed: 3,
                limits: RoomLimits::default(),
            },
            0,
        )
        .expect("create");
        for spec in deck {
            room.apply(
                &Command::Room(RoomCommand::AddActivity {
                    spec: spec.clone(),
                    position: None,
                }),
                0,
            )
            .unwrap_or_else(|r| panic!("{spec:?} was refused: {r}"));
        }
        room
    }

    #[test]
    fn every_builtin_template_makes_a_valid_session_with_a_unique_id() {
        let templates = builtin();
        let ids: std::collections::BTreeSet<&str> =
            templates.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids.len(), templates.len());
        for template in &templates {
            assert!(!template.deck.is_empty(), "{} is empty", template.id);
            assert_eq!(room_from(&template.deck).deck().len(), template.deck.len());
            assert_eq!(find(&template.id).as_ref(), Some(template));
        }
        assert!(find("no-such-template").is_none());
        // The meetup runs the scenario: networking, topics, a solution circle, Q&A, feedback.
        let meetup: Vec<&str> = find("meetup")
            .expect("meetup")
            .deck
            .iter()
            .map(|spec| match spec {
                ActivitySpec::Groups(_) => "groups",
                ActivitySpec::Ideas(_) => "ideas",
                ActivitySpec::Circle(_) => "circle",
                ActivitySpec::Qna(_) => "qna",
                ActivitySpec::Scales(_) => "scales",
                _ => "other",
            })
            .collect();
        for kind in ["groups", "ideas", "circle", "qna", "scales"] {
            assert!(
                meetup.contains(&kind),
                "the meetup has no {kind}: {meetup:?}"
            );
        }
    }

    #[test]
    fn a_saved_deck_drops_ids_and_makes_the_same_activities_again() {
        for template in ["meetup", "estate-walk"] {
            saved_deck_round_trips(template);
        }
    }

    fn saved_deck_round_trips(template: &str) {
        let room = room_from(&find(template).expect("template").deck);
        let saved: Vec<ActivitySpec> = room.deck().iter().map(|a| fresh(&a.spec())).collect();
        let text = serde_json::to_string(&saved).expect("json");
        assert!(
            !text.contains("\"id\""),
            "a saved deck carries no ids: {text}"
        );
        let again = room_from(&saved);
        let specs = |room: &Room| -> Vec<ActivitySpec> {
            room.deck().iter().map(|a| fresh(&a.spec())).collect()
        };
        assert_eq!(specs(&again), saved);
    }
}
