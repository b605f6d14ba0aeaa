//! Decode + verify arbitrary bytes as a proof for a fixed small circuit: must never panic.
//! The unstructured baseline; `mutate_proof` starts from honest proofs and gets further.
#![no_main]

use circuits::random::{self, Spec};
use libfuzzer_sys::fuzz_target;
use prover::{Field, Goldilocks, Statement, TransparentProof};

fuzz_target!(|data: &[u8]| {
    let spec = Spec {
        log_widths: vec![4, 4, 3],
        num_public: 2,
        ..Spec::default()
    };
    let circuit = random::circuit(&spec, 1);
    let public = [Goldilocks::from_u64(3), Goldilocks::from_u64(5)];
    let outputs = vec![Goldilocks::ONE; circuit.public_outputs.len()];
    let Ok(proof) = TransparentProof::from_bytes(data) else {
        return;
    };
    // Expect the proof's own weights commitment, so that a decoded proof reaches the
    // sumcheck instead of stopping at the statement check.
    let weights = proof.commitments.first().copied();
    let st = Statement {
        public: &public,
        outputs: &outputs,
        context: b"fuzz",
        weights_commitment: weights.as_ref(),
    };
    assert!(prover::verify_transparent(&circuit, &st, &proof).is_err());
});
