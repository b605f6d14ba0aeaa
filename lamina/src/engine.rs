//! One slice through the proof system: compile, witness and prove, verify — each a
//! measured stage. The commitment scheme is chosen here and nowhere else ([`Scheme`]):
//! [`compile_slice`] commits the weights once, [`prove_slice`] opens against that
//! commitment, [`verify_slice`] checks a proof against a verification key's entry.

use crate::error::{Context, Error, Result, refuse};
use crate::measure::{self, Figures, HeapMeter};
use blueprints::{Model, Slice, pipeline};
use circuits::Circuit;
use circuits::compiler::{Program, Stats};
use prover::commit::ZkRng;
use prover::gkr::PreparedCircuit;
use prover::zk::chain::{ChainProver, ChainSlice, ChainStatement, InputOpening, Neighbours, Side};
use prover::zk::{StockKey, StockUse, WeightsStock, ZkCircuit, ZkProof};
use prover::{
    CommitmentScheme, Field, FieldWitness, Goldilocks, GoldilocksExt2, Statement, TransparentProof,
    WhirCommittedWeights, WhirProof,
};
use serde_json::{Value, json};
use std::sync::Arc;

/// Entries of a slice's weights stock under [`Scheme::WhirZk`]: the zero-knowledge proofs
/// one compile can make (one hiding commitment each at compile, 3–4 ms for LeNet's
/// largest slice); compile again for more.
pub const ZK_STOCK_SIZE: u32 = 64;

/// What a zero-knowledge report says the guarantee is.
pub const ZK_KIND: &str = "honest-verifier zero knowledge, Fiat–Shamir (random oracle)";

/// Which of a slice's boundaries are private (zero knowledge with
/// `--private-activations`): its input unless it is the first slice, its output unless it
/// is the last. Private boundaries are proven by a chain of proofs (`prover::zk::chain`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrivateSides {
    /// The slice's input is private.
    pub input: bool,
    /// The slice's output is private.
    pub output: bool,
}

/// What a zero-knowledge compile keeps out of the statement besides the weights and the
/// slices' inner values: the activations between slices, the model's input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Privacy {
    /// `--private-activations`: every boundary between slices.
    pub activations: bool,
    /// `--private-input`: the model's input (the statement shows its commitment).
    pub input: bool,
}

impl Privacy {
    /// Whether anything beyond the default is private (the slices are then proven as
    /// one chain).
    pub fn any(self) -> bool {
        self.activations || self.input
    }
}

impl PrivateSides {
    /// The sides of slice `index` of `count` under `privacy`.
    pub fn of(privacy: Privacy, index: usize, count: usize) -> PrivateSides {
        PrivateSides {
            input: if index == 0 {
                privacy.input
            } else {
                privacy.activations
            },
            output: privacy.activations && index + 1 < count,
        }
    }

    /// Whether any side is private.
    pub fn any(self) -> bool {
        self.input || self.output
    }
}

/// The commitment scheme of a compile: what its weights commitments and its proofs are.
/// Zero knowledge ([`Scheme::WhirZk`]) is the default; [`Scheme::resolve`] reads the
/// command line's `--commitment` and `--zk` / `--no-zk`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scheme {
    /// WHIR (Plonky3's `p3-whir`, Ext3 challenges, BLAKE3 Merkle trees): succinct
    /// openings, ≥ 100 bits under the Johnson bound. Binding, not hiding: the faster
    /// choice when the weights and activations need not stay secret (`--no-zk`).
    Whir,
    /// A hash commitment opened in the clear: every committed value (weights, hints) is
    /// in the proof. For debugging and comparisons; hides nothing, not succinct.
    Transparent,
    /// Zero knowledge (`prover::zk`, argument in `prover/ZK.md`): masked GKR, hiding WHIR
    /// opened once per commitment, the weights through a stock of one-time commitments.
    /// Convolutions and matrix products are compiled as gates (the zero-knowledge prover
    /// does not hide structured blocks yet). A compiled folder keeps each slice's stock
    /// (the model owner's secret) and a ledger of the entries proofs have taken.
    #[default]
    WhirZk,
}

impl Scheme {
    /// The scheme a command line asks for: `commitment` (`--commitment`, if given) and
    /// `zk` (`Some(true)` for `--zk`, `Some(false)` for `--no-zk`, `None` for neither).
    /// Zero knowledge unless `--no-zk` or a binding scheme is named; `--zk` turns `whir`
    /// into `whir-zk`. A contradiction is refused by name: `transparent` reveals every
    /// committed value, and `whir-zk` with `--no-zk` asks for both.
    pub fn resolve(commitment: Option<&str>, zk: Option<bool>) -> Result<Scheme> {
        let named = commitment.map(str::parse::<Scheme>).transpose()?;
        Ok(match (named, zk) {
            (None, Some(false)) => Scheme::Whir,
            (None, _) => Scheme::WhirZk,
            (Some(Scheme::WhirZk), Some(false)) => {
                refuse!("--commitment whir-zk and --no-zk contradict each other: pick one")
            }
            (Some(Scheme::Whir), Some(true)) => Scheme::WhirZk,
            (Some(Scheme::Transparent), Some(true)) => refuse!(
                "--commitment transparent puts every committed value in the proof: it cannot be zero-knowledge (drop --zk, or use --commitment whir)"
            ),
            (Some(s), _) => s,
        })
    }

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Whir => "whir",
            Scheme::Transparent => "transparent",
            Scheme::WhirZk => "whir-zk",
        }
    }

    /// Whether proofs are zero-knowledge.
    pub fn is_zk(self) -> bool {
        self == Scheme::WhirZk
    }

    /// The builder a slice's program is recorded with: gates only under zero knowledge.
    pub fn builder(self) -> circuits::compiler::Builder {
        match self {
            Scheme::WhirZk => circuits::compiler::Builder::gates_only(),
            _ => circuits::compiler::Builder::new(),
        }
    }

    /// The scheme's identifier with every parameter that changes what a commitment
    /// means (what the prover binds into each proof).
    pub fn id(self) -> String {
        match self {
            Scheme::Whir => prover::whir_scheme().id().into_owned(),
            Scheme::Transparent => {
                CommitmentScheme::<Goldilocks, GoldilocksExt2>::id(&prover::Transparent)
                    .into_owned()
            }
            Scheme::WhirZk => format!(
                "{}; weights stock",
                prover::commit::HidingScheme::<Goldilocks, prover::zk::ZkExt>::id(
                    prover::zk::hiding_scheme()
                )
            ),
        }
    }

    /// A proof's soundness for `circuit` in bits and the regime it holds under. Zero
    /// knowledge needs the circuit's zero-knowledge form (`zk`), derived once by the
    /// caller.
    pub fn security(
        self,
        prepared: &PreparedCircuit<'_>,
        zk: Option<&ZkCircuit>,
    ) -> Result<(f64, &'static str)> {
        match self {
            Scheme::Whir => {
                let s = prover::whir_prepared_security(prepared)?;
                Ok((s.bits, s.regime))
            }
            // The opening is the values themselves, bound by a BLAKE3 hash (128-bit
            // collision resistance); GKR's and the in-circuit challenges' terms over Ext2.
            Scheme::Transparent => {
                let g = prover::gkr::GkrSoundness::new(prepared.circuit(), 128);
                let err = (-g.gkr_bits).exp2() + (-g.challenge_bits).exp2();
                Ok((
                    (-err.log2()).min(128.0),
                    "hash commitment opened in the clear (BLAKE3) + GKR over Ext2",
                ))
            }
            Scheme::WhirZk => {
                let Some(zk) = zk else {
                    refuse!(
                        "a zero-knowledge security figure without the circuit's zero-knowledge form (internal error)"
                    );
                };
                let s = zk_security(zk)?;
                Ok((s.bits, s.regime))
            }
        }
    }

    /// The `"commitment"` object of a report: the scheme and the weakest slice's bits,
    /// from each slice's circuit and (zero knowledge) its zero-knowledge form.
    pub fn report<'a, 'c: 'a>(
        self,
        circuits: impl IntoIterator<Item = (&'a PreparedCircuit<'c>, Option<&'a ZkCircuit>)>,
    ) -> Result<Value> {
        let circuits: Vec<_> = circuits.into_iter().collect();
        let private_activations = circuits
            .iter()
            .any(|(_, zk)| zk.is_some_and(|z| z.boundaries().output.is_some()));
        let private_input = circuits
            .first()
            .and_then(|(_, zk)| *zk)
            .is_some_and(|z| z.boundaries().input.is_some());
        let mut figures = circuits
            .iter()
            .map(|&(c, zk)| self.security(c, zk))
            .collect::<Result<Vec<_>>>()?;
        if private_activations || private_input {
            chain_boundary_terms(&circuits, &mut figures)?;
        }
        let (bits, regime) = figures
            .into_iter()
            .fold((f64::INFINITY, ""), |a, b| if b.0 < a.0 { b } else { a });
        Ok(json!({
            "scheme": self.name(),
            "id": self.id(),
            "security_bits": if bits.is_finite() { json!((bits * 10.0).floor() / 10.0) } else { Value::Null },
            "regime": regime,
            "succinct": self != Scheme::Transparent,
            "hiding": self.is_zk(),
            "zero_knowledge": if self.is_zk() {
                json!({
                    "kind": ZK_KIND,
                    "circuits": "gates (structured blocks are not hidden yet)",
                    "weights": "a stock of one-time hiding commitments per slice (its size in the key)",
                    "private_activations": private_activations,
                    "private_input": private_input,
                })
            } else {
                Value::Null
            },
        }))
    }
}

/// A zero-knowledge form's soundness, with the stock's agreement term at the largest
/// stock (a bound for every key).
fn zk_security(zk: &ZkCircuit) -> Result<prover::commit::ProofSecurity> {
    let stock = zk.weights_noise().map(|_| prover::zk::stock::STOCK_MAX);
    zk.security(stock).map_err(|e| {
        // Zero knowledge is the default: say how to prove what it cannot cover.
        Error::Refused(format!(
            "zero-knowledge proofs (the default) cannot cover this slice: {e}; --no-zk proves it with binding-only WHIR proofs"
        ))
    })
}

/// Adds each private boundary's agreement term
/// ([`prover::zk::chain::boundary_agreement_bits`]) to both of its slices' figures: a
/// slice's proof is only as sound as the links it relies on.
fn chain_boundary_terms(
    circuits: &[(&PreparedCircuit<'_>, Option<&ZkCircuit>)],
    figures: &mut [(f64, &'static str)],
) -> Result<()> {
    for i in 1..circuits.len() {
        let (Some(a), Some(b)) = (circuits[i - 1].1, circuits[i].1) else {
            continue;
        };
        let Some(cube) = b.boundaries().input else {
            continue;
        };
        let term = prover::zk::chain::boundary_agreement_bits(
            &zk_security(a)?,
            &zk_security(b)?,
            cube.log_len,
        );
        for f in [i - 1, i] {
            let err = (-figures[f].0).exp2() + (-term).exp2();
            figures[f].0 = -err.log2();
        }
    }
    // A committed model input: its opening and agreement term join the first slice's.
    if let Some((_, Some(first))) = circuits.first()
        && first.boundaries().input.is_some()
    {
        let bits = prover::zk::chain::input_security_bits(first, &zk_security(first)?)?;
        let err = (-figures[0].0).exp2() + (-bits).exp2();
        figures[0].0 = -err.log2();
    }
    Ok(())
}

impl std::str::FromStr for Scheme {
    type Err = Error;
    fn from_str(s: &str) -> Result<Scheme> {
        match s {
            "whir" => Ok(Scheme::Whir),
            "transparent" => Ok(Scheme::Transparent),
            "whir-zk" => Ok(Scheme::WhirZk),
            _ => Err(Error::Refused(format!(
                "unknown commitment scheme '{s}' (supported: whir, transparent, whir-zk)"
            ))),
        }
    }
}

/// A slice's weights as committed: the digest a verification key lists and, for WHIR,
/// the prover data every proof opens.
#[derive(Clone, Debug, Default)]
pub struct CommittedWeights {
    /// The commitment (`None` for a slice without parameters).
    pub digest: Option<[u8; 32]>,
    /// WHIR's prover data (kept from the commit).
    whir: Option<WhirCommittedWeights>,
    /// Zero knowledge: the circuit's zero-knowledge form and the weights stock.
    zk: Option<Arc<ZkSlice>>,
}

/// Where a compiled folder records the stock entries proofs have taken: one empty file
/// per entry, created exclusively, so two processes never take the same entry.
#[derive(Clone, Debug)]
pub struct StockLedger(pub std::path::PathBuf);

impl StockLedger {
    /// Takes an entry of `stock` no process has taken, at random.
    fn take(&self, stock: &WeightsStock) -> Result<u32> {
        crate::io::io(std::fs::create_dir_all(&self.0), || {
            format!("creating the stock ledger {}", self.0.display())
        })?;
        // A random order: the index a proof shows says nothing about how many came before.
        for index in stock
            .shuffled_indices()?
            .into_iter()
            .filter(|&i| !stock.is_used(i))
        {
            let path = self.0.join(index.to_string());
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(_) => return Ok(index),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(Error::Io {
                        what: format!("recording stock entry {}", path.display()),
                        source: e,
                    });
                }
            }
        }
        refuse!(
            "every entry of the weights stock ({} in {}) is used: compile again for more zero-knowledge proofs",
            stock.size(),
            self.0.display()
        )
    }
}

/// A slice's zero-knowledge parts: its circuit's zero-knowledge form and, with weights,
/// its weights stock (the prover's secret; the key holds [`WeightsStock::key`]).
#[derive(Debug)]
pub struct ZkSlice {
    /// The zero-knowledge form.
    pub circuit: ZkCircuit,
    /// The weights stock.
    pub stock: Option<WeightsStock>,
    /// The compiled folder's ledger (`None` in memory: this process is the only prover).
    pub ledger: Option<StockLedger>,
}

impl CommittedWeights {
    /// Commits `circuit`'s weights region holding the quantized `weights` with `scheme`;
    /// `weights` are as the region holds them ([`Program::layout_weights`]). Under zero
    /// knowledge this builds a weights stock of `zk_proofs` entries (ignored otherwise).
    pub fn commit(
        scheme: Scheme,
        circuit: &Circuit,
        weights: &[i64],
        zk_proofs: u32,
        sides: PrivateSides,
    ) -> Result<Self> {
        if sides.any() && !scheme.is_zk() {
            refuse!("private activations need zero-knowledge proofs (--commitment whir-zk)");
        }
        Ok(match scheme {
            Scheme::Transparent => CommittedWeights {
                digest: prover::transparent_weights_commitment(circuit, &f(weights)),
                whir: None,
                zk: None,
            },
            Scheme::Whir => {
                let w = prover::whir_commit_weights(circuit, &f(weights))?;
                CommittedWeights {
                    digest: w.as_ref().map(|w| *w.digest()),
                    whir: w,
                    zk: None,
                }
            }
            Scheme::WhirZk => {
                let zk = zk_form(circuit, sides)?;
                let stock = match zk.weights_noise() {
                    Some(_) => Some(WeightsStock::build(
                        &zk,
                        &f(weights),
                        zk_proofs,
                        &ZkRng::System,
                    )?),
                    None => None,
                };
                CommittedWeights {
                    digest: stock.as_ref().map(|s| s.key().root),
                    whir: None,
                    zk: Some(Arc::new(ZkSlice {
                        circuit: zk,
                        stock,
                        ledger: None,
                    })),
                }
            }
        })
    }

    /// A zero-knowledge slice loaded from a compiled folder: the circuit's
    /// zero-knowledge form, the stored stock (its root recomputed, to compare with the
    /// key's) and the folder's ledger.
    pub fn load_zk(
        circuit: &Circuit,
        stock: Option<&[u8]>,
        ledger: StockLedger,
        sides: PrivateSides,
    ) -> Result<Self> {
        let zk = zk_form(circuit, sides)?;
        let stock = match stock {
            Some(bytes) => Some(WeightsStock::from_bytes(&zk, bytes)?),
            None => None,
        };
        Ok(CommittedWeights {
            digest: stock.as_ref().map(|s| s.key().root),
            whir: None,
            zk: Some(Arc::new(ZkSlice {
                circuit: zk,
                stock,
                ledger: Some(ledger),
            })),
        })
    }

    /// The circuit's zero-knowledge form (zero knowledge only).
    pub fn zk_form(&self) -> Option<&ZkCircuit> {
        self.zk.as_ref().map(|z| &z.circuit)
    }

    /// The stored stock (the prover's secret), for a compiled folder.
    pub fn stock_bytes(&self) -> Option<Vec<u8>> {
        self.zk.as_ref()?.stock.as_ref().map(WeightsStock::to_bytes)
    }

    /// The weights stock's key (zero knowledge, slices with weights).
    pub fn stock_key(&self) -> Option<&StockKey> {
        self.zk.as_ref()?.stock.as_ref().map(WeightsStock::key)
    }
}

/// A circuit's zero-knowledge form with the given private sides.
pub fn zk_form(circuit: &Circuit, sides: PrivateSides) -> Result<ZkCircuit> {
    Ok(
        ZkCircuit::with_boundaries(circuit, sides.input, sides.output)
            .map_err(prover::ProveError::from)?,
    )
}

/// A compiled slice.
pub struct CompiledSlice {
    /// The slice.
    pub slice: Slice,
    /// Its program (for witness solving).
    pub program: Program,
    /// The circuit's canonical bytes.
    pub circuit_bytes: Vec<u8>,
    /// The circuit, prepared (validated, digested).
    pub prepared: PreparedCircuit<'static>,
    /// Compiler figures (zero for a slice loaded from a folder).
    pub stats: Stats,
    /// Quantized weights in program order.
    pub weights: Vec<i64>,
    /// The commitment scheme.
    pub scheme: Scheme,
    /// Which of its boundaries are private.
    pub sides: PrivateSides,
    /// The weights, committed.
    pub committed: CommittedWeights,
    /// The compile stage (program build, layout and weight commitment; loading, for a
    /// compiled folder).
    pub compile: Figures,
}

impl CompiledSlice {
    /// The weights commitment a verification key lists for this slice.
    pub fn weights_commitment(&self) -> Option<[u8; 32]> {
        self.committed.digest
    }
}

pub(crate) fn f(v: &[i64]) -> Vec<Goldilocks> {
    v.iter().map(|&x| Goldilocks::from_i64(x)).collect()
}

/// What a proof binds besides the circuit and the weights commitment: the verification
/// key's digest (which covers the model digest, scale, input range, calibration, plan,
/// every slice's circuit, lengths and weights commitment, and the scheme) and the
/// slice's place in the plan, so nothing can be grafted from another compile.
pub fn context(vk_digest: &[u8; 32], slice: usize, count: usize) -> Vec<u8> {
    format!(
        "lamina/v3 vk={} slice={slice}/{count}",
        crate::io::hex(vk_digest)
    )
    .into_bytes()
}

/// Peak bytes per multiply-accumulate of a gate-form compile and proof (measured: the
/// 29.2 M-MAC VGG-small peaks at 4.07 GB in `lamina run` under zero knowledge, 139 B per
/// MAC; the estimate errs low so that only models clearly past the memory are refused).
pub const GATE_FORM_BYTES_PER_MAC: u64 = 130;

/// The multiply-accumulates of one forward pass of `slice`.
pub fn slice_macs(model: &Model, slice: &Slice) -> u64 {
    model.layers[slice.layers.clone()]
        .iter()
        .map(|l| l.bp.macs())
        .fold(0, u64::saturating_add)
}

/// Refuses a zero-knowledge compile of `macs` multiply-accumulates whose gate form
/// (structured blocks are not hidden yet: every product is a gate) would need more than
/// the `available` memory; with no figure for the memory, nothing is refused.
pub fn gate_form_fits(macs: u64, available: Option<u64>) -> Result<()> {
    let need = macs.saturating_mul(GATE_FORM_BYTES_PER_MAC);
    match available {
        Some(avail) if need > avail => refuse!(
            "a slice of {:.1} M multiply-accumulates: zero-knowledge proofs compile each \
             one as a gate (structured convolutions and matrix products are not hidden yet), \
             about {:.1} GB at the peak, and this machine has {:.1} GB available: use --no-zk \
             (binding-only proofs with structured layers), or a machine with more memory",
            macs as f64 / 1e6,
            need as f64 / 1e9,
            avail as f64 / 1e9
        ),
        _ => Ok(()),
    }
}

/// Builds and compiles one slice and commits its weights with `scheme` (under zero
/// knowledge, a weights stock of `zk_proofs` entries; ignored otherwise), its `sides`
/// private.
pub fn compile_slice(
    model: &Model,
    slice: &Slice,
    scheme: Scheme,
    zk_proofs: u32,
    sides: PrivateSides,
    heap: &dyn HeapMeter,
) -> Result<CompiledSlice> {
    let (r, compile) = measure::stage(heap, || -> Result<_> {
        let sp = pipeline::build_with(model, slice, scheme.builder())?;
        let compiled =
            sp.program
                .compile()
                .map_err(|source| blueprints::BlueprintError::Compile {
                    slice: slice.index,
                    source,
                })?;
        let weights = pipeline::weights(model, slice);
        let committed = CommittedWeights::commit(
            scheme,
            &compiled.circuit,
            &sp.program.layout_weights(&weights),
            zk_proofs,
            sides,
        )
        .context_with(|| format!("slice {}: committing the weights", slice.index))?;
        // One validation and one encoding; the digest is the hash of these bytes.
        let (prepared, circuit_bytes) =
            PreparedCircuit::with_bytes(compiled.circuit).map_err(|e| {
                Error::Refused(format!(
                    "slice {}: compiled circuit is invalid: {e}",
                    slice.index
                ))
            })?;
        Ok((
            sp.program,
            circuit_bytes,
            prepared,
            compiled.stats,
            weights,
            committed,
        ))
    });
    let (program, circuit_bytes, prepared, stats, weights, committed) = r?;
    Ok(CompiledSlice {
        slice: slice.clone(),
        program,
        circuit_bytes,
        prepared,
        stats,
        weights,
        scheme,
        sides,
        committed,
        compile,
    })
}

/// A proven slice.
pub struct ProvenSlice {
    /// The encoded proof.
    pub proof_bytes: Vec<u8>,
    /// The slice's integer input (public).
    pub input: Vec<i64>,
    /// The slice's integer output (public).
    pub output: Vec<i64>,
    /// The witness stage.
    pub witness: Figures,
    /// The prove stage.
    pub prove: Figures,
}

/// Witness and proof of one slice on an integer input.
pub fn prove_slice(
    model: &Model,
    cs: &CompiledSlice,
    input: &[i64],
    ctx: &[u8],
    heap: &dyn HeapMeter,
) -> Result<ProvenSlice> {
    let (r, witness) = measure::stage(heap, || -> Result<_> {
        let (w, output) = pipeline::witness(model, &cs.slice, &cs.program, &cs.weights, input)?;
        Ok((FieldWitness::from_solved(&w), output))
    });
    let (fw, output) = r?;
    if cs.sides.any() {
        refuse!(
            "slice {}: its activations are private; the slices are proven together, in a chain",
            cs.slice.index
        );
    }
    // Zero knowledge: the stock entry is taken before proving (a failed proof does not
    // give it back: an entry is never opened twice).
    let zk = match cs.scheme {
        Scheme::WhirZk => {
            let zk = cs.committed.zk.as_deref().context_with(|| {
                format!(
                    "slice {}: no zero-knowledge form (internal error)",
                    cs.slice.index
                )
            })?;
            Some((zk, stock_index(zk)?))
        }
        _ => None,
    };
    let (r, prove) = measure::stage(heap, || match cs.scheme {
        Scheme::Transparent => prover::gkr::prove_prepared::<Goldilocks, GoldilocksExt2, _>(
            &prover::Transparent,
            &cs.prepared,
            &fw.witness(),
            ctx,
        )
        .map(|(proof, outputs)| (proof.to_bytes(), outputs)),
        Scheme::Whir => prover::gkr::prove_with_weights(
            prover::whir_scheme(),
            &cs.prepared,
            cs.committed.whir.as_ref(),
            &fw.witness(),
            ctx,
        )
        .map(|(proof, outputs)| (proof.to_bytes(), outputs)),
        Scheme::WhirZk => match zk {
            Some((zk, index)) => prove_zk_slice(zk, index, &fw, ctx),
            None => Err(prover::ProveError::Unsupported {
                what: "a zero-knowledge slice without its zero-knowledge form",
            }),
        },
    });
    let (proof_bytes, outputs) = r.context_with(|| format!("proving slice {}", cs.slice.index))?;
    if outputs != f(&output) {
        refuse!(
            "slice {}: circuit outputs differ from the integer forward pass (internal error)",
            cs.slice.index
        );
    }
    Ok(ProvenSlice {
        proof_bytes,
        input: input.to_vec(),
        output,
        witness,
        prove,
    })
}

/// Witnesses and zero-knowledge proofs of consecutive slices with private activations or
/// a private model input, on the first one's integer input, as one chain
/// (`prover::zk::chain`): every witness, then every slice's private commitment, then every
/// proof, the slices of each phase in parallel. Each slice's prove figures are its
/// commitment and its proof (its own wall time); `ctxs` are the slices' contexts. With a
/// private input, also the encoded opening of the input's own commitment (made with the
/// first slice's).
pub fn prove_chain(
    model: &Model,
    slices: &[&CompiledSlice],
    input: &[i64],
    ctxs: &[Vec<u8>],
    heap: &dyn HeapMeter,
) -> Result<ProvenChain> {
    if slices.len() != ctxs.len() {
        refuse!("a chain needs one context per slice (internal error)");
    }
    let mut act = input.to_vec();
    let mut solved = Vec::with_capacity(slices.len());
    for cs in slices {
        if cs.scheme != Scheme::WhirZk {
            refuse!(
                "slice {}: a chain is made of zero-knowledge proofs",
                cs.slice.index
            );
        }
        let (r, witness) = measure::stage(heap, || -> Result<_> {
            let (w, output) = pipeline::witness(model, &cs.slice, &cs.program, &cs.weights, &act)?;
            Ok((FieldWitness::from_solved(&w), output))
        });
        let (fw, output) = r?;
        let input = std::mem::replace(&mut act, output.clone());
        let zk = cs.committed.zk.as_deref().context_with(|| {
            format!(
                "slice {}: no zero-knowledge form (internal error)",
                cs.slice.index
            )
        })?;
        let index = stock_index(zk)?;
        solved.push((fw, input, output, f(&act), witness, zk, index));
    }
    let chain: Vec<ChainSlice<'_>> = solved
        .iter()
        .zip(ctxs)
        .map(|((fw, _, _, outputs, _, zk, index), ctx)| ChainSlice {
            zk: &zk.circuit,
            witness: fw.witness(),
            outputs,
            context: ctx,
            stock: match (&zk.stock, index) {
                (Some(stock), Some(index)) => Some(StockUse {
                    stock,
                    index: *index,
                }),
                _ => None,
            },
        })
        .collect();
    let what = |i: usize| format!("proving slice {}", slices[i].slice.index);
    let mut prover = ChainProver::new(&chain, &ZkRng::System).context_with(|| what(0))?;
    // The slices are committed, then proven, in parallel: each slice's wall time is its
    // own (they overlap); the heap and RSS peaks are each phase's.
    let (r, commit_phase) = measure::stage(heap, || prover.commit_all());
    let commit_times = r.context_with(|| "committing the chain's slices".to_string())?;
    let (r, prove_phase) = measure::stage(heap, || prover.prove_all());
    let proofs = r.context_with(|| "proving the chain's slices".to_string())?;
    let phases = commit_phase.then(prove_phase);
    let mut proven = Vec::with_capacity(chain.len());
    for (i, (((proof, outputs), prove_time), (_, input, output, _, witness, _, _))) in
        proofs.into_iter().zip(&solved).enumerate()
    {
        let own = commit_times.get(i).copied().unwrap_or_default() + prove_time;
        let fig = Figures {
            wall_s: own.as_secs_f64(),
            ..phases
        };
        let public = if slices[i].sides.output {
            Vec::new()
        } else {
            f(output)
        };
        if outputs != public {
            refuse!(
                "slice {}: circuit outputs differ from the integer forward pass (internal error)",
                slices[i].slice.index
            );
        }
        proven.push(ProvenSlice {
            proof_bytes: proof.to_bytes(),
            input: input.clone(),
            output: output.clone(),
            witness: *witness,
            prove: fig,
        });
    }
    let opening = prover.input_opening().context_with(|| what(0))?;
    Ok(ProvenChain {
        slices: proven,
        input_opening: opening.map(|o| o.to_bytes()),
        prove: phases,
    })
}

/// A chain proven by [`prove_chain`].
pub struct ProvenChain {
    /// Each slice's proof and figures (its prove wall time its own: the slices are proven
    /// in parallel).
    pub slices: Vec<ProvenSlice>,
    /// A private input's encoded opening.
    pub input_opening: Option<Vec<u8>>,
    /// The chain's commit and prove phases, wall clock.
    pub prove: Figures,
}

/// One slice of a chain to verify: its zero-knowledge verifier, the public parts of its
/// statement (empty where private), its proof bytes and its context.
#[derive(Clone, Copy, Debug)]
pub struct ChainedProof<'a> {
    /// The zero-knowledge form and the stock key.
    pub zk: ZkVerifier<'a>,
    /// The slice's input (empty where private).
    pub input: &'a [i64],
    /// The slice's output (empty where private).
    pub output: &'a [i64],
    /// The proof.
    pub proof_bytes: &'a [u8],
    /// The slice's context.
    pub ctx: &'a [u8],
}

/// Verifies a chain of zero-knowledge proofs with private activations: each slice's proof
/// against its neighbours' commitments (a measured stage each), then the links between
/// them. One verdict per slice; a broken link is the earlier slice's.
pub fn verify_chain(
    slices: &[ChainedProof<'_>],
    input: Option<&[u8]>,
    heap: &dyn HeapMeter,
) -> Vec<std::result::Result<Figures, prover::VerifyError>> {
    use prover::VerifyError;
    let decoded: Vec<std::result::Result<ZkProof, VerifyError>> = slices
        .iter()
        .map(|s| ZkProof::from_bytes(s.proof_bytes).map_err(VerifyError::from))
        .collect();
    let input = input.map(|b| InputOpening::from_bytes(b).map_err(VerifyError::from));
    let unreadable = VerifyError::Chain("a neighbour's proof does not decode");
    let mut out: Vec<std::result::Result<Figures, VerifyError>> = Vec::with_capacity(slices.len());
    for (i, s) in slices.iter().enumerate() {
        let (r, fig) = measure::stage(heap, || {
            let proof = decoded[i].as_ref().map_err(Clone::clone)?;
            let neighbour = |j: usize| -> std::result::Result<Side<'_>, VerifyError> {
                let n = slices
                    .get(j)
                    .ok_or(VerifyError::Chain("a slice beyond the chain"))?;
                let p = decoded[j].as_ref().map_err(|_| unreadable.clone())?;
                let c =
                    n.zk.form
                        .private_commitment(p)
                        .ok_or(VerifyError::Chain("a slice without a private commitment"))?;
                Ok(Side {
                    zk: n.zk.form,
                    context: n.ctx,
                    commitment: c,
                })
            };
            let b = s.zk.form.boundaries();
            let neighbours = Neighbours {
                previous: match (b.input, i.checked_sub(1)) {
                    (Some(_), Some(j)) => Some(neighbour(j)?),
                    _ => None,
                },
                next: match b.output {
                    Some(_) => Some(neighbour(i + 1)?),
                    None => None,
                },
                input: match (i, &input) {
                    (0, Some(o)) => Some(&o.as_ref().map_err(Clone::clone)?.commitment),
                    _ => None,
                },
            };
            let (public, outputs) = (f(s.input), f(s.output));
            let statement = ChainStatement {
                zk: s.zk.form,
                statement: Statement {
                    public: &public,
                    outputs: &outputs,
                    context: s.ctx,
                    weights_commitment: None,
                },
                stock: s.zk.stock,
            };
            prover::zk::chain::verify_linked(&statement, proof, neighbours)
        });
        out.push(r.map(|()| fig));
    }
    // A public boundary (a chain whose input alone is private) is linked by the
    // statements: slice i + 1's input is slice i's output (the later slice's verdict).
    for i in 1..slices.len() {
        let public = slices[i - 1].zk.form.boundaries().output.is_none();
        if public
            && slices[i - 1].output != slices[i].input
            && out.get(i).is_some_and(Result::is_ok)
        {
            out[i] = Err(VerifyError::BoundaryLink { slice: i - 1 });
        }
    }
    // The links: each private boundary's two proofs state one value.
    let proofs: Vec<&ZkProof> = decoded.iter().filter_map(|p| p.as_ref().ok()).collect();
    if proofs.len() == slices.len() {
        let proofs: Vec<ZkProof> = proofs.into_iter().cloned().collect();
        if let Err(e) = prover::zk::chain::check_links(slices.iter().map(|s| s.zk.form), &proofs) {
            let at = match e {
                VerifyError::BoundaryLink { slice } => slice,
                _ => 0,
            };
            if let Some(slot) = out.get_mut(at)
                && slot.is_ok()
            {
                *slot = Err(e);
            }
        }
    }
    // A committed input: its opening, and the first proof's first link against it (the
    // first slice's verdict, timed with it).
    if let (Some(input), Some(first), Some(Ok(proof))) = (&input, slices.first(), decoded.first())
        && let Some(Ok(fig)) = out.first().cloned()
    {
        let (r, more) = measure::stage(heap, || -> std::result::Result<(), VerifyError> {
            let input = input.as_ref().map_err(Clone::clone)?;
            let own = first
                .zk
                .form
                .private_commitment(proof)
                .ok_or(VerifyError::Chain("a slice without a private commitment"))?;
            let side = Side {
                zk: first.zk.form,
                context: first.ctx,
                commitment: own,
            };
            let value = prover::zk::chain::verify_input(input, side)?;
            if proof.links.first() != Some(&value) {
                return Err(VerifyError::InputLink);
            }
            Ok(())
        });
        out[0] = r.map(|()| fig.then(more));
    }
    out
}

/// What a zero-knowledge verification takes from the key: the circuit's zero-knowledge
/// form (derived from the key's circuit once) and the slice's weights stock key.
#[derive(Clone, Copy, Debug)]
pub struct ZkVerifier<'a> {
    /// The zero-knowledge form of the key's circuit.
    pub form: &'a ZkCircuit,
    /// The stock key (slices with weights).
    pub stock: Option<&'a StockKey>,
}

impl CompiledSlice {
    /// The zero-knowledge verifier's inputs, for a slice compiled with [`Scheme::WhirZk`].
    pub fn zk_verifier(&self) -> Option<ZkVerifier<'_>> {
        let zk = self.committed.zk.as_ref()?;
        Some(ZkVerifier {
            form: &zk.circuit,
            stock: zk.stock.as_ref().map(WeightsStock::key),
        })
    }
}

/// A zero-knowledge proof of a compiled slice: the next stock entry this process has not
/// opened (none left: refused, recompile).
fn prove_zk_slice(
    zk: &ZkSlice,
    index: Option<u32>,
    fw: &FieldWitness,
    ctx: &[u8],
) -> std::result::Result<(Vec<u8>, Vec<Goldilocks>), prover::ProveError> {
    let stock = match (&zk.stock, index) {
        (Some(stock), Some(index)) => Some(StockUse { stock, index }),
        _ => None,
    };
    prover::zk::prove_zk(&zk.circuit, &fw.witness(), ctx, &ZkRng::System, stock)
        .map(|(proof, outputs)| (proof.to_bytes(), outputs))
}

/// The stock entry a zero-knowledge proof of `zk` takes: the folder ledger's next free
/// one, or in memory this process's.
fn stock_index(zk: &ZkSlice) -> Result<Option<u32>> {
    let Some(stock) = &zk.stock else {
        return Ok(None);
    };
    match &zk.ledger {
        Some(ledger) => ledger.take(stock).map(Some),
        None => match stock.random_unused()? {
            Some(i) => Ok(Some(i)),
            None => refuse!(
                "every entry of the weights stock ({}) is used: compile again for more zero-knowledge proofs",
                stock.size()
            ),
        },
    }
}

/// Verifies one slice's proof bytes as a measured stage.
#[allow(clippy::too_many_arguments)]
pub fn verify_slice(
    scheme: Scheme,
    prepared: &PreparedCircuit<'_>,
    input: &[i64],
    output: &[i64],
    proof_bytes: &[u8],
    ctx: &[u8],
    weights_commitment: Option<&[u8; 32]>,
    zk: Option<ZkVerifier<'_>>,
    heap: &dyn HeapMeter,
) -> std::result::Result<Figures, prover::VerifyError> {
    let (r, fig) = measure::stage(heap, || {
        let (public, outputs) = (f(input), f(output));
        let st = Statement {
            public: &public,
            outputs: &outputs,
            context: ctx,
            weights_commitment,
        };
        match scheme {
            Scheme::Transparent => {
                let proof = TransparentProof::from_bytes(proof_bytes)?;
                prover::gkr::verify_prepared(&prover::Transparent, prepared, &st, &proof)
            }
            Scheme::Whir => {
                let proof = WhirProof::from_bytes(proof_bytes)?;
                prover::gkr::verify_prepared(prover::whir_scheme(), prepared, &st, &proof)
            }
            Scheme::WhirZk => {
                // The zero-knowledge form is the caller's, derived from the key's circuit,
                // never read from the proof; the weights are the key's stock.
                let ZkVerifier { form, stock } = zk.ok_or(prover::VerifyError::Unsupported {
                    what: "a zero-knowledge proof without the circuit's zero-knowledge form",
                })?;
                let proof = ZkProof::from_bytes(proof_bytes)?;
                let st = Statement {
                    weights_commitment: None,
                    ..st
                };
                prover::zk::verify_zk(form, &st, stock, &proof)
            }
        }
    });
    r.map(|()| fig)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn gate_form_refused_only_past_the_memory() {
        // VGG-16's 314 M MACs against 22 GB: refused, with the figures and the remedy.
        let err = gate_form_fits(314_000_000, Some(22_000_000_000)).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("slice of 314.0 M multiply-accumulates"),
            "{msg}"
        );
        assert!(msg.contains("40.8 GB") && msg.contains("22.0 GB"), "{msg}");
        assert!(msg.contains("--no-zk"), "{msg}");
        // VGG-small's 29 M fits; an unknown memory refuses nothing.
        gate_form_fits(29_216_768, Some(22_000_000_000)).unwrap();
        gate_form_fits(u64::MAX, None).unwrap();
        // The boundary: exactly the estimate fits, one byte less does not.
        let need = 1_000_000 * GATE_FORM_BYTES_PER_MAC;
        gate_form_fits(1_000_000, Some(need)).unwrap();
        assert!(gate_form_fits(1_000_000, Some(need - 1)).is_err());
    }
}
