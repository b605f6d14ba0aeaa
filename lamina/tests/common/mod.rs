//! Helpers shared by lamina's integration tests on the bundled LeNet.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lamina::measure::Hooks;
use lamina::proof_folder::{Pin, Verdict, verify};
use std::path::{Path, PathBuf};

/// The bundled LeNet's folder.
pub fn lenet() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/lenet")
}

/// The first input of the bundled `input.json`.
pub fn first_input() -> Vec<f64> {
    let text = std::fs::read_to_string(lenet().join("input.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["input_data"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// `lamina verify` of `proofs` against the key `vk` pinned to `pin`.
pub fn verify_pinned(vk: &Path, proofs: &Path, pin: &str) -> Verdict {
    verify(
        vk,
        proofs,
        Pin {
            vk_digest: Some(pin),
            model_digest: None,
        },
        Hooks::default(),
    )
    .unwrap()
}
