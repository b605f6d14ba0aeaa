//! A small explicit little-endian codec shared by the circuit and proof formats.
//!
//! Why not serde: the encodings feed a digest and a verifier, so they must be canonical
//! (one byte string per value) and strict (lengths checked against the remaining input
//! before anything is allocated, trailing bytes rejected). Fixed-width integers and `u32`
//! length prefixes give exactly that in a page of code.

use crate::DecodeError;

/// Appends fixed-width little-endian values to a buffer, or streams them into a BLAKE3
/// hasher (so a digest never materialises the whole encoding).
#[derive(Default, Debug)]
pub struct Writer {
    buf: Vec<u8>,
    hasher: Option<Box<blake3::Hasher>>,
}

/// Buffered bytes handed to the hasher at a time in hashing mode.
const HASH_CHUNK: usize = 1 << 16;

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Writer::default()
    }
    /// A writer that hashes what it is given instead of keeping it.
    pub fn hashing(hasher: blake3::Hasher) -> Self {
        Writer {
            buf: Vec::with_capacity(HASH_CHUNK + 64),
            hasher: Some(Box::new(hasher)),
        }
    }
    /// The bytes written so far (empty in hashing mode).
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
    /// The hash of everything written, in hashing mode; the hash of the buffer otherwise.
    pub fn finish_hash(mut self) -> [u8; 32] {
        let mut h = self.hasher.take().map_or_else(blake3::Hasher::new, |b| *b);
        h.update(&self.buf);
        *h.finalize().as_bytes()
    }
    /// Raw bytes, no length prefix.
    #[inline]
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
        if let Some(h) = self.hasher.as_mut()
            && self.buf.len() >= HASH_CHUNK
        {
            h.update(&self.buf);
            self.buf.clear();
        }
    }
    /// One byte.
    pub fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }
    /// A `u32`, little-endian.
    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }
    /// A `u64`, little-endian.
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    /// An `i64`, little-endian two's complement.
    pub fn i64(&mut self, v: i64) {
        self.bytes(&v.to_le_bytes());
    }
    /// A length prefix. Lengths beyond `u32::MAX` cannot occur in lamina's formats (every
    /// width is at most 2^30), so exceeding it is an internal bug.
    pub fn length(&mut self, n: usize) {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        self.u32(n);
    }
}

/// Reads what [`Writer`] wrote, failing with a typed error instead of panicking.
#[derive(Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Reads from the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }
    /// Current offset.
    pub fn offset(&self) -> usize {
        self.pos
    }
    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }
    /// Fails unless every byte was consumed.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(DecodeError::TrailingBytes { count }),
        }
    }
    /// The next `n` bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return Err(DecodeError::Truncated {
                offset: self.pos,
                what,
            });
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, what)?);
        Ok(a)
    }
    /// One byte.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(what)?[0])
    }
    /// A little-endian `u32`.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    /// A little-endian `u64`.
    pub fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }
    /// A little-endian `i64`.
    pub fn i64(&mut self, what: &'static str) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.array(what)?))
    }
    /// A 32-byte digest.
    pub fn digest(&mut self, what: &'static str) -> Result<[u8; 32], DecodeError> {
        self.array(what)
    }
    /// A length prefix for items of at least `min_item_bytes` bytes each, checked against
    /// the remaining input so that a hostile length cannot trigger a huge allocation.
    pub fn length(
        &mut self,
        min_item_bytes: usize,
        what: &'static str,
    ) -> Result<usize, DecodeError> {
        let offset = self.pos;
        let n = self.u32(what)? as usize;
        if n.saturating_mul(min_item_bytes.max(1)) > self.remaining() {
            return Err(DecodeError::Length {
                len: n as u64,
                what,
                offset,
            });
        }
        Ok(n)
    }
    /// A canonical residue modulo the Goldilocks prime (rejects values `>= p`).
    pub fn goldilocks(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        let offset = self.pos;
        let v = self.u64(what)?;
        if v >= crate::GOLDILOCKS_P {
            return Err(DecodeError::NonCanonical { offset });
        }
        Ok(v)
    }
}
