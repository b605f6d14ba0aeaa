//! WHIR commitments: opened evaluations against brute force, GKR round trips over random
//! circuits, the security level at every size, committed weights reused and stored, and
//! the named attacks (each rejected with its own error).

use crate::common;

use circuits::random::{self, Rng, Spec};
use circuits::{Circuit, RegionKind};
use common::{CONTEXT, Data, F, rich_spec};
use p3_multilinear_util::poly::Poly;
use p3_sumcheck::OpeningBatch;
use p3_symmetric::MerkleCap;
use p3_whir::QueryOpenings;
use prover::commit::{CommitError, CommitmentScheme};
use prover::proof::Proof;
use prover::transcript::Transcript;
use prover::{
    Field, GoldilocksExt2, GoldilocksExt3, ProveError, Statement, VerifyError, Whir, WhirOpening,
    WhirParams, WhirProof, mle,
};

type E3 = GoldilocksExt3;

/// A random circuit whose committed regions fill their spans: random circuits may read
/// a committed region's padding, which WHIR refuses (`committed_padding_read`).
fn whir_circuit(spec: &Spec, seed: u64) -> Circuit {
    let mut c = random::circuit(spec, seed);
    for r in &mut c.input.regions {
        if r.kind.is_committed() {
            r.len = 1 << r.log_len;
        }
    }
    c.validate().unwrap();
    c
}

fn values(n: usize, seed: u64) -> Vec<F> {
    random::values(n, seed)
        .into_iter()
        .map(F::from_u64)
        .collect()
}

/// Commit, open at `k` random points, verify: the evaluations are the brute-force MLE.
fn open_and_check<E: prover::commit::whir::WhirField>(
    scheme: &Whir<E>,
    log_len: u8,
    len: usize,
    k: usize,
    seed: u64,
) where
    Whir<E>: CommitmentScheme<F, E>,
{
    let v = values(len, seed);
    let mut rng = Rng::new(seed);
    let points: Vec<Vec<E>> = (0..k)
        .map(|_| {
            (0..log_len)
                .map(|_| {
                    let bytes: Vec<u8> = (0..E::UNIFORM_BYTES)
                        .map(|_| rng.next_u64() as u8)
                        .collect();
                    E::from_uniform_bytes(&bytes)
                })
                .collect()
        })
        .collect();
    let refs: Vec<&[E]> = points.iter().map(Vec::as_slice).collect();
    let (digest, data) = scheme.commit(&v, log_len).unwrap();
    let mut tp = Transcript::new(b"whir-test");
    let opening = scheme.open(data, &refs, &mut tp).unwrap();
    let mut tv = Transcript::new(b"whir-test");
    let evals = scheme
        .verify(&digest, log_len, len, &refs, &opening, &mut tv)
        .unwrap_or_else(|e| panic!("2^{log_len}, {k} points: {e}"));
    assert_eq!(tp.state(), tv.state());
    for (p, e) in refs.iter().zip(&evals) {
        assert_eq!(
            *e,
            mle::evaluate_base::<F, E>(&v, p),
            "2^{log_len}, len {len}"
        );
    }
}

#[test]
fn opened_evaluations_are_the_multilinear_extension() {
    let scheme = Whir::<E3>::default();
    for (log_len, len) in [(1u8, 2usize), (1, 1), (3, 5), (6, 64), (9, 300), (10, 1024)] {
        for k in [1usize, 2, 3] {
            open_and_check(&scheme, log_len, len, k, u64::from(log_len) * 10 + k as u64);
        }
    }
}

#[test]
fn roundtrip_on_random_circuits() {
    for (i, spec) in [
        rich_spec(),
        Spec::default(),
        Spec {
            log_widths: vec![9, 8, 8, 6],
            ..Spec::default()
        },
    ]
    .iter()
    .enumerate()
    {
        let circuit = whir_circuit(spec, i as u64);
        let data = Data::random(&circuit, i as u64);
        let cw = prover::whir_commit_weights(&circuit, &data.weights).unwrap();
        let (proof, outputs) =
            prover::prove_whir(&circuit, cw.as_ref(), &data.witness(), CONTEXT).unwrap();
        let st = Statement {
            public: &data.public,
            outputs: &outputs,
            context: CONTEXT,
            weights_commitment: cw.as_ref().map(|c| c.digest()),
        };
        prover::verify_whir(&circuit, &st, &proof).unwrap();
        let bytes = proof.to_bytes();
        assert_eq!(WhirProof::from_bytes(&bytes).unwrap(), proof);
        prover::verify_whir_bytes(&circuit, &st, &bytes).unwrap();
    }
}

#[test]
fn security_at_least_100_bits_at_every_size() {
    let scheme = Whir::<E3>::default();
    for log_len in 1u8..=24 {
        for points in [1usize, 2] {
            let s = scheme
                .security(log_len, points)
                .unwrap_or_else(|e| panic!("2^{log_len}, {points} points: {e}"));
            eprintln!(
                "2^{log_len:2} points {points}: {:.2} bits (per-term target {}, {} vars)",
                s.bits, s.per_term_target, s.num_variables
            );
            assert!(s.bits >= 101.0, "2^{log_len}: {s:?}");
            assert_eq!(s.regime, "JohnsonBound");
        }
    }
}

#[test]
fn a_proof_with_two_openings_keeps_100_bits() {
    // Weights and private witness are two openings; forging either suffices, so the
    // proof's figure is the union of both errors, not either one alone.
    let scheme = Whir::<E3>::default();
    for (w, p) in [(16u8, 17u8), (1, 1), (24, 24), (10, 22)] {
        let a = scheme.security(w, 2).unwrap();
        let b = scheme.security(p, 2).unwrap();
        let bits = prover::commit::whir::proof_security_bits(&[a, b]);
        assert!(bits >= 100.0, "2^{w} + 2^{p}: {bits}");
        assert!(
            bits < a.bits.min(b.bits),
            "the union is below either opening"
        );
    }
}

#[test]
fn ext2_needs_proof_of_work_and_says_so() {
    // Without grinding the degree-2 extension cannot reach 100 bits at LeNet sizes: refused
    // with a clear error, never silently weaker.
    let no_pow = Whir::<GoldilocksExt2>::new(WhirParams::default());
    let err = no_pow.security(16, 2).unwrap_err();
    assert!(matches!(err, CommitError::Parameters(_)), "{err}");
    assert!(
        err.to_string().contains("cannot reach 101 combined bits"),
        "{err}"
    );
    assert!(no_pow.commit(&values(4, 1), 16).is_err());
    // With a 16-bit budget it does, up to 2^17 (the preset's range); larger sizes are refused.
    let pow = Whir::<GoldilocksExt2>::new(WhirParams::ext2_pow());
    for log_len in 1u8..=24 {
        match pow.security(log_len, 2) {
            Ok(s) => assert!(s.bits >= 101.0, "2^{log_len}: {s:?}"),
            Err(e) => {
                assert!(log_len > 17, "2^{log_len} refused: {e}");
                assert!(e.to_string().contains("cannot reach"), "{e}");
            }
        }
    }
}

#[test]
fn malformed_parameters_are_refused() {
    for params in [
        WhirParams {
            log_inv_rate: 0,
            ..WhirParams::default()
        },
        WhirParams {
            folding_factor: 0,
            ..WhirParams::default()
        },
        WhirParams {
            security_bits: 20,
            ..WhirParams::default()
        },
        WhirParams {
            pow_bits: 40,
            ..WhirParams::default()
        },
    ] {
        let s = Whir::<E3>::new(params);
        assert!(
            matches!(s.security(10, 1), Err(CommitError::Parameters(_))),
            "{params:?}"
        );
        assert!(s.commit(&values(4, 1), 10).is_err());
    }
    assert!(matches!(
        Whir::<E3>::default().security(29, 1),
        Err(CommitError::Parameters(_))
    ));
    assert!(matches!(
        Whir::<E3>::default().security(10, 0),
        Err(CommitError::Shape { .. })
    ));
}

#[test]
fn ext2_with_proof_of_work_round_trips() {
    let scheme = Whir::<GoldilocksExt2>::new(WhirParams::ext2_pow());
    open_and_check(&scheme, 12, 4000, 2, 3);
    let circuit = whir_circuit(&rich_spec(), 9);
    let data = Data::random(&circuit, 9);
    let cw = prover::gkr::commit_weights::<F, GoldilocksExt2, _>(&scheme, &circuit, &data.weights)
        .unwrap();
    let prepared = prover::gkr::PreparedCircuit::new(&circuit).unwrap();
    let (proof, outputs) =
        prover::gkr::prove_with_weights(&scheme, &prepared, cw.as_ref(), &data.witness(), CONTEXT)
            .unwrap();
    let st = Statement {
        public: &data.public,
        outputs: &outputs,
        context: CONTEXT,
        weights_commitment: cw.as_ref().map(|c| c.digest()),
    };
    prover::gkr::verify(&scheme, &circuit, &st, &proof).unwrap();
    let back = Proof::<GoldilocksExt2, WhirOpening<GoldilocksExt2>>::from_bytes(&proof.to_bytes())
        .unwrap();
    prover::gkr::verify(&scheme, &circuit, &st, &back).unwrap();
    // The default (Ext3) verifier refuses an Ext2 proof's bytes.
    let r = prover::verify_whir_bytes(&circuit, &st, &proof.to_bytes());
    assert!(matches!(r, Err(VerifyError::Decode(_))), "{r:?}");
}

#[test]
fn challenges_in_ext3_prove_with_the_transparent_scheme_too() {
    let circuit = whir_circuit(&rich_spec(), 11);
    let data = Data::random(&circuit, 11);
    let (proof, outputs) =
        prover::gkr::prove::<F, E3, _>(&prover::Transparent, &circuit, &data.witness(), CONTEXT)
            .unwrap();
    let wc = prover::transparent_weights_commitment(&circuit, &data.weights);
    let st = Statement {
        public: &data.public,
        outputs: &outputs,
        context: CONTEXT,
        weights_commitment: wc.as_ref(),
    };
    prover::gkr::verify(&prover::Transparent, &circuit, &st, &proof).unwrap();
}

// ---- weights committed once ----

#[test]
fn committed_weights_are_reused_and_stored() {
    let circuit = whir_circuit(
        &Spec {
            log_widths: vec![12, 10, 9],
            ..Spec::default()
        },
        21,
    );
    let cw = prover::whir_commit_weights(&circuit, &Data::random(&circuit, 21).weights)
        .unwrap()
        .unwrap();
    // Three inferences on one commitment: same weights digest in every proof, no re-commit.
    for seed in 0..3u64 {
        let mut data = Data::random(&circuit, 100 + seed);
        data.weights = cw.values().to_vec();
        let (proof, outputs) =
            prover::prove_whir(&circuit, Some(&cw), &data.witness(), CONTEXT).unwrap();
        assert_eq!(proof.commitments[0], *cw.digest()); // weights first, then private
        let st = Statement {
            public: &data.public,
            outputs: &outputs,
            context: CONTEXT,
            weights_commitment: Some(cw.digest()),
        };
        prover::verify_whir(&circuit, &st, &proof).unwrap();
        // An empty `witness.weights` takes the committed ones.
        let w = prover::Witness {
            weights: &[],
            ..data.witness()
        };
        let (again, _) = prover::prove_whir(&circuit, Some(&cw), &w, CONTEXT).unwrap();
        assert_eq!(
            again.to_bytes(),
            proof.to_bytes(),
            "proving is deterministic"
        );
    }
    // Stored and reloaded: the prover data is rebuilt, the digest checked.
    let bytes = cw.to_bytes(prover::whir_scheme());
    let back = prover::whir_load_weights(&circuit, &bytes).unwrap();
    assert_eq!(back.digest(), cw.digest());
    assert_eq!(back.values(), cw.values());
    // Another value, another digest, other parameters, trailing bytes: refused.
    let mut other = bytes.clone();
    let last = other.len() - 8;
    other[last] ^= 1;
    assert!(matches!(
        prover::whir_load_weights(&circuit, &other),
        Err(ProveError::WeightsDigest)
    ));
    let mut other = bytes.clone();
    other.push(0);
    assert!(matches!(
        prover::whir_load_weights(&circuit, &other),
        Err(ProveError::Decode(_))
    ));
    let ext2 = Whir::<GoldilocksExt2>::new(WhirParams::ext2_pow());
    assert!(matches!(
        prover::CommittedWeights::from_bytes(&ext2, &circuit, &bytes),
        Err(ProveError::WeightsScheme)
    ));
    for cut in [0, 4, 8, 40, bytes.len() - 1] {
        assert!(prover::whir_load_weights(&circuit, &bytes[..cut]).is_err());
    }
    // Weights that differ from the committed ones are refused.
    let mut data = Data::random(&circuit, 7);
    data.weights = cw.values().to_vec();
    data.weights[0] += F::ONE;
    assert!(matches!(
        prover::prove_whir(&circuit, Some(&cw), &data.witness(), CONTEXT),
        Err(ProveError::WeightsMismatch)
    ));
}

#[test]
fn transparent_proofs_are_unchanged_by_committing_weights_first() {
    let circuit = whir_circuit(&rich_spec(), 31);
    let data = Data::random(&circuit, 31);
    let (direct, _) = prover::prove_transparent(&circuit, &data.witness(), CONTEXT).unwrap();
    let cw = prover::gkr::commit_weights::<F, GoldilocksExt2, _>(
        &prover::Transparent,
        &circuit,
        &data.weights,
    )
    .unwrap();
    assert_eq!(
        cw.as_ref().map(|c| *c.digest()),
        prover::transparent_weights_commitment(&circuit, &data.weights)
    );
    let prepared = prover::gkr::PreparedCircuit::new(&circuit).unwrap();
    let (reused, _) = prover::gkr::prove_with_weights(
        &prover::Transparent,
        &prepared,
        cw.as_ref(),
        &data.witness(),
        CONTEXT,
    )
    .unwrap();
    assert_eq!(direct, reused);
}

// ---- named attacks ----

/// A proof large enough for WHIR rounds (private 2^13, weights 2^12), its statement data.
struct Attack {
    circuit: Circuit,
    data: Data,
    weights: prover::WhirCommittedWeights,
    proof: WhirProof,
    outputs: Vec<F>,
}

impl Attack {
    fn new(seed: u64) -> Attack {
        let circuit = whir_circuit(
            &Spec {
                log_widths: vec![14, 12, 10],
                fan_in: 1,
                num_public: 2,
                ..Spec::default()
            },
            5,
        );
        let data = Data::random(&circuit, seed);
        let weights = prover::whir_commit_weights(&circuit, &data.weights)
            .unwrap()
            .unwrap();
        let (proof, outputs) =
            prover::prove_whir(&circuit, Some(&weights), &data.witness(), CONTEXT).unwrap();
        Attack {
            circuit,
            data,
            weights,
            proof,
            outputs,
        }
    }
    fn statement(&self) -> Statement<'_, F> {
        Statement {
            public: &self.data.public,
            outputs: &self.outputs,
            context: CONTEXT,
            weights_commitment: Some(self.weights.digest()),
        }
    }
    fn verify(&self, proof: &WhirProof) -> Result<(), VerifyError> {
        let r = prover::verify_whir(&self.circuit, &self.statement(), proof);
        // The bytes say the same.
        assert_eq!(
            r,
            prover::verify_whir_bytes(&self.circuit, &self.statement(), &proof.to_bytes())
        );
        r
    }
    /// A copy with the private region's WHIR proof tampered (commitments and openings
    /// list the weights first, then the private region).
    fn tamper(
        &self,
        f: impl FnOnce(&mut p3_whir::WhirProof<F, E3, prover::commit::whir::WhirMmcs>),
    ) -> WhirProof {
        let mut p = self.proof.clone();
        f(&mut p.openings[1].proof.whir);
        p
    }
}

fn opening_error(r: Result<(), VerifyError>) -> CommitError {
    match r {
        Err(VerifyError::Opening {
            region: RegionKind::Private,
            source,
        }) => source,
        other => panic!("expected a rejected private opening, got {other:?}"),
    }
}

#[test]
fn honest_attack_fixture_verifies_with_rounds() {
    let a = Attack::new(1);
    a.verify(&a.proof).unwrap();
    let w = &a.proof.openings[1].proof.whir;
    assert!(
        !w.rounds.is_empty() && w.final_sumcheck.is_some(),
        "fixture exercises every part"
    );
}

#[test]
fn attack_tampered_merkle_path() {
    let a = Attack::new(2);
    let p = a.tamper(|w| match &mut w.rounds[0].openings {
        QueryOpenings::Base(o) => o.proof.sibling_hashes[0][0] ^= 1,
        QueryOpenings::Extension(_) => panic!("round 0 queries the base commitment"),
    });
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::MerklePath(_)
    ));
    let p = a.tamper(|w| match &mut w.final_openings {
        QueryOpenings::Extension(o) => {
            let n = o.proof.sibling_hashes.len();
            o.proof.sibling_hashes[n - 1][31] ^= 0x80;
        }
        QueryOpenings::Base(_) => panic!("the final round queries a folded commitment"),
    });
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::MerklePath(_)
    ));
}

#[test]
fn attack_tampered_queried_leaf() {
    let a = Attack::new(3);
    let p = a.tamper(|w| match &mut w.rounds[0].openings {
        QueryOpenings::Base(o) => o.rows[0][0] += F::ONE,
        QueryOpenings::Extension(_) => panic!(),
    });
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::MerklePath(_)
    ));
    // Swapped query answers (the rows of two positions exchanged).
    let p = a.tamper(|w| match &mut w.rounds[0].openings {
        QueryOpenings::Base(o) => o.rows.swap(0, 1),
        QueryOpenings::Extension(_) => panic!(),
    });
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::MerklePath(_)
    ));
}

#[test]
fn attack_tampered_opened_value() {
    // GKR checks the stated evaluations against its final claim before the opening runs.
    let a = Attack::new(4);
    for region in [0usize, 1] {
        let mut p = a.proof.clone();
        let v = p.openings[region].proof.evals[0].current()[0] + E3::ONE;
        p.openings[region].proof.evals[0] = OpeningBatch::new(vec![v], vec![]);
        assert_eq!(a.verify(&p), Err(VerifyError::InputClaim { claim: 0 }));
    }
    // The PCS alone rejects a wrong evaluation too (here straight at the scheme).
    let scheme = Whir::<E3>::default();
    let v = values(3000, 5);
    let pts: Vec<Vec<E3>> = (0..2)
        .map(|k| (0..12).map(|i| E3::from_u64(3 * i + k + 1)).collect())
        .collect();
    let refs: Vec<&[E3]> = pts.iter().map(Vec::as_slice).collect();
    let (digest, data) = scheme.commit(&v, 12).unwrap();
    let mut opening = scheme
        .open(data, &refs, &mut Transcript::new(b"t"))
        .unwrap();
    let e = opening.proof.evals[1].current()[0] + E3::ONE;
    opening.proof.evals[1] = OpeningBatch::new(vec![e], vec![]);
    let r = scheme.verify(
        &digest,
        12,
        3000,
        &refs,
        &opening,
        &mut Transcript::new(b"t"),
    );
    assert!(
        matches!(
            r,
            Err(CommitError::MerklePath(_) | CommitError::FoldingRound(_) | CommitError::Query(_))
        ),
        "{r:?}"
    );
}

#[test]
fn attack_tampered_folding_round() {
    let a = Attack::new(5);
    // A sumcheck message before the queries moves every later challenge: the queried
    // positions move and their Merkle openings no longer authenticate.
    let p = a.tamper(|w| w.initial_sumcheck.polynomial_evaluations[0][0] += E3::ONE);
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::MerklePath(_)
    ));
    let p = a.tamper(|w| w.rounds[0].sumcheck.polynomial_evaluations[1][1] += E3::ONE);
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::MerklePath(_)
    ));
    // The closing sumcheck, after the last queries: its own round check fails.
    let p = a.tamper(|w| {
        w.final_sumcheck.as_mut().unwrap().polynomial_evaluations[0][0] += E3::ONE;
    });
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::FoldingRound(_)
    ));
    // A round's commitment and out-of-domain answers.
    let p = a.tamper(|w| {
        let mut r = w.rounds[0].commitment.as_ref().unwrap().roots()[0];
        r[0] ^= 1;
        w.rounds[0].commitment = Some(MerkleCap::new(vec![r]));
    });
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::MerklePath(_)
    ));
    let p = a.tamper(|w| w.rounds[0].ood_answers[0] += E3::ONE);
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::MerklePath(_)
    ));
}

#[test]
fn attack_tampered_final_polynomial() {
    let a = Attack::new(6);
    let p = a.tamper(|w| {
        let mut v = w.final_poly.as_ref().unwrap().as_slice().to_vec();
        v[3] += E3::ONE;
        w.final_poly = Some(Poly::new(v));
    });
    // Bound before the final queries are drawn: they move and fail to authenticate.
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::MerklePath(_)
    ));
    // Missing or resized: named by shape, before p3 sees it.
    let p = a.tamper(|w| w.final_poly = None);
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::Shape {
            what: "final polynomial evaluations",
            ..
        }
    ));
    let p = a.tamper(|w| {
        let v = w.final_poly.as_ref().unwrap().as_slice();
        w.final_poly = Some(Poly::new(v[..v.len() / 2].to_vec()));
    });
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::Shape {
            what: "final polynomial evaluations",
            ..
        }
    ));
}

#[test]
fn attack_tampered_proof_of_work_witness() {
    // No grinding in the default: a nonzero witness is non-canonical.
    let a = Attack::new(7);
    let p = a.tamper(|w| w.rounds[0].pow_witness = F::ONE);
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::ProofOfWork(_)
    ));
    let p = a.tamper(|w| w.final_pow_witness = F::from_u64(5));
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::ProofOfWork(_)
    ));
    // With grinding (Ext2, 16-bit budget), a witness that does not clear the bits.
    let scheme = Whir::<GoldilocksExt2>::new(WhirParams::ext2_pow());
    let v = values(8000, 8);
    let pts: Vec<Vec<GoldilocksExt2>> =
        vec![(0..13).map(|i| GoldilocksExt2::from_u64(i + 2)).collect()];
    let refs: Vec<&[GoldilocksExt2]> = pts.iter().map(Vec::as_slice).collect();
    let (digest, data) = scheme.commit(&v, 13).unwrap();
    let opening = scheme
        .open(data, &refs, &mut Transcript::new(b"t"))
        .unwrap();
    scheme
        .verify(
            &digest,
            13,
            8000,
            &refs,
            &opening,
            &mut Transcript::new(b"t"),
        )
        .unwrap();
    let mut bad = opening.clone();
    let w = &mut bad.proof.whir;
    let site = w
        .rounds
        .iter_mut()
        .map(|r| &mut r.pow_witness)
        .find(|x| **x != F::ZERO);
    match site {
        Some(x) => *x += F::ONE,
        None => w.final_pow_witness += F::ONE,
    }
    let r = scheme.verify(&digest, 13, 8000, &refs, &bad, &mut Transcript::new(b"t"));
    assert!(matches!(r, Err(CommitError::ProofOfWork(_))), "{r:?}");
}

#[test]
fn attack_commitment_from_another_model() {
    let a = Attack::new(8);
    let b = Attack::new(9); // other weights, same circuit
    assert_ne!(a.weights.digest(), b.weights.digest());
    // b's proof (its own weights) against a's model commitment.
    let st = a.statement();
    let st_b = Statement {
        public: &b.data.public,
        outputs: &b.outputs,
        ..st
    };
    assert_eq!(
        prover::verify_whir(&a.circuit, &st_b, &b.proof),
        Err(VerifyError::WeightsCommitment)
    );
    // a's proof with b's commitment swapped in.
    let mut p = a.proof.clone();
    p.commitments[0] = *b.weights.digest();
    assert_eq!(a.verify(&p), Err(VerifyError::WeightsCommitment));
    // A statement pinning b's model.
    let st = Statement {
        weights_commitment: Some(b.weights.digest()),
        ..a.statement()
    };
    assert_eq!(
        prover::verify_whir(&a.circuit, &st, &a.proof),
        Err(VerifyError::WeightsCommitment)
    );
    // b's weights opening grafted into a's proof (commitment and opening both b's), under
    // a statement pinning b: the commitment is bound before any challenge, so the
    // transcript moves and GKR's first sumcheck (the output layer's) fails before any
    // opening is checked. (`attack_weights_proven_under_another_models_root` is the
    // variant GKR cannot see, where only the weights opening rejects.)
    let mut p = a.proof.clone();
    p.commitments[0] = *b.weights.digest();
    p.openings[0] = b.proof.openings[0].clone();
    let st = Statement {
        weights_commitment: Some(b.weights.digest()),
        ..a.statement()
    };
    assert_eq!(
        prover::verify_whir(&a.circuit, &st, &p),
        Err(VerifyError::Sumcheck {
            layer: a.circuit.depth(),
            phase: 1,
            source: prover::sumcheck::SumcheckError::Sum { round: 0 }
        })
    );
}

#[test]
fn attack_nulled_commitment() {
    let a = Attack::new(10);
    for (i, region) in [(0usize, RegionKind::Weights), (1, RegionKind::Private)] {
        let mut p = a.proof.clone();
        p.commitments[i] = [0; 32];
        let null = [0u8; 32];
        let st = Statement {
            weights_commitment: Some(if i == 0 { &null } else { a.weights.digest() }),
            ..a.statement()
        };
        assert_eq!(
            prover::verify_whir(&a.circuit, &st, &p),
            Err(VerifyError::Opening {
                region,
                source: CommitError::NullCommitment
            })
        );
    }
    // At the scheme too.
    let scheme = Whir::<E3>::default();
    let a_open = a.proof.openings[1].clone();
    let pt: Vec<E3> = vec![E3::ONE; 13];
    assert_eq!(
        scheme.verify(
            &[0; 32],
            13,
            8191,
            &[pt.as_slice()],
            &a_open,
            &mut Transcript::new(b"t")
        ),
        Err(CommitError::NullCommitment)
    );
}

#[test]
fn attack_reshaped_openings_are_named() {
    let a = Attack::new(11);
    let p = a.tamper(|w| {
        w.rounds.pop();
    });
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::Shape {
            what: "WHIR rounds",
            ..
        }
    ));
    let p = a.tamper(|w| w.initial_ood_answers.push(E3::ONE));
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::Shape { .. }
    ));
    let p = a.tamper(|w| match &mut w.final_openings {
        QueryOpenings::Extension(o) => {
            o.rows[0].pop();
        }
        QueryOpenings::Base(_) => panic!(),
    });
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::Shape {
            what: "queried row width",
            ..
        }
    ));
    let p = a.tamper(|w| w.rounds[0].commitment = None);
    assert!(matches!(
        opening_error(a.verify(&p)),
        CommitError::Shape { .. }
    ));
    let mut p = a.proof.clone();
    p.openings[1]
        .proof
        .evals
        .push(OpeningBatch::new(vec![E3::ONE], vec![]));
    assert!(matches!(
        a.verify(&p),
        Err(VerifyError::Opening {
            source: CommitError::Shape {
                what: "opened evaluations",
                ..
            },
            ..
        })
    ));
    let mut p = a.proof.clone();
    // Swapped openings state the other region's evaluations: GKR's input check (which
    // compares the stated evaluations with its final claims before the openings run)
    // rejects them at the first point.
    p.openings.swap(0, 1);
    assert_eq!(a.verify(&p), Err(VerifyError::InputClaim { claim: 0 }));
}

#[test]
fn circuits_reading_private_padding_are_refused() {
    // The transparent scheme fixes the private padding to zero; WHIR would let the prover
    // choose it, so a circuit whose gates read it is refused on both sides.
    let mut circuit = random::circuit(
        &Spec {
            log_widths: vec![14, 12, 10],
            fan_in: 1,
            num_public: 2,
            ..Spec::default()
        },
        5,
    );
    // The weights span filled: only the private padding is read here (the weights'
    // padding has its own test below).
    for r in &mut circuit.input.regions {
        if r.kind == RegionKind::Weights {
            r.len = 1 << r.log_len;
        }
    }
    let (region, slot) =
        prover::gkr::committed_padding_read(&circuit).expect("this circuit reads padding");
    assert_eq!(region, RegionKind::Private);
    let data = Data::random(&circuit, 5);
    assert_eq!(
        prover::prove_whir(&circuit, None, &data.witness(), CONTEXT).unwrap_err(),
        ProveError::ReadsCommittedPadding { region, slot }
    );
    // The verifier refuses before reading the proof: any proof (here an honest proof on the
    // padded-out circuit) is rejected.
    let full = whir_circuit(
        &Spec {
            log_widths: vec![14, 12, 10],
            fan_in: 1,
            num_public: 2,
            ..Spec::default()
        },
        5,
    );
    let mut data = Data::random(&full, 5);
    data.private
        .truncate(full.input.len_of(RegionKind::Private));
    let (proof, outputs) = prover::prove_whir(&full, None, &data.witness(), CONTEXT).unwrap();
    let wc = prover::whir_commit_weights(&full, &data.weights)
        .unwrap()
        .unwrap();
    let st = Statement {
        public: &data.public,
        outputs: &outputs,
        context: CONTEXT,
        weights_commitment: Some(wc.digest()),
    };
    prover::verify_whir(&full, &st, &proof).unwrap();
    assert_eq!(
        prover::verify_whir(&circuit, &st, &proof),
        Err(VerifyError::ReadsCommittedPadding { region, slot })
    );
    // The transparent scheme proves such circuits as before.
    let (tp, touts) =
        prover::prove_transparent(&circuit, &Data::random(&circuit, 5).witness(), CONTEXT).unwrap();
    let d = Data::random(&circuit, 5);
    let twc = prover::transparent_weights_commitment(&circuit, &d.weights);
    let st = Statement {
        public: &d.public,
        outputs: &touts,
        context: CONTEXT,
        weights_commitment: twc.as_ref(),
    };
    prover::verify_transparent(&circuit, &st, &tp).unwrap();
}

#[test]
fn openings_are_bound_to_lamina_transcript() {
    // The p3 challenger is seeded from lamina's transcript: the same opening checked
    // under another transcript state is rejected, and an accepted opening leaves prover
    // and verifier transcripts in the same state.
    let scheme = Whir::<E3>::default();
    let v = values(5000, 3);
    let pts: Vec<Vec<E3>> = vec![(0..13).map(|i| E3::from_u64(7 * i + 1)).collect()];
    let refs: Vec<&[E3]> = pts.iter().map(Vec::as_slice).collect();
    let (digest, data) = scheme.commit(&v, 13).unwrap();
    let mut tp = Transcript::new(b"t");
    tp.absorb(b"statement", b"one");
    let opening = scheme.open(data, &refs, &mut tp).unwrap();
    let mut tv = Transcript::new(b"t");
    tv.absorb(b"statement", b"one");
    let before = tv.clone();
    scheme
        .verify(&digest, 13, 5000, &refs, &opening, &mut tv)
        .unwrap();
    assert_eq!(tp.state(), tv.state());
    let mut other = Transcript::new(b"t");
    other.absorb(b"statement", b"two");
    // Another seed moves every p3 challenge: the queried positions move, and their
    // Merkle openings no longer authenticate.
    let r = scheme.verify(&digest, 13, 5000, &refs, &opening, &mut other);
    assert!(matches!(r, Err(CommitError::MerklePath(_))), "{r:?}");
    // The opening is absorbed: the next challenge after verifying equals that of a
    // transcript that took the seed squeeze *and* absorbed the opening's bytes, and
    // differs from one that only took the seed squeeze. (Comparing `state()` alone could
    // not tell: absorbed bytes stay pending until the next squeeze.)
    let mut a = before.clone();
    scheme
        .verify(&digest, 13, 5000, &refs, &opening, &mut a)
        .unwrap();
    let mut seed_only = before.clone();
    let _ = seed_only.challenge_seed(prover::transcript::labels::PCS_SEED);
    let mut seed_and_opening = seed_only.clone();
    let mut w = circuits::codec::Writer::new();
    prover::commit::Opening::encode(&opening, &mut w);
    seed_and_opening.absorb(prover::transcript::labels::PCS_PROOF, &w.into_bytes());
    let next: E3 = a.challenge(b"x");
    assert_eq!(next, seed_and_opening.challenge::<E3>(b"x"));
    assert_ne!(next, seed_only.challenge::<E3>(b"x"));
}

// ---- review F2: a proof's soundness, GKR and in-circuit challenges included ----

/// A circuit shaped like LeNet for the security accounting (nothing is proven with it):
/// private values `2^log_private` at offset 0, weights `2^16` right above them, thirty
/// layers of `2^18` slots, and one in-circuit challenge `X` squared twenty times (degree
/// 2^20 in `X`, as a LogUp argument over ≈ 2^20 queries and table rows has), its
/// constraint slot `X^(2^20) − X^(2^20)`. Sparse: a few gates per layer, the top slot
/// relayed so every width is backed.
fn lenet_shaped(log_private: u8) -> Circuit {
    use circuits::{AddGate, Coeff, ConstGate, ConstSource, InputLayout, Layer, MulGate, Region};
    let (log_weights, log_width, depth, squarings) = (16u8, 18u8, 30usize, 20usize);
    let private = Region {
        kind: RegionKind::Private,
        offset: 0,
        log_len: log_private,
        len: 1 << log_private,
    };
    let weights = Region {
        kind: RegionKind::Weights,
        offset: 1 << log_private,
        log_len: log_weights,
        len: 1 << log_weights,
    };
    let top = (1u32 << log_width) - 1;
    let mut layers = Vec::new();
    // Layer 1: a private value times a weight (two points on each region), the last
    // private value times the last weight in the top slot, and X in slot 1.
    let mut l = Layer::new(log_width);
    l.mul.push(MulGate {
        out: 0,
        in0: 0,
        in1: weights.offset,
        coeff: Coeff::ONE,
    });
    l.mul.push(MulGate {
        out: top,
        in0: private.len - 1,
        in1: weights.offset + weights.len - 1,
        coeff: Coeff::ONE,
    });
    l.constant.push(ConstGate {
        out: 1,
        coeff: Coeff::Challenge(0),
        source: ConstSource::One,
    });
    layers.push(l);
    for k in 2..=depth {
        let mut l = Layer::new(log_width);
        for s in [0, top] {
            l.add.push(AddGate {
                out: s,
                input: s,
                coeff: Coeff::ONE,
            });
        }
        if k <= 1 + squarings {
            l.mul.push(MulGate {
                out: 1,
                in0: 1,
                in1: 1,
                coeff: Coeff::ONE,
            });
        } else if k < depth {
            l.add.push(AddGate {
                out: 1,
                input: 1,
                coeff: Coeff::ONE,
            });
        } else {
            for c in [1, -1] {
                l.add.push(AddGate {
                    out: 1,
                    input: 1,
                    coeff: Coeff::Int(c),
                });
            }
        }
        layers.push(l);
    }
    let c = Circuit {
        input: InputLayout {
            log_width: log_private + 1,
            regions: vec![private, weights],
            gate_log_width: None,
        },
        layers,
        num_public: 0,
        num_challenges: 1,
        public_outputs: vec![0, top],
    };
    c.validate().unwrap();
    c
}

#[test]
fn gkr_soundness_follows_the_circuit() {
    // 30 layers of 2^18 slots over a 2^19 input; mul gates in layers 1..=21.
    let c = lenet_shaped(18);
    let s = prover::gkr::GkrSoundness::new(&c, 191);
    let expected = 18 + (2 * 19 + 2 * 19 + 1) + 20 * (2 * 18 + 2 * 18 + 1) + 9 * (2 * 18);
    assert_eq!(s.gkr_numerator, expected);
    assert!((s.gkr_bits - (191.0 - (expected as f64).log2())).abs() < 1e-9);
    assert_eq!(s.challenge_degree, 1 << 20);
    assert!((s.challenge_bits - 171.0).abs() < 1e-9);
    // No challenges: no challenge term.
    let plain = whir_circuit(&rich_spec(), 3);
    let s = prover::gkr::GkrSoundness::new(&plain, 191);
    assert_eq!(s.challenge_degree, 0);
    assert_eq!(s.challenge_bits, f64::INFINITY);
    // A compiled LogUp range check: the root numerator's degree covers queries and rows.
    let (program, compiled) = logup_program();
    let s = prover::gkr::GkrSoundness::new(&compiled.circuit, 191);
    let rows = program.lookup_table().len() as u64;
    assert!(
        s.challenge_degree >= rows,
        "{} < {rows}",
        s.challenge_degree
    );
}

#[test]
fn proof_security_at_lenet_sizes() {
    // Weights 2^16 and private 2^18, the default Ext3 scheme.
    let c = lenet_shaped(18);
    let s = prover::whir_proof_security(&c).unwrap();
    assert_eq!(s.regime, "JohnsonBound");
    assert_eq!(s.regions, vec![RegionKind::Weights, RegionKind::Private]);
    assert_eq!(
        s.openings
            .iter()
            .map(|o| o.num_variables)
            .collect::<Vec<_>>(),
        vec![16, 18]
    );
    // Layer 1 has mul gates: GKR leaves two points on each region, and the figure is
    // for two-point openings.
    assert_eq!(prover::gkr::opening_points(&c), 2);
    assert!(s.openings.iter().all(|o| o.num_points == 2));
    let min_opening = s
        .openings
        .iter()
        .map(|o| o.bits)
        .fold(f64::INFINITY, f64::min);
    let union = prover::commit::whir::proof_security_bits(&s.openings);
    // Two Johnson lists of ≈ 40 each: ≈ 10.6 bits charged on GKR and the challenges.
    assert!(
        (s.log2_max_candidates - 2.0 * s.openings[0].log2_max_candidates).abs() < 1e-9
            && s.log2_max_candidates > 10.0,
        "{s:?}"
    );
    let charged = s.gkr.gkr_bits.min(s.gkr.challenge_bits) - s.log2_max_candidates;
    assert!(
        s.charged_bits <= charged && s.charged_bits > charged - 1.0,
        "{s:?}"
    );
    eprintln!(
        "Ext3, weights 2^16 + private 2^18: proof {:.3} bits (openings {:.3} / {:.3}, union \
         {union:.3}; GKR {:.1}, challenges {:.1} (degree {}), charged over 2^{:.2} \
         candidates: {:.1})",
        s.bits,
        s.openings[0].bits,
        s.openings[1].bits,
        s.gkr.gkr_bits,
        s.gkr.challenge_bits,
        s.gkr.challenge_degree,
        s.log2_max_candidates,
        s.charged_bits
    );
    assert!(s.bits >= 100.0, "{s:?}");
    assert!(s.bits < min_opening, "{s:?}");
    assert!(s.bits <= union);

    // The Ext2 preset: refused at 2^18 (its range ends at 2^17), computed at the whole
    // LeNet's 2^17 private values, and below the Ext3 figure there.
    let ext2 = Whir::<GoldilocksExt2>::new(WhirParams::ext2_pow());
    assert!(matches!(
        prover::gkr::whir_proof_security(&ext2, &c),
        Err(ProveError::Commit(CommitError::Parameters(_)))
    ));
    let c17 = lenet_shaped(17);
    let e2 = prover::gkr::whir_proof_security(&ext2, &c17).unwrap();
    let e3 = prover::whir_proof_security(&c17).unwrap();
    eprintln!(
        "weights 2^16 + private 2^17: Ext3 {:.3} bits; Ext2 + PoW 16 {:.3} bits (openings \
         {:.3} / {:.3}; GKR {:.1}, challenges {:.1}, charged over 2^{:.2}: {:.1})",
        e3.bits,
        e2.bits,
        e2.openings[0].bits,
        e2.openings[1].bits,
        e2.gkr.gkr_bits,
        e2.gkr.challenge_bits,
        e2.log2_max_candidates,
        e2.charged_bits
    );
    assert!(e3.bits >= 100.0);
    assert!(e2.bits < e3.bits, "Ext2 {} vs Ext3 {}", e2.bits, e3.bits);
    assert_eq!(e2.gkr.field_bits, 127);
    assert_eq!(e3.gkr.field_bits, 191);
}

#[test]
fn proof_security_counts_the_points_the_prover_opens() {
    for (i, spec) in [rich_spec(), Spec::default()].iter().enumerate() {
        let circuit = whir_circuit(spec, 40 + i as u64);
        let data = Data::random(&circuit, 40);
        let (proof, _) = prover::prove_whir(&circuit, None, &data.witness(), CONTEXT).unwrap();
        let s = prover::whir_proof_security(&circuit).unwrap();
        assert_eq!(s.openings.len(), proof.openings.len());
        for (o, opening) in s.openings.iter().zip(&proof.openings) {
            assert_eq!(o.num_points, opening.evaluations().len());
        }
        assert!(s.bits >= 100.0, "{s:?}");
    }
    // A circuit WHIR refuses has no figure.
    let (region, slot) = (RegionKind::Weights, 7);
    assert_eq!(
        prover::whir_proof_security(&weights_padding_circuit()),
        Err(ProveError::ReadsCommittedPadding { region, slot })
    );
}

// ---- review F4: in-circuit challenges under WHIR ----

/// A compiled program with weights, a LogUp range check and in-circuit challenges:
/// `y = Σ w_i·x_i`, every `x_i` checked to 8 bits, `y` the output.
fn logup_program() -> (circuits::compiler::Program, circuits::compiler::Compiled) {
    use circuits::compiler::{Builder, Label};
    let mut b = Builder::new();
    let w = b.weights(8);
    let x = b.hints(8);
    for (i, &v) in x.iter().enumerate() {
        b.range_check(v, 8, Label::new("test", 1, i as u32));
    }
    let y = b.dot(&w, &x);
    b.output(y);
    let p = b.finish().unwrap();
    let c = p.compile().unwrap();
    (p, c)
}

#[test]
fn roundtrip_with_in_circuit_challenges() {
    // A compiled LogUp range check (its challenges X and the constraint coefficients).
    let (program, compiled) = logup_program();
    let circuit = &compiled.circuit;
    assert!(circuit.num_challenges > 0);
    let w = [3i64, -1, 4, 1, -5, 9, 2, -6];
    let x = [7i64, 200, 0, 255, 31, 64, 1, 128];
    let solved = program.solve(&[], &w, &x).unwrap();
    let fw = prover::FieldWitness::from_solved(&solved);
    let cw = prover::whir_commit_weights(circuit, &fw.weights).unwrap();
    let (proof, outputs) =
        prover::prove_whir(circuit, cw.as_ref(), &fw.witness(), CONTEXT).unwrap();
    let y: i64 = w.iter().zip(&x).map(|(a, b)| a * b).sum();
    assert_eq!(outputs, vec![F::from_i64(y)]);
    let st = Statement {
        public: &fw.public,
        outputs: &outputs,
        context: CONTEXT,
        weights_commitment: cw.as_ref().map(|c| c.digest()),
    };
    prover::verify_whir_bytes(circuit, &st, &proof.to_bytes()).unwrap();
    // A digit out of range: the honest prover refuses, and a forced proof is rejected.
    let mut bad = fw.clone();
    let at = bad
        .private
        .iter()
        .position(|&v| v == F::from_u64(200))
        .unwrap();
    bad.private[at] = F::from_u64(256);
    assert!(matches!(
        prover::prove_whir(circuit, cw.as_ref(), &bad.witness(), CONTEXT),
        Err(ProveError::Unsatisfied { .. })
    ));
    // Random circuits with challenges in their constraint slots.
    for (seed, challenges) in [(1u64, 1u32), (2, 3)] {
        let circuit = whir_circuit(
            &Spec {
                num_challenges: challenges,
                zero_outputs: 2,
                ..rich_spec()
            },
            seed,
        );
        let data = Data::random(&circuit, seed);
        let cw = prover::whir_commit_weights(&circuit, &data.weights).unwrap();
        let (proof, outputs) =
            prover::prove_whir(&circuit, cw.as_ref(), &data.witness(), CONTEXT).unwrap();
        let st = Statement {
            public: &data.public,
            outputs: &outputs,
            context: CONTEXT,
            weights_commitment: cw.as_ref().map(|c| c.digest()),
        };
        prover::verify_whir_bytes(&circuit, &st, &proof.to_bytes()).unwrap();
    }
}

#[test]
fn attack_private_commitment_swapped_for_another_valid_one() {
    // The private commitment is bound before the in-circuit challenges are drawn: any
    // other (valid) commitment moves every challenge, and a GKR sumcheck fails before any
    // opening is looked at. (Here the output layer is constraint slots `v − v`, zero at
    // any point, so the first claim the moved challenges change is layer 1's.)
    let circuit = whir_circuit(
        &Spec {
            num_challenges: 2,
            zero_outputs: 2,
            log_widths: vec![13, 11, 9],
            ..Spec::default()
        },
        12,
    );
    let data = Data::random(&circuit, 12);
    let cw = prover::whir_commit_weights(&circuit, &data.weights)
        .unwrap()
        .unwrap();
    let (proof, outputs) =
        prover::prove_whir(&circuit, Some(&cw), &data.witness(), CONTEXT).unwrap();
    let st = Statement {
        public: &data.public,
        outputs: &outputs,
        context: CONTEXT,
        weights_commitment: Some(cw.digest()),
    };
    prover::verify_whir(&circuit, &st, &proof).unwrap();
    let r = circuit.input.region(RegionKind::Private).unwrap();
    let other = values(r.len as usize, 99);
    let (digest, _) = prover::whir_scheme().commit(&other, r.log_len).unwrap();
    assert_ne!(digest, proof.commitments[1]);
    let first_sumcheck = |res: Result<(), VerifyError>| {
        assert_eq!(
            res,
            Err(VerifyError::Sumcheck {
                layer: 1,
                phase: 1,
                source: prover::sumcheck::SumcheckError::Sum { round: 0 }
            })
        );
    };
    // The commitment alone swapped.
    let mut p = proof.clone();
    p.commitments[1] = digest;
    first_sumcheck(prover::verify_whir(&circuit, &st, &p));
    // Commitment and opening both from an honest proof on the other private values.
    let other_data = Data {
        private: other,
        ..Data::random(&circuit, 12)
    };
    let (other_proof, other_outputs) =
        prover::prove_whir(&circuit, Some(&cw), &other_data.witness(), CONTEXT).unwrap();
    assert_eq!(other_proof.commitments[1], digest);
    assert_eq!(
        other_outputs, outputs,
        "constraint circuits: no public outputs"
    );
    let mut p = proof.clone();
    p.commitments[1] = digest;
    p.openings[1] = other_proof.openings[1].clone();
    first_sumcheck(prover::verify_whir(&circuit, &st, &p));
}

// ---- review F5: the consistent split between the two openings ----

/// The verifier's input-layer points for `proof` (replaying its transcript: the GKR
/// messages do not depend on the opened values).
fn input_points(circuit: &Circuit, st: &Statement<'_, F>, proof: &WhirProof) -> Vec<Vec<E3>> {
    use prover::transcript::labels;
    let mut t = prover::statement::bind_statement::<F, E3>(
        &prover::whir_scheme().id(),
        &circuit.digest(),
        st,
        &proof.commitments,
    );
    let _: Vec<E3> = t.challenges_bulk(labels::CIRCUIT_CHALLENGE, circuit.num_challenges as usize);
    let _: Vec<E3> = t.challenges(labels::OUTPUT_POINT, circuit.output_log_width() as usize);
    let rounds = |t: &mut Transcript, polys: &[prover::sumcheck::RoundPoly<E3>]| {
        polys
            .iter()
            .map(|p| {
                t.absorb_field(labels::ROUND_POLY, &p.0);
                t.challenge::<E3>(labels::ROUND_CHALLENGE)
            })
            .collect::<Vec<E3>>()
    };
    let mut points = Vec::new();
    for lp in &proof.layers {
        let rx = rounds(&mut t, &lp.phase1);
        t.absorb_field(labels::VX, &[lp.vx]);
        points = vec![rx];
        if let Some(p2) = &lp.phase2 {
            let ry = rounds(&mut t, &p2.rounds);
            t.absorb_field(labels::VY, &[p2.vy]);
            let _: E3 = t.challenge(labels::COMBINE);
            points.push(ry);
        }
    }
    points
}

#[test]
fn attack_consistent_split_between_the_openings() {
    // Shift the weights evaluation by δ/eq_w and the private one by −δ/eq_p: GKR's input
    // check Σ_r eq_r·eval_r = vx still balances, so only the weights opening (checked
    // first) can catch it.
    let a = Attack::new(13);
    let st = a.statement();
    let points = input_points(&a.circuit, &st, &a.proof);
    let regions = prover::gkr::committed_regions(&a.circuit);
    assert_eq!(regions[0].kind, RegionKind::Weights);
    let eq = |r: &circuits::Region, p: &[E3]| {
        mle::eq_at_index(&p[r.log_len as usize..], (r.offset >> r.log_len) as usize)
    };
    let delta = E3::from_u64(0xdead_beef);
    let mut p = a.proof.clone();
    for (i, r) in regions.iter().enumerate() {
        let e = eq(r, &points[0]);
        let shift = if i == 0 { delta } else { -delta };
        let old = p.openings[i].proof.evals[0].current()[0];
        let new = old + shift * e.inverse().unwrap();
        p.openings[i].proof.evals[0] = OpeningBatch::new(vec![new], vec![]);
    }
    // The split is consistent: Σ eq·eval is unchanged.
    let total = |pr: &WhirProof| -> E3 {
        regions
            .iter()
            .zip(&pr.openings)
            .map(|(r, o)| eq(r, &points[0]) * o.evaluations()[0])
            .sum()
    };
    assert_eq!(total(&p), total(&a.proof));
    let r = a.verify(&p);
    assert!(
        matches!(
            r,
            Err(VerifyError::Opening {
                region: RegionKind::Weights,
                source: CommitError::MerklePath(_)
                    | CommitError::FoldingRound(_)
                    | CommitError::Query(_)
            })
        ),
        "{r:?}"
    );
}

/// A lying prover: commits its own weights but names another model's root for them (the
/// same scheme id, so the statement binds the same way); the private region is honest.
struct NamesAnotherRoot {
    root: prover::commit::Digest,
    weights_log_len: u8,
}

impl CommitmentScheme<F, E3> for NamesAnotherRoot {
    const ZERO_PADDING: bool = false;
    type ProverData = prover::WhirData<E3>;
    type Opening = WhirOpening<E3>;
    fn id(&self) -> std::borrow::Cow<'static, str> {
        prover::whir_scheme().id()
    }
    fn commit(
        &self,
        values: &[F],
        log_len: u8,
    ) -> Result<(prover::commit::Digest, Self::ProverData), CommitError> {
        let (digest, data) = prover::whir_scheme().commit(values, log_len)?;
        if log_len == self.weights_log_len {
            Ok((self.root, data))
        } else {
            Ok((digest, data))
        }
    }
    fn open(
        &self,
        data: Self::ProverData,
        points: &[&[E3]],
        t: &mut Transcript,
    ) -> Result<Self::Opening, CommitError> {
        prover::whir_scheme().open(data, points, t)
    }
    fn claimed_evaluations(&self, opening: &Self::Opening) -> Option<Vec<E3>> {
        Some(opening.evaluations())
    }
    fn verify(
        &self,
        commitment: &prover::commit::Digest,
        log_len: u8,
        len: usize,
        points: &[&[E3]],
        opening: &Self::Opening,
        t: &mut Transcript,
    ) -> Result<Vec<E3>, CommitError> {
        prover::whir_scheme().verify(commitment, log_len, len, points, opening, t)
    }
}

#[test]
fn attack_weights_proven_under_another_models_root() {
    // GKR runs honestly on a's weights, but the proof names b's root for them: statement,
    // transcript, GKR and the input check all agree, so only the weights opening (which
    // observes the verifier's root, b's) can reject it.
    let a = Attack::new(14);
    let b = Attack::new(15);
    let w = a.circuit.input.region(RegionKind::Weights).unwrap();
    assert_ne!(
        w.log_len,
        a.circuit.input.region(RegionKind::Private).unwrap().log_len
    );
    let liar = NamesAnotherRoot {
        root: *b.weights.digest(),
        weights_log_len: w.log_len,
    };
    let cw = prover::gkr::commit_weights::<F, E3, _>(&liar, &a.circuit, &a.data.weights)
        .unwrap()
        .unwrap();
    assert_eq!(cw.digest(), b.weights.digest());
    let prepared = prover::gkr::PreparedCircuit::new(&a.circuit).unwrap();
    let (p, outputs) =
        prover::gkr::prove_with_weights(&liar, &prepared, Some(&cw), &a.data.witness(), CONTEXT)
            .unwrap();
    assert_eq!(p.commitments[0], *b.weights.digest());
    let st = Statement {
        outputs: &outputs,
        weights_commitment: Some(b.weights.digest()),
        ..a.statement()
    };
    let r = prover::verify_whir(&a.circuit, &st, &p);
    assert!(
        matches!(
            r,
            Err(VerifyError::Opening {
                region: RegionKind::Weights,
                ..
            })
        ),
        "{r:?}"
    );
}

// ---- review F6: the verifier's floor ----

#[test]
fn verifier_refuses_parameters_below_the_floor() {
    // However the scheme was built (here 64 bits asked for), the verifier refuses to
    // check openings below MIN_VERIFIER_BITS; the prover still makes them.
    let weak = Whir::<E3>::new(WhirParams {
        security_bits: 64,
        ..WhirParams::default()
    });
    let s = weak.security(12, 1).unwrap();
    assert!(s.bits < prover::commit::whir::MIN_VERIFIER_BITS, "{s:?}");
    let v = values(3000, 4);
    let pt: Vec<E3> = (0..12).map(|i| E3::from_u64(i + 5)).collect();
    let (digest, data) = weak.commit(&v, 12).unwrap();
    let opening = weak
        .open(data, &[pt.as_slice()], &mut Transcript::new(b"t"))
        .unwrap();
    let r = weak.verify(
        &digest,
        12,
        3000,
        &[pt.as_slice()],
        &opening,
        &mut Transcript::new(b"t"),
    );
    match r {
        Err(CommitError::Parameters(m)) => assert!(m.contains("MIN_VERIFIER_BITS"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A whole proof made and checked with the weak scheme.
    let circuit = whir_circuit(&rich_spec(), 6);
    let data = Data::random(&circuit, 6);
    let cw = prover::gkr::commit_weights::<F, E3, _>(&weak, &circuit, &data.weights).unwrap();
    let prepared = prover::gkr::PreparedCircuit::new(&circuit).unwrap();
    let (proof, outputs) =
        prover::gkr::prove_with_weights(&weak, &prepared, cw.as_ref(), &data.witness(), CONTEXT)
            .unwrap();
    let st = Statement {
        public: &data.public,
        outputs: &outputs,
        context: CONTEXT,
        weights_commitment: cw.as_ref().map(|c| c.digest()),
    };
    assert!(matches!(
        prover::gkr::verify(&weak, &circuit, &st, &proof),
        Err(VerifyError::Opening {
            region: RegionKind::Weights,
            source: CommitError::Parameters(_)
        })
    ));
}

// ---- review F7: proof-supplied counts bounded at decode ----

#[test]
fn decoder_bounds_rounds_and_evaluations() {
    use prover::commit::Opening;
    let decode = |bytes: &[u8]| {
        WhirOpening::<E3>::decode(&mut circuits::codec::Reader::new(bytes)).map(|_| ())
    };
    // Nine evaluations (MAX_POINTS is 8), with the bytes for them present.
    let mut w = circuits::codec::Writer::new();
    w.u8(prover::commit::whir::OPENING_FORMAT_VERSION);
    w.length(prover::commit::whir::MAX_POINTS + 1);
    for _ in 0..=prover::commit::whir::MAX_POINTS {
        Field::encode(&E3::ONE, &mut w);
    }
    let mut bytes = w.into_bytes();
    bytes.extend_from_slice(&[0u8; 4096]);
    let too_many = prover::commit::whir::MAX_POINTS as u64 + 1;
    assert!(matches!(
        decode(&bytes),
        Err(circuits::DecodeError::Length {
            len,
            what: "opening evaluations (more than MAX_POINTS)",
            ..
        }) if len == too_many
    ));
    // Twenty-nine rounds (MAX_VARIABLES is 28), with bytes for every one of them.
    let mut w = circuits::codec::Writer::new();
    w.u8(prover::commit::whir::OPENING_FORMAT_VERSION);
    w.length(1);
    Field::encode(&E3::ONE, &mut w);
    w.length(0); // initial OOD answers
    w.length(0); // initial sumcheck messages
    w.length(0); // and proof-of-work witnesses
    w.length(usize::from(prover::commit::whir::MAX_VARIABLES) + 1);
    let mut bytes = w.into_bytes();
    bytes.extend_from_slice(&[0u8; 64 * 1024]);
    assert!(matches!(
        decode(&bytes),
        Err(circuits::DecodeError::Length {
            len: 29,
            what: "WHIR rounds (more than MAX_VARIABLES)",
            ..
        })
    ));
}

// ---- review F8: the weights' padding too ----

/// Private `x[0..4]`, weights `w[0..3]` in a span of 4: layer 1 reads `x0·w0` and slot 7,
/// the weights' padding.
fn weights_padding_circuit() -> Circuit {
    use circuits::{AddGate, Coeff, InputLayout, Layer, MulGate, Region};
    let mut layer = Layer::new(1);
    layer.mul.push(MulGate {
        out: 0,
        in0: 0,
        in1: 4,
        coeff: Coeff::ONE,
    });
    layer.add.push(AddGate {
        out: 1,
        input: 7,
        coeff: Coeff::ONE,
    });
    let c = Circuit {
        input: InputLayout {
            log_width: 3,
            regions: vec![
                Region {
                    kind: RegionKind::Private,
                    offset: 0,
                    log_len: 2,
                    len: 4,
                },
                Region {
                    kind: RegionKind::Weights,
                    offset: 4,
                    log_len: 2,
                    len: 3,
                },
            ],
            gate_log_width: None,
        },
        layers: vec![layer],
        public_outputs: vec![0, 1],
        ..Circuit::default()
    };
    c.validate().unwrap();
    c
}

#[test]
fn circuits_reading_weights_padding_are_refused() {
    let circuit = weights_padding_circuit();
    let (region, slot) = (RegionKind::Weights, 7);
    assert_eq!(
        prover::gkr::committed_padding_read(&circuit),
        Some((region, slot))
    );
    let private = values(4, 1);
    let weights = values(3, 2);
    let witness = prover::Witness {
        public: &[],
        weights: &weights,
        private: &private,
    };
    assert_eq!(
        prover::prove_whir(&circuit, None, &witness, CONTEXT).unwrap_err(),
        ProveError::ReadsCommittedPadding { region, slot }
    );
    // The verifier refuses before reading the proof: an honest proof on the circuit with
    // the weights span filled (a zero in slot 7) is rejected for this one.
    let mut full = circuit.clone();
    full.input.regions[1].len = 4;
    let mut padded = weights.clone();
    padded.push(F::ZERO);
    let cw = prover::whir_commit_weights(&full, &padded)
        .unwrap()
        .unwrap();
    let witness = prover::Witness {
        weights: &padded,
        ..witness
    };
    let (proof, outputs) = prover::prove_whir(&full, Some(&cw), &witness, CONTEXT).unwrap();
    let st = Statement {
        public: &[],
        outputs: &outputs,
        context: CONTEXT,
        weights_commitment: Some(cw.digest()),
    };
    prover::verify_whir(&full, &st, &proof).unwrap();
    assert_eq!(
        prover::verify_whir(&circuit, &st, &proof),
        Err(VerifyError::ReadsCommittedPadding { region, slot })
    );
    // The transparent scheme proves it (its padding is zero by construction).
    let (tp, touts) = prover::prove_transparent(
        &circuit,
        &prover::Witness {
            weights: &weights,
            ..witness
        },
        CONTEXT,
    )
    .unwrap();
    let twc = prover::transparent_weights_commitment(&circuit, &weights);
    let st = Statement {
        outputs: &touts,
        weights_commitment: twc.as_ref(),
        ..st
    };
    prover::verify_transparent(&circuit, &st, &tp).unwrap();
}
