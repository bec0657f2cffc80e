//! `rem build` and `rem eval` with the WebAssembly backend, as an operator runs them: the
//! module gives what the native engine gives, and a module that hangs, runs out of memory or
//! misbehaves costs the bookings it fails on, never the run.

use std::path::Path;
use std::time::Duration;

use crate::run::{assert_run_snapshot, rem, run, run_within};

const NOW: &str = "2026-03-24T12:00:00+01:00";

fn build(dir: &Path) -> std::path::PathBuf {
    let module = dir.join("plan.wasm");
    let built = run(rem()
        .args(["build", "--target", "wasm", "policies/", "-o"])
        .arg(&module));
    built.assert_code(0);
    assert!(
        built.stderr().contains("(9 policies, "),
        "{}",
        built.stderr()
    );
    module
}

#[test]
fn a_built_module_gives_what_rem_eval_gives() {
    let dir = tempfile::tempdir().expect("temp dir");
    let module = build(dir.path());
    for feed in ["examples/bookings.csv", "examples/bookings.fhir.json"] {
        let args = [
            "--feed",
            feed,
            "--events",
            "examples/events.jsonl",
            "--now",
            NOW,
            "--explain",
        ];
        let native = run(rem().args(["eval", "policies/"]).args(args));
        let wasm = run(rem().arg("eval").arg(&module).args(args));
        let built_in_memory = run(rem()
            .args(["eval", "policies/", "--backend", "wasm"])
            .args(args));
        native.assert_code(0);
        wasm.assert_code(0);
        built_in_memory.assert_code(0);
        assert!(native.stdout().lines().count() > 40);
        assert_eq!(native.stdout(), wasm.stdout(), "{feed}");
        assert_eq!(native.stdout(), built_in_memory.stdout(), "{feed}");
        assert_eq!(native.stderr(), wasm.stderr(), "the summaries differ");
        // and the module's plan runs natively too
        let embedded = run(rem()
            .arg("eval")
            .arg(&module)
            .args(["--backend", "native"])
            .args(args));
        assert_eq!(native.stdout(), embedded.stdout());
    }
}

#[test]
fn the_same_policies_build_the_same_module_byte_for_byte() {
    let (first, second) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    let a = std::fs::read(build(first.path())).expect("module");
    let b = std::fs::read(build(second.path())).expect("module");
    assert!(a.starts_with(b"\0asm"));
    assert_eq!(a, b);
}

#[test]
fn the_text_of_a_module_is_printed_for_reading() {
    let printed = run(rem().args(["build", "--target", "wat", "policies/jonkoping-kf.rem"]));
    printed.assert_code(0);
    let text = printed.stdout();
    assert!(text.starts_with("(module"), "{text}");
    assert!(text.contains("(func $policy.0"));
    assert!(text.contains(rem::wasm::codegen::RUNTIME_MARK));
}

#[test]
fn a_binary_module_needs_a_file_to_go_to() {
    assert_run_snapshot!(
        "build_wasm_without_a_file",
        run(rem().args(["build", "--target", "wasm", "policies/"]))
    );
}

#[test]
fn a_booking_that_uses_all_its_fuel_is_rejected_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("actions.jsonl");
    let mut cmd = rem();
    cmd.args([
        "eval",
        "policies/",
        "--backend",
        "wasm",
        "--wasm-fuel",
        "50",
    ])
    .args(["--feed", "examples/bookings.csv", "--now", NOW, "-o"])
    .arg(&out);
    let done = run_within(cmd, Duration::from_secs(120));
    done.assert_code(3);
    assert!(
        done.stderr()
            .contains("rows read: 20 (0 evaluated, 20 rejected)"),
        "{}",
        done.stderr()
    );
    let rejects = std::fs::read_to_string(dir.path().join("actions.rejects.csv")).expect("rejects");
    assert_eq!(
        rejects.matches("module_out_of_fuel").count(),
        20,
        "{rejects}"
    );
}

/// A module written by hand: the ABI's exports, `evaluate` doing `body`, and the plan of
/// `policies/` so that rem accepts it.
fn hand_made(dir: &Path, name: &str, version: i32, body: &str) -> std::path::PathBuf {
    let text = format!(
        r#"(module
  (memory (export "memory") 1)
  (func (export "rem_abi_version") (result i32) (i32.const {version}))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "evaluate") (param i32 i64 i64 i32) (result i32) {body}))"#
    );
    let bytes = wat::parse_str(&text).expect("the test module assembles");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir("policies")
        .expect("policies/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "rem"))
        .collect();
    files.sort();
    let compiled = rem::compile(&files, |p| std::fs::read(p));
    assert_eq!(compiled.plan.policies.len(), 9);
    let bytes = rem::wasm::with_plan(bytes, &compiled.plan).expect("plan section");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("module written");
    path
}

#[test]
fn a_module_that_hangs_runs_out_of_memory_or_lies_costs_only_its_bookings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "hangs.wasm",
            "(loop $forever (br $forever)) (i32.const 0)",
            "module_out_of_time",
        ),
        (
            "grows.wasm",
            "(loop $more (br_if $more (i32.ne (memory.grow (i32.const 16)) (i32.const -1)))) unreachable",
            "module_out_of_memory",
        ),
        // one record that names policy 99 of a plan of 9
        (
            "lies.wasm",
            "(i32.store (i32.const 2048) (i32.const 1)) (i32.store8 (i32.const 2056) (i32.const 2)) (i32.store (i32.const 2064) (i32.const 99)) (i32.const 2048)",
            "module_failed",
        ),
        ("traps.wasm", "(i32.load (i32.const -4))", "module_failed"),
    ];
    for (name, body, code) in cases {
        let module = hand_made(dir.path(), name, rem::wasm::abi::ABI_VERSION, body);
        let out = dir.path().join(format!("{name}.jsonl"));
        let mut cmd = rem();
        cmd.arg("eval")
            .arg(&module)
            .args(["--wasm-memory", "8", "--wasm-time-limit", "50"])
            .args(["--feed", "examples/bookings.csv", "--now", NOW, "-o"])
            .arg(&out);
        let done = run_within(cmd, Duration::from_secs(120));
        done.assert_code(3);
        let stem = name.trim_end_matches(".wasm");
        let rejects = std::fs::read_to_string(dir.path().join(format!("{stem}.rejects.csv")))
            .expect("rejects");
        assert_eq!(rejects.matches(code).count(), 20, "{name}: {rejects}");
    }
}

#[test]
fn a_module_of_another_abi_version_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    hand_made(
        dir.path(),
        "future.wasm",
        rem::wasm::abi::ABI_VERSION + 1,
        "(i32.const 0)",
    );
    assert_run_snapshot!(
        "eval_a_module_of_another_abi_version",
        run(crate::run::rem_in(dir.path()).args([
            "eval",
            "future.wasm",
            "--feed",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/bookings.csv"),
        ]))
    );
}

/// `rem eval --backend wasm` with a services feed and events equals the native engine byte for
/// byte: recalls, notices on events, repetitions and replies (issue 10).
#[test]
fn recalls_and_notices_run_the_same_in_the_module() {
    let dir = tempfile::tempdir().expect("temp dir");
    let events = dir.path().join("events.jsonl");
    std::fs::write(
        &events,
        concat!(
            "{\"booking_id\":\"B2\",\"event\":\"results_ready\",\"at\":\"2026-03-25T13:12:00+01:00\"}\n",
            "{\"booking_id\":\"B2\",\"event\":\"therapy_started\",\"at\":\"2026-03-26T13:12:00+01:00\"}\n",
            "{\"booking_id\":\"B2\",\"event\":\"reply\",\"text\":\"avboka tack\",\"at\":\"2026-03-29T13:12:00+02:00\"}\n",
        ),
    )
    .expect("events written");
    let outputs: Vec<Vec<u8>> = ["native", "wasm"]
        .into_iter()
        .map(|backend| {
            let done = run(rem()
                .args(["eval", "tests/due/lab-and-vet.rem", "--backend", backend])
                .args([
                    "--feed",
                    "tests/due/bookings.csv",
                    "--services",
                    "tests/due/services.csv",
                ])
                .arg("--events")
                .arg(&events)
                .args([
                    "--now",
                    "2026-03-30T12:00:00+02:00",
                    "--explain",
                    "--rejects",
                ])
                .arg(dir.path().join(format!("{backend}.rejects.csv"))));
            done.assert_code(3);
            done.output.stdout
        })
        .collect();
    let text = String::from_utf8_lossy(&outputs[0]);
    assert!(text.contains("\"reason\":\"cancelled_by_reply\""), "{text}");
    assert!(text.contains("\"booking_id\":\"P2/inr\""), "{text}");
    assert_eq!(outputs[0], outputs[1]);
}
