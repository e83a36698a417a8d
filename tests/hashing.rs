//! SHA-256 and SM3 on every code path this CPU supports: the standards' vectors (NIST CAVP,
//! GB/T 32905), and differential tests against the portable path and an independent crate
//! (`sha2`, `sm3`) on random lengths and counts. The path tests are written once for both
//! hashes, as the engine is.

mod common;

use batchverify::sha256::{self, Digest};
use batchverify::sm3;

/// `(message, digest)` pairs of a CAVP `.rsp` file with `Len`/`Msg`/`MD` blocks.
fn cavp_messages(file: &str) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let text = common::read_text(&format!("nist-cavp-sha256/{file}"))?;
    let mut cases = Vec::new();
    let mut len_bits = None;
    let mut message = None;
    for line in text.lines().map(str::trim) {
        if let Some(value) = line.strip_prefix("Len = ") {
            len_bits = Some(value.parse::<usize>().expect("Len"));
        } else if let Some(value) = line.strip_prefix("Msg = ") {
            let bytes = hex::decode(value).expect("Msg hex");
            message = Some(bytes[..len_bits.expect("Len before Msg") / 8].to_vec());
        } else if let Some(value) = line.strip_prefix("MD = ") {
            let digest = hex::decode(value).expect("MD hex");
            cases.push((message.take().expect("Msg before MD"), digest));
        }
    }
    Some(cases)
}

#[test]
fn cavp_short_and_long_messages_one_at_a_time_and_batched() {
    let (Some(short), Some(long)) = (
        cavp_messages("SHA256ShortMsg.rsp"),
        cavp_messages("SHA256LongMsg.rsp"),
    ) else {
        return;
    };
    assert_eq!((short.len(), long.len()), (65, 64));
    let cases: Vec<_> = short.into_iter().chain(long).collect();
    known_answers_on_every_path(sha256_paths::every_path(), &cases);
}

/// Each `(message, digest)` case on every hasher: alone, in one batch of all the cases, and as
/// sixteen copies, which fill every lane of the widest kernel.
fn known_answers_on_every_path<A: batchverify::hash::Algorithm>(
    hashers: Vec<batchverify::hash::Hasher<A>>,
    cases: &[(Vec<u8>, Vec<u8>)],
) {
    let messages: Vec<&[u8]> = cases.iter().map(|(m, _)| &m[..]).collect();
    for hasher in hashers {
        for (message, digest) in cases {
            assert_eq!(
                &hasher.hash(message)[..],
                &digest[..],
                "{:?}",
                hasher.path()
            );
            let copies = hasher.hash_many(&vec![message.clone(); 16]);
            assert!(
                copies.iter().all(|got| got[..] == digest[..]),
                "{:?}",
                hasher.path()
            );
        }
        let batch = hasher.hash_many(&messages);
        for (i, (got, (_, want))) in batch.iter().zip(cases).enumerate() {
            assert_eq!(&got[..], &want[..], "{:?} batch item {i}", hasher.path());
        }
    }
}

#[test]
fn cavp_monte_carlo() {
    let Some(text) = common::read_text("nist-cavp-sha256/SHA256Monte.rsp") else {
        return;
    };
    let seed = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Seed = "))
        .expect("Seed");
    let checkpoints: Vec<Vec<u8>> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("MD = "))
        .map(|h| hex::decode(h).expect("MD hex"))
        .collect();
    assert_eq!(checkpoints.len(), 100);
    for hasher in sha256_paths::every_path() {
        let mut seed: Digest = hex::decode(seed).unwrap().try_into().unwrap();
        for (j, want) in checkpoints.iter().enumerate() {
            let mut md = [seed; 3];
            for _ in 3..1003 {
                let next = hasher.hash(&md.concat());
                md = [md[1], md[2], next];
            }
            seed = md[2];
            assert_eq!(&seed[..], &want[..], "{:?} checkpoint {j}", hasher.path());
        }
    }
}

/// The tests every hash of the shared engine passes: `$module` names the hash's module and
/// `$reference` an independent implementation of it.
macro_rules! path_tests {
    ($paths:ident, $module:ident, $reference:expr) => {
        mod $paths {
            use batchverify::$module::{self, Digest, HashPath, Hasher};
            use batchverify::Error;
            use rand::{RngExt, SeedableRng};

            pub(crate) fn every_path() -> Vec<Hasher> {
                let paths = $module::supported_paths();
                assert!(paths.contains(&HashPath::Portable));
                eprintln!("{} paths under test: {paths:?}", stringify!($module));
                paths
                    .into_iter()
                    .flat_map(|path| {
                        let hasher = Hasher::with_path(path).expect("supported path");
                        [hasher, hasher.sequential()]
                    })
                    .collect()
            }

            fn reference(message: &[u8]) -> Digest {
                $reference(message)
            }

            #[test]
            fn every_path_matches_the_reference_on_random_lengths_and_counts() {
                let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed_0256);
                let paths = every_path();
                for round in 0..48 {
                    let count = match round {
                        0 => 0,
                        1 => 1,
                        2..=5 => rng.random_range(2..40),
                        40.. => rng.random_range(1..40),
                        _ => rng.random_range(1..300),
                    };
                    // The last rounds take fewer, longer messages, up to 70,000 bytes.
                    let max_len = if round >= 40 { 70_000 } else { 4096 };
                    let messages: Vec<Vec<u8>> = (0..count)
                        .map(|_| {
                            let len = rng.random_range(0..max_len);
                            (0..len).map(|_| rng.random()).collect()
                        })
                        .collect();
                    let want: Vec<Digest> = messages.iter().map(|m| reference(m)).collect();
                    for hasher in &paths {
                        assert_eq!(hasher.hash_many(&messages), want, "{:?}", hasher.path());
                        for (message, digest) in messages.iter().zip(&want).take(3) {
                            assert_eq!(hasher.hash(message), *digest, "{:?}", hasher.path());
                        }
                    }
                }
            }

            #[test]
            fn every_path_matches_the_reference_on_equal_lengths_around_block_boundaries() {
                let mut rng = rand::rngs::StdRng::seed_from_u64(7);
                let paths = every_path();
                for len in [
                    0, 1, 31, 32, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000,
                ] {
                    for count in [1, 3, 8, 15, 16, 17, 33, 5000] {
                        let messages: Vec<Vec<u8>> = (0..count)
                            .map(|_| (0..len).map(|_| rng.random()).collect())
                            .collect();
                        let want: Vec<Digest> = messages.iter().map(|m| reference(m)).collect();
                        for hasher in &paths {
                            assert_eq!(
                                hasher.hash_many(&messages),
                                want,
                                "{:?}: {count} messages of {len} bytes",
                                hasher.path()
                            );
                        }
                    }
                }
            }

            #[test]
            fn node_fast_path_hashes_each_pair_of_children() {
                let mut rng = rand::rngs::StdRng::seed_from_u64(64);
                for count in [0usize, 1, 2, 3, 16, 31, 32, 33, 1000, 10_001] {
                    let children: Vec<Digest> = (0..count).map(|_| rng.random()).collect();
                    let want: Vec<Digest> = children
                        .chunks_exact(2)
                        .map(|pair| reference(&pair.concat()))
                        .collect();
                    for hasher in every_path() {
                        assert_eq!(hasher.hash_pairs(&children), want, "{:?}", hasher.path());
                    }
                }
                assert_eq!(
                    $module::hash_pairs(&[[1; 32], [2; 32]])[0],
                    reference(&[[1; 32], [2; 32]].concat())
                );
            }

            #[test]
            fn module_functions_use_the_calibrated_paths() {
                let calibration = $module::calibration();
                let hasher = Hasher::new();
                assert_eq!(hasher.path(), $module::best_path());
                assert_eq!($module::best_path(), calibration.short);
                assert_eq!(hasher.path_for_length(64), calibration.short);
                assert_eq!(hasher.path_for_length(119), calibration.short);
                assert_eq!(hasher.path_for_length(120), calibration.long);
                assert_eq!(hasher.path_for_length(1 << 16), calibration.long);
                assert!($module::supported_paths().contains(&calibration.long));
                assert_eq!($module::hash(b"abc"), reference(b"abc"));
                assert_eq!($module::hash_many(&[b"abc"]), vec![reference(b"abc")]);
            }

            #[test]
            fn forcing_a_path_the_cpu_lacks_is_an_error() {
                let supported = $module::supported_paths();
                for path in [
                    HashPath::ShaNi,
                    HashPath::Avx512,
                    HashPath::Avx2,
                    HashPath::Portable,
                ] {
                    let forced = Hasher::with_path(path);
                    if supported.contains(&path) {
                        assert_eq!(forced.map(|h| h.path()), Ok(path));
                    } else {
                        let error = forced.unwrap_err();
                        assert_eq!(error, Error::UnsupportedPath { path });
                        assert!(error.to_string().contains("needs CPU features"));
                    }
                }
            }

            /// Outputs of 4 MiB and more are allocated zeroed and advised onto huge pages;
            /// every digest must still land where it belongs, for equal and mixed lengths and
            /// for Merkle pairs.
            #[test]
            fn outputs_of_hundreds_of_thousands_of_digests_match_the_reference() {
                let count = 150_000usize;
                let equal: Vec<[u8; 8]> = (0..count as u64).map(u64::to_le_bytes).collect();
                let mixed: Vec<Vec<u8>> = (0..count)
                    .map(|i| (i as u32).to_le_bytes().repeat(i % 40))
                    .collect();
                let hasher = Hasher::new();
                let want: Vec<Digest> = equal.iter().map(|m| reference(m)).collect();
                assert_eq!(hasher.hash_many(&equal), want);
                let want: Vec<Digest> = mixed.iter().map(|m| reference(m)).collect();
                assert_eq!(hasher.hash_many(&mixed), want);
                let children: Vec<Digest> = (0..2 * count)
                    .map(|i| reference(&i.to_le_bytes()))
                    .collect();
                let want: Vec<Digest> = children
                    .chunks_exact(2)
                    .map(|pair| reference(&pair.concat()))
                    .collect();
                assert_eq!(hasher.hash_pairs(&children), want);
            }

            #[test]
            fn results_do_not_depend_on_the_thread_count() {
                let messages: Vec<Vec<u8>> = (0..20_000u32)
                    .map(|i| i.to_le_bytes().repeat(i as usize % 40))
                    .collect();
                let want = Hasher::new().sequential().hash_many(&messages);
                for threads in [1, 2, 3] {
                    let pool = rayon::ThreadPoolBuilder::new()
                        .num_threads(threads)
                        .build()
                        .unwrap();
                    assert_eq!(
                        pool.install(|| $module::hash_many(&messages)),
                        want,
                        "{threads} threads"
                    );
                }
            }
        }
    };
}

path_tests!(sha256_paths, sha256, |message: &[u8]| -> Digest {
    <sha2::Sha256 as sha2::Digest>::digest(message).into()
});
path_tests!(sm3_paths, sm3, |message: &[u8]| -> Digest {
    <::sm3::Sm3 as sha2::Digest>::digest(message).into()
});

#[test]
fn the_info_command_reports_the_calibrated_sha256_path() {
    assert_eq!(batchverify::cpu_info().sha256, sha256::best_path());
}

#[test]
fn sm3_has_no_path_on_the_sha_extensions() {
    assert!(!sm3::supported_paths().contains(&sha256::HashPath::ShaNi));
}

#[test]
fn sm3_standard_examples_on_every_path_one_at_a_time_and_batched() {
    let Some(standard) = common::read_json("sm2-sm3/standard.json") else {
        return;
    };
    let cases: Vec<(Vec<u8>, Vec<u8>)> = standard["sm3"]
        .as_array()
        .expect("sm3 examples")
        .iter()
        .map(|case| {
            let message = case["message_ascii"].as_str().expect("message").as_bytes();
            (message.to_vec(), common::unhex(&case["digest"]))
        })
        .collect();
    assert_eq!(cases.len(), 2);
    known_answers_on_every_path(sm3_paths::every_path(), &cases);
}
