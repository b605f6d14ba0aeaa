//! Benchmark fixtures shared by the criterion benches and the measurement examples.
//!
//! **May depend on:** every workspace crate, through public APIs only.
#![deny(unsafe_code)]

pub mod alloc;
pub mod lenet;

use circuits::Circuit;
use circuits::random::{self, Spec};
use prover::{Field, Goldilocks};

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
