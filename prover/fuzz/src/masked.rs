//! Structured fuzzing of masked proofs (issue 10): an honest masked proof (transparent
//! commitment, Ext2) of a small random circuit's zero-knowledge form
//! (`circuits::zk::with_noise`), then fuzzer-chosen mutations of its masked parts — the
//! inner product's `σ`, rounds and table value, a layer's `vx`, `vy` and round
//! messages — and byte edits of its `"LAMZ"` encoding.
//!
//! **Property.** Nothing panics, and every mutation that changes the proof bytes is
//! rejected, by the decoder or the verifier (`gkr::verify_masked`).

use crate::{
    ByteEdit, CONTEXT, Data, Delta, E, F, MAX_MUTATIONS, STATS, Shape, ShapeCache, cached, expect,
    pick,
};
use arbitrary::Arbitrary;
use circuits::Circuit;
use prover::gkr::{self, PreparedCircuit, ZkArgs, ZkLayout};
use prover::zk::MaskedProof;
use prover::{Statement, Transparent, TransparentOpening, VerifyError};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::Ordering;

type Wire = MaskedProof<E, TransparentOpening<F>>;

/// A change to a masked proof's values.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum MaskedMutation {
    /// The inner product's `σ`.
    Sigma(Delta),
    /// The inner product's stated table value `Z̃(r*)`.
    TableValue(Delta),
    /// One evaluation of one inner-product round.
    InnerRound(u8, u8, Delta),
    /// Drop the inner product's last round.
    DropInnerRound,
    /// A layer's `vx`.
    Vx(u8, Delta),
    /// A layer's `vy` (layers with mul gates).
    Vy(u8, Delta),
    /// One evaluation of one phase-1 round of a layer.
    Phase1(u8, u8, u8, Delta),
    /// Byte edits of the encoding.
    Bytes(ByteEdit),
}

/// The target's input.
#[derive(Arbitrary, Debug)]
pub struct MaskedInput {
    /// The honest case.
    pub shape: Shape,
    /// The first mutation (there is always one).
    pub first: MaskedMutation,
    /// More mutations (up to [`MAX_MUTATIONS`] in all).
    pub more: Vec<MaskedMutation>,
}

struct MaskedCase {
    circuit: Circuit,
    layout: ZkLayout,
    data: Data,
    outputs: Vec<F>,
    proof: Wire,
    bytes: Vec<u8>,
}

thread_local! {
    static CACHE: ShapeCache<MaskedCase> = RefCell::new(HashMap::new());
}

impl MaskedCase {
    fn get(shape: &Shape) -> Option<Rc<MaskedCase>> {
        cached(&CACHE, shape, 1024, || MaskedCase::new(shape))
    }

    fn new(shape: &Shape) -> Option<MaskedCase> {
        let seed = u64::from(shape.seed);
        let original = circuits::random::circuit(&shape.spec(), seed);
        let (circuit, layout) = circuits::zk::with_noise(&original, 2).ok()?;
        let data = Data::random(&circuit, seed);
        let prepared = PreparedCircuit::new(&circuit).ok()?;
        let cw =
            gkr::commit_weights::<F, E, Transparent>(&Transparent, &circuit, &data.weights).ok()?;
        let ((proof, outputs), inner) = gkr::prove_masked::<F, E, Transparent>(
            &Transparent,
            &prepared,
            cw.as_ref(),
            &data.witness(),
            CONTEXT,
            ZkArgs {
                layout,
                seed: &[seed as u8; 32],
            },
        )
        .ok()?;
        let proof = MaskedProof {
            proof,
            inner,
            stock: None,
            links: Vec::new(),
        };
        let case = MaskedCase {
            bytes: proof.to_bytes(),
            circuit,
            layout,
            data,
            outputs,
            proof,
        };
        if let Err(e) = case.verify(&case.bytes) {
            panic!("COMPLETENESS: honest masked proof rejected: {e}\nshape {shape:?}");
        }
        Some(case)
    }

    fn verify(&self, bytes: &[u8]) -> Result<(), VerifyError> {
        let p = Wire::from_bytes(bytes)?;
        // Links belong to chained proofs only (`prover::zk::chain`); masked GKR ignores
        // them, so a proof re-encoded with links is not this proof.
        if !p.links.is_empty() {
            return Err(VerifyError::Chain("links on a proof outside a chain"));
        }
        let prepared = PreparedCircuit::new(&self.circuit).map_err(VerifyError::from)?;
        let weights = prover::transparent_weights_commitment(&self.circuit, &self.data.weights);
        let st = Statement {
            public: &self.data.public,
            outputs: &self.outputs,
            context: CONTEXT,
            weights_commitment: weights.as_ref(),
        };
        gkr::verify_masked::<F, E, Transparent>(
            &Transparent,
            &prepared,
            &st,
            &p.proof,
            self.layout,
            &p.inner,
        )
    }
}

fn apply(p: &mut Wire, m: MaskedMutation) {
    let n_layers = p.proof.layers.len();
    match m {
        MaskedMutation::Sigma(d) => p.inner.sigma = d.ext(p.inner.sigma),
        MaskedMutation::TableValue(d) => p.inner.z_value = d.ext(p.inner.z_value),
        MaskedMutation::InnerRound(r, i, d) => {
            if let Some(r) = pick(r, p.inner.rounds.len()) {
                let round = &mut p.inner.rounds[r].0;
                if let Some(i) = pick(i, round.len()) {
                    round[i] = d.ext(round[i]);
                }
            }
        }
        MaskedMutation::DropInnerRound => {
            p.inner.rounds.pop();
        }
        MaskedMutation::Vx(l, d) => {
            if let Some(l) = pick(l, n_layers) {
                let layer = &mut p.proof.layers[l];
                layer.vx = d.ext(layer.vx);
            }
        }
        MaskedMutation::Vy(l, d) => {
            if let Some(l) = pick(l, n_layers)
                && let Some(p2) = p.proof.layers[l].phase2.as_mut()
            {
                p2.vy = d.ext(p2.vy);
            }
        }
        MaskedMutation::Phase1(l, r, i, d) => {
            if let Some(l) = pick(l, n_layers) {
                let rounds = &mut p.proof.layers[l].phase1;
                if let Some(r) = pick(r, rounds.len()) {
                    let round = &mut rounds[r].0;
                    if let Some(i) = pick(i, round.len()) {
                        round[i] = d.ext(round[i]);
                    }
                }
            }
        }
        MaskedMutation::Bytes(_) => {}
    }
}

/// `mutate_masked_proof`: mutated honest masked proofs are rejected; nothing panics.
pub fn run_masked(input: &MaskedInput) {
    STATS.tick("mutate_masked_proof");
    let Some(case) = MaskedCase::get(&input.shape) else {
        STATS.skipped.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let muts: Vec<MaskedMutation> = std::iter::once(input.first)
        .chain(input.more.iter().copied())
        .take(MAX_MUTATIONS)
        .collect();
    let mut proof = case.proof.clone();
    for &m in &muts {
        apply(&mut proof, m);
    }
    let mut bytes = proof.to_bytes();
    for &m in &muts {
        if let MaskedMutation::Bytes(b) = m {
            b.apply(&mut bytes, &[]);
        }
    }
    let changed = bytes != case.bytes;
    expect(changed, case.verify(&bytes), case.circuit.depth(), || {
        format!("masked proof\nshape {:?}\nmutations {muts:?}", input.shape)
    });
}
