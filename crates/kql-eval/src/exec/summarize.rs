//! `summarize`: groups in order of first appearance, each with its aggregates' states.

use std::sync::Arc;

use indexmap::IndexMap;

use crate::aggregate::{AggState, BoundAggregate};
use crate::error::Error;
use crate::expr::{BExpr, Datum};
use crate::source::BatchStream;
use crate::value::Value;

/// A fast hasher: keys are short, and not chosen by whoever could profit from collisions.
type Groups = IndexMap<Vec<Value>, Vec<AggState>, foldhash::fast::FixedState>;

/// The result rows of `summarize`: each group's keys then its aggregates' values.
pub(super) fn summarize(
    stream: BatchStream,
    keys: &[BExpr],
    aggregates: &[BoundAggregate],
) -> Result<Vec<Vec<Value>>, Error> {
    let mut groups = Groups::default();
    let mut probe: Vec<Value> = Vec::with_capacity(keys.len());
    let mut by_code = CodeGroups::default();
    for b in stream {
        let b = b?;
        let key_data: Vec<Datum> = keys.iter().map(|k| k.eval(&b)).collect::<Result<_, _>>()?;
        let arg_data: Vec<Vec<Datum>> = aggregates
            .iter()
            .map(|a| a.args.iter().map(|e| e.eval(&b)).collect::<Result<_, _>>())
            .collect::<Result<_, _>>()?;
        let dict_key = match key_data.as_slice() {
            [Datum::Column(c)] => c.as_dict(),
            _ => None,
        };
        if let Some((dict, _)) = dict_key {
            by_code.use_dictionary(dict);
        }
        let mut args: Vec<&Value> = Vec::new();
        for r in 0..b.len {
            let at = match dict_key {
                // one dictionary-encoded key: each distinct value is looked up once
                Some((dict, codes)) => {
                    let code = codes[r] as usize;
                    match by_code.groups[code] {
                        Some(at) => at,
                        None => {
                            probe.clear();
                            probe.push(dict[code].clone());
                            let at = group_of(&mut groups, &probe, aggregates);
                            by_code.groups[code] = Some(at);
                            at
                        }
                    }
                }
                None => {
                    // look the key up without allocating; only a new group stores a copy
                    probe.clear();
                    probe.extend(key_data.iter().map(|d| d.get(r).clone()));
                    group_of(&mut groups, &probe, aggregates)
                }
            };
            let states = &mut groups[at];
            for ((agg, data), state) in aggregates.iter().zip(&arg_data).zip(states.iter_mut()) {
                args.clear();
                args.extend(data.iter().map(|d| d.get(r)));
                agg.update(state, &args);
            }
        }
    }
    // no `by`: one row even over empty input, with the aggregates' defaults
    if keys.is_empty() && groups.is_empty() && !aggregates.is_empty() {
        groups.insert(
            Vec::new(),
            aggregates.iter().map(|a| a.new_state()).collect(),
        );
    }
    Ok(groups
        .into_iter()
        .map(|(mut key, states)| {
            for (agg, state) in aggregates.iter().zip(states) {
                key.extend(agg.finish(state));
            }
            key
        })
        .collect())
}

/// The index of the group of `key`, made with fresh states if new.
fn group_of(groups: &mut Groups, key: &[Value], aggregates: &[BoundAggregate]) -> usize {
    match groups.get_index_of(key) {
        Some(at) => at,
        None => {
            let states = aggregates.iter().map(|a| a.new_state()).collect();
            groups.insert_full(key.to_vec(), states).0
        }
    }
}

/// The group of each code of a key column's dictionary, as far as seen (the batches of a table
/// in memory share one dictionary, so this carries over from batch to batch).
#[derive(Default)]
struct CodeGroups {
    dict: Option<Arc<Vec<Value>>>,
    groups: Vec<Option<usize>>,
}

impl CodeGroups {
    fn use_dictionary(&mut self, dict: &Arc<Vec<Value>>) {
        if !self.dict.as_ref().is_some_and(|d| Arc::ptr_eq(d, dict)) {
            self.dict = Some(dict.clone());
            self.groups = vec![None; dict.len()];
        }
    }
}
