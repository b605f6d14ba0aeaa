//! The bundled trained LeNet at K = 18: compile and witness of the whole model, GKR prove
//! and verify of the whole model and of each of its five DSperse slices.
//! Run: `cargo bench -p benches --bench lenet`.
#![allow(clippy::unwrap_used, missing_docs)]

use blueprints::{Model, Slice, SlicePlan, pipeline, slice};
use circuits::compiler::Program;
use criterion::{Criterion, criterion_group, criterion_main};
use prover::gkr::PreparedCircuit;
use prover::{Goldilocks, GoldilocksExt2, Statement, Transparent};

struct Prepared {
    slice: Slice,
    program: Program,
    circuit: PreparedCircuit<'static>,
    weights: Vec<i64>,
}

fn prepare(m: &Model, plan: &SlicePlan) -> Vec<Prepared> {
    slice::plan(m, plan)
        .unwrap()
        .into_iter()
        .map(|s| {
            let sp = pipeline::build(m, &s).unwrap();
            let bytes = sp.program.compile().unwrap().circuit.to_bytes();
            Prepared {
                weights: pipeline::weights(m, &s),
                circuit: PreparedCircuit::from_bytes(&bytes).unwrap(),
                program: sp.program,
                slice: s,
            }
        })
        .collect()
}

fn lenet(c: &mut Criterion) {
    let (m, x) = benches::lenet_k18();
    let mut g = c.benchmark_group("lenet");
    g.sample_size(10);
    let whole_slice = slice::plan(&m, &SlicePlan::Whole).unwrap().remove(0);
    g.bench_function("compile_whole", |b| {
        b.iter(|| {
            pipeline::build(&m, &whole_slice)
                .unwrap()
                .program
                .compile()
                .unwrap()
        })
    });
    for (name, plan) in [("whole", SlicePlan::Whole), ("slice", SlicePlan::Layers)] {
        let prepared = prepare(&m, &plan);
        let mut act = x.clone();
        for p in &prepared {
            let label = if name == "whole" {
                "whole".to_string()
            } else {
                format!("slice{}", p.slice.index)
            };
            if name == "whole" {
                g.bench_function("witness_whole", |b| {
                    b.iter(|| {
                        pipeline::witness(&m, &p.slice, &p.program, &p.weights, &act).unwrap()
                    })
                });
            }
            let (w, out) = pipeline::witness(&m, &p.slice, &p.program, &p.weights, &act).unwrap();
            let fw = prover::FieldWitness::from_solved(&w);
            let public = fw.public.clone();
            let wit = fw.witness();
            g.bench_function(format!("prove_{label}"), |b| {
                b.iter(|| {
                    prover::gkr::prove_prepared::<Goldilocks, GoldilocksExt2, _>(
                        &Transparent,
                        &p.circuit,
                        &wit,
                        b"",
                    )
                    .unwrap()
                })
            });
            let (proof, outputs) = prover::gkr::prove_prepared::<Goldilocks, GoldilocksExt2, _>(
                &Transparent,
                &p.circuit,
                &wit,
                b"",
            )
            .unwrap();
            let commitment = fw.weights_commitment(p.circuit.circuit());
            let st = Statement {
                public: &public,
                outputs: &outputs,
                context: b"",
                weights_commitment: commitment.as_ref(),
            };
            g.bench_function(format!("verify_{label}"), |b| {
                b.iter(|| {
                    prover::gkr::verify_prepared(&Transparent, &p.circuit, &st, &proof).unwrap()
                })
            });
            act = out;
        }
    }
    g.finish();
}

criterion_group!(benches, lenet);
criterion_main!(benches);
