//! Calls between EVM contracts and Stylus programs, in both directions, with rollback.

mod common;

use common::{
    deploy_evm, deploy_wat, devnet, evm_call_and_record, evm_proxy, word, ALICE, ECHO_WAT,
    FORWARDER_WAT, GAS, WRITER_WAT,
};
use stylus_devnet::{Address, Bytes, CallStatus, U256};

/// PUSH1 42 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
const RETURNS_42: &[u8] = &[0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];

fn forward(target: Address, payload: &[u8]) -> Bytes {
    let mut data = target.to_vec();
    data.extend_from_slice(payload);
    data.into()
}

fn writer_args(value: u64, revert: bool) -> Vec<u8> {
    let mut args = word(value).to_vec();
    args.push(u8::from(revert));
    args
}

#[test]
fn stylus_program_calls_evm_contract_and_returns_its_result() {
    let mut chain = devnet();
    let evm = deploy_evm(&mut chain, RETURNS_42);
    let forwarder = deploy_wat(&mut chain, FORWARDER_WAT);
    let outcome = chain
        .call(ALICE, forwarder, U256::ZERO, forward(evm, &[]), GAS)
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(outcome.output.as_ref(), &word(42));
}

#[test]
fn evm_to_stylus_to_evm_to_stylus() {
    let mut chain = devnet();
    let echo = deploy_wat(&mut chain, ECHO_WAT);
    let proxy = deploy_evm(&mut chain, &evm_proxy(echo));
    let forwarder = deploy_wat(&mut chain, FORWARDER_WAT);
    let outer_proxy = deploy_evm(&mut chain, &evm_proxy(forwarder));
    let payload = b"through four frames".to_vec();
    let outcome = chain
        .call(
            ALICE,
            outer_proxy,
            U256::ZERO,
            forward(proxy, &payload),
            GAS,
        )
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(outcome.output.as_ref(), payload.as_slice());
}

#[test]
fn stylus_program_calls_a_precompile() {
    let mut chain = devnet();
    let forwarder = deploy_wat(&mut chain, FORWARDER_WAT);
    // Identity precompile (0x04) echoes its input.
    let outcome = chain
        .call(
            ALICE,
            forwarder,
            U256::ZERO,
            forward(Address::with_last_byte(4), b"abc"),
            GAS,
        )
        .unwrap();
    assert!(outcome.success);
    assert_eq!(outcome.output.as_ref(), b"abc");
}

#[test]
fn reverting_stylus_child_rolls_back_its_storage_and_logs() {
    let mut chain = devnet();
    let writer = deploy_wat(&mut chain, WRITER_WAT);
    let parent = deploy_evm(&mut chain, &evm_call_and_record(writer));

    let reverted = chain
        .call(ALICE, parent, U256::ZERO, writer_args(7, true).into(), GAS)
        .unwrap();
    assert!(reverted.success, "the parent ignores the child's failure");
    assert!(reverted.logs.is_empty(), "the child's log is rolled back");
    assert_eq!(chain.storage(writer, U256::ZERO), U256::ZERO);
    assert_eq!(
        chain.storage(parent, U256::ZERO),
        U256::ZERO,
        "CALL returned 0"
    );

    let kept = chain
        .call(ALICE, parent, U256::ZERO, writer_args(7, false).into(), GAS)
        .unwrap();
    assert!(kept.success);
    assert_eq!(kept.logs.len(), 1);
    assert_eq!(kept.logs[0].address, writer);
    assert_eq!(chain.storage(writer, U256::ZERO), U256::from(7));
    assert_eq!(chain.storage(parent, U256::ZERO), U256::from(1));
}

#[test]
fn reverting_evm_grandchild_reports_failure_to_the_program() {
    let mut chain = devnet();
    let writer = deploy_wat(&mut chain, WRITER_WAT);
    let forwarder = deploy_wat(&mut chain, FORWARDER_WAT);
    let outcome = chain
        .call(
            ALICE,
            forwarder,
            U256::ZERO,
            forward(writer, &writer_args(9, true)),
            GAS,
        )
        .unwrap();
    assert_eq!(outcome.status, CallStatus::Revert);
    assert_eq!(chain.storage(writer, U256::ZERO), U256::ZERO);
}

#[test]
fn unflushed_writes_are_dropped_and_cached_reads_see_them() {
    let mut chain = devnet();
    // Caches slot 0 = calldata word, reads slot 0 back through the cache, returns it, and
    // exits without flushing.
    let program = deploy_wat(
        &mut chain,
        r#"
        (module
          (import "vm_hooks" "read_args" (func $read_args (param i32)))
          (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
          (import "vm_hooks" "storage_cache_bytes32" (func $cache (param i32 i32)))
          (import "vm_hooks" "storage_load_bytes32" (func $load (param i32 i32)))
          (memory (export "memory") 1)
          (func (export "user_entrypoint") (param $len i32) (result i32)
            (call $read_args (i32.const 0))
            (call $cache (i32.const 512) (i32.const 0))
            (call $load (i32.const 512) (i32.const 1024))
            (call $write_result (i32.const 1024) (i32.const 32))
            (i32.const 0)))
        "#,
    );
    let outcome = chain
        .call(ALICE, program, U256::ZERO, word(5).to_vec().into(), GAS)
        .unwrap();
    assert!(outcome.success);
    assert_eq!(outcome.output.as_ref(), &word(5));
    assert_eq!(chain.storage(program, U256::ZERO), U256::ZERO);
}

#[test]
fn value_sent_to_a_program_arrives_and_msg_value_sees_it() {
    let mut chain = devnet();
    let program = deploy_wat(
        &mut chain,
        r#"
        (module
          (import "vm_hooks" "msg_value" (func $msg_value (param i32)))
          (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
          (memory (export "memory") 1)
          (func (export "user_entrypoint") (param $len i32) (result i32)
            (call $msg_value (i32.const 0))
            (call $write_result (i32.const 0) (i32.const 32))
            (i32.const 0)))
        "#,
    );
    let outcome = chain
        .call(ALICE, program, U256::from(1234u64), Bytes::new(), GAS)
        .unwrap();
    assert!(outcome.success);
    assert_eq!(outcome.output.as_ref(), &word(1234));
    assert_eq!(chain.balance(program), U256::from(1234u64));
}

/// Like the forwarder, but with `static_call_contract`.
const STATIC_FORWARDER_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "static_call_contract"
    (func $call (param i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "read_return_data" (func $read_return (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $status i32)
    (call $read_args (i32.const 0))
    (local.set $status
      (call $call (i32.const 0) (i32.const 20) (i32.sub (local.get $len) (i32.const 20))
        (i64.const -1) (i32.const 8300)))
    (call $write_result (i32.const 16384)
      (call $read_return (i32.const 16384) (i32.const 0) (i32.load (i32.const 8300))))
    (local.get $status)))
"#;

#[test]
fn static_calls_cannot_write() {
    let mut chain = devnet();
    let evm = deploy_evm(&mut chain, RETURNS_42);
    let writer = deploy_wat(&mut chain, WRITER_WAT);
    let forwarder = deploy_wat(&mut chain, STATIC_FORWARDER_WAT);
    let read = chain
        .call(ALICE, forwarder, U256::ZERO, forward(evm, &[]), GAS)
        .unwrap();
    assert!(read.success);
    assert_eq!(read.output.as_ref(), &word(42));
    let write = chain
        .call(
            ALICE,
            forwarder,
            U256::ZERO,
            forward(writer, &writer_args(3, false)),
            GAS,
        )
        .unwrap();
    assert_eq!(
        write.status,
        CallStatus::Revert,
        "the writer's flush fails in a static frame"
    );
    assert_eq!(chain.storage(writer, U256::ZERO), U256::ZERO);
}

#[test]
fn programs_create_contracts_with_create1() {
    let mut chain = devnet();
    // Calldata is init code; create1 runs it and the program returns the new address.
    let factory = deploy_wat(
        &mut chain,
        r#"
        (module
          (import "vm_hooks" "read_args" (func $read_args (param i32)))
          (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
          (import "vm_hooks" "create1" (func $create1 (param i32 i32 i32 i32 i32)))
          (memory (export "memory") 1)
          (func (export "user_entrypoint") (param $len i32) (result i32)
            (call $read_args (i32.const 0))
            (call $create1 (i32.const 0) (local.get $len) (i32.const 4096) (i32.const 8192)
              (i32.const 8300))
            (call $write_result (i32.const 8192) (i32.const 20))
            (i32.const 0)))
        "#,
    );
    let outcome = chain
        .call(
            ALICE,
            factory,
            U256::ZERO,
            common::initcode(RETURNS_42),
            GAS,
        )
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    let created = Address::from_slice(&outcome.output);
    // Contracts start at nonce 1 (EIP-161).
    assert_eq!(created, factory.create(1));
    assert_eq!(chain.code(created).as_ref(), RETURNS_42);
    let answer = chain
        .call(ALICE, created, U256::ZERO, Bytes::new(), GAS)
        .unwrap();
    assert_eq!(answer.output.as_ref(), &word(42));
}

#[test]
fn msg_reentrant_is_true_only_for_a_reentered_program() {
    let mut chain = devnet();
    // Returns msg_reentrant(); with calldata = target(20) ‖ payload, first calls target.
    let program = deploy_wat(
        &mut chain,
        r#"
        (module
          (import "vm_hooks" "read_args" (func $read_args (param i32)))
          (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
          (import "vm_hooks" "msg_reentrant" (func $reentrant (result i32)))
          (import "vm_hooks" "call_contract"
            (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
          (import "vm_hooks" "read_return_data" (func $read_return (param i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "user_entrypoint") (param $len i32) (result i32)
            (i32.store8 (i32.const 8191) (call $reentrant))
            (if (i32.ge_u (local.get $len) (i32.const 20))
              (then
                (call $read_args (i32.const 0))
                (drop (call $call (i32.const 0) (i32.const 20)
                  (i32.sub (local.get $len) (i32.const 20)) (i32.const 4096) (i64.const -1)
                  (i32.const 8300)))
                (drop (call $read_return (i32.const 8190) (i32.const 1) (i32.const 1)))))
            ;; result: [inner frame's flag (if any), this frame's flag]
            (call $write_result (i32.const 8190) (i32.const 2))
            (i32.const 0)))
        "#,
    );
    let proxy = deploy_evm(&mut chain, &evm_proxy(program));
    let outcome = chain
        .call(ALICE, program, U256::ZERO, forward(proxy, &[]), GAS)
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    // The inner frame (program → proxy → program) sees itself re-entered; the outer does not.
    assert_eq!(outcome.output.as_ref(), &[1u8, 0]);
}
