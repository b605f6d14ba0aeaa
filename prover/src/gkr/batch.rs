//! The opening batch (protocol version 2): every claim on one committed region reduced to
//! a single point before the region is opened.
//!
//! A structured circuit leaves many claims on its committed regions: the gate part's
//! points and, on the weights, one per slab and bias of every block (a 5×5 conv alone
//! adds 26). Opening each point costs the scheme a pass over the whole region (WHIR builds
//! an eq table per constraint), so instead the prover states the values
//! `v_c = W̃(p_c)`, the verifier draws `γ`, and one degree-2 sumcheck proves
//! `Σ_c γ^c·v_c = Σ_x e(x)·W(x)` with `e(x) = Σ_c γ^c·eq(p_c, x)`. It ends at a random
//! point `s` with the claim `e(s)·W̃(s)`: the verifier computes `e(s)` itself
//! (`O(C·n)`), and the region is opened at `s` alone.
//!
//! **Soundness.** If some stated `v_c` is wrong, `Σ_c γ^c (v_c − W̃(p_c))` is a nonzero
//! polynomial in `γ` of degree `< C`, zero with probability `≤ (C−1)/|E|`; then the
//! sumcheck's error is `≤ 2n/|E|` and the opening binds `W̃(s)`. The stated values are
//! what the verifier checks GKR's input claims against, exactly as it checked the
//! scheme's evaluations before.
//!
//! **Prover cost.** A block's weights point has boolean coordinates above its slab (the
//! slab's offset bits), so its `eq` is zero off the slab's subcube: `e` is built per
//! point over that subcube only, `O(Σ slab sizes)` for the blocks plus `2^n` per dense
//! gate point; the sumcheck is `O(2^n)`.

use crate::arith::{ExtensionField, Field};
use crate::mle;
use crate::sumcheck::{self, ProductSumcheck, RoundPoly, Subclaim, SumcheckError, Table};
use crate::transcript::{Transcript, labels};

/// Whether proofs of `circuit` batch each committed region's points (protocol version 2:
/// circuits with structure). Prover, verifier and the soundness accounting all ask here.
pub(crate) fn applies(circuit: &circuits::Circuit) -> bool {
    crate::statement::protocol_version(circuit) >= 2
}

/// One region's batch: the stated values at each point, and the sumcheck's rounds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionBatch<E> {
    /// `W̃(p_c)` for each point of the region, in the verifier's order.
    pub values: Vec<E>,
    /// The batching sumcheck's rounds (`log_len` of them, degree 2).
    pub rounds: Vec<RoundPoly<E>>,
}

/// How many of `p`'s highest coordinates are exactly 0 or 1, and the index they spell.
fn boolean_suffix<E: Field>(p: &[E]) -> (usize, usize) {
    let mut k = 0;
    let mut bits = 0usize;
    for &c in p.iter().rev() {
        let bit = if c == E::ZERO {
            0
        } else if c == E::ONE {
            1
        } else {
            break;
        };
        // Indices are below 2^n ≤ usize::BITS; a longer suffix does not shift further.
        if k >= usize::BITS as usize - 1 {
            break;
        }
        bits = (bits << 1) | bit;
        k += 1;
    }
    (k, bits)
}

/// The subcube `p`'s eq is supported on: `(low variables, first index)`.
fn support<E: Field>(p: &[E]) -> (usize, usize) {
    let (k, bits) = boolean_suffix(p);
    let low = p.len() - k;
    (low, bits << low)
}

/// `W̃(p)` for region values `values` (zero past their end) over `n = p.len()` variables,
/// reading only the subcube `p` selects.
pub(crate) fn evaluate<F: Field, E: ExtensionField<F>>(values: &[F], p: &[E]) -> E {
    let (low, start) = support(p);
    let slice = values.get(start..).unwrap_or(&[]);
    let slice = &slice[..slice.len().min(1usize << low)];
    mle::evaluate_base(slice, &p[..low])
}

/// `e(x) = Σ_c γ^c·eq(p_c, x)` over `2^n` entries, each point filled over its subcube.
fn eq_sum_table<E: Field>(points: &[&[E]], gamma: E, n: usize) -> Vec<E> {
    let mut e = vec![E::ZERO; 1usize << n];
    let mut coeff = E::ONE;
    for p in points {
        let (low, start) = support(p);
        let part = if low >= 12 {
            mle::eq_table_scaled_par(&p[..low], coeff)
        } else {
            mle::eq_table_scaled(&p[..low], coeff)
        };
        for (o, v) in e[start..start + part.len()].iter_mut().zip(part) {
            *o += v;
        }
        coeff *= gamma;
    }
    e
}

/// `Σ_c γ^c·eq(p_c, s)`: the verifier's `e(s)`.
fn eq_sum_at<E: Field>(points: &[Vec<E>], gamma: E, s: &[E]) -> E {
    let mut coeff = E::ONE;
    let mut sum = E::ZERO;
    for p in points {
        sum += coeff * mle::eq_eval(p, s);
        coeff *= gamma;
    }
    sum
}

/// `Σ_c γ^c·v_c`.
fn combine<E: Field>(values: &[E], gamma: E) -> E {
    values.iter().rev().fold(E::ZERO, |acc, &v| acc * gamma + v)
}

/// Proves the batch of `points` (each of `n` coordinates) on the region's values
/// `values` (its `len` slots; zero up to `2^n`). Returns the batch and the point `s` to
/// open the region at.
pub(crate) fn prove<F: Field, E: ExtensionField<F>>(
    values: &[F],
    n: usize,
    points: &[&[E]],
    t: &mut Transcript,
) -> (RegionBatch<E>, Vec<E>) {
    let stated: Vec<E> = points.iter().map(|p| evaluate(values, p)).collect();
    t.absorb_field(labels::BATCH_VALUES, &stated);
    let gamma: E = t.challenge(labels::BATCH_COEFF);
    let e = eq_sum_table(points, gamma, n);
    let padded;
    let f = if values.len() == 1usize << n {
        values
    } else {
        let mut v = values.to_vec();
        v.resize(1usize << n, F::ZERO);
        padded = v;
        &padded
    };
    let mut inst = ProductSumcheck::new(Table::Base(f), e);
    let (rounds, s) = sumcheck::prove(&mut inst, t);
    (
        RegionBatch {
            values: stated,
            rounds,
        },
        s,
    )
}

/// What the verifier keeps from a batch: the point to open at, and `(e(s), claim)` such
/// that the opening's `W̃(s)` must satisfy `claim = e(s)·W̃(s)`.
#[derive(Clone, Debug)]
pub(crate) struct BatchCheck<E> {
    pub point: Vec<E>,
    pub eq_sum: E,
    pub claim: E,
}

impl<E: Field> BatchCheck<E> {
    /// Whether the opened value `w` at the point completes the batch.
    pub fn accepts(&self, w: E) -> bool {
        self.eq_sum * w == self.claim
    }
}

/// Verifies a batch's sumcheck for `points` (the verifier's own list, `n` coordinates
/// each); the stated values' count is checked by the caller.
pub(crate) fn verify<E: Field>(
    batch: &RegionBatch<E>,
    n: usize,
    points: &[Vec<E>],
    t: &mut Transcript,
) -> Result<BatchCheck<E>, SumcheckError> {
    t.absorb_field(labels::BATCH_VALUES, &batch.values);
    let gamma: E = t.challenge(labels::BATCH_COEFF);
    let claim = combine(&batch.values, gamma);
    let Subclaim { point, value } = sumcheck::verify(claim, n, 2, &batch.rounds, t)?;
    let eq_sum = eq_sum_at(points, gamma, &point);
    Ok(BatchCheck {
        point,
        eq_sum,
        claim: value,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::arith::PrimeField64 as _;
    use crate::arith::{Goldilocks, GoldilocksExt2};

    type F = Goldilocks;
    type E = GoldilocksExt2;

    fn rand_e(seed: &mut u64) -> E {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let a = F::from_u64(*seed >> 1);
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        E::from(a) + E::from(F::from_u64(*seed >> 3)) * E::from(F::from_u64(7))
    }

    /// Subcube evaluation and the eq-sum table agree with the dense definitions.
    #[test]
    fn sparse_points_match_dense() {
        let n = 6;
        let mut seed = 5u64;
        let values: Vec<F> = (0..50).map(|i| F::from_u64(i * 31 + 7)).collect();
        let mut points: Vec<Vec<E>> = Vec::new();
        for low in [0, 2, 4, 6] {
            let mut p: Vec<E> = (0..low).map(|_| rand_e(&mut seed)).collect();
            for b in 0..n - low {
                p.push(if (b + low) % 2 == 0 { E::ONE } else { E::ZERO });
            }
            points.push(p);
        }
        let gamma = rand_e(&mut seed);
        let refs: Vec<&[E]> = points.iter().map(Vec::as_slice).collect();
        let e = eq_sum_table(&refs, gamma, n);
        let mut coeff = E::ONE;
        let mut dense = vec![E::ZERO; 1 << n];
        for p in &points {
            for (x, d) in dense.iter_mut().enumerate() {
                *d += coeff * mle::eq_at_index(p, x);
            }
            assert_eq!(evaluate(&values, p), mle::evaluate_base(&values, p));
            coeff *= gamma;
        }
        assert_eq!(e, dense);
        let s: Vec<E> = (0..n).map(|_| rand_e(&mut seed)).collect();
        assert_eq!(eq_sum_at(&points, gamma, &s), mle::evaluate_ext(&e, &s));
        assert_eq!(F::from_u64(3).as_u64(), 3);
    }

    /// Round trip, and a wrong stated value is caught by the final check.
    #[test]
    fn round_trip_and_wrong_value() {
        let n = 5;
        let mut seed = 11u64;
        let values: Vec<F> = (0..29).map(|i| F::from_u64(i * i + 3)).collect();
        let points: Vec<Vec<E>> = (0..4)
            .map(|_| (0..n).map(|_| rand_e(&mut seed)).collect())
            .collect();
        let refs: Vec<&[E]> = points.iter().map(Vec::as_slice).collect();
        let mut tp = Transcript::new(b"batch-test");
        let (batch, s) = prove(&values, n, &refs, &mut tp);
        let mut tv = Transcript::new(b"batch-test");
        let check = verify(&batch, n, &points, &mut tv).unwrap();
        assert_eq!(check.point, s);
        assert!(check.accepts(mle::evaluate_base(&values, &s)));

        let mut bad = batch.clone();
        bad.values[2] += E::ONE;
        let mut tv = Transcript::new(b"batch-test");
        // The rounds no longer sum to the claim, or the final check fails.
        match verify(&bad, n, &points, &mut tv) {
            Err(_) => {}
            Ok(check) => assert!(!check.accepts(mle::evaluate_base(&values, &check.point))),
        }
    }
}
