//! Breakout rounds ("nine-minute networking"): everyone present is put in a group of 3 or 4 with
//! talking points and a shared countdown; each later round re-mixes the groups so as few pairs as
//! possible meet again (see `domain::grouping`). Who is present comes in the command (the hub
//! knows who is connected), so the assignment is part of the log and replays exactly.

use super::HostContext;
use super::timer::{Timer, TimerAction, TimerSpec, TimerView};
use crate::domain::grouping::{self, History};
use crate::domain::{
    ActivityId, Millis, ParticipantId, RejectCode, Rejection, clean_optional_text, reject,
};
use serde::{Deserialize, Serialize};

fn nine_minutes() -> u32 {
    540
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupsSpec {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub talking_points: Vec<String>,
    /// Length of each round (default 9 minutes).
    #[serde(default = "nine_minutes")]
    pub duration_secs: u32,
}

/// The facilitator starts a breakout round with everyone connected now. The hub fills in
/// `present` (only it knows who is connected), so the log alone replays the assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HostCommand {
    StartGroups {
        activity: ActivityId,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        present: Vec<ParticipantId>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Groups {
    title: String,
    talking_points: Vec<String>,
    timer: Timer,
    /// Every round so far; the last is the running one.
    rounds: Vec<Vec<Vec<ParticipantId>>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupsView {
    pub title: String,
    pub talking_points: Vec<String>,
    /// The breakout round: 0 before the first. (Not `round`, which every activity's view uses
    /// for its results rounds.)
    pub groups_round: u32,
    pub timer: TimerView,
    /// The current round's groups, numbered from 1, by display name (`null`: no name given).
    pub groups: Vec<GroupView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    pub number: u32,
    pub members: Vec<Option<String>>,
}

/// A participant's own group in the current round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupsAnswer {
    pub round: u32,
    pub group: u32,
    /// The others in the group, by display name (`null`: no name given).
    pub with: Vec<Option<String>>,
}

impl Groups {
    pub fn new(spec: &GroupsSpec) -> Result<Self, Rejection> {
        let mut groups = Groups {
            title: String::new(),
            talking_points: Vec::new(),
            timer: Timer::new(&TimerSpec {
                title: String::new(),
                duration_secs: spec.duration_secs.max(1),
            })?,
            rounds: Vec::new(),
        };
        groups.edit(spec)?;
        Ok(groups)
    }

    pub fn edit(&mut self, spec: &GroupsSpec) -> Result<(), Rejection> {
        if spec.talking_points.len() > 20 {
            return reject(RejectCode::InvalidActivity, "at most 20 talking points");
        }
        let mut points = Vec::new();
        for point in &spec.talking_points {
            if let Some(point) = clean_optional_text(Some(point), 300, "a talking point")? {
                points.push(point);
            }
        }
        let title = clean_optional_text(Some(&spec.title), 120, "the title")?.unwrap_or_default();
        self.timer.edit(&TimerSpec {
            title: String::new(),
            duration_secs: spec.duration_secs,
        })?;
        self.title = title;
        self.talking_points = points;
        Ok(())
    }

    pub fn spec(&self) -> GroupsSpec {
        GroupsSpec {
            title: self.title.clone(),
            talking_points: self.talking_points.clone(),
            duration_secs: self.timer.spec().duration_secs,
        }
    }

    /// Every round's groups, for the room-wide history of who has met.
    pub fn rounds(&self) -> &[Vec<Vec<ParticipantId>>] {
        &self.rounds
    }

    /// Starts a new round with the people present, given who has met whom in the session so far,
    /// and restarts the countdown.
    pub fn start_round(
        &mut self,
        present: &[ParticipantId],
        met: &[Vec<Vec<ParticipantId>>],
        seed: u64,
        at: Millis,
    ) -> Result<(), Rejection> {
        if present.is_empty() {
            return reject(RejectCode::NoChoice, "nobody is connected to put in groups");
        }
        let mut people: Vec<ParticipantId> = present.to_vec();
        people.sort();
        people.dedup();
        let history = history_of(&people, met);
        let indexes: Vec<usize> = (0..people.len()).collect();
        let round_seed = seed ^ (self.rounds.len() as u64 + 1).wrapping_mul(0x9E37_79B9);
        let assignment = grouping::assign(&indexes, &history, round_seed);
        self.rounds.push(
            assignment
                .into_iter()
                .map(|group| group.into_iter().map(|i| people[i]).collect())
                .collect(),
        );
        self.timer.control(TimerAction::Reset, at);
        self.timer.control(TimerAction::Start, at);
        Ok(())
    }

    pub fn control(&mut self, command: &HostCommand, cx: &HostContext) -> Result<(), Rejection> {
        let HostCommand::StartGroups { activity, present } = command;
        let joined: Vec<ParticipantId> =
            present.iter().filter(|p| (cx.joined)(p)).copied().collect();
        let seed = cx.seed ^ (u64::from(activity.0) << 32);
        self.start_round(&joined, cx.met, seed, cx.at)
    }

    /// Adds a latecomer to the running round without moving anyone. Returns false if they
    /// already have a group.
    pub fn add_latecomer(
        &mut self,
        who: ParticipantId,
        met: &[Vec<Vec<ParticipantId>>],
    ) -> Result<bool, Rejection> {
        let Some(current) = self.rounds.last() else {
            return reject(RejectCode::WrongPhase, "no round is running");
        };
        if current.iter().any(|g| g.contains(&who)) {
            return Ok(false);
        }
        let mut people: Vec<ParticipantId> = current.iter().flatten().copied().collect();
        people.push(who);
        people.sort();
        let history = history_of(&people, met);
        let index = |p: &ParticipantId| people.binary_search(p).unwrap_or(0);
        let groups: Vec<Vec<usize>> = current
            .iter()
            .map(|g| g.iter().map(index).collect())
            .collect();
        let chosen = grouping::place_latecomer(&groups, &history, index(&who));
        if let Some(round) = self.rounds.last_mut() {
            round[chosen].push(who);
        }
        Ok(true)
    }

    pub fn control_timer(&mut self, action: TimerAction, at: Millis) {
        self.timer.control(action, at);
    }

    pub fn round(&self) -> u32 {
        self.rounds.len() as u32
    }

    pub fn has_running_round(&self) -> bool {
        !self.rounds.is_empty()
    }

    pub fn placed(&self, who: &ParticipantId) -> bool {
        self.rounds
            .last()
            .is_some_and(|r| r.iter().any(|g| g.contains(who)))
    }

    pub fn responses(&self) -> u64 {
        self.rounds
            .last()
            .map_or(0, |r| r.iter().map(Vec::len).sum::<usize>() as u64)
    }

    pub fn clear(&mut self) {
        self.rounds.clear();
        self.timer.control(TimerAction::Reset, 0);
    }

    pub fn answer(
        &self,
        who: &ParticipantId,
        name: impl Fn(&ParticipantId) -> Option<String>,
    ) -> Option<GroupsAnswer> {
        let round = self.rounds.last()?;
        let (number, group) = round.iter().enumerate().find(|(_, g)| g.contains(who))?;
        Some(GroupsAnswer {
            round: self.round(),
            group: number as u32 + 1,
            with: group.iter().filter(|p| *p != who).map(&name).collect(),
        })
    }

    pub fn view(&self, name: impl Fn(&ParticipantId) -> Option<String>) -> GroupsView {
        GroupsView {
            title: self.title.clone(),
            talking_points: self.talking_points.clone(),
            groups_round: self.round(),
            timer: self.timer.view(),
            groups: self
                .rounds
                .last()
                .map(|round| {
                    round
                        .iter()
                        .enumerate()
                        .map(|(i, g)| GroupView {
                            number: i as u32 + 1,
                            members: g.iter().map(&name).collect(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// Who among `people` (sorted) has met whom in the earlier rounds, by index into `people`.
fn history_of(people: &[ParticipantId], met: &[Vec<Vec<ParticipantId>>]) -> History {
    let mut history = History::new();
    for round in met {
        let groups: Vec<Vec<usize>> = round
            .iter()
            .map(|g| {
                g.iter()
                    .filter_map(|p| people.binary_search(p).ok())
                    .collect()
            })
            .collect();
        grouping::record(&mut history, &groups);
    }
    history
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid(n: u128) -> ParticipantId {
        ParticipantId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn fourteen_people_meet_only_new_faces_in_round_two() {
        let mut g = Groups::new(&GroupsSpec {
            title: "Networking".into(),
            talking_points: vec!["A win".into()],
            duration_secs: 540,
        })
        .unwrap();
        let people: Vec<ParticipantId> = (1..=14).map(pid).collect();
        g.start_round(&people, &[], 7, 0).unwrap();
        let first = g.rounds().to_vec();
        g.start_round(&people, &first, 7, 600_000).unwrap();
        let second = g.rounds().last().unwrap().clone();
        for group in &second {
            for (i, a) in group.iter().enumerate() {
                for b in &group[i + 1..] {
                    assert!(
                        !first[0]
                            .iter()
                            .any(|old| old.contains(a) && old.contains(b)),
                        "{a} and {b} met again"
                    );
                }
            }
        }
        let sizes: Vec<usize> = second.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![4, 4, 3, 3]);
        let me = g
            .answer(&people[0], |p| Some(format!("P{}", p.0.as_u128())))
            .unwrap();
        assert_eq!(me.round, 2);
        assert_eq!(me.with.len() + 1, sizes[me.group as usize - 1]);
    }

    #[test]
    fn a_latecomer_joins_a_running_round_and_nobody_moves() {
        let mut g = Groups::new(&GroupsSpec {
            title: String::new(),
            talking_points: vec![],
            duration_secs: 60,
        })
        .unwrap();
        let people: Vec<ParticipantId> = (1..=7).map(pid).collect();
        g.start_round(&people, &[], 1, 0).unwrap();
        let before = g.rounds().last().unwrap().clone();
        assert!(g.add_latecomer(pid(99), &[]).unwrap());
        assert!(!g.add_latecomer(pid(99), &[]).unwrap(), "only once");
        let after = g.rounds().last().unwrap();
        for (old, new) in before.iter().zip(after) {
            assert_eq!(&new[..old.len()], &old[..]);
        }
        assert!(g.placed(&pid(99)));
        assert_eq!(g.responses(), 8);
    }

    #[test]
    fn two_people_make_one_group_and_nobody_present_is_an_error() {
        let mut g = Groups::new(&GroupsSpec {
            title: String::new(),
            talking_points: vec![],
            duration_secs: 60,
        })
        .unwrap();
        assert_eq!(
            g.start_round(&[], &[], 1, 0).unwrap_err().code,
            RejectCode::NoChoice
        );
        g.start_round(&[pid(1), pid(2)], &[], 1, 0).unwrap();
        assert_eq!(g.rounds().last().unwrap().len(), 1);
    }
}
