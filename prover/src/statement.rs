//! What a proof proves, and the one function that binds it into the transcript.

use crate::arith::{ExtensionField, Field};
use crate::commit::Digest;
use crate::transcript::{Transcript, labels};
use circuits::CircuitDigest;

/// Protocol identifier: the transcript's domain.
pub const PROTOCOL_ID: &[u8] = b"lamina-gkr";
/// Protocol version; bump with any change to what is absorbed or in what order.
pub const PROTOCOL_VERSION: u32 = 1;
/// Protocol version of circuits with structured blocks: layers may have blocks, and a
/// layer's transcript is the order of `docs/design/structured-layers.md` §3.2 (block
/// outputs, gate part, each block's aggregation and op sumcheck, then the blocks'
/// combination coefficients), and with a gate span (`InputLayout::gate_log_width = g`)
/// layer 1's gate part runs over `g` variables, its points on the input layer padded
/// with zeros. Both kinds of structure make `Circuit::has_structure` true. Gate-only
/// circuits keep [`PROTOCOL_VERSION`]. (The proof's wire format is chosen by the proof's
/// content: version 2 only when some layer proof has blocks, so a circuit whose only
/// structure is a gate span has version-1 proof bytes under protocol version 2.)
pub const PROTOCOL_VERSION_STRUCTURED: u32 = 2;

/// The protocol version a circuit is proven under.
pub fn protocol_version(circuit: &circuits::Circuit) -> u32 {
    if circuit.has_structure() {
        PROTOCOL_VERSION_STRUCTURED
    } else {
        PROTOCOL_VERSION
    }
}

/// The public statement: for the circuit, these public inputs give these public outputs
/// (and every other output slot is zero).
#[derive(Clone, Copy, Debug)]
pub struct Statement<'a, F> {
    /// Public input values.
    pub public: &'a [F],
    /// Claimed public outputs, in the order of `Circuit::public_outputs`.
    pub outputs: &'a [F],
    /// Application context bound with the proof (e.g. the quantization scale, a model
    /// id); empty when unused.
    pub context: &'a [u8],
    /// The weights commitment the verifier expects: `Some` (the model's, from the
    /// verification key) exactly when the circuit has a weights region, `None` when it
    /// has none. The verifier rejects a weights circuit verified with `None`
    /// ([`VerifyError::WeightsCommitmentMissing`](crate::VerifyError::WeightsCommitmentMissing):
    /// otherwise any weights would prove) and a weights-free circuit verified with `Some`
    /// ([`VerifyError::UnexpectedWeightsCommitment`](crate::VerifyError::UnexpectedWeightsCommitment)).
    /// For the transparent scheme, [`crate::transparent_weights_commitment`] computes it.
    pub weights_commitment: Option<&'a crate::commit::Digest>,
}

/// A fresh transcript with the whole statement absorbed: protocol id and version, field
/// and scheme ids, circuit digest, context, public inputs, claimed outputs and every
/// commitment. Prover and verifier both call this, before any challenge.
pub fn bind_statement<F: Field, E: ExtensionField<F>>(
    scheme_id: &str,
    digest: &CircuitDigest,
    statement: &Statement<'_, F>,
    commitments: &[Digest],
) -> Transcript {
    bind_statement_versioned::<F, E>(PROTOCOL_VERSION, scheme_id, digest, statement, commitments)
}

/// [`bind_statement`] under an explicit protocol version ([`protocol_version`]).
pub fn bind_statement_versioned<F: Field, E: ExtensionField<F>>(
    version: u32,
    scheme_id: &str,
    digest: &CircuitDigest,
    statement: &Statement<'_, F>,
    commitments: &[Digest],
) -> Transcript {
    let mut t = Transcript::new(PROTOCOL_ID);
    t.absorb(labels::VERSION, &version.to_le_bytes());
    t.absorb(labels::FIELDS, format!("{}|{}", F::ID, E::ID).as_bytes());
    t.absorb(labels::SCHEME, scheme_id.as_bytes());
    t.absorb(labels::CIRCUIT, &digest.0);
    t.absorb(labels::CONTEXT, statement.context);
    t.absorb_field(labels::PUBLIC, statement.public);
    t.absorb_field(labels::OUTPUTS, statement.outputs);
    t.absorb(
        labels::COMMITMENT,
        &(commitments.len() as u64).to_le_bytes(),
    );
    for c in commitments {
        t.absorb(labels::COMMITMENT, c);
    }
    t
}
