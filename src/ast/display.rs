//! A compact, fully bracketed rendering of the AST for snapshot tests: it shows the structure
//! the parser found (precedence, grouping), which the formatter's output would hide.

use std::fmt::{self, Display, Formatter};

use super::*;

impl Display for File {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for item in &self.items {
            match item {
                Item::Use(u) => writeln!(f, "use {:?}", u.path.node)?,
                Item::Defaults(d) => {
                    writeln!(f, "defaults {:?}", d.name.node)?;
                    for item in &d.items {
                        write_item(f, item)?;
                    }
                }
                Item::Policy(p) => {
                    let keyword = if p.recall { "recall" } else { "policy" };
                    write!(f, "{keyword} {:?}", p.name.node)?;
                    if let Some(parent) = &p.extends {
                        write!(f, " extends {:?}", parent.node)?;
                    }
                    writeln!(f)?;
                    for item in &p.items {
                        write_item(f, item)?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn quoted(names: &[Name]) -> String {
    names
        .iter()
        .map(|n| format!("{:?}", n.node))
        .collect::<Vec<_>>()
        .join(" ")
}

fn write_item(f: &mut Formatter<'_>, item: &PolicyItem) -> fmt::Result {
    match item {
        PolicyItem::Setting(s) => writeln!(f, "  {s}"),
        PolicyItem::Scope(s) => match &s.kind {
            ScopeKind::Clinics(n) => writeln!(f, "  clinics {}", quoted(n)),
            ScopeKind::Units(n) => writeln!(f, "  units {}", quoted(n)),
            ScopeKind::Exams(n) => writeln!(f, "  exams {}", quoted(n)),
            ScopeKind::Kinds(n) => writeln!(f, "  kinds {}", quoted(n)),
        },
        PolicyItem::UnitOverride(u) => {
            writeln!(f, "  unit {:?}", u.unit.node)?;
            u.settings.iter().try_for_each(|s| writeln!(f, "    {s}"))
        }
        PolicyItem::WinsOver(n, _) => writeln!(f, "  wins_over {}", quoted(n)),
        PolicyItem::Due {
            interval, service, ..
        } => writeln!(f, "  due {} after {:?}", interval.node, service.node),
        PolicyItem::BookedBy(n, _) => writeln!(f, "  booked_by {}", quoted(n)),
        PolicyItem::DueSoon(d, _) => writeln!(f, "  due_soon {}", d.node),
        PolicyItem::Exclusion(e) => writeln!(f, "  exclude {:?} when {}", e.name.node, e.condition),
        PolicyItem::Message(m) => {
            writeln!(f, "  {} {:?}", m.kind.node.as_str(), m.name.node)?;
            for item in &m.items {
                write!(f, "    ")?;
                match &item.kind {
                    MessageItemKind::Send(triggers) => {
                        let t: Vec<String> = triggers.iter().map(|t| t.to_string()).collect();
                        writeln!(f, "send [{}]", t.join("; "))?
                    }
                    MessageItemKind::Via(c) => writeln!(f, "via {}", c.node)?,
                    MessageItemKind::To {
                        recipient,
                        condition,
                    } => {
                        write!(f, "to {}", recipient.node)?;
                        condition_suffix(f, condition)?
                    }
                    MessageItemKind::Also { channel, condition } => {
                        write!(f, "also {}", channel.node)?;
                        condition_suffix(f, condition)?
                    }
                    MessageItemKind::Fallback {
                        channel,
                        after,
                        waits_for,
                        wording,
                    } => {
                        write!(
                            f,
                            "fallback {} after {} {}",
                            channel.node, after.node, waits_for.node
                        )?;
                        match wording {
                            Some(Wording::Template(t)) => {
                                writeln!(f, " with template {:?}", t.node)?
                            }
                            Some(Wording::Text(t)) => writeln!(f, " with text {:?}", t.node)?,
                            None => writeln!(f)?,
                        }
                    }
                    MessageItemKind::Template(t) => writeln!(f, "template {:?}", t.node)?,
                    MessageItemKind::Text(t) => writeln!(f, "text {:?}", t.node)?,
                    MessageItemKind::Setting(s) => writeln!(f, "{s}")?,
                }
            }
            Ok(())
        }
    }
}

fn condition_suffix(f: &mut Formatter<'_>, condition: &Option<Expr>) -> fmt::Result {
    match condition {
        Some(c) => writeln!(f, " when {c}"),
        None => writeln!(f),
    }
}

impl Display for Setting {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            SettingKind::Timezone(tz) => write!(f, "timezone {:?}", tz.node),
            SettingKind::MinorAge(age) => write!(f, "minor_age {}", age.node),
            SettingKind::LateBooking(w) => write!(f, "late_booking {}", w.node),
            SettingKind::Sender(s) => write!(f, "sender {:?}", s.node),
            SettingKind::Window(w) => {
                write!(f, "window {}..{}", w.from.node, w.until.node)?;
                if let Some(days) = &w.days {
                    write!(f, " {}", days.node)?;
                }
                Ok(())
            }
        }
    }
}

impl Display for Days {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Days::Weekdays => f.write_str("weekdays"),
            Days::Weekends => f.write_str("weekends"),
            Days::Daily => f.write_str("daily"),
            Days::List(days) => f.write_str(&days.join(", ")),
        }
    }
}

impl Display for Trigger {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TriggerKind::AtBooking => f.write_str("at booking"),
            TriggerKind::On { event, words, at } => {
                write!(f, "on {}", event.node)?;
                let words: Vec<String> = words.iter().map(|w| format!("{:?}", w.node)).collect();
                if !words.is_empty() {
                    write!(f, " {}", words.join(", "))?;
                }
                if let Some(at) = at {
                    write!(f, " at {}", at.node)?;
                }
                Ok(())
            }
            TriggerKind::Offset {
                amount,
                direction,
                anchor,
                at,
            } => {
                let direction = match direction {
                    Direction::Before => "before",
                    Direction::After => "after",
                };
                write!(f, "{} {direction}", amount.node)?;
                if let Some(anchor) = anchor {
                    write!(f, " {}", anchor.node)?;
                }
                if let Some(at) = at {
                    write!(f, " at {}", at.node)?;
                }
                Ok(())
            }
            TriggerKind::Every {
                step,
                at,
                limit,
                from,
            } => {
                match &step.node {
                    Step::Duration(d) => write!(f, "every {d}")?,
                    Step::Word(w) => write!(f, "every {w}")?,
                }
                if let Some(at) = at {
                    write!(f, " at {}", at.node)?;
                }
                match limit.node {
                    Limit::For(d) => write!(f, " for {d}")?,
                    Limit::Times(n) => write!(f, " {n} times")?,
                }
                if let Some(from) = from {
                    write!(f, " from {}", from.node)?;
                }
                Ok(())
            }
        }
    }
}

/// Prefix form: `(== booking.source quick_book)`.
impl Display for Spanned<ExprKind> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let list = |f: &mut Formatter<'_>, head: &str, items: &[Expr]| -> fmt::Result {
            write!(f, "({head}")?;
            for item in items {
                write!(f, " {item}")?;
            }
            f.write_str(")")
        };
        match &self.node {
            ExprKind::Or(items) => list(f, "or", items),
            ExprKind::And(items) => list(f, "and", items),
            ExprKind::Not(inner) => write!(f, "(not {inner})"),
            ExprKind::Compare { op, left, right } => {
                write!(f, "({} {left} {right})", op.node.symbol())
            }
            ExprKind::In { value, list: items } => {
                write!(f, "(in {value} [")?;
                let rendered: Vec<String> = items.iter().map(|i| i.to_string()).collect();
                write!(f, "{}])", rendered.join(" "))
            }
            ExprKind::Field(path) => f.write_str(&path.join(".")),
            ExprKind::Word(w) => f.write_str(w),
            ExprKind::String(s) => write!(f, "{s:?}"),
            ExprKind::Number(n) => write!(f, "{n}"),
            ExprKind::Duration(d) => write!(f, "{d}"),
            ExprKind::Bool(b) => write!(f, "{b}"),
        }
    }
}
