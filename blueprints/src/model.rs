//! The model lamina proves: the imported ONNX graph walked generically. Each node goes to
//! its op in [`crate::layers::REGISTRY`] with its operands (activations with their full
//! ONNX shapes and bounds, or constants); the op validates its attributes, infers its
//! output shapes, and builds its quantized layers, possibly absorbing the nodes that
//! follow (a ReLU or BatchNormalization after a Conv/Gemm). Nodes whose inputs are all
//! constants are folded by their float reference (shape chains such as
//! Shape → Gather → Unsqueeze → Concat → Reshape). Inferred shapes are checked against the
//! shapes the graph declares. Bounds propagate from the declared input range, or come from
//! a calibration ([`crate::calibrate()`]).

use crate::layers::{self, Blueprint, Built, Cx, Operand};
use crate::onnx::{self, Graph, Tensor};
use crate::quant::QuantConfig;
use crate::{BlueprintError, Result};
use std::collections::HashMap;
use std::path::Path;

/// One (fused) layer.
#[derive(Debug)]
pub struct Layer {
    /// Node name in the ONNX graph (the first node of a fused group).
    pub name: String,
    /// The blueprint, quantized.
    pub bp: Box<dyn Blueprint>,
    /// Value ids of the activation inputs.
    pub inputs: Vec<usize>,
    /// Value id of the output.
    pub output: usize,
}

impl Layer {
    /// Whether the layer has parameters (starts a slice in the `layers` plan).
    pub fn has_params(&self) -> bool {
        matches!(self.bp.kind(), "conv2d" | "gemm" | "matmul")
    }
}

/// A quantized model. Value 0 is the model input.
#[derive(Debug)]
pub struct Model {
    /// The quantization settings.
    pub quant: QuantConfig,
    /// Layers in evaluation order.
    pub layers: Vec<Layer>,
    /// Shape of every value as reported (a leading batch of 1 dropped, as lamina has
    /// always reported them); [`Model::dims`] holds the full ONNX shapes.
    pub shapes: Vec<Vec<usize>>,
    /// Full ONNX shape of every value, batch included.
    pub dims: Vec<Vec<usize>>,
    /// Bound on |value| (integer units at α) of every value, as the range checks use it.
    pub bounds: Vec<i64>,
    /// ONNX name of every value (a fused layer's value is named by its last node's output).
    pub names: Vec<String>,
    /// The model output's value id.
    pub output: usize,
    /// BLAKE3 of the ONNX bytes.
    pub digest: [u8; 32],
    /// External-data files the model reads, relative to its folder (they are part of
    /// the model: [`Model::digest`] covers them, and a compiled folder keeps copies).
    pub external_files: Vec<String>,
}

/// Per-value bounds to use instead of the worst case (see [`crate::calibrate()`]).
pub type Bounds = HashMap<String, i64>;

enum Val {
    Act(usize),
    Const(Tensor),
}

fn legacy_shape(d: &[usize]) -> Vec<usize> {
    match d {
        [1, rest @ ..] if !rest.is_empty() => rest.to_vec(),
        _ => d.to_vec(),
    }
}

impl Model {
    /// Imports and quantizes an ONNX model given as bytes (weights inline).
    pub fn from_onnx(bytes: &[u8], quant: QuantConfig) -> Result<Model> {
        Model::from_graph(onnx::import(bytes)?, bytes, quant, None)
    }

    /// Imports and quantizes the ONNX model at `path`; external-data weights are read
    /// from files beside it.
    pub fn from_onnx_file(path: &Path, quant: QuantConfig) -> Result<Model> {
        let bytes = std::fs::read(path).map_err(|e| {
            BlueprintError::UnsupportedFormat(format!("reading {}: {e}", path.display()))
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let base = if base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            base
        };
        Model::from_graph(onnx::import_with(&bytes, Some(base))?, &bytes, quant, None)
    }

    /// Imports the ONNX model at `path` (or bytes with `base` as the folder of external
    /// data) with the calibrated bounds of [`crate::calibrate()`].
    pub fn from_onnx_calibrated(
        bytes: &[u8],
        base: Option<&Path>,
        quant: QuantConfig,
        calibration: &crate::calibrate::Calibration,
    ) -> Result<Model> {
        let g = onnx::import_with(bytes, base)?;
        Model::from_graph(g, bytes, quant, Some(&calibration.bounds))
    }

    /// Builds the model from an imported graph. With `calibrated`, each layer's output
    /// bound (by the name of the value it produces) replaces the worst case where smaller.
    pub fn from_graph(
        g: Graph,
        bytes: &[u8],
        quant: QuantConfig,
        calibrated: Option<&Bounds>,
    ) -> Result<Model> {
        Model::walk(g, bytes, quant, calibrated, true)
    }

    /// The graph walker; `fuse_relu` false keeps every ReLU a layer of its own.
    pub(crate) fn walk(
        mut g: Graph,
        bytes: &[u8],
        quant: QuantConfig,
        calibrated: Option<&Bounds>,
        fuse_relu: bool,
    ) -> Result<Model> {
        let external = std::mem::take(&mut g.external);
        let kappa = quant.scale_bits;
        let mut vals: HashMap<String, Val> = g
            .initializers
            .iter()
            .map(|(k, t)| (k.clone(), Val::Const(t.clone())))
            .collect();
        vals.insert(g.input.clone(), Val::Act(0));
        let mut dims = vec![g.input_dims.clone()];
        let mut bounds = vec![quant.input_bound()];
        let mut names = vec![g.input.clone()];
        let mut consumers: HashMap<&str, usize> = HashMap::new();
        for n in &g.nodes {
            for i in n.inputs.iter().filter(|s| !s.is_empty()) {
                *consumers.entry(i.as_str()).or_default() += 1;
            }
        }
        for o in &g.outputs {
            *consumers.entry(o.as_str()).or_default() += 1;
        }
        let mut layers: Vec<Layer> = Vec::new();
        let mut skip = vec![false; g.nodes.len()];
        for (k, n) in g.nodes.iter().enumerate() {
            if skip[k] {
                continue;
            }
            let op = layers::find(&n.op_type).ok_or_else(|| BlueprintError::UnsupportedOp {
                op: n.op_type.clone(),
                node: n.name.clone(),
                supported: layers::supported(),
            })?;
            let allowed = op.attributes();
            if let Some(a) = n.attrs.iter().find(|a| !allowed.contains(&a.name.as_str())) {
                return Err(BlueprintError::Unsupported {
                    node: n.name.clone(),
                    op: n.op_type.clone(),
                    reason: format!(
                        "attribute '{}' is not supported; supported attributes: {}",
                        a.name,
                        if allowed.is_empty() {
                            "none".to_string()
                        } else {
                            allowed.join(", ")
                        }
                    ),
                });
            }
            let operands: Vec<Operand<'_>> = n
                .inputs
                .iter()
                .map(|i| {
                    if i.is_empty() {
                        return Ok(Operand::Absent);
                    }
                    match vals.get(i) {
                        Some(Val::Const(t)) => Ok(Operand::Const(t)),
                        Some(Val::Act(id)) => Ok(Operand::Act {
                            dims: &dims[*id],
                            bound: bounds[*id],
                        }),
                        None => Err(BlueprintError::Shape {
                            what: format!("node '{}' ({})", n.name, n.op_type),
                            reason: format!("input '{i}' is not produced by an earlier node"),
                        }),
                    }
                })
                .collect::<Result<_>>()?;
            let folding = op.foldable()
                && operands.iter().any(|o| matches!(o, Operand::Const(_)))
                && operands.iter().all(|o| !matches!(o, Operand::Act { .. }));
            // Fusion candidates: each the sole consumer of the previous output, reading
            // nothing else but constants.
            let mut chain = Vec::new();
            let mut cur = n.outputs.first().filter(|_| n.outputs.len() == 1);
            while let Some(c) = cur {
                if chain.len() >= 3
                    || consumers.get(c.as_str()) != Some(&1)
                    || g.outputs.contains(c)
                {
                    break;
                }
                let Some((j, m)) = g
                    .nodes
                    .iter()
                    .enumerate()
                    .skip(k + 1)
                    .find(|(_, m)| m.inputs.contains(c))
                else {
                    break;
                };
                let others_const = m
                    .inputs
                    .iter()
                    .filter(|s| *s != c && !s.is_empty())
                    .all(|s| matches!(vals.get(s), Some(Val::Const(_))));
                if skip[j] || !others_const || m.inputs.first() != Some(c) {
                    break;
                }
                chain.push(m);
                cur = m.outputs.first().filter(|_| m.outputs.len() == 1);
            }
            let lookup = |s: &str| match vals.get(s) {
                Some(Val::Const(t)) => Some(t),
                _ => None,
            };
            let mut cx = Cx {
                consts: &lookup,
                node: n,
                operands,
                kappa,
                folding,
                chain,
                absorbed: 0,
                calibrated,
                fuse_relu,
            };
            let built = op.build(&mut cx)?;
            let absorbed_idx: Vec<usize> = cx.chain[..cx.absorbed]
                .iter()
                .filter_map(|m| g.nodes.iter().position(|x| std::ptr::eq(x, *m)))
                .collect();
            // The operands borrow the values; they end here.
            drop(cx);
            let out_names: &[String] = absorbed_idx
                .last()
                .map_or(&n.outputs, |&j| &g.nodes[j].outputs);
            match built {
                Built::Consts(ts) => {
                    for (name, t) in out_names.iter().zip(ts) {
                        vals.insert(name.clone(), Val::Const(t));
                    }
                }
                Built::Layers { reads, outputs } => {
                    if outputs.len() > out_names.len() {
                        return Err(BlueprintError::Shape {
                            what: format!("node '{}' ({})", n.name, n.op_type),
                            reason: format!(
                                "{} outputs built, {} named",
                                outputs.len(),
                                out_names.len()
                            ),
                        });
                    }
                    for &j in &absorbed_idx {
                        skip[j] = true;
                    }
                    let read_names: Vec<&String> = reads
                        .iter()
                        .map(|&r| {
                            n.inputs.get(r).ok_or_else(|| BlueprintError::Shape {
                                what: format!("node '{}' ({})", n.name, n.op_type),
                                reason: format!("reads input {r}, which does not exist"),
                            })
                        })
                        .collect::<Result<_>>()?;
                    for ((bp, d), name) in outputs.into_iter().zip(out_names) {
                        if bp.out_len() != layers::numel(&d) {
                            return Err(BlueprintError::Shape {
                                what: format!("node '{}' ({})", n.name, n.op_type),
                                reason: format!("builds {} values for shape {d:?}", bp.out_len()),
                            });
                        }
                        if folding {
                            let consts: Vec<&Tensor> = read_names
                                .iter()
                                .filter_map(|r| match vals.get(*r) {
                                    Some(Val::Const(t)) => Some(t),
                                    _ => None,
                                })
                                .collect();
                            let data: Vec<&[f64]> =
                                consts.iter().map(|t| t.data.as_slice()).collect();
                            let data = bp.float(&data);
                            // Data movement and arithmetic keep an integer type.
                            let int = consts.iter().all(|t| t.int);
                            vals.insert(name.clone(), Val::Const(Tensor { dims: d, data, int }));
                            continue;
                        }
                        let ins: Vec<usize> = read_names
                            .iter()
                            .map(|r| match vals.get(*r) {
                                Some(Val::Act(id)) => Ok(*id),
                                _ => Err(BlueprintError::Shape {
                                    what: format!("node '{}' ({})", n.name, n.op_type),
                                    reason: format!("input '{r}' is not an activation"),
                                }),
                            })
                            .collect::<Result<_>>()?;
                        if ins.len() != bp.arity() {
                            return Err(BlueprintError::Shape {
                                what: format!("node '{}' ({})", n.name, n.op_type),
                                reason: format!(
                                    "{} activation inputs, the layer takes {}",
                                    ins.len(),
                                    bp.arity()
                                ),
                            });
                        }
                        let id = dims.len();
                        bounds.push(bp.out_bound());
                        dims.push(d);
                        names.push(name.clone());
                        vals.insert(name.clone(), Val::Act(id));
                        layers.push(Layer {
                            name: n.name.clone(),
                            bp,
                            inputs: ins,
                            output: id,
                        });
                    }
                }
            }
        }
        if g.outputs.len() > 1 {
            // Several graph outputs: the model's output is their concatenation, flattened,
            // in graph order (one wiring layer, no gates).
            let mut map = Vec::new();
            let (mut ins, mut bs) = (Vec::new(), Vec::new());
            for o in &g.outputs {
                let Some(Val::Act(id)) = vals.get(o) else {
                    return Err(BlueprintError::UnsupportedFormat(format!(
                        "output '{o}' is not computed from the input"
                    )));
                };
                let k = ins.len();
                map.extend((0..layers::numel(&dims[*id])).map(|i| layers::wire::Src::In(k, i)));
                ins.push(*id);
                bs.push(bounds[*id]);
            }
            let name = g.outputs.join("+");
            let bp = layers::Wire::new(&name, "outputs", map, &bs);
            let id = dims.len();
            bounds.push(bp.out_bound());
            dims.push(vec![bp.out_len()]);
            names.push(name.clone());
            layers.push(Layer {
                name: name.clone(),
                bp: Box::new(bp),
                inputs: ins,
                output: id,
            });
            vals.insert(name.clone(), Val::Act(id));
            g.output = name;
        }
        let mut output = match vals.get(&g.output) {
            Some(Val::Act(id)) => *id,
            Some(Val::Const(_)) => {
                return Err(BlueprintError::UnsupportedFormat(format!(
                    "output '{}' does not depend on the input",
                    g.output
                )));
            }
            None => {
                return Err(BlueprintError::Shape {
                    what: "model".into(),
                    reason: format!("output '{}' is not produced by any node", g.output),
                });
            }
        };
        // Inferred shapes must agree with the shapes the graph declares.
        for (name, v) in &vals {
            let ours = match v {
                Val::Act(id) => &dims[*id],
                Val::Const(t) => &t.dims,
            };
            if let Some(d) = g.declared.get(name)
                && (d.len() != ours.len()
                    || d.iter().zip(ours).any(|(a, b)| a.is_some_and(|a| a != *b)))
            {
                let shown: Vec<String> = d
                    .iter()
                    .map(|v| v.map_or("?".to_string(), |x| x.to_string()))
                    .collect();
                return Err(BlueprintError::Shape {
                    what: format!("value '{name}'"),
                    reason: format!(
                        "the graph declares shape [{}], lamina infers {ours:?}",
                        shown.join(", ")
                    ),
                });
            }
        }
        if output == 0 {
            // The output is the input (an Identity/Dropout-only graph): one copy layer, so
            // the model still has a slice to prove.
            let d = dims[0].clone();
            let bp = layers::Reshape::new(&g.output, layers::numel(&d), bounds[0]);
            bounds.push(bounds[0]);
            dims.push(d);
            names.push(g.output.clone());
            output = dims.len() - 1;
            layers.push(Layer {
                name: g.output.clone(),
                bp: Box::new(bp),
                inputs: vec![0],
                output,
            });
        }
        Ok(Model {
            quant,
            layers,
            shapes: dims.iter().map(|d| legacy_shape(d)).collect(),
            dims,
            bounds,
            names,
            output,
            digest: model_digest(bytes, &external),
            external_files: external.files,
        })
    }

    /// Input element count.
    pub fn input_len(&self) -> usize {
        layers::numel(&self.dims[0])
    }

    /// The float reference forward pass of the whole model.
    pub fn float_forward(&self, x: &[f64]) -> Vec<f64> {
        self.float_values(x)
            .swap_remove(self.output)
            .unwrap_or_default()
    }

    /// Every value of the float forward pass, by value id.
    pub fn float_values(&self, x: &[f64]) -> Vec<Option<Vec<f64>>> {
        let mut vals: Vec<Option<Vec<f64>>> = vec![None; self.dims.len()];
        vals[0] = Some(x.to_vec());
        for l in &self.layers {
            let ins: Vec<&[f64]> = l
                .inputs
                .iter()
                .map(|&i| vals[i].as_deref().unwrap_or(&[]))
                .collect();
            vals[l.output] = Some(l.bp.float(&ins));
        }
        vals
    }

    /// Element count of a value.
    pub fn len_of(&self, value: usize) -> usize {
        layers::numel(&self.dims[value])
    }
}

/// The model's identity: BLAKE3 of the ONNX bytes when every weight is inline (so digests
/// of such models are unchanged), else a keyed hash over the ONNX bytes and the digest of
/// every external-data file, so no weight can change under the same model digest.
fn model_digest(bytes: &[u8], external: &crate::onnx::External) -> [u8; 32] {
    match external.digest {
        None => *blake3::hash(bytes).as_bytes(),
        Some(ext) => {
            let mut h = blake3::Hasher::new_derive_key("lamina model with external data v1");
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(bytes);
            h.update(&ext);
            *h.finalize().as_bytes()
        }
    }
}
