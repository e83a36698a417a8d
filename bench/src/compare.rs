//! `bench compare A.json B.json`: each row's rate in B over its rate in A, flagged where it
//! moved more than the two rows' spreads say noise can. A row's spread is measured within its
//! run (the interquartile range of its calls); runs of separate processes can differ by more,
//! so a flag says where to look again, not that a change is proven.

use crate::{Record, Run};

/// One row found in both runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub row: String,
    pub before: f64,
    pub after: f64,
    /// `after / before`.
    pub ratio: f64,
    /// The change noise can explain: the sum of the two rows' within-run spreads.
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

pub fn compare(before: &Run, after: &Run) -> Comparison {
    let mut comparison = Comparison::default();
    for old in &before.records {
        let key = row_key(old);
        match after.records.iter().find(|new| row_key(new) == key) {
            Some(new) => comparison.changes.push(Change {
                row: key,
                before: old.items_per_second,
                after: new.items_per_second,
                ratio: new.items_per_second / old.items_per_second,
                noise: old.spread + new.spread,
            }),
            None => comparison.only_before.push(key),
        }
    }
    for new in &after.records {
        let key = row_key(new);
        if !before.records.iter().any(|old| row_key(old) == key) {
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
            "row", "before /s", "after /s", "after/b", "spread"
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
