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

use crate::codec::{Reader, Writer};
use crate::{
    AddGate, Circuit, Coeff, ConstGate, ConstSource, DecodeError, InputLayout, Layer, MulGate,
    Region, RegionKind,
};

/// Magic bytes opening an encoded circuit.
pub const CIRCUIT_MAGIC: [u8; 4] = *b"LAMC";
/// Version of the circuit encoding. Bump it with any change to the layout above.
pub const CIRCUIT_FORMAT_VERSION: u32 = 1;

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

    fn encode(&self, w: &mut Writer) {
        w.bytes(&CIRCUIT_MAGIC);
        w.u32(CIRCUIT_FORMAT_VERSION);
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
        let version = r.u32("version")?;
        if version != CIRCUIT_FORMAT_VERSION {
            return Err(DecodeError::Version {
                what: "circuit",
                got: version,
                supported: CIRCUIT_FORMAT_VERSION,
            });
        }
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
        let n = r.length(13, "layers")?;
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
            layers.push(layer);
        }
        let n = r.length(4, "public outputs")?;
        let mut public_outputs = Vec::with_capacity(n);
        for _ in 0..n {
            public_outputs.push(r.u32("public output slot")?);
        }
        r.finish()?;
        let circuit = Circuit {
            input: InputLayout { log_width, regions },
            layers,
            num_public,
            num_challenges,
            public_outputs,
        };
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
