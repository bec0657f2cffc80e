//! The `rem` command: files, stdout, stderr and exit codes live here; everything else is the
//! library's pure stages.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
