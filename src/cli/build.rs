//! `rem build`: policies → a WebAssembly module that evaluates bookings as `rem eval` does
//! (`docs/wasm.md`), or the module's text for reading.

use std::path::PathBuf;

use rem::engine::Engine;

use super::exit::{Exit, Failure, Outcome};
use super::inputs::load_plan;
use super::write::{self, Named, say};

#[derive(clap::Args)]
pub struct BuildArgs {
    /// Policies: .rem files, folders of them, or plans compiled with `rem compile` (.json).
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    /// wasm: a WebAssembly module; wat: the same module as text, for reading.
    #[arg(long, value_enum, default_value_t = Target::Wasm)]
    pub target: Target,
    /// Where to write it (`--target wat` prints to standard output without it).
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    Wasm,
    Wat,
}

pub fn run(args: &BuildArgs) -> Outcome {
    let loaded = load_plan(&args.policies)?;
    if let Some(out) = &args.out {
        let outputs = [Named {
            role: "-o",
            path: out,
        }];
        write::refuse_overwriting_inputs(&loaded.named(), &outputs).map_err(Failure::Message)?;
    }
    let engine = Engine::new(loaded.plan).map_err(Failure::report_of)?;
    let policies = engine.plan().policies.len();
    match (args.target, &args.out) {
        (Target::Wat, None) => {
            let text = rem::wasm::text(&engine).map_err(Failure::report_of)?;
            write::print(&text)?;
        }
        (Target::Wat, Some(out)) => {
            let text = rem::wasm::text(&engine).map_err(Failure::report_of)?;
            write::write_file(out, text.as_bytes())?;
            say!(
                "wrote {} ({policies} polic{})",
                out.display(),
                ies(policies)
            );
        }
        (Target::Wasm, None) => {
            return Err(Failure::message(
                "give the file to write the module to with `-o FILE` (a module is binary; `--target wat` prints its text)",
            ));
        }
        (Target::Wasm, Some(out)) => {
            let bytes = rem::wasm::build(&engine).map_err(Failure::report_of)?;
            write::write_file(out, &bytes)?;
            say!(
                "wrote {} ({policies} polic{}, {} KiB)",
                out.display(),
                ies(policies),
                bytes.len().div_ceil(1024)
            );
        }
    }
    Ok(Exit::Ok)
}

fn ies(n: usize) -> &'static str {
    if n == 1 { "y" } else { "ies" }
}
