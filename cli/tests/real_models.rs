//! What real exports need from the command line (issue 8): external-data weights through
//! compile → prove → verify (the model digest covers the data file), and calibrated
//! bounds (`--calibrate`, `--margin`) recorded in the compiled folder and enforced.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn lamina(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(args)
        .arg("--quiet")
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ok(args: &[&str]) -> Value {
    let (good, out, err) = lamina(args);
    assert!(good, "lamina {args:?} failed: {err}");
    serde_json::from_str(&out).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lamina-real-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The exporter-style test model's first input (from its `io.txt`: shape line, values).
fn exporter_input(d: &Path) -> PathBuf {
    let io = std::fs::read_to_string(root().join("testdata/ops/exporter_style/io.txt")).unwrap();
    let values: Vec<f64> = io
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    let p = d.join("x.json");
    std::fs::write(&p, json!({"input_data": [values]}).to_string()).unwrap();
    p
}

#[test]
fn external_data_is_compiled_proven_verified_and_covered_by_the_digest() {
    let d = tmp("ext");
    let model = root().join("testdata/ops/exporter_style/model.onnx");
    let x = exporter_input(&d);
    let (dir, proofs) = (d.join("c"), d.join("p"));
    let meta = ok(&["compile", s(&model), "-o", s(&dir), "--json"]);
    // The data file travels with the copy, and the digest is not the .onnx bytes' alone.
    assert!(dir.join("model.onnx.data").is_file());
    let onnx_only = blake3::hash(&std::fs::read(&model).unwrap())
        .to_hex()
        .to_string();
    assert_ne!(meta["model_digest"].as_str().unwrap(), onnx_only);
    ok(&[
        "prove",
        s(&dir),
        "--input",
        s(&x),
        "-o",
        s(&proofs),
        "--json",
    ]);
    let v = ok(&["verify", s(&dir), s(&proofs), "--json"]);
    assert_eq!(v["verified"], true);

    // One byte of the compiled folder's data file changed: another model, which the
    // prover refuses to prove under this compile's key.
    let data = dir.join("model.onnx.data");
    let mut bytes = std::fs::read(&data).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&data, bytes).unwrap();
    let (good, _, err) = lamina(&["prove", s(&dir), "--input", s(&x), "-o", s(&d.join("q"))]);
    assert!(
        !good && err.contains("does not match the model_digest"),
        "{err}"
    );
    // The verifier never reads the model: the proofs stand against the key alone.
    let v = ok(&[
        "verify",
        "--vk",
        s(&dir.join("model.vk")),
        s(&proofs),
        "--json",
    ]);
    assert_eq!(v["verified"], true);
    assert_eq!(v["model_digest"], meta["model_digest"]);
}

#[test]
fn calibrated_bounds_prove_where_the_worst_case_overflows_and_are_enforced() {
    let d = tmp("cal");
    let lenet = root().join("testdata/lenet/lenet.onnx");
    let inputs = root().join("testdata/lenet/inputs.json");
    let x = root().join("testdata/lenet/input.json");
    // A wide declared range: the worst case over the weights overflows the field.
    let (good, _, err) = lamina(&[
        "compile",
        s(&lenet),
        "--input-range=-64,64",
        "-o",
        s(&d.join("w")),
    ]);
    assert!(!good && err.contains("would overflow"), "{err}");

    let (dir, proofs) = (d.join("c"), d.join("p"));
    let meta = ok(&[
        "compile",
        s(&lenet),
        "--input-range=-64,64",
        "--slices",
        "layers",
        "--calibrate",
        s(&inputs),
        "--margin",
        "1.5",
        "-o",
        s(&dir),
        "--json",
    ]);
    let cal = &meta["calibration"];
    assert_eq!(cal["margin"], 1.5);
    assert!(!cal["bounds"].as_object().unwrap().is_empty());
    ok(&[
        "prove",
        s(&dir),
        "--input",
        s(&x),
        "-o",
        s(&proofs),
        "--json",
    ]);
    assert_eq!(
        ok(&["verify", s(&dir), s(&proofs), "--json"])["verified"],
        true
    );

    // An input inside the declared range but far beyond the calibration is refused at
    // witness time, naming the layer — never proven.
    let all: Value = serde_json::from_str(&std::fs::read_to_string(&x).unwrap()).unwrap();
    let big: Vec<f64> = all["input_data"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() * 40.0)
        .collect();
    let bx = d.join("big.json");
    std::fs::write(&bx, json!({"input_data": [big]}).to_string()).unwrap();
    let (good, _, err) = lamina(&["prove", s(&dir), "--input", s(&bx), "-o", s(&d.join("q"))]);
    assert!(!good && err.contains("layer"), "{err}");

    // Calibration edited in the key: not the key the proofs bind, refused.
    let kp = dir.join("model.vk");
    let key = std::fs::read(&kp).unwrap();
    let (mut h, c) = lamina::key::to_parts(&key).unwrap();
    let b = h["calibration"]["bounds"].as_object_mut().unwrap();
    let k = b.keys().next().unwrap().clone();
    b[&k] = json!(b[&k].as_i64().unwrap() * 4);
    std::fs::write(&kp, lamina::key::from_parts(&h, &c)).unwrap();
    let (good, _, err) = lamina(&["verify", s(&dir), s(&proofs)]);
    assert!(
        !good && err.contains("made against verification key"),
        "verify accepted an edited calibration: {err}"
    );
    // In model.json: the prover refuses the folder (its key says otherwise).
    std::fs::write(&kp, &key).unwrap();
    let mj = dir.join("model.json");
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&mj).unwrap()).unwrap();
    let b = m["calibration"]["bounds"].as_object_mut().unwrap();
    b[&k] = json!(b[&k].as_i64().unwrap() * 4);
    std::fs::write(&mj, m.to_string()).unwrap();
    let (good, _, err) = lamina(&["prove", s(&dir), "--input", s(&x), "-o", s(&d.join("r"))]);
    assert!(!good && err.contains("disagree on calibration"), "{err}");

    // A margin below 1 is refused by name.
    let (good, _, err) = lamina(&[
        "compile",
        s(&lenet),
        "--calibrate",
        s(&inputs),
        "--margin",
        "0.5",
        "-o",
        s(&d.join("m")),
    ]);
    assert!(!good && err.contains("--margin"), "{err}");
}

#[test]
fn non_finite_inputs_are_named_and_run_prints_its_outputs_on_stdout() {
    let d = tmp("nonfinite");
    let lenet = root().join("testdata/lenet/lenet.onnx");
    for (text, word) in [
        ("{\"input_data\": [[0.5, NaN]]}", "NaN"),
        ("{\"input_data\": [[0.5, -Infinity]]}", "infinity"),
        ("{\"input_data\": [[0.5, 1e999]]}", "too large"),
    ] {
        let p = d.join("x.json");
        std::fs::write(&p, text).unwrap();
        let (good, _, err) = lamina(&["run", s(&lenet), "--input", s(&p)]);
        assert!(
            !good && err.contains(word) && err.contains("x.json"),
            "{text}: {err}"
        );
    }
    // Human mode: figures on stderr, the verified outputs on stdout (as `verify` does).
    let x = root().join("testdata/lenet/input.json");
    let (good, out, _) = lamina(&["run", s(&lenet), "--input", s(&x)]);
    assert!(good);
    let outputs: Vec<f64> = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(outputs.len(), 10);
}
