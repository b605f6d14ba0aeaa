//! Decode + verify arbitrary bytes as a proof for a fixed small circuit: must never panic.
//! Seed the corpus with honest proofs by running the target once; see the README.
#![no_main]

use circuits::random::{self, Spec};
use libfuzzer_sys::fuzz_target;
use prover::{Field, Goldilocks, Statement};

fuzz_target!(|data: &[u8]| {
    let spec = Spec { log_widths: vec![4, 4, 3], num_public: 2, ..Spec::default() };
    let circuit = random::circuit(&spec, 1);
    let public = [Goldilocks::from_u64(3), Goldilocks::from_u64(5)];
    let outputs = vec![Goldilocks::ONE; circuit.public_outputs.len()];
    let st = Statement { public: &public, outputs: &outputs, context: b"fuzz", weights_commitment: None };
    let _ = prover::verify_transparent_bytes(&circuit, &st, data);
});
