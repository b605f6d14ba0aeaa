//! Zero-knowledge proofs of the bundled trained LeNet at K = 18 (issue 10), whole model:
//! `prover::zk::prove_zk` (masked GKR, hiding WHIR openings, a weights stock entry per
//! proof) on the model compiled with gates for every multiply-accumulate (the
//! zero-knowledge prover refuses structured blocks until it hides their sub-cube claims),
//! beside binding WHIR proofs of the same gate circuit and of the default structured
//! circuit. Prints medians of `REPS` runs (default 5) of prove and verify, the stock's
//! build time, the proof sizes and the security figures.
//! Run: `cargo run --release -p benches --features whir-figures --example zk_lenet`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use benches::median;
use blueprints::{SlicePlan, pipeline, slice};
use circuits::Circuit;
use circuits::compiler::Builder;
use prover::commit::ZkRng;
use prover::zk::{StockUse, WeightsStock, ZkCircuit, prove_zk, verify_zk};
use prover::{FieldWitness, Statement};
use std::time::Instant;

struct Row {
    gates: usize,
    prove: Vec<f64>,
    verify: Vec<f64>,
    bytes: usize,
    bits: f64,
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn binding(circuit: &Circuit, fw: &FieldWitness, reps: usize) -> Row {
    let committed = prover::whir_commit_weights(circuit, &fw.weights).unwrap();
    let digest = committed.as_ref().map(|c| *c.digest());
    let mut row = Row {
        gates: circuit.num_gates(),
        prove: vec![],
        verify: vec![],
        bytes: 0,
        bits: prover::whir_proof_security(circuit).unwrap().bits,
    };
    for _ in 0..reps {
        let t = Instant::now();
        let (proof, outputs) =
            prover::prove_whir(circuit, committed.as_ref(), &fw.witness(), b"zk-lenet").unwrap();
        row.prove.push(ms(t));
        let st = Statement {
            public: &fw.public,
            outputs: &outputs,
            context: b"zk-lenet",
            weights_commitment: digest.as_ref(),
        };
        let t = Instant::now();
        prover::verify_whir(circuit, &st, &proof).unwrap();
        row.verify.push(ms(t));
        row.bytes = proof.to_bytes().len();
    }
    row
}

fn main() {
    let reps = benches::reps(5);
    let (m, x) = benches::lenet_k18();
    let s = slice::plan(&m, &SlicePlan::Whole).unwrap().remove(0);
    let weights = pipeline::weights(&m, &s);
    let compile = |builder: Builder| {
        let sp = pipeline::build_with(&m, &s, builder).unwrap();
        let circuit = sp.program.compile().unwrap().circuit;
        let (w, _) = pipeline::witness(&m, &s, &sp.program, &weights, &x).unwrap();
        (circuit, FieldWitness::from_solved(&w))
    };
    let (structured, fw_s) = compile(Builder::new());
    let (gates, fw_g) = compile(Builder::gates_only());

    let rows = [
        (
            "binding WHIR, structured blocks",
            binding(&structured, &fw_s, reps),
        ),
        ("binding WHIR, gates", binding(&gates, &fw_g, reps)),
    ];

    let zk = ZkCircuit::new(&gates).unwrap();
    let t = Instant::now();
    let stock = WeightsStock::build(&zk, &fw_g.weights, reps as u32, &ZkRng::System).unwrap();
    let stock_ms = ms(t);
    let mut row = Row {
        gates: zk.circuit().num_gates(),
        prove: vec![],
        verify: vec![],
        bytes: 0,
        bits: zk.security(Some(reps as u32)).unwrap().bits,
    };
    for index in 0..reps as u32 {
        let t = Instant::now();
        let (proof, outputs) = prove_zk(
            &zk,
            &fw_g.witness(),
            b"zk-lenet",
            &ZkRng::System,
            Some(StockUse {
                stock: &stock,
                index,
            }),
        )
        .unwrap();
        row.prove.push(ms(t));
        let st = Statement {
            public: &fw_g.public,
            outputs: &outputs,
            context: b"zk-lenet",
            weights_commitment: None,
        };
        let t = Instant::now();
        verify_zk(&zk, &st, Some(stock.key()), &proof).unwrap();
        row.verify.push(ms(t));
        row.bytes = proof.to_bytes().len();
    }

    println!("LeNet whole, K = 18, GKR in Ext3, medians of {reps}");
    println!("| proof | gates | prove ms | verify ms | bytes | bits |");
    println!("|---|---|---|---|---|---|");
    let base = &rows[1].1;
    let (bp, bv) = (median(base.prove.clone()), median(base.verify.clone()));
    for (name, r) in rows
        .iter()
        .chain(std::iter::once(&("zero knowledge, gates", row)))
    {
        let (p, v) = (median(r.prove.clone()), median(r.verify.clone()));
        println!(
            "| {name} | {} | {p:.1} ({:.2}× gates) | {v:.1} ({:.2}× gates) | {} | {:.1} |",
            r.gates,
            p / bp,
            v / bv,
            r.bytes,
            r.bits
        );
    }
    println!(
        "stock of {reps} entries: {stock_ms:.0} ms ({:.1} ms per entry)",
        stock_ms / reps as f64
    );
}
