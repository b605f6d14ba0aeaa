//! ONNX import (onnx-rs, pinned) into an owned graph: constants (initializers of any
//! numeric type, inline or external data beside the model, converted to f64), the one
//! activation input with its shape (a symbolic or unset batch dimension is batch 1), the
//! nodes with Identity and inference-mode Dropout removed, and the shapes the graph
//! declares. Which ops exist and what their attributes mean is the op files' business
//! (`layers`); this module only reads the file. "Malformed" is reserved for files that
//! do not parse or contradict themselves; what lamina does not handle is "unsupported".

use crate::{BlueprintError, Result};
use onnx_rs::ast::{DataLocation, DataType, Dimension, TensorProto};
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path};

/// A constant tensor, values converted to f64 (integers exact below 2^53).
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// Dimensions.
    pub dims: Vec<usize>,
    /// Values, row-major.
    pub data: Vec<f64>,
    /// Whether the ONNX type is an integer (or bool) type: integer division truncates.
    pub int: bool,
}

impl Tensor {
    /// The values as integers, refusing non-integral ones.
    pub fn ints(&self) -> Option<Vec<i64>> {
        self.data
            .iter()
            .map(|&v| {
                // `as` saturates: INT64_MAX ends of Slice stay the largest index.
                (v.fract() == 0.0 && v.is_finite()).then_some(v as i64)
            })
            .collect()
    }
}

/// One attribute, owned.
#[derive(Clone, Debug, Default)]
pub struct Attr {
    /// Name.
    pub name: String,
    /// Int value.
    pub i: i64,
    /// Float value.
    pub f: f32,
    /// String value.
    pub s: Vec<u8>,
    /// Ints value.
    pub ints: Vec<i64>,
    /// Floats value.
    pub floats: Vec<f32>,
    /// Tensor value (Constant).
    pub t: Option<Tensor>,
}

/// One node, owned.
#[derive(Clone, Debug)]
pub struct Node {
    /// Node name (or `Op_N` when unnamed).
    pub name: String,
    /// ONNX op type.
    pub op_type: String,
    /// Input value names (`""` for an omitted optional input).
    pub inputs: Vec<String>,
    /// Output value names (`""` for an omitted optional output).
    pub outputs: Vec<String>,
    /// Attributes.
    pub attrs: Vec<Attr>,
}

impl Node {
    /// The attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }
}

/// The imported graph.
#[derive(Clone, Debug)]
pub struct Graph {
    /// Graph input name.
    pub input: String,
    /// Input shape, batch included (a symbolic batch is 1).
    pub input_dims: Vec<usize>,
    /// Graph output name (the first).
    pub output: String,
    /// Every graph output name, in order (the model proves their concatenation).
    pub outputs: Vec<String>,
    /// Nodes in file order (Identity and inference Dropout removed).
    pub nodes: Vec<Node>,
    /// Constants by name (initializers).
    pub initializers: HashMap<String, Tensor>,
    /// Shapes the graph declares (outputs and `value_info`), batch included; `None` for a
    /// dimension left symbolic or unset.
    pub declared: HashMap<String, Vec<Option<usize>>>,
    /// External-data files the tensors read, relative to the model's folder (sorted,
    /// distinct), with a digest over their names and whole contents: the model is the
    /// `.onnx` bytes *and* these files, so its digest must cover both.
    pub external: External,
}

/// The external-data files of a model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct External {
    /// Locations, relative to the model's folder, sorted and distinct.
    pub files: Vec<String>,
    /// BLAKE3 over each file's location, length and bytes, in `files` order; `None` when
    /// the model has no external data.
    pub digest: Option<[u8; 32]>,
}

/// The external-data location a tensor names, if any.
fn location<'a>(t: &TensorProto<'a>) -> Option<&'a str> {
    t.external_data()
        .iter()
        .find(|e| e.key == "location")
        .map(|e| e.value)
}

/// Digests every external-data file the model's tensors name. Each was already read,
/// checked and confined to the model's folder by [`external_bytes`]; here the whole file
/// is hashed so that no byte of it can change under the same model digest.
fn external_files<'a>(
    tensors: impl Iterator<Item = &'a TensorProto<'a>>,
    base: Option<&Path>,
) -> Result<External> {
    let mut files: Vec<String> = tensors.filter_map(location).map(str::to_string).collect();
    files.sort();
    files.dedup();
    let (Some(base), false) = (base, files.is_empty()) else {
        return Ok(External::default());
    };
    let mut h = blake3::Hasher::new_derive_key("lamina onnx external data v1");
    for f in &files {
        let path = base.join(f);
        let bytes = std::fs::read(&path)
            .map_err(|e| malformed(format!("external data {}: {e}", path.display())))?;
        h.update(&(f.len() as u64).to_le_bytes());
        h.update(f.as_bytes());
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Ok(External {
        files,
        digest: Some(*h.finalize().as_bytes()),
    })
}

fn malformed(m: impl Into<String>) -> BlueprintError {
    BlueprintError::Onnx(m.into())
}

fn unsupported(what: impl Into<String>) -> BlueprintError {
    BlueprintError::UnsupportedFormat(what.into())
}

/// IEEE half to f32.
fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f32::from(h & 0x3ff);
    match exp {
        0 => sign * frac * 2f32.powi(-24),
        31 if frac == 0.0 => sign * f32::INFINITY,
        31 => f32::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2f32.powi(e - 15),
    }
}

/// Bytes per element of a numeric type lamina reads.
fn elem_size(dt: DataType) -> Option<usize> {
    Some(match dt {
        DataType::Float | DataType::Int32 | DataType::Uint32 => 4,
        DataType::Double | DataType::Int64 | DataType::Uint64 => 8,
        DataType::Float16 | DataType::Bfloat16 | DataType::Int16 | DataType::Uint16 => 2,
        DataType::Int8 | DataType::Uint8 | DataType::Bool => 1,
        _ => return None,
    })
}

/// Little-endian bytes of `dt` to f64.
fn decode(bytes: &[u8], dt: DataType) -> Vec<f64> {
    let Some(sz) = elem_size(dt) else {
        return Vec::new();
    };
    bytes
        .chunks_exact(sz)
        .map(|c| {
            let mut b = [0u8; 8];
            b[..sz].copy_from_slice(c);
            match dt {
                DataType::Float => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                DataType::Double => f64::from_le_bytes(b),
                DataType::Float16 => f64::from(f16_to_f32(u16::from_le_bytes([b[0], b[1]]))),
                DataType::Bfloat16 => f64::from(f32::from_bits(
                    u32::from(u16::from_le_bytes([b[0], b[1]])) << 16,
                )),
                DataType::Int64 => i64::from_le_bytes(b) as f64,
                DataType::Uint64 => u64::from_le_bytes(b) as f64,
                DataType::Int32 => f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                DataType::Uint32 => f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                DataType::Int16 => f64::from(i16::from_le_bytes([b[0], b[1]])),
                DataType::Uint16 => f64::from(u16::from_le_bytes([b[0], b[1]])),
                DataType::Int8 => f64::from(b[0] as i8),
                _ => f64::from(b[0]),
            }
        })
        .collect()
}

/// Reads an external-data tensor's bytes from a file beside the model. The location must
/// stay inside the model's folder: absolute paths, `..` and symlinks leading out are
/// refused; offset and length are checked against the file size before reading.
fn external_bytes(t: &TensorProto<'_>, base: Option<&Path>, need: usize) -> Result<Vec<u8>> {
    let name = t.name();
    let Some(base) = base else {
        return Err(unsupported(format!(
            "initializer '{name}' has external data; import the model from its file (Model::from_onnx_file) so its folder is known"
        )));
    };
    let (mut location, mut offset, mut length) = (None, 0u64, None);
    for e in t.external_data() {
        let num = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| malformed(format!("initializer '{name}': external {} '{v}'", e.key)))
        };
        match e.key {
            "location" => location = Some(e.value),
            "offset" => offset = num(e.value)?,
            "length" => length = Some(num(e.value)?),
            _ => {}
        }
    }
    let location = location.ok_or_else(|| {
        malformed(format!(
            "initializer '{name}': external data without a location"
        ))
    })?;
    let rel = Path::new(location);
    if location.is_empty()
        || rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(unsupported(format!(
            "initializer '{name}': external data location '{location}' leaves the model's folder"
        )));
    }
    let dir = base
        .canonicalize()
        .map_err(|e| malformed(format!("model folder {}: {e}", base.display())))?;
    let path = dir.join(rel);
    let real = path.canonicalize().map_err(|e| {
        malformed(format!(
            "initializer '{name}': external data {}: {e}",
            path.display()
        ))
    })?;
    if !real.starts_with(&dir) {
        return Err(unsupported(format!(
            "initializer '{name}': external data '{location}' resolves outside the model's folder"
        )));
    }
    let mut f = std::fs::File::open(&real)
        .map_err(|e| malformed(format!("initializer '{name}': {}: {e}", real.display())))?;
    let size = f
        .metadata()
        .map_err(|e| malformed(format!("initializer '{name}': {e}")))?
        .len();
    let len = length.unwrap_or(need as u64);
    if len != need as u64 || offset.checked_add(len).is_none_or(|end| end > size) {
        return Err(malformed(format!(
            "initializer '{name}': external data offset {offset} length {len} does not fit {} ({size} bytes) or the tensor's {need} bytes",
            real.display()
        )));
    }
    let mut buf = vec![0u8; need];
    f.seek(SeekFrom::Start(offset))
        .and_then(|_| f.read_exact(&mut buf))
        .map_err(|e| {
            malformed(format!(
                "initializer '{name}': reading {}: {e}",
                real.display()
            ))
        })?;
    Ok(buf)
}

/// A tensor proto's values as f64.
pub(crate) fn tensor(t: &TensorProto<'_>, base: Option<&Path>) -> Result<Tensor> {
    let name = t.name();
    let dims = t
        .dims()
        .iter()
        .map(|&d| {
            usize::try_from(d)
                .map_err(|_| malformed(format!("tensor '{name}': dims {:?}", t.dims())))
        })
        .collect::<Result<Vec<usize>>>()?;
    let n = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| malformed(format!("tensor '{name}': dims {dims:?} overflow")))?;
    let dt = t.data_type();
    let size = elem_size(dt).ok_or_else(|| {
        unsupported(format!(
            "tensor '{name}' has type {dt:?}; supported: float32/16/64, bfloat16 and integer types"
        ))
    })?;
    let data: Vec<f64> = if t.data_location() == DataLocation::External {
        let need = n
            .checked_mul(size)
            .ok_or_else(|| malformed(format!("tensor '{name}' too large")))?;
        decode(&external_bytes(t, base, need)?, dt)
    } else if let Some(raw) = t.as_raw() {
        if raw.len() != n * size {
            return Err(malformed(format!(
                "tensor '{name}': {} raw bytes for dims {dims:?} of {dt:?}",
                raw.len()
            )));
        }
        decode(raw, dt)
    } else {
        match dt {
            DataType::Float => t
                .as_f32()
                .map(|v| v.iter().map(|&x| f64::from(x)).collect()),
            DataType::Double => t.as_f64().map(|v| v.into_owned()),
            DataType::Int64 => t.as_i64().map(|v| v.iter().map(|&x| x as f64).collect()),
            DataType::Uint64 | DataType::Uint32 => {
                t.as_u64().map(|v| v.iter().map(|&x| x as f64).collect())
            }
            DataType::Float16 => t
                .as_i32()
                .map(|v| v.iter().map(|&x| f64::from(f16_to_f32(x as u16))).collect()),
            DataType::Bfloat16 => t.as_i32().map(|v| {
                v.iter()
                    .map(|&x| f64::from(f32::from_bits((x as u32 & 0xffff) << 16)))
                    .collect()
            }),
            _ => t
                .as_i32()
                .map(|v| v.iter().map(|&x| f64::from(x)).collect()),
        }
        .unwrap_or_default()
    };
    if data.len() != n {
        return Err(malformed(format!(
            "tensor '{name}': dims {dims:?} need {n} values, found {}",
            data.len()
        )));
    }
    let int = !matches!(
        dt,
        DataType::Float | DataType::Double | DataType::Float16 | DataType::Bfloat16
    );
    Ok(Tensor { dims, data, int })
}

/// Parses ONNX bytes (inline weights only).
pub fn import(bytes: &[u8]) -> Result<Graph> {
    import_with(bytes, None)
}

/// Parses ONNX bytes whose external data, if any, lives in `base` (the model's folder).
pub fn import_with(bytes: &[u8], base: Option<&Path>) -> Result<Graph> {
    let model = onnx_rs::parse(bytes).map_err(|e| malformed(format!("{e}")))?;
    let g = model
        .graph
        .as_ref()
        .ok_or_else(|| malformed("the model has no graph"))?;
    for o in &model.opset_import {
        if !matches!(o.domain, "" | "ai.onnx") {
            return Err(unsupported(format!(
                "operator set domain '{}'; only the default ONNX domain",
                o.domain
            )));
        }
    }
    let mut initializers = HashMap::new();
    for t in &g.initializer {
        initializers.insert(t.name().to_string(), tensor(t, base)?);
    }
    if !g.sparse_initializer.is_empty() {
        return Err(unsupported("sparse initializers"));
    }
    // An initializer also listed as a graph input is an initializer (older exporters).
    let inputs: Vec<_> = g
        .input
        .iter()
        .filter(|i| !initializers.contains_key(i.name))
        .collect();
    let [input] = inputs.as_slice() else {
        return Err(unsupported(format!(
            "{} graph inputs ({}); lamina proves models with one activation input",
            inputs.len(),
            inputs.iter().map(|i| i.name).collect::<Vec<_>>().join(", ")
        )));
    };
    if let Some(dt) = input.tensor_elem_type()
        && !matches!(dt, DataType::Float | DataType::Float16 | DataType::Double)
    {
        return Err(unsupported(format!(
            "input '{}' has type {dt:?}; lamina takes float inputs",
            input.name
        )));
    }
    let shape = input
        .tensor_shape()
        .ok_or_else(|| unsupported(format!("input '{}' has no declared shape", input.name)))?;
    let mut input_dims = Vec::with_capacity(shape.dim.len());
    for (i, d) in shape.dim.iter().enumerate() {
        input_dims.push(match (&d.value, i) {
            // A symbolic or unset batch dimension is batch 1 (as DSperse's slicer does).
            (Dimension::Param(_) | Dimension::Value(0), 0) => 1,
            (Dimension::Param(p), _) => {
                return Err(unsupported(format!(
                    "input '{}': symbolic dimension '{p}' at axis {i}; only the batch (axis 0) may be symbolic",
                    input.name
                )));
            }
            (Dimension::Value(v), _) if *v > 0 => *v as usize,
            (Dimension::Value(v), _) => {
                return Err(unsupported(format!(
                    "input '{}': dimension {v} at axis {i} (unknown or empty)",
                    input.name
                )));
            }
        });
    }
    if crate::layers::numel(&input_dims) > crate::layers::MAX_ELEMENTS {
        return Err(unsupported(format!(
            "input '{}' of shape {input_dims:?} exceeds {} elements",
            input.name,
            crate::layers::MAX_ELEMENTS
        )));
    }
    let Some(output) = g.output.first() else {
        return Err(malformed("the graph has no output"));
    };
    // Declared shapes (outputs and value_info): a fixed dimension declares its size, the
    // input's symbolic batch declares 1, any other symbolic or unset dimension (unset
    // decodes as 0) declares nothing.
    let batch_param = match shape.dim.first().map(|d| &d.value) {
        Some(Dimension::Param(p)) => Some(*p),
        _ => None,
    };
    let mut declared: HashMap<String, Vec<Option<usize>>> = g
        .output
        .iter()
        .chain(&g.value_info)
        .filter_map(|v| {
            let s = v.tensor_shape()?;
            let d = s
                .dim
                .iter()
                .enumerate()
                .map(|(i, d)| match d.value {
                    Dimension::Value(x) if x > 0 => Some(x as usize),
                    Dimension::Param(p) if i == 0 && Some(p) == batch_param => Some(1),
                    _ => None,
                })
                .collect();
            Some((v.name.to_string(), d))
        })
        .collect();
    // Identity and inference Dropout are removed: their output names alias their input.
    let mut alias: HashMap<String, String> = HashMap::new();
    let resolve = |alias: &HashMap<String, String>, s: &str| -> String {
        let mut s = s.to_string();
        for _ in 0..alias.len() + 1 {
            match alias.get(&s) {
                Some(t) => s = t.clone(),
                None => break,
            }
        }
        s
    };
    let used: std::collections::HashSet<&str> = g
        .node
        .iter()
        .flat_map(|n| n.input.iter().copied())
        .chain(g.output.iter().map(|o| o.name))
        .collect();
    let mut nodes = Vec::with_capacity(g.node.len());
    for (i, n) in g.node.iter().enumerate() {
        let op_type = n.op_type.as_str().to_string();
        let name = if n.name.is_empty() {
            format!("{op_type}_{i}")
        } else {
            n.name.to_string()
        };
        if !matches!(n.domain, "" | "ai.onnx") {
            return Err(BlueprintError::Unsupported {
                node: name,
                op: op_type,
                reason: format!(
                    "domain '{}' is not supported; only the default ONNX domain",
                    n.domain
                ),
            });
        }
        let inputs: Vec<String> = n.input.iter().map(|s| resolve(&alias, s)).collect();
        let outputs: Vec<String> = n.output.iter().map(|s| s.to_string()).collect();
        if op_type == "Identity" || op_type == "Dropout" {
            let bad = |reason: &str| BlueprintError::Unsupported {
                node: name.clone(),
                op: op_type.clone(),
                reason: reason.to_string(),
            };
            if op_type == "Dropout" {
                // training_mode must be absent or a constant false; the mask must be unused.
                if let Some(tm) = inputs.get(2).filter(|s| !s.is_empty()) {
                    match initializers.get(tm) {
                        Some(t) if t.data.iter().all(|&v| v == 0.0) => {}
                        _ => return Err(bad("training_mode must be absent or a constant false")),
                    }
                }
                if n.attribute.iter().any(|a| a.name == "is_test" && a.i == 0) {
                    return Err(bad("is_test = 0 (training mode) is not supported"));
                }
                if outputs
                    .get(1)
                    .is_some_and(|m| !m.is_empty() && used.contains(m.as_str()))
                {
                    return Err(bad("the mask output is not supported"));
                }
            } else if !n.attribute.is_empty() {
                return Err(bad("Identity has no attributes"));
            }
            let (Some(src), Some(dst)) = (inputs.first(), outputs.first()) else {
                return Err(bad("needs one input and one output"));
            };
            alias.insert(dst.clone(), src.clone());
            if let Some(d) = declared.get(dst).cloned() {
                declared.entry(src.clone()).or_insert(d);
            }
            continue;
        }
        let attrs = n
            .attribute
            .iter()
            .map(|a| {
                Ok(Attr {
                    name: a.name.to_string(),
                    i: a.i,
                    f: a.f,
                    s: a.s.to_vec(),
                    ints: a.ints.clone(),
                    floats: a.floats.clone(),
                    t: a.t.as_ref().map(|t| tensor(t, base)).transpose()?,
                })
            })
            .collect::<Result<_>>()?;
        nodes.push(Node {
            name,
            op_type,
            inputs,
            outputs,
            attrs,
        });
    }
    let mut outputs = Vec::with_capacity(g.output.len());
    for o in &g.output {
        let r = resolve(&alias, o.name);
        if let Some(d) = declared.get(o.name).cloned() {
            declared.entry(r.clone()).or_insert(d);
        }
        outputs.push(r);
    }
    let external = external_files(
        g.initializer.iter().chain(
            g.node
                .iter()
                .flat_map(|n| n.attribute.iter().filter_map(|a| a.t.as_ref())),
        ),
        base,
    )?;
    Ok(Graph {
        input: input.name.to_string(),
        input_dims,
        output: resolve(&alias, output.name),
        outputs,
        nodes,
        initializers,
        declared,
        external,
    })
}
