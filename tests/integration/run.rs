//! Runs the `rem` binary and shows a run as its user sees it, for whole-output snapshots.
//!
//! A snapshot of a [`Run`] reads like a terminal session: the command line, the exit status,
//! standard output, standard error, then any file the run wrote. Machine paths (the checkout,
//! temporary folders) are replaced by `[ROOT]` and `[TMP]` by [`filters`], so a snapshot is the
//! same on every machine; use [`assert_run_snapshot!`] to apply them.

use std::ffi::OsStr;
use std::fmt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

/// The `rem` binary, run from the root of the checkout, without colours, and with help text
/// wrapped at the same width on every machine.
pub fn rem() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rem"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100");
    cmd
}

/// The `rem` binary, run in `dir`: a test of files in a temporary folder names them relative to
/// it, so that messages are shown, and wrapped, the same on every machine.
pub fn rem_in(dir: &Path) -> Command {
    let mut cmd = rem();
    cmd.current_dir(dir);
    cmd
}

/// One finished run of `rem`.
pub struct Run {
    /// The arguments as a user would type them after `rem`.
    pub command: String,
    pub output: Output,
    /// Files the run wrote, by the name shown in the snapshot, with their contents.
    files: Vec<(String, String)>,
}

/// Runs `cmd` to the end.
pub fn run(cmd: &mut Command) -> Run {
    let output = cmd.output().expect("rem runs");
    finished(cmd, output)
}

/// A run of `cmd` that the test started itself and has waited for.
pub fn finished(cmd: &Command, output: Output) -> Run {
    Run {
        command: command_line(cmd),
        output,
        files: Vec::new(),
    }
}

/// Runs `cmd`, failing the test if it takes longer than `limit` (a hang is the bug).
pub fn run_within(cmd: Command, limit: Duration) -> Run {
    let command = command_line(&cmd);
    let mut timed = assert_cmd::Command::from_std(cmd);
    let output = timed.timeout(limit).output().expect("rem runs");
    Run {
        command,
        output,
        files: Vec::new(),
    }
}

/// Several runs one after the other, as one terminal session, for a test whose runs are one
/// fact (every command refuses a full disk) and would be repetitive as separate snapshots.
pub fn session(runs: &[Run]) -> String {
    runs.iter()
        .map(Run::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl Run {
    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Adds a file the run wrote to what the snapshot shows, under the name `shown`.
    pub fn with_file(mut self, shown: &str, path: &Path) -> Self {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{} was not written: {e}", path.display()));
        self.files.push((shown.to_owned(), text));
        self
    }

    /// Fails the test, showing the whole run, unless `rem` ended with `code`.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code(), Some(code), "{self}");
        self
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "$ rem {}", self.command)?;
        match self.output.status.code() {
            Some(code) => writeln!(f, "exit status: {code}")?,
            None => writeln!(f, "exit status: killed ({})", self.output.status)?,
        }
        section(f, "stdout", &self.stdout())?;
        section(f, "stderr", &self.stderr())?;
        for (name, text) in &self.files {
            section(f, name, text)?;
        }
        Ok(())
    }
}

fn section(f: &mut fmt::Formatter<'_>, name: &str, text: &str) -> fmt::Result {
    writeln!(f, "----- {name} -----")?;
    if text.is_empty() {
        writeln!(f, "(empty)")
    } else if text.ends_with('\n') {
        write!(f, "{text}")
    } else {
        writeln!(f, "{text}")?;
        writeln!(f, "(no newline at the end)")
    }
}

/// The arguments of `cmd`, quoted where a shell would need it.
fn command_line(cmd: &Command) -> String {
    cmd.get_args().map(shell_word).collect::<Vec<_>>().join(" ")
}

fn shell_word(arg: &OsStr) -> String {
    let text = arg.to_string_lossy();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./:+=,@".contains(c));
    if plain {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Regular expressions that replace what differs between machines and runs: the checkout's
/// path by `[ROOT]`, a temporary folder (`/tmp/.tmpAbC123`) by `[TMP]`.
pub fn filters() -> Vec<(String, String)> {
    let mut filters = Vec::new();
    let root = env!("CARGO_MANIFEST_DIR");
    filters.push((escape(root), "[ROOT]".to_owned()));
    let temp = std::env::temp_dir();
    let mut temps = vec![temp.clone()];
    if let Ok(real) = temp.canonicalize() {
        temps.push(real);
    }
    for dir in temps {
        let dir = dir.to_string_lossy().trim_end_matches('/').to_owned();
        filters.push((
            format!(r"{}/\.tmp[A-Za-z0-9_]+", escape(&dir)),
            "[TMP]".to_owned(),
        ));
    }
    filters
}

/// `text` as a regular expression that matches only itself.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if r"\.+*?()|[]{}^$#&-~".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Snapshots a [`Run`] under `name`, with machine paths filtered out.
macro_rules! assert_run_snapshot {
    ($name:expr, $run:expr $(,)?) => {{
        let filters = $crate::run::filters();
        insta::with_settings!({
            filters => filters.iter().map(|(from, to)| (from.as_str(), to.as_str())),
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $run.to_string());
        });
    }};
}
pub(crate) use assert_run_snapshot;
