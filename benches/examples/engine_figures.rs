//! Prints the engine's figures on the benchmark circuit: prove and verify throughput,
//! peak heap per gate, proof size per layer. Run with
//! `cargo run --release -p benches --example engine_figures`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use benches::{Fixture, engine_spec};
use prover::Statement;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// Counts live heap bytes and their peak.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: defers to the system allocator; only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        // SAFETY: same layout contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        // SAFETY: `p` came from `alloc` with this layout.
        unsafe { System.dealloc(p, l) }
    }
}

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
        let base = LIVE.load(Relaxed);
        PEAK.store(base, Relaxed);
        let t = Instant::now();
        let (proof, outputs) = prover::prove_transparent(c, &fx.witness(), b"bench").unwrap();
        let prove_s = t.elapsed().as_secs_f64();
        let peak = PEAK.load(Relaxed) - base;
        let st = Statement {
            public: &fx.public,
            outputs: &outputs,
            context: b"bench",
            weights_commitment: None,
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
