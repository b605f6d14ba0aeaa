//! The prover's integration tests, one binary: each module was its own test crate, and
//! each re-instantiated the generic prover and WHIR at opt-level 2 (minutes of build per
//! binary). `verifier_memory` stays separate: it installs a counting global allocator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

mod arith;
mod blocks;
mod brute_force;
mod compiler;
mod fixtures;
mod gate_span;
mod hiding;
mod masked;
mod masked_blocks;
mod mle;
mod mutations;
mod no_panic;
mod roundtrip;
mod soundness;
mod structured_ops;
mod tensors;
mod transcript;
mod whir;
mod whir_mutations;
mod zk_chain;
mod zk_gates;
