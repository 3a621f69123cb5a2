//! Poll: pick one option, or several up to a maximum. Ballots are kept per participant so a changed
//! vote replaces the old one and nobody is counted twice; counts are kept incrementally beside them
//! and a property test checks they always equal a recount.

use super::AnswerContext;
use super::{Audience, yes};
use crate::domain::{
    ActivityId, Outcome, ParticipantId, RejectCode, Rejection, clean_text, reject,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 30;
pub const MAX_QUESTION_CHARS: usize = 300;
pub const MAX_OPTION_CHARS: usize = 200;

/// What the facilitator writes. Options are either plain texts (new options) or `{id, text}` to keep
/// an existing option, and its votes, through an edit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PollSpec {
    pub question: String,
    pub options: Vec<OptionSpec>,
    #[serde(default)]
    pub multiple: bool,
    /// With `multiple`: how many options one participant may pick (default: all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_choices: Option<u32>,
    /// Whether a participant may change their vote while voting is open (default yes).
    #[serde(default = "yes")]
    pub allow_change: bool,
    /// Positions (0-based) in `options` of correct answers, if the poll has any; shown with the
    /// results.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correct: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OptionSpec {
    Text(String),
    Keep {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u32>,
        text: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollOption {
    pub id: u32,
    pub text: String,
}

/// What a participant sends to a poll: their whole vote (it replaces an earlier one where
/// changing is allowed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerCommand {
    Vote {
        activity: ActivityId,
        options: Vec<u32>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Poll {
    question: String,
    options: Vec<PollOption>,
    multiple: bool,
    max_choices: u32,
    allow_change: bool,
    correct: BTreeSet<u32>,
    next_option_id: u32,
    ballots: BTreeMap<ParticipantId, Vec<u32>>,
    counts: BTreeMap<u32, u64>,
}

/// The poll as a screen shows it. `results` is absent while results are hidden from that audience.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PollView {
    pub question: String,
    pub options: Vec<PollOption>,
    pub multiple: bool,
    pub max_choices: u32,
    pub allow_change: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<PollResults>,
}

/// `counts[i]` belongs to `options[i]`; `voters` is the number of participants who voted (the
/// denominator for percentages, also when several options may be picked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollResults {
    pub voters: u64,
    pub counts: Vec<u64>,
    /// Ids of the options marked correct (none for an opinion poll).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correct: Vec<u32>,
}

impl Poll {
    pub fn new(spec: &PollSpec) -> Result<Self, Rejection> {
        let mut poll = Poll {
            question: String::new(),
            options: Vec::new(),
            multiple: false,
            max_choices: 1,
            allow_change: true,
            correct: BTreeSet::new(),
            next_option_id: 0,
            ballots: BTreeMap::new(),
            counts: BTreeMap::new(),
        };
        poll.edit(spec)?;
        Ok(poll)
    }

    /// Applies a new spec. Options named by id keep their votes; options left out are removed
    /// together with the votes for them (a ballot left empty is withdrawn).
    pub fn edit(&mut self, spec: &PollSpec) -> Result<(), Rejection> {
        let question = clean_text(&spec.question, MAX_QUESTION_CHARS, "the question")?;
        let mut next_id = self.next_option_id;
        let options = edit_options(
            &spec.options,
            &self.options,
            &mut next_id,
            (MIN_OPTIONS, MAX_OPTIONS),
        )?;
        let max_choices = if spec.multiple {
            let all = options.len() as u32;
            match spec.max_choices {
                Some(0) => {
                    return reject(
                        RejectCode::InvalidActivity,
                        "max_choices must be at least 1",
                    );
                }
                Some(n) => n.min(all),
                None => all,
            }
        } else {
            1
        };
        if spec.correct.iter().any(|i| *i >= options.len()) {
            return reject(
                RejectCode::InvalidActivity,
                "a correct option is named by a position past the last option",
            );
        }
        self.correct = spec.correct.iter().map(|i| options[*i].id).collect();
        // Everything is valid: commit the edit.
        self.question = question;
        self.options = options;
        self.multiple = spec.multiple;
        self.max_choices = max_choices;
        self.allow_change = spec.allow_change;
        self.next_option_id = next_id;
        let live: BTreeSet<u32> = self.options.iter().map(|o| o.id).collect();
        self.ballots.retain(|_, choices| {
            choices.retain(|id| live.contains(id));
            !choices.is_empty()
        });
        self.recount();
        Ok(())
    }

    pub fn apply(
        &mut self,
        command: &AnswerCommand,
        cx: &AnswerContext,
    ) -> Result<Outcome, Rejection> {
        let AnswerCommand::Vote { activity, options } = command;
        self.vote(cx.who, options)?;
        Ok(Outcome::Answered(*activity))
    }

    pub fn vote(&mut self, who: ParticipantId, choices: &[u32]) -> Result<(), Rejection> {
        if choices.is_empty() {
            return reject(RejectCode::NoChoice, "pick at least one option");
        }
        if choices.len() as u32 > self.max_choices {
            return reject(
                RejectCode::TooManyChoices,
                format!("at most {} options may be picked", self.max_choices),
            );
        }
        let mut unique = BTreeSet::new();
        for id in choices {
            if !self.options.iter().any(|o| o.id == *id) {
                return reject(
                    RejectCode::OptionNotFound,
                    format!("option {id} is not in this poll"),
                );
            }
            if !unique.insert(*id) {
                return reject(
                    RejectCode::DuplicateOption,
                    format!("option {id} is picked twice"),
                );
            }
        }
        let ballot: Vec<u32> = unique.into_iter().collect();
        // One walk down the ballots (thousands of them in a big room) finds and replaces a vote.
        let counts = &mut self.counts;
        let ballot = match self.ballots.entry(who) {
            std::collections::btree_map::Entry::Occupied(mut held) => {
                if !self.allow_change {
                    return reject(
                        RejectCode::AlreadyVoted,
                        "you have already voted in this poll",
                    );
                }
                for id in &held.insert(ballot) {
                    if let Some(count) = counts.get_mut(id) {
                        *count -= 1;
                    }
                }
                held.into_mut()
            }
            std::collections::btree_map::Entry::Vacant(place) => place.insert(ballot),
        };
        for id in ballot.iter() {
            *counts.entry(*id).or_insert(0) += 1;
        }
        Ok(())
    }

    /// Forgets every vote (a new round), keeping the question and options.
    pub fn clear(&mut self) {
        self.ballots.clear();
        self.counts.clear();
    }

    pub fn ballot(&self, who: &ParticipantId) -> Option<&[u32]> {
        self.ballots.get(who).map(Vec::as_slice)
    }

    pub fn responses(&self) -> u64 {
        self.ballots.len() as u64
    }

    pub fn view(&self, audience: Audience, results_shown: bool) -> PollView {
        let results = (results_shown || audience == Audience::Host).then(|| self.results());
        PollView {
            question: self.question.clone(),
            options: self.options.clone(),
            multiple: self.multiple,
            max_choices: self.max_choices,
            allow_change: self.allow_change,
            results,
        }
    }

    pub fn results(&self) -> PollResults {
        PollResults {
            voters: self.responses(),
            counts: self
                .options
                .iter()
                .map(|o| self.counts.get(&o.id).copied().unwrap_or(0))
                .collect(),
            correct: self.correct.iter().copied().collect(),
        }
    }

    /// Counts from scratch, from the ballots alone.
    pub fn recount_from_ballots(&self) -> BTreeMap<u32, u64> {
        let mut counts = BTreeMap::new();
        for ballot in self.ballots.values() {
            for id in ballot {
                *counts.entry(*id).or_insert(0) += 1;
            }
        }
        counts
    }

    /// The incremental counts, without zero entries, for comparison with a recount.
    pub fn live_counts(&self) -> BTreeMap<u32, u64> {
        self.counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, v)| (*k, *v))
            .collect()
    }

    pub fn spec(&self) -> PollSpec {
        PollSpec {
            question: self.question.clone(),
            options: self
                .options
                .iter()
                .map(|o| OptionSpec::Keep {
                    id: Some(o.id),
                    text: o.text.clone(),
                })
                .collect(),
            multiple: self.multiple,
            max_choices: self.multiple.then_some(self.max_choices),
            allow_change: self.allow_change,
            correct: self
                .options
                .iter()
                .enumerate()
                .filter(|(_, o)| self.correct.contains(&o.id))
                .map(|(i, _)| i)
                .collect(),
        }
    }

    fn recount(&mut self) {
        self.counts = self.recount_from_ballots();
    }
}

/// Options as every kind with options edits them (polls, rankings, points, quizzes): `{id, text}`
/// keeps an option (and what was given for it), a plain text adds one with the next id; between
/// `range.0` and `range.1` options, no text twice (case-folded).
pub(crate) fn edit_options(
    specs: &[OptionSpec],
    existing: &[PollOption],
    next_id: &mut u32,
    range: (usize, usize),
) -> Result<Vec<PollOption>, Rejection> {
    if specs.len() < range.0 || specs.len() > range.1 {
        return reject(
            RejectCode::InvalidActivity,
            format!(
                "{} to {} options are needed; {} given",
                range.0,
                range.1,
                specs.len()
            ),
        );
    }
    let mut options = Vec::with_capacity(specs.len());
    let mut kept = BTreeSet::new();
    let mut texts = BTreeSet::new();
    for spec in specs {
        let (id, raw) = match spec {
            OptionSpec::Text(text) | OptionSpec::Keep { id: None, text } => (None, text),
            OptionSpec::Keep { id: Some(id), text } => (Some(*id), text),
        };
        let text = clean_text(raw, MAX_OPTION_CHARS, "an option")?;
        if !texts.insert(text.to_lowercase()) {
            return reject(
                RejectCode::InvalidActivity,
                format!("the option \"{text}\" is listed twice"),
            );
        }
        let id = match id {
            Some(id) if existing.iter().any(|o| o.id == id) && kept.insert(id) => id,
            Some(id) => {
                return reject(
                    RejectCode::OptionNotFound,
                    format!("option {id} is not here"),
                );
            }
            None => {
                *next_id += 1;
                *next_id - 1
            }
        };
        options.push(PollOption { id, text });
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid(n: u128) -> ParticipantId {
        ParticipantId(uuid::Uuid::from_u128(n))
    }

    fn spec(options: &[&str]) -> PollSpec {
        PollSpec {
            question: "Which topic?".into(),
            options: options
                .iter()
                .map(|t| OptionSpec::Text(t.to_string()))
                .collect(),
            multiple: false,
            max_choices: None,
            allow_change: true,
            correct: Vec::new(),
        }
    }

    #[test]
    fn correct_options_are_marked_and_shown_with_the_results() {
        let mut s = spec(&["Cardiff", "Leeds"]);
        s.correct = vec![0];
        let mut poll = Poll::new(&s).unwrap();
        poll.vote(pid(1), &[1]).unwrap();
        assert!(poll.view(Audience::Participant, false).results.is_none());
        assert_eq!(
            poll.view(Audience::Presenter, true)
                .results
                .unwrap()
                .correct,
            vec![0]
        );
        assert_eq!(poll.spec().correct, vec![0]);
        s.correct = vec![2];
        assert_eq!(Poll::new(&s).unwrap_err().code, RejectCode::InvalidActivity);
    }

    #[test]
    fn needs_two_to_thirty_distinct_options() {
        assert_eq!(
            Poll::new(&spec(&["only"])).unwrap_err().code,
            RejectCode::InvalidActivity
        );
        let many: Vec<String> = (0..31).map(|i| format!("o{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            Poll::new(&spec(&many)).unwrap_err().code,
            RejectCode::InvalidActivity
        );
        assert_eq!(
            Poll::new(&spec(&["Yes", "yes "])).unwrap_err().code,
            RejectCode::InvalidActivity
        );
        assert!(Poll::new(&spec(&many[..30])).is_ok());
    }

    #[test]
    fn changing_a_vote_moves_the_count() {
        let mut poll = Poll::new(&spec(&["A", "B"])).unwrap();
        poll.vote(pid(1), &[0]).unwrap();
        poll.vote(pid(2), &[0]).unwrap();
        poll.vote(pid(1), &[1]).unwrap();
        assert_eq!(poll.results().counts, vec![1, 1]);
        assert_eq!(poll.results().voters, 2);
    }

    #[test]
    fn without_changes_a_second_vote_is_already_voted() {
        let mut s = spec(&["A", "B"]);
        s.allow_change = false;
        let mut poll = Poll::new(&s).unwrap();
        poll.vote(pid(1), &[0]).unwrap();
        assert_eq!(
            poll.vote(pid(1), &[1]).unwrap_err().code,
            RejectCode::AlreadyVoted
        );
        assert_eq!(poll.results().counts, vec![1, 0]);
    }

    #[test]
    fn multiple_choice_respects_the_maximum_and_rejects_duplicates() {
        let mut s = spec(&["A", "B", "C"]);
        s.multiple = true;
        s.max_choices = Some(2);
        let mut poll = Poll::new(&s).unwrap();
        assert_eq!(
            poll.vote(pid(1), &[0, 1, 2]).unwrap_err().code,
            RejectCode::TooManyChoices
        );
        assert_eq!(
            poll.vote(pid(1), &[0, 0]).unwrap_err().code,
            RejectCode::DuplicateOption
        );
        assert_eq!(
            poll.vote(pid(1), &[7]).unwrap_err().code,
            RejectCode::OptionNotFound
        );
        assert_eq!(
            poll.vote(pid(1), &[]).unwrap_err().code,
            RejectCode::NoChoice
        );
        poll.vote(pid(1), &[0, 2]).unwrap();
        assert_eq!(poll.results().counts, vec![1, 0, 1]);
        assert_eq!(poll.results().voters, 1);
    }

    #[test]
    fn single_choice_takes_one_option() {
        let mut poll = Poll::new(&spec(&["A", "B"])).unwrap();
        assert_eq!(
            poll.vote(pid(1), &[0, 1]).unwrap_err().code,
            RejectCode::TooManyChoices
        );
    }

    #[test]
    fn editing_keeps_votes_of_kept_options_and_drops_removed_ones() {
        let mut poll = Poll::new(&spec(&["A", "B", "C"])).unwrap();
        poll.vote(pid(1), &[0]).unwrap();
        poll.vote(pid(2), &[1]).unwrap();
        let edit = PollSpec {
            options: vec![
                OptionSpec::Keep {
                    id: Some(1),
                    text: "B (renamed)".into(),
                },
                OptionSpec::Text("D".into()),
            ],
            ..spec(&[])
        };
        poll.edit(&edit).unwrap();
        let view = poll.view(Audience::Host, false);
        assert_eq!(
            view.options[0],
            PollOption {
                id: 1,
                text: "B (renamed)".into()
            }
        );
        assert_eq!(view.options[1].id, 3, "new options never reuse an id");
        assert_eq!(view.results.unwrap().counts, vec![1, 0]);
        assert!(
            poll.ballot(&pid(1)).is_none(),
            "a ballot left empty is withdrawn"
        );
    }

    #[test]
    fn results_are_hidden_from_the_audience_until_shown() {
        let poll = Poll::new(&spec(&["A", "B"])).unwrap();
        assert!(poll.view(Audience::Presenter, false).results.is_none());
        assert!(poll.view(Audience::Participant, false).results.is_none());
        assert!(poll.view(Audience::Host, false).results.is_some());
        assert!(poll.view(Audience::Presenter, true).results.is_some());
    }
}
