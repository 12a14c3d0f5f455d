//! Which reader a table file needs, decided in one place from the file's content (after gzip
//! decompression), the name only breaking the tie between CSV and TSV:
//!
//! | the text starts with | format |
//! |---|---|
//! | nothing but whitespace | an empty JSON table |
//! | `[` then `{"FrameType"` | Azure Data Explorer REST v2 frames |
//! | `[` | a JSON array of objects |
//! | `{` then a key of an API response (`Schema`, `Results`, `Stats`, `schema`, `results`, `@odata.context`, `tables`, `Tables`) | that response, if the whole file is one (else NDJSON) |
//! | `{` | NDJSON / JSON Lines |
//! | anything else | CSV or TSV with a header row |

use std::path::Path;
use std::sync::Arc;

use kql_eval::{Error, Schema, TableSource};

use crate::concat::ConcatTable;
use crate::csv::{CsvTable, delimiter_for};
use crate::input::peek;
use crate::json::JsonTable;
use crate::report::ReadOptions;
use crate::responses::ResponseTable;

/// The formats a table file can be in, as detected by [`detect_format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON array of objects, NDJSON, or an empty file.
    Json,
    /// One JSON object that may be a query API response (or the first line of NDJSON).
    JsonDocument,
    /// An array of Azure Data Explorer v2 frames.
    AdxFrames,
    /// Delimited text with a header row, with this delimiter (`,` or tab).
    Delimited(u8),
}

/// Keys that start a query API response.
const RESPONSE_KEYS: &[&str] = &[
    "Stats",
    "Schema",
    "Results",
    "schema",
    "results",
    "@odata.context",
    "tables",
    "Tables",
];

/// How many bytes of the start of a file detection looks at.
const PEEK: usize = 64 * 1024;

/// Detects the format of the table file at `path` from its content.
pub fn detect_format(path: &Path) -> Result<Format, Error> {
    let start = peek(path, PEEK)?;
    let mut i = skip_ws(&start, 0);
    let Some(&first) = start.get(i) else {
        return Ok(Format::Json);
    };
    Ok(match first {
        b'[' => {
            i = skip_ws(&start, i + 1);
            if start.get(i) == Some(&b'{') && first_key(&start, i) == Some("FrameType".into()) {
                Format::AdxFrames
            } else {
                Format::Json
            }
        }
        b'{' => match first_key(&start, i) {
            Some(k) if RESPONSE_KEYS.contains(&k.as_str()) => Format::JsonDocument,
            _ => Format::Json,
        },
        _ => Format::Delimited(delimiter_for(path, &start)),
    })
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes
        .get(i)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// The first key of the object starting at `open` (a `{`), if it is in `bytes`.
fn first_key(bytes: &[u8], open: usize) -> Option<String> {
    let start = skip_ws(bytes, open + 1);
    if bytes.get(start) != Some(&b'"') {
        return None;
    }
    let mut i = start + 1;
    let mut escaped = false;
    while let Some(&b) = bytes.get(i) {
        if escaped {
            escaped = false;
        } else if b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            return serde_json::from_slice(&bytes[start..=i]).ok();
        }
        i += 1;
    }
    None
}

/// A table read from one file, and for each of its columns whether its type is backed by
/// anything (see [`crate::convert::Columns::typed`]).
pub(crate) struct Opened {
    pub table: Arc<dyn TableSource>,
    pub typed: Vec<bool>,
}

/// Opens the table file at `path` with the reader its content needs.
pub(crate) fn open_file(
    path: &Path,
    known: Option<&Schema>,
    options: &ReadOptions,
) -> Result<Opened, Error> {
    let json = |path: &Path| -> Result<Opened, Error> {
        let t = JsonTable::open_with(path, known, options)?;
        let typed = t.typed().to_vec();
        Ok(Opened {
            table: Arc::new(t),
            typed,
        })
    };
    match detect_format(path)? {
        Format::Json => json(path),
        Format::JsonDocument | Format::AdxFrames => {
            match ResponseTable::open(path, known, options)? {
                Some(t) => {
                    let typed = t.typed().to_vec();
                    Ok(Opened {
                        table: Arc::new(t),
                        typed,
                    })
                }
                None => json(path),
            }
        }
        Format::Delimited(delimiter) => {
            let t = CsvTable::open(path, delimiter, known, options)?;
            let typed = t.typed().to_vec();
            Ok(Opened {
                table: Arc::new(t),
                typed,
            })
        }
    }
}

/// Opens the table at `path`: a file in any supported format (see the module docs), or a
/// directory whose table files are concatenated ([`ConcatTable`]). `known` is the built-in
/// schema of the table, if it has one.
pub fn open_table(
    path: &Path,
    known: Option<&Schema>,
    options: &ReadOptions,
) -> Result<Arc<dyn TableSource>, Error> {
    if path.is_dir() {
        Ok(Arc::new(ConcatTable::open(path, known, options)?))
    } else {
        Ok(open_file(path, known, options)?.table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Scratch;

    #[test]
    fn formats_are_detected_by_content() {
        let tmp = Scratch::new();
        let cases: &[(&str, &[u8], Format)] = &[
            ("a.csv", b"[{\"a\": 1}]", Format::Json),
            ("b.txt", b"  \n{\"a\": 1}\n", Format::Json),
            ("c", b"", Format::Json),
            (
                "d.json",
                b"{\"Stats\": {}, \"Schema\": []}",
                Format::JsonDocument,
            ),
            ("e.json", b"{ \"tables\": []}", Format::JsonDocument),
            (
                "f.json",
                b"{\"@odata.context\": \"x\"}",
                Format::JsonDocument,
            ),
            (
                "g.json",
                b"[ {\"FrameType\": \"DataSetHeader\"}]",
                Format::AdxFrames,
            ),
            ("h.json", b"a,b\n1,2\n", Format::Delimited(b',')),
            ("i.json", b"a\tb\n1\t2\n", Format::Delimited(b'\t')),
            ("j.tsv", b"a,b\n", Format::Delimited(b'\t')),
            ("k.csv", b"a\tb\n", Format::Delimited(b',')),
            ("l", b"\"x,y\"\tb\tc\n", Format::Delimited(b'\t')),
            ("m.json", b"{\"Tab\\\"les\": 1}", Format::Json),
        ];
        for (name, content, expected) in cases {
            let path = tmp.file(name, content);
            assert_eq!(detect_format(&path).unwrap(), *expected, "{name}");
        }
        let packed = tmp.file("n.tsv.gz", crate::testutil::gzip(b"{\"Tables\": []}"));
        assert_eq!(detect_format(&packed).unwrap(), Format::JsonDocument);
    }
}
