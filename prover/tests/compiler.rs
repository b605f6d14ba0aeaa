//! The compiler end to end: programs compiled, solved, proven and verified; compiled
//! circuits agree with a direct interpreter; constraint violations are named; range
//! checks are two-sided; compilation is deterministic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use circuits::compiler::{Builder, Compiled, Label, Program, SolveError, SolvedWitness};
use circuits::{Circuit, Residue};
use prover::{Field, Goldilocks, Statement, TransparentProof, VerifyError, Witness};

type F = Goldilocks;

fn f(v: &[Residue]) -> Vec<F> {
    v.iter().map(|r| F::from_u64(r.value())).collect()
}

fn prove(c: &Circuit, w: &SolvedWitness) -> Result<(TransparentProof, Vec<F>), prover::ProveError> {
    let (public, weights, private) = (f(&w.public), f(&w.weights), f(&w.private));
    prover::prove_transparent(
        c,
        &Witness {
            public: &public,
            weights: &weights,
            private: &private,
        },
        b"",
    )
}

fn verify(
    c: &Circuit,
    public: &[Residue],
    outputs: &[F],
    proof: &TransparentProof,
) -> Result<(), VerifyError> {
    let public = f(public);
    prover::verify_transparent(
        c,
        &Statement {
            public: &public,
            outputs,
            context: b"",
            weights_commitment: None,
        },
        proof,
    )
}

/// Solve, prove, verify; returns the proven outputs.
fn round_trip(p: &Program, c: &Compiled, public: &[i64], weights: &[i64], hints: &[i64]) -> Vec<F> {
    let w = p.solve(public, weights, hints).unwrap();
    let (proof, outputs) = prove(&c.circuit, &w).unwrap();
    assert_eq!(outputs, f(&w.outputs), "proven outputs are the solver's");
    verify(&c.circuit, &w.public, &outputs, &proof).unwrap();
    outputs
}

const L: Label = Label::new("test", 0, 0);

#[test]
fn smoke_product_with_range_check() {
    let mut b = Builder::new();
    let pi = b.public_input();
    let [x, y] = [b.hint(), b.hint()];
    let z = b.mul(x, y);
    b.assert_equal(z, pi, L);
    b.range_check(x, 10, Label::new("test", 1, 0));
    b.output(z);
    let p = b.finish().unwrap();
    let c = p.compile().unwrap();
    let out = round_trip(&p, &c, &[42], &[], &[6, 7]);
    assert_eq!(out, vec![F::from_u64(42)]);
    // The solver names the failing constraint.
    assert_eq!(
        p.solve(&[41], &[], &[6, 7]),
        Err(SolveError::Constraint { label: L, value: 1 })
    );
    assert!(matches!(
        p.solve(&[42 * 1024], &[], &[1024, 42]),
        Err(SolveError::Range {
            bits: 10,
            value: 1024,
            ..
        })
    ));
}
