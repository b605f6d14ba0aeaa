//! Goldilocks and its quadratic and cubic extensions, from Plonky3.
//!
//! With `-C target-cpu=native` (the workspace's `.cargo/config.toml`) Plonky3 also
//! compiles its packed AVX2/AVX-512 Goldilocks; the scalar types here are what the
//! engine's generic code uses.

use super::{ExtensionField, Field, PrimeField64 as OurPrime};
use circuits::DecodeError;
use circuits::codec::{Reader, Writer};
use p3_field::extension::{BinomialExtensionField, CubicTrinomialExtensionField};
use p3_field::integers::QuotientMap;
use p3_field::{BasedVectorSpace, Field as P3Field, PrimeCharacteristicRing, PrimeField64};

/// The Goldilocks prime field, `p = 2^64 − 2^32 + 1`.
pub type Goldilocks = p3_goldilocks::Goldilocks;
/// `Goldilocks[X]/(X^2 − 7)`, about 2^128 elements.
pub type GoldilocksExt2 = BinomialExtensionField<Goldilocks, 2>;
/// `Goldilocks[X]/(X^3 − X − 1)`, about 2^192 elements: Plonky3's cubic extension, the
/// challenge field WHIR needs to reach 100 bits without proof-of-work.
pub type GoldilocksExt3 = CubicTrinomialExtensionField<Goldilocks>;

fn reduce_u128(bytes: &[u8]) -> Goldilocks {
    let mut a = [0u8; 16];
    a.copy_from_slice(&bytes[..16]);
    Goldilocks::from_int(u128::from_le_bytes(a))
}

impl Field for Goldilocks {
    const ZERO: Self = <Goldilocks as PrimeCharacteristicRing>::ZERO;
    const ONE: Self = <Goldilocks as PrimeCharacteristicRing>::ONE;
    const ENCODED_BYTES: usize = 8;
    const UNIFORM_BYTES: usize = 16;
    const ID: &'static str = "goldilocks";

    #[inline]
    fn from_u64(v: u64) -> Self {
        Goldilocks::from_int(v)
    }
    #[inline]
    fn from_i64(v: i64) -> Self {
        Goldilocks::from_int(v)
    }
    fn inverse(&self) -> Option<Self> {
        self.try_inverse()
    }
    fn encode(&self, w: &mut Writer) {
        w.u64(self.as_canonical_u64());
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let offset = r.offset();
        let v = r.u64("goldilocks element")?;
        Goldilocks::from_canonical_checked(v).ok_or(DecodeError::NonCanonical { offset })
    }
    fn from_uniform_bytes(bytes: &[u8]) -> Self {
        reduce_u128(bytes)
    }
}

impl OurPrime for Goldilocks {
    const ORDER: u64 = Goldilocks::ORDER_U64;
    fn as_u64(&self) -> u64 {
        self.as_canonical_u64()
    }
    fn from_canonical(v: u64) -> Option<Self> {
        Goldilocks::from_canonical_checked(v)
    }
}

impl Field for GoldilocksExt2 {
    const ZERO: Self = <GoldilocksExt2 as PrimeCharacteristicRing>::ZERO;
    const ONE: Self = <GoldilocksExt2 as PrimeCharacteristicRing>::ONE;
    const ENCODED_BYTES: usize = 16;
    const UNIFORM_BYTES: usize = 32;
    const ID: &'static str = "goldilocks-ext2(x^2-7)";

    #[inline]
    fn from_u64(v: u64) -> Self {
        GoldilocksExt2::from(Goldilocks::from_int(v))
    }
    #[inline]
    fn from_i64(v: i64) -> Self {
        GoldilocksExt2::from(Goldilocks::from_int(v))
    }
    fn inverse(&self) -> Option<Self> {
        self.try_inverse()
    }
    fn encode(&self, w: &mut Writer) {
        for c in <Self as BasedVectorSpace<Goldilocks>>::as_basis_coefficients_slice(self) {
            w.u64(c.as_canonical_u64());
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let a = <Goldilocks as Field>::decode(r)?;
        let b = <Goldilocks as Field>::decode(r)?;
        Ok(GoldilocksExt2::new([a, b]))
    }
    fn eq_split(lo: &mut [Self], hi: &mut [Self], r: Self) {
        super::kernels::packed::eq_split(lo, hi, r);
    }
    fn from_uniform_bytes(bytes: &[u8]) -> Self {
        GoldilocksExt2::new([reduce_u128(&bytes[..16]), reduce_u128(&bytes[16..32])])
    }
}

impl ExtensionField<Goldilocks> for GoldilocksExt2 {
    const DEGREE: usize = 2;
    fn coeffs(&self) -> Vec<Goldilocks> {
        <Self as BasedVectorSpace<Goldilocks>>::as_basis_coefficients_slice(self).to_vec()
    }
    fn basis(i: usize) -> Self {
        <Self as BasedVectorSpace<Goldilocks>>::ith_basis_element(i)
            .unwrap_or(<Self as Field>::ZERO)
    }
}

impl Field for GoldilocksExt3 {
    const ZERO: Self = <GoldilocksExt3 as PrimeCharacteristicRing>::ZERO;
    const ONE: Self = <GoldilocksExt3 as PrimeCharacteristicRing>::ONE;
    const ENCODED_BYTES: usize = 24;
    const UNIFORM_BYTES: usize = 48;
    const ID: &'static str = "goldilocks-ext3(x^3-x-1)";

    #[inline]
    fn from_u64(v: u64) -> Self {
        GoldilocksExt3::from(Goldilocks::from_int(v))
    }
    #[inline]
    fn from_i64(v: i64) -> Self {
        GoldilocksExt3::from(Goldilocks::from_int(v))
    }
    fn inverse(&self) -> Option<Self> {
        self.try_inverse()
    }
    fn encode(&self, w: &mut Writer) {
        for c in <Self as BasedVectorSpace<Goldilocks>>::as_basis_coefficients_slice(self) {
            w.u64(c.as_canonical_u64());
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let a = <Goldilocks as Field>::decode(r)?;
        let b = <Goldilocks as Field>::decode(r)?;
        let c = <Goldilocks as Field>::decode(r)?;
        Ok(GoldilocksExt3::new([a, b, c]))
    }
    fn eq_split(lo: &mut [Self], hi: &mut [Self], r: Self) {
        super::kernels::packed::eq_split(lo, hi, r);
    }
    fn from_uniform_bytes(bytes: &[u8]) -> Self {
        GoldilocksExt3::new([
            reduce_u128(&bytes[..16]),
            reduce_u128(&bytes[16..32]),
            reduce_u128(&bytes[32..48]),
        ])
    }
}

impl ExtensionField<Goldilocks> for GoldilocksExt3 {
    const DEGREE: usize = 3;
    fn coeffs(&self) -> Vec<Goldilocks> {
        <Self as BasedVectorSpace<Goldilocks>>::as_basis_coefficients_slice(self).to_vec()
    }
    fn basis(i: usize) -> Self {
        <Self as BasedVectorSpace<Goldilocks>>::ith_basis_element(i)
            .unwrap_or(<Self as Field>::ZERO)
    }
}
