//! Diagnostics as text: miette's graphical report (`source:line:col` and a caret under the
//! span) for errors in the query, a one-line `error[code]: message` for the others.

use std::fmt;

use kql_eval::Error;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};

/// The width diagnostics are wrapped at when it is not the terminal's.
pub const DEFAULT_WIDTH: usize = 100;

/// Renders `err` about the query `source` (called `source_name`: a file path, or `<query>` for
/// `-e`), wrapped at [`DEFAULT_WIDTH`] columns; ANSI colours when `color`. Ends with a newline.
///
/// An error with a span into `source` is drawn by miette's [`GraphicalReportHandler`]:
///
/// ```text
/// kql::syntax
///
///   × unterminated string literal
///    ╭─[hunts/net.kql:2:21]
///  1 │ DeviceProcessEvents
///  2 │ | where FileName =~ "net.exe
///    ·                     ────┬───
///    ·                         ╰── this string is never closed
///  3 │ | take 10
///    ╰────
/// ```
///
/// An error without one (a data error, an unreadable file) is `error[code]: message`, then
/// `  help: ...` if it has help.
pub fn render_error(err: &Error, source_name: &str, source: &str, color: bool) -> String {
    render_error_with_width(err, source_name, source, color, DEFAULT_WIDTH)
}

/// [`render_error`], wrapped at `width` columns.
pub fn render_error_with_width(
    err: &Error,
    source_name: &str,
    source: &str,
    color: bool,
    width: usize,
) -> String {
    let in_source = err.span.is_some_and(|s| {
        let (start, end) = (s.start as usize, s.end as usize);
        start <= end
            && end <= source.len()
            && source.is_char_boundary(start)
            && source.is_char_boundary(end)
    });
    let mut out = if in_source {
        render_graphical(err, source_name, source, color, width)
    } else {
        render_plain(err, color)
    };
    while out.ends_with("\n\n") {
        out.pop();
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn render_graphical(
    err: &Error,
    source_name: &str,
    source: &str,
    color: bool,
    width: usize,
) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let report = WithSource {
        err,
        source: NamedSource::new(source_name, source.to_string()),
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // the handler only fails on a formatter error; fall back to the plain form
        return render_plain(err, color);
    }
    out
}

fn render_plain(err: &Error, color: bool) -> String {
    let mut out = if color {
        format!(
            "\x1b[1;31merror\x1b[0m\x1b[1m[{}]: {}\x1b[0m\n",
            err.code, err.message
        )
    } else {
        format!("error[{}]: {}\n", err.code, err.message)
    };
    if let Some(help) = &err.help {
        let label = if color {
            "\x1b[1;36mhelp\x1b[0m"
        } else {
            "help"
        };
        for (i, line) in help.lines().enumerate() {
            if i == 0 {
                out.push_str(&format!("  {label}: {line}\n"));
            } else {
                out.push_str(&format!("        {line}\n"));
            }
        }
    }
    out
}

/// An [`Error`] with the query text attached, so miette can draw the snippet.
struct WithSource<'a> {
    err: &'a Error,
    source: NamedSource<String>,
}

impl fmt::Debug for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.err, f)
    }
}

impl fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.err, f)
    }
}

impl std::error::Error for WithSource<'_> {}

impl Diagnostic for WithSource<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.err.code()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.err.help()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.err.labels()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kql_parser::Span;

    #[test]
    fn spanless_errors_are_one_line_plus_help() {
        let e =
            Error::data("cannot read table T from t.json: No such file or directory (os error 2)")
                .with_help("check the path given to --table");
        assert_eq!(
            render_error(&e, "<query>", "T", false),
            "error[kql::data]: cannot read table T from t.json: No such file or directory (os error 2)\n  \
             help: check the path given to --table\n"
        );
    }

    #[test]
    fn a_span_outside_the_source_falls_back_to_the_plain_form() {
        let e = Error::at(
            "kql::bind::unknown_table",
            Span::new(3, 40),
            "unknown table `X`",
        );
        assert_eq!(
            render_error(&e, "<query>", "X | take 1", false),
            "error[kql::bind::unknown_table]: unknown table `X`\n"
        );
        let e = Error::at("kql::x", Span::new(1, 2), "inside a character");
        assert!(render_error(&e, "<query>", "é", false).starts_with("error[kql::x]"));
    }

    #[test]
    fn colour_is_only_used_when_asked() {
        let e = Error::at("kql::x", Span::new(0, 1), "bad").with_label("here");
        assert!(!render_error(&e, "<query>", "X", false).contains('\x1b'));
        assert!(render_error(&e, "<query>", "X", true).contains('\x1b'));
        let e = Error::data("bad data");
        assert!(!render_error(&e, "<query>", "X", false).contains('\x1b'));
        assert!(render_error(&e, "<query>", "X", true).contains('\x1b'));
    }
}
