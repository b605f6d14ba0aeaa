//! Elementwise Max and Min of several operands (activations or constants, numpy
//! broadcasting). Per element the prover hints the extreme `m`; every gap (`m − c` for
//! Max, `c − m` for Min) is range-checked non-negative and their product constrained to
//! zero, so `m` is one of the candidates and beyond none. Clip (`clip.rs`) uses the same
//! gadget.

use super::{Blueprint, Built, Cx, Op, Operand, bits_for, broadcast, broadcast_index};
use crate::quant::quantize;
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Label, Var};

/// A candidate of one output element.
#[derive(Clone, Copy, Debug)]
pub enum Cand {
    /// Element of activation input `k`.
    In(usize, usize),
    /// A constant (float, and quantized at α).
    Const(f64, i64),
}

/// Integer extreme of candidate values; pushes the hint when there is a choice.
pub(crate) fn choose_int(vals: &[i64], max: bool, hints: &mut Vec<i64>) -> i64 {
    let m = if max {
        vals.iter().copied().max()
    } else {
        vals.iter().copied().min()
    }
    .unwrap_or(0);
    if vals.len() > 1 {
        hints.push(m);
    }
    m
}

/// Emits the extreme of `vals` (each a variable); gaps are `bits` wide.
pub(crate) fn choose_emit(
    b: &mut Builder,
    vals: &[Var],
    max: bool,
    bits: u32,
    label: Label,
) -> Var {
    if let [only] = vals {
        return *only;
    }
    let m = b.hint();
    let mut gaps: Vec<Var> = vals
        .iter()
        .map(|&v| {
            let d = if max { b.sub(m, v) } else { b.sub(v, m) };
            b.range_check(d, bits, label);
            d
        })
        .collect();
    while gaps.len() > 1 {
        gaps = gaps
            .chunks(2)
            .map(|p| if let [a, c] = p { b.mul(*a, *c) } else { p[0] })
            .collect();
    }
    b.assert_zero(gaps[0], label);
    m
}

/// Elementwise extreme over candidates.
#[derive(Clone, Debug)]
pub struct Choose {
    name: String,
    max: bool,
    arity: usize,
    cands: Vec<Vec<Cand>>,
    bound: i64,
}

impl Choose {
    /// `cands[e]` are output `e`'s candidates; `bound` bounds them all.
    pub fn new(name: &str, max: bool, arity: usize, cands: Vec<Vec<Cand>>, bound: i64) -> Choose {
        Choose {
            name: name.to_string(),
            max,
            arity,
            cands,
            bound,
        }
    }
}

impl Blueprint for Choose {
    fn kind(&self) -> &'static str {
        if self.max { "max" } else { "min" }
    }
    fn arity(&self) -> usize {
        self.arity
    }
    fn out_len(&self) -> usize {
        self.cands.len()
    }
    fn out_bound(&self) -> i64 {
        self.bound
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        self.cands
            .iter()
            .map(|c| {
                let it = c.iter().map(|s| match *s {
                    Cand::In(k, i) => x[k][i],
                    Cand::Const(v, _) => v,
                });
                if self.max {
                    it.fold(f64::NEG_INFINITY, f64::max)
                } else {
                    it.fold(f64::INFINITY, f64::min)
                }
            })
            .collect()
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        let _ = &self.name;
        Ok(self
            .cands
            .iter()
            .map(|c| {
                let v: Vec<i64> = c
                    .iter()
                    .map(|s| match *s {
                        Cand::In(k, i) => x[k][i],
                        Cand::Const(_, q) => q,
                    })
                    .collect();
                choose_int(&v, self.max, hints)
            })
            .collect())
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], _w: &[Var], layer: u32) -> Result<Vec<Var>> {
        Ok({
            let bits = bits_for(2 * self.bound);
            let kind = self.kind();
            self.cands
                .iter()
                .enumerate()
                .map(|(e, c)| {
                    let v: Vec<Var> = c
                        .iter()
                        .map(|s| match *s {
                            Cand::In(k, i) => x[k][i],
                            Cand::Const(_, q) => b.constant(q),
                        })
                        .collect();
                    choose_emit(b, &v, self.max, bits, Label::new(kind, layer, e as u32))
                })
                .collect()
        })
    }
}

fn build(cx: &Cx<'_>, max: bool) -> Result<Built> {
    let n = cx.node.inputs.len();
    let (mut reads, mut bound) = (Vec::new(), 0i64);
    let mut ops: Vec<(&[usize], Option<usize>, Option<&crate::onnx::Tensor>)> = Vec::new();
    for i in 0..n {
        match cx.operand(i) {
            Operand::Act { dims, bound: b } => {
                ops.push((dims, Some(reads.len()), None));
                reads.push(i);
                bound = bound.max(b);
            }
            Operand::Const(t) => ops.push((&t.dims, None, Some(t))),
            Operand::Absent => return Err(cx.shape_err(format!("input {i} is missing"))),
        }
    }
    if reads.is_empty() {
        return Err(cx.bad("all inputs are constants"));
    }
    let mut out: Vec<usize> = Vec::new();
    for (d, _, _) in &ops {
        out = broadcast(&out, d)
            .ok_or_else(|| cx.shape_err(format!("{out:?} and {d:?} do not broadcast")))?;
    }
    let idx: Vec<Vec<usize>> = ops
        .iter()
        .map(|(d, _, _)| broadcast_index(d, &out))
        .collect();
    let mut cands = vec![Vec::with_capacity(ops.len()); super::numel(&out)];
    for (o, (_, k, t)) in ops.iter().enumerate() {
        for (e, c) in cands.iter_mut().enumerate() {
            let i = idx[o][e];
            c.push(match (k, t) {
                (Some(k), _) => Cand::In(*k, i),
                (None, Some(t)) => {
                    let q = quantize(t.data[i], cx.kappa)?;
                    bound = bound.max(q.abs());
                    Cand::Const(t.data[i], q)
                }
                (None, None) => {
                    return Err(BlueprintError::Shape {
                        what: cx.node.name.clone(),
                        reason: "unreachable operand".into(),
                    });
                }
            });
        }
    }
    let arity = reads.len();
    Ok(Built::one(
        reads,
        Box::new(Choose::new(&cx.node.name, max, arity, cands, bound)),
        out,
    ))
}

/// ONNX `Max`.
pub struct MaxOp;

impl Op for MaxOp {
    fn name(&self) -> &'static str {
        "Max"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        build(cx, true)
    }
}

/// ONNX `Min`.
pub struct MinOp;

impl Op for MinOp {
    fn name(&self) -> &'static str {
        "Min"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        build(cx, false)
    }
}
