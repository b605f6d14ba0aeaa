//! Compiles (and solves, proves, verifies) the LeNet-shaped program and prints the
//! compiler's figures: time, peak heap, relay share, slot utilisation.
//! `cargo run --release -p benches --example compiler_figures`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use benches::alloc::{self as counting, Counting};
use benches::lenet::lenet_program_with;
use circuits::compiler::RangeStrategy;
use prover::Statement;
use std::time::Instant;

#[global_allocator]
static A: Counting = Counting;

fn stage<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let base = counting::reset();
    let t = Instant::now();
    let r = f();
    println!(
        "{name:<8} {:>8.1} ms   peak heap {:>7.1} MiB",
        t.elapsed().as_secs_f64() * 1e3,
        counting::peak_since(base) as f64 / (1 << 20) as f64
    );
    r
}

fn main() {
    let strategy = match std::env::args().nth(1).as_deref() {
        Some("bits") => RangeStrategy::Bits,
        _ => RangeStrategy::LogUp,
    };
    println!("range checks: {strategy:?}");
    let lp = stage("build", || lenet_program_with(1, strategy).unwrap());
    let compiled = stage("compile", || lp.program.compile().unwrap());
    let s = &compiled.stats;
    println!(
        "circuit: {} layers, {} mul + {} add + {} const gates, widest layer {} slots, {} constraints, {} range checks ({} queries, c = {})",
        s.layers,
        s.mul_gates,
        s.add_gates,
        s.const_gates,
        s.widest_layer,
        s.constraints,
        s.range_checks,
        s.lookup_queries,
        s.chunk_bits
    );
    println!(
        "relays {} ({:.1} % of gates), slots used {} of {} ({:.1} %), inputs public/weights/private {:?}",
        s.relay_gates,
        100.0 * s.relay_share(),
        s.used_slots,
        s.allocated_slots,
        100.0 * s.utilization(),
        s.inputs
    );
    println!("used slots per layer: {:?}", s.layer_slots);
    for (k, l) in compiled.circuit.layers.iter().enumerate().take(4) {
        println!(
            "  layer {}: 2^{} slots, {} mul, {} add, {} const",
            k + 1,
            l.log_width,
            l.mul.len(),
            l.add.len(),
            l.constant.len()
        );
    }
    let w = stage("solve", || {
        lp.program
            .solve(&lp.public, &lp.weights, &lp.hints)
            .unwrap()
    });
    let fw = prover::FieldWitness::from_solved(&w);
    let public = fw.public.clone();
    let (proof, outputs) = stage("prove", || {
        prover::prove_transparent(&compiled.circuit, &fw.witness(), b"lenet").unwrap()
    });
    let commitment = fw.weights_commitment(&compiled.circuit);
    let st = Statement {
        public: &public,
        outputs: &outputs,
        context: b"lenet",
        weights_commitment: commitment.as_ref(),
    };
    stage("verify", || {
        prover::verify_transparent(&compiled.circuit, &st, &proof).unwrap()
    });
    let logits: Vec<i64> = w.outputs.iter().map(|r| r.to_i64()).collect();
    assert_eq!(logits, lp.logits);
    println!(
        "proof {} bytes; logits {:?}",
        proof.to_bytes().len(),
        logits
    );
}
