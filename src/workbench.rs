//! The workbench's answers (`rem serve`): the policies as the page has them, checked and
//! evaluated against the feed the server was started with. Each answer is the command line's
//! for the same input: the check is `rem check --format json`'s, the evaluation `rem eval
//! --explain`'s lines, the gaps `rem gaps --output json`'s, the diff `rem diff --output json`'s.
//!
//! Pure: the feed is read and the files are written by `src/cli/serve.rs`; here the policies
//! are texts by path, and the time is an argument.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Value, json};

use crate::booking::Booking;
use crate::engine::{Engine, Mode, Options, Outcome};
use crate::events::EventIndex;
use crate::gaps::Gaps;
use crate::output::{ActionWriter, OutputFormat};
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
    pub events: EventIndex,
    pub now: chrono::DateTime<chrono::Utc>,
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

    /// Each booking with `rem eval --explain`'s lines for it: what it gets and what not, why.
    pub fn evaluate(&self, edited: &BTreeMap<PathBuf, String>) -> Result<Value, Refusal> {
        let engine = self.engine(edited)?;
        let (options, mut outcomes) = (self.options(), Vec::new());
        let mut bookings = Vec::with_capacity(self.bookings.len());
        for booking in &self.bookings {
            outcomes.clear();
            engine.evaluate(booking, &self.events, &options, &mut outcomes);
            let mut writer = ActionWriter::continuing(Vec::new(), OutputFormat::Jsonl, true);
            for outcome in &outcomes {
                writer
                    .write(&engine, booking, outcome)
                    .map_err(|e| refuse(e.to_string()))?;
            }
            let written = writer.finish().map_err(|e| refuse(e.to_string()))?;
            let lines: Vec<Value> = String::from_utf8_lossy(&written)
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            bookings.push(json!({
                "booking_id": booking.id,
                "clinic": booking.clinic,
                "unit": booking.unit,
                "exam": booking.exam,
                "status": booking.status.as_str(),
                "start": booking.start.to_rfc3339(),
                "lines": lines,
            }));
        }
        Ok(json!({ "rejected": self.rejected, "bookings": bookings }))
    }

    /// Why one booking gets what it gets: `rem explain`'s text, and its steps (each title with
    /// the policy lines behind it: file, line, column and byte range) for the page to point at.
    pub fn explain(
        &self,
        edited: &BTreeMap<PathBuf, String>,
        booking_id: &str,
    ) -> Result<Value, Refusal> {
        let (engine, program) = self.engine_and_program(edited)?;
        let booking = self
            .bookings
            .iter()
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
}
