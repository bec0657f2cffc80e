//! Stage 2: AST → plan. Checks names, types and settings, resolves `use`, `extends` and unit
//! overrides, and yields the typed [`Plan`] together with every error and warning found.
//!
//! The checker never stops at the first error: it reports all it can find, and a policy with
//! errors is left out of the plan (callers must not use a plan that came with errors).

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{self, Name, PolicyItem, ScopeKind, SettingKind, Span};
use crate::plan::{self, LateBooking, Plan};
use crate::schema::{self, EnumType, Kind, Weekday};
use crate::source::{FileId, Program};

mod ages;
mod allow;
mod dates;
mod deceptive;
mod error;
mod expr;
mod message;
mod overlap;
mod recall;

pub(crate) use crate::suggest;
pub use overlap::{Clash, clashes};
mod template;
mod text;
mod trigger;

pub use error::{CheckError, FileLine};
pub use text::{Encoding, sms_segments};

/// The result of checking a program: the plan of every policy without errors, and every error
/// and warning with the file it is about. (`crate::compile` gathers them with the loader's into
/// sorted diagnostics.)
#[derive(Debug, Clone)]
pub struct Checked {
    pub plan: Plan,
    pub errors: Vec<(FileId, CheckError)>,
    /// Warnings silenced by a `// rem: allow CODE` comment (`check::allow`).
    pub silenced: Vec<(FileId, CheckError)>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.errors.iter().any(|(_, e)| !is_warning(e))
    }
}

/// Checks every policy of the program's root files.
pub fn check(program: &Program) -> Checked {
    let mut template_errors = Vec::new();
    let templates = template::check_all(program, &mut |file, errors| {
        template_errors.extend(errors.into_iter().map(|e| (file, e)));
    });
    let mut checker = Checker {
        program,
        errors: template_errors,
        templates,
    };
    let policies = checker.policies();
    for (file, warning) in deceptive::warnings(program) {
        checker.report(file, [warning]);
    }
    let (errors, silenced) = allow::split(program, checker.errors);
    Checked {
        plan: Plan::new(policies),
        errors,
        silenced,
    }
}

struct Checker<'p> {
    program: &'p Program,
    errors: Vec<(FileId, CheckError)>,
    /// The template files, checked once each (R19).
    templates: BTreeMap<FileId, Option<template::Template>>,
}

/// Settings written in one block (defaults, policy, unit override or message); `None` where
/// the block does not set them.
#[derive(Debug, Clone, Default)]
struct Block {
    timezone: Option<chrono_tz::Tz>,
    /// A `timezone` was written here (or in what this block extends) that is not a time zone:
    /// its error is the one to fix, not a missing time zone.
    timezone_unknown: bool,
    minor_age: Option<u64>,
    window: Option<plan::Window>,
    late_booking: Option<LateBooking>,
    sender: Option<String>,
    clinics: Option<Vec<String>>,
    units: BTreeMap<String, Block>,
}

impl Block {
    /// This block's settings where it has them, else `base`'s.
    fn over(self, base: &Block) -> Block {
        let mut units = base.units.clone();
        for (unit, own) in self.units {
            let merged = match base.units.get(&unit) {
                Some(inherited) => own.over(inherited),
                None => own,
            };
            units.insert(unit, merged);
        }
        Block {
            timezone: self.timezone.or(base.timezone),
            timezone_unknown: self.timezone_unknown || base.timezone_unknown,
            minor_age: self.minor_age.or(base.minor_age),
            window: self.window.or_else(|| base.window.clone()),
            late_booking: self.late_booking.or(base.late_booking),
            sender: self.sender.or_else(|| base.sender.clone()),
            clinics: self.clinics.or_else(|| base.clinics.clone()),
            units,
        }
    }

    fn settings(&self) -> plan::Settings {
        plan::Settings {
            minor_age: self.minor_age.unwrap_or(schema::DEFAULT_MINOR_AGE),
            window: self.window.clone(),
            late_booking: self.late_booking.unwrap_or(LateBooking::Skip),
            sender: self.sender.clone(),
        }
    }
}

/// Where a setting is written, which decides what may be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Policy,
    Unit,
    Message,
}

impl Checker<'_> {
    fn report(&mut self, file: FileId, errors: impl IntoIterator<Item = CheckError>) {
        self.errors.extend(errors.into_iter().map(|e| (file, e)));
    }

    fn policies(&mut self) -> Vec<plan::Policy> {
        let defaults = self.defaults();
        let roots = self.root_policies(&defaults);
        self.check_wins_over(&roots.names);
        let overlaps = overlap::find(&roots.compiled, &roots.statements);
        let twice = overlap::twice_in_policy(&roots.compiled, &roots.statements);
        for (file, error) in overlaps.into_iter().chain(twice) {
            self.report(file, [error]);
        }
        roots.compiled
    }

    /// The defaults blocks of each file, checked once, by name.
    fn defaults(&mut self) -> BTreeMap<FileId, BTreeMap<String, Block>> {
        let mut defaults = BTreeMap::new();
        for module in &self.program.modules {
            let mut errors = Vec::new();
            let mut blocks = BTreeMap::new();
            for item in &module.ast.items {
                let ast::Item::Defaults(d) = item else {
                    continue;
                };
                if blocks.contains_key(&d.name.node) {
                    errors.push(CheckError::DuplicateDefaults {
                        name: d.name.node.clone(),
                        span: d.name.span.into(),
                    });
                    continue;
                }
                let block = self.block(&mut errors, &d.items, Place::Policy);
                blocks.insert(d.name.node.clone(), block);
            }
            self.report(module.file, errors);
            defaults.insert(module.file, blocks);
        }
        defaults
    }

    /// Compiles the policies of the root files, in order.
    fn root_policies(&mut self, defaults: &BTreeMap<FileId, BTreeMap<String, Block>>) -> Roots {
        let mut roots = Roots {
            names: PolicyNames::new(),
            compiled: Vec::new(),
            statements: Vec::new(),
        };
        for module in &self.program.modules {
            let file = module.file;
            for item in &module.ast.items {
                let ast::Item::Policy(policy) = item else {
                    continue;
                };
                if !module.root {
                    let span = policy.name.span.into();
                    self.report(file, [CheckError::PolicyInUsedFile { span }]);
                    continue;
                }
                if let Some(duplicate) = self.duplicate_policy(&roots.names, file, &policy.name) {
                    self.report(file, [duplicate]);
                    continue;
                }
                roots
                    .names
                    .insert(policy.name.node.clone(), (file, policy.name.span));
                // Defaults visible from this file: its own, then those of the files it uses.
                let visible = std::iter::once(file)
                    .chain(module.uses.iter().copied())
                    .filter_map(|f| defaults.get(&f))
                    .collect::<Vec<_>>();
                if let Some(p) = self.policy(file, policy, &visible) {
                    roots.statements.push((file, policy.items.clone()));
                    roots.compiled.push(p);
                }
            }
        }
        roots
    }

    /// E030 when a policy of this name was seen before.
    fn duplicate_policy(
        &self,
        names: &PolicyNames,
        file: FileId,
        name: &Name,
    ) -> Option<CheckError> {
        let (first_file, first_span) = names.get(&name.node)?;
        let (first, elsewhere) = if *first_file == file {
            (Some((*first_span).into()), None)
        } else {
            (
                None,
                Some(file_line(self.program, *first_file, *first_span)),
            )
        };
        Some(CheckError::DuplicatePolicy {
            name: name.node.clone(),
            span: name.span.into(),
            first,
            elsewhere,
        })
    }

    /// Every `wins_over` names another policy that exists.
    fn check_wins_over(&mut self, names: &PolicyNames) {
        for module in self.program.modules.iter().filter(|m| m.root) {
            for item in &module.ast.items {
                let ast::Item::Policy(policy) = item else {
                    continue;
                };
                for statement in &policy.items {
                    let PolicyItem::WinsOver(others, _) = statement else {
                        continue;
                    };
                    let errors: Vec<CheckError> = others
                        .iter()
                        .filter_map(|other| wins_over_error(names, &policy.name, other))
                        .collect();
                    self.report(module.file, errors);
                }
            }
        }
    }

    /// Settings, clinics and unit overrides of a defaults or policy block.
    fn block(&self, errors: &mut Vec<CheckError>, items: &[PolicyItem], place: Place) -> Block {
        let settings = items.iter().filter_map(|i| match i {
            PolicyItem::Setting(s) => Some(s),
            _ => None,
        });
        let mut block = self.settings(errors, settings, place);
        let mut clinic_span: Option<Span> = None;
        let mut override_spans: BTreeMap<String, Span> = BTreeMap::new();
        for item in items {
            match item {
                PolicyItem::Scope(ast::Scope {
                    kind: ScopeKind::Clinics(clinics),
                    span,
                }) => {
                    if let Some(first) = clinic_span {
                        errors.push(CheckError::DuplicateSetting {
                            setting: "clinic".to_string(),
                            span: (*span).into(),
                            first: first.into(),
                        });
                        continue;
                    }
                    clinic_span = Some(*span);
                    block.clinics = Some(unique_names(errors, clinics));
                }
                PolicyItem::UnitOverride(unit) => {
                    if let Some(first) = override_spans.get(&unit.unit.node) {
                        errors.push(CheckError::DuplicateUnitOverride {
                            unit: unit.unit.node.clone(),
                            span: unit.unit.span.into(),
                            first: (*first).into(),
                        });
                        continue;
                    }
                    override_spans.insert(unit.unit.node.clone(), unit.unit.span);
                    let settings = self.settings(errors, unit.settings.iter(), Place::Unit);
                    block.units.insert(unit.unit.node.clone(), settings);
                }
                _ => {}
            }
        }
        block
    }

    /// Reads and validates settings, refusing duplicates and those not allowed at `place`.
    fn settings<'a>(
        &self,
        errors: &mut Vec<CheckError>,
        settings: impl Iterator<Item = &'a ast::Setting>,
        place: Place,
    ) -> Block {
        let mut block = Block::default();
        let mut seen: BTreeMap<&'static str, Span> = BTreeMap::new();
        for setting in settings {
            let keyword = setting.kind.keyword();
            if let Some(first) = seen.get(keyword) {
                errors.push(CheckError::DuplicateSetting {
                    setting: keyword.to_string(),
                    span: setting.span.into(),
                    first: (*first).into(),
                });
                continue;
            }
            seen.insert(keyword, setting.span);
            if let Some(where_) = not_allowed(&setting.kind, place) {
                errors.push(CheckError::SettingNotAllowedHere {
                    setting: keyword.to_string(),
                    place: where_.to_string(),
                    span: setting.span.into(),
                });
                continue;
            }
            match &setting.kind {
                SettingKind::Timezone(name) => {
                    block.timezone = timezone(errors, name);
                    block.timezone_unknown = block.timezone.is_none();
                }
                SettingKind::MinorAge(age) => {
                    if (1..=25).contains(&age.node) {
                        block.minor_age = Some(age.node);
                    } else {
                        errors.push(CheckError::MinorAgeOutOfRange {
                            age: age.node,
                            span: age.span.into(),
                        });
                    }
                }
                SettingKind::Window(window) => block.window = self::window(errors, window),
                SettingKind::LateBooking(rule) => block.late_booking = late_booking(errors, rule),
                SettingKind::Sender(sender) => {
                    if let Some(problem) = sender_problem(&sender.node) {
                        errors.push(CheckError::BadSender {
                            alias: sender.node.clone(),
                            problem,
                            span: sender.span.into(),
                        });
                    }
                    block.sender = Some(sender.node.clone());
                }
            }
        }
        block
    }

    fn policy(
        &mut self,
        file: FileId,
        policy: &ast::Policy,
        visible: &[&BTreeMap<String, Block>],
    ) -> Option<plan::Policy> {
        let mut errors = Vec::new();
        let base = extended_defaults(&mut errors, policy, visible);
        let own = self.block(&mut errors, &policy.items, Place::Policy);
        let resolved = own.over(&base);
        let clinics = resolved.clinics.clone().unwrap_or_default();
        let mut body = self.policy_body(&mut errors, file, policy, clinics);
        let recall = body.recall.finish(
            &mut errors,
            policy,
            &mut body.scope,
            &body.seen_scope,
            self.program.file(file),
        );
        check_unit_overrides(&mut errors, policy, &body.scope);
        check_required_settings(&mut errors, policy, &resolved, &body.scope);

        let failed = errors.iter().any(|e| !is_warning(e));
        self.report(file, errors);
        if failed {
            return None;
        }
        let compiled = plan::Policy {
            name: policy.name.node.clone(),
            source: self.program.file(file).location(policy.name.span),
            timezone: resolved.timezone?,
            settings: resolved.settings(),
            unit_settings: unit_settings(&resolved, &body.scope),
            scope: body.scope,
            wins_over: body.wins_over,
            exclusions: body.exclusions,
            messages: body.messages,
            recall,
        };
        self.report(file, dates::warnings(&compiled));
        self.report(file, ages::warnings(&compiled));
        Some(compiled)
    }

    /// The scope, `wins_over`, exclusions and messages of a policy, each checked.
    fn policy_body<'a>(
        &self,
        errors: &mut Vec<CheckError>,
        file: FileId,
        policy: &'a ast::Policy,
        clinics: Vec<String>,
    ) -> Body<'a> {
        let mut body = Body::new(clinics);
        for item in &policy.items {
            match item {
                PolicyItem::Scope(s) => body.scope_statement(errors, s),
                PolicyItem::WinsOver(others, _) => {
                    body.wins_over.extend(others.iter().map(|o| o.node.clone()))
                }
                PolicyItem::Exclusion(exclusion) => {
                    if let Some(first) = body
                        .exclusion_names
                        .insert(&exclusion.name.node, exclusion.name.span)
                    {
                        errors.push(CheckError::DuplicateExclusion {
                            name: exclusion.name.node.clone(),
                            span: exclusion.name.span.into(),
                            first: first.into(),
                        });
                        continue;
                    }
                    if let Some(e) = self.exclusion(errors, file, exclusion) {
                        body.exclusions.push(e);
                    }
                }
                PolicyItem::Message(message) => {
                    if let Some(first) = body
                        .message_names
                        .insert(&message.name.node, message.name.span)
                    {
                        errors.push(CheckError::DuplicateMessage {
                            name: message.name.node.clone(),
                            span: message.name.span.into(),
                            first: first.into(),
                        });
                        continue;
                    }
                    if let Some(m) = self.message(errors, file, message, policy.recall) {
                        body.messages.push(m);
                    }
                }
                PolicyItem::Due {
                    interval,
                    service,
                    span,
                } => body.recall.due(errors, interval, service, *span),
                PolicyItem::BookedBy(exams, span) => body.recall.booked_by(errors, exams, *span),
                PolicyItem::DueSoon(days, span) => body.recall.due_soon(errors, days, *span),
                PolicyItem::Setting(_) | PolicyItem::UnitOverride(_) => {}
            }
        }
        body
    }

    /// An exclusion's condition, typed, with a warning or error when it is constant.
    fn exclusion(
        &self,
        errors: &mut Vec<CheckError>,
        file: FileId,
        exclusion: &ast::Exclusion,
    ) -> Option<plan::Exclusion> {
        let condition = expr::Typer {
            errors: &mut *errors,
            guardian: false,
        }
        .condition(&exclusion.condition)?;
        let name = exclusion.name.node.clone();
        let span = exclusion.condition.span.into();
        match expr::constant_truth(&condition) {
            Some(true) => errors.push(CheckError::AlwaysTrueExclusion { name, span }),
            Some(false) => errors.push(CheckError::NeverTrueExclusion { name, span }),
            None => {}
        }
        Some(plan::Exclusion {
            name: exclusion.name.node.clone(),
            condition,
            source: self.program.file(file).location(exclusion.span),
        })
    }
}

/// Every policy name of the root files, with where it is first written.
type PolicyNames = BTreeMap<String, (FileId, Span)>;

/// The policies of the root files.
struct Roots {
    /// Every name, for duplicates and `wins_over`.
    names: PolicyNames,
    /// The policies without errors.
    compiled: Vec<plan::Policy>,
    /// The statements of each compiled policy, for the labels of the overlap check.
    statements: Vec<(FileId, Vec<PolicyItem>)>,
}

/// E039 or E038 for a `wins_over` name, if it is not another policy.
fn wins_over_error(names: &PolicyNames, policy: &Name, other: &Name) -> Option<CheckError> {
    if other.node == policy.node {
        Some(CheckError::WinsOverSelf {
            span: other.span.into(),
        })
    } else if !names.contains_key(&other.node) {
        Some(CheckError::UnknownWinsOver {
            name: other.node.clone(),
            span: other.span.into(),
            suggestion: suggest::suggestion(&other.node, names.keys().map(String::as_str)),
        })
    } else {
        None
    }
}

/// What a policy's statements give, gathered in order, with the names seen so far.
struct Body<'a> {
    scope: plan::Scope,
    seen_scope: BTreeMap<&'static str, Span>,
    wins_over: Vec<String>,
    exclusions: Vec<plan::Exclusion>,
    exclusion_names: BTreeMap<&'a str, Span>,
    messages: Vec<plan::Message>,
    message_names: BTreeMap<&'a str, Span>,
    recall: recall::Parts,
}

impl Body<'_> {
    fn new(clinics: Vec<String>) -> Self {
        Body {
            scope: plan::Scope {
                clinics,
                units: None,
                exams: None,
                kinds: None,
            },
            seen_scope: BTreeMap::new(),
            wins_over: Vec::new(),
            exclusions: Vec::new(),
            exclusion_names: BTreeMap::new(),
            messages: Vec::new(),
            message_names: BTreeMap::new(),
            recall: recall::Parts::default(),
        }
    }

    /// `units`, `exams` or `kinds`, each written once (`clinic` is read with the settings).
    fn scope_statement(&mut self, errors: &mut Vec<CheckError>, s: &ast::Scope) {
        let keyword = match &s.kind {
            ScopeKind::Clinics(_) => return,
            ScopeKind::Units(_) => "units",
            ScopeKind::Exams(_) => "exams",
            ScopeKind::Kinds(_) => "kinds",
        };
        if let Some(first) = self.seen_scope.insert(keyword, s.span) {
            errors.push(CheckError::DuplicateSetting {
                setting: keyword.to_string(),
                span: s.span.into(),
                first: first.into(),
            });
            return;
        }
        match &s.kind {
            ScopeKind::Units(units) => self.scope.units = Some(unique_names(errors, units)),
            ScopeKind::Exams(exams) => self.scope.exams = Some(unique_names(errors, exams)),
            ScopeKind::Kinds(kinds) => self.scope.kinds = Some(booking_kinds(errors, kinds)),
            ScopeKind::Clinics(_) => {}
        }
    }
}

/// The booking kinds of `kinds`, each known and listed once.
fn booking_kinds(errors: &mut Vec<CheckError>, kinds: &[Name]) -> Vec<Kind> {
    for kind in kinds {
        if !EnumType::Kind.values().contains(&kind.node.as_str()) {
            errors.push(CheckError::UnknownKind {
                value: kind.node.clone(),
                span: kind.span.into(),
                suggestion: suggest::suggestion(
                    &kind.node,
                    EnumType::Kind.values().iter().copied(),
                ),
            });
        }
    }
    unique_names(errors, kinds)
        .iter()
        .filter_map(|k| Kind::parse(k))
        .collect()
}

/// The defaults block a policy `extends`, or none.
fn extended_defaults(
    errors: &mut Vec<CheckError>,
    policy: &ast::Policy,
    visible: &[&BTreeMap<String, Block>],
) -> Block {
    let Some(name) = &policy.extends else {
        return Block::default();
    };
    if let Some(block) = visible.iter().find_map(|blocks| blocks.get(&name.node)) {
        return block.clone();
    }
    let known: Vec<&str> = visible
        .iter()
        .flat_map(|b| b.keys().map(String::as_str))
        .collect();
    errors.push(CheckError::UnknownDefaults {
        name: name.node.clone(),
        span: name.span.into(),
        suggestion: suggest::suggestion(&name.node, known.iter().copied()),
    });
    Block::default()
}

/// A unit override must be for one of the policy's units.
fn check_unit_overrides(errors: &mut Vec<CheckError>, policy: &ast::Policy, scope: &plan::Scope) {
    let Some(units) = &scope.units else {
        return;
    };
    let overridden = policy.items.iter().filter_map(|i| match i {
        PolicyItem::UnitOverride(u) => Some(&u.unit),
        _ => None,
    });
    for unit in overridden {
        if !units.contains(&unit.node) {
            errors.push(CheckError::UnitOverrideOutsideScope {
                unit: unit.node.clone(),
                span: unit.span.into(),
                units: units.clone(),
                suggestion: suggest::suggestion(&unit.node, units.iter().map(String::as_str)),
            });
        }
    }
}

/// A policy needs a time zone and a clinic, its own or from its defaults. A missing time zone
/// is not reported when the one written (in the policy or its defaults) is unknown, and neither
/// is missing when the defaults it `extends` are unknown: they may hold them, and the name's
/// typo is the one error to fix.
fn check_required_settings(
    errors: &mut Vec<CheckError>,
    policy: &ast::Policy,
    resolved: &Block,
    scope: &plan::Scope,
) {
    if errors
        .iter()
        .any(|e| matches!(e, CheckError::UnknownDefaults { .. }))
    {
        return;
    }
    if resolved.timezone.is_none() && !resolved.timezone_unknown {
        errors.push(CheckError::MissingTimezone {
            policy: policy.name.node.clone(),
            span: policy.name.span.into(),
        });
    }
    if scope.clinics.is_empty() {
        errors.push(CheckError::MissingClinic {
            policy: policy.name.node.clone(),
            span: policy.name.span.into(),
        });
    }
}

/// The settings of each unit of the scope that has an override, over the policy's.
fn unit_settings(resolved: &Block, scope: &plan::Scope) -> BTreeMap<String, plan::Settings> {
    let parent = Block {
        units: BTreeMap::new(),
        ..resolved.clone()
    };
    resolved
        .units
        .iter()
        .filter(|(unit, _)| {
            scope
                .units
                .as_ref()
                .is_none_or(|units| units.contains(unit))
        })
        .map(|(unit, block)| (unit.clone(), block.clone().over(&parent).settings()))
        .collect()
}

/// The file and line of `span`, for a diagnostic about another file, where a label cannot
/// point.
fn file_line(program: &Program, file: FileId, span: Span) -> FileLine {
    let source = program.file(file);
    let (line, _) = source.line_col(span.start);
    FileLine {
        path: source.path.clone(),
        line,
    }
}

pub(crate) fn is_warning(error: &CheckError) -> bool {
    use miette::Diagnostic as _;
    error.severity() == Some(miette::Severity::Warning)
}

/// Where a setting cannot be written ("per unit"), if it cannot be written at `place`.
fn not_allowed(setting: &SettingKind, place: Place) -> Option<&'static str> {
    match (setting, place) {
        (SettingKind::Timezone(_) | SettingKind::Sender(_), Place::Unit) => Some("per unit"),
        (SettingKind::Timezone(_) | SettingKind::MinorAge(_), Place::Message) => {
            Some("in a message")
        }
        _ => None,
    }
}

fn unique_names(errors: &mut Vec<CheckError>, names: &[Name]) -> Vec<String> {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let mut out = Vec::new();
    for name in names {
        if let Some(first) = seen.insert(&name.node, name.span) {
            errors.push(CheckError::DuplicateListEntry {
                name: name.node.clone(),
                span: name.span.into(),
                first: first.into(),
            });
        } else {
            out.push(name.node.clone());
        }
    }
    out
}

fn timezone(errors: &mut Vec<CheckError>, name: &Name) -> Option<chrono_tz::Tz> {
    match name.node.parse::<chrono_tz::Tz>() {
        Ok(tz) => Some(tz),
        Err(_) => {
            errors.push(CheckError::UnknownTimezone {
                name: name.node.clone(),
                span: name.span.into(),
                suggestion: suggest::suggestion(
                    &name.node,
                    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()),
                ),
            });
            None
        }
    }
}

pub(crate) fn time_of_day(
    errors: &mut Vec<CheckError>,
    time: &ast::Spanned<ast::TimeOfDay>,
) -> Option<plan::TimeOfDay> {
    let valid = plan::TimeOfDay::new(time.node.hour, time.node.minute);
    if valid.is_none() {
        errors.push(CheckError::InvalidTime {
            time: format!("{}:{:02}", time.node.hour, time.node.minute),
            span: time.span.into(),
        });
    }
    valid
}

fn window(errors: &mut Vec<CheckError>, window: &ast::Window) -> Option<plan::Window> {
    let from = time_of_day(errors, &window.from);
    let until = time_of_day(errors, &window.until);
    let (from, until) = (from?, until?);
    if until <= from {
        errors.push(CheckError::EmptyWindow {
            from: from.to_string(),
            until: until.to_string(),
            span: window.from.span.to(window.until.span).into(),
        });
        return None;
    }
    let days: BTreeSet<Weekday> = match window.days.as_ref().map(|d| &d.node) {
        None | Some(ast::Days::Daily) => Weekday::ALL.iter().copied().collect(),
        Some(ast::Days::Weekdays) => Weekday::ALL[..5].iter().copied().collect(),
        Some(ast::Days::Weekends) => Weekday::ALL[5..].iter().copied().collect(),
        Some(ast::Days::List(list)) => list.iter().filter_map(|d| Weekday::parse(d)).collect(),
    };
    Some(plan::Window {
        from,
        until,
        days: days.into_iter().collect(),
    })
}

/// Why SMS gateways refuse `alias` as the sender of an SMS, if they do. A sender is a phone
/// number (digits, an optional `+`, at most 15 digits) or a name of at most 11 characters,
/// with a letter, of the characters every gateway takes: the letters A to Z and a to z,
/// digits, spaces and `+ - _ &` (letters such as `å` are refused by many).
pub fn sender_problem(alias: &str) -> Option<String> {
    let digits = alias.strip_prefix('+').unwrap_or(alias);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return (digits.len() > 15).then(|| {
            format!(
                "is a number of {} digits; a phone number has at most 15",
                digits.len()
            )
        });
    }
    let length = alias.chars().count();
    if length > 11 {
        return Some(format!(
            "is {length} characters long; SMS gateways show at most 11"
        ));
    }
    let mut refused: Vec<String> = Vec::new();
    for c in alias.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, ' ' | '+' | '-' | '_' | '&') {
            continue;
        }
        let shown = match c.is_control() || c.is_whitespace() {
            true => format!("`{}`", c.escape_unicode()),
            false => format!("`{c}`"),
        };
        if !refused.contains(&shown) {
            refused.push(shown);
        }
    }
    if !refused.is_empty() {
        return Some(format!(
            "has {}, which SMS gateways refuse in a sender",
            refused.join(", ")
        ));
    }
    if alias.trim() != alias || !alias.chars().any(|c| c.is_ascii_alphabetic()) {
        return Some("needs a letter, and no space at its start or end".to_string());
    }
    None
}

fn late_booking(errors: &mut Vec<CheckError>, rule: &Name) -> Option<LateBooking> {
    match rule.node.as_str() {
        "skip" => Some(LateBooking::Skip),
        "send_now" => Some(LateBooking::SendNow),
        other => {
            errors.push(CheckError::UnknownLateBooking {
                value: other.to_string(),
                span: rule.span.into(),
                suggestion: suggest::suggestion(other, ["skip", "send_now"]),
            });
            None
        }
    }
}
