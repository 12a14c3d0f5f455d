//! `kql-bench bench FILE`: times kql on a `DeviceProcessEvents` NDJSON file, and DuckDB on the
//! same file in the same run when the `duckdb` Python package is installed.
//!
//! Cases, each the median of `--runs` runs, kql and DuckDB interleaved:
//! * `create-account`: `queries/create-account.kql`, end to end (the `kql` process, from start
//!   to exit) against DuckDB's `read_json` with the same SQL (the query alone: DuckDB's
//!   interpreter start is not counted);
//! * `aggregation`: `summarize count(), dcount(DeviceId) by FileName | top 20 by count_`, end to
//!   end, a full scan;
//! * the same two queries on a table already in memory (kql: `MemTable`, in this process;
//!   DuckDB: `CREATE TABLE ... AS SELECT * FROM read_json(...)`).
//!
//! Peak memory is each process's maximum resident set (`wait4`), measured by a small Python
//! helper; without Python, kql is timed alone and peak memory is not shown. The results of kql
//! with 1 thread, with 2, and with the prefilter off (`KQL_NO_PREFILTER=1`) are compared, and
//! the row counts of kql and DuckDB.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use kql_eval::{Catalog, Error, MemTable, RunOptions, TableSource};

use crate::generate::END;

const CREATE_ACCOUNT: &str = include_str!("../../../queries/create-account.kql");
const AGGREGATION: &str =
    "DeviceProcessEvents | summarize count(), dcount(DeviceId) by FileName | top 20 by count_";
const RUNNER: &str = include_str!("runner.py");
const DUCKDB: &str = include_str!("duckdb_queries.py");

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub file: PathBuf,
    pub runs: usize,
    pub kql: Option<PathBuf>,
    pub python: String,
    pub duckdb: bool,
    pub memory: bool,
    pub end_to_end: bool,
}

/// One measurement: seconds and, when known, peak resident memory in bytes.
#[derive(Debug, Clone, Copy)]
struct Sample {
    seconds: f64,
    peak: Option<u64>,
}

/// The measurements of one case.
#[derive(Debug, Default)]
struct Case {
    name: &'static str,
    kql: Vec<Sample>,
    duckdb: Vec<Sample>,
    kql_rows: Option<usize>,
    duckdb_rows: Option<usize>,
}

pub fn run(options: &Options) -> Result<(), String> {
    let file = &options.file;
    let size = std::fs::metadata(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?
        .len();
    let kql = match &options.kql {
        Some(p) => p.clone(),
        None => sibling_kql()?,
    };
    let scratch = std::env::temp_dir().join(format!("kql-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let runner = scratch.join("runner.py");
    let duck = scratch.join("duckdb_queries.py");
    std::fs::write(&runner, RUNNER).map_err(|e| e.to_string())?;
    std::fs::write(&duck, DUCKDB).map_err(|e| e.to_string())?;
    let query_file = scratch.join("create-account.kql");
    std::fs::write(&query_file, CREATE_ACCOUNT).map_err(|e| e.to_string())?;
    let agg_file = scratch.join("aggregation.kql");
    std::fs::write(&agg_file, AGGREGATION).map_err(|e| e.to_string())?;

    let python = python_works(&options.python).then_some(options.python.as_str());
    let duckdb = match python {
        Some(py) if options.duckdb => duckdb_version(py),
        _ => None,
    };
    eprintln!(
        "kql-bench: {} ({:.2} GB), {} runs each; kql {}; {}",
        file.display(),
        size as f64 / 1e9,
        options.runs,
        kql.display(),
        match (&duckdb, python) {
            (Some(v), _) => format!("DuckDB {v}"),
            (None, Some(py)) =>
                format!("DuckDB not installed for {py} (pip install duckdb): kql only"),
            (None, None) => "no Python: kql only, peak memory not measured".to_string(),
        }
    );
    warm_page_cache(file)?;

    let ctx = Ctx {
        kql: &kql,
        file,
        runner: &runner,
        duck: &duck,
        python,
        duckdb: duckdb.is_some(),
    };
    let mut cases = Vec::new();
    let end_to_end: &[(&str, &PathBuf, &str)] = if options.end_to_end {
        &[
            ("Create-account query, end to end", &query_file, "create"),
            ("Aggregation (full scan), end to end", &agg_file, "agg"),
        ]
    } else {
        &[]
    };
    for &(name, query, mode) in end_to_end {
        let mut case = Case {
            name,
            ..Case::default()
        };
        for run in 0..options.runs {
            let (sample, lines, _) = ctx.kql_run(query, &[])?;
            case.kql.push(sample);
            case.kql_rows = Some(lines.saturating_sub(1));
            if ctx.duckdb {
                let (sample, rows) = ctx.duckdb_run(mode)?;
                case.duckdb.push(sample);
                case.duckdb_rows = Some(rows);
            }
            eprintln!(
                "  {name}: run {}: kql {:.3} s{}",
                run + 1,
                case.kql.last().map_or(0.0, |s| s.seconds),
                case.duckdb
                    .last()
                    .filter(|_| ctx.duckdb)
                    .map_or(String::new(), |s| format!(", DuckDB {:.3} s", s.seconds))
            );
        }
        cases.push(case);
    }

    // the same results whatever the thread count, with and without the prefilter
    let mut same = Vec::new();
    for query in end_to_end.iter().map(|case| case.1) {
        let (_, _, base) = ctx.kql_run(query, &[])?;
        let (_, _, one) = ctx.kql_run(query, &[("KQL_THREADS", "1")])?;
        let (_, _, raw) = ctx.kql_run(query, &[("KQL_NO_PREFILTER", "1")])?;
        same.push(base == one && base == raw);
    }

    if options.memory {
        let mut create = Case {
            name: "Create-account query, table in memory",
            ..Case::default()
        };
        let mut agg = Case {
            name: "Aggregation, table in memory",
            ..Case::default()
        };
        let (load, rows) = memory_runs(file, options.runs, &mut create, &mut agg)?;
        eprintln!("  kql loaded {rows} rows into memory in {load:.2} s");
        if ctx.duckdb {
            let out = ctx.python_json(&[
                ctx.duck.to_str().unwrap_or_default(),
                "mem",
                file.to_str().unwrap_or_default(),
                &options.runs.to_string(),
            ])?;
            let times = |key: &str| -> Vec<Sample> {
                out[key]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_f64())
                            .map(|seconds| Sample {
                                seconds,
                                peak: None,
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            create.duckdb = times("create");
            agg.duckdb = times("agg");
            create.duckdb_rows = out["create_rows"].as_u64().map(|n| n as usize);
            agg.duckdb_rows = out["agg_rows"].as_u64().map(|n| n as usize);
            eprintln!(
                "  DuckDB loaded the table in {:.2} s",
                out["load"].as_f64().unwrap_or(0.0)
            );
        }
        cases.push(create);
        cases.push(agg);
    }
    let _ = std::fs::remove_dir_all(&scratch);

    print_report(&cases, ctx.duckdb, size);
    if let [create, agg] = same[..] {
        println!(
            "\nSame results with 1 and 2 threads and with KQL_NO_PREFILTER=1: create-account {}, \
             aggregation {}",
            yes_no(create),
            yes_no(agg)
        );
    }
    for case in &cases {
        if let (Some(k), Some(d)) = (case.kql_rows, case.duckdb_rows)
            && k != d
        {
            println!("warning: {}: kql gave {k} rows, DuckDB {d}", case.name);
        }
    }
    Ok(())
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "NO" }
}

/// How to run the two engines.
struct Ctx<'a> {
    kql: &'a Path,
    file: &'a Path,
    runner: &'a Path,
    duck: &'a Path,
    python: Option<&'a str>,
    duckdb: bool,
}

impl Ctx<'_> {
    /// Runs `kql run QUERY` over the file; returns the time, the lines of output and the output.
    fn kql_run(
        &self,
        query: &Path,
        env: &[(&str, &str)],
    ) -> Result<(Sample, usize, String), String> {
        let table = format!("DeviceProcessEvents={}", self.file.display());
        let args: Vec<String> = vec![
            "run".into(),
            query.display().to_string(),
            "--table".into(),
            table,
            "--now".into(),
            END.into(),
            "--format".into(),
            "csv".into(),
        ];
        match self.python {
            Some(py) => {
                let mut cmd = Command::new(py);
                cmd.arg(self.runner).arg(self.kql).args(&args);
                for (k, v) in env {
                    cmd.env(k, v);
                }
                let out = json_of(cmd)?;
                if out["status"].as_i64() != Some(0) {
                    return Err(format!("kql failed on {}", query.display()));
                }
                Ok((
                    Sample {
                        seconds: out["seconds"].as_f64().unwrap_or(0.0),
                        peak: out["peak_kb"].as_u64().map(|kb| kb * 1024),
                    },
                    out["lines"].as_u64().unwrap_or(0) as usize,
                    out["stdout"].as_str().unwrap_or("").to_string(),
                ))
            }
            None => {
                let started = Instant::now();
                let mut cmd = Command::new(self.kql);
                cmd.args(&args);
                for (k, v) in env {
                    cmd.env(k, v);
                }
                let out = cmd
                    .output()
                    .map_err(|e| format!("cannot run {}: {e}", self.kql.display()))?;
                let seconds = started.elapsed().as_secs_f64();
                if !out.status.success() {
                    return Err(format!(
                        "kql failed on {}: {}",
                        query.display(),
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                Ok((
                    Sample {
                        seconds,
                        peak: None,
                    },
                    text.lines().count(),
                    text,
                ))
            }
        }
    }

    /// Runs one DuckDB query (`create` or `agg`) over the file under the runner.
    fn duckdb_run(&self, mode: &str) -> Result<(Sample, usize), String> {
        let py = self.python.unwrap_or("python3");
        let mut cmd = Command::new(py);
        cmd.arg(self.runner)
            .arg(py)
            .arg(self.duck)
            .arg(mode)
            .arg(self.file);
        let outer = json_of(cmd)?;
        let inner: serde_json::Value =
            serde_json::from_str(outer["stdout"].as_str().unwrap_or("").trim())
                .map_err(|e| format!("DuckDB ({mode}) gave no result: {e}"))?;
        Ok((
            Sample {
                seconds: inner["seconds"].as_f64().unwrap_or(0.0),
                peak: outer["peak_kb"].as_u64().map(|kb| kb * 1024),
            },
            inner["rows"].as_u64().unwrap_or(0) as usize,
        ))
    }

    fn python_json(&self, args: &[&str]) -> Result<serde_json::Value, String> {
        let mut cmd = Command::new(self.python.unwrap_or("python3"));
        cmd.args(args);
        json_of(cmd)
    }
}

/// Runs `cmd` and parses the JSON object it prints.
fn json_of(mut cmd: Command) -> Result<serde_json::Value, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("{cmd:?} printed no JSON: {e}"))
}

/// The `kql` binary built beside this one (`cargo build --release` builds both).
fn sibling_kql() -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let kql = me.with_file_name(format!("kql{}", std::env::consts::EXE_SUFFIX));
    if kql.is_file() {
        Ok(kql)
    } else {
        Err(format!(
            "no kql binary at {}: run `cargo build --release` first, or pass --kql PATH",
            kql.display()
        ))
    }
}

fn python_works(python: &str) -> bool {
    Command::new(python)
        .args(["-c", "import os; os.wait4"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn duckdb_version(python: &str) -> Option<String> {
    let out = Command::new(python)
        .args(["-c", "import duckdb; print(duckdb.__version__)"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Reads the file once so that every run finds it in the page cache.
fn warm_page_cache(file: &Path) -> Result<(), String> {
    use std::io::Read;
    let mut f = std::fs::File::open(file).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 1 << 22];
    while f.read(&mut buf).map_err(|e| e.to_string())? > 0 {}
    Ok(())
}

/// A catalog of one table held in memory.
struct MemCatalog(Arc<dyn TableSource>);

impl Catalog for MemCatalog {
    fn table(&self, name: &str) -> Result<Option<Arc<dyn TableSource>>, Error> {
        Ok((name == "DeviceProcessEvents").then(|| self.0.clone()))
    }

    fn table_names(&self) -> Vec<String> {
        vec!["DeviceProcessEvents".into()]
    }
}

/// Loads the file into memory in this process and times both queries on it; returns the load
/// time and the row count.
fn memory_runs(
    file: &Path,
    runs: usize,
    create: &mut Case,
    agg: &mut Case,
) -> Result<(f64, usize), String> {
    let started = Instant::now();
    let catalog = kql_io::DataCatalog::new("").with_table("DeviceProcessEvents", file);
    let source = catalog
        .table("DeviceProcessEvents")
        .map_err(|e| e.message)?
        .ok_or("no table")?;
    let table = MemTable::load(source.as_ref()).map_err(|e| e.message)?;
    let load = started.elapsed().as_secs_f64();
    let rows = table.row_count();
    let catalog = MemCatalog(Arc::new(table));
    let options = RunOptions {
        now: kql_eval::datetime::parse_datetime(END),
        ..RunOptions::default()
    };
    for (case, query) in [(create, CREATE_ACCOUNT), (agg, AGGREGATION)] {
        for _ in 0..runs {
            let started = Instant::now();
            let tables = kql_eval::run(query, &catalog, &options).map_err(|e| e.message)?;
            case.kql.push(Sample {
                seconds: started.elapsed().as_secs_f64(),
                peak: None,
            });
            case.kql_rows = tables.first().map(|t| t.row_count());
        }
    }
    Ok((load, rows))
}

fn median(samples: &[Sample]) -> Option<Sample> {
    if samples.is_empty() {
        return None;
    }
    let mut seconds: Vec<f64> = samples.iter().map(|s| s.seconds).collect();
    seconds.sort_by(f64::total_cmp);
    let peak = samples.iter().filter_map(|s| s.peak).max();
    Some(Sample {
        seconds: seconds[seconds.len() / 2],
        peak,
    })
}

fn mb(bytes: Option<u64>) -> String {
    bytes.map_or("-".to_string(), |b| format!("{} MB", b / 1_000_000))
}

fn print_report(cases: &[Case], duckdb: bool, size: u64) {
    println!(
        "\n| case ({:.2} GB file) | kql | DuckDB | kql / DuckDB | kql peak memory | DuckDB peak memory |",
        size as f64 / 1e9
    );
    println!("|---|---|---|---|---|---|");
    for case in cases {
        let k = median(&case.kql);
        let d = median(&case.duckdb).filter(|_| duckdb);
        let secs = |s: Option<Sample>| s.map_or("-".to_string(), |s| format!("{:.3} s", s.seconds));
        let ratio = match (k, d) {
            (Some(k), Some(d)) if d.seconds > 0.0 => format!("{:.2}", k.seconds / d.seconds),
            _ => "-".to_string(),
        };
        println!(
            "| {} | {} | {} | {ratio} | {} | {} |",
            case.name,
            secs(k),
            secs(d),
            mb(k.and_then(|s| s.peak)),
            mb(d.and_then(|s| s.peak)),
        );
    }
}
