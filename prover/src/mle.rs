//! Multilinear extensions and eq tables.
//!
//! **Variable order: LSB-first.** For a table `t` of `2^n` entries and a point
//! `r = (r_0, …, r_{n−1})`, the multilinear extension is
//! `t~(r) = Σ_x t[x]·eq(r, x)` with `eq(r, x) = Π_i (r_i·x_i + (1 − r_i)(1 − x_i))`, where
//! `x_i` is **bit i of the index** (bit 0 is the least significant). Sumcheck binds `r_0`
//! first by folding the pairs `(2j, 2j+1)`, which is consistent with this order; every
//! function here and in `sumcheck` follows it, and the tests check it against brute force.

use crate::arith::{ExtensionField, Field};
use crate::par;

/// `eq(r, x)` for every `x` in `0..2^{r.len()}`, each multiplied by `scale`. Serial: the
/// verifier's version.
pub fn eq_table_scaled<E: Field>(point: &[E], scale: E) -> Vec<E> {
    let mut table = Vec::with_capacity(1 << point.len());
    table.push(scale);
    for &r in point {
        let half = table.len();
        // Entries `x < half` cover the bits bound so far; the new bit splits each into
        // (x, 1 − r) and (x + half, r).
        table.extend_from_within(..);
        let (lo, hi) = table.split_at_mut(half);
        E::eq_split(lo, hi, r);
    }
    table
}

/// [`eq_table_scaled`] with the halves filled in parallel (prover only).
pub fn eq_table_scaled_par<E: Field>(point: &[E], scale: E) -> Vec<E> {
    let mut table = vec![E::ZERO; 1 << point.len()];
    table[0] = scale;
    for (i, &r) in point.iter().enumerate() {
        let half = 1usize << i;
        let (lo, hi) = table[..2 * half].split_at_mut(half);
        par::fill2_reduce(
            lo,
            hi,
            par::chunk_for(half),
            (),
            |_, lo, hi| E::eq_split(lo, hi, r),
            |(), ()| (),
        );
    }
    table
}

/// `eq(r, x)` as the product of two half tables, `eq(r_lo, x_lo)·eq(r_hi, x_hi)`: both
/// halves (`2^{n/2}` entries each) stay in L1 cache, so random lookups cost one product
/// instead of a cache miss into a `2^n` table. Used for the verifier's wiring scans.
#[derive(Clone, Debug)]
pub struct SplitEq<E> {
    lo: Vec<E>,
    hi: Vec<E>,
    bits: usize,
    mask: usize,
}

impl<E: Field> SplitEq<E> {
    /// Builds the two halves for `point`, the high half scaled by `scale`.
    pub fn new(point: &[E], scale: E) -> Self {
        let bits = point.len() / 2;
        SplitEq {
            lo: eq_table_scaled(&point[..bits], E::ONE),
            hi: eq_table_scaled(&point[bits..], scale),
            bits,
            mask: (1 << bits) - 1,
        }
    }

    /// `scale·eq(r, index)`.
    #[inline(always)]
    pub fn get(&self, index: usize) -> E {
        self.lo[index & self.mask].mul_inline(self.hi[index >> self.bits])
    }

    /// `Σ_k w_k·scale·eq(r, i_k)` over `(i_k, w_k)` in the given order. Consecutive terms
    /// with the same high half share one product with the high table, so indices in runs
    /// (as compiled gates read their inputs) cost one product per term instead of two,
    /// and a run's products are summed unreduced ([`crate::arith::Accumulate`]) and
    /// reduced once; any order gives the same sum.
    #[inline]
    pub fn weighted_sum<B: Field>(&self, terms: impl Iterator<Item = (usize, E)>) -> E
    where
        E: ExtensionField<B>,
    {
        let mut total = E::ZERO;
        let mut run = E::Acc::default();
        let mut high = usize::MAX;
        for (index, w) in terms {
            let h = index >> self.bits;
            if h != high {
                if high != usize::MAX {
                    total += E::reduce(run).mul_inline(self.hi[high]);
                }
                run = E::Acc::default();
                high = h;
            }
            E::mul_acc(&mut run, w, self.lo[index & self.mask]);
        }
        if high != usize::MAX {
            total += E::reduce(run).mul_inline(self.hi[high]);
        }
        total
    }
}

/// `eq(r, x)` for every `x` in `0..2^{r.len()}`.
pub fn eq_table<E: Field>(point: &[E]) -> Vec<E> {
    eq_table_scaled(point, E::ONE)
}

/// `eq(a, b) = Π_i (a_i·b_i + (1 − a_i)(1 − b_i))`.
pub fn eq_eval<E: Field>(a: &[E], b: &[E]) -> E {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| x * y + (E::ONE - x) * (E::ONE - y))
        .fold(E::ONE, |p, t| p * t)
}

/// `eq(r, x)` for one hypercube point `x` (bits of `index`), in `O(r.len())`.
pub fn eq_at_index<E: Field>(point: &[E], index: usize) -> E {
    point
        .iter()
        .enumerate()
        .map(|(i, &r)| if (index >> i) & 1 == 1 { r } else { E::ONE - r })
        .fold(E::ONE, |p, t| p * t)
}

/// Variables handled by the dense eq table in [`evaluate_base`] / [`evaluate_ext`]:
/// `2^10` entries (24 KiB in the cubic extension) stay in L1/L2 cache.
const EVAL_LOW_BITS: usize = 10;

/// The multilinear extension of base-field values at an extension point. `values` may be
/// shorter than `2^{point.len()}`: missing entries are zero (entries past `2^{point.len()}`
/// are ignored). Serial; used by the verifier.
///
/// Blocks of `2^k` values (`k ≤ 10`) are dotted with `eq(r_low, ·)` with the reduction
/// deferred to the end of the block ([`Accumulate`]); the block sums are then folded by
/// [`fold_stream`]. `O(len)` time and `O(2^k + point.len())` memory, nothing
/// proportional to the values.
pub fn evaluate_base<F: Field, E: ExtensionField<F>>(values: &[F], point: &[E]) -> E {
    evaluate_blocks(values, point, E::mul_base_acc)
}

/// The multilinear extension of extension-field values at a point (zero-padded; entries
/// past `2^{point.len()}` are ignored): level-by-level folds (independent products, so
/// throughput- rather than latency-bound), the first reading `values` directly and the
/// rest in place.
pub fn evaluate_ext<E: Field>(values: &[E], point: &[E]) -> E {
    let Some((&r0, rest)) = point.split_first() else {
        return values.first().copied().unwrap_or(E::ZERO);
    };
    let values = match 1usize.checked_shl(point.len() as u32) {
        Some(full) => &values[..values.len().min(full)],
        None => values,
    };
    let fold = |a: E, b: E, r: E| a + r.mul_inline(b - a);
    let (pairs, tail) = values.split_at(values.len() & !1);
    let mut t: Vec<E> = pairs
        .chunks_exact(2)
        .map(|p| fold(p[0], p[1], r0))
        .chain(tail.iter().map(|&a| a - r0.mul_inline(a)))
        .collect();
    for &r in rest {
        let next = t.len().div_ceil(2);
        for j in 0..t.len() / 2 {
            t[j] = fold(t[2 * j], t[2 * j + 1], r);
        }
        if t.len() % 2 == 1 {
            let a = t[t.len() - 1];
            t[next - 1] = a - r.mul_inline(a);
        }
        t.truncate(next);
    }
    t.first().copied().unwrap_or(E::ZERO)
}

fn evaluate_blocks<V: Copy, F: Field, E: ExtensionField<F>>(
    values: &[V],
    point: &[E],
    mul_acc: impl Fn(&mut E::Acc, E, V),
) -> E {
    let n = point.len();
    let values = match 1usize.checked_shl(n as u32) {
        Some(full) => &values[..values.len().min(full)],
        None => values,
    };
    if values.is_empty() {
        return E::ZERO;
    }
    let needed = values.len().next_power_of_two().trailing_zeros() as usize;
    let k = EVAL_LOW_BITS.min(n).min(needed);
    let (low, high) = point.split_at(k);
    let eq_low = eq_table(low);
    let leaves = values.chunks(1 << k).map(|block| {
        let mut acc = E::Acc::default();
        for (&v, &e) in block.iter().zip(&eq_low) {
            mul_acc(&mut acc, e, v);
        }
        E::reduce(acc)
    });
    fold_stream(leaves, high)
}

/// The multilinear extension at `point` of the table whose entries `leaves` yields in
/// order (at most `2^{point.len()}` of them; missing ones are zero), streamed through a
/// binary-counter fold in `O(point.len())` memory.
pub fn fold_stream<E: Field>(leaves: impl Iterator<Item = E>, point: &[E]) -> E {
    let n = point.len();
    // `pending[l]`: the finished left subtree at level `l` (2^l leaves) awaiting its
    // right sibling; level `l` is occupied exactly when bit `l` of the count is set.
    let mut pending = vec![E::ZERO; n + 1];
    let mut count = 0usize;
    for leaf in leaves {
        let (mut node, mut level, mut carry) = (leaf, 0, count);
        while carry & 1 == 1 && level < n {
            let left = pending[level];
            node = left + point[level].mul_inline(node - left);
            level += 1;
            carry >>= 1;
        }
        pending[level] = node;
        count += 1;
    }
    if count == 0 {
        return E::ZERO;
    }
    if count.checked_shr(n as u32) == Some(1) {
        return pending[n];
    }
    // Close the zero tail: walk up, folding with the pending left sibling where there is
    // one and with zero otherwise.
    let bit = |x: usize, i: usize| x.checked_shr(i as u32).map_or(0, |v| v & 1);
    let mut cur: Option<E> = None;
    for (level, &r) in point.iter().enumerate() {
        cur = if bit(count, level) == 1 {
            let left = pending[level];
            Some(match cur {
                Some(c) => left + r.mul_inline(c - left),
                None => left - r.mul_inline(left),
            })
        } else {
            cur.map(|c| c - r.mul_inline(c))
        };
    }
    cur.unwrap_or(E::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arith::testing::rand;
    use crate::arith::{Goldilocks, GoldilocksExt2, GoldilocksExt3};

    /// `Σ_x eq(r, x)·v[x]` from the full eq table, with p3's own arithmetic.
    fn brute<V: Copy, E: Field + std::ops::Mul<V, Output = E>>(v: &[V], r: &[E]) -> E {
        let eq = eq_table(r);
        v.iter().zip(&eq).map(|(&a, &e)| e * a).sum()
    }

    #[test]
    fn weighted_sum_matches_lookups() {
        let mut s = 7u64;
        for n in [0usize, 1, 5, 9] {
            let r: Vec<GoldilocksExt3> = (0..n).map(|_| rand(&mut s)).collect();
            let eq = SplitEq::new(&r, rand(&mut s));
            // Runs of equal high halves, then random indices, then both mixed.
            let mut idx: Vec<usize> = (0..1usize << n).collect();
            idx.extend(
                (0..50u64)
                    .map(|k| ((k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20) as usize) % (1 << n)),
            );
            idx.extend((0..1usize << n).rev());
            let w: Vec<GoldilocksExt3> = idx.iter().map(|_| rand(&mut s)).collect();
            let expected: GoldilocksExt3 = idx.iter().zip(&w).map(|(&i, &x)| x * eq.get(i)).sum();
            let got = eq.weighted_sum::<Goldilocks>(idx.iter().copied().zip(w.iter().copied()));
            assert_eq!(got, expected, "n = {n}");
            assert_eq!(
                eq.weighted_sum::<Goldilocks>(std::iter::empty()),
                GoldilocksExt3::ZERO
            );
        }
    }

    fn blocks_and_tails<E: ExtensionField<Goldilocks>>(seed: u64) {
        let mut s = seed;
        for n in [10usize, 11, 13] {
            let r: Vec<E> = (0..n).map(|_| rand(&mut s)).collect();
            let all: Vec<Goldilocks> = (0..(1 << n) + 5).map(|_| rand(&mut s)).collect();
            let alle: Vec<E> = all.iter().map(|&a| E::from(a) + r[0] * a).collect();
            for len in [
                0,
                1,
                1023,
                1024,
                1025,
                3000,
                (1 << n) - 1,
                1 << n,
                (1 << n) + 5,
            ] {
                let len = len.min(all.len());
                let want = brute(&all[..len.min(1 << n)], &r);
                assert_eq!(evaluate_base(&all[..len], &r), want, "n={n} len={len}");
                let want = brute(&alle[..len.min(1 << n)], &r);
                assert_eq!(evaluate_ext(&alle[..len], &r), want, "n={n} len={len}");
            }
        }
    }

    #[test]
    fn blocked_evaluation_matches_brute_force() {
        blocks_and_tails::<GoldilocksExt3>(1);
        blocks_and_tails::<GoldilocksExt2>(2);
    }

    #[test]
    fn eq_tables_agree_in_both_fields() {
        let mut s = 9;
        let r3: Vec<GoldilocksExt3> = (0..14).map(|_| rand(&mut s)).collect();
        let k3: GoldilocksExt3 = rand(&mut s);
        assert_eq!(eq_table_scaled(&r3, k3), eq_table_scaled_par(&r3, k3));
        let t = eq_table_scaled(&r3[..5], k3);
        for (x, &v) in t.iter().enumerate() {
            assert_eq!(v, eq_at_index(&r3[..5], x) * k3);
        }
        let r2: Vec<GoldilocksExt2> = (0..13).map(|_| rand(&mut s)).collect();
        assert_eq!(eq_table(&r2), eq_table_scaled_par(&r2, GoldilocksExt2::ONE));
        let split = SplitEq::new(&r3, k3);
        let full = eq_table_scaled(&r3, k3);
        for x in [0, 1, 77, 4095, (1 << 14) - 1] {
            assert_eq!(split.get(x), full[x]);
        }
    }
}
