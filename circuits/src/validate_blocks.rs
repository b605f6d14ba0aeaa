//! Validation of structured blocks and of the gate span (design §2.2).
//!
//! Every rule is refused with its own [`CircuitError`] variant naming the layer and the
//! block. All arithmetic is in checked or widened `u64`, so no declaration, however
//! absurd, makes validation panic or loop over more than the circuit's own lists.

use crate::structured::{Block, StructuredOp, padded_log};
use crate::{Circuit, CircuitError, Layer, MAX_LOG_WIDTH, Region, RegionKind};

/// Pads are below this (ONNX models pad by a few pixels; a bound keeps every axis sum
/// far inside `u32`).
pub(crate) const MAX_PAD: u32 = 1 << 16;

/// Verifier cost units allowed per encoded byte of circuit. A real convolution block
/// (≈ 70 bytes) costs at most a few thousand units (224×224 input, 7×7 kernel: ≈ 2,400),
/// far below its own 70 × 256, so the cap only refuses absurd declarations — while a
/// verifier's work for blocks stays proportional to the bytes it was handed.
pub(crate) const BUDGET_PER_BYTE: u64 = 256;

impl Circuit {
    /// Checks every block's shape, output span, operand span and weights. Call after the
    /// gates' slots are checked (the gate-in-block rule indexes nothing, but assumes
    /// sane widths).
    pub(crate) fn validate_blocks(&self) -> Result<(), CircuitError> {
        for (idx, layer) in self.layers.iter().enumerate() {
            if layer.blocks.is_empty() {
                continue;
            }
            let k = idx + 1;
            let mut spans = Vec::with_capacity(layer.blocks.len());
            for (b, block) in layer.blocks.iter().enumerate() {
                check_shape(k, b, &block.op)?;
                spans.push(check_output(k, b, block, layer.log_width)?);
                self.check_operand(k, b, &block.op)?;
                self.check_weights(k, b, &block.op)?;
            }
            check_disjoint(k, layer, spans)?;
        }
        Ok(())
    }

    /// The gate span rules: `1 ≤ g ≤ input.log_width`, the weights region at or above
    /// `2^g`, and every layer-1 gate reading below `2^g`. `g` need not be the smallest
    /// such width: the compiler may span the whole public + private prefix even where
    /// gates read less of it.
    pub(crate) fn validate_gate_span(&self) -> Result<(), CircuitError> {
        let Some(g) = self.input.gate_log_width else {
            return Ok(());
        };
        let err = |reason| {
            Err(CircuitError::GateSpan {
                gate_log_width: g,
                reason,
            })
        };
        if g == 0 {
            // 0 encodes "no span"; a span of one slot would not round-trip.
            return err("must be at least 1");
        }
        if g > self.input.log_width {
            return err("is wider than the input layer");
        }
        let span = 1u64 << g;
        if let Some(w) = self.input.region(RegionKind::Weights)
            && u64::from(w.offset) < span
        {
            return err("the weights region starts below it");
        }
        let Some(layer) = self.layers.first() else {
            return Ok(());
        };
        let read = |kind, gate, slot: u32| {
            if u64::from(slot) < span {
                Ok(())
            } else {
                Err(CircuitError::GateSpanRead {
                    kind,
                    gate,
                    slot,
                    gate_log_width: g,
                })
            }
        };
        for (i, m) in layer.mul.iter().enumerate() {
            read("mul", i, m.in0)?;
            read("mul", i, m.in1)?;
        }
        for (i, a) in layer.add.iter().enumerate() {
            read("add", i, a.input)?;
        }
        Ok(())
    }

    /// The blocks' verifier cost, summed in order, stays within [`BUDGET_PER_BYTE`] times
    /// the encoded size. Call after [`Circuit::validate_blocks`].
    pub(crate) fn validate_budget(&self) -> Result<(), CircuitError> {
        if self.num_blocks() == 0 {
            return Ok(());
        }
        let limit = self.encoded_len().saturating_mul(BUDGET_PER_BYTE);
        let mut cost = 0u64;
        for (idx, layer) in self.layers.iter().enumerate() {
            for (b, block) in layer.blocks.iter().enumerate() {
                cost = block
                    .op
                    .verifier_cost()
                    .and_then(|c| cost.checked_add(c))
                    .unwrap_or(u64::MAX);
                if cost > limit {
                    return Err(CircuitError::BlockBudget {
                        layer: idx + 1,
                        block: b,
                        cost,
                        limit,
                    });
                }
            }
        }
        Ok(())
    }

    fn check_operand(&self, k: usize, b: usize, op: &StructuredOp) -> Result<(), CircuitError> {
        let err = |reason| {
            Err(CircuitError::BlockOperand {
                layer: k,
                block: b,
                reason,
            })
        };
        let t = op.operand();
        let Some(log) = t.log_len() else {
            return err("size overflows"); // unreachable after check_shape
        };
        if log > self.log_width(k - 1) {
            return err("is wider than the previous layer");
        }
        let (start, len) = (u64::from(t.offset), 1u64 << log);
        if start % len != 0 {
            return err("offset is not aligned to its padded size");
        }
        if start + len > 1u64 << self.log_width(k - 1) {
            return err("extends past the previous layer");
        }
        if k == 1 {
            // The operand's claim must select exactly one region, and never the weights,
            // which blocks reach only through their own weight spans.
            let inside = |r: &&Region| {
                let r0 = u64::from(r.offset);
                r0 <= start && start + len <= r0 + (1u64 << r.log_len)
            };
            match self.input.regions.iter().find(inside) {
                None => return err("is not inside one public or private region"),
                Some(r) if r.kind == RegionKind::Weights => {
                    return err("lies in the weights region");
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn check_weights(&self, k: usize, b: usize, op: &StructuredOp) -> Result<(), CircuitError> {
        let err = |reason| {
            Err(CircuitError::BlockWeights {
                layer: k,
                block: b,
                reason,
            })
        };
        let Some(region) = self.input.region(RegionKind::Weights) else {
            return err("are read, but the circuit has no weights region");
        };
        let size = 1u64 << region.log_len;
        // `count` aligned spans of `2^log` slots from `offset`, back to back.
        let fits = |offset: u32, log: Option<u8>, count: u64, what| {
            let Some(log) = log.filter(|&l| l <= region.log_len) else {
                return err(what);
            };
            let len = 1u64 << log;
            let end = count
                .checked_mul(len)
                .and_then(|n| n.checked_add(u64::from(offset)));
            if u64::from(offset) % len != 0 || end.is_none_or(|e| e > size) {
                return err(what);
            }
            Ok(())
        };
        let (bias, bias_log) = match op {
            StructuredOp::Conv2d(c) => {
                // Slabs are back to back and each a power of two long, so checking the
                // first one's alignment and the last one's end covers all of them,
                // however many taps the kernel declares.
                let taps = u64::from(c.spec.kernel[0]) * u64::from(c.spec.kernel[1]);
                let log = c.slab_len().map(|s| s.trailing_zeros() as u8);
                fits(
                    c.slabs,
                    log,
                    taps,
                    "slabs are misaligned or leave the weights region",
                )?;
                (c.bias, padded_log(c.cout))
            }
            StructuredOp::MatMul(m) => {
                fits(
                    m.weight.offset,
                    m.weight.log_len(),
                    1,
                    "matrix is misaligned or leaves the weights region",
                )?;
                (m.bias, padded_log(m.weight.rows))
            }
        };
        match bias {
            Some(offset) => fits(
                offset,
                bias_log,
                1,
                "bias is misaligned or leaves the weights region",
            ),
            None => Ok(()),
        }
    }
}

/// Sizes, kernel and geometry. Leaves every padded size at most `2^MAX_LOG_WIDTH`.
fn check_shape(k: usize, b: usize, op: &StructuredOp) -> Result<(), CircuitError> {
    let err = |reason| {
        Err(CircuitError::BlockShape {
            layer: k,
            block: b,
            reason,
        })
    };
    let t = op.operand();
    if t.dims.contains(&0) {
        return err("has an empty operand dimension");
    }
    if t.log_len().is_none_or(|l| l > MAX_LOG_WIDTH) {
        return err("has an operand wider than the widest layer");
    }
    match op {
        StructuredOp::Conv2d(c) => {
            let s = &c.spec;
            if c.cout == 0 {
                return err("has no output channels");
            }
            if s.kernel.contains(&0) || s.stride.contains(&0) || s.dilation.contains(&0) {
                return err("has a zero kernel size, stride or dilation");
            }
            if s.pads.iter().any(|&p| p >= MAX_PAD) {
                return err("has a pad of 2^16 or more");
            }
            if s.depthwise && c.input.dims[0] != c.cout {
                return err("is depthwise with input channels differing from output channels");
            }
            if c.axes().is_none() {
                return err("has an empty output (kernel reach beyond the padded input)");
            }
        }
        StructuredOp::MatMul(m) => {
            if m.weight.rows == 0 || m.weight.cols == 0 {
                return err("has an empty weight matrix");
            }
            if m.input.dims[1] != 1 {
                return err("has an operand that is not [K, 1, J]");
            }
            if m.input.dims[0] != m.weight.cols {
                return err("has operand rows differing from the weight's columns");
            }
        }
    }
    if op.out_log_len().is_none_or(|l| l > MAX_LOG_WIDTH) {
        return err("has an output wider than the widest layer");
    }
    Ok(())
}

/// The output span `(start, end, block)`: aligned and inside the layer.
fn check_output(
    k: usize,
    b: usize,
    block: &Block,
    log_width: u8,
) -> Result<(u64, u64, usize), CircuitError> {
    let err = |reason| {
        Err(CircuitError::BlockOutput {
            layer: k,
            block: b,
            reason,
        })
    };
    let Some((offset, log)) = block.out_span() else {
        return err("size overflows"); // unreachable after check_shape
    };
    if log > log_width {
        return err("is wider than its layer");
    }
    let (start, len) = (u64::from(offset), 1u64 << log);
    if start % len != 0 {
        return err("offset is not aligned to its padded size");
    }
    if start + len > 1u64 << log_width {
        return err("extends past its layer");
    }
    Ok((start, start + len, b))
}

/// No two blocks overlap, and no gate writes inside a block: one sort of the spans, then
/// a binary search per gate output, so the cost follows the lists, not the width.
fn check_disjoint(
    k: usize,
    layer: &Layer,
    mut spans: Vec<(u64, u64, usize)>,
) -> Result<(), CircuitError> {
    spans.sort_unstable();
    if let Some(w) = spans.windows(2).find(|w| w[1].0 < w[0].1) {
        return Err(CircuitError::BlockOutput {
            layer: k,
            block: w[0].2.max(w[1].2),
            reason: "overlaps another block",
        });
    }
    let inside = |slot: u32| {
        let s = u64::from(slot);
        // The last span starting at or below `s` is the only one that can hold it.
        let i = spans.partition_point(|&(start, _, _)| start <= s);
        i.checked_sub(1)
            .map(|i| spans[i])
            .filter(|&(_, end, _)| s < end)
            .map(|(_, _, b)| b)
    };
    let outs = (layer.mul.iter().enumerate().map(|(g, m)| ("mul", g, m.out)))
        .chain(layer.add.iter().enumerate().map(|(g, a)| ("add", g, a.out)))
        .chain(
            layer
                .constant
                .iter()
                .enumerate()
                .map(|(g, c)| ("const", g, c.out)),
        );
    for (kind, gate, slot) in outs {
        if let Some(block) = inside(slot) {
            return Err(CircuitError::GateInBlock {
                layer: k,
                block,
                kind,
                gate,
                slot,
            });
        }
    }
    Ok(())
}
