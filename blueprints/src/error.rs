//! Typed errors of import, quantization, witness generation and the weight store.

use thiserror::Error;

/// Everything that can go wrong turning a model into circuits and witnesses.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum BlueprintError {
    /// The ONNX bytes do not parse.
    #[error("malformed ONNX: {0}")]
    Onnx(String),
    /// An operator lamina does not prove.
    #[error("unsupported op {op} in node '{node}'; supported: {supported}")]
    UnsupportedOp {
        /// The op type.
        op: String,
        /// The node name.
        node: String,
        /// The supported list.
        supported: String,
    },
    /// A well-formed file using something lamina does not handle (a data type, several
    /// inputs, a symbolic dimension, external data out of the model's folder…).
    #[error("unsupported ONNX: {0}")]
    UnsupportedFormat(String),
    /// A supported op with an attribute or input lamina does not handle.
    #[error("node '{node}' ({op}): {reason}")]
    Unsupported {
        /// The node name.
        node: String,
        /// The op type.
        op: String,
        /// What is not supported.
        reason: String,
    },
    /// A shape does not fit.
    #[error("{what}: {reason}")]
    Shape {
        /// Where.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// The scale is outside what the field allows.
    #[error(
        "--scale-bits {bits}: must be between 1 and {max} (products at α² need 2K bits below the field's 63)"
    )]
    Scale {
        /// Requested bits.
        bits: u32,
        /// Maximum.
        max: u32,
    },
    /// A value would overflow the field headroom at this scale.
    #[error(
        "layer '{layer}' would overflow: values need {bits} bits at 2^{scale_bits}, the field allows {max}; lower --scale-bits or narrow --input-range"
    )]
    Overflow {
        /// The layer.
        layer: String,
        /// Bits needed.
        bits: u32,
        /// Scale bits.
        scale_bits: u32,
        /// Bits available.
        max: u32,
    },
    /// An input value lies outside the declared input range.
    #[error(
        "input value {value} at index {index} is outside the declared --input-range [{lo}, {hi}] (first layer '{layer}')"
    )]
    InputRange {
        /// The value.
        value: f64,
        /// Its index in the flattened input.
        index: usize,
        /// Range low.
        lo: f64,
        /// Range high.
        hi: f64,
        /// The layer that reads it.
        layer: String,
    },
    /// A layer's output leaves the bound its range checks were sized for (with calibrated
    /// bounds: this input goes beyond the calibration), so it cannot be proven.
    #[error(
        "layer '{layer}': element {element} has value {value}, outside its bound ±{bound} (integer units at α); with calibrated bounds, recalibrate including this input or use a larger margin"
    )]
    OutOfBound {
        /// The layer.
        layer: String,
        /// Element index in the layer's output.
        element: usize,
        /// The value (integer units at α).
        value: i64,
        /// The calibrated bound.
        bound: i64,
    },
    /// An input value is NaN or infinite.
    #[error("input value at index {index} is {value}, not a finite number (first layer '{layer}')")]
    NotFinite {
        /// The value.
        value: f64,
        /// Its index in the flattened input.
        index: usize,
        /// The layer that reads it.
        layer: String,
    },
    /// A value computed by a layer exceeds its static bound (a bug, or an input outside
    /// the declared range).
    #[error("layer '{layer}': value {value} exceeds its bound {bound}")]
    Bound {
        /// The layer.
        layer: String,
        /// The value.
        value: i64,
        /// The bound.
        bound: i64,
    },
    /// Reading or writing the weight store.
    #[error("weight store {path}: {reason}")]
    Weights {
        /// The file.
        path: String,
        /// What failed.
        reason: String,
    },
    /// The compiler refuses a layer's structured operation (a conv or matrix product
    /// proven by its own sumcheck).
    #[error("node '{node}': {source}")]
    Structured {
        /// The node name.
        node: String,
        /// Why.
        source: circuits::compiler::CompileError,
    },
    /// The program does not compile.
    #[error("compiling slice {slice}: {source}")]
    Compile {
        /// The slice.
        slice: usize,
        /// Why.
        source: circuits::compiler::CompileError,
    },
    /// The witness does not satisfy the circuit.
    #[error("witness for slice {slice}: {source}")]
    Solve {
        /// The slice.
        slice: usize,
        /// Why.
        source: circuits::compiler::SolveError,
    },
    /// A bad slice plan.
    #[error("slice plan: {0}")]
    Slices(String),
}

/// Shorthand.
pub type Result<T> = std::result::Result<T, BlueprintError>;
