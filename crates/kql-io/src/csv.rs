//! Tables stored as CSV or TSV with a header row, including what the Log Analytics and
//! Defender portals write with "Export to CSV":
//!
//! * a header like `TimeGenerated [UTC]` names the column `TimeGenerated` and declares it a
//!   datetime (`[UTC+01:00]` also shifts the times to UTC; `[Local Time]` reads them as UTC,
//!   with a warning);
//! * dates written day-first (`26/03/2026, 15:18:18.790`) or US style
//!   (`2/25/2025, 9:19:25.391 AM`): the order is decided per column from the values (a first
//!   number above 12 means day-first, a second one above 12 month-first); when no value
//!   decides, 12-hour times (`AM`/`PM`) mean US style and 24-hour ones day-first, and a warning
//!   says which was chosen;
//! * `TRUE`/`FALSE` (any case) are bools; JSON objects and arrays (quotes doubled, as CSV
//!   quotes them) are dynamic; `NaN`, `Infinity` among numbers are reals;
//! * an empty cell is null (`""` in a string column).
//!
//! The delimiter is a tab for `.tsv` files and a comma for `.csv` files; for other names it is
//! whichever of the two the header line holds more of. Quoting follows RFC 4180 in both.

use std::path::Path;
use std::sync::Arc;

use kql_eval::batch::BATCH_ROWS;
use kql_eval::datetime::{
    TICKS_PER_HOUR, TICKS_PER_MINUTE, from_parts, parse_datetime, parse_timespan,
};
use kql_eval::value::parse_guid;
use kql_eval::{Batch, BatchStream, Error, Schema, SchemaRef, TableSource, Type, Value};

use crate::convert::{
    Columns, FileColumn, dynamic_of, is_non_finite, not_of_type, plan_columns, show_text,
    text_bool, text_long, text_real,
};
use crate::input::{open_input, read_error};
use crate::report::ReadOptions;

/// The order of day and month in dates like `03/04/2026`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    DayFirst,
    MonthFirst,
}

/// How a header cell names and types its column.
#[derive(Debug, Clone)]
struct Header {
    name: String,
    /// `Some(offset)` for a `[UTC]`-style suffix: a datetime column whose times are `offset`
    /// ticks ahead of UTC.
    utc_offset: Option<i64>,
}

/// A table read from a CSV or TSV file (possibly gzip-compressed). Each scan reads the file
/// again.
#[derive(Debug)]
pub struct CsvTable {
    path: String,
    file: std::path::PathBuf,
    delimiter: u8,
    headers: Vec<Header>,
    orders: Vec<DateOrder>,
    columns: Columns,
    options: ReadOptions,
}

/// Records end at `\n` only (a CR before it is taken off the last cell by [`cells_of`]): the
/// csv crate's own CRLF handling misnumbers the lines of the records after the first.
fn reader<R: std::io::Read>(input: R, delimiter: u8) -> ::csv::Reader<R> {
    ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_reader(input)
}

/// Watches the bytes the csv reader reads for a quoted cell that the file never closes, which
/// the csv crate reads to the end of the file as one cell without an error. It follows the
/// reader's quoting rules: a cell is quoted if it starts with `"`, a `""` inside is a quote,
/// and records end at `\n`.
struct QuoteWatch<R> {
    inner: R,
    delimiter: u8,
    state: QuoteState,
    /// The line being read (1-based), and the one where the open quoted cell started.
    line: u64,
    opened: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    CellStart,
    InCell,
    InQuotes,
    /// A `"` inside a quoted cell: the end of the quotes, or the first of `""`.
    QuoteInQuotes,
}

impl<R> QuoteWatch<R> {
    fn new(inner: R, delimiter: u8) -> QuoteWatch<R> {
        QuoteWatch {
            inner,
            delimiter,
            state: QuoteState::CellStart,
            line: 1,
            opened: 0,
        }
    }

    /// After the whole file was read: the line of a quoted cell left open at its end.
    fn unclosed(&self) -> Option<u64> {
        (self.state == QuoteState::InQuotes).then_some(self.opened)
    }

    fn watch(&mut self, bytes: &[u8]) {
        use QuoteState::*;
        for &b in bytes {
            self.state = match (self.state, b) {
                (InQuotes, b'"') => QuoteInQuotes,
                (InQuotes, _) => InQuotes,
                (QuoteInQuotes, b'"') => InQuotes,
                (CellStart, b'"') => {
                    self.opened = self.line;
                    InQuotes
                }
                (_, b'\n') => CellStart,
                (_, d) if d == self.delimiter => CellStart,
                _ => InCell,
            };
            if b == b'\n' {
                self.line += 1;
            }
        }
    }
}

impl<R: std::io::Read> std::io::Read for QuoteWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.watch(&buf[..n]);
        Ok(n)
    }
}

/// Whether a record is a blank line.
fn is_blank(record: &::csv::ByteRecord) -> bool {
    record.len() == 1 && matches!(&record[0], b"" | b"\r")
}

/// The cells of a record, the CR of a CRLF line ending taken off the last one.
fn raw_cells(record: &::csv::ByteRecord) -> impl Iterator<Item = &[u8]> {
    let last = record.len().saturating_sub(1);
    record.iter().enumerate().map(move |(i, c)| {
        if i == last {
            c.strip_suffix(b"\r").unwrap_or(c)
        } else {
            c
        }
    })
}

/// Chooses the delimiter: `.tsv` tab, `.csv` comma, else the more frequent of the two on the
/// first line (outside quotes).
pub(crate) fn delimiter_for(path: &Path, start: &[u8]) -> u8 {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".tsv") || name.ends_with(".tab") {
        return b'\t';
    }
    if name.ends_with(".csv") {
        return b',';
    }
    let (mut tabs, mut commas, mut quoted) = (0, 0, false);
    for &b in start {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b'\t' if !quoted => tabs += 1,
            b',' if !quoted => commas += 1,
            _ => {}
        }
    }
    if tabs > commas { b'\t' } else { b',' }
}

impl CsvTable {
    /// Reads the file once to learn its columns and their types.
    pub fn open(
        path: &Path,
        delimiter: u8,
        known: Option<&Schema>,
        options: &ReadOptions,
    ) -> Result<CsvTable, Error> {
        let display = path.display().to_string();
        let mut rdr = reader(QuoteWatch::new(open_input(path)?, delimiter), delimiter);
        let mut record = ::csv::ByteRecord::new();
        let mut headers: Vec<Header> = Vec::new();
        let mut stats: Vec<Stats> = Vec::new();
        let mut first = true;
        loop {
            let more = rdr
                .read_byte_record(&mut record)
                .map_err(|e| csv_error(&display, &e))?;
            if !more {
                break;
            }
            if is_blank(&record) {
                continue;
            }
            let line = record.position().map_or(0, |p| p.line());
            if first {
                first = false;
                headers = read_header(&record, &display, line, options)?;
                stats = vec![Stats::default(); headers.len()];
                continue;
            }
            let cells = match cells_of(&record, headers.len()) {
                Ok(cells) => cells,
                Err(msg) => {
                    options.bad_record(&display, line, format!("{display}:{line}: {msg}"))?;
                    continue;
                }
            };
            for (s, cell) in stats.iter_mut().zip(cells) {
                s.record(cell);
            }
        }
        if let Some(line) = rdr.get_ref().unclosed() {
            // the rest of the file went into one cell: an error whatever --on-error says
            return Err(Error::data(format!(
                "{display}:{line}: a quoted cell starts here and is never closed: the file \
                 ends inside it"
            ))
            .with_help(
                "close the quote (a `\"` inside a quoted cell is written `\"\"`); the file may \
                 also have been cut off",
            ));
        }
        let mut orders = Vec::with_capacity(headers.len());
        let mut file = Vec::with_capacity(headers.len());
        for (h, s) in headers.iter().zip(&stats) {
            let (order, ambiguous) = s.date_order();
            if ambiguous && let Some(example) = &s.slash_example {
                let (chosen, why) = match order {
                    DateOrder::DayFirst => ("day-first (dd/mm/yyyy)", "24-hour times"),
                    DateOrder::MonthFirst => ("month-first (mm/dd/yyyy, US)", "AM/PM times"),
                };
                options.report.warn(format!(
                    "{display}: column {}: no date decides between day-first and month-first \
                     (e.g. `{example}`); read as {chosen}, as its {why} suggest",
                    h.name
                ));
            }
            orders.push(order);
            file.push(FileColumn {
                name: h.name.clone(),
                declared: h.utc_offset.map(|_| Type::DateTime),
                inferred: s.infer(),
                has_values: s.has_values(),
            });
        }
        Ok(CsvTable {
            path: display,
            file: path.to_path_buf(),
            delimiter,
            headers,
            orders,
            columns: plan_columns(&file, known),
            options: options.clone(),
        })
    }

    pub(crate) fn typed(&self) -> &[bool] {
        &self.columns.typed
    }
}

fn csv_error(path: &str, e: &::csv::Error) -> Error {
    match e.kind() {
        ::csv::ErrorKind::Io(io) => read_error(path, io),
        _ => {
            let line = e.position().map_or(0, |p| p.line());
            Error::data(format!("{path}:{line}: {e}"))
        }
    }
}

/// The header row: names with `[UTC]`-style suffixes read, and no name twice.
fn read_header(
    record: &::csv::ByteRecord,
    path: &str,
    line: u64,
    options: &ReadOptions,
) -> Result<Vec<Header>, Error> {
    let mut headers: Vec<Header> = Vec::with_capacity(record.len());
    for (i, raw) in raw_cells(record).enumerate() {
        let Ok(text) = std::str::from_utf8(raw) else {
            return Err(Error::data(format!(
                "{path}:{line}: header cell {} is not valid UTF-8",
                i + 1
            )));
        };
        let header = parse_header(text.trim(), path, options);
        if header.name.is_empty() {
            return Err(Error::data(format!(
                "{path}:{line}: header cell {} is empty: every column needs a name",
                i + 1
            )));
        }
        if headers.iter().any(|h| h.name == header.name) {
            return Err(Error::data(format!(
                "{path}:{line}: column {} is named twice in the header",
                header.name
            )));
        }
        headers.push(header);
    }
    Ok(headers)
}

/// `TimeGenerated [UTC]` → `TimeGenerated`, a datetime in UTC; `[UTC+01:00]` and `[UTC-5]`
/// give an offset; `[Local Time]` is read as UTC (with a warning). Other names are kept whole.
fn parse_header(text: &str, path: &str, options: &ReadOptions) -> Header {
    let whole = Header {
        name: text.to_string(),
        utc_offset: None,
    };
    let Some(open) = text.rfind(" [") else {
        return whole;
    };
    let Some(inner) = text[open + 2..].strip_suffix(']') else {
        return whole;
    };
    let name = text[..open].trim_end().to_string();
    let offset = if inner == "UTC" {
        0
    } else if inner.eq_ignore_ascii_case("local time") || inner.eq_ignore_ascii_case("local") {
        options.report.warn(format!(
            "{path}: column {name} holds local times ([{inner}]) of an unknown zone: read as UTC"
        ));
        0
    } else if let Some(off) = inner.strip_prefix("UTC").and_then(parse_offset) {
        off
    } else {
        return whole;
    };
    Header {
        name,
        utc_offset: Some(offset),
    }
}

/// `+01:00`, `-5`, `+0530` as ticks.
fn parse_offset(s: &str) -> Option<i64> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * TICKS_PER_HOUR + m * TICKS_PER_MINUTE))
}

/// The cells of a record as text, or why it is malformed.
fn cells_of(record: &::csv::ByteRecord, width: usize) -> Result<Vec<&str>, String> {
    if record.len() != width {
        return Err(format!(
            "expected {width} cells (one per column of the header), found {}",
            record.len()
        ));
    }
    raw_cells(record)
        .enumerate()
        .map(|(i, c)| {
            std::str::from_utf8(c).map_err(|_| format!("cell {} is not valid UTF-8", i + 1))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Dates like 26/03/2026, 15:18:18.790 and 2/25/2025, 9:19:25.391 AM

/// A date written `A/B/YYYY[,] [h:mm[:ss[.fffffff]]] [AM|PM]` (or with `.` between the parts
/// of the date), before deciding which of A and B is the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SlashDate {
    a: u32,
    b: u32,
    year: i64,
    hour: u32,
    minute: u32,
    second: u32,
    fraction: i64,
    /// `Some(true)` for PM, `Some(false)` for AM.
    pm: Option<bool>,
}

fn parse_slash_date(s: &str) -> Option<SlashDate> {
    let s = s.trim();
    let bytes = s.as_bytes();
    let mut i = 0;
    let num = |i: &mut usize, min: usize, max: usize| -> Option<i64> {
        let start = *i;
        while *i < bytes.len() && bytes[*i].is_ascii_digit() && *i - start < max {
            *i += 1;
        }
        if *i - start < min {
            return None;
        }
        s[start..*i].parse().ok()
    };
    let a = num(&mut i, 1, 2)?;
    let sep = *bytes.get(i)?;
    if sep != b'/' && sep != b'.' {
        return None;
    }
    i += 1;
    let b = num(&mut i, 1, 2)?;
    if bytes.get(i) != Some(&sep) {
        return None;
    }
    i += 1;
    let year = num(&mut i, 4, 4)?;
    let mut date = SlashDate {
        a: a as u32,
        b: b as u32,
        year,
        hour: 0,
        minute: 0,
        second: 0,
        fraction: 0,
        pm: None,
    };
    if bytes.get(i) == Some(&b',') {
        i += 1;
    }
    let ws = |i: &mut usize| {
        let start = *i;
        while *i < bytes.len() && bytes[*i] == b' ' {
            *i += 1;
        }
        *i > start
    };
    if i == bytes.len() {
        return Some(date);
    }
    if !ws(&mut i) {
        return None;
    }
    date.hour = num(&mut i, 1, 2)? as u32;
    if bytes.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    date.minute = num(&mut i, 2, 2)? as u32;
    if bytes.get(i) == Some(&b':') {
        i += 1;
        date.second = num(&mut i, 2, 2)? as u32;
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let digits = &s[start..i];
            if digits.is_empty() {
                return None;
            }
            let mut padded: String = digits.chars().take(7).collect();
            while padded.len() < 7 {
                padded.push('0');
            }
            date.fraction = padded.parse().ok()?;
        }
    }
    let had_space = ws(&mut i);
    if i < bytes.len() {
        let rest = &s[i..];
        date.pm = if rest.eq_ignore_ascii_case("PM") {
            Some(true)
        } else if rest.eq_ignore_ascii_case("AM") {
            Some(false)
        } else {
            return None;
        };
        let _ = had_space;
        if !(1..=12).contains(&date.hour) {
            return None;
        }
    }
    Some(date)
}

impl SlashDate {
    /// Ticks of this date read in `order`, `offset` ticks ahead of UTC.
    fn ticks(&self, order: DateOrder, offset: i64) -> Option<i64> {
        let (day, month) = match order {
            DateOrder::DayFirst => (self.a, self.b),
            DateOrder::MonthFirst => (self.b, self.a),
        };
        let hour = match self.pm {
            None => self.hour,
            Some(false) => self.hour % 12,
            Some(true) => self.hour % 12 + 12,
        };
        let t = from_parts(
            self.year,
            month,
            day,
            hour,
            self.minute,
            self.second,
            self.fraction,
        )?;
        t.checked_sub(offset)
    }
}

// ---------------------------------------------------------------------------------------------
// Type inference

/// What the cells of one column looked like.
#[derive(Debug, Default, Clone)]
struct Stats {
    bool: bool,
    long: bool,
    real: bool,
    non_finite: bool,
    iso_datetime: bool,
    slash: bool,
    /// The largest first and second numbers of slash dates.
    max_a: u32,
    max_b: u32,
    twelve_hour: bool,
    slash_example: Option<String>,
    nested: bool,
    string: bool,
}

impl Stats {
    fn record(&mut self, cell: &str) {
        if cell.is_empty() {
            return;
        }
        let t = cell.trim();
        if text_bool(t).is_some() && !t.starts_with(['0', '1']) {
            self.bool = true;
        } else if is_integer(t) {
            if text_long(t).is_some() {
                self.long = true;
            } else {
                self.real = true;
            }
        } else if is_non_finite(t) {
            self.non_finite = true;
        } else if is_decimal(t) && text_real(t).is_some() {
            self.real = true;
        } else if looks_iso(t) && parse_datetime(t).is_some() {
            self.iso_datetime = true;
        } else if let Some(d) = parse_slash_date(t) {
            self.slash = true;
            self.max_a = self.max_a.max(d.a);
            self.max_b = self.max_b.max(d.b);
            self.twelve_hour |= d.pm.is_some();
            if self.slash_example.is_none() && d.a <= 12 && d.b <= 12 {
                self.slash_example = Some(t.to_string());
            }
        } else if t.starts_with(['{', '[']) && serde_json::from_str::<serde_json::Value>(t).is_ok()
        {
            self.nested = true;
        } else {
            self.string = true;
        }
    }

    fn has_values(&self) -> bool {
        self.bool
            || self.long
            || self.real
            || self.non_finite
            || self.iso_datetime
            || self.slash
            || self.nested
            || self.string
    }

    /// The order of slash dates in this column, and whether no value decided it.
    fn date_order(&self) -> (DateOrder, bool) {
        let guess = if self.twelve_hour {
            DateOrder::MonthFirst
        } else {
            DateOrder::DayFirst
        };
        match (self.max_a > 12, self.max_b > 12) {
            (true, false) => (DateOrder::DayFirst, false),
            (false, true) => (DateOrder::MonthFirst, false),
            (true, true) => (guess, false),
            (false, false) => (guess, self.slash),
        }
    }

    fn infer(&self) -> Type {
        let numbers = self.long || self.real;
        let dates = self.iso_datetime || self.slash;
        let consistent_dates = !(self.max_a > 12 && self.max_b > 12);
        let others = |mine: bool| {
            let all = [
                self.bool,
                numbers || self.non_finite,
                dates,
                self.nested,
                self.string,
            ];
            all.iter().filter(|x| **x).count() == usize::from(mine)
        };
        if !self.has_values() || self.string {
            Type::String
        } else if self.nested && others(true) {
            Type::Dynamic
        } else if dates && others(true) && consistent_dates {
            Type::DateTime
        } else if self.bool && others(true) {
            Type::Bool
        } else if numbers && others(true) {
            if self.real || self.non_finite {
                Type::Real
            } else {
                Type::Long
            }
        } else {
            Type::String
        }
    }
}

fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_decimal(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    body.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
}

/// Four digits and a dash: a candidate ISO 8601 date.
fn looks_iso(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

// ---------------------------------------------------------------------------------------------
// Scanning

/// Converts one cell of a column of type `ty`; `None` if it is not of that type.
fn convert_cell(cell: &str, ty: Type, order: DateOrder, offset: i64) -> Option<Value> {
    if cell.is_empty() {
        return Some(Value::missing(ty));
    }
    Some(match ty {
        Type::String => Value::String(Arc::from(cell)),
        Type::Long => Value::Long(text_long(cell)?),
        Type::Int => Value::Int(i32::try_from(text_long(cell)?).ok()?),
        Type::Real => Value::Real(text_real(cell)?),
        Type::Bool => Value::Bool(text_bool(cell)?),
        Type::DateTime => match parse_slash_date(cell) {
            Some(d) => Value::DateTime(d.ticks(order, offset)?),
            None => Value::DateTime(parse_datetime(cell)?.checked_sub(offset)?),
        },
        Type::TimeSpan => Value::TimeSpan(parse_timespan(cell)?),
        Type::Guid => Value::Guid(parse_guid(cell)?),
        Type::Dynamic => {
            let v = serde_json::from_str(cell)
                .unwrap_or_else(|_| serde_json::Value::String(cell.to_string()));
            Value::Dynamic(Arc::new(dynamic_of(v)))
        }
    })
}

/// What a scan reads for one output column.
#[derive(Debug, Clone)]
struct Slot {
    name: String,
    ty: Type,
    source: Option<usize>,
    order: DateOrder,
    offset: i64,
}

impl TableSource for CsvTable {
    fn schema(&self) -> SchemaRef {
        Arc::new(self.columns.schema.clone())
    }

    fn scan(&self, columns: &[usize]) -> Result<BatchStream, Error> {
        let schema = &self.columns.schema;
        let mut fields = Vec::with_capacity(columns.len());
        let mut slots = Vec::with_capacity(columns.len());
        for &c in columns {
            let field = schema.fields.get(c).ok_or_else(|| {
                Error::new(
                    "kql::internal",
                    format!("column index {c} out of range for table {}", self.path),
                )
            })?;
            let source = self.columns.sources[c];
            fields.push(field.clone());
            slots.push(Slot {
                name: field.name.clone(),
                ty: field.ty,
                source,
                order: source.map_or(DateOrder::DayFirst, |s| self.orders[s]),
                offset: source.and_then(|s| self.headers[s].utc_offset).unwrap_or(0),
            });
        }
        let mut rdr = reader(open_input(&self.file)?, self.delimiter);
        let schema: SchemaRef = Arc::new(Schema::new(fields));
        let path = self.path.clone();
        let options = self.options.clone();
        let width = self.headers.len();
        let mut record = ::csv::ByteRecord::new();
        let mut header_done = false;
        let mut done = false;
        Ok(Box::new(std::iter::from_fn(move || {
            if done {
                return None;
            }
            let mut out: Vec<Vec<Value>> = slots.iter().map(|_| Vec::new()).collect();
            let mut len = 0;
            while len < BATCH_ROWS {
                match rdr.read_byte_record(&mut record) {
                    Ok(true) => {}
                    Ok(false) => {
                        done = true;
                        break;
                    }
                    Err(e) => {
                        done = true;
                        return Some(Err(csv_error(&path, &e)));
                    }
                }
                if is_blank(&record) {
                    continue;
                }
                if !header_done {
                    header_done = true;
                    continue;
                }
                let line = record.position().map_or(0, |p| p.line());
                let row = cells_of(&record, width).and_then(|cells| {
                    slots
                        .iter()
                        .map(|slot| {
                            let Some(s) = slot.source else {
                                return Ok(Value::missing(slot.ty));
                            };
                            convert_cell(cells[s], slot.ty, slot.order, slot.offset).ok_or_else(
                                || not_of_type(&slot.name, slot.ty, &show_text(cells[s])),
                            )
                        })
                        .collect::<Result<Vec<Value>, String>>()
                });
                match row {
                    Ok(values) => {
                        for (column, v) in out.iter_mut().zip(values) {
                            column.push(v);
                        }
                        len += 1;
                    }
                    Err(msg) => {
                        let message = format!("{path}:{line}: {msg}");
                        if let Err(e) = options.bad_record(&path, line, message) {
                            done = true;
                            return Some(Err(e));
                        }
                    }
                }
            }
            if len == 0 {
                return None;
            }
            let columns = out.into_iter().map(kql_eval::column).collect();
            Some(Ok(Batch::new(schema.clone(), columns, len)))
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_never_closed_is_found_on_its_line() {
        let watch = |text: &[u8], delimiter: u8| {
            let mut w = QuoteWatch::new(text, delimiter);
            std::io::copy(&mut w, &mut std::io::sink()).unwrap();
            w.unclosed()
        };
        assert_eq!(watch(b"a,b\n1,\"never closed\n2,3\n", b','), Some(2));
        assert_eq!(watch(b"a,b\n1,\"x \"\"y\"\" z\"\n\"2\n3\",4\n", b','), None);
        assert_eq!(watch(b"a,b\n5\" floppy,\"\"\n", b','), None);
        assert_eq!(watch(b"a\tb\n1\t\"x\"\"\n", b'\t'), Some(2));
        assert_eq!(watch(b"a\tb\n1\t\"x\"\"\"\n", b'\t'), None);
        assert_eq!(watch(b"", b','), None);
    }

    #[test]
    fn slash_dates() {
        let d = parse_slash_date("26/03/2026, 15:18:18.790").unwrap();
        assert_eq!(
            (d.a, d.b, d.year, d.hour, d.fraction),
            (26, 3, 2026, 15, 7_900_000)
        );
        let us = parse_slash_date("2/25/2025, 9:19:25.391 PM").unwrap();
        assert_eq!(us.pm, Some(true));
        assert_eq!(
            kql_eval::datetime::format_datetime(us.ticks(DateOrder::MonthFirst, 0).unwrap()),
            "2025-02-25T21:19:25.391Z"
        );
        let midnight = parse_slash_date("1/2/2025 12:00:01 AM").unwrap();
        assert_eq!(
            kql_eval::datetime::format_datetime(midnight.ticks(DateOrder::DayFirst, 0).unwrap()),
            "2025-02-01T00:00:01Z"
        );
        assert!(parse_slash_date("26/03/2026").is_some());
        assert!(parse_slash_date("26.03.2026 15:18").is_some());
        for bad in [
            "2026-03-26",
            "26/03/26",
            "1/2/2025 13:00 PM",
            "a/b/cccc",
            "1/2/2025 1",
        ] {
            assert_eq!(parse_slash_date(bad), None, "{bad}");
        }
        assert_eq!(d.ticks(DateOrder::MonthFirst, 0), None, "month 26");
        let one_hour = TICKS_PER_HOUR;
        assert_eq!(parse_offset("+01:00"), Some(one_hour),);
        assert_eq!(parse_offset("-5"), Some(-5 * one_hour));
        assert_eq!(
            parse_offset("+0530"),
            Some(5 * one_hour + 30 * TICKS_PER_MINUTE)
        );
        assert_eq!(parse_offset("1"), None);
    }

    #[test]
    fn header_suffixes() {
        let o = ReadOptions::default();
        let h = parse_header("TimeGenerated [UTC]", "f", &o);
        assert_eq!((h.name.as_str(), h.utc_offset), ("TimeGenerated", Some(0)));
        let h = parse_header("Timestamp [UTC+02:00]", "f", &o);
        assert_eq!(h.utc_offset, Some(2 * TICKS_PER_HOUR));
        let h = parse_header("Name [x]", "f", &o);
        assert_eq!((h.name.as_str(), h.utc_offset), ("Name [x]", None));
        let h = parse_header("When [Local Time]", "f", &o);
        assert_eq!(h.utc_offset, Some(0));
        assert_eq!(o.report.warnings().len(), 1);
    }

    #[test]
    fn cell_inference() {
        let infer = |cells: &[&str]| {
            let mut s = Stats::default();
            for c in cells {
                s.record(c);
            }
            (s.infer(), s.date_order())
        };
        assert_eq!(infer(&["1", "", "-3"]).0, Type::Long);
        assert_eq!(infer(&["1", "2.5", "NaN"]).0, Type::Real);
        assert_eq!(infer(&["NaN"]).0, Type::String);
        assert_eq!(infer(&["TRUE", "false", ""]).0, Type::Bool);
        assert_eq!(infer(&["1", "true"]).0, Type::String);
        assert_eq!(infer(&["{\"a\":1}", "[1]", ""]).0, Type::Dynamic);
        assert_eq!(infer(&["{\"a\":1}", "x"]).0, Type::String);
        assert_eq!(infer(&["", ""]).0, Type::String);
        assert_eq!(infer(&["x"]).0, Type::String);
        assert_eq!(
            infer(&["26/03/2026, 15:18:18.790", "2026-03-01T00:00:00Z"]),
            (Type::DateTime, (DateOrder::DayFirst, false))
        );
        assert_eq!(
            infer(&["2/25/2025, 9:19:25.391 AM"]),
            (Type::DateTime, (DateOrder::MonthFirst, false))
        );
        assert_eq!(
            infer(&["2/3/2025, 9:19:25.391 AM"]),
            (Type::DateTime, (DateOrder::MonthFirst, true))
        );
        assert_eq!(
            infer(&["02/03/2025, 09:19:25"]),
            (Type::DateTime, (DateOrder::DayFirst, true))
        );
        assert_eq!(infer(&["13/03/2025", "03/13/2025"]).0, Type::String);
    }
}
