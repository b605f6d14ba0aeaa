//! Conv and Gemm on the structured path (one block per op) against the per-MAC gate
//! path: the same integer outputs from the solver, far fewer multiplication gates, and a
//! proof that verifies on both commitment schemes; a wrong activation hint is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blueprints::layers::{Blueprint, Conv2d, ConvGeometry, Gemm};
use circuits::compiler::{Builder, Program};
use circuits::random::Rng;
use circuits::{Circuit, RegionKind, Residue};
use prover::{Field, Goldilocks, Statement, Witness};

type F = Goldilocks;

fn f(v: &[Residue]) -> Vec<F> {
    v.iter().map(|r| F::from_u64(r.value())).collect()
}

/// A one-layer program of `bp` over public input `x`, its hints, and its outputs.
fn program(bp: &dyn Blueprint, x: &[i64]) -> (Program, Vec<i64>, Vec<i64>) {
    let mut b = Builder::new();
    let xs = b.public_inputs(x.len());
    let w = b.weights(bp.weights().len());
    let out = bp.emit(&mut b, &[&xs], &w, 0).unwrap();
    for v in out {
        b.output(v);
    }
    let mut hints = Vec::new();
    let want = bp.int(&[x], &mut hints).unwrap();
    (b.finish().unwrap(), hints, want)
}

fn prove_both(c: &Circuit, public: &[F], weights: &[F], private: &[F]) {
    let witness = Witness {
        public,
        weights,
        private,
    };
    let (proof, outputs) = prover::prove_transparent(c, &witness, b"").unwrap();
    let commitment = prover::transparent_weights_commitment(c, weights);
    let st = Statement {
        public,
        outputs: &outputs,
        context: b"",
        weights_commitment: commitment.as_ref(),
    };
    prover::verify_transparent(c, &st, &proof).unwrap();
    let (proof, outputs) = prover::prove_whir(c, None, &witness, b"").unwrap();
    let at = prover::gkr::committed_regions(c)
        .iter()
        .position(|r| r.kind == RegionKind::Weights);
    let st = Statement {
        public,
        outputs: &outputs,
        context: b"",
        weights_commitment: at.map(|i| &proof.commitments[i]),
    };
    prover::verify_whir(c, &st, &proof).unwrap();
}

/// Structured and gate programs of the same layer agree, the structured one has no
/// per-MAC gates, and it proves and verifies.
fn parity(structured: &dyn Blueprint, gates: &dyn Blueprint, x: &[i64], macs: usize) {
    let (ps, hs, want) = program(structured, x);
    let (pg, hg, want_g) = program(gates, x);
    assert_eq!(want, want_g);
    assert_eq!(hs, hg, "hint order does not depend on the path");
    let w = structured.weights().to_vec();
    let (ss, sg) = (ps.solve(x, &w, &hs).unwrap(), pg.solve(x, &w, &hg).unwrap());
    let outs = |s: &circuits::compiler::SolvedWitness| {
        s.outputs.iter().map(|r| r.to_i64()).collect::<Vec<_>>()
    };
    assert_eq!(outs(&ss), want);
    assert_eq!(outs(&sg), want);
    let (cs, cg) = (ps.compile().unwrap(), pg.compile().unwrap());
    assert!(cs.circuit.has_structure());
    assert!(!cg.circuit.has_structure());
    assert!(
        cs.stats.mul_gates + macs / 2 <= cg.stats.mul_gates,
        "structured {} mul gates, gates {}",
        cs.stats.mul_gates,
        cg.stats.mul_gates
    );
    prove_both(
        &cs.circuit,
        &f(&ss.public),
        &f(&ss.weights),
        &f(&ss.private),
    );

    // A wrong rescale hint (the first quotient) is refused by the solver.
    let mut bad = hs.clone();
    bad[0] += 1;
    assert!(ps.solve(x, &w, &bad).is_err());
}

#[test]
fn conv_structured_matches_gates() {
    let mut rng = Rng::new(7);
    let shapes = [
        // (cin, h, w, cout, k, stride, pads, dilation, group, relu)
        (2, 6, 5, 3, 3, 1, [1, 1, 1, 1], 1, 1, true),
        (3, 7, 7, 2, 3, 2, [0, 1, 2, 0], 1, 1, false),
        (1, 8, 8, 4, 2, 1, [0, 0, 0, 0], 2, 1, true),
        (4, 5, 6, 4, 3, 1, [1, 1, 1, 1], 1, 4, false), // depthwise
        (4, 5, 5, 4, 1, 1, [0, 0, 0, 0], 1, 2, true),  // grouped: gates fallback
    ];
    for (cin, h, w, cout, k, s, pads, d, group, relu) in shapes {
        let geom = ConvGeometry {
            n: 1,
            cin,
            h,
            w,
            cout,
            kh: k,
            kw: k,
            stride: (s, s),
            pads,
            dilation: (d, d),
            group,
        };
        let nw = cout * (cin / group) * k * k;
        let wf: Vec<f64> = (0..nw)
            .map(|_| rng.below(2001) as f64 / 2000.0 - 0.5)
            .collect();
        let bf: Vec<f64> = (0..cout)
            .map(|_| rng.below(201) as f64 / 200.0 - 0.5)
            .collect();
        let conv = Conv2d::new("c", geom, &wf, &bf, 12, 1 << 12, relu, None).unwrap();
        let x: Vec<i64> = (0..cin * h * w)
            .map(|_| rng.below(1 << 13) as i64 - (1 << 12))
            .collect();
        let (oh, ow) = geom.out_hw().unwrap();
        let macs = cout * oh * ow * (cin / group) * k * k;
        if group == 1 || group == cin {
            parity(&conv, &conv.clone().with_gates(), &x, macs);
        } else {
            // Groups other than 1 and depthwise stay on gates: both programs are equal.
            let (ps, _, _) = program(&conv, &x);
            assert!(!ps.compile().unwrap().circuit.has_structure());
        }
    }
}

#[test]
fn gemm_structured_matches_gates() {
    let mut rng = Rng::new(9);
    for (n_in, n_out, relu) in [(5, 3, true), (16, 10, false), (33, 7, true)] {
        let wf: Vec<f64> = (0..n_in * n_out)
            .map(|_| rng.below(2001) as f64 / 2000.0 - 0.5)
            .collect();
        let bf: Vec<f64> = (0..n_out)
            .map(|_| rng.below(201) as f64 / 200.0 - 0.5)
            .collect();
        let g = Gemm::new("g", (n_in, n_out), &wf, &bf, 12, 1 << 12, relu).unwrap();
        let x: Vec<i64> = (0..n_in)
            .map(|_| rng.below(1 << 13) as i64 - (1 << 12))
            .collect();
        parity(&g, &g.clone().with_gates(), &x, n_in * n_out);
    }
}
