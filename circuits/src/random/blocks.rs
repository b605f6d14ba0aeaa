//! Random structured blocks for [`super::circuit`]: small random shapes (design §7.1:
//! channels 1..=5, sizes 1..=9, kernels 1..=4, strides 1..=3, pads 0..=2, dilations
//! 1..=2, depthwise and bias at random; matrix sizes 1..=9) and a layout that meets the
//! validation rules.
//!
//! Layout: each layer's blocks are packed at its bottom, largest first, so every output
//! span is aligned; the layer's gates write above them. An operand lies in the private
//! region at layer 1, or in the gate-written part of the previous layer, whose gates then
//! leave the operand's padding slots unwritten (zero). Weight slabs, matrices and biases
//! are packed into the weights region, largest alignment first.

use super::{BlockKind, Rng, Spec};
use crate::structured::{
    Block, Conv2dOp, ConvSpec, MatMulOp, StructuredOp, TensorRef, WeightRef, padded,
};

/// The blocks of a random circuit, placed.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// Blocks per layer (index 0, the input layer, is empty).
    pub blocks: Vec<Vec<Block>>,
    /// Slots taken at the bottom of each layer by its blocks.
    pub block_end: Vec<u64>,
    /// `log_width` of each layer (input first), at least what the spec asks.
    pub log_widths: Vec<u8>,
    /// Slots of each layer that gates must leave unwritten: padding of an operand.
    pub padding: Vec<Vec<bool>>,
    /// Weights-region slots the blocks read (a prefix of the region).
    pub weights_used: u64,
}

/// `log2` of the smallest power of two at least `n` (`n ≥ 1`).
fn ceil_log(n: u64) -> u8 {
    n.next_power_of_two().trailing_zeros() as u8
}

fn align_up(n: u64, align: u64) -> u64 {
    n.div_ceil(align) * align
}

fn between(rng: &mut Rng, lo: u32, hi: u32) -> u32 {
    lo + rng.below(u64::from(hi - lo + 1)) as u32
}

/// One random op with every offset 0 (the plan places it afterwards).
fn draw_op(rng: &mut Rng, kind: BlockKind) -> StructuredOp {
    let bias = |rng: &mut Rng| rng.chance(50).then_some(0);
    match kind {
        BlockKind::MatMul => {
            let (i, k, j) = (between(rng, 1, 9), between(rng, 1, 9), between(rng, 1, 9));
            StructuredOp::MatMul(MatMulOp {
                input: TensorRef {
                    offset: 0,
                    dims: [k, 1, j],
                },
                weight: WeightRef {
                    offset: 0,
                    rows: i,
                    cols: k,
                },
                bias: bias(rng),
            })
        }
        BlockKind::Conv2d => {
            let depthwise = rng.chance(30);
            let cin = between(rng, 1, 5);
            let cout = if depthwise { cin } else { between(rng, 1, 5) };
            let dims = [cin, between(rng, 1, 9), between(rng, 1, 9)];
            let mut spec = ConvSpec {
                kernel: [between(rng, 1, 4), between(rng, 1, 4)],
                stride: [between(rng, 1, 3), between(rng, 1, 3)],
                dilation: [between(rng, 1, 2), between(rng, 1, 2)],
                pads: [0; 4].map(|_| between(rng, 0, 2)),
                depthwise,
            };
            // A kernel reaching past the padded input has no output: shrink it.
            for a in 0..2 {
                let room = dims[1 + a] + spec.pads[a] + spec.pads[a + 2];
                while spec.kernel[a] > 1 && spec.dilation[a] * (spec.kernel[a] - 1) + 1 > room {
                    spec.kernel[a] -= 1;
                }
            }
            StructuredOp::Conv2d(Conv2dOp {
                input: TensorRef { offset: 0, dims },
                cout,
                spec,
                slabs: 0,
                bias: bias(rng),
            })
        }
    }
}

/// Sizes of an op's padded output and operand, as `log2`.
fn logs(op: &StructuredOp) -> (u8, u8) {
    // Shapes from `draw_op` are small and valid, so both are `Some`.
    (
        op.out_log_len().unwrap_or(0),
        op.operand().log_len().unwrap_or(0),
    )
}

/// Weight chunks of an op: `(len, align, which)`, `which` 0 = slabs/matrix, 1 = bias.
fn chunks(op: &StructuredOp) -> Vec<(u64, u64, u8)> {
    let p = |n: u32| u64::from(padded(n).unwrap_or(1));
    match op {
        StructuredOp::Conv2d(c) => {
            let slab = u64::from(c.slab_len().unwrap_or(1));
            let taps = u64::from(c.taps().unwrap_or(1));
            let mut v = vec![(taps * slab, slab, 0)];
            if c.bias.is_some() {
                v.push((p(c.cout), p(c.cout), 1));
            }
            v
        }
        StructuredOp::MatMul(m) => {
            let len = p(m.weight.rows) * p(m.weight.cols);
            let mut v = vec![(len, len, 0)];
            if m.bias.is_some() {
                v.push((p(m.weight.rows), p(m.weight.rows), 1));
            }
            v
        }
    }
}

impl Plan {
    /// Draws and places the blocks `spec.blocks` asks for; without any, the plan leaves
    /// the spec's widths as they are.
    pub fn new(spec: &Spec, seed: u64) -> Plan {
        let depth = spec.log_widths.len() - 1;
        let mut plan = Plan {
            blocks: vec![Vec::new(); depth + 1],
            block_end: vec![0; depth + 1],
            log_widths: spec.log_widths.clone(),
            padding: vec![Vec::new(); depth + 1],
            weights_used: 0,
        };
        plan.log_widths[0] = plan.log_widths[0].max(2);
        if spec.blocks.is_empty() {
            return plan;
        }
        // An RNG of its own: block shapes must not shift the gates' random sequence.
        let mut rng = Rng::new(seed ^ 0xB10C_5EED);
        let top = if spec.num_challenges > 0 && depth > 1 {
            depth - 1 // keep the all-constraint last layer free of blocks
        } else {
            depth
        };
        let ops: Vec<(usize, StructuredOp)> = (spec.blocks.iter())
            .map(|b| (b.layer.clamp(1, top), draw_op(&mut rng, b.kind)))
            .collect();

        // Widths: room for the blocks at the bottom, one gate slot above, and the next
        // layer's operands above the blocks.
        let mut op_log = vec![0u8; depth + 1]; // largest operand read from layer k − 1
        for (k, op) in &ops {
            let (out, operand) = logs(op);
            plan.block_end[*k] += 1u64 << out;
            op_log[*k] = op_log[*k].max(operand);
        }
        let mut weights: Vec<(u64, u64, usize, u8)> = Vec::new();
        for (i, (_, op)) in ops.iter().enumerate() {
            weights.extend(chunks(op).into_iter().map(|(l, a, w)| (l, a, i, w)));
        }
        let weights_total: u64 = weights.iter().map(|c| c.0).sum();
        for k in 1..=depth {
            let end = plan.block_end[k];
            let mut need = if end > 0 { ceil_log(end + 1) } else { 1 };
            if k < depth && ops.iter().any(|(l, _)| *l == k + 1) {
                let len = 1u64 << op_log[k + 1];
                need = need.max(ceil_log(align_up(end, len) + len));
            }
            plan.log_widths[k] = plan.log_widths[k].max(need);
        }
        // Input: the private region (lower half) holds the operands, the weights region
        // (the next quarter) the weights.
        let need_in = (op_log[1] + 1).max(ceil_log(weights_total.max(1)) + 2);
        plan.log_widths[0] = plan.log_widths[0].max(need_in);

        // Outputs, packed largest first at each layer's bottom.
        let mut order: Vec<usize> = (0..ops.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(logs(&ops[i].1).0));
        let mut next = vec![0u64; depth + 1];
        let mut out_offset = vec![0u32; ops.len()];
        for &i in &order {
            let k = ops[i].0;
            out_offset[i] = next[k] as u32;
            next[k] += 1u64 << logs(&ops[i].1).0;
        }
        // Weights, largest alignment first (each offset then stays aligned).
        weights.sort_by_key(|c| std::cmp::Reverse(c.1));
        let mut placed = vec![[0u32; 2]; ops.len()];
        let mut at = 0u64;
        for &(len, align, i, which) in &weights {
            at = align_up(at, align);
            placed[i][usize::from(which)] = at as u32;
            at += len;
        }
        plan.weights_used = at;

        // Operands: a random aligned spot in the private region or above the previous
        // layer's blocks.
        for (i, (k, mut op)) in ops.into_iter().enumerate() {
            let log = logs(&op).1;
            let len = 1u64 << log;
            let (lo, hi) = if k == 1 {
                (0, 1u64 << (plan.log_widths[0] - 1))
            } else {
                (
                    align_up(plan.block_end[k - 1], len),
                    1u64 << plan.log_widths[k - 1],
                )
            };
            let slots = (hi - lo) / len; // at least 1 by the widths above
            let offset = (lo + rng.below(slots) * len) as u32;
            match &mut op {
                StructuredOp::Conv2d(c) => {
                    c.input.offset = offset;
                    c.slabs = placed[i][0];
                    c.bias = c.bias.map(|_| placed[i][1]);
                }
                StructuredOp::MatMul(m) => {
                    m.input.offset = offset;
                    m.weight.offset = placed[i][0];
                    m.bias = m.bias.map(|_| placed[i][1]);
                }
            }
            if k >= 2 {
                plan.mark_padding(k - 1, op.operand());
            }
            plan.blocks[k].push(Block {
                out_offset: out_offset[i],
                op,
            });
        }
        plan
    }

    /// Marks the padding slots of `t` in layer `k` (gates leave them zero, so a padded
    /// operand reads zeros as it would in a region).
    fn mark_padding(&mut self, k: usize, t: &TensorRef) {
        let width = 1usize << self.log_widths[k];
        let mask = &mut self.padding[k];
        if mask.is_empty() {
            *mask = vec![false; width];
        }
        let [pc, ph, pw] = t.padded().unwrap_or([1, 1, 1]);
        for c in 0..pc {
            for y in 0..ph {
                for x in 0..pw {
                    let logical = c < t.dims[0] && y < t.dims[1] && x < t.dims[2];
                    let slot = t.offset as usize + (x + pw * (y + ph * c)) as usize;
                    if !logical && let Some(m) = mask.get_mut(slot) {
                        *m = true;
                    }
                }
            }
        }
    }

    /// Whether gates of layer `k` must leave `slot` unwritten.
    pub fn is_padding(&self, k: usize, slot: u32) -> bool {
        self.padding[k].get(slot as usize).copied().unwrap_or(false)
    }
}
