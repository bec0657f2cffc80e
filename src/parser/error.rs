//! Syntax errors, with what was expected said in words.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use super::Rule;

#[derive(Debug, Clone, Error, Diagnostic, PartialEq)]
pub enum ParseError {
    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(rem::E001))]
    Syntax {
        #[label("expected {expected} here")]
        span: SourceSpan,
        expected: String,
        found: String,
        /// What to write instead, by what the parser expected.
        #[help]
        hint: Option<SyntaxHint>,
    },

    /// A syntax error that is a known slip (`slips.rs`): what was meant, and what to write.
    #[error("{message}")]
    #[diagnostic(code(rem::E001), help("{help}"))]
    Slip {
        message: String,
        label: String,
        help: String,
        #[label("{label}")]
        span: SourceSpan,
    },

    #[error("the file is {size} bytes, more than the {limit} bytes a policy file may have")]
    #[diagnostic(
        code(rem::E002),
        help("split the policies into several files of a few kilobytes each")
    )]
    TooLarge { size: usize, limit: usize },

    #[error("the nesting here is deeper than {limit} levels")]
    #[diagnostic(
        code(rem::E003),
        help("write the condition with fewer brackets, or split it into several exclusions")
    )]
    TooDeep {
        #[label("too deep")]
        span: SourceSpan,
        limit: usize,
    },

    #[error("this number is too large")]
    #[diagnostic(code(rem::E004), help("write a number below 18446744073709551616"))]
    NumberTooLarge {
        #[label("too large")]
        span: SourceSpan,
    },

    #[error("internal error in the parser: {0}")]
    #[diagnostic(
        code(rem::E000),
        help(
            "this is a bug in rem, not in your policy; please report it with the file that caused it"
        )
    )]
    Internal(String),
}

/// The kind of statement the parser expected, which decides the help of a syntax error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxHint {
    MessageStatement,
    PolicyStatement,
    Exclusion,
    TopLevel,
    Duration,
    Time,
    QuotedName,
    Offset,
    Days,
    Condition,
    /// Nothing more precise is known.
    Reference,
}

/// "inside a message write one of `send`, ..., or close it with `}`": the statements the table
/// allows in a message or a policy (a policy's messages by their kinds).
fn statements_help(f: &mut std::fmt::Formatter<'_>, message: bool) -> std::fmt::Result {
    use crate::schema::MessageKind;
    use crate::schema::statements::{self, Block};
    let block = if message {
        Block::Message
    } else {
        Block::Policy
    };
    let mut rows: Vec<&statements::Word> = statements::WORDS
        .iter()
        .filter(|w| w.blocks.contains(&block))
        .collect();
    // A message's own statements before the settings it shares with the policy.
    if message {
        rows.sort_by_key(|w| w.blocks.len() > 1);
    }
    let listed: Vec<String> = rows.iter().map(|w| format!("`{}`", w.word)).collect();
    write!(
        f,
        "inside {} write one of {}",
        block.describe(),
        listed.join(", ")
    )?;
    if !message {
        let kinds: Vec<String> = MessageKind::WORDS
            .iter()
            .map(|k| format!("`{k}`"))
            .collect();
        write!(f, ", a message ({})", kinds.join(", "))?;
    }
    f.write_str(", or close it with `}`")
}

impl std::fmt::Display for SyntaxHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            // The statements of a block, from the statement table.
            SyntaxHint::MessageStatement | SyntaxHint::PolicyStatement => {
                return statements_help(f, *self == SyntaxHint::MessageStatement);
            }
            SyntaxHint::Exclusion => "an exclusion is written `exclude \"REASON\" when CONDITION`, e.g. `exclude \"quick-book\" when booking.source == quick_book`",
            SyntaxHint::TopLevel => "a file holds `policy \"NAME\" { ... }` blocks, `defaults \"NAME\" { ... }` blocks and `use \"FILE.rem\"` lines",
            SyntaxHint::Duration => "write a duration as a number and a unit: `3 days`, `2 hours`, `30 minutes`, `1 week`",
            SyntaxHint::Time => "write a time of day as `HH:MM` on the 24-hour clock, e.g. `09:00`",
            SyntaxHint::QuotedName => "names are written in double quotes, e.g. `\"KF-HÖGLAND\"`",
            SyntaxHint::Offset => "an offset is `N days before`, optionally `at HH:MM`; only staff tasks may use `after`",
            SyntaxHint::Days => "days are `weekdays`, `weekends`, `daily`, or a list such as `mon, wed, fri`",
            SyntaxHint::Condition => "a condition compares fields, e.g. `booking.source == portal`, combined with `and`, `or`, `not`",
            SyntaxHint::Reference => "check the statement against the language reference in docs/language.md",
        })
    }
}

impl ParseError {
    pub(super) fn internal(what: impl Into<String>) -> Self {
        ParseError::Internal(what.into())
    }
}

pub(super) fn from_pest(error: pest::error::Error<Rule>, input: &str) -> ParseError {
    use pest::error::{ErrorVariant, InputLocation};
    let at = match error.location {
        InputLocation::Pos(at) => at,
        InputLocation::Span((start, _)) => start,
    };
    let source = error.line();
    // pest gives the line of the error and the column; rebuild what follows the position
    // from the line so the message can quote the token found there.
    let column = match error.line_col {
        pest::error::LineColLocation::Pos((_, col))
        | pest::error::LineColLocation::Span((_, col), _) => col,
    };
    let rest: String = source.chars().skip(column.saturating_sub(1)).collect();
    let found_token = token_at(&rest);
    let (expected, hint) = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            (expected_in_words(positives), Some(hint_for(positives)))
        }
        ErrorVariant::CustomError { message } => (message.clone(), None),
    };
    let found = match &found_token {
        Some(token) => format!("`{token}`"),
        None if rest.trim().is_empty() && source.is_empty() => "the end of the file".to_string(),
        None => "the end of the line".to_string(),
    };
    if let Some(slip) = super::slips::recognise(input, at, found_token.as_deref(), hint) {
        return slip;
    }
    let width = found_token.as_ref().map_or(0, |t| t.len());
    ParseError::Syntax {
        span: (at, width).into(),
        expected,
        found,
        hint,
    }
}

/// The word, number or symbol at the start of `rest`.
fn token_at(rest: &str) -> Option<String> {
    let mut chars = rest.chars();
    let first = chars.next()?;
    if first.is_alphanumeric() || first == '_' {
        Some(
            rest.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect(),
        )
    } else if first == '"' {
        Some(
            rest.chars()
                .take(1 + rest[1..].find('"').map_or(rest.len() - 1, |i| i + 1))
                .collect(),
        )
    } else {
        Some(first.to_string())
    }
}

fn expected_in_words(positives: &[Rule]) -> String {
    let mut words: Vec<&str> = Vec::new();
    for rule in positives {
        let word = rule_in_words(*rule);
        if !words.contains(&word) {
            words.push(word);
        }
    }
    match words.as_slice() {
        [] => "something else".to_string(),
        [one] => one.to_string(),
        [init @ .., last] if words.len() <= 6 => format!("{} or {last}", init.join(", ")),
        _ => "a statement".to_string(),
    }
}

fn hint_for(positives: &[Rule]) -> SyntaxHint {
    let any = |rules: &[Rule]| positives.iter().any(|r| rules.contains(r));
    let statements = [
        Rule::kw_timezone,
        Rule::kw_send,
        Rule::kw_via,
        Rule::kw_exclude,
    ];
    if any(&statements) {
        return if positives.contains(&Rule::kw_via) {
            SyntaxHint::MessageStatement
        } else {
            SyntaxHint::PolicyStatement
        };
    }
    if any(&[Rule::kw_when]) {
        SyntaxHint::Exclusion
    } else if any(&[Rule::kw_policy]) {
        SyntaxHint::TopLevel
    } else if any(&[Rule::duration, Rule::duration_unit]) {
        SyntaxHint::Duration
    } else if any(&[Rule::time]) {
        SyntaxHint::Time
    } else if any(&[Rule::string]) {
        SyntaxHint::QuotedName
    } else if any(&[Rule::direction]) {
        SyntaxHint::Offset
    } else if any(&[Rule::days, Rule::day]) {
        SyntaxHint::Days
    } else if any(&[Rule::path, Rule::compare_op]) {
        SyntaxHint::Condition
    } else {
        SyntaxHint::Reference
    }
}

/// What a grammar rule means, for "expected ..." messages.
pub fn rule_in_words(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "the end of the file",
        Rule::use_decl | Rule::kw_use => "`use`",
        Rule::defaults_decl | Rule::kw_defaults => "`defaults`",
        Rule::policy_decl | Rule::kw_policy => "`policy`",
        Rule::extends | Rule::kw_extends => "`extends`",
        Rule::string | Rule::string_inner => "a name in double quotes",
        Rule::number => "a number",
        Rule::time => "a time of day such as `09:00`",
        Rule::duration => "a duration such as `3 days`",
        Rule::duration_unit => "a unit (`minutes`, `hours`, `days`, `weeks`)",
        Rule::direction => "`before` or `after`",
        Rule::days | Rule::day_set | Rule::day_list | Rule::day => "days such as `weekdays`",
        Rule::ident => "a name",
        Rule::path => "a field such as `patient.age`",
        Rule::boolean => "`true` or `false`",
        Rule::list => "a list such as `[a, b]`",
        Rule::compare_op => "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)",
        Rule::expr | Rule::conjunction | Rule::negation | Rule::comparison => "a condition",
        Rule::message_kind | Rule::message => "a message (`reminder`, `letter`, ...)",
        Rule::trigger | Rule::at_booking | Rule::on_event | Rule::offset => {
            "when to send (`at booking`, `on cancellation`, `1 day before`)"
        }
        Rule::kw_timezone | Rule::timezone => "`timezone`",
        Rule::kw_minor_age | Rule::minor_age => "`minor_age`",
        Rule::kw_window | Rule::window => "`window`",
        Rule::kw_late_booking | Rule::late_booking => "`late_booking`",
        Rule::kw_sender | Rule::sender => "`sender`",
        Rule::kw_clinic | Rule::kw_clinics | Rule::clinics => "`clinic`",
        Rule::kw_units | Rule::units => "`units`",
        Rule::kw_unit | Rule::unit_override => "`unit`",
        Rule::kw_exams | Rule::exams => "`exams`",
        Rule::kw_kinds | Rule::kinds => "`kinds`",
        Rule::kw_wins_over | Rule::wins_over => "`wins_over`",
        Rule::kw_exclude | Rule::exclusion => "`exclude`",
        Rule::kw_when => "`when`",
        Rule::kw_send | Rule::send => "`send`",
        Rule::kw_at => "`at`",
        Rule::kw_booking => "`booking`",
        Rule::kw_on => "`on`",
        Rule::kw_via | Rule::via => "`via`",
        Rule::kw_to | Rule::recipient => "`to`",
        Rule::kw_also | Rule::also => "`also`",
        Rule::kw_fallback | Rule::fallback => "`fallback`",
        Rule::kw_after => "`after`",
        Rule::kw_template | Rule::template => "`template`",
        Rule::kw_text | Rule::text => "`text`",
        Rule::kw_or => "`or`",
        Rule::kw_and => "`and`",
        Rule::kw_not => "`not`",
        Rule::kw_in => "`in`",
        Rule::keyword => "a keyword",
        _ => "something else",
    }
}
