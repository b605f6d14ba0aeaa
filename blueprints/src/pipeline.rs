//! Per slice: the circuit program (public input, weights, layers, outputs), the weights in
//! region order, and the witness (integer forward pass and hints), solved and checked.

use crate::model::Model;
use crate::slice::Slice;
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Program, SolvedWitness, Var};
use std::collections::HashMap;

/// The value id of the model's input.
pub const MODEL_INPUT: usize = 0;

/// A slice's program and weights.
#[derive(Debug)]
pub struct SliceProgram {
    /// The slice.
    pub slice: Slice,
    /// Its program.
    pub program: Program,
}

/// Builds the program of a slice: its input is public, the layers' parameters are weights
/// (in layer order), its output is the public output. The model's input (slice 0's) is
/// range-checked against the declared input range in the circuit; later slices' inputs
/// are earlier slices' proven outputs, which the verifier chains exactly.
pub fn build(model: &Model, slice: &Slice) -> Result<SliceProgram> {
    build_with(model, slice, Builder::new())
}

/// [`build`] into a given builder: [`Builder::gates_only`] makes every convolution and
/// matrix product gates instead of structured blocks.
pub fn build_with(model: &Model, slice: &Slice, builder: Builder) -> Result<SliceProgram> {
    let mut b = builder;
    let mut vars: HashMap<usize, Vec<Var>> = HashMap::new();
    for &v in &slice.inputs {
        let input = b.public_inputs(model.len_of(v));
        if v == MODEL_INPUT {
            crate::layers::input::emit_range(&mut b, &input, model.quant.input_limits());
        }
        vars.insert(v, input);
    }
    for k in slice.layers.clone() {
        let l = &model.layers[k];
        let w = b.weights(l.bp.weights().len());
        let out = {
            let ins: Vec<&[Var]> = l
                .inputs
                .iter()
                .map(|i| vars.get(i).map_or(&[][..], Vec::as_slice))
                .collect();
            l.bp.emit(&mut b, &ins, &w, k as u32)?
        };
        vars.insert(l.output, out);
    }
    // Each public output needs its own variable: wiring may repeat one (Gather with
    // repeated indices) or hand back an input variable (a pass-through or a reshape of
    // the input).
    let mut seen: std::collections::HashSet<Var> = slice
        .inputs
        .iter()
        .flat_map(|i| vars.get(i).cloned().unwrap_or_default())
        .collect();
    for o in &slice.outputs {
        for &v in vars.get(o).map_or(&[][..], Vec::as_slice) {
            let v = if seen.insert(v) {
                v
            } else {
                b.lin(&[(1, v)], 0)
            };
            b.output(v);
        }
    }
    let program = b.finish().map_err(|source| BlueprintError::Compile {
        slice: slice.index,
        source,
    })?;
    Ok(SliceProgram {
        slice: slice.clone(),
        program,
    })
}

/// The weights of a slice, in the order its program declares them.
pub fn weights(model: &Model, slice: &Slice) -> Vec<i64> {
    slice
        .layers
        .clone()
        .flat_map(|k| model.layers[k].bp.weights().iter().copied())
        .collect()
}

/// The integer forward pass of a slice from its public input (its inputs concatenated):
/// its public output (its outputs concatenated) and the hints, in program order.
pub fn forward(model: &Model, slice: &Slice, input: &[i64]) -> Result<(Vec<i64>, Vec<i64>)> {
    let mut hints = Vec::new();
    if input.len() != slice.input_len(model) {
        return Err(BlueprintError::Slices(format!(
            "slice {} takes {} input values, got {}",
            slice.index,
            slice.input_len(model),
            input.len()
        )));
    }
    let mut vals: HashMap<usize, Vec<i64>> = HashMap::new();
    let mut at = 0;
    for &v in &slice.inputs {
        let n = model.len_of(v);
        vals.insert(v, input[at..at + n].to_vec());
        at += n;
    }
    for k in slice.layers.clone() {
        let l = &model.layers[k];
        let out = {
            let ins: Vec<&[i64]> = l
                .inputs
                .iter()
                .map(|i| vals.get(i).map_or(&[][..], Vec::as_slice))
                .collect();
            l.bp.int(&ins, &mut hints)?
        };
        vals.insert(l.output, out);
    }
    let out = slice
        .outputs
        .iter()
        .flat_map(|o| vals.get(o).cloned().unwrap_or_default())
        .collect();
    Ok((out, hints))
}

/// The witness of a slice: forward pass, then the solver (derived hints, every constraint
/// checked by label). Returns the solved input layer and the integer output.
pub fn witness(
    model: &Model,
    slice: &Slice,
    program: &Program,
    weights: &[i64],
    input: &[i64],
) -> Result<(SolvedWitness, Vec<i64>)> {
    let (out, hints) = forward(model, slice, input)?;
    let w = program
        .solve(input, weights, &hints)
        .map_err(|source| BlueprintError::Solve {
            slice: slice.index,
            source,
        })?;
    Ok((w, out))
}
