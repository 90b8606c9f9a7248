//! The `sessionkey` binary, run as a user would: good inputs produce the same bytes the library
//! does; bad inputs give one line naming the field, a non-zero exit code, and never a panic or
//! a backtrace.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use alloy_primitives::{address, hex, Address, Bytes, B256};
use alloy_sol_types::SolCall;
use serde_json::Value;
use sessionkey_policy::record::SessionRecord;
use sessionkey_policy::signature::{split_signer, SessionSignature};
use sessionkey_policy::signer::{Proof, SignerKind};
use sessionkey_sdk::account_calls::{self, IERC7579Account, ISessionKeyValidator};
use sessionkey_sdk::hash::{EntryPoint, EntryPointVersion};
use sessionkey_sdk::key::{session_digest, verifies, SessionSigner};
use sessionkey_sdk::p256_key::{verifies_p256, verifies_webauthn};
use sessionkey_sdk::permission_file;
use sessionkey_sdk::{SessionKey, UserOperation};

const MODULE: &str = "0x00000000000000000000000000000000000a11ce";
const ACCOUNT: &str = "0x000000000000000000000000000000000000acc0";
const TOKEN: &str = "0x00000000000000000000000000000000000070c0";
const DEX: &str = "0x0000000000000000000000000000000000000de0";
const CHAIN: &str = "412346";

const PERMISSION: &str = r#"
valid_after = 1700000000
valid_until = 1800000000
gas_budget = "0.01 ether"
native_cap = "1 ether"
max_ops = 10

[[calls]]
target = "0x00000000000000000000000000000000000070c0"
function = "approve(address spender, uint256 amount)"
rules = [
  { param = "spender", op = "==", value = "0x0000000000000000000000000000000000000de0" },
  { param = "amount", op = "<=", value = "100e18" },
]

[[calls]]
target = "0x000000000000000000000000000000000000a71c"
plain_transfer = true
max_value = "0.5 ether"

[[token_caps]]
token = "0x00000000000000000000000000000000000070c0"
limit = "500e18"
"#;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_sessionkey"))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "1")
        .env_remove("SESSIONKEY_PASSWORD")
        .output()
        .expect("runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn ok(dir: &Path, args: &[&str]) -> Run {
    let r = run(dir, args);
    assert_eq!(r.code, 0, "{args:?} failed: {}", r.stderr);
    r
}

/// A bad input: exit code != 0, exactly one line on stderr containing `needle`, no panic.
fn refused(dir: &Path, args: &[&str], needle: &str) -> String {
    let r = run(dir, args);
    assert_ne!(r.code, 0, "{args:?} must fail");
    assert!(
        !r.stderr.contains("panicked")
            && !r.stderr.contains("backtrace")
            && !r.stderr.contains("RUST_BACKTRACE"),
        "{args:?}: {}",
        r.stderr
    );
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{args:?}: one line expected, got {:?}",
        r.stderr
    );
    assert!(lines[0].starts_with("error: "), "{args:?}: {}", lines[0]);
    assert!(
        lines[0].contains(needle),
        "{args:?}: `{needle}` not in {:?}",
        lines[0]
    );
    lines[0].to_owned()
}

/// A scratch directory with a session key (`key.hex`) and the permission (`perm.toml`).
fn setup() -> (tempfile::TempDir, PathBuf, SessionKey) {
    let dir = tempfile::tempdir().unwrap();
    let key = SessionKey::from_bytes(&[7u8; 32]).unwrap();
    std::fs::write(dir.path().join("key.hex"), key.private_key_hex()).unwrap();
    std::fs::write(dir.path().join("perm.toml"), PERMISSION).unwrap();
    let path = dir.path().to_owned();
    (dir, path, key)
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn bytes(v: &Value) -> Bytes {
    hex::decode(v.as_str().unwrap()).unwrap().into()
}

#[test]
fn keygen_prints_a_key_whose_address_matches() {
    let (_t, dir, _) = setup();
    let j = ok(&dir, &["keygen", "--json"]).json();
    let key = SessionKey::from_hex(j["privateKey"].as_str().unwrap()).unwrap();
    assert_eq!(key.address().to_checksum(None), j["address"]);
    let text = ok(&dir, &["keygen"]).stdout;
    assert!(text.starts_with("address      0x"), "{text}");
}

#[test]
fn keygen_writes_hex_and_keystore_files_that_sign_loads() {
    let (_t, dir, _) = setup();
    let j = ok(&dir, &["--json", "keygen", "--out", "new.hex"]).json();
    let loaded = SessionKey::load(&dir.join("new.hex"), None).unwrap();
    assert_eq!(loaded.address().to_checksum(None), j["address"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("new.hex"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    refused(&dir, &["keygen", "--out", "new.hex"], "already exists");

    write(&dir, "pw", "hunter2\n");
    refused(
        &dir,
        &["keygen", "--out", "ks.json", "--keystore", "--light-kdf"],
        "--keystore",
    );
    let j = ok(
        &dir,
        &[
            "--json",
            "keygen",
            "--out",
            "ks.json",
            "--keystore",
            "--light-kdf",
            "--password-file",
            "pw",
        ],
    )
    .json();
    let sign = |pw: &str| {
        write(&dir, "pw2", pw);
        run(
            &dir,
            &[
                "--json",
                "sign",
                "--key",
                "ks.json",
                "--password-file",
                "pw2",
                "--module",
                MODULE,
                "--account",
                ACCOUNT,
                "--chain-id",
                CHAIN,
                "--nonce",
                "0",
                "--to",
                DEX,
            ],
        )
    };
    let r = sign("hunter2");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["signer"], j["address"]);
    let r = sign("wrong");
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("wrong password"), "{}", r.stderr);
    refused(&dir, &sign_to_dex("ks.json"), "password");
}

#[test]
fn grant_prints_the_calldata_the_library_builds() {
    let (_t, dir, key) = setup();
    let j = ok(
        &dir,
        &[
            "--json",
            "grant",
            "--permission",
            "perm.toml",
            "--module",
            MODULE,
            "--session-key",
            "key.hex",
        ],
    )
    .json();
    let want = permission_file::load(&dir.join("perm.toml"), Some(key.address())).unwrap();
    let module: Address = MODULE.parse().unwrap();
    assert_eq!(bytes(&j["record"]), Bytes::from(want.record.encode()));
    assert_eq!(
        bytes(&j["accountCalldata"]),
        account_calls::grant(module, &want.record)
    );
    // The account calldata is execute(single, module, 0, registerSession(record)).
    let (_, calls) = account_calls::decode_calls(&bytes(&j["accountCalldata"])).unwrap();
    assert_eq!(calls[0].target, module);
    let inner = ISessionKeyValidator::registerSessionCall::abi_decode(&calls[0].data).unwrap();
    assert_eq!(SessionRecord::decode(&inner.record).unwrap(), want.record);

    let text = ok(
        &dir,
        &[
            "grant",
            "--permission",
            "perm.toml",
            "--module",
            MODULE,
            "--signer",
            &key.address().to_string(),
        ],
    )
    .stdout;
    assert!(
        text.contains("rule #1: amount <= 100000000000000000000"),
        "{text}"
    );

    // The same permission as JSON (rendered by the library) gives the same record.
    let rendered = permission_file::render(&want.record, &want.functions);
    write(&dir, "perm.json", &rendered.to_string());
    let j = ok(
        &dir,
        &[
            "--json",
            "grant",
            "--permission",
            "perm.json",
            "--module",
            MODULE,
        ],
    )
    .json();
    assert_eq!(bytes(&j["record"]), Bytes::from(want.record.encode()));

    // --install: installModule(1, module, record) instead.
    let j = ok(
        &dir,
        &[
            "--json",
            "grant",
            "--install",
            "--permission",
            "perm.toml",
            "--module",
            MODULE,
            "--session-key",
            "key.hex",
        ],
    )
    .json();
    let c = IERC7579Account::installModuleCall::abi_decode(&bytes(&j["accountCalldata"])).unwrap();
    assert_eq!(
        (c.module, c.initData),
        (module, Bytes::from(want.record.encode()))
    );

    // With an account and nonce: the unsigned owner userOp and its hash.
    let j = ok(
        &dir,
        &[
            "--json",
            "grant",
            "--permission",
            "perm.toml",
            "--module",
            MODULE,
            "--session-key",
            "key.hex",
            "--account",
            ACCOUNT,
            "--nonce",
            "3",
            "--chain-id",
            CHAIN,
            "--entry-point",
            "v0.8",
        ],
    )
    .json();
    let op: UserOperation = serde_json::from_value(j["ownerUserOp"]["userOp"].clone()).unwrap();
    assert_eq!(op.call_data, account_calls::grant(module, &want.record));
    let hash = op
        .hash(
            &EntryPoint::canonical(EntryPointVersion::V08),
            CHAIN.parse().unwrap(),
        )
        .unwrap();
    assert_eq!(j["ownerUserOp"]["userOpHash"], hash.to_string());
}

#[test]
fn revoke_and_revoke_all_print_the_library_calldata() {
    let (_t, dir, key) = setup();
    let module: Address = MODULE.parse().unwrap();
    let j = ok(
        &dir,
        &[
            "--json",
            "revoke",
            "--module",
            MODULE,
            "--session-key",
            "key.hex",
        ],
    )
    .json();
    assert_eq!(
        bytes(&j["accountCalldata"]),
        account_calls::revoke(module, key.address())
    );
    let j = ok(&dir, &["--json", "revoke-all", "--module", MODULE]).json();
    assert_eq!(
        bytes(&j["accountCalldata"]),
        account_calls::revoke_all(module)
    );
    refused(&dir, &["revoke", "--module", MODULE], "--signer");
}

fn sign_approve(dir: &Path, amount: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "--json",
        "sign",
        "--key",
        "key.hex",
        "--module",
        MODULE,
        "--account",
        ACCOUNT,
        "--chain-id",
        CHAIN,
        "--nonce-key",
        "validator",
        "--sequence",
        "4",
        "--to",
        TOKEN,
        "--function",
        "approve(address,uint256)",
        "--arg",
        DEX,
        "--arg",
        amount,
    ];
    args.extend_from_slice(extra);
    ok(dir, &args).json()
}

#[test]
fn sign_hash_and_explain_agree_with_the_library() {
    let (_t, dir, key) = setup();
    let module: Address = MODULE.parse().unwrap();
    let signed = sign_approve(&dir, "50e18", &[]);
    let op: UserOperation = serde_json::from_value(signed["userOp"].clone()).unwrap();
    // The request is what eth_sendUserOperation takes.
    assert_eq!(signed["request"]["method"], "eth_sendUserOperation");
    assert_eq!(
        signed["request"]["params"][1],
        "0x0000000071727De22E5E9d8BAf0edAc6f37da032"
    );
    // Nonce: the module in the key's top 20 bytes, sequence 4.
    let n = op.nonce.to_be_bytes::<32>();
    assert_eq!(Address::from_slice(&n[..20]), module);
    assert_eq!(n[31], 4);
    // The signature is the session key's over keccak256(userOpHash ‖ module).
    let hash: B256 = signed["userOpHash"].as_str().unwrap().parse().unwrap();
    let ep = EntryPoint::canonical(EntryPointVersion::V07);
    assert_eq!(op.hash(&ep, CHAIN.parse().unwrap()).unwrap(), hash);
    let sig = SessionSignature::parse(&op.signature).unwrap();
    assert_eq!(sig.signer, key.address());
    assert!(verifies(&session_digest(&hash, module), &sig));

    std::fs::write(dir.join("op.json"), signed.to_string()).unwrap();
    let h = ok(&dir, &["hash", "--user-op", "op.json", "--chain-id", CHAIN]).stdout;
    assert_eq!(h.trim(), hash.to_string());
    let h8 = ok(
        &dir,
        &[
            "--json",
            "hash",
            "--user-op",
            "op.json",
            "--chain-id",
            CHAIN,
            "--entry-point",
            "v0.8",
        ],
    )
    .json();
    let want8 = op
        .hash(
            &EntryPoint::canonical(EntryPointVersion::V08),
            CHAIN.parse().unwrap(),
        )
        .unwrap();
    assert_eq!(h8["userOpHash"], want8.to_string());

    let explain = |file: &str, extra: &[&str]| {
        let mut args = vec![
            "explain",
            "--user-op",
            file,
            "--permission",
            "perm.toml",
            "--session-key",
            "key.hex",
            "--module",
            MODULE,
            "--chain-id",
            CHAIN,
        ];
        args.extend_from_slice(extra);
        run(&dir, &args)
    };
    let r = explain("op.json", &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("PASSES"), "{}", r.stdout);

    // 150e18 breaks `amount <= 100e18`: exit 3, the call and the rule named.
    let bad = sign_approve(&dir, "150e18", &[]);
    std::fs::write(dir.join("bad.json"), bad.to_string()).unwrap();
    let r = explain("bad.json", &[]);
    assert_eq!(r.code, 3);
    assert!(
        r.stdout.contains("call #0 approve(spender, amount) on 0x00000000000000000000000000000000000070c0: rule #1 `amount <= 100000000000000000000` failed (got 150000000000000000000)"),
        "{}",
        r.stdout
    );
    let j = serde_json::from_str::<Value>(&explain("bad.json", &["--json"]).stdout).unwrap();
    assert_eq!(j["passes"], false);
    assert_eq!(j["error"], "RuleFailed");

    // Usage: 460e18 of the 500e18 token cap already spent.
    write(
        &dir,
        "usage.toml",
        "[tokens]\n\"0x00000000000000000000000000000000000070c0\" = \"460e18\"\n",
    );
    let r = explain("op.json", &["--usage", "usage.toml"]);
    assert_eq!(r.code, 3);
    assert!(
        r.stdout
            .contains("only 40000000000000000000 is left of the session's cap"),
        "{}",
        r.stdout
    );

    // The window at a given time.
    let r = explain("op.json", &["--at", "1900000000"]);
    assert_eq!(r.code, 3);
    assert!(r.stdout.contains("expired"), "{}", r.stdout);

    // Signed for another chain: policy passes, signature does not.
    let other = sign_approve(&dir, "50e18", &["--entry-point", "v0.8"]);
    std::fs::write(dir.join("v08.json"), other.to_string()).unwrap();
    let r = explain("v08.json", &[]);
    assert_eq!(r.code, 3);
    assert!(r.stdout.contains("signature"), "{}", r.stdout);
    let r = explain("v08.json", &["--entry-point", "v0.8"]);
    assert_eq!(r.code, 0, "{}", r.stdout);

    // An unsigned op is checked with a placeholder signature.
    let mut unsigned = signed["userOp"].clone();
    unsigned["signature"] = Value::String("0x".into());
    std::fs::write(dir.join("unsigned.json"), unsigned.to_string()).unwrap();
    let r = explain("unsigned.json", &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("not signed yet"), "{}", r.stdout);
}

#[test]
fn sign_reads_an_op_file_with_a_batch() {
    let (_t, dir, _) = setup();
    write(
        &dir,
        "op.toml",
        &format!(
            "[[calls]]\ntarget = \"{TOKEN}\"\nfunction = \"approve(address,uint256)\"\nargs = [\"{DEX}\", \"1e18\"]\n\n[[calls]]\ntarget = \"0x000000000000000000000000000000000000a71c\"\nvalue = \"0.1 ether\"\n"
        ),
    );
    let j = ok(
        &dir,
        &[
            "--json",
            "sign",
            "--key",
            "key.hex",
            "--module",
            MODULE,
            "--account",
            ACCOUNT,
            "--chain-id",
            CHAIN,
            "--nonce",
            "7",
            "--op",
            "op.toml",
        ],
    )
    .json();
    let op: UserOperation = serde_json::from_value(j["userOp"].clone()).unwrap();
    let (ty, calls) = account_calls::decode_calls(&op.call_data).unwrap();
    assert_eq!(ty, sessionkey_policy::CallType::Batch);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].value, alloy_primitives::U256::from(10u128.pow(17)));
}

#[test]
fn inspect_reads_calldata_records_and_reverts() {
    let (_t, dir, _) = setup();
    let j = ok(
        &dir,
        &[
            "--json",
            "grant",
            "--permission",
            "perm.toml",
            "--module",
            MODULE,
            "--session-key",
            "key.hex",
        ],
    )
    .json();
    let calldata = j["accountCalldata"].as_str().unwrap().to_owned();
    let text = ok(&dir, &["inspect", &calldata]).stdout;
    assert!(text.starts_with("execute (single, 1 call(s))"), "{text}");
    assert!(
        text.contains("rule #0: spender == 0x0000000000000000000000000000000000000DE0"),
        "{text}"
    );
    let j = ok(&dir, &["--json", "inspect", &calldata]).json();
    assert_eq!(
        j["calls"][0]["decoded"]["record"]["permission"]["calls"][0]["rules"][1]["value"],
        "100000000000000000000"
    );
    let record = ok(
        &dir,
        &[
            "--json",
            "grant",
            "--permission",
            "perm.toml",
            "--module",
            MODULE,
            "--session-key",
            "key.hex",
        ],
    )
    .json()["record"]
        .as_str()
        .unwrap()
        .to_owned();
    write(&dir, "record.hex", &record);
    assert!(ok(&dir, &["inspect", "@record.hex"])
        .stdout
        .contains("token caps:"));
    let revert = "0xfc81902a00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001";
    let t = ok(&dir, &["inspect", revert]).stdout;
    assert!(t.starts_with("revert RuleFailed: call #0: rule #1"), "{t}");
}

#[test]
fn bad_inputs_name_the_field_on_one_line() {
    let (_t, dir, _) = setup();
    fn grant(file: &str) -> Vec<&str> {
        vec![
            "grant",
            "--permission",
            file,
            "--module",
            MODULE,
            "--session-key",
            "key.hex",
        ]
    }
    let with = |name: &str, from: &str, to: &str| {
        write(&dir, name, &PERMISSION.replace(from, to));
        name.to_owned()
    };
    let cases: Vec<(String, &str)> = vec![
        (
            with(
                "addr.toml",
                "target = \"0x00000000000000000000000000000000000070c0\"",
                "target = \"0x70c0\"",
            ),
            "calls[0].target",
        ),
        (
            with(
                "sig.toml",
                "approve(address spender, uint256 amount)",
                "approve(address spender, uint256 amount",
            ),
            "calls[0].function",
        ),
        (
            with("param.toml", "param = \"amount\"", "param = \"amonut\""),
            "calls[0].rules[1]",
        ),
        (
            with(
                "window.toml",
                "valid_until = 1800000000",
                "valid_until = 1700000000",
            ),
            "valid_until",
        ),
        (with("field.toml", "native_cap", "native_kap"), "native_kap"),
        (
            with(
                "wild.toml",
                "target = \"0x000000000000000000000000000000000000a71c\"",
                "target = \"*\"",
            ),
            "calls[1].target",
        ),
        (
            with("cap.toml", "limit = \"500e18\"", "limit = \"1e80\""),
            "token_caps[0].limit",
        ),
        (
            with("syntax.toml", "max_ops = 10", "max_ops = = 10"),
            "syntax.toml:6:",
        ),
        (
            with(
                "dyn.toml",
                "approve(address spender, uint256 amount)",
                "approve(bytes spender, uint256 amount)",
            ),
            "dynamic",
        ),
        ("missing.toml".to_owned(), "missing.toml"),
    ];
    for (file, needle) in &cases {
        let line = refused(&dir, &grant(file), needle);
        if file != "missing.toml" && !file.starts_with("syntax") {
            assert!(line.starts_with(&format!("error: {file}: ")), "{line}");
        }
    }
    refused(
        &dir,
        &[
            "grant",
            "--permission",
            "perm.toml",
            "--module",
            "0x12",
            "--session-key",
            "key.hex",
        ],
        "--module",
    );
    refused(
        &dir,
        &["grant", "--permission", "perm.toml", "--module", MODULE],
        "signer",
    );
    refused(&dir, &["grant", "--module", MODULE], "--permission");
    refused(&dir, &["nonsense"], "nonsense");
    write(&dir, "bad.hex", "0x1234");
    fn sign<'a>(key: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        let mut a = vec![
            "sign",
            "--key",
            key,
            "--module",
            MODULE,
            "--account",
            ACCOUNT,
            "--chain-id",
            CHAIN,
        ];
        a.extend_from_slice(extra);
        a
    }
    refused(
        &dir,
        &sign("bad.hex", &["--nonce", "0", "--to", DEX]),
        "private key",
    );
    refused(
        &dir,
        &sign("nokey.hex", &["--nonce", "0", "--to", DEX]),
        "nokey.hex",
    );
    refused(&dir, &sign("key.hex", &["--to", DEX]), "--nonce");
    refused(
        &dir,
        &sign(
            "key.hex",
            &[
                "--nonce",
                "0",
                "--to",
                DEX,
                "--function",
                "approve(address,uint256)",
                "--arg",
                DEX,
                "--arg",
                "-1",
            ],
        ),
        "argument #1 (`#1`, uint256)",
    );
    refused(
        &dir,
        &sign(
            "key.hex",
            &[
                "--nonce",
                "0",
                "--to",
                DEX,
                "--function",
                "approve(address",
                "--arg",
                "1",
            ],
        ),
        "--function",
    );
    refused(
        &dir,
        &sign(
            "key.hex",
            &[
                "--nonce-key",
                "0x1000000000000000000000000000000000000000000000000",
                "--to",
                DEX,
            ],
        ),
        "--nonce-key",
    );
    refused(
        &dir,
        &sign(
            "key.hex",
            &["--nonce", "0", "--to", DEX, "--max-fee-per-gas", "1e40"],
        ),
        "--max-fee-per-gas",
    );
    refused(
        &dir,
        &["hash", "--user-op", "none.json", "--chain-id", CHAIN],
        "none.json",
    );
    write(&dir, "garbage.json", "{\"sender\": \"0x12\"}");
    refused(
        &dir,
        &["hash", "--user-op", "garbage.json", "--chain-id", CHAIN],
        "--user-op garbage.json",
    );
    refused(
        &dir,
        &[
            "hash",
            "--user-op",
            "garbage.json",
            "--chain-id",
            CHAIN,
            "--entry-point",
            "v0.6",
        ],
        "--entry-point",
    );
    refused(&dir, &["inspect", "zz"], "DATA");
    refused(
        &dir,
        &[
            "explain",
            "--user-op",
            "garbage.json",
            "--record",
            "0x01",
            "--module",
            MODULE,
            "--chain-id",
            CHAIN,
        ],
        "--record",
    );
    // --json errors are JSON on stdout too.
    let r = run(
        &dir,
        &[
            "--json",
            "hash",
            "--user-op",
            "missing.json",
            "--chain-id",
            "1",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.json()["error"].as_str().unwrap().contains("missing.json"),
        "{}",
        r.stdout
    );
}

#[test]
fn demo_tells_the_story_on_the_devnet() {
    let dir = tempfile::tempdir().unwrap();
    let r = ok(dir.path(), &["demo", "--json"]);
    let report = r.json();
    assert_eq!(report["all_as_expected"], true);
    let results: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["result"].as_str().unwrap())
        .collect();
    assert_eq!(
        results,
        [
            "done", "executed", "executed", "rejected", "rejected", "rejected", "rejected",
            "executed", "done", "rejected"
        ]
    );
}

#[test]
fn help_and_version_exit_zero() {
    let (_t, dir, _) = setup();
    for args in [
        &["--help"][..],
        &["--version"],
        &["grant", "--help"],
        &["explain", "--help"],
    ] {
        let r = ok(&dir, args);
        assert!(!r.stdout.is_empty());
    }
    let _ = address!("0x0000000000000000000000000000000000000000");
}

/// `sign --key FILE` of a call to DEX, nonce 0.
fn sign_to_dex(key_file: &str) -> [&str; 13] {
    [
        "sign",
        "--key",
        key_file,
        "--module",
        MODULE,
        "--account",
        ACCOUNT,
        "--chain-id",
        CHAIN,
        "--nonce",
        "0",
        "--to",
        DEX,
    ]
}

/// `keygen --kind KIND` into `file` (JSON output), the extra flags after.
fn keygen(dir: &Path, kind: &str, file: &str, extra: &[&str]) -> Value {
    let mut args = vec!["--json", "keygen", "--kind", kind, "--out", file];
    args.extend_from_slice(extra);
    ok(dir, &args).json()
}

/// Whether `signature` is what the module accepts from `signer` over `digest`, read as the
/// signer's kind.
fn accepted(signer: &SessionSigner, digest: &B256, signature: &[u8]) -> bool {
    let key = signer.signer_key();
    let Some((named, proof)) = split_signer(signature) else {
        return false;
    };
    if named != signer.address() {
        return false;
    }
    match (Proof::parse(signer.kind(), named, proof), key.p256()) {
        (Some(Proof::Secp256k1(sig)), None) => verifies(digest, &sig),
        (Some(Proof::P256(sig)), Some(pk)) => verifies_p256(digest, &sig, pk),
        (Some(Proof::WebAuthn(a)), Some(pk)) => verifies_webauthn(digest, &a, pk),
        _ => false,
    }
}

#[test]
fn every_key_kind_generates_grants_signs_and_explains() {
    let (_t, dir, _) = setup();
    let module: Address = MODULE.parse().unwrap();
    let origin = "https://wallet.example";
    for (kind, extra, want) in [
        ("secp256k1", &[][..], SignerKind::Secp256k1),
        ("p256", &[][..], SignerKind::P256),
        ("passkey", &["--origin", origin][..], SignerKind::WebAuthn),
    ] {
        let file = format!("{kind}.key");
        let j = keygen(&dir, kind, &file, extra);
        let signer = SessionSigner::load(&dir.join(&file), None).unwrap();
        assert_eq!(signer.kind(), want);
        assert_eq!(j["kind"], kind);
        assert_eq!(j["address"], signer.address().to_checksum(None));
        if let SessionSigner::Passkey { origin: o, .. } = &signer {
            assert_eq!(o, origin);
        }

        // The grant's record is for this key: its address, kind and public key.
        let grant = |who: &[&str]| {
            let mut args = vec![
                "--json",
                "grant",
                "--permission",
                "perm.toml",
                "--module",
                MODULE,
            ];
            args.extend_from_slice(who);
            ok(&dir, &args).json()
        };
        let g = grant(&["--session-key", &file]);
        let record = SessionRecord::decode(&bytes(&g["record"])).unwrap();
        assert_eq!(record.signer, signer.address());
        assert_eq!(record.signer_key, signer.signer_key());
        assert_eq!(g["signerKind"], kind);
        // A key held elsewhere: its public key alone gives the same record.
        if let Some(pk) = signer.signer_key().p256() {
            assert_eq!(g["publicKey"]["x"], pk.x.to_string());
            let flag = format!("--{kind}-public-key");
            let xy = format!("{},{}", pk.x, pk.y);
            assert_eq!(grant(&[&flag, &xy])["record"], g["record"]);
            let address = signer.address().to_string();
            assert_eq!(
                grant(&[&flag, &xy, "--signer", &address])["record"],
                g["record"]
            );
        }

        // The signed op carries this kind's signature over keccak256(userOpHash ‖ module).
        let mut args = vec![
            "--json",
            "sign",
            "--key",
            &file,
            "--module",
            MODULE,
            "--account",
            ACCOUNT,
            "--chain-id",
            CHAIN,
            "--nonce",
            "0",
            "--to",
            TOKEN,
            "--function",
            "approve(address,uint256)",
            "--arg",
            DEX,
            "--arg",
            "50e18",
        ];
        let signed = ok(&dir, &args).json();
        assert_eq!(signed["signerKind"], kind);
        let op: UserOperation = serde_json::from_value(signed["userOp"].clone()).unwrap();
        let hash: B256 = signed["userOpHash"].as_str().unwrap().parse().unwrap();
        let ep = EntryPoint::canonical(EntryPointVersion::V07);
        assert_eq!(op.hash(&ep, CHAIN.parse().unwrap()).unwrap(), hash);
        assert_eq!(&op.signature[..20], signer.address().as_slice());
        assert!(accepted(
            &signer,
            &session_digest(&hash, module),
            &op.signature
        ));
        assert!(!accepted(
            &signer,
            &session_digest(&hash, Address::ZERO),
            &op.signature
        ));
        // Text output names the kind.
        args.remove(0);
        let text = ok(&dir, &args).stdout;
        assert!(text.contains(&format!("({kind})")), "{text}");

        // explain reads the signature as the session's kind: signed passes; unsigned passes the
        // policy with a placeholder of the kind's shape.
        let explain = |op_file: &str| {
            run(
                &dir,
                &[
                    "explain",
                    "--user-op",
                    op_file,
                    "--permission",
                    "perm.toml",
                    "--session-key",
                    &file,
                    "--module",
                    MODULE,
                    "--chain-id",
                    CHAIN,
                ],
            )
        };
        let op_file = format!("{kind}-op.json");
        std::fs::write(dir.join(&op_file), signed["userOp"].to_string()).unwrap();
        let r = explain(&op_file);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        assert!(r.stdout.starts_with("PASSES"), "{}", r.stdout);
        let mut unsigned = signed["userOp"].clone();
        unsigned["signature"] = Value::String("0x".into());
        let unsigned_file = format!("{kind}-unsigned.json");
        std::fs::write(dir.join(&unsigned_file), unsigned.to_string()).unwrap();
        let r = explain(&unsigned_file);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("not signed yet"), "{}", r.stdout);
        assert!(
            r.stdout.contains(&format!("placeholder {kind} signature")),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn keygen_prints_p256_keys_as_key_files_and_encrypts_them() {
    let (_t, dir, _) = setup();
    // Printed, a P-256 key is its whole key file, so pasting it keeps its kind.
    let j = ok(&dir, &["--json", "keygen", "--kind", "p256"]).json();
    write(&dir, "pasted.json", &j["keyFile"].to_string());
    let pasted = SessionSigner::load(&dir.join("pasted.json"), None).unwrap();
    assert_eq!(pasted.kind(), SignerKind::P256);
    assert_eq!(pasted.address().to_checksum(None), j["address"]);
    let text = ok(&dir, &["keygen", "--kind", "p256"]).stdout;
    assert!(text.contains("\"kind\": \"p256\""), "{text}");

    // Encrypted: the keystore nested under the kind.
    write(&dir, "pw", "hunter2\n");
    let j = keygen(
        &dir,
        "passkey",
        "enc.json",
        &[
            "--origin",
            "https://wallet.example",
            "--keystore",
            "--light-kdf",
            "--password-file",
            "pw",
        ],
    );
    assert_eq!(j["format"], "encrypted key file");
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("enc.json")).unwrap()).unwrap();
    assert_eq!(file["kind"], "passkey");
    assert!(file.get("privateKey").is_none() && file["keystore"]["crypto"].is_object());
    let signer = SessionSigner::load(&dir.join("enc.json"), Some("hunter2")).unwrap();
    assert_eq!(signer.address().to_checksum(None), j["address"]);
    refused(
        &dir,
        &sign_to_dex("enc.json"),
        "is a keystore: give its password",
    );
}

#[test]
fn key_files_of_the_wrong_kind_are_refused() {
    let (_t, dir, _) = setup();
    keygen(&dir, "p256", "p256.json", &[]);
    let p256 = SessionSigner::load(&dir.join("p256.json"), None).unwrap();
    let pk = *p256.signer_key().p256().unwrap();
    let sign = |key: &str| {
        vec![
            "sign".to_owned(),
            "--key".into(),
            key.into(),
            "--module".into(),
            MODULE.into(),
            "--account".into(),
            ACCOUNT.into(),
            "--chain-id".into(),
            CHAIN.into(),
            "--nonce".into(),
            "0".into(),
            "--to".into(),
            DEX.into(),
        ]
    };
    let refused_exactly = |args: &[String], line: &str| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(refused(&dir, &args, line), line);
    };

    // A kind this version does not know.
    write(
        &dir,
        "ed.json",
        &format!(
            r#"{{"kind":"ed25519","privateKey":"{}"}}"#,
            B256::repeat_byte(1)
        ),
    );
    refused_exactly(
        &sign("ed.json"),
        "error: --key: ed.json: kind: unknown key kind `ed25519` (expected secp256k1, p256 or passkey)",
    );
    // A field of another kind: a P-256 key file with a passkey's origin.
    let mut with_origin: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("p256.json")).unwrap()).unwrap();
    with_origin["origin"] = "https://wallet.example".into();
    write(&dir, "origin.json", &with_origin.to_string());
    let secret = with_origin["privateKey"].as_str().unwrap()[2..].to_owned();
    let line = refused(&dir, &sign_to_dex("origin.json"), "origin");
    assert_eq!(
        line,
        "error: --key: origin.json: origin: not a field of a p256 key file (expected: kind, address, privateKey, keystore, publicKey)"
    );
    assert!(!line.contains(&secret));
    // A v3 keystore with a kind marker beside its crypto is not a key file.
    let ks = SessionKey::from_bytes(&[7u8; 32])
        .unwrap()
        .to_keystore("pw", sessionkey_sdk::keystore::ScryptCost::Light);
    let mut flat: Value = serde_json::from_str(&ks).unwrap();
    flat["kind"] = "p256".into();
    write(&dir, "flat.json", &flat.to_string());
    refused(
        &dir,
        &sign_to_dex("flat.json"),
        "flat.json: crypto: not a field of a p256 key file",
    );

    // A permission file for a passkey, granted with a raw P-256 key of the same public key.
    write(
        &dir,
        "passkey.toml",
        &format!(
            "signer_kind = \"passkey\"\npublic_key = \"{},{}\"\n{PERMISSION}",
            pk.x, pk.y
        ),
    );
    let grant = |who: &[&str]| {
        let mut args = vec!["grant", "--permission", "passkey.toml", "--module", MODULE];
        args.extend_from_slice(who);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    refused_exactly(
        &grant(&["--session-key", "p256.json"]),
        "error: passkey.toml: signer_kind: the file names a passkey signer but the session key given is p256",
    );
    refused_exactly(
        &grant(&["--session-key", "key.hex"]),
        "error: passkey.toml: signer_kind: the file names a passkey signer but the session key given is secp256k1",
    );
    // …and with its own key, as the file says, it is granted.
    let xy = format!("{},{}", pk.x, pk.y);
    let args = grant(&["--passkey-public-key", &xy, "--json"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let g = ok(&dir, &args).json();
    assert_eq!(g["signerKind"], "passkey");
    // A secp256k1 signer address beside a P-256 public key that is not its own.
    let other = SessionKey::from_bytes(&[7u8; 32])
        .unwrap()
        .address()
        .to_string();
    refused(
        &dir,
        &[
            "grant",
            "--permission",
            "perm.toml",
            "--module",
            MODULE,
            "--p256-public-key",
            &xy,
            "--signer",
            &other,
        ],
        "--signer: ",
    );
    // A public key off the curve, and keygen's origin rules.
    let off = format!("{},{}", pk.x, B256::with_last_byte(1));
    refused(
        &dir,
        &[
            "grant",
            "--permission",
            "perm.toml",
            "--module",
            MODULE,
            "--p256-public-key",
            &off,
        ],
        "not a point on the P-256 curve",
    );
    refused(&dir, &["keygen", "--kind", "passkey"], "--origin: missing");
    refused(
        &dir,
        &[
            "keygen",
            "--kind",
            "p256",
            "--origin",
            "https://wallet.example",
        ],
        "--origin: only a passkey answers for a web origin",
    );
    refused(&dir, &["keygen", "--kind", "ed25519"], "is not a key kind");
}

const ERC7715_LIFETIME: &str =
    include_str!("../../sdk/tests/fixtures/erc7715/lifetime-secp256k1.json");

/// Everything ERC-7715 can say: native value to anyone, an ERC-20 allowance, a contract call,
/// a start, an expiry, an op count and a gas budget of whole gas units at 0.1 gwei.
const EXPRESSIBLE: &str = r#"
valid_after = 1764547200
valid_until = 1767225600
gas_budget = "0.0002 ether"
native_cap = "0.01 ether"
max_ops = 50
allow_wildcards = true

[[calls]]
target = "*"
plain_transfer = true
max_value = "0.01 ether"

[[calls]]
target = "0xaf88d065e77c8cC2239327C5EDb3A432268e5831"
function = "transfer(address,uint256)"

[[calls]]
target = "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45"
function = "multicall(uint256 deadline, bytes[] data)"

[[token_caps]]
token = "0xaf88d065e77c8cC2239327C5EDb3A432268e5831"
limit = "100e6"
"#;

#[test]
fn grant_reads_an_erc7715_request() {
    use sessionkey_sdk::erc7715;
    let (_t, dir, _) = setup();
    write(&dir, "request.json", ERC7715_LIFETIME);
    let args = [
        "--json",
        "grant",
        "--erc7715",
        "request.json",
        "--module",
        MODULE,
        "--gas-price",
        "0.1 gwei",
    ];
    let j = ok(&dir, &args).json();
    let request = erc7715::parse_request(ERC7715_LIFETIME).unwrap();
    let options = erc7715::Options {
        gas_price: Some(100_000_000),
        gas_budget: None,
    };
    let want = erc7715::to_permission(&request, &options).unwrap();
    let module: Address = MODULE.parse().unwrap();
    assert_eq!(bytes(&j["record"]), Bytes::from(want.record.encode()));
    assert_eq!(
        bytes(&j["accountCalldata"]),
        account_calls::grant(module, &want.record)
    );
    assert_eq!(
        j["signer"], "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
        "the key the request names"
    );
    // The text output is grant's.
    let text = ok(&dir, &args[1..]).stdout;
    assert!(
        text.contains("session for secp256k1 signer 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"),
        "{text}"
    );
    // A signer given beside the request must be the request's.
    refused(
        &dir,
        &[
            "grant",
            "--erc7715",
            "request.json",
            "--module",
            MODULE,
            "--gas-price",
            "0.1 gwei",
            "--session-key",
            "key.hex",
        ],
        "is not the request's signer 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
    );
}

#[test]
fn to_erc7715_writes_the_request_grant_reads_back() {
    let (_t, dir, key) = setup();
    write(&dir, "perm.toml", EXPRESSIBLE);
    let j = ok(
        &dir,
        &[
            "--json",
            "to-erc7715",
            "--permission",
            "perm.toml",
            "--session-key",
            "key.hex",
            "--chain-id",
            "42161",
            "--gas-price",
            "0.1 gwei",
        ],
    )
    .json();
    assert_eq!(j["chainId"], "0xa4b1");
    assert_eq!(j["expiry"], 1767225600);
    assert_eq!(j["signer"]["data"]["publicKey"], key.address().to_string());
    let kinds: Vec<&str> = j["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "native-token-allowance",
            "erc20-token-allowance",
            "contract-call",
            "gas-limit",
            "call-limit"
        ]
    );
    assert_eq!(j["permissions"][3]["data"]["limit"], "0x1e8480");
    assert_eq!(
        j["permissions"][2]["data"]["calls"][0],
        "multicall(uint256,bytes[])"
    );

    // Granting that request registers the very record the permission file does.
    write(&dir, "request.json", &j.to_string());
    let from_request = ok(
        &dir,
        &[
            "--json",
            "grant",
            "--erc7715",
            "request.json",
            "--module",
            MODULE,
            "--gas-price",
            "0.1 gwei",
        ],
    )
    .json();
    let from_file = ok(
        &dir,
        &[
            "--json",
            "grant",
            "--permission",
            "perm.toml",
            "--module",
            MODULE,
            "--session-key",
            "key.hex",
        ],
    )
    .json();
    assert_eq!(from_request["record"], from_file["record"]);

    // An encoded record works too, and the text output is the request itself.
    let text = ok(
        &dir,
        &[
            "to-erc7715",
            "--record",
            from_file["record"].as_str().unwrap(),
            "--chain-id",
            "42161",
            "--gas-price",
            "0.1 gwei",
        ],
    )
    .stdout;
    let v: Value = serde_json::from_str(&text).unwrap();
    // A record keeps selectors only: a function outside the standard book is written as one.
    let mut want = j.clone();
    want["permissions"][2]["data"]["calls"][0] = "0x5ae401dc".into();
    assert_eq!(v, want);
}

#[test]
fn erc7715_refusals_name_the_permission() {
    let (_t, dir, _) = setup();
    write(
        &dir,
        "stream.json",
        r#"{
  "chainId": "0xa4b1",
  "expiry": 1767225600,
  "signer": { "type": "key", "data": { "type": "secp256k1", "publicKey": "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf" } },
  "permissions": [
    { "type": "erc20-token-allowance", "data": { "tokenAddress": "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", "allowanceAmount": "0x5F5E100" } },
    { "type": "native-token-stream", "data": { "amountPerSecond": "0x5AF3107A4000", "maxAmount": "0xDE0B6B3A7640000", "startTime": 1764547200 } }
  ]
}"#,
    );
    refused(
        &dir,
        &[
            "grant",
            "--erc7715",
            "stream.json",
            "--module",
            MODULE,
            "--gas-budget",
            "0.001 ether",
        ],
        "stream.json: permissions[1] (native-token-stream) cannot be granted: a stream accrues its allowance every second",
    );
    // A gas-limit with no price to turn gas into wei.
    write(&dir, "request.json", ERC7715_LIFETIME);
    refused(
        &dir,
        &["grant", "--erc7715", "request.json", "--module", MODULE],
        "permissions[4] (gas-limit) counts gas units",
    );
    // The other way: parameter rules and transfers to one address have no ERC-7715 form.
    refused(
        &dir,
        &[
            "to-erc7715",
            "--permission",
            "perm.toml",
            "--session-key",
            "key.hex",
            "--chain-id",
            "42161",
            "--gas-price",
            "1",
        ],
        "cannot be written as an ERC-7715 request:",
    );
}

/// `grant --enable-for` prints the typed data the owner signs and its digest (the SDK's);
/// `sign --enable-record --owner-signature` makes the first op's enabling signature, whose
/// session part is the key's signature of the op; a record for another signer is refused.
#[test]
fn grant_and_sign_enable_a_session_in_its_first_op() {
    let (_t, dir, key) = setup();
    let account: Address = ACCOUNT.parse().unwrap();
    let module: Address = MODULE.parse().unwrap();
    let j = ok(
        &dir,
        &[
            "--json",
            "grant",
            "--permission",
            "perm.toml",
            "--module",
            MODULE,
            "--session-key",
            "key.hex",
            "--enable-for",
            ACCOUNT,
            "--enable-chain-id",
            CHAIN,
            "--enable-nonce",
            "3",
        ],
    )
    .json();
    let record = SessionRecord::decode(&bytes(&j["record"])).unwrap();
    let digest: B256 = j["enableDigest"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        digest,
        sessionkey_sdk::enable::enable_digest(CHAIN.parse().unwrap(), module, account, &record, 3)
    );
    assert_eq!(j["enableTypedData"]["primaryType"], "EnableSession");
    assert_eq!(j["enableTypedData"]["message"]["enableNonce"], 3);
    // A grant without --enable-for prints no typed data; the three flags go together.
    let plain = ok(
        &dir,
        &[
            "--json",
            "grant",
            "--permission",
            "perm.toml",
            "--module",
            MODULE,
            "--session-key",
            "key.hex",
        ],
    )
    .json();
    assert!(plain.get("enableTypedData").is_none());
    refused(
        &dir,
        &[
            "grant",
            "--permission",
            "perm.toml",
            "--module",
            MODULE,
            "--session-key",
            "key.hex",
            "--enable-for",
            ACCOUNT,
        ],
        "--enable-chain-id",
    );

    let owner = [0x5au8; 65];
    let record_hex = hex::encode_prefixed(record.encode());
    let owner_hex = hex::encode_prefixed(owner);
    let signed = sign_approve(
        &dir,
        "50e18",
        &[
            "--enable-record",
            &record_hex,
            "--owner-signature",
            &owner_hex,
        ],
    );
    let op: UserOperation = serde_json::from_value(signed["userOp"].clone()).unwrap();
    let (rec, owner_sig, proof) =
        sessionkey_sdk::enable::parse_enable_signature(&op.signature).unwrap();
    assert_eq!(rec, &record.encode()[..]);
    assert_eq!(owner_sig, &owner[..]);
    let hash: B256 = signed["userOpHash"].as_str().unwrap().parse().unwrap();
    let sig = SessionSignature::from_proof(key.address(), proof).unwrap();
    assert!(verifies(&session_digest(&hash, module), &sig));
    // The record must be this key's.
    let mut other = record.clone();
    other.signer = address!("0x00000000000000000000000000000000000000aa");
    let other_hex = hex::encode_prefixed(other.encode());
    refused(
        &dir,
        &[
            "sign",
            "--key",
            "key.hex",
            "--module",
            MODULE,
            "--account",
            ACCOUNT,
            "--chain-id",
            CHAIN,
            "--nonce-key",
            "validator",
            "--to",
            TOKEN,
            "--function",
            "approve(address,uint256)",
            "--arg",
            DEX,
            "--arg",
            "1",
            "--enable-record",
            &other_hex,
            "--owner-signature",
            &owner_hex,
        ],
        "--enable-record",
    );
}
