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

/// A fresh folder `tmp` with the bundled LeNet compiled under `settings` into `tmp/m`, and
/// its first input proven twice, into `tmp/p1` and `tmp/p2`, each verified against the
/// key pinned to its digest: `(the compile document, the digest, the key's path, the two
/// verdicts)`.
pub fn compiled_and_proven_twice(
    tmp: &Path,
    settings: &lamina::commands::Settings,
) -> (serde_json::Value, String, PathBuf, Vec<Verdict>) {
    let _ = std::fs::remove_dir_all(tmp);
    let model = lenet().join("lenet.onnx");
    let doc =
        lamina::commands::compile(&model, settings, &tmp.join("m"), Hooks::default()).unwrap();
    let pin = doc["vk_digest"].as_str().unwrap().to_string();
    let vk = tmp.join("m").join("model.vk");
    let verdicts = ["p1", "p2"]
        .iter()
        .map(|p| {
            lamina::commands::prove(
                &tmp.join("m"),
                &first_input(),
                "input.json",
                &tmp.join(p),
                Hooks::default(),
            )
            .unwrap();
            let v = verify_pinned(&vk, &tmp.join(p), &pin);
            assert!(v.verified, "{}", v.doc);
            v
        })
        .collect();
    (doc, pin, vk, verdicts)
}

/// A chain's slice cannot be proven as a job on its own: `lamina witness` of `x` from the
/// compiled folder `tmp/m` into `tmp/r`, then `prove --run` of `slice` is refused.
pub fn assert_chain_job_refused(tmp: &Path, x: &[f64], slice: usize) {
    lamina::jobs::witness(
        &tmp.join("m"),
        x,
        "input.json",
        &tmp.join("r"),
        Hooks::default(),
    )
    .unwrap();
    let err = lamina::jobs::prove_slice(
        &tmp.join("m"),
        &tmp.join("r"),
        slice,
        &tmp.join("j"),
        Hooks::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("one chain"), "{err}");
}

/// The key `vk` (pinned to `pin`), after checking that `lamina audit` against `model`
/// recompiles it byte for byte.
pub fn audited_key(vk: &Path, pin: &str, model: &Path) -> lamina::key::VerificationKey {
    let key = lamina::key::load(vk, Some(pin)).unwrap();
    let audit = lamina::key::audit(model, &key, Hooks::default()).unwrap();
    assert!(audit.matches, "{}", audit.doc);
    key
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
