//! MatMul (numpy matrix product). With a constant right operand `B` (`[K, N]` or `[K]`):
//! every row of the activation `A` (`[..., M, K]` or `[K]`) times `B`, as a Gemm layer
//! without bias (kind `matmul`, BatchNormalization and ReLU fusable). Otherwise (a batched
//! or left constant, or two activations) the general `Dot` layer: each output is the dot
//! product of its row and column (constants at α, activations at α), then one rescale to
//! α, rounded to nearest and proven; bounds are the sum of the products' bounds.

use super::gemm::{Gemm, GemmSpec, fuse_followers};
use super::{Built, Cx, Op};
use crate::Result;

/// ONNX `MatMul`.
pub struct MatMulOp;

impl Op for MatMulOp {
    fn name(&self) -> &'static str {
        "MatMul"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[]
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        // A constant right operand of 1 or 2 dimensions is a Gemm (weights once, BN and
        // ReLU fused); anything else is the general product.
        let (
            super::Operand::Act {
                dims: ad,
                bound: ab,
            },
            super::Operand::Const(bt),
        ) = (cx.operand(0), cx.operand(1))
        else {
            return general(cx);
        };
        let (k, n, b_vec) = match bt.dims[..] {
            [k] => (k, 1, true),
            [k, n] => (k, n, false),
            _ => return general(cx),
        };
        let (rows, mut out) = match ad {
            [] => return Err(cx.shape_err("A is a scalar")),
            [ka] => {
                if *ka != k {
                    return Err(cx.shape_err(format!("A has {ka} values, B {k} rows")));
                }
                (1, vec![])
            }
            [lead @ .., ka] => {
                if *ka != k {
                    return Err(cx.shape_err(format!("A {ad:?} has K = {ka}, B {k} rows")));
                }
                (lead.iter().product::<usize>(), lead.to_vec())
            }
        };
        if !b_vec {
            out.push(n);
        }
        // Weights as rows [n, k].
        let mut w: Vec<f64> = (0..n)
            .flat_map(|o| (0..k).map(move |i| bt.data[i * n + o]))
            .collect();
        let mut b = vec![0.0; n];
        let mut bias_index: Vec<usize> = (0..rows * n).map(|e| e % n).collect();
        // A BatchNormalization after a 2-D product normalises its columns: foldable.
        let relu = fuse_followers(cx, &mut w, &mut b, &mut bias_index, n, out.len() == 2)?;
        let spec = GemmSpec {
            rows,
            strides: (k, 1),
            bias_index,
            kind: "matmul",
        };
        let g = Gemm::general(
            &cx.node.name,
            (k, n),
            &w,
            &b,
            cx.kappa,
            ab,
            relu,
            cx.cap(),
            spec,
        )?;
        Ok(Built::one(vec![0], Box::new(g), out))
    }
}

/// An upper estimate of the output length of `ad × bd` (no allocation).
fn matmul_out_len(ad: &[usize], bd: &[usize]) -> usize {
    let lead = |d: &[usize]| super::numel(&d[..d.len().saturating_sub(2)]);
    let m = if ad.len() > 1 { ad[ad.len() - 2] } else { 1 };
    let n = if bd.len() > 1 { bd[bd.len() - 1] } else { 1 };
    lead(ad)
        .max(1)
        .saturating_mul(lead(bd).max(1))
        .saturating_mul(m)
        .saturating_mul(n)
}

/// The element indices of the left and right operands one output sums over.
pub(crate) type DotSet = (Vec<usize>, Vec<usize>);

/// numpy `matmul` index sets: the output shape and, per output element, the element
/// indices of A and of B whose products it sums (1-D operands promoted and dropped,
/// batch dimensions broadcast).
pub(crate) fn matmul_indices(ad: &[usize], bd: &[usize]) -> Option<(Vec<usize>, Vec<DotSet>)> {
    if ad.is_empty() || bd.is_empty() {
        return None;
    }
    let a2: Vec<usize> = if ad.len() == 1 {
        vec![1, ad[0]]
    } else {
        ad.to_vec()
    };
    let b2: Vec<usize> = if bd.len() == 1 {
        vec![bd[0], 1]
    } else {
        bd.to_vec()
    };
    let (m, k) = (a2[a2.len() - 2], a2[a2.len() - 1]);
    let (kb, n) = (b2[b2.len() - 2], b2[b2.len() - 1]);
    if k != kb {
        return None;
    }
    let (ab, bb) = (&a2[..a2.len() - 2], &b2[..b2.len() - 2]);
    let batch = super::broadcast(ab, bb)?;
    let (ai, bi) = (
        super::broadcast_index(ab, &batch),
        super::broadcast_index(bb, &batch),
    );
    let mut sets = Vec::with_capacity(super::numel(&batch) * m * n);
    for (&pa, &pb) in ai.iter().zip(&bi) {
        for r in 0..m {
            for c in 0..n {
                let xa = (0..k).map(|j| (pa * m + r) * k + j).collect();
                let xb = (0..k).map(|j| (pb * k + j) * n + c).collect();
                sets.push((xa, xb));
            }
        }
    }
    let mut out = batch;
    if ad.len() > 1 {
        out.push(m);
    }
    if bd.len() > 1 {
        out.push(n);
    }
    Some((out, sets))
}

/// A general matrix product layer: each output is `rescale(Σ_j u_j·v_j)` where `u`, `v`
/// are activation elements or constant weights (at α), then rescaled to α.
#[derive(Clone, Debug)]
pub struct Dot {
    name: String,
    /// Per output: indices into the left and right operands.
    sets: Vec<DotSet>,
    /// Which operand is a constant: 0 left, 1 right, none both activations.
    const_side: Option<usize>,
    params: Vec<i64>,
    params_f: Vec<f64>,
    rescale: super::Rescale,
    out_bound: i64,
}

impl Dot {
    fn side<'a, T: Copy>(&self, s: usize, x: &[&'a [T]], w: &'a [T]) -> &'a [T] {
        match self.const_side {
            Some(c) if c == s => w,
            Some(_) => x[0],
            None => x[s],
        }
    }
}

impl super::Blueprint for Dot {
    fn kind(&self) -> &'static str {
        "matmul"
    }
    fn arity(&self) -> usize {
        if self.const_side.is_some() { 1 } else { 2 }
    }
    fn out_len(&self) -> usize {
        self.sets.len()
    }
    fn out_bound(&self) -> i64 {
        self.out_bound
    }
    fn weights(&self) -> &[i64] {
        &self.params
    }
    fn macs(&self) -> u64 {
        self.sets
            .iter()
            .map(|(a, _)| a.len() as u64)
            .fold(0, u64::saturating_add)
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        let (l, r) = (
            self.side(0, x, &self.params_f),
            self.side(1, x, &self.params_f),
        );
        self.sets
            .iter()
            .map(|(a, b)| a.iter().zip(b).map(|(&i, &j)| l[i] * r[j]).sum())
            .collect()
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        let (l, r) = (self.side(0, x, &self.params), self.side(1, x, &self.params));
        self.sets
            .iter()
            .enumerate()
            .map(|(e, (a, b))| {
                let acc: i128 = a
                    .iter()
                    .zip(b)
                    .map(|(&i, &j)| i128::from(l[i]) * i128::from(r[j]))
                    .sum();
                self.rescale.int(acc as i64, hints, &self.name, e)
            })
            .collect()
    }
    fn emit(
        &self,
        b: &mut circuits::compiler::Builder,
        x: &[&[circuits::compiler::Var]],
        w: &[circuits::compiler::Var],
        layer: u32,
    ) -> Result<Vec<circuits::compiler::Var>> {
        let (l, r) = (self.side(0, x, w), self.side(1, x, w));
        Ok(self
            .sets
            .iter()
            .enumerate()
            .map(|(e, (ia, ib))| {
                let xs: Vec<_> = ia.iter().map(|&i| l[i]).collect();
                let ys: Vec<_> = ib.iter().map(|&j| r[j]).collect();
                let acc = b.dot(&xs, &ys);
                self.rescale.emit(
                    b,
                    acc,
                    circuits::compiler::Label::new("matmul", layer, e as u32),
                )
            })
            .collect())
    }
}

/// Both operands' shapes, the constant side, the constant's values and the bounds.
type Operands<'a> = (
    &'a [usize],
    &'a [usize],
    Option<usize>,
    Vec<f64>,
    (i64, i64),
);

/// The general MatMul: batched or left constants, or two activations.
fn general(cx: &Cx<'_>) -> Result<Built> {
    let kappa = cx.kappa;
    let (ad, bd, const_side, params_f, bounds): Operands<'_> = match (cx.operand(0), cx.operand(1))
    {
        (
            super::Operand::Act { dims: a, bound: ba },
            super::Operand::Act { dims: b, bound: bb },
        ) => (a, b, None, vec![], (ba, bb)),
        (super::Operand::Act { dims: a, bound: ba }, super::Operand::Const(t)) => {
            (a, &t.dims, Some(1), t.data.clone(), (ba, 0))
        }
        (super::Operand::Const(t), super::Operand::Act { dims: b, bound: bb }) => {
            (&t.dims, b, Some(0), t.data.clone(), (0, bb))
        }
        _ => return Err(cx.shape_err("needs two operands, at least one an activation")),
    };
    let k = *ad.last().unwrap_or(&1);
    if super::numel(ad)
        .saturating_mul(super::numel(bd))
        .saturating_mul(k)
        > 1 << 40
        || matmul_out_len(ad, bd).saturating_mul(k) > super::MAX_ELEMENTS
    {
        return Err(cx.bad(format!("the product of {ad:?} and {bd:?} is too large")));
    }
    let (out, sets) = matmul_indices(ad, bd)
        .ok_or_else(|| cx.shape_err(format!("{ad:?} and {bd:?} do not multiply")))?;
    let params: Vec<i64> = params_f
        .iter()
        .map(|&v| crate::quant::quantize(v, kappa))
        .collect::<Result<_>>()?;
    // Accumulator bound: per output, Σ |u|·|v| with activations at their bounds.
    let acc_bound = sets
        .iter()
        .map(|(ia, ib)| {
            ia.iter()
                .zip(ib)
                .map(|(&i, &j)| {
                    let u = match const_side {
                        Some(0) => i128::from(params[i]).abs(),
                        _ => i128::from(bounds.0),
                    };
                    let v = match const_side {
                        Some(1) => i128::from(params[j]).abs(),
                        _ => i128::from(bounds.1),
                    };
                    u * v
                })
                .sum::<i128>()
        })
        .max()
        .unwrap_or(0);
    let (mut out_bound, mut n_bits) =
        crate::quant::check_headroom(&cx.node.name, acc_bound, kappa)?;
    if let Some(c) = cx.cap() {
        let nb = super::bits_for(c.max(1)) + 1;
        if nb < n_bits {
            n_bits = nb;
            out_bound = (1i64 << (nb - 1)) - 1;
        }
    }
    let reads = match const_side {
        Some(0) => vec![1],
        Some(_) => vec![0],
        None => vec![0, 1],
    };
    let d = Dot {
        name: cx.node.name.clone(),
        sets,
        const_side,
        params,
        params_f,
        rescale: super::Rescale {
            kappa,
            n_bits,
            relu: false,
        },
        out_bound,
    };
    Ok(Built::one(reads, Box::new(d), out))
}
