//! The lamina pipeline as a library: compile an ONNX model into per-slice circuits,
//! compute witnesses, prove and verify models, slices and plans, with the stage figures
//! and the folder formats the `lamina` CLI, the Python package and distributed jobs share.
//!
//! **May depend on:** `circuits`, `prover`, `blueprints` (and no binary concerns: no
//! global allocator installed, no argument parsing, no environment variables, no
//! printing — a caller measures heap and shows progress through [`Hooks`]; a binary may
//! install [`HugePages`]).
//!
//! | module | job |
//! |---|---|
//! | [`commands`] | `compile`, `prove`, `run`, `fidelity` over whole models; [`Settings`] |
//! | [`jobs`] | one slice, one job: [`jobs::witness`] writes a run folder, [`jobs::prove_slice`] proves one slice from it |
//! | [`proof_folder`] | the proof folder (one `statement.json`, or one statement per slice) and [`verify`] |
//! | [`key`] | the verification key (`model.vk`): settings, plan, circuits, weight commitments; its digest is what users pin |
//! | [`model_folder`] | the compiled folder (`model.json`, the key, the model copy, weights), written and loaded strictly |
//! | [`engine`] | one slice through the proof system — the one place the commitment scheme is chosen |
//! | [`measure`] | stage figures, [`HeapMeter`] and [`Observer`] hooks |
//! | [`pages`] | [`HugePages`], the system allocator with huge pages for large blocks, for a binary to install |
//! | [`report`] | the JSON figures the commands return |
//! | [`io`] | hardened file reading: regular files only, size caps, plain names |
//! | [`error`] | the typed [`Error`] |
//!
//! Every command returns the JSON object the CLI prints with `--json` (field names are a
//! contract with scripts). Errors carry the CLI's messages: [`Error::report`] is the line
//! it prints.
//!
//! # Example: compile, prove and verify LeNet
//!
//! ```
//! use lamina::{Hooks, Settings};
//! use std::path::Path;
//!
//! # fn main() -> Result<(), lamina::Error> {
//! let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
//! let onnx = root.join("testdata/lenet/lenet.onnx");
//! let x = lamina::io::read_inputs(&root.join("testdata/lenet/input.json"))?.remove(0);
//! let tmp = std::env::temp_dir().join(format!("lamina-doc-{}", std::process::id()));
//! let (dir, proofs) = (tmp.join("compiled"), tmp.join("proofs"));
//!
//! // The DSperse cut: one slice per layer with parameters, 5 for LeNet, at 2^18.
//! let settings = Settings::new(18, (-1.0, 1.0), "layers")?;
//! let model = lamina::compile(&onnx, &settings, &dir, Hooks::default())?;
//! assert_eq!(model["slices"].as_array().map(Vec::len), Some(5));
//!
//! let statement = lamina::prove(&dir, &x, "input.json", &proofs, Hooks::default())?;
//! // The verifier needs only the key (`model.vk`), pinned by the digest compile printed.
//! let pin = lamina::Pin { vk_digest: model["vk_digest"].as_str(), model_digest: None };
//! let verdict = lamina::verify(&dir.join("model.vk"), &proofs, pin, Hooks::default())?;
//! assert!(verdict.verified);
//! assert_eq!(verdict.doc["outputs"], statement["outputs"]);
//! assert_eq!(verdict.outputs.len(), 10);
//! # std::fs::remove_dir_all(&tmp).ok();
//! # Ok(())
//! # }
//! ```
#![deny(unsafe_code)]

pub mod commands;
pub mod engine;
pub mod error;
pub mod io;
pub mod jobs;
pub mod key;
pub mod measure;
pub mod model_folder;
pub mod pages;
pub mod proof_folder;
pub mod report;

pub use commands::{Settings, compile, fidelity, prove, run};
pub use engine::Scheme;
pub use error::{Error, Result};
pub use measure::{Figures, HeapMeter, Hooks, NoHeapMeter, Observer, Silent};
pub use pages::HugePages;
pub use proof_folder::{Pin, Verdict, verify};
