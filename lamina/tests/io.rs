//! The library's hardened reading and its error reports: plain names only, regular files
//! under caps, strict integers, and the one-line message the CLI prints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lamina::io;
use serde_json::json;
use std::path::Path;

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("lamina-io-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn names_from_a_folder_are_plain_file_names() {
    let d = Path::new("/some/folder");
    assert_eq!(
        io::inside(d, &json!("slice_0.proof"), "w").unwrap(),
        d.join("slice_0.proof")
    );
    for bad in ["../x", "/etc/passwd", "a/b", "a\\b", "..", ".", ""] {
        let e = io::inside(d, &json!(bad), "statement.json: slices[0].proof").unwrap_err();
        assert!(
            e.report().contains("is not a plain file name"),
            "{bad}: {}",
            e.report()
        );
    }
    let e = io::inside(d, &json!(7), "w").unwrap_err();
    assert_eq!(e.report(), "w: expected a file name, got 7");
}

#[test]
fn only_regular_files_under_the_cap_are_read() {
    let d = tmp("caps");
    let f = d.join("f.json");
    std::fs::write(&f, "0123456789").unwrap();
    assert_eq!(io::read_capped(&f, 10).unwrap().len(), 10);
    let e = io::read_capped(&f, 9).unwrap_err().report();
    assert!(e.contains("10 bytes, more than the 9-byte limit"), "{e}");
    let e = io::read_capped(&d, 100).unwrap_err().report();
    assert!(e.ends_with("not a regular file"), "{e}");
    let e = io::read_capped(&d.join("missing"), 100)
        .unwrap_err()
        .report();
    assert!(e.starts_with("reading ") && e.contains("missing: "), "{e}");
    #[cfg(unix)]
    {
        let link = d.join("link");
        std::os::unix::fs::symlink(&f, &link).unwrap();
        assert!(
            io::read_capped(&link, 100)
                .unwrap_err()
                .report()
                .ends_with("not a regular file")
        );
    }
}

#[test]
fn integers_are_exact_and_below_half_p() {
    assert_eq!(io::ints(&json!([1, -2, 3]), "x").unwrap(), [1, -2, 3]);
    let e = io::ints(&json!([1, 2.5]), "x").unwrap_err().report();
    assert_eq!(e, "x[1]: 2.5 is not an integer");
    let e = io::ints(&json!([io::SIGNED_MAX + 1]), "x")
        .unwrap_err()
        .report();
    assert!(e.contains("outside ±(p−1)/2"), "{e}");
    assert!(io::ints(&json!([io::SIGNED_MAX, -io::SIGNED_MAX]), "x").is_ok());
}

#[test]
fn hex_digests_round_trip_and_refuse_other_forms() {
    let b: [u8; 32] = std::array::from_fn(|i| (i * 7) as u8);
    assert_eq!(io::unhex32(&io::hex(&b)).unwrap(), b);
    for bad in ["00".to_string(), "AB".repeat(32), "g0".repeat(32)] {
        assert!(io::unhex32(&bad).is_err(), "{bad}");
    }
}

#[test]
fn reports_join_the_context_chain() {
    let d = tmp("report");
    let f = d.join("bad.json");
    std::fs::write(&f, "{").unwrap();
    let r = io::read_json(&f).unwrap_err().report();
    assert!(
        r.starts_with(&format!("{}: not valid JSON: ", f.display())),
        "{r}"
    );
    let e = lamina::Settings::new(40, (-1.0, 1.0), "whole").unwrap_err();
    assert!(e.report().starts_with("--scale-bits 40"), "{}", e.report());
    let e = lamina::Settings::new(18, (-1.0, 1.0), "nonsense").unwrap_err();
    assert!(matches!(e, lamina::Error::Blueprint(_)));
}
