//! Helpers shared by the devnet's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use stylus_devnet::{Address, Bytes, Devnet, U256};

/// Gas limit the tests give transactions.
pub const GAS: u64 = 10_000_000;

/// A funded externally owned account.
pub const ALICE: Address = Address::repeat_byte(0xA1);
/// Another one.
pub const BOB: Address = Address::repeat_byte(0xB0);

/// A devnet with ALICE and BOB funded.
pub fn devnet() -> Devnet {
    let mut chain = Devnet::new();
    chain.fund(ALICE, U256::from(10u64).pow(U256::from(20u64)));
    chain.fund(BOB, U256::from(10u64).pow(U256::from(20u64)));
    chain
}

/// Parses WAT.
pub fn wat(source: &str) -> Vec<u8> {
    wat::parse_str(source).expect("valid WAT")
}

/// Deploys and activates a WAT Stylus program from ALICE.
pub fn deploy_wat(chain: &mut Devnet, source: &str) -> Address {
    chain
        .deploy_wasm(ALICE, &wat(source))
        .expect("deploys and activates")
}

/// EVM init code that returns `runtime` as the contract's code.
pub fn initcode(runtime: &[u8]) -> Bytes {
    let len = u8::try_from(runtime.len()).expect("short runtime");
    // PUSH1 len DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN
    let mut code = vec![
        0x60, len, 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3,
    ];
    code.extend_from_slice(runtime);
    code.into()
}

/// Deploys EVM runtime code from ALICE.
pub fn deploy_evm(chain: &mut Devnet, runtime: &[u8]) -> Address {
    chain
        .deploy_evm(ALICE, initcode(runtime))
        .expect("EVM deployment succeeds")
}

/// A 32-byte big-endian word.
pub fn word(value: u64) -> [u8; 32] {
    U256::from(value).to_be_bytes()
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The real compiled contract (`target/session_key_validator.final.wasm`), built with
/// `scripts/build-wasm.sh` if it is missing.
pub fn contract_wasm() -> &'static [u8] {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    WASM.get_or_init(|| {
        let root = repo_root();
        let path = root.join("target/session_key_validator.final.wasm");
        if !path.exists() {
            let status = Command::new("bash")
                .arg("scripts/build-wasm.sh")
                .current_dir(&root)
                .status()
                .expect("runs scripts/build-wasm.sh");
            assert!(status.success(), "scripts/build-wasm.sh failed");
        }
        std::fs::read(&path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
    })
}

/// Stylus program returning its calldata.
pub const ECHO_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (call $write_result (i32.const 0) (local.get $len))
    (i32.const 0)))
"#;

/// Stylus program: calldata = target(20) ‖ payload; calls target with payload (no value, all
/// gas) and returns its return data with the call's status (non-zero status reverts).
pub const FORWARDER_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "call_contract"
    (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "read_return_data" (func $read_return (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $status i32)
    (local $copied i32)
    (call $read_args (i32.const 0))
    (local.set $status
      (call $call (i32.const 0) (i32.const 20) (i32.sub (local.get $len) (i32.const 20))
        (i32.const 8192) (i64.const -1) (i32.const 8300)))
    (local.set $copied
      (call $read_return (i32.const 16384) (i32.const 0) (i32.load (i32.const 8300))))
    (call $write_result (i32.const 16384) (local.get $copied))
    (local.get $status)))
"#;

/// Stylus program: calldata = value(32) ‖ flag(1). Writes `value` to slot 0 and flushes,
/// emits a log with `value` as its topic, then returns `flag` as its status (1 reverts).
pub const WRITER_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "storage_cache_bytes32" (func $cache (param i32 i32)))
  (import "vm_hooks" "storage_flush_cache" (func $flush (param i32)))
  (import "vm_hooks" "emit_log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (call $cache (i32.const 512) (i32.const 0))
    (call $flush (i32.const 0))
    (call $log (i32.const 0) (i32.const 32) (i32.const 1))
    (i32.load8_u (i32.const 32))))
"#;

/// EVM runtime: forwards its calldata to `target` with all gas and returns (or reverts with)
/// the callee's return data.
pub fn evm_proxy(target: Address) -> Vec<u8> {
    let mut code = vec![
        0x36, 0x60, 0x00, 0x60, 0x00, 0x37, // CALLDATACOPY(0, 0, size)
        0x60, 0x00, 0x60, 0x00, 0x36, 0x60, 0x00, 0x60, 0x00, // ret 0,0 args 0,size value 0
        0x73, // PUSH20 target
    ];
    code.extend_from_slice(target.as_slice());
    code.extend_from_slice(&[
        0x5a, 0xf1, // GAS CALL
        0x3d, 0x60, 0x00, 0x60, 0x00, 0x3e, // RETURNDATACOPY(0, 0, size)
        0x60, 0x33, 0x57, // PUSH1 51 JUMPI
        0x3d, 0x60, 0x00, 0xfd, // REVERT(0, size)
        0x5b, 0x3d, 0x60, 0x00, 0xf3, // JUMPDEST RETURN(0, size)
    ]);
    code
}

/// EVM runtime: calls `target` with its calldata, ignores the outcome except for storing the
/// success flag at its own slot 0.
pub fn evm_call_and_record(target: Address) -> Vec<u8> {
    let mut code = vec![
        0x36, 0x60, 0x00, 0x60, 0x00, 0x37, // CALLDATACOPY(0, 0, size)
        0x60, 0x00, 0x60, 0x00, 0x36, 0x60, 0x00, 0x60, 0x00, // ret 0,0 args 0,size value 0
        0x73, // PUSH20 target
    ];
    code.extend_from_slice(target.as_slice());
    code.extend_from_slice(&[
        0x5a, 0xf1, // GAS CALL
        0x60, 0x00, 0x55, // PUSH1 0 SSTORE (slot 0 = success)
        0x00, // STOP
    ]);
    code
}
