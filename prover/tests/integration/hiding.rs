//! Hiding WHIR commitments (`prover::commit::hiding`): round trips at several sizes and
//! point counts against the brute-force multilinear extension (P7), reproducible bytes
//! from a seed and fresh ones from the OS, the security figure and the minimum size,
//! the named tampers (each rejected with its own error), and a no-panic loop over
//! random mutations of an honest encoding.

use circuits::DecodeError;
use circuits::random::{self, Rng};
use p3_whir::QueryOpenings;
use prover::commit::hiding::{HIDING_MAX_POINTS, HidingPcsProof};
use prover::commit::{
    CommitError, HIDING_MIN_VARIABLES, HidingOpening, HidingParams, HidingScheme, HidingWhir,
    WhirParams, ZkRng,
};
use prover::transcript::Transcript;
use prover::{Field, Goldilocks, GoldilocksExt3, mle};
use std::panic::{AssertUnwindSafe, catch_unwind};

type F = Goldilocks;
type E = GoldilocksExt3;
const LABEL: &[u8] = b"hiding-test";

fn values(n: usize, seed: u64) -> Vec<F> {
    random::values(n, seed)
        .into_iter()
        .map(F::from_u64)
        .collect()
}

fn ext(rng: &mut Rng) -> E {
    let bytes: Vec<u8> = (0..<E as Field>::UNIFORM_BYTES)
        .map(|_| rng.next_u64() as u8)
        .collect();
    E::from_uniform_bytes(&bytes)
}

fn seed(b: u8) -> ZkRng {
    ZkRng::Seeded([b; 32])
}

/// One honest commitment and opening.
struct Case {
    scheme: HidingWhir<E>,
    log_len: u8,
    len: usize,
    values: Vec<F>,
    points: Vec<Vec<E>>,
    digest: [u8; 32],
    opening: HidingOpening<E>,
}

impl Case {
    fn new(log_len: u8, len: usize, k: usize, s: u64, rng: ZkRng) -> Case {
        let scheme = HidingWhir::<E>::default();
        let values = values(len, s);
        let mut r = Rng::new(s ^ 0x5eed);
        let points: Vec<Vec<E>> = (0..k)
            .map(|_| (0..log_len).map(|_| ext(&mut r)).collect())
            .collect();
        let (digest, data) = scheme.commit(&values, log_len, rng).unwrap();
        let mut tp = Transcript::new(LABEL);
        let refs: Vec<&[E]> = points.iter().map(Vec::as_slice).collect();
        let opening = scheme.open(data, &refs, &mut tp).unwrap();
        Case {
            scheme,
            log_len,
            len,
            values,
            points,
            digest,
            opening,
        }
    }

    fn verify_with(
        &self,
        digest: &[u8; 32],
        points: &[Vec<E>],
        opening: &HidingOpening<E>,
    ) -> Result<Vec<E>, CommitError> {
        let refs: Vec<&[E]> = points.iter().map(Vec::as_slice).collect();
        let mut tv = Transcript::new(LABEL);
        self.scheme
            .verify(digest, self.log_len, self.len, &refs, opening, &mut tv)
    }

    fn verify(&self, opening: &HidingOpening<E>) -> Result<Vec<E>, CommitError> {
        self.verify_with(&self.digest, &self.points, opening)
    }

    fn tampered(&self, f: impl FnOnce(&mut HidingPcsProof<E>)) -> HidingOpening<E> {
        let mut o = self.opening.clone();
        f(&mut o.proof);
        o
    }
}

#[test]
fn round_trip_evaluations_are_the_multilinear_extension() {
    // Below the minimum (padded), at it, and above; partial regions; 1 to 4 points.
    for (log_len, len, k) in [
        (1u8, 2usize, 1usize),
        (3, 5, 2),
        (HIDING_MIN_VARIABLES, 1 << HIDING_MIN_VARIABLES, 3),
        (11, 1500, 1),
        (12, 4096, 4),
        (14, 10_000, 2),
        // Above 2^18: folding 5, still three folds (`HidingWhir::folding_factor`).
        (19, 300_000, 2),
    ] {
        let s = u64::from(log_len) * 10 + k as u64;
        let c = Case::new(log_len, len, k, s, seed(log_len));
        let refs: Vec<&[E]> = c.points.iter().map(Vec::as_slice).collect();
        let mut tp = Transcript::new(LABEL);
        // Re-run the prover's transcript to compare states: open absorbs the same bytes.
        let _ = tp.challenge_seed(prover::transcript::labels::PCS_SEED);
        tp.absorb(prover::transcript::labels::PCS_PROOF, &c.opening.to_bytes());
        let mut tv = Transcript::new(LABEL);
        let evals = c
            .scheme
            .verify(&c.digest, log_len, len, &refs, &c.opening, &mut tv)
            .unwrap_or_else(|e| panic!("2^{log_len}, {k} points: {e}"));
        assert_eq!(tp.state(), tv.state(), "transcripts diverge at 2^{log_len}");
        assert_eq!(evals.len(), k);
        for (p, e) in refs.iter().zip(&evals) {
            assert_eq!(*e, mle::evaluate_base::<F, E>(&c.values, p), "2^{log_len}");
        }
        assert_eq!(c.scheme.claimed_evaluations(&c.opening), Some(evals));
        // The encoding round-trips exactly.
        let bytes = c.opening.to_bytes();
        assert_eq!(HidingOpening::<E>::from_bytes(&bytes).unwrap(), c.opening);
        // A wrong point is refused at every size (the schedule differs above 2^18).
        let mut wrong = c.points.clone();
        wrong[0][0] += E::ONE;
        assert!(
            c.verify_with(&c.digest, &wrong, &c.opening).is_err(),
            "2^{log_len}"
        );
    }
}

#[test]
fn seeded_commitments_repeat_system_ones_differ() {
    let a = Case::new(11, 2048, 2, 7, seed(1));
    let b = Case::new(11, 2048, 2, 7, seed(1));
    assert_eq!(a.digest, b.digest);
    assert_eq!(a.opening.to_bytes(), b.opening.to_bytes());
    let c = Case::new(11, 2048, 2, 7, seed(2));
    assert_ne!(a.digest, c.digest);
    let s1 = Case::new(11, 2048, 2, 7, ZkRng::System);
    let s2 = Case::new(11, 2048, 2, 7, ZkRng::System);
    assert_ne!(s1.digest, s2.digest);
    assert_ne!(s1.opening.to_bytes(), s2.opening.to_bytes());
    for c in [&a, &c, &s1, &s2] {
        c.verify(&c.opening).unwrap();
    }
    // Hiding: the same values under other randomness share no stated value but the
    // evaluations, and the digests differ.
    assert_eq!(s1.opening.evaluations(), s2.opening.evaluations());
    assert_ne!(
        s1.opening.proof.base_case.blinded_message,
        s2.opening.proof.base_case.blinded_message
    );
    // The seed is never printed.
    assert_eq!(format!("{:?}", seed(9)), "ZkRng::Seeded(<redacted>)");
}

#[test]
fn security_figure_and_minimum_size() {
    let scheme = HidingWhir::<E>::default();
    for log_len in [1u8, 10, 12, 14, 15, 16, 18] {
        for k in [1, HIDING_MAX_POINTS] {
            let s = scheme.security(log_len, k).unwrap();
            assert!(s.bits >= 101.0, "2^{log_len}, {k} points: {s:?}");
            assert!(s.bits <= s.plain_bits && s.bits <= s.mask_bits && s.bits <= s.base_case_bits);
            assert_eq!(
                s.num_variables,
                usize::from(log_len.max(HIDING_MIN_VARIABLES))
            );
            assert_eq!(s.regime, "JohnsonBound");
        }
    }
    // Above 2^18 the fold grows so the schedule keeps to three folds (module doc); the
    // figure holds to 2^24 and is refused from 2^25.
    for (log_len, fold) in [(18u8, 4), (19, 5), (21, 5), (22, 6), (24, 6)] {
        assert_eq!(
            scheme.folding_factor(usize::from(log_len)),
            fold,
            "2^{log_len}"
        );
    }
    for log_len in [19u8, 21, 22, 24] {
        let s = scheme.security(log_len, HIDING_MAX_POINTS).unwrap();
        assert!(s.bits >= 101.0, "2^{log_len}: {s:?}");
    }
    match scheme.security(25, 1) {
        Err(CommitError::Parameters(s)) => assert!(s.contains("folding 7 at this size"), "{s}"),
        other => panic!("{other:?}"),
    }
    // Every larger size is refused with an error, never a panic, up to the most WHIR
    // commits and past it.
    for log_len in 26u8..=30 {
        assert!(
            matches!(scheme.security(log_len, 1), Err(CommitError::Parameters(_))),
            "2^{log_len}"
        );
    }
    // The minimum is the measured one: accepted there, refused one below by p3's slack rule.
    scheme.check_variables(HIDING_MIN_VARIABLES).unwrap();
    match scheme.check_variables(HIDING_MIN_VARIABLES - 1) {
        Err(CommitError::Parameters(s)) => assert!(s.contains("spare codeword rows"), "{s}"),
        other => panic!("{other:?}"),
    }
    // No point, or more than the maximum, is refused before p3 sees it.
    for k in [0, HIDING_MAX_POINTS + 1] {
        assert!(matches!(
            scheme.security(12, k),
            Err(CommitError::Shape {
                what: "opening points",
                ..
            })
        ));
    }
}

#[test]
fn verifier_floor_refuses_weak_parameters() {
    // An opening made at 80 bits proves, but no verifier accepts it (MIN_VERIFIER_BITS).
    let weak = HidingWhir::<E>::new(HidingParams {
        whir: WhirParams {
            security_bits: 80,
            ..WhirParams::default()
        },
        ..HidingParams::default()
    });
    let v = values(1024, 3);
    let p: Vec<E> = (0..10).map(|i| E::from_u64(i + 2)).collect();
    let (d, data) = weak.commit(&v, 10, seed(3)).unwrap();
    let mut tp = Transcript::new(LABEL);
    let o = weak.open(data, &[&p], &mut tp).unwrap();
    let mut tv = Transcript::new(LABEL);
    match weak.verify(&d, 10, 1024, &[&p], &o, &mut tv) {
        Err(CommitError::Parameters(s)) => assert!(s.contains("MIN_VERIFIER_BITS"), "{s}"),
        other => panic!("{other:?}"),
    }
}

fn bump(e: &mut E) {
    *e += E::ONE;
}

/// A case with a code-switching round (2^12 at fold 4: one round) and two points.
fn tamper_case() -> Case {
    let c = Case::new(12, 4096, 2, 42, seed(42));
    assert!(!c.opening.proof.rounds.is_empty());
    c
}

#[test]
fn tamper_changed_evaluation() {
    let c = tamper_case();
    for i in 0..2 {
        let o = c.tampered(|p| bump(&mut p.evals[i]));
        // The claims are bound before any challenge: every draw moves, and the first
        // check that sees it is the round-0 query openings (other positions).
        let e = c.verify(&o).unwrap_err();
        assert!(matches!(e, CommitError::MerklePath(_)), "{e:?}");
    }
}

#[test]
fn tamper_merkle_leaf() {
    let c = tamper_case();
    let o = c.tampered(|p| match &mut p.rounds[0].openings {
        QueryOpenings::Base(o) => o.rows[0][0] += F::ONE,
        QueryOpenings::Extension(_) => panic!("round 0 opens the base-field oracle"),
    });
    let e = c.verify(&o).unwrap_err();
    assert!(matches!(e, CommitError::MerklePath(_)), "{e:?}");
    // The folded (extension-field) oracle's leaf, opened by the base case.
    let o = c.tampered(|p| match &mut p.base_case.source_openings {
        QueryOpenings::Extension(o) => bump(&mut o.rows[0][0]),
        QueryOpenings::Base(_) => panic!("after a round the source oracle is folded"),
    });
    let e = c.verify(&o).unwrap_err();
    assert!(matches!(e, CommitError::MerklePath(_)), "{e:?}");
}

#[test]
fn tamper_sumcheck_message() {
    let c = tamper_case();
    // The masked sumcheck rebuilds c1 from the running claim (no local check), but every
    // message is absorbed. In the first batch the round-0 query positions then move and
    // their openings no longer authenticate; the last batch (after the last round's
    // queries) is caught by the base case's target identity, checked before its own
    // spot positions are drawn.
    for (batch, final_check) in [(0, false), (1, true)] {
        let o = c.tampered(|p| bump(&mut p.sumchecks[batch].round_coefficients[0][0]));
        let e = c.verify(&o).unwrap_err();
        let o = c.tampered(|p| bump(&mut p.sumchecks[batch].mu_tilde));
        let e2 = c.verify(&o).unwrap_err();
        for e in [e, e2] {
            if final_check {
                assert!(matches!(e, CommitError::FinalPolynomial(_)), "{e:?}");
            } else {
                assert!(matches!(e, CommitError::MerklePath(_)), "{e:?}");
            }
        }
    }
}

#[test]
fn tamper_mask_opening() {
    let c = tamper_case();
    let o = c.tampered(|p| bump(&mut p.base_case.mask_openings[0].carried.rows[0][0]));
    let e = c.verify(&o).unwrap_err();
    assert!(matches!(e, CommitError::MerklePath(_)), "{e:?}");
    let o = c.tampered(|p| bump(&mut p.base_case.mask_openings[1].fresh.rows[0][0]));
    let e = c.verify(&o).unwrap_err();
    assert!(matches!(e, CommitError::MerklePath(_)), "{e:?}");
    // A revealed (blinded) mask: its message enters the base case's target identity,
    // checked before the spot positions are drawn; its randomness only the spot checks,
    // whose positions it moves (the reveals are absorbed first).
    let o = c.tampered(|p| bump(&mut p.base_case.blinded_masks[0].randomness[0]));
    let e = c.verify(&o).unwrap_err();
    assert!(matches!(e, CommitError::MerklePath(_)), "{e:?}");
    let o = c.tampered(|p| bump(&mut p.base_case.blinded_masks[0].message[0]));
    let e = c.verify(&o).unwrap_err();
    assert!(matches!(e, CommitError::FinalPolynomial(_)), "{e:?}");
}

#[test]
fn tamper_truncated_and_trailing_bytes() {
    let c = tamper_case();
    let bytes = c.opening.to_bytes();
    // One byte short: the last Merkle digest count no longer fits the bytes left.
    assert!(matches!(
        HidingOpening::<E>::from_bytes(&bytes[..bytes.len() - 1]),
        Err(DecodeError::Length { .. })
    ));
    // Cut inside a fixed-width field.
    assert!(matches!(
        HidingOpening::<E>::from_bytes(&bytes[..3]),
        Err(DecodeError::Truncated { .. })
    ));
    let mut long = bytes.clone();
    long.push(0);
    assert!(matches!(
        HidingOpening::<E>::from_bytes(&long),
        Err(DecodeError::TrailingBytes { count: 1 })
    ));
    let mut v = bytes;
    v[0] = 2;
    assert!(matches!(
        HidingOpening::<E>::from_bytes(&v),
        Err(DecodeError::Tag { tag: 2, .. })
    ));
}

#[test]
fn tamper_wrong_commitment() {
    let c = tamper_case();
    let mut d = c.digest;
    d[0] ^= 1;
    let e = c.verify_with(&d, &c.points, &c.opening).unwrap_err();
    assert!(matches!(e, CommitError::MerklePath(_)), "{e:?}");
    // Another honest commitment to the same values (other randomness).
    let other = Case::new(12, 4096, 2, 42, seed(43));
    let e = c
        .verify_with(&other.digest, &c.points, &c.opening)
        .unwrap_err();
    assert!(matches!(e, CommitError::MerklePath(_)), "{e:?}");
    let e = c.verify_with(&[0; 32], &c.points, &c.opening).unwrap_err();
    assert_eq!(e, CommitError::NullCommitment);
}

#[test]
fn tamper_wrong_point() {
    let c = tamper_case();
    let mut pts = c.points.clone();
    bump(&mut pts[1][3]);
    // The points are bound with the claims: every draw moves (as a changed evaluation).
    let e = c.verify_with(&c.digest, &pts, &c.opening).unwrap_err();
    assert!(matches!(e, CommitError::MerklePath(_)), "{e:?}");
    // Swapped points.
    pts = c.points.clone();
    pts.swap(0, 1);
    let e = c.verify_with(&c.digest, &pts, &c.opening).unwrap_err();
    assert!(matches!(e, CommitError::MerklePath(_)), "{e:?}");
    // Wrong arity, and fewer points than evaluations: refused before p3.
    pts = c.points.clone();
    pts[0].pop();
    let e = c.verify_with(&c.digest, &pts, &c.opening).unwrap_err();
    assert!(
        matches!(
            e,
            CommitError::Shape {
                what: "point coordinates",
                ..
            }
        ),
        "{e:?}"
    );
    let e = c
        .verify_with(&c.digest, &c.points[..1], &c.opening)
        .unwrap_err();
    assert!(
        matches!(
            e,
            CommitError::Shape {
                what: "evaluations",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn tamper_transcript_and_shape() {
    let c = tamper_case();
    // Another transcript: the seeded challenger differs from the prover's.
    let refs: Vec<&[E]> = c.points.iter().map(Vec::as_slice).collect();
    let mut tv = Transcript::new(b"another-protocol");
    let e = c
        .scheme
        .verify(&c.digest, c.log_len, c.len, &refs, &c.opening, &mut tv)
        .unwrap_err();
    assert!(
        matches!(
            e,
            CommitError::MerklePath(_) | CommitError::FinalPolynomial(_)
        ),
        "{e:?}"
    );
    // In-memory shape changes are refused before p3 sees them.
    let o = c.tampered(|p| {
        p.rounds.pop();
    });
    assert!(matches!(
        c.verify(&o),
        Err(CommitError::Shape {
            what: "code-switching rounds",
            ..
        })
    ));
    let o = c.tampered(|p| p.sumchecks[0].round_coefficients[0].push(E::ONE));
    assert!(matches!(
        c.verify(&o),
        Err(CommitError::Shape {
            what: "masked sumcheck coefficients",
            ..
        })
    ));
    let o = c.tampered(|p| {
        p.base_case.mask_openings[0].carried.rows.pop();
    });
    assert!(matches!(
        c.verify(&o),
        Err(CommitError::Shape {
            what: "queried rows",
            ..
        })
    ));
    let o = c.tampered(|p| {
        p.base_case.blinded_message.pop();
    });
    assert!(matches!(
        c.verify(&o),
        Err(CommitError::Shape {
            what: "blinded message",
            ..
        })
    ));
    // A nonzero proof-of-work witness where no grinding is configured.
    let o = c.tampered(|p| p.rounds[0].pow_witness = F::ONE);
    let e = c.verify(&o).unwrap_err();
    assert!(matches!(e, CommitError::ProofOfWork(_)), "{e:?}");
}

#[test]
fn prover_side_refusals() {
    let scheme = HidingWhir::<E>::default();
    let v = values(40, 1);
    assert!(matches!(
        scheme.commit(&v, 5, seed(1)),
        Err(CommitError::Length {
            expected: 32,
            got: 40
        })
    ));
    let (_, data) = scheme.commit(&v, 6, seed(1)).unwrap();
    let p = vec![E::ONE; 5];
    let mut t = Transcript::new(LABEL);
    assert!(matches!(
        scheme.open(data, &[&p], &mut t),
        Err(CommitError::Shape {
            what: "point coordinates",
            ..
        })
    ));
    let (_, data) = scheme.commit(&v, 6, seed(1)).unwrap();
    assert!(matches!(
        scheme.open(data, &[], &mut t),
        Err(CommitError::Shape {
            what: "opening points",
            ..
        })
    ));
}

/// Random mutations of an honest encoding: bit flips, byte overwrites, truncations,
/// insertions and deletions. Decoding then verifying must fail, and never panic.
#[test]
fn random_mutations_never_panic_or_verify() {
    let c = Case::new(10, 1024, 2, 5, seed(5));
    let bytes = c.opening.to_bytes();
    let mut rng = Rng::new(0x6d75_7461);
    let n = bytes.len() as u64;
    let (mut decoded, mut total) = (0usize, 0usize);
    for i in 0..3000u32 {
        let mut m = bytes.clone();
        let at = rng.below(n) as usize;
        let what = match rng.below(8) {
            0..=3 => {
                m[at] ^= 1 << rng.below(8);
                "bit flip"
            }
            4 => {
                m[at] = rng.next_u64() as u8;
                "byte overwrite"
            }
            5 => {
                m.truncate(at);
                "truncation"
            }
            6 => {
                m.insert(at, rng.next_u64() as u8);
                "insertion"
            }
            _ => {
                m.remove(at);
                "deletion"
            }
        };
        if m == bytes {
            continue;
        }
        total += 1;
        let r = catch_unwind(AssertUnwindSafe(|| {
            HidingOpening::<E>::from_bytes(&m)
                .map(|o| c.verify(&o).map(|_| ()))
                .map_err(|e| e.to_string())
        }))
        .unwrap_or_else(|_| panic!("mutation {i} ({what} at {at}) panicked"));
        match r {
            Ok(Ok(())) => panic!("mutation {i} ({what} at {at}) verified"),
            Ok(Err(_)) => decoded += 1,
            Err(_) => {}
        }
    }
    // Most flips land in field elements and digests: they decode and reach the verifier.
    assert!(decoded > total / 2, "{decoded} of {total} decoded");
}
