//! The workbench's answers (`rem serve`): the policies as the page has them, checked and
//! evaluated against the feed the server was started with. Each answer is the command line's
//! for the same input: the check is `rem check --format json`'s, the evaluation `rem eval
//! --explain`'s lines, the gaps `rem gaps --output json`'s, the diff `rem diff --output json`'s.
//!
//! Pure: the feed is read and the files are written by `src/cli/serve.rs`; here the policies
//! are texts by path, and the time is an argument.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::Timelike as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::booking::Booking;
use crate::engine::{Engine, Mode, Options, Outcome};
use crate::events::EventIndex;
use crate::feed::services::Services;
use crate::gaps::Gaps;
use crate::output::{ActionWriter, OutputFormat};
use crate::recalls::{Booked, due_list};
use crate::report;
use crate::{Compiled, diff};

/// The feed and the policies the server was started with.
pub struct Workbench {
    /// The policy files named on the command line, which the page may edit and save.
    pub editable: Vec<PathBuf>,
    /// The text of every file the policies read (the editable ones as saved), by path.
    pub saved: BTreeMap<PathBuf, String>,
    pub bookings: Vec<Booking<'static>>,
    /// Rows of the feed rejected before evaluation.
    pub rejected: u64,
    /// The services feed (R8), when the server was started with one.
    pub services: Option<Services>,
    pub events: EventIndex,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Which bookings the page shows: those of a unit and exam, with an action on a channel and of
/// a message (each when given), in the feed's order or by visit, `limit` of them from the
/// `offset`th on (all when no limit).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Query {
    pub unit: Option<String>,
    pub exam: Option<String>,
    pub channel: Option<String>,
    pub message: Option<String>,
    pub order: Order,
    pub offset: usize,
    pub limit: Option<usize>,
}

/// The order of the bookings on the page.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// As in the feed, then the recall records as in the services feed: `rem eval`'s order.
    #[default]
    Feed,
    /// By the visit's time; the recall records after the bookings.
    Visit,
}

/// The whole feed at a glance: each filter's values, and the messages going out per day and
/// hour by channel.
struct Overview {
    facets: BTreeMap<&'static str, BTreeSet<String>>,
    days: BTreeMap<String, Vec<BTreeMap<&'static str, u64>>>,
}

impl Overview {
    /// Every filter, with no values yet.
    fn new() -> Overview {
        Overview {
            facets: ["unit", "exam", "channel", "message"]
                .into_iter()
                .map(|f| (f, BTreeSet::new()))
                .collect(),
            days: BTreeMap::new(),
        }
    }

    /// A value of a filter, kept once.
    fn note(&mut self, facet: &'static str, value: &str) {
        let values = self.facets.entry(facet).or_default();
        if !values.contains(value) {
            values.insert(value.to_string());
        }
    }

    /// Counts the booking's actions in; whether `query` chooses the booking.
    fn add(
        &mut self,
        engine: &Engine,
        booking: &Booking<'_>,
        outcomes: &[Outcome],
        query: &Query,
    ) -> bool {
        self.note("unit", &booking.unit);
        self.note("exam", &booking.exam);
        let mut any = false;
        for outcome in outcomes {
            let Outcome::Action(a) = outcome else {
                continue;
            };
            let channel = a.channel.as_str();
            let message = &engine.policy(a.policy).messages[a.message].name;
            self.note("channel", channel);
            self.note("message", message);
            let hours = self
                .days
                .entry(a.send_at.date_naive().to_string())
                .or_insert_with(|| vec![BTreeMap::new(); 24]);
            *hours[a.send_at.hour() as usize].entry(channel).or_default() += 1;
            any |= query.channel.as_deref().is_none_or(|c| c == channel)
                && query.message.as_deref().is_none_or(|m| m == message);
        }
        let wanted = query.channel.is_some() || query.message.is_some();
        query
            .unit
            .as_deref()
            .is_none_or(|u| u == booking.unit.as_ref())
            && query
                .exam
                .as_deref()
                .is_none_or(|e| e == booking.exam.as_ref())
            && (!wanted || any)
    }
}

/// A booking and `rem eval --explain`'s lines for its outcomes.
fn booking_json(
    engine: &Engine,
    booking: &Booking<'_>,
    outcomes: &[Outcome],
) -> Result<Value, Refusal> {
    let mut writer = ActionWriter::continuing(Vec::new(), OutputFormat::Jsonl, true);
    for outcome in outcomes {
        writer
            .write(engine, booking, outcome)
            .map_err(|e| refuse(e.to_string()))?;
    }
    let written = writer.finish().map_err(|e| refuse(e.to_string()))?;
    let lines: Vec<Value> = String::from_utf8_lossy(&written)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    Ok(json!({
        "booking_id": booking.id,
        "clinic": booking.clinic,
        "unit": booking.unit,
        "exam": booking.exam,
        "status": booking.status.as_str(),
        "start": booking.start.to_rfc3339(),
        "lines": lines,
    }))
}

/// An answer the page cannot use: the policies have errors, or no such booking.
#[derive(Debug, Serialize)]
pub struct Refusal {
    pub error: String,
}

fn refuse(error: impl Into<String>) -> Refusal {
    Refusal {
        error: error.into(),
    }
}

impl Workbench {
    fn options(&self) -> Options {
        Options {
            now: self.now,
            since: None,
            mode: Mode::Forecast,
        }
    }

    /// The editable files compiled with the texts of `edited` over the saved ones.
    pub fn compile(&self, edited: &BTreeMap<PathBuf, String>) -> Compiled {
        crate::compile(&self.editable, |path: &Path| {
            edited
                .get(path)
                .or_else(|| self.saved.get(path))
                .map(|text| text.clone().into_bytes())
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        })
    }

    fn engine(&self, edited: &BTreeMap<PathBuf, String>) -> Result<Engine, Refusal> {
        self.engine_and_program(edited).map(|(engine, _)| engine)
    }

    /// The engine of the policies as edited, and the files it was compiled from; refused
    /// while they have errors.
    fn engine_and_program(
        &self,
        edited: &BTreeMap<PathBuf, String>,
    ) -> Result<(Engine, crate::source::Program), Refusal> {
        let compiled = self.compile(edited);
        if compiled.has_errors() {
            return Err(refuse("the policies have errors; fix them first"));
        }
        let engine = Engine::new(compiled.plan).map_err(|e| refuse(e.to_string()))?;
        Ok((engine, compiled.program))
    }

    /// `rem check --format json`.
    pub fn check(&self, edited: &BTreeMap<PathBuf, String>) -> Value {
        let compiled = self.compile(edited);
        let text = crate::diagnostic::render::json(
            &compiled.diagnostics,
            &compiled.silenced,
            &compiled.program,
        );
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// The bookings of the feed that may book a recall's service (R8).
    fn booked(&self, engine: &Engine) -> Booked {
        let mut booked = Booked::new(engine);
        for booking in &self.bookings {
            booked.note(booking);
        }
        booked
    }

    /// The services feed's records, each marked booked when the booking feed has a visit for
    /// it (R8); none without a services feed.
    fn recalls(&self, engine: &Engine) -> Vec<Booking<'static>> {
        let Some(Services { records, .. }) = &self.services else {
            return Vec::new();
        };
        self.booked(engine).marked(engine, records).collect()
    }

    /// A page of the bookings that `query` selects, each with `rem eval --explain`'s lines for
    /// it (what it gets and what not, why); with the numbers of bookings, the values to filter
    /// on, and the messages going out per day and hour by channel, of the whole feed.
    pub fn evaluate(
        &self,
        edited: &BTreeMap<PathBuf, String>,
        query: &Query,
    ) -> Result<Value, Refusal> {
        let engine = self.engine(edited)?;
        let recalls = self.recalls(&engine);
        let all: Vec<&Booking<'static>> = self.bookings.iter().chain(&recalls).collect();
        let (options, mut outcomes) = (self.options(), Vec::new());
        let mut overview = Overview::new();
        let mut chosen = Vec::new();
        for (i, booking) in all.iter().enumerate() {
            outcomes.clear();
            engine.evaluate(booking, &self.events, &options, &mut outcomes);
            if overview.add(&engine, booking, &outcomes, query) {
                chosen.push(i);
            }
        }
        if query.order == Order::Visit {
            // The bookings by their visits; the recall records (services performed) after them.
            chosen.sort_by_key(|&i| (all[i].recall.is_some(), all[i].start, i));
        }
        let page = chosen
            .iter()
            .skip(query.offset)
            .take(query.limit.unwrap_or(usize::MAX))
            .map(|&i| {
                outcomes.clear();
                engine.evaluate(all[i], &self.events, &options, &mut outcomes);
                booking_json(&engine, all[i], &outcomes)
            })
            .collect::<Result<Vec<Value>, Refusal>>()?;
        Ok(json!({
            "rejected": self.rejected,
            "total": all.len(),
            "matching": chosen.len(),
            "offset": query.offset,
            "bookings": page,
            "facets": overview.facets,
            "days": overview.days,
        }))
    }

    /// Why one booking gets what it gets: `rem explain`'s text, and its steps (each title with
    /// the policy lines behind it: file, line, column and byte range) for the page to point at.
    pub fn explain(
        &self,
        edited: &BTreeMap<PathBuf, String>,
        booking_id: &str,
    ) -> Result<Value, Refusal> {
        let (engine, program) = self.engine_and_program(edited)?;
        let recalls = self.recalls(&engine);
        let booking = self
            .bookings
            .iter()
            .chain(&recalls)
            .find(|b| b.id == booking_id)
            .ok_or_else(|| refuse(format!("no booking `{booking_id}` in the feed")))?;
        let options = self.options();
        let mut outcomes = Vec::new();
        engine.evaluate(booking, &self.events, &options, &mut outcomes);
        let steps: Vec<Value> = outcomes
            .iter()
            .map(|outcome| {
                let places: Vec<Value> = engine
                    .responsible(outcome)
                    .into_iter()
                    .map(|(source, label)| json!({"source": source, "label": label}))
                    .collect();
                json!({
                    "sent": matches!(outcome, Outcome::Action(_)),
                    "title": crate::explain::title(&engine, booking, outcome),
                    "places": places,
                })
            })
            .collect();
        let source_text = |file: &str| {
            program
                .files
                .iter()
                .find(|f| f.path == file)
                .map(|f| f.text.clone())
        };
        let text = crate::explain::text(&engine, booking, &self.events, &options, &source_text);
        Ok(json!({ "booking_id": booking.id, "text": text, "steps": steps }))
    }

    /// `rem gaps --output json`.
    pub fn gaps(&self, edited: &BTreeMap<PathBuf, String>) -> Result<Gaps, Refusal> {
        let engine = self.engine(edited)?;
        let (options, mut outcomes) = (self.options(), Vec::new());
        let mut gaps = Gaps::default();
        for _ in 0..self.rejected {
            gaps.reject();
        }
        for booking in &self.bookings {
            outcomes.clear();
            engine.evaluate(booking, &self.events, &options, &mut outcomes);
            gaps.add(&engine, booking, &outcomes);
        }
        Ok(gaps.finish())
    }

    /// `rem diff --output json` of the saved policies against the edited ones.
    pub fn diff(&self, edited: &BTreeMap<PathBuf, String>) -> Result<Value, Refusal> {
        let old = self.engine(&BTreeMap::new())?;
        let new = self.engine(edited)?;
        let options = self.options();
        let mut summary = diff::Summary::default();
        let mut changes = Vec::new();
        for booking in &self.bookings {
            let found = diff::compare(&old, &new, booking, &self.events, &options);
            summary.add(&found);
            changes.extend(found);
        }
        Ok(json!({
            "bookings_read": summary.bookings_read,
            "bookings_changed": summary.bookings_changed,
            "rows_rejected": self.rejected,
            "summary": summary.lines(),
            "changes": changes,
        }))
    }

    /// `rem due --output json`: every patient's services due, with their status and colour
    /// (R9), only those of the `status` words given (`overdue`, `due_soon`, `later`, `booked`:
    /// `--status`) if any; refused without a services feed or a recall.
    pub fn due(
        &self,
        edited: &BTreeMap<PathBuf, String>,
        status: &[String],
    ) -> Result<Value, Refusal> {
        let engine = self.engine(edited)?;
        let Some(Services { records, .. }) = &self.services else {
            return Err(refuse(
                "no services feed: start `rem serve` with `--services FILE` to see the recalls due",
            ));
        };
        if !engine.plan().policies.iter().any(|p| p.recall.is_some()) {
            return Err(refuse(
                "the policies have no `recall`: write one (docs/language.md, \"Recalls\") to list what is due",
            ));
        }
        let (mut lines, _) = due_list(&engine, &self.booked(&engine), records, self.now);
        lines.retain(|l| status.is_empty() || status.iter().any(|s| s == l.status.word()));
        let list = report::due::report(&engine, lines, self.now);
        Ok(report::json_value(&list))
    }

    /// `rem tasks --output json`: the staff's tasks of the bookings and recalls, per unit, in
    /// the `range` of days (from the day of `now` unless it says otherwise) and units (R10).
    pub fn tasks(
        &self,
        edited: &BTreeMap<PathBuf, String>,
        range: &report::tasks::Range,
    ) -> Result<Value, Refusal> {
        let engine = self.engine(edited)?;
        let recalls = self.recalls(&engine);
        let (options, mut outcomes, mut tasks) = (self.options(), Vec::new(), Vec::new());
        for booking in self.bookings.iter().chain(&recalls) {
            outcomes.clear();
            engine.evaluate(booking, &self.events, &options, &mut outcomes);
            tasks.extend(report::tasks::tasks_of(&engine, booking, &outcomes));
        }
        let list = report::tasks::report(tasks, &engine, self.now, range);
        Ok(report::json_value(&list))
    }
}
