//! The zero-knowledge inner product that discharges every [`DeferredClaim`] of a proof.
//!
//! **Table.** `Z` is a table of `2^m` base values (`m ≥ 1`) inside the private
//! commitment, interleaved: `Z[2j] = M_j`, the mask vector, and `Z[2j + 1] = S_j`, a
//! uniform *slack* vector used nowhere else ([`interleave`]). Every deferred claim's
//! covector lies in `M`. The selector is variable 0, **bound first**: after round 0 every
//! table entry is `(1 − r_0)·M_j + r_0·S_j`, so every later message, and the final value,
//! has a component on `S`. (With the selector bound last, the last round's `p(0)` would
//! be `M̃(r_low)·Ũ(r_low)`, a value of the masks alone.)
//!
//! **Protocol.**
//! 1. Draw `v ∈ E^{m−1}` ([`labels::ZK_SLACK_POINT`]); the prover states `σ = S̃(v)`
//!    ([`labels::ZK_SIGMA`]). `σ` is never opened, so it is absorbed **before** `β`.
//! 2. Draw `β` ([`labels::ZK_BATCH`]); `U = Σ_t β^{t+1}·u_t`, `T = Σ_t β^{t+1}·e_t`
//!    (powers start at `β^1`).
//! 3. A plain degree-2 sumcheck of `Σ_x Z(x)·U'(x) = T + σ`, `U'[2j] = U_j`,
//!    `U'[2j + 1] = eq(v, j)`, over `m` rounds, ends at `r* = (r_0, r_high)`; the prover
//!    states `Z̃(r*)` ([`labels::ZK_VALUE`]), the verifier checks the final value against
//!    `Z̃(r*)·Ũ'(r*)` with `Ũ'(r*) = (1 − r_0)·Ũ(r_high) + r_0·eq(v, r_high)` (`Ũ(r_high)`
//!    evaluated sparsely, in time linear in the covectors' entries), and hands
//!    `(r*, Z̃(r*))` to the commitment's opening ([`OpeningClaim`]).
//!
//! **Soundness.** Passing the sumcheck (error `2m/|E|`) with a true opening needs
//! `Σ_t β^{t+1}·(e_t − ⟨M, u_t⟩) = S̃(v) − σ`. The left side is a polynomial in `β` of
//! degree `n` with no constant term and the right side is fixed before `β`, so if any
//! claim is false they agree with probability at most `n/|E|`. Drawing `β` before `σ`
//! would let a prover absorb the batch's error into `σ`; starting at `β^0` would let it
//! absorb a false first claim into `σ`. Both have named attack tests below.
//!
//! **Zero knowledge.** `σ`, the round polynomials and `Z̃(r*)` are about `2m + 2`
//! linear functionals of `Z`. Every combination of them that vanishes on `S` is a public
//! consistency relation or a multiple of `⟨M, U⟩ = T`, which the claims state anyway
//! (`tests::revealed_functionals_hide_the_masks` checks this by linear algebra over the
//! field). So for `|S| = 2^{m−1}` well above their number they are uniform subject to
//! the public checks, except with probability about (#functionals)²/|E|; the caller keeps
//! `S` large enough (`gkr::zk`). In effect this is a Libra mask whose final value is a single point
//! evaluation of the committed table (`docs/design/zero-knowledge.md` §3.3).

use super::DeferredClaim;
use crate::arith::{ExtensionField, Field};
use crate::mle;
use crate::proof::{get_rounds, put_rounds};
use crate::sumcheck::{self, ProductSumcheck, RoundPoly, SumcheckError, Table};
use crate::transcript::{Transcript, labels};
use circuits::DecodeError;
use circuits::codec::{Reader, Writer};
use thiserror::Error;

/// Why an inner product is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum InnerProductError {
    /// The table is not `2^m` values with `m ≥ 1` (a layout error, never a proof's).
    #[error("the mask table has {len} values, not a power of two of at least 2")]
    TableSize {
        /// Table length.
        len: usize,
    },
    /// A claim reads a slot outside the mask half (a layout error, never a proof's).
    #[error("deferred claim {claim} reads slot {slot}, beyond the mask half of {half}")]
    ClaimOutsideMasks {
        /// Claim index.
        claim: usize,
        /// Largest slot plus one.
        slot: usize,
        /// Size of the mask half.
        half: usize,
    },
    /// The inner product's sumcheck is rejected.
    #[error("inner-product sumcheck: {0}")]
    Sumcheck(SumcheckError),
    /// The sumcheck's final value is not `Z̃(r*)·Ũ'(r*)`.
    #[error("the inner product's final value does not match the stated table value")]
    Final,
}

/// The inner product's messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InnerProductProof<E> {
    /// `S̃(v)`.
    pub sigma: E,
    /// The sumcheck's rounds.
    pub rounds: Vec<RoundPoly<E>>,
    /// `Z̃(r*)`, to be established by the commitment's opening.
    pub z_value: E,
}

impl<E: Field> InnerProductProof<E> {
    /// Appends the encoding.
    pub fn encode(&self, w: &mut Writer) {
        self.sigma.encode(w);
        put_rounds(w, &self.rounds);
        self.z_value.encode(w);
    }

    /// Reads an encoding (counts are checked by [`verify`], against the layout).
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(InnerProductProof {
            sigma: E::decode(r)?,
            rounds: get_rounds(r)?,
            z_value: E::decode(r)?,
        })
    }
}

/// What the commitment must establish: `Z̃(point) = value`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "the table value must be checked by the commitment's opening"]
pub struct OpeningClaim<E> {
    /// The point (binding order, `m` coordinates).
    pub point: Vec<E>,
    /// The stated value.
    pub value: E,
}

fn check_layout<E: Field>(
    len: usize,
    claims: &[DeferredClaim<E>],
) -> Result<usize, InnerProductError> {
    if len < 2 || !len.is_power_of_two() {
        return Err(InnerProductError::TableSize { len });
    }
    let half = len / 2;
    for (claim, c) in claims.iter().enumerate() {
        let slot = c.covector.span();
        if slot > half {
            return Err(InnerProductError::ClaimOutsideMasks { claim, slot, half });
        }
    }
    Ok(len.trailing_zeros() as usize)
}

/// Draws `v`, absorbs `σ`, draws `β`; returns `v`, the batched claim value `T + σ` and
/// the batching powers `β^1..β^n`.
fn batch<E: Field>(
    m: usize,
    sigma: E,
    claims: &[DeferredClaim<E>],
    t: &mut Transcript,
) -> (Vec<E>, E, Vec<E>) {
    let v: Vec<E> = t.challenges(labels::ZK_SLACK_POINT, m - 1);
    t.absorb_field(labels::ZK_SIGMA, &[sigma]);
    let beta: E = t.challenge(labels::ZK_BATCH);
    let mut powers = Vec::with_capacity(claims.len());
    let mut p = beta;
    for _ in claims {
        powers.push(p);
        p *= beta;
    }
    let total = claims
        .iter()
        .zip(&powers)
        .map(|(c, &p)| p * c.value)
        .sum::<E>()
        + sigma;
    (v, total, powers)
}

/// `Z` from the mask vector and the slack vector (of equal length): `Z[2j] = M_j`,
/// `Z[2j + 1] = S_j`.
pub fn interleave<F: Copy>(m: &[F], s: &[F]) -> Vec<F> {
    m.iter().zip(s).flat_map(|(&a, &b)| [a, b]).collect()
}

/// `Ũ(point) = Σ_t β^{t+1}·Σ_(j,w) w·eq(point, j)`, sparse: linear in the entries.
fn batched_covector_at<E: Field>(claims: &[DeferredClaim<E>], powers: &[E], point: &[E]) -> E {
    claims
        .iter()
        .zip(powers)
        .map(|(c, &p)| {
            p * c
                .covector
                .entries()
                .iter()
                .map(|&(j, w)| w * mle::eq_at_index(point, j))
                .sum::<E>()
        })
        .sum()
}

/// `U = Σ_t β^{t+1}·u_t` as a dense table of `half` entries.
fn batched_covector<E: Field>(half: usize, claims: &[DeferredClaim<E>], powers: &[E]) -> Vec<E> {
    let mut u = vec![E::ZERO; half];
    for (c, &p) in claims.iter().zip(powers) {
        for &(j, w) in c.covector.entries() {
            u[j] += p * w;
        }
    }
    u
}

/// Proves every claim of `claims` on the mask half of `z`, in zero knowledge given a
/// uniform slack half. Returns the proof and the point `r*` at which the commitment must
/// open `z`.
pub fn prove<F: Field, E: ExtensionField<F>>(
    z: &[F],
    claims: &[DeferredClaim<E>],
    t: &mut Transcript,
) -> Result<(InnerProductProof<E>, Vec<E>), InnerProductError> {
    let m = check_layout(z.len(), claims)?;
    let half = z.len() / 2;
    let v_point: Vec<E> = {
        // σ needs v, which the transcript gives only after this point; fork to read it.
        let mut fork = t.clone();
        fork.challenges(labels::ZK_SLACK_POINT, m - 1)
    };
    let slack: Vec<F> = z.iter().skip(1).step_by(2).copied().collect();
    let sigma = mle::evaluate_base(&slack, &v_point);
    let (v, _, powers) = batch(m, sigma, claims, t);
    let h = interleave(&batched_covector(half, claims, &powers), &mle::eq_table(&v));
    let mut inst = ProductSumcheck::new(Table::Base(z), h);
    let (rounds, point) = sumcheck::prove(&mut inst, t);
    let z_value = inst.final_f();
    t.absorb_field(labels::ZK_VALUE, &[z_value]);
    Ok((
        InnerProductProof {
            sigma,
            rounds,
            z_value,
        },
        point,
    ))
}

/// Verifies the inner product for a table of `2^m` values (`m` from the verifier's own
/// layout) and returns the table value the commitment must establish.
pub fn verify<E: Field>(
    m: usize,
    claims: &[DeferredClaim<E>],
    proof: &InnerProductProof<E>,
    t: &mut Transcript,
) -> Result<OpeningClaim<E>, InnerProductError> {
    let len = 1usize
        .checked_shl(m as u32)
        .ok_or(InnerProductError::TableSize { len: usize::MAX })?;
    check_layout(len, claims)?;
    let (v, total, powers) = batch(m, proof.sigma, claims, t);
    let sub =
        sumcheck::verify(total, m, 2, &proof.rounds, t).map_err(InnerProductError::Sumcheck)?;
    t.absorb_field(labels::ZK_VALUE, &[proof.z_value]);
    let (sel, high) = (sub.point[0], &sub.point[1..]);
    let u_high = batched_covector_at(claims, &powers, high);
    let u_prime = (E::ONE - sel) * u_high + sel * mle::eq_eval(&v, high);
    if sub.value != proof.z_value * u_prime {
        return Err(InnerProductError::Final);
    }
    Ok(OpeningClaim {
        point: sub.point,
        value: proof.z_value,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::arith::{Goldilocks, GoldilocksExt3};
    use crate::zk::Covector;

    type E = GoldilocksExt3;
    type F = Goldilocks;

    fn next(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *seed
    }

    fn ext(seed: &mut u64) -> E {
        let bytes: Vec<u8> = (0..E::UNIFORM_BYTES)
            .map(|_| (next(seed) >> 56) as u8)
            .collect();
        E::from_uniform_bytes(&bytes)
    }

    /// A random table of 2^m and `n` true claims of `k` entries each on its mask half.
    fn setup(m: usize, n: usize, k: usize, seed: u64) -> (Vec<F>, Vec<DeferredClaim<E>>) {
        let mut s = seed;
        let z: Vec<F> = (0..1 << m)
            .map(|_| F::from_u64(next(&mut s) >> 1))
            .collect();
        let half = z.len() / 2;
        let claims = (0..n)
            .map(|_| {
                let mut u = Covector::new();
                for _ in 0..k {
                    u.push(next(&mut s) as usize % half, ext(&mut s));
                }
                let value = u.apply(&mask_half(&z));
                DeferredClaim { covector: u, value }
            })
            .collect();
        (z, claims)
    }

    fn mask_half(z: &[F]) -> Vec<F> {
        z.iter().step_by(2).copied().collect()
    }

    fn slack_half(z: &[F]) -> Vec<F> {
        z.iter().skip(1).step_by(2).copied().collect()
    }

    fn run(
        m: usize,
        z: &[F],
        claims: &[DeferredClaim<E>],
    ) -> Result<OpeningClaim<E>, InnerProductError> {
        let (proof, point) = prove(z, claims, &mut Transcript::new(b"ip")).unwrap();
        let got = verify(m, claims, &proof, &mut Transcript::new(b"ip"))?;
        assert_eq!(got.point, point);
        Ok(got)
    }

    #[test]
    fn round_trip_and_opening_claim_is_the_table_mle() {
        for (m, n) in [(1, 1), (2, 3), (5, 10), (9, 40)] {
            let (z, claims) = setup(m, n, 7, m as u64);
            let got = run(m, &z, &claims).unwrap();
            assert_eq!(got.value, mle::evaluate_base(&z, &got.point));
        }
    }

    #[test]
    fn brute_force_batched_sum() {
        // The sumcheck's claim equals the batched inner product plus S̃(v), entry by entry.
        let (m, n) = (4, 5);
        let (z, claims) = setup(m, n, 3, 9);
        let mut t = Transcript::new(b"ip");
        let (proof, _) = prove(&z, &claims, &mut t.clone()).unwrap();
        let (v, total, powers) = batch(m, proof.sigma, &claims, &mut t);
        assert_eq!(proof.sigma, mle::evaluate_base(&slack_half(&z), &v));
        let mut direct = proof.sigma;
        for (c, p) in claims.iter().zip(&powers) {
            for &(j, w) in c.covector.entries() {
                direct += *p * w * z[2 * j];
            }
        }
        assert_eq!(total, direct);
        assert_eq!(proof.rounds[0].0[0] + proof.rounds[0].0[1], total);
    }

    #[test]
    fn false_claim_rejected() {
        let (z, mut claims) = setup(6, 8, 5, 3);
        claims[4].value += E::ONE;
        let (proof, _) = prove(&z, &claims, &mut Transcript::new(b"ip")).unwrap();
        assert_eq!(
            verify(6, &claims, &proof, &mut Transcript::new(b"ip")),
            Err(InnerProductError::Sumcheck(SumcheckError::Sum { round: 0 }))
        );
    }

    /// A cheating prover sends a sumcheck of its false total (rounds of a polynomial
    /// whose sum is the claimed one) by shifting `p(0)`: caught at round 1 or the end.
    #[test]
    fn false_claim_with_consistent_first_round_rejected() {
        let (z, mut claims) = setup(5, 4, 5, 8);
        let delta = E::from_u64(77);
        claims[0].value += delta;
        let mut t = Transcript::new(b"ip");
        let (mut proof, _) = prove(&z, &claims, &mut t).unwrap();
        let (_, total, _) = batch(5, proof.sigma, &claims, &mut Transcript::new(b"ip"));
        let honest = proof.rounds[0].0[0] + proof.rounds[0].0[1];
        proof.rounds[0].0[0] += total - honest;
        let err = verify(5, &claims, &proof, &mut Transcript::new(b"ip")).unwrap_err();
        assert!(matches!(
            err,
            InnerProductError::Sumcheck(SumcheckError::Sum { round: 1 }) | InnerProductError::Final
        ));
    }

    /// `sigma_absorbs_false_claim`: a false claim compensated in σ with the β that an
    /// honest σ would have drawn. σ is absorbed before β, so changing σ changes β and
    /// the compensation misses.
    #[test]
    fn sigma_absorbs_false_claim() {
        let (m, n) = (5, 4);
        let (z, mut claims) = setup(m, n, 5, 11);
        let delta = E::from_u64(1234);
        claims[2].value += delta;
        let honest_sigma = {
            let (p, _) = prove(&z, &claims, &mut Transcript::new(b"ip")).unwrap();
            p.sigma
        };
        let (_, _, powers) = batch(m, honest_sigma, &claims, &mut Transcript::new(b"ip"));
        // σ' makes T' + σ' equal the true sum under the old β.
        let forged = honest_sigma - powers[2] * delta;
        let proof = forge(&z, &claims, forged);
        assert_eq!(
            verify(m, &claims, &proof, &mut Transcript::new(b"ip")),
            Err(InnerProductError::Sumcheck(SumcheckError::Sum { round: 0 }))
        );
    }

    /// A false *first* claim compensated in σ: with powers from `β^0` its weight would be
    /// 1 whatever β is, and `σ − δ` would pass. Powers start at `β^1`.
    #[test]
    fn sigma_absorbs_false_first_claim() {
        let (m, n) = (5, 3);
        let (z, mut claims) = setup(m, n, 5, 12);
        let delta = E::from_u64(99);
        claims[0].value += delta;
        let honest_sigma = prove(&z, &claims, &mut Transcript::new(b"ip"))
            .unwrap()
            .0
            .sigma;
        let proof = forge(&z, &claims, honest_sigma - delta);
        assert_eq!(
            verify(m, &claims, &proof, &mut Transcript::new(b"ip")),
            Err(InnerProductError::Sumcheck(SumcheckError::Sum { round: 0 }))
        );
    }

    /// The honest prover's steps with σ replaced by `sigma`: the sumcheck is of the true
    /// table, so its sum is the true one.
    fn forge(z: &[F], claims: &[DeferredClaim<E>], sigma: E) -> InnerProductProof<E> {
        let m = z.len().trailing_zeros() as usize;
        let half = z.len() / 2;
        let mut t = Transcript::new(b"ip");
        let (v, _, powers) = batch(m, sigma, claims, &mut t);
        let h = interleave(&batched_covector(half, claims, &powers), &mle::eq_table(&v));
        let mut inst = ProductSumcheck::new(Table::Base(z), h);
        let (rounds, _) = sumcheck::prove(&mut inst, &mut t);
        InnerProductProof {
            sigma,
            rounds,
            z_value: inst.final_f(),
        }
    }

    #[test]
    fn tampered_messages_rejected() {
        let m = 6;
        let (z, claims) = setup(m, 6, 4, 5);
        let (proof, _) = prove(&z, &claims, &mut Transcript::new(b"ip")).unwrap();
        let check = |p: &InnerProductProof<E>| verify(m, &claims, p, &mut Transcript::new(b"ip"));
        let mut bad = proof.clone();
        bad.sigma += E::ONE;
        assert_eq!(
            check(&bad),
            Err(InnerProductError::Sumcheck(SumcheckError::Sum { round: 0 }))
        );
        let mut bad = proof.clone();
        bad.z_value += E::ONE;
        assert_eq!(check(&bad), Err(InnerProductError::Final));
        let mut bad = proof.clone();
        bad.rounds[m - 1].0[2] += E::ONE;
        assert_eq!(check(&bad), Err(InnerProductError::Final));
        let mut bad = proof.clone();
        bad.rounds.pop();
        assert!(matches!(
            check(&bad),
            Err(InnerProductError::Sumcheck(
                SumcheckError::RoundCount { .. }
            ))
        ));
        // The wrong table size from the verifier's layout.
        assert!(verify(m + 1, &claims, &proof, &mut Transcript::new(b"ip")).is_err());
        assert!(matches!(
            verify(0, &claims, &proof, &mut Transcript::new(b"ip")),
            Err(InnerProductError::TableSize { len: 1 })
        ));
        // Encoding round trip.
        let mut w = Writer::new();
        proof.encode(&mut w);
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        assert_eq!(InnerProductProof::<E>::decode(&mut r).unwrap(), proof);
        assert!(r.finish().is_ok());
    }

    /// Row-reduces `rows` (each `[S part | M part]`) pivoting on the S part only, and
    /// returns the M parts of the rows whose S part reduced to zero: the M-only
    /// functionals some combination of the revealed values computes.
    fn m_only_combinations(mut rows: Vec<(Vec<E>, Vec<E>)>) -> Vec<Vec<E>> {
        let cols = rows.first().map_or(0, |r| r.0.len());
        let mut next = 0;
        for col in 0..cols {
            let Some(p) = (next..rows.len()).find(|&i| rows[i].0[col] != E::ZERO) else {
                continue;
            };
            rows.swap(next, p);
            let inv = rows[next].0[col].inverse().unwrap();
            let pivot = rows[next].clone();
            for (i, row) in rows.iter_mut().enumerate() {
                if i != next && row.0[col] != E::ZERO {
                    let f = row.0[col] * inv;
                    for (a, b) in row.0.iter_mut().zip(&pivot.0) {
                        *a -= f * *b;
                    }
                    for (a, b) in row.1.iter_mut().zip(&pivot.1) {
                        *a -= f * *b;
                    }
                }
            }
            next += 1;
        }
        rows.drain(next..).map(|r| r.1).collect()
    }

    /// The zero-knowledge property of the view, by linear algebra over the field: with the
    /// honest run's challenges fixed, every revealed value (σ, each round's three
    /// evaluations, `Z̃(r*)`) is a linear functional of `Z`. Every combination of them that
    /// vanishes on the slack `S` must be a multiple of `⟨M, U⟩` (which the claims state
    /// anyway) or zero, so the view says nothing else about the masks. With the selector
    /// bound last, the last round's `p(0)` is `M̃(r_low)·Ũ(r_low)` and this fails. So
    /// does a table whose slack is smaller than the reveals (the twin below, and why
    /// `gkr::zk` refuses such tables).
    #[test]
    fn revealed_functionals_hide_the_masks() {
        for (m, n, seed) in [(5, 4, 3), (6, 5, 4), (7, 3, 5)] {
            assert!(
                !leaks(m, n, seed),
                "m={m}: a revealed combination is a functional of the masks alone"
            );
        }
        // 2^{m−1} = 4 slack values against 3m + 2 = 11 reveals less m + 1 public relations.
        assert!(leaks(3, 2, 1));
    }

    /// Whether some combination of the revealed values is a functional of `M` alone,
    /// other than a multiple of `⟨M, U⟩`.
    fn leaks(m: usize, n: usize, seed: u64) -> bool {
        {
            let (z, claims) = setup(m, n, 3, seed);
            let half = z.len() / 2;
            let (proof, point) = prove(&z, &claims, &mut Transcript::new(b"ip")).unwrap();
            let mut t = Transcript::new(b"ip");
            let (v, _, powers) = batch(m, proof.sigma, &claims, &mut t);
            let u = batched_covector(half, &claims, &powers);
            let h = interleave(&u, &mle::eq_table(&v));
            // Functional of the value Σ_{x>i} Z̃(r_<i, k, x)·H̃(r_<i, k, x), entry by entry.
            let round = |i: usize, k: u64| -> Vec<E> {
                (0..z.len())
                    .map(|y| {
                        let mut total = E::ZERO;
                        for rest in 0..1usize << (m - 1 - i) {
                            let mut pt = point[..i].to_vec();
                            pt.push(E::from_u64(k));
                            pt.extend(
                                (0..m - 1 - i).map(|b| E::from_u64(((rest >> b) & 1) as u64)),
                            );
                            total += mle::eq_at_index(&pt, y) * mle::evaluate_ext(&h, &pt);
                        }
                        total
                    })
                    .collect()
            };
            let mut functionals: Vec<Vec<E>> = Vec::new();
            // σ = S̃(v): entry 2j + 1 carries eq(v, j).
            let eq_v = mle::eq_table(&v);
            functionals.push(
                (0..z.len())
                    .map(|y| if y % 2 == 1 { eq_v[y / 2] } else { E::ZERO })
                    .collect(),
            );
            for i in 0..m {
                for k in 0..3 {
                    functionals.push(round(i, k));
                }
            }
            functionals.push((0..z.len()).map(|y| mle::eq_at_index(&point, y)).collect());
            // Sanity: the functionals give the revealed values on the real table.
            let apply = |f: &[E]| f.iter().zip(&z).map(|(&a, &b)| a * b).sum::<E>();
            assert_eq!(apply(&functionals[0]), proof.sigma);
            assert_eq!(apply(&functionals[1]), proof.rounds[0].0[0]);
            assert_eq!(apply(functionals.last().unwrap()), proof.z_value);
            let rows = functionals
                .iter()
                .map(|f| {
                    let s: Vec<E> = f.iter().skip(1).step_by(2).copied().collect();
                    let mm: Vec<E> = f.iter().step_by(2).copied().collect();
                    (s, mm)
                })
                .collect();
            for c in m_only_combinations(rows) {
                // Zero, or parallel to U.
                let Some(j) = c.iter().position(|x| *x != E::ZERO) else {
                    continue;
                };
                let Some(inv) = u[j].inverse() else {
                    return true;
                };
                let f = c[j] * inv;
                if !c.iter().zip(&u).all(|(&a, &b)| a == f * b) {
                    return true;
                }
            }
            false
        }
    }

    #[test]
    fn claim_outside_the_mask_half_refused() {
        let (z, mut claims) = setup(4, 2, 2, 1);
        claims[1].covector.push(8, E::ONE);
        assert_eq!(
            prove(&z, &claims, &mut Transcript::new(b"ip")).map(|_| ()),
            Err(InnerProductError::ClaimOutsideMasks {
                claim: 1,
                slot: 9,
                half: 8
            })
        );
    }
}
