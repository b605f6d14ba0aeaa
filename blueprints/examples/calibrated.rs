//! Calibrated bounds on a ResNet-8-style CIFAR net: worst-case bounds at K = 18, then
//! calibrated ones; the integer model against onnxruntime's logits on every input (max
//! logit error, argmax agreement), sliced (`layers`) against whole, and one whole proof.
//!
//! ```sh
//! /tmp/ops-venv/bin/python testdata/resnet8/make_resnet8.py /tmp/lamina-resnet8 70
//! cargo run --release -p blueprints --example calibrated -- /tmp/lamina-resnet8 [K] [calibration inputs] [margin]
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use blueprints::{Model, QuantConfig, SlicePlan, calibrate, pipeline, slice};
use prover::Statement;
use std::path::PathBuf;
use std::time::Instant;

fn rows(path: &PathBuf) -> Vec<Vec<f64>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().map(|t| t.parse().unwrap()).collect())
        .collect()
}

fn argmax(v: &[f64]) -> usize {
    (0..v.len())
        .max_by(|&a, &b| v[a].total_cmp(&v[b]))
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(args.get(1).map_or("/tmp/lamina-resnet8", |s| s.as_str()));
    let bits: u32 = args.get(2).map_or(18, |s| s.parse().unwrap());
    let n_cal: usize = args.get(3).map_or(20, |s| s.parse().unwrap());
    let margin: f64 = args.get(4).map_or(2.0, |s| s.parse().unwrap());
    let bytes = std::fs::read(dir.join("model.onnx")).unwrap();
    let inputs = rows(&dir.join("inputs.txt"));
    let logits = rows(&dir.join("logits.txt"));
    let cfg = QuantConfig::new(bits, (-1.0, 1.0)).unwrap();
    match Model::from_onnx(&bytes, cfg) {
        Ok(_) => println!("worst-case bounds at K = {bits}: fit"),
        Err(e) => println!("worst-case bounds at K = {bits}: {e}"),
    }
    let t = Instant::now();
    let cal = calibrate(&bytes, Some(&dir), cfg, &inputs[..n_cal], margin).unwrap();
    let m = Model::from_onnx_calibrated(&bytes, Some(&dir), cfg, &cal).unwrap();
    println!(
        "calibrated on {n_cal} inputs, margin {margin}: {} layers, {:.2} s",
        m.layers.len(),
        t.elapsed().as_secs_f64()
    );
    let whole = slice::plan(&m, &SlicePlan::Whole).unwrap();
    let layers = slice::plan(&m, &SlicePlan::Layers).unwrap();
    let (mut max_err, mut agree, mut refused, mut float_err) = (0.0f64, 0, 0, 0.0f64);
    for (k, (x, want)) in inputs.iter().zip(&logits).enumerate() {
        let f = m.float_forward(x);
        float_err = f
            .iter()
            .zip(want)
            .fold(float_err, |a, (p, q)| a.max((p - q).abs()));
        let xq = m.quant.quantize_input(x, "stem").unwrap();
        let out = match pipeline::forward(&m, &whole[0], &xq) {
            Ok(o) => o.0,
            Err(e) => {
                refused += 1;
                println!("input {k}: refused: {e}");
                continue;
            }
        };
        let got: Vec<f64> = out.iter().map(|&v| v as f64 / m.quant.alpha()).collect();
        max_err = got
            .iter()
            .zip(want)
            .fold(max_err, |a, (p, q)| a.max((p - q).abs()));
        agree += usize::from(argmax(&got) == argmax(want));
        if k < 3 {
            let mut act = xq.clone();
            for s in &layers {
                act = pipeline::forward(&m, s, &act).unwrap().0;
            }
            assert_eq!(act, out, "sliced == whole");
        }
    }
    let n = inputs.len() - refused;
    println!(
        "K = {bits}: max |float − onnxruntime| {float_err:.2e}; max |integer − onnxruntime| {max_err:.2e}; argmax agreement {agree}/{n}; refused {refused}; {} slices in the layers plan (sliced == whole on 3 inputs)",
        layers.len()
    );
    // One whole proof.
    let s = &whole[0];
    let t = Instant::now();
    let sp = pipeline::build(&m, s).unwrap();
    let compiled = sp.program.compile().unwrap();
    let compile_s = t.elapsed().as_secs_f64();
    let weights = pipeline::weights(&m, s);
    let xq = m.quant.quantize_input(&inputs[0], "stem").unwrap();
    let t = Instant::now();
    let (w, _) = pipeline::witness(&m, s, &sp.program, &weights, &xq).unwrap();
    let fw = prover::FieldWitness::from_solved(&w);
    let (proof, outputs) =
        prover::prove_transparent(&compiled.circuit, &fw.witness(), b"").unwrap();
    let prove_s = t.elapsed().as_secs_f64();
    let wv: Vec<prover::Goldilocks> = weights
        .iter()
        .map(|&v| <prover::Goldilocks as prover::Field>::from_i64(v))
        .collect();
    let expected = prover::transparent_weights_commitment(&compiled.circuit, &wv);
    let st = Statement {
        public: &fw.public,
        outputs: &outputs,
        context: b"",
        weights_commitment: expected.as_ref(),
    };
    let t = Instant::now();
    prover::verify_transparent(&compiled.circuit, &st, &proof).unwrap();
    println!(
        "whole proof: compile {compile_s:.2} s, witness+prove {prove_s:.2} s, verify {:.3} s",
        t.elapsed().as_secs_f64()
    );
}
