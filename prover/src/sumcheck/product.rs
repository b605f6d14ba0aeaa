//! The degree-2 product sumcheck `Σ_x f(x)·h(x)` over bookkeeping tables: the kernel of
//! both GKR phases.
//!
//! `f` may start in the base field (a layer's values) and moves to the extension after
//! the first bind; `h` is always in the extension.
//!
//! **Fused round and fold.** [`RoundProver::bind`] folds both tables with `r` and, in the
//! same pass over memory, sums the *next* round's message over the freshly folded pairs,
//! so each round reads the tables once instead of twice. Only the first message is a
//! separate pass. The loops over each chunk are the field's ([`crate::arith::PairKernels`]:
//! packed SIMD for Goldilocks, unreduced sums elsewhere);
//! folds write into buffers recycled from earlier rounds (two allocations per instance).
//! Field arithmetic is exact, so messages and folded tables equal the plain two-pass
//! computation (`sumcheck::reference`, the tests' portable twin) element for element.

use super::RoundProver;
use crate::arith::{ExtensionField, Field, add3};
use crate::par;
use std::borrow::Cow;

/// The `f` table: borrowed base-field values before the first bind, owned extension
/// values after.
#[derive(Debug)]
pub enum Table<'a, F: Field, E: Field> {
    /// Base-field values (not yet bound).
    Base(&'a [F]),
    /// Extension values.
    Ext(Cow<'a, [E]>),
}

impl<F: Field, E: ExtensionField<F>> Table<'_, F, E> {
    fn len(&self) -> usize {
        match self {
            Table::Base(v) => v.len(),
            Table::Ext(v) => v.len(),
        }
    }
}

/// `Σ_x f(x)·h(x)` with both tables of length `2^n`.
#[derive(Debug)]
pub struct ProductSumcheck<'a, F: Field, E: Field> {
    f: Table<'a, F, E>,
    h: Vec<E>,
    /// Tables of earlier rounds, recycled as fold targets (`f`'s, `h`'s).
    spare: [Vec<E>; 2],
    /// The current round's message, when the last bind computed it.
    next: Option<[E; 3]>,
    rounds: usize,
}

impl<'a, F: Field, E: ExtensionField<F>> ProductSumcheck<'a, F, E> {
    /// A new instance; `f` and `h` must have the same power-of-two length.
    pub fn new(f: Table<'a, F, E>, h: Vec<E>) -> Self {
        debug_assert_eq!(f.len(), h.len());
        debug_assert!(h.len().is_power_of_two());
        let rounds = h.len().trailing_zeros() as usize;
        ProductSumcheck {
            f,
            h,
            spare: [Vec::new(), Vec::new()],
            next: None,
            rounds,
        }
    }

    /// `f` at the bound point, once every round is done.
    pub fn final_f(&self) -> E {
        match &self.f {
            Table::Base(v) => E::from(v[0]),
            Table::Ext(v) => v[0],
        }
    }

    /// `h` at the bound point, once every round is done.
    pub fn final_h(&self) -> E {
        self.h[0]
    }
}

/// Chunks of pairs for the parallel split: even, so a chunk of folded entries holds
/// whole pairs of the next round.
fn chunk_for(n: usize) -> usize {
    par::chunk_for(n).next_multiple_of(2)
}

/// `(Σ f0·h0, Σ f1·h1, Σ (2f1 − f0)(2h1 − h0))` over the pairs of `f` and `h`, chunk by
/// chunk with `sums`.
fn round_sums<V, E>(
    f: &[V],
    h: &[E],
    chunk: usize,
    sums: impl Fn(&[V], &[E]) -> [E; 3] + Sync + Send,
) -> [E; 3]
where
    V: Field,
    E: Field,
{
    let pairs = h.len() / 2;
    par::map_reduce(
        pairs,
        chunk,
        [E::ZERO; 3],
        |range| {
            let r = 2 * range.start..2 * range.end;
            sums(&f[r.clone()], &h[r])
        },
        add3,
    )
}

/// Folds `f` and `h` with `fold_f` and `t0 + r·(t1 − t0)` into `out_f`, `out_h` (half
/// the length) and returns the next round's sums over the folded pairs (`None` when
/// one entry is left), chunk by chunk with `fold_sums`.
fn fold_and_sum<V, E>(
    f: &[V],
    h: &[E],
    r: E,
    out: (&mut [E], &mut [E]),
    chunk: usize,
    fold_f: impl Fn(V, V) -> E,
    fold_sums: impl Fn(&[V], &[E], &mut [E], &mut [E]) -> [E; 3] + Sync + Send,
) -> Option<[E; 3]>
where
    V: Field,
    E: Field,
{
    let (out_f, out_h) = out;
    if out_h.len() < 2 {
        // Last round: nothing to sum.
        for (j, (of, oh)) in out_f.iter_mut().zip(out_h.iter_mut()).enumerate() {
            *of = fold_f(f[2 * j], f[2 * j + 1]);
            *oh = h[2 * j] + r.mul_inline(h[2 * j + 1] - h[2 * j]);
        }
        return None;
    }
    Some(par::fill2_reduce(
        out_f,
        out_h,
        chunk,
        [E::ZERO; 3],
        |start, of, oh| {
            let r = 2 * start..2 * (start + of.len());
            fold_sums(&f[r.clone()], &h[r], of, oh)
        },
        add3,
    ))
}

/// A recycled buffer of `len` entries (contents arbitrary), or a fresh one.
fn buffer<E: Field>(spare: &mut Vec<E>, len: usize) -> Vec<E> {
    let mut v = std::mem::take(spare);
    if v.len() >= len {
        v.truncate(len);
        v
    } else {
        vec![E::ZERO; len]
    }
}

impl<F: Field, E: ExtensionField<F>> RoundProver<E> for ProductSumcheck<'_, F, E> {
    fn num_rounds(&self) -> usize {
        self.rounds
    }

    fn degree(&self) -> usize {
        2
    }

    fn round_evals(&self) -> Vec<E> {
        if let Some(s) = self.next {
            return s.to_vec();
        }
        let chunk = chunk_for(self.h.len() / 2);
        match &self.f {
            Table::Base(f) => round_sums(f, &self.h, chunk, E::pair_sums_base),
            Table::Ext(f) => round_sums(f, &self.h, chunk, E::pair_sums),
        }
        .to_vec()
    }

    fn bind(&mut self, r: E) {
        let half = self.h.len() / 2;
        let mut out_f = buffer(&mut self.spare[0], half);
        let mut out_h = buffer(&mut self.spare[1], half);
        let out = (out_f.as_mut_slice(), out_h.as_mut_slice());
        let chunk = chunk_for(half);
        self.next = match &self.f {
            Table::Base(f) => fold_and_sum(
                f,
                &self.h,
                r,
                out,
                chunk,
                |a, b| E::from(a) + r * (b - a),
                |f, h, of, oh| E::fold_pair_sums_base(f, h, r, of, oh),
            ),
            Table::Ext(f) => fold_and_sum(
                f,
                &self.h,
                r,
                out,
                chunk,
                |a: E, b: E| a + r.mul_inline(b - a),
                |f, h, of, oh| E::fold_pair_sums(f, h, r, of, oh),
            ),
        };
        self.spare[1] = std::mem::replace(&mut self.h, out_h);
        let old = std::mem::replace(&mut self.f, Table::Ext(Cow::Owned(out_f)));
        if let Table::Ext(Cow::Owned(v)) = old {
            self.spare[0] = v;
        }
    }
}

#[cfg(test)]
impl<F: Field, E: ExtensionField<F>> ProductSumcheck<'_, F, E> {
    /// `(f, h)` as they stand.
    fn tables(&self) -> (Vec<E>, Vec<E>) {
        let f = match &self.f {
            Table::Base(v) => v.iter().map(|&x| E::from(x)).collect(),
            Table::Ext(v) => v.to_vec(),
        };
        (f, self.h.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arith::testing::rand;
    use crate::arith::{Goldilocks, GoldilocksExt2, GoldilocksExt3, PairKernels};
    use crate::sumcheck::reference;

    /// Runs both kernels with the same challenges and compares every message and table.
    fn differential<E: ExtensionField<Goldilocks>>(log_n: usize, base: bool, seed: u64) {
        let mut s = seed;
        let n = 1usize << log_n;
        let fb: Vec<Goldilocks> = (0..n).map(|_| rand(&mut s)).collect();
        let fe: Vec<E> = (0..n).map(|_| rand(&mut s)).collect();
        let h: Vec<E> = (0..n).map(|_| rand(&mut s)).collect();
        let table = || {
            if base {
                Table::Base(fb.as_slice())
            } else {
                Table::Ext(Cow::Borrowed(fe.as_slice()))
            }
        };
        let mut fast = ProductSumcheck::<Goldilocks, E>::new(table(), h.clone());
        let mut slow = reference::ProductSumcheck::<Goldilocks, E>::new(table(), h.clone());
        assert_eq!(fast.num_rounds(), log_n);
        for round in 0..log_n {
            let m = fast.round_evals();
            assert_eq!(m, slow.round_evals(), "2^{log_n} base={base} round {round}");
            // Asking twice gives the same message.
            assert_eq!(m, fast.round_evals());
            let r: E = rand(&mut s);
            fast.bind(r);
            slow.bind(r);
            assert_eq!(
                fast.tables(),
                slow.tables(),
                "2^{log_n} round {round} tables"
            );
        }
        assert_eq!(fast.final_f(), slow.f()[0]);
        assert_eq!(fast.final_h(), slow.h()[0]);
    }

    #[test]
    fn fused_kernel_matches_reference() {
        for log_n in 0..=12 {
            for base in [true, false] {
                differential::<GoldilocksExt3>(log_n, base, 17 + log_n as u64);
                differential::<GoldilocksExt2>(log_n, base, 91 + log_n as u64);
            }
        }
    }

    #[test]
    fn fused_kernel_matches_reference_parallel_sizes() {
        // Above `par::MIN_PARALLEL`: the threaded split and the accumulator merges.
        differential::<GoldilocksExt3>(15, true, 5);
        differential::<GoldilocksExt2>(14, false, 6);
    }

    #[test]
    fn small_chunks_merge_exactly() {
        let mut s = 3;
        let n = 64;
        let f: Vec<GoldilocksExt3> = (0..n).map(|_| rand(&mut s)).collect();
        let h: Vec<GoldilocksExt3> = (0..n).map(|_| rand(&mut s)).collect();
        let r: GoldilocksExt3 = rand(&mut s);
        let whole = round_sums(&f, &h, n, GoldilocksExt3::pair_sums);
        for chunk in [1, 2, 4, 8, 24] {
            let parts = round_sums(&f, &h, chunk, GoldilocksExt3::pair_sums);
            assert_eq!(parts, whole);
        }
        let run = |chunk: usize| {
            let (mut of, mut oh) = (
                vec![GoldilocksExt3::ZERO; n / 2],
                vec![GoldilocksExt3::ZERO; n / 2],
            );
            let s = fold_and_sum(
                &f,
                &h,
                r,
                (&mut of, &mut oh),
                chunk,
                |a: GoldilocksExt3, b| a + r * (b - a),
                |f, h, of, oh| GoldilocksExt3::fold_pair_sums(f, h, r, of, oh),
            );
            (s, of, oh)
        };
        let whole = run(n);
        for chunk in [2, 4, 8, 18] {
            assert_eq!(run(chunk), whole);
        }
    }
}
