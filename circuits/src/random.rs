//! Seeded random circuits and values, for tests and benchmarks across the workspace.
//!
//! Deterministic (SplitMix64), so a failing case is reproducible from its seed.

mod blocks;

use crate::{
    AddGate, Circuit, Coeff, ConstGate, ConstSource, InputLayout, Layer, MulGate, Region,
    RegionKind,
};

/// SplitMix64: tiny, seedable, good enough for test data.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }
    /// True with probability `percent / 100`.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The shape of a random circuit.
#[derive(Clone, Debug)]
pub struct Spec {
    /// `log_width` of every layer, input first (at least two entries).
    pub log_widths: Vec<u8>,
    /// Average gates per output slot (fan-in); at least 1.
    pub fan_in: u32,
    /// Percentage of mul gates among mul and add gates; 0 gives add-only layers.
    pub mul_percent: u64,
    /// Percentage of output slots that also get a constant gate.
    pub const_percent: u64,
    /// Public inputs (a public region and `ConstSource::Public` gates); 0 for none.
    pub num_public: u32,
    /// Give every other layer no mul gates.
    pub alternate_add_only: bool,
    /// Challenges referenced by coefficients. With challenges, the last layer is made of
    /// zero (constraint) slots only, each `v − v` (and `ρ_j·v − ρ_j·v` for every challenge
    /// `j`, so each is referenced), since public outputs must not depend on challenges.
    /// With blocks, gates use challenges only from the layer of the last block on (block
    /// operands are base-field values).
    pub num_challenges: u32,
    /// Output slots kept out of the public outputs; they receive no gates (so are zero).
    pub zero_outputs: u32,
    /// Structured blocks, each of a random shape (empty: a gate-only circuit, drawn
    /// exactly as before blocks existed). Widths grow as the blocks need.
    pub blocks: Vec<BlockSpec>,
    /// Declare a gate span: layer 1's gates read only the lower half of the input layer
    /// (the private region), below the weights region.
    pub gate_span: bool,
}

/// Which structured operation a [`BlockSpec`] asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// A convolution: random channels, size, kernel, stride, pads, dilation, depthwise
    /// and bias.
    Conv2d,
    /// A matrix product: random `I, K, J` and bias.
    MatMul,
}

/// One block of a random circuit. Its operand is placed in the private region at layer
/// 1, or above the blocks of layer `layer − 1` (whose gates leave the operand's padding
/// zero); its weights in the weights region; its output at the bottom of its layer, and
/// the next layer gets an add gate reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockSpec {
    /// The operation.
    pub kind: BlockKind,
    /// The layer (1-based) it writes, clamped to the circuit's depth. With challenges
    /// the last layer holds only constraint slots, so blocks go at most one below it.
    pub layer: usize,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            log_widths: vec![4, 4, 3],
            fan_in: 2,
            mul_percent: 50,
            const_percent: 10,
            num_public: 0,
            alternate_add_only: false,
            num_challenges: 0,
            zero_outputs: 0,
            blocks: Vec::new(),
            gate_span: false,
        }
    }
}

fn coeff(rng: &mut Rng, challenges: u32) -> Coeff {
    if challenges > 0 && rng.chance(20) {
        let i = rng.below(u64::from(challenges)) as u32;
        return if rng.chance(50) {
            Coeff::Challenge(i)
        } else {
            Coeff::ChallengeTimes(i, rng.next_u64() as i64)
        };
    }
    match rng.below(4) {
        0 => Coeff::ONE,
        1 => Coeff::Int(-1),
        2 => Coeff::Int(rng.below(1 << 20) as i64 - (1 << 19)),
        _ => Coeff::Int(rng.next_u64() as i64),
    }
}

/// `c` without its weights region: layer-1 reads of the weights move into the private
/// region (slot modulo its length), as for circuits whose secrets are all private inputs.
/// With `fill_private`, the private region's length becomes its whole span (no padding,
/// which a scheme that does not prove padding zero refuses to see read).
///
/// # Panics
/// If `c` has no weights or no private region, or the result does not validate (both
/// impossible for [`circuit`]'s output).
#[allow(clippy::expect_used)]
pub fn without_weights(mut c: Circuit, fill_private: bool) -> Circuit {
    let w = *c
        .input
        .region(RegionKind::Weights)
        .expect("a weights region");
    let p = c
        .input
        .region(RegionKind::Private)
        .expect("a private region");
    let (offset, log_len) = (p.offset, p.log_len);
    let len = if fill_private { 1u32 << log_len } else { p.len };
    for r in &mut c.input.regions {
        if r.kind == RegionKind::Private {
            r.len = len;
        }
    }
    let span = w.offset..w.offset + (1u32 << w.log_len);
    let remap = |s: &mut u32| {
        if span.contains(s) {
            *s = offset + (*s - w.offset) % len;
        }
    };
    for g in &mut c.layers[0].mul {
        remap(&mut g.in0);
        remap(&mut g.in1);
    }
    for g in &mut c.layers[0].add {
        remap(&mut g.input);
    }
    c.input.regions.retain(|r| r.kind != RegionKind::Weights);
    c.validate().expect("a valid circuit without weights");
    c
}

/// A random valid circuit of the given shape. The input layer holds a private region
/// (the lower half), a weights region (a quarter) and, with public inputs, a public region.
pub fn circuit(spec: &Spec, seed: u64) -> Circuit {
    let mut rng = Rng::new(seed);
    let plan = blocks::Plan::new(spec, seed);
    let log_widths = &plan.log_widths;
    let in_log = log_widths[0];
    let half = in_log - 1;
    let quarter = in_log - 2;
    let mut regions = vec![
        Region {
            kind: RegionKind::Private,
            offset: 0,
            log_len: half,
            len: (1u32 << half) - rng.below(2) as u32,
        },
        Region {
            kind: RegionKind::Weights,
            offset: 1 << half,
            log_len: quarter,
            len: 1 + rng.below((1 << quarter) - 1) as u32,
        },
    ];
    // The blocks' weights are values, not padding (the plan made the region hold them).
    regions[1].len = regions[1].len.max(plan.weights_used as u32);
    if spec.num_public > 0 {
        let log_len = quarter.min(32 - spec.num_public.leading_zeros() as u8);
        let len = spec.num_public.min(1 << log_len);
        regions.push(Region {
            kind: RegionKind::Public,
            offset: (1 << half) + (1 << quarter),
            log_len,
            len,
        });
    }
    let depth = spec.log_widths.len() - 1;
    let last_block_layer = (plan.blocks.iter())
        .rposition(|b| !b.is_empty())
        .unwrap_or(0);
    let mut layers = Vec::with_capacity(depth);
    for k in 1..=depth {
        let prev = 1u64
            << if k == 1 {
                if spec.gate_span { half } else { in_log }
            } else {
                log_widths[k - 1]
            };
        let mut layer = Layer::new(log_widths[k]);
        layer.blocks = plan.blocks[k].clone();
        let width = layer.width() as u32;
        // Gates write above the blocks (the plan leaves at least one slot there).
        let bottom = plan.block_end[k] as u32;
        let last = k == depth;
        let zero_slots = if last {
            bottom + spec.zero_outputs.min(width - bottom - 1)
        } else {
            bottom
        };
        // Slots of the previous layer's blocks: the gates read some explicitly.
        let block_reads: Vec<(u32, u32)> = plan.blocks[k - 1]
            .iter()
            .filter_map(|b| b.out_span())
            .map(|(o, l)| (o, 1u32 << l))
            .collect();
        if last && spec.num_challenges > 0 {
            // Constraint slots `v − v`: zero whatever the values, extension or not.
            for o in bottom..width {
                let i = rng.below(prev) as u32;
                layer.add.push(AddGate {
                    out: o,
                    input: i,
                    coeff: Coeff::ONE,
                });
                layer.add.push(AddGate {
                    out: o,
                    input: i,
                    coeff: Coeff::Int(-1),
                });
            }
            // `ρ_j·v − ρ_j·v` for every challenge: each declared challenge is referenced
            // (validation requires it), and the slots stay zero.
            for j in 0..spec.num_challenges {
                let i = rng.below(prev) as u32;
                let out = bottom + j % (width - bottom);
                layer.add.push(AddGate {
                    out,
                    input: i,
                    coeff: Coeff::Challenge(j),
                });
                layer.add.push(AddGate {
                    out,
                    input: i,
                    coeff: Coeff::ChallengeTimes(j, -1),
                });
            }
            for &(start, len) in &block_reads {
                let out = bottom + rng.below(u64::from(width - bottom)) as u32;
                let input = start + rng.below(u64::from(len)) as u32;
                for coeff in [Coeff::ONE, Coeff::Int(-1)] {
                    layer.add.push(AddGate { out, input, coeff });
                }
            }
            layers.push(layer);
            continue;
        }
        let add_only = spec.alternate_add_only && k % 2 == 0;
        // Block operands must be base-field values: challenges enter only from the layer
        // of the last block on, so no operand depends on them.
        let challenges = if k >= last_block_layer {
            spec.num_challenges
        } else {
            0
        };
        let mut written = Vec::new();
        for o in zero_slots..width {
            if plan.is_padding(k, o) {
                continue;
            }
            if !block_reads.is_empty() {
                written.push(o);
            }
            let fan = 1 + rng.below(u64::from(2 * spec.fan_in.max(1) - 1)) as u32;
            for _ in 0..fan {
                if !add_only && rng.chance(spec.mul_percent) {
                    let (in0, in1) = (rng.below(prev) as u32, rng.below(prev) as u32);
                    layer.mul.push(MulGate {
                        out: o,
                        in0,
                        in1,
                        coeff: coeff(&mut rng, challenges),
                    });
                } else {
                    layer.add.push(AddGate {
                        out: o,
                        input: rng.below(prev) as u32,
                        coeff: coeff(&mut rng, challenges),
                    });
                }
            }
            if rng.chance(spec.const_percent) {
                let source = if spec.num_public > 0 && rng.chance(50) {
                    ConstSource::Public(rng.below(u64::from(spec.num_public)) as u32)
                } else {
                    ConstSource::One
                };
                layer.constant.push(ConstGate {
                    out: o,
                    coeff: coeff(&mut rng, 0),
                    source,
                });
            }
        }
        for &(start, len) in &block_reads {
            if written.is_empty() {
                break;
            }
            layer.add.push(AddGate {
                out: written[rng.below(written.len() as u64) as usize],
                input: start + rng.below(u64::from(len)) as u32,
                coeff: coeff(&mut rng, challenges),
            });
        }
        layers.push(layer);
    }
    let out_width = 1u32 << log_widths[depth];
    let bottom = plan.block_end[depth] as u32;
    let public_outputs = if spec.num_challenges > 0 {
        Vec::new()
    } else {
        // The blocks' outputs, then the gate slots above the zero ones.
        let zero = spec.zero_outputs.min(out_width - bottom - 1);
        (0..bottom).chain(bottom + zero..out_width).collect()
    };
    Circuit {
        input: InputLayout {
            log_width: in_log,
            regions,
            gate_log_width: spec.gate_span.then_some(half),
        },
        layers,
        num_public: spec.num_public,
        num_challenges: spec.num_challenges,
        public_outputs,
    }
}

/// `n` random canonical residues modulo the Goldilocks prime.
pub fn values(n: usize, seed: u64) -> Vec<u64> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| rng.below(crate::GOLDILOCKS_P)).collect()
}
