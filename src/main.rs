use std::process::ExitCode;

fn main() -> ExitCode {
    redkey::cli::main()
}
