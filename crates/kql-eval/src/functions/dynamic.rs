//! Functions over dynamic values (arrays and property bags).

use std::sync::Arc;

use super::{Bound, Call};
use crate::error::Error;
use crate::operators::text;
use crate::types::Type;
use crate::value::Value;

fn json(v: &Value) -> serde_json::Value {
    v.to_json()
}

/// Binds the dynamic function `name`, or `None` if it is not one.
pub fn bind(name: &str, call: &Call) -> Option<Result<Bound, Error>> {
    let result = (|| -> Result<Option<Bound>, Error> {
        let bound: Bound = match name {
            "array_length" => {
                call.arity(1, 1)?;
                (
                    "array_length",
                    Type::Long,
                    Box::new(|a: &[&Value]| match a[0] {
                        Value::Dynamic(d) => d
                            .as_array()
                            .map_or(Value::Null, |x| Value::Long(x.len() as i64)),
                        _ => Value::Null,
                    }),
                )
            }
            "bag_keys" => {
                call.arity(1, 1)?;
                (
                    "bag_keys",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| match a[0] {
                        Value::Dynamic(d) => d.as_object().map_or(Value::Null, |o| {
                            Value::Dynamic(Arc::new(serde_json::Value::Array(
                                o.keys()
                                    .map(|k| serde_json::Value::String(k.clone()))
                                    .collect(),
                            )))
                        }),
                        _ => Value::Null,
                    }),
                )
            }
            "pack_array" => {
                call.arity(1, usize::MAX)?;
                (
                    "pack_array",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| {
                        Value::Dynamic(Arc::new(serde_json::Value::Array(
                            a.iter().map(|v| json(v)).collect(),
                        )))
                    }),
                )
            }
            "bag_pack" | "pack" | "pack_dictionary" => {
                if !call.args.len().is_multiple_of(2) {
                    return Err(Error::at(
                        "kql::bind::arity",
                        call.span,
                        format!("`{name}` takes key/value pairs"),
                    ));
                }
                (
                    "bag_pack",
                    Type::Dynamic,
                    Box::new(|a: &[&Value]| {
                        let mut map = serde_json::Map::new();
                        for pair in a.chunks(2) {
                            map.insert(text(pair[0]).into_owned(), json(pair[1]));
                        }
                        Value::Dynamic(Arc::new(serde_json::Value::Object(map)))
                    }),
                )
            }
            _ => return Ok(None),
        };
        Ok(Some(bound))
    })();
    result.transpose()
}
