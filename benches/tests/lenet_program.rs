//! The LeNet-shaped program end to end: compiles within the figures the compiler issue
//! sets (relays, utilisation), solves to the integer reference's logits, proves and
//! verifies; a corrupted hint is named by its label.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use benches::lenet::lenet_program;
use circuits::compiler::SolveError;
use prover::Statement;

#[test]
fn lenet_shaped_program_compiles_solves_proves_verifies() {
    let lp = lenet_program(7).unwrap();
    let compiled = lp.program.compile().unwrap();
    let s = &compiled.stats;
    assert_eq!(s.range_checks, 19_340);
    assert!(s.mul_gates > 650_000, "all MACs present: {}", s.mul_gates);
    assert!(s.relay_share() < 0.25, "relay share {}", s.relay_share());
    assert!(s.utilization() > 0.6, "utilization {}", s.utilization());
    let w = lp
        .program
        .solve(&lp.public, &lp.weights, &lp.hints)
        .unwrap();
    let logits: Vec<i64> = w.outputs.iter().map(|r| r.to_i64()).collect();
    assert_eq!(
        logits, lp.logits,
        "circuit outputs are the integer reference's"
    );
    let fw = prover::FieldWitness::from_solved(&w);
    let public = fw.public.clone();
    let (proof, outputs) =
        prover::prove_transparent(&compiled.circuit, &fw.witness(), b"").unwrap();
    let commitment = fw.weights_commitment(&compiled.circuit);
    let st = Statement {
        public: &public,
        outputs: &outputs,
        context: b"",
        weights_commitment: commitment.as_ref(),
    };
    prover::verify_transparent(&compiled.circuit, &st, &proof).unwrap();

    // A wrong quotient hint is named: the rescale of conv2d layer 1, element 0.
    let mut hints = lp.hints.clone();
    hints[0] += 1;
    match lp.program.solve(&lp.public, &lp.weights, &hints) {
        Err(SolveError::Constraint { label, .. }) => {
            assert_eq!(
                (label.blueprint, label.layer, label.element),
                ("conv2d", 1, 0)
            )
        }
        other => panic!("expected a labelled constraint failure, got {other:?}"),
    }
}
