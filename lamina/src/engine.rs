//! One slice through the proof system: compile, witness and prove, verify — each a
//! measured stage. The commitment scheme is chosen here and nowhere else ([`Scheme`]):
//! [`compile_slice`] commits the weights once, [`prove_slice`] opens against that
//! commitment, [`verify_slice`] checks a proof against a verification key's entry.

use crate::error::{Context, Error, Result, refuse};
use crate::measure::{self, Figures, HeapMeter};
use blueprints::{Model, Slice, pipeline};
use circuits::Circuit;
use circuits::compiler::{Program, Stats};
use prover::gkr::PreparedCircuit;
use prover::{
    CommitmentScheme, Field, FieldWitness, Goldilocks, GoldilocksExt2, Statement, TransparentProof,
    WhirCommittedWeights, WhirProof,
};
use serde_json::{Value, json};

/// The commitment scheme of a compile: what its weights commitments and its proofs are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scheme {
    /// WHIR (Plonky3's `p3-whir`, Ext3 challenges, BLAKE3 Merkle trees): succinct
    /// openings, ≥ 100 bits under the Johnson bound. Binding, not hiding.
    #[default]
    Whir,
    /// A hash commitment opened in the clear: every committed value (weights, hints) is
    /// in the proof. For debugging and comparisons; hides nothing, not succinct.
    Transparent,
}

impl Scheme {
    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Whir => "whir",
            Scheme::Transparent => "transparent",
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
        }
    }

    /// A proof's soundness for `circuit` in bits and the regime it holds under.
    pub fn security(self, prepared: &PreparedCircuit<'_>) -> Result<(f64, &'static str)> {
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
        }
    }

    /// The `"commitment"` object of a report: the scheme and the weakest slice's bits.
    pub fn report<'a, 'c: 'a>(
        self,
        circuits: impl IntoIterator<Item = &'a PreparedCircuit<'c>>,
    ) -> Result<Value> {
        let mut bits = f64::INFINITY;
        let mut regime = "";
        for c in circuits {
            let (b, r) = self.security(c)?;
            if b < bits {
                (bits, regime) = (b, r);
            }
        }
        Ok(json!({
            "scheme": self.name(),
            "id": self.id(),
            "security_bits": if bits.is_finite() { json!((bits * 10.0).floor() / 10.0) } else { Value::Null },
            "regime": regime,
            "succinct": self == Scheme::Whir,
            "hiding": false,
        }))
    }
}

impl std::str::FromStr for Scheme {
    type Err = Error;
    fn from_str(s: &str) -> Result<Scheme> {
        match s {
            "whir" => Ok(Scheme::Whir),
            "transparent" => Ok(Scheme::Transparent),
            _ => Err(Error::Refused(format!(
                "unknown commitment scheme '{s}' (supported: whir, transparent)"
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
}

impl CommittedWeights {
    /// Commits `circuit`'s weights region holding the quantized `weights` with `scheme`;
    /// `weights` are as the region holds them ([`Program::layout_weights`]).
    pub fn commit(scheme: Scheme, circuit: &Circuit, weights: &[i64]) -> Result<Self> {
        Ok(match scheme {
            Scheme::Transparent => CommittedWeights {
                digest: prover::transparent_weights_commitment(circuit, &f(weights)),
                whir: None,
            },
            Scheme::Whir => {
                let w = prover::whir_commit_weights(circuit, &f(weights))?;
                CommittedWeights {
                    digest: w.as_ref().map(|w| *w.digest()),
                    whir: w,
                }
            }
        })
    }
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

fn f(v: &[i64]) -> Vec<Goldilocks> {
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

/// Builds and compiles one slice and commits its weights with `scheme`.
pub fn compile_slice(
    model: &Model,
    slice: &Slice,
    scheme: Scheme,
    heap: &dyn HeapMeter,
) -> Result<CompiledSlice> {
    let (r, compile) = measure::stage(heap, || -> Result<_> {
        let sp = pipeline::build(model, slice)?;
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
        }
    });
    r.map(|()| fig)
}
