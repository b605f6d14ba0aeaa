//! Layer blueprints: quantizer, per-layer circuits, ONNX import, slicing, fidelity.
//!
//! **May depend on:** `circuits` (and `prover` only as a dev-dependency). Nothing is here
//! yet: the blueprints arrive with the LeNet work; the crate exists so the workspace has
//! its final shape and dependency direction from the start.
#![forbid(unsafe_code)]
