//! Zero-knowledge proofs of gate circuits (issue 10) against binding WHIR proofs of the
//! same circuits: `prover::zk::prove_zk` (masked GKR, hiding WHIR opened once) on the
//! zero-knowledge form, `prover::prove_whir` on the original. Random gate circuits
//! without a weights region (the only kind `prove_zk` accepts until the weights stock),
//! their private region full (WHIR refuses circuits that read committed padding).
//! Prints medians of `REPS` runs (default 5) of prove and verify, and the proof sizes.
//! Run: `cargo run --release -p benches --features whir-figures --example zk_gates`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use circuits::random::{self, Spec};
use circuits::{Circuit, RegionKind};
use prover::commit::ZkRng;
use prover::zk::{ZkCircuit, prove_zk, verify_zk};
use prover::{Field, Goldilocks, Statement, Witness};
use std::time::Instant;

/// A random gate circuit whose weights reads move into a full private region.
fn gate_circuit(log_widths: &[u8]) -> Circuit {
    let spec = Spec {
        log_widths: log_widths.to_vec(),
        mul_percent: 50,
        ..Spec::default()
    };
    random::without_weights(random::circuit(&spec, 1), true)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let reps = benches::reps(5);
    for log_widths in [vec![13u8, 13, 12, 12, 11, 8], vec![16, 16, 15, 15, 14, 10]] {
        let original = gate_circuit(&log_widths);
        let zk = ZkCircuit::new(&original).unwrap();
        let private: Vec<Goldilocks> =
            random::values(original.input.len_of(RegionKind::Private), 3)
                .into_iter()
                .map(Goldilocks::from_u64)
                .collect();
        let witness = Witness {
            public: &[],
            weights: &[],
            private: &private,
        };
        let (mut pw, mut vw, mut pz, mut vz) = (vec![], vec![], vec![], vec![]);
        let (mut bw, mut bz) = (0, 0);
        for _ in 0..reps {
            let t = Instant::now();
            let (proof, outputs) = prover::prove_whir(&original, None, &witness, b"").unwrap();
            pw.push(t.elapsed().as_secs_f64() * 1e3);
            let statement = Statement {
                public: &[],
                outputs: &outputs,
                context: b"",
                weights_commitment: None,
            };
            let t = Instant::now();
            prover::verify_whir(&original, &statement, &proof).unwrap();
            vw.push(t.elapsed().as_secs_f64() * 1e3);
            bw = proof.to_bytes().len();

            let t = Instant::now();
            let (proof, outputs) = prove_zk(&zk, &witness, b"", &ZkRng::System, None).unwrap();
            pz.push(t.elapsed().as_secs_f64() * 1e3);
            let statement = Statement {
                public: &[],
                outputs: &outputs,
                context: b"",
                weights_commitment: None,
            };
            let t = Instant::now();
            verify_zk(&zk, &statement, None, &proof).unwrap();
            vz.push(t.elapsed().as_secs_f64() * 1e3);
            bz = proof.to_bytes().len();
        }
        let (pw, vw, pz, vz) = (median(pw), median(vw), median(pz), median(vz));
        println!(
            "widths {log_widths:?}: binding WHIR prove {pw:.1} ms, verify {vw:.1} ms, {bw} B | zero knowledge prove {pz:.1} ms ({:.2}x), verify {vz:.1} ms ({:.2}x), {bz} B (+{} B); security {:.1} bits",
            pz / pw,
            vz / vw,
            bz as i64 - bw as i64,
            zk.security(None).unwrap().bits,
        );
    }
}
