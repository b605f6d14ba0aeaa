//! Structured fuzzing of WHIR-committed proofs: an honest WHIR proof (default
//! configuration: Ext3 challenges) of a small random circuit (some with in-circuit
//! challenges), then fuzzer-chosen
//! mutations of its openings — stated evaluations, sumcheck messages, out-of-domain
//! answers, round roots, proof-of-work witnesses, queried rows, Merkle siblings, the final
//! polynomial, counts (rounds, rows, answers dropped or duplicated), openings swapped,
//! commitments changed or nulled — and byte edits of the encoding.
//!
//! **Property.** Nothing panics, and every mutation that changes the proof bytes is
//! rejected, by the decoder or the verifier.

use crate::{ByteEdit, CONTEXT, Delta, F, MAX_MUTATIONS, bump, field_values, pick};
use arbitrary::Arbitrary;
use circuits::random::{self, Spec};
use circuits::{Circuit, RegionKind};
use p3_multilinear_util::poly::Poly;
use p3_sumcheck::OpeningBatch;
use p3_symmetric::MerkleCap;
use p3_whir::QueryOpenings;
use prover::{Field, GoldilocksExt3, Statement, WhirCommittedWeights, WhirProof};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::AtomicU64;

type E3 = GoldilocksExt3;

/// Runs and outcomes of the WHIR target.
pub static WHIR_RUNS: AtomicU64 = AtomicU64::new(0);
/// Inputs whose mutations left the bytes unchanged.
pub static WHIR_UNCHANGED: AtomicU64 = AtomicU64::new(0);

pub(crate) fn delta3(d: Delta, v: E3) -> E3 {
    match d {
        Delta::One => v + E3::ONE,
        Delta::MinusOne => v - E3::ONE,
        Delta::Small(s) => v + E3::from_i64(i64::from(s)),
        Delta::Base(b) => v + E3::from_u64(b),
        Delta::Ext(a, b) => {
            let mut bytes = [0u8; 48];
            bytes[..8].copy_from_slice(&a.to_le_bytes());
            bytes[16..24].copy_from_slice(&b.to_le_bytes());
            bytes[32..40].copy_from_slice(&(a ^ b).to_le_bytes());
            v + E3::from_uniform_bytes(&bytes)
        }
        Delta::Zero => E3::ZERO,
        Delta::Negate => -v,
        Delta::Double => v.double(),
    }
}

/// Which part of a WHIR proof's sumchecks.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Phase {
    /// The initial folding sumcheck.
    Initial,
    /// A round's sumcheck.
    Round(u8),
    /// The closing sumcheck.
    Final,
}

/// One structured mutation of a WHIR proof.
#[derive(Arbitrary, Debug, Clone)]
pub enum WhirMutation {
    /// A stated evaluation.
    Evaluation {
        region: bool,
        point: u8,
        delta: Delta,
    },
    /// A sumcheck message coordinate.
    Sumcheck {
        region: bool,
        phase: Phase,
        round: u8,
        which: bool,
        delta: Delta,
    },
    /// An out-of-domain answer (initial or a round's).
    Ood {
        region: bool,
        round: Option<u8>,
        index: u8,
        delta: Delta,
    },
    /// A round's Merkle root.
    RoundRoot {
        region: bool,
        round: u8,
        byte: u8,
        mask: u8,
    },
    /// A proof-of-work witness (a round's or the final one).
    Pow {
        region: bool,
        round: Option<u8>,
        value: u64,
    },
    /// A queried row value (a round's or the final queries).
    Row {
        region: bool,
        round: Option<u8>,
        row: u16,
        index: u8,
        delta: Delta,
    },
    /// A Merkle sibling digest byte.
    Sibling {
        region: bool,
        round: Option<u8>,
        index: u16,
        byte: u8,
        mask: u8,
    },
    /// Two queried rows swapped.
    SwapRows {
        region: bool,
        round: Option<u8>,
        a: u16,
        b: u16,
    },
    /// A final-polynomial evaluation.
    FinalPoly {
        region: bool,
        index: u8,
        delta: Delta,
    },
    /// A round removed or duplicated.
    Rounds { region: bool, drop: bool },
    /// A queried row or a sibling removed or duplicated.
    Count {
        region: bool,
        round: Option<u8>,
        rows: bool,
        drop: bool,
    },
    /// The two openings swapped.
    SwapOpenings,
    /// A commitment byte.
    Commitment { region: bool, byte: u8, mask: u8 },
    /// A commitment nulled.
    NullCommitment { region: bool },
    /// The opening replaced by the other honest proof's.
    Splice { region: bool },
}

/// The fuzzer's input: a case and the mutations.
#[derive(Arbitrary, Debug)]
pub struct WhirInput {
    /// Picks the honest case.
    pub seed: u8,
    /// Structured mutations.
    pub mutations: Vec<WhirMutation>,
    /// Byte edits of the encoded proof, after the structured ones.
    pub edits: Vec<ByteEdit>,
}

/// An honest WHIR case.
pub struct WhirCase {
    circuit: Circuit,
    public: Vec<F>,
    outputs: Vec<F>,
    weights: WhirCommittedWeights,
    proof: WhirProof,
    bytes: Vec<u8>,
    other: WhirProof,
}

thread_local! {
    static CASES: RefCell<HashMap<u8, Rc<WhirCase>>> = RefCell::new(HashMap::new());
}

impl WhirCase {
    fn get(seed: u8) -> Rc<WhirCase> {
        let seed = seed % 4;
        if let Some(c) = CASES.with(|c| c.borrow().get(&seed).cloned()) {
            return c;
        }
        let c = Rc::new(WhirCase::new(seed));
        CASES.with(|m| m.borrow_mut().insert(seed, c.clone()));
        c
    }

    fn new(seed: u8) -> WhirCase {
        let s = u64::from(seed);
        // Seed 0 is large enough for WHIR rounds; the others exercise small regions. Odd
        // seeds draw in-circuit challenges (after both commitments are bound), seed 3 at
        // a size with WHIR rounds too.
        let log_widths = match seed {
            0 => vec![13, 11, 9],
            3 => vec![12, 10, 8],
            _ => vec![6 + seed, 5, 4, 3],
        };
        let num_challenges = if seed % 2 == 1 { u32::from(seed) } else { 0 };
        let spec = Spec {
            log_widths,
            num_public: 2,
            const_percent: 20,
            num_challenges,
            zero_outputs: if num_challenges > 0 { 2 } else { 0 },
            ..Spec::default()
        };
        let mut circuit = random::circuit(&spec, s);
        // WHIR refuses circuits reading a committed region's padding: fill the spans.
        for r in &mut circuit.input.regions {
            if r.kind.is_committed() {
                r.len = 1 << r.log_len;
            }
        }
        let public = field_values(circuit.num_public as usize, s ^ 1);
        let w = field_values(circuit.input.len_of(RegionKind::Weights), s ^ 2);
        let private = field_values(circuit.input.len_of(RegionKind::Private), s ^ 3);
        let other_private = field_values(private.len(), s ^ 4);
        let weights = prover::whir_commit_weights(&circuit, &w)
            .expect("commit")
            .expect("the random circuits have weights");
        let prove = |private: &[F]| {
            let wit = prover::Witness {
                public: &public,
                weights: &w,
                private,
            };
            prover::prove_whir(&circuit, Some(&weights), &wit, CONTEXT).expect("honest prove")
        };
        let (proof, outputs) = prove(&private);
        let (other, _) = prove(&other_private);
        let case = WhirCase {
            bytes: proof.to_bytes(),
            circuit,
            public,
            outputs,
            weights,
            proof,
            other,
        };
        if let Err(e) = prover::verify_whir_bytes(&case.circuit, &case.statement(), &case.bytes) {
            panic!("COMPLETENESS: honest WHIR proof rejected: {e}");
        }
        case
    }

    fn statement(&self) -> Statement<'_, F> {
        Statement {
            public: &self.public,
            outputs: &self.outputs,
            context: CONTEXT,
            weights_commitment: Some(self.weights.digest()),
        }
    }
}

type Wp = p3_whir::WhirProof<F, E3, prover::commit::whir::WhirMmcs>;

fn queries(
    w: &mut Wp,
    round: Option<u8>,
) -> &mut QueryOpenings<F, E3, p3_merkle_tree::PrunedMerklePaths<u8, 32>> {
    match round.and_then(|r| pick(r, w.rounds.len())) {
        Some(i) => &mut w.rounds[i].openings,
        None => &mut w.final_openings,
    }
}

fn apply(p: &mut WhirProof, other: &WhirProof, m: &WhirMutation) {
    let idx = |region: bool| usize::from(region);
    match *m {
        WhirMutation::Evaluation {
            region,
            point,
            delta,
        } => {
            let evals = &mut p.openings[idx(region)].proof.evals;
            if let Some(i) = pick(point, evals.len())
                && let Some(&v) = evals[i].current().first()
            {
                evals[i] = OpeningBatch::new(vec![delta3(delta, v)], vec![]);
            }
        }
        WhirMutation::Sumcheck {
            region,
            phase,
            round,
            which,
            delta,
        } => {
            let w = &mut p.openings[idx(region)].proof.whir;
            let data = match phase {
                Phase::Initial => Some(&mut w.initial_sumcheck),
                Phase::Round(r) => {
                    let n = w.rounds.len();
                    pick(r, n).map(|i| &mut w.rounds[i].sumcheck)
                }
                Phase::Final => w.final_sumcheck.as_mut(),
            };
            if let Some(d) = data
                && let Some(i) = pick(round, d.polynomial_evaluations.len())
            {
                let k = usize::from(which);
                d.polynomial_evaluations[i][k] = delta3(delta, d.polynomial_evaluations[i][k]);
            }
        }
        WhirMutation::Ood {
            region,
            round,
            index,
            delta,
        } => {
            let w = &mut p.openings[idx(region)].proof.whir;
            let v = match round.and_then(|r| pick(r, w.rounds.len())) {
                Some(i) => &mut w.rounds[i].ood_answers,
                None => &mut w.initial_ood_answers,
            };
            if let Some(i) = pick(index, v.len()) {
                v[i] = delta3(delta, v[i]);
            }
        }
        WhirMutation::RoundRoot {
            region,
            round,
            byte,
            mask,
        } => {
            let w = &mut p.openings[idx(region)].proof.whir;
            if let Some(i) = pick(round, w.rounds.len())
                && let Some(c) = &w.rounds[i].commitment
            {
                let mut r = c.roots()[0];
                r[usize::from(byte) % 32] ^= mask.max(1);
                w.rounds[i].commitment = Some(MerkleCap::new(vec![r]));
            }
        }
        WhirMutation::Pow {
            region,
            round,
            value,
        } => {
            let w = &mut p.openings[idx(region)].proof.whir;
            match round.and_then(|r| pick(r, w.rounds.len())) {
                Some(i) => w.rounds[i].pow_witness = F::from_u64(value),
                None => w.final_pow_witness = F::from_u64(value),
            }
        }
        WhirMutation::Row {
            region,
            round,
            row,
            index,
            delta,
        } => match queries(&mut p.openings[idx(region)].proof.whir, round) {
            QueryOpenings::Base(o) => {
                if let Some(r) = pick(row, o.rows.len())
                    && let Some(i) = pick(index, o.rows[r].len())
                {
                    o.rows[r][i] = delta.base(o.rows[r][i]);
                }
            }
            QueryOpenings::Extension(o) => {
                if let Some(r) = pick(row, o.rows.len())
                    && let Some(i) = pick(index, o.rows[r].len())
                {
                    o.rows[r][i] = delta3(delta, o.rows[r][i]);
                }
            }
        },
        WhirMutation::Sibling {
            region,
            round,
            index,
            byte,
            mask,
        } => {
            let proof = match queries(&mut p.openings[idx(region)].proof.whir, round) {
                QueryOpenings::Base(o) => &mut o.proof,
                QueryOpenings::Extension(o) => &mut o.proof,
            };
            if let Some(i) = pick(index, proof.sibling_hashes.len()) {
                proof.sibling_hashes[i][usize::from(byte) % 32] ^= mask.max(1);
            }
        }
        WhirMutation::SwapRows {
            region,
            round,
            a,
            b,
        } => match queries(&mut p.openings[idx(region)].proof.whir, round) {
            QueryOpenings::Base(o) => {
                if let (Some(a), Some(b)) = (pick(a, o.rows.len()), pick(b, o.rows.len())) {
                    o.rows.swap(a, b);
                }
            }
            QueryOpenings::Extension(o) => {
                if let (Some(a), Some(b)) = (pick(a, o.rows.len()), pick(b, o.rows.len())) {
                    o.rows.swap(a, b);
                }
            }
        },
        WhirMutation::FinalPoly {
            region,
            index,
            delta,
        } => {
            let w = &mut p.openings[idx(region)].proof.whir;
            if let Some(poly) = &w.final_poly {
                let mut v = poly.as_slice().to_vec();
                if let Some(i) = pick(index, v.len()) {
                    v[i] = delta3(delta, v[i]);
                }
                w.final_poly = Some(Poly::new(v));
            }
        }
        WhirMutation::Rounds { region, drop } => {
            let w = &mut p.openings[idx(region)].proof.whir;
            if drop {
                w.rounds.pop();
            } else if let Some(r) = w.rounds.last().cloned() {
                w.rounds.push(r);
            }
        }
        WhirMutation::Count {
            region,
            round,
            rows,
            drop,
        } => {
            let q = queries(&mut p.openings[idx(region)].proof.whir, round);
            match (q, rows) {
                (QueryOpenings::Base(o), true) => edit_vec(&mut o.rows, drop),
                (QueryOpenings::Extension(o), true) => edit_vec(&mut o.rows, drop),
                (QueryOpenings::Base(o), false) => edit_vec(&mut o.proof.sibling_hashes, drop),
                (QueryOpenings::Extension(o), false) => edit_vec(&mut o.proof.sibling_hashes, drop),
            }
        }
        WhirMutation::SwapOpenings => p.openings.swap(0, 1),
        WhirMutation::Commitment { region, byte, mask } => {
            p.commitments[idx(region)][usize::from(byte) % 32] ^= mask.max(1);
        }
        WhirMutation::NullCommitment { region } => p.commitments[idx(region)] = [0; 32],
        WhirMutation::Splice { region } => {
            p.openings[idx(region)] = other.openings[idx(region)].clone();
        }
    }
}

fn edit_vec<T: Clone>(v: &mut Vec<T>, drop: bool) {
    if drop {
        v.pop();
    } else if let Some(x) = v.last().cloned() {
        v.push(x);
    }
}

/// The `mutate_whir_proof` target.
pub fn run_whir(input: &WhirInput) {
    bump(&WHIR_RUNS);
    let case = WhirCase::get(input.seed);
    let mut proof = case.proof.clone();
    for m in input.mutations.iter().take(MAX_MUTATIONS) {
        apply(&mut proof, &case.other, m);
    }
    let mut bytes = proof.to_bytes();
    for e in input.edits.iter().take(MAX_MUTATIONS) {
        e.apply(&mut bytes, &[]);
    }
    if bytes == case.bytes {
        bump(&WHIR_UNCHANGED);
        return;
    }
    let st = case.statement();
    // In memory (the structured mutations as they are) and from the bytes.
    if input.edits.is_empty() && prover::verify_whir(&case.circuit, &st, &proof).is_ok() {
        panic!(
            "SOUNDNESS: mutated WHIR proof accepted in memory: {:?}",
            input.mutations
        );
    }
    if prover::verify_whir_bytes(&case.circuit, &st, &bytes).is_ok() {
        panic!("SOUNDNESS: mutated WHIR proof bytes accepted: {input:?}");
    }
}
