//! The module's ABI: one spelling of every layout the generated code, the runtime and the hosts
//! share. `docs/wasm.md` documents it for hosts in other languages; `tests/integration/wasm.rs`
//! keeps that page and these constants in step.
//!
//! All numbers are little-endian. Instants are whole seconds since 1970-01-01T00:00:00Z
//! (`i64`); dates are days since 1970-01-01 (`i32`); times of day are seconds after midnight
//! (`i32`). "None" is [`NONE_I64`] for instants and [`NONE_I32`] for numbers and string
//! offsets.

/// What hosts check before they use a module: the `rem_abi_version` export returns it.
pub const ABI_VERSION: i32 = 1;

/// An absent instant.
pub const NONE_I64: i64 = i64::MIN;
/// An absent number, index or string.
pub const NONE_I32: i32 = -1;

/// The memory map. Below `RUNTIME_DATA` nothing is stored, so a null pointer reads zeroes.
pub mod memory {
    /// The 192-byte default secret of xxh3.
    pub const XXH3_SECRET: u32 = 64;
    /// Tables of the hand-written runtime (weekday names, ...): up to `PLAN_DATA`.
    pub const RUNTIME_DATA: u32 = 256;
    /// Where the generator places the plan's strings and time-zone tables.
    pub const PLAN_DATA: u32 = 4096;
}

/// A time-zone table, as the generator writes it and `runtime/time.wat` reads it: at an
/// 8-byte aligned address, an `i32` count of spans, 4 bytes of padding, then each span in 16
/// bytes: the `i64` instant it starts (the first starts at `i64::MIN`), the `i32` offset from
/// UTC in seconds, 4 bytes of padding. Spans are in time order.
pub mod tz {
    pub const HEADER: u32 = 8;
    pub const SPAN: u32 = 16;
}
