//! The engine's scenarios in `tests/engine/`: each `NAME.rem` policy with its `NAME.test.toml`,
//! run by `rem test` itself, so a scenario is written exactly as a policy author would write
//! one. The snapshot is the runner's report: one `ok` line per test case.

use assert_cmd::Command;

#[test]
fn scenarios() {
    insta::glob!("..", "engine/*.test.toml", |path| {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a test file has a name");
        let relative = format!("tests/engine/{name}");
        let output = Command::cargo_bin("rem")
            .expect("the rem binary is built")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .args(["test", &relative])
            .output()
            .expect("rem runs");
        let stdout = String::from_utf8(output.stdout).expect("UTF-8");
        assert!(
            output.status.success(),
            "{relative} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        insta::assert_snapshot!(stdout);
    });
}
