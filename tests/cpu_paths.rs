//! The AVX-512 IFMA backend is built in, and taken on a CPU that has IFMA.

use batchverify::{cpu_info, Ed25519Path};

#[test]
#[cfg(target_arch = "x86_64")]
fn ifma_backend_is_built_and_selected_where_the_cpu_has_it() {
    let info = cpu_info();
    assert!(
        info.ifma_backend_built,
        "curve25519-dalek was built without its IFMA backend: is .cargo/config.toml in effect?"
    );
    let has_ifma = std::arch::is_x86_feature_detected!("avx512ifma")
        && std::arch::is_x86_feature_detected!("avx512vl");
    if has_ifma {
        assert_eq!(info.ed25519, Ed25519Path::Avx512Ifma);
    } else if std::arch::is_x86_feature_detected!("avx2") {
        assert_eq!(info.ed25519, Ed25519Path::Avx2);
    } else {
        assert_eq!(info.ed25519, Ed25519Path::Serial);
    }
}

/// The cfg check above proves the build asked for IFMA; this proves the code is in the binary:
/// `vpmadd52luq` is the IFMA multiply that only curve25519-dalek's IFMA backend emits.
#[test]
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn ifma_instructions_are_linked_in() {
    let exe = std::env::current_exe().unwrap();
    let Ok(output) = std::process::Command::new("objdump")
        .args(["-d", "--no-show-raw-insn"])
        .arg(&exe)
        .output()
    else {
        eprintln!("SKIPPED: objdump (binutils) not installed");
        return;
    };
    assert!(output.status.success());
    let listing = String::from_utf8_lossy(&output.stdout);
    assert!(
        listing.contains("vpmadd52luq"),
        "no IFMA instruction in {}",
        exe.display()
    );
    // Make sure Ed25519 code (and so curve25519-dalek) is linked into this test binary.
    let _ = batchverify::ed25519::verify(
        batchverify::ed25519::Policy::Zip215,
        &[0; 32],
        b"",
        &[0; 64],
    );
}
