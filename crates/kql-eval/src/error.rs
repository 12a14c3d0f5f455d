//! Diagnostics of binding and execution: a stable code, a message, and where it happened.

use std::fmt;

use kql_parser::Span;

/// An error from binding or running a query, or from the data it reads.
///
/// Codes are stable (`kql::bind::unknown_column`); tests and users may match on them.
#[derive(Debug, Clone)]
pub struct Error {
    pub code: &'static str,
    pub message: String,
    /// Where in the query text; `None` for errors about data rather than the query.
    pub span: Option<Span>,
    pub label: Option<String>,
    pub help: Option<String>,
}

impl Error {
    pub fn new(code: &'static str, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            span: None,
            label: None,
            help: None,
        }
    }

    /// An error about the query at `span`.
    pub fn at(code: &'static str, span: Span, message: impl Into<String>) -> Error {
        Error::new(code, message).with_span(span)
    }

    /// An error in the data read by a query (file, line and column belong in the message).
    pub fn data(message: impl Into<String>) -> Error {
        Error::new("kql::data", message)
    }

    pub fn with_span(mut self, span: Span) -> Error {
        self.span = Some(span);
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Error {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Error {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl miette::Diagnostic for Error {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.span?;
        let label = miette::LabeledSpan::new_with_span(self.label.clone(), span);
        Some(Box::new(std::iter::once(label)))
    }
}

/// The closest of `candidates` to `name`, for "did you mean" help; `None` if nothing is close.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let lower = name.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let candidate = c.to_lowercase();
        let d = if candidate == lower {
            0
        } else {
            edit_distance(&lower, &candidate)
        };
        // a name that extends or shortens a known one (`tolowercase`) is a likely slip too
        let related = candidate.len() >= 4
            && lower.len() >= 4
            && (lower.starts_with(&candidate) || candidate.starts_with(&lower));
        let limit = if related {
            usize::MAX
        } else {
            (name.chars().count() / 3).max(2)
        };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
