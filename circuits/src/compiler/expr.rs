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

    /// Empties it, keeping its buffers.
    pub fn clear(&mut self) {
        self.quad.clear();
        self.lin.clear();
        self.cst.clear();
    }

    /// Makes it the constant `c` (as [`Expr::constant`]), keeping its buffers.
    pub fn set_constant(&mut self, c: Coeff) {
        self.clear();
        self.cst.push(c);
    }

    /// Adds `k·other` to `self`; `None` if a coefficient product is not representable.
    pub fn add_scaled(&mut self, k: Coeff, other: ExprRef<'_>) -> Option<()> {
        for &(c, a, b) in other.quad {
            self.quad.push((coeff_mul(k, c)?, a, b));
        }
        for &(c, a) in other.lin {
            self.lin.push((coeff_mul(k, c)?, a));
        }
        for &c in other.cst {
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
}

/// Where a stored expression's terms sit in the builder's [`Terms`]: no allocation per
/// node (a program has millions; per-node vectors cost more in malloc, page faults and
/// the final drop than the layout itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    quad: u32,
    lin: u32,
    cst: u32,
    n_quad: u32,
    n_lin: u32,
    n_cst: u32,
}

/// Every stored expression's terms, in three shared vectors.
#[derive(Clone, Debug, Default)]
pub(crate) struct Terms {
    quad: Vec<(Coeff, u32, u32)>,
    lin: Vec<(Coeff, u32)>,
    cst: Vec<Coeff>,
}

impl Terms {
    /// Stores `e`'s terms. Offsets are `u32`: a program with 2^32 terms of one kind
    /// (over 64 GiB of them) would get saturated offsets and fail loudly when read;
    /// memory runs out long before.
    pub fn push(&mut self, e: &Expr) -> Span {
        let at = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        let span = Span {
            quad: at(self.quad.len()),
            lin: at(self.lin.len()),
            cst: at(self.cst.len()),
            n_quad: at(e.quad.len()),
            n_lin: at(e.lin.len()),
            n_cst: at(e.cst.len()),
        };
        self.quad.extend_from_slice(&e.quad);
        self.lin.extend_from_slice(&e.lin);
        self.cst.extend_from_slice(&e.cst);
        span
    }

    /// Frees the vectors' growth slack.
    pub fn shrink_to_fit(&mut self) {
        self.quad.shrink_to_fit();
        self.lin.shrink_to_fit();
        self.cst.shrink_to_fit();
    }

    /// The stored expression at `s`.
    pub fn get(&self, s: Span) -> ExprRef<'_> {
        let range = |start: u32, n: u32| start as usize..start as usize + n as usize;
        ExprRef {
            quad: &self.quad[range(s.quad, s.n_quad)],
            lin: &self.lin[range(s.lin, s.n_lin)],
            cst: &self.cst[range(s.cst, s.n_cst)],
        }
    }
}

/// A borrowed expression: a stored node's terms, or an [`Expr`]'s.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExprRef<'a> {
    pub quad: &'a [(Coeff, u32, u32)],
    pub lin: &'a [(Coeff, u32)],
    pub cst: &'a [Coeff],
}

impl<'a> ExprRef<'a> {
    /// The expression `1·v` for the single term `atom = [(1, v)]`.
    pub fn atom(atom: &'a [(Coeff, u32); 1]) -> Self {
        ExprRef {
            quad: &[],
            lin: atom,
            cst: &[],
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

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.quad.len() + self.lin.len() + self.cst.len()
    }

    /// The atoms it reads, with repetition.
    pub fn atoms(self) -> impl Iterator<Item = u32> + 'a {
        self.quad
            .iter()
            .flat_map(|t| [t.1, t.2])
            .chain(self.lin.iter().map(|t| t.1))
    }
}
