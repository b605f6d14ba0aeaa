//! Calibrated bounds for deep nets. Worst-case bounds (the default) grow with every
//! layer's weight norms and overflow the field on deep nets at useful scales; calibration
//! runs the float reference on representative inputs, takes each layer's largest
//! magnitude times a margin, and the layers that range-check their outputs (every
//! rescale: Conv, Gemm, MatMul, Mul, BatchNormalization) size those checks from it. The
//! checks still prove every value stays inside the (power-of-two rounded) bound, so an
//! input that leaves it is refused at witness time naming the layer, the element and the
//! value — never a wrong proof. Layers without their own checks (Add, pools, wiring)
//! derive their bounds from their inputs' as before.

use crate::model::{Bounds, Model};
use crate::onnx;
use crate::quant::QuantConfig;
use crate::{BlueprintError, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Per-layer bounds from calibration inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// The margin the observed maxima were multiplied by.
    pub margin: f64,
    /// Largest |value| seen per value name (float units).
    pub observed: BTreeMap<String, f64>,
    /// Bound per value name in integer units at the calibrated scale:
    /// `⌈observed · margin · α⌉ + 1`.
    pub bounds: Bounds,
}

impl Calibration {
    /// One line per value, `name observed bound`, sorted by name (for the compiled folder
    /// and reports).
    pub fn lines(&self) -> Vec<String> {
        self.observed
            .iter()
            .map(|(k, v)| format!("{k} {v:e} {}", self.bounds.get(k).copied().unwrap_or(0)))
            .collect()
    }
}

/// Calibrates the model (ONNX `bytes`, external data in `base`) for `quant`'s scale on
/// `inputs`, with `margin` ≥ 1 (2 is the usual choice).
pub fn calibrate(
    bytes: &[u8],
    base: Option<&Path>,
    quant: QuantConfig,
    inputs: &[Vec<f64>],
    margin: f64,
) -> Result<Calibration> {
    if !(margin.is_finite() && margin >= 1.0) {
        return Err(BlueprintError::Shape {
            what: "calibration margin".into(),
            reason: format!("{margin} must be a finite number ≥ 1"),
        });
    }
    if inputs.is_empty() {
        return Err(BlueprintError::Shape {
            what: "calibration".into(),
            reason: "no calibration inputs".into(),
        });
    }
    // The float reference does not depend on the scale; building at 2^1 keeps worst-case
    // bounds of deep nets inside the field while the float pass runs.
    let coarse = QuantConfig::new(1, quant.input_range)?;
    // ReLUs stay apart so a fused rescale's pre-activation magnitude is observed.
    let model = Model::walk(onnx::import_with(bytes, base)?, bytes, coarse, None, false)?;
    let mut observed: BTreeMap<String, f64> = BTreeMap::new();
    for (k, x) in inputs.iter().enumerate() {
        if x.len() != model.input_len() {
            return Err(BlueprintError::Shape {
                what: format!("calibration input {k}"),
                reason: format!("{} values, the model takes {}", x.len(), model.input_len()),
            });
        }
        if let Some((i, v)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(BlueprintError::Shape {
                what: format!("calibration input {k}"),
                reason: format!("value {i} is {v}, not a finite number"),
            });
        }
        let vals = model.float_values(x);
        for l in &model.layers {
            let m = vals[l.output]
                .as_deref()
                .unwrap_or(&[])
                .iter()
                .fold(0.0f64, |a, v| a.max(v.abs()));
            let e = observed.entry(model.names[l.output].clone()).or_insert(0.0);
            *e = e.max(m);
        }
    }
    let alpha = quant.alpha();
    let bounds = observed
        .iter()
        .map(|(k, &v)| {
            let b = (v * margin * alpha).ceil();
            let b = if b.is_finite() && b < 2f64.powi(62) {
                b as i64
            } else {
                i64::MAX / 4
            };
            (k.clone(), b + 1)
        })
        .collect();
    Ok(Calibration {
        margin,
        observed,
        bounds,
    })
}
