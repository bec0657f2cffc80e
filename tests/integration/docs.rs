//! Every ```rem example in the documentation is a complete policy file that checks clean.

use std::path::PathBuf;

use rem::source;

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
    for doc in ["README.md", "docs/language.md"] {
        let markdown = std::fs::read_to_string(format!("{}/{doc}", env!("CARGO_MANIFEST_DIR")))
            .expect("doc exists");
        for (line, example) in examples(&markdown) {
            count += 1;
            let name = PathBuf::from(format!("{doc}:{line}"));
            let (program, mut diagnostics) =
                source::load(&[name], |_| Ok(example.clone().into_bytes()));
            diagnostics.extend(rem::check::check(&program).diagnostics);
            assert!(
                diagnostics.is_empty(),
                "the example at {doc} line {line} has problems:\n{}",
                rem::diagnostic::render::human(&diagnostics, &program, false)
            );
        }
    }
    assert!(
        count >= 10,
        "expected the docs to hold examples, found {count}"
    );
}
