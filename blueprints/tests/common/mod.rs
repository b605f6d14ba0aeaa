//! Shared by the blueprint tests: one-op ONNX models built with onnx-rs's encoder, random
//! vectors, and the verifier's expected weights commitment, computed from the weights
//! themselves (never taken from the proof).
#![allow(dead_code, reason = "each test binary uses a different part")]

use circuits::Circuit;
use circuits::random::Rng;
use onnx_rs::ast::*;
use prover::{Field, Goldilocks};

/// The transparent commitment of `weights` in `circuit`'s weights region, or `None` for a
/// circuit without one (what `Statement::weights_commitment` expects).
/// The weights commitment of `weights` as the region holds them (`Program::layout_weights`).
pub fn expected_weights(circuit: &Circuit, weights: &[i64]) -> Option<[u8; 32]> {
    let w: Vec<Goldilocks> = weights.iter().map(|&v| Goldilocks::from_i64(v)).collect();
    prover::transparent_weights_commitment(circuit, &w)
}

pub fn value_info<'a>(name: &'a str, dims: &[i64]) -> ValueInfo<'a> {
    ValueInfo {
        name,
        r#type: Some(TypeProto {
            value: Some(TypeValue::Tensor(TensorTypeProto {
                elem_type: DataType::Float,
                shape: Some(TensorShape {
                    dim: dims
                        .iter()
                        .map(|&d| TensorShapeDimension {
                            value: Dimension::Value(d),
                            denotation: "",
                        })
                        .collect(),
                }),
            })),
            denotation: "",
        }),
        ..Default::default()
    }
}

pub fn attr_ints<'a>(name: &'a str, v: Vec<i64>) -> Attribute<'a> {
    Attribute {
        name,
        r#type: AttributeType::Ints,
        ints: v,
        ..Default::default()
    }
}

pub fn attr_int(name: &str, v: i64) -> Attribute<'_> {
    Attribute {
        name,
        r#type: AttributeType::Int,
        i: v,
        ..Default::default()
    }
}

pub fn onnx(
    nodes: Vec<Node<'_>>,
    inits: Vec<TensorProto<'_>>,
    input: &[i64],
    output: &[i64],
) -> Vec<u8> {
    let model = onnx_rs::ast::Model {
        ir_version: 8,
        opset_import: vec![OperatorSetId {
            domain: "",
            version: 13,
        }],
        graph: Some(Graph {
            name: "t",
            node: nodes,
            initializer: inits,
            input: vec![value_info("x", input)],
            output: vec![value_info("y", output)],
            ..Default::default()
        }),
        ..Default::default()
    };
    onnx_rs::encode(&model)
}

pub fn node<'a>(
    op: OpType<'a>,
    name: &'a str,
    input: Vec<&'a str>,
    output: &'a str,
    attribute: Vec<Attribute<'a>>,
) -> Node<'a> {
    Node {
        op_type: op,
        name,
        input,
        output: vec![output],
        attribute,
        ..Default::default()
    }
}

pub fn rand_vec(rng: &mut Rng, n: usize, scale: f64) -> Vec<f32> {
    (0..n)
        .map(|_| ((rng.below(1 << 20) as f64 / f64::from(1u32 << 20) * 2.0 - 1.0) * scale) as f32)
        .collect()
}
