//! The degree-2 product sumcheck `Σ_x f(x)·h(x)` over bookkeeping tables: the kernel of
//! both GKR phases.
//!
//! `f` may start in the base field (a layer's values) and moves to the extension after
//! the first bind; `h` is always in the extension. Each round costs three products per
//! pair to evaluate and two to fold, chunked over threads.

use super::RoundProver;
use crate::arith::{ExtensionField, Field};
use crate::par;
use std::borrow::Cow;
use std::ops::{Add, Mul, Sub};

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
    rounds: usize,
}

impl<'a, F: Field, E: ExtensionField<F>> ProductSumcheck<'a, F, E> {
    /// A new instance; `f` and `h` must have the same power-of-two length.
    pub fn new(f: Table<'a, F, E>, h: Vec<E>) -> Self {
        debug_assert_eq!(f.len(), h.len());
        debug_assert!(h.len().is_power_of_two());
        let rounds = h.len().trailing_zeros() as usize;
        ProductSumcheck { f, h, rounds }
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

/// `(Σ f0·h0, Σ f1·h1, Σ (2f1 − f0)(2h1 − h0))` over the pairs of `f` and `h`.
fn round_sums<V, E>(f: &[V], h: &[E]) -> [E; 3]
where
    V: Copy + Send + Sync + Add<Output = V> + Sub<Output = V>,
    E: Field + Mul<V, Output = E>,
{
    let pairs = h.len() / 2;
    par::map_reduce(
        pairs,
        par::chunk_for(pairs),
        [E::ZERO; 3],
        |range| {
            let mut s = [E::ZERO; 3];
            for j in range {
                let (f0, f1) = (f[2 * j], f[2 * j + 1]);
                let (h0, h1) = (h[2 * j], h[2 * j + 1]);
                s[0] += h0 * f0;
                s[1] += h1 * f1;
                s[2] += (h1.double() - h0) * (f1 + f1 - f0);
            }
            s
        },
        |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2]],
    )
}

/// `out[j] = t[2j] + r·(t[2j+1] − t[2j])`.
fn fold<V, E>(t: &[V], r: E) -> Vec<E>
where
    V: Copy + Send + Sync + Sub<Output = V>,
    E: Field + From<V> + Mul<V, Output = E>,
{
    let half = t.len() / 2;
    let mut out = vec![E::ZERO; half];
    par::fill_chunks(&mut out, par::chunk_for(half), |start, o| {
        for (k, slot) in o.iter_mut().enumerate() {
            let j = start + k;
            let (a, b) = (t[2 * j], t[2 * j + 1]);
            *slot = E::from(a) + r * (b - a);
        }
    });
    out
}

impl<F: Field, E: ExtensionField<F>> RoundProver<E> for ProductSumcheck<'_, F, E> {
    fn num_rounds(&self) -> usize {
        self.rounds
    }

    fn degree(&self) -> usize {
        2
    }

    fn round_evals(&self) -> Vec<E> {
        match &self.f {
            Table::Base(f) => round_sums(f, &self.h).to_vec(),
            Table::Ext(f) => round_sums(f, &self.h).to_vec(),
        }
    }

    fn bind(&mut self, r: E) {
        self.f = Table::Ext(Cow::Owned(match &self.f {
            Table::Base(f) => fold(f, r),
            Table::Ext(f) => fold(f, r),
        }));
        self.h = fold(&self.h, r);
    }
}
