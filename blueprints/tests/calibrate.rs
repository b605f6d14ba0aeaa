//! Calibrated bounds: a deep MLP whose worst-case bounds overflow the field at K = 18
//! proves with calibrated bounds, agrees with the float reference, and refuses at witness
//! time (naming layer, element and value) an input beyond its calibration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use blueprints::{BlueprintError, Model, QuantConfig, SlicePlan, calibrate, pipeline, slice};
use circuits::random::Rng;
use common::*;
use onnx_rs::ast::*;
use prover::Statement;

const DEPTH: usize = 10;
const WIDTH: i64 = 32;

fn names() -> Vec<(String, String, String, String)> {
    (0..DEPTH)
        .map(|i| {
            (
                format!("fc{i}"),
                format!("W{i}"),
                format!("h{i}"),
                format!("r{i}"),
            )
        })
        .collect()
}

/// `DEPTH` Gemm+ReLU layers of width 32 (row L1 norms about 8: worst-case bounds grow
/// 2^3 per layer, real activations do not).
fn deep_mlp(names: &[(String, String, String, String)], rng: &mut Rng) -> Vec<u8> {
    let mut nodes = Vec::new();
    let mut inits = Vec::new();
    let mut prev = "x";
    for (i, (fc, w, h, r)) in names.iter().enumerate() {
        let last = i + 1 == DEPTH;
        nodes.push(node(
            OpType::Gemm,
            fc,
            vec![prev, w],
            if last { "y" } else { h },
            vec![attr_int("transB", 1)],
        ));
        inits.push(TensorProto::from_f32(
            w,
            vec![WIDTH, WIDTH],
            rand_vec(rng, (WIDTH * WIDTH) as usize, 0.5),
        ));
        if !last {
            nodes.push(node(OpType::Relu, "relu", vec![h], r, vec![]));
            prev = r;
        }
    }
    onnx(nodes, inits, &[1, WIDTH], &[1, WIDTH])
}

fn inputs(rng: &mut Rng, n: usize, scale: f64) -> Vec<Vec<f64>> {
    (0..n)
        .map(|_| {
            (0..WIDTH)
                .map(|_| (rng.below(2001) as f64 / 1000.0 - 1.0) * scale)
                .collect()
        })
        .collect()
}

#[test]
fn deep_net_overflows_worst_case_and_proves_calibrated() {
    let mut rng = Rng::new(21);
    let n = names();
    let bytes = deep_mlp(&n, &mut rng);
    let cfg = QuantConfig::new(18, (-1.0, 1.0)).unwrap();
    let err = Model::from_onnx(&bytes, cfg).unwrap_err();
    assert!(matches!(err, BlueprintError::Overflow { .. }), "{err}");

    let cal = calibrate(&bytes, None, cfg, &inputs(&mut rng, 20, 1.0), 2.0).unwrap();
    assert!(cal.bounds.len() >= DEPTH, "{:?}", cal.lines());
    // The recorded form reads back exactly; damaged forms are refused.
    let text = cal.lines().join("\n");
    let back = blueprints::Calibration::parse(&text).unwrap();
    assert_eq!(back.bounds, cal.bounds);
    assert_eq!(back.margin, cal.margin);
    for bad in [
        "",
        "margin x",
        "margin 2\nh0 1.0",
        "margin 2\nh0 1.0 0",
        "margin 2\nh0 1 5\nh0 1 5",
    ] {
        assert!(blueprints::Calibration::parse(bad).is_err(), "{bad:?}");
    }
    let m = Model::from_onnx_calibrated(&bytes, None, cfg, &cal).unwrap();
    let x = &inputs(&mut rng, 1, 1.0)[0];
    let xq = m.quant.quantize_input(x, "fc0").unwrap();
    let s = &slice::plan(&m, &SlicePlan::Whole).unwrap()[0];
    let sp = pipeline::build(&m, s).unwrap();
    let compiled = sp.program.compile().unwrap();
    let weights = pipeline::weights(&m, s);
    let (w, out) = pipeline::witness(&m, s, &sp.program, &weights, &xq).unwrap();
    let float = m.float_forward(x);
    let err = out
        .iter()
        .zip(&float)
        .map(|(a, b)| (*a as f64 / m.quant.alpha() - b).abs())
        .fold(0.0, f64::max);
    assert!(err < 1e-3, "max error {err}");
    let fw = prover::FieldWitness::from_solved(&w);
    let public = fw.public.clone();
    let (proof, outputs) =
        prover::prove_transparent(&compiled.circuit, &fw.witness(), b"").unwrap();
    let expected = expected_weights(&compiled.circuit, &sp.program.layout_weights(&weights));
    let st = Statement {
        public: &public,
        outputs: &outputs,
        context: b"",
        weights_commitment: expected.as_ref(),
    };
    prover::verify_transparent(&compiled.circuit, &st, &proof).unwrap();
}

#[test]
fn an_input_beyond_the_calibration_is_refused_naming_layer_element_value() {
    let mut rng = Rng::new(22);
    let n = names();
    let bytes = deep_mlp(&n, &mut rng);
    let cfg = QuantConfig::new(18, (-1.0, 1.0)).unwrap();
    // Calibrated on tiny inputs with no margin; then a full-range input.
    let cal = calibrate(&bytes, None, cfg, &inputs(&mut rng, 5, 0.01), 1.0).unwrap();
    let m = Model::from_onnx_calibrated(&bytes, None, cfg, &cal).unwrap();
    let x = vec![1.0; WIDTH as usize];
    let xq = m.quant.quantize_input(&x, "fc0").unwrap();
    let s = &slice::plan(&m, &SlicePlan::Whole).unwrap()[0];
    let err = pipeline::forward(&m, s, &xq).unwrap_err();
    match &err {
        BlueprintError::OutOfBound { layer, .. } => assert!(layer.starts_with("fc"), "{err}"),
        other => panic!("expected OutOfBound, got {other}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("element") && msg.contains("value"), "{msg}");
    // Bad calibration requests are named.
    assert!(calibrate(&bytes, None, cfg, &[], 2.0).is_err());
    assert!(calibrate(&bytes, None, cfg, &inputs(&mut rng, 1, 1.0), 0.5).is_err());
    assert!(calibrate(&bytes, None, cfg, &[vec![f64::NAN; WIDTH as usize]], 2.0).is_err());
}
