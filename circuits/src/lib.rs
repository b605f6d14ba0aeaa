//! The layered arithmetic circuit that lamina proves.
//!
//! **Job.** Describe a circuit as Expander-style layers of power-of-two width, each output
//! slot a sum of mul gates `c·in[i]·in[j]`, add gates `c·in[i]` and constant gates (`c` or
//! `c·PI[k]`); validate it with typed errors; give it a canonical, versioned byte encoding
//! and a BLAKE3 digest of that encoding (the digest is what a proof binds); evaluate it
//! plainly on residues modulo the Goldilocks prime, as a reference for the prover.
//!
//! **May depend on:** nothing in the workspace. Coefficients are plain integers or
//! references to challenges; lowering into a field happens in `prover`.
//!
//! # Conventions
//!
//! * Layer `k` (1-based, `layers[k-1]`) reads the values of layer `k-1` and writes layer
//!   `k`. Layer 0 is the input layer, laid out in [`Region`]s: public input, weights,
//!   private values. The last layer is the output.
//! * Every width is `2^log_width` with `log_width >= 1`; unwritten slots hold 0.
//! * The expected output is fixed by the circuit: slots listed in
//!   [`Circuit::public_outputs`] carry the claimed public outputs, every other slot must be
//!   zero (constraint slots and padding).
//! * A layer may also hold structured [`Block`]s (a convolution or a matrix product) that
//!   write aligned spans of it from an operand tensor of the previous layer and the input
//!   layer's weights region (see [`structured`]).
#![forbid(unsafe_code)]

mod encoding;
mod error;
mod eval;
mod layered;
mod validate;
mod validate_blocks;

pub mod structured;

pub mod boundary;
pub mod codec;
pub mod compiler;
pub mod random;
pub mod zk;

pub use encoding::{
    CIRCUIT_FORMAT_VERSION, CIRCUIT_FORMAT_VERSION_STRUCTURED, CIRCUIT_MAGIC, CircuitDigest,
};
pub use error::{CircuitError, DecodeError};
pub use eval::{GOLDILOCKS_P, Residue};
pub use layered::{
    AddGate, Circuit, Coeff, ConstGate, ConstSource, InputLayout, Layer, MAX_LOG_WIDTH, MulGate,
    Region, RegionKind,
};
pub use structured::{
    Axis, Block, Conv2dOp, ConvSpec, MatMulOp, StructuredOp, TensorRef, WeightRef,
};
