//! GKR prove and verify on the engine benchmark circuit (about 2^20 gates, layers of
//! width 2^16–2^18), plus the kernels under it. Run: `cargo bench -p benches --bench gkr`.
#![allow(clippy::unwrap_used, missing_docs)]

use benches::{Fixture, engine_spec};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use prover::gkr::{self, PreparedCircuit};
use prover::sumcheck::{ProductSumcheck, RoundProver, Table};
use prover::{Field, Goldilocks, GoldilocksExt2, Statement, Transparent, mle};
use std::hint::black_box;

type F = Goldilocks;
type E = GoldilocksExt2;

fn ext(i: u64) -> E {
    let b: Vec<u8> = (0..32)
        .map(|k| (i.wrapping_mul(0x9E37_79B9) >> (k % 8)) as u8 ^ k as u8)
        .collect();
    E::from_uniform_bytes(&b)
}

fn engine(c: &mut Criterion) {
    let fx = Fixture::new(&engine_spec(), 1);
    let circuit = &fx.circuit;
    let gates = circuit.num_gates() as u64;
    let (proof, outputs) = prover::prove_transparent(circuit, &fx.witness(), b"bench").unwrap();
    let commitment = prover::transparent_weights_commitment(circuit, &fx.weights);
    let st = Statement {
        public: &fx.public,
        outputs: &outputs,
        context: b"bench",
        weights_commitment: commitment.as_ref(),
    };
    let prepared = PreparedCircuit::new(circuit).unwrap();

    let mut g = c.benchmark_group("gkr_2^20_gates");
    g.sample_size(10);
    g.throughput(Throughput::Elements(gates));
    g.bench_function("prove", |b| {
        b.iter(|| prover::prove_transparent(circuit, &fx.witness(), b"bench").unwrap())
    });
    g.bench_function("verify", |b| {
        b.iter(|| prover::verify_transparent(circuit, &st, &proof).unwrap())
    });
    g.bench_function("verify_prepared", |b| {
        b.iter(|| gkr::verify_prepared(&Transparent, &prepared, &st, &proof).unwrap())
    });
    g.finish();
}

fn kernels(c: &mut Criterion) {
    let n = 1usize << 16;
    let a: Vec<E> = (0..n as u64).map(ext).collect();
    let fb: Vec<F> = (0..n as u64).map(|i| F::from_u64(i * 7919)).collect();
    let mut g = c.benchmark_group("kernels_2^16");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("ext2_mul", |b| {
        b.iter(|| a.iter().fold(E::ONE, |acc, &x| acc * x))
    });
    g.bench_function("base_mul", |b| {
        b.iter(|| fb.iter().fold(F::ONE, |acc, &x| acc * x))
    });
    let point: Vec<E> = (0..16).map(ext).collect();
    g.bench_function("eq_table", |b| {
        b.iter(|| mle::eq_table_scaled_par(black_box(&point), E::ONE))
    });
    g.bench_function("sumcheck_round", |b| {
        b.iter_batched(
            || ProductSumcheck::<F, E>::new(Table::Base(&fb), a.clone()),
            |mut inst| {
                let evals = inst.round_evals();
                inst.bind(evals[2]);
                inst
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, engine, kernels);
criterion_main!(benches);
