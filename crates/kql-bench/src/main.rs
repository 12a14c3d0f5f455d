//! `kql-bench`: makes a realistic Defender `DeviceProcessEvents` NDJSON file and times kql on
//! it, against DuckDB when its Python package is installed. See the README's benchmark section.

mod bench;
mod generate;

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "kql-bench", max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write generated DeviceProcessEvents rows as NDJSON
    Gen {
        /// How many rows
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// The file to write (`-`: standard output)
        #[arg(long, short = 'o')]
        out: PathBuf,
        /// Seed of the pseudo-random choices
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Fraction of rows whose process is net.exe or net1.exe
        #[arg(long, default_value_t = 0.005)]
        net_fraction: f64,
    },
    /// Time kql (and DuckDB, when its Python package is installed) on a generated file
    Bench {
        /// A file written by `kql-bench gen`
        file: PathBuf,
        /// Runs of each case (the median is shown)
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// The kql binary [default: the one beside kql-bench]
        #[arg(long)]
        kql: Option<PathBuf>,
        /// The Python interpreter that has the duckdb package
        #[arg(long, default_value = "python3")]
        python: String,
        /// Time kql alone
        #[arg(long)]
        no_duckdb: bool,
        /// Leave out the in-memory cases
        #[arg(long, conflicts_with = "memory_only")]
        no_memory: bool,
        /// Only the in-memory cases (no end-to-end runs)
        #[arg(long)]
        memory_only: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Gen {
            rows,
            out,
            seed,
            net_fraction,
        } => gen_command(rows, &out, seed, net_fraction),
        Command::Bench {
            file,
            runs,
            kql,
            python,
            no_duckdb,
            no_memory,
            memory_only,
        } => bench::run(&bench::Options {
            file,
            runs: runs.max(1),
            kql,
            python,
            duckdb: !no_duckdb,
            memory: !no_memory,
            end_to_end: !memory_only,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kql-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn gen_command(rows: u64, out: &PathBuf, seed: u64, net_fraction: f64) -> Result<(), String> {
    let spec = generate::Spec {
        rows,
        seed,
        net_fraction,
    };
    let started = std::time::Instant::now();
    let written = if out.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut w = BufWriter::with_capacity(1 << 20, stdout.lock());
        let n = generate::generate(&spec, &mut w).map_err(|e| e.to_string())?;
        w.flush().map_err(|e| e.to_string())?;
        n
    } else {
        let file = std::fs::File::create(out)
            .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        let n = generate::generate(&spec, &mut w)
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        w.flush()
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        n
    };
    eprintln!(
        "wrote {rows} rows, {:.2} GB ({:.0} bytes a row) in {:.1} s; query with --now {}",
        written as f64 / 1e9,
        written as f64 / rows.max(1) as f64,
        started.elapsed().as_secs_f64(),
        generate::END
    );
    Ok(())
}
