//! Structured fuzzing of lamina's verifier: mutate honest proofs, circuits and statements.
//!
//! Random bytes rarely get past the proof decoder, and never past the first sumcheck
//! round. These targets start from an *honest* case — a small random circuit from
//! [`circuits::random`] (weights, private and public regions; mul, add and constant
//! gates; challenge coefficients on some shapes), a random witness and its proof — and
//! apply a fuzzer-chosen list of mutations: to proof elements (a round evaluation, `vx`,
//! `vy`, an opening value, a commitment; rounds, layers and phases swapped, dropped or
//! duplicated; parts spliced from a second honest proof), to the circuit (a gate's
//! coefficient, slot or source; regions, widths, counts, public outputs, layers), to the
//! statement (public inputs, outputs, context, expected weights commitment), and byte
//! edits of the encodings at structured positions.
//!
//! **Property.** Nothing panics, and every mutation that changes the bytes of the proof,
//! the circuit encoding or the statement is rejected: by the decoder or by the verifier.
//! The proof's transcript binds the circuit digest and the whole statement, so acceptance
//! after any real change is a soundness failure, and the targets panic with the case.
//! (The one exception is exact: a proof byte-identical to the second honest proof, when
//! that proof is for the same statement, is a valid proof.)
//!
//! On mutated circuits the targets also prove with a fresh witness: the verifier must
//! accept what the prover makes (completeness on odd shapes), the proof must fail on the
//! original circuit, and when the prover refuses because a now-constraint output slot is
//! nonzero, the proof forced out by `prove_unchecked` must be rejected.
//!
//! **How far it gets.** With `LAMINA_FUZZ_STATS` set, a target prints at exit (and, if
//! the value is a number `N`, every `N` runs) where the verifier rejected: decoding,
//! shape checks, the sumcheck of the i-th layer proof (output first), or the input layer
//! (openings and the final claim); and how many inputs were left unchanged by their
//! mutations, refused as circuits, or used for the completeness and cheating checks.

pub mod chain;
pub mod masked;
pub mod whir;
pub mod zk;

use arbitrary::Arbitrary;
use circuits::random::{self, Spec};
use circuits::{AddGate, Circuit, Coeff, ConstGate, ConstSource, MulGate, RegionKind};
use prover::commit::Digest;
use prover::proof::Phase2Proof;
use prover::sumcheck::RoundPoly;
use prover::{
    Field, Goldilocks, GoldilocksExt2, ProveError, Statement, Transparent, TransparentProof,
    VerifyError, Witness,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Base field.
pub type F = Goldilocks;
/// Challenge field.
pub type E = GoldilocksExt2;

/// Mutations applied per input, at most.
pub const MAX_MUTATIONS: usize = 4;
/// Mutated circuits wider than this (`log_width`, any layer) are not verified: the
/// verifier's work follows the circuit, which is trusted input, so a huge width is a
/// slow case, not a finding.
pub const MAX_FUZZ_LOG_WIDTH: u8 = 12;
/// Context of every honest proof.
pub const CONTEXT: &[u8] = b"lamina-fuzz";

// ---------------------------------------------------------------------------------------
// Shapes and honest cases

/// The shape of a small random circuit, reduced into sane ranges.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    seed: u16,
    depth: u8,
    widths: [u8; 5],
    fan_in: u8,
    mul: u8,
    constant: u8,
    public: u8,
    challenges: u8,
    zero_outputs: u8,
    alternate: bool,
}

impl Shape {
    /// The generator's spec: depth 1..=4, input `log_width` 2..=5, layers 1..=5, up to
    /// four public inputs, challenges on a quarter of the shapes.
    pub fn spec(&self) -> Spec {
        let depth = 1 + usize::from(self.depth % 4);
        let log_widths = (0..=depth)
            .map(|i| {
                if i == 0 {
                    2 + self.widths[0] % 4
                } else {
                    1 + self.widths[i] % 5
                }
            })
            .collect();
        Spec {
            log_widths,
            fan_in: 1 + u32::from(self.fan_in % 3),
            mul_percent: u64::from(self.mul % 101),
            const_percent: u64::from(self.constant % 101),
            num_public: u32::from(self.public % 5),
            alternate_add_only: self.alternate,
            num_challenges: if self.challenges % 4 == 3 {
                1 + u32::from((self.challenges / 4) % 2)
            } else {
                0
            },
            zero_outputs: u32::from(self.zero_outputs % 3),
            blocks: Vec::new(),
            gate_span: false,
        }
    }
}

/// Witness vectors sized for a circuit.
#[derive(Clone, Debug)]
pub struct Data {
    /// Public input.
    pub public: Vec<F>,
    /// Weights.
    pub weights: Vec<F>,
    /// Private values.
    pub private: Vec<F>,
}

fn field_values(n: usize, seed: u64) -> Vec<F> {
    random::values(n, seed)
        .into_iter()
        .map(F::from_u64)
        .collect()
}

impl Data {
    /// Random values sized for `c`.
    pub fn random(c: &Circuit, seed: u64) -> Data {
        Data {
            public: field_values(c.num_public as usize, seed ^ 1),
            weights: field_values(c.input.len_of(RegionKind::Weights), seed ^ 2),
            private: field_values(c.input.len_of(RegionKind::Private), seed ^ 3),
        }
    }
    /// The prover's view.
    pub fn witness(&self) -> Witness<'_, F> {
        Witness {
            public: &self.public,
            weights: &self.weights,
            private: &self.private,
        }
    }
}

/// The commitment the verifier expects for these weights: the real one when the circuit
/// has a weights region, `None` otherwise.
pub fn weights_commitment(c: &Circuit, weights: &[F]) -> Option<Digest> {
    prover::transparent_weights_commitment(c, weights)
}

/// An honest case: circuit, witness, proof, and a second honest proof (same public input
/// and weights, other private values) to splice from.
#[derive(Debug)]
pub struct Case {
    /// The circuit.
    pub circuit: Circuit,
    /// Its canonical encoding.
    pub circuit_bytes: Vec<u8>,
    /// The witness.
    pub data: Data,
    /// The honest proof.
    pub proof: TransparentProof,
    /// Its encoding.
    pub proof_bytes: Vec<u8>,
    /// The outputs it proves.
    pub outputs: Vec<F>,
    /// The expected weights commitment.
    pub weights_commitment: Option<Digest>,
    /// A second honest proof on other private values.
    pub other: TransparentProof,
    /// Its encoding.
    pub other_bytes: Vec<u8>,
    /// Whether the second proof proves the same outputs (then it is valid for this
    /// statement too).
    pub other_same_statement: bool,
}

/// A per-thread cache of honest cases by shape (`None`: the shape was refused).
pub(crate) type ShapeCache<V> = RefCell<HashMap<Shape, Option<Rc<V>>>>;

/// The cached case of `shape`, or `make`'s (cached); the cache is cleared when it holds
/// `cap` entries.
pub(crate) fn cached<V>(
    cache: &'static std::thread::LocalKey<ShapeCache<V>>,
    shape: &Shape,
    cap: usize,
    make: impl FnOnce() -> Option<V>,
) -> Option<Rc<V>> {
    if let Some(hit) = cache.with(|c| c.borrow().get(shape).cloned()) {
        return hit;
    }
    let case = make().map(Rc::new);
    cache.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= cap {
            c.clear();
        }
        c.insert(*shape, case.clone());
    });
    case
}

thread_local! {
    static CACHE: ShapeCache<Case> = RefCell::new(HashMap::new());
}

impl Case {
    /// The honest case of a shape (cached), or `None` if the generator's circuit is
    /// refused by the prover (counted as skipped).
    pub fn get(shape: &Shape) -> Option<Rc<Case>> {
        let case = cached(&CACHE, shape, 4096, || Case::new(shape));
        if case.is_none() {
            STATS.skipped.fetch_add(1, Ordering::Relaxed);
        }
        case
    }

    fn new(shape: &Shape) -> Option<Case> {
        let seed = u64::from(shape.seed);
        let circuit = random::circuit(&shape.spec(), seed);
        let data = Data::random(&circuit, seed);
        let (proof, outputs) =
            prover::prove_transparent(&circuit, &data.witness(), CONTEXT).ok()?;
        let mut other_data = data.clone();
        other_data.private = field_values(other_data.private.len(), seed ^ 0x5eed);
        let (other, other_outputs) =
            prover::prove_transparent(&circuit, &other_data.witness(), CONTEXT).ok()?;
        let weights_commitment = weights_commitment(&circuit, &data.weights);
        let case = Case {
            circuit_bytes: circuit.to_bytes(),
            proof_bytes: proof.to_bytes(),
            other_bytes: other.to_bytes(),
            other_same_statement: other_outputs == outputs,
            circuit,
            data,
            proof,
            outputs,
            weights_commitment,
            other,
        };
        // The honest case verifies, in memory and from bytes.
        let st = case.statement();
        if let Err(e) = prover::verify_transparent_bytes(&case.circuit, &st, &case.proof_bytes) {
            panic!("COMPLETENESS: honest proof rejected: {e}\nshape {shape:?}");
        }
        Some(case)
    }

    /// The honest statement (with the real weights commitment when there are weights).
    pub fn statement(&self) -> Statement<'_, F> {
        Statement {
            public: &self.data.public,
            outputs: &self.outputs,
            context: CONTEXT,
            weights_commitment: self.weights_commitment.as_ref(),
        }
    }
}

fn too_wide(c: &Circuit) -> bool {
    c.input.log_width > MAX_FUZZ_LOG_WIDTH
        || c.layers.iter().any(|l| l.log_width > MAX_FUZZ_LOG_WIDTH)
}

// ---------------------------------------------------------------------------------------
// Where the verifier rejected, and counters

/// How far verification got before rejecting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The proof bytes did not decode.
    Decode,
    /// A length, count or commitment check before any sumcheck.
    Shape,
    /// The sumcheck (or its final check) of this layer proof, 0 = the output layer's.
    Layer(usize),
    /// Every layer proof passed; the openings or the input claim failed.
    Input,
}

/// The stage a verification error comes from, for a circuit of `depth` layers.
pub fn stage(err: &VerifyError, depth: usize) -> Stage {
    match err {
        VerifyError::Decode(_) => Stage::Decode,
        VerifyError::Phase2Shape { layer, .. }
        | VerifyError::Sumcheck { layer, .. }
        | VerifyError::LayerFinal { layer, .. } => Stage::Layer(depth.saturating_sub(*layer)),
        // The masked proof's inner product runs after every layer, beside the openings.
        VerifyError::Opening { .. }
        | VerifyError::InputClaim { .. }
        | VerifyError::ZkInnerProduct(_)
        | VerifyError::ZkTableValue => Stage::Input,
        _ => Stage::Shape,
    }
}

/// Global counters (the fuzzer runs one input at a time).
pub struct Stats {
    runs: AtomicU64,
    skipped: AtomicU64,
    unchanged: AtomicU64,
    refused: AtomicU64,
    too_wide: AtomicU64,
    // decode, shape, layer 0, layer 1, layer 2, layer >= 3, input
    stage: [AtomicU64; 7],
    completeness: AtomicU64,
    cheats: AtomicU64,
}

/// The counters.
pub static STATS: Stats = Stats {
    runs: AtomicU64::new(0),
    skipped: AtomicU64::new(0),
    unchanged: AtomicU64::new(0),
    refused: AtomicU64::new(0),
    too_wide: AtomicU64::new(0),
    stage: [const { AtomicU64::new(0) }; 7],
    completeness: AtomicU64::new(0),
    cheats: AtomicU64::new(0),
};

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl Stats {
    fn record(&self, s: Stage) {
        let i = match s {
            Stage::Decode => 0,
            Stage::Shape => 1,
            Stage::Layer(l) => 2 + l.min(3),
            Stage::Input => 6,
        };
        bump(&self.stage[i]);
    }

    /// One line: runs and where rejections happened.
    pub fn line(&self, target: &str) -> String {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let st: Vec<u64> = self.stage.iter().map(g).collect();
        let rejected: u64 = st.iter().sum();
        let pct = |n: u64| 100.0 * n as f64 / rejected.max(1) as f64;
        let deep = st[3] + st[4] + st[5] + st[6];
        format!(
            "[{target}] runs {} skipped {} unchanged {} circuit-refused {} too-wide {} \
             verified-rejections {rejected}: decode {:.1}% shape {:.1}% layer0 {:.1}% \
             layer1 {:.1}% layer2 {:.1}% layer3+ {:.1}% input {:.1}% | past the first \
             layer proof {:.1}% | completeness checks {} cheating proofs {}",
            g(&self.runs),
            g(&self.skipped),
            g(&self.unchanged),
            g(&self.refused),
            g(&self.too_wide),
            pct(st[0]),
            pct(st[1]),
            pct(st[2]),
            pct(st[3]),
            pct(st[4]),
            pct(st[5]),
            pct(st[6]),
            pct(deep),
            g(&self.completeness),
            g(&self.cheats),
        )
    }

    fn tick(&self, target: &'static str) {
        let n = self.runs.fetch_add(1, Ordering::Relaxed) + 1;
        let every = *EVERY.get_or_init(|| {
            let v = std::env::var("LAMINA_FUZZ_STATS").ok();
            if v.is_some() {
                let _ = TARGET.set(target);
                at_exit();
            }
            v.and_then(|v| v.parse().ok()).unwrap_or(0)
        });
        if every > 0 && n.is_multiple_of(every) {
            eprintln!("{}", self.line(target));
        }
    }
}

static EVERY: OnceLock<u64> = OnceLock::new();
static TARGET: OnceLock<&'static str> = OnceLock::new();

/// libFuzzer ends a timed run with `exit()`: print the counters then.
fn at_exit() {
    extern "C" fn print() {
        eprintln!("{}", STATS.line(TARGET.get().copied().unwrap_or("fuzz")));
    }
    unsafe extern "C" {
        fn atexit(f: extern "C" fn()) -> i32;
    }
    // SAFETY: registers a plain function with the C runtime; `print` only reads atomics.
    unsafe {
        atexit(print);
    }
}

/// Checks the property: `res` is `Ok` exactly when nothing changed.
fn expect(
    changed: bool,
    res: Result<(), VerifyError>,
    depth: usize,
    what: impl FnOnce() -> String,
) {
    match (changed, res) {
        (true, Ok(())) => panic!("SOUNDNESS: a changed input verified\n{}", what()),
        (false, Err(e)) => panic!(
            "COMPLETENESS: an unchanged input was rejected: {e}\n{}",
            what()
        ),
        (true, Err(e)) => STATS.record(stage(&e, depth)),
        (false, Ok(())) => bump(&STATS.unchanged),
    }
}

// ---------------------------------------------------------------------------------------
// Small value mutations

/// The first mutation and the rest, at most [`MAX_MUTATIONS`].
fn mutations<'a, M>(first: &'a M, more: &'a [M]) -> Vec<&'a M> {
    std::iter::once(first)
        .chain(more)
        .take(MAX_MUTATIONS)
        .collect()
}

fn pick(i: impl Into<usize>, len: usize) -> Option<usize> {
    (len > 0).then(|| i.into() % len)
}

/// A change to a field element.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Delta {
    /// `+1`.
    One,
    /// `−1`.
    MinusOne,
    /// Plus a small integer.
    Small(i16),
    /// Plus a base-field element.
    Base(u64),
    /// Plus an extension element (two coordinates).
    Ext(u64, u64),
    /// Set to zero.
    Zero,
    /// Negate.
    Negate,
    /// Double.
    Double,
}

fn ext(a: u64, b: u64) -> E {
    let mut w = circuits::codec::Writer::new();
    w.u64(a % circuits::GOLDILOCKS_P);
    w.u64(b % circuits::GOLDILOCKS_P);
    let bytes = w.into_bytes();
    E::decode(&mut circuits::codec::Reader::new(&bytes)).unwrap_or(E::ONE)
}

impl Delta {
    /// Applied to an extension element.
    pub fn ext(self, v: E) -> E {
        match self {
            Delta::One => v + E::ONE,
            Delta::MinusOne => v - E::ONE,
            Delta::Small(s) => v + E::from_i64(i64::from(s)),
            Delta::Base(b) => v + E::from_u64(b),
            Delta::Ext(a, b) => v + ext(a, b),
            Delta::Zero => E::ZERO,
            Delta::Negate => -v,
            Delta::Double => v.double(),
        }
    }
    /// Applied to a base element.
    pub fn base(self, v: F) -> F {
        match self {
            Delta::One => v + F::ONE,
            Delta::MinusOne => v - F::ONE,
            Delta::Small(s) => v + F::from_i64(i64::from(s)),
            Delta::Base(b) | Delta::Ext(b, _) => v + F::from_u64(b),
            Delta::Zero => F::ZERO,
            Delta::Negate => -v,
            Delta::Double => v.double(),
        }
    }
}

/// A byte-level edit of an encoding. `Field*` variants aim at one encoded field (a field
/// element, a count, a flag, a commitment) of the honest layout.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum ByteEdit {
    /// XOR a byte anywhere.
    Xor {
        /// Position (modulo the length).
        at: u32,
        /// Mask (0 becomes 1).
        mask: u8,
    },
    /// XOR a byte inside one structured field.
    FieldXor {
        /// Which field.
        field: u16,
        /// Byte within it.
        byte: u8,
        /// Mask (0 becomes 1).
        mask: u8,
    },
    /// Overwrite a structured field with `0xff…` (a non-canonical element, a huge count).
    FieldMax {
        /// Which field.
        field: u16,
    },
    /// Overwrite a structured field's first bytes with a little-endian `u32`.
    FieldU32 {
        /// Which field.
        field: u16,
        /// Value.
        value: u32,
    },
    /// Insert a byte.
    Insert {
        /// Position.
        at: u32,
        /// Byte.
        byte: u8,
    },
    /// Remove a byte.
    Remove {
        /// Position.
        at: u32,
    },
    /// Truncate.
    Truncate {
        /// New length (modulo the length).
        at: u32,
    },
    /// Append bytes.
    Append {
        /// Byte.
        byte: u8,
        /// How many (1..=32).
        count: u8,
    },
}

impl ByteEdit {
    fn is_field(&self) -> bool {
        matches!(
            self,
            ByteEdit::FieldXor { .. } | ByteEdit::FieldMax { .. } | ByteEdit::FieldU32 { .. }
        )
    }

    /// Applies the edit; `fields` are `(offset, len)` spans of the honest layout (empty:
    /// structured edits fall back to plain positions).
    pub fn apply(&self, bytes: &mut Vec<u8>, fields: &[(usize, usize)]) {
        let n = bytes.len();
        let span = |field: u16| -> Option<(usize, usize)> {
            let (o, l) = if fields.is_empty() {
                (pick(field, n)?, 1)
            } else {
                fields[pick(field, fields.len())?]
            };
            (o < n).then(|| (o, l.min(n - o)))
        };
        match *self {
            ByteEdit::Xor { at, mask } => {
                if let Some(i) = pick(at as usize, n) {
                    bytes[i] ^= mask.max(1);
                }
            }
            ByteEdit::FieldXor { field, byte, mask } => {
                if let Some((o, l)) = span(field) {
                    bytes[o + usize::from(byte) % l] ^= mask.max(1);
                }
            }
            ByteEdit::FieldMax { field } => {
                if let Some((o, l)) = span(field) {
                    bytes[o..o + l].fill(0xff);
                }
            }
            ByteEdit::FieldU32 { field, value } => {
                if let Some((o, l)) = span(field) {
                    let v = value.to_le_bytes();
                    let k = l.min(4);
                    bytes[o..o + k].copy_from_slice(&v[..k]);
                }
            }
            ByteEdit::Insert { at, byte } => {
                let i = at as usize % (n + 1);
                bytes.insert(i, byte);
            }
            ByteEdit::Remove { at } => {
                if let Some(i) = pick(at as usize, n) {
                    bytes.remove(i);
                }
            }
            ByteEdit::Truncate { at } => {
                if let Some(i) = pick(at as usize, n) {
                    bytes.truncate(i);
                }
            }
            ByteEdit::Append { byte, count } => {
                bytes.extend(std::iter::repeat_n(byte, 1 + usize::from(count % 32)));
            }
        }
    }
}

/// `(offset, len)` of every field of an encoded proof: header, counts, commitments, round
/// evaluations, `vx`/`vy`, phase-2 flags, opening values.
pub fn proof_fields(p: &TransparentProof) -> Vec<(usize, usize)> {
    let (eb, fb) = (<E as Field>::ENCODED_BYTES, <F as Field>::ENCODED_BYTES);
    let mut out = Vec::new();
    let mut at = 0usize;
    let mut push = |len: usize| {
        out.push((at, len));
        at += len;
    };
    push(4); // magic
    push(4); // version
    push(4);
    for _ in &p.commitments {
        push(32);
    }
    push(4);
    let rounds = |push: &mut dyn FnMut(usize), rs: &[RoundPoly<E>]| {
        push(4);
        for r in rs {
            push(4);
            for _ in &r.0 {
                push(eb);
            }
        }
    };
    for l in &p.layers {
        rounds(&mut push, &l.phase1);
        push(eb);
        push(1);
        if let Some(p2) = &l.phase2 {
            rounds(&mut push, &p2.rounds);
            push(eb);
        }
    }
    push(4);
    for o in &p.openings {
        push(4);
        for _ in &o.values {
            push(fb);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Proof mutations

/// A part of the second honest proof to splice into the first.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum SplicePart {
    /// A whole layer proof.
    Layer,
    /// One phase-1 round.
    Phase1Round(u8),
    /// The phase-2 proof.
    Phase2,
    /// `vx`.
    Vx,
    /// All commitments.
    Commitments,
    /// All openings.
    Openings,
    /// One opening.
    Opening(u8),
}

/// One mutation of an honest proof.
#[derive(Arbitrary, Debug, Clone)]
pub enum ProofMutation {
    /// Change one round evaluation.
    Eval {
        /// Layer proof (output first).
        layer: u8,
        /// Phase 2 instead of phase 1.
        phase2: bool,
        /// Round.
        round: u8,
        /// Evaluation index.
        eval: u8,
        /// Change.
        delta: Delta,
    },
    /// Add `δ` to `p(0)` and subtract it from `p(1)`: the round sum still matches.
    KeepSum {
        /// Layer proof.
        layer: u8,
        /// Phase 2.
        phase2: bool,
        /// Round.
        round: u8,
        /// Change.
        delta: Delta,
    },
    /// Change `vx`.
    Vx {
        /// Layer proof.
        layer: u8,
        /// Change.
        delta: Delta,
    },
    /// Change `vy`.
    Vy {
        /// Layer proof.
        layer: u8,
        /// Change.
        delta: Delta,
    },
    /// Change one opened value.
    Opening {
        /// Opening.
        region: u8,
        /// Value.
        index: u16,
        /// Change.
        delta: Delta,
    },
    /// XOR one byte of a commitment.
    Commitment {
        /// Commitment.
        index: u8,
        /// Byte.
        byte: u8,
        /// Mask (0 becomes 1).
        mask: u8,
    },
    /// Swap two rounds of a phase.
    SwapRounds {
        /// Layer proof.
        layer: u8,
        /// Phase 2.
        phase2: bool,
        /// Round.
        a: u8,
        /// Round.
        b: u8,
    },
    /// Swap two evaluations of a round.
    SwapEvals {
        /// Layer proof.
        layer: u8,
        /// Phase 2.
        phase2: bool,
        /// Round.
        round: u8,
        /// Evaluation.
        a: u8,
        /// Evaluation.
        b: u8,
    },
    /// Drop a round.
    DropRound {
        /// Layer proof.
        layer: u8,
        /// Phase 2.
        phase2: bool,
        /// Round.
        round: u8,
    },
    /// Duplicate a round.
    DuplicateRound {
        /// Layer proof.
        layer: u8,
        /// Phase 2.
        phase2: bool,
        /// Round.
        round: u8,
    },
    /// Append an evaluation to a round (degree too high).
    PushEval {
        /// Layer proof.
        layer: u8,
        /// Phase 2.
        phase2: bool,
        /// Round.
        round: u8,
    },
    /// Drop a round's last evaluation.
    PopEval {
        /// Layer proof.
        layer: u8,
        /// Phase 2.
        phase2: bool,
        /// Round.
        round: u8,
    },
    /// Swap two layer proofs.
    SwapLayers {
        /// Layer proof.
        a: u8,
        /// Layer proof.
        b: u8,
    },
    /// Duplicate a layer proof.
    DuplicateLayer {
        /// Layer proof.
        layer: u8,
    },
    /// Drop a layer proof.
    DropLayer {
        /// Layer proof.
        layer: u8,
    },
    /// Remove phase 2, or add one copied from phase 1.
    TogglePhase2 {
        /// Layer proof.
        layer: u8,
    },
    /// Exchange phase 1 and phase 2 (rounds and `vx`/`vy`).
    SwapPhases {
        /// Layer proof.
        layer: u8,
    },
    /// Swap the commitments.
    SwapCommitments,
    /// Swap the openings.
    SwapOpenings,
    /// Drop an opening's last value.
    PopOpeningValue {
        /// Opening.
        region: u8,
    },
    /// Append a value to an opening.
    PushOpeningValue {
        /// Opening.
        region: u8,
        /// Value.
        value: u64,
    },
    /// Replace a part with the second honest proof's.
    Splice {
        /// What.
        part: SplicePart,
        /// Layer proof (where relevant).
        layer: u8,
    },
    /// A byte edit of the encoded proof (applied after the structured mutations).
    Bytes(ByteEdit),
}

type Rounds = Vec<RoundPoly<E>>;

fn rounds_mut(p: &mut TransparentProof, layer: u8, phase2: bool) -> Option<&mut Rounds> {
    let l = pick(layer, p.layers.len())?;
    let lp = &mut p.layers[l];
    if phase2 {
        lp.phase2.as_mut().map(|p2| &mut p2.rounds)
    } else {
        Some(&mut lp.phase1)
    }
}

fn round_mut(p: &mut TransparentProof, layer: u8, phase2: bool, round: u8) -> Option<&mut Vec<E>> {
    let rs = rounds_mut(p, layer, phase2)?;
    let r = pick(round, rs.len())?;
    Some(&mut rs[r].0)
}

/// Applies a structured mutation (byte edits are applied by the caller, to the encoding).
pub fn apply_proof(p: &mut TransparentProof, other: &TransparentProof, m: &ProofMutation) {
    use ProofMutation as M;
    match *m {
        M::Eval {
            layer,
            phase2,
            round,
            eval,
            delta,
        } => {
            if let Some(evals) = round_mut(p, layer, phase2, round)
                && let Some(i) = pick(eval, evals.len())
            {
                evals[i] = delta.ext(evals[i]);
            }
        }
        M::KeepSum {
            layer,
            phase2,
            round,
            delta,
        } => {
            if let Some(evals) = round_mut(p, layer, phase2, round)
                && evals.len() >= 2
            {
                let d = delta.ext(evals[0]) - evals[0];
                evals[0] += d;
                evals[1] -= d;
            }
        }
        M::Vx { layer, delta } => {
            if let Some(l) = pick(layer, p.layers.len()) {
                p.layers[l].vx = delta.ext(p.layers[l].vx);
            }
        }
        M::Vy { layer, delta } => {
            if let Some(l) = pick(layer, p.layers.len())
                && let Some(p2) = p.layers[l].phase2.as_mut()
            {
                p2.vy = delta.ext(p2.vy);
            }
        }
        M::Opening {
            region,
            index,
            delta,
        } => {
            if let Some(o) = pick(region, p.openings.len())
                && let Some(i) = pick(index, p.openings[o].values.len())
            {
                let v = &mut p.openings[o].values[i];
                *v = delta.base(*v);
            }
        }
        M::Commitment { index, byte, mask } => {
            if let Some(i) = pick(index, p.commitments.len()) {
                p.commitments[i][usize::from(byte) % 32] ^= mask.max(1);
            }
        }
        M::SwapRounds {
            layer,
            phase2,
            a,
            b,
        } => {
            if let Some(rs) = rounds_mut(p, layer, phase2)
                && let (Some(a), Some(b)) = (pick(a, rs.len()), pick(b, rs.len()))
            {
                rs.swap(a, b);
            }
        }
        M::SwapEvals {
            layer,
            phase2,
            round,
            a,
            b,
        } => {
            if let Some(evals) = round_mut(p, layer, phase2, round)
                && let (Some(a), Some(b)) = (pick(a, evals.len()), pick(b, evals.len()))
            {
                evals.swap(a, b);
            }
        }
        M::DropRound {
            layer,
            phase2,
            round,
        } => {
            if let Some(rs) = rounds_mut(p, layer, phase2)
                && let Some(r) = pick(round, rs.len())
            {
                rs.remove(r);
            }
        }
        M::DuplicateRound {
            layer,
            phase2,
            round,
        } => {
            if let Some(rs) = rounds_mut(p, layer, phase2)
                && let Some(r) = pick(round, rs.len())
            {
                let dup = rs[r].clone();
                rs.insert(r, dup);
            }
        }
        M::PushEval {
            layer,
            phase2,
            round,
        } => {
            if let Some(evals) = round_mut(p, layer, phase2, round) {
                evals.push(E::ZERO);
            }
        }
        M::PopEval {
            layer,
            phase2,
            round,
        } => {
            if let Some(evals) = round_mut(p, layer, phase2, round) {
                evals.pop();
            }
        }
        M::SwapLayers { a, b } => {
            let n = p.layers.len();
            if let (Some(a), Some(b)) = (pick(a, n), pick(b, n)) {
                p.layers.swap(a, b);
            }
        }
        M::DuplicateLayer { layer } => {
            if let Some(l) = pick(layer, p.layers.len()) {
                let dup = p.layers[l].clone();
                p.layers.insert(l, dup);
            }
        }
        M::DropLayer { layer } => {
            if let Some(l) = pick(layer, p.layers.len()) {
                p.layers.remove(l);
            }
        }
        M::TogglePhase2 { layer } => {
            if let Some(l) = pick(layer, p.layers.len()) {
                let lp = &mut p.layers[l];
                lp.phase2 = match lp.phase2.take() {
                    Some(_) => None,
                    None => Some(Phase2Proof {
                        rounds: lp.phase1.clone(),
                        vy: lp.vx,
                    }),
                };
            }
        }
        M::SwapPhases { layer } => {
            if let Some(l) = pick(layer, p.layers.len()) {
                let lp = &mut p.layers[l];
                if let Some(p2) = lp.phase2.as_mut() {
                    std::mem::swap(&mut lp.phase1, &mut p2.rounds);
                    std::mem::swap(&mut lp.vx, &mut p2.vy);
                }
            }
        }
        M::SwapCommitments => p.commitments.reverse(),
        M::SwapOpenings => p.openings.reverse(),
        M::PopOpeningValue { region } => {
            if let Some(o) = pick(region, p.openings.len()) {
                p.openings[o].values.pop();
            }
        }
        M::PushOpeningValue { region, value } => {
            if let Some(o) = pick(region, p.openings.len()) {
                p.openings[o].values.push(F::from_u64(value));
            }
        }
        M::Splice { part, layer } => splice(p, other, part, layer),
        M::Bytes(_) => {}
    }
}

fn splice(p: &mut TransparentProof, other: &TransparentProof, part: SplicePart, layer: u8) {
    let l = pick(layer, p.layers.len().min(other.layers.len()));
    match (part, l) {
        (SplicePart::Layer, Some(l)) => p.layers[l] = other.layers[l].clone(),
        (SplicePart::Phase1Round(r), Some(l)) => {
            let n = p.layers[l].phase1.len().min(other.layers[l].phase1.len());
            if let Some(r) = pick(r, n) {
                p.layers[l].phase1[r] = other.layers[l].phase1[r].clone();
            }
        }
        (SplicePart::Phase2, Some(l)) => p.layers[l].phase2 = other.layers[l].phase2.clone(),
        (SplicePart::Vx, Some(l)) => p.layers[l].vx = other.layers[l].vx,
        (SplicePart::Commitments, _) => p.commitments = other.commitments.clone(),
        (SplicePart::Openings, _) => p.openings = other.openings.clone(),
        (SplicePart::Opening(i), _) => {
            if let Some(i) = pick(i, p.openings.len().min(other.openings.len())) {
                p.openings[i] = other.openings[i].clone();
            }
        }
        _ => {}
    }
}

/// Input of `mutate_proof`.
#[derive(Arbitrary, Debug)]
pub struct ProofInput {
    /// The honest case.
    pub shape: Shape,
    /// The first mutation (there is always one).
    pub first: ProofMutation,
    /// More mutations (up to [`MAX_MUTATIONS`] in all).
    pub more: Vec<ProofMutation>,
}

/// `mutate_proof`: mutated honest proofs are rejected, unless byte-identical to a valid
/// proof.
pub fn run_proof(input: &ProofInput) {
    STATS.tick("mutate_proof");
    let Some(case) = Case::get(&input.shape) else {
        return;
    };
    let mut p = case.proof.clone();
    let muts = mutations(&input.first, &input.more);
    for &m in &muts {
        apply_proof(&mut p, &case.other, m);
    }
    // Structured byte edits aim at the fields of the (structurally mutated) proof.
    let fields = proof_fields(&p);
    let mut bytes = p.to_bytes();
    for &m in &muts {
        if let ProofMutation::Bytes(b) = m {
            b.apply(&mut bytes, if b.is_field() { &fields } else { &[] });
        }
    }
    let valid =
        bytes == case.proof_bytes || (case.other_same_statement && bytes == case.other_bytes);
    let res = prover::verify_transparent_bytes(&case.circuit, &case.statement(), &bytes);
    expect(!valid, res, case.circuit.depth(), || {
        format!("shape {:?}\nmutations {muts:?}", input.shape)
    });
}

// ---------------------------------------------------------------------------------------
// Circuit mutations

/// Gate kind.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum GateKind {
    /// Mul.
    Mul,
    /// Add.
    Add,
    /// Constant.
    Const,
}

/// A change to a coefficient.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum CoeffChange {
    /// Add to the integer (or the challenge factor).
    Add(i64),
    /// Set an integer.
    Set(i64),
    /// Negate the integer.
    Negate,
    /// Reference a challenge.
    Challenge(u8),
    /// A challenge times an integer.
    ChallengeTimes(u8, i64),
    /// Keep only the integer part (drop a challenge).
    Int,
}

impl CoeffChange {
    fn apply(self, c: Coeff) -> Coeff {
        match (self, c) {
            (CoeffChange::Add(d), Coeff::Int(v)) => Coeff::Int(v.wrapping_add(d)),
            (CoeffChange::Add(d), Coeff::ChallengeTimes(i, v)) => {
                Coeff::ChallengeTimes(i, v.wrapping_add(d))
            }
            (CoeffChange::Add(d), Coeff::Challenge(i)) => Coeff::ChallengeTimes(i, d),
            (CoeffChange::Set(v), _) => Coeff::Int(v),
            (CoeffChange::Negate, Coeff::Int(v)) => Coeff::Int(v.wrapping_neg()),
            (CoeffChange::Negate, Coeff::ChallengeTimes(i, v)) => {
                Coeff::ChallengeTimes(i, v.wrapping_neg())
            }
            (CoeffChange::Negate, Coeff::Challenge(i)) => Coeff::ChallengeTimes(i, -1),
            (CoeffChange::Challenge(i), _) => Coeff::Challenge(u32::from(i % 4)),
            (CoeffChange::ChallengeTimes(i, v), _) => Coeff::ChallengeTimes(u32::from(i % 4), v),
            (CoeffChange::Int, Coeff::ChallengeTimes(_, v)) => Coeff::Int(v),
            (CoeffChange::Int, Coeff::Challenge(_)) => Coeff::ONE,
            (CoeffChange::Int, c @ Coeff::Int(_)) => c,
        }
    }
}

/// A change to an index (slot, offset, length, count).
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum IndexChange {
    /// `+1`.
    Next,
    /// `−1`.
    Prev,
    /// Flip a bit.
    Xor(u8),
    /// Any value.
    Set(u32),
    /// A value in range (modulo the bound, when there is one).
    InRange(u32),
}

impl IndexChange {
    fn apply(self, v: u32, bound: u32) -> u32 {
        match self {
            IndexChange::Next => v.wrapping_add(1),
            IndexChange::Prev => v.wrapping_sub(1),
            IndexChange::Xor(b) => v ^ (1 << (b % 32)),
            IndexChange::Set(x) => x,
            IndexChange::InRange(x) => x % bound.max(1),
        }
    }
}

/// Which region field.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum RegionField {
    /// Kind tag.
    Kind,
    /// Offset.
    Offset,
    /// `log_len`.
    LogLen,
    /// `len`.
    Len,
}

/// One mutation of an honest circuit.
#[derive(Arbitrary, Debug, Clone)]
pub enum CircuitMutation {
    /// Change a gate's coefficient.
    Coeff {
        /// Layer (modulo depth).
        layer: u8,
        /// Gate kind.
        kind: GateKind,
        /// Gate.
        gate: u16,
        /// Change.
        change: CoeffChange,
    },
    /// Change one of a gate's slots (`which`: out, first input, second input).
    Slot {
        /// Layer.
        layer: u8,
        /// Gate kind.
        kind: GateKind,
        /// Gate.
        gate: u16,
        /// Slot.
        which: u8,
        /// Change.
        change: IndexChange,
    },
    /// Change a constant gate's source.
    Source {
        /// Layer.
        layer: u8,
        /// Gate.
        gate: u16,
        /// `None`: one; `Some(i)`: public input `i`.
        public: Option<u8>,
    },
    /// Add a gate with in-range slots.
    AddGate {
        /// Layer.
        layer: u8,
        /// Kind.
        kind: GateKind,
        /// Slots (reduced modulo the widths).
        slots: [u32; 3],
        /// Integer coefficient.
        coeff: i64,
    },
    /// Remove a gate.
    RemoveGate {
        /// Layer.
        layer: u8,
        /// Kind.
        kind: GateKind,
        /// Gate.
        gate: u16,
    },
    /// Swap two gates of one kind (same semantics, other encoding).
    SwapGates {
        /// Layer.
        layer: u8,
        /// Kind.
        kind: GateKind,
        /// Gate.
        a: u16,
        /// Gate.
        b: u16,
    },
    /// Change a layer's `log_width` (layer 0 is the input).
    Width {
        /// Layer (modulo depth + 1).
        layer: u8,
        /// Change (the result stays in 0..=31).
        delta: i8,
    },
    /// Change a region field.
    Region {
        /// Region.
        region: u8,
        /// Field.
        field: RegionField,
        /// Change.
        change: IndexChange,
    },
    /// Remove a region.
    RemoveRegion {
        /// Region.
        region: u8,
    },
    /// Change `num_public`.
    NumPublic(IndexChange),
    /// Change `num_challenges`.
    NumChallenges(IndexChange),
    /// Change a public-output slot.
    PublicOutput {
        /// Position.
        index: u8,
        /// Change.
        change: IndexChange,
    },
    /// Append a public-output slot.
    PushPublicOutput(u32),
    /// Drop a public output (its slot becomes a constraint slot).
    RemovePublicOutput(u8),
    /// Swap two public outputs.
    SwapPublicOutputs(u8, u8),
    /// Swap two layers.
    SwapLayers(u8, u8),
    /// Duplicate a layer.
    DuplicateLayer(u8),
    /// Remove a layer.
    RemoveLayer(u8),
    /// A byte edit of the encoding (applied after the structured mutations).
    Bytes(ByteEdit),
}

fn gate_count(l: &circuits::Layer, kind: GateKind) -> usize {
    match kind {
        GateKind::Mul => l.mul.len(),
        GateKind::Add => l.add.len(),
        GateKind::Const => l.constant.len(),
    }
}

/// Applies a structured mutation to a circuit (byte edits are the caller's).
pub fn apply_circuit(c: &mut Circuit, m: &CircuitMutation) {
    use CircuitMutation as M;
    let depth = c.layers.len();
    let widths = |c: &Circuit, k: usize| -> (u32, u32) {
        let w = |lw: u8| 1u32.checked_shl(u32::from(lw)).unwrap_or(u32::MAX);
        let prev = if k == 0 {
            c.input.log_width
        } else {
            c.layers[k - 1].log_width
        };
        (w(c.layers[k].log_width), w(prev))
    };
    match *m {
        M::Coeff {
            layer,
            kind,
            gate,
            change,
        } => {
            let Some(k) = pick(layer, depth) else { return };
            let l = &mut c.layers[k];
            let Some(g) = pick(gate, gate_count(l, kind)) else {
                return;
            };
            let coeff = match kind {
                GateKind::Mul => &mut l.mul[g].coeff,
                GateKind::Add => &mut l.add[g].coeff,
                GateKind::Const => &mut l.constant[g].coeff,
            };
            *coeff = change.apply(*coeff);
        }
        M::Slot {
            layer,
            kind,
            gate,
            which,
            change,
        } => {
            let Some(k) = pick(layer, depth) else { return };
            let (out_w, in_w) = widths(c, k);
            let l = &mut c.layers[k];
            let Some(g) = pick(gate, gate_count(l, kind)) else {
                return;
            };
            let (slot, bound) = match (kind, which % 3) {
                (GateKind::Mul, 0) => (&mut l.mul[g].out, out_w),
                (GateKind::Mul, 1) => (&mut l.mul[g].in0, in_w),
                (GateKind::Mul, _) => (&mut l.mul[g].in1, in_w),
                (GateKind::Add, 0) => (&mut l.add[g].out, out_w),
                (GateKind::Add, _) => (&mut l.add[g].input, in_w),
                (GateKind::Const, _) => (&mut l.constant[g].out, out_w),
            };
            *slot = change.apply(*slot, bound);
        }
        M::Source {
            layer,
            gate,
            public,
        } => {
            let Some(k) = pick(layer, depth) else { return };
            let np = c.num_public;
            let l = &mut c.layers[k];
            let Some(g) = pick(gate, l.constant.len()) else {
                return;
            };
            l.constant[g].source = match public {
                None => ConstSource::One,
                Some(i) => ConstSource::Public(u32::from(i) % np.max(1)),
            };
        }
        M::AddGate {
            layer,
            kind,
            slots,
            coeff,
        } => {
            let Some(k) = pick(layer, depth) else { return };
            let (out_w, in_w) = widths(c, k);
            let l = &mut c.layers[k];
            let (out, a, b) = (slots[0] % out_w, slots[1] % in_w, slots[2] % in_w);
            let coeff = Coeff::Int(coeff);
            match kind {
                GateKind::Mul => l.mul.push(MulGate {
                    out,
                    in0: a,
                    in1: b,
                    coeff,
                }),
                GateKind::Add => l.add.push(AddGate {
                    out,
                    input: a,
                    coeff,
                }),
                GateKind::Const => l.constant.push(ConstGate {
                    out,
                    coeff,
                    source: ConstSource::One,
                }),
            }
        }
        M::RemoveGate { layer, kind, gate } => {
            let Some(k) = pick(layer, depth) else { return };
            let l = &mut c.layers[k];
            let Some(g) = pick(gate, gate_count(l, kind)) else {
                return;
            };
            match kind {
                GateKind::Mul => {
                    l.mul.remove(g);
                }
                GateKind::Add => {
                    l.add.remove(g);
                }
                GateKind::Const => {
                    l.constant.remove(g);
                }
            }
        }
        M::SwapGates { layer, kind, a, b } => {
            let Some(k) = pick(layer, depth) else { return };
            let l = &mut c.layers[k];
            let n = gate_count(l, kind);
            let (Some(a), Some(b)) = (pick(a, n), pick(b, n)) else {
                return;
            };
            match kind {
                GateKind::Mul => l.mul.swap(a, b),
                GateKind::Add => l.add.swap(a, b),
                GateKind::Const => l.constant.swap(a, b),
            }
        }
        M::Width { layer, delta } => {
            let Some(k) = pick(layer, depth + 1) else {
                return;
            };
            let lw = if k == 0 {
                &mut c.input.log_width
            } else {
                &mut c.layers[k - 1].log_width
            };
            let v = i16::from(*lw) + i16::from(delta);
            if (0..=31).contains(&v) {
                *lw = v as u8;
            }
        }
        M::Region {
            region,
            field,
            change,
        } => {
            let Some(i) = pick(region, c.input.regions.len()) else {
                return;
            };
            let width = 1u32
                .checked_shl(u32::from(c.input.log_width))
                .unwrap_or(u32::MAX);
            let r = &mut c.input.regions[i];
            match field {
                RegionField::Kind => {
                    let tag = change.apply(r.kind as u32, 3) % 3;
                    r.kind = [RegionKind::Public, RegionKind::Weights, RegionKind::Private]
                        [tag as usize];
                }
                RegionField::Offset => r.offset = change.apply(r.offset, width),
                RegionField::LogLen => {
                    r.log_len = change.apply(u32::from(r.log_len), 32) as u8;
                }
                RegionField::Len => {
                    let span = 1u32.checked_shl(u32::from(r.log_len)).unwrap_or(u32::MAX);
                    r.len = change.apply(r.len, span.saturating_add(1));
                }
            }
        }
        M::RemoveRegion { region } => {
            if let Some(i) = pick(region, c.input.regions.len()) {
                c.input.regions.remove(i);
            }
        }
        M::NumPublic(change) => c.num_public = change.apply(c.num_public, 8),
        M::NumChallenges(change) => c.num_challenges = change.apply(c.num_challenges, 4),
        M::PublicOutput { index, change } => {
            let out_w = 1u32 << c.output_log_width().min(31);
            if let Some(i) = pick(index, c.public_outputs.len()) {
                c.public_outputs[i] = change.apply(c.public_outputs[i], out_w);
            }
        }
        M::PushPublicOutput(s) => {
            let out_w = 1u32 << c.output_log_width().min(31);
            c.public_outputs.push(s % out_w);
        }
        M::RemovePublicOutput(i) => {
            if let Some(i) = pick(i, c.public_outputs.len()) {
                c.public_outputs.remove(i);
            }
        }
        M::SwapPublicOutputs(a, b) => {
            let n = c.public_outputs.len();
            if let (Some(a), Some(b)) = (pick(a, n), pick(b, n)) {
                c.public_outputs.swap(a, b);
            }
        }
        M::SwapLayers(a, b) => {
            if let (Some(a), Some(b)) = (pick(a, depth), pick(b, depth)) {
                c.layers.swap(a, b);
            }
        }
        M::DuplicateLayer(k) => {
            if let Some(k) = pick(k, depth) {
                let dup = c.layers[k].clone();
                c.layers.insert(k, dup);
            }
        }
        M::RemoveLayer(k) => {
            if let Some(k) = pick(k, depth) {
                c.layers.remove(k);
            }
        }
        M::Bytes(_) => {}
    }
}

/// Input of `mutate_circuit`.
#[derive(Arbitrary, Debug)]
pub struct CircuitInput {
    /// The honest case.
    pub shape: Shape,
    /// The first mutation (there is always one).
    pub first: CircuitMutation,
    /// More mutations (up to [`MAX_MUTATIONS`] in all).
    pub more: Vec<CircuitMutation>,
}

/// `mutate_circuit`: a mutated circuit that still decodes rejects the honest proof; and
/// on it, the prover's proofs verify, fail on the original circuit, and a proof forced
/// out of an unsatisfied witness is rejected.
pub fn run_circuit(input: &CircuitInput) {
    STATS.tick("mutate_circuit");
    let Some(case) = Case::get(&input.shape) else {
        return;
    };
    let muts = mutations(&input.first, &input.more);
    let mut c = case.circuit.clone();
    for &m in &muts {
        apply_circuit(&mut c, m);
    }
    let mut bytes = c.to_bytes();
    for &m in &muts {
        if let CircuitMutation::Bytes(b) = m {
            b.apply(&mut bytes, &[]);
        }
    }
    let changed = bytes != case.circuit_bytes;
    let what = || format!("shape {:?}\nmutations {muts:?}", input.shape);
    let c2 = match Circuit::from_bytes(&bytes) {
        Ok(c2) => c2,
        Err(e) => {
            assert!(
                changed,
                "the honest circuit does not decode: {e}\n{}",
                what()
            );
            bump(&STATS.refused);
            return;
        }
    };
    if too_wide(&c2) {
        bump(&STATS.too_wide);
        return;
    }
    let res = prover::verify_transparent(&c2, &case.statement(), &case.proof);
    expect(changed, res, c2.depth(), what);
    if changed {
        prove_on_mutated(&case, &c2, &what);
    }
}

fn prove_on_mutated(case: &Case, c2: &Circuit, what: &dyn Fn() -> String) {
    let slots = c2.layers.iter().map(|l| l.width()).sum::<usize>() + c2.input.regions.len();
    if slots > 1 << 14 || c2.num_public > 1 << 10 {
        return;
    }
    let data = Data::random(c2, 77);
    let wc = weights_commitment(c2, &data.weights);
    let st = |outputs| Statement {
        public: &data.public,
        outputs,
        context: CONTEXT,
        weights_commitment: wc.as_ref(),
    };
    match prover::prove_transparent(c2, &data.witness(), CONTEXT) {
        Ok((p2, out)) => {
            bump(&STATS.completeness);
            if let Err(e) = prover::verify_transparent(c2, &st(&out), &p2) {
                panic!(
                    "COMPLETENESS: an honest proof on the mutated circuit was rejected: {e}\n{}",
                    what()
                );
            }
            let bytes = p2.to_bytes();
            if let Err(e) = prover::verify_transparent_bytes(c2, &st(&out), &bytes) {
                panic!(
                    "COMPLETENESS: an honest proof on the mutated circuit was rejected after encoding: {e}\n{}",
                    what()
                );
            }
            if prover::verify_transparent(&case.circuit, &st(&out), &p2).is_ok() {
                panic!(
                    "SOUNDNESS: a proof for the mutated circuit verified on the original\n{}",
                    what()
                );
            }
        }
        Err(ProveError::Unsatisfied { .. }) => {
            // A constraint slot is nonzero: the proof the prover would not make must fail.
            let forced = prover::gkr::prove_unchecked::<F, E, Transparent>(
                &Transparent,
                c2,
                &data.witness(),
                CONTEXT,
            );
            if let Ok((p2, out)) = forced {
                bump(&STATS.cheats);
                if prover::verify_transparent(c2, &st(&out), &p2).is_ok() {
                    panic!(
                        "SOUNDNESS: a proof of an unsatisfied witness verified\n{}",
                        what()
                    );
                }
            }
        }
        Err(_) => {}
    }
}

// ---------------------------------------------------------------------------------------
// Statement mutations

/// What the expected weights commitment becomes.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum WeightsChange {
    /// `None`.
    Absent,
    /// The real one with one byte flipped (or an arbitrary one without weights).
    Flip {
        /// Byte.
        byte: u8,
        /// Mask (0 becomes 1).
        mask: u8,
    },
    /// The private region's commitment.
    Private,
    /// All zeros.
    Zero,
}

/// One mutation of the honest statement.
#[derive(Arbitrary, Debug, Clone)]
pub enum StatementMutation {
    /// Change a public input.
    Public {
        /// Index.
        index: u8,
        /// Change.
        delta: Delta,
    },
    /// Append a public input.
    PushPublic(u64),
    /// Drop the last public input.
    PopPublic,
    /// Swap two public inputs.
    SwapPublic(u8, u8),
    /// Change a claimed output.
    Output {
        /// Index.
        index: u8,
        /// Change.
        delta: Delta,
    },
    /// Append an output.
    PushOutput(u64),
    /// Drop the last output.
    PopOutput,
    /// Swap two outputs.
    SwapOutputs(u8, u8),
    /// Edit the context bytes.
    Context(ByteEdit),
    /// Replace the context.
    SetContext(Vec<u8>),
    /// Change the expected weights commitment.
    Weights(WeightsChange),
}

/// Input of `mutate_statement`.
#[derive(Arbitrary, Debug)]
pub struct StatementInput {
    /// The honest case.
    pub shape: Shape,
    /// The first mutation (there is always one).
    pub first: StatementMutation,
    /// More mutations (up to [`MAX_MUTATIONS`] in all).
    pub more: Vec<StatementMutation>,
}

/// A canonical byte form of a statement, to tell whether a mutation changed it.
pub fn statement_bytes(st: &Statement<'_, F>) -> Vec<u8> {
    let mut w = circuits::codec::Writer::new();
    w.length(st.public.len());
    for v in st.public {
        v.encode(&mut w);
    }
    w.length(st.outputs.len());
    for v in st.outputs {
        v.encode(&mut w);
    }
    w.length(st.context.len());
    w.bytes(st.context);
    match st.weights_commitment {
        None => w.u8(0),
        Some(d) => {
            w.u8(1);
            w.bytes(d);
        }
    }
    w.into_bytes()
}

/// `mutate_statement`: the honest proof fails for any other statement.
pub fn run_statement(input: &StatementInput) {
    STATS.tick("mutate_statement");
    let Some(case) = Case::get(&input.shape) else {
        return;
    };
    let muts = mutations(&input.first, &input.more);
    let mut public = case.data.public.clone();
    let mut outputs = case.outputs.clone();
    let mut context = CONTEXT.to_vec();
    let mut weights = case.weights_commitment;
    let private_commitment = case.proof.commitments.last().copied();
    for &m in &muts {
        use StatementMutation as M;
        match m {
            M::Public { index, delta } => {
                if let Some(i) = pick(*index, public.len()) {
                    public[i] = delta.base(public[i]);
                }
            }
            M::PushPublic(v) => public.push(F::from_u64(*v)),
            M::PopPublic => {
                public.pop();
            }
            M::SwapPublic(a, b) => {
                if let (Some(a), Some(b)) = (pick(*a, public.len()), pick(*b, public.len())) {
                    public.swap(a, b);
                }
            }
            M::Output { index, delta } => {
                if let Some(i) = pick(*index, outputs.len()) {
                    outputs[i] = delta.base(outputs[i]);
                }
            }
            M::PushOutput(v) => outputs.push(F::from_u64(*v)),
            M::PopOutput => {
                outputs.pop();
            }
            M::SwapOutputs(a, b) => {
                if let (Some(a), Some(b)) = (pick(*a, outputs.len()), pick(*b, outputs.len())) {
                    outputs.swap(a, b);
                }
            }
            M::Context(edit) => edit.apply(&mut context, &[]),
            M::SetContext(v) => context = v.iter().copied().take(256).collect(),
            M::Weights(change) => {
                weights = match change {
                    WeightsChange::Absent => None,
                    WeightsChange::Flip { byte, mask } => {
                        let mut d = weights.unwrap_or([7; 32]);
                        d[usize::from(*byte) % 32] ^= (*mask).max(1);
                        Some(d)
                    }
                    WeightsChange::Private => private_commitment,
                    WeightsChange::Zero => Some([0; 32]),
                }
            }
        }
    }
    let st = Statement {
        public: &public,
        outputs: &outputs,
        context: &context,
        weights_commitment: weights.as_ref(),
    };
    let changed = statement_bytes(&st) != statement_bytes(&case.statement());
    let res = prover::verify_transparent(&case.circuit, &st, &case.proof);
    expect(changed, res, case.circuit.depth(), || {
        format!("shape {:?}\nmutations {muts:?}", input.shape)
    });
}
