//! Hash functions: `hash` (xxhash64), `hash_sha256`, `hash_sha1`, `hash_md5`.
//!
//! The bytes Kusto hashes are known for strings (their UTF-8) and datetimes, from the
//! documented examples: `hash_sha256(datetime(2020-01-01))` hashes the text
//! `2020-01-01T00:00:00.0000000Z`, and `hash(datetime(2015-01-01))` the 8 little-endian bytes
//! of the .NET tick count (ticks since 0001-01-01). For other types the encoding is not
//! documented, so kql refuses them rather than guess.

use sha1::Digest;

use super::{Bound, Call};
use crate::datetime::to_parts;
use crate::error::Error;
use crate::types::Type;
use crate::value::Value;

/// Hashes bytes into the digest's bytes.
type Digester = fn(&[u8]) -> Vec<u8>;

/// .NET ticks at the Unix epoch (0001-01-01 to 1970-01-01).
const DOTNET_EPOCH_TICKS: i64 = 621_355_968_000_000_000;

/// Binds the hash function `name`, or `None` if it is not one.
pub fn bind(name: &str, call: &Call) -> Option<Result<Bound, Error>> {
    let result = (|| -> Result<Option<Bound>, Error> {
        let bound: Bound = match name {
            "hash" => {
                call.arity(1, 2)?;
                check_hashable(call)?;
                if call.args.len() == 2 {
                    call.expect_type(1, &[Type::Int, Type::Long], "an integer modulo")?;
                }
                (
                    "hash",
                    Type::Long,
                    Box::new(|a: &[&Value]| {
                        let h = match a[0] {
                            Value::String(s) => xxhash_rust::xxh64::xxh64(s.as_bytes(), 0),
                            Value::DateTime(t) => xxhash_rust::xxh64::xxh64(
                                &t.wrapping_add(DOTNET_EPOCH_TICKS).to_le_bytes(),
                                0,
                            ),
                            _ => return Value::Null,
                        };
                        match a.get(1) {
                            None => Value::Long(h as i64),
                            Some(m) => match m.as_i64() {
                                Some(m) if m > 0 => Value::Long((h % m as u64) as i64),
                                _ => Value::Null,
                            },
                        }
                    }),
                )
            }
            "hash_sha256" | "hash_sha1" | "hash_md5" => {
                call.arity(1, 1)?;
                check_hashable(call)?;
                let (fname, digest): (&'static str, Digester) = match name {
                    "hash_sha256" => ("hash_sha256", |b| sha2::Sha256::digest(b).to_vec()),
                    "hash_sha1" => ("hash_sha1", |b| sha1::Sha1::digest(b).to_vec()),
                    _ => ("hash_md5", |b| md5::Md5::digest(b).to_vec()),
                };
                (
                    fname,
                    Type::String,
                    Box::new(move |a: &[&Value]| {
                        let bytes = match a[0] {
                            Value::String(s) => s.as_bytes().to_vec(),
                            Value::DateTime(t) => round_trip_datetime(*t).into_bytes(),
                            _ => return Value::empty_string(),
                        };
                        let hex: String =
                            digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
                        Value::str(&hex)
                    }),
                )
            }
            _ => return Ok(None),
        };
        Ok(Some(bound))
    })();
    result.transpose()
}

/// Only strings and datetimes: the bytes Kusto hashes for other types are undocumented.
fn check_hashable(call: &Call) -> Result<(), Error> {
    let arg = &call.args[0];
    if matches!(arg.ty, Type::String | Type::DateTime) {
        return Ok(());
    }
    Err(Error::at(
        "kql::unsupported::argument",
        arg.span,
        format!(
            "`{}()` of a {} value is not supported: kql hashes strings and datetimes only",
            call.name, arg.ty
        ),
    )
    .with_label(format!("this is of type {}", arg.ty))
    .with_help("to hash the text of the value, convert it first, e.g. with tostring()"))
}

/// .NET's round-trip form `yyyy-MM-ddTHH:mm:ss.fffffffZ` (always seven fraction digits).
fn round_trip_datetime(ticks: i64) -> String {
    let (y, mo, d, h, mi, s, f) = to_parts(ticks);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{f:07}Z")
}
