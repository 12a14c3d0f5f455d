//! A writer of small MaxMind DB files (the `.mmdb` format of GeoLite2), for tests only: kql
//! ships no database, and the `maxminddb` crate ships none either. The format
//! (<https://maxmind.github.io/MaxMind-DB/>): a binary search tree over the address bits
//! (here IPv6, 32-bit records, IPv4 under `::/96`), 16 zero bytes, a data section of typed
//! values, then `\xAB\xCD\xEFMaxMind.com` and the metadata map.
//!
//! Shared by the tests of kql-io and kql-cli (`#[path]`), so some items go unused in each.
#![allow(dead_code)]

use std::net::IpAddr;

/// A value of the data section.
#[derive(Debug, Clone)]
pub enum Data {
    Str(String),
    Double(f64),
    U16(u16),
    U32(u32),
    U64(u64),
    Map(Vec<(String, Data)>),
    Array(Vec<Data>),
}

fn s(text: &str) -> Data {
    Data::Str(text.to_string())
}

fn names(english: &str) -> Data {
    Data::Map(vec![
        ("de".into(), s(&format!("{english} (de)"))),
        ("en".into(), s(english)),
    ])
}

/// A GeoIP2 City record, as GeoLite2-City holds it (with the fields Kusto does not return
/// too); `None` leaves a field out.
pub fn city_record(
    country: Option<&str>,
    state: Option<&str>,
    city: Option<&str>,
    location: Option<(f64, f64)>,
) -> Data {
    let mut fields = vec![(
        "continent".to_string(),
        Data::Map(vec![
            ("code".into(), s("OC")),
            ("geoname_id".into(), Data::U32(6255151)),
            ("names".into(), names("Oceania")),
        ]),
    )];
    if let Some(c) = city {
        fields.push((
            "city".into(),
            Data::Map(vec![
                ("geoname_id".into(), Data::U32(2147714)),
                ("names".into(), names(c)),
            ]),
        ));
    }
    if let Some(c) = country {
        fields.push((
            "country".into(),
            Data::Map(vec![
                ("geoname_id".into(), Data::U32(2077456)),
                ("iso_code".into(), s("XX")),
                ("names".into(), names(c)),
            ]),
        ));
        fields.push((
            "registered_country".into(),
            Data::Map(vec![("names".into(), names(c))]),
        ));
    }
    if let Some((lat, lon)) = location {
        fields.push((
            "location".into(),
            Data::Map(vec![
                ("accuracy_radius".into(), Data::U16(1000)),
                ("latitude".into(), Data::Double(lat)),
                ("longitude".into(), Data::Double(lon)),
                ("time_zone".into(), s("Australia/Sydney")),
            ]),
        ));
    }
    if let Some(st) = state {
        fields.push((
            "subdivisions".into(),
            Data::Array(vec![
                Data::Map(vec![
                    ("iso_code".into(), s("NSW")),
                    ("names".into(), names(st)),
                ]),
                Data::Map(vec![("names".into(), names("A smaller subdivision"))]),
            ]),
        ));
    }
    Data::Map(fields)
}

fn control(out: &mut Vec<u8>, kind: u8, size: usize) {
    let (low, extra): (u8, Vec<u8>) = match size {
        0..=28 => (size as u8, vec![]),
        29..=284 => (29, vec![(size - 29) as u8]),
        285..=65_820 => (30, ((size - 285) as u16).to_be_bytes().to_vec()),
        _ => (31, ((size - 65_821) as u32).to_be_bytes()[1..].to_vec()),
    };
    if kind <= 7 {
        out.push((kind << 5) | low);
    } else {
        out.push(low);
        out.push(kind - 7);
    }
    out.extend(extra);
}

fn unsigned(out: &mut Vec<u8>, kind: u8, value: u64, width: usize) {
    let bytes = value.to_be_bytes();
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(8)
        .max(8 - width);
    control(out, kind, 8 - first);
    out.extend(&bytes[first..]);
}

/// Appends the encoding of `value`.
pub fn encode(out: &mut Vec<u8>, value: &Data) {
    match value {
        Data::Str(text) => {
            control(out, 2, text.len());
            out.extend(text.as_bytes());
        }
        Data::Double(v) => {
            control(out, 3, 8);
            out.extend(v.to_be_bytes());
        }
        Data::U16(v) => unsigned(out, 5, u64::from(*v), 2),
        Data::U32(v) => unsigned(out, 6, u64::from(*v), 4),
        Data::U64(v) => unsigned(out, 9, *v, 8),
        Data::Map(pairs) => {
            control(out, 7, pairs.len());
            for (k, v) in pairs {
                encode(out, &Data::Str(k.clone()));
                encode(out, v);
            }
        }
        Data::Array(items) => {
            control(out, 11, items.len());
            for v in items {
                encode(out, v);
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Record {
    Empty,
    Node(u32),
    Data(u32),
}

/// `network` (`a.b.c.d/n` or an IPv6 CIDR) as 128 bits and a prefix length in the IPv6 tree.
fn bits_of(network: &str) -> (u128, u32) {
    let (addr, len) = network.split_once('/').expect("a CIDR network");
    let len: u32 = len.parse().expect("a prefix length");
    match addr.parse::<IpAddr>().expect("an address") {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 96 + len),
        IpAddr::V6(v6) => (u128::from(v6), len),
    }
}

/// A database of `database_type` (e.g. `GeoLite2-City`) holding `networks`, which must not
/// overlap.
pub fn database(database_type: &str, networks: &[(&str, Data)]) -> Vec<u8> {
    let mut nodes: Vec<[Record; 2]> = vec![[Record::Empty; 2]];
    let mut data = Vec::new();
    for (network, value) in networks {
        let offset = data.len() as u32;
        encode(&mut data, value);
        let (bits, len) = bits_of(network);
        let mut node = 0usize;
        for depth in 0..len {
            let bit = ((bits >> (127 - depth)) & 1) as usize;
            if depth + 1 == len {
                nodes[node][bit] = Record::Data(offset);
                break;
            }
            node = match nodes[node][bit] {
                Record::Node(n) => n as usize,
                Record::Empty => {
                    nodes.push([Record::Empty; 2]);
                    let n = nodes.len() - 1;
                    nodes[node][bit] = Record::Node(n as u32);
                    n
                }
                Record::Data(_) => panic!("{network} overlaps another network"),
            };
        }
    }
    let count = nodes.len() as u32;
    let mut out = Vec::new();
    for pair in &nodes {
        for record in pair {
            let value = match *record {
                Record::Empty => count,
                Record::Node(n) => n,
                Record::Data(offset) => count + 16 + offset,
            };
            out.extend(value.to_be_bytes());
        }
    }
    out.extend([0u8; 16]);
    out.extend(&data);
    out.extend(b"\xAB\xCD\xEFMaxMind.com");
    let metadata = Data::Map(vec![
        ("binary_format_major_version".into(), Data::U16(2)),
        ("binary_format_minor_version".into(), Data::U16(0)),
        ("build_epoch".into(), Data::U64(1_767_225_600)),
        ("database_type".into(), s(database_type)),
        (
            "description".into(),
            Data::Map(vec![("en".into(), s("kql test database"))]),
        ),
        ("ip_version".into(), Data::U16(6)),
        ("languages".into(), Data::Array(vec![s("de"), s("en")])),
        ("node_count".into(), Data::U32(count)),
        ("record_size".into(), Data::U16(32)),
    ]);
    encode(&mut out, &metadata);
    out
}

/// The database the tests use: Sydney (20.53.203.0/24, as in Kusto's documentation), Boca
/// Raton (2a03:2880:f12c::/48), a country-only network (81.2.69.0/24) and nothing else.
pub fn test_city_database() -> Vec<u8> {
    database(
        "GeoLite2-City",
        &[
            (
                "20.53.203.0/24",
                city_record(
                    Some("Australia"),
                    Some("New South Wales"),
                    Some("Sydney"),
                    Some((-33.8715, 151.2006)),
                ),
            ),
            (
                "2a03:2880:f12c::/48",
                city_record(
                    Some("United States"),
                    Some("Florida"),
                    Some("Boca Raton"),
                    Some((26.3594, -80.0771)),
                ),
            ),
            (
                "81.2.69.0/24",
                city_record(Some("United Kingdom"), None, None, Some((51.4964, -0.1224))),
            ),
        ],
    )
}
