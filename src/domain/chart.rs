//! Results as a picture: one activity of the public report drawn as a self-contained SVG (no
//! scripts, no links, no external fonts or images), for newsletters and event pages that take
//! neither scripts nor iframes. The HTTP layer serves it as it is or rasterised to PNG.
//!
//! It draws only what [`super::export::public_report`] holds, so it can show nothing the report
//! would not: no pending or hidden questions, no hidden ideas, no names, no individual answers.
//! Every text is escaped, and cut or wrapped to fit by an estimate of its width
//! ([`metrics`]). A handful of words follow the room's language ([`words`]); right-to-left
//! languages mirror the layout of bars and lists, and their sentences are embedded right to left.

mod metrics;
mod words;

use super::activity::ActivityBody;
use super::activity::ideas::IdeaView;
use super::activity::number::NumberResults;
use super::activity::pin::SCALE as PIN_SCALE;
use super::export::ExportActivity;
use metrics::text_width;
use std::fmt::Write as _;
use words::{count, group_digits, text};

/// Every image is this wide (the SVG's viewBox and the PNG's pixels).
pub const WIDTH: u32 = 1200;
/// Images grow with their content up to this height; what does not fit is counted ("+ 12").
pub const MAX_HEIGHT: u32 = 4800;

const W: f64 = WIDTH as f64;
const MARGIN: f64 = 56.0;
const CONTENT: f64 = W - 2.0 * MARGIN;
const FOOTER: f64 = 96.0;
/// The most rows a list-like chart draws (ideas, questions); the rest are counted.
const MAX_LIST_ROWS: usize = 15;
const MAX_WORDS: usize = 60;
const FONTS: &str = "'Noto Sans', 'Noto Sans Arabic', 'DejaVu Sans', 'Segoe UI', Arial, sans-serif";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

impl Theme {
    pub fn parse(name: &str) -> Option<Theme> {
        match name {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    fn colours(self) -> Colours {
        match self {
            Theme::Light => Colours {
                background: "#ffffff",
                text: "#1b1f2a",
                muted: "#5a6172",
                track: "#e9ecf2",
                bar: "#8fb0e8",
                strong: "#1f4fb8",
                good: "#17803d",
                rule: "#d5d9e2",
                on_strong: "#ffffff",
                cloud: ["#1f4fb8", "#b4441a", "#17803d", "#7a3fb0", "#0e6f80"],
            },
            Theme::Dark => Colours {
                background: "#121620",
                text: "#f1f3f7",
                muted: "#a7aebd",
                track: "#232a38",
                bar: "#3c5c96",
                strong: "#7fb0ff",
                good: "#5fd08a",
                rule: "#343c4d",
                on_strong: "#121620",
                cloud: ["#7fb0ff", "#ff9b6b", "#5fd08a", "#c9a0ff", "#5fd3e6"],
            },
        }
    }
}

#[derive(Clone, Copy)]
struct Colours {
    background: &'static str,
    text: &'static str,
    muted: &'static str,
    track: &'static str,
    bar: &'static str,
    strong: &'static str,
    good: &'static str,
    rule: &'static str,
    on_strong: &'static str,
    cloud: [&'static str; 5],
}

/// A drawn image.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub svg: String,
    pub width: u32,
    pub height: u32,
}

/// Why an activity has no image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChartError {
    /// The activity has no results round with this number.
    NoRound { round: u32, rounds: u32 },
    /// Info slides, timers, breakout groups and leaderboards have no results to draw (a
    /// leaderboard without its names is a column of numbers).
    NothingToChart { kind: &'static str },
}

/// The image of one activity of the public report: `round` (1 is the first) or the current one.
/// `session_title` and the response count go in the footer; `language` is the room's BCP 47 tag.
pub fn results_chart(
    session_title: &str,
    activity: &ExportActivity,
    round: Option<u32>,
    language: &str,
    theme: Theme,
) -> Result<Chart, ChartError> {
    let rounds = activity.rounds.len() as u32;
    let chosen = match round {
        Some(n) => activity.rounds.iter().find(|r| r.round == n),
        None => activity.rounds.iter().find(|r| r.current),
    }
    .or(if round.is_none() {
        activity.rounds.last()
    } else {
        None
    })
    .ok_or(ChartError::NoRound {
        round: round.unwrap_or(0),
        rounds,
    })?;
    let view = &chosen.results;
    let language = words::catalogue_language(language);
    let mut canvas = Canvas::new(language, theme);
    let responses = view.responses;
    let footer = match &view.body {
        ActivityBody::Poll(poll) => {
            canvas.title(&poll.question);
            let voters = poll.results.as_ref().map_or(responses, |r| r.voters);
            let counts = poll
                .results
                .as_ref()
                .map(|r| r.counts.clone())
                .unwrap_or_default();
            let correct = poll
                .results
                .as_ref()
                .map(|r| r.correct.clone())
                .unwrap_or_default();
            let items: Vec<Item> = poll
                .options
                .iter()
                .enumerate()
                .map(|(i, option)| Item {
                    label: option.text.clone(),
                    value: counts.get(i).copied().unwrap_or(0),
                    correct: correct.contains(&option.id),
                    ..Item::default()
                })
                .collect();
            canvas.counted_bars(items, voters, "chart.votes_pct", false);
            count(language, "present.voters", voters, &[])
        }
        ActivityBody::Quiz(quiz) => {
            canvas.title(&quiz.question);
            let results = quiz.results.as_ref();
            let answered = results.map_or(0, |r| r.answered);
            if let Some(results) = results.filter(|r| r.answered > 0) {
                let right = count(
                    language,
                    "quiz.correct_count",
                    results.correct_answers,
                    &[("total", &group_digits(results.answered))],
                );
                let share = percent(results.correct_answers, results.answered);
                canvas.subtitle(&format!("{right} ({share}%)"), true);
            }
            let items: Vec<Item> = quiz
                .options
                .iter()
                .enumerate()
                .map(|(i, option)| Item {
                    label: option.text.clone(),
                    value: results.and_then(|r| r.counts.get(i).copied()).unwrap_or(0),
                    correct: results.is_some_and(|r| r.correct.contains(&option.id)),
                    ..Item::default()
                })
                .collect();
            canvas.counted_bars(items, answered, "chart.answers_pct", true);
            count(language, "quiz.answers", answered, &[])
        }
        ActivityBody::Ranking(ranking) => {
            canvas.title(&ranking.question);
            let voters = ranking.results.as_ref().map_or(0, |r| r.voters);
            let items: Vec<Item> = match ranking.results.as_ref().filter(|r| r.voters > 0) {
                Some(results) => results
                    .ranking
                    .iter()
                    .map(|ranked| Item {
                        label: option_text(&ranking.options, ranked.id),
                        value: ranked.score,
                        ..Item::default()
                    })
                    .collect(),
                None => plain_items(&ranking.options),
            };
            canvas.ranked_bars(items, voters, "chart.borda");
            count(language, "present.voters", voters, &[])
        }
        ActivityBody::Points(points) => {
            canvas.title(&points.question);
            let voters = points.results.as_ref().map_or(0, |r| r.voters);
            let mut items: Vec<Item> = points
                .options
                .iter()
                .enumerate()
                .map(|(i, option)| Item {
                    label: option.text.clone(),
                    value: points
                        .results
                        .as_ref()
                        .and_then(|r| r.totals.get(i).copied())
                        .unwrap_or(0),
                    ..Item::default()
                })
                .collect();
            if voters > 0 {
                items.sort_by_key(|item| std::cmp::Reverse(item.value));
            }
            canvas.ranked_bars(items, voters, "chart.points");
            count(language, "present.voters", voters, &[])
        }
        ActivityBody::Ideas(ideas) => {
            canvas.title(&ideas.prompt);
            let list: &[IdeaView] = ideas.ideas.as_deref().unwrap_or(&[]);
            let mut ranked: Vec<&IdeaView> = list.iter().collect();
            ranked.sort_by_key(|idea| std::cmp::Reverse(idea.votes.unwrap_or(0)));
            let dots: u64 = ranked.iter().map(|i| i.votes.unwrap_or(0)).sum();
            let items: Vec<Item> = ranked
                .iter()
                .map(|idea| Item {
                    label: idea.text.clone(),
                    value: idea.votes.unwrap_or(0),
                    note: (!idea.merged.is_empty())
                        .then(|| count(language, "chart.merged", idea.merged.len() as u64, &[])),
                    ..Item::default()
                })
                .collect();
            if items.is_empty() {
                canvas.empty(&count(language, "present.ideas_count", 0, &[]));
            } else {
                canvas.ranked_bars(items, dots, "chart.dots");
            }
            count(language, "present.ideas_count", ideas.count, &[])
        }
        ActivityBody::Qna(qna) => {
            canvas.title(&qna.prompt);
            let mut questions: Vec<_> = qna.questions.iter().collect();
            // Most votes first; equal votes keep the screen's order.
            questions.sort_by_key(|q| std::cmp::Reverse(q.votes));
            let votes: u64 = questions.iter().map(|q| q.votes).sum();
            let items: Vec<Item> = questions
                .iter()
                .map(|q| Item {
                    label: q.text.clone(),
                    value: q.votes,
                    tag: q.answered.then(|| text(language, "qna.answered_mark", &[])),
                    ..Item::default()
                })
                .collect();
            if items.is_empty() {
                canvas.empty(&count(language, "qna.count", 0, &[]));
            } else {
                canvas.list_bars(items, votes, "qna.votes");
            }
            count(language, "qna.count", qna.questions.len() as u64, &[])
        }
        ActivityBody::Wordcloud(cloud) => {
            canvas.title(&cloud.prompt);
            let words = cloud.words.as_deref().unwrap_or(&[]);
            if words.is_empty() {
                canvas.empty(&count(language, "present.words_count", 0, &[]));
            } else {
                canvas.cloud(
                    &words
                        .iter()
                        .take(MAX_WORDS)
                        .map(|w| (w.text.as_str(), w.count))
                        .collect::<Vec<_>>(),
                );
            }
            count(language, "present.words_count", cloud.total, &[])
        }
        ActivityBody::Scales(scales) => {
            let heading = if scales.prompt.trim().is_empty() {
                session_title
            } else {
                &scales.prompt
            };
            canvas.title(heading);
            canvas.scales(scales);
            count(language, "scales.screen_people", responses, &[])
        }
        ActivityBody::Number(number) => {
            canvas.title(&number.question);
            let estimates = number.results.as_ref().map_or(0, |r| r.count);
            match number.results.as_ref().filter(|r| r.count > 0) {
                Some(results) => canvas.number(results, number.unit.as_deref()),
                None => canvas.empty(&count(language, "number.results", 0, &[])),
            }
            count(language, "chart.estimates", estimates, &[])
        }
        ActivityBody::Grid(grid) => {
            canvas.title(&grid.question);
            canvas.grid(grid);
            count(
                language,
                "grid.voters",
                grid.results.as_ref().map_or(0, |r| r.voters),
                &[],
            )
        }
        ActivityBody::Pin(pin) => {
            canvas.title(&pin.question);
            canvas.pins(pin);
            let (pins, people) = pin.results.as_ref().map_or((0, 0), |r| (r.pins, r.voters));
            if pins == 0 {
                text(language, "pin.none_yet", &[])
            } else {
                count(
                    language,
                    "pin.totals",
                    people,
                    &[("pins", &count(language, "pin.pins", pins, &[]))],
                )
            }
        }
        ActivityBody::Circle(circle) => {
            let heading = [&circle.title, &circle.challenge]
                .into_iter()
                .find(|t| !t.trim().is_empty())
                .map_or(session_title, |t| t.as_str());
            canvas.title(heading);
            if !circle.challenge.trim().is_empty() && circle.challenge != heading {
                canvas.subtitle(&circle.challenge, false);
            }
            if circle.ideas.is_empty() {
                canvas.empty(&text(language, "circle.no_ideas", &[]));
            } else {
                canvas.subtitle(&text(language, "circle.ideas", &[]), true);
                let ideas: Vec<&str> = circle.ideas.iter().map(|i| i.text.as_str()).collect();
                canvas.numbered_list(&ideas);
            }
            count(
                language,
                "present.ideas_count",
                circle.ideas.len() as u64,
                &[],
            )
        }
        ActivityBody::Info(_)
        | ActivityBody::Timer(_)
        | ActivityBody::Groups(_)
        | ActivityBody::Leaderboard(_) => {
            return Err(ChartError::NothingToChart {
                kind: activity.kind,
            });
        }
    };
    Ok(canvas.finish(session_title, &footer))
}

fn percent(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        0
    } else {
        ((part as f64) * 100.0 / (whole as f64)).round() as u64
    }
}

fn option_text(options: &[super::activity::poll::PollOption], id: u32) -> String {
    options
        .iter()
        .find(|o| o.id == id)
        .map(|o| o.text.clone())
        .unwrap_or_default()
}

fn plain_items(options: &[super::activity::poll::PollOption]) -> Vec<Item> {
    options
        .iter()
        .map(|o| Item {
            label: o.text.clone(),
            ..Item::default()
        })
        .collect()
}

/// A number as people read it: whole numbers without decimals, others with one.
fn decimal(value: f64) -> String {
    if (value - value.round()).abs() < 0.05 {
        format!("{}", value.round() as i64)
    } else {
        format!("{value:.1}")
    }
}

/// One bar of a bar chart.
#[derive(Clone, Debug, Default)]
struct Item {
    label: String,
    value: u64,
    /// A right answer.
    correct: bool,
    /// Muted words under the label (merged suggestions).
    note: Option<String>,
    /// A mark after the label ("✓ Answered").
    tag: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Start,
    Middle,
    End,
}

struct Style {
    size: f64,
    bold: bool,
    fill: &'static str,
}

/// The image being drawn: SVG elements top to bottom, `y` the next free line.
struct Canvas {
    language: &'static str,
    rtl: bool,
    colours: Colours,
    body: String,
    y: f64,
    /// The image's accessible name: the first title drawn.
    name: Option<String>,
}

impl Canvas {
    fn new(language: &'static str, theme: Theme) -> Canvas {
        Canvas {
            language,
            rtl: words::right_to_left(language),
            colours: theme.colours(),
            body: String::new(),
            y: MARGIN,
            name: None,
        }
    }

    /// The lowest `y` that content may reach, leaving room for the footer.
    fn floor(&self) -> f64 {
        f64::from(MAX_HEIGHT) - FOOTER - MARGIN
    }

    /// `x` measured from the reading side: the left, or the right in right-to-left languages.
    fn x(&self, x: f64) -> f64 {
        if self.rtl { W - x } else { x }
    }

    fn anchor(&self, anchor: Anchor) -> &'static str {
        match (anchor, self.rtl) {
            (Anchor::Middle, _) => "middle",
            (Anchor::Start, false) | (Anchor::End, true) => "start",
            (Anchor::Start, true) | (Anchor::End, false) => "end",
        }
    }

    /// A line of text at (`x` from the reading side, baseline `y`).
    fn text(&mut self, x: f64, y: f64, style: &Style, anchor: Anchor, content: &str) {
        let x = self.x(x);
        let anchor = self.anchor(anchor);
        self.text_at(x, y, style, anchor, content);
    }

    /// A line of text at absolute coordinates (plots keep their axes whatever the language).
    fn text_at(&mut self, x: f64, y: f64, style: &Style, anchor: &str, content: &str) {
        let weight = if style.bold {
            " font-weight=\"700\""
        } else {
            ""
        };
        let content = if self.rtl {
            // Embedded right to left: the sentence reads in its own order in any renderer.
            format!("\u{202B}{}\u{202C}", escape(content))
        } else {
            escape(content)
        };
        let _ = write!(
            self.body,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\"{weight} fill=\"{fill}\" text-anchor=\"{anchor}\">{content}</text>",
            size = style.size,
            fill = style.fill,
        );
    }

    /// A mean on a scale's track (`x`, `width`, `y`), filled to `share` of it, and its figure
    /// ("mean 3.4") after the track, in `room` pixels.
    fn mean_on_track(
        &mut self,
        (x, width, y): (f64, f64, f64),
        share: f64,
        fill: &str,
        mean: f64,
        style: &Style,
        room: f64,
    ) {
        self.bar(x, y, (width * share.clamp(0.0, 1.0)).max(6.0), 22.0, fill);
        let value = text(
            self.language,
            "scales.mean_value",
            &[("mean", &format!("{mean:.1}"))],
        );
        let value = fit(&value, room - 16.0, style.size, true);
        self.text(x + width + 16.0, y + 19.0, style, Anchor::Start, &value);
    }

    /// The earlier round's mean: a mark across a track (`x`, `width`, `y`) at `share` of it.
    fn then_mark(&mut self, (x, width, y): (f64, f64, f64), share: f64) {
        let at = x + width * share.clamp(0.0, 1.0) - 2.0;
        let mark = self.colours.text;
        self.bar(at, y - 4.0, 4.0, 30.0, mark);
    }

    /// A rectangle `w` wide from `x` on the reading side.
    fn bar(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str) {
        let left = if self.rtl { W - x - w } else { x };
        self.rect_at(left, y, w, h, fill);
    }

    fn rect_at(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str) {
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        let _ = write!(
            self.body,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"{r:.1}\" fill=\"{fill}\"/>",
            r = (h / 2.0).min(6.0),
        );
    }

    fn style(&self, size: f64, bold: bool, fill: &'static str) -> Style {
        Style { size, bold, fill }
    }

    fn title(&mut self, title: &str) {
        let title = if title.trim().is_empty() { " " } else { title };
        self.name.get_or_insert_with(|| title.to_string());
        let style = self.style(38.0, true, self.colours.text);
        let lines = wrap(title, CONTENT, style.size, true, 3);
        for line in lines {
            self.y += 46.0;
            self.text(MARGIN, self.y, &style, Anchor::Start, &line);
        }
        self.y += 20.0;
    }

    fn subtitle(&mut self, words: &str, strong: bool) {
        let style = if strong {
            self.style(24.0, true, self.colours.strong)
        } else {
            self.style(24.0, false, self.colours.muted)
        };
        for line in wrap(words, CONTENT, style.size, style.bold, 2) {
            self.y += 32.0;
            self.text(MARGIN, self.y, &style, Anchor::Start, &line);
        }
        self.y += 22.0;
    }

    /// The "nothing yet" state: a calm line where the chart would be.
    fn empty(&mut self, words: &str) {
        self.y += 40.0;
        let style = self.style(30.0, false, self.colours.muted);
        let line = fit(words, CONTENT, style.size, false);
        self.y += 30.0;
        self.text(W / 2.0, self.y, &style, Anchor::Middle, &line);
        self.y += 60.0;
    }

    /// "+ 12": what did not fit.
    fn more(&mut self, left: usize) {
        if left == 0 {
            return;
        }
        let style = self.style(22.0, false, self.colours.muted);
        self.y += 30.0;
        self.text(MARGIN, self.y, &style, Anchor::Start, &format!("… +{left}"));
        self.y += 10.0;
    }

    /// Bars in the activity's own order, each with its count and share of `whole` (polls,
    /// quizzes). The most chosen are marked, ties as ties; nothing is marked before the first
    /// answer. `quiz`: the right answers are what is marked, not the most chosen.
    fn counted_bars(&mut self, items: Vec<Item>, whole: u64, caption_key: &str, quiz: bool) {
        let language = self.language;
        let top = items.iter().map(|i| i.value).max().unwrap_or(0);
        if whole == 0 || top == 0 {
            let key = if quiz {
                "quiz.answers"
            } else {
                "present.responses"
            };
            self.subtitle(&count(language, key, 0, &[]), false);
        } else if !quiz {
            let leaders: Vec<&str> = items
                .iter()
                .filter(|i| i.value == top)
                .map(|i| i.label.as_str())
                .collect();
            self.leaders(&leaders);
        }
        let leaders = if whole > 0 && top > 0 {
            items.iter().filter(|i| i.value == top).count()
        } else {
            0
        };
        let rows: Vec<Row> = items
            .into_iter()
            .map(|item| {
                let leading = leaders > 0 && item.value == top;
                Row {
                    fraction: if top == 0 {
                        0.0
                    } else {
                        item.value as f64 / top as f64
                    },
                    caption: (whole > 0).then(|| {
                        count(
                            language,
                            caption_key,
                            item.value,
                            &[("pct", &percent(item.value, whole).to_string())],
                        )
                    }),
                    strong: if quiz { item.correct } else { leading },
                    tag: if item.correct {
                        Some(format!("✓ {}", text(language, "chart.correct", &[])))
                    } else if leading && leaders > 1 && !quiz {
                        Some(text(language, "chart.tied_rank", &[("n", "1")]))
                    } else {
                        item.tag
                    },
                    note: item.note,
                    label: item.label,
                    rank: None,
                }
            })
            .collect();
        self.rows(rows, usize::MAX);
    }

    /// "Winner: X" or "Tied: A, B".
    fn leaders(&mut self, leaders: &[&str]) {
        let language = self.language;
        let line = match leaders {
            [] => return,
            [one] => text(language, "chart.winner", &[("name", one)]),
            many => {
                let separator = if self.rtl { "، " } else { ", " };
                text(language, "chart.tied", &[("names", &many.join(separator))])
            }
        };
        self.subtitle(&line, true);
    }

    /// Bars in order of their score, highest first, with ranks; equal scores share a rank and
    /// say they are tied. Before the first vote, the options in their own order, unranked.
    fn ranked_bars(&mut self, items: Vec<Item>, total: u64, caption_key: &str) {
        let language = self.language;
        let top = items.iter().map(|i| i.value).max().unwrap_or(0);
        if total == 0 || top == 0 {
            self.subtitle(&count(language, "present.responses", 0, &[]), false);
            let rows = items
                .into_iter()
                .map(|item| Row {
                    label: item.label,
                    note: item.note,
                    ..Row::default()
                })
                .collect();
            self.rows(rows, MAX_LIST_ROWS);
            return;
        }
        let leaders: Vec<&str> = items
            .iter()
            .filter(|i| i.value == top)
            .map(|i| i.label.as_str())
            .collect();
        self.leaders(&leaders);
        let mut rows = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let rank = items
                .iter()
                .position(|i| i.value == item.value)
                .unwrap_or(index)
                + 1;
            let shared = items.iter().filter(|i| i.value == item.value).count() > 1;
            rows.push(Row {
                label: item.label.clone(),
                fraction: item.value as f64 / top as f64,
                caption: Some(count(language, caption_key, item.value, &[])),
                strong: item.value == top,
                tag: if shared && item.value > 0 {
                    Some(text(
                        language,
                        "chart.tied_rank",
                        &[("n", &rank.to_string())],
                    ))
                } else {
                    item.tag.clone()
                },
                note: item.note.clone(),
                rank: Some(rank),
            });
        }
        self.rows(rows, MAX_LIST_ROWS);
    }

    /// Bars for a list (questions) whose order is already decided: no winner line.
    fn list_bars(&mut self, items: Vec<Item>, total: u64, caption_key: &str) {
        let language = self.language;
        let top = items.iter().map(|i| i.value).max().unwrap_or(0);
        let rows = items
            .into_iter()
            .map(|item| Row {
                fraction: if top == 0 {
                    0.0
                } else {
                    item.value as f64 / top as f64
                },
                caption: Some(count(language, caption_key, item.value, &[])),
                strong: total > 0 && item.value == top,
                label: item.label,
                tag: item.tag,
                note: item.note,
                rank: None,
            })
            .collect();
        self.rows(rows, MAX_LIST_ROWS);
    }

    /// Draws bar rows: the label (two lines at most) with its tag, a note, then the bar with
    /// its caption at the end of the track. At most `limit` rows, and no further than the floor.
    fn rows(&mut self, rows: Vec<Row>, limit: usize) {
        let caption_style = self.style(22.0, false, self.colours.muted);
        let widest = rows
            .iter()
            .filter_map(|r| r.caption.as_deref())
            .map(|c| text_width(c, caption_style.size, true))
            .fold(0.0, f64::max)
            .min(CONTENT * 0.4);
        let track = if widest > 0.0 {
            CONTENT - widest - 20.0
        } else {
            CONTENT
        };
        let rank_width = if rows.iter().any(|r| r.rank.is_some()) {
            48.0
        } else {
            0.0
        };
        let total = rows.len();
        for (index, row) in rows.into_iter().enumerate() {
            let label_style = if row.strong {
                self.style(25.0, true, self.colours.text)
            } else {
                self.style(25.0, false, self.colours.text)
            };
            let tag_style = self.style(20.0, true, self.colours.good);
            let tag_width = row
                .tag
                .as_deref()
                .map_or(0.0, |t| text_width(t, tag_style.size, true) + 16.0)
                .min(CONTENT * 0.45);
            let label_room = CONTENT - rank_width - tag_width;
            let label_lines = wrap(&row.label, label_room, label_style.size, row.strong, 2);
            let height = label_lines.len() as f64 * 32.0
                + if row.note.is_some() { 28.0 } else { 0.0 }
                + 54.0;
            if index >= limit || self.y + height > self.floor() {
                self.more(total - index);
                break;
            }
            let top = self.y;
            if let Some(rank) = row.rank {
                let style = self.style(25.0, true, self.colours.muted);
                self.text(
                    MARGIN,
                    top + 28.0,
                    &style,
                    Anchor::Start,
                    &format!("{rank}."),
                );
            }
            let mut line_y = top;
            let mut last_width = 0.0;
            for line in &label_lines {
                line_y += 32.0;
                last_width = text_width(line, label_style.size, row.strong);
                self.text(
                    MARGIN + rank_width,
                    line_y,
                    &label_style,
                    Anchor::Start,
                    line,
                );
            }
            if let Some(tag) = &row.tag {
                let tag = fit(tag, tag_width, tag_style.size, true);
                let tag_style = if tag.starts_with('✓') {
                    tag_style
                } else {
                    self.style(20.0, true, self.colours.strong)
                };
                self.text(
                    MARGIN + rank_width + last_width + 16.0,
                    line_y,
                    &tag_style,
                    Anchor::Start,
                    &tag,
                );
            }
            if let Some(note) = &row.note {
                let style = self.style(19.0, false, self.colours.muted);
                line_y += 26.0;
                let note = fit(note, CONTENT - rank_width, style.size, false);
                self.text(MARGIN + rank_width, line_y, &style, Anchor::Start, &note);
            }
            let bar_y = line_y + 12.0;
            let bar_x = MARGIN + rank_width;
            let bar_room = track - rank_width;
            self.bar(bar_x, bar_y, bar_room, 26.0, self.colours.track);
            let fill = if row.strong {
                self.colours.strong
            } else {
                self.colours.bar
            };
            self.bar(
                bar_x,
                bar_y,
                bar_room * row.fraction.clamp(0.0, 1.0),
                26.0,
                fill,
            );
            if let Some(caption) = &row.caption {
                let caption = fit(caption, widest.max(40.0), caption_style.size, true);
                let style = self.style(22.0, true, self.colours.text);
                self.text(
                    MARGIN + track + 20.0,
                    bar_y + 21.0,
                    &style,
                    Anchor::Start,
                    &caption,
                );
            }
            self.y = bar_y + 26.0 + 22.0;
        }
        self.y += 6.0;
    }

    fn numbered_list(&mut self, entries: &[&str]) {
        let style = self.style(24.0, false, self.colours.text);
        let number_style = self.style(24.0, true, self.colours.muted);
        let total = entries.len();
        for (index, entry) in entries.iter().enumerate() {
            let lines = wrap(entry, CONTENT - 48.0, style.size, false, 3);
            let height = lines.len() as f64 * 32.0 + 14.0;
            if index >= MAX_LIST_ROWS || self.y + height > self.floor() {
                self.more(total - index);
                break;
            }
            self.text(
                MARGIN,
                self.y + 32.0,
                &number_style,
                Anchor::Start,
                &format!("{}.", index + 1),
            );
            for line in lines {
                self.y += 32.0;
                self.text(MARGIN + 48.0, self.y, &style, Anchor::Start, &line);
            }
            self.y += 14.0;
        }
    }

    /// Words sized by how often they were given, heaviest first, in centred lines.
    fn cloud(&mut self, words: &[(&str, u64)]) {
        let top = words.iter().map(|w| w.1).max().unwrap_or(1).max(1) as f64;
        let few = words.len() <= 8;
        let (smallest, largest) = if few { (30.0, 84.0) } else { (22.0, 72.0) };
        let gap = 30.0;
        // Each word: (text, size, width, rank); each line: (its tallest size, its words).
        type Placed = (String, f64, f64, usize);
        let mut lines: Vec<(f64, Vec<Placed>)> = Vec::new();
        let mut current: Vec<Placed> = Vec::new();
        let mut used = 0.0;
        for (rank, (word, n)) in words.iter().enumerate() {
            let size = (smallest + (largest - smallest) * (*n as f64 / top).sqrt()).round();
            let word = fit(word, CONTENT, size, true);
            let width = text_width(&word, size, true);
            if !current.is_empty() && used + gap + width > CONTENT {
                let height = current.iter().map(|w| w.1).fold(0.0, f64::max);
                lines.push((height, std::mem::take(&mut current)));
                used = 0.0;
            }
            used += if current.is_empty() {
                width
            } else {
                gap + width
            };
            current.push((word, size, width, rank));
        }
        if !current.is_empty() {
            let height = current.iter().map(|w| w.1).fold(0.0, f64::max);
            lines.push((height, current));
        }
        self.y += 20.0;
        for (height, line) in lines {
            if self.y + height * 1.3 > self.floor() {
                break;
            }
            self.y += height * 1.15;
            let width: f64 =
                line.iter().map(|w| w.2).sum::<f64>() + gap * (line.len().saturating_sub(1)) as f64;
            let mut x = MARGIN + (CONTENT - width) / 2.0;
            // The heaviest word of each line in its middle, lighter ones to either side.
            let mut ordered = std::collections::VecDeque::new();
            for (i, word) in line.into_iter().enumerate() {
                if i % 2 == 0 {
                    ordered.push_back(word);
                } else {
                    ordered.push_front(word);
                }
            }
            for (word, size, w, rank) in ordered {
                let fill = self.colours.cloud[rank % self.colours.cloud.len()];
                let style = Style {
                    size,
                    bold: true,
                    fill,
                };
                self.text(x, self.y, &style, Anchor::Start, &word);
                x += w + gap;
            }
            self.y += height * 0.25;
        }
        self.y += 30.0;
    }

    /// Each statement's mean on the scale, in the framework's order, then each theme's.
    fn scales(&mut self, scales: &super::activity::scales::ScalesView) {
        let language = self.language;
        let Some(results) = scales.results.as_ref() else {
            self.empty(&text(language, "scales.no_ratings", &[]));
            return;
        };
        if results.statements.iter().all(|s| s.mean.is_none()) {
            self.empty(&text(language, "scales.no_ratings", &[]));
            return;
        }
        let span = f64::from((scales.max - scales.min).max(1));
        let label_width = CONTENT * 0.48;
        let value_width = 150.0;
        let track_x = MARGIN + label_width + 24.0;
        let track = CONTENT - label_width - 24.0 - value_width;
        // The scale's ends over the tracks.
        let ends = self.style(19.0, false, self.colours.muted);
        let low = match &scales.min_label {
            Some(label) => format!("{} {label}", scales.min),
            None => scales.min.to_string(),
        };
        let high = match &scales.max_label {
            Some(label) => format!("{} {label}", scales.max),
            None => scales.max.to_string(),
        };
        self.y += 26.0;
        let low = fit(&low, track / 2.0 - 8.0, ends.size, false);
        let high = fit(&high, track / 2.0 - 8.0, ends.size, false);
        self.text(track_x, self.y, &ends, Anchor::Start, &low);
        self.text(track_x + track, self.y, &ends, Anchor::End, &high);
        // Scored again: a mark on each bar where the round before left it, and a key to say so.
        let previous = results.previous.as_deref();
        let then_statement: std::collections::BTreeMap<u32, f64> = previous
            .map(|p| {
                p.statements
                    .iter()
                    .filter_map(|s| Some((s.id, s.mean?)))
                    .collect()
            })
            .unwrap_or_default();
        let then_theme: std::collections::BTreeMap<&str, f64> = previous
            .map(|p| {
                p.themes
                    .iter()
                    .filter_map(|t| Some((t.theme.as_str(), t.mean?)))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(previous) = previous {
            self.y += 28.0;
            let key = text(
                language,
                "scales.then_key",
                &[("round", &previous.round.to_string())],
            );
            let key = fit(&key, CONTENT - 12.0, ends.size, false);
            let mark = self.colours.text;
            self.bar(MARGIN, self.y - 17.0, 4.0, 22.0, mark);
            self.text(MARGIN + 12.0, self.y, &ends, Anchor::Start, &key);
            self.y += 10.0;
        }
        let share_of = |mean: f64| (mean - f64::from(scales.min)) / span;
        self.y += 10.0;
        let label_style = self.style(21.0, false, self.colours.text);
        let value_style = self.style(21.0, true, self.colours.text);
        let muted = self.style(19.0, false, self.colours.muted);
        let statements = &scales.statements;
        let themes_height = if results.themes.is_empty() {
            0.0
        } else {
            60.0 + 44.0 * results.themes.len() as f64
        };
        let total = results.statements.len();
        for (index, result) in results.statements.iter().enumerate() {
            let label = statements
                .iter()
                .find(|s| s.id == result.id)
                .map_or("", |s| s.text.as_str());
            let lines = wrap(label, label_width, label_style.size, false, 2);
            let height = lines.len() as f64 * 27.0 + 16.0;
            if self.y + height + themes_height.min(400.0) > self.floor() {
                self.more(total - index);
                break;
            }
            let top = self.y;
            for (i, line) in lines.iter().enumerate() {
                self.text(
                    MARGIN,
                    top + 24.0 + 27.0 * i as f64,
                    &label_style,
                    Anchor::Start,
                    line,
                );
            }
            let bar_y = top + 8.0;
            self.bar(track_x, bar_y, track, 22.0, self.colours.track);
            match result.mean {
                Some(mean) => {
                    let share = share_of(mean);
                    let fill = self.colours.bar;
                    self.mean_on_track(
                        (track_x, track, bar_y),
                        share,
                        fill,
                        mean,
                        &value_style,
                        value_width,
                    );
                }
                None => {
                    let value = fit(
                        &text(language, "scales.no_ratings", &[]),
                        value_width - 16.0,
                        muted.size,
                        false,
                    );
                    self.text(
                        track_x + track + 16.0,
                        bar_y + 19.0,
                        &muted,
                        Anchor::Start,
                        &value,
                    );
                }
            }
            if let Some(then) = then_statement.get(&result.id) {
                self.then_mark((track_x, track, bar_y), share_of(*then));
            }
            self.y = top + height;
        }
        if !results.themes.is_empty() {
            self.y += 16.0;
            let heading = self.style(26.0, true, self.colours.text);
            self.y += 30.0;
            let words = text(language, "scales.themes", &[]);
            self.text(MARGIN, self.y, &heading, Anchor::Start, &words);
            self.y += 10.0;
            let strong_label = self.style(21.0, true, self.colours.text);
            for theme in &results.themes {
                if self.y + 44.0 > self.floor() {
                    break;
                }
                let top = self.y;
                let label = fit(&theme.theme, label_width, strong_label.size, true);
                self.text(MARGIN, top + 31.0, &strong_label, Anchor::Start, &label);
                let bar_y = top + 12.0;
                self.bar(track_x, bar_y, track, 22.0, self.colours.track);
                if let Some(mean) = theme.mean {
                    let share = share_of(mean);
                    let fill = self.colours.strong;
                    self.mean_on_track(
                        (track_x, track, bar_y),
                        share,
                        fill,
                        mean,
                        &value_style,
                        value_width,
                    );
                }
                if let Some(then) = then_theme.get(theme.theme.as_str()) {
                    self.then_mark((track_x, track, bar_y), share_of(*then));
                }
                self.y = top + 44.0;
            }
        }
        self.y += 16.0;
    }

    /// Mean, median and the answer, then the estimates as a histogram (low to high, left to
    /// right, in every language: a number line).
    fn number(&mut self, results: &NumberResults, unit: Option<&str>) {
        let language = self.language;
        let with_unit = |value: String| match unit {
            Some(unit) if !unit.is_empty() => format!("{value} {unit}"),
            _ => value,
        };
        let mut stats: Vec<(String, String)> = Vec::new();
        if let Some(mean) = results.mean {
            stats.push((text(language, "number.mean", &[]), with_unit(decimal(mean))));
        }
        if let Some(median) = results.median {
            stats.push((
                text(language, "number.median", &[]),
                with_unit(decimal(median)),
            ));
        }
        if let Some(correct) = results.correct {
            stats.push((
                text(language, "number.answer", &[]),
                with_unit(correct.to_string()),
            ));
        }
        if !stats.is_empty() {
            let column = CONTENT / stats.len() as f64;
            let label = self.style(20.0, false, self.colours.muted);
            let value = self.style(40.0, true, self.colours.text);
            for (i, (name, amount)) in stats.iter().enumerate() {
                let x = MARGIN + column * i as f64;
                let name = fit(name, column - 20.0, label.size, false);
                let amount = fit(amount, column - 20.0, value.size, true);
                self.text(x, self.y + 26.0, &label, Anchor::Start, &name);
                self.text(x, self.y + 74.0, &value, Anchor::Start, &amount);
            }
            self.y += 110.0;
        }
        let buckets = &results.buckets;
        if buckets.is_empty() {
            return;
        }
        let top = buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
        let plot_height = 300.0;
        let slot = CONTENT / buckets.len() as f64;
        let gap = (slot * 0.15).min(16.0);
        let base = self.y + 40.0 + plot_height;
        let count_style = self.style(20.0, true, self.colours.text);
        let range_size = if slot < 90.0 { 14.0 } else { 17.0 };
        let range_style = self.style(range_size, false, self.colours.muted);
        for (i, bucket) in buckets.iter().enumerate() {
            let x = MARGIN + slot * i as f64 + gap / 2.0;
            let w = slot - gap;
            let h = plot_height * bucket.count as f64 / top;
            let holds_answer = results
                .correct
                .is_some_and(|c| c >= bucket.from && c <= bucket.to);
            let fill = if holds_answer {
                self.colours.good
            } else if bucket.count as f64 == top {
                self.colours.strong
            } else {
                self.colours.bar
            };
            self.rect_at(x, base - plot_height, w, plot_height, self.colours.track);
            self.rect_at(x, base - h, w, h, fill);
            if bucket.count > 0 {
                let n = fit(&group_digits(bucket.count), w, count_style.size, true);
                self.text_at(x + w / 2.0, base - h - 8.0, &count_style, "middle", &n);
            }
            let range = if bucket.from == bucket.to {
                bucket.from.to_string()
            } else {
                format!("{}–{}", bucket.from, bucket.to)
            };
            let range = fit(&range, slot - 4.0, range_style.size, false);
            self.text_at(x + w / 2.0, base + 26.0, &range_style, "middle", &range);
        }
        self.y = base + 50.0;
        if let Some(unit) = unit.filter(|u| !u.is_empty()) {
            let style = self.style(18.0, false, self.colours.muted);
            let unit = fit(unit, CONTENT, style.size, false);
            self.text_at(W / 2.0, self.y, &style, "middle", &unit);
            self.y += 16.0;
        }
    }

    /// The 2×2 board: each item's mean position as a numbered dot, how far people disagree as a
    /// halo, the quadrants' names in their corners, and a key beside it.
    fn grid(&mut self, grid: &super::activity::grid::GridView) {
        let language = self.language;
        let Some(results) = grid.results.as_ref().filter(|r| r.voters > 0) else {
            self.empty(&count(language, "grid.voters", 0, &[]));
            return;
        };
        let side = 600.0;
        let axis_room = 44.0;
        // The board at the reading side, the key on the other.
        let board_x = if self.rtl {
            W - MARGIN - side
        } else {
            MARGIN + axis_room
        };
        let board_y = self.y + 16.0;
        let c = self.colours;
        let _ = write!(
            self.body,
            "<rect x=\"{board_x:.1}\" y=\"{board_y:.1}\" width=\"{side}\" height=\"{side}\" fill=\"{}\" stroke=\"{}\" stroke-width=\"2\"/>\
             <line x1=\"{mx:.1}\" y1=\"{board_y:.1}\" x2=\"{mx:.1}\" y2=\"{by2:.1}\" stroke=\"{}\" stroke-width=\"2\"/>\
             <line x1=\"{board_x:.1}\" y1=\"{my:.1}\" x2=\"{bx2:.1}\" y2=\"{my:.1}\" stroke=\"{}\" stroke-width=\"2\"/>",
            c.background,
            c.rule,
            c.rule,
            c.rule,
            mx = board_x + side / 2.0,
            my = board_y + side / 2.0,
            by2 = board_y + side,
            bx2 = board_x + side,
        );
        let corner = self.style(18.0, false, c.muted);
        for (i, name) in grid.quadrants.iter().enumerate().take(4) {
            if name.trim().is_empty() {
                continue;
            }
            let (x, anchor) = if i % 2 == 0 {
                (board_x + 12.0, "start")
            } else {
                (board_x + side - 12.0, "end")
            };
            let y = if i < 2 {
                board_y + 28.0
            } else {
                board_y + side - 14.0
            };
            let name = fit(name, side / 2.0 - 24.0, corner.size, false);
            self.text_at(x, y, &corner, anchor, &name);
        }
        // Axes: across under the board, up along its side.
        let axis = self.style(19.0, true, c.text);
        let end = self.style(17.0, false, c.muted);
        let below = board_y + side + 28.0;
        let x_label = fit(&grid.x.label, side * 0.5, axis.size, true);
        self.text_at(board_x + side / 2.0, below, &axis, "middle", &x_label);
        if let Some(low) = &grid.x.low {
            let low = fit(low, side * 0.22, end.size, false);
            self.text_at(board_x, below, &end, "start", &low);
        }
        if let Some(high) = &grid.x.high {
            let high = fit(high, side * 0.22, end.size, false);
            self.text_at(board_x + side, below, &end, "end", &high);
        }
        let mut up = String::new();
        let y_label = fit(&grid.y.label, side * 0.5, axis.size, true);
        let mid = board_y + side / 2.0;
        let ax = board_x - 14.0;
        let _ = write!(up, "<g transform=\"rotate(-90 {ax:.1} {mid:.1})\">");
        self.body.push_str(&up);
        self.text_at(ax, mid, &axis, "middle", &y_label);
        if let Some(low) = &grid.y.low {
            let low = fit(low, side * 0.22, end.size, false);
            self.text_at(ax - side / 2.0, mid, &end, "start", &low);
        }
        if let Some(high) = &grid.y.high {
            let high = fit(high, side * 0.22, end.size, false);
            self.text_at(ax + side / 2.0, mid, &end, "end", &high);
        }
        self.body.push_str("</g>");
        // Halos first, then the dots over them.
        let scale = side / 100.0;
        let place = |p: &super::activity::grid::Point| {
            (
                board_x + p.x.clamp(0.0, 100.0) * scale,
                board_y + side - p.y.clamp(0.0, 100.0) * scale,
            )
        };
        for item in &results.items {
            if let (Some(mean), Some(spread)) = (&item.mean, &item.spread) {
                let (x, y) = place(mean);
                let _ = write!(
                    self.body,
                    "<ellipse cx=\"{x:.1}\" cy=\"{y:.1}\" rx=\"{:.1}\" ry=\"{:.1}\" fill=\"{}\" fill-opacity=\"0.22\"/>",
                    (spread.x * scale).max(18.0),
                    (spread.y * scale).max(18.0),
                    c.bar,
                );
            }
        }
        let number = self.style(17.0, true, c.on_strong);
        for (i, item) in results.items.iter().enumerate() {
            if let Some(mean) = &item.mean {
                let (x, y) = place(mean);
                let _ = write!(
                    self.body,
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"17\" fill=\"{}\" stroke=\"{}\" stroke-width=\"2\"/>",
                    c.strong, c.background,
                );
                self.text_at(x, y + 6.0, &number, "middle", &(i + 1).to_string());
            }
        }
        // The key.
        let key_x = if self.rtl {
            MARGIN
        } else {
            board_x + side + 40.0
        };
        let key_width = W - MARGIN - side - axis_room - 40.0 - MARGIN;
        let key_x = if self.rtl { key_x + key_width } else { key_x };
        let anchor = if self.rtl { "end" } else { "start" };
        let label = self.style(20.0, false, c.text);
        let muted = self.style(17.0, false, c.muted);
        let mut y = board_y + 8.0;
        for (i, (option, item)) in grid.items.iter().zip(&results.items).enumerate() {
            let entry = format!("{}. {}", i + 1, option.text);
            let lines = wrap(&entry, key_width, label.size, false, 2);
            let needed = lines.len() as f64 * 26.0 + 30.0;
            if y + needed > board_y + side + 40.0 {
                let more = self.style(18.0, false, c.muted);
                self.text_at(
                    key_x,
                    y + 24.0,
                    &more,
                    anchor,
                    &format!("… +{}", grid.items.len() - i),
                );
                break;
            }
            for line in lines {
                y += 26.0;
                self.text_at(key_x, y, &label, anchor, &line);
            }
            y += 22.0;
            let people = count(language, "grid.people", item.count, &[]);
            let people = fit(&people, key_width, muted.size, false);
            self.text_at(key_x, y, &muted, anchor, &people);
            y += 8.0;
        }
        self.y = board_y + side + 52.0;
    }

    /// The pins on a plain box the shape of the picture (the picture itself is not embedded),
    /// over a heat map of where they gather, then the latest comments.
    fn pins(&mut self, pin: &super::activity::pin::PinView) {
        let language = self.language;
        let Some(results) = pin.results.as_ref().filter(|r| r.pins > 0) else {
            self.empty(&text(language, "pin.none_yet", &[]));
            return;
        };
        let (iw, ih) = pin.image.as_ref().map_or((4.0, 3.0), |i| {
            (f64::from(i.width.max(1)), f64::from(i.height.max(1)))
        });
        let max_h = 640.0;
        let (mut w, mut h) = (CONTENT, CONTENT * ih / iw);
        if h > max_h {
            w = w * max_h / h;
            h = max_h;
        }
        let x0 = MARGIN + (CONTENT - w) / 2.0;
        let y0 = self.y + 16.0;
        let c = self.colours;
        let _ = write!(
            self.body,
            "<rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{}\" stroke=\"{}\" stroke-width=\"2\"/>",
            c.track, c.rule,
        );
        let heat = &results.heat;
        if heat.cols > 0 && heat.rows > 0 && heat.max > 0 {
            let cw = w / f64::from(heat.cols);
            let ch = h / f64::from(heat.rows);
            for (i, n) in heat.counts.iter().enumerate() {
                if *n == 0 {
                    continue;
                }
                let col = (i as u32 % heat.cols) as f64;
                let row = (i as u32 / heat.cols) as f64;
                let _ = write!(
                    self.body,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{cw:.1}\" height=\"{ch:.1}\" fill=\"#e0572b\" fill-opacity=\"{:.2}\"/>",
                    x0 + col * cw,
                    y0 + row * ch,
                    0.12 + 0.55 * f64::from(*n) / f64::from(heat.max),
                );
            }
        }
        let scale = f64::from(PIN_SCALE);
        for mark in &results.marks {
            let _ = write!(
                self.body,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"8\" fill=\"{}\" stroke=\"{}\" stroke-width=\"2\"/>",
                x0 + w * (f64::from(mark.x) / scale).clamp(0.0, 1.0),
                y0 + h * (f64::from(mark.y) / scale).clamp(0.0, 1.0),
                c.strong,
                c.background,
            );
        }
        self.y = y0 + h + 12.0;
        if let Some(alt) = pin.alt.as_deref().filter(|a| !a.trim().is_empty()) {
            let style = self.style(19.0, false, c.muted);
            for line in wrap(alt, CONTENT, style.size, false, 2) {
                self.y += 26.0;
                self.text(MARGIN, self.y, &style, Anchor::Start, &line);
            }
        }
        let comments: Vec<&str> = results
            .comments
            .iter()
            .take(6)
            .map(|c| c.text.as_str())
            .collect();
        if !comments.is_empty() {
            self.y += 12.0;
            let style = self.style(21.0, false, c.text);
            for comment in comments {
                if self.y + 30.0 > self.floor() {
                    break;
                }
                let line = fit(&format!("“{comment}”"), CONTENT, style.size, false);
                self.y += 30.0;
                self.text(MARGIN, self.y, &style, Anchor::Start, &line);
            }
        }
        self.y += 20.0;
    }

    /// The footer (session title and the response count), and the document around the body.
    fn finish(mut self, session_title: &str, responses: &str) -> Chart {
        let c = self.colours;
        self.y += 12.0;
        let rule_y = self.y;
        let _ = write!(
            self.body,
            "<line x1=\"{MARGIN}\" y1=\"{rule_y:.1}\" x2=\"{:.1}\" y2=\"{rule_y:.1}\" stroke=\"{}\" stroke-width=\"2\"/>",
            W - MARGIN,
            c.rule,
        );
        let baseline = rule_y + 40.0;
        let count_style = self.style(22.0, true, c.text);
        let mut letters = responses.chars();
        let responses: String = match letters.next() {
            Some(first) => first.to_uppercase().chain(letters).collect(),
            None => String::new(),
        };
        let responses = fit(&responses, CONTENT * 0.45, count_style.size, true);
        let count_width = text_width(&responses, count_style.size, true);
        self.text(W - MARGIN, baseline, &count_style, Anchor::End, &responses);
        if !session_title.trim().is_empty() {
            let style = self.style(22.0, false, c.muted);
            let title = fit(
                session_title,
                CONTENT - count_width - 32.0,
                style.size,
                false,
            );
            self.text(MARGIN, baseline, &style, Anchor::Start, &title);
        }
        let height = ((baseline + 34.0).ceil() as u32).clamp(200, MAX_HEIGHT);
        let name = escape(self.name.as_deref().unwrap_or(session_title));
        let lang = self.language;
        let mut svg = String::with_capacity(self.body.len() + 600);
        let _ = write!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{name}\" lang=\"{lang}\" font-family=\"{FONTS}\">\
             <title>{name}</title>\
             <rect width=\"{WIDTH}\" height=\"{height}\" fill=\"{bg}\"/>{body}</svg>",
            bg = c.background,
            body = self.body,
        );
        Chart {
            svg,
            width: WIDTH,
            height,
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Row {
    label: String,
    /// The bar's length as a share of the track.
    fraction: f64,
    caption: Option<String>,
    strong: bool,
    tag: Option<String>,
    note: Option<String>,
    rank: Option<usize>,
}

/// Text made safe for SVG: the five XML specials as entities, and characters XML cannot hold
/// (controls other than tab and newline) left out.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// `text` on one line, cut with "…" where it would be wider than `width`.
fn fit(text: &str, width: f64, size: f64, bold: bool) -> String {
    let text = text.trim();
    if text_width(text, size, bold) <= width {
        return text.to_string();
    }
    let ellipsis = text_width("…", size, bold);
    let mut out = String::new();
    let mut used = 0.0;
    for c in text.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]), size, bold);
        if used + w + ellipsis > width {
            break;
        }
        used += w;
        out.push(c);
    }
    format!("{}…", out.trim_end())
}

/// `text` broken into at most `max_lines` lines no wider than `width`, at spaces where it can
/// (a word wider than a line is cut into pieces); the last line ends in "…" if text is left over.
fn wrap(text: &str, width: f64, size: f64, bold: bool, max_lines: usize) -> Vec<String> {
    let space = text_width(" ", size, bold);
    // Pieces: (text, width, whether a space comes before it on a shared line).
    let mut pieces: Vec<(String, f64, bool)> = Vec::new();
    for word in text.split_whitespace() {
        let mut piece = String::new();
        let mut piece_width = 0.0;
        let mut first = true;
        for c in word.chars() {
            let cw = text_width(c.encode_utf8(&mut [0; 4]), size, bold);
            if piece_width + cw > width && !piece.is_empty() {
                pieces.push((std::mem::take(&mut piece), piece_width, first));
                piece_width = 0.0;
                first = false;
            }
            piece.push(c);
            piece_width += cw;
        }
        if !piece.is_empty() {
            pieces.push((piece, piece_width, first));
        }
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0.0;
    let mut left_over = false;
    for (piece, w, spaced) in pieces {
        let join = if line.is_empty() {
            0.0
        } else if spaced {
            space
        } else {
            // The next piece of a cut word always starts a line of its own.
            f64::INFINITY
        };
        if !line.is_empty() && used + join + w > width {
            lines.push(std::mem::take(&mut line));
            used = 0.0;
            if lines.len() == max_lines {
                left_over = true;
                break;
            }
        }
        if !line.is_empty() {
            line.push(' ');
            used += space;
        }
        line.push_str(&piece);
        used += w;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    if left_over && let Some(last) = lines.last_mut() {
        let with = format!("{last}…");
        *last = if text_width(&with, size, bold) <= width {
            with
        } else {
            // `fit` cuts and adds the "…"; the extra letters make sure it has something to cut.
            fit(&format!("{last}………"), width, size, bold)
        };
    }
    lines
}

#[cfg(test)]
mod tests;
