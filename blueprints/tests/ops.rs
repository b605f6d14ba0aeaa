//! Every op against onnxruntime, not against ourselves: the small models of
//! `testdata/ops` (one feature each, made by `testdata/ops/make_ops.py` with onnxruntime's
//! outputs) are imported from their files (external data beside them), the float
//! reference compared with onnxruntime's values, the integer semantics compared with them
//! within the quantization error, the circuit solved (circuit == integer reference),
//! proven and verified, and a wrong output rejected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use blueprints::{Model, QuantConfig, SlicePlan, pipeline, slice};
use prover::{Field, Goldilocks, Statement};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/ops")
}

struct Case {
    in_dims: Vec<usize>,
    x: Vec<f64>,
    out_dims: Vec<usize>,
    expected: Vec<f64>,
}

fn read_case(name: &str) -> Case {
    let text = std::fs::read_to_string(dir().join(name).join("io.txt")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let nums = |l: &str| -> Vec<f64> {
        l.split_whitespace()
            .map(|t| t.parse::<f64>().unwrap())
            .collect()
    };
    let dims = |l: &str| nums(l).iter().map(|&v| v as usize).collect();
    Case {
        in_dims: dims(lines[0]),
        x: nums(lines[1]),
        out_dims: dims(lines[2]),
        expected: nums(lines[3]),
    }
}

/// Runs one case; returns the layer kinds.
fn run(name: &str) -> Vec<&'static str> {
    let c = read_case(name);
    let cfg = QuantConfig::new(16, (-1.0, 1.0)).unwrap();
    let m = Model::from_onnx_file(&dir().join(name).join("model.onnx"), cfg)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(m.dims[0], c.in_dims, "{name}: input shape");
    assert_eq!(m.dims[m.output], c.out_dims, "{name}: output shape");
    let float = m.float_forward(&c.x);
    assert_eq!(float.len(), c.expected.len(), "{name}");
    for (a, b) in float.iter().zip(&c.expected) {
        assert!(
            (a - b).abs() < 1e-4 * (1.0 + b.abs()),
            "{name}: float reference {a} vs onnxruntime {b}"
        );
    }
    let xq = m.quant.quantize_input(&c.x, "first").unwrap();
    let s = &slice::plan(&m, &SlicePlan::Whole).unwrap()[0];
    let sp = pipeline::build(&m, s).unwrap();
    let compiled = sp.program.compile().unwrap();
    let weights = pipeline::weights(&m, s);
    let (w, out) = pipeline::witness(&m, s, &sp.program, &weights, &xq)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        w.outputs.iter().map(|r| r.to_i64()).collect::<Vec<_>>(),
        out,
        "{name}: circuit == integer reference"
    );
    for (a, b) in out.iter().zip(&c.expected) {
        let deq = *a as f64 / m.quant.alpha();
        assert!(
            (deq - b).abs() < 2e-3 * (1.0 + b.abs()),
            "{name}: integer {deq} vs onnxruntime {b}"
        );
    }
    let fw = prover::FieldWitness::from_solved(&w);
    let public = fw.public.clone();
    let (proof, outputs) =
        prover::prove_transparent(&compiled.circuit, &fw.witness(), b"").unwrap();
    let expected =
        common::expected_weights(&compiled.circuit, &sp.program.layout_weights(&weights));
    let st = Statement {
        public: &public,
        outputs: &outputs,
        context: b"",
        weights_commitment: expected.as_ref(),
    };
    prover::verify_transparent(&compiled.circuit, &st, &proof)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut bad = outputs.clone();
    bad[0] += Goldilocks::ONE;
    let st = Statement {
        outputs: &bad,
        ..st
    };
    assert!(prover::verify_transparent(&compiled.circuit, &st, &proof).is_err());
    m.layers.iter().map(|l| l.bp.kind()).collect()
}

macro_rules! cases {
    ($($name:ident => $kinds:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let kinds = run(stringify!($name));
                let want: &[&str] = &$kinds;
                if !want.is_empty() {
                    assert_eq!(kinds, want, "layer kinds");
                }
            }
        )*
    };
}

cases! {
    add_broadcast_rows_cols => ["add"];
    add_broadcast_last_axis => ["add"];
    sub_const_first => ["add"];
    residual_add => ["conv2d", "relu", "conv2d", "add", "relu"];
    conv_depthwise_stride => ["conv2d"];
    conv_grouped_dilated => ["conv2d"];
    conv_same_upper_stride => ["conv2d"];
    conv1d => ["conv2d"];
    conv_bn_relu_folded => ["conv2d"];
    batchnorm_alone => ["add", "batchnorm"];
    gemm_alpha_beta_trans_a => ["gemm"];
    gemm_bn => ["gemm"];
    matmul_const => ["matmul"];
    mul_div_chain => ["mul", "div", "div"];
    mul_activations => ["mul"];
    avgpool_pads_ceil => ["avgpool"];
    avgpool_count_include_pad => ["avgpool"];
    maxpool_ceil_dilated => ["maxpool"];
    maxpool_same_lower => ["maxpool"];
    global_pools => ["avgpool", "maxpool", "concat"];
    reduce_mean_sum_max => ["reducemean", "reducesum", "reducemax", "concat"];
    clip_leaky_prelu => ["clip", "leakyrelu", "leakyrelu"];
    relu6 => ["clip"];
    max_min => ["max", "min"];
    wiring => ["transpose", "slice", "pad", "pad", "split", "split", "concat", "gather", "reshape", "reshape"];
    shape_chain_flatten => ["reshape", "gemm"];
    exporter_style => ["gemm", "mul", "matmul"];
    batch3_conv_pool => ["conv2d", "maxpool"];
    neg => ["neg"];
    matmul_activations => ["transpose", "matmul"];
    matmul_batched_const => ["matmul"];
    matmul_const_left => ["matmul"];
    split_outputs => ["split", "split", "outputs"];
    slice_backwards_clamped => ["slice"];
    pool3d => ["maxpool", "avgpool"];
    avgpool_dilated => ["avgpool"];
    matmul_bn_relu => ["matmul"];
}

/// Proves and verifies one slice from its public input; returns its public output.
fn prove_slice(m: &Model, s: &blueprints::Slice, input: &[i64]) -> Vec<i64> {
    let sp = pipeline::build(m, s).unwrap();
    let compiled = sp.program.compile().unwrap();
    let weights = pipeline::weights(m, s);
    let (w, out) = pipeline::witness(m, s, &sp.program, &weights, input).unwrap();
    let fw = prover::FieldWitness::from_solved(&w);
    let lift = |v: &[i64]| {
        v.iter()
            .map(|&x| Goldilocks::from_i64(x))
            .collect::<Vec<_>>()
    };
    assert_eq!(fw.public, lift(input), "slice {}: public input", s.index);
    let (proof, outputs) =
        prover::prove_transparent(&compiled.circuit, &fw.witness(), b"").unwrap();
    let expected =
        common::expected_weights(&compiled.circuit, &sp.program.layout_weights(&weights));
    let st = Statement {
        public: &fw.public,
        outputs: &outputs,
        context: b"",
        weights_commitment: expected.as_ref(),
    };
    prover::verify_transparent(&compiled.circuit, &st, &proof).unwrap();
    assert_eq!(outputs, lift(&out), "slice {}: public output", s.index);
    out
}

#[test]
fn residual_nets_slice_by_layers_and_chain_exactly() {
    // Every cut of the residual model, and the layers plan: the skip tensor crosses cuts
    // as an extra input/output, passed through and chained exactly.
    let name = "residual_add";
    let c = read_case(name);
    let cfg = QuantConfig::new(16, (-1.0, 1.0)).unwrap();
    let m = Model::from_onnx_file(&dir().join(name).join("model.onnx"), cfg).unwrap();
    let xq = m.quant.quantize_input(&c.x, "first").unwrap();
    let whole = &slice::plan(&m, &SlicePlan::Whole).unwrap()[0];
    let want = pipeline::forward(&m, whole, &xq).unwrap().0;
    let n = m.layers.len();
    let mut plans: Vec<SlicePlan> = vec![SlicePlan::Layers];
    plans.extend((1..n).map(|k| SlicePlan::Cuts(vec![k])));
    let mut multi = 0;
    for plan in plans {
        let slices = slice::plan(&m, &plan).unwrap();
        assert!(slices.len() > 1, "{plan:?}");
        let mut act = xq.clone();
        for (i, s) in slices.iter().enumerate() {
            if i > 0 {
                assert_eq!(s.inputs, slices[i - 1].outputs, "{plan:?}: chain");
            }
            multi += usize::from(s.inputs.len() > 1);
            act = prove_slice(&m, s, &act);
        }
        assert_eq!(act, want, "{plan:?}: sliced == whole");
    }
    assert!(multi > 0, "some cut crosses the skip connection");
}
