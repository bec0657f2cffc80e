//! The staff's task list (`rem tasks`, R10): every `via task` action of the evaluated bookings
//! and recalls, a section per unit, by day and time.

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};

use super::{Report, Row, Section};
use crate::booking::Booking;
use crate::engine::{Action, Engine, Outcome};
use crate::schema::Channel;

/// One task as listed: where, when, and what to do.
#[derive(Debug, Clone)]
pub struct Task {
    pub unit: String,
    pub at: DateTime<FixedOffset>,
    pub booking: String,
    pub policy: String,
    pub message: String,
    pub text: String,
}

/// The days and units a list is for.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Range {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only these units; all when empty.
    pub units: Vec<String>,
}

/// The booking's tasks among its evaluated outcomes.
pub fn tasks_of<'a>(
    engine: &'a Engine,
    booking: &'a Booking<'_>,
    outcomes: &'a [Outcome],
) -> impl Iterator<Item = Task> + 'a {
    outcomes.iter().filter_map(move |outcome| match outcome {
        Outcome::Action(a) if a.channel == Channel::Task => Some(task_of(engine, booking, a)),
        _ => None,
    })
}

fn task_of(engine: &Engine, booking: &Booking<'_>, a: &Action) -> Task {
    let policy = engine.policy(a.policy);
    Task {
        unit: booking.unit.to_string(),
        at: a.send_at,
        booking: booking.id.to_string(),
        policy: policy.name.clone(),
        message: policy.messages[a.message].name.clone(),
        text: a.text.clone().unwrap_or_default(),
    }
}

/// The zone of the plan's first policy: the clinic's calendar for `--from` and the subtitle.
pub fn first_zone(engine: &Engine) -> chrono_tz::Tz {
    engine
        .plan()
        .policies
        .first()
        .map_or(chrono_tz::UTC, |p| p.timezone)
}

/// The list of the `tasks` in `range` (from the day of `now` unless it says otherwise): a
/// section per unit; in each, the tasks by day and time.
pub fn report(mut tasks: Vec<Task>, engine: &Engine, now: DateTime<Utc>, range: &Range) -> Report {
    let from = range
        .from
        .unwrap_or_else(|| now.with_timezone(&first_zone(engine)).date_naive());
    tasks.retain(|t| {
        let day = t.at.date_naive();
        day >= from
            && range.to.is_none_or(|to| day <= to)
            && (range.units.is_empty() || range.units.contains(&t.unit))
    });
    tasks.sort_by(|a, b| (&a.unit, a.at, &a.booking).cmp(&(&b.unit, b.at, &b.booking)));
    let mut sections: Vec<Section> = Vec::new();
    for task in tasks {
        let heading = format!("Unit {}", task.unit);
        if sections.last().is_none_or(|s| s.heading != heading) {
            sections.push(Section {
                heading,
                rows: Vec::new(),
            });
        }
        let row = Row {
            cells: vec![
                task.at.date_naive().to_string(),
                task.at.format("%H:%M").to_string(),
                task.booking,
                task.message,
                task.text,
                task.policy,
            ],
            status: None,
        };
        if let Some(section) = sections.last_mut() {
            section.rows.push(row);
        }
    }
    let days = match range.to {
        Some(to) => format!("from {from} to {to}"),
        None => format!("from {from}"),
    };
    Report {
        title: "Staff tasks".to_string(),
        subtitle: vec![format!(
            "Tasks {days}, as planned at {}.",
            now.with_timezone(&first_zone(engine))
                .to_rfc3339_opts(SecondsFormat::Secs, true)
        )],
        columns: vec!["day", "time", "booking", "task", "what to do", "policy"],
        sections,
        empty: "No staff task in these days.",
    }
}
