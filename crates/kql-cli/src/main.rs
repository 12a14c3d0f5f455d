use std::process::ExitCode;

fn main() -> ExitCode {
    kql_cli::main()
}
