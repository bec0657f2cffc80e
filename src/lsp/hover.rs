//! What the word under the cursor means, from the vocabulary the checker uses: fields, with
//! their type and the feed columns they are read from; statements and keywords; message kinds,
//! channels, recipients and enum values; time zones; placeholders. On a `send` line, when the
//! file compiles, the times the message would go out for an example visit, as the engine
//! computes them (windows, late bookings and the clocks' changes included).

use chrono::{Datelike, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;

use super::context;
use crate::Compiled;
use crate::engine::{Engine, Mode, Options, Origin, Outcome};
use crate::feed::{Column, RawBooking};
use crate::plan::{self, When};
use crate::schema::statements;
use crate::schema::{
    Channel, FIELDS, MessageKind, Outcome as Awaited, PLACEHOLDERS, Recipient, Type,
};

/// The example visit of a `send` line's hover: Monday 30 March 2026 at 09:30, local time. The
/// clocks of most of Europe went forward the day before, so a day-before reminder shows it.
pub const EXAMPLE_VISIT: (i32, u32, u32, u32, u32) = (2026, 3, 30, 9, 30);

/// The hover text (Markdown) at byte `offset` of `text`; `compiled` is the file compiled, when
/// it compiled, with `path` its name among the program's files.
pub fn hover(text: &str, offset: usize, compiled: Option<(&Compiled, &str)>) -> Option<String> {
    let context = context::at(text, offset);
    if let Some(s) = &context.string {
        return in_string(s, offset);
    }
    let (word, _) = context.word?;
    let meaning = meaning(word);
    // Anywhere on a `send` line (`4 days before` has no word of its own to explain): the
    // times for the example visit.
    let on_send = word == "send" || context.before.trim_start().starts_with("send ");
    let times = if on_send {
        compiled.and_then(|(c, path)| send_times(c, path, text, offset))
    } else {
        None
    };
    match (meaning, times) {
        (Some(m), Some(t)) => Some(format!("{m}\n\n{t}")),
        (m, t) => m.or(t),
    }
}

/// A time zone's offsets, or a placeholder's meaning.
fn in_string(s: &context::InString<'_>, offset: usize) -> Option<String> {
    if s.after == Some("timezone") {
        let zone: Tz = s.text.parse().ok()?;
        let at = |month| {
            zone.with_ymd_and_hms(EXAMPLE_VISIT.0, month, 15, 12, 0, 0)
                .single()
                .map(|t| t.format("%:z").to_string())
        };
        let (winter, summer) = (at(1)?, at(7)?);
        let offsets = if winter == summer {
            format!("UTC{winter} all year")
        } else {
            format!(
                "UTC{winter} in January, UTC{summer} in July ({})",
                EXAMPLE_VISIT.0
            )
        };
        return Some(format!(
            "**time zone** `{}`\n\n{offsets}. Times of day and dates of the policy are in this zone; the clocks' changes are followed.",
            s.text
        ));
    }
    // A placeholder: the `{...}` around the cursor.
    let at = offset.checked_sub(s.start + 1)?;
    let open = s.text[..at.min(s.text.len())].rfind('{')?;
    let close = open + s.text[open..].find('}')?;
    if at > close {
        return None;
    }
    let name = &s.text[open + 1..close];
    let (_, width, doc) = PLACEHOLDERS.iter().find(|(p, _, _)| *p == name)?;
    Some(format!(
        "**placeholder** `{{{name}}}`\n\n{doc}. Counted as {width} characters in an SMS's length."
    ))
}

/// What a word of the language means, in Markdown.
fn meaning(word: &str) -> Option<String> {
    if let Some(field) = FIELDS.iter().find(|f| f.path == word) {
        let columns: Vec<String> = field
            .columns
            .iter()
            .map(|c| format!("`{}`", c.name()))
            .collect();
        let from = if columns.is_empty() {
            String::new()
        } else {
            format!("\n\nRead from the feed's {}.", columns.join(", "))
        };
        return Some(format!(
            "**{}** · {}\n\n{}{from}",
            field.path,
            field.ty.describe(),
            field.doc
        ));
    }
    if let Some(kind) = MessageKind::parse(word) {
        return Some(format!("**message kind** `{word}`\n\n{}", kind.doc()));
    }
    if let Some(channel) = Channel::parse(word) {
        return Some(format!("**channel** `{word}`\n\n{}", channel.doc()));
    }
    if let Some(recipient) = Recipient::parse(word) {
        return Some(format!("**recipient** `{word}`\n\n{}", recipient.doc()));
    }
    if let Some(row) = statements::word(word) {
        let what = if row.blocks.is_empty() {
            "keyword"
        } else {
            "statement"
        };
        let places: Vec<&str> = row.blocks.iter().map(|b| b.describe()).collect();
        let place = if places.is_empty() {
            String::new()
        } else {
            format!("\n\nWritten in {}.", places.join(", "))
        };
        return Some(format!(
            "**{what}** `{}`\n\n```rem\n{}\n```\n\n{}{place}",
            row.word, row.form, row.doc
        ));
    }
    if Awaited::parse(word).is_some() {
        return None;
    }
    enum_value(word)
}

/// A value of an enumerated field: which fields take it.
fn enum_value(word: &str) -> Option<String> {
    let fields: Vec<_> = FIELDS
        .iter()
        .filter(|f| matches!(f.ty, Type::Enum(e) if e.values().contains(&word)))
        .collect();
    if fields.is_empty() {
        return None;
    }
    let names: Vec<String> = fields.iter().map(|f| format!("`{}`", f.path)).collect();
    let docs: Vec<&str> = fields.iter().map(|f| f.doc).collect();
    Some(format!(
        "**value** `{word}` of {}\n\n{}",
        names.join(", "),
        docs.join("\n\n")
    ))
}

/// The send times of the message whose `send` line holds `offset`, for the example visit.
fn send_times(compiled: &Compiled, path: &str, text: &str, offset: usize) -> Option<String> {
    let (policy, m) = compiled.plan.policies.iter().find_map(|p| {
        p.messages
            .iter()
            .position(|m| {
                m.source.file == path && m.source.start <= offset && offset < m.source.end
            })
            .map(|m| (p, m))
    })?;
    let message = &policy.messages[m];
    let tz = policy.timezone;
    let (y, mo, d, h, mi) = EXAMPLE_VISIT;
    let visit = tz
        .from_local_datetime(&NaiveDate::from_ymd_opt(y, mo, d)?.and_hms_opt(h, mi, 0)?)
        .single()?;
    let created = visit - chrono::Duration::days(90);
    let single = plan::Plan {
        policies: vec![policy.clone()],
        ..compiled.plan.clone()
    };
    let mut raw = RawBooking::default();
    for (column, value) in crate::testing::default_booking(&single) {
        raw.set(column, value);
    }
    for (column, value) in [
        (Column::Start, visit.fixed_offset().to_rfc3339()),
        (Column::Created, created.fixed_offset().to_rfc3339()),
        (Column::Email, "patient@example.org".to_string()),
        (Column::ConsentEmail, "true".to_string()),
        (Column::InboxAccount, "true".to_string()),
        (Column::InboxNotifications, "true".to_string()),
    ] {
        raw.set(column, value);
    }
    let booking = raw.validate().ok()?;
    let engine = Engine::new(single).ok()?;
    let mut out = Vec::new();
    let options = Options {
        now: created.to_utc(),
        since: None,
        mode: Mode::Forecast,
    };
    engine.evaluate(
        &booking,
        &crate::events::EventIndex::default(),
        &options,
        &mut out,
    );
    let mut lines = Vec::new();
    for (t, trigger) in message.triggers.iter().enumerate() {
        let when = match &trigger.when {
            When::Before { .. } | When::After { .. } | When::Every { .. } => out
                .iter()
                .filter_map(|o| match o {
                    Outcome::Action(a) if a.message == m && a.origin == Origin::Trigger(t) => {
                        Some(local(a.send_at.with_timezone(&tz)))
                    }
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join(", "),
            When::AtBooking => "when the booking is made".to_string(),
            _ => "when the event arrives".to_string(),
        };
        if !when.is_empty() {
            let written = text
                .get(trigger.source.start..trigger.source.end)
                .unwrap_or_default();
            lines.push(format!("- `{written}`: {when}"));
        }
    }
    if lines.is_empty() {
        return None;
    }
    Some(format!(
        "For a visit on {} (booked 90 days before):\n{}",
        local(visit),
        lines.join("\n")
    ))
}

/// `Sunday 29 March 10:00`.
fn local(at: chrono::DateTime<Tz>) -> String {
    format!(
        "{} {} {} {:02}:{:02}",
        at.format("%A"),
        at.day(),
        at.format("%B"),
        at.hour(),
        at.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_channels_and_statements_have_a_meaning() {
        let h = meaning("patient.age").unwrap_or_default();
        assert!(h.contains("a number") && h.contains("`birth_date`"), "{h}");
        assert!(meaning("sms").unwrap_or_default().contains("SMS consent"));
        assert!(
            meaning("fallback")
                .unwrap_or_default()
                .contains("with template")
        );
        assert!(
            meaning("quick_book")
                .unwrap_or_default()
                .contains("`booking.source`")
        );
        assert_eq!(meaning("nonsense"), None);
    }
}
