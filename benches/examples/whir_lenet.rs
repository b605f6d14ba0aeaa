//! WHIR-committed proofs of the bundled trained LeNet at K = 18, whole model and its five
//! DSperse slices: weights committed once (compile time), then per inference the private
//! witness commitment, GKR, and both openings. Prints medians of `REPS` runs (default 3).
//! Run: `cargo run --release -p benches --features whir-figures --example whir_lenet`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use benches::median;
use blueprints::{SlicePlan, pipeline, slice};
use prover::gkr::PreparedCircuit;
use prover::{Statement, Transparent};
use std::time::Instant;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

struct Row {
    slice: String,
    weights: String,
    private: String,
    commit: f64,
    prove: f64,
    verify: f64,
    bytes: usize,
    security: String,
}

/// Measures one slice with scheme `C` over challenge field `E`.
fn measure<E, C>(
    scheme: &C,
    circuit: &circuits::Circuit,
    fw: &prover::FieldWitness,
    reps: usize,
    security: impl Fn(u8) -> String,
) -> Row
where
    E: prover::ExtensionField<prover::Goldilocks>,
    C: prover::CommitmentScheme<prover::Goldilocks, E>,
{
    let prepared = PreparedCircuit::new(circuit).unwrap();
    let wit = fw.witness();
    let mut commit_t = Vec::new();
    let mut cw = None;
    for _ in 0..reps {
        let t = Instant::now();
        cw = prover::gkr::commit_weights::<_, E, C>(scheme, circuit, &fw.weights).unwrap();
        commit_t.push(ms(t));
    }
    let mut prove_t = Vec::new();
    let mut proven = None;
    for _ in 0..reps {
        let t = Instant::now();
        proven = Some(
            prover::gkr::prove_with_weights(scheme, &prepared, cw.as_ref(), &wit, b"").unwrap(),
        );
        prove_t.push(ms(t));
    }
    let (proof, outputs) = proven.unwrap();
    let bytes = proof.to_bytes();
    let st = Statement {
        public: &fw.public,
        outputs: &outputs,
        context: b"",
        weights_commitment: cw.as_ref().map(|c| c.digest()),
    };
    let mut verify_t = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        let p = prover::proof::Proof::<E, C::Opening>::from_bytes(&bytes).unwrap();
        prover::gkr::verify_prepared(scheme, &prepared, &st, &p).unwrap();
        verify_t.push(ms(t));
    }
    let region = |k| {
        circuit
            .input
            .region(k)
            .map(|r: &circuits::Region| (r.log_len, r.len))
    };
    let fmt = |r: Option<(u8, u32)>| {
        r.map(|(l, n)| format!("{l} ({n})"))
            .unwrap_or_else(|| "-".into())
    };
    let sec = |k| {
        region(k)
            .map(|(l, _)| security(l))
            .unwrap_or_else(|| "-".into())
    };
    Row {
        slice: String::new(),
        weights: fmt(region(circuits::RegionKind::Weights)),
        private: fmt(region(circuits::RegionKind::Private)),
        commit: median(commit_t),
        prove: median(prove_t),
        verify: median(verify_t),
        bytes: bytes.len(),
        security: format!(
            "{} / {}",
            sec(circuits::RegionKind::Weights),
            sec(circuits::RegionKind::Private)
        ),
    }
}

fn main() {
    let reps = benches::reps(3);
    let config = std::env::var("CONFIG").unwrap_or_else(|_| "whir-ext3".into());
    let (m, x) = benches::lenet_k18();
    let pow: u8 = std::env::var("POW")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    let ext2 = prover::Whir::<prover::GoldilocksExt2>::new(prover::WhirParams {
        pow_bits: pow,
        ..Default::default()
    });
    // RATE / FOLD override the default Ext3 parameters (for parameter sweeps).
    let env = |k: &str| std::env::var(k).ok().and_then(|s| s.parse::<u8>().ok());
    let custom = prover::Whir::<prover::GoldilocksExt3>::new(prover::WhirParams {
        log_inv_rate: env("RATE").unwrap_or(2),
        folding_factor: env("FOLD").unwrap_or(4),
        ..Default::default()
    });
    let ext3 = &custom;
    println!("config {config}, medians of {reps}");
    println!(
        "| model | slice | weights 2^m (len) | private 2^m (len) | commit weights ms | prove ms (incl. private commitment + openings) | verify ms | proof B | security bits (weights / private) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, plan) in [("whole", SlicePlan::Whole), ("5 slices", SlicePlan::Layers)] {
        let mut act = x.clone();
        let (mut tot_prove, mut tot_verify, mut tot_bytes) = (0.0, 0.0, 0usize);
        for s in slice::plan(&m, &plan).unwrap() {
            let sp = pipeline::build(&m, &s).unwrap();
            let circuit = sp.program.compile().unwrap().circuit;
            let weights = pipeline::weights(&m, &s);
            let (w, out) = pipeline::witness(&m, &s, &sp.program, &weights, &act).unwrap();
            let fw = prover::FieldWitness::from_solved(&w);
            let mut row = match config.as_str() {
                "whir-ext3" => measure(ext3, &circuit, &fw, reps, |l| {
                    format!("{:.1}", ext3.security(l, 2).unwrap().bits)
                }),
                "whir-ext2" => measure(&ext2, &circuit, &fw, reps, |l| {
                    format!("{:.1}", ext2.security(l, 2).unwrap().bits)
                }),
                "transparent-ext2" => {
                    measure::<prover::GoldilocksExt2, _>(&Transparent, &circuit, &fw, reps, |_| {
                        "-".into()
                    })
                }
                "transparent-ext3" => {
                    measure::<prover::GoldilocksExt3, _>(&Transparent, &circuit, &fw, reps, |_| {
                        "-".into()
                    })
                }
                other => panic!("unknown CONFIG {other}"),
            };
            row.slice = s.index.to_string();
            tot_prove += row.prove;
            tot_verify += row.verify;
            tot_bytes += row.bytes;
            println!(
                "| {name} | {} | {} | {} | {:.1} | {:.1} | {:.2} | {} | {} |",
                row.slice,
                row.weights,
                row.private,
                row.commit,
                row.prove,
                row.verify,
                row.bytes,
                row.security
            );
            act = out;
        }
        println!("| {name} | total | | | | {tot_prove:.1} | {tot_verify:.2} | {tot_bytes} | |");
    }
}
