//! Tensors: groups of inputs placed as padded, aligned, channel-major subcubes of their
//! region, so a structured operation ([`crate::structured`]) can name its operand and its
//! weights by offset and shape.
//!
//! Grouping is a *placement* decision taken after the fact: hints and weights keep their
//! declaration order (what blueprints and the solver's callers supply), and
//! [`Placement`] maps each declaration index to its slot in the region. A program without
//! tensors is placed in declaration order, so its circuit is unchanged.
//!
//! Within a region, tensors come first, by decreasing alignment unit (a power of two, so
//! each lands aligned with no gap), then the ungrouped inputs in declaration order. The
//! public region is never reordered: the verifier evaluates it from the statement in
//! declaration order, so public inputs form a tensor only when that order already is the
//! padded layout; otherwise the tensor is a private copy, each element constrained equal
//! to its source.
//!
//! # Padding of an operand
//!
//! A structured operation reads its operand's *whole* padded subcube (the meaning of a
//! block, [`crate::structured`]), so the function a compiled circuit computes must not
//! depend on what the padding slots hold:
//!
//! * **Private operands** (hint tensors and copies): the prover chooses every private
//!   slot, so the first operation reading a private tensor gives each of its padding slots
//!   a hint placed there and constrained to zero ([`Builder::zero_padding`], label
//!   `tensor-padding`, layer = tensor id, element = slot relative to the tensor).
//! * **Public operands**: the public layout is the identity on the statement's values,
//!   and the public region holds zeros past its last input (the verifier evaluates it from
//!   the statement, zero-padded to its span). A public tensor's padding lies past its
//!   elements, so it reads those zeros, unless a public input declared later lands in it:
//!   compilation refuses that ([`CompileError::Operation`]).
//! * **Weights**: laid out zero-padded ([`Placement::lay_out`]) and committed as laid out;
//!   with the operand's padding zero, no valid output reads a weights padding slot
//!   whatever it holds (only padded output slots do, and no gate reads those).

use super::{Builder, CompileError, Derived, Label, Node, Var, region_slot};
use crate::RegionKind;
use crate::structured::padded;

/// A group of inputs of one region, `stack` consecutive padded subcubes of `dims`
/// (`stack = 1` for a plain tensor; a convolution's kernel taps are a stack of slabs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tensor {
    pub(crate) id: u32,
    /// The region holding it.
    pub region: RegionKind,
    /// Logical sizes `[c, h, w]` of one subcube.
    pub dims: [u32; 3],
    /// Number of consecutive subcubes.
    pub stack: u32,
    /// The grouped variables, in `(s, c, y, x)` order.
    pub(crate) vars: Vec<Var>,
}

impl Tensor {
    /// The elements, in `(s, c, y, x)` order.
    pub fn vars(&self) -> &[Var] {
        &self.vars
    }

    /// Padded length of one subcube (its alignment unit).
    pub fn unit(&self) -> u32 {
        self.dims
            .iter()
            .map(|&d| padded(d).unwrap_or(0))
            .product::<u32>()
    }

    /// The slot of element `(s, c, y, x)` relative to the tensor's offset.
    pub(crate) fn local(&self, s: u32, c: u32, y: u32, x: u32) -> u32 {
        let [_, h, w] = self.dims.map(|d| padded(d).unwrap_or(0));
        s * self.unit() + (c * h + y) * w + x
    }
}

/// Where every input sits in its region.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Placement {
    /// Per region (public, weights, private): declaration index → region-relative slot.
    pub slots: [Vec<u32>; 3],
    /// Per region: highest slot + 1 (the region's length, padding included).
    pub lens: [u32; 3],
    /// Per region: the extent its span must cover (the public region's tensors may reach
    /// past its last input into the zero padding).
    pub spans: [u32; 3],
    /// Per tensor: its region-relative offset.
    pub offsets: Vec<u32>,
}

impl Placement {
    /// Values in declaration order laid out in placement order, zero in the padding.
    pub fn lay_out<T: Copy + Default>(&self, region: RegionKind, values: &[T]) -> Vec<T> {
        let r = region_slot(region);
        let mut out = vec![T::default(); self.lens[r] as usize];
        for (&slot, &v) in self.slots[r].iter().zip(values) {
            out[slot as usize] = v;
        }
        out
    }
}

/// Places every region: tensors first (decreasing unit), then ungrouped inputs in
/// declaration order. The public region stays in declaration order.
pub(crate) fn place(b: &Builder) -> Placement {
    let mut p = Placement {
        offsets: vec![0; b.tensors.len()],
        ..Placement::default()
    };
    for (r, region) in [RegionKind::Public, RegionKind::Weights, RegionKind::Private]
        .into_iter()
        .enumerate()
    {
        let n = b.counts[r] as usize;
        if region == RegionKind::Public {
            p.slots[r] = (0..n as u32).collect();
            p.lens[r] = n as u32;
            p.spans[r] = n as u32;
            for t in b.tensors.iter().filter(|t| t.region == region) {
                let at = first_index(b, t);
                p.offsets[t.id as usize] = at;
                p.spans[r] = p.spans[r].max(at.saturating_add(t.stack.saturating_mul(t.unit())));
            }
            continue;
        }
        let mut slots = vec![u32::MAX; n];
        let mut order: Vec<&Tensor> = b.tensors.iter().filter(|t| t.region == region).collect();
        order.sort_by_key(|t| std::cmp::Reverse(t.unit()));
        let mut at = 0u32;
        for t in order {
            at = at.next_multiple_of(t.unit().max(1));
            p.offsets[t.id as usize] = at;
            let [c, h, w] = t.dims;
            let mut k = 0;
            for s in 0..t.stack {
                for ci in 0..c {
                    for y in 0..h {
                        for x in 0..w {
                            if let Some(i) = input_index(b, t.vars[k]) {
                                slots[i as usize] = at + t.local(s, ci, y, x);
                            }
                            k += 1;
                        }
                    }
                }
            }
            at += t.stack * t.unit();
        }
        // Operands' padding hints, inside their tensors' padded subcubes.
        for o in &b.ops {
            let t = &b.tensors[o.input as usize];
            if t.region != region {
                continue;
            }
            for &(local, v) in &o.pads {
                if let Some(i) = input_index(b, v) {
                    slots[i as usize] = p.offsets[t.id as usize] + local;
                }
            }
        }
        for s in slots.iter_mut().filter(|s| **s == u32::MAX) {
            *s = at;
            at += 1;
        }
        p.slots[r] = slots;
        p.lens[r] = at;
        p.spans[r] = at;
    }
    p
}

fn input_index(b: &Builder, v: Var) -> Option<u32> {
    match b.nodes[v.0 as usize] {
        Node::Input { index, .. } => Some(index),
        Node::Expr(_) | Node::Structured { .. } => None,
    }
}

fn first_index(b: &Builder, t: &Tensor) -> u32 {
    t.vars.first().and_then(|&v| input_index(b, v)).unwrap_or(0)
}

impl Builder {
    /// One private hint per padding slot of `t` (one subcube), each computed as zero by
    /// the solver and constrained to zero: `(slot relative to the tensor, hint)`, in slot
    /// order. [`place`] puts each hint at its slot, so the padded subcube holds zeros in
    /// every accepted witness.
    pub(crate) fn zero_padding(&mut self, t: &Tensor) -> Vec<(u32, Var)> {
        let [c, h, w] = t.dims;
        let [pc, ph, pw] = t.dims.map(|d| padded(d).unwrap_or(0));
        if [pc, ph, pw] == t.dims {
            return Vec::new();
        }
        let zero = self.constant(0);
        let mut pads = Vec::new();
        for ci in 0..pc {
            for y in 0..ph {
                for x in 0..pw {
                    if ci < c && y < h && x < w {
                        continue;
                    }
                    let local = t.local(0, ci, y, x);
                    let z = self.derived_hint(Derived::Copy { of: zero.0 });
                    self.grouped[z.0 as usize] = true;
                    self.assert_zero(z, Label::new("tensor-padding", t.id, local));
                    pads.push((local, z));
                }
            }
        }
        pads
    }

    /// Groups `vars` (in `(c, y, x)` order) into a tensor of `dims`, placed as one padded,
    /// aligned subcube. See [`Builder::stacked_tensor`].
    pub fn tensor(&mut self, vars: &[Var], dims: [u32; 3]) -> Result<Tensor, CompileError> {
        self.stacked_tensor(vars, 1, dims)
    }

    /// Groups `vars` (in `(s, c, y, x)` order) into `stack` consecutive padded subcubes of
    /// `dims`.
    ///
    /// Plain inputs of the weights or private region, not yet grouped, are placed where the
    /// tensor needs them. Anything else (an expression, an input already in another tensor,
    /// public inputs whose declaration order is not the padded layout, a mix of regions)
    /// is copied: one derived private hint per element, constrained equal to its source.
    /// Weights are never copied (they must stay in the committed weights region).
    /// Grouping the same variables with the same shape again returns the same tensor.
    pub fn stacked_tensor(
        &mut self,
        vars: &[Var],
        stack: u32,
        dims: [u32; 3],
    ) -> Result<Tensor, CompileError> {
        let shape_err = || CompileError::TensorShape {
            dims,
            stack,
            got: vars.len(),
        };
        let expected = dims
            .iter()
            .try_fold(u64::from(stack), |a, &d| a.checked_mul(u64::from(d)))
            .ok_or_else(shape_err)?;
        let unit = dims
            .iter()
            .try_fold(1u64, |a, &d| padded(d).map(|p| a * u64::from(p)))
            .ok_or_else(shape_err)?;
        if expected != vars.len() as u64
            || dims.contains(&0)
            || stack == 0
            || unit
                .checked_mul(u64::from(stack))
                .is_none_or(|s| s > 1 << 30)
        {
            return Err(shape_err());
        }
        if let Some(t) = self
            .tensors
            .iter()
            .find(|t| t.dims == dims && t.stack == stack && t.vars == vars)
        {
            return Ok(t.clone());
        }
        let regions: Vec<Option<RegionKind>> = vars
            .iter()
            .map(|&v| match self.nodes[v.0 as usize] {
                Node::Input { region, .. } => Some(region),
                Node::Expr(_) | Node::Structured { .. } => None,
            })
            .collect();
        let region = regions[0].filter(|r| regions.iter().all(|x| *x == Some(*r)));
        let grouped = vars.iter().any(|v| self.grouped[v.0 as usize]);
        let direct = match region {
            Some(RegionKind::Public) => {
                // Identity placement must already be the padded layout: consecutive
                // indices from an aligned start, no padding inside (only the leading
                // dimension may be short of its power of two).
                let start = input_index(self, vars[0]).unwrap_or(u32::MAX);
                let [_, h, w] = dims;
                let consecutive = vars
                    .iter()
                    .enumerate()
                    .all(|(k, &v)| input_index(self, v) == Some(start.wrapping_add(k as u32)));
                stack == 1
                    && consecutive
                    && h.is_power_of_two()
                    && w.is_power_of_two()
                    && u64::from(start).is_multiple_of(unit)
            }
            Some(RegionKind::Weights) => {
                if grouped {
                    return Err(CompileError::WeightsRegrouped {
                        weight: input_index(self, vars[0]).unwrap_or(0),
                    });
                }
                true
            }
            Some(RegionKind::Private) => !grouped,
            None => false,
        };
        if !direct
            && vars.iter().any(|&v| {
                matches!(
                    self.nodes[v.0 as usize],
                    Node::Input {
                        region: RegionKind::Weights,
                        ..
                    }
                )
            })
        {
            return Err(CompileError::WeightsRegrouped {
                weight: vars.iter().find_map(|&v| input_index(self, v)).unwrap_or(0),
            });
        }
        let (region, vars) = if direct {
            (region.unwrap_or(RegionKind::Private), vars.to_vec())
        } else {
            let id = self.tensors.len() as u32;
            let copies = vars
                .iter()
                .enumerate()
                .map(|(k, &v)| {
                    let c = self.derived_hint(Derived::Copy { of: v.0 });
                    self.assert_equal(c, v, Label::new("tensor-copy", id, k as u32));
                    c
                })
                .collect();
            (RegionKind::Private, copies)
        };
        for v in &vars {
            self.grouped[v.0 as usize] = true;
        }
        let t = Tensor {
            id: self.tensors.len() as u32,
            region,
            dims,
            stack,
            vars,
        };
        self.tensors.push(t.clone());
        Ok(t)
    }
}
