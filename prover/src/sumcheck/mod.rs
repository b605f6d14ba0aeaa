//! The sumcheck protocol: a driver over a small round trait, and its verifier.
//!
//! A round message is the round polynomial's evaluations at `0, 1, …, d` (all `d + 1` of
//! them: deriving `p(1)` from the claim would make the sum check tautological). Variables
//! are bound LSB-first (see [`crate::mle`]).

pub mod masked;
mod product;
#[cfg(test)]
mod reference;

pub use product::{ProductSumcheck, Table};

use crate::arith::Field;
use crate::transcript::{Transcript, labels};
use thiserror::Error;

/// One round's message: evaluations of the round polynomial at `0..=d`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundPoly<E>(pub Vec<E>);

/// A sumcheck instance, one round at a time.
pub trait RoundProver<E> {
    /// Number of rounds (variables).
    fn num_rounds(&self) -> usize;
    /// Degree of every round polynomial.
    fn degree(&self) -> usize;
    /// This round's evaluations at `0..=degree`.
    fn round_evals(&self) -> Vec<E>;
    /// Binds the current variable to `r`.
    fn bind(&mut self, r: E);
}

/// Why a sumcheck transcript is rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SumcheckError {
    /// The proof has the wrong number of rounds.
    #[error("expected {expected} rounds, proof has {got}")]
    RoundCount {
        /// Rounds the instance has.
        expected: usize,
        /// Rounds in the proof.
        got: usize,
    },
    /// A round polynomial has the wrong number of evaluations.
    #[error("round {round}: expected {expected} evaluations (degree {}), got {got}", expected - 1)]
    Degree {
        /// Round index.
        round: usize,
        /// `d + 1`.
        expected: usize,
        /// Evaluations sent.
        got: usize,
    },
    /// `p(0) + p(1)` differs from the running claim.
    #[error("round {round}: p(0) + p(1) does not equal the running claim")]
    Sum {
        /// Round index.
        round: usize,
    },
}

/// Runs the prover side: absorbs each round message, squeezes each challenge.
/// Returns the messages and the point (in binding order).
pub fn prove<E: Field, P: RoundProver<E>>(
    inst: &mut P,
    t: &mut Transcript,
) -> (Vec<RoundPoly<E>>, Vec<E>) {
    let n = inst.num_rounds();
    let mut polys = Vec::with_capacity(n);
    let mut point = Vec::with_capacity(n);
    for _ in 0..n {
        let evals = inst.round_evals();
        t.absorb_field(labels::ROUND_POLY, &evals);
        let r: E = t.challenge(labels::ROUND_CHALLENGE);
        inst.bind(r);
        polys.push(RoundPoly(evals));
        point.push(r);
    }
    (polys, point)
}

/// The verifier's result: the point bound and the claim left to check there.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a sumcheck's final claim must be checked"]
pub struct Subclaim<E> {
    /// The point, in binding order.
    pub point: Vec<E>,
    /// The value the summand must have at `point`.
    pub value: E,
}

/// Verifies `rounds` against `claim`, for an instance of `num_rounds` variables and
/// degree `degree` — both from the verifier's own knowledge, never from the proof.
pub fn verify<E: Field>(
    claim: E,
    num_rounds: usize,
    degree: usize,
    rounds: &[RoundPoly<E>],
    t: &mut Transcript,
) -> Result<Subclaim<E>, SumcheckError> {
    if rounds.len() != num_rounds {
        return Err(SumcheckError::RoundCount {
            expected: num_rounds,
            got: rounds.len(),
        });
    }
    let weights = LagrangeNodes::<E>::new(degree);
    let mut claim = claim;
    let mut point = Vec::with_capacity(num_rounds);
    for (round, RoundPoly(evals)) in rounds.iter().enumerate() {
        if evals.len() != degree + 1 {
            return Err(SumcheckError::Degree {
                round,
                expected: degree + 1,
                got: evals.len(),
            });
        }
        if evals[0] + evals[1] != claim {
            return Err(SumcheckError::Sum { round });
        }
        t.absorb_field(labels::ROUND_POLY, evals);
        let r: E = t.challenge(labels::ROUND_CHALLENGE);
        claim = weights.interpolate(evals, r);
        point.push(r);
    }
    Ok(Subclaim {
        point,
        value: claim,
    })
}

/// Barycentric weights for interpolation at the nodes `0..=d`.
pub struct LagrangeNodes<E> {
    /// `w_i = 1 / Π_{j≠i} (i − j)`.
    weights: Vec<E>,
}

impl<E: Field> LagrangeNodes<E> {
    /// Precomputes the weights for nodes `0..=degree`.
    pub fn new(degree: usize) -> Self {
        let weights = (0..=degree as i64)
            .map(|i| {
                let denom: i64 = (0..=degree as i64)
                    .filter(|&j| j != i)
                    .map(|j| i - j)
                    .product();
                // Nonzero for any degree below the characteristic.
                E::from_i64(denom).inverse().unwrap_or(E::ZERO)
            })
            .collect();
        LagrangeNodes { weights }
    }

    /// The polynomial with `evals[i] = p(i)` evaluated at `r`:
    /// `Σ_i evals[i]·w_i·Π_{j≠i}(r − j)`, the products from prefix and suffix products, so
    /// no inversion (the verifier runs this once per sumcheck round). At a node `r = k`
    /// every product but the `k`-th vanishes and that one is `1/w_k`: the formula gives
    /// `evals[k]` without a special case. `evals` has `degree + 1` entries (the callers
    /// check the length first).
    pub fn interpolate(&self, evals: &[E], r: E) -> E {
        let d = evals.len().min(self.weights.len());
        let diff = |i: usize| r - E::from_u64(i as u64);
        // suffix[i] = Π_{j>i}(r − j), built right to left.
        let mut suffix = vec![E::ONE; d];
        for i in (0..d.saturating_sub(1)).rev() {
            suffix[i] = suffix[i + 1] * diff(i + 1);
        }
        let mut prefix = E::ONE;
        let mut acc = E::ZERO;
        for i in 0..d {
            acc += evals[i] * self.weights[i] * prefix * suffix[i];
            prefix *= diff(i);
        }
        acc
    }
}
