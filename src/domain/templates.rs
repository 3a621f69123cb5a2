//! Session templates: decks ready to run, and turning a session's deck back into a template.

use super::activity::ActivitySpec;
use super::activity::circle::CircleSpec;
use super::activity::groups::GroupsSpec;
use super::activity::ideas::IdeasSpec;
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
        ActivitySpec::Scales(s) => {
            for statement in &mut s.statements {
                statement.id = None;
            }
        }
        _ => {}
    }
    spec
}
