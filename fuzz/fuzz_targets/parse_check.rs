//! Any bytes as a policy file: load (parse), check, and render the diagnostics as text and
//! JSON. Nothing may panic. A `use` of another file gets the same bytes, so `use` chains and
//! cycles are exercised too.
//!
//! Only the first `FILES` reads find a file; later ones are "not found". Without that limit the
//! reader is an infinite file system: `use "a/b.rem"` read from `a/b.rem` names `a/a/b.rem`,
//! and so on for ever (the first version of this target timed out on it; see
//! `fuzz/regressions/parse_check/` and docs/fuzzing.md).

#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;

const FILES: usize = 8;

fuzz_target!(|data: &[u8]| {
    let mut reads = 0;
    let read = |_: &Path| {
        reads += 1;
        if reads > FILES {
            return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
        }
        Ok(data.to_vec())
    };
    let compiled = rem::compile(&[PathBuf::from("fuzz.rem")], read);
    let (program, diagnostics) = (&compiled.program, &compiled.diagnostics);
    let _ = rem::diagnostic::render::human(diagnostics, program, false);
    let _ = rem::diagnostic::render::human(diagnostics, program, true);
    let _ = rem::diagnostic::render::json(diagnostics, &compiled.silenced, program);
    let _ = rem::diagnostic::render::human(&compiled.silenced, program, false);
});
