//! Degree-≤2 expressions over atoms, and coefficient arithmetic modulo the field.

use crate::{Coeff, GOLDILOCKS_P};

/// `a·b mod p`, as a signed representative in `(−p/2, p/2]`.
pub(crate) fn mul_mod(a: i64, b: i64) -> i64 {
    signed(i128::from(a) * i128::from(b))
}

/// `a + b mod p`, as a signed representative.
pub(crate) fn add_mod(a: i64, b: i64) -> i64 {
    signed(i128::from(a) + i128::from(b))
}

fn signed(v: i128) -> i64 {
    let p = i128::from(GOLDILOCKS_P);
    let r = v.rem_euclid(p);
    (if r > p / 2 { r - p } else { r }) as i64
}

/// `a·b` for coefficients; `None` when both reference challenges (a product of two
/// challenges is not a coefficient: the compiler materialises an operand instead).
pub(crate) fn coeff_mul(a: Coeff, b: Coeff) -> Option<Coeff> {
    Some(match (a, b) {
        (Coeff::Int(x), Coeff::Int(y)) => Coeff::Int(mul_mod(x, y)),
        (Coeff::Int(x), Coeff::Challenge(i)) | (Coeff::Challenge(i), Coeff::Int(x)) => {
            Coeff::ChallengeTimes(i, signed(x.into()))
        }
        (Coeff::Int(x), Coeff::ChallengeTimes(i, f))
        | (Coeff::ChallengeTimes(i, f), Coeff::Int(x)) => Coeff::ChallengeTimes(i, mul_mod(x, f)),
        _ => return None,
    })
}

/// Whether a coefficient is zero in the field.
pub(crate) fn is_zero(c: Coeff) -> bool {
    matches!(c, Coeff::Int(0) | Coeff::ChallengeTimes(_, 0))
}

/// `Σ quad c·a·b + Σ lin c·a + Σ cst`, atoms being node indices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Expr {
    pub quad: Vec<(Coeff, u32, u32)>,
    pub lin: Vec<(Coeff, u32)>,
    pub cst: Vec<Coeff>,
}

impl Expr {
    pub fn constant(c: Coeff) -> Expr {
        Expr {
            cst: vec![c],
            ..Expr::default()
        }
    }

    pub fn is_constant(&self) -> bool {
        self.quad.is_empty() && self.lin.is_empty()
    }

    pub fn is_linear(&self) -> bool {
        self.quad.is_empty()
    }

    pub fn has_challenge(&self) -> bool {
        self.quad.iter().any(|t| t.0.challenge().is_some())
            || self.lin.iter().any(|t| t.0.challenge().is_some())
            || self.cst.iter().any(|c| c.challenge().is_some())
    }

    /// Adds `k·other` to `self`; `None` if a coefficient product is not representable.
    pub fn add_scaled(&mut self, k: Coeff, other: &Expr) -> Option<()> {
        for &(c, a, b) in &other.quad {
            self.quad.push((coeff_mul(k, c)?, a, b));
        }
        for &(c, a) in &other.lin {
            self.lin.push((coeff_mul(k, c)?, a));
        }
        for &c in &other.cst {
            self.push_cst(coeff_mul(k, c)?);
        }
        Some(())
    }

    /// Adds a constant, merging integers.
    pub fn push_cst(&mut self, c: Coeff) {
        if let (Coeff::Int(x), Some(Coeff::Int(y))) =
            (c, self.cst.iter_mut().find(|c| matches!(c, Coeff::Int(_))))
        {
            *y = add_mod(*y, x);
        } else {
            self.cst.push(c);
        }
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.quad.len() + self.lin.len() + self.cst.len()
    }
}
