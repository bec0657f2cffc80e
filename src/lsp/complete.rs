//! What may be written at the cursor: the statements of the block it is in, channels after
//! `via`, recipients after `to`, fields and their values in conditions, time zones, template
//! names used in the folder, placeholders in a text, and the names of defaults and policies.

use lsp_types::{CompletionItem, CompletionItemKind, Documentation, MarkupContent, MarkupKind};

use super::context::{self, InString};
use crate::schema::statements::{self, Block};
use crate::schema::{
    Channel, FIELDS, MessageKind, Outcome, PLACEHOLDERS, Recipient, Subject, Type,
};

/// Names found around the document, offered inside strings.
#[derive(Debug, Default)]
pub struct Names {
    /// Template ids: `template "ID"` lines of the folder's policies and `templates/ID.toml`.
    pub templates: Vec<String>,
    /// Names of `defaults` blocks the file can extend.
    pub defaults: Vec<String>,
    /// Names of policies it can win over.
    pub policies: Vec<String>,
}

fn item(
    label: &str,
    kind: CompletionItemKind,
    detail: &str,
    doc: Option<String>,
) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: (!detail.is_empty()).then(|| detail.to_string()),
        documentation: doc.map(|value| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            })
        }),
        ..CompletionItem::default()
    }
}

/// The completions at byte `offset` of `text`.
pub fn complete(text: &str, offset: usize, names: &Names) -> Vec<CompletionItem> {
    let context = context::at(text, offset);
    if let Some(s) = &context.string {
        return in_string(s, offset, names);
    }
    let words: Vec<&str> = context.before.split_whitespace().collect();
    // The word being typed is not yet a word of the statement.
    let typing = !context.before.ends_with(char::is_whitespace);
    let done: &[&str] = if typing && !words.is_empty() {
        &words[..words.len() - 1]
    } else {
        &words
    };
    if done.is_empty() {
        return statements_of(context.block);
    }
    after(done)
}

/// The statements that may start a line in `block`.
fn statements_of(block: Block) -> Vec<CompletionItem> {
    statements::statements_in(block)
        .map(|word| match statements::word(word) {
            Some(row) => item(
                word,
                CompletionItemKind::KEYWORD,
                row.form,
                Some(row.doc.to_string()),
            ),
            None => item(
                word,
                CompletionItemKind::CLASS,
                &format!("{word} \"NAME\" {{ ... }}"),
                MessageKind::parse(word).map(|k| k.doc().to_string()),
            ),
        })
        .collect()
}

/// The completions after the words `done` of the current line.
fn after(done: &[&str]) -> Vec<CompletionItem> {
    let first = done[0];
    let last = done[done.len() - 1];
    if let Some(i) = done.iter().rposition(|w| *w == "when") {
        // Guardian fields only in the condition of a guardian recipient.
        let guardian = first == "to" && done.get(1).is_some_and(|r| r.starts_with("guardian"));
        return condition(&done[i + 1..], guardian);
    }
    match (first, last) {
        (_, "via" | "also") if done.len() <= 2 => channels(),
        ("fallback", "fallback") => channels(),
        // `fallback CHANNEL after N UNIT` then what it waits for, then its own wording.
        ("fallback", _) if done.len() == 5 => Outcome::WORDS
            .iter()
            .map(|w| {
                item(
                    w,
                    CompletionItemKind::ENUM_MEMBER,
                    "what the fallback waits for",
                    statements::word(w).map(|r| r.doc.to_string()),
                )
            })
            .collect(),
        ("fallback", _) if done.len() == 6 => vec![item(
            "with",
            CompletionItemKind::KEYWORD,
            "with template \"ID\" | with text \"...\"",
            None,
        )],
        ("fallback", "with") => ["template", "text"]
            .iter()
            .map(|w| item(w, CompletionItemKind::KEYWORD, "", None))
            .collect(),
        ("to", "to") => Recipient::ALL
            .iter()
            .map(|r| {
                item(
                    r.as_str(),
                    CompletionItemKind::ENUM_MEMBER,
                    "recipient",
                    Some(r.doc().to_string()),
                )
            })
            .collect(),
        ("to" | "also" | "exclude", _) => vec![item(
            "when",
            CompletionItemKind::KEYWORD,
            "when CONDITION",
            None,
        )],
        ("late_booking", _) => ["skip", "send_now"]
            .iter()
            .map(|w| {
                item(
                    w,
                    CompletionItemKind::ENUM_MEMBER,
                    "late_booking",
                    statements::word(w).map(|r| r.doc.to_string()),
                )
            })
            .collect(),
        ("kinds", _) => crate::schema::Kind::WORDS
            .iter()
            .map(|w| item(w, CompletionItemKind::ENUM_MEMBER, "booking kind", None))
            .collect(),
        ("window", _) if done.len() == 2 => ["weekdays", "weekends", "daily"]
            .iter()
            .map(|w| {
                item(
                    w,
                    CompletionItemKind::ENUM_MEMBER,
                    "days of the window",
                    None,
                )
            })
            .collect(),
        ("send", _) => triggers(),
        _ => Vec::new(),
    }
}

fn channels() -> Vec<CompletionItem> {
    Channel::ALL
        .iter()
        .map(|c| {
            item(
                c.as_str(),
                CompletionItemKind::ENUM_MEMBER,
                "channel",
                Some(c.doc().to_string()),
            )
        })
        .collect()
}

/// The triggers of `send`, as examples to edit.
fn triggers() -> Vec<CompletionItem> {
    [
        ("at booking", "when the booking is made (R7)"),
        (
            "1 day before at 10:00",
            "the day before the visit, at 10:00 local time (R5)",
        ),
        (
            "4 days before",
            "four calendar days before, at the visit's time of day (R6)",
        ),
        ("2 hours before", "exactly two hours before the visit"),
        ("on cancellation", "when the booking is cancelled"),
        ("on rescheduling", "when the booking is moved"),
        ("on results_ready", "when the results are ready (R18)"),
        (
            "every day at 08:00 for 10 days from therapy_started",
            "a repetition (R18)",
        ),
    ]
    .iter()
    .map(|(t, doc)| {
        item(
            t,
            CompletionItemKind::SNIPPET,
            "trigger",
            Some((*doc).to_string()),
        )
    })
    .collect()
}

/// In a condition: a field, or a value of the field just compared.
fn condition(words: &[&str], guardian: bool) -> Vec<CompletionItem> {
    let compared = match words {
        [.., field, "==" | "!=" | "in"] => Some(*field),
        [.., field, "in", open] if open.starts_with('[') => Some(*field),
        _ => None,
    };
    if let Some(field) = compared.and_then(|f| FIELDS.iter().find(|i| i.path == f)) {
        let values: &[&str] = match field.ty {
            Type::Enum(e) => e.values(),
            Type::Bool => &["true", "false"],
            _ => &[],
        };
        return values
            .iter()
            .map(|v| item(v, CompletionItemKind::ENUM_MEMBER, field.path, None))
            .collect();
    }
    let mut out: Vec<CompletionItem> = FIELDS
        .iter()
        .filter(|f| guardian || f.subject != Subject::Guardian)
        .map(|f| {
            item(
                f.path,
                CompletionItemKind::FIELD,
                &f.ty.describe(),
                Some(f.doc.to_string()),
            )
        })
        .collect();
    if matches!(words.last(), Some(w) if !w.starts_with(|c: char| c.is_ascii_alphabetic()))
        || words.is_empty()
    {
        out.push(item(
            "not",
            CompletionItemKind::KEYWORD,
            "not CONDITION",
            None,
        ));
    }
    out
}

/// Inside a string: time zones, template names, placeholders, defaults and policy names.
fn in_string(s: &InString<'_>, offset: usize, names: &Names) -> Vec<CompletionItem> {
    let named = |list: &[String], what: &str| -> Vec<CompletionItem> {
        list.iter()
            .map(|n| item(n, CompletionItemKind::REFERENCE, what, None))
            .collect()
    };
    match s.after {
        Some("timezone") => chrono_tz::TZ_VARIANTS
            .iter()
            .map(|z| z.name())
            .filter(|z| z.contains('/') && !z.starts_with("Etc/"))
            .map(|z| item(z, CompletionItemKind::VALUE, "time zone", None))
            .collect(),
        Some("template") => named(&names.templates, "template"),
        Some("extends") => named(&names.defaults, "defaults"),
        Some("wins_over") => named(&names.policies, "policy"),
        Some("text") => {
            let typed = &s.text[..offset.saturating_sub(s.start + 1).min(s.text.len())];
            // Only after a `{` not yet closed.
            let open = typed.rfind('{');
            if open.is_none() || open < typed.rfind('}') {
                return Vec::new();
            }
            PLACEHOLDERS
                .iter()
                .map(|(p, _, doc)| {
                    item(
                        p,
                        CompletionItemKind::VARIABLE,
                        "placeholder",
                        Some((*doc).to_string()),
                    )
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<String> {
        complete(text, text.len(), &Names::default())
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn what_may_be_written_where() {
        let message = "policy \"p\" {\n  reminder \"r\" {\n    ";
        assert!(labels(message).contains(&"fallback".to_string()));
        assert!(!labels(message).contains(&"timezone".to_string()));
        assert!(labels("policy \"p\" {\n  ").contains(&"timezone".to_string()));
        assert!(labels(&format!("{message}via ")).contains(&"inbox".to_string()));
        assert!(
            labels(&format!("{message}to patient when patient."))
                .contains(&"patient.age".to_string())
        );
        assert!(
            !labels(&format!("{message}to patient when ")).contains(&"guardian.number".to_string())
        );
        assert!(
            labels(&format!("{message}to guardians when "))
                .contains(&"guardian.number".to_string())
        );
        assert_eq!(
            labels("policy \"p\" {\n  exclude \"x\" when booking.source == "),
            ["staff", "portal", "quick_book"]
        );
        assert!(
            labels("policy \"p\" {\n  timezone \"Europe/St")
                .contains(&"Europe/Stockholm".to_string())
        );
        let fallback = format!("{message}fallback paper after 3 days ");
        assert_eq!(labels(&fallback), ["unopened", "undelivered"]);
        assert_eq!(labels(&format!("{fallback}unopened ")), ["with"]);
        assert_eq!(
            labels(&format!("{fallback}unopened with ")),
            ["template", "text"]
        );
    }
}
