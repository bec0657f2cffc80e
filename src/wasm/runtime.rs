//! The hand-written part of every module: functions in the WebAssembly text format that the
//! generated code calls. Each piece is a list of module fields (functions, globals, data at
//! fixed addresses of `abi::memory`) without the `(module ...)` around it; the generator puts
//! the pieces and the plan's own code into one module. Names are prefixed by their piece
//! (`$time.utc_offset`, `$xxh3.hash128`).

/// xxh3-128 of a byte range, equal to `xxhash_rust::xxh3::xxh3_128`.
pub const XXH3: &str = include_str!("runtime/xxh3.wat");
/// Calendar arithmetic and time-zone lookups, equal to chrono and chrono-tz.
pub const TIME: &str = include_str!("runtime/time.wat");

#[cfg(test)]
pub(crate) mod harness;
#[cfg(test)]
mod time_tests;
#[cfg(test)]
mod xxh3_tests;
