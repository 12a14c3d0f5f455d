//! Syntax errors with the span they point at.

use std::fmt;

use crate::span::Span;

/// A syntax error: what was expected, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// Stable code: `kql::syntax` or `kql::syntax::unsupported`.
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    pub label: String,
    pub help: Option<String>,
}

impl ParseError {
    pub fn new(code: &'static str, span: Span, message: impl Into<String>) -> ParseError {
        ParseError {
            code,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> ParseError {
        self.label = label.into();
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> ParseError {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

impl miette::Diagnostic for ParseError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let label = (!self.label.is_empty()).then(|| self.label.clone());
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(label, self.span),
        )))
    }
}
