//! IPv4 and IPv6 functions: `parse_ipv4`, `ipv4_compare`, `ipv4_is_match`,
//! `ipv4_is_in_range`, `ipv4_is_private`, `ipv6_compare`, ...
//!
//! Addresses may carry an IP-prefix (`192.168.1.1/24`); a comparison masks both addresses
//! with the smaller of their prefixes and the optional prefix argument. A text that is not
//! an address gives null.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{Bound, Call};
use crate::error::Error;
use crate::operators::text;
use crate::types::Type;
use crate::value::Value;

/// An IPv4 address and its prefix length (32 when none is written).
fn parse_v4(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, p.trim().parse::<u32>().ok().filter(|p| *p <= 32)?),
        None => (s, 32),
    };
    let addr: Ipv4Addr = addr.trim().parse().ok()?;
    Some((u32::from(addr), prefix))
}

fn mask_v4(prefix: u32) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    }
}

/// An IPv6 address (IPv4 addresses map to `::ffff:a.b.c.d`) and its prefix length.
fn parse_v6(s: &str) -> Option<(u128, u32)> {
    let s = s.trim();
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a.trim(), Some(p.trim().parse::<u32>().ok()?)),
        None => (s, None),
    };
    if let Ok(v6) = addr.parse::<Ipv6Addr>() {
        let prefix = prefix.unwrap_or(128);
        return (prefix <= 128).then_some((u128::from(v6), prefix));
    }
    let v4: Ipv4Addr = addr.parse().ok()?;
    // an IPv4 prefix counts the bits of the IPv4 part
    let prefix = match prefix {
        Some(p) if p <= 32 => 96 + p,
        Some(_) => return None,
        None => 128,
    };
    Some((u128::from(v4.to_ipv6_mapped()), prefix))
}

fn mask_v6(prefix: u32) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - prefix)
    }
}

/// The optional prefix argument at `n`: `None` when absent, `Some(None)` when out of range
/// or null (the result is then null).
fn prefix_arg(a: &[&Value], n: usize, max: i64) -> Option<Option<u32>> {
    let v = a.get(n)?;
    Some(
        v.as_i64()
            .filter(|p| (0..=max).contains(p))
            .map(|p| p as u32),
    )
}

/// Compares two IPv4 texts under their combined prefix: -1, 0, 1, or `None` for invalid input.
fn compare_v4(a: &[&Value]) -> Option<i64> {
    let (x, px) = parse_v4(&text(a[0]))?;
    let (y, py) = parse_v4(&text(a[1]))?;
    let mut prefix = px.min(py);
    if let Some(p) = prefix_arg(a, 2, 32) {
        prefix = prefix.min(p?);
    }
    let m = mask_v4(prefix);
    Some((x & m).cmp(&(y & m)) as i64)
}

fn compare_v6(a: &[&Value]) -> Option<i64> {
    let (x, px) = parse_v6(&text(a[0]))?;
    let (y, py) = parse_v6(&text(a[1]))?;
    let mut prefix = px.min(py);
    if let Some(p) = prefix_arg(a, 2, 128) {
        prefix = prefix.min(p?);
    }
    let m = mask_v6(prefix);
    Some((x & m).cmp(&(y & m)) as i64)
}

/// Whether IPv4 text `ip` lies in the range `range` (its prefix; the address's own prefix
/// masks the address first).
pub(crate) fn in_range_v4(ip: &str, range: &str) -> Option<bool> {
    let (x, px) = parse_v4(ip)?;
    let (r, pr) = parse_v4(range)?;
    let x = x & mask_v4(px);
    let m = mask_v4(pr);
    Some(x & m == r & m)
}

fn bool_or_null(b: Option<bool>) -> Value {
    b.map_or(Value::Null, Value::Bool)
}

/// Binds the IP function `name`, or `None` if it is not one.
pub fn bind(name: &str, call: &Call) -> Option<Result<Bound, Error>> {
    let result = (|| -> Result<Option<Bound>, Error> {
        let bound: Bound = match name {
            "parse_ipv4" => {
                call.arity(1, 1)?;
                (
                    "parse_ipv4",
                    Type::Long,
                    Box::new(|a: &[&Value]| match parse_v4(&text(a[0])) {
                        Some((x, p)) => Value::Long(i64::from(x & mask_v4(p))),
                        None => Value::Null,
                    }),
                )
            }
            "parse_ipv4_mask" => {
                call.arity(2, 2)?;
                call.expect_type(1, &[Type::Int, Type::Long], "an integer prefix")?;
                (
                    "parse_ipv4_mask",
                    Type::Long,
                    Box::new(|a: &[&Value]| {
                        let parsed = parse_v4(&text(a[0]));
                        match (parsed, prefix_arg(a, 1, 32).flatten()) {
                            (Some((x, p)), Some(q)) => {
                                Value::Long(i64::from(x & mask_v4(p.min(q))))
                            }
                            _ => Value::Null,
                        }
                    }),
                )
            }
            "format_ipv4" => {
                call.arity(1, 2)?;
                if call.args.len() == 2 {
                    call.expect_type(1, &[Type::Int, Type::Long], "an integer prefix")?;
                }
                (
                    "format_ipv4",
                    Type::String,
                    Box::new(|a: &[&Value]| {
                        let ip = match a[0] {
                            Value::String(s) => parse_v4(s),
                            v => v
                                .as_i64()
                                .and_then(|n| u32::try_from(n).ok())
                                .map(|n| (n, 32)),
                        };
                        let prefix = match prefix_arg(a, 1, 32) {
                            None => Some(32),
                            Some(p) => p,
                        };
                        match (ip, prefix) {
                            (Some((x, p)), Some(q)) => {
                                Value::str(&Ipv4Addr::from(x & mask_v4(p.min(q))).to_string())
                            }
                            _ => Value::empty_string(),
                        }
                    }),
                )
            }
            "ipv4_compare" | "ipv4_is_match" => {
                call.arity(2, 3)?;
                if call.args.len() == 3 {
                    call.expect_type(2, &[Type::Int, Type::Long], "an integer prefix")?;
                }
                if name == "ipv4_compare" {
                    (
                        "ipv4_compare",
                        Type::Long,
                        Box::new(|a: &[&Value]| compare_v4(a).map_or(Value::Null, Value::Long)),
                    )
                } else {
                    (
                        "ipv4_is_match",
                        Type::Bool,
                        Box::new(|a: &[&Value]| bool_or_null(compare_v4(a).map(|c| c == 0))),
                    )
                }
            }
            "ipv6_compare" | "ipv6_is_match" => {
                call.arity(2, 3)?;
                if call.args.len() == 3 {
                    call.expect_type(2, &[Type::Int, Type::Long], "an integer prefix")?;
                }
                if name == "ipv6_compare" {
                    (
                        "ipv6_compare",
                        Type::Long,
                        Box::new(|a: &[&Value]| compare_v6(a).map_or(Value::Null, Value::Long)),
                    )
                } else {
                    (
                        "ipv6_is_match",
                        Type::Bool,
                        Box::new(|a: &[&Value]| bool_or_null(compare_v6(a).map(|c| c == 0))),
                    )
                }
            }
            "ipv4_is_in_range" => {
                call.arity(2, 2)?;
                (
                    "ipv4_is_in_range",
                    Type::Bool,
                    Box::new(|a: &[&Value]| bool_or_null(in_range_v4(&text(a[0]), &text(a[1])))),
                )
            }
            // `ipv4_is_in_any_range(ip, range, ...)` or `(ip, dynamic([range, ...]))`
            "ipv4_is_in_any_range" => {
                call.arity(2, 65)?;
                (
                    "ipv4_is_in_any_range",
                    Type::Bool,
                    Box::new(|a: &[&Value]| {
                        let ip = text(a[0]);
                        parse_v4(&ip).map_or(Value::Null, |_| {
                            let mut ranges: Vec<String> = Vec::new();
                            for r in &a[1..] {
                                match r {
                                    Value::Dynamic(d) if d.is_array() => {
                                        for item in d.as_array().into_iter().flatten() {
                                            if let Some(s) = item.as_str() {
                                                ranges.push(s.to_string());
                                            }
                                        }
                                    }
                                    r => ranges.push(text(r).into_owned()),
                                }
                            }
                            Value::Bool(ranges.iter().any(|r| in_range_v4(&ip, r) == Some(true)))
                        })
                    }),
                )
            }
            "ipv4_is_private" => {
                call.arity(1, 1)?;
                (
                    "ipv4_is_private",
                    Type::Bool,
                    Box::new(|a: &[&Value]| {
                        bool_or_null(parse_v4(&text(a[0])).map(|(x, p)| {
                            let x = x & mask_v4(p);
                            [(0x0a00_0000, 8), (0xac10_0000, 12), (0xc0a8_0000, 16)]
                                .iter()
                                .any(|&(net, bits)| x & mask_v4(bits) == net)
                        }))
                    }),
                )
            }
            _ => return Ok(None),
        };
        Ok(Some(bound))
    })();
    result.transpose()
}
