//! Opening a table file: gzip is decompressed transparently (detected by its magic bytes, not
//! its name) and a UTF-8 byte-order mark is skipped, so every reader sees the same text.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use kql_eval::Error;

/// The text of a table file, decompressed, without its byte-order mark.
pub(crate) type Input = Box<dyn BufRead + Send>;

const BUF: usize = 64 * 1024;

/// The error for a file that cannot be opened or read.
pub(crate) fn read_error(path: &str, e: &io::Error) -> Error {
    Error::data(format!("cannot read {path}: {e}"))
}

/// Opens `path` for reading its text (see the module docs).
pub(crate) fn open_input(path: &Path) -> Result<Input, Error> {
    let display = path.display().to_string();
    let err = |e: io::Error| read_error(&display, &e);
    let file = File::open(path).map_err(err)?;
    let mut raw = BufReader::with_capacity(BUF, file);
    let gzip = raw.fill_buf().map_err(err)?.starts_with(&[0x1f, 0x8b]);
    let mut input: Input = if gzip {
        Box::new(BufReader::with_capacity(BUF, MultiGzDecoder::new(raw)))
    } else {
        Box::new(raw)
    };
    if input.fill_buf().map_err(err)?.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    Ok(input)
}

/// Up to `n` bytes of the start of the file's text (decompressed, without the BOM).
pub(crate) fn peek(path: &Path, n: usize) -> Result<Vec<u8>, Error> {
    let display = path.display().to_string();
    let mut out = Vec::with_capacity(n.min(BUF));
    open_input(path)?
        .take(n as u64)
        .read_to_end(&mut out)
        .map_err(|e| read_error(&display, &e))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{Scratch, gzip};

    #[test]
    fn gzip_and_bom_are_transparent() {
        let tmp = Scratch::new();
        let plain = tmp.file("a.txt", b"\xEF\xBB\xBFhello\n");
        let packed = tmp.file("b.bin", gzip(b"\xEF\xBB\xBFhello\n"));
        for p in [&plain, &packed] {
            let mut text = String::new();
            open_input(p).unwrap().read_to_string(&mut text).unwrap();
            assert_eq!(text, "hello\n");
            assert_eq!(peek(p, 3).unwrap(), b"hel");
        }
        let broken = tmp.file("c.gz", &gzip(b"{\"a\": 1}\n")[..12]);
        let mut text = String::new();
        let e = open_input(&broken)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap_err();
        assert!(!e.to_string().is_empty());
    }
}
