//! The witness solver: interprets the program on residues, computes the derived hints
//! (range-check digits, LogUp multiplicities) and checks every constraint by its label, so
//! a bad witness is named here and never reaches the prover silently.

use super::{Derived, Label, Node, Program};
use crate::{Coeff, RegionKind, Residue};
use thiserror::Error;

/// Why a witness does not satisfy the program.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SolveError {
    /// An input vector has the wrong length.
    #[error("{what}: the program expects {expected} values, got {got}")]
    Length {
        /// Which vector.
        what: &'static str,
        /// Expected.
        expected: usize,
        /// Given.
        got: usize,
    },
    /// A constraint does not hold.
    #[error("constraint {label} fails: value {value} should be 0")]
    Constraint {
        /// Its label.
        label: Label,
        /// The offending value (signed).
        value: i64,
    },
    /// A structured operation read a value the solver does not know (an internal error:
    /// tensors hold inputs, which are always known).
    #[error("structured operation {op} could not be evaluated")]
    Operation {
        /// Operation index.
        op: usize,
    },
    /// A range-checked value is out of range.
    #[error("range check {label} fails: {value} is not in [0, 2^{bits})")]
    Range {
        /// Its label.
        label: Label,
        /// The value (signed).
        value: i64,
        /// The width.
        bits: u32,
    },
}

/// The input layer's values by region, and the public outputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolvedWitness {
    /// Public input values.
    pub public: Vec<Residue>,
    /// Weights, as the weights region holds them (tensors placed, padding zero).
    pub weights: Vec<Residue>,
    /// Private values (given and derived hints) as the private region holds them.
    pub private: Vec<Residue>,
    /// Public outputs, in output order.
    pub outputs: Vec<Residue>,
}

impl Program {
    /// Solves the witness from public input, weights and the given hints (in declaration
    /// order), checking every range check and constraint.
    pub fn solve(
        &self,
        public: &[i64],
        weights: &[i64],
        hints: &[i64],
    ) -> Result<SolvedWitness, SolveError> {
        let (np, nw, nh) = self.input_counts();
        let check = |what, expected: usize, got: usize| {
            if expected == got {
                Ok(())
            } else {
                Err(SolveError::Length {
                    what,
                    expected,
                    got,
                })
            }
        };
        check("public input", np, public.len())?;
        check("weights", nw, weights.len())?;
        check("hints", nh, hints.len())?;
        let b = &self.b;
        // Private values in declaration order: given hints and derived hints interleave
        // (tensor copies are derived while a blueprint emits), so walk them by index.
        let mut private: Vec<Residue> = Vec::with_capacity(b.private_derived.len());
        let mut given = hints.iter();
        // Values; `None` for values that depend on a challenge (known only to the prover).
        let mut val: Vec<Option<Residue>> = Vec::with_capacity(b.nodes.len());
        let mut checked = false;
        let mut histogram: Vec<u64> = Vec::new();
        // Structured operations' outputs, computed once on first use.
        let mut outputs: Vec<Option<Vec<Residue>>> = vec![None; b.ops.len()];
        for node in &b.nodes {
            let v = match node {
                Node::Input {
                    region: RegionKind::Public,
                    index,
                } => Some(Residue::from_i64(public[*index as usize])),
                Node::Input {
                    region: RegionKind::Weights,
                    index,
                } => Some(Residue::from_i64(weights[*index as usize])),
                Node::Input {
                    region: RegionKind::Private,
                    index,
                } => {
                    let i = *index as usize;
                    let derived = b.private_derived.get(i).copied().unwrap_or(u32::MAX);
                    if derived == u32::MAX {
                        let h = given.next().copied().unwrap_or(0);
                        private.push(Residue::from_i64(h));
                    } else {
                        let r = match b.derived[derived as usize] {
                            Derived::Copy { of } => val[of as usize].unwrap_or(Residue::ZERO),
                            Derived::Digit { of, shift, bits } => {
                                if !checked {
                                    self.check_ranges(&val)?;
                                    checked = true;
                                }
                                let x = val[of as usize].map_or(0, Residue::value);
                                Residue::new((x >> shift) & ((1u64 << bits) - 1))
                            }
                            Derived::Multiplicity(t) => {
                                if histogram.is_empty() {
                                    let index: std::collections::HashMap<(u32, u32), usize> = self
                                        .table
                                        .iter()
                                        .enumerate()
                                        .map(|(i, &row)| (row, i))
                                        .collect();
                                    histogram = vec![0; self.table.len()];
                                    for &(q, tag) in &self.query_nodes {
                                        let v = val[q as usize].map_or(u64::MAX, Residue::value);
                                        if let Some(&i) =
                                            u32::try_from(v).ok().and_then(|v| index.get(&(tag, v)))
                                        {
                                            histogram[i] += 1;
                                        }
                                    }
                                }
                                Residue::new(histogram[t as usize])
                            }
                        };
                        private.push(r);
                    }
                    Some(private[i])
                }
                Node::Structured { op, index } => {
                    let op = *op as usize;
                    if outputs[op].is_none() {
                        let tensors = &b.tensors;
                        let computed = b.ops[op]
                            .evaluate(tensors, |v| val.get(v.0 as usize).copied().flatten())
                            .ok_or(SolveError::Operation { op })?;
                        outputs[op] = Some(computed);
                    }
                    outputs[op]
                        .as_ref()
                        .and_then(|y| y.get(*index as usize).copied())
                }
                Node::Expr(span) => (|| {
                    let e = b.terms.get(*span);
                    let lower = |c: Coeff| match c {
                        Coeff::Int(v) => Some(Residue::from_i64(v)),
                        _ => None,
                    };
                    let mut acc = Residue::ZERO;
                    for &(c, x, y) in e.quad {
                        acc = acc + lower(c)? * val[x as usize]? * val[y as usize]?;
                    }
                    for &(c, x) in e.lin {
                        acc = acc + lower(c)? * val[x as usize]?;
                    }
                    for &c in e.cst {
                        acc = acc + lower(c)?;
                    }
                    Some(acc)
                })(),
            };
            val.push(v);
        }
        if !checked {
            self.check_ranges(&val)?;
        }
        for &(v, label) in &b.constraints {
            if let Some(x) = val[v as usize]
                && x != Residue::ZERO
            {
                return Err(SolveError::Constraint {
                    label,
                    value: x.to_i64(),
                });
            }
        }
        let weights: Vec<Residue> = weights.iter().map(|&x| Residue::from_i64(x)).collect();
        Ok(SolvedWitness {
            public: public.iter().map(|&x| Residue::from_i64(x)).collect(),
            weights: self.placement.lay_out(RegionKind::Weights, &weights),
            private: self.placement.lay_out(RegionKind::Private, &private),
            outputs: b
                .outputs
                .iter()
                .map(|&o| val[o as usize].unwrap_or(Residue::ZERO))
                .collect(),
        })
    }

    fn check_ranges(&self, val: &[Option<Residue>]) -> Result<(), SolveError> {
        for rc in &self.checks {
            // Challenge-dependent values are refused at compile time; treat as out of range.
            let x = val[rc.var as usize].unwrap_or(Residue::new(u64::MAX));
            if rc.bits >= 64 || x.value() >> rc.bits != 0 {
                return Err(SolveError::Range {
                    label: rc.label,
                    value: x.to_i64(),
                    bits: rc.bits,
                });
            }
        }
        Ok(())
    }
}
