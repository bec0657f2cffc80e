//! The formatter: idempotent, keeps the AST and every comment, and the shipped policies are
//! formatted.

use super::policy_files;

fn assert_formats_faithfully(name: &str, source: &str) {
    let formatted = rem::fmt::format(source).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        rem::fmt::format(&formatted).expect("formatted text parses"),
        formatted,
        "{name}: formatting is not idempotent"
    );
    assert_eq!(
        rem::parser::parse(&formatted).expect("formatted text parses"),
        rem::parser::parse(source).expect("source parses"),
        "{name}: formatting changed the meaning"
    );
    let comments = |s: &str| {
        rem::parser::comments(s)
            .into_iter()
            .map(|c| c.text)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        comments(&formatted),
        comments(source),
        "{name}: comments lost or reordered"
    );
}

#[test]
fn shipped_policies_are_formatted_and_round_trip() {
    for path in policy_files() {
        let source = std::fs::read_to_string(&path).expect("readable");
        assert_formats_faithfully(&path.display().to_string(), &source);
        assert_eq!(
            rem::fmt::format(&source).expect("formats"),
            source,
            "{} is not formatted",
            path.display()
        );
    }
}

#[test]
fn fixtures() {
    insta::glob!("..", "fmt/*.rem", |path| {
        let input = std::fs::read_to_string(path).expect("fixture is readable");
        assert_formats_faithfully(&path.display().to_string(), &input);
        let formatted = rem::fmt::format(&input).expect("formats");
        insta::assert_snapshot!(format!("{input}\n---\n{formatted}"));
    });
}

#[test]
fn every_error_fixture_that_parses_round_trips() {
    insta::glob!("..", "check/errors/*.rem", |path| {
        let input = std::fs::read_to_string(path).expect("fixture is readable");
        if rem::parser::parse(&input).is_ok() {
            assert_formats_faithfully(&path.display().to_string(), &input);
        }
    });
}
