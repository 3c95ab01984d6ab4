//! Bar charts drawn as SVG on the server: no chart script in the browser.
//! Each has a title and a description for screen readers, and its numbers
//! as a table behind a toggle. Server only: pages send charts as HTML
//! (`pages::today::charts_html`), so the browser build has none of this.

use leptos::prelude::*;

/// One series of bars: its name (in the legend and the table), the class
/// that colours it, and a value per label.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: &'static str,
    pub class: &'static str,
    pub values: Vec<i64>,
}

/// A bar's box in the chart's own units (the SVG's view box).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

pub const WIDTH: f64 = 600.0;
pub const HEIGHT: f64 = 220.0;
/// Room under the bars for the labels, and above for the values.
const BOTTOM: f64 = 40.0;
const TOP: f64 = 18.0;

/// The bars of `series` over `groups` labels: side by side in each group,
/// heights in proportion to the largest value (negative values draw none).
pub fn layout(groups: usize, series: &[Series]) -> Vec<Vec<Bar>> {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = WIDTH / groups.max(1) as f64;
    let per = series.len().max(1) as f64;
    let width = slot * 0.8 / per;
    let plot = HEIGHT - BOTTOM - TOP;
    series
        .iter()
        .enumerate()
        .map(|(j, s)| {
            (0..groups)
                .map(|i| {
                    let v = s.values.get(i).copied().unwrap_or(0).max(0) as f64;
                    let height = plot * v / max;
                    Bar {
                        x: slot * i as f64 + slot * 0.1 + width * j as f64,
                        y: HEIGHT - BOTTOM - height,
                        width,
                        height,
                    }
                })
                .collect()
        })
        .collect()
}

/// A value short enough for a bar's top: 1234 → "1.2k", 2500000 → "2.5M".
pub fn short(v: i64) -> String {
    let a = v.unsigned_abs() as f64;
    let sign = if v < 0 { "-" } else { "" };
    if a >= 1e6 {
        format!("{sign}{:.1}M", a / 1e6)
    } else if a >= 1e4 {
        format!("{sign}{:.0}k", a / 1e3)
    } else if a >= 1e3 {
        format!("{sign}{:.1}k", a / 1e3)
    } else {
        v.to_string()
    }
}

/// A bar chart with its legend and its numbers. `labels` name the groups
/// (a second line under a label, such as a win rate, goes in `notes`).
#[component]
pub fn BarChart(
    id: String,
    title: String,
    desc: String,
    labels: Vec<String>,
    #[prop(optional)] notes: Vec<String>,
    series: Vec<Series>,
) -> impl IntoView {
    let bars = layout(labels.len(), &series);
    let slot = WIDTH / labels.len().max(1) as f64;
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    let labelled = format!("{title_id} {desc_id}");
    let drawn = series
        .iter()
        .zip(&bars)
        .flat_map(|(s, bars)| {
            bars.iter().zip(&s.values).zip(&labels).map(move |((b, v), label)| {
                view! {
                    <g class=format!("bar {}", s.class)>
                        <rect x=format!("{:.1}", b.x) y=format!("{:.1}", b.y)
                              width=format!("{:.1}", b.width) height=format!("{:.1}", b.height)>
                            <title>{format!("{label}, {}: {v}", s.name)}</title>
                        </rect>
                        <text class="value" x=format!("{:.1}", b.x + b.width / 2.0)
                              y=format!("{:.1}", b.y - 4.0) text-anchor="middle">{short(*v)}</text>
                    </g>
                }
            })
        })
        .collect_view();
    let axis = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let x = format!("{:.1}", slot * i as f64 + slot / 2.0);
            let note = notes.get(i).cloned().unwrap_or_default();
            view! {
                <text class="label" x=x.clone() y=format!("{:.1}", HEIGHT - BOTTOM + 16.0) text-anchor="middle">{label.clone()}</text>
                <text class="note" x=x y=format!("{:.1}", HEIGHT - BOTTOM + 32.0) text-anchor="middle">{note}</text>
            }
        })
        .collect_view();
    let legend = (series.len() > 1).then(|| {
        view! {
            <ul class="legend">
                {series.iter().map(|s| view! { <li class=s.class>{s.name}</li> }).collect_view()}
            </ul>
        }
    });
    let heads = series
        .iter()
        .map(|s| view! { <th scope="col">{s.name}</th> })
        .collect_view();
    let rows = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let note = notes.get(i).filter(|n| !n.is_empty()).map(|n| format!(" ({n})"));
            view! {
                <tr>
                    <th scope="row">{label.clone()}{note}</th>
                    {series.iter().map(|s| view! { <td>{s.values.get(i).copied().unwrap_or(0)}</td> }).collect_view()}
                </tr>
            }
        })
        .collect_view();
    view! {
        <figure class="chart" id=id>
            <figcaption>{title.clone()}</figcaption>
            <svg role="img" aria-labelledby=labelled viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                 preserveAspectRatio="xMidYMid meet">
                <title id=title_id>{title.clone()}</title>
                <desc id=desc_id>{desc}</desc>
                <line class="axis" x1="0" x2=WIDTH.to_string()
                      y1=(HEIGHT - BOTTOM).to_string() y2=(HEIGHT - BOTTOM).to_string() />
                {drawn}
                {axis}
            </svg>
            {legend}
            <details>
                <summary>{format!("{title}: the numbers")}</summary>
                <table>
                    <thead><tr><th scope="col">""</th>{heads}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
    // Erased: a page of several charts is otherwise one type too deep for
    // the compiler's query limit in a build that keeps component types.
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_in_proportion_side_by_side_and_sit_on_the_axis() {
        let series = vec![
            Series {
                name: "Won",
                class: "won",
                values: vec![100, 50, 0],
            },
            Series {
                name: "Lost",
                class: "lost",
                values: vec![25, -5, 100],
            },
        ];
        let bars = layout(3, &series);
        let plot = HEIGHT - BOTTOM - TOP;
        assert_eq!(bars.len(), 2);
        assert_eq!(bars[0][0].height, plot);
        assert_eq!(bars[0][1].height, plot / 2.0);
        assert_eq!(bars[1][0].height, plot / 4.0);
        // Nothing below zero, nothing for zero.
        assert_eq!(bars[1][1].height, 0.0);
        assert_eq!(bars[0][2].height, 0.0);
        for b in bars.iter().flatten() {
            assert_eq!(b.y + b.height, HEIGHT - BOTTOM);
            assert!(b.x >= 0.0 && b.x + b.width <= WIDTH);
        }
        // The second series beside the first, in the same slot.
        assert_eq!(bars[1][0].x, bars[0][0].x + bars[0][0].width);
        assert!(bars[1][0].x + bars[1][0].width <= bars[0][1].x);
    }

    #[test]
    fn no_data_draws_flat_bars() {
        let bars = layout(
            2,
            &[Series {
                name: "Sent",
                class: "sent",
                values: vec![],
            }],
        );
        assert!(bars[0].iter().all(|b| b.height == 0.0));
    }

    #[test]
    fn values_are_shortened_for_the_bar_tops() {
        assert_eq!(short(999), "999");
        assert_eq!(short(1234), "1.2k");
        assert_eq!(short(45_000), "45k");
        assert_eq!(short(2_500_000), "2.5M");
        assert_eq!(short(-1500), "-1.5k");
    }
}
