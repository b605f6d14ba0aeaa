//! The commands over whole models: compile a model into a folder, prove a compiled folder
//! on an input, compile-prove-verify in one go (`run`), and fidelity against the float
//! model. Each returns the JSON object the CLI prints with `--json`.

use crate::engine::{self, CompiledSlice};
use crate::error::{Context, Result, refuse};
use crate::measure::Hooks;
use crate::report::{dequantize, slice_json};
use crate::{io, model_folder};
use blueprints::{Calibration, Model, QuantConfig, SlicePlan, fidelity, slice};
use serde_json::{Value, json};
use std::path::Path;

/// The settings a model is compiled at: the global scale 2^K, the declared input range,
/// and the slice plan.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Scale and input range.
    pub quant: QuantConfig,
    /// The plan as written (`whole`, `layers`, or comma-separated cut indices).
    pub slices: String,
    plan: SlicePlan,
    /// Calibration inputs and margin (`--calibrate`, `--margin`): range checks sized from
    /// the magnitudes seen on them instead of the worst case over the weights.
    pub calibrate: Option<CalibrationSpec>,
    /// The commitment scheme (zero-knowledge WHIR unless `--no-zk` or `--commitment`
    /// names a binding one).
    pub scheme: engine::Scheme,
    /// Zero knowledge: proofs one compile can make (each slice's weights stock size).
    pub zk_proofs: u32,
    /// Zero knowledge: the activations between slices are private, proven by a chain of
    /// proofs (`--private-activations`).
    pub private_activations: bool,
    /// Zero knowledge: the model's input is private; the statement shows its commitment
    /// (`--private-input`).
    pub private_input: bool,
}

/// What calibrated bounds are computed from.
#[derive(Clone, Debug)]
pub struct CalibrationSpec {
    /// Representative inputs (flattened, float).
    pub inputs: Vec<Vec<f64>>,
    /// Where they came from (named in the report).
    pub source: String,
    /// The factor the largest magnitudes seen are multiplied by (≥ 1; 2 by default).
    pub margin: f64,
}

impl Settings {
    /// Checks and bundles the settings (`scale_bits` in 1..=30, a finite non-empty range,
    /// a valid plan).
    pub fn new(scale_bits: u32, input_range: (f64, f64), slices: &str) -> Result<Settings> {
        let quant = QuantConfig::new(scale_bits, input_range)?;
        let plan = slices.parse()?;
        Ok(Settings {
            quant,
            slices: slices.to_string(),
            plan,
            calibrate: None,
            scheme: engine::Scheme::default(),
            zk_proofs: engine::ZK_STOCK_SIZE,
            private_activations: false,
            private_input: false,
        })
    }

    /// What the compile keeps private beyond the weights.
    pub fn privacy(&self) -> engine::Privacy {
        engine::Privacy {
            activations: self.private_activations,
            input: self.private_input,
        }
    }

    /// The same settings with the model's input private: committed on its own, its
    /// commitment in the statement (zero knowledge only; with more than one slice, only
    /// with private activations, or the first slice's public output would show much of
    /// the input).
    pub fn with_private_input(mut self, private: bool) -> Result<Settings> {
        if private && !self.scheme.is_zk() {
            refuse!(
                "--private-input needs zero-knowledge proofs, the default: drop --no-zk or --commitment {0} (with {0}, the input would be revealed or bound, not hidden)",
                self.scheme.name()
            );
        }
        if private && !self.private_activations && self.slices != "whole" {
            refuse!(
                "--private-input with --slices {} needs --private-activations too: the first slice's output would be in the statement, and it shows much of the input",
                self.slices
            );
        }
        self.private_input = private;
        Ok(self)
    }

    /// The same settings with private activations between slices (zero knowledge only:
    /// refused unless the scheme is `whir-zk`).
    pub fn with_private_activations(mut self, private: bool) -> Result<Settings> {
        if private && !self.scheme.is_zk() {
            refuse!(
                "--private-activations needs zero-knowledge proofs, the default: drop --no-zk or --commitment {0} (with {0}, every committed value is revealed or bound, not hidden)",
                self.scheme.name()
            );
        }
        self.private_activations = private;
        Ok(self)
    }

    /// The same settings with another weights stock size (zero knowledge only; refused
    /// outside 1..=2^20).
    pub fn with_zk_proofs(mut self, proofs: u32) -> Result<Settings> {
        if !(1..=prover::zk::stock::STOCK_MAX).contains(&proofs) {
            refuse!(
                "--zk-proofs {proofs}: a weights stock holds 1 to {} entries",
                prover::zk::stock::STOCK_MAX
            );
        }
        self.zk_proofs = proofs;
        Ok(self)
    }

    /// The same settings with another commitment scheme.
    pub fn with_scheme(mut self, scheme: engine::Scheme) -> Settings {
        self.scheme = scheme;
        self
    }

    /// The parsed plan.
    pub fn plan(&self) -> &SlicePlan {
        &self.plan
    }

    /// The same settings with calibrated bounds from `inputs` times `margin` (≥ 1).
    pub fn calibrated(
        mut self,
        inputs: Vec<Vec<f64>>,
        source: &str,
        margin: f64,
    ) -> Result<Settings> {
        if !(margin.is_finite() && margin >= 1.0) {
            refuse!("--margin {margin}: must be a finite number ≥ 1");
        }
        if inputs.is_empty() {
            refuse!("{source}: no calibration inputs");
        }
        self.calibrate = Some(CalibrationSpec {
            inputs,
            source: source.to_string(),
            margin,
        });
        Ok(self)
    }

    /// Imports the model at `path` at these settings: calibrated when asked (the
    /// calibration is returned for the compiled folder and the report).
    pub fn load(&self, path: &Path) -> Result<(Model, Option<Calibration>)> {
        let calibration = match &self.calibrate {
            None => None,
            Some(spec) => {
                let bytes = io::read_capped(path, io::cap::ONNX)?;
                for (i, x) in spec.inputs.iter().enumerate() {
                    if let Some(j) = x.iter().position(|v| !v.is_finite()) {
                        refuse!(
                            "{}: input {i}: element {j} is {} (calibration inputs must be finite)",
                            spec.source,
                            x[j]
                        );
                    }
                }
                Some(
                    blueprints::calibrate(
                        &bytes,
                        Some(model_dir(path)),
                        self.quant,
                        &spec.inputs,
                        spec.margin,
                    )
                    .context_with(|| {
                        format!("calibrating {} on {}", path.display(), spec.source)
                    })?,
                )
            }
        };
        let model = load_model(path, self.quant, calibration.as_ref())?;
        Ok((model, calibration))
    }
}

/// The folder a model file sits in (where its external data lives).
pub(crate) fn model_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A calibration as `model.json` and reports record it.
pub fn calibration_json(c: Option<&Calibration>) -> Value {
    match c {
        None => Value::Null,
        Some(c) => {
            let bounds: std::collections::BTreeMap<_, _> = c.bounds.iter().collect();
            json!({"margin": c.margin, "observed": c.observed, "bounds": bounds})
        }
    }
}

/// Imports an ONNX file (regular, capped; external data from its folder) at `cfg`, with
/// calibrated bounds when given.
pub fn load_model(
    path: &Path,
    cfg: QuantConfig,
    calibration: Option<&Calibration>,
) -> Result<Model> {
    let bytes = io::read_capped(path, io::cap::ONNX)?;
    let base = model_dir(path);
    let what = || format!("importing {}", path.display());
    let graph = blueprints::onnx::import_with(&bytes, Some(base)).context_with(what)?;
    Model::from_graph(graph, &bytes, cfg, calibration.map(|c| &c.bounds)).context_with(what)
}

/// Refuses an input whose length is not the model's; `source` names where it came from.
pub fn check_len(model: &Model, x: &[f64], source: &str) -> Result<()> {
    if x.len() != model.input_len() {
        refuse!(
            "{source}: input has {} values, the model expects {} (shape {:?})",
            x.len(),
            model.input_len(),
            model.shapes[0]
        );
    }
    Ok(())
}

/// Compiles every slice of `plan` (each slice's boundaries private as `privacy` asks).
pub fn compile_all(
    model: &Model,
    plan: &SlicePlan,
    scheme: engine::Scheme,
    zk_proofs: u32,
    privacy: engine::Privacy,
    hooks: Hooks<'_>,
) -> Result<Vec<CompiledSlice>> {
    let slices = slice::plan(model, plan)?;
    let n = slices.len();
    if scheme.is_zk() {
        // Refused in a second rather than killed for memory after minutes of compiling.
        // The largest slice is charged: the estimate is a proof's peak, and slices are
        // proven one by one (what earlier slices keep costs less per MAC), so it errs low.
        let macs = slices
            .iter()
            .map(|s| engine::slice_macs(model, s))
            .max()
            .unwrap_or(0);
        engine::gate_form_fits(macs, crate::measure::memory_available())?;
    }
    slices
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let sides = engine::PrivateSides::of(privacy, i, n);
            engine::compile_slice(model, s, scheme, zk_proofs, sides, hooks.heap)
        })
        .collect()
}

/// `lamina compile`: writes the compiled folder `out` and returns `model.json`.
pub fn compile(
    model_path: &Path,
    settings: &Settings,
    out: &Path,
    hooks: Hooks<'_>,
) -> Result<Value> {
    let (model, calibration) = settings.load(model_path)?;
    let slices = compile_all(
        &model,
        &settings.plan,
        settings.scheme,
        settings.zk_proofs,
        settings.privacy(),
        hooks,
    )?;
    let doc = model_folder::write(
        model_path,
        &model,
        calibration.as_ref(),
        &settings.slices,
        &slices,
        out,
    )?;
    for cs in &slices {
        let s = &cs.stats;
        hooks.observer.info(&format!(
            "slice {}: layers {:?}, {} circuit layers, {} mul + {} add + {} const gates, compiled in {:.3} s",
            cs.slice.index,
            cs.slice.layers,
            s.layers,
            s.mul_gates,
            s.add_gates,
            s.const_gates,
            cs.compile.wall_s
        ));
    }
    hooks.observer.info(&format!(
        "wrote {} (model.json, model.vk with {} circuits, weights.safetensors); {} commitments, {} bits ({})",
        out.display(),
        slices.len(),
        settings.scheme.name(),
        doc["commitment"]["security_bits"],
        doc["commitment"]["regime"].as_str().unwrap_or_default(),
    ));
    hooks.observer.info(&format!(
        "verification key digest {} (publish it; verifiers pin it: lamina verify --vk model.vk --vk-digest <digest> PROOFS)",
        doc["vk_digest"].as_str().unwrap_or_default()
    ));
    Ok(doc)
}

/// One proof-folder entry for a proven slice (`statement.json`'s `slices[i]`); a
/// private input or output is `null` (it is in no statement).
pub(crate) fn statement_entry(cs: &CompiledSlice, p: &engine::ProvenSlice, name: &str) -> Value {
    let public = |private: bool, v: &[i64]| if private { Value::Null } else { json!(v) };
    json!({
        "index": cs.slice.index, "proof": name, "proof_bytes": p.proof_bytes.len(),
        "input": public(cs.sides.input, &p.input), "output": public(cs.sides.output, &p.output),
        "stages": {"load": {"wall_s": cs.compile.wall_s}, "witness": p.witness.json(), "prove": p.prove.json()},
    })
}

/// The line people see for a proven slice.
pub(crate) fn proven_line(cs: &CompiledSlice, p: &engine::ProvenSlice) -> String {
    format!(
        "slice {}: witness {:.3} s, prove {:.3} s, proof {} bytes",
        cs.slice.index,
        p.witness.wall_s,
        p.prove.wall_s,
        p.proof_bytes.len()
    )
}

/// `lamina prove`: proves every slice of the compiled folder `dir` on `x`, writes
/// `slice_N.proof` and `statement.json` into `out`, and returns the statement.
pub fn prove(dir: &Path, x: &[f64], source: &str, out: &Path, hooks: Hooks<'_>) -> Result<Value> {
    let l = model_folder::load_for_proving(dir, |_| true)?;
    check_len(&l.model, x, source)?;
    let bits = l.model.quant.scale_bits;
    let mut act = l.model.quant.quantize_input(x, &l.model.layers[0].name)?;
    io::create_dir(out)?;
    let n = l.count;
    let mut entries = Vec::new();
    // Private activations or input: the slices are proven together, as one chain.
    let (chained, opening) = if l.slices.iter().any(|cs| cs.sides.any()) {
        let refs: Vec<&CompiledSlice> = l.slices.iter().collect();
        let ctxs: Vec<Vec<u8>> = (0..n)
            .map(|i| engine::context(&l.vk_digest, i, n))
            .collect();
        let c = engine::prove_chain(&l.model, &refs, &act, &ctxs, hooks.heap)?;
        (c.slices, c.input_opening)
    } else {
        (Vec::new(), None)
    };
    let mut chained = chained.into_iter();
    hooks.observer.begin(n);
    for cs in &l.slices {
        hooks.observer.advance();
        let ctx = engine::context(&l.vk_digest, cs.slice.index, n);
        let p = match chained.next() {
            Some(p) => p,
            None => engine::prove_slice(&l.model, cs, &act, &ctx, hooks.heap)?,
        };
        let name = format!("slice_{}.proof", cs.slice.index);
        io::io(std::fs::write(out.join(&name), &p.proof_bytes), || {
            format!("writing {name}")
        })?;
        entries.push(statement_entry(cs, &p, &name));
        hooks.observer.info(&proven_line(cs, &p));
        act = p.output;
    }
    hooks.observer.end();
    let mut doc = json!({
        "format": crate::proof_folder::FORMAT,
        "vk_digest": io::hex(&l.vk_digest),
        "model_digest": l.meta["model_digest"],
        "scale_bits": bits,
        "commitment": l.commitment,
        "outputs": dequantize(&act, bits),
        "slices": entries,
    });
    // A private input: its commitment is the statement's input, its opening a file.
    if let Some(bytes) = &opening {
        io::io(std::fs::write(out.join(INPUT_OPENING), bytes), || {
            format!("writing {INPUT_OPENING}")
        })?;
        doc["input_commitment"] = json!(io::hex(&input_commitment(bytes)?));
        doc["input_opening"] = json!(INPUT_OPENING);
    }
    io::write_json(&out.join("statement.json"), &doc)?;
    hooks.observer.info(&format!(
        "wrote {} ({} proofs, statement.json); verify against key {}",
        out.display(),
        n,
        io::hex(&l.vk_digest)
    ));
    Ok(doc)
}

/// The file a private input's opening is written to, beside the proofs.
pub const INPUT_OPENING: &str = "input.opening";

/// The commitment an encoded input opening is of.
pub(crate) fn input_commitment(opening: &[u8]) -> Result<[u8; 32]> {
    Ok(prover::zk::chain::InputOpening::from_bytes(opening)
        .context_with(|| "the private input's opening (internal error)".to_string())?
        .commitment)
}

/// What [`prove_plan`] returns: the per-slice rows, the integer output, whether every slice
/// verified, and (a chain) the chain's own figures.
type PlanRun = (Vec<Value>, Vec<i64>, bool, Option<Value>);

/// Proves and verifies every slice on `x`; returns the per-slice rows, the integer output
/// and whether every slice verified.
fn prove_plan(
    model: &Model,
    slices: &[CompiledSlice],
    vk_digest: &[u8; 32],
    x: &[f64],
    hooks: Hooks<'_>,
) -> Result<PlanRun> {
    let n = slices.len();
    let mut act = model.quant.quantize_input(x, &model.layers[0].name)?;
    if slices.iter().any(|cs| cs.sides.any()) {
        return prove_chain_plan(model, slices, vk_digest, &act, hooks);
    }
    let mut rows = Vec::new();
    let mut all_ok = true;
    hooks.observer.begin(n);
    for cs in slices {
        hooks
            .observer
            .step(&format!("slice {}: witness, prove, verify", cs.slice.index));
        let ctx = engine::context(vk_digest, cs.slice.index, n);
        let p = engine::prove_slice(model, cs, &act, &ctx, hooks.heap)?;
        let verdict = engine::verify_slice(
            cs.scheme,
            &cs.prepared,
            &p.input,
            &p.output,
            &p.proof_bytes,
            &ctx,
            cs.weights_commitment().as_ref(),
            cs.zk_verifier(),
            hooks.heap,
        );
        if let Err(e) = &verdict {
            all_ok = false;
            hooks
                .observer
                .warn(&format!("slice {}: NOT verified: {e}", cs.slice.index));
        }
        rows.push(proven_row(model, cs, &p, &verdict));
        act = p.output;
        hooks.observer.advance();
    }
    hooks.observer.end();
    Ok((rows, act, all_ok, None))
}

/// A report row for a proven and verified slice.
fn proven_row(
    model: &Model,
    cs: &CompiledSlice,
    p: &engine::ProvenSlice,
    verdict: &std::result::Result<crate::measure::Figures, prover::VerifyError>,
) -> Value {
    let mut j = slice_json(model, cs);
    j["verified"] = json!(verdict.is_ok());
    j["proof_bytes"] = json!(p.proof_bytes.len());
    j["private_input"] = json!(cs.sides.input);
    j["private_output"] = json!(cs.sides.output);
    j["stages"] = json!({
        "compile": cs.compile.json(),
        "witness": p.witness.json(),
        "prove": p.prove.json(),
        "verify": verdict.as_ref().copied().unwrap_or_default().json(),
    });
    j
}

/// [`prove_plan`] for slices with private activations or input: one chain of proofs (every
/// witness, every commitment, every proof), verified as a chain.
fn prove_chain_plan(
    model: &Model,
    slices: &[CompiledSlice],
    vk_digest: &[u8; 32],
    input: &[i64],
    hooks: Hooks<'_>,
) -> Result<PlanRun> {
    let n = slices.len();
    hooks.observer.begin(n);
    hooks
        .observer
        .step("slices: witness, commit, prove as one chain (private activations or input)");
    let refs: Vec<&CompiledSlice> = slices.iter().collect();
    let ctxs: Vec<Vec<u8>> = (0..n).map(|i| engine::context(vk_digest, i, n)).collect();
    let engine::ProvenChain {
        slices: proven,
        input_opening: opening,
        prove: chain_prove,
    } = engine::prove_chain(model, &refs, input, &ctxs, hooks.heap)?;
    let mut chained = Vec::with_capacity(n);
    for ((cs, p), ctx) in slices.iter().zip(&proven).zip(&ctxs) {
        let zk = cs.zk_verifier().context_with(|| {
            format!(
                "slice {}: no zero-knowledge form (internal error)",
                cs.slice.index
            )
        })?;
        chained.push(engine::ChainedProof {
            zk,
            input: if cs.sides.input { &[] } else { &p.input },
            output: if cs.sides.output { &[] } else { &p.output },
            proof_bytes: &p.proof_bytes,
            ctx,
        });
    }
    let verdicts = engine::verify_chain(&chained, opening.as_deref(), hooks.heap);
    let mut rows = Vec::with_capacity(n);
    let mut all_ok = true;
    for ((cs, p), verdict) in slices.iter().zip(&proven).zip(&verdicts) {
        if let Err(e) = verdict {
            all_ok = false;
            hooks
                .observer
                .warn(&format!("slice {}: NOT verified: {e}", cs.slice.index));
        }
        rows.push(proven_row(model, cs, p, verdict));
        hooks.observer.advance();
    }
    hooks.observer.end();
    if let (Some(bytes), Some(row)) = (&opening, rows.first_mut()) {
        row["input_commitment"] = json!(io::hex(&input_commitment(bytes)?));
        row["input_opening_bytes"] = json!(bytes.len());
    }
    // The slices were proven in parallel: the chain's own wall clock, beside the slices'.
    let verify_wall: f64 = verdicts
        .iter()
        .filter_map(|v| v.as_ref().ok())
        .map(|f| f.wall_s)
        .sum();
    let chain = json!({"prove": chain_prove.json(), "verify_wall_s": verify_wall, "slices_in_parallel": true});
    let act = proven.last().map(|p| p.output.clone()).unwrap_or_default();
    Ok((rows, act, all_ok, Some(chain)))
}

/// `lamina run`: compiles, proves and verifies every slice on `x` in memory, with
/// per-stage figures; `compare_whole` also proves the model as one slice (`whole`).
pub fn run(
    model_path: &Path,
    x: &[f64],
    source: &str,
    settings: &Settings,
    compare_whole: bool,
    hooks: Hooks<'_>,
) -> Result<Value> {
    let cfg = settings.quant;
    let (model, calibration) = settings.load(model_path)?;
    check_len(&model, x, source)?;
    let slices = compile_all(
        &model,
        &settings.plan,
        settings.scheme,
        settings.zk_proofs,
        settings.privacy(),
        hooks,
    )?;
    // The key a `compile` at these settings writes: its digest is what the proofs bind.
    let key = crate::key::encode_digest(&model, calibration.as_ref(), &settings.slices, &slices)?;
    let vk_digest = key.digest;
    hooks.observer.info(&format!(
        "verification key digest {} ({} commitments)",
        io::hex(&vk_digest),
        settings.scheme.name()
    ));
    let (rows, act, mut all_ok, chain) = prove_plan(&model, &slices, &vk_digest, x, hooks)?;
    let whole = if compare_whole {
        let w = compile_all(
            &model,
            &SlicePlan::Whole,
            settings.scheme,
            settings.zk_proofs,
            engine::Privacy::default(),
            hooks,
        )?;
        let wd = crate::key::encode_digest(&model, calibration.as_ref(), "whole", &w)?.digest;
        let (mut wrows, wact, ok, _) = prove_plan(&model, &w, &wd, x, hooks)?;
        all_ok &= ok;
        if wact != act {
            refuse!("the whole model and the slices disagree on the output (internal error)");
        }
        wrows.pop()
    } else {
        None
    };
    Ok(json!({
        "verified": all_ok,
        "outputs": dequantize(&act, cfg.scale_bits),
        "scale_bits": cfg.scale_bits,
        "input_range": [cfg.input_range.0, cfg.input_range.1],
        "slices_plan": settings.slices,
        "model": model_path.display().to_string(),
        "calibration": calibration_json(calibration.as_ref()),
        "vk_digest": io::hex(&vk_digest),
        "commitment": key.commitment,
        "slices": rows,
        "chain": chain,
        "whole": whole,
    }))
}

/// `lamina fidelity` at one scale: circuit outputs (the witness solver's exact integer
/// semantics) against the float model over `inputs`; `source` names where they came from.
pub fn fidelity(
    model_path: &Path,
    inputs: &[Vec<f64>],
    source: &str,
    settings: &Settings,
    hooks: Hooks<'_>,
) -> Result<Value> {
    let cfg = settings.quant;
    let (model, calibration) = settings.load(model_path)?;
    // The solver needs each slice's program and weights, not its compiled circuit.
    let slices = slice::plan(&model, &settings.plan)?
        .into_iter()
        .map(|s| {
            let program = blueprints::pipeline::build(&model, &s)?.program;
            let weights = blueprints::pipeline::weights(&model, &s);
            Ok((s, program, weights))
        })
        .collect::<Result<Vec<_>>>()?;
    let bits = cfg.scale_bits;
    let mut per = Vec::new();
    let mut ms = Vec::new();
    hooks.observer.begin(inputs.len());
    for (i, x) in inputs.iter().enumerate() {
        hooks.observer.advance();
        check_len(&model, x, source).context_with(|| format!("input {i}"))?;
        let reference = model.float_forward(x);
        let mut act = model
            .quant
            .quantize_input(x, &model.layers[0].name)
            .context_with(|| format!("input {i}"))?;
        for (sl, program, weights) in &slices {
            act = blueprints::pipeline::witness(&model, sl, program, weights, &act)
                .context_with(|| format!("input {i}"))?
                .1;
        }
        let outputs = dequantize(&act, bits);
        let m = fidelity::compare(&outputs, &reference);
        per.push(json!({"index": i, "outputs": outputs, "reference": reference, "d1": m.d1, "d2": m.d2, "d1_per_logit": m.d1_per_logit, "d2_per_logit": m.d2_per_logit, "l1": m.l1, "l2": m.l2, "tvd": m.tvd, "jsd": m.jsd, "argmax_agrees": m.argmax_agrees}));
        ms.push(m);
    }
    hooks.observer.end();
    let sum = |f: fn(&fidelity::Metrics) -> f64| {
        let s = fidelity::summarize(&ms.iter().map(f).collect::<Vec<_>>());
        json!({"mean": s.mean, "std": s.std, "min": s.min, "max": s.max})
    };
    let agree = ms.iter().filter(|m| m.argmax_agrees).count();
    let doc = json!({
        "scale_bits": bits,
        "slices_plan": settings.slices,
        "inputs": inputs.len(),
        "calibration": calibration_json(calibration.as_ref()),
        "d1": sum(|m| m.d1), "d2": sum(|m| m.d2), "d1_per_logit": sum(|m| m.d1_per_logit), "d2_per_logit": sum(|m| m.d2_per_logit), "l1": sum(|m| m.l1), "l2": sum(|m| m.l2), "tvd": sum(|m| m.tvd), "jsd": sum(|m| m.jsd),
        "argmax_agreement": agree as f64 / ms.len().max(1) as f64,
        "metrics": "d1 = Σ|circuit − float| and d2 = Σ(circuit − float)² over the logits (DSperse eq. 3.1), d1_per_logit/d2_per_logit = the same divided by the number of logits, l1/l2 = L1/L2 distances, tvd/jsd (base 2) over softmaxes",
        "note": "circuit outputs are the witness solver's (the exact integer semantics the circuit proves, every constraint checked)",
        "per_input": per,
    });
    hooks.observer.info(&format!(
        "fidelity of {} at 2^{bits} over {} inputs ({} slice(s)):",
        model_path.display(),
        inputs.len(),
        slices.len()
    ));
    for k in ["d1", "d2", "d1_per_logit", "d2_per_logit", "tvd", "jsd"] {
        let s = &doc[k];
        let g = |f: &str| s[f].as_f64().unwrap_or(0.0);
        hooks.observer.info(&format!(
            "  {k:<12} mean {:.3e}  std {:.3e}  min {:.3e}  max {:.3e}",
            g("mean"),
            g("std"),
            g("min"),
            g("max")
        ));
    }
    hooks
        .observer
        .info(&format!("  argmax agreement {agree}/{}", ms.len()));
    Ok(doc)
}
