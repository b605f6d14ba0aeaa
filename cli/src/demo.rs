//! `lamina demo`: a built-in random layered circuit, proven and verified (engine figures).

use anyhow::{Context, Result, bail};
use circuits::random::{self, Spec};
use prover::{Field, Goldilocks, Statement, Witness};
use std::time::Instant;

/// Proves and verifies the demo circuit.
pub fn demo(log_width: u8, depth: usize, seed: u64, json: bool) -> Result<bool> {
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
    let expected = prover::transparent_weights_commitment(&circuit, &weights);
    let st = Statement {
        public: &public,
        outputs: &outputs,
        context: b"lamina-demo",
        weights_commitment: expected.as_ref(),
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
    Ok(true)
}
