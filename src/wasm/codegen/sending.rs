//! Rules 10–12 for one send time of one message: the recipients (`to` lines, consent and
//! addresses), the complements (`also`) and the fallbacks, each action with its key (rule 14)
//! and text. Follows `engine/recipients.rs`, `complements.rs` and `fallbacks.rs`.

use super::BuildError;
use super::condition::{Context, flag, guardian};
use super::policy::{Gen, Leave, WindowOf, index};
use crate::engine::{
    Address, Origin, Part, Piece, Reason, WEEKDAY_LANGUAGES, pieces, weekday_names,
};
use crate::plan;
use crate::schema::{Channel, Recipient, Who};
use crate::wasm::abi::{self, booking as b, outcome::address as a};

/// The address kind of `abi::outcome::address`.
fn address_code(address: Address) -> u8 {
    match address {
        Address::Mobile(_) => a::MOBILE,
        Address::Email => a::EMAIL,
        Address::Inbox => a::INBOX,
        Address::Postal => a::POSTAL,
        Address::Unit => a::UNIT,
    }
}

/// The booking's string an address's value is (`Address::parts`).
fn address_field(address: Address) -> u32 {
    match address {
        Address::Mobile(Who::Guardian1) => b::GUARDIAN1_MOBILE,
        Address::Mobile(Who::Guardian2) => b::GUARDIAN2_MOBILE,
        Address::Mobile(_) => b::MOBILE,
        Address::Email => b::EMAIL,
        Address::Inbox | Address::Postal => b::PATIENT_ID,
        Address::Unit => b::UNIT,
    }
}

fn has(field: u32) -> String {
    format!("(call $core.has (i32.const {field}))")
}

/// What must hold, in order, for `who` to be reached on `channel` (each with the reason when
/// it does not), and the address then; or the reason the person is never reached so.
fn address_checks(
    who: Who,
    channel: Channel,
    needs_consent: bool,
) -> Result<(Vec<(String, Reason)>, Address), Reason> {
    use abi::booking::{flag as f, guardian as gb};
    let consent = |test: String, channel: Channel| {
        needs_consent.then_some((test, Reason::NoConsent(channel)))
    };
    Ok(match (channel, who) {
        (Channel::Task | Channel::BookingSystem, _) | (_, Who::Staff) => {
            (Vec::new(), Address::Unit)
        }
        (Channel::Paper, _) => (Vec::new(), Address::Postal),
        (Channel::Inbox, Who::Patient) => (
            vec![(flag(f::INBOX_ACCOUNT), Reason::NoInboxAccount)],
            Address::Inbox,
        ),
        (Channel::Inbox, _) => return Err(Reason::NoInboxAccount),
        (Channel::Sms, Who::Patient) => {
            let usable_or_none = format!(
                "(i32.or {} (i32.eqz {}))",
                has(b::MOBILE),
                flag(f::MOBILE_INVALID)
            );
            let checks = consent(flag(f::CONSENT_SMS), Channel::Sms)
                .into_iter()
                .chain([
                    (usable_or_none, Reason::InvalidMobile),
                    (has(b::MOBILE), Reason::NoMobile),
                ])
                .collect();
            (checks, Address::Mobile(who))
        }
        (Channel::Sms, Who::Guardian1 | Who::Guardian2) => {
            let (present, consented, invalid, mobile) = if who == Who::Guardian1 {
                (
                    gb::FIRST,
                    gb::FIRST_CONSENT_SMS,
                    gb::FIRST_MOBILE_INVALID,
                    b::GUARDIAN1_MOBILE,
                )
            } else {
                (
                    gb::SECOND,
                    gb::SECOND_CONSENT_SMS,
                    gb::SECOND_MOBILE_INVALID,
                    b::GUARDIAN2_MOBILE,
                )
            };
            let usable_or_none =
                format!("(i32.or {} (i32.eqz {}))", has(mobile), guardian(invalid));
            let checks = [(guardian(present), Reason::NoGuardian)]
                .into_iter()
                .chain(consent(guardian(consented), Channel::Sms))
                .chain([
                    (usable_or_none, Reason::InvalidMobile),
                    (has(mobile), Reason::NoMobile),
                ])
                .collect();
            (checks, Address::Mobile(who))
        }
        (Channel::Email, Who::Patient) => {
            // An address that was given but is unusable says so; none at all says that.
            let usable_or_none = format!(
                "(i32.or {} (i32.eqz {}))",
                has(b::EMAIL),
                flag(f::EMAIL_INVALID)
            );
            let checks = consent(flag(f::CONSENT_EMAIL), Channel::Email)
                .into_iter()
                .chain([
                    (usable_or_none, Reason::InvalidEmail),
                    (has(b::EMAIL), Reason::NoEmail),
                ])
                .collect();
            (checks, Address::Email)
        }
        (Channel::Email, _) => return Err(Reason::NoEmail),
    })
}

impl Gen<'_> {
    /// Everything sent for trigger `t` of message `m` at `$send`.
    pub fn sending(&mut self, m: usize, t: usize, window: WindowOf) -> Result<(), BuildError> {
        let message = &self.policy.messages[m];
        if let Some(fallback) = &message.fallback {
            self.complemented(m, fallback.channel)?;
        }
        for (rule, line) in message.recipients.iter().enumerate() {
            for &who in line.recipient.people() {
                self.recipient(m, t, rule, line, who, window)?;
            }
        }
        for c in 0..message.complements.len() {
            self.complement(m, t, c)?;
        }
        Ok(())
    }

    /// `$also`: whether a complement went to the patient on the fallback's channel (a fallback
    /// is not sent where a complement already went).
    fn complemented(&mut self, m: usize, channel: Channel) -> Result<(), BuildError> {
        self.w.line("(local.set $also (i32.const 0))");
        let message = &self.policy.messages[m];
        for (c, complement) in message.complements.iter().enumerate() {
            if complement.channel != channel {
                continue;
            }
            self.w.open(format!("(block $also{c}"));
            if let Some(condition) = &complement.condition {
                let holds = self
                    .conditions()
                    .truth(condition, Context { guardian: None })?;
                self.w.line(format!("(br_if $also{c} (i32.eqz {holds}))"));
            }
            let label = format!("$also{c}");
            if self
                .reach(None, &label, Who::Patient, channel, true)
                .is_some()
            {
                self.w.line("(local.set $also (i32.const 1))");
            }
            self.w.close();
        }
        Ok(())
    }

    /// Rule 10: one person of one `to` line, then the fallback of the action.
    fn recipient(
        &mut self,
        m: usize,
        t: usize,
        rule: usize,
        line: &plan::RecipientRule,
        who: Who,
        window: WindowOf,
    ) -> Result<(), BuildError> {
        let message = &self.policy.messages[m];
        let origin = Origin::Trigger(t);
        let label = format!("$r{rule}_{}", who.as_str());
        self.w.open(format!("(block {label}"));
        self.w.comment(format!("to {} ({})", line.recipient, who));
        let number = match who {
            Who::Guardian1 => Some(1),
            Who::Guardian2 => Some(2),
            _ => None,
        };
        let leave = Leave::of(m, origin, who);
        if let Some(n) = number {
            let bit = if n == 1 {
                abi::booking::guardian::FIRST
            } else {
                abi::booking::guardian::SECOND
            };
            // "Each guardian": only a named guardian missing is worth a line.
            let named = (line.recipient != Recipient::Guardians).then_some(&leave);
            let missing = format!("(i32.eqz {})", guardian(bit));
            self.leave_if(&missing, &label, named, Reason::NoGuardian);
        }
        if let Some(condition) = &line.condition {
            let holds = self
                .conditions()
                .truth(condition, Context { guardian: number })?;
            let test = format!("(i32.eqz {holds})");
            self.leave_if(&test, &label, Some(&leave), Reason::ConditionFalse);
        }
        let needs_consent = message.channel.required_consent().is_some();
        if let Some(address) = self.reach(Some(&leave), &label, who, message.channel, needs_consent)
        {
            self.key(m, t, Part::Message, message.channel, who, address);
            self.w.line(
                "(local.set $klo (global.get $key.lo)) (local.set $khi (global.get $key.hi))",
            );
            self.action(
                m,
                origin,
                message.channel,
                who,
                address,
                Some(rule),
                "(local.get $send)",
                None,
            )?;
            if message.fallback.is_some() {
                self.fallback(m, t, rule, who, window)?;
            }
        }
        self.w.close();
        Ok(())
    }

    /// Rule 11: complement `c`, written after the message's own actions.
    fn complement(&mut self, m: usize, t: usize, c: usize) -> Result<(), BuildError> {
        let complement = &self.policy.messages[m].complements[c];
        let origin = Origin::Complement {
            trigger: t,
            complement: c,
        };
        let label = format!("$c{c}");
        self.w.open(format!("(block {label}"));
        self.w.comment(format!("also {}", complement.channel));
        let leave = Leave::of(m, origin, Who::Patient);
        if let Some(condition) = &complement.condition {
            let holds = self
                .conditions()
                .truth(condition, Context { guardian: None })?;
            let test = format!("(i32.eqz {holds})");
            self.leave_if(
                &test,
                &label,
                Some(&leave),
                Reason::ComplementConditionFalse,
            );
        }
        let channel = complement.channel;
        if let Some(address) = self.reach(Some(&leave), &label, Who::Patient, channel, true) {
            self.key(m, t, Part::Complement, channel, Who::Patient, address);
            self.action(
                m,
                origin,
                channel,
                Who::Patient,
                address,
                None,
                "(local.get $send)",
                None,
            )?;
        }
        self.w.close();
        Ok(())
    }

    /// Rule 12: the fallback of the action just written (its key in `$klo`, `$khi`).
    fn fallback(
        &mut self,
        m: usize,
        t: usize,
        rule: usize,
        who: Who,
        window: WindowOf,
    ) -> Result<(), BuildError> {
        let message = &self.policy.messages[m];
        let Some(fallback) = &message.fallback else {
            return Ok(());
        };
        let origin = Origin::Fallback(t);
        let label = format!("$f{rule}_{}", who.as_str());
        self.w.open(format!("(block {label}"));
        self.w.comment(format!(
            "fallback {} after {:?} {}",
            fallback.channel, fallback.after, fallback.waits_for
        ));
        let complements_channel = message
            .complements
            .iter()
            .any(|c| c.channel == fallback.channel);
        let leave = Leave::of(m, origin, who);
        if who == Who::Patient && complements_channel {
            let reason = Reason::AlreadyComplement(fallback.channel);
            self.leave_if("(local.get $also)", &label, Some(&leave), reason);
        }
        let due = self.shift("(local.get $send)", fallback.after, None, 1)?;
        self.w.line(format!("(local.set $due {due})"));
        // The deadline is when the fallback would go out, after the window.
        self.push("$deadline", "(local.get $due)", window);
        self.leave_if(
            "(i64.ge_s (local.get $deadline) (local.get $visit))",
            &label,
            Some(&leave),
            Reason::FallbackAfterVisit,
        );
        let awaited = fallback.waits_for.cancelled_by();
        let name = self.data.shown(&message.name);
        self.w.line(format!(
            "(local.set $first (call $events.first (i32.const {}) (local.get $klo) (local.get $khi) {} (i32.const {}) (i32.const {}) (local.get $send)))",
            awaited.index(),
            name,
            message.channel.index(),
            who.index()
        ));
        let answered = format!(
            "(i32.and (i64.ne (local.get $first) (i64.const {})) (i64.le_s (local.get $first) (local.get $deadline)))",
            abi::NONE_I64
        );
        let reason = Reason::FallbackAnswered(awaited);
        self.leave_if(&answered, &label, Some(&leave), reason);
        let needs_consent = fallback.channel.required_consent().is_some();
        if let Some(address) =
            self.reach(Some(&leave), &label, who, fallback.channel, needs_consent)
        {
            self.key(m, t, Part::Fallback, fallback.channel, who, address);
            self.action(
                m,
                origin,
                fallback.channel,
                who,
                address,
                Some(rule),
                "(local.get $deadline)",
                Some(awaited.index()),
            )?;
        }
        self.w.close();
        Ok(())
    }

    /// Where `who` is reached on `channel`, checking the consent the channel needs (R1), as
    /// `recipients::address` does: the checks are written, each leaving by `label` (with a
    /// skip when `leave` is given); `None` when the person can never be reached so.
    fn reach(
        &mut self,
        leave: Option<&Leave>,
        label: &str,
        who: Who,
        channel: Channel,
        needs_consent: bool,
    ) -> Option<Address> {
        let not = |test: String| format!("(i32.eqz {test})");
        match address_checks(who, channel, needs_consent) {
            Ok((checks, address)) => {
                for (test, reason) in checks {
                    self.leave_if(&not(test), label, leave, reason);
                }
                Some(address)
            }
            Err(reason) => {
                self.leave(label, leave, reason);
                None
            }
        }
    }

    /// Rule 14: `$key.lo`, `$key.hi` of an action.
    fn key(
        &mut self,
        m: usize,
        t: usize,
        part: Part,
        channel: Channel,
        who: Who,
        address: Address,
    ) {
        let message = &self.policy.messages[m];
        let tag = crate::engine::trigger_tag(&message.triggers[t].when);
        let policy = self.policy;
        let tag = if self.repeating {
            "(local.get $tag) (local.get $tag_len)".to_string()
        } else {
            self.data.shown(&tag)
        };
        let (policy, name, tag, part, channel_word, who_word) = (
            self.data.shown(&policy.name),
            self.data.shown(&message.name),
            tag,
            self.data.shown(part.tag()),
            self.data.shown(channel.as_str()),
            self.data.shown(who.as_str()),
        );
        self.w.line(format!(
            "(call $key.make {policy} {name} {tag} {part} {channel_word} {who_word} (i32.const {}) (call $core.string (i32.const {})) (call $changes.keyed_start (local.get $send) (local.get $moved_at)))",
            address.tag(),
            address_field(address)
        ));
    }

    /// An action of message `m` with the key just made, sent at `send_at`.
    #[expect(clippy::too_many_arguments, reason = "each is a part of the action")]
    fn action(
        &mut self,
        m: usize,
        origin: Origin,
        channel: Channel,
        who: Who,
        address: Address,
        rule: Option<usize>,
        send_at: &str,
        unless: Option<u8>,
    ) -> Result<(), BuildError> {
        // A fallback with its own wording has its own text, kept in `$ftext`.
        let own = origin.is_fallback()
            && self.policy.messages[m]
                .fallback
                .as_ref()
                .is_some_and(crate::plan::Fallback::has_own_wording);
        let text = if own { "$ftext" } else { "$text" };
        self.text(m, own, text);
        let (origin, trigger, complement) = super::policy::origin_parts(Some(origin));
        let unless = match unless {
            // Undecided while the deadline is ahead of now.
            Some(event) => format!(
                "(select (i32.const 255) (i32.const {event}) (i64.ge_s (global.get $now) {send_at})) {send_at}"
            ),
            None => "(i32.const 255) (i64.const 0)".to_string(),
        };
        self.w.line(format!(
            "(call $outcome.action (i32.const {}) (i32.const {m}) (i32.const {origin}) (i32.const {trigger}) (i32.const {complement}) (i32.const {}) (i32.const {}) (i32.const {}) (i32.const {}) (i32.const {}) {send_at} {unless} (local.get $sender) (local.get $sender_len) (local.get {text}) (local.get {text}_len))",
            self.id,
            channel.index(),
            who.index(),
            address_code(address),
            rule.map_or(-1, index),
            self.zone,
        ));
        Ok(())
    }

    /// The message's text, made at its first action (`$text`, `$text_len`): the inline text, or
    /// the template's in the patient's language, else in its fallback language (R19).
    /// With `fallback`, the fallback's own wording, into `local` and `{local}_len`.
    fn text(&mut self, m: usize, fallback: bool, local: &str) {
        let wording = self.policy.messages[m].wording(fallback);
        let (inline, localized) = (wording.text.map(str::to_string), wording.localized.cloned());
        if inline.is_none() && localized.is_none() {
            return;
        }
        self.w
            .open(format!("(if (i32.eq (local.get {local}) (i32.const -1))"));
        self.w.open("(then");
        match localized {
            Some(l) => {
                let others: Vec<(&String, &String)> = l
                    .texts
                    .iter()
                    .filter(|(language, _)| **language != l.fallback_language)
                    .collect();
                for (language, text) in &others {
                    let code = self.data.shown(language);
                    self.w.open(format!(
                        "(if (call $core.string_is (i32.const {}) {code})",
                        b::LANGUAGE
                    ));
                    self.w.open("(then");
                    self.text_pieces(text, Some(language), local);
                    self.w.close();
                    self.w.open("(else");
                }
                let fallback = l
                    .texts
                    .get(&l.fallback_language)
                    .cloned()
                    .unwrap_or_default();
                self.text_pieces(&fallback, Some(&l.fallback_language), local);
                for _ in &others {
                    self.w.close();
                    self.w.close();
                }
            }
            None => self.text_pieces(&inline.unwrap_or_default(), None, local),
        }
        self.w.close();
        self.w.close();
    }

    /// Writes `text` with its placeholders filled into `$text`; weekday names in `language`,
    /// else the patient's.
    fn text_pieces(&mut self, text: &str, language: Option<&str>, local: &str) {
        let pieces = pieces(text);
        let longest_day = WEEKDAY_LANGUAGES
            .iter()
            .chain(["en"].iter())
            .flat_map(|l| weekday_names(l))
            .map(str::len)
            .max()
            .unwrap_or(0);
        let names = match language {
            Some(language) => format!(
                "(i32.const {})",
                self.data
                    .table(&weekday_names(language), &format!("days in `{language}`"))
            ),
            None => "(call $weekday_names)".to_string(),
        };
        let mut fixed = 0usize;
        let mut lengths = Vec::new();
        for piece in &pieces {
            match piece {
                Piece::Text(t) => fixed += t.len(),
                Piece::Date => fixed += 10,
                Piece::Time => fixed += 5,
                Piece::Weekday => {
                    fixed += longest_day;
                    self.data.weekday |= language.is_none();
                }
                Piece::Unit => lengths.push(format!(
                    "(i32.load offset={} (global.get $core.booking))",
                    b::UNIT + 4
                )),
                Piece::Clinic => lengths.push(format!(
                    "(i32.load offset={} (global.get $core.booking))",
                    b::CLINIC + 4
                )),
                Piece::Exam => lengths.push(format!(
                    "(i32.load offset={} (global.get $core.booking))",
                    b::EXAM + 4
                )),
                Piece::Sender => lengths.push("(local.get $sender_len)".to_string()),
            }
        }
        let capacity = lengths
            .into_iter()
            .fold(format!("(i32.const {fixed})"), |acc, l| {
                format!("(i32.add {acc} {l})")
            });
        self.w.line(format!("(call $text.begin {capacity})"));
        for piece in pieces {
            let line = match piece {
                Piece::Text(t) => format!("(call $text.bytes {})", self.data.shown(t)),
                Piece::Date => "(call $text.date (local.get $local))".to_string(),
                Piece::Time => "(call $text.time (local.get $local))".to_string(),
                Piece::Weekday => format!("(call $text.weekday (local.get $local) {names})"),
                Piece::Unit => format!("(call $text.bytes (call $core.string (i32.const {})))", b::UNIT),
                Piece::Clinic => format!("(call $text.bytes (call $core.string (i32.const {})))", b::CLINIC),
                Piece::Exam => format!("(call $text.bytes (call $core.string (i32.const {})))", b::EXAM),
                Piece::Sender => "(call $text.bytes (select (i32.const 0) (local.get $sender) (i32.lt_s (local.get $sender) (i32.const 0))) (local.get $sender_len))".to_string(),
            };
            self.w.line(line);
        }
        self.w
            .line(format!("(local.set {local} (global.get $text.start))"));
        self.w.line(format!(
            "(local.set {local}_len (i32.sub (global.get $text.end) (global.get $text.start)))"
        ));
    }
}
