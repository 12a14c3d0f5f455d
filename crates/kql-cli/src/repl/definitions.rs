//! The `let` and `set` statements the session keeps. An input made only of them (each ended
//! by `;`) runs nothing: its statements are kept, and every later query runs with them in
//! front, so helpers are defined once (as in Kusto Explorer's query window).
//!
//! The kept text is the user's own (comments inside a statement included); a later statement
//! of the same name takes the earlier one's place, so the statements after it that use the
//! name see the new definition.

use kql_eval::Error;
use kql_parser::Span;

use super::input::only_definitions;

/// Which statement a definition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Let,
    Set,
}

/// One kept statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub kind: Kind,
    pub name: String,
    /// The statement as typed, ending with `;`.
    pub text: String,
}

impl Definition {
    fn same_as(&self, other: &Definition) -> bool {
        self.kind == other.kind && self.name == other.name
    }

    /// How errors name the statement: `<let Suspicious>`.
    pub fn source_name(&self) -> String {
        let keyword = match self.kind {
            Kind::Let => "let",
            Kind::Set => "set",
        };
        format!("<{keyword} {}>", self.name)
    }
}

/// The statements of `text` with the byte offset each starts at, if `text` is only `let` and
/// `set` statements, each ended by `;`. `None` for a query, and for text that does not parse
/// (run as a query, it shows the syntax error).
pub fn definitions_in(text: &str) -> Option<Vec<(usize, Definition)>> {
    if !only_definitions(text) {
        return None;
    }
    let script = kql_parser::parse(text).ok()?;
    script
        .statements
        .iter()
        .map(|statement| {
            let (kind, name) = match &statement.kind {
                kql_parser::StatementKind::Let { name, .. } => (Kind::Let, name),
                kql_parser::StatementKind::Set { name, .. } => (Kind::Set, name),
                kql_parser::StatementKind::Query(_) => return None,
            };
            let (start, end) = (statement.span.start as usize, statement.span.end as usize);
            let definition = Definition {
                kind,
                name: name.name.clone(),
                text: format!("{};", &text[start..end]),
            };
            Some((start, definition))
        })
        .collect()
}

/// The kept statements, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Definitions {
    list: Vec<Definition>,
}

impl Definitions {
    pub fn iter(&self) -> impl Iterator<Item = &Definition> {
        self.list.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Whether a statement of the same kind and name is kept.
    pub fn has(&self, definition: &Definition) -> bool {
        self.list.iter().any(|d| d.same_as(definition))
    }

    /// These definitions and `new` after them: a name kept already keeps its place.
    pub fn with(&self, new: impl IntoIterator<Item = Definition>) -> Definitions {
        let mut list = self.list.clone();
        for definition in new {
            match list.iter_mut().find(|d| d.same_as(&definition)) {
                Some(kept) => *kept = definition,
                None => list.push(definition),
            }
        }
        Definitions { list }
    }

    /// Drops the statements named `name`; false if none is kept.
    pub fn forget(&mut self, name: &str) -> bool {
        let before = self.list.len();
        self.list.retain(|d| d.name != name);
        self.list.len() < before
    }

    /// Drops every statement and returns their names.
    pub fn forget_all(&mut self) -> Vec<String> {
        std::mem::take(&mut self.list)
            .into_iter()
            .map(|d| d.name)
            .collect()
    }

    /// The names of the kept `let` statements.
    pub fn let_names(&self) -> Vec<String> {
        self.list
            .iter()
            .filter(|d| d.kind == Kind::Let)
            .map(|d| d.name.clone())
            .collect()
    }

    /// The statements as the start of a script, one after another on their own lines.
    pub fn prelude(&self) -> String {
        self.list.iter().map(|d| format!("{}\n", d.text)).collect()
    }

    /// The statement of [`Definitions::prelude`] that byte `offset` falls in, and the offset
    /// within its text.
    pub fn locate(&self, offset: usize) -> Option<(&Definition, usize)> {
        let mut start = 0;
        for definition in &self.list {
            if offset < start + definition.text.len() {
                return (offset >= start).then(|| (definition, offset - start));
            }
            // its line break
            start += definition.text.len() + 1;
        }
        None
    }
}

/// Moves the span of `e`, an error in a script of `kept`'s prelude (`prelude_len` bytes) and
/// then the input, to where it is: in the input (which the statements `typed` at their
/// offsets came from), or in a statement kept before, returned (the span is then in its
/// text). A span in none of them is dropped.
pub fn place_error(
    mut e: Error,
    kept: &Definitions,
    prelude_len: usize,
    typed: &[(usize, Definition)],
) -> (Error, Option<Definition>) {
    let Some(span) = e.span else {
        return (e, None);
    };
    let (start, len) = (span.start as usize, span.len());
    if start >= prelude_len {
        e.span = Some(Span::new(start - prelude_len, start - prelude_len + len));
        return (e, None);
    }
    let Some((definition, at)) = kept.locate(start) else {
        e.span = None;
        return (e, None);
    };
    match typed.iter().rev().find(|(_, d)| d == definition) {
        Some((typed_at, _)) => {
            e.span = Some(Span::new(typed_at + at, typed_at + at + len));
            (e, None)
        }
        None => {
            e.span = Some(Span::new(at, at + len));
            (e, Some(definition.clone()))
        }
    }
}

/// What keeping `typed` does to `kept`, in a line: `defined a, b; redefined c; set query_now`.
pub fn summary(kept: &Definitions, typed: &[(usize, Definition)]) -> String {
    let mut groups: [(&str, Vec<&str>); 3] = [
        ("defined", Vec::new()),
        ("redefined", Vec::new()),
        ("set", Vec::new()),
    ];
    for (_, definition) in typed {
        let group = match definition.kind {
            Kind::Let if kept.has(definition) => 1,
            Kind::Let => 0,
            Kind::Set => 2,
        };
        let names = &mut groups[group].1;
        if !names.contains(&definition.name.as_str()) {
            names.push(&definition.name);
        }
    }
    groups
        .iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(what, names)| format!("{what} {}", names.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(defs: &[(usize, Definition)]) -> Vec<(usize, &str, &str)> {
        defs.iter()
            .map(|(at, d)| (*at, d.name.as_str(), d.text.as_str()))
            .collect()
    }

    #[test]
    fn definitions_of_an_input() {
        let defs = definitions_in("let a = 1;\n// b\nlet b = a + 1 ;  set query_now = now();")
            .expect("definitions");
        assert_eq!(
            names(&defs),
            [
                (0, "a", "let a = 1;"),
                (16, "b", "let b = a + 1;"),
                (33, "query_now", "set query_now = now();")
            ]
        );
        assert_eq!(defs[2].1.kind, Kind::Set);
        let quoted = definitions_in("let ['my name'] = 1;").expect("a definition");
        assert_eq!(quoted[0].1.source_name(), "<let my name>");
        // a query, a statement without its `;`, text that does not parse
        assert_eq!(definitions_in("let a = 1; print a"), None);
        assert_eq!(definitions_in("let a = 1"), None);
        assert_eq!(definitions_in("let a = 1 +;"), None);
        assert_eq!(definitions_in("print 1;"), None);
    }

    fn kept(text: &str) -> Definitions {
        let defs = definitions_in(text).expect("definitions");
        Definitions::default().with(defs.into_iter().map(|(_, d)| d))
    }

    #[test]
    fn a_redefinition_keeps_its_place() {
        let defs = kept("let a = 1; let b = a + 1;");
        let again = definitions_in("let a = 2;").expect("a definition");
        assert!(defs.has(&again[0].1));
        let defs = defs.with(again.into_iter().map(|(_, d)| d));
        assert_eq!(defs.prelude(), "let a = 2;\nlet b = a + 1;\n");
        assert_eq!(defs.let_names(), ["a", "b"]);
    }

    #[test]
    fn offsets_of_the_prelude() {
        let defs = kept("let a = 1; let bb = 2;");
        assert_eq!(
            defs.locate(4).map(|(d, at)| (d.name.as_str(), at)),
            Some(("a", 4))
        );
        // the line break between them
        assert!(defs.locate(10).is_none());
        assert_eq!(
            defs.locate(15).map(|(d, at)| (d.name.as_str(), at)),
            Some(("bb", 4))
        );
        assert!(defs.locate(26).is_none());
    }

    #[test]
    fn forgetting() {
        let mut defs = kept("let a = 1; let b = 2;");
        assert!(defs.forget("a"));
        assert!(!defs.forget("a"));
        assert_eq!(defs.let_names(), ["b"]);
        assert_eq!(defs.forget_all(), ["b"]);
        assert!(defs.is_empty());
    }
}
