//! The wiring layer shared by the data-movement ops (Transpose, Concat, Slice, Split, Pad,
//! Gather; one file each). Each output element is one input element (or a constant pad
//! value), so the layer is wiring: no gates, no hints, no constraints — the output
//! variables are the input variables (a pad constant is a constant node).

use super::{Blueprint, Built, Cx, numel, strides};
use crate::Result;
use circuits::compiler::{Builder, Var};

/// Where an output element comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Src {
    /// Element `index` of activation input `input`.
    In(usize, usize),
    /// A constant (float, and quantized at α).
    Const(f64, i64),
}

/// An output assembled from input elements.
#[derive(Clone, Debug)]
pub struct Wire {
    name: String,
    kind: &'static str,
    arity: usize,
    map: Vec<Src>,
    bound: i64,
}

impl Wire {
    /// Output element `e` is `map[e]`; `bounds` are the inputs' bounds.
    pub fn new(name: &str, kind: &'static str, map: Vec<Src>, bounds: &[i64]) -> Wire {
        let cb = map
            .iter()
            .filter_map(|s| match s {
                Src::Const(_, q) => Some(q.abs()),
                Src::In(..) => None,
            })
            .max()
            .unwrap_or(0);
        Wire {
            name: name.to_string(),
            kind,
            arity: bounds.len(),
            bound: bounds.iter().copied().max().unwrap_or(0).max(cb),
            map,
        }
    }
}

impl Blueprint for Wire {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn arity(&self) -> usize {
        self.arity
    }
    fn out_len(&self) -> usize {
        self.map.len()
    }
    fn out_bound(&self) -> i64 {
        self.bound
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        self.map
            .iter()
            .map(|s| match *s {
                Src::In(k, i) => x[k][i],
                Src::Const(v, _) => v,
            })
            .collect()
    }
    fn int(&self, x: &[&[i64]], _hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        Ok(self
            .map
            .iter()
            .map(|s| match *s {
                Src::In(k, i) => x[k][i],
                Src::Const(_, q) => q,
            })
            .collect())
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], _w: &[Var], _layer: u32) -> Result<Vec<Var>> {
        Ok({
            self.map
                .iter()
                .map(|s| match *s {
                    Src::In(k, i) => x[k][i],
                    Src::Const(_, q) => b.constant(q),
                })
                .collect()
        })
    }
}

impl std::fmt::Display for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} '{}'", self.kind, self.name)
    }
}

/// One wiring layer over input 0.
pub(super) fn single(
    cx: &Cx<'_>,
    kind: &'static str,
    map: Vec<usize>,
    dims: Vec<usize>,
) -> Result<Built> {
    let (_, xb) = cx.act_or_const(0)?;
    let map = map.into_iter().map(|i| Src::In(0, i)).collect();
    Ok(Built::one(
        vec![0],
        Box::new(Wire::new(&cx.node.name, kind, map, &[xb])),
        dims,
    ))
}

/// Integers of constant input `i`.
pub(super) fn ints(cx: &Cx<'_>, i: usize, what: &str) -> Result<Option<Vec<i64>>> {
    match cx.opt_constant(i, what)? {
        None => Ok(None),
        Some(t) => t
            .ints()
            .map(Some)
            .ok_or_else(|| cx.bad(format!("{what} must be integers"))),
    }
}

/// Row-major coordinates of element `i` of `dims`.
pub(super) fn coords(i: usize, dims: &[usize], st: &[usize]) -> Vec<usize> {
    (0..dims.len()).map(|d| (i / st[d]) % dims[d]).collect()
}

/// The elements of `xd` whose coordinate on each axis is in `take[axis]`: the map and
/// the output shape.
pub(super) fn select(xd: &[usize], take: &[Vec<usize>]) -> (Vec<usize>, Vec<usize>) {
    let out: Vec<usize> = take.iter().map(Vec::len).collect();
    let (is, os) = (strides(xd), strides(&out));
    let map = (0..numel(&out))
        .map(|e| {
            let c = coords(e, &out, &os);
            (0..xd.len()).map(|d| take[d][c[d]] * is[d]).sum()
        })
        .collect();
    (map, out)
}
