//! The GKR verifier: driven by the circuit, serial, never panics.
//!
//! Layer count, round counts and degrees come from the circuit; every count in the proof
//! is checked against them before use. The expected output is computed here from the
//! statement (claimed public outputs, zeros elsewhere), never read from the proof.
//!
//! Memory follows the circuit's gates and the proof's bytes, never a declared width:
//! validation ties every width to the slots in use and the challenge count to the gates
//! that reference challenges, `E` is materialised only for dense layers, and the
//! commitment openings are evaluated streaming.

use super::wiring::{self, LazyEq, Lower};
use super::{PreparedCircuit, committed_regions};
use crate::arith::{ExtensionField, Field};
use crate::commit::CommitmentScheme;
use crate::error::VerifyError;
use crate::mle::{self, SplitEq};
use crate::proof::Proof;
use crate::statement::{Statement, bind_statement};
use crate::sumcheck;
use crate::transcript::labels;
use circuits::{Circuit, Layer, RegionKind};

/// A layer whose width is at most this many times its gate count has `E` materialised
/// (`16·width` bytes for an Ext2 `E`, so at most 32 bytes per gate): one table build of
/// `width` products, then a load per gate. Wider, sparser layers evaluate `E` per gate
/// from the split eq halves (`O(√width)` memory, two products per gate). Compiled
/// layers fill at least half their width with gate outputs, so they are all dense and
/// keep the table's speed; only a sparse layer pays per gate, and it has few gates.
const DENSE_WIDTH_PER_GATE: usize = 2;

/// `E(z) = Σ_c w_c·eq(r_c, z)` over a layer's output slots, dense or lazy.
enum LayerEq<E> {
    Dense(Vec<E>),
    Lazy(LazyEq<E>),
}

impl<E: Field> LayerEq<E> {
    fn new(layer: &Layer, points: &[(Vec<E>, E)]) -> Self {
        let width = layer.width();
        // From L1-resident half tables.
        let lazy = LazyEq {
            first: SplitEq::new(&points[0].0, points[0].1),
            second: points.get(1).map(|(p, w)| SplitEq::new(p, *w)),
        };
        if width <= DENSE_WIDTH_PER_GATE.saturating_mul(layer.num_gates()) {
            let e = match &lazy.second {
                None => (0..width).map(|o| lazy.first.get(o)).collect(),
                Some(second) => (0..width)
                    .map(|o| lazy.first.get(o) + second.get(o))
                    .collect(),
            };
            LayerEq::Dense(e)
        } else {
            LayerEq::Lazy(lazy)
        }
    }

    fn constant<F: Field>(&self, layer: &Layer, public: &[F], lower: &Lower<'_, F, E>) -> E
    where
        E: ExtensionField<F>,
    {
        match self {
            LayerEq::Dense(e) => wiring::constant(layer, e.as_slice(), public, lower),
            LayerEq::Lazy(e) => wiring::constant(layer, e, public, lower),
        }
    }

    fn add<F: Field>(&self, layer: &Layer, eq_rx: &SplitEq<E>, lower: &Lower<'_, F, E>) -> E
    where
        E: ExtensionField<F>,
    {
        match self {
            LayerEq::Dense(e) => wiring::add(layer, e.as_slice(), eq_rx, lower),
            LayerEq::Lazy(e) => wiring::add(layer, e, eq_rx, lower),
        }
    }

    fn mul<F: Field>(
        &self,
        layer: &Layer,
        eq_rx: &SplitEq<E>,
        eq_ry: &SplitEq<E>,
        lower: &Lower<'_, F, E>,
    ) -> E
    where
        E: ExtensionField<F>,
    {
        match self {
            LayerEq::Dense(e) => wiring::mul(layer, e.as_slice(), eq_rx, eq_ry, lower),
            LayerEq::Lazy(e) => wiring::mul(layer, e, eq_rx, eq_ry, lower),
        }
    }
}

/// Verifies `proof` for `statement` on `circuit`.
pub fn verify<F, E, C>(
    scheme: &C,
    circuit: &Circuit,
    statement: &Statement<'_, F>,
    proof: &Proof<E, C::Opening>,
) -> Result<(), VerifyError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    verify_prepared(scheme, &PreparedCircuit::new(circuit)?, statement, proof)
}

/// [`verify`] on a circuit validated and digested beforehand.
pub fn verify_prepared<F, E, C>(
    scheme: &C,
    prepared: &PreparedCircuit<'_>,
    statement: &Statement<'_, F>,
    proof: &Proof<E, C::Opening>,
) -> Result<(), VerifyError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    let circuit = prepared.circuit();
    if let Some(what) = super::unsupported(circuit) {
        return Err(VerifyError::Unsupported { what });
    }
    let expect = |ok: bool, err: VerifyError| if ok { Ok(()) } else { Err(err) };
    let (np, no) = (circuit.num_public as usize, circuit.public_outputs.len());
    expect(
        statement.public.len() == np,
        VerifyError::PublicLength {
            expected: np,
            got: statement.public.len(),
        },
    )?;
    expect(
        statement.outputs.len() == no,
        VerifyError::OutputLength {
            expected: no,
            got: statement.outputs.len(),
        },
    )?;
    if !C::ZERO_PADDING
        && let Some((region, slot)) = super::committed_padding_read(circuit)
    {
        return Err(VerifyError::ReadsCommittedPadding { region, slot });
    }
    let regions = committed_regions(circuit);
    let nc = regions.len();
    expect(
        proof.commitments.len() == nc,
        VerifyError::CommitmentCount {
            expected: nc,
            got: proof.commitments.len(),
        },
    )?;
    let d = circuit.depth();
    expect(
        proof.layers.len() == d,
        VerifyError::LayerCount {
            expected: d,
            got: proof.layers.len(),
        },
    )?;
    expect(
        proof.openings.len() == nc,
        VerifyError::OpeningCount {
            expected: nc,
            got: proof.openings.len(),
        },
    )?;

    // A null (all-zero) commitment is never an honest one: refuse it by name.
    for (r, c) in regions.iter().zip(&proof.commitments) {
        expect(
            *c != [0u8; 32],
            VerifyError::Opening {
                region: r.kind,
                source: crate::commit::CommitError::NullCommitment,
            },
        )?;
    }

    // The statement says whether the circuit has weights and, if so, whose: `None` is
    // "no weights region", never "accept whatever the proof commits to".
    let at = regions.iter().position(|r| r.kind == RegionKind::Weights);
    match (at, statement.weights_commitment) {
        (Some(i), Some(expected)) => expect(
            proof.commitments[i] == *expected,
            VerifyError::WeightsCommitment,
        )?,
        (Some(_), None) => return Err(VerifyError::WeightsCommitmentMissing),
        (None, Some(_)) => return Err(VerifyError::UnexpectedWeightsCommitment),
        (None, None) => {}
    }
    let mut t = bind_statement::<F, E>(
        &scheme.id(),
        prepared.digest(),
        statement,
        &proof.commitments,
    );
    let challenges: Vec<E> =
        t.challenges_bulk(labels::CIRCUIT_CHALLENGE, circuit.num_challenges as usize);
    let lower = Lower::<F, E>::new(&challenges);

    // The verifier fixes the output: claimed public outputs in their slots, zero elsewhere.
    let rz: Vec<E> = t.challenges(labels::OUTPUT_POINT, circuit.output_log_width() as usize);
    let mut claim: E = circuit
        .public_outputs
        .iter()
        .zip(statement.outputs)
        .map(|(&slot, &v)| mle::eq_at_index(&rz, slot as usize) * v)
        .sum();
    let mut points: Vec<(Vec<E>, E)> = vec![(rz, E::ONE)];
    let mut values: Vec<E> = vec![claim];

    for (step, lp) in proof.layers.iter().enumerate() {
        let k = d - step;
        let layer = &circuit.layers[k - 1];
        let a = circuit.log_width(k - 1) as usize;
        let has_mul = !layer.mul.is_empty();
        expect(
            lp.phase2.is_some() == has_mul,
            VerifyError::Phase2Shape {
                layer: k,
                expected: has_mul,
            },
        )?;

        let e = LayerEq::new(layer, &points);
        claim -= e.constant(layer, statement.public, &lower);

        let sc = sumcheck::verify(claim, a, 2, &lp.phase1, &mut t).map_err(|source| {
            VerifyError::Sumcheck {
                layer: k,
                phase: 1,
                source,
            }
        })?;
        let (rx, vx) = (sc.point, lp.vx);
        t.absorb_field(labels::VX, &[vx]);
        let eq_rx = SplitEq::new(&rx, E::ONE);
        let after_add = sc.value - vx * e.add(layer, &eq_rx, &lower);

        match &lp.phase2 {
            None => {
                expect(
                    after_add == E::ZERO,
                    VerifyError::LayerFinal { layer: k, phase: 1 },
                )?;
                claim = vx;
                values = vec![vx];
                points = vec![(rx, E::ONE)];
            }
            Some(p2) => {
                let sc =
                    sumcheck::verify(after_add, a, 2, &p2.rounds, &mut t).map_err(|source| {
                        VerifyError::Sumcheck {
                            layer: k,
                            phase: 2,
                            source,
                        }
                    })?;
                let (ry, vy) = (sc.point, p2.vy);
                t.absorb_field(labels::VY, &[vy]);
                let eq_ry = SplitEq::new(&ry, E::ONE);
                let m = e.mul(layer, &eq_rx, &eq_ry, &lower);
                expect(
                    sc.value == vx * vy * m,
                    VerifyError::LayerFinal { layer: k, phase: 2 },
                )?;
                let alpha: E = t.challenge(labels::COMBINE);
                claim = vx + alpha * vy;
                values = vec![vx, vy];
                points = vec![(rx, E::ONE), (ry, alpha)];
            }
        }
    }

    // The input layer: public regions evaluated here, committed regions through openings.
    // A scheme whose openings state their evaluations (WHIR) has them checked against
    // GKR's final claims first — a wrong opened value is an input-claim mismatch — and
    // then proved by the opening; otherwise (transparent) the opening yields them.
    let n_points = points.len();
    let claimed: Option<Vec<Vec<E>>> = proof
        .openings
        .iter()
        .map(|o| scheme.claimed_evaluations(o))
        .collect();
    if let Some(claimed) = &claimed {
        for (i, evals) in claimed.iter().enumerate() {
            expect(
                evals.len() == n_points,
                VerifyError::Opening {
                    region: regions[i].kind,
                    source: crate::commit::CommitError::Shape {
                        what: "opened evaluations",
                        expected: n_points,
                        got: evals.len(),
                    },
                },
            )?;
        }
        let committed: Vec<(circuits::Region, Vec<E>)> = regions
            .iter()
            .copied()
            .zip(claimed.iter().cloned())
            .collect();
        check_input(circuit, statement, &points, &values, committed)?;
    }
    let mut region_evals: Vec<(circuits::Region, Vec<E>)> = Vec::new();
    for (i, r) in regions.iter().enumerate() {
        let lo: Vec<&[E]> = points
            .iter()
            .map(|(p, _)| &p[..r.log_len as usize])
            .collect();
        let evals = scheme
            .verify(
                &proof.commitments[i],
                r.log_len,
                r.len as usize,
                &lo,
                &proof.openings[i],
                &mut t,
            )
            .map_err(|source| VerifyError::Opening {
                region: r.kind,
                source,
            })?;
        if let Some(claimed) = &claimed
            && claimed[i] != evals
        {
            let index = (0..n_points)
                .find(|&k| claimed[i].get(k) != evals.get(k))
                .unwrap_or(0);
            return Err(VerifyError::Opening {
                region: r.kind,
                source: crate::commit::CommitError::Evaluation { index },
            });
        }
        region_evals.push((*r, evals));
    }
    check_input(circuit, statement, &points, &values, region_evals)
}

/// GKR's final claims against the input layer: public regions evaluated here, committed
/// regions from `region_evals` (one evaluation per point).
fn check_input<F, E>(
    circuit: &Circuit,
    statement: &Statement<'_, F>,
    points: &[(Vec<E>, E)],
    values: &[E],
    mut region_evals: Vec<(circuits::Region, Vec<E>)>,
) -> Result<(), VerifyError>
where
    F: Field,
    E: ExtensionField<F>,
{
    if let Some(r) = circuit.input.region(RegionKind::Public) {
        let evals = points
            .iter()
            .map(|(p, _)| {
                mle::evaluate_base::<F, E>(
                    &statement.public[..r.len as usize],
                    &p[..r.log_len as usize],
                )
            })
            .collect();
        region_evals.push((*r, evals));
    }
    for (c, ((p, _), &v)) in points.iter().zip(values).enumerate() {
        let total: E = region_evals
            .iter()
            .map(|(r, evals)| {
                let high = &p[r.log_len as usize..];
                mle::eq_at_index(high, (r.offset >> r.log_len) as usize) * evals[c]
            })
            .sum();
        if total != v {
            return Err(VerifyError::InputClaim { claim: c });
        }
    }
    Ok(())
}
