//! Layer blueprints and everything between an ONNX model and its circuits.
//!
//! **Job.** ONNX import ([`onnx`]), the global-scale quantizer ([`quant`]), one blueprint
//! per layer kind ([`layers`]: float reference, exact integer semantics, circuit emission
//! with hints, one file per ONNX op, and the op registry), the model built by a generic
//! graph walker ([`model`]), calibrated bounds for deep nets ([`calibrate`]), slice plans ([`slice`]), per-slice programs and
//! witnesses ([`pipeline`]), the memory-mapped weight store ([`weights`]) and fidelity
//! metrics ([`fidelity`]).
//!
//! **May depend on:** `circuits` (and `prover` only as a dev-dependency). Blueprints
//! describe computations; they never touch bookkeeping tables or transcripts.
//!
//! See `blueprints/README.md` for how to add a layer.
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
