//! Masked GKR against plain GKR on the bundled trained LeNet at K = 18 (issue 10): the
//! whole model's compiled circuit (conv and Gemm as structured blocks) proven plainly,
//! and its zero-knowledge form (`circuits::zk::with_noise`) proven with `prove_masked`,
//! both with GKR in the cubic extension and the default binding WHIR commitment. This
//! measures the masking's cost only: the openings are binding, not hiding, so neither
//! proof is zero-knowledge (see `docs/design/zero-knowledge.md`). Prints medians of
//! `REPS` runs (default 3) of prove and verify, the gate counts and the proof sizes.
//! Run: `cargo run --release -p benches --example masked_lenet`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use blueprints::{Model, QuantConfig, SlicePlan, pipeline, slice};
use circuits::RegionKind;
use prover::gkr::{self, PreparedCircuit, ZkArgs};
use prover::{Field, Goldilocks, GoldilocksExt3, Statement, Witness};
use std::path::PathBuf;
use std::time::Instant;

fn testdata(f: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/lenet")
        .join(f)
}

fn first_input() -> Vec<f64> {
    let text = std::fs::read_to_string(testdata("input.json")).unwrap();
    let body = &text[text.find("[[").unwrap() + 2..text.find("]]").unwrap()];
    body.split(',').map(|t| t.trim().parse().unwrap()).collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn main() {
    type E = GoldilocksExt3;
    let reps: usize = std::env::var("REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let scheme = prover::whir_scheme();
    let m = Model::from_onnx(
        &std::fs::read(testdata("lenet.onnx")).unwrap(),
        QuantConfig::new(18, (-1.0, 1.0)).unwrap(),
    )
    .unwrap();
    let x = m.quant.quantize_input(&first_input(), "conv1").unwrap();
    let s = slice::plan(&m, &SlicePlan::Whole).unwrap().remove(0);
    let sp = pipeline::build(&m, &s).unwrap();
    let original = sp.program.compile().unwrap().circuit;
    let weights = pipeline::weights(&m, &s);
    let (w, _) = pipeline::witness(&m, &s, &sp.program, &weights, &x).unwrap();
    let fw = prover::FieldWitness::from_solved(&w);
    let (zk, layout) = circuits::zk::with_noise(&original, 3).unwrap();
    // The transform keeps every private value in place; the noise and the mask table
    // above them are the prover's to fill.
    let mut zk_private = fw.private.clone();
    zk_private.resize(zk.input.len_of(RegionKind::Private), Goldilocks::ZERO);

    let run = |circuit: &circuits::Circuit, private: &[Goldilocks], masked: bool| {
        let prepared = PreparedCircuit::new(circuit).unwrap();
        let cw = gkr::commit_weights::<_, E, _>(scheme, circuit, &fw.weights).unwrap();
        let wit = Witness {
            public: &fw.public,
            weights: &fw.weights,
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
                    &wit,
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
                    gkr::prove_with_weights::<_, E, _>(scheme, &prepared, cw.as_ref(), &wit, b"")
                        .unwrap();
                (p, o, None)
            };
            prove_t.push(ms(t));
            bytes = proof.to_bytes().len()
                + inner.as_ref().map_or(0, |i| {
                    let mut w = circuits::codec::Writer::new();
                    i.encode(&mut w);
                    w.into_bytes().len()
                });
            let st = Statement {
                public: &fw.public,
                outputs: &outputs,
                context: b"",
                weights_commitment: cw.as_ref().map(|c| c.digest()),
            };
            let t = Instant::now();
            match &inner {
                Some(i) => {
                    gkr::verify_masked::<_, E, _>(scheme, &prepared, &st, &proof, layout, i)
                        .unwrap();
                }
                None => gkr::verify_prepared::<_, E, _>(scheme, &prepared, &st, &proof).unwrap(),
            }
            verify_t.push(ms(t));
        }
        (
            median(prove_t),
            median(verify_t),
            bytes,
            circuit.num_gates(),
        )
    };
    let plain = run(&original, &fw.private, false);
    let masked = run(&zk, &zk_private, true);
    println!("LeNet whole, K = 18, GKR in Ext3, binding WHIR, medians of {reps}");
    println!("| proof | gates | prove ms | verify ms | bytes |");
    println!("|---|---|---|---|---|");
    println!(
        "| plain | {} | {:.1} | {:.1} | {} |",
        plain.3, plain.0, plain.1, plain.2
    );
    println!(
        "| masked | {} | {:.1} ({:.2}×) | {:.1} ({:.2}×) | {} |",
        masked.3,
        masked.0,
        masked.0 / plain.0,
        masked.1,
        masked.1 / plain.1,
        masked.2
    );
}
