//! `lamina`: prove and verify layered circuits from the command line.
//!
//! **May depend on:** every workspace crate; the only place for `anyhow` and `clap`.
//! Until the LeNet work lands, `lamina demo` proves and verifies a built-in random layered
//! circuit and reports the engine's figures.
#![forbid(unsafe_code)]

use anyhow::{Context, Result, bail};
use circuits::random::{self, Spec};
use clap::{Parser, Subcommand};
use prover::{Field, Goldilocks, Statement, Witness};
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "lamina",
    version,
    about = "GKR/sumcheck proofs for layered neural-network slices"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prove and verify a built-in random layered circuit and report the figures.
    Demo {
        /// log2 of the widest layer (1–22).
        #[arg(long, default_value_t = 16)]
        log_width: u8,
        /// Layers above the input (1–64).
        #[arg(long, default_value_t = 4)]
        depth: usize,
        /// Seed of the random circuit and witness.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print one JSON object on stdout instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> std::process::ExitCode {
    let result = match Cli::parse().command {
        Command::Demo {
            log_width,
            depth,
            seed,
            json,
        } => demo(log_width, depth, seed, json),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One line naming what failed and why; no backtrace for users.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn demo(log_width: u8, depth: usize, seed: u64, json: bool) -> Result<()> {
    if !(2..=22).contains(&log_width) {
        bail!("--log-width {log_width}: must be between 2 and 22");
    }
    if !(1..=64).contains(&depth) {
        bail!("--depth {depth}: must be between 1 and 64");
    }
    // Widths shrink by one bit every other layer, ending at least 2^2 wide.
    let log_widths: Vec<u8> = (0..=depth)
        .map(|k| log_width.saturating_sub((k / 2) as u8).max(2))
        .collect();
    let spec = Spec {
        log_widths,
        fan_in: 2,
        num_public: 4,
        const_percent: 10,
        ..Spec::default()
    };

    let t = Instant::now();
    let circuit = random::circuit(&spec, seed);
    let to_f = |v: Vec<u64>| v.into_iter().map(Goldilocks::from_u64).collect::<Vec<_>>();
    let public = to_f(random::values(circuit.num_public as usize, seed ^ 1));
    let weights = to_f(random::values(
        circuit.input.len_of(circuits::RegionKind::Weights),
        seed ^ 2,
    ));
    let private = to_f(random::values(
        circuit.input.len_of(circuits::RegionKind::Private),
        seed ^ 3,
    ));
    let build_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let witness = Witness {
        public: &public,
        weights: &weights,
        private: &private,
    };
    let (proof, outputs) = prover::prove_transparent(&circuit, &witness, b"lamina-demo")
        .context("proving the demo circuit")?;
    let prove_s = t.elapsed().as_secs_f64();
    let bytes = proof.to_bytes();

    let t = Instant::now();
    let st = Statement {
        public: &public,
        outputs: &outputs,
        context: b"lamina-demo",
        weights_commitment: None,
    };
    let verified = prover::verify_transparent_bytes(&circuit, &st, &bytes);
    let verify_s = t.elapsed().as_secs_f64();

    let gates = circuit.num_gates();
    let mul: usize = circuit.layers.iter().map(|l| l.mul.len()).sum();
    let cst: usize = circuit.layers.iter().map(|l| l.constant.len()).sum();
    let opened: usize = proof.openings.iter().map(|o| 4 + 8 * o.values.len()).sum();
    if json {
        println!(
            "{{\"verified\":{},\"layers\":{},\"gates\":{{\"mul\":{},\"add\":{},\"const\":{}}},\"proof_bytes\":{},\"transparent_value_bytes\":{},\"stages\":{{\"build\":{{\"wall_s\":{build_s:.6}}},\"prove\":{{\"wall_s\":{prove_s:.6}}},\"verify\":{{\"wall_s\":{verify_s:.6}}}}},\"commitment\":\"transparent (not hiding)\"}}",
            verified.is_ok(),
            circuit.depth(),
            mul,
            gates - mul - cst,
            cst,
            bytes.len(),
            opened
        );
    } else {
        eprintln!("lamina demo: random layered circuit, seed {seed}");
        eprintln!(
            "  layers        {} (widths 2^{:?})",
            circuit.depth(),
            spec.log_widths
        );
        eprintln!(
            "  gates         {gates} ({mul} mul, {} add, {cst} const)",
            gates - mul - cst
        );
        eprintln!("  build         {:>9.3} ms", build_s * 1e3);
        eprintln!(
            "  prove         {:>9.3} ms  ({:.1} M gates/s)",
            prove_s * 1e3,
            gates as f64 / prove_s / 1e6
        );
        eprintln!(
            "  verify        {:>9.3} ms  ({:.1} M gates/s)",
            verify_s * 1e3,
            gates as f64 / verify_s / 1e6
        );
        eprintln!(
            "  proof         {} bytes ({} of them transparent committed values: not hiding)",
            bytes.len(),
            opened
        );
        eprintln!(
            "  verified      {}",
            if verified.is_ok() { "yes" } else { "NO" }
        );
    }
    verified.context("the demo proof did not verify")?;
    Ok(())
}
