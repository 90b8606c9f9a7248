//! `sessionkey deploy-code` against the local node (crates/node, in-process on an ephemeral
//! 127.0.0.1 port, stopped when the test ends): the ERC-1271 program's deployable code stored
//! byte for byte (its code hash is the pinned `PROGRAM_CODEHASH`), activation through the
//! node's `ArbWasm.activateProgram` at 0x71, `ProgramUpToDate` reported as already active, and
//! refusals that send nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use alloy_primitives::{hex, keccak256, Address, B256};
use alloy_provider::{Provider, ProviderBuilder};
use devnet_node::dev_accounts;

mod support;
use serde_json::Value;
use sessionkey_policy::erc1271_program::PROGRAM_CODEHASH;
use support::LocalNode;

struct Chain {
    local: LocalNode,
    url: String,
    deployer: Address,
    key: PathBuf,
    dir: tempfile::TempDir,
}

fn chain() -> Chain {
    let local = LocalNode::start();
    let node = local.node();
    let url = node.url();
    let dir = tempfile::tempdir().unwrap();
    let account = &dev_accounts()[2];
    let key = dir.path().join("deployer.key");
    std::fs::write(&key, account.secret_hex()).unwrap();
    Chain {
        local,
        url,
        deployer: account.address,
        key,
        dir,
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Chain {
    /// Writes `code` as 0x-hex to `name` in the scratch directory, as build-wasm.sh does.
    fn code_file(&self, name: &str, code: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, format!("{}\n", hex::encode_prefixed(code))).unwrap();
        path
    }

    fn deploy(&self, code: &Path, extra: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_sessionkey"))
            .arg("deploy-code")
            .args(["--rpc", &self.url])
            .arg("--code")
            .arg(code)
            .arg("--private-key-path")
            .arg(&self.key)
            .args(extra)
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn deploy_json(&self, code: &Path, extra: &[&str]) -> Value {
        let mut args = vec!["--json"];
        args.extend_from_slice(extra);
        let run = self.deploy(code, &args);
        assert_eq!(
            run.code, 0,
            "stdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        serde_json::from_str(&run.stdout).unwrap()
    }

    fn code_hash_at(&self, address: &str) -> B256 {
        let address: Address = address.parse().unwrap();
        let code = self.local.runtime.block_on(async {
            let provider = ProviderBuilder::new().connect_http(self.url.parse().unwrap());
            provider.get_code_at(address).await.unwrap()
        });
        keccak256(&code)
    }

    fn nonce(&self) -> u64 {
        self.local.runtime.block_on(async {
            let provider = ProviderBuilder::new().connect_http(self.url.parse().unwrap());
            provider.get_transaction_count(self.deployer).await.unwrap()
        })
    }
}

/// The ERC-1271 program's WASM with a custom section appended: still valid Stylus code, but a
/// code hash no program on the node has, so activating it does real work.
fn fresh_program() -> Vec<u8> {
    let mut wasm = devnet_bundler::erc1271_program_wasm().to_vec();
    let name = b"deploy-code-test";
    wasm.extend_from_slice(&[0, (1 + name.len() + 4) as u8, name.len() as u8]);
    wasm.extend_from_slice(name);
    wasm.extend_from_slice(&[1, 2, 3, 4]);
    stylus_check::deployable_code(&wasm)
}

#[test]
fn deploys_the_erc1271_program_with_the_pinned_code_hash() {
    let chain = chain();
    let code = devnet_bundler::deployable_erc1271_program();
    assert_eq!(keccak256(&code), PROGRAM_CODEHASH, "target/ is current");
    let file = chain.code_file("session_key_erc1271.deployed.hex", &code);

    let out = chain.deploy_json(&file, &[]);
    let address = out["address"].as_str().unwrap();
    assert_eq!(
        chain.code_hash_at(address),
        PROGRAM_CODEHASH,
        "EXTCODEHASH is the pinned hash"
    );
    assert_eq!(out["codeHash"], PROGRAM_CODEHASH.to_string());
    assert_eq!(out["matchesProgramCodeHash"], true);
    // The node's world deployed and activated this program at start; Nitro activates per code
    // hash, so the new contract is already active and nothing more is sent.
    assert_eq!(out["activation"]["status"], "already-active", "{out}");

    let text = chain.deploy(&file, &[]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.contains("equals PROGRAM_CODEHASH")
            && text.stdout.contains("activation         already active"),
        "{}",
        text.stdout
    );
}

#[test]
fn activates_new_code_once_then_reports_it_already_active() {
    let chain = chain();
    let code = fresh_program();
    let hash = keccak256(&code).to_string();
    let file = chain.code_file("fresh.deployed.hex", &code);

    let first = chain.deploy_json(&file, &["--expect-code-hash", &hash]);
    assert_eq!(first["activation"]["status"], "activated", "{first}");
    assert_eq!(first["activation"]["version"], 2);
    assert_eq!(first["activation"]["dataFee"], "0", "the devnet's data fee");
    assert_eq!(first["matchesProgramCodeHash"], false);
    let address = first["address"].as_str().unwrap();
    assert_eq!(chain.code_hash_at(address).to_string(), hash);

    let second = chain.deploy_json(&file, &[]);
    assert_eq!(second["activation"]["status"], "already-active", "{second}");
    assert_ne!(second["address"], first["address"]);

    let skipped = chain.deploy_json(&file, &["--no-activate"]);
    assert_eq!(skipped["activation"]["status"], "skipped");
}

#[test]
fn refuses_other_code_and_sends_nothing() {
    let chain = chain();
    let before = chain.nonce();

    let evm = chain.code_file(
        "evm.hex",
        &hex::decode("6080604052348015600e575f80fd").unwrap(),
    );
    let run = chain.deploy(&evm, &[]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.trim(),
        format!(
            "error: --code: {} is not Stylus code: deployable Stylus code starts EF F0 00, this starts 0x60806040 (nothing was sent)",
            evm.display()
        )
    );

    let not_hex = chain.code_file("not-hex.hex", b"");
    std::fs::write(&not_hex, "hello").unwrap();
    let run = chain.deploy(&not_hex, &[]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("is not hex"), "{}", run.stderr);

    // Named as the ERC-1271 program but not the pinned build: refused before anything is sent.
    let stale = chain.code_file("session_key_erc1271.deployed.hex", &fresh_program());
    let run = chain.deploy(&stale, &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains(&format!("not PROGRAM_CODEHASH {PROGRAM_CODEHASH}")),
        "{}",
        run.stderr
    );
    let wrong = B256::repeat_byte(7).to_string();
    let run = chain.deploy(&evm, &["--expect-code-hash", &wrong]);
    assert_eq!(run.code, 1, "the Stylus check comes first");

    assert_eq!(chain.nonce(), before, "no transaction was sent");
}
