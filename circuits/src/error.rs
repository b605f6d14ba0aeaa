//! Typed errors of circuit validation and decoding.

use thiserror::Error;

/// Why a circuit is not well formed. Every variant names the layer and the gate.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CircuitError {
    /// The circuit has no layer above the input.
    #[error("circuit has no layers above the input")]
    NoLayers,
    /// A width is outside `1..=MAX_LOG_WIDTH` bits.
    #[error("layer {layer}: log width {log_width} outside 1..={max}")]
    Width {
        /// Layer index (0 = input).
        layer: usize,
        /// The offending value.
        log_width: u8,
        /// The limit.
        max: u8,
    },
    /// A gate writes past its layer's width.
    #[error("layer {layer}: {kind} gate {gate} writes slot {slot}, width is {width}")]
    OutputSlot {
        /// Layer index.
        layer: usize,
        /// "mul", "add" or "const".
        kind: &'static str,
        /// Gate index within its list.
        gate: usize,
        /// The slot.
        slot: u32,
        /// The layer's width.
        width: usize,
    },
    /// A gate reads past the previous layer's width.
    #[error("layer {layer}: {kind} gate {gate} reads slot {slot}, previous width is {width}")]
    InputSlot {
        /// Layer index.
        layer: usize,
        /// "mul" or "add".
        kind: &'static str,
        /// Gate index within its list.
        gate: usize,
        /// The slot.
        slot: u32,
        /// The previous layer's width.
        width: usize,
    },
    /// A coefficient names a challenge the circuit does not declare.
    #[error("layer {layer}: {kind} gate {gate} uses challenge {index}, circuit declares {count}")]
    Challenge {
        /// Layer index.
        layer: usize,
        /// Gate kind.
        kind: &'static str,
        /// Gate index.
        gate: usize,
        /// Challenge index.
        index: u32,
        /// Declared challenges.
        count: u32,
    },
    /// A constant gate names a public input the circuit does not declare.
    #[error(
        "layer {layer}: const gate {gate} reads public input {index}, circuit declares {count}"
    )]
    PublicIndex {
        /// Layer index.
        layer: usize,
        /// Gate index.
        gate: usize,
        /// Public input index.
        index: u32,
        /// Declared public inputs.
        count: u32,
    },
    /// An input region is malformed (misaligned, too long, out of the layer, overlapping,
    /// or a kind given twice).
    #[error("input region {region} ({kind:?}): {reason}")]
    Region {
        /// Region index.
        region: usize,
        /// Its kind.
        kind: crate::RegionKind,
        /// What is wrong.
        reason: &'static str,
    },
    /// A public output slot is out of range or listed twice.
    #[error("public output {index}: slot {slot} {reason}")]
    PublicOutput {
        /// Position in `public_outputs`.
        index: usize,
        /// The slot.
        slot: u32,
        /// What is wrong.
        reason: &'static str,
    },
    /// A layer is wider than its used slots need. Every width must be the smallest power
    /// of two (at least 2) covering the layer's highest used slot: one a gate writes, the
    /// next layer reads, a public output names or (input layer) a region spans. A width
    /// no gate backs would let a few bytes of circuit cost the verifier gigabytes.
    #[error(
        "layer {layer}: width 2^{log_width} is not backed by its gates: {}, which needs width 2^{needed}",
        match highest_used { Some(s) => format!("its highest used slot is {s}"), None => "no slot is used".to_string() }
    )]
    UnbackedWidth {
        /// Layer index (0 = input).
        layer: usize,
        /// The declared `log_width`.
        log_width: u8,
        /// The highest slot in use, if any.
        highest_used: Option<u64>,
        /// The `log_width` the used slots need.
        needed: u8,
    },
    /// The circuit declares more challenges than gates reference one (checked before
    /// anything is allocated per challenge).
    #[error(
        "circuit declares {count} challenges, but only {referencing_gates} gates reference a challenge"
    )]
    ChallengeCount {
        /// Declared challenges.
        count: u32,
        /// Gates whose coefficient references a challenge.
        referencing_gates: usize,
    },
    /// A declared challenge is referenced by no gate: every index below
    /// `num_challenges` must be used (the compiler numbers only the challenges it uses).
    #[error("challenge {index} of the {count} declared is referenced by no gate")]
    UnusedChallenge {
        /// The unreferenced challenge index.
        index: u32,
        /// Declared challenges.
        count: u32,
    },
    /// A block's shape is invalid: a zero size, kernel, stride or dilation, a pad of
    /// `2^16` or more, an empty output, a depthwise convolution with `cin ≠ cout`, a
    /// matrix product whose operand is not `[K, 1, J]` with `K` the weight's columns, or
    /// a padded size beyond [`crate::MAX_LOG_WIDTH`] bits.
    #[error("layer {layer}, block {block}: shape {reason}")]
    BlockShape {
        /// Layer index (1-based).
        layer: usize,
        /// Block index within the layer.
        block: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A block's output span is misaligned, outside its layer, or overlaps another block.
    #[error("layer {layer}, block {block}: output {reason}")]
    BlockOutput {
        /// Layer index (1-based).
        layer: usize,
        /// Block index within the layer.
        block: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A gate writes inside a block's output span: the span belongs to the block alone
    /// (the prover splits a layer's claim between blocks and gates by span).
    #[error("layer {layer}: {kind} gate {gate} writes slot {slot}, inside block {block}")]
    GateInBlock {
        /// Layer index (1-based).
        layer: usize,
        /// Block index within the layer.
        block: usize,
        /// "mul", "add" or "const".
        kind: &'static str,
        /// Gate index within its list.
        gate: usize,
        /// The slot.
        slot: u32,
    },
    /// A block's operand is misaligned, outside the previous layer, or (at layer 1)
    /// not inside one public or private region.
    #[error("layer {layer}, block {block}: operand {reason}")]
    BlockOperand {
        /// Layer index (1-based).
        layer: usize,
        /// Block index within the layer.
        block: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A block's weights are misplaced: no weights region, or a slab, matrix or bias span
    /// misaligned or outside the region's span.
    #[error("layer {layer}, block {block}: weights {reason}")]
    BlockWeights {
        /// Layer index (1-based).
        layer: usize,
        /// Block index within the layer.
        block: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The blocks' verifier cost, summed up to this block, exceeds what the circuit's
    /// size allows: a few bytes of circuit must not declare unbounded verifier work.
    #[error(
        "layer {layer}, block {block}: blocks' verifier cost reaches {cost}, beyond {limit} for a circuit of this size"
    )]
    BlockBudget {
        /// Layer index (1-based).
        layer: usize,
        /// Block index within the layer.
        block: usize,
        /// Cost summed over the blocks up to this one.
        cost: u64,
        /// The limit (a multiple of the encoded size).
        limit: u64,
    },
    /// The gate span `gate_log_width` is malformed (zero, wider than the input layer) or
    /// the weights region starts below it.
    #[error("gate span 2^{gate_log_width}: {reason}")]
    GateSpan {
        /// The declared `gate_log_width`.
        gate_log_width: u8,
        /// What is wrong.
        reason: &'static str,
    },
    /// A layer-1 gate reads at or above the gate span.
    #[error(
        "layer 1: {kind} gate {gate} reads slot {slot}, outside the gate span 2^{gate_log_width}"
    )]
    GateSpanRead {
        /// "mul" or "add".
        kind: &'static str,
        /// Gate index within its list.
        gate: usize,
        /// The slot.
        slot: u32,
        /// The declared `gate_log_width`.
        gate_log_width: u8,
    },
    /// A vector handed to evaluation has the wrong length.
    #[error("{what}: expected {expected} values, got {got}")]
    Length {
        /// Which vector.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
}

/// Why bytes do not decode.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended early.
    #[error("unexpected end of input at byte {offset} while reading {what}")]
    Truncated {
        /// Where.
        offset: usize,
        /// What was being read.
        what: &'static str,
    },
    /// Bytes remain after a complete value.
    #[error("{count} trailing bytes after the encoded value")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// The magic bytes are wrong.
    #[error("bad magic: expected {expected:?}")]
    Magic {
        /// The expected magic.
        expected: [u8; 4],
    },
    /// The format version is not one this build reads.
    #[error("unsupported {what} format version {got}, this build reads versions {supported:?}")]
    Version {
        /// What format.
        what: &'static str,
        /// Version found.
        got: u32,
        /// The versions this build reads.
        supported: &'static [u32],
    },
    /// A tag byte is not a known value.
    #[error("invalid tag {tag} for {what} at byte {offset}")]
    Tag {
        /// The tag.
        tag: u8,
        /// What was being read.
        what: &'static str,
        /// Where.
        offset: usize,
    },
    /// A value is not in its canonical encoding: a field element `>= p`, or a circuit
    /// without structure encoded in version 2 (its canonical version is 1).
    #[error("non-canonical encoding at byte {offset}")]
    NonCanonical {
        /// Where.
        offset: usize,
    },
    /// A length prefix exceeds what the remaining bytes can hold.
    #[error("length {len} of {what} at byte {offset} exceeds the input")]
    Length {
        /// The length.
        len: u64,
        /// What was being read.
        what: &'static str,
        /// Where.
        offset: usize,
    },
    /// The decoded circuit is not valid.
    #[error("decoded circuit is invalid: {0}")]
    Invalid(#[from] CircuitError),
}
