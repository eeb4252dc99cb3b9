//! The `firedrill` binary: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = firedrill::cli::Cli::parse();
    firedrill::cli::init_logging(cli.verbose);
    match firedrill::cli::run(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {err:#}");
            }
            ExitCode::from(firedrill::cli::exit_code(&err))
        }
    }
}
