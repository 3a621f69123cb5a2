//! Solution circle: one participant shares a challenge and listens ("mic off") while the others
//! offer ideas in turn, each turn timed; then an open discussion; then the sharer says what was
//! useful. Speakers can post their idea as text during their turn; the sharer posts feedback at
//! the end. Everything posted is kept with the session.

use super::timer::{Timer, TimerAction, TimerSpec, TimerView};
use super::{AnswerContext, HostContext};
use crate::domain::grouping::SplitMix;
use crate::domain::{
    ActivityId, Millis, Outcome, ParticipantId, RejectCode, Rejection, clean_optional_text,
    clean_text, reject,
};
use serde::{Deserialize, Serialize};

pub const MAX_POST_CHARS: usize = 500;

fn two_minutes() -> u32 {
    120
}
fn ten_minutes() -> u32 {
    600
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircleSpec {
    #[serde(default)]
    pub title: String,
    /// The challenge, as the sharer put it (can be filled in later).
    #[serde(default)]
    pub challenge: String,
    /// Length of each speaker's turn (15 s to 30 min, default 2 minutes).
    #[serde(default = "two_minutes")]
    pub turn_secs: u32,
    /// Length of the open discussion (default 10 minutes).
    #[serde(default = "ten_minutes")]
    pub discussion_secs: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CirclePhase {
    /// Waiting for the facilitator to choose the sharer and the order.
    Setup,
    /// Speakers take turns; the sharer listens.
    Turns,
    Discussion,
    /// The sharer says what was useful.
    Feedback,
    Done,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Post {
    author: ParticipantId,
    text: String,
    /// The speaker's turn (1-based) it was posted in; 0 for feedback.
    turn: u32,
}

/// What a participant sends: a speaker's idea during their own turn, or the sharer's feedback.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerCommand {
    CirclePost { activity: ActivityId, text: String },
}

/// The facilitator chooses the sharer and the order (drawn among `present`, which the hub fills
/// in, when `order` is left out), then moves the circle on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HostCommand {
    CircleSetup {
        activity: ActivityId,
        sharer: ParticipantId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order: Option<Vec<ParticipantId>>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        present: Vec<ParticipantId>,
    },
    CircleNext {
        activity: ActivityId,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Circle {
    title: String,
    challenge: String,
    turn_ms: u32,
    discussion_secs: u32,
    phase: CirclePhase,
    sharer: Option<ParticipantId>,
    order: Vec<ParticipantId>,
    /// Index into `order` of the current speaker (during turns).
    turn: usize,
    timer: Timer,
    ideas: Vec<Post>,
    feedback: Vec<Post>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CircleView {
    pub title: String,
    pub challenge: String,
    pub phase: CirclePhase,
    /// The sharer's display name (`null` if none was given or none is chosen yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharer: Option<String>,
    /// Speakers in order, by display name (`null`: no name given).
    pub order: Vec<Option<String>>,
    /// During turns: the current speaker's position in `order` (0-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaking: Option<u32>,
    pub timer: TimerView,
    pub ideas: Vec<CirclePost>,
    pub feedback: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CirclePost {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub turn: u32,
    pub text: String,
}

/// A participant's part in the circle, for their phone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircleAnswer {
    /// `sharer`, `speaker` or `listener` (not in the order).
    pub role: String,
    /// Speakers: their place in the order (0-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    pub your_turn: bool,
}

impl Circle {
    pub fn new(spec: &CircleSpec) -> Result<Self, Rejection> {
        let mut circle = Circle {
            title: String::new(),
            challenge: String::new(),
            turn_ms: 120_000,
            discussion_secs: 600,
            phase: CirclePhase::Setup,
            sharer: None,
            order: Vec::new(),
            turn: 0,
            timer: Timer::new(&TimerSpec {
                title: String::new(),
                duration_secs: 120,
            })?,
            ideas: Vec::new(),
            feedback: Vec::new(),
        };
        circle.edit(spec)?;
        Ok(circle)
    }

    pub fn edit(&mut self, spec: &CircleSpec) -> Result<(), Rejection> {
        if !(15..=1800).contains(&spec.turn_secs) || !(15..=7200).contains(&spec.discussion_secs) {
            return reject(
                RejectCode::InvalidActivity,
                "turns last 15 s to 30 min, the discussion 15 s to 2 h",
            );
        }
        self.title = clean_optional_text(Some(&spec.title), 120, "the title")?.unwrap_or_default();
        self.challenge =
            clean_optional_text(Some(&spec.challenge), 500, "the challenge")?.unwrap_or_default();
        self.turn_ms = spec.turn_secs * 1000;
        self.discussion_secs = spec.discussion_secs;
        Ok(())
    }

    pub fn spec(&self) -> CircleSpec {
        CircleSpec {
            title: self.title.clone(),
            challenge: self.challenge.clone(),
            turn_secs: self.turn_ms / 1000,
            discussion_secs: self.discussion_secs,
        }
    }

    fn restart_timer(&mut self, secs: u32, at: Millis) -> Result<(), Rejection> {
        self.timer.edit(&TimerSpec {
            title: String::new(),
            duration_secs: secs,
        })?;
        self.timer.control(TimerAction::Reset, at);
        self.timer.control(TimerAction::Start, at);
        Ok(())
    }

    pub fn apply(
        &mut self,
        command: &AnswerCommand,
        cx: &AnswerContext,
    ) -> Result<Outcome, Rejection> {
        let AnswerCommand::CirclePost { activity, text } = command;
        self.post(cx.who, text)?;
        Ok(Outcome::Answered(*activity))
    }

    pub fn control(&mut self, command: &HostCommand, cx: &HostContext) -> Result<(), Rejection> {
        match command {
            HostCommand::CircleSetup {
                activity,
                sharer,
                order,
                present,
            } => {
                if !(cx.joined)(sharer) {
                    return reject(RejectCode::NotJoined, "join the session first");
                }
                if let Some(stranger) = order.iter().flatten().find(|p| !(cx.joined)(p)) {
                    return reject(RejectCode::NotJoined, format!("{stranger} has not joined"));
                }
                let present: Vec<ParticipantId> =
                    present.iter().filter(|p| (cx.joined)(p)).copied().collect();
                let seed = cx.seed ^ (u64::from(activity.0) << 32) ^ 0xC1C1;
                self.setup(*sharer, order.as_deref(), &present, seed, cx.at)
            }
            HostCommand::CircleNext { .. } => self.advance(cx.at),
        }
    }

    /// Chooses the sharer and the speaking order; with no order given, the order is drawn (from
    /// the room's seed) among the people present. Starts the first turn.
    pub fn setup(
        &mut self,
        sharer: ParticipantId,
        order: Option<&[ParticipantId]>,
        present: &[ParticipantId],
        seed: u64,
        at: Millis,
    ) -> Result<(), Rejection> {
        let mut speakers: Vec<ParticipantId> = match order {
            Some(order) => order.to_vec(),
            None => {
                let mut drawn: Vec<ParticipantId> = present.to_vec();
                drawn.sort();
                drawn.dedup();
                SplitMix::new(seed).shuffle(&mut drawn);
                drawn
            }
        };
        speakers.retain(|p| *p != sharer);
        let mut seen = std::collections::BTreeSet::new();
        if speakers.iter().any(|p| !seen.insert(*p)) {
            return reject(RejectCode::InvalidOrder, "someone is in the order twice");
        }
        if speakers.is_empty() {
            return reject(
                RejectCode::NoChoice,
                "the circle needs at least one speaker besides the sharer",
            );
        }
        self.sharer = Some(sharer);
        self.order = speakers;
        self.turn = 0;
        self.phase = CirclePhase::Turns;
        self.restart_timer(self.turn_ms / 1000, at)
    }

    /// Moves on: the next speaker, then the discussion, then the sharer's feedback, then done.
    pub fn advance(&mut self, at: Millis) -> Result<(), Rejection> {
        match self.phase {
            CirclePhase::Setup | CirclePhase::Done => {
                return reject(RejectCode::WrongPhase, "nothing to move on to");
            }
            CirclePhase::Turns if self.turn + 1 < self.order.len() => {
                self.turn += 1;
                self.restart_timer(self.turn_ms / 1000, at)?;
            }
            CirclePhase::Turns => {
                self.phase = CirclePhase::Discussion;
                self.restart_timer(self.discussion_secs, at)?;
            }
            CirclePhase::Discussion => {
                self.phase = CirclePhase::Feedback;
                self.timer.control(TimerAction::Reset, at);
            }
            CirclePhase::Feedback => {
                self.phase = CirclePhase::Done;
                self.timer.control(TimerAction::Reset, at);
            }
        }
        Ok(())
    }

    /// A speaker posts their idea during their own turn; the sharer posts feedback at the end.
    pub fn post(&mut self, who: ParticipantId, text: &str) -> Result<(), Rejection> {
        let text = clean_text(text, MAX_POST_CHARS, "the text")?;
        match self.phase {
            CirclePhase::Turns if self.order.get(self.turn) == Some(&who) => {
                self.ideas.push(Post {
                    author: who,
                    text,
                    turn: self.turn as u32 + 1,
                });
                Ok(())
            }
            CirclePhase::Turns => reject(
                RejectCode::NotYourTurn,
                "ideas are posted during your own turn",
            ),
            CirclePhase::Feedback if self.sharer == Some(who) => {
                self.feedback.push(Post {
                    author: who,
                    text,
                    turn: 0,
                });
                Ok(())
            }
            CirclePhase::Feedback => reject(
                RejectCode::NotYourTurn,
                "now the sharer says what was useful",
            ),
            _ => reject(RejectCode::WrongPhase, "nothing can be posted now"),
        }
    }

    pub fn control_timer(&mut self, action: TimerAction, at: Millis) {
        self.timer.control(action, at);
    }

    pub fn responses(&self) -> u64 {
        (self.ideas.len() + self.feedback.len()) as u64
    }

    pub fn clear(&mut self) {
        self.phase = CirclePhase::Setup;
        self.sharer = None;
        self.order.clear();
        self.turn = 0;
        self.ideas.clear();
        self.feedback.clear();
        self.timer.control(TimerAction::Reset, 0);
    }

    pub fn answer(&self, who: &ParticipantId) -> Option<CircleAnswer> {
        if self.phase == CirclePhase::Setup {
            return None;
        }
        let position = self.order.iter().position(|p| p == who);
        let role = if self.sharer.as_ref() == Some(who) {
            "sharer"
        } else if position.is_some() {
            "speaker"
        } else {
            "listener"
        };
        Some(CircleAnswer {
            role: role.into(),
            position: position.map(|p| p as u32),
            your_turn: match self.phase {
                CirclePhase::Turns => position == Some(self.turn),
                CirclePhase::Feedback => self.sharer.as_ref() == Some(who),
                _ => false,
            },
        })
    }

    pub fn view(&self, name: &dyn Fn(&ParticipantId) -> Option<String>) -> CircleView {
        CircleView {
            title: self.title.clone(),
            challenge: self.challenge.clone(),
            phase: self.phase,
            sharer: self.sharer.as_ref().and_then(name),
            order: self.order.iter().map(name).collect(),
            speaking: (self.phase == CirclePhase::Turns).then_some(self.turn as u32),
            timer: self.timer.view(),
            ideas: self
                .ideas
                .iter()
                .map(|p| CirclePost {
                    name: name(&p.author),
                    turn: p.turn,
                    text: p.text.clone(),
                })
                .collect(),
            feedback: self.feedback.iter().map(|p| p.text.clone()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid(n: u128) -> ParticipantId {
        ParticipantId(uuid::Uuid::from_u128(n))
    }

    fn circle() -> Circle {
        Circle::new(&CircleSpec {
            title: "Solution circle".into(),
            challenge: "Getting the repairs team invested in tenant engagement".into(),
            turn_secs: 60,
            discussion_secs: 300,
        })
        .unwrap()
    }

    #[test]
    fn turns_then_discussion_then_feedback() {
        let mut c = circle();
        let people: Vec<ParticipantId> = (1..=4).map(pid).collect();
        c.setup(pid(1), Some(&people[1..]), &people, 0, 1_000)
            .unwrap();
        assert_eq!(c.answer(&pid(1)).unwrap().role, "sharer");
        assert!(c.answer(&pid(2)).unwrap().your_turn);
        assert_eq!(
            c.post(pid(3), "Not my turn yet").unwrap_err().code,
            RejectCode::NotYourTurn
        );
        c.post(pid(2), "Invite them to the next meetup").unwrap();
        c.advance(61_000).unwrap();
        assert!(c.answer(&pid(3)).unwrap().your_turn);
        assert_eq!(
            c.view(&|_| None).timer.running_since,
            Some(61_000),
            "each turn has its own timer"
        );
        c.advance(120_000).unwrap();
        c.advance(180_000).unwrap();
        assert_eq!(c.phase, CirclePhase::Discussion);
        assert_eq!(c.view(&|_| None).timer.duration_ms, 300_000);
        c.advance(480_000).unwrap();
        assert_eq!(
            c.post(pid(2), "Me too").unwrap_err().code,
            RejectCode::NotYourTurn
        );
        c.post(pid(1), "The meetup invitation: I will try it")
            .unwrap();
        c.advance(500_000).unwrap();
        assert_eq!(c.advance(501_000).unwrap_err().code, RejectCode::WrongPhase);
        let view = c.view(&|p| Some(format!("P{}", p.0.as_u128())));
        assert_eq!(view.ideas[0].name.as_deref(), Some("P2"));
        assert_eq!(
            view.feedback,
            vec!["The meetup invitation: I will try it".to_string()]
        );
    }

    #[test]
    fn a_drawn_order_leaves_out_the_sharer_and_is_deterministic() {
        let people: Vec<ParticipantId> = (1..=6).map(pid).collect();
        let mut a = circle();
        a.setup(pid(3), None, &people, 9, 0).unwrap();
        let mut b = circle();
        b.setup(pid(3), None, &people, 9, 0).unwrap();
        assert_eq!(a.order, b.order);
        assert_eq!(a.order.len(), 5);
        assert!(!a.order.contains(&pid(3)));
        let mut alone = circle();
        assert_eq!(
            alone.setup(pid(1), None, &[pid(1)], 0, 0).unwrap_err().code,
            RejectCode::NoChoice
        );
        assert_eq!(
            alone
                .setup(pid(1), Some(&[pid(2), pid(2)]), &[], 0, 0)
                .unwrap_err()
                .code,
            RejectCode::InvalidOrder
        );
    }
}
