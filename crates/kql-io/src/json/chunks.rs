//! Reading an NDJSON file in parallel: the file is cut into byte ranges of [`CHUNK`] bytes,
//! each read (with `pread`, no shared cursor) and processed on a rayon pool, and the results
//! come back in file order, so what a reader makes of them does not depend on the number of
//! threads. A chunk holds the lines that *start* in its range (the last one read to its end),
//! so every line is in exactly one chunk. At most a few chunks are in flight at once: memory
//! stays bounded whatever the file's size.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, OnceLock};

use kql_eval::Error;
use rayon::ThreadPool;

use crate::input::read_error;

/// Bytes of a chunk (before extending it to the end of its last line).
pub(super) const CHUNK: u64 = 4 << 20;

/// How much more is read at a time to finish a chunk's last line.
const TAIL: usize = 64 << 10;

/// An uncompressed file of lines, as read by the chunks.
#[derive(Debug, Clone)]
pub(super) struct LinesFile {
    pub path: Arc<Path>,
    /// Where the text starts (after a UTF-8 byte-order mark).
    pub start: u64,
    pub len: u64,
    /// Bytes of a chunk ([`CHUNK`]; smaller in tests).
    pub chunk: u64,
}

impl LinesFile {
    /// The file at `path` if it can be read in chunks: not gzip-compressed.
    pub(super) fn open(path: &Path) -> Result<Option<LinesFile>, Error> {
        let display = path.display().to_string();
        let file = File::open(path).map_err(|e| read_error(&display, &e))?;
        let len = file.metadata().map_err(|e| read_error(&display, &e))?.len();
        let mut head = [0u8; 3];
        let n = read_at(&file, &mut head, 0).map_err(|e| read_error(&display, &e))?;
        let head = &head[..n];
        if head.starts_with(&[0x1f, 0x8b]) {
            return Ok(None);
        }
        let start = if head.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        Ok(Some(LinesFile {
            path: path.into(),
            start,
            len,
            chunk: chunk_size(),
        }))
    }

    fn chunk_count(&self) -> usize {
        (self.len.saturating_sub(self.start)).div_ceil(self.chunk.max(1)) as usize
    }
}

#[cfg(not(test))]
fn chunk_size() -> u64 {
    CHUNK
}

#[cfg(test)]
thread_local! {
    /// Tests cut files into small chunks (on the thread that opens them).
    pub(crate) static TEST_CHUNK: std::cell::Cell<u64> = const { std::cell::Cell::new(CHUNK) };
}

#[cfg(test)]
fn chunk_size() -> u64 {
    TEST_CHUNK.with(|c| c.get())
}

/// The number of threads readers use: `KQL_THREADS` if set (at least 1), else one per core.
pub(crate) fn default_threads() -> usize {
    std::env::var("KQL_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A rayon pool of `threads` threads, made once per size.
fn pool(threads: usize) -> Result<Arc<ThreadPool>, Error> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(p) = pools.get(&threads) {
        return Ok(p.clone());
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("kql-read-{i}"))
        .build()
        .map_err(|e| Error::new("kql::internal", format!("cannot start threads: {e}")))?;
    let p = Arc::new(p);
    pools.insert(threads, p.clone());
    Ok(p)
}

/// What a chunk's work is given: whole lines, each ending with `\n` (but perhaps the last
/// line of the file).
pub(super) type Work<R> = dyn Fn(&[u8]) -> R + Send + Sync;

/// The results of the chunks of a file, in file order, with the number of bytes each covered.
pub(super) struct Chunks<R> {
    file: LinesFile,
    display: Arc<str>,
    handle: Option<Arc<File>>,
    work: Arc<Work<R>>,
    pool: Arc<ThreadPool>,
    /// Buffers to read into, reused.
    spare: Arc<Mutex<Vec<Vec<u8>>>>,
    sender: Sender<(usize, io::Result<(R, u64)>)>,
    receiver: Receiver<(usize, io::Result<(R, u64)>)>,
    done: BTreeMap<usize, io::Result<(R, u64)>>,
    next_spawn: usize,
    next_yield: usize,
    count: usize,
    in_flight: usize,
    failed: bool,
}

impl<R: Send + 'static> Chunks<R> {
    pub(super) fn new(file: &LinesFile, threads: usize, work: Arc<Work<R>>) -> Result<Self, Error> {
        let threads = threads.max(1);
        let display: Arc<str> = file.path.display().to_string().into();
        let handle = File::open(&file.path).map_err(|e| read_error(&display, &e))?;
        // the file as it is now (it may have changed since it was described)
        let mut file = file.clone();
        file.len = handle
            .metadata()
            .map_err(|e| read_error(&display, &e))?
            .len();
        let (sender, receiver) = channel();
        Ok(Chunks {
            count: file.chunk_count(),
            file,
            display,
            handle: Some(Arc::new(handle)),
            work,
            pool: pool(threads)?,
            spare: Arc::default(),
            sender,
            receiver,
            done: BTreeMap::new(),
            next_spawn: 0,
            next_yield: 0,
            in_flight: 2 * threads,
            failed: false,
        })
    }

    /// The file's size in bytes (what the chunks cover in all).
    pub(super) fn total_bytes(&self) -> u64 {
        self.file.len.saturating_sub(self.file.start)
    }

    fn spawn(&mut self) {
        let Some(handle) = self.handle.clone() else {
            return;
        };
        let n = self.next_spawn;
        self.next_spawn += 1;
        let file = self.file.clone();
        let work = self.work.clone();
        let spare = self.spare.clone();
        let sender = self.sender.clone();
        self.pool.spawn(move || {
            let mut buf = spare
                .lock()
                .map(|mut s| s.pop())
                .ok()
                .flatten()
                .unwrap_or_default();
            let start = file.start + n as u64 * file.chunk;
            let end = (start + file.chunk).min(file.len);
            let result = read_lines(&handle, &file, start, end, &mut buf)
                .map(|(first, last)| (work(&buf[first..last]), end - start));
            if let Ok(mut s) = spare.lock() {
                s.push(buf);
            }
            // the receiver may be gone (the scan was dropped): nothing to do then
            let _ = sender.send((n, result));
        });
    }
}

impl<R: Send + 'static> Iterator for Chunks<R> {
    type Item = Result<(R, u64), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.next_yield == self.count {
            self.handle = None;
            return None;
        }
        while self.next_spawn < self.count && self.next_spawn < self.next_yield + self.in_flight {
            self.spawn();
        }
        loop {
            if let Some(result) = self.done.remove(&self.next_yield) {
                self.next_yield += 1;
                return Some(result.map_err(|e| {
                    self.failed = true;
                    read_error(&self.display, &e)
                }));
            }
            match self.receiver.recv() {
                Ok((n, result)) => {
                    self.done.insert(n, result);
                }
                Err(_) => {
                    self.failed = true;
                    return Some(Err(Error::new(
                        "kql::internal",
                        format!("reading {} stopped unexpectedly", self.display),
                    )));
                }
            }
        }
    }
}

/// The whole lines of the first chunk of `file` (a sample of its start).
pub(super) fn first_lines(file: &LinesFile) -> io::Result<Vec<u8>> {
    let handle = File::open(&file.path)?;
    let end = (file.start + file.chunk).min(file.len);
    let mut buf = vec![0u8; (end - file.start) as usize];
    read_exact_at(&handle, &mut buf, file.start)?;
    if end < file.len {
        // a line cut by the end of the sample is not in it
        let keep = memchr::memrchr(b'\n', &buf).map_or(0, |p| p + 1);
        buf.truncate(keep);
    }
    Ok(buf)
}

/// Reads into `buf` the lines starting in `[start, end)`, the last one to its end, and returns
/// where they are in `buf`. (`buf` only grows: its bytes are not cleared between chunks.)
fn read_lines(
    handle: &File,
    file: &LinesFile,
    start: u64,
    end: u64,
    buf: &mut Vec<u8>,
) -> io::Result<(usize, usize)> {
    // from the byte before `start`: a line starts at `start` if that byte ends a line
    let from = if start == file.start {
        start
    } else {
        start - 1
    };
    let mut len = (end - from) as usize;
    if buf.len() < len {
        buf.resize(len, 0);
    }
    read_exact_at(handle, &mut buf[..len], from)?;
    let first = if start == file.start {
        0
    } else {
        match memchr::memchr(b'\n', &buf[..len]) {
            Some(p) => p + 1,
            // one line covers the whole range: it belongs to an earlier chunk
            None => return Ok((0, 0)),
        }
    };
    if first == len {
        return Ok((first, len));
    }
    // finish the last line
    let mut at = end;
    while buf[len - 1] != b'\n' && at < file.len {
        let more = TAIL.min((file.len - at) as usize);
        if buf.len() < len + more {
            buf.resize(len + more, 0);
        }
        read_exact_at(handle, &mut buf[len..len + more], at)?;
        at += more as u64;
        match memchr::memchr(b'\n', &buf[len..len + more]) {
            Some(p) => {
                len += p + 1;
                break;
            }
            None => len += more,
        }
    }
    Ok((first, len))
}

fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match read_at(file, buf, offset) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file became shorter while it was read",
                ));
            }
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Scratch;

    /// Every line, in order, whatever the chunk size and thread count.
    fn lines_of(path: &Path, threads: usize, chunk: u64) -> Vec<String> {
        let mut file = LinesFile::open(path).unwrap().unwrap();
        file.chunk = chunk;
        let work: Arc<Work<Vec<String>>> = Arc::new(|bytes: &[u8]| {
            bytes
                .split_inclusive(|b| *b == b'\n')
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .collect()
        });
        Chunks::new(&file, threads, work)
            .unwrap()
            .flat_map(|r| r.unwrap().0)
            .collect()
    }

    #[test]
    fn lines_cross_chunk_boundaries_once() {
        let tmp = Scratch::new();
        // lines of varied length, some longer than a chunk, around the boundaries
        let mut text = String::new();
        let mut expected = Vec::new();
        for i in 0..40u64 {
            let len = match i % 5 {
                0 => 10,
                1 => 57,
                2 => 3 * 64 + 11,
                3 => 0,
                _ => 1000,
            };
            let line = format!("{i}:{}\n", "x".repeat(len));
            text.push_str(&line);
            expected.push(line);
        }
        text.push_str("last without newline");
        expected.push("last without newline".to_string());
        let path = tmp.file("a.ndjson", format!("\u{feff}{text}"));
        for threads in [1, 2, 3] {
            for chunk in [1, 7, 64, 65, 1 << 20] {
                assert_eq!(
                    lines_of(&path, threads, chunk),
                    expected,
                    "{threads} threads, chunks of {chunk}"
                );
            }
        }
        let gz = tmp.file("b.gz", crate::testutil::gzip(b"{}\n"));
        assert!(LinesFile::open(&gz).unwrap().is_none());
        let empty = tmp.file("c.ndjson", "");
        assert!(lines_of(&empty, 2, 64).is_empty());
    }
}
