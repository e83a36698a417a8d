//! Runs a suite of the harness under criterion: the same specs, inputs and peers as
//! `batchverify bench`, timed by criterion instead (each call after its untimed `prepare`).

use std::time::{Duration, Instant};

use batchverify_bench::{cases, plan, PlanOptions, Suite, Sweep};
use criterion::{BenchmarkId, Criterion, Throughput};

/// Every spec of `suite` as a criterion group named `suite/sweep/workload[, regime][, bad%]/
/// threads`, one benchmark per implementation; GPU rows only on GPU hardware.
pub fn run_suite(c: &mut Criterion, suite: Suite) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let gpu = batchverify::gpu::shared()
        .ok()
        .filter(|context| context.adapter().hardware);
    let options = PlanOptions {
        suites: vec![suite],
        sweeps: Sweep::ALL.to_vec(),
        sizes: Vec::new(),
        threads,
        gpu: gpu.is_some(),
    };
    for spec in plan(&options) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(spec.threads)
            .build()
            .expect("thread pool");
        let mut cases = pool.install(|| cases(&spec, gpu.as_ref()));
        let name = format!("{}/{}/{}", suite.name(), spec.sweep.slug(), spec.label());
        let mut group = c.benchmark_group(format!("{name}/{}-threads", spec.threads));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .throughput(Throughput::Elements(spec.items() as u64));
        for case in &mut cases {
            group.bench_function(BenchmarkId::new(case.label(), spec.size), |b| {
                b.iter_custom(|iterations| {
                    pool.install(|| {
                        let mut total = Duration::ZERO;
                        for _ in 0..iterations {
                            (case.prepare)();
                            let started = Instant::now();
                            let ok = (case.run)();
                            total += started.elapsed();
                            assert!(ok, "{} gave a wrong result", case.label());
                        }
                        total
                    })
                })
            });
        }
        group.finish();
    }
}
