//! Typed errors: [`ProveError`] for misuse or a bad witness, [`VerifyError`] for a
//! rejected proof.

use crate::commit::CommitError;
use crate::gkr::structured::StructuredError;
use crate::sumcheck::SumcheckError;
use circuits::{CircuitError, DecodeError, RegionKind};
use thiserror::Error;

/// Why the prover refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProveError {
    /// The mask table's layout does not fit the circuit.
    #[error("mask table: {0}")]
    ZkLayout(#[from] crate::gkr::ZkLayoutError),
    /// The circuit is malformed.
    #[error("invalid circuit: {0}")]
    Circuit(#[from] CircuitError),
    /// A witness vector has the wrong length.
    #[error("{what}: expected {expected} values, got {got}")]
    Length {
        /// Which vector.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Given length.
        got: usize,
    },
    /// The witness does not satisfy the circuit: an output slot that must be zero is not.
    #[error("witness does not satisfy the circuit: output slot {slot} must be zero")]
    Unsatisfied {
        /// The output slot.
        slot: usize,
    },
    /// A public output changes with the in-circuit challenges (it must not: outputs are
    /// bound before the challenges are drawn).
    #[error("public output {index} (slot {slot}) depends on in-circuit challenges")]
    OutputDependsOnChallenges {
        /// Position in the public outputs.
        index: usize,
        /// Output slot.
        slot: usize,
    },
    /// A public output is not a base-field value.
    #[error("public output {index} (slot {slot}) is not a base-field value")]
    OutputNotBase {
        /// Position in the public outputs.
        index: usize,
        /// Output slot.
        slot: usize,
    },
    /// The commitment scheme refused (parameters, region size, points).
    #[error("commitment: {0}")]
    Commit(#[from] CommitError),
    /// Committed weights were given for a circuit without a weights region, or none
    /// for a circuit with one.
    #[error(
        "committed weights do not match the circuit's weights region (present iff the circuit has one)"
    )]
    NoWeightsRegion,
    /// The witness's weights differ from the committed ones.
    #[error("the witness's weights differ from the committed weights")]
    WeightsMismatch,
    /// Stored committed weights name another commitment scheme or other parameters.
    #[error("stored committed weights were made with another commitment scheme or parameters")]
    WeightsScheme,
    /// Re-committing stored weights does not reproduce their stored digest.
    #[error("stored committed weights do not reproduce their digest")]
    WeightsDigest,
    /// The circuit reads a committed region's padding, which the scheme does not prove
    /// zero.
    #[error(
        "a gate reads slot {slot}, padding of the {region:?} region, which this commitment scheme does not prove zero"
    )]
    ReadsCommittedPadding {
        /// The region.
        region: RegionKind,
        /// The slot read.
        slot: u32,
    },
    /// Stored committed weights do not decode.
    #[error("malformed committed weights: {0}")]
    Decode(#[from] DecodeError),
    /// The circuit uses a feature this prover does not prove yet.
    #[error("unsupported circuit: {what}")]
    Unsupported {
        /// What the circuit uses.
        what: &'static str,
    },
    /// The weights stock refused (size, index, or an entry already opened).
    #[error("weights stock: {0}")]
    Stock(&'static str),
    /// The circuit has no zero-knowledge proof here.
    #[error("zero knowledge: {0}")]
    ZeroKnowledge(#[from] crate::zk::ZkRefusal),
    /// A chain of zero-knowledge proofs (private slice boundaries) was asked for in a
    /// shape it cannot have.
    #[error("chain: {0}")]
    Chain(&'static str),
    /// A structured block could not be evaluated or proven.
    #[error("layer {layer}, block {block}: {source}")]
    Block {
        /// The block's layer (1 = first above the input).
        layer: usize,
        /// The block's index in its layer.
        block: usize,
        /// What the block reported.
        source: StructuredError,
    },
    /// A block's operand holds values outside the base field (its layer depends on
    /// in-circuit challenges); blocks are proven on base-field operands only.
    #[error("layer {layer}, block {block}: the operand depends on in-circuit challenges")]
    BlockOperandNotBase {
        /// The block's layer.
        layer: usize,
        /// The block's index in its layer.
        block: usize,
    },
}

/// Why a proof was rejected. Every variant says where.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The mask table's layout does not fit the circuit.
    #[error("mask table: {0}")]
    ZkLayout(crate::gkr::ZkLayoutError),
    /// The inner product discharging the masked sumchecks' deferred claims is rejected.
    #[error("masked sumchecks' inner product: {0}")]
    ZkInnerProduct(crate::zk::inner_product::InnerProductError),
    /// The private region's opening at the mask table's point differs from the value the
    /// inner product states.
    #[error(
        "the private region's opening at the mask table's point differs from the inner product's value"
    )]
    ZkTableValue,
    /// The proof bytes do not decode.
    #[error("malformed proof: {0}")]
    Decode(#[from] DecodeError),
    /// The weights stock entry the proof names is not in the key's stock (index out of
    /// range, wrong path length, or a path that does not lead to the root).
    #[error("the proof's weights commitment is not an entry of the key's weights stock")]
    StockPath,
    /// The weights opening's value at the stock's agreement point is not the key's: the
    /// proof's weights differ from the model's.
    #[error("the proof's weights disagree with the key's at the stock's agreement point")]
    WeightsAgreement,
    /// A chained proof's private opening does not state the value its proof gives for
    /// slice boundary `boundary` (0: the input's, or the output's when the slice has no
    /// private input) at the boundary's agreement point.
    #[error("the private opening disagrees with the proof's value at boundary {boundary}")]
    BoundaryAgreement {
        /// The boundary (in the slice's order: input, then output).
        boundary: usize,
    },
    /// Two consecutive slices' proofs give different values at their shared boundary's
    /// agreement point: slice `slice`'s output is not slice `slice + 1`'s input.
    #[error("slice {slice}'s output is not slice {}'s input", slice + 1)]
    BoundaryLink {
        /// The earlier slice.
        slice: usize,
    },
    /// A chain of proofs does not have the shape its circuits ask for.
    #[error("chain: {0}")]
    Chain(&'static str),
    /// The committed model input's opening is rejected (`--private-input`).
    #[error("the private input's commitment: {0}")]
    InputOpening(crate::commit::CommitError),
    /// The first slice's proof states another value at the input's agreement point than
    /// the input's commitment opens to: its input is not the committed one.
    #[error("the first slice's input is not the committed input")]
    InputLink,
    /// A zero-knowledge proof of a circuit with weights was verified without the key's
    /// weights stock, or names no stock entry; or a proof of a circuit without weights
    /// names one.
    #[error("the weights stock is missing, or given for a circuit without weights")]
    StockMissing,
    /// The circuit is malformed.
    #[error("invalid circuit: {0}")]
    Circuit(#[from] CircuitError),
    /// The statement's public input has the wrong length.
    #[error("public input: circuit expects {expected} values, statement has {got}")]
    PublicLength {
        /// Expected.
        expected: usize,
        /// Given.
        got: usize,
    },
    /// The statement's claimed outputs have the wrong length.
    #[error("public outputs: circuit expects {expected} values, statement has {got}")]
    OutputLength {
        /// Expected.
        expected: usize,
        /// Given.
        got: usize,
    },
    /// The proof carries the wrong number of commitments.
    #[error("proof carries {got} commitments, circuit has {expected} committed regions")]
    CommitmentCount {
        /// Expected.
        expected: usize,
        /// Given.
        got: usize,
    },
    /// The weights commitment is not the one the statement expects.
    #[error("weights commitment does not match the expected model commitment")]
    WeightsCommitment,
    /// The circuit has a weights region but the statement names no expected commitment:
    /// without one, any weights would prove.
    #[error(
        "the circuit has a weights region but the statement gives no expected weights commitment"
    )]
    WeightsCommitmentMissing,
    /// The statement expects a weights commitment but the circuit has no weights region.
    #[error("the statement expects a weights commitment but the circuit has no weights region")]
    UnexpectedWeightsCommitment,
    /// The proof carries the wrong number of layer proofs.
    #[error("proof has {got} layer proofs, circuit has {expected} layers")]
    LayerCount {
        /// Expected.
        expected: usize,
        /// Given.
        got: usize,
    },
    /// A layer's second phase is missing, or present where the layer has no mul gates.
    #[error("layer {layer}: phase-2 proof {}", if *.expected { "missing" } else { "unexpected (layer has no mul gates)" })]
    Phase2Shape {
        /// Layer (1-based).
        layer: usize,
        /// Whether the circuit needs one.
        expected: bool,
    },
    /// A sumcheck in a layer failed.
    #[error("layer {layer}, phase {phase}: {source}")]
    Sumcheck {
        /// Layer (1-based).
        layer: usize,
        /// 1 (x variables) or 2 (y variables).
        phase: u8,
        /// What failed.
        source: SumcheckError,
    },
    /// A layer's final check (the wiring predicates times the claimed values) failed.
    #[error("layer {layer}, phase {phase}: final claim does not match the wiring")]
    LayerFinal {
        /// Layer (1-based).
        layer: usize,
        /// Phase whose final check failed.
        phase: u8,
    },
    /// The proof carries the wrong number of openings.
    #[error("proof carries {got} openings, circuit has {expected} committed regions")]
    OpeningCount {
        /// Expected.
        expected: usize,
        /// Given.
        got: usize,
    },
    /// Protocol version 2: the proof's count of opening batches differs from the number
    /// of committed regions with claims (version 1: any batch at all).
    #[error("the proof has {got} opening batches, the circuit's claims need {expected}")]
    BatchCount {
        /// Regions with claims.
        expected: usize,
        /// Batches in the proof.
        got: usize,
    },
    /// A batch states a different number of values than its region has points.
    #[error("the {region:?} region's batch states {got} values for {expected} points")]
    BatchValues {
        /// Which region.
        region: RegionKind,
        /// Points on the region.
        expected: usize,
        /// Values stated.
        got: usize,
    },
    /// A batch's sumcheck is rejected.
    #[error("the {region:?} region's batch: {source}")]
    Batch {
        /// Which region.
        region: RegionKind,
        /// Why.
        source: SumcheckError,
    },
    /// A batch's final claim differs from `e(s)` times the opened value.
    #[error("the {region:?} region's batch does not end at the opened value")]
    BatchFinal {
        /// Which region.
        region: RegionKind,
    },
    /// An opening is rejected.
    #[error("opening of the {region:?} region: {source}")]
    Opening {
        /// Which region.
        region: RegionKind,
        /// Why.
        source: CommitError,
    },
    /// The circuit reads a committed region's padding, which the scheme does not prove
    /// zero.
    #[error(
        "a gate reads slot {slot}, padding of the {region:?} region, which this commitment scheme does not prove zero"
    )]
    ReadsCommittedPadding {
        /// The region.
        region: RegionKind,
        /// The slot read.
        slot: u32,
    },
    /// The circuit uses a feature this verifier does not verify yet.
    #[error("unsupported circuit: {what}")]
    Unsupported {
        /// What the circuit uses.
        what: &'static str,
    },
    /// The input layer does not evaluate to the claim GKR ended on.
    #[error("input layer evaluation {claim} does not match the final claim")]
    InputClaim {
        /// 0 for `rx`, 1 for `ry`, then one per block operand on the input layer.
        claim: usize,
    },
    /// A layer proof has a different number of block parts than the layer has blocks.
    #[error("layer {layer}: expected {expected} block parts, got {got}")]
    BlockCount {
        /// The layer.
        layer: usize,
        /// Blocks in the circuit's layer.
        expected: usize,
        /// Parts in the proof.
        got: usize,
    },
    /// A block part does not carry one output value per incoming claim.
    #[error("layer {layer}, block {block}: expected {expected} output values, got {got}")]
    BlockOutputs {
        /// The layer.
        layer: usize,
        /// The block.
        block: usize,
        /// Incoming claims on the layer.
        expected: usize,
        /// Values in the proof.
        got: usize,
    },
    /// A block's aggregation or op sumcheck, or its shape, is rejected.
    #[error("layer {layer}, block {block}: {source}")]
    Block {
        /// The layer.
        layer: usize,
        /// The block.
        block: usize,
        /// The block verifier's reason.
        source: StructuredError,
    },
    /// A block's claim on the weights region (a slab or a bias) does not match the
    /// weights opening.
    #[error("weights claim {index} (layer {layer}, block {block}) does not match the opening")]
    WeightsClaim {
        /// Index among all deferred weights claims, in proof order.
        index: usize,
        /// The block's layer.
        layer: usize,
        /// The block.
        block: usize,
    },
}
