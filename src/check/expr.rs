//! Typing conditions against the schema, and spotting conditions that are always or never true.

use crate::ast::{self, CompareOp, ExprKind};
use crate::plan::Expr;
use crate::schema::{self, Subject, Type};

use super::CheckError;
use super::suggest;

/// Types conditions; errors are collected, and a condition with an error yields `None`.
pub(super) struct Typer<'a> {
    pub errors: &'a mut Vec<CheckError>,
    /// Whether guardian fields may be read (the condition of a guardian recipient).
    pub guardian: bool,
}

impl Typer<'_> {
    /// A condition: must be yes/no.
    pub fn condition(&mut self, expr: &ast::Expr) -> Option<Expr> {
        let (typed, ty) = self.typed(expr)?;
        if ty != Type::Bool {
            self.errors.push(CheckError::NotACondition {
                found: ty.describe(),
                span: expr.span.into(),
            });
            return None;
        }
        Some(typed)
    }

    fn all_conditions(&mut self, items: &[ast::Expr]) -> Option<Vec<Expr>> {
        // Check every operand, so that one condition reports all of its mistakes at once.
        let typed: Vec<Option<Expr>> = items.iter().map(|e| self.condition(e)).collect();
        typed.into_iter().collect()
    }

    fn typed(&mut self, expr: &ast::Expr) -> Option<(Expr, Type)> {
        let span = expr.span;
        match &expr.node {
            ExprKind::Or(items) => Some((
                Expr::Or {
                    args: self.all_conditions(items)?,
                },
                Type::Bool,
            )),
            ExprKind::And(items) => Some((
                Expr::And {
                    args: self.all_conditions(items)?,
                },
                Type::Bool,
            )),
            ExprKind::Not(inner) => Some((
                Expr::Not {
                    arg: Box::new(self.condition(inner)?),
                },
                Type::Bool,
            )),
            ExprKind::Compare { op, left, right } => self.compare(op, left, right),
            ExprKind::In { value, list } => {
                let (value_typed, ty) = self.typed(value)?;
                if list.is_empty() {
                    self.errors
                        .push(CheckError::EmptyList { span: span.into() });
                    return None;
                }
                let mut items = Vec::new();
                let mut ok = true;
                for item in list {
                    match self.typed_as(item, ty, value) {
                        Some(typed) => items.push(typed),
                        None => ok = false,
                    }
                }
                ok.then(|| {
                    (
                        Expr::In {
                            value: Box::new(value_typed),
                            list: items,
                        },
                        Type::Bool,
                    )
                })
            }
            ExprKind::Field(path) => self.field(path, span),
            ExprKind::Word(word) => {
                self.errors.push(CheckError::UnknownWord {
                    word: word.clone(),
                    span: span.into(),
                    suggestion: suggest::closest(word, field_leaves())
                        .map(|leaf| field_for_leaf(leaf).to_string()),
                });
                None
            }
            ExprKind::String(value) => Some((
                Expr::String {
                    value: value.clone(),
                },
                Type::String,
            )),
            ExprKind::Number(value) => Some((Expr::Number { value: *value }, Type::Number)),
            ExprKind::Duration(d) if d.unit.is_calendar() => {
                self.errors.push(CheckError::CalendarUnitNotHere {
                    amount: d.to_string(),
                    span: expr.span.into(),
                });
                None
            }
            ExprKind::Duration(d) => Some((
                Expr::Duration {
                    minutes: exact_minutes(*d),
                },
                Type::Duration,
            )),
            ExprKind::Bool(value) => Some((Expr::Bool { value: *value }, Type::Bool)),
        }
    }

    fn field(&mut self, path: &[String], span: ast::Span) -> Option<(Expr, Type)> {
        let joined = path.join(".");
        match schema::field_named(&joined) {
            Some(field) if field.subject == Subject::Guardian && !self.guardian => {
                self.errors.push(CheckError::GuardianFieldOutsideGuardian {
                    field: joined,
                    span: span.into(),
                });
                None
            }
            Some(field) => Some((
                Expr::Field {
                    path: joined,
                    ty: field.ty,
                },
                field.ty,
            )),
            None => {
                self.errors.push(CheckError::UnknownField {
                    suggestion: suggest::suggestion(&joined, schema::FIELDS.iter().map(|f| f.path)),
                    field: joined,
                    span: span.into(),
                });
                None
            }
        }
    }

    /// Types `expr` where a value of type `expected` (the type of `other`) is needed; bare words
    /// are read as that type's enum values.
    fn typed_as(&mut self, expr: &ast::Expr, expected: Type, other: &ast::Expr) -> Option<Expr> {
        if let ExprKind::Word(word) = &expr.node {
            return self.enum_value(word, expr.span, expected, other);
        }
        let (typed, ty) = self.typed(expr)?;
        if ty != expected {
            self.mismatch(other, expected, expr, ty);
            return None;
        }
        Some(typed)
    }

    fn enum_value(
        &mut self,
        word: &str,
        span: ast::Span,
        expected: Type,
        other: &ast::Expr,
    ) -> Option<Expr> {
        let field = match &other.node {
            ExprKind::Field(path) => path.join("."),
            _ => "the other side".to_string(),
        };
        match expected {
            Type::Enum(of) if of.values().contains(&word) => Some(Expr::Enum {
                of,
                value: word.to_string(),
            }),
            Type::Enum(of) => {
                self.errors.push(CheckError::UnknownEnumValue {
                    value: word.to_string(),
                    field,
                    of,
                    span: span.into(),
                    suggestion: suggest::suggestion(word, of.values().iter().copied()),
                });
                None
            }
            expected => {
                self.errors.push(CheckError::WordNotAValue {
                    word: word.to_string(),
                    field,
                    expected,
                    span: span.into(),
                });
                None
            }
        }
    }

    fn compare(
        &mut self,
        op: &ast::Spanned<CompareOp>,
        left: &ast::Expr,
        right: &ast::Expr,
    ) -> Option<(Expr, Type)> {
        // A bare word takes its meaning from the other side: `booking.source == portal`.
        let word = |e: &ast::Expr| matches!(e.node, ExprKind::Word(_));
        let (left_typed, right_typed, ty) = if word(left) && !word(right) {
            let (right_typed, ty) = self.typed(right)?;
            (self.typed_as(left, ty, right)?, right_typed, ty)
        } else {
            let (left_typed, ty) = self.typed(left)?;
            (left_typed, self.typed_as(right, ty, left)?, ty)
        };
        if !ty.is_ordered() && !matches!(op.node, CompareOp::Eq | CompareOp::Ne) {
            self.errors.push(CheckError::NotOrdered {
                op: op.node.symbol().to_string(),
                ty: ty.describe(),
                span: op.span.into(),
            });
            return None;
        }
        Some((
            Expr::Compare {
                cmp: op.node,
                left: Box::new(left_typed),
                right: Box::new(right_typed),
            },
            Type::Bool,
        ))
    }

    fn mismatch(&mut self, left: &ast::Expr, left_ty: Type, right: &ast::Expr, right_ty: Type) {
        self.errors.push(CheckError::TypeMismatch {
            left_type: left_ty,
            right_type: right_ty,
            left: left.span.into(),
            right: right.span.into(),
        });
    }
}

fn field_leaves() -> impl Iterator<Item = &'static str> {
    schema::FIELDS
        .iter()
        .filter_map(|f| f.path.rsplit('.').next())
}

fn field_for_leaf(leaf: &str) -> &'static str {
    schema::FIELDS
        .iter()
        .find(|f| f.path.ends_with(&format!(".{leaf}")))
        .map_or("patient.age", |f| f.path)
}

/// Durations in conditions are exact; a day is 24 hours here.
pub(super) fn exact_minutes(d: ast::Duration) -> u64 {
    let per_unit = match d.unit {
        ast::DurationUnit::Minutes => 1,
        ast::DurationUnit::Hours => 60,
        ast::DurationUnit::Days => 24 * 60,
        ast::DurationUnit::Weeks => 7 * 24 * 60,
        // Not exact: the checker refuses these outside a recall's `due` (E123).
        ast::DurationUnit::Months => 30 * 24 * 60,
        ast::DurationUnit::Years => 365 * 24 * 60,
    };
    d.value.saturating_mul(per_unit)
}

/// The most atoms for which every combination is tried (2^12 evaluations).
const MAX_ATOMS: usize = 12;

/// `Some(true)` when the condition holds whatever the booking, `Some(false)` when it never
/// holds, `None` otherwise or when it is too large to tell. Each comparison is treated as an
/// independent yes/no atom, so "always true" is only claimed when it is certain.
pub(super) fn constant_truth(expr: &Expr) -> Option<bool> {
    let mut atoms: Vec<String> = Vec::new();
    collect_atoms(expr, &mut atoms);
    if atoms.len() > MAX_ATOMS {
        return None;
    }
    verdict((0u32..(1 << atoms.len())).map(|assignment| eval(expr, &atoms, assignment)))
}

/// `Some(truth)` when every evaluation gave the same truth.
fn verdict(mut truths: impl Iterator<Item = bool>) -> Option<bool> {
    let first = truths.next()?;
    truths.all(|t| t == first).then_some(first)
}

/// An age comparison or `patient.minor`: decided by the patient's age and the minor age.
enum AgeAtom {
    /// `patient.age CMP n`, turned so that the age is on the left.
    Age(CompareOp, u64),
    Minor,
}

fn age_atom(expr: &Expr) -> Option<AgeAtom> {
    let is = |e: &Expr, path: &str| matches!(e, Expr::Field { path: p, .. } if p == path);
    match expr {
        e if is(e, "patient.minor") => Some(AgeAtom::Minor),
        Expr::Compare { cmp, left, right } => match (&**left, &**right) {
            (l, Expr::Number { value }) if is(l, "patient.age") => Some(AgeAtom::Age(*cmp, *value)),
            (Expr::Number { value }, r) if is(r, "patient.age") => {
                let turned = match cmp {
                    CompareOp::Lt => CompareOp::Gt,
                    CompareOp::Le => CompareOp::Ge,
                    CompareOp::Gt => CompareOp::Lt,
                    CompareOp::Ge => CompareOp::Le,
                    same => *same,
                };
                Some(AgeAtom::Age(turned, *value))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Each atom (by its key) as an age atom, or `None` for any other.
fn age_atoms(atoms: &[String]) -> Vec<Option<AgeAtom>> {
    atoms
        .iter()
        .map(|key| {
            serde_json::from_str::<Expr>(key)
                .ok()
                .as_ref()
                .and_then(age_atom)
        })
        .collect()
}

/// Whether the condition speaks of minors (`patient.minor`).
pub(super) fn mentions_minor(expr: &Expr) -> bool {
    let mut atoms: Vec<String> = Vec::new();
    collect_atoms(expr, &mut atoms);
    age_atoms(&atoms)
        .iter()
        .any(|k| matches!(k, Some(AgeAtom::Minor)))
}

/// [`constant_truth`] with what ages are: a patient's age is a whole number from 0, and a minor
/// is younger than the minor age (each of `minor_ages`: the policy's and its units'). Catches
/// `patient.minor and patient.age >= 16` under `minor_age 16`, and `patient.age < 0`.
pub(super) fn constant_truth_with_ages(expr: &Expr, minor_ages: &[u64]) -> Option<bool> {
    let mut atoms: Vec<String> = Vec::new();
    collect_atoms(expr, &mut atoms);
    let kinds = age_atoms(&atoms);
    let free = kinds.iter().filter(|k| k.is_none()).count();
    if free > MAX_ATOMS || atoms.len() > 24 || free == atoms.len() {
        return None;
    }
    // Every age that can change an answer: 0, and each threshold and its neighbours.
    let thresholds = kinds.iter().filter_map(|k| match k {
        Some(AgeAtom::Age(_, n)) => Some(*n),
        _ => None,
    });
    let mut ages: Vec<u64> = vec![0];
    for t in minor_ages.iter().copied().chain(thresholds) {
        ages.extend([t.saturating_sub(1), t, t.saturating_add(1)]);
    }
    ages.sort_unstable();
    ages.dedup();
    let mut assignments: Vec<u32> = Vec::new();
    for &minor_age in minor_ages {
        for &age in &ages {
            let decide = |kind: &Option<AgeAtom>| {
                Some(match kind.as_ref()? {
                    AgeAtom::Minor => age < minor_age,
                    AgeAtom::Age(cmp, n) => cmp.holds(age.cmp(n)),
                })
            };
            let fixed: Vec<Option<bool>> = kinds.iter().map(decide).collect();
            for assignment in 0u32..(1 << free) {
                let mut bits = 0u32;
                let mut next_free = 0;
                for (i, value) in fixed.iter().enumerate() {
                    let on = match value {
                        Some(v) => *v,
                        None => {
                            next_free += 1;
                            assignment & (1 << (next_free - 1)) != 0
                        }
                    };
                    if on {
                        bits |= 1 << i;
                    }
                }
                assignments.push(bits);
            }
        }
    }
    verdict(assignments.into_iter().map(|bits| eval(expr, &atoms, bits)))
}

fn atom_key(expr: &Expr) -> String {
    serde_json::to_string(expr).unwrap_or_default()
}

fn collect_atoms(expr: &Expr, atoms: &mut Vec<String>) {
    match expr {
        Expr::Or { args } | Expr::And { args } => args.iter().for_each(|a| collect_atoms(a, atoms)),
        Expr::Not { arg } => collect_atoms(arg, atoms),
        other if literal_truth(other).is_some() => {}
        other => {
            let key = atom_key(other);
            if !atoms.contains(&key) {
                atoms.push(key);
            }
        }
    }
}

fn eval(expr: &Expr, atoms: &[String], assignment: u32) -> bool {
    match expr {
        Expr::Or { args } => args.iter().any(|a| eval(a, atoms, assignment)),
        Expr::And { args } => args.iter().all(|a| eval(a, atoms, assignment)),
        Expr::Not { arg } => !eval(arg, atoms, assignment),
        other => literal_truth(other).unwrap_or_else(|| {
            let key = atom_key(other);
            let index = atoms.iter().position(|a| *a == key).unwrap_or(0);
            assignment & (1 << index) != 0
        }),
    }
}

/// The value of a condition made only of literals: `true`, `1 == 1`, `2 in [1, 2]`.
fn literal_truth(expr: &Expr) -> Option<bool> {
    match expr {
        Expr::Bool { value } => Some(*value),
        Expr::Compare { cmp, left, right } => Some(cmp.holds(compare_literals(left, right)?)),
        Expr::In { value, list } => {
            let mut found = false;
            for item in list {
                found |= compare_literals(value, item)?.is_eq();
            }
            Some(found)
        }
        _ => None,
    }
}

fn compare_literals(left: &Expr, right: &Expr) -> Option<std::cmp::Ordering> {
    match (left, right) {
        (Expr::Number { value: a }, Expr::Number { value: b }) => Some(a.cmp(b)),
        (Expr::Duration { minutes: a }, Expr::Duration { minutes: b }) => Some(a.cmp(b)),
        (Expr::String { value: a }, Expr::String { value: b }) => Some(a.cmp(b)),
        (Expr::Bool { value: a }, Expr::Bool { value: b }) => Some(a.cmp(b)),
        (Expr::Enum { value: a, .. }, Expr::Enum { value: b, .. }) => Some(a.cmp(b)),
        _ => None,
    }
}
