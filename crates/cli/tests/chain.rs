//! `sessionkey status`, `estimate` and `send` against the local node (crates/node, started
//! in-process on an ephemeral port): the binary run as a user would, on the node's demo account
//! with a session its owner registered by a signed transaction.

use std::path::Path;
use std::process::Command;

use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{address, Address, U256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use devnet_node::dev_accounts;

mod support;
use serde_json::Value;
use sessionkey_policy::{Limit, TokenLimit};
use sessionkey_sdk::account_calls;
use sessionkey_sdk::{CallBuilder, Check, SessionBuilder, SessionKey};
use support::LocalNode;

const UNIT: u128 = 1_000_000_000_000_000_000;
const ALICE: Address = address!("000000000000000000000000000000000000a71c");

alloy_sol_types::sol! {
    function mint(address to, uint256 amount) returns (bool);
    function balanceOf(address who) view returns (uint256);
}

struct Chain {
    local: LocalNode,
    url: String,
    account: Address,
    module: Address,
    token: Address,
    key: SessionKey,
    dir: tempfile::TempDir,
}

/// The node, 1,000 tokens minted to its demo account, and a session of key seed 7 registered
/// by the account's owner: transfers of at most 50 tokens, 150 in total, 3 ops.
fn chain() -> Chain {
    let local = LocalNode::start();
    let (runtime, node) = (&local.runtime, local.node());
    let info = node.info().clone();
    let url = node.url();
    let key = SessionKey::from_bytes(&[7u8; 32]).unwrap();
    let permission = SessionBuilder::new(key.address())
        .gas_budget(Limit::Unlimited)
        .max_ops(3)
        .call(
            CallBuilder::function(info.token, "transfer(address to, uint256 amount)")
                .rule("amount", Check::lte(U256::from(50 * UNIT))),
        )
        .token_cap(info.token, TokenLimit::Limited(U256::from(150 * UNIT)))
        .build()
        .unwrap();
    runtime.block_on(async {
        let owner = ProviderBuilder::new()
            .wallet(EthereumWallet::from(PrivateKeySigner::from_signing_key(
                dev_accounts()[1].key.clone(),
            )))
            .connect_http(url.parse().unwrap());
        for (to, input) in [
            (
                info.token,
                mintCall {
                    to: info.demo_account,
                    amount: U256::from(1000 * UNIT),
                }
                .abi_encode(),
            ),
            (
                info.demo_account,
                account_calls::grant(info.module, &permission.record).to_vec(),
            ),
        ] {
            let receipt = owner
                .send_transaction(TransactionRequest::default().with_to(to).with_input(input))
                .await
                .unwrap()
                .get_receipt()
                .await
                .unwrap();
            assert!(receipt.status());
        }
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("session.key"), key.private_key_hex()).unwrap();
    Chain {
        local,
        url,
        account: info.demo_account,
        module: info.module,
        token: info.token,
        key,
        dir,
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn sessionkey(dir: &Path, args: &[String]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_sessionkey"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Chain {
    fn run(&self, command: &str, extra: &[String]) -> Run {
        let mut args = vec![
            command.to_string(),
            "--rpc".into(),
            self.url.clone(),
            "--module".into(),
            self.module.to_string(),
            "--account".into(),
            self.account.to_string(),
        ];
        args.extend_from_slice(extra);
        sessionkey(self.dir.path(), &args)
    }

    fn status_json(&self) -> Value {
        let r = self.run(
            "status",
            &[
                "--signer".into(),
                self.key.address().to_string(),
                "--token".into(),
                self.token.to_string(),
                "--json".into(),
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_str(&r.stdout).unwrap()
    }

    fn transfer(&self, command: &str, amount: &str, json: bool) -> Run {
        let mut args: Vec<String> = [
            "--key",
            "session.key",
            "--to",
            &self.token.to_string(),
            "--function",
            "transfer(address,uint256)",
            "--arg",
            &ALICE.to_string(),
            "--arg",
            amount,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if json {
            args.push("--json".into());
        }
        self.run(command, &args)
    }

    fn balance(&self, who: Address) -> U256 {
        self.local.runtime.block_on(async {
            let reader = ProviderBuilder::new().connect_http(self.url.parse().unwrap());
            let out = reader
                .call(
                    TransactionRequest::default()
                        .with_to(self.token)
                        .with_input(balanceOfCall { who }.abi_encode()),
                )
                .await
                .unwrap();
            balanceOfCall::abi_decode_returns(&out).unwrap()
        })
    }
}

#[test]
fn status_estimate_send_and_a_refusal_against_the_node() {
    let c = chain();

    // A fresh session: live, 3 ops, the token cap whole.
    let s = c.status_json();
    assert_eq!(s["liveness"], "live");
    assert_eq!(s["usable_now"], true);
    assert_eq!(s["ops_left"], "3");
    assert_eq!(s["native_left"], "0");
    assert_eq!(s["gas_budget_left"], "unlimited");
    assert_eq!(s["tokens"][0]["left"], (150 * UNIT).to_string());
    let words = c.run("status", &["--signer".into(), c.key.address().to_string()]);
    assert!(
        words.stdout.contains("session: live (usable now)"),
        "{}",
        words.stdout
    );

    // estimate: the bundler's gas for the op, nothing sent.
    let e = c.transfer("estimate", "10e18", true);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let e: Value = serde_json::from_str(&e.stdout).unwrap();
    let verification: u64 = e["verificationGasLimit"].as_str().unwrap().parse().unwrap();
    assert!(verification > 30_000, "{e}");
    assert_eq!(c.balance(ALICE), U256::ZERO);
    assert_eq!(c.status_json()["ops_left"], "3");

    // send: signed, sent, receipted; the chain shows it.
    let sent = c.transfer("send", "10e18", true);
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    let sent: Value = serde_json::from_str(&sent.stdout).unwrap();
    assert_eq!(sent["success"], true);
    assert_eq!(c.balance(ALICE), U256::from(10 * UNIT));
    let s = c.status_json();
    assert_eq!(s["ops_left"], "2");
    assert_eq!(s["tokens"][0]["left"], (140 * UNIT).to_string());

    // Over the per-call rule: the bundler refuses it, the CLI names the module's error, and
    // nothing moved.
    let refused = c.transfer("send", "51e18", false);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("-32500"), "{}", refused.stderr);
    assert!(refused.stderr.contains("RuleFailed"), "{}", refused.stderr);
    assert_eq!(c.balance(ALICE), U256::from(10 * UNIT));
    assert_eq!(c.status_json(), s);
}

#[test]
fn a_bad_endpoint_is_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let base = |url: &str| -> Vec<String> {
        [
            "status",
            "--rpc",
            url,
            "--module",
            "0x0000000000000000000000000000000000000001",
            "--account",
            "0x0000000000000000000000000000000000000002",
            "--signer",
            "0x0000000000000000000000000000000000000003",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let r = sessionkey(dir.path(), &base("https://example.invalid"));
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("plain http only"), "{}", r.stderr);
    let r = sessionkey(dir.path(), &base("not a url"));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with("error: --rpc: not a url:"),
        "{}",
        r.stderr
    );
    // Nothing listens on port 9 of 127.0.0.1: a transport error, not a panic.
    let r = sessionkey(dir.path(), &base("http://127.0.0.1:9"));
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("error: eth_chainId:"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}
