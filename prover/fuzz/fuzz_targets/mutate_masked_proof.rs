//! Structured fuzzing of masked proofs: an honest masked proof, then fuzzer-chosen
//! mutations of its masked parts and byte edits; every change must be rejected and
//! nothing may panic. See `prover_fuzz::masked` (src/masked.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: prover_fuzz::masked::MaskedInput| prover_fuzz::masked::run_masked(&input));
