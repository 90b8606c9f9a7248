//! The `stylus-check` binary: exit codes, one-line errors, reports and the deployed hex file.

use std::path::PathBuf;
use std::process::{Command, Output};

use stylus_check::{decompress_deployable, deployable_code};

const VALID: &str = r#"(module
  (import "vm_hooks" "read_args" (func (param i32)))
  (import "vm_hooks" "write_result" (func (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#;

/// A fresh directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(test: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("stylus-check-cli-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    Scratch(dir)
}

fn write_wat(dir: &Scratch, name: &str, wat: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, wat::parse_str(wat).expect("assembles")).expect("write wasm");
    path
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stylus-check"))
        .args(args)
        .output()
        .expect("run stylus-check")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn passes_a_valid_module_and_writes_the_deployed_hex() {
    let dir = scratch("valid");
    let wasm = write_wat(&dir, "ok.wasm", VALID);
    let hex_path = dir.join("ok.deployed.hex");
    let out = run(&[
        wasm.as_os_str(),
        "--write-deployed".as_ref(),
        hex_path.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("passes the Stylus activation rules"),
        "{stdout}"
    );
    assert!(stdout.contains("read_args, write_result"), "{stdout}");

    let hex = std::fs::read_to_string(&hex_path).expect("hex written");
    let digits = hex
        .strip_prefix("0xeff00000")
        .expect("prefix and empty dictionary");
    assert!(digits.bytes().all(|b| b.is_ascii_hexdigit()));
    let code: Vec<u8> = (2..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit pair"))
        .collect();
    let bytes = std::fs::read(&wasm).expect("read wasm");
    assert_eq!(code, deployable_code(&bytes));
    assert_eq!(decompress_deployable(&code).expect("round trip"), bytes);
}

#[test]
fn rule_violation_is_one_line_and_exit_1() {
    let dir = scratch("violation");
    let wasm = write_wat(
        &dir,
        "bad.wasm",
        r#"(module (import "env" "abort" (func)) (memory (export "memory") 1)
             (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
    );
    let hex_path = dir.join("bad.hex");
    let out = run(&[
        wasm.as_os_str(),
        "--write-deployed".as_ref(),
        hex_path.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("import-module"), "{stderr}");
    assert!(stderr.contains("env::abort"), "{stderr}");
    assert!(!hex_path.exists(), "no deployed code for a failing module");
}

#[test]
fn compressed_size_limit_compares_the_brotli_length() {
    let dir = scratch("size");
    let wasm = write_wat(&dir, "ok.wasm", VALID);
    let brotli: usize = text(&run(&["--brotli-size".as_ref(), wasm.as_os_str()]).stdout)
        .trim()
        .parse()
        .expect("a number");
    let bytes = std::fs::read(&wasm).expect("read");
    assert_eq!(brotli + 4, deployable_code(&bytes).len());

    let at_limit = brotli.to_string();
    let out = run(&[
        wasm.as_os_str(),
        "--max-compressed".as_ref(),
        at_limit.as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let below = (brotli - 1).to_string();
    let hex_path = dir.join("over.hex");
    let out = run(&[
        wasm.as_os_str(),
        "--max-compressed".as_ref(),
        below.as_ref(),
        "--write-deployed".as_ref(),
        hex_path.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("compressed-size"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1);
    // The sizes are still reported, but nothing deployable is written.
    assert!(text(&out.stdout).contains("over a size limit"));
    assert!(!hex_path.exists());

    let out = run(&[
        wasm.as_os_str(),
        "--json".as_ref(),
        "--max-compressed=1".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json = text(&out.stdout);
    assert!(
        json.starts_with("{\"ok\":false,\"rule\":\"compressed-size\""),
        "{json}"
    );
    assert!(
        json.contains(&format!("\"brotli_bytes\":{brotli}")),
        "{json}"
    );
}

#[test]
fn json_and_markdown_reports() {
    let dir = scratch("formats");
    let wasm = write_wat(&dir, "ok.wasm", VALID);
    let raw = write_wat(&dir, "raw.wasm", VALID);
    let variant = format!("raw={}", raw.display());

    let out = run(&[
        wasm.as_os_str(),
        "--json".as_ref(),
        "--variant".as_ref(),
        variant.as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json = text(&out.stdout);
    assert!(json.starts_with("{\"ok\":true"), "{json}");
    assert!(
        json.contains("\"imports\":[\"read_args\",\"write_result\"]"),
        "{json}"
    );
    assert!(json.contains("\"max_compressed\":24572"), "{json}");
    assert!(json.contains("\"label\":\"raw\""), "{json}");

    let out = run(&[
        wasm.as_os_str(),
        "--markdown".as_ref(),
        "--target".as_ref(),
        "12000".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let markdown = text(&out.stdout);
    assert!(markdown.contains("| brotli bytes, checked |"), "{markdown}");
    assert!(markdown.contains("| 24,572 | 12,000 |"), "{markdown}");
    assert!(
        markdown.contains("`read_args`, `write_result`"),
        "{markdown}"
    );

    let bad = write_wat(&dir, "bad.wasm", "(module)");
    let out = run(&[bad.as_os_str(), "--json".as_ref()]);
    assert_eq!(out.status.code(), Some(1));
    let json = text(&out.stdout);
    assert!(
        json.contains("\"ok\":false") && json.contains("\"rule\":\"single-memory\""),
        "{json}"
    );
}

#[test]
fn bad_input_never_panics() {
    let dir = scratch("bad-input");
    let garbage = dir.join("garbage.wasm");
    std::fs::write(&garbage, b"\0asm\x01\0\0\0\x01\xFF\xFF\xFF").expect("write");
    let missing = dir.join("missing.wasm");
    for (args, code) in [
        (vec![garbage.as_os_str()], 1),
        (vec![missing.as_os_str()], 2),
        (vec![], 2),
        (vec!["--frobnicate".as_ref(), garbage.as_os_str()], 2),
        (
            vec![
                garbage.as_os_str(),
                "--max-compressed".as_ref(),
                "lots".as_ref(),
            ],
            2,
        ),
    ] {
        let out = run(&args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
