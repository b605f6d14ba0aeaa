//! One slice, one job: [`witness`] runs the integer forward pass once and writes a run
//! folder holding every slice's input and output; [`prove_slice`] proves one slice from it
//! into a proof folder, writing only that slice's files (`slice_N.proof`,
//! `slice_N.statement.json`), so jobs on different machines never share a file. `verify`
//! assembles the per-slice statements (see [`crate::proof_folder`]).
//!
//! The run folder (`run.json`, `lamina-run/2`) names the compile it was made from: the
//! verification key's digest (which covers the model digest, scale, input range, plan and
//! every circuit), with the model digest, scale, range and plan beside it for people. A
//! prove job refuses a run made for another key.

use crate::commands::{check_len, proven_line, statement_entry};
use crate::engine;
use crate::engine::CompiledSlice;
use crate::error::{Context, Result, refuse};
use crate::io;
use crate::measure::{self, Hooks};
use crate::model_folder::{self, ProverFolder};
use crate::proof_folder::{self, SLICE_FORMAT};
use crate::report::dequantize;
use blueprints::{pipeline, slice};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The format tag of `run.json`.
pub const RUN_FORMAT: &str = "lamina-run/2";

/// `lamina witness`: quantizes `x`, runs the integer forward pass of every slice of the
/// compiled folder `dir`, and writes `run.json` into `out`; returns it.
pub fn witness(dir: &Path, x: &[f64], source: &str, out: &Path, hooks: Hooks<'_>) -> Result<Value> {
    // Only the model and model.json are needed: no circuit is read.
    let (meta, model) = model_folder::load_model(dir)?;
    let model = &model;
    check_len(model, x, source)?;
    let vk_digest = io::digest_field(&meta.json, "vk_digest", "model.json")?;
    let slices = slice::plan(model, &meta.plan)?;
    let (r, fig) = measure::stage(hooks.heap, || -> Result<_> {
        let mut act = model.quant.quantize_input(x, &model.layers[0].name)?;
        let mut rows = Vec::with_capacity(slices.len());
        for s in &slices {
            let (output, _hints) = pipeline::forward(model, s, &act)?;
            rows.push(json!({"index": s.index, "input": act, "output": output}));
            act = output;
        }
        Ok((rows, act))
    });
    let (rows, act) = r?;
    let q = model.quant;
    let doc = json!({
        "format": RUN_FORMAT,
        "model_digest": io::hex(&model.digest),
        "scale_bits": q.scale_bits,
        "input_range": [q.input_range.0, q.input_range.1],
        "slices_plan": meta.json["slices_plan"],
        "vk_digest": io::hex(&vk_digest),
        "outputs": dequantize(&act, q.scale_bits),
        "stages": {"witness": fig.json()},
        "slices": rows,
    });
    io::create_dir(out)?;
    io::write_json(&out.join("run.json"), &doc)?;
    hooks.observer.info(&format!(
        "wrote {} (run.json: {} slice inputs, forward pass {:.3} s)",
        out.display(),
        slices.len(),
        fig.wall_s
    ));
    Ok(doc)
}

/// `lamina prove --run`: proves slice `index` of the compiled folder `dir` on its input
/// from the run folder `run`, writes `slice_<index>.proof` and
/// `slice_<index>.statement.json` into `out`, and returns the statement.
pub fn prove_slice(
    dir: &Path,
    run: &Path,
    index: usize,
    out: &Path,
    hooks: Hooks<'_>,
) -> Result<Value> {
    SliceProver::open(dir)?.prove(run, index, out, hooks)
}

/// Proves slices of one compiled folder, keeping every slice it loads (program, circuit,
/// committed weights) for the next proof: what a long-lived worker (a Ray worker, a
/// service) holds, so the model import and the weight commitment are paid once per
/// process, not once per proof. Proofs are the same bytes as [`prove_slice`]'s.
pub struct SliceProver {
    dir: PathBuf,
    folder: ProverFolder,
    loaded: Mutex<HashMap<usize, Arc<CompiledSlice>>>,
}

impl SliceProver {
    /// Opens the compiled folder `dir` (model, settings, key header, weight store).
    pub fn open(dir: &Path) -> Result<SliceProver> {
        Ok(SliceProver {
            dir: dir.to_path_buf(),
            folder: ProverFolder::open(dir)?,
            loaded: Mutex::new(HashMap::new()),
        })
    }

    /// The verification key's digest the proofs bind.
    pub fn vk_digest(&self) -> &[u8; 32] {
        &self.folder.vk_digest
    }

    /// Slice `index`, loaded once.
    fn slice(&self, index: usize) -> Result<Arc<CompiledSlice>> {
        let n = self.folder.count();
        if index >= n {
            refuse!(
                "slice {index}: {} has {n} slices (0 to {})",
                self.dir.display(),
                n.saturating_sub(1)
            );
        }
        // A poisoned lock only means another proof panicked; the map is still valid.
        let cached = self
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&index)
            .cloned();
        if let Some(cs) = cached {
            return Ok(cs);
        }
        let cs = Arc::new(self.folder.load_slice(index)?);
        self.loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(index, Arc::clone(&cs));
        Ok(cs)
    }

    /// Proves slice `index` on its input from the run folder `run` into `out` (as
    /// [`prove_slice`]).
    pub fn prove(&self, run: &Path, index: usize, out: &Path, hooks: Hooks<'_>) -> Result<Value> {
        let cs = self.slice(index)?;
        let cs = cs.as_ref();
        let l = &self.folder;
        let n = l.count();
        let model = &l.model;
        let q = model.quant;
        let rj = io::read_json(&run.join("run.json"))?;
        const R: &str = "run.json";
        if rj.get("format").and_then(Value::as_str) != Some(RUN_FORMAT) {
            refuse!("{}: not a lamina run folder", run.display());
        }
        // The fields people read first; the key digest, which covers them all, last.
        let mismatch = [
            ("model_digest", json!(io::hex(&model.digest))),
            ("scale_bits", json!(q.scale_bits)),
            ("input_range", json!([q.input_range.0, q.input_range.1])),
            ("slices_plan", l.meta["slices_plan"].clone()),
            ("vk_digest", json!(io::hex(&l.vk_digest))),
        ]
        .into_iter()
        .find(|(k, v)| rj.get(*k) != Some(v));
        if let Some((k, _)) = mismatch {
            refuse!(
                "{}: the run was made for another model or compile than {} ({k} differs)",
                run.display(),
                self.dir.display()
            );
        }
        let rows = io::field(&rj, "slices", R)?
            .as_array()
            .context_with(|| "run.json: slices must be a list".to_string())?;
        if rows.len() != n {
            refuse!("run.json has {} slices, the model {n}", rows.len());
        }
        let what = format!("run.json: slices[{index}]");
        let row = &rows[index];
        if io::uint_field::<usize>(row, "index", &what)? != index {
            refuse!("{what}: index {} at position {index}", row["index"]);
        }
        let input = io::ints(io::field(row, "input", &what)?, &format!("{what}.input"))?;
        let output = io::ints(io::field(row, "output", &what)?, &format!("{what}.output"))?;
        let want = cs.slice.input_len(model);
        if input.len() != want {
            refuse!(
                "{what}: {} input values, slice {index} reads {want}",
                input.len()
            );
        }
        if out.join("statement.json").exists() {
            refuse!(
                "{}: holds a statement.json (a folder proven in one go); prove slices into a fresh folder",
                out.display()
            );
        }
        if l.privacy.any() {
            refuse!(
                "slice {index}: the key makes activations or the input private, so the slices are proven together as one chain: prove the whole run in one process (lamina prove {} --input ...)",
                self.dir.display()
            );
        }
        let ctx = engine::context(&l.vk_digest, index, n);
        let p = engine::prove_slice(model, cs, &input, &ctx, hooks.heap)?;
        if p.output != output {
            refuse!(
                "slice {index}: the proven output is not the one {} records (the run folder is inconsistent)",
                run.display()
            );
        }
        io::create_dir(out)?;
        let name = format!("slice_{index}.proof");
        io::io(std::fs::write(out.join(&name), &p.proof_bytes), || {
            format!("writing {name}")
        })?;
        let mut doc = statement_entry(cs, &p, &name);
        doc["format"] = json!(SLICE_FORMAT);
        doc["vk_digest"] = json!(io::hex(&l.vk_digest));
        doc["commitment"] = l.commitment.clone();
        doc["model_digest"] = json!(io::hex(&model.digest));
        doc["scale_bits"] = json!(q.scale_bits);
        doc["slice_count"] = json!(n);
        io::write_json(&out.join(proof_folder::slice_statement_name(index)), &doc)?;
        hooks.observer.info(&proven_line(cs, &p));
        Ok(doc)
    }
}
