//! Until GKR proves structured blocks and the gate span, both prove and verify refuse a
//! circuit that has them: proving only its gates would prove a different function.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use circuits::random::{self, BlockKind, BlockSpec, Spec};
use common::{CONTEXT, Case, Data};
use prover::{ProveError, Statement, VerifyError};

fn with_blocks() -> Spec {
    Spec {
        log_widths: vec![3, 3, 2],
        blocks: vec![
            BlockSpec {
                kind: BlockKind::Conv2d,
                layer: 1,
            },
            BlockSpec {
                kind: BlockKind::MatMul,
                layer: 2,
            },
        ],
        ..Spec::default()
    }
}

fn refused_to_prove(e: ProveError) {
    assert!(matches!(e, ProveError::Unsupported { .. }), "{e}");
}

#[test]
fn prove_refuses_blocks() {
    for seed in 0..4 {
        let c = random::circuit(&with_blocks(), seed);
        assert!(c.num_blocks() == 2);
        let data = Data::random(&c, seed);
        refused_to_prove(prover::prove_transparent(&c, &data.witness(), CONTEXT).unwrap_err());
        refused_to_prove(
            prover::gkr::prove_unchecked::<_, prover::GoldilocksExt2, _>(
                &prover::Transparent,
                &c,
                &data.witness(),
                CONTEXT,
            )
            .unwrap_err(),
        );
        refused_to_prove(prover::prove_whir(&c, None, &data.witness(), CONTEXT).unwrap_err());
    }
}

#[test]
fn verify_refuses_blocks() {
    let c = random::circuit(&with_blocks(), 1);
    let data = Data::random(&c, 1);
    // Any proof of the right type: one of a gate-only circuit.
    let other = Case::new(&Spec::default(), 1);
    let outputs = vec![prover::Goldilocks::default(); c.public_outputs.len()];
    let commitment = prover::transparent_weights_commitment(&c, &data.weights);
    let statement = Statement {
        public: &data.public,
        outputs: &outputs,
        context: CONTEXT,
        weights_commitment: commitment.as_ref(),
    };
    let e = prover::verify_transparent(&c, &statement, &other.proof).unwrap_err();
    assert!(matches!(e, VerifyError::Unsupported { .. }), "{e}");
    let e = prover::verify_transparent_bytes(&c, &statement, &other.proof.to_bytes()).unwrap_err();
    assert!(matches!(e, VerifyError::Unsupported { .. }), "{e}");
}

/// The gate span alone is refused too: the same honest proof verifies on the circuit
/// without the span and is refused with it.
#[test]
fn gate_span_is_refused() {
    let spec = Spec {
        gate_span: true,
        ..Spec::default()
    };
    let spanned = random::circuit(&spec, 5);
    assert!(spanned.input.gate_log_width.is_some());
    let mut plain = spanned.clone();
    plain.input.gate_log_width = None;
    let data = Data::random(&plain, 5);
    let (proof, outputs) = prover::prove_transparent(&plain, &data.witness(), CONTEXT).unwrap();
    let commitment = prover::transparent_weights_commitment(&plain, &data.weights);
    let statement = Statement {
        public: &data.public,
        outputs: &outputs,
        context: CONTEXT,
        weights_commitment: commitment.as_ref(),
    };
    prover::verify_transparent(&plain, &statement, &proof).unwrap();
    let e = prover::verify_transparent(&spanned, &statement, &proof).unwrap_err();
    assert!(matches!(e, VerifyError::Unsupported { .. }), "{e}");
    refused_to_prove(prover::prove_transparent(&spanned, &data.witness(), CONTEXT).unwrap_err());
}
