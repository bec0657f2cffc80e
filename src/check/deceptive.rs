//! Text that reads differently from what it is. A policy is reviewed by people reading it in an
//! editor, and its names are matched, character by character, against other names and against
//! the values of the booking feed. So rem warns about:
//!
//! - invisible characters that reorder or hide text (W108): bidirectional controls, as in the
//!   "Trojan Source" attacks, and zero-width spaces, anywhere in a file;
//! - names that mix scripts (`Remindеr` with a Cyrillic `е`), or that look like another name
//!   of the program without being it (W109), by the confusable skeletons and script sets of
//!   Unicode Technical Standard #39 as `unicode-security` implements them.
//!
//! Names written in one script, with any accents (`Vårdcentral`, `Høje-Taastrup`, `Città`), do
//! not warn.

use std::collections::{BTreeMap, BTreeSet};

use unicode_security::confusable_detection::skeleton;
use unicode_security::mixed_script::AugmentedScriptSet;

use super::CheckError;
use crate::ast::{self, ExprKind, MessageItemKind, Name, PolicyItem, ScopeKind, Span};

/// A name's text and where it is written.
type Written<'a> = (&'a str, Span);
use crate::source::{FileId, Program};

/// Characters that are not shown, or that change the order in which the text around them is
/// shown, with their Unicode names. The zero-width joiners (U+200C, U+200D) are left out:
/// emoji and Persian text need them.
const INVISIBLE: [(char, &str); 15] = [
    ('\u{061C}', "ARABIC LETTER MARK"),
    ('\u{200B}', "ZERO WIDTH SPACE"),
    ('\u{200E}', "LEFT-TO-RIGHT MARK"),
    ('\u{200F}', "RIGHT-TO-LEFT MARK"),
    ('\u{202A}', "LEFT-TO-RIGHT EMBEDDING"),
    ('\u{202B}', "RIGHT-TO-LEFT EMBEDDING"),
    ('\u{202C}', "POP DIRECTIONAL FORMATTING"),
    ('\u{202D}', "LEFT-TO-RIGHT OVERRIDE"),
    ('\u{202E}', "RIGHT-TO-LEFT OVERRIDE"),
    ('\u{2060}', "WORD JOINER"),
    ('\u{2066}', "LEFT-TO-RIGHT ISOLATE"),
    ('\u{2067}', "RIGHT-TO-LEFT ISOLATE"),
    ('\u{2068}', "FIRST STRONG ISOLATE"),
    ('\u{2069}', "POP DIRECTIONAL ISOLATE"),
    ('\u{FEFF}', "ZERO WIDTH NO-BREAK SPACE"),
];

/// The warnings of every file of the program, root or reached through `use`.
pub(super) fn warnings(program: &Program) -> Vec<(FileId, CheckError)> {
    let mut found = Vec::new();
    for (file, source) in program.files.iter().enumerate() {
        found.extend(invisible(&source.text).map(|e| (file, e)));
    }
    let mut names = Vec::new();
    for module in &program.modules {
        names.extend(
            names_of(&module.ast)
                .into_iter()
                .map(|name| (module.file, name)),
        );
    }
    found.extend(lookalikes(program, &names));
    found
}

/// W108 for each invisible character, in strings and comments alike (a comment can hide what
/// follows it on the line).
fn invisible(text: &str) -> impl Iterator<Item = CheckError> + '_ {
    text.char_indices().filter_map(|(at, c)| {
        let (_, name) = INVISIBLE.iter().find(|(known, _)| *known == c)?;
        Some(CheckError::InvisibleCharacter {
            code_point: code_point(c),
            name,
            span: Span::new(at, at + c.len_utf8()).into(),
        })
    })
}

/// The names of a file that are matched against other names or against feed values, in
/// source order: defaults, policies and what they extend and win over, scope values, unit
/// overrides, exclusions, messages, and the strings compared in conditions.
fn names_of(file: &ast::File) -> Vec<Written<'_>> {
    let mut names = Vec::new();
    for item in &file.items {
        match item {
            ast::Item::Use(_) => {}
            ast::Item::Defaults(defaults) => {
                names.push(written(&defaults.name));
                block_names(&defaults.items, &mut names);
            }
            ast::Item::Policy(policy) => {
                names.push(written(&policy.name));
                names.extend(policy.extends.as_ref().map(written));
                block_names(&policy.items, &mut names);
            }
        }
    }
    names
}

fn block_names<'a>(items: &'a [PolicyItem], names: &mut Vec<Written<'a>>) {
    for item in items {
        match item {
            PolicyItem::Scope(scope) => match &scope.kind {
                ScopeKind::Clinics(values)
                | ScopeKind::Units(values)
                | ScopeKind::Exams(values) => names.extend(values.iter().map(written)),
                // Bare words, checked against the fixed list of kinds.
                ScopeKind::Kinds(_) => {}
            },
            PolicyItem::UnitOverride(unit) => names.push(written(&unit.unit)),
            PolicyItem::WinsOver(others, _) | PolicyItem::BookedBy(others, _) => {
                names.extend(others.iter().map(written))
            }
            PolicyItem::Due { service, .. } => names.push(written(service)),
            PolicyItem::DueSoon(..) => {}
            PolicyItem::Exclusion(exclusion) => {
                names.push(written(&exclusion.name));
                expr_strings(&exclusion.condition, names);
            }
            PolicyItem::Message(message) => {
                names.push(written(&message.name));
                for part in &message.items {
                    if let MessageItemKind::To {
                        condition: Some(condition),
                        ..
                    }
                    | MessageItemKind::Also {
                        condition: Some(condition),
                        ..
                    } = &part.kind
                    {
                        expr_strings(condition, names);
                    }
                }
            }
            PolicyItem::Setting(_) => {}
        }
    }
}

/// The string literals of a condition: `booking.exam == "MR"` is matched against the feed.
fn expr_strings<'a>(expr: &'a ast::Expr, names: &mut Vec<Written<'a>>) {
    match &expr.node {
        ExprKind::Or(operands) | ExprKind::And(operands) => {
            operands.iter().for_each(|e| expr_strings(e, names))
        }
        ExprKind::Not(inner) => expr_strings(inner, names),
        ExprKind::Compare { left, right, .. } => {
            expr_strings(left, names);
            expr_strings(right, names);
        }
        ExprKind::In { value, list } => {
            expr_strings(value, names);
            list.iter().for_each(|e| expr_strings(e, names));
        }
        ExprKind::String(text) => names.push((text, expr.span)),
        ExprKind::Field(_)
        | ExprKind::Word(_)
        | ExprKind::Number(_)
        | ExprKind::Duration(_)
        | ExprKind::Bool(_) => {}
    }
}

/// W109: a name that mixes scripts, wherever it is written; a name in one script that looks
/// like an earlier, different name.
fn lookalikes(program: &Program, names: &[(FileId, Written<'_>)]) -> Vec<(FileId, CheckError)> {
    let mut found = Vec::new();
    // Each distinct name once, in order, by its skeleton.
    let mut by_skeleton: BTreeMap<String, Vec<(&str, FileId, Span)>> = BTreeMap::new();
    for (file, (text, span)) in names {
        let same = by_skeleton.entry(skeleton(text).collect()).or_default();
        if !same.iter().any(|(seen, _, _)| *seen == *text) {
            same.push((text, *file, *span));
        }
    }
    let mut reported: BTreeSet<(FileId, usize)> = BTreeSet::new();
    for (file, (text, span)) in names {
        let (text, span) = (*text, *span);
        if !reported.insert((*file, span.start)) {
            continue;
        }
        let same = &by_skeleton[&skeleton(text).collect::<String>()];
        let looks_like = same
            .iter()
            .find(|(other, _, _)| *other != text)
            .map(|(other, _, _)| *other);
        if let Some(mix) = mixed_scripts(text) {
            found.push((
                *file,
                CheckError::MixedScriptName {
                    name: text.to_string(),
                    main: mix.main,
                    others: mix.others,
                    suspects: mix.suspects,
                    looks_like: looks_like.map(str::to_string),
                    span: span.into(),
                },
            ));
            continue;
        }
        // A name in one script is reported only against an earlier name in one script; one
        // that mixes scripts has its own warning above.
        let earlier = same
            .iter()
            .take_while(|(other, _, _)| *other != text)
            .find(|(other, _, _)| mixed_scripts(other).is_none());
        if let Some((other, other_file, other_span)) = earlier {
            let (first, elsewhere) = if other_file == file {
                (Some((*other_span).into()), None)
            } else {
                (
                    None,
                    Some(super::file_line(program, *other_file, *other_span)),
                )
            };
            found.push((
                *file,
                CheckError::ConfusableName {
                    name: text.to_string(),
                    other: other.to_string(),
                    span: span.into(),
                    first,
                    elsewhere,
                },
            ));
        }
    }
    found
}

/// How a name mixes scripts.
struct Mix {
    /// The script most of its letters are in, taken as meant.
    main: String,
    others: Vec<String>,
    /// The letters of the other scripts.
    suspects: Vec<char>,
}

/// The scripts a name mixes, if it mixes scripts.
fn mixed_scripts(name: &str) -> Option<Mix> {
    if !AugmentedScriptSet::for_str(name).is_empty() {
        return None;
    }
    // Letters grouped by script set; digits, spaces and punctuation belong to every script.
    let mut groups: Vec<(AugmentedScriptSet, Vec<char>)> = Vec::new();
    for c in name.chars() {
        let set = AugmentedScriptSet::for_char(c);
        if set.is_all() {
            continue;
        }
        match groups.iter_mut().find(|(s, _)| *s == set) {
            Some((_, chars)) => chars.push(c),
            None => groups.push((set, vec![c])),
        }
    }
    let (main, _) = groups.iter().max_by_key(|(_, chars)| chars.len())?;
    let main = *main;
    let mut suspects = Vec::new();
    let mut others = Vec::new();
    for (set, chars) in &groups {
        let mut common = *set;
        common.intersect_with(main);
        if common.is_empty() {
            others.push(set.to_string());
            for c in chars {
                if !suspects.contains(c) {
                    suspects.push(*c);
                }
            }
        }
    }
    Some(Mix {
        main: main.to_string(),
        others,
        suspects,
    })
}

/// Characters described one by one, for a help text.
pub(super) fn describe_all(chars: &[char]) -> String {
    chars
        .iter()
        .map(|c| describe(*c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The characters that tell two lookalike names apart, each with its code point.
pub(super) fn differences(name: &str, other: &str) -> String {
    let only = |a: &str, b: &str| -> Vec<String> {
        let mut seen = Vec::new();
        for c in a.chars().filter(|c| !b.contains(*c)) {
            if !seen.contains(&c) {
                seen.push(c);
            }
        }
        seen.into_iter().take(4).map(describe).collect()
    };
    let (here, there) = (only(name, other), only(other, name));
    match (here.is_empty(), there.is_empty()) {
        (false, false) => format!("{} here and {} there", here.join(", "), there.join(", ")),
        (false, true) => format!("{} here", here.join(", ")),
        (true, false) => format!("{} there", there.join(", ")),
        // The same characters in another order: rare, and shown by the names themselves.
        (true, true) => "the same characters in another order".to_string(),
    }
}

/// `е` (U+0435, Cyrillic)
fn describe(c: char) -> String {
    let script = AugmentedScriptSet::for_char(c);
    if script.is_all() {
        format!("`{c}` ({})", code_point(c))
    } else {
        format!("`{c}` ({}, {script})", code_point(c))
    }
}

fn written(name: &Name) -> Written<'_> {
    (&name.node, name.span)
}

fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}
