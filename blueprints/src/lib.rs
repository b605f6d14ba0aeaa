//! Layer blueprints and everything between an ONNX model and its circuits.
//!
//! **Job.** Read ONNX files, quantize them at one global scale α = 2^K, and turn them into
//! per-slice circuit programs and witnesses whose integer semantics are exact.
//!
//! | module | what |
//! |---|---|
//! | [`onnx`] | reads the file: constants (inline or external data), the input, nodes, declared shapes |
//! | [`layers`] | one file per ONNX op: its import ([`layers::Op`]) and its layer ([`layers::Blueprint`]: float reference, integer semantics, circuit), and the op registry |
//! | [`model`] | the generic graph walker: shapes, bounds, fusion, constant folding |
//! | [`quant`] | the global-scale quantizer and static bounds |
//! | [`calibrate`](mod@calibrate) | calibrated bounds for deep nets |
//! | [`slice`](mod@slice), [`pipeline`] | slice plans; per-slice programs, weights and witnesses |
//! | [`weights`], [`fidelity`] | the memory-mapped weight store; fidelity metrics |
//!
//! **Entry points:** [`Model::from_onnx_file`] (or [`Model::from_onnx`] for inline
//! weights), [`calibrate()`] and [`Model::from_onnx_calibrated`], [`slice::plan`],
//! [`pipeline::build`] / [`pipeline::witness`].
//!
//! **May depend on:** `circuits` (and `prover` only as a dev-dependency). Blueprints
//! describe computations; they never touch bookkeeping tables or transcripts.
//!
//! See `blueprints/README.md` for how to add an op.
#![deny(unsafe_code)]

pub mod calibrate;
mod error;
pub mod fidelity;
pub mod layers;
pub mod model;
pub mod onnx;
pub mod pipeline;
pub mod quant;
pub mod slice;
pub mod weights;

pub use calibrate::{Calibration, calibrate};
pub use error::{BlueprintError, Result};
pub use model::Model;
pub use quant::QuantConfig;
pub use slice::{Slice, SlicePlan};
