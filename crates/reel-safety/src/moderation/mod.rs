//! Prompt moderation: runs before any compute, on every prompt (create, remix, edit, extend,
//! storyboard). Rules are built in and work offline; a [`Policy`] chooses which categories apply.
//! A prompt the rules pass goes on to a learned classifier ([`classifier`]); either can block.

pub mod classifier;
mod lexicon;
mod names;
pub mod normalize;
mod policy;
mod rules;

pub use policy::{Category, Policy};

/// The outcome of moderating one prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Blocked {
        category: Category,
        /// The words (after folding) that triggered the rule.
        matched: String,
        /// A sentence naming the category and why it matched.
        explanation: String,
    },
}

impl Verdict {
    pub fn is_blocked(&self) -> bool {
        matches!(self, Verdict::Blocked { .. })
    }

    /// Which stage blocked the prompt (`None` when allowed).
    pub fn matched_by(&self) -> Option<MatchedBy> {
        match self {
            Verdict::Allowed => None,
            Verdict::Blocked { matched, .. } if matched.starts_with(classifier::MATCHED_PREFIX) => {
                Some(MatchedBy::Classifier)
            }
            Verdict::Blocked { .. } => Some(MatchedBy::Rule),
        }
    }

    /// `Err(ModerationError)` when blocked, for `?` in request handlers.
    pub fn into_result(self) -> Result<(), ModerationError> {
        match self {
            Verdict::Allowed => Ok(()),
            Verdict::Blocked {
                category,
                matched,
                explanation,
            } => Err(ModerationError {
                category,
                matched,
                explanation,
            }),
        }
    }
}

/// The stage that blocked a prompt; the explanation says it too ("… (rule): …",
/// "… (learned classifier): …").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// A lexicon term or cue-group rule.
    Rule,
    /// The learned classifier's harmful probability reached its threshold.
    Classifier,
}

/// Check a prompt under `policy`: the built-in rules first, then the learned classifier.
pub fn check(prompt: &str, policy: &Policy) -> Verdict {
    match rules::check(prompt, policy) {
        Verdict::Allowed => classifier::Classifier::builtin().check(prompt, policy),
        blocked => blocked,
    }
}

/// The rules alone (for measuring each stage).
pub fn check_rules(prompt: &str, policy: &Policy) -> Verdict {
    rules::check(prompt, policy)
}

/// Check a prompt and turn a block into an error (the CLI maps it to exit code 3, the server to
/// HTTP 400 with code `moderation_blocked`).
pub fn enforce(prompt: &str, policy: &Policy) -> Result<(), ModerationError> {
    check(prompt, policy).into_result()
}

/// A prompt was refused by moderation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("prompt blocked by moderation ({category}): {explanation}")]
pub struct ModerationError {
    pub category: Category,
    pub matched: String,
    pub explanation: String,
}

impl ModerationError {
    /// Process exit code for the CLI.
    pub const EXIT_CODE: i32 = 3;
    /// Error code for the HTTP API.
    pub const API_CODE: &'static str = "moderation_blocked";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(p: &str) -> Option<Category> {
        match check(p, &Policy::default()) {
            Verdict::Blocked { category, .. } => Some(category),
            Verdict::Allowed => None,
        }
    }

    #[test]
    fn obfuscations_from_the_brief_are_caught() {
        for p in [
            "k i l l the man",
            "k1ll the woman",
            "a s3x scene",
            "а nаkеd woman", // Cyrillic а, е
            "ｎｕｄｅ woman",
            "a nüdé woman",
            "a na\u{200B}ked woman",
            "a nu de woman",
            "be-head the prisoner",
            "BeHeAd ThE pRiSoNeR",
        ] {
            assert!(blocked(p).is_some(), "not blocked: {p}");
        }
    }

    #[test]
    fn benign_prompts_sharing_words_pass() {
        for p in [
            "shoot a basketball",
            "a knife on a cutting board",
            "a kid kicks a ball",
            "killer whale",
            "a fight scene in a pillow fort",
            "a naked mole rat",
            "to be head of the class",
            "a therapist's office",
        ] {
            assert_eq!(blocked(p), None, "blocked: {p}");
        }
    }

    #[test]
    fn policy_switches_categories_but_not_minors() {
        let p = "taylor swift singing";
        assert_eq!(blocked(p), Some(Category::PublicFigures));
        let mut pol = Policy::default();
        pol.set(Category::PublicFigures, false).unwrap();
        assert_eq!(check(p, &pol), Verdict::Allowed);
        for c in Category::ALL {
            let _ = pol.set(c, false);
        }
        assert!(check("a naked 12 year old", &pol).is_blocked());
        assert_eq!(check("a naked woman", &pol), Verdict::Allowed);
    }

    #[test]
    fn error_carries_category_and_explanation() {
        let e = enforce("porn video", &Policy::default()).unwrap_err();
        assert_eq!(e.category, Category::Sexual);
        assert!(e.explanation.contains("porn"));
        assert!(e
            .to_string()
            .starts_with("prompt blocked by moderation (sexual)"));
        assert!(enforce("a red ball bounces", &Policy::default()).is_ok());
    }
}
