//! KQL syntax: text to an AST with a span on every node, and back to canonical text.

mod span;

pub use span::Span;
