//! Verification-key decoding on hostile bytes: arbitrary bytes, and a valid key with
//! bytes flipped or cut. Decoding must never panic, and a key whose bytes changed is never
//! accepted under the original digest.
#![no_main]

use circuits::{Circuit, Coeff, InputLayout, Layer, MulGate, Region, RegionKind};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// A one-slice key: out = w0·x0 + w1·x1 (x private, w the weights).
fn base() -> &'static Vec<u8> {
    static K: OnceLock<Vec<u8>> = OnceLock::new();
    K.get_or_init(|| {
        let mut layer = Layer::new(1);
        layer.mul.push(MulGate {
            out: 0,
            in0: 2,
            in1: 0,
            coeff: Coeff::ONE,
        });
        layer.mul.push(MulGate {
            out: 0,
            in0: 3,
            in1: 1,
            coeff: Coeff::ONE,
        });
        let c = Circuit {
            input: InputLayout {
                log_width: 2,
                regions: vec![
                    Region {
                        kind: RegionKind::Private,
                        offset: 0,
                        log_len: 1,
                        len: 2,
                    },
                    Region {
                        kind: RegionKind::Weights,
                        offset: 2,
                        log_len: 1,
                        len: 2,
                    },
                ],
                gate_log_width: None,
            },
            layers: vec![layer],
            public_outputs: vec![0],
            ..Circuit::default()
        };
        let bytes = c.to_bytes();
        let digest = blake3::hash(&bytes).to_hex().to_string();
        let s = lamina::Scheme::Whir;
        let header = serde_json::json!({
            "format": lamina::key::FORMAT,
            "model_digest": "11".repeat(32),
            "scale_bits": 18,
            "input_range": [-1.0, 1.0],
            "calibration": null,
            "slices_plan": "whole",
            "input_shape": [2],
            "commitment": {"scheme": s.name(), "id": s.id()},
            "slices": [{"index": 0, "layer_range": [0, 1], "input_len": 0, "output_len": 1,
                        "circuit_digest": digest, "weights_commitment": "22".repeat(32)}],
        });
        let key = lamina::key::from_parts(&header, &[&bytes]);
        assert!(
            lamina::key::decode(&key).is_ok(),
            "the base key must decode"
        );
        key
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = lamina::key::decode(data);
    let good = base();
    let mut k = good.clone();
    for ch in data.chunks_exact(5) {
        let pos = u32::from_le_bytes([ch[0], ch[1], ch[2], ch[3]]) as usize % k.len();
        k[pos] ^= ch[4];
    }
    if data.len() % 7 == 3 {
        k.truncate(data.len() % k.len());
    }
    if let Ok(key) = lamina::key::decode(&k) {
        assert!(k == *good || key.digest() != &lamina::key::digest(good));
    }
});
