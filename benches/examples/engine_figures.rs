//! Prints the engine's figures on the benchmark circuit: prove and verify throughput,
//! peak heap per gate, proof size per layer. Run with
//! `cargo run --release -p benches --example engine_figures`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use benches::alloc::{self as counting, Counting};
use benches::{Fixture, engine_spec};
use prover::Statement;
use std::time::Instant;

#[global_allocator]
static A: Counting = Counting;

fn main() {
    let fx = Fixture::new(&engine_spec(), 1);
    let c = &fx.circuit;
    let gates = c.num_gates();
    let mul: usize = c.layers.iter().map(|l| l.mul.len()).sum();
    println!(
        "circuit: {} layers, {gates} gates ({mul} mul), widths 2^{:?}",
        c.depth(),
        c.layers.iter().map(|l| l.log_width).collect::<Vec<_>>()
    );
    for _ in 0..3 {
        let base = counting::reset();
        let t = Instant::now();
        let (proof, outputs) = prover::prove_transparent(c, &fx.witness(), b"bench").unwrap();
        let prove_s = t.elapsed().as_secs_f64();
        let peak = counting::peak_since(base);
        let commitment = prover::transparent_weights_commitment(c, &fx.weights);
        let st = Statement {
            public: &fx.public,
            outputs: &outputs,
            context: b"bench",
            weights_commitment: commitment.as_ref(),
        };
        let t = Instant::now();
        prover::verify_transparent(c, &st, &proof).unwrap();
        let verify_s = t.elapsed().as_secs_f64();
        let prepared = prover::gkr::PreparedCircuit::new(c).unwrap();
        let t = Instant::now();
        prover::gkr::verify_prepared(&prover::Transparent, &prepared, &st, &proof).unwrap();
        let verify_prep_s = t.elapsed().as_secs_f64();
        let bytes = proof.to_bytes();
        let opened: usize = proof.openings.iter().map(|o| o.values.len() * 8 + 4).sum();
        let gkr_bytes = bytes.len() - opened;
        println!(
            "prove {:.3} s ({:.1} M gates/s) | verify {:.3} s ({:.1} M gates/s), prepared circuit {:.3} s ({:.1} M gates/s) | prover peak heap {:.1} MiB ({:.1} B/gate) | proof {} B, GKR part {} B = {:.0} B/layer (+{} B transparent values)",
            prove_s,
            gates as f64 / prove_s / 1e6,
            verify_s,
            gates as f64 / verify_s / 1e6,
            verify_prep_s,
            gates as f64 / verify_prep_s / 1e6,
            peak as f64 / (1 << 20) as f64,
            peak as f64 / gates as f64,
            bytes.len(),
            gkr_bytes,
            gkr_bytes as f64 / c.depth() as f64,
            opened
        );
    }
}
