//! The attack catalogue: one named test per attack, each asserting the specific rejection.
//!
//! Attacks on the incumbent (reference/protocol.md §12) are named after the gap they
//! probe: `unchecked_output_claim_*` and `public_input_cancellation_*`. The verifier's
//! memory bound on sparse and dense circuits is measured in `verifier_memory.rs` (it
//! needs a counting allocator of its own).

use crate::common;

use circuits::random::Spec;
use circuits::{
    AddGate, Circuit, CircuitError, Coeff, ConstGate, ConstSource, DecodeError, InputLayout, Layer,
    MulGate, Region, RegionKind,
};
use common::{CONTEXT, Case, Data, F, rich_spec};
use prover::commit::{CommitError, CommitmentScheme, Digest, Opening, TransparentOpening};
use prover::gkr;
use prover::proof::Phase2Proof;
use prover::sumcheck::{RoundPoly, SumcheckError};
use prover::transcript::Transcript;
use prover::{
    Field, GoldilocksExt2, ProveError, Statement, TransparentProof, VerifyError, Witness,
};

type E = GoldilocksExt2;

fn case() -> Case {
    Case::new(&rich_spec(), 4242)
}

fn bump(e: &mut E) {
    *e += E::ONE;
}

fn sum_err(layer: usize, phase: u8, round: usize) -> VerifyError {
    VerifyError::Sumcheck {
        layer,
        phase,
        source: SumcheckError::Sum { round },
    }
}

// ---- every kind of proof element tampered ----

#[test]
fn tampered_round_evaluation_p0_rejected() {
    let c = case();
    let d = c.circuit.depth();
    let mut p = c.proof.clone();
    bump(&mut p.layers[0].phase1[0].0[0]);
    assert_eq!(c.verify(&p), Err(sum_err(d, 1, 0)));
}

#[test]
fn tampered_round_evaluation_p2_rejected_in_next_round() {
    let c = case();
    let d = c.circuit.depth();
    let mut p = c.proof.clone();
    bump(&mut p.layers[0].phase1[0].0[2]);
    assert_eq!(c.verify(&p), Err(sum_err(d, 1, 1)));
}

#[test]
fn tampered_last_round_rejected_by_final_check() {
    let c = case();
    let d = c.circuit.depth();
    let mut p = c.proof.clone();
    let has_mul = p.layers[0].phase2.is_some();
    let last = p.layers[0].phase1.len() - 1;
    bump(&mut p.layers[0].phase1[last].0[2]);
    // The corrupted evaluation moves the phase-1 final value, which phase 2 starts from.
    let want = if has_mul {
        sum_err(d, 2, 0)
    } else {
        VerifyError::LayerFinal { layer: d, phase: 1 }
    };
    assert_eq!(c.verify(&p), Err(want));
}

#[test]
fn wrong_polynomial_with_right_sum_rejected() {
    let c = case();
    let d = c.circuit.depth();
    let mut p = c.proof.clone();
    let poly = &mut p.layers[0].phase1[0].0;
    poly[0] += E::ONE;
    poly[1] -= E::ONE;
    assert_eq!(c.verify(&p), Err(sum_err(d, 1, 1)));
}

#[test]
fn every_round_evaluation_tampered_rejected() {
    let c = case();
    for l in 0..c.proof.layers.len() {
        let phase2_rounds = c.proof.layers[l]
            .phase2
            .as_ref()
            .map_or(0, |p| p.rounds.len());
        for phase in 1..=2u8 {
            let rounds = if phase == 1 {
                c.proof.layers[l].phase1.len()
            } else {
                phase2_rounds
            };
            for r in 0..rounds {
                for i in 0..3 {
                    let mut p = c.proof.clone();
                    let layer = &mut p.layers[l];
                    let poly = if phase == 1 {
                        &mut layer.phase1[r]
                    } else {
                        &mut layer.phase2.as_mut().unwrap().rounds[r]
                    };
                    bump(&mut poly.0[i]);
                    let err = c.verify(&p).expect_err("tampered evaluation accepted");
                    assert!(
                        matches!(
                            err,
                            VerifyError::Sumcheck { .. } | VerifyError::LayerFinal { .. }
                        ),
                        "layer proof {l} phase {phase} round {r} eval {i}: {err}"
                    );
                }
            }
        }
    }
}

#[test]
fn tampered_vx_rejected() {
    let c = case();
    for l in 0..c.proof.layers.len() {
        let k = c.circuit.depth() - l;
        let mut p = c.proof.clone();
        bump(&mut p.layers[l].vx);
        let want = if p.layers[l].phase2.is_some() {
            sum_err(k, 2, 0)
        } else {
            VerifyError::LayerFinal { layer: k, phase: 1 }
        };
        assert_eq!(c.verify(&p), Err(want), "layer {k}");
    }
}

#[test]
fn tampered_vy_rejected() {
    let c = case();
    let mut seen = 0;
    for l in 0..c.proof.layers.len() {
        let k = c.circuit.depth() - l;
        let mut p = c.proof.clone();
        let Some(p2) = p.layers[l].phase2.as_mut() else {
            continue;
        };
        bump(&mut p2.vy);
        assert_eq!(
            c.verify(&p),
            Err(VerifyError::LayerFinal { layer: k, phase: 2 }),
            "layer {k}"
        );
        seen += 1;
    }
    assert!(seen > 0, "the test circuit must have mul layers");
}

#[test]
fn tampered_commitment_rejected() {
    let c = case();
    let d = c.circuit.depth();
    let kinds = [RegionKind::Weights, RegionKind::Private];
    for (i, kind) in kinds.into_iter().enumerate() {
        let mut p = c.proof.clone();
        p.commitments[i][0] ^= 1;
        // The weights commitment is checked against the model's; a different private
        // commitment means different challenges: the first round fails.
        let want = if kind == RegionKind::Weights {
            VerifyError::WeightsCommitment
        } else {
            sum_err(d, 1, 0)
        };
        assert_eq!(c.verify(&p), Err(want), "{kind:?}");
    }
}

#[test]
fn tampered_opening_rejected() {
    let c = case();
    let kinds = [RegionKind::Weights, RegionKind::Private];
    for (i, kind) in kinds.into_iter().enumerate() {
        let mut p = c.proof.clone();
        p.openings[i].values[0] += F::ONE;
        assert_eq!(
            c.verify(&p),
            Err(VerifyError::Opening {
                region: kind,
                source: CommitError::Mismatch
            })
        );
        let mut p = c.proof.clone();
        p.openings[i].values.pop();
        assert!(
            matches!(c.verify(&p), Err(VerifyError::Opening { region, source: CommitError::Length { .. } }) if region == kind)
        );
    }
}

// ---- wrong statement ----

#[test]
fn unchecked_output_claim_flipped_output_lsb_rejected() {
    let c = case();
    let d = c.circuit.depth();
    let mut outputs = c.outputs.clone();
    outputs[0] += F::ONE;
    let st = Statement {
        outputs: &outputs,
        ..c.statement()
    };
    assert_eq!(
        prover::verify_transparent(&c.circuit, &st, &c.proof),
        Err(sum_err(d, 1, 0))
    );
}

/// `out[0] = x0·x1 − x2` must be zero; `out[1] = x0` is public.
fn constraint_circuit() -> Circuit {
    let mut l1 = Layer::new(1);
    l1.mul.push(MulGate {
        out: 0,
        in0: 0,
        in1: 1,
        coeff: Coeff::ONE,
    });
    l1.add.push(AddGate {
        out: 0,
        input: 2,
        coeff: Coeff::Int(-1),
    });
    l1.add.push(AddGate {
        out: 1,
        input: 0,
        coeff: Coeff::ONE,
    });
    Circuit {
        input: InputLayout {
            log_width: 2,
            regions: vec![Region {
                kind: RegionKind::Private,
                offset: 0,
                log_len: 2,
                len: 3,
            }],
            gate_log_width: None,
        },
        layers: vec![l1],
        public_outputs: vec![1],
        ..Circuit::default()
    }
}

#[test]
fn unchecked_output_claim_nonzero_constraint_slot_rejected() {
    let circuit = constraint_circuit();
    let bad = [F::from_u64(3), F::from_u64(4), F::from_u64(13)];
    let w = Witness {
        public: &[],
        weights: &[],
        private: &bad,
    };
    // The honest prover refuses the unsatisfied witness...
    assert!(matches!(
        prover::prove_transparent(&circuit, &w, b""),
        Err(ProveError::Unsatisfied { slot: 0 })
    ));
    // ...and a proof made anyway does not verify: the verifier, not the proof, says the
    // constraint slot is zero.
    let (proof, outputs) = gkr::prove_unchecked(&prover::Transparent, &circuit, &w, b"").unwrap();
    let st = Statement {
        public: &[],
        outputs: &outputs,
        context: b"",
        weights_commitment: None,
    };
    assert_eq!(
        prover::verify_transparent(&circuit, &st, &proof),
        Err(sum_err(1, 1, 0))
    );
    // The satisfied witness proves.
    let good = [F::from_u64(3), F::from_u64(4), F::from_u64(12)];
    let w = Witness {
        public: &[],
        weights: &[],
        private: &good,
    };
    let (proof, outputs) = prover::prove_transparent(&circuit, &w, b"").unwrap();
    let st = Statement {
        public: &[],
        outputs: &outputs,
        context: b"",
        weights_commitment: None,
    };
    prover::verify_transparent(&circuit, &st, &proof).unwrap();
}

#[test]
fn wrong_public_input_rejected() {
    let c = case();
    let d = c.circuit.depth();
    let mut public = c.data.public.clone();
    public[1] += F::ONE;
    let st = Statement {
        public: &public,
        ..c.statement()
    };
    assert_eq!(
        prover::verify_transparent(&c.circuit, &st, &c.proof),
        Err(sum_err(d, 1, 0))
    );
}

/// Two public-input gates on one slot: `(PI0 + δ, PI1 − δ)` leaves every value, and so
/// every sumcheck message, unchanged. Only binding the public input into the transcript
/// rejects it (the incumbent's gap, protocol.md §6.2).
#[test]
fn public_input_cancellation_rejected() {
    let mut l1 = Layer::new(1);
    l1.add.push(AddGate {
        out: 0,
        input: 0,
        coeff: Coeff::ONE,
    });
    l1.constant.push(ConstGate {
        out: 0,
        coeff: Coeff::ONE,
        source: ConstSource::Public(0),
    });
    l1.constant.push(ConstGate {
        out: 0,
        coeff: Coeff::ONE,
        source: ConstSource::Public(1),
    });
    let circuit = Circuit {
        input: InputLayout {
            log_width: 1,
            regions: vec![Region {
                kind: RegionKind::Private,
                offset: 0,
                log_len: 1,
                len: 2,
            }],
            gate_log_width: None,
        },
        layers: vec![l1],
        num_public: 2,
        public_outputs: vec![0],
        ..Circuit::default()
    };
    let public = [F::from_u64(10), F::from_u64(20)];
    let private = [F::from_u64(5), F::from_u64(6)];
    let w = Witness {
        public: &public,
        weights: &[],
        private: &private,
    };
    let (proof, outputs) = prover::prove_transparent(&circuit, &w, b"").unwrap();
    let shifted = [F::from_u64(17), F::from_u64(13)];
    let st = Statement {
        public: &shifted,
        outputs: &outputs,
        context: b"",
        weights_commitment: None,
    };
    assert_eq!(
        prover::verify_transparent(&circuit, &st, &proof),
        Err(sum_err(1, 1, 0))
    );
}

#[test]
fn wrong_context_rejected() {
    let c = case();
    let st = Statement {
        context: b"scale=2^17",
        ..c.statement()
    };
    assert_eq!(
        prover::verify_transparent(&c.circuit, &st, &c.proof),
        Err(sum_err(c.circuit.depth(), 1, 0))
    );
}

#[test]
fn wrong_statement_lengths_rejected() {
    let c = case();
    let short = &c.data.public[1..];
    let st = Statement {
        public: short,
        ..c.statement()
    };
    assert!(matches!(
        prover::verify_transparent(&c.circuit, &st, &c.proof),
        Err(VerifyError::PublicLength { .. })
    ));
    let st = Statement {
        outputs: &c.outputs[1..],
        ..c.statement()
    };
    assert!(matches!(
        prover::verify_transparent(&c.circuit, &st, &c.proof),
        Err(VerifyError::OutputLength { .. })
    ));
}

#[test]
fn wrong_weights_commitment_rejected() {
    let c = case();
    let honest = c.proof.commitments[0];
    let st = Statement {
        weights_commitment: Some(&honest),
        ..c.statement()
    };
    prover::verify_transparent(&c.circuit, &st, &c.proof).unwrap();
    // A proof over other weights, against the model's commitment.
    let mut data = Data::random(&c.circuit, 4242);
    data.weights[0] += F::ONE;
    let (other, outputs) = prover::prove_transparent(&c.circuit, &data.witness(), CONTEXT).unwrap();
    let st = Statement {
        public: &data.public,
        outputs: &outputs,
        context: CONTEXT,
        weights_commitment: Some(&honest),
    };
    assert_eq!(
        prover::verify_transparent(&c.circuit, &st, &other),
        Err(VerifyError::WeightsCommitment)
    );
}

// ---- wrong circuit ----

#[test]
fn proof_for_circuit_a_rejected_on_circuit_b() {
    let c = case();
    let mut b = c.circuit.clone();
    let g = b.layers[0]
        .add
        .iter_mut()
        .find(|g| matches!(g.coeff, Coeff::Int(_)))
        .unwrap();
    g.coeff = match g.coeff {
        Coeff::Int(v) => Coeff::Int(v.wrapping_add(1)),
        other => other,
    };
    assert_ne!(c.circuit.digest(), b.digest());
    let res = prover::verify_transparent(&b, &c.statement(), &c.proof);
    assert_eq!(res, Err(sum_err(b.depth(), 1, 0)));
}

// ---- shape attacks: layers and rounds ----

#[test]
fn dropped_layer_rejected() {
    let c = case();
    let mut p = c.proof.clone();
    p.layers.pop();
    let d = c.circuit.depth();
    assert_eq!(
        c.verify(&p),
        Err(VerifyError::LayerCount {
            expected: d,
            got: d - 1
        })
    );
}

#[test]
fn duplicated_layer_rejected() {
    let c = case();
    let mut p = c.proof.clone();
    p.layers.insert(1, p.layers[1].clone());
    let d = c.circuit.depth();
    assert_eq!(
        c.verify(&p),
        Err(VerifyError::LayerCount {
            expected: d,
            got: d + 1
        })
    );
}

#[test]
fn reordered_layers_rejected() {
    // All layers the same shape, all with mul gates, so a swap is well formed.
    let spec = Spec {
        log_widths: vec![5, 5, 5, 5],
        mul_percent: 60,
        ..Spec::default()
    };
    let c = Case::new(&spec, 8);
    let mut p = c.proof.clone();
    p.layers.swap(0, 1);
    assert_eq!(c.verify(&p), Err(sum_err(3, 1, 0)));
}

#[test]
fn round_polynomial_of_too_high_degree_rejected() {
    let c = case();
    let d = c.circuit.depth();
    let mut p = c.proof.clone();
    p.layers[0].phase1[1].0.push(E::ZERO);
    let want = VerifyError::Sumcheck {
        layer: d,
        phase: 1,
        source: SumcheckError::Degree {
            round: 1,
            expected: 3,
            got: 4,
        },
    };
    assert_eq!(c.verify(&p), Err(want));
}

#[test]
fn round_polynomial_with_too_few_evaluations_rejected() {
    let c = case();
    let d = c.circuit.depth();
    let mut p = c.proof.clone();
    p.layers[0].phase1[0].0.pop();
    let want = VerifyError::Sumcheck {
        layer: d,
        phase: 1,
        source: SumcheckError::Degree {
            round: 0,
            expected: 3,
            got: 2,
        },
    };
    assert_eq!(c.verify(&p), Err(want));
}

#[test]
fn dropped_and_extra_rounds_rejected() {
    let c = case();
    let d = c.circuit.depth();
    let n = c.proof.layers[0].phase1.len();
    let mut p = c.proof.clone();
    p.layers[0].phase1.pop();
    let want = |got| VerifyError::Sumcheck {
        layer: d,
        phase: 1,
        source: SumcheckError::RoundCount { expected: n, got },
    };
    assert_eq!(c.verify(&p), Err(want(n - 1)));
    let mut p = c.proof.clone();
    p.layers[0].phase1.push(RoundPoly(vec![E::ZERO; 3]));
    assert_eq!(c.verify(&p), Err(want(n + 1)));
}

#[test]
fn reordered_rounds_rejected() {
    let c = case();
    let d = c.circuit.depth();
    let mut p = c.proof.clone();
    p.layers[0].phase1.swap(0, 1);
    assert_eq!(c.verify(&p), Err(sum_err(d, 1, 0)));
}

#[test]
fn missing_or_extra_phase_two_rejected() {
    let c = case();
    let l = c
        .proof
        .layers
        .iter()
        .position(|l| l.phase2.is_some())
        .unwrap();
    let k = c.circuit.depth() - l;
    let mut p = c.proof.clone();
    p.layers[l].phase2 = None;
    assert_eq!(
        c.verify(&p),
        Err(VerifyError::Phase2Shape {
            layer: k,
            expected: true
        })
    );
    let l = c
        .proof
        .layers
        .iter()
        .position(|l| l.phase2.is_none())
        .unwrap();
    let k = c.circuit.depth() - l;
    let mut p = c.proof.clone();
    p.layers[l].phase2 = Some(Phase2Proof {
        rounds: vec![],
        vy: E::ZERO,
    });
    assert_eq!(
        c.verify(&p),
        Err(VerifyError::Phase2Shape {
            layer: k,
            expected: false
        })
    );
}

#[test]
fn wrong_commitment_and_opening_counts_rejected() {
    let c = case();
    let mut p = c.proof.clone();
    p.commitments.pop();
    assert_eq!(
        c.verify(&p),
        Err(VerifyError::CommitmentCount {
            expected: 2,
            got: 1
        })
    );
    let mut p = c.proof.clone();
    p.openings.push(p.openings[0].clone());
    assert_eq!(
        c.verify(&p),
        Err(VerifyError::OpeningCount {
            expected: 2,
            got: 3
        })
    );
}

// ---- bytes ----

#[test]
fn truncated_proof_rejected() {
    let c = case();
    let bytes = c.proof.to_bytes();
    for cut in [0, 3, 8, bytes.len() / 2, bytes.len() - 1] {
        let res = prover::verify_transparent_bytes(&c.circuit, &c.statement(), &bytes[..cut]);
        assert!(
            matches!(res, Err(VerifyError::Decode(_))),
            "cut at {cut}: {res:?}"
        );
    }
}

#[test]
fn extended_proof_rejected() {
    let c = case();
    let mut bytes = c.proof.to_bytes();
    bytes.push(0);
    let res = prover::verify_transparent_bytes(&c.circuit, &c.statement(), &bytes);
    assert_eq!(
        res,
        Err(VerifyError::Decode(circuits::DecodeError::TrailingBytes {
            count: 1
        }))
    );
}

#[test]
fn non_canonical_field_element_rejected() {
    let c = case();
    let bytes = c.proof.to_bytes();
    // The first round's p(0): after magic, version, commitments, layer count, round count
    // and evaluation count.
    let at = 4 + 4 + 4 + 32 * c.proof.commitments.len() + 4 + 4 + 4;
    let honest = TransparentProof::from_bytes(&bytes).unwrap();
    let mut forged = bytes.clone();
    let v = u64::from_le_bytes(forged[at..at + 8].try_into().unwrap());
    // v + p (mod 2^64) is the same residue written non-canonically, when it fits.
    let alias = v.saturating_add(circuits::GOLDILOCKS_P);
    forged[at..at + 8].copy_from_slice(&alias.to_le_bytes());
    assert_eq!(honest, c.proof);
    let res = prover::verify_transparent_bytes(&c.circuit, &c.statement(), &forged);
    assert_eq!(
        res,
        Err(VerifyError::Decode(circuits::DecodeError::NonCanonical {
            offset: at
        }))
    );
}

#[test]
fn hostile_length_prefix_rejected_without_allocation() {
    let c = case();
    let mut bytes = c.proof.to_bytes();
    bytes[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    let res = prover::verify_transparent_bytes(&c.circuit, &c.statement(), &bytes);
    assert!(
        matches!(
            res,
            Err(VerifyError::Decode(circuits::DecodeError::Length { .. }))
        ),
        "{res:?}"
    );
}

// ---- the input layer: an opening that proves other values ----

/// A scheme that "opens" to whatever values the proof carries, without binding them to
/// the commitment: it stands for a commitment opened at a different polynomial, so the
/// test reaches GKR's own input-layer check.
struct Unbound;

impl CommitmentScheme<F, E> for Unbound {
    type ProverData = Vec<F>;
    type Opening = TransparentOpening<F>;
    fn id(&self) -> std::borrow::Cow<'static, str> {
        "unbound-test-only".into()
    }
    fn commit(&self, values: &[F], _: u8) -> Result<(Digest, Vec<F>), CommitError> {
        Ok(([1; 32], values.to_vec()))
    }
    fn open(
        &self,
        data: Vec<F>,
        _: &[&[E]],
        _: &mut Transcript,
    ) -> Result<TransparentOpening<F>, CommitError> {
        Ok(TransparentOpening { values: data })
    }
    fn verify(
        &self,
        _: &Digest,
        _: u8,
        _: usize,
        points: &[&[E]],
        o: &TransparentOpening<F>,
        _: &mut Transcript,
    ) -> Result<Vec<E>, CommitError> {
        Ok(points
            .iter()
            .map(|p| prover::mle::evaluate_base(&o.values, p))
            .collect())
    }
}

#[test]
fn input_layer_mismatch_rejected() {
    let c = case();
    let w = c.data.witness();
    let (mut proof, outputs) =
        gkr::prove::<F, E, Unbound>(&Unbound, &c.circuit, &w, CONTEXT).unwrap();
    let unbound_commitment: Digest = [1; 32];
    let st = Statement {
        public: &c.data.public,
        outputs: &outputs,
        context: CONTEXT,
        weights_commitment: Some(&unbound_commitment),
    };
    gkr::verify(&Unbound, &c.circuit, &st, &proof).unwrap();
    proof.openings[1].values[3] += F::ONE;
    assert_eq!(
        gkr::verify(&Unbound, &c.circuit, &st, &proof),
        Err(VerifyError::InputClaim { claim: 0 })
    );
}

// ---- encoding round trip of a forged proof keeps its forgery (no silent repair) ----

#[test]
fn decoder_does_not_repair_forgeries() {
    let c = case();
    let mut p = c.proof.clone();
    bump(&mut p.layers[0].vx);
    let back = TransparentProof::from_bytes(&p.to_bytes()).unwrap();
    assert_eq!(back, p);
    let mut w = circuits::codec::Writer::new();
    p.openings[0].encode(&mut w);
    assert!(!w.into_bytes().is_empty());
}

// ---- the statement names the weights: `None` means "no weights region" ----

#[test]
fn weights_circuit_without_expected_commitment_is_rejected() {
    // Without an expected commitment, a proof over any weights would verify.
    let c = case();
    let mut data = Data::random(&c.circuit, 4242);
    data.weights[0] += F::ONE;
    let (other, outputs) = prover::prove_transparent(&c.circuit, &data.witness(), CONTEXT).unwrap();
    for (proof, outputs, public) in [
        (&c.proof, &c.outputs, &c.data.public),
        (&other, &outputs, &data.public),
    ] {
        let st = Statement {
            public,
            outputs,
            context: CONTEXT,
            weights_commitment: None,
        };
        assert_eq!(
            prover::verify_transparent(&c.circuit, &st, proof),
            Err(VerifyError::WeightsCommitmentMissing)
        );
    }
}

#[test]
fn unexpected_commitment_for_weightless_circuit_is_rejected() {
    let circuit = constraint_circuit();
    assert!(circuit.input.region(RegionKind::Weights).is_none());
    let x = [F::from_u64(3), F::from_u64(4), F::from_u64(12)];
    let w = Witness {
        public: &[],
        weights: &[],
        private: &x,
    };
    let (proof, outputs) = prover::prove_transparent(&circuit, &w, b"").unwrap();
    let model: Digest = [7; 32];
    let st = Statement {
        public: &[],
        outputs: &outputs,
        context: b"",
        weights_commitment: Some(&model),
    };
    assert_eq!(
        prover::verify_transparent(&circuit, &st, &proof),
        Err(VerifyError::UnexpectedWeightsCommitment)
    );
    let st = Statement {
        weights_commitment: None,
        ..st
    };
    prover::verify_transparent(&circuit, &st, &proof).unwrap();
}

// ---- declarations the gates do not back (the verifier's memory follows the gates) ----

/// One private pair and one layer of `2^log_width` slots whose one gate relays `x0` to
/// slot 0: 73 bytes encoded.
fn one_gate_circuit(log_width: u8) -> Circuit {
    let mut l1 = Layer::new(log_width);
    l1.add.push(AddGate {
        out: 0,
        input: 0,
        coeff: Coeff::ONE,
    });
    Circuit {
        input: InputLayout {
            log_width: 1,
            regions: vec![Region {
                kind: RegionKind::Private,
                offset: 0,
                log_len: 1,
                len: 2,
            }],
            gate_log_width: None,
        },
        layers: vec![l1],
        public_outputs: vec![0],
        ..Circuit::default()
    }
}

fn empty_proof() -> TransparentProof {
    TransparentProof {
        commitments: vec![],
        layers: vec![],
        batches: vec![],
        openings: vec![],
    }
}

#[test]
fn wide_layer_with_one_gate_is_refused_by_the_decoder() {
    // The reviewer's circuit: 2^30 slots, one gate. Its verifier used to materialise
    // E(z) over all 2^30 slots (16 GiB) before looking at the proof.
    let wide = one_gate_circuit(30);
    let bytes = wide.to_bytes();
    assert!(bytes.len() < 100, "{} bytes", bytes.len());
    let want = CircuitError::UnbackedWidth {
        layer: 1,
        log_width: 30,
        highest_used: Some(0),
        needed: 1,
    };
    assert_eq!(
        Circuit::from_bytes(&bytes),
        Err(DecodeError::Invalid(want.clone()))
    );
    assert_eq!(
        gkr::PreparedCircuit::from_bytes(&bytes).map(|_| ()),
        Err(DecodeError::Invalid(want.clone()))
    );
    // A circuit built in memory meets the same check before the verifier allocates.
    let st = Statement {
        public: &[],
        outputs: &[F::ZERO],
        context: b"",
        weights_commitment: None,
    };
    assert_eq!(
        prover::verify_transparent(&wide, &st, &empty_proof()),
        Err(VerifyError::Circuit(want.clone()))
    );
    assert_eq!(
        prover::verify_transparent_bytes(&wide, &st, &empty_proof().to_bytes()),
        Err(VerifyError::Circuit(want))
    );
    // The input layer too: a 2^30-wide input read at slots 0 and 1.
    let mut wide_input = one_gate_circuit(1);
    wide_input.input.log_width = 30;
    assert_eq!(
        Circuit::from_bytes(&wide_input.to_bytes()),
        Err(DecodeError::Invalid(CircuitError::UnbackedWidth {
            layer: 0,
            log_width: 30,
            highest_used: Some(1),
            needed: 1,
        }))
    );
    // The tight width decodes.
    Circuit::from_bytes(&one_gate_circuit(1).to_bytes()).unwrap();
}

#[test]
fn undeclared_challenge_count_is_refused() {
    // 2^28 challenges, none used: the verifier used to draw all of them (18 s, 4 GiB).
    let mut c = one_gate_circuit(1);
    c.num_challenges = 1 << 28;
    let bytes = c.to_bytes();
    assert!(bytes.len() < 100, "{} bytes", bytes.len());
    assert_eq!(
        Circuit::from_bytes(&bytes),
        Err(DecodeError::Invalid(CircuitError::ChallengeCount {
            count: 1 << 28,
            referencing_gates: 0,
        }))
    );
    let st = Statement {
        public: &[],
        outputs: &[F::ZERO],
        context: b"",
        weights_commitment: None,
    };
    assert!(matches!(
        prover::verify_transparent(&c, &st, &empty_proof()),
        Err(VerifyError::Circuit(CircuitError::ChallengeCount { .. }))
    ));
    // Enough referencing gates, but a declared challenge no gate uses: slot 1 is the
    // constraint `ρ_1·x1 − ρ_1·x1`.
    let mut c = one_gate_circuit(1);
    c.num_challenges = 2;
    let rho = |out, input, coeff| AddGate { out, input, coeff };
    c.layers[0].add.push(rho(1, 1, Coeff::Challenge(1)));
    c.layers[0]
        .add
        .push(rho(1, 1, Coeff::ChallengeTimes(1, -1)));
    assert_eq!(
        Circuit::from_bytes(&c.to_bytes()),
        Err(DecodeError::Invalid(CircuitError::UnusedChallenge {
            index: 0,
            count: 2,
        }))
    );
    // Every declared challenge used: valid, and it proves.
    c.layers[0].add.push(rho(1, 0, Coeff::Challenge(0)));
    c.layers[0]
        .add
        .push(rho(1, 0, Coeff::ChallengeTimes(0, -1)));
    let c = Circuit::from_bytes(&c.to_bytes()).unwrap();
    let x = [F::from_u64(5), F::from_u64(6)];
    let w = Witness {
        public: &[],
        weights: &[],
        private: &x,
    };
    let (proof, outputs) = prover::prove_transparent(&c, &w, b"").unwrap();
    let st = Statement {
        outputs: &outputs,
        ..st
    };
    prover::verify_transparent(&c, &st, &proof).unwrap();
}
