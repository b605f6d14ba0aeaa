//! Masked GKR against plain GKR on the same random gate circuit (issue 10): the zero-
//! knowledge form (`circuits::zk::with_noise`) proven with `prove_masked`, and the
//! original circuit proven plainly, both with GKR in the cubic extension and the
//! transparent commitment (random circuits read committed padding, which WHIR refuses;
//! the openings are not what is compared here). Prints medians of `REPS` runs (default 3)
//! of prove and verify, and the proof sizes.
//! Run: `cargo run --release -p benches --features whir-figures --example masked_gkr`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use benches::masked::time_gkr;
use circuits::RegionKind;
use circuits::random::{self, Spec};
use prover::{Field, Goldilocks, GoldilocksExt3, Transparent, Witness};

fn main() {
    let reps = benches::reps(3);
    let scheme = &Transparent;
    type E = GoldilocksExt3;
    for log_widths in [
        vec![14u8, 14, 13, 13, 12, 12, 8],
        vec![17, 17, 16, 16, 15, 15, 10],
    ] {
        let spec = Spec {
            log_widths: log_widths.clone(),
            mul_percent: 50,
            ..Spec::default()
        };
        let original = random::circuit(&spec, 1);
        let (zk, layout) = circuits::zk::with_noise(&original, 3).unwrap();
        let vals = |n: usize, s: u64| -> Vec<Goldilocks> {
            random::values(n, s)
                .into_iter()
                .map(Goldilocks::from_u64)
                .collect()
        };
        let weights = vals(original.input.len_of(RegionKind::Weights), 2);
        let private = vals(original.input.len_of(RegionKind::Private), 3);
        let mut zk_private = private.clone();
        zk_private.resize(zk.input.len_of(RegionKind::Private), Goldilocks::ZERO);
        let witness = |private| Witness {
            public: &[],
            weights: &weights,
            private,
        };
        let plain = time_gkr::<E, _>(scheme, &original, &witness(&private), None, reps);
        let masked = time_gkr::<E, _>(scheme, &zk, &witness(&zk_private), Some(layout), reps);
        println!(
            "widths {log_widths:?}: plain {} gates, prove {:.1} ms, verify {:.1} ms, {} B | masked {} gates, prove {:.1} ms ({:.2}x), verify {:.1} ms ({:.2}x), {} B (+inner product)",
            plain.gates,
            plain.prove_ms,
            plain.verify_ms,
            plain.proof_bytes,
            masked.gates,
            masked.prove_ms,
            masked.prove_ms / plain.prove_ms,
            masked.verify_ms,
            masked.verify_ms / plain.verify_ms,
            masked.proof_bytes
        );
    }
}
