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

/// Consecutive pairs of integer values, as two canonical field elements in 8-byte
/// little-endian form (how a vector of them would sit in any encoding); pairs of small
/// values (ReLU's zeros) are left out, since lengths and padding look like them.
pub fn value_pairs(values: &[i64]) -> std::collections::HashSet<[u8; 16]> {
    let canonical = |v: i64| {
        let f = <prover::Goldilocks as prover::Field>::from_i64(v);
        prover::PrimeField64::as_u64(&f)
    };
    let mut out = std::collections::HashSet::new();
    for w in values.windows(2) {
        let (a, b) = (canonical(w[0]), canonical(w[1]));
        if a.max(b) < 1 << 12 {
            continue;
        }
        let mut pair = [0u8; 16];
        pair[..8].copy_from_slice(&a.to_le_bytes());
        pair[8..].copy_from_slice(&b.to_le_bytes());
        out.insert(pair);
    }
    out
}

/// How many 16-byte windows of `bytes` are among `pairs`.
pub fn hits(bytes: &[u8], pairs: &std::collections::HashSet<[u8; 16]>) -> usize {
    bytes
        .windows(16)
        .filter(|w| pairs.contains(&<[u8; 16]>::try_from(*w).unwrap()))
        .count()
}
