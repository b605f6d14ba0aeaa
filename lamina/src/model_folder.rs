//! The compiled-model folder (`lamina-model/2`), the prover's side of a compile:
//! `model.json` (settings, plan, per-slice circuit digests and weight commitments, the
//! key's digest), `model.vk` (the verification key, with every circuit: see
//! [`crate::key`]), `model.onnx` (a copy, with any external data) and
//! `weights.safetensors`. Written by [`write`], read back by [`load_model`] (witness) and
//! [`load_for_proving`] (prove), every field parsed strictly and every file checked
//! against the key. A verifier needs only `model.vk`.

use crate::engine::{self, CommittedWeights, CompiledSlice};
use crate::error::{Context, Result, refuse};
use crate::io;
use crate::key;
use crate::measure::Figures;
use crate::report;
use blueprints::{Calibration, Model, QuantConfig, SlicePlan, slice, weights};
use serde_json::{Value, json};
use std::path::Path;

/// The format tag of `model.json`.
pub const FORMAT: &str = "lamina-model/2";
/// Zero knowledge: the folder of the weights stocks (secret) and their ledger.
pub const STOCK_DIR: &str = "weights_stock";

pub(crate) fn stock_file(slice: usize) -> String {
    format!("slice_{slice}.bin")
}

/// Writes a compiled model's folder and returns `model.json`'s contents.
pub fn write(
    model_path: &Path,
    model: &Model,
    calibration: Option<&Calibration>,
    plan_text: &str,
    slices: &[CompiledSlice],
    out: &Path,
) -> Result<Value> {
    io::create_dir(out)?;
    io::io(std::fs::copy(model_path, out.join("model.onnx")), || {
        format!("copying the model into {}", out.display())
    })?;
    // External data is part of the model (its digest covers it): copied beside the copy,
    // under the same relative names the model uses.
    let base = crate::commands::model_dir(model_path);
    for f in &model.external_files {
        let to = out.join(f);
        if let Some(parent) = to.parent() {
            io::io(std::fs::create_dir_all(parent), || {
                format!("creating {}", parent.display())
            })?;
        }
        io::io(std::fs::copy(base.join(f), &to), || {
            format!("copying external data {f} into {}", out.display())
        })?;
    }
    let key = key::encode(model, calibration, plan_text, slices)?;
    io::write(&out.join(key::FILE), &key.bytes)?;
    let mut tensors = Vec::new();
    let mut meta = Vec::new();
    for cs in slices {
        tensors.push((format!("slice_{}", cs.slice.index), cs.weights.clone()));
        let mut j = report::slice_json(model, cs);
        j["circuit_digest"] = json!(cs.prepared.digest().to_hex());
        j["layer_range"] = json!([cs.slice.layers.start, cs.slice.layers.end]);
        j["weights_commitment"] = json!(cs.weights_commitment().map(|c| io::hex(&c)));
        j["stages"] = json!({"compile": cs.compile.json()});
        meta.push(j);
    }
    weights::write(&out.join("weights.safetensors"), &tensors)?;
    // Zero knowledge: each slice's weights stock (the model owner's secret: noise and
    // commitment randomness derive from it) and an empty ledger of taken entries.
    for cs in slices {
        if let Some(bytes) = cs.committed.stock_bytes() {
            let dir = out.join(STOCK_DIR);
            io::create_dir(&dir)?;
            io::write(&dir.join(stock_file(cs.slice.index)), &bytes)?;
        }
    }
    let cfg = model.quant;
    let doc = json!({
        "format": FORMAT,
        "model": "model.onnx",
        "model_digest": io::hex(&model.digest),
        "key": key::FILE,
        "key_bytes": key.bytes.len(),
        "vk_digest": io::hex(&key.digest),
        "commitment": key.commitment,
        "scale_bits": cfg.scale_bits,
        "input_range": [cfg.input_range.0, cfg.input_range.1],
        "slices_plan": plan_text,
        "calibration": crate::commands::calibration_json(calibration),
        "input_shape": report::shape(model, 0),
        "slices": meta,
    });
    io::write_json(&out.join("model.json"), &doc)?;
    Ok(doc)
}

/// A compiled folder loaded for proving.
pub struct Loaded {
    /// The model.
    pub model: Model,
    /// `model.json`.
    pub meta: Value,
    /// The verification key's digest (what every proof binds).
    pub vk_digest: [u8; 32],
    /// The key's `"commitment"` object.
    pub commitment: Value,
    /// The number of slices in the plan.
    pub count: usize,
    /// The slices asked for, ready to prove.
    pub slices: Vec<CompiledSlice>,
}

/// A compiled folder's settings, from `model.json`.
pub struct Meta {
    /// `model.json` itself.
    pub json: Value,
    /// Scale and declared input range.
    pub quant: QuantConfig,
    /// The slice plan.
    pub plan: SlicePlan,
    /// The model digest it names.
    pub digest: [u8; 32],
    /// Calibrated bounds, when compiled with `--calibrate`.
    pub calibration: Option<Calibration>,
}

/// A compiled folder's settings from model.json, every field parsed strictly.
pub fn read_meta(dir: &Path) -> Result<Meta> {
    let meta = io::read_json(&dir.join("model.json"))?;
    const W: &str = "model.json";
    if meta.get("format").and_then(Value::as_str) != Some(FORMAT) {
        refuse!(
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
        _ => refuse!("model.json: input_range must be [LO, HI], got {range}"),
    };
    let cfg = QuantConfig::new(io::uint_field::<u32>(&meta, "scale_bits", W)?, range)?;
    let plan: SlicePlan = io::str_field(&meta, "slices_plan", W)?.parse()?;
    let digest = io::digest_field(&meta, "model_digest", W)?;
    let calibration = read_calibration(io::field(&meta, "calibration", W)?)?;
    Ok(Meta {
        json: meta,
        quant: cfg,
        plan,
        digest,
        calibration,
    })
}

/// `model.json`'s `calibration`: `null`, or the margin, observed maxima and integer
/// bounds per value name, parsed strictly.
pub(crate) fn read_calibration(v: &Value) -> Result<Option<Calibration>> {
    const W: &str = "model.json: calibration";
    if v.is_null() {
        return Ok(None);
    }
    let margin = io::f64_of(io::field(v, "margin", W)?, "model.json: calibration.margin")?;
    let obj = |k: &str| {
        io::field(v, k, W)?
            .as_object()
            .context_with(|| format!("{W}.{k} must be an object"))
    };
    let mut observed = std::collections::BTreeMap::new();
    for (k, x) in obj("observed")? {
        observed.insert(k.clone(), io::f64_of(x, &format!("{W}.observed.{k}"))?);
    }
    let mut bounds = blueprints::model::Bounds::new();
    for (k, x) in obj("bounds")? {
        let b = x
            .as_i64()
            .filter(|b| *b > 0)
            .context_with(|| format!("{W}.bounds.{k} must be a positive integer, got {x}"))?;
        bounds.insert(k.clone(), b);
    }
    Ok(Some(Calibration {
        margin,
        observed,
        bounds,
    }))
}

/// A compiled folder's settings and model (imported from its `model.onnx`, checked
/// against the digest model.json names).
pub fn load_model(dir: &Path) -> Result<(Meta, Model)> {
    let meta = read_meta(dir)?;
    let onnx = io::inside(
        dir,
        io::field(&meta.json, "model", "model.json")?,
        "model.json: model",
    )?;
    let model = crate::commands::load_model(&onnx, meta.quant, meta.calibration.as_ref())?;
    if model.digest != meta.digest {
        refuse!(
            "{}: does not match the model_digest in model.json",
            onnx.display()
        );
    }
    Ok((meta, model))
}

/// A compiled folder opened for proving: its model, settings and verification key
/// (whose settings must be model.json's and whose slices must be the plan's), the weight
/// store memory-mapped, and any slice loadable on demand ([`ProverFolder::load_slice`]).
pub struct ProverFolder {
    /// The model.
    pub model: Model,
    /// `model.json`.
    pub meta: Value,
    /// The key's digest (what every proof binds).
    pub vk_digest: [u8; 32],
    /// The key's `"commitment"` object.
    pub commitment: Value,
    /// The commitment scheme.
    pub scheme: engine::Scheme,
    /// Zero knowledge: what is private beyond the weights (the key says).
    pub privacy: engine::Privacy,
    key_path: std::path::PathBuf,
    key_bytes: Vec<u8>,
    planned: Vec<slice::Slice>,
    store: weights::WeightStore,
}

impl ProverFolder {
    /// Opens `dir`: model.json, the model copy (checked against its digest), the key's
    /// header (no circuit decoded) and the weight store.
    pub fn open(dir: &Path) -> Result<ProverFolder> {
        let (meta, model) = load_model(dir)?;
        let path = dir.join(key::FILE);
        let key_bytes = io::read_capped(&path, io::cap::CIRCUIT)?;
        let key = key::decode_at(&path, &key_bytes, |_| false)?;
        let q = model.quant;
        let mismatch = [
            ("model_digest", key.model_digest == model.digest),
            ("scale_bits", key.quant.scale_bits == q.scale_bits),
            ("input_range", key.quant.input_range == q.input_range),
            (
                "slices_plan",
                meta.json.get("slices_plan").and_then(Value::as_str) == Some(key.plan.as_str()),
            ),
            (
                "calibration",
                meta.json.get("calibration") == Some(&key.calibration),
            ),
            (
                "vk_digest",
                meta.json.get("vk_digest").and_then(Value::as_str)
                    == Some(io::hex(key.digest()).as_str()),
            ),
        ]
        .into_iter()
        .find(|(_, ok)| !ok);
        if let Some((k, _)) = mismatch {
            refuse!(
                "{}: {} and model.json disagree on {k}",
                dir.display(),
                key::FILE
            );
        }
        let planned = slice::plan(&model, &meta.plan)?;
        if planned.len() != key.slices.len() {
            refuse!(
                "{}: the key has {} slices, the plan '{}' makes {}",
                dir.display(),
                key.slices.len(),
                key.plan,
                planned.len()
            );
        }
        for (s, ks) in planned.iter().zip(&key.slices) {
            if s.layers != ks.layers
                || (s.input_len(&model), s.output_len(&model)) != (ks.input_len, ks.output_len)
            {
                refuse!(
                    "slice {}: the key's slice (layers {}..{}) is not the plan's (layers {}..{})",
                    s.index,
                    ks.layers.start,
                    ks.layers.end,
                    s.layers.start,
                    s.layers.end
                );
            }
        }
        let store = weights::WeightStore::open(&io::regular(&dir.join("weights.safetensors"))?)?;
        Ok(ProverFolder {
            vk_digest: *key.digest(),
            commitment: key.commitment.clone(),
            scheme: key.scheme,
            privacy: key.privacy,
            model,
            meta: meta.json,
            key_path: path,
            key_bytes,
            planned,
            store,
        })
    }

    /// The number of slices in the plan.
    pub fn count(&self) -> usize {
        self.planned.len()
    }

    /// Loads slice `i` ready to prove: its circuit from the key, its program rebuilt from
    /// the model, its weights from the store committed again with the key's scheme — the
    /// commitment must be the key's (p3's WHIR prover data has no serialisation, so one
    /// commit per load rebuilds it).
    pub fn load_slice(&self, i: usize) -> Result<CompiledSlice> {
        let t = std::time::Instant::now();
        let Some(s) = self.planned.get(i) else {
            refuse!(
                "slice {i}: the model has {} slices (0 to {})",
                self.count(),
                self.count().saturating_sub(1)
            );
        };
        let key = key::decode_at(&self.key_path, &self.key_bytes, |j| j == i)?;
        let ks = key
            .slices
            .into_iter()
            .nth(i)
            .context_with(|| format!("slice {i}: not in the key"))?;
        let Some(prepared) = ks.prepared else {
            refuse!("slice {i}: its circuit was not decoded (internal error)");
        };
        let sp = blueprints::pipeline::build_with(&self.model, s, self.scheme.builder())?;
        let weights = self.store.get(&format!("slice_{i}"))?;
        let committed = if self.scheme.is_zk() {
            // The stock is the model owner's secret, stored at compile; its entries are
            // checked against the weights when a proof recreates one.
            let dir = self.key_path.with_file_name(STOCK_DIR);
            let bytes = match ks.weights_commitment {
                Some(_) => Some(io::read_capped(&dir.join(stock_file(i)), io::cap::CIRCUIT)?),
                None => None,
            };
            let ledger = engine::StockLedger(dir.join("used").join(format!("slice_{i}")));
            let sides = engine::PrivateSides::of(self.privacy, i, self.count());
            let c = CommittedWeights::load_zk(prepared.circuit(), bytes.as_deref(), ledger, sides)
                .context_with(|| format!("slice {i}: loading the weights stock"))?;
            if c.stock_key() != ks.stock.as_ref() {
                refuse!(
                    "slice {i}: {STOCK_DIR}/{} is not the weights stock in {}",
                    stock_file(i),
                    key::FILE
                );
            }
            c
        } else {
            let laid_out = sp.program.layout_weights(&weights);
            let sides = engine::PrivateSides::default();
            let c = CommittedWeights::commit(self.scheme, prepared.circuit(), &laid_out, 0, sides)
                .context_with(|| format!("slice {i}: committing the weights"))?;
            if c.digest != ks.weights_commitment {
                refuse!(
                    "slice {i}: weights.safetensors does not match the weights commitment in {}",
                    key::FILE
                );
            }
            c
        };
        Ok(CompiledSlice {
            slice: s.clone(),
            program: sp.program,
            circuit_bytes: Vec::new(),
            prepared,
            stats: circuits::compiler::Stats::default(),
            weights,
            scheme: self.scheme,
            sides: engine::PrivateSides::of(self.privacy, i, self.count()),
            committed,
            compile: Figures {
                wall_s: t.elapsed().as_secs_f64(),
                ..Default::default()
            },
        })
    }
}

/// Loads a compiled folder for proving the slices `wanted` selects
/// ([`ProverFolder::open`], then [`ProverFolder::load_slice`] for each).
pub fn load_for_proving(dir: &Path, wanted: impl Fn(usize) -> bool) -> Result<Loaded> {
    let f = ProverFolder::open(dir)?;
    let slices = (0..f.count())
        .filter(|&i| wanted(i))
        .map(|i| f.load_slice(i))
        .collect::<Result<Vec<_>>>()?;
    let (vk_digest, commitment, count) = (f.vk_digest, f.commitment.clone(), f.count());
    let (model, meta) = (f.model, f.meta);
    Ok(Loaded {
        model,
        meta,
        vk_digest,
        commitment,
        count,
        slices,
    })
}
