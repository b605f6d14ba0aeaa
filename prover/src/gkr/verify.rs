//! The GKR verifier: driven by the circuit, never panics. Its one parallel part, with the
//! `parallel` feature, is the linear scans over gates and output slots (wiring
//! predicates, dense eq tables), whose exact field sums do not depend on the chunking.
//!
//! Layer count, round counts and degrees come from the circuit; every count in the proof
//! is checked against them before use. The expected output is computed here from the
//! statement (claimed public outputs, zeros elsewhere), never read from the proof.
//!
//! Memory follows the circuit's gates and the proof's bytes, never a declared width:
//! validation ties every width to the slots in use and the challenge count to the gates
//! that reference challenges, `E` is materialised only for dense layers, and the
//! commitment openings are evaluated streaming.

use super::batch::RegionBatch;
use super::blocks::{self, Deferred};
use super::structured::{self, Claim};
use super::wiring::{self, LazyEq, Lower, OutEq};
use super::zk::{LayerSlots, ZkLayout};
use super::{
    PreparedCircuit, batch, committed_regions, gate_point, gate_vars, opened_claims,
    points_or_zero, region_weight,
};
use crate::arith::{ExtensionField, Field};
use crate::commit::CommitmentScheme;
use crate::error::VerifyError;
use crate::mle::{self, SplitEq};
use crate::proof::{LayerProof, Proof};
use crate::statement::{Statement, bind_statement_versioned, protocol_version};
use crate::sumcheck::{self, masked};
use crate::transcript::{Transcript, labels};
use crate::zk::inner_product::{self, InnerProductProof};
use crate::zk::{DeferredClaim, Symbolic};
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
            more: points[1..]
                .iter()
                .map(|(p, w)| SplitEq::new(p, *w))
                .collect(),
        };
        if width <= DENSE_WIDTH_PER_GATE.saturating_mul(layer.num_gates()) {
            LayerEq::Dense(crate::par::collect_fn(width, 1 << 14, |o| {
                lazy.at(o as u32)
            }))
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
    verify_inner(
        scheme,
        prepared,
        statement,
        proof,
        None,
        VerifyAgreements::default(),
    )
}

/// Verifies a proof made by [`super::prove_masked`]: every GKR sumcheck masked, the
/// deferred claims discharged by `inner`, the mask table at `layout` (the verifier's own
/// knowledge, like the circuit: never taken from the proof).
pub fn verify_masked<F, E, C>(
    scheme: &C,
    prepared: &PreparedCircuit<'_>,
    statement: &Statement<'_, F>,
    proof: &Proof<E, C::Opening>,
    layout: ZkLayout,
    inner: &InnerProductProof<E>,
) -> Result<(), VerifyError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    verify_inner(
        scheme,
        prepared,
        statement,
        proof,
        Some((layout, inner)),
        VerifyAgreements::default(),
    )
}

/// Agreement checks beyond GKR's: the weights stock's point on the whole weights region
/// and the value the key states there; the slice boundaries' points on the whole private
/// region and the values the proof states there (the chain verifier compares them across
/// proofs, `crate::zk::chain`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct VerifyAgreements<'a, E> {
    pub weights: Option<(&'a [E], E)>,
    pub private: &'a [(Vec<E>, E)],
}

impl<E> Default for VerifyAgreements<'_, E> {
    fn default() -> Self {
        VerifyAgreements {
            weights: None,
            private: &[],
        }
    }
}

/// [`verify_masked`] with agreement checks: the weights opening also covers
/// `agreement.weights.0` (after the region's other points) and must state
/// `agreement.weights.1` there; the private opening covers each of `agreement.private`'s
/// points after the table's and must state its value ([`VerifyError::BoundaryAgreement`]).
/// A wrong weights value is [`VerifyError::WeightsAgreement`].
pub(crate) fn verify_masked_agreeing<F, E, C>(
    scheme: &C,
    prepared: &PreparedCircuit<'_>,
    statement: &Statement<'_, F>,
    proof: &Proof<E, C::Opening>,
    layout: ZkLayout,
    inner: &InnerProductProof<E>,
    agreement: VerifyAgreements<'_, E>,
) -> Result<(), VerifyError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    verify_inner(
        scheme,
        prepared,
        statement,
        proof,
        Some((layout, inner)),
        agreement,
    )
}

fn verify_inner<F, E, C>(
    scheme: &C,
    prepared: &PreparedCircuit<'_>,
    statement: &Statement<'_, F>,
    proof: &Proof<E, C::Opening>,
    zk: Option<(ZkLayout, &InnerProductProof<E>)>,
    agreements: VerifyAgreements<'_, E>,
) -> Result<(), VerifyError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    let circuit = prepared.circuit();
    let zk_slots = match zk {
        Some((layout, _)) => Some(
            super::zk::check_layout::<F, E>(circuit, layout)
                .map_err(VerifyError::ZkLayout)?
                .slots,
        ),
        None => None,
    };
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
        && let Some((region, slot)) = prepared.padding_read()
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
    let mut t = bind_statement_versioned::<F, E>(
        protocol_version(circuit),
        &scheme.id(),
        prepared.digest(),
        statement,
        &proof.commitments,
    );
    if let Some((layout, _)) = zk {
        super::zk::bind_layout(&mut t, layout);
    }
    let challenges: Vec<E> =
        t.challenges_bulk(labels::CIRCUIT_CHALLENGE, circuit.num_challenges as usize);
    let lower = Lower::<F, E>::new(&challenges);

    // The verifier fixes the output: claimed public outputs in their slots, zero elsewhere.
    let rz: Vec<E> = t.challenges(labels::OUTPUT_POINT, circuit.output_log_width() as usize);
    let claim: E = circuit
        .public_outputs
        .iter()
        .zip(statement.outputs)
        .map(|(&slot, &v)| mle::eq_at_index(&rz, slot as usize) * v)
        .sum();
    let mut points: Vec<(Vec<E>, E)> = vec![(rz, E::ONE)];
    let mut values: Vec<E> = vec![claim];
    let mut deferred: Vec<Deferred<E>> = Vec::new();
    let mut mask_claims: Vec<DeferredClaim<E>> = Vec::new();

    for (step, lp) in proof.layers.iter().enumerate() {
        let k = d - step;
        let zk_layer = zk_slots
            .as_ref()
            .and_then(|s| s.get(k - 1))
            .map(|slots| (slots, &mut mask_claims));
        (points, values) = verify_layer(
            circuit,
            k,
            lp,
            &points,
            &values,
            statement.public,
            &lower,
            &mut t,
            &mut deferred,
            zk_layer,
        )?;
    }

    // Masked proofs: the deferred claims on the masks, discharged by the inner product,
    // leave one claim on the table, checked through the private region's opening.
    let table_claim = match zk {
        Some((layout, inner)) => {
            let claim = inner_product::verify(
                usize::from(layout.table_log_len),
                &mask_claims,
                inner,
                &mut t,
            )
            .map_err(VerifyError::ZkInnerProduct)?;
            Some((layout, claim))
        }
        None => None,
    };

    // The input layer: public regions evaluated here, committed regions through openings
    // at the claims that select them (and, for the weights, at the blocks' deferred
    // claims). A scheme whose openings state their evaluations (WHIR) has them checked
    // against GKR's final claims first — a wrong opened value is an input-claim mismatch
    // — and then proved by the opening; otherwise (transparent) the opening yields them.
    let mut region_points: Vec<(Vec<usize>, Vec<Vec<E>>)> = Vec::with_capacity(nc);
    for r in &regions {
        let opened: Vec<usize> = opened_claims(r, &points).collect();
        let mut lo: Vec<Vec<E>> = opened
            .iter()
            .map(|&c| points[c].0[..r.log_len as usize].to_vec())
            .collect();
        if let (RegionKind::Private, Some((layout, claim))) = (r.kind, &table_claim) {
            lo.push(super::zk::table_point(r, *layout, &claim.point));
        }
        if r.kind == RegionKind::Private && !agreements.private.is_empty() {
            // Boundary points follow the table's: a masked proof's only.
            if table_claim.is_none() {
                return Err(VerifyError::BoundaryAgreement { boundary: 0 });
            }
            for (boundary, (z, _)) in agreements.private.iter().enumerate() {
                if z.len() != usize::from(r.log_len) {
                    return Err(VerifyError::BoundaryAgreement { boundary });
                }
                lo.push(z.clone());
            }
        }
        if r.kind == RegionKind::Weights {
            for (index, dc) in deferred.iter().enumerate() {
                lo.push(
                    dc.region_point(r.log_len as usize)
                        .ok_or(VerifyError::WeightsClaim {
                            index,
                            layer: dc.layer,
                            block: dc.block,
                        })?,
                );
            }
            if let Some((z, _)) = agreements.weights {
                if z.len() != usize::from(r.log_len) {
                    return Err(VerifyError::WeightsAgreement);
                }
                lo.push(z.to_vec());
            }
        }
        region_points.push((opened, lo));
    }
    let claims = Claims {
        points: &points,
        values: &values,
        deferred: &deferred,
        table_value: table_claim.as_ref().map(|(_, c)| c.value),
        agreement_value: agreements.weights.map(|(_, y)| y),
        private_agreement: agreements.private,
    };
    if batch::applies(circuit) {
        return verify_batched(
            scheme,
            circuit,
            statement,
            proof,
            &claims,
            &regions,
            region_points,
            &mut t,
        );
    }
    // Version 1 opens every point; a region no claim selects at the zero point (its
    // value unused: `check_input` reads only the selected claims' evaluations).
    let region_points: Vec<(Vec<usize>, Vec<Vec<E>>)> = region_points
        .into_iter()
        .zip(&regions)
        .map(|((opened, lo), r)| (opened, points_or_zero(r, lo)))
        .collect();
    expect(
        proof.batches.is_empty(),
        VerifyError::BatchCount {
            expected: 0,
            got: proof.batches.len(),
        },
    )?;
    let claimed: Option<Vec<Vec<E>>> = proof
        .openings
        .iter()
        .map(|o| scheme.claimed_evaluations(o))
        .collect();
    if let Some(claimed) = &claimed {
        for (i, evals) in claimed.iter().enumerate() {
            let n = region_points[i].1.len();
            expect(
                evals.len() == n,
                VerifyError::Opening {
                    region: regions[i].kind,
                    source: crate::commit::CommitError::Shape {
                        what: "opened evaluations",
                        expected: n,
                        got: evals.len(),
                    },
                },
            )?;
        }
        check_input(
            circuit,
            statement,
            &claims,
            &regions,
            &region_points,
            claimed,
        )?;
    }
    let mut region_evals: Vec<Vec<E>> = Vec::with_capacity(nc);
    for (i, r) in regions.iter().enumerate() {
        let lo: Vec<&[E]> = region_points[i].1.iter().map(Vec::as_slice).collect();
        let evals = open_region(scheme, proof, i, r, &lo, claimed.as_ref(), &mut t)?;
        region_evals.push(evals);
    }
    check_input(
        circuit,
        statement,
        &claims,
        &regions,
        &region_points,
        &region_evals,
    )
}

/// `Ok` when `ok`, else `err`.
fn expect(ok: bool, err: VerifyError) -> Result<(), VerifyError> {
    if ok { Ok(()) } else { Err(err) }
}

/// A phase's point, its final value (symbolic when masked) and, masked, its round-0
/// claim on the masks.
type PhaseEnd<E> = (Vec<E>, Symbolic<E>, Option<DeferredClaim<E>>);

/// GKR's final claims, passed to the input-layer checks.
struct Claims<'a, E> {
    points: &'a [(Vec<E>, E)],
    values: &'a [E],
    deferred: &'a [Deferred<E>],
    /// Masked proofs: the mask table's value the private region must open to, at the
    /// point after its opened claims.
    table_value: Option<E>,
    /// Zero-knowledge proofs with a weights stock: the value the weights region must open
    /// to at the agreement point, after its opened and deferred claims.
    agreement_value: Option<E>,
    /// Chained zero-knowledge proofs: the boundaries' points and the values the private
    /// region must open to there, after the table's value.
    private_agreement: &'a [(Vec<E>, E)],
}

/// Verifies region `i`'s opening at `lo` and returns the evaluations it establishes,
/// which must equal the ones the opening states (`claimed`), if it states any.
fn open_region<F, E, C>(
    scheme: &C,
    proof: &Proof<E, C::Opening>,
    i: usize,
    r: &circuits::Region,
    lo: &[&[E]],
    claimed: Option<&Vec<Vec<E>>>,
    t: &mut Transcript,
) -> Result<Vec<E>, VerifyError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    let evals = scheme
        .verify(
            &proof.commitments[i],
            r.log_len,
            r.len as usize,
            lo,
            &proof.openings[i],
            t,
        )
        .map_err(|source| VerifyError::Opening {
            region: r.kind,
            source,
        })?;
    if let Some(claimed) = claimed
        && claimed[i] != evals
    {
        let index = (0..lo.len())
            .find(|&k| claimed[i].get(k) != evals.get(k))
            .unwrap_or(0);
        return Err(VerifyError::Opening {
            region: r.kind,
            source: crate::commit::CommitError::Evaluation { index },
        });
    }
    Ok(evals)
}

/// Protocol version 2: each committed region with points has a batch stating its values
/// at every point (checked against GKR's input claims first), whose sumcheck reduces them
/// to one point; the region is opened there and the batch's final claim checked.
#[allow(clippy::too_many_arguments)]
fn verify_batched<F, E, C>(
    scheme: &C,
    circuit: &Circuit,
    statement: &Statement<'_, F>,
    proof: &Proof<E, C::Opening>,
    claims: &Claims<'_, E>,
    regions: &[circuits::Region],
    region_points: Vec<(Vec<usize>, Vec<Vec<E>>)>,
    t: &mut Transcript,
) -> Result<(), VerifyError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    let with_points = region_points.iter().filter(|(_, p)| !p.is_empty()).count();
    expect(
        proof.batches.len() == with_points,
        VerifyError::BatchCount {
            expected: with_points,
            got: proof.batches.len(),
        },
    )?;
    // Each region with points takes the next batch (the count was checked above).
    let mut next = proof.batches.iter();
    let paired: Vec<Option<&RegionBatch<E>>> = region_points
        .iter()
        .map(|(_, points)| if points.is_empty() { None } else { next.next() })
        .collect();
    let mut stated: Vec<Vec<E>> = Vec::with_capacity(regions.len());
    for ((r, (_, points)), b) in regions.iter().zip(&region_points).zip(&paired) {
        let values = b.map_or(&[][..], |b| b.values.as_slice());
        expect(
            values.len() == points.len(),
            VerifyError::BatchValues {
                region: r.kind,
                expected: points.len(),
                got: values.len(),
            },
        )?;
        stated.push(values.to_vec());
    }
    // A wrong stated value is an input-claim mismatch, found before any sumcheck.
    check_input(circuit, statement, claims, regions, &region_points, &stated)?;
    let mut checks = Vec::with_capacity(regions.len());
    for ((r, (_, points)), b) in regions.iter().zip(&region_points).zip(&paired) {
        let check =
            match b {
                None => None,
                Some(b) => Some(batch::verify(b, r.log_len as usize, points, t).map_err(
                    |source| VerifyError::Batch {
                        region: r.kind,
                        source,
                    },
                )?),
            };
        checks.push(check);
    }
    let claimed: Option<Vec<Vec<E>>> = proof
        .openings
        .iter()
        .map(|o| scheme.claimed_evaluations(o))
        .collect();
    // Stated openings are checked against the batches before any opening is verified.
    if let Some(claimed) = &claimed {
        for ((r, check), evals) in regions.iter().zip(&checks).zip(claimed) {
            // One point per region: the batch's, or the zero point (value unused).
            let want = 1;
            expect(
                evals.len() == want,
                VerifyError::Opening {
                    region: r.kind,
                    source: crate::commit::CommitError::Shape {
                        what: "opened evaluations",
                        expected: want,
                        got: evals.len(),
                    },
                },
            )?;
            if let (Some(check), Some(&w)) = (check, evals.first()) {
                expect(check.accepts(w), VerifyError::BatchFinal { region: r.kind })?;
            }
        }
    }
    for (i, (r, check)) in regions.iter().zip(&checks).enumerate() {
        let point = match check {
            Some(c) => vec![c.point.clone()],
            None => points_or_zero(r, Vec::new()),
        };
        let lo: Vec<&[E]> = point.iter().map(Vec::as_slice).collect();
        let evals = open_region(scheme, proof, i, r, &lo, claimed.as_ref(), t)?;
        if let Some(check) = check {
            let w = evals.first().copied().unwrap_or(E::ZERO);
            expect(
                evals.len() == 1 && check.accepts(w),
                VerifyError::BatchFinal { region: r.kind },
            )?;
        }
    }
    Ok(())
}

/// One layer: checks the proof's shape against the circuit's layer, then the block
/// outputs, the gate part and each block; returns the claims on `V_{k−1}` (gate claims
/// first, then one per block operand) and their values.
#[allow(clippy::too_many_arguments)]
fn verify_layer<F, E>(
    circuit: &Circuit,
    k: usize,
    lp: &LayerProof<E>,
    points: &[(Vec<E>, E)],
    values: &[E],
    public: &[F],
    lower: &Lower<'_, F, E>,
    t: &mut Transcript,
    deferred: &mut Vec<Deferred<E>>,
    zk: Option<(&LayerSlots, &mut Vec<DeferredClaim<E>>)>,
) -> Result<(super::Claims<E>, Vec<E>), VerifyError>
where
    F: Field,
    E: ExtensionField<F>,
{
    let expect = |ok: bool, err: VerifyError| if ok { Ok(()) } else { Err(err) };
    let layer = &circuit.layers[k - 1];
    let a = circuit.log_width(k - 1) as usize;
    // The gate part's variables: `a`, or the gate span at layer 1 (`super::gate_vars`).
    let g = gate_vars(circuit, k);
    let has_mul = !layer.mul.is_empty();
    expect(
        lp.phase2.is_some() == has_mul,
        VerifyError::Phase2Shape {
            layer: k,
            expected: has_mul,
        },
    )?;
    expect(
        lp.blocks.len() == layer.blocks.len(),
        VerifyError::BlockCount {
            layer: k,
            expected: layer.blocks.len(),
            got: lp.blocks.len(),
        },
    )?;
    let block_err = |block, source| VerifyError::Block {
        layer: k,
        block,
        source,
    };
    let mut out_logs = Vec::with_capacity(layer.blocks.len());
    for (b, (block, part)) in layer.blocks.iter().zip(&lp.blocks).enumerate() {
        expect(
            part.y.len() == points.len(),
            VerifyError::BlockOutputs {
                layer: k,
                block: b,
                expected: points.len(),
                got: part.y.len(),
            },
        )?;
        out_logs.push(blocks::out_log_len(&block.op).map_err(|e| block_err(b, e))?);
    }

    // Masked: the blocks' mask places, one per block (from the verifier's own layout).
    let (slots, mut mask_claims) = match zk {
        Some((s, c)) => {
            expect(
                s.blocks.len() == layer.blocks.len(),
                VerifyError::ZkLayout(super::zk::ZkLayoutError::Block { layer: k, block: 0 }),
            )?;
            (Some(s), Some(c))
        }
        None => (None, None),
    };

    // The incoming claim, less what the blocks' outputs contribute to it. Masked, the
    // outputs are `t − δ`: the claim carries `+δ` symbolically.
    let mut claim: E = points.iter().zip(values).map(|((_, w), &v)| *w * v).sum();
    let incoming = match slots {
        Some(s) => {
            let outs: Vec<(usize, usize)> = layer
                .blocks
                .iter()
                .zip(&out_logs)
                .map(|(b, &n)| ((b.out_offset as usize) >> n, n))
                .collect();
            super::zk::blocks_in_layer_claim::<F, E>(&outs, points, &s.blocks)
        }
        None => crate::zk::Covector::new(),
    };
    if !layer.blocks.is_empty() {
        let all: Vec<E> = lp.blocks.iter().flat_map(|p| p.y.iter().copied()).collect();
        t.absorb_field(structured::BLOCK_Y, &all);
        for ((block, part), &n) in layer.blocks.iter().zip(&lp.blocks).zip(&out_logs) {
            let index = (block.out_offset as usize) >> n;
            for ((p, w), &y) in points.iter().zip(&part.y) {
                claim -= *w * mle::eq_at_index(&p[n..], index) * y;
            }
        }
    }

    // The gate part.
    let e = LayerEq::new(layer, points);
    claim -= e.constant(layer, public, lower);
    let sumcheck_err = |phase| {
        move |source| VerifyError::Sumcheck {
            layer: k,
            phase,
            source,
        }
    };
    // Plain: the phase's final value. Masked: its symbolic value, and the phase's round-0
    // claim on the masks (the masks' shape comes from the verifier's own layout).
    let run = |claim: Symbolic<E>,
               slots: Option<crate::zk::MaskSlots>,
               rounds: &[sumcheck::RoundPoly<E>],
               phase: u8,
               t: &mut Transcript|
     -> Result<PhaseEnd<E>, VerifyError> {
        match slots {
            None => {
                let sc = sumcheck::verify(claim.constant, g, 2, rounds, t)
                    .map_err(sumcheck_err(phase))?;
                Ok((sc.point, Symbolic::known(sc.value), None))
            }
            Some(s) => {
                let sc =
                    masked::verify::<F, E>(claim, s, rounds, t).map_err(sumcheck_err(phase))?;
                Ok((sc.point, sc.value, sc.deferred))
            }
        }
    };
    let mut defer = |c: Option<DeferredClaim<E>>| {
        if let (Some(list), Some(c)) = (mask_claims.as_mut(), c) {
            list.push(c);
        }
    };
    let (rx, value1, d1) = run(
        Symbolic {
            constant: claim,
            covector: incoming,
        },
        slots.map(|s| s.phase1),
        &lp.phase1,
        1,
        t,
    )?;
    defer(d1);
    let vx = lp.vx;
    t.absorb_field(labels::VX, &[vx]);
    let eq_rx = SplitEq::new(&rx, E::ONE);
    let mut after_add = value1;
    after_add.constant -= vx * e.add(layer, &eq_rx, lower);
    let (mut next_points, mut next_values) = match &lp.phase2 {
        None => {
            if slots.is_some() {
                defer(Some(after_add.equals(E::ZERO)));
            } else {
                expect(
                    after_add.constant == E::ZERO,
                    VerifyError::LayerFinal { layer: k, phase: 1 },
                )?;
            }
            (vec![(gate_point(rx, a), E::ONE)], vec![vx])
        }
        Some(p2) => {
            let slots2 = match slots {
                Some(s) => Some(s.phase2.ok_or(VerifyError::Phase2Shape {
                    layer: k,
                    expected: false,
                })?),
                None => None,
            };
            let (ry, value2, d2) = run(after_add, slots2, &p2.rounds, 2, t)?;
            defer(d2);
            let vy = p2.vy;
            t.absorb_field(labels::VY, &[vy]);
            let eq_ry = SplitEq::new(&ry, E::ONE);
            let m = e.mul(layer, &eq_rx, &eq_ry, lower);
            if slots.is_some() {
                defer(Some(value2.equals(vx * vy * m)));
            } else {
                expect(
                    value2.constant == vx * vy * m,
                    VerifyError::LayerFinal { layer: k, phase: 2 },
                )?;
            }
            let alpha: E = t.challenge(labels::COMBINE);
            (
                vec![(gate_point(rx, a), E::ONE), (gate_point(ry, a), alpha)],
                vec![vx, vy],
            )
        }
    };
    drop(e);

    // Each block, on its output claims.
    let mut operands = Vec::with_capacity(layer.blocks.len());
    for (b, ((block, part), &n)) in layer
        .blocks
        .iter()
        .zip(&lp.blocks)
        .zip(&out_logs)
        .enumerate()
    {
        let bc = match (slots, mask_claims.as_deref_mut()) {
            (Some(s), Some(list)) => {
                let bs = s.blocks.get(b).ok_or(VerifyError::ZkLayout(
                    super::zk::ZkLayoutError::Block { layer: k, block: b },
                ))?;
                let out: Vec<(Vec<E>, Symbolic<E>)> = points
                    .iter()
                    .zip(&part.y)
                    .enumerate()
                    .map(|(c, ((p, _), &sent))| {
                        (
                            p[..n].to_vec(),
                            structured::output_value::<F, E>(bs, c, sent),
                        )
                    })
                    .collect();
                blocks::verify_masked::<F, E>(&block.op, &out, &part.proof, bs, list, t)
            }
            _ => {
                let out: Vec<Claim<E>> = points
                    .iter()
                    .zip(&part.y)
                    .map(|((p, _), &value)| Claim {
                        point: p[..n].to_vec(),
                        value,
                    })
                    .collect();
                blocks::verify(&block.op, &out, &part.proof, t)
            }
        }
        .map_err(|e| block_err(b, e))?;
        let (offset, log) = blocks::operand_span(&block.op).map_err(|e| block_err(b, e))?;
        if bc.operand.point.len() != log || log > a {
            return Err(block_err(
                b,
                structured::StructuredError::Shape {
                    what: "operand point",
                    expected: log,
                    got: bc.operand.point.len(),
                },
            ));
        }
        operands.push((
            blocks::extend_point(&bc.operand.point, offset >> log, a - log),
            bc.operand.value,
        ));
        deferred.extend(bc.weights.into_iter().map(|claim| Deferred {
            layer: k,
            block: b,
            claim,
        }));
    }
    for (point, value) in operands {
        let alpha: E = t.challenge(labels::COMBINE);
        next_points.push((point, alpha));
        next_values.push(value);
    }
    Ok((next_points, next_values))
}

/// GKR's final claims against the input layer, and the blocks' weights claims: public
/// regions evaluated here, committed regions from `evals` (one evaluation per point of
/// `region_points`: the opened claims, then for the weights the deferred claims).
fn check_input<F, E>(
    circuit: &Circuit,
    statement: &Statement<'_, F>,
    claims: &Claims<'_, E>,
    regions: &[circuits::Region],
    region_points: &[(Vec<usize>, Vec<Vec<E>>)],
    evals: &[Vec<E>],
) -> Result<(), VerifyError>
where
    F: Field,
    E: ExtensionField<F>,
{
    let (points, values, deferred) = (claims.points, claims.values, claims.deferred);
    let mut total: Vec<E> = vec![E::ZERO; points.len()];
    if let Some(r) = circuit.input.region(RegionKind::Public) {
        for c in opened_claims(r, points) {
            let p = &points[c].0;
            let v = mle::evaluate_base::<F, E>(
                &statement.public[..r.len as usize],
                &p[..r.log_len as usize],
            );
            total[c] += region_weight(r, p) * v;
        }
    }
    for ((r, (opened, _)), evals) in regions.iter().zip(region_points).zip(evals) {
        for (&c, &v) in opened.iter().zip(evals) {
            total[c] += region_weight(r, &points[c].0) * v;
        }
        if let (RegionKind::Private, Some(z)) = (r.kind, claims.table_value)
            && evals.get(opened.len()) != Some(&z)
        {
            return Err(VerifyError::ZkTableValue);
        }
        if r.kind == RegionKind::Private {
            let rest = evals.get(opened.len() + 1..).unwrap_or(&[]);
            for (boundary, (_, y)) in claims.private_agreement.iter().enumerate() {
                if rest.get(boundary) != Some(y) {
                    return Err(VerifyError::BoundaryAgreement { boundary });
                }
            }
        }
        if r.kind == RegionKind::Weights {
            let rest = evals.get(opened.len()..).unwrap_or(&[]);
            for (index, (dc, &v)) in deferred.iter().zip(rest).enumerate() {
                if v != dc.claim.value {
                    return Err(VerifyError::WeightsClaim {
                        index,
                        layer: dc.layer,
                        block: dc.block,
                    });
                }
            }
            if let Some(y) = claims.agreement_value
                && rest.get(deferred.len()) != Some(&y)
            {
                return Err(VerifyError::WeightsAgreement);
            }
        }
    }
    if let Some(c) = (0..points.len()).find(|&c| total[c] != values[c]) {
        return Err(VerifyError::InputClaim { claim: c });
    }
    Ok(())
}
