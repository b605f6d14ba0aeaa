//! The prover's hot loops in isolation: scalar extension multiplies, the product
//! sumcheck's round + fold at 2^20 entries (f in the base field or the extension, both
//! challenge fields; a round includes allocating its fold targets), its fused
//! fold-and-sum loop alone (packed against scalar), eq-table construction and
//! multilinear evaluation at 2^20.
//!
//! Run on one core, as the figures are quoted:
//! `RAYON_NUM_THREADS=1 cargo bench -p benches --bench kernels`.
#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use prover::arith::scalar;
use prover::sumcheck::{ProductSumcheck, RoundProver, Table};
use prover::{ExtensionField, Field, Goldilocks, GoldilocksExt2, GoldilocksExt3, mle};
use std::hint::black_box;

type F = Goldilocks;

/// Deterministic pseudo-random bytes (splitmix64).
fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    (0..n.div_ceil(8))
        .flat_map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)).to_le_bytes()
        })
        .take(n)
        .collect()
}

fn rand<T: Field>(seed: u64) -> T {
    T::from_uniform_bytes(&bytes(seed, T::UNIFORM_BYTES))
}

fn table<T: Field>(seed: u64, n: usize) -> Vec<T> {
    (0..n as u64).map(|i| rand(seed << 32 | i)).collect()
}

const LOG_N: usize = 20;

fn mul<E: Field>(c: &mut Criterion, name: &str) {
    let n = 1usize << 16;
    let (a, b): (Vec<E>, Vec<E>) = (table(1, n), table(2, n));
    let mut g = c.benchmark_group("ext_mul_2^16");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(name, |bn| {
        bn.iter(|| {
            black_box(&a)
                .iter()
                .zip(black_box(&b))
                .map(|(&x, &y)| x * y)
                .sum::<E>()
        })
    });
    g.bench_function(format!("{name}_inline"), |bn| {
        bn.iter(|| {
            black_box(&a)
                .iter()
                .zip(black_box(&b))
                .map(|(&x, &y)| x.mul_inline(y))
                .sum::<E>()
        })
    });
    g.finish();
}

/// One round (message + bind) and a whole sumcheck (every round) from a fresh instance.
fn round_fold<E: ExtensionField<F>>(c: &mut Criterion, name: &str) {
    let n = 1usize << LOG_N;
    let fb: Vec<F> = table(3, n);
    let fe: Vec<E> = table(4, n);
    let h: Vec<E> = table(5, n);
    let r: E = rand(6);
    let mut g = c.benchmark_group(format!("round_fold_2^{LOG_N}"));
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    for (kind, f) in [("base", None), ("ext", Some(&fe))] {
        let inst = || match f {
            None => ProductSumcheck::<F, E>::new(Table::Base(&fb), h.clone()),
            Some(fe) => ProductSumcheck::<F, E>::new(Table::Ext(fe.as_slice().into()), h.clone()),
        };
        g.bench_function(format!("{name}_{kind}_f/round"), |b| {
            b.iter_batched(
                inst,
                |mut inst| {
                    let evals = inst.round_evals();
                    inst.bind(r);
                    (inst, evals)
                },
                BatchSize::LargeInput,
            )
        });
        g.bench_function(format!("{name}_{kind}_f/all_rounds"), |b| {
            b.iter_batched(
                inst,
                |mut inst| {
                    let mut last = E::ZERO;
                    for _ in 0..LOG_N {
                        last += inst.round_evals()[2];
                        inst.bind(r);
                    }
                    (inst, last)
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

/// The fused fold-and-sum loop alone (outputs preallocated, one pass over 2^20 entries):
/// the field's packed loop against the portable scalar one, the same elements.
fn pair_kernels<E: ExtensionField<F>>(c: &mut Criterion, name: &str) {
    let n = 1usize << LOG_N;
    let fb: Vec<F> = table(3, n);
    let fe: Vec<E> = table(4, n);
    let h: Vec<E> = table(5, n);
    let r: E = rand(6);
    let (mut of, mut oh) = (vec![E::ZERO; n / 2], vec![E::ZERO; n / 2]);
    let mut g = c.benchmark_group(format!("pair_kernels_2^{LOG_N}"));
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(format!("{name}_base_f/fold_sum_packed"), |b| {
        b.iter(|| E::fold_pair_sums_base(&fb, &h, r, &mut of, &mut oh))
    });
    g.bench_function(format!("{name}_base_f/fold_sum_scalar"), |b| {
        b.iter(|| {
            scalar::fold_pair_sums(&fb, &h, r, &mut of, &mut oh, |a: F, x: F| {
                E::from(a) + r * (x - a)
            })
        })
    });
    g.bench_function(format!("{name}_ext_f/fold_sum_packed"), |b| {
        b.iter(|| E::fold_pair_sums(&fe, &h, r, &mut of, &mut oh))
    });
    g.bench_function(format!("{name}_ext_f/fold_sum_scalar"), |b| {
        b.iter(|| {
            scalar::fold_pair_sums(&fe, &h, r, &mut of, &mut oh, |a: E, x: E| {
                a + r.mul_inline(x - a)
            })
        })
    });
    g.bench_function(format!("{name}_base_f/pair_sums_packed"), |b| {
        b.iter(|| E::pair_sums_base(black_box(&fb), &h))
    });
    g.bench_function(format!("{name}_base_f/pair_sums_scalar"), |b| {
        b.iter(|| scalar::pair_sums(black_box(&fb), &h, E::mul_base_acc))
    });
    g.finish();
}

fn eq_and_eval<E: ExtensionField<F>>(c: &mut Criterion, name: &str) {
    let n = 1usize << LOG_N;
    let point: Vec<E> = (0..LOG_N as u64).map(|i| rand(100 + i)).collect();
    let vb: Vec<F> = table(7, n);
    let ve: Vec<E> = table(8, n);
    let mut g = c.benchmark_group(format!("mle_2^{LOG_N}"));
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(format!("{name}/eq_table_par"), |b| {
        b.iter(|| mle::eq_table_scaled_par(black_box(&point), E::ONE))
    });
    g.bench_function(format!("{name}/eq_table"), |b| {
        b.iter(|| mle::eq_table_scaled(black_box(&point), E::ONE))
    });
    g.bench_function(format!("{name}/evaluate_base"), |b| {
        b.iter(|| mle::evaluate_base(black_box(&vb), &point))
    });
    g.bench_function(format!("{name}/evaluate_ext"), |b| {
        b.iter(|| mle::evaluate_ext(black_box(&ve), &point))
    });
    g.finish();
}

fn kernels(c: &mut Criterion) {
    mul::<GoldilocksExt3>(c, "ext3");
    mul::<GoldilocksExt2>(c, "ext2");
    mul::<F>(c, "base");
    round_fold::<GoldilocksExt3>(c, "ext3");
    round_fold::<GoldilocksExt2>(c, "ext2");
    pair_kernels::<GoldilocksExt3>(c, "ext3");
    pair_kernels::<GoldilocksExt2>(c, "ext2");
    eq_and_eval::<GoldilocksExt3>(c, "ext3");
    eq_and_eval::<GoldilocksExt2>(c, "ext2");
}

criterion_group!(benches, kernels);
criterion_main!(benches);
