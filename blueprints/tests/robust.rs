//! Bad input gets an error, never a panic or an unbounded allocation: extreme attribute
//! and parameter values on every op, and seeded byte mutations of real models.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use blueprints::{Model, QuantConfig};
use circuits::random::Rng;
use common::*;
use onnx_rs::ast::*;

fn cfg() -> QuantConfig {
    QuantConfig::new(12, (-1.0, 1.0)).unwrap()
}

const BIG: i64 = i64::MAX;
const SMALL: i64 = i64::MIN;

#[test]
fn extreme_attributes_and_parameters_are_errors() {
    let pool = |k: Vec<i64>, extra: Vec<Attribute<'static>>| {
        let mut a = vec![attr_ints("kernel_shape", k)];
        a.extend(extra);
        vec![node(OpType::MaxPool, "p", vec!["x"], "y", a)]
    };
    let mut cases: Vec<(Vec<Node<'static>>, Vec<TensorProto<'static>>)> = vec![
        (pool(vec![BIG, BIG], vec![]), vec![]),
        (
            pool(vec![2, 2], vec![attr_ints("pads", vec![BIG, 0, BIG, 0])]),
            vec![],
        ),
        (
            pool(vec![2, 2], vec![attr_ints("strides", vec![0, 1])]),
            vec![],
        ),
        (
            pool(vec![2, 2], vec![attr_ints("dilations", vec![BIG, 1])]),
            vec![],
        ),
        (
            pool(
                vec![2, 2],
                vec![attr_ints("pads", vec![1 << 20, 1 << 20, 1 << 20, 1 << 20])],
            ),
            vec![],
        ),
        (
            vec![node(
                OpType::Conv,
                "c",
                vec!["x", "W"],
                "y",
                vec![attr_int("group", BIG)],
            )],
            vec![TensorProto::from_f32("W", vec![2, 2, 1, 1], vec![0.1; 4])],
        ),
        (
            vec![node(OpType::Reshape, "r", vec!["x", "S"], "y", vec![])],
            vec![TensorProto::from_i64("S", vec![3], vec![BIG, BIG, -1])],
        ),
        (
            vec![node(OpType::Pad, "p", vec!["x", "P"], "y", vec![])],
            vec![TensorProto::from_i64(
                "P",
                vec![8],
                vec![0, 0, 0, SMALL, 0, 0, 0, BIG],
            )],
        ),
        (
            vec![node(OpType::Pad, "p", vec!["x", "P"], "y", vec![])],
            vec![TensorProto::from_i64(
                "P",
                vec![8],
                vec![0, 0, 1 << 20, 1 << 20, 0, 0, 0, 0],
            )],
        ),
        (
            vec![Node {
                op_type: OpType::Split,
                name: "s",
                input: vec!["x", "S"],
                output: vec!["y", "z"],
                ..Default::default()
            }],
            vec![TensorProto::from_i64("S", vec![2], vec![BIG, BIG])],
        ),
        (
            vec![node(
                OpType::Slice,
                "s",
                vec!["x", "A", "B", "C", "D"],
                "y",
                vec![],
            )],
            vec![
                TensorProto::from_i64("A", vec![1], vec![SMALL]),
                TensorProto::from_i64("B", vec![1], vec![BIG]),
                TensorProto::from_i64("C", vec![1], vec![SMALL]),
                TensorProto::from_i64("D", vec![1], vec![SMALL]),
            ],
        ),
        (
            vec![node(
                OpType::Gather,
                "g",
                vec!["x", "I"],
                "y",
                vec![attr_int("axis", BIG)],
            )],
            vec![TensorProto::from_i64("I", vec![1], vec![SMALL])],
        ),
        (
            vec![
                node(OpType::ConstantOfShape, "c", vec!["S"], "k", vec![]),
                node(OpType::Add, "a", vec!["x", "k"], "y", vec![]),
            ],
            vec![TensorProto::from_i64("S", vec![2], vec![1 << 40, 1 << 40])],
        ),
        (
            vec![node(OpType::Add, "a", vec!["x", "K"], "y", vec![])],
            vec![TensorProto::from_f32(
                "K",
                vec![1 << 14, 1, 1, 1],
                vec![0.0; 1 << 14],
            )],
        ),
        (
            vec![node(
                OpType::Transpose,
                "t",
                vec!["x"],
                "y",
                vec![attr_ints("perm", vec![BIG, 0, 1, 2])],
            )],
            vec![],
        ),
        (
            vec![node(OpType::Unsqueeze, "u", vec!["x", "A"], "y", vec![])],
            vec![TensorProto::from_i64("A", vec![2], vec![SMALL, BIG])],
        ),
    ];
    // A broadcast far beyond what lamina builds: [1,1,1,4] with [2^12, 2^12, 1, 1]
    // (the constant's data exists, the product would not).
    cases.push((
        vec![node(OpType::Mul, "m", vec!["x", "K"], "y", vec![])],
        vec![TensorProto::from_f32(
            "K",
            vec![1 << 12, 1 << 12, 1, 1],
            vec![0.5; 1 << 24],
        )],
    ));
    for (i, (nodes, inits)) in cases.into_iter().enumerate() {
        let r = Model::from_onnx(&onnx(nodes, inits, &[1, 2, 4, 4], &[1, 2, 4, 4]), cfg());
        assert!(r.is_err(), "case {i} imported");
    }
}

#[test]
fn mutated_models_never_panic() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/ops");
    let mut rng = Rng::new(99);
    let mut ok = 0;
    for case in [
        "residual_add",
        "wiring",
        "shape_chain_flatten",
        "global_pools",
        "conv1d",
    ] {
        let bytes = std::fs::read(dir.join(case).join("model.onnx")).unwrap();
        for _ in 0..300 {
            let mut b = bytes.clone();
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(b.len() as u64) as usize;
                b[i] = rng.below(256) as u8;
            }
            ok += usize::from(Model::from_onnx(&b, cfg()).is_ok());
        }
    }
    // Most single-byte changes hit weights and still import; the rest are errors.
    assert!(ok > 0);
}
