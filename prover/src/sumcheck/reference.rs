//! The plain two-pass product sumcheck (sums, then a fold per table into a new `Vec`,
//! with p3's arithmetic): the portable reference the fused kernel in `product.rs` is
//! tested against. Test builds only.

use super::product::Table;
use crate::arith::{ExtensionField, Field};
use crate::sumcheck::RoundProver;
use std::borrow::Cow;
use std::ops::{Add, Mul, Sub};

/// [`super::ProductSumcheck`] computed the simple way.
#[derive(Debug)]
pub struct ProductSumcheck<'a, F: Field, E: Field> {
    f: Table<'a, F, E>,
    h: Vec<E>,
    rounds: usize,
}

impl<'a, F: Field, E: ExtensionField<F>> ProductSumcheck<'a, F, E> {
    /// A new instance; `f` and `h` must have the same power-of-two length.
    pub fn new(f: Table<'a, F, E>, h: Vec<E>) -> Self {
        let rounds = h.len().trailing_zeros() as usize;
        ProductSumcheck { f, h, rounds }
    }

    /// The folded `f` table (all of it).
    pub fn f(&self) -> Vec<E> {
        match &self.f {
            Table::Base(v) => v.iter().map(|&x| E::from(x)).collect(),
            Table::Ext(v) => v.to_vec(),
        }
    }

    /// The folded `h` table.
    pub fn h(&self) -> &[E] {
        &self.h
    }

    /// `(f, h)` as they stand.
    pub fn tables(&self) -> (Vec<E>, Vec<E>) {
        (self.f(), self.h.clone())
    }
}

fn round_sums<V, E>(f: &[V], h: &[E]) -> [E; 3]
where
    V: Copy + Add<Output = V> + Sub<Output = V>,
    E: Field + Mul<V, Output = E>,
{
    let mut s = [E::ZERO; 3];
    for j in 0..h.len() / 2 {
        let (f0, f1) = (f[2 * j], f[2 * j + 1]);
        let (h0, h1) = (h[2 * j], h[2 * j + 1]);
        s[0] += h0 * f0;
        s[1] += h1 * f1;
        s[2] += (h1.double() - h0) * (f1 + f1 - f0);
    }
    s
}

fn fold<V, E>(t: &[V], r: E) -> Vec<E>
where
    V: Copy + Sub<Output = V>,
    E: Field + From<V> + Mul<V, Output = E>,
{
    (0..t.len() / 2)
        .map(|j| E::from(t[2 * j]) + r * (t[2 * j + 1] - t[2 * j]))
        .collect()
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
