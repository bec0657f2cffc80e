//! The typed syntax tree of a `.rem` file, as written (before names and types are checked).
//!
//! Every node carries a [`Span`] into its source. Spans are left out of equality, so two trees
//! that differ only in layout compare equal (the formatter's round-trip test relies on it).
//! `Display` prints a compact form used by the AST snapshot tests.

use std::fmt;

mod display;

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, Default, Eq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn len(self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// Locations never decide equality: `a` at line 1 is the same name as `a` at line 9.
impl PartialEq for Span {
    fn eq(&self, _: &Span) -> bool {
        true
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        (span.start, span.len()).into()
    }
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

/// A quoted string (policy names, units, exams, time zones, templates) or a bare word
/// (channels, recipients, enum values).
pub type Name = Spanned<String>;

#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
}

impl File {
    /// The ids of every `template "ID"` of the file's policies, a fallback's own
    /// (`with template "ID"`) included, as written.
    pub fn template_ids(&self) -> impl Iterator<Item = &str> {
        self.items
            .iter()
            .filter_map(|item| match item {
                Item::Policy(p) => Some(&p.items),
                _ => None,
            })
            .flatten()
            .filter_map(|item| match item {
                PolicyItem::Message(m) => Some(&m.items),
                _ => None,
            })
            .flatten()
            .filter_map(|item| match &item.kind {
                MessageItemKind::Template(t)
                | MessageItemKind::Fallback {
                    wording: Some(Wording::Template(t)),
                    ..
                } => Some(t.node.as_str()),
                _ => None,
            })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Use(Use),
    Defaults(Defaults),
    Policy(Policy),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Use(u) => u.span,
            Item::Defaults(d) => d.span,
            Item::Policy(p) => p.span,
        }
    }
}

/// `use "clinic-defaults.rem"`: makes the `defaults` blocks of another file available.
#[derive(Debug, Clone, PartialEq)]
pub struct Use {
    pub path: Name,
    pub span: Span,
}

/// `defaults "NAME" { ... }`: settings shared by the policies that `extends` it.
#[derive(Debug, Clone, PartialEq)]
pub struct Defaults {
    pub name: Name,
    pub items: Vec<PolicyItem>,
    pub span: Span,
    /// Where the closing brace is, so the formatter can keep comments before it.
    pub end: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// `recall "NAME" { ... }` rather than `policy`: its messages are timed from the date a
    /// service is due again (R8).
    pub recall: bool,
    pub name: Name,
    pub extends: Option<Name>,
    pub items: Vec<PolicyItem>,
    pub span: Span,
    pub end: Span,
}

/// One statement inside a policy or defaults block, in source order.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyItem {
    Setting(Setting),
    Scope(Scope),
    UnitOverride(UnitOverride),
    WinsOver(Vec<Name>, Span),
    Exclusion(Exclusion),
    Message(Message),
    /// `due 1 year after "rabies-vaccine"` (recalls only).
    Due {
        interval: Spanned<Duration>,
        service: Name,
        span: Span,
    },
    /// `booked_by "vaccination", "health-check"` (recalls only).
    BookedBy(Vec<Name>, Span),
    /// `due_soon 30 days` (recalls only).
    DueSoon(Spanned<Duration>, Span),
}

impl PolicyItem {
    pub fn span(&self) -> Span {
        match self {
            PolicyItem::Setting(s) => s.span,
            PolicyItem::Scope(s) => s.span,
            PolicyItem::UnitOverride(u) => u.span,
            PolicyItem::WinsOver(_, span) => *span,
            PolicyItem::Exclusion(e) => e.span,
            PolicyItem::Message(m) => m.span,
            PolicyItem::Due { span, .. }
            | PolicyItem::BookedBy(_, span)
            | PolicyItem::DueSoon(_, span) => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub kind: SettingKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SettingKind {
    Timezone(Name),
    MinorAge(Spanned<u64>),
    Window(Window),
    LateBooking(Name),
    Sender(Name),
}

impl SettingKind {
    /// The keyword that introduces the setting, as the author writes it.
    pub fn keyword(&self) -> &'static str {
        match self {
            SettingKind::Timezone(_) => "timezone",
            SettingKind::MinorAge(_) => "minor_age",
            SettingKind::Window(_) => "window",
            SettingKind::LateBooking(_) => "late_booking",
            SettingKind::Sender(_) => "sender",
        }
    }
}

/// `window 08:00..20:00 weekdays`
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub from: Spanned<TimeOfDay>,
    pub until: Spanned<TimeOfDay>,
    pub days: Option<Spanned<Days>>,
}

/// A time of day as written; the checker rejects `25:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeOfDay {
    pub hour: u32,
    pub minute: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Days {
    Weekdays,
    Weekends,
    Daily,
    /// `mon, wed, fri` as three-letter English day names.
    List(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    pub kind: ScopeKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScopeKind {
    Clinics(Vec<Name>),
    Units(Vec<Name>),
    Exams(Vec<Name>),
    Kinds(Vec<Name>),
}

/// `unit "DSK" { minor_age 16 }`
#[derive(Debug, Clone, PartialEq)]
pub struct UnitOverride {
    pub unit: Name,
    pub settings: Vec<Setting>,
    pub span: Span,
    pub end: Span,
}

/// `exclude "quick-book" when booking.source == quick_book`
#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    pub name: Name,
    pub condition: Expr,
    pub span: Span,
}

pub use crate::schema::MessageKind;

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub kind: Spanned<MessageKind>,
    pub name: Name,
    pub items: Vec<MessageItem>,
    pub span: Span,
    pub end: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessageItem {
    pub kind: MessageItemKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MessageItemKind {
    Send(Vec<Trigger>),
    Via(Name),
    To {
        recipient: Name,
        condition: Option<Expr>,
    },
    Also {
        channel: Name,
        condition: Option<Expr>,
    },
    Fallback {
        channel: Name,
        after: Spanned<Duration>,
        waits_for: Name,
        /// `with template "ID"` or `with text "..."`: what the fallback sends instead of the
        /// message's own wording.
        wording: Option<Wording>,
    },
    Template(Name),
    Text(Name),
    Setting(Setting),
}

/// A fallback's own wording: a template, or an inline text.
#[derive(Debug, Clone, PartialEq)]
pub enum Wording {
    Template(Name),
    Text(Name),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub kind: TriggerKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TriggerKind {
    /// `at booking`
    AtBooking,
    /// `on cancellation`, `on results_ready`, `on due at 09:00`, `on reply "AVBOKA"`
    On {
        event: Name,
        /// The reply words of `on reply`.
        words: Vec<Name>,
        at: Option<Spanned<TimeOfDay>>,
    },
    /// `1 day before at 10:00`, `2 hours before`, `1 day after` (staff tasks only), `30 days
    /// before due` (recalls)
    Offset {
        amount: Spanned<Duration>,
        direction: Direction,
        /// `visit` or `due`, when written.
        anchor: Option<Name>,
        at: Option<Spanned<TimeOfDay>>,
    },
    /// `every day at 08:00 for 10 days from therapy_started`
    Every {
        step: Spanned<Step>,
        at: Option<Spanned<TimeOfDay>>,
        limit: Spanned<Limit>,
        /// `visit`, `booking`, `due` or a booking event, when written.
        from: Option<Name>,
    },
}

/// How far apart the repetitions of `every` are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `every 2 days`, `every 1 week`
    Duration(Duration),
    /// `every day`, `every week`, `every monday`
    Word(String),
}

/// How many times `every` repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `for 10 days`
    For(Duration),
    /// `6 times`
    Times(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Before,
    After,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DurationUnit {
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
    Years,
}

impl DurationUnit {
    /// Months and years: calendar lengths, only for a recall's interval.
    pub fn is_calendar(self) -> bool {
        matches!(self, DurationUnit::Months | DurationUnit::Years)
    }

    pub fn word(self, count: u64) -> &'static str {
        match (self, count == 1) {
            (DurationUnit::Minutes, true) => "minute",
            (DurationUnit::Minutes, false) => "minutes",
            (DurationUnit::Hours, true) => "hour",
            (DurationUnit::Hours, false) => "hours",
            (DurationUnit::Days, true) => "day",
            (DurationUnit::Days, false) => "days",
            (DurationUnit::Weeks, true) => "week",
            (DurationUnit::Weeks, false) => "weeks",
            (DurationUnit::Months, true) => "month",
            (DurationUnit::Months, false) => "months",
            (DurationUnit::Years, true) => "year",
            (DurationUnit::Years, false) => "years",
        }
    }
}

/// `3 days`, `90 minutes` as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Duration {
    pub value: u64,
    pub unit: DurationUnit,
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.unit.word(self.value))
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

pub type Expr = Spanned<ExprKind>;

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `a or b or c`, two or more operands.
    Or(Vec<Expr>),
    /// `a and b`, two or more operands.
    And(Vec<Expr>),
    Not(Box<Expr>),
    Compare {
        op: Spanned<CompareOp>,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    In {
        value: Box<Expr>,
        list: Vec<Expr>,
    },
    /// `patient.consent.sms`
    Field(Vec<String>),
    /// A bare word: an enum value such as `quick_book`, checked against the other operand.
    Word(String),
    String(String),
    Number(u64),
    Duration(Duration),
    Bool(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    /// Whether the comparison holds between two values that compare as `ordering`.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        match self {
            CompareOp::Eq => ordering.is_eq(),
            CompareOp::Ne => ordering.is_ne(),
            CompareOp::Lt => ordering.is_lt(),
            CompareOp::Le => ordering.is_le(),
            CompareOp::Gt => ordering.is_gt(),
            CompareOp::Ge => ordering.is_ge(),
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}
