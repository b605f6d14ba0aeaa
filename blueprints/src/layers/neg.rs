//! Neg: `y = −x`, one linear gate per element, no hints and no range checks.

use super::{Blueprint, Built, Cx, Op, numel};
use crate::Result;
use circuits::compiler::{Builder, Var};

/// Elementwise negation.
#[derive(Clone, Debug)]
pub struct Neg {
    len: usize,
    bound: i64,
}

impl Blueprint for Neg {
    fn kind(&self) -> &'static str {
        "neg"
    }
    fn out_len(&self) -> usize {
        self.len
    }
    fn out_bound(&self) -> i64 {
        self.bound
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        x[0].iter().map(|v| -v).collect()
    }
    fn int(&self, x: &[&[i64]], _hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        Ok(x[0].iter().map(|v| -v).collect())
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], _w: &[Var], _layer: u32) -> Result<Vec<Var>> {
        Ok(x[0].iter().map(|&v| b.scale(-1, v)).collect())
    }
}

/// ONNX `Neg`.
pub struct NegOp;

impl Op for NegOp {
    fn name(&self) -> &'static str {
        "Neg"
    }
    fn attributes(&self) -> &'static [&'static str] {
        &[]
    }
    fn foldable(&self) -> bool {
        true
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, bound) = cx.act_or_const(0)?;
        let n = Neg {
            len: numel(xd),
            bound,
        };
        Ok(Built::one(vec![0], Box::new(n), xd.to_vec()))
    }
}
