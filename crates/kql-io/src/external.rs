//! `externaldata(...)[address] with (format=...)`: local files only. kql never fetches from
//! the network: a web address is read from the local copy it is mapped to (`--external
//! URL=PATH`, matched exactly as the query writes it); under `--empty-tables` an unmapped one
//! gives no rows (with a warning).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kql_eval::conversion::convert_text;
use kql_eval::{Batch, Error, MemTable, SchemaRef, TableSource, Type, Value};

use crate::input::open_input;

/// Whether `address` names something on the network rather than a local file: a URL other
/// than `file:///path` (`file://server/share` names another machine), or a UNC path
/// (`\\server\share`, `//server/share`).
pub fn is_remote(address: &str) -> bool {
    let lower = address.trim().to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("file://") {
        return !(rest.starts_with('/') || rest.starts_with("localhost/"));
    }
    lower.contains("://") || lower.starts_with("\\\\") || lower.starts_with("//")
}

/// The local path of an address: `file:///x` or a plain path.
pub(crate) fn local_path(address: &str) -> &str {
    match address.strip_prefix("file://") {
        Some(path) => path.strip_prefix("localhost").unwrap_or(path),
        None => address,
    }
}

/// Splits an `--external` argument `URL=PATH` at its last `=` (a URL's query string may hold
/// `=`, as SAS tokens do; the path may not). The URL is kept exactly as written.
pub fn parse_external_spec(spec: &str) -> Result<(String, PathBuf), Error> {
    match spec.rsplit_once('=') {
        Some((url, path)) if !url.is_empty() && !path.is_empty() => {
            Ok((url.to_string(), PathBuf::from(path)))
        }
        _ => Err(Error::new(
            "kql::usage",
            format!("invalid external data mapping `{spec}`: expected URL=PATH"),
        )),
    }
}

/// Reads a file of mappings, one `URL=PATH` a line as `--external` takes them (blank lines and
/// lines starting with `#` are skipped; a trailing `\r` is dropped); a relative PATH is
/// relative to the file's folder.
pub fn read_external_map(file: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        Error::new(
            "kql::io",
            format!("cannot read the externaldata map {}: {e}", file.display()),
        )
    })?;
    let base = file.parent().unwrap_or(Path::new(""));
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (url, path) = parse_external_spec(line).map_err(|e| {
            Error::new(
                "kql::io",
                format!("{}:{}: {}", file.display(), n + 1, e.message),
            )
        })?;
        out.push((url, base.join(path)));
    }
    Ok(out)
}

/// A file an `externaldata` address is read from.
#[derive(Debug, Clone)]
pub(crate) struct ExternalFile {
    /// The address as the query writes it.
    pub address: String,
    pub path: PathBuf,
    /// Read from a local copy given for the address (`--external`), not from the address.
    pub mapped: bool,
}

/// Reads the local files of an `externaldata` source, columns by position.
pub(crate) fn read_external(
    files: &[ExternalFile],
    schema: SchemaRef,
    properties: &[(String, String)],
) -> Result<Arc<dyn TableSource>, Error> {
    let setting = |name: &str| {
        properties
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let format = setting("format").unwrap_or_else(|| "csv".to_string());
    let skip_first = setting("ignorefirstrecord").is_some_and(|v| v == "true");
    let mut rows: Vec<Vec<Value>> = Vec::new();
    for file in files {
        read_external_file(file, &schema, &format, skip_first, &mut rows).map_err(|e| {
            if file.mapped {
                Error {
                    message: format!("externaldata from {}: {}", file.address, e.message),
                    ..e
                }
            } else {
                e
            }
        })?;
    }
    let batch = Batch::from_rows(schema.clone(), rows);
    Ok(Arc::new(MemTable::new(schema, vec![batch])))
}

/// Appends the rows of one file.
fn read_external_file(
    file: &ExternalFile,
    schema: &SchemaRef,
    format: &str,
    skip_first: bool,
    rows: &mut Vec<Vec<Value>>,
) -> Result<(), Error> {
    let path = file.path.as_path();
    let reader = open_input(path)?;
    let lines: Vec<String> = reader
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|e| Error::data(format!("externaldata cannot read {}: {e}", path.display())))?;
    for (n, line) in lines.iter().enumerate() {
        if (n == 0 && skip_first) || line.is_empty() {
            continue;
        }
        let cells: Vec<String> = match format {
            "txt" | "raw" => vec![line.clone()],
            "tsv" | "tsve" => line.split('\t').map(str::to_string).collect(),
            "csv" => split_csv(line),
            other => {
                return Err(Error::new(
                    "kql::unsupported",
                    format!(
                        "externaldata format `{other}` is not supported (csv, tsv and txt are)"
                    ),
                ));
            }
        };
        let mut row = Vec::with_capacity(schema.len());
        for (i, f) in schema.fields.iter().enumerate() {
            let cell = cells.get(i).map(String::as_str).unwrap_or("");
            let value = match f.ty {
                Type::String => Value::str(cell),
                _ if cell.is_empty() => Value::Null,
                ty => convert_text(cell, ty).ok_or_else(|| {
                    Error::data(format!(
                        "{}:{}: `{cell}` is not a valid {ty} for column {}",
                        path.display(),
                        n + 1,
                        f.name
                    ))
                })?,
            };
            row.push(value);
        }
        rows.push(row);
    }
    Ok(())
}

/// One CSV line into cells (quoted cells may hold commas and doubled quotes).
fn split_csv(line: &str) -> Vec<String> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(line.as_bytes());
    reader
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(str::to_string).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_addresses_are_told_from_local_files() {
        for remote in [
            "https://example.com/x.csv",
            "HTTP://example.com/x.csv",
            "abfss://container@account.dfs.core.windows.net/x",
            "file://server/share/x.csv",
            r"\\server\share\x.csv",
            "//server/share/x.csv",
            " https://example.com/x.csv",
        ] {
            assert!(is_remote(remote), "{remote}");
        }
        for local in [
            "x.csv",
            "/tmp/x.csv",
            "file:///tmp/x.csv",
            "file://localhost/tmp/x.csv",
        ] {
            assert!(!is_remote(local), "{local}");
        }
        assert_eq!(local_path("file:///tmp/x.csv"), "/tmp/x.csv");
        assert_eq!(local_path("file://localhost/tmp/x.csv"), "/tmp/x.csv");
        assert_eq!(local_path("localhost/x.csv"), "localhost/x.csv");
    }

    #[test]
    fn mappings_split_at_the_last_equals_sign() {
        let spec = |s: &str| parse_external_spec(s).map(|(u, p)| (u, p.display().to_string()));
        assert_eq!(
            spec("https://example.com/x.csv=copies/x.csv").unwrap(),
            ("https://example.com/x.csv".into(), "copies/x.csv".into())
        );
        // a SAS token's query string keeps its `=`s; the URL is kept exactly, spaces and all
        assert_eq!(
            spec("https://a.blob.core.windows.net/c/x.csv?sv=2020&sig=ab%3D =x.csv").unwrap(),
            (
                "https://a.blob.core.windows.net/c/x.csv?sv=2020&sig=ab%3D ".into(),
                "x.csv".into()
            )
        );
        assert_eq!(
            spec("https://e.com/?token==x.csv").unwrap(),
            ("https://e.com/?token=".into(), "x.csv".into())
        );
        for bad in [
            "https://example.com/x.csv",
            "=x.csv",
            "https://e.com/x.csv=",
            "",
        ] {
            let e = parse_external_spec(bad).unwrap_err();
            assert_eq!(e.code, "kql::usage", "{bad}");
            assert!(e.message.contains("expected URL=PATH"), "{}", e.message);
        }
    }

    #[test]
    fn map_files_hold_one_mapping_a_line_relative_to_their_folder() {
        let tmp = crate::testutil::Scratch::new();
        let map = tmp.file(
            "externaldata.txt",
            "# local copies\r\nhttps://e.com/a.csv=a.csv\r\n\nhttps://e.com/b?x=1=/abs/b.tsv\n",
        );
        assert_eq!(
            read_external_map(&map).unwrap(),
            [
                ("https://e.com/a.csv".to_string(), tmp.dir.join("a.csv")),
                (
                    "https://e.com/b?x=1".to_string(),
                    PathBuf::from("/abs/b.tsv")
                ),
            ]
        );
        let bad = tmp.file("bad.txt", "https://e.com/a.csv=a.csv\nno mapping here\n");
        let e = read_external_map(&bad).unwrap_err();
        assert!(
            e.message.ends_with(
                "bad.txt:2: invalid external data mapping `no mapping here`: expected URL=PATH"
            ),
            "{}",
            e.message
        );
        let e = read_external_map(&tmp.dir.join("missing.txt")).unwrap_err();
        assert_eq!(e.code, "kql::io");
    }
}
