//! Exhaustive single mutations of honest cases, deterministic (the in-`cargo test`
//! companion of the structured fuzz targets in `prover/fuzz`).
//!
//! For a few seeded random circuits that have all three region kinds (public, weights,
//! private), mul, add and constant gates, and on one of them challenge coefficients, an
//! honest proof is made and then:
//!
//! * every bit of every byte of the encoded proof is flipped in turn (no stride: the
//!   proofs are a few KB): each must be rejected, by the decoder or the verifier;
//! * each public input, each claimed output, each context byte (and an appended and an
//!   empty context) and each byte of the expected weights commitment is changed: each
//!   must be rejected;
//! * each gate's coefficient and each of its slots, each constant gate's source, each
//!   region field, each width, the public-input and challenge counts and each public
//!   output slot are changed in turn and the circuit re-encoded: each must be refused by
//!   the decoder or rejected by the verifier with the honest proof and statement.
//!
//! Nothing may panic (each check runs under `catch_unwind` to name the mutation). Most
//! circuit and statement changes are caught at the first sumcheck round: the transcript
//! binds the circuit digest and the whole statement, so any change moves every challenge.
//! The proof flips are caught wherever they land, and the test checks that some are only
//! caught in layers below the output's and at the input layer, so it exercises the whole
//! verifier rather than its first check.
//!
//! The statement passes the real weights commitment when the circuit has a weights
//! region and `None` otherwise, the one form valid whatever `None` means for a weights
//! circuit; the missing-commitment case is left to the soundness tests.

use circuits::random::{self, Spec};
use circuits::{
    AddGate, Circuit, Coeff, ConstGate, ConstSource, InputLayout, Layer, MulGate, Region,
    RegionKind,
};
use prover::commit::Digest;
use prover::{
    CommitmentScheme, Field, Goldilocks, GoldilocksExt2, Statement, Transparent, TransparentProof,
    VerifyError, Witness,
};
use std::panic::{AssertUnwindSafe, catch_unwind};

type F = Goldilocks;

const CONTEXT: &[u8] = b"mutations-test";

struct Case {
    name: String,
    circuit: Circuit,
    circuit_bytes: Vec<u8>,
    public: Vec<F>,
    proof: TransparentProof,
    proof_bytes: Vec<u8>,
    outputs: Vec<F>,
    weights_commitment: Option<Digest>,
}

fn values(n: usize, seed: u64) -> Vec<F> {
    random::values(n, seed)
        .into_iter()
        .map(F::from_u64)
        .collect()
}

impl Case {
    fn new(name: String, circuit: Circuit, seed: u64) -> Case {
        let public = values(circuit.num_public as usize, seed ^ 1);
        let weights = values(circuit.input.len_of(RegionKind::Weights), seed ^ 2);
        let private = values(circuit.input.len_of(RegionKind::Private), seed ^ 3);
        let w = Witness {
            public: &public,
            weights: &weights,
            private: &private,
        };
        let (proof, outputs) = prover::prove_transparent(&circuit, &w, CONTEXT)
            .unwrap_or_else(|e| panic!("{name}: honest prove failed: {e}"));
        let weights_commitment = circuit.input.region(RegionKind::Weights).map(|r| {
            <Transparent as CommitmentScheme<F, GoldilocksExt2>>::commit(
                &Transparent,
                &weights,
                r.log_len,
            )
            .unwrap()
            .0
        });
        let case = Case {
            name,
            circuit_bytes: circuit.to_bytes(),
            proof_bytes: proof.to_bytes(),
            circuit,
            public,
            proof,
            outputs,
            weights_commitment,
        };
        prover::verify_transparent_bytes(&case.circuit, &case.statement(), &case.proof_bytes)
            .unwrap_or_else(|e| panic!("{}: honest proof rejected: {e}", case.name));
        case
    }

    fn statement(&self) -> Statement<'_, F> {
        Statement {
            public: &self.public,
            outputs: &self.outputs,
            context: CONTEXT,
            weights_commitment: self.weights_commitment.as_ref(),
        }
    }
}

/// Random circuits with every region kind and gate kind; one with challenges.
fn random_cases() -> Vec<Case> {
    let rich = Spec {
        log_widths: vec![5, 4, 4, 3],
        fan_in: 2,
        mul_percent: 50,
        const_percent: 40,
        num_public: 3,
        alternate_add_only: true,
        num_challenges: 0,
        zero_outputs: 1,
        blocks: Vec::new(),
        gate_span: false,
    };
    let challenges = Spec {
        log_widths: vec![4, 4, 3, 2],
        num_public: 2,
        const_percent: 30,
        num_challenges: 2,
        ..Spec::default()
    };
    let shallow = Spec {
        log_widths: vec![3, 2],
        num_public: 1,
        const_percent: 50,
        ..Spec::default()
    };
    let mut cases = Vec::new();
    for (name, spec, seeds) in [
        ("rich", &rich, &[1u64, 2][..]),
        ("challenges", &challenges, &[3]),
        ("shallow", &shallow, &[4]),
    ] {
        for &seed in seeds {
            let c = random::circuit(spec, seed);
            for kind in [RegionKind::Public, RegionKind::Weights, RegionKind::Private] {
                assert!(
                    c.input.region(kind).is_some(),
                    "{name}/{seed}: no {kind:?} region"
                );
            }
            cases.push(Case::new(format!("{name}/{seed}"), c, seed));
        }
    }
    let c = &cases[0].circuit;
    assert!(c.layers.iter().any(|l| !l.mul.is_empty()));
    assert!(c.layers.iter().any(|l| !l.constant.is_empty()));
    cases
}

/// `out[0] = x0·x1 + PI[0]`, `out[1] = 3·x1 + 5`: no weights region.
fn weights_free_case() -> Case {
    let mut l1 = Layer::new(1);
    l1.mul.push(MulGate {
        out: 0,
        in0: 0,
        in1: 1,
        coeff: Coeff::ONE,
    });
    l1.constant.push(ConstGate {
        out: 0,
        coeff: Coeff::ONE,
        source: ConstSource::Public(0),
    });
    l1.add.push(AddGate {
        out: 1,
        input: 1,
        coeff: Coeff::Int(3),
    });
    l1.constant.push(ConstGate {
        out: 1,
        coeff: Coeff::Int(5),
        source: ConstSource::One,
    });
    let circuit = Circuit {
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
        public_outputs: vec![0, 1],
        ..Circuit::default()
    };
    Case::new("weights-free".into(), circuit, 9)
}

/// Runs `f` and turns a panic into a test failure naming `what`.
fn no_panic<T>(what: &dyn Fn() -> String, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| panic!("panicked: {}", what()))
}

/// Where a rejection happened: 0 decode or shape, 1 + i the i-th layer proof (output
/// first), `usize::MAX` the input layer.
fn stage(err: &VerifyError, depth: usize) -> usize {
    match err {
        VerifyError::Phase2Shape { layer, .. }
        | VerifyError::Sumcheck { layer, .. }
        | VerifyError::LayerFinal { layer, .. } => 1 + depth - layer,
        VerifyError::Opening { .. } | VerifyError::InputClaim { .. } => usize::MAX,
        _ => 0,
    }
}

#[test]
fn every_bit_flip_of_the_proof_is_rejected() {
    for case in random_cases().iter().chain([&weights_free_case()]) {
        let depth = case.circuit.depth();
        let (mut decode, mut deep, mut input, mut total) = (0, 0, 0, 0);
        let mut bytes = case.proof_bytes.clone();
        for i in 0..bytes.len() {
            for bit in 0..8 {
                bytes[i] ^= 1 << bit;
                let what = || format!("{}: proof byte {i} bit {bit}", case.name);
                let res = no_panic(&what, || {
                    prover::verify_transparent_bytes(&case.circuit, &case.statement(), &bytes)
                });
                let err = res.err().unwrap_or_else(|| panic!("accepted: {}", what()));
                match err {
                    VerifyError::Decode(_) => decode += 1,
                    ref e => match stage(e, depth) {
                        usize::MAX => input += 1,
                        s if s >= 2 => deep += 1,
                        _ => {}
                    },
                }
                total += 1;
                bytes[i] ^= 1 << bit;
            }
        }
        assert_eq!(bytes, case.proof_bytes);
        eprintln!(
            "{}: {} proof bytes, {total} flips: {decode} decode errors, {deep} caught below \
             the output layer, {input} at the input layer",
            case.name,
            bytes.len()
        );
        // The flips reach every part of the verifier, not only the decoder.
        assert!(
            decode > 0 && decode < total,
            "{}: {decode} of {total} decode errors",
            case.name
        );
        assert!(input > 0, "{}: no flip reached the input layer", case.name);
        if depth >= 2 {
            assert!(
                deep > 0,
                "{}: no flip caught below the output layer",
                case.name
            );
        }
    }
}

#[test]
fn every_statement_change_is_rejected() {
    for case in random_cases().iter().chain([&weights_free_case()]) {
        let honest = case.statement();
        let check = |st: Statement<'_, F>, what: String| {
            let res = no_panic(&|| what.clone(), || {
                prover::verify_transparent(&case.circuit, &st, &case.proof)
            });
            assert!(res.is_err(), "{}: accepted {what}", case.name);
        };
        for i in 0..case.public.len() {
            let mut public = case.public.clone();
            public[i] += F::ONE;
            check(
                Statement {
                    public: &public,
                    ..honest
                },
                format!("public input {i} + 1"),
            );
        }
        for i in 0..case.outputs.len() {
            let mut outputs = case.outputs.clone();
            outputs[i] += F::ONE;
            check(
                Statement {
                    outputs: &outputs,
                    ..honest
                },
                format!("output {i} + 1"),
            );
            outputs[i] = -case.outputs[i];
            if outputs[i] != case.outputs[i] {
                check(
                    Statement {
                        outputs: &outputs,
                        ..honest
                    },
                    format!("output {i} negated"),
                );
            }
        }
        check(
            Statement {
                public: &case.public[..case.public.len().saturating_sub(1)],
                ..honest
            },
            "a public input dropped".into(),
        );
        let mut longer = case.outputs.clone();
        longer.push(F::ZERO);
        check(
            Statement {
                outputs: &longer,
                ..honest
            },
            "an output appended".into(),
        );
        let mut context = CONTEXT.to_vec();
        for i in 0..context.len() {
            context[i] ^= 1;
            check(
                Statement {
                    context: &context,
                    ..honest
                },
                format!("context byte {i}"),
            );
            context[i] ^= 1;
        }
        context.push(0);
        check(
            Statement {
                context: &context,
                ..honest
            },
            "context with a byte appended".into(),
        );
        check(
            Statement {
                context: b"",
                ..honest
            },
            "empty context".into(),
        );
        match case.weights_commitment {
            Some(real) => {
                for i in 0..32 {
                    let mut d = real;
                    d[i] ^= 0x80;
                    check(
                        Statement {
                            weights_commitment: Some(&d),
                            ..honest
                        },
                        format!("weights commitment byte {i}"),
                    );
                }
                let private = case.proof.commitments[1];
                check(
                    Statement {
                        weights_commitment: Some(&private),
                        ..honest
                    },
                    "the private commitment as the weights'".into(),
                );
            }
            None => {
                let any = [7u8; 32];
                check(
                    Statement {
                        weights_commitment: Some(&any),
                        ..honest
                    },
                    "a weights commitment for a weights-free circuit".into(),
                );
            }
        }
    }
}

/// Every circuit the single changes below produce, with a label.
fn circuit_mutants(c: &Circuit) -> Vec<(String, Circuit)> {
    let mut out = Vec::new();
    let coeff = |k: Coeff| match k {
        Coeff::Int(v) => Coeff::Int(v.wrapping_add(1)),
        Coeff::Challenge(i) if c.num_challenges > 1 => Coeff::Challenge((i + 1) % c.num_challenges),
        Coeff::Challenge(i) => Coeff::ChallengeTimes(i, 2),
        Coeff::ChallengeTimes(i, f) => Coeff::ChallengeTimes(i, f.wrapping_add(1)),
    };
    // A slot moved to the next one in range, and to the first one out of range.
    let slots = |s: u32, bound: u32| [(s + 1) % bound, bound];
    for k in 0..c.layers.len() {
        let out_w = 1u32 << c.layers[k].log_width;
        let in_w = 1u32 << c.log_width(k);
        let mut push = |what: String, f: &dyn Fn(&mut Layer)| {
            let mut m = c.clone();
            f(&mut m.layers[k]);
            out.push((format!("layer {} {what}", k + 1), m));
        };
        for g in 0..c.layers[k].mul.len() {
            push(format!("mul {g} coeff"), &|l| {
                l.mul[g].coeff = coeff(l.mul[g].coeff)
            });
            for (j, s) in slots(c.layers[k].mul[g].out, out_w).into_iter().enumerate() {
                push(format!("mul {g} out #{j}"), &|l| l.mul[g].out = s);
            }
            for (j, s) in slots(c.layers[k].mul[g].in0, in_w).into_iter().enumerate() {
                push(format!("mul {g} in0 #{j}"), &|l| l.mul[g].in0 = s);
            }
            for (j, s) in slots(c.layers[k].mul[g].in1, in_w).into_iter().enumerate() {
                push(format!("mul {g} in1 #{j}"), &|l| l.mul[g].in1 = s);
            }
        }
        for g in 0..c.layers[k].add.len() {
            push(format!("add {g} coeff"), &|l| {
                l.add[g].coeff = coeff(l.add[g].coeff)
            });
            for (j, s) in slots(c.layers[k].add[g].out, out_w).into_iter().enumerate() {
                push(format!("add {g} out #{j}"), &|l| l.add[g].out = s);
            }
            for (j, s) in slots(c.layers[k].add[g].input, in_w)
                .into_iter()
                .enumerate()
            {
                push(format!("add {g} input #{j}"), &|l| l.add[g].input = s);
            }
        }
        for g in 0..c.layers[k].constant.len() {
            push(format!("const {g} coeff"), &|l| {
                l.constant[g].coeff = coeff(l.constant[g].coeff);
            });
            for (j, s) in slots(c.layers[k].constant[g].out, out_w)
                .into_iter()
                .enumerate()
            {
                push(format!("const {g} out #{j}"), &|l| l.constant[g].out = s);
            }
            let np = c.num_public;
            push(format!("const {g} source"), &|l| {
                l.constant[g].source = match l.constant[g].source {
                    ConstSource::One => ConstSource::Public(0),
                    ConstSource::Public(i) if np > 1 => ConstSource::Public((i + 1) % np),
                    ConstSource::Public(_) => ConstSource::One,
                };
            });
        }
        push("log_width + 1".into(), &|l| l.log_width += 1);
        push("log_width - 1".into(), &|l| {
            l.log_width = l.log_width.wrapping_sub(1)
        });
    }
    let mut push = |what: String, f: &dyn Fn(&mut Circuit)| {
        let mut m = c.clone();
        f(&mut m);
        out.push((what, m));
    };
    for r in 0..c.input.regions.len() {
        push(format!("region {r} offset + span"), &|m| {
            let reg = &mut m.input.regions[r];
            reg.offset += 1 << reg.log_len;
        });
        push(format!("region {r} log_len + 1"), &|m| {
            m.input.regions[r].log_len += 1
        });
        push(format!("region {r} len - 1"), &|m| {
            m.input.regions[r].len = m.input.regions[r].len.wrapping_sub(1)
        });
        push(format!("region {r} len + 1"), &|m| {
            m.input.regions[r].len += 1
        });
        push(format!("region {r} removed"), &|m| {
            m.input.regions.remove(r);
        });
    }
    push("input log_width + 1".into(), &|m| m.input.log_width += 1);
    push("num_public + 1".into(), &|m| m.num_public += 1);
    push("num_public - 1".into(), &|m| {
        m.num_public = m.num_public.wrapping_sub(1)
    });
    push("num_challenges + 1".into(), &|m| m.num_challenges += 1);
    let out_w = 1u32 << c.output_log_width();
    for i in 0..c.public_outputs.len() {
        push(format!("public output {i} slot + 1"), &|m| {
            m.public_outputs[i] = (m.public_outputs[i] + 1) % out_w;
        });
        push(format!("public output {i} removed"), &|m| {
            m.public_outputs.remove(i);
        });
    }
    push("public output appended".into(), &|m| {
        m.public_outputs.push(0)
    });
    out
}

#[test]
fn every_circuit_change_is_refused_or_rejected() {
    for case in random_cases().iter().chain([&weights_free_case()]) {
        let (mut refused, mut rejected) = (0, 0);
        for (what, m) in circuit_mutants(&case.circuit) {
            let bytes = m.to_bytes();
            if bytes == case.circuit_bytes {
                continue; // e.g. a public source swapped for itself
            }
            let label = || format!("{}: {what}", case.name);
            match Circuit::from_bytes(&bytes) {
                Err(_) => refused += 1,
                Ok(decoded) => {
                    let res = no_panic(&label, || {
                        prover::verify_transparent(&decoded, &case.statement(), &case.proof)
                    });
                    assert!(res.is_err(), "accepted: {}", label());
                    rejected += 1;
                }
            }
        }
        eprintln!(
            "{}: {refused} circuit changes refused, {rejected} rejected",
            case.name
        );
        // Both paths are exercised: in-range changes reach the verifier.
        assert!(
            refused > 0 && rejected > 0,
            "{}: {refused} refused, {rejected} rejected",
            case.name
        );
    }
}
