//! KQL table sources and sinks.
//!
//! * [`json`]: tables from a JSON array of objects or NDJSON ([`JsonTable`], [`describe`]);
//! * [`catalog`]: built-in schemas of well-known tables ([`known_schema`]);
//! * [`dir`]: the catalog of a run's tables, from a data directory and overrides ([`DataCatalog`]);
//! * [`write`](mod@write): result writers (Log Analytics JSON, NDJSON, CSV).

pub mod catalog;
pub mod dir;
pub mod json;
pub mod write;

pub use catalog::{known_schema, known_tables};
pub use dir::{DEFAULT_DATA_DIR, DataCatalog, EmptyTable, parse_table_spec};
pub use json::{JsonTable, describe, json_to_value};
pub use write::{OutputFormat, write_csv, write_json, write_ndjson, write_table};

#[cfg(test)]
mod testutil;
