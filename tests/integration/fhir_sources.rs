//! FHIR as real servers serve it (issue 11): bundles in the shapes of the HL7 R4 examples, an
//! Epic search, an Oracle Health Millennium search, a Swedish regional server, a transaction
//! bundle from an integration engine, a FHIR Bulk Data export and the pages of a search, each
//! under `tests/fhir/SOURCE/` with its feed configuration. Each is evaluated by
//! `tests/fhir/policies.rem`; the snapshot holds every action, every reason for what is not
//! sent, the summary and the rejects file. The WebAssembly backend must give the same actions.

use crate::run::assert_run_snapshot;
use crate::run::{rem, run};

/// (the case, the feed arguments, `--now`)
const CASES: &[(&str, &[&str], &str)] = &[
    (
        "hl7-examples",
        &[
            "--feed",
            "tests/fhir/hl7-examples/bundle.json",
            "--feed-config",
            "tests/fhir/hl7-examples/feed-config.toml",
        ],
        "2013-11-01T12:00:00Z",
    ),
    (
        "epic",
        &[
            "--feed",
            "tests/fhir/epic/bundle.json",
            "--feed-config",
            "tests/fhir/epic/feed-config.toml",
        ],
        "2026-03-25T12:00:00Z",
    ),
    (
        "oracle-millennium",
        &[
            "--feed",
            "tests/fhir/oracle-millennium/bundle.json",
            "--feed-config",
            "tests/fhir/oracle-millennium/feed-config.toml",
        ],
        "2026-03-25T12:00:00Z",
    ),
    (
        "swedish-region",
        &[
            "--feed",
            "tests/fhir/swedish-region/bundle.json",
            "--feed-config",
            "examples/feed-config.toml",
        ],
        "2026-03-25T12:00:00+01:00",
    ),
    (
        "transaction",
        &[
            "--feed",
            "tests/fhir/transaction/bundle.json",
            "--feed-config",
            "examples/feed-config.toml",
        ],
        "2026-03-25T12:00:00+01:00",
    ),
    (
        "bulk-export",
        &[
            "--feed",
            "tests/fhir/bulk-export",
            "--feed-config",
            "examples/feed-config.toml",
        ],
        "2026-03-25T12:00:00+01:00",
    ),
    (
        "single-resource",
        &[
            "--feed",
            "tests/fhir/single-resource/appointment.json",
            "--feed-config",
            "examples/feed-config.toml",
        ],
        "2026-03-25T12:00:00+01:00",
    ),
    (
        "search-pages",
        &[
            "--feed",
            "tests/fhir/search-pages/page-1.json",
            "--feed",
            "tests/fhir/search-pages/page-2.json",
            "--feed-config",
            "examples/feed-config.toml",
        ],
        "2026-03-25T12:00:00+01:00",
    ),
];

#[test]
fn r21_each_source_is_evaluated_as_its_server_serves_it() {
    for (name, feed, now) in CASES {
        let dir = tempfile::tempdir().expect("temp dir");
        let rejects = dir.path().join("rejects.csv");
        let eval = |backend: &str| {
            let mut cmd = rem();
            cmd.args(["eval", "tests/fhir/policies.rem", "--explain", "--now", now])
                .args(["--backend", backend])
                .args(*feed)
                .arg("--rejects")
                .arg(&rejects);
            run(&mut cmd)
        };
        let native = eval("native");
        let native = if rejects.exists() {
            native.with_file("rejects.csv", &rejects)
        } else {
            native
        };
        let wasm = eval("wasm");
        assert_eq!(
            native.stdout(),
            wasm.stdout(),
            "{name}: the module and the engine differ"
        );
        insta::with_settings!({ snapshot_suffix => *name }, {
            assert_run_snapshot!("fhir_source", native);
        });
    }
}

#[test]
fn the_feed_configuration_names_the_line_of_a_mistake() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("feed-config.toml");
    std::fs::write(&config, "clinic = \"VC\"\nphone_regoin = \"SE\"\n").expect("write");
    let run = run(rem()
        .args([
            "eval",
            "tests/fhir/policies.rem",
            "--now",
            "2026-03-25T12:00:00Z",
        ])
        .args(["--feed", "tests/fhir/epic/bundle.json", "--feed-config"])
        .arg(&config));
    run.assert_code(2);
    let stderr = run.stderr();
    assert!(
        stderr.contains("phone_regoin") && stderr.contains(":2:"),
        "{stderr}"
    );
}
