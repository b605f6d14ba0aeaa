//! The proof folder and `lamina verify`.
//!
//! A folder proven in one go holds `slice_N.proof` and `statement.json`
//! (`lamina-proof/1`: model digest, scale, outputs, and per slice its integer input and
//! output and the proof's file name). A folder proven slice by slice (one job per slice,
//! [`crate::jobs::prove_slice`]) holds instead one `slice_N.statement.json`
//! (`lamina-slice-proof/1`) beside each proof: the same entry plus the model digest, the
//! scale and the slice count, so jobs never write a shared file. `verify` reads
//! `statement.json` when present and otherwise assembles the per-slice files — every one
//! of `0..n` must be there — and then checks both the same way: each slice against the
//! recompiled circuit, slice 0's input against the declared range, and the chain.

use crate::engine::{self, CompiledSlice};
use crate::error::{Context, Result, refuse};
use crate::io;
use crate::measure::Hooks;
use crate::model_folder;
use crate::report::dequantize;
use blueprints::Model;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The format tag of `statement.json`.
pub const FORMAT: &str = "lamina-proof/1";
/// The format tag of a per-slice `slice_N.statement.json`.
pub const SLICE_FORMAT: &str = "lamina-slice-proof/1";

/// The file name of slice `i`'s statement when proven on its own.
pub fn slice_statement_name(i: usize) -> String {
    format!("slice_{i}.statement.json")
}

/// What `verify` concluded.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// Whether every slice verified (and the chain holds).
    pub verified: bool,
    /// The verified outputs, dequantized (empty unless `verified`).
    pub outputs: Vec<f64>,
    /// The JSON object the CLI prints with `--json`.
    pub doc: Value,
}

/// The statement entries to check: `(what, entry)` pairs, `what` naming the entry in
/// errors.
struct Entries {
    entries: Vec<(String, Value)>,
    /// `statement.json` itself, whose `outputs` must be the proven ones.
    whole: Option<Value>,
}

/// `statement.json` when present, else the per-slice statements assembled.
fn read_entries(
    proofs: &Path,
    digest: &[u8; 32],
    bits: u32,
    n: usize,
    dir: &Path,
) -> Result<Entries> {
    let whole = proofs.join("statement.json");
    let assembled = std::fs::symlink_metadata(&whole).is_err()
        && std::fs::symlink_metadata(proofs.join(slice_statement_name(0))).is_ok();
    if !assembled {
        let st = io::read_json(&whole)?;
        const S: &str = "statement.json";
        if st.get("format").and_then(Value::as_str) != Some(FORMAT) {
            refuse!("{}: not a lamina proof folder", proofs.display());
        }
        let st_digest = io::digest_field(&st, "model_digest", S)?;
        if st_digest != *digest || io::uint_field::<u32>(&st, "scale_bits", S)? != bits {
            refuse!(
                "{}: the proofs are for another model or scale than {}",
                proofs.display(),
                dir.display()
            );
        }
        let entries = io::field(&st, "slices", S)?
            .as_array()
            .context_with(|| "statement.json: slices must be a list".to_string())?;
        if entries.len() != n {
            refuse!("statement.json has {} slices, the model {n}", entries.len());
        }
        let entries = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("statement.json: slices[{i}]"), e.clone()))
            .collect();
        return Ok(Entries {
            entries,
            whole: Some(st),
        });
    }
    let mut entries = Vec::with_capacity(n);
    for i in 0..n {
        let name = slice_statement_name(i);
        let st = io::read_json(&proofs.join(&name))?;
        if st.get("format").and_then(Value::as_str) != Some(SLICE_FORMAT) {
            refuse!("{}: not a lamina slice proof", proofs.join(&name).display());
        }
        let st_digest = io::digest_field(&st, "model_digest", &name)?;
        if st_digest != *digest || io::uint_field::<u32>(&st, "scale_bits", &name)? != bits {
            refuse!(
                "{}: the proof is for another model or scale than {}",
                proofs.join(&name).display(),
                dir.display()
            );
        }
        let count = io::uint_field::<usize>(&st, "slice_count", &name)?;
        if count != n {
            refuse!("{name}: slice_count {count}, the model has {n} slices");
        }
        entries.push((name, st));
    }
    Ok(Entries {
        entries,
        whole: None,
    })
}

/// `lamina verify`: checks the proof folder `proofs` against the compiled folder `dir`,
/// optionally pinning the model digest (64 hex digits). Trusts only `model.onnx` and the
/// folder's settings: every circuit and weights commitment is compiled again and must be
/// the folder's. A rejected slice makes `verified` false (and is reported through
/// `hooks.observer.warn`); a malformed or mismatched folder is an error.
/// [`Verifier::prepare`] then [`Verifier::check`].
pub fn verify(dir: &Path, proofs: &Path, pin: Option<&str>, hooks: Hooks<'_>) -> Result<Verdict> {
    Verifier::prepare(dir, pin, hooks)?.check(proofs, hooks)
}

/// A compiled folder made ready to check proof folders: its model (pinned if asked) and
/// every slice compiled again from it and found equal to the folder's. Preparing needs no
/// proof, so a caller may prepare while proofs are still being made.
pub struct Verifier {
    dir: PathBuf,
    model: Model,
    plan_text: String,
    plan: Value,
    slices: Vec<CompiledSlice>,
}

impl Verifier {
    /// Loads `dir`, checks the pin, and compiles every slice again from `model.onnx`,
    /// refusing a folder whose circuits or weights commitments differ.
    pub fn prepare(dir: &Path, pin: Option<&str>, hooks: Hooks<'_>) -> Result<Verifier> {
        let l = model_folder::load_circuits(dir, |_| true)?;
        let model = l.model;
        if let Some(pin) = pin {
            let pinned = io::unhex32(pin).context_with(|| "--model-digest".to_string())?;
            if pinned != model.digest {
                refuse!(
                    "{}: the model's digest is {}, not the pinned {pin}",
                    dir.display(),
                    io::hex(&model.digest)
                );
            }
        }
        let bits = model.quant.scale_bits;
        let plan_text = l.meta["slices_plan"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        // Nothing in the folder but model.onnx (pinned by its digest) and the settings is
        // taken on trust: every circuit is compiled again here and must be the folder's, so
        // circuits of another scale, range or plan, or weights other than model.onnx's, are
        // refused.
        let mut slices = Vec::with_capacity(l.circuits.len());
        for lc in &l.circuits {
            let cs = engine::compile_slice(&model, &lc.slice, hooks.heap)?;
            if cs.prepared.digest() != lc.prepared.digest() {
                refuse!(
                    "slice {}: the folder's circuit is not the one model.onnx compiles to at 2^{bits} with input range [{}, {}] and plan '{plan_text}'",
                    lc.slice.index,
                    model.quant.input_range.0,
                    model.quant.input_range.1,
                );
            }
            if cs.weights_commitment != lc.weights_commitment {
                refuse!(
                    "slice {}: model.json's weights commitment is not that of model.onnx's weights",
                    lc.slice.index
                );
            }
            slices.push(cs);
        }
        Ok(Verifier {
            dir: dir.to_path_buf(),
            model,
            plan_text,
            plan: l.meta["slices_plan"].clone(),
            slices,
        })
    }

    /// Checks the proof folder `proofs`: every slice's proof, slice 0's input against the
    /// declared range, and the chain.
    pub fn check(&self, proofs: &Path, hooks: Hooks<'_>) -> Result<Verdict> {
        let (model, dir, plan_text) = (&self.model, self.dir.as_path(), &self.plan_text);
        let recompiled = &self.slices;
        let bits = model.quant.scale_bits;
        let n = recompiled.len();
        let st = read_entries(proofs, &model.digest, bits, n, dir)?;
        let (lo, hi) = model.quant.input_limits();
        let mut results = Vec::new();
        let mut ok = true;
        let mut prev_output: Option<Vec<i64>> = None;
        for (cs, (what, e)) in recompiled.iter().zip(&st.entries) {
            let i = cs.slice.index;
            if io::uint_field::<usize>(e, "index", what)? != i {
                refuse!("{what}: index {} at position {i}", e["index"]);
            }
            let input = io::ints(io::field(e, "input", what)?, &format!("{what}.input"))?;
            let output = io::ints(io::field(e, "output", what)?, &format!("{what}.output"))?;
            let path = io::inside(
                proofs,
                io::field(e, "proof", what)?,
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
                    hooks.heap,
                )
                .map_err(|e| e.to_string())
            };
            match &verdict {
                Ok(s) => results.push(json!({"index": i, "verified": true, "stages": {"compile": cs.compile.json(), "verify": s.json()}})),
                Err(why) => {
                    ok = false;
                    hooks.observer.warn(&format!("slice {i}: NOT verified: {why}"));
                    results.push(json!({"index": i, "verified": false, "reason": why}));
                }
            }
            prev_output = Some(output);
        }
        let outputs = dequantize(&prev_output.unwrap_or_default(), bits);
        // The statement's own copy of the outputs must be the proven ones, or it misleads.
        if let (true, Some(whole)) = (ok, &st.whole)
            && *io::field(whole, "outputs", "statement.json")? != json!(outputs)
        {
            refuse!("statement.json: \"outputs\" are not the last slice's proven output");
        }
        let doc = json!({"verified": ok, "outputs": if ok { json!(outputs) } else { Value::Null }, "model_digest": io::hex(&model.digest), "scale_bits": bits, "input_range": [model.quant.input_range.0, model.quant.input_range.1], "slices_plan": self.plan, "slices": results});
        if ok {
            hooks.observer.info(&format!(
                "verified {n} slice(s) of model {} at 2^{bits}, input range [{}, {}], plan '{plan_text}'",
                io::hex(&model.digest),
                model.quant.input_range.0,
                model.quant.input_range.1,
            ));
        }
        Ok(Verdict {
            verified: ok,
            outputs: if ok { outputs } else { Vec::new() },
            doc,
        })
    }
}
