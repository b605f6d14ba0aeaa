//! BatchNormalization (inference): `y = (x − mean)·γ/√(var + ε) + β` per channel (axis 1).
//! Folded into the preceding Conv/Gemm/MatMul when it is that layer's only consumer (see
//! [`foldable`]); otherwise a per-channel affine layer (`mul.rs`'s `Affine`): the
//! multiplier at α, the offset at α², one rescale.

use super::mul::Affine;
use super::{Built, Cx, Op};
use crate::Result;
use crate::onnx::Node;

const ATTRS: &[&str] = &["epsilon", "momentum", "spatial", "training_mode", "is_test"];

/// `(mul, add)` per channel of a BatchNormalization node, if it is in inference mode with
/// constant `[channels]` parameters and a single output; `None` when it cannot be folded
/// (it is then imported on its own and refused there if unsupported).
pub(crate) fn foldable(
    cx: &Cx<'_>,
    bn: &Node,
    channels: usize,
) -> Result<Option<(Vec<f64>, Vec<f64>)>> {
    if bn.attrs.iter().any(|a| !ATTRS.contains(&a.name.as_str()))
        || bn.attr("training_mode").is_some_and(|a| a.i != 0)
        || bn.attr("spatial").is_some_and(|a| a.i != 1)
        || bn.outputs.iter().skip(1).any(|o| !o.is_empty())
        || bn.inputs.len() != 5
    {
        return Ok(None);
    }
    let p: Option<Vec<&crate::onnx::Tensor>> =
        bn.inputs[1..].iter().map(|s| (cx.consts)(s)).collect();
    let Some(p) = p else { return Ok(None) };
    if p.iter().any(|t| t.data.len() != channels) {
        return Ok(None);
    }
    let eps = f64::from(bn.attr("epsilon").map_or(1e-5, |a| a.f));
    let (gamma, beta, mean, var) = (&p[0].data, &p[1].data, &p[2].data, &p[3].data);
    let mul: Vec<f64> = (0..channels)
        .map(|c| gamma[c] / (var[c] + eps).sqrt())
        .collect();
    let add = (0..channels).map(|c| beta[c] - mean[c] * mul[c]).collect();
    Ok(Some((mul, add)))
}

/// ONNX `BatchNormalization`.
pub struct BatchNormOp;

impl Op for BatchNormOp {
    fn name(&self) -> &'static str {
        "BatchNormalization"
    }
    fn attributes(&self) -> &'static [&'static str] {
        ATTRS
    }
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built> {
        let (xd, xb) = cx.act(0)?;
        if cx.int("training_mode", 0) != 0 {
            return Err(cx.bad("training_mode = 1 is not supported (inference only)"));
        }
        if cx.int("spatial", 1) != 1 {
            return Err(cx.bad("spatial = 0 is not supported"));
        }
        if cx.node.outputs.iter().skip(1).any(|o| !o.is_empty()) {
            return Err(cx.bad("the running mean/variance outputs are not supported"));
        }
        for (i, what) in [(1, "scale"), (2, "B"), (3, "mean"), (4, "var")] {
            cx.constant(i, what)?;
        }
        let c = *xd
            .get(1)
            .ok_or_else(|| cx.shape_err(format!("input {xd:?} has no channel axis")))?;
        let Some((mul, add)) = foldable(cx, cx.node, c)? else {
            return Err(cx.shape_err(format!("parameters must all be [{c}]")));
        };
        let inner: usize = xd[2..].iter().product();
        let chan: Vec<usize> = (0..super::numel(xd)).map(|i| (i / inner) % c).collect();
        let relu = cx.next_is("Relu").is_some();
        if relu {
            cx.absorbed += 1;
        }
        let a = Affine::new(
            &cx.node.name,
            "batchnorm",
            (&mul, &chan),
            (&add, &chan),
            cx.kappa,
            xb,
            relu,
            cx.cap(),
        )?;
        Ok(Built::one(vec![0], Box::new(a), xd.to_vec()))
    }
}
