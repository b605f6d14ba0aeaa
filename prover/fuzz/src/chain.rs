//! Structured fuzzing of zero-knowledge chains (issue 10 item 3): an honest chain of two
//! slices with a private model input and a private boundary between them
//! (`zk::chain::prove_chain_with_input`), then fuzzer-chosen mutations — a proof's link
//! value, the input opening's stated value, the two proofs swapped, one proof taken from
//! another run — and byte edits of either proof's or the input opening's encoding.
//!
//! **Property.** Nothing panics, and every mutation that changes any of the three
//! encodings is rejected, by a decoder or by `zk::chain::verify_chain_with_input`. (A
//! proof taken from another run differs in its bytes and its commitment, so the chain's
//! agreement points move and it must be rejected too.)

use crate::whir::delta3;
use crate::{ByteEdit, Delta, MAX_MUTATIONS, STATS, expect, pick};
use arbitrary::Arbitrary;
use circuits::random::{self, Spec};
use prover::commit::ZkRng;
use prover::gkr::{self, Witness};
use prover::zk::chain::{
    ChainSlice, ChainStatement, InputOpening, prove_chain_with_input, verify_chain_with_input,
};
use prover::zk::{ZkCircuit, ZkProof};
use prover::{Goldilocks, GoldilocksExt2, Statement, Transparent, VerifyError};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// A change to a chain.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum ChainMutation {
    /// A proof's link value (proof, link).
    Link(u8, u8, Delta),
    /// The input opening's stated value.
    InputValue(Delta),
    /// The two proofs swapped.
    Swap,
    /// Proof 0 or 1 taken from a second honest run.
    OtherRun(u8),
    /// Byte edits of proof 0, proof 1 or the input opening.
    Bytes(u8, ByteEdit),
}

/// The target's input.
#[derive(Arbitrary, Debug)]
pub struct ChainInput {
    /// The honest case's seed.
    pub seed: u8,
    /// The first mutation (there is always one).
    pub first: ChainMutation,
    /// More mutations (up to [`MAX_MUTATIONS`] in all).
    pub more: Vec<ChainMutation>,
}

type Run = (Vec<ZkProof>, InputOpening);

struct ChainCase {
    forms: Vec<ZkCircuit>,
    contexts: Vec<Vec<u8>>,
    outputs: Vec<Goldilocks>,
    depth: usize,
    honest: Run,
    other: Run,
    bytes: [Vec<u8>; 3],
}

thread_local! {
    /// Honest cases by seed (`None`: the seed's circuits were refused).
    static CACHE: RefCell<HashMap<u8, Option<Rc<ChainCase>>>> = RefCell::new(HashMap::new());
}

/// A random gate circuit reading `inputs` public values (no public constants, so its
/// input can be private) and no weights.
fn slice_circuit(inputs: u32, seed: u64) -> circuits::Circuit {
    let spec = Spec {
        log_widths: vec![5, 4, 3],
        mul_percent: 40,
        const_percent: 0,
        num_public: inputs,
        ..Spec::default()
    };
    random::without_weights(random::circuit(&spec, seed), false)
}

impl ChainCase {
    fn get(seed: u8) -> Option<Rc<ChainCase>> {
        if let Some(hit) = CACHE.with(|c| c.borrow().get(&seed).cloned()) {
            return hit;
        }
        let case = ChainCase::new(u64::from(seed)).map(Rc::new);
        CACHE.with(|c| c.borrow_mut().insert(seed, case.clone()));
        case
    }

    fn new(seed: u64) -> Option<ChainCase> {
        let mut circuits = Vec::new();
        let mut inputs = Vec::new();
        let mut privates = Vec::new();
        let mut outputs = Vec::new();
        let mut x = crate::field_values(3, seed);
        for i in 0..2u64 {
            let c = slice_circuit(x.len() as u32, seed * 10 + i);
            let p =
                crate::field_values(c.input.len_of(circuits::RegionKind::Private), seed + 7 + i);
            let w = Witness {
                public: &x,
                weights: &[],
                private: &p,
            };
            let y = gkr::prove::<Goldilocks, GoldilocksExt2, _>(&Transparent, &c, &w, b"plain")
                .ok()?
                .1;
            circuits.push(c);
            inputs.push(x);
            privates.push(p);
            x = y.clone();
            outputs.push(y);
        }
        let forms = vec![
            ZkCircuit::with_boundaries(&circuits[0], true, true).ok()?,
            ZkCircuit::with_boundaries(&circuits[1], true, false).ok()?,
        ];
        let contexts: Vec<Vec<u8>> = (0..2)
            .map(|i| format!("fuzz chain {i}").into_bytes())
            .collect();
        let run = |rng: u8| -> Option<Run> {
            let slices: Vec<ChainSlice<'_>> = (0..2)
                .map(|i| ChainSlice {
                    zk: &forms[i],
                    witness: Witness {
                        public: &inputs[i],
                        weights: &[],
                        private: &privates[i],
                    },
                    outputs: &outputs[i],
                    context: &contexts[i],
                    stock: None,
                })
                .collect();
            let (proven, input) =
                prove_chain_with_input(&slices, &ZkRng::Seeded([rng; 32])).ok()?;
            Some((proven.into_iter().map(|(p, _)| p).collect(), input))
        };
        let honest = run(seed as u8)?;
        let other = run(!(seed as u8))?;
        let bytes = [
            honest.0[0].to_bytes(),
            honest.0[1].to_bytes(),
            honest.1.to_bytes(),
        ];
        let case = ChainCase {
            depth: circuits
                .iter()
                .map(circuits::Circuit::depth)
                .max()
                .unwrap_or(0),
            outputs: outputs.pop()?,
            forms,
            contexts,
            honest,
            other,
            bytes,
        };
        if let Err(e) = case.verify(&case.bytes) {
            panic!("COMPLETENESS: an honest chain was rejected: {e}\nseed {seed}");
        }
        Some(case)
    }

    fn verify(&self, bytes: &[Vec<u8>; 3]) -> Result<(), VerifyError> {
        let proofs = [
            ZkProof::from_bytes(&bytes[0])?,
            ZkProof::from_bytes(&bytes[1])?,
        ];
        let input = InputOpening::from_bytes(&bytes[2])?;
        let statements: Vec<ChainStatement<'_>> = (0..2)
            .map(|i| ChainStatement {
                zk: &self.forms[i],
                statement: Statement {
                    public: &[],
                    outputs: if i == 1 { &self.outputs } else { &[] },
                    context: &self.contexts[i],
                    weights_commitment: None,
                },
                stock: None,
            })
            .collect();
        verify_chain_with_input(&statements, &proofs, &input)
    }
}

fn apply(case: &ChainCase, run: &mut Run, m: ChainMutation) {
    match m {
        ChainMutation::Link(p, l, d) => {
            if let Some(p) = pick(p, 2)
                && let Some(l) = pick(l, run.0[p].links.len())
            {
                run.0[p].links[l] = delta3(d, run.0[p].links[l]);
            }
        }
        ChainMutation::InputValue(d) => {
            if let Some(v) = run.1.opening.proof.evals.first_mut() {
                *v = delta3(d, *v);
            }
        }
        ChainMutation::Swap => run.0.swap(0, 1),
        ChainMutation::OtherRun(p) => {
            if let Some(p) = pick(p, 2) {
                run.0[p] = case.other.0[p].clone();
            }
        }
        ChainMutation::Bytes(..) => {}
    }
}

/// `mutate_chain`: mutated honest chains with a private input are rejected; nothing
/// panics.
pub fn run_chain(input: &ChainInput) {
    STATS.tick("mutate_chain");
    let Some(case) = ChainCase::get(input.seed % 8) else {
        STATS
            .skipped
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return;
    };
    let muts: Vec<ChainMutation> = std::iter::once(input.first)
        .chain(input.more.iter().copied())
        .take(MAX_MUTATIONS)
        .collect();
    let mut run = case.honest.clone();
    for &m in &muts {
        apply(&case, &mut run, m);
    }
    let mut bytes = [run.0[0].to_bytes(), run.0[1].to_bytes(), run.1.to_bytes()];
    for &m in &muts {
        if let ChainMutation::Bytes(which, b) = m
            && let Some(w) = pick(which, 3)
        {
            b.apply(&mut bytes[w], &[]);
        }
    }
    let changed = bytes != case.bytes;
    expect(changed, case.verify(&bytes), case.depth, || {
        format!(
            "zero-knowledge chain\nseed {}\nmutations {muts:?}",
            input.seed
        )
    });
}
