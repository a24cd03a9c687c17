//! The daily clicks chart of the admin report: an SVG drawn with plotters, inlined into the
//! page, so the report needs nothing from anywhere else.

use plotters::prelude::*;

/// One day of the chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Clicks.
    pub clicks: u64,
    /// Unique clicks.
    pub unique: u64,
}

/// The SVG of clicks and unique clicks per day (an empty string when there is no day).
pub fn daily_svg(points: &[Point]) -> Result<String, String> {
    if points.is_empty() {
        return Ok(String::new());
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let top = points.iter().map(|p| p.clicks).max().unwrap_or(0).max(1);
        let n = points.len();
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .caption("Clicks per day", ("sans-serif", 18))
            .build_cartesian_2d(0usize..n.max(2) - 1, 0u64..top + top / 10 + 1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_labels(n.min(8))
            .x_label_formatter(&|i| points.get(*i).map(|p| p.day.clone()).unwrap_or_default())
            .y_desc("clicks")
            .draw()
            .map_err(|e| e.to_string())?;
        let blue = RGBColor(11, 87, 164);
        let orange = RGBColor(200, 100, 0);
        chart
            .draw_series(LineSeries::new(points.iter().enumerate().map(|(i, p)| (i, p.clicks)), blue.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label("clicks")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], blue.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(points.iter().enumerate().map(|(i, p)| (i, p.unique)), orange.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label("unique clicks")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], orange.stroke_width(2)));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_an_svg_with_its_days() {
        let points: Vec<Point> =
            (1..=3).map(|d| Point { day: format!("2024-05-0{d}"), clicks: d * 10, unique: d * 5 }).collect();
        let svg = daily_svg(&points).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..60.min(svg.len())]);
        assert!(svg.contains("2024-05-01") && svg.contains("Clicks per day"));
        assert_eq!(daily_svg(&[]).unwrap(), "");
    }
}
