//! A progress bar for long reads: shown on stderr once a read has taken a second, only when
//! stderr is a terminal and standard output is not a pipe (never in tests or scripts), and
//! not at all under `KQL_NO_PROGRESS=1`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a read runs before its bar appears.
const DELAY: Duration = Duration::from_secs(1);

/// Progress of reading one file: bytes done, rows made.
pub(crate) struct Progress {
    started: Instant,
    total: u64,
    bytes: u64,
    rows: u64,
    what: &'static str,
    allowed: bool,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// `total` bytes to read; `what` says what the read is for (`reading`, `describing`).
    pub(crate) fn new(total: u64, what: &'static str) -> Progress {
        Progress {
            started: Instant::now(),
            total,
            bytes: 0,
            rows: 0,
            what,
            allowed: allowed(),
            bar: None,
        }
    }

    /// Records that `bytes` more were read, giving `rows` more rows.
    pub(crate) fn advance(&mut self, bytes: u64, rows: u64) {
        self.bytes += bytes;
        self.rows += rows;
        if self.bar.is_none() && self.allowed && self.started.elapsed() >= DELAY {
            let bar = ProgressBar::with_draw_target(
                Some(self.total),
                ProgressDrawTarget::stderr_with_hz(8),
            );
            let style = ProgressStyle::with_template(
                "{prefix} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} {msg} (eta {eta})",
            )
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(self.what);
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_position(self.bytes);
            if self.what != "describing" {
                bar.set_message(format!("{} rows", self.rows));
            }
        }
    }

    /// Removes the bar.
    pub(crate) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Whether a bar may be shown at all.
fn allowed() -> bool {
    if std::env::var_os("KQL_NO_PROGRESS").is_some_and(|v| v != "0") {
        return false;
    }
    std::io::stderr().is_terminal() && !stdout_is_pipe()
}

#[cfg(unix)]
fn stdout_is_pipe() -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata("/dev/stdout").is_ok_and(|m| m.file_type().is_fifo())
}

#[cfg(not(unix))]
fn stdout_is_pipe() -> bool {
    !std::io::stdout().is_terminal()
}
