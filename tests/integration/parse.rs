//! The AST of the files under `tests/parse/ok/`, in its compact bracketed form.

#[test]
fn ok() {
    insta::glob!("..", "parse/ok/*.rem", |path| {
        let input = std::fs::read_to_string(path).expect("fixture is readable");
        let ast = rem::parser::parse(&input).expect("fixture parses");
        insta::assert_snapshot!(format!("{input}\n---\n{ast}"));
    });
}
