//! WHIR commit / open / verify at 2^16 and 2^18 values, two opening points (what GKR
//! leaves on a region), for the default (Ext3 challenges, ρ = 1/4, folding 4, no PoW) and
//! for Ext2 with a 16-bit proof-of-work budget; prints each opening's size and combined
//! security once. Run: `cargo bench -p prover --bench whir`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use circuits::random;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use prover::commit::CommitmentScheme;
use prover::commit::whir::WhirField;
use prover::transcript::Transcript;
use prover::{Field, Goldilocks, GoldilocksExt2, GoldilocksExt3, Whir, WhirParams};

fn bench_one<E: WhirField>(c: &mut Criterion, name: &str, scheme: &Whir<E>, log_len: u8) {
    let n = 1usize << log_len;
    let values: Vec<Goldilocks> = random::values(n, 7)
        .into_iter()
        .map(Goldilocks::from_u64)
        .collect();
    let points: Vec<Vec<E>> = (0..2u64)
        .map(|k| {
            (0..u64::from(log_len))
                .map(|i| <E as Field>::from_u64(1000 * k + 3 * i + 5))
                .collect()
        })
        .collect();
    let refs: Vec<&[E]> = points.iter().map(Vec::as_slice).collect();
    let (digest, data) = scheme.commit(&values, log_len).unwrap();
    let opening = scheme
        .open(data.clone(), &refs, &mut Transcript::new(b"bench"))
        .unwrap();
    let sec = scheme.security(log_len, 2).unwrap();
    eprintln!(
        "{name} 2^{log_len}: opening {} B, combined {:.1} bits (per-term target {})",
        opening.encoded_len(),
        sec.bits,
        sec.per_term_target
    );
    let mut g = c.benchmark_group(format!("whir_{name}"));
    g.sample_size(10);
    g.bench_function(BenchmarkId::new("commit", log_len), |b| {
        b.iter(|| scheme.commit(&values, log_len).unwrap())
    });
    g.bench_function(BenchmarkId::new("open", log_len), |b| {
        b.iter_batched(
            || data.clone(),
            |d| {
                scheme
                    .open(d, &refs, &mut Transcript::new(b"bench"))
                    .unwrap()
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.bench_function(BenchmarkId::new("verify", log_len), |b| {
        b.iter(|| {
            scheme
                .verify(
                    &digest,
                    log_len,
                    n,
                    &refs,
                    &opening,
                    &mut Transcript::new(b"bench"),
                )
                .unwrap()
        })
    });
    g.finish();
}

fn whir(c: &mut Criterion) {
    let ext3 = Whir::<GoldilocksExt3>::default();
    let ext2 = Whir::<GoldilocksExt2>::new(WhirParams::ext2_pow());
    for log_len in [16u8, 18] {
        bench_one(c, "ext3", &ext3, log_len);
        bench_one(c, "ext2_pow16", &ext2, log_len);
    }
}

criterion_group!(benches, whir);
criterion_main!(benches);
