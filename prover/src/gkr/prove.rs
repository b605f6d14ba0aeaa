//! The GKR prover.

use super::blocks::{self, Deferred};
use super::structured::{self, Claim};
use super::values::{LayerValues, evaluate_all, operand_of};
use super::wiring::Lower;
use super::zk::{LayerSlots, ZkLayout, ZkProver};
use super::{
    PreparedCircuit, batch, committed_regions, deferred_points, gate_point, gate_vars,
    opened_claims, points_or_zero,
};
use crate::arith::{ExtensionField, Field};
use crate::commit::{CommitmentScheme, Digest};
use crate::error::ProveError;
use crate::mle;
use crate::par;
use crate::proof::{BlockPart, LayerProof, Phase2Proof, Proof};
use crate::statement::{Statement, bind_statement_versioned, protocol_version};
use crate::sumcheck::{self, ProductSumcheck, Table, masked};
use crate::transcript::{Transcript, labels};
use crate::zk::{Covector, DeferredClaim, inner_product};
use circuits::codec::Writer;
use circuits::{Circuit, Layer, RegionKind};
use std::borrow::Cow;

/// What proving returns: the proof and the public outputs it proves.
pub type Proven<F, E, C> = (Proof<E, <C as CommitmentScheme<F, E>>::Opening>, Vec<F>);

pub(super) type InnerProduct<E> = inner_product::InnerProductProof<E>;

/// The shared prover's result: the inner product only for masked proofs.
pub(super) type ProvenInner<F, E, C> = (Proven<F, E, C>, Option<InnerProduct<E>>);

/// What masked proving returns: the proof and outputs, and the inner product that
/// discharges the masked sumchecks' deferred claims.
pub type ProvenMasked<F, E, C> = (Proven<F, E, C>, InnerProduct<E>);

/// The prover's private data and the public input.
#[derive(Clone, Copy, Debug)]
pub struct Witness<'a, F> {
    /// Public input values (`Circuit::num_public` of them).
    pub public: &'a [F],
    /// Values of the weights region (empty if the circuit has none).
    pub weights: &'a [F],
    /// Values of the private region (empty if the circuit has none).
    pub private: &'a [F],
}

/// A circuit's weights committed once (at compile time) for many proofs: the digest a
/// verifier pins ([`crate::Statement::weights_commitment`]), the values, and the
/// scheme's prover data, cloned into each proof's opening.
///
/// [`CommittedWeights::to_bytes`] stores the values and the digest, not p3's prover data
/// (WHIR's has no serialisation): [`CommittedWeights::from_bytes`] rebuilds the prover
/// data deterministically by committing again and refuses bytes whose digest the
/// rebuild does not reproduce (other weights, another scheme or other parameters).
#[derive(Clone)]
pub struct CommittedWeights<F, D> {
    digest: Digest,
    log_len: u8,
    values: Vec<F>,
    data: D,
}

impl<F, D> std::fmt::Debug for CommittedWeights<F, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommittedWeights")
            .field("digest", &self.digest)
            .field("log_len", &self.log_len)
            .field("len", &self.values.len())
            .finish_non_exhaustive()
    }
}

/// Magic bytes of stored committed weights.
pub const WEIGHTS_MAGIC: [u8; 4] = *b"LAMW";
/// Version of the stored committed-weights encoding.
pub const WEIGHTS_FORMAT_VERSION: u32 = 1;

impl<F: Field, D> CommittedWeights<F, D> {
    /// Weights committed elsewhere (the zero-knowledge weights stock): the digest, the
    /// region's size, its values and the scheme's prover data, as given.
    pub(crate) fn from_parts(digest: Digest, log_len: u8, values: Vec<F>, data: D) -> Self {
        CommittedWeights {
            digest,
            log_len,
            values,
            data,
        }
    }

    /// The commitment a verifier pins.
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// The committed values.
    pub fn values(&self) -> &[F] {
        &self.values
    }

    /// The encoding: `"LAMW" | version u32 | scheme id (u32 length, UTF-8) | digest (32) |
    /// log_len u8 | values (u32 count, canonical field elements)`.
    pub fn to_bytes<E, C>(&self, scheme: &C) -> Vec<u8>
    where
        E: ExtensionField<F>,
        C: CommitmentScheme<F, E, ProverData = D>,
    {
        let mut w = circuits::codec::Writer::new();
        w.bytes(&WEIGHTS_MAGIC);
        w.u32(WEIGHTS_FORMAT_VERSION);
        let id = scheme.id();
        w.length(id.len());
        w.bytes(id.as_bytes());
        w.bytes(&self.digest);
        w.u8(self.log_len);
        w.length(self.values.len());
        for v in &self.values {
            v.encode(&mut w);
        }
        w.into_bytes()
    }

    /// Decodes stored weights for `circuit` strictly and rebuilds the prover data with
    /// `scheme` (one commit), refusing a scheme id, region size or digest that differs.
    pub fn from_bytes<E, C>(scheme: &C, circuit: &Circuit, bytes: &[u8]) -> Result<Self, ProveError>
    where
        E: ExtensionField<F>,
        C: CommitmentScheme<F, E, ProverData = D>,
    {
        use circuits::DecodeError;
        let mut r = circuits::codec::Reader::new(bytes);
        if r.take(4, "magic")? != WEIGHTS_MAGIC {
            return Err(DecodeError::Magic {
                expected: WEIGHTS_MAGIC,
            }
            .into());
        }
        let version = r.u32("version")?;
        if version != WEIGHTS_FORMAT_VERSION {
            return Err(DecodeError::Version {
                what: "committed weights",
                got: version,
                supported: &[WEIGHTS_FORMAT_VERSION],
            }
            .into());
        }
        let n = r.length(1, "scheme id")?;
        let id = r.take(n, "scheme id")?;
        if id != scheme.id().as_bytes() {
            return Err(ProveError::WeightsScheme);
        }
        let digest = r.digest("weights commitment")?;
        let log_len = r.u8("weights log_len")?;
        let n = r.length(F::ENCODED_BYTES, "weights")?;
        let values = (0..n)
            .map(|_| F::decode(&mut r))
            .collect::<Result<Vec<F>, _>>()?;
        r.finish()?;
        let region = circuit
            .input
            .region(RegionKind::Weights)
            .ok_or(ProveError::NoWeightsRegion)?;
        check_len("weights", region.len as usize, values.len())?;
        if region.log_len != log_len {
            return Err(ProveError::Length {
                what: "weights region log_len",
                expected: region.log_len as usize,
                got: log_len as usize,
            });
        }
        let (again, data) = scheme.commit(&values, log_len)?;
        if again != digest {
            return Err(ProveError::WeightsDigest);
        }
        Ok(CommittedWeights {
            digest,
            log_len,
            values,
            data,
        })
    }
}

/// Commits `circuit`'s weights region once, for every proof on these weights
/// ([`prove_with_weights`]). `Ok(None)` when the circuit has no weights region.
pub fn commit_weights<F, E, C>(
    scheme: &C,
    circuit: &Circuit,
    weights: &[F],
) -> Result<Option<CommittedWeights<F, C::ProverData>>, ProveError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    let Some(r) = circuit.input.region(RegionKind::Weights) else {
        check_len("weights", 0, weights.len())?;
        return Ok(None);
    };
    check_len("weights", r.len as usize, weights.len())?;
    let (digest, data) = scheme.commit(weights, r.log_len)?;
    Ok(Some(CommittedWeights {
        digest,
        log_len: r.log_len,
        values: weights.to_vec(),
        data,
    }))
}

/// [`prove_prepared`] against weights committed beforehand ([`commit_weights`]): the
/// weights are not committed again, and their opening is made from `weights`' prover
/// data. `witness.weights` must be empty or equal to the committed values; `weights`
/// must be `Some` exactly when the circuit has a weights region.
pub fn prove_with_weights<F, E, C>(
    scheme: &C,
    prepared: &PreparedCircuit<'_>,
    weights: Option<&CommittedWeights<F, C::ProverData>>,
    witness: &Witness<'_, F>,
    context: &[u8],
) -> Result<Proven<F, E, C>, ProveError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    let witness = with_committed_weights(prepared, weights, witness)?;
    prove_inner(scheme, prepared, &witness, weights, context, true, None).map(|(p, _)| p)
}

/// The witness with the committed weights in place, after checking that `weights` is
/// `Some` exactly when the circuit has a weights region and that `witness.weights` is
/// empty or equal to the committed values.
pub(super) fn with_committed_weights<'a, F: Field, D>(
    prepared: &PreparedCircuit<'_>,
    weights: Option<&'a CommittedWeights<F, D>>,
    witness: &Witness<'a, F>,
) -> Result<Witness<'a, F>, ProveError> {
    let has = prepared
        .circuit()
        .input
        .region(RegionKind::Weights)
        .is_some();
    match (has, weights) {
        (true, None) | (false, Some(_)) => Err(ProveError::NoWeightsRegion),
        (true, Some(cw)) => {
            if !witness.weights.is_empty() && witness.weights != cw.values.as_slice() {
                return Err(ProveError::WeightsMismatch);
            }
            Ok(Witness {
                weights: &cw.values,
                ..*witness
            })
        }
        (false, None) => Ok(*witness),
    }
}

/// Proves that the witness satisfies the circuit. Returns the proof and the public
/// outputs it proves. Refuses (with [`ProveError::Unsatisfied`]) a witness that leaves
/// any non-public output slot nonzero. Commits the weights too; see
/// [`prove_with_weights`] to reuse a commitment made once.
pub fn prove<F, E, C>(
    scheme: &C,
    circuit: &Circuit,
    witness: &Witness<'_, F>,
    context: &[u8],
) -> Result<Proven<F, E, C>, ProveError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    prove_inner(
        scheme,
        &PreparedCircuit::new(circuit)?,
        witness,
        None,
        context,
        true,
        None,
    )
    .map(|(p, _)| p)
}

/// [`prove`] on a circuit validated and digested beforehand.
pub fn prove_prepared<F, E, C>(
    scheme: &C,
    prepared: &PreparedCircuit<'_>,
    witness: &Witness<'_, F>,
    context: &[u8],
) -> Result<Proven<F, E, C>, ProveError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    prove_inner(scheme, prepared, witness, None, context, true, None).map(|(p, _)| p)
}

/// [`prove`] without the satisfaction check: it proves whatever the witness computes and
/// claims the public output slots as computed. Exists only so soundness tests can hand
/// the verifier proofs of unsatisfied witnesses; never use it otherwise.
#[doc(hidden)]
pub fn prove_unchecked<F, E, C>(
    scheme: &C,
    circuit: &Circuit,
    witness: &Witness<'_, F>,
    context: &[u8],
) -> Result<Proven<F, E, C>, ProveError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    prove_inner(
        scheme,
        &PreparedCircuit::new(circuit)?,
        witness,
        None,
        context,
        false,
        None,
    )
    .map(|(p, _)| p)
}

fn check_len(what: &'static str, expected: usize, got: usize) -> Result<(), ProveError> {
    if expected == got {
        Ok(())
    } else {
        Err(ProveError::Length {
            what,
            expected,
            got,
        })
    }
}

/// The public outputs of the output layer, and (when `check`) the satisfaction check.
fn outputs<F: Field, E: ExtensionField<F>>(
    circuit: &Circuit,
    out: &LayerValues<F, E>,
    check: bool,
) -> Result<Vec<F>, ProveError> {
    let mut public = vec![false; out.len()];
    let mut claimed = Vec::with_capacity(circuit.public_outputs.len());
    for (index, &slot) in circuit.public_outputs.iter().enumerate() {
        public[slot as usize] = true;
        let v = out.get(slot as usize);
        let b = v.as_base().ok_or(ProveError::OutputNotBase {
            index,
            slot: slot as usize,
        })?;
        claimed.push(b);
    }
    if check && let Some(slot) = (0..out.len()).find(|&s| !public[s] && out.get(s) != E::ZERO) {
        return Err(ProveError::Unsatisfied { slot });
    }
    Ok(claimed)
}

/// A masked proof's state: the table's layout and span, and the masks' prover.
type ZkState<E> = (ZkLayout, std::ops::Range<usize>, ZkProver<E>);

/// The input layer from the witness (lengths checked), with a masked proof's noise and
/// mask table filled (a PRF of its seed over the witness and the context).
fn input_layer<F, E>(
    circuit: &Circuit,
    witness: &Witness<'_, F>,
    context: &[u8],
    zk: Option<super::prove_masked::ZkArgs<'_>>,
) -> Result<(Vec<F>, Option<ZkState<E>>), ProveError>
where
    F: Field,
    E: ExtensionField<F>,
{
    check_len(
        "public input",
        circuit.num_public as usize,
        witness.public.len(),
    )?;
    check_len(
        "weights",
        circuit.input.len_of(RegionKind::Weights),
        witness.weights.len(),
    )?;
    check_len(
        "private values",
        circuit.input.len_of(RegionKind::Private),
        witness.private.len(),
    )?;

    let mut input = vec![F::ZERO; 1usize << circuit.input.log_width];
    for r in &circuit.input.regions {
        let src = match r.kind {
            RegionKind::Public => &witness.public[..r.len as usize],
            RegionKind::Weights => witness.weights,
            RegionKind::Private => witness.private,
        };
        input[r.offset as usize..r.offset as usize + src.len()].copy_from_slice(src);
    }
    // Masked proofs: the masks and slack fill their table before anything is committed.
    let zk_state = match zk {
        Some(z) => {
            // The masks are a PRF of the seed over the whole witness and the context.
            let mut w = Writer::hashing(blake3::Hasher::new_derive_key("lamina zk binding v1"));
            w.bytes(context);
            for v in &input {
                v.encode(&mut w);
            }
            let binding = w.finish_hash();
            let spans = super::zk::check_layout::<F, E>(circuit, z.layout)?;
            let span = spans.table.clone();
            // The noise precedes the table in the region (the layout check keeps them
            // apart), so both can be borrowed at once.
            let (low, high) = input.split_at_mut(span.start);
            let noise = low
                .get_mut(spans.noise.clone())
                .ok_or(ProveError::Unsupported {
                    what: "noise above the mask table",
                })?;
            let state = ZkProver::<E>::new(
                spans.slots,
                &mut high[..span.len()],
                noise,
                z.seed,
                &binding,
            )
            .map_err(|_| ProveError::Unsupported {
                what: "mask slots outside the mask table",
            })?;
            Some((z.layout, span, state))
        }
        None => None,
    };
    Ok((input, zk_state))
}

/// The commitment a masked proof of `prepared` on `witness` with `zk` makes to its
/// private region (the same bytes [`super::prove_masked`] commits to, given the same
/// scheme state), and its prover data: what a chain of proofs must know of each other
/// before any of them is made (`crate::zk::chain`).
pub(crate) fn masked_private_commitment<F, E, C>(
    scheme: &C,
    prepared: &PreparedCircuit<'_>,
    witness: &Witness<'_, F>,
    context: &[u8],
    zk: super::prove_masked::ZkArgs<'_>,
) -> Result<(Digest, C::ProverData), ProveError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    let circuit = prepared.circuit();
    let r = *circuit
        .input
        .region(RegionKind::Private)
        .ok_or(ProveError::Unsupported {
            what: "a masked proof without a private region",
        })?;
    let (input, _) = input_layer::<F, E>(circuit, witness, context, Some(zk))?;
    let start = r.offset as usize;
    Ok(scheme.commit(&input[start..start + r.len as usize], r.log_len)?)
}

pub(super) fn prove_inner<F, E, C>(
    scheme: &C,
    prepared: &PreparedCircuit<'_>,
    witness: &Witness<'_, F>,
    committed: Option<&CommittedWeights<F, C::ProverData>>,
    context: &[u8],
    check: bool,
    zk: Option<super::prove_masked::MaskedArgs<'_, E, C::ProverData>>,
) -> Result<ProvenInner<F, E, C>, ProveError>
where
    F: Field,
    E: ExtensionField<F>,
    C: CommitmentScheme<F, E>,
{
    let circuit = prepared.circuit();
    if !C::ZERO_PADDING
        && let Some((region, slot)) = prepared.padding_read()
    {
        return Err(ProveError::ReadsCommittedPadding { region, slot });
    }
    // Input layer and commitments.
    let fault = zk.and_then(|z| z.fault);
    let agreement = zk.and_then(|z| z.agreement);
    let private_agreement: &[Vec<E>] = zk.map_or(&[], |z| z.private_agreement);
    if let Some(z) = agreement {
        let w = circuit
            .input
            .region(RegionKind::Weights)
            .ok_or(ProveError::NoWeightsRegion)?;
        if z.len() != usize::from(w.log_len) {
            return Err(ProveError::Unsupported {
                what: "an agreement point of another arity than the weights region",
            });
        }
    }
    if let Some(z) = private_agreement.first() {
        let p = circuit
            .input
            .region(RegionKind::Private)
            .ok_or(ProveError::Unsupported {
                what: "a private agreement point without a private region",
            })?;
        if private_agreement
            .iter()
            .any(|z| z.len() != usize::from(p.log_len))
            || z.is_empty()
        {
            return Err(ProveError::Unsupported {
                what: "an agreement point of another arity than the private region",
            });
        }
    }
    let (input, mut zk_state) = input_layer::<F, E>(circuit, witness, context, zk.map(|z| z.zk))?;
    let regions = committed_regions(circuit);
    let mut commitments = Vec::with_capacity(regions.len());
    let mut prover_data = Vec::with_capacity(regions.len());
    let private_data = zk.and_then(|z| z.private_data);
    for r in &regions {
        let (c, d) = match (r.kind, committed, private_data) {
            (RegionKind::Weights, Some(cw), _) => (cw.digest, cw.data.clone()),
            (RegionKind::Private, _, Some((digest, data))) => (*digest, data.clone()),
            _ => {
                let start = r.offset as usize;
                scheme.commit(&input[start..start + r.len as usize], r.log_len)?
            }
        };
        commitments.push(c);
        prover_data.push(d);
    }

    // The claimed outputs are part of the statement, bound before any challenge. Public
    // outputs must not depend on in-circuit challenges: evaluate once with placeholder
    // challenges to learn them, and check after the real draw that they did not move.
    let n_ch = circuit.num_challenges as usize;
    // A test fault: the blocks' outputs given, one of them wrong.
    let known = match fault {
        Some(f) => Some(super::prove_masked::faulty_outputs::<F, E>(
            circuit,
            witness.public,
            &input,
            f,
        )?),
        None => None,
    };
    let (claimed, early, input, probe_blocks) = if n_ch == 0 {
        let values = evaluate_all::<F, E>(circuit, witness.public, input, &[], known)?;
        let claimed = outputs(circuit, &values.0[values.0.len() - 1], check)?;
        (claimed, Some(values), Vec::new(), None)
    } else {
        let (probe, ys) = evaluate_all::<F, E>(
            circuit,
            witness.public,
            input.clone(),
            &vec![E::ZERO; n_ch],
            known,
        )?;
        (
            outputs(circuit, &probe[probe.len() - 1], false)?,
            None,
            input,
            Some(ys),
        )
    };
    let weights_commitment = regions
        .iter()
        .position(|r| r.kind == RegionKind::Weights)
        .map(|i| &commitments[i]);
    let statement = Statement {
        public: witness.public,
        outputs: &claimed,
        context,
        weights_commitment,
    };
    let mut t = bind_statement_versioned::<F, E>(
        protocol_version(circuit),
        &scheme.id(),
        prepared.digest(),
        &statement,
        &commitments,
    );
    if let Some((layout, _, _)) = &zk_state {
        super::zk::bind_layout(&mut t, *layout);
    }
    let challenges: Vec<E> = t.challenges_bulk(labels::CIRCUIT_CHALLENGE, n_ch);
    let (values, block_ys) = match early {
        Some(v) => v,
        None => {
            let v =
                evaluate_all::<F, E>(circuit, witness.public, input, &challenges, probe_blocks)?;
            let now = outputs(circuit, &v.0[v.0.len() - 1], check)?;
            if let Some(index) = (0..now.len()).find(|&i| now[i] != claimed[i]) {
                let slot = circuit.public_outputs[index] as usize;
                return Err(ProveError::OutputDependsOnChallenges { index, slot });
            }
            v
        }
    };

    let lower = Lower::<F, E>::new(&challenges);
    let weights_values: &[F] = match &values[0] {
        LayerValues::Base(v) => &v[blocks::weights_span(circuit, v)],
        LayerValues::Ext(_) => &[],
    };
    let rz: Vec<E> = t.challenges(labels::OUTPUT_POINT, circuit.output_log_width() as usize);
    let mut claims: Vec<(Vec<E>, E)> = vec![(rz, E::ONE)];
    let mut layers = Vec::with_capacity(circuit.depth());
    let mut deferred: Vec<Deferred<E>> = Vec::new();
    for k in (1..=circuit.depth()).rev() {
        let (proof, next) = prove_layer(
            LayerCtx {
                k,
                layer: &circuit.layers[k - 1],
                prev: &values[k - 1],
                prev_log_width: circuit.log_width(k - 1) as usize,
                gate_vars: gate_vars(circuit, k),
                ys: &block_ys[k - 1],
                weights: weights_values,
            },
            &claims,
            &lower,
            &mut t,
            &mut deferred,
            zk_state.as_mut().map(|(_, _, z)| z),
        )?;
        layers.push(proof);
        claims = next;
    }

    // Masked proofs: every deferred claim on the masks, in one inner product over the
    // table; its point joins the private region's points.
    let mut inner = None;
    let mut table_point = None;
    if let Some((layout, span, state)) = zk_state {
        let LayerValues::Base(v0) = &values[0] else {
            return Err(ProveError::Unsupported {
                what: "an input layer outside the base field",
            });
        };
        let z = &v0[span];
        // The table is interleaved: the masks are its even entries.
        let masks: Vec<F> = z.iter().step_by(2).copied().collect();
        let deferred_claims: Vec<DeferredClaim<E>> = state
            .covectors
            .into_iter()
            .map(|covector| {
                let value = covector.apply(&masks);
                DeferredClaim { covector, value }
            })
            .collect();
        let (ip, point) = inner_product::prove(z, &deferred_claims, &mut t).map_err(|_| {
            ProveError::Unsupported {
                what: "a deferred claim outside the mask table",
            }
        })?;
        inner = Some(ip);
        table_point = Some((layout, point));
    }

    // The committed regions' points: the claims that select them, then (weights) the
    // blocks' deferred claims. Protocol version 2 batches each region's points into one
    // (`batch`) before opening; version 1 opens every point.
    let mut region_points: Vec<Vec<Vec<E>>> = Vec::with_capacity(regions.len());
    for r in &regions {
        let mut points: Vec<Vec<E>> = opened_claims(r, &claims)
            .map(|c| claims[c].0[..r.log_len as usize].to_vec())
            .collect();
        points.extend(deferred_points(r, &deferred)?);
        if let (RegionKind::Private, Some((layout, point))) = (r.kind, &table_point) {
            points.push(super::zk::table_point(r, *layout, point));
        }
        if r.kind == RegionKind::Private {
            points.extend(private_agreement.iter().cloned());
        }
        if let (RegionKind::Weights, Some(z)) = (r.kind, agreement) {
            points.push(z.to_vec());
        }
        region_points.push(points);
    }
    let mut batches = Vec::new();
    if batch::applies(circuit) {
        for (r, points) in regions.iter().zip(&mut region_points) {
            if points.is_empty() {
                continue;
            }
            let start = r.offset as usize;
            let LayerValues::Base(v0) = &values[0] else {
                return Err(ProveError::Unsupported {
                    what: "an input layer outside the base field",
                });
            };
            let refs: Vec<&[E]> = points.iter().map(Vec::as_slice).collect();
            let (batch, s) = batch::prove(
                &v0[start..start + r.len as usize],
                r.log_len as usize,
                &refs,
                &mut t,
            );
            batches.push(batch);
            *points = vec![s];
        }
    }
    let mut openings = Vec::with_capacity(regions.len());
    for ((r, points), data) in regions.iter().zip(region_points).zip(prover_data) {
        // A region no claim selects is opened at the zero point, its value unused.
        let points = points_or_zero(r, points);
        let refs: Vec<&[E]> = points.iter().map(Vec::as_slice).collect();
        openings.push(scheme.open(data, &refs, &mut t)?);
    }
    Ok((
        (
            Proof {
                commitments,
                layers,
                batches,
                openings,
            },
            claimed,
        ),
        inner,
    ))
}

/// `E(z) = Σ_c w_c·eq(r_c, z)`.
fn combined_eq<E: Field>(claims: &[(Vec<E>, E)]) -> Vec<E> {
    let mut e = mle::eq_table_scaled_par(&claims[0].0, claims[0].1);
    for (p, w) in &claims[1..] {
        let more = mle::eq_table_scaled_par(p, *w);
        par::fill_chunks(&mut e, par::chunk_for(more.len()), |start, out| {
            for (k, o) in out.iter_mut().enumerate() {
                *o += more[start + k];
            }
        });
    }
    e
}

/// Scatters `term(g)` into `h[slot(g)]` for gate indices `0..n`, in per-thread tables
/// summed at the end (no two threads write one entry; sums are exact, so the result does
/// not depend on the split).
fn scatter<E: Field>(
    width: usize,
    n: usize,
    item: impl Fn(usize) -> (usize, E) + Sync + Send,
) -> Vec<E> {
    let accumulate = |range: std::ops::Range<usize>| {
        let mut h = vec![E::ZERO; width];
        for g in range {
            let (slot, v) = item(g);
            h[slot] += v;
        }
        h
    };
    if n < par::MIN_PARALLEL || par::pieces() == 1 {
        return accumulate(0..n);
    }
    par::map_reduce(
        n,
        n.div_ceil(par::pieces()),
        Vec::new(),
        accumulate,
        |mut a, b| {
            if a.is_empty() {
                return b;
            }
            for (x, y) in a.iter_mut().zip(&b) {
                *x += *y;
            }
            a
        },
    )
}

/// What proving one layer reads besides the claims.
struct LayerCtx<'a, F, E> {
    /// The layer (1 = first above the input).
    k: usize,
    layer: &'a Layer,
    /// `V_{k−1}`.
    prev: &'a LayerValues<F, E>,
    prev_log_width: usize,
    /// Variables of the gate part: `prev_log_width`, or the gate span at layer 1.
    gate_vars: usize,
    /// The layer's blocks' outputs, in circuit order.
    ys: &'a [Vec<F>],
    /// The weights region's padded span of the input layer.
    weights: &'a [F],
}

/// One layer: block outputs at the claims, the gate part, each block's aggregation and
/// op sumcheck, then the claims on `V_{k−1}` (gate claims first, then one per block
/// operand). Block claims on the weights region are pushed to `deferred`.
fn prove_layer<F: Field, E: ExtensionField<F>>(
    ctx: LayerCtx<'_, F, E>,
    claims: &[(Vec<E>, E)],
    lower: &Lower<'_, F, E>,
    t: &mut Transcript,
    deferred: &mut Vec<Deferred<E>>,
    zk: Option<&mut ZkProver<E>>,
) -> Result<(LayerProof<E>, super::Claims<E>), ProveError> {
    let LayerCtx {
        k,
        layer,
        prev,
        prev_log_width,
        gate_vars,
        ys,
        weights,
    } = ctx;
    let block_err = |block, source| ProveError::Block {
        layer: k,
        block,
        source,
    };

    // 1. Every block's output at every claim's low coordinates, absorbed before any
    //    challenge of this layer. Masked: each sent as `Ỹ + δ`, `δ` its own mask.
    let mut block_y: Vec<Vec<E>> = Vec::with_capacity(layer.blocks.len());
    let mut outs = Vec::with_capacity(layer.blocks.len());
    for (b, (block, y)) in layer.blocks.iter().zip(ys).enumerate() {
        let n = blocks::out_log_len(&block.op).map_err(|e| block_err(b, e))?;
        outs.push(((block.out_offset as usize) >> n, n));
        block_y.push(
            claims
                .iter()
                .map(|(p, _)| mle::evaluate_base(y, &p[..n]))
                .collect(),
        );
    }
    let (zk_slots, zk_masks, covectors) = match zk {
        Some(ZkProver {
            slots,
            masks,
            covectors,
        }) => (Some(&slots[k - 1]), Some(&masks[k - 1]), Some(covectors)),
        None => (None, None, None),
    };
    if zk_masks.is_some_and(|m| m.blocks.len() != layer.blocks.len()) {
        return Err(ProveError::Unsupported {
            what: "a layer whose blocks and masks differ in number",
        });
    }
    let sent: Vec<Vec<E>> = match zk_masks {
        Some(m) => block_y
            .iter()
            .zip(&m.blocks)
            .map(|(values, bm)| {
                let delta = (0..values.len()).map(|c| bm.output(c));
                values.iter().zip(delta).map(|(&v, d)| v + d).collect()
            })
            .collect(),
        None => block_y.clone(),
    };
    if !layer.blocks.is_empty() {
        let all: Vec<E> = sent.iter().flatten().copied().collect();
        t.absorb_field(structured::BLOCK_Y, &all);
    }

    // 2. The gate part: exactly today's protocol (gates never write block spans), over
    //    `gate_vars` variables; its points on `V_{k−1}` are padded with zeros above them
    //    (`super::gate_vars` says why). Masked, its claim carries the blocks' `δ`s.
    let mut covectors = covectors;
    let zk = match (zk_slots, zk_masks, covectors.as_deref_mut()) {
        (Some(slots), Some(masks), Some(covectors)) => Some(ZkLayer {
            slots,
            phase1: &masks.phase1,
            phase2: masks.phase2.as_ref(),
            incoming: super::zk::blocks_in_layer_claim::<F, E>(&outs, claims, &slots.blocks),
            covectors,
        }),
        _ => None,
    };
    let (mut proof, next) = prove_gates(layer, prev, gate_vars, claims, lower, t, zk)?;
    let mut next: super::Claims<E> = next
        .into_iter()
        .map(|(p, w)| (gate_point(p, prev_log_width), w))
        .collect();

    // 3. Each block's aggregation and op sumcheck.
    let mut operands = Vec::with_capacity(layer.blocks.len());
    for (b, ((block, y), (values, sent))) in layer
        .blocks
        .iter()
        .zip(ys)
        .zip(block_y.into_iter().zip(sent))
        .enumerate()
    {
        let n = blocks::out_log_len(&block.op).map_err(|e| block_err(b, e))?;
        let out: Vec<Claim<E>> = claims
            .iter()
            .zip(&values)
            .map(|((p, _), &value)| Claim {
                point: p[..n].to_vec(),
                value,
            })
            .collect();
        let operand = operand_of(prev, &block.op).map_err(|e| match e {
            super::values::OperandError::NotBase => {
                ProveError::BlockOperandNotBase { layer: k, block: b }
            }
            super::values::OperandError::Op(s) => block_err(b, s),
        })?;
        let (bp, bc) = match (zk_slots, zk_masks, covectors.as_deref_mut()) {
            (Some(s), Some(m), Some(covectors)) => {
                let (slots, masks) =
                    s.blocks
                        .get(b)
                        .zip(m.blocks.get(b))
                        .ok_or(ProveError::Unsupported {
                            what: "a block without masks",
                        })?;
                blocks::prove_masked(
                    &block.op,
                    &out,
                    &sent,
                    y,
                    &operand,
                    weights,
                    (slots, masks),
                    covectors,
                    t,
                )
            }
            _ => blocks::prove(&block.op, &out, y, &operand, weights, t),
        }
        .map_err(|e| block_err(b, e))?;
        proof.blocks.push(BlockPart { y: sent, proof: bp });
        let (offset, log) = blocks::operand_span(&block.op).map_err(|e| block_err(b, e))?;
        operands.push(blocks::extend_point(
            &bc.operand.point,
            offset >> log,
            prev_log_width - log,
        ));
        deferred.extend(bc.weights.into_iter().map(|claim| Deferred {
            layer: k,
            block: b,
            claim,
        }));
    }

    // 4. One combination coefficient per block, drawn after every block's values.
    for point in operands {
        let alpha: E = t.challenge(labels::COMBINE);
        next.push((point, alpha));
    }
    Ok((proof, next))
}

/// The gate part over the first `2^vars` slots of `V_{k−1}` (validation keeps every
/// gate's inputs there): its sumcheck tables are that prefix and `h` over it.
fn prove_gates<F: Field, E: ExtensionField<F>>(
    layer: &Layer,
    prev: &LayerValues<F, E>,
    vars: usize,
    claims: &[(Vec<E>, E)],
    lower: &Lower<'_, F, E>,
    t: &mut Transcript,
    mut zk: Option<ZkLayer<'_, E>>,
) -> Result<(LayerProof<E>, super::Claims<E>), ProveError> {
    let mask_err = |_| ProveError::Unsupported {
        what: "masks of another shape than the layer's sumcheck",
    };
    let e = combined_eq(claims);
    let width = prev.len().min(1usize << vars);
    let (n_mul, n_add) = (layer.mul.len(), layer.add.len());

    // Phase 1: h[i] += c·E[o]·V[j] (mul), h[i] += c·E[o] (add).
    let h = match prev {
        LayerValues::Base(v) => scatter(width, n_mul + n_add, |g| {
            if g < n_mul {
                let m = &layer.mul[g];
                (
                    m.in0 as usize,
                    lower.times_base(m.coeff, v[m.in1 as usize], e[m.out as usize]),
                )
            } else {
                let a = &layer.add[g - n_mul];
                (a.input as usize, lower.times(a.coeff, e[a.out as usize]))
            }
        }),
        LayerValues::Ext(v) => scatter(width, n_mul + n_add, |g| {
            if g < n_mul {
                let m = &layer.mul[g];
                (
                    m.in0 as usize,
                    lower.times(m.coeff, e[m.out as usize] * v[m.in1 as usize]),
                )
            } else {
                let a = &layer.add[g - n_mul];
                (a.input as usize, lower.times(a.coeff, e[a.out as usize]))
            }
        }),
    };
    let table = || match prev {
        LayerValues::Base(v) => Table::Base(&v[..width]),
        LayerValues::Ext(v) => Table::Ext(Cow::Borrowed(&v[..width])),
    };
    let mut inst = ProductSumcheck::new(table(), h);
    let (phase1, rx) = match &zk {
        Some(z) => masked::prove(&mut inst, z.phase1, t).map_err(mask_err)?,
        None => sumcheck::prove(&mut inst, t),
    };
    let vx = inst.final_f();
    t.absorb_field(labels::VX, &[vx]);
    drop(inst);
    // The deferred claims' covectors, built as the verifier builds them.
    let phase1_final = zk.as_mut().map(|z| {
        // A sumcheck of no rounds has no round-0 claim (as `masked::verify` says).
        let (d0, value) = masked::covectors::<F, E>(&z.incoming, z.slots.phase1, &rx);
        z.covectors.extend(d0);
        value
    });

    if n_mul == 0 {
        if let (Some(z), Some(c)) = (zk, phase1_final) {
            z.covectors.push(c);
        }
        return Ok((
            LayerProof {
                phase1,
                vx,
                phase2: None,
                blocks: Vec::new(),
            },
            vec![(rx, E::ONE)],
        ));
    }

    // Phase 2: h[j] += c·vx·E[o]·eq(rx, i).
    let eq_rx = mle::eq_table_scaled_par(&rx, vx);
    let h = scatter(width, n_mul, |g| {
        let m = &layer.mul[g];
        (
            m.in1 as usize,
            lower.times(m.coeff, e[m.out as usize] * eq_rx[m.in0 as usize]),
        )
    });
    drop(eq_rx);
    let mut inst = ProductSumcheck::new(table(), h);
    let (rounds, ry) = match &zk {
        Some(ZkLayer {
            phase2: Some(m), ..
        }) => masked::prove(&mut inst, m, t).map_err(mask_err)?,
        Some(_) => {
            return Err(ProveError::Unsupported {
                what: "a mul layer without phase-2 masks",
            });
        }
        None => sumcheck::prove(&mut inst, t),
    };
    if let (Some(z), Some(c1)) = (zk, phase1_final) {
        let s2 = z.slots.phase2.ok_or(ProveError::Unsupported {
            what: "a mul layer without phase-2 masks",
        })?;
        // With no rounds, phase 2's value is its incoming claim, masks and all.
        let (d0, value) = masked::covectors::<F, E>(&c1, s2, &ry);
        z.covectors.extend(d0);
        z.covectors.push(value);
    }
    let vy = inst.final_f();
    t.absorb_field(labels::VY, &[vy]);
    let alpha: E = t.challenge(labels::COMBINE);
    Ok((
        LayerProof {
            phase1,
            vx,
            phase2: Some(Phase2Proof { rounds, vy }),
            blocks: Vec::new(),
        },
        vec![(rx, E::ONE), (ry, alpha)],
    ))
}

/// One layer's masks, the covector its incoming claim carries (its blocks' output
/// masks), and the prover's list of deferred covectors.
struct ZkLayer<'a, E> {
    slots: &'a LayerSlots,
    phase1: &'a masked::RoundMasks<E>,
    phase2: Option<&'a masked::RoundMasks<E>>,
    incoming: Covector<E>,
    covectors: &'a mut Vec<Covector<E>>,
}
