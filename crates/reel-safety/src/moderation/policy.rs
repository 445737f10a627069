//! Which moderation categories are enforced. Loaded from JSON or TOML; every category is on by
//! default, and sexual content involving minors cannot be turned off.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Always enforced.
    SexualMinors,
    Sexual,
    GraphicViolence,
    Hate,
    SelfHarm,
    /// Likeness of real public figures (politicians, celebrities).
    PublicFigures,
    /// Named third-party characters and brands.
    CharactersBrands,
}

impl Category {
    /// In the order rules are checked (most severe first).
    pub const ALL: [Category; 7] = [
        Category::SexualMinors,
        Category::Sexual,
        Category::GraphicViolence,
        Category::Hate,
        Category::SelfHarm,
        Category::PublicFigures,
        Category::CharactersBrands,
    ];

    /// The identifier used in policy files and API responses.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::SexualMinors => "sexual_minors",
            Category::Sexual => "sexual",
            Category::GraphicViolence => "graphic_violence",
            Category::Hate => "hate",
            Category::SelfHarm => "self_harm",
            Category::PublicFigures => "public_figures",
            Category::CharactersBrands => "characters_brands",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Category::SexualMinors => "sexual content involving minors",
            Category::Sexual => "sexual content",
            Category::GraphicViolence => "graphic violence",
            Category::Hate => "hateful content",
            Category::SelfHarm => "self-harm",
            Category::PublicFigures => "likeness of a real public figure",
            Category::CharactersBrands => "a named third-party character or brand",
        }
    }

    pub fn parse(s: &str) -> Result<Category> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .with_context(|| {
                format!(
                    "unknown moderation category {s:?}; expected one of {}",
                    Category::ALL.map(|c| c.as_str()).join(", ")
                )
            })
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Enabled/disabled state per category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    enabled: BTreeMap<Category, bool>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            enabled: Category::ALL.into_iter().map(|c| (c, true)).collect(),
        }
    }
}

/// File shape: `{"categories": {"sexual": true, "public_figures": false}}` (JSON) or
/// `[categories]\nsexual = true` (TOML). Categories not listed stay on.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    categories: BTreeMap<String, bool>,
}

impl Policy {
    pub fn is_enabled(&self, c: Category) -> bool {
        c == Category::SexualMinors || self.enabled.get(&c).copied().unwrap_or(true)
    }

    /// Turn a category on or off; refuses to turn off sexual content involving minors.
    pub fn set(&mut self, c: Category, on: bool) -> Result<()> {
        if c == Category::SexualMinors && !on {
            bail!(
                "the sexual_minors moderation category is always enforced and cannot be disabled"
            );
        }
        self.enabled.insert(c, on);
        Ok(())
    }

    fn from_file_struct(f: PolicyFile) -> Result<Policy> {
        let mut p = Policy::default();
        for (name, on) in f.categories {
            p.set(Category::parse(&name)?, on)?;
        }
        Ok(p)
    }

    pub fn from_json(text: &str) -> Result<Policy> {
        let f: PolicyFile = serde_json::from_str(text).context("invalid moderation policy JSON")?;
        Self::from_file_struct(f)
    }

    pub fn from_toml(text: &str) -> Result<Policy> {
        let f: PolicyFile = toml::from_str(text).context("invalid moderation policy TOML")?;
        Self::from_file_struct(f)
    }

    /// Load by extension: `.json` or `.toml`.
    pub fn from_file(path: &Path) -> Result<Policy> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read moderation policy {}", path.display()))?;
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        match ext.to_ascii_lowercase().as_str() {
            "json" => Self::from_json(&text),
            "toml" => Self::from_toml(&text),
            _ => bail!(
                "moderation policy {} must end in .json or .toml",
                path.display()
            ),
        }
        .with_context(|| format!("in {}", path.display()))
    }

    /// The enabled categories, for display.
    pub fn enabled_categories(&self) -> Vec<Category> {
        Category::ALL
            .into_iter()
            .filter(|&c| self.is_enabled(c))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_all_on() {
        let p = Policy::default();
        assert_eq!(p.enabled_categories().len(), 7);
    }

    #[test]
    fn json_and_toml_agree() {
        let j =
            Policy::from_json(r#"{"categories":{"public_figures":false,"hate":true}}"#).unwrap();
        let t = Policy::from_toml("[categories]\npublic_figures = false\nhate = true\n").unwrap();
        assert_eq!(j, t);
        assert!(!j.is_enabled(Category::PublicFigures));
        assert!(j.is_enabled(Category::Sexual));
    }

    #[test]
    fn minors_cannot_be_disabled_and_unknown_is_an_error() {
        let e = Policy::from_json(r#"{"categories":{"sexual_minors":false}}"#).unwrap_err();
        assert!(format!("{e:#}").contains("cannot be disabled"));
        let e = Policy::from_toml("[categories]\nviolence = false\n").unwrap_err();
        assert!(format!("{e:#}").contains("unknown moderation category \"violence\""));
    }
}
