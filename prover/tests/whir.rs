//! WHIR commitments: opened evaluations against brute force, GKR round trips over random
//! circuits, the security level at every size, committed weights reused and stored, and
//! the named attacks (each rejected with its own error).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use circuits::random::{self, Rng, Spec};
use circuits::{Circuit, RegionKind};
use common::{CONTEXT, Data, F, rich_spec};
use prover::commit::{CommitError, CommitmentScheme};
use prover::transcript::Transcript;
use prover::{
    Field, GoldilocksExt2, GoldilocksExt3, Statement, VerifyError, Whir, WhirParams, WhirProof,
    mle,
};

type E3 = GoldilocksExt3;

fn rand_ext(rng: &mut Rng) -> E3 {
    let bytes: Vec<u8> = (0..48).map(|_| rng.next_u64() as u8).collect();
    E3::from_uniform_bytes(&bytes)
}

fn values(n: usize, seed: u64) -> Vec<F> {
    random::values(n, seed).into_iter().map(F::from_u64).collect()
}

/// Commit, open at `k` random points, verify: the evaluations are the brute-force MLE.
fn open_and_check<E: prover::commit::whir::WhirField>(scheme: &Whir<E>, log_len: u8, len: usize, k: usize, seed: u64)
where
    Whir<E>: CommitmentScheme<F, E>,
{
    let v = values(len, seed);
    let mut rng = Rng::new(seed);
    let points: Vec<Vec<E>> = (0..k)
        .map(|_| {
            (0..log_len)
                .map(|_| {
                    let bytes: Vec<u8> = (0..E::UNIFORM_BYTES).map(|_| rng.next_u64() as u8).collect();
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
        assert_eq!(*e, mle::evaluate_base::<F, E>(&v, p), "2^{log_len}, len {len}");
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
    for (i, spec) in [rich_spec(), Spec::default(), Spec { log_widths: vec![9, 8, 8, 6], ..Spec::default() }]
        .iter()
        .enumerate()
    {
        let circuit = random::circuit(spec, i as u64);
        let data = Data::random(&circuit, i as u64);
        let cw = prover::whir_commit_weights(&circuit, &data.weights).unwrap();
        let (proof, outputs) = prover::prove_whir(&circuit, cw.as_ref(), &data.witness(), CONTEXT).unwrap();
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
