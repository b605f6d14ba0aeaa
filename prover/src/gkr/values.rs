//! Evaluating a circuit in the field: every layer's values, kept for the proof.

use super::blocks;
use super::structured::StructuredError;
use crate::arith::{ExtensionField, Field};
use crate::error::ProveError;
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

/// Every block's output `Y` (padded, base field), per layer (index `k − 1` for layer
/// `k`), in circuit order.
pub type BlockOutputs<F> = Vec<Vec<Vec<F>>>;

/// Every layer's values and the blocks' outputs.
pub(crate) type Evaluated<F, E> = (Vec<LayerValues<F, E>>, BlockOutputs<F>);

/// Evaluates every layer of a validated circuit from its input layer; returns all layers,
/// input first. `public` and `challenges` must have the circuit's lengths. Structured
/// blocks are evaluated by their op ([`super::structured::Structured::evaluate_field`])
/// into their output spans.
pub fn evaluate<F: Field, E: ExtensionField<F>>(
    circuit: &Circuit,
    public: &[F],
    input: Vec<F>,
    challenges: &[E],
) -> Result<Vec<LayerValues<F, E>>, ProveError> {
    Ok(evaluate_all(circuit, public, input, challenges, None)?.0)
}

/// [`evaluate`], also returning the blocks' outputs. A block's `Y` depends only on its
/// operand and the weights; when `known` holds the outputs of an earlier evaluation (the
/// prover's probe with placeholder challenges), a block whose operand layer is in the
/// base field (so free of challenges) reuses its `Y` instead of recomputing it.
pub(crate) fn evaluate_all<F: Field, E: ExtensionField<F>>(
    circuit: &Circuit,
    public: &[F],
    input: Vec<F>,
    challenges: &[E],
    mut known: Option<BlockOutputs<F>>,
) -> Result<Evaluated<F, E>, ProveError> {
    let weights = blocks::weights_span(circuit, &input);
    let mut values = Vec::with_capacity(circuit.depth() + 1);
    let mut outputs: BlockOutputs<F> = Vec::with_capacity(circuit.depth());
    values.push(LayerValues::Base(input));
    for (idx, layer) in circuit.layers.iter().enumerate() {
        let prev = &values[values.len() - 1];
        let mut next = match prev {
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
        let reuse = matches!(prev, LayerValues::Base(_));
        let mut ys = Vec::with_capacity(layer.blocks.len());
        for (b, block) in layer.blocks.iter().enumerate() {
            let err = |source| ProveError::Block {
                layer: idx + 1,
                block: b,
                source,
            };
            let cached = known
                .as_mut()
                .filter(|_| reuse)
                .and_then(|k| k.get_mut(idx))
                .and_then(|l| l.get_mut(b))
                .map(std::mem::take)
                .filter(|y| !y.is_empty());
            let y = match cached {
                Some(y) => y,
                None => {
                    let operand = operand_of(prev, &block.op).map_err(|e| match e {
                        OperandError::NotBase => ProveError::BlockOperandNotBase {
                            layer: idx + 1,
                            block: b,
                        },
                        OperandError::Op(s) => err(s),
                    })?;
                    let LayerValues::Base(input) = &values[0] else {
                        return Err(ProveError::Unsupported {
                            what: "an input layer outside the base field",
                        });
                    };
                    blocks::evaluate(&block.op, &operand, &input[weights.clone()]).map_err(err)?
                }
            };
            let start = block.out_offset as usize;
            let end = start + y.len();
            match &mut next {
                LayerValues::Base(v) if end <= v.len() => v[start..end].copy_from_slice(&y),
                LayerValues::Ext(v) if end <= v.len() => {
                    for (o, &x) in v[start..end].iter_mut().zip(&y) {
                        *o = E::from(x);
                    }
                }
                _ => {
                    return Err(err(StructuredError::Length {
                        what: "block output span",
                        expected: end,
                        got: next.len(),
                    }));
                }
            }
            ys.push(y);
        }
        outputs.push(ys);
        values.push(next);
    }
    Ok((values, outputs))
}

/// Why a block's operand cannot be read.
pub(crate) enum OperandError {
    NotBase,
    Op(StructuredError),
}

/// A block's operand slice of the previous layer, in the base field.
pub(crate) fn operand_of<'a, F: Field, E: ExtensionField<F>>(
    prev: &'a LayerValues<F, E>,
    op: &circuits::StructuredOp,
) -> Result<std::borrow::Cow<'a, [F]>, OperandError> {
    let (start, log) = blocks::operand_span(op).map_err(OperandError::Op)?;
    let end = start + (1usize << log);
    let short = || {
        OperandError::Op(StructuredError::Length {
            what: "operand span",
            expected: end,
            got: prev.len(),
        })
    };
    match prev {
        LayerValues::Base(v) => v
            .get(start..end)
            .map(std::borrow::Cow::Borrowed)
            .ok_or_else(short),
        LayerValues::Ext(v) => v
            .get(start..end)
            .ok_or_else(short)?
            .iter()
            .map(|x| x.as_base().ok_or(OperandError::NotBase))
            .collect::<Result<Vec<F>, _>>()
            .map(std::borrow::Cow::Owned),
    }
}
