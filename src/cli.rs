//! Command-line interface: argument parsing with clap, reading files, printing, exit codes.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use rem::diagnostic;

mod build;
mod diff;
mod due;
mod eval;
mod exit;
mod explain;
mod fmt;
mod gaps;
mod generate;
mod inputs;
mod lsp;
mod parallel;
mod read;
mod render;
mod serve;
mod tasks;
mod test;
mod write;

use exit::{Exit, Failure, Outcome};
use write::say;

#[derive(Parser)]
#[command(
    name = "rem",
    version,
    about = "Compile and check clinic reminder policies (.rem files)",
    long_about = "rem reads clinic reminder policies written in .rem files, checks them, and compiles them to a JSON schedule plan.\n\nThe language is described in docs/language.md; error codes in docs/errors.md.",
    after_help = "Examples:\n  rem check policies/                 check every .rem file under policies/\n  rem compile policies/vas-vardcentral.rem -o plan.json\n  rem fmt --check policies/           list files that are not formatted"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check policies and report every error and warning.
    #[command(
        after_help = "Exit status: 0 when clean, 1 when there are errors (or warnings with --deny-warnings), 2 when a file cannot be read.\n\nExamples:\n  rem check policies/\n  rem check --format json --deny-warnings policies/ > report.json"
    )]
    Check {
        /// .rem files, or folders searched for .rem files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Compile policies to a JSON schedule plan (see docs/plan-format.md).
    #[command(
        after_help = "The plan is written to standard output, or to the file given with -o. Nothing is written when there are errors.\n\nExamples:\n  rem compile policies/jonkoping-kf.rem\n  rem compile policies/ -o plan.json"
    )]
    Compile {
        /// .rem files, or folders searched for .rem files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Write the plan to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Build policies into a WebAssembly module that evaluates bookings as `rem eval` does.
    #[command(
        after_help = "The module is self-contained: it carries its plan, its time-zone rules and everything it needs, and runs in any WebAssembly host (wasmtime, Node.js, a browser, Java or .NET runtimes); its ABI is described in docs/wasm.md. `rem eval plan.wasm` runs it with wasmtime.\n\nExamples:\n  rem build --target wasm policies/ -o plan.wasm\n  rem build --target wat policies/jonkoping-kf.rem | less"
    )]
    Build(build::BuildArgs),
    /// Evaluate policies against a booking feed: the messages to send, when, to whom.
    #[command(
        after_help = "Output: one action a line (JSON Lines or CSV) on standard output or in -o FILE; with --explain also a line for every message not sent. A summary goes to standard error.\n\nExit status: 0 done, 1 the policies have errors, 2 an input cannot be read, 3 done but some rows were rejected (listed in the rejects file).\n\nExamples:\n  rem eval policies/ --feed examples/bookings.csv --now 2026-03-20T12:00:00+01:00\n  rem eval plan.json --feed bookings.jsonl --events events.jsonl --mode due --since 2026-03-20T11:55:00+01:00 -o due.jsonl\n  rem eval policies/ --feed examples/bookings.fhir.json --explain --output csv\n  rem eval plan.wasm --feed bookings.csv --now 2026-03-20T12:00:00+01:00   (a module of rem build)"
    )]
    Eval(eval::EvalArgs),
    /// Explain, step by step, why one booking gets what it gets, pointing at the policy lines.
    #[command(
        after_help = "Examples:\n  rem explain VAS-2 --feed examples/bookings.csv policies/\n  rem explain KF-1 --feed examples/bookings.csv --events examples/events.jsonl --now 2026-03-21T12:00:00+01:00 policies/"
    )]
    Explain(explain::ExplainArgs),
    /// List every patient's services that are due again, with their status (R8, R9).
    #[command(
        after_help = "Status: past due (red), due soon (yellow: within the recall's `due_soon` days, 30 by default), due later (black), booked (grey: a visit for it is booked in --feed). Colours are shown beside the words, never instead of them.\n\nExit status: 0 done, 1 the policies have errors, 2 an input cannot be read, 3 done but some rows were rejected (listed in the rejects file).\n\nExamples:\n  rem due policies/ --services examples/services.csv --now 2026-03-20T12:00:00+01:00\n  rem due policies/ --services services.csv --feed bookings.csv --output html -o due.html\n  rem due policies/ --services services.csv --status overdue,due-soon --output csv"
    )]
    Due(due::DueArgs),
    /// List the staff's tasks (`via task`) per unit and day (R10).
    #[command(
        after_help = "Every task the policies plan for the feed's bookings (and, with --services, for recalls), from the day of --now unless --from says otherwise, per unit, by day and time.\n\nExit status: 0 done, 1 the policies have errors, 2 an input cannot be read, 3 done but some rows were rejected (listed in the rejects file).\n\nExamples:\n  rem tasks policies/ --feed examples/vet-bookings.csv --now 2026-04-10T12:00:00+02:00\n  rem tasks policies/ --feed bookings.csv --unit Smådjur --from 2026-04-13 --to 2026-04-17 --output html -o tasks.html"
    )]
    Tasks(tasks::TasksArgs),
    /// Show the text of each action as the patient will read it (R19): in their language, with
    /// the SMS segments it costs.
    #[command(
        after_help = "Addresses are never shown, only the recipient's role.\n\nExamples:\n  rem render policies/ --feed examples/bookings.csv --now 2026-03-24T12:00:00+01:00 --booking ASL-1\n  rem render policies/ --feed bookings.csv --output json"
    )]
    Render(render::RenderArgs),
    /// Run the tests written beside the policies (NAME.test.toml), with coverage.
    #[command(
        after_help = "Exit status: 0 when every test passes (and coverage reaches --min-coverage), 1 otherwise, 2 when a file cannot be read.\n\nExamples:\n  rem test policies/\n  rem test policies/ --coverage --min-coverage 100 --junit report.xml\n  rem test policies/vas-vardcentral.rem --format json"
    )]
    Test(test::TestArgs),
    /// Compare two versions of the policies on the same bookings: actions added, removed, moved.
    #[command(
        after_help = "Exit status: 0 when nothing changes, 1 when some booking's actions change (so CI can ask for an approval), 2 when an input cannot be read.\n\nExamples:\n  rem diff examples/diff/jonkoping-kf-pilot.rem policies/jonkoping-kf.rem --feed examples/bookings.csv\n  rem diff old-plan.json policies/ --feed bookings.csv --output json"
    )]
    Diff(diff::DiffArgs),
    /// Generate a synthetic booking feed (and its events) for the policies: for benchmarks and
    /// for trying policies on volume.
    #[command(
        after_help = "The bookings fall in the policies' clinics, units and exams (a twentieth in none), with a region's mix: minors with guardians, consent and inbox rates, id kinds, interpreters, portal and quick-book bookings, series and group visits, lead times from the same day to months, visits on the days clocks change, cancellations and moved visits. Phone numbers come from ranges reserved for tests only. The same seed gives the same feed, byte for byte (docs/gen.md).\n\nExamples:\n  rem gen policies/ -n 1000000 --now 2026-03-24T12:00:00+01:00 -o bookings.csv --events events.jsonl\n  rem gen policies/jonkoping-kf.rem -n 500 --format fhir --now 2026-03-24T12:00:00+01:00 -o bundle.json"
    )]
    Gen(generate::GenArgs),
    /// Format policies in place (four-space indentation, one statement a line, comments kept).
    #[command(
        after_help = "Examples:\n  rem fmt policies/\n  rem fmt --check policies/     exit 1 and list the files that would change"
    )]
    Fmt {
        /// .rem files, or folders searched for .rem files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Change nothing; list the files that are not formatted and exit 1 if there are any.
        #[arg(long)]
        check: bool,
    },
    /// The bookings that get no message at all, grouped by reason and by profile (R20).
    #[command(
        after_help = "A booking gets nothing when no message reaches the patient or a guardian (a staff task does not count). Its reasons are those of its messages not sent; within each group of reasons, the bookings are counted by unit, exam, age group, SMS consent and inbox account. Rejected rows are counted, not evaluated.\n\nExamples:\n  rem gaps policies/ --feed examples/bookings.csv --now 2026-03-24T12:00:00+01:00\n  rem gaps policies/ --feed bookings.csv --output json > gaps.json"
    )]
    Gaps(gaps::GapsArgs),
    /// The workbench: a local web page to edit policies and see who gets what, when, and who
    /// gets nothing, on a feed.
    #[command(
        after_help = "Serves one page on 127.0.0.1 (nothing leaves the machine): the policy editor with the checker's diagnostics, the feed's bookings with their messages, the load per hour, why each booking gets what it gets, who gets nothing, and what a change does. Saving writes only the policy files named here, only when they check without errors, and needs the token printed at start. See docs/workbench.md.\n\nExample:\n  rem serve policies/asl-sms.rem --feed examples/bookings.csv --now 2026-03-24T12:00:00+01:00"
    )]
    Serve(serve::ServeArgs),
    /// Run the language server for editors (VS Code, Neovim, Helix, Zed) over stdin and stdout.
    #[command(
        after_help = "Diagnostics as you type, hover, completion, go to definition, document symbols, formatting and quick fixes. Editors start it themselves; see docs/editors.md."
    )]
    Lsp,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// How to print diagnostics: text for people, json for CI.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Treat warnings as errors.
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check { paths, report } => check_command(&paths, &report, None),
        Command::Compile {
            paths,
            output,
            report,
        } => check_command(&paths, &report, Some(output)),
        Command::Fmt { paths, check } => fmt::run(&paths, check),
        Command::Build(args) => build::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Due(args) => due::run(&args),
        Command::Tasks(args) => tasks::run(&args),
        Command::Render(args) => render::run(&args),
        Command::Gen(args) => generate::run(&args),
        Command::Lsp => lsp::run(),
        Command::Gaps(args) => gaps::run(&args),
        Command::Serve(args) => serve::run(&args),
    };
    ExitCode::from(outcome.unwrap_or_else(Failure::report).code())
}

/// `rem check`, and `rem compile` when `output` is given.
fn check_command(
    paths: &[PathBuf],
    report: &ReportArgs,
    output: Option<Option<PathBuf>>,
) -> Outcome {
    let files = policy_files(paths).map_err(Failure::Message)?;
    let checked = compile(&files);
    print_diagnostics(&checked, report.format)?;
    if checked.unreadable() {
        return Ok(Exit::Unusable);
    }
    if checked.has_errors() {
        return Ok(Exit::Failed);
    }
    if report.deny_warnings && !checked.diagnostics.is_empty() {
        if report.format == Format::Human {
            say!("error: the warnings count as errors (--deny-warnings)");
        }
        return Ok(Exit::Failed);
    }
    match output {
        Some(Some(path)) => {
            let inputs: Vec<PathBuf> = checked
                .program
                .files
                .iter()
                .map(|f| PathBuf::from(&f.path))
                .collect();
            let inputs = write::named("policy input", &inputs);
            let outputs = [write::Named {
                role: "-o",
                path: &path,
            }];
            write::refuse_overwriting_inputs(&inputs, &outputs).map_err(Failure::Message)?;
            write::write_file(&path, checked.plan.to_json().as_bytes())?;
        }
        Some(None) => write::print(&checked.plan.to_json())?,
        None if report.format == Format::Human => say_checked(&files, &checked),
        None => {}
    }
    Ok(Exit::Ok)
}

/// `checked 5 files, 5 policies: no problems`.
fn say_checked(files: &[PathBuf], checked: &rem::Compiled) {
    let policies = checked.plan.policies.len();
    say!(
        "checked {} file{}, {policies} polic{}: {}",
        files.len(),
        plural(files.len()),
        if policies == 1 { "y" } else { "ies" },
        if checked.diagnostics.is_empty() {
            "no problems"
        } else {
            "warnings only"
        }
    );
}

/// Compiles the files and everything they `use`, read from the file system the safe way.
fn compile(files: &[PathBuf]) -> rem::Compiled {
    rem::compile(files, read::policy_file)
}

/// Prints diagnostics: text on standard error for people, JSON on standard output for CI.
/// Fails only when the JSON cannot be written.
fn print_diagnostics(compiled: &rem::Compiled, format: Format) -> Result<(), Failure> {
    let (diagnostics, program) = (&compiled.diagnostics, &compiled.program);
    match format {
        Format::Human => {
            if !diagnostics.is_empty() {
                let color = colour() == diagnostic::render::Colour::Coloured;
                write::say_text(&diagnostic::render::human(diagnostics, program, color));
                let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                let warnings = diagnostics.len() - errors;
                say!(
                    "{errors} error{}, {warnings} warning{}",
                    plural(errors),
                    plural(warnings)
                );
            }
            if !compiled.silenced.is_empty() {
                let n = compiled.silenced.len();
                say!(
                    "{n} warning{} silenced by `// rem: allow` (listed by --format json)",
                    plural(n)
                );
            }
            Ok(())
        }
        Format::Json => Ok(write::print(&diagnostic::render::json(
            diagnostics,
            &compiled.silenced,
            program,
        ))?),
    }
}

/// Parses a `--now` or `--since` time.
fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| format!("`{text}` is not an RFC 3339 time such as 2026-03-30T09:00:00+02:00"))
}

/// `--now`, or else the system clock. This is the one place rem reads the time: chrono is
/// built without its `clock` feature, so the library cannot.
fn now_or_clock(now: Option<chrono::DateTime<chrono::Utc>>) -> chrono::DateTime<chrono::Utc> {
    now.unwrap_or_else(|| chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()))
}

/// The colour rule of every report on standard error: colours for a terminal, unless
/// `NO_COLOR` is set.
fn colour() -> diagnostic::render::Colour {
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        diagnostic::render::Colour::Coloured
    } else {
        diagnostic::render::Colour::Plain
    }
}

/// Prints an error that is not about a policy file (a feed, a plan) with its code and help.
fn report_error(error: &dyn miette::Diagnostic) {
    write::say_text(&diagnostic::render::report(error, colour()));
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The files under `folder` whose names pass `wanted`, sorted by name.
fn files_under(folder: &Path, wanted: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(folder).sort_by_file_name() {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", folder.display()))?;
        if entry.file_type().is_file() && wanted(entry.path()) {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

/// The `.rem` files named, and those found under the folders named, each folder sorted.
fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let found = files_under(path, |p| p.extension().is_some_and(|e| e == "rem"))?;
            if found.is_empty() {
                return Err(format!("no .rem files in {}", path.display()));
            }
            files.extend(found);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(format!("no such file or folder: {}", path.display()));
        }
    }
    Ok(files)
}

/// Reads a file as UTF-8, for commands that work on one file at a time.
fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))
}
