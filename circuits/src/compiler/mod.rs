//! The circuit compiler: write a circuit as a program, get a layered [`Circuit`].
//!
//! A [`Builder`] records a program: inputs by region (public input, weights, private
//! hints), constants, linear combinations, products, challenge values, and constraints
//! (`assert_zero`, `assert_bool`, `range_check`), each with a [`Label`] that survives into
//! error messages. [`Builder::finish`] adds the range-check argument and yields a
//! [`Program`]; [`Program::compile`] lays it out as a layered circuit and
//! [`Program::solve`] computes the witness (input layer) from public input, weights and
//! hint values, checking every constraint by its label.
//!
//! # How it compiles
//!
//! * Every value is a degree-≤2 expression over *atoms* (inputs, or values that get a
//!   slot). Small linear values are substituted into their consumers when that adds no
//!   relay; everything else becomes an atom.
//! * A value used only linearly by constraints is *absorbed*: it gets no slot, its terms go
//!   straight into the layer's constraint accumulator. Each constraint `j` is multiplied by
//!   its own extension-field challenge `ρ_j` ([`Coeff::ChallengeTimes`]); one accumulator
//!   slot per layer is relayed to the output and must be zero. Constraints cost gates, not
//!   width.
//! * Atoms are placed as soon as possible (layer = 1 + the latest operand), and relayed
//!   (add gate, coefficient 1) only across the layers where a later reader needs them.
//! * Range checks use LogUp against one shared table of `2^c` entries, `c` chosen per
//!   circuit to minimise queries plus table size; each checked value is split into c-bit
//!   digits (derived hints), and a width that is not a multiple of `c` gets its top digit
//!   queried a second time, shifted, so the check is two-sided. The fractions
//!   `Σ 1/(X − q) − Σ m_t/(X − t)` are merged in a balanced tree inside the circuit and the
//!   root numerator is constrained to zero, `X` an extension challenge.

mod expr;
mod layout;
mod logup;
mod ops;
mod solve;
mod tensor;

pub use layout::{CompileError, Compiled, Stats};
pub use solve::{SolveError, SolvedWitness};
pub use tensor::Tensor;

use crate::{Coeff, RegionKind};
use expr::{Expr, ExprRef, Span, Terms};

/// A value in a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Var(pub(crate) u32);

/// Where a constraint came from: blueprint, layer, element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    /// The blueprint (or gadget) that emitted it.
    pub blueprint: &'static str,
    /// The model layer (or slice-local layer index).
    pub layer: u32,
    /// The element within the layer's output.
    pub element: u32,
}

impl Label {
    /// A label.
    pub const fn new(blueprint: &'static str, layer: u32, element: u32) -> Self {
        Label {
            blueprint,
            layer,
            element,
        }
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (layer {}, element {})",
            self.blueprint, self.layer, self.element
        )
    }
}

/// How the witness solver computes a derived hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Derived {
    /// `(value(of) >> shift) & (2^bits − 1)`.
    Digit { of: u32, shift: u32, bits: u32 },
    /// How many queries equal `t`.
    Multiplicity(u32),
    /// The value of node `of` (a tensor element copied into the private region).
    Copy { of: u32 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    /// An input-layer value: `index` within its region.
    Input { region: RegionKind, index: u32 },
    /// A degree-≤2 expression over earlier nodes, its terms in [`Builder::terms`].
    Expr(Span),
    /// Output `index` (unpadded order) of structured operation `op`.
    Structured { op: u32, index: u32 },
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct RangeCheck {
    pub var: u32,
    pub bits: u32,
    pub label: Label,
}

/// Largest range-check width: values must stay far below `p/2 ≈ 2^63`.
pub const MAX_RANGE_BITS: u32 = 62;

/// Expressions with more terms than this are never substituted into a consumer.
const SUBSTITUTE_MAX_TERMS: usize = 8;
/// Products expand into at most this many mul terms before an operand is materialised.
const EXPAND_MAX_TERMS: usize = 16;

/// How range checks are proven.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RangeStrategy {
    /// LogUp against one shared table of `2^c` rows (the default: measured about 4× fewer
    /// input slots and a faster proof than bits on a LeNet-sized program).
    #[default]
    LogUp,
    /// Bit decomposition: one boolean hint per bit, recomposed.
    Bits,
}

/// Records a program.
#[derive(Clone, Debug, Default)]
pub struct Builder {
    pub(crate) nodes: Vec<Node>,
    /// The terms of every `Node::Expr`.
    pub(crate) terms: Terms,
    /// A reused buffer for the expression being built (no allocation per node).
    scratch: Expr,
    /// ASAP layer each node would get as an atom (inputs 0).
    layer: Vec<u32>,
    /// Whether a node is already referenced as an atom (it will get a slot anyway).
    atom_ref: Vec<bool>,
    /// Whether a node is an element of a tensor.
    grouped: Vec<bool>,
    pub(crate) counts: [u32; 3],
    pub(crate) derived: Vec<Derived>,
    /// Per private index: the derived hint it holds, or `u32::MAX` for a given hint.
    pub(crate) private_derived: Vec<u32>,
    pub(crate) tensors: Vec<Tensor>,
    pub(crate) ops: Vec<ops::OpDecl>,
    pub(crate) user_challenges: u32,
    pub(crate) constraints: Vec<(u32, Label)>,
    pub(crate) range_checks: Vec<RangeCheck>,
    pub(crate) outputs: Vec<u32>,
    /// Whether layers should emit gates where they would emit structured blocks.
    gates_only: bool,
}

fn region_slot(region: RegionKind) -> usize {
    match region {
        RegionKind::Public => 0,
        RegionKind::Weights => 1,
        RegionKind::Private => 2,
    }
}

impl Builder {
    /// An empty program.
    pub fn new() -> Self {
        Builder::default()
    }

    /// An empty program whose layers emit gates instead of structured blocks (one
    /// degree-2 step per multiply-accumulate): the form the zero-knowledge prover takes
    /// until it hides blocks' sub-cube claims.
    pub fn gates_only() -> Self {
        Builder {
            gates_only: true,
            ..Builder::default()
        }
    }

    /// Whether layers should emit gates where they would emit structured blocks
    /// ([`Builder::gates_only`]); blueprints consult it.
    pub fn prefers_gates(&self) -> bool {
        self.gates_only
    }

    fn push(&mut self, node: Node) -> Var {
        let layer = match node {
            Node::Input { .. } => 0,
            // Every tensor element is an input, so an operation reads layer 0.
            Node::Structured { .. } => 1,
            Node::Expr(span) => {
                let mut top = None;
                for a in self.terms.get(span).atoms() {
                    let l = self.layer[a as usize];
                    top = Some(top.map_or(l, |m: u32| m.max(l)));
                    self.atom_ref[a as usize] = true;
                }
                top.map_or(1, |l| l + 1)
            }
        };
        self.nodes.push(node);
        self.layer.push(layer);
        self.atom_ref.push(false);
        self.grouped.push(false);
        Var(self.nodes.len() as u32 - 1)
    }

    fn push_expr(&mut self, e: &Expr) -> Var {
        let span = self.terms.push(e);
        self.push(Node::Expr(span))
    }

    fn input(&mut self, region: RegionKind) -> Var {
        let slot = region_slot(region);
        let index = self.counts[slot];
        self.counts[slot] += 1;
        self.push(Node::Input { region, index })
    }

    pub(crate) fn derived_hint(&mut self, d: Derived) -> Var {
        self.private_derived.push(self.derived.len() as u32);
        self.derived.push(d);
        self.input(RegionKind::Private)
    }

    /// A public input (the verifier knows it).
    pub fn public_input(&mut self) -> Var {
        self.input(RegionKind::Public)
    }

    /// `n` public inputs.
    pub fn public_inputs(&mut self, n: usize) -> Vec<Var> {
        (0..n).map(|_| self.public_input()).collect()
    }

    /// A weight (committed with the model).
    pub fn weight(&mut self) -> Var {
        self.input(RegionKind::Weights)
    }

    /// `n` weights.
    pub fn weights(&mut self, n: usize) -> Vec<Var> {
        (0..n).map(|_| self.weight()).collect()
    }

    /// A private hint: a value the witness supplies, in declaration order. Every hint must
    /// end up constrained, or compilation fails.
    pub fn hint(&mut self) -> Var {
        self.private_derived.push(u32::MAX);
        self.input(RegionKind::Private)
    }

    /// `n` hints.
    pub fn hints(&mut self, n: usize) -> Vec<Var> {
        (0..n).map(|_| self.hint()).collect()
    }

    /// A constant.
    pub fn constant(&mut self, c: i64) -> Var {
        self.push_expr(&Expr::constant(Coeff::Int(c)))
    }

    /// A challenge value, drawn from the extension field after the private inputs are
    /// committed. Values that depend on it are extension values: they may feed constraints
    /// but not public outputs or range checks.
    pub fn challenge(&mut self) -> Var {
        let i = self.user_challenges;
        self.user_challenges += 1;
        self.push_expr(&Expr::constant(Coeff::Challenge(i)))
    }

    pub(crate) fn expr_of(&self, v: Var) -> Option<ExprRef<'_>> {
        self.expr_at(v.0 as usize)
    }

    /// Node `v`'s expression, if it is one.
    pub(crate) fn expr_at(&self, v: usize) -> Option<ExprRef<'_>> {
        match self.nodes[v] {
            Node::Expr(span) => Some(self.terms.get(span)),
            Node::Input { .. } | Node::Structured { .. } => None,
        }
    }

    /// Min and max atom layer of a node's terms, or None for a constant.
    fn atoms_layer(&self, e: ExprRef<'_>) -> Option<(u32, u32)> {
        let mut it = e.atoms().map(|a| self.layer[a as usize]);
        let first = it.next()?;
        Some(it.fold((first, first), |(lo, hi), l| (lo.min(l), hi.max(l))))
    }

    /// Whether `v`'s terms may replace it in a consumer (`quad_ok` for linear consumers,
    /// which can take degree-2 terms).
    fn substitutable(&self, v: Var, quad_ok: bool) -> Option<ExprRef<'_>> {
        let e = self.expr_of(v)?;
        let shape_ok = e.is_linear() || quad_ok;
        (shape_ok && !self.atom_ref[v.0 as usize] && e.len() <= SUBSTITUTE_MAX_TERMS).then_some(e)
    }

    /// The expression `v` contributes to a consumer whose other atoms reach layer
    /// `target`: its own terms when substituting adds no slot or relay, else `v` itself.
    fn operand<'a>(
        &'a self,
        v: Var,
        target: Option<u32>,
        quad_ok: bool,
        atom: &'a [(Coeff, u32); 1],
    ) -> ExprRef<'a> {
        if let Some(e) = self.expr_of(v)
            && e.is_constant()
        {
            return e;
        }
        if let Some(e) = self.substitutable(v, quad_ok) {
            let fits = match (self.atoms_layer(e), target) {
                (Some((lo, hi)), Some(t)) => lo == hi && hi == t,
                (Some(_), None) => true,
                _ => false,
            };
            if fits {
                return e;
            }
        }
        ExprRef::atom(atom)
    }

    /// The atom layer a set of operands reaches if all substitutable ones are substituted.
    fn target(&self, vars: impl Iterator<Item = Var>, quad_ok: bool) -> Option<u32> {
        vars.filter_map(|v| match self.expr_of(v) {
            Some(e) if e.is_constant() => None,
            _ => match self.substitutable(v, quad_ok) {
                Some(e) => self.atoms_layer(e).map(|(_, hi)| hi),
                None => Some(self.layer[v.0 as usize]),
            },
        })
        .max()
    }

    /// `Σ c_i·v_i + k`.
    pub fn lin(&mut self, terms: &[(i64, Var)], k: i64) -> Var {
        let target = self.target(terms.iter().map(|t| t.1), true);
        let mut e = std::mem::take(&mut self.scratch);
        e.set_constant(Coeff::Int(k));
        for &(c, v) in terms {
            let atom = [(Coeff::ONE, v.0)];
            let op = self.operand(v, target, true, &atom);
            if e.add_scaled(Coeff::Int(c), op).is_none() {
                // Unreachable: an integer times anything is representable.
                e.lin.push((Coeff::Int(c), v.0));
            }
        }
        self.push_scratch(e)
    }

    /// Stores the scratch expression as a node and keeps its buffers.
    fn push_scratch(&mut self, e: Expr) -> Var {
        let v = self.push_expr(&e);
        self.scratch = e;
        v
    }

    /// `a + b`.
    pub fn add(&mut self, a: Var, b: Var) -> Var {
        self.lin(&[(1, a), (1, b)], 0)
    }

    /// `a − b`.
    pub fn sub(&mut self, a: Var, b: Var) -> Var {
        self.lin(&[(1, a), (-1, b)], 0)
    }

    /// `c·a`.
    pub fn scale(&mut self, c: i64, a: Var) -> Var {
        self.lin(&[(c, a)], 0)
    }

    /// `a·b`.
    pub fn mul(&mut self, a: Var, b: Var) -> Var {
        let target = self.target([a, b].into_iter(), false);
        let mut e = std::mem::take(&mut self.scratch);
        let (atom_a, atom_b) = ([(Coeff::ONE, a.0)], [(Coeff::ONE, b.0)]);
        let (ea, eb) = (
            self.operand(a, target, false, &atom_a),
            self.operand(b, target, false, &atom_b),
        );
        if Self::product(&mut e, ea, eb).is_none() {
            // Expanding failed (too many terms, or challenge × challenge): use both as
            // atoms.
            let (ea, eb) = (
                if ea.is_constant() {
                    ea
                } else {
                    ExprRef::atom(&atom_a)
                },
                if eb.is_constant() {
                    eb
                } else {
                    ExprRef::atom(&atom_b)
                },
            );
            if Self::product(&mut e, ea, eb).is_none()
                && Self::product(&mut e, ExprRef::atom(&atom_a), eb).is_none()
            {
                // Both constant and both with challenges: materialise the first.
                e.clear();
                e.quad.push((Coeff::ONE, a.0, b.0));
            }
        }
        self.push_scratch(e)
    }

    /// `e` := the product of two linear expressions, if it has few terms and
    /// representable coefficients (`None` leaves `e` unspecified).
    fn product(e: &mut Expr, a: ExprRef<'_>, b: ExprRef<'_>) -> Option<()> {
        if !a.is_linear() || !b.is_linear() || a.lin.len() * b.lin.len() > EXPAND_MAX_TERMS {
            return None;
        }
        e.clear();
        for &(ca, x) in a.lin {
            for &(cb, y) in b.lin {
                let (x, y) = if x <= y { (x, y) } else { (y, x) };
                e.quad.push((expr::coeff_mul(ca, cb)?, x, y));
            }
            for &k in b.cst {
                e.lin.push((expr::coeff_mul(ca, k)?, x));
            }
        }
        for &k in a.cst {
            for &(cb, y) in b.lin {
                e.lin.push((expr::coeff_mul(k, cb)?, y));
            }
            for &k2 in b.cst {
                e.push_cst(expr::coeff_mul(k, k2)?);
            }
        }
        Some(())
    }

    /// `Σ xs_i·ys_i + Σ lin + k`: a dot product with linear terms, as one layer step.
    pub fn quad(&mut self, xs: &[Var], ys: &[Var], lin: &[(i64, Var)], k: i64) -> Var {
        let mut e = std::mem::take(&mut self.scratch);
        e.set_constant(Coeff::Int(k));
        for (&x, &y) in xs.iter().zip(ys) {
            let (x, y) = if x <= y { (x, y) } else { (y, x) };
            e.quad.push((Coeff::ONE, x.0, y.0));
        }
        for &(c, v) in lin {
            e.lin.push((Coeff::Int(c), v.0));
        }
        self.push_scratch(e)
    }

    /// `Σ xs_i·ys_i`.
    pub fn dot(&mut self, xs: &[Var], ys: &[Var]) -> Var {
        self.quad(xs, ys, &[], 0)
    }

    /// Constrains `v = 0`.
    pub fn assert_zero(&mut self, v: Var, label: Label) {
        self.constraints.push((v.0, label));
    }

    /// Constrains `a = b`.
    pub fn assert_equal(&mut self, a: Var, b: Var, label: Label) {
        let d = self.sub(a, b);
        self.assert_zero(d, label);
    }

    /// Constrains `v ∈ {0, 1}` (as `v·v − v = 0`).
    pub fn assert_bool(&mut self, v: Var, label: Label) {
        let sq = self.mul(v, v);
        let d = self.sub(sq, v);
        self.assert_zero(d, label);
    }

    /// Constrains `0 ≤ v < 2^bits` (two-sided; `bits ≤ MAX_RANGE_BITS`).
    pub fn range_check(&mut self, v: Var, bits: u32, label: Label) {
        self.range_checks.push(RangeCheck {
            var: v.0,
            bits,
            label,
        });
    }

    /// Makes `v` a public output (in call order).
    pub fn output(&mut self, v: Var) {
        self.outputs.push(v.0);
    }

    /// Adds the range-check argument (LogUp) and freezes the program.
    pub fn finish(self) -> Result<Program, CompileError> {
        self.finish_with(RangeStrategy::LogUp)
    }

    /// Adds the range-check argument of the given strategy and freezes the program.
    pub fn finish_with(self, strategy: RangeStrategy) -> Result<Program, CompileError> {
        let mut program = match strategy {
            RangeStrategy::LogUp => logup::finish(self)?,
            RangeStrategy::Bits => logup::finish_bits(self)?,
        };
        program.b.shed_recording_state();
        Ok(program)
    }

    /// Frees what only recording needs (ASAP layers, atom and tensor flags: 6 bytes a
    /// node) and the growth slack of the node and term vectors; a frozen program records
    /// nothing more. About 0.5 GB of VGG-16's compile peak.
    fn shed_recording_state(&mut self) {
        self.layer = Vec::new();
        self.atom_ref = Vec::new();
        self.grouped = Vec::new();
        self.scratch = Expr::default();
        self.nodes.shrink_to_fit();
        self.terms.shrink_to_fit();
    }
}

/// A finished program: compile it once, solve it per witness.
#[derive(Clone, Debug)]
pub struct Program {
    pub(crate) b: Builder,
    /// LogUp chunk bits (0 when there are no range checks).
    pub(crate) chunk_bits: u32,
    /// Number of range-check queries.
    pub(crate) queries: usize,
    /// The range checks (for the solver's errors).
    pub(crate) checks: Vec<RangeCheck>,
    /// The nodes whose values are LogUp queries, with their table tags.
    pub(crate) query_nodes: Vec<(u32, u32)>,
    /// The LogUp table rows `(tag, value)`, in multiplicity order.
    pub(crate) table: Vec<logup::Row>,
    /// Where every input sits in its region.
    pub(crate) placement: tensor::Placement,
}

impl Program {
    /// Number of public inputs, weights and given (not derived) hints.
    pub fn input_counts(&self) -> (usize, usize, usize) {
        let c = self.b.counts;
        (
            c[0] as usize,
            c[1] as usize,
            c[2] as usize - self.b.derived.len(),
        )
    }

    /// The weights (declaration order) laid out as the weights region holds them: what
    /// the weights commitment covers. Identity for a program without weight tensors.
    pub fn layout_weights(&self, weights: &[i64]) -> Vec<i64> {
        self.placement.lay_out(RegionKind::Weights, weights)
    }

    /// The region-relative offset of a tensor.
    pub fn tensor_offset(&self, t: &Tensor) -> u32 {
        self.placement.offsets[t.id as usize]
    }

    /// LogUp chunk bits chosen for this program (0 without range checks).
    pub fn chunk_bits(&self) -> u32 {
        self.chunk_bits
    }

    /// The LogUp table rows `(tag, value)` in the order of their multiplicity hints (the
    /// last private values). Tag 0 is the full `2^c` table; tag `r` holds `0..2^r`.
    pub fn lookup_table(&self) -> &[(u32, u32)] {
        &self.table
    }

    /// Number of public outputs.
    pub fn num_outputs(&self) -> usize {
        self.b.outputs.len()
    }

    /// Challenges the circuit draws: user challenges (the LogUp challenge among them),
    /// then one per constraint.
    pub fn num_challenges(&self) -> u32 {
        self.b.user_challenges + self.b.constraints.len() as u32
    }
}
