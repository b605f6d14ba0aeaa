//! Claims on the committed mask vector `M` that the verifier cannot check in the clear.
//!
//! A masked sumcheck ([`crate::sumcheck::masked`]) hides its round polynomials with
//! random mask coefficients the verifier never sees. Every check that involves a mask
//! value is therefore kept *symbolically*: a value `c + ⟨ℓ, M⟩` ([`Symbolic`]) with `c`
//! known and `ℓ` a sparse covector over `M`'s base slots, and a check `value = e` becomes
//! a [`DeferredClaim`] `⟨u, M⟩ = e`. All deferred claims of a proof are discharged at
//! the end by one zero-knowledge inner product ([`super::inner_product`]).
//!
//! `M` is a vector of base-field slots; an extension coefficient `c = Σ_b c_b·X^b` takes
//! `DEGREE` consecutive slots, and a weight `w` on it contributes `w·X^b` to slot `b`, so
//! `⟨ℓ, M⟩ = Σ_j ℓ_j·M_j` stays one inner product over the base slots. Where the masks of
//! each sumcheck live in `M` is a function of the circuit alone ([`MaskSlots`],
//! [`MaskCursor`]), never read from a proof.

use crate::arith::{ExtensionField, Field};

/// A sparse covector over `M`'s base slots: `(slot, weight)` pairs. A slot may appear
/// more than once; its weights add.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Covector<E> {
    entries: Vec<(usize, E)>,
}

impl<E: Field> Covector<E> {
    /// The zero covector.
    pub fn new() -> Self {
        Covector {
            entries: Vec::new(),
        }
    }

    /// Adds `w` at base slot `slot`.
    pub fn push(&mut self, slot: usize, w: E) {
        self.entries.push((slot, w));
    }

    /// Adds `w·c` for an extension coefficient `c` stored at slots `first..first + DEGREE`.
    pub fn push_ext<F: Field>(&mut self, first: usize, w: E)
    where
        E: ExtensionField<F>,
    {
        for b in 0..E::DEGREE {
            self.entries.push((first + b, w * E::basis(b)));
        }
    }

    /// Appends every entry of `other`, multiplied by `scale`.
    pub fn add_scaled(&mut self, other: &Covector<E>, scale: E) {
        self.entries
            .extend(other.entries.iter().map(|&(j, w)| (j, w * scale)));
    }

    /// The entries.
    pub fn entries(&self) -> &[(usize, E)] {
        &self.entries
    }

    /// The largest slot plus one (0 for the zero covector).
    pub fn span(&self) -> usize {
        self.entries.iter().map(|&(j, _)| j + 1).max().unwrap_or(0)
    }

    /// `⟨self, m⟩`; slots beyond `m` read as zero (a prover-side and test helper).
    pub fn apply<F: Field>(&self, m: &[F]) -> E
    where
        E: ExtensionField<F>,
    {
        self.entries
            .iter()
            .map(|&(j, w)| m.get(j).map_or(E::ZERO, |&v| w * v))
            .sum()
    }

    /// The covector negated.
    pub fn neg(&self) -> Self {
        Covector {
            entries: self
                .entries
                .iter()
                .map(|&(j, w)| (j, E::ZERO - w))
                .collect(),
        }
    }
}

/// A value the verifier knows only up to the masks: `constant + ⟨covector, M⟩`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Symbolic<E> {
    /// The known part.
    pub constant: E,
    /// The part that depends on `M`.
    pub covector: Covector<E>,
}

impl<E: Field> Symbolic<E> {
    /// A value known in the clear.
    pub fn known(constant: E) -> Self {
        Symbolic {
            constant,
            covector: Covector::new(),
        }
    }

    /// The deferred claim that this value equals `e`: `⟨covector, M⟩ = e − constant`.
    pub fn equals(self, e: E) -> DeferredClaim<E> {
        DeferredClaim {
            covector: self.covector,
            value: e - self.constant,
        }
    }

    /// The value, given `M` (prover-side and test helper).
    pub fn evaluate<F: Field>(&self, m: &[F]) -> E
    where
        E: ExtensionField<F>,
    {
        self.constant + self.covector.apply(m)
    }
}

/// A claim `⟨covector, M⟩ = value`, checked later by the inner product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeferredClaim<E> {
    /// The linear form.
    pub covector: Covector<E>,
    /// Its claimed value.
    pub value: E,
}

impl<E: Field> DeferredClaim<E> {
    /// Whether the claim holds on `M` (prover-side and test helper).
    pub fn holds<F: Field>(&self, m: &[F]) -> bool
    where
        E: ExtensionField<F>,
    {
        self.covector.apply(m) == self.value
    }
}

/// Where one masked sumcheck's mask coefficients live in `M`: `rounds` rounds of
/// `per_round` extension coefficients (`c_0..c_d`, the round polynomial's degree plus
/// one), each `DEGREE` base slots, starting at base slot `offset`, in round order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaskSlots {
    /// First base slot.
    pub offset: usize,
    /// Number of rounds.
    pub rounds: usize,
    /// Coefficients per round (degree + 1).
    pub per_round: usize,
}

impl MaskSlots {
    /// Base slots the masks take, for an extension of degree `ext_degree`.
    pub fn len(&self, ext_degree: usize) -> usize {
        self.rounds * self.per_round * ext_degree
    }

    /// Whether the sumcheck has no rounds (and so no masks).
    pub fn is_empty(&self) -> bool {
        self.rounds == 0
    }

    /// The first base slot of coefficient `k` of round `round`.
    pub fn slot(&self, round: usize, k: usize, ext_degree: usize) -> usize {
        self.offset + (round * self.per_round + k) * ext_degree
    }
}

/// Allocates consecutive [`MaskSlots`] in `M`, in the order the protocol runs its
/// sumchecks; prover and verifier both walk the circuit with one.
#[derive(Clone, Debug, Default)]
pub struct MaskCursor {
    next: usize,
    ext_degree: usize,
}

impl MaskCursor {
    /// A cursor at slot 0 for an extension of degree `ext_degree`.
    pub fn new(ext_degree: usize) -> Self {
        MaskCursor {
            next: 0,
            ext_degree,
        }
    }

    /// The slots of the next sumcheck, of `rounds` rounds and round degree `degree`.
    pub fn take(&mut self, rounds: usize, degree: usize) -> MaskSlots {
        let slots = MaskSlots {
            offset: self.next,
            rounds,
            per_round: degree + 1,
        };
        self.next += slots.len(self.ext_degree);
        slots
    }

    /// Base slots used so far.
    pub fn used(&self) -> usize {
        self.next
    }
}
