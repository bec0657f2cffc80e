//! Plans compiled from the shipped policies and from `tests/compile/ok/`.

use super::{check_fixture, policy_files};
use rem::plan::Plan;

fn compile(path: &std::path::Path) -> Plan {
    let checked = check_fixture(path);
    let program = &checked.program;
    assert!(
        checked.diagnostics.is_empty(),
        "{} has diagnostics:\n{}",
        path.display(),
        rem::diagnostic::render::human(&checked.diagnostics, program, false)
    );
    checked.plan
}

#[test]
fn shipped_policies() {
    for path in policy_files() {
        let plan = compile(&path);
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        insta::assert_snapshot!(name, plan.to_json());
    }
}

#[test]
fn fixtures() {
    insta::glob!("..", "compile/ok/*.rem", |path| {
        let input = std::fs::read_to_string(path).expect("fixture is readable");
        insta::assert_snapshot!(format!("{input}\n---\n{}", compile(path).to_json()));
    });
}

#[test]
fn plans_round_trip_and_are_deterministic() {
    for path in policy_files() {
        let plan = compile(&path);
        let json = plan.to_json();
        let back: Plan = serde_json::from_str(&json).expect("the plan deserialises");
        assert_eq!(back, plan, "{}", path.display());
        assert_eq!(back.to_json(), json, "{}", path.display());
        assert_eq!(
            compile(&path).to_json(),
            json,
            "{} compiles the same twice",
            path.display()
        );
    }
}

#[test]
fn plan_carries_format_version() {
    let plan = compile(&policy_files()[0]);
    let json: serde_json::Value = serde_json::from_str(&plan.to_json()).expect("JSON");
    assert_eq!(json["format"], "rem-plan");
    assert_eq!(json["format_version"], rem::plan::FORMAT_VERSION);
}
