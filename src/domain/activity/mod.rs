//! Activity types, one file each, dispatched by the enums here. Adding a type means one file, one
//! variant in [`ActivitySpec`], [`ActivityKind`], [`ActivityBody`] and (if people answer it)
//! [`Answer`] and [`ActivityAnswer`], and one example in docs/PROTOCOL.md (docs/ARCHITECTURE.md,
//! "Adding an activity", lists every place).
//!
//! [`Activity`] wraps every kind with the controls they share: voting open or closed, a countdown
//! that closes voting, results shown or hidden (and whether phones see them), and rounds (a reset
//! keeps the earlier results).

pub mod circle;
pub mod grid;
pub mod groups;
pub mod ideas;
pub mod info;
pub mod leaderboard;
pub mod number;
pub mod pin;
pub mod points;
pub mod poll;
pub mod qna;
pub mod quiz;
pub mod ranking;
pub mod scales;
pub mod timer;
pub mod wordcloud;

use crate::domain::{ActivityId, Millis, ParticipantId, RejectCode, Rejection};
use serde::{Deserialize, Serialize};

pub(crate) fn yes() -> bool {
    true
}

/// Who a view is rendered for. The host sees everything, always; presenter and participants see
/// results only while the facilitator shows them (phones only if the activity allows).
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
    Scales(scales::ScalesSpec),
    Qna(qna::QnaSpec),
    Ranking(ranking::RankingSpec),
    Points(points::PointsSpec),
    Quiz(quiz::QuizSpec),
    Leaderboard(leaderboard::LeaderboardSpec),
    Info(info::InfoSpec),
    Timer(timer::TimerSpec),
    Groups(groups::GroupsSpec),
    Circle(circle::CircleSpec),
    Number(number::NumberSpec),
    Grid(grid::GridSpec),
    Pin(pin::PinSpec),
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ActivityKind {
    Poll(poll::Poll),
    Ideas(ideas::Ideas),
    Wordcloud(wordcloud::Wordcloud),
    Scales(scales::Scales),
    Qna(qna::Qna),
    Ranking(ranking::Ranking),
    Points(points::Points),
    Quiz(quiz::Quiz),
    Leaderboard(leaderboard::Leaderboard),
    Info(info::Info),
    Timer(timer::Timer),
    Groups(groups::Groups),
    Circle(circle::Circle),
    Number(number::Number),
    Grid(grid::Grid),
    Pin(pin::Pin),
}

/// One slide of the deck with the controls every activity shares.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Activity {
    pub id: ActivityId,
    pub voting_open: bool,
    pub results_shown: bool,
    /// Whether phones see results while they are shown (the screen always does).
    pub phones_see_results: bool,
    /// Whether a phone sees them before it has answered (else only once it has, or voting has
    /// closed: nobody is nudged to follow the crowd). The phone applies it: every phone gets the
    /// same frame.
    pub phones_before_answering: bool,
    /// Voting closes at this moment (a countdown).
    pub closes_at: Option<Millis>,
    /// 1 at first; each reset starts the next round.
    pub round: u32,
    /// The results of earlier rounds, oldest first (kept for exports).
    pub earlier: Vec<ActivityKind>,
    pub kind: ActivityKind,
}

/// What a screen shows of one activity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivityView {
    pub id: ActivityId,
    pub voting_open: bool,
    pub results_shown: bool,
    #[serde(default = "yes", skip_serializing_if = "Clone::clone")]
    pub phones_see_results: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub phones_before_answering: bool,
    /// When a countdown will close voting (server time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<Millis>,
    #[serde(default = "first_round", skip_serializing_if = "is_first_round")]
    pub round: u32,
    /// How many participants have answered (for ideas: suggested, then voted).
    pub responses: u64,
    #[serde(flatten)]
    pub body: ActivityBody,
}

fn first_round() -> u32 {
    1
}

fn is_first_round(round: &u32) -> bool {
    *round == 1
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActivityBody {
    Poll(poll::PollView),
    Ideas(ideas::IdeasView),
    Wordcloud(wordcloud::WordcloudView),
    Scales(scales::ScalesView),
    Qna(qna::QnaView),
    Ranking(ranking::RankingView),
    Points(points::PointsView),
    Quiz(quiz::QuizView),
    Leaderboard(leaderboard::LeaderboardView),
    Info(info::InfoView),
    Timer(timer::TimerView),
    Groups(groups::GroupsView),
    Circle(circle::CircleView),
    Number(number::NumberView),
    Grid(grid::GridView),
    Pin(pin::PinView),
}

/// Who answers, and what the room knows that an answer may need.
pub struct AnswerContext<'a> {
    pub who: ParticipantId,
    /// Their display name, if they gave one (a named question carries it).
    pub name: Option<&'a str>,
    pub at: Millis,
}

/// What the room knows that a facilitator's command to one activity may need.
pub struct HostContext<'a> {
    pub at: Millis,
    /// The room's seed: kinds that draw (breakout groups, a circle's order) derive theirs from it,
    /// so replays draw the same.
    pub seed: u64,
    /// Whether someone has joined the room.
    pub joined: &'a dyn Fn(&ParticipantId) -> bool,
    /// Who met whom in every breakout round of the session so far.
    pub met: &'a [Vec<Vec<ParticipantId>>],
}

/// Where an answer may come from: the activity on screen only (a circle's posts), or also an
/// activity that takes votes beside it (the side-lane Q&A, an embed's pinned poll) while voting is
/// open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    WhileVotingIsOpen,
    OnScreen,
}

/// Whether the `type`-tagged enum T has a variant named `tag` (a probe with nothing else in it
/// fails for want of fields, not for an unknown variant).
pub fn owns<T: serde::de::DeserializeOwned>(tag: &str) -> bool {
    match serde_json::from_value::<T>(serde_json::json!({ "type": tag })) {
        Ok(_) => true,
        Err(err) => !err.to_string().starts_with("unknown variant"),
    }
}

/// For each message `type` seen, which of a set of `type`-tagged types have a message of that type,
/// worked out once (with [`owns`]) and kept. A message can then be read straight as the type that
/// owns its tag, where an untagged enum over all of them would try each in turn and build (and
/// format) an error for every one that does not fit. Only tags that some type owns are kept, so
/// the table is bounded by the protocol, not by what clients send.
pub struct Routes<R: 'static> {
    find: fn(&str) -> Vec<R>,
    known: std::sync::RwLock<std::collections::HashMap<Box<str>, std::sync::Arc<[R]>>>,
}

impl<R: Copy + 'static> Routes<R> {
    pub fn new(find: fn(&str) -> Vec<R>) -> Self {
        Routes {
            find,
            known: Default::default(),
        }
    }

    /// The owners of `tag`, in the order an untagged enum over them would try them; `None` when
    /// no type has a message of that type.
    pub fn owners(&self, tag: &str) -> Option<std::sync::Arc<[R]>> {
        if let Ok(known) = self.known.read()
            && let Some(owners) = known.get(tag)
        {
            return Some(owners.clone());
        }
        let owners = (self.find)(tag);
        if owners.is_empty() {
            return None;
        }
        let owners: std::sync::Arc<[R]> = owners.into();
        if let Ok(mut known) = self.known.write() {
            known.insert(tag.into(), owners.clone());
        }
        Some(owners)
    }
}

/// Declares the enums over every kind's own command type, and what they share: the activity each
/// command is for, its kind's name, and a decoder that says what was wrong with a message.
macro_rules! kind_commands {
    ($(#[$meta:meta])* $name:ident { $($variant:ident($ty:ty) => $kind:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(untagged)]
        pub enum $name { $($variant($ty),)* }

        impl $name {
            /// The kind of activity this command is for.
            pub fn kind_name(&self) -> &'static str {
                match self { $($name::$variant(_) => $kind,)* }
            }

            /// `Some(how text parses)` when one of the kinds has a command of type `tag`, so
            /// its error says what is wrong; `None` when no kind has one.
            pub fn explain(tag: &str, text: &str) -> Option<Result<(), serde_json::Error>> {
                $(
                    if owns::<$ty>(tag) {
                        return Some(serde_json::from_str::<$ty>(text).map(drop));
                    }
                )*
                None
            }

            /// The positions, in declaration order (the order the untagged enum tries them), of
            /// the kinds that have a command of type `tag`.
            pub fn kinds_owning(tag: &str) -> Vec<u8> {
                let mut owners = Vec::new();
                let kinds: &[fn(&str) -> bool] = &[$(owns::<$ty>,)*];
                for (index, owns_tag) in kinds.iter().enumerate() {
                    if owns_tag(tag) {
                        owners.push(index as u8);
                    }
                }
                owners
            }

            /// `text` read as the command of the kind at `index` (of [`Self::kinds_owning`]),
            /// without trying the other kinds first.
            pub fn parse_kind(index: u8, text: &str) -> Option<Result<Self, serde_json::Error>> {
                let parsers: &[fn(&str) -> Result<Self, serde_json::Error>] =
                    &[$(|text| serde_json::from_str::<$ty>(text).map($name::$variant),)*];
                parsers.get(index as usize).map(|parse| parse(text))
            }
        }
    };
}

kind_commands! {
    /// What a participant sends to an activity: each kind's own answers.
    ActivityAnswer {
        Poll(poll::AnswerCommand) => "poll",
        Ideas(ideas::AnswerCommand) => "ideas",
        Wordcloud(wordcloud::AnswerCommand) => "wordcloud",
        Scales(scales::AnswerCommand) => "scales",
        Qna(qna::AnswerCommand) => "qna",
        Ranking(ranking::AnswerCommand) => "ranking",
        Points(points::AnswerCommand) => "points",
        Quiz(quiz::AnswerCommand) => "quiz",
        Circle(circle::AnswerCommand) => "circle",
        Number(number::AnswerCommand) => "number",
        Grid(grid::AnswerCommand) => "grid",
        Pin(pin::AnswerCommand) => "pin",
    }
}

kind_commands! {
    /// What the facilitator tells one activity to do, beyond the controls every activity shares.
    ActivityControl {
        Ideas(ideas::HostCommand) => "ideas",
        Qna(qna::HostCommand) => "qna",
        Quiz(quiz::HostCommand) => "quiz",
        Groups(groups::HostCommand) => "groups",
        Circle(circle::HostCommand) => "circle",
        Timer(timer::HostCommand) => "timer",
        Pin(pin::HostCommand) => "pin",
    }
}

impl ActivityAnswer {
    pub fn activity(&self) -> ActivityId {
        use ActivityAnswer as A;
        match self {
            A::Poll(poll::AnswerCommand::Vote { activity, .. })
            | A::Ideas(ideas::AnswerCommand::SubmitIdea { activity, .. })
            | A::Ideas(ideas::AnswerCommand::DotVote { activity, .. })
            | A::Wordcloud(wordcloud::AnswerCommand::SubmitWords { activity, .. })
            | A::Scales(scales::AnswerCommand::Rate { activity, .. })
            | A::Qna(qna::AnswerCommand::Ask { activity, .. })
            | A::Qna(qna::AnswerCommand::Upvote { activity, .. })
            | A::Ranking(ranking::AnswerCommand::Rank { activity, .. })
            | A::Points(points::AnswerCommand::Allocate { activity, .. })
            | A::Quiz(quiz::AnswerCommand::QuizAnswer { activity, .. })
            | A::Circle(circle::AnswerCommand::CirclePost { activity, .. })
            | A::Number(number::AnswerCommand::Estimate { activity, .. })
            | A::Grid(grid::AnswerCommand::Place { activity, .. })
            | A::Grid(grid::AnswerCommand::Unplace { activity, .. })
            | A::Pin(pin::AnswerCommand::Pin { activity, .. })
            | A::Pin(pin::AnswerCommand::Unpin { activity, .. }) => *activity,
        }
    }

    pub fn reach(&self) -> Reach {
        match self {
            ActivityAnswer::Circle(_) => Reach::OnScreen,
            _ => Reach::WhileVotingIsOpen,
        }
    }
}

impl ActivityControl {
    pub fn activity(&self) -> ActivityId {
        use ActivityControl as C;
        match self {
            C::Ideas(ideas::HostCommand::SetIdeasPhase { activity, .. })
            | C::Ideas(ideas::HostCommand::HideIdea { activity, .. })
            | C::Ideas(ideas::HostCommand::MergeIdeas { activity, .. })
            | C::Ideas(ideas::HostCommand::UnmergeIdea { activity, .. })
            | C::Qna(qna::HostCommand::Moderate { activity, .. })
            | C::Quiz(quiz::HostCommand::StartQuiz { activity })
            | C::Groups(groups::HostCommand::StartGroups { activity, .. })
            | C::Circle(circle::HostCommand::CircleSetup { activity, .. })
            | C::Circle(circle::HostCommand::CircleNext { activity })
            | C::Timer(timer::HostCommand::Timer { activity, .. })
            | C::Pin(pin::HostCommand::SetPinImage { activity, .. })
            | C::Pin(pin::HostCommand::RemovePin { activity, .. }) => *activity,
        }
    }

    /// Whether participants' own answers may read differently afterwards (a merge or hide of
    /// their suggestion, an approval of their question, a new round or turn): the hub then sends
    /// each a fresh `me`.
    pub fn changes_answers(&self) -> bool {
        !matches!(
            self,
            ActivityControl::Ideas(ideas::HostCommand::SetIdeasPhase { .. })
                | ActivityControl::Quiz(_)
                | ActivityControl::Timer(_)
                | ActivityControl::Pin(pin::HostCommand::SetPinImage { .. })
        )
    }

    /// The people present, for commands that draw from them; the hub fills it in.
    pub fn present_mut(&mut self) -> Option<&mut Vec<ParticipantId>> {
        match self {
            ActivityControl::Groups(groups::HostCommand::StartGroups { present, .. })
            | ActivityControl::Circle(circle::HostCommand::CircleSetup { present, .. }) => {
                Some(present)
            }
            _ => None,
        }
    }
}

/// One participant's own answer to one activity, so their phone can show what they chose.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Answer {
    Poll {
        options: Vec<u32>,
    },
    Ideas(ideas::IdeasAnswer),
    Wordcloud {
        words: Vec<String>,
    },
    Scales {
        ratings: Vec<scales::Rating>,
    },
    Qna(qna::QnaAnswer),
    Ranking {
        order: Vec<u32>,
    },
    Points {
        points: Vec<points::Allocation>,
    },
    Quiz(quiz::QuizAnswerView),
    /// The participant's standing over every quiz question so far.
    Leaderboard(leaderboard::Standing),
    /// The participant's breakout group in the current round.
    Groups(groups::GroupsAnswer),
    /// The participant's part in a solution circle.
    Circle(circle::CircleAnswer),
    /// The participant's guess.
    Number {
        value: i64,
    },
    /// Where the participant placed each item (items they have not placed are left out).
    Grid {
        placements: Vec<grid::Placement>,
    },
    /// The participant's pins, oldest first.
    Pin {
        pins: Vec<pin::MyPin>,
    },
}

impl ActivityKind {
    fn from_spec(spec: &ActivitySpec) -> Result<Self, Rejection> {
        Ok(match spec {
            ActivitySpec::Poll(s) => ActivityKind::Poll(poll::Poll::new(s)?),
            ActivitySpec::Ideas(s) => ActivityKind::Ideas(ideas::Ideas::new(s)?),
            ActivitySpec::Wordcloud(s) => ActivityKind::Wordcloud(wordcloud::Wordcloud::new(s)?),
            ActivitySpec::Scales(s) => ActivityKind::Scales(scales::Scales::new(s)?),
            ActivitySpec::Qna(s) => ActivityKind::Qna(qna::Qna::new(s)?),
            ActivitySpec::Ranking(s) => ActivityKind::Ranking(ranking::Ranking::new(s)?),
            ActivitySpec::Points(s) => ActivityKind::Points(points::Points::new(s)?),
            ActivitySpec::Quiz(s) => ActivityKind::Quiz(quiz::Quiz::new(s)?),
            ActivitySpec::Leaderboard(s) => {
                ActivityKind::Leaderboard(leaderboard::Leaderboard::new(s)?)
            }
            ActivitySpec::Info(s) => ActivityKind::Info(info::Info::new(s)?),
            ActivitySpec::Timer(s) => ActivityKind::Timer(timer::Timer::new(s)?),
            ActivitySpec::Groups(s) => ActivityKind::Groups(groups::Groups::new(s)?),
            ActivitySpec::Circle(s) => ActivityKind::Circle(circle::Circle::new(s)?),
            ActivitySpec::Number(s) => ActivityKind::Number(number::Number::new(s)?),
            ActivitySpec::Grid(s) => ActivityKind::Grid(grid::Grid::new(s)?),
            ActivitySpec::Pin(s) => ActivityKind::Pin(pin::Pin::new(s)?),
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            ActivityKind::Poll(_) => "poll",
            ActivityKind::Ideas(_) => "ideas",
            ActivityKind::Wordcloud(_) => "wordcloud",
            ActivityKind::Scales(_) => "scales",
            ActivityKind::Qna(_) => "qna",
            ActivityKind::Ranking(_) => "ranking",
            ActivityKind::Points(_) => "points",
            ActivityKind::Quiz(_) => "quiz",
            ActivityKind::Leaderboard(_) => "leaderboard",
            ActivityKind::Info(_) => "info",
            ActivityKind::Timer(_) => "timer",
            ActivityKind::Groups(_) => "groups",
            ActivityKind::Circle(_) => "circle",
            ActivityKind::Number(_) => "number",
            ActivityKind::Grid(_) => "grid",
            ActivityKind::Pin(_) => "pin",
        }
    }

    pub fn spec(&self) -> ActivitySpec {
        match self {
            ActivityKind::Poll(s) => ActivitySpec::Poll(s.spec()),
            ActivityKind::Ideas(s) => ActivitySpec::Ideas(s.spec()),
            ActivityKind::Wordcloud(s) => ActivitySpec::Wordcloud(s.spec()),
            ActivityKind::Scales(s) => ActivitySpec::Scales(s.spec()),
            ActivityKind::Qna(s) => ActivitySpec::Qna(s.spec()),
            ActivityKind::Ranking(s) => ActivitySpec::Ranking(s.spec()),
            ActivityKind::Points(s) => ActivitySpec::Points(s.spec()),
            ActivityKind::Quiz(s) => ActivitySpec::Quiz(s.spec()),
            ActivityKind::Leaderboard(s) => ActivitySpec::Leaderboard(s.spec()),
            ActivityKind::Info(s) => ActivitySpec::Info(s.spec()),
            ActivityKind::Timer(s) => ActivitySpec::Timer(s.spec()),
            ActivityKind::Groups(s) => ActivitySpec::Groups(s.spec()),
            ActivityKind::Circle(s) => ActivitySpec::Circle(s.spec()),
            ActivityKind::Number(s) => ActivitySpec::Number(s.spec()),
            ActivityKind::Grid(s) => ActivitySpec::Grid(s.spec()),
            ActivityKind::Pin(s) => ActivitySpec::Pin(s.spec()),
        }
    }

    /// Forgets every answer, keeping the activity's content and ids.
    fn clear(&mut self) {
        match self {
            ActivityKind::Poll(s) => s.clear(),
            ActivityKind::Ideas(s) => s.clear(),
            ActivityKind::Wordcloud(s) => s.clear(),
            ActivityKind::Scales(s) => s.clear(),
            ActivityKind::Qna(s) => s.clear(),
            ActivityKind::Ranking(s) => s.clear(),
            ActivityKind::Points(s) => s.clear(),
            ActivityKind::Quiz(s) => s.clear(),
            ActivityKind::Timer(s) => s.control(timer::TimerAction::Reset, 0),
            ActivityKind::Groups(s) => s.clear(),
            ActivityKind::Circle(s) => s.clear(),
            ActivityKind::Number(s) => s.clear(),
            ActivityKind::Grid(s) => s.clear(),
            ActivityKind::Pin(s) => s.clear(),
            ActivityKind::Leaderboard(_) | ActivityKind::Info(_) => {}
        }
    }

    pub fn responses(&self) -> u64 {
        match self {
            ActivityKind::Poll(s) => s.responses(),
            ActivityKind::Ideas(s) => s.responses(),
            ActivityKind::Wordcloud(s) => s.responses(),
            ActivityKind::Scales(s) => s.responses(),
            ActivityKind::Qna(s) => s.responses(),
            ActivityKind::Ranking(s) => s.responses(),
            ActivityKind::Points(s) => s.responses(),
            ActivityKind::Quiz(s) => s.responses(),
            ActivityKind::Groups(s) => s.responses(),
            ActivityKind::Circle(s) => s.responses(),
            ActivityKind::Number(s) => s.responses(),
            ActivityKind::Grid(s) => s.responses(),
            ActivityKind::Pin(s) => s.responses(),
            ActivityKind::Leaderboard(_) | ActivityKind::Info(_) | ActivityKind::Timer(_) => 0,
        }
    }

    pub fn answer(&self, who: &ParticipantId) -> Option<Answer> {
        match self {
            ActivityKind::Poll(s) => s.ballot(who).map(|options| Answer::Poll {
                options: options.to_vec(),
            }),
            ActivityKind::Ideas(s) => s.answer(who).map(Answer::Ideas),
            ActivityKind::Wordcloud(s) => s.answer(who).map(|words| Answer::Wordcloud { words }),
            ActivityKind::Scales(s) => s.answer(who).map(|ratings| Answer::Scales { ratings }),
            ActivityKind::Qna(s) => s.answer(who).map(Answer::Qna),
            ActivityKind::Ranking(s) => s.ballot(who).map(|order| Answer::Ranking {
                order: order.to_vec(),
            }),
            ActivityKind::Points(s) => s.ballot(who).map(|points| Answer::Points { points }),
            ActivityKind::Quiz(s) => s.answer_of(who).map(Answer::Quiz),
            ActivityKind::Circle(s) => s.answer(who).map(Answer::Circle),
            ActivityKind::Number(s) => s.guess(who).map(|value| Answer::Number { value }),
            ActivityKind::Grid(s) => s.answer(who).map(|placements| Answer::Grid { placements }),
            ActivityKind::Pin(s) => s.answer(who).map(|pins| Answer::Pin { pins }),
            // Leaderboards and groups name other people: the room answers for them.
            ActivityKind::Leaderboard(_)
            | ActivityKind::Groups(_)
            | ActivityKind::Info(_)
            | ActivityKind::Timer(_) => None,
        }
    }

    /// `closed`: voting has closed (a guess's right answer may then be shown).
    fn body(
        &self,
        audience: Audience,
        shown: bool,
        closed: bool,
        names: &dyn Fn(&ParticipantId) -> Option<String>,
    ) -> ActivityBody {
        match self {
            ActivityKind::Poll(s) => ActivityBody::Poll(s.view(audience, shown)),
            ActivityKind::Ideas(s) => ActivityBody::Ideas(s.view(audience, shown)),
            ActivityKind::Wordcloud(s) => ActivityBody::Wordcloud(s.view(audience, shown)),
            ActivityKind::Scales(s) => ActivityBody::Scales(s.view(audience, shown)),
            ActivityKind::Qna(s) => ActivityBody::Qna(s.view(audience)),
            ActivityKind::Ranking(s) => ActivityBody::Ranking(s.view(audience, shown)),
            ActivityKind::Points(s) => ActivityBody::Points(s.view(audience, shown)),
            ActivityKind::Quiz(s) => ActivityBody::Quiz(s.view(audience, shown)),
            // The standings span the deck: the room fills them in (results::fill_leaderboard).
            ActivityKind::Leaderboard(s) => {
                ActivityBody::Leaderboard(leaderboard::LeaderboardView {
                    title: s.title().to_string(),
                    players: 0,
                    top: Vec::new(),
                })
            }
            ActivityKind::Info(s) => ActivityBody::Info(s.view()),
            ActivityKind::Timer(s) => ActivityBody::Timer(s.view()),
            ActivityKind::Groups(s) => ActivityBody::Groups(s.view(names)),
            ActivityKind::Circle(s) => ActivityBody::Circle(s.view(names)),
            ActivityKind::Number(s) => ActivityBody::Number(s.view(audience, shown, closed, names)),
            ActivityKind::Grid(s) => ActivityBody::Grid(s.view(audience, shown)),
            ActivityKind::Pin(s) => ActivityBody::Pin(s.view(audience, shown)),
        }
    }

    /// Applies a participant's answer to this kind (refused if it is for another kind).
    fn answer_with(
        &mut self,
        command: &ActivityAnswer,
        cx: &AnswerContext,
    ) -> Result<crate::domain::Outcome, Rejection> {
        use ActivityAnswer as A;
        use ActivityKind as K;
        match (self, command) {
            (K::Poll(s), A::Poll(c)) => s.apply(c, cx),
            (K::Ideas(s), A::Ideas(c)) => s.apply(c, cx),
            (K::Wordcloud(s), A::Wordcloud(c)) => s.apply(c, cx),
            (K::Scales(s), A::Scales(c)) => s.apply(c, cx),
            (K::Qna(s), A::Qna(c)) => s.apply(c, cx),
            (K::Ranking(s), A::Ranking(c)) => s.apply(c, cx),
            (K::Points(s), A::Points(c)) => s.apply(c, cx),
            (K::Quiz(s), A::Quiz(c)) => s.apply(c, cx),
            (K::Circle(s), A::Circle(c)) => s.apply(c, cx),
            (K::Number(s), A::Number(c)) => s.apply(c, cx),
            (K::Grid(s), A::Grid(c)) => s.apply(c, cx),
            (K::Pin(s), A::Pin(c)) => s.apply(c, cx),
            (_, command) => not_this_kind(command.activity(), command.kind_name()),
        }
    }

    /// Applies a facilitator's command to this kind (refused if it is for another kind).
    fn control_with(
        &mut self,
        command: &ActivityControl,
        cx: &HostContext,
    ) -> Result<(), Rejection> {
        use ActivityControl as C;
        use ActivityKind as K;
        match (self, command) {
            (K::Ideas(s), C::Ideas(c)) => s.control(c),
            (K::Qna(s), C::Qna(c)) => s.control(c),
            (K::Quiz(s), C::Quiz(quiz::HostCommand::StartQuiz { .. })) => s.start(cx.at),
            (K::Groups(s), C::Groups(c)) => s.control(c, cx),
            (K::Circle(s), C::Circle(c)) => s.control(c, cx),
            (K::Pin(s), C::Pin(c)) => s.control(c),
            (K::Timer(s), C::Timer(timer::HostCommand::Timer { action, .. })) => {
                s.control(*action, cx.at);
                Ok(())
            }
            (K::Groups(s), C::Timer(timer::HostCommand::Timer { action, .. })) => {
                s.control_timer(*action, cx.at);
                Ok(())
            }
            (K::Circle(s), C::Timer(timer::HostCommand::Timer { action, .. })) => {
                s.control_timer(*action, cx.at);
                Ok(())
            }
            (_, command) => not_this_kind(command.activity(), command.kind_name()),
        }
    }

    /// True when every running tally equals a recount from the raw ballots.
    pub fn tallies_match_recount(&self) -> bool {
        match self {
            ActivityKind::Poll(s) => s.live_counts() == s.recount_from_ballots(),
            ActivityKind::Ideas(s) => s.live_counts() == s.recount_from_ballots(),
            ActivityKind::Wordcloud(s) => s.live_counts() == s.recount_from_entries(),
            ActivityKind::Scales(s) => s.sums_match_recount(),
            ActivityKind::Grid(s) => s.sums_match_recount(),
            // The others keep no running totals: their results are computed from the ballots.
            _ => true,
        }
    }
}

fn not_this_kind<T>(id: ActivityId, expected: &str) -> Result<T, Rejection> {
    Err(Rejection::new(
        RejectCode::WrongActivityKind,
        format!("activity {id} is not a {expected} activity"),
    ))
}

/// Whether a kind's results are shown when it (or a new round of it) starts: yes, except for
/// scales, quizzes and guesses, whose point is that nobody sees others' answers (nor anchors on
/// them) until the reveal.
fn shown_at_start(kind: &ActivityKind) -> bool {
    !matches!(
        kind,
        ActivityKind::Scales(_) | ActivityKind::Quiz(_) | ActivityKind::Number(_)
    )
}

impl Activity {
    /// A new activity: voting open; results shown, except for scales and quizzes, whose point is
    /// that nobody sees others' answers until the facilitator reveals them.
    pub fn new(id: ActivityId, spec: &ActivitySpec) -> Result<Self, Rejection> {
        let kind = ActivityKind::from_spec(spec)?;
        Ok(Activity {
            id,
            voting_open: true,
            results_shown: shown_at_start(&kind),
            phones_see_results: true,
            phones_before_answering: false,
            closes_at: None,
            round: 1,
            earlier: Vec::new(),
            kind,
        })
    }

    /// Edits in place; the kind of an activity cannot change (delete and add instead).
    pub fn edit(&mut self, spec: &ActivitySpec) -> Result<(), Rejection> {
        use ActivityKind as K;
        use ActivitySpec as S;
        match (&mut self.kind, spec) {
            (K::Poll(state), S::Poll(spec)) => state.edit(spec),
            (K::Ideas(state), S::Ideas(spec)) => state.edit(spec),
            (K::Wordcloud(state), S::Wordcloud(spec)) => state.edit(spec),
            (K::Scales(state), S::Scales(spec)) => state.edit(spec),
            (K::Qna(state), S::Qna(spec)) => state.edit(spec),
            (K::Ranking(state), S::Ranking(spec)) => state.edit(spec),
            (K::Points(state), S::Points(spec)) => state.edit(spec),
            (K::Quiz(state), S::Quiz(spec)) => state.edit(spec),
            (K::Leaderboard(state), S::Leaderboard(spec)) => state.edit(spec),
            (K::Info(state), S::Info(spec)) => state.edit(spec),
            (K::Timer(state), S::Timer(spec)) => state.edit(spec),
            (K::Groups(state), S::Groups(spec)) => state.edit(spec),
            (K::Circle(state), S::Circle(spec)) => state.edit(spec),
            (K::Number(state), S::Number(spec)) => state.edit(spec),
            (K::Grid(state), S::Grid(spec)) => state.edit(spec),
            (K::Pin(state), S::Pin(spec)) => state.edit(spec),
            _ => Err(Rejection::new(
                RejectCode::WrongActivityKind,
                format!(
                    "activity {} is a {}; its kind cannot change",
                    self.id,
                    self.kind.name()
                ),
            )),
        }
    }

    /// Starts a new round: the current results move to `earlier` and answering starts afresh with
    /// the same settings.
    pub fn reset(&mut self) {
        self.earlier.push(self.kind.clone());
        self.kind.clear();
        self.round += 1;
        self.closes_at = None;
        // A new round starts hidden where the kind starts hidden: round two of a
        // self-assessment must not show live on every phone because round one was revealed.
        self.results_shown = shown_at_start(&self.kind);
    }

    pub fn kind_name(&self) -> &'static str {
        self.kind.name()
    }

    pub fn spec(&self) -> ActivitySpec {
        self.kind.spec()
    }

    pub fn responses(&self) -> u64 {
        self.kind.responses()
    }

    pub fn answer(&self, who: &ParticipantId) -> Option<Answer> {
        self.kind.answer(who)
    }

    /// Whether voting is open at `at` (open, and any countdown not yet run out).
    pub fn open_at(&self, at: Millis) -> bool {
        self.voting_open && self.closes_at.is_none_or(|closes| at < closes)
    }

    pub fn view(&self, audience: Audience) -> ActivityView {
        self.view_with(audience, &|_| None)
    }

    /// The view, with people named by `names` where the activity shows who is who (groups).
    pub fn view_with(
        &self,
        audience: Audience,
        names: &dyn Fn(&ParticipantId) -> Option<String>,
    ) -> ActivityView {
        let shown =
            self.results_shown && (audience != Audience::Participant || self.phones_see_results);
        ActivityView {
            id: self.id,
            voting_open: self.voting_open,
            results_shown: shown,
            phones_see_results: self.phones_see_results,
            phones_before_answering: self.phones_before_answering,
            closes_at: self.closes_at,
            round: self.round,
            responses: self.responses(),
            body: self.compared(
                audience,
                self.kind.body(audience, shown, !self.voting_open, names),
            ),
        }
    }

    /// A self-assessment's results seen by the host or the screen carry the latest earlier
    /// round that has ratings, beside this one (phones do not need it).
    fn compared(&self, audience: Audience, mut body: ActivityBody) -> ActivityBody {
        if !matches!(audience, Audience::Host | Audience::Presenter) {
            return body;
        }
        let (ActivityKind::Scales(now), ActivityBody::Scales(view)) = (&self.kind, &mut body)
        else {
            return body;
        };
        let Some(results) = view.results.as_mut() else {
            return body;
        };
        let earlier = self
            .earlier
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, kind)| match kind {
                ActivityKind::Scales(s) if s.responses() > 0 => Some((i, s)),
                _ => None,
            });
        if let Some((i, then)) = earlier {
            results.previous = Some(Box::new(now.compare(results, then, i as u32 + 1)));
        }
        body
    }

    /// A participant's answer, once the room has checked they may answer this activity now.
    pub fn answer_with(
        &mut self,
        command: &ActivityAnswer,
        cx: &AnswerContext,
    ) -> Result<crate::domain::Outcome, Rejection> {
        self.kind.answer_with(command, cx)
    }

    /// A facilitator's command to this activity. Starting a quiz question also opens voting.
    pub fn control(
        &mut self,
        command: &ActivityControl,
        cx: &HostContext,
    ) -> Result<(), Rejection> {
        self.kind.control_with(command, cx)?;
        if matches!(command, ActivityControl::Quiz(_)) {
            self.voting_open = true;
        }
        Ok(())
    }

    /// What the screen would show once the facilitator reveals the results, with nobody named
    /// (the published report starts from this).
    pub fn revealed_view(&self) -> ActivityView {
        ActivityView {
            results_shown: true,
            // After the session: the right answer is part of the results.
            body: self.compared(
                Audience::Presenter,
                self.kind.body(Audience::Presenter, true, true, &|_| None),
            ),
            ..self.view(Audience::Presenter)
        }
    }

    /// True when every running tally equals a recount from the raw ballots.
    pub fn tallies_match_recount(&self) -> bool {
        self.kind.tallies_match_recount()
    }
}
