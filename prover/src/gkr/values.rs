//! Evaluating a circuit in the field: every layer's values, kept for the proof.

use crate::arith::{ExtensionField, Field};
use circuits::{Circuit, Coeff, ConstSource, Layer};

/// One layer's values: in the base field until a challenge coefficient (or a layer that
/// uses one) lifts them to the extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayerValues<F, E> {
    /// Base-field values.
    Base(Vec<F>),
    /// Extension values.
    Ext(Vec<E>),
}

impl<F: Field, E: ExtensionField<F>> LayerValues<F, E> {
    /// Value of slot `i`, in the extension.
    pub fn get(&self, i: usize) -> E {
        match self {
            LayerValues::Base(v) => E::from(v[i]),
            LayerValues::Ext(v) => v[i],
        }
    }
    /// Number of slots.
    pub fn len(&self) -> usize {
        match self {
            LayerValues::Base(v) => v.len(),
            LayerValues::Ext(v) => v.len(),
        }
    }
    /// Whether there are no slots (never, for a valid circuit).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn uses_challenges(layer: &Layer) -> bool {
    let ch = |c: &Coeff| c.challenge().is_some();
    layer.mul.iter().any(|g| ch(&g.coeff))
        || layer.add.iter().any(|g| ch(&g.coeff))
        || layer.constant.iter().any(|g| ch(&g.coeff))
}

fn eval_layer<V: Field>(
    layer: &Layer,
    prev: impl Fn(usize) -> V,
    lower: impl Fn(Coeff) -> V,
    public: impl Fn(u32) -> V,
) -> Vec<V> {
    let mut out = vec![V::ZERO; layer.width()];
    for g in &layer.mul {
        out[g.out as usize] += lower(g.coeff) * prev(g.in0 as usize) * prev(g.in1 as usize);
    }
    for g in &layer.add {
        out[g.out as usize] += lower(g.coeff) * prev(g.input as usize);
    }
    for g in &layer.constant {
        let s = match g.source {
            ConstSource::One => V::ONE,
            ConstSource::Public(i) => public(i),
        };
        out[g.out as usize] += lower(g.coeff) * s;
    }
    out
}

/// Evaluates every layer of a validated circuit from its input layer; returns all layers,
/// input first. `public` and `challenges` must have the circuit's lengths. Gates only:
/// structured blocks are not evaluated here yet (the prover refuses circuits with blocks;
/// `circuits::Circuit::evaluate` is their reference).
pub fn evaluate<F: Field, E: ExtensionField<F>>(
    circuit: &Circuit,
    public: &[F],
    input: Vec<F>,
    challenges: &[E],
) -> Vec<LayerValues<F, E>> {
    let mut values = Vec::with_capacity(circuit.depth() + 1);
    values.push(LayerValues::Base(input));
    for layer in &circuit.layers {
        let prev = &values[values.len() - 1];
        let next = match prev {
            LayerValues::Base(p) if !uses_challenges(layer) => LayerValues::Base(eval_layer(
                layer,
                |i| p[i],
                |c| match c {
                    Coeff::Int(v) => F::from_i64(v),
                    Coeff::Challenge(_) | Coeff::ChallengeTimes(..) => F::ZERO, // excluded by `uses_challenges`
                },
                |i| public[i as usize],
            )),
            _ => LayerValues::Ext(eval_layer(
                layer,
                |i| prev.get(i),
                |c| match c {
                    Coeff::Int(v) => E::from_i64(v),
                    Coeff::Challenge(i) => challenges[i as usize],
                    Coeff::ChallengeTimes(i, f) => challenges[i as usize] * F::from_i64(f),
                },
                |i| E::from(public[i as usize]),
            )),
        };
        values.push(next);
    }
    values
}
