//! One policy → its functions: `$scope.N` (rules 1–2: does the policy cover the booking) and
//! `$policy.N` (rules 2–9: settings of the unit, exclusions, precedence, status, send times),
//! which hands each send time to the code of `sending.rs` (rules 10–12). The structure follows
//! `engine.rs` rule by rule, so each can be read beside its original.

use chrono::Timelike;

use super::BuildError;
use super::condition::{Conditions, Context};
use super::data::{Data, Str};
use super::emit::Wat;
use crate::engine::{Origin, PolicyId, Reason, Window, trigger_tag};
use crate::plan::{self, LateBooking, Offset, Plan, When};
use crate::schema::{EventKind, MessageKind, PatientStatus, Status, Who};
use crate::wasm::abi::{self, booking as b};

/// Where a message's send window comes from.
#[derive(Clone, Copy)]
pub(super) enum WindowOf {
    /// The message's own: constants.
    Message(Window),
    /// The unit's or the policy's: the locals `$win`, `$from`, `$until`, `$days`.
    Settings,
}

/// Where a message's rule for late bookings comes from.
#[derive(Clone, Copy)]
pub(super) enum LateOf {
    Message(LateBooking),
    /// The local `$late` (1: send now).
    Settings,
}

/// The skip written when generated code leaves a block because a rule says no.
pub(super) struct Leave {
    message: Option<usize>,
    origin: Option<Origin>,
    who: Option<Who>,
}

impl Leave {
    /// A skip of the whole message `m`.
    pub fn message(m: usize) -> Leave {
        Leave {
            message: Some(m),
            origin: None,
            who: None,
        }
    }

    /// A skip of one person's copy of message `m`, from one statement of it.
    pub fn of(m: usize, origin: Origin, who: Who) -> Leave {
        Leave {
            message: Some(m),
            origin: Some(origin),
            who: Some(who),
        }
    }
}

/// What the code of one policy needs while it is written.
pub(super) struct Gen<'a> {
    pub plan: &'a Plan,
    pub id: usize,
    pub policy: &'a plan::Policy,
    pub zone: u32,
    pub data: &'a mut Data,
    pub w: Wat,
    /// Inside the loop of `every`: the trigger's tag is `$tag`, made for each repetition.
    pub repeating: bool,
}

/// The locals of a policy's function; `sending.rs` uses them too.
const LOCALS: &str = "(local $visit i64) (local $local i64) (local $age i64) (local $minor i32) \
(local $minor_age i64) (local $win i32) (local $from i32) (local $until i32) (local $days i32) \
(local $late i32) (local $moved_at i64) (local $status_at i64) (local $created i64) \
(local $base i64) (local $send i64) (local $due i64) (local $deadline i64) (local $first i64) \
(local $klo i64) (local $khi i64) (local $also i32) (local $text i32) (local $text_len i32) (local $ftext i32) (local $ftext_len i32) \
(local $sender i32) (local $sender_len i32) (local $anchor i64) (local $k i32) (local $tag i32) \
(local $tag_len i32) (local $sent_now i32) (local $now_late i32)";

fn invalid(policy: &plan::Policy, problem: &str) -> BuildError {
    BuildError::Invalid(format!("policy `{}`: {problem}", policy.name))
}

fn seconds(t: chrono::NaiveTime) -> u32 {
    t.num_seconds_from_midnight()
}

impl Gen<'_> {
    pub fn conditions(&mut self) -> Conditions<'_> {
        Conditions { data: self.data }
    }

    /// A skip of this policy.
    pub fn skip(
        &mut self,
        message: Option<usize>,
        origin: Option<Origin>,
        who: Option<Who>,
        reason: Reason,
    ) {
        let (origin, trigger, complement) = origin_parts(origin);
        let (number, param) = abi::reason::encode(reason);
        self.w.line(format!(
            "(call $outcome.skip (i32.const {}) (i32.const {}) (i32.const {origin}) (i32.const {trigger}) (i32.const {complement}) (i32.const {}) (i32.const {number}) (i32.const {param}))",
            self.id,
            message.map_or(-1, index),
            who.map_or(255, |w| i32::from(w.index())),
        ));
    }

    /// `(if TEST (then SKIP (br LABEL)))`: leaves the block `label` when `test` holds, with a
    /// skip for `reason` when `leave` is given.
    pub fn leave_if(&mut self, test: &str, label: &str, leave: Option<&Leave>, reason: Reason) {
        self.w.open(format!("(if {test}"));
        self.w.open("(then");
        self.leave(label, leave, reason);
        self.w.close();
        self.w.close();
    }

    /// Leaves the block `label`, with a skip for `reason` when `leave` is given.
    pub fn leave(&mut self, label: &str, leave: Option<&Leave>, reason: Reason) {
        if let Some(l) = leave {
            self.skip(l.message, l.origin, l.who, reason);
        }
        self.w.line(format!("(br {label})"));
    }

    /// `$scope.N`: whether the policy covers the booking: its clinic is listed, and its unit,
    /// exam and kind where the policy lists them.
    pub fn scope(&mut self) {
        let scope = &self.policy.scope;
        self.w
            .open(format!("(func $scope.{} (result i32)", self.id));
        self.w.comment(format!("policy `{}`", self.policy.name));
        self.w
            .comment("recalls are for recall policies, bookings for the others");
        self.w.line(format!(
            "(if (i32.ne (call $core.byte (i32.const {})) (i32.const {})) (then (return (i32.const 0))))",
            b::RECALL,
            i32::from(self.policy.recall.is_some())
        ));
        self.listed(b::CLINIC, Some(&scope.clinics));
        self.listed(b::UNIT, scope.units.as_ref());
        self.listed(b::EXAM, scope.exams.as_ref());
        if let Some(kinds) = &scope.kinds {
            let mask = kinds.iter().fold(0u32, |m, k| m | 1 << k.index());
            self.w.line(format!(
                "(if (i32.eqz (i32.and (i32.const {mask}) (i32.shl (i32.const 1) (call $core.byte (i32.const {}))))) (then (return (i32.const 0))))",
                b::KIND
            ));
        }
        self.w.line("(i32.const 1)");
        self.w.close();
    }

    /// Returns 0 unless the booking's string `field` is one of `list` (when there is a list).
    fn listed(&mut self, field: u32, list: Option<&Vec<String>>) {
        let Some(list) = list else { return };
        let tests: Vec<String> = list
            .iter()
            .map(|v| {
                format!(
                    "(call $core.string_is (i32.const {field}) {})",
                    self.data.shown(v)
                )
            })
            .collect();
        let any = tests
            .into_iter()
            .rev()
            .reduce(|acc, t| format!("(i32.or {t} {acc})"))
            .unwrap_or_else(|| "(i32.const 0)".to_string());
        self.w.line(format!(
            "(if (i32.eqz {any}) (then (return (i32.const 0))))"
        ));
    }

    /// `$policy.N`: the rules of `docs/engine.md` for one policy and one booking.
    pub fn policy(&mut self) -> Result<(), BuildError> {
        self.w.open(format!("(func $policy.{}", self.id));
        self.w.comment(format!("policy `{}`", self.policy.name));
        self.w.line(LOCALS);
        self.settings()?;
        self.w
            .comment("the visit in the policy's zone, and the patient's age on its date");
        match &self.policy.recall {
            Some(recall) => {
                self.w
                    .comment("a recall's messages are timed from its due date");
                let (days, months) = match recall.interval {
                    plan::Interval::Days(d) => (d, 0),
                    plan::Interval::Months(m) => (0, m),
                };
                self.w.line(format!(
                    "(local.set $visit (call $time.due (i32.const {}) (call $core.instant (i32.const {})) (i32.const {days}) (i32.const {months})))",
                    self.zone,
                    b::START
                ));
            }
            None => self.w.line(format!(
                "(local.set $visit (call $core.instant (i32.const {})))",
                b::START
            )),
        }
        self.w.line(format!(
            "(local.set $local (call $time.local (i32.const {}) (local.get $visit)))",
            self.zone
        ));
        self.w.line(format!(
            "(local.set $age (i64.extend_i32_s (call $time.age_on (i32.load offset={} (global.get $core.booking)) (call $text.day (local.get $local)))))",
            b::BIRTH_DATE
        ));
        self.w
            .line("(local.set $minor (i64.lt_s (local.get $age) (local.get $minor_age)))");
        self.w
            .comment("rule 5: a moved booking counts as made when it was moved");
        self.w
            .line("(local.set $status_at (call $changes.status_at))");
        self.w
            .line("(local.set $moved_at (call $changes.moved_at))");
        self.w.line(format!(
            "(local.set $created (select (call $core.instant (i32.const {})) (local.get $moved_at) (i64.eq (local.get $moved_at) (i64.const {}))))",
            b::CREATED,
            abi::NONE_I64
        ));
        self.exclusions()?;
        for m in 0..self.policy.messages.len() {
            self.message(m)?;
        }
        self.w.close();
        Ok(())
    }

    /// Rule 2: the settings of the booking's unit, else the policy's.
    fn settings(&mut self) -> Result<(), BuildError> {
        self.w
            .comment("rule 2: the settings of the booking's unit, else the policy's");
        let policy = self.policy;
        self.set_settings(&policy.settings)?;
        for (unit, settings) in &policy.unit_settings {
            let s = self.data.shown(unit);
            self.w.open(format!(
                "(if (call $core.string_is (i32.const {}) {s})",
                b::UNIT
            ));
            self.w.open("(then");
            self.set_settings(settings)?;
            self.w.close();
            self.w.close();
        }
        Ok(())
    }

    fn set_settings(&mut self, settings: &plan::Settings) -> Result<(), BuildError> {
        let minor_age = i64::try_from(settings.minor_age).unwrap_or(i64::MAX);
        let window = match &settings.window {
            Some(w) => Some(
                Window::from_plan(w)
                    .ok_or_else(|| invalid(self.policy, "a window that is never open"))?,
            ),
            None => None,
        };
        let (win, from, until, days) = match window {
            Some(w) => (1, seconds(w.from), seconds(w.until), u32::from(w.days)),
            None => (0, 0, 0, 0),
        };
        let late = i32::from(settings.late_booking == LateBooking::SendNow);
        self.w.line(format!(
            "(local.set $minor_age (i64.const {minor_age})) (local.set $win (i32.const {win})) (local.set $from (i32.const {from})) (local.set $until (i32.const {until})) (local.set $days (i32.const {days})) (local.set $late (i32.const {late}))"
        ));
        Ok(())
    }

    /// Rule 3: the first exclusion that holds excludes every message.
    fn exclusions(&mut self) -> Result<(), BuildError> {
        let policy = self.policy;
        for (e, exclusion) in policy.exclusions.iter().enumerate() {
            self.w
                .comment(format!("rule 3: exclusion `{}`", exclusion.name));
            let holds = self
                .conditions()
                .truth(&exclusion.condition, Context { guardian: None })?;
            self.w.open(format!("(if {holds}"));
            self.w.open("(then");
            for m in 0..policy.messages.len() {
                self.skip(Some(m), None, None, Reason::Excluded(e));
            }
            self.w.line("(return)");
            self.w.close();
            self.w.close();
        }
        Ok(())
    }

    /// The policies that replace message `m` when they cover the booking too (rule 4), in plan
    /// order: they win over this one and send a message of the same kind on the same channel
    /// to the same person.
    fn winners(&self, m: usize) -> Vec<usize> {
        let message = &self.policy.messages[m];
        self.plan
            .policies
            .iter()
            .enumerate()
            .filter(|(_, winner)| {
                winner.wins_over.contains(&self.policy.name)
                    && winner.messages.iter().any(|other| other.overlaps(message))
            })
            .map(|(i, _)| i)
            .collect()
    }

    fn message(&mut self, m: usize) -> Result<(), BuildError> {
        let policy = self.policy;
        let message = &policy.messages[m];
        self.w.open(format!("(block $m{m}"));
        self.w.comment(format!(
            "message `{}`: {} by {}",
            message.name, message.kind, message.channel
        ));
        let (label, leave) = (format!("$m{m}"), Leave::message(m));
        for winner in self.winners(m) {
            let test = format!("(global.get $in_scope.{winner})");
            let reason = Reason::ReplacedBy(PolicyId(winner));
            self.leave_if(&test, &label, Some(&leave), reason);
        }
        self.status_rule(m, message);
        self.sender(message);
        self.w.line(
            "(local.set $text (i32.const -1)) (local.set $text_len (i32.const 0)) (local.set $ftext (i32.const -1)) (local.set $ftext_len (i32.const 0)) (local.set $sent_now (i32.const 0))",
        );
        let window = match &message.settings.window {
            Some(w) => WindowOf::Message(
                Window::from_plan(w)
                    .ok_or_else(|| invalid(policy, "a window that is never open"))?,
            ),
            None => WindowOf::Settings,
        };
        let late = message
            .settings
            .late_booking
            .map_or(LateOf::Settings, LateOf::Message);
        for (t, trigger) in message.triggers.iter().enumerate() {
            self.trigger(m, t, &trigger.when, window, late)?;
        }
        self.w.close();
        Ok(())
    }

    /// Rule 5: a cancelled booking gets only its cancellation notices; a rebooking notice
    /// needs a moved booking.
    fn status_rule(&mut self, m: usize, message: &plan::Message) {
        let kind = message.kind;
        let on = |f: fn(&When) -> bool| message.triggers.iter().any(|t| f(&t.when));
        let on_reply = on(|w| matches!(w, When::OnReply { .. }));
        let on_rebooked = on(|w| {
            *w == When::OnEvent {
                event: EventKind::Rebooked,
            }
        });
        let status = |s: Status| {
            format!(
                "(i32.eq (call $core.byte (i32.const {})) (i32.const {}))",
                b::STATUS,
                s.index()
            )
        };
        let patient = |s: PatientStatus| {
            format!(
                "(i32.eq (call $core.byte (i32.const {})) (i32.const {}))",
                b::PATIENT_STATUS,
                s.index()
            )
        };
        let first = [
            (patient(PatientStatus::Inactive), Reason::PatientInactive),
            (patient(PatientStatus::Deceased), Reason::PatientDeceased),
            (status(Status::Pending), Reason::NotBookedYet),
            (status(Status::Declined), Reason::Declined),
        ];
        let rules: Vec<(String, Reason)> = match kind {
            MessageKind::Cancellation if on_reply => Vec::new(),
            MessageKind::Cancellation => vec![(status(Status::Booked), Reason::NotCancelled)],
            MessageKind::Rebooking if on_rebooked => {
                vec![(status(Status::Cancelled), Reason::Cancelled)]
            }
            MessageKind::Rebooking => vec![
                (status(Status::Cancelled), Reason::Cancelled),
                (
                    format!(
                        "(i32.and {} (i64.eq (call $core.instant (i32.const {})) (i64.const {})))",
                        status(Status::Booked),
                        b::PREVIOUS_START,
                        abi::NONE_I64
                    ),
                    Reason::NotRescheduled,
                ),
            ],
            _ => vec![(status(Status::Cancelled), Reason::Cancelled)],
        };
        let (label, leave) = (format!("$m{m}"), Leave::message(m));
        for (test, reason) in first.into_iter().chain(rules) {
            self.leave_if(&test, &label, Some(&leave), reason);
        }
    }

    /// R19: the sender alias: the message's, else the unit's, else the policy's.
    fn sender(&mut self, message: &plan::Message) {
        let set = |s: Option<Str>| match s {
            Some(s) => format!(
                "(local.set $sender (i32.const {})) (local.set $sender_len (i32.const {}))",
                s.at, s.len
            ),
            None => "(local.set $sender (i32.const -1)) (local.set $sender_len (i32.const 0))"
                .to_string(),
        };
        let own = message
            .settings
            .sender
            .as_deref()
            .or(self.policy.settings.sender.as_deref())
            .map(|s| self.data.string(s));
        self.w.line(set(own));
        if message.settings.sender.is_some() {
            return;
        }
        for (unit, settings) in &self.policy.unit_settings {
            let Some(sender) = &settings.sender else {
                continue;
            };
            let (u, s) = (self.data.shown(unit), self.data.string(sender));
            self.w.line(format!(
                "(if (call $core.string_is (i32.const {}) {u}) (then {}))",
                b::UNIT,
                set(Some(s))
            ));
        }
    }

    /// Rules 6–9 for one trigger: its time, the window, late bookings, nothing after the visit
    /// (a recall's messages may follow its due date), a recall's booking; then what is sent
    /// (`sending.rs`).
    fn trigger(
        &mut self,
        m: usize,
        t: usize,
        when: &When,
        window: WindowOf,
        late: LateOf,
    ) -> Result<(), BuildError> {
        if let When::Every { .. } = when {
            return self.every(m, t, when, window);
        }
        let message = &self.policy.messages[m];
        let recall = self.policy.recall.is_some();
        let announced =
            self.policy.messages.iter().any(|other| {
                other.kind == MessageKind::Rebooking && other.channel == message.channel
            });
        let label = format!("$t{t}");
        let leave = Leave {
            message: Some(m),
            origin: Some(Origin::Trigger(t)),
            who: None,
        };
        self.w.open(format!("(block $t{t}"));
        self.w.comment(format!("trigger {}", trigger_tag(when)));
        let none = format!("(i64.eq (local.get $base) (i64.const {}))", abi::NONE_I64);
        // (the time, whether it may follow the visit, whether it may be too late)
        let (base, may_follow_visit, may_be_late) = match when {
            When::AtBooking if announced => (
                format!("(call $core.instant (i32.const {}))", b::CREATED),
                false,
                false,
            ),
            When::AtBooking => ("(local.get $created)".to_string(), false, false),
            When::OnCancellation | When::OnRescheduling => (
                "(local.get $status_at)".to_string(),
                message.kind == MessageKind::Cancellation,
                false,
            ),
            When::OnEvent { event } => {
                self.w.line(format!(
                    "(local.set $base (call $events.about_booking (i32.const {})))",
                    event.index()
                ));
                self.leave_if(&none, &label, Some(&leave), Reason::NotReported(*event));
                ("(local.get $base)".to_string(), true, false)
            }
            When::OnReply { words } => {
                let earliest = self.earliest_reply(words);
                self.w.line(format!("(local.set $base {earliest})"));
                self.leave_if(&none, &label, Some(&leave), Reason::NoReply);
                ("(local.get $base)".to_string(), true, false)
            }
            When::Before { offset, at } => (self.shifted(*offset, *at, -1)?, false, true),
            When::After { offset, at } => (self.shifted(*offset, *at, 1)?, true, true),
            When::Every { .. } => return Err(invalid(self.policy, "a repetition out of place")),
        };
        self.w.line(format!("(local.set $base {base})"));
        self.w.line("(local.set $now_late (i32.const 0))");
        self.push("$send", "(local.get $base)", window);
        if may_be_late {
            // A recall's offset before the service was performed is never sent now.
            let late = if recall {
                LateOf::Message(LateBooking::Skip)
            } else {
                late
            };
            self.late(m, t, late, window);
        }
        if !may_follow_visit && !recall {
            self.before_visit(m, t);
        }
        self.recall_booked(&label, &leave);
        if may_be_late {
            self.once_sent_now(m, t);
        }
        self.sending(m, t, window)?;
        self.w.close();
        Ok(())
    }

    /// The earliest reply with one of `words` (in upper case, as replies are read), or none.
    fn earliest_reply(&mut self, words: &[String]) -> String {
        words
            .iter()
            .fold(format!("(i64.const {})", abi::NONE_I64), |acc, word| {
                let word = self.data.shown(&word.to_uppercase());
                format!("(call $events.earlier {acc} (call $events.reply {word}))")
            })
    }

    /// A send time before the booking was made: sent when it was made, or skipped.
    fn late(&mut self, m: usize, t: usize, late: LateOf, window: WindowOf) {
        let origin = Some(Origin::Trigger(t));
        self.w
            .open("(if (i64.lt_s (local.get $send) (local.get $created))");
        self.w.open("(then");
        match late {
            LateOf::Message(LateBooking::Skip) => {
                self.skip(Some(m), origin, None, Reason::BookedTooLate);
                self.w.line(format!("(br $t{t})"));
            }
            LateOf::Message(LateBooking::SendNow) => self.send_now(window),
            LateOf::Settings => {
                self.w.open("(if (local.get $late)");
                self.w.open("(then");
                self.send_now(window);
                self.w.close();
                self.w.open("(else");
                self.skip(Some(m), origin, None, Reason::BookedTooLate);
                self.w.line(format!("(br $t{t})"));
                self.w.close();
                self.w.close();
            }
        }
        self.w.close();
        self.w.close();
    }

    /// Rule 9: nothing but cancellation notices and after-visit tasks at or after the visit.
    fn before_visit(&mut self, m: usize, t: usize) {
        let origin = Some(Origin::Trigger(t));
        self.w
            .open("(if (i64.ge_s (local.get $send) (local.get $visit))");
        self.w.open("(then");
        self.w
            .open("(if (i64.lt_s (local.get $base) (local.get $visit))");
        self.w.open("(then");
        self.skip(Some(m), origin, None, Reason::WindowPastVisit);
        self.w.close();
        self.w.open("(else");
        self.skip(Some(m), origin, None, Reason::AfterVisit);
        self.w.close();
        self.w.close();
        self.w.line(format!("(br $t{t})"));
        self.w.close();
        self.w.close();
    }

    /// A late offset, sent when the booking was made instead.
    fn send_now(&mut self, window: WindowOf) {
        self.w.line("(local.set $now_late (i32.const 1))");
        self.push("$send", "(local.get $created)", window);
    }

    /// Late offsets that pass every other rule are sent once a message, for the first of
    /// them; a later one is skipped (`sent_now_already`).
    fn once_sent_now(&mut self, m: usize, t: usize) {
        self.w.open("(if (local.get $now_late)");
        self.w.open("(then");
        self.w.open("(if (local.get $sent_now)");
        self.w.open("(then");
        self.skip(
            Some(m),
            Some(Origin::Trigger(t)),
            None,
            Reason::SentNowAlready,
        );
        self.w.line(format!("(br $t{t})"));
        self.w.close();
        self.w.close();
        self.w.line("(local.set $sent_now (i32.const 1))");
        self.w.close();
        self.w.close();
    }

    /// R8: nothing of a recall is sent from when a visit for its service was booked.
    fn recall_booked(&mut self, label: &str, leave: &Leave) {
        if self.policy.recall.is_none() {
            return;
        }
        let test = format!(
            "(i32.and (i64.ne (call $core.instant (i32.const {at})) (i64.const {none})) (i64.ge_s (local.get $send) (call $core.instant (i32.const {at}))))",
            at = b::RECALL_BOOKED_AT,
            none = abi::NONE_I64
        );
        self.leave_if(&test, label, Some(leave), Reason::RecallBooked);
    }

    /// `every`: each repetition is its own trigger time, with its own key (the trigger's tag
    /// and `#k`); a repetition before the booking was made is not sent.
    fn every(
        &mut self,
        m: usize,
        t: usize,
        when: &When,
        window: WindowOf,
    ) -> Result<(), BuildError> {
        let When::Every {
            step,
            at,
            times,
            from,
        } = when
        else {
            return Err(invalid(self.policy, "not a repetition"));
        };
        let (step_days, weekday) = match step {
            plan::Step::Days(d) => (i64::try_from(*d).unwrap_or(i64::MAX), -1),
            plan::Step::Weekday(w) => (7, i32::from(w.index())),
        };
        let tag = trigger_tag(when);
        let leave = Leave {
            message: Some(m),
            origin: Some(Origin::Trigger(t)),
            who: None,
        };
        self.w.open(format!("(block $every{t}"));
        self.w.comment(format!("trigger {tag}: each repetition"));
        let anchor = match from {
            plan::Anchor::Start => "(local.get $visit)".to_string(),
            plan::Anchor::Booking => "(local.get $created)".to_string(),
            plan::Anchor::Event(event) => {
                format!("(call $events.about_booking (i32.const {}))", event.index())
            }
        };
        self.w.line(format!("(local.set $anchor {anchor})"));
        if let plan::Anchor::Event(event) = from {
            let none = format!("(i64.eq (local.get $anchor) (i64.const {}))", abi::NONE_I64);
            self.leave_if(
                &none,
                &format!("$every{t}"),
                Some(&leave),
                Reason::NotReported(*event),
            );
        }
        self.w.line("(local.set $k (i32.const 1))");
        self.w.open(format!("(loop $repeat{t}"));
        self.w.open(format!("(block $t{t}"));
        self.w.line(format!(
            "(local.set $base (call $time.repetition (i32.const {}) (local.get $anchor) (i32.const {step_days}) (i32.const {weekday}) (i32.const {}) (local.get $k)))",
            self.zone,
            at.map_or(-1, |a| i64::from(seconds(a.0)))
        ));
        let capacity = tag.len() + 4;
        let tag = self.data.shown(&format!("{tag}#"));
        self.w.line(format!(
            "(call $text.begin (i32.const {capacity})) (call $text.bytes {tag}) (call $text.digits (local.get $k) (i32.add (i32.const 1) (i32.add (i32.ge_u (local.get $k) (i32.const 10)) (i32.ge_u (local.get $k) (i32.const 100))))) (local.set $tag (global.get $text.start)) (local.set $tag_len (i32.sub (global.get $text.end) (global.get $text.start)))"
        ));
        self.push("$send", "(local.get $base)", window);
        self.late(m, t, LateOf::Message(LateBooking::Skip), window);
        self.recall_booked(&format!("$t{t}"), &leave);
        self.repeating = true;
        let sent = self.sending(m, t, window);
        self.repeating = false;
        sent?;
        self.w.close();
        self.w
            .line("(local.set $k (i32.add (local.get $k) (i32.const 1)))");
        self.w.line(format!(
            "(br_if $repeat{t} (i32.le_u (local.get $k) (i32.const {times})))"
        ));
        self.w.close();
        self.w.close();
        Ok(())
    }

    /// The visit moved by an offset: calendar days in the zone (keeping the time of day, or
    /// taking `at`), or exact minutes.
    fn shifted(
        &self,
        offset: Offset,
        at: Option<plan::TimeOfDay>,
        sign: i64,
    ) -> Result<String, BuildError> {
        self.shift("(local.get $visit)", offset, at, sign)
    }

    pub fn shift(
        &self,
        from: &str,
        offset: Offset,
        at: Option<plan::TimeOfDay>,
        sign: i64,
    ) -> Result<String, BuildError> {
        if !offset.in_range() {
            return Err(invalid(self.policy, "an offset beyond the calendar"));
        }
        Ok(match offset {
            Offset::Days(days) => format!(
                "(call $time.shift_days (i32.const {}) {from} (i32.const {}) (i32.const {}))",
                self.zone,
                sign * i64::try_from(days).unwrap_or(0),
                at.map_or(-1, |t| i64::from(seconds(t.0)))
            ),
            Offset::Minutes(minutes) => format!(
                "(i64.add {from} (i64.const {}))",
                sign * i64::try_from(minutes).unwrap_or(0) * 60
            ),
        })
    }

    /// `$target = value`, pushed forward into the send window if there is one.
    pub fn push(&mut self, target: &str, value: &str, window: WindowOf) {
        match window {
            WindowOf::Message(w) => self.w.line(format!(
                "(local.set {target} (call $time.window_push (i32.const {}) {value} (i32.const {}) (i32.const {}) (i32.const {})))",
                self.zone,
                seconds(w.from),
                seconds(w.until),
                w.days
            )),
            WindowOf::Settings => {
                self.w.line(format!("(local.set {target} {value})"));
                self.w.line(format!(
                    "(if (local.get $win) (then (local.set {target} (call $time.window_push (i32.const {}) (local.get {target}) (local.get $from) (local.get $until) (local.get $days)))))",
                    self.zone
                ));
            }
        }
    }
}

/// An index as an `i32` constant.
pub(super) fn index(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

/// The origin's kind, trigger and complement numbers (`abi::outcome::origin`).
pub(super) fn origin_parts(origin: Option<Origin>) -> (u8, i32, i32) {
    use abi::outcome::origin as o;
    match origin {
        None => (o::NONE, -1, -1),
        Some(Origin::Trigger(t)) => (o::TRIGGER, index(t), -1),
        Some(Origin::Complement {
            trigger,
            complement,
        }) => (o::COMPLEMENT, index(trigger), index(complement)),
        Some(Origin::Fallback(t)) => (o::FALLBACK, index(t), -1),
    }
}
