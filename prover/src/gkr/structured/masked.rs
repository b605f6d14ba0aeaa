//! Masked block sumchecks (issue 10, design `zero-knowledge.md` §3.6 items 1–2).
//!
//! A block's reveals in the plain protocol are its output values `Ỹ(r_c)` at the layer's
//! claims, the aggregation sumcheck's rounds and final value `Ỹ(ρ)`, and the op
//! sumcheck's rounds. Masked:
//!
//! * **Outputs.** The prover sends `t_c = Ỹ(r_c) + δ_c`, `δ_c` a fresh extension entry
//!   of the mask vector `M`; the verifier knows the output only as the [`Symbolic`]
//!   value `t_c − δ_c`, and carries `+w_c·eq·δ_c` in its layer claim (the plain verifier
//!   subtracts the outputs from it).
//! * **Aggregation** (several claims): run masked ([`masked`]) on the symbolic claim
//!   `Σ_c β^c (t_c − δ_c)`. Its final value `Ỹ(ρ)` is sent as `y' = Ỹ(ρ) + δ'`, `δ'`
//!   another fresh entry; round 0's sum and the final check
//!   `value(ρ) = (y' − δ')·mass(ρ)` become deferred claims, and the op sumcheck starts
//!   from the symbolic `y' − δ'`.
//! * **Op sumcheck**: masked on its symbolic claim less the bias term; round 0's sum and
//!   the final check `value(e) = a*·final_factor` become deferred claims.
//!
//! Not hidden (design §3.6 item 3, open): the bias value, the operand value `a*` and the
//! slab values `ω`, each an evaluation of an unpadded tensor on its own aligned sub-cube.
//!
//! The masks' places ([`BlockSlots`]) come from the circuit alone, in the order the
//! verifier meets them; the prover's deferred covectors are built by the same helpers
//! the verifier uses, in the same order, so the inner product's claims agree exactly.

use super::aggregate;
use super::{
    AggregateProof, BlockClaims, BlockProof, Claim, Stage, Structured, StructuredError,
    absorb_final, check_len, claims as block_claims, labels, prove_op_with, shape,
};
use crate::arith::{ExtensionField, Field};
use crate::mle;
use crate::sumcheck::masked::{self, RoundMasks};
use crate::sumcheck::{ProductSumcheck, SumcheckError, Table};
use crate::transcript::Transcript;
use crate::zk::{Covector, DeferredClaim, MaskCursor, MaskSlots, Symbolic};

/// Where one block's masks lie in `M`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockSlots {
    /// `δ_c`, one extension entry per output claim (a "round" of degree 0 each).
    pub outputs: MaskSlots,
    /// With more than one claim: the aggregation sumcheck's rounds, and `δ'` for its
    /// final value.
    pub aggregate: Option<(MaskSlots, MaskSlots)>,
    /// The op sumcheck's rounds.
    pub op: MaskSlots,
}

impl BlockSlots {
    /// Takes the slots of a block with `claims` output claims, `out_vars` output
    /// variables and `op_rounds` op rounds (the count `circuits::zk::block_mask_slots`
    /// gives).
    pub fn take(cursor: &mut MaskCursor, claims: usize, out_vars: usize, op_rounds: usize) -> Self {
        let outputs = cursor.take(claims, 0);
        let aggregate = (claims > 1).then(|| (cursor.take(out_vars, 2), cursor.take(1, 0)));
        let op = cursor.take(op_rounds, 2);
        BlockSlots {
            outputs,
            aggregate,
            op,
        }
    }
}

/// The prover's masks of one block, drawn for its [`BlockSlots`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockMasks<E> {
    outputs: RoundMasks<E>,
    aggregate: Option<(RoundMasks<E>, RoundMasks<E>)>,
    op: RoundMasks<E>,
}

impl<E: Field> BlockMasks<E> {
    /// Draws every mask of `slots` from `draw` and writes it into `m`.
    pub fn draw<F: Field>(
        slots: &BlockSlots,
        m: &mut [F],
        mut draw: impl FnMut() -> E,
    ) -> Result<Self, SumcheckError>
    where
        E: ExtensionField<F>,
    {
        let mut one = |s: MaskSlots, m: &mut [F]| {
            let r = RoundMasks::from_fn(s, &mut draw);
            r.write(s, m).map(|()| r)
        };
        let outputs = one(slots.outputs, m)?;
        let aggregate = match slots.aggregate {
            Some((rounds, at)) => Some((one(rounds, m)?, one(at, m)?)),
            None => None,
        };
        let op = one(slots.op, m)?;
        Ok(BlockMasks {
            outputs,
            aggregate,
            op,
        })
    }

    /// `δ_c`, the mask of output claim `c`.
    pub fn output(&self, c: usize) -> E {
        self.outputs.eval(c, E::ZERO)
    }
}

/// A `δ` entry (`rounds` index `i` of degree-0 slots) times `w`, as a covector.
fn delta<F: Field, E: ExtensionField<F>>(slots: MaskSlots, i: usize, w: E) -> Covector<E> {
    let mut c = Covector::new();
    c.push_ext::<F>(slots.slot(i, 0, E::DEGREE), w);
    c
}

/// Both sides: what the verifier knows of output claim `c`'s value, `t_c − δ_c`.
pub fn output_value<F: Field, E: ExtensionField<F>>(
    slots: &BlockSlots,
    c: usize,
    sent: E,
) -> Symbolic<E> {
    Symbolic {
        constant: sent,
        covector: delta::<F, E>(slots.outputs, c, E::ZERO - E::ONE),
    }
}

/// Both sides: the covector of `w·eq·δ_c`, what the layer claim carries for a block's
/// output at claim `c` (weight `w·eq(p_c|≥n, block index)`).
pub fn output_in_layer_claim<F: Field, E: ExtensionField<F>>(
    slots: &BlockSlots,
    c: usize,
    weight: E,
) -> Covector<E> {
    delta::<F, E>(slots.outputs, c, weight)
}

/// `Σ_c β^c·s_c` of symbolic values.
fn combine<E: Field>(values: &[Symbolic<E>], weights: &[E]) -> Symbolic<E> {
    let mut out = Symbolic::known(E::ZERO);
    for (v, &w) in values.iter().zip(weights) {
        out.constant += w * v.constant;
        out.covector.add_scaled(&v.covector, w);
    }
    out
}

/// Both sides: the aggregation's final check, `value(ρ) = (y' − δ')·mass`, as a deferred
/// claim, and the op sumcheck's symbolic claim `y' − δ'`.
fn aggregate_end<F: Field, E: ExtensionField<F>>(
    value: Symbolic<E>,
    at: MaskSlots,
    mass: E,
    sent: E,
) -> (DeferredClaim<E>, Symbolic<E>) {
    let mut lhs = value;
    lhs.covector.add_scaled(&delta::<F, E>(at, 0, E::ONE), mass);
    let claim = Symbolic {
        constant: sent,
        covector: delta::<F, E>(at, 0, E::ZERO - E::ONE),
    };
    (lhs.equals(sent * mass), claim)
}

fn mask_err(stage: Stage) -> impl Fn(SumcheckError) -> StructuredError {
    move |source| StructuredError::Sumcheck { stage, source }
}

/// Prover: one block, masked. `claims` hold the true output values at the layer's
/// points, `sent` the masked ones the proof carries (`t_c`, already absorbed). Pushes the
/// covectors of the block's deferred claims onto `covectors`, in the verifier's order.
#[allow(clippy::too_many_arguments)]
pub fn prove_block_masked<S: Structured, F: Field, E: ExtensionField<F>>(
    op: &S,
    claims: &[Claim<E>],
    sent: &[E],
    y: &[F],
    operand: &[F],
    weights: &[F],
    (slots, masks): (&BlockSlots, &BlockMasks<E>),
    covectors: &mut Vec<Covector<E>>,
    t: &mut Transcript,
) -> Result<(BlockProof<E>, BlockClaims<E>), StructuredError> {
    let geo = op.geometry()?;
    check_len("output claims", slots.outputs.rounds, claims.len())?;
    check_len("output claims", claims.len(), sent.len())?;
    let symbolic: Vec<Symbolic<E>> = (0..sent.len())
        .map(|c| output_value::<F, E>(slots, c, sent[c]))
        .collect();
    let (aggregate, at, at_symbolic) = match (claims, slots.aggregate, &masks.aggregate) {
        ([], _, _) => return Err(shape("output claims", 1, 0)),
        ([one], None, None) => (None, one.clone(), symbolic[0].clone()),
        (_, Some((rounds_slots, at_slots)), Some((round_masks, at_mask))) => {
            let n = geo.out_vars;
            aggregate::check_points(claims, n)?;
            check_len("output values", 1usize << n, y.len())?;
            let (w, h) = aggregate::table(y.len(), claims, t);
            let mut inst = ProductSumcheck::new(Table::Base(y), h);
            let (rounds, rho) =
                masked::prove(&mut inst, round_masks, t).map_err(mask_err(Stage::Aggregate))?;
            let y_at = inst.final_f();
            let y_sent = y_at + at_mask.eval(0, E::ZERO);
            t.absorb_field(labels::BLOCK_Y_AT, &[y_sent]);
            let incoming = combine(&symbolic, &w);
            let (d0, value) = masked::covectors::<F, E>(&incoming.covector, rounds_slots, &rho);
            covectors.extend(d0);
            let mass: E = claims
                .iter()
                .zip(&w)
                .map(|(c, &wc)| wc * mle::eq_eval(&c.point, &rho))
                .sum();
            let value = Symbolic {
                constant: E::ZERO,
                covector: value,
            };
            let (last, next) = aggregate_end::<F, E>(value, at_slots, mass, y_sent);
            covectors.push(last.covector);
            (
                Some(AggregateProof {
                    rounds,
                    y_at: y_sent,
                }),
                Claim {
                    point: rho,
                    value: y_at,
                },
                next,
            )
        }
        _ => return Err(shape("aggregation masks", claims.len(), 1)),
    };

    // The op sumcheck on `Ỹ(ρ)`, masked; the bias term is known, so its covectors are
    // those of the aggregated claim.
    let (op_proof, out) = prove_op_with(op, &at, operand, weights, t, |inst, t| {
        let (rounds, end) = masked::prove(inst, &masks.op, t).map_err(mask_err(Stage::Op))?;
        let (d0, value) = masked::covectors::<F, E>(&at_symbolic.covector, slots.op, &end);
        covectors.extend(d0);
        covectors.push(value);
        Ok((rounds, end))
    })?;
    Ok((
        BlockProof {
            aggregate,
            op: op_proof,
        },
        out,
    ))
}

/// Verifier: one masked block on its symbolic output claims (`points[c]`, `t_c − δ_c`);
/// the masks' places come from the verifier's own layout. Pushes the block's deferred
/// claims onto `deferred` and returns the claims on the operand and the weights, which
/// are in the clear.
pub fn verify_block_masked<S: Structured, F: Field, E: ExtensionField<F>>(
    op: &S,
    claims: &[(Vec<E>, Symbolic<E>)],
    proof: &BlockProof<E>,
    slots: &BlockSlots,
    deferred: &mut Vec<DeferredClaim<E>>,
    t: &mut Transcript,
) -> Result<BlockClaims<E>, StructuredError> {
    let geo = op.geometry()?;
    check_len("output claims", slots.outputs.rounds, claims.len())?;
    if let Some(c) = claims.iter().find(|c| c.0.len() != geo.out_vars) {
        return Err(shape("point on Y", geo.out_vars, c.0.len()));
    }
    let (rho, claim) = match (claims, &proof.aggregate, slots.aggregate) {
        ([], _, _) => return Err(shape("output claims", 1, 0)),
        ([one], None, None) => (one.0.clone(), one.1.clone()),
        ([_], Some(_), _) => return Err(shape("aggregation rounds present", 0, 1)),
        (_, None, _) => return Err(shape("aggregation rounds present", 1, 0)),
        (_, Some(p), Some((rounds_slots, at_slots))) => {
            check_len("aggregation rounds", geo.out_vars, rounds_slots.rounds)?;
            let beta: E = t.challenge(labels::BLOCK_BETA);
            let w = aggregate::powers(beta, claims.len());
            let values: Vec<Symbolic<E>> = claims.iter().map(|c| c.1.clone()).collect();
            let sub = masked::verify::<F, E>(combine(&values, &w), rounds_slots, &p.rounds, t)
                .map_err(mask_err(Stage::Aggregate))?;
            deferred.extend(sub.deferred);
            t.absorb_field(labels::BLOCK_Y_AT, &[p.y_at]);
            let mass: E = claims
                .iter()
                .zip(&w)
                .map(|(c, &wc)| wc * mle::eq_eval(&c.0, &sub.point))
                .sum();
            let (last, next) = aggregate_end::<F, E>(sub.value, at_slots, mass, p.y_at);
            deferred.push(last);
            (sub.point, next)
        }
        (_, Some(_), None) => return Err(shape("aggregation masks", claims.len(), 1)),
    };

    // The op sumcheck.
    let proof = &proof.op;
    check_len(
        "bias value",
        usize::from(geo.bias.is_some()),
        usize::from(proof.bias.is_some()),
    )?;
    check_len("slab values", geo.slabs.len(), proof.slabs.len())?;
    check_len("op rounds", geo.rounds, slots.op.rounds)?;
    let mut target = claim;
    if let Some(b) = proof.bias {
        t.absorb_field(labels::BLOCK_BIAS, &[b]);
        target.constant -= b * op.bias_mask(&geo, &rho);
    }
    let sub =
        masked::verify::<F, E>(target, slots.op, &proof.rounds, t).map_err(mask_err(Stage::Op))?;
    deferred.extend(sub.deferred);
    absorb_final(t, proof.operand, &proof.slabs);
    let point = op.slab_point(&geo, &rho, &sub.point)?;
    let ff = op.final_factor(&geo, &rho, &sub.point, &proof.slabs);
    deferred.push(sub.value.equals(proof.operand * ff));
    Ok(block_claims(
        op,
        &geo,
        &rho,
        sub.point,
        point,
        proof.operand,
        &proof.slabs,
        proof.bias,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::arith::{Goldilocks, GoldilocksExt3};
    use circuits::{MatMulOp, TensorRef, WeightRef};

    type E = GoldilocksExt3;
    type F = Goldilocks;

    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *seed >> 11
    }

    fn ext(seed: &mut u64) -> E {
        let bytes: Vec<u8> = (0..E::UNIFORM_BYTES).map(|_| lcg(seed) as u8).collect();
        E::from_uniform_bytes(&bytes)
    }

    /// A matrix product `2×4 · 4×2` with a bias, its output claims at `claims` random
    /// points, the masks in `M`, and an honest masked proof.
    struct Case {
        op: MatMulOp,
        slots: BlockSlots,
        m: Vec<F>,
        outputs: Vec<(Vec<E>, Symbolic<E>)>,
        proof: BlockProof<E>,
        covectors: Vec<Covector<E>>,
        state: [u8; 32],
    }

    fn case(claims: usize, seed: u64) -> Case {
        let mut s = seed;
        let op = MatMulOp {
            input: TensorRef {
                offset: 0,
                dims: [4, 1, 2],
            },
            weight: WeightRef {
                offset: 0,
                rows: 2,
                cols: 4,
            },
            bias: Some(8),
        };
        let geo = op.geometry().unwrap();
        let operand: Vec<F> = (0..8).map(|_| F::from_u64(lcg(&mut s))).collect();
        let weights: Vec<F> = (0..16).map(|_| F::from_u64(lcg(&mut s))).collect();
        let y = op.evaluate_field(&geo, &operand, &weights).unwrap();
        let points: Vec<Vec<E>> = (0..claims)
            .map(|_| (0..geo.out_vars).map(|_| ext(&mut s)).collect())
            .collect();
        let true_claims: Vec<Claim<E>> = points
            .iter()
            .map(|p| Claim {
                point: p.clone(),
                value: mle::evaluate_base(&y, p),
            })
            .collect();
        let mut cursor = MaskCursor::new(3);
        let _ = cursor.take(2, 2); // something before the block
        let slots = BlockSlots::take(&mut cursor, claims, geo.out_vars, geo.rounds);
        let mut m = vec![F::ZERO; cursor.used() + 4];
        let masks = BlockMasks::draw(&slots, &mut m, || ext(&mut s)).unwrap();
        let sent: Vec<E> = (0..claims)
            .map(|c| true_claims[c].value + masks.output(c))
            .collect();
        let mut tp = Transcript::new(b"masked-block");
        let mut covectors = Vec::new();
        let (proof, _) = prove_block_masked(
            &op,
            &true_claims,
            &sent,
            &y,
            &operand,
            &weights,
            (&slots, &masks),
            &mut covectors,
            &mut tp,
        )
        .unwrap();
        let outputs = points
            .into_iter()
            .enumerate()
            .map(|(c, p)| (p, output_value::<F, E>(&slots, c, sent[c])))
            .collect();
        Case {
            op,
            slots,
            m,
            outputs,
            proof,
            covectors,
            state: tp.state(),
        }
    }

    impl Case {
        fn verify(&self, proof: &BlockProof<E>) -> (Vec<DeferredClaim<E>>, [u8; 32]) {
            let mut t = Transcript::new(b"masked-block");
            let mut deferred = Vec::new();
            let _claims = verify_block_masked::<_, F, E>(
                &self.op,
                &self.outputs,
                proof,
                &self.slots,
                &mut deferred,
                &mut t,
            )
            .unwrap();
            (deferred, t.state())
        }

        /// Which deferred claims fail on `M`.
        fn failing(&self, deferred: &[DeferredClaim<E>]) -> Vec<usize> {
            (0..deferred.len())
                .filter(|&i| !deferred[i].holds(&self.m))
                .collect()
        }
    }

    /// Honest: the verifier's deferred claims are the prover's covectors, in order, and
    /// all hold on `M`; aggregation (several claims) adds its two.
    #[test]
    fn honest_block_defers_claims_that_hold() {
        for claims in [1, 3] {
            let c = case(claims, 10 + claims as u64);
            let (deferred, state) = c.verify(&c.proof);
            assert_eq!(state, c.state);
            let covs: Vec<&Covector<E>> = deferred.iter().map(|d| &d.covector).collect();
            assert_eq!(covs, c.covectors.iter().collect::<Vec<_>>());
            assert_eq!(deferred.len(), if claims > 1 { 4 } else { 2 });
            assert!(c.failing(&deferred).is_empty(), "claims {claims}");
        }
    }

    /// A changed `t_b` (transcript left alone): the first deferred claim — the round-0
    /// sum of the aggregation, or of the op with one claim — fails, and only it.
    #[test]
    fn tampered_output_breaks_the_first_deferred_claim() {
        for claims in [1, 3] {
            let mut c = case(claims, 20 + claims as u64);
            c.outputs[0].1.constant += E::ONE;
            let (deferred, _) = c.verify(&c.proof);
            assert_eq!(c.failing(&deferred), vec![0], "claims {claims}");
        }
    }

    /// A changed aggregated value `y'`: absorbed before the op sumcheck, whose round 1
    /// then fails in the clear.
    #[test]
    fn tampered_aggregated_value_is_rejected() {
        let c = case(3, 31);
        let mut p = c.proof.clone();
        p.aggregate.as_mut().unwrap().y_at += E::ONE;
        let mut t = Transcript::new(b"masked-block");
        assert!(matches!(
            verify_block_masked::<_, F, E>(
                &c.op,
                &c.outputs,
                &p,
                &c.slots,
                &mut Vec::new(),
                &mut t
            ),
            Err(StructuredError::Sumcheck {
                stage: Stage::Op,
                source: SumcheckError::Sum { round: 1 }
            })
        ));
    }

    /// A changed op final value `a*`: the op's final deferred claim fails, and only it.
    #[test]
    fn tampered_op_final_value_breaks_the_op_end() {
        for claims in [1, 3] {
            let c = case(claims, 40 + claims as u64);
            let mut p = c.proof.clone();
            p.op.operand += E::ONE;
            let (deferred, _) = c.verify(&p);
            assert_eq!(c.failing(&deferred), vec![deferred.len() - 1]);
            let mut p = c.proof.clone();
            p.op.slabs[0] += E::ONE;
            let (deferred, _) = c.verify(&p);
            assert_eq!(c.failing(&deferred), vec![deferred.len() - 1]);
        }
    }

    /// Shape errors, never panics: a missing aggregation, a wrong round count.
    #[test]
    fn wrong_shapes_are_typed_errors() {
        let c = case(3, 50);
        let mut t = Transcript::new(b"masked-block");
        let mut p = c.proof.clone();
        p.aggregate = None;
        assert!(matches!(
            verify_block_masked::<_, F, E>(
                &c.op,
                &c.outputs,
                &p,
                &c.slots,
                &mut Vec::new(),
                &mut t
            ),
            Err(StructuredError::Shape { .. })
        ));
        let mut p = c.proof.clone();
        p.op.rounds.pop();
        let mut t = Transcript::new(b"masked-block");
        assert!(matches!(
            verify_block_masked::<_, F, E>(
                &c.op,
                &c.outputs,
                &p,
                &c.slots,
                &mut Vec::new(),
                &mut t
            ),
            Err(StructuredError::Sumcheck {
                stage: Stage::Op,
                source: SumcheckError::RoundCount { .. }
            })
        ));
    }
}
