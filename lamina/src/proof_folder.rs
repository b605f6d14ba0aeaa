//! The proof folder and `lamina verify`.
//!
//! A folder proven in one go holds `slice_N.proof` and `statement.json`
//! (`lamina-proof/2`: the verification key's digest, model digest, scale, commitment
//! scheme, outputs, and per slice its integer input and output and the proof's file
//! name). A folder proven slice by slice (one job per slice, [`crate::jobs::prove_slice`])
//! holds instead one `slice_N.statement.json` (`lamina-slice-proof/2`) beside each proof:
//! the same entry plus the key digest, the model digest, the scale and the slice count, so
//! jobs never write a shared file. `verify` reads `statement.json` when present and
//! otherwise assembles the per-slice files — every one of `0..n` must be there — and then
//! checks both the same way against the verification key alone: each slice's proof, slice
//! 0's input against the key's input range, and the chain.

use crate::engine;
use crate::error::{Context, Result, refuse};
use crate::io;
use crate::key::{self, VerificationKey};
use crate::measure::Hooks;
use crate::report::dequantize;
use serde_json::{Value, json};
use std::path::Path;

/// The format tag of `statement.json`.
pub const FORMAT: &str = "lamina-proof/2";
/// The format tag of a per-slice `slice_N.statement.json`.
pub const SLICE_FORMAT: &str = "lamina-slice-proof/2";

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
fn read_entries(proofs: &Path, key: &VerificationKey) -> Result<Entries> {
    let n = key.slices.len();
    // The key digest binds everything; the model digest and scale only make the message
    // say what differs.
    let same_compile = |st: &Value, what: &str| -> Result<()> {
        let vk = io::digest_field(st, "vk_digest", what)?;
        let model = io::digest_field(st, "model_digest", what)?;
        let bits = io::uint_field::<u32>(st, "scale_bits", what)?;
        if vk != *key.digest() {
            let other = if model != key.model_digest {
                "another model"
            } else if bits != key.quant.scale_bits {
                "another scale"
            } else {
                "another compile"
            };
            refuse!(
                "{}: the proofs were made against verification key {} ({other}), not {}",
                proofs.join(what).display(),
                io::hex(&vk),
                io::hex(key.digest())
            );
        }
        // Fields a reader might take at their word must be the key's.
        if model != key.model_digest || bits != key.quant.scale_bits {
            refuse!(
                "{what}: model_digest or scale_bits differ from the key's ({} at 2^{})",
                io::hex(&key.model_digest),
                key.quant.scale_bits
            );
        }
        Ok(())
    };
    let whole = proofs.join("statement.json");
    let assembled = std::fs::symlink_metadata(&whole).is_err()
        && std::fs::symlink_metadata(proofs.join(slice_statement_name(0))).is_ok();
    if !assembled {
        let st = io::read_json(&whole)?;
        const S: &str = "statement.json";
        if st.get("format").and_then(Value::as_str) != Some(FORMAT) {
            refuse!("{}: not a lamina proof folder", proofs.display());
        }
        same_compile(&st, S)?;
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
        same_compile(&st, &name)?;
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

/// What a verifier pins: the verification key's digest and, optionally, the model's.
#[derive(Clone, Copy, Debug, Default)]
pub struct Pin<'a> {
    /// 64 hex digits: the key is refused unless its digest is this.
    pub vk_digest: Option<&'a str>,
    /// 64 hex digits: the key is refused unless it names this model digest.
    pub model_digest: Option<&'a str>,
}

/// One statement entry: its index checked, its input and output (a private one must be
/// `null` and reads as empty), and its proof's bytes.
fn read_entry(
    proofs: &Path,
    e: &Value,
    what: &str,
    i: usize,
    sides: engine::PrivateSides,
) -> Result<(Vec<i64>, Vec<i64>, Vec<u8>)> {
    if io::uint_field::<usize>(e, "index", what)? != i {
        refuse!("{what}: index {} at position {i}", e["index"]);
    }
    let public = |field: &str, private: bool| -> Result<Vec<i64>> {
        match (private, io::field(e, field, what)?) {
            (true, Value::Null) => Ok(Vec::new()),
            (true, _) => refuse!(
                "{what}.{field}: private under this key (private activations or input), so the statement must not carry it"
            ),
            (false, v) => io::ints(v, &format!("{what}.{field}")),
        }
    };
    let input = public("input", sides.input)?;
    let output = public("output", sides.output)?;
    let path = io::inside(
        proofs,
        io::field(e, "proof", what)?,
        &format!("{what}.proof"),
    )?;
    Ok((input, output, io::read_capped(&path, io::cap::PROOF)?))
}

/// Adds slice `i`'s verdict to the report (a rejection also warned); whether it verified.
fn record(
    i: usize,
    verdict: &std::result::Result<crate::measure::Figures, String>,
    proof_bytes: usize,
    results: &mut Vec<Value>,
    hooks: Hooks<'_>,
) -> bool {
    match verdict {
        Ok(s) => results.push(json!({"index": i, "verified": true, "proof_bytes": proof_bytes, "stages": {"verify": s.json()}})),
        Err(why) => {
            hooks.observer.warn(&format!("slice {i}: NOT verified: {why}"));
            results.push(json!({"index": i, "verified": false, "reason": why}));
        }
    }
    verdict.is_ok()
}

/// `lamina verify`: checks the proof folder `proofs` against the verification key `key`
/// (a key file, or a compiled folder holding `model.vk`). Needs nothing else: no ONNX,
/// no weights, no witness. A rejected slice makes `verified` false (and is reported
/// through `hooks.observer.warn`); a malformed or mismatched folder or key is an error.
/// [`Verifier::prepare`] then [`Verifier::check`].
pub fn verify(key: &Path, proofs: &Path, pin: Pin<'_>, hooks: Hooks<'_>) -> Result<Verdict> {
    Verifier::prepare(key, pin, hooks)?.check(proofs, hooks)
}

/// A verification key made ready to check proof folders. Preparing needs no proof, so a
/// caller may prepare while proofs are still being made.
pub struct Verifier {
    key: VerificationKey,
    /// Zero knowledge: each slice's zero-knowledge form, derived once from its circuit.
    forms: Vec<Option<prover::zk::ZkCircuit>>,
}

impl Verifier {
    /// Reads the key at `key` (refused before decoding if its digest is not the pinned
    /// one) and checks the model pin.
    pub fn prepare(key: &Path, pin: Pin<'_>, hooks: Hooks<'_>) -> Result<Verifier> {
        let mut k = key::load(key, pin.vk_digest)?;
        let forms = k
            .slices
            .iter()
            .map(|s| match k.scheme {
                engine::Scheme::WhirZk => {
                    let sides = engine::PrivateSides::of(k.privacy, s.index, k.slices.len());
                    Ok(Some(engine::zk_form(s.circuit()?.circuit(), sides)?))
                }
                _ => Ok(None),
            })
            .collect::<Result<Vec<_>>>()?;
        // The security figure reported is the verifier's own, from the circuits and its
        // own parameters, not the key's word.
        k.commitment = k.scheme.report(
            k.slices
                .iter()
                .zip(&forms)
                .map(|(s, f)| Ok((s.circuit()?, f.as_ref())))
                .collect::<Result<Vec<_>>>()?,
        )?;
        if let Some(p) = pin.model_digest {
            let pinned = io::unhex32(p).context_with(|| "--model-digest".to_string())?;
            if pinned != k.model_digest {
                refuse!(
                    "{}: the key is for model {}, not the pinned {p}",
                    key.display(),
                    io::hex(&k.model_digest)
                );
            }
        }
        if pin.vk_digest.is_none() {
            hooks.observer.info(&format!(
                "verification key {} (unpinned: pin it with --vk-digest)",
                io::hex(k.digest())
            ));
        }
        Ok(Verifier { key: k, forms })
    }

    /// The key.
    pub fn key(&self) -> &VerificationKey {
        &self.key
    }

    /// Checks the proof folder `proofs`: every slice's proof, slice 0's input against the
    /// declared range, and the chain.
    pub fn check(&self, proofs: &Path, hooks: Hooks<'_>) -> Result<Verdict> {
        let key = &self.key;
        let n = key.slices.len();
        let st = read_entries(proofs, key)?;
        if !key.privacy.input {
            // Refuses a statement naming an input commitment the key does not have.
            self.input_opening(proofs, &st)?;
        }
        if key.privacy.any() {
            let (results, ok, last) = self.check_chain(proofs, &st, hooks)?;
            return self.conclude(&st, results, ok, last, hooks);
        }
        let mut results = Vec::new();
        let mut ok = true;
        let mut prev_output: Option<Vec<i64>> = None;
        for (ks, (what, e)) in key.slices.iter().zip(&st.entries) {
            let i = ks.index;
            let (input, output, bytes) =
                read_entry(proofs, e, what, i, engine::PrivateSides::default())?;
            let ctx = engine::context(key.digest(), i, n);
            let out_of_range = (i == 0).then(|| self.out_of_range(&input)).flatten();
            let verdict = if let Some(why) = out_of_range {
                Err(why)
            } else if prev_output.as_ref().is_some_and(|p| *p != input) {
                Err(format!("its input is not slice {}'s proven output", i - 1))
            } else {
                // Zero knowledge: the circuit's zero-knowledge form (derived when the key
                // was prepared) and the key's weights stock.
                let form = self.forms.get(i).and_then(Option::as_ref);
                engine::verify_slice(
                    key.scheme,
                    ks.circuit()?,
                    &input,
                    &output,
                    &bytes,
                    &ctx,
                    ks.weights_commitment.as_ref(),
                    form.map(|form| engine::ZkVerifier {
                        form,
                        stock: ks.stock.as_ref(),
                    }),
                    hooks.heap,
                )
                .map_err(|e| e.to_string())
            };
            ok &= record(i, &verdict, bytes.len(), &mut results, hooks);
            prev_output = Some(output);
        }
        self.conclude(&st, results, ok, prev_output.unwrap_or_default(), hooks)
    }

    /// The input-range verdict of slice 0's input, if it is out of range.
    fn out_of_range(&self, input: &[i64]) -> Option<String> {
        let key = &self.key;
        let (lo, hi) = key.quant.input_limits();
        let k = input.iter().position(|v| !(lo..=hi).contains(v))?;
        Some(format!(
            "input[{k}] = {} ({} at 2^{}) is outside the declared input range [{}, {}]",
            input[k],
            input[k] as f64 / key.quant.alpha(),
            key.quant.scale_bits,
            key.quant.input_range.0,
            key.quant.input_range.1
        ))
    }

    /// A private input's opening, read from the file `statement.json` names, whose
    /// commitment must be the statement's `input_commitment`; `None` under a key whose
    /// input is public (a statement naming one is refused).
    fn input_opening(&self, proofs: &Path, st: &Entries) -> Result<Option<Vec<u8>>> {
        const S: &str = "statement.json";
        let named = st
            .whole
            .as_ref()
            .map(|w| (w.get("input_commitment"), w.get("input_opening")));
        if !self.key.privacy.input {
            if let Some((c, o)) = named
                && (c.is_some_and(|v| !v.is_null()) || o.is_some_and(|v| !v.is_null()))
            {
                refuse!("{S}: an input commitment, but this key's input is public");
            }
            return Ok(None);
        }
        let Some((Some(c), Some(o))) = named else {
            refuse!(
                "{}: this key's input is private; the folder's statement.json must name the input's commitment and opening (\"input_commitment\", \"input_opening\")",
                proofs.display()
            );
        };
        let stated = io::digest_field(&json!({"c": c}), "c", &format!("{S}: input_commitment"))?;
        let path = io::inside(proofs, o, &format!("{S}: input_opening"))?;
        let bytes = io::read_capped(&path, io::cap::PROOF)?;
        let opened = crate::commands::input_commitment(&bytes).map_err(|_| {
            crate::Error::Refused(format!("{}: not an input opening", path.display()))
        })?;
        if opened != stated {
            refuse!(
                "{S}: input_commitment {} is not the commitment {} opens ({})",
                io::hex(&stated),
                path.display(),
                io::hex(&opened)
            );
        }
        Ok(Some(bytes))
    }

    /// A folder proven with private activations or a private input: the statement shows
    /// slice 0's input (or, private, its commitment) and the last slice's output only
    /// (every private entry's `input`/`output` must be `null`), and the proofs are checked
    /// as one chain (each against its neighbours' commitments, then the links between
    /// them, then a private input's opening).
    fn check_chain(
        &self,
        proofs: &Path,
        st: &Entries,
        hooks: Hooks<'_>,
    ) -> Result<(Vec<Value>, bool, Vec<i64>)> {
        let key = &self.key;
        let n = key.slices.len();
        let mut parts = Vec::with_capacity(n);
        for (ks, (what, e)) in key.slices.iter().zip(&st.entries) {
            let i = ks.index;
            let sides = engine::PrivateSides::of(key.privacy, i, n);
            let (input, output, bytes) = read_entry(proofs, e, what, i, sides)?;
            parts.push((input, output, bytes, engine::context(key.digest(), i, n)));
        }
        let mut chained = Vec::with_capacity(n);
        for (i, (input, output, bytes, ctx)) in parts.iter().enumerate() {
            let form = self
                .forms
                .get(i)
                .and_then(Option::as_ref)
                .context_with(|| format!("slice {i}: no zero-knowledge form (internal error)"))?;
            chained.push(engine::ChainedProof {
                zk: engine::ZkVerifier {
                    form,
                    stock: key.slices[i].stock.as_ref(),
                },
                input,
                output,
                proof_bytes: bytes,
                ctx,
            });
        }
        let opening = self.input_opening(proofs, st)?;
        let verdicts = engine::verify_chain(&chained, opening.as_deref(), hooks.heap);
        let mut results = Vec::with_capacity(n);
        let mut ok = true;
        for (i, ((input, _, bytes, _), verdict)) in parts.iter().zip(verdicts).enumerate() {
            let verdict = match (i, verdict) {
                (0, v) => match self.out_of_range(input) {
                    Some(why) => Err(why),
                    None => v.map_err(|e| e.to_string()),
                },
                (_, v) => v.map_err(|e| e.to_string()),
            };
            ok &= record(i, &verdict, bytes.len(), &mut results, hooks);
        }
        let last = parts
            .pop()
            .map(|(_, output, _, _)| output)
            .unwrap_or_default();
        Ok((results, ok, last))
    }

    /// The verdict from the slices' results and the last slice's output.
    fn conclude(
        &self,
        st: &Entries,
        results: Vec<Value>,
        ok: bool,
        last: Vec<i64>,
        hooks: Hooks<'_>,
    ) -> Result<Verdict> {
        let key = &self.key;
        let bits = key.quant.scale_bits;
        let n = key.slices.len();
        let outputs = dequantize(&last, bits);
        // The statement's own copy of the outputs must be the proven ones, or it misleads.
        if let (true, Some(whole)) = (ok, &st.whole)
            && *io::field(whole, "outputs", "statement.json")? != json!(outputs)
        {
            refuse!("statement.json: \"outputs\" are not the last slice's proven output");
        }
        let q = key.quant;
        let mut doc = json!({"verified": ok, "outputs": if ok { json!(outputs) } else { Value::Null }, "vk_digest": io::hex(key.digest()), "model_digest": io::hex(&key.model_digest), "scale_bits": bits, "input_range": [q.input_range.0, q.input_range.1], "slices_plan": key.plan, "calibration": key.calibration, "commitment": key.commitment, "slices": results});
        // A private input: the verdict is about the input this commitment opens to.
        if let (true, Some(whole)) = (key.privacy.input, &st.whole) {
            doc["input_commitment"] = whole["input_commitment"].clone();
        }
        if ok {
            hooks.observer.info(&format!(
                "verified {n} slice(s) of model {} at 2^{bits}, input range [{}, {}], plan '{}', key {}",
                io::hex(&key.model_digest),
                q.input_range.0,
                q.input_range.1,
                key.plan,
                io::hex(key.digest()),
            ));
        }
        Ok(Verdict {
            verified: ok,
            outputs: if ok { outputs } else { Vec::new() },
            doc,
        })
    }
}
