//! Every ```rem example in the documentation is a complete policy file that checks clean.

use std::path::PathBuf;

fn examples(markdown: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in markdown.lines().enumerate() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```rem") => current = Some((number + 1, String::new())),
            (Some(_), l) if l.starts_with("```") => found.extend(current.take()),
            (Some((_, text)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    found
}

#[test]
fn examples_in_docs_check_clean() {
    let mut count = 0;
    for doc in ["README.md", "docs/language.md", "docs/errors.md"] {
        let markdown = std::fs::read_to_string(format!("{}/{doc}", env!("CARGO_MANIFEST_DIR")))
            .expect("doc exists");
        for (line, example) in examples(&markdown) {
            count += 1;
            // Named as a policy file, since only `.rem` files are read as policies.
            let name = PathBuf::from(format!("{doc}:{line}.rem"));
            let compiled = rem::compile(&[name], |p| crate::only_rem(p, example.as_bytes()));
            let (program, diagnostics) = (&compiled.program, &compiled.diagnostics);
            assert!(
                diagnostics.is_empty(),
                "the example at {doc} line {line} has problems:\n{}",
                rem::diagnostic::render::human(diagnostics, program, false)
            );
        }
    }
    assert!(
        count >= 10,
        "expected the docs to hold examples, found {count}"
    );
}

#[test]
fn test_file_examples_in_docs_are_valid_suites() {
    let markdown = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/testing.md"))
        .expect("docs/testing.md");
    let mut blocks = 0;
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```toml") => current = Some(String::new()),
            (Some(text), l) if l.starts_with("```") => {
                let suite = rem::testing::parse_suite(text)
                    .unwrap_or_else(|e| panic!("invalid test file in docs/testing.md: {e}"));
                assert!(!suite.cases.is_empty());
                blocks += 1;
                current = None;
            }
            (Some(text), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(blocks >= 1);
    // The example is the runner's own passing fixture, which the runner tests execute.
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/runner/passing/letters.test.toml"
    ))
    .expect("fixture");
    let example = first_block(&markdown, "toml");
    assert!(
        example.ends_with(&fixture),
        "docs/testing.md's example and tests/runner/passing/letters.test.toml differ"
    );
}

/// Every reason code the engine or a feed reader can give is documented, and nothing else.
#[test]
fn every_reason_and_reject_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/output-format.md"
    ))
    .expect("docs/output-format.md");
    for code in rem::engine::Reason::CODES
        .iter()
        .chain(rem::feed::Problem::CODES)
    {
        assert!(
            doc.contains(&format!("`{code}`")),
            "`{code}` is not in docs/output-format.md"
        );
    }
}

/// The first fenced block of `language` in a Markdown text, for a test that compares a
/// document's example with what it shows.
pub fn first_block<'a>(markdown: &'a str, language: &str) -> &'a str {
    markdown
        .split(&format!("```{language}\n"))
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_else(|| panic!("no `{language}` block"))
}
