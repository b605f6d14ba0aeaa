//! MatMul (numpy matrix product) with a constant right operand `B` (`[K, N]`, or `[K]`):
//! every row of the activation `A` (`[..., M, K]`, or `[K]`) times `B`, as a Gemm layer
//! without bias (kind `matmul`), rescaled to α. A constant left operand, a batched `B`
//! and activation × activation are refused.

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
        let (ad, ab) = cx.act(0)?;
        let bt = cx.constant(1, "B (lamina multiplies by a constant right operand)")?;
        let (k, n, b_vec) = match bt.dims[..] {
            [k] => (k, 1, true),
            [k, n] => (k, n, false),
            _ => {
                return Err(cx.bad(format!(
                    "a batched B {:?} is not supported; B must be 1-D or 2-D",
                    bt.dims
                )));
            }
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
        let relu = fuse_followers(cx, &mut w, &mut b, &mut bias_index, n, false)?;
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
