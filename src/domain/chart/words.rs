//! The few words a results image carries, in the languages the web catalogues have
//! (`web/assets/i18n/*.js`, copied from there: keep them in step), with each language's plural
//! rules. A language without a catalogue here reads English.

/// CLDR plural categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Plural {
    Zero,
    One,
    Two,
    Few,
    Many,
    Other,
}

use Plural::*;

/// The category of the whole number `n` in `language` (CLDR's rules for the languages below).
fn category(language: &str, n: u64) -> Plural {
    match language {
        "cy" => match n {
            0 => Zero,
            1 => One,
            2 => Two,
            3 => Few,
            6 => Many,
            _ => Other,
        },
        "pl" => match (n, n % 10, n % 100) {
            (1, _, _) => One,
            (_, 2..=4, m) if !(12..=14).contains(&m) => Few,
            _ => Many,
        },
        "ar" => match (n, n % 100) {
            (0, _) => Zero,
            (1, _) => One,
            (2, _) => Two,
            (_, 3..=10) => Few,
            (_, 11..=99) => Many,
            _ => Other,
        },
        _ => {
            if n == 1 {
                One
            } else {
                Other
            }
        }
    }
}

/// The catalogue's language for a room's BCP 47 tag (`pl-PL` reads Polish), English if none.
pub(super) fn catalogue_language(tag: &str) -> &'static str {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    ["cy", "pl", "ur", "ar"]
        .into_iter()
        .find(|l| *l == primary)
        .unwrap_or("en")
}

/// Whether the language is written right to left.
pub(super) fn right_to_left(language: &str) -> bool {
    matches!(language, "ar" | "ur")
}

fn forms(language: &str, key: &str) -> Option<&'static [(Plural, &'static str)]> {
    CATALOGUE
        .iter()
        .find(|(l, k, _)| *l == language && *k == key)
        .or_else(|| CATALOGUE.iter().find(|(l, k, _)| *l == "en" && *k == key))
        .map(|(_, _, forms)| *forms)
}

/// The message `key` for the count `n`, its placeholders filled: `{n}` with `n`, the others from
/// `params`. As the web pages choose: the `zero` form for 0 where there is one, then the
/// language's category, then `other`.
pub(super) fn count(language: &str, key: &str, n: u64, params: &[(&str, &str)]) -> String {
    let Some(forms) = forms(language, key) else {
        return key.to_string();
    };
    let pick = |wanted: Plural| forms.iter().find(|(c, _)| *c == wanted).map(|(_, t)| *t);
    let text = (if n == 0 { pick(Zero) } else { None })
        .or_else(|| pick(category(language, n)))
        .or_else(|| pick(Other))
        .unwrap_or(key);
    fill(text, &[("n", &group_digits(n))], params)
}

/// The message `key` (one without counts), its placeholders filled from `params`.
pub(super) fn text(language: &str, key: &str, params: &[(&str, &str)]) -> String {
    let text = forms(language, key)
        .and_then(|forms| forms.first())
        .map_or(key, |(_, t)| *t);
    fill(text, &[], params)
}

fn fill(text: &str, first: &[(&str, &str)], params: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (name, value) in first.iter().chain(params) {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// 12345 as "12,345": counts in footers and bars.
pub(super) fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

type Entry = (
    &'static str,
    &'static str,
    &'static [(Plural, &'static str)],
);

#[rustfmt::skip]
const CATALOGUE: &[Entry] = &[
    // en
    ("en", "present.responses", &[(Zero, "No votes yet"), (One, "{n} vote"), (Other, "{n} votes")]),
    ("en", "chart.votes_pct", &[(One, "{n} vote, {pct}%"), (Other, "{n} votes, {pct}%")]),
    ("en", "chart.dots", &[(One, "{n} dot"), (Other, "{n} dots")]),
    ("en", "chart.winner", &[(Other, "Winner: {name}")]),
    ("en", "chart.tied", &[(Other, "Tied: {names}")]),
    ("en", "chart.merged", &[(One, "One similar suggestion merged into this one"), (Other, "{n} similar suggestions merged into this one")]),
    ("en", "chart.times", &[(One, "said once"), (Other, "said {n} times")]),
    ("en", "chart.borda", &[(One, "{n} point"), (Other, "{n} points")]),
    ("en", "chart.points", &[(One, "{n} point"), (Other, "{n} points")]),
    ("en", "chart.answers_pct", &[(One, "{n} answer, {pct}%"), (Other, "{n} answers, {pct}%")]),
    ("en", "chart.correct", &[(Other, "(correct answer)")]),
    ("en", "quiz.correct_count", &[(One, "{n} of {total} right"), (Other, "{n} of {total} right")]),
    ("en", "scales.mean_value", &[(Other, "mean {mean}")]),
    ("en", "scales.no_ratings", &[(Other, "no ratings yet")]),
    ("en", "scales.then_key", &[(Other, "The mark on each bar: round {round}")]),
    ("en", "scales.themes", &[(Other, "Themes")]),
    ("en", "number.mean", &[(Other, "Mean")]),
    ("en", "number.median", &[(Other, "Median")]),
    ("en", "number.answer", &[(Other, "The answer")]),
    ("en", "chart.estimates", &[(One, "{n} estimate"), (Other, "{n} estimates")]),
    ("en", "grid.people", &[(One, "{n} person"), (Other, "{n} people")]),
    ("en", "grid.voters", &[(Zero, "Nobody has placed anything yet"), (One, "{n} person placed items"), (Other, "{n} people placed items")]),
    ("en", "pin.totals", &[(One, "{pins} from {n} person"), (Other, "{pins} from {n} people")]),
    ("en", "pin.none_yet", &[(Other, "No pins yet")]),
    ("en", "qna.votes", &[(One, "{n} vote"), (Other, "{n} votes")]),
    ("en", "qna.answered_mark", &[(Other, "✓ Answered")]),
    ("en", "present.ideas_count", &[(Zero, "No suggestions yet"), (One, "{n} suggestion"), (Other, "{n} suggestions")]),
    ("en", "present.words_count", &[(Zero, "No words yet"), (One, "{n} word"), (Other, "{n} words")]),
    ("en", "present.voters", &[(Zero, "nobody has voted yet"), (One, "{n} person voted"), (Other, "{n} people voted")]),
    ("en", "circle.ideas", &[(Other, "Ideas so far")]),
    ("en", "circle.no_ideas", &[(Other, "No ideas posted yet.")]),
    ("en", "scales.screen_people", &[(Zero, "Nobody has rated yet"), (One, "{n} person rated"), (Other, "{n} people rated")]),
    ("en", "quiz.answers", &[(Zero, "No answers yet"), (One, "{n} answer"), (Other, "{n} answers")]),
    ("en", "qna.count", &[(Zero, "No questions yet"), (One, "{n} question"), (Other, "{n} questions")]),
    ("en", "chart.tied_rank", &[(Other, "tied for place {n}")]),
    ("en", "pin.pins", &[(One, "{n} pin"), (Other, "{n} pins")]),
    // cy
    ("cy", "present.responses", &[(Zero, "Dim pleidleisiau eto"), (One, "{n} bleidlais"), (Two, "{n} bleidlais"), (Other, "{n} o bleidleisiau")]),
    ("cy", "chart.votes_pct", &[(Zero, "{n} pleidlais, {pct}%"), (One, "{n} bleidlais, {pct}%"), (Two, "{n} bleidlais, {pct}%"), (Other, "{n} o bleidleisiau, {pct}%")]),
    ("cy", "chart.dots", &[(Zero, "{n} dot"), (One, "{n} dot"), (Two, "{n} ddot"), (Other, "{n} o ddotiau")]),
    ("cy", "chart.winner", &[(Other, "Enillydd: {name}")]),
    ("cy", "chart.tied", &[(Other, "Cyfartal: {names}")]),
    ("cy", "chart.merged", &[(One, "Un awgrym tebyg wedi’i uno â hwn"), (Other, "{n} awgrym tebyg wedi’u huno â hwn")]),
    ("cy", "chart.times", &[(One, "dywedwyd unwaith"), (Two, "dywedwyd ddwywaith"), (Other, "dywedwyd {n} gwaith")]),
    ("cy", "chart.borda", &[(One, "{n} pwynt"), (Two, "{n} bwynt"), (Other, "{n} o bwyntiau")]),
    ("cy", "chart.points", &[(One, "{n} pwynt"), (Two, "{n} bwynt"), (Other, "{n} o bwyntiau")]),
    ("cy", "chart.answers_pct", &[(One, "{n} ateb, {pct}%"), (Two, "{n} ateb, {pct}%"), (Other, "{n} o atebion, {pct}%")]),
    ("cy", "chart.correct", &[(Other, "(yr ateb cywir)")]),
    ("cy", "quiz.correct_count", &[(Other, "{n} o {total} yn gywir")]),
    ("cy", "scales.mean_value", &[(Other, "cymedr {mean}")]),
    ("cy", "scales.no_ratings", &[(Other, "dim sgoriau eto")]),
    ("cy", "scales.then_key", &[(Other, "Y marc ar bob bar: rownd {round}")]),
    ("cy", "scales.themes", &[(Other, "Themâu")]),
    ("cy", "number.mean", &[(Other, "Cymedr")]),
    ("cy", "number.median", &[(Other, "Canolrif")]),
    ("cy", "number.answer", &[(Other, "Yr ateb")]),
    ("cy", "chart.estimates", &[(Other, "{n} amcangyfrif")]),
    ("cy", "grid.people", &[(One, "{n} person"), (Two, "{n} berson"), (Other, "{n} o bobl")]),
    ("cy", "grid.voters", &[(Zero, "Does neb wedi gosod dim byd eto"), (One, "Gosododd {n} person eitemau"), (Two, "Gosododd {n} berson eitemau"), (Other, "Gosododd {n} o bobl eitemau")]),
    ("cy", "pin.totals", &[(One, "{pins} gan {n} person"), (Two, "{pins} gan {n} berson"), (Other, "{pins} gan {n} o bobl")]),
    ("cy", "pin.none_yet", &[(Other, "Dim pinnau eto")]),
    ("cy", "qna.votes", &[(Zero, "{n} pleidlais"), (One, "{n} bleidlais"), (Two, "{n} bleidlais"), (Other, "{n} o bleidleisiau")]),
    ("cy", "qna.answered_mark", &[(Other, "✓ Wedi’i ateb")]),
    ("cy", "present.ideas_count", &[(Zero, "Dim awgrymiadau eto"), (Other, "{n} awgrym")]),
    ("cy", "present.words_count", &[(Zero, "Dim geiriau eto"), (Other, "{n} gair")]),
    ("cy", "present.voters", &[(Zero, "does neb wedi pleidleisio eto"), (One, "{n} person wedi pleidleisio"), (Two, "{n} berson wedi pleidleisio"), (Other, "{n} o bobl wedi pleidleisio")]),
    ("cy", "circle.ideas", &[(Other, "Syniadau hyd yma")]),
    ("cy", "circle.no_ideas", &[(Other, "Does dim syniadau wedi’u rhannu eto.")]),
    ("cy", "scales.screen_people", &[(Zero, "Does neb wedi rhoi sgôr eto"), (One, "{n} person wedi rhoi sgôr"), (Two, "{n} berson wedi rhoi sgôr"), (Other, "{n} o bobl wedi rhoi sgôr")]),
    ("cy", "quiz.answers", &[(Zero, "Dim atebion eto"), (One, "{n} ateb"), (Two, "{n} ateb"), (Other, "{n} o atebion")]),
    ("cy", "qna.count", &[(Zero, "Dim cwestiynau eto"), (One, "{n} cwestiwn"), (Two, "{n} gwestiwn"), (Other, "{n} o gwestiynau")]),
    ("cy", "chart.tied_rank", &[(Other, "yn gyfartal yn safle {n}")]),
    ("cy", "pin.pins", &[(One, "{n} pin"), (Two, "{n} bin"), (Other, "{n} pin")]),
    // pl
    ("pl", "present.responses", &[(Zero, "Jeszcze brak głosów"), (One, "{n} głos"), (Few, "{n} głosy"), (Many, "{n} głosów"), (Other, "{n} głosu")]),
    ("pl", "chart.votes_pct", &[(One, "{n} głos, {pct}%"), (Few, "{n} głosy, {pct}%"), (Many, "{n} głosów, {pct}%"), (Other, "{n} głosu, {pct}%")]),
    ("pl", "chart.dots", &[(One, "{n} kropka"), (Few, "{n} kropki"), (Many, "{n} kropek"), (Other, "{n} kropki")]),
    ("pl", "chart.winner", &[(Other, "Wygrywa: {name}")]),
    ("pl", "chart.tied", &[(Other, "Remis: {names}")]),
    ("pl", "chart.merged", &[(One, "Połączono z nią jedną podobną propozycję"), (Few, "Połączono z nią {n} podobne propozycje"), (Many, "Połączono z nią {n} podobnych propozycji"), (Other, "Połączono z nią {n} podobnej propozycji")]),
    ("pl", "chart.times", &[(One, "wpisane raz"), (Few, "wpisane {n} razy"), (Many, "wpisane {n} razy"), (Other, "wpisane {n} razy")]),
    ("pl", "chart.borda", &[(One, "{n} punkt"), (Few, "{n} punkty"), (Many, "{n} punktów"), (Other, "{n} punktu")]),
    ("pl", "chart.points", &[(One, "{n} punkt"), (Few, "{n} punkty"), (Many, "{n} punktów"), (Other, "{n} punktu")]),
    ("pl", "chart.answers_pct", &[(One, "{n} odpowiedź, {pct}%"), (Few, "{n} odpowiedzi, {pct}%"), (Many, "{n} odpowiedzi, {pct}%"), (Other, "{n} odpowiedzi, {pct}%")]),
    ("pl", "chart.correct", &[(Other, "(poprawna odpowiedź)")]),
    ("pl", "quiz.correct_count", &[(One, "Poprawnie: {n} z {total}"), (Few, "Poprawnie: {n} z {total}"), (Many, "Poprawnie: {n} z {total}"), (Other, "Poprawnie: {n} z {total}")]),
    ("pl", "scales.mean_value", &[(Other, "średnia {mean}")]),
    ("pl", "scales.no_ratings", &[(Other, "jeszcze brak ocen")]),
    ("pl", "scales.then_key", &[(Other, "Znacznik na każdym pasku: runda {round}")]),
    ("pl", "scales.themes", &[(Other, "Tematy")]),
    ("pl", "number.mean", &[(Other, "Średnia")]),
    ("pl", "number.median", &[(Other, "Mediana")]),
    ("pl", "number.answer", &[(Other, "Odpowiedź")]),
    ("pl", "chart.estimates", &[(One, "{n} typ"), (Few, "{n} typy"), (Many, "{n} typów"), (Other, "{n} typu")]),
    ("pl", "grid.people", &[(One, "{n} osoba"), (Few, "{n} osoby"), (Many, "{n} osób"), (Other, "{n} osoby")]),
    ("pl", "grid.voters", &[(Zero, "Nikt jeszcze niczego nie umieścił"), (One, "Elementy umieściła {n} osoba"), (Few, "Elementy umieściły {n} osoby"), (Many, "Elementy umieściło {n} osób"), (Other, "Elementy umieściło {n} osoby")]),
    ("pl", "pin.totals", &[(One, "{pins} od {n} osoby"), (Few, "{pins} od {n} osób"), (Many, "{pins} od {n} osób"), (Other, "{pins} od {n} osoby")]),
    ("pl", "pin.none_yet", &[(Other, "Jeszcze brak pinezek")]),
    ("pl", "qna.votes", &[(One, "{n} głos"), (Few, "{n} głosy"), (Many, "{n} głosów"), (Other, "{n} głosu")]),
    ("pl", "qna.answered_mark", &[(Other, "✓ Z odpowiedzią")]),
    ("pl", "present.ideas_count", &[(Zero, "Jeszcze brak propozycji"), (One, "{n} propozycja"), (Few, "{n} propozycje"), (Many, "{n} propozycji"), (Other, "{n} propozycji")]),
    ("pl", "present.words_count", &[(Zero, "Jeszcze brak słów"), (One, "{n} słowo"), (Few, "{n} słowa"), (Many, "{n} słów"), (Other, "{n} słowa")]),
    ("pl", "present.voters", &[(Zero, "nikt jeszcze nie głosował"), (One, "zagłosowała {n} osoba"), (Few, "zagłosowały {n} osoby"), (Many, "zagłosowało {n} osób"), (Other, "zagłosowało {n} osoby")]),
    ("pl", "circle.ideas", &[(Other, "Dotychczasowe pomysły")]),
    ("pl", "circle.no_ideas", &[(Other, "Nikt jeszcze nie dodał pomysłu.")]),
    ("pl", "scales.screen_people", &[(Zero, "Nikt jeszcze nie ocenił"), (One, "Oceniła {n} osoba"), (Few, "Oceniły {n} osoby"), (Many, "Oceniło {n} osób"), (Other, "Oceniło {n} osoby")]),
    ("pl", "quiz.answers", &[(Zero, "Jeszcze brak odpowiedzi"), (One, "{n} odpowiedź"), (Few, "{n} odpowiedzi"), (Many, "{n} odpowiedzi"), (Other, "{n} odpowiedzi")]),
    ("pl", "qna.count", &[(Zero, "Jeszcze brak pytań"), (One, "{n} pytanie"), (Few, "{n} pytania"), (Many, "{n} pytań"), (Other, "{n} pytania")]),
    ("pl", "chart.tied_rank", &[(Other, "ex aequo na miejscu {n}")]),
    ("pl", "pin.pins", &[(One, "{n} pinezka"), (Few, "{n} pinezki"), (Many, "{n} pinezek"), (Other, "{n} pinezki")]),
    // ur
    ("ur", "present.responses", &[(Zero, "ابھی کوئی ووٹ نہیں"), (One, "{n} ووٹ"), (Other, "{n} ووٹ")]),
    ("ur", "chart.votes_pct", &[(One, "{n} ووٹ، {pct}%"), (Other, "{n} ووٹ، {pct}%")]),
    ("ur", "chart.dots", &[(One, "{n} نقطہ"), (Other, "{n} نقطے")]),
    ("ur", "chart.winner", &[(Other, "فاتح: {name}")]),
    ("ur", "chart.tied", &[(Other, "برابر: {names}")]),
    ("ur", "chart.merged", &[(One, "ایک ملتی جلتی تجویز اس میں ملا دی گئی"), (Other, "{n} ملتی جلتی تجاویز اس میں ملا دی گئیں")]),
    ("ur", "chart.times", &[(One, "ایک بار کہا گیا"), (Other, "{n} بار کہا گیا")]),
    ("ur", "chart.borda", &[(One, "{n} پوائنٹ"), (Other, "{n} پوائنٹس")]),
    ("ur", "chart.points", &[(One, "{n} پوائنٹ"), (Other, "{n} پوائنٹس")]),
    ("ur", "chart.answers_pct", &[(One, "{n} جواب، {pct}%"), (Other, "{n} جوابات، {pct}%")]),
    ("ur", "chart.correct", &[(Other, "(درست جواب)")]),
    ("ur", "quiz.correct_count", &[(One, "{total} میں سے {n} درست"), (Other, "{total} میں سے {n} درست")]),
    ("ur", "scales.mean_value", &[(Other, "اوسط {mean}")]),
    ("ur", "scales.no_ratings", &[(Other, "ابھی کوئی ریٹنگ نہیں")]),
    ("ur", "scales.then_key", &[(Other, "ہر پٹی پر نشان: راؤنڈ {round}")]),
    ("ur", "scales.themes", &[(Other, "موضوعات")]),
    ("ur", "number.mean", &[(Other, "اوسط")]),
    ("ur", "number.median", &[(Other, "درمیانی قدر")]),
    ("ur", "number.answer", &[(Other, "جواب")]),
    ("ur", "chart.estimates", &[(One, "{n} اندازہ"), (Other, "{n} اندازے")]),
    ("ur", "grid.people", &[(One, "{n} شخص"), (Other, "{n} لوگ")]),
    ("ur", "grid.voters", &[(Zero, "ابھی کسی نے کچھ نہیں رکھا"), (One, "{n} شخص نے آئٹمز رکھے"), (Other, "{n} لوگوں نے آئٹمز رکھے")]),
    ("ur", "pin.totals", &[(One, "{n} شخص کی طرف سے {pins}"), (Other, "{n} لوگوں کی طرف سے {pins}")]),
    ("ur", "pin.none_yet", &[(Other, "ابھی کوئی پن نہیں")]),
    ("ur", "qna.votes", &[(One, "{n} ووٹ"), (Other, "{n} ووٹ")]),
    ("ur", "qna.answered_mark", &[(Other, "✓ جواب دے دیا گیا")]),
    ("ur", "present.ideas_count", &[(Zero, "ابھی کوئی تجویز نہیں"), (One, "{n} تجویز"), (Other, "{n} تجاویز")]),
    ("ur", "present.words_count", &[(Zero, "ابھی کوئی لفظ نہیں"), (One, "{n} لفظ"), (Other, "{n} الفاظ")]),
    ("ur", "present.voters", &[(Zero, "ابھی کسی نے ووٹ نہیں دیا"), (One, "{n} شخص نے ووٹ دیا"), (Other, "{n} لوگوں نے ووٹ دیا")]),
    ("ur", "circle.ideas", &[(Other, "اب تک کے خیالات")]),
    ("ur", "circle.no_ideas", &[(Other, "ابھی کوئی خیال پوسٹ نہیں ہوا۔")]),
    ("ur", "scales.screen_people", &[(Zero, "ابھی کسی نے نمبر نہیں دیے"), (One, "{n} شخص نے نمبر دیے"), (Other, "{n} لوگوں نے نمبر دیے")]),
    ("ur", "quiz.answers", &[(Zero, "ابھی کوئی جواب نہیں"), (One, "{n} جواب"), (Other, "{n} جوابات")]),
    ("ur", "qna.count", &[(Zero, "ابھی کوئی سوال نہیں"), (One, "{n} سوال"), (Other, "{n} سوالات")]),
    ("ur", "chart.tied_rank", &[(Other, "نمبر {n} پر برابر")]),
    ("ur", "pin.pins", &[(One, "{n} پن"), (Other, "{n} پنز")]),
    // ar
    ("ar", "present.responses", &[(Zero, "لا أصوات بعد"), (One, "صوت واحد"), (Two, "صوتان"), (Few, "{n} أصوات"), (Many, "{n} صوتًا"), (Other, "{n} صوت")]),
    ("ar", "chart.votes_pct", &[(Zero, "لا أصوات، {pct}%"), (One, "صوت واحد، {pct}%"), (Two, "صوتان، {pct}%"), (Few, "{n} أصوات، {pct}%"), (Many, "{n} صوتًا، {pct}%"), (Other, "{n} صوت، {pct}%")]),
    ("ar", "chart.dots", &[(Zero, "لا نقاط"), (One, "نقطة واحدة"), (Two, "نقطتان"), (Few, "{n} نقاط"), (Many, "{n} نقطة"), (Other, "{n} نقطة")]),
    ("ar", "chart.winner", &[(Other, "الفائز: {name}")]),
    ("ar", "chart.tied", &[(Other, "تعادل: {names}")]),
    ("ar", "chart.merged", &[(Zero, "لم يُدمج فيه أي اقتراح مشابه"), (One, "دُمج فيه اقتراح مشابه واحد"), (Two, "دُمج فيه اقتراحان مشابهان"), (Few, "دُمجت فيه {n} اقتراحات مشابهة"), (Many, "دُمج فيه {n} اقتراحًا مشابهًا"), (Other, "دُمج فيه {n} اقتراح مشابه")]),
    ("ar", "chart.times", &[(Zero, "لم تُذكر بعد"), (One, "ذُكرت مرة واحدة"), (Two, "ذُكرت مرتين"), (Few, "ذُكرت {n} مرات"), (Many, "ذُكرت {n} مرة"), (Other, "ذُكرت {n} مرة")]),
    ("ar", "chart.borda", &[(Zero, "لا نقاط"), (One, "نقطة واحدة"), (Two, "نقطتان"), (Few, "{n} نقاط"), (Many, "{n} نقطة"), (Other, "{n} نقطة")]),
    ("ar", "chart.points", &[(Zero, "لا نقاط"), (One, "نقطة واحدة"), (Two, "نقطتان"), (Few, "{n} نقاط"), (Many, "{n} نقطة"), (Other, "{n} نقطة")]),
    ("ar", "chart.answers_pct", &[(Zero, "لا إجابات، {pct}%"), (One, "إجابة واحدة، {pct}%"), (Two, "إجابتان، {pct}%"), (Few, "{n} إجابات، {pct}%"), (Many, "{n} إجابة، {pct}%"), (Other, "{n} إجابة، {pct}%")]),
    ("ar", "chart.correct", &[(Other, "(الإجابة الصحيحة)")]),
    ("ar", "quiz.correct_count", &[(Zero, "الإجابات الصحيحة: {n} من {total}"), (One, "الإجابات الصحيحة: {n} من {total}"), (Two, "الإجابات الصحيحة: {n} من {total}"), (Few, "الإجابات الصحيحة: {n} من {total}"), (Many, "الإجابات الصحيحة: {n} من {total}"), (Other, "الإجابات الصحيحة: {n} من {total}")]),
    ("ar", "scales.mean_value", &[(Other, "المتوسط {mean}")]),
    ("ar", "scales.no_ratings", &[(Other, "لا تقييمات بعد")]),
    ("ar", "scales.then_key", &[(Other, "العلامة على كل شريط: الجولة {round}")]),
    ("ar", "scales.themes", &[(Other, "المحاور")]),
    ("ar", "number.mean", &[(Other, "المتوسط")]),
    ("ar", "number.median", &[(Other, "الوسيط")]),
    ("ar", "number.answer", &[(Other, "الإجابة")]),
    ("ar", "chart.estimates", &[(Zero, "لا تقديرات"), (One, "تقدير واحد"), (Two, "تقديران"), (Few, "{n} تقديرات"), (Many, "{n} تقديرًا"), (Other, "{n} تقدير")]),
    ("ar", "grid.people", &[(Zero, "لا أحد"), (One, "شخص واحد"), (Two, "شخصان"), (Few, "{n} أشخاص"), (Many, "{n} شخصًا"), (Other, "{n} شخص")]),
    ("ar", "grid.voters", &[(Zero, "لم يضع أحد أي عنصر بعد"), (One, "وضع شخص واحد عناصر"), (Two, "وضع شخصان عناصر"), (Few, "وضع {n} أشخاص عناصر"), (Many, "وضع {n} شخصًا عناصر"), (Other, "وضع {n} شخص عناصر")]),
    ("ar", "pin.totals", &[(Zero, "{pins} من {n} شخص"), (One, "{pins} من شخص واحد"), (Two, "{pins} من شخصين"), (Few, "{pins} من {n} أشخاص"), (Many, "{pins} من {n} شخصًا"), (Other, "{pins} من {n} شخص")]),
    ("ar", "pin.none_yet", &[(Other, "لا دبابيس بعد")]),
    ("ar", "qna.votes", &[(Zero, "لا أصوات"), (One, "صوت واحد"), (Two, "صوتان"), (Few, "{n} أصوات"), (Many, "{n} صوتًا"), (Other, "{n} صوت")]),
    ("ar", "qna.answered_mark", &[(Other, "✓ تمت الإجابة")]),
    ("ar", "present.ideas_count", &[(Zero, "لا اقتراحات بعد"), (One, "اقتراح واحد"), (Two, "اقتراحان"), (Few, "{n} اقتراحات"), (Many, "{n} اقتراحًا"), (Other, "{n} اقتراح")]),
    ("ar", "present.words_count", &[(Zero, "لا كلمات بعد"), (One, "كلمة واحدة"), (Two, "كلمتان"), (Few, "{n} كلمات"), (Many, "{n} كلمة"), (Other, "{n} كلمة")]),
    ("ar", "present.voters", &[(Zero, "لم يصوّت أحد بعد"), (One, "صوّت شخص واحد"), (Two, "صوّت شخصان"), (Few, "صوّت {n} أشخاص"), (Many, "صوّت {n} شخصًا"), (Other, "صوّت {n} شخص")]),
    ("ar", "circle.ideas", &[(Other, "الأفكار حتى الآن")]),
    ("ar", "circle.no_ideas", &[(Other, "لم تُنشر أفكار بعد.")]),
    ("ar", "scales.screen_people", &[(Zero, "لم يقيّم أحد بعد"), (One, "قيّم شخص واحد"), (Two, "قيّم شخصان"), (Few, "قيّم {n} أشخاص"), (Many, "قيّم {n} شخصًا"), (Other, "قيّم {n} شخص")]),
    ("ar", "quiz.answers", &[(Zero, "لا إجابات بعد"), (One, "إجابة واحدة"), (Two, "إجابتان"), (Few, "{n} إجابات"), (Many, "{n} إجابة"), (Other, "{n} إجابة")]),
    ("ar", "qna.count", &[(Zero, "لا أسئلة بعد"), (One, "سؤال واحد"), (Two, "سؤالان"), (Few, "{n} أسئلة"), (Many, "{n} سؤالًا"), (Other, "{n} سؤال")]),
    ("ar", "chart.tied_rank", &[(Other, "متعادل على المركز {n}")]),
    ("ar", "pin.pins", &[(Zero, "لا دبابيس"), (One, "دبوس واحد"), (Two, "دبوسان"), (Few, "{n} دبابيس"), (Many, "{n} دبوسًا"), (Other, "{n} دبوس")]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_each_language_s_plurals() {
        assert_eq!(count("en", "present.responses", 0, &[]), "No votes yet");
        assert_eq!(
            count("en", "chart.votes_pct", 1, &[("pct", "50")]),
            "1 vote, 50%"
        );
        assert_eq!(
            count("en", "present.voters", 1234, &[]),
            "1,234 people voted"
        );
        assert_eq!(
            count("pl", "chart.votes_pct", 3, &[("pct", "9")]),
            "3 głosy, 9%"
        );
        assert_eq!(
            count("pl", "chart.votes_pct", 12, &[("pct", "9")]),
            "12 głosów, 9%"
        );
        assert_eq!(
            count("pl", "chart.votes_pct", 22, &[("pct", "9")]),
            "22 głosy, 9%"
        );
        assert_eq!(
            count("cy", "chart.votes_pct", 2, &[("pct", "9")]),
            "2 bleidlais, 9%"
        );
        assert_eq!(
            count("cy", "chart.votes_pct", 5, &[("pct", "9")]),
            "5 o bleidleisiau, 9%"
        );
        assert_eq!(count("ar", "present.voters", 2, &[]), "صوّت شخصان");
        assert_eq!(count("ar", "present.voters", 11, &[]), "صوّت 11 شخصًا");
        assert_eq!(
            text("ur", "chart.tied", &[("names", "A، B")]),
            "برابر: A، B"
        );
    }

    #[test]
    fn unknown_languages_and_regions_fall_back_sensibly() {
        assert_eq!(catalogue_language("pl-PL"), "pl");
        assert_eq!(catalogue_language("AR"), "ar");
        assert_eq!(catalogue_language("pt-br"), "en");
        assert_eq!(catalogue_language(""), "en");
        assert_eq!(text("pt", "number.mean", &[]), "Mean");
        assert!(right_to_left("ur") && !right_to_left("cy"));
    }

    #[test]
    fn every_key_has_an_english_message() {
        for (language, key, forms) in CATALOGUE {
            assert!(!forms.is_empty(), "{language} {key}");
            assert!(
                CATALOGUE.iter().any(|(l, k, _)| *l == "en" && k == key),
                "{key} has no English"
            );
        }
    }
}
