//! Deterministic mutations of honest WHIR proofs (the in-`cargo test` companion of the
//! `mutate_whir_proof` fuzz target): byte flips over the whole encoding, truncations,
//! appended bytes and statement changes. Each must be rejected — by the decoder or the
//! verifier — and nothing may panic.
//!
//! WHIR proofs are tens of KB, so not every bit is flipped: every bit of the GKR part
//! (everything before the first opening) and of each opening's first 64 bytes (version,
//! counts, evaluations, the first sumcheck messages), then one bit of every third byte
//! everywhere else (Merkle digests, queried rows, later messages), rotating the bit with
//! the position so every bit position is hit. Bounded: about 15 s in test builds on the
//! shared 2-core machine.

use circuits::random::{self, Spec};
use circuits::{Circuit, RegionKind};
use prover::{Field, Goldilocks, Statement, WhirCommittedWeights};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

type F = Goldilocks;
const CONTEXT: &[u8] = b"whir-mutations";

struct Case {
    circuit: Circuit,
    public: Vec<F>,
    outputs: Vec<F>,
    weights: WhirCommittedWeights,
    bytes: Vec<u8>,
}

impl Case {
    fn new(spec: &Spec, seed: u64) -> Case {
        let mut circuit = random::circuit(spec, seed);
        // WHIR refuses circuits reading a committed region's padding: fill the spans.
        for r in &mut circuit.input.regions {
            if r.kind.is_committed() {
                r.len = 1 << r.log_len;
            }
        }
        for kind in [RegionKind::Public, RegionKind::Weights, RegionKind::Private] {
            assert!(circuit.input.region(kind).is_some());
        }
        let v = |n: usize, s: u64| -> Vec<F> {
            random::values(n, s).into_iter().map(F::from_u64).collect()
        };
        let public = v(circuit.num_public as usize, seed ^ 1);
        let w = v(circuit.input.len_of(RegionKind::Weights), seed ^ 2);
        let private = v(circuit.input.len_of(RegionKind::Private), seed ^ 3);
        let weights = prover::whir_commit_weights(&circuit, &w).unwrap().unwrap();
        let witness = prover::Witness {
            public: &public,
            weights: &w,
            private: &private,
        };
        let (proof, outputs) =
            prover::prove_whir(&circuit, Some(&weights), &witness, CONTEXT).unwrap();
        Case {
            bytes: proof.to_bytes(),
            circuit,
            public,
            outputs,
            weights,
        }
    }
    fn statement(&self) -> Statement<'_, F> {
        Statement {
            public: &self.public,
            outputs: &self.outputs,
            context: CONTEXT,
            weights_commitment: Some(self.weights.digest()),
        }
    }
    fn check(&self, what: &dyn Fn() -> String, bytes: &[u8], st: &Statement<'_, F>) {
        let r = catch_unwind(AssertUnwindSafe(|| {
            prover::verify_whir_bytes(&self.circuit, st, bytes)
        }))
        .unwrap_or_else(|_| panic!("panicked: {}", what()));
        assert!(r.is_err(), "accepted: {}", what());
    }
}

fn case() -> Case {
    Case::new(
        &Spec {
            log_widths: vec![10, 8, 7, 6],
            fan_in: 2,
            mul_percent: 50,
            const_percent: 30,
            num_public: 3,
            alternate_add_only: true,
            num_challenges: 0,
            zero_outputs: 1,
            blocks: Vec::new(),
            gate_span: false,
        },
        17,
    )
}

/// Where each opening starts in the encoding (the tail holds the two openings).
fn opening_starts(c: &Case) -> Vec<usize> {
    let proof = prover::WhirProof::from_bytes(&c.bytes).unwrap();
    let sizes: Vec<usize> = proof.openings.iter().map(|o| o.encoded_len()).collect();
    let mut at = c.bytes.len() - sizes.iter().sum::<usize>();
    sizes
        .iter()
        .map(|s| {
            let start = at;
            at += s;
            start
        })
        .collect()
}

#[test]
fn byte_flips_of_whir_proofs_are_rejected() {
    let c = case();
    let st = c.statement();
    prover::verify_whir_bytes(&c.circuit, &st, &c.bytes).unwrap();
    let starts = opening_starts(&c);
    let every_bit = |i: usize| i < starts[0] || starts.iter().any(|&s| i >= s && i < s + 64);
    let t = Instant::now();
    let mut n = 0usize;
    let mut bytes = c.bytes.clone();
    for i in 0..bytes.len() {
        let bits: Vec<u8> = if every_bit(i) {
            (0..8).collect()
        } else if i % 3 == 0 {
            vec![((i / 3) % 8) as u8]
        } else {
            continue;
        };
        for b in bits {
            bytes[i] ^= 1 << b;
            c.check(
                &|| format!("flip byte {i} bit {b} of {}", c.bytes.len()),
                &bytes,
                &st,
            );
            bytes[i] ^= 1 << b;
            n += 1;
        }
    }
    eprintln!(
        "{n} flips of a {}-byte proof (openings at {starts:?}) in {:.1} s",
        c.bytes.len(),
        t.elapsed().as_secs_f64()
    );
    assert!(n > c.bytes.len());
}

#[test]
fn truncations_and_appended_bytes_are_rejected() {
    let c = case();
    let st = c.statement();
    let len = c.bytes.len();
    for cut in (0..len).step_by(7).chain([len - 1]) {
        c.check(&|| format!("truncated to {cut}"), &c.bytes[..cut], &st);
    }
    for extra in [&[0u8][..], &[0, 0, 0, 0], &[0xff; 9]] {
        let mut b = c.bytes.clone();
        b.extend_from_slice(extra);
        c.check(&|| format!("{} bytes appended", extra.len()), &b, &st);
    }
    // Each opening dropped or duplicated (the openings are the proof's tail).
    let starts = opening_starts(&c);
    let mut b = c.bytes[..starts[1]].to_vec();
    b.extend_from_slice(&c.bytes[starts[0]..starts[1]]);
    c.check(
        &|| "weights opening in place of the private one".into(),
        &b,
        &st,
    );
}

#[test]
fn statement_changes_are_rejected() {
    let c = case();
    let base = c.statement();
    let mut public = c.public.clone();
    for i in 0..public.len() {
        public[i] += F::ONE;
        c.check(
            &|| format!("public {i}"),
            &c.bytes,
            &Statement {
                public: &public,
                ..base
            },
        );
        public[i] -= F::ONE;
    }
    let mut outputs = c.outputs.clone();
    for i in 0..outputs.len() {
        outputs[i] += F::ONE;
        c.check(
            &|| format!("output {i}"),
            &c.bytes,
            &Statement {
                outputs: &outputs,
                ..base
            },
        );
        outputs[i] -= F::ONE;
    }
    c.check(
        &|| "context".into(),
        &c.bytes,
        &Statement {
            context: b"whir-mutationz",
            ..base
        },
    );
    let mut digest = *c.weights.digest();
    for i in 0..32 {
        digest[i] ^= 1;
        c.check(
            &|| format!("weights commitment byte {i}"),
            &c.bytes,
            &Statement {
                weights_commitment: Some(&digest),
                ..base
            },
        );
        digest[i] ^= 1;
    }
    c.check(
        &|| "no weights commitment".into(),
        &c.bytes,
        &Statement {
            weights_commitment: None,
            ..base
        },
    );
}
