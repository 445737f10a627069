//! The matcher: compiles the tables in `lexicon.rs` once, then scores prompts.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::lexicon::{Pair, Spec, CLASSES, COMMON_WORDS, PAIRS, SPECS, WORD_EXCEPTIONS};
use super::normalize::{skeleton, tokenize};
use super::policy::{Category, Policy};
use super::Verdict;

/// How far (in words) an exception word may be from a match to cancel it.
const EXCEPT_WINDOW: usize = 3;
/// The same for a group's own exception list (mostly context classes).
const SPEC_EXCEPT_WINDOW: usize = 5;
/// Longest run of fragments re-joined into one word ("k i l l i n g" is 7).
const MAX_JOIN: usize = 14;

enum PWord {
    Forms(HashSet<String>),
    /// Zero to this many arbitrary words (`_` two, `__` four).
    Wild(usize),
}

struct Term {
    words: Vec<PWord>,
    spec: usize,
    display: String,
    except: HashSet<String>,
}

struct Compiled {
    terms: Vec<Term>,
    /// First-word form -> term indices.
    index: HashMap<String, Vec<usize>>,
    /// Every word form in any term: the targets for re-joining split words.
    vocab: HashSet<String>,
    common: HashSet<String>,
    spec_except: Vec<HashSet<String>>,
    minor_spec: usize,
    age_words: HashMap<String, u32>,
}

fn sk(word: &str) -> String {
    let t: String = tokenize(word).into_iter().map(|t| t.text).collect();
    skeleton(&t)
}

/// Exception words: plain words, and `@class` references to the benign-context classes in
/// `lexicon::CLASSES` (food, sport, toy, ...), so a context is listed once and reused.
fn except_words(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    for w in list.split_whitespace() {
        match w.strip_prefix('@') {
            Some(name) => {
                let (_, words) = CLASSES
                    .iter()
                    .find(|(n, _)| *n == name)
                    .unwrap_or_else(|| panic!("lexicon: unknown exception class @{name}"));
                out.extend(words.split_whitespace().map(sk));
            }
            None => out.push(sk(w)),
        }
    }
    out
}

/// Surface forms of a word for a marker: `*` verb/noun inflections, `+` plurals, none exact.
fn inflect(word: &str, marker: Option<char>) -> Vec<String> {
    let mut out = vec![word.to_string()];
    let Some(m) = marker else { return out };
    let b = word.as_bytes();
    let last = *b.last().unwrap_or(&b'a') as char;
    let is_vowel = |c: char| "aeiou".contains(c);
    let plural = |out: &mut Vec<String>| {
        out.push(format!("{word}s"));
        out.push(format!("{word}es"));
        if last == 'y' && word.len() > 1 && !is_vowel(b[b.len() - 2] as char) {
            out.push(format!("{}ies", &word[..word.len() - 1]));
        }
    };
    plural(&mut out);
    if m == '*' {
        for suf in [
            "ed", "d", "ing", "er", "ers", "ings", "ion", "ions", "ation", "ly",
        ] {
            out.push(format!("{word}{suf}"));
        }
        if let Some(stem) = word.strip_suffix('e') {
            for suf in ["ing", "ed", "er", "ers", "ion", "ions", "ings"] {
                out.push(format!("{stem}{suf}"));
            }
        }
        if let Some(stem) = word.strip_suffix('y') {
            out.push(format!("{stem}ied"));
            out.push(format!("{stem}ies"));
        }
        // Short consonant-vowel-consonant verbs double the last letter (stab -> stabbed).
        let n = b.len();
        if n >= 3
            && !is_vowel(last)
            && !"wxy".contains(last)
            && is_vowel(b[n - 2] as char)
            && !is_vowel(b[n - 3] as char)
        {
            for suf in ["ed", "ing", "er", "ers"] {
                out.push(format!("{word}{last}{suf}"));
            }
        }
    }
    out
}

fn compile() -> Compiled {
    let word_except: HashMap<String, HashSet<String>> = WORD_EXCEPTIONS
        .iter()
        .map(|(w, ex)| (sk(w), except_words(ex).into_iter().collect()))
        .collect();
    let mut terms = Vec::new();
    let mut spec_except = Vec::new();
    for (si, spec) in SPECS.iter().enumerate() {
        spec_except.push(except_words(spec.except).into_iter().collect());
        for raw in spec.terms.split(',') {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let (body, mut except): (&str, HashSet<String>) = match raw.find('{') {
                Some(p) => (
                    raw[..p].trim(),
                    except_words(raw[p + 1..].trim_end_matches('}'))
                        .into_iter()
                        .collect(),
                ),
                None => (raw, HashSet::new()),
            };
            let mut words = Vec::new();
            for w in body.split_whitespace() {
                if w == "_" || w == "__" {
                    words.push(PWord::Wild(if w == "_" { 2 } else { 4 }));
                    continue;
                }
                let (base, marker) = match w.chars().last() {
                    Some(c @ ('*' | '+')) => (&w[..w.len() - 1], Some(c)),
                    _ => (w, None),
                };
                let forms = inflect(base, marker).iter().map(|f| sk(f)).collect();
                words.push(PWord::Forms(forms));
            }
            let first = body.split_whitespace().next().unwrap_or("");
            // Exceptions of the word and of its stem ("shooting" also gets those of "shoot").
            let fb = sk(first.trim_end_matches(['*', '+']));
            for (k, ex) in &word_except {
                if fb.starts_with(k.as_str()) && fb.len() - k.len() <= 3 {
                    except.extend(ex.iter().cloned());
                }
            }
            let display = body
                .replace(['*', '+'], "")
                .replace(" __ ", " … ")
                .replace(" _ ", " … ");
            // A phrase written as one word ("blowjob", "taylorswift") matches too.
            let joinable = words.len() > 1 && words.iter().all(|w| matches!(w, PWord::Forms(_)));
            if joinable {
                let parts: Vec<&str> = body.split_whitespace().collect();
                let head: String = parts[..parts.len() - 1]
                    .iter()
                    .map(|p| sk(p.trim_end_matches(['*', '+'])))
                    .collect();
                if let Some(PWord::Forms(last)) = words.last() {
                    let joined = last.iter().map(|f| format!("{head}{f}")).collect();
                    terms.push(Term {
                        words: vec![PWord::Forms(joined)],
                        spec: si,
                        display: display.clone(),
                        except: except.clone(),
                    });
                }
            }
            terms.push(Term {
                words,
                spec: si,
                display,
                except,
            });
        }
    }
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    let mut vocab = HashSet::new();
    for (ti, t) in terms.iter().enumerate() {
        if let Some(PWord::Forms(first)) = t.words.first() {
            for f in first {
                index.entry(f.clone()).or_default().push(ti);
            }
        }
        for w in &t.words {
            if let PWord::Forms(fs) = w {
                vocab.extend(fs.iter().cloned());
            }
        }
    }
    let minor_spec = SPECS
        .iter()
        .position(|s| s.group == "minor")
        .expect("the lexicon defines the minor group");
    let numbers = [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
    ];
    let age_words = numbers
        .iter()
        .enumerate()
        .map(|(i, w)| (sk(w), i as u32 + 1))
        .collect();
    Compiled {
        terms,
        index,
        vocab,
        common: COMMON_WORDS.split_whitespace().map(sk).collect(),
        spec_except,
        minor_spec,
        age_words,
    }
}

fn compiled() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(compile)
}

#[derive(Debug, Clone)]
struct Hit {
    spec: usize,
    display: String,
    start: usize,
    end: usize,
}

/// Match `words[wi..]` at `pos`; returns the end position.
fn match_at(words: &[PWord], wi: usize, view: &[String], pos: usize) -> Option<usize> {
    if wi == words.len() {
        return Some(pos);
    }
    match &words[wi] {
        PWord::Forms(f) => {
            if pos < view.len() && f.contains(&view[pos]) {
                match_at(words, wi + 1, view, pos + 1)
            } else {
                None
            }
        }
        PWord::Wild(max) => (0..=*max)
            .filter(|k| pos + k <= view.len())
            .find_map(|k| match_at(words, wi + 1, view, pos + k)),
    }
}

/// Re-join words that were split up: glued pieces ("be-head", "t-h-e-i-r") always, and
/// whitespace-separated fragments ("k i l l", "nu de") when they form a known term word and
/// are not all real words ("be head" stays apart).
fn joined_view(c: &Compiled, base: &[String], glued: &[bool]) -> Vec<String> {
    // Pass 1: glued runs become one word.
    let mut words: Vec<String> = Vec::with_capacity(base.len());
    for (w, &g) in base.iter().zip(glued) {
        match words.last_mut() {
            Some(last) if g => {
                last.push_str(w);
                *last = skeleton(last);
            }
            _ => words.push(w.clone()),
        }
    }
    // Pass 2: fragments separated by spaces.
    let n = words.len();
    let best_end = |i: usize| -> Option<usize> {
        let hi = (i + MAX_JOIN).min(n);
        (i + 2..=hi).rev().find(|&j| {
            let total: usize = words[i..j].iter().map(|s| s.len()).sum();
            total <= 30
                && c.vocab.contains(&skeleton(&words[i..j].concat()))
                // Real words side by side are left alone ("be head", "own life").
                && !words[i..j]
                    .iter()
                    .all(|w| w.len() >= 2 && (c.common.contains(w) || c.vocab.contains(w)))
        })
    };
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let here = best_end(i);
        // Prefer a longer join that starts one word later ("a n a k e d" is "a naked").
        let later = if i + 1 < n { best_end(i + 1) } else { None };
        match here {
            Some(j) if later.is_none_or(|l| l <= j) => {
                out.push(skeleton(&words[i..j].concat()));
                i = j;
            }
            _ => {
                out.push(words[i].clone());
                i += 1;
            }
        }
    }
    out
}

fn find_hits(c: &Compiled, view: &[String]) -> Vec<Hit> {
    let mut hits = Vec::new();
    for i in 0..view.len() {
        let Some(cands) = c.index.get(&view[i]) else {
            continue;
        };
        for &ti in cands {
            let t = &c.terms[ti];
            let Some(end) = match_at(&t.words, 0, view, i) else {
                continue;
            };
            // Word exceptions look three words around the match; a group's context classes
            // (food, sport, ...) a little further, since the object often comes later
            // ("a chainsaw cutting through a fallen oak log").
            let near = |w: usize, k: usize| k + w >= i && k < end + w && (k < i || k >= end);
            let excepted = (i.saturating_sub(SPEC_EXCEPT_WINDOW)
                ..(end + SPEC_EXCEPT_WINDOW).min(view.len()))
                .any(|k| {
                    (near(EXCEPT_WINDOW, k) && t.except.contains(&view[k]))
                        || (near(SPEC_EXCEPT_WINDOW, k) && c.spec_except[t.spec].contains(&view[k]))
                });
            if !excepted {
                hits.push(Hit {
                    spec: t.spec,
                    display: t.display.clone(),
                    start: i,
                    end: end.max(i + 1),
                });
            }
        }
    }
    // Ages under 18 ("12 year old", "twelve-year-old", "12yo") mark a minor.
    let age_unit = ["year", "years", "yr", "yrs", "yo", "yearold", "yearsold"].map(sk);
    for i in 0..view.len() {
        let age = view[i]
            .parse::<u32>()
            .ok()
            .or_else(|| c.age_words.get(&view[i]).copied());
        let Some(age) = age else { continue };
        let unit = view.get(i + 1).is_some_and(|u| age_unit.contains(u))
            || (view.get(i + 1).map(String::as_str) == Some("y")
                && view.get(i + 2).map(String::as_str) == Some("o"));
        // "age 8", "aged 9 and 10", "ages 7"
        let prefix = i > 0
            && ["age", "aged", "ages", "turned", "barely"]
                .map(sk)
                .contains(&view[i - 1]);
        // "a boy of thirteen", "a girl of 12"
        let of_age = i > 1
            && view[i - 1] == "of"
            && [
                "boy", "girl", "kid", "child", "son", "daughter", "pupil", "student", "runaway",
            ]
            .map(sk)
            .contains(&view[i - 2]);
        if (unit || prefix || of_age) && (1..18).contains(&age) {
            hits.push(Hit {
                spec: c.minor_spec,
                display: format!("{age} year old"),
                start: i,
                end: i + 2,
            });
        }
    }
    hits
}

fn gap(a: &Hit, b: &Hit) -> Option<usize> {
    if a.end <= b.start {
        Some(b.start - a.end)
    } else if b.end <= a.start {
        Some(a.start - b.end)
    } else if a.start != b.start && a.end != b.end {
        // One phrase inside the other's gap ("chasing gypsies out"): adjacent in effect.
        Some(0)
    } else {
        None // the same words cannot be both halves of a pair
    }
}

struct Finding {
    category: Category,
    matched: String,
    explanation: String,
}

fn evaluate(hits: &[Hit], policy: &Policy) -> Option<Finding> {
    for cat in Category::ALL {
        if !policy.is_enabled(cat) {
            continue;
        }
        // The category's score adds up cues: weighted terms and pair rules (a cue group near
        // another). Distinct terms only, so repeating a word does not add up; one word counts
        // once (its strongest term), and each pair rule counts once.
        // A conditional cue ("in a motel room" for sexual_minors) counts only when a hit of
        // its `needs` groups (a minor) is also in the prompt.
        // `a&b|c` needs a hit of `a` and one of `b` or `c`.
        let present = |needs: &str| {
            needs.is_empty()
                || needs
                    .split('&')
                    .all(|part| hits.iter().any(|h| in_groups(h, part)))
        };
        let mut by_pos: Vec<&Hit> = hits
            .iter()
            .filter(|h| {
                let s = &SPECS[h.spec];
                s.category == cat && s.weight > 0.0 && present(s.needs)
            })
            .collect();
        by_pos.sort_by(|a, b| SPECS[b.spec].weight.total_cmp(&SPECS[a.spec].weight));
        let mut seen_terms = HashSet::new();
        let mut seen_pos = HashSet::new();
        let mut score = 0.0f32;
        let mut matched = Vec::new();
        let mut reasons = Vec::new();
        for h in by_pos {
            let s: &Spec = &SPECS[h.spec];
            if seen_pos.contains(&h.start) || !seen_terms.insert(h.display.clone()) {
                continue;
            }
            seen_pos.extend(h.start..h.end);
            score += s.weight;
            matched.push(h.display.clone());
        }
        if !matched.is_empty() {
            reasons.push(format!("the prompt contains {}", quote_list(&matched)));
        }
        for p in PAIRS.iter().filter(|p| p.category == cat) {
            if score >= 1.0 - 1e-6 {
                break;
            }
            if let Some((a, b)) = find_pair(hits, p) {
                score += p.weight;
                matched.push(format!("{} + {}", a.display, b.display));
                reasons.push(format!(
                    "{} (\"{}\" near \"{}\")",
                    p.why, a.display, b.display
                ));
            }
        }
        if score >= 1.0 - 1e-6 {
            return Some(Finding {
                category: cat,
                matched: matched.join(", "),
                explanation: format!("{} (rule): {}", cat.description(), reasons.join("; ")),
            });
        }
    }
    None
}

/// Groups named `a|b` mean either group.
fn in_groups(h: &Hit, groups: &str) -> bool {
    groups.split('|').any(|g| SPECS[h.spec].group == g)
}

fn find_pair<'a>(hits: &'a [Hit], p: &Pair) -> Option<(&'a Hit, &'a Hit)> {
    let a = hits.iter().filter(|h| in_groups(h, p.a));
    for x in a {
        for y in hits.iter().filter(|h| in_groups(h, p.b)) {
            if gap(x, y).is_some_and(|d| d <= p.window) {
                return Some((x, y));
            }
        }
    }
    None
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The two readings of a prompt: as written, and with split words re-joined.
fn views(c: &Compiled, prompt: &str) -> (Vec<String>, Vec<String>) {
    let tokens = tokenize(prompt);
    let base: Vec<String> = tokens
        .iter()
        .map(|t| {
            let w = skeleton(&t.text);
            // "peps!": use the reading with the final "!" as a letter when only that one is a term word.
            match &t.alt {
                Some(a) if !c.vocab.contains(&w) && c.vocab.contains(&skeleton(a)) => skeleton(a),
                _ => w,
            }
        })
        .collect();
    let glued: Vec<bool> = tokens.iter().map(|t| t.glued).collect();
    let joined = joined_view(c, &base, &glued);
    (base, joined)
}

/// The cue groups the rules find in either reading of a prompt, sorted and deduplicated.
/// Features for the learned classifier: it sees the semantic classes (a harm verb, a person,
/// a protected group) even when no rule adds up to a block.
pub(crate) fn cue_groups(prompt: &str) -> Vec<&'static str> {
    let c = compiled();
    let (base, joined) = views(c, prompt);
    let mut groups: Vec<&'static str> = find_hits(c, &base)
        .into_iter()
        .chain(if joined == base {
            vec![]
        } else {
            find_hits(c, &joined)
        })
        .map(|h| SPECS[h.spec].group)
        .collect();
    groups.sort_unstable();
    groups.dedup();
    groups
}

/// Score a prompt against the built-in rules under `policy`.
pub fn check(prompt: &str, policy: &Policy) -> Verdict {
    let c = compiled();
    let (base, joined) = views(c, prompt);
    if std::env::var_os("REEL_MODERATION_DEBUG").is_some() {
        eprintln!("base: {base:?}\njoined: {joined:?}");
    }
    // Two readings of the prompt: as written, and with split words re-joined. Either can block.
    for view in [&base, &joined] {
        let hits = find_hits(c, view);
        if std::env::var_os("REEL_MODERATION_DEBUG").is_some() {
            for h in &hits {
                eprintln!(
                    "  hit {} {:?} [{}..{})",
                    SPECS[h.spec].group, h.display, h.start, h.end
                );
            }
        }
        if let Some(f) = evaluate(&hits, policy) {
            return Verdict::Blocked {
                category: f.category,
                matched: f.matched,
                explanation: f.explanation,
            };
        }
        if joined == base {
            break;
        }
    }
    Verdict::Allowed
}
