//! The masked (zero-knowledge) sumcheck: the sumcheck run on `f + g` with
//! `g(x) = Σ_i s_i(x_i)`, one random polynomial `s_i` of the round degree per round.
//!
//! **Construction** (Libra, eprint 2019/317 §4; Construction 6.3 of eprint 2026/391 with
//! its combining challenge fixed to 1, as argued below). Over `a` variables, round `i`
//! (0-based, earlier challenges `r_0..r_{i−1}`, `k = a − 1 − i` variables still free) sends
//! the evaluations at `0..=d` of
//!
//! `H_i(X) = F_i(X) + 2^k·(Σ_{l<i} s_l(r_l) + s_i(X)) + 2^{k−1}·Σ_{l>i} (s_l(0) + s_l(1))`,
//!
//! where `F_i` is the plain round polynomial of `f`; that is exactly the round polynomial
//! of `f + g`. The mask coefficients (`d + 1` per round, uniform in the extension) sit in
//! the committed vector `M` at [`MaskSlots`] fixed by the circuit, and are committed
//! before any challenge of the proof is drawn.
//!
//! **What the verifier checks.** It never sees a mask value, so:
//! * round 0's sum `H_0(0) + H_0(1) = claim + G`, with `G = Σ_x g(x)` a linear form of
//!   `M` (weights `2^a` on each `c_0`, `2^{a−1}` on every other coefficient), becomes the
//!   [`DeferredClaim`] `⟨ℓ + γ_G, M⟩ = H_0(0) + H_0(1) − c` for an incoming claim
//!   `c + ⟨ℓ, M⟩`;
//! * rounds ≥ 1 are checked in the clear, exactly as [`super::verify`] does (round count
//!   and degree from the verifier's own [`MaskSlots`]);
//! * the end value `H_{a−1}(r_{a−1}) = f(r) + Σ_l s_l(r_l)` is returned as the
//!   [`Symbolic`] value of `f(r)`: `H_{a−1}(r_{a−1}) − ⟨γ_r, M⟩`, `γ_r` with weights
//!   `r_l^j` on `c_{l,j}`. The caller either feeds it into the next sumcheck as its claim
//!   or turns it into a deferred claim with [`Symbolic::equals`].
//!
//! **Soundness.** The sumcheck runs on the fixed polynomial `f + g` (fixed because `M` is
//! committed first), so its error is the plain `a·d/|E|`; every mask-dependent equation is
//! checked exactly by the inner product. Libra draws a combining challenge because it
//! sends `G` as a *claimed* value; here `G` is never claimed, so none is needed.
//!
//! **Zero knowledge.** The `X^j` coefficients (`j ≥ 1`) of `H_i` are shifted by
//! `2^k·c_{i,j}` and `H_0`'s constant term by `2^{a−1}·c_{0,0}` (through `G`'s share):
//! independent uniform values, so the revealed polynomials are uniform subject to the
//! in-clear checks of rounds ≥ 1, whatever `f` is — provided the masks' own values are
//! revealed only through the zero-knowledge inner product.

use super::{LagrangeNodes, RoundPoly, RoundProver, SumcheckError};
use crate::arith::{ExtensionField, Field};
use crate::transcript::{Transcript, labels};
use crate::zk::{Covector, DeferredClaim, MaskSlots, Symbolic};

/// One masked sumcheck's mask coefficients: `rounds × (degree + 1)` extension values,
/// round by round, `c_0` first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundMasks<E> {
    coeffs: Vec<E>,
    per_round: usize,
}

impl<E: Field> RoundMasks<E> {
    /// Masks for `slots`, each coefficient drawn from `draw` (a CSPRNG in production).
    pub fn from_fn(slots: MaskSlots, mut draw: impl FnMut() -> E) -> Self {
        RoundMasks {
            coeffs: (0..slots.rounds * slots.per_round)
                .map(|_| draw())
                .collect(),
            per_round: slots.per_round,
        }
    }

    /// Number of rounds.
    pub fn rounds(&self) -> usize {
        self.coeffs.len().checked_div(self.per_round).unwrap_or(0)
    }

    fn round(&self, i: usize) -> &[E] {
        &self.coeffs[i * self.per_round..(i + 1) * self.per_round]
    }

    /// `s_i(x)`.
    pub fn eval(&self, i: usize, x: E) -> E {
        self.round(i)
            .iter()
            .rev()
            .fold(E::ZERO, |acc, &c| acc * x + c)
    }

    /// Writes the coefficients into `M` at `slots` (each as its `DEGREE` base
    /// coordinates). `m` must be long enough; slots beyond it are an error.
    pub fn write<F: Field>(&self, slots: MaskSlots, m: &mut [F]) -> Result<(), SumcheckError>
    where
        E: ExtensionField<F>,
    {
        let end = slots.offset + slots.len(E::DEGREE);
        if slots.per_round != self.per_round || slots.rounds != self.rounds() || end > m.len() {
            return Err(SumcheckError::RoundCount {
                expected: slots.rounds,
                got: self.rounds(),
            });
        }
        for (i, c) in self.coeffs.iter().enumerate() {
            let at = slots.offset + i * E::DEGREE;
            m[at..at + E::DEGREE].copy_from_slice(&c.coeffs());
        }
        Ok(())
    }
}

/// `2^0, 2^1, …, 2^n` in the field.
fn powers_of_two<E: Field>(n: usize) -> Vec<E> {
    let mut p = Vec::with_capacity(n + 1);
    let mut x = E::ONE;
    for _ in 0..=n {
        p.push(x);
        x = x.double();
    }
    p
}

/// Runs the prover side of the masked sumcheck on `inst` with `masks`: absorbs each round
/// message, squeezes each challenge. Returns the messages and the point. The masks must
/// have the instance's round count and `degree + 1` coefficients per round.
pub fn prove<E: Field, P: RoundProver<E>>(
    inst: &mut P,
    masks: &RoundMasks<E>,
    t: &mut Transcript,
) -> Result<(Vec<RoundPoly<E>>, Vec<E>), SumcheckError> {
    let a = inst.num_rounds();
    let d = inst.degree();
    if masks.rounds() != a || masks.per_round != d + 1 {
        return Err(SumcheckError::RoundCount {
            expected: a,
            got: masks.rounds(),
        });
    }
    let two = powers_of_two::<E>(a);
    // suffix[i] = Σ_{l ≥ i} (s_l(0) + s_l(1)).
    let mut suffix = vec![E::ZERO; a + 1];
    for i in (0..a).rev() {
        suffix[i] = suffix[i + 1] + masks.eval(i, E::ZERO) + masks.eval(i, E::ONE);
    }
    let nodes: Vec<E> = (0..=d as u64).map(E::from_u64).collect();
    let mut prefix = E::ZERO;
    let mut polys = Vec::with_capacity(a);
    let mut point = Vec::with_capacity(a);
    for i in 0..a {
        let k = a - 1 - i;
        let rest = if k > 0 {
            two[k - 1] * suffix[i + 1]
        } else {
            E::ZERO
        };
        let evals: Vec<E> = inst
            .round_evals()
            .into_iter()
            .zip(&nodes)
            .map(|(fv, &x)| fv + two[k] * (prefix + masks.eval(i, x)) + rest)
            .collect();
        t.absorb_field(labels::ROUND_POLY, &evals);
        let r: E = t.challenge(labels::ROUND_CHALLENGE);
        inst.bind(r);
        prefix += masks.eval(i, r);
        polys.push(RoundPoly(evals));
        point.push(r);
    }
    Ok((polys, point))
}

/// The verifier's result for one masked sumcheck.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a masked sumcheck's final value and deferred claim must be used"]
pub struct MaskedSubclaim<E> {
    /// The point, in binding order.
    pub point: Vec<E>,
    /// `f(point)`, up to the masks.
    pub value: Symbolic<E>,
    /// Round 0's sum, which involves the masks (`None` for a sumcheck of no rounds).
    pub deferred: Option<DeferredClaim<E>>,
}

/// Verifies a masked sumcheck of `claim` (itself possibly symbolic) whose masks sit at
/// `slots`; the round count and degree come from `slots`, never from the proof.
pub fn verify<F: Field, E: ExtensionField<F>>(
    claim: Symbolic<E>,
    slots: MaskSlots,
    rounds: &[RoundPoly<E>],
    t: &mut Transcript,
) -> Result<MaskedSubclaim<E>, SumcheckError> {
    let a = slots.rounds;
    if rounds.len() != a {
        return Err(SumcheckError::RoundCount {
            expected: a,
            got: rounds.len(),
        });
    }
    if a == 0 {
        return Ok(MaskedSubclaim {
            point: Vec::new(),
            value: claim,
            deferred: None,
        });
    }
    let degree = slots.per_round.saturating_sub(1);
    let nodes = LagrangeNodes::<E>::new(degree);
    let mut running = E::ZERO;
    let mut point = Vec::with_capacity(a);
    let mut deferred = None;
    for (i, RoundPoly(evals)) in rounds.iter().enumerate() {
        if evals.len() != degree + 1 {
            return Err(SumcheckError::Degree {
                round: i,
                expected: degree + 1,
                got: evals.len(),
            });
        }
        let sum = evals[0] + evals[1];
        if i == 0 {
            // claim + G = H_0(0) + H_0(1), with G = ⟨γ_G, M⟩.
            deferred = Some(DeferredClaim {
                covector: round0_covector::<F, E>(&claim.covector, slots),
                value: sum - claim.constant,
            });
        } else if sum != running {
            return Err(SumcheckError::Sum { round: i });
        }
        t.absorb_field(labels::ROUND_POLY, evals);
        let r: E = t.challenge(labels::ROUND_CHALLENGE);
        running = nodes.interpolate(evals, r);
        point.push(r);
    }
    let covector = final_covector::<F, E>(slots, &point);
    Ok(MaskedSubclaim {
        point,
        value: Symbolic {
            constant: running,
            covector,
        },
        deferred,
    })
}

/// Round 0's deferred covector for an incoming claim with covector `incoming`:
/// `incoming + γ_G` (weights `2^a` on each `c_0`, `2^{a−1}` on every other coefficient).
/// The prover builds its deferred claims with this too, so both sides agree exactly.
pub fn round0_covector<F: Field, E: ExtensionField<F>>(
    incoming: &Covector<E>,
    slots: MaskSlots,
) -> Covector<E> {
    let a = slots.rounds;
    let two = powers_of_two::<E>(a);
    let mut u = incoming.clone();
    for l in 0..a {
        for j in 0..slots.per_round {
            let w = if j == 0 { two[a] } else { two[a - 1] };
            u.push_ext::<F>(slots.slot(l, j, E::DEGREE), w);
        }
    }
    u
}

/// What a prover mirroring [`verify`] needs for an incoming claim with covector
/// `incoming`, masks at `slots` and end point `point`: round 0's deferred covector
/// (`None` without rounds) and the covector of the final symbolic value (the incoming
/// one itself without rounds, as `verify` carries the claim through).
pub fn covectors<F: Field, E: ExtensionField<F>>(
    incoming: &Covector<E>,
    slots: MaskSlots,
    point: &[E],
) -> (Option<Covector<E>>, Covector<E>) {
    if slots.is_empty() {
        return (None, incoming.clone());
    }
    (
        Some(round0_covector::<F, E>(incoming, slots)),
        final_covector::<F, E>(slots, point),
    )
}

/// The covector of `f(r)`'s symbolic value at the end: `−γ_r` (weights `−r_l^j` on
/// `c_{l,j}`).
pub fn final_covector<F: Field, E: ExtensionField<F>>(
    slots: MaskSlots,
    point: &[E],
) -> Covector<E> {
    let mut gamma_r = Covector::new();
    for (i, &r) in point.iter().enumerate().take(slots.rounds) {
        let mut power = E::ONE;
        for j in 0..slots.per_round {
            gamma_r.push_ext::<F>(slots.slot(i, j, E::DEGREE), power);
            power *= r;
        }
    }
    gamma_r.neg()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::arith::{Goldilocks, GoldilocksExt3};
    use crate::mle;
    use crate::sumcheck::{ProductSumcheck, Table};
    use crate::zk::MaskCursor;

    type E = GoldilocksExt3;
    type F = Goldilocks;

    fn rng(seed: &mut u64) -> impl FnMut() -> E + '_ {
        move || {
            let bytes: Vec<u8> = (0..E::UNIFORM_BYTES)
                .map(|_| {
                    *seed = seed
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    (*seed >> 56) as u8
                })
                .collect();
            E::from_uniform_bytes(&bytes)
        }
    }

    fn base(seed: &mut u64, n: usize) -> Vec<F> {
        (0..n)
            .map(|_| {
                *seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                F::from_u64(*seed >> 11)
            })
            .collect()
    }

    struct Case {
        f: Vec<F>,
        h: Vec<E>,
        masks: RoundMasks<E>,
        slots: MaskSlots,
        m: Vec<F>,
        claim: E,
    }

    fn case(a: usize, seed: u64, offset: usize) -> Case {
        let mut s = seed;
        let f = base(&mut s, 1 << a);
        let h: Vec<E> = (0..1 << a).map(|_| rng(&mut s)()).collect();
        let mut cur = MaskCursor::new(3);
        let _ = cur.take(offset, 2);
        let slots = cur.take(a, 2);
        let masks = RoundMasks::from_fn(slots, rng(&mut s));
        let mut m = base(&mut s, cur.used() + 5);
        masks.write(slots, &mut m).unwrap();
        let claim = f.iter().zip(&h).map(|(&x, &y)| y * x).sum();
        Case {
            f,
            h,
            masks,
            slots,
            m,
            claim,
        }
    }

    /// `Σ_{x_{i+1..}} (f·h + g)(r_0..r_{i−1}, X, x_{i+1..})` at `X`, by brute force over
    /// the hypercube, each term an MLE evaluation.
    fn brute_round(c: &Case, prefix: &[E], x: E) -> E {
        let a = c.slots.rounds;
        let i = prefix.len();
        let fe: Vec<E> = c.f.iter().map(|&v| E::from(v)).collect();
        let mut total = E::ZERO;
        for rest in 0..1usize << (a - 1 - i) {
            let mut pt = prefix.to_vec();
            pt.push(x);
            pt.extend((0..a - 1 - i).map(|b| E::from_u64(((rest >> b) & 1) as u64)));
            let g: E = (0..a).map(|l| c.masks.eval(l, pt[l])).sum();
            total += mle::evaluate_ext(&fe, &pt) * mle::evaluate_ext(&c.h, &pt) + g;
        }
        total
    }

    #[test]
    fn masked_round_matches_brute_force() {
        for a in 1..=5 {
            let c = case(a, 7 + a as u64, 3);
            let mut inst = ProductSumcheck::<F, E>::new(Table::Base(&c.f), c.h.clone());
            let mut t = Transcript::new(b"masked");
            let (polys, point) = prove(&mut inst, &c.masks, &mut t).unwrap();
            for (i, RoundPoly(ev)) in polys.iter().enumerate() {
                for (k, &v) in ev.iter().enumerate() {
                    let want = brute_round(&c, &point[..i], E::from_u64(k as u64));
                    assert_eq!(v, want, "a={a} round {i} X={k}");
                }
            }
        }
    }

    #[test]
    fn honest_run_verifies_and_deferred_claims_hold() {
        for a in 0..=6 {
            let c = case(a, 100 + a as u64, 11);
            let mut inst = ProductSumcheck::<F, E>::new(Table::Base(&c.f), c.h.clone());
            let mut tp = Transcript::new(b"masked");
            let (polys, point) = prove(&mut inst, &c.masks, &mut tp).unwrap();
            // The incoming claim may itself be symbolic: split it as c + ⟨ℓ, M⟩.
            let mut l = Covector::new();
            l.push(0, E::from_u64(5));
            let claim = Symbolic {
                constant: c.claim - l.apply(&c.m),
                covector: l,
            };
            let mut tv = Transcript::new(b"masked");
            let sub = verify::<F, E>(claim, c.slots, &polys, &mut tv).unwrap();
            assert_eq!(sub.point, point);
            assert_eq!(tp.state(), tv.state());
            let fe: Vec<E> = c.f.iter().map(|&v| E::from(v)).collect();
            let want = mle::evaluate_ext(&fe, &point) * mle::evaluate_ext(&c.h, &point);
            assert_eq!(sub.value.evaluate(&c.m), want, "a={a}");
            if a > 0 {
                assert!(sub.deferred.as_ref().unwrap().holds(&c.m));
            }
            // The final claim, checked against the true value, holds as a deferred claim.
            assert!(sub.value.equals(want).holds(&c.m));
        }
    }

    #[test]
    fn masks_change_every_round_message() {
        let c = case(4, 3, 0);
        let zero = RoundMasks::from_fn(c.slots, || E::ZERO);
        let run = |masks: &RoundMasks<E>| {
            let mut inst = ProductSumcheck::<F, E>::new(Table::Base(&c.f), c.h.clone());
            prove(&mut inst, masks, &mut Transcript::new(b"masked"))
                .unwrap()
                .0
        };
        let (plain, masked) = (run(&zero), run(&c.masks));
        // Zero masks give the plain sumcheck's messages.
        let mut inst = ProductSumcheck::<F, E>::new(Table::Base(&c.f), c.h.clone());
        assert_eq!(
            plain,
            super::super::prove(&mut inst, &mut Transcript::new(b"masked")).0
        );
        for (p, m) in plain.iter().zip(&masked) {
            assert!(p.0.iter().zip(&m.0).all(|(x, y)| x != y));
        }
    }

    #[test]
    fn tampering_is_rejected_or_breaks_a_deferred_claim() {
        let c = case(5, 21, 2);
        let mut inst = ProductSumcheck::<F, E>::new(Table::Base(&c.f), c.h.clone());
        let (polys, _) = prove(&mut inst, &c.masks, &mut Transcript::new(b"masked")).unwrap();
        let verify_with = |p: &[RoundPoly<E>], claim: E| {
            verify::<F, E>(
                Symbolic::known(claim),
                c.slots,
                p,
                &mut Transcript::new(b"masked"),
            )
        };
        // A later round's sum is checked in the clear.
        let mut bad = polys.clone();
        bad[2].0[1] += E::ONE;
        assert_eq!(
            verify_with(&bad, c.claim),
            Err(SumcheckError::Sum { round: 2 })
        );
        // Wrong counts.
        assert!(matches!(
            verify_with(&polys[1..], c.claim),
            Err(SumcheckError::RoundCount {
                expected: 5,
                got: 4
            })
        ));
        let mut bad = polys.clone();
        bad[3].0.push(E::ONE);
        assert!(matches!(
            verify_with(&bad, c.claim),
            Err(SumcheckError::Degree { round: 3, .. })
        ));
        // A false claim passes the clear checks but its deferred claim fails on M.
        let sub = verify_with(&polys, c.claim + E::ONE).unwrap();
        assert!(!sub.deferred.unwrap().holds(&c.m));
        // Round 0 shifted in its sum: round 1 fails or the deferred claim does.
        let mut bad = polys.clone();
        bad[0].0[0] += E::ONE;
        match verify_with(&bad, c.claim) {
            Err(SumcheckError::Sum { round: 1 }) => {}
            Ok(sub) => assert!(!sub.deferred.unwrap().holds(&c.m)),
            other => panic!("unexpected {other:?}"),
        }
        // A changed last round: the final value no longer matches f(r)·h(r).
        let mut bad = polys;
        bad[4].0[2] += E::ONE;
        let sub = verify_with(&bad, c.claim).unwrap();
        let fe: Vec<E> = c.f.iter().map(|&v| E::from(v)).collect();
        let want = mle::evaluate_ext(&fe, &sub.point) * mle::evaluate_ext(&c.h, &sub.point);
        assert!(!sub.value.equals(want).holds(&c.m));
    }
}
