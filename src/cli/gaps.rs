//! `rem gaps`: the bookings of a feed that get no message at all, grouped by reason and
//! profile (R20); in words, or as JSON for CI.

use std::path::PathBuf;

use rem::engine::{Engine, Mode, Options};
use rem::gaps::Gaps;

use super::exit::{Exit, Failure, Outcome};
use super::inputs::{FeedArgs, for_each_row, load_events, load_plan};

#[derive(clap::Args)]
pub struct GapsArgs {
    /// Policies: .rem files, folders of them, or compiled plans (.json).
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    #[command(flatten)]
    pub input: FeedArgs,
    /// text for people, json for CI.
    #[arg(long = "output", value_enum, default_value_t = GapsFormat::Text)]
    pub output: GapsFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GapsFormat {
    Text,
    Json,
}

pub fn run(args: &GapsArgs) -> Outcome {
    let gaps = gaps(&args.policies, &args.input)?;
    let text = match args.output {
        GapsFormat::Text => gaps.text(),
        GapsFormat::Json => {
            let mut json = serde_json::to_string_pretty(&gaps)
                .map_err(|e| Failure::message(format!("cannot write the report: {e}")))?;
            json.push('\n');
            json
        }
    };
    super::write::print(&text)?;
    Ok(Exit::Ok)
}

/// Every booking of the feed evaluated (every planned action, as `rem eval`'s forecast), and
/// every rejected row counted.
pub fn gaps(policies: &[PathBuf], input: &FeedArgs) -> Result<Gaps, Failure> {
    input.bookings_only("gaps")?;
    let loaded = load_plan(policies)?;
    let engine = Engine::new(loaded.plan).map_err(Failure::report_of)?;
    let source = input.source()?;
    let options = Options {
        now: super::now_or_clock(input.now),
        since: None,
        mode: Mode::Forecast,
    };
    let (events, _) = load_events(input.events.as_deref(), options.now)?;
    let mut gaps = Gaps::default();
    let mut outcomes = Vec::new();
    for_each_row(&source, |_, row| {
        match row {
            Ok(booking) => {
                outcomes.clear();
                engine.evaluate(booking, &events, &options, &mut outcomes);
                gaps.add(&engine, booking, &outcomes);
            }
            Err(_) => gaps.reject(),
        }
        true
    })
    .map_err(|e| Failure::about(source.name(), e))?;
    Ok(gaps.finish())
}
