//! Structured fuzzing of zero-knowledge proofs: an honest `prove_zk` proof with a weights
//! stock, then fuzzer-chosen mutations and byte edits; every change must be rejected and
//! nothing may panic. See `prover_fuzz::zk` (src/zk.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: prover_fuzz::zk::ZkInput| prover_fuzz::zk::run_zk(&input));
