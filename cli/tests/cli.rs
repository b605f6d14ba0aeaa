//! The `lamina` binary as users run it: JSON contract, sliced = whole, the
//! compile/prove/verify round trip with tampering caught, and clear errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn lenet() -> PathBuf {
    root().join("testdata/lenet/lenet.onnx")
}

fn input() -> PathBuf {
    root().join("testdata/lenet/input.json")
}

fn lamina(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(args)
        .output()
        .unwrap()
}

/// `lamina run` on the bundled LeNet and its input, with `extra` arguments.
fn run_lenet(extra: &[&str]) -> Output {
    let (model, x) = (lenet(), input());
    let mut args = vec!["run", s(&model), "--input", s(&x)];
    args.extend_from_slice(extra);
    lamina(&args)
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lamina-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn run_json_contract_and_slices_agree() {
    let whole = json(&run_lenet(&["--json"]));
    assert_eq!(whole["verified"], true);
    assert_eq!(whole["scale_bits"], 18);
    assert_eq!(whole["outputs"].as_array().unwrap().len(), 10);
    let s0 = &whole["slices"][0];
    assert_eq!(s0["index"], 0);
    assert_eq!(s0["input_shape"], serde_json::json!([3, 32, 32]));
    assert_eq!(s0["output_shape"], serde_json::json!([10]));
    assert!(s0["proof_bytes"].as_u64().unwrap() > 0);
    for stage in ["compile", "witness", "prove", "verify"] {
        assert!(
            s0["stages"][stage]["wall_s"].as_f64().unwrap() >= 0.0,
            "{stage}"
        );
    }
    let sliced = json(&run_lenet(&["--slices", "layers", "--json"]));
    assert_eq!(sliced["verified"], true);
    assert_eq!(sliced["slices"].as_array().unwrap().len(), 5);
    assert_eq!(
        sliced["outputs"], whole["outputs"],
        "slice i+1 proves on slice i's integer output: same logits"
    );
    let shapes: Vec<String> = sliced["slices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["output_shape"].to_string())
        .collect();
    assert_eq!(shapes, ["[6,14,14]", "[400]", "[120]", "[84]", "[10]"]);
    // Multiply-accumulates per slice, from LeNet's architecture: 5×5 convolutions
    // 3→6 channels onto 28×28 and 6→16 onto 10×10, then 400→120→84→10.
    let macs: Vec<u64> = sliced["slices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["macs"].as_u64().unwrap())
        .collect();
    let expected_macs = [
        6 * 28 * 28 * (3 * 5 * 5),
        16 * 10 * 10 * (6 * 5 * 5),
        400 * 120,
        120 * 84,
        84 * 10,
    ];
    assert_eq!(macs, expected_macs);
    assert_eq!(
        s0["macs"].as_u64().unwrap(),
        expected_macs.iter().sum::<u64>()
    );
    // The logits classify like the float model (testdata's first held-out digit).
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("testdata/lenet/expected.json")).unwrap(),
    )
    .unwrap();
    let argmax = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.as_f64().unwrap().total_cmp(&b.1.as_f64().unwrap()))
            .unwrap()
            .0
    };
    assert_eq!(argmax(&whole["outputs"]), argmax(&expected["logits"][0]));
}

#[test]
fn compile_prove_verify_and_tampering() {
    let dir = tmp("compiled");
    let proofs = tmp("proofs");
    let c = lamina(&["compile", s(&lenet()), "--slices", "layers", "-o", s(&dir)]);
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    assert!(dir.join("weights.safetensors").exists() && dir.join("model.json").exists());
    let p = lamina(&["prove", s(&dir), "--input", s(&input()), "-o", s(&proofs)]);
    assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stderr));
    let v = lamina(&["verify", s(&dir), s(&proofs)]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    let outputs: Vec<f64> = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(outputs.len(), 10);

    // A flipped proof byte: slice 2 named, non-zero exit.
    let pf = proofs.join("slice_2.proof");
    let honest = std::fs::read(&pf).unwrap();
    let mut bad = honest.clone();
    let mid = bad.len() / 3;
    bad[mid] ^= 1;
    std::fs::write(&pf, &bad).unwrap();
    let v = lamina(&["verify", s(&dir), s(&proofs)]);
    assert!(!v.status.success());
    assert!(
        String::from_utf8_lossy(&v.stderr).contains("slice 2"),
        "{}",
        String::from_utf8_lossy(&v.stderr)
    );
    std::fs::write(&pf, &honest).unwrap();

    // A changed claimed output of the last slice, and a broken chain.
    let st_path = proofs.join("statement.json");
    let st: Value = serde_json::from_str(&std::fs::read_to_string(&st_path).unwrap()).unwrap();
    let mut forged = st.clone();
    let o = forged["slices"][4]["output"][0].as_i64().unwrap();
    forged["slices"][4]["output"][0] = (o + 1).into();
    std::fs::write(&st_path, forged.to_string()).unwrap();
    let v = lamina(&["verify", s(&dir), s(&proofs), "--json"]);
    assert!(!v.status.success());
    let j: Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(j["verified"], false);
    assert_eq!(j["slices"][4]["verified"], false);
    let mut forged = st.clone();
    let i = forged["slices"][1]["input"][0].as_i64().unwrap();
    forged["slices"][1]["input"][0] = (i + 1).into();
    std::fs::write(&st_path, forged.to_string()).unwrap();
    let v = lamina(&["verify", s(&dir), s(&proofs)]);
    assert!(!v.status.success());
    assert!(String::from_utf8_lossy(&v.stderr).contains("slice 1"));
    std::fs::write(&st_path, st.to_string()).unwrap();
    assert!(lamina(&["verify", s(&dir), s(&proofs)]).status.success());

    // A key whose slice list was emptied is refused, not verified vacuously.
    let key_path = dir.join("model.vk");
    let key = std::fs::read(&key_path).unwrap();
    let (mut h, _) = lamina::key::to_parts(&key).unwrap();
    h["slices"] = Value::Array(vec![]);
    std::fs::write(&key_path, lamina::key::from_parts(&h, &[])).unwrap();
    let v = lamina(&["verify", s(&dir), s(&proofs)]);
    assert!(
        !v.status.success()
            && String::from_utf8_lossy(&v.stderr).contains("0 slice entries and 0 circuits"),
        "{}",
        String::from_utf8_lossy(&v.stderr)
    );
    std::fs::write(&key_path, &key).unwrap();
    // And a statement with a slice dropped.
    let mut short = st.clone();
    short["slices"].as_array_mut().unwrap().pop();
    std::fs::write(&st_path, short.to_string()).unwrap();
    assert!(!lamina(&["verify", s(&dir), s(&proofs)]).status.success());
    std::fs::write(&st_path, st.to_string()).unwrap();
}

#[test]
fn bad_inputs_get_one_clear_error() {
    let d = tmp("bad");
    let short = d.join("short.json");
    std::fs::write(&short, r#"{"input_data": [[0.1, 0.2]]}"#).unwrap();
    let o = lamina(&["run", s(&lenet()), "--input", s(&short)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("3072") && err.starts_with("error:"),
        "{err}"
    );
    let far = d.join("far.json");
    std::fs::write(
        &far,
        format!("{{\"input_data\": [[{}]]}}", vec!["2.5"; 3072].join(",")),
    )
    .unwrap();
    let o = lamina(&["run", s(&lenet()), "--input", s(&far)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("input-range") && err.contains("conv1"),
        "{err}"
    );
    let o = run_lenet(&["--scale-bits", "40"]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("--scale-bits 40"));
    let o = lamina(&["run", s(&d.join("missing.onnx")), "--input", s(&input())]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("missing.onnx"));
    let junk = d.join("junk.onnx");
    std::fs::write(&junk, b"definitely not protobuf").unwrap();
    let o = lamina(&["run", s(&junk), "--input", s(&input())]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("junk.onnx"));
    let notjson = d.join("x.json");
    std::fs::write(&notjson, b"{").unwrap();
    let o = lamina(&["run", s(&lenet()), "--input", s(&notjson)]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("not valid JSON"));
}

#[test]
fn fidelity_json_lists_per_input_outputs_and_reference() {
    let d = tmp("fid");
    let all: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("testdata/lenet/inputs.json")).unwrap(),
    )
    .unwrap();
    let few = serde_json::json!({"input_data": all["input_data"].as_array().unwrap()[..4]});
    let path = d.join("few.json");
    std::fs::write(&path, few.to_string()).unwrap();
    let all = json(&lamina(&[
        "fidelity",
        s(&lenet()),
        "--inputs",
        s(&path),
        "--json",
    ]));
    // One shape for one or several scales.
    assert_eq!(all["scales"].as_array().unwrap().len(), 1);
    let j = &all["scales"][0];
    assert_eq!(j["inputs"], 4);
    assert_eq!(j["argmax_agreement"], 1.0);
    for k in ["d1", "d2", "tvd", "jsd"] {
        for f in ["mean", "std", "min", "max"] {
            assert!(j[k][f].as_f64().unwrap() >= 0.0, "{k}.{f}");
        }
    }
    // D1 is the paper's sum over the 10 logits; the per-logit mean sits beside it.
    assert!(j["d1"]["mean"].as_f64().unwrap() < 5e-3);
    let per_logit = j["d1_per_logit"]["mean"].as_f64().unwrap();
    assert!((per_logit * 10.0 - j["d1"]["mean"].as_f64().unwrap()).abs() < 1e-12);
    let p0 = &j["per_input"][0];
    assert_eq!(p0["outputs"].as_array().unwrap().len(), 10);
    assert_eq!(p0["reference"].as_array().unwrap().len(), 10);
}

#[test]
fn report_plot_and_fidelity_plot_write_svg() {
    let d = tmp("plots");
    let report = d.join("report.json");
    let o = run_lenet(&[
        "--slices",
        "layers",
        "--compare-whole",
        "--report",
        s(&report),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["slices"].as_array().unwrap().len(), 5);
    assert!(
        r["whole"]["stages"]["prove"]["alloc_peak_bytes"]
            .as_u64()
            .unwrap()
            > 0
    );
    let svg = d.join("r.svg");
    assert!(
        lamina(&["plot", s(&report), "-o", s(&svg)])
            .status
            .success()
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.starts_with("<svg")
            && text.contains("prove time")
            && text.contains("whole")
            && text.contains("slice 4")
    );
    let fsvg = d.join("f.svg");
    let o = lamina(&[
        "fidelity",
        s(&lenet()),
        "--inputs",
        s(&input()),
        "--scale-bits",
        "12,18",
        "--plot",
        s(&fsvg),
        "--json",
    ]);
    let j = json(&o);
    assert_eq!(j["scales"].as_array().unwrap().len(), 2);
    assert!(
        j["scales"][0]["d1"]["mean"].as_f64().unwrap()
            > j["scales"][1]["d1"]["mean"].as_f64().unwrap(),
        "coarser scale, larger error"
    );
    assert!(
        std::fs::read_to_string(&fsvg)
            .unwrap()
            .contains("per scale")
    );
    // Not a report: a clear error.
    let o = lamina(&["plot", s(&input()), "-o", s(&svg)]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("no slices"));
}

/// Zero knowledge is the default, `--no-zk` gives binding WHIR, and every report names
/// the scheme and its security; the transparent scheme stays available and its proofs
/// carry the committed values; contradictory flags are refused by name.
#[test]
fn commitment_scheme_is_reported_and_selectable() {
    let zk = json(&run_lenet(&["--zk-proofs", "1", "--json"]));
    assert_eq!(zk["verified"], true);
    assert_eq!(zk["commitment"]["scheme"], "whir-zk");
    assert_eq!(zk["commitment"]["hiding"], true);
    let whir = json(&run_lenet(&["--no-zk", "--json"]));
    assert_eq!(whir["verified"], true);
    assert_eq!(whir["outputs"], zk["outputs"]);
    let c = &whir["commitment"];
    assert_eq!(c["scheme"], "whir");
    assert_eq!(c["hiding"], false);
    assert_eq!(c["regime"], "JohnsonBound");
    assert!(c["security_bits"].as_f64().unwrap() >= 100.0, "{c}");
    assert_eq!(whir["vk_digest"].as_str().unwrap().len(), 64);
    let tr = json(&run_lenet(&["--commitment", "transparent", "--json"]));
    assert_eq!(tr["verified"], true);
    assert_eq!(tr["commitment"]["scheme"], "transparent");
    assert_eq!(tr["outputs"], whir["outputs"]);
    assert_ne!(
        tr["vk_digest"], whir["vk_digest"],
        "the scheme is part of the key"
    );
    let bytes = |j: &Value| j["slices"][0]["proof_bytes"].as_u64().unwrap();
    // Transparent proofs hold every weight and hint; WHIR's openings are succinct.
    assert!(
        bytes(&tr) > 5 * bytes(&whir),
        "{} vs {}",
        bytes(&tr),
        bytes(&whir)
    );
    let o = run_lenet(&["--commitment", "kzg"]);
    assert!(
        !o.status.success()
            && String::from_utf8_lossy(&o.stderr).contains("unknown commitment scheme 'kzg'")
    );
    for (flags, why) in [
        (
            &["--commitment", "transparent", "--zk"][..],
            "cannot be zero-knowledge",
        ),
        (
            &["--commitment", "whir-zk", "--no-zk"][..],
            "contradict each other",
        ),
        (&["--zk", "--no-zk"][..], "cannot be used with"),
    ] {
        let o = lamina(&[&["run", s(&lenet()), "--input", s(&input())][..], flags].concat());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(why), "{flags:?}: {err}");
    }
    // `--commitment whir --zk` is zero knowledge.
    let o = lamina(&[
        "compile",
        s(&lenet()),
        "--commitment",
        "whir",
        "--zk",
        "--zk-proofs",
        "1",
        "-o",
        s(&tmp("scheme-zk")),
        "--json",
    ]);
    assert!(o.status.success());
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["commitment"]["scheme"], "whir-zk");
    // A compiled folder's model.json, the statement and the verdict say it too.
    let dir = tmp("scheme-c");
    let proofs = tmp("scheme-p");
    let c = json(&lamina(&[
        "compile",
        s(&lenet()),
        "--commitment",
        "transparent",
        "-o",
        s(&dir),
        "--json",
    ]));
    assert_eq!(c["commitment"]["scheme"], "transparent");
    let st = json(&lamina(&[
        "prove",
        s(&dir),
        "--input",
        s(&input()),
        "-o",
        s(&proofs),
        "--json",
    ]));
    assert_eq!(st["commitment"]["scheme"], "transparent");
    assert_eq!(st["vk_digest"], c["vk_digest"]);
    let v = json(&lamina(&[
        "verify",
        "--vk",
        s(&dir.join("model.vk")),
        s(&proofs),
        "--vk-digest",
        c["vk_digest"].as_str().unwrap(),
        "--json",
    ]));
    assert_eq!(v["verified"], true);
    assert_eq!(v["commitment"]["scheme"], "transparent");
}

/// `--private-input`: the statement names the input's commitment and its opening file
/// instead of the input, and the folder verifies; with `--no-zk` it is refused by name.
#[test]
fn private_input_on_the_command_line() {
    let dir = tmp("private-input-c");
    let proofs = tmp("private-input-p");
    let c = lamina(&[
        "compile",
        s(&lenet()),
        "--private-input",
        "--zk-proofs",
        "1",
        "-o",
        s(&dir),
    ]);
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    let st = json(&lamina(&[
        "prove",
        s(&dir),
        "--input",
        s(&input()),
        "-o",
        s(&proofs),
        "--json",
    ]));
    assert!(st["slices"][0]["input"].is_null());
    assert_eq!(st["input_commitment"].as_str().unwrap().len(), 64);
    assert!(proofs.join("input.opening").is_file());
    let v = json(&lamina(&["verify", s(&dir), s(&proofs), "--json"]));
    assert_eq!(v["verified"], true);
    assert_eq!(v["input_commitment"], st["input_commitment"]);
    // The owner's audit, stocks included.
    let a = json(&lamina(&[
        "audit",
        s(&lenet()),
        "--vk",
        s(&dir.join("model.vk")),
        "--zk-secret",
        s(&dir),
        "--json",
    ]));
    assert_eq!(a["matches"], true, "{a}");
    assert_eq!(a["stocks_checked"], true);
    let o = run_lenet(&["--private-input", "--no-zk"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("--private-input needs zero-knowledge"),
        "{err}"
    );
}
