//! Field arithmetic behind two small traits.
//!
//! [`Field`] is what the engine needs of any field: ring operations, inversion, small
//! integer embedding, a canonical little-endian encoding that rejects non-canonical bytes,
//! and unbiased sampling from uniform bytes. [`ExtensionField`] adds the embedding of a
//! base field. Circuit values live in the base field; every challenge, and every table
//! that mixes challenges in, lives in the extension.
//!
//! The one instantiation today is Goldilocks (`p = 2^64 − 2^32 + 1`) with its degree-2
//! extension `F[X]/(X^2 − 7)` and its degree-3 extension `F[X]/(X^3 − X − 1)` (the
//! challenge field of WHIR-committed proofs), all from Plonky3 (pinned). A second field
//! means a second file like `goldilocks.rs` (and its [`Accumulate`] impls), nothing else.
//!
//! | module | contents |
//! |---|---|
//! | `goldilocks` | the field types and their [`Field`] / [`ExtensionField`] impls |
//! | `accumulate` | [`Accumulate`]: delayed-reduction sums of products for the prover's kernels |
//! | `kernels` | [`PairKernels`]: the product sumcheck's loops, packed (SIMD) for Goldilocks |

mod accumulate;
mod goldilocks;
mod kernels;

pub use accumulate::{Accumulate, Wide};
pub use goldilocks::{Goldilocks, GoldilocksExt2, GoldilocksExt3};
pub(crate) use kernels::add3;
pub use kernels::{PairKernels, scalar};

use circuits::DecodeError;
use circuits::codec::{Reader, Writer};
use std::fmt::Debug;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, MulAssign, Neg, Sub, SubAssign};

/// A finite field as the engine uses it.
pub trait Field:
    Copy
    + Debug
    + Default
    + Eq
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + Sum
{
    /// Additive identity.
    const ZERO: Self;
    /// Multiplicative identity.
    const ONE: Self;
    /// Bytes of the canonical encoding.
    const ENCODED_BYTES: usize;
    /// Uniform bytes [`Field::from_uniform_bytes`] needs (16 per base coordinate, so the
    /// reduction bias stays below 2^-64).
    const UNIFORM_BYTES: usize;
    /// Stable identifier absorbed into every transcript.
    const ID: &'static str;

    /// The residue of a `u64`.
    fn from_u64(v: u64) -> Self;
    /// The residue of a signed integer (`-x ↦ p − x`).
    fn from_i64(v: i64) -> Self;
    /// `1/self`, or `None` for zero.
    fn inverse(&self) -> Option<Self>;
    /// Appends the canonical little-endian encoding.
    fn encode(&self, w: &mut Writer);
    /// Reads a canonical encoding; non-canonical values are an error.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
    /// An element from [`Field::UNIFORM_BYTES`] uniform bytes.
    fn from_uniform_bytes(bytes: &[u8]) -> Self;

    /// `self + self`.
    #[inline]
    fn double(&self) -> Self {
        *self + *self
    }

    /// `self·rhs`, the same value as `*`: the hot loops' product, a hook for a field with a
    /// faster inline one. (A hand-written delayed-reduction Ext2/Ext3 product measured
    /// 1.4–1.6× slower than p3's, so the Goldilocks extensions keep p3's.)
    #[inline(always)]
    fn mul_inline(self, rhs: Self) -> Self {
        self * rhs
    }

    /// One level of an eq table: `hi[i] = lo[i]·r`, then `lo[i] −= hi[i]` (equal
    /// lengths). A hook for packed loops; the Goldilocks extensions override it.
    #[inline]
    fn eq_split(lo: &mut [Self], hi: &mut [Self], r: Self) {
        for (l, h) in lo.iter_mut().zip(hi.iter_mut()) {
            *h = l.mul_inline(r);
            *l -= *h;
        }
    }
}

/// A prime field whose elements have a canonical `u64` form.
pub trait PrimeField64: Field {
    /// The modulus.
    const ORDER: u64;
    /// The canonical value in `0..p`.
    fn as_u64(&self) -> u64;
    /// The value `< p`, or `None` if `v >= p`.
    fn from_canonical(v: u64) -> Option<Self>;
}

/// An extension of the base field `B`: challenges and tables live here.
///
/// [`Accumulate`] and [`PairKernels`] are supertraits so that the prover's generic
/// kernels (sumcheck rounds, eq tables) can sum products without a reduction per product
/// and use the field's packed loops.
pub trait ExtensionField<B: Field>:
    Field
    + From<B>
    + Add<B, Output = Self>
    + Sub<B, Output = Self>
    + Mul<B, Output = Self>
    + Accumulate<B>
    + PairKernels<B>
{
    /// Extension degree over `B`.
    const DEGREE: usize;
    /// Coordinates over `B` (power basis).
    fn coeffs(&self) -> Vec<B>;
    /// The `i`-th power-basis element `X^i` (`i < DEGREE`): an element with coordinates
    /// `c` equals `Σ_i c_i·basis(i)`.
    fn basis(i: usize) -> Self;
    /// The element as a base-field element, if it lies in the base field.
    fn as_base(&self) -> Option<B> {
        let c = self.coeffs();
        c[1..].iter().all(|&x| x == B::ZERO).then_some(c[0])
    }
}

/// Test helpers shared by the prover's unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::Field;

    /// A deterministic pseudo-random element (an LCG's top bytes, through
    /// [`Field::from_uniform_bytes`]).
    pub(crate) fn rand<T: Field>(seed: &mut u64) -> T {
        let bytes: Vec<u8> = (0..T::UNIFORM_BYTES)
            .map(|_| {
                *seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (*seed >> 56) as u8
            })
            .collect();
        T::from_uniform_bytes(&bytes)
    }
}
