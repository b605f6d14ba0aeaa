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
    /// One line per value, `name observed bound`, sorted by name, after a first line
    /// `margin M` (for the compiled folder and reports; [`Calibration::parse`] reads it
    /// back, so the verifier rebuilds the same circuits).
    pub fn lines(&self) -> Vec<String> {
        std::iter::once(format!("margin {:e}", self.margin))
            .chain(
                self.observed.iter().map(|(k, v)| {
                    format!("{k} {v:e} {}", self.bounds.get(k).copied().unwrap_or(0))
                }),
            )
            .collect()
    }

    /// Reads [`Calibration::lines`] back (value names without spaces), strictly.
    pub fn parse(text: &str) -> Result<Calibration> {
        let bad = |n: usize, why: &str| BlueprintError::Shape {
            what: format!("calibration line {}", n + 1),
            reason: why.to_string(),
        };
        let mut lines = text.lines().enumerate();
        let margin = match lines.next() {
            Some((_, l)) => match l.split_once(' ') {
                Some(("margin", m)) => m.parse::<f64>().map_err(|_| bad(0, "bad margin"))?,
                _ => return Err(bad(0, "expected 'margin M'")),
            },
            None => return Err(bad(0, "empty")),
        };
        let (mut observed, mut bounds) = (BTreeMap::new(), Bounds::new());
        for (n, l) in lines {
            let f: Vec<&str> = l.split(' ').collect();
            let [name, obs, b] = f[..] else {
                return Err(bad(n, "expected 'name observed bound'"));
            };
            let obs: f64 = obs.parse().map_err(|_| bad(n, "bad observed value"))?;
            let b: i64 = b.parse().map_err(|_| bad(n, "bad bound"))?;
            if !(obs.is_finite() && obs >= 0.0 && b > 0) || observed.contains_key(name) {
                return Err(bad(n, "values must be finite and positive, names unique"));
            }
            observed.insert(name.to_string(), obs);
            bounds.insert(name.to_string(), b);
        }
        Ok(Calibration {
            margin,
            observed,
            bounds,
        })
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
