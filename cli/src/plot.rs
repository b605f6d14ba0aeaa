//! SVG figures in the style of the DSperse paper's: per-slice prove and verify time and
//! peak allocation (whole beside the sliced total when a report holds both), and fidelity
//! per input or per scale.

use anyhow::{Context, Result, anyhow};
use plotters::prelude::*;
use serde_json::Value;
use std::path::Path;

fn e<E: std::fmt::Display>(err: E) -> anyhow::Error {
    anyhow!("drawing: {err}")
}

/// Bars of one panel: labels and values.
struct Panel<'a> {
    title: &'a str,
    unit: &'a str,
    bars: Vec<(String, f64, RGBColor)>,
}

fn draw_panels(path: &Path, caption: &str, panels: &[Panel<'_>]) -> Result<()> {
    let root = SVGBackend::new(path, (900, 300 * panels.len() as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let root = root.titled(caption, ("sans-serif", 22)).map_err(e)?;
    for (area, p) in root.split_evenly((panels.len(), 1)).iter().zip(panels) {
        let n = p.bars.len().max(1);
        let top = p.bars.iter().map(|b| b.1).fold(0.0, f64::max).max(1e-12) * 1.15;
        let mut chart = ChartBuilder::on(area)
            .caption(p.title, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(70)
            .build_cartesian_2d((0..n as i32).into_segmented(), 0f64..top)
            .map_err(e)?;
        let labels: Vec<String> = p.bars.iter().map(|b| b.0.clone()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n + 1)
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_desc(p.unit)
            .draw()
            .map_err(e)?;
        chart
            .draw_series(p.bars.iter().enumerate().map(|(i, (_, v, c))| {
                let mut r = Rectangle::new(
                    [
                        (SegmentValue::Exact(i as i32), 0.0),
                        (SegmentValue::Exact(i as i32 + 1), *v),
                    ],
                    c.filled(),
                );
                r.set_margin(0, 0, 12, 12);
                r
            }))
            .map_err(e)?;
    }
    root.present().map_err(e)?;
    Ok(())
}

const SLICE: RGBColor = RGBColor(66, 133, 244);
const TOTAL: RGBColor = RGBColor(52, 168, 83);
const WHOLE: RGBColor = RGBColor(234, 67, 53);

/// `lamina plot`: per-slice prove time, verify time and peak allocation of a `run` report.
pub fn report(report: &Value, out: &Path) -> Result<()> {
    let slices = report["slices"]
        .as_array()
        .context("report: no slices (was it written by `lamina run --report`?)")?;
    let stage = |s: &Value, st: &str, k: &str| s["stages"][st][k].as_f64().unwrap_or(0.0);
    let panel = |title, unit, st: &'static str, k: &'static str, scale: f64| {
        let mut bars: Vec<(String, f64, RGBColor)> = slices
            .iter()
            .map(|s| {
                (
                    format!("slice {}", s["index"]),
                    stage(s, st, k) * scale,
                    SLICE,
                )
            })
            .collect();
        if slices.len() > 1 {
            let sum: f64 = slices.iter().map(|s| stage(s, st, k) * scale).sum();
            let max: f64 = slices
                .iter()
                .map(|s| stage(s, st, k) * scale)
                .fold(0.0, f64::max);
            // Time adds up over slices; memory peaks do not.
            bars.push((
                if k == "wall_s" {
                    "Σ slices".into()
                } else {
                    "max slice".into()
                },
                if k == "wall_s" { sum } else { max },
                TOTAL,
            ));
        }
        if let Some(w) = report.get("whole").filter(|w| !w.is_null()) {
            bars.push(("whole".into(), stage(w, st, k) * scale, WHOLE));
        }
        Panel { title, unit, bars }
    };
    let caption = format!(
        "{} — scale 2^{}, slices: {}",
        report["model"].as_str().unwrap_or("model"),
        report["scale_bits"],
        report["slices_plan"].as_str().unwrap_or("?")
    );
    draw_panels(
        out,
        &caption,
        &[
            panel("prove time", "seconds", "prove", "wall_s", 1.0),
            panel("verify time", "seconds", "verify", "wall_s", 1.0),
            panel(
                "peak heap allocated while proving",
                "MiB",
                "prove",
                "alloc_peak_bytes",
                1.0 / (1u64 << 20) as f64,
            ),
        ],
    )
}

/// `lamina fidelity --plot`: D1 and TVD per input (one scale) or their means per scale.
pub fn fidelity(docs: &[Value], out: &Path) -> Result<()> {
    let root = SVGBackend::new(out, (900, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let per_scale = docs.len() > 1;
    let title = if per_scale {
        "fidelity per scale (mean over inputs)".to_string()
    } else {
        format!("fidelity per input at 2^{}", docs[0]["scale_bits"])
    };
    let root = root.titled(&title, ("sans-serif", 22)).map_err(e)?;
    for (area, metric) in root.split_evenly((2, 1)).iter().zip(["d1", "tvd"]) {
        let pts: Vec<(f64, f64)> = if per_scale {
            docs.iter()
                .map(|d| {
                    (
                        d["scale_bits"].as_f64().unwrap_or(0.0),
                        d[metric]["mean"].as_f64().unwrap_or(0.0),
                    )
                })
                .collect()
        } else {
            docs[0]["per_input"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    (
                        p["index"].as_f64().unwrap_or(0.0),
                        p[metric].as_f64().unwrap_or(0.0),
                    )
                })
                .collect()
        };
        let (x0, x1) = pts
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                (a.min(p.0), b.max(p.0))
            });
        let top = pts.iter().map(|p| p.1).fold(0.0, f64::max).max(1e-18) * 1.5;
        let bottom = pts
            .iter()
            .map(|p| p.1)
            .filter(|&v| v > 0.0)
            .fold(f64::INFINITY, f64::min)
            .min(top / 10.0)
            / 1.5;
        let (x0, x1) = if x0 < x1 {
            (x0, x1)
        } else {
            (x0 - 1.0, x0 + 1.0)
        };
        let name = if metric == "d1" {
            "D1 (Σ |Δ| over the logits, log scale)"
        } else {
            "TVD (softmax, log scale)"
        };
        // The metrics span decades across inputs and scales: log y, zeros drawn at the floor.
        let pts: Vec<(f64, f64)> = pts.into_iter().map(|(x, y)| (x, y.max(bottom))).collect();
        let mut chart = ChartBuilder::on(area)
            .caption(name, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, (bottom..top).log_scale())
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc(if per_scale { "scale bits K" } else { "input" })
            .y_label_formatter(&|v| format!("{v:.1e}"))
            .draw()
            .map_err(e)?;
        chart
            .draw_series(LineSeries::new(pts.clone(), &SLICE))
            .map_err(e)?;
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 3, SLICE.filled())))
            .map_err(e)?;
    }
    root.present().map_err(e)?;
    Ok(())
}
