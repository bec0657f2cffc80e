//! The outline of a file (its policies, defaults, recalls and their messages) and where a name
//! under the cursor is defined: the file of a `use`, the defaults of an `extends`, the policy
//! of a `wins_over`.

use lsp_types::{DocumentSymbol, SymbolKind};

use super::position::Lines;
use crate::ast::{self, Item, PolicyItem};

/// What the string under the cursor names.
#[derive(Debug, PartialEq)]
pub enum Target<'a> {
    File(&'a str),
    Defaults(&'a str),
    Policy(&'a str),
}

/// The name the string at `offset` of `text` refers to, if it is one that is defined
/// somewhere.
pub fn target(text: &str, offset: usize) -> Option<Target<'_>> {
    let s = super::context::at(text, offset).string?;
    match s.after? {
        "use" => Some(Target::File(s.text)),
        "extends" => Some(Target::Defaults(s.text)),
        "wins_over" => Some(Target::Policy(s.text)),
        _ => None,
    }
}

/// Where `target` is defined in a parsed file: the span of its name.
pub fn defined_in(file: &ast::File, target: &Target<'_>) -> Option<ast::Span> {
    file.items.iter().find_map(|item| match (item, target) {
        (Item::Defaults(d), Target::Defaults(name)) if d.name.node == *name => Some(d.name.span),
        (Item::Policy(p), Target::Policy(name)) if p.name.node == *name => Some(p.name.span),
        _ => None,
    })
}

/// The names of `defaults` blocks and of policies in a parsed file.
pub fn names(file: &ast::File) -> (Vec<String>, Vec<String>) {
    let mut defaults = Vec::new();
    let mut policies = Vec::new();
    for item in &file.items {
        match item {
            Item::Defaults(d) => defaults.push(d.name.node.clone()),
            Item::Policy(p) => policies.push(p.name.node.clone()),
            Item::Use(_) => {}
        }
    }
    (defaults, policies)
}

/// The `template "ID"` names written in a text that does not parse, read line by line.
pub fn templates_written(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let code = line.split("//").next().unwrap_or_default();
            let rest = &code[code.find("template \"")? + "template \"".len()..];
            Some(rest[..rest.find('"')?].to_string())
        })
        .collect()
}

/// The outline of a file: its items, and the messages, exclusions and unit overrides of each.
pub fn symbols(file: &ast::File, text: &str) -> Vec<DocumentSymbol> {
    let lines = Lines::new(text);
    let symbol = |name: &str, detail: &str, kind, span: ast::Span, at: ast::Span, children| {
        #[expect(deprecated, reason = "the field must be written, and is deprecated")]
        DocumentSymbol {
            name: name.to_string(),
            detail: (!detail.is_empty()).then(|| detail.to_string()),
            kind,
            tags: None,
            deprecated: None,
            range: lines.range(span.start, span.end),
            selection_range: lines.range(at.start, at.end),
            children,
        }
    };
    file.items
        .iter()
        .map(|item| match item {
            Item::Use(u) => symbol(
                &u.path.node,
                "use",
                SymbolKind::FILE,
                u.span,
                u.path.span,
                None,
            ),
            Item::Defaults(d) => symbol(
                &d.name.node,
                "defaults",
                SymbolKind::NAMESPACE,
                d.span,
                d.name.span,
                None,
            ),
            Item::Policy(p) => {
                let children = p
                    .items
                    .iter()
                    .filter_map(|i| match i {
                        PolicyItem::Message(m) => Some(symbol(
                            &m.name.node,
                            m.kind.node.as_str(),
                            SymbolKind::EVENT,
                            m.span,
                            m.name.span,
                            None,
                        )),
                        PolicyItem::Exclusion(e) => Some(symbol(
                            &e.name.node,
                            "exclude",
                            SymbolKind::BOOLEAN,
                            e.span,
                            e.name.span,
                            None,
                        )),
                        PolicyItem::UnitOverride(u) => Some(symbol(
                            &u.unit.node,
                            "unit",
                            SymbolKind::STRUCT,
                            u.span,
                            u.unit.span,
                            None,
                        )),
                        _ => None,
                    })
                    .collect();
                let detail = if p.recall { "recall" } else { "policy" };
                symbol(
                    &p.name.node,
                    detail,
                    SymbolKind::MODULE,
                    p.span,
                    p.name.span,
                    Some(children),
                )
            }
        })
        .collect()
}
