//! The contract under test: the release WASM that `scripts/build-wasm.sh` produces, rebuilt
//! whenever a source file is newer than it, so a test never runs a stale contract.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

/// The repository root.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Newest modification time of the files under `dir` (recursively), if any.
fn newest(dir: &Path) -> Option<SystemTime> {
    let mut best = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let time = if path.is_dir() {
            newest(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        best = best.max(time);
    }
    best
}

/// The deployable WASM of the module (`target/session_key_validator.final.wasm`), built by
/// `scripts/build-wasm.sh` when missing or older than `src/`, `crates/policy/src/`,
/// `Cargo.toml` or `Cargo.lock`.
///
/// # Panics
///
/// If the build script fails or the file cannot be read: there is no test without it.
pub fn contract_wasm() -> &'static [u8] {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    WASM.get_or_init(|| {
        let root = repo_root();
        let path = root.join("target/session_key_validator.final.wasm");
        let built = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        let sources = [
            "src",
            "crates/policy/src",
            "Cargo.toml",
            "Cargo.lock",
            ".cargo",
        ]
        .iter()
        .filter_map(|p| {
            let p = root.join(p);
            if p.is_dir() {
                newest(&p)
            } else {
                std::fs::metadata(&p).and_then(|m| m.modified()).ok()
            }
        })
        .max();
        if built.is_none() || sources > built {
            // Its progress goes to stderr: callers' stdout (e.g. `sessionkey demo --json`) stays clean.
            let status = Command::new("bash")
                .arg("scripts/build-wasm.sh")
                .current_dir(&root)
                .stdout(std::process::Stdio::from(std::io::stderr()))
                .status()
                .expect("runs scripts/build-wasm.sh");
            assert!(status.success(), "scripts/build-wasm.sh failed");
        }
        std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    })
}

/// `EF F0 00 ‖ 00 ‖ brotli(wasm)`: the bytes a deployment transaction installs.
pub fn deployable_contract() -> Vec<u8> {
    stylus_check::deployable_code(contract_wasm())
}

/// The deployable WASM of the ERC-1271 program the module delegates to
/// (`target/session_key_erc1271.final.wasm`), from the same `scripts/build-wasm.sh` run as
/// [`contract_wasm`] (which it calls first, so it is never stale either).
///
/// # Panics
///
/// As [`contract_wasm`].
pub fn erc1271_program_wasm() -> &'static [u8] {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    WASM.get_or_init(|| {
        contract_wasm();
        let path = repo_root().join("target/session_key_erc1271.final.wasm");
        std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    })
}

/// The ERC-1271 program's deployable code; its keccak is the hash the module pins
/// (`sessionkey_policy::erc1271_program::PROGRAM_CODEHASH`).
pub fn deployable_erc1271_program() -> Vec<u8> {
    stylus_check::deployable_code(erc1271_program_wasm())
}
