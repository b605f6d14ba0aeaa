//! The circuit data types.

use crate::structured::Block;

/// Largest supported `log_width` of any layer: 2^30 slots is far beyond any slice we
/// prove, and bounding it keeps every index in a `u32` and every shift defined.
pub const MAX_LOG_WIDTH: u8 = 30;

/// A gate coefficient: a small integer (lowered into the field as a signed residue), or a
/// challenge drawn from the transcript after the private inputs are committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Coeff {
    /// An integer; negative values map to `p - |c|`.
    Int(i64),
    /// The challenge with this index (`< Circuit::num_challenges`), drawn from the
    /// extension field.
    Challenge(u32),
    /// A challenge times an integer: how the compiler folds a constraint term `c·x` into a
    /// random combination `ρ_j·c·x` without a slot of its own.
    ChallengeTimes(u32, i64),
}

impl Coeff {
    /// The coefficient 1 (a relay when used on an add gate).
    pub const ONE: Coeff = Coeff::Int(1);

    /// The challenge index, if the coefficient references one.
    pub fn challenge(self) -> Option<u32> {
        match self {
            Coeff::Int(_) => None,
            Coeff::Challenge(i) | Coeff::ChallengeTimes(i, _) => Some(i),
        }
    }
}

/// `out[out] += coeff · in[in0] · in[in1]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MulGate {
    /// Output slot in this layer.
    pub out: u32,
    /// First input slot in the previous layer (bound in the first sumcheck phase).
    pub in0: u32,
    /// Second input slot in the previous layer (bound in the second phase).
    pub in1: u32,
    /// Coefficient.
    pub coeff: Coeff,
}

/// `out[out] += coeff · in[input]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AddGate {
    /// Output slot in this layer.
    pub out: u32,
    /// Input slot in the previous layer.
    pub input: u32,
    /// Coefficient.
    pub coeff: Coeff,
}

/// What a constant gate adds, before its coefficient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConstSource {
    /// The constant 1.
    One,
    /// The public input with this index (`< Circuit::num_public`).
    Public(u32),
}

/// `out[out] += coeff · source`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConstGate {
    /// Output slot in this layer.
    pub out: u32,
    /// Coefficient.
    pub coeff: Coeff,
    /// 1 or a public input.
    pub source: ConstSource,
}

/// One layer: its output width, its gates and its structured blocks.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Layer {
    /// The layer has `2^log_width` output slots.
    pub log_width: u8,
    /// Mul gates.
    pub mul: Vec<MulGate>,
    /// Add gates.
    pub add: Vec<AddGate>,
    /// Constant gates.
    pub constant: Vec<ConstGate>,
    /// Structured blocks, each writing its own aligned span that no gate writes into.
    /// They read the previous layer (the operand) and the input layer's weights region.
    pub blocks: Vec<Block>,
}

impl Layer {
    /// An empty layer of `2^log_width` slots.
    pub fn new(log_width: u8) -> Self {
        Layer {
            log_width,
            ..Layer::default()
        }
    }

    /// Number of output slots.
    pub fn width(&self) -> usize {
        1usize << self.log_width
    }

    /// Total gate count (blocks are not gates).
    pub fn num_gates(&self) -> usize {
        self.mul.len() + self.add.len() + self.constant.len()
    }
}

/// What a region of the input layer holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegionKind {
    /// Public input values `PI[0..len]`: the verifier knows them.
    Public,
    /// Model weights: committed (once per model, eventually hidden).
    Weights,
    /// Per-proof private values (hints): committed per proof.
    Private,
}

impl RegionKind {
    /// Whether the verifier learns this region only through a commitment.
    pub fn is_committed(self) -> bool {
        !matches!(self, RegionKind::Public)
    }

    pub(crate) fn tag(self) -> u8 {
        match self {
            RegionKind::Public => 0,
            RegionKind::Weights => 1,
            RegionKind::Private => 2,
        }
    }

    pub(crate) fn from_tag(tag: u8) -> Option<Self> {
        match tag {
            0 => Some(RegionKind::Public),
            1 => Some(RegionKind::Weights),
            2 => Some(RegionKind::Private),
            _ => None,
        }
    }
}

/// A subcube of the input layer: slots `offset .. offset + 2^log_len`, of which the first
/// `len` hold values and the rest are zero. `offset` is a multiple of `2^log_len`, so the
/// region's multilinear extension is the input's restricted to fixed high bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    /// What the region holds.
    pub kind: RegionKind,
    /// First slot, aligned to `2^log_len`.
    pub offset: u32,
    /// The region spans `2^log_len` slots.
    pub log_len: u8,
    /// Slots that hold values.
    pub len: u32,
}

/// The input layer: its width and regions (at most one of each kind, disjoint).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct InputLayout {
    /// The input layer has `2^log_width` slots.
    pub log_width: u8,
    /// Regions, in any order.
    pub regions: Vec<Region>,
    /// `Some(g)`: layer 1's gates read only slots `< 2^g`, and the weights region lies at
    /// or above `2^g`, so layer 1's gate sumcheck runs over `g` variables and the weights
    /// are reached only by blocks. `None`: the gates may read the whole input layer.
    pub gate_log_width: Option<u8>,
}

impl InputLayout {
    /// The region of this kind, if the layout has one.
    pub fn region(&self, kind: RegionKind) -> Option<&Region> {
        self.regions.iter().find(|r| r.kind == kind)
    }

    /// Number of value slots of this kind (0 when absent).
    pub fn len_of(&self, kind: RegionKind) -> usize {
        self.region(kind).map_or(0, |r| r.len as usize)
    }
}

/// A layered circuit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Circuit {
    /// The input layer.
    pub input: InputLayout,
    /// Layers 1..=d; the last one is the output.
    pub layers: Vec<Layer>,
    /// Length of the public input vector (region values and `ConstSource::Public` gates).
    pub num_public: u32,
    /// Number of challenges the coefficients may reference.
    pub num_challenges: u32,
    /// Output slots that carry public outputs, in the order the statement lists them.
    /// All other output slots must be zero.
    pub public_outputs: Vec<u32>,
}

impl Circuit {
    /// Number of layers above the input.
    pub fn depth(&self) -> usize {
        self.layers.len()
    }

    /// `log_width` of layer `k` (0 is the input).
    pub fn log_width(&self, k: usize) -> u8 {
        if k == 0 {
            self.input.log_width
        } else {
            self.layers[k - 1].log_width
        }
    }

    /// Variables of layer `k`'s gate part (`k ≥ 1`): `log_width(k − 1)`, or the gate span
    /// `g` at layer 1 when the input layout declares one (the prover's `gate_vars` says
    /// why that is sound).
    pub fn gate_log_width(&self, k: usize) -> u8 {
        match self.input.gate_log_width {
            Some(g) if k == 1 => g,
            _ => self.log_width(k - 1),
        }
    }

    /// Gates over all layers.
    pub fn num_gates(&self) -> usize {
        self.layers.iter().map(Layer::num_gates).sum()
    }

    /// Structured blocks over all layers.
    pub fn num_blocks(&self) -> usize {
        self.layers.iter().map(|l| l.blocks.len()).sum()
    }

    /// Whether the circuit uses anything beyond plain gates: a block or a gate span.
    /// Such a circuit is encoded in format version 2; one without, in version 1.
    pub fn has_structure(&self) -> bool {
        self.input.gate_log_width.is_some() || self.layers.iter().any(|l| !l.blocks.is_empty())
    }

    /// `log_width` of the output layer.
    pub fn output_log_width(&self) -> u8 {
        self.layers
            .last()
            .map_or(self.input.log_width, |l| l.log_width)
    }
}
