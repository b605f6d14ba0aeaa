//! The global-scale quantizer: α = 2^K for every tensor; inputs and weights at α, biases at
//! α²; round to nearest everywhere; static bounds that set every range-check width and
//! refuse a scale the field cannot hold.

use crate::layers::bits_for;
use crate::{BlueprintError, Result};

/// Largest `--scale-bits`: a product of two α-scaled values needs 2K bits, and values must
/// stay below 2^62 (Goldilocks is about 2^64, and signed values need half of it).
pub const MAX_SCALE_BITS: u32 = 30;
/// Values (accumulators, shifted quotients) must stay below 2^HEADROOM_BITS.
pub const HEADROOM_BITS: u32 = 61;

/// Quantization settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuantConfig {
    /// K in α = 2^K.
    pub scale_bits: u32,
    /// Declared input range `[lo, hi]`.
    pub input_range: (f64, f64),
}

impl QuantConfig {
    /// Checks the settings up front.
    pub fn new(scale_bits: u32, input_range: (f64, f64)) -> Result<QuantConfig> {
        if !(1..=MAX_SCALE_BITS).contains(&scale_bits) {
            return Err(BlueprintError::Scale {
                bits: scale_bits,
                max: MAX_SCALE_BITS,
            });
        }
        let (lo, hi) = input_range;
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err(BlueprintError::Shape {
                what: "--input-range".into(),
                reason: format!("[{lo}, {hi}] is not a finite range LO ≤ HI"),
            });
        }
        Ok(QuantConfig {
            scale_bits,
            input_range,
        })
    }

    /// Bound on |quantized input|.
    pub fn input_bound(&self) -> i64 {
        let m = self.input_range.0.abs().max(self.input_range.1.abs());
        (m * f64::from(1u32 << self.scale_bits)).round() as i64 + 1
    }

    /// The declared input range in integer units, `[round(lo·α), round(hi·α)]`: every
    /// accepted input quantizes inside it (same rounding as [`quantize`]), and slice 0's
    /// circuit range-checks its public input against it, so no verifier can forget to.
    pub fn input_limits(&self) -> (i64, i64) {
        let q = |v: f64| (v * self.alpha()).round() as i64;
        (q(self.input_range.0), q(self.input_range.1))
    }

    /// Quantizes a model input, refusing values outside the declared range.
    pub fn quantize_input(&self, x: &[f64], first_layer: &str) -> Result<Vec<i64>> {
        let (lo, hi) = self.input_range;
        x.iter()
            .enumerate()
            .map(|(index, &value)| {
                if !value.is_finite() {
                    return Err(BlueprintError::NotFinite {
                        value,
                        index,
                        layer: first_layer.to_string(),
                    });
                }
                if !(lo..=hi).contains(&value) {
                    return Err(BlueprintError::InputRange {
                        value,
                        index,
                        lo,
                        hi,
                        layer: first_layer.to_string(),
                    });
                }
                quantize(value, self.scale_bits)
            })
            .collect()
    }

    /// α as a float.
    pub fn alpha(&self) -> f64 {
        f64::from(1u32 << self.scale_bits)
    }
}

/// `round(v · 2^bits)`.
pub fn quantize(v: f64, bits: u32) -> Result<i64> {
    let q = (v * (2f64).powi(bits as i32)).round();
    if !q.is_finite() || q.abs() >= (2f64).powi(HEADROOM_BITS as i32) {
        return Err(BlueprintError::Overflow {
            layer: "parameter".into(),
            bits: 64,
            scale_bits: bits,
            max: HEADROOM_BITS,
        });
    }
    Ok(q as i64)
}

/// From an accumulator bound (at α²), the quotient bound (at α) and the rescale width N
/// (`|q| < 2^(N−1)`), refusing what the field cannot hold.
pub fn check_headroom(layer: &str, acc_bound: i128, kappa: u32) -> Result<(i64, u32)> {
    let q_bound = (acc_bound >> kappa) + 1;
    let n_bits = bits_for(i64::try_from(q_bound).unwrap_or(i64::MAX)) + 1;
    let acc_bits = 128 - acc_bound.leading_zeros();
    let need = (kappa + n_bits).max(acc_bits + 1);
    if need > HEADROOM_BITS {
        return Err(BlueprintError::Overflow {
            layer: layer.to_string(),
            bits: need,
            scale_bits: kappa,
            max: HEADROOM_BITS,
        });
    }
    Ok((q_bound as i64, n_bits))
}
