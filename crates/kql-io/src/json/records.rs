//! Reading the objects of a JSON file one at a time, with errors placed at their file line
//! and column.

use std::io::{self, BufRead};
use std::path::Path;

use kql_eval::Error;
use serde::de::DeserializeSeed;

use crate::input::{Input, open_input, read_error};

/// What reading a record gave.
pub(super) enum Next {
    /// A record was read.
    Record,
    /// A record that is not valid JSON or not an object; the next one can still be read.
    Bad {
        /// Its number (the line of NDJSON, the element of an array), to count it once.
        record: u64,
        /// The whole error, naming the file, line and column.
        message: String,
    },
    /// The end of the file.
    End,
}

/// The objects of a JSON file, one at a time, with errors placed at their file line and column.
pub(super) enum Records {
    Empty,
    Array(ArrayRecords),
    Lines(LineRecords),
}

impl Records {
    pub(super) fn open(path: &Path) -> Result<Records, Error> {
        let display = path.display().to_string();
        let io_err = |e: io::Error| read_error(&display, &e);
        let mut reader = open_input(path)?;
        // look at the first byte that is not whitespace, then start again from the top
        let mut pos = Pos::default();
        let first = loop {
            let buf = reader.fill_buf().map_err(io_err)?;
            if buf.is_empty() {
                break None;
            }
            match buf.iter().position(|b| !is_ws(*b)) {
                Some(n) => {
                    pos.advance(&buf[..n]);
                    break Some(buf[n]);
                }
                None => {
                    let n = buf.len();
                    pos.advance(buf);
                    reader.consume(n);
                }
            }
        };
        let Some(first) = first else {
            return Ok(Records::Empty);
        };
        let reader = open_input(path)?;
        match first {
            b'[' => Ok(Records::Array(ArrayRecords {
                path: display,
                reader: PosReader {
                    inner: reader,
                    pos: Pos::default(),
                },
                state: ArrayState::Start,
                buf: Vec::new(),
                count: 0,
                last: String::new(),
            })),
            b'{' => Ok(Records::Lines(LineRecords {
                path: display,
                reader,
                line: 0,
                buf: Vec::new(),
            })),
            other => Err(Error::data(format!(
                "{display}:{}:{}: expected a JSON array of objects or one JSON object per line \
                 (NDJSON), found {}",
                pos.line(),
                pos.col + 1,
                describe_byte(other)
            ))),
        }
    }

    /// Reads the next object with `seed`.
    pub(super) fn next_with<S>(&mut self, seed: S) -> Result<Next, Error>
    where
        S: for<'de> DeserializeSeed<'de, Value = ()>,
    {
        match self {
            Records::Empty => Ok(Next::End),
            Records::Array(a) => a.next_with(seed),
            Records::Lines(l) => l.next_with(seed),
        }
    }

    /// The file, as shown in errors.
    pub(super) fn path(&self) -> &str {
        match self {
            Records::Empty => "",
            Records::Array(a) => &a.path,
            Records::Lines(l) => &l.path,
        }
    }

    /// The number of the record read last and where it starts (`file:line` or
    /// `file:line:column`), for errors about its values.
    pub(super) fn last_record(&self) -> (u64, String) {
        match self {
            Records::Empty => (0, String::new()),
            Records::Array(a) => (a.count, a.last.clone()),
            Records::Lines(l) => (l.line as u64, format!("{}:{}", l.path, l.line)),
        }
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn describe_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("`{}`", b as char)
    } else {
        format!("byte 0x{b:02X}")
    }
}

/// What a record must be (the `expecting` of the record visitors).
pub(super) const RECORD: &str = "a JSON object (one record)";

/// The message for a record that is not an object, if `e` is that error.
pub(super) fn not_an_object(e: &serde_json::Error) -> Option<String> {
    let msg = bare_message(e);
    let found = msg
        .strip_prefix("invalid type: ")?
        .strip_suffix(RECORD)?
        .strip_suffix(", expected ")?;
    let found = match found {
        "sequence" => "an array",
        "null" => "null",
        other => other,
    };
    Some(format!("expected {RECORD}, found {found}"))
}

/// A serde_json error's message without its " at line L column C" suffix.
pub(super) fn bare_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(s) => s.to_string(),
        None => text,
    }
}

/// A position in a file: 0-based line count and the number of bytes read on the current line.
#[derive(Debug, Default, Clone, Copy)]
struct Pos {
    newlines: usize,
    col: usize,
}

impl Pos {
    fn advance(&mut self, bytes: &[u8]) {
        match bytes.iter().rposition(|b| *b == b'\n') {
            Some(last) => {
                self.newlines += 1 + bytes[..last].iter().filter(|b| **b == b'\n').count();
                self.col = bytes.len() - last - 1;
            }
            None => self.col += bytes.len(),
        }
    }

    /// The 1-based line.
    fn line(&self) -> usize {
        self.newlines + 1
    }
}

/// A buffered reader that tracks the line and column of what has been read through it.
struct PosReader {
    inner: Input,
    pos: Pos,
}

impl PosReader {
    /// Skips whitespace and returns the next byte without consuming it.
    fn peek_non_ws(&mut self) -> io::Result<Option<u8>> {
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            let n = buf.iter().position(|b| !is_ws(*b)).unwrap_or(buf.len());
            let next = buf.get(n).copied();
            self.pos.advance(&buf[..n]);
            self.inner.consume(n);
            if next.is_some() {
                return Ok(next);
            }
        }
    }

    fn bump(&mut self) {
        self.pos.col += 1;
        self.inner.consume(1);
    }

    /// Whether everything has been read (a read error counts as the end).
    fn at_eof(&mut self) -> bool {
        self.inner.fill_buf().is_ok_and(|b| b.is_empty())
    }

    /// Appends the bytes of the JSON value starting here to `out`: up to its closing bracket
    /// for an object or array, up to a delimiter (`,` `]` `}` or whitespace) otherwise, or to
    /// the end of the file. Only strings and nesting are tracked: serde_json checks the rest.
    fn read_value(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            let mut end = None;
            for (i, &b) in buf.iter().enumerate() {
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    _ if depth == 0 && (matches!(b, b'}' | b']' | b',') || is_ws(b)) => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let n = end.unwrap_or(buf.len());
            out.extend_from_slice(&buf[..n]);
            self.pos.advance(&buf[..n]);
            self.inner.consume(n);
            if end.is_some() {
                return Ok(());
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArrayState {
    /// Before the `[`.
    Start,
    /// After `[`: the next token is the first element or `]`.
    First,
    /// After an element: the next token is `,` or `]`.
    Next,
    Done,
}

/// The elements of a JSON array, one at a time: the array's punctuation is read here, each
/// element's bytes are collected and parsed by serde_json, so only one element is in memory.
pub(super) struct ArrayRecords {
    path: String,
    reader: PosReader,
    state: ArrayState,
    buf: Vec<u8>,
    /// The number of elements read so far.
    count: u64,
    /// Where the element read last starts: `file:line:column`.
    last: String,
}

impl ArrayRecords {
    fn error_here(&self, what: &str) -> Error {
        let pos = self.reader.pos;
        Error::data(format!(
            "{}:{}:{}: {what}",
            self.path,
            pos.line(),
            pos.col + 1
        ))
    }

    fn io_error(&self, e: io::Error) -> Error {
        read_error(&self.path, &e)
    }

    fn peek(&mut self) -> Result<Option<u8>, Error> {
        self.reader.peek_non_ws().map_err(|e| self.io_error(e))
    }

    fn next_with<S>(&mut self, seed: S) -> Result<Next, Error>
    where
        S: for<'de> DeserializeSeed<'de, Value = ()>,
    {
        let result = self.next_inner(seed);
        if result.is_err() {
            self.state = ArrayState::Done;
        }
        result
    }

    fn next_inner<S>(&mut self, seed: S) -> Result<Next, Error>
    where
        S: for<'de> DeserializeSeed<'de, Value = ()>,
    {
        const UNCLOSED: &str = "EOF while parsing a list (the JSON array is not closed by `]`)";
        if self.state == ArrayState::Done {
            return Ok(Next::End);
        }
        if self.state == ArrayState::Start {
            match self.peek()? {
                Some(b'[') => {
                    self.reader.bump();
                    self.state = ArrayState::First;
                }
                _ => return Err(self.error_here("expected `[`")),
            }
        }
        match (self.state, self.peek()?) {
            (_, None) => return Err(self.error_here(UNCLOSED)),
            (_, Some(b']')) => {
                self.reader.bump();
                self.state = ArrayState::Done;
                return match self.peek()? {
                    None => Ok(Next::End),
                    Some(_) => Err(self.error_here("trailing characters after the JSON array")),
                };
            }
            (ArrayState::Next, Some(b',')) => {
                self.reader.bump();
                if self.peek()?.is_none() {
                    return Err(self.error_here(UNCLOSED));
                }
            }
            (ArrayState::Next, Some(_)) => {
                return Err(self.error_here("expected `,` or `]` after an array element"));
            }
            (_, Some(_)) => {}
        }
        self.state = ArrayState::Next;
        let base = self.reader.pos;
        self.buf.clear();
        self.reader
            .read_value(&mut self.buf)
            .map_err(|e| read_error(&self.path, &e))?;
        if self.buf.is_empty() {
            return Err(self.error_here("expected a value"));
        }
        self.count += 1;
        self.last = format!("{}:{}:{}", self.path, base.line(), base.col + 1);
        let mut de = serde_json::Deserializer::from_slice(&self.buf);
        match seed.deserialize(&mut de).and_then(|()| de.end()) {
            Ok(()) => Ok(Next::Record),
            Err(e) => {
                let message = if let Some(msg) = not_an_object(&e) {
                    format!("{}: {msg}", self.last)
                } else {
                    // serde_json counts from the start of the element
                    let (line, col) = match e.line() {
                        0 | 1 => (base.line(), base.col + e.column().max(1)),
                        l => (base.line() + l - 1, e.column()),
                    };
                    format!("{}:{line}:{col}: {}", self.path, bare_message(&e))
                };
                if self.reader.at_eof() {
                    // a truncated last element: nothing follows to go on with
                    return Err(Error::data(message));
                }
                Ok(Next::Bad {
                    record: self.count,
                    message,
                })
            }
        }
    }
}

/// NDJSON: one object per line; blank lines are skipped.
pub(super) struct LineRecords {
    path: String,
    reader: Input,
    /// The number of lines read so far (the 1-based number of the last one).
    line: usize,
    buf: Vec<u8>,
}

impl LineRecords {
    fn next_with<S>(&mut self, seed: S) -> Result<Next, Error>
    where
        S: for<'de> DeserializeSeed<'de, Value = ()>,
    {
        loop {
            self.buf.clear();
            let n = self
                .reader
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| read_error(&self.path, &e))?;
            if n == 0 {
                return Ok(Next::End);
            }
            self.line += 1;
            if self.buf.iter().all(|b| is_ws(*b)) {
                continue;
            }
            let mut de = serde_json::Deserializer::from_slice(&self.buf);
            let result = seed.deserialize(&mut de).and_then(|()| de.end());
            return match result {
                Ok(()) => Ok(Next::Record),
                Err(e) => {
                    let (col, msg) = match not_an_object(&e) {
                        Some(msg) => (self.buf.iter().take_while(|b| is_ws(**b)).count() + 1, msg),
                        None => (e.column().max(1), bare_message(&e)),
                    };
                    Ok(Next::Bad {
                        record: self.line as u64,
                        message: format!("{}:{}:{col}: {msg}", self.path, self.line),
                    })
                }
            };
        }
    }
}
