//! Plain evaluation over residues modulo the Goldilocks prime.
//!
//! This is the reference the prover's field evaluation is tested against: deliberately
//! simple (u128 products, `%` reduction), independent of the prover's arithmetic.

use crate::{Circuit, CircuitError, Coeff, ConstSource, RegionKind};
use std::ops::{Add, Mul};

/// The Goldilocks prime `2^64 - 2^32 + 1`.
pub const GOLDILOCKS_P: u64 = 0xFFFF_FFFF_0000_0001;

/// A residue modulo [`GOLDILOCKS_P`], always canonical.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Residue(u64);

impl Residue {
    /// Zero.
    pub const ZERO: Residue = Residue(0);

    /// Reduces any `u64`.
    pub fn new(v: u64) -> Self {
        Residue(v % GOLDILOCKS_P)
    }
    /// Maps a signed integer to its residue (`-x ↦ p - x`).
    pub fn from_i64(v: i64) -> Self {
        if v >= 0 {
            Residue::new(v as u64)
        } else {
            Residue(GOLDILOCKS_P - v.unsigned_abs() % GOLDILOCKS_P).canon()
        }
    }
    fn canon(self) -> Self {
        Residue(self.0 % GOLDILOCKS_P)
    }
    /// The canonical value in `0..p`.
    pub fn value(self) -> u64 {
        self.0
    }
    /// The value as a signed integer in `(-p/2, p/2]`.
    pub fn to_i64(self) -> i64 {
        if self.0 > GOLDILOCKS_P / 2 {
            -((GOLDILOCKS_P - self.0) as i64)
        } else {
            self.0 as i64
        }
    }
}

impl Add for Residue {
    type Output = Residue;
    #[inline]
    fn add(self, o: Residue) -> Residue {
        let (s, carry) = self.0.overflowing_add(o.0);
        // Both < p, so s < 2p; a carry means s + 2^64, and 2^64 ≡ 2^32 − 1.
        let s = if carry {
            s.wrapping_add(0xFFFF_FFFF)
        } else {
            s
        };
        Residue(if s >= GOLDILOCKS_P {
            s - GOLDILOCKS_P
        } else {
            s
        })
    }
}

impl Mul for Residue {
    type Output = Residue;
    #[inline]
    fn mul(self, o: Residue) -> Residue {
        Residue(reduce128(u128::from(self.0) * u128::from(o.0)))
    }
}

/// `x mod p` for the Goldilocks prime, using `2^64 ≡ 2^32 − 1` and `2^96 ≡ −1`.
#[inline]
pub(crate) fn reduce128(x: u128) -> u64 {
    const EPS: u64 = 0xFFFF_FFFF; // 2^32 − 1 = 2^64 mod p
    let (lo, hi) = (x as u64, (x >> 64) as u64);
    let (hi_hi, hi_lo) = (hi >> 32, hi & EPS);
    // lo − hi_hi·2^96 ≡ lo + hi_hi·(−1) ... as 2^96 ≡ −1.
    let (mut t0, borrow) = lo.overflowing_sub(hi_hi);
    if borrow {
        t0 = t0.wrapping_sub(EPS); // add p = subtract (2^64 − p) = subtract EPS, mod 2^64
    }
    let t1 = hi_lo * EPS; // hi_lo·2^64 ≡ hi_lo·(2^32 − 1)
    let (mut r, carry) = t0.overflowing_add(t1);
    if carry {
        r = r.wrapping_add(EPS);
    }
    if r >= GOLDILOCKS_P {
        r - GOLDILOCKS_P
    } else {
        r
    }
}

impl Circuit {
    /// Assembles the input layer from the public input and the values of the committed
    /// regions (weights, private), checking every length.
    pub fn input_layer(
        &self,
        public: &[Residue],
        weights: &[Residue],
        private: &[Residue],
    ) -> Result<Vec<Residue>, CircuitError> {
        let check = |what, expected: usize, got: usize| {
            if expected == got {
                Ok(())
            } else {
                Err(CircuitError::Length {
                    what,
                    expected,
                    got,
                })
            }
        };
        check("public input", self.num_public as usize, public.len())?;
        check(
            "weights",
            self.input.len_of(RegionKind::Weights),
            weights.len(),
        )?;
        check(
            "private values",
            self.input.len_of(RegionKind::Private),
            private.len(),
        )?;
        let mut v = vec![Residue::ZERO; 1usize << self.input.log_width];
        for r in &self.input.regions {
            let src = match r.kind {
                RegionKind::Public => &public[..r.len as usize],
                RegionKind::Weights => weights,
                RegionKind::Private => private,
            };
            v[r.offset as usize..r.offset as usize + src.len()].copy_from_slice(src);
        }
        Ok(v)
    }

    /// Evaluates every layer; returns all layers' values, input first. Challenges are
    /// taken as residues here (the prover draws them from the extension field; this
    /// reference is for circuits whose challenges are fixed by a test). Blocks are
    /// evaluated directly ([`crate::StructuredOp::evaluate`]) on their operand subcube
    /// of the previous layer and the input layer's weights region.
    pub fn evaluate(
        &self,
        public: &[Residue],
        input: Vec<Residue>,
        challenges: &[Residue],
    ) -> Result<Vec<Vec<Residue>>, CircuitError> {
        self.validate()?;
        if input.len() != 1usize << self.input.log_width {
            return Err(CircuitError::Length {
                what: "input layer",
                expected: 1 << self.input.log_width,
                got: input.len(),
            });
        }
        if public.len() != self.num_public as usize {
            return Err(CircuitError::Length {
                what: "public input",
                expected: self.num_public as usize,
                got: public.len(),
            });
        }
        if challenges.len() != self.num_challenges as usize {
            return Err(CircuitError::Length {
                what: "challenges",
                expected: self.num_challenges as usize,
                got: challenges.len(),
            });
        }
        let lower = |c: Coeff| match c {
            Coeff::Int(v) => Residue::from_i64(v),
            Coeff::Challenge(i) => challenges[i as usize],
            Coeff::ChallengeTimes(i, f) => challenges[i as usize] * Residue::from_i64(f),
        };
        // Blocks at any layer read the weights where the input layer holds them.
        let weights = match self.input.region(RegionKind::Weights) {
            Some(r) => {
                input[r.offset as usize..(r.offset as usize + (1usize << r.log_len))].to_vec()
            }
            None => Vec::new(),
        };
        let mut values = vec![input];
        for (idx, layer) in self.layers.iter().enumerate() {
            let prev = &values[values.len() - 1];
            let mut out = vec![Residue::ZERO; layer.width()];
            for g in &layer.mul {
                out[g.out as usize] = out[g.out as usize]
                    + lower(g.coeff) * prev[g.in0 as usize] * prev[g.in1 as usize];
            }
            for g in &layer.add {
                out[g.out as usize] = out[g.out as usize] + lower(g.coeff) * prev[g.input as usize];
            }
            for g in &layer.constant {
                let s = match g.source {
                    ConstSource::One => Residue::new(1),
                    ConstSource::Public(i) => public[i as usize],
                };
                out[g.out as usize] = out[g.out as usize] + lower(g.coeff) * s;
            }
            for (b, block) in layer.blocks.iter().enumerate() {
                // Validation bounds every span below, so `None` cannot occur; it is mapped
                // to an error rather than trusted.
                let failed = CircuitError::BlockShape {
                    layer: idx + 1,
                    block: b,
                    reason: "does not evaluate on the layer's values",
                };
                let t = block.op.operand();
                let (start, log) = (t.offset as usize, t.log_len().ok_or(failed.clone())?);
                let operand = prev
                    .get(start..start + (1usize << log))
                    .ok_or(failed.clone())?;
                let y = block.op.evaluate(operand, &weights).ok_or(failed.clone())?;
                let dst = block.out_offset as usize;
                out.get_mut(dst..dst + y.len())
                    .ok_or(failed)?
                    .copy_from_slice(&y);
            }
            values.push(out);
        }
        Ok(values)
    }
}
