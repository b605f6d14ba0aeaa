//! `--private-input` on the bundled LeNet: the statement shows the input's commitment
//! (and the opening beside the proofs) instead of the input, the first slice's proof is
//! linked to it, and no input value is in any proof, opening or statement. Named
//! refusals: an opening from another run, a statement whose commitment is not the
//! opening's, a statement carrying the input, a folder without the opening, a binding
//! scheme, a per-slice job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{first_input, hits, lenet, value_pairs, verify_pinned};

use lamina::commands::{Settings, compile, prove, run};
use lamina::engine::Scheme;
use lamina::measure::Hooks;
use lamina::proof_folder::{Pin, verify};
use serde_json::Value;
use std::path::Path;

fn settings(slices: &str, activations: bool) -> Settings {
    Settings::new(18, (-1.0, 1.0), slices)
        .unwrap()
        .with_private_activations(activations)
        .unwrap()
        .with_private_input(true)
        .unwrap()
}

/// Five slices with a private input and public activations: refused by `Settings` (the
/// first slice's output would show much of the input), built here field by field so the
/// verifier's handling of such a key (a hand-made one) is tested.
fn private_input_public_activations() -> Settings {
    let mut s = Settings::new(18, (-1.0, 1.0), "layers").unwrap();
    s.private_input = true;
    s
}

fn quantized_input() -> Vec<i64> {
    let q = blueprints::QuantConfig::new(18, (-1.0, 1.0)).unwrap();
    q.quantize_input(&first_input(), "input").unwrap()
}

#[test]
fn run_with_a_private_input() {
    let x = first_input();
    let model = lenet().join("lenet.onnx");
    let public = Settings::new(18, (-1.0, 1.0), "whole").unwrap();
    let a = run(&model, &x, "input.json", &public, false, Hooks::default()).unwrap();
    for (slices, activations) in [("whole", false), ("layers", true)] {
        let r = run(
            &model,
            &x,
            "input.json",
            &settings(slices, activations),
            false,
            Hooks::default(),
        )
        .unwrap();
        assert_eq!(r["verified"], true, "{slices}");
        assert_eq!(r["outputs"], a["outputs"], "{slices}");
        let z = &r["commitment"]["zero_knowledge"];
        assert_eq!(z["private_input"], true);
        assert_eq!(z["private_activations"], activations);
        assert!(r["commitment"]["security_bits"].as_f64().unwrap() >= 100.0);
        let first = &r["slices"][0];
        assert_eq!(first["private_input"], true);
        assert_eq!(first["input_commitment"].as_str().unwrap().len(), 64);
    }
    // Five slices whose activations are public would show the first slice's output.
    let err = Settings::new(18, (-1.0, 1.0), "layers")
        .unwrap()
        .with_private_input(true)
        .unwrap_err();
    assert!(
        err.to_string().contains("needs --private-activations too"),
        "{err}"
    );
    // A binding scheme cannot hide the input: refused by name.
    let err = Settings::new(18, (-1.0, 1.0), "whole")
        .unwrap()
        .with_scheme(Scheme::Whir)
        .with_private_input(true)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("--private-input needs zero-knowledge"),
        "{err}"
    );
}

/// Copies a proof folder's files into a fresh folder.
fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn folders_with_a_private_input() {
    let tmp = std::env::temp_dir().join(format!("lamina-private-input-{}", std::process::id()));
    let model = lenet().join("lenet.onnx");
    let x = first_input();
    let (doc, pin, vk, verdicts) =
        common::compiled_and_proven_twice(&tmp, &private_input_public_activations());
    assert_eq!(doc["commitment"]["zero_knowledge"]["private_input"], true);
    for v in &verdicts {
        assert_eq!(v.doc["input_commitment"].as_str().unwrap().len(), 64);
    }
    let read = |p: &Path| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let st = read(&tmp.join("p1/statement.json"));
    // The statement: the input's commitment, no input; later slices' inputs are public
    // (the activations are not private here).
    assert!(st["slices"][0]["input"].is_null());
    assert!(!st["slices"][1]["input"].is_null());
    assert_eq!(st["input_opening"], "input.opening");
    let other = read(&tmp.join("p2/statement.json"));
    assert_ne!(
        st["input_commitment"], other["input_commitment"],
        "fresh per proof"
    );
    // No pair of input values in any proof, the opening or the statement (as text).
    let input = quantized_input();
    let pairs = value_pairs(&input);
    assert!(pairs.len() > 100, "too few input values to scan for");
    let mut files: Vec<String> = (0..5).map(|i| format!("slice_{i}.proof")).collect();
    files.push("input.opening".into());
    for f in &files {
        let bytes = std::fs::read(tmp.join("p1").join(f)).unwrap();
        assert_eq!(hits(&bytes, &pairs), 0, "{f}");
    }
    let text = std::fs::read_to_string(tmp.join("p1/statement.json")).unwrap();
    let leaked = input
        .windows(2)
        .filter(|w| w[0].abs().max(w[1].abs()) >= 1 << 12)
        .filter(|w| text.contains(&format!("{},{}", w[0], w[1])))
        .count();
    assert_eq!(leaked, 0);

    let refused = |dir: &Path, why: &str| {
        let err = verify(
            &vk,
            dir,
            Pin {
                vk_digest: Some(&pin),
                model_digest: None,
            },
            Hooks::default(),
        )
        .expect_err(why);
        assert!(err.to_string().contains(why), "{err}");
    };
    // The other run's opening under this statement: its commitment is not the one the
    // statement names.
    let swapped = tmp.join("swapped");
    copy_folder(&tmp.join("p1"), &swapped);
    std::fs::copy(tmp.join("p2/input.opening"), swapped.join("input.opening")).unwrap();
    refused(&swapped, "is not the commitment");
    // ... and with the statement restated to name it: the first slice's link fails.
    let mut restated = st.clone();
    restated["input_commitment"] = other["input_commitment"].clone();
    std::fs::write(
        swapped.join("statement.json"),
        serde_json::to_vec(&restated).unwrap(),
    )
    .unwrap();
    let v = verify_pinned(&vk, &swapped, &pin);
    assert!(!v.verified);
    assert_eq!(v.doc["slices"][0]["verified"], false);
    // A statement carrying the input is refused by name.
    let leaky = tmp.join("leaky");
    copy_folder(&tmp.join("p1"), &leaky);
    let mut with_input = st.clone();
    with_input["slices"][0]["input"] = serde_json::json!(input);
    std::fs::write(
        leaky.join("statement.json"),
        serde_json::to_vec(&with_input).unwrap(),
    )
    .unwrap();
    refused(&leaky, "private under this key");
    // Without the opening, or without its name in the statement.
    let bare = tmp.join("bare");
    copy_folder(&tmp.join("p1"), &bare);
    std::fs::remove_file(bare.join("input.opening")).unwrap();
    assert!(
        verify(
            &vk,
            &bare,
            Pin {
                vk_digest: Some(&pin),
                model_digest: None,
            },
            Hooks::default()
        )
        .is_err()
    );
    let mut unnamed = st.clone();
    unnamed.as_object_mut().unwrap().remove("input_opening");
    std::fs::write(
        bare.join("statement.json"),
        serde_json::to_vec(&unnamed).unwrap(),
    )
    .unwrap();
    refused(&bare, "this key's input is private");

    // Slices 2..4 proven on another input, spliced after this run's slices 0 and 1 (the
    // public boundary between slices 1 and 2 no longer matches): refused at slice 2.
    let x2: Vec<f64> = x.iter().map(|v| v * 0.5).collect();
    prove(
        &tmp.join("m"),
        &x2,
        "input.json",
        &tmp.join("p3"),
        Hooks::default(),
    )
    .unwrap();
    let spliced = tmp.join("spliced");
    copy_folder(&tmp.join("p1"), &spliced);
    let third = read(&tmp.join("p3/statement.json"));
    let mut mixed = st.clone();
    for i in 2..5 {
        let name = format!("slice_{i}.proof");
        std::fs::copy(tmp.join("p3").join(&name), spliced.join(&name)).unwrap();
        mixed["slices"][i] = third["slices"][i].clone();
    }
    mixed["outputs"] = third["outputs"].clone();
    std::fs::write(
        spliced.join("statement.json"),
        serde_json::to_vec(&mixed).unwrap(),
    )
    .unwrap();
    let v = verify_pinned(&vk, &spliced, &pin);
    assert!(!v.verified, "a spliced chain verified");
    assert_eq!(v.doc["slices"][2]["verified"], false);
    assert!(
        v.doc["slices"][2]["reason"]
            .as_str()
            .unwrap()
            .contains("slice 1's output is not slice 2's input"),
        "{}",
        v.doc
    );

    // Malformed fields: a clear refusal naming the field, never a panic.
    for (field, value, why) in [
        ("input_commitment", serde_json::json!(7), "input_commitment"),
        (
            "input_commitment",
            serde_json::json!("ab"),
            "input_commitment",
        ),
        (
            "input_opening",
            serde_json::json!("../input.opening"),
            "is not a plain file name",
        ),
        (
            "input_opening",
            serde_json::json!(null),
            "input_opening: expected a file name",
        ),
    ] {
        let mut bad = st.clone();
        bad[field] = value;
        std::fs::write(
            bare.join("statement.json"),
            serde_json::to_vec(&bad).unwrap(),
        )
        .unwrap();
        std::fs::copy(tmp.join("p1/input.opening"), bare.join("input.opening")).unwrap();
        refused(&bare, why);
    }
    // A statement naming an input commitment under a key whose input is public.
    let public_key = tmp.join("public");
    compile(
        &model,
        &Settings::new(18, (-1.0, 1.0), "whole").unwrap(),
        &public_key,
        Hooks::default(),
    )
    .unwrap();
    let pp = tmp.join("pp");
    prove(&public_key, &x, "input.json", &pp, Hooks::default()).unwrap();
    let mut named: Value = read(&pp.join("statement.json"));
    named["input_commitment"] = st["input_commitment"].clone();
    std::fs::write(
        pp.join("statement.json"),
        serde_json::to_vec(&named).unwrap(),
    )
    .unwrap();
    let err = verify(
        &public_key.join("model.vk"),
        &pp,
        Pin::default(),
        Hooks::default(),
    )
    .expect_err("an input commitment under a public-input key");
    assert!(
        err.to_string().contains("this key's input is public"),
        "{err}"
    );

    // A per-slice job cannot prove the first link alone.
    common::assert_chain_job_refused(&tmp, &x, 0);
    // The audit recompiles with the private input (the key says so).
    let key = common::audited_key(&vk, &pin, &model);
    assert!(key.privacy.input && !key.privacy.activations);
    std::fs::remove_dir_all(&tmp).unwrap();
}
