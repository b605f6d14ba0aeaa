//! The cheating prover, at the circuit level: a prover that keeps an honest witness but
//! substitutes the public input of slice 0. Arithmetic mod p makes a Gemm-first model's
//! input alias: any `t` with `W_q·t ≡ 0 (mod p)` gives the same accumulators for `x + t`,
//! so without an in-circuit range check on the input `x + t ↦ model(x)` verifies (issue
//! 13, item 1). Each case asserts the honest solver's refusal (named by its label) and the
//! verifier's rejection of the forged proof.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use blueprints::{Model, QuantConfig, SlicePlan, pipeline, slice};
use circuits::compiler::SolveError;
use circuits::random::Rng;
use circuits::{GOLDILOCKS_P, Residue};
use common::*;
use onnx_rs::ast::*;
use prover::{Field, Goldilocks, Statement, VerifyError};

/// The reviewer's model: Gemm 16→4, ReLU, Gemm 4→3 (fewer accumulators than inputs).
fn mlp() -> Vec<u8> {
    let mut rng = Rng::new(13);
    let nodes = vec![
        node(
            OpType::Gemm,
            "fc1",
            vec!["x", "W1", "B1"],
            "h",
            vec![attr_int("transB", 1)],
        ),
        node(OpType::Relu, "relu", vec!["h"], "r", vec![]),
        node(
            OpType::Gemm,
            "fc2",
            vec!["r", "W2", "B2"],
            "y",
            vec![attr_int("transB", 1)],
        ),
    ];
    let inits = vec![
        TensorProto::from_f32("W1", vec![4, 16], rand_vec(&mut rng, 64, 0.5)),
        TensorProto::from_f32("B1", vec![4], rand_vec(&mut rng, 4, 0.1)),
        TensorProto::from_f32("W2", vec![3, 4], rand_vec(&mut rng, 12, 0.5)),
        TensorProto::from_f32("B2", vec![3], rand_vec(&mut rng, 3, 0.1)),
    ];
    onnx(nodes, inits, &[1, 16], &[1, 3])
}

fn mul(a: u64, b: u64) -> u64 {
    (u128::from(a) * u128::from(b) % u128::from(GOLDILOCKS_P)) as u64
}

fn pow(mut a: u64, mut e: u64) -> u64 {
    let mut r = 1;
    while e > 0 {
        if e & 1 == 1 {
            r = mul(r, a);
        }
        a = mul(a, a);
        e >>= 1;
    }
    r
}

fn sub(a: u64, b: u64) -> u64 {
    (Residue::new(a) + Residue::from_i64(-1) * Residue::new(b)).value()
}

/// A non-zero `t` with `A·t ≡ 0 (mod p)` for a `rows × cols` matrix, `rows < cols`
/// (Gaussian elimination; the last free column set to 1).
fn kernel_vector(a: &[i64], rows: usize, cols: usize) -> Vec<u64> {
    let mut m: Vec<Vec<u64>> = (0..rows)
        .map(|r| {
            (0..cols)
                .map(|c| Residue::from_i64(a[r * cols + c]).value())
                .collect()
        })
        .collect();
    let mut pivots = Vec::new();
    let mut row = 0;
    for col in 0..cols {
        let Some(p) = (row..rows).find(|&r| m[r][col] != 0) else {
            continue;
        };
        m.swap(row, p);
        let inv = pow(m[row][col], GOLDILOCKS_P - 2);
        for v in &mut m[row] {
            *v = mul(*v, inv);
        }
        for r in 0..rows {
            if r != row && m[r][col] != 0 {
                let f = m[r][col];
                let pivot = m[row].clone();
                for (v, p) in m[r].iter_mut().zip(&pivot) {
                    *v = sub(*v, mul(f, *p));
                }
            }
        }
        pivots.push(col);
        row += 1;
        if row == rows {
            break;
        }
    }
    let free = (0..cols).rev().find(|c| !pivots.contains(c)).unwrap();
    let mut t = vec![0u64; cols];
    t[free] = 1;
    for (r, &pc) in pivots.iter().enumerate() {
        t[pc] = sub(0, m[r][free]);
    }
    t
}

/// What the cheating prover substitutes.
struct Cheat {
    /// The public input it claims (the witness stays the honest one for `x`).
    public: Vec<i64>,
}

/// The model, its one slice compiled, an honest input, and the verdict on a proof made
/// with `cheat`'s substitutions.
fn forge(cheat: impl Fn(&Model, &[i64]) -> Cheat) -> (Model, Vec<i64>, Result<(), VerifyError>) {
    let m = Model::from_onnx(&mlp(), QuantConfig::new(18, (-1.0, 1.0)).unwrap()).unwrap();
    let s = &slice::plan(&m, &SlicePlan::Whole).unwrap()[0];
    let sp = pipeline::build(&m, s).unwrap();
    let compiled = sp.program.compile().unwrap();
    let weights = pipeline::weights(&m, s);
    let mut rng = Rng::new(7);
    let x: Vec<f64> = (0..16)
        .map(|_| rng.below(2001) as f64 / 1000.0 - 1.0)
        .collect();
    let xq = m.quant.quantize_input(&x, "fc1").unwrap();
    let (w, _) = pipeline::witness(&m, s, &sp.program, &weights, &xq).unwrap();
    let c = cheat(&m, &xq);
    // The honest solver refuses the substituted input, naming the input range check.
    let (_, hints) = pipeline::forward(&m, s, &xq).unwrap();
    let refusal = sp.program.solve(&c.public, &weights, &hints).unwrap_err();
    assert!(
        matches!(&refusal, SolveError::Range { label, .. } if label.blueprint == "input"),
        "solver: {refusal}"
    );
    // The cheating prover proves the honest witness under the substituted input.
    let mut fw = prover::FieldWitness::from_solved(&w);
    fw.public = c.public.iter().map(|&v| Goldilocks::from_i64(v)).collect();
    let (proof, outputs) =
        prover::gkr::prove_unchecked(&prover::Transparent, &compiled.circuit, &fw.witness(), b"")
            .unwrap();
    let expected = expected_weights(&compiled.circuit, &sp.program.layout_weights(&weights));
    let st = Statement {
        public: &fw.public,
        outputs: &outputs,
        context: b"",
        weights_commitment: expected.as_ref(),
    };
    let verdict = prover::verify_transparent(&compiled.circuit, &st, &proof);
    (m, c.public, verdict)
}

/// A GKR rejection: the forged input fails the input range check inside the circuit, so
/// its constraint slot is non-zero and a layer's sumcheck or final check fails.
fn is_gkr_rejection(v: &Result<(), VerifyError>) -> bool {
    matches!(
        v,
        Err(VerifyError::Sumcheck { .. }
            | VerifyError::LayerFinal { .. }
            | VerifyError::InputClaim { .. })
    )
}

#[test]
fn aliased_input_is_rejected_by_the_circuit() {
    let (_, public, verdict) = forge(|m, xq| {
        let w = m.layers[0].bp.weights();
        let t = kernel_vector(&w[..64], 4, 16);
        let public = xq
            .iter()
            .zip(&t)
            .map(|(&x, &t)| (Residue::from_i64(x) + Residue::new(t)).to_i64())
            .collect();
        Cheat { public }
    });
    // The alias is huge (≈ p/2 in size) yet the accumulators would be the honest ones.
    assert!(public.iter().any(|v| v.unsigned_abs() > 1 << 40));
    assert!(is_gkr_rejection(&verdict), "aliased input: {verdict:?}");
}

#[test]
fn input_outside_declared_range_is_rejected_by_the_circuit() {
    let (m, _, verdict) = forge(|m, xq| {
        // The reviewer's statement: every value at 3.0, one at −9.0 (declared [−1, 1]).
        let mut public = vec![(3.0 * m.quant.alpha()) as i64; xq.len()];
        public[5] = (-9.0 * m.quant.alpha()) as i64;
        Cheat { public }
    });
    assert_eq!(m.quant.input_limits(), (-(1 << 18), 1 << 18));
    assert!(
        is_gkr_rejection(&verdict),
        "out-of-range input: {verdict:?}"
    );
}

#[test]
fn input_range_check_accepts_both_ends_exactly() {
    let m = Model::from_onnx(&mlp(), QuantConfig::new(18, (-1.0, 1.0)).unwrap()).unwrap();
    let s = &slice::plan(&m, &SlicePlan::Whole).unwrap()[0];
    let sp = pipeline::build(&m, s).unwrap();
    let weights = pipeline::weights(&m, s);
    let (lo, hi) = m.quant.input_limits();
    let mut x = vec![lo; 16];
    x[1] = hi;
    pipeline::witness(&m, s, &sp.program, &weights, &x).unwrap();
    // One past either end is refused by the circuit's own check.
    for bad in [lo - 1, hi + 1] {
        x[3] = bad;
        let (_, hints) = pipeline::forward(&m, s, &x).unwrap();
        let e = sp.program.solve(&x, &weights, &hints).unwrap_err();
        assert!(
            matches!(&e, SolveError::Range { label, .. } if label.blueprint == "input" && label.element == 3),
            "{bad}: {e}"
        );
    }
}
