//! Hiding WHIR (p3's `HidingWhirPcs` behind `prover::commit::HidingWhir`) at lamina's
//! parameters: Ext3, ρ = 1/4, fold 4, no PoW, 101 bits combined per opening, `ell_zk` 3.
//! For each mask rate 2^-2..2^-6: the smallest polynomial the configuration accepts (p3
//! refuses smaller ones with `RandomnessExceedsSlack`), then for m = 10..18 (step
//! `STEP`, default 2) and 1–4 points: opening bytes and commit / open / verify ms
//! (medians of `REPS`, default 3), beside the binding WHIR opening at the same size.
//! Run: `cargo run --release -p benches --features whir-figures --example hiding_whir`
//! (`RATES=2,3 POINTS=1,2 STEP=1 REPS=3 MIN_M=10 MAX_M=18` choose the sweep; `FOLDS=4,5,6`
//! the smallest folding factors, which the scheme raises to keep three folds).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use benches::median;
use prover::commit::{CommitmentScheme, HidingParams, HidingScheme, HidingWhir, Whir, ZkRng};
use prover::transcript::Transcript;
use prover::{Field, Goldilocks, GoldilocksExt3};
use std::time::Instant;

type E = GoldilocksExt3;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name).map_or_else(
        |_| default.to_vec(),
        |s| s.split(',').map(|t| t.trim().parse().unwrap()).collect(),
    )
}

fn point(m: u8, rng: &mut circuits::random::Rng) -> Vec<E> {
    (0..m)
        .map(|_| {
            let bytes: Vec<u8> = (0..<E as Field>::UNIFORM_BYTES)
                .map(|_| rng.next_u64() as u8)
                .collect();
            E::from_uniform_bytes(&bytes)
        })
        .collect()
}

fn main() {
    let reps = env_list("REPS", &[3])[0];
    let step = env_list("STEP", &[2])[0];
    let rates = env_list("RATES", &[2, 3, 4, 5, 6]);
    let point_counts = env_list("POINTS", &[1, 2, 4]);
    let max_m = env_list("MAX_M", &[18])[0] as u8;
    let min_m = env_list("MIN_M", &[10])[0] as u8;
    let sizes: Vec<u8> = (min_m..=max_m).step_by(step).collect();
    // The smallest folding factor (the scheme raises it to keep three folds).
    let folds = env_list("FOLDS", &[4]);

    println!("## smallest accepted size (no padding)\n");
    println!("| mask rate | smallest m | refusal below it |");
    println!("|---|---|---|");
    for &rate in &rates {
        let scheme = HidingWhir::<E>::new(HidingParams {
            mask_log_inv_rate: rate as u8,
            ..HidingParams::default()
        });
        let mut refusal = String::from("—");
        let smallest = (1..=20u8).find(|&n| match scheme.check_variables(n) {
            Ok(_) => true,
            Err(e) => {
                refusal = e.to_string();
                false
            }
        });
        // Keep only p3's reason (the tail after the last ": ").
        let reason = refusal.rsplit(": ").next().unwrap_or(&refusal).to_string();
        println!(
            "| 2^-{rate} | {} | {reason} |",
            smallest.map_or("none".into(), |n| n.to_string())
        );
    }

    println!("\n## openings\n");
    println!(
        "| mask rate | m | points | bits (target) | plain/masks/base-case bits | commit ms | open ms | verify ms | opening B | binding B |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let binding = Whir::<E>::default();
    for (&rate, &fold) in rates.iter().flat_map(|r| folds.iter().map(move |f| (r, f))) {
        let mut params = HidingParams {
            mask_log_inv_rate: rate as u8,
            ..HidingParams::default()
        };
        params.whir.folding_factor = fold as u8;
        let scheme = HidingWhir::<E>::new(params);
        println!("| fold ≥ {fold} | | | | | | | | | |");
        for &m in &sizes {
            for &k in &point_counts {
                let mut rng = circuits::random::Rng::new(u64::from(m) * 100 + k as u64);
                let values: Vec<Goldilocks> = circuits::random::values(1 << m, u64::from(m))
                    .into_iter()
                    .map(Goldilocks::from_u64)
                    .collect();
                let points: Vec<Vec<E>> = (0..k).map(|_| point(m, &mut rng)).collect();
                let refs: Vec<&[E]> = points.iter().map(Vec::as_slice).collect();
                let sec = match scheme.security(m, k) {
                    Ok(s) => s,
                    Err(e) => {
                        let e = e.to_string();
                        let reason = e.rsplit(": ").next().unwrap_or(&e);
                        println!("| 2^-{rate} | {m} | {k} | refused: {reason} | | | | | | |");
                        continue;
                    }
                };
                let (mut c, mut o, mut v, mut bytes) = (Vec::new(), Vec::new(), Vec::new(), 0);
                for rep in 0..reps {
                    let mut seed = [0u8; 32];
                    seed[0] = rep as u8;
                    let t = Instant::now();
                    let (digest, data) = scheme.commit(&values, m, ZkRng::Seeded(seed)).unwrap();
                    c.push(ms(t));
                    let mut tp = Transcript::new(b"hiding-bench");
                    let t = Instant::now();
                    let opening = scheme.open(data, &refs, &mut tp).unwrap();
                    o.push(ms(t));
                    bytes = opening.encoded_len();
                    let mut tv = Transcript::new(b"hiding-bench");
                    let t = Instant::now();
                    scheme
                        .verify(&digest, m, 1 << m, &refs, &opening, &mut tv)
                        .unwrap();
                    v.push(ms(t));
                }
                let (bd, bdata) = binding.commit(&values, m).unwrap();
                let mut tb = Transcript::new(b"hiding-bench");
                let bo = binding.open(bdata, &refs, &mut tb).unwrap();
                let mut tbv = Transcript::new(b"hiding-bench");
                binding
                    .verify(&bd, m, 1 << m, &refs, &bo, &mut tbv)
                    .unwrap();
                println!(
                    "| 2^-{rate} | {m} | {k} | {:.1} ({}) | {:.1} / {:.1} / {:.1} | {:.1} | {:.1} | {:.2} | {bytes} | {} |",
                    sec.bits,
                    sec.per_term_target,
                    sec.plain_bits,
                    sec.mask_bits,
                    sec.base_case_bits,
                    median(c),
                    median(o),
                    median(v),
                    bo.encoded_len(),
                );
            }
        }
    }
}
