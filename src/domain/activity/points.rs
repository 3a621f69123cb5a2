//! 100 points: each participant splits a budget (100 by default) across options. Totals and
//! averages per option.

use super::poll::edit_options;
use super::poll::{OptionSpec, PollOption};
use super::{AnswerContext, Audience};
use crate::domain::{
    ActivityId, Outcome, ParticipantId, RejectCode, Rejection, clean_text, reject,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

fn hundred() -> u32 {
    100
}

/// What a participant sends: their whole split of the points (it replaces the earlier one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerCommand {
    Allocate {
        activity: ActivityId,
        points: Vec<Allocation>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointsSpec {
    pub question: String,
    pub options: Vec<OptionSpec>,
    /// Points each participant splits (1 to 1,000; default 100).
    #[serde(default = "hundred")]
    pub total: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Points {
    question: String,
    options: Vec<PollOption>,
    next_option_id: u32,
    total: u32,
    ballots: BTreeMap<ParticipantId, BTreeMap<u32, u32>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub option: u32,
    pub points: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointsView {
    pub question: String,
    pub options: Vec<PollOption>,
    pub total: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<PointsResults>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointsResults {
    pub voters: u64,
    /// `totals[i]` belongs to `options[i]`.
    pub totals: Vec<u64>,
    /// Average points per voter, per option.
    pub averages: Vec<f64>,
}

impl Points {
    pub fn new(spec: &PointsSpec) -> Result<Self, Rejection> {
        let mut points = Points {
            question: String::new(),
            options: Vec::new(),
            next_option_id: 0,
            total: 100,
            ballots: BTreeMap::new(),
        };
        points.edit(spec)?;
        Ok(points)
    }

    /// Options left out lose their points from every ballot; a lower total withdraws ballots that
    /// no longer fit.
    pub fn edit(&mut self, spec: &PointsSpec) -> Result<(), Rejection> {
        let question = clean_text(
            &spec.question,
            super::poll::MAX_QUESTION_CHARS,
            "the question",
        )?;
        if !(1..=1000).contains(&spec.total) {
            return reject(
                RejectCode::InvalidActivity,
                "total must be 1 to 1000 points",
            );
        }
        let mut next_id = self.next_option_id;
        let options = edit_options(
            &spec.options,
            &self.options,
            &mut next_id,
            (2, super::poll::MAX_OPTIONS),
        )?;
        self.question = question;
        self.next_option_id = next_id;
        self.total = spec.total;
        let ids: BTreeSet<u32> = options.iter().map(|o| o.id).collect();
        self.options = options;
        let total = u64::from(self.total);
        self.ballots.retain(|_, ballot| {
            ballot.retain(|id, _| ids.contains(id));
            let sum: u64 = ballot.values().map(|p| u64::from(*p)).sum();
            sum > 0 && sum <= total
        });
        Ok(())
    }

    pub fn spec(&self) -> PointsSpec {
        PointsSpec {
            question: self.question.clone(),
            options: self
                .options
                .iter()
                .map(|o| OptionSpec::Keep {
                    id: Some(o.id),
                    text: o.text.clone(),
                })
                .collect(),
            total: self.total,
        }
    }

    /// Replaces the participant's split. At most `total` points in all; options left out get 0.
    pub fn apply(
        &mut self,
        command: &AnswerCommand,
        cx: &AnswerContext,
    ) -> Result<Outcome, Rejection> {
        let AnswerCommand::Allocate { activity, points } = command;
        self.allocate(cx.who, points)?;
        Ok(Outcome::Answered(*activity))
    }

    pub fn allocate(&mut self, who: ParticipantId, split: &[Allocation]) -> Result<(), Rejection> {
        let mut ballot = BTreeMap::new();
        let mut sum = 0u64;
        for part in split {
            if !self.options.iter().any(|o| o.id == part.option) {
                return reject(
                    RejectCode::OptionNotFound,
                    format!("option {} is not here", part.option),
                );
            }
            if ballot.insert(part.option, part.points).is_some() {
                return reject(
                    RejectCode::DuplicateOption,
                    format!("option {} is listed twice", part.option),
                );
            }
            sum += u64::from(part.points);
        }
        if sum > u64::from(self.total) {
            return reject(
                RejectCode::OverBudget,
                format!("{sum} points given; you have {}", self.total),
            );
        }
        ballot.retain(|_, p| *p > 0);
        if ballot.is_empty() {
            return reject(RejectCode::NoChoice, "give at least one point");
        }
        self.ballots.insert(who, ballot);
        Ok(())
    }

    pub fn ballot(&self, who: &ParticipantId) -> Option<Vec<Allocation>> {
        self.ballots.get(who).map(|b| {
            b.iter()
                .map(|(option, points)| Allocation {
                    option: *option,
                    points: *points,
                })
                .collect()
        })
    }

    pub fn clear(&mut self) {
        self.ballots.clear();
    }

    pub fn responses(&self) -> u64 {
        self.ballots.len() as u64
    }

    pub fn results(&self) -> PointsResults {
        let voters = self.responses();
        let totals: Vec<u64> = self
            .options
            .iter()
            .map(|o| {
                self.ballots
                    .values()
                    .map(|b| u64::from(b.get(&o.id).copied().unwrap_or(0)))
                    .sum()
            })
            .collect();
        let averages = totals
            .iter()
            .map(|t| {
                if voters == 0 {
                    0.0
                } else {
                    *t as f64 / voters as f64
                }
            })
            .collect();
        PointsResults {
            voters,
            totals,
            averages,
        }
    }

    pub fn view(&self, audience: Audience, results_shown: bool) -> PointsView {
        PointsView {
            question: self.question.clone(),
            options: self.options.clone(),
            total: self.total,
            results: (results_shown || audience == Audience::Host).then(|| self.results()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid(n: u128) -> ParticipantId {
        ParticipantId(uuid::Uuid::from_u128(n))
    }

    fn a(option: u32, points: u32) -> Allocation {
        Allocation { option, points }
    }

    #[test]
    fn points_split_within_the_budget_and_totals_add_up() {
        let mut p = Points::new(&PointsSpec {
            question: "Where should the budget go?".into(),
            options: vec![
                OptionSpec::Text("Repairs".into()),
                OptionSpec::Text("Parks".into()),
            ],
            total: 100,
        })
        .unwrap();
        assert_eq!(
            p.allocate(pid(1), &[a(0, 60), a(1, 41)]).unwrap_err().code,
            RejectCode::OverBudget
        );
        assert_eq!(
            p.allocate(pid(1), &[a(0, 0)]).unwrap_err().code,
            RejectCode::NoChoice
        );
        assert_eq!(
            p.allocate(pid(1), &[a(0, 5), a(0, 5)]).unwrap_err().code,
            RejectCode::DuplicateOption
        );
        assert_eq!(
            p.allocate(pid(1), &[a(7, 5)]).unwrap_err().code,
            RejectCode::OptionNotFound
        );
        p.allocate(pid(1), &[a(0, 70), a(1, 30)]).unwrap();
        p.allocate(pid(2), &[a(0, 20), a(1, 80)]).unwrap();
        p.allocate(pid(2), &[a(0, 100)]).unwrap();
        let results = p.results();
        assert_eq!(results.totals, vec![170, 30]);
        assert_eq!(results.averages, vec![85.0, 15.0]);
        assert_eq!(p.ballot(&pid(2)).unwrap(), vec![a(0, 100)]);
    }
}
