//! The slips people make writing a policy, recognised where the parser stopped, so that a
//! syntax error says what was meant rather than only what was expected: a misspelt statement,
//! `08:00-20:00` for `08:00..20:00`, `=` for `==`, `&&` for `and`, `#` comments, curly quotes,
//! names without commas or with one too many, the time before the offset, a minus sign,
//! `send-now` for `send_now`, and a string or block left open.

use miette::SourceSpan;

use super::error::{ParseError, SyntaxHint};
use super::trivia::line_around;
use crate::schema::statements::{self, Block};

/// The statements of a policy (messages start with their kind) and of a message, for "did
/// you mean".
fn policy_statements() -> Vec<&'static str> {
    statements::statements_in(Block::Policy).collect()
}

fn message_statements() -> Vec<&'static str> {
    statements::statements_in(Block::Message).collect()
}

fn slip(message: String, label: &str, help: String, span: SourceSpan) -> ParseError {
    ParseError::Slip {
        message,
        label: label.to_string(),
        help,
        span,
    }
}

/// What the slip at `at` (where the parser stopped, `found` the token there) was, if it is one
/// of those this module knows.
pub(super) fn recognise(
    source: &str,
    at: usize,
    found: Option<&str>,
    hint: Option<SyntaxHint>,
) -> Option<ParseError> {
    let at = at.min(source.len());
    if let Some(open) = left_open(source, at) {
        return Some(open);
    }
    let std::ops::Range {
        start: line_start,
        end: line_end,
    } = line_around(source, at);
    let line = &source[line_start..line_end];
    let rest = &source[at..line_end];
    let found = found.unwrap_or_default();
    symbol(source, at, rest, found)
        .or_else(|| statement_shape(line, line_start))
        .or_else(|| list_commas(source, line, at, found, hint))
        .or_else(|| window_days(line, at, found))
        .or_else(|| misspelt(at, found, hint))
}

/// A symbol from another language: `=`, `&&`, `||`, `!`, `#`, curly quotes, `send-now`.
fn symbol(source: &str, at: usize, rest: &str, found: &str) -> Option<ParseError> {
    // (what is written, what must not follow it, what the language says, what to write)
    const FOREIGN: &[(&str, &str, &str, &str)] = &[
        (
            "&&",
            "",
            "a condition says `and`, not `&&`",
            "write `patient.minor and patient.interpreter`",
        ),
        (
            "||",
            "",
            "a condition says `or`, not `||`",
            "write `booking.source == portal or booking.source == quick_book`",
        ),
        (
            "!",
            "=",
            "a condition says `not`, not `!`",
            "write `not patient.interpreter`",
        ),
        (
            "=",
            "=",
            "a comparison is written `==`, not `=`",
            "write `patient.age == 3`; a single `=` does not compare",
        ),
        (
            "#",
            "",
            "a comment starts with `//`, not `#`",
            "write `// R15: quick-booked visits get no reminder`",
        ),
    ];
    let foreign = FOREIGN.iter().find(|(what, not_then, _, _)| {
        rest.strip_prefix(what)
            .is_some_and(|after| not_then.is_empty() || !after.starts_with(not_then))
    });
    if let Some((what, _, message, help)) = foreign {
        return Some(slip(
            (*message).to_string(),
            &format!("`{what}`"),
            (*help).to_string(),
            (at, what.len()).into(),
        ));
    }
    if let Some(quote) = ['“', '”', '„', '‘', '’', '«', '»']
        .into_iter()
        .find(|q| rest.starts_with(*q))
    {
        return Some(slip(
            format!("`{quote}` is a typographic quote"),
            "a curly quote",
            "write straight double quotes `\"`, as a plain-text editor types them (a word processor turns them curly)"
                .to_string(),
            (at, quote.len_utf8()).into(),
        ));
    }
    if found == "-" {
        // `send-now`: the words on both sides of the dash.
        let before: String = source[..at]
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let after: String = rest[1..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !before.is_empty() && !after.is_empty() {
            let start = at - before.len();
            return Some(slip(
                format!("`{before}-{after}` is not a word of the language"),
                "a dash",
                format!("words are joined with `_`: did you mean `{before}_{after}`?"),
                (start, before.len() + 1 + after.len()).into(),
            ));
        }
    }
    None
}

/// A statement whose shape is wrong as a whole: the parser stops at its first word.
fn statement_shape(line: &str, line_start: usize) -> Option<ParseError> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    let whole: SourceSpan = (line_start + indent, trimmed.trim_end().len()).into();
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    match words.as_slice() {
        ["window", range, ..] if range.contains('-') && range.contains(':') => Some(slip(
            "a send window's times are separated by `..`".to_string(),
            "a dash between the times",
            format!(
                "write `window {}`",
                trimmed
                    .trim_end()
                    .replacen('-', "..", 1)
                    .trim_start_matches("window ")
            ),
            whole,
        )),
        ["send", "at", time, number, ..] if time.contains(':') && number.parse::<u64>().is_ok() => {
            let offset = words[3..].join(" ");
            Some(slip(
                "the time of day comes after the offset".to_string(),
                "the time first",
                format!("write `send {offset} at {time}`"),
                whole,
            ))
        }
        ["send", first, ..] if first.starts_with('-') => Some(slip(
            "an offset has no sign".to_string(),
            "a minus sign",
            format!(
                "say how long before or after the visit, without a sign: `send {}`",
                words[1..].join(" ").trim_start_matches('-')
            ),
            (line_start + indent + 5, 1).into(),
        )),
        ["send", ..] if words.contains(&"and") => Some(slip(
            "the times of one `send` are separated by commas".to_string(),
            "`and` between two times",
            format!("write `{}`", trimmed.trim_end().replace(" and ", ", ")),
            whole,
        )),
        _ => None,
    }
}

/// Names without commas between them (`units "A" "B"`), and a comma after the last one.
fn list_commas(
    source: &str,
    line: &str,
    at: usize,
    found: &str,
    hint: Option<SyntaxHint>,
) -> Option<ParseError> {
    let before = source[..at].trim_end();
    if found.starts_with('"') && before.ends_with('"') {
        let fixed = line.trim().replace("\" \"", "\", \"");
        return Some(slip(
            "the names of a list are separated by commas".to_string(),
            "a comma is missing before this name",
            format!("write `{fixed}`: a comma between each two names"),
            (at, found.len()).into(),
        ));
    }
    if hint == Some(SyntaxHint::QuotedName) && before.ends_with(',') {
        return Some(slip(
            "a list ends after its last name, without a comma".to_string(),
            "remove this comma",
            "a comma separates two names; remove the one after the last".to_string(),
            (before.len() - 1, 1).into(),
        ));
    }
    None
}

/// The days of a send window misspelt (`weekday` for `weekdays`): the parser takes the word
/// for the next statement.
fn window_days(line: &str, at: usize, found: &str) -> Option<ParseError> {
    const DAYS: &[&str] = &[
        "weekdays", "weekends", "daily", "mon", "tue", "wed", "thu", "fri", "sat", "sun",
    ];
    if !line.trim_start().starts_with("window ") || DAYS.contains(&found) {
        return None;
    }
    let suggestion = crate::suggest::suggestion(found, DAYS.iter().copied())?;
    Some(slip(
        format!("`{found}` is not a day of a send window: did you mean `{suggestion}`?"),
        "unknown days",
        format!("write `{suggestion}`; {}", SyntaxHint::Days),
        (at, found.len()).into(),
    ))
}

/// A misspelt statement: the closest statement allowed at that place.
fn misspelt(at: usize, found: &str, hint: Option<SyntaxHint>) -> Option<ParseError> {
    let (of_policy, of_message) = (policy_statements(), message_statements());
    let allowed = match hint? {
        SyntaxHint::PolicyStatement => of_policy.as_slice(),
        SyntaxHint::MessageStatement => of_message.as_slice(),
        _ => return None,
    };
    if !found.chars().next()?.is_alphabetic() || allowed.contains(&found) {
        return None;
    }
    let in_message = hint == Some(SyntaxHint::MessageStatement);
    let place = if in_message { "a message" } else { "a policy" };
    // A statement of the other place: where it belongs.
    if in_message && of_policy.contains(&found) {
        return Some(slip(
            format!("`{found}` is a statement of the policy, not of a message"),
            "inside a message",
            format!(
                "move `{found}` out of the message, into the policy's block (before or after its messages)"
            ),
            (at, found.len()).into(),
        ));
    }
    if !in_message && of_message.contains(&found) {
        return Some(slip(
            format!("`{found}` is a statement of a message, not of the policy"),
            "outside a message",
            format!("move `{found}` into a message: `reminder \"NAME\" {{ {found} ... }}`"),
            (at, found.len()).into(),
        ));
    }
    let suggestion = crate::suggest::suggestion(found, allowed.iter().copied())?;
    Some(slip(
        format!("`{found}` is not a statement of {place}: did you mean `{suggestion}`?"),
        "unknown statement",
        format!("write `{suggestion}`; {}", hint?),
        (at, found.len()).into(),
    ))
}

/// A string or a block still open where the parser stopped at the end of the file: where it
/// was opened.
fn left_open(source: &str, at: usize) -> Option<ParseError> {
    // Up to the end of the line where the parser stopped: a string open there, or (at the end
    // of the file) a block.
    let until = source[at..].find('\n').map_or(source.len(), |i| at + i + 1);
    let (string, blocks) = super::trivia::left_open(&source[..until]);
    if let Some(start) = string {
        return Some(unclosed_string(source, start));
    }
    if !source[at..].trim().is_empty() {
        return None;
    }
    let open = *blocks.last()?;
    let header = source[line_around(source, open).start..open].trim();
    Some(slip(
        format!("`{header} {{` is not closed"),
        "opened here",
        "close the block with `}` after its last statement".to_string(),
        (open, 1).into(),
    ))
}

fn unclosed_string(source: &str, start: usize) -> ParseError {
    let end = line_around(source, start).end;
    slip(
        "this name or text has no closing `\"`".to_string(),
        "opened here",
        "end it with `\"` on the same line".to_string(),
        (start, end - start).into(),
    )
}
