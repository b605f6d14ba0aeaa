//! The layer blueprints, one file each.
//!
//! A blueprint knows three things about its layer kind: the float reference
//! ([`Blueprint::float`]), the exact integer semantics at the global scale α = 2^K
//! ([`Blueprint::int`], which also produces the witness hints), and the circuit it emits
//! ([`Blueprint::emit`], which declares the same hints in the same order). Tests check the
//! three agree: the circuit solved with the integer hints reproduces the integer outputs,
//! and proves.

mod add;
mod conv2d;
mod gemm;
pub mod input;
mod maxpool;
mod relu;
mod rescale;
mod reshape;

pub use add::Add;
pub use conv2d::{Conv2d, ConvGeometry};
pub use gemm::Gemm;
pub use maxpool::{MaxPool, PoolGeometry};
pub use relu::Relu;
use rescale::LinearParams;
pub use rescale::Rescale;
pub use reshape::Reshape;

use crate::Result;
use circuits::compiler::{Builder, Var};

/// Number of bits of a non-negative bound: the smallest `b` with `bound < 2^b`.
pub fn bits_for(bound: i64) -> u32 {
    64 - (bound.max(0) as u64).leading_zeros()
}

/// One layer kind.
pub trait Blueprint: std::fmt::Debug + Send + Sync {
    /// The kind, as in labels and reports (`conv2d`, `gemm`, …).
    fn kind(&self) -> &'static str;
    /// Number of activation inputs (2 for `Add`).
    fn arity(&self) -> usize {
        1
    }
    /// Output element count.
    fn out_len(&self) -> usize;
    /// Bound on |output| in integer units (at α).
    fn out_bound(&self) -> i64;
    /// Quantized parameters, in the order `emit` declares them as weights.
    fn weights(&self) -> &[i64] {
        &[]
    }
    /// The float reference.
    fn float(&self, x: &[&[f64]]) -> Vec<f64>;
    /// Exact integer semantics; appends the hints `emit` declares, in order.
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>>;
    /// Emits the circuit: `w` are the weight variables (as many as `weights()`).
    fn emit(&self, b: &mut Builder, x: &[&[Var]], w: &[Var], layer: u32) -> Vec<Var>;
}
