//! Conditions → WebAssembly expressions, with the engine's semantics (`engine/condition.rs`):
//! values compare within their kind, a boolean sorts before a number, a number before a
//! text (Rust's order of the engine's `Value`), and enumerations compare by their words.
//! Every field of the vocabulary (`schema::FIELDS`) is read in [`field`], one arm a field.

use super::BuildError;
use super::data::Data;
use crate::plan::{CompareOp, Expr};
use crate::schema::{ConsentSource, Field, IdKind, Kind, Source, Status};
use crate::wasm::abi::booking as b;

/// What a condition can read besides the booking: the guardian a recipient line is about
/// (1 or 2), if any. The age and whether the patient is a minor are the locals `$age` and
/// `$minor` of the policy's function.
#[derive(Debug, Clone, Copy)]
pub(super) struct Context {
    pub guardian: Option<u8>,
}

/// The kind of a value; the order is the engine's order of kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind3 {
    Bool,
    Number,
    Text,
}

/// An enumerated field: its byte in the booking and its words.
struct Enumerated {
    offset: u32,
    words: &'static [&'static str],
}

fn enumerated(field: Field) -> Option<Enumerated> {
    let (offset, words) = match field {
        Field::Source => (b::SOURCE, Source::WORDS),
        Field::Kind => (b::KIND, Kind::WORDS),
        Field::Status => (b::STATUS, Status::WORDS),
        Field::IdKind => (b::ID_KIND, IdKind::WORDS),
        Field::ConsentSource => (b::CONSENT_SOURCE, ConsentSource::WORDS),
        _ => return None,
    };
    Some(Enumerated { offset, words })
}

pub(super) struct Conditions<'d> {
    pub data: &'d mut Data,
}

fn invalid(problem: String) -> BuildError {
    BuildError::Invalid(problem)
}

/// Whether a bit of the patient's flags is set: 0 or 1.
pub(super) fn flag(bit: u8) -> String {
    format!(
        "(i32.ne (i32.and (call $core.byte (i32.const {})) (i32.const {bit})) (i32.const 0))",
        b::FLAGS
    )
}

/// Whether a bit of the guardians' byte is set: 0 or 1.
pub(super) fn guardian(bit: u8) -> String {
    format!(
        "(i32.ne (i32.and (call $core.byte (i32.const {})) (i32.const {bit})) (i32.const 0))",
        b::GUARDIANS
    )
}

impl Conditions<'_> {
    /// An `i32` expression: whether the condition holds.
    pub fn truth(&mut self, expr: &Expr, cx: Context) -> Result<String, BuildError> {
        Ok(match expr {
            Expr::Or { args } => self.fold(args, cx, "i32.or", "(i32.const 0)")?,
            Expr::And { args } => self.fold(args, cx, "i32.and", "(i32.const 1)")?,
            Expr::Not { arg } => format!("(i32.eqz {})", self.truth(arg, cx)?),
            Expr::Compare { cmp, left, right } => self.compare(*cmp, left, right, cx)?,
            Expr::In { value, list } => {
                let mut any = Vec::with_capacity(list.len());
                for item in list {
                    any.push(self.compare(CompareOp::Eq, value, item, cx)?);
                }
                join(any, "i32.or", "(i32.const 0)")
            }
            // A value is true when it is the boolean true.
            other => match kind(other)? {
                Kind3::Bool => self.value(other, cx)?,
                _ => "(i32.const 0)".to_string(),
            },
        })
    }

    fn fold(
        &mut self,
        args: &[Expr],
        cx: Context,
        op: &str,
        empty: &str,
    ) -> Result<String, BuildError> {
        let mut parts = Vec::with_capacity(args.len());
        for arg in args {
            parts.push(self.truth(arg, cx)?);
        }
        Ok(join(parts, op, empty))
    }

    fn compare(
        &mut self,
        op: CompareOp,
        left: &Expr,
        right: &Expr,
        cx: Context,
    ) -> Result<String, BuildError> {
        let (kl, kr) = (kind(left)?, kind(right)?);
        if kl != kr {
            return Ok(constant(op.holds(kl.cmp(&kr))));
        }
        if let Some(fast) = self.enum_equality(op, left, right) {
            return Ok(fast);
        }
        let (l, r) = (self.value(left, cx)?, self.value(right, cx)?);
        Ok(match kl {
            Kind3::Bool => format!("({} {l} {r})", int_op("i32", op, "u")),
            Kind3::Number => format!("({} {l} {r})", int_op("i64", op, "s")),
            Kind3::Text => format!(
                "({} (call $core.cmp {l} {r}) (i32.const 0))",
                int_op("i32", op, "s")
            ),
        })
    }

    /// An enumerated field against a word (either side), `=` or `!=`: compared by number.
    fn enum_equality(&mut self, op: CompareOp, left: &Expr, right: &Expr) -> Option<String> {
        let negate = match op {
            CompareOp::Eq => false,
            CompareOp::Ne => true,
            _ => return None,
        };
        let (field, word) = match (left, right) {
            (Expr::Field { path, .. }, w) | (w, Expr::Field { path, .. }) => {
                (Field::named(path)?, literal_text(w)?)
            }
            _ => return None,
        };
        let e = enumerated(field)?;
        Some(match e.words.iter().position(|w| *w == word) {
            Some(index) => format!(
                "({} (call $core.byte (i32.const {})) (i32.const {index}))",
                if negate { "i32.ne" } else { "i32.eq" },
                e.offset
            ),
            None => constant(negate),
        })
    }

    /// The value of an expression: `i32` for a boolean, `i64` for a number, two `i32`
    /// (address and length) for a text.
    fn value(&mut self, expr: &Expr, cx: Context) -> Result<String, BuildError> {
        Ok(match expr {
            Expr::Field { path, .. } => {
                let f =
                    Field::named(path).ok_or_else(|| invalid(format!("unknown field `{path}`")))?;
                self.field(f, cx)
            }
            Expr::Bool { value } => constant(*value),
            Expr::Number { value } => {
                format!("(i64.const {})", i64::try_from(*value).unwrap_or(i64::MAX))
            }
            Expr::Duration { minutes } => format!(
                "(i64.const {})",
                i64::try_from(*minutes)
                    .ok()
                    .and_then(|m| m.checked_mul(60))
                    .unwrap_or(i64::MAX)
            ),
            Expr::String { .. } | Expr::Enum { .. } => {
                let text = literal_text(expr).ok_or_else(|| invalid("a text".to_string()))?;
                self.data.shown(text)
            }
            other => self.truth(other, cx)?,
        })
    }

    /// The value of one field for the booking (and guardian) of the context.
    fn field(&mut self, field: Field, cx: Context) -> String {
        let text = |offset: u32| format!("(call $core.string (i32.const {offset}))");
        let number = |n: i64| format!("(i64.const {n})");
        match field {
            Field::Source | Field::Kind | Field::Status | Field::IdKind | Field::ConsentSource => {
                match enumerated(field) {
                    Some(e) => {
                        let table = self.data.table(e.words, field.path());
                        format!(
                            "(call $core.word (i32.const {table}) (call $core.byte (i32.const {})))",
                            e.offset
                        )
                    }
                    None => text(0),
                }
            }
            Field::Clinic => text(b::CLINIC),
            Field::Unit => text(b::UNIT),
            Field::Exam => text(b::EXAM),
            Field::Language => text(b::LANGUAGE),
            Field::Reminder => flag(b::flag::REMINDER),
            Field::LeadTime => format!(
                "(i64.sub (call $core.instant (i32.const {})) (call $core.instant (i32.const {})))",
                b::START,
                b::CREATED
            ),
            Field::Age => "(local.get $age)".to_string(),
            Field::Minor => "(local.get $minor)".to_string(),
            Field::HasMobile => format!("(call $core.has (i32.const {}))", b::MOBILE),
            Field::HasEmail => format!("(call $core.has (i32.const {}))", b::EMAIL),
            Field::ConsentSms => flag(b::flag::CONSENT_SMS),
            Field::ConsentEmail => flag(b::flag::CONSENT_EMAIL),
            Field::InboxAccount => flag(b::flag::INBOX_ACCOUNT),
            Field::InboxNotifications => flag(b::flag::INBOX_NOTIFICATIONS),
            Field::Interpreter => flag(b::flag::INTERPRETER),
            Field::GuardianHasMobile => match cx.guardian {
                Some(1) => format!("(call $core.has (i32.const {}))", b::GUARDIAN1_MOBILE),
                Some(_) => format!("(call $core.has (i32.const {}))", b::GUARDIAN2_MOBILE),
                None => constant(false),
            },
            Field::GuardianConsentSms => match cx.guardian {
                Some(1) => guardian(b::guardian::FIRST_CONSENT_SMS),
                Some(_) => guardian(b::guardian::SECOND_CONSENT_SMS),
                None => constant(false),
            },
            Field::GuardianNumber => number(cx.guardian.map_or(0, i64::from)),
        }
    }
}

/// The kind of an expression's value.
fn kind(expr: &Expr) -> Result<Kind3, BuildError> {
    Ok(match expr {
        Expr::Field { path, .. } => {
            let field =
                Field::named(path).ok_or_else(|| invalid(format!("unknown field `{path}`")))?;
            match field {
                Field::Source
                | Field::Kind
                | Field::Status
                | Field::Clinic
                | Field::Unit
                | Field::Exam
                | Field::IdKind
                | Field::ConsentSource
                | Field::Language => Kind3::Text,
                Field::LeadTime | Field::Age | Field::GuardianNumber => Kind3::Number,
                Field::Reminder
                | Field::Minor
                | Field::HasMobile
                | Field::HasEmail
                | Field::ConsentSms
                | Field::ConsentEmail
                | Field::InboxAccount
                | Field::InboxNotifications
                | Field::Interpreter
                | Field::GuardianHasMobile
                | Field::GuardianConsentSms => Kind3::Bool,
            }
        }
        Expr::Number { .. } | Expr::Duration { .. } => Kind3::Number,
        Expr::String { .. } | Expr::Enum { .. } => Kind3::Text,
        Expr::Bool { .. }
        | Expr::Or { .. }
        | Expr::And { .. }
        | Expr::Not { .. }
        | Expr::Compare { .. }
        | Expr::In { .. } => Kind3::Bool,
    })
}

fn literal_text(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::String { value } | Expr::Enum { value, .. } => Some(value),
        _ => None,
    }
}

fn constant(value: bool) -> String {
    format!("(i32.const {})", i32::from(value))
}

/// The instruction of a comparison of integers of `ty`, signed (`s`) or not (`u`).
fn int_op(ty: &str, op: CompareOp, sign: &str) -> String {
    match op {
        CompareOp::Eq => format!("{ty}.eq"),
        CompareOp::Ne => format!("{ty}.ne"),
        CompareOp::Lt => format!("{ty}.lt_{sign}"),
        CompareOp::Le => format!("{ty}.le_{sign}"),
        CompareOp::Gt => format!("{ty}.gt_{sign}"),
        CompareOp::Ge => format!("{ty}.ge_{sign}"),
    }
}

/// `(op a (op b c))`, or `empty` for no parts.
fn join(parts: Vec<String>, op: &str, empty: &str) -> String {
    parts
        .into_iter()
        .rev()
        .reduce(|acc, part| format!("({op} {part} {acc})"))
        .unwrap_or_else(|| empty.to_string())
}
