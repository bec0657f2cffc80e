//! Checking a recall's own statements (R8, R9): `due ... after "SERVICE"`, `booked_by` and
//! `due_soon`, each written once; a recall's scope is its service.

use std::collections::BTreeMap;

use crate::ast::{self, DurationUnit, Span};
use crate::plan::{self, Interval, MAX_OFFSET_DAYS};
use crate::source::SourceFile;

use super::CheckError;

/// The default band of "due soon" on the staff list: 30 days, as in the source (R9).
pub const DEFAULT_DUE_SOON_DAYS: u64 = 30;

/// What a recall's statements said, as they are read.
#[derive(Default)]
pub(super) struct Parts {
    due: Option<(Interval, String, Span)>,
    booked_by: Option<Vec<String>>,
    due_soon: Option<u64>,
    /// Where each statement was first written.
    seen: BTreeMap<&'static str, Span>,
}

impl Parts {
    fn once(&mut self, errors: &mut Vec<CheckError>, statement: &'static str, span: Span) -> bool {
        if let Some(first) = self.seen.insert(statement, span) {
            self.seen.insert(statement, first);
            errors.push(CheckError::DuplicateSetting {
                setting: statement.to_string(),
                span: span.into(),
                first: first.into(),
            });
            return false;
        }
        true
    }

    pub fn due(
        &mut self,
        errors: &mut Vec<CheckError>,
        interval: &ast::Spanned<ast::Duration>,
        service: &ast::Name,
        span: Span,
    ) {
        if !self.once(errors, "due", span) {
            return;
        }
        let d = interval.node;
        let lowered = match d.unit {
            DurationUnit::Minutes | DurationUnit::Hours => None,
            DurationUnit::Days => Some(Interval::Days(d.value)),
            DurationUnit::Weeks => Some(Interval::Days(d.value.saturating_mul(7))),
            DurationUnit::Months => Some(Interval::Months(d.value)),
            DurationUnit::Years => Some(Interval::Months(d.value.saturating_mul(12))),
        };
        let days = match lowered {
            Some(Interval::Days(n)) => n,
            Some(Interval::Months(n)) => n.saturating_mul(31),
            None => 0,
        };
        if lowered.is_none() || d.value == 0 || days > MAX_OFFSET_DAYS {
            errors.push(CheckError::BadRepetition {
                problem: format!("`due {d} after`: a service is due again days, weeks, months or years after it was performed"),
                help: "write e.g. `due 1 year after \"rabies-vaccine\"` or `due 4 weeks after \"inr\"`, at most ten years",
                span: interval.span.into(),
            });
            return;
        }
        if service.node.trim().is_empty() {
            errors.push(CheckError::BadRepetition {
                problem: "the service has no name".to_string(),
                help: "name the service as the services feed does, e.g. `\"rabies-vaccine\"`",
                span: service.span.into(),
            });
            return;
        }
        if let Some(interval) = lowered {
            self.due = Some((interval, service.node.clone(), span));
        }
    }

    pub fn booked_by(&mut self, errors: &mut Vec<CheckError>, exams: &[ast::Name], span: Span) {
        if self.once(errors, "booked_by", span) {
            self.booked_by = Some(exams.iter().map(|e| e.node.clone()).collect());
        }
    }

    pub fn due_soon(
        &mut self,
        errors: &mut Vec<CheckError>,
        days: &ast::Spanned<ast::Duration>,
        span: Span,
    ) {
        if !self.once(errors, "due_soon", span) {
            return;
        }
        let d = days.node;
        if d.unit.is_calendar() || d.unit < DurationUnit::Days || d.value == 0 {
            errors.push(CheckError::BadRepetition {
                problem: format!("`due_soon {d}`: the band before the due date is days or weeks"),
                help: "write e.g. `due_soon 30 days`: a service due within that many days is shown in yellow",
                span: days.span.into(),
            });
            return;
        }
        self.due_soon = Some(super::message::offset(d).days());
    }

    /// The plan's recall of a `recall` block, with its scope narrowed to its service; reports a
    /// recall without `due`, and recall statements or `exams` where they do not belong.
    pub fn finish(
        self,
        errors: &mut Vec<CheckError>,
        policy: &ast::Policy,
        scope: &mut plan::Scope,
        seen_scope: &BTreeMap<&'static str, Span>,
        source: &SourceFile,
    ) -> Option<plan::Recall> {
        if !policy.recall {
            for (statement, span) in &self.seen {
                errors.push(CheckError::OnlyInRecall {
                    what: format!("`{statement}`"),
                    help: "write it in a `recall` block",
                    span: (*span).into(),
                });
            }
            return None;
        }
        if let Some(span) = seen_scope.get("exams") {
            errors.push(CheckError::NotInRecall {
                what: "`exams`".to_string(),
                help: "a recall is about its service (`due ... after \"SERVICE\"`); to say which bookings book it, write `booked_by \"EXAM\"`",
                span: (*span).into(),
            });
        }
        let Some((interval, service, span)) = self.due else {
            if !self.seen.contains_key("due") {
                errors.push(CheckError::RecallWithoutDue {
                    recall: policy.name.node.clone(),
                    span: policy.name.span.into(),
                });
            }
            return None;
        };
        scope.exams = Some(vec![service.clone()]);
        let booked_by = self.booked_by.unwrap_or_else(|| vec![service.clone()]);
        Some(plan::Recall {
            service,
            interval,
            booked_by,
            due_soon_days: self.due_soon.unwrap_or(DEFAULT_DUE_SOON_DAYS),
            source: source.location(span),
        })
    }
}
