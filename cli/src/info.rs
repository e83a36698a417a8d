use std::process::ExitCode;

pub fn run() -> ExitCode {
    let info = batchverify::cpu_info();
    out!("batchverify {}", env!("CARGO_PKG_VERSION"));
    out!("cpu:       {}", batchverify_bench::cpu_model());
    out!("features:  {}", info.features.join(" "));
    out!(
        "ed25519:   {} (IFMA backend {}), batch decompression {}",
        info.ed25519,
        if info.ifma_backend_built {
            "built in"
        } else {
            "not built"
        },
        info.ed25519_decompression
    );
    for (name, calibration) in [
        ("sha256", batchverify::sha256::calibration()),
        ("sm3", batchverify::sm3::calibration()),
    ] {
        let measured: Vec<String> = calibration
            .rates
            .iter()
            .map(|(path, short, long)| format!("{path} {:.0}/{:.0}", short / 1e6, long / 1e6))
            .collect();
        out!(
            "{:<10} {} for Merkle nodes and messages up to 119 bytes, {} for longer ones \
             (measured MB/s per thread, 64-byte/1 KiB messages: {})",
            format!("{name}:"),
            calibration.short,
            calibration.long,
            measured.join(", ")
        );
    }
    out!("sha512:    {}", info.sha512);
    out!("threads:   {}", rayon::current_num_threads());
    out!(
        "backend:   {} (BATCHVERIFY_BACKEND; auto uses GPU hardware for Merkle trees from {} leaves)",
        batchverify::Backend::from_env(),
        batchverify::gpu_crossover()
    );
    let adapters = batchverify::gpu::adapters();
    if adapters.is_empty() {
        out!("gpu:       no adapter found (Vulkan, Metal, DX12)");
    }
    for adapter in adapters {
        out!(
            "gpu:       {} ({}, {}{}, driver {})",
            adapter.name,
            adapter.api,
            adapter.kind,
            if adapter.hardware {
                ""
            } else {
                ", software: auto skips it"
            },
            adapter.driver
        );
    }
    ExitCode::SUCCESS
}
