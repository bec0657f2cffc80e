//! Backend: a plan → a self-contained WebAssembly module that evaluates bookings exactly as
//! the engine does (`docs/wasm.md`).

pub mod abi;
pub mod runtime;
pub mod tz;
