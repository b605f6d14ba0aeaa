//! Structural validation: every index in range, every width sane, regions well placed.

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
        let mut seen = vec![false; prev_width];
        for (index, &slot) in self.public_outputs.iter().enumerate() {
            let Some(s) = seen.get_mut(slot as usize) else {
                return Err(CircuitError::PublicOutput {
                    index,
                    slot,
                    reason: "is beyond the output width",
                });
            };
            if *s {
                return Err(CircuitError::PublicOutput {
                    index,
                    slot,
                    reason: "is listed twice",
                });
            }
            *s = true;
        }
        Ok(())
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
