//! ONNX import (onnx-rs, pinned): the ops lamina proves, with their attributes checked.
//! Anything else is refused with the op, the node and the supported list.

use crate::{BlueprintError, Result};
use onnx_rs::ast::{DataType, OpType};
use std::collections::HashMap;

/// Ops lamina imports.
pub const SUPPORTED: &str = "Conv (2-D, dilation 1, group 1), Gemm (alpha = beta = 1), Relu, MaxPool (ceil_mode 0), Flatten, Reshape, Add";

/// One imported op.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// 2-D convolution.
    Conv {
        /// Weight initializer `[cout, cin, kh, kw]`.
        weight: String,
        /// Bias initializer `[cout]`, if any.
        bias: Option<String>,
        /// Kernel (height, width).
        kernel: (usize, usize),
        /// Strides (height, width).
        stride: (usize, usize),
        /// Pads (top, left, bottom, right).
        pads: [usize; 4],
    },
    /// `A·B + C` with transposes.
    Gemm {
        /// B initializer.
        weight: String,
        /// C initializer, if any.
        bias: Option<String>,
        /// transA.
        trans_a: bool,
        /// transB.
        trans_b: bool,
    },
    /// ReLU.
    Relu,
    /// 2-D max-pool.
    MaxPool {
        /// Kernel (height, width).
        kernel: (usize, usize),
        /// Strides (height, width).
        stride: (usize, usize),
        /// Pads (top, left, bottom, right).
        pads: [usize; 4],
    },
    /// Flatten from `axis`.
    Flatten {
        /// The axis.
        axis: i64,
    },
    /// Reshape to a constant shape.
    Reshape {
        /// Target shape (ONNX semantics: 0 copies, −1 infers).
        shape: Vec<i64>,
    },
    /// Elementwise add: of two activations, or of one and an initializer.
    Add {
        /// The initializer operand, if any.
        constant: Option<String>,
    },
}

/// One node: its op, activation inputs (initializers excluded) and output.
#[derive(Clone, Debug)]
pub struct Node {
    /// Node name (or `op_N` when unnamed).
    pub name: String,
    /// The op.
    pub op: Op,
    /// Activation inputs.
    pub inputs: Vec<String>,
    /// Output value name.
    pub output: String,
}

/// A float tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// Dimensions.
    pub dims: Vec<usize>,
    /// Values, row-major.
    pub data: Vec<f32>,
}

/// The imported graph.
#[derive(Clone, Debug)]
pub struct Graph {
    /// Graph input name.
    pub input: String,
    /// Input shape without the batch dimension.
    pub input_shape: Vec<usize>,
    /// Graph output name.
    pub output: String,
    /// Nodes in topological order.
    pub nodes: Vec<Node>,
    /// Initializers by name.
    pub initializers: HashMap<String, Tensor>,
    /// Fully fixed shapes the graph declares (outputs and `value_info`), with batch.
    pub declared: HashMap<String, Vec<i64>>,
}

fn bad(node: &str, op: &str, reason: impl Into<String>) -> BlueprintError {
    BlueprintError::Unsupported {
        node: node.to_string(),
        op: op.to_string(),
        reason: reason.into(),
    }
}

fn pair(v: &[i64], node: &str, op: &str, what: &str) -> Result<(usize, usize)> {
    match v {
        [a, b] if *a > 0 && *b > 0 => Ok((*a as usize, *b as usize)),
        _ => Err(bad(
            node,
            op,
            format!("{what} must be two positive values, got {v:?}"),
        )),
    }
}

fn pads4(v: &[i64], node: &str, op: &str) -> Result<[usize; 4]> {
    match v {
        [] => Ok([0; 4]),
        // ONNX order: [top, left, bottom, right].
        [t, l, b, r] if v.iter().all(|&x| x >= 0) => {
            Ok([*t as usize, *l as usize, *b as usize, *r as usize])
        }
        _ => Err(bad(
            node,
            op,
            format!("pads must be 4 non-negative values, got {v:?}"),
        )),
    }
}

/// The attributes each op understands; any other attribute is refused (never ignored).
/// `None` for ops that are refused anyway.
fn known_attributes(op: &OpType) -> Option<&'static [&'static str]> {
    Some(match op {
        OpType::Conv => &[
            "auto_pad",
            "dilations",
            "group",
            "kernel_shape",
            "pads",
            "strides",
        ],
        OpType::Gemm => &["alpha", "beta", "transA", "transB"],
        OpType::Relu | OpType::Add => &[],
        OpType::MaxPool => &[
            "auto_pad",
            "ceil_mode",
            "dilations",
            "kernel_shape",
            "pads",
            "storage_order",
            "strides",
        ],
        OpType::Flatten => &["axis"],
        OpType::Reshape => &["allowzero"],
        OpType::Constant => &["value"],
        _ => return None,
    })
}

/// Whether `auto_pad` is absent or NOTSET/VALID with no explicit pads (VALID means no
/// padding). SAME_UPPER/SAME_LOWER change the output shape: refused here.
fn check_auto_pad(
    attr: Option<&onnx_rs::ast::Attribute<'_>>,
    pads: &[i64],
    node: &str,
    op: &str,
) -> Result<()> {
    match attr.map(|a| a.s) {
        None | Some(b"" | b"NOTSET") => Ok(()),
        Some(b"VALID") if pads.iter().all(|&p| p == 0) => Ok(()),
        Some(other) => Err(bad(
            node,
            op,
            format!(
                "auto_pad {} is not supported; supported: NOTSET (explicit pads) or VALID",
                String::from_utf8_lossy(other)
            ),
        )),
    }
}

/// Parses ONNX bytes into the supported graph.
pub fn import(bytes: &[u8]) -> Result<Graph> {
    let model = onnx_rs::parse(bytes).map_err(|e| BlueprintError::Onnx(format!("{e}")))?;
    let g = model
        .graph
        .as_ref()
        .ok_or_else(|| BlueprintError::Onnx("the model has no graph".into()))?;
    let mut initializers = HashMap::new();
    // i64 constants (Reshape shapes) from initializers and Constant nodes.
    let mut constants: HashMap<String, Vec<i64>> = HashMap::new();
    for t in &g.initializer {
        if t.data_type() == DataType::Int64 {
            constants.insert(
                t.name().to_string(),
                t.as_i64().map(|v| v.into_owned()).unwrap_or_default(),
            );
            continue;
        }
        if t.data_type() != DataType::Float {
            return Err(BlueprintError::Onnx(format!(
                "initializer '{}' has type {:?}; only float32 is supported",
                t.name(),
                t.data_type()
            )));
        }
        let data = t
            .as_f32()
            .ok_or_else(|| {
                BlueprintError::Onnx(format!("initializer '{}' has no float data", t.name()))
            })?
            .into_owned();
        let dims: Vec<usize> = t.dims().iter().map(|&d| d.max(0) as usize).collect();
        if dims.iter().product::<usize>() != data.len() {
            return Err(BlueprintError::Onnx(format!(
                "initializer '{}': dims {:?} do not match {} values",
                t.name(),
                dims,
                data.len()
            )));
        }
        initializers.insert(t.name().to_string(), Tensor { dims, data });
    }
    let inputs: Vec<_> = g
        .input
        .iter()
        .filter(|i| !initializers.contains_key(i.name))
        .collect();
    let [input] = inputs.as_slice() else {
        return Err(BlueprintError::Onnx(format!(
            "expected one graph input, found {}",
            inputs.len()
        )));
    };
    let dims = input
        .tensor_shape()
        .and_then(|s| s.fixed_dims())
        .unwrap_or_default();
    let input_shape: Vec<usize> = match dims.split_first() {
        Some((&b, rest)) if b <= 1 && !rest.is_empty() => {
            rest.iter().map(|&d| d.max(1) as usize).collect()
        }
        _ => {
            return Err(BlueprintError::Onnx(format!(
                "input '{}' needs a fixed shape [1, ...], got {dims:?}",
                input.name
            )));
        }
    };
    let [output] = g.output.as_slice() else {
        return Err(BlueprintError::Onnx(format!(
            "expected one graph output, found {}",
            g.output.len()
        )));
    };
    let mut nodes = Vec::new();
    for (i, n) in g.node.iter().enumerate() {
        let name = if n.name.is_empty() {
            format!("{}_{i}", n.op_type.as_str())
        } else {
            n.name.to_string()
        };
        let op_name = n.op_type.as_str().to_string();
        if !matches!(n.domain, "" | "ai.onnx") {
            return Err(bad(
                &name,
                &op_name,
                format!(
                    "domain '{}' is not supported; only the default ONNX domain",
                    n.domain
                ),
            ));
        }
        let attr = |k: &str| n.attribute.iter().find(|a| a.name == k);
        let ints = |k: &str| attr(k).map(|a| a.ints.clone()).unwrap_or_default();
        let int = |k: &str, d: i64| attr(k).map_or(d, |a| a.i);
        let float = |k: &str, d: f32| attr(k).map_or(d, |a| a.f);
        if let Some(allowed) = known_attributes(&n.op_type)
            && let Some(a) = n.attribute.iter().find(|a| !allowed.contains(&a.name))
        {
            return Err(bad(
                &name,
                &op_name,
                format!(
                    "attribute '{}' is not supported; supported attributes: {}",
                    a.name,
                    if allowed.is_empty() {
                        "none".to_string()
                    } else {
                        allowed.join(", ")
                    }
                ),
            ));
        }
        let out = match n.output.as_slice() {
            [out] => out,
            // MaxPool's optional Indices output, when named, is refused below.
            [out, ..] if n.op_type == OpType::MaxPool => out,
            _ => return Err(bad(&name, &op_name, "expected one output")),
        };
        let acts = |n: &onnx_rs::ast::Node| -> Vec<String> {
            n.input
                .iter()
                .filter(|s| {
                    !s.is_empty() && !initializers.contains_key(**s) && !constants.contains_key(**s)
                })
                .map(|s| s.to_string())
                .collect()
        };
        let op = match &n.op_type {
            OpType::Constant => {
                let t = attr("value")
                    .and_then(|a| a.t.as_ref())
                    .ok_or_else(|| bad(&name, &op_name, "Constant without a tensor value"))?;
                if let Some(v) = t.as_i64() {
                    constants.insert(out.to_string(), v.into_owned());
                } else if let Some(v) = t.as_f32() {
                    let dims = t.dims().iter().map(|&d| d.max(0) as usize).collect();
                    initializers.insert(
                        out.to_string(),
                        Tensor {
                            dims,
                            data: v.into_owned(),
                        },
                    );
                } else {
                    return Err(bad(&name, &op_name, "Constant of an unsupported type"));
                }
                continue;
            }
            OpType::Conv => {
                if ints("dilations").iter().any(|&d| d != 1) {
                    return Err(bad(&name, &op_name, "dilation must be 1"));
                }
                if int("group", 1) != 1 {
                    return Err(bad(&name, &op_name, "group must be 1"));
                }
                check_auto_pad(attr("auto_pad"), &ints("pads"), &name, &op_name)?;
                let weight = n
                    .input
                    .get(1)
                    .filter(|w| initializers.contains_key(**w))
                    .ok_or_else(|| bad(&name, &op_name, "weights must be an initializer"))?;
                let bias = n
                    .input
                    .get(2)
                    .filter(|s| !s.is_empty())
                    .map(|s| s.to_string());
                let w = &initializers[*weight];
                if w.dims.len() != 4 {
                    return Err(bad(
                        &name,
                        &op_name,
                        format!(
                            "only 2-D convolution (4-D weights) is supported, weights are {:?}",
                            w.dims
                        ),
                    ));
                }
                let kernel = if attr("kernel_shape").is_some() {
                    pair(&ints("kernel_shape"), &name, &op_name, "kernel_shape")?
                } else {
                    (w.dims[2], w.dims[3])
                };
                let strides = ints("strides");
                let stride = if strides.is_empty() {
                    (1, 1)
                } else {
                    pair(&strides, &name, &op_name, "strides")?
                };
                Op::Conv {
                    weight: weight.to_string(),
                    bias,
                    kernel,
                    stride,
                    pads: pads4(&ints("pads"), &name, &op_name)?,
                }
            }
            OpType::Gemm => {
                if (float("alpha", 1.0) - 1.0).abs() > 1e-6
                    || (float("beta", 1.0) - 1.0).abs() > 1e-6
                {
                    return Err(bad(&name, &op_name, "alpha and beta must be 1"));
                }
                if int("transA", 0) != 0 {
                    return Err(bad(&name, &op_name, "transA must be 0"));
                }
                let weight = n
                    .input
                    .get(1)
                    .filter(|w| initializers.contains_key(**w))
                    .ok_or_else(|| bad(&name, &op_name, "B must be an initializer"))?;
                let bias = n
                    .input
                    .get(2)
                    .filter(|s| !s.is_empty())
                    .map(|s| s.to_string());
                Op::Gemm {
                    weight: weight.to_string(),
                    bias,
                    trans_a: int("transA", 0) != 0,
                    trans_b: int("transB", 0) != 0,
                }
            }
            OpType::Relu => Op::Relu,
            OpType::MaxPool => {
                if int("ceil_mode", 0) != 0 {
                    return Err(bad(&name, &op_name, "ceil_mode must be 0"));
                }
                if ints("dilations").iter().any(|&d| d != 1) {
                    return Err(bad(&name, &op_name, "dilation must be 1"));
                }
                if n.output.iter().skip(1).any(|o| !o.is_empty()) {
                    return Err(bad(&name, &op_name, "the Indices output is not supported"));
                }
                // storage_order only changes the Indices output, refused above.
                check_auto_pad(attr("auto_pad"), &ints("pads"), &name, &op_name)?;
                let kernel = pair(&ints("kernel_shape"), &name, &op_name, "kernel_shape")?;
                let strides = ints("strides");
                let stride = if strides.is_empty() {
                    (1, 1)
                } else {
                    pair(&strides, &name, &op_name, "strides")?
                };
                Op::MaxPool {
                    kernel,
                    stride,
                    pads: pads4(&ints("pads"), &name, &op_name)?,
                }
            }
            OpType::Flatten => Op::Flatten {
                axis: int("axis", 1),
            },
            OpType::Reshape => {
                let src = n
                    .input
                    .get(1)
                    .ok_or_else(|| bad(&name, &op_name, "missing shape input"))?;
                let shape = constants
                    .get(*src)
                    .cloned()
                    .ok_or_else(|| bad(&name, &op_name, "the shape must be a constant"))?;
                if int("allowzero", 0) != 0 && shape.contains(&0) {
                    return Err(bad(
                        &name,
                        &op_name,
                        "allowzero = 1 with a 0 in the shape is not supported",
                    ));
                }
                Op::Reshape { shape }
            }
            OpType::Add => Op::Add {
                constant: n
                    .input
                    .iter()
                    .find(|s| initializers.contains_key(**s))
                    .map(|s| s.to_string()),
            },
            other => {
                return Err(BlueprintError::UnsupportedOp {
                    op: other.as_str().to_string(),
                    node: name,
                    supported: SUPPORTED,
                });
            }
        };
        let mut ins = acts(n);
        if matches!(op, Op::Reshape { .. }) {
            ins.truncate(1);
        }
        nodes.push(Node {
            name,
            op,
            inputs: ins,
            output: out.to_string(),
        });
    }
    let declared = g
        .output
        .iter()
        .chain(&g.value_info)
        .filter_map(|v| {
            let d = v.tensor_shape()?.fixed_dims()?;
            // 0 is how an unset dimension decodes: not a declaration.
            (!d.contains(&0)).then(|| (v.name.to_string(), d))
        })
        .collect();
    Ok(Graph {
        declared,
        input: input.name.to_string(),
        input_shape,
        output: output.name.to_string(),
        nodes,
        initializers,
    })
}
