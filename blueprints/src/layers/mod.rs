//! The layer blueprints and the op registry, one file per op.
//!
//! Each op file owns everything about its ONNX op: the import ([`Op`]: which attributes
//! it understands, their validation, shape inference on full N-D ONNX shapes with the
//! batch explicit) and the layer it builds ([`Blueprint`]: the float reference
//! ([`Blueprint::float`]), the exact integer semantics at the global scale α = 2^K
//! ([`Blueprint::int`], which also produces the witness hints), and the circuit
//! ([`Blueprint::emit`], which declares the same hints in the same order)). Tests check
//! the three agree: the circuit solved with the integer hints reproduces the integer
//! outputs, and proves.
//!
//! [`REGISTRY`] lists every op; the graph walker in [`crate::model`] has no per-op code.

mod add;
mod avgpool;
mod batchnorm;
mod clip;
mod concat;
mod conv2d;
mod div;
mod gather;
mod gemm;
pub mod input;
mod matmul;
mod maxpool;
mod minmax;
mod mul;
mod neg;
mod pad;
mod reduce;
mod relu;
mod rescale;
mod reshape;
mod shape;
mod slice;
mod split;
mod transpose;
pub(crate) mod wire;

pub use add::Add;
pub use conv2d::{Conv2d, ConvGeometry};
pub use gemm::Gemm;
pub use maxpool::{MaxPool, PoolGeometry};
pub use relu::Relu;
use rescale::LinearParams;
pub use rescale::{Divide, Rescale};
pub use reshape::Reshape;
pub use wire::Wire;

use crate::onnx::{Node, Tensor};
use crate::{BlueprintError, Result};
use circuits::compiler::{Builder, Var};

/// Number of bits of a non-negative bound: the smallest `b` with `bound < 2^b`.
pub fn bits_for(bound: i64) -> u32 {
    64 - (bound.max(0) as u64).leading_zeros()
}

/// One layer kind: float reference, integer semantics and circuit.
pub trait Blueprint: std::fmt::Debug + Send + Sync {
    /// The kind, as in labels and reports (`conv2d`, `gemm`, …).
    fn kind(&self) -> &'static str;
    /// Number of activation inputs (2 for `Add` of two activations).
    fn arity(&self) -> usize {
        1
    }
    /// Output element count.
    fn out_len(&self) -> usize;
    /// Bound on |output| in integer units (at α).
    fn out_bound(&self) -> i64;
    /// Quantized parameters, in the order `emit` declares them as weights.
    fn weights(&self) -> &[i64] {
        &[]
    }
    /// Multiply-accumulates of one forward pass: the products a gate-form circuit proves
    /// one by one (0 for layers without products of a sum).
    fn macs(&self) -> u64 {
        0
    }
    /// The float reference.
    fn float(&self, x: &[&[f64]]) -> Vec<f64>;
    /// Exact integer semantics; appends the hints `emit` declares, in order.
    fn int(&self, x: &[&[i64]], hints: &mut Vec<i64>) -> Result<Vec<i64>>;
    /// Emits the circuit: `w` are the weight variables (as many as `weights()`). Fails
    /// only when the compiler refuses a structured operation it builds.
    fn emit(&self, b: &mut Builder, x: &[&[Var]], w: &[Var], layer: u32) -> Result<Vec<Var>>;
}

/// One ONNX op: how a node of this type is imported.
pub trait Op: Sync {
    /// The ONNX `op_type`.
    fn name(&self) -> &'static str;
    /// The attributes it understands; any other attribute on a node is refused.
    fn attributes(&self) -> &'static [&'static str];
    /// Whether a node whose inputs are all constants may be evaluated at import by its
    /// float reference (exact for data movement and small integers: shape chains).
    fn foldable(&self) -> bool {
        false
    }
    /// Validates the node and builds its layers (or constants).
    fn build(&self, cx: &mut Cx<'_>) -> Result<Built>;
}

/// Every op lamina imports. Adding an op: its file, one line here, its tests.
pub static REGISTRY: &[&dyn Op] = &[
    &conv2d::ConvOp,
    &gemm::GemmOp,
    &matmul::MatMulOp,
    &relu::ReluOp,
    &relu::LeakyReluOp,
    &relu::PReluOp,
    &clip::ClipOp,
    &maxpool::MaxPoolOp,
    &maxpool::GlobalMaxPoolOp,
    &avgpool::AveragePoolOp,
    &avgpool::GlobalAveragePoolOp,
    &batchnorm::BatchNormOp,
    &add::AddOp,
    &add::SubOp,
    &mul::MulOp,
    &div::DivOp,
    &neg::NegOp,
    &minmax::MaxOp,
    &minmax::MinOp,
    &reduce::ReduceSumOp,
    &reduce::ReduceMeanOp,
    &reduce::ReduceMaxOp,
    &reshape::FlattenOp,
    &reshape::ReshapeOp,
    &reshape::SqueezeOp,
    &reshape::UnsqueezeOp,
    &transpose::TransposeOp,
    &concat::ConcatOp,
    &slice::SliceOp,
    &split::SplitOp,
    &pad::PadOp,
    &gather::GatherOp,
    &shape::ShapeOp,
    &shape::CastOp,
    &shape::ConstantOp,
    &shape::ConstantOfShapeOp,
];

/// The op named `op_type`, if lamina imports it.
pub fn find(op_type: &str) -> Option<&'static dyn Op> {
    REGISTRY.iter().copied().find(|o| o.name() == op_type)
}

/// The supported op names, for error messages.
pub fn supported() -> String {
    REGISTRY
        .iter()
        .map(|o| o.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One input of a node as an op sees it.
#[derive(Clone, Copy, Debug)]
pub enum Operand<'a> {
    /// An activation: its full ONNX shape and the bound on |value| at α.
    Act {
        /// Shape, batch included.
        dims: &'a [usize],
        /// Bound on |value| (integer units at α).
        bound: i64,
    },
    /// A constant (initializer, Constant node or folded chain).
    Const(&'a Tensor),
    /// An omitted optional input.
    Absent,
}

/// What an op builds from a node.
pub enum Built {
    /// Layers, one per node output, each reading the node inputs at `reads` (in order).
    Layers {
        /// Node input positions fed to each blueprint as its activation inputs.
        reads: Vec<usize>,
        /// One blueprint and its output shape per node output.
        outputs: Vec<(Box<dyn Blueprint>, Vec<usize>)>,
    },
    /// Constants, one per node output (shape computations).
    Consts(Vec<Tensor>),
}

impl Built {
    /// One layer reading the node inputs `reads`.
    pub fn one(reads: Vec<usize>, bp: Box<dyn Blueprint>, dims: Vec<usize>) -> Built {
        Built::Layers {
            reads,
            outputs: vec![(bp, dims)],
        }
    }
}

/// The context an op builds in: the node, its operands, the scale, and the nodes that
/// follow (for fusion).
pub struct Cx<'a> {
    /// The node.
    pub node: &'a Node,
    /// Its inputs.
    pub operands: Vec<Operand<'a>>,
    /// K in α = 2^K.
    pub kappa: u32,
    /// Whether the node is being constant-folded (all inputs constant).
    pub folding: bool,
    /// Nodes after this one that consume only its output, each the sole consumer of the
    /// previous one's output (candidates for fusion), in order.
    pub chain: Vec<&'a Node>,
    /// How many of `chain` the op absorbed.
    pub absorbed: usize,
    /// Calibrated bounds by value name, if the model is calibrated.
    pub calibrated: Option<&'a crate::model::Bounds>,
    /// Constants by value name (for the inputs of absorbed nodes).
    pub consts: &'a dyn Fn(&str) -> Option<&'a Tensor>,
    /// Whether a following ReLU may be fused (calibration keeps pre-activation values
    /// apart, since a fused rescale checks |pre-activation|).
    pub fuse_relu: bool,
}

impl<'a> Cx<'a> {
    /// An `Unsupported` error for this node.
    pub fn bad(&self, reason: impl Into<String>) -> BlueprintError {
        BlueprintError::Unsupported {
            node: self.node.name.clone(),
            op: self.node.op_type.clone(),
            reason: reason.into(),
        }
    }

    /// A `Shape` error for this node.
    pub fn shape_err(&self, reason: impl Into<String>) -> BlueprintError {
        BlueprintError::Shape {
            what: format!("node '{}' ({})", self.node.name, self.node.op_type),
            reason: reason.into(),
        }
    }

    /// Refuses an output shape larger than [`MAX_ELEMENTS`].
    pub fn check_size(&self, dims: &[usize]) -> Result<()> {
        if numel(dims) > MAX_ELEMENTS {
            return Err(self.bad(format!(
                "output shape {dims:?} exceeds {MAX_ELEMENTS} elements"
            )));
        }
        Ok(())
    }

    /// Operand `i` (absent when the node has fewer inputs).
    pub fn operand(&self, i: usize) -> Operand<'a> {
        self.operands.get(i).copied().unwrap_or(Operand::Absent)
    }

    /// Operand `i`, which must be an activation: its shape and bound.
    pub fn act(&self, i: usize) -> Result<(&'a [usize], i64)> {
        match self.operand(i) {
            Operand::Act { dims, bound } => Ok((dims, bound)),
            Operand::Const(_) => Err(self.bad(format!(
                "input {i} is a constant; lamina needs an activation here"
            ))),
            Operand::Absent => Err(self.shape_err(format!("input {i} is missing"))),
        }
    }

    /// Operand `i` as an activation, or (only while folding) a constant with bound 0.
    pub fn act_or_const(&self, i: usize) -> Result<(&'a [usize], i64)> {
        match self.operand(i) {
            Operand::Const(t) if self.folding => Ok((&t.dims, 0)),
            _ => self.act(i),
        }
    }

    /// Operand `i`, which must be a constant.
    pub fn constant(&self, i: usize, what: &str) -> Result<&'a Tensor> {
        match self.operand(i) {
            Operand::Const(t) => Ok(t),
            Operand::Act { .. } => Err(self.bad(format!(
                "{what} (input {i}) must be a constant (initializer, Constant node or constant-foldable chain)"
            ))),
            Operand::Absent => Err(self.shape_err(format!("{what} (input {i}) is missing"))),
        }
    }

    /// Operand `i` as a constant, or `None` when absent.
    pub fn opt_constant(&self, i: usize, what: &str) -> Result<Option<&'a Tensor>> {
        match self.operand(i) {
            Operand::Absent => Ok(None),
            _ => self.constant(i, what).map(Some),
        }
    }

    /// Integer attribute.
    pub fn int(&self, name: &str, default: i64) -> i64 {
        self.node.attr(name).map_or(default, |a| a.i)
    }

    /// Float attribute.
    pub fn float(&self, name: &str, default: f32) -> f32 {
        self.node.attr(name).map_or(default, |a| a.f)
    }

    /// Ints attribute, if present.
    pub fn ints(&self, name: &str) -> Option<Vec<i64>> {
        self.node.attr(name).map(|a| a.ints.clone())
    }

    /// String attribute, if present.
    pub fn string(&self, name: &str) -> Option<String> {
        self.node
            .attr(name)
            .map(|a| String::from_utf8_lossy(&a.s).into_owned())
    }

    /// The calibrated bound of this node's (fused) output, if calibrated: a layer that
    /// range-checks its output sizes the check from it instead of the worst case.
    ///
    /// The bound is looked up under the name of the value the rescale checks: the last
    /// absorbed node that is not a ReLU (a fused ReLU's check bounds |pre-activation|).
    pub fn cap(&self) -> Option<i64> {
        let last = self.chain[..self.absorbed.min(self.chain.len())]
            .iter()
            .rev()
            .find(|m| m.op_type != "Relu");
        let name = match last {
            Some(m) => m.outputs.first(),
            None => self.node.outputs.first(),
        }?;
        self.calibrated?.get(name).copied()
    }

    /// The next node of the fusion chain, if it is of type `op` and has not been absorbed.
    pub fn next_is(&self, op: &str) -> Option<&'a Node> {
        if op == "Relu" && !self.fuse_relu {
            return None;
        }
        self.chain
            .get(self.absorbed)
            .copied()
            .filter(|n| n.op_type == op)
    }
}

/// Normalises an axis in `[-rank, rank)`.
pub fn axis(cx: &Cx<'_>, a: i64, rank: usize) -> Result<usize> {
    let r = rank as i64;
    if !(-r..r).contains(&a) {
        return Err(cx.shape_err(format!("axis {a} out of range for rank {rank}")));
    }
    Ok(if a < 0 { (a + r) as usize } else { a as usize })
}

/// Row-major strides of `dims`.
pub fn strides(dims: &[usize]) -> Vec<usize> {
    let mut s = vec![1; dims.len()];
    for i in (0..dims.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * dims[i + 1];
    }
    s
}

/// Numpy (multidirectional) broadcast of two shapes (`None` when they do not broadcast
/// or the result exceeds [`MAX_ELEMENTS`]).
pub fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let r = a.len().max(b.len());
    let out: Option<Vec<usize>> = (0..r)
        .map(|i| {
            let da = if i + a.len() >= r {
                a[i + a.len() - r]
            } else {
                1
            };
            let db = if i + b.len() >= r {
                b[i + b.len() - r]
            } else {
                1
            };
            match (da, db) {
                _ if da == db => Some(da),
                (1, d) | (d, 1) => Some(d),
                _ => None,
            }
        })
        .collect();
    out.filter(|o| numel(o) <= MAX_ELEMENTS)
}

/// For each element of `out` (row-major), the index of the element of `src` that numpy
/// broadcasting reads (`src` must broadcast to `out`).
pub fn broadcast_index(src: &[usize], out: &[usize]) -> Vec<usize> {
    let n: usize = out.iter().product();
    let r = out.len();
    let off = r - src.len();
    let ss = strides(src);
    let os = strides(out);
    (0..n)
        .map(|i| {
            (off..r)
                .map(|d| {
                    let c = (i / os[d]) % out[d];
                    let sd = d - off;
                    if src[sd] == 1 { 0 } else { c * ss[sd] }
                })
                .sum()
        })
        .collect()
}

/// Element count (saturating: a shape too large to count never equals a real one).
pub fn numel(s: &[usize]) -> usize {
    s.iter().fold(1usize, |a, &d| a.saturating_mul(d))
}

/// The largest kernel, stride, dilation or pad lamina accepts (keeps shape arithmetic
/// far from overflow).
pub const MAX_DIM: i64 = 1 << 24;

/// The largest tensor lamina builds (elements): shapes beyond it are refused before
/// anything is allocated for them.
pub const MAX_ELEMENTS: usize = 1 << 26;
