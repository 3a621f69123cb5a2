//! Activity types, one file each, dispatched by the enums here. Adding a type means one file, one
//! variant in [`ActivitySpec`], [`ActivityKind`], [`ActivityBody`] and [`Answer`], and one example
//! in docs/PROTOCOL.md.

pub mod ideas;
pub mod poll;
pub mod wordcloud;

use crate::domain::{ActivityId, ParticipantId, Rejection};
use serde::{Deserialize, Serialize};

pub(crate) fn yes() -> bool {
    true
}

/// Who a view is rendered for. The host sees everything, always; presenter and participants see
/// results only while the facilitator shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Audience {
    Host,
    Presenter,
    Participant,
    /// A live poll or live results embedded in another site's page.
    Embed,
}

/// An activity as the facilitator writes it (in `add_activity` and `edit_activity`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActivitySpec {
    Poll(poll::PollSpec),
    Ideas(ideas::IdeasSpec),
    Wordcloud(wordcloud::WordcloudSpec),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActivityKind {
    Poll(poll::Poll),
    Ideas(ideas::Ideas),
    Wordcloud(wordcloud::Wordcloud),
}

/// One slide of the deck with the controls every activity shares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    pub id: ActivityId,
    pub voting_open: bool,
    pub results_shown: bool,
    pub kind: ActivityKind,
}

/// What a screen shows of one activity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivityView {
    pub id: ActivityId,
    pub voting_open: bool,
    pub results_shown: bool,
    /// How many participants have answered (for ideas: suggested, then voted).
    pub responses: u64,
    #[serde(flatten)]
    pub body: ActivityBody,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActivityBody {
    Poll(poll::PollView),
    Ideas(ideas::IdeasView),
    Wordcloud(wordcloud::WordcloudView),
}

/// One participant's own answer to one activity, so their phone can show what they chose.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Answer {
    Poll { options: Vec<u32> },
    Ideas(ideas::IdeasAnswer),
    Wordcloud { words: Vec<String> },
}

impl Activity {
    /// A new activity: voting open, results shown (the live default facilitators expect).
    pub fn new(id: ActivityId, spec: &ActivitySpec) -> Result<Self, Rejection> {
        let kind = match spec {
            ActivitySpec::Poll(spec) => ActivityKind::Poll(poll::Poll::new(spec)?),
            ActivitySpec::Ideas(spec) => ActivityKind::Ideas(ideas::Ideas::new(spec)?),
            ActivitySpec::Wordcloud(spec) => {
                ActivityKind::Wordcloud(wordcloud::Wordcloud::new(spec)?)
            }
        };
        Ok(Activity {
            id,
            voting_open: true,
            results_shown: true,
            kind,
        })
    }

    /// Edits in place; the kind of an activity cannot change (delete and add instead).
    pub fn edit(&mut self, spec: &ActivitySpec) -> Result<(), Rejection> {
        match (&mut self.kind, spec) {
            (ActivityKind::Poll(state), ActivitySpec::Poll(spec)) => state.edit(spec),
            (ActivityKind::Ideas(state), ActivitySpec::Ideas(spec)) => state.edit(spec),
            (ActivityKind::Wordcloud(state), ActivitySpec::Wordcloud(spec)) => state.edit(spec),
            _ => Err(Rejection::new(
                crate::domain::RejectCode::WrongActivityKind,
                format!(
                    "activity {} is a {}; its kind cannot change",
                    self.id,
                    self.kind_name()
                ),
            )),
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ActivityKind::Poll(_) => "poll",
            ActivityKind::Ideas(_) => "ideas",
            ActivityKind::Wordcloud(_) => "wordcloud",
        }
    }

    pub fn spec(&self) -> ActivitySpec {
        match &self.kind {
            ActivityKind::Poll(state) => ActivitySpec::Poll(state.spec()),
            ActivityKind::Ideas(state) => ActivitySpec::Ideas(state.spec()),
            ActivityKind::Wordcloud(state) => ActivitySpec::Wordcloud(state.spec()),
        }
    }

    pub fn responses(&self) -> u64 {
        match &self.kind {
            ActivityKind::Poll(state) => state.responses(),
            ActivityKind::Ideas(state) => state.responses(),
            ActivityKind::Wordcloud(state) => state.responses(),
        }
    }

    pub fn answer(&self, who: &ParticipantId) -> Option<Answer> {
        match &self.kind {
            ActivityKind::Poll(state) => state.ballot(who).map(|options| Answer::Poll {
                options: options.to_vec(),
            }),
            ActivityKind::Ideas(state) => state.answer(who).map(Answer::Ideas),
            ActivityKind::Wordcloud(state) => {
                state.answer(who).map(|words| Answer::Wordcloud { words })
            }
        }
    }

    pub fn view(&self, audience: Audience) -> ActivityView {
        let shown = self.results_shown;
        let body = match &self.kind {
            ActivityKind::Poll(state) => ActivityBody::Poll(state.view(audience, shown)),
            ActivityKind::Ideas(state) => ActivityBody::Ideas(state.view(audience, shown)),
            ActivityKind::Wordcloud(state) => ActivityBody::Wordcloud(state.view(audience, shown)),
        };
        ActivityView {
            id: self.id,
            voting_open: self.voting_open,
            results_shown: self.results_shown,
            responses: self.responses(),
            body,
        }
    }

    /// True when every running tally equals a recount from the raw ballots.
    pub fn tallies_match_recount(&self) -> bool {
        match &self.kind {
            ActivityKind::Poll(state) => state.live_counts() == state.recount_from_ballots(),
            ActivityKind::Ideas(state) => state.live_counts() == state.recount_from_ballots(),
            ActivityKind::Wordcloud(state) => state.live_counts() == state.recount_from_entries(),
        }
    }
}
