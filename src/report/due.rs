//! The list of services due (`rem due`, R9): a section for each clinic and unit, past due first,
//! then by due date; each row's status in words and in its colour.

use chrono::{DateTime, SecondsFormat, Utc};

use super::{Report, Row, Section, Status};
use crate::engine::Engine;
use crate::recalls::DueLine;

/// The list of `lines` as of `now`.
pub fn report(engine: &Engine, mut lines: Vec<DueLine>, now: DateTime<Utc>) -> Report {
    lines.sort_by(|a, b| {
        (
            &a.clinic,
            &a.unit,
            a.status,
            a.due,
            &a.patient_id,
            &a.service,
        )
            .cmp(&(
                &b.clinic,
                &b.unit,
                b.status,
                b.due,
                &b.patient_id,
                &b.service,
            ))
    });
    let mut sections: Vec<Section> = Vec::new();
    for line in lines {
        let heading = format!("{} / {}", line.clinic, line.unit);
        if sections.last().is_none_or(|s| s.heading != heading) {
            sections.push(Section {
                heading,
                rows: Vec::new(),
            });
        }
        let row = row_of(engine, &line);
        if let Some(section) = sections.last_mut() {
            section.rows.push(row);
        }
    }
    Report {
        title: "Services due".to_string(),
        subtitle: vec![
            format!(
                "As of {} (due soon: within each recall's `due_soon` days, 30 unless it says otherwise).",
                local(engine, now)
            ),
            "Status: past due (red), due soon (yellow), due later (black), booked (grey)."
                .to_string(),
        ],
        columns: vec![
            "patient",
            "service",
            "recall",
            "last performed",
            "due",
            "days",
        ],
        sections,
        empty: "No service is due: the services feed has none that a recall covers.",
    }
}

/// `now` in the zone of the first recall, as the clinic reads its clock.
fn local(engine: &Engine, now: DateTime<Utc>) -> String {
    let tz = engine
        .plan()
        .policies
        .iter()
        .find(|p| p.recall.is_some())
        .map_or(chrono_tz::UTC, |p| p.timezone);
    now.with_timezone(&tz)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn row_of(engine: &Engine, line: &DueLine) -> Row {
    let days = match line.days_left {
        0 => "today".to_string(),
        1 => "in 1 day".to_string(),
        -1 => "1 day ago".to_string(),
        d if d > 0 => format!("in {d} days"),
        d => format!("{} days ago", -d),
    };
    Row {
        cells: vec![
            line.patient_id.clone(),
            line.service.clone(),
            engine.policy(line.policy).name.clone(),
            line.performed.date_naive().to_string(),
            line.due.date_naive().to_string(),
            days,
        ],
        status: Some(Status {
            label: line.status.label(),
            colour: line.status.colour(),
        }),
    }
}
