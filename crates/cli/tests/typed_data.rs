//! `sessionkey sign-typed-data`: a session key's scoped ERC-1271 signature of an
//! eth_signTypedData_v4 file is the library's (`sessionkey_sdk::typed_data::sign_typed_data`),
//! typed data outside the session's scopes is refused with the rule that fails, and bad typed
//! data gives one line naming the problem.

use std::path::Path;
use std::process::{Command, Output};

use alloy_primitives::{address, hex, Address, U256};
use alloy_sol_types::{eip712_domain, sol, Eip712Domain, SolStruct};
use serde_json::{json, Value};
use sessionkey_sdk::key::SessionSigner;
use sessionkey_sdk::typed_data::{account_domain, sign_typed_data};
use sessionkey_sdk::SessionKey;

sol! {
    struct Permit { address owner; address spender; uint256 value; uint256 nonce; uint256 deadline; }
}

const PERMIT: &str =
    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)";
const MODULE: Address = address!("0x00000000000000000000000000000000000a11ce");
const ACCOUNT: Address = address!("0x000000000000000000000000000000000000acc0");
const PROGRAM: Address = address!("0x0000000000000000000000000000000000001271");
const USDC: Address = address!("0x00000000000000000000000000000000000070c0");
const DEX: Address = address!("0x0000000000000000000000000000000000000de0");
const CHAIN: u64 = 42161;

/// The session: a Permit scope for USDC (spender the DEX, at most 100 USDC).
const PERMISSION: &str = r#"
valid_after = 1700000000
valid_until = 1800000000
gas_budget = "0.01 ether"

[[typed_data]]
domain = { name = "USD Coin", version = "2", chain_id = 42161, verifying_contract = "0x00000000000000000000000000000000000070c0" }
type = "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
rules = [
  { field = "spender", op = "==", value = "0x0000000000000000000000000000000000000de0" },
  { field = "value", op = "<=", value = "100000000" },
]
"#;

fn usdc() -> Eip712Domain {
    eip712_domain! {
        name: "USD Coin",
        version: "2",
        chain_id: CHAIN,
        verifying_contract: USDC,
    }
}

fn permit(spender: Address, value: u64) -> Permit {
    Permit {
        owner: ACCOUNT,
        spender,
        value: U256::from(value),
        nonce: U256::ZERO,
        deadline: U256::from(1_800_000_000u64),
    }
}

/// The permit as a wallet is asked for it (eth_signTypedData_v4), written by hand.
fn permit_json(spender: Address, value: u64, domain_name: &str) -> Value {
    json!({
        "types": {
            "EIP712Domain": [
                { "name": "name", "type": "string" },
                { "name": "version", "type": "string" },
                { "name": "chainId", "type": "uint256" },
                { "name": "verifyingContract", "type": "address" }
            ],
            "Permit": [
                { "name": "owner", "type": "address" },
                { "name": "spender", "type": "address" },
                { "name": "value", "type": "uint256" },
                { "name": "nonce", "type": "uint256" },
                { "name": "deadline", "type": "uint256" }
            ]
        },
        "primaryType": "Permit",
        "domain": {
            "name": domain_name,
            "version": "2",
            "chainId": CHAIN,
            "verifyingContract": USDC.to_string()
        },
        "message": {
            "owner": ACCOUNT.to_string(),
            "spender": spender.to_string(),
            "value": value.to_string(),
            "nonce": "0",
            "deadline": "1800000000"
        }
    })
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
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

/// A refusal: exit code 1 and exactly one `error: …` line on stderr, which is returned.
fn refused(dir: &Path, args: &[&str]) -> String {
    let r = run(dir, args);
    assert_eq!(r.code, 1, "{args:?} must fail: {}", r.stdout);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: {:?}", r.stderr);
    lines[0].to_owned()
}

/// A scratch directory with the session key (`key.hex`) and the permission (`perm.toml`).
fn setup() -> (tempfile::TempDir, SessionKey) {
    let dir = tempfile::tempdir().unwrap();
    let key = SessionKey::from_bytes(&[7u8; 32]).unwrap();
    std::fs::write(dir.path().join("key.hex"), key.private_key_hex()).unwrap();
    std::fs::write(dir.path().join("perm.toml"), PERMISSION).unwrap();
    (dir, key)
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// `sign-typed-data` for the account "OzAccount7579" version "1", with `extra` flags.
fn sign_args<'a>(typed_data: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "sign-typed-data",
        "--key",
        "key.hex",
        "--typed-data",
        typed_data,
        "--program",
        "0x0000000000000000000000000000000000001271",
        "--account",
        "0x000000000000000000000000000000000000acc0",
        "--chain-id",
        "42161",
        "--account-name",
        "OzAccount7579",
        "--account-version",
        "1",
    ];
    v.extend_from_slice(extra);
    v
}

fn library_signature(key: &SessionKey, p: &Permit) -> Vec<u8> {
    let account = eip712_domain! {
        name: "OzAccount7579",
        version: "1",
        chain_id: CHAIN,
        verifying_contract: ACCOUNT,
    };
    sign_typed_data(
        PROGRAM,
        &SessionSigner::Secp256k1(key.clone()),
        &usdc().separator(),
        PERMIT,
        &p.eip712_encode_data(),
        &account_domain(&account),
    )
    .unwrap()
}

#[test]
fn sign_typed_data_signs_a_permit_as_the_library_does() {
    let (dir, key) = setup();
    let dir = dir.path();
    write(
        dir,
        "permit.json",
        &permit_json(DEX, 100_000_000, "USD Coin").to_string(),
    );
    let expected = library_signature(&key, &permit(DEX, 100_000_000));
    let mut full = MODULE.to_vec();
    full.extend_from_slice(&expected);

    let args = sign_args(
        "permit.json",
        &[
            "--module",
            "0x00000000000000000000000000000000000a11ce",
            "--json",
        ],
    );
    let r = run(dir, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["signature"], hex::encode_prefixed(&expected));
    assert_eq!(j["accountSignature"], hex::encode_prefixed(&full));
    assert_eq!(
        j["hash"],
        permit(DEX, 100_000_000)
            .eip712_signing_hash(&usdc())
            .to_string()
    );
    assert_eq!(j["appDomainSeparator"], usdc().separator().to_string());
    assert_eq!(j["contentsType"], PERMIT);

    // Checked against the session's permission first (in scope at a time in its window): the
    // same signature.
    let args = sign_args(
        "permit.json",
        &["--permission", "perm.toml", "--at", "1750000000", "--json"],
    );
    let r = run(dir, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["signature"], hex::encode_prefixed(&expected));
    assert_eq!(j["accountSignature"], Value::Null);
    assert_eq!(j["checkedAgainstPermission"], true);

    // Text output: the signature on its line.
    let r = run(dir, &sign_args("permit.json", &[]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "signature          {}\n",
            hex::encode_prefixed(&expected)
        )),
        "{}",
        r.stdout
    );
}

#[test]
fn a_permit_outside_the_session_scopes_is_refused_with_the_reason() {
    let (dir, _key) = setup();
    let dir = dir.path();
    let check = |json: Value, extra: &[&str], message: &str| {
        write(dir, "permit.json", &json.to_string());
        // `--at` inside the session's window unless the case gives its own.
        let mut flags = vec!["--permission", "perm.toml"];
        if extra.is_empty() {
            flags.extend_from_slice(&["--at", "1750000000"]);
        }
        flags.extend_from_slice(extra);
        let line = refused(dir, &sign_args("permit.json", &flags));
        assert_eq!(line, message);
    };
    check(
        permit_json(DEX, 100_000_001, "USD Coin"),
        &[],
        "error: --permission: out of scope: Permit rule `value <= 100000000` does not hold",
    );
    check(
        permit_json(ACCOUNT, 1, "USD Coin"),
        &[],
        "error: --permission: out of scope: Permit rule `spender == 0x0000000000000000000000000000000000000DE0` does not hold",
    );
    // Another app (its domain's name differs): no scope at all.
    let other: Eip712Domain = eip712_domain! {
        name: "Fake Coin",
        version: "2",
        chain_id: CHAIN,
        verifying_contract: USDC,
    };
    check(
        permit_json(DEX, 1, "Fake Coin"),
        &[],
        &format!(
            "error: --permission: out of scope: the session has no scope for {PERMIT} under the app domain separator {}",
            other.separator()
        ),
    );
    // In scope, but not at that time.
    check(
        permit_json(DEX, 1, "USD Coin"),
        &["--at", "1800000001"],
        "error: --permission: the session is not valid at 1800000001 (valid_after 1700000000, valid_until 1800000000)",
    );
}

#[test]
fn a_session_without_scopes_signs_no_typed_data() {
    let (dir, _key) = setup();
    let dir = dir.path();
    let no_scope = PERMISSION.split("[[typed_data]]").next().unwrap();
    write(dir, "calls.toml", no_scope);
    write(
        dir,
        "permit.json",
        &permit_json(DEX, 1, "USD Coin").to_string(),
    );
    assert_eq!(
        refused(
            dir,
            &sign_args("permit.json", &["--permission", "calls.toml"])
        ),
        "error: --permission: out of scope: the session's permission has no [[typed_data]] scope (its key signs no typed data)"
    );
}

#[test]
fn bad_typed_data_is_refused_with_a_clear_error() {
    let (dir, _key) = setup();
    let dir = dir.path();
    let good = permit_json(DEX, 1, "USD Coin");
    let cases: Vec<(String, &str)> = vec![
        (
            "{\"types\": ".into(),
            "error: --typed-data permit.json: not JSON (line 1 column 10): EOF while parsing a value",
        ),
        (
            "[1]".into(),
            "error: --typed-data permit.json: expected an eth_signTypedData_v4 object {types, primaryType, domain, message}",
        ),
        (
            {
                let mut j = good.clone();
                j.as_object_mut().unwrap().remove("domain");
                j.to_string()
            },
            "error: --typed-data permit.json: domain: missing (eth_signTypedData_v4 has types, primaryType, domain and message)",
        ),
        (
            {
                let mut j = good.clone();
                j["extra"] = json!(1);
                j.to_string()
            },
            "error: --typed-data permit.json: extra: unknown member (expected types, primaryType, domain, message)",
        ),
        (
            {
                let mut j = good.clone();
                j["message"]["memo"] = json!("not hashed");
                j.to_string()
            },
            "error: --typed-data permit.json: message.memo: not a member of Permit (it would not be signed)",
        ),
        (
            {
                let mut j = good.clone();
                j["domain"]["chain"] = json!(1);
                j.to_string()
            },
            "error: --typed-data permit.json: domain.chain: not an EIP-712 domain field (name, version, chainId, verifyingContract, salt)",
        ),
        (
            {
                let mut j = good.clone();
                j["primaryType"] = json!("EIP712Domain");
                j.to_string()
            },
            "error: --typed-data permit.json: primaryType: EIP712Domain is the domain, not contents a session can sign",
        ),
    ];
    for (text, message) in cases {
        write(dir, "permit.json", &text);
        assert_eq!(
            refused(dir, &sign_args("permit.json", &[])),
            message,
            "{text}"
        );
    }
    // Data that does not fit its type, and a primary type the types do not define: the part
    // is named (alloy's message follows).
    for (j, part) in [
        {
            let mut j = good.clone();
            j["message"]["value"] = json!("a lot");
            (j, "message")
        },
        {
            let mut j = good.clone();
            j["primaryType"] = json!("Order");
            (j, "types")
        },
    ] {
        write(dir, "permit.json", &j.to_string());
        let line = refused(dir, &sign_args("permit.json", &[]));
        assert!(
            line.starts_with(&format!("error: --typed-data permit.json: {part}: ")),
            "{line}"
        );
    }
    // The account's domain is never guessed: without its name the command is a usage error.
    let mut args = sign_args("permit.json", &[]);
    args.truncate(args.len() - 4);
    args.extend_from_slice(&["--account-version", "1"]);
    let r = run(dir, &args);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--account-name"), "{}", r.stderr);
}

/// P-256 and passkey session keys (their JSON key files, as `sign` takes them) sign typed data
/// too; with `--permission` the SDK's simulation of the module verifies their proofs, so an
/// accepted run means the module would verify them.
#[test]
fn p256_and_passkey_keys_sign_typed_data_in_scope() {
    use sessionkey_policy::signer::SignerKind;
    let (dir, _key) = setup();
    let dir = dir.path();
    write(
        dir,
        "permit.json",
        &permit_json(DEX, 5, "USD Coin").to_string(),
    );
    for (kind, name, origin) in [
        (SignerKind::P256, "p256", None),
        (
            SignerKind::WebAuthn,
            "passkey",
            Some("https://wallet.example"),
        ),
    ] {
        let signer = SessionSigner::generate(kind, origin).unwrap();
        write(dir, "p256.json", &signer.to_key_file(None));
        let pk = signer.signer_key();
        let pk = pk.p256().unwrap();
        write(
            dir,
            "p256.toml",
            &format!(
                "signer_kind = \"{name}\"\npublic_key = \"{},{}\"\n{PERMISSION}",
                pk.x, pk.y
            ),
        );
        let mut args = sign_args(
            "permit.json",
            &["--permission", "p256.toml", "--at", "1750000000", "--json"],
        );
        args[2] = "p256.json";
        let r = run(dir, &args);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let j: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(j["signerKind"], name);
        assert_eq!(j["signer"], signer.address().to_checksum(None));
        // Another key (the secp256k1 one) with this session's permission: refused, naming the kind.
        let line = refused(
            dir,
            &sign_args("permit.json", &["--permission", "p256.toml"]),
        );
        assert!(line.starts_with("error: --permission: "), "{line}");
    }
}
