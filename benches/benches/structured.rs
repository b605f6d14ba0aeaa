//! The structured sumchecks standalone (issue 11, design commit 3): a conv block's prove and
//! verify at VGG shapes, a 512×512 matrix-vector product, the aggregation sumcheck at 2^18
//! and the field evaluation (witness) of the conv shapes. Each block receives two output
//! claims, as at layer 1 of a compiled slice (design §10.3), so prove includes aggregation.
//! Run: `cargo bench -p benches --bench structured`.
#![allow(clippy::unwrap_used, missing_docs)]

use circuits::random::Rng;
use circuits::{Conv2dOp, ConvSpec, MatMulOp, TensorRef, WeightRef};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use prover::gkr::structured::{self, BlockProof, Claim, Structured, labels};
use prover::transcript::Transcript;
use prover::{Field, Goldilocks, GoldilocksExt3, mle};
use std::hint::black_box;

type F = Goldilocks;
type E = GoldilocksExt3;

fn rand_e(rng: &mut Rng) -> E {
    let b: Vec<u8> = (0..E::UNIFORM_BYTES)
        .map(|_| rng.next_u64() as u8)
        .collect();
    E::from_uniform_bytes(&b)
}

/// Small signed values, as quantized activations and weights are.
fn small(rng: &mut Rng) -> F {
    F::from_i64(rng.below(256) as i64 - 128)
}

/// A VGG-style conv: 3×3, stride 1, pad 1, `c → c` channels on an `hw × hw` map, with bias.
fn vgg_conv(c: u32, hw: u32) -> Conv2dOp {
    let slab = c.next_power_of_two() * c.next_power_of_two();
    Conv2dOp {
        input: TensorRef {
            offset: 0,
            dims: [c, hw, hw],
        },
        cout: c,
        spec: ConvSpec {
            kernel: [3, 3],
            stride: [1, 1],
            dilation: [1, 1],
            pads: [1, 1, 1, 1],
            depthwise: false,
        },
        slabs: 0,
        bias: Some(9 * slab),
    }
}

/// Operand, weights region and output of `op`, plus two claims on the output.
struct Data {
    operand: Vec<F>,
    weights: Vec<F>,
    y: Vec<F>,
    claims: Vec<Claim<E>>,
}

fn data<S: Structured>(op: &S, weights_len: usize) -> Data {
    let mut rng = Rng::new(7);
    let geo = op.geometry().unwrap();
    let operand: Vec<F> = (0..1usize << geo.operand_vars)
        .map(|_| small(&mut rng))
        .collect();
    let weights: Vec<F> = (0..weights_len).map(|_| small(&mut rng)).collect();
    let y = op.evaluate_field(&geo, &operand, &weights).unwrap();
    let claims = (0..2)
        .map(|_| {
            let point: Vec<E> = (0..geo.out_vars).map(|_| rand_e(&mut rng)).collect();
            Claim {
                value: mle::evaluate_base(&y, &point),
                point,
            }
        })
        .collect();
    Data {
        operand,
        weights,
        y,
        claims,
    }
}

fn transcript(claims: &[Claim<E>]) -> Transcript {
    let mut t = Transcript::new(b"bench");
    let v: Vec<E> = claims.iter().map(|c| c.value).collect();
    t.absorb_field(labels::BLOCK_Y, &v);
    t
}

fn prove<S: Structured>(op: &S, d: &Data) -> BlockProof<E> {
    let mut t = transcript(&d.claims);
    structured::prove_block(op, &d.claims, &d.y, &d.operand, &d.weights, &mut t)
        .unwrap()
        .0
}

fn bench_block<S: Structured>(
    c: &mut Criterion,
    name: &str,
    op: &S,
    weights_len: usize,
    macs: u64,
) {
    let d = data(op, weights_len);
    let geo = op.geometry().unwrap();
    let proof = prove(op, &d);
    let mut g = c.benchmark_group(name);
    g.sample_size(10);
    g.throughput(Throughput::Elements(macs));
    g.bench_function("witness", |b| {
        b.iter(|| {
            op.evaluate_field(&geo, black_box(&d.operand), &d.weights)
                .unwrap()
        })
    });
    g.bench_function("prove", |b| b.iter(|| prove(op, black_box(&d))));
    g.bench_function("verify", |b| {
        b.iter(|| {
            let mut t = transcript(&d.claims);
            structured::verify_block(op, &d.claims, black_box(&proof), &mut t).unwrap()
        })
    });
    g.finish();
    eprintln!(
        "{name}: {} op rounds, {} slabs, proof {} bytes",
        geo.rounds,
        geo.slabs.len(),
        proof.to_bytes().len()
    );
}

fn convs(c: &mut Criterion) {
    for (ch, hw) in [(64u32, 32u32), (256, 8)] {
        let op = vgg_conv(ch, hw);
        let len = op.bias.unwrap() as usize + ch.next_power_of_two() as usize;
        let name = format!("conv_{ch}x{ch}_{hw}x{hw}_3x3");
        bench_block(c, &name, &op, len, op.macs().unwrap());
    }
}

fn matmul(c: &mut Criterion) {
    let op = MatMulOp {
        input: TensorRef {
            offset: 0,
            dims: [512, 1, 1],
        },
        weight: WeightRef {
            offset: 0,
            rows: 512,
            cols: 512,
        },
        bias: Some(512 * 512),
    };
    bench_block(c, "matmul_512x512", &op, 512 * 512 + 512, op.macs());
}

fn aggregation(c: &mut Criterion) {
    let n = 18;
    let mut rng = Rng::new(9);
    let y: Vec<F> = (0..1usize << n).map(|_| small(&mut rng)).collect();
    let claims: Vec<Claim<E>> = (0..2)
        .map(|_| {
            let point: Vec<E> = (0..n).map(|_| rand_e(&mut rng)).collect();
            Claim {
                value: mle::evaluate_base(&y, &point),
                point,
            }
        })
        .collect();
    let (proof, _) = structured::prove_aggregate(&y, &claims, &mut transcript(&claims)).unwrap();
    let mut g = c.benchmark_group("aggregate_2^18");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1 << n));
    g.bench_function("prove", |b| {
        b.iter(|| {
            structured::prove_aggregate(black_box(&y), &claims, &mut transcript(&claims)).unwrap()
        })
    });
    g.bench_function("verify", |b| {
        b.iter(|| {
            structured::verify_aggregate(n, &claims, black_box(&proof), &mut transcript(&claims))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, convs, matmul, aggregation);
criterion_main!(benches);
