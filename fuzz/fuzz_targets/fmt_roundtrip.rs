//! Whatever parses formats faithfully: `rem::fmt::format` succeeds (or refuses an output over
//! the size limit), its output parses to an equal AST with the same comments in the same
//! order, and formatting that output again changes nothing.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rem::fmt::FormatError;

fn comment_texts(source: &str) -> Vec<String> {
    rem::parser::comments(source)
        .into_iter()
        .map(|c| c.text)
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(ast) = rem::parser::parse(source) else {
        return;
    };
    let formatted = match rem::fmt::format(source) {
        Ok(formatted) => formatted,
        Err(FormatError::TooLarge { .. }) => return,
        Err(error) => panic!("a file that parses does not format: {error:?}"),
    };
    let reparsed = rem::parser::parse(&formatted).expect("the formatted text parses");
    assert!(
        reparsed == ast,
        "the formatted text parses to another AST:\n{formatted}"
    );
    assert_eq!(
        comment_texts(&formatted),
        comment_texts(source),
        "comments lost, added or reordered"
    );
    let again = rem::fmt::format(&formatted).expect("the formatted text formats again");
    assert_eq!(again, formatted, "formatting is not idempotent");
});
