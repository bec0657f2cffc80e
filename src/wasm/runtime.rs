//! The hand-written part of every module: functions in the WebAssembly text format that the
//! generated code calls. Each piece is a list of module fields (functions, globals, data at
//! fixed addresses of `abi::memory`) without the `(module ...)` around it; the generator puts
//! the pieces and the plan's own code into one module. Names are prefixed by their piece
//! (`$time.utc_offset`, `$xxh3.hash128`).

/// The arena, strings, and the booking being evaluated.
pub const CORE: &str = include_str!("runtime/core.wat");
/// The outcome records and their output order.
pub const OUTCOME: &str = include_str!("runtime/outcome.wat");
/// Rule 5's instants of a moved booking.
pub const CHANGES: &str = include_str!("runtime/changes.wat");
/// Idempotency keys.
pub const KEY: &str = include_str!("runtime/key.wat");
/// Message texts.
pub const TEXT: &str = include_str!("runtime/text.wat");
/// Delivery events.
pub const EVENTS: &str = include_str!("runtime/events.wat");
/// xxh3-128 of a byte range, equal to `xxhash_rust::xxh3::xxh3_128`.
pub const XXH3: &str = include_str!("runtime/xxh3.wat");
/// Calendar arithmetic and time-zone lookups, equal to chrono and chrono-tz.
pub const TIME: &str = include_str!("runtime/time.wat");

/// Every piece, in the order they go into a module.
pub const PIECES: [&str; 8] = [CORE, OUTCOME, CHANGES, KEY, TEXT, EVENTS, XXH3, TIME];

/// A piece with each `@name` word (optionally `@name+N`) replaced by the constant of
/// `abi::constant`; `Err` names a word that stands for nothing.
pub fn expand(piece: &str) -> Result<String, String> {
    let mut out = String::with_capacity(piece.len());
    let mut rest = piece;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let word = &rest[at + 1..];
        let name_len = word
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(word.len());
        let name = &word[..name_len];
        let value = super::abi::constant(name).ok_or_else(|| format!("`@{name}`"))?;
        let after = &word[name_len..];
        let (plus, after) = match after.strip_prefix('+') {
            Some(digits) => {
                let n = digits
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(digits.len());
                let plus: i64 = digits[..n].parse().map_err(|_| format!("`@{name}+`"))?;
                (plus, &digits[n..])
            }
            None => (0, after),
        };
        out.push_str(&(value + plus).to_string());
        rest = after;
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(all(test, feature = "wasmtime"))]
pub(crate) mod harness;
#[cfg(all(test, feature = "wasmtime"))]
mod time_tests;
#[cfg(all(test, feature = "wasmtime"))]
mod xxh3_tests;
