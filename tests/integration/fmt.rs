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

#[test]
fn output_over_the_size_limit_is_refused() {
    // Two-space indentation grows by half again when formatted with four: this file parses,
    // but its formatted form would not.
    let block = "policy \"p\" {\n  timezone \"Europe/Stockholm\"\n  clinic \"A\"\n  units \"LAK\", \"DSK\"\n  exclude \"quick\" when booking.source == quick_book\n}\n";
    let copies = (rem::parser::MAX_SOURCE_BYTES - 1_000) / block.len();
    let source = block.repeat(copies);
    assert!(source.len() <= rem::parser::MAX_SOURCE_BYTES);
    rem::parser::parse(&source).expect("the source parses");
    match rem::fmt::format(&source) {
        Err(rem::fmt::FormatError::TooLarge { size, limit }) => {
            assert_eq!(limit, rem::parser::MAX_SOURCE_BYTES);
            assert!(size > limit);
        }
        Err(other) => panic!("expected the size error, got {other}"),
        Ok(formatted) => panic!(
            "formatted to {} bytes, over the limit of {}",
            formatted.len(),
            rem::parser::MAX_SOURCE_BYTES
        ),
    }
}

/// Where a comment belongs: a statement (by its position in the nested blocks) or the end of
/// a block (the file's end is the end of the outermost block).
#[derive(Debug, Clone, PartialEq)]
enum Anchor {
    Statement(Vec<usize>),
    End(Vec<usize>),
}

/// A statement's extent, and for a block (`policy`, `defaults`, `unit`, a message) where its
/// `{` is and the statements inside.
struct Node {
    span: rem::ast::Span,
    body: Option<(usize, Vec<Node>)>,
}

fn leaf(span: rem::ast::Span) -> Node {
    Node { span, body: None }
}

/// The `{` after a block's head: the first byte that is neither whitespace nor in a comment.
fn open_brace(source: &str, mut at: usize) -> usize {
    let bytes = source.as_bytes();
    while at < bytes.len() {
        if bytes[at].is_ascii_whitespace() {
            at += 1;
        } else if source[at..].starts_with("//") {
            at += source[at..].find('\n').unwrap_or(source.len() - at);
        } else {
            break;
        }
    }
    at
}

fn block(source: &str, span: rem::ast::Span, head_end: usize, children: Vec<Node>) -> Node {
    Node {
        span,
        body: Some((open_brace(source, head_end), children)),
    }
}

fn policy_nodes(source: &str, items: &[rem::ast::PolicyItem]) -> Vec<Node> {
    use rem::ast::PolicyItem;
    items
        .iter()
        .map(|item| match item {
            PolicyItem::UnitOverride(u) => block(
                source,
                u.span,
                u.unit.span.end,
                u.settings.iter().map(|s| leaf(s.span)).collect(),
            ),
            PolicyItem::Message(m) => block(
                source,
                m.span,
                m.name.span.end,
                m.items.iter().map(|i| leaf(i.span)).collect(),
            ),
            other => leaf(other.span()),
        })
        .collect()
}

fn file_nodes(source: &str) -> Vec<Node> {
    use rem::ast::Item;
    let file = rem::parser::parse(source).expect("parses");
    file.items
        .iter()
        .map(|item| match item {
            Item::Use(u) => leaf(u.span),
            Item::Defaults(d) => block(
                source,
                d.span,
                d.name.span.end,
                policy_nodes(source, &d.items),
            ),
            Item::Policy(p) => block(
                source,
                p.span,
                p.extends.as_ref().unwrap_or(&p.name).span.end,
                policy_nodes(source, &p.items),
            ),
        })
        .collect()
}

/// The statement a comment at `at` belongs to: the innermost statement that contains it or
/// that it follows on the same line with only spaces between, else the next statement of the
/// same block, else the end of that block.
fn anchor(source: &str, nodes: &[Node], path: &[usize], at: usize) -> Anchor {
    let with = |i: usize| [path, &[i]].concat();
    for (i, node) in nodes.iter().enumerate() {
        if node.span.start <= at && at < node.span.end {
            return match &node.body {
                Some((brace, children)) if at > *brace => anchor(source, children, &with(i), at),
                _ => Anchor::Statement(with(i)),
            };
        }
        let between = source.get(node.span.end..at).unwrap_or("\n");
        if at >= node.span.end && between.chars().all(|c| c == ' ' || c == '\t' || c == '\r') {
            return Anchor::Statement(with(i));
        }
    }
    match nodes.iter().position(|node| node.span.start > at) {
        Some(i) => Anchor::Statement(with(i)),
        None => Anchor::End(path.to_vec()),
    }
}

fn anchored_comments(source: &str) -> Vec<(String, Anchor)> {
    let nodes = file_nodes(source);
    rem::parser::comments(source)
        .into_iter()
        .map(|c| {
            let at = anchor(source, &nodes, &[], c.span.start);
            (c.text, at)
        })
        .collect()
}

/// Writes a valid `.rem` file from a sequence of choices, so that proptest shrinks a failing
/// file by shrinking the sequence (once it runs out, every choice is the smallest). Comments
/// go everywhere a space may: before and after statements, between the tokens of a statement,
/// after `{`, before `}`, at the end of the file; indentation and line breaks are odd.
struct Writer<'a> {
    choices: &'a [u8],
    at: usize,
    out: String,
    comments: usize,
}

impl Writer<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let choice = self.choices.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        usize::from(choice) % n
    }

    /// One chance in `n`; never once the choices have run out.
    fn maybe(&mut self, n: usize) -> bool {
        self.pick(n) == n - 1
    }

    fn one_of(&mut self, options: &[&str]) -> String {
        options[self.pick(options.len())].to_string()
    }

    fn comment(&mut self) -> String {
        self.comments += 1;
        let n = self.comments;
        match self.pick(3) {
            0 => format!("// c{n}"),
            1 => format!("//c{n} {{ not a brace"),
            _ => format!("// c{n} \"not a string\" }}"),
        }
    }

    fn newline(&mut self) {
        let newline = if self.maybe(12) { "\r\n" } else { "\n" };
        self.out.push_str(newline);
    }

    fn indent(&mut self) {
        let indent = self.one_of(&["  ", "    ", "", "\t", "       ", " \t  "]);
        self.out.push_str(&indent);
    }

    /// The tokens of one statement, with odd spaces, line breaks and comments between.
    fn statement(&mut self, tokens: &[String]) {
        for (i, token) in tokens.iter().enumerate() {
            if i > 0 {
                match self.pick(10) {
                    7 => {
                        self.newline();
                        self.indent();
                    }
                    8 | 9 => {
                        let comment = self.comment();
                        self.out.push(' ');
                        self.out.push_str(&comment);
                        self.newline();
                        if self.maybe(2) {
                            self.newline();
                        }
                        self.indent();
                    }
                    _ => self.out.push(' '),
                }
            }
            self.out.push_str(token);
        }
    }

    /// What comes between two statements, after a `{` or before a `}`: a trailing comment,
    /// line breaks, blank lines and comments on lines of their own, or only a space.
    fn gap(&mut self) {
        if self.maybe(3) {
            let comment = self.comment();
            self.out.push(' ');
            self.out.push_str(&comment);
        } else if self.maybe(6) {
            self.out.push(' ');
            return;
        }
        self.newline();
        if self.maybe(4) {
            self.newline();
        }
        for _ in 0..self.pick(3) {
            self.indent();
            let comment = self.comment();
            self.out.push_str(&comment);
            self.newline();
            if self.maybe(4) {
                self.newline();
            }
        }
        self.indent();
    }

    /// `{`, the statements `item` writes, and `}`.
    fn block(&mut self, most: usize, item: fn(&mut Self)) {
        self.out.push_str(" {");
        for _ in 0..self.pick(most + 1) {
            self.gap();
            item(self);
        }
        self.gap();
        self.out.push('}');
    }

    fn setting(&mut self) {
        let tokens: &[&str] = match self.pick(6) {
            0 => &["timezone", "\"Europe/Stockholm\""],
            1 => &["minor_age", "16"],
            2 => &["window", "08:00", "..", "20:00", "weekdays"],
            3 => &["window", "09:00..17:00", "mon", ",", "wed"],
            4 => &["late_booking", "send_now"],
            _ => &["sender", "\"Vårdcentralen\""],
        };
        self.statement(&strings(tokens));
    }

    fn operand(&mut self, depth: usize) -> Vec<String> {
        let tokens: &[&str] = match self.pick(8) {
            0 => &["patient.minor"],
            1 => &["booking.source", "==", "portal"],
            2 => &["patient.age", ">=", "18"],
            3 => &[
                "patient.id_kind",
                "in",
                "[",
                "coordination",
                ",",
                "reserve",
                "]",
            ],
            4 => &["guardian.consent.sms"],
            5 => &["booking.lead_time", "<", "2 days"],
            6 if depth < 3 => {
                let mut tokens = strings(&["not"]);
                tokens.extend(self.operand(depth + 1));
                return tokens;
            }
            7 if depth < 3 => {
                let mut tokens = strings(&["("]);
                tokens.extend(self.condition(depth + 1));
                tokens.push(")".to_string());
                return tokens;
            }
            _ => &["not", "patient.inbox.account"],
        };
        strings(tokens)
    }

    /// Up to six operands joined by `and` or `or`: often longer than a line.
    fn condition(&mut self, depth: usize) -> Vec<String> {
        let mut tokens = self.operand(depth);
        for _ in 0..self.pick(6) {
            tokens.push(self.one_of(&["or", "and"]));
            tokens.extend(self.operand(depth));
        }
        tokens
    }

    fn policy_item(&mut self) {
        match self.pick(11) {
            0 => self.setting(),
            1 => {
                let tokens: &[&str] = match self.pick(5) {
                    0 => &["clinic", "\"A\""],
                    1 => &["clinics", "\"A\"", ",", "\"B\""],
                    2 => &["units", "\"LAK\"", ",", "\"DSK\""],
                    3 => &["exams", "\"ekg\""],
                    _ => &["kinds", "single", ",", "series"],
                };
                self.statement(&strings(tokens));
            }
            2 => self.statement(&strings(&["wins_over", "\"other\""])),
            3 | 4 => {
                self.statement(&strings(&["unit", "\"DSK\""]));
                self.block(2, Self::setting);
            }
            5..=7 => {
                let mut tokens = strings(&["exclude", "\"reason\"", "when"]);
                tokens.extend(self.condition(0));
                self.statement(&tokens);
            }
            _ => {
                let kind = self.one_of(&["reminder", "letter", "confirmation", "rebooking"]);
                self.statement(&[kind, "\"m\"".to_string()]);
                self.block(8, Self::message_item);
            }
        }
    }

    fn defaults_item(&mut self) {
        match self.pick(3) {
            0 => self.setting(),
            1 => self.statement(&strings(&["clinic", "\"A\""])),
            _ => {
                self.statement(&strings(&["unit", "\"DSK\""]));
                self.block(2, Self::setting);
            }
        }
    }

    fn message_item(&mut self) {
        let mut tokens = match self.pick(10) {
            0 => {
                let mut tokens = strings(&["send"]);
                for i in 0..=self.pick(3) {
                    if i > 0 {
                        tokens.push(",".to_string());
                    }
                    let trigger: &[&str] = match self.pick(4) {
                        0 => &["1 day", "before", "at", "10:00"],
                        1 => &["at", "booking"],
                        2 => &["on", "cancellation"],
                        _ => &["2 hours", "before"],
                    };
                    tokens.extend(strings(trigger));
                }
                tokens
            }
            1 => strings(&["via", "sms"]),
            2 | 3 => strings(&["to", "patient"]),
            4 => strings(&["also", "paper"]),
            5 => strings(&["fallback", "paper", "after", "3 days", "unopened"]),
            6 => strings(&["template", "\"t\""]),
            7 => strings(&["text", "\"Tid {booking.date} // not a comment\""]),
            8 => strings(&["window", "09:00..17:00", "weekdays"]),
            _ => strings(&["to", "guardians"]),
        };
        if matches!(tokens[0].as_str(), "to" | "also") && self.maybe(2) {
            tokens.push("when".to_string());
            tokens.extend(self.condition(0));
        }
        self.statement(&tokens);
    }

    fn top_item(&mut self) {
        match self.pick(4) {
            0 => self.statement(&strings(&["use", "\"shared.rem\""])),
            1 => {
                self.statement(&strings(&["defaults", "\"d\""]));
                self.block(4, Self::defaults_item);
            }
            _ => {
                let mut tokens = strings(&["policy", "\"p\""]);
                if self.maybe(2) {
                    tokens.extend(strings(&["extends", "\"d\""]));
                }
                self.statement(&tokens);
                self.block(10, Self::policy_item);
            }
        }
    }

    fn file(choices: &[u8]) -> String {
        let mut writer = Writer {
            choices,
            at: 0,
            out: String::new(),
            comments: 0,
        };
        if writer.maybe(3) {
            let comment = writer.comment();
            writer.out.push_str(&comment);
            writer.newline();
        }
        for _ in 0..=writer.pick(3) {
            writer.gap();
            writer.top_item();
        }
        writer.gap();
        if writer.maybe(2) {
            let comment = writer.comment();
            writer.out.push_str(&comment);
        }
        if writer.maybe(2) {
            writer.newline();
        }
        writer.out
    }
}

fn strings(tokens: &[&str]) -> Vec<String> {
    tokens.iter().map(|t| t.to_string()).collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Formatting keeps the meaning, keeps every comment with its statement, and a second run
    /// changes nothing.
    #[test]
    fn comments_stay_with_their_statements(choices in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
        let source = Writer::file(&choices);
        let ast = rem::parser::parse(&source);
        proptest::prop_assert!(ast.is_ok(), "the generated file does not parse: {:?}\n{source}", ast.err());
        let formatted = rem::fmt::format(&source);
        proptest::prop_assert!(formatted.is_ok(), "{:?}\n{source}", formatted.err());
        let formatted = formatted.expect("checked");
        proptest::prop_assert_eq!(
            rem::parser::parse(&formatted).ok(),
            ast.ok(),
            "formatting changed the meaning of\n{}\n---\n{}", source, formatted
        );
        proptest::prop_assert_eq!(
            anchored_comments(&formatted),
            anchored_comments(&source),
            "a comment moved to another statement in\n{}\n---\n{}", source, formatted
        );
        let again = rem::fmt::format(&formatted).ok();
        proptest::prop_assert_eq!(
            again.as_deref(),
            Some(formatted.as_str()),
            "not idempotent:\n{}\n---\n{}", source, formatted
        );
    }
}
