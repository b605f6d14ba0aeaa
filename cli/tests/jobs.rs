//! One slice, one job: `lamina witness` writes a run folder, `lamina prove --run --slice I`
//! proves one slice per process, `lamina verify` checks the assembled set and the chain.
//! The proofs must be the one-go path's, byte for byte; bad indices, missing or foreign
//! run folders and broken assemblies are refused with named errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn lenet() -> PathBuf {
    root().join("testdata/lenet/lenet.onnx")
}

fn input() -> PathBuf {
    root().join("testdata/lenet/input.json")
}

/// Runs the binary without the job-array variables (unless `env` sets them).
fn lamina_env(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lamina"));
    c.args(args)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn lamina(args: &[&str]) -> (bool, String, String) {
    lamina_env(args, &[])
}

fn ok(r: (bool, String, String)) -> String {
    assert!(r.0, "stderr: {}", r.2);
    r.1
}

fn refused(r: (bool, String, String), why: &str) {
    assert!(!r.0, "accepted; stdout {}", r.1);
    assert!(r.2.contains(why), "expected '{why}' in: {}", r.2);
    assert!(!r.2.contains("panicked"), "{}", r.2);
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lamina-jobs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn read(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// LeNet compiled with `--slices layers` and binding-only proofs (`--no-zk`: their bytes
/// are a function of the statement, so a job's proof can be compared with the one-go
/// proof), proven in one go, a run folder, and the five slices proven by five separate
/// processes (slices 3 and 4 take their index from the Slurm and Kubernetes variables):
/// `(dir, one_go, run, per_slice)`.
fn shared() -> &'static (PathBuf, PathBuf, PathBuf, PathBuf) {
    static S: OnceLock<(PathBuf, PathBuf, PathBuf, PathBuf)> = OnceLock::new();
    S.get_or_init(|| {
        let (dir, one, run, per) = (tmp("dir"), tmp("one"), tmp("run"), tmp("per"));
        ok(lamina(&[
            "compile",
            s(&lenet()),
            "--slices",
            "layers",
            "--no-zk",
            "-o",
            s(&dir),
        ]));
        ok(lamina(&[
            "prove",
            s(&dir),
            "--input",
            s(&input()),
            "-o",
            s(&one),
        ]));
        let r: Value = serde_json::from_str(&ok(lamina(&[
            "witness",
            s(&dir),
            "--input",
            s(&input()),
            "-o",
            s(&run),
            "--json",
        ])))
        .unwrap();
        assert_eq!(r["format"], "lamina-run/2");
        assert_eq!(r["slices"].as_array().unwrap().len(), 5);
        let prove = ["prove", s(&dir), "--run", s(&run), "-o", s(&per)];
        for i in 0..3 {
            let i = i.to_string();
            ok(lamina(&[&prove[..], &["--slice", &i]].concat()));
        }
        ok(lamina_env(&prove, &[("SLURM_ARRAY_TASK_ID", "3")]));
        ok(lamina_env(&prove, &[("JOB_COMPLETION_INDEX", "4")]));
        (dir, one, run, per)
    })
}

#[test]
fn slices_proven_in_separate_processes_verify_with_the_chain() {
    let (dir, one, _, per) = shared();
    assert!(!per.join("statement.json").exists());
    let v: Value =
        serde_json::from_str(&ok(lamina(&["verify", s(dir), s(per), "--json"]))).unwrap();
    assert_eq!(v["verified"], true);
    assert_eq!(v["slices"].as_array().unwrap().len(), 5);
    assert_eq!(v["outputs"], read(&one.join("statement.json"))["outputs"]);
}

/// Under zero knowledge (the default) each job takes its own stock entry and fresh
/// masks: the slices proven by separate processes verify together, and no job's proof
/// repeats another run's bytes.
#[test]
fn zero_knowledge_slices_proven_in_separate_processes_verify() {
    let (dir, run, per, again) = (tmp("zk-dir"), tmp("zk-run"), tmp("zk-per"), tmp("zk-again"));
    ok(lamina(&[
        "compile",
        s(&lenet()),
        "--slices",
        "layers",
        "--zk-proofs",
        "4",
        "-o",
        s(&dir),
    ]));
    assert_eq!(
        read(&dir.join("model.json"))["commitment"]["scheme"],
        "whir-zk"
    );
    ok(lamina(&[
        "witness",
        s(&dir),
        "--input",
        s(&input()),
        "-o",
        s(&run),
    ]));
    for out in [&per, &again] {
        for i in 0..5 {
            let i = i.to_string();
            ok(lamina(&[
                "prove",
                s(&dir),
                "--run",
                s(&run),
                "--slice",
                &i,
                "-o",
                s(out),
            ]));
        }
    }
    let v: Value =
        serde_json::from_str(&ok(lamina(&["verify", s(&dir), s(&per), "--json"]))).unwrap();
    assert_eq!(v["verified"], true);
    assert_eq!(v["slices"].as_array().unwrap().len(), 5);
    for i in 0..5 {
        let name = format!("slice_{i}.proof");
        assert_ne!(
            std::fs::read(per.join(&name)).unwrap(),
            std::fs::read(again.join(&name)).unwrap(),
            "{name}: a zero-knowledge proof repeated"
        );
    }
}

#[test]
fn per_slice_proofs_are_the_one_go_proofs_byte_for_byte() {
    let (_, one, _, per) = shared();
    let whole = read(&one.join("statement.json"));
    for i in 0..5 {
        let name = format!("slice_{i}.proof");
        assert_eq!(
            std::fs::read(one.join(&name)).unwrap(),
            std::fs::read(per.join(&name)).unwrap(),
            "{name}"
        );
        let st = read(&per.join(format!("slice_{i}.statement.json")));
        assert_eq!(st["format"], "lamina-slice-proof/2");
        assert_eq!(st["slice_count"], 5);
        for k in ["index", "input", "output", "proof", "proof_bytes"] {
            assert_eq!(st[k], whole["slices"][i][k], "slice {i} {k}");
        }
    }
}

#[test]
fn bad_slice_index_is_refused() {
    let (dir, _, run, _) = shared();
    let out = tmp("bad-index");
    let args = ["prove", s(dir), "--run", s(run), "-o", s(&out)];
    refused(
        lamina(&[&args[..], &["--slice", "5"]].concat()),
        "has 5 slices (0 to 4)",
    );
    refused(
        lamina_env(&args, &[("SLURM_ARRAY_TASK_ID", "x7")]),
        "SLURM_ARRAY_TASK_ID='x7': not a slice index",
    );
    refused(lamina(&args), "--slice not given");
    assert!(!out.join("slice_5.proof").exists());
}

#[test]
fn missing_or_foreign_run_folders_are_refused() {
    let (dir, _, run, _) = shared();
    let out = tmp("foreign-out");
    let prove = |run: &Path| {
        lamina(&[
            "prove",
            s(dir),
            "--run",
            s(run),
            "--slice",
            "1",
            "-o",
            s(&out),
        ])
    };
    refused(prove(&tmp("empty-run")), "run.json");
    // A run of the same model compiled at another scale: its circuits differ.
    let (dir16, run16) = (tmp("dir16"), tmp("run16"));
    ok(lamina(&[
        "compile",
        s(&lenet()),
        "--slices",
        "layers",
        "--scale-bits",
        "16",
        "-o",
        s(&dir16),
    ]));
    ok(lamina(&[
        "witness",
        s(&dir16),
        "--input",
        s(&input()),
        "-o",
        s(&run16),
    ]));
    refused(
        prove(&run16),
        "the run was made for another model or compile",
    );
    // The same model and scale, cut elsewhere.
    let (dirw, runw) = (tmp("dirw"), tmp("runw"));
    ok(lamina(&["compile", s(&lenet()), "-o", s(&dirw)]));
    ok(lamina(&[
        "witness",
        s(&dirw),
        "--input",
        s(&input()),
        "-o",
        s(&runw),
    ]));
    refused(prove(&runw), "slices_plan differs");
    // The key digest changed in an otherwise honest run.
    let forged = tmp("forged-run");
    copy_dir(run, &forged);
    let mut r = read(&forged.join("run.json"));
    r["vk_digest"] = json!("00".repeat(32));
    std::fs::write(forged.join("run.json"), r.to_string()).unwrap();
    refused(prove(&forged), "vk_digest differs");
    // A recorded output that is not the slice's: the run is inconsistent.
    let bad = tmp("bad-output-run");
    copy_dir(run, &bad);
    let mut r = read(&bad.join("run.json"));
    let o = r["slices"][1]["output"][0].as_i64().unwrap();
    r["slices"][1]["output"][0] = json!(o + 1);
    std::fs::write(bad.join("run.json"), r.to_string()).unwrap();
    refused(prove(&bad), "the run folder is inconsistent");
    assert!(!out.join("slice_1.proof").exists());
}

#[test]
fn broken_assemblies_are_refused() {
    let (dir, one, run, per) = shared();
    // A missing slice statement is named.
    let p = tmp("missing");
    copy_dir(per, &p);
    std::fs::remove_file(p.join("slice_3.statement.json")).unwrap();
    refused(lamina(&["verify", s(dir), s(&p)]), "slice_3.statement.json");
    // A slice statement whose input is not the previous slice's proven output.
    let p = tmp("chain");
    copy_dir(per, &p);
    let sp = p.join("slice_2.statement.json");
    let mut st = read(&sp);
    let x = st["input"][0].as_i64().unwrap();
    st["input"][0] = json!(x + 1);
    std::fs::write(&sp, st.to_string()).unwrap();
    refused(
        lamina(&["verify", s(dir), s(&p)]),
        "slice 2: NOT verified: its input is not slice 1's proven output",
    );
    // A slice statement moved to another position.
    let p = tmp("moved");
    copy_dir(per, &p);
    std::fs::copy(
        per.join("slice_1.statement.json"),
        p.join("slice_2.statement.json"),
    )
    .unwrap();
    refused(
        lamina(&["verify", s(dir), s(&p)]),
        "slice_2.statement.json: index 1 at position 2",
    );
    // A slice statement of another plan's count.
    let p = tmp("count");
    copy_dir(per, &p);
    let sp = p.join("slice_0.statement.json");
    let mut st = read(&sp);
    st["slice_count"] = json!(4);
    std::fs::write(&sp, st.to_string()).unwrap();
    refused(lamina(&["verify", s(dir), s(&p)]), "slice_count 4");
    // Proving slices into a folder proven in one go is refused (its statement.json
    // would shadow them).
    let p = tmp("into-one");
    copy_dir(one, &p);
    refused(
        lamina(&[
            "prove",
            s(dir),
            "--run",
            s(run),
            "--slice",
            "0",
            "-o",
            s(&p),
        ]),
        "holds a statement.json",
    );
}

/// Honest per-slice proofs of two different inputs, mixed: each proof verifies on its
/// own, but slice 3's input is not slice 2's proven output, so the set is refused.
#[test]
fn honest_slices_of_two_inputs_do_not_assemble() {
    let (dir, _, _, per) = shared();
    let x: Value = read(&input());
    let half: Vec<f64> = x["input_data"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() / 2.0)
        .collect();
    let other = tmp("other");
    std::fs::write(
        other.join("input.json"),
        json!({"input_data": [half]}).to_string(),
    )
    .unwrap();
    let (run_b, per_b) = (tmp("run-b"), tmp("per-b"));
    ok(lamina(&[
        "witness",
        s(dir),
        "--input",
        s(&other.join("input.json")),
        "-o",
        s(&run_b),
    ]));
    for i in ["3", "4"] {
        ok(lamina(&[
            "prove",
            s(dir),
            "--run",
            s(&run_b),
            "--slice",
            i,
            "-o",
            s(&per_b),
        ]));
    }
    let mixed = tmp("mixed");
    copy_dir(per, &mixed);
    copy_dir(&per_b, &mixed);
    refused(
        lamina(&["verify", s(dir), s(&mixed)]),
        "slice 3: NOT verified: its input is not slice 2's proven output",
    );
}
