//! Structured fuzzing of WHIR-committed proofs: an honest proof, then fuzzer-chosen
//! mutations of its openings and commitments and byte edits; every change must be
//! rejected and nothing may panic. See `prover_fuzz::whir` (src/whir.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: prover_fuzz::whir::WhirInput| prover_fuzz::whir::run_whir(&input));
