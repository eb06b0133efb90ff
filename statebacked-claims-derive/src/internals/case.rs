//! serde's `rename_all` rules, applied to field names exactly as serde_derive applies them.

use std::fmt::{self, Display};

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum RenameRule {
    None,
    LowerCase,
    UpperCase,
    PascalCase,
    CamelCase,
    SnakeCase,
    ScreamingSnakeCase,
    KebabCase,
    ScreamingKebabCase,
}

static RENAME_RULES: &[(&str, RenameRule)] = &[
    ("lowercase", RenameRule::LowerCase),
    ("UPPERCASE", RenameRule::UpperCase),
    ("PascalCase", RenameRule::PascalCase),
    ("camelCase", RenameRule::CamelCase),
    ("snake_case", RenameRule::SnakeCase),
    ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnakeCase),
    ("kebab-case", RenameRule::KebabCase),
    ("SCREAMING-KEBAB-CASE", RenameRule::ScreamingKebabCase),
];

impl RenameRule {
    pub fn from_str(name: &str) -> Result<Self, UnknownRule<'_>> {
        RENAME_RULES
            .iter()
            .find(|(rule_name, _)| *rule_name == name)
            .map(|(_, rule)| *rule)
            .ok_or(UnknownRule(name))
    }

    /// The wire name serde gives a struct field under this rule.
    pub fn apply_to_field(self, field: &str) -> String {
        match self {
            RenameRule::None | RenameRule::LowerCase | RenameRule::SnakeCase => field.to_owned(),
            RenameRule::UpperCase | RenameRule::ScreamingSnakeCase => field.to_ascii_uppercase(),
            RenameRule::PascalCase => {
                let mut pascal = String::with_capacity(field.len());
                let mut capitalize = true;
                for ch in field.chars() {
                    if ch == '_' {
                        capitalize = true;
                    } else if capitalize {
                        pascal.push(ch.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        pascal.push(ch);
                    }
                }
                pascal
            }
            RenameRule::CamelCase => {
                let pascal = RenameRule::PascalCase.apply_to_field(field);
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => pascal,
                }
            }
            RenameRule::KebabCase => field.replace('_', "-"),
            RenameRule::ScreamingKebabCase => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

pub struct UnknownRule<'a>(&'a str);

impl Display for UnknownRule<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "unknown rename rule `rename_all = {:?}`, expected one of ",
            self.0
        )?;
        for (i, (name, _)) in RENAME_RULES.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name:?}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::RenameRule::*;
    use super::*;

    #[test]
    fn every_rule_matches_serde() {
        // (field, camel, pascal, SCREAMING_SNAKE, kebab, SCREAMING-KEBAB, UPPER)
        let cases = [
            (
                "outcome", "outcome", "Outcome", "OUTCOME", "outcome", "OUTCOME", "OUTCOME",
            ),
            (
                "very_tasty",
                "veryTasty",
                "VeryTasty",
                "VERY_TASTY",
                "very-tasty",
                "VERY-TASTY",
                "VERY_TASTY",
            ),
            ("a", "a", "A", "A", "a", "A", "A"),
            ("z42", "z42", "Z42", "Z42", "z42", "Z42", "Z42"),
            (
                "org_id_2", "orgId2", "OrgId2", "ORG_ID_2", "org-id-2", "ORG-ID-2", "ORG_ID_2",
            ),
        ];
        for (field, camel, pascal, screaming, kebab, screaming_kebab, upper) in cases {
            assert_eq!(None.apply_to_field(field), field);
            assert_eq!(LowerCase.apply_to_field(field), field);
            assert_eq!(SnakeCase.apply_to_field(field), field);
            assert_eq!(CamelCase.apply_to_field(field), camel);
            assert_eq!(PascalCase.apply_to_field(field), pascal);
            assert_eq!(ScreamingSnakeCase.apply_to_field(field), screaming);
            assert_eq!(KebabCase.apply_to_field(field), kebab);
            assert_eq!(ScreamingKebabCase.apply_to_field(field), screaming_kebab);
            assert_eq!(UpperCase.apply_to_field(field), upper);
        }
    }

    #[test]
    fn unknown_rule_lists_the_valid_ones() {
        let Err(err) = RenameRule::from_str("Camel") else {
            panic!("`Camel` is not a serde rule");
        };
        assert_eq!(
            err.to_string(),
            "unknown rename rule `rename_all = \"Camel\"`, expected one of \"lowercase\", \
             \"UPPERCASE\", \"PascalCase\", \"camelCase\", \"snake_case\", \
             \"SCREAMING_SNAKE_CASE\", \"kebab-case\", \"SCREAMING-KEBAB-CASE\""
        );
    }
}
