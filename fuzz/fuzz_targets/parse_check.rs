//! Any bytes as a policy file: load (parse), check, and render the diagnostics as text and
//! JSON. Nothing may panic. A `use` of another file gets the same bytes, so `use` chains and
//! cycles are exercised too.

#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (program, mut diagnostics) =
        rem::source::load(&[PathBuf::from("fuzz.rem")], |_| Ok(data.to_vec()));
    let mut checked = rem::check::check(&program);
    diagnostics.append(&mut checked.diagnostics);
    rem::diagnostic::sort(&mut diagnostics);
    let _ = rem::diagnostic::render::human(&diagnostics, &program, false);
    let _ = rem::diagnostic::render::human(&diagnostics, &program, true);
    let _ = rem::diagnostic::render::json(&diagnostics, &program);
});
