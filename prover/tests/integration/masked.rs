//! Masked GKR (issue 10, engine part): round trips on both schemes, agreement with the
//! plain prover, fresh masks per seed, and named attacks each asserting its rejection.

use circuits::random::{self, Spec};
use circuits::{Circuit, RegionKind};
use prover::gkr::{self, PreparedCircuit, ZkArgs, ZkLayout, ZkLayoutError};
use prover::sumcheck::SumcheckError;
use prover::zk::inner_product::{InnerProductError, InnerProductProof};
use prover::{
    Field, Goldilocks, GoldilocksExt2, Proof, Statement, Transparent, TransparentOpening,
    VerifyError, Witness,
};

type F = Goldilocks;
type E = GoldilocksExt2;
const CTX: &[u8] = b"masked";

/// A random gate circuit, and its zero-knowledge form (noise relays and the mask table)
/// for extension degree `ext`.
fn zk_circuit_ext(spec: &Spec, seed: u64, ext: usize) -> (Circuit, Circuit, ZkLayout) {
    let original = random::circuit(spec, seed);
    let (c, layout) = circuits::zk::with_noise(&original, ext).unwrap();
    (original, c, layout)
}

fn zk_circuit(spec: &Spec, seed: u64) -> (Circuit, ZkLayout) {
    let (_, c, layout) = zk_circuit_ext(spec, seed, 2);
    (c, layout)
}

use crate::common;
use common::Data;

/// Commits the weights and proves `circuit` masked on the transparent scheme, with or
/// without the satisfaction check.
fn prove_t(
    circuit: &Circuit,
    witness: &Witness<'_, F>,
    layout: ZkLayout,
    seed: &[u8; 32],
    check: bool,
) -> Result<gkr::ProvenMasked<F, E, Transparent>, prover::ProveError> {
    let prepared = PreparedCircuit::new(circuit).unwrap();
    let cw =
        gkr::commit_weights::<F, E, Transparent>(&Transparent, circuit, witness.weights).unwrap();
    let prove = if check {
        gkr::prove_masked::<F, E, Transparent>
    } else {
        gkr::prove_masked_unchecked::<F, E, Transparent>
    };
    prove(
        &Transparent,
        &prepared,
        cw.as_ref(),
        witness,
        CTX,
        ZkArgs { layout, seed },
    )
}

/// Verifies a masked transparent proof of `circuit` against its public input, outputs
/// and weights.
fn verify_t(
    circuit: &Circuit,
    data: &Data,
    outputs: &[F],
    proof: &Masked,
    layout: ZkLayout,
) -> Result<(), VerifyError> {
    let prepared = PreparedCircuit::new(circuit).unwrap();
    let weights = prover::transparent_weights_commitment(circuit, &data.weights);
    let statement = Statement {
        public: &data.public,
        outputs,
        context: CTX,
        weights_commitment: weights.as_ref(),
    };
    gkr::verify_masked::<F, E, Transparent>(
        &Transparent,
        &prepared,
        &statement,
        &proof.0,
        layout,
        &proof.1,
    )
}

type Masked = (Proof<E, TransparentOpening<F>>, InnerProductProof<E>);

struct Run {
    circuit: Circuit,
    layout: ZkLayout,
    data: Data,
    proof: Masked,
    outputs: Vec<F>,
    weights: Option<prover::commit::Digest>,
}

fn run(spec: &Spec, seed: u64, mask_seed: [u8; 32]) -> Run {
    let (circuit, layout) = zk_circuit(spec, seed);
    let data = Data::random(&circuit, seed);
    let ((proof, outputs), inner) =
        prove_t(&circuit, &data.witness(), layout, &mask_seed, true).unwrap();
    let weights = prover::transparent_weights_commitment(&circuit, &data.weights);
    Run {
        circuit,
        layout,
        data,
        proof: (proof, inner),
        outputs,
        weights,
    }
}

impl Run {
    fn verify_with(
        &self,
        proof: &Masked,
        outputs: &[F],
        layout: ZkLayout,
    ) -> Result<(), VerifyError> {
        verify_t(&self.circuit, &self.data, outputs, proof, layout)
    }
    fn verify(&self, proof: &Masked) -> Result<(), VerifyError> {
        self.verify_with(proof, &self.outputs, self.layout)
    }
}

fn specs() -> Vec<Spec> {
    vec![
        Spec {
            log_widths: vec![5, 5, 4, 3],
            ..Spec::default()
        },
        Spec {
            log_widths: vec![6, 5, 5, 4, 2],
            mul_percent: 70,
            num_public: 5,
            alternate_add_only: true,
            ..Spec::default()
        },
        Spec {
            log_widths: vec![5, 4, 4],
            mul_percent: 0,
            const_percent: 40,
            ..Spec::default()
        },
        Spec {
            log_widths: vec![5, 5, 4],
            num_challenges: 2,
            ..Spec::default()
        },
    ]
}

#[test]
fn masked_round_trip_and_outputs_agree_with_plain() {
    for (i, spec) in specs().iter().enumerate() {
        for seed in 0..3u64 {
            let r = run(spec, 10 * i as u64 + seed, [seed as u8; 32]);
            r.verify(&r.proof)
                .unwrap_or_else(|e| panic!("spec {i} seed {seed}: {e}"));
            // The original circuit, on the original private values, has the same outputs.
            let original = random::circuit(spec, 10 * i as u64 + seed);
            let n = original.input.len_of(RegionKind::Private);
            let w = Witness {
                private: &r.data.private[..n],
                ..r.data.witness()
            };
            let (_, outputs) = prover::prove_transparent(&original, &w, CTX).unwrap();
            assert_eq!(outputs, r.outputs, "spec {i} seed {seed}");
            // The plain prover on the same circuit and witness.
            let (plain, outputs) =
                prover::prove_transparent(&r.circuit, &r.data.witness(), CTX).unwrap();
            assert_eq!(outputs, r.outputs, "spec {i} seed {seed}");
            // Every masked round message differs from the plain one.
            let (a, b) = (
                &plain.layers[0].phase1[0].0,
                &r.proof.0.layers[0].phase1[0].0,
            );
            assert!(a.iter().zip(b).all(|(x, y)| x != y));
        }
    }
}

#[test]
fn masked_round_trip_whir() {
    use prover::WhirExt;
    let spec = Spec {
        log_widths: vec![6, 5, 4],
        ..Spec::default()
    };
    let (_, circuit, layout) = zk_circuit_ext(&spec, 5, 3);
    let data = Data::random(&circuit, 5);
    let prepared = PreparedCircuit::new(&circuit).unwrap();
    let scheme = prover::whir_scheme();
    let cw = prover::whir_commit_weights(&circuit, &data.weights).unwrap();
    let ((proof, outputs), inner): gkr::ProvenMasked<F, WhirExt, prover::Whir<WhirExt>> =
        gkr::prove_masked(
            scheme,
            &prepared,
            cw.as_ref(),
            &data.witness(),
            CTX,
            ZkArgs {
                layout,
                seed: &[7; 32],
            },
        )
        .unwrap();
    let digest = cw.as_ref().map(|c| *c.digest());
    let statement = Statement {
        public: &data.public,
        outputs: &outputs,
        context: CTX,
        weights_commitment: digest.as_ref(),
    };
    gkr::verify_masked(scheme, &prepared, &statement, &proof, layout, &inner).unwrap();
    let mut bad = inner.clone();
    bad.z_value += WhirExt::ONE;
    assert_eq!(
        gkr::verify_masked(scheme, &prepared, &statement, &proof, layout, &bad),
        Err(VerifyError::ZkInnerProduct(InnerProductError::Final))
    );
}

#[test]
fn fresh_seeds_give_different_proofs_same_seed_identical_bytes() {
    let spec = &specs()[0];
    let a = run(spec, 3, [1; 32]);
    let b = run(spec, 3, [2; 32]);
    let c = run(spec, 3, [1; 32]);
    assert_eq!(a.proof.0.to_bytes(), c.proof.0.to_bytes());
    assert_eq!(a.proof.1, c.proof.1);
    assert_ne!(a.proof.0.to_bytes(), b.proof.0.to_bytes());
    assert_ne!(a.proof.1.sigma, b.proof.1.sigma);
    // The noise reaches every layer below the output: each revealed layer value moves.
    for (la, lb) in a.proof.0.layers.iter().zip(&b.proof.0.layers) {
        assert_ne!(la.phase1, lb.phase1);
        assert_ne!(la.vx, lb.vx);
        if let (Some(pa), Some(pb)) = (&la.phase2, &lb.phase2) {
            assert_ne!(pa.vy, pb.vy);
        }
    }
}

fn base() -> Run {
    run(&specs()[1], 42, [9; 32])
}

#[test]
fn attack_tampered_sigma_rejected_by_the_inner_product() {
    let r = base();
    let mut p = r.proof.clone();
    p.1.sigma += E::ONE;
    assert_eq!(
        r.verify(&p),
        Err(VerifyError::ZkInnerProduct(InnerProductError::Sumcheck(
            SumcheckError::Sum { round: 0 }
        )))
    );
}

#[test]
fn attack_tampered_table_value_rejected() {
    let r = base();
    let mut p = r.proof.clone();
    p.1.z_value += E::ONE;
    assert_eq!(
        r.verify(&p),
        Err(VerifyError::ZkInnerProduct(InnerProductError::Final))
    );
}

/// A false output, with the honest proof: the statement is in the transcript, so round
/// 0's challenge moves and round 1's sum (checked in the clear) fails.
#[test]
fn attack_false_output_rejected() {
    let r = base();
    let mut outputs = r.outputs.clone();
    outputs[0] += F::ONE;
    assert_eq!(
        r.verify_with(&r.proof, &outputs, r.layout),
        Err(VerifyError::Sumcheck {
            layer: r.circuit.depth(),
            phase: 1,
            source: SumcheckError::Sum { round: 1 }
        })
    );
}

/// A witness that leaves a constrained output slot nonzero, proven anyway: the output
/// claim is false, round 0's sum is not checked in the clear (it involves the masks), and
/// the deferred claim it leaves is what fails, in the inner product.
#[test]
fn attack_unsatisfied_witness_caught_by_the_deferred_claims() {
    let spec = &specs()[0];
    let (mut circuit, layout) = zk_circuit(spec, 77);
    let data = Data::random(&circuit, 77);
    // Find an output slot that is nonzero on this witness and stop claiming it: it is
    // then constrained to zero, which the witness violates.
    let (_, outputs) = prover::prove_transparent(&circuit, &data.witness(), CTX).unwrap();
    let i = outputs.iter().position(|v| *v != F::ZERO).unwrap();
    circuit.public_outputs.remove(i);
    assert!(matches!(
        prove_t(&circuit, &data.witness(), layout, &[3; 32], true),
        Err(prover::ProveError::Unsatisfied { .. })
    ));
    let ((proof, outputs), inner) =
        prove_t(&circuit, &data.witness(), layout, &[3; 32], false).unwrap();
    assert_eq!(
        verify_t(&circuit, &data, &outputs, &(proof, inner), layout),
        Err(VerifyError::ZkInnerProduct(InnerProductError::Sumcheck(
            SumcheckError::Sum { round: 0 }
        )))
    );
}

/// Round 0 of the top layer shifted in its sum only (`p(0) += δ`, `p(1) −= δ` keeps the
/// sum; `p(0) += δ` alone changes it): the first passes round 1 only by chance, the
/// second breaks a deferred claim.
#[test]
fn attack_round0_sum_shift_caught_by_the_deferred_claims() {
    let r = base();
    let mut p = r.proof.clone();
    let d = E::from_u64(5);
    p.0.layers[0].phase1[0].0[0] += d;
    match r.verify(&p) {
        Err(VerifyError::Sumcheck {
            phase: 1,
            source: SumcheckError::Sum { round: 1 },
            ..
        })
        | Err(VerifyError::ZkInnerProduct(_)) => {}
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn attack_later_round_rejected_in_the_clear() {
    let r = base();
    let mut p = r.proof.clone();
    let k = r.circuit.depth();
    p.0.layers[0].phase1[2].0[1] += E::ONE;
    assert_eq!(
        r.verify(&p),
        Err(VerifyError::Sumcheck {
            layer: k,
            phase: 1,
            source: SumcheckError::Sum { round: 2 }
        })
    );
}

#[test]
fn attack_tampered_vx_rejected() {
    let r = base();
    let mut p = r.proof.clone();
    p.0.layers[1].vx += E::ONE;
    assert!(r.verify(&p).is_err());
}

#[test]
fn plain_verifier_rejects_a_masked_proof_and_vice_versa() {
    let r = base();
    let statement = Statement {
        public: &r.data.public,
        outputs: &r.outputs,
        context: CTX,
        weights_commitment: r.weights.as_ref(),
    };
    assert!(prover::verify_transparent(&r.circuit, &statement, &r.proof.0).is_err());
    let (plain, _) = prover::prove_transparent(&r.circuit, &r.data.witness(), CTX).unwrap();
    assert!(r.verify(&(plain, r.proof.1.clone())).is_err());
}

#[test]
fn layout_is_the_verifiers_and_is_checked() {
    let r = base();
    let l = r.layout;
    // Another valid layout (the table's lower half): the transcript binds the layout.
    let other = ZkLayout {
        table_log_len: l.table_log_len - 1,
        ..l
    };
    assert!(r.verify_with(&r.proof, &r.outputs, other).is_err());
    // Misplaced, too small, noise over the table, or over the gates' inputs.
    let bad = |layout| r.verify_with(&r.proof, &r.outputs, layout);
    assert!(matches!(
        bad(ZkLayout {
            table_offset: l.table_offset + 1,
            ..l
        }),
        Err(VerifyError::ZkLayout(ZkLayoutError::Placement { .. }))
    ));
    assert!(matches!(
        bad(ZkLayout {
            noise_len: l.table_offset - l.noise_offset + 1,
            ..l
        }),
        Err(VerifyError::ZkLayout(ZkLayoutError::Placement { .. }))
    ));
    assert!(matches!(
        bad(ZkLayout {
            table_log_len: 3,
            ..l
        }),
        Err(VerifyError::ZkLayout(ZkLayoutError::TooSmall { .. }))
    ));
    // The noise sources are read by relays: a table over them is refused.
    assert!(matches!(
        bad(ZkLayout {
            noise_offset: 0,
            noise_len: 0,
            table_offset: 0,
            table_log_len: l.table_log_len,
        }),
        Err(VerifyError::ZkLayout(ZkLayoutError::ReadByGate { .. }))
    ));
}

/// The zero-knowledge form computes the original function: over many random circuits
/// (gate spans, challenges, public inputs, padding reads), the masked prover's outputs
/// on random noise equal the original circuit's outputs, and the masked proof verifies.
#[test]
fn zk_form_preserves_outputs_over_random_circuits() {
    let mut checked = 0;
    for seed in 0..40u64 {
        let spec = Spec {
            log_widths: vec![4 + (seed % 3) as u8, 5, 4, 3 + (seed % 2) as u8],
            mul_percent: 20 * (seed % 5),
            num_public: (seed % 3) as u32 * 2,
            num_challenges: u32::from(seed % 4 == 0),
            alternate_add_only: seed % 2 == 1,
            gate_span: seed % 3 == 2,
            ..Spec::default()
        };
        let original = random::circuit(&spec, seed);
        let data = Data::random(&original, seed);
        let (_, want) = prover::prove_transparent(&original, &data.witness(), CTX).unwrap();
        let (zk, layout) = circuits::zk::with_noise(&original, 2).unwrap();
        let mut private = data.private.clone();
        private.resize(zk.input.len_of(RegionKind::Private), F::from_u64(seed + 1));
        let w = Witness {
            private: &private,
            ..data.witness()
        };
        let ((proof, got), inner) = prove_t(&zk, &w, layout, &[seed as u8; 32], true).unwrap();
        assert_eq!(got, want, "seed {seed}");
        verify_t(&zk, &data, &got, &(proof, inner), layout)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        checked += 1;
    }
    assert_eq!(checked, 40);
}

/// A seed reused for another witness still gives fresh masks (they are a PRF of the seed
/// over the witness), so two proofs never differ by the witnesses' difference alone.
#[test]
fn reused_seed_with_another_witness_gives_fresh_masks() {
    let spec = &specs()[0];
    let a = run(spec, 3, [5; 32]);
    let (circuit, layout) = (a.circuit.clone(), a.layout);
    let mut private = a.data.private.clone();
    private[0] += F::ONE;
    let w = Witness {
        private: &private,
        ..a.data.witness()
    };
    let ((_, _), inner) = prove_t(&circuit, &w, layout, &[5; 32], true).unwrap();
    // σ depends on the slack alone: equal slack would give equal σ.
    assert_ne!(inner.sigma, a.proof.1.sigma);
}

/// On a gate-span circuit (protocol version 2, openings batched), the table's value is
/// stated in the private region's batch: changing it is refused by name.
#[test]
fn attack_batched_table_value_rejected() {
    let spec = Spec {
        log_widths: vec![6, 5, 4],
        gate_span: true,
        ..Spec::default()
    };
    let (circuit, layout) = zk_circuit(&spec, 11);
    let data = Data::random(&circuit, 11);
    let ((proof, outputs), inner) =
        prove_t(&circuit, &data.witness(), layout, &[1; 32], true).unwrap();
    assert!(
        !proof.batches.is_empty(),
        "a gate span makes openings batched"
    );
    let check = |p: &Proof<E, TransparentOpening<F>>| {
        verify_t(
            &circuit,
            &data,
            &outputs,
            &(p.clone(), inner.clone()),
            layout,
        )
    };
    check(&proof).unwrap();
    let mut table_value_refused = false;
    for b in 0..proof.batches.len() {
        let mut p = proof.clone();
        let last = p.batches[b].values.len() - 1;
        p.batches[b].values[last] += E::ONE;
        match check(&p) {
            Err(VerifyError::ZkTableValue) => table_value_refused = true,
            Err(_) => {}
            Ok(()) => panic!("batch {b}: a changed stated value verified"),
        }
    }
    assert!(table_value_refused);
}

#[test]
fn masked_proof_bytes_round_trip_and_refuse_damage() {
    use prover::zk::MaskedProof;
    type Wire = MaskedProof<E, TransparentOpening<F>>;
    for (i, spec) in specs().iter().enumerate() {
        let r = run(spec, 40 + i as u64, [i as u8; 32]);
        let wire = MaskedProof {
            proof: r.proof.0.clone(),
            inner: r.proof.1.clone(),
            stock: None,
            links: Vec::new(),
        };
        let bytes = wire.to_bytes();
        let back = Wire::from_bytes(&bytes).unwrap();
        assert_eq!(back, wire);
        r.verify(&(back.proof, back.inner)).unwrap();
        // Truncation at every length, a trailing byte, another magic or version.
        for n in 0..bytes.len() {
            assert!(
                Wire::from_bytes(&bytes[..n]).is_err(),
                "spec {i}: prefix {n}"
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(
            Wire::from_bytes(&long),
            Err(circuits::DecodeError::TrailingBytes { count: 1 })
        ));
        let mut magic = bytes.clone();
        magic[0] ^= 1;
        assert!(matches!(
            Wire::from_bytes(&magic),
            Err(circuits::DecodeError::Magic { .. })
        ));
        let mut version = bytes.clone();
        version[4] ^= 4;
        assert!(matches!(
            Wire::from_bytes(&version),
            Err(circuits::DecodeError::Version { .. })
        ));
        // A plain proof's bytes are not a masked proof.
        assert!(matches!(
            Wire::from_bytes(&r.proof.0.to_bytes()),
            Err(circuits::DecodeError::Magic { .. })
        ));
        // Every single-bit flip of the inner product's bytes decodes to a proof that is
        // refused, or fails to decode.
        let tail = r.proof.0.to_bytes().len() + 12;
        for at in tail..bytes.len() {
            let mut b = bytes.clone();
            b[at] ^= 0x10;
            if let Ok(p) = Wire::from_bytes(&b) {
                assert!(
                    r.verify(&(p.proof, p.inner)).is_err(),
                    "spec {i}: flip at {at} verified"
                );
            }
        }
    }
}
