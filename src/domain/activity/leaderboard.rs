//! Leaderboard: a slide with the top ten scores over every quiz question in the session. The
//! standings are computed by the room (they span activities); this file holds the types.

use crate::domain::{ParticipantId, Rejection, clean_optional_text};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const TOP: usize = 10;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeaderboardSpec {
    #[serde(default)]
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Leaderboard {
    title: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeaderboardView {
    pub title: String,
    /// People with a score.
    pub players: u64,
    /// The top ten, best first; equal scores share a rank.
    pub top: Vec<LeaderboardEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderboardEntry {
    pub rank: u64,
    /// The display name, if the person gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub score: u64,
}

/// A participant's own standing, on their phone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub rank: u64,
    pub score: u64,
    pub players: u64,
}

impl Leaderboard {
    pub fn new(spec: &LeaderboardSpec) -> Result<Self, Rejection> {
        let mut board = Leaderboard {
            title: String::new(),
        };
        board.edit(spec)?;
        Ok(board)
    }

    pub fn edit(&mut self, spec: &LeaderboardSpec) -> Result<(), Rejection> {
        self.title = clean_optional_text(Some(&spec.title), 120, "the title")?.unwrap_or_default();
        Ok(())
    }

    pub fn spec(&self) -> LeaderboardSpec {
        LeaderboardSpec {
            title: self.title.clone(),
        }
    }

    pub fn title(&self) -> &str {
        &self.title
    }
}

/// Standings from total scores: best first, equal scores share a rank, ties listed in participant
/// order (deterministic).
pub fn standings(totals: &BTreeMap<ParticipantId, u64>) -> Vec<(ParticipantId, u64, u64)> {
    let mut list: Vec<(ParticipantId, u64)> = totals.iter().map(|(p, s)| (*p, *s)).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut ranked = Vec::with_capacity(list.len());
    let mut rank = 0;
    let mut previous = None;
    for (i, (who, score)) in list.into_iter().enumerate() {
        if previous != Some(score) {
            rank = i as u64 + 1;
            previous = Some(score);
        }
        ranked.push((who, score, rank));
    }
    ranked
}
