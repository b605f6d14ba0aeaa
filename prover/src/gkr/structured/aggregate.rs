//! The aggregation sumcheck (§3.2 step 3a): `C` claims `Ỹ(r_c) = y_c` on one table become
//! one claim `Ỹ(ρ) = y*`, through
//! `Σ_c β^c y_c = Σ_z [Σ_c β^c eq(r_c, z)]·Ỹ(z)` (degree 2, one round per variable of `Y`).
//!
//! `β` is drawn after the `y_c` are fixed: the caller absorbs them (label
//! [`super::BLOCK_Y`]) with the rest of its layer's values, before this runs.

use super::{Claim, Stage, StructuredError, labels, shape};
use crate::arith::{ExtensionField, Field};
use crate::mle;
use crate::par;
use crate::sumcheck::{self, ProductSumcheck, RoundPoly, Table};
use crate::transcript::Transcript;

/// The aggregation sumcheck's messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AggregateProof<E> {
    /// Round messages over `Y`'s variables.
    pub rounds: Vec<RoundPoly<E>>,
    /// `Ỹ(ρ)` at the end point.
    pub y_at: E,
}

/// The powers `1, β, β², …` (one per claim).
pub(super) fn powers<E: Field>(beta: E, n: usize) -> Vec<E> {
    std::iter::successors(Some(E::ONE), |&p| Some(p * beta))
        .take(n)
        .collect()
}

/// Every claim's point must have `n` coordinates.
pub(super) fn check_points<E>(claims: &[Claim<E>], n: usize) -> Result<(), StructuredError> {
    match claims.iter().find(|c| c.point.len() != n) {
        Some(c) => Err(shape("point on Y", n, c.point.len())),
        None => Ok(()),
    }
}

/// Prover, plain and masked: draws `β` (after the claims' values are absorbed) and
/// builds `h = Σ_c β^c·eq(r_c, ·)` over `y`'s slots; returns the powers and `h`.
pub(super) fn table<E: Field>(
    len: usize,
    claims: &[Claim<E>],
    t: &mut Transcript,
) -> (Vec<E>, Vec<E>) {
    let beta: E = t.challenge(labels::BLOCK_BETA);
    let weights = powers(beta, claims.len());
    let mut h = vec![E::ZERO; len];
    for (c, &w) in claims.iter().zip(&weights) {
        let eq = mle::eq_table_scaled_par(&c.point, w);
        par::fill_chunks(&mut h, par::chunk_for(len), |start, out| {
            for (o, &e) in out.iter_mut().zip(&eq[start..]) {
                *o += e;
            }
        });
    }
    (weights, h)
}

/// Prover: aggregates `claims` on the padded table `y` (`2^n` values, `n` the claims'
/// point length). Returns the messages and the claim `Ỹ(ρ) = y*` they end in.
pub fn prove_aggregate<F: Field, E: ExtensionField<F>>(
    y: &[F],
    claims: &[Claim<E>],
    t: &mut Transcript,
) -> Result<(AggregateProof<E>, Claim<E>), StructuredError> {
    let n = claims.first().map_or(0, |c| c.point.len());
    check_points(claims, n)?;
    if n > super::MAX_VARS || y.len() != 1usize << n {
        return Err(StructuredError::Length {
            what: "output values",
            expected: 1usize << n.min(super::MAX_VARS),
            got: y.len(),
        });
    }
    let (_, h) = table(y.len(), claims, t);
    let mut inst = ProductSumcheck::new(Table::Base(y), h);
    let (rounds, point) = sumcheck::prove(&mut inst, t);
    let y_at = inst.final_f();
    t.absorb_field(labels::BLOCK_Y_AT, &[y_at]);
    Ok((
        AggregateProof { rounds, y_at },
        Claim { point, value: y_at },
    ))
}

/// Verifier: checks the aggregation of `claims` (each on `n_vars` variables, values
/// already absorbed) and returns the claim `Ỹ(ρ) = y*` left to prove.
pub fn verify_aggregate<E: Field>(
    n_vars: usize,
    claims: &[Claim<E>],
    proof: &AggregateProof<E>,
    t: &mut Transcript,
) -> Result<Claim<E>, StructuredError> {
    check_points(claims, n_vars)?;
    let beta: E = t.challenge(labels::BLOCK_BETA);
    let weights = powers(beta, claims.len());
    let claim: E = claims.iter().zip(&weights).map(|(c, &w)| w * c.value).sum();
    let sub = sumcheck::verify(claim, n_vars, 2, &proof.rounds, t).map_err(|source| {
        StructuredError::Sumcheck {
            stage: Stage::Aggregate,
            source,
        }
    })?;
    t.absorb_field(labels::BLOCK_Y_AT, &[proof.y_at]);
    let mass: E = claims
        .iter()
        .zip(&weights)
        .map(|(c, &w)| w * mle::eq_eval(&c.point, &sub.point))
        .sum();
    if sub.value != proof.y_at * mass {
        return Err(StructuredError::Final {
            stage: Stage::Aggregate,
        });
    }
    Ok(Claim {
        point: sub.point,
        value: proof.y_at,
    })
}
