//! Text folding for moderation: confusables, diacritics, zero-width characters, leetspeak, case.
//!
//! The goal is that every way of writing a word that a human reads as the same word folds to
//! the same ASCII token, so the rule tables only need to list plain spellings.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Characters that render as nothing (or almost nothing) and are used to break up words.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// Combining marks (accents written as separate code points).
fn is_combining(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{0483}'..='\u{0489}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// Look-alike and accented letters, grouped by the ASCII letter they fold to.
/// Lowercase forms only: input is lowercased before the lookup.
const CONFUSABLES: &[(char, &str)] = &[
    ('a', "àáâãäåāăąǎǟǡǻȁȃȧạảấầẩẫậắằẳẵặаӑӓαάἀἁὰᾶɑᴀⱥ"),
    ('b', "ƀɓḃḅḇвьβϐᴃʙ"),
    ('c', "çćĉċčсϲςḉᴄƈ"),
    ('d', "ďđḋḍḏḑḓԁɗᴅð"),
    ('e', "èéêëēĕėęěȅȇȩẹẻẽếềểễệеёєэεέἐἑὲɛᴇ€"),
    ('f', "ḟƒꜰ"),
    ('g', "ĝğġģǧǵḡɡɢ"),
    ('h', "ĥħȟḣḥḧḩḫһнʜ"),
    ('i', "ìíîïĩīĭįıǐȉȋḭḯỉịіїιίϊἰἱὶɪӏ"),
    ('j', "ĵǰјʝᴊ"),
    ('k', "ķĸǩḱḳḵкκᴋ"),
    ('l', "ĺļľŀłḷḹḻḽʟ"),
    ('m', "ḿṁṃмᴍ"),
    ('n', "ñńņňŉǹṅṇṉṋηήпɴ"),
    ('o', "òóôõöøōŏőơǒǫǭȍȏȫȭȯȱọỏốồổỗộớờởỡợоοόὀὁὸσᴏ"),
    ('p', "ṕṗрρᴘ"),
    ('q', "ԛʠ"),
    ('r', "ŕŗřȑȓṙṛṝṟгʀ"),
    ('s', "śŝşšșṡṣѕꜱ"),
    ('t', "ţťŧțṫṭṯṱтτᴛ"),
    ('u', "ùúûüũūŭůűųưǔǖǘǚǜȕȗụủứừửữựμυύϋὐὑὺᴜ"),
    ('v', "ṽṿνᴠ"),
    ('w', "ŵẁẃẅẇẉԝωώᴡ"),
    ('x', "ẋẍхχ"),
    ('y', "ýÿŷȳẏẙỳỵỷỹуўүγʏ"),
    ('z', "źżžẑẓẕᴢ"),
];

/// Digits and symbols that stand in for letters inside words.
fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '6' => 'g',
        '7' => 't',
        '8' => 'b',
        '9' => 'g',
        '@' => 'a',
        '$' => 's',
        '!' => 'i',
        '|' => 'l',
        '+' => 't',
        _ => return None,
    })
}

fn confusable_map() -> &'static HashMap<char, char> {
    static MAP: OnceLock<HashMap<char, char>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut m = HashMap::new();
        for (ascii, variants) in CONFUSABLES {
            for v in variants.chars() {
                m.insert(v, *ascii);
            }
        }
        m
    })
}

/// Letters from the "styled" Unicode blocks (fullwidth, mathematical, circled, enclosed).
fn styled_letter(c: char) -> Option<char> {
    let u = c as u32;
    let letter = |i: u32| char::from_u32('a' as u32 + i);
    match u {
        // Fullwidth ASCII.
        0xFF01..=0xFF5E => char::from_u32(u - 0xFEE0).map(|c| c.to_ascii_lowercase()),
        // Mathematical alphanumeric letters: blocks of 52 (A-Z, a-z).
        0x1D400..=0x1D6A3 => letter((u - 0x1D400) % 52 % 26),
        0x1D7CE..=0x1D7FF => char::from_u32('0' as u32 + (u - 0x1D7CE) % 10),
        // Circled and parenthesized letters.
        0x24B6..=0x24CF => letter(u - 0x24B6),
        0x24D0..=0x24E9 => letter(u - 0x24D0),
        0x249C..=0x24B5 => letter(u - 0x249C),
        // Squared, negative circled and negative squared letters; regional indicators.
        0x1F130..=0x1F149 => letter(u - 0x1F130),
        0x1F150..=0x1F169 => letter(u - 0x1F150),
        0x1F170..=0x1F189 => letter(u - 0x1F170),
        0x1F1E6..=0x1F1FF => letter(u - 0x1F1E6),
        // Letterlike symbols used to fill holes in the mathematical blocks.
        0x210E => Some('h'),
        0x212F | 0x2130 => Some('e'),
        0x2134 => Some('o'),
        0x210A => Some('g'),
        0x2113 => Some('l'),
        0x2102 => Some('c'),
        0x210D => Some('h'),
        0x2115 => Some('n'),
        0x2119 => Some('p'),
        0x211A => Some('q'),
        0x211D => Some('r'),
        0x2124 => Some('z'),
        _ => None,
    }
}

/// Fold one character to lowercase ASCII where it has a look-alike; `None` drops it.
fn fold_char(c: char) -> Option<char> {
    if is_invisible(c) || is_combining(c) {
        return None;
    }
    if c.is_ascii() {
        return Some(c.to_ascii_lowercase());
    }
    if let Some(s) = styled_letter(c) {
        return Some(s);
    }
    let lower = c.to_lowercase().next().unwrap_or(c);
    if let Some(&a) = confusable_map().get(&lower) {
        return Some(a);
    }
    match lower {
        'ß' => Some('s'),
        'æ' => Some('a'),
        'œ' => Some('o'),
        // Typographic apostrophes and dashes behave like their ASCII forms.
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{FF07}' => Some('\''),
        '\u{2010}'..='\u{2015}' | '\u{2212}' => Some('-'),
        _ => Some(lower),
    }
}

/// A word of the prompt after folding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Folded form, letters only (digits kept when the whole token is a number).
    pub text: String,
    /// True when the token is glued to the previous one by in-word punctuation
    /// ("be-head", "s.e.x", "nu_de"): such pieces are always joined when matching.
    pub glued: bool,
    /// The reading with trailing "!" kept as the letter i ("peps!" -> "pepsi"), if different.
    pub alt: Option<String>,
}

/// Separators that people put inside a word to hide it.
fn is_glue(c: char) -> bool {
    matches!(
        c,
        '-' | '.' | '_' | '*' | '~' | '/' | '\\' | '^' | '#' | '='
    )
}

/// Fold the whole text to lowercase ASCII-ish characters (no tokenising).
pub fn fold(text: &str) -> String {
    text.chars().filter_map(fold_char).collect()
}

/// Fold and split a prompt into tokens.
pub fn tokenize(text: &str) -> Vec<Token> {
    let folded: Vec<char> = fold(text).chars().filter(|&c| c != '\'').collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut glue_pending = false;
    while i < folded.len() {
        let c = folded[i];
        let is_word = |c: char| c.is_alphanumeric() || leet(c).is_some();
        let starts_word = c.is_alphanumeric()
            || (leet(c).is_some() && folded.get(i + 1).is_some_and(|&n| is_word(n)));
        if !starts_word {
            if is_glue(c) && !tokens.is_empty() && i > 0 && !folded[i - 1].is_whitespace() {
                glue_pending = true;
            } else if !is_glue(c) {
                glue_pending = false;
            }
            i += 1;
            continue;
        }
        let start = i;
        while i < folded.len() && is_word(folded[i]) {
            i += 1;
        }
        // Trailing "!"/"+" are punctuation ("wow!"), not letters.
        let mut stop = i;
        while stop > start && matches!(folded[stop - 1], '!' | '+') {
            stop -= 1;
        }
        if !folded[start..stop].iter().any(|c| c.is_alphanumeric()) {
            continue;
        }
        let raw: Vec<char> = folded[start..stop].to_vec();
        // "12yo", "9yr": an age glued to its unit is two words.
        let digits = raw.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 && digits < raw.len() {
            let unit: String = raw[digits..].iter().collect();
            if [
                "yo", "yr", "yrs", "y", "year", "years", "yearold", "yearsold",
            ]
            .contains(&unit.as_str())
            {
                tokens.push(Token {
                    text: raw[..digits].iter().collect(),
                    glued: glue_pending,
                    alt: None,
                });
                tokens.push(Token {
                    text: unit,
                    glued: true,
                    alt: None,
                });
                glue_pending = false;
                continue;
            }
        }
        let alt = (stop < i && folded[stop..i].iter().all(|&c| c == '!')).then(|| {
            folded[start..i]
                .iter()
                .map(|&c| leet(c).unwrap_or(c))
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        });
        let text = if raw.iter().all(|c| c.is_ascii_digit()) {
            raw.iter().collect()
        } else {
            raw.iter()
                .map(|&c| leet(c).unwrap_or(c))
                .filter(|c| c.is_alphanumeric())
                .collect()
        };
        tokens.push(Token {
            text,
            glued: glue_pending,
            alt,
        });
        glue_pending = false;
    }
    tokens
}

/// Collapse runs of repeated letters beyond two ("kiiilll" -> "kiill"), then the "skeleton"
/// used for lexicon lookups: `l` and `i` are merged because "1" and "|" stand for either.
pub fn skeleton(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut prev = '\0';
    let mut run = 0;
    for c in word.chars() {
        let c = if c == 'l' { 'i' } else { c };
        if c == prev {
            run += 1;
            if run >= 2 {
                continue;
            }
        } else {
            run = 0;
        }
        prev = c;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        tokenize(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn folds_confusables_and_styles() {
        // Cyrillic а, е, о; Greek ο; fullwidth; accents; zero-width space.
        assert_eq!(words("nаkеd"), vec!["naked"]);
        assert_eq!(words("ｋｉｌｌ"), vec!["kill"]);
        assert_eq!(words("nüdé"), vec!["nude"]);
        assert_eq!(words("ki\u{200B}ll"), vec!["kill"]);
        assert_eq!(words("n\u{0301}ude"), vec!["nude"]);
        assert_eq!(words("𝐤𝐢𝐥𝐥"), vec!["kill"]);
        assert_eq!(words("ⓚⓘⓛⓛ"), vec!["kill"]);
    }

    #[test]
    fn leet_inside_words_but_numbers_stay() {
        assert_eq!(words("k1ll s3x"), vec!["kill", "sex"]);
        assert_eq!(words("$ex"), vec!["sex"]);
        assert_eq!(words("a 12 year old"), vec!["a", "12", "year", "old"]);
        assert_eq!(words("wow!"), vec!["wow"]);
        assert_eq!(words("don't"), vec!["dont"]);
    }

    #[test]
    fn glue_marks_split_words() {
        let t = tokenize("be-head the s.e.x");
        assert_eq!(
            t.iter().map(|t| t.glued).collect::<Vec<_>>(),
            vec![false, true, false, false, true, true]
        );
    }

    #[test]
    fn skeleton_merges_l_and_i_and_runs() {
        assert_eq!(skeleton("kiii"), skeleton("kill"));
        assert_eq!(skeleton("kiiiillll"), skeleton("kill"));
    }
}
