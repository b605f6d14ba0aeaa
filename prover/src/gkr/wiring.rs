//! The wiring predicates `cst~`, `add~`, `mul~` evaluated by linear scans over the gates
//! with eq tables (the verifier's main cost on gate layers: chunked over threads with the
//! `parallel` feature, exact sums, so the same value either way), and coefficient lowering
//! shared with the prover.
//!
//! `E(o)` over the output slots comes through [`OutEq`]: a materialised table for dense
//! layers, or the split eq halves evaluated per gate for sparse ones, so the verifier's
//! memory follows the gates rather than the layer's width.

use crate::arith::{ExtensionField, Field};
use crate::mle::SplitEq;
use circuits::{Coeff, ConstSource, Layer};
use std::marker::PhantomData;

/// Lowers circuit coefficients into the field, with the drawn challenges.
pub(crate) struct Lower<'a, F, E> {
    pub challenges: &'a [E],
    _f: PhantomData<F>,
}

impl<'a, F: Field, E: ExtensionField<F>> Lower<'a, F, E> {
    pub fn new(challenges: &'a [E]) -> Self {
        Lower {
            challenges,
            _f: PhantomData,
        }
    }

    /// `c · x`.
    #[inline(always)]
    pub fn times(&self, c: Coeff, x: E) -> E {
        match c {
            // Most gates are relays or sums with coefficient 1: skip the product.
            Coeff::Int(1) => x,
            Coeff::Int(v) => x * F::from_i64(v),
            Coeff::Challenge(i) => x.mul_inline(self.challenges[i as usize]),
            Coeff::ChallengeTimes(i, f) => {
                x.mul_inline(self.challenges[i as usize]) * F::from_i64(f)
            }
        }
    }

    /// `c · b · x` for a base-field `b` (one base product instead of an extension one).
    #[inline(always)]
    pub fn times_base(&self, c: Coeff, b: F, x: E) -> E {
        match c {
            Coeff::Int(v) => x * (F::from_i64(v) * b),
            Coeff::Challenge(i) => x.mul_inline(self.challenges[i as usize]) * b,
            Coeff::ChallengeTimes(i, f) => {
                x.mul_inline(self.challenges[i as usize]) * (F::from_i64(f) * b)
            }
        }
    }
}

/// `E(o)` for an output slot `o`.
pub(crate) trait OutEq<E> {
    /// The value at slot `o` (in range: validated circuits only).
    fn at(&self, o: u32) -> E;
}

impl<E: Copy> OutEq<E> for [E] {
    #[inline(always)]
    fn at(&self, o: u32) -> E {
        self[o as usize]
    }
}

/// `E(z) = Σ_c w_c·eq(r_c, z)` from the split eq halves of the claim points (the gate
/// part's one or two, then one per block operand), `O(√width)` memory per point, two
/// half-table products per slot and point.
pub(crate) struct LazyEq<E> {
    pub first: SplitEq<E>,
    pub more: Vec<SplitEq<E>>,
}

impl<E: Field> OutEq<E> for LazyEq<E> {
    #[inline(always)]
    fn at(&self, o: u32) -> E {
        let o = o as usize;
        let mut e = self.first.get(o);
        for s in &self.more {
            e += s.get(o);
        }
        e
    }
}

/// Gates per chunk of a parallel scan.
const CHUNK: usize = 1 << 14;

/// `Σ_{i<n} term(i)`, chunked over threads with the `parallel` feature.
fn scan<E: Field>(n: usize, term: impl Fn(usize) -> E + Sync + Send) -> E {
    crate::par::map_reduce(
        n,
        CHUNK,
        E::ZERO,
        |range| range.map(&term).sum(),
        |a, b| a + b,
    )
}

/// `Σ_{k<n} w_k·eq(r, i_k)` for `(i_k, w_k) = term(k)`, chunked like [`scan`], each chunk
/// through [`SplitEq::weighted_sum`].
fn scan_eq<F: Field, E: ExtensionField<F>>(
    n: usize,
    eq: &SplitEq<E>,
    term: impl Fn(usize) -> (usize, E) + Sync + Send,
) -> E {
    crate::par::map_reduce(
        n,
        CHUNK,
        E::ZERO,
        |range| eq.weighted_sum::<F>(range.map(&term)),
        |a, b| a + b,
    )
}

/// `cst~(E) = Σ c·E[o]·(1 | PI[k])`.
pub(crate) fn constant<F: Field, E: ExtensionField<F>, Q: OutEq<E> + Sync + ?Sized>(
    layer: &Layer,
    e: &Q,
    public: &[F],
    lower: &Lower<'_, F, E>,
) -> E {
    let gates = &layer.constant;
    scan(gates.len(), |k| {
        let g = &gates[k];
        match g.source {
            ConstSource::One => lower.times(g.coeff, e.at(g.out)),
            ConstSource::Public(i) => lower.times_base(g.coeff, public[i as usize], e.at(g.out)),
        }
    })
}

/// `add~(E, rx) = Σ c·E[o]·eq_rx[i]`.
pub(crate) fn add<F: Field, E: ExtensionField<F>, Q: OutEq<E> + Sync + ?Sized>(
    layer: &Layer,
    e: &Q,
    eq_rx: &SplitEq<E>,
    lower: &Lower<'_, F, E>,
) -> E {
    let gates = &layer.add;
    scan_eq(gates.len(), eq_rx, |k| {
        let g = &gates[k];
        (g.input as usize, lower.times(g.coeff, e.at(g.out)))
    })
}

/// `mul~(E, rx, ry) = Σ c·E[o]·eq_rx[i]·eq_ry[j]`.
pub(crate) fn mul<F: Field, E: ExtensionField<F>, Q: OutEq<E> + Sync + ?Sized>(
    layer: &Layer,
    e: &Q,
    eq_rx: &SplitEq<E>,
    eq_ry: &SplitEq<E>,
    lower: &Lower<'_, F, E>,
) -> E {
    let gates = &layer.mul;
    scan_eq(gates.len(), eq_ry, |k| {
        let g = &gates[k];
        let w = lower
            .times(g.coeff, e.at(g.out))
            .mul_inline(eq_rx.get(g.in0 as usize));
        (g.in1 as usize, w)
    })
}
