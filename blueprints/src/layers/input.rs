//! The model input's range check: slice 0's public input must lie in the declared input
//! range. Without it, arithmetic mod p lets a cheating prover alias the input: any `t`
//! with `W·t ≡ 0 (mod p)` gives `x + t ↦ model(x)` (a 16→4 Gemm has such `t`), and every
//! bound the quantizer propagated from the range would be void.

use super::bits_for;
use circuits::compiler::{Builder, Label, Var};

/// Constrains every `v` in `x` to `lo ≤ v ≤ hi` (integer units), two-sided and exact:
/// `v − lo` and `hi − v` are each range-checked to the width of `hi − lo`.
pub fn emit_range(b: &mut Builder, x: &[Var], (lo, hi): (i64, i64)) {
    let bits = bits_for(hi - lo);
    for (e, &v) in x.iter().enumerate() {
        let label = Label::new("input", 0, e as u32);
        let above = b.lin(&[(1, v)], -lo);
        b.range_check(above, bits, label);
        let below = b.lin(&[(-1, v)], hi);
        b.range_check(below, bits, label);
    }
}
