//! `--private-activations` on the bundled LeNet, one slice per layer: the statement shows
//! the model's input and final output only, the proofs form one chain whose links prove
//! each slice's output is the next one's input, and no activation is in any proof or
//! statement. Named refusals: a statement carrying a private value, a proof from another
//! run spliced in, a per-slice job, a binding scheme.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{first_input, hits, lenet, value_pairs, verify_pinned};

use lamina::commands::{Settings, run};
use lamina::engine::Scheme;
use lamina::measure::Hooks;
use lamina::proof_folder::{Pin, verify};
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn settings() -> Settings {
    Settings::new(18, (-1.0, 1.0), "layers")
        .unwrap()
        .with_scheme(Scheme::WhirZk)
        .with_private_activations(true)
        .unwrap()
}

#[test]
fn run_with_private_activations_proves_the_composition() {
    let x = first_input();
    let model = lenet().join("lenet.onnx");
    let binding = Settings::new(18, (-1.0, 1.0), "layers")
        .unwrap()
        .with_scheme(Scheme::Whir);
    let a = run(&model, &x, "input.json", &binding, false, Hooks::default()).unwrap();
    let b = run(
        &model,
        &x,
        "input.json",
        &settings(),
        false,
        Hooks::default(),
    )
    .unwrap();
    assert_eq!(b["verified"], true, "{b}");
    assert_eq!(b["outputs"], a["outputs"]);
    assert_eq!(
        b["commitment"]["zero_knowledge"]["private_activations"],
        true
    );
    assert!(b["commitment"]["security_bits"].as_f64().unwrap() >= 100.0);
    let rows = b["slices"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["verified"], true);
        assert_eq!(r["private_input"], i > 0);
        assert_eq!(r["private_output"], i < 4);
    }
    // The slices are proven in parallel: the report gives the chain's own wall clock.
    let chain = &b["chain"];
    assert_eq!(chain["slices_in_parallel"], true);
    let wall = chain["prove"]["wall_s"].as_f64().unwrap();
    let own: f64 = rows
        .iter()
        .map(|r| r["stages"]["prove"]["wall_s"].as_f64().unwrap())
        .sum();
    assert!(wall > 0.0 && wall <= own * 1.2 + 0.05, "{wall} vs {own}");
    // A binding scheme cannot hide activations: refused by name.
    let err = binding.with_private_activations(true).unwrap_err();
    assert!(err.to_string().contains("drop --no-zk"), "{err}");
}

/// Consecutive pairs of the activations between slices ([`value_pairs`]).
fn activation_pairs(model: &Path, x: &[f64]) -> HashSet<[u8; 16]> {
    use blueprints::{Model, QuantConfig, SlicePlan, pipeline, slice};
    let m = Model::from_onnx(
        &std::fs::read(model).unwrap(),
        QuantConfig::new(18, (-1.0, 1.0)).unwrap(),
    )
    .unwrap();
    let mut act = m.quant.quantize_input(x, "input").unwrap();
    let slices = slice::plan(&m, &"layers".parse::<SlicePlan>().unwrap()).unwrap();
    let mut out = HashSet::new();
    for s in &slices[..slices.len() - 1] {
        act = pipeline::forward(&m, s, &act).unwrap().0;
        out.extend(value_pairs(&act));
    }
    out
}

#[test]
fn folders_with_private_activations() {
    let tmp = std::env::temp_dir().join(format!("lamina-private-acts-{}", std::process::id()));
    let model = lenet().join("lenet.onnx");
    let x = first_input();
    let (doc, pin, vk, _) = common::compiled_and_proven_twice(&tmp, &settings());
    assert_eq!(
        doc["commitment"]["zero_knowledge"]["private_activations"],
        true
    );
    // The statement: slice 0's input and slice 4's output only.
    let st: Value =
        serde_json::from_slice(&std::fs::read(tmp.join("p1/statement.json")).unwrap()).unwrap();
    let entries = st["slices"].as_array().unwrap();
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["input"].is_null(), i > 0, "slice {i}");
        assert_eq!(e["output"].is_null(), i < 4, "slice {i}");
    }
    // No activation between slices in any proof or statement byte.
    let secrets = activation_pairs(&model, &x);
    assert!(secrets.len() > 100, "too few activations to scan for");
    let mut files: Vec<PathBuf> = (0..5)
        .map(|i| tmp.join(format!("p1/slice_{i}.proof")))
        .collect();
    files.push(tmp.join("p1/statement.json"));
    for f in &files {
        assert_eq!(
            hits(&std::fs::read(f).unwrap(), &secrets),
            0,
            "{}",
            f.display()
        );
    }
    // (The scan's own check — finding such values in a transparent twin's bytes — is
    // prover's `zk_chain::chain_no_boundary_value_in_the_proof_bytes`.)

    // A statement carrying a private value is refused by name.
    let mut leaky = st.clone();
    leaky["slices"][1]["input"] = st["slices"][0]["input"].clone();
    let leaky_dir = tmp.join("leaky");
    std::fs::create_dir_all(&leaky_dir).unwrap();
    for i in 0..5 {
        let name = format!("slice_{i}.proof");
        std::fs::copy(tmp.join("p1").join(&name), leaky_dir.join(&name)).unwrap();
    }
    std::fs::write(
        leaky_dir.join("statement.json"),
        serde_json::to_vec(&leaky).unwrap(),
    )
    .unwrap();
    let err = verify(
        &vk,
        &leaky_dir,
        Pin {
            vk_digest: Some(&pin),
            model_digest: None,
        },
        Hooks::default(),
    )
    .expect_err("a statement with a private value is refused");
    assert!(err.to_string().contains("private under this key"), "{err}");

    // Slice 2's proof from the other run: its boundary points were drawn from that run's
    // commitments, so the chain breaks at its boundaries.
    std::fs::copy(tmp.join("p2/slice_2.proof"), tmp.join("p1/slice_2.proof")).unwrap();
    let v = verify_pinned(&vk, &tmp.join("p1"), &pin);
    assert!(!v.verified);
    assert_eq!(v.doc["slices"][2]["verified"], false);

    // A per-slice job cannot prove one link of a chain alone.
    common::assert_chain_job_refused(&tmp, &x, 1);

    // The audit recompiles with private activations (the key says so).
    let key = common::audited_key(&vk, &pin, &model);
    assert!(key.privacy.activations && !key.privacy.input);
    std::fs::remove_dir_all(&tmp).unwrap();
}
