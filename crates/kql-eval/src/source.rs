//! What a table source implements: the evaluator never opens a file itself.

use std::sync::Arc;

use crate::batch::Batch;
use crate::error::Error;
use crate::types::SchemaRef;

/// A stream of batches; errors (a malformed record, say) end the stream.
pub type BatchStream = Box<dyn Iterator<Item = Result<Batch, Error>> + Send>;

/// A table that can be scanned, possibly many times.
pub trait TableSource: Send + Sync {
    /// All columns of the table, in order.
    fn schema(&self) -> SchemaRef;

    /// Streams the rows with only the columns at `columns` (indices into `schema()`, in that
    /// order), so a source can skip the values no query reads.
    fn scan(&self, columns: &[usize]) -> Result<BatchStream, Error>;
}

/// Resolves table names used in queries.
pub trait Catalog {
    /// The table called `name` (names are case-sensitive), `Ok(None)` if there is none, or an
    /// error if it exists but cannot be opened.
    fn table(&self, name: &str) -> Result<Option<Arc<dyn TableSource>>, Error>;

    /// Names of the tables this catalog knows, for suggestions in errors.
    fn table_names(&self) -> Vec<String>;
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
