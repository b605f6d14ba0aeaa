//! The verification key (`model.vk`): everything a verifier needs and nothing it must
//! not see — no ONNX, no weights, no witness.
//!
//! `lamina compile` writes it; its **digest** is the trust anchor a user pins
//! (`lamina verify --vk-digest`). Every proof binds the digest in its context
//! ([`crate::engine::context`]), so every field below is bound into every proof and
//! nothing can be grafted from another compile.
//!
//! Encoding: `"LAMK" | version u32 | header (u32 length, canonical JSON) | circuits (u32
//! count, then per slice u64 length and the circuit's canonical bytes)`. The header holds
//! the format version, model digest, scale, input range, calibration, slice plan and
//! input shape, the commitment scheme (name, identifier with its parameters, security),
//! and per slice its index, layer range, input and output lengths, circuit digest and
//! weights commitment. Decoding is strict and checks every field against the circuits:
//! lengths, digests, commitments present exactly where a circuit has weights (never all
//! zeros), contiguous layer ranges, and each slice's output length equal to the next
//! slice's input length. It never panics and allocates at most in proportion to the
//! bytes it is given.

use crate::engine::{CompiledSlice, Scheme};
use crate::error::{Error, Result};
use crate::io;
use blueprints::{Calibration, Model, QuantConfig, SlicePlan};
use circuits::codec::{Reader, Writer};
use prover::gkr::PreparedCircuit;
use serde_json::{Value, json};
use std::ops::Range;
use std::path::Path;
use thiserror::Error;

/// The key's file name in a compiled folder.
pub const FILE: &str = "model.vk";
/// Magic bytes.
pub const MAGIC: [u8; 4] = *b"LAMK";
/// Format version.
pub const VERSION: u32 = 1;
/// The header's format tag.
pub const FORMAT: &str = "lamina-vk/1";
/// Domain separation of the key digest.
const DIGEST_CONTEXT: &str = "lamina 2026-12 verification key digest v1";

/// Why a verification key was refused. Each attack on a key has its own variant.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not a key.
    #[error("not a lamina verification key (bad magic)")]
    Magic,
    /// Another format version.
    #[error("verification key format version {got}; this lamina reads version {supported}")]
    Version {
        /// The key's.
        got: u32,
        /// Ours.
        supported: u32,
    },
    /// The bytes do not decode.
    #[error("verification key: {0}")]
    Decode(#[from] circuits::DecodeError),
    /// The key's digest is not the pinned one.
    #[error("the verification key's digest is {actual}, not the pinned {pinned}")]
    Pin {
        /// The key's digest.
        actual: String,
        /// The pin.
        pinned: String,
    },
    /// A weights commitment of all zeros.
    #[error("verification key: slice {slice}: the weights commitment is null (all zeros)")]
    NullCommitment {
        /// Which slice.
        slice: usize,
    },
    /// A circuit with weights but no commitment.
    #[error("verification key: slice {slice}: its circuit has weights but no weights commitment")]
    MissingCommitment {
        /// Which slice.
        slice: usize,
    },
    /// A commitment for a circuit without weights.
    #[error("verification key: slice {slice}: a weights commitment for a circuit without weights")]
    StrayCommitment {
        /// Which slice.
        slice: usize,
    },
    /// A circuit whose digest is not the one the header lists.
    #[error(
        "verification key: slice {slice}: circuit digest {listed} is not its circuit's ({actual})"
    )]
    CircuitDigest {
        /// Which slice.
        slice: usize,
        /// The header's.
        listed: String,
        /// The circuit's.
        actual: String,
    },
    /// A slice entry inconsistent with its circuit or its neighbours.
    #[error("verification key: slice {slice}: {what}")]
    Slice {
        /// Which slice.
        slice: usize,
        /// What is wrong.
        what: String,
    },
    /// A scheme or parameters this verifier does not accept.
    #[error(
        "verification key: commitment scheme '{got}' is not one this verifier accepts (it accepts {supported})"
    )]
    Scheme {
        /// The key's.
        got: String,
        /// Ours.
        supported: String,
    },
    /// A malformed header field.
    #[error("verification key: {0}")]
    Header(String),
}

/// One slice of a key.
pub struct KeySlice {
    /// Position in the plan.
    pub index: usize,
    /// The layers it covers.
    pub layers: Range<usize>,
    /// Public input length.
    pub input_len: usize,
    /// Public output length.
    pub output_len: usize,
    /// Its circuit, validated and digested (`None` only for a slice a partial decode,
    /// [`decode_with`], left out).
    pub prepared: Option<PreparedCircuit<'static>>,
    /// The circuit digest the entry lists (the circuit's own when decoded).
    pub circuit_digest: [u8; 32],
    /// Its weights commitment (`None` for a slice without parameters; under zero
    /// knowledge, the weights stock's root).
    pub weights_commitment: Option<[u8; 32]>,
    /// Zero knowledge: the weights stock's key (its root is `weights_commitment`).
    pub stock: Option<prover::zk::StockKey>,
}

impl KeySlice {
    /// The slice's circuit (refused for a slice a partial decode left out).
    pub fn circuit(&self) -> Result<&PreparedCircuit<'static>, KeyError> {
        self.prepared.as_ref().ok_or_else(|| KeyError::Slice {
            slice: self.index,
            what: "its circuit was not decoded".into(),
        })
    }
}

/// A decoded, checked verification key.
pub struct VerificationKey {
    /// The model digest.
    pub model_digest: [u8; 32],
    /// Scale and declared input range.
    pub quant: QuantConfig,
    /// The slice plan as written.
    pub plan: String,
    /// `null` or the calibration (margin, observed maxima, bounds).
    pub calibration: Value,
    /// The model input's shape.
    pub input_shape: Value,
    /// The commitment scheme.
    pub scheme: Scheme,
    /// The header's `"commitment"` object.
    pub commitment: Value,
    /// Zero knowledge: what is private beyond the weights — the activations between
    /// slices, the model's input (each slice's zero-knowledge form has those boundaries,
    /// and the proofs form a chain).
    pub privacy: crate::engine::Privacy,
    /// The slices.
    pub slices: Vec<KeySlice>,
    digest: [u8; 32],
}

impl VerificationKey {
    /// The key's digest (what users pin and proofs bind).
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }
}

/// The digest of a key's bytes.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new_derive_key(DIGEST_CONTEXT);
    h.update_rayon(bytes);
    *h.finalize().as_bytes()
}

/// A compile's key as [`encode`] or [`encode_digest`] made it.
pub struct Encoded {
    /// The key's bytes (empty from [`encode_digest`]).
    pub bytes: Vec<u8>,
    /// Its digest.
    pub digest: [u8; 32],
    /// The header's `"commitment"` object (scheme, id, security), for reports.
    pub commitment: Value,
}

/// Encodes the key of a compile: its bytes, digest and commitment object.
pub fn encode(
    model: &Model,
    calibration: Option<&Calibration>,
    plan: &str,
    slices: &[CompiledSlice],
) -> Result<Encoded> {
    let header = header(model, calibration, plan, slices)?;
    let mut w = Writer::new();
    write_parts(
        &mut w,
        &header,
        slices.iter().map(|cs| cs.circuit_bytes.as_slice()),
    );
    let bytes = w.into_bytes();
    Ok(Encoded {
        digest: digest(&bytes),
        bytes,
        commitment: header["commitment"].clone(),
    })
}

/// [`encode`]'s digest and commitment object without the bytes: the key is hashed as it
/// is written (what `run` and [`audit`] need; no copy of every circuit).
pub fn encode_digest(
    model: &Model,
    calibration: Option<&Calibration>,
    plan: &str,
    slices: &[CompiledSlice],
) -> Result<Encoded> {
    let header = header(model, calibration, plan, slices)?;
    Ok(Encoded {
        bytes: Vec::new(),
        digest: digest_parts(&header, slices),
        commitment: header["commitment"].clone(),
    })
}

/// The digest of the key a header and the compiled slices' circuits encode to, hashed as
/// it is written.
fn digest_parts(header: &Value, slices: &[CompiledSlice]) -> [u8; 32] {
    let mut w = Writer::hashing(blake3::Hasher::new_derive_key(DIGEST_CONTEXT));
    write_parts(
        &mut w,
        header,
        slices.iter().map(|cs| cs.circuit_bytes.as_slice()),
    );
    w.finish_hash()
}

/// A slice entry's `weights_stock`: the stock key's encoding in hex, or `null`.
fn stock_json(stock: Option<&prover::zk::StockKey>) -> Value {
    match stock {
        Some(k) => {
            let mut w = Writer::new();
            k.encode(&mut w);
            json!(io::hex(&w.into_bytes()))
        }
        None => Value::Null,
    }
}

/// The key's header for a compile.
fn header(
    model: &Model,
    calibration: Option<&Calibration>,
    plan: &str,
    slices: &[CompiledSlice],
) -> Result<Value> {
    let scheme = slices.first().map_or(Scheme::default(), |s| s.scheme);
    if slices.iter().any(|s| s.scheme != scheme) {
        crate::error::refuse!("a compile's slices must share one commitment scheme");
    }
    let q = model.quant;
    let mut header = json!({
        "format": FORMAT,
        "model_digest": io::hex(&model.digest),
        "scale_bits": q.scale_bits,
        "input_range": [q.input_range.0, q.input_range.1],
        "calibration": crate::commands::calibration_json(calibration),
        "slices_plan": plan,
        "input_shape": crate::report::shape(model, 0),
        "commitment": scheme.report(slices.iter().map(|s| (&s.prepared, s.committed.zk_form())))?,
        "slices": slices.iter().map(|cs| json!({
            "index": cs.slice.index,
            "layer_range": [cs.slice.layers.start, cs.slice.layers.end],
            "input_len": cs.slice.input_len(model),
            "output_len": cs.slice.output_len(model),
            "circuit_digest": cs.prepared.digest().to_hex(),
            "weights_commitment": cs.weights_commitment().map(|c| io::hex(&c)),
        })).collect::<Vec<_>>(),
    });
    // Zero knowledge: each slice's stock size and agreement value are part of what the
    // proofs bind (the root is the weights commitment). Binding keys keep their bytes.
    if scheme.is_zk() {
        for (entry, cs) in header["slices"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .zip(slices)
        {
            entry["weights_stock"] = stock_json(cs.committed.stock_key());
        }
    }
    Ok(header)
}

/// Encodes a header and circuits as a key, unchecked (for tools and tests that build or
/// edit keys; [`decode`] checks).
pub fn from_parts(header: &Value, circuits: &[&[u8]]) -> Vec<u8> {
    let mut w = Writer::new();
    write_parts(&mut w, header, circuits.iter().copied());
    w.into_bytes()
}

/// The encoding, into `w` (a buffer or a hasher).
fn write_parts<'a>(
    w: &mut Writer,
    header: &Value,
    circuits: impl ExactSizeIterator<Item = &'a [u8]>,
) {
    let header = header.to_string().into_bytes();
    w.bytes(&MAGIC);
    w.u32(VERSION);
    w.length(header.len());
    w.bytes(&header);
    w.length(circuits.len());
    for c in circuits {
        w.u64(c.len() as u64);
        w.bytes(c);
    }
}

/// Splits a key into its header and circuit bytes, checking only the framing.
pub fn to_parts(bytes: &[u8]) -> Result<(Value, Vec<&[u8]>), KeyError> {
    let mut r = Reader::new(bytes);
    if r.take(4, "magic")? != MAGIC {
        return Err(KeyError::Magic);
    }
    let v = r.u32("version")?;
    if v != VERSION {
        return Err(KeyError::Version {
            got: v,
            supported: VERSION,
        });
    }
    let n = r.length(1, "header")?;
    let header: Value = serde_json::from_slice(r.take(n, "header")?)
        .map_err(|e| KeyError::Header(format!("the header is not JSON: {e}")))?;
    // Each circuit takes at least its 8-byte length.
    let count = r.length(8, "circuits")?;
    let mut blobs = Vec::with_capacity(count);
    for _ in 0..count {
        let len = r.u64("circuit length")?;
        let len = usize::try_from(len)
            .ok()
            .filter(|l| *l <= r.remaining())
            .ok_or(circuits::DecodeError::Truncated {
                offset: r.offset(),
                what: "circuit",
            })?;
        blobs.push(r.take(len, "circuit")?);
    }
    r.finish()?;
    Ok((header, blobs))
}

/// Reads a key file (or a compiled folder's `model.vk`), refusing it before decoding
/// when `pin` (64 hex digits) is given and differs from its digest.
pub fn load(path: &Path, pin: Option<&str>) -> Result<VerificationKey> {
    load_with(path, pin, |_| true)
}

/// [`load`], decoding only the circuits of the slices `wanted` selects ([`decode_with`]).
pub fn load_with(
    path: &Path,
    pin: Option<&str>,
    wanted: impl Fn(usize) -> bool,
) -> Result<VerificationKey> {
    let path = if path.is_dir() {
        path.join(FILE)
    } else {
        path.to_path_buf()
    };
    let bytes = io::read_capped(&path, io::cap::CIRCUIT)?;
    let d = digest(&bytes);
    if let Some(pin) = pin {
        let pinned =
            io::unhex32(pin).map_err(|e| Error::Refused(format!("--vk-digest: {}", e.report())))?;
        if pinned != d {
            return Err(KeyError::Pin {
                actual: io::hex(&d),
                pinned: pin.to_string(),
            }
            .into());
        }
    }
    decode_at(&path, &bytes, wanted)
}

/// [`decode_with`] of the bytes read from `path`, errors naming the file.
pub fn decode_at(
    path: &Path,
    bytes: &[u8],
    wanted: impl Fn(usize) -> bool,
) -> Result<VerificationKey> {
    decode_with(bytes, wanted).map_err(|e| Error::Context {
        what: path.display().to_string(),
        source: Box::new(e.into()),
    })
}

fn header_err(e: Error) -> KeyError {
    KeyError::Header(e.report())
}

/// Decodes and checks a key (see the module doc for every check).
pub fn decode(bytes: &[u8]) -> Result<VerificationKey, KeyError> {
    decode_with(bytes, |_| true)
}

/// [`decode`], decoding and checking only the circuits of the slices `wanted` selects
/// (a prover job needs one; every header check still runs). Verifiers use [`decode`].
pub fn decode_with(
    bytes: &[u8],
    wanted: impl Fn(usize) -> bool,
) -> Result<VerificationKey, KeyError> {
    let (header, blobs) = to_parts(bytes)?;
    let h = &header;
    const W: &str = "header";
    if h.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(KeyError::Header(format!(
            "format {}, expected {FORMAT}",
            h.get("format").unwrap_or(&Value::Null)
        )));
    }
    let model_digest = io::digest_field(h, "model_digest", W).map_err(header_err)?;
    let range = io::field(h, "input_range", W).map_err(header_err)?;
    let range = match range.as_array().map(Vec::as_slice) {
        Some([lo, hi]) => (
            io::f64_of(lo, "input_range[0]").map_err(header_err)?,
            io::f64_of(hi, "input_range[1]").map_err(header_err)?,
        ),
        _ => {
            return Err(KeyError::Header(format!(
                "input_range must be [LO, HI], got {range}"
            )));
        }
    };
    let bits = io::uint_field::<u32>(h, "scale_bits", W).map_err(header_err)?;
    let quant = QuantConfig::new(bits, range).map_err(|e| header_err(e.into()))?;
    let plan = io::str_field(h, "slices_plan", W)
        .map_err(header_err)?
        .to_string();
    plan.parse::<SlicePlan>()
        .map_err(|e| header_err(e.into()))?;
    let calibration = io::field(h, "calibration", W).map_err(header_err)?.clone();
    crate::model_folder::read_calibration(&calibration).map_err(header_err)?;
    let input_shape = io::field(h, "input_shape", W).map_err(header_err)?.clone();
    let commitment = io::field(h, "commitment", W).map_err(header_err)?.clone();
    let name = io::str_field(&commitment, "scheme", "commitment").map_err(header_err)?;
    let id = io::str_field(&commitment, "id", "commitment").map_err(header_err)?;
    // The scheme and its parameters are this verifier's own, never taken from the key: a
    // key naming weaker parameters is refused, not honoured.
    const SCHEMES: [Scheme; 3] = [Scheme::Whir, Scheme::Transparent, Scheme::WhirZk];
    let scheme = SCHEMES
        .into_iter()
        .find(|s| s.name() == name && s.id() == id)
        .ok_or_else(|| KeyError::Scheme {
            got: format!("{name} ({id})"),
            supported: SCHEMES
                .map(|s| format!("{} ({})", s.name(), s.id()))
                .join(", "),
        })?;
    // Private activations and a private input change the circuits' zero-knowledge
    // forms; the flags are part of the key (and so of its digest).
    let flag = |name: &str| match commitment.get("zero_knowledge") {
        None | Some(Value::Null) => Ok(false),
        Some(z) => match z.get(name) {
            Some(Value::Bool(b)) => Ok(*b),
            _ => Err(KeyError::Header(format!(
                "commitment.zero_knowledge.{name} must be true or false"
            ))),
        },
    };
    let privacy = crate::engine::Privacy {
        activations: flag("private_activations")?,
        input: flag("private_input")?,
    };
    if privacy.any() && !scheme.is_zk() {
        return Err(KeyError::Header(
            "private activations or input in a key without zero-knowledge proofs".into(),
        ));
    }
    let listed = io::field(h, "slices", W)
        .map_err(header_err)?
        .as_array()
        .ok_or_else(|| KeyError::Header("slices must be a list".into()))?;
    if listed.len() != blobs.len() || listed.is_empty() {
        return Err(KeyError::Header(format!(
            "{} slice entries and {} circuits (need as many, at least one)",
            listed.len(),
            blobs.len()
        )));
    }
    let mut slices: Vec<KeySlice> = Vec::with_capacity(listed.len());
    for (i, (m, blob)) in listed.iter().zip(blobs).enumerate() {
        let what = format!("slices[{i}]");
        let bad = |what: String| KeyError::Slice { slice: i, what };
        if io::uint_field::<usize>(m, "index", &what).map_err(header_err)? != i {
            return Err(bad(format!("index {} at position {i}", m["index"])));
        }
        let layers = match io::field(m, "layer_range", &what)
            .map_err(header_err)?
            .as_array()
            .map(Vec::as_slice)
        {
            Some([a, b]) => match (a.as_u64(), b.as_u64()) {
                (Some(a), Some(b)) if a < b => a as usize..b as usize,
                _ => {
                    return Err(bad(
                        "layer_range must be [START, END) with START < END".into()
                    ));
                }
            },
            _ => return Err(bad("layer_range must be [START, END)".into())),
        };
        let expected_start = slices.last().map_or(0, |p| p.layers.end);
        if layers.start != expected_start {
            return Err(bad(format!(
                "layers {}..{} do not start where the previous slice ends ({expected_start})",
                layers.start, layers.end
            )));
        }
        let input_len = io::uint_field::<usize>(m, "input_len", &what).map_err(header_err)?;
        let output_len = io::uint_field::<usize>(m, "output_len", &what).map_err(header_err)?;
        if let Some(p) = slices.last()
            && p.output_len != input_len
        {
            return Err(bad(format!(
                "reads {input_len} values, slice {} writes {}",
                i - 1,
                p.output_len
            )));
        }
        let listed_digest = io::digest_field(m, "circuit_digest", &what).map_err(header_err)?;
        let wc = io::field(m, "weights_commitment", &what).map_err(header_err)?;
        let weights_commitment = match wc {
            Value::Null => None,
            _ => {
                let d = io::digest_field(m, "weights_commitment", &what).map_err(header_err)?;
                if d == [0; 32] {
                    return Err(KeyError::NullCommitment { slice: i });
                }
                Some(d)
            }
        };
        // Zero knowledge: the stock's size and agreement value, its root the commitment.
        let stock = match (scheme.is_zk(), m.get("weights_stock")) {
            (false, None) => None,
            (false, Some(_)) => return Err(bad("a weights stock in a binding key".into())),
            (true, None) => return Err(bad("no weights_stock entry".into())),
            (true, Some(Value::Null)) => None,
            (true, Some(v)) => {
                let bytes = v
                    .as_str()
                    .and_then(io::unhex)
                    .ok_or_else(|| bad("weights_stock must be hex".into()))?;
                let mut r = Reader::new(&bytes);
                let k = prover::zk::StockKey::decode(&mut r)?;
                r.finish()?;
                if Some(k.root) != weights_commitment {
                    return Err(bad(
                        "the weights stock's root is not the weights commitment".into(),
                    ));
                }
                Some(k)
            }
        };
        if scheme.is_zk() && stock.is_none() != weights_commitment.is_none() {
            return Err(bad(
                "a weights commitment without a weights stock, or the reverse".into(),
            ));
        }
        let prepared = if wanted(i) {
            let prepared = PreparedCircuit::from_bytes(blob)?;
            let c = prepared.circuit();
            if (c.num_public as usize, c.public_outputs.len()) != (input_len, output_len) {
                return Err(bad(format!(
                    "the circuit reads {} inputs and writes {} outputs; the entry says {input_len} and {output_len}",
                    c.num_public,
                    c.public_outputs.len()
                )));
            }
            if listed_digest != prepared.digest().0 {
                return Err(KeyError::CircuitDigest {
                    slice: i,
                    listed: io::hex(&listed_digest),
                    actual: prepared.digest().to_hex(),
                });
            }
            let has_weights = c.input.region(circuits::RegionKind::Weights).is_some();
            match (has_weights, weights_commitment) {
                (true, None) => return Err(KeyError::MissingCommitment { slice: i }),
                (false, Some(_)) => return Err(KeyError::StrayCommitment { slice: i }),
                _ => {}
            }
            Some(prepared)
        } else {
            None
        };
        slices.push(KeySlice {
            index: i,
            layers,
            input_len,
            output_len,
            prepared,
            circuit_digest: listed_digest,
            weights_commitment,
            stock,
        });
    }
    Ok(VerificationKey {
        model_digest,
        quant,
        plan,
        calibration,
        input_shape,
        scheme,
        commitment,
        privacy,
        slices,
        digest: digest(bytes),
    })
}

/// What [`audit`] concluded.
#[derive(Clone, Debug)]
pub struct Audit {
    /// Whether `model` compiles, at the key's settings, to exactly the key.
    pub matches: bool,
    /// The JSON object `lamina audit --json` prints.
    pub doc: Value,
}

/// Checks a verification key against the model it claims: imports `model` (with its
/// external data) at the key's scale, input range and calibration, compiles the key's
/// plan with the key's scheme, and compares the key this gives with `key` byte for byte
/// (compiling is deterministic). What a verifier holding the ONNX runs once to trust a
/// published key digest; a differing key names the first field or slice that differs.
pub fn audit(model: &Path, key: &VerificationKey, hooks: crate::Hooks<'_>) -> Result<Audit> {
    audit_with_stocks(model, key, None, hooks)
}

/// [`audit`], and under zero knowledge the weights stocks too when the model owner hands
/// over their secret files (`stocks`: a compiled folder, or its `weights_stock/`): each
/// slice's stock is recommitted from its secret and the recompiled weights
/// (`WeightsStock::audit`) and must give the key's stock (root, size, `y_eq`).
pub fn audit_with_stocks(
    model: &Path,
    key: &VerificationKey,
    stocks: Option<&Path>,
    hooks: crate::Hooks<'_>,
) -> Result<Audit> {
    let calibration = crate::model_folder::read_calibration(&key.calibration)?;
    let m = crate::commands::load_model(model, key.quant, calibration.as_ref())?;
    let plan: SlicePlan = key.plan.parse()?;
    // A stock of one entry: the key's stands in for it below.
    let slices = crate::commands::compile_all(&m, &plan, key.scheme, 1, key.privacy, hooks)?;
    // Zero knowledge: a recompile draws a fresh weights stock (the model owner's secret
    // fixes the key's), so the key's stock fields stand in for the recompiled ones and
    // the audit says they were not checked.
    let mut header = header(&m, calibration.as_ref(), &key.plan, &slices)?;
    if key.scheme.is_zk() {
        for (entry, ks) in header["slices"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .zip(&key.slices)
        {
            entry["weights_commitment"] = json!(ks.weights_commitment.map(|c| io::hex(&c)));
            entry["weights_stock"] = stock_json(ks.stock.as_ref());
        }
    }
    let d = digest_parts(&header, &slices);
    let mut differs = Vec::new();
    if m.digest != key.model_digest {
        differs.push("model_digest".to_string());
    }
    if slices.len() != key.slices.len() {
        differs.push(format!(
            "slice count ({} here, {} in the key)",
            slices.len(),
            key.slices.len()
        ));
    }
    for (cs, ks) in slices.iter().zip(&key.slices) {
        if cs.prepared.digest().0 != ks.circuit_digest {
            differs.push(format!("slice {}: circuit", ks.index));
        }
        if cs.weights_commitment().is_some() != ks.weights_commitment.is_some()
            || (!key.scheme.is_zk() && cs.weights_commitment() != ks.weights_commitment)
        {
            differs.push(format!("slice {}: weights commitment", ks.index));
        }
    }
    let mut stocks_checked = false;
    if let (true, Some(dir)) = (key.scheme.is_zk(), stocks) {
        let nested = dir.join(crate::model_folder::STOCK_DIR);
        let dir = if nested.is_dir() {
            nested
        } else {
            dir.to_path_buf()
        };
        for (cs, ks) in slices.iter().zip(&key.slices) {
            let (Some(want), Some(form)) = (&ks.stock, cs.committed.zk_form()) else {
                continue;
            };
            let file = dir.join(crate::model_folder::stock_file(ks.index));
            let bytes = io::read_capped(&file, io::cap::CIRCUIT)?;
            let weights = cs.program.layout_weights(&cs.weights);
            let got = prover::zk::WeightsStock::audit(form, &crate::engine::f(&weights), &bytes)
                .map_err(|e| {
                    crate::Error::Refused(format!(
                        "slice {}: auditing {}: {e}",
                        ks.index,
                        file.display()
                    ))
                })?;
            if &got != want {
                differs.push(format!("slice {}: weights stock", ks.index));
            }
        }
        stocks_checked = true;
    }
    let matches = d == key.digest && differs.is_empty();
    if !matches && differs.is_empty() {
        differs.push("header (settings or encoding)".into());
    }
    let doc = json!({
        "matches": matches,
        "vk_digest": io::hex(&key.digest),
        "recompiled_vk_digest": io::hex(&d),
        "model_digest": io::hex(&m.digest),
        "differs": differs,
        "stocks_checked": stocks_checked,
        "unchecked": if key.scheme.is_zk() && !stocks_checked {
            json!(["the weights stocks: whether each entry commits to this model's weights needs the model owner's stock secret (weights_stock/ in the compiled folder); everything else was recompiled and compared"])
        } else {
            json!([])
        },
    });
    Ok(Audit { matches, doc })
}
