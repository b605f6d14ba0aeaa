//! Private slice boundaries (issue 10 item 3): a slice circuit whose input, output or
//! both are private values in its private region instead of the statement's public input
//! and outputs, so that a chain of slices proves `y = F_n(…F_1(x))` without showing the
//! activations between slices.
//!
//! [`with_private_boundaries`] returns a circuit with the same constraints, changed so:
//!
//! * **A private input.** The public region is dropped; its values move to the *input
//!   sub-cube* of the private region, an aligned sub-cube `[x ‖ N_in ‖ 0…]` whose
//!   [`BOUNDARY_NOISE`] slots after the values are read by nothing. Layer 1's reads of the
//!   public region move with them.
//! * **A private output.** The outputs become *advice* `y` in the *output sub-cube*
//!   `[y ‖ N_out ‖ 0…]`, relayed up by add gates (coefficient 1) through layers
//!   `1..d − 1`; at the output layer an add gate of coefficient −1 subtracts the relayed
//!   advice from each output slot, and no slot is public any more. So the output layer is
//!   all zero exactly when the advice equals what the circuit computes.
//!
//! The sub-cubes are what two consecutive slices' proofs compare: slice `i`'s output
//! sub-cube and slice `i + 1`'s input sub-cube hold the same values and the same noise,
//! so their multilinear extensions agree everywhere, and the prover shows they agree at
//! one point drawn after both commitments (`prover::zk::chain`). The noise masks that one
//! revealed value. Neither sub-cube is read by anything but layer 1's gates (the input)
//! and the relays (the output).
//!
//! Gate circuits only: a circuit with structured blocks is refused (its zero-knowledge
//! form is refused anyway), as is one with `ConstSource::Public` gates when its input is
//! made private (they would read values the statement no longer has).

use crate::zk::{ZkTransformError, align_up, ceil_log2, relocate_input};
use crate::{AddGate, Circuit, Coeff, ConstSource, RegionKind};

/// Noise slots after a boundary's values in its sub-cube: they mask the one extension
/// value (3 base coordinates) the boundary's agreement reveals.
pub const BOUNDARY_NOISE: u32 = 8;

/// One boundary's sub-cube of the private region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SubCube {
    /// First slot, relative to the private region, aligned to `2^log_len`.
    pub offset: u32,
    /// The sub-cube spans `2^log_len` slots.
    pub log_len: u8,
    /// The boundary's values (the tensor's length); [`BOUNDARY_NOISE`] noise slots follow.
    pub len: u32,
}

impl SubCube {
    fn new(len: u32, at: u64) -> Result<(SubCube, u64), ZkTransformError> {
        let log_len = ceil_log2(u64::from(len) + u64::from(BOUNDARY_NOISE));
        let offset = align_up(at, 1u64 << log_len);
        let end = offset + (1u64 << log_len);
        let offset = u32::try_from(offset)
            .map_err(|_| ZkTransformError::TooLarge("private region above 2^32 slots"))?;
        Ok((
            SubCube {
                offset,
                log_len,
                len,
            },
            end,
        ))
    }

    /// The first noise slot (private-relative).
    pub fn noise_offset(&self) -> u32 {
        self.offset + self.len
    }
}

/// Where a circuit's private boundaries lie in its private region.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Boundaries {
    /// The private input's sub-cube.
    pub input: Option<SubCube>,
    /// The private output's sub-cube.
    pub output: Option<SubCube>,
    /// The original circuit's private values (they keep their indices).
    pub private_len: u32,
    /// The transformed circuit's private values, sub-cubes included.
    pub region_len: u32,
}

impl Boundaries {
    /// Whether the circuit has any private boundary.
    pub fn any(&self) -> bool {
        self.input.is_some() || self.output.is_some()
    }
}

/// `circuit` with its input (`input`) and outputs (`output`) made private, and where they
/// lie. With neither, the circuit comes back unchanged.
pub fn with_private_boundaries(
    circuit: &Circuit,
    input: bool,
    output: bool,
) -> Result<(Circuit, Boundaries), ZkTransformError> {
    circuit.validate().map_err(ZkTransformError::InvalidInput)?;
    let private = *circuit
        .input
        .region(RegionKind::Private)
        .ok_or(ZkTransformError::NoPrivateRegion)?;
    let mut bounds = Boundaries {
        input: None,
        output: None,
        private_len: private.len,
        region_len: private.len,
    };
    if !input && !output {
        return Ok((circuit.clone(), bounds));
    }
    if circuit.layers.iter().any(|l| !l.blocks.is_empty()) {
        return Err(ZkTransformError::Unsupported(
            "private boundaries of a circuit with structured blocks",
        ));
    }
    let mut cursor = u64::from(private.len);
    if input {
        let public =
            circuit
                .input
                .region(RegionKind::Public)
                .ok_or(ZkTransformError::Unsupported(
                    "a private input for a circuit without a public region",
                ))?;
        let const_public = circuit.layers.iter().any(|l| {
            l.constant
                .iter()
                .any(|g| matches!(g.source, ConstSource::Public(_)))
        });
        if public.len != circuit.num_public || const_public {
            return Err(ZkTransformError::Unsupported(
                "a private input for a circuit whose gates read public values outside its public region",
            ));
        }
        let (cube, end) = SubCube::new(public.len, cursor)?;
        bounds.input = Some(cube);
        cursor = end;
    }
    if output {
        let n = u32::try_from(circuit.public_outputs.len())
            .map_err(|_| ZkTransformError::TooLarge("outputs"))?;
        if n == 0 {
            return Err(ZkTransformError::Unsupported(
                "a private output for a circuit without outputs",
            ));
        }
        let (cube, end) = SubCube::new(n, cursor)?;
        bounds.output = Some(cube);
        cursor = end;
    }
    bounds.region_len =
        u32::try_from(cursor).map_err(|_| ZkTransformError::TooLarge("private region"))?;
    let log_len = ceil_log2(cursor).max(private.log_len);
    if log_len > 30 {
        return Err(ZkTransformError::TooLarge(
            "private region above 2^30 slots",
        ));
    }
    let mut c = circuit.clone();
    relocate_input(
        &mut c,
        Some((log_len, bounds.region_len)),
        None,
        bounds.input.map(|b| b.offset),
    )?;
    if bounds.input.is_some() {
        c.num_public = 0;
    }
    if let Some(out) = bounds.output {
        relay_advice(&mut c, out)?;
    }
    c.fit_to_backing();
    c.validate()?;
    Ok((c, bounds))
}

/// The output advice relayed up from the output sub-cube and subtracted at the output
/// layer; no output slot stays public.
fn relay_advice(c: &mut Circuit, out: crate::boundary::SubCube) -> Result<(), ZkTransformError> {
    let d = c.depth();
    let private_at = c.input.region(RegionKind::Private).map_or(0, |r| r.offset);
    let (highest, _) = c.highest_used_slots();
    let slot = |x: u64| u32::try_from(x).map_err(|_| ZkTransformError::TooLarge("layer width"));
    // Layer k (1 ≤ k < d) carries advice j in slot base[k] + j, above everything it uses.
    let base: Vec<u64> = highest.iter().map(|h| h.map_or(0, |h| h + 1)).collect();
    let source = |k: usize, j: u64| -> u64 {
        if k == 0 {
            u64::from(private_at) + u64::from(out.offset) + j
        } else {
            base[k] + j
        }
    };
    let n = u64::from(out.len);
    for (k, &at) in base.iter().enumerate().take(d).skip(1) {
        for j in 0..n {
            c.layers[k - 1].add.push(AddGate {
                out: slot(at + j)?,
                input: slot(source(k - 1, j))?,
                coeff: Coeff::ONE,
            });
        }
    }
    let outputs = std::mem::take(&mut c.public_outputs);
    for (j, &o) in outputs.iter().enumerate() {
        c.layers[d - 1].add.push(AddGate {
            out: o,
            input: slot(source(d - 1, j as u64))?,
            coeff: Coeff::Int(-1),
        });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::eval::Residue;
    use crate::random::{self, Spec};

    fn spec(depth: usize) -> Spec {
        let mut log_widths = vec![6u8];
        log_widths.extend(std::iter::repeat_n(4u8, depth));
        Spec {
            log_widths,
            num_public: 5,
            const_percent: 0,
            ..Spec::default()
        }
    }

    fn values(n: usize, seed: u64) -> Vec<Residue> {
        random::values(n, seed)
            .into_iter()
            .map(Residue::new)
            .collect()
    }

    /// Output layer of `c` on the given input values.
    fn run(
        c: &Circuit,
        public: &[Residue],
        weights: &[Residue],
        private: &[Residue],
    ) -> Vec<Residue> {
        let input = c.input_layer(public, weights, private).unwrap();
        let mut all = c.evaluate(public, input, &[]).unwrap();
        all.pop().unwrap()
    }

    /// The transformed circuit computes zero everywhere on the original's values laid out
    /// in the sub-cubes (any noise), and something else when the advice or the private
    /// input changes; a private input alone keeps the outputs.
    #[test]
    fn boundaries_keep_the_function_and_refuse_wrong_advice() {
        for seed in 0..20u64 {
            for depth in [1usize, 2, 4] {
                for (input, output) in [(true, false), (false, true), (true, true)] {
                    let c = random::circuit(&spec(depth), seed);
                    let public = values(c.num_public as usize, seed + 1);
                    let weights = values(c.input.len_of(RegionKind::Weights), seed + 2);
                    let private = values(c.input.len_of(RegionKind::Private), seed + 3);
                    let top = run(&c, &public, &weights, &private);
                    let outputs: Vec<Residue> =
                        c.public_outputs.iter().map(|&o| top[o as usize]).collect();
                    let (t, b) = with_private_boundaries(&c, input, output).unwrap();
                    assert_eq!(t.public_outputs.is_empty(), output);
                    assert_eq!(t.num_public == 0, input);
                    let mut laid = private.clone();
                    laid.resize(b.region_len as usize, Residue::ZERO);
                    let mut fill = |cube: SubCube, v: &[Residue]| {
                        let at = cube.offset as usize;
                        laid[at..at + v.len()].copy_from_slice(v);
                        for i in 0..BOUNDARY_NOISE {
                            laid[(cube.noise_offset() + i) as usize] =
                                Residue::new(1000 + u64::from(i) + seed);
                        }
                    };
                    if let Some(cube) = b.input {
                        fill(cube, &public);
                    }
                    if let Some(cube) = b.output {
                        fill(cube, &outputs);
                    }
                    let pub_t: Vec<Residue> = if input { Vec::new() } else { public.clone() };
                    let got = run(&t, &pub_t, &weights, &laid);
                    if output {
                        assert!(
                            got.iter().all(|v| *v == Residue::ZERO),
                            "seed {seed} depth {depth}"
                        );
                    } else {
                        let now: Vec<Residue> =
                            t.public_outputs.iter().map(|&o| got[o as usize]).collect();
                        assert_eq!(now, outputs, "seed {seed} depth {depth}");
                    }
                    // Wrong advice is a nonzero output slot.
                    if let Some(cube) = b.output {
                        let mut bad = laid.clone();
                        bad[cube.offset as usize] = bad[cube.offset as usize] + Residue::new(1);
                        let got = run(&t, &pub_t, &weights, &bad);
                        assert!(
                            got.iter().any(|v| *v != Residue::ZERO),
                            "seed {seed} depth {depth}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn neither_boundary_is_the_identity() {
        let c = random::circuit(&spec(3), 3);
        let (t, b) = with_private_boundaries(&c, false, false).unwrap();
        assert_eq!(t, c);
        assert!(!b.any());
    }

    #[test]
    fn public_constants_refuse_a_private_input() {
        let s = Spec {
            const_percent: 100,
            ..spec(2)
        };
        let c = random::circuit(&s, 1);
        assert!(matches!(
            with_private_boundaries(&c, true, false),
            Err(ZkTransformError::Unsupported(_))
        ));
        assert!(with_private_boundaries(&c, false, true).is_ok());
    }
}
