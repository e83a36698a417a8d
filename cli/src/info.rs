use std::process::ExitCode;

pub fn run() -> ExitCode {
    let info = batchverify::cpu_info();
    println!("batchverify {}", env!("CARGO_PKG_VERSION"));
    println!("cpu:       {}", crate::bench::cpu_model());
    println!("features:  {}", info.features.join(" "));
    println!(
        "ed25519:   {} (IFMA backend {})",
        info.ed25519,
        if info.ifma_backend_built {
            "built in"
        } else {
            "not built"
        }
    );
    println!("sha256:    {}", info.sha256);
    println!("sha512:    {}", info.sha512);
    println!("threads:   {}", rayon::current_num_threads());
    println!(
        "backend:   {} (BATCHVERIFY_BACKEND; auto uses GPU hardware for Merkle trees from {} leaves)",
        batchverify::Backend::from_env(),
        batchverify::gpu_crossover()
    );
    let adapters = batchverify::gpu::adapters();
    if adapters.is_empty() {
        println!("gpu:       no adapter found (Vulkan, Metal, DX12)");
    }
    for adapter in adapters {
        println!(
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
