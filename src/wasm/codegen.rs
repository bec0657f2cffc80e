//! The generator: a plan → the text of a module. Each policy becomes two functions
//! (`policy.rs`, with `sending.rs` and `condition.rs`); `evaluate` asks each policy whether it
//! covers the booking and runs those that do; the plan's strings and time-zone tables are its
//! data (`data.rs`); the hand-written runtime (`runtime.rs`) follows.

mod condition;
mod data;
mod emit;
mod policy;
mod sending;

use data::Data;
use emit::Wat;
use policy::Gen;

use super::BuildError;
use super::abi::{self, outcome};
use super::runtime;
use crate::engine::{Reason, WEEKDAY_LANGUAGES, weekday_names};
use crate::plan::{self, Plan};

/// The line after which the module text is the runtime, the same for every plan.
pub const RUNTIME_MARK: &str = ";; ---- the runtime (src/wasm/runtime/) ----";

/// The text of the module that evaluates `plan` (a plan the engine accepted).
pub fn module_text(plan: &Plan) -> Result<String, BuildError> {
    let mut data = Data::default();
    let mut functions = Wat::default();
    for (id, policy) in plan.policies.iter().enumerate() {
        let zone = data.zone(policy.timezone);
        let mut g = Gen {
            plan,
            id,
            policy,
            zone,
            data: &mut data,
            w: Wat::default(),
            repeating: false,
        };
        g.scope();
        g.policy()?;
        functions.lines(&g.w.into_text());
    }
    if data.weekday {
        weekday_names_function(&mut data, &mut functions);
    }

    // Before the data ends: the reply rule's words are strings of the data.
    let mut reply = Wat::default();
    reply_rule(plan, &mut data, &mut reply);
    let capacity = most_outcomes(plan);
    let records = data.end();
    let heap = records + capacity * outcome::SIZE;
    let heap = (heap + 15) & !15;
    // room for the data and the records, and a first page for the arena
    let pages = heap / 65536 + 2;

    let mut w = Wat::default();
    w.open("(module");
    w.comment(format!(
        "rem plan: {} (ABI version {})",
        plan.policies
            .iter()
            .map(|p| format!("`{}`", p.name))
            .collect::<Vec<_>>()
            .join(", "),
        abi::ABI_VERSION
    ));
    w.line(format!("(memory (export \"memory\") {pages})"));
    w.line(format!("(global $core.heap_base i32 (i32.const {heap}))"));
    w.line(format!("(global $core.heap (mut i32) (i32.const {heap}))"));
    w.line(format!(
        "(global $outcome.records i32 (i32.const {records}))"
    ));
    w.line(format!(
        "(global $outcome.capacity i32 (i32.const {capacity}))"
    ));
    w.line("(global $now (mut i64) (i64.const 0))");
    for id in 0..plan.policies.len() {
        w.line(format!("(global $in_scope.{id} (mut i32) (i32.const 0))"));
    }
    w.line(format!(
        "(func (export \"rem_abi_version\") (result i32) (i32.const {}))",
        abi::ABI_VERSION
    ));
    w.line("(func (export \"alloc\") (param $size i32) (result i32) (call $core.alloc (local.get $size)))");
    evaluate(plan, &reply.into_text(), &mut w);
    about_visit_function(plan, &mut w);
    w.lines(&functions.into_text());
    data.emit(&mut w);
    w.line(RUNTIME_MARK);
    for piece in runtime::PIECES {
        let expanded = runtime::expand(piece)
            .map_err(|word| BuildError::Assemble(format!("the runtime names {word}")))?;
        w.lines(&expanded);
    }
    w.close();
    Ok(w.into_text())
}

/// `evaluate`: which policies cover the booking, then each of them, then the outcomes in
/// output order.
fn evaluate(plan: &Plan, reply_rule: &str, w: &mut Wat) {
    w.open("(func $evaluate (export \"evaluate\") (param $booking i32) (param $now i64) (param $since i64) (param $mode i32) (result i32)");
    w.line("(local $out i32) (local $replied i64)");
    w.line("(global.set $core.fresh (i32.const 0))");
    w.line("(global.set $core.booking (local.get $booking))");
    w.line("(global.set $now (local.get $now))");
    w.line("(global.set $outcome.count (i32.const 0))");
    w.comment("rule 1: the policies that cover the booking");
    for id in 0..plan.policies.len() {
        w.line(format!("(global.set $in_scope.{id} (call $scope.{id}))"));
    }
    let any = (0..plan.policies.len())
        .map(|id| format!("(global.get $in_scope.{id})"))
        .reduce(|acc, s| format!("(i32.or {acc} {s})"))
        .unwrap_or_else(|| "(i32.const 0)".to_string());
    let (number, param) = abi::reason::encode(Reason::NoPolicy);
    w.line(format!(
        "(if (i32.eqz {any}) (then (call $outcome.skip (i32.const -1) (i32.const -1) (i32.const 0) (i32.const -1) (i32.const -1) (i32.const 255) (i32.const {number}) (i32.const {param}))))"
    ));
    for id in 0..plan.policies.len() {
        w.line(format!(
            "(if (global.get $in_scope.{id}) (then (call $policy.{id})))"
        ));
    }
    w.lines(reply_rule);
    w.comment("rule 13: what the mode keeps, in output order");
    w.line("(local.set $out (call $outcome.finish (local.get $now) (local.get $since) (local.get $mode)))");
    w.line("(global.set $core.fresh (i32.const 1))");
    w.line("(local.get $out)");
    w.close();
}

/// R7: the earliest reply that cancels, by the words of the policies that cover the booking,
/// voids the later actions about the visit (`engine/changes.rs::void_after_reply`).
fn reply_rule(plan: &Plan, data: &mut Data, w: &mut Wat) {
    let mut any = false;
    for (id, policy) in plan.policies.iter().enumerate() {
        let words: Vec<&String> = policy
            .messages
            .iter()
            .flat_map(|m| &m.triggers)
            .flat_map(|t| match &t.when {
                plan::When::OnReply { words } => words.iter().collect(),
                _ => Vec::new(),
            })
            .collect();
        if words.is_empty() {
            continue;
        }
        if !any {
            w.line(format!(
                "(local.set $replied (i64.const {}))",
                abi::NONE_I64
            ));
        }
        any = true;
        let earliest = words
            .iter()
            .fold("(local.get $replied)".to_string(), |acc, word| {
                let word = data.shown(&word.to_uppercase());
                format!("(call $events.earlier {acc} (call $events.reply {word}))")
            });
        w.line(format!(
            "(if (global.get $in_scope.{id}) (then (local.set $replied {earliest})))"
        ));
    }
    if any {
        w.comment("R7: a reply that cancels voids the later actions about the visit");
        w.line(format!(
            "(if (i64.ne (local.get $replied) (i64.const {})) (then (call $outcome.void_after (local.get $replied))))",
            abi::NONE_I64
        ));
    }
}

/// `$about_visit`: whether a policy's message is a confirmation, letter or reminder, which a
/// reply that cancels voids.
fn about_visit_function(plan: &Plan, w: &mut Wat) {
    w.open("(func $about_visit (param $policy i32) (param $message i32) (result i32)");
    for (id, policy) in plan.policies.iter().enumerate() {
        let messages: Vec<usize> = policy
            .messages
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                matches!(
                    m.kind,
                    plan::MessageKind::Confirmation
                        | plan::MessageKind::Letter
                        | plan::MessageKind::Reminder
                )
            })
            .map(|(i, _)| i)
            .collect();
        for m in messages {
            w.line(format!(
                "(if (i32.and (i32.eq (local.get $policy) (i32.const {id})) (i32.eq (local.get $message) (i32.const {m}))) (then (return (i32.const 1))))"
            ));
        }
    }
    w.line("(i32.const 0)");
    w.close();
}

/// `$weekday_names`: the table of day names in the patient's language (English without one).
fn weekday_names_function(data: &mut Data, w: &mut Wat) {
    w.open("(func $weekday_names (result i32)");
    w.line(format!(
        "(local $language i32) (local $len i32) (call $core.string (i32.const {})) (local.set $len) (local.set $language)",
        abi::booking::LANGUAGE
    ));
    for language in WEEKDAY_LANGUAGES {
        let table = data.table(&weekday_names(language), &format!("days in `{language}`"));
        let code = data.string(language);
        w.line(format!(
            "(if (call $core.eq (local.get $language) (local.get $len) {}) (then (return (i32.const {table}))))",
            code.args()
        ));
    }
    let english = data.table(&weekday_names("en"), "days in `en`");
    w.line(format!("(i32.const {english})"));
    w.close();
}

/// The most outcomes one booking can have: a line for no policy, and for each message of
/// each policy one skip, or for each trigger one skip or an outcome for each person (and
/// their fallback) and each complement.
fn most_outcomes(plan: &Plan) -> u32 {
    let message = |m: &plan::Message| -> usize {
        let people: usize = m
            .recipients
            .iter()
            .map(|r| r.recipient.people().len())
            .sum();
        let per_person = if m.fallback.is_some() { 2 } else { 1 };
        let per_trigger = (people * per_person + m.complements.len()).max(1);
        let occurrences: usize = m
            .triggers
            .iter()
            .map(|t| match &t.when {
                plan::When::Every { times, .. } => usize::try_from(*times).unwrap_or(usize::MAX),
                _ => 1,
            })
            .sum();
        (occurrences * per_trigger).max(1)
    };
    let total: usize = 1 + plan
        .policies
        .iter()
        .flat_map(|p| p.messages.iter())
        .map(message)
        .sum::<usize>();
    u32::try_from(total).unwrap_or(u32::MAX)
}
