//! Scales: rate a list of statements on a range, with "skip". Made for team self-assessments
//! against a framework (a hundred statements or more in themes), answered at each person's own
//! pace. Per statement the sums are kept incrementally (count, sum, sum of squares, distribution),
//! so a rating costs O(1) and the view is O(statements).

use super::{AnswerContext, Audience};
use crate::domain::{
    ActivityId, Outcome, ParticipantId, RejectCode, Rejection, clean_optional_text, clean_text,
    reject,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const MAX_STATEMENTS: usize = 500;
pub const MAX_STATEMENT_CHARS: usize = 300;
pub const MAX_THEME_CHARS: usize = 80;
pub const MAX_LABEL_CHARS: usize = 40;
pub const MAX_PROMPT_CHARS: usize = 300;

fn one() -> i32 {
    1
}
fn five() -> i32 {
    5
}
fn five_u() -> u32 {
    5
}
fn yes() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalesSpec {
    #[serde(default)]
    pub prompt: String,
    pub statements: Vec<StatementSpec>,
    /// Lowest value of the scale (0 to 9, default 1).
    #[serde(default = "one")]
    pub min: i32,
    /// Highest value (min + 1 to 10, default 5).
    #[serde(default = "five")]
    pub max: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_label: Option<String>,
    /// Whether "skip" is offered (default yes).
    #[serde(default = "yes")]
    pub allow_skip: bool,
    /// How many statements the strengths, weaknesses and "talk about this" lists hold (default 5).
    #[serde(default = "five_u")]
    pub highlight: u32,
}

/// A statement as written: new ones without an id; `id` keeps an existing statement (and its
/// ratings) through an edit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatementSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub id: u32,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
}

/// Running sums for one statement.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Sums {
    count: u64,
    sum: i64,
    sum_sq: i64,
    skips: u64,
    /// `distribution[v - min]`: how many gave value v.
    distribution: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scales {
    prompt: String,
    statements: Vec<Statement>,
    next_id: u32,
    min: i32,
    max: i32,
    min_label: Option<String>,
    max_label: Option<String>,
    allow_skip: bool,
    highlight: u32,
    /// Per participant, per statement: `Some(value)` or `None` for "skip".
    ratings: BTreeMap<ParticipantId, BTreeMap<u32, Option<i32>>>,
    sums: BTreeMap<u32, Sums>,
}

/// What a participant sends: one rating or a page of them (`"value": null` is "skip"); rating a
/// statement again replaces the earlier rating.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerCommand {
    Rate {
        activity: ActivityId,
        ratings: Vec<Rating>,
    },
}

/// One rating as a participant sends it: `value: null` is "skip".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub statement: u32,
    pub value: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalesView {
    pub prompt: String,
    pub statements: Vec<Statement>,
    pub min: i32,
    pub max: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_label: Option<String>,
    pub allow_skip: bool,
    pub highlight: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<ScalesResults>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalesResults {
    /// In statement order.
    pub statements: Vec<StatementResult>,
    /// Highest means first; at most `highlight`, and at most half (rounded up) of the rated
    /// statements. Equal means keep the framework's order.
    pub strengths: Vec<u32>,
    /// Lowest means first, never a statement that is a strength; at most `highlight`.
    pub weaknesses: Vec<u32>,
    /// Most disagreement (highest spread) first; only statements rated differently by two people
    /// or more (spread above 0). May also be a strength or weakness.
    pub talk_about: Vec<u32>,
    /// Per theme, the mean of every rating given to its statements (pooled: a statement rated by
    /// more people weighs more; skips do not count).
    pub themes: Vec<ThemeResult>,
    /// The latest earlier round that has ratings, beside this one (host and screen only: a
    /// team scoring the framework again sees what moved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Box<ScalesPrevious>>,
}

/// An earlier round's figures, for the statements and themes the framework still has.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalesPrevious {
    /// Which round (1 is the first).
    pub round: u32,
    /// How many people rated in that round.
    pub responses: u64,
    /// In the current framework's order; only statements still in it that were rated then
    /// (matched by id: an edit that keeps a statement keeps its id).
    pub statements: Vec<PreviousStatement>,
    /// Per theme (by name), pooled as in [`ScalesResults::themes`].
    pub themes: Vec<ThemeResult>,
    /// The statements whose mean changed most, biggest change first (either way); only those
    /// rated in both rounds, at most `highlight`. Equal changes keep the framework's order.
    pub movers: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreviousStatement {
    pub id: u32,
    pub count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatementResult {
    pub id: u32,
    pub count: u64,
    pub skips: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// Population standard deviation of the ratings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<f64>,
    /// `distribution[i]` counts the value `min + i`.
    pub distribution: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThemeResult {
    pub theme: String,
    pub count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
}

impl Sums {
    fn add(&mut self, value: Option<i32>, min: i32) {
        match value {
            None => self.skips += 1,
            Some(v) => {
                self.count += 1;
                self.sum += i64::from(v);
                self.sum_sq += i64::from(v) * i64::from(v);
                self.distribution[(v - min) as usize] += 1;
            }
        }
    }

    fn remove(&mut self, value: Option<i32>, min: i32) {
        match value {
            None => self.skips -= 1,
            Some(v) => {
                self.count -= 1;
                self.sum -= i64::from(v);
                self.sum_sq -= i64::from(v) * i64::from(v);
                self.distribution[(v - min) as usize] -= 1;
            }
        }
    }

    fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// Population standard deviation, from integer sums (exact until the final square root).
    fn spread(&self) -> Option<f64> {
        (self.count > 0).then(|| {
            let n = self.count as f64;
            let variance = (self.count as i64 * self.sum_sq - self.sum * self.sum) as f64 / (n * n);
            variance.max(0.0).sqrt()
        })
    }
}

impl Scales {
    /// Whether the list holds a statement with this id.
    pub fn has_statement(&self, id: u32) -> bool {
        self.statements.iter().any(|s| s.id == id)
    }

    pub fn new(spec: &ScalesSpec) -> Result<Self, Rejection> {
        let mut scales = Scales {
            prompt: String::new(),
            statements: Vec::new(),
            next_id: 0,
            min: 1,
            max: 5,
            min_label: None,
            max_label: None,
            allow_skip: true,
            highlight: 5,
            ratings: BTreeMap::new(),
            sums: BTreeMap::new(),
        };
        scales.edit(spec)?;
        Ok(scales)
    }

    /// Applies a new spec. Statements named by id keep their ratings; statements left out are
    /// removed with their ratings. The range cannot change once anyone has rated (reset first).
    pub fn edit(&mut self, spec: &ScalesSpec) -> Result<(), Rejection> {
        let prompt = if spec.prompt.trim().is_empty() {
            String::new()
        } else {
            clean_text(&spec.prompt, MAX_PROMPT_CHARS, "the prompt")?
        };
        if !(0..=9).contains(&spec.min) || !(spec.min + 1..=10).contains(&spec.max) {
            return reject(
                RejectCode::InvalidActivity,
                "the scale runs from min (0 to 9) to max (min + 1 to 10)",
            );
        }
        if (spec.min, spec.max) != (self.min, self.max) && !self.ratings.is_empty() {
            return reject(
                RejectCode::InvalidActivity,
                "the range cannot change after people have rated; reset the results first",
            );
        }
        if spec.statements.is_empty() || spec.statements.len() > MAX_STATEMENTS {
            return reject(
                RejectCode::InvalidActivity,
                format!("a scales activity has 1 to {MAX_STATEMENTS} statements"),
            );
        }
        if !(1..=50).contains(&spec.highlight) {
            return reject(RejectCode::InvalidActivity, "highlight must be 1 to 50");
        }
        let min_label = clean_optional_text(spec.min_label.as_deref(), MAX_LABEL_CHARS, "a label")?;
        let max_label = clean_optional_text(spec.max_label.as_deref(), MAX_LABEL_CHARS, "a label")?;
        let mut next_id = self.next_id;
        let mut statements = Vec::with_capacity(spec.statements.len());
        let mut kept = BTreeSet::new();
        for statement in &spec.statements {
            let text = clean_text(&statement.text, MAX_STATEMENT_CHARS, "a statement")?;
            let theme =
                clean_optional_text(statement.theme.as_deref(), MAX_THEME_CHARS, "a theme")?;
            let id = match statement.id {
                Some(id) => {
                    if !self.statements.iter().any(|s| s.id == id) || !kept.insert(id) {
                        return reject(
                            RejectCode::StatementNotFound,
                            format!("statement {id} is not in this activity"),
                        );
                    }
                    id
                }
                None => {
                    next_id += 1;
                    next_id - 1
                }
            };
            statements.push(Statement { id, text, theme });
        }
        self.prompt = prompt;
        self.min = spec.min;
        self.max = spec.max;
        self.min_label = min_label;
        self.max_label = max_label;
        self.allow_skip = spec.allow_skip;
        self.highlight = spec.highlight;
        self.next_id = next_id;
        self.statements = statements;
        let live: BTreeSet<u32> = self.statements.iter().map(|s| s.id).collect();
        self.ratings.retain(|_, mine| {
            mine.retain(|id, _| live.contains(id));
            !mine.is_empty()
        });
        self.recount();
        Ok(())
    }

    pub fn spec(&self) -> ScalesSpec {
        ScalesSpec {
            prompt: self.prompt.clone(),
            statements: self
                .statements
                .iter()
                .map(|s| StatementSpec {
                    id: Some(s.id),
                    text: s.text.clone(),
                    theme: s.theme.clone(),
                })
                .collect(),
            min: self.min,
            max: self.max,
            min_label: self.min_label.clone(),
            max_label: self.max_label.clone(),
            allow_skip: self.allow_skip,
            highlight: self.highlight,
        }
    }

    /// Records ratings (a page of them, or one); a statement rated again takes the new value.
    /// Every rating is checked before any is recorded.
    pub fn apply(
        &mut self,
        command: &AnswerCommand,
        cx: &AnswerContext,
    ) -> Result<Outcome, Rejection> {
        let AnswerCommand::Rate { activity, ratings } = command;
        self.rate(cx.who, ratings)?;
        Ok(Outcome::Answered(*activity))
    }

    pub fn rate(&mut self, who: ParticipantId, ratings: &[Rating]) -> Result<(), Rejection> {
        if ratings.is_empty() {
            return reject(RejectCode::NoChoice, "send at least one rating");
        }
        let mut seen = BTreeSet::new();
        for rating in ratings {
            if !self.statements.iter().any(|s| s.id == rating.statement) {
                return reject(
                    RejectCode::StatementNotFound,
                    format!("statement {} is not in this activity", rating.statement),
                );
            }
            if !seen.insert(rating.statement) {
                return reject(
                    RejectCode::DuplicateOption,
                    format!(
                        "statement {} is rated twice in one message",
                        rating.statement
                    ),
                );
            }
            match rating.value {
                Some(v) if !(self.min..=self.max).contains(&v) => {
                    return reject(
                        RejectCode::OutOfRange,
                        format!("ratings run from {} to {}", self.min, self.max),
                    );
                }
                None if !self.allow_skip => {
                    return reject(RejectCode::OutOfRange, "this scale has no skip");
                }
                _ => {}
            }
        }
        let width = (self.max - self.min + 1) as usize;
        let mine = self.ratings.entry(who).or_default();
        for rating in ratings {
            let sums = self.sums.entry(rating.statement).or_insert_with(|| Sums {
                distribution: vec![0; width],
                ..Sums::default()
            });
            if let Some(old) = mine.insert(rating.statement, rating.value) {
                sums.remove(old, self.min);
            }
            sums.add(rating.value, self.min);
        }
        Ok(())
    }

    /// Forgets every rating (a new round), keeping the statements.
    pub fn clear(&mut self) {
        self.ratings.clear();
        self.sums.clear();
    }

    pub fn responses(&self) -> u64 {
        self.ratings.len() as u64
    }

    pub fn answer(&self, who: &ParticipantId) -> Option<Vec<Rating>> {
        self.ratings.get(who).map(|mine| {
            mine.iter()
                .map(|(statement, value)| Rating {
                    statement: *statement,
                    value: *value,
                })
                .collect()
        })
    }

    pub fn view(&self, audience: Audience, results_shown: bool) -> ScalesView {
        ScalesView {
            prompt: self.prompt.clone(),
            statements: self.statements.clone(),
            min: self.min,
            max: self.max,
            min_label: self.min_label.clone(),
            max_label: self.max_label.clone(),
            allow_skip: self.allow_skip,
            highlight: self.highlight,
            results: (results_shown || audience == Audience::Host).then(|| self.results()),
        }
    }

    pub fn results(&self) -> ScalesResults {
        let width = (self.max - self.min + 1) as usize;
        let empty = Sums {
            distribution: vec![0; width],
            ..Sums::default()
        };
        let per: Vec<(&Statement, &Sums)> = self
            .statements
            .iter()
            .map(|s| (s, self.sums.get(&s.id).unwrap_or(&empty)))
            .collect();
        let statements = per
            .iter()
            .map(|(s, sums)| StatementResult {
                id: s.id,
                count: sums.count,
                skips: sums.skips,
                mean: sums.mean(),
                spread: sums.spread(),
                distribution: sums.distribution.clone(),
            })
            .collect();
        let n = self.highlight as usize;
        let rated: Vec<(usize, u32, f64, f64)> = per
            .iter()
            .enumerate()
            .filter_map(|(order, (s, sums))| {
                Some((order, s.id, sums.mean()?, sums.spread().unwrap_or(0.0)))
            })
            .collect();
        // Strengths are the highest means, weaknesses the lowest; a statement is never both, so
        // with fewer than 2 × highlight rated statements the upper half are strengths and the
        // lower half weaknesses. Equal means at the cut-off keep the framework's order (the
        // earlier statement is listed), so the lists are the same on every machine.
        let mut by_mean = rated.clone();
        by_mean.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        let strong = n.min(by_mean.len().div_ceil(2));
        let weak = n.min(by_mean.len() - strong);
        let strengths = by_mean.iter().take(strong).map(|r| r.1).collect();
        let mut low = by_mean.split_off(strong);
        low.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)));
        let weaknesses = low.iter().take(weak).map(|r| r.1).collect();
        // Disagreement needs two ratings that differ: a statement everyone rated alike (spread 0)
        // is not one to talk about. This list is independent of the other two: a weakness the
        // team disagrees on is exactly one to talk about.
        let mut spread: Vec<(usize, u32, f64, f64)> = per
            .iter()
            .enumerate()
            .filter(|(_, (_, sums))| sums.count >= 2)
            .filter_map(|(order, (s, sums))| Some((order, s.id, 0.0, sums.spread()?)))
            .filter(|r| r.3 > 0.0)
            .collect();
        spread.sort_by(|a, b| b.3.total_cmp(&a.3).then(a.0.cmp(&b.0)));
        let talk_about = spread.iter().take(n).map(|r| r.1).collect();
        let mut themes: Vec<(String, u64, i64)> = Vec::new();
        for (s, sums) in &per {
            let Some(theme) = &s.theme else { continue };
            match themes.iter_mut().find(|t| &t.0 == theme) {
                Some(t) => {
                    t.1 += sums.count;
                    t.2 += sums.sum;
                }
                None => themes.push((theme.clone(), sums.count, sums.sum)),
            }
        }
        ScalesResults {
            statements,
            strengths,
            weaknesses,
            talk_about,
            themes: themes
                .into_iter()
                .map(|(theme, count, sum)| ThemeResult {
                    theme,
                    count,
                    mean: (count > 0).then(|| sum as f64 / count as f64),
                })
                .collect(),
            previous: None,
        }
    }

    /// `results` (this round's) beside `earlier`, round `round`: what the team said then about
    /// the statements and themes it still rates.
    pub fn compare(&self, results: &ScalesResults, earlier: &Scales, round: u32) -> ScalesPrevious {
        let then = earlier.results();
        let before: BTreeMap<u32, &StatementResult> =
            then.statements.iter().map(|s| (s.id, s)).collect();
        let statements: Vec<PreviousStatement> = self
            .statements
            .iter()
            .filter_map(|s| before.get(&s.id))
            .filter(|r| r.count > 0)
            .map(|r| PreviousStatement {
                id: r.id,
                count: r.count,
                mean: r.mean,
                spread: r.spread,
            })
            .collect();
        let kept: BTreeSet<&str> = self
            .statements
            .iter()
            .filter_map(|s| s.theme.as_deref())
            .collect();
        let themes = then
            .themes
            .into_iter()
            .filter(|t| t.count > 0 && kept.contains(t.theme.as_str()))
            .collect();
        let now: BTreeMap<u32, f64> = results
            .statements
            .iter()
            .filter_map(|s| Some((s.id, s.mean?)))
            .collect();
        let mut moved: Vec<(usize, u32, f64)> = statements
            .iter()
            .enumerate()
            .filter_map(|(order, p)| {
                let change = now.get(&p.id)? - p.mean?;
                (change.abs() > 1e-9).then_some((order, p.id, change.abs()))
            })
            .collect();
        moved.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        ScalesPrevious {
            round,
            responses: earlier.responses(),
            statements,
            themes,
            movers: moved
                .iter()
                .take(self.highlight as usize)
                .map(|m| m.1)
                .collect(),
        }
    }

    fn recount(&mut self) {
        let width = (self.max - self.min + 1) as usize;
        let mut sums: BTreeMap<u32, Sums> = BTreeMap::new();
        for mine in self.ratings.values() {
            for (statement, value) in mine {
                sums.entry(*statement)
                    .or_insert_with(|| Sums {
                        distribution: vec![0; width],
                        ..Sums::default()
                    })
                    .add(*value, self.min);
            }
        }
        self.sums = sums;
    }

    /// True when the running sums equal a recount from the raw ratings.
    pub fn sums_match_recount(&self) -> bool {
        let mut fresh = self.clone();
        fresh.recount();
        let live = |s: &BTreeMap<u32, Sums>| -> BTreeMap<u32, Sums> {
            s.iter()
                .filter(|(_, v)| v.count + v.skips > 0)
                .map(|(k, v)| (*k, v.clone()))
                .collect()
        };
        live(&fresh.sums) == live(&self.sums)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid(n: u128) -> ParticipantId {
        ParticipantId(uuid::Uuid::from_u128(n))
    }

    fn spec(n: usize) -> ScalesSpec {
        ScalesSpec {
            prompt: "Rate each outcome".into(),
            statements: (0..n)
                .map(|i| StatementSpec {
                    id: None,
                    text: format!("Outcome {i}"),
                    theme: Some(format!("Theme {}", i % 3)),
                })
                .collect(),
            min: 1,
            max: 5,
            min_label: Some("Strongly disagree".into()),
            max_label: Some("Strongly agree".into()),
            allow_skip: true,
            highlight: 2,
        }
    }

    fn r(statement: u32, value: Option<i32>) -> Rating {
        Rating { statement, value }
    }

    #[test]
    fn ratings_are_checked_and_a_new_rating_replaces_the_old() {
        let mut s = Scales::new(&spec(3)).unwrap();
        assert_eq!(
            s.rate(pid(1), &[r(0, Some(6))]).unwrap_err().code,
            RejectCode::OutOfRange
        );
        assert_eq!(
            s.rate(pid(1), &[r(9, Some(3))]).unwrap_err().code,
            RejectCode::StatementNotFound
        );
        assert_eq!(
            s.rate(pid(1), &[r(0, Some(3)), r(0, Some(4))])
                .unwrap_err()
                .code,
            RejectCode::DuplicateOption
        );
        assert_eq!(s.rate(pid(1), &[]).unwrap_err().code, RejectCode::NoChoice);
        s.rate(pid(1), &[r(0, Some(2)), r(1, None)]).unwrap();
        s.rate(pid(1), &[r(0, Some(4))]).unwrap();
        s.rate(pid(2), &[r(0, Some(5))]).unwrap();
        let results = s.results();
        assert_eq!(results.statements[0].count, 2);
        assert_eq!(results.statements[0].mean, Some(4.5));
        assert_eq!(results.statements[0].spread, Some(0.5));
        assert_eq!(results.statements[0].distribution, vec![0, 0, 0, 1, 1]);
        assert_eq!(results.statements[1].skips, 1);
        assert_eq!(results.statements[1].mean, None);
        assert!(s.sums_match_recount());
        assert_eq!(s.answer(&pid(1)).unwrap(), vec![r(0, Some(4)), r(1, None)]);
    }

    #[test]
    fn strengths_weaknesses_and_disagreement_come_from_means_and_spread() {
        let mut s = Scales::new(&spec(4)).unwrap();
        // Statement 0: everyone agrees strongly. 1: everyone disagrees. 2: split. 3: middling.
        for (p, values) in [(1, [5, 1, 1, 3]), (2, [5, 1, 5, 3]), (3, [4, 2, 5, 3])] {
            let ratings: Vec<Rating> = values
                .iter()
                .enumerate()
                .map(|(i, v)| r(i as u32, Some(*v)))
                .collect();
            s.rate(pid(p), &ratings).unwrap();
        }
        let results = s.results();
        assert_eq!(results.strengths, vec![0, 2]);
        assert_eq!(results.weaknesses, vec![1, 3]);
        assert_eq!(results.talk_about[0], 2);
        let theme0 = results
            .themes
            .iter()
            .find(|t| t.theme == "Theme 0")
            .unwrap();
        // Statements 0 and 3 are theme 0: (5+5+4+3+3+3)/6.
        assert_eq!(theme0.count, 6);
        assert_eq!(theme0.mean, Some(23.0 / 6.0));
    }

    #[test]
    fn few_statements_are_split_between_strengths_and_weaknesses_and_agreement_is_not_disagreement()
    {
        let mut s = Scales::new(&spec(3)).unwrap();
        // Everyone gives the same rating to each statement: no disagreement anywhere.
        for p in 1..=3 {
            s.rate(pid(p), &[r(0, Some(5)), r(1, Some(2)), r(2, Some(4))])
                .unwrap();
        }
        let results = s.results();
        assert_eq!(results.strengths, vec![0, 2]);
        assert_eq!(results.weaknesses, vec![1]);
        assert!(results.talk_about.is_empty(), "{:?}", results.talk_about);
        // One rated statement is a strength, not also a weakness.
        let mut one = Scales::new(&spec(3)).unwrap();
        one.rate(pid(1), &[r(1, Some(3))]).unwrap();
        let results = one.results();
        assert_eq!((results.strengths, results.weaknesses), (vec![1], vec![]));
        // Ties at the cut-off: the earlier statement in the framework is listed.
        let mut highlight_one = spec(3);
        highlight_one.highlight = 1;
        let mut tied = Scales::new(&highlight_one).unwrap();
        tied.rate(pid(1), &[r(0, Some(3)), r(1, Some(3)), r(2, Some(3))])
            .unwrap();
        let results = tied.results();
        assert_eq!((results.strengths, results.weaknesses), (vec![0], vec![1]));
    }

    #[test]
    fn skip_can_be_turned_off_and_the_range_is_fixed_once_rated() {
        let mut no_skip = spec(2);
        no_skip.allow_skip = false;
        let mut s = Scales::new(&no_skip).unwrap();
        assert_eq!(
            s.rate(pid(1), &[r(0, None)]).unwrap_err().code,
            RejectCode::OutOfRange
        );
        s.rate(pid(1), &[r(0, Some(1))]).unwrap();
        let mut wider = s.spec();
        wider.max = 10;
        assert_eq!(
            s.edit(&wider).unwrap_err().code,
            RejectCode::InvalidActivity
        );
        let mut bad = spec(2);
        bad.min = 5;
        bad.max = 5;
        assert_eq!(
            Scales::new(&bad).unwrap_err().code,
            RejectCode::InvalidActivity
        );
        let mut zero_to_ten = spec(2);
        zero_to_ten.min = 0;
        zero_to_ten.max = 10;
        assert!(Scales::new(&zero_to_ten).is_ok());
    }

    #[test]
    fn long_frameworks_fit_and_edits_keep_ratings_of_kept_statements() {
        let mut s = Scales::new(&spec(150)).unwrap();
        s.rate(pid(1), &[r(10, Some(4)), r(11, Some(2))]).unwrap();
        let mut edited = s.spec();
        edited.statements.remove(11);
        edited.statements.push(StatementSpec {
            id: None,
            text: "New".into(),
            theme: None,
        });
        s.edit(&edited).unwrap();
        assert_eq!(s.answer(&pid(1)).unwrap(), vec![r(10, Some(4))]);
        assert_eq!(
            s.view(Audience::Host, false).statements.last().unwrap().id,
            150
        );
        assert!(s.sums_match_recount());
        assert_eq!(
            Scales::new(&spec(501)).unwrap_err().code,
            RejectCode::InvalidActivity
        );
    }
}
