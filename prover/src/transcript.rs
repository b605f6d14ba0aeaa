//! The Fiat–Shamir transcript over BLAKE3.
//!
//! * Every absorb is framed as `u64 LE label length | label | u64 LE data length | data`,
//!   so `[a,b]+[c]` never collides with `[a]+[b,c]`, and an empty absorb still counts.
//! * The state is chained: each challenge sets `state ← H(state ‖ everything absorbed
//!   since the last challenge ‖ the challenge's label frame)`; nothing ever overwrites the
//!   state with the hash of a single item.
//! * Challenge bytes come from BLAKE3's XOF keyed by the new state, 16 bytes per base
//!   coordinate, so the reduction bias stays below 2^−64.
//!
//! Labels are the `pub const`s below; prover and verifier use the same ones.

use crate::arith::Field;
use circuits::codec::Writer;

/// Domain of the initial state.
const INIT_DOMAIN: &str = "lamina transcript v1 init";
/// Domain of challenge byte derivation.
const CHALLENGE_DOMAIN: &str = "lamina transcript v1 challenge";
/// Domain of sub-protocol seeds.
const SEED_DOMAIN: &str = "lamina transcript v1 sub-protocol seed";
/// Domain of bulk challenge streams.
const BULK_DOMAIN: &str = "lamina transcript v1 bulk challenges";

/// Labels absorbed by the protocol.
pub mod labels {
    /// Protocol version.
    pub const VERSION: &[u8] = b"version";
    /// Field identifiers.
    pub const FIELDS: &[u8] = b"fields";
    /// Commitment scheme identifier.
    pub const SCHEME: &[u8] = b"commitment-scheme";
    /// Circuit digest.
    pub const CIRCUIT: &[u8] = b"circuit-digest";
    /// Application context (e.g. the quantization scale).
    pub const CONTEXT: &[u8] = b"context";
    /// Public inputs.
    pub const PUBLIC: &[u8] = b"public-input";
    /// Claimed public outputs.
    pub const OUTPUTS: &[u8] = b"public-output";
    /// A commitment.
    pub const COMMITMENT: &[u8] = b"commitment";
    /// In-circuit challenge.
    pub const CIRCUIT_CHALLENGE: &[u8] = b"circuit-challenge";
    /// Output point coordinate.
    pub const OUTPUT_POINT: &[u8] = b"output-point";
    /// Sumcheck round polynomial.
    pub const ROUND_POLY: &[u8] = b"round-poly";
    /// Sumcheck round challenge.
    pub const ROUND_CHALLENGE: &[u8] = b"round-challenge";
    /// Claimed `Ṽ(rx)`.
    pub const VX: &[u8] = b"vx";
    /// Claimed `Ṽ(ry)`.
    pub const VY: &[u8] = b"vy";
    /// Claim combination coefficient.
    pub const COMBINE: &[u8] = b"combine";
    /// The values stated at a committed region's points, before their batch.
    pub const BATCH_VALUES: &[u8] = b"batch-values";
    /// The batching coefficient of a committed region's points.
    pub const BATCH_COEFF: &[u8] = b"batch-coeff";
    /// Seed of a commitment scheme's own Fiat–Shamir challenger (one per opening).
    pub const PCS_SEED: &[u8] = b"pcs-seed";
    /// A commitment opening's canonical encoding, absorbed after the opening is made.
    pub const PCS_PROOF: &[u8] = b"pcs-proof";
    /// The point at which the zero-knowledge inner product evaluates its slack half.
    pub const ZK_SLACK_POINT: &[u8] = b"zk-slack-point";
    /// The slack half's value at that point, stated before the batching coefficient.
    pub const ZK_SIGMA: &[u8] = b"zk-sigma";
    /// The coefficient batching the deferred claims.
    pub const ZK_BATCH: &[u8] = b"zk-batch";
    /// The committed mask table's value at the inner product's final point.
    pub const ZK_VALUE: &[u8] = b"zk-value";
}

/// A BLAKE3 Fiat–Shamir transcript.
#[derive(Clone, Debug)]
pub struct Transcript {
    state: [u8; 32],
    pending: Vec<u8>,
}

impl Transcript {
    /// A transcript for one protocol, identified by `protocol`.
    pub fn new(protocol: &[u8]) -> Self {
        let mut h = blake3::Hasher::new_derive_key(INIT_DOMAIN);
        h.update(&(protocol.len() as u64).to_le_bytes());
        h.update(protocol);
        Transcript {
            state: *h.finalize().as_bytes(),
            pending: Vec::new(),
        }
    }

    /// Absorbs labelled bytes.
    pub fn absorb(&mut self, label: &[u8], data: &[u8]) {
        self.pending
            .extend_from_slice(&(label.len() as u64).to_le_bytes());
        self.pending.extend_from_slice(label);
        self.pending
            .extend_from_slice(&(data.len() as u64).to_le_bytes());
        self.pending.extend_from_slice(data);
    }

    /// Absorbs field elements in their canonical encoding.
    pub fn absorb_field<F: Field>(&mut self, label: &[u8], values: &[F]) {
        let mut w = Writer::new();
        for v in values {
            v.encode(&mut w);
        }
        self.absorb(label, &w.into_bytes());
    }

    /// Chains everything absorbed since the last squeeze into the state and returns an
    /// XOF stream keyed by the new state in `domain`.
    fn squeeze(&mut self, label: &[u8], domain: &str) -> blake3::OutputReader {
        self.absorb(label, &[]);
        let mut h = blake3::Hasher::new();
        h.update(&self.state);
        h.update(&self.pending);
        self.state = *h.finalize().as_bytes();
        self.pending.clear();
        blake3::Hasher::new_derive_key(domain)
            .update(&self.state)
            .finalize_xof()
    }

    /// Squeezes one field element.
    pub fn challenge<E: Field>(&mut self, label: &[u8]) -> E {
        let mut bytes = vec![0u8; E::UNIFORM_BYTES];
        self.squeeze(label, CHALLENGE_DOMAIN).fill(&mut bytes);
        E::from_uniform_bytes(&bytes)
    }

    /// Squeezes 32 uniform bytes: the seed of a sub-protocol's own challenger (a
    /// commitment scheme's), chained like every other challenge.
    pub fn challenge_seed(&mut self, label: &[u8]) -> [u8; 32] {
        let mut bytes = [0u8; 32];
        self.squeeze(label, SEED_DOMAIN).fill(&mut bytes);
        bytes
    }

    /// Squeezes `n` field elements.
    pub fn challenges<E: Field>(&mut self, label: &[u8], n: usize) -> Vec<E> {
        (0..n).map(|_| self.challenge(label)).collect()
    }

    /// Squeezes `n` field elements at once: one chained squeeze, then `n` independent
    /// draws from its XOF stream. For the in-circuit challenges, which can number one per
    /// constraint; `n = 0` absorbs nothing.
    pub fn challenges_bulk<E: Field>(&mut self, label: &[u8], n: usize) -> Vec<E> {
        if n == 0 {
            return Vec::new();
        }
        self.absorb(label, &(n as u64).to_le_bytes());
        let mut xof = self.squeeze(label, BULK_DOMAIN);
        // The stream read in large fills, not one element's bytes at a time: BLAKE3 then
        // computes many output blocks per call (its SIMD path) instead of one or two
        // blocks per element. The bytes, hence the challenges, are the same.
        const FILL: usize = 1024;
        let mut bytes = vec![0u8; FILL.min(n) * E::UNIFORM_BYTES];
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let take = FILL.min(n - out.len());
            let chunk = &mut bytes[..take * E::UNIFORM_BYTES];
            xof.fill(chunk);
            out.extend(
                chunk
                    .chunks_exact(E::UNIFORM_BYTES)
                    .map(E::from_uniform_bytes),
            );
        }
        out
    }

    /// The chained state (for tests that check chaining).
    pub fn state(&self) -> [u8; 32] {
        self.state
    }
}
