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
        /// Refuse unless the folder's model has this BLAKE3 digest (64 hex digits, as
        /// `compile` and `verify` print it): the trust anchor a user pins.
        #[arg(long)]
        model_digest: Option<String>,
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
        Command::Verify {
            dir,
            proofs,
            model_digest,
            json,
        } => verify(&dir, &proofs, model_digest.as_deref(), json),
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
    let bytes = io::read_capped(path, io::cap::ONNX)?;
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
        eprintln!(
            "model digest {} (pin it: lamina verify ... --model-digest <digest>)",
            io::hex(&model.digest)
        );
    }
    Ok(true)
}

/// A compiled folder, loaded back for proving.
struct Loaded {
    model: Model,
    meta: Value,
    slices: Vec<CompiledSlice>,
}

/// One slice's circuit from a compiled folder, checked against the plan and model.json.
struct LoadedCircuit {
    slice: slice::Slice,
    circuit_bytes: Vec<u8>,
    prepared: prover::gkr::PreparedCircuit<'static>,
    weights_commitment: Option<[u8; 32]>,
}

/// A compiled folder's model (checked against its digest), metadata and circuits.
struct Circuits {
    model: Model,
    meta: Value,
    circuits: Vec<LoadedCircuit>,
}

/// Loads a compiled folder for proving: the circuits, plus every slice's program rebuilt
/// from the model copy and its weights memory-mapped from the store.
fn load_dir(dir: &Path) -> Result<Loaded> {
    let c = load_circuits(dir)?;
    let store = weights::WeightStore::open(&regular(&dir.join("weights.safetensors"))?)?;
    let mut slices = Vec::with_capacity(c.circuits.len());
    for lc in c.circuits {
        let t = std::time::Instant::now();
        let sp = blueprints::pipeline::build(&c.model, &lc.slice)?;
        let weights = store.get(&format!("slice_{}", lc.slice.index))?;
        if engine::weights_commitment(lc.prepared.circuit(), &weights) != lc.weights_commitment {
            bail!(
                "slice {}: weights.safetensors does not match the weights commitment in model.json",
                lc.slice.index
            );
        }
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

/// `path`, if it is a regular file (not a FIFO, device or symlink).
fn regular(path: &Path) -> Result<PathBuf> {
    let meta =
        std::fs::symlink_metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if !meta.file_type().is_file() {
        bail!("{}: not a regular file", path.display());
    }
    Ok(path.to_path_buf())
}

/// A compiled folder's settings from model.json, every field parsed strictly.
fn read_meta(dir: &Path) -> Result<(Value, QuantConfig, SlicePlan, [u8; 32])> {
    let meta = io::read_json(&dir.join("model.json"))?;
    const W: &str = "model.json";
    if meta.get("format").and_then(Value::as_str) != Some("lamina-model/1") {
        bail!(
            "{}: not a lamina model folder (format {})",
            dir.display(),
            meta.get("format").unwrap_or(&Value::Null)
        );
    }
    let range = io::field(&meta, "input_range", W)?;
    let range = match range.as_array().map(Vec::as_slice) {
        Some([lo, hi]) => (
            io::f64_of(lo, "model.json: input_range[0]")?,
            io::f64_of(hi, "model.json: input_range[1]")?,
        ),
        _ => bail!("model.json: input_range must be [LO, HI], got {range}"),
    };
    let cfg = QuantConfig::new(io::uint_field::<u32>(&meta, "scale_bits", W)?, range)?;
    let plan: SlicePlan = io::str_field(&meta, "slices_plan", W)?.parse()?;
    let digest = io::unhex32(io::str_field(&meta, "model_digest", W)?)
        .context("model.json: model_digest")?;
    Ok((meta, cfg, plan, digest))
}

/// Loads a compiled folder's model and circuits. Every slice entry must match the plan
/// (index, layer range, the circuit's input and output lengths) and its digest, and
/// carry a weights commitment exactly when its circuit has a weights region.
fn load_circuits(dir: &Path) -> Result<Circuits> {
    let (meta, cfg, plan, digest) = read_meta(dir)?;
    let onnx = io::inside(
        dir,
        io::field(&meta, "model", "model.json")?,
        "model.json: model",
    )?;
    let bytes = io::read_capped(&onnx, io::cap::ONNX)?;
    let model =
        Model::from_onnx(&bytes, cfg).with_context(|| format!("importing {}", onnx.display()))?;
    if model.digest != digest {
        bail!(
            "{}: does not match the model_digest in model.json",
            onnx.display()
        );
    }
    let planned = slice::plan(&model, &plan)?;
    let listed = io::field(&meta, "slices", "model.json")?
        .as_array()
        .context("model.json: slices must be a list")?;
    if listed.len() != planned.len() {
        bail!(
            "model.json lists {} slices, its plan '{}' makes {}",
            listed.len(),
            io::str_field(&meta, "slices_plan", "model.json")?,
            planned.len()
        );
    }
    let mut circuits = Vec::with_capacity(planned.len());
    for (s, m) in planned.into_iter().zip(listed) {
        let i = s.index;
        let what = format!("model.json: slices[{i}]");
        if io::uint_field::<usize>(m, "index", &what)? != i {
            bail!("{what}: index {} where the plan has {i}", m["index"]);
        }
        let range = io::field(m, "layer_range", &what)?;
        if *range != json!([s.layers.start, s.layers.end]) {
            bail!(
                "{what}: layer_range {range}, but the plan's slice {i} is layers {}..{}",
                s.layers.start,
                s.layers.end
            );
        }
        let path = io::inside(
            dir,
            io::field(m, "circuit", &what)?,
            &format!("{what}.circuit"),
        )?;
        let bytes = io::read_capped(&path, io::cap::CIRCUIT)?;
        let prepared = prover::gkr::PreparedCircuit::from_bytes(&bytes)
            .with_context(|| format!("{}: not a valid circuit", path.display()))?;
        let c = prepared.circuit();
        let (ni, no) = (model.len_of(s.input), model.len_of(s.output));
        if (c.num_public as usize, c.public_outputs.len()) != (ni, no) {
            bail!(
                "slice {i}: {} reads {} inputs and writes {} outputs; the plan's slice {i} (layers {}..{}) reads {ni} and writes {no}",
                path.display(),
                c.num_public,
                c.public_outputs.len(),
                s.layers.start,
                s.layers.end
            );
        }
        let listed_digest = io::unhex32(io::str_field(m, "circuit_digest", &what)?)
            .with_context(|| format!("{what}.circuit_digest"))?;
        if prepared.digest().0 != listed_digest {
            bail!(
                "slice {i}: {} does not match its circuit_digest in model.json",
                path.display()
            );
        }
        let has_weights = c.input.region(circuits::RegionKind::Weights).is_some();
        let wc = io::field(m, "weights_commitment", &what)?;
        let weights_commitment = match (has_weights, wc) {
            (false, Value::Null) => None,
            (true, Value::String(h)) => {
                Some(io::unhex32(h).with_context(|| format!("{what}.weights_commitment"))?)
            }
            (true, _) => bail!(
                "{what}: weights_commitment must be the hex commitment of the slice's weights, got {wc}"
            ),
            (false, _) => bail!("{what}: weights_commitment {wc} for a slice without weights"),
        };
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
        let ctx = engine::context(&l.model, &cs.slice, n);
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

fn verify(dir: &Path, proofs: &Path, pin: Option<&str>, json_out: bool) -> Result<bool> {
    let l = load_circuits(dir)?;
    let model = &l.model;
    if let Some(pin) = pin {
        let pinned = io::unhex32(pin).context("--model-digest")?;
        if pinned != model.digest {
            bail!(
                "{}: the model's digest is {}, not the pinned {pin}",
                dir.display(),
                io::hex(&model.digest)
            );
        }
    }
    let bits = model.quant.scale_bits;
    let n = l.circuits.len();
    // Nothing in the folder but model.onnx (pinned by its digest) and the settings is taken
    // on trust: every circuit is compiled again here and must be the folder's, so circuits
    // of another scale, range or plan, or weights other than model.onnx's, are refused.
    let mut recompiled = Vec::with_capacity(n);
    for lc in &l.circuits {
        let cs = engine::compile_slice(model, &lc.slice)?;
        if cs.prepared.digest() != lc.prepared.digest() {
            bail!(
                "slice {}: the folder's circuit is not the one model.onnx compiles to at 2^{bits} with input range [{}, {}] and plan '{}'",
                lc.slice.index,
                model.quant.input_range.0,
                model.quant.input_range.1,
                l.meta["slices_plan"].as_str().unwrap_or_default()
            );
        }
        if cs.weights_commitment != lc.weights_commitment {
            bail!(
                "slice {}: model.json's weights commitment is not that of model.onnx's weights",
                lc.slice.index
            );
        }
        recompiled.push(cs);
    }

    let st = io::read_json(&proofs.join("statement.json"))?;
    const S: &str = "statement.json";
    if st.get("format").and_then(Value::as_str) != Some("lamina-proof/1") {
        bail!("{}: not a lamina proof folder", proofs.display());
    }
    let st_digest = io::unhex32(io::str_field(&st, "model_digest", S)?)
        .context("statement.json: model_digest")?;
    if st_digest != model.digest || io::uint_field::<u32>(&st, "scale_bits", S)? != bits {
        bail!(
            "{}: the proofs are for another model or scale than {}",
            proofs.display(),
            dir.display()
        );
    }
    let entries = io::field(&st, "slices", S)?
        .as_array()
        .context("statement.json: slices must be a list")?;
    if entries.len() != n {
        bail!("statement.json has {} slices, the model {n}", entries.len());
    }
    let (lo, hi) = model.quant.input_limits();
    let mut results = Vec::new();
    let mut ok = true;
    let mut prev_output: Option<Vec<i64>> = None;
    for (cs, e) in recompiled.iter().zip(entries) {
        let i = cs.slice.index;
        let what = format!("statement.json: slices[{i}]");
        if io::uint_field::<usize>(e, "index", &what)? != i {
            bail!("{what}: index {} at position {i}", e["index"]);
        }
        let input = io::ints(io::field(e, "input", &what)?, &format!("{what}.input"))?;
        let output = io::ints(io::field(e, "output", &what)?, &format!("{what}.output"))?;
        let path = io::inside(
            proofs,
            io::field(e, "proof", &what)?,
            &format!("{what}.proof"),
        )?;
        let bytes = io::read_capped(&path, io::cap::PROOF)?;
        let ctx = engine::context(model, &cs.slice, n);
        let out_of_range = (i == 0)
            .then(|| input.iter().position(|v| !(lo..=hi).contains(v)))
            .flatten();
        let verdict = if let Some(k) = out_of_range {
            Err(format!(
                "input[{k}] = {} ({} at 2^{bits}) is outside the declared input range [{}, {}]",
                input[k],
                input[k] as f64 / model.quant.alpha(),
                model.quant.input_range.0,
                model.quant.input_range.1
            ))
        } else if prev_output.as_ref().is_some_and(|p| *p != input) {
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
            Ok(s) => results.push(json!({"index": i, "verified": true, "stages": {"compile": cs.compile.json(), "verify": s.json()}})),
            Err(why) => {
                ok = false;
                eprintln!("slice {i}: NOT verified: {why}");
                results.push(json!({"index": i, "verified": false, "reason": why}));
            }
        }
        prev_output = Some(output);
    }
    let outputs = dequantize(&prev_output.unwrap_or_default(), bits);
    // The statement's own copy of the outputs must be the proven ones, or it misleads.
    if ok && *io::field(&st, "outputs", S)? != json!(outputs) {
        bail!("statement.json: \"outputs\" are not the last slice's proven output");
    }
    if json_out {
        println!(
            "{}",
            json!({"verified": ok, "outputs": if ok { json!(outputs) } else { Value::Null }, "model_digest": io::hex(&model.digest), "scale_bits": bits, "input_range": [model.quant.input_range.0, model.quant.input_range.1], "slices_plan": l.meta["slices_plan"], "slices": results})
        );
    } else if ok {
        eprintln!(
            "verified {n} slice(s) of model {} at 2^{bits}, input range [{}, {}], plan '{}'",
            io::hex(&model.digest),
            model.quant.input_range.0,
            model.quant.input_range.1,
            l.meta["slices_plan"].as_str().unwrap_or_default()
        );
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
    let n = slices.len();
    let mut act = model.quant.quantize_input(x, &model.layers[0].name)?;
    let mut rows = Vec::new();
    let mut all_ok = true;
    let bar = progress::Progress::new(n, quiet);
    for cs in slices {
        bar.step(format!("slice {}: witness, prove, verify", cs.slice.index));
        let ctx = engine::context(model, &cs.slice, n);
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
