//! The host: runs a module in wasmtime, one booking at a time, within limits. A booking is
//! encoded as `abi::booking` says, the module's outcome records are read back into the
//! engine's `Outcome`s, checked against the plan (a module is untrusted input: it may have been
//! built by another rem, or by hand), so the CLI writes them with the same writer as the
//! native engine's.
//!
//! Each booking has a time limit (wasmtime's epoch interruption, ticked by a watchdog thread)
//! and, when asked for, a budget of fuel (deterministic, but it slows every instruction); the
//! memory has a cap. So no module can hang the host or exhaust it; a booking that exceeds a
//! limit, or traps, is an error for that booking alone, and the instance is made anew for the
//! next. A module built by `rem build` needs microseconds and a few KiB a booking: the limits
//! stop only broken or hostile modules.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use wasmtime::{
    Config, Engine, Instance, InstancePre, Linker, Memory, Module, Store, Trap, TypedFunc,
};

use super::abi::{self, booking as b, event as e, outcome as o};
use crate::booking::Booking;
use crate::engine::Mode;
use crate::engine::{Action, Address, Options, Origin, Outcome, PolicyId, Skip, Unless};
use crate::events::{EventIndex, EventRef};
use crate::plan::Plan;
use crate::schema::{Channel, EventKind, Who};

/// What one booking may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest one booking may take.
    pub time: Duration,
    /// Units of wasmtime fuel (about one instruction each) for one booking, if counted.
    pub fuel: Option<u64>,
    /// The most memory the module may have, in bytes.
    pub memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            time: Duration::from_secs(1),
            fuel: None,
            memory: 64 << 20,
        }
    }
}

/// How often the watchdog ticks: the time limit counts in these.
const TICK: Duration = Duration::from_millis(10);

/// The watchdog: a thread that advances the engine's epoch every [`TICK`] while the host
/// lives, so that a booking past its deadline traps.
struct Watchdog {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    fn start(engine: Engine) -> Watchdog {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("rem-wasm-watchdog".to_string())
            .spawn(move || {
                while !stopped.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    engine.increment_epoch();
                }
            })
            .ok();
        Watchdog { stop, thread }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A module that cannot be used at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum HostError {
    #[error("{0} is not a WebAssembly module wasmtime can run: {1}")]
    #[diagnostic(code(rem::E112), help("build it with `rem build --target wasm`"))]
    NotAModule(String, String),
    #[error(
        "{name} speaks version {found} of the rem module ABI; this rem speaks version {expected}"
    )]
    #[diagnostic(
        code(rem::E113),
        help("build the module again with this version of rem")
    )]
    Version {
        name: String,
        found: i32,
        expected: i32,
    },
    #[error("{name} is not a rem plan module: {problem}")]
    #[diagnostic(code(rem::E114), help("build it with `rem build --target wasm`"))]
    NotAPlan { name: String, problem: String },
    #[error("{name} needs more memory than the limit of {limit} bytes to start")]
    #[diagnostic(code(rem::E115), help("raise the limit with `--wasm-memory`"))]
    Memory { name: String, limit: usize },
}

/// Why one booking could not be evaluated by the module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    #[error("the policy module used all its fuel ({0} units) on this booking")]
    OutOfFuel(u64),
    #[error("the policy module took longer than its limit ({0:?}) on this booking")]
    OutOfTime(Duration),
    #[error("the policy module needed more than its memory limit ({0} bytes) for this booking")]
    OutOfMemory(usize),
    #[error("the policy module failed on this booking: {0}")]
    Trap(String),
    #[error("the policy module gave an outcome that does not fit its plan: {0}")]
    BadOutcome(String),
}

/// The store's data: the memory cap, and whether the module hit it.
struct Cap {
    limit: usize,
    hit: bool,
}

impl wasmtime::ResourceLimiter for Cap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.limit;
        self.hit |= !allowed;
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 10_000)
    }
}

/// An instance and its exports.
struct Running {
    store: Store<Cap>,
    memory: Memory,
    alloc: TypedFunc<i32, i32>,
    evaluate: TypedFunc<(i32, i64, i64, i32), i32>,
}

/// A module ready to evaluate bookings.
pub struct Host {
    name: String,
    pre: InstancePre<Cap>,
    running: Running,
    limits: Limits,
    plan: Plan,
    /// The booking being encoded (reused).
    input: Vec<u8>,
    /// Sender aliases by where they are in the module's memory.
    senders: HashMap<(u32, u32), Arc<str>>,
    /// Dropped last: it stops the watchdog's thread.
    _watchdog: Watchdog,
}

impl Host {
    /// Compiles and instantiates a module (`name` is for messages), checks its ABI version and
    /// reads its plan.
    pub fn new(name: &str, module: &[u8], limits: Limits) -> Result<Host, HostError> {
        let plan = super::plan_of(module).ok_or_else(|| HostError::NotAPlan {
            name: name.to_string(),
            problem: format!("it has no `{}` section with a plan", super::PLAN_SECTION),
        })?;
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.consume_fuel(limits.fuel.is_some());
        let engine = Engine::new(&config)
            .map_err(|e| HostError::NotAModule(name.to_string(), e.to_string()))?;
        let module = Module::new(&engine, module)
            .map_err(|e| HostError::NotAModule(name.to_string(), e.to_string()))?;
        let linker: Linker<Cap> = Linker::new(&engine);
        let pre = linker
            .instantiate_pre(&module)
            .map_err(|e| HostError::NotAPlan {
                name: name.to_string(),
                problem: e.to_string(),
            })?;
        let running = start(name, &pre, limits)?;
        let watchdog = Watchdog::start(engine);
        let host = Host {
            name: name.to_string(),
            pre,
            running,
            limits,
            plan,
            input: Vec::with_capacity(1024),
            senders: HashMap::new(),
            _watchdog: watchdog,
        };
        Ok(host)
    }

    /// Starts a fresh instance of the module (its memory as the module defines it).
    pub fn restart(&mut self) -> Result<(), HostError> {
        self.running = start(&self.name, &self.pre, self.limits)?;
        Ok(())
    }

    /// The plan the module carries.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Evaluates one booking, appending its outcomes to `out` in output order.
    pub fn evaluate(
        &mut self,
        booking: &Booking<'_>,
        events: &EventIndex,
        options: &Options,
        out: &mut Vec<Outcome>,
    ) -> Result<(), BookingError> {
        let events: Vec<EventRef<'_>> = events.of(&booking.id).collect();
        encode(&mut self.input, booking, &events);
        let result = self.run(options);
        let list = match result {
            Ok(list) => list,
            Err(error) => {
                // A failed call may leave the instance in any state: start anew.
                let _ = self.restart();
                return Err(error);
            }
        };
        self.decode(list, out)
    }

    fn run(&mut self, options: &Options) -> Result<u32, BookingError> {
        let r = &mut self.running;
        r.store.data_mut().hit = false;
        limit(&mut r.store, self.limits).map_err(BookingError::Trap)?;
        let len = i32::try_from(self.input.len())
            .map_err(|_| BookingError::Trap("the booking is too large".to_string()))?;
        let failed = |store: &Store<Cap>, error: wasmtime::Error| {
            if store.data().hit {
                BookingError::OutOfMemory(self.limits.memory)
            } else if error.downcast_ref::<Trap>() == Some(&Trap::OutOfFuel) {
                BookingError::OutOfFuel(self.limits.fuel.unwrap_or_default())
            } else if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
                BookingError::OutOfTime(self.limits.time)
            } else {
                BookingError::Trap(match error.downcast_ref::<Trap>() {
                    Some(trap) => trap.to_string(),
                    None => error.to_string(),
                })
            }
        };
        let at = r
            .alloc
            .call(&mut r.store, len)
            .map_err(|e| failed(&r.store, e))?;
        r.memory
            .write(&mut r.store, at as u32 as usize, &self.input)
            .map_err(|_| {
                BookingError::Trap("`alloc` gave memory outside the module's".to_string())
            })?;
        let since = options.since.map_or(abi::NONE_I64, |s| s.timestamp());
        let mode = match options.mode {
            Mode::Forecast => 0,
            Mode::Due => 1,
        };
        let list = r
            .evaluate
            .call(&mut r.store, (at, options.now.timestamp(), since, mode))
            .map_err(|e| failed(&r.store, e))?;
        Ok(list as u32)
    }

    /// Reads the outcome list at `list` into `out`, checking every number against the plan.
    fn decode(&mut self, list: u32, out: &mut Vec<Outcome>) -> Result<(), BookingError> {
        let memory = self.running.memory.data(&self.running.store);
        let bad = |what: &str| BookingError::BadOutcome(what.to_string());
        let count = read_u32(memory, list).ok_or_else(|| bad("the list is outside memory"))?;
        let first = out.len();
        for i in 0..count {
            let at = list as usize + o::HEADER as usize + i as usize * o::SIZE as usize;
            let outcome = memory
                .get(at..at + o::SIZE as usize)
                .ok_or_else(|| bad("a record is outside memory"))
                .and_then(|record| {
                    decode_record(record, memory, &self.plan, &mut self.senders)
                        .map_err(BookingError::BadOutcome)
                });
            match outcome {
                Ok(outcome) => out.push(outcome),
                Err(error) => {
                    // A booking is evaluated whole or not at all.
                    out.truncate(first);
                    return Err(error);
                }
            }
        }
        Ok(())
    }
}

/// Sets the limits of one call: its deadline, and its fuel if fuel is counted.
fn limit(store: &mut Store<Cap>, limits: Limits) -> Result<(), String> {
    let ticks = limits.time.as_millis() / TICK.as_millis();
    store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX).max(1));
    if let Some(fuel) = limits.fuel {
        store.set_fuel(fuel).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A fresh instance within the limits.
fn start(name: &str, pre: &InstancePre<Cap>, limits: Limits) -> Result<Running, HostError> {
    let mut store = Store::new(
        pre.module().engine(),
        Cap {
            limit: limits.memory,
            hit: false,
        },
    );
    store.limiter(|cap| cap);
    let not_a_plan = |problem: String| HostError::NotAPlan {
        name: name.to_string(),
        problem,
    };
    let instance: Instance = match pre.instantiate(&mut store) {
        Ok(instance) => instance,
        Err(_) if store.data().hit => {
            return Err(HostError::Memory {
                name: name.to_string(),
                limit: limits.memory,
            });
        }
        Err(e) => return Err(not_a_plan(e.to_string())),
    };
    let version = instance
        .get_typed_func::<(), i32>(&mut store, "rem_abi_version")
        .map_err(|e| not_a_plan(format!("`rem_abi_version`: {e}")))?;
    limit(&mut store, limits).map_err(not_a_plan)?;
    let found = version
        .call(&mut store, ())
        .map_err(|e| not_a_plan(format!("`rem_abi_version`: {e}")))?;
    if found != abi::ABI_VERSION {
        return Err(HostError::Version {
            name: name.to_string(),
            found,
            expected: abi::ABI_VERSION,
        });
    }
    let memory = instance
        .get_memory(&mut store, "memory")
        .ok_or_else(|| not_a_plan("it exports no `memory`".to_string()))?;
    let alloc = instance
        .get_typed_func::<i32, i32>(&mut store, "alloc")
        .map_err(|e| not_a_plan(format!("`alloc`: {e}")))?;
    let evaluate = instance
        .get_typed_func::<(i32, i64, i64, i32), i32>(&mut store, "evaluate")
        .map_err(|e| not_a_plan(format!("`evaluate`: {e}")))?;
    Ok(Running {
        store,
        memory,
        alloc,
        evaluate,
    })
}

/// Writes a booking and its events into `out` as `abi::booking` lays them out.
pub fn encode(out: &mut Vec<u8>, booking: &Booking<'_>, events: &[EventRef<'_>]) {
    out.clear();
    out.resize(b::SIZE as usize, 0);
    let instant = |t: Option<DateTime<FixedOffset>>| t.map_or(abi::NONE_I64, |t| t.timestamp());
    put_i64(out, b::START, booking.start.timestamp());
    put_i64(out, b::CREATED, booking.created.timestamp());
    put_i64(out, b::STATUS_AT, instant(booking.status_at));
    put_i64(out, b::PREVIOUS_START, instant(booking.previous_start));
    out[b::RECALL as usize] = u8::from(booking.recall.is_some());
    put_i64(
        out,
        b::RECALL_BOOKED_AT,
        instant(booking.recall.and_then(|r| r.booked_at)),
    );
    let days = (booking.patient.birth_date - chrono::NaiveDate::default()).num_days();
    let days = i32::try_from(days).unwrap_or(i32::MIN);
    out[b::BIRTH_DATE as usize..b::BIRTH_DATE as usize + 4].copy_from_slice(&days.to_le_bytes());
    out[b::KIND as usize] = booking.kind.index();
    out[b::SOURCE as usize] = booking.source.index();
    out[b::STATUS as usize] = booking.status.index();
    let p = &booking.patient;
    out[b::ID_KIND as usize] = p.id_kind.index();
    out[b::CONSENT_SOURCE as usize] = p.consent_source.index();
    let bit = |on: bool, bit: u8| if on { bit } else { 0 };
    out[b::FLAGS as usize] = bit(booking.reminder, b::flag::REMINDER)
        | bit(p.consent_sms, b::flag::CONSENT_SMS)
        | bit(p.consent_email, b::flag::CONSENT_EMAIL)
        | bit(p.inbox_account, b::flag::INBOX_ACCOUNT)
        | bit(p.inbox_notifications, b::flag::INBOX_NOTIFICATIONS)
        | bit(p.interpreter, b::flag::INTERPRETER)
        | bit(p.email_invalid, b::flag::EMAIL_INVALID)
        | bit(p.mobile_invalid, b::flag::MOBILE_INVALID);
    out[b::PATIENT_STATUS as usize] = p.status.index();
    let [g1, g2] = &booking.guardians;
    out[b::GUARDIANS as usize] = bit(g1.is_some(), b::guardian::FIRST)
        | bit(
            g1.as_ref().is_some_and(|g| g.consent_sms),
            b::guardian::FIRST_CONSENT_SMS,
        )
        | bit(g2.is_some(), b::guardian::SECOND)
        | bit(
            g2.as_ref().is_some_and(|g| g.consent_sms),
            b::guardian::SECOND_CONSENT_SMS,
        )
        | bit(
            g1.as_ref().is_some_and(|g| g.mobile_invalid),
            b::guardian::FIRST_MOBILE_INVALID,
        )
        | bit(
            g2.as_ref().is_some_and(|g| g.mobile_invalid),
            b::guardian::SECOND_MOBILE_INVALID,
        );
    fn mobile<'g>(g: &'g Option<crate::booking::Guardian<'_>>) -> Option<&'g str> {
        g.as_ref().and_then(|g| g.mobile.as_deref())
    }
    for (field, value) in [
        (b::ID, Some(&*booking.id)),
        (b::PATIENT_ID, Some(&*booking.patient_id)),
        (b::CLINIC, Some(&*booking.clinic)),
        (b::UNIT, Some(&*booking.unit)),
        (b::EXAM, Some(&*booking.exam)),
        (b::MOBILE, p.mobile.as_deref()),
        (b::EMAIL, p.email.as_deref()),
        (b::LANGUAGE, p.language.as_deref()),
        (b::GUARDIAN1_MOBILE, mobile(g1)),
        (b::GUARDIAN2_MOBILE, mobile(g2)),
    ] {
        let (offset, len) = match value {
            Some(text) => (append(out, text.as_bytes()), text.len()),
            None => (u32::MAX, 0),
        };
        put_string(out, field, offset, len);
    }
    encode_events(out, events);
}

/// The booking's events after its strings, 8-byte aligned (`abi::event`).
fn encode_events(out: &mut Vec<u8>, events: &[EventRef<'_>]) {
    while out.len() % 8 != 0 {
        out.push(0);
    }
    let first = out.len();
    put_u32(out, b::EVENTS, u32::try_from(first).unwrap_or(u32::MAX));
    put_u32(
        out,
        b::EVENT_COUNT,
        u32::try_from(events.len()).unwrap_or(u32::MAX),
    );
    out.resize(first + events.len() * e::SIZE as usize, 0);
    for (i, event) in events.iter().enumerate() {
        let at = u32::try_from(first + i * e::SIZE as usize).unwrap_or(u32::MAX);
        let key = event.key.unwrap_or(0);
        put_i64(out, at + e::AT, event.at.timestamp());
        put_i64(out, at + e::KEY, key as u64 as i64);
        put_i64(out, at + e::KEY + 8, (key >> 64) as u64 as i64);
        out[(at + e::HAS_KEY) as usize] = u8::from(event.key.is_some());
        out[(at + e::KIND) as usize] = event.kind.index();
        out[(at + e::CHANNEL) as usize] = event.channel.map_or(u8::MAX, Channel::index);
        out[(at + e::RECIPIENT) as usize] = event.recipient.map_or(u8::MAX, Who::index);
        let offset = append(out, event.message.as_bytes());
        put_string(out, at + e::MESSAGE, offset, event.message.len());
        let reply = event.reply.unwrap_or("");
        let offset = append(out, reply.as_bytes());
        put_string(out, at + e::REPLY, offset, reply.len());
    }
}

fn append(out: &mut Vec<u8>, bytes: &[u8]) -> u32 {
    let at = u32::try_from(out.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(bytes);
    at
}

fn put_i64(out: &mut [u8], at: u32, v: i64) {
    out[at as usize..at as usize + 8].copy_from_slice(&v.to_le_bytes());
}

fn put_u32(out: &mut [u8], at: u32, v: u32) {
    out[at as usize..at as usize + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_string(out: &mut [u8], at: u32, offset: u32, len: usize) {
    put_u32(out, at, offset);
    put_u32(out, at + 4, u32::try_from(len).unwrap_or(u32::MAX));
}

fn read_u32(memory: &[u8], at: u32) -> Option<u32> {
    let bytes = memory.get(at as usize..at as usize + 4)?;
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

fn field_i32(record: &[u8], at: u32) -> i32 {
    let at = at as usize;
    i32::from_le_bytes([record[at], record[at + 1], record[at + 2], record[at + 3]])
}

fn field_i64(record: &[u8], at: u32) -> i64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&record[at as usize..at as usize + 8]);
    i64::from_le_bytes(bytes)
}

/// An index that must be below `len`.
fn index(value: i32, len: usize, what: &str) -> Result<usize, String> {
    usize::try_from(value)
        .ok()
        .filter(|&i| i < len)
        .ok_or_else(|| format!("{what} {value} does not exist"))
}

fn optional(value: i32, len: usize, what: &str) -> Result<Option<usize>, String> {
    if value == abi::NONE_I32 {
        Ok(None)
    } else {
        index(value, len, what).map(Some)
    }
}

fn instant(seconds: i64, offset: i32) -> Result<DateTime<FixedOffset>, String> {
    let offset = FixedOffset::east_opt(offset).ok_or("an offset out of range")?;
    let utc = DateTime::from_timestamp(seconds, 0).ok_or("an instant out of range")?;
    Ok(utc.with_timezone(&offset))
}

/// One outcome record, checked against the plan.
fn decode_record(
    record: &[u8],
    memory: &[u8],
    plan: &Plan,
    senders: &mut HashMap<(u32, u32), Arc<str>>,
) -> Result<Outcome, String> {
    let policy = optional(field_i32(record, o::POLICY), plan.policies.len(), "policy")?;
    let message = match policy {
        Some(p) => optional(
            field_i32(record, o::MESSAGE),
            plan.policies[p].messages.len(),
            "message",
        )?,
        None => None,
    };
    let plan_message = policy
        .zip(message)
        .map(|(p, m)| &plan.policies[p].messages[m]);
    let triggers = plan_message.map_or(0, |m| m.triggers.len());
    let trigger = || index(field_i32(record, o::TRIGGER), triggers, "trigger");
    let origin = match record[o::ORIGIN as usize] {
        o::origin::NONE => None,
        o::origin::TRIGGER => Some(Origin::Trigger(trigger()?)),
        o::origin::COMPLEMENT => Some(Origin::Complement {
            trigger: trigger()?,
            complement: index(
                field_i32(record, o::COMPLEMENT),
                plan_message.map_or(0, |m| m.complements.len()),
                "complement",
            )?,
        }),
        o::origin::FALLBACK => Some(Origin::Fallback(trigger()?)),
        other => return Err(format!("origin {other} does not exist")),
    };
    let recipient = match record[o::RECIPIENT as usize] {
        255 => None,
        w => Some(Who::from_index(w).ok_or_else(|| format!("recipient {w} does not exist"))?),
    };
    match record[o::TAG as usize] {
        o::SKIP => {
            let number = record[o::REASON as usize];
            let param = field_i32(record, o::PARAM);
            let reason = abi::reason::decode(number, param)
                .ok_or_else(|| format!("reason {number} ({param}) does not exist"))?;
            check_reason(reason, policy, plan)?;
            Ok(Outcome::Skip(Skip {
                policy: policy.map(PolicyId),
                message,
                origin,
                recipient,
                reason,
            }))
        }
        o::ACTION => match (policy, message, origin, recipient, plan_message) {
            (Some(policy), Some(message), Some(origin), Some(recipient), Some(plan_message)) => {
                let at = Placed {
                    policy,
                    message,
                    origin,
                    recipient,
                    plan_message,
                };
                decode_action(record, memory, &at, senders).map(Outcome::Action)
            }
            _ => Err("an action without its policy, message, origin or recipient".to_string()),
        },
        other => Err(format!("record kind {other} does not exist")),
    }
}

/// Where an action is in the plan.
struct Placed<'p> {
    policy: usize,
    message: usize,
    origin: Origin,
    recipient: Who,
    plan_message: &'p crate::plan::Message,
}

/// The rest of an action's record.
fn decode_action(
    record: &[u8],
    memory: &[u8],
    at: &Placed<'_>,
    senders: &mut HashMap<(u32, u32), Arc<str>>,
) -> Result<Action, String> {
    let channel =
        Channel::from_index(record[o::CHANNEL as usize]).ok_or("a channel that does not exist")?;
    let address = match record[o::ADDRESS as usize] {
        o::address::MOBILE => Address::Mobile(at.recipient),
        o::address::EMAIL => Address::Email,
        o::address::INBOX => Address::Inbox,
        o::address::POSTAL => Address::Postal,
        o::address::UNIT => Address::Unit,
        other => return Err(format!("address {other} does not exist")),
    };
    let unless = match record[o::UNLESS_EVENT as usize] {
        255 => None,
        event => Some(Unless {
            event: EventKind::from_index(event).ok_or("an event that does not exist")?,
            by: instant(
                field_i64(record, o::UNLESS_BY),
                field_i32(record, o::UNLESS_BY_OFFSET),
            )?,
        }),
    };
    let key = u128::from(field_i64(record, o::KEY) as u64)
        | u128::from(field_i64(record, o::KEY + 8) as u64) << 64;
    let sender = match string(record, o::SENDER, memory)? {
        Some((address, bytes)) => Some(sender(senders, address, bytes)?),
        None => None,
    };
    let text = match string(record, o::TEXT, memory)? {
        Some((_, bytes)) => {
            Some(String::from_utf8(bytes.to_vec()).map_err(|_| "a text that is not UTF-8")?)
        }
        None => None,
    };
    Ok(Action {
        key,
        policy: PolicyId(at.policy),
        message: at.message,
        origin: at.origin,
        channel,
        recipient: at.recipient,
        address,
        send_at: instant(
            field_i64(record, o::SEND_AT),
            field_i32(record, o::SEND_AT_OFFSET),
        )?,
        rule: optional(
            field_i32(record, o::RULE),
            at.plan_message.recipients.len(),
            "recipient line",
        )?,
        unless,
        sender,
        text,
    })
}

/// A reason's numbers that name parts of the plan must name parts that exist.
fn check_reason(
    reason: crate::engine::Reason,
    policy: Option<usize>,
    plan: &Plan,
) -> Result<(), String> {
    use crate::engine::Reason;
    match reason {
        Reason::Excluded(e) => {
            let exclusions = policy.map_or(0, |p| plan.policies[p].exclusions.len());
            index(i32::try_from(e).unwrap_or(-1), exclusions, "exclusion").map(|_| ())
        }
        Reason::ReplacedBy(p) => index(
            i32::try_from(p.0).unwrap_or(-1),
            plan.policies.len(),
            "policy",
        )
        .map(|_| ()),
        _ => Ok(()),
    }
}

/// The string at (address, length) of a record's field, if any.
fn string<'m>(record: &[u8], at: u32, memory: &'m [u8]) -> Result<Option<(u32, &'m [u8])>, String> {
    let address = field_i32(record, at);
    if address == abi::NONE_I32 {
        return Ok(None);
    }
    let len = field_i32(record, at + 4);
    let start = address as u32 as usize;
    let end = start
        .checked_add(len as u32 as usize)
        .ok_or("a string out of memory")?;
    let bytes = memory.get(start..end).ok_or("a string out of memory")?;
    Ok(Some((address as u32, bytes)))
}

/// A sender alias, shared by every action that names the same bytes.
fn sender(
    senders: &mut HashMap<(u32, u32), Arc<str>>,
    at: u32,
    bytes: &[u8],
) -> Result<Arc<str>, String> {
    let key = (at, u32::try_from(bytes.len()).unwrap_or(u32::MAX));
    if let Some(s) = senders.get(&key) {
        if s.as_bytes() == bytes {
            return Ok(s.clone());
        }
    }
    let text: Arc<str> =
        Arc::from(std::str::from_utf8(bytes).map_err(|_| "a sender that is not UTF-8")?);
    senders.insert(key, text.clone());
    Ok(text)
}
