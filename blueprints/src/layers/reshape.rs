//! Flatten and Reshape: pure re-indexing. Activations stay in ONNX's NCHW order, so a
//! flatten after a convolution feeds the next layer exactly the vector the float model
//! sees (the incumbent's release that flattened channel-last proved the wrong function).

use super::Blueprint;
use crate::Result;
use circuits::compiler::{Builder, Var};

/// Identity on the flat NCHW vector.
#[derive(Clone, Debug)]
pub struct Reshape {
    /// Node name.
    pub name: String,
    len: usize,
    bound: i64,
}

impl Reshape {
    /// A reshape of `len` values.
    pub fn new(name: &str, len: usize, bound: i64) -> Reshape {
        Reshape {
            name: name.to_string(),
            len,
            bound,
        }
    }
}

impl Blueprint for Reshape {
    fn kind(&self) -> &'static str {
        "reshape"
    }
    fn out_len(&self) -> usize {
        self.len
    }
    fn out_bound(&self) -> i64 {
        self.bound
    }
    fn float(&self, x: &[&[f64]]) -> Vec<f64> {
        x[0].to_vec()
    }
    fn int(&self, x: &[&[i64]], _hints: &mut Vec<i64>) -> Result<Vec<i64>> {
        Ok(x[0].to_vec())
    }
    fn emit(&self, _b: &mut Builder, x: &[&[Var]], _w: &[Var], _layer: u32) -> Vec<Var> {
        x[0].to_vec()
    }
}
