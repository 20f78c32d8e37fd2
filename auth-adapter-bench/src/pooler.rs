//! The `pooler` workload: `get_session_and_user` behind PgBouncer in transaction mode.
//! Interleaved, on the same sessions: the adapter with `transaction_pooler` through the
//! pooler; the same lookup by hand with sqlx through the pooler, in the two ways that work
//! there (a simple query with the token as a literal, and an unnamed statement inside a
//! transaction); and the adapter on a direct connection, with the default options and with
//! `transaction_pooler`. The rows come from [`Store::pooler_lookups`].

use std::sync::Arc;

use crate::BoxError;
use crate::backends::Store;
use crate::cli::{Options, Workload};
use crate::report::{self, RatioSummary, Row};
use crate::runner;
use crate::workloads::Dataset;

/// The least the adapter through the pooler may reach of the best raw lookup through it.
pub(crate) const TARGET: f64 = 0.9;

/// The rows of one backend at every concurrency, and their ratios.
pub(crate) async fn run(
    options: &Options,
    backend: &str,
    store: &dyn Store,
    data: &Arc<Dataset>,
    pooler_url: &str,
) -> Result<(Vec<Row>, Vec<RatioSummary>), BoxError> {
    let Some(ops) = store
        .pooler_lookups(data, pooler_url, options.pool_size)
        .await?
    else {
        return Err(format!("{backend} has no pooler rows").into());
    };
    let workload = Workload::Pooler.name();
    let mut rows = Vec::new();
    let mut ratios = Vec::new();
    for (i, &concurrency) in options.concurrency.iter().enumerate() {
        let seed = (i as u64) << 32 | 0x9001;
        let mut group =
            runner::measure_rows(&ops, backend, workload, concurrency, options.duration, seed)
                .await;
        // Every row against the first (the adapter through the pooler), the other adapter
        // rows included.
        if let Some(first) = group.first().map(|r| r.ops_per_sec) {
            for row in group.iter_mut().skip(1) {
                row.adapter_ratio = report::ratio(first, row.ops_per_sec);
            }
        }
        if let [pooled, raw, _, default_direct, pooled_direct, ..] = &group[..] {
            let mut ratio = |figure: &str, over: &Row, under: &Row, target| {
                ratios.push(RatioSummary::new(
                    backend,
                    workload,
                    concurrency,
                    figure,
                    report::ratio(over.ops_per_sec, under.ops_per_sec),
                    target,
                ));
            };
            ratio(
                "ops/s: adapter transaction_pooler ÷ sqlx raw_sql, both through PgBouncer",
                pooled,
                raw,
                Some(TARGET),
            );
            ratio(
                "ops/s: adapter transaction_pooler through PgBouncer ÷ adapter default options direct",
                pooled,
                default_direct,
                None,
            );
            ratio(
                "ops/s: adapter transaction_pooler ÷ default options, both direct",
                pooled_direct,
                default_direct,
                None,
            );
        }
        rows.extend(group);
    }
    Ok((rows, ratios))
}
