//! Slice plans: `whole` (one slice), `layers` (DSperse's cut: each layer with parameters
//! plus the activations, pools and reshapes that follow it), or explicit cut points.
//! A slice is a contiguous run of layers; its inputs are the values live at its start and
//! its outputs those live at its end (one each, unless a cut crosses a skip connection),
//! so slice i+1's input is exactly slice i's (proven, integer) output.

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
    /// Value id of its first input (the only one unless the cut crosses a skip
    /// connection; see `inputs`).
    pub input: usize,
    /// Value id of its first output (see `outputs`).
    pub output: usize,
    /// Every value live at the slice's start, ascending: its public input is their
    /// concatenation. Slice i+1's inputs are exactly slice i's outputs.
    pub inputs: Vec<usize>,
    /// Every value live at the slice's end (produced in it, or passed through from its
    /// inputs for a later slice), ascending: its public output is their concatenation.
    pub outputs: Vec<usize>,
}

impl Slice {
    /// Length of the public input (all inputs).
    pub fn input_len(&self, model: &Model) -> usize {
        self.inputs.iter().map(|&v| model.len_of(v)).sum()
    }

    /// Length of the public output (all outputs).
    pub fn output_len(&self, model: &Model) -> usize {
        self.outputs.iter().map(|&v| model.len_of(v)).sum()
    }
}

/// The values live at cut `c`: produced before layer `c` (or the model input) and read
/// by a layer at or after `c`, or the model output; ascending.
fn live(model: &Model, c: usize) -> Vec<usize> {
    let n = model.layers.len();
    if c >= n {
        return vec![model.output];
    }
    let produced_before = |v: usize| v == 0 || model.layers[..c].iter().any(|l| l.output == v);
    let mut v: Vec<usize> = model.layers[c..]
        .iter()
        .flat_map(|l| l.inputs.iter().copied())
        .chain(std::iter::once(model.output))
        .filter(|&v| produced_before(v))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Cuts the model by `plan`. A cut across a skip connection gives a slice several inputs
/// and outputs: every value live at a cut is an output of the slice before and an input
/// of the slice after (passed through unchanged where that slice does not use it), so the
/// chain stays linear and each boundary tensor is chained exactly from its producer.
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
        let (inputs, outputs) = (live(model, s), live(model, e));
        let (Some(&input), Some(&output)) = (inputs.first(), outputs.first()) else {
            return Err(BlueprintError::Slices(format!(
                "slice {index} (layers {s}..{e}) has no input or no output"
            )));
        };
        slices.push(Slice {
            index,
            layers: s..e,
            input,
            output,
            inputs,
            outputs,
        });
    }
    Ok(slices)
}
