//! Rows of results: the table for people, one JSON object per row for machines.

use serde::Serialize;

use crate::runner::Measurement;

/// What was measured in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    /// The auth-adapter backend, through `Arc<dyn Adapter>`.
    Adapter,
    /// The same lookup written by hand with the raw driver, in this process.
    Raw,
    /// The Auth.js code from npm, driven by `node interop/bench.mjs` (adapters) or
    /// `node interop/bench-jwt.mjs` (session JWTs).
    Js,
    /// A whole HTTP request through an axum `Router` (`auth-adapter-axum`), in this process.
    Axum,
}

/// One line of the results.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Row {
    pub(crate) backend: String,
    pub(crate) workload: String,
    pub(crate) concurrency: usize,
    pub(crate) kind: Kind,
    /// What ran: `auth-adapter`, `sqlx prepared JOIN`, `@auth/pg-adapter`, …
    pub(crate) implementation: String,
    pub(crate) ops: u64,
    pub(crate) seconds: f64,
    pub(crate) ops_per_sec: f64,
    pub(crate) p50_us: u64,
    pub(crate) p99_us: u64,
    pub(crate) errors: u64,
    /// For raw and JS rows: the adapter's ops/s divided by this row's, at the same
    /// backend, workload and concurrency (above 1: the adapter is faster).
    pub(crate) adapter_ratio: Option<f64>,
    /// The first error, if any (never contains a secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) first_error: Option<String>,
}

impl Row {
    pub(crate) fn new(
        backend: &str,
        workload: &str,
        concurrency: usize,
        kind: Kind,
        implementation: &str,
        m: &Measurement,
    ) -> Self {
        Row {
            backend: backend.to_owned(),
            workload: workload.to_owned(),
            concurrency,
            kind,
            implementation: implementation.to_owned(),
            ops: m.ops,
            seconds: (m.seconds * 1000.0).round() / 1000.0,
            ops_per_sec: m.ops_per_sec().round(),
            p50_us: m.p50_us,
            p99_us: m.p99_us,
            errors: m.errors,
            adapter_ratio: None,
            first_error: m.first_error.clone(),
        }
    }

    /// Whether this row shows a broken workload: errors, or no call finished at all.
    pub(crate) fn failed(&self) -> bool {
        self.errors > 0 || self.ops == 0
    }
}

/// Fills `adapter_ratio` of every raw and JS row in `group` (one backend × workload ×
/// concurrency) from the adapter row of the same group.
pub(crate) fn fill_ratios(group: &mut [Row]) {
    let Some(adapter) = group
        .iter()
        .find(|r| r.kind == Kind::Adapter)
        .map(|r| r.ops_per_sec)
    else {
        return;
    };
    for row in group.iter_mut().filter(|r| r.kind != Kind::Adapter) {
        row.adapter_ratio = ratio(adapter, row.ops_per_sec);
    }
}

/// The row as one line of JSON.
pub(crate) fn json_line(row: &Row) -> String {
    serde_json::to_string(row).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

const HEADER: [&str; 9] = [
    "backend",
    "workload",
    "conc",
    "implementation",
    "ops/s",
    "p50 µs",
    "p99 µs",
    "errors",
    "adapter ÷ this",
];

fn cells(row: &Row) -> [String; 9] {
    [
        row.backend.clone(),
        row.workload.clone(),
        row.concurrency.to_string(),
        row.implementation.clone(),
        format!("{:.0}", row.ops_per_sec),
        row.p50_us.to_string(),
        row.p99_us.to_string(),
        row.errors.to_string(),
        row.adapter_ratio
            .map(|r| format!("{r:.2}×"))
            .unwrap_or_default(),
    ]
}

/// The rows as a Markdown table (readable in a terminal and pastable into BENCHMARKS.md).
pub(crate) fn table(rows: &[Row]) -> String {
    // Text columns left-aligned, numbers right-aligned.
    let right = [false, false, true, false, true, true, true, true, true];
    markdown(
        &HEADER,
        &right,
        rows.iter().map(|r| cells(r).to_vec()).collect(),
    )
}

/// What the `busy_user` workload found on one backend: the ratios its rows stand for.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BusySummary {
    pub(crate) backend: String,
    /// Always `busy_user`.
    pub(crate) workload: &'static str,
    /// Always `summary`, to tell this JSON line from a row.
    pub(crate) kind: &'static str,
    /// Concurrent `create_session` callers.
    pub(crate) writers: usize,
    /// Sessions the busy user had before each round (`--busy-sessions`).
    pub(crate) busy_sessions: usize,
    /// Most creates in one writer phase, deleted before the next.
    pub(crate) creates_per_round: u64,
    /// Measured rounds (after one warm-up round).
    pub(crate) rounds: u32,
    pub(crate) create_per_sec_at_0: f64,
    pub(crate) create_per_sec_at_n: f64,
    /// Creates/s for the busy user ÷ creates/s for the user with no sessions.
    pub(crate) create_ratio: Option<f64>,
    /// The other users' lookups, through the writers' adapter and, where the backend gives
    /// one, through a separate adapter with its own connection.
    pub(crate) lookup_p99: Vec<LookupP99>,
}

/// The p99 of the other users' lookups through one adapter, in the three phases.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LookupP99 {
    /// `shared adapter` or `separate adapter`.
    pub(crate) adapter: &'static str,
    pub(crate) no_writers_us: u64,
    /// While the writers create sessions for the user with no sessions.
    pub(crate) writers_at_0_us: u64,
    /// While the writers create sessions for the busy user.
    pub(crate) writers_at_n_us: u64,
    /// `writers_at_n_us ÷ no_writers_us`.
    pub(crate) ratio_vs_no_writers: Option<f64>,
    /// `writers_at_n_us ÷ writers_at_0_us`: what the busy user's sessions add to the
    /// writers' load.
    pub(crate) ratio_vs_writers_at_0: Option<f64>,
}

/// A ratio one of the workloads stands for (`extractor`: axum ÷ bare lookup; `jwt_decode`:
/// Rust ÷ Auth.js), with its target.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RatioSummary {
    pub(crate) backend: String,
    pub(crate) workload: &'static str,
    /// Always `ratio`, to tell this JSON line from a row.
    pub(crate) kind: &'static str,
    pub(crate) concurrency: usize,
    /// What is divided by what.
    pub(crate) figure: String,
    pub(crate) ratio: Option<f64>,
    /// The least the ratio should be, when there is a target.
    pub(crate) target: Option<f64>,
}

impl RatioSummary {
    pub(crate) fn new(
        backend: &str,
        workload: &'static str,
        concurrency: usize,
        figure: impl Into<String>,
        ratio: Option<f64>,
        target: Option<f64>,
    ) -> Self {
        RatioSummary {
            backend: backend.to_owned(),
            workload,
            kind: "ratio",
            concurrency,
            figure: figure.into(),
            ratio,
            target,
        }
    }

    /// Whether the target is met (`None`: no target, or no ratio).
    pub(crate) fn met(&self) -> Option<bool> {
        Some(self.ratio? >= self.target?)
    }
}

/// The ratio summaries as a Markdown table.
pub(crate) fn ratio_table(summaries: &[RatioSummary]) -> String {
    let header = [
        "backend", "workload", "conc", "figure", "ratio", "target", "met",
    ];
    let body = summaries
        .iter()
        .map(|s| {
            vec![
                s.backend.clone(),
                s.workload.to_owned(),
                s.concurrency.to_string(),
                s.figure.clone(),
                s.ratio.map(|r| format!("{r:.2}×")).unwrap_or_default(),
                s.target.map(|t| format!("≥ {t:.2}×")).unwrap_or_default(),
                match s.met() {
                    Some(true) => "yes".to_owned(),
                    Some(false) => "no".to_owned(),
                    None => String::new(),
                },
            ]
        })
        .collect();
    let right = [false, false, true, false, true, true, false];
    markdown(&header, &right, body)
}

/// `a ÷ b` to two decimals, or `None` when `b` is 0.
pub(crate) fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| ((a / b) * 100.0).round() / 100.0)
}

/// The `busy_user` summaries as a Markdown table: per backend, one line for the create
/// rates and one per lookup probe.
pub(crate) fn busy_table(summaries: &[BusySummary]) -> String {
    let header = [
        "backend",
        "busy_user figure",
        "no writers",
        "writers on user with 0",
        "writers on busy user",
        "busy ÷ no writers",
        "busy ÷ user with 0",
    ];
    let times = |r: Option<f64>| r.map(|r| format!("{r:.2}×")).unwrap_or_default();
    let mut body = Vec::new();
    for s in summaries {
        body.push(vec![
            s.backend.clone(),
            format!(
                "creates/s, {} writers, busy user has {}",
                s.writers, s.busy_sessions
            ),
            String::new(),
            format!("{:.0}", s.create_per_sec_at_0),
            format!("{:.0}", s.create_per_sec_at_n),
            String::new(),
            times(s.create_ratio),
        ]);
        for p in &s.lookup_p99 {
            body.push(vec![
                s.backend.clone(),
                format!("other users' lookup p99 µs, {}", p.adapter),
                p.no_writers_us.to_string(),
                p.writers_at_0_us.to_string(),
                p.writers_at_n_us.to_string(),
                times(p.ratio_vs_no_writers),
                times(p.ratio_vs_writers_at_0),
            ]);
        }
    }
    let right = [false, false, true, true, true, true, true];
    markdown(&header, &right, body)
}

/// A Markdown table: `right[i]` right-aligns column `i`.
fn markdown(header: &[&str], right: &[bool], body: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &body {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::from("|");
        for ((c, w), r) in cells.iter().zip(&widths).zip(right) {
            let pad = w.saturating_sub(c.chars().count());
            if *r {
                s.push_str(&format!(" {}{} |", " ".repeat(pad), c));
            } else {
                s.push_str(&format!(" {}{} |", c, " ".repeat(pad)));
            }
        }
        s
    };
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    let mut out = line(&header);
    out.push('\n');
    out.push('|');
    for (w, r) in widths.iter().zip(right) {
        let dashes = "-".repeat(w.saturating_sub(1));
        if *r {
            out.push_str(&format!(" {dashes}: |"));
        } else {
            out.push_str(&format!(" {dashes}- |"));
        }
    }
    out.push('\n');
    for r in &body {
        out.push_str(&line(r));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: Kind, ops_per_sec: f64) -> Row {
        let m = Measurement {
            ops: 10,
            errors: 0,
            seconds: 1.0,
            p50_us: 5,
            p99_us: 9,
            first_error: None,
        };
        let mut r = Row::new("postgres", "get_session_and_user", 16, kind, "x", &m);
        r.ops_per_sec = ops_per_sec;
        r
    }

    #[test]
    fn ratios_are_adapter_over_baseline() {
        let mut group = vec![
            row(Kind::Adapter, 900.0),
            row(Kind::Raw, 1000.0),
            row(Kind::Js, 300.0),
        ];
        fill_ratios(&mut group);
        assert_eq!(group[0].adapter_ratio, None);
        assert_eq!(group[1].adapter_ratio, Some(0.9));
        assert_eq!(group[2].adapter_ratio, Some(3.0));
    }

    #[test]
    fn json_rows_carry_every_column() {
        let mut group = vec![row(Kind::Adapter, 900.0), row(Kind::Raw, 1000.0)];
        fill_ratios(&mut group);
        let v: serde_json::Value = serde_json::from_str(&json_line(&group[1])).unwrap();
        assert_eq!(v["kind"], "raw");
        assert_eq!(v["concurrency"], 16);
        assert_eq!(v["adapter_ratio"], 0.9);
        assert_eq!(v["p99_us"], 9);
        assert!(v.get("first_error").is_none());
    }

    #[test]
    fn table_has_a_header_and_one_line_per_row() {
        let t = table(&[row(Kind::Adapter, 900.0), row(Kind::Raw, 1000.0)]);
        assert_eq!(t.lines().count(), 4);
        assert!(t.starts_with("| backend"));
    }

    #[test]
    fn busy_summary_table_and_json() {
        let s = BusySummary {
            backend: "redis".into(),
            workload: "busy_user",
            kind: "summary",
            writers: 16,
            busy_sessions: 20_000,
            creates_per_round: 2000,
            rounds: 40,
            create_per_sec_at_0: 10_000.0,
            create_per_sec_at_n: 9_000.0,
            create_ratio: ratio(9_000.0, 10_000.0),
            lookup_p99: vec![LookupP99 {
                adapter: "separate adapter",
                no_writers_us: 200,
                writers_at_0_us: 900,
                writers_at_n_us: 950,
                ratio_vs_no_writers: ratio(950.0, 200.0),
                ratio_vs_writers_at_0: ratio(950.0, 900.0),
            }],
        };
        let t = busy_table(std::slice::from_ref(&s));
        assert_eq!(t.lines().count(), 4, "{t}");
        assert!(
            t.contains("0.90×") && t.contains("4.75×") && t.contains("1.06×"),
            "{t}"
        );
        let v: serde_json::Value = serde_json::to_value(&s).unwrap();
        assert_eq!(v["kind"], "summary");
        assert_eq!(v["create_ratio"], 0.9);
        assert_eq!(v["lookup_p99"][0]["writers_at_n_us"], 950);
        assert_eq!(ratio(1.0, 0.0), None);
    }

    #[test]
    fn ratio_summaries_say_whether_the_target_is_met() {
        let met = RatioSummary::new(
            "memory",
            "extractor",
            1,
            "a ÷ b",
            ratio(95.0, 100.0),
            Some(0.9),
        );
        let missed = RatioSummary::new("-", "jwt_decode", 1, "c ÷ d", ratio(5.0, 1.0), Some(10.0));
        let none = RatioSummary::new("-", "jwt_decode", 1, "e ÷ f", ratio(5.0, 1.0), None);
        assert_eq!(met.met(), Some(true));
        assert_eq!(missed.met(), Some(false));
        assert_eq!(none.met(), None);
        let t = ratio_table(&[met, missed, none]);
        assert_eq!(t.lines().count(), 5, "{t}");
        assert!(
            t.contains("0.95×") && t.contains("≥ 10.00×") && t.contains("| no"),
            "{t}"
        );
        let v: serde_json::Value = serde_json::to_value(RatioSummary::new(
            "redis",
            "extractor",
            16,
            "x",
            Some(0.5),
            Some(0.9),
        ))
        .unwrap();
        assert_eq!(v["kind"], "ratio");
        assert_eq!(v["target"], 0.9);
    }

    #[test]
    fn a_row_without_ops_or_with_errors_failed() {
        let mut r = row(Kind::Adapter, 1.0);
        assert!(!r.failed());
        r.errors = 1;
        assert!(r.failed());
        r.errors = 0;
        r.ops = 0;
        assert!(r.failed());
    }
}
