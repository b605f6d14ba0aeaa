//! From a program to a layered circuit: liveness, absorption of constraint-only values,
//! ASAP layers, constraint terms folded into per-layer accumulators, relays, a compact
//! power-of-two slot layout, gate emission and dedup.
//!
//! Per-node facts live in parallel vectors indexed by node id, so index loops are the
//! clear way to walk them here.
#![allow(clippy::needless_range_loop)]

use super::expr::{add_mod, is_zero, mul_mod};
use super::{Label, Node, Program};
use crate::structured::{Block, Conv2dOp, MatMulOp, StructuredOp, TensorRef, WeightRef};
use crate::{
    AddGate, Circuit, Coeff, ConstGate, ConstSource, InputLayout, Layer, MAX_LOG_WIDTH, MulGate,
    Region, RegionKind,
};
use thiserror::Error;

/// Why a program does not compile.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CompileError {
    /// A range check is wider than the field allows.
    #[error("{label}: range check of {bits} bits exceeds the maximum of {max}")]
    RangeTooWide {
        /// The check's label.
        label: Label,
        /// Requested width.
        bits: u32,
        /// Maximum.
        max: u32,
    },
    /// A hint no constraint or output depends on: the prover could put anything there.
    #[error("private hint {index} is not constrained by anything")]
    UnconstrainedHint {
        /// Hint index in declaration order.
        index: u32,
    },
    /// The program has no constraints and no outputs.
    #[error("the program has no constraints and no outputs: nothing to prove")]
    NothingToProve,
    /// A value is listed twice as an output.
    #[error("output {index} repeats an earlier output")]
    DuplicateOutput {
        /// Position in the outputs.
        index: usize,
    },
    /// A public output depends on a challenge (outputs are bound before challenges).
    #[error("output {index} depends on a challenge")]
    OutputDependsOnChallenge {
        /// Position in the outputs.
        index: usize,
    },
    /// A range-checked value depends on a challenge.
    #[error("{label}: range-checked value depends on a challenge")]
    RangeCheckOnChallenge {
        /// The check's label.
        label: Label,
    },
    /// A tensor's element count does not match its shape, or the shape is empty or
    /// too large.
    #[error("tensor of {stack} × {dims:?} needs that many elements, got {got}")]
    TensorShape {
        /// Requested dims of one subcube.
        dims: [u32; 3],
        /// Requested stack.
        stack: u32,
        /// Elements given.
        got: usize,
    },
    /// A weight is grouped into a second tensor, or with values of another region:
    /// weights stay in the weights region and are never copied.
    #[error(
        "weight {weight} cannot be grouped into this tensor (already grouped, or mixed with other values)"
    )]
    WeightsRegrouped {
        /// Weight index in declaration order.
        weight: u32,
    },
    /// A tensor element copied into the private region depends on a challenge.
    #[error("tensor element copy {hint} depends on a challenge")]
    CopyOfChallenge {
        /// Private index of the copy.
        hint: u32,
    },
    /// A structured operation's tensors do not fit it.
    #[error("{what}: {reason}")]
    Operation {
        /// The operation.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A layer would exceed the maximum width.
    #[error("layer {layer} needs {slots} slots, more than 2^{max}")]
    TooWide {
        /// Layer index.
        layer: usize,
        /// Slots needed.
        slots: usize,
        /// Limit (log2).
        max: u8,
    },
}

/// Figures of a compiled circuit, for reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Layers above the input.
    pub layers: usize,
    /// Mul gates.
    pub mul_gates: usize,
    /// Add gates (relays included).
    pub add_gates: usize,
    /// Constant gates.
    pub const_gates: usize,
    /// Relay gates (add gates that only carry a value one layer up).
    pub relay_gates: usize,
    /// Width of the widest layer (input included), in slots.
    pub widest_layer: usize,
    /// Slots holding values, over all layers (input included).
    pub used_slots: usize,
    /// Slots allocated (powers of two), over all layers.
    pub allocated_slots: usize,
    /// Constraints (labelled), range-check recompositions and the LogUp root included.
    pub constraints: usize,
    /// Range checks.
    pub range_checks: usize,
    /// LogUp queries.
    pub lookup_queries: usize,
    /// LogUp chunk bits (0 without range checks).
    pub chunk_bits: u32,
    /// Input values: public, weights, private (given and derived hints).
    pub inputs: [usize; 3],
    /// Used slots per layer, input first.
    pub layer_slots: Vec<usize>,
    /// Structured blocks (convolutions and matrix products proven by their own sumchecks).
    pub blocks: usize,
    /// Multiply-accumulates inside blocks (not gates).
    pub structured_macs: u64,
}

impl Stats {
    /// All gates.
    pub fn gates(&self) -> usize {
        self.mul_gates + self.add_gates + self.const_gates
    }
    /// Relay gates over all gates.
    pub fn relay_share(&self) -> f64 {
        self.relay_gates as f64 / self.gates().max(1) as f64
    }
    /// Used over allocated slots.
    pub fn utilization(&self) -> f64 {
        self.used_slots as f64 / self.allocated_slots.max(1) as f64
    }
}

/// A compiled program: the circuit and its figures.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The layered circuit.
    pub circuit: Circuit,
    /// Its figures.
    pub stats: Stats,
}

/// A term of a constraint, folded into an accumulator.
#[derive(Clone, Copy)]
enum Term {
    Mul(Coeff, u32, u32),
    Add(Coeff, u32),
    Const(Coeff),
}

const NONE: u32 = u32::MAX;

fn log2_ceil(n: usize) -> u8 {
    (n.max(2).next_power_of_two().trailing_zeros()) as u8
}

/// The atoms node `v` reads (none for inputs and structured outputs).
fn atoms(b: &super::Builder, v: usize) -> impl Iterator<Item = u32> + '_ {
    b.expr_at(v).into_iter().flat_map(|e| e.atoms())
}

impl Program {
    /// Lays the program out as a layered circuit.
    pub fn compile(&self) -> Result<Compiled, CompileError> {
        let b = &self.b;
        let nodes = &b.nodes;
        let n = nodes.len();
        if b.constraints.is_empty() && b.outputs.is_empty() {
            return Err(CompileError::NothingToProve);
        }

        // Liveness from constraints and outputs; every private input must be reached.
        let mut live = vec![false; n];
        let mut stack: Vec<u32> = b
            .constraints
            .iter()
            .map(|c| c.0)
            .chain(b.outputs.iter().copied())
            .collect();
        let mut op_live = vec![false; b.ops.len()];
        while let Some(v) = stack.pop() {
            if !std::mem::replace(&mut live[v as usize], true) {
                stack.extend(atoms(b, v as usize));
                if let Node::Structured { op, .. } = nodes[v as usize]
                    && !std::mem::replace(&mut op_live[op as usize], true)
                {
                    let o = &b.ops[op as usize];
                    for t in [Some(o.input), Some(o.weights), o.bias]
                        .into_iter()
                        .flatten()
                    {
                        stack.extend(b.tensors[t as usize].vars.iter().map(|v| v.0));
                    }
                }
            }
        }
        for (v, node) in nodes.iter().enumerate() {
            if let Node::Input {
                region: RegionKind::Private,
                index,
            } = node
                && !live[v]
            {
                return Err(CompileError::UnconstrainedHint { index: *index });
            }
        }

        // A public operand's padding must read the statement's zero padding: refuse one
        // whose padding holds a public input declared after its elements (a private
        // operand's padding is constrained to zero when the op is recorded).
        for (o, decl) in b.ops.iter().enumerate() {
            let x = &b.tensors[decl.input as usize];
            if !op_live[o] || x.region != RegionKind::Public {
                continue;
            }
            let end = u64::from(self.placement.offsets[x.id as usize]) + x.vars.len() as u64;
            let pad_end = u64::from(self.placement.offsets[x.id as usize]) + u64::from(x.unit());
            if u64::from(b.counts[0]) > end && end < pad_end {
                return Err(CompileError::Operation {
                    what: match decl.op {
                        StructuredOp::Conv2d(_) => "conv2d",
                        StructuredOp::MatMul(_) => "matmul",
                    },
                    reason: format!(
                        "public operand's padding (public slots {end}..{pad_end}) holds \
                         public inputs declared after it; it must read zeros"
                    ),
                });
            }
        }

        // Absorption, consumers first: a live value used only linearly (integer
        // coefficients) by absorbed values or constraints needs no slot.
        let mut blocked = vec![false; n];
        for (i, &o) in b.outputs.iter().enumerate() {
            if std::mem::replace(&mut blocked[o as usize], true) && b.outputs[..i].contains(&o) {
                return Err(CompileError::DuplicateOutput { index: i });
            }
        }
        let mut absorbed = vec![false; n];
        for v in (0..n).rev() {
            let Some(e) = b.expr_at(v) else { continue };
            if !live[v] {
                continue;
            }
            absorbed[v] = !blocked[v] && !e.has_challenge();
            for &(_, a, c) in e.quad {
                blocked[a as usize] = true;
                blocked[c as usize] = true;
            }
            for &(c, a) in e.lin {
                if !absorbed[v] || c.challenge().is_some() {
                    blocked[a as usize] = true;
                }
            }
        }

        // ASAP layers of atoms, and which values depend on challenges.
        let materialized = |v: usize| live[v] && !absorbed[v];
        let mut layer = vec![0u32; n];
        let mut ext = vec![false; n];
        for v in 0..n {
            if matches!(nodes[v], Node::Structured { .. }) && live[v] {
                layer[v] = 1;
            }
            if let Some(e) = b.expr_at(v)
                && live[v]
            {
                ext[v] = e.has_challenge() || e.atoms().any(|a| ext[a as usize]);
                if !absorbed[v] {
                    layer[v] = e.atoms().map(|a| layer[a as usize] + 1).max().unwrap_or(1);
                }
            }
        }
        for (index, &o) in b.outputs.iter().enumerate() {
            if ext[o as usize] {
                return Err(CompileError::OutputDependsOnChallenge { index });
            }
        }
        for rc in &self.checks {
            if ext[rc.var as usize] {
                return Err(CompileError::RangeCheckOnChallenge { label: rc.label });
            }
        }

        // Constraint terms, expanded through absorbed values, each times its own ρ_j.
        let mut need = vec![0u32; n];
        let mut buckets: Vec<Vec<Term>> = Vec::new();
        let mut acc_lo = u32::MAX;
        let put = |buckets: &mut Vec<Vec<Term>>, k: u32, t: Term| {
            if buckets.len() <= k as usize {
                buckets.resize_with(k as usize + 1, Vec::new);
            }
            buckets[k as usize].push(t);
        };
        let mut work: Vec<(u32, i64)> = Vec::new();
        for (j, &(v, _)) in b.constraints.iter().enumerate() {
            let rho = b.user_challenges + j as u32;
            let scaled = |k: i64| Coeff::ChallengeTimes(rho, k);
            work.clear();
            if absorbed[v as usize] {
                work.push((v, 1));
            } else {
                let k = layer[v as usize] + 1;
                need[v as usize] = need[v as usize].max(k - 1);
                put(&mut buckets, k, Term::Add(scaled(1), v));
                acc_lo = acc_lo.min(k);
            }
            while let Some((u, m)) = work.pop() {
                let Some(e) = b.expr_at(u as usize) else {
                    continue;
                };
                for &(c, a, d) in e.quad {
                    let Coeff::Int(c) = c else { continue };
                    let k = layer[a as usize].max(layer[d as usize]) + 1;
                    need[a as usize] = need[a as usize].max(k - 1);
                    need[d as usize] = need[d as usize].max(k - 1);
                    put(&mut buckets, k, Term::Mul(scaled(mul_mod(m, c)), a, d));
                    acc_lo = acc_lo.min(k);
                }
                for &(c, a) in e.lin {
                    let Coeff::Int(c) = c else { continue };
                    if absorbed[a as usize] {
                        work.push((a, mul_mod(m, c)));
                    } else {
                        let k = layer[a as usize] + 1;
                        need[a as usize] = need[a as usize].max(k - 1);
                        put(&mut buckets, k, Term::Add(scaled(mul_mod(m, c)), a));
                        acc_lo = acc_lo.min(k);
                    }
                }
                for &c in e.cst {
                    if let Coeff::Int(c) = c {
                        put(&mut buckets, 1, Term::Const(scaled(mul_mod(m, c))));
                        acc_lo = acc_lo.min(1);
                    }
                }
            }
        }

        // Operand needs of materialised values; the output layer.
        for v in 0..n {
            if materialized(v) && matches!(nodes[v], Node::Expr(_)) {
                for a in atoms(b, v) {
                    need[a as usize] = need[a as usize].max(layer[v] - 1);
                }
            }
        }
        let depth = b
            .outputs
            .iter()
            .map(|&o| layer[o as usize])
            .chain(std::iter::once(buckets.len().saturating_sub(1) as u32))
            .max()
            .unwrap_or(1)
            .max(if op_live.contains(&true) { 2 } else { 1 });
        for &o in &b.outputs {
            need[o as usize] = depth;
        }
        let has_acc = acc_lo != u32::MAX;

        // Slots: accumulator first, then (on the output layer) outputs in order, then
        // values at their layer, then relays.
        let d = depth as usize;
        let mut next = vec![0u32; d + 1];
        let mut own = vec![NONE; n];
        // Blocks at layer 1 from slot 0, by decreasing span (each lands aligned); every
        // output node sits at its padded position in its block.
        let mut block_at: Vec<(usize, u32)> = Vec::new();
        {
            let mut order: Vec<usize> = (0..b.ops.len()).filter(|&o| op_live[o]).collect();
            let span = |o: usize| b.ops[o].op.out_log_len().map_or(0, |l| 1u64 << l);
            order.sort_by_key(|&o| std::cmp::Reverse(span(o)));
            let mut at = 0u64;
            for o in order {
                at = at.next_multiple_of(span(o).max(1));
                if at + span(o) > 1u64 << MAX_LOG_WIDTH {
                    return Err(CompileError::TooWide {
                        layer: 1,
                        slots: (at + span(o)) as usize,
                        max: MAX_LOG_WIDTH,
                    });
                }
                block_at.push((o, at as u32));
                at += span(o);
            }
            next[1] = at as u32;
            for v in 0..n {
                if let Node::Structured { op, index } = nodes[v]
                    && let Some(&(_, base)) = block_at.iter().find(|x| x.0 == op as usize)
                {
                    let dims = b.ops[op as usize].op.out_dims().unwrap_or([0; 3]);
                    let (hw, w) = (dims[1] * dims[2], dims[2]);
                    let out = crate::structured::TensorRef { offset: 0, dims };
                    let slot = out
                        .index(
                            index / hw.max(1),
                            (index % hw.max(1)) / w.max(1),
                            index % w.max(1),
                        )
                        .unwrap_or(0);
                    own[v] = base + slot as u32;
                }
            }
        }
        // The accumulator: the first slot after the blocks.
        let acc_slot: Vec<u32> = next.clone();
        if has_acc {
            for k in acc_lo as usize..=d {
                next[k] += 1;
            }
        }
        let mut relay_base = vec![NONE; n];
        let mut relay_slots: Vec<u32> = Vec::new();
        let relay_range = |a: usize| (layer[a] + 1)..=need[a];
        let alloc_relays = |a: usize, relay_base: &mut Vec<u32>, relay_slots: &mut Vec<u32>| {
            if relay_base[a] == NONE && need[a] > layer[a] {
                relay_base[a] = relay_slots.len() as u32;
                relay_slots.extend(relay_range(a).map(|_| NONE));
            }
        };
        for &o in &b.outputs {
            let o = o as usize;
            if layer[o] == depth {
                own[o] = next[d];
            } else {
                alloc_relays(o, &mut relay_base, &mut relay_slots);
                let idx = relay_base[o] as usize + (depth - layer[o] - 1) as usize;
                relay_slots[idx] = next[d];
            }
            next[d] += 1;
        }
        for v in 0..n {
            if materialized(v) && matches!(nodes[v], Node::Expr(_)) && own[v] == NONE {
                own[v] = next[layer[v] as usize];
                next[layer[v] as usize] += 1;
            }
        }
        let mut relay_gates = 0usize;
        for a in 0..n {
            if !live[a] || absorbed[a] || need[a] <= layer[a] {
                continue;
            }
            alloc_relays(a, &mut relay_base, &mut relay_slots);
            for (i, k) in relay_range(a).enumerate() {
                let s = &mut relay_slots[relay_base[a] as usize + i];
                if *s == NONE {
                    *s = next[k as usize];
                    next[k as usize] += 1;
                }
                relay_gates += 1;
            }
        }

        // Copies into tensors must be integers (the solver computes them).
        for (i, &d) in b.private_derived.iter().enumerate() {
            if let Some(&super::Derived::Copy { of }) = b.derived.get(d as usize)
                && ext[of as usize]
            {
                return Err(CompileError::CopyOfChallenge { hint: i as u32 });
            }
        }

        // Input layer: the public and private regions by decreasing span, each aligned to
        // its span, then the weights region last, at the first multiple of its span past
        // them (design §5.3 step 2: below it, layer 1's gates may run over a gate span
        // that leaves the weights out). Inside a region, inputs sit where the placement
        // puts them (declaration order without tensors). The input layer is as wide as
        // with every region by decreasing span: with `S` the others' total and `W` the
        // weights' span, `roundup(S, W) + W` never passes the power of two above `S + W`.
        let placement = &self.placement;
        let lens = [
            b.counts[0] as usize,
            b.counts[1] as usize,
            b.counts[2] as usize,
        ];
        let spans = placement.spans.map(|s| s as usize);
        let kinds = [RegionKind::Public, RegionKind::Weights, RegionKind::Private];
        const WEIGHTS: usize = 1;
        let mut order: Vec<usize> = (0..3).filter(|&r| lens[r] > 0 && r != WEIGHTS).collect();
        order.sort_by_key(|&r| std::cmp::Reverse(spans[r].next_power_of_two()));
        if lens[WEIGHTS] > 0 {
            order.push(WEIGHTS);
        }
        let mut regions = Vec::new();
        let mut offsets = [0u32; 3];
        let mut at = 0usize;
        for &r in &order {
            let log_len = if spans[r] <= 1 {
                0
            } else {
                log2_ceil(spans[r])
            };
            // Aligned: the others come by decreasing span, the weights round up.
            at = at.next_multiple_of(1usize << log_len);
            offsets[r] = at as u32;
            regions.push(Region {
                kind: kinds[r],
                offset: at as u32,
                log_len,
                len: placement.lens[r],
            });
            at += 1usize << log_len;
        }
        let input_log = log2_ceil(at);
        if input_log > MAX_LOG_WIDTH {
            return Err(CompileError::TooWide {
                layer: 0,
                slots: at,
                max: MAX_LOG_WIDTH,
            });
        }
        let input_slot = |v: usize| match nodes[v] {
            Node::Input { region, index } => {
                let r = super::region_slot(region);
                offsets[r] + placement.slots[r][index as usize]
            }
            Node::Expr(_) | Node::Structured { .. } => NONE,
        };
        let slot_at = |a: u32, k: u32| -> u32 {
            let a = a as usize;
            if k == layer[a] {
                if layer[a] == 0 { input_slot(a) } else { own[a] }
            } else {
                relay_slots[relay_base[a] as usize + (k - layer[a] - 1) as usize]
            }
        };

        // Gates.
        let mut layers: Vec<Layer> = Vec::with_capacity(d);
        for k in 1..=d {
            if next[k] as usize > 1usize << MAX_LOG_WIDTH {
                return Err(CompileError::TooWide {
                    layer: k,
                    slots: next[k] as usize,
                    max: MAX_LOG_WIDTH,
                });
            }
            layers.push(Layer::new(log2_ceil(next[k] as usize)));
        }
        // Blocks, with their tensors' placed offsets: the operand's slot in V_0, the
        // weights' and bias' offsets inside the weights region.
        for &(o, out_offset) in &block_at {
            let decl = &b.ops[o];
            let tensor_at = |t: u32| placement.offsets[t as usize];
            let x = &b.tensors[decl.input as usize];
            let operand = offsets[super::region_slot(x.region)] + tensor_at(decl.input);
            let op = match decl.op {
                StructuredOp::Conv2d(c) => StructuredOp::Conv2d(Conv2dOp {
                    input: TensorRef {
                        offset: operand,
                        ..c.input
                    },
                    slabs: tensor_at(decl.weights),
                    bias: decl.bias.map(tensor_at),
                    ..c
                }),
                StructuredOp::MatMul(m) => StructuredOp::MatMul(MatMulOp {
                    input: TensorRef {
                        offset: operand,
                        ..m.input
                    },
                    weight: WeightRef {
                        offset: tensor_at(decl.weights),
                        ..m.weight
                    },
                    bias: decl.bias.map(tensor_at),
                }),
            };
            layers[0].blocks.push(Block { out_offset, op });
        }
        for v in 0..n {
            let Some(e) = b.expr_at(v) else { continue };
            if !materialized(v) {
                continue;
            }
            let k = layer[v];
            let l = &mut layers[k as usize - 1];
            let out = own[v];
            for &(c, a, bb) in e.quad {
                let (x, y) = (slot_at(a, k - 1), slot_at(bb, k - 1));
                l.mul.push(MulGate {
                    out,
                    in0: x.min(y),
                    in1: x.max(y),
                    coeff: c,
                });
            }
            for &(c, a) in e.lin {
                l.add.push(AddGate {
                    out,
                    input: slot_at(a, k - 1),
                    coeff: c,
                });
            }
            for &c in e.cst {
                l.constant.push(ConstGate {
                    out,
                    coeff: c,
                    source: ConstSource::One,
                });
            }
        }
        for a in 0..n {
            if relay_base[a] == NONE {
                continue;
            }
            for k in relay_range(a) {
                let (out, input) = (slot_at(a as u32, k), slot_at(a as u32, k - 1));
                layers[k as usize - 1].add.push(AddGate {
                    out,
                    input,
                    coeff: Coeff::ONE,
                });
            }
        }
        if has_acc {
            for k in acc_lo as usize..=d {
                let l = &mut layers[k - 1];
                let acc = acc_slot[k];
                if k > acc_lo as usize {
                    l.add.push(AddGate {
                        out: acc,
                        input: acc_slot[k - 1],
                        coeff: Coeff::ONE,
                    });
                    relay_gates += 1;
                }
                for t in buckets.get(k).into_iter().flatten() {
                    match *t {
                        Term::Mul(c, a, bb) => {
                            let (x, y) = (slot_at(a, k as u32 - 1), slot_at(bb, k as u32 - 1));
                            l.mul.push(MulGate {
                                out: acc,
                                in0: x.min(y),
                                in1: x.max(y),
                                coeff: c,
                            });
                        }
                        Term::Add(c, a) => l.add.push(AddGate {
                            out: acc,
                            input: slot_at(a, k as u32 - 1),
                            coeff: c,
                        }),
                        Term::Const(c) => l.constant.push(ConstGate {
                            out: acc,
                            coeff: c,
                            source: ConstSource::One,
                        }),
                    }
                }
            }
        }
        drop(buckets);
        for l in &mut layers {
            dedup(l);
        }

        let public_outputs = b.outputs.iter().map(|&o| slot_at(o, depth)).collect();
        let mut circuit = Circuit {
            input: InputLayout {
                log_width: input_log,
                regions,
                gate_log_width: None,
            },
            layers,
            num_public: b.counts[0],
            num_challenges: self.num_challenges(),
            public_outputs,
        };
        // Dedup can cancel the last use of a slot or a challenge; validation refuses
        // widths and challenge counts the gates do not back.
        circuit.fit_to_backing();
        circuit.input.gate_log_width = gate_span(&circuit);
        let mut stats = Stats {
            layers: d,
            relay_gates,
            constraints: b.constraints.len(),
            range_checks: self.checks.len(),
            lookup_queries: self.queries,
            chunk_bits: self.chunk_bits,
            inputs: lens,
            widest_layer: 1usize << input_log,
            used_slots: lens.iter().sum(),
            allocated_slots: 1usize << input_log,
            ..Stats::default()
        };
        stats.layer_slots = std::iter::once(lens.iter().sum())
            .chain(next[1..].iter().map(|&x| x as usize))
            .collect();
        for (k, l) in circuit.layers.iter().enumerate() {
            stats.blocks += l.blocks.len();
            stats.structured_macs += l.blocks.iter().filter_map(|b| b.op.macs()).sum::<u64>();
            stats.mul_gates += l.mul.len();
            stats.add_gates += l.add.len();
            stats.const_gates += l.constant.len();
            stats.widest_layer = stats.widest_layer.max(l.width());
            stats.used_slots += next[k + 1] as usize;
            stats.allocated_slots += l.width();
        }
        Ok(Compiled { circuit, stats })
    }
}

/// The gate span of a compiled circuit (design §5.3 step 2): `None` when it has no
/// weights region or some layer-1 gate reads a weights slot; otherwise the smallest
/// `g ≥ 1` with every layer-1 gate read and every other region below `2^g`, if the
/// weights region starts at or above `2^g` (the rules of `validate_gate_span`). When it
/// starts below, the weights end at or below `2^g` too (both are aligned, the weights
/// placed last), so the input layer is `2^g` wide and a span would save nothing.
fn gate_span(circuit: &Circuit) -> Option<u8> {
    let regions = &circuit.input.regions;
    let weights = circuit.input.region(RegionKind::Weights)?;
    let w_start = u64::from(weights.offset);
    let w_end = w_start + (1u64 << weights.log_len);
    let first = circuit.layers.first()?;
    let reads = first
        .mul
        .iter()
        .flat_map(|m| [m.in0, m.in1])
        .chain(first.add.iter().map(|a| a.input))
        .map(u64::from);
    let mut end = 0u64; // one past the highest slot the span must cover
    for slot in reads {
        if (w_start..w_end).contains(&slot) {
            return None;
        }
        end = end.max(slot + 1);
    }
    for r in regions.iter().filter(|r| r.kind != RegionKind::Weights) {
        end = end.max(u64::from(r.offset) + (1u64 << r.log_len));
    }
    let g = (u64::BITS - end.saturating_sub(1).leading_zeros()).max(1);
    (g < u32::from(circuit.input.log_width) && w_start >= 1u64 << g).then_some(g as u8)
}

/// Gate dedup: gates with equal wiring and coefficient kind merge by adding coefficients
/// (modulo p); zero coefficients are dropped.
fn dedup(l: &mut Layer) {
    fn class(c: Coeff) -> (u32, i64) {
        match c {
            Coeff::Int(v) => (u32::MAX, v),
            Coeff::Challenge(i) => (i, 1),
            Coeff::ChallengeTimes(i, f) => (i, f),
        }
    }
    fn join(class_id: u32, v: i64) -> Coeff {
        if class_id == u32::MAX {
            Coeff::Int(v)
        } else {
            Coeff::ChallengeTimes(class_id, v)
        }
    }
    fn merge<G: Copy, K: Ord + Copy>(
        gates: &mut Vec<G>,
        key: impl Fn(&G) -> K,
        coeff: impl Fn(&G) -> Coeff,
        set: impl Fn(&mut G, Coeff),
    ) {
        if gates.len() < 2 {
            gates.retain(|g| !is_zero(coeff(g)));
            return;
        }
        gates.sort_unstable_by_key(|g| (key(g), class(coeff(g)).0));
        // Merge runs in place (no second vector: a layer's gates are hundreds of MB on
        // VGG-16); `kept` gates are final, `gates[kept - 1]` collects its run.
        let mut kept = 0usize;
        for i in 0..gates.len() {
            let g = gates[i];
            if let Some(last) = kept.checked_sub(1).map(|k| &mut gates[k])
                && key(last) == key(&g)
                && class(coeff(last)).0 == class(coeff(&g)).0
            {
                let (id, a) = class(coeff(last));
                let sum = add_mod(a, class(coeff(&g)).1);
                set(last, join(id, sum));
                continue;
            }
            gates[kept] = g;
            kept += 1;
        }
        gates.truncate(kept);
        gates.retain(|g| !is_zero(coeff(g)));
        // The growth slack too: every layer's gates stay alive until the circuit is done.
        gates.shrink_to_fit();
    }
    merge(
        &mut l.mul,
        |g| (g.out, g.in0, g.in1),
        |g| g.coeff,
        |g, c| g.coeff = c,
    );
    merge(
        &mut l.add,
        |g| (g.out, g.input),
        |g| g.coeff,
        |g, c| g.coeff = c,
    );
    let source = |s: ConstSource| match s {
        ConstSource::One => u32::MAX,
        ConstSource::Public(i) => i,
    };
    merge(
        &mut l.constant,
        |g| (g.out, source(g.source)),
        |g| g.coeff,
        |g, c| g.coeff = c,
    );
}
