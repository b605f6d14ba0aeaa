//! `lamina`: prove that a neural network's inference (or chosen slices of it) was computed
//! correctly.
//!
//! The binary is argument parsing and printing over the `lamina` library (the pipeline,
//! folder formats and reports live there), plus what only a binary may own: the counting
//! global allocator, progress bars, and reading the job-array environment.
//!
//! **May depend on:** every workspace crate; the only place for `anyhow` and `clap`.
#![deny(unsafe_code)]

mod measure;
mod plot;
mod progress;

#[global_allocator]
static ALLOC: measure::Counting = measure::Counting;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use lamina::{Hooks, Settings, io};
use progress::Console;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "lamina",
    version,
    about = "GKR/sumcheck proofs for neural-network slices: zero-knowledge by default (hiding WHIR, masked GKR; --no-zk for binding-only proofs), transparent setup"
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
    /// Size range checks from the largest magnitudes seen on these inputs
    /// (`{"input_data": [...]}`) times --margin, instead of the worst case over the
    /// weights; still proven: an input that leaves them is refused at witness time.
    #[arg(long, value_name = "INPUTS.json")]
    calibrate: Option<PathBuf>,
    /// Factor applied to the calibrated magnitudes (≥ 1).
    #[arg(long, default_value_t = 2.0, requires = "calibrate")]
    margin: f64,
    /// Zero knowledge, the default: weights and every intermediate value hidden (hiding
    /// WHIR, masked GKR; convolutions and matrix products as gates; --zk-proofs proofs
    /// per compile; see prover/ZK.md). With `--commitment whir` it makes `whir-zk`.
    #[arg(long, conflicts_with = "no_zk")]
    zk: bool,
    /// Binding-only proofs (`whir`): faster and smaller, structured convolutions and
    /// matrix products, but the proofs reveal evaluations of the weights and activations.
    #[arg(long)]
    no_zk: bool,
    /// Commitment scheme, when not the default: whir (binding, succinct, ≥ 100 bits,
    /// Johnson bound), transparent (every committed value in the proof; for debugging and
    /// comparisons) or whir-zk (the default).
    #[arg(long, value_name = "whir|transparent|whir-zk")]
    commitment: Option<String>,
    /// With whir-zk: zero-knowledge proofs one compile can make (each slice's weights
    /// stock: one hiding commitment per entry at compile).
    #[arg(long, default_value_t = lamina::engine::ZK_STOCK_SIZE, value_name = "K")]
    zk_proofs: u32,
    /// With whir-zk: the activations between slices are private too — committed, never in
    /// the statement, each slice's output proven equal to the next slice's input inside
    /// the proofs (one chain, proven in one process). The statement shows the model's
    /// input and final output only.
    #[arg(long)]
    private_activations: bool,
    /// The model's input is private too: committed on its own (hiding WHIR), the
    /// statement shows its commitment (`input_commitment`) instead of the input, and the
    /// first slice's proof is linked to it. Proven as one chain, in one process.
    #[arg(long)]
    private_input: bool,
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
    /// Prove every slice of a compiled model on an input, or (with `--run`) one slice
    /// from a run folder that `witness` wrote.
    Prove {
        /// The folder `compile` wrote.
        dir: PathBuf,
        /// `{"input_data": [[...]]}`.
        #[arg(long, required_unless_present = "run", conflicts_with = "run")]
        input: Option<PathBuf>,
        /// A run folder (`lamina witness`): prove one slice from it.
        #[arg(long)]
        run: Option<PathBuf>,
        /// With `--run`: the slice to prove; when omitted, `SLURM_ARRAY_TASK_ID` or
        /// `JOB_COMPLETION_INDEX` (Slurm job arrays, Kubernetes Indexed Jobs).
        #[arg(long, requires = "run")]
        slice: Option<usize>,
        /// Output folder for proofs and the statement (per-slice statements with `--run`).
        #[arg(short, long)]
        out: PathBuf,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Run the integer forward pass once and write every slice's input into a run folder,
    /// for proving slice by slice (`prove --run`).
    Witness {
        /// The folder `compile` wrote.
        dir: PathBuf,
        /// `{"input_data": [[...]]}`.
        #[arg(long)]
        input: PathBuf,
        /// The run folder to write.
        #[arg(short, long)]
        out: PathBuf,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Verify every slice's proof against the verification key alone; exit 0 only if
    /// all verify, and print the outputs. `verify --vk KEY PROOFS`, or `verify DIR PROOFS`
    /// with the key of the compiled folder DIR.
    Verify {
        /// [DIR] PROOFS: the folder `prove` wrote (after the compiled folder, without
        /// --vk).
        #[arg(num_args = 1..=2, required = true, value_name = "[DIR] PROOFS")]
        paths: Vec<PathBuf>,
        /// The verification key `compile` wrote (`model.vk`).
        #[arg(long, value_name = "KEY")]
        vk: Option<PathBuf>,
        /// Refuse unless the key has this digest (64 hex digits, as `compile`, `prove`
        /// and `run` print it): the trust anchor a user pins.
        #[arg(long, value_name = "HEX")]
        vk_digest: Option<String>,
        /// Refuse unless the key is for the model with this digest.
        #[arg(long, value_name = "HEX")]
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
        /// Calibrate range checks on these inputs (as `compile --calibrate`).
        #[arg(long, value_name = "INPUTS.json")]
        calibrate: Option<PathBuf>,
        /// Factor applied to the calibrated magnitudes (≥ 1).
        #[arg(long, default_value_t = 2.0, requires = "calibrate")]
        margin: f64,
        /// Draw D1 and TVD per input (or per scale) as SVG.
        #[arg(long)]
        plot: Option<PathBuf>,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Check a verification key against the ONNX model it claims: recompile at the key's
    /// settings and compare byte for byte; exit 0 only if they match.
    Audit {
        /// The ONNX model.
        model: PathBuf,
        /// The verification key (`model.vk`).
        #[arg(long, value_name = "KEY")]
        vk: PathBuf,
        /// Refuse unless the key has this digest.
        #[arg(long, value_name = "HEX")]
        vk_digest: Option<String>,
        /// Zero knowledge: the model owner's weights-stock secrets (a compiled folder or
        /// its `weights_stock/`); the stocks are then recommitted and checked too.
        #[arg(long, value_name = "DIR")]
        zk_secret: Option<PathBuf>,
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
            run,
            slice,
            out,
            json,
        } => match (input, run) {
            (Some(input), _) => prove(&dir, &input, &out, json, quiet),
            (None, Some(run)) => prove_one(&dir, &run, slice, &out, json, quiet),
            (None, None) => Err(anyhow::anyhow!("prove: give --input or --run")),
        },
        Command::Witness {
            dir,
            input,
            out,
            json,
        } => witness(&dir, &input, &out, json, quiet),
        Command::Verify {
            paths,
            vk,
            vk_digest,
            model_digest,
            json,
        } => verify(
            &paths,
            vk.as_deref(),
            lamina::Pin {
                vk_digest: vk_digest.as_deref(),
                model_digest: model_digest.as_deref(),
            },
            json,
        ),
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
            calibrate,
            margin,
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
                calibrate,
                margin,
                zk: false,
                no_zk: true,
                commitment: None,
                zk_proofs: lamina::engine::ZK_STOCK_SIZE,
                private_activations: false,
                private_input: false,
            },
            plot.as_deref(),
            json,
            quiet,
        ),
        Command::Audit {
            model,
            vk,
            vk_digest,
            zk_secret,
            json,
        } => audit(
            &model,
            &vk,
            vk_digest.as_deref(),
            zk_secret.as_deref(),
            json,
        ),
        Command::Plot { report, out } => io::read_json(&report)
            .map_err(anyhow::Error::from)
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
            eprintln!("error: {}", lamina::error::report_chain(&*e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The library's hooks for one command: the counting allocator and the console.
fn hooks(console: &Console) -> Hooks<'_> {
    Hooks {
        heap: &ALLOC,
        observer: console,
    }
}

fn settings(q: &QuantArgs) -> Result<Settings> {
    let (lo, hi) = q
        .input_range
        .split_once(',')
        .with_context(|| format!("--input-range '{}': expected LO,HI", q.input_range))?;
    let parse = |s: &str| {
        s.trim()
            .parse::<f64>()
            .with_context(|| format!("--input-range '{}': '{s}' is not a number", q.input_range))
    };
    let s = Settings::new(q.scale_bits, (parse(lo)?, parse(hi)?), &q.slices)?
        .with_scheme(lamina::engine::Scheme::resolve(
            q.commitment.as_deref(),
            match (q.zk, q.no_zk) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
        )?)
        .with_zk_proofs(q.zk_proofs)?
        .with_private_activations(q.private_activations)?
        .with_private_input(q.private_input)?;
    Ok(match &q.calibrate {
        None => s,
        Some(p) => s.calibrated(io::read_inputs(p)?, &p.display().to_string(), q.margin)?,
    })
}

fn compile(model_path: &Path, q: &QuantArgs, out: &Path, json_out: bool) -> Result<bool> {
    let s = settings(q)?;
    let console = Console::new(true, json_out);
    let doc = lamina::compile(model_path, &s, out, hooks(&console))?;
    if json_out {
        println!("{doc}");
    }
    Ok(true)
}

/// The first input of an inputs file (the note says when there are more).
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

fn prove(dir: &Path, input: &Path, out: &Path, json_out: bool, quiet: bool) -> Result<bool> {
    let x = first_input(input)?;
    let console = Console::new(quiet, json_out);
    let doc = lamina::prove(dir, &x, &input.display().to_string(), out, hooks(&console))?;
    if json_out {
        println!("{doc}");
    }
    Ok(true)
}

/// The slice a job proves: `--slice`, else the job array's index from the environment.
fn slice_index(flag: Option<usize>) -> Result<usize> {
    if let Some(i) = flag {
        return Ok(i);
    }
    for var in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
        if let Ok(v) = std::env::var(var) {
            return v
                .trim()
                .parse()
                .with_context(|| format!("{var}='{v}': not a slice index"));
        }
    }
    bail!("--slice not given, and neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set")
}

fn prove_one(
    dir: &Path,
    run: &Path,
    slice: Option<usize>,
    out: &Path,
    json_out: bool,
    quiet: bool,
) -> Result<bool> {
    let index = slice_index(slice)?;
    let console = Console::new(quiet, json_out);
    let doc = lamina::jobs::prove_slice(dir, run, index, out, hooks(&console))?;
    if json_out {
        println!("{doc}");
    } else {
        eprintln!(
            "wrote slice_{index}.proof and slice_{index}.statement.json into {}",
            out.display()
        );
    }
    Ok(true)
}

fn witness(dir: &Path, input: &Path, out: &Path, json_out: bool, quiet: bool) -> Result<bool> {
    let x = first_input(input)?;
    let console = Console::new(quiet, json_out);
    let doc = lamina::jobs::witness(dir, &x, &input.display().to_string(), out, hooks(&console))?;
    if json_out {
        println!("{doc}");
    }
    Ok(true)
}

fn verify(
    paths: &[PathBuf],
    vk: Option<&Path>,
    pin: lamina::Pin<'_>,
    json_out: bool,
) -> Result<bool> {
    let (key, proofs) = match (vk, paths) {
        (Some(k), [p]) => (k.to_path_buf(), p),
        (None, [dir, p]) => (dir.join(lamina::key::FILE), p),
        (Some(_), _) => bail!("verify --vk KEY takes one folder: the proofs"),
        (None, _) => bail!("verify: give --vk KEY PROOFS, or DIR PROOFS"),
    };
    let console = Console::new(true, json_out);
    let v = lamina::verify(&key, proofs, pin, hooks(&console))?;
    if json_out {
        println!("{}", v.doc);
    } else if v.verified {
        println!("{}", serde_json::to_string(&v.outputs)?);
    }
    Ok(v.verified)
}

fn audit(
    model: &Path,
    vk: &Path,
    pin: Option<&str>,
    stocks: Option<&Path>,
    json_out: bool,
) -> Result<bool> {
    let console = Console::new(true, json_out);
    let key = lamina::key::load(vk, pin)?;
    let a = lamina::key::audit_with_stocks(model, &key, stocks, hooks(&console))?;
    if json_out {
        println!("{}", a.doc);
    } else if a.matches {
        eprintln!(
            "{} compiles to exactly the key {} at its settings",
            model.display(),
            a.doc["vk_digest"].as_str().unwrap_or_default()
        );
        for note in a.doc["unchecked"].as_array().into_iter().flatten() {
            eprintln!("not checked: {}", note.as_str().unwrap_or_default());
        }
    } else {
        eprintln!(
            "{} does NOT compile to the key {} (differs: {})",
            model.display(),
            a.doc["vk_digest"].as_str().unwrap_or_default(),
            a.doc["differs"]
        );
    }
    Ok(a.matches)
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
    let s = settings(q)?;
    let x = first_input(input)?;
    let console = Console::new(quiet, json_out);
    let doc = lamina::run(
        model_path,
        &x,
        &input.display().to_string(),
        &s,
        compare_whole,
        hooks(&console),
    )?;
    let all_ok = doc["verified"].as_bool().unwrap_or(false);
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
        eprintln!("verified: {}", if all_ok { "yes" } else { "NO" });
        // Like `verify`: the (verified) outputs are the command's result, on stdout.
        println!("{}", serde_json::to_string(&doc["outputs"])?);
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
    let console = Console::new(quiet, json_out);
    let mut docs = Vec::new();
    for &bits in scales {
        let s = settings(&QuantArgs {
            scale_bits: bits,
            ..q.clone()
        })?;
        docs.push(lamina::fidelity(
            model_path,
            &inputs,
            &inputs_path.display().to_string(),
            &s,
            hooks(&console),
        )?);
    }
    if let Some(p) = plot_to {
        plot::fidelity(&docs, p)?;
        if !json_out {
            eprintln!("wrote {}", p.display());
        }
    }
    if json_out {
        // One shape for one or several scales.
        println!("{}", json!({"scales": docs}));
    }
    Ok(true)
}

mod demo;
