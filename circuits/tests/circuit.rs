//! Validation errors, encoding round trips, digests, strict decoding, plain evaluation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use circuits::random::{self, Spec};
use circuits::{
    AddGate, Circuit, CircuitError, Coeff, ConstGate, ConstSource, DecodeError, InputLayout, Layer,
    MulGate, Region, RegionKind, Residue,
};

fn small() -> Circuit {
    let mut l1 = Layer::new(1);
    l1.mul.push(MulGate {
        out: 0,
        in0: 0,
        in1: 1,
        coeff: Coeff::Int(2),
    });
    l1.add.push(AddGate {
        out: 1,
        input: 2,
        coeff: Coeff::Int(-3),
    });
    l1.constant.push(ConstGate {
        out: 1,
        coeff: Coeff::ONE,
        source: ConstSource::Public(0),
    });
    Circuit {
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
                    kind: RegionKind::Public,
                    offset: 2,
                    log_len: 1,
                    len: 1,
                },
            ],
            gate_log_width: None,
        },
        layers: vec![l1],
        num_public: 1,
        num_challenges: 0,
        public_outputs: vec![0, 1],
    }
}

#[test]
fn valid_circuits_validate() {
    small().validate().unwrap();
    for seed in 0..20 {
        random::circuit(
            &Spec {
                num_public: 3,
                num_challenges: (seed % 2) as u32,
                ..Spec::default()
            },
            seed,
        )
        .validate()
        .unwrap();
    }
}

#[test]
fn validation_names_the_problem() {
    let mut c = small();
    c.layers[0].mul[0].in1 = 4;
    assert_eq!(
        c.validate(),
        Err(CircuitError::InputSlot {
            layer: 1,
            kind: "mul",
            gate: 0,
            slot: 4,
            width: 4
        })
    );
    let mut c = small();
    c.layers[0].add[0].out = 2;
    assert_eq!(
        c.validate(),
        Err(CircuitError::OutputSlot {
            layer: 1,
            kind: "add",
            gate: 0,
            slot: 2,
            width: 2
        })
    );
    let mut c = small();
    c.layers[0].add[0].coeff = Coeff::Challenge(0);
    assert!(matches!(
        c.validate(),
        Err(CircuitError::Challenge {
            index: 0,
            count: 0,
            ..
        })
    ));
    let mut c = small();
    c.layers[0].constant[0].source = ConstSource::Public(1);
    assert!(matches!(
        c.validate(),
        Err(CircuitError::PublicIndex {
            index: 1,
            count: 1,
            ..
        })
    ));
    let mut c = small();
    c.layers.clear();
    assert_eq!(c.validate(), Err(CircuitError::NoLayers));
    let mut c = small();
    c.layers[0].log_width = 0;
    assert!(matches!(
        c.validate(),
        Err(CircuitError::Width {
            layer: 1,
            log_width: 0,
            ..
        })
    ));
    let mut c = small();
    c.layers[0].log_width = 31;
    assert!(matches!(
        c.validate(),
        Err(CircuitError::Width {
            layer: 1,
            log_width: 31,
            ..
        })
    ));
    let mut c = small();
    c.public_outputs = vec![0, 0];
    assert!(matches!(
        c.validate(),
        Err(CircuitError::PublicOutput { index: 1, .. })
    ));
    let mut c = small();
    c.public_outputs = vec![2];
    assert!(matches!(
        c.validate(),
        Err(CircuitError::PublicOutput { index: 0, .. })
    ));
}

#[test]
fn region_validation() {
    let bad = |f: &dyn Fn(&mut Circuit)| {
        let mut c = small();
        f(&mut c);
        assert!(
            matches!(c.validate(), Err(CircuitError::Region { .. })),
            "{:?}",
            c.input
        );
    };
    bad(&|c| c.input.regions[1].offset = 1); // misaligned
    bad(&|c| c.input.regions[1].log_len = 3); // wider than the layer
    bad(&|c| c.input.regions[0].len = 3); // more values than span
    bad(&|c| c.input.regions[1].offset = 0); // overlap
    bad(&|c| c.input.regions[1].kind = RegionKind::Private); // kind twice
    bad(&|c| c.input.regions[1].len = 2); // public longer than num_public
}

#[test]
fn encoding_round_trips_and_is_canonical() {
    for seed in 0..20 {
        let c = random::circuit(
            &Spec {
                num_public: 2,
                num_challenges: 2,
                log_widths: vec![5, 4, 3],
                ..Spec::default()
            },
            seed,
        );
        let bytes = c.to_bytes();
        let back = Circuit::from_bytes(&bytes).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(back.digest(), c.digest());
        assert_eq!(
            c.digest().0,
            *blake3::hash(&bytes).as_bytes(),
            "streamed digest = hash of the encoding"
        );
    }
}

#[test]
fn one_gate_changes_the_digest() {
    let a = small();
    let mut b = small();
    b.layers[0].add[0].coeff = Coeff::Int(-2);
    assert_ne!(a.digest(), b.digest());
    let mut b = small();
    b.layers[0].mul[0].in1 = 0;
    assert_ne!(a.digest(), b.digest());
    let mut b = small();
    b.public_outputs = vec![1, 0];
    assert_ne!(a.digest(), b.digest());
    assert_eq!(a.digest().to_hex().len(), 64);
}

#[test]
fn decoding_is_strict() {
    let bytes = small().to_bytes();
    for cut in 0..bytes.len() {
        assert!(
            Circuit::from_bytes(&bytes[..cut]).is_err(),
            "truncated at {cut}"
        );
    }
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(
        Circuit::from_bytes(&long),
        Err(DecodeError::TrailingBytes { count: 1 })
    );
    let mut magic = bytes.clone();
    magic[0] = b'X';
    assert!(matches!(
        Circuit::from_bytes(&magic),
        Err(DecodeError::Magic { .. })
    ));
    let mut version = bytes.clone();
    version[4] = 9;
    assert!(matches!(
        Circuit::from_bytes(&version),
        Err(DecodeError::Version { got: 9, .. })
    ));
    // A structurally decodable but invalid circuit: a gate reading past the input.
    let mut c = small();
    c.layers[0].add[0].input = 7;
    assert!(matches!(
        Circuit::from_bytes(&c.to_bytes()),
        Err(DecodeError::Invalid(CircuitError::InputSlot { .. }))
    ));
    // A hostile count does not allocate.
    let mut hostile = bytes.clone();
    hostile[17..21].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        Circuit::from_bytes(&hostile),
        Err(DecodeError::Length { .. })
    ));
}

#[test]
fn plain_evaluation() {
    let c = small();
    let public = [Residue::from_i64(100)];
    let input = c
        .input_layer(&public, &[], &[Residue::from_i64(6), Residue::from_i64(7)])
        .unwrap();
    assert_eq!(
        input,
        vec![
            Residue::from_i64(6),
            Residue::from_i64(7),
            Residue::from_i64(100),
            Residue::ZERO
        ]
    );
    let v = c.evaluate(&public, input, &[]).unwrap();
    assert_eq!(
        v[1],
        vec![Residue::from_i64(84), Residue::from_i64(-300 + 100)]
    );
    assert_eq!(v[1][1].to_i64(), -200);
    assert!(matches!(
        c.input_layer(&public, &[], &[Residue::ZERO]),
        Err(CircuitError::Length {
            what: "private values",
            ..
        })
    ));
}

#[test]
fn widths_must_be_backed_by_used_slots() {
    // Layer 1 of `small` writes slots 0 and 1: width 2 and no more.
    let mut c = small();
    c.layers[0].log_width = 2;
    assert_eq!(
        c.validate(),
        Err(CircuitError::UnbackedWidth {
            layer: 1,
            log_width: 2,
            highest_used: Some(1),
            needed: 1,
        })
    );
    // The input's regions end at slot 3 and layer 1 reads slot 2: width 4 and no more.
    let mut c = small();
    c.input.log_width = 3;
    assert_eq!(
        c.validate(),
        Err(CircuitError::UnbackedWidth {
            layer: 0,
            log_width: 3,
            highest_used: Some(3),
            needed: 2,
        })
    );
    // Slots read by the next layer back a width even without a gate writing them.
    let mut c = small();
    let mut l2 = Layer::new(1);
    l2.add.push(AddGate {
        out: 0,
        input: 3,
        coeff: Coeff::ONE,
    });
    c.layers[0].log_width = 2;
    c.layers.push(l2);
    c.public_outputs = vec![0];
    c.validate().unwrap();
    // A public output backs the output layer's width; with nothing used, the width is 2.
    let mut c = small();
    c.layers[0].log_width = 3;
    c.public_outputs = vec![0, 1, 5];
    c.validate().unwrap();
    c.public_outputs = vec![0];
    c.layers[0].mul.clear();
    c.layers[0].add.clear();
    c.layers[0].constant.clear();
    assert_eq!(
        c.validate(),
        Err(CircuitError::UnbackedWidth {
            layer: 1,
            log_width: 3,
            highest_used: Some(0),
            needed: 1,
        })
    );
    c.public_outputs.clear();
    c.layers[0].log_width = 1;
    // (No gate reads the input now, but its regions still back it.)
    c.validate().unwrap();
    c.layers[0].log_width = 2;
    assert_eq!(
        c.validate(),
        Err(CircuitError::UnbackedWidth {
            layer: 1,
            log_width: 2,
            highest_used: None,
            needed: 1,
        })
    );
}

#[test]
fn challenges_must_be_referenced() {
    let mut c = small();
    c.num_challenges = u32::MAX;
    assert_eq!(
        c.validate(),
        Err(CircuitError::ChallengeCount {
            count: u32::MAX,
            referencing_gates: 0,
        })
    );
    // Two gates on challenge 1, none on challenge 0.
    let mut c = small();
    c.num_challenges = 2;
    c.layers[0].add[0].coeff = Coeff::Challenge(1);
    c.layers[0].constant[0].coeff = Coeff::ChallengeTimes(1, 3);
    assert_eq!(
        c.validate(),
        Err(CircuitError::UnusedChallenge { index: 0, count: 2 })
    );
    c.layers[0].mul[0].coeff = Coeff::ChallengeTimes(0, 2);
    c.validate().unwrap();
    assert_eq!(Circuit::from_bytes(&c.to_bytes()), Ok(c));
}

#[test]
fn compiled_circuits_meet_the_backing_rules() {
    use circuits::compiler::{Builder, Label};
    // A challenge-weighted constraint whose terms cancel in gate dedup, `ρ·(v − v)`, and
    // a zero pin: their challenges reach no gate, so the compiler numbers only the rest.
    let mut b = Builder::new();
    let pi = b.public_input();
    let [x, y] = [b.hint(), b.hint()];
    let z = b.mul(x, y);
    b.assert_equal(z, pi, Label::new("t", 0, 0));
    let r = b.challenge();
    let d = b.sub(x, x);
    let t = b.mul(r, d);
    b.assert_zero(t, Label::new("t", 1, 0));
    b.range_check(x, 8, Label::new("t", 2, 0));
    b.output(z);
    let p = b.finish().unwrap();
    let c = p.compile().unwrap().circuit;
    c.validate().unwrap();
    assert_eq!(Circuit::from_bytes(&c.to_bytes()).unwrap(), c);
    assert!(
        c.num_challenges < p.num_challenges(),
        "{} of {} challenges kept",
        c.num_challenges,
        p.num_challenges()
    );
    let w = p.solve(&[42], &[], &[6, 7]).unwrap();
    assert_eq!(w.outputs, vec![Residue::from_i64(42)]);
}
