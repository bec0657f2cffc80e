//! `rem fmt`: AST → canonical source text, keeping every comment with its statement.
//!
//! The layout is fixed (four spaces, one statement a line, a blank line between top-level
//! blocks and before each message); the author's single blank lines between statements, and
//! between the comments before a statement, are kept. Comments are not in the AST: they are
//! taken from the source and each stays with the statement it belongs to:
//!
//! - a comment on a line of its own stays before the statement that follows it (or before the
//!   block's `}`, or at the end of the file, when no statement follows);
//! - a comment after the end of a statement, on the same line, stays at the end of that
//!   statement's last line; one after a block's `{` stays after the `{`;
//! - a comment inside a statement (between the operands of a condition split over lines,
//!   between the triggers of `send`, or between `policy "NAME"` and its `{`) is printed on a
//!   line of its own just before that statement, after the comments that led it.
//!
//! Formatting is idempotent, and `format` checks its own output before returning it: the
//! output must parse to the same AST with the same comments in the same order, and must not
//! be over the parser's size limit; otherwise it returns an error instead.

use crate::ast::*;
use crate::parser::{self, Comment, MAX_SOURCE_BYTES};

mod error;

pub use error::FormatError;

/// Lines longer than this have their top-level `or` / `and` put on lines of their own.
const MAX_WIDTH: usize = 100;
const INDENT: &str = "    ";

/// Formats a whole file. Never returns text that would parse to another AST, lose a comment
/// or be refused by the parser for its size.
pub fn format(source: &str) -> Result<String, FormatError> {
    let file = parser::parse(source)?;
    let comments = parser::comments(source);
    let mut printer = Printer {
        source,
        comments: &comments,
        next: 0,
        out: String::with_capacity(source.len() + source.len() / 4),
    };
    printer.file(&file);
    let formatted = printer.out;
    if formatted.len() > MAX_SOURCE_BYTES {
        return Err(FormatError::TooLarge {
            size: formatted.len(),
            limit: MAX_SOURCE_BYTES,
        });
    }
    same_meaning(&file, &comments, &formatted)?;
    Ok(formatted)
}

/// The last line of defence: the formatted text parses to the same AST (spans are ignored by
/// equality) and has the same comments in the same order.
fn same_meaning(file: &File, comments: &[Comment], formatted: &str) -> Result<(), FormatError> {
    let reparsed = parser::parse(formatted).map_err(|error| {
        FormatError::Internal(format!("the formatted text does not parse: {error}"))
    })?;
    if reparsed != *file {
        return Err(FormatError::Internal(
            "the formatted text parses to another policy".to_string(),
        ));
    }
    let texts = |comments: &[Comment]| comments.iter().map(|c| c.text.clone()).collect::<Vec<_>>();
    if texts(&parser::comments(formatted)) != texts(comments) {
        return Err(FormatError::Internal(
            "the formatted text lost, added or reordered a comment".to_string(),
        ));
    }
    Ok(())
}

struct Printer<'a> {
    source: &'a str,
    comments: &'a [Comment],
    /// The first comment not yet printed.
    next: usize,
    out: String,
}

/// Whether a statement gets a blank line before it.
#[derive(Clone, Copy)]
enum Gap {
    /// The first statement of a block, and a `use` after a `use`.
    Never,
    /// Between top-level items, and before a message that is not the first statement.
    Always,
    /// When the author left an empty line after the end of the previous statement (at this
    /// position) and before this statement's first leading comment.
    AsWritten(usize),
}

impl Printer<'_> {
    fn file(&mut self, file: &File) {
        let mut previous: Option<&Item> = None;
        for item in &file.items {
            let gap = match (previous, item) {
                (None, _) | (Some(Item::Use(_)), Item::Use(_)) => Gap::Never,
                _ => Gap::Always,
            };
            match item {
                Item::Use(u) => {
                    self.start_statement(gap, u.span, u.span.end, 0);
                    self.line(0, &format!("use {}", quote(&u.path.node)));
                }
                Item::Defaults(d) => {
                    let brace = self.open_brace(d.name.span.end);
                    self.start_statement(gap, d.span, brace, 0);
                    self.line(0, &format!("defaults {} {{", quote(&d.name.node)));
                    self.trailing(brace + 1);
                    self.policy_items(&d.items, 1);
                    self.end_block(d.items.last().map(|i| i.span().end), d.end.start, 1);
                    self.line(0, "}");
                }
                Item::Policy(p) => {
                    let extends = p
                        .extends
                        .as_ref()
                        .map(|e| format!(" extends {}", quote(&e.node)))
                        .unwrap_or_default();
                    let brace = self.open_brace(p.extends.as_ref().unwrap_or(&p.name).span.end);
                    self.start_statement(gap, p.span, brace, 0);
                    let keyword = if p.recall { "recall" } else { "policy" };
                    let name = quote(&p.name.node);
                    self.line(0, &format!("{keyword} {name}{extends} {{"));
                    self.trailing(brace + 1);
                    self.policy_items(&p.items, 1);
                    self.end_block(p.items.last().map(|i| i.span().end), p.end.start, 1);
                    self.line(0, "}");
                }
            }
            self.trailing(item.span().end);
            previous = Some(item);
        }
        self.end_block(
            file.items.last().map(|i| i.span().end),
            self.source.len(),
            0,
        );
    }

    fn policy_items(&mut self, items: &[PolicyItem], depth: usize) {
        let mut previous_end: Option<usize> = None;
        for item in items {
            let span = item.span();
            let gap = match (previous_end, item) {
                (None, _) => Gap::Never,
                (Some(_), PolicyItem::Message(_)) => Gap::Always,
                (Some(end), _) => Gap::AsWritten(end),
            };
            match item {
                PolicyItem::Setting(s) => {
                    self.start_statement(gap, span, span.end, depth);
                    self.line(depth, &setting(s));
                }
                PolicyItem::Scope(s) => {
                    self.start_statement(gap, span, span.end, depth);
                    self.line(depth, &scope(s));
                }
                PolicyItem::WinsOver(names, _) => {
                    self.start_statement(gap, span, span.end, depth);
                    self.line(depth, &format!("wins_over {}", quote_list(names)));
                }
                PolicyItem::UnitOverride(u) => self.unit_override(gap, u, depth),
                PolicyItem::Exclusion(e) => {
                    self.start_statement(gap, span, span.end, depth);
                    let head = format!("exclude {} when ", quote(&e.name.node));
                    self.condition_line(depth, &head, &e.condition);
                }
                PolicyItem::Message(m) => self.message(gap, m, depth),
                PolicyItem::Due {
                    interval, service, ..
                } => {
                    self.start_statement(gap, span, span.end, depth);
                    let line = format!("due {} after {}", interval.node, quote(&service.node));
                    self.line(depth, &line);
                }
                PolicyItem::BookedBy(names, _) => {
                    self.start_statement(gap, span, span.end, depth);
                    self.line(depth, &format!("booked_by {}", quote_list(names)));
                }
                PolicyItem::DueSoon(days, _) => {
                    self.start_statement(gap, span, span.end, depth);
                    self.line(depth, &format!("due_soon {}", days.node));
                }
            }
            self.trailing(span.end);
            previous_end = Some(span.end);
        }
    }

    fn unit_override(&mut self, gap: Gap, unit: &UnitOverride, depth: usize) {
        let brace = self.open_brace(unit.unit.span.end);
        self.start_statement(gap, unit.span, brace, depth);
        let head = format!("unit {} {{", quote(&unit.unit.node));
        // Comments in the body need a line each, so only a body without them fits on one line.
        let has_comments = self.next_comment_before(unit.end.start);
        if unit.settings.len() <= 1 && !has_comments {
            let body = unit
                .settings
                .first()
                .map(|s| format!(" {} ", setting(s)))
                .unwrap_or_default();
            self.line(depth, &format!("{head}{body}}}"));
            return;
        }
        self.line(depth, &head);
        self.trailing(brace + 1);
        let mut previous_end: Option<usize> = None;
        for s in &unit.settings {
            let gap = previous_end.map_or(Gap::Never, Gap::AsWritten);
            self.start_statement(gap, s.span, s.span.end, depth + 1);
            self.line(depth + 1, &setting(s));
            self.trailing(s.span.end);
            previous_end = Some(s.span.end);
        }
        self.end_block(previous_end, unit.end.start, depth + 1);
        self.line(depth, "}");
    }

    fn message(&mut self, gap: Gap, message: &Message, depth: usize) {
        let brace = self.open_brace(message.name.span.end);
        self.start_statement(gap, message.span, brace, depth);
        self.line(
            depth,
            &format!(
                "{} {} {{",
                message.kind.node.as_str(),
                quote(&message.name.node)
            ),
        );
        self.trailing(brace + 1);
        let mut previous_end: Option<usize> = None;
        let inner = depth + 1;
        for item in &message.items {
            let gap = previous_end.map_or(Gap::Never, Gap::AsWritten);
            self.start_statement(gap, item.span, item.span.end, inner);
            match &item.kind {
                MessageItemKind::Send(triggers) => {
                    let list: Vec<String> = triggers.iter().map(|t| t.to_string()).collect();
                    self.line(inner, &format!("send {}", list.join(", ")));
                }
                MessageItemKind::Via(channel) => self.line(inner, &format!("via {}", channel.node)),
                MessageItemKind::To {
                    recipient,
                    condition,
                } => self.optional_condition(
                    inner,
                    &format!("to {}", recipient.node),
                    condition.as_ref(),
                ),
                MessageItemKind::Also { channel, condition } => self.optional_condition(
                    inner,
                    &format!("also {}", channel.node),
                    condition.as_ref(),
                ),
                MessageItemKind::Fallback {
                    channel,
                    after,
                    waits_for,
                    wording,
                } => {
                    let mut line = format!(
                        "fallback {} after {} {}",
                        channel.node, after.node, waits_for.node
                    );
                    match wording {
                        Some(Wording::Template(t)) => {
                            line = format!("{line} with template {}", quote(&t.node));
                        }
                        Some(Wording::Text(t)) => {
                            line = format!("{line} with text {}", quote(&t.node));
                        }
                        None => {}
                    }
                    self.line(inner, &line)
                }
                MessageItemKind::Template(t) => {
                    self.line(inner, &format!("template {}", quote(&t.node)))
                }
                MessageItemKind::Text(t) => self.line(inner, &format!("text {}", quote(&t.node))),
                MessageItemKind::Setting(s) => self.line(inner, &setting(s)),
            }
            self.trailing(item.span.end);
            previous_end = Some(item.span.end);
        }
        self.end_block(previous_end, message.end.start, inner);
        self.line(depth, "}");
    }

    fn optional_condition(&mut self, depth: usize, head: &str, condition: Option<&Expr>) {
        match condition {
            Some(c) => self.condition_line(depth, &format!("{head} when "), c),
            None => self.line(depth, head),
        }
    }

    /// `head` and a condition on one line, or, when too long, with the condition's top-level
    /// `or` / `and` operands on continuation lines.
    fn condition_line(&mut self, depth: usize, head: &str, condition: &Expr) {
        let flat = format!("{head}{}", expr(condition, 0));
        if INDENT.len() * depth + flat.len() <= MAX_WIDTH {
            return self.line(depth, &flat);
        }
        let (keyword, operands, precedence) = match &condition.node {
            ExprKind::Or(items) => ("or", items, 1),
            ExprKind::And(items) => ("and", items, 2),
            _ => return self.line(depth, &flat),
        };
        let mut operands = operands.iter();
        if let Some(first) = operands.next() {
            self.line(depth, &format!("{head}{}", expr(first, precedence + 1)));
        }
        for operand in operands {
            self.line(
                depth + 1,
                &format!("{keyword} {}", expr(operand, precedence + 1)),
            );
        }
    }

    fn line(&mut self, depth: usize, text: &str) {
        for _ in 0..depth {
            self.out.push_str(INDENT);
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn blank_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") && !self.out.ends_with("{\n") {
            self.out.push('\n');
        }
    }

    /// Whether the author left an empty line between two positions (a line with nothing but
    /// spaces; the first and last pieces are the ends of the surrounding lines).
    fn blank_in_source(&self, from: usize, to: usize) -> bool {
        let between = self.source.get(from..to).unwrap_or("");
        let pieces: Vec<&str> = between.split('\n').collect();
        pieces.len() > 2
            && pieces[1..pieces.len() - 1]
                .iter()
                .any(|l| l.trim().is_empty())
    }

    /// Where the `{` of a block is: the first byte after `from` that is neither whitespace
    /// nor in a comment (the grammar allows nothing else between a block's head and its `{`).
    fn open_brace(&self, from: usize) -> usize {
        let bytes = self.source.as_bytes();
        let mut at = from;
        while at < bytes.len() {
            match bytes[at] {
                b'/' if bytes.get(at + 1) == Some(&b'/') => {
                    while at < bytes.len() && bytes[at] != b'\n' {
                        at += 1;
                    }
                }
                b if b.is_ascii_whitespace() => at += 1,
                _ => break,
            }
        }
        at
    }

    fn next_comment_before(&self, position: usize) -> bool {
        self.comments
            .get(self.next)
            .is_some_and(|c| c.span.start < position)
    }

    /// What comes before a statement's first line: a blank line as `gap` says, the comments
    /// that lead it, and then the comments inside its head (`span.start` up to `head_end`: the
    /// whole statement, or a block's head up to its `{`), which cannot stay where they were.
    fn start_statement(&mut self, gap: Gap, span: Span, head_end: usize, depth: usize) {
        let first_comment = self
            .comments
            .get(self.next)
            .map_or(span.start, |c| c.span.start.min(span.start));
        let blank = match gap {
            Gap::Never => false,
            Gap::Always => true,
            Gap::AsWritten(previous_end) => self.blank_in_source(previous_end, first_comment),
        };
        if blank {
            self.blank_line();
        }
        self.comments_before(span.start, depth, true);
        while let Some(comment) = self.comments.get(self.next) {
            if comment.span.start >= head_end {
                break;
            }
            self.line(depth, &comment.text);
            self.next += 1;
        }
    }

    /// The comments between the last statement of a block (ending at `last_end`) and the
    /// block's end (`}` or the end of the file), keeping the author's empty lines before and
    /// between them.
    fn end_block(&mut self, last_end: Option<usize>, end: usize, depth: usize) {
        let Some(first) = self.comments.get(self.next).filter(|c| c.span.start < end) else {
            return;
        };
        if last_end.is_some_and(|last| self.blank_in_source(last, first.span.start)) {
            self.blank_line();
        }
        self.comments_before(end, depth, false);
    }

    /// Prints, each on its own line, the comments that come before `position`, keeping the
    /// author's empty lines between them, and after the last when `blank_after`.
    fn comments_before(&mut self, position: usize, depth: usize, blank_after: bool) {
        let mut previous_end: Option<usize> = None;
        while let Some(comment) = self.comments.get(self.next) {
            if comment.span.start >= position {
                break;
            }
            if previous_end.is_some_and(|e| self.blank_in_source(e, comment.span.start)) {
                self.blank_line();
            }
            self.line(depth, &comment.text);
            self.next += 1;
            previous_end = Some(comment.span.end);
        }
        if blank_after && previous_end.is_some_and(|e| self.blank_in_source(e, position)) {
            self.blank_line();
        }
    }

    /// Puts a comment that follows `end` on the same source line, with only spaces between,
    /// at the end of the last line printed.
    fn trailing(&mut self, end: usize) {
        let Some(comment) = self.comments.get(self.next) else {
            return;
        };
        let only_spaces = comment.span.start >= end
            && self
                .source
                .get(end..comment.span.start)
                .is_some_and(|between| between.chars().all(|c| c == ' ' || c == '\t' || c == '\r'));
        if only_spaces {
            self.out.pop();
            self.out.push(' ');
            self.out.push_str(&comment.text);
            self.out.push('\n');
            self.next += 1;
        }
    }
}

fn setting(s: &Setting) -> String {
    match &s.kind {
        SettingKind::Timezone(tz) => format!("timezone {}", quote(&tz.node)),
        SettingKind::MinorAge(age) => format!("minor_age {}", age.node),
        SettingKind::LateBooking(rule) => format!("late_booking {}", rule.node),
        SettingKind::Sender(sender) => format!("sender {}", quote(&sender.node)),
        SettingKind::Window(w) => {
            let days = w
                .days
                .as_ref()
                .map(|d| format!(" {}", d.node))
                .unwrap_or_default();
            format!("window {}..{}{days}", w.from.node, w.until.node)
        }
    }
}

fn scope(s: &Scope) -> String {
    match &s.kind {
        ScopeKind::Clinics(names) if names.len() == 1 => format!("clinic {}", quote_list(names)),
        ScopeKind::Clinics(names) => format!("clinics {}", quote_list(names)),
        ScopeKind::Units(names) => format!("units {}", quote_list(names)),
        ScopeKind::Exams(names) => format!("exams {}", quote_list(names)),
        ScopeKind::Kinds(names) => format!(
            "kinds {}",
            names
                .iter()
                .map(|n| n.node.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn quote_list(names: &[Name]) -> String {
    names
        .iter()
        .map(|n| quote(&n.node))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How tightly an expression binds: `or` 1, `and` 2, `not` 3, comparisons 4, atoms 5.
fn precedence(e: &Expr) -> u8 {
    match e.node {
        ExprKind::Or(_) => 1,
        ExprKind::And(_) => 2,
        ExprKind::Not(_) => 3,
        ExprKind::Compare { .. } | ExprKind::In { .. } => 4,
        _ => 5,
    }
}

/// Source text of an expression, in brackets when it binds less tightly than `min` needs.
/// Brackets are kept wherever the parse needed them, so the text parses to the same tree.
fn expr(e: &Expr, min: u8) -> String {
    let text = match &e.node {
        ExprKind::Or(items) => items
            .iter()
            .map(|i| expr(i, 2))
            .collect::<Vec<_>>()
            .join(" or "),
        ExprKind::And(items) => items
            .iter()
            .map(|i| expr(i, 3))
            .collect::<Vec<_>>()
            .join(" and "),
        ExprKind::Not(inner) => format!("not {}", expr(inner, 3)),
        ExprKind::Compare { op, left, right } => {
            format!("{} {} {}", expr(left, 5), op.node.symbol(), expr(right, 5))
        }
        ExprKind::In { value, list } => {
            let items: Vec<String> = list.iter().map(|i| expr(i, 5)).collect();
            format!("{} in [{}]", expr(value, 5), items.join(", "))
        }
        ExprKind::Field(path) => path.join("."),
        ExprKind::Word(w) => w.clone(),
        ExprKind::String(s) => quote(s),
        ExprKind::Number(n) => n.to_string(),
        ExprKind::Duration(d) => d.to_string(),
        ExprKind::Bool(b) => b.to_string(),
    };
    if precedence(e) < min {
        format!("({text})")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_comments_and_brackets() {
        let source = "// head\npolicy \"p\" { // why\n  exclude \"x\" when (a.b or c.d) and not e.f // trailing\n}\n";
        let formatted = format(source).expect("formats");
        assert_eq!(
            formatted,
            "// head\npolicy \"p\" { // why\n    exclude \"x\" when (a.b or c.d) and not e.f // trailing\n}\n"
        );
        assert_eq!(format(&formatted).expect("formats"), formatted);
    }

    #[test]
    fn output_of_another_meaning_is_an_internal_error() {
        let source = "policy \"p\" { // why\n}\n";
        let file = parser::parse(source).expect("parses");
        let comments = parser::comments(source);
        for wrong in [
            "policy \"q\" { // why\n}\n",
            "policy \"p\" {\n}\n",
            "policy",
        ] {
            assert!(matches!(
                same_meaning(&file, &comments, wrong),
                Err(FormatError::Internal(_))
            ));
        }
        assert_eq!(same_meaning(&file, &comments, source), Ok(()));
    }
}
