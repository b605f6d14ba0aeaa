//! Structured fuzzing of zero-knowledge proofs (issue 10): an honest `prove_zk` proof of a
//! small random circuit with weights (masked GKR, hiding WHIR openings, an entry of a
//! two-entry weights stock), then fuzzer-chosen mutations — a layer's `vx`, the inner
//! product's `σ` and table value, a stated evaluation of either hiding opening (GKR's
//! points, the mask table's, the stock's agreement point), the stock index and path, the
//! stock section dropped — and byte edits of the encoding.
//!
//! **Property.** Nothing panics, and every mutation that changes the proof bytes is
//! rejected, by the decoder or the verifier (`zk::verify_zk_bytes`).

use crate::whir::delta3;
use crate::{
    ByteEdit, CONTEXT, Delta, MAX_MUTATIONS, STATS, Shape, ShapeCache, cached, expect,
    field_values, pick,
};
use arbitrary::Arbitrary;
use circuits::RegionKind;
use prover::commit::ZkRng;
use prover::zk::{StockUse, WeightsStock, ZkCircuit, ZkProof, prove_zk, verify_zk_bytes};
use prover::{Goldilocks, Statement, VerifyError, Witness};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::Ordering;

/// A change to a zero-knowledge proof.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum ZkMutation {
    /// A layer's `vx`.
    Vx(u8, Delta),
    /// The inner product's `σ`.
    Sigma(Delta),
    /// The inner product's table value.
    TableValue(Delta),
    /// A stated evaluation of one opening (weights first, then private).
    OpeningEval(u8, u8, Delta),
    /// The stock index.
    StockIndex(u32),
    /// One byte of one sibling of the stock path.
    StockSibling(u8, u8, u8),
    /// The stock section dropped.
    DropStock,
    /// Byte edits of the encoding.
    Bytes(ByteEdit),
}

/// The target's input.
#[derive(Arbitrary, Debug)]
pub struct ZkInput {
    /// The honest case.
    pub shape: Shape,
    /// The first mutation (there is always one).
    pub first: ZkMutation,
    /// More mutations (up to [`MAX_MUTATIONS`] in all).
    pub more: Vec<ZkMutation>,
}

struct ZkCase {
    zk: ZkCircuit,
    stock: WeightsStock,
    public: Vec<Goldilocks>,
    outputs: Vec<Goldilocks>,
    depth: usize,
    proof: ZkProof,
    bytes: Vec<u8>,
}

thread_local! {
    static CACHE: ShapeCache<ZkCase> = RefCell::new(HashMap::new());
}

impl ZkCase {
    fn get(shape: &Shape) -> Option<Rc<ZkCase>> {
        cached(&CACHE, shape, 256, || ZkCase::new(shape))
    }

    fn new(shape: &Shape) -> Option<ZkCase> {
        let seed = u64::from(shape.seed);
        let original = circuits::random::circuit(&shape.spec(), seed);
        let zk = ZkCircuit::new(&original).ok()?;
        let public = field_values(original.num_public as usize, seed ^ 1);
        let weights = field_values(original.input.len_of(RegionKind::Weights), seed ^ 2);
        let private = field_values(original.input.len_of(RegionKind::Private), seed ^ 3);
        let stock = WeightsStock::build(&zk, &weights, 2, &ZkRng::Seeded([seed as u8; 32])).ok()?;
        let witness = Witness {
            public: &public,
            weights: &weights,
            private: &private,
        };
        let (proof, outputs) = prove_zk(
            &zk,
            &witness,
            CONTEXT,
            &ZkRng::Seeded([!(seed as u8); 32]),
            Some(StockUse {
                stock: &stock,
                index: 1,
            }),
        )
        .ok()?;
        let case = ZkCase {
            bytes: proof.to_bytes(),
            depth: original.depth(),
            zk,
            stock,
            public,
            outputs,
            proof,
        };
        if let Err(e) = case.verify(&case.bytes) {
            panic!("COMPLETENESS: honest zero-knowledge proof rejected: {e}\nshape {shape:?}");
        }
        Some(case)
    }

    fn verify(&self, bytes: &[u8]) -> Result<(), VerifyError> {
        let st = Statement {
            public: &self.public,
            outputs: &self.outputs,
            context: CONTEXT,
            weights_commitment: None,
        };
        verify_zk_bytes(&self.zk, &st, Some(self.stock.key()), bytes)
    }
}

fn apply(p: &mut ZkProof, m: ZkMutation) {
    match m {
        ZkMutation::Vx(l, d) => {
            if let Some(l) = pick(l, p.proof.layers.len()) {
                let layer = &mut p.proof.layers[l];
                layer.vx = delta3(d, layer.vx);
            }
        }
        ZkMutation::Sigma(d) => p.inner.sigma = delta3(d, p.inner.sigma),
        ZkMutation::TableValue(d) => p.inner.z_value = delta3(d, p.inner.z_value),
        ZkMutation::OpeningEval(o, i, d) => {
            if let Some(o) = pick(o, p.proof.openings.len()) {
                let evals = &mut p.proof.openings[o].proof.evals;
                if let Some(i) = pick(i, evals.len()) {
                    evals[i] = delta3(d, evals[i]);
                }
            }
        }
        ZkMutation::StockIndex(i) => {
            if let Some(s) = p.stock.as_mut() {
                s.index = i;
            }
        }
        ZkMutation::StockSibling(k, at, mask) => {
            if let Some(s) = p.stock.as_mut()
                && let Some(k) = pick(k, s.siblings.len())
            {
                s.siblings[k][usize::from(at) % 32] ^= mask.max(1);
            }
        }
        ZkMutation::DropStock => p.stock = None,
        ZkMutation::Bytes(_) => {}
    }
}

/// `mutate_zk_proof`: mutated honest zero-knowledge proofs are rejected; nothing panics.
pub fn run_zk(input: &ZkInput) {
    STATS.tick("mutate_zk_proof");
    let Some(case) = ZkCase::get(&input.shape) else {
        STATS.skipped.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let muts: Vec<ZkMutation> = std::iter::once(input.first)
        .chain(input.more.iter().copied())
        .take(MAX_MUTATIONS)
        .collect();
    let mut proof = case.proof.clone();
    for &m in &muts {
        apply(&mut proof, m);
    }
    let mut bytes = proof.to_bytes();
    for &m in &muts {
        if let ZkMutation::Bytes(b) = m {
            b.apply(&mut bytes, &[]);
        }
    }
    let changed = bytes != case.bytes;
    expect(changed, case.verify(&bytes), case.depth, || {
        format!(
            "zero-knowledge proof\nshape {:?}\nmutations {muts:?}",
            input.shape
        )
    });
}
