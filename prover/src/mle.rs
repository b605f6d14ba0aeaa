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
        for (l, h) in lo.iter_mut().zip(hi.iter_mut()) {
            *h = *l * r;
            *l -= *h;
        }
    }
    table
}

/// [`eq_table_scaled`] with the halves filled in parallel (prover only).
pub fn eq_table_scaled_par<E: Field>(point: &[E], scale: E) -> Vec<E> {
    let mut table = Vec::with_capacity(1 << point.len());
    table.push(scale);
    for &r in point {
        let half = table.len();
        table.resize(2 * half, E::ZERO);
        let (lo, hi) = table.split_at_mut(half);
        par::fill_chunks(hi, par::chunk_for(half), |start, out| {
            for (k, o) in out.iter_mut().enumerate() {
                *o = lo[start + k] * r;
            }
        });
        let hi = &*hi;
        par::fill_chunks(lo, par::chunk_for(half), |start, out| {
            for (k, o) in out.iter_mut().enumerate() {
                *o -= hi[start + k];
            }
        });
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
        self.lo[index & self.mask] * self.hi[index >> self.bits]
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

/// The multilinear extension of base-field values at an extension point. `values` may be
/// shorter than `2^{point.len()}`: missing entries are zero (entries past `2^{point.len()}`
/// are ignored). Serial; used by the verifier. Streams the values through a binary-counter
/// fold: `O(len)` time and `O(point.len())` memory, nothing proportional to the values.
pub fn evaluate_base<F: Field, E: ExtensionField<F>>(values: &[F], point: &[E]) -> E {
    let n = point.len();
    let Some(&r0) = point.first() else {
        return values.first().map_or(E::ZERO, |&v| E::from(v));
    };
    let values = match 1usize.checked_shl(n as u32) {
        Some(full) => &values[..values.len().min(full)],
        None => values,
    };
    // `pending[l]`: the finished left subtree at level `l` (2^l values) awaiting its right
    // sibling; level `l` is occupied exactly when bit `l − 1` of the pair count is set.
    let mut pending = vec![E::ZERO; n + 1];
    let pairs = values.len().div_ceil(2);
    for (m, pair) in values.chunks(2).enumerate() {
        // The first fold lifts into the extension (a base difference, one mixed product).
        let a = pair[0];
        let b = pair.get(1).copied().unwrap_or(F::ZERO);
        let mut node = E::from(a) + r0 * (b - a);
        let (mut level, mut carry) = (1, m);
        while carry & 1 == 1 {
            let left = pending[level];
            node = left + point[level] * (node - left);
            level += 1;
            carry >>= 1;
        }
        pending[level] = node;
    }
    let bit = |x: usize, i: usize| x.checked_shr(i as u32).map_or(0, |v| v & 1);
    if bit(pairs, n - 1) == 1 {
        return pending[n];
    }
    // Close the zero tail: walk up from the first absent pair, folding with the pending
    // left sibling where there is one and with zero otherwise.
    let mut cur: Option<E> = None;
    for level in 1..n {
        let r = point[level];
        cur = if bit(pairs, level - 1) == 1 {
            let left = pending[level];
            Some(match cur {
                Some(c) => left + r * (c - left),
                None => left - r * left,
            })
        } else {
            cur.map(|c| c - r * c)
        };
    }
    cur.unwrap_or(E::ZERO)
}

/// The multilinear extension of extension-field values at a point (zero-padded).
pub fn evaluate_ext<E: Field>(values: &[E], point: &[E]) -> E {
    fold_all(values.to_vec(), point)
}

/// Folds `t[j] = t[2j] + r·(t[2j+1] − t[2j])` for each coordinate (LSB first).
fn fold_all<E: Field>(mut t: Vec<E>, point: &[E]) -> E {
    for &r in point {
        let next = t.len().div_ceil(2);
        for j in 0..next {
            let a = t[2 * j];
            let b = t.get(2 * j + 1).copied().unwrap_or(E::ZERO);
            t[j] = a + r * (b - a);
        }
        t.truncate(next);
    }
    t.first().copied().unwrap_or(E::ZERO)
}
