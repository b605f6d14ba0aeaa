//! Benchmark fixtures shared by the criterion benches and the measurement examples.
//!
//! **May depend on:** every workspace crate, through public APIs only.
#![deny(unsafe_code)]

pub mod alloc;
pub mod lenet;
pub mod masked;

use circuits::Circuit;
use circuits::random::{self, Spec};
use prover::{Field, Goldilocks};
use std::path::PathBuf;

/// A file of the bundled trained LeNet (`testdata/lenet`).
pub fn lenet_testdata(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/lenet")
        .join(file)
}

/// The first input of the bundled LeNet's `input.json` (`{"input_data": [[...]]}`).
///
/// # Panics
/// If the bundled file is missing or malformed.
#[allow(clippy::unwrap_used)]
pub fn lenet_first_input() -> Vec<f64> {
    let text = std::fs::read_to_string(lenet_testdata("input.json")).unwrap();
    let body = &text[text.find("[[").unwrap() + 2..text.find("]]").unwrap()];
    body.split(',').map(|t| t.trim().parse().unwrap()).collect()
}

/// The bundled LeNet at K = 18 with input range [-1, 1], and its first input quantized.
///
/// # Panics
/// If the bundled files are missing or malformed.
#[allow(clippy::unwrap_used)]
pub fn lenet_k18() -> (blueprints::Model, Vec<i64>) {
    let m = blueprints::Model::from_onnx(
        &std::fs::read(lenet_testdata("lenet.onnx")).unwrap(),
        blueprints::QuantConfig::new(18, (-1.0, 1.0)).unwrap(),
    )
    .unwrap();
    let x = m
        .quant
        .quantize_input(&lenet_first_input(), "conv1")
        .unwrap();
    (m, x)
}

/// The measurement examples' repetitions: `REPS` from the environment, else `default`.
pub fn reps(default: usize) -> usize {
    std::env::var("REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The median of a non-empty sample (the upper one of an even count).
///
/// # Panics
/// If `v` is empty.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The engine benchmark circuit: about 2^20 gates (half mul, half add, 10 % of slots with a
/// constant) over layers of width 2^16–2^18, average fan-in 2.
pub fn engine_spec() -> Spec {
    Spec {
        log_widths: vec![18, 18, 17, 16, 16],
        fan_in: 2,
        mul_percent: 50,
        const_percent: 10,
        num_public: 4,
        alternate_add_only: false,
        num_challenges: 0,
        zero_outputs: 0,
        blocks: Vec::new(),
        gate_span: false,
    }
}

/// A circuit and the data to prove it.
pub struct Fixture {
    /// The circuit.
    pub circuit: Circuit,
    /// Public input.
    pub public: Vec<Goldilocks>,
    /// Weights region values.
    pub weights: Vec<Goldilocks>,
    /// Private region values.
    pub private: Vec<Goldilocks>,
}

impl Fixture {
    /// A seeded random circuit of this shape with random data.
    pub fn new(spec: &Spec, seed: u64) -> Fixture {
        let circuit = random::circuit(spec, seed);
        let conv = |v: Vec<u64>| v.into_iter().map(Goldilocks::from_u64).collect::<Vec<_>>();
        let input = &circuit.input;
        Fixture {
            public: conv(random::values(circuit.num_public as usize, seed ^ 1)),
            weights: conv(random::values(
                input.len_of(circuits::RegionKind::Weights),
                seed ^ 2,
            )),
            private: conv(random::values(
                input.len_of(circuits::RegionKind::Private),
                seed ^ 3,
            )),
            circuit,
        }
    }

    /// The witness view.
    pub fn witness(&self) -> prover::Witness<'_, Goldilocks> {
        prover::Witness {
            public: &self.public,
            weights: &self.weights,
            private: &self.private,
        }
    }
}
