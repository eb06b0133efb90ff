//! Error messages without the values they quote: what is wrong, never what a token said.

/// serde's message without the values it quotes (``invalid value: integer `300` ``, ``unknown
/// variant `root` ``, `invalid type: string "secret"`): what is wrong, never what the token
/// said. Missing and unknown field names are the schema's, not the token's values, and stay.
pub(crate) fn redact_values(message: &str) -> String {
    if message.starts_with("missing field") || message.starts_with("duplicate field") {
        return message.to_owned();
    }
    // serde quotes the value it refused first (`` `300` ``, `"secret"`, written with escapes
    // and any characters inside), then says what it expected. Everything from the first quote
    // to the last ", expected" (or " at line", or the end) is the value: cut it whole rather
    // than parse its quoting.
    let Some(start) = message.find(['`', '"']) else {
        return message.to_owned();
    };
    let quote = &message[start..start + 1];
    let end = message[start + 1..]
        .rfind(", expected")
        .or_else(|| message[start + 1..].rfind(" at line "))
        .map_or(message.len(), |i| start + 1 + i);
    format!("{}{quote}…{quote}{}", &message[..start], &message[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_redacted() {
        assert_eq!(
            redact_values("invalid value: integer `300`, expected u8 at line 1 column 9"),
            "invalid value: integer `…`, expected u8 at line 1 column 9"
        );
        assert_eq!(
            redact_values(r#"invalid type: string "hunter2", expected u32"#),
            r#"invalid type: string "…", expected u32"#
        );
        assert_eq!(
            redact_values("missing field `email`"),
            "missing field `email`"
        );
        // Quotes inside the value end nothing early.
        assert_eq!(
            redact_values(r#"invalid type: string "x\"hunter2", expected u32"#),
            r#"invalid type: string "…", expected u32"#
        );
        assert_eq!(
            redact_values("unknown variant `a`secret`, expected one of `admin`, `member`"),
            "unknown variant `…`, expected one of `admin`, `member`"
        );
        assert_eq!(
            redact_values(
                "invalid value: string \"a, expected b\", expected u8 at line 1 column 9"
            ),
            "invalid value: string \"…\", expected u8 at line 1 column 9"
        );
        assert_eq!(
            redact_values("invalid type: string \"secret\" at line 1 column 9"),
            "invalid type: string \"…\" at line 1 column 9"
        );
    }
}
