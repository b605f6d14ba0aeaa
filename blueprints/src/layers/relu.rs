//! Standalone ReLU (one not fused into a conv or gemm): selector and output hinted,
//! `b ∈ {0,1}`, `y = b·x`, and `|x| = 2y − x` range-checked, so a dishonest selector makes
//! the checked value negative and fails (two-sided range checks).

use super::{Blueprint, bits_for};
use crate::Result;
use circuits::compiler::{Builder, Label, Var};

/// ReLU over inputs bounded by `in_bound`.
#[derive(Clone, Debug)]
pub struct Relu {
    /// Node name.
    pub name: String,
    len: usize,
    in_bound: i64,
}

impl Relu {
    /// A ReLU over `len` values.
    pub fn new(name: &str, len: usize, in_bound: i64) -> Relu {
        Relu {
            name: name.to_string(),
            len,
            in_bound,
        }
    }
}

impl Blueprint for Relu {
    fn kind(&self) -> &'static str {
        "relu"
    }
    fn out_len(&self) -> usize {
        self.len
    }
    fn out_bound(&self) -> i64 {
        self.in_bound
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        x[0].iter().map(|v| v.max(0.0)).collect()
    }
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        Ok(x[0]
            .iter()
            .map(|&v| {
                let bit = i64::from(v >= 0);
                hints.push(bit);
                hints.push(bit * v);
                bit * v
            })
            .collect())
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], _w: &[Var], layer: u32) -> Vec<Var> {
        let bits = bits_for(self.in_bound);
        x[0].iter()
            .enumerate()
            .map(|(e, &v)| {
                let label = Label::new("relu", layer, e as u32);
                let bit = b.hint();
                let y = b.hint();
                b.assert_bool(bit, label);
                let bv = b.mul(bit, v);
                b.assert_equal(y, bv, label);
                let t = b.lin(&[(2, y), (-1, v)], 0);
                b.range_check(t, bits, label);
                y
            })
            .collect()
    }
}
