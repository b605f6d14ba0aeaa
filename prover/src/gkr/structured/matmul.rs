//! Matrix product (Thaler, CRYPTO'13), §4.1: `Y = W·X + b·1ᵀ` with `W` an `I × K` matrix
//! in the weights region and `X` the operand `(K, 1, J)`.
//!
//! After aggregation to `ρ = (ρ_j, ρ_i)`:
//! `Ỹ(ρ) − b̃(ρ_i)·M(ρ_j) = Σ_k X̃(ρ_j, k)·W̃(k, ρ_i)`, one degree-2 sumcheck over `log K'`
//! rounds with `f = X̃(ρ_j, ·)` (the operand itself when `J = 1`) and
//! `h = Wr = Σ_i eq(ρ_i, i)·W[i][·]`; the final check is `v = a*·ω`, `ω = W̃(e, ρ_i)`.

use super::{
    Geometry, OpTables, Structured, StructuredError, WeightSlot, check_len, log_dim, prefix_mass,
};
use crate::arith::{ExtensionField, Field};
use crate::mle;
use crate::par;
use crate::sumcheck::Table;
use circuits::MatMulOp;
use std::borrow::Cow;

/// A matrix product's padded sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatMulDetail {
    /// Logical `I`, `K`, `J`.
    pub dims: [u32; 3],
    /// `log2` of `I'`, `K'`, `J'`.
    pub logs: [usize; 3],
}

impl Structured for MatMulOp {
    type Detail = MatMulDetail;

    fn geometry(&self) -> Result<Geometry<MatMulDetail>, StructuredError> {
        let [k, one, j] = self.input.dims;
        let i = self.weight.rows;
        if one != 1 || k != self.weight.cols {
            return Err(StructuredError::Op {
                what: "matmul operand must be (K, 1, J) with K the weight's columns",
            });
        }
        let logs = [
            log_dim(i, "matmul rows")?,
            log_dim(k, "matmul inner dimension")?,
            log_dim(j, "matmul columns")?,
        ];
        let [li, lk, lj] = logs;
        if li + lk > super::MAX_VARS || lj + lk > super::MAX_VARS || li + lj > super::MAX_VARS {
            return Err(StructuredError::Op {
                what: "matmul too large",
            });
        }
        Ok(Geometry {
            out_vars: lj + li,
            channel_vars: li,
            operand_vars: lj + lk,
            rounds: lk,
            slabs: vec![WeightSlot {
                offset: self.weight.offset,
                log_len: (li + lk) as u8,
            }],
            bias: self.bias.map(|offset| WeightSlot {
                offset,
                log_len: li as u8,
            }),
            detail: MatMulDetail {
                dims: [i, k, j],
                logs,
            },
        })
    }

    fn evaluate_field<F: Field>(
        &self,
        geo: &Geometry<MatMulDetail>,
        operand: &[F],
        weights: &[F],
    ) -> Result<Vec<F>, StructuredError> {
        geo.check_inputs(operand, weights)?;
        let nj = geo.detail.dims[2] as usize;
        let [_, lk, lj] = geo.detail.logs;
        let (kp, jp) = (1usize << lk, 1usize << lj);
        let w = geo.slabs[0].slice(weights)?;
        let bias = match &geo.bias {
            Some(s) => Some(s.slice(weights)?),
            None => None,
        };
        let mut y = vec![F::ZERO; 1usize << geo.out_vars];
        // The block's meaning (`circuits::MatMulOp`): every padded row i, inner index k
        // and column j; the bias only on the columns j < J. One chunk per output row i
        // (= output channel): rows are independent. Zero weights (the padding of an
        // honestly laid-out matrix) are skipped.
        par::fill_chunks(&mut y, jp, |start, out| {
            let i = start / jp;
            let row = &w[i * kp..(i + 1) * kp];
            let b = bias.map_or(F::ZERO, |b| b[i]);
            out[..nj].fill(b);
            for (k, &wk) in row.iter().enumerate() {
                if wk == F::ZERO {
                    continue;
                }
                let x = &operand[k * jp..(k + 1) * jp];
                for (o, &xv) in out.iter_mut().zip(x) {
                    *o += wk * xv;
                }
            }
        });
        Ok(y)
    }

    fn tables<'a, F: Field, E: ExtensionField<F>>(
        &self,
        geo: &Geometry<MatMulDetail>,
        rho: &[E],
        operand: &'a [F],
        weights: &[F],
    ) -> Result<OpTables<'a, F, E>, StructuredError> {
        geo.check_inputs(operand, weights)?;
        check_len("point on Y", geo.out_vars, rho.len())?;
        let [li, lk, lj] = geo.detail.logs;
        let (kp, jp) = (1usize << lk, 1usize << lj);
        let w = geo.slabs[0].slice(weights)?;
        // Wr over every padded row too, so its fold is exactly the slab's MLE.
        let eq_i = mle::eq_table_scaled_par(&rho[lj..lj + li], E::ONE);
        let mut h = vec![E::ZERO; kp];
        par::fill_chunks(&mut h, par::chunk_for(kp), |start, out| {
            for (i, &e) in eq_i.iter().enumerate() {
                let row = &w[i * kp + start..i * kp + start + out.len()];
                for (o, &wv) in out.iter_mut().zip(row) {
                    *o += e * wv;
                }
            }
        });
        let f = if lj == 0 {
            Table::Base(operand)
        } else {
            let eq_j = mle::eq_table_scaled_par(&rho[..lj], E::ONE);
            let mut f = vec![E::ZERO; kp];
            par::fill_chunks(&mut f, par::chunk_for(kp), |start, out| {
                for (d, o) in out.iter_mut().enumerate() {
                    let col = &operand[(start + d) * jp..(start + d + 1) * jp];
                    *o = eq_j.iter().zip(col).map(|(&e, &x)| e * x).sum();
                }
            });
            Table::Ext(Cow::Owned(f))
        };
        Ok(OpTables {
            f,
            h,
            aux: Vec::new(),
        })
    }

    fn slab_values<F: Field, E: ExtensionField<F>>(
        &self,
        _geo: &Geometry<MatMulDetail>,
        _aux: &[E],
        _point: &[E],
        _end: &[E],
        final_h: E,
        _weights: &[F],
    ) -> Result<Vec<E>, StructuredError> {
        // Wr folded to the end point is W̃(e, ρ_i) itself.
        Ok(vec![final_h])
    }

    fn bias_mask<E: Field>(&self, geo: &Geometry<MatMulDetail>, rho: &[E]) -> E {
        let [_, _, lj] = geo.detail.logs;
        prefix_mass(&rho[..lj], geo.detail.dims[2])
    }

    fn final_factor<E: Field>(
        &self,
        _geo: &Geometry<MatMulDetail>,
        _rho: &[E],
        _end: &[E],
        slabs: &[E],
    ) -> E {
        slabs.first().copied().unwrap_or(E::ZERO)
    }

    fn operand_point<E: Field>(
        &self,
        geo: &Geometry<MatMulDetail>,
        rho: &[E],
        end: &[E],
    ) -> Vec<E> {
        let [_, _, lj] = geo.detail.logs;
        [&rho[..lj], end].concat()
    }

    fn slab_point<E: Field>(
        &self,
        geo: &Geometry<MatMulDetail>,
        rho: &[E],
        end: &[E],
    ) -> Result<Vec<E>, StructuredError> {
        let [_, _, lj] = geo.detail.logs;
        Ok([end, &rho[lj..]].concat())
    }
}
