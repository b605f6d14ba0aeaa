//! The JSON the commands return (and the CLI prints with `--json`): per-slice circuit
//! figures and the helpers the reports share. Field names are a contract with scripts
//! (DESIGN.md): they change only with a version bump.

use crate::engine::CompiledSlice;
use blueprints::Model;
use serde_json::{Value, json};

/// A value's shape as JSON.
pub fn shape(model: &Model, value: usize) -> Value {
    json!(model.shapes[value])
}

/// A compiled slice's figures: index, layers, shapes, circuit statistics.
pub fn slice_json(model: &Model, cs: &CompiledSlice) -> Value {
    let s = &cs.stats;
    json!({
        "index": cs.slice.index,
        "model_layers": model.layers[cs.slice.layers.clone()].iter().map(|l| format!("{}:{}", l.bp.kind(), l.name)).collect::<Vec<_>>(),
        "input_shape": shape(model, cs.slice.input),
        "output_shape": shape(model, cs.slice.output),
        // A slice may read and write several boundary tensors (a residual block cut in
        // the middle): its public input and output are their concatenations, in order.
        "input_shapes": cs.slice.inputs.iter().map(|&v| shape(model, v)).collect::<Vec<_>>(),
        "output_shapes": cs.slice.outputs.iter().map(|&v| shape(model, v)).collect::<Vec<_>>(),
        "layers": s.layers,
        "gates": {"mul": s.mul_gates, "add": s.add_gates, "const": s.const_gates},
        "widest_layer": s.widest_layer,
        "range_checks": s.range_checks,
        "macs": crate::engine::slice_macs(model, &cs.slice),
        "circuit_bytes": cs.circuit_bytes.len(),
    })
}

/// Integers at scale 2^`bits` as reals.
pub fn dequantize(v: &[i64], bits: u32) -> Vec<f64> {
    v.iter()
        .map(|&x| x as f64 / f64::from(1u32 << bits))
        .collect()
}
