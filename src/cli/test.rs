//! `rem test`: run the tests written beside the policies, like `cargo test`, with coverage,
//! JSON and JUnit reports.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, LabeledSpan, NamedSource, Report, Severity};
use serde::Serialize;

use rem::booking::Booking;
use rem::engine::Engine;
use rem::testing::{self, CaseResult, Coverage, Failure as Mismatch, TestError};

use super::Format;
use super::exit::{Exit, Failure, Outcome};
use super::inputs::{for_each_row, load_plan};
use super::write::{self, say};

#[derive(clap::Args)]
pub struct TestArgs {
    /// Test files (`NAME.test.toml`), policies (`NAME.rem`, tested by the test file beside
    /// them), or folders searched for test files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Report which messages, offsets, recipients, complements, fallbacks and exclusions no
    /// test exercised.
    #[arg(long)]
    pub coverage: bool,
    /// Fail when coverage is below this percentage (implies --coverage).
    #[arg(long, value_name = "PCT")]
    pub min_coverage: Option<f64>,
    /// text for people, json for CI.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write a JUnit XML report, which CI systems render.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

/// The test files named or found.
fn test_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let is_test = |p: &Path| p.to_string_lossy().ends_with(".test.toml");
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let found = super::files_under(path, is_test)?;
            if found.is_empty() {
                return Err(format!("no test files (*.test.toml) in {}", path.display()));
            }
            files.extend(found);
        } else if is_test(path) && path.exists() {
            files.push(path.clone());
        } else if path.extension().is_some_and(|e| e == "rem") {
            let sibling = path.with_extension("test.toml");
            if !sibling.exists() {
                return Err(format!(
                    "{} has no tests: write them in {}",
                    path.display(),
                    sibling.display()
                ));
            }
            files.push(sibling);
        } else {
            return Err(format!("no such test file or folder: {}", path.display()));
        }
    }
    Ok(files)
}

/// A failed case as a miette report: labels on the test file, the differences below.
#[derive(Debug, thiserror::Error)]
#[error("test `{name}` failed")]
struct FailedCase {
    name: String,
    code: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    details: String,
}

impl Diagnostic for FailedCase {
    fn severity(&self) -> Option<Severity> {
        Some(Severity::Error)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.code)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.details))
    }
}

#[derive(Serialize)]
struct JsonCase {
    file: String,
    name: String,
    line: usize,
    passed: bool,
    failures: Vec<String>,
}

#[derive(Serialize)]
struct JsonCoverage {
    percent: f64,
    covered: usize,
    total: usize,
    uncovered: Vec<JsonItem>,
}

#[derive(Serialize)]
struct JsonItem {
    file: String,
    line: usize,
    column: usize,
    policy: String,
    what: String,
}

struct FileRun {
    file: String,
    text: String,
    results: Vec<CaseResult>,
    /// Errors that stopped a case or the whole file.
    errors: Vec<(Option<String>, TestError)>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn failure_lines(failure: &Mismatch) -> String {
    match failure {
        Mismatch::Missing(_, what) => format!("expected, not sent: {what}"),
        Mismatch::Unexpected(actual) => format!("sent, not expected: {actual}"),
        Mismatch::Forbidden(_, actual) => format!("sent, though excluded: {actual}"),
        Mismatch::MissingSkip(_, what) => format!("expected, did not happen: {what}"),
        Mismatch::UnexpectedSkip(skip) => format!("not sent, not expected: {skip}"),
        Mismatch::OutOfOrder(_, what) => format!("sent, but out of order: {what}"),
    }
}

fn render_failure(run: &FileRun, result: &CaseResult) -> String {
    let mut labels = vec![LabeledSpan::new(
        Some("this test".to_string()),
        result.span.start,
        0,
    )];
    for failure in &result.failures {
        let (span, label) = match failure {
            Mismatch::Missing(span, _) => (span, "not sent"),
            Mismatch::Forbidden(span, _) => (span, "sent anyway"),
            Mismatch::MissingSkip(span, _) => (span, "did not happen"),
            Mismatch::OutOfOrder(span, _) => (span, "out of order"),
            Mismatch::Unexpected(_) | Mismatch::UnexpectedSkip(_) => continue,
        };
        labels.push(LabeledSpan::new(
            Some(label.to_string()),
            span.start,
            span.end - span.start,
        ));
    }
    let mut details = String::new();
    for failure in &result.failures {
        let _ = writeln!(details, "{}", failure_lines(failure));
    }
    let _ = writeln!(details, "\nall actions of this test:");
    for actual in &result.actual {
        let _ = writeln!(details, "  + {actual}");
    }
    if result.actual.is_empty() {
        let _ = writeln!(details, "  (none)");
    }
    if !result.skipped.is_empty() {
        let _ = writeln!(details, "not sent:");
        for skip in &result.skipped {
            let _ = writeln!(details, "  - {skip}");
        }
    }
    let report = FailedCase {
        name: result.name.clone(),
        code: NamedSource::new(&run.file, run.text.clone()),
        labels,
        details,
    };
    rem::diagnostic::render::report(&report, rem::diagnostic::render::Colour::Plain)
}

fn render_error(run: &FileRun, error: &TestError) -> String {
    let report =
        Report::new(error.clone()).with_source_code(NamedSource::new(&run.file, run.text.clone()));
    rem::diagnostic::render::report(report.as_ref(), rem::diagnostic::render::Colour::Plain)
}

/// Loads, compiles and runs one test file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Warns of expectations written in the old form (`because` words instead of a `reason`).
fn warn_deprecated(run: &FileRun, suite: &testing::Suite, engine: &Engine) {
    for (span, code) in testing::deprecated_because(suite, engine) {
        let instead = code.map_or_else(
            || "`reason = \"CODE\"` (see docs/output-format.md)".to_string(),
            |code| format!("`reason = \"{code}\"`"),
        );
        say!(
            "warning: {}:{}: `because` matches the words of a reason, which may be reworded; write {instead} instead",
            run.file,
            line_of(&run.text, span.start)
        );
    }
}

fn run_file(
    path: &Path,
    coverage: &mut Coverage,
    tested: &mut Vec<PathBuf>,
) -> Result<FileRun, Failure> {
    let file = path.display().to_string();
    let text = super::read_text(path).map_err(Failure::Message)?;
    let mut run = FileRun {
        file,
        text,
        results: Vec::new(),
        errors: Vec::new(),
    };
    let suite = match testing::parse_suite(&run.text) {
        Ok(suite) => suite,
        Err(error) => {
            run.errors.push((None, error));
            return Ok(run);
        }
    };
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let policies: Vec<PathBuf> = if suite.policies.is_empty() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().replace(".test.toml", ".rem"))
            .unwrap_or_default();
        vec![base.join(name)]
    } else {
        suite
            .policies
            .iter()
            .map(|p| base.join(p.get_ref()))
            .collect()
    };
    tested.extend(policies.iter().cloned());
    let plan = load_plan(&policies)?.plan;
    let engine = Engine::new(plan).map_err(Failure::report_of)?;
    coverage.add_plan(engine.plan());
    warn_deprecated(&run, &suite, &engine);
    for case in &suite.cases {
        let name = case.get_ref().name.get_ref().clone();
        let mut bookings = match testing::case_bookings(case.get_ref(), &suite, engine.plan()) {
            Ok(bookings) => bookings,
            Err(error) => {
                run.errors.push((Some(name), error));
                continue;
            }
        };
        if let Some(feed) = &case.get_ref().feed {
            // The case's time, for a FHIR feed's periods and missing creation times.
            let now = chrono::DateTime::parse_from_rfc3339(case.get_ref().now.get_ref())
                .map_or(chrono::DateTime::UNIX_EPOCH, |t| t.to_utc());
            match feed_bookings(&base, feed, now) {
                Ok(mut more) => bookings.append(&mut more),
                Err(error) => {
                    run.errors.push((Some(name), error));
                    continue;
                }
            }
        }
        // A group booking has one reminder flag, as in a feed (R17).
        rem::feed::rules::settle_groups(&mut bookings);
        match testing::case_records(case.get_ref(), &suite, &engine, &bookings) {
            Ok(mut records) => bookings.append(&mut records),
            Err(error) => {
                run.errors.push((Some(name), error));
                continue;
            }
        }
        match testing::run_case(case, &engine, &bookings, coverage) {
            Ok(result) => run.results.push(result),
            Err(error) => run.errors.push((Some(name), error)),
        }
    }
    Ok(run)
}

fn feed_bookings(
    base: &Path,
    feed: &toml::Spanned<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Booking<'static>>, TestError> {
    let path = base.join(feed.get_ref());
    let unreadable = |reason: String| TestError::Unreadable {
        path: feed.get_ref().clone(),
        reason,
        span: feed.span().into(),
    };
    let format = super::inputs::feed_format(&path, None).map_err(unreadable)?;
    let mut bookings = Vec::new();
    let mut rejected = None;
    let source = super::inputs::Source::single(&path, format, now);
    for_each_row(&source, |location, row| match row {
        Ok(booking) => {
            bookings.push(booking.clone().into_owned());
            true
        }
        Err(reject) => {
            rejected = Some(format!(
                "{location} is rejected: {} {}",
                reject.field.unwrap_or("the row"),
                reject.reason()
            ));
            false
        }
    })
    .map_err(|e| unreadable(e.to_string()))?;
    match rejected {
        Some(reason) => Err(unreadable(reason)),
        None => Ok(bookings),
    }
}

pub fn run(args: &TestArgs) -> Outcome {
    let files = test_files(&args.paths).map_err(Failure::Message)?;
    let mut coverage = Coverage::default();
    let mut runs = Vec::new();
    let mut tested: Vec<PathBuf> = Vec::new();
    for path in &files {
        runs.push(run_file(path, &mut coverage, &mut tested)?);
    }
    let untested = untested_policies(&args.paths, &tested, &mut coverage)?;
    let passed: usize = runs
        .iter()
        .map(|r| r.results.iter().filter(|c| c.passed()).count())
        .sum();
    let failed: usize = runs
        .iter()
        .map(|r| r.results.iter().filter(|c| !c.passed()).count() + r.errors.len())
        .sum();
    let want_coverage = args.coverage || args.min_coverage.is_some();
    if let Some(path) = &args.junit {
        let mut inputs = write::named("test input", &files);
        inputs.extend(write::named("policy input", &tested));
        let outputs = [write::Named {
            role: "--junit",
            path,
        }];
        write::refuse_overwriting_inputs(&inputs, &outputs).map_err(Failure::Message)?;
        write::write_file(path, junit(&runs).as_bytes())?;
    }
    let report = match args.format {
        Format::Human => {
            let mut text = String::new();
            for path in &untested {
                let _ = writeln!(
                    text,
                    "no tests for {path}: write them in {}",
                    path.replace(".rem", ".test.toml")
                );
            }
            text.push_str(&human(
                &runs,
                passed,
                failed,
                want_coverage.then_some(&coverage),
            ));
            text
        }
        Format::Json => json(&runs, passed, failed, want_coverage.then_some(&coverage)),
    };
    write::print(&report)?;
    // Said after the `N passed, N failed` line, which stays the report's last line for CI.
    let below = args
        .min_coverage
        .filter(|min| coverage.percent() + 1e-9 < *min);
    if let Some(min) = below {
        say!(
            "error: coverage {:.1}% is below the required {min}% (--min-coverage)",
            coverage.percent()
        );
    }
    Ok(if failed > 0 || below.is_some() {
        Exit::Failed
    } else {
        Exit::Ok
    })
}

/// Policies in the folders named that no test file tests: they count for coverage too, with
/// all of their statements unexercised.
fn untested_policies(
    paths: &[PathBuf],
    tested: &[PathBuf],
    coverage: &mut Coverage,
) -> Result<Vec<String>, Failure> {
    let mut untested = Vec::new();
    for folder in paths.iter().filter(|p| p.is_dir()) {
        let policies = super::files_under(folder, |p| p.extension().is_some_and(|e| e == "rem"))
            .map_err(Failure::Message)?;
        for path in policies
            .iter()
            .filter(|p| !tested.iter().any(|t| same_file(t, p)))
        {
            coverage.add_plan(&load_plan(std::slice::from_ref(path))?.plan);
            untested.push(path.display().to_string());
        }
    }
    Ok(untested)
}

fn human(runs: &[FileRun], passed: usize, failed: usize, coverage: Option<&Coverage>) -> String {
    let mut out = String::new();
    let total = passed + failed;
    let _ = writeln!(
        out,
        "running {total} test{}",
        if total == 1 { "" } else { "s" }
    );
    for run in runs {
        for result in &run.results {
            let status = if result.passed() { "ok" } else { "FAILED" };
            let _ = writeln!(out, "test {} :: {} ... {status}", run.file, result.name);
        }
        for (name, _) in &run.errors {
            let _ = writeln!(
                out,
                "test {} :: {} ... ERROR",
                run.file,
                name.as_deref().unwrap_or("(the file)")
            );
        }
    }
    if failed > 0 {
        let _ = writeln!(out, "\nfailures:\n");
        for run in runs {
            for result in run.results.iter().filter(|r| !r.passed()) {
                let _ = writeln!(out, "---- {} :: {} ----", run.file, result.name);
                out.push_str(&render_failure(run, result));
            }
            for (name, error) in &run.errors {
                let _ = writeln!(
                    out,
                    "---- {} :: {} ----",
                    run.file,
                    name.as_deref().unwrap_or("(the file)")
                );
                out.push_str(&render_error(run, error));
            }
        }
    }
    if let Some(coverage) = coverage {
        let _ = writeln!(
            out,
            "\ncoverage: {:.1}% ({} of {} messages, offsets, recipients, complements, fallbacks and exclusions)",
            coverage.percent(),
            coverage.covered(),
            coverage.total()
        );
        for item in coverage.uncovered() {
            let _ = writeln!(
                out,
                "  not exercised: {}:{}:{}  {} (policy `{}`)",
                item.source.file, item.source.line, item.source.column, item.what, item.policy
            );
        }
    }
    let _ = writeln!(out, "\n{passed} passed, {failed} failed");
    out
}

fn json(runs: &[FileRun], passed: usize, failed: usize, coverage: Option<&Coverage>) -> String {
    let mut cases = Vec::new();
    for run in runs {
        for result in &run.results {
            cases.push(JsonCase {
                file: run.file.clone(),
                name: result.name.clone(),
                line: line_of(&run.text, result.span.start),
                passed: result.passed(),
                failures: result.failures.iter().map(failure_lines).collect(),
            });
        }
        for (name, error) in &run.errors {
            cases.push(JsonCase {
                file: run.file.clone(),
                name: name.clone().unwrap_or_default(),
                line: error
                    .labels()
                    .and_then(|mut l| l.next())
                    .map_or(1, |l| line_of(&run.text, l.offset())),
                passed: false,
                failures: vec![error.to_string()],
            });
        }
    }
    let coverage = coverage.map(|c| JsonCoverage {
        percent: c.percent(),
        covered: c.covered(),
        total: c.total(),
        uncovered: c
            .uncovered()
            .into_iter()
            .map(|i| JsonItem {
                file: i.source.file.clone(),
                line: i.source.line,
                column: i.source.column,
                policy: i.policy.clone(),
                what: i.what.clone(),
            })
            .collect(),
    });
    let report = serde_json::json!({ "passed": passed, "failed": failed, "tests": cases, "coverage": coverage });
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_default();
    out.push('\n');
    out
}

fn junit(runs: &[FileRun]) -> String {
    use quick_junit::{NonSuccessKind, Report as JUnit, TestCase, TestCaseStatus, TestSuite};
    let mut report = JUnit::new("rem test");
    for run in runs {
        let mut suite = TestSuite::new(run.file.as_str());
        for result in &run.results {
            let status = if result.passed() {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(
                    result
                        .failures
                        .first()
                        .map(failure_lines)
                        .unwrap_or_default(),
                );
                status.set_description(
                    result
                        .failures
                        .iter()
                        .map(failure_lines)
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
                status
            };
            let mut case = TestCase::new(result.name.as_str(), status);
            case.set_classname(run.file.as_str());
            suite.add_test_case(case);
        }
        for (name, error) in &run.errors {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(error.to_string());
            let mut case = TestCase::new(
                name.clone().unwrap_or_else(|| "(the file)".to_string()),
                status,
            );
            case.set_classname(run.file.as_str());
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.to_string().unwrap_or_default()
}
