//! KQL semantics: values and types, the binder, operators, functions and the streaming executor.

pub mod batch;
pub mod datetime;
pub mod error;
pub mod source;
pub mod types;
pub mod value;

pub use batch::{Batch, Column, Table};
pub use error::Error;
pub use source::{BatchStream, Catalog, TableSource};
pub use types::{Field, Schema, SchemaRef, Type};
pub use value::Value;
