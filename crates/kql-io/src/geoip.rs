//! `--geoip PATH`: a MaxMind DB file (GeoLite2-City) for `geo_info_from_ip_address`, looked up
//! with the MaxMind DB reader as Kusto does. The file is read into memory whole: the workspace
//! forbids `unsafe` code, which a memory map needs.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use kql_eval::{Error, GeoIp};
use maxminddb::{Reader, geoip2};
use serde_json::{Map, Value as Json};

/// The error code of a database that cannot be opened or read.
pub const GEOIP_ERROR: &str = "kql::geoip";

/// A MaxMind City database (GeoLite2-City, GeoIP2-City, GeoIP2-Enterprise, or another City
/// database in that format).
pub struct MaxMindGeoIp {
    path: PathBuf,
    reader: Reader<Vec<u8>>,
}

impl std::fmt::Debug for MaxMindGeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaxMindGeoIp")
            .field("path", &self.path)
            .field("database_type", &self.reader.metadata().database_type)
            .finish()
    }
}

impl MaxMindGeoIp {
    /// Reads and checks the database at `path`: a file that cannot be read, is not a MaxMind
    /// DB file, or holds no city locations (an ASN or Country database) is an error naming it.
    pub fn open(path: &Path) -> Result<MaxMindGeoIp, Error> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::new(
                GEOIP_ERROR,
                format!("cannot read the GeoIP database {}: {e}", path.display()),
            )
        })?;
        MaxMindGeoIp::from_bytes(path, bytes)
    }

    /// The database in `bytes`, read from `path` (for messages).
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<MaxMindGeoIp, Error> {
        let reader = Reader::from_source(bytes).map_err(|e| {
            Error::new(
                GEOIP_ERROR,
                format!("{} is not a valid MaxMind DB file: {e}", path.display()),
            )
            .with_help("pass a GeoLite2-City.mmdb database (from maxmind.com)")
        })?;
        let kind = reader.metadata().database_type.to_ascii_lowercase();
        if !(kind.contains("city") || kind.contains("enterprise")) {
            return Err(Error::new(
                GEOIP_ERROR,
                format!(
                    "{} is a {} database: geo_info_from_ip_address needs city locations",
                    path.display(),
                    reader.metadata().database_type
                ),
            )
            .with_help("pass a GeoLite2-City.mmdb database (from maxmind.com)"));
        }
        Ok(MaxMindGeoIp {
            path: path.to_path_buf(),
            reader,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn broken(&self, ip: IpAddr, e: maxminddb::MaxMindDbError) -> Error {
        Error::new(
            GEOIP_ERROR,
            format!(
                "the GeoIP database {} cannot be read at {ip}: {e}",
                self.path.display()
            ),
        )
    }
}

impl GeoIp for MaxMindGeoIp {
    /// Kusto's fields, each only where the database has it: `country` (the country's English
    /// name), `state` (the first, largest subdivision's), `city`, `latitude`, `longitude`.
    fn lookup(&self, ip: IpAddr) -> Result<Option<Json>, Error> {
        let ip = match ip {
            IpAddr::V6(v6) if self.reader.metadata().ip_version == 4 => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                // an IPv6 address in an IPv4-only database
                None => return Ok(None),
            },
            ip => ip,
        };
        let found = self.reader.lookup(ip).map_err(|e| self.broken(ip, e))?;
        if !found.has_data() {
            return Ok(None);
        }
        let Some(record) = found
            .decode::<geoip2::City>()
            .map_err(|e| self.broken(ip, e))?
        else {
            return Ok(None);
        };
        let mut bag = Map::new();
        let mut name = |key: &str, value: Option<&str>| {
            if let Some(v) = value {
                bag.insert(key.to_string(), Json::from(v));
            }
        };
        name("country", record.country.names.english);
        name(
            "state",
            record.subdivisions.first().and_then(|s| s.names.english),
        );
        name("city", record.city.names.english);
        for (key, value) in [
            ("latitude", record.location.latitude),
            ("longitude", record.location.longitude),
        ] {
            if let Some(v) = value.filter(|v| v.is_finite()) {
                bag.insert(key.to_string(), Json::from(v));
            }
        }
        Ok(Some(Json::Object(bag)))
    }
}
