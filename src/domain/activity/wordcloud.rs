//! Word cloud: each participant submits up to three short words or phrases. Words are counted
//! case-folded with whitespace collapsed, and shown in their most common spelling, so "Repairs",
//! "repairs " and "REPAIRS" make one word of weight three.

use super::AnswerContext;
use super::Audience;
use crate::domain::{
    ActivityId, Outcome, ParticipantId, RejectCode, Rejection, clean_text, reject,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_PROMPT_CHARS: usize = 300;
pub const MAX_WORD_CHARS: usize = 25;
pub const MAX_WORDS_PER_PARTICIPANT: u32 = 3;
/// Words a screen shows at most: the heaviest ones.
pub const SHOWN_WORDS: usize = 100;

fn three() -> u32 {
    3
}

/// What a participant sends: 1 to 3 words or short phrases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerCommand {
    SubmitWords {
        activity: ActivityId,
        words: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WordcloudSpec {
    pub prompt: String,
    /// Words one participant may submit in all, 1 to 3 (default 3).
    #[serde(default = "three")]
    pub max_words: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct WordStat {
    count: u64,
    /// Each spelling with its count, in the order first seen.
    spellings: Vec<(String, u64)>,
}

impl WordStat {
    /// The most common spelling; among equals, the one seen first (deterministic: the log fixes
    /// the order).
    fn display(&self) -> &str {
        let mut best: Option<(&String, u64)> = None;
        for (spelling, n) in &self.spellings {
            if best.is_none_or(|(_, m)| *n > m) {
                best = Some((spelling, *n));
            }
        }
        best.map(|(s, _)| s.as_str()).unwrap_or("")
    }

    fn add(&mut self, spelling: &str) {
        self.count += 1;
        match self.spellings.iter_mut().find(|(s, _)| s == spelling) {
            Some((_, n)) => *n += 1,
            None => self.spellings.push((spelling.to_string(), 1)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Wordcloud {
    prompt: String,
    max_words: u32,
    entries: BTreeMap<ParticipantId, Vec<String>>,
    words: BTreeMap<String, WordStat>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WordcloudView {
    pub prompt: String,
    pub max_words: u32,
    /// Total words submitted.
    pub total: u64,
    /// The heaviest words (at most 100), most frequent first; absent while results are hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<WordCount>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordCount {
    pub text: String,
    pub count: u64,
}

/// Folds a word for counting: the same key for every spelling that differs only in case.
pub fn fold(word: &str) -> String {
    word.to_lowercase()
}

impl Wordcloud {
    pub fn new(spec: &WordcloudSpec) -> Result<Self, Rejection> {
        let mut cloud = Wordcloud {
            prompt: String::new(),
            max_words: 3,
            entries: BTreeMap::new(),
            words: BTreeMap::new(),
        };
        cloud.edit(spec)?;
        Ok(cloud)
    }

    pub fn edit(&mut self, spec: &WordcloudSpec) -> Result<(), Rejection> {
        let prompt = clean_text(&spec.prompt, MAX_PROMPT_CHARS, "the prompt")?;
        if !(1..=MAX_WORDS_PER_PARTICIPANT).contains(&spec.max_words) {
            return reject(
                RejectCode::InvalidActivity,
                format!("max_words must be 1 to {MAX_WORDS_PER_PARTICIPANT}"),
            );
        }
        self.prompt = prompt;
        self.max_words = spec.max_words;
        Ok(())
    }

    pub fn spec(&self) -> WordcloudSpec {
        WordcloudSpec {
            prompt: self.prompt.clone(),
            max_words: self.max_words,
        }
    }

    /// Adds words to the participant's entry. All of them are checked before any is counted.
    pub fn apply(
        &mut self,
        command: &AnswerCommand,
        cx: &AnswerContext,
    ) -> Result<Outcome, Rejection> {
        let AnswerCommand::SubmitWords { activity, words } = command;
        self.submit(cx.who, words)?;
        Ok(Outcome::Answered(*activity))
    }

    pub fn submit(&mut self, who: ParticipantId, words: &[String]) -> Result<(), Rejection> {
        if words.is_empty() {
            return reject(RejectCode::NoWords, "send at least one word");
        }
        let mine = self.entries.get(&who).map(Vec::as_slice).unwrap_or(&[]);
        if mine.len() + words.len() > self.max_words as usize {
            return reject(
                RejectCode::TooManyWords,
                format!(
                    "{} words allowed per person; you have {} left",
                    self.max_words,
                    self.max_words as usize - mine.len().min(self.max_words as usize)
                ),
            );
        }
        let mut cleaned: Vec<String> = Vec::with_capacity(words.len());
        for raw in words {
            let word = match clean_text(raw, MAX_WORD_CHARS, "a word") {
                Ok(word) => word,
                Err(rejection) if rejection.code == RejectCode::TextTooLong => {
                    return reject(
                        RejectCode::WordTooLong,
                        format!("words are at most {MAX_WORD_CHARS} characters"),
                    );
                }
                Err(rejection) => return Err(rejection),
            };
            let key = fold(&word);
            if mine.iter().chain(cleaned.iter()).any(|w| fold(w) == key) {
                return reject(
                    RejectCode::DuplicateSubmission,
                    format!("you have already sent \"{word}\""),
                );
            }
            cleaned.push(word);
        }
        for word in &cleaned {
            self.words.entry(fold(word)).or_default().add(word);
        }
        self.entries.entry(who).or_default().extend(cleaned);
        Ok(())
    }

    /// Forgets every word (a new round).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.words.clear();
    }

    pub fn answer(&self, who: &ParticipantId) -> Option<Vec<String>> {
        self.entries.get(who).cloned()
    }

    pub fn responses(&self) -> u64 {
        self.entries.len() as u64
    }

    pub fn total_words(&self) -> u64 {
        self.words.values().map(|s| s.count).sum()
    }

    /// Every word with its count, heaviest first, ties in alphabetical order of the folded key.
    pub fn ranked(&self) -> Vec<WordCount> {
        let mut list: Vec<(&String, &WordStat)> = self.words.iter().collect();
        list.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        list.into_iter()
            .map(|(_, stat)| WordCount {
                text: stat.display().to_string(),
                count: stat.count,
            })
            .collect()
    }

    pub fn view(&self, audience: Audience, results_shown: bool) -> WordcloudView {
        let words = (results_shown || audience == Audience::Host).then(|| {
            let mut ranked = self.ranked();
            ranked.truncate(SHOWN_WORDS);
            ranked
        });
        WordcloudView {
            prompt: self.prompt.clone(),
            max_words: self.max_words,
            total: self.total_words(),
            words,
        }
    }

    /// Counts per folded word from the entries alone, for checking the running counts.
    pub fn recount_from_entries(&self) -> BTreeMap<String, u64> {
        let mut counts = BTreeMap::new();
        for words in self.entries.values() {
            for word in words {
                *counts.entry(fold(word)).or_insert(0) += 1;
            }
        }
        counts
    }

    pub fn live_counts(&self) -> BTreeMap<String, u64> {
        self.words
            .iter()
            .map(|(k, stat)| (k.clone(), stat.count))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid(n: u128) -> ParticipantId {
        ParticipantId(uuid::Uuid::from_u128(n))
    }

    fn cloud() -> Wordcloud {
        Wordcloud::new(&WordcloudSpec {
            prompt: "One word for today".into(),
            max_words: 3,
        })
        .unwrap()
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn words_are_normalised_and_shown_in_the_most_common_spelling() {
        let mut c = cloud();
        c.submit(pid(1), &words(&["Repairs"])).unwrap();
        c.submit(pid(2), &words(&["  repairs "])).unwrap();
        c.submit(pid(3), &words(&["repairs", "damp   and mould"]))
            .unwrap();
        c.submit(pid(4), &words(&["Damp and Mould"])).unwrap();
        let ranked = c.ranked();
        assert_eq!(
            ranked[0],
            WordCount {
                text: "repairs".into(),
                count: 3
            }
        );
        assert_eq!(ranked[1].count, 2);
        assert_eq!(
            ranked[1].text, "damp and mould",
            "ties go to the spelling seen first"
        );
        assert_eq!(c.total_words(), 5);
    }

    #[test]
    fn one_to_three_words_each_no_repeats_no_long_words() {
        let mut c = cloud();
        assert_eq!(c.submit(pid(1), &[]).unwrap_err().code, RejectCode::NoWords);
        assert_eq!(
            c.submit(pid(1), &words(&["a", "b", "c", "d"]))
                .unwrap_err()
                .code,
            RejectCode::TooManyWords
        );
        assert_eq!(
            c.submit(pid(1), &words(&["x".repeat(26).as_str()]))
                .unwrap_err()
                .code,
            RejectCode::WordTooLong
        );
        c.submit(pid(1), &words(&["a", "b"])).unwrap();
        assert_eq!(
            c.submit(pid(1), &words(&["A"])).unwrap_err().code,
            RejectCode::DuplicateSubmission
        );
        assert_eq!(
            c.submit(pid(1), &words(&["c", "d"])).unwrap_err().code,
            RejectCode::TooManyWords
        );
        c.submit(pid(1), &words(&["c"])).unwrap();
        assert_eq!(c.answer(&pid(1)).unwrap(), words(&["a", "b", "c"]));
        assert_eq!(c.recount_from_entries(), c.live_counts());
    }

    #[test]
    fn a_rejected_submission_counts_nothing() {
        let mut c = cloud();
        assert!(c.submit(pid(1), &words(&["fine", ""])).is_err());
        assert_eq!(c.total_words(), 0);
        assert!(c.answer(&pid(1)).is_none());
    }

    #[test]
    fn max_words_must_be_one_to_three() {
        for bad in [0, 4] {
            let spec = WordcloudSpec {
                prompt: "p".into(),
                max_words: bad,
            };
            assert_eq!(
                Wordcloud::new(&spec).unwrap_err().code,
                RejectCode::InvalidActivity
            );
        }
    }
}
