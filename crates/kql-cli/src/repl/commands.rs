//! Dot commands (`.tables`, `.load PATH as NAME`, ...): parsing, and the `.help` text.

use std::path::PathBuf;

use crate::cli::Format;

use super::vocab::COMMANDS;

/// A parsed dot command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    Tables,
    Schema(String),
    Load {
        path: PathBuf,
        name: Option<String>,
    },
    Drop(String),
    Lets,
    /// `.forget NAME` drops one kept statement, `.forget` all.
    Forget(Option<String>),
    /// `.now` shows, `.now clear` unpins, `.now DATETIME` pins (in ticks).
    Now(Option<NowArg>),
    Format(Option<Format>),
    MaxRows(Option<usize>),
    Timing(Option<bool>),
    Run(PathBuf),
    Save(PathBuf),
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NowArg {
    Clear,
    At(i64),
}

/// Parses a dot command line; the error is a message for the user.
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim();
    let (name, rest) = line
        .split_once(char::is_whitespace)
        .map_or((line, ""), |(n, r)| (n, r.trim()));
    let args = split_args(rest)?;
    let usage = || {
        let (_, arguments, _) = COMMANDS
            .iter()
            .find(|(c, _, _)| *c == name)
            .copied()
            .unwrap_or((name, "", ""));
        Err(format!("usage: {name} {arguments}").trim_end().to_string())
    };
    let no_args = |c: Command| if args.is_empty() { Ok(c) } else { usage() };
    let one = |f: &dyn Fn(&str) -> Option<Command>| match args.as_slice() {
        [a] => f(a).map_or_else(usage, Ok),
        _ => usage(),
    };
    let optional = |f: &dyn Fn(&str) -> Option<Command>, none: Command| match args.as_slice() {
        [] => Ok(none),
        [a] => f(a).map_or_else(usage, Ok),
        _ => usage(),
    };
    match name {
        ".help" | ".h" | ".?" => no_args(Command::Help),
        ".tables" => no_args(Command::Tables),
        ".schema" => one(&|a| Some(Command::Schema(a.to_string()))),
        ".drop" => one(&|a| Some(Command::Drop(a.to_string()))),
        ".lets" => no_args(Command::Lets),
        ".forget" => optional(
            &|a| Some(Command::Forget(Some(a.to_string()))),
            Command::Forget(None),
        ),
        ".load" => match args.as_slice() {
            [path] => Ok(Command::Load {
                path: expand_home(path),
                name: None,
            }),
            [path, kw, name] if kw.eq_ignore_ascii_case("as") => Ok(Command::Load {
                path: expand_home(path),
                name: Some(name.clone()),
            }),
            _ => usage(),
        },
        ".now" => {
            if args.len() > 1 {
                // `.now 2026-11-25 10:00:00` is one datetime
                return parse_now(rest).map_or_else(usage, Ok);
            }
            optional(&|a| parse_now(a), Command::Now(None))
        }
        ".format" => optional(
            &|a| {
                use clap::ValueEnum;
                // the names (and aliases) `kql run --format` takes
                Format::from_str(a, true)
                    .ok()
                    .map(|f| Command::Format(Some(f)))
            },
            Command::Format(None),
        ),
        ".maxrows" => optional(
            &|a| {
                a.replace('_', "")
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map(|n| Command::MaxRows(Some(n)))
            },
            Command::MaxRows(None),
        ),
        ".timing" => optional(
            &|a| match a.to_ascii_lowercase().as_str() {
                "on" => Some(Command::Timing(Some(true))),
                "off" => Some(Command::Timing(Some(false))),
                _ => None,
            },
            Command::Timing(None),
        ),
        ".run" => one(&|a| Some(Command::Run(expand_home(a)))),
        ".save" => one(&|a| Some(Command::Save(expand_home(a)))),
        ".quit" | ".exit" | ".q" => no_args(Command::Quit),
        _ => Err(format!(
            "unknown command `{name}` (.help lists the commands)"
        )),
    }
}

fn parse_now(arg: &str) -> Option<Command> {
    if arg.eq_ignore_ascii_case("clear") {
        return Some(Command::Now(Some(NowArg::Clear)));
    }
    let text = arg
        .trim()
        .strip_prefix("datetime(")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(arg.trim());
    kql_eval::datetime::parse_datetime(text.trim()).map(|t| Command::Now(Some(NowArg::At(t))))
}

/// Splits arguments at spaces; `"..."` and `'...'` quote an argument with spaces.
fn split_args(s: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else {
            return Ok(args);
        };
        let mut arg = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            loop {
                match chars.next() {
                    Some(c) if c == first => break,
                    Some(c) => arg.push(c),
                    None => return Err(format!("unclosed {first} in `{s}`")),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                arg.push(c);
            }
        }
        args.push(arg);
    }
}

/// `~/x` as `$HOME/x`.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// The `.help` text.
pub fn help() -> String {
    let mut out = String::from("Commands:\n");
    for (name, args, what) in COMMANDS {
        let usage = format!("{name} {args}");
        out.push_str(&format!("  {usage:<36}{what}\n"));
    }
    out.push_str(
        "\nQueries:
  Enter runs the query once it is complete. It continues on a new line while a bracket or
  quote is open, after a line ending in |, ',', and, or, an operator, or when the query so far
  is a bare table name or the line starts with | (pipe-first style): an empty line runs it.
  A multi-line query pasted or recalled from history runs as soon as it is complete.
  let and set statements entered on their own (each ending with ;) are kept: every later
  query runs with them in front (.lets lists them, .forget drops them).

Keys:
  Tab          complete table, column, operator, function and command names
  Up, Down     previous and next queries (history is kept across sessions)
  Ctrl-R       search the history
  Right, End   accept the grey hint from history
  Alt-Enter    insert a line break without running
  Ctrl-C       clear the line, or cancel a running query
  Ctrl-D       quit
",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(parse(".tables"), Ok(Command::Tables));
        assert_eq!(parse("  .help  "), Ok(Command::Help));
        assert_eq!(
            parse(".schema DeviceProcessEvents"),
            Ok(Command::Schema("DeviceProcessEvents".into()))
        );
        assert_eq!(
            parse(".load logs/a.ndjson"),
            Ok(Command::Load {
                path: "logs/a.ndjson".into(),
                name: None
            })
        );
        assert_eq!(
            parse(".load \"my logs/a.json\" AS Events"),
            Ok(Command::Load {
                path: "my logs/a.json".into(),
                name: Some("Events".into())
            })
        );
        assert_eq!(parse(".drop T"), Ok(Command::Drop("T".into())));
        assert_eq!(parse(".lets"), Ok(Command::Lets));
        assert_eq!(parse(".forget"), Ok(Command::Forget(None)));
        assert_eq!(
            parse(".forget Suspicious"),
            Ok(Command::Forget(Some("Suspicious".into())))
        );
        assert_eq!(parse(".now"), Ok(Command::Now(None)));
        assert_eq!(parse(".now clear"), Ok(Command::Now(Some(NowArg::Clear))));
        assert!(matches!(
            parse(".now 2026-11-25T12:00:00Z"),
            Ok(Command::Now(Some(NowArg::At(_))))
        ));
        assert_eq!(parse(".now datetime(2026-11-25)"), parse(".now 2026-11-25"));
        assert_eq!(parse(".format csv"), Ok(Command::Format(Some(Format::Csv))));
        assert_eq!(parse(".format"), Ok(Command::Format(None)));
        assert_eq!(parse(".maxrows 1_000"), Ok(Command::MaxRows(Some(1000))));
        assert_eq!(parse(".timing off"), Ok(Command::Timing(Some(false))));
        assert_eq!(parse(".run q.kql"), Ok(Command::Run("q.kql".into())));
        assert_eq!(parse(".save out.csv"), Ok(Command::Save("out.csv".into())));
        assert_eq!(parse(".quit"), Ok(Command::Quit));
    }

    #[test]
    fn bad_commands_say_how_to_use_them() {
        assert_eq!(parse(".schema"), Err("usage: .schema NAME".into()));
        assert_eq!(parse(".maxrows lots"), Err("usage: .maxrows N".into()));
        assert_eq!(parse(".maxrows 0"), Err("usage: .maxrows N".into()));
        assert_eq!(
            parse(".format xml"),
            Err("usage: .format table|json|ndjson|csv|tsv|markdown".into())
        );
        assert_eq!(
            parse(".format md"),
            Ok(Command::Format(Some(Format::Markdown)))
        );
        assert_eq!(
            parse(".format JSONL"),
            Ok(Command::Format(Some(Format::Ndjson)))
        );
        assert_eq!(
            parse(".now yesterday"),
            Err("usage: .now [DATETIME|clear]".into())
        );
        assert_eq!(
            parse(".load a b"),
            Err("usage: .load PATH [as NAME]".into())
        );
        assert_eq!(parse(".tables x"), Err("usage: .tables".into()));
        assert_eq!(parse(".forget a b"), Err("usage: .forget [NAME]".into()));
        assert_eq!(
            parse(".frobnicate"),
            Err("unknown command `.frobnicate` (.help lists the commands)".into())
        );
        assert_eq!(parse(".load 'open"), Err("unclosed ' in `'open`".into()));
    }

    #[test]
    fn help_lists_every_command() {
        let help = help();
        for (name, _, _) in COMMANDS {
            assert!(help.contains(name), "{name}");
        }
    }
}
