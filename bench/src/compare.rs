//! `bench compare A.json B.json [--repeat A2.json …]`: each row's rate in B over its rate in A,
//! flagged where it moved more than noise explains. Noise is what was measured: the two rows'
//! spreads within their runs (the interquartile range of their calls) and, given repeats of the
//! before run (the same command again, on the same machine), how far the row moved between
//! those runs. Separate processes can differ by more than one run's calls do, so a comparison
//! without repeats flags more than it should.

use std::collections::HashMap;

use crate::{Record, Run};

/// One row found in both runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub row: String,
    pub before: f64,
    pub after: f64,
    /// `after / before`.
    pub ratio: f64,
    /// The change noise can explain: the larger of the two rows' within-run spreads added up
    /// and the farthest a repeat of the before run strayed from it.
    pub noise: f64,
}

impl Change {
    /// Whether the row moved more than noise explains.
    pub fn moved(&self) -> bool {
        (self.ratio - 1.0).abs() > self.noise
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    pub changes: Vec<Change>,
    pub only_before: Vec<String>,
    pub only_after: Vec<String>,
}

/// What identifies a row across runs and machines: everything but the code path (which is what
/// differs between machines) and the figures.
pub fn row_key(record: &Record) -> String {
    format!(
        "{} {} | {} | {} | size {} | {} threads",
        record.suite,
        record.sweep.slug(),
        record.group_label(),
        record.series(),
        record.batch_size,
        record.threads
    )
}

/// `after` against `before`, with `repeats` of the before run measuring run-to-run noise.
pub fn compare(before: &Run, after: &Run, repeats: &[Run]) -> Comparison {
    let by_key = |run: &Run| -> HashMap<String, f64> {
        run.records
            .iter()
            .map(|r| (row_key(r), r.items_per_second))
            .collect()
    };
    let repeats: Vec<HashMap<String, f64>> = repeats.iter().map(by_key).collect();
    let before_keys = by_key(before);
    let after_rows: HashMap<String, &Record> =
        after.records.iter().map(|r| (row_key(r), r)).collect();
    let mut comparison = Comparison::default();
    for old in &before.records {
        let key = row_key(old);
        let run_to_run = repeats
            .iter()
            .filter_map(|rates| rates.get(&key))
            .map(|again| (again / old.items_per_second - 1.0).abs())
            .fold(0.0, f64::max);
        match after_rows.get(&key) {
            Some(new) => comparison.changes.push(Change {
                row: key,
                before: old.items_per_second,
                after: new.items_per_second,
                ratio: new.items_per_second / old.items_per_second,
                noise: (old.spread + new.spread).max(run_to_run),
            }),
            None => comparison.only_before.push(key),
        }
    }
    for new in &after.records {
        let key = row_key(new);
        if !before_keys.contains_key(&key) {
            comparison.only_after.push(key);
        }
    }
    comparison
}

impl Comparison {
    /// The comparison as text lines: one per row, moved rows marked.
    pub fn lines(&self) -> Vec<String> {
        let width = self.changes.iter().map(|c| c.row.len()).max().unwrap_or(3);
        let mut lines = vec![format!(
            "{:<width$} {:>14} {:>14} {:>8} {:>7}  moved",
            "row", "before /s", "after /s", "after/b", "noise"
        )];
        for change in &self.changes {
            lines.push(format!(
                "{:<width$} {:>14.0} {:>14.0} {:>7.3}x {:>6.1}%  {}",
                change.row,
                change.before,
                change.after,
                change.ratio,
                change.noise * 100.0,
                if change.moved() { "MOVED" } else { "" }
            ));
        }
        for row in &self.only_before {
            lines.push(format!("only before: {row}"));
        }
        for row in &self.only_after {
            lines.push(format!("only after:  {row}"));
        }
        lines
    }
}
