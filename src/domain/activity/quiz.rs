//! Quiz: one timed question with one or more correct options. The facilitator starts the clock;
//! answers after the limit are `time_up`. Scores reward correctness and speed, measured with the
//! log's timestamps, so replay gives the same scores. Correct options are not shown to the audience
//! until results are.

use super::poll::edit_options;
use super::poll::{OptionSpec, PollOption};
use super::{AnswerContext, Audience};
use crate::domain::{
    ActivityId, Millis, Outcome, ParticipantId, RejectCode, Rejection, clean_text, reject,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

fn twenty() -> u32 {
    20
}
fn thousand() -> u32 {
    1000
}

/// What a participant sends: their pick(s), while the question's clock runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerCommand {
    QuizAnswer {
        activity: ActivityId,
        options: Vec<u32>,
    },
}

/// The facilitator starts the question's clock (and opens voting).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HostCommand {
    StartQuiz { activity: ActivityId },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuizSpec {
    pub question: String,
    pub options: Vec<OptionSpec>,
    /// Positions (0-based) in `options` of the correct ones.
    pub correct: Vec<usize>,
    /// Seconds to answer once started (5 to 600, default 20).
    #[serde(default = "twenty")]
    pub time_limit_secs: u32,
    /// Points for a correct answer given at once (half of them for one at the last moment).
    #[serde(default = "thousand")]
    pub points: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct QuizAnswer {
    options: Vec<u32>,
    correct: bool,
    score: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Quiz {
    question: String,
    options: Vec<PollOption>,
    next_option_id: u32,
    correct: BTreeSet<u32>,
    time_limit_ms: i64,
    points: u32,
    started_at: Option<Millis>,
    answers: BTreeMap<ParticipantId, QuizAnswer>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuizView {
    pub question: String,
    pub options: Vec<PollOption>,
    /// How many options make the right answer (the phone lets people pick that many).
    pub picks: u32,
    pub time_limit_ms: i64,
    pub points: u32,
    /// When the clock started (server time, ms since the Unix epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<QuizResults>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuizResults {
    pub answered: u64,
    pub correct_answers: u64,
    /// `counts[i]` belongs to `options[i]`.
    pub counts: Vec<u64>,
    /// The correct option ids.
    pub correct: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizAnswerView {
    pub options: Vec<u32>,
}

impl Quiz {
    pub fn new(spec: &QuizSpec) -> Result<Self, Rejection> {
        let mut quiz = Quiz {
            question: String::new(),
            options: Vec::new(),
            next_option_id: 0,
            correct: BTreeSet::new(),
            time_limit_ms: 20_000,
            points: 1000,
            started_at: None,
            answers: BTreeMap::new(),
        };
        quiz.edit(spec)?;
        Ok(quiz)
    }

    /// A quiz question cannot change once answered (answers were scored against it).
    pub fn edit(&mut self, spec: &QuizSpec) -> Result<(), Rejection> {
        if !self.answers.is_empty() {
            return reject(
                RejectCode::InvalidActivity,
                "this question has been answered; reset its results before editing it",
            );
        }
        let question = clean_text(
            &spec.question,
            super::poll::MAX_QUESTION_CHARS,
            "the question",
        )?;
        let mut next_id = self.next_option_id;
        let options = edit_options(&spec.options, &self.options, &mut next_id, (2, 10))?;
        if spec.correct.is_empty() || spec.correct.iter().any(|i| *i >= options.len()) {
            return reject(
                RejectCode::InvalidActivity,
                "mark at least one correct option (by its position)",
            );
        }
        if !(5..=600).contains(&spec.time_limit_secs) {
            return reject(
                RejectCode::InvalidActivity,
                "time_limit_secs must be 5 to 600",
            );
        }
        if !(1..=10_000).contains(&spec.points) {
            return reject(RejectCode::InvalidActivity, "points must be 1 to 10000");
        }
        self.correct = spec.correct.iter().map(|i| options[*i].id).collect();
        self.question = question;
        self.options = options;
        self.next_option_id = next_id;
        self.time_limit_ms = i64::from(spec.time_limit_secs) * 1000;
        self.points = spec.points;
        Ok(())
    }

    pub fn spec(&self) -> QuizSpec {
        QuizSpec {
            question: self.question.clone(),
            options: self
                .options
                .iter()
                .map(|o| OptionSpec::Keep {
                    id: Some(o.id),
                    text: o.text.clone(),
                })
                .collect(),
            correct: self
                .options
                .iter()
                .enumerate()
                .filter(|(_, o)| self.correct.contains(&o.id))
                .map(|(i, _)| i)
                .collect(),
            time_limit_secs: (self.time_limit_ms / 1000) as u32,
            points: self.points,
        }
    }

    pub fn apply(
        &mut self,
        command: &AnswerCommand,
        cx: &AnswerContext,
    ) -> Result<Outcome, Rejection> {
        let AnswerCommand::QuizAnswer { activity, options } = command;
        self.answer(cx.who, options, cx.at)?;
        Ok(Outcome::Answered(*activity))
    }

    /// Starts the clock. Once anyone has answered, the clock cannot be restarted (reset first).
    pub fn start(&mut self, at: Millis) -> Result<(), Rejection> {
        if !self.answers.is_empty() {
            return reject(
                RejectCode::WrongPhase,
                "this question has been answered; reset its results to run it again",
            );
        }
        self.started_at = Some(at);
        Ok(())
    }

    pub fn answer(
        &mut self,
        who: ParticipantId,
        options: &[u32],
        at: Millis,
    ) -> Result<(), Rejection> {
        let Some(started) = self.started_at else {
            return reject(
                RejectCode::QuizNotStarted,
                "the question has not started yet",
            );
        };
        let elapsed = at - started;
        if elapsed > self.time_limit_ms {
            return reject(RejectCode::TimeUp, "time is up for this question");
        }
        if self.answers.contains_key(&who) {
            return reject(RejectCode::AlreadyVoted, "you have already answered");
        }
        if options.is_empty() {
            return reject(RejectCode::NoChoice, "pick an answer");
        }
        let mut chosen = BTreeSet::new();
        for id in options {
            if !self.options.iter().any(|o| o.id == *id) {
                return reject(
                    RejectCode::OptionNotFound,
                    format!("option {id} is not here"),
                );
            }
            if !chosen.insert(*id) {
                return reject(
                    RejectCode::DuplicateOption,
                    format!("option {id} is picked twice"),
                );
            }
        }
        if chosen.len() > self.options.len() {
            return reject(RejectCode::TooManyChoices, "too many options");
        }
        let correct = chosen == self.correct;
        let score = if correct {
            let half = u64::from(self.points) / 2;
            let left = (self.time_limit_ms - elapsed.max(0)).max(0) as u64;
            half + half * left / self.time_limit_ms as u64
        } else {
            0
        };
        self.answers.insert(
            who,
            QuizAnswer {
                options: chosen.into_iter().collect(),
                correct,
                score,
            },
        );
        Ok(())
    }

    /// Forgets every answer and stops the clock (the question can run again).
    pub fn clear(&mut self) {
        self.answers.clear();
        self.started_at = None;
    }

    pub fn responses(&self) -> u64 {
        self.answers.len() as u64
    }

    pub fn started_at(&self) -> Option<Millis> {
        self.started_at
    }

    /// Each participant's score on this question.
    pub fn scores(&self) -> impl Iterator<Item = (&ParticipantId, u64)> {
        self.answers.iter().map(|(who, a)| (who, a.score))
    }

    pub fn answer_of(&self, who: &ParticipantId) -> Option<QuizAnswerView> {
        self.answers.get(who).map(|a| QuizAnswerView {
            options: a.options.clone(),
        })
    }

    pub fn view(&self, audience: Audience, results_shown: bool) -> QuizView {
        QuizView {
            question: self.question.clone(),
            options: self.options.clone(),
            picks: self.correct.len() as u32,
            time_limit_ms: self.time_limit_ms,
            points: self.points,
            started_at: self.started_at,
            results: (results_shown || audience == Audience::Host).then(|| QuizResults {
                answered: self.responses(),
                correct_answers: self.answers.values().filter(|a| a.correct).count() as u64,
                counts: self
                    .options
                    .iter()
                    .map(|o| {
                        self.answers
                            .values()
                            .filter(|a| a.options.contains(&o.id))
                            .count() as u64
                    })
                    .collect(),
                correct: self.correct.iter().copied().collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid(n: u128) -> ParticipantId {
        ParticipantId(uuid::Uuid::from_u128(n))
    }

    fn quiz() -> Quiz {
        Quiz::new(&QuizSpec {
            question: "Which are Welsh councils?".into(),
            options: ["Cardiff", "Leeds", "Swansea"]
                .iter()
                .map(|t| OptionSpec::Text(t.to_string()))
                .collect(),
            correct: vec![0, 2],
            time_limit_secs: 10,
            points: 1000,
        })
        .unwrap()
    }

    #[test]
    fn answers_are_timed_scored_and_taken_once() {
        let mut q = quiz();
        assert_eq!(
            q.answer(pid(1), &[0, 2], 0).unwrap_err().code,
            RejectCode::QuizNotStarted
        );
        q.start(1_000).unwrap();
        q.answer(pid(1), &[2, 0], 1_000).unwrap(); // at once: full points
        q.answer(pid(2), &[0, 2], 11_000).unwrap(); // at the last moment: half
        q.answer(pid(3), &[0], 2_000).unwrap(); // wrong: partial is not right
        assert_eq!(
            q.answer(pid(4), &[0, 2], 11_001).unwrap_err().code,
            RejectCode::TimeUp
        );
        assert_eq!(
            q.answer(pid(1), &[1], 2_000).unwrap_err().code,
            RejectCode::AlreadyVoted
        );
        let scores: BTreeMap<ParticipantId, u64> = q.scores().map(|(p, s)| (*p, s)).collect();
        assert_eq!(scores[&pid(1)], 1000);
        assert_eq!(scores[&pid(2)], 500);
        assert_eq!(scores[&pid(3)], 0);
        assert_eq!(q.start(20_000).unwrap_err().code, RejectCode::WrongPhase);
    }

    #[test]
    fn correct_options_stay_secret_until_results_are_shown() {
        let mut q = quiz();
        q.start(0).unwrap();
        q.answer(pid(1), &[0, 2], 5).unwrap();
        assert!(q.view(Audience::Participant, false).results.is_none());
        assert_eq!(q.view(Audience::Participant, false).picks, 2);
        let shown = q.view(Audience::Presenter, true).results.unwrap();
        assert_eq!(shown.correct, vec![0, 2]);
        assert_eq!(shown.correct_answers, 1);
        assert_eq!(shown.counts, vec![1, 0, 1]);
    }

    #[test]
    fn a_question_needs_a_correct_option_and_sane_limits() {
        let mut spec = quiz().spec();
        spec.correct = vec![];
        assert!(Quiz::new(&spec).is_err());
        spec.correct = vec![5];
        assert!(Quiz::new(&spec).is_err());
        spec.correct = vec![0];
        spec.time_limit_secs = 2;
        assert!(Quiz::new(&spec).is_err());
    }
}
