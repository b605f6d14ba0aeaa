//! Structured fuzzing: an honest case, then fuzzer-chosen mutations of the proof; every
//! change must be rejected and nothing may panic. See `prover_fuzz` (src/lib.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: prover_fuzz::ProofInput| prover_fuzz::run_proof(&input));
