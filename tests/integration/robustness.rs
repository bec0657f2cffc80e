//! No input makes rem panic, and whatever parses formats faithfully: random token soups and
//! random edits of the shipped policies go through parse, check and fmt.

use std::path::PathBuf;

use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "policy",
    "defaults",
    "use",
    "extends",
    "\"p\"",
    "\"q\"",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    "..",
    "timezone",
    "\"Europe/Stockholm\"",
    "clinic",
    "\"C\"",
    "units",
    "unit",
    "minor_age",
    "16",
    "0",
    "window",
    "08:00",
    "25:61",
    "weekdays",
    "mon",
    "late_booking",
    "skip",
    "send_now",
    "exclude",
    "when",
    "and",
    "or",
    "not",
    "in",
    "==",
    "!=",
    "<",
    ">=",
    "patient.minor",
    "patient.age",
    "booking.source",
    "portal",
    "guardian.consent.sms",
    "reminder",
    "letter",
    "cancellation",
    "send",
    "at",
    "booking",
    "on",
    "1",
    "day",
    "days",
    "hours",
    "before",
    "after",
    "via",
    "sms",
    "inbox",
    "paper",
    "task",
    "to",
    "patient",
    "guardians",
    "staff",
    "also",
    "fallback",
    "unopened",
    "undelivered",
    "template",
    "text",
    "\"{booking.date} {x\"",
    "wins_over",
    "// c\n",
    "\n",
    "true",
    "\"Ö\"",
];

fn run_all_stages(source: &str) {
    let compiled = rem::compile(&[PathBuf::from("fuzz.rem")], |p| {
        crate::only_rem(p, source.as_bytes())
    });
    let (program, diagnostics) = (&compiled.program, &compiled.diagnostics);
    let _ = rem::diagnostic::render::human(diagnostics, program, false);
    let _ = rem::diagnostic::render::json(diagnostics, &[], program);
    if let Ok(ast) = rem::parser::parse(source) {
        let formatted = rem::fmt::format(source).expect("what parses formats");
        assert_eq!(
            rem::parser::parse(&formatted).expect("formatted text parses"),
            ast
        );
        assert_eq!(rem::fmt::format(&formatted).expect("formats"), formatted);
    }
}

fn shipped() -> Vec<String> {
    super::policy_files()
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("readable"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn token_soup(tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..60)) {
        run_all_stages(&tokens.join(" "));
    }

    #[test]
    fn edited_policies(file in 0usize..5, edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..8, prop::sample::select(TOKENS)), 1..4)) {
        let policies = shipped();
        let mut source = policies[file % policies.len()].clone();
        for (at, delete, insert) in edits {
            let mut start = at.index(source.len() + 1);
            while !source.is_char_boundary(start) { start -= 1; }
            let mut end = (start + delete).min(source.len());
            while !source.is_char_boundary(end) { end += 1; }
            source.replace_range(start..end, insert);
        }
        run_all_stages(&source);
    }
}

#[test]
fn huge_and_deep_inputs_are_refused_with_an_error() {
    let huge = "// padding\n".repeat(200_000);
    assert!(matches!(
        rem::parser::parse(&huge),
        Err(rem::parser::ParseError::TooLarge { .. })
    ));
    let deep = format!(
        "policy \"p\" {{ exclude \"x\" when {}patient.minor }}",
        "not ".repeat(10_000)
    );
    assert!(matches!(
        rem::parser::parse(&deep),
        Err(rem::parser::ParseError::TooDeep { .. })
    ));
    let brackets = format!("policy \"p\" {{ exclude \"x\" when {}", "(".repeat(100_000));
    assert!(matches!(
        rem::parser::parse(&brackets),
        Err(rem::parser::ParseError::TooDeep { .. })
    ));
}
