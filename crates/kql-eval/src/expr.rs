//! Bound scalar expressions and their vectorised evaluation over a batch.

use std::fmt;
use std::sync::Arc;

use kql_parser::Span;

use crate::batch::{Batch, Column, ColumnData, column};
use crate::types::Type;
use crate::value::Value;

/// A scalar function after binding: constant arguments (regexes, sets) are already prepared.
pub type ScalarFn = Arc<dyn Fn(&[&Value]) -> Value + Send + Sync>;

/// A scalar expression with names resolved to column indices and its type known.
#[derive(Clone)]
pub struct BExpr {
    pub kind: BKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone)]
pub enum BKind {
    Const(Value),
    Column(usize),
    /// A value kql cannot compute offline (a Kusto service function): binding succeeds, and
    /// evaluating it over any row is this error.
    Unavailable(Box<crate::error::Error>),
    /// `f(args)`, evaluated row by row over the argument columns.
    Apply {
        name: &'static str,
        f: ScalarFn,
        args: Vec<BExpr>,
        /// The columns it reads, known when it is bound.
        reads: Reads,
    },
}

/// The columns an expression reads, as far as evaluating it once per distinct value of a
/// dictionary-encoded column goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    Nothing,
    One(usize),
    /// Several columns, or something evaluated per row whatever its arguments (`rand()`, a
    /// service function).
    PerRow,
}

impl Reads {
    fn and(self, other: Reads) -> Reads {
        match (self, other) {
            (Reads::Nothing, r) | (r, Reads::Nothing) => r,
            (Reads::One(a), Reads::One(b)) if a == b => Reads::One(a),
            _ => Reads::PerRow,
        }
    }
}

impl fmt::Debug for BExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BKind::Const(v) => write!(f, "{v:?}:{}", self.ty),
            BKind::Column(i) => write!(f, "#{i}:{}", self.ty),
            BKind::Unavailable(e) => write!(f, "unavailable({}):{}", e.message, self.ty),
            BKind::Apply { name, args, .. } => write!(f, "{name}{args:?}:{}", self.ty),
        }
    }
}

impl BExpr {
    pub fn constant(value: Value, ty: Type, span: Span) -> BExpr {
        BExpr {
            kind: BKind::Const(value),
            ty,
            span,
        }
    }

    pub fn column(index: usize, ty: Type, span: Span) -> BExpr {
        BExpr {
            kind: BKind::Column(index),
            ty,
            span,
        }
    }

    pub fn apply(name: &'static str, f: ScalarFn, args: Vec<BExpr>, ty: Type, span: Span) -> BExpr {
        let reads = if VOLATILE.contains(&name) {
            Reads::PerRow
        } else {
            args.iter().fold(Reads::Nothing, |r, a| r.and(a.reads()))
        };
        BExpr {
            kind: BKind::Apply {
                name,
                f,
                args,
                reads,
            },
            ty,
            span,
        }
    }

    fn reads(&self) -> Reads {
        match &self.kind {
            BKind::Const(_) => Reads::Nothing,
            BKind::Column(i) => Reads::One(*i),
            BKind::Unavailable(_) => Reads::PerRow,
            BKind::Apply { reads, .. } => *reads,
        }
    }

    pub fn as_const(&self) -> Option<&Value> {
        match &self.kind {
            BKind::Const(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the expression reads no column (so it can be evaluated once).
    pub fn is_constant(&self) -> bool {
        match &self.kind {
            BKind::Const(_) => true,
            BKind::Column(_) | BKind::Unavailable(_) => false,
            BKind::Apply { name, args, .. } => {
                !VOLATILE.contains(name) && args.iter().all(BExpr::is_constant)
            }
        }
    }

    /// Evaluates the expression for every row of `batch`.
    pub fn eval(&self, batch: &Batch) -> Result<Datum, crate::error::Error> {
        match self.eval_over_dictionary(batch) {
            Some(over_dict) => over_dict,
            None => self.eval_rows(batch),
        }
    }

    /// An expression reading one dictionary-encoded column, evaluated once for each distinct
    /// value the batch holds, in the order the rows first hold them (so the first error is
    /// the one the rows would raise). `None` where that would not pay.
    fn eval_over_dictionary(&self, batch: &Batch) -> Option<Result<Datum, crate::error::Error>> {
        let BKind::Apply {
            reads: Reads::One(read),
            ..
        } = self.kind
        else {
            return None;
        };
        let (dict, codes) = batch.columns.get(read)?.as_dict()?;
        if dict.len() * 2 > batch.len {
            return None;
        }
        // the batch's own distinct values, and its codes into them
        let mut position = vec![u32::MAX; dict.len()];
        let mut held: Vec<Value> = Vec::new();
        let codes: Vec<u32> = codes
            .iter()
            .map(|&code| {
                let at = &mut position[code as usize];
                if *at == u32::MAX {
                    *at = held.len() as u32;
                    held.push(dict[code as usize].clone());
                }
                *at
            })
            .collect();
        let mut columns = batch.columns.clone();
        let len = held.len();
        columns[read] = column(held);
        // the other columns are never read: the batch only needs the values' count
        let distinct = Batch {
            schema: batch.schema.clone(),
            columns,
            len,
        };
        Some(self.eval_rows(&distinct).map(|result| {
            let values = match result {
                Datum::Column(values) => ColumnData::into_values(values),
                Datum::Scalar(v) => vec![v; len],
            };
            Datum::Column(Arc::new(ColumnData::Dict {
                dict: Arc::new(values),
                codes,
            }))
        }))
    }

    fn eval_rows(&self, batch: &Batch) -> Result<Datum, crate::error::Error> {
        Ok(match &self.kind {
            BKind::Const(v) => Datum::Scalar(v.clone()),
            BKind::Column(i) => Datum::Column(batch.columns[*i].clone()),
            BKind::Unavailable(e) if batch.len > 0 => return Err(e.as_ref().clone()),
            BKind::Unavailable(_) => Datum::Scalar(Value::missing(self.ty)),
            BKind::Apply { name, f, args, .. } => {
                let args: Vec<Datum> = args
                    .iter()
                    .map(|a| a.eval(batch))
                    .collect::<Result<_, _>>()?;
                if !VOLATILE.contains(name) && args.iter().all(|a| matches!(a, Datum::Scalar(_))) {
                    let refs: Vec<&Value> = args.iter().map(|a| a.get(0)).collect();
                    let v = f(&refs);
                    if let Some(e) = take_row_error(self.span) {
                        return Err(e);
                    }
                    return Ok(Datum::Scalar(v));
                }
                let mut out = Vec::with_capacity(batch.len);
                let mut refs: Vec<&Value> = Vec::with_capacity(args.len());
                for r in 0..batch.len {
                    refs.clear();
                    refs.extend(args.iter().map(|a| a.get(r)));
                    out.push(f(&refs));
                }
                if let Some(e) = take_row_error(self.span) {
                    return Err(e);
                }
                Datum::Column(column(out))
            }
        })
    }

    /// Evaluates an expression that reads no column, as for a single row.
    pub fn eval_const(&self) -> Result<Value, crate::error::Error> {
        let empty = Batch::new(Arc::default(), Vec::new(), 1);
        Ok(self.eval(&empty)?.get(0).clone())
    }
}

/// The most bytes one string value may hold (`strrep` and friends refuse to make more): past
/// it a query fails with `kql::limit::value_size` instead of exhausting memory.
pub const MAX_STRING_BYTES: usize = 256 << 20;

thread_local! {
    /// The first error a scalar function raised while evaluating the current expression.
    static ROW_ERROR: std::cell::RefCell<Option<crate::error::Error>> =
        const { std::cell::RefCell::new(None) };
}

/// Fails the expression being evaluated with `error` (scalar functions return a value, not a
/// `Result`: they call this and return any value). The first error of an expression wins; it
/// gets the expression's span unless it has one.
pub fn fail_row(error: crate::error::Error) {
    ROW_ERROR.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_none() {
            *slot = Some(error);
        }
    });
}

/// The error raised by [`fail_row`] since the last call, at `span` unless it has its own.
fn take_row_error(span: Span) -> Option<crate::error::Error> {
    let e = ROW_ERROR.with(|slot| slot.borrow_mut().take())?;
    Some(if e.span.is_some() {
        e
    } else {
        e.with_span(span)
    })
}

/// The result of evaluating an expression over a batch: a column, or one value for all rows.
pub enum Datum {
    Scalar(Value),
    Column(Column),
}

impl Datum {
    pub fn get(&self, row: usize) -> &Value {
        match self {
            Datum::Scalar(v) => v,
            Datum::Column(c) => &c[row],
        }
    }

    /// The datum as a column of `len` rows.
    pub fn into_column(self, len: usize) -> Column {
        match self {
            Datum::Column(c) => c,
            Datum::Scalar(v) => column(vec![v; len]),
        }
    }
}

/// Functions that give a new value on every call: never folded, evaluated per row.
const VOLATILE: [&str; 2] = ["rand", "new_guid"];
