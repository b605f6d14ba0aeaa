//! The compiled-model folder (`lamina-model/1`): `model.json` (settings, plan, per-slice
//! circuit digests and weight commitments), `model.onnx` (a copy, the trust anchor),
//! `slice_N.circuit` and `weights.safetensors`. Written by [`write`], read back by
//! [`load_circuits`] (verify) and [`load_for_proving`] (prove), every field parsed strictly
//! and every file checked against the plan and its digest.

use crate::engine::{self, CompiledSlice};
use crate::error::{Context, Result, refuse};
use crate::io;
use crate::measure::Figures;
use crate::report;
use blueprints::{Calibration, Model, QuantConfig, SlicePlan, slice, weights};
use serde_json::{Value, json};
use std::path::Path;

/// The format tag of `model.json`.
pub const FORMAT: &str = "lamina-model/1";

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
    let mut tensors = Vec::new();
    let mut meta = Vec::new();
    for cs in slices {
        let name = format!("slice_{}.circuit", cs.slice.index);
        io::io(std::fs::write(out.join(&name), &cs.circuit_bytes), || {
            format!("writing {name}")
        })?;
        tensors.push((format!("slice_{}", cs.slice.index), cs.weights.clone()));
        let mut j = report::slice_json(model, cs);
        j["circuit"] = json!(name);
        j["circuit_digest"] = json!(cs.prepared.digest().to_hex());
        j["layer_range"] = json!([cs.slice.layers.start, cs.slice.layers.end]);
        j["weights_commitment"] = json!(cs.weights_commitment.map(|c| io::hex(&c)));
        j["stages"] = json!({"compile": cs.compile.json()});
        meta.push(j);
    }
    weights::write(&out.join("weights.safetensors"), &tensors)?;
    let cfg = model.quant;
    let doc = json!({
        "format": FORMAT,
        "model": "model.onnx",
        "model_digest": io::hex(&model.digest),
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

/// One slice's circuit from a compiled folder, checked against the plan and model.json.
pub struct LoadedCircuit {
    /// The slice.
    pub slice: slice::Slice,
    /// The circuit's bytes.
    pub circuit_bytes: Vec<u8>,
    /// The circuit, prepared.
    pub prepared: prover::gkr::PreparedCircuit<'static>,
    /// The weights commitment model.json lists.
    pub weights_commitment: Option<[u8; 32]>,
}

/// A compiled folder's model (checked against its digest), metadata and the circuits
/// asked for.
pub struct Circuits {
    /// The model, imported from the folder's `model.onnx`.
    pub model: Model,
    /// `model.json`.
    pub meta: Value,
    /// Every slice's circuit digest as model.json lists it (each loaded circuit is
    /// checked against its own).
    pub digests: Vec<[u8; 32]>,
    /// The loaded circuits, in slice order.
    pub circuits: Vec<LoadedCircuit>,
}

impl Circuits {
    /// The number of slices in the plan.
    pub fn count(&self) -> usize {
        self.digests.len()
    }
}

/// A compiled folder loaded for proving.
pub struct Loaded {
    /// The model.
    pub model: Model,
    /// `model.json`.
    pub meta: Value,
    /// Every slice's circuit digest.
    pub digests: Vec<[u8; 32]>,
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
fn read_calibration(v: &Value) -> Result<Option<Calibration>> {
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

/// Loads a compiled folder's model and the circuits of the slices `wanted` selects. Every
/// slice entry must match the plan (index, layer range) and list a digest; every loaded
/// circuit must match its entry (input and output lengths, digest) and carry a weights
/// commitment exactly when it has a weights region.
pub fn load_circuits(dir: &Path, wanted: impl Fn(usize) -> bool) -> Result<Circuits> {
    let Meta {
        json: meta,
        quant: cfg,
        plan,
        digest,
        calibration,
    } = read_meta(dir)?;
    let onnx = io::inside(
        dir,
        io::field(&meta, "model", "model.json")?,
        "model.json: model",
    )?;
    let model = crate::commands::load_model(&onnx, cfg, calibration.as_ref())?;
    if model.digest != digest {
        refuse!(
            "{}: does not match the model_digest in model.json",
            onnx.display()
        );
    }
    let planned = slice::plan(&model, &plan)?;
    let listed = io::field(&meta, "slices", "model.json")?
        .as_array()
        .context_with(|| "model.json: slices must be a list".to_string())?;
    if listed.len() != planned.len() {
        refuse!(
            "model.json lists {} slices, its plan '{}' makes {}",
            listed.len(),
            io::str_field(&meta, "slices_plan", "model.json")?,
            planned.len()
        );
    }
    let mut circuits = Vec::with_capacity(planned.len());
    let mut digests = Vec::with_capacity(planned.len());
    for (s, m) in planned.into_iter().zip(listed) {
        let i = s.index;
        let what = format!("model.json: slices[{i}]");
        if io::uint_field::<usize>(m, "index", &what)? != i {
            refuse!("{what}: index {} where the plan has {i}", m["index"]);
        }
        let range = io::field(m, "layer_range", &what)?;
        if *range != json!([s.layers.start, s.layers.end]) {
            refuse!(
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
        let listed_digest = io::unhex32(io::str_field(m, "circuit_digest", &what)?)
            .context_with(|| format!("{what}.circuit_digest"))?;
        digests.push(listed_digest);
        if !wanted(i) {
            continue;
        }
        let bytes = io::read_capped(&path, io::cap::CIRCUIT)?;
        let prepared = prover::gkr::PreparedCircuit::from_bytes(&bytes)
            .context_with(|| format!("{}: not a valid circuit", path.display()))?;
        let c = prepared.circuit();
        let (ni, no) = (s.input_len(&model), s.output_len(&model));
        if (c.num_public as usize, c.public_outputs.len()) != (ni, no) {
            refuse!(
                "slice {i}: {} reads {} inputs and writes {} outputs; the plan's slice {i} (layers {}..{}) reads {ni} and writes {no}",
                path.display(),
                c.num_public,
                c.public_outputs.len(),
                s.layers.start,
                s.layers.end
            );
        }
        if prepared.digest().0 != listed_digest {
            refuse!(
                "slice {i}: {} does not match its circuit_digest in model.json",
                path.display()
            );
        }
        let has_weights = c.input.region(circuits::RegionKind::Weights).is_some();
        let wc = io::field(m, "weights_commitment", &what)?;
        let weights_commitment = match (has_weights, wc) {
            (false, Value::Null) => None,
            (true, Value::String(h)) => {
                Some(io::unhex32(h).context_with(|| format!("{what}.weights_commitment"))?)
            }
            (true, _) => refuse!(
                "{what}: weights_commitment must be the hex commitment of the slice's weights, got {wc}"
            ),
            (false, _) => refuse!("{what}: weights_commitment {wc} for a slice without weights"),
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
        digests,
        circuits,
    })
}

/// Loads a compiled folder for proving the slices `wanted` selects: their circuits, plus
/// each one's program rebuilt from the model copy and its weights memory-mapped from the
/// store (checked against model.json's commitment).
pub fn load_for_proving(dir: &Path, wanted: impl Fn(usize) -> bool) -> Result<Loaded> {
    let c = load_circuits(dir, wanted)?;
    let store = weights::WeightStore::open(&io::regular(&dir.join("weights.safetensors"))?)?;
    let mut slices = Vec::with_capacity(c.circuits.len());
    for lc in c.circuits {
        let t = std::time::Instant::now();
        let sp = blueprints::pipeline::build(&c.model, &lc.slice)?;
        let weights = store.get(&format!("slice_{}", lc.slice.index))?;
        if engine::weights_commitment(lc.prepared.circuit(), &weights) != lc.weights_commitment {
            refuse!(
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
            compile: Figures {
                wall_s: t.elapsed().as_secs_f64(),
                ..Default::default()
            },
        });
    }
    Ok(Loaded {
        model: c.model,
        meta: c.meta,
        digests: c.digests,
        slices,
    })
}
