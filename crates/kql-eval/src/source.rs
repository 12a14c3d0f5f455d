//! What a table source implements: the evaluator never opens a file itself.

use std::sync::Arc;

use crate::batch::Batch;
use crate::error::Error;
use crate::types::SchemaRef;

pub use crate::memtable::{MemTable, MemTableBuilder};

/// A stream of batches; errors (a malformed record, say) end the stream.
pub type BatchStream = Box<dyn Iterator<Item = Result<Batch, Error>> + Send>;

/// A table that can be scanned, possibly many times.
pub trait TableSource: Send + Sync {
    /// All columns of the table, in order.
    fn schema(&self) -> SchemaRef;

    /// Streams the rows with only the columns at `columns` (indices into `schema()`, in that
    /// order), so a source can skip the values no query reads.
    fn scan(&self, columns: &[usize]) -> Result<BatchStream, Error>;

    /// Like [`scan`](Self::scan), but the source may leave out rows that `prefilter` proves
    /// the query's first filters would drop anyway. Skipping is optional: the filters still
    /// run on every row the source yields.
    fn scan_filtered(
        &self,
        columns: &[usize],
        prefilter: &Prefilter,
    ) -> Result<BatchStream, Error> {
        let _ = prefilter;
        self.scan(columns)
    }
}

/// Text a row must contain for the query's first `where` clauses to keep it: for every group,
/// at least one of its literals. A source that reads raw text (JSON, CSV) can skip a row
/// whose text holds none of a group's literals, before parsing it, provided nothing in the
/// row could spell a literal differently (a JSON `\u` escape, for one).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prefilter {
    pub all_of: Vec<Vec<PrefilterLiteral>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrefilterLiteral {
    pub text: String,
    /// ASCII letters match in either case.
    pub case_insensitive: bool,
}

impl Prefilter {
    pub fn is_empty(&self) -> bool {
        self.all_of.is_empty()
    }
}

/// The error code of a scan whose table turned out to hold columns its schema, learned from a
/// sample, lacks (see [`Catalog::table_for`]): running the script again gives the right result.
pub const SCHEMA_CHANGED: &str = "kql::data::schema_changed";

/// A geolocation database, for `geo_info_from_ip_address`. The evaluator never opens the
/// file itself: a catalog hands one over (see [`Catalog::geoip`]).
pub trait GeoIp: Send + Sync {
    /// What the database says of `ip`, as `geo_info_from_ip_address` returns it (a JSON
    /// object, e.g. `{"country": "Australia", "state": "New South Wales", "city": "Sydney",
    /// "latitude": -33.8715, "longitude": 151.2006}`, holding only the fields the database
    /// has); `Ok(None)` when the database holds nothing for the address; an error when the
    /// database cannot be read (the message names its file).
    fn lookup(&self, ip: std::net::IpAddr) -> Result<Option<serde_json::Value>, Error>;
}

/// Resolves table names used in queries.
pub trait Catalog {
    /// The table called `name` (names are case-sensitive), `Ok(None)` if there is none, or an
    /// error if it exists but cannot be opened.
    fn table(&self, name: &str) -> Result<Option<Arc<dyn TableSource>>, Error>;

    /// Names of the tables this catalog knows, for suggestions in errors.
    fn table_names(&self) -> Vec<String>;

    /// [`table`](Self::table), told the names the script mentions (`None`: it may read every
    /// column), so a source may learn less about a big table than all of it. The NDJSON reader
    /// of a table with a built-in schema, for one, then samples the file instead of reading it
    /// whole first, and fails a scan with [`SCHEMA_CHANGED`] if the file holds a key the
    /// script mentions that the sample did not show; the script is then run again, and the
    /// catalog answers with the table read whole.
    fn table_for(
        &self,
        name: &str,
        needed: Option<&std::collections::HashSet<String>>,
    ) -> Result<Option<Arc<dyn TableSource>>, Error> {
        let _ = needed;
        self.table(name)
    }

    /// The rows of `externaldata(...)[uris] with (properties)`, read with `schema`. The
    /// default refuses: the evaluator itself never opens a file or the network.
    fn external_data(
        &self,
        uris: &[String],
        schema: SchemaRef,
        properties: &[(String, String)],
    ) -> Result<Arc<dyn TableSource>, Error> {
        let _ = (schema, properties);
        Err(Error::new(
            "kql::external_data",
            format!(
                "externaldata cannot read {}: this catalog has no external data",
                uris.join(", ")
            ),
        ))
    }

    /// The geolocation database `geo_info_from_ip_address` reads, if there is one (the
    /// default: none, and the function binds to a stand-in that fails on the first row). An
    /// error: there is one, but it cannot be opened; the caller gives it the call's span.
    fn geoip(&self) -> Result<Option<Arc<dyn GeoIp>>, Error> {
        Ok(None)
    }
}

/// A catalog with no tables: queries built from `datatable`, `print` and `range` only.
pub struct EmptyCatalog;

impl Catalog for EmptyCatalog {
    fn table(&self, _name: &str) -> Result<Option<Arc<dyn TableSource>>, Error> {
        Ok(None)
    }

    fn table_names(&self) -> Vec<String> {
        Vec::new()
    }
}
