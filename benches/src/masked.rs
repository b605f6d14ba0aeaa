//! Plain against masked GKR on one circuit, timed: shared by the `masked_gkr` and
//! `masked_lenet` examples.

use circuits::Circuit;
use prover::gkr::{self, PreparedCircuit, ZkArgs, ZkLayout};
use prover::zk::MaskedProof;
use prover::{CommitmentScheme, ExtensionField, Goldilocks, Statement, Witness};
use std::time::Instant;

/// Medians over the repetitions of one configuration.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Prove (private commitment, GKR, openings), milliseconds.
    pub prove_ms: f64,
    /// Verify, milliseconds.
    pub verify_ms: f64,
    /// The GKR proof's bytes.
    pub proof_bytes: usize,
    /// The inner product's share of the masked wire format (0 for a plain proof).
    pub inner_bytes: usize,
    /// The circuit's gates.
    pub gates: usize,
}

/// Commits the weights, then proves and verifies `circuit` on `witness` `reps` times:
/// plainly, or with `zk` masked (mask seed = the repetition number). Context empty.
///
/// # Panics
/// If proving or verifying fails: these are measurements of honest runs.
#[allow(clippy::unwrap_used)]
pub fn time_gkr<E, C>(
    scheme: &C,
    circuit: &Circuit,
    witness: &Witness<'_, Goldilocks>,
    zk: Option<ZkLayout>,
    reps: usize,
) -> Timing
where
    E: ExtensionField<Goldilocks>,
    C: CommitmentScheme<Goldilocks, E>,
{
    let prepared = PreparedCircuit::new(circuit).unwrap();
    let cw = gkr::commit_weights::<_, E, C>(scheme, circuit, witness.weights).unwrap();
    let (mut prove_t, mut verify_t) = (Vec::new(), Vec::new());
    let (mut proof_bytes, mut inner_bytes) = (0, 0);
    for rep in 0..reps {
        let t = Instant::now();
        let (proof, outputs, inner) = match zk {
            Some(layout) => {
                let args = ZkArgs {
                    layout,
                    seed: &[rep as u8; 32],
                };
                let ((p, o), i) = gkr::prove_masked::<_, E, _>(
                    scheme,
                    &prepared,
                    cw.as_ref(),
                    witness,
                    b"",
                    args,
                )
                .unwrap();
                (p, o, Some(i))
            }
            None => {
                let (p, o) = gkr::prove_with_weights::<_, E, _>(
                    scheme,
                    &prepared,
                    cw.as_ref(),
                    witness,
                    b"",
                )
                .unwrap();
                (p, o, None)
            }
        };
        prove_t.push(t.elapsed().as_secs_f64() * 1e3);
        proof_bytes = proof.to_bytes().len();
        let st = Statement {
            public: witness.public,
            outputs: &outputs,
            context: b"",
            weights_commitment: cw.as_ref().map(|c| c.digest()),
        };
        let t = Instant::now();
        match (zk, inner) {
            (Some(layout), Some(inner)) => {
                gkr::verify_masked::<_, E, _>(scheme, &prepared, &st, &proof, layout, &inner)
                    .unwrap();
                inner_bytes = MaskedProof {
                    proof,
                    inner,
                    stock: None,
                    links: Vec::new(),
                }
                .to_bytes()
                .len()
                    - proof_bytes;
            }
            _ => gkr::verify_prepared::<_, E, _>(scheme, &prepared, &st, &proof).unwrap(),
        }
        verify_t.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Timing {
        prove_ms: crate::median(prove_t),
        verify_ms: crate::median(verify_t),
        proof_bytes,
        inner_bytes,
        gates: circuit.num_gates(),
    }
}
