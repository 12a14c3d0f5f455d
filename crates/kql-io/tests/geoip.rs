//! `geo_info_from_ip_address` over a MaxMind City database (`--geoip`): a small database written
//! by `support/mmdb.rs` (no real one ships with kql or the `maxminddb` crate), read with the
//! MaxMind DB reader as Kusto does.

mod support;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use kql_eval::{Catalog, GeoIp, RunOptions, Value};
use kql_io::{DataCatalog, MaxMindGeoIp};
use serde_json::json;
use support::mmdb;

/// A fresh scratch directory.
fn scratch() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("kql-io-geoip-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_db(dir: &Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join("GeoLite2-City.mmdb");
    std::fs::write(&path, bytes).unwrap();
    path
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn the_generated_database_is_valid_for_the_reader() {
    let reader = maxminddb::Reader::from_source(mmdb::test_city_database()).unwrap();
    reader.verify().unwrap();
    assert_eq!(reader.metadata().database_type, "GeoLite2-City");
}

#[test]
fn lookups_give_kustos_fields() {
    let dir = scratch();
    let db = MaxMindGeoIp::open(&write_db(&dir, &mmdb::test_city_database())).unwrap();
    // the examples of Kusto's documentation, keys in its order
    let sydney = db.lookup(ip("20.53.203.50")).unwrap().unwrap();
    assert_eq!(
        sydney.to_string(),
        r#"{"country":"Australia","state":"New South Wales","city":"Sydney","latitude":-33.8715,"longitude":151.2006}"#
    );
    let boca = db.lookup(ip("2a03:2880:f12c:83:face:b00c::25de")).unwrap();
    assert_eq!(
        boca,
        Some(
            json!({"country": "United States", "state": "Florida", "city": "Boca Raton",
                    "latitude": 26.3594, "longitude": -80.0771})
        )
    );
    // only what the database has
    assert_eq!(
        db.lookup(ip("81.2.69.160")).unwrap(),
        Some(json!({"country": "United Kingdom", "latitude": 51.4964, "longitude": -0.1224}))
    );
    // not in the database: public, private, loopback, IPv6
    for miss in [
        "8.8.8.8",
        "10.1.2.3",
        "192.168.0.1",
        "127.0.0.1",
        "::1",
        "2001:db8::1",
    ] {
        assert_eq!(db.lookup(ip(miss)).unwrap(), None, "{miss}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_databases_are_errors_naming_the_file() {
    let dir = scratch();
    let missing = dir.join("missing.mmdb");
    let e = MaxMindGeoIp::open(&missing).unwrap_err();
    assert_eq!(e.code, "kql::geoip");
    assert!(
        e.message.starts_with(&format!(
            "cannot read the GeoIP database {}: ",
            missing.display()
        )),
        "{}",
        e.message
    );
    let garbage = dir.join("garbage.mmdb");
    std::fs::write(&garbage, b"this is not a database").unwrap();
    let e = MaxMindGeoIp::open(&garbage).unwrap_err();
    assert_eq!(e.code, "kql::geoip");
    assert!(
        e.message.starts_with(&format!(
            "{} is not a valid MaxMind DB file: ",
            garbage.display()
        )),
        "{}",
        e.message
    );
    assert!(e.help.unwrap().contains("GeoLite2-City.mmdb"));
    // cut short: no metadata
    let full = mmdb::test_city_database();
    let cut = dir.join("cut.mmdb");
    std::fs::write(&cut, &full[..full.len() - 60]).unwrap();
    let e = MaxMindGeoIp::open(&cut).unwrap_err();
    assert!(
        e.message.starts_with(&format!(
            "{} is not a valid MaxMind DB file: ",
            cut.display()
        )),
        "{}",
        e.message
    );
    // a record that does not decode fails the lookup, naming the file (opening reads only
    // the metadata: checking every record would take seconds on a real database)
    let mut broken = full.clone();
    let sydney = sydney_record();
    let at = broken
        .windows(sydney.len())
        .position(|w| w == sydney.as_slice())
        .unwrap();
    // an extended type byte past the last type
    broken[at..at + 2].copy_from_slice(&[0x00, 0xF0]);
    let path = dir.join("broken.mmdb");
    std::fs::write(&path, &broken).unwrap();
    let db = MaxMindGeoIp::open(&path).unwrap();
    let e = db.lookup(ip("20.53.203.50")).unwrap_err();
    assert_eq!(e.code, "kql::geoip");
    assert!(
        e.message.starts_with(&format!(
            "the GeoIP database {} cannot be read at 20.53.203.50: ",
            path.display()
        )),
        "{}",
        e.message
    );
    assert_eq!(db.lookup(ip("8.8.8.8")).unwrap(), None);
    // and so the query that meets it
    let catalog = DataCatalog::new(&dir).with_geoip(&path);
    let e = run_one(
        &catalog,
        "datatable(ip: string) ['8.8.8.8', '20.53.203.50'] | extend g = geo_info_from_ip_address(ip)",
    )
    .unwrap_err();
    assert_eq!(e.code, "kql::geoip");
    assert!(e.span.is_some());
    // a database of something else than cities
    let asn = dir.join("GeoLite2-ASN.mmdb");
    std::fs::write(&asn, mmdb::database("GeoLite2-ASN", &[])).unwrap();
    let e = MaxMindGeoIp::open(&asn).unwrap_err();
    assert_eq!(
        e.message,
        format!(
            "{} is a GeoLite2-ASN database: geo_info_from_ip_address needs city locations",
            asn.display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The encoding of the Sydney record of the test database.
fn sydney_record() -> Vec<u8> {
    let mut out = Vec::new();
    mmdb::encode(
        &mut out,
        &mmdb::city_record(
            Some("Australia"),
            Some("New South Wales"),
            Some("Sydney"),
            Some((-33.8715, 151.2006)),
        ),
    );
    out
}

fn run_one(catalog: &DataCatalog, query: &str) -> Result<Vec<Value>, kql_eval::Error> {
    let tables = kql_eval::run(query, catalog, &RunOptions::default())?;
    Ok(tables[0].rows().map(|r| r[0].clone()).collect())
}

#[test]
fn the_function_runs_over_rows_with_a_database() {
    let dir = scratch();
    let path = write_db(&dir, &mmdb::test_city_database());
    let catalog = DataCatalog::new(&dir).with_geoip(&path);
    assert_eq!(catalog.geoip_path(), Some(path.as_path()));
    let q = r#"datatable(ip: string) ["20.53.203.50", " 20.53.203.7 ", "10.0.0.1", "2a03:2880:f12c::1", "not an address", "20.53.203.0/24", ""]
        | extend g = geo_info_from_ip_address(ip)
        | project g"#;
    let text: Vec<String> = run_one(&catalog, q)
        .unwrap()
        .iter()
        .map(|v| {
            if v.is_null() {
                "null".to_string()
            } else {
                v.to_kql_string()
            }
        })
        .collect();
    let sydney = r#"{"country":"Australia","state":"New South Wales","city":"Sydney","latitude":-33.8715,"longitude":151.2006}"#;
    assert_eq!(
        text,
        [
            sydney,
            sydney,
            "{}",
            r#"{"country":"United States","state":"Florida","city":"Boca Raton","latitude":26.3594,"longitude":-80.0771}"#,
            "null",
            "null",
            "null",
        ]
    );
    // the fields as Kusto's queries read them
    let q = "print c = tostring(geo_info_from_ip_address('20.53.203.50').country), \
             s = tostring(geo_info_from_ip_address('10.0.0.1').country), \
             lat = todouble(geo_info_from_ip_address(dynamic('2a03:2880:f12c::1')).latitude)";
    let tables = kql_eval::run(q, &catalog, &RunOptions::default()).unwrap();
    let row: Vec<Value> = tables[0].rows().next().unwrap();
    assert_eq!(
        row,
        [
            Value::str("Australia"),
            Value::str(""),
            Value::Real(26.3594)
        ]
    );
    // the argument is checked
    let e = run_one(&catalog, "print geo_info_from_ip_address(1)").unwrap_err();
    assert_eq!(e.code, "kql::bind::type");
    let e = run_one(&catalog, "print geo_info_from_ip_address('1.2.3.4', 2)").unwrap_err();
    assert_eq!(e.code, "kql::bind::arity");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn without_a_database_the_function_binds_and_fails_on_rows() {
    let catalog = DataCatalog::new("no-such-dir");
    assert!(catalog.geoip().unwrap().is_none());
    let q = "datatable(ip: string) ['1.2.3.4'] | extend g = geo_info_from_ip_address(ip)";
    let checked = kql_eval::check(q, &catalog, &RunOptions::default()).unwrap();
    assert_eq!(checked.schemas[0].fields[1].ty, kql_eval::Type::Dynamic);
    // its argument is bound all the same
    let e = kql_eval::check(
        "datatable(ip: string) [] | extend g = geo_info_from_ip_address(ipp)",
        &catalog,
        &RunOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.code, "kql::bind::unknown_column");
    let e = run_one(&catalog, "print g = geo_info_from_ip_address('1.2.3.4')").unwrap_err();
    assert_eq!(e.code, "kql::unsupported::service_function");
    assert!(
        e.help
            .unwrap()
            .contains("pass --geoip GeoLite2-City.mmdb (from maxmind.com)")
    );
    // over no rows, nothing fails
    let q = "datatable(ip: string) [] | extend g = geo_info_from_ip_address(ip)";
    assert!(run_one(&catalog, q).unwrap().is_empty());
}

#[test]
fn a_bad_database_fails_the_query_at_the_call() {
    let dir = scratch();
    let garbage = dir.join("garbage.mmdb");
    std::fs::write(&garbage, b"not a database").unwrap();
    let catalog = DataCatalog::new(&dir).with_geoip(&garbage);
    // queries that do not use the function never open it
    assert_eq!(run_one(&catalog, "print 1").unwrap(), [Value::Long(1)]);
    let q = "print x = 1, g = geo_info_from_ip_address('1.2.3.4')";
    let e = run_one(&catalog, q).unwrap_err();
    assert_eq!(e.code, "kql::geoip");
    assert!(e.message.contains("garbage.mmdb"), "{}", e.message);
    let span = e.span.expect("the call's span");
    assert_eq!(
        &q[span.start as usize..span.end as usize],
        "geo_info_from_ip_address('1.2.3.4')"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
