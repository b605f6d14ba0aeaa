//! A masked proof on the wire: the GKR proof, whose sumchecks are masked and whose block
//! outputs are sent masked, the zero-knowledge inner product that discharges its
//! deferred mask claims, and (zero-knowledge proofs of circuits with weights) the weights
//! stock entry it opens. With binding openings this is not a zero-knowledge proof (the
//! openings reveal evaluations), so the type is named for what it is; with hiding
//! openings it is [`crate::zk::ZkProof`].
//!
//! Layout (little-endian): `"LAMZ" | version u32 | GKR proof (u32 length, then
//! [`Proof::to_bytes`]) | inner product ([`InnerProductProof::encode`]) | stock flag u8
//! (0 or 1) | stock path ([`StockPath::encode`], if 1)`, and in version 3 (chained proofs,
//! [`crate::zk::chain`]) then `links u8 (1 or 2) | that many extension values`. A proof
//! without links is written as version 2. The decoder rejects a wrong magic or version, a
//! flag other than 0 or 1, a link count other than 1 or 2, truncation and trailing bytes;
//! every count inside is checked by the verifier against the circuit, the layout and the
//! key.

use super::inner_product::InnerProductProof;
use super::stock::StockPath;
use crate::arith::Field;
use crate::commit::Opening;
use crate::proof::Proof;
use circuits::DecodeError;
use circuits::codec::{Reader, Writer};

/// Magic bytes opening an encoded masked proof.
pub const MASKED_PROOF_MAGIC: [u8; 4] = *b"LAMZ";
/// Version of the masked proof encoding (of a chained proof; one without links is
/// written as version 2).
pub const MASKED_PROOF_VERSION: u32 = 3;

/// A masked GKR proof and its inner product (what [`crate::gkr::prove_masked`] returns,
/// as one value that [`crate::gkr::verify_masked`] checks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaskedProof<E, O> {
    /// The GKR proof.
    pub proof: Proof<E, O>,
    /// The inner product over the mask table.
    pub inner: InnerProductProof<E>,
    /// The weights stock entry the weights opening is of, with its Merkle path.
    pub stock: Option<StockPath>,
    /// Chained proofs: the private region's values at the slice boundaries' agreement
    /// points (the input's, then the output's), which the next and previous slices'
    /// proofs must repeat.
    pub links: Vec<E>,
}

impl<E: Field, O: Opening> MaskedProof<E, O> {
    /// The encoded proof.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.bytes(&MASKED_PROOF_MAGIC);
        w.u32(if self.links.is_empty() {
            2
        } else {
            MASKED_PROOF_VERSION
        });
        let gkr = self.proof.to_bytes();
        w.length(gkr.len());
        w.bytes(&gkr);
        self.inner.encode(&mut w);
        match &self.stock {
            None => w.u8(0),
            Some(path) => {
                w.u8(1);
                path.encode(&mut w);
            }
        }
        if !self.links.is_empty() {
            // A chain proof has one or two links (its two boundaries); saturating keeps
            // a malformed count malformed, which the decoder refuses.
            w.u8(u8::try_from(self.links.len()).unwrap_or(u8::MAX));
            self.links.iter().for_each(|v| v.encode(&mut w));
        }
        w.into_bytes()
    }

    /// Decodes a masked proof strictly. Never panics.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        if r.take(4, "magic")? != MASKED_PROOF_MAGIC {
            return Err(DecodeError::Magic {
                expected: MASKED_PROOF_MAGIC,
            });
        }
        let version = r.u32("version")?;
        if version != MASKED_PROOF_VERSION && version != 2 {
            return Err(DecodeError::Version {
                what: "masked proof",
                got: version,
                supported: &[2, MASKED_PROOF_VERSION],
            });
        }
        let n = r.length(1, "GKR proof bytes")?;
        let proof = Proof::from_bytes(r.take(n, "GKR proof")?)?;
        let inner = InnerProductProof::decode(&mut r)?;
        let offset = bytes.len() - r.remaining();
        let stock = match r.u8("stock flag")? {
            0 => None,
            1 => Some(StockPath::decode(&mut r)?),
            tag => {
                return Err(DecodeError::Tag {
                    tag,
                    what: "stock flag",
                    offset,
                });
            }
        };
        let mut links = Vec::new();
        if version == MASKED_PROOF_VERSION {
            let offset = bytes.len() - r.remaining();
            let n = r.u8("link count")?;
            if !(1..=2).contains(&n) {
                return Err(DecodeError::Tag {
                    tag: n,
                    what: "link count",
                    offset,
                });
            }
            for _ in 0..n {
                links.push(E::decode(&mut r)?);
            }
        }
        r.finish()?;
        Ok(MaskedProof {
            proof,
            inner,
            stock,
            links,
        })
    }
}
