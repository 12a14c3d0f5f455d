//! The progress bar of a table load, drawn on stderr (when it is a terminal) once the load has
//! taken a second, and cleared when it ends or is cancelled.
//!
//! A load has two phases: the JSON reader first reads the whole file to learn its columns (a
//! spinner: the reader reports nothing meanwhile), then the rows are read into memory (a bar,
//! whose length is estimated from the file size for NDJSON).

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use kql_eval::exec::CancelFlag;

/// Loads shorter than this show no bar.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// The progress of one table load.
pub struct LoadProgress {
    bar: ProgressBar,
    stop: Option<Sender<()>>,
    watcher: Option<JoinHandle<()>>,
}

impl LoadProgress {
    /// Starts the (hidden) progress of loading table `name`; `enabled` when stderr is a
    /// terminal. The bar disappears as soon as `cancel` is set.
    pub fn start(name: &str, enabled: bool, cancel: CancelFlag) -> LoadProgress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(spinner_style());
        bar.set_prefix(name.to_string());
        if !enabled {
            return LoadProgress {
                bar,
                stop: None,
                watcher: None,
            };
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let watched = bar.clone();
        let started = Instant::now();
        // reveals the bar after a second, hides it on cancel
        let watcher = std::thread::Builder::new()
            .name("kql-load-progress".to_string())
            .spawn(move || {
                let mut shown = false;
                while let Err(RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(Duration::from_millis(100))
                {
                    if cancel.load(Ordering::Relaxed) {
                        break;
                    }
                    if !shown && started.elapsed() >= SHOW_AFTER {
                        watched.set_draw_target(ProgressDrawTarget::term_like(Box::new(
                            Stderr::new(),
                        )));
                        watched.enable_steady_tick(Duration::from_millis(120));
                        shown = true;
                    }
                }
                watched.finish_and_clear();
                watched.set_draw_target(ProgressDrawTarget::hidden());
            })
            .ok();
        LoadProgress {
            bar,
            stop: Some(stop),
            watcher,
        }
    }

    /// The columns are known: rows are read now, about `estimate` of them.
    pub fn reading_rows(&self, estimate: Option<u64>) {
        // the rate of the first phase says nothing of this one
        self.bar.reset_eta();
        match estimate {
            Some(n) => {
                self.bar.set_length(n.max(1));
                self.bar.set_style(bar_style());
            }
            None => self.bar.set_style(rows_style()),
        }
    }

    pub fn add_rows(&self, n: usize) {
        self.bar.inc(n as u64);
        // an estimate is only an estimate
        if let Some(len) = self.bar.length()
            && self.bar.position() > len
        {
            self.bar.set_length(self.bar.position());
        }
    }

    /// Removes the bar.
    pub fn finish(mut self) {
        self.stop_watcher();
    }

    fn stop_watcher(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
        self.bar.finish_and_clear();
    }
}

impl Drop for LoadProgress {
    fn drop(&mut self) {
        self.stop_watcher();
    }
}

/// Stderr as the bar's terminal, a few columns narrower than it is: the bar never reaches
/// the last column, so the terminal's `^C` echo on Ctrl-C stays on the bar's line (which is
/// then cleared) instead of wrapping to a new one (which would leave the bar on screen).
#[derive(Debug)]
struct Stderr {
    width: u16,
}

impl Stderr {
    fn new() -> Stderr {
        let width = comfy_table::Table::new().use_stderr().width().unwrap_or(80);
        Stderr {
            width: width.saturating_sub(4).max(20),
        }
    }

    fn write(&self, s: &str) -> io::Result<()> {
        let mut err = io::stderr().lock();
        err.write_all(s.as_bytes())
    }
}

impl TermLike for Stderr {
    fn width(&self) -> u16 {
        self.width
    }

    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            self.write(&format!("\x1b[{n}A"))
        } else {
            Ok(())
        }
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            self.write(&format!("\x1b[{n}B"))
        } else {
            Ok(())
        }
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            self.write(&format!("\x1b[{n}C"))
        } else {
            Ok(())
        }
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            self.write(&format!("\x1b[{n}D"))
        } else {
            Ok(())
        }
    }

    fn write_line(&self, s: &str) -> io::Result<()> {
        self.write(&format!("{s}\n"))
    }

    fn write_str(&self, s: &str) -> io::Result<()> {
        self.write(s)
    }

    fn clear_line(&self) -> io::Result<()> {
        self.write("\r\x1b[2K")
    }

    fn flush(&self) -> io::Result<()> {
        io::stderr().flush()
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} loading {prefix}: reading its columns… {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{spinner} loading {prefix}: [{bar:30}] {human_pos}/~{human_len} rows {elapsed} (eta {eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ")
}

fn rows_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} loading {prefix}: {human_pos} rows {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// About how many records an NDJSON file holds, from the line lengths of its first MiB;
/// `None` for other files (a JSON array, gzip).
pub fn estimate_rows(path: &Path) -> Option<u64> {
    const SAMPLE: u64 = 1 << 20;
    let size = std::fs::metadata(path).ok()?.len();
    let mut sample = Vec::new();
    File::open(path)
        .ok()?
        .take(SAMPLE)
        .read_to_end(&mut sample)
        .ok()?;
    let text = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&sample);
    let first = text.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' {
        return None;
    }
    let lines = sample.iter().filter(|b| **b == b'\n').count() as u64;
    if sample.len() as u64 >= size {
        // the whole file: count its records
        let last_unterminated = sample.last().is_some_and(|b| *b != b'\n');
        return Some(lines + u64::from(last_unterminated));
    }
    (lines > 0).then(|| size * lines / sample.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_ndjson_rows() {
        let dir = std::env::temp_dir().join(format!("kql-progress-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let small = dir.join("small.ndjson");
        std::fs::write(&small, "{\"a\":1}\n{\"a\":2}\n{\"a\":3}").unwrap();
        assert_eq!(estimate_rows(&small), Some(3));
        let big = dir.join("big.ndjson");
        let line = format!("{{\"a\":\"{}\"}}\n", "x".repeat(90));
        std::fs::write(&big, line.repeat(30_000)).unwrap();
        let estimate = estimate_rows(&big).unwrap();
        assert!((29_000..=31_000).contains(&estimate), "{estimate}");
        let array = dir.join("array.json");
        std::fs::write(&array, "[{\"a\":1}]").unwrap();
        assert_eq!(estimate_rows(&array), None);
        assert_eq!(estimate_rows(&dir.join("missing")), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
