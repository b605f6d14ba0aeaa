//! The masked (zero-knowledge) prover's entry points ([`super::zk`] says what they hide
//! and what they do not yet): the plain prover's loop with every sumcheck masked, plus a
//! test-only fault that proves a block layer whose output is wrong.

use super::PreparedCircuit;
use super::prove::{CommittedWeights, ProvenMasked, Witness, prove_inner, with_committed_weights};
use super::values::{BlockOutputs, evaluate_all};
use super::zk::ZkLayout;
use crate::arith::{ExtensionField, Field};
use crate::commit::{CommitmentScheme, Digest};
use crate::error::ProveError;
use circuits::Circuit;

/// What a masked proof needs beyond a plain one: where the mask table lies, and the
/// secret seed its masks are drawn from (fresh and secret per proof).
#[derive(Clone, Copy, Debug)]
pub struct ZkArgs<'a> {
    /// The mask table's place in the private region.
    pub layout: ZkLayout,
    /// 32 secret bytes; the masks and slack are a PRF of them.
    pub seed: &'a [u8; 32],
}

/// [`prove_with_weights`] with every GKR sumcheck masked ([`super::zk`], which says what
/// is and is not hidden yet). The private witness's slots inside the mask table are
/// ignored: the prover fills them. Returns the proof, its inner product and the outputs.
pub fn prove_masked<F, E, C>(
    scheme: &C,
    prepared: &PreparedCircuit<'_>,
    weights: Option<&CommittedWeights<F, C::ProverData>>,
    witness: &Witness<'_, F>,
    context: &[u8],
    zk: ZkArgs<'_>,
) -> Result<ProvenMasked<F, E, C>, ProveError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    masked_inner(scheme, prepared, weights, witness, context, zk, true)
}

/// [`prove_masked`] without the satisfaction check (see [`prove_unchecked`]): only for
/// soundness tests.
#[doc(hidden)]
pub fn prove_masked_unchecked<F, E, C>(
    scheme: &C,
    prepared: &PreparedCircuit<'_>,
    weights: Option<&CommittedWeights<F, C::ProverData>>,
    witness: &Witness<'_, F>,
    context: &[u8],
    zk: ZkArgs<'_>,
) -> Result<ProvenMasked<F, E, C>, ProveError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    masked_inner(scheme, prepared, weights, witness, context, zk, false)
}

/// A fault for soundness tests: block `block` of layer `layer` outputs `Y[slot] + 1`
/// instead of its op's value, and every layer above is computed from that wrong `Y`.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockFault {
    /// The block's layer (1-based).
    pub layer: usize,
    /// The block's index in its layer.
    pub block: usize,
    /// The output slot (within the block's padded output) that is wrong.
    pub slot: usize,
}

/// [`prove_masked_unchecked`] with a block whose output `Y` is wrong ([`BlockFault`]):
/// the witness does not satisfy the block layer, and the prover proves it anyway. Only
/// for soundness tests.
#[doc(hidden)]
pub fn prove_masked_with_block_fault<F, E, C>(
    scheme: &C,
    prepared: &PreparedCircuit<'_>,
    weights: Option<&CommittedWeights<F, C::ProverData>>,
    witness: &Witness<'_, F>,
    context: &[u8],
    zk: ZkArgs<'_>,
    fault: BlockFault,
) -> Result<ProvenMasked<F, E, C>, ProveError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    masked_inner(
        scheme,
        prepared,
        weights,
        witness,
        context,
        MaskedArgs {
            zk,
            fault: Some(fault),
            agreement: None,
            private_agreement: &[],
            private_data: None,
        },
        false,
    )
}

/// The masked prover's arguments: the public ones, a test-only fault, the weights
/// stock's agreement point (on the whole weights region) the weights opening must cover,
/// and the slice boundaries' agreement points the private opening must cover.
#[derive(Debug)]
pub(crate) struct MaskedArgs<'a, E, D> {
    pub zk: ZkArgs<'a>,
    pub fault: Option<BlockFault>,
    pub agreement: Option<&'a [E]>,
    pub private_agreement: &'a [Vec<E>],
    /// The private region's commitment made beforehand ([`super::masked_private_commitment`]
    /// with the same witness, context and seed), used instead of committing again.
    pub private_data: Option<(&'a Digest, &'a D)>,
}

impl<E, D> Clone for MaskedArgs<'_, E, D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E, D> Copy for MaskedArgs<'_, E, D> {}

/// Agreement points a masked proof's openings cover beyond GKR's: the weights stock's (on
/// the whole weights region) and the slice boundaries' (on the whole private region).
#[derive(Debug)]
pub(crate) struct Agreements<'a, E, D> {
    pub weights: Option<&'a [E]>,
    pub private: &'a [Vec<E>],
    /// The private region's commitment and prover data, made beforehand.
    pub private_data: Option<(&'a Digest, &'a D)>,
}

/// [`prove_masked`] whose weights opening also covers `agreement.weights` (the weights
/// stock's point, `crate::zk` stock module) and whose private opening covers
/// `agreement.private` (the boundaries', `crate::zk::chain`), each appended after the
/// region's other points.
pub(crate) fn prove_masked_agreeing<F, E, C>(
    scheme: &C,
    prepared: &PreparedCircuit<'_>,
    weights: Option<&CommittedWeights<F, C::ProverData>>,
    witness: &Witness<'_, F>,
    context: &[u8],
    zk: ZkArgs<'_>,
    agreement: Agreements<'_, E, C::ProverData>,
) -> Result<ProvenMasked<F, E, C>, ProveError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    masked_inner(
        scheme,
        prepared,
        weights,
        witness,
        context,
        MaskedArgs {
            zk,
            fault: None,
            agreement: agreement.weights,
            private_agreement: agreement.private,
            private_data: agreement.private_data,
        },
        true,
    )
}

fn masked_inner<'a, F, E, C>(
    scheme: &C,
    prepared: &PreparedCircuit<'_>,
    weights: Option<&CommittedWeights<F, C::ProverData>>,
    witness: &Witness<'_, F>,
    context: &[u8],
    zk: impl Into<MaskedArgs<'a, E, C::ProverData>>,
    check: bool,
) -> Result<ProvenMasked<F, E, C>, ProveError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
    C::ProverData: 'a,
{
    let witness = with_committed_weights(prepared, weights, witness)?;
    let (proven, inner) = prove_inner(
        scheme,
        prepared,
        &witness,
        weights,
        context,
        check,
        Some(zk.into()),
    )?;
    let inner = inner.ok_or(ProveError::Unsupported {
        what: "a masked proof without its inner product",
    })?;
    Ok((proven, inner))
}

impl<'a, E, D> From<ZkArgs<'a>> for MaskedArgs<'a, E, D> {
    fn from(zk: ZkArgs<'a>) -> Self {
        MaskedArgs {
            zk,
            fault: None,
            agreement: None,
            private_agreement: &[],
            private_data: None,
        }
    }
}

/// The blocks' outputs with `fault` applied: evaluated honestly (challenges at zero:
/// faults are for circuits whose operands are free of challenges), then one slot off.
pub(super) fn faulty_outputs<F: Field, E: ExtensionField<F>>(
    circuit: &Circuit,
    public: &[F],
    input: &[F],
    fault: BlockFault,
) -> Result<BlockOutputs<F>, ProveError> {
    let zeros = vec![E::ZERO; circuit.num_challenges as usize];
    let (_, mut ys) = evaluate_all::<F, E>(circuit, public, input.to_vec(), &zeros, None)?;
    let v = fault
        .layer
        .checked_sub(1)
        .and_then(|l| ys.get_mut(l))
        .and_then(|l| l.get_mut(fault.block))
        .and_then(|y| y.get_mut(fault.slot))
        .ok_or(ProveError::Unsupported {
            what: "a block fault outside the circuit's blocks",
        })?;
    *v += F::ONE;
    Ok(ys)
}
