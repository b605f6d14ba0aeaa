//! Structured fuzzing of zero-knowledge chains with a private input: an honest two-slice
//! chain, then fuzzer-chosen mutations and byte edits of its proofs and input opening;
//! every change must be rejected and nothing may panic. See `prover_fuzz::chain`
//! (src/chain.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: prover_fuzz::chain::ChainInput| prover_fuzz::chain::run_chain(&input));
