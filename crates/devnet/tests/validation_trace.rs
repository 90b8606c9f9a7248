//! The tracer records opcode-equivalents and storage access per frame, and the ERC-7562
//! checker judges them.

mod common;

use common::{
    deploy_evm, deploy_wat, devnet, evm_proxy, ALICE, ECHO_WAT, FORWARDER_WAT, GAS, WRITER_WAT,
};
use stylus_devnet::erc7562::{self, Rule, Subject, ValidationScope, ERC7562};
use stylus_devnet::tracer::opcode;
use stylus_devnet::ValidationTrace;
use stylus_devnet::{AccessKind, Address, Bytes, FrameKind, B256, U256};

/// The rules `profile` reports for `trace`, in order.
fn rules_of(
    trace: &ValidationTrace,
    scope: &ValidationScope,
    profile: &erc7562::Profile,
) -> Vec<Rule> {
    erc7562::check(trace, scope, profile)
        .into_iter()
        .map(|v| v.rule)
        .collect()
}

/// Reads `block_timestamp` and `evm_gas_left`, returns nothing.
const CLOCK_WAT: &str = r#"
(module
  (import "vm_hooks" "block_timestamp" (func $ts (result i64)))
  (import "vm_hooks" "evm_gas_left" (func $gas (result i64)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (drop (call $ts))
    (drop (call $gas))
    (i32.const 0)))
"#;

/// Reads slot keccak(msg.sender ‖ 0) + (first calldata byte), the way a Solidity/Stylus
/// `mapping(address => …)` at slot 0 would, plus the raw slot given in calldata word 1.
const MAPPING_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "msg_sender" (func $sender (param i32)))
  (import "vm_hooks" "native_keccak256" (func $keccak (param i32 i32 i32)))
  (import "vm_hooks" "storage_load_bytes32" (func $load (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 256))
    ;; preimage at 0: 12 zero bytes ‖ sender(20) ‖ 32 zero bytes
    (call $sender (i32.const 12))
    (call $keccak (i32.const 0) (i32.const 64) (i32.const 128))
    (call $load (i32.const 128) (i32.const 512))
    (call $load (i32.const 256) (i32.const 512))
    (i32.const 0)))
"#;

#[test]
fn block_hostios_are_traced_as_their_opcodes_and_banned() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, CLOCK_WAT);
    chain.start_trace();
    let outcome = chain
        .call(ALICE, program, U256::ZERO, Bytes::new(), GAS)
        .unwrap();
    let trace = chain.take_trace();
    assert!(outcome.success);
    assert_eq!(trace.frames.len(), 1);
    let frame = &trace.frames[0];
    assert_eq!(frame.kind, FrameKind::Stylus);
    assert_eq!(frame.opcode_names(), ["STOP", "TIMESTAMP", "GAS"]);

    let scope = ValidationScope {
        sender: ALICE,
        ..ValidationScope::default()
    };
    let banned: Vec<(Rule, Subject)> = erc7562::check(&trace, &scope, &ERC7562)
        .into_iter()
        .map(|violation| (violation.rule, violation.subject))
        .collect();
    assert_eq!(
        banned,
        [
            (Rule::Op011, Subject::Opcode(opcode::TIMESTAMP)),
            (Rule::Op012, Subject::Opcode(opcode::GAS)),
        ]
    );
}

#[test]
fn storage_keyed_by_the_sender_is_associated_and_other_slots_are_not() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, MAPPING_WAT);
    let raw_slot = B256::with_last_byte(5);
    chain.start_trace();
    let outcome = chain
        .call(
            ALICE,
            program,
            U256::ZERO,
            Bytes::from(raw_slot.to_vec()),
            GAS,
        )
        .unwrap();
    let trace = chain.take_trace();
    assert!(outcome.success);
    let frame = &trace.frames[0];
    assert_eq!(frame.storage.len(), 2);
    assert!(frame
        .storage
        .iter()
        .all(|access| access.address == program && access.kind == AccessKind::Read));
    assert_eq!(trace.keccak_preimages.len(), 1);

    let scope = ValidationScope {
        sender: ALICE,
        ..ValidationScope::default()
    };
    let violations = erc7562::check(&trace, &scope, &ERC7562);
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].rule, Rule::Sto033, "an unstaked read");
    let Subject::Storage(access) = violations[0].subject else {
        panic!("{violations:?}");
    };
    assert_eq!(access.slot, raw_slot);

    // A staked entity may read it (STO-033).
    let staked = ValidationScope {
        sender: ALICE,
        staked: vec![ALICE],
        ..ValidationScope::default()
    };
    assert!(erc7562::check(&trace, &staked, &ERC7562).is_empty());
}

#[test]
fn nested_frames_are_recorded_in_order_with_depth_and_kind() {
    let mut chain = devnet();
    let echo = deploy_wat(&mut chain, ECHO_WAT);
    let proxy = deploy_evm(&mut chain, &evm_proxy(echo));
    let forwarder = deploy_wat(&mut chain, FORWARDER_WAT);
    let mut data = proxy.to_vec();
    data.extend_from_slice(b"hi");
    chain.start_trace();
    let outcome = chain
        .call(ALICE, forwarder, U256::ZERO, data.into(), GAS)
        .unwrap();
    let trace = chain.take_trace();
    assert!(outcome.success);
    let shape: Vec<(usize, FrameKind, Address)> = trace
        .frames
        .iter()
        .map(|frame| (frame.depth, frame.kind, frame.code_address))
        .collect();
    assert_eq!(
        shape,
        [
            (0, FrameKind::Stylus, forwarder),
            (1, FrameKind::Evm, proxy),
            (2, FrameKind::Stylus, echo),
        ]
    );
    // The proxy's GAS right before CALL is exempt; the forwarder's call is traced as CALL.
    assert!(!trace.frames[1].used(opcode::GAS));
    assert!(trace.frames[1].used(opcode::CALL));
    assert!(trace.frames[0].used(opcode::CALL));
    assert!(trace.frames.iter().all(|frame| frame.success == Some(true)));
}

#[test]
fn evm_storage_access_is_traced() {
    let mut chain = devnet();
    // PUSH1 9 SLOAD POP PUSH1 1 PUSH1 3 SSTORE STOP
    let contract = deploy_evm(
        &mut chain,
        &[0x60, 0x09, 0x54, 0x50, 0x60, 0x01, 0x60, 0x03, 0x55, 0x00],
    );
    chain.start_trace();
    chain
        .call(ALICE, contract, U256::ZERO, Bytes::new(), GAS)
        .unwrap();
    let trace = chain.take_trace();
    let accesses: Vec<(B256, AccessKind)> = trace.frames[0]
        .storage
        .iter()
        .map(|access| (access.slot, access.kind))
        .collect();
    assert_eq!(
        accesses,
        [
            (B256::with_last_byte(9), AccessKind::Read),
            (B256::with_last_byte(3), AccessKind::Write),
        ]
    );
}

#[test]
fn tracing_is_off_unless_started() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, CLOCK_WAT);
    chain
        .call(ALICE, program, U256::ZERO, Bytes::new(), GAS)
        .unwrap();
    assert!(chain.take_trace().frames.is_empty());
}

/// Calldata = gas (8 bytes, little-endian) ‖ 128-byte ecrecover input: static-calls the
/// ecrecover precompile forwarding that much gas, then reads the return data size.
const ECRECOVER_CALLER_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "static_call_contract"
    (func $static (param i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "return_data_size" (func $size (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\01")
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 64))
    (drop (call $static (i32.const 0) (i32.const 72) (i32.const 128)
      (i64.load (i32.const 64)) (i32.const 32)))
    (drop (call $size))
    (i32.const 0)))
"#;

fn ecrecover_call(
    chain: &mut stylus_devnet::Devnet,
    program: Address,
    gas: u64,
) -> ValidationTrace {
    let mut data = gas.to_le_bytes().to_vec();
    data.extend_from_slice(&[0u8; 128]);
    chain.start_trace();
    let outcome = chain
        .call(ALICE, program, U256::ZERO, data.into(), GAS)
        .unwrap();
    assert!(outcome.success);
    chain.take_trace()
}

#[test]
fn a_stylus_call_forwarding_all_gas_reads_as_out_of_gas_to_javascript_tracers() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, ECRECOVER_CALLER_WAT);
    let scope = ValidationScope {
        sender: program,
        ..ValidationScope::default()
    };
    // Forwarding everything (the SDK's `u64::MAX`): Nitro reports gas = the 63/64 cap and
    // cost = base + that cap, so cost exceeds gas by the base cost (100, warm precompile).
    let trace = ecrecover_call(&mut chain, program, u64::MAX);
    let step = trace.frames[0]
        .reported_oog
        .expect("a step with gas < cost");
    assert_eq!(step.opcode, opcode::STATICCALL);
    assert_eq!(step.cost - step.gas, 100);
    assert_eq!(
        trace.frames[1].gas_limit, step.gas,
        "the precompile got the cap"
    );
    let rules = |trace: &ValidationTrace, profile| rules_of(trace, &scope, profile);
    assert_eq!(rules(&trace, &erc7562::RUNDLER), [Rule::Op020]);
    assert_eq!(rules(&trace, &erc7562::INFINITISM_JS), [Rule::Op020]);
    // Nothing actually ran out of gas: the ERC as written and geth's native tracer accept it.
    assert_eq!(rules(&trace, &ERC7562), []);
    assert_eq!(rules(&trace, &erc7562::INFINITISM), []);

    // An explicit limit: cost = base + 3,000 ≤ gas; every profile accepts.
    let trace = ecrecover_call(&mut chain, program, 3_000);
    assert_eq!(trace.frames[0].reported_oog, None);
    assert_eq!(trace.frames[1].gas_limit, 3_000);
    for profile in &erc7562::PROFILES {
        assert_eq!(rules(&trace, profile), [], "{}", profile.name);
    }
    assert_eq!(
        trace.frames[0].opcode_names(),
        ["STOP", "CALLDATACOPY", "RETURNDATASIZE", "STATICCALL"]
    );
}

/// Calldata = slot(32) ‖ associated flag(1): stores 1 in transient slot `keccak(sender ‖ 0)`
/// when the flag is set, else in `slot`.
const TRANSIENT_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "msg_sender" (func $sender (param i32)))
  (import "vm_hooks" "native_keccak256" (func $keccak (param i32 i32 i32)))
  (import "vm_hooks" "transient_store_bytes32" (func $tstore (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 351) "\01")
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 256))
    (call $sender (i32.const 12))
    (call $keccak (i32.const 0) (i32.const 64) (i32.const 128))
    (if (i32.load8_u (i32.const 288))
      (then (call $tstore (i32.const 128) (i32.const 320)))
      (else (call $tstore (i32.const 256) (i32.const 320))))
    (i32.const 0)))
"#;

#[test]
fn op_070_transient_storage_follows_the_storage_rules() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, TRANSIENT_WAT);
    let scope = ValidationScope {
        sender: ALICE,
        ..ValidationScope::default()
    };
    let run = |chain: &mut stylus_devnet::Devnet, associated: u8| {
        let mut data = B256::with_last_byte(7).to_vec();
        data.push(associated);
        chain.start_trace();
        let outcome = chain
            .call(ALICE, program, U256::ZERO, data.into(), GAS)
            .unwrap();
        assert!(outcome.success);
        chain.take_trace()
    };
    let trace = run(&mut chain, 0);
    let access = trace.frames[0].storage[0];
    assert_eq!(
        (access.address, access.slot, access.kind),
        (program, B256::with_last_byte(7), AccessKind::TransientWrite)
    );
    for profile in &erc7562::PROFILES {
        let rules = rules_of(&trace, &scope, profile);
        assert_eq!(rules, [Rule::Op070], "{}", profile.name);
    }
    let trace = run(&mut chain, 1);
    assert_eq!(trace.frames[0].storage[0].kind, AccessKind::TransientWrite);
    for profile in &erc7562::PROFILES {
        assert!(
            erc7562::check(&trace, &scope, profile).is_empty(),
            "{}",
            profile.name
        );
    }
}

/// Loads slot 1 twice, writes slot 1 with the value read and slot 2 with 5, flushes, then
/// exits with status = the first calldata byte.
const CACHE_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "storage_load_bytes32" (func $load (param i32 i32)))
  (import "vm_hooks" "storage_cache_bytes32" (func $cache (param i32 i32)))
  (import "vm_hooks" "storage_flush_cache" (func $flush (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 31) "\01")
  (data (i32.const 63) "\02")
  (data (i32.const 95) "\05")
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 512))
    (call $load (i32.const 0) (i32.const 128))
    (call $load (i32.const 0) (i32.const 128))
    (call $cache (i32.const 0) (i32.const 128))
    (call $cache (i32.const 32) (i32.const 64))
    (call $flush (i32.const 0))
    (i32.load8_u (i32.const 512))))
"#;

#[test]
fn stylus_storage_is_traced_as_nitro_reports_it() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, CACHE_WAT);
    chain.set_storage(program, U256::from(1), U256::from(9));
    chain.start_trace();
    let outcome = chain
        .call(ALICE, program, U256::ZERO, Bytes::from(vec![0u8]), GAS)
        .unwrap();
    let trace = chain.take_trace();
    assert!(outcome.success);
    // One SLOAD (the second load hits the cache), one SSTORE (slot 1 keeps its value).
    let accesses: Vec<(B256, AccessKind)> = trace.frames[0]
        .storage
        .iter()
        .map(|a| (a.slot, a.kind))
        .collect();
    assert_eq!(
        accesses,
        [
            (B256::with_last_byte(1), AccessKind::Read),
            (B256::with_last_byte(2), AccessKind::Write),
        ]
    );
    assert_eq!(trace.frames[0].opcodes[&opcode::SLOAD], 1);
    assert_eq!(trace.frames[0].opcodes[&opcode::SSTORE], 1);
    assert_eq!(chain.storage(program, U256::from(2)), U256::from(5));
    assert_eq!(
        trace.frames[0].opcode_names(),
        ["STOP", "CALLDATACOPY", "SLOAD", "SSTORE"]
    );

    // A non-zero status is reported as REVERT.
    chain.start_trace();
    let outcome = chain
        .call(ALICE, program, U256::ZERO, Bytes::from(vec![1u8]), GAS)
        .unwrap();
    assert!(!outcome.success);
    assert!(chain.take_trace().frames[0].used(opcode::REVERT));
}

/// Runs WRITER_WAT (a fresh slot written, flushed, then one log) on a fresh chain with
/// `gas` for the transaction.
fn write_with_gas(gas: u64) -> (stylus_devnet::CallOutcome, ValidationTrace) {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, WRITER_WAT);
    let mut data = B256::with_last_byte(3).to_vec();
    data.push(0);
    chain.start_trace();
    let outcome = chain
        .call(ALICE, program, U256::ZERO, data.into(), gas)
        .unwrap();
    (outcome, chain.take_trace())
}

#[test]
fn op_020_a_flush_reported_with_little_gas_left_reads_as_out_of_gas_to_javascript_tracers() {
    let (outcome, _) = write_with_gas(GAS);
    assert!(outcome.success);
    let used = outcome.gas_used;
    let rules = |trace: &ValidationTrace, profile| {
        let scope = ValidationScope {
            sender: trace.frames[0].address,
            ..ValidationScope::default()
        };
        rules_of(trace, &scope, profile)
    };
    // 1,000 gas to spare: the flush leaves less than 2,300 (the log still has to be paid), the
    // program succeeds, and Nitro's SSTORE event carries that gas left.
    let (outcome, trace) = write_with_gas(used + 1_000);
    assert!(outcome.success);
    let step = trace.frames[0]
        .reported_oog
        .expect("an SSTORE below 2,300 gas");
    assert_eq!(step.opcode, opcode::SSTORE);
    assert!(step.gas < 2_300, "{step:?}");
    assert_eq!(rules(&trace, &erc7562::RUNDLER), [Rule::Op020]);
    assert_eq!(rules(&trace, &erc7562::INFINITISM_JS), [Rule::Op020]);
    assert_eq!(rules(&trace, &ERC7562), []);
    assert_eq!(rules(&trace, &erc7562::INFINITISM), []);
    // 10,000 to spare: above 2,300, but Nitro gives the SSTORE event the whole flush's cost
    // (a zero → non-zero store, 22,100 + the hostio) and the gas left after it: gas < cost.
    let (outcome, trace) = write_with_gas(used + 10_000);
    assert!(outcome.success);
    let step = trace.frames[0].reported_oog.expect("cost above gas");
    assert!(step.gas >= 2_300 && step.gas < step.cost, "{step:?}");
    assert!(step.cost > 22_100, "{step:?}");
    assert_eq!(rules(&trace, &erc7562::RUNDLER), [Rule::Op020]);
    // 30,000 to spare: more left than the flush cost; nothing to read as out of gas.
    let (outcome, trace) = write_with_gas(used + 30_000);
    assert!(outcome.success);
    assert_eq!(trace.frames[0].reported_oog, None);
    assert_eq!(rules(&trace, &erc7562::RUNDLER), []);
}
