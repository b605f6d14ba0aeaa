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
    H.get_or_init(|| compile_and_prove("honest", &[]))
}

/// The same with binding-only proofs (`--no-zk`): the key's weights commitments are the
/// weights' own (under zero knowledge they are the stocks' roots).
fn honest_binding() -> &'static (PathBuf, PathBuf) {
    static H: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    H.get_or_init(|| compile_and_prove("binding", &["--no-zk"]))
}

/// LeNet compiled with `--slices layers` (and `extra`) and proven on the bundled input.
fn compile_and_prove(name: &str, extra: &[&str]) -> (PathBuf, PathBuf) {
    let (dir, proofs) = (tmp(&format!("{name}-dir")), tmp(&format!("{name}-proofs")));
    let lenet = root().join("testdata/lenet/lenet.onnx");
    let input = root().join("testdata/lenet/input.json");
    let mut args = vec!["compile", s(&lenet), "--slices", "layers", "-o", s(&dir)];
    args.extend(extra);
    let c = lamina(&args);
    assert!(c.0, "{}", c.2);
    let p = lamina(&["prove", s(&dir), "--input", s(&input), "-o", s(&proofs)]);
    assert!(p.0, "{}", p.2);
    (dir, proofs)
}

/// The same LeNet compiled with `--slices layers` at 2^16 (another compile: other
/// circuits, other quantized weights), shared by the grafting tests.
fn at_scale_16() -> &'static PathBuf {
    static C: OnceLock<PathBuf> = OnceLock::new();
    C.get_or_init(|| {
        let other = tmp("compiled16");
        let lenet = root().join("testdata/lenet/lenet.onnx");
        let c = lamina(&[
            "compile",
            s(&lenet),
            "--slices",
            "layers",
            "--scale-bits",
            "16",
            "--no-zk",
            "-o",
            s(&other),
        ]);
        assert!(c.0, "{}", c.2);
        other
    })
}

/// A private copy of the honest folders, to tamper with.
fn copy(name: &str) -> (PathBuf, PathBuf) {
    copy_of(honest(), name)
}

/// A private copy of the binding-only honest folders.
fn copy_binding(name: &str) -> (PathBuf, PathBuf) {
    copy_of(honest_binding(), name)
}

fn copy_of((dir, proofs): &(PathBuf, PathBuf), name: &str) -> (PathBuf, PathBuf) {
    let (d, p) = (tmp(&format!("{name}-dir")), tmp(&format!("{name}-proofs")));
    for (from, to) in [(dir, &d), (proofs, &p)] {
        copy_tree(from, to);
    }
    (d, p)
}

/// Copies a folder's files and subfolders (a zero-knowledge compile keeps its weights
/// stocks and their ledger in `weights_stock/`).
fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
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

/// The key's header and circuits, to edit.
fn key_parts(d: &Path) -> (Value, Vec<Vec<u8>>) {
    let bytes = std::fs::read(d.join("model.vk")).unwrap();
    let (h, c) = lamina::key::to_parts(&bytes).unwrap();
    (h, c.into_iter().map(<[u8]>::to_vec).collect())
}

/// Writes an edited key; returns its digest (hex).
fn write_key(d: &Path, h: &Value, c: &[Vec<u8>]) -> String {
    let refs: Vec<&[u8]> = c.iter().map(Vec::as_slice).collect();
    let bytes = lamina::key::from_parts(h, &refs);
    std::fs::write(d.join("model.vk"), &bytes).unwrap();
    lamina::key::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Points the statement at the key with digest `vk` (what a forger would do so the
/// statement's own check passes; the proofs still bind the honest key).
fn restate(p: &Path, vk: &str) {
    let sp = p.join("statement.json");
    let mut st = read(&sp);
    st["vk_digest"] = json!(vk);
    write(&sp, &st);
}

/// Item 3 and the key catalogue: the weights commitment nulled, deleted, mistyped,
/// replaced or swapped in the key.
#[test]
fn key_with_nulled_deleted_mistyped_or_swapped_commitment_is_refused() {
    for (case, why) in [
        (
            "null",
            "slice 1: its circuit has weights but no weights commitment",
        ),
        (
            "zeros",
            "slice 1: the weights commitment is null (all zeros)",
        ),
        (
            "number",
            "slices[1]: \"weights_commitment\" must be a string, got 7",
        ),
        ("deleted", "slices[1]: no \"weights_commitment\""),
    ] {
        let (d, p) = copy_binding(&format!("wc-{case}"));
        let (mut h, c) = key_parts(&d);
        let entry = h["slices"][1].as_object_mut().unwrap();
        match case {
            "null" => drop(entry.insert("weights_commitment".into(), Value::Null)),
            "zeros" => drop(entry.insert("weights_commitment".into(), json!("00".repeat(32)))),
            "number" => drop(entry.insert("weights_commitment".into(), json!(7))),
            _ => drop(entry.remove("weights_commitment")),
        }
        write_key(&d, &h, &c);
        refused(&d, &p, why);
    }
    // Swapped between two slices with weights: the key decodes, but the statement names
    // the honest key; restated, every proof still binds the honest key's digest.
    let (d, p) = copy_binding("wc-swap");
    let (mut h, c) = key_parts(&d);
    let (a, b) = (
        h["slices"][1]["weights_commitment"].clone(),
        h["slices"][2]["weights_commitment"].clone(),
    );
    h["slices"][1]["weights_commitment"] = b;
    h["slices"][2]["weights_commitment"] = a;
    let vk = write_key(&d, &h, &c);
    refused(&d, &p, "the proofs were made against verification key");
    restate(&p, &vk);
    refused(&d, &p, "slice 0: NOT verified");
    refused(&d, &p, "slice 1: NOT verified");
    // A pinned verifier never reads the swapped key.
    let honest_vk = read(&honest_binding().0.join("model.json"))["vk_digest"].clone();
    let (ok, _, err) = lamina(&[
        "verify",
        "--vk",
        s(&d.join("model.vk")),
        s(&p),
        "--vk-digest",
        honest_vk.as_str().unwrap(),
    ]);
    assert!(
        !ok && err.contains("the verification key's digest is"),
        "{err}"
    );
    // Under zero knowledge (the default) a key's weights commitment is its stock's root:
    // nulled or swapped, it is refused against the folder's stock.
    for case in ["null", "swap"] {
        let (d, p) = copy(&format!("wc-zk-{case}"));
        let (mut h, c) = key_parts(&d);
        if case == "null" {
            h["slices"][1]["weights_commitment"] = Value::Null;
        } else {
            let a = h["slices"][1]["weights_commitment"].clone();
            h["slices"][1]["weights_commitment"] = h["slices"][2]["weights_commitment"].clone();
            h["slices"][2]["weights_commitment"] = a;
        }
        write_key(&d, &h, &c);
        refused(
            &d,
            &p,
            "slice 1: the weights stock's root is not the weights commitment",
        );
    }
}

/// A commitment from another compile (the same model at 2^16: other quantized weights)
/// grafted into the key, with the statement restated: the opening fails.
#[test]
fn commitment_from_another_compile_is_refused() {
    let (d, p) = copy_binding("othercommit");
    let other = at_scale_16();
    let theirs = read(&other.join("model.json"));
    let (mut h, c) = key_parts(&d);
    h["slices"][1]["weights_commitment"] = theirs["slices"][1]["weights_commitment"].clone();
    let vk = write_key(&d, &h, &c);
    restate(&p, &vk);
    refused(&d, &p, "slice 1: NOT verified");
    // And proofs made under the other compile's key are refused against ours, by key.
    let p2 = tmp("othercommit-proofs");
    let input = root().join("testdata/lenet/input.json");
    let pr = lamina(&["prove", s(other), "--input", s(&input), "-o", s(&p2)]);
    assert!(pr.0, "{}", pr.2);
    refused(&honest_binding().0, &p2, "(another scale)");
    refused(&honest().0, &p2, "(another scale)");
    // Grafted into a zero-knowledge key, it is not the slice's stock root.
    let (d, p) = copy("othercommit-zk");
    let (mut h, c) = key_parts(&d);
    h["slices"][1]["weights_commitment"] = theirs["slices"][1]["weights_commitment"].clone();
    write_key(&d, &h, &c);
    refused(
        &d,
        &p,
        "slice 1: the weights stock's root is not the weights commitment",
    );
}

/// Item 4: the key and statement say the last slice is fc2+fc3 but the circuit is fc2
/// alone (the plan cut at 6 without the last slice).
#[test]
fn truncated_model_is_refused() {
    let (d, p) = copy("trunc");
    let (mut h, mut c) = key_parts(&d);
    h["slices_plan"] = json!("2,5,6");
    h["slices"].as_array_mut().unwrap().pop();
    c.pop();
    let vk = write_key(&d, &h, &c);
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
    refused(&d, &p, "the proofs were made against verification key");
    restate(&p, &vk);
    // Every proof binds the honest key's digest and the slice count.
    refused(&d, &p, "slice 3: NOT verified");
    // A key whose slices leave a gap is refused as a key.
    let (mut h, c) = key_parts(&d);
    h["slices"][3]["layer_range"] = json!([7, 8]);
    write_key(&d, &h, &c);
    refused(
        &d,
        &p,
        "slice 3: layers 7..8 do not start where the previous slice ends (6)",
    );
}

/// Item 5: circuits compiled at 2^16 grafted into a key that says 2^18, digests and
/// commitments updated: the key no longer is the one the proofs bind.
#[test]
fn circuits_of_another_scale_are_refused() {
    let (d, p) = copy_binding("scale");
    let other = at_scale_16();
    let (theirs, their_c) = key_parts(other);
    let (mut h, _) = key_parts(&d);
    for i in 0..5 {
        h["slices"][i]["circuit_digest"] = theirs["slices"][i]["circuit_digest"].clone();
        h["slices"][i]["weights_commitment"] = theirs["slices"][i]["weights_commitment"].clone();
    }
    let vk = write_key(&d, &h, &their_c);
    refused(&d, &p, "the proofs were made against verification key");
    restate(&p, &vk);
    refused(&d, &p, "slice 0: NOT verified");
    // A circuit whose digest is not the one listed.
    let (mut h, c) = key_parts(&honest_binding().0);
    h["slices"][2]["circuit_digest"] = h["slices"][3]["circuit_digest"].clone();
    write_key(&d, &h, &c);
    refused(&d, &p, "slice 2: circuit digest");
}

/// Item 5: `scale_bits = 2^32 + 18` used to parse as 18, in the key or the statement.
#[test]
fn truncating_scale_bits_is_refused() {
    let (d, p) = copy("scalebits");
    let (mut h, c) = key_parts(&d);
    h["scale_bits"] = json!((1u64 << 32) + 18);
    write_key(&d, &h, &c);
    refused(&d, &p, "\"scale_bits\" = 4294967314 is out of range");
    std::fs::copy(honest().0.join("model.vk"), d.join("model.vk")).unwrap();
    let sp = p.join("statement.json");
    let mut st = read(&sp);
    st["scale_bits"] = json!((1u64 << 32) + 18);
    write(&sp, &st);
    refused(
        &d,
        &p,
        "statement.json: \"scale_bits\" = 4294967314 is out of range",
    );
    st["scale_bits"] = json!(16);
    write(&sp, &st);
    refused(
        &d,
        &p,
        "statement.json: model_digest or scale_bits differ from the key's",
    );
}

/// Weaker commitment parameters named in the key are refused, not honoured.
#[test]
fn key_naming_other_parameters_is_refused() {
    let (d, p) = copy("params");
    let (mut h, c) = key_parts(&d);
    let id = h["commitment"]["id"]
        .as_str()
        .unwrap()
        .replace("combined-101-bits", "combined-32-bits");
    h["commitment"]["id"] = json!(id);
    write_key(&d, &h, &c);
    refused(&d, &p, "is not one this verifier accepts");
}

/// Item 6: a 42-byte circuit one layer 2^30 wide inside the key is refused by the
/// decoder, fast.
#[test]
fn wide_circuit_in_key_is_refused_naming_it() {
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
    let (h, mut cs) = key_parts(&d);
    cs[4] = c;
    write_key(&d, &h, &cs);
    let t = std::time::Instant::now();
    refused(&d, &p, "model.vk: verification key:");
    assert!(t.elapsed().as_secs_f64() < 30.0);
}

/// Random corruptions of the key file: always a clear refusal, never a panic.
#[test]
fn corrupted_key_bytes_are_refused() {
    let (d, p) = copy("corrupt");
    let good = std::fs::read(honest().0.join("model.vk")).unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for case in 0..12 {
        let mut b = good.clone();
        match case % 3 {
            0 => b.truncate((next() % b.len() as u64) as usize),
            1 => {
                // Inside the header, where the fields are.
                let i = (next() % 2000) as usize + 12;
                b[i] ^= 1 << (next() % 8);
            }
            _ => {
                let i = (next() % b.len() as u64) as usize;
                b[i] ^= 0xff;
            }
        }
        std::fs::write(d.join("model.vk"), &b).unwrap();
        let (ok, out, err) = lamina(&["verify", s(&d), s(&p)]);
        assert!(!ok, "case {case}: accepted; {out}");
        assert!(!err.contains("panicked"), "case {case}: {err}");
        assert!(
            err.starts_with("error: ") || err.contains("NOT verified"),
            "case {case}: {err}"
        );
    }
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
    std::fs::remove_file(d.join("model.vk")).unwrap();
    refused(&d, &p, "model.vk");
    std::fs::copy(honest().0.join("model.vk"), d.join("model.vk")).unwrap();
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

/// The pins: a key whose digest, or whose model, is not the pinned one is refused; the
/// right pins pass; the key alone (no folder, no ONNX, no weights) verifies.
#[test]
fn key_and_model_digest_pins() {
    let (d, p) = honest();
    let m = read(&d.join("model.json"));
    let vk = m["vk_digest"].as_str().unwrap();
    let alone = tmp("keyalone");
    std::fs::copy(d.join("model.vk"), alone.join("published.vk")).unwrap();
    let key = alone.join("published.vk");
    let (ok, _, err) = lamina(&["verify", "--vk", s(&key), s(p), "--vk-digest", vk]);
    assert!(ok, "{err}");
    let other = "cd".repeat(32);
    let (ok, _, err) = lamina(&["verify", "--vk", s(&key), s(p), "--vk-digest", &other]);
    assert!(
        !ok && err.contains(&format!("not the pinned {other}")),
        "{err}"
    );
    let (ok, _, err) = lamina(&["verify", "--vk", s(&key), s(p), "--vk-digest", "xyz"]);
    assert!(!ok && err.contains("--vk-digest"), "{err}");
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

/// `lamina audit`: the honest key is what the model compiles to; a key with a grafted
/// commitment or circuit is not, and the differing slice is named.
#[test]
fn audit_checks_a_key_against_its_model() {
    let (d, _) = honest();
    let lenet = root().join("testdata/lenet/lenet.onnx");
    let key = d.join("model.vk");
    let (ok, out, err) = lamina(&["audit", s(&lenet), "--vk", s(&key), "--json"]);
    assert!(ok, "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["matches"], true);
    assert_eq!(j["vk_digest"], j["recompiled_vk_digest"]);
    // The binding key's weights commitments are the weights' own, which audit compares.
    let (d2, _) = copy_binding("audit");
    let (mut h, c) = key_parts(&d2);
    let (a, b) = (
        h["slices"][1]["weights_commitment"].clone(),
        h["slices"][2]["weights_commitment"].clone(),
    );
    h["slices"][1]["weights_commitment"] = b;
    h["slices"][2]["weights_commitment"] = a;
    write_key(&d2, &h, &c);
    let (ok, out, _) = lamina(&[
        "audit",
        s(&lenet),
        "--vk",
        s(&d2.join("model.vk")),
        "--json",
    ]);
    assert!(!ok);
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["matches"], false);
    assert_eq!(
        j["differs"],
        json!(["slice 1: weights commitment", "slice 2: weights commitment"])
    );
    // Another scale's circuits under this key's header: named by slice.
    let (theirs, their_c) = key_parts(at_scale_16());
    let (mut h, _) = key_parts(&d2);
    for i in 0..5 {
        h["slices"][i]["circuit_digest"] = theirs["slices"][i]["circuit_digest"].clone();
    }
    write_key(&d2, &h, &their_c);
    let (ok, _, err) = lamina(&["audit", s(&lenet), "--vk", s(&d2.join("model.vk"))]);
    assert!(!ok && err.contains("slice 0: circuit"), "{err}");
}
