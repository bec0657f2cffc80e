//! Stage 1: source text → [`ast::File`].
//!
//! pest stays inside this module: the parse tree is turned into the typed AST at once and no
//! `Pair` leaves. Syntax errors name what was expected in words (see [`rule_in_words`]), never
//! pest's rule names. Input that is too large or too deeply nested is refused before pest
//! sees it, so no input can overflow the stack.

use pest::Parser as _;
use pest::iterators::Pair;

use crate::ast::*;

mod error;
mod slips;
mod trivia;

pub use error::ParseError;
pub use trivia::{Comment, comments, line_around};

/// The largest policy file accepted (1 MiB): real policies are a few kilobytes.
pub const MAX_SOURCE_BYTES: usize = 1 << 20;
/// The deepest nesting of brackets and `not`s accepted in an expression.
pub const MAX_NESTING: usize = 64;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/rem.pest"]
struct RemParser;

/// Parses one `.rem` file.
pub fn parse(source: &str) -> Result<File, ParseError> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(ParseError::TooLarge {
            size: source.len(),
            limit: MAX_SOURCE_BYTES,
        });
    }
    trivia::check_nesting(source, MAX_NESTING)?;
    let mut pairs =
        RemParser::parse(Rule::file, source).map_err(|e| error::from_pest(e, source))?;
    let file = pairs
        .next()
        .ok_or_else(|| ParseError::internal("the parse produced no file"))?;
    let mut items = Vec::new();
    for pair in file.into_inner() {
        match pair.as_rule() {
            Rule::use_decl => items.push(Item::Use(Use {
                span: span(&pair),
                path: string(first(pair)?),
            })),
            Rule::defaults_decl => items.push(Item::Defaults(defaults(pair)?)),
            Rule::policy_decl | Rule::recall_decl => items.push(Item::Policy(policy(pair)?)),
            Rule::EOI => {}
            rule => return Err(unexpected(rule)),
        }
    }
    Ok(File { items })
}

type Result<T, E = ParseError> = std::result::Result<T, E>;

/// The most syntax errors reported for one file.
const MAX_SYNTAX_ERRORS: usize = 10;

/// The syntax errors after `first` in a file that does not parse, so that one run reports
/// several independent slips: the line of each error is blanked (its bytes turned to spaces, so
/// every later place keeps its offset) and the file parsed again. Recovery stops at an error
/// whose line opens or closes a block (blanking it would break the blocks around it), at the
/// end of the file, and after [`MAX_SYNTAX_ERRORS`].
pub fn further_errors(source: &str, first: &ParseError) -> Vec<ParseError> {
    let mut text = source.to_string();
    let mut found = Vec::new();
    let mut error = first.clone();
    while found.len() + 1 < MAX_SYNTAX_ERRORS {
        let at = match &error {
            ParseError::Syntax { span, .. } | ParseError::Slip { span, .. } => span.offset(),
            _ => return found,
        };
        let std::ops::Range { start, end } = line_around(&text, at);
        let line = &text[start..end];
        if end == text.len() || line.contains(['{', '}']) || line.trim().is_empty() {
            return found;
        }
        let blank = " ".repeat(line.len());
        text.replace_range(start..end, &blank);
        match parse(&text) {
            Ok(_) => return found,
            Err(next) => {
                found.push(next.clone());
                error = next;
            }
        }
    }
    found
}

/// The pair's span without the whitespace and comments pest includes when a rule ends in an
/// optional or repeated part (it skips them before trying that part).
fn span(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(
        s.start(),
        trivia::trimmed_end(s.get_input(), s.start(), s.end()),
    )
}

/// The span of the closing brace of a block.
fn closing_brace(pair: &Pair<'_, Rule>) -> Span {
    let end = pair.as_span().end();
    Span::new(end.saturating_sub(1), end)
}

fn unexpected(rule: Rule) -> ParseError {
    ParseError::internal(format!("unexpected grammar rule {rule:?}"))
}

fn first<'a>(pair: Pair<'a, Rule>) -> Result<Pair<'a, Rule>> {
    let rule = pair.as_rule();
    pair.into_inner()
        .find(|p| !is_keyword(p.as_rule()))
        .ok_or_else(|| ParseError::internal(format!("{rule:?} has no content")))
}

/// The children that carry meaning: keywords are only there for the grammar.
fn content<'a>(pair: Pair<'a, Rule>) -> impl Iterator<Item = Pair<'a, Rule>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_use
            | Rule::kw_defaults
            | Rule::kw_policy
            | Rule::kw_extends
            | Rule::kw_timezone
            | Rule::kw_minor_age
            | Rule::kw_window
            | Rule::kw_late_booking
            | Rule::kw_sender
            | Rule::kw_clinic
            | Rule::kw_clinics
            | Rule::kw_units
            | Rule::kw_unit
            | Rule::kw_exams
            | Rule::kw_kinds
            | Rule::kw_wins_over
            | Rule::kw_exclude
            | Rule::kw_when
            | Rule::kw_send
            | Rule::kw_at
            | Rule::kw_booking
            | Rule::kw_on
            | Rule::kw_via
            | Rule::kw_to
            | Rule::kw_also
            | Rule::kw_fallback
            | Rule::kw_after
            | Rule::kw_with
            | Rule::kw_template
            | Rule::kw_text
            | Rule::kw_or
            | Rule::kw_and
            | Rule::kw_not
            | Rule::kw_in
            | Rule::kw_recall
            | Rule::kw_due
            | Rule::kw_booked_by
            | Rule::kw_due_soon
            | Rule::kw_every
            | Rule::kw_for
            | Rule::kw_times
            | Rule::kw_from
    )
}

fn string(pair: Pair<'_, Rule>) -> Name {
    let sp = span(&pair);
    let raw = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    Spanned::new(out, sp)
}

fn word(pair: &Pair<'_, Rule>) -> Name {
    Spanned::new(pair.as_str().to_string(), span(pair))
}

fn number(pair: &Pair<'_, Rule>) -> Result<Spanned<u64>> {
    let value = pair
        .as_str()
        .parse::<u64>()
        .map_err(|_| ParseError::NumberTooLarge {
            span: span(pair).into(),
        })?;
    Ok(Spanned::new(value, span(pair)))
}

fn duration(pair: Pair<'_, Rule>) -> Result<Spanned<Duration>> {
    let sp = span(&pair);
    let mut inner = pair.into_inner();
    let value = number(&inner.next().ok_or_else(|| unexpected(Rule::duration))?)?.node;
    let unit = match inner.next().map(|p| p.as_str()) {
        Some("minute" | "minutes") => DurationUnit::Minutes,
        Some("hour" | "hours") => DurationUnit::Hours,
        Some("day" | "days") => DurationUnit::Days,
        Some("week" | "weeks") => DurationUnit::Weeks,
        Some("month" | "months") => DurationUnit::Months,
        Some("year" | "years") => DurationUnit::Years,
        _ => return Err(unexpected(Rule::duration_unit)),
    };
    Ok(Spanned::new(Duration { value, unit }, sp))
}

fn time(pair: &Pair<'_, Rule>) -> Result<Spanned<TimeOfDay>> {
    let (hour, minute) = pair
        .as_str()
        .split_once(':')
        .ok_or_else(|| unexpected(Rule::time))?;
    let parse = |s: &str| s.parse::<u32>().map_err(|_| unexpected(Rule::time));
    Ok(Spanned::new(
        TimeOfDay {
            hour: parse(hour)?,
            minute: parse(minute)?,
        },
        span(pair),
    ))
}

fn names(pair: Pair<'_, Rule>) -> Vec<Name> {
    content(pair)
        .map(|p| match p.as_rule() {
            Rule::string => string(p),
            _ => word(&p),
        })
        .collect()
}

fn defaults(pair: Pair<'_, Rule>) -> Result<Defaults> {
    let sp = span(&pair);
    let end = closing_brace(&pair);
    let mut inner = content(pair);
    let name = string(
        inner
            .next()
            .ok_or_else(|| unexpected(Rule::defaults_decl))?,
    );
    let items = inner.map(policy_item).collect::<Result<_>>()?;
    Ok(Defaults {
        name,
        items,
        span: sp,
        end,
    })
}

fn policy(pair: Pair<'_, Rule>) -> Result<Policy> {
    let sp = span(&pair);
    let recall = pair.as_rule() == Rule::recall_decl;
    let end = closing_brace(&pair);
    let mut inner = content(pair).peekable();
    let name = string(inner.next().ok_or_else(|| unexpected(Rule::policy_decl))?);
    let extends = match inner.peek().map(|p| p.as_rule()) {
        Some(Rule::extends) => inner.next().map(first).transpose()?.map(string),
        _ => None,
    };
    let items = inner.map(policy_item).collect::<Result<_>>()?;
    Ok(Policy {
        recall,
        name,
        extends,
        items,
        span: sp,
        end,
    })
}

fn policy_item(pair: Pair<'_, Rule>) -> Result<PolicyItem> {
    let sp = span(&pair);
    Ok(match pair.as_rule() {
        Rule::clinics => PolicyItem::Scope(Scope {
            kind: ScopeKind::Clinics(names(pair)),
            span: sp,
        }),
        Rule::units => PolicyItem::Scope(Scope {
            kind: ScopeKind::Units(names(pair)),
            span: sp,
        }),
        Rule::exams => PolicyItem::Scope(Scope {
            kind: ScopeKind::Exams(names(pair)),
            span: sp,
        }),
        Rule::kinds => PolicyItem::Scope(Scope {
            kind: ScopeKind::Kinds(names(pair)),
            span: sp,
        }),
        Rule::wins_over => PolicyItem::WinsOver(names(pair), sp),
        Rule::unit_override => {
            let end = closing_brace(&pair);
            let mut inner = content(pair);
            let unit = string(
                inner
                    .next()
                    .ok_or_else(|| unexpected(Rule::unit_override))?,
            );
            let settings = inner.map(setting).collect::<Result<_>>()?;
            PolicyItem::UnitOverride(UnitOverride {
                unit,
                settings,
                span: sp,
                end,
            })
        }
        Rule::exclusion => {
            let mut inner = content(pair);
            let name = string(inner.next().ok_or_else(|| unexpected(Rule::exclusion))?);
            let condition = expr(inner.next().ok_or_else(|| unexpected(Rule::exclusion))?)?;
            PolicyItem::Exclusion(Exclusion {
                name,
                condition,
                span: sp,
            })
        }
        Rule::message => PolicyItem::Message(message(pair)?),
        Rule::due => {
            let mut inner = content(pair);
            let interval = duration(inner.next().ok_or_else(|| unexpected(Rule::due))?)?;
            let service = string(inner.next().ok_or_else(|| unexpected(Rule::due))?);
            PolicyItem::Due {
                interval,
                service,
                span: sp,
            }
        }
        Rule::booked_by => PolicyItem::BookedBy(names(pair), sp),
        Rule::due_soon => PolicyItem::DueSoon(duration(first(pair)?)?, sp),
        _ => PolicyItem::Setting(setting(pair)?),
    })
}

fn setting(pair: Pair<'_, Rule>) -> Result<Setting> {
    let sp = span(&pair);
    let kind = match pair.as_rule() {
        Rule::timezone => SettingKind::Timezone(string(first(pair)?)),
        Rule::minor_age => SettingKind::MinorAge(number(&first(pair)?)?),
        Rule::late_booking => SettingKind::LateBooking(word(&first(pair)?)),
        Rule::sender => SettingKind::Sender(string(first(pair)?)),
        Rule::window => {
            let mut inner = content(pair);
            let from = time(&inner.next().ok_or_else(|| unexpected(Rule::window))?)?;
            let until = time(&inner.next().ok_or_else(|| unexpected(Rule::window))?)?;
            let days = inner.next().map(days).transpose()?;
            SettingKind::Window(Window { from, until, days })
        }
        rule => return Err(unexpected(rule)),
    };
    Ok(Setting { kind, span: sp })
}

fn days(pair: Pair<'_, Rule>) -> Result<Spanned<Days>> {
    let sp = span(&pair);
    let inner = first(pair)?;
    let days = match inner.as_rule() {
        Rule::day_set => match inner.as_str() {
            "weekdays" => Days::Weekdays,
            "weekends" => Days::Weekends,
            _ => Days::Daily,
        },
        _ => Days::List(inner.into_inner().map(|d| d.as_str().to_string()).collect()),
    };
    Ok(Spanned::new(days, sp))
}

fn message(pair: Pair<'_, Rule>) -> Result<Message> {
    let sp = span(&pair);
    let end = closing_brace(&pair);
    let mut inner = content(pair);
    let kind_pair = inner.next().ok_or_else(|| unexpected(Rule::message))?;
    let kind =
        MessageKind::parse(kind_pair.as_str()).ok_or_else(|| unexpected(Rule::message_kind))?;
    let kind = Spanned::new(kind, span(&kind_pair));
    let name = string(inner.next().ok_or_else(|| unexpected(Rule::message))?);
    let items = inner.map(message_item).collect::<Result<_>>()?;
    Ok(Message {
        kind,
        name,
        items,
        span: sp,
        end,
    })
}

fn message_item(pair: Pair<'_, Rule>) -> Result<MessageItem> {
    let sp = span(&pair);
    let rule = pair.as_rule();
    let kind = match rule {
        Rule::send => MessageItemKind::Send(content(pair).map(trigger).collect::<Result<_>>()?),
        Rule::via => MessageItemKind::Via(word(&first(pair)?)),
        Rule::recipient | Rule::also => {
            let mut inner = content(pair);
            let who = word(&inner.next().ok_or_else(|| unexpected(rule))?);
            let condition = inner.next().map(expr).transpose()?;
            if rule == Rule::recipient {
                MessageItemKind::To {
                    recipient: who,
                    condition,
                }
            } else {
                MessageItemKind::Also {
                    channel: who,
                    condition,
                }
            }
        }
        Rule::fallback => {
            let mut inner = content(pair);
            let channel = word(&inner.next().ok_or_else(|| unexpected(rule))?);
            let after = duration(inner.next().ok_or_else(|| unexpected(rule))?)?;
            let waits_for = word(&inner.next().ok_or_else(|| unexpected(rule))?);
            let wording = match inner.next() {
                Some(w) if w.as_rule() == Rule::template => {
                    Some(Wording::Template(string(first(w)?)))
                }
                Some(w) => Some(Wording::Text(string(first(w)?))),
                None => None,
            };
            MessageItemKind::Fallback {
                channel,
                after,
                waits_for,
                wording,
            }
        }
        Rule::template => MessageItemKind::Template(string(first(pair)?)),
        Rule::text => MessageItemKind::Text(string(first(pair)?)),
        _ => MessageItemKind::Setting(setting(pair)?),
    };
    Ok(MessageItem { kind, span: sp })
}

fn trigger(pair: Pair<'_, Rule>) -> Result<Trigger> {
    let sp = span(&pair);
    let kind = match pair.as_rule() {
        Rule::at_booking => TriggerKind::AtBooking,
        Rule::on_event => {
            let mut inner = content(pair);
            let event = word(&inner.next().ok_or_else(|| unexpected(Rule::on_event))?);
            let (mut words, mut at) = (Vec::new(), None);
            for p in inner {
                match p.as_rule() {
                    Rule::time => at = Some(time(&p)?),
                    _ => words.push(string(p)),
                }
            }
            TriggerKind::On { event, words, at }
        }
        Rule::offset => {
            let mut inner = content(pair);
            let amount = duration(inner.next().ok_or_else(|| unexpected(Rule::offset))?)?;
            let direction = match inner.next().map(|p| p.as_str()) {
                Some("after") => Direction::After,
                _ => Direction::Before,
            };
            let (mut anchor, mut at) = (None, None);
            for p in inner {
                match p.as_rule() {
                    Rule::anchor => anchor = Some(word(&p)),
                    _ => at = Some(time(&p)?),
                }
            }
            TriggerKind::Offset {
                amount,
                direction,
                anchor,
                at,
            }
        }
        Rule::every => every(pair)?,
        rule => return Err(unexpected(rule)),
    };
    Ok(Trigger { kind, span: sp })
}

fn every(pair: Pair<'_, Rule>) -> Result<TriggerKind> {
    let mut inner = content(pair);
    let step_pair = first(inner.next().ok_or_else(|| unexpected(Rule::every))?)?;
    let step = match step_pair.as_rule() {
        Rule::duration => {
            let d = duration(step_pair)?;
            Spanned::new(Step::Duration(d.node), d.span)
        }
        _ => Spanned::new(Step::Word(step_pair.as_str().to_string()), span(&step_pair)),
    };
    let (mut at, mut limit, mut from) = (None, None, None);
    for p in inner {
        match p.as_rule() {
            Rule::time => at = Some(time(&p)?),
            Rule::limit => {
                let sp = span(&p);
                let inner = first(p)?;
                let node = match inner.as_rule() {
                    Rule::duration => Limit::For(duration(inner)?.node),
                    _ => Limit::Times(number(&inner)?.node),
                };
                limit = Some(Spanned::new(node, sp));
            }
            _ => from = Some(word(&p)),
        }
    }
    Ok(TriggerKind::Every {
        step,
        at,
        limit: limit.ok_or_else(|| unexpected(Rule::limit))?,
        from,
    })
}

fn expr(pair: Pair<'_, Rule>) -> Result<Expr> {
    let sp = span(&pair);
    match pair.as_rule() {
        Rule::expr | Rule::conjunction => or_and(pair),
        Rule::negation => negation(pair),
        Rule::comparison => comparison(pair),
        Rule::path => Ok(Spanned::new(
            ExprKind::Field(pair.into_inner().map(|p| p.as_str().to_string()).collect()),
            sp,
        )),
        Rule::ident => Ok(Spanned::new(ExprKind::Word(pair.as_str().to_string()), sp)),
        Rule::string => {
            let s = string(pair);
            Ok(Spanned::new(ExprKind::String(s.node), sp))
        }
        Rule::number => Ok(Spanned::new(ExprKind::Number(number(&pair)?.node), sp)),
        Rule::duration => Ok(Spanned::new(ExprKind::Duration(duration(pair)?.node), sp)),
        Rule::boolean => Ok(Spanned::new(ExprKind::Bool(pair.as_str() == "true"), sp)),
        rule => Err(unexpected(rule)),
    }
}

/// `a or b` (an `expr`) or `a and b` (a `conjunction`); one operand alone is itself.
fn or_and(pair: Pair<'_, Rule>) -> Result<Expr> {
    let sp = span(&pair);
    let is_or = pair.as_rule() == Rule::expr;
    let mut operands = content(pair).map(expr).collect::<Result<Vec<_>>>()?;
    if operands.len() == 1 {
        return operands.pop().ok_or_else(|| unexpected(Rule::expr));
    }
    let kind = if is_or {
        ExprKind::Or(operands)
    } else {
        ExprKind::And(operands)
    };
    Ok(Spanned::new(kind, sp))
}

/// Any number of `not`s before an operand, refused past the nesting limit.
fn negation(pair: Pair<'_, Rule>) -> Result<Expr> {
    let mut inner = pair.into_inner().peekable();
    let mut nots = Vec::new();
    while let Some(p) = inner.next_if(|p| p.as_rule() == Rule::kw_not) {
        nots.push(span(&p).start);
    }
    if nots.len() > MAX_NESTING {
        return Err(ParseError::TooDeep {
            span: Span::new(nots[MAX_NESTING], nots[MAX_NESTING] + 3).into(),
            limit: MAX_NESTING,
        });
    }
    let mut operand = expr(inner.next().ok_or_else(|| unexpected(Rule::negation))?)?;
    // Innermost `not` first, so each node's span starts at its own keyword.
    for start in nots.into_iter().rev() {
        let span = Span::new(start, operand.span.end);
        operand = Spanned::new(ExprKind::Not(Box::new(operand)), span);
    }
    Ok(operand)
}

/// `a == b` and the other comparisons, `a in [b, c]`, or an operand alone.
fn comparison(pair: Pair<'_, Rule>) -> Result<Expr> {
    let sp = span(&pair);
    let mut inner = content(pair);
    let left = expr(inner.next().ok_or_else(|| unexpected(Rule::comparison))?)?;
    let kind = match inner.next() {
        None => return Ok(left),
        Some(op) if op.as_rule() == Rule::compare_op => {
            let op = Spanned::new(compare_op(op.as_str()), span(&op));
            let right = expr(inner.next().ok_or_else(|| unexpected(Rule::comparison))?)?;
            ExprKind::Compare {
                op,
                left: Box::new(left),
                right: Box::new(right),
            }
        }
        Some(list) => ExprKind::In {
            value: Box::new(left),
            list: list.into_inner().map(expr).collect::<Result<_>>()?,
        },
    };
    Ok(Spanned::new(kind, sp))
}

/// The operator of a `compare_op`, which the grammar limits to these six.
fn compare_op(symbol: &str) -> CompareOp {
    match symbol {
        "==" => CompareOp::Eq,
        "!=" => CompareOp::Ne,
        "<=" => CompareOp::Le,
        ">=" => CompareOp::Ge,
        "<" => CompareOp::Lt,
        _ => CompareOp::Gt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_or_below_and_below_not() {
        let file =
            parse(r#"policy "p" { exclude "x" when not a.b and c.d or e.f }"#).expect("parses");
        let Item::Policy(policy) = &file.items[0] else {
            panic!("not a policy")
        };
        let PolicyItem::Exclusion(exclusion) = &policy.items[0] else {
            panic!("not an exclusion")
        };
        assert_eq!(
            exclusion.condition.to_string(),
            "(or (and (not a.b) c.d) e.f)"
        );
    }

    #[test]
    fn keywords_are_not_names() {
        assert!(parse(r#"policy "p" { exclude "x" when or }"#).is_err());
    }
}
