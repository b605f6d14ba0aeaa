//! The cheating prover against `lamina verify`: each forgery the soundness review
//! reproduced (issue 13), made by substituting inputs, circuits, settings, commitments or
//! files in an honest LeNet folder, and the specific rejection it must get. The
//! circuit-level half (an aliased input proven with an honest witness) is in
//! `blueprints/tests/cheating.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn lamina(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lamina-attack-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// LeNet compiled with `--slices layers` at 2^18 and proven once, shared by every test.
fn honest() -> &'static (PathBuf, PathBuf) {
    static H: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    H.get_or_init(|| {
        let (dir, proofs) = (tmp("honest-dir"), tmp("honest-proofs"));
        let lenet = root().join("testdata/lenet/lenet.onnx");
        let input = root().join("testdata/lenet/input.json");
        let c = lamina(&["compile", s(&lenet), "--slices", "layers", "-o", s(&dir)]);
        assert!(c.0, "{}", c.2);
        let p = lamina(&["prove", s(&dir), "--input", s(&input), "-o", s(&proofs)]);
        assert!(p.0, "{}", p.2);
        (dir, proofs)
    })
}

/// A private copy of the honest folders, to tamper with.
fn copy(name: &str) -> (PathBuf, PathBuf) {
    let (dir, proofs) = honest();
    let (d, p) = (tmp(&format!("{name}-dir")), tmp(&format!("{name}-proofs")));
    for (from, to) in [(dir, &d), (proofs, &p)] {
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
    (d, p)
}

fn read(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn write(p: &Path, v: &Value) {
    std::fs::write(p, v.to_string()).unwrap();
}

/// Runs verify and asserts it is refused with a message containing `why`.
fn refused(d: &Path, p: &Path, why: &str) {
    let (ok, out, err) = lamina(&["verify", s(d), s(p)]);
    assert!(!ok, "accepted a forgery; stdout {out}");
    assert!(err.contains(why), "expected '{why}' in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn verified(d: &Path, p: &Path) {
    let (ok, _, err) = lamina(&["verify", s(d), s(p)]);
    assert!(ok, "{err}");
}

#[test]
fn honest_folder_verifies() {
    let (d, p) = honest();
    verified(d, p);
}

/// Item 1: slice 0's input aliased mod p (entries ≈ ±5.9e18 in the reviewer's case).
#[test]
fn aliased_public_input_is_refused() {
    let (d, p) = copy("alias");
    let sp = p.join("statement.json");
    let mut st = read(&sp);
    let x = st["slices"][0]["input"][7].as_i64().unwrap();
    st["slices"][0]["input"][7] = json!(x + 5_900_000_000_000_000_000);
    write(&sp, &st);
    refused(&d, &p, "slice 0: NOT verified: input[7]");
    refused(&d, &p, "outside the declared input range [-1, 1]");
}

/// Item 1, the far side: a value beyond ±(p−1)/2 names a residue twice.
#[test]
fn statement_value_beyond_half_p_is_refused() {
    let (d, p) = copy("halfp");
    let sp = p.join("statement.json");
    let mut st = read(&sp);
    st["slices"][2]["output"][0] = json!(i64::MAX);
    write(&sp, &st);
    refused(&d, &p, "outside ±(p−1)/2");
}

/// Item 2: 615 values at 3.0 and one at −9.0 under a declared range of [−1, 1].
#[test]
fn input_outside_declared_range_is_refused() {
    let (d, p) = copy("range");
    let sp = p.join("statement.json");
    let mut st = read(&sp);
    let n = st["slices"][0]["input"].as_array().unwrap().len();
    let mut x = vec![json!(3i64 << 18); n];
    x[615] = json!(-9i64 << 18);
    st["slices"][0]["input"] = json!(x);
    write(&sp, &st);
    refused(
        &d,
        &p,
        "input[0] = 786432 (3 at 2^18) is outside the declared input range",
    );
}

/// Item 3: the expected weights commitment nulled, deleted, or a number.
#[test]
fn weights_commitment_nulled_deleted_or_mistyped_is_refused() {
    for (case, edit) in [
        ("null", Some(Value::Null)),
        ("deleted", None),
        ("number", Some(json!(7))),
        ("wrong", Some(json!("00".repeat(32)))),
    ] {
        let (d, p) = copy(&format!("wc-{case}"));
        let mp = d.join("model.json");
        let mut m = read(&mp);
        let entry = m["slices"][1].as_object_mut().unwrap();
        match edit {
            Some(v) => {
                entry.insert("weights_commitment".into(), v);
            }
            None => {
                entry.remove("weights_commitment");
            }
        }
        write(&mp, &m);
        let why = match case {
            "deleted" => "model.json: slices[1]: no \"weights_commitment\"",
            "wrong" => {
                "slice 1: model.json's weights commitment is not that of model.onnx's weights"
            }
            _ => "model.json: slices[1]: weights_commitment must be the hex commitment",
        };
        refused(&d, &p, why);
    }
}

/// Item 4: the plan says the last slice is fc2+fc3 but the circuit is fc2 alone.
#[test]
fn truncated_model_is_refused() {
    let (d, p) = copy("trunc");
    let mp = d.join("model.json");
    let mut m = read(&mp);
    m["slices_plan"] = json!("2,5,6");
    m["slices"].as_array_mut().unwrap().pop();
    write(&mp, &m);
    let sp = p.join("statement.json");
    let mut st = read(&sp);
    st["slices"].as_array_mut().unwrap().pop();
    let fc2 = st["slices"][3]["output"].as_array().unwrap().clone();
    st["outputs"] = json!(
        fc2.iter()
            .map(|v| v.as_f64().unwrap() / 262144.0)
            .collect::<Vec<_>>()
    );
    write(&sp, &st);
    refused(
        &d,
        &p,
        "model.json: slices[3]: layer_range [6,7], but the plan's slice 3 is layers 6..8",
    );
    // With the layer range edited too, the circuit's lengths give it away.
    m["slices"][3]["layer_range"] = json!([6, 8]);
    write(&mp, &m);
    refused(
        &d,
        &p,
        "writes 84 outputs; the plan's slice 3 (layers 6..8) reads 120 and writes 10",
    );
}

/// Item 5: circuits compiled at 2^16 under a folder that says 2^18, digests updated.
#[test]
fn circuits_of_another_scale_are_refused() {
    let (d, p) = copy("scale");
    let other = tmp("scale16");
    let lenet = root().join("testdata/lenet/lenet.onnx");
    let c = lamina(&[
        "compile",
        s(&lenet),
        "--slices",
        "layers",
        "--scale-bits",
        "16",
        "-o",
        s(&other),
    ]);
    assert!(c.0, "{}", c.2);
    let theirs = read(&other.join("model.json"));
    let mp = d.join("model.json");
    let mut m = read(&mp);
    for i in 0..5 {
        let name = format!("slice_{i}.circuit");
        std::fs::copy(other.join(&name), d.join(&name)).unwrap();
        m["slices"][i]["circuit_digest"] = theirs["slices"][i]["circuit_digest"].clone();
        m["slices"][i]["weights_commitment"] = theirs["slices"][i]["weights_commitment"].clone();
    }
    write(&mp, &m);
    refused(
        &d,
        &p,
        "slice 0: the folder's circuit is not the one model.onnx compiles to at 2^18",
    );
}

/// Item 5: `scale_bits = 2^32 + 18` used to parse as 18.
#[test]
fn truncating_scale_bits_is_refused() {
    let (d, p) = copy("scalebits");
    let mp = d.join("model.json");
    let mut m = read(&mp);
    m["scale_bits"] = json!((1u64 << 32) + 18);
    write(&mp, &m);
    refused(
        &d,
        &p,
        "model.json: \"scale_bits\" = 4294967314 is out of range",
    );
    let sp = p.join("statement.json");
    write(&mp, &read(&honest().0.join("model.json")));
    let mut st = read(&sp);
    st["scale_bits"] = json!((1u64 << 32) + 18);
    write(&sp, &st);
    refused(
        &d,
        &p,
        "statement.json: \"scale_bits\" = 4294967314 is out of range",
    );
}

/// Item 6: a 42-byte circuit one layer 2^30 wide is refused by the decoder, fast.
#[test]
fn wide_circuit_file_is_refused_naming_it() {
    let (d, p) = copy("wide");
    let mut c = b"LAMC".to_vec();
    for v in [1u32, 0, 0] {
        c.extend(v.to_le_bytes()); // version, num_public, num_challenges
    }
    c.push(1); // input log_width
    c.extend(1u32.to_le_bytes()); // one region: private, offset 0, log_len 1, len 2
    c.push(2);
    c.extend(0u32.to_le_bytes());
    c.push(1);
    c.extend(2u32.to_le_bytes());
    c.extend(1u32.to_le_bytes()); // one layer, 2^30 wide, one relay gate
    c.push(30);
    c.extend(0u32.to_le_bytes());
    c.extend(1u32.to_le_bytes());
    c.extend(0u32.to_le_bytes());
    c.extend(0u32.to_le_bytes());
    c.push(0);
    c.extend(1i64.to_le_bytes());
    c.extend(0u32.to_le_bytes());
    c.extend(1u32.to_le_bytes()); // public output slot 0
    c.extend(0u32.to_le_bytes());
    std::fs::write(d.join("slice_4.circuit"), &c).unwrap();
    let t = std::time::Instant::now();
    refused(&d, &p, "slice_4.circuit: not a valid circuit");
    assert!(t.elapsed().as_secs_f64() < 30.0);
}

/// Item 7: proof paths outside the folder, special files, missing files, and statement
/// fields that look meaningful.
#[test]
fn file_hygiene() {
    let (d, p) = copy("files");
    let sp = p.join("statement.json");
    let st = read(&sp);
    for (name, why) in [
        ("../slice_0.proof", "is not a plain file name inside"),
        ("/dev/zero", "is not a plain file name inside"),
        ("sub/slice_0.proof", "is not a plain file name inside"),
    ] {
        let mut f = st.clone();
        f["slices"][0]["proof"] = json!(name);
        write(&sp, &f);
        refused(&d, &p, why);
    }
    write(&sp, &st);
    // A symlink to /dev/zero and a FIFO in the folder: not regular files, never opened.
    let pf = p.join("slice_3.proof");
    std::fs::remove_file(&pf).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &pf).unwrap();
    refused(&d, &p, "slice_3.proof: not a regular file");
    std::fs::remove_file(&pf).unwrap();
    let mk = Command::new("mkfifo").arg(&pf).status().unwrap();
    assert!(mk.success());
    refused(&d, &p, "slice_3.proof: not a regular file");
    std::fs::remove_file(&pf).unwrap();
    // A missing file is named.
    refused(&d, &p, "slice_3.proof");
    std::fs::copy(honest().1.join("slice_3.proof"), &pf).unwrap();
    std::fs::remove_file(d.join("slice_2.circuit")).unwrap();
    refused(&d, &p, "slice_2.circuit");
    std::fs::copy(
        honest().0.join("slice_2.circuit"),
        d.join("slice_2.circuit"),
    )
    .unwrap();
    verified(&d, &p);
    // `index` and the top-level `outputs` are checked, not ignored.
    let mut f = st.clone();
    f["slices"][1]["index"] = json!(3);
    write(&sp, &f);
    refused(&d, &p, "statement.json: slices[1]: index 3 at position 1");
    let mut f = st.clone();
    f["outputs"][0] = json!(123.0);
    write(&sp, &f);
    refused(&d, &p, "\"outputs\" are not the last slice's proven output");
}

/// The pin: a folder whose model is not the pinned one is refused; the right pin passes.
#[test]
fn model_digest_pin() {
    let (d, p) = honest();
    let m = read(&d.join("model.json"));
    let digest = m["model_digest"].as_str().unwrap();
    let (ok, _, err) = lamina(&["verify", s(d), s(p), "--model-digest", digest]);
    assert!(ok, "{err}");
    let other = "ab".repeat(32);
    let (ok, _, err) = lamina(&["verify", s(d), s(p), "--model-digest", &other]);
    assert!(
        !ok && err.contains(&format!("not the pinned {other}")),
        "{err}"
    );
    let (ok, _, err) = lamina(&["verify", s(d), s(p), "--model-digest", "xyz"]);
    assert!(!ok && err.contains("--model-digest"), "{err}");
}
