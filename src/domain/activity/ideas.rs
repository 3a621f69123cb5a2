//! Ideas: brainstorm, then vote. Phase one collects short suggestions; between the phases the
//! facilitator hides off-topic items and merges duplicates (votes and authors combine); phase two
//! gives every participant a budget of dot-votes. Per-idea totals are kept incrementally so a vote
//! costs the size of one ballot, not a recount of the room.

use super::AnswerContext;
use super::Audience;
use crate::domain::{
    ActivityId, Outcome, ParticipantId, RejectCode, Rejection, clean_text, reject,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_PROMPT_CHARS: usize = 300;
pub const MAX_IDEA_CHARS: usize = 200;
/// Ideas one activity holds at most, so one activity's view stays a screenful, not a flood.
pub const MAX_IDEAS: usize = 2_000;
pub const MAX_SUBMISSIONS_PER_PARTICIPANT: u32 = 20;
pub const MAX_DOTS: u32 = 20;

fn three() -> u32 {
    3
}
fn one() -> u32 {
    1
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdeasSpec {
    pub prompt: String,
    /// Suggestions one participant may submit (default 3).
    #[serde(default = "three")]
    pub max_per_participant: u32,
    /// Dot-votes each participant spends in the voting phase (default 3).
    #[serde(default = "three")]
    pub dots: u32,
    /// Dots one participant may put on one idea (default 1).
    #[serde(default = "one")]
    pub max_dots_per_item: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdeasPhase {
    Collect,
    Vote,
}

/// What a participant sends: a suggestion (collect phase) or their whole dot ballot (vote phase;
/// an idea once per dot, `[]` withdraws every dot).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerCommand {
    SubmitIdea {
        activity: ActivityId,
        text: String,
    },
    DotVote {
        activity: ActivityId,
        ideas: Vec<u32>,
    },
}

/// What the facilitator does with the suggestions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HostCommand {
    SetIdeasPhase {
        activity: ActivityId,
        phase: IdeasPhase,
    },
    HideIdea {
        activity: ActivityId,
        idea: u32,
        hidden: bool,
    },
    MergeIdeas {
        activity: ActivityId,
        from: u32,
        into: u32,
    },
    /// Undoes a merge: the idea stands on its own again, with its authors and the dots it
    /// brought (as far as they are still there).
    UnmergeIdea { activity: ActivityId, idea: u32 },
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Idea {
    id: u32,
    text: String,
    authors: Vec<ParticipantId>,
    hidden: bool,
    merged_into: Option<u32>,
    /// What the merge of this idea did to the one it went into, so that it can be undone: the
    /// authors it added there, and the dots it moved there per participant.
    merge_added_authors: Vec<ParticipantId>,
    merge_moved_dots: BTreeMap<ParticipantId, u32>,
}

impl Idea {
    fn is_visible(&self) -> bool {
        !self.hidden && self.merged_into.is_none()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ideas {
    prompt: String,
    max_per_participant: u32,
    dots: u32,
    max_dots_per_item: u32,
    phase: IdeasPhase,
    ideas: Vec<Idea>,
    submitted: BTreeMap<ParticipantId, Vec<u32>>,
    ballots: BTreeMap<ParticipantId, BTreeMap<u32, u32>>,
    votes: BTreeMap<u32, u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdeasView {
    pub prompt: String,
    pub phase: IdeasPhase,
    pub max_per_participant: u32,
    pub dots: u32,
    pub max_dots_per_item: u32,
    /// Number of visible ideas (also when the list itself is withheld).
    pub count: u64,
    /// Withheld from the audience while results are hidden in the collect phase. In the vote phase
    /// everyone gets the list (they vote on it); with votes when results are shown, ranked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ideas: Option<Vec<IdeaView>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdeaView {
    pub id: u32,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub votes: Option<u64>,
    /// Host only: how many people this idea came from (more than one after a merge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authors: Option<u32>,
    /// Host only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// Host only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<u32>,
    /// The wordings merged into this one (each shown under it, so nobody's words disappear);
    /// hidden ones only for the host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<MergedWording>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedWording {
    pub id: u32,
    pub text: String,
}

/// One participant's part: what they suggested and where their dots are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdeasAnswer {
    pub submitted: Vec<IdeaView>,
    pub dots: Vec<u32>,
}

impl Ideas {
    pub fn new(spec: &IdeasSpec) -> Result<Self, Rejection> {
        let mut ideas = Ideas {
            prompt: String::new(),
            max_per_participant: 3,
            dots: 3,
            max_dots_per_item: 1,
            phase: IdeasPhase::Collect,
            ideas: Vec::new(),
            submitted: BTreeMap::new(),
            ballots: BTreeMap::new(),
            votes: BTreeMap::new(),
        };
        ideas.edit(spec)?;
        Ok(ideas)
    }

    /// Changes the prompt and limits. Lowering a limit does not take back what was already
    /// submitted or spent; it applies to what comes next.
    pub fn edit(&mut self, spec: &IdeasSpec) -> Result<(), Rejection> {
        let prompt = clean_text(&spec.prompt, MAX_PROMPT_CHARS, "the prompt")?;
        if !(1..=MAX_SUBMISSIONS_PER_PARTICIPANT).contains(&spec.max_per_participant) {
            return reject(
                RejectCode::InvalidActivity,
                format!("max_per_participant must be 1 to {MAX_SUBMISSIONS_PER_PARTICIPANT}"),
            );
        }
        if !(1..=MAX_DOTS).contains(&spec.dots) {
            return reject(
                RejectCode::InvalidActivity,
                format!("dots must be 1 to {MAX_DOTS}"),
            );
        }
        if !(1..=spec.dots).contains(&spec.max_dots_per_item) {
            return reject(
                RejectCode::InvalidActivity,
                "max_dots_per_item must be 1 to the number of dots",
            );
        }
        self.prompt = prompt;
        self.max_per_participant = spec.max_per_participant;
        self.dots = spec.dots;
        self.max_dots_per_item = spec.max_dots_per_item;
        Ok(())
    }

    pub fn spec(&self) -> IdeasSpec {
        IdeasSpec {
            prompt: self.prompt.clone(),
            max_per_participant: self.max_per_participant,
            dots: self.dots,
            max_dots_per_item: self.max_dots_per_item,
        }
    }

    /// Forgets every suggestion and dot (a new round) and goes back to collecting.
    pub fn clear(&mut self) {
        self.ideas.clear();
        self.submitted.clear();
        self.ballots.clear();
        self.votes.clear();
        self.phase = IdeasPhase::Collect;
    }

    pub fn apply(
        &mut self,
        command: &AnswerCommand,
        cx: &AnswerContext,
    ) -> Result<Outcome, Rejection> {
        match command {
            AnswerCommand::SubmitIdea { activity, text } => {
                let idea = self.submit(cx.who, text)?;
                Ok(Outcome::IdeaAdded {
                    activity: *activity,
                    idea,
                })
            }
            AnswerCommand::DotVote { activity, ideas } => {
                self.dot_vote(cx.who, ideas)?;
                Ok(Outcome::Answered(*activity))
            }
        }
    }

    pub fn control(&mut self, command: &HostCommand) -> Result<(), Rejection> {
        match command {
            HostCommand::SetIdeasPhase { phase, .. } => {
                self.set_phase(*phase);
                Ok(())
            }
            HostCommand::HideIdea { idea, hidden, .. } => self.hide(*idea, *hidden),
            HostCommand::MergeIdeas { from, into, .. } => self.merge(*from, *into),
            HostCommand::UnmergeIdea { idea, .. } => self.unmerge(*idea),
        }
    }

    pub fn set_phase(&mut self, phase: IdeasPhase) {
        self.phase = phase;
    }

    pub fn submit(&mut self, who: ParticipantId, text: &str) -> Result<u32, Rejection> {
        if self.phase != IdeasPhase::Collect {
            return reject(
                RejectCode::WrongPhase,
                "suggestions are closed: this activity is in its voting phase",
            );
        }
        let text = clean_text(text, MAX_IDEA_CHARS, "the suggestion")?;
        let mine = self.submitted.get(&who).map(Vec::as_slice).unwrap_or(&[]);
        if mine.len() as u32 >= self.max_per_participant {
            return reject(
                RejectCode::TooManySubmissions,
                format!(
                    "you have made all {} suggestions allowed",
                    self.max_per_participant
                ),
            );
        }
        let folded = text.to_lowercase();
        if mine
            .iter()
            .any(|id| self.ideas[*id as usize].text.to_lowercase() == folded)
        {
            return reject(
                RejectCode::DuplicateSubmission,
                "you have already suggested that",
            );
        }
        if self.ideas.len() >= MAX_IDEAS {
            return reject(
                RejectCode::TooManySubmissions,
                format!("this activity is full ({MAX_IDEAS} suggestions)"),
            );
        }
        // Ids are indexes into `ideas`, which never shrinks: merged and hidden ideas stay.
        let id = self.ideas.len() as u32;
        self.ideas.push(Idea {
            id,
            text,
            authors: vec![who],
            hidden: false,
            merged_into: None,
            merge_added_authors: Vec::new(),
            merge_moved_dots: BTreeMap::new(),
        });
        self.submitted.entry(who).or_default().push(id);
        Ok(id)
    }

    /// Replaces the participant's whole dot ballot: `ideas` lists an idea once per dot. An empty
    /// list withdraws every dot.
    pub fn dot_vote(&mut self, who: ParticipantId, ideas: &[u32]) -> Result<(), Rejection> {
        if self.phase != IdeasPhase::Vote {
            return reject(
                RejectCode::WrongPhase,
                "voting on suggestions has not started yet",
            );
        }
        if ideas.len() as u32 > self.dots {
            return reject(
                RejectCode::TooManyDots,
                format!("you have {} dots to spend", self.dots),
            );
        }
        let mut ballot: BTreeMap<u32, u32> = BTreeMap::new();
        for id in ideas {
            let idea = self.idea(*id)?;
            if !idea.is_visible() {
                return reject(
                    RejectCode::IdeaHidden,
                    format!("idea {id} is hidden or merged"),
                );
            }
            let dots = ballot.entry(*id).or_insert(0);
            *dots += 1;
            if *dots > self.max_dots_per_item {
                return reject(
                    RejectCode::TooManyDotsPerItem,
                    format!("at most {} dots per idea", self.max_dots_per_item),
                );
            }
        }
        self.withdraw_ballot(&who);
        for (id, dots) in &ballot {
            *self.votes.entry(*id).or_insert(0) += u64::from(*dots);
        }
        if !ballot.is_empty() {
            self.ballots.insert(who, ballot);
        }
        Ok(())
    }

    pub fn hide(&mut self, id: u32, hidden: bool) -> Result<(), Rejection> {
        let idea = self.idea(id)?;
        if idea.merged_into.is_some() {
            return reject(
                RejectCode::IdeaHidden,
                format!("idea {id} was merged into another"),
            );
        }
        self.ideas[id as usize].hidden = hidden;
        Ok(())
    }

    /// Folds `from` into `into`: the authors join, every dot on `from` moves to `into`, and `from`
    /// disappears from the audience's view for good. A ballot holds at most `max_dots_per_item`
    /// on `into` afterwards: someone who had dots on both keeps the allowed number on the merged
    /// idea and gets the rest back to spend again (their phone is sent a fresh `me`).
    pub fn merge(&mut self, from: u32, into: u32) -> Result<(), Rejection> {
        if from == into {
            return reject(RejectCode::SameIdea, "an idea cannot be merged into itself");
        }
        for id in [from, into] {
            if self.idea(id)?.merged_into.is_some() {
                return reject(
                    RejectCode::IdeaHidden,
                    format!("idea {id} was already merged into another"),
                );
            }
        }
        let moved_authors = self.ideas[from as usize].authors.clone();
        let target = &mut self.ideas[into as usize];
        let mut added = Vec::new();
        for author in moved_authors {
            if !target.authors.contains(&author) {
                target.authors.push(author);
                added.push(author);
            }
        }
        let cap = self.max_dots_per_item;
        let mut moved = BTreeMap::new();
        for (who, ballot) in self.ballots.iter_mut() {
            if let Some(dots) = ballot.remove(&from) {
                let kept = ballot.entry(into).or_insert(0);
                let before = *kept;
                // Dots already over the cap (the limit was lowered later) are left as they were.
                *kept = (*kept + dots).min(cap.max(*kept));
                if *kept > before {
                    moved.insert(*who, *kept - before);
                }
            }
        }
        let merged = &mut self.ideas[from as usize];
        merged.merged_into = Some(into);
        merged.merge_added_authors = added;
        merged.merge_moved_dots = moved;
        self.votes.remove(&from);
        self.recount(into);
        Ok(())
    }

    fn recount(&mut self, id: u32) {
        let total: u64 = self
            .ballots
            .values()
            .filter_map(|ballot| ballot.get(&id))
            .map(|dots| u64::from(*dots))
            .sum();
        if total > 0 {
            self.votes.insert(id, total);
        } else {
            self.votes.remove(&id);
        }
    }

    /// Undoes the merge of `id`. Its dots come back from the idea it went into (those still
    /// there: a participant may have taken some back since), and so do its authors. Refused
    /// while the idea it went into is itself merged (undo that first).
    pub fn unmerge(&mut self, id: u32) -> Result<(), Rejection> {
        let Some(into) = self.idea(id)?.merged_into else {
            return reject(
                RejectCode::IdeaNotFound,
                format!("idea {id} was not merged into another"),
            );
        };
        if self.idea(into)?.merged_into.is_some() {
            return reject(
                RejectCode::IdeaHidden,
                format!("idea {into} was merged since: undo that merge first"),
            );
        }
        let idea = &mut self.ideas[id as usize];
        idea.merged_into = None;
        let added = std::mem::take(&mut idea.merge_added_authors);
        let moved = std::mem::take(&mut idea.merge_moved_dots);
        let target = &mut self.ideas[into as usize];
        target.authors.retain(|a| !added.contains(a));
        for (who, dots) in moved {
            if let Some(ballot) = self.ballots.get_mut(&who) {
                let back = ballot.get(&into).copied().unwrap_or(0).min(dots);
                if back > 0 {
                    if let Some(kept) = ballot.get_mut(&into) {
                        *kept -= back;
                        if *kept == 0 {
                            ballot.remove(&into);
                        }
                    }
                    ballot.insert(id, back);
                }
            }
        }
        self.recount(into);
        self.recount(id);
        Ok(())
    }

    #[cfg(test)]
    fn tallies_match(&self) -> bool {
        self.live_counts() == self.recount_from_ballots()
    }

    /// The wordings merged straight into `id`, oldest first.
    fn merged_into_this(&self, id: u32, host: bool) -> Vec<MergedWording> {
        self.ideas
            .iter()
            .filter(|i| i.merged_into == Some(id) && (host || !i.hidden))
            .map(|i| MergedWording {
                id: i.id,
                text: i.text.clone(),
            })
            .collect()
    }

    pub fn responses(&self) -> u64 {
        match self.phase {
            IdeasPhase::Collect => self.submitted.len() as u64,
            IdeasPhase::Vote => self.ballots.len() as u64,
        }
    }

    pub fn answer(&self, who: &ParticipantId) -> Option<IdeasAnswer> {
        let submitted = self.submitted.get(who);
        let ballot = self.ballots.get(who);
        if submitted.is_none() && ballot.is_none() {
            return None;
        }
        Some(IdeasAnswer {
            submitted: submitted
                .into_iter()
                .flatten()
                .map(|id| {
                    let idea = &self.ideas[*id as usize];
                    IdeaView {
                        id: idea.id,
                        text: idea.text.clone(),
                        votes: None,
                        authors: None,
                        // Authors learn that the facilitator hid (or merged) their suggestion.
                        hidden: idea.hidden,
                        merged_into: idea.merged_into,
                        merged: Vec::new(),
                    }
                })
                .collect(),
            dots: ballot
                .into_iter()
                .flatten()
                .flat_map(|(id, n)| std::iter::repeat_n(*id, *n as usize))
                .collect(),
        })
    }

    pub fn view(&self, audience: Audience, results_shown: bool) -> IdeasView {
        let host = audience == Audience::Host;
        let show_votes = host || (results_shown && self.phase == IdeasPhase::Vote);
        let show_list = host || results_shown || self.phase == IdeasPhase::Vote;
        let count = self.ideas.iter().filter(|i| i.is_visible()).count() as u64;
        let ideas = show_list.then(|| {
            let mut list: Vec<IdeaView> = self
                .ideas
                .iter()
                .filter(|idea| host || idea.is_visible())
                .map(|idea| IdeaView {
                    id: idea.id,
                    text: idea.text.clone(),
                    votes: show_votes.then(|| self.votes_for(idea.id)),
                    authors: host.then_some(idea.authors.len() as u32),
                    hidden: host && idea.hidden,
                    merged_into: if host { idea.merged_into } else { None },
                    merged: self.merged_into_this(idea.id, host),
                })
                .collect();
            if show_votes && self.phase == IdeasPhase::Vote {
                // Ranked: most votes first, earlier suggestions first among equals.
                list.sort_by(|a, b| b.votes.cmp(&a.votes).then(a.id.cmp(&b.id)));
            }
            list
        });
        IdeasView {
            prompt: self.prompt.clone(),
            phase: self.phase,
            max_per_participant: self.max_per_participant,
            dots: self.dots,
            max_dots_per_item: self.max_dots_per_item,
            count,
            ideas,
        }
    }

    pub fn votes_for(&self, id: u32) -> u64 {
        self.votes.get(&id).copied().unwrap_or(0)
    }

    /// Votes per idea counted from scratch from the ballots, for checking the running totals.
    pub fn recount_from_ballots(&self) -> BTreeMap<u32, u64> {
        let mut votes = BTreeMap::new();
        for ballot in self.ballots.values() {
            for (id, dots) in ballot {
                *votes.entry(*id).or_insert(0) += u64::from(*dots);
            }
        }
        votes
    }

    pub fn live_counts(&self) -> BTreeMap<u32, u64> {
        self.votes
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, v)| (*k, *v))
            .collect()
    }

    fn withdraw_ballot(&mut self, who: &ParticipantId) {
        if let Some(old) = self.ballots.remove(who) {
            for (id, dots) in old {
                if let Some(total) = self.votes.get_mut(&id) {
                    *total -= u64::from(dots);
                }
            }
        }
    }

    fn idea(&self, id: u32) -> Result<&Idea, Rejection> {
        match self.ideas.get(id as usize) {
            Some(idea) => Ok(idea),
            None => reject(
                RejectCode::IdeaNotFound,
                format!("idea {id} is not in this activity"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid(n: u128) -> ParticipantId {
        ParticipantId(uuid::Uuid::from_u128(n))
    }

    fn ideas() -> Ideas {
        Ideas::new(&IdeasSpec {
            prompt: "What do you want to work on today?".into(),
            max_per_participant: 2,
            dots: 3,
            max_dots_per_item: 1,
        })
        .unwrap()
    }

    #[test]
    fn submissions_are_limited_per_participant_and_in_length() {
        let mut act = ideas();
        act.submit(pid(1), "Repairs engagement").unwrap();
        assert_eq!(
            act.submit(pid(1), "repairs  ENGAGEMENT").unwrap_err().code,
            RejectCode::DuplicateSubmission
        );
        act.submit(pid(1), "Damp and mould").unwrap();
        assert_eq!(
            act.submit(pid(1), "A third").unwrap_err().code,
            RejectCode::TooManySubmissions
        );
        assert_eq!(
            act.submit(pid(2), &"x".repeat(201)).unwrap_err().code,
            RejectCode::TextTooLong
        );
        act.submit(pid(2), &"x".repeat(200)).unwrap();
    }

    #[test]
    fn phases_gate_submitting_and_voting() {
        let mut act = ideas();
        let id = act.submit(pid(1), "Repairs").unwrap();
        assert_eq!(
            act.dot_vote(pid(2), &[id]).unwrap_err().code,
            RejectCode::WrongPhase
        );
        act.set_phase(IdeasPhase::Vote);
        assert_eq!(
            act.submit(pid(2), "Late idea").unwrap_err().code,
            RejectCode::WrongPhase
        );
        act.dot_vote(pid(2), &[id]).unwrap();
        assert_eq!(act.votes_for(id), 1);
    }

    #[test]
    fn dot_budget_and_per_item_limit_hold_and_a_new_ballot_replaces_the_old() {
        let mut act = ideas();
        let a = act.submit(pid(1), "A").unwrap();
        let b = act.submit(pid(1), "B").unwrap();
        let c = act.submit(pid(2), "C").unwrap();
        let d = act.submit(pid(2), "D").unwrap();
        act.set_phase(IdeasPhase::Vote);
        assert_eq!(
            act.dot_vote(pid(3), &[a, b, c, d]).unwrap_err().code,
            RejectCode::TooManyDots
        );
        assert_eq!(
            act.dot_vote(pid(3), &[a, a]).unwrap_err().code,
            RejectCode::TooManyDotsPerItem
        );
        assert_eq!(
            act.dot_vote(pid(3), &[99]).unwrap_err().code,
            RejectCode::IdeaNotFound
        );
        act.dot_vote(pid(3), &[a, b, c]).unwrap();
        act.dot_vote(pid(3), &[d]).unwrap();
        assert_eq!(
            (act.votes_for(a), act.votes_for(b), act.votes_for(d)),
            (0, 0, 1)
        );
        assert_eq!(act.answer(&pid(3)).unwrap().dots, vec![d]);
    }

    #[test]
    fn a_merge_keeps_the_merged_wording_and_can_be_undone() {
        let mut act = Ideas::new(&IdeasSpec {
            prompt: "Topics?".into(),
            max_per_participant: 2,
            dots: 3,
            max_dots_per_item: 2,
        })
        .unwrap();
        let repairs = act.submit(pid(1), "Repairs engagement").unwrap();
        let team = act
            .submit(pid(2), "Getting the repairs team involved")
            .unwrap();
        let other = act.submit(pid(3), "Damp").unwrap();
        act.set_phase(IdeasPhase::Vote);
        act.dot_vote(pid(4), &[team, team]).unwrap();
        act.dot_vote(pid(5), &[repairs, team]).unwrap();
        let before = act.clone();
        act.merge(team, repairs).unwrap();
        assert_eq!(act.votes_for(repairs), 4);
        // The merged wording shows under the survivor, for everyone.
        let view = act.view(Audience::Presenter, true);
        let shown = view.ideas.unwrap();
        let survivor = shown.iter().find(|i| i.id == repairs).unwrap();
        assert_eq!(
            survivor.merged,
            vec![MergedWording {
                id: team,
                text: "Getting the repairs team involved".into()
            }]
        );
        assert!(shown.iter().all(|i| i.id != team));
        // Undone: votes, authors and the list are as they were.
        act.unmerge(team).unwrap();
        assert_eq!(act, before);
        assert!(act.tallies_match());
        // Only a merged idea can be unmerged, and a chain is undone from its end.
        assert_eq!(
            act.unmerge(team).unwrap_err().code,
            RejectCode::IdeaNotFound
        );
        act.merge(team, repairs).unwrap();
        act.merge(repairs, other).unwrap();
        assert_eq!(act.unmerge(team).unwrap_err().code, RejectCode::IdeaHidden);
        act.unmerge(repairs).unwrap();
        act.unmerge(team).unwrap();
        assert_eq!(act, before);
        // Dots taken back after the merge are not brought back twice.
        act.merge(team, repairs).unwrap();
        act.dot_vote(pid(4), &[other]).unwrap();
        act.unmerge(team).unwrap();
        assert_eq!((act.votes_for(team), act.votes_for(repairs)), (1, 1));
        assert!(act.tallies_match());
    }

    #[test]
    fn merging_combines_votes_and_authors_and_hides_the_merged_idea() {
        let mut act = ideas();
        let repairs = act.submit(pid(1), "repairs engagement").unwrap();
        let team = act.submit(pid(2), "getting repairs team involved").unwrap();
        act.set_phase(IdeasPhase::Vote);
        act.dot_vote(pid(3), &[repairs]).unwrap();
        act.dot_vote(pid(4), &[team]).unwrap();
        act.dot_vote(pid(5), &[repairs, team]).unwrap();
        act.merge(team, repairs).unwrap();
        // pid 5 had a dot on each; one dot per idea is allowed, so one comes back to them.
        assert_eq!(act.votes_for(repairs), 3);
        assert_eq!(act.answer(&pid(5)).unwrap().dots, vec![repairs]);
        assert_eq!(act.answer(&pid(4)).unwrap().dots, vec![repairs]);
        assert_eq!(act.recount_from_ballots(), act.live_counts());
        // The ballot the phone now holds is one it can send again, plus the returned dot.
        let other = act.ideas.len() as u32;
        act.set_phase(IdeasPhase::Collect);
        act.submit(pid(7), "damp").unwrap();
        act.set_phase(IdeasPhase::Vote);
        act.dot_vote(pid(5), &[repairs, other]).unwrap();
        let host = act.view(Audience::Host, true);
        let merged = host
            .ideas
            .as_ref()
            .unwrap()
            .iter()
            .find(|i| i.id == repairs)
            .unwrap();
        assert_eq!(merged.authors, Some(2));
        let public = act.view(Audience::Presenter, true);
        let list = public.ideas.unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!((list[0].id, list[0].votes), (repairs, Some(3)));
        assert_eq!(
            act.merge(team, repairs).unwrap_err().code,
            RejectCode::IdeaHidden
        );
        assert_eq!(
            act.merge(repairs, repairs).unwrap_err().code,
            RejectCode::SameIdea
        );
        assert_eq!(
            act.dot_vote(pid(6), &[team]).unwrap_err().code,
            RejectCode::IdeaHidden
        );
    }

    #[test]
    fn merging_with_a_higher_per_item_limit_keeps_every_dot_up_to_the_limit() {
        let mut act = Ideas::new(&IdeasSpec {
            prompt: "Topics".into(),
            max_per_participant: 3,
            dots: 5,
            max_dots_per_item: 3,
        })
        .unwrap();
        let a = act.submit(pid(1), "A").unwrap();
        let b = act.submit(pid(1), "B").unwrap();
        act.set_phase(IdeasPhase::Vote);
        act.dot_vote(pid(2), &[a, a, b, b]).unwrap();
        act.dot_vote(pid(3), &[a, b]).unwrap();
        act.merge(b, a).unwrap();
        assert_eq!(act.answer(&pid(2)).unwrap().dots, vec![a, a, a]);
        assert_eq!(act.answer(&pid(3)).unwrap().dots, vec![a, a]);
        assert_eq!(act.votes_for(a), 5);
        assert_eq!(act.recount_from_ballots(), act.live_counts());
    }

    #[test]
    fn an_author_sees_that_their_suggestion_was_hidden() {
        let mut act = ideas();
        let off = act.submit(pid(2), "Off topic").unwrap();
        act.hide(off, true).unwrap();
        assert!(act.answer(&pid(2)).unwrap().submitted[0].hidden);
        act.hide(off, false).unwrap();
        assert!(!act.answer(&pid(2)).unwrap().submitted[0].hidden);
    }

    #[test]
    fn hidden_ideas_leave_the_public_wall_but_not_the_host_view() {
        let mut act = ideas();
        let keep = act.submit(pid(1), "Repairs").unwrap();
        let off = act.submit(pid(2), "Off topic").unwrap();
        act.hide(off, true).unwrap();
        let public = act.view(Audience::Presenter, true).ideas.unwrap();
        assert_eq!(public.iter().map(|i| i.id).collect::<Vec<_>>(), vec![keep]);
        let host = act.view(Audience::Host, false).ideas.unwrap();
        assert!(host.iter().any(|i| i.id == off && i.hidden));
        assert_eq!(act.view(Audience::Presenter, true).count, 1);
    }

    #[test]
    fn the_ranking_puts_most_votes_first() {
        let mut act = ideas();
        let a = act.submit(pid(1), "A").unwrap();
        let b = act.submit(pid(1), "B").unwrap();
        act.set_phase(IdeasPhase::Vote);
        act.dot_vote(pid(2), &[b]).unwrap();
        let ranked = act.view(Audience::Presenter, true).ideas.unwrap();
        assert_eq!(ranked.iter().map(|i| i.id).collect::<Vec<_>>(), vec![b, a]);
        // Hidden results: the list is there to vote on, without votes.
        let hidden = act.view(Audience::Participant, false).ideas.unwrap();
        assert!(hidden.iter().all(|i| i.votes.is_none()));
    }
}
