//! The `firedrill` binary: parse arguments, run, print the error and its hints, exit with the error's code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = firedrill::cli::Cli::parse();
    firedrill::cli::init_logging(cli.verbose);
    match firedrill::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Nothing is left to do when stderr cannot be written to: the exit code still tells.
            let _ = err.write(&mut std::io::stderr().lock());
            ExitCode::from(err.kind.exit_code())
        }
    }
}
