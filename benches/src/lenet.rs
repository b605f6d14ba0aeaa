//! A LeNet-shaped builder program with a valid integer witness: the structure the layer
//! blueprints emit (conv → rescale with round-to-nearest → fused ReLU → hinted max-pool,
//! then dense layers), weights as private inputs. Used to measure the compiler and the
//! engine at LeNet scale before the real blueprints exist.

use circuits::compiler::{Builder, CompileError, Label, Program, RangeStrategy, Var};
use circuits::random::Rng;

/// Scale bits κ (α = 2^κ).
pub const KAPPA: u32 = 18;
/// Checked width of rescaled values.
pub const N_BITS: u32 = 32;

/// The program and the values to solve it.
pub struct LenetProgram {
    /// The finished program.
    pub program: Program,
    /// Public input (the quantized image).
    pub public: Vec<i64>,
    /// Weights and biases, quantized.
    pub weights: Vec<i64>,
    /// Hints, in declaration order.
    pub hints: Vec<i64>,
    /// The logits (quantized).
    pub logits: Vec<i64>,
}

struct Ctx {
    b: Builder,
    rng: Rng,
    weights: Vec<i64>,
    hints: Vec<i64>,
}

impl Ctx {
    fn weight(&mut self, v: i64) -> Var {
        self.weights.push(v);
        self.b.weight()
    }
    fn hint(&mut self, v: i64) -> Var {
        self.hints.push(v);
        self.b.hint()
    }
    fn rand_weight(&mut self, scale: f64) -> (Var, i64) {
        let u = (self.rng.below(1 << 20) as f64 / f64::from(1u32 << 20)) * 2.0 - 1.0;
        let v = (u * scale * f64::from(1u32 << KAPPA)).round() as i64;
        (self.weight(v), v)
    }

    /// `acc = Σ x·w + bias` (at α²), rescaled to α with round-to-nearest, then ReLU
    /// (fused: the ReLU's |q| check bounds the quotient) or a plain quotient check.
    fn rescale(&mut self, acc: Var, acc_val: i64, relu: bool, label: Label) -> (Var, i64) {
        let alpha = 1i64 << KAPPA;
        let s = 1i64 << (N_BITS - 1);
        let shifted = acc_val + alpha / 2 + alpha * s;
        let (qs_val, r_val) = (shifted.div_euclid(alpha), shifted.rem_euclid(alpha));
        let q_val = qs_val - s;
        let qs = self.hint(qs_val);
        let r = self.hint(r_val);
        let c = self
            .b
            .lin(&[(1, acc), (-alpha, qs), (-1, r)], alpha / 2 + alpha * s);
        self.b.assert_zero(c, label);
        self.b.range_check(r, KAPPA, label);
        let q = self.b.lin(&[(1, qs)], -s);
        if !relu {
            self.b.range_check(qs, N_BITS, label);
            return (q, q_val);
        }
        let bit_val = i64::from(q_val >= 0);
        let bit = self.hint(bit_val);
        self.b.assert_bool(bit, label);
        // The activation is a hint constrained to b·q: consumers (the next layer's products)
        // then read input-layer values, so no weight is relayed to meet a computed value.
        let y_val = bit_val * q_val;
        let y = self.hint(y_val);
        let bq = self.b.mul(bit, q);
        self.b.assert_equal(y, bq, label);
        let t = self.b.lin(&[(2, y), (-1, q)], 0);
        self.b.range_check(t, N_BITS - 1, label);
        (y, y_val)
    }

    /// 2×2 max-pool over `h×w` maps of `c` channels: the max is a hint, every gap to it
    /// is range-checked and their product is zero.
    fn maxpool(
        &mut self,
        x: &[(Var, i64)],
        c: usize,
        h: usize,
        w: usize,
        layer: u32,
    ) -> Vec<(Var, i64)> {
        let mut out = Vec::new();
        for ch in 0..c {
            for i in 0..h / 2 {
                for j in 0..w / 2 {
                    let idx = |di: usize, dj: usize| ch * h * w + (2 * i + di) * w + 2 * j + dj;
                    let win: Vec<(Var, i64)> = [(0, 0), (0, 1), (1, 0), (1, 1)]
                        .iter()
                        .map(|&(a, b)| x[idx(a, b)])
                        .collect();
                    let m_val = win.iter().map(|v| v.1).max().unwrap_or(0);
                    let m = self.hint(m_val);
                    let label = Label::new("maxpool", layer, out.len() as u32);
                    let deltas: Vec<Var> = win
                        .iter()
                        .map(|&(v, _)| {
                            let d = self.b.sub(m, v);
                            self.b.range_check(d, N_BITS - 1, label);
                            d
                        })
                        .collect();
                    let p01 = self.b.mul(deltas[0], deltas[1]);
                    let p23 = self.b.mul(deltas[2], deltas[3]);
                    let p = self.b.mul(p01, p23);
                    self.b.assert_zero(p, label);
                    out.push((m, m_val));
                }
            }
        }
        out
    }

    /// Conv 5×5, stride 1, no padding, NCHW.
    fn conv(
        &mut self,
        x: &[(Var, i64)],
        cin: usize,
        h: usize,
        w: usize,
        cout: usize,
        layer: u32,
    ) -> Vec<(Var, i64)> {
        let k = 5;
        let scale = 1.0 / ((cin * k * k) as f64).sqrt();
        let ws: Vec<(Var, i64)> = (0..cout * cin * k * k)
            .map(|_| self.rand_weight(scale))
            .collect();
        let bs: Vec<(Var, i64)> = (0..cout)
            .map(|_| self.rand_weight(0.1 * f64::from(1u32 << KAPPA)))
            .collect();
        let (oh, ow) = (h - k + 1, w - k + 1);
        let mut out = Vec::with_capacity(cout * oh * ow);
        for co in 0..cout {
            for i in 0..oh {
                for j in 0..ow {
                    let mut xs = Vec::with_capacity(cin * k * k);
                    let mut wv = Vec::with_capacity(cin * k * k);
                    let mut acc = bs[co].1;
                    for ci in 0..cin {
                        for ki in 0..k {
                            for kj in 0..k {
                                let xi = x[ci * h * w + (i + ki) * w + j + kj];
                                let wi = ws[((co * cin + ci) * k + ki) * k + kj];
                                xs.push(xi.0);
                                wv.push(wi.0);
                                acc += xi.1 * wi.1;
                            }
                        }
                    }
                    let a = self.b.quad(&xs, &wv, &[(1, bs[co].0)], 0);
                    out.push(self.rescale(
                        a,
                        acc,
                        true,
                        Label::new("conv2d", layer, out.len() as u32),
                    ));
                }
            }
        }
        out
    }

    fn dense(&mut self, x: &[(Var, i64)], n: usize, relu: bool, layer: u32) -> Vec<(Var, i64)> {
        let scale = 1.0 / (x.len() as f64).sqrt();
        let mut out = Vec::with_capacity(n);
        for o in 0..n {
            let ws: Vec<(Var, i64)> = (0..x.len()).map(|_| self.rand_weight(scale)).collect();
            let (bv, bval) = self.rand_weight(0.1 * f64::from(1u32 << KAPPA));
            let acc = bval + x.iter().zip(&ws).map(|(a, w)| a.1 * w.1).sum::<i64>();
            let xs: Vec<Var> = x.iter().map(|a| a.0).collect();
            let wvars: Vec<Var> = ws.iter().map(|w| w.0).collect();
            let a = self.b.quad(&xs, &wvars, &[(1, bv)], 0);
            out.push(self.rescale(a, acc, relu, Label::new("gemm", layer, o as u32)));
        }
        out
    }
}

/// LeNet on 3×32×32: conv 6@5×5 → ReLU → pool → conv 16@5×5 → ReLU → pool → 120 → 84 → 10.
pub fn lenet_program(seed: u64) -> Result<LenetProgram, CompileError> {
    lenet_program_with(seed, RangeStrategy::LogUp)
}

/// [`lenet_program`] with a chosen range-check strategy.
pub fn lenet_program_with(
    seed: u64,
    strategy: RangeStrategy,
) -> Result<LenetProgram, CompileError> {
    let mut cx = Ctx {
        b: Builder::new(),
        rng: Rng::new(seed),
        weights: Vec::new(),
        hints: Vec::new(),
    };
    let public: Vec<i64> = (0..3 * 32 * 32)
        .map(|_| {
            ((cx.rng.below(1 << 20) as f64 / f64::from(1u32 << 20) * 2.0 - 1.0)
                * f64::from(1u32 << KAPPA))
            .round() as i64
        })
        .collect();
    let x: Vec<(Var, i64)> = public.iter().map(|&v| (cx.b.public_input(), v)).collect();
    let c1 = cx.conv(&x, 3, 32, 32, 6, 1);
    let p1 = cx.maxpool(&c1, 6, 28, 28, 2);
    let c2 = cx.conv(&p1, 6, 14, 14, 16, 3);
    let p2 = cx.maxpool(&c2, 16, 10, 10, 4);
    let f1 = cx.dense(&p2, 120, true, 5);
    let f2 = cx.dense(&f1, 84, true, 6);
    let f3 = cx.dense(&f2, 10, false, 7);
    for &(v, _) in &f3 {
        cx.b.output(v);
    }
    let logits = f3.iter().map(|v| v.1).collect();
    let program = cx.b.finish_with(strategy)?;
    Ok(LenetProgram {
        program,
        public,
        weights: cx.weights,
        hints: cx.hints,
        logits,
    })
}
