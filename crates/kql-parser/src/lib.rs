//! KQL syntax: text to an AST with a span on every node, and back to canonical text.
//!
//! This crate knows nothing of tables, types or what functions mean; see `kql-eval`.

pub mod ast;
mod display;
mod error;
mod parser;
mod span;

pub use ast::*;
pub use error::ParseError;
pub use parser::{TABULAR_OPERATORS, parse, timespan_unit};
pub use span::Span;
