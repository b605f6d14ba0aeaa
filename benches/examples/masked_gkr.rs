//! Masked GKR against plain GKR on the same random gate circuit (issue 10): the zero-
//! knowledge form (`circuits::zk::with_noise`) proven with `prove_masked`, and the
//! original circuit proven plainly, both with GKR in the cubic extension and the
//! transparent commitment (random circuits read committed padding, which WHIR refuses;
//! the openings are not what is compared here). Prints medians of `REPS` runs (default 3)
//! of prove and verify, and the proof sizes.
//! Run: `cargo run --release -p benches --example masked_gkr`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use circuits::RegionKind;
use circuits::random::{self, Spec};
use prover::gkr::{self, PreparedCircuit, ZkArgs};
use prover::{Field, Goldilocks, GoldilocksExt3, Statement, Transparent, Witness};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let reps: usize = std::env::var("REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
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
        let run = |circuit: &circuits::Circuit, private: &[Goldilocks], masked: bool| {
            let prepared = PreparedCircuit::new(circuit).unwrap();
            let cw = gkr::commit_weights::<_, E, Transparent>(scheme, circuit, &weights).unwrap();
            let w = Witness {
                public: &[],
                weights: &weights,
                private,
            };
            let (mut prove_t, mut verify_t) = (Vec::new(), Vec::new());
            let mut bytes = 0;
            for rep in 0..reps {
                let t = Instant::now();
                let (proof, outputs, inner) = if masked {
                    let ((p, o), i) = gkr::prove_masked::<_, E, _>(
                        scheme,
                        &prepared,
                        cw.as_ref(),
                        &w,
                        b"",
                        ZkArgs {
                            layout,
                            seed: &[rep as u8; 32],
                        },
                    )
                    .unwrap();
                    (p, o, Some(i))
                } else {
                    let (p, o) =
                        gkr::prove_with_weights::<_, E, _>(scheme, &prepared, cw.as_ref(), &w, b"")
                            .unwrap();
                    (p, o, None)
                };
                prove_t.push(t.elapsed().as_secs_f64() * 1e3);
                bytes = proof.to_bytes().len();
                let digest = prover::transparent_weights_commitment(circuit, &weights);
                let st = Statement {
                    public: &[],
                    outputs: &outputs,
                    context: b"",
                    weights_commitment: digest.as_ref(),
                };
                let t = Instant::now();
                match &inner {
                    Some(i) => {
                        gkr::verify_masked::<_, E, _>(scheme, &prepared, &st, &proof, layout, i)
                            .unwrap();
                    }
                    None => {
                        gkr::verify_prepared::<_, E, _>(scheme, &prepared, &st, &proof).unwrap()
                    }
                }
                verify_t.push(t.elapsed().as_secs_f64() * 1e3);
            }
            (
                median(prove_t),
                median(verify_t),
                bytes,
                circuit.num_gates(),
            )
        };
        let plain = run(&original, &private, false);
        let masked = run(&zk, &zk_private, true);
        println!(
            "widths {log_widths:?}: plain {} gates, prove {:.1} ms, verify {:.1} ms, {} B | masked {} gates, prove {:.1} ms ({:.2}x), verify {:.1} ms ({:.2}x), {} B (+inner product)",
            plain.3,
            plain.0,
            plain.1,
            plain.2,
            masked.3,
            masked.0,
            masked.0 / plain.0,
            masked.1,
            masked.1 / plain.1,
            masked.2
        );
    }
}
