use super::*;
use crate::domain::export::public_report;
use crate::domain::{ActivityId, Command, Millis, ParticipantId, Room};
use serde_json::{Value, json};

fn pid(n: u128) -> ParticipantId {
    ParticipantId(uuid::Uuid::from_u128(n))
}

/// A room driven by commands written as JSON (each must be accepted).
struct Session {
    room: Room,
    at: Millis,
    people: u128,
}

impl Session {
    fn new(title: &str) -> Session {
        let mut session = Session {
            room: Room::empty(),
            at: 1_000,
            people: 0,
        };
        session.run(json!({"type": "create", "title": title, "seed": 7, "limits": {"max_participants": 1000, "max_activities": 50}}));
        session
    }

    fn run(&mut self, command: Value) {
        self.at += 1_000;
        let parsed: Command = serde_json::from_value(command.clone()).expect("a command");
        if let Err(rejection) = self.room.apply(&parsed, self.at) {
            panic!("{command} was refused: {rejection}");
        }
    }

    /// Joins someone new; returns their number.
    fn join(&mut self) -> u128 {
        self.people += 1;
        let who = self.people;
        self.run(json!({"type": "join", "participant": pid(who), "name": format!("Person {who}")}));
        who
    }

    fn add(&mut self, spec: Value) -> u32 {
        self.run(json!({"type": "add_activity", "spec": spec}));
        let id = self.room.deck().last().expect("added").id.0;
        self.run(json!({"type": "navigate", "to": {"activity": id}}));
        id
    }

    fn answer(&mut self, who: u128, mut command: Value, activity: u32) {
        command["participant"] = json!(pid(who));
        command["activity"] = json!(activity);
        self.run(command);
    }

    fn chart(&self, id: u32) -> Result<Chart, ChartError> {
        self.chart_with(id, None, Theme::Light)
    }

    fn chart_with(&self, id: u32, round: Option<u32>, theme: Theme) -> Result<Chart, ChartError> {
        let report = public_report(&self.room);
        let activity = report
            .activities
            .iter()
            .find(|a| a.id == ActivityId(id))
            .expect("the activity is in the report");
        results_chart(&report.title, activity, round, self.room.language(), theme)
    }

    fn svg(&self, id: u32) -> String {
        self.chart(id).expect("a chart").svg
    }
}

/// Every `<text>` element: (x, font size, bold, anchor, content as written).
fn texts(svg: &str) -> Vec<(f64, f64, bool, String, String)> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text ") {
        let tail = &rest[start..];
        let close = tail.find('>').expect("tag closes");
        let tag = &tail[..close];
        let end = tail.find("</text>").expect("text closes");
        let content = tail[close + 1..end].to_string();
        let attr = |name: &str| -> String {
            let key = format!(" {name}=\"");
            tag.find(&key)
                .map(|i| {
                    let value = &tag[i + key.len()..];
                    value[..value.find('"').unwrap_or(0)].to_string()
                })
                .unwrap_or_default()
        };
        out.push((
            attr("x").parse().unwrap_or(f64::NAN),
            attr("font-size").parse().unwrap_or(f64::NAN),
            tag.contains("font-weight=\"700\""),
            attr("text-anchor"),
            content,
        ));
        rest = &tail[end..];
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Asserts that every text, by the width estimate, lies inside the image.
fn assert_inside(svg: &str) {
    // Rotated axis labels are measured along the board, which they fit by construction.
    let mut flat = String::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<g transform=\"rotate") {
        flat.push_str(&rest[..start]);
        let end = rest[start..].find("</g>").expect("group closes");
        rest = &rest[start + end..];
    }
    flat.push_str(rest);
    for (x, size, bold, anchor, content) in texts(&flat) {
        let width = text_width(&unescape(&content), size, bold);
        let (left, right) = match anchor.as_str() {
            "start" => (x, x + width),
            "end" => (x - width, x),
            _ => (x - width / 2.0, x + width / 2.0),
        };
        assert!(
            left >= 0.0 && right <= W,
            "{content:?} runs from {left:.0} to {right:.0}"
        );
    }
}

fn poll_with_votes(session: &mut Session, question: &str, options: &[&str], votes: &[u32]) -> u32 {
    let id = session.add(json!({"kind": "poll", "question": question, "options": options}));
    for option in votes {
        let who = session.join();
        session.answer(who, json!({"type": "vote", "options": [option]}), id);
    }
    id
}

#[test]
fn a_poll_shows_each_option_with_its_count_and_share_and_names_a_tie_as_a_tie() {
    let mut session = Session::new("Tenant meetup");
    let id = poll_with_votes(
        &mut session,
        "Which topic first?",
        &["Repairs", "Damp", "Rent"],
        &[0, 1, 0, 1, 2],
    );
    let chart = session.chart(id).expect("a chart");
    assert_eq!(chart.width, 1200);
    let svg = chart.svg;
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains(">Which topic first?</text>"));
    for expected in [
        ">Repairs</text>",
        ">Damp</text>",
        ">Rent</text>",
        ">2 votes, 40%</text>",
        ">1 vote, 20%</text>",
        ">Tied: Repairs, Damp</text>",
        ">tied for place 1</text>",
        ">5 people voted</text>",
        ">Tenant meetup</text>",
    ] {
        assert!(svg.contains(expected), "{expected} missing from {svg}");
    }
    assert!(!svg.contains("Winner"));
    assert_inside(&svg);

    // One more vote for Damp: a winner, no tie.
    let who = session.join();
    session.answer(who, json!({"type": "vote", "options": [1]}), id);
    let svg = session.svg(id);
    assert!(svg.contains(">Winner: Damp</text>"), "{svg}");
    assert!(!svg.contains("tied"));
}

#[test]
fn nothing_is_ranked_before_the_first_vote() {
    let mut session = Session::new("");
    let poll = poll_with_votes(&mut session, "Lunch?", &["Soup", "Salad"], &[]);
    let svg = session.svg(poll);
    assert!(svg.contains(">No votes yet</text>"), "{svg}");
    assert!(!svg.contains("Winner") && !svg.contains("Tied") && !svg.contains('%'));
    assert!(svg.contains(">Soup</text>") && svg.contains(">Salad</text>"));
    let ranking =
        session.add(json!({"kind": "ranking", "question": "Order", "options": ["A", "B", "C"]}));
    let svg = session.svg(ranking);
    assert!(svg.contains(">No votes yet</text>"));
    assert!(!svg.contains(">1.</text>"), "no ranks before a vote");
    let words = session.add(json!({"kind": "wordcloud", "prompt": "One word?"}));
    assert!(session.svg(words).contains(">No words yet</text>"));
}

#[test]
fn labels_are_escaped_and_controls_dropped() {
    let mut session = Session::new("<b>Meetup</b> & co");
    let id = poll_with_votes(
        &mut session,
        "Pick <script>alert(1)</script>",
        &["<script>&\"'", "Fine"],
        &[0],
    );
    let svg = session.svg(id);
    assert!(!svg.contains("<script"), "{svg}");
    assert!(!svg.contains("<b>"));
    assert!(svg.contains("&lt;script&gt;&amp;&quot;&#39;"), "{svg}");
    assert!(svg.contains("&lt;b&gt;Meetup&lt;/b&gt; &amp; co"));
    assert_eq!(escape("a\u{7}b\u{0}c\td"), "abc d");
}

#[test]
fn long_labels_wrap_or_are_cut_and_stay_inside() {
    let mut session = Session::new(&"A very long session title ".repeat(4));
    let long = "Supercalifragilisticexpialidocious ".repeat(5);
    let unbroken = "W".repeat(190);
    let id = poll_with_votes(
        &mut session,
        &format!("{long}{}?", &long[..100]),
        &[long.trim(), &unbroken, "Short"],
        &[0, 1, 1],
    );
    let svg = session.svg(id);
    assert!(svg.contains('…'), "long texts are cut with an ellipsis");
    assert_inside(&svg);
    for (_, _, _, _, content) in texts(&svg) {
        assert!(content.chars().count() < 120, "{content}");
    }
}

#[test]
fn hidden_ideas_and_unshown_questions_stay_out_and_merges_are_counted() {
    let mut session = Session::new("Ideas");
    let ideas = session.add(json!({"kind": "ideas", "prompt": "What shall we work on?", "max_per_participant": 3, "dots": 3}));
    let (a, b, c) = (session.join(), session.join(), session.join());
    for (who, idea) in [
        (a, "Repairs engagement"),
        (b, "getting repairs team involved"),
        (c, "OFFTOPIC-SECRET"),
        (c, "Bins"),
    ] {
        session.answer(who, json!({"type": "submit_idea", "text": idea}), ideas);
    }
    session.run(json!({"type": "merge_ideas", "activity": ideas, "from": 1, "into": 0}));
    session.run(json!({"type": "hide_idea", "activity": ideas, "idea": 2, "hidden": true}));
    session.run(json!({"type": "set_ideas_phase", "activity": ideas, "phase": "vote"}));
    session.answer(a, json!({"type": "dot_vote", "ideas": [0, 3]}), ideas);
    session.answer(b, json!({"type": "dot_vote", "ideas": [0]}), ideas);
    let svg = session.svg(ideas);
    assert!(!svg.contains("OFFTOPIC-SECRET"));
    assert!(svg.contains(">Repairs engagement</text>"));
    assert!(
        svg.contains(">One similar suggestion merged into this one</text>"),
        "{svg}"
    );
    assert!(svg.contains(">2 dots</text>") && svg.contains(">Winner: Repairs engagement</text>"));
    assert!(!svg.contains("Person "), "no names");

    let qna = session.add(json!({"kind": "qna", "prompt": "Questions", "require_approval": true}));
    for (who, text) in [
        (a, "PENDING-QUESTION"),
        (b, "HIDDEN-QUESTION"),
        (c, "VISIBLE-QUESTION"),
    ] {
        session.answer(who, json!({"type": "ask", "text": text}), qna);
    }
    for (question, action) in [(1, "approve"), (1, "hide"), (2, "approve"), (2, "answered")] {
        session.run(
            json!({"type": "moderate", "activity": qna, "question": question, "action": action}),
        );
    }
    let svg = session.svg(qna);
    assert!(!svg.contains("PENDING-QUESTION") && !svg.contains("HIDDEN-QUESTION"));
    assert!(svg.contains(">VISIBLE-QUESTION</text>"));
    assert!(svg.contains(">✓ Answered</text>"));
    assert!(svg.contains(">1 question</text>"));
}

#[test]
fn long_scales_grow_the_image_and_very_long_ones_are_bounded() {
    let mut session = Session::new("Self-assessment");
    let statements: Vec<Value> = (1..=24)
        .map(|i| json!({"text": format!("Statement number {i} about how we work together"), "theme": if i % 2 == 0 { "Voice" } else { "Repairs" }}))
        .collect();
    let id = session.add(json!({"kind": "scales", "prompt": "How are we doing?", "statements": statements, "min_label": "Not at all", "max_label": "Fully"}));
    for who in 0..3 {
        let person = session.join();
        let ratings: Vec<Value> = (0..24)
            .map(|s| json!({"statement": s, "value": 1 + (s + who) % 5}))
            .collect();
        session.answer(person, json!({"type": "rate", "ratings": ratings}), id);
    }
    let chart = session.chart(id).expect("a chart");
    assert!(chart.height > 1200, "{}", chart.height);
    assert!(chart.height <= MAX_HEIGHT);
    for i in 1..=24 {
        assert!(
            chart.svg.contains(&format!(
                ">Statement number {i} about how we work together</text>"
            )),
            "{i}"
        );
    }
    assert!(chart.svg.contains(">Themes</text>") && chart.svg.contains(">Voice</text>"));
    assert!(chart.svg.contains(">mean "));
    assert!(chart.svg.contains(">3 people rated</text>"));
    assert_inside(&chart.svg);

    let many: Vec<Value> = (1..=300)
        .map(|i| json!({"text": format!("Outcome {i}")}))
        .collect();
    let big = session.add(json!({"kind": "scales", "statements": many}));
    let person = session.join();
    let ratings: Vec<Value> = (0..300)
        .map(|s| json!({"statement": s, "value": 3}))
        .collect();
    session.answer(person, json!({"type": "rate", "ratings": ratings}), big);
    let chart = session.chart(big).expect("a chart");
    assert!(chart.height <= MAX_HEIGHT);
    assert!(chart.svg.contains("… +"), "what does not fit is counted");
    assert!(
        chart.svg.contains(">Self-assessment</text>"),
        "no prompt: the session's title heads it"
    );
}

#[test]
fn every_kind_with_results_draws_and_the_others_say_there_is_nothing_to_draw() {
    let mut session = Session::new("All kinds");
    let who = session.join();
    let words = session.add(json!({"kind": "wordcloud", "prompt": "One word?", "max_words": 3}));
    session.answer(
        who,
        json!({"type": "submit_words", "words": ["hopeful", "tired"]}),
        words,
    );
    let points = session
        .add(json!({"kind": "points", "question": "Split 100", "options": ["Roofs", "Bins"]}));
    session.answer(who, json!({"type": "allocate", "points": [{"option": 1, "points": 70}, {"option": 0, "points": 30}]}), points);
    let ranking =
        session.add(json!({"kind": "ranking", "question": "Order", "options": ["A", "B", "C"]}));
    session.answer(who, json!({"type": "rank", "order": [2, 0, 1]}), ranking);
    let quiz = session.add(json!({"kind": "quiz", "question": "Capital of Wales?", "options": ["Cardiff", "Leeds"], "correct": [0]}));
    session.run(json!({"type": "start_quiz", "activity": quiz}));
    session.answer(who, json!({"type": "quiz_answer", "options": [0]}), quiz);
    let number = session.add(json!({"kind": "number", "question": "How many homes?", "min": 0, "max": 1000, "correct": 420, "unit": "homes"}));
    session.answer(who, json!({"type": "estimate", "value": 400}), number);
    let grid = session.add(json!({"kind": "grid", "question": "Impact and effort", "items": ["Bins", "Lights"], "x": {"label": "Effort", "low": "Low", "high": "High"}, "y": {"label": "Impact"}, "quadrants": ["Big bets", "Quick wins", "", ""]}));
    session.answer(
        who,
        json!({"type": "place", "item": 0, "x": 80, "y": 20}),
        grid,
    );
    let pin =
        session.add(json!({"kind": "pin", "question": "Where is it dark?", "alt": "The estate"}));
    let info = session.add(json!({"kind": "info", "title": "Welcome"}));
    let timer = session.add(json!({"kind": "timer", "title": "Break", "duration_secs": 60}));
    let groups = session.add(json!({"kind": "groups", "title": "Networking"}));

    let svg = session.svg(words);
    assert!(svg.contains(">hopeful</text>") && svg.contains(">2 words</text>"));
    let svg = session.svg(points);
    assert!(svg.contains(">70 points</text>") && svg.contains(">Winner: Bins</text>"));
    let svg = session.svg(ranking);
    assert!(
        svg.contains(">1.</text>") && svg.contains(">Winner: C</text>"),
        "{svg}"
    );
    let svg = session.svg(quiz);
    assert!(svg.contains(">1 of 1 right (100%)</text>") && svg.contains("✓ (correct answer)"));
    let svg = session.svg(number);
    assert!(
        svg.contains(">Mean</text>")
            && svg.contains(">400 homes</text>")
            && svg.contains(">420 homes</text>")
    );
    let svg = session.svg(grid);
    assert!(
        svg.contains(">1. Bins</text>")
            && svg.contains(">Quick wins</text>")
            && svg.contains("<circle")
    );
    assert!(session.svg(pin).contains(">No pins yet</text>"));
    for (id, kind) in [(info, "info"), (timer, "timer"), (groups, "groups")] {
        assert_eq!(session.chart(id), Err(ChartError::NothingToChart { kind }));
    }
    for id in [words, points, ranking, quiz, number, grid, pin] {
        assert_inside(&session.svg(id));
        assert!(!session.svg(id).contains("Person "), "no names");
    }
}

#[test]
fn rounds_are_chosen_by_number_and_the_current_one_by_default() {
    let mut session = Session::new("Rounds");
    let id = poll_with_votes(&mut session, "Again?", &["Yes", "No"], &[0, 0]);
    session.run(json!({"type": "reset_results", "activity": id}));
    let who = session.join();
    session.answer(who, json!({"type": "vote", "options": [1]}), id);
    assert!(session.svg(id).contains(">Winner: No</text>"));
    let first = session
        .chart_with(id, Some(1), Theme::Light)
        .expect("round 1");
    assert!(first.svg.contains(">Winner: Yes</text>"));
    assert_eq!(
        session.chart_with(id, Some(3), Theme::Light),
        Err(ChartError::NoRound {
            round: 3,
            rounds: 2
        })
    );
    let dark = session.chart_with(id, None, Theme::Dark).expect("dark");
    assert!(dark.svg.contains("fill=\"#121620\""));
}

#[test]
fn a_few_words_follow_the_room_s_language_and_right_to_left_ones_are_mirrored() {
    let mut session = Session::new("Cyfarfod");
    session.run(json!({"type": "set_language", "language": "cy"}));
    let id = poll_with_votes(
        &mut session,
        "Pa bwnc?",
        &["Atgyweirio", "Lleithder"],
        &[0, 0, 1],
    );
    let svg = session.svg(id);
    assert!(svg.contains(">2 bleidlais, 67%</text>"), "{svg}");
    assert!(svg.contains(">Enillydd: Atgyweirio</text>"));
    assert!(svg.contains("lang=\"cy\""));

    let mut session = Session::new("اجتماع السكان");
    session.run(json!({"type": "set_language", "language": "ar"}));
    let id = poll_with_votes(
        &mut session,
        "ما الموضوع الأول؟",
        &["الإصلاحات", "الرطوبة"],
        &[0, 1, 1],
    );
    let svg = session.svg(id);
    assert!(svg.contains("\u{202B}الفائز: الرطوبة\u{202C}"), "{svg}");
    assert!(svg.contains("صوّت 3 أشخاص"));
    // The labels start at the right.
    let labels: Vec<_> = texts(&svg)
        .into_iter()
        .filter(|t| t.4.contains("الإصلاحات"))
        .collect();
    assert!(
        labels.iter().all(|t| t.0 > 1000.0 && t.3 == "end"),
        "{labels:?}"
    );
    assert_inside(&svg);
}

#[test]
fn a_self_assessment_scored_again_marks_where_the_round_before_left_each_bar() {
    let mut session = Session::new("Board");
    let id = session.add(json!({"kind": "scales", "statements": [
        {"text": "We listen", "theme": "Voice"},
        {"text": "We report back", "theme": "Voice"},
    ]}));
    let person = session.join();
    let rate = |a: i32, b: i32| json!({"type": "rate", "ratings": [{"statement": 0, "value": a}, {"statement": 1, "value": b}]});
    session.answer(person, rate(2, 4), id);
    let once = session.svg(id);
    assert!(
        !once.contains("The mark on each bar"),
        "round 1 alone has no earlier round"
    );
    session.run(json!({"type": "reset_results", "activity": id}));
    session.answer(person, rate(4, 4), id);
    let twice = session.svg(id);
    assert!(
        twice.contains(">The mark on each bar: round 1</text>"),
        "the key names the round"
    );
    // One mark across each statement's bar and one across the theme's (the key's is shorter).
    let marks = twice.matches(r#"width="4.0" height="30.0""#).count();
    assert_eq!(
        marks, 3,
        "a mark on both statements' bars and on the theme's"
    );
    assert_inside(&twice);
}
