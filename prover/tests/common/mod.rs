//! Shared helpers for the prover's integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use circuits::random::{self, BlockKind, BlockSpec, Spec};
use circuits::{Circuit, RegionKind};
use prover::commit::Digest;
use prover::{Field, Goldilocks, Statement, TransparentProof, Witness};

pub type F = Goldilocks;

/// Random witness data sized for the circuit.
pub struct Data {
    pub public: Vec<F>,
    pub weights: Vec<F>,
    pub private: Vec<F>,
}

impl Data {
    pub fn random(c: &Circuit, seed: u64) -> Data {
        let conv = |v: Vec<u64>| v.into_iter().map(F::from_u64).collect::<Vec<_>>();
        Data {
            public: conv(random::values(c.num_public as usize, seed ^ 1)),
            weights: conv(random::values(
                c.input.len_of(RegionKind::Weights),
                seed ^ 2,
            )),
            private: conv(random::values(
                c.input.len_of(RegionKind::Private),
                seed ^ 3,
            )),
        }
    }
    pub fn witness(&self) -> Witness<'_, F> {
        Witness {
            public: &self.public,
            weights: &self.weights,
            private: &self.private,
        }
    }
}

/// A random circuit, its data, an honest proof and the outputs.
pub struct Case {
    pub circuit: Circuit,
    pub data: Data,
    pub proof: TransparentProof,
    pub outputs: Vec<F>,
    /// The model's weights commitment, as a verifier holds it (none without weights).
    pub weights_commitment: Option<Digest>,
}

pub const CONTEXT: &[u8] = b"test-context";

impl Case {
    pub fn new(spec: &Spec, seed: u64) -> Case {
        let circuit = random::circuit(spec, seed);
        let data = Data::random(&circuit, seed);
        let (proof, outputs) =
            prover::prove_transparent(&circuit, &data.witness(), CONTEXT).unwrap();
        let weights_commitment = prover::transparent_weights_commitment(&circuit, &data.weights);
        Case {
            circuit,
            data,
            proof,
            outputs,
            weights_commitment,
        }
    }
    pub fn statement(&self) -> Statement<'_, F> {
        Statement {
            public: &self.data.public,
            outputs: &self.outputs,
            context: CONTEXT,
            weights_commitment: self.weights_commitment.as_ref(),
        }
    }
    pub fn verify(&self, proof: &TransparentProof) -> Result<(), prover::VerifyError> {
        prover::verify_transparent(&self.circuit, &self.statement(), proof)
    }
}

/// A medium circuit with every feature: mul and add layers, constants, public inputs.
pub fn rich_spec() -> Spec {
    Spec {
        log_widths: vec![6, 5, 5, 4, 3],
        fan_in: 3,
        mul_percent: 50,
        const_percent: 30,
        num_public: 6,
        alternate_add_only: true,
        num_challenges: 0,
        zero_outputs: 2,
        blocks: Vec::new(),
        gate_span: false,
    }
}

/// A block of `kind` at `layer`, for a [`Spec`].
pub fn block(kind: BlockKind, layer: usize) -> BlockSpec {
    BlockSpec { kind, layer }
}

/// Blocks above blocks (several claims each), with mul gates, public inputs and constants.
pub fn blocks_above_blocks() -> Spec {
    use BlockKind::{Conv2d, MatMul};
    Spec {
        log_widths: vec![5, 4, 4, 4, 3],
        mul_percent: 40,
        const_percent: 30,
        num_public: 3,
        blocks: vec![
            block(Conv2d, 1),
            block(Conv2d, 2),
            block(MatMul, 3),
            block(MatMul, 2),
        ],
        ..Spec::default()
    }
}

/// Block circuits every block test runs (callers append their own): each kind alone at
/// layer 1, both over two layers with mul gates, three blocks in one layer.
pub fn block_specs() -> Vec<(&'static str, Spec)> {
    use BlockKind::{Conv2d, MatMul};
    let base = Spec {
        log_widths: vec![4, 4, 3],
        ..Spec::default()
    };
    vec![
        (
            "conv at layer 1",
            Spec {
                blocks: vec![block(Conv2d, 1)],
                ..base.clone()
            },
        ),
        (
            "matmul at layer 1",
            Spec {
                blocks: vec![block(MatMul, 1)],
                ..base.clone()
            },
        ),
        (
            "conv then matmul, mul gates",
            Spec {
                log_widths: vec![4, 4, 4, 3],
                mul_percent: 50,
                blocks: vec![block(Conv2d, 1), block(MatMul, 2)],
                ..base.clone()
            },
        ),
        (
            "three blocks in one layer",
            Spec {
                blocks: vec![block(Conv2d, 1), block(MatMul, 1), block(Conv2d, 1)],
                ..base
            },
        ),
    ]
}

/// How many 8-byte little-endian windows of `bytes`, at any alignment, are in `values`.
pub fn hits(bytes: &[u8], values: &std::collections::HashSet<u64>) -> usize {
    bytes
        .windows(8)
        .filter(|w| values.contains(&u64::from_le_bytes((*w).try_into().unwrap())))
        .count()
}

/// `n` random field elements.
pub fn field_values(n: usize, seed: u64) -> Vec<F> {
    random::values(n, seed)
        .into_iter()
        .map(F::from_u64)
        .collect()
}
