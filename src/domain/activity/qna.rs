//! Q&A: participants ask questions (named or anonymous, as the facilitator allows) and upvote
//! others'; the facilitator can require approval, hide, pin and mark answered. A Q&A can also stay
//! open beside the other activities (the room's side lane).

use super::{AnswerContext, Audience};
use crate::domain::{
    ActivityId, Millis, Outcome, ParticipantId, RejectCode, Rejection, clean_text, reject,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const MAX_PROMPT_CHARS: usize = 300;
pub const MAX_QUESTION_CHARS: usize = 280;
pub const MAX_QUESTIONS_PER_PARTICIPANT: usize = 10;
pub const MAX_QUESTIONS: usize = 2_000;

fn yes() -> bool {
    true
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QnaSort {
    /// Most upvoted first.
    #[default]
    Votes,
    /// Most recent first.
    Newest,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QnaSpec {
    pub prompt: String,
    /// Whether askers may hide their name (default yes).
    #[serde(default = "yes")]
    pub allow_anonymous: bool,
    /// Whether questions wait for the facilitator's approval before anyone sees them.
    #[serde(default)]
    pub require_approval: bool,
    #[serde(default)]
    pub sort: QnaSort,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moderation {
    Approve,
    Hide,
    Unhide,
    Pin,
    Unpin,
    Answered,
    Unanswered,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionStatus {
    Pending,
    Visible,
    Hidden,
}

/// What a participant sends: a question (named unless they ask anonymously, where allowed), or an
/// upvote (`"up": false` withdraws it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerCommand {
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
}

/// What the facilitator does with a question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HostCommand {
    Moderate {
        activity: ActivityId,
        question: u32,
        action: Moderation,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Question {
    id: u32,
    text: String,
    author: ParticipantId,
    /// The asker's display name at the time, unless they asked anonymously.
    name: Option<String>,
    status: QuestionStatus,
    pinned: bool,
    answered: bool,
    asked_at: Millis,
    voters: BTreeSet<ParticipantId>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Qna {
    prompt: String,
    allow_anonymous: bool,
    require_approval: bool,
    sort: QnaSort,
    questions: Vec<Question>,
    asked: BTreeMap<ParticipantId, Vec<u32>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QnaView {
    pub prompt: String,
    pub allow_anonymous: bool,
    pub require_approval: bool,
    pub sort: QnaSort,
    /// Pinned first, then unanswered, then answered; within each by the sort.
    pub questions: Vec<QuestionView>,
    /// Host only: questions waiting for approval.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pending: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionView {
    pub id: u32,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub votes: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pinned: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub answered: bool,
    pub asked_at: Millis,
    /// Host only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<QuestionStatus>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QnaAnswer {
    /// The participant's own questions, whatever their status.
    pub asked: Vec<QuestionView>,
    pub upvoted: Vec<u32>,
}

impl Qna {
    pub fn new(spec: &QnaSpec) -> Result<Self, Rejection> {
        let mut qna = Qna {
            prompt: String::new(),
            allow_anonymous: true,
            require_approval: false,
            sort: QnaSort::Votes,
            questions: Vec::new(),
            asked: BTreeMap::new(),
        };
        qna.edit(spec)?;
        Ok(qna)
    }

    pub fn edit(&mut self, spec: &QnaSpec) -> Result<(), Rejection> {
        self.prompt = clean_text(&spec.prompt, MAX_PROMPT_CHARS, "the prompt")?;
        self.allow_anonymous = spec.allow_anonymous;
        self.require_approval = spec.require_approval;
        self.sort = spec.sort;
        Ok(())
    }

    pub fn spec(&self) -> QnaSpec {
        QnaSpec {
            prompt: self.prompt.clone(),
            allow_anonymous: self.allow_anonymous,
            require_approval: self.require_approval,
            sort: self.sort,
        }
    }

    pub fn apply(
        &mut self,
        command: &AnswerCommand,
        cx: &AnswerContext,
    ) -> Result<Outcome, Rejection> {
        match command {
            AnswerCommand::Ask {
                activity,
                text,
                anonymous,
            } => {
                let question = self.ask(cx.who, cx.name, text, *anonymous, cx.at)?;
                Ok(Outcome::QuestionAsked {
                    activity: *activity,
                    question,
                })
            }
            AnswerCommand::Upvote {
                activity,
                question,
                up,
            } => {
                self.upvote(cx.who, *question, *up)?;
                Ok(Outcome::Answered(*activity))
            }
        }
    }

    pub fn control(&mut self, command: &HostCommand) -> Result<(), Rejection> {
        let HostCommand::Moderate {
            question, action, ..
        } = command;
        self.moderate(*question, *action)
    }

    /// `name` is the asker's display name, used unless they ask anonymously.
    pub fn ask(
        &mut self,
        who: ParticipantId,
        name: Option<&str>,
        text: &str,
        anonymous: bool,
        at: Millis,
    ) -> Result<u32, Rejection> {
        let text = clean_text(text, MAX_QUESTION_CHARS, "the question")?;
        if anonymous && !self.allow_anonymous {
            return reject(
                RejectCode::AnonymousNotAllowed,
                "questions in this session carry the asker's name",
            );
        }
        let mine = self.asked.get(&who).map(Vec::as_slice).unwrap_or(&[]);
        if mine.len() >= MAX_QUESTIONS_PER_PARTICIPANT {
            return reject(
                RejectCode::TooManySubmissions,
                format!("at most {MAX_QUESTIONS_PER_PARTICIPANT} questions each"),
            );
        }
        let folded = text.to_lowercase();
        if mine
            .iter()
            .any(|id| self.questions[*id as usize].text.to_lowercase() == folded)
        {
            return reject(
                RejectCode::DuplicateSubmission,
                "you have already asked that",
            );
        }
        if self.questions.len() >= MAX_QUESTIONS {
            return reject(
                RejectCode::TooManySubmissions,
                format!("this Q&A is full ({MAX_QUESTIONS} questions)"),
            );
        }
        let id = self.questions.len() as u32;
        self.questions.push(Question {
            id,
            text,
            author: who,
            name: if anonymous {
                None
            } else {
                name.map(str::to_string)
            },
            status: if self.require_approval {
                QuestionStatus::Pending
            } else {
                QuestionStatus::Visible
            },
            pinned: false,
            answered: false,
            asked_at: at,
            voters: BTreeSet::new(),
        });
        self.asked.entry(who).or_default().push(id);
        Ok(id)
    }

    /// One upvote per participant per question; `up: false` withdraws it. Upvoting twice is
    /// `already_voted` and withdrawing an upvote never given is `not_voted`: neither changes
    /// anything, so neither takes a place in the log.
    pub fn upvote(&mut self, who: ParticipantId, id: u32, up: bool) -> Result<(), Rejection> {
        let question = self.question_mut(id)?;
        if question.status != QuestionStatus::Visible {
            return reject(
                RejectCode::QuestionNotFound,
                format!("question {id} is not shown"),
            );
        }
        match (up, question.voters.contains(&who)) {
            (true, true) => reject(
                RejectCode::AlreadyVoted,
                format!("you have already upvoted question {id}"),
            ),
            (false, false) => reject(
                RejectCode::NotVoted,
                format!("you have not upvoted question {id}"),
            ),
            (true, false) => {
                question.voters.insert(who);
                Ok(())
            }
            (false, true) => {
                question.voters.remove(&who);
                Ok(())
            }
        }
    }

    pub fn moderate(&mut self, id: u32, action: Moderation) -> Result<(), Rejection> {
        let question = self.question_mut(id)?;
        match action {
            Moderation::Approve | Moderation::Unhide => question.status = QuestionStatus::Visible,
            Moderation::Hide => {
                question.status = QuestionStatus::Hidden;
                question.pinned = false;
            }
            Moderation::Pin => question.pinned = true,
            Moderation::Unpin => question.pinned = false,
            Moderation::Answered => {
                question.answered = true;
                question.pinned = false;
            }
            Moderation::Unanswered => question.answered = false,
        }
        Ok(())
    }

    fn question_mut(&mut self, id: u32) -> Result<&mut Question, Rejection> {
        match self.questions.get_mut(id as usize) {
            Some(q) => Ok(q),
            None => reject(
                RejectCode::QuestionNotFound,
                format!("question {id} is not in this Q&A"),
            ),
        }
    }

    /// Forgets every question (a new round).
    pub fn clear(&mut self) {
        self.questions.clear();
        self.asked.clear();
    }

    pub fn responses(&self) -> u64 {
        self.asked.len() as u64
    }

    pub fn question_count(&self) -> u64 {
        self.questions.len() as u64
    }

    fn question_view(q: &Question, host: bool) -> QuestionView {
        QuestionView {
            id: q.id,
            text: q.text.clone(),
            name: q.name.clone(),
            votes: q.voters.len() as u64,
            pinned: q.pinned,
            answered: q.answered,
            asked_at: q.asked_at,
            status: host.then_some(q.status),
        }
    }

    pub fn answer(&self, who: &ParticipantId) -> Option<QnaAnswer> {
        let asked = self.asked.get(who);
        let upvoted: Vec<u32> = self
            .questions
            .iter()
            .filter(|q| q.voters.contains(who))
            .map(|q| q.id)
            .collect();
        if asked.is_none() && upvoted.is_empty() {
            return None;
        }
        Some(QnaAnswer {
            asked: asked
                .into_iter()
                .flatten()
                .map(|id| {
                    let q = &self.questions[*id as usize];
                    // People see the status of their own questions ("waiting for approval").
                    QuestionView {
                        status: Some(q.status),
                        ..Self::question_view(q, false)
                    }
                })
                .collect(),
            upvoted,
        })
    }

    /// Questions are the point of a Q&A: they are shown whether or not "results" are, but only
    /// approved ones, to everyone but the host.
    pub fn view(&self, audience: Audience) -> QnaView {
        let host = audience == Audience::Host;
        let mut questions: Vec<QuestionView> = self
            .questions
            .iter()
            .filter(|q| host || q.status == QuestionStatus::Visible)
            .map(|q| Self::question_view(q, host))
            .collect();
        let sort = self.sort;
        questions.sort_by(|a, b| {
            b.pinned
                .cmp(&a.pinned)
                .then(a.answered.cmp(&b.answered))
                .then(match sort {
                    QnaSort::Votes => b.votes.cmp(&a.votes).then(a.id.cmp(&b.id)),
                    QnaSort::Newest => b.id.cmp(&a.id),
                })
        });
        QnaView {
            prompt: self.prompt.clone(),
            allow_anonymous: self.allow_anonymous,
            require_approval: self.require_approval,
            sort: self.sort,
            questions,
            pending: if host {
                self.questions
                    .iter()
                    .filter(|q| q.status == QuestionStatus::Pending)
                    .count() as u64
            } else {
                0
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid(n: u128) -> ParticipantId {
        ParticipantId(uuid::Uuid::from_u128(n))
    }

    fn qna(require_approval: bool, allow_anonymous: bool) -> Qna {
        Qna::new(&QnaSpec {
            prompt: "Questions for the councillor".into(),
            allow_anonymous,
            require_approval,
            sort: QnaSort::Votes,
        })
        .unwrap()
    }

    #[test]
    fn upvotes_count_once_per_person_and_can_be_withdrawn() {
        let mut q = qna(false, true);
        let a = q
            .ask(pid(1), Some("Ann"), "When will repairs improve?", false, 10)
            .unwrap();
        let b = q.ask(pid(2), None, "What about damp?", true, 20).unwrap();
        q.upvote(pid(3), b, true).unwrap();
        assert_eq!(
            q.upvote(pid(3), b, true).unwrap_err().code,
            RejectCode::AlreadyVoted
        );
        assert_eq!(
            q.upvote(pid(5), b, false).unwrap_err().code,
            RejectCode::NotVoted
        );
        q.upvote(pid(4), b, true).unwrap();
        q.upvote(pid(4), b, false).unwrap();
        let view = q.view(Audience::Presenter);
        assert_eq!(view.questions[0].id, b, "most votes first");
        assert_eq!(view.questions[0].votes, 1);
        assert_eq!(view.questions[1].name.as_deref(), Some("Ann"));
        assert_eq!(view.questions[0].name, None, "anonymous");
        assert_eq!(
            q.upvote(pid(3), 9, true).unwrap_err().code,
            RejectCode::QuestionNotFound
        );
        let _ = a;
    }

    #[test]
    fn approval_hides_questions_until_approved() {
        let mut q = qna(true, true);
        let id = q.ask(pid(1), None, "A question", false, 1).unwrap();
        assert!(q.view(Audience::Participant).questions.is_empty());
        assert_eq!(q.view(Audience::Host).pending, 1);
        assert_eq!(
            q.upvote(pid(2), id, true).unwrap_err().code,
            RejectCode::QuestionNotFound
        );
        let mine = q.answer(&pid(1)).unwrap();
        assert_eq!(mine.asked[0].status, Some(QuestionStatus::Pending));
        q.moderate(id, Moderation::Approve).unwrap();
        assert_eq!(q.view(Audience::Participant).questions.len(), 1);
        q.moderate(id, Moderation::Hide).unwrap();
        assert!(q.view(Audience::Presenter).questions.is_empty());
    }

    #[test]
    fn pinned_first_answered_last_and_newest_sort() {
        let mut q = qna(false, true);
        let first = q.ask(pid(1), None, "First", false, 1).unwrap();
        let second = q.ask(pid(2), None, "Second", false, 2).unwrap();
        let third = q.ask(pid(3), None, "Third", false, 3).unwrap();
        q.upvote(pid(9), first, true).unwrap();
        q.moderate(third, Moderation::Pin).unwrap();
        q.moderate(first, Moderation::Answered).unwrap();
        let order: Vec<u32> = q
            .view(Audience::Presenter)
            .questions
            .iter()
            .map(|q| q.id)
            .collect();
        assert_eq!(order, vec![third, second, first]);
        let mut spec = q.spec();
        spec.sort = QnaSort::Newest;
        q.edit(&spec).unwrap();
        q.moderate(third, Moderation::Unpin).unwrap();
        let order: Vec<u32> = q
            .view(Audience::Presenter)
            .questions
            .iter()
            .map(|q| q.id)
            .collect();
        assert_eq!(order, vec![third, second, first]);
    }

    #[test]
    fn limits_on_questions() {
        let mut q = qna(false, false);
        assert_eq!(
            q.ask(pid(1), None, "Anon?", true, 1).unwrap_err().code,
            RejectCode::AnonymousNotAllowed
        );
        assert_eq!(
            q.ask(pid(1), None, &"x".repeat(281), false, 1)
                .unwrap_err()
                .code,
            RejectCode::TextTooLong
        );
        q.ask(pid(1), None, "Same", false, 1).unwrap();
        assert_eq!(
            q.ask(pid(1), None, "same", false, 2).unwrap_err().code,
            RejectCode::DuplicateSubmission
        );
        for i in 1..10 {
            q.ask(pid(1), None, &format!("q{i}"), false, 2).unwrap();
        }
        assert_eq!(
            q.ask(pid(1), None, "eleventh", false, 3).unwrap_err().code,
            RejectCode::TooManySubmissions
        );
    }
}
