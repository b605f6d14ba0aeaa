//! Elementwise Add of two activations at the same scale, or of an activation and a
//! constant tensor (quantized at α and committed with the weights). Linear: no hints, no
//! range checks; the output bound is the sum of the input bounds.

use super::Blueprint;
use crate::quant::quantize;
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Var};

/// `x + y` or `x + c`.
#[derive(Clone, Debug)]
pub struct Add {
    /// Node name.
    pub name: String,
    len: usize,
    constant: Option<(Vec<f64>, Vec<i64>)>,
    out_bound: i64,
}

impl Add {
    /// The sum of two activations of `len` values.
    pub fn new(name: &str, len: usize, bounds: (i64, i64)) -> Add {
        Add {
            name: name.to_string(),
            len,
            constant: None,
            out_bound: bounds.0.saturating_add(bounds.1),
        }
    }

    /// An activation plus a constant of the same length.
    pub fn with_constant(name: &str, c: &[f32], kappa: u32, in_bound: i64) -> Result<Add> {
        let q: Vec<i64> = c
            .iter()
            .map(|&v| quantize(f64::from(v), kappa))
            .collect::<Result<_>>()?;
        let cb = q.iter().map(|v| v.abs()).max().unwrap_or(0);
        if c.is_empty() {
            return Err(BlueprintError::Shape {
                what: format!("add '{name}'"),
                reason: "empty constant".into(),
            });
        }
        Ok(Add {
            name: name.to_string(),
            len: c.len(),
            constant: Some((c.iter().map(|&v| f64::from(v)).collect(), q)),
            out_bound: in_bound.saturating_add(cb),
        })
    }
}

impl Blueprint for Add {
    fn kind(&self) -> &'static str {
        "add"
    }
    fn arity(&self) -> usize {
        if self.constant.is_some() { 1 } else { 2 }
    }
    fn out_len(&self) -> usize {
        self.len
    }
    fn out_bound(&self) -> i64 {
        self.out_bound
    }
    fn weights(&self) -> &[i64] {
        self.constant.as_ref().map_or(&[], |c| &c.1)
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        match &self.constant {
            Some((c, _)) => x[0].iter().zip(c).map(|(a, b)| a + b).collect(),
            None => x[0].iter().zip(x[1]).map(|(a, b)| a + b).collect(),
        }
    }
    fn int(&self, x: &[&[i64]], _hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        let other: &[i64] = match &self.constant {
            Some((_, q)) => q,
            None => x[1],
        };
        Ok(x[0].iter().zip(other).map(|(a, b)| a + b).collect())
    }
    fn emit(&self, b: &mut Builder, x: &[&[Var]], w: &[Var], _layer: u32) -> Vec<Var> {
        let other: &[Var] = if self.constant.is_some() { w } else { x[1] };
        x[0].iter().zip(other).map(|(&a, &c)| b.add(a, c)).collect()
    }
}
