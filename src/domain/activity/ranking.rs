//! Ranking: each participant puts 2–10 options in order. Results by Borda score (with n options,
//! first place earns n−1 points, last earns 0) and each option's average position.

use super::poll::{OptionSpec, PollOption, edit_options};
use super::{AnswerContext, Audience};
use crate::domain::{
    ActivityId, Outcome, ParticipantId, RejectCode, Rejection, clean_text, reject,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 10;

/// What a participant sends: every option, best first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerCommand {
    Rank {
        activity: ActivityId,
        order: Vec<u32>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankingSpec {
    pub question: String,
    pub options: Vec<OptionSpec>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ranking {
    question: String,
    options: Vec<PollOption>,
    next_option_id: u32,
    ballots: BTreeMap<ParticipantId, Vec<u32>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankingView {
    pub question: String,
    pub options: Vec<PollOption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<RankingResults>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankingResults {
    pub voters: u64,
    /// Highest Borda score first; ties in option order.
    pub ranking: Vec<RankedOption>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankedOption {
    pub id: u32,
    pub score: u64,
    /// 1 is first place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_position: Option<f64>,
}

impl Ranking {
    pub fn new(spec: &RankingSpec) -> Result<Self, Rejection> {
        let mut ranking = Ranking {
            question: String::new(),
            options: Vec::new(),
            next_option_id: 0,
            ballots: BTreeMap::new(),
        };
        ranking.edit(spec)?;
        Ok(ranking)
    }

    /// Changing the options withdraws every ballot that no longer orders exactly the options.
    pub fn edit(&mut self, spec: &RankingSpec) -> Result<(), Rejection> {
        let question = clean_text(
            &spec.question,
            super::poll::MAX_QUESTION_CHARS,
            "the question",
        )?;
        let mut next_id = self.next_option_id;
        let options = edit_options(
            &spec.options,
            &self.options,
            &mut next_id,
            (MIN_OPTIONS, MAX_OPTIONS),
        )?;
        self.question = question;
        self.next_option_id = next_id;
        let ids: BTreeSet<u32> = options.iter().map(|o| o.id).collect();
        self.options = options;
        self.ballots
            .retain(|_, order| order.iter().copied().collect::<BTreeSet<u32>>() == ids);
        Ok(())
    }

    pub fn spec(&self) -> RankingSpec {
        RankingSpec {
            question: self.question.clone(),
            options: self
                .options
                .iter()
                .map(|o| OptionSpec::Keep {
                    id: Some(o.id),
                    text: o.text.clone(),
                })
                .collect(),
        }
    }

    /// `order` lists every option once, first place first. A new order replaces the old.
    pub fn apply(
        &mut self,
        command: &AnswerCommand,
        cx: &AnswerContext,
    ) -> Result<Outcome, Rejection> {
        let AnswerCommand::Rank { activity, order } = command;
        self.rank(cx.who, order)?;
        Ok(Outcome::Answered(*activity))
    }

    pub fn rank(&mut self, who: ParticipantId, order: &[u32]) -> Result<(), Rejection> {
        let given: BTreeSet<u32> = order.iter().copied().collect();
        let all: BTreeSet<u32> = self.options.iter().map(|o| o.id).collect();
        if order.len() != self.options.len() || given != all {
            return reject(
                RejectCode::InvalidOrder,
                "put every option in order, each exactly once",
            );
        }
        self.ballots.insert(who, order.to_vec());
        Ok(())
    }

    pub fn clear(&mut self) {
        self.ballots.clear();
    }

    pub fn ballot(&self, who: &ParticipantId) -> Option<&[u32]> {
        self.ballots.get(who).map(Vec::as_slice)
    }

    pub fn responses(&self) -> u64 {
        self.ballots.len() as u64
    }

    pub fn results(&self) -> RankingResults {
        let n = self.options.len() as u64;
        let mut score: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
        for order in self.ballots.values() {
            for (place, id) in order.iter().enumerate() {
                let entry = score.entry(*id).or_insert((0, 0));
                entry.0 += n - 1 - place as u64;
                entry.1 += place as u64 + 1;
            }
        }
        let voters = self.responses();
        let mut ranking: Vec<(usize, RankedOption)> = self
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let (points, positions) = score.get(&o.id).copied().unwrap_or((0, 0));
                (
                    i,
                    RankedOption {
                        id: o.id,
                        score: points,
                        average_position: (voters > 0).then(|| positions as f64 / voters as f64),
                    },
                )
            })
            .collect();
        ranking.sort_by(|a, b| b.1.score.cmp(&a.1.score).then(a.0.cmp(&b.0)));
        RankingResults {
            voters,
            ranking: ranking.into_iter().map(|(_, r)| r).collect(),
        }
    }

    pub fn view(&self, audience: Audience, results_shown: bool) -> RankingView {
        RankingView {
            question: self.question.clone(),
            options: self.options.clone(),
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

    fn ranking(n: usize) -> Ranking {
        Ranking::new(&RankingSpec {
            question: "Priorities?".into(),
            options: (0..n).map(|i| OptionSpec::Text(format!("o{i}"))).collect(),
        })
        .unwrap()
    }

    #[test]
    fn borda_scores_and_average_positions() {
        let mut r = ranking(3);
        r.rank(pid(1), &[0, 1, 2]).unwrap();
        r.rank(pid(2), &[1, 0, 2]).unwrap();
        r.rank(pid(3), &[1, 2, 0]).unwrap();
        let results = r.results();
        // Scores: option 0: 2+1+0 = 3; option 1: 1+2+2 = 5; option 2: 0+0+1 = 1.
        let order: Vec<(u32, u64)> = results.ranking.iter().map(|o| (o.id, o.score)).collect();
        assert_eq!(order, vec![(1, 5), (0, 3), (2, 1)]);
        assert_eq!(results.ranking[0].average_position, Some(4.0 / 3.0));
        r.rank(pid(3), &[0, 1, 2]).unwrap();
        assert_eq!(r.results().voters, 3, "a new order replaces the old");
    }

    #[test]
    fn an_order_must_list_every_option_once() {
        let mut r = ranking(3);
        for bad in [&[0, 1][..], &[0, 1, 1], &[0, 1, 5], &[0, 1, 2, 0]] {
            assert_eq!(
                r.rank(pid(1), bad).unwrap_err().code,
                RejectCode::InvalidOrder
            );
        }
        assert!(
            Ranking::new(&RankingSpec {
                question: "q".into(),
                options: vec![OptionSpec::Text("a".into())]
            })
            .is_err()
        );
        let eleven: Vec<OptionSpec> = (0..11).map(|i| OptionSpec::Text(format!("{i}"))).collect();
        assert!(
            Ranking::new(&RankingSpec {
                question: "q".into(),
                options: eleven
            })
            .is_err()
        );
    }
}
