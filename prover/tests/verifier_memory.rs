//! The verifier's heap follows the circuit's gates, not its widths: peak bytes allocated
//! while decoding and verifying stay within `64 B × gates + 16 MiB`, on a sparse wide
//! layer (a handful of gates on 2^24 slots) and on an honest dense random circuit.
//!
//! A binary of its own: it installs a counting global allocator, and its tests take one
//! lock so that no other test allocates during a measurement.
#![allow(unsafe_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use circuits::random::Spec;
use circuits::{AddGate, Circuit, Coeff, InputLayout, Layer, MulGate, Region, RegionKind};
use common::{CONTEXT, Case, F};
use prover::{Field, Statement, Witness};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the wrapper only
// updates two counters.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        // SAFETY: same layout contract as our caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        // SAFETY: same layout contract as our caller's.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        // SAFETY: `p` was allocated by this allocator with layout `l`.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if new >= l.size() {
            let now = LIVE.fetch_add(new - l.size(), Relaxed) + new - l.size();
            PEAK.fetch_max(now, Relaxed);
        } else {
            LIVE.fetch_sub(l.size() - new, Relaxed);
        }
        // SAFETY: `p` was allocated by this allocator with layout `l`.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// One measurement at a time.
static LOCK: Mutex<()> = Mutex::new(());

/// Peak heap bytes above the starting level while `f` runs.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let out = f();
    (out, PEAK.load(Relaxed).saturating_sub(base))
}

/// The target: `64 B × gates + 16 MiB`.
fn budget(c: &Circuit) -> usize {
    64 * c.num_gates() + (16 << 20)
}

/// Decodes the circuit and the proof from bytes and verifies: the untrusted-input path,
/// measured as a whole.
fn verify_measured(
    circuit_bytes: &[u8],
    public: &[F],
    outputs: &[F],
    weights_commitment: Option<&prover::commit::Digest>,
    proof_bytes: &[u8],
) -> usize {
    let (res, peak) = peak_during(|| {
        let circuit = Circuit::from_bytes(circuit_bytes)?;
        let st = Statement {
            public,
            outputs,
            context: CONTEXT,
            weights_commitment,
        };
        prover::verify_transparent_bytes(&circuit, &st, proof_bytes)
    });
    res.unwrap();
    peak
}

/// Layer 1 has 2^24 slots and writes two: slot 0 (`x0·x1`) and slot 2^23 (`x0`).
/// Layer 2 reads both. The width is backed (slot 2^23 is used) but the layer is sparse.
fn sparse_circuit(log_width: u8) -> Circuit {
    let far = 1u32 << (log_width - 1);
    let mut l1 = Layer::new(log_width);
    l1.mul.push(MulGate {
        out: 0,
        in0: 0,
        in1: 1,
        coeff: Coeff::ONE,
    });
    l1.add.push(AddGate {
        out: far,
        input: 0,
        coeff: Coeff::Int(3),
    });
    let mut l2 = Layer::new(1);
    l2.add.push(AddGate {
        out: 0,
        input: far,
        coeff: Coeff::ONE,
    });
    l2.mul.push(MulGate {
        out: 1,
        in0: 0,
        in1: far,
        coeff: Coeff::Int(-2),
    });
    Circuit {
        input: InputLayout {
            log_width: 1,
            regions: vec![Region {
                kind: RegionKind::Private,
                offset: 0,
                log_len: 1,
                len: 2,
            }],
            gate_log_width: None,
        },
        layers: vec![l1, l2],
        public_outputs: vec![0, 1],
        ..Circuit::default()
    }
}

#[test]
fn sparse_wide_layer_verifies_in_bounded_memory() {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let circuit = sparse_circuit(24);
    let bytes = circuit.to_bytes();
    // Valid under the backing rules: the decoder accepts it.
    assert_eq!(Circuit::from_bytes(&bytes).unwrap(), circuit);
    let x = [F::from_u64(5), F::from_u64(7)];
    let w = Witness {
        public: &[],
        weights: &[],
        private: &x,
    };
    // The prover pays for the width; the verifier must not.
    let (proof, outputs) = prover::prove_transparent(&circuit, &w, CONTEXT).unwrap();
    assert_eq!(
        outputs,
        vec![F::from_u64(15), F::ZERO - F::from_u64(2 * 35 * 15)]
    );
    let peak = verify_measured(&bytes, &[], &outputs, None, &proof.to_bytes());
    eprintln!(
        "sparse: verifier peak {peak} B, {} gates",
        circuit.num_gates()
    );
    assert!(
        peak <= budget(&circuit),
        "verifier peak {peak} B on {} gates over 2^24 slots, budget {} B",
        circuit.num_gates(),
        budget(&circuit)
    );
}

#[test]
fn dense_random_circuit_verifies_in_bounded_memory() {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let spec = Spec {
        log_widths: vec![17, 17, 16, 16],
        fan_in: 2,
        num_public: 4,
        const_percent: 10,
        ..Spec::default()
    };
    let case = Case::new(&spec, 77);
    let peak = verify_measured(
        &case.circuit.to_bytes(),
        &case.data.public,
        &case.outputs,
        case.weights_commitment.as_ref(),
        &case.proof.to_bytes(),
    );
    eprintln!(
        "dense: verifier peak {peak} B, {} gates",
        case.circuit.num_gates()
    );
    assert!(
        peak <= budget(&case.circuit),
        "verifier peak {peak} B on {} gates, budget {} B",
        case.circuit.num_gates(),
        budget(&case.circuit)
    );
}
