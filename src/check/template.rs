//! Template files (R19): `templates/ID.toml` beside a policy, read for its `template "ID"`.
//! Each file is checked once: its form, its languages (ISO 639-1, the fallback among them), its
//! placeholders (as an inline `text`'s), its sender alias, and, when a message sends it by SMS,
//! the length of the text in every language.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use toml::Spanned;

use crate::ast::{self, MessageItemKind, PolicyItem, Spanned as Node};
use crate::plan::Localized;
use crate::schema::Channel;
use crate::source::{FileId, Program};

use super::{CheckError, text};

/// A template file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    fallback_language: Spanned<String>,
    #[serde(default)]
    sender: Option<Spanned<String>>,
    text: BTreeMap<Spanned<String>, Spanned<String>>,
    /// The subject of an e-mail or inbox message, by language.
    #[serde(default)]
    subject: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// A template file that checked clean: its texts, and its sender alias.
#[derive(Debug, Clone)]
pub(super) struct Template {
    pub localized: Localized,
    pub sender: Option<String>,
}

/// Every template file of the program, checked: the template, or `None` after its errors.
pub(super) fn check_all(
    program: &Program,
    report: &mut dyn FnMut(FileId, Vec<CheckError>),
) -> BTreeMap<FileId, Option<Template>> {
    let by_sms = sent_by_sms(program);
    let files: BTreeSet<FileId> = program.templates.values().copied().collect();
    files
        .into_iter()
        .map(|file| {
            let mut errors = Vec::new();
            let template = check(program, file, by_sms.contains(&file), &mut errors);
            report(file, errors);
            (file, template)
        })
        .collect()
}

/// The template files some message sends by SMS, on its channel, a complement or a fallback.
fn sent_by_sms(program: &Program) -> BTreeSet<FileId> {
    let mut files = BTreeSet::new();
    for module in &program.modules {
        for item in &module.ast.items {
            let ast::Item::Policy(policy) = item else {
                continue;
            };
            for item in &policy.items {
                let PolicyItem::Message(message) = item else {
                    continue;
                };
                let is_sms = |c: &ast::Name| c.node == Channel::Sms.as_str();
                // The message's own template goes by SMS on its channel, a complement, or a
                // fallback without its own wording; a fallback's template by the fallback's.
                let sms = message.items.iter().any(|i| match &i.kind {
                    MessageItemKind::Via(c)
                    | MessageItemKind::Also { channel: c, .. }
                    | MessageItemKind::Fallback {
                        channel: c,
                        wording: None,
                        ..
                    } => is_sms(c),
                    _ => false,
                });
                for i in &message.items {
                    let sent = match &i.kind {
                        MessageItemKind::Template(t) if sms => t,
                        MessageItemKind::Fallback {
                            channel,
                            wording: Some(ast::Wording::Template(t)),
                            ..
                        } if is_sms(channel) => t,
                        _ => continue,
                    };
                    if let Some(f) = program.templates.get(&(module.file, sent.node.clone())) {
                        files.insert(*f);
                    }
                }
            }
        }
    }
    files
}

fn check(
    program: &Program,
    file: FileId,
    by_sms: bool,
    errors: &mut Vec<CheckError>,
) -> Option<Template> {
    let source = &program.file(file).text;
    let parsed: File = match toml::from_str(source) {
        Ok(parsed) => parsed,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            errors.push(CheckError::TemplateFile {
                problem: e.message().trim().to_string(),
                span: (span.start, span.end - span.start).into(),
            });
            return None;
        }
    };
    let before = errors.len();
    let name = |s: &Spanned<String>| {
        let span = s.span();
        Node::new(s.get_ref().clone(), ast::Span::new(span.start, span.end))
    };
    for (language, text) in parsed.text.iter().chain(&parsed.subject) {
        language_code(errors, language);
        text::check_placeholders(errors, &name(text), source);
        weekday_language(errors, language, text, source);
    }
    if by_sms {
        for text in parsed.text.values() {
            text::check_sms_length(errors, &name(text));
        }
    }
    let fallback = &parsed.fallback_language;
    if !parsed
        .text
        .keys()
        .any(|k| k.get_ref() == fallback.get_ref())
    {
        let have: Vec<String> = parsed
            .text
            .keys()
            .map(|k| format!("`{}`", k.get_ref()))
            .collect();
        errors.push(CheckError::TemplateLanguage {
            problem: format!("the fallback language `{}` has no text", fallback.get_ref()),
            help: format!(
                "add `{} = \"...\"` under `[text]`, or name one of {}",
                fallback.get_ref(),
                if have.is_empty() {
                    "the languages it will have".to_string()
                } else {
                    have.join(", ")
                }
            ),
            span: fallback.span().into(),
        });
    }
    if let Some(sender) = &parsed.sender {
        if let Some(problem) = super::sender_problem(sender.get_ref()) {
            errors.push(CheckError::BadSender {
                alias: sender.get_ref().clone(),
                problem,
                span: sender.span().into(),
            });
        }
    }
    if errors[before..].iter().any(|e| !super::is_warning(e)) {
        return None;
    }
    Some(Template {
        localized: Localized {
            fallback_language: fallback.get_ref().clone(),
            texts: parsed
                .text
                .into_iter()
                .map(|(k, v)| (k.into_inner(), v.into_inner()))
                .collect(),
        },
        sender: parsed.sender.map(Spanned::into_inner),
    })
}

/// W112: `{booking.weekday}` in a text whose language rem has no weekday names for.
fn weekday_language(
    errors: &mut Vec<CheckError>,
    language: &Spanned<String>,
    text: &Spanned<String>,
    source: &str,
) {
    if crate::engine::WEEKDAY_LANGUAGES.contains(&language.get_ref().as_str()) {
        return;
    }
    if let Some(at) = text.get_ref().find("{booking.weekday}") {
        // The placeholder's place in the file: after the opening quote, when the text
        // is written as it reads (no escapes before it).
        let start = text.span().start + 1 + at;
        let inside = source.get(start..start + 17) == Some("{booking.weekday}");
        errors.push(CheckError::WeekdayLanguage {
            language: language.get_ref().clone(),
            languages: crate::engine::WEEKDAY_LANGUAGES.join(", "),
            span: if inside {
                (start, 17).into()
            } else {
                (text.span().start, text.span().end - text.span().start).into()
            },
        });
    }
}

/// A language key must be an ISO 639-1 code: two lowercase letters.
fn language_code(errors: &mut Vec<CheckError>, language: &Spanned<String>) {
    let code = language.get_ref();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase()) {
        return;
    }
    errors.push(CheckError::TemplateLanguage {
        problem: format!("`{code}` is not a language code"),
        help: "write the ISO 639-1 code of the language in two lowercase letters: `sv`, `en`, `it`, `da`".to_string(),
        span: language.span().into(),
    });
}
