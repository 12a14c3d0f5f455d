//! The work done on each chunk of an NDJSON file (see [`super::chunks`]): describing its keys
//! and the kinds of their values, or reading the rows of the columns a query reads.
//!
//! Each line is walked ([`super::walk`]) without building the values of other keys; a line
//! the walk finds unusual (a key with escapes, invalid JSON, a value that does not convert)
//! is read again by the serde_json code the sequential reader uses, so values and error
//! messages are the same as there.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;
use kql_eval::batch::BATCH_ROWS;
use kql_eval::{Type, Value};
use serde::de::DeserializeSeed;

use super::infer::{DescribeSeed, Kind, Seen, string_kind};
use super::prefilter::{LineFilter, Watch, line_has};
use super::records::{bare_message, not_an_object};
use super::stream::RowSeed;
use super::walk::{KeyCache, KeyRef, Unusual, Visit, Walked, skip_ws, walk_line};
use crate::convert::{convert_json, convert_str, not_of_type, show_json};

/// A malformed line of a chunk.
#[derive(Debug, Clone)]
pub(super) struct BadLine {
    /// Its index among the chunk's lines (0-based).
    pub line: u64,
    /// The column of a syntax error (`None` for a value not of its column's type).
    pub column: Option<usize>,
    pub message: String,
}

impl BadLine {
    /// The whole message, naming the file, the line and the column.
    pub(super) fn message(&self, path: &str, line: u64) -> String {
        match self.column {
            Some(c) => format!("{path}:{line}:{c}: {}", self.message),
            None => format!("{path}:{line}: {}", self.message),
        }
    }
}

/// No slot: a key no column reads.
const NONE: u32 = u32::MAX;

/// The lines of `bytes`, without their newlines, each with where it starts.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |p| start + p);
        let line = (start, &bytes[start..end]);
        start = end + 1;
        Some(line)
    })
}

/// The text of a JSON string value spanning `raw` (quotes included).
fn string_text(raw: &[u8]) -> Walked<Cow<'_, str>> {
    let inner = &raw[1..raw.len() - 1];
    if memchr::memchr(b'\\', inner).is_none() {
        std::str::from_utf8(inner)
            .map(Cow::Borrowed)
            .map_err(|_| Unusual)
    } else {
        serde_json::from_slice::<String>(raw)
            .map(Cow::Owned)
            .map_err(|_| Unusual)
    }
}

// ---------------------------------------------------------------------------------------------
// Scanning

/// What a scan reads: the columns of the keys a query reads, and which lines it may skip.
pub(super) struct ScanPlan {
    /// Each key read, with its number.
    pub key_ids: HashMap<Box<[u8]>, u32>,
    /// Per key number, the output slots it fills.
    pub slots: Vec<Vec<usize>>,
    /// The same, by name, for serde_json.
    pub targets: HashMap<String, Vec<usize>>,
    pub types: Vec<Type>,
    pub names: Vec<String>,
    pub empties: Vec<Value>,
    pub filter: Option<LineFilter>,
    /// For a table whose schema comes from a sample: keys that end the scan if met.
    pub watch: Option<Arc<Watch>>,
    /// Stop walking a line once every key read is found, when the rest holds none of them
    /// again ([`ScanPlan::keys`]): the rest is then not checked for JSON errors.
    pub early: bool,
    /// The keys read, to look for again in the rest of a line.
    pub keys: Option<Watch>,
}

impl ScanPlan {
    pub(super) fn new(
        targets: HashMap<String, Vec<usize>>,
        types: Vec<Type>,
        names: Vec<String>,
        filter: Option<LineFilter>,
        watch: Option<Arc<Watch>>,
        early: bool,
    ) -> ScanPlan {
        let mut key_ids = HashMap::new();
        let mut slots = Vec::new();
        for (key, s) in &targets {
            key_ids.insert(key.as_bytes().into(), slots.len() as u32);
            slots.push(s.clone());
        }
        let empties = types.iter().map(|t| Value::missing(*t)).collect();
        let read: Vec<&str> = targets.keys().map(String::as_str).collect();
        let early = early && (1..=64).contains(&slots.len());
        let keys = if early { Watch::new(&read) } else { None };
        ScanPlan {
            early: keys.is_some(),
            keys,
            key_ids,
            slots,
            targets,
            types,
            names,
            empties,
            filter,
            watch,
        }
    }
}

/// The rows a chunk gave, in batches of at most [`BATCH_ROWS`] rows, column by column.
pub(super) struct ChunkRows {
    /// Each batch: its columns and its length (a scan may read no column at all).
    pub batches: Vec<(Vec<Vec<Value>>, usize)>,
    /// The rows of all the batches.
    pub len: usize,
    /// The lines of the chunk (blank ones and skipped ones too).
    pub lines: u64,
    pub bad: Vec<BadLine>,
    /// A watched key was met: the scan must stop (the table's schema is incomplete).
    pub schema_changed: bool,
}

/// Reads the rows of the lines in `bytes`.
pub(super) fn scan_chunk(plan: &ScanPlan, bytes: &[u8]) -> ChunkRows {
    let new_batch =
        || -> (Vec<Vec<Value>>, usize) { (plan.types.iter().map(|_| Vec::new()).collect(), 0) };
    let mut out = ChunkRows {
        batches: vec![new_batch()],
        len: 0,
        lines: 0,
        bad: Vec::new(),
        schema_changed: false,
    };
    let mut cache = KeyCache::default();
    let mut row = plan.empties.clone();
    let mut misses = Vec::new();
    // what the searches over the whole chunk found
    let mut folded = Vec::new();
    let mut marks = plan.filter.as_ref().map(|f| f.marks(bytes, &mut folded));
    let watched = plan
        .watch
        .as_ref()
        .map(|w| w.marks(bytes))
        .unwrap_or_default();
    let mut watch_cursor = 0;
    for (n, (start, line)) in lines(bytes).enumerate() {
        out.lines += 1;
        let end = start + line.len();
        if line_has(&watched, &mut watch_cursor, start, end) {
            out.schema_changed = true;
            return out;
        }
        if skip_ws(line, 0) == line.len() {
            continue;
        }
        // a line that does not even look like an object is read, for its error: a table
        // learned from a sample has not had its lines checked
        if let Some(marks) = &mut marks
            && !marks.keep(start, end)
            && (plan.watch.is_none() || looks_like_object(line))
        {
            continue;
        }
        let mut walk = |early: bool| {
            row.clone_from_slice(&plan.empties);
            misses.clear();
            let mut visit = Extract {
                line,
                plan,
                row: &mut row,
                misses: &mut misses,
                found: 0,
                early,
            };
            walk_line(line, &cache, &mut visit)
        };
        let mut walked = walk(plan.early);
        if let Ok(Some(stop)) = walked
            && !plan
                .keys
                .as_ref()
                .is_some_and(|k| k.marks(&line[stop..]).is_empty() && looks_like_object(line))
        {
            // a key read may come again: walk the whole line
            walked = walk(false);
        }
        let read = match walked {
            Ok(_) => {
                for (nth, key, id) in misses.drain(..) {
                    cache.learn(nth, &key, id);
                }
                Ok(())
            }
            Err(Unusual) => {
                row.clone_from_slice(&plan.empties);
                serde_row(plan, line, &mut row)
            }
        };
        match read {
            Ok(()) => {
                if out.len > 0 && out.len.is_multiple_of(BATCH_ROWS) {
                    out.batches.push(new_batch());
                }
                let (batch, len) = out.batches.last_mut().expect("a batch");
                for (column, value) in batch.iter_mut().zip(row.iter_mut()) {
                    column.push(std::mem::take(value));
                }
                *len += 1;
                out.len += 1;
            }
            Err(mut bad) => {
                bad.line = n as u64;
                out.bad.push(bad);
            }
        }
    }
    out
}

/// Whether `line` starts with `{` and ends with `}` (spaces aside).
fn looks_like_object(line: &[u8]) -> bool {
    let start = skip_ws(line, 0);
    let end = line.iter().rposition(|b| !super::walk::is_ws(*b));
    line.get(start) == Some(&b'{') && end.is_some_and(|e| line[e] == b'}')
}

/// Reads the values of the keys a scan reads into `row`.
struct Extract<'a> {
    line: &'a [u8],
    plan: &'a ScanPlan,
    row: &'a mut [Value],
    /// Keys the cache did not know: (place, bytes, number).
    misses: &'a mut Vec<(usize, Box<[u8]>, u32)>,
    /// The keys read found so far (a bit per key number).
    found: u64,
    early: bool,
}

impl Visit for Extract<'_> {
    fn complete(&self) -> bool {
        self.early && self.found.count_ones() as usize == self.plan.slots.len()
    }

    fn value(&mut self, key: KeyRef, start: usize, end: usize) -> Walked<()> {
        let id = match key.cached {
            Some(id) => id,
            None => {
                // serde_json reads keys as text: they must be UTF-8
                std::str::from_utf8(key.bytes).map_err(|_| Unusual)?;
                let id = self.plan.key_ids.get(key.bytes).copied().unwrap_or(NONE);
                self.misses.push((key.nth, key.bytes.into(), id));
                id
            }
        };
        if id == NONE {
            return Ok(());
        }
        if id < 64 {
            self.found |= 1 << id;
        }
        let raw = &self.line[start..end];
        let slots = &self.plan.slots[id as usize];
        match raw[0] {
            b'"' => {
                let text = string_text(raw)?;
                for &s in slots {
                    self.row[s] = convert_str(&text, self.plan.types[s]).ok_or(Unusual)?;
                }
            }
            b'n' => {
                for &s in slots {
                    self.row[s] = Value::missing(self.plan.types[s]);
                }
            }
            _ => {
                let v: serde_json::Value = serde_json::from_slice(raw).map_err(|_| Unusual)?;
                for &s in slots {
                    self.row[s] =
                        convert_json(v.clone(), self.plan.types[s]).map_err(|_| Unusual)?;
                }
            }
        }
        Ok(())
    }
}

/// Reads `line` the way the sequential reader does (serde_json), for lines the walk leaves.
fn serde_row(plan: &ScanPlan, line: &[u8], row: &mut [Value]) -> Result<(), BadLine> {
    let mut bad = None;
    let seed = RowSeed {
        targets: &plan.targets,
        types: &plan.types,
        row,
        bad: &mut bad,
    };
    let mut de = serde_json::Deserializer::from_slice(line);
    match seed.deserialize(&mut de).and_then(|()| de.end()) {
        Ok(()) => match bad {
            None => Ok(()),
            Some((slot, value)) => Err(BadLine {
                line: 0,
                column: None,
                message: not_of_type(&plan.names[slot], plan.types[slot], &show_json(&value)),
            }),
        },
        Err(e) => Err(syntax_error(line, &e)),
    }
}

fn syntax_error(line: &[u8], e: &serde_json::Error) -> BadLine {
    let (column, message) = match not_an_object(e) {
        Some(msg) => (
            line.iter().take_while(|b| super::walk::is_ws(**b)).count() + 1,
            msg,
        ),
        None => (e.column().max(1), bare_message(e)),
    };
    BadLine {
        line: 0,
        column: Some(column),
        message,
    }
}

// ---------------------------------------------------------------------------------------------
// Describing

/// The keys of a chunk in order of first appearance, with the kinds of their values.
pub(super) struct ChunkKeys {
    pub cols: IndexMap<String, Seen>,
    pub lines: u64,
    pub bad: Vec<BadLine>,
}

/// Describes the lines in `bytes`. The kinds of the values of `known` keys (whose types the
/// built-in schema gives) are not looked at.
pub(super) fn describe_chunk(known: &Arc<[String]>, bytes: &[u8]) -> ChunkKeys {
    let mut out = ChunkKeys {
        cols: IndexMap::new(),
        lines: 0,
        bad: Vec::new(),
    };
    // per key number: whether its kinds count
    let mut classify: Vec<bool> = Vec::new();
    let mut cache = KeyCache::default();
    let mut kinds: Vec<(usize, Kind)> = Vec::new();
    let mut misses = Vec::new();
    for (n, (_, line)) in lines(bytes).enumerate() {
        out.lines += 1;
        if skip_ws(line, 0) == line.len() {
            continue;
        }
        let before = out.cols.len();
        kinds.clear();
        misses.clear();
        let mut visit = Describe {
            line,
            known,
            cols: &mut out.cols,
            classify: &mut classify,
            kinds: &mut kinds,
            misses: &mut misses,
        };
        match walk_line(line, &cache, &mut visit) {
            Ok(_) => {
                for (nth, key, id) in misses.drain(..) {
                    cache.learn(nth, &key, id);
                }
            }
            Err(Unusual) => {
                kinds.clear();
                let seed = DescribeSeed {
                    cols: &mut out.cols,
                    kinds: &mut kinds,
                };
                let mut de = serde_json::Deserializer::from_slice(line);
                if let Err(e) = seed.deserialize(&mut de).and_then(|()| de.end()) {
                    // what a malformed record held counts for nothing
                    out.cols.truncate(before);
                    let mut bad = syntax_error(line, &e);
                    bad.line = n as u64;
                    out.bad.push(bad);
                    classify.truncate(before);
                    continue;
                }
                // keys serde_json added: classify them like the walk would
                while classify.len() < out.cols.len() {
                    let name = out.cols.get_index(classify.len()).map(|(k, _)| k);
                    classify.push(!name.is_some_and(|k| known.iter().any(|n| n == k)));
                }
            }
        }
        for &(i, kind) in &kinds {
            if classify[i] {
                out.cols[i].record(kind);
            }
        }
    }
    out
}

struct Describe<'a> {
    line: &'a [u8],
    known: &'a [String],
    cols: &'a mut IndexMap<String, Seen>,
    classify: &'a mut Vec<bool>,
    kinds: &'a mut Vec<(usize, Kind)>,
    misses: &'a mut Vec<(usize, Box<[u8]>, u32)>,
}

impl Visit for Describe<'_> {
    fn value(&mut self, key: KeyRef, start: usize, end: usize) -> Walked<()> {
        let id = match key.cached {
            Some(id) => id as usize,
            None => {
                let name = std::str::from_utf8(key.bytes).map_err(|_| Unusual)?;
                let id = match self.cols.get_index_of(name) {
                    Some(i) => i,
                    None => {
                        self.classify.push(!self.known.iter().any(|k| k == name));
                        self.cols.insert_full(name.to_string(), Seen::default()).0
                    }
                };
                self.misses.push((key.nth, key.bytes.into(), id as u32));
                id
            }
        };
        if self.classify[id] {
            let kind = kind_of(&self.line[start..end])?;
            self.kinds.push((id, kind));
        }
        Ok(())
    }
}

/// The kind of the JSON value `raw`, as [`super::infer::KindSeed`] would see it.
fn kind_of(raw: &[u8]) -> Walked<Kind> {
    Ok(match raw[0] {
        b'"' => string_kind(&string_text(raw)?),
        b'n' => Kind::Null,
        b't' | b'f' => Kind::Bool,
        b'{' | b'[' => Kind::Nested,
        _ => {
            // serde_json: integers that fit are i64 or u64 (a u64 past i64 is a real here),
            // anything else a double
            let text = std::str::from_utf8(raw).map_err(|_| Unusual)?;
            if !text.contains(['.', 'e', 'E']) && text.parse::<i64>().is_ok() {
                Kind::Long
            } else {
                Kind::Real
            }
        }
    })
}
