//! `rem fmt`: AST → canonical source text, keeping every comment.
//!
//! The layout is fixed (four spaces, one statement a line, a blank line between top-level
//! blocks and before each message); the author's single blank lines between statements are
//! kept. Comments are not in the AST: they are taken from the source and printed before the
//! statement that follows them, or at the end of the line they ended. Formatting is
//! idempotent, and the formatted file parses to the same AST.

use crate::ast::*;
use crate::parser::{self, Comment, ParseError};

/// Lines longer than this have their top-level `or` / `and` put on lines of their own.
const MAX_WIDTH: usize = 100;
const INDENT: &str = "    ";

/// Formats a whole file.
pub fn format(source: &str) -> Result<String, ParseError> {
    let file = parser::parse(source)?;
    let mut printer = Printer {
        source,
        comments: parser::comments(source),
        next: 0,
        out: String::with_capacity(source.len()),
    };
    printer.file(&file);
    Ok(printer.out)
}

struct Printer<'a> {
    source: &'a str,
    comments: Vec<Comment>,
    next: usize,
    out: String,
}

impl Printer<'_> {
    fn file(&mut self, file: &File) {
        let mut previous: Option<&Item> = None;
        for item in &file.items {
            let consecutive_uses = matches!((previous, item), (Some(Item::Use(_)), Item::Use(_)));
            if previous.is_some() && !consecutive_uses {
                self.blank_line();
            }
            self.comments_before(item.span().start, 0);
            match item {
                Item::Use(u) => self.line(0, &format!("use {}", quote(&u.path.node))),
                Item::Defaults(d) => {
                    self.line(0, &format!("defaults {} {{", quote(&d.name.node)));
                    self.after_open_brace(d.name.span.end);
                    self.policy_items(&d.items, 1);
                    self.comments_before(d.end.start, 1);
                    self.line(0, "}");
                }
                Item::Policy(p) => {
                    let extends = p
                        .extends
                        .as_ref()
                        .map(|e| format!(" extends {}", quote(&e.node)))
                        .unwrap_or_default();
                    self.line(0, &format!("policy {}{extends} {{", quote(&p.name.node)));
                    self.after_open_brace(p.extends.as_ref().unwrap_or(&p.name).span.end);
                    self.policy_items(&p.items, 1);
                    self.comments_before(p.end.start, 1);
                    self.line(0, "}");
                }
            }
            self.trailing(item.span().end);
            previous = Some(item);
        }
        self.comments_before(self.source.len(), 0);
    }

    fn policy_items(&mut self, items: &[PolicyItem], depth: usize) {
        let mut previous_end: Option<usize> = None;
        for item in items {
            let start = item.span().start;
            if let Some(end) = previous_end {
                if matches!(item, PolicyItem::Message(_)) || self.blank_in_source(end, start) {
                    self.blank_line();
                }
            }
            self.comments_before(start, depth);
            match item {
                PolicyItem::Setting(s) => self.line(depth, &setting(s)),
                PolicyItem::Scope(s) => self.line(depth, &scope(s)),
                PolicyItem::WinsOver(names, _) => {
                    self.line(depth, &format!("wins_over {}", quote_list(names)))
                }
                PolicyItem::UnitOverride(u) => self.unit_override(u, depth),
                PolicyItem::Exclusion(e) => {
                    let head = format!("exclude {} when ", quote(&e.name.node));
                    self.condition_line(depth, &head, &e.condition);
                }
                PolicyItem::Message(m) => self.message(m, depth),
            }
            self.trailing(item.span().end);
            previous_end = Some(item.span().end);
        }
    }

    fn unit_override(&mut self, unit: &UnitOverride, depth: usize) {
        let head = format!("unit {} {{", quote(&unit.unit.node));
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
        self.after_open_brace(unit.unit.span.end);
        for s in &unit.settings {
            self.comments_before(s.span.start, depth + 1);
            self.line(depth + 1, &setting(s));
            self.trailing(s.span.end);
        }
        self.comments_before(unit.end.start, depth + 1);
        self.line(depth, "}");
    }

    fn message(&mut self, message: &Message, depth: usize) {
        self.line(
            depth,
            &format!(
                "{} {} {{",
                message.kind.node.as_str(),
                quote(&message.name.node)
            ),
        );
        self.after_open_brace(message.name.span.end);
        let mut previous_end: Option<usize> = None;
        for item in &message.items {
            if let Some(end) = previous_end {
                if self.blank_in_source(end, item.span.start) {
                    self.blank_line();
                }
            }
            self.comments_before(item.span.start, depth + 1);
            let inner = depth + 1;
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
                } => self.line(
                    inner,
                    &format!(
                        "fallback {} after {} {}",
                        channel.node, after.node, waits_for.node
                    ),
                ),
                MessageItemKind::Template(t) => {
                    self.line(inner, &format!("template {}", quote(&t.node)))
                }
                MessageItemKind::Text(t) => self.line(inner, &format!("text {}", quote(&t.node))),
                MessageItemKind::Setting(s) => self.line(inner, &setting(s)),
            }
            self.trailing(item.span.end);
            previous_end = Some(item.span.end);
        }
        self.comments_before(message.end.start, depth + 1);
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

    /// A comment right after a block's `{` stays there.
    fn after_open_brace(&mut self, from: usize) {
        if let Some(at) = self.source.get(from..).and_then(|rest| rest.find('{')) {
            self.trailing(from + at + 1);
        }
    }

    fn next_comment_before(&self, position: usize) -> bool {
        self.comments
            .get(self.next)
            .is_some_and(|c| c.span.start < position)
    }

    /// Prints, each on its own line, the comments that come before `position`, keeping the
    /// author's empty lines between them and after the last.
    fn comments_before(&mut self, position: usize, depth: usize) {
        let mut previous_end: Option<usize> = None;
        while let Some(comment) = self.comments.get(self.next) {
            if comment.span.start >= position {
                break;
            }
            let (start, end, text) = (comment.span.start, comment.span.end, comment.text.clone());
            if previous_end.is_some_and(|e| self.blank_in_source(e, start)) {
                self.blank_line();
            }
            self.line(depth, &text);
            self.next += 1;
            previous_end = Some(end);
        }
        if previous_end.is_some_and(|e| self.blank_in_source(e, position)) {
            self.blank_line();
        }
    }

    /// Puts a comment that followed `end` on the same source line at the end of the last line.
    fn trailing(&mut self, end: usize) {
        let Some(comment) = self.comments.get(self.next) else {
            return;
        };
        let between = self.source.get(end..comment.span.start).unwrap_or("\n");
        if comment.span.start >= end && !between.contains('\n') {
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
}
