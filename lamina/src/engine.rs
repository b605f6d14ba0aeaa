//! One slice through the proof system: compile, witness and prove, verify — each a
//! measured stage. The commitment scheme is chosen here and nowhere else: a new scheme
//! (and a verification key) changes [`weights_commitment`], [`prove_slice`] and
//! [`verify_slice`], and the folder formats that carry what they return.

use crate::error::{Context, Error, Result};
use crate::measure::{self, Figures, HeapMeter};
use blueprints::{Model, Slice, pipeline};
use circuits::Circuit;
use circuits::compiler::{Program, Stats};
use prover::gkr::PreparedCircuit;
use prover::{Field, FieldWitness, Goldilocks, GoldilocksExt2, Statement, TransparentProof};

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
    /// The expected weights commitment (absent for slices without parameters).
    pub weights_commitment: Option<[u8; 32]>,
    /// The compile stage (program build and layout; loading, for a compiled folder).
    pub compile: Figures,
}

fn f(v: &[i64]) -> Vec<Goldilocks> {
    v.iter().map(|&x| Goldilocks::from_i64(x)).collect()
}

/// The commitment the verifier expects for `circuit`'s weights region holding the
/// quantized `weights` (`None` for a circuit without one).
pub fn weights_commitment(circuit: &Circuit, weights: &[i64]) -> Option<[u8; 32]> {
    prover::transparent_weights_commitment(circuit, &f(weights))
}

/// What a proof binds besides the circuit: the model, the scale and input range, and the
/// slice's place in the plan (position, layer range, input and output lengths), so a
/// proof made for any other setting fails the transcript.
pub fn context(model: &Model, slice: &Slice, count: usize) -> Vec<u8> {
    let q = &model.quant;
    format!(
        "lamina/v2 model={} scale_bits={} input_range=[{},{}] slice={}/{count} layers={}..{} inputs={} outputs={}",
        crate::io::hex(&model.digest),
        q.scale_bits,
        q.input_range.0,
        q.input_range.1,
        slice.index,
        slice.layers.start,
        slice.layers.end,
        slice.input_len(model),
        slice.output_len(model),
    )
    .into_bytes()
}

/// Builds and compiles one slice.
pub fn compile_slice(model: &Model, slice: &Slice, heap: &dyn HeapMeter) -> Result<CompiledSlice> {
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
        let weights_commitment = weights_commitment(&compiled.circuit, &weights);
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
            weights_commitment,
        ))
    });
    let (program, circuit_bytes, prepared, stats, weights, weights_commitment) = r?;
    Ok(CompiledSlice {
        slice: slice.clone(),
        program,
        circuit_bytes,
        prepared,
        stats,
        weights,
        weights_commitment,
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
    let (r, prove) = measure::stage(heap, || {
        prover::gkr::prove_prepared::<Goldilocks, GoldilocksExt2, _>(
            &prover::Transparent,
            &cs.prepared,
            &fw.witness(),
            ctx,
        )
        .map(|(proof, outputs)| (proof.to_bytes(), outputs))
    });
    let (proof_bytes, outputs) = r.context_with(|| format!("proving slice {}", cs.slice.index))?;
    if outputs != f(&output) {
        crate::error::refuse!(
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
pub fn verify_slice(
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
        let proof = TransparentProof::from_bytes(proof_bytes)?;
        prover::gkr::verify_prepared(&prover::Transparent, prepared, &st, &proof)
    });
    r.map(|()| fig)
}
