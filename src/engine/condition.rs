//! Conditions from the plan, with field paths resolved once, evaluated against a booking.
//! Each field of the vocabulary (`schema::FIELDS`) is read in [`field`], one arm a field.

use crate::booking::{Booking, Guardian};
use crate::plan::{CompareOp, Expr};
use crate::schema::Field;

/// What a condition can read about one booking (and, for guardian recipients, one guardian).
#[derive(Clone, Copy)]
pub struct Context<'a, 'b> {
    pub booking: &'a Booking<'b>,
    /// Whole years on the visit's local date.
    pub age: i64,
    pub minor: bool,
    /// The guardian a recipient condition is about: number (1 or 2) and record.
    pub guardian: Option<(i64, &'a Guardian<'b>)>,
}

/// A value a condition compares. Enum values compare by their words.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Value<'a> {
    Bool(bool),
    Number(i64),
    Text(&'a str),
}

#[derive(Debug, Clone)]
enum Node {
    Or(Vec<Node>),
    And(Vec<Node>),
    Not(Box<Node>),
    Compare(CompareOp, Box<Node>, Box<Node>),
    In(Box<Node>, Vec<Node>),
    Field(Field),
    Bool(bool),
    Number(i64),
    Text(String),
}

#[derive(Debug, Clone)]
pub struct Condition(Node);

impl Condition {
    pub fn new(expr: &Expr) -> Result<Condition, String> {
        node(expr).map(Condition)
    }

    pub fn holds(&self, context: &Context<'_, '_>) -> bool {
        truth(&self.0, context)
    }
}

fn node(expr: &Expr) -> Result<Node, String> {
    let all = |args: &[Expr]| args.iter().map(node).collect::<Result<Vec<_>, _>>();
    Ok(match expr {
        Expr::Or { args } => Node::Or(all(args)?),
        Expr::And { args } => Node::And(all(args)?),
        Expr::Not { arg } => Node::Not(Box::new(node(arg)?)),
        Expr::Compare { cmp, left, right } => {
            Node::Compare(*cmp, Box::new(node(left)?), Box::new(node(right)?))
        }
        Expr::In { value, list } => Node::In(Box::new(node(value)?), all(list)?),
        Expr::Field { path, .. } => {
            Node::Field(Field::named(path).ok_or_else(|| format!("unknown field `{path}`"))?)
        }
        Expr::Bool { value } => Node::Bool(*value),
        Expr::Number { value } => Node::Number(i64::try_from(*value).unwrap_or(i64::MAX)),
        // Durations are compared in seconds, exactly: feeds carry seconds, and a booking made
        // one hour and one second ahead is not made `1 hours` ahead.
        Expr::Duration { minutes } => Node::Number(
            i64::try_from(*minutes)
                .ok()
                .and_then(|m| m.checked_mul(60))
                .unwrap_or(i64::MAX),
        ),
        Expr::String { value } => Node::Text(value.clone()),
        Expr::Enum { of, value } => {
            if !of.values().contains(&value.as_str()) {
                return Err(format!("`{value}` is not a value of {of:?}"));
            }
            Node::Text(value.clone())
        }
    })
}

fn truth(node: &Node, cx: &Context<'_, '_>) -> bool {
    match node {
        Node::Or(args) => args.iter().any(|a| truth(a, cx)),
        Node::And(args) => args.iter().all(|a| truth(a, cx)),
        Node::Not(arg) => !truth(arg, cx),
        Node::Compare(op, left, right) => {
            let ordering = value(left, cx).partial_cmp(&value(right, cx));
            match ordering {
                Some(o) => op.holds(o),
                None => *op == CompareOp::Ne,
            }
        }
        Node::In(v, list) => {
            let v = value(v, cx);
            list.iter().any(|item| value(item, cx) == v)
        }
        other => value(other, cx) == Value::Bool(true),
    }
}

fn value<'a>(node: &'a Node, cx: &Context<'a, '_>) -> Value<'a> {
    match node {
        Node::Field(f) => field(*f, cx),
        Node::Bool(v) => Value::Bool(*v),
        Node::Number(n) => Value::Number(*n),
        Node::Text(t) => Value::Text(t),
        other => Value::Bool(truth(other, cx)),
    }
}

/// The value of one field for the booking (and guardian) of the context.
fn field<'a>(field: Field, cx: &Context<'a, '_>) -> Value<'a> {
    let b = cx.booking;
    match field {
        Field::Source => Value::Text(b.source.as_str()),
        Field::Kind => Value::Text(b.kind.as_str()),
        Field::Status => Value::Text(b.status.as_str()),
        Field::Clinic => Value::Text(&b.clinic),
        Field::Unit => Value::Text(&b.unit),
        Field::Exam => Value::Text(&b.exam),
        Field::Reminder => Value::Bool(b.reminder),
        // Durations are compared in seconds, exactly: see `node`.
        Field::LeadTime => Value::Number((b.start - b.created).num_seconds()),
        Field::Age => Value::Number(cx.age),
        Field::Minor => Value::Bool(cx.minor),
        Field::IdKind => Value::Text(b.patient.id_kind.as_str()),
        Field::HasMobile => Value::Bool(b.patient.mobile.is_some()),
        Field::HasEmail => Value::Bool(b.patient.email.is_some()),
        Field::ConsentSms => Value::Bool(b.patient.consent_sms),
        Field::ConsentEmail => Value::Bool(b.patient.consent_email),
        Field::ConsentSource => Value::Text(b.patient.consent_source.as_str()),
        Field::InboxAccount => Value::Bool(b.patient.inbox_account),
        Field::InboxNotifications => Value::Bool(b.patient.inbox_notifications),
        Field::Interpreter => Value::Bool(b.patient.interpreter),
        Field::Language => Value::Text(b.patient.language.as_deref().unwrap_or("")),
        Field::GuardianHasMobile => {
            Value::Bool(cx.guardian.is_some_and(|(_, g)| g.mobile.is_some()))
        }
        Field::GuardianConsentSms => Value::Bool(cx.guardian.is_some_and(|(_, g)| g.consent_sms)),
        Field::GuardianNumber => Value::Number(cx.guardian.map_or(0, |(n, _)| n)),
    }
}
