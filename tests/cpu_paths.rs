//! curve25519-dalek's AVX-512 IFMA backend is built in, and taken on a CPU that has IFMA.

use batchverify::{cpu_info, Ed25519Path};

/// `cpu_info` reports the backend curve25519-dalek's own run-time selection picked; this holds
/// it against the CPU features as the standard library detects them.
#[test]
#[cfg(target_arch = "x86_64")]
fn the_backend_curve25519_dalek_selected_matches_the_cpu() {
    let info = cpu_info();
    assert!(
        info.ifma_backend_built,
        "curve25519-dalek was built without its IFMA backend: is .cargo/config.toml in effect?"
    );
    let has_ifma = std::arch::is_x86_feature_detected!("avx512ifma")
        && std::arch::is_x86_feature_detected!("avx512vl");
    let expected = if has_ifma {
        Ed25519Path::Avx512Ifma
    } else if std::arch::is_x86_feature_detected!("avx2") {
        Ed25519Path::Avx2
    } else {
        Ed25519Path::Serial
    };
    assert_eq!(info.ed25519, expected);
}

/// The selection above proves which backend runs; this proves the IFMA backend's code is in the
/// binary: some function of curve25519-dalek's IFMA module executes `vpmadd52luq`. (Our own
/// Ed25519 lanes emit that instruction too, so finding it anywhere in the binary would prove
/// nothing about curve25519-dalek.)
#[test]
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn curve25519_dalek_ifma_code_is_linked_in() {
    // Make sure Ed25519 code (and so curve25519-dalek's backends) is linked into this binary.
    let _ = batchverify::ed25519::verify(
        batchverify::ed25519::Policy::Zip215,
        &[0; 32],
        b"",
        &[0; 64],
    );
    let exe = std::env::current_exe().unwrap();
    let Ok(output) = std::process::Command::new("objdump")
        .args(["-d", "--no-show-raw-insn", "--demangle"])
        .arg(&exe)
        .output()
    else {
        eprintln!("SKIPPED: objdump (binutils) not installed");
        return;
    };
    assert!(output.status.success());
    let listing = String::from_utf8_lossy(&output.stdout);
    // Function bodies start at a `<name>:` label; keep those inside dalek's IFMA module.
    let ifma_functions: Vec<&str> = listing
        .split("\n\n")
        .filter(|body| {
            body.lines()
                .next()
                .is_some_and(|label| label.contains("backend::vector::ifma"))
        })
        .collect();
    assert!(
        !ifma_functions.is_empty(),
        "no function of curve25519-dalek's IFMA backend in {}",
        exe.display()
    );
    assert!(
        ifma_functions
            .iter()
            .any(|body| body.contains("vpmadd52luq")),
        "curve25519-dalek's IFMA functions contain no IFMA multiply"
    );
}
