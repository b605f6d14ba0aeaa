//! The verification key's decoder on hand-made keys: a round trip, and one named test per
//! way a key can be wrong, each asserting its own [`KeyError`] variant.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use circuits::{Circuit, Coeff, InputLayout, Layer, MulGate, Region, RegionKind};
use lamina::key::{self, KeyError};
use serde_json::{Value, json};

/// out = w0·x0 + w1·x1 (x private; with `weights`, w the weights, else w private too),
/// reading `inputs` public values (unused) ahead of them.
fn circuit(weights: bool, inputs: u32) -> Vec<u8> {
    let mut layer = Layer::new(1);
    layer.mul.push(MulGate {
        out: 0,
        in0: 6,
        in1: 4,
        coeff: Coeff::ONE,
    });
    layer.mul.push(MulGate {
        out: 0,
        in0: 7,
        in1: 5,
        coeff: Coeff::ONE,
    });
    let mut regions = vec![Region {
        kind: RegionKind::Private,
        offset: 4,
        log_len: 1,
        len: 2,
    }];
    regions.push(Region {
        kind: if weights {
            RegionKind::Weights
        } else {
            RegionKind::Private
        },
        offset: 6,
        log_len: 1,
        len: 2,
    });
    if !weights {
        regions = vec![Region {
            kind: RegionKind::Private,
            offset: 4,
            log_len: 2,
            len: 4,
        }];
    }
    let c = Circuit {
        num_public: inputs,
        input: InputLayout {
            log_width: 3,
            regions,
            gate_log_width: None,
        },
        layers: vec![layer],
        public_outputs: vec![0],
        ..Circuit::default()
    };
    c.validate().unwrap();
    c.to_bytes()
}

fn digest(c: &[u8]) -> String {
    blake3::hash(c).to_hex().to_string()
}

/// A two-slice key: slice 0 with weights (1 output), slice 1 without (1 input, 1 output).
fn parts() -> (Value, Vec<Vec<u8>>) {
    let (c0, c1) = (circuit(true, 0), circuit(false, 1));
    let s = lamina::Scheme::Whir;
    let h = json!({
        "format": key::FORMAT,
        "model_digest": "11".repeat(32),
        "scale_bits": 18,
        "input_range": [-1.0, 1.0],
        "calibration": null,
        "slices_plan": "1",
        "input_shape": [4],
        "commitment": {"scheme": s.name(), "id": s.id()},
        "slices": [
            {"index": 0, "layer_range": [0, 1], "input_len": 0, "output_len": 1,
             "circuit_digest": digest(&c0), "weights_commitment": "22".repeat(32)},
            {"index": 1, "layer_range": [1, 2], "input_len": 1, "output_len": 1,
             "circuit_digest": digest(&c1), "weights_commitment": null},
        ],
    });
    (h, vec![c0, c1])
}

fn encode(h: &Value, c: &[Vec<u8>]) -> Vec<u8> {
    key::from_parts(h, &c.iter().map(Vec::as_slice).collect::<Vec<_>>())
}

fn decode(h: &Value, c: &[Vec<u8>]) -> Result<key::VerificationKey, KeyError> {
    key::decode(&encode(h, c))
}

#[test]
fn round_trip() {
    let (h, c) = parts();
    let bytes = encode(&h, &c);
    let k = key::decode(&bytes).unwrap();
    assert_eq!(k.slices.len(), 2);
    assert_eq!(k.digest(), &key::digest(&bytes));
    assert_eq!(k.slices[0].weights_commitment, Some([0x22; 32]));
    assert_eq!(k.slices[1].weights_commitment, None);
    assert_eq!(k.quant.scale_bits, 18);
    // Framing round-trips exactly.
    let (h2, c2) = key::to_parts(&bytes).unwrap();
    assert_eq!(h2, h);
    assert_eq!(c2, c.iter().map(Vec::as_slice).collect::<Vec<_>>());
}

#[test]
fn bad_magic_and_version() {
    let (h, c) = parts();
    let mut b = encode(&h, &c);
    b[0] = b'X';
    assert!(matches!(key::decode(&b), Err(KeyError::Magic)));
    let mut b = encode(&h, &c);
    b[4] = 9;
    assert!(matches!(
        key::decode(&b),
        Err(KeyError::Version { got: 9, .. })
    ));
    let b = encode(&h, &c);
    assert!(matches!(
        key::decode(&b[..b.len() - 1]),
        Err(KeyError::Decode(_))
    ));
    let mut long = b.clone();
    long.push(0);
    assert!(matches!(key::decode(&long), Err(KeyError::Decode(_))));
}

#[test]
fn nulled_missing_and_stray_commitments() {
    let (mut h, c) = parts();
    h["slices"][0]["weights_commitment"] = json!("00".repeat(32));
    assert!(matches!(
        decode(&h, &c),
        Err(KeyError::NullCommitment { slice: 0 })
    ));
    h["slices"][0]["weights_commitment"] = Value::Null;
    assert!(matches!(
        decode(&h, &c),
        Err(KeyError::MissingCommitment { slice: 0 })
    ));
    let (mut h, c) = parts();
    h["slices"][1]["weights_commitment"] = json!("33".repeat(32));
    assert!(matches!(
        decode(&h, &c),
        Err(KeyError::StrayCommitment { slice: 1 })
    ));
}

#[test]
fn circuit_digest_and_lengths() {
    let (mut h, c) = parts();
    h["slices"][1]["circuit_digest"] = h["slices"][0]["circuit_digest"].clone();
    assert!(matches!(
        decode(&h, &c),
        Err(KeyError::CircuitDigest { slice: 1, .. })
    ));
    // The entry's lengths must be the circuit's.
    let (mut h, c) = parts();
    h["slices"][1]["output_len"] = json!(2);
    let e = decode(&h, &c).err().unwrap();
    assert!(
        matches!(&e, KeyError::Slice { slice: 1, what } if what.contains("writes 1 outputs")),
        "{e}"
    );
    // And slice 1 must read what slice 0 writes.
    let (mut h, mut c) = parts();
    c[1] = circuit(false, 2);
    h["slices"][1]["circuit_digest"] = json!(digest(&c[1]));
    h["slices"][1]["input_len"] = json!(2);
    let e = decode(&h, &c).err().unwrap();
    assert!(
        matches!(&e, KeyError::Slice { slice: 1, what } if what.contains("slice 0 writes 1")),
        "{e}"
    );
}

#[test]
fn plan_shape_and_counts() {
    let (mut h, c) = parts();
    h["slices"][1]["layer_range"] = json!([2, 3]);
    assert!(matches!(
        decode(&h, &c),
        Err(KeyError::Slice { slice: 1, .. })
    ));
    let (mut h, c) = parts();
    h["slices"][1]["index"] = json!(0);
    assert!(matches!(
        decode(&h, &c),
        Err(KeyError::Slice { slice: 1, .. })
    ));
    let (h, mut c) = parts();
    c.pop();
    assert!(matches!(decode(&h, &c), Err(KeyError::Header(_))));
    let (mut h, _) = parts();
    h["slices"] = json!([]);
    assert!(matches!(decode(&h, &[]), Err(KeyError::Header(_))));
}

#[test]
fn settings_are_parsed_strictly() {
    for (field, v) in [
        ("scale_bits", json!(40)),
        ("scale_bits", json!(-1)),
        ("input_range", json!([1.0, -1.0])),
        ("input_range", json!("wide")),
        ("slices_plan", json!("sideways")),
        ("model_digest", json!("abc")),
        ("format", json!("lamina-vk/0")),
        ("calibration", json!({"margin": 2.0})),
    ] {
        let (mut h, c) = parts();
        h[field] = v.clone();
        assert!(
            matches!(decode(&h, &c), Err(KeyError::Header(_))),
            "{field} = {v}"
        );
    }
}

#[test]
fn other_schemes_or_parameters_are_refused() {
    let (mut h, c) = parts();
    h["commitment"]["id"] = json!("whir-but-weaker");
    assert!(matches!(decode(&h, &c), Err(KeyError::Scheme { .. })));
    let (mut h, c) = parts();
    h["commitment"]["scheme"] = json!("kzg");
    assert!(matches!(decode(&h, &c), Err(KeyError::Scheme { .. })));
    // The transparent scheme is accepted under its own id.
    let (mut h, c) = parts();
    let t = lamina::Scheme::Transparent;
    h["commitment"] = json!({"scheme": t.name(), "id": t.id()});
    assert_eq!(decode(&h, &c).unwrap().scheme, t);
}

#[test]
fn a_partial_decode_skips_circuits_but_not_the_header() {
    let (mut h, mut c) = parts();
    c[1] = b"not a circuit".to_vec();
    let b = encode(&h, &c);
    assert!(matches!(key::decode(&b), Err(KeyError::Decode(_))));
    let k = key::decode_with(&b, |i| i == 0).unwrap();
    assert!(k.slices[0].circuit().is_ok());
    assert!(matches!(
        k.slices[1].circuit(),
        Err(KeyError::Slice { slice: 1, .. })
    ));
    h["slices"][1]["weights_commitment"] = json!("00".repeat(32));
    let b = encode(&h, &c);
    assert!(matches!(
        key::decode_with(&b, |i| i == 0),
        Err(KeyError::NullCommitment { slice: 1 })
    ));
}

#[test]
fn the_pin_is_checked_before_decoding() {
    let dir = std::env::temp_dir().join(format!("lamina-key-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.vk");
    let (h, c) = parts();
    let bytes = encode(&h, &c);
    std::fs::write(&path, &bytes).unwrap();
    let hex: String = key::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(key::load(&path, Some(&hex)).is_ok());
    // Garbage under a wrong pin: refused by the pin, never parsed.
    std::fs::write(&path, b"garbage").unwrap();
    match key::load(&path, Some(&hex)) {
        Err(lamina::Error::Key(KeyError::Pin { .. })) => {}
        other => panic!("expected a pin refusal, got {:?}", other.err()),
    }
    std::fs::remove_dir_all(&dir).ok();
}
