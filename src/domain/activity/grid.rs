//! 2×2 grid: everyone places each item (say, the top ideas of the topic vote) on two axes, such as
//! effort (across) and impact (up). The screen shows where each item sits on average and how far
//! people disagree (the spread on each axis), with a label for each quadrant ("Quick wins").
//!
//! Positions are whole numbers from 0 to 100 on each axis (0 is left / bottom), and the running
//! sums are integers, so every mean and spread replays exactly. Each placement counts at once;
//! there is no ballot to send.

use super::poll::{OptionSpec, PollOption, edit_options};
use super::{AnswerContext, Audience};
use crate::domain::{
    ActivityId, Outcome, ParticipantId, RejectCode, Rejection, clean_optional_text, clean_text,
    reject,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const MAX_QUESTION_CHARS: usize = 300;
pub const MAX_ITEMS: usize = 20;
pub const MAX_AXIS_CHARS: usize = 40;
pub const MAX_QUADRANT_CHARS: usize = 40;
/// The far end of each axis: positions run from 0 to this.
pub const SCALE: u32 = 100;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axis {
    /// What the axis measures ("Effort").
    pub label: String,
    /// The words at its two ends ("Low", "High"); optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridSpec {
    pub question: String,
    /// The things to place (1 to 20).
    pub items: Vec<OptionSpec>,
    /// Across, low at the left.
    pub x: Axis,
    /// Up, low at the bottom.
    pub y: Axis,
    /// None, or four labels: top left, top right, bottom left, bottom right (any may be "").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quadrants: Vec<String>,
}

/// What a participant sends: where one item goes (again to move it), or taking it back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerCommand {
    Place {
        activity: ActivityId,
        item: u32,
        x: u32,
        y: u32,
    },
    Unplace {
        activity: ActivityId,
        item: u32,
    },
}

/// One participant's placement of one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub item: u32,
    pub x: u32,
    pub y: u32,
}

/// Running integer sums of one item's placements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Sums {
    count: u64,
    x: u64,
    y: u64,
    xx: u64,
    yy: u64,
}

impl Sums {
    fn add(&mut self, x: u32, y: u32) {
        let (x, y) = (u64::from(x), u64::from(y));
        self.count += 1;
        self.x += x;
        self.y += y;
        self.xx += x * x;
        self.yy += y * y;
    }

    fn remove(&mut self, x: u32, y: u32) {
        let (x, y) = (u64::from(x), u64::from(y));
        self.count = self.count.saturating_sub(1);
        self.x = self.x.saturating_sub(x);
        self.y = self.y.saturating_sub(y);
        self.xx = self.xx.saturating_sub(x * x);
        self.yy = self.yy.saturating_sub(y * y);
    }

    fn mean(sum: u64, count: u64) -> f64 {
        sum as f64 / count as f64
    }

    /// The population standard deviation, from integer sums: √(n·Σx² − (Σx)²) / n.
    fn spread(sum: u64, squares: u64, count: u64) -> f64 {
        let n = u128::from(count);
        let variance_n2 = (n * u128::from(squares)).saturating_sub(u128::from(sum).pow(2));
        (variance_n2 as f64).sqrt() / count as f64
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grid {
    question: String,
    items: Vec<PollOption>,
    next_item_id: u32,
    x: Axis,
    y: Axis,
    quadrants: Vec<String>,
    placements: BTreeMap<ParticipantId, BTreeMap<u32, (u32, u32)>>,
    sums: BTreeMap<u32, Sums>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridView {
    pub question: String,
    pub items: Vec<PollOption>,
    pub x: Axis,
    pub y: Axis,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quadrants: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<GridResults>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridResults {
    /// How many people placed at least one item.
    pub voters: u64,
    /// `items[i]` belongs to the view's `items[i]`.
    pub items: Vec<ItemResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    /// How many people placed this item.
    pub count: u64,
    /// The mean position, absent until someone placed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Point>,
    /// The standard deviation on each axis: how far people disagree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<Point>,
    /// The quadrant of the mean, absent while it sits on a centre line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quadrant: Option<Quadrant>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quadrant {
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

impl Quadrant {
    /// Where `quadrants` keeps this one's label.
    pub fn index(self) -> usize {
        match self {
            Quadrant::TopLeft => 0,
            Quadrant::TopRight => 1,
            Quadrant::BottomLeft => 2,
            Quadrant::BottomRight => 3,
        }
    }

    fn of(x: f64, y: f64) -> Option<Quadrant> {
        let centre = f64::from(SCALE) / 2.0;
        let right = x > centre;
        let top = y > centre;
        if x == centre || y == centre {
            return None;
        }
        Some(match (top, right) {
            (true, false) => Quadrant::TopLeft,
            (true, true) => Quadrant::TopRight,
            (false, false) => Quadrant::BottomLeft,
            (false, true) => Quadrant::BottomRight,
        })
    }
}

fn clean_axis(axis: &Axis, which: &str) -> Result<Axis, Rejection> {
    Ok(Axis {
        label: clean_text(&axis.label, MAX_AXIS_CHARS, &format!("the {which} axis"))?,
        low: clean_optional_text(axis.low.as_deref(), MAX_AXIS_CHARS, "an axis end")?,
        high: clean_optional_text(axis.high.as_deref(), MAX_AXIS_CHARS, "an axis end")?,
    })
}

impl Grid {
    pub fn new(spec: &GridSpec) -> Result<Self, Rejection> {
        let mut grid = Grid {
            question: String::new(),
            items: Vec::new(),
            next_item_id: 0,
            x: spec.x.clone(),
            y: spec.y.clone(),
            quadrants: Vec::new(),
            placements: BTreeMap::new(),
            sums: BTreeMap::new(),
        };
        grid.edit(spec)?;
        Ok(grid)
    }

    /// Items left out lose their placements; the others keep theirs.
    pub fn edit(&mut self, spec: &GridSpec) -> Result<(), Rejection> {
        let question = clean_text(&spec.question, MAX_QUESTION_CHARS, "the question")?;
        let x = clean_axis(&spec.x, "across")?;
        let y = clean_axis(&spec.y, "up")?;
        if !(spec.quadrants.is_empty() || spec.quadrants.len() == 4) {
            return reject(
                RejectCode::InvalidActivity,
                "give four quadrant labels (top left, top right, bottom left, bottom right) or none",
            );
        }
        let mut quadrants = Vec::with_capacity(4);
        for label in &spec.quadrants {
            quadrants.push(
                clean_optional_text(Some(label), MAX_QUADRANT_CHARS, "a quadrant label")?
                    .unwrap_or_default(),
            );
        }
        if quadrants.iter().all(String::is_empty) {
            quadrants.clear();
        }
        let mut next_id = self.next_item_id;
        let items = edit_options(&spec.items, &self.items, &mut next_id, (1, MAX_ITEMS))?;
        self.question = question;
        self.x = x;
        self.y = y;
        self.quadrants = quadrants;
        self.next_item_id = next_id;
        let ids: BTreeSet<u32> = items.iter().map(|o| o.id).collect();
        self.items = items;
        self.placements.retain(|_, placed| {
            placed.retain(|item, _| ids.contains(item));
            !placed.is_empty()
        });
        self.sums.retain(|item, _| ids.contains(item));
        Ok(())
    }

    pub fn spec(&self) -> GridSpec {
        GridSpec {
            question: self.question.clone(),
            items: self
                .items
                .iter()
                .map(|o| OptionSpec::Keep {
                    id: Some(o.id),
                    text: o.text.clone(),
                })
                .collect(),
            x: self.x.clone(),
            y: self.y.clone(),
            quadrants: self.quadrants.clone(),
        }
    }

    pub fn apply(
        &mut self,
        command: &AnswerCommand,
        cx: &AnswerContext,
    ) -> Result<Outcome, Rejection> {
        match command {
            AnswerCommand::Place {
                activity,
                item,
                x,
                y,
            } => {
                self.find(*item)?;
                if *x > SCALE || *y > SCALE {
                    return reject(
                        RejectCode::OutOfRange,
                        format!("a position runs from 0 to {SCALE} on each axis"),
                    );
                }
                let placed = self.placements.entry(cx.who).or_default();
                let sums = self.sums.entry(*item).or_default();
                if let Some((old_x, old_y)) = placed.insert(*item, (*x, *y)) {
                    sums.remove(old_x, old_y);
                }
                sums.add(*x, *y);
                Ok(Outcome::Answered(*activity))
            }
            AnswerCommand::Unplace { activity, item } => {
                self.find(*item)?;
                let Some(placed) = self.placements.get_mut(&cx.who) else {
                    return reject(RejectCode::NotVoted, "you have not placed that item");
                };
                let Some((x, y)) = placed.remove(item) else {
                    return reject(RejectCode::NotVoted, "you have not placed that item");
                };
                if placed.is_empty() {
                    self.placements.remove(&cx.who);
                }
                if let Some(sums) = self.sums.get_mut(item) {
                    sums.remove(x, y);
                }
                Ok(Outcome::Answered(*activity))
            }
        }
    }

    fn find(&self, item: u32) -> Result<&PollOption, Rejection> {
        match self.items.iter().find(|o| o.id == item) {
            Some(found) => Ok(found),
            None => reject(
                RejectCode::OptionNotFound,
                format!("item {item} is not on this grid"),
            ),
        }
    }

    pub fn items(&self) -> &[PollOption] {
        &self.items
    }

    /// The participant's placements, in item order.
    pub fn answer(&self, who: &ParticipantId) -> Option<Vec<Placement>> {
        self.placements.get(who).map(|placed| {
            placed
                .iter()
                .map(|(item, (x, y))| Placement {
                    item: *item,
                    x: *x,
                    y: *y,
                })
                .collect()
        })
    }

    pub fn clear(&mut self) {
        self.placements.clear();
        self.sums.clear();
    }

    pub fn responses(&self) -> u64 {
        self.placements.len() as u64
    }

    fn result_of(sums: Sums) -> ItemResult {
        if sums.count == 0 {
            return ItemResult {
                count: 0,
                mean: None,
                spread: None,
                quadrant: None,
            };
        }
        let n = sums.count;
        let mean = Point {
            x: Sums::mean(sums.x, n),
            y: Sums::mean(sums.y, n),
        };
        ItemResult {
            count: n,
            mean: Some(mean),
            spread: Some(Point {
                x: Sums::spread(sums.x, sums.xx, n),
                y: Sums::spread(sums.y, sums.yy, n),
            }),
            quadrant: Quadrant::of(mean.x, mean.y),
        }
    }

    pub fn results(&self) -> GridResults {
        GridResults {
            voters: self.responses(),
            items: self
                .items
                .iter()
                .map(|o| Self::result_of(self.sums.get(&o.id).copied().unwrap_or_default()))
                .collect(),
        }
    }

    pub fn view(&self, audience: Audience, results_shown: bool) -> GridView {
        GridView {
            question: self.question.clone(),
            items: self.items.clone(),
            x: self.x.clone(),
            y: self.y.clone(),
            quadrants: self.quadrants.clone(),
            results: (results_shown || audience == Audience::Host).then(|| self.results()),
        }
    }

    /// True when the running sums equal a recount from every placement.
    pub fn sums_match_recount(&self) -> bool {
        let mut recount: BTreeMap<u32, Sums> = BTreeMap::new();
        for placed in self.placements.values() {
            for (item, (x, y)) in placed {
                recount.entry(*item).or_default().add(*x, *y);
            }
        }
        let live: BTreeMap<u32, Sums> = self
            .sums
            .iter()
            .filter(|(_, s)| s.count > 0)
            .map(|(k, v)| (*k, *v))
            .collect();
        live == recount
    }
}

#[cfg(test)]
mod tests {
    use super::super::poll::MAX_OPTION_CHARS;
    use super::*;

    fn pid(n: u128) -> ParticipantId {
        ParticipantId(uuid::Uuid::from_u128(n))
    }

    fn axis(label: &str) -> Axis {
        Axis {
            label: label.into(),
            low: Some("Low".into()),
            high: Some("High".into()),
        }
    }

    fn spec(items: &[&str]) -> GridSpec {
        GridSpec {
            question: "Where does each idea sit?".into(),
            items: items
                .iter()
                .map(|t| OptionSpec::Text(t.to_string()))
                .collect(),
            x: axis("Effort"),
            y: axis("Impact"),
            // Top left is little effort and big impact: the quick wins.
            quadrants: vec![
                "Quick wins".into(),
                "Big projects".into(),
                "Fill-ins".into(),
                "Money pit".into(),
            ],
        }
    }

    fn place(g: &mut Grid, who: u128, item: u32, x: u32, y: u32) -> Result<Outcome, Rejection> {
        g.apply(
            &AnswerCommand::Place {
                activity: ActivityId(0),
                item,
                x,
                y,
            },
            &AnswerContext {
                who: pid(who),
                name: None,
                at: 0,
            },
        )
    }

    fn unplace(g: &mut Grid, who: u128, item: u32) -> Result<Outcome, Rejection> {
        g.apply(
            &AnswerCommand::Unplace {
                activity: ActivityId(0),
                item,
            },
            &AnswerContext {
                who: pid(who),
                name: None,
                at: 0,
            },
        )
    }

    #[test]
    fn every_item_gets_its_mean_position_spread_and_quadrant() {
        let mut g = Grid::new(&spec(&["Bulb swap", "New hall", "Litter pick"])).unwrap();
        // Bulb swap: low effort, high impact, agreed (10,80), (20,90), (30,100).
        for (who, x, y) in [(1, 10, 80), (2, 20, 90), (3, 30, 100)] {
            place(&mut g, who, 0, x, y).unwrap();
        }
        // New hall: placed by two who disagree about the effort.
        place(&mut g, 1, 1, 0, 90).unwrap();
        place(&mut g, 2, 1, 100, 90).unwrap();
        let r = g.results();
        assert_eq!(r.voters, 3);
        let bulb = &r.items[0];
        assert_eq!(bulb.count, 3);
        assert_eq!(bulb.mean, Some(Point { x: 20.0, y: 90.0 }));
        let spread = bulb.spread.unwrap();
        let expected = (200.0f64 / 3.0).sqrt();
        assert!((spread.x - expected).abs() < 1e-9, "{spread:?}");
        assert!((spread.y - expected).abs() < 1e-9, "{spread:?}");
        assert_eq!(bulb.quadrant, Some(Quadrant::TopLeft));
        let hall = &r.items[1];
        assert_eq!(hall.mean, Some(Point { x: 50.0, y: 90.0 }));
        assert_eq!(hall.spread.map(|s| s.x), Some(50.0));
        assert_eq!(hall.spread.map(|s| s.y), Some(0.0));
        assert_eq!(hall.quadrant, None, "on the centre line");
        let litter = &r.items[2];
        assert_eq!((litter.count, litter.mean, litter.spread), (0, None, None));
        assert!(g.sums_match_recount());
    }

    #[test]
    fn moving_and_taking_back_count_at_once() {
        let mut g = Grid::new(&spec(&["A", "B"])).unwrap();
        place(&mut g, 1, 0, 10, 10).unwrap();
        place(&mut g, 1, 0, 90, 90).unwrap(); // moved, not added
        let r = g.results();
        assert_eq!(r.items[0].count, 1);
        assert_eq!(r.items[0].mean, Some(Point { x: 90.0, y: 90.0 }));
        assert_eq!(r.items[0].quadrant, Some(Quadrant::TopRight));
        assert_eq!(
            g.answer(&pid(1)),
            Some(vec![Placement {
                item: 0,
                x: 90,
                y: 90
            }])
        );
        unplace(&mut g, 1, 0).unwrap();
        assert_eq!(g.responses(), 0);
        assert_eq!(g.answer(&pid(1)), None);
        assert_eq!(g.results().items[0].count, 0);
        assert_eq!(
            unplace(&mut g, 1, 0).unwrap_err().code,
            RejectCode::NotVoted
        );
        assert!(g.sums_match_recount());
    }

    #[test]
    fn bad_placements_and_specs_are_refused_and_change_nothing() {
        let mut g = Grid::new(&spec(&["A", "B"])).unwrap();
        place(&mut g, 1, 1, 40, 60).unwrap();
        let before = g.clone();
        assert_eq!(
            place(&mut g, 1, 7, 40, 60).unwrap_err().code,
            RejectCode::OptionNotFound
        );
        assert_eq!(
            place(&mut g, 1, 0, 101, 60).unwrap_err().code,
            RejectCode::OutOfRange
        );
        assert_eq!(
            place(&mut g, 1, 0, 0, 101).unwrap_err().code,
            RejectCode::OutOfRange
        );
        assert_eq!(g, before);
        let mut three = spec(&["A"]);
        three.quadrants.pop();
        let mut blank_axis = spec(&["A"]);
        blank_axis.y.label = " ".into();
        let too_many: Vec<String> = (0..=MAX_ITEMS).map(|i| format!("item {i}")).collect();
        let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
        for bad in [spec(&[]), spec(&too_many), three, spec(&["A", "a"])] {
            assert_eq!(
                Grid::new(&bad).unwrap_err().code,
                RejectCode::InvalidActivity,
                "{bad:?}"
            );
        }
        assert_eq!(
            Grid::new(&blank_axis).unwrap_err().code,
            RejectCode::TextEmpty
        );
        let long = "x".repeat(MAX_OPTION_CHARS + 1);
        assert_eq!(
            Grid::new(&spec(&[&long])).unwrap_err().code,
            RejectCode::TextTooLong
        );
    }

    #[test]
    fn an_edit_drops_the_placements_of_items_left_out() {
        let mut g = Grid::new(&spec(&["A", "B"])).unwrap();
        place(&mut g, 1, 0, 10, 10).unwrap();
        place(&mut g, 2, 1, 20, 20).unwrap();
        let mut kept = g.spec();
        kept.items.remove(0);
        kept.items.push(OptionSpec::Text("C".into()));
        g.edit(&kept).unwrap();
        assert_eq!(g.items().len(), 2);
        assert_eq!(g.responses(), 1, "only the one who placed B is left");
        let r = g.results();
        assert_eq!(r.items[0].count, 1);
        assert_eq!(r.items[1].count, 0, "C is new");
        assert!(g.sums_match_recount());
        // Results are hidden from the screen until shown; the host sees them all along.
        assert!(g.view(Audience::Presenter, false).results.is_none());
        assert!(g.view(Audience::Host, false).results.is_some());
    }
}
