//! Error messages without the values they quote: what is wrong, never what a token said.

/// serde's message without the values it quotes (``invalid value: integer `300` ``, ``unknown
/// variant `root` ``, `invalid type: string "secret"`): what is wrong, never what the token
/// said. Missing and unknown field names are the schema's, not the token's values, and stay.
pub(crate) fn redact_values(message: &str) -> String {
    if message.starts_with("missing field") || message.starts_with("duplicate field") {
        return message.to_owned();
    }
    let mut out = String::with_capacity(message.len());
    let mut quote: Option<char> = None;
    for c in message.chars() {
        match quote {
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                quote = None;
            }
            Some(_) => {}
            None if c == '`' || c == '"' => {
                out.push(c);
                quote = Some(c);
            }
            None => out.push(c),
        }
    }
    if quote.is_some() {
        out.push('…');
    }
    out
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
    }
}
