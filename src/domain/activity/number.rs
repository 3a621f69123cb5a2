//! Number: everyone guesses or estimates a whole number in a range ("how many bins overflow each
//! week?"). The screen shows how the guesses spread (ten buckets), their median and mean, and,
//! once voting closes, the right answer and who came closest. Whole numbers only, so every
//! statistic replays exactly.

use super::{AnswerContext, Audience};
use crate::domain::{
    ActivityId, Outcome, ParticipantId, RejectCode, Rejection, clean_optional_text, clean_text,
    reject,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_QUESTION_CHARS: usize = 300;
pub const MAX_UNIT_CHARS: usize = 20;
/// The largest magnitude of `min`, `max` and every guess.
pub const MAX_MAGNITUDE: i64 = 1_000_000_000_000;
/// The screen's histogram has at most this many buckets.
pub const BUCKETS: i64 = 10;
/// `closest` names at most this many people (everyone tied for the smallest distance).
pub const MAX_CLOSEST: usize = 10;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberSpec {
    pub question: String,
    pub min: i64,
    pub max: i64,
    /// Shown after every number ("bins", "%").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The right answer, revealed once voting closes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct: Option<i64>,
}

/// What a participant sends: their guess (a new one replaces the earlier one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerCommand {
    Estimate { activity: ActivityId, value: i64 },
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Number {
    spec: NumberSpec,
    guesses: BTreeMap<ParticipantId, i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NumberView {
    pub question: String,
    pub min: i64,
    pub max: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<NumberResults>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NumberResults {
    pub count: u64,
    /// Absent until someone has guessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    pub buckets: Vec<Bucket>,
    /// The right answer: for the host always, for everyone else once voting has closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct: Option<i64>,
    /// Everyone tied for the smallest distance from the right answer (at most ten).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closest: Vec<Closest>,
}

/// Guesses from `from` to `to`, both included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    pub from: i64,
    pub to: i64,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closest {
    /// Absent for someone who gave no name (and in the published report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub value: i64,
    pub off: i64,
}

impl Number {
    pub fn new(spec: &NumberSpec) -> Result<Self, Rejection> {
        let mut number = Number {
            spec: spec.clone(),
            guesses: BTreeMap::new(),
        };
        number.edit(spec)?;
        Ok(number)
    }

    /// Changes the question and range. Guesses outside a narrowed range are dropped: they could
    /// not be given now, and a histogram cannot show them.
    pub fn edit(&mut self, spec: &NumberSpec) -> Result<(), Rejection> {
        let question = clean_text(&spec.question, MAX_QUESTION_CHARS, "the question")?;
        let unit = clean_optional_text(spec.unit.as_deref(), MAX_UNIT_CHARS, "the unit")?;
        let within = |v: i64| (-MAX_MAGNITUDE..=MAX_MAGNITUDE).contains(&v);
        if !within(spec.min) || !within(spec.max) || spec.min >= spec.max {
            return reject(
                RejectCode::InvalidActivity,
                format!("the range needs min < max, each within ±{MAX_MAGNITUDE}"),
            );
        }
        if spec.correct.is_some_and(|c| c < spec.min || c > spec.max) {
            return reject(
                RejectCode::InvalidActivity,
                "the right answer must be within the range",
            );
        }
        self.spec = NumberSpec {
            question,
            min: spec.min,
            max: spec.max,
            unit,
            correct: spec.correct,
        };
        let (min, max) = (spec.min, spec.max);
        self.guesses.retain(|_, v| (min..=max).contains(v));
        Ok(())
    }

    pub fn spec(&self) -> NumberSpec {
        self.spec.clone()
    }

    pub fn apply(
        &mut self,
        command: &AnswerCommand,
        cx: &AnswerContext,
    ) -> Result<Outcome, Rejection> {
        let AnswerCommand::Estimate { activity, value } = command;
        if !(self.spec.min..=self.spec.max).contains(value) {
            return reject(
                RejectCode::OutOfRange,
                format!("guess a number from {} to {}", self.spec.min, self.spec.max),
            );
        }
        self.guesses.insert(cx.who, *value);
        Ok(Outcome::Answered(*activity))
    }

    pub fn guess(&self, who: &ParticipantId) -> Option<i64> {
        self.guesses.get(who).copied()
    }

    pub fn guesses(&self) -> impl Iterator<Item = (&ParticipantId, i64)> {
        self.guesses.iter().map(|(who, v)| (who, *v))
    }

    pub fn clear(&mut self) {
        self.guesses.clear();
    }

    pub fn responses(&self) -> u64 {
        self.guesses.len() as u64
    }

    /// Equal-width buckets over the range, at most ten: 0–100 is 0–9, 10–19, … 90–100 (the last
    /// takes the end of the range); a range of fewer than ten numbers has one bucket for each.
    fn buckets(&self) -> Vec<Bucket> {
        let (min, max) = (self.spec.min, self.spec.max);
        let width = ((max - min + BUCKETS - 1) / BUCKETS).max(1);
        let count = ((max - min) / width + 1).min(BUCKETS);
        let mut buckets: Vec<Bucket> = (0..count)
            .map(|i| {
                let from = min + i * width;
                Bucket {
                    from,
                    to: if i + 1 == count {
                        max
                    } else {
                        from + width - 1
                    },
                    count: 0,
                }
            })
            .collect();
        for value in self.guesses.values() {
            let index = ((value - min) / width).min(count - 1) as usize;
            if let Some(bucket) = buckets.get_mut(index) {
                bucket.count += 1;
            }
        }
        buckets
    }

    /// `reveal`: whether the right answer and the closest guesses are shown.
    pub fn results(
        &self,
        reveal: bool,
        names: &dyn Fn(&ParticipantId) -> Option<String>,
    ) -> NumberResults {
        let mut values: Vec<i64> = self.guesses.values().copied().collect();
        values.sort_unstable();
        let count = values.len();
        let mean = (count > 0).then(|| {
            let sum: i128 = values.iter().map(|v| i128::from(*v)).sum();
            sum as f64 / count as f64
        });
        let median = (count > 0).then(|| {
            if count % 2 == 1 {
                values[count / 2] as f64
            } else {
                (values[count / 2 - 1] as f64 + values[count / 2] as f64) / 2.0
            }
        });
        let correct = self.spec.correct.filter(|_| reveal);
        let closest = match correct {
            Some(correct) => {
                let best = self.guesses.values().map(|v| (v - correct).abs()).min();
                self.guesses
                    .iter()
                    .filter(|(_, v)| Some((*v - correct).abs()) == best)
                    .take(MAX_CLOSEST)
                    .map(|(who, v)| Closest {
                        name: names(who),
                        value: *v,
                        off: (v - correct).abs(),
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        NumberResults {
            count: count as u64,
            mean,
            median,
            buckets: self.buckets(),
            correct,
            closest,
        }
    }

    /// `closed`: voting has closed, so the right answer may be shown.
    pub fn view(
        &self,
        audience: Audience,
        results_shown: bool,
        closed: bool,
        names: &dyn Fn(&ParticipantId) -> Option<String>,
    ) -> NumberView {
        let host = audience == Audience::Host;
        NumberView {
            question: self.spec.question.clone(),
            min: self.spec.min,
            max: self.spec.max,
            unit: self.spec.unit.clone(),
            results: (results_shown || host).then(|| self.results(host || closed, names)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid(n: u128) -> ParticipantId {
        ParticipantId(uuid::Uuid::from_u128(n))
    }

    fn spec(min: i64, max: i64, correct: Option<i64>) -> NumberSpec {
        NumberSpec {
            question: "How many bins overflow each week?".into(),
            min,
            max,
            unit: Some("bins".into()),
            correct,
        }
    }

    fn guess(n: &mut Number, who: u128, value: i64) -> Result<Outcome, Rejection> {
        n.apply(
            &AnswerCommand::Estimate {
                activity: ActivityId(0),
                value,
            },
            &AnswerContext {
                who: pid(who),
                name: None,
                at: 0,
            },
        )
    }

    fn named(who: &ParticipantId) -> Option<String> {
        (*who == pid(2)).then(|| "Priya".to_string())
    }

    #[test]
    fn guesses_spread_over_ten_buckets_with_median_and_mean() {
        let mut n = Number::new(&spec(0, 100, Some(42))).unwrap();
        for (who, value) in [(1, 30), (2, 41), (3, 55), (4, 100)] {
            guess(&mut n, who, value).unwrap();
        }
        guess(&mut n, 1, 35).unwrap(); // a new guess replaces the old one
        let r = n.results(false, &named);
        assert_eq!(r.count, 4);
        assert_eq!(r.mean, Some((35 + 41 + 55 + 100) as f64 / 4.0));
        assert_eq!(r.median, Some(48.0));
        assert_eq!(r.buckets.len(), 10);
        assert_eq!((r.buckets[0].from, r.buckets[0].to), (0, 9));
        assert_eq!((r.buckets[3].from, r.buckets[3].to), (30, 39));
        assert_eq!((r.buckets[9].from, r.buckets[9].to), (90, 100));
        let counts: Vec<u64> = r.buckets.iter().map(|b| b.count).collect();
        assert_eq!(counts, [0, 0, 0, 1, 1, 1, 0, 0, 0, 1]);
        assert_eq!(counts.iter().sum::<u64>(), r.count);
        assert!(
            r.correct.is_none() && r.closest.is_empty(),
            "not revealed yet"
        );
    }

    #[test]
    fn the_right_answer_and_everyone_closest_are_shown_once_revealed() {
        let mut n = Number::new(&spec(0, 100, Some(42))).unwrap();
        for (who, value) in [(1, 30), (2, 41), (3, 43), (4, 60)] {
            guess(&mut n, who, value).unwrap();
        }
        let r = n.results(true, &named);
        assert_eq!(r.correct, Some(42));
        // Tied at one off: both, in a fixed order (by participant), named where a name was given.
        assert_eq!(
            r.closest,
            vec![
                Closest {
                    name: Some("Priya".into()),
                    value: 41,
                    off: 1
                },
                Closest {
                    name: None,
                    value: 43,
                    off: 1
                },
            ]
        );
        assert!(r.closest.iter().all(|c| c.off == 1));
        // Presenter view: hidden until voting closes, then revealed.
        let open = n.view(Audience::Presenter, true, false, &named);
        assert!(open.results.as_ref().is_some_and(|r| r.correct.is_none()));
        let closed = n.view(Audience::Presenter, true, true, &named);
        assert_eq!(closed.results.and_then(|r| r.correct), Some(42));
        assert!(
            n.view(Audience::Participant, false, true, &named)
                .results
                .is_none()
        );
        assert!(
            n.view(Audience::Host, false, false, &named)
                .results
                .is_some()
        );
    }

    #[test]
    fn small_ranges_get_a_bucket_per_number_and_bad_input_changes_nothing() {
        let mut n = Number::new(&spec(1, 5, None)).unwrap();
        guess(&mut n, 1, 5).unwrap();
        let before = n.clone();
        assert_eq!(
            guess(&mut n, 2, 6).unwrap_err().code,
            RejectCode::OutOfRange
        );
        assert_eq!(
            guess(&mut n, 2, 0).unwrap_err().code,
            RejectCode::OutOfRange
        );
        assert_eq!(n, before);
        let r = n.results(true, &named);
        assert_eq!(r.buckets.len(), 5);
        assert!(r.buckets.iter().all(|b| b.from == b.to));
        assert!(r.correct.is_none(), "no right answer was set");
        for bad in [
            spec(5, 5, None),
            spec(0, 10, Some(11)),
            spec(-MAX_MAGNITUDE - 1, 0, None),
        ] {
            assert_eq!(
                Number::new(&bad).unwrap_err().code,
                RejectCode::InvalidActivity,
                "{bad:?}"
            );
        }
        // Narrowing the range drops guesses it no longer holds.
        n.edit(&spec(1, 3, None)).unwrap();
        assert_eq!(n.responses(), 0);
        let empty = n.results(false, &named);
        assert_eq!((empty.mean, empty.median), (None, None));
    }

    #[test]
    fn extreme_ranges_do_not_overflow() {
        let mut n = Number::new(&spec(-MAX_MAGNITUDE, MAX_MAGNITUDE, Some(0))).unwrap();
        guess(&mut n, 1, MAX_MAGNITUDE).unwrap();
        guess(&mut n, 2, -MAX_MAGNITUDE).unwrap();
        let r = n.results(true, &named);
        assert_eq!(r.mean, Some(0.0));
        assert_eq!(r.buckets.len(), 10);
        assert_eq!(r.buckets.iter().map(|b| b.count).sum::<u64>(), 2);
        assert_eq!(r.closest.len(), 2);
    }
}
