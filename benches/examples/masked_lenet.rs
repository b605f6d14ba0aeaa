//! Masked GKR against plain GKR on the bundled trained LeNet at K = 18 (issue 10): the
//! whole model's compiled circuit (conv and Gemm as structured blocks) proven plainly,
//! and its zero-knowledge form (`circuits::zk::with_noise`) proven with `prove_masked`,
//! both with GKR in the cubic extension and the default binding WHIR commitment. This
//! measures the masking's cost only: the openings are binding, not hiding, so neither
//! proof is zero-knowledge (see `docs/design/zero-knowledge.md`). Prints medians of
//! `REPS` runs (default 3) of prove and verify, the gate counts and the proof sizes.
//! Run: `cargo run --release -p benches --features whir-figures --example masked_lenet`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use benches::masked::time_gkr;
use blueprints::{SlicePlan, pipeline, slice};
use circuits::RegionKind;
use prover::{Field, Goldilocks, GoldilocksExt3, Witness};

fn main() {
    type E = GoldilocksExt3;
    let reps = benches::reps(3);
    let scheme = prover::whir_scheme();
    let (m, x) = benches::lenet_k18();
    let s = slice::plan(&m, &SlicePlan::Whole).unwrap().remove(0);
    let sp = pipeline::build(&m, &s).unwrap();
    let original = sp.program.compile().unwrap().circuit;
    let weights = pipeline::weights(&m, &s);
    let (w, _) = pipeline::witness(&m, &s, &sp.program, &weights, &x).unwrap();
    let fw = prover::FieldWitness::from_solved(&w);
    let (zk, layout) = circuits::zk::with_noise(&original, 3).unwrap();
    // The transform keeps every private value in place; the noise and the mask table
    // above them are the prover's to fill.
    let mut zk_private = fw.private.clone();
    zk_private.resize(zk.input.len_of(RegionKind::Private), Goldilocks::ZERO);

    let witness = |private| Witness {
        public: &fw.public,
        weights: &fw.weights,
        private,
    };
    let plain = time_gkr::<E, _>(scheme, &original, &witness(&fw.private), None, reps);
    let masked = time_gkr::<E, _>(scheme, &zk, &witness(&zk_private), Some(layout), reps);
    println!("LeNet whole, K = 18, GKR in Ext3, binding WHIR, medians of {reps}");
    println!("| proof | gates | prove ms | verify ms | bytes |");
    println!("|---|---|---|---|---|");
    println!(
        "| plain | {} | {:.1} | {:.1} | {} |",
        plain.gates, plain.prove_ms, plain.verify_ms, plain.proof_bytes
    );
    // The masked proof's bytes: the GKR proof and the inner product.
    println!(
        "| masked | {} | {:.1} ({:.2}×) | {:.1} ({:.2}×) | {} |",
        masked.gates,
        masked.prove_ms,
        masked.prove_ms / plain.prove_ms,
        masked.verify_ms,
        masked.verify_ms / plain.verify_ms,
        masked.proof_bytes + masked.inner_bytes
    );
}
