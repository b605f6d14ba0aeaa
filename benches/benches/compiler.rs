//! The compiler on the LeNet-shaped program: compile and witness solving.
//! Run: `cargo bench -p benches --bench compiler`.
#![allow(clippy::unwrap_used, missing_docs)]

use benches::lenet::lenet_program;
use criterion::{Criterion, criterion_group, criterion_main};

fn compiler(c: &mut Criterion) {
    let lp = lenet_program(1).unwrap();
    let mut g = c.benchmark_group("lenet_program");
    g.sample_size(10);
    g.bench_function("build", |b| b.iter(|| lenet_program(1).unwrap()));
    g.bench_function("compile", |b| b.iter(|| lp.program.compile().unwrap()));
    g.bench_function("solve", |b| {
        b.iter(|| {
            lp.program
                .solve(&lp.public, &lp.weights, &lp.hints)
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, compiler);
criterion_main!(benches);
