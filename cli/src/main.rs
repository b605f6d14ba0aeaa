//! `lamina`: prove that a neural network's inference (or chosen slices of it) was computed
//! correctly.
//!
//! **May depend on:** every workspace crate; the only place for `anyhow` and `clap`.
#![deny(unsafe_code)]

mod engine;
mod io;
mod measure;
mod plot;
mod progress;

#[global_allocator]
static ALLOC: measure::Counting = measure::Counting;

use anyhow::{Context, Result, bail};
use blueprints::{Model, QuantConfig, SlicePlan, fidelity, slice, weights};
use clap::{Parser, Subcommand};
use engine::CompiledSlice;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "lamina",
    version,
    about = "GKR/sumcheck proofs for neural-network slices (transparent: verifiable, not zero-knowledge)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// No progress bars.
    #[arg(long, global = true)]
    quiet: bool,
}

#[derive(clap::Args, Clone)]
struct QuantArgs {
    /// Global scale α = 2^K.
    #[arg(long, default_value_t = 18)]
    scale_bits: u32,
    /// Declared input range LO,HI: inputs outside it are refused; it sets every bound.
    #[arg(long, default_value = "-1,1", allow_hyphen_values = true)]
    input_range: String,
    /// whole | layers | comma-separated layer indices where slices start.
    #[arg(long, default_value = "whole")]
    slices: String,
}

#[derive(Subcommand)]
enum Command {
    /// Compile a model into per-slice circuits and a weight store.
    Compile {
        /// The ONNX model.
        model: PathBuf,
        #[command(flatten)]
        q: QuantArgs,
        /// Output folder.
        #[arg(short, long)]
        out: PathBuf,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Prove every slice of a compiled model on an input.
    Prove {
        /// The folder `compile` wrote.
        dir: PathBuf,
        /// `{"input_data": [[...]]}`.
        #[arg(long)]
        input: PathBuf,
        /// Output folder for proofs and the statement.
        #[arg(short, long)]
        out: PathBuf,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Verify every slice's proof; exit 0 only if all verify, and print the outputs.
    Verify {
        /// The folder `compile` wrote.
        dir: PathBuf,
        /// The folder `prove` wrote.
        proofs: PathBuf,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Compile, prove and verify in one go, with per-stage figures.
    Run {
        /// The ONNX model.
        model: PathBuf,
        /// `{"input_data": [[...]]}`.
        #[arg(long)]
        input: PathBuf,
        #[command(flatten)]
        q: QuantArgs,
        /// Also write the JSON report here.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Also prove the whole model in one slice, for comparison (in the report as `whole`).
        #[arg(long)]
        compare_whole: bool,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Compare circuit outputs with the float model: D1, D2, TVD, JSD, argmax agreement.
    Fidelity {
        /// The ONNX model.
        model: PathBuf,
        /// `{"input_data": [[...], ...]}`.
        #[arg(long)]
        inputs: PathBuf,
        /// Scale bits; repeat (or comma-separate) to compare scales.
        #[arg(long, default_value = "18", value_delimiter = ',', num_args = 1..)]
        scale_bits: Vec<u32>,
        /// Declared input range LO,HI.
        #[arg(long, default_value = "-1,1", allow_hyphen_values = true)]
        input_range: String,
        /// whole | layers | comma-separated layer indices where slices start.
        #[arg(long, default_value = "whole")]
        slices: String,
        /// Draw D1 and TVD per input (or per scale) as SVG.
        #[arg(long)]
        plot: Option<PathBuf>,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Draw a `run --report` file: per-slice prove and verify time and peak allocation.
    Plot {
        /// The report JSON.
        report: PathBuf,
        /// The SVG to write.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Prove and verify a built-in random layered circuit (engine figures).
    Demo {
        /// log2 of the widest layer (2–22).
        #[arg(long, default_value_t = 16)]
        log_width: u8,
        /// Layers above the input (1–64).
        #[arg(long, default_value_t = 4)]
        depth: usize,
        /// Seed of the random circuit and witness.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let quiet = cli.quiet;
    let result = match cli.command {
        Command::Compile {
            model,
            q,
            out,
            json,
        } => compile(&model, &q, &out, json),
        Command::Prove {
            dir,
            input,
            out,
            json,
        } => prove(&dir, &input, &out, json, quiet),
        Command::Verify { dir, proofs, json } => verify(&dir, &proofs, json),
        Command::Run {
            model,
            input,
            q,
            report,
            compare_whole,
            json,
        } => run(
            &model,
            &input,
            &q,
            report.as_deref(),
            compare_whole,
            json,
            quiet,
        ),
        Command::Fidelity {
            model,
            inputs,
            scale_bits,
            input_range,
            slices,
            plot,
            json,
        } => fidelity_cmd(
            &model,
            &inputs,
            &scale_bits,
            QuantArgs {
                scale_bits: 0,
                input_range,
                slices,
            },
            plot.as_deref(),
            json,
            quiet,
        ),
        Command::Plot { report, out } => io::read_json(&report)
            .and_then(|r| plot::report(&r, &out))
            .map(|()| {
                eprintln!("wrote {}", out.display());
                true
            }),
        Command::Demo {
            log_width,
            depth,
            seed,
            json,
        } => demo::demo(log_width, depth, seed, json),
    };
    match result {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            // One line naming what failed and why; no backtrace for users.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn quant(q: &QuantArgs) -> Result<(QuantConfig, SlicePlan)> {
    let (lo, hi) = q
        .input_range
        .split_once(',')
        .with_context(|| format!("--input-range '{}': expected LO,HI", q.input_range))?;
    let parse = |s: &str| {
        s.trim()
            .parse::<f64>()
            .with_context(|| format!("--input-range '{}': '{s}' is not a number", q.input_range))
    };
    let cfg = QuantConfig::new(q.scale_bits, (parse(lo)?, parse(hi)?))?;
    Ok((cfg, q.slices.parse()?))
}

fn load_model(path: &Path, cfg: QuantConfig) -> Result<Model> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Model::from_onnx(&bytes, cfg).with_context(|| format!("importing {}", path.display()))
}

fn shape(model: &Model, value: usize) -> Value {
    json!(model.shapes[value])
}

fn slice_json(model: &Model, cs: &CompiledSlice) -> Value {
    let s = &cs.stats;
    json!({
        "index": cs.slice.index,
        "model_layers": model.layers[cs.slice.layers.clone()].iter().map(|l| format!("{}:{}", l.bp.kind(), l.name)).collect::<Vec<_>>(),
        "input_shape": shape(model, cs.slice.input),
        "output_shape": shape(model, cs.slice.output),
        "layers": s.layers,
        "gates": {"mul": s.mul_gates, "add": s.add_gates, "const": s.const_gates},
        "widest_layer": s.widest_layer,
        "range_checks": s.range_checks,
        "circuit_bytes": cs.circuit_bytes.len(),
    })
}

fn compile_all(model: &Model, plan: &SlicePlan) -> Result<Vec<CompiledSlice>> {
    slice::plan(model, plan)?
        .iter()
        .map(|s| engine::compile_slice(model, s))
        .collect()
}

fn compile(model_path: &Path, q: &QuantArgs, out: &Path, json_out: bool) -> Result<bool> {
    let (cfg, plan) = quant(q)?;
    let model = load_model(model_path, cfg)?;
    let slices = compile_all(&model, &plan)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    std::fs::copy(model_path, out.join("model.onnx"))
        .with_context(|| format!("copying the model into {}", out.display()))?;
    let mut tensors = Vec::new();
    let mut meta = Vec::new();
    for cs in &slices {
        let name = format!("slice_{}.circuit", cs.slice.index);
        std::fs::write(out.join(&name), &cs.circuit_bytes)
            .with_context(|| format!("writing {name}"))?;
        tensors.push((format!("slice_{}", cs.slice.index), cs.weights.clone()));
        let mut j = slice_json(&model, cs);
        j["circuit"] = json!(name);
        j["circuit_digest"] = json!(cs.prepared.digest().to_hex());
        j["layer_range"] = json!([cs.slice.layers.start, cs.slice.layers.end]);
        j["weights_commitment"] = json!(cs.weights_commitment.map(|c| io::hex(&c)));
        j["stages"] = json!({"compile": cs.compile.json()});
        meta.push(j);
    }
    weights::write(&out.join("weights.safetensors"), &tensors)?;
    let doc = json!({
        "format": "lamina-model/1",
        "model": "model.onnx",
        "model_digest": io::hex(&model.digest),
        "scale_bits": cfg.scale_bits,
        "input_range": [cfg.input_range.0, cfg.input_range.1],
        "slices_plan": q.slices,
        "input_shape": shape(&model, 0),
        "slices": meta,
    });
    io::write_json(&out.join("model.json"), &doc)?;
    if json_out {
        println!("{doc}");
    } else {
        for cs in &slices {
            let s = &cs.stats;
            eprintln!(
                "slice {}: layers {:?}, {} circuit layers, {} mul + {} add + {} const gates, compiled in {:.3} s",
                cs.slice.index,
                cs.slice.layers,
                s.layers,
                s.mul_gates,
                s.add_gates,
                s.const_gates,
                cs.compile.wall_s
            );
        }
        eprintln!(
            "wrote {} (model.json, {} circuits, weights.safetensors)",
            out.display(),
            slices.len()
        );
    }
    Ok(true)
}

/// A compiled folder, loaded back.
struct Loaded {
    model: Model,
    meta: Value,
    slices: Vec<CompiledSlice>,
}

/// One slice's circuit from a compiled folder: all `verify` needs of it.
struct LoadedCircuit {
    slice: slice::Slice,
    circuit_bytes: Vec<u8>,
    prepared: prover::gkr::PreparedCircuit<'static>,
    weights_commitment: Option<[u8; 32]>,
}

/// A compiled folder's model, metadata and circuits, checked against their digests.
struct Circuits {
    model: Model,
    meta: Value,
    circuits: Vec<LoadedCircuit>,
}

/// Loads a compiled folder for proving: the circuits, plus every slice's program rebuilt
/// from the model copy and its weights memory-mapped from the store.
fn load_dir(dir: &Path) -> Result<Loaded> {
    let c = load_circuits(dir)?;
    let store = weights::WeightStore::open(&dir.join("weights.safetensors"))?;
    let mut slices = Vec::with_capacity(c.circuits.len());
    for lc in c.circuits {
        let t = std::time::Instant::now();
        let sp = blueprints::pipeline::build(&c.model, &lc.slice)?;
        let weights = store.get(&format!("slice_{}", lc.slice.index))?;
        slices.push(CompiledSlice {
            slice: lc.slice,
            program: sp.program,
            circuit_bytes: lc.circuit_bytes,
            prepared: lc.prepared,
            stats: circuits::compiler::Stats::default(),
            weights,
            weights_commitment: lc.weights_commitment,
            compile: measure::Figures {
                wall_s: t.elapsed().as_secs_f64(),
                ..Default::default()
            },
        });
    }
    Ok(Loaded {
        model: c.model,
        meta: c.meta,
        slices,
    })
}

/// Loads a compiled folder's circuits (no programs, no weights: the verifier's view).
fn load_circuits(dir: &Path) -> Result<Circuits> {
    let meta = io::read_json(&dir.join("model.json"))?;
    if meta["format"] != "lamina-model/1" {
        bail!(
            "{}: not a lamina model folder (format {})",
            dir.display(),
            meta["format"]
        );
    }
    let range = meta["input_range"]
        .as_array()
        .context("model.json: input_range")?;
    let cfg = QuantConfig::new(
        meta["scale_bits"]
            .as_u64()
            .context("model.json: scale_bits")? as u32,
        match range.as_slice() {
            [lo, hi] => (
                lo.as_f64().context("model.json: input_range")?,
                hi.as_f64().context("model.json: input_range")?,
            ),
            _ => bail!("model.json: input_range must be [LO, HI]"),
        },
    )?;
    let model = load_model(&dir.join("model.onnx"), cfg)?;
    if io::hex(&model.digest) != meta["model_digest"].as_str().unwrap_or_default() {
        bail!(
            "{}: model.onnx does not match the digest in model.json",
            dir.display()
        );
    }
    let plan: SlicePlan = meta["slices_plan"].as_str().unwrap_or("whole").parse()?;
    let mut circuits = Vec::new();
    let planned = slice::plan(&model, &plan)?;
    let listed = meta["slices"].as_array().context("model.json: slices")?;
    if listed.len() != planned.len() {
        bail!(
            "model.json lists {} slices, its plan '{}' makes {}",
            listed.len(),
            meta["slices_plan"].as_str().unwrap_or("?"),
            planned.len()
        );
    }
    for (s, m) in planned.into_iter().zip(listed) {
        let bytes = std::fs::read(dir.join(m["circuit"].as_str().context("model.json: circuit")?))?;
        let prepared = prover::gkr::PreparedCircuit::from_bytes(&bytes)
            .with_context(|| format!("slice {}: circuit file", s.index))?;
        if prepared.digest().to_hex() != m["circuit_digest"].as_str().unwrap_or_default() {
            bail!(
                "slice {}: circuit file does not match its digest in model.json",
                s.index
            );
        }
        let weights_commitment = m["weights_commitment"]
            .as_str()
            .map(io::unhex32)
            .transpose()?;
        circuits.push(LoadedCircuit {
            slice: s,
            circuit_bytes: bytes,
            prepared,
            weights_commitment,
        });
    }
    Ok(Circuits {
        model,
        meta,
        circuits,
    })
}

fn dequantize(v: &[i64], bits: u32) -> Vec<f64> {
    v.iter()
        .map(|&x| x as f64 / f64::from(1u32 << bits))
        .collect()
}

fn first_input(path: &Path) -> Result<Vec<f64>> {
    let mut inputs = io::read_inputs(path)?;
    if inputs.len() > 1 {
        eprintln!(
            "note: {} holds {} inputs; proving the first (use `lamina fidelity` for many)",
            path.display(),
            inputs.len()
        );
    }
    Ok(inputs.swap_remove(0))
}

fn check_len(model: &Model, x: &[f64], path: &Path) -> Result<()> {
    if x.len() != model.input_len() {
        bail!(
            "{}: input has {} values, the model expects {} (shape {:?})",
            path.display(),
            x.len(),
            model.input_len(),
            model.shapes[0]
        );
    }
    Ok(())
}

fn prove(dir: &Path, input: &Path, out: &Path, json_out: bool, quiet: bool) -> Result<bool> {
    let l = load_dir(dir)?;
    let x = first_input(input)?;
    check_len(&l.model, &x, input)?;
    let bits = l.model.quant.scale_bits;
    let mut act = l.model.quant.quantize_input(&x, &l.model.layers[0].name)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let n = l.slices.len();
    let mut entries = Vec::new();
    let bar = progress::Progress::new(n, quiet);
    for cs in &l.slices {
        bar.inc();
        let ctx = engine::context(&l.model.digest, bits, cs.slice.index, n);
        let p = engine::prove_slice(&l.model, cs, &act, &ctx)?;
        let name = format!("slice_{}.proof", cs.slice.index);
        std::fs::write(out.join(&name), &p.proof_bytes)
            .with_context(|| format!("writing {name}"))?;
        entries.push(json!({
            "index": cs.slice.index, "proof": name, "proof_bytes": p.proof_bytes.len(),
            "input": p.input, "output": p.output,
            "stages": {"load": {"wall_s": cs.compile.wall_s}, "witness": p.witness.json(), "prove": p.prove.json()},
        }));
        if !json_out {
            eprintln!(
                "slice {}: witness {:.3} s, prove {:.3} s, proof {} bytes",
                cs.slice.index,
                p.witness.wall_s,
                p.prove.wall_s,
                p.proof_bytes.len()
            );
        }
        act = p.output;
    }
    bar.done();
    let doc = json!({
        "format": "lamina-proof/1",
        "model_digest": l.meta["model_digest"],
        "scale_bits": bits,
        "outputs": dequantize(&act, bits),
        "slices": entries,
    });
    io::write_json(&out.join("statement.json"), &doc)?;
    if json_out {
        println!("{doc}");
    } else {
        eprintln!("wrote {} ({} proofs, statement.json)", out.display(), n);
    }
    Ok(true)
}

fn verify(dir: &Path, proofs: &Path, json_out: bool) -> Result<bool> {
    let l = load_circuits(dir)?;
    let st = io::read_json(&proofs.join("statement.json"))?;
    if st["format"] != "lamina-proof/1" {
        bail!("{}: not a lamina proof folder", proofs.display());
    }
    if st["model_digest"] != l.meta["model_digest"] || st["scale_bits"] != l.meta["scale_bits"] {
        bail!(
            "{}: the proofs are for another model or scale than {}",
            proofs.display(),
            dir.display()
        );
    }
    let entries = st["slices"].as_array().context("statement.json: slices")?;
    if entries.len() != l.circuits.len() {
        bail!(
            "statement.json has {} slices, the model {}",
            entries.len(),
            l.circuits.len()
        );
    }
    let bits = l.model.quant.scale_bits;
    let n = l.circuits.len();
    let mut results = Vec::new();
    let mut ok = true;
    let mut prev_output: Option<Vec<i64>> = None;
    let mut last = Vec::new();
    for (cs, e) in l.circuits.iter().zip(entries) {
        let i = cs.slice.index;
        let input = io::ints(&e["input"], "statement input")?;
        let output = io::ints(&e["output"], "statement output")?;
        let bytes = std::fs::read(proofs.join(e["proof"].as_str().context("statement: proof")?))?;
        let ctx = engine::context(&l.model.digest, bits, i, n);
        let verdict = if prev_output.as_ref().is_some_and(|p| *p != input) {
            Err(format!("its input is not slice {}'s proven output", i - 1))
        } else {
            engine::verify_slice(
                &cs.prepared,
                &input,
                &output,
                &bytes,
                &ctx,
                cs.weights_commitment.as_ref(),
            )
            .map_err(|e| e.to_string())
        };
        match &verdict {
            Ok(s) => {
                results.push(json!({"index": i, "verified": true, "stages": {"verify": s.json()}}))
            }
            Err(why) => {
                ok = false;
                eprintln!("slice {i}: NOT verified: {why}");
                results.push(json!({"index": i, "verified": false, "reason": why}));
            }
        }
        prev_output = Some(output.clone());
        last = output;
    }
    let outputs = dequantize(&last, bits);
    if json_out {
        println!(
            "{}",
            json!({"verified": ok, "outputs": if ok { json!(outputs) } else { Value::Null }, "slices": results})
        );
    } else if ok {
        eprintln!("verified {n} slice(s)");
        println!("{}", serde_json::to_string(&outputs)?);
    }
    Ok(ok)
}

/// Proves and verifies every slice on `x`; returns the per-slice rows, the integer output
/// and whether every slice verified.
fn prove_plan(
    model: &Model,
    slices: &[CompiledSlice],
    x: &[f64],
    quiet: bool,
) -> Result<(Vec<Value>, Vec<i64>, bool)> {
    let bits = model.quant.scale_bits;
    let n = slices.len();
    let mut act = model.quant.quantize_input(x, &model.layers[0].name)?;
    let mut rows = Vec::new();
    let mut all_ok = true;
    let bar = progress::Progress::new(n, quiet);
    for cs in slices {
        bar.step(format!("slice {}: witness, prove, verify", cs.slice.index));
        let ctx = engine::context(&model.digest, bits, cs.slice.index, n);
        let p = engine::prove_slice(model, cs, &act, &ctx)?;
        let verdict = engine::verify_slice(
            &cs.prepared,
            &p.input,
            &p.output,
            &p.proof_bytes,
            &ctx,
            cs.weights_commitment.as_ref(),
        );
        if let Err(e) = &verdict {
            all_ok = false;
            eprintln!("slice {}: NOT verified: {e}", cs.slice.index);
        }
        let mut j = slice_json(model, cs);
        j["verified"] = json!(verdict.is_ok());
        j["proof_bytes"] = json!(p.proof_bytes.len());
        j["stages"] = json!({
            "compile": cs.compile.json(),
            "witness": p.witness.json(),
            "prove": p.prove.json(),
            "verify": verdict.as_ref().copied().unwrap_or_default().json(),
        });
        rows.push(j);
        act = p.output;
        bar.inc();
    }
    bar.done();
    Ok((rows, act, all_ok))
}

fn run(
    model_path: &Path,
    input: &Path,
    q: &QuantArgs,
    report: Option<&Path>,
    compare_whole: bool,
    json_out: bool,
    quiet: bool,
) -> Result<bool> {
    let (cfg, plan) = quant(q)?;
    let x = first_input(input)?;
    let model = load_model(model_path, cfg)?;
    check_len(&model, &x, input)?;
    let slices = compile_all(&model, &plan)?;
    let (rows, act, mut all_ok) = prove_plan(&model, &slices, &x, quiet)?;
    let whole = if compare_whole {
        let w = compile_all(&model, &SlicePlan::Whole)?;
        let (mut wrows, wact, ok) = prove_plan(&model, &w, &x, quiet)?;
        all_ok &= ok;
        if wact != act {
            bail!("the whole model and the slices disagree on the output (internal error)");
        }
        wrows.pop()
    } else {
        None
    };
    let outputs = dequantize(&act, cfg.scale_bits);
    let doc = json!({
        "verified": all_ok,
        "outputs": outputs,
        "scale_bits": cfg.scale_bits,
        "input_range": [cfg.input_range.0, cfg.input_range.1],
        "slices_plan": q.slices,
        "model": model_path.display().to_string(),
        "commitment": "transparent (proofs carry the committed values: verifiable, not zero-knowledge)",
        "slices": rows,
        "whole": whole,
    });
    if let Some(r) = report {
        io::write_json(r, &doc)?;
    }
    if json_out {
        println!("{doc}");
    } else {
        print_table(&doc);
        if let Some(w) = doc["whole"].as_object() {
            let st = |k: &str| w["stages"][k]["wall_s"].as_f64().unwrap_or(0.0);
            eprintln!(
                "{:>5} {:>12} {:>7.3}s {:>7.3}s {:>7.3}s {:>7.3}s",
                "whole",
                "",
                st("compile"),
                st("witness"),
                st("prove"),
                st("verify")
            );
        }
        eprintln!("outputs: {}", serde_json::to_string(&doc["outputs"])?);
        eprintln!("verified: {}", if all_ok { "yes" } else { "NO" });
    }
    Ok(all_ok)
}

fn print_table(doc: &Value) {
    const STAGES: [&str; 4] = ["compile", "witness", "prove", "verify"];
    let mib = |v: &Value| v.as_f64().unwrap_or(0.0) / (1u64 << 20) as f64;
    eprintln!(
        "{:>5} {:>12} {:>8} {:>8} {:>8} {:>8} {:>10} {:>10} {:>10} {:>9} {:>6}",
        "slice",
        "output",
        "compile",
        "witness",
        "prove",
        "verify",
        "prove MiB",
        "peak RSS",
        "proof B",
        "mul",
        "layers"
    );
    let mut tot = [0f64; 4];
    for s in doc["slices"].as_array().into_iter().flatten() {
        let v: Vec<f64> = STAGES
            .iter()
            .map(|k| s["stages"][k]["wall_s"].as_f64().unwrap_or(0.0))
            .collect();
        for (t, x) in tot.iter_mut().zip(&v) {
            *t += x;
        }
        let rss = STAGES
            .iter()
            .map(|k| mib(&s["stages"][k]["rss_peak_bytes"]))
            .fold(0.0, f64::max);
        eprintln!(
            "{:>5} {:>12} {:>7.3}s {:>7.3}s {:>7.3}s {:>7.3}s {:>10.1} {:>10.1} {:>10} {:>9} {:>6}",
            s["index"],
            s["output_shape"].to_string(),
            v[0],
            v[1],
            v[2],
            v[3],
            mib(&s["stages"]["prove"]["alloc_peak_bytes"]),
            rss,
            s["proof_bytes"],
            s["gates"]["mul"],
            s["layers"]
        );
    }
    eprintln!(
        "{:>5} {:>12} {:>7.3}s {:>7.3}s {:>7.3}s {:>7.3}s",
        "total", "", tot[0], tot[1], tot[2], tot[3]
    );
}

fn fidelity_cmd(
    model_path: &Path,
    inputs_path: &Path,
    scales: &[u32],
    q: QuantArgs,
    plot_to: Option<&Path>,
    json_out: bool,
    quiet: bool,
) -> Result<bool> {
    let inputs = io::read_inputs(inputs_path)?;
    let mut docs = Vec::new();
    for &bits in scales {
        docs.push(fidelity_at(
            model_path,
            &inputs,
            inputs_path,
            &QuantArgs {
                scale_bits: bits,
                ..q.clone()
            },
            json_out,
            quiet,
        )?);
    }
    if let Some(p) = plot_to {
        plot::fidelity(&docs, p)?;
        if !json_out {
            eprintln!("wrote {}", p.display());
        }
    }
    if json_out {
        if docs.len() == 1 {
            println!("{}", docs[0]);
        } else {
            println!("{}", json!({"scales": docs}));
        }
    }
    Ok(true)
}

fn fidelity_at(
    model_path: &Path,
    inputs: &[Vec<f64>],
    inputs_path: &Path,
    q: &QuantArgs,
    json_out: bool,
    quiet: bool,
) -> Result<Value> {
    let (cfg, plan) = quant(q)?;
    let model = load_model(model_path, cfg)?;
    // The solver needs each slice's program and weights, not its compiled circuit.
    let slices = slice::plan(&model, &plan)?
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
    let bar = progress::Progress::new(inputs.len(), quiet);
    for (i, x) in inputs.iter().enumerate() {
        bar.inc();
        check_len(&model, x, inputs_path).with_context(|| format!("input {i}"))?;
        let reference = model.float_forward(x);
        let mut act = model
            .quant
            .quantize_input(x, &model.layers[0].name)
            .with_context(|| format!("input {i}"))?;
        for (sl, program, weights) in &slices {
            act = blueprints::pipeline::witness(&model, sl, program, weights, &act)
                .with_context(|| format!("input {i}"))?
                .1;
        }
        let outputs = dequantize(&act, bits);
        let m = fidelity::compare(&outputs, &reference);
        per.push(json!({"index": i, "outputs": outputs, "reference": reference, "d1": m.d1, "d2": m.d2, "l1": m.l1, "l2": m.l2, "tvd": m.tvd, "jsd": m.jsd, "argmax_agrees": m.argmax_agrees}));
        ms.push(m);
    }
    bar.done();
    let sum = |f: fn(&fidelity::Metrics) -> f64| {
        let s = fidelity::summarize(&ms.iter().map(f).collect::<Vec<_>>());
        json!({"mean": s.mean, "std": s.std, "min": s.min, "max": s.max})
    };
    let agree = ms.iter().filter(|m| m.argmax_agrees).count();
    let doc = json!({
        "scale_bits": bits,
        "slices_plan": q.slices,
        "inputs": inputs.len(),
        "d1": sum(|m| m.d1), "d2": sum(|m| m.d2), "l1": sum(|m| m.l1), "l2": sum(|m| m.l2), "tvd": sum(|m| m.tvd), "jsd": sum(|m| m.jsd),
        "argmax_agreement": agree as f64 / ms.len().max(1) as f64,
        "metrics": "d1 = mean |circuit − float|, d2 = mean (circuit − float)², l1/l2 = plain distances, tvd/jsd (base 2) over softmaxes",
        "note": "circuit outputs are the witness solver's (the exact integer semantics the circuit proves, every constraint checked)",
        "per_input": per,
    });
    if !json_out {
        eprintln!(
            "fidelity of {} at 2^{bits} over {} inputs ({} slice(s)):",
            model_path.display(),
            inputs.len(),
            slices.len()
        );
        for k in ["d1", "d2", "l1", "l2", "tvd", "jsd"] {
            let s = &doc[k];
            let g = |f: &str| s[f].as_f64().unwrap_or(0.0);
            eprintln!(
                "  {k:<4} mean {:.3e}  std {:.3e}  min {:.3e}  max {:.3e}",
                g("mean"),
                g("std"),
                g("min"),
                g("max")
            );
        }
        eprintln!("  argmax agreement {agree}/{}", ms.len());
    }
    Ok(doc)
}

mod demo;
