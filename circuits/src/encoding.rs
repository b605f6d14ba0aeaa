//! The canonical, versioned byte encoding of a circuit and its BLAKE3 digest.
//!
//! Layout (all integers little-endian):
//! `"LAMC" | version u32 | num_public u32 | num_challenges u32 | input log_width u8 |
//!  regions (len u32, each: kind u8, offset u32, log_len u8, len u32) |
//!  layers (len u32, each: log_width u8, mul gates, add gates, const gates) |
//!  public_outputs (len u32, each u32)`.
//! A coefficient is a tag byte (0 = integer `i64`, 1 = challenge `u32`, 2 = challenge
//! `u32` times integer `i64`); a
//! constant gate's source is a tag byte (0 = one, 1 = public) and, for public, a `u32`.
//! Gates keep their order: the encoding is a function of the value, so equal circuits have
//! equal bytes and equal digests.
//!
//! Version 2 ([`CIRCUIT_FORMAT_VERSION_STRUCTURED`]) is written iff the circuit
//! [has structure](Circuit::has_structure), so every gate-only circuit keeps its version 1
//! bytes and digest. It is version 1 with two additions:
//! * after the regions, `gate_log_width u8` (0 = none);
//! * after each layer's const gates, `blocks (len u32, each: out_offset u32 | tag u8 | body)`:
//!   - tag 1, convolution: `input.offset u32, dims 3×u32, cout u32, kernel 2×u32,
//!     stride 2×u32, dilation 2×u32, pads 4×u32, depthwise u8 (0/1), slabs u32,
//!     bias flag u8 (0/1) [+ bias u32]`;
//!   - tag 2, matrix product: `input.offset u32, dims 3×u32, weight.offset u32, rows u32,
//!     cols u32, bias flag u8 (0/1) [+ bias u32]`.
//!
//! A version 2 string without structure is refused, so each circuit has exactly one
//! encoding.

use crate::codec::{Reader, Writer};
use crate::structured::{Block, Conv2dOp, ConvSpec, MatMulOp, StructuredOp, TensorRef, WeightRef};
use crate::{
    AddGate, Circuit, Coeff, ConstGate, ConstSource, DecodeError, InputLayout, Layer, MulGate,
    Region, RegionKind,
};

/// Magic bytes opening an encoded circuit.
pub const CIRCUIT_MAGIC: [u8; 4] = *b"LAMC";
/// Version of the circuit encoding of gate-only circuits. Bump it with any change to the
/// layout above.
pub const CIRCUIT_FORMAT_VERSION: u32 = 1;
/// Version of the encoding of circuits with blocks or a gate span.
pub const CIRCUIT_FORMAT_VERSION_STRUCTURED: u32 = 2;

/// Block tags.
const TAG_CONV2D: u8 = 1;
const TAG_MATMUL: u8 = 2;
/// The fewest bytes a block takes (a matrix product without bias), bounding the block
/// count by the remaining input.
const MIN_BLOCK_BYTES: usize = 4 + 1 + 4 * 4 + 3 * 4 + 1;

/// BLAKE3 digest of a circuit's canonical encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CircuitDigest(pub [u8; 32]);

impl CircuitDigest {
    /// Lowercase hex, for reports.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Gate bytes: fixed-size arrays per (gate kind, coefficient kind), so every copy has a
/// compile-time length and inlines; the digest streams millions of gates.
fn gate_bytes<const N: usize, const M: usize>(w: &mut Writer, slots: [u32; N], c: Coeff) {
    let mut head = [0u8; M];
    for (k, v) in slots.iter().enumerate() {
        head[4 * k..4 * k + 4].copy_from_slice(&v.to_le_bytes());
    }
    w.bytes(&head);
    match c {
        Coeff::Int(v) => {
            let mut t = [0u8; 9];
            t[1..].copy_from_slice(&v.to_le_bytes());
            w.bytes(&t);
        }
        Coeff::Challenge(i) => {
            let mut t = [1u8; 5];
            t[1..].copy_from_slice(&i.to_le_bytes());
            w.bytes(&t);
        }
        Coeff::ChallengeTimes(i, f) => {
            let mut t = [2u8; 13];
            t[1..5].copy_from_slice(&i.to_le_bytes());
            t[5..].copy_from_slice(&f.to_le_bytes());
            w.bytes(&t);
        }
    }
}

fn coeff_len(c: Coeff) -> u64 {
    match c {
        Coeff::Int(_) => 9,
        Coeff::Challenge(_) => 5,
        Coeff::ChallengeTimes(..) => 13,
    }
}

fn put_bias(w: &mut Writer, bias: Option<u32>) {
    match bias {
        None => w.u8(0),
        Some(b) => {
            w.u8(1);
            w.u32(b);
        }
    }
}

fn put_tensor(w: &mut Writer, t: &TensorRef) {
    w.u32(t.offset);
    t.dims.iter().for_each(|&d| w.u32(d));
}

fn put_block(w: &mut Writer, b: &Block) {
    w.u32(b.out_offset);
    match &b.op {
        StructuredOp::Conv2d(c) => {
            w.u8(TAG_CONV2D);
            put_tensor(w, &c.input);
            w.u32(c.cout);
            let s = &c.spec;
            for v in s
                .kernel
                .iter()
                .chain(&s.stride)
                .chain(&s.dilation)
                .chain(&s.pads)
            {
                w.u32(*v);
            }
            w.u8(u8::from(s.depthwise));
            w.u32(c.slabs);
            put_bias(w, c.bias);
        }
        StructuredOp::MatMul(m) => {
            w.u8(TAG_MATMUL);
            put_tensor(w, &m.input);
            w.u32(m.weight.offset);
            w.u32(m.weight.rows);
            w.u32(m.weight.cols);
            put_bias(w, m.bias);
        }
    }
}

fn block_len(b: &Block) -> u64 {
    let bias = |b: Option<u32>| if b.is_some() { 5 } else { 1 };
    5 + match &b.op {
        StructuredOp::Conv2d(c) => 16 + 4 + 4 * 10 + 1 + 4 + bias(c.bias),
        StructuredOp::MatMul(m) => 16 + 12 + bias(m.bias),
    }
}

/// A 0/1 flag byte; anything else is a tag error.
fn get_flag(r: &mut Reader<'_>, what: &'static str) -> Result<bool, DecodeError> {
    let offset = r.offset();
    match r.u8(what)? {
        0 => Ok(false),
        1 => Ok(true),
        tag => Err(DecodeError::Tag { tag, what, offset }),
    }
}

fn get_bias(r: &mut Reader<'_>) -> Result<Option<u32>, DecodeError> {
    Ok(if get_flag(r, "bias flag")? {
        Some(r.u32("bias offset")?)
    } else {
        None
    })
}

fn get_u32s<const N: usize>(
    r: &mut Reader<'_>,
    what: &'static str,
) -> Result<[u32; N], DecodeError> {
    let mut a = [0u32; N];
    for v in &mut a {
        *v = r.u32(what)?;
    }
    Ok(a)
}

fn get_tensor(r: &mut Reader<'_>) -> Result<TensorRef, DecodeError> {
    Ok(TensorRef {
        offset: r.u32("operand offset")?,
        dims: get_u32s(r, "operand dims")?,
    })
}

fn get_block(r: &mut Reader<'_>) -> Result<Block, DecodeError> {
    let out_offset = r.u32("block out_offset")?;
    let offset = r.offset();
    let op = match r.u8("block tag")? {
        TAG_CONV2D => {
            let input = get_tensor(r)?;
            let cout = r.u32("conv cout")?;
            let spec = ConvSpec {
                kernel: get_u32s(r, "conv kernel")?,
                stride: get_u32s(r, "conv stride")?,
                dilation: get_u32s(r, "conv dilation")?,
                pads: get_u32s(r, "conv pads")?,
                depthwise: get_flag(r, "depthwise flag")?,
            };
            StructuredOp::Conv2d(Conv2dOp {
                input,
                cout,
                spec,
                slabs: r.u32("conv slabs")?,
                bias: get_bias(r)?,
            })
        }
        TAG_MATMUL => StructuredOp::MatMul(MatMulOp {
            input: get_tensor(r)?,
            weight: WeightRef {
                offset: r.u32("matmul weight offset")?,
                rows: r.u32("matmul rows")?,
                cols: r.u32("matmul cols")?,
            },
            bias: get_bias(r)?,
        }),
        tag => {
            return Err(DecodeError::Tag {
                tag,
                what: "block",
                offset,
            });
        }
    };
    Ok(Block { out_offset, op })
}

fn get_coeff(r: &mut Reader<'_>) -> Result<Coeff, DecodeError> {
    let offset = r.offset();
    match r.u8("coefficient tag")? {
        0 => Ok(Coeff::Int(r.i64("integer coefficient")?)),
        1 => Ok(Coeff::Challenge(r.u32("challenge index")?)),
        2 => Ok(Coeff::ChallengeTimes(
            r.u32("challenge index")?,
            r.i64("challenge factor")?,
        )),
        tag => Err(DecodeError::Tag {
            tag,
            what: "coefficient",
            offset,
        }),
    }
}

impl Circuit {
    /// The canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.into_bytes()
    }

    /// The length of [`Circuit::to_bytes`], computed without encoding (one pass over
    /// the gates' coefficient kinds).
    pub fn encoded_len(&self) -> u64 {
        let structured = self.has_structure();
        let mut n: u64 = 4 + 4 + 4 + 4 + 1 + 4 + 10 * self.input.regions.len() as u64 + 4;
        n += u64::from(structured);
        for l in &self.layers {
            n += 1 + 4 * 3;
            n += l.mul.iter().map(|g| 12 + coeff_len(g.coeff)).sum::<u64>();
            n += l.add.iter().map(|g| 8 + coeff_len(g.coeff)).sum::<u64>();
            n += (l.constant.iter())
                .map(|g| {
                    let source = match g.source {
                        ConstSource::One => 1,
                        ConstSource::Public(_) => 5,
                    };
                    4 + coeff_len(g.coeff) + source
                })
                .sum::<u64>();
            if structured {
                n += 4 + l.blocks.iter().map(block_len).sum::<u64>();
            }
        }
        n + 4 + 4 * self.public_outputs.len() as u64
    }

    fn encode(&self, w: &mut Writer) {
        let structured = self.has_structure();
        w.bytes(&CIRCUIT_MAGIC);
        w.u32(if structured {
            CIRCUIT_FORMAT_VERSION_STRUCTURED
        } else {
            CIRCUIT_FORMAT_VERSION
        });
        w.u32(self.num_public);
        w.u32(self.num_challenges);
        w.u8(self.input.log_width);
        w.length(self.input.regions.len());
        for r in &self.input.regions {
            w.u8(r.kind.tag());
            w.u32(r.offset);
            w.u8(r.log_len);
            w.u32(r.len);
        }
        if structured {
            // Validation refuses `Some(0)`, so 0 unambiguously means none.
            w.u8(self.input.gate_log_width.unwrap_or(0));
        }
        w.length(self.layers.len());
        for l in &self.layers {
            w.u8(l.log_width);
            w.length(l.mul.len());
            for g in &l.mul {
                gate_bytes::<3, 12>(w, [g.out, g.in0, g.in1], g.coeff);
            }
            w.length(l.add.len());
            for g in &l.add {
                gate_bytes::<2, 8>(w, [g.out, g.input], g.coeff);
            }
            w.length(l.constant.len());
            for g in &l.constant {
                gate_bytes::<1, 4>(w, [g.out], g.coeff);
                match g.source {
                    ConstSource::One => w.u8(0),
                    ConstSource::Public(i) => {
                        w.u8(1);
                        w.u32(i);
                    }
                }
            }
            if structured {
                w.length(l.blocks.len());
                for b in &l.blocks {
                    put_block(w, b);
                }
            }
        }
        w.length(self.public_outputs.len());
        for &s in &self.public_outputs {
            w.u32(s);
        }
    }

    /// Decodes and validates a circuit; rejects trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Circuit, DecodeError> {
        let mut r = Reader::new(bytes);
        if r.take(4, "magic")? != CIRCUIT_MAGIC {
            return Err(DecodeError::Magic {
                expected: CIRCUIT_MAGIC,
            });
        }
        let version_at = r.offset();
        let version = r.u32("version")?;
        let structured = match version {
            CIRCUIT_FORMAT_VERSION => false,
            CIRCUIT_FORMAT_VERSION_STRUCTURED => true,
            got => {
                return Err(DecodeError::Version {
                    what: "circuit",
                    got,
                    supported: &[CIRCUIT_FORMAT_VERSION, CIRCUIT_FORMAT_VERSION_STRUCTURED],
                });
            }
        };
        let num_public = r.u32("num_public")?;
        let num_challenges = r.u32("num_challenges")?;
        let log_width = r.u8("input log_width")?;
        let n = r.length(10, "regions")?;
        let mut regions = Vec::with_capacity(n);
        for _ in 0..n {
            let offset = r.offset();
            let tag = r.u8("region kind")?;
            let kind = RegionKind::from_tag(tag).ok_or(DecodeError::Tag {
                tag,
                what: "region kind",
                offset,
            })?;
            regions.push(Region {
                kind,
                offset: r.u32("region offset")?,
                log_len: r.u8("region log_len")?,
                len: r.u32("region len")?,
            });
        }
        let gate_log_width = if structured {
            Some(r.u8("gate_log_width")?).filter(|&g| g != 0)
        } else {
            None
        };
        // A layer takes 13 bytes in v1 and 17 (its block count) in v2.
        let n = r.length(13 + 4 * usize::from(structured), "layers")?;
        let mut layers = Vec::with_capacity(n);
        for _ in 0..n {
            let mut layer = Layer::new(r.u8("layer log_width")?);
            let m = r.length(17, "mul gates")?;
            layer.mul.reserve_exact(m);
            for _ in 0..m {
                let (out, in0, in1) = (r.u32("gate out")?, r.u32("gate in0")?, r.u32("gate in1")?);
                layer.mul.push(MulGate {
                    out,
                    in0,
                    in1,
                    coeff: get_coeff(&mut r)?,
                });
            }
            let m = r.length(13, "add gates")?;
            layer.add.reserve_exact(m);
            for _ in 0..m {
                let (out, input) = (r.u32("gate out")?, r.u32("gate input")?);
                layer.add.push(AddGate {
                    out,
                    input,
                    coeff: get_coeff(&mut r)?,
                });
            }
            let m = r.length(10, "const gates")?;
            layer.constant.reserve_exact(m);
            for _ in 0..m {
                let out = r.u32("gate out")?;
                let coeff = get_coeff(&mut r)?;
                let offset = r.offset();
                let source = match r.u8("const source")? {
                    0 => ConstSource::One,
                    1 => ConstSource::Public(r.u32("public index")?),
                    tag => {
                        return Err(DecodeError::Tag {
                            tag,
                            what: "const source",
                            offset,
                        });
                    }
                };
                layer.constant.push(ConstGate { out, coeff, source });
            }
            if structured {
                let m = r.length(MIN_BLOCK_BYTES, "blocks")?;
                layer.blocks.reserve_exact(m);
                for _ in 0..m {
                    layer.blocks.push(get_block(&mut r)?);
                }
            }
            layers.push(layer);
        }
        let n = r.length(4, "public outputs")?;
        let mut public_outputs = Vec::with_capacity(n);
        for _ in 0..n {
            public_outputs.push(r.u32("public output slot")?);
        }
        r.finish()?;
        let circuit = Circuit {
            input: InputLayout {
                log_width,
                regions,
                gate_log_width,
            },
            layers,
            num_public,
            num_challenges,
            public_outputs,
        };
        if structured && !circuit.has_structure() {
            // Its canonical encoding is version 1: accepting this string too would give
            // one circuit two encodings and two digests.
            return Err(DecodeError::NonCanonical { offset: version_at });
        }
        circuit.validate()?;
        Ok(circuit)
    }

    /// BLAKE3 over the canonical encoding, streamed (equal to hashing `to_bytes()`).
    pub fn digest(&self) -> CircuitDigest {
        let mut w = Writer::hashing(blake3::Hasher::new());
        self.encode(&mut w);
        CircuitDigest(w.finish_hash())
    }
}
