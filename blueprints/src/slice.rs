//! Slice plans: `whole` (one slice), `layers` (DSperse's cut: each layer with parameters
//! plus the activations, pools and reshapes that follow it), or explicit cut points.
//! A slice is a contiguous run of layers with one input value and one output value; slice
//! i+1's input is slice i's (proven, integer) output.

use crate::model::Model;
use crate::{BlueprintError, Result};
use std::ops::Range;
use std::str::FromStr;

/// How to cut a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlicePlan {
    /// One slice.
    Whole,
    /// A slice starting at every layer with parameters.
    Layers,
    /// Slices starting at these layer indices (besides 0), ascending.
    Cuts(Vec<usize>),
}

impl FromStr for SlicePlan {
    type Err = BlueprintError;
    fn from_str(s: &str) -> Result<SlicePlan> {
        match s {
            "whole" => Ok(SlicePlan::Whole),
            "layers" => Ok(SlicePlan::Layers),
            _ => s
                .split(',')
                .map(|t| {
                    t.trim().parse::<usize>().map_err(|_| {
                        BlueprintError::Slices(format!(
                            "'{s}' is not whole, layers, or a comma-separated list of layer indices"
                        ))
                    })
                })
                .collect::<Result<Vec<_>>>()
                .map(SlicePlan::Cuts),
        }
    }
}

/// One slice of a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slice {
    /// Position in the plan.
    pub index: usize,
    /// Layer indices.
    pub layers: Range<usize>,
    /// Value id of its input.
    pub input: usize,
    /// Value id of its output.
    pub output: usize,
}

/// Cuts the model by `plan`, checking each slice has exactly one input and one output.
pub fn plan(model: &Model, plan: &SlicePlan) -> Result<Vec<Slice>> {
    let n = model.layers.len();
    let mut starts: Vec<usize> = match plan {
        SlicePlan::Whole => vec![0],
        SlicePlan::Layers => std::iter::once(0)
            .chain((1..n).filter(|&i| model.layers[i].has_params()))
            .collect(),
        SlicePlan::Cuts(c) => std::iter::once(0).chain(c.iter().copied()).collect(),
    };
    starts.dedup();
    if starts.windows(2).any(|w| w[0] >= w[1]) || starts.last().is_some_and(|&s| s >= n) {
        return Err(BlueprintError::Slices(format!(
            "cut points {starts:?} must be increasing layer indices below {n}"
        )));
    }
    let mut slices = Vec::with_capacity(starts.len());
    for (index, &s) in starts.iter().enumerate() {
        let e = starts.get(index + 1).copied().unwrap_or(n);
        let produced: Vec<usize> = model.layers[s..e].iter().map(|l| l.output).collect();
        let mut external: Vec<usize> = model.layers[s..e]
            .iter()
            .flat_map(|l| l.inputs.iter().copied())
            .filter(|v| !produced.contains(v))
            .collect();
        external.sort_unstable();
        external.dedup();
        let [input] = external[..] else {
            return Err(BlueprintError::Slices(format!(
                "slice {index} (layers {s}..{e}) reads {} values from outside; a slice needs exactly one input",
                external.len()
            )));
        };
        let output = model.layers[e - 1].output;
        let leaks = model.layers[e..]
            .iter()
            .flat_map(|l| l.inputs.iter())
            .any(|v| produced.contains(v) && *v != output);
        if leaks || (e == n && output != model.output) {
            return Err(BlueprintError::Slices(format!(
                "slice {index} (layers {s}..{e}) has more than one output used later"
            )));
        }
        slices.push(Slice {
            index,
            layers: s..e,
            input,
            output,
        });
    }
    Ok(slices)
}
