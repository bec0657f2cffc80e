//! `rem gen`: a synthetic booking feed, and its event feed, for the policies given.

use std::io::Write as _;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use rem::generate::{Generator, places};

use super::exit::{Exit, Failure, Outcome};
use super::inputs::load_plan;
use super::write::{Named, Output, WriteError, refuse_overwriting_inputs, say_text};

#[derive(clap::Args)]
pub struct GenArgs {
    /// Policies (.rem files, folders, plans): the bookings fall in their clinics, units and
    /// exams, and a twentieth in none.
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    /// How many bookings.
    #[arg(long, short = 'n', value_name = "N", default_value_t = 1000)]
    pub bookings: u64,
    /// The seed: the same seed gives the same feed, byte for byte.
    #[arg(long, value_name = "SEED", default_value_t = 1)]
    pub seed: u64,
    /// The moment the feed is exported: visits are after it, bookings and events before it.
    #[arg(long, value_name = "TIME", value_parser = super::parse_time)]
    pub now: DateTime<Utc>,
    /// The feed's format.
    #[arg(long, value_enum, default_value_t = GenFormat::Csv)]
    pub format: GenFormat,
    /// Write the bookings to this file instead of standard output.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also write the delivery events reported by `--now` (JSON Lines) to this file.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GenFormat {
    Csv,
    Jsonl,
    Fhir,
}

pub fn run(args: &GenArgs) -> Outcome {
    let loaded = load_plan(&args.policies)?;
    let mut outputs = Vec::new();
    if let Some(out) = &args.out {
        outputs.push(Named {
            role: "-o",
            path: out,
        });
    }
    if let Some(events) = &args.events {
        outputs.push(Named {
            role: "--events",
            path: events,
        });
    }
    refuse_overwriting_inputs(&loaded.named(), &outputs).map_err(Failure::Message)?;
    let mut generator = Generator::new(args.seed, places(&loaded.plan), args.now);
    let mut out = Output::to(args.out.as_deref())?;
    let out_name = out.name().to_string();
    let mut events_out = args.events.as_deref().map(Output::file).transpose()?;
    let events_name = events_out.as_ref().map(|o| o.name().to_string());
    let mut line = Vec::with_capacity(1 << 16);
    let mut event_lines = Vec::with_capacity(1 << 16);
    let mut first = true;
    let mut events = 0u64;
    match args.format {
        GenFormat::Csv => rem::feed::csv::write_header(&mut line),
        GenFormat::Jsonl => {}
        GenFormat::Fhir => rem::generate::fhir::write_start(&mut line),
    }
    for _ in 0..args.bookings {
        let (booking, reported) = generator.next_booking();
        match args.format {
            GenFormat::Csv => rem::feed::csv::write_booking(&mut line, &booking),
            GenFormat::Jsonl => rem::feed::jsonl::write_booking(&mut line, &booking),
            GenFormat::Fhir => rem::generate::fhir::write_booking(&mut line, &booking, &mut first),
        }
        if events_out.is_some() {
            for event in &reported {
                event.write_jsonl(&mut event_lines);
            }
            events += reported.len() as u64;
        }
        if line.len() >= 1 << 16 {
            out.write_all(&line)
                .map_err(|e| WriteError::new(&out_name, e))?;
            line.clear();
        }
        if let (Some(events_out), Some(name)) = (&mut events_out, &events_name) {
            if event_lines.len() >= 1 << 16 {
                events_out
                    .write_all(&event_lines)
                    .map_err(|e| WriteError::new(name, e))?;
                event_lines.clear();
            }
        }
    }
    if args.format == GenFormat::Fhir {
        rem::generate::fhir::write_end(&mut line);
    }
    out.write_all(&line)
        .map_err(|e| WriteError::new(&out_name, e))?;
    out.finish()?;
    if let (Some(mut events_out), Some(name)) = (events_out, events_name) {
        events_out
            .write_all(&event_lines)
            .map_err(|e| WriteError::new(&name, e))?;
        events_out.finish()?;
        say_text(&format!(
            "{} bookings written to {out_name}, {events} events to {name}\n",
            args.bookings
        ));
    } else {
        say_text(&format!(
            "{} bookings written to {out_name}\n",
            args.bookings
        ));
    }
    Ok(Exit::Ok)
}
