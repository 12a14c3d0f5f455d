//! Helpers shared by the unit tests: scratch files and reading whole tables.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use kql_eval::{Error, Schema, TableSource, Value};

/// A fresh, empty scratch directory, removed when dropped.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new() -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("kql-io-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch { dir }
    }

    /// Writes `content` to `name` in the scratch directory and returns its path.
    pub fn file(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, content).expect("write scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Scans `columns` of `table` and returns the scan's schema and all rows.
pub fn read(
    table: &dyn TableSource,
    columns: &[usize],
) -> Result<(Schema, Vec<Vec<Value>>), Error> {
    let mut schema = Schema::default();
    let mut rows = Vec::new();
    for batch in table.scan(columns)? {
        let batch = batch?;
        schema = batch.schema.as_ref().clone();
        for r in 0..batch.len {
            rows.push(batch.row(r));
        }
    }
    Ok((schema, rows))
}

/// Scans every column.
pub fn read_all(table: &dyn TableSource) -> Result<Vec<Vec<Value>>, Error> {
    let all: Vec<usize> = (0..table.schema().len()).collect();
    Ok(read(table, &all)?.1)
}

pub fn path_str(p: &Path) -> String {
    p.display().to_string()
}

/// `bytes` gzip-compressed.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("compress");
    enc.finish().expect("compress")
}
