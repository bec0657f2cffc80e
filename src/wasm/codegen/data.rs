//! The module's data: the plan's strings, tables of words and time-zone tables, laid out from
//! `abi::memory::PLAN_DATA`, each at the address the generated code refers to.

use std::collections::HashMap;

use chrono_tz::Tz;

use super::emit::{Wat, literal, readable};
use crate::wasm::{abi, tz};

/// A string in the module's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Str {
    pub at: u32,
    pub len: u32,
}

impl Str {
    /// The two operands `(address, length)` of a call.
    pub fn args(self) -> String {
        format!("(i32.const {}) (i32.const {})", self.at, self.len)
    }
}

/// A string's operands with the string in a comment, for reading the module text.
fn shown(s: Str, text: &str) -> String {
    let mut short: String = text
        .chars()
        .take(32)
        .map(|c| {
            // `;`, `(` and `)` could end the block comment or open another
            if readable(c) && !matches!(c, ';' | '(' | ')') {
                c
            } else {
                '?'
            }
        })
        .collect();
    if text.chars().count() > 32 {
        short.push_str("...");
    }
    format!("{} (;{short};)", s.args())
}

#[derive(Default)]
pub(super) struct Data {
    bytes: Vec<u8>,
    strings: HashMap<Vec<u8>, Str>,
    tables: HashMap<Vec<Str>, u32>,
    zones: HashMap<Tz, u32>,
    /// What each piece is, by its offset, for the comments of the module text.
    labels: Vec<(u32, u32, String)>,
    /// Whether a text names the day of the week (then `$weekday_names` is needed).
    pub weekday: bool,
}

impl Data {
    fn address(&self) -> u32 {
        abi::memory::PLAN_DATA + u32::try_from(self.bytes.len()).unwrap_or(u32::MAX)
    }

    fn align(&mut self, to: usize) {
        while self.bytes.len() % to != 0 {
            self.bytes.push(0);
        }
    }

    fn put(&mut self, bytes: &[u8], label: String) -> u32 {
        let at = self.address();
        self.bytes.extend_from_slice(bytes);
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        self.labels.push((at, len, label));
        at
    }

    /// A string, stored once however often it is asked for.
    pub fn string(&mut self, text: &str) -> Str {
        if text.is_empty() {
            return Str {
                at: abi::memory::PLAN_DATA,
                len: 0,
            };
        }
        if let Some(s) = self.strings.get(text.as_bytes()) {
            return *s;
        }
        let at = self.put(text.as_bytes(), String::new());
        let s = Str {
            at,
            len: u32::try_from(text.len()).unwrap_or(u32::MAX),
        };
        self.strings.insert(text.as_bytes().to_vec(), s);
        s
    }

    /// A string's operands `(address, length)`, with the string in a comment.
    pub fn shown(&mut self, text: &str) -> String {
        let s = self.string(text);
        shown(s, text)
    }

    /// A table of strings: (address, length) pairs, 8 bytes each.
    pub fn table(&mut self, words: &[&str], label: &str) -> u32 {
        let strings: Vec<Str> = words.iter().map(|w| self.string(w)).collect();
        if let Some(at) = self.tables.get(&strings) {
            return *at;
        }
        self.align(8);
        let mut bytes = Vec::with_capacity(strings.len() * 8);
        for s in &strings {
            bytes.extend_from_slice(&s.at.to_le_bytes());
            bytes.extend_from_slice(&s.len.to_le_bytes());
        }
        let at = self.put(&bytes, format!("table: {label}"));
        self.tables.insert(strings, at);
        at
    }

    /// The table of a time zone (`abi::tz`).
    pub fn zone(&mut self, zone: Tz) -> u32 {
        if let Some(at) = self.zones.get(&zone) {
            return *at;
        }
        self.align(8);
        let spans = tz::spans(zone);
        let table = tz::table(&spans);
        let at = self.put(
            &table,
            format!("time zone {}: {} spans", zone.name(), spans.len()),
        );
        self.zones.insert(zone, at);
        at
    }

    /// The first address after the data, 16-byte aligned.
    pub fn end(&self) -> u32 {
        (self.address() + 15) & !15
    }

    /// One data segment a piece, with what it is.
    pub fn emit(&self, w: &mut Wat) {
        for (at, len, label) in &self.labels {
            let start = (*at - abi::memory::PLAN_DATA) as usize;
            let bytes = &self.bytes[start..start + *len as usize];
            if !label.is_empty() {
                w.comment(label);
            }
            w.line(format!("(data (i32.const {at}) {})", literal(bytes)));
        }
    }
}
