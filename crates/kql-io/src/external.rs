//! `externaldata(...)[address] with (format=...)`: local files only. kql never fetches from
//! the network; under `--empty-tables` a web address gives an empty table (with a warning).

use std::io::BufRead;
use std::path::Path;
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
fn local_path(address: &str) -> &str {
    match address.strip_prefix("file://") {
        Some(path) => path.strip_prefix("localhost").unwrap_or(path),
        None => address,
    }
}

/// Reads the local files of an `externaldata` source, columns by position.
pub fn read_external(
    addresses: &[String],
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
    for address in addresses {
        let path = Path::new(local_path(address));
        let reader = open_input(path)?;
        let lines: Vec<String> = reader.lines().collect::<Result<_, _>>().map_err(|e| {
            Error::data(format!("externaldata cannot read {}: {e}", path.display()))
        })?;
        for (n, line) in lines.iter().enumerate() {
            if (n == 0 && skip_first) || line.is_empty() {
                continue;
            }
            let cells: Vec<String> = match format.as_str() {
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
    }
    let batch = Batch::from_rows(schema.clone(), rows);
    Ok(Arc::new(MemTable::new(schema, vec![batch])))
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
}
