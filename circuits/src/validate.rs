//! Structural validation: every index in range, every width sane, regions well placed,
//! and every declaration backed: widths by the slots in use, challenges by the gates that
//! reference them. A circuit's size in bytes then bounds what the verifier does with it.

use crate::{Circuit, CircuitError, Coeff, ConstSource, MAX_LOG_WIDTH, RegionKind};

impl Circuit {
    /// Checks that the circuit is well formed. Everything downstream (prover, verifier,
    /// decoder) relies on this, so it runs on every decode and before every proof.
    pub fn validate(&self) -> Result<(), CircuitError> {
        if self.layers.is_empty() {
            return Err(CircuitError::NoLayers);
        }
        check_width(0, self.input.log_width)?;
        self.validate_regions()?;
        let mut prev_width = 1usize << self.input.log_width;
        for (idx, layer) in self.layers.iter().enumerate() {
            let k = idx + 1;
            check_width(k, layer.log_width)?;
            let width = layer.width();
            let out = |kind, gate, slot: u32| {
                if (slot as usize) < width {
                    Ok(())
                } else {
                    Err(CircuitError::OutputSlot {
                        layer: k,
                        kind,
                        gate,
                        slot,
                        width,
                    })
                }
            };
            let inp = |kind, gate, slot: u32| {
                if (slot as usize) < prev_width {
                    Ok(())
                } else {
                    Err(CircuitError::InputSlot {
                        layer: k,
                        kind,
                        gate,
                        slot,
                        width: prev_width,
                    })
                }
            };
            let coeff = |kind, gate, c: Coeff| match c.challenge() {
                Some(index) if index >= self.num_challenges => Err(CircuitError::Challenge {
                    layer: k,
                    kind,
                    gate,
                    index,
                    count: self.num_challenges,
                }),
                _ => Ok(()),
            };
            for (g, m) in layer.mul.iter().enumerate() {
                out("mul", g, m.out)?;
                inp("mul", g, m.in0)?;
                inp("mul", g, m.in1)?;
                coeff("mul", g, m.coeff)?;
            }
            for (g, a) in layer.add.iter().enumerate() {
                out("add", g, a.out)?;
                inp("add", g, a.input)?;
                coeff("add", g, a.coeff)?;
            }
            for (g, c) in layer.constant.iter().enumerate() {
                out("const", g, c.out)?;
                coeff("const", g, c.coeff)?;
                if let ConstSource::Public(index) = c.source
                    && index >= self.num_public
                {
                    return Err(CircuitError::PublicIndex {
                        layer: k,
                        gate: g,
                        index,
                        count: self.num_public,
                    });
                }
            }
            prev_width = width;
        }
        // Duplicates by sorting a copy: memory follows the list, not the output width.
        for (index, &slot) in self.public_outputs.iter().enumerate() {
            if slot as usize >= prev_width {
                return Err(CircuitError::PublicOutput {
                    index,
                    slot,
                    reason: "is beyond the output width",
                });
            }
        }
        let mut sorted: Vec<(u32, u32)> = self
            .public_outputs
            .iter()
            .zip(0u32..)
            .map(|(&s, i)| (s, i))
            .collect();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(CircuitError::PublicOutput {
                index: w[0].1.max(w[1].1) as usize,
                slot: w[0].0,
                reason: "is listed twice",
            });
        }
        drop(sorted);
        self.validate_blocks()?;
        self.validate_gate_span()?;
        self.validate_backing()?;
        self.validate_budget()
    }

    /// The widths and the challenge count are backed by what the circuit holds, so the
    /// verifier's work and memory follow the gates, not the declarations.
    fn validate_backing(&self) -> Result<(), CircuitError> {
        let (highest, referencing_gates) = self.highest_used_slots();
        for (k, &h) in highest.iter().enumerate() {
            let needed = fitting_log_width(h);
            let log_width = self.log_width(k);
            if log_width != needed {
                return Err(CircuitError::UnbackedWidth {
                    layer: k,
                    log_width,
                    highest_used: h,
                    needed,
                });
            }
        }

        // Every declared challenge is used. The count check comes first, so the bitmap
        // below is bounded by the gates.
        if self.num_challenges as usize > referencing_gates {
            return Err(CircuitError::ChallengeCount {
                count: self.num_challenges,
                referencing_gates,
            });
        }
        let used = self.used_challenges();
        if let Some(index) = used.iter().position(|&u| !u) {
            return Err(CircuitError::UnusedChallenge {
                index: index as u32,
                count: self.num_challenges,
            });
        }
        Ok(())
    }

    /// Which of the declared challenges some gate references. Call only with indices
    /// validated and the count bounded by the gates.
    fn used_challenges(&self) -> Vec<bool> {
        let mut used = vec![false; self.num_challenges as usize];
        for layer in &self.layers {
            let coeffs = layer
                .mul
                .iter()
                .map(|g| g.coeff)
                .chain(layer.add.iter().map(|g| g.coeff))
                .chain(layer.constant.iter().map(|g| g.coeff));
            for i in coeffs.filter_map(Coeff::challenge) {
                if let Some(u) = used.get_mut(i as usize) {
                    *u = true;
                }
            }
        }
        used
    }

    /// Makes a circuit whose indices are in range meet the backing rules: each width
    /// shrinks to the smallest covering its used slots, and the challenges are renumbered
    /// densely (in order) to the ones some gate references. The compiler calls this after
    /// gate dedup, which can drop the last use of a slot or a challenge.
    pub(crate) fn fit_to_backing(&mut self) {
        let (highest, _) = self.highest_used_slots();
        self.input.log_width = fitting_log_width(highest[0]);
        for (layer, &h) in self.layers.iter_mut().zip(&highest[1..]) {
            layer.log_width = fitting_log_width(h);
        }
        let used = self.used_challenges();
        if used.iter().all(|&u| u) {
            return;
        }
        let mut renumber = Vec::with_capacity(used.len());
        let mut next = 0u32;
        for &u in &used {
            renumber.push(next);
            next += u32::from(u);
        }
        let map = |c: &mut Coeff| match c {
            Coeff::Int(_) => {}
            Coeff::Challenge(i) | Coeff::ChallengeTimes(i, _) => *i = renumber[*i as usize],
        };
        for layer in &mut self.layers {
            layer.mul.iter_mut().for_each(|g| map(&mut g.coeff));
            layer.add.iter_mut().for_each(|g| map(&mut g.coeff));
            layer.constant.iter_mut().for_each(|g| map(&mut g.coeff));
        }
        self.num_challenges = next;
    }

    /// The highest used slot of each layer (0 = input): written by the layer's gates or
    /// spanned by its blocks' outputs, read by the next layer's gates or spanned by its
    /// blocks' operands, spanned by an input region, or named as a public output; and the
    /// number of gates whose coefficient references a challenge. A block whose shape does
    /// not compute counts nothing (validation refuses it before backing is checked).
    pub(crate) fn highest_used_slots(&self) -> (Vec<Option<u64>>, usize) {
        let d = self.layers.len();
        let mut highest: Vec<Option<u64>> = vec![None; d + 1];
        let mut bump = |k: usize, slot: u64| {
            highest[k] = Some(highest[k].map_or(slot, |h| h.max(slot)));
        };
        for r in &self.input.regions {
            bump(0, u64::from(r.offset) + (1u64 << r.log_len) - 1);
        }
        let mut referencing_gates = 0usize;
        for (idx, layer) in self.layers.iter().enumerate() {
            let k = idx + 1;
            for m in &layer.mul {
                bump(k, m.out.into());
                bump(k - 1, m.in0.max(m.in1).into());
                referencing_gates += usize::from(m.coeff.challenge().is_some());
            }
            for a in &layer.add {
                bump(k, a.out.into());
                bump(k - 1, a.input.into());
                referencing_gates += usize::from(a.coeff.challenge().is_some());
            }
            for c in &layer.constant {
                bump(k, c.out.into());
                referencing_gates += usize::from(c.coeff.challenge().is_some());
            }
            for b in &layer.blocks {
                let last = |offset: u32, log: u8| u64::from(offset) + (1u64 << log.min(63)) - 1;
                if let Some((offset, log)) = b.out_span() {
                    bump(k, last(offset, log));
                }
                let t = b.op.operand();
                if let Some(log) = t.log_len() {
                    bump(k - 1, last(t.offset, log));
                }
            }
        }
        for &slot in &self.public_outputs {
            bump(d, slot.into());
        }
        (highest, referencing_gates)
    }

    fn validate_regions(&self) -> Result<(), CircuitError> {
        let width = 1u64 << self.input.log_width;
        let regions = &self.input.regions;
        for (i, r) in regions.iter().enumerate() {
            let err = |reason| {
                Err(CircuitError::Region {
                    region: i,
                    kind: r.kind,
                    reason,
                })
            };
            if r.log_len > self.input.log_width {
                return err("is wider than the input layer");
            }
            let span = 1u64 << r.log_len;
            if u64::from(r.offset) % span != 0 {
                return err("offset is not aligned to its span");
            }
            if u64::from(r.offset) + span > width {
                return err("extends past the input layer");
            }
            if u64::from(r.len) > span {
                return err("holds more values than its span");
            }
            if r.kind == RegionKind::Public && r.len > self.num_public {
                return err("holds more values than the circuit's public inputs");
            }
            for q in regions.iter().take(i) {
                if q.kind == r.kind {
                    return err("kind appears twice");
                }
                let (a0, a1) = (u64::from(r.offset), u64::from(r.offset) + span);
                let (b0, b1) = (
                    u64::from(q.offset),
                    u64::from(q.offset) + (1u64 << q.log_len),
                );
                if a0 < b1 && b0 < a1 {
                    return err("overlaps another region");
                }
            }
        }
        Ok(())
    }
}

/// `log_width` of the smallest power of two, at least 2, holding slots `0..=highest`.
pub(crate) fn fitting_log_width(highest: Option<u64>) -> u8 {
    let bits = highest.map_or(0, |h| 64 - h.leading_zeros());
    bits.max(1) as u8
}

fn check_width(layer: usize, log_width: u8) -> Result<(), CircuitError> {
    if (1..=MAX_LOG_WIDTH).contains(&log_width) {
        Ok(())
    } else {
        Err(CircuitError::Width {
            layer,
            log_width,
            max: MAX_LOG_WIDTH,
        })
    }
}
