//! The linearity chart of BENCHMARKS.md: time per token and time per byte against the token's
//! size, one line per contender, drawn from what `scripts/benchmarks.py` measured.
//!
//! Usage: `chart <data.json> <out.png> <font.ttf>`, the data
//! `{"series": [{"name": "…", "points": [[token bytes, ns per token], …]}, …]}`; the font is any
//! TrueType file (the script asks fontconfig for one).

use plotters::prelude::*;
use serde::Deserialize;
use std::error::Error;

#[derive(Deserialize)]
struct Data {
    series: Vec<Series>,
}

#[derive(Deserialize)]
struct Series {
    name: String,
    /// `(token bytes, ns per token)`, smallest token first.
    points: Vec<(f64, f64)>,
}

const COLORS: [RGBColor; 4] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0x94, 0x67, 0xbd),
];

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, out, font] = args.as_slice() else {
        return Err("usage: chart <data.json> <out.png> <font.ttf>".into());
    };
    let data: Data = serde_json::from_str(&std::fs::read_to_string(data)?)?;
    if data.series.iter().any(|s| s.points.is_empty()) {
        return Err("a series without points".into());
    }
    // plotters keeps the font for the life of the process.
    let font: &'static [u8] = Box::leak(std::fs::read(font)?.into_boxed_slice());
    plotters::style::register_font("sans-serif", FontStyle::Normal, font)
        .map_err(|_| "not a TrueType font")?;

    let root = BitMapBackend::new(out, (1280, 520)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(640);
    let max = |f: &dyn Fn(&(f64, f64)) -> f64| {
        data.series
            .iter()
            .flat_map(|s| s.points.iter().map(f))
            .fold(0.0, f64::max)
    };
    let min_bytes = data
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .fold(f64::INFINITY, f64::min);
    let max_bytes = max(&|p| p.0);

    // Time per token against the token's size: straight lines if the cost is linear.
    let mut chart = ChartBuilder::on(&left)
        .caption("HS256 verify: time per token", ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..max_bytes * 1.05, 0.0..max(&|p| p.1) / 1000.0 * 1.1)?;
    chart
        .configure_mesh()
        .x_desc("token bytes")
        .y_desc("µs per token")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style(("sans-serif", 15))
        .draw()?;
    draw_series(
        &mut chart,
        &data,
        |&(_, ns)| ns / 1000.0,
        SeriesLabelPosition::UpperLeft,
    )?;

    // Time per byte, the token's size on a log scale: flat if the cost is linear, the fixed
    // cost of a token spread thinner as it grows.
    let per_byte = |&(b, ns): &(f64, f64)| ns / b;
    let mut chart = ChartBuilder::on(&right)
        .caption("HS256 verify: time per byte", ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(
            (min_bytes * 0.8..max_bytes * 1.25).log_scale(),
            0.0..max(&per_byte) * 1.1,
        )?;
    chart
        .configure_mesh()
        .x_desc("token bytes (log scale)")
        .y_desc("ns per byte")
        .x_labels(4)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .light_line_style(TRANSPARENT)
        .label_style(("sans-serif", 15))
        .draw()?;
    draw_series(&mut chart, &data, per_byte, SeriesLabelPosition::LowerRight)?;
    root.present()?;
    Ok(())
}

/// One line per contender on `chart`, with a dot at each point (the token's size across, `y`
/// of the point up), and their legend at `legend`.
fn draw_series<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    data: &Data,
    y: impl Fn(&(f64, f64)) -> f64,
    legend: SeriesLabelPosition,
) -> Result<(), Box<dyn Error>>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for (series, color) in data.series.iter().zip(COLORS.iter().cycle()) {
        let points: Vec<(f64, f64)> = series.points.iter().map(|p| (p.0, y(p))).collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
            .label(series.name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(2))
            });
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 4, color.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(legend)
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
