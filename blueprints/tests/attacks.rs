//! Forged hints against every op's constraints. Brute force on the small models of
//! `testdata/ops`: every hint moved by ±1 (and to 0) either makes the solver refuse the
//! witness or leaves every output unchanged — no hint lets a prover claim another output.
//! Plus named forgeries of the division gadget (a remainder of at least the divisor) and
//! of the max gadget (a non-maximal candidate).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blueprints::{Model, QuantConfig, SlicePlan, pipeline, slice};
use circuits::compiler::{Program, SolveError};
use std::path::PathBuf;

struct Honest {
    m: Model,
    program: Program,
    weights: Vec<i64>,
    x: Vec<i64>,
    hints: Vec<i64>,
    out: Vec<i64>,
}

fn honest(name: &str) -> Honest {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/ops")
        .join(name);
    let io = std::fs::read_to_string(dir.join("io.txt")).unwrap();
    let x: Vec<f64> = io
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .map(|t| t.parse().unwrap())
        .collect();
    let m = Model::from_onnx_file(
        &dir.join("model.onnx"),
        QuantConfig::new(12, (-1.0, 1.0)).unwrap(),
    )
    .unwrap();
    let x = m.quant.quantize_input(&x, "first").unwrap();
    let s = slice::plan(&m, &SlicePlan::Whole).unwrap().remove(0);
    let program = pipeline::build(&m, &s).unwrap().program;
    let weights = pipeline::weights(&m, &s);
    let (out, hints) = pipeline::forward(&m, &s, &x).unwrap();
    Honest {
        m,
        program,
        weights,
        x,
        hints,
        out,
    }
}

fn outputs(h: &Honest, hints: &[i64]) -> Result<Vec<i64>, SolveError> {
    h.program
        .solve(&h.x, &h.weights, hints)
        .map(|w| w.outputs.iter().map(|r| r.to_i64()).collect())
}

#[test]
fn no_single_hint_forgery_changes_an_output() {
    let cases = [
        "relu6",
        "clip_leaky_prelu",
        "max_min",
        "mul_div_chain",
        "mul_activations",
        "avgpool_count_include_pad",
        "avgpool_pads_ceil",
        "maxpool_ceil_dilated",
        "global_pools",
        "reduce_mean_sum_max",
        "batchnorm_alone",
        "conv_depthwise_stride",
        "matmul_activations",
        "matmul_const_left",
        "residual_add",
    ];
    for name in cases {
        let h = honest(name);
        assert_eq!(outputs(&h, &h.hints).unwrap(), h.out, "{name}: honest");
        assert!(!h.hints.is_empty(), "{name} has hints");
        let (mut refused, mut same) = (0, 0);
        for i in 0..h.hints.len() {
            for forged in [h.hints[i] + 1, h.hints[i] - 1, 0] {
                if forged == h.hints[i] {
                    continue;
                }
                let mut hints = h.hints.clone();
                hints[i] = forged;
                match outputs(&h, &hints) {
                    Err(_) => refused += 1,
                    Ok(o) => {
                        assert_eq!(
                            o, h.out,
                            "{name}: hint {i} forged to {forged} changed an output"
                        );
                        same += 1;
                    }
                }
            }
        }
        assert!(
            refused > 0 && !h.m.layers.is_empty(),
            "{name}: {refused} refused, {same} harmless"
        );
    }
}

#[test]
fn a_remainder_of_at_least_the_divisor_is_refused() {
    // count_include_pad: the corner window of a 3×3 pool with pads 1 divides by 9. The
    // forgery q − 1, r + 9 keeps the division equation; only r < d refuses it (r < 16
    // alone would not when r < 7).
    let h = honest("avgpool_count_include_pad");
    let mut hints = h.hints.clone();
    hints[0] -= 1;
    hints[1] += 9;
    let e = outputs(&h, &hints).unwrap_err();
    assert!(
        matches!(&e, SolveError::Range { label, .. } if label.blueprint == "avgpool" && label.element == 0),
        "{e}"
    );
    // The same forgery on an integer Div by 4 (a power of two: r < 4 is the whole
    // check). mul_div_chain's hints: the Mul's (q, r) per element, then the Div's.
    let h = honest("mul_div_chain");
    let at = 2 * h.out.len();
    let mut hints = h.hints.clone();
    hints[at] -= 1;
    hints[at + 1] += 4;
    let e = outputs(&h, &hints).unwrap_err();
    assert!(
        matches!(&e, SolveError::Range { label, .. } if label.blueprint == "div" && label.element == 0),
        "{e}"
    );
}

#[test]
fn a_non_maximal_candidate_is_refused() {
    // max_min: Max(x, C) then Min(·, x, D); hints are the chosen extremes, in order.
    let h = honest("max_min");
    let n = h.out.len();
    for e in 0..n {
        let mut hints = h.hints.clone();
        hints[e] -= 1 << 12;
        let err = outputs(&h, &hints).unwrap_err();
        assert!(
            matches!(&err, SolveError::Range { label, .. } | SolveError::Constraint { label, .. } if label.blueprint == "max" && label.element == e as u32),
            "{err}"
        );
    }
}
