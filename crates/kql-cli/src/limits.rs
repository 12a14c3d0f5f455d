//! `--timeout` and `--max-memory`: a watchdog thread that stops a runaway query with a clear
//! error instead of letting it run forever or be killed by the operating system.
//!
//! Memory is watched by sampling the process's resident set size (`VmRSS` in Linux's
//! `/proc/self/status`) every [`TICK`], not by counting allocations in a global allocator:
//! the workspace forbids `unsafe` code, which a `GlobalAlloc` needs, and resident memory is
//! what the kernel's OOM killer judges by. Where `/proc` is missing the memory limit is not
//! enforced.
//!
//! Either limit sets the query's cancel flag, which the executor checks before each batch, so
//! the query ends with an error soon after. A query that has not returned [`GRACE`] later
//! (busy inside one batch, or reading a file while binding), or whose memory keeps growing to
//! an eighth past the limit, is ended by the watchdog itself: it prints the same error and
//! exits with status 1. Results are written only after the watchdog has stopped, so `-o`
//! never sees either.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kql_eval::Error;

/// How often the watchdog looks at the clock and the memory.
pub const TICK: Duration = Duration::from_millis(20);
/// How long a stopped query has to return before the watchdog ends the process.
pub const GRACE: Duration = Duration::from_secs(2);

/// The limits of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub timeout: Option<Duration>,
    /// Resident memory of the whole process, in bytes.
    pub max_memory: Option<u64>,
}

/// Which limit a query ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    Timeout(Duration),
    Memory(u64),
}

impl Exceeded {
    /// The error a query stopped by this limit ends with.
    pub fn error(self) -> Error {
        match self {
            Exceeded::Timeout(t) => Error::new(
                "kql::limit::timeout",
                format!(
                    "the query ran longer than {} (--timeout) and was stopped",
                    format_duration(t)
                ),
            )
            .with_help(
                "narrow it (a time filter or a `where` early, fewer rows into join, sort and \
                 summarize), or give it longer with --timeout",
            ),
            Exceeded::Memory(limit) => Error::new(
                "kql::limit::memory",
                format!(
                    "the query needed more than {} of memory (--max-memory) and was stopped",
                    format_bytes(limit)
                ),
            )
            .with_help(
                "narrow it (filter before join, sort and summarize; project fewer columns; \
                 `take` fewer rows), or raise --max-memory (the default is 3/4 of the memory \
                 available when kql starts)",
            ),
        }
    }
}

/// A thread watching the limits of one query; [`stop`](Watchdog::stop) it when the query
/// has returned.
pub struct Watchdog {
    cancel: Arc<AtomicBool>,
    exceeded: Arc<Mutex<Option<Exceeded>>>,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    /// Starts watching `limits`. `abort` runs on the watchdog's thread when a stopped query
    /// has not returned in time; it is expected to report the error and end the process.
    pub fn start(limits: Limits, abort: impl FnOnce(&Error) + Send + 'static) -> Watchdog {
        let cancel = Arc::new(AtomicBool::new(false));
        let exceeded = Arc::new(Mutex::new(None));
        if limits.timeout.is_none() && limits.max_memory.is_none() {
            return Watchdog {
                cancel,
                exceeded,
                stop: None,
                thread: None,
            };
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let (flag, found) = (cancel.clone(), exceeded.clone());
        let thread = std::thread::Builder::new()
            .name("kql-watchdog".into())
            .spawn(move || {
                let started = Instant::now();
                let mut hit: Option<(Exceeded, Instant)> = None;
                loop {
                    match stopped.recv_timeout(TICK) {
                        Err(RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                    let rss = limits.max_memory.and(resident_bytes());
                    if let Some((what, at)) = hit {
                        let runaway = match (what, rss) {
                            (Exceeded::Memory(limit), Some(rss)) => rss > limit + limit / 8,
                            _ => false,
                        };
                        if runaway || at.elapsed() >= GRACE {
                            abort(&what.error());
                            return;
                        }
                        continue;
                    }
                    let what = match (limits.timeout, limits.max_memory, rss) {
                        (Some(t), _, _) if started.elapsed() >= t => Exceeded::Timeout(t),
                        (_, Some(limit), Some(rss)) if rss > limit => Exceeded::Memory(limit),
                        _ => continue,
                    };
                    if let Ok(mut e) = found.lock() {
                        *e = Some(what);
                    }
                    flag.store(true, Ordering::Relaxed);
                    hit = Some((what, Instant::now()));
                }
            })
            .ok();
        Watchdog {
            cancel,
            exceeded,
            stop: Some(stop),
            thread,
        }
    }

    /// The flag to give the query as its `cancel`.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    /// Stops watching; the limit the query ran into, if it did.
    pub fn stop(mut self) -> Option<Exceeded> {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.exceeded.lock().ok().and_then(|e| *e)
    }
}

/// The stack of the thread a query binds and runs on. Binding and evaluation recurse once per
/// level of the syntax tree, which the parser bounds (500 levels); this leaves room for every
/// level even in a debug build. Only the pages used are ever committed.
pub const QUERY_STACK_BYTES: usize = 256 << 20;

/// Runs `f` on a thread with a [`QUERY_STACK_BYTES`] stack (or on this one if no thread can
/// be started), returning what it returns; a panic in `f` continues on this thread.
pub fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let f = std::sync::Mutex::new(Some(f));
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("kql-query".into())
            .stack_size(QUERY_STACK_BYTES)
            .spawn_scoped(scope, || {
                let f = f.lock().ok().and_then(|mut f| f.take());
                f.map(|f| f())
            });
        let done = match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            Err(_) => None,
        };
        match done {
            Some(out) => out,
            None => {
                let f = f.lock().ok().and_then(|mut f| f.take());
                f.map(|f| f())
                    .expect("the query ran neither here nor on its thread")
            }
        }
    })
}

/// What a query that ended with `result` under a watchdog that found `exceeded` returns: a
/// cancellation caused by a limit becomes that limit's error.
pub fn explain<T>(result: Result<T, Error>, exceeded: Option<Exceeded>) -> Result<T, Error> {
    match (result, exceeded) {
        (Err(e), Some(limit)) if e.code == "kql::cancelled" => Err(limit.error()),
        (result, _) => result,
    }
}

/// The process's resident memory in bytes (Linux), or `None` where it cannot be read.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    kib_field(&status, "VmRSS:")
}

/// The default `--max-memory`: three quarters of the memory available when kql starts (what
/// the kernel reports as `MemAvailable`: free memory and caches it can drop), and never more
/// than the machine's or the cgroup's limit; `None` where none can be read. Counting what is
/// available rather than what is installed keeps the limit below where the kernel's OOM
/// killer would strike on a busy machine.
pub fn default_max_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let field = |name: &str| meminfo.as_deref().and_then(|m| kib_field(m, name));
    let cgroup = [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ]
    .iter()
    .find_map(|p| std::fs::read_to_string(p).ok()?.trim().parse::<u64>().ok());
    let usable = [field("MemAvailable:"), field("MemTotal:"), cgroup]
        .into_iter()
        .flatten()
        .min()?;
    Some(usable / 4 * 3)
}

/// `NAME:   1234 kB` in a /proc file, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line[name.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

/// Parses `--timeout`: a number with a unit (`500ms`, `30s`, `5m`, `2h`), or seconds alone.
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let bad = || format!("`{s}` is not a duration (expected e.g. 30s, 5m, 1h or 500ms)");
    let n: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit.trim() {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(bad()),
    };
    if !(seconds > 0.0 && seconds < 1e9) {
        return Err(format!("`{s}` is not a positive duration"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `--max-memory`: a size in bytes, or `None` for no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxMemory(pub Option<u64>);

/// Parses `--max-memory`: bytes with an optional binary unit (`512M`, `4G`, `1.5GiB`), or
/// `none` for no limit.
pub fn parse_memory(s: &str) -> Result<MaxMemory, String> {
    parse_size(s).map(MaxMemory)
}

fn parse_size(s: &str) -> Result<Option<u64>, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("none") || s.eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let bad = || format!("`{s}` is not a memory size (expected e.g. 512M, 4G, or none)");
    let n: f64 = number.parse().map_err(|_| bad())?;
    let unit = unit.trim().to_ascii_uppercase();
    let shift = match unit.trim_end_matches("IB").trim_end_matches('B') {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(bad()),
    };
    let bytes = n * (1u64 << shift) as f64;
    if !(1.0..1.8e19).contains(&bytes) {
        return Err(format!("`{s}` is not a positive memory size"));
    }
    Ok(Some(bytes as u64))
}

/// `1.5 GiB`, `512 MiB`, `100 KiB`, `10 bytes`.
pub fn format_bytes(n: u64) -> String {
    const UNITS: [(u32, &str); 4] = [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")];
    for (shift, unit) in UNITS {
        if n >= 1 << shift {
            let v = n as f64 / (1u64 << shift) as f64;
            let text = format!("{v:.1}");
            return format!("{} {unit}", text.trim_end_matches(".0"));
        }
    }
    format!("{n} bytes")
}

/// `10s`, `1.5s`, `5m`, `2h`, `500ms`.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 1.0 {
        format!("{}ms", d.as_millis())
    } else if secs >= 3600.0 && secs % 3600.0 == 0.0 {
        format!("{}h", secs / 3600.0)
    } else if secs >= 60.0 && secs % 60.0 == 0.0 {
        format!("{}m", secs / 60.0)
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_parse() {
        assert_eq!(parse_memory("512M"), Ok(MaxMemory(Some(512 << 20))));
        assert_eq!(parse_memory("1.5GiB"), Ok(MaxMemory(Some(3 << 29))));
        assert_eq!(parse_memory("4g"), Ok(MaxMemory(Some(4 << 30))));
        assert_eq!(parse_memory("1000"), Ok(MaxMemory(Some(1000))));
        assert_eq!(parse_memory("none"), Ok(MaxMemory(None)));
        assert!(parse_memory("-1G").is_err());
        assert!(parse_memory("0").is_err());
        assert!(parse_memory("12 parsecs").is_err());
        assert_eq!(parse_timeout("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_timeout("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_timeout("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_timeout("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_timeout("0s").is_err());
        assert!(parse_timeout("soon").is_err());
        assert_eq!(format_bytes(3 << 29), "1.5 GiB");
        assert_eq!(format_bytes(512 << 20), "512 MiB");
        assert_eq!(format_duration(Duration::from_secs(300)), "5m");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format_duration(Duration::from_millis(200)), "200ms");
    }

    #[test]
    fn memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(resident_bytes().is_some_and(|b| b > 0));
            assert!(default_max_memory().is_some_and(|b| b > 0));
        }
    }

    #[test]
    fn a_timeout_sets_the_flag_and_names_itself() {
        let dog = Watchdog::start(
            Limits {
                timeout: Some(Duration::from_millis(50)),
                max_memory: None,
            },
            |_| {},
        );
        let flag = dog.cancel_flag();
        let started = Instant::now();
        while !flag.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(flag.load(Ordering::Relaxed));
        let exceeded = dog.stop();
        assert_eq!(exceeded, Some(Exceeded::Timeout(Duration::from_millis(50))));
        let e = explain::<()>(
            Err(Error::new("kql::cancelled", "query cancelled")),
            exceeded,
        )
        .unwrap_err();
        assert_eq!(e.code, "kql::limit::timeout");
        assert!(e.message.contains("50ms"), "{}", e.message);
    }

    #[test]
    fn a_query_within_its_limits_is_untouched() {
        let dog = Watchdog::start(
            Limits {
                timeout: Some(Duration::from_secs(60)),
                max_memory: Some(u64::MAX / 2),
            },
            |_| panic!("aborted"),
        );
        assert!(!dog.cancel_flag().load(Ordering::Relaxed));
        assert_eq!(dog.stop(), None);
    }
}
