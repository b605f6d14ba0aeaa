//! The layer loop's view of structured blocks: dispatch from the circuit's
//! [`StructuredOp`] to its [`Structured`] implementation, and the slices a block reads.

use super::structured::{
    BlockClaims, BlockMasks, BlockProof, BlockSlots, Claim, Structured, StructuredError,
    prove_block, prove_block_masked, verify_block, verify_block_masked,
};
use crate::arith::{ExtensionField, Field};
use crate::transcript::Transcript;
use crate::zk::{Covector, DeferredClaim, Symbolic};
use circuits::{Circuit, RegionKind, StructuredOp};

/// `Y` of one block, padded, in the base field.
pub(crate) fn evaluate<F: Field>(
    op: &StructuredOp,
    operand: &[F],
    weights: &[F],
) -> Result<Vec<F>, StructuredError> {
    fn run<S: Structured, F: Field>(
        s: &S,
        operand: &[F],
        weights: &[F],
    ) -> Result<Vec<F>, StructuredError> {
        let geo = s.geometry()?;
        s.evaluate_field(&geo, operand, weights)
    }
    match op {
        StructuredOp::Conv2d(c) => run(c, operand, weights),
        StructuredOp::MatMul(m) => run(m, operand, weights),
    }
}

/// Proves one block on its output claims (values already absorbed).
pub(crate) fn prove<F: Field, E: ExtensionField<F>>(
    op: &StructuredOp,
    claims: &[Claim<E>],
    y: &[F],
    operand: &[F],
    weights: &[F],
    t: &mut Transcript,
) -> Result<(BlockProof<E>, BlockClaims<E>), StructuredError> {
    match op {
        StructuredOp::Conv2d(c) => prove_block(c, claims, y, operand, weights, t),
        StructuredOp::MatMul(m) => prove_block(m, claims, y, operand, weights, t),
    }
}

/// Verifies one block against the output claims the verifier holds.
pub(crate) fn verify<E: Field>(
    op: &StructuredOp,
    claims: &[Claim<E>],
    proof: &BlockProof<E>,
    t: &mut Transcript,
) -> Result<BlockClaims<E>, StructuredError> {
    match op {
        StructuredOp::Conv2d(c) => verify_block(c, claims, proof, t),
        StructuredOp::MatMul(m) => verify_block(m, claims, proof, t),
    }
}

/// Proves one block masked (see [`super::structured::prove_block_masked`]): `claims` with
/// the true output values, `sent` the masked ones already absorbed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn prove_masked<F: Field, E: ExtensionField<F>>(
    op: &StructuredOp,
    claims: &[Claim<E>],
    sent: &[E],
    y: &[F],
    operand: &[F],
    weights: &[F],
    masks: (&BlockSlots, &BlockMasks<E>),
    covectors: &mut Vec<Covector<E>>,
    t: &mut Transcript,
) -> Result<(BlockProof<E>, BlockClaims<E>), StructuredError> {
    match op {
        StructuredOp::Conv2d(c) => {
            prove_block_masked(c, claims, sent, y, operand, weights, masks, covectors, t)
        }
        StructuredOp::MatMul(m) => {
            prove_block_masked(m, claims, sent, y, operand, weights, masks, covectors, t)
        }
    }
}

/// Verifies one masked block against its symbolic output claims.
pub(crate) fn verify_masked<F: Field, E: ExtensionField<F>>(
    op: &StructuredOp,
    claims: &[(Vec<E>, Symbolic<E>)],
    proof: &BlockProof<E>,
    slots: &BlockSlots,
    deferred: &mut Vec<DeferredClaim<E>>,
    t: &mut Transcript,
) -> Result<BlockClaims<E>, StructuredError> {
    match op {
        StructuredOp::Conv2d(c) => verify_block_masked(c, claims, proof, slots, deferred, t),
        StructuredOp::MatMul(m) => verify_block_masked(m, claims, proof, slots, deferred, t),
    }
}

/// The operand's span in the previous layer: first slot and `log2` of its length.
pub(crate) fn operand_span(op: &StructuredOp) -> Result<(usize, usize), StructuredError> {
    let t = op.operand();
    let log = t.log_len().ok_or(StructuredError::Op {
        what: "operand size overflows",
    })?;
    Ok((t.offset as usize, usize::from(log)))
}

/// The output's `log2` length.
pub(crate) fn out_log_len(op: &StructuredOp) -> Result<usize, StructuredError> {
    op.out_log_len()
        .map(usize::from)
        .ok_or(StructuredError::Op {
            what: "output size overflows",
        })
}

/// The whole weights region's padded span of the input layer (empty without one): block
/// weight offsets are relative to it.
pub(crate) fn weights_span<F>(circuit: &Circuit, input: &[F]) -> std::ops::Range<usize> {
    match circuit.input.region(RegionKind::Weights) {
        Some(r) => {
            let start = r.offset as usize;
            start..(start + (1usize << r.log_len)).min(input.len())
        }
        None => 0..0,
    }
}

/// A block's claim on the weights region, checked by the weights opening at the end.
#[derive(Clone, Debug)]
pub(crate) struct Deferred<E> {
    /// The block's layer.
    pub layer: usize,
    /// The block's index in its layer.
    pub block: usize,
    /// The claim.
    pub claim: super::structured::WeightClaim<E>,
}

impl<E: Field> Deferred<E> {
    /// The claim's point on the whole weights region (`region_log` coordinates): the
    /// slot's own coordinates, then the slot's index among aligned slots of its size as
    /// boolean coordinates. `None` if the slot is wider than the region (validation
    /// excludes it).
    pub fn region_point(&self, region_log: usize) -> Option<Vec<E>> {
        let slot = &self.claim.slot;
        let log = usize::from(slot.log_len);
        if log > region_log || self.claim.point.len() != log {
            return None;
        }
        Some(extend_point(
            &self.claim.point,
            (slot.offset >> log) as usize,
            region_log - log,
        ))
    }
}

/// `point ‖ bits(index)` over `high` more coordinates, LSB first: the point on a wider
/// table of an aligned subcube whose index among subcubes of its size is `index`.
pub(crate) fn extend_point<E: Field>(point: &[E], index: usize, high: usize) -> Vec<E> {
    let mut p = Vec::with_capacity(point.len() + high);
    p.extend_from_slice(point);
    p.extend((0..high).map(|i| {
        if i < usize::BITS as usize && (index >> i) & 1 == 1 {
            E::ONE
        } else {
            E::ZERO
        }
    }));
    p
}

/// What a block's sumchecks cost in soundness, from its description: rounds of the op
/// sumcheck, and the number of weights claims it defers (slabs and bias).
pub(crate) fn costs(op: &StructuredOp) -> Result<(usize, usize), StructuredError> {
    fn run<S: Structured>(s: &S) -> Result<(usize, usize), StructuredError> {
        let g = s.geometry()?;
        Ok((g.rounds, g.slabs.len() + usize::from(g.bias.is_some())))
    }
    match op {
        StructuredOp::Conv2d(c) => run(c),
        StructuredOp::MatMul(m) => run(m),
    }
}

/// The weights slots a block reads (slabs, then the bias).
pub(crate) fn weight_slots(
    op: &StructuredOp,
) -> Result<Vec<super::structured::WeightSlot>, StructuredError> {
    fn run<S: Structured>(s: &S) -> Result<Vec<super::structured::WeightSlot>, StructuredError> {
        let g = s.geometry()?;
        Ok(g.slabs.iter().chain(&g.bias).copied().collect())
    }
    match op {
        StructuredOp::Conv2d(c) => run(c),
        StructuredOp::MatMul(m) => run(m),
    }
}
