//! The product sumcheck's inner loops, per chunk of pairs, behind one trait so that a
//! field with SIMD packing supplies its own.
//!
//! The scalar loops (the trait's defaults) sum products unreduced ([`Accumulate`]). The
//! Goldilocks extensions override them with Plonky3's packed extensions
//! (`ExtensionPacking`: 8 lanes with AVX-512, 4 with AVX2): each lane takes one pair of
//! pairs, the challenge is broadcast, and the lanes' sums are added at the end of the
//! chunk. Field arithmetic is exact, so both give the same elements, and proofs do not
//! change (tested against the scalar loops and `sumcheck::reference`).

use super::{Accumulate, Field, Goldilocks, GoldilocksExt2, GoldilocksExt3};
use p3_field::{
    ExtensionField as P3Extension, Field as P3Field, PackedFieldExtension, PackedValue,
    PrimeCharacteristicRing,
};

/// `(Σ f0·h0, Σ f1·h1, Σ (2f1 − f0)(2h1 − h0))` over the pairs `(x0, x1)` of `f` and `h`,
/// and the same with a fold first. `f` is in the base field `B` or in `Self`; `h` in
/// `Self`. Slices hold whole pairs (`fold_*`: whole pairs of folded entries).
pub trait PairKernels<B: Field>: Accumulate<B> {
    /// The sums over the pairs of `f` and `h` (equal lengths).
    fn pair_sums(f: &[Self], h: &[Self]) -> [Self; 3] {
        scalar::pair_sums(f, h, Self::mul_acc)
    }

    /// [`PairKernels::pair_sums`] with `f` in the base field.
    fn pair_sums_base(f: &[B], h: &[Self]) -> [Self; 3] {
        scalar::pair_sums(f, h, Self::mul_base_acc)
    }

    /// Folds `f` and `h` with `t0 + r·(t1 − t0)` into `out_f`, `out_h` (half their
    /// lengths, even) and returns the sums over the folded pairs.
    fn fold_pair_sums(
        f: &[Self],
        h: &[Self],
        r: Self,
        out_f: &mut [Self],
        out_h: &mut [Self],
    ) -> [Self; 3] {
        scalar::fold_pair_sums(f, h, r, out_f, out_h, |a: Self, b: Self| {
            a + r.mul_inline(b - a)
        })
    }

    /// [`PairKernels::fold_pair_sums`] with `f` in the base field.
    fn fold_pair_sums_base(
        f: &[B],
        h: &[Self],
        r: Self,
        out_f: &mut [Self],
        out_h: &mut [Self],
    ) -> [Self; 3]
    where
        Self: From<B> + std::ops::Mul<B, Output = Self>,
    {
        scalar::fold_pair_sums(f, h, r, out_f, out_h, |a: B, b: B| {
            Self::from(a) + r * (b - a)
        })
    }
}

/// The elementwise sum of two round messages (or chunks' sums of one).
pub(crate) fn add3<E: Field>(a: [E; 3], b: [E; 3]) -> [E; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// The portable loops: unreduced sums, one reduction per call. Public as the baseline
/// the packed loops are measured against (`benches/benches/kernels.rs`).
pub mod scalar {
    use super::{Accumulate, Field};

    /// [`super::PairKernels::pair_sums`] with `acc(s, h, f)` adding `h·f` to an
    /// unreduced sum.
    pub fn pair_sums<V: Field, B: Field, E: Accumulate<B>>(
        f: &[V],
        h: &[E],
        acc: impl Fn(&mut E::Acc, E, V),
    ) -> [E; 3] {
        let mut s = [E::Acc::default(); 3];
        for (f, h) in f.chunks_exact(2).zip(h.chunks_exact(2)) {
            let (f0, f1, h0, h1) = (f[0], f[1], h[0], h[1]);
            acc(&mut s[0], h0, f0);
            acc(&mut s[1], h1, f1);
            acc(&mut s[2], h1.double() - h0, f1.double() - f0);
        }
        s.map(E::reduce)
    }

    /// [`super::PairKernels::fold_pair_sums`] with `fold_f` folding a pair of `f`.
    pub fn fold_pair_sums<V: Field, B: Field, E: Accumulate<B>>(
        f: &[V],
        h: &[E],
        r: E,
        out_f: &mut [E],
        out_h: &mut [E],
        fold_f: impl Fn(V, V) -> E,
    ) -> [E; 3] {
        let fold_h = |a: E, b: E| a + r.mul_inline(b - a);
        let mut s = [E::Acc::default(); 3];
        let inputs = f.chunks_exact(4).zip(h.chunks_exact(4));
        let outputs = out_f.chunks_exact_mut(2).zip(out_h.chunks_exact_mut(2));
        for ((f, h), (of, oh)) in inputs.zip(outputs) {
            let f0 = fold_f(f[0], f[1]);
            let f1 = fold_f(f[2], f[3]);
            let h0 = fold_h(h[0], h[1]);
            let h1 = fold_h(h[2], h[3]);
            (of[0], of[1], oh[0], oh[1]) = (f0, f1, h0, h1);
            E::mul_acc(&mut s[0], h0, f0);
            E::mul_acc(&mut s[1], h1, f1);
            E::mul_acc(&mut s[2], h1.double() - h0, f1.double() - f0);
        }
        s.map(E::reduce)
    }
}

/// The packed loops for a Plonky3 extension of Goldilocks: whole groups of lanes packed,
/// the remainder through the scalar loops.
pub(super) mod packed {
    use super::{Accumulate, Field, Goldilocks, P3Extension, P3Field, PackedFieldExtension};
    use super::{PackedValue, PrimeCharacteristicRing, add3, scalar};
    use p3_field::BasedVectorSpace;

    type Base = <Goldilocks as P3Field>::Packing;
    const LANES: usize = <Base as PackedValue>::WIDTH;

    /// `K` packed columns of `t` (`K·LANES` entries): lane `l` of column `k` is
    /// `t[K·l + k]`, gathered coefficient by coefficient.
    #[inline(always)]
    pub(super) fn columns<E: P3Extension<Goldilocks>, const K: usize>(
        t: &[E],
    ) -> [E::ExtensionPacking; K] {
        let t = &t[..K * LANES];
        std::array::from_fn(|k| {
            E::ExtensionPacking::from_basis_coefficients_fn(|d| {
                Base::from_fn(|l| t[K * l + k].as_basis_coefficients_slice()[d])
            })
        })
    }

    /// [`columns`] of base-field values.
    #[inline(always)]
    pub(super) fn base_columns<const K: usize>(t: &[Goldilocks]) -> [Base; K] {
        let t = &t[..K * LANES];
        std::array::from_fn(|k| Base::from_fn(|l| t[K * l + k]))
    }

    /// One level of an eq table: `hi = lo·r`, then `lo = lo − hi` (equal lengths).
    pub(in crate::arith) fn eq_split<E: P3Extension<Goldilocks>>(lo: &mut [E], hi: &mut [E], r: E) {
        let whole = lo.len() / LANES * LANES;
        let rp = E::ExtensionPacking::from(r);
        for (l, h) in lo[..whole]
            .chunks_exact_mut(LANES)
            .zip(hi[..whole].chunks_exact_mut(LANES))
        {
            let [x] = columns::<E, 1>(l);
            let y = x * rp;
            E::ExtensionPacking::unpack_ext_into(&[y], h.as_chunks_mut::<1>().0);
            E::ExtensionPacking::unpack_ext_into(&[x - y], l.as_chunks_mut::<1>().0);
        }
        for (l, h) in lo[whole..].iter_mut().zip(&mut hi[whole..]) {
            *h = *l * r;
            *l -= *h;
        }
    }

    /// The three lane sums added across lanes.
    fn total<E: P3Extension<Goldilocks>>(s: [E::ExtensionPacking; 3]) -> [E; 3] {
        s.map(|p| E::ExtensionPacking::to_ext_iter([p]).sum())
    }

    /// The pair sums with `f` read by `load` (two packed columns of `2·LANES` entries)
    /// and its scalar tail summed with `acc`.
    #[inline(always)]
    pub(super) fn pair_sums_with<V: Field, E, P>(
        f: &[V],
        h: &[E],
        load: impl Fn(&[V]) -> [P; 2],
        acc: impl Fn(&mut E::Acc, E, V),
    ) -> [E; 3]
    where
        E: P3Extension<Goldilocks> + Accumulate<Goldilocks>,
        E::ExtensionPacking: std::ops::Mul<P, Output = E::ExtensionPacking>,
        P: PrimeCharacteristicRing + Copy,
    {
        let group = 2 * LANES;
        let whole = f.len() / group * group;
        let mut s = [E::ExtensionPacking::ZERO; 3];
        for (f, h) in f[..whole]
            .chunks_exact(group)
            .zip(h[..whole].chunks_exact(group))
        {
            let [f0, f1] = load(f);
            let [h0, h1] = columns::<E, 2>(h);
            s[0] += h0 * f0;
            s[1] += h1 * f1;
            s[2] += (h1.double() - h0) * (f1.double() - f0);
        }
        let tail = scalar::pair_sums(&f[whole..], &h[whole..], acc);
        add3(total::<E>(s), tail)
    }

    /// The fused fold with `f`'s groups of `4·LANES` entries folded by `fold` (to two
    /// packed columns) and its scalar tail by `fold_scalar`; `h` folds with `r`.
    #[inline(always)]
    pub(super) fn fold_pair_sums_with<V: Field, E>(
        f: &[V],
        h: &[E],
        r: E,
        (out_f, out_h): (&mut [E], &mut [E]),
        fold: impl Fn(&[V], E::ExtensionPacking) -> [E::ExtensionPacking; 2],
        fold_scalar: impl Fn(V, V) -> E,
    ) -> [E; 3]
    where
        E: P3Extension<Goldilocks> + Accumulate<Goldilocks>,
    {
        let group = 2 * LANES;
        let whole = out_f.len() / group * group;
        let rp = E::ExtensionPacking::from(r);
        let mut s = [E::ExtensionPacking::ZERO; 3];
        let inputs = f[..2 * whole]
            .chunks_exact(2 * group)
            .zip(h[..2 * whole].chunks_exact(2 * group));
        let outputs = out_f[..whole]
            .chunks_exact_mut(group)
            .zip(out_h[..whole].chunks_exact_mut(group));
        for ((f, h), (of, oh)) in inputs.zip(outputs) {
            let [f0, f1] = fold(f, rp);
            let [a, b, c, d] = columns::<E, 4>(h);
            let h0 = a + (b - a) * rp;
            let h1 = c + (d - c) * rp;
            let (rows_f, _) = of.as_chunks_mut::<2>();
            E::ExtensionPacking::unpack_ext_into(&[f0, f1], rows_f);
            let (rows_h, _) = oh.as_chunks_mut::<2>();
            E::ExtensionPacking::unpack_ext_into(&[h0, h1], rows_h);
            s[0] += h0 * f0;
            s[1] += h1 * f1;
            s[2] += (h1.double() - h0) * (f1.double() - f0);
        }
        let tail = scalar::fold_pair_sums(
            &f[2 * whole..],
            &h[2 * whole..],
            r,
            &mut out_f[whole..],
            &mut out_h[whole..],
            fold_scalar,
        );
        add3(total::<E>(s), tail)
    }
}

macro_rules! packed_kernels {
    ($e:ty) => {
        impl PairKernels<Goldilocks> for $e {
            fn pair_sums(f: &[Self], h: &[Self]) -> [Self; 3] {
                packed::pair_sums_with(f, h, packed::columns::<Self, 2>, Self::mul_acc)
            }
            fn pair_sums_base(f: &[Goldilocks], h: &[Self]) -> [Self; 3] {
                packed::pair_sums_with(f, h, packed::base_columns::<2>, Self::mul_base_acc)
            }
            fn fold_pair_sums(
                f: &[Self],
                h: &[Self],
                r: Self,
                out_f: &mut [Self],
                out_h: &mut [Self],
            ) -> [Self; 3] {
                packed::fold_pair_sums_with(
                    f,
                    h,
                    r,
                    (out_f, out_h),
                    |f, rp| {
                        let [a, b, c, d] = packed::columns::<Self, 4>(f);
                        [a + (b - a) * rp, c + (d - c) * rp]
                    },
                    |a: Self, b: Self| a + r * (b - a),
                )
            }
            fn fold_pair_sums_base(
                f: &[Goldilocks],
                h: &[Self],
                r: Self,
                out_f: &mut [Self],
                out_h: &mut [Self],
            ) -> [Self; 3] {
                type P = <$e as P3Extension<Goldilocks>>::ExtensionPacking;
                packed::fold_pair_sums_with(
                    f,
                    h,
                    r,
                    (out_f, out_h),
                    |f, rp| {
                        let [a, b, c, d] = packed::base_columns::<4>(f);
                        [P::from(a) + rp * (b - a), P::from(c) + rp * (d - c)]
                    },
                    |a: Goldilocks, b: Goldilocks| Self::from(a) + r * (b - a),
                )
            }
        }
    };
}

packed_kernels!(GoldilocksExt2);
packed_kernels!(GoldilocksExt3);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::arith::ExtensionField;
    use crate::arith::testing::rand;
    use p3_field::BasedVectorSpace;

    trait Kernel: ExtensionField<Goldilocks> + BasedVectorSpace<Goldilocks> {}
    impl Kernel for GoldilocksExt2 {}
    impl Kernel for GoldilocksExt3 {}

    /// Coordinates at the edges of p3's non-canonical range as well as random ones.
    fn edgy<E: Kernel>(seed: &mut u64, i: usize) -> E {
        let p = <Goldilocks as crate::arith::PrimeField64>::ORDER;
        let edges = [0, 1, p - 1, p, p + 1, u64::MAX, 1 << 32, (1 << 32) - 1];
        if i.is_multiple_of(3) {
            E::from_basis_coefficients_fn(|d| Goldilocks::new(edges[(i / 3 + d) % edges.len()]))
        } else {
            rand(seed)
        }
    }

    /// The packed loops against the scalar ones, at every length up to a few groups of
    /// lanes (so whole groups, tails and tails alone).
    fn packed_matches_scalar<E: Kernel>(seed: u64) {
        let mut s = seed;
        for pairs in 0..=70 {
            let n = 2 * pairs;
            let fb: Vec<Goldilocks> = (0..n).map(|_| rand(&mut s)).collect();
            let fe: Vec<E> = (0..n).map(|i| edgy(&mut s, i)).collect();
            let h: Vec<E> = (0..n).map(|i| edgy(&mut s, i + 1)).collect();
            let r: E = rand(&mut s);
            assert_eq!(
                E::pair_sums(&fe, &h),
                scalar::pair_sums(&fe, &h, E::mul_acc),
                "{pairs} pairs"
            );
            assert_eq!(
                E::pair_sums_base(&fb, &h),
                scalar::pair_sums(&fb, &h, E::mul_base_acc),
                "{pairs} pairs, base"
            );
            if !pairs.is_multiple_of(2) {
                continue;
            }
            let half = n / 2;
            let run = |packed: bool, base: bool| {
                let (mut of, mut oh) = (vec![E::ZERO; half], vec![E::ZERO; half]);
                let sums = match (packed, base) {
                    (true, false) => E::fold_pair_sums(&fe, &h, r, &mut of, &mut oh),
                    (true, true) => E::fold_pair_sums_base(&fb, &h, r, &mut of, &mut oh),
                    (false, false) => {
                        scalar::fold_pair_sums(&fe, &h, r, &mut of, &mut oh, |a: E, b: E| {
                            a + r * (b - a)
                        })
                    }
                    (false, true) => {
                        scalar::fold_pair_sums(&fb, &h, r, &mut of, &mut oh, |a: Goldilocks, b| {
                            E::from(a) + r * (b - a)
                        })
                    }
                };
                (sums, of, oh)
            };
            assert_eq!(run(true, false), run(false, false), "{pairs} pairs, fold");
            assert_eq!(
                run(true, true),
                run(false, true),
                "{pairs} pairs, fold base"
            );
        }
    }

    fn eq_split_matches_scalar<E: Kernel>(seed: u64) {
        let mut s = seed;
        for n in 0..=40 {
            let lo: Vec<E> = (0..n).map(|i| edgy(&mut s, i)).collect();
            let r: E = rand(&mut s);
            let (mut plo, mut phi) = (lo.clone(), vec![E::ZERO; n]);
            E::eq_split(&mut plo, &mut phi, r);
            let hi: Vec<E> = lo.iter().map(|&l| l * r).collect();
            let lo: Vec<E> = lo.iter().zip(&hi).map(|(&l, &h)| l - h).collect();
            assert_eq!((plo, phi), (lo, hi), "{n} entries");
        }
    }

    #[test]
    fn packed_loops_match_scalar_loops() {
        eq_split_matches_scalar::<GoldilocksExt2>(13);
        eq_split_matches_scalar::<GoldilocksExt3>(14);
        packed_matches_scalar::<GoldilocksExt2>(11);
        packed_matches_scalar::<GoldilocksExt3>(12);
    }
}
