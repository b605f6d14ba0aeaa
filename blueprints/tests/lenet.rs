//! The bundled trained LeNet: the float reference against onnxruntime's logits, and the
//! whole and sliced circuits proven and verified, each slice's input the previous one's
//! proven output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use blueprints::{Model, QuantConfig, SlicePlan, pipeline, slice};
use prover::{Field, Goldilocks, Statement};
use std::path::PathBuf;

fn testdata(f: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/lenet")
        .join(f)
}

/// Minimal JSON number-array extraction for test fixtures (no JSON dependency here).
fn arrays(json: &str, key: &str) -> Vec<Vec<f64>> {
    let start = json.find(&format!("\"{key}\"")).unwrap();
    let body = &json[start..];
    let open = body.find("[[").unwrap();
    let close = body.find("]]").unwrap();
    body[open + 2..close]
        .split("], [")
        .map(|row| {
            row.split(',')
                .map(|t| t.trim().trim_matches(['[', ']']).parse::<f64>().unwrap())
                .collect()
        })
        .collect()
}

fn model(bits: u32) -> Model {
    Model::from_onnx(
        &std::fs::read(testdata("lenet.onnx")).unwrap(),
        QuantConfig::new(bits, (-1.0, 1.0)).unwrap(),
    )
    .unwrap()
}

#[test]
fn float_reference_matches_onnxruntime() {
    let m = model(18);
    let inputs = arrays(
        &std::fs::read_to_string(testdata("inputs.json")).unwrap(),
        "input_data",
    );
    let expected = arrays(
        &std::fs::read_to_string(testdata("expected.json")).unwrap(),
        "logits",
    );
    assert!(inputs.len() >= 70);
    for (x, want) in inputs.iter().zip(&expected) {
        let got = m.float_forward(x);
        for (a, b) in got.iter().zip(want) {
            assert!(
                (a - b).abs() < 1e-4 * (1.0 + b.abs()),
                "float reference {a} vs onnxruntime {b}"
            );
        }
    }
}

fn prove_chain(plan: SlicePlan) -> Vec<i64> {
    let m = model(18);
    let slices = slice::plan(&m, &plan).unwrap();
    let x = &arrays(
        &std::fs::read_to_string(testdata("input.json")).unwrap(),
        "input_data",
    )[0];
    let mut act = m.quant.quantize_input(x, &m.layers[0].name).unwrap();
    for s in &slices {
        let sp = pipeline::build(&m, s).unwrap();
        let compiled = sp.program.compile().unwrap();
        let weights = pipeline::weights(&m, s);
        let (w, out) = pipeline::witness(&m, s, &sp.program, &weights, &act).unwrap();
        let fw = prover::FieldWitness::from_solved(&w);
        let public = fw.public.clone();
        let (proof, outputs) =
            prover::prove_transparent(&compiled.circuit, &fw.witness(), b"").unwrap();
        let expected =
            common::expected_weights(&compiled.circuit, &sp.program.layout_weights(&weights));
        let st = Statement {
            public: &public,
            outputs: &outputs,
            context: b"",
            weights_commitment: expected.as_ref(),
        };
        prover::verify_transparent(&compiled.circuit, &st, &proof).unwrap();
        assert_eq!(
            outputs,
            w.outputs
                .iter()
                .map(|r| Goldilocks::from_u64(r.value()))
                .collect::<Vec<_>>()
        );
        act = out;
    }
    act
}

#[test]
fn whole_and_sliced_prove_the_same_logits() {
    let whole = prove_chain(SlicePlan::Whole);
    let sliced = prove_chain(SlicePlan::Layers);
    assert_eq!(whole, sliced);
    assert_eq!(
        slice::plan(&model(18), &SlicePlan::Layers).unwrap().len(),
        5
    );
}
