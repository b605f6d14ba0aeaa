//! Sums of extension products with the modular reduction deferred to the end: the
//! arithmetic under the sumcheck kernels and [`crate::mle::evaluate_base`].
//!
//! A Goldilocks product is a 128-bit integer; a sum of many of them fits in 192 bits
//! (a `u128` and a carry count). Summing the schoolbook convolution coefficients of
//! extension products that way and reducing once per chunk replaces three reductions per
//! product by a few `adc`s. Field arithmetic is exact, so the reduced sum is the same
//! field element whatever the order or grouping of the additions: proofs do not change.

use super::{Field, Goldilocks, GoldilocksExt2, GoldilocksExt3};
use p3_field::{BasedVectorSpace, PrimeField64};
use std::fmt::Debug;

/// Unreduced sums of products in an extension `Self` of `B`.
///
/// `reduce(a₁·b₁ ⊕ a₂·b₂ ⊕ …)` equals `a₁·b₁ + a₂·b₂ + …` exactly; how many products one
/// accumulator may take is bounded only by its carry counter (2^64 of them).
pub trait Accumulate<B: Field>: Field {
    /// The unreduced sum.
    type Acc: Copy + Debug + Default + Send + Sync;
    /// `acc += a·b`.
    fn mul_acc(acc: &mut Self::Acc, a: Self, b: Self);
    /// `acc += a·b` for a base-field `b`.
    fn mul_base_acc(acc: &mut Self::Acc, a: Self, b: B);
    /// The sum of two accumulators.
    fn merge(a: Self::Acc, b: Self::Acc) -> Self::Acc;
    /// The field element an accumulator holds.
    fn reduce(acc: Self::Acc) -> Self;
}

/// `2^64 mod p`.
const EPSILON: u64 = 0xFFFF_FFFF;

/// A 192-bit unsigned sum: `lo + hi·2^128`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wide {
    lo: u128,
    hi: u64,
}

impl Wide {
    /// `self += x`.
    #[inline(always)]
    fn add(&mut self, x: u128) {
        let (s, c) = self.lo.overflowing_add(x);
        self.lo = s;
        self.hi += u64::from(c);
    }

    #[inline(always)]
    fn merge(self, o: Wide) -> Wide {
        let (lo, c) = self.lo.overflowing_add(o.lo);
        Wide {
            lo,
            hi: self.hi + o.hi + u64::from(c),
        }
    }

    /// The residue, using `2^128 ≡ −2^32 (mod p)`.
    #[inline(always)]
    fn reduce(self) -> Goldilocks {
        reduce128(self.lo) - reduce128(u128::from(self.hi) << 32)
    }
}

/// `x mod p` (possibly non-canonical, as p3 keeps it), using `2^64 ≡ 2^32 − 1` and
/// `2^96 ≡ −1`.
#[inline(always)]
fn reduce128(x: u128) -> Goldilocks {
    let lo = x as u64;
    let hi = (x >> 64) as u64;
    let (hi_hi, hi_lo) = (hi >> 32, hi & EPSILON);
    let (mut t0, borrow) = lo.overflowing_sub(hi_hi);
    if borrow {
        // t0 stands for t0 − 2^64 ≡ t0 − ε; t0 ≥ 2^64 − 2^32 > ε, so no underflow.
        t0 -= EPSILON;
    }
    let t1 = hi_lo * EPSILON;
    let (t2, carry) = t0.overflowing_add(t1);
    // On a carry t2 stands for t2 + 2^64 ≡ t2 + ε; t0 + t1 < 2^64 + p keeps it in range.
    Goldilocks::new(t2.wrapping_add(EPSILON * u64::from(carry)))
}

#[inline(always)]
fn wide(a: u64, b: u64) -> u128 {
    u128::from(a) * u128::from(b)
}

#[inline(always)]
fn coords<const D: usize, E: BasedVectorSpace<Goldilocks>>(e: &E) -> [u64; D] {
    let s = e.as_basis_coefficients_slice();
    std::array::from_fn(|i| s[i].as_canonical_u64())
}

impl Accumulate<Goldilocks> for GoldilocksExt3 {
    /// The convolution coefficients `c_0..c_4` of `Σ a·b` before `X^3 = X + 1`.
    type Acc = [Wide; 5];

    #[inline(always)]
    fn mul_acc(acc: &mut Self::Acc, a: Self, b: Self) {
        let [a0, a1, a2] = coords::<3, _>(&a);
        let [b0, b1, b2] = coords::<3, _>(&b);
        acc[0].add(wide(a0, b0));
        acc[1].add(wide(a0, b1));
        acc[1].add(wide(a1, b0));
        acc[2].add(wide(a0, b2));
        acc[2].add(wide(a1, b1));
        acc[2].add(wide(a2, b0));
        acc[3].add(wide(a1, b2));
        acc[3].add(wide(a2, b1));
        acc[4].add(wide(a2, b2));
    }

    #[inline(always)]
    fn mul_base_acc(acc: &mut Self::Acc, a: Self, b: Goldilocks) {
        let [a0, a1, a2] = coords::<3, _>(&a);
        let b = b.as_canonical_u64();
        acc[0].add(wide(a0, b));
        acc[1].add(wide(a1, b));
        acc[2].add(wide(a2, b));
    }

    #[inline(always)]
    fn merge(a: Self::Acc, b: Self::Acc) -> Self::Acc {
        std::array::from_fn(|i| a[i].merge(b[i]))
    }

    fn reduce(acc: Self::Acc) -> Self {
        let [c0, c1, c2, c3, c4] = acc.map(Wide::reduce);
        // X^3 = X + 1, X^4 = X^2 + X.
        GoldilocksExt3::new([c0 + c3, c1 + c3 + c4, c2 + c4])
    }
}

/// `X^2 = 7` in [`GoldilocksExt2`].
const W2: u64 = 7;

impl Accumulate<Goldilocks> for GoldilocksExt2 {
    /// `Σ a0·b0`, `Σ (a0·b1 + a1·b0)`, `Σ a1·b1`; the last is multiplied by 7 once, at
    /// the end.
    type Acc = [Wide; 3];

    #[inline(always)]
    fn mul_acc(acc: &mut Self::Acc, a: Self, b: Self) {
        let [a0, a1] = coords::<2, _>(&a);
        let [b0, b1] = coords::<2, _>(&b);
        acc[0].add(wide(a0, b0));
        acc[1].add(wide(a0, b1));
        acc[1].add(wide(a1, b0));
        acc[2].add(wide(a1, b1));
    }

    #[inline(always)]
    fn mul_base_acc(acc: &mut Self::Acc, a: Self, b: Goldilocks) {
        let [a0, a1] = coords::<2, _>(&a);
        let b = b.as_canonical_u64();
        acc[0].add(wide(a0, b));
        acc[1].add(wide(a1, b));
    }

    #[inline(always)]
    fn merge(a: Self::Acc, b: Self::Acc) -> Self::Acc {
        std::array::from_fn(|i| a[i].merge(b[i]))
    }

    fn reduce(acc: Self::Acc) -> Self {
        let [c0, c1, c2] = acc.map(Wide::reduce);
        GoldilocksExt2::new([c0 + c2 * Goldilocks::new(W2), c1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arith::ExtensionField;
    use proptest::prelude::*;

    fn ext<E: Field>(bytes: &[u8]) -> E {
        E::from_uniform_bytes(bytes)
    }

    const EDGES: [u64; 7] = [
        0,
        1,
        Goldilocks::ORDER_U64 - 1,
        Goldilocks::ORDER_U64 + 5,
        1 << 32,
        (1 << 32) - 1,
        u64::MAX,
    ];

    /// Coordinates near the edges, canonical and not (p3 keeps values below 2^64).
    fn edge(k: usize) -> Goldilocks {
        Goldilocks::new(EDGES[k % EDGES.len()])
    }

    fn edge3(k: usize) -> GoldilocksExt3 {
        GoldilocksExt3::new([edge(k), edge(k / 7 + 1), edge(k / 49 + 2)])
    }

    fn edge2(k: usize) -> GoldilocksExt2 {
        GoldilocksExt2::new([edge(k), edge(k / 7 + 3)])
    }

    fn check<E: ExtensionField<Goldilocks>>(xs: &[E], ys: &[E], bs: &[Goldilocks]) {
        let mut acc = E::Acc::default();
        let mut accb = E::Acc::default();
        let mut want = E::ZERO;
        let mut wantb = E::ZERO;
        for ((&x, &y), &b) in xs.iter().zip(ys).zip(bs) {
            assert_eq!(x.mul_inline(y), x * y);
            E::mul_acc(&mut acc, x, y);
            E::mul_base_acc(&mut accb, x, b);
            want += x * y;
            wantb += x * b;
        }
        // Split and merge at every point.
        assert_eq!(E::reduce(acc), want);
        assert_eq!(E::reduce(accb), wantb);
        let mid = xs.len() / 2;
        let (mut a1, mut a2) = (E::Acc::default(), E::Acc::default());
        for i in 0..xs.len() {
            E::mul_acc(if i < mid { &mut a1 } else { &mut a2 }, xs[i], ys[i]);
        }
        assert_eq!(E::reduce(E::merge(a1, a2)), want);
    }

    #[test]
    fn edges_match_p3() {
        // Every pair of edge elements.
        let n = 7 * 7 * 7;
        let xs: Vec<GoldilocksExt3> = (0..n).flat_map(|i| (0..n).map(move |_| edge3(i))).collect();
        let ys: Vec<GoldilocksExt3> = (0..n).flat_map(|_| (0..n).map(edge3)).collect();
        let bs: Vec<Goldilocks> = (0..n * n).map(edge).collect();
        check(&xs, &ys, &bs);
        let n = 7 * 7;
        let xs: Vec<GoldilocksExt2> = (0..n).flat_map(|i| (0..n).map(move |_| edge2(i))).collect();
        let ys: Vec<GoldilocksExt2> = (0..n).flat_map(|_| (0..n).map(edge2)).collect();
        check(&xs, &ys, &bs[..n * n]);
        // Many maximal products: the carry counter must come into play.
        let m3 = GoldilocksExt3::new([Goldilocks::new(u64::MAX); 3]);
        let m2 = GoldilocksExt2::new([Goldilocks::new(u64::MAX); 2]);
        let b = Goldilocks::new(u64::MAX);
        check(&vec![m3; 1000], &vec![m3; 1000], &vec![b; 1000]);
        check(&vec![m2; 1000], &vec![m2; 1000], &vec![b; 1000]);
    }

    proptest! {
        #[test]
        fn random_match_p3(seed in proptest::collection::vec(any::<u8>(), 48 * 3 * 16)) {
            let chunk = |i: usize, n: usize| &seed[i * n..(i + 1) * n];
            let x3: Vec<GoldilocksExt3> = (0..16).map(|i| ext(chunk(3 * i, 48))).collect();
            let y3: Vec<GoldilocksExt3> = (0..16).map(|i| ext(chunk(3 * i + 1, 48))).collect();
            let b: Vec<Goldilocks> = (0..16).map(|i| ext(&chunk(3 * i + 2, 48)[..16])).collect();
            check(&x3, &y3, &b);
            let x2: Vec<GoldilocksExt2> = (0..16).map(|i| ext(&chunk(3 * i, 48)[..32])).collect();
            let y2: Vec<GoldilocksExt2> = (0..16).map(|i| ext(&chunk(3 * i + 1, 48)[..32])).collect();
            check(&x2, &y2, &b);
        }
    }
}
