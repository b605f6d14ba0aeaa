//! The model lamina proves: imported ONNX, fused (Conv/Gemm followed by its only consumer
//! ReLU becomes one layer with a fused rescale+ReLU), shapes inferred without the batch
//! dimension (batch 1), every blueprint quantized with bounds propagated from the declared
//! input range.

use crate::layers::{
    Add, Blueprint, Conv2d, ConvGeometry, Gemm, MaxPool, PoolGeometry, Relu, Reshape,
};
use crate::onnx::{self, Op};
use crate::quant::QuantConfig;
use crate::{BlueprintError, Result};
use std::collections::HashMap;

/// One (fused) layer.
#[derive(Debug)]
pub struct Layer {
    /// Node name in the ONNX graph (the first node of a fused pair).
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
        matches!(self.bp.kind(), "conv2d" | "gemm")
    }
}

/// A quantized model. Value 0 is the model input.
#[derive(Debug)]
pub struct Model {
    /// The quantization settings.
    pub quant: QuantConfig,
    /// Layers in evaluation order.
    pub layers: Vec<Layer>,
    /// Shape of every value (no batch dimension).
    pub shapes: Vec<Vec<usize>>,
    /// The model output's value id.
    pub output: usize,
    /// BLAKE3 of the ONNX bytes.
    pub digest: [u8; 32],
}

fn numel(s: &[usize]) -> usize {
    s.iter().product()
}

/// A shape without its leading 1s.
fn strip_ones(s: &[usize]) -> &[usize] {
    let k = s.iter().take_while(|&&d| d == 1).count();
    &s[k..]
}

fn chw(shape: &[usize], what: &str) -> Result<(usize, usize, usize)> {
    match shape {
        [c, h, w] => Ok((*c, *h, *w)),
        _ => Err(BlueprintError::Shape {
            what: what.to_string(),
            reason: format!("expects a C×H×W activation, got {shape:?}"),
        }),
    }
}

impl Model {
    /// Imports and quantizes an ONNX model.
    pub fn from_onnx(bytes: &[u8], quant: QuantConfig) -> Result<Model> {
        let g = onnx::import(bytes)?;
        let kappa = quant.scale_bits;
        let mut ids: HashMap<String, usize> = HashMap::from([(g.input.clone(), 0)]);
        let mut shapes = vec![g.input_shape.clone()];
        let mut bounds = vec![quant.input_bound()];
        let mut consumers: HashMap<&str, usize> = HashMap::new();
        for n in &g.nodes {
            for i in &n.inputs {
                *consumers.entry(i.as_str()).or_default() += 1;
            }
        }
        let mut layers: Vec<Layer> = Vec::new();
        let mut skip = vec![false; g.nodes.len()];
        for (k, n) in g.nodes.iter().enumerate() {
            if skip[k] {
                continue;
            }
            let ins: Vec<usize> = n
                .inputs
                .iter()
                .map(|i| {
                    ids.get(i).copied().ok_or_else(|| BlueprintError::Shape {
                        what: format!("node '{}'", n.name),
                        reason: format!("input '{i}' is not produced by an earlier node"),
                    })
                })
                .collect::<Result<_>>()?;
            let x = *ins.first().ok_or_else(|| BlueprintError::Shape {
                what: format!("node '{}'", n.name),
                reason: "no activation input".into(),
            })?;
            let (xs, xb) = (shapes[x].clone(), bounds[x]);
            // Fuse a following ReLU that is this node's only consumer.
            let fuse = matches!(n.op, Op::Conv { .. } | Op::Gemm { .. })
                && n.output != g.output
                && consumers.get(n.output.as_str()) == Some(&1)
                && g.nodes
                    .get(k + 1)
                    .is_some_and(|m| matches!(m.op, Op::Relu) && m.inputs == [n.output.clone()]);
            let init = |name: &str| {
                g.initializers
                    .get(name)
                    .ok_or_else(|| BlueprintError::Shape {
                        what: format!("node '{}'", n.name),
                        reason: format!("initializer '{name}' missing"),
                    })
            };
            let (bp, shape): (Box<dyn Blueprint>, Vec<usize>) = match &n.op {
                Op::Conv {
                    weight,
                    bias,
                    kernel,
                    stride,
                    pads,
                } => {
                    let (c, h, w) = chw(&xs, &format!("conv '{}'", n.name))?;
                    let wt = init(weight)?;
                    if wt.dims[1] != c || (wt.dims[2], wt.dims[3]) != *kernel {
                        return Err(BlueprintError::Shape {
                            what: format!("conv '{}'", n.name),
                            reason: format!(
                                "weights {:?} do not match input channels {c} and kernel {kernel:?}",
                                wt.dims
                            ),
                        });
                    }
                    let cout = wt.dims[0];
                    let b = match bias {
                        Some(bn) => init(bn)?.data.clone(),
                        None => vec![0.0; cout],
                    };
                    let geom = ConvGeometry {
                        cin: c,
                        h,
                        w,
                        cout,
                        kh: kernel.0,
                        kw: kernel.1,
                        stride: *stride,
                        pads: *pads,
                    };
                    let (oh, ow) = geom.out_hw()?;
                    (
                        Box::new(Conv2d::new(&n.name, geom, &wt.data, &b, kappa, xb, fuse)?),
                        vec![cout, oh, ow],
                    )
                }
                Op::Gemm {
                    weight,
                    bias,
                    trans_a: _,
                    trans_b,
                } => {
                    // Batch 1: A is [1, K] (transA is refused at import).
                    if xs.len() != 1 {
                        return Err(BlueprintError::Shape {
                            what: format!("gemm '{}'", n.name),
                            reason: format!("A must be [1, K], got [1, {xs:?}]"),
                        });
                    }
                    let n_in = numel(&xs);
                    let wt = init(weight)?;
                    let [r, c] = wt.dims[..] else {
                        return Err(BlueprintError::Shape {
                            what: format!("gemm '{}'", n.name),
                            reason: format!("B must be 2-D, got {:?}", wt.dims),
                        });
                    };
                    let (n_out, k) = if *trans_b { (r, c) } else { (c, r) };
                    if k != n_in {
                        return Err(BlueprintError::Shape {
                            what: format!("gemm '{}'", n.name),
                            reason: format!("input has {n_in} values, B expects {k}"),
                        });
                    }
                    let w: Vec<f32> = if *trans_b {
                        wt.data.clone()
                    } else {
                        (0..n_out)
                            .flat_map(|o| (0..k).map(move |i| (o, i)))
                            .map(|(o, i)| wt.data[i * n_out + o])
                            .collect()
                    };
                    let b = match bias {
                        Some(bn) => {
                            let t = init(bn)?;
                            match t.data.len() {
                                1 => vec![t.data[0]; n_out],
                                l if l == n_out => t.data.clone(),
                                l => {
                                    return Err(BlueprintError::Shape {
                                        what: format!("gemm '{}'", n.name),
                                        reason: format!(
                                            "bias has {l} values, expected {n_out} or 1"
                                        ),
                                    });
                                }
                            }
                        }
                        None => vec![0.0; n_out],
                    };
                    (
                        Box::new(Gemm::new(&n.name, (n_in, n_out), &w, &b, kappa, xb, fuse)?),
                        vec![n_out],
                    )
                }
                Op::Relu => (Box::new(Relu::new(&n.name, numel(&xs), xb)), xs.clone()),
                Op::MaxPool {
                    kernel,
                    stride,
                    pads,
                } => {
                    let (c, h, w) = chw(&xs, &format!("maxpool '{}'", n.name))?;
                    let geom = PoolGeometry {
                        c,
                        h,
                        w,
                        kernel: *kernel,
                        stride: *stride,
                        pads: *pads,
                    };
                    let (oh, ow) = geom.out_hw()?;
                    (Box::new(MaxPool::new(&n.name, geom, xb)?), vec![c, oh, ow])
                }
                Op::Flatten { axis } => {
                    let full: Vec<usize> = std::iter::once(1).chain(xs.iter().copied()).collect();
                    let a = if *axis < 0 {
                        full.len() as i64 + axis
                    } else {
                        *axis
                    };
                    if !(0..=full.len() as i64).contains(&a) {
                        return Err(BlueprintError::Shape {
                            what: format!("flatten '{}'", n.name),
                            reason: format!("axis {axis} out of range"),
                        });
                    }
                    let (l, r) = (numel(&full[..a as usize]), numel(&full[a as usize..]));
                    let shape = if l == 1 { vec![r] } else { vec![l, r] };
                    (Box::new(Reshape::new(&n.name, numel(&xs), xb)), shape)
                }
                Op::Reshape { shape } => {
                    let full: Vec<usize> = std::iter::once(1).chain(xs.iter().copied()).collect();
                    let mut t: Vec<i64> = shape
                        .iter()
                        .enumerate()
                        .map(|(i, &d)| {
                            if d == 0 {
                                full.get(i).map_or(0, |&v| v as i64)
                            } else {
                                d
                            }
                        })
                        .collect();
                    let known: i64 = t.iter().filter(|&&d| d != -1).product();
                    if let Some(p) = t.iter().position(|&d| d == -1) {
                        t[p] = if known > 0 {
                            numel(&full) as i64 / known
                        } else {
                            0
                        };
                    }
                    let t: Vec<usize> = t.iter().map(|&d| d.max(0) as usize).collect();
                    if numel(&t) != numel(&full) {
                        return Err(BlueprintError::Shape {
                            what: format!("reshape '{}'", n.name),
                            reason: format!("cannot reshape {xs:?} to {shape:?}"),
                        });
                    }
                    let ours = if t.first() == Some(&1) && t.len() > 1 {
                        t[1..].to_vec()
                    } else {
                        t
                    };
                    (Box::new(Reshape::new(&n.name, numel(&xs), xb)), ours)
                }
                Op::Add { constant } => match (constant, ins.get(1)) {
                    (Some(c), _) => {
                        let t = init(c)?;
                        // Leading 1s never change which elements meet; anything else would
                        // broadcast, which this layer does not do.
                        if strip_ones(&t.dims) != strip_ones(&xs) {
                            return Err(BlueprintError::Shape {
                                what: format!("add '{}'", n.name),
                                reason: format!(
                                    "constant shape {:?} differs from the activation's [1, {}]; broadcasting is not supported",
                                    t.dims,
                                    xs.iter()
                                        .map(ToString::to_string)
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            });
                        }
                        (
                            Box::new(Add::with_constant(&n.name, &t.data, kappa, xb)?),
                            xs.clone(),
                        )
                    }
                    (None, Some(&y)) => {
                        if strip_ones(&shapes[y]) != strip_ones(&xs) {
                            return Err(BlueprintError::Shape {
                                what: format!("add '{}'", n.name),
                                reason: format!(
                                    "operands have shapes {xs:?} and {:?}; broadcasting is not supported",
                                    shapes[y]
                                ),
                            });
                        }
                        (
                            Box::new(Add::new(&n.name, numel(&xs), (xb, bounds[y]))),
                            xs.clone(),
                        )
                    }
                    (None, None) => {
                        return Err(BlueprintError::Shape {
                            what: format!("add '{}'", n.name),
                            reason: "needs two operands".into(),
                        });
                    }
                },
            };
            let out_name = if fuse {
                skip[k + 1] = true;
                g.nodes[k + 1].output.clone()
            } else {
                n.output.clone()
            };
            let id = shapes.len();
            bounds.push(bp.out_bound());
            shapes.push(shape);
            ids.insert(out_name, id);
            let arity = bp.arity();
            layers.push(Layer {
                name: n.name.clone(),
                bp,
                inputs: ins[..arity.min(ins.len())].to_vec(),
                output: id,
            });
        }
        let output = *ids.get(&g.output).ok_or_else(|| BlueprintError::Shape {
            what: "model".into(),
            reason: format!("output '{}' is not produced by any node", g.output),
        })?;
        // Inferred shapes must agree with the shapes the graph declares.
        for (name, &id) in &ids {
            if let Some(d) = g.declared.get(name) {
                let d: Vec<usize> = d.iter().map(|&v| v.max(0) as usize).collect();
                if strip_ones(&d) != strip_ones(&shapes[id]) {
                    return Err(BlueprintError::Shape {
                        what: format!("value '{name}'"),
                        reason: format!(
                            "the graph declares shape {d:?}, lamina infers [1, {}]",
                            shapes[id]
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
            }
        }
        if layers.is_empty() {
            return Err(BlueprintError::Shape {
                what: "model".into(),
                reason: "no layers".into(),
            });
        }
        Ok(Model {
            quant,
            layers,
            shapes,
            output,
            digest: *blake3::hash(bytes).as_bytes(),
        })
    }

    /// Input element count.
    pub fn input_len(&self) -> usize {
        numel(&self.shapes[0])
    }

    /// The float reference forward pass of layers `range`, from the value `input` holds.
    pub fn float_forward(&self, x: &[f64]) -> Vec<f64> {
        let mut vals: Vec<Option<Vec<f64>>> = vec![None; self.shapes.len()];
        vals[0] = Some(x.to_vec());
        for l in &self.layers {
            let ins: Vec<&[f64]> = l
                .inputs
                .iter()
                .map(|&i| vals[i].as_deref().unwrap_or(&[]))
                .collect();
            vals[l.output] = Some(l.bp.float(&ins));
        }
        vals[self.output].take().unwrap_or_default()
    }

    /// Element count of a value.
    pub fn len_of(&self, value: usize) -> usize {
        numel(&self.shapes[value])
    }
}
