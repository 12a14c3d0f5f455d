//! KQL table sources and sinks.
//!
//! * [`detect`]: which reader a file needs, from its content; [`open_table`] opens any table;
//! * [`json`]: tables from a JSON array of objects or NDJSON ([`JsonTable`], [`describe`]);
//! * [`responses`]: query API responses (Defender, Graph, Log Analytics, Azure Data Explorer
//!   v1 and v2) ([`ResponseTable`]);
//! * [`csv`](mod@csv): CSV and TSV with a header row, portal exports included ([`CsvTable`]);
//! * [`concat`](mod@concat): a directory of table files as one table ([`ConcatTable`]);
//! * [`report`]: what to do with malformed records, warnings and skipped records
//!   ([`ReadOptions`], [`ReadReport`]);
//! * [`catalog`]: built-in schemas of well-known tables ([`known_schema`]);
//! * [`dir`]: the catalog of a run's tables, from a data directory and overrides ([`DataCatalog`]),
//!   with local copies of web `externaldata` ([`parse_external_spec`]) and a GeoIP database;
//! * [`geoip`]: a MaxMind City database for `geo_info_from_ip_address` ([`MaxMindGeoIp`]);
//! * [`write`](mod@write): result writers (Log Analytics JSON, NDJSON, CSV, TSV, Markdown).
//!
//! Every reader is gzip-transparent and decides column types the same
//! way ([`convert`](mod@convert)): declared types first, then the built-in schema, then
//! inference.

pub mod catalog;
pub mod concat;
pub mod convert;
pub mod csv;
pub mod detect;
pub mod dir;
mod external;
pub mod geoip;
mod input;
pub mod json;
mod progress;
pub mod report;
pub mod responses;
pub mod write;

pub use catalog::{known_schema, known_tables};
pub use concat::ConcatTable;
pub use csv::CsvTable;
pub use detect::{Format, detect_format, open_table};
pub use dir::{DEFAULT_DATA_DIR, DataCatalog, EmptyTable, parse_table_spec};
pub use external::{parse_external_spec, read_external_map};
pub use geoip::MaxMindGeoIp;
pub use json::{JsonTable, describe, json_to_value};
pub use report::{OnError, ReadOptions, ReadReport, Skipped};
pub use responses::{ResponseKind, ResponseTable};
pub use write::{OutputFormat, write_csv, write_json, write_ndjson, write_table};

#[cfg(test)]
mod testutil;
