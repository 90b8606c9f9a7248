//! Host functions no other test exercises, each checked against the EVM semantics it stands
//! for: delegate calls, CREATE/CREATE2 (success and failure), account queries, transient
//! storage, the transaction/block/chain context, gas and ink left, return-data edge cases,
//! `exit_early`, `emit_log` with 0/4/5 topics and `storage_flush_cache(clear = true)`.
//!
//! Every program is a small hand-written WAT module that returns what it saw through
//! `write_result`; the signatures are `stylus_check::hostio::VM_HOOKS`'.

mod common;

use common::{deploy_evm, deploy_wat, devnet, evm_proxy, word, ALICE, BOB, ECHO_WAT, GAS};
use stylus_devnet::{keccak256, Address, Bytes, CallStatus, Devnet, DevnetConfig, B256, U256};

/// `keccak256("")`: the code hash of an account that exists but has no code.
const KECCAK_EMPTY: B256 = B256::new([
    0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
    0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70,
]);

/// PUSH1 42 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
const RETURNS_42: &[u8] = &[0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];

/// Init code that reverts with "oops": PUSH4 "oops" PUSH1 0 MSTORE PUSH1 4 PUSH1 28 REVERT.
const REVERTS_OOPS: &[u8] = &[
    0x63, b'o', b'o', b'p', b's', 0x60, 0x00, 0x52, 0x60, 0x04, 0x60, 0x1c, 0xfd,
];

/// EVM runtime: slot 0 = CALLER, slot 1 = CALLVALUE, returns ADDRESS as a word.
const RECORDS_CONTEXT: &[u8] = &[
    0x33, 0x60, 0x00, 0x55, // CALLER PUSH1 0 SSTORE
    0x34, 0x60, 0x01, 0x55, // CALLVALUE PUSH1 1 SSTORE
    0x30, 0x60, 0x00, 0x52, // ADDRESS PUSH1 0 MSTORE
    0x60, 0x20, 0x60, 0x00, 0xf3, // RETURN(0, 32)
];

fn address_word(address: Address) -> [u8; 32] {
    address.into_word().0
}

fn address_value(address: Address) -> U256 {
    U256::from_be_bytes(address_word(address))
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
}

fn concat(parts: &[&[u8]]) -> Bytes {
    parts.concat().into()
}

// ---------------------------------------------------------------------------------------------
// delegate_call_contract and storage_flush_cache(clear)
// ---------------------------------------------------------------------------------------------

/// Calldata: target(20) ‖ clear(1) ‖ payload.
///
/// Loads slot 0 (so the VM cache holds it), buffers slot 2 = 0x77, delegate-calls `target`
/// with `payload`, flushes with `clear`, then loads slots 0 and 2 again. Returns
/// `slot0 before ‖ slot0 after ‖ slot2 after ‖ return data` with the call's status.
const DELEGATOR_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "storage_load_bytes32" (func $load (param i32 i32)))
  (import "vm_hooks" "storage_cache_bytes32" (func $cache (param i32 i32)))
  (import "vm_hooks" "storage_flush_cache" (func $flush (param i32)))
  (import "vm_hooks" "delegate_call_contract"
    (func $delegate (param i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "read_return_data" (func $read_return (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; keys: slot 0 at 512 (zeros), slot 2 at 544; value 0x77 at 576
  (data (i32.const 575) "\02")
  (data (i32.const 607) "\77")
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $status i32)
    (call $read_args (i32.const 0))
    (call $load (i32.const 512) (i32.const 1024))
    (call $cache (i32.const 544) (i32.const 576))
    (local.set $status
      (call $delegate (i32.const 0) (i32.const 21) (i32.sub (local.get $len) (i32.const 21))
        (i64.const -1) (i32.const 900)))
    (call $flush (i32.load8_u (i32.const 20)))
    (call $load (i32.const 512) (i32.const 1056))
    (call $load (i32.const 544) (i32.const 1088))
    (call $write_result (i32.const 1024)
      (i32.add (i32.const 96)
        (call $read_return (i32.const 1120) (i32.const 0) (i32.load (i32.const 900)))))
    (local.get $status)))
"#;

/// Stores `msg.sender` at slot 0 and returns `msg_sender ‖ contract_address ‖ msg_value`.
const SENDER_RECORDER_WAT: &str = r#"
(module
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "msg_sender" (func $sender (param i32)))
  (import "vm_hooks" "contract_address" (func $address (param i32)))
  (import "vm_hooks" "msg_value" (func $value (param i32)))
  (import "vm_hooks" "storage_cache_bytes32" (func $cache (param i32 i32)))
  (import "vm_hooks" "storage_flush_cache" (func $flush (param i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $sender (i32.const 12))
    (call $address (i32.const 32))
    (call $value (i32.const 52))
    (call $cache (i32.const 512) (i32.const 0))
    (call $flush (i32.const 0))
    (call $write_result (i32.const 12) (i32.const 72))
    (i32.const 0)))
"#;

fn delegate_args(target: Address, clear: bool, payload: &[u8]) -> Bytes {
    concat(&[target.as_slice(), &[u8::from(clear)], payload])
}

#[test]
fn delegate_call_into_evm_writes_the_callers_storage_with_the_callers_context() {
    let mut chain = devnet();
    let delegatee = deploy_evm(&mut chain, RECORDS_CONTEXT);
    let delegator = deploy_wat(&mut chain, DELEGATOR_WAT);
    let outcome = chain
        .call(
            ALICE,
            delegator,
            U256::from(5u64),
            delegate_args(delegatee, true, &[]),
            GAS,
        )
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    let out = outcome.output.as_ref();
    assert_eq!(out.len(), 128);
    assert_eq!(&out[0..32], &[0u8; 32], "slot 0 before the call");
    assert_eq!(
        &out[32..64],
        &address_word(ALICE),
        "after flush(clear): the delegatee's write, read from the journal"
    );
    assert_eq!(&out[64..96], &word(0x77), "the buffered write was flushed");
    assert_eq!(
        &out[96..128],
        &address_word(delegator),
        "ADDRESS = the caller"
    );

    // CALLER and CALLVALUE are the delegator's own msg.sender and msg.value (5 wei), and they
    // land in the delegator's storage, not the delegatee's.
    assert_eq!(chain.storage(delegator, U256::ZERO), address_value(ALICE));
    assert_eq!(chain.storage(delegator, U256::from(1)), U256::from(5));
    assert_eq!(chain.storage(delegator, U256::from(2)), U256::from(0x77));
    assert_eq!(chain.storage(delegatee, U256::ZERO), U256::ZERO);
    assert_eq!(chain.storage(delegatee, U256::from(1)), U256::ZERO);
    assert_eq!(chain.balance(delegator), U256::from(5));
    assert_eq!(chain.balance(delegatee), U256::ZERO, "no value moves");
}

#[test]
fn flush_without_clear_keeps_serving_stale_cached_reads() {
    // The devnet's VM cache is not invalidated by a delegate call that writes this contract's
    // storage; `storage_flush_cache(clear = true)` is what forgets it (stylus-sdk clears
    // before every call for this reason). A clean cached slot is not written back by a flush.
    let mut chain = devnet();
    let delegatee = deploy_evm(&mut chain, RECORDS_CONTEXT);
    let delegator = deploy_wat(&mut chain, DELEGATOR_WAT);
    let outcome = chain
        .call(
            ALICE,
            delegator,
            U256::ZERO,
            delegate_args(delegatee, false, &[]),
            GAS,
        )
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    let out = outcome.output.as_ref();
    assert_eq!(&out[32..64], &[0u8; 32], "stale cached value of slot 0");
    assert_eq!(&out[64..96], &word(0x77));
    assert_eq!(
        chain.storage(delegator, U256::ZERO),
        address_value(ALICE),
        "the flush did not overwrite the delegatee's write with the stale value"
    );
    assert_eq!(chain.storage(delegator, U256::from(2)), U256::from(0x77));
}

#[test]
fn delegate_call_into_a_program_runs_it_in_the_callers_context() {
    let mut chain = devnet();
    let delegatee = deploy_wat(&mut chain, SENDER_RECORDER_WAT);
    let delegator = deploy_wat(&mut chain, DELEGATOR_WAT);
    // ALICE → EVM proxy → delegator ⇒ delegatee: msg.sender is the proxy in both frames.
    let proxy = deploy_evm(&mut chain, &evm_proxy(delegator));
    let outcome = chain
        .call(
            ALICE,
            proxy,
            U256::ZERO,
            delegate_args(delegatee, true, &[]),
            GAS,
        )
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    let out = outcome.output.as_ref();
    assert_eq!(
        &out[32..64],
        &address_word(proxy),
        "slot 0 re-read after clear"
    );
    let returned = &out[96..];
    assert_eq!(&returned[0..20], proxy.as_slice(), "msg_sender");
    assert_eq!(&returned[20..40], delegator.as_slice(), "contract_address");
    assert_eq!(&returned[40..72], &[0u8; 32], "msg_value");
    assert_eq!(chain.storage(delegator, U256::ZERO), address_value(proxy));
    assert_eq!(chain.storage(delegatee, U256::ZERO), U256::ZERO);

    // Called directly, the same program sees itself.
    let direct = chain
        .call(BOB, delegatee, U256::from(9u64), Bytes::new(), GAS)
        .unwrap();
    assert!(direct.success);
    assert_eq!(&direct.output[0..20], BOB.as_slice());
    assert_eq!(&direct.output[20..40], delegatee.as_slice());
    assert_eq!(&direct.output[40..72], &word(9));
    assert_eq!(chain.storage(delegatee, U256::ZERO), address_value(BOB));
}

#[test]
fn delegate_call_to_an_account_without_code_succeeds_with_no_return_data() {
    let mut chain = devnet();
    let delegator = deploy_wat(&mut chain, DELEGATOR_WAT);
    let outcome = chain
        .call(
            ALICE,
            delegator,
            U256::ZERO,
            delegate_args(BOB, true, b"ignored"),
            GAS,
        )
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(outcome.output.len(), 96, "empty return data");
    assert_eq!(&outcome.output[64..96], &word(0x77));
}

#[test]
fn a_reverting_delegate_call_reports_status_1_and_undoes_its_writes() {
    let mut chain = devnet();
    let exiter = deploy_wat(&mut chain, EXIT_WAT);
    let delegator = deploy_wat(&mut chain, DELEGATOR_WAT);
    // The delegator returns the call's status, so the transaction reverts with its result.
    let outcome = chain
        .call(
            ALICE,
            delegator,
            U256::ZERO,
            delegate_args(exiter, true, &[1]),
            GAS,
        )
        .unwrap();
    assert_eq!(outcome.status, CallStatus::Revert);
    let out = outcome.output.as_ref();
    assert_eq!(
        &out[32..64],
        &[0u8; 32],
        "the delegatee's flushed write was undone"
    );
    assert_eq!(&out[96..], b"early", "the revert data reaches the caller");
    assert_eq!(chain.storage(delegator, U256::ZERO), U256::ZERO);
}

// ---------------------------------------------------------------------------------------------
// create1 / create2
// ---------------------------------------------------------------------------------------------

/// Calldata: kind(1: 1 = create1, 2 = create2) ‖ salt(32) ‖ endowment(32) ‖ init code.
/// Returns `address(20) ‖ revert_data_len(u32 LE) ‖ return_data_size(u32 LE) ‖ return data`.
const FACTORY_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "create1" (func $create1 (param i32 i32 i32 i32 i32)))
  (import "vm_hooks" "create2" (func $create2 (param i32 i32 i32 i32 i32 i32)))
  (import "vm_hooks" "return_data_size" (func $return_size (result i32)))
  (import "vm_hooks" "read_return_data" (func $read_return (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 2))
      (then
        (call $create2 (i32.const 65) (i32.sub (local.get $len) (i32.const 65))
          (i32.const 33) (i32.const 1) (i32.const 8192) (i32.const 8212)))
      (else
        (call $create1 (i32.const 65) (i32.sub (local.get $len) (i32.const 65))
          (i32.const 33) (i32.const 8192) (i32.const 8212))))
    (i32.store (i32.const 8216) (call $return_size))
    (call $write_result (i32.const 8192)
      (i32.add (i32.const 28)
        (call $read_return (i32.const 8220) (i32.const 0) (i32.const 1024))))
    (i32.const 0)))
"#;

struct Created {
    address: Address,
    revert_len: u32,
    return_data_size: u32,
    return_data: Vec<u8>,
}

fn create(
    chain: &mut Devnet,
    factory: Address,
    salt: Option<B256>,
    endowment: u64,
    value: u64,
    init_code: &[u8],
) -> Created {
    let kind = if salt.is_some() { 2u8 } else { 1 };
    let args = concat(&[
        &[kind],
        salt.unwrap_or_default().as_slice(),
        &word(endowment),
        init_code,
    ]);
    let outcome = chain
        .call(ALICE, factory, U256::from(value), args, GAS)
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    let out = outcome.output.as_ref();
    Created {
        address: Address::from_slice(&out[0..20]),
        revert_len: u32_at(out, 20),
        return_data_size: u32_at(out, 24),
        return_data: out[28..].to_vec(),
    }
}

/// `keccak256(0xff ‖ deployer ‖ salt ‖ keccak256(init_code))[12..]`, spelled out.
fn create2_address(deployer: Address, salt: B256, init_code: &[u8]) -> Address {
    let preimage = [
        &[0xffu8][..],
        deployer.as_slice(),
        salt.as_slice(),
        keccak256(init_code).as_slice(),
    ]
    .concat();
    Address::from_slice(&keccak256(preimage)[12..])
}

#[test]
fn create2_lands_at_the_create2_address_with_its_endowment() {
    let mut chain = devnet();
    let factory = deploy_wat(&mut chain, FACTORY_WAT);
    let init = common::initcode(RETURNS_42);
    let salt = B256::repeat_byte(0x5a);
    let expected = create2_address(factory, salt, &init);
    assert_eq!(expected, factory.create2_from_code(salt, &init));

    let created = create(&mut chain, factory, Some(salt), 300, 1_000, &init);
    assert_eq!(created.address, expected);
    assert_eq!(created.revert_len, 0);
    assert_eq!(
        created.return_data_size, 0,
        "a successful create leaves no return data"
    );
    assert!(created.return_data.is_empty());
    assert_eq!(chain.code(expected).as_ref(), RETURNS_42);
    assert_eq!(chain.balance(expected), U256::from(300));
    assert_eq!(chain.balance(factory), U256::from(700));
    assert_eq!(
        chain.nonce(expected),
        1,
        "EIP-161: new contracts start at nonce 1"
    );
    let answer = chain
        .call(ALICE, expected, U256::ZERO, Bytes::new(), GAS)
        .unwrap();
    assert_eq!(answer.output.as_ref(), &word(42));

    // The address is taken now: the same salt and code collide and yield the zero address.
    let again = create(&mut chain, factory, Some(salt), 0, 0, &init);
    assert_eq!(again.address, Address::ZERO);
    assert_eq!(again.revert_len, 0);
    assert_eq!(chain.balance(expected), U256::from(300));

    // Another salt gives another address.
    let other_salt = B256::with_last_byte(1);
    let other = create(&mut chain, factory, Some(other_salt), 0, 0, &init);
    assert_eq!(other.address, create2_address(factory, other_salt, &init));
    assert_ne!(other.address, expected);
}

#[test]
fn create2_with_reverting_init_code_returns_zero_and_the_revert_data() {
    let mut chain = devnet();
    let factory = deploy_wat(&mut chain, FACTORY_WAT);
    let salt = B256::repeat_byte(7);
    let would_be = create2_address(factory, salt, REVERTS_OOPS);
    let created = create(&mut chain, factory, Some(salt), 100, 100, REVERTS_OOPS);
    assert_eq!(created.address, Address::ZERO);
    assert_eq!(created.revert_len, 4);
    assert_eq!(created.return_data_size, 4);
    assert_eq!(created.return_data, b"oops");
    assert!(chain.code(would_be).is_empty());
    assert_eq!(
        chain.balance(would_be),
        U256::ZERO,
        "the endowment went back"
    );
    assert_eq!(chain.balance(factory), U256::from(100));
}

#[test]
fn create1_failures_return_zero_and_still_consume_the_nonce() {
    let mut chain = devnet();
    let factory = deploy_wat(&mut chain, FACTORY_WAT);
    assert_eq!(chain.nonce(factory), 1);

    let reverted = create(&mut chain, factory, None, 0, 0, REVERTS_OOPS);
    assert_eq!(reverted.address, Address::ZERO);
    assert_eq!(reverted.revert_len, 4);
    assert_eq!(reverted.return_data, b"oops");
    assert!(chain.code(factory.create(1)).is_empty());
    assert_eq!(
        chain.nonce(factory),
        2,
        "CREATE bumps the nonce before running init code"
    );

    // An exceptional halt (INVALID) fails the same way, with no revert data.
    let halted = create(&mut chain, factory, None, 0, 0, &[0xfe]);
    assert_eq!(halted.address, Address::ZERO);
    assert_eq!(halted.revert_len, 0);
    assert_eq!(halted.return_data_size, 0);
    assert_eq!(chain.nonce(factory), 3);

    // An endowment the factory cannot pay fails before the nonce is touched.
    let unfunded = create(
        &mut chain,
        factory,
        None,
        1,
        0,
        &common::initcode(RETURNS_42),
    );
    assert_eq!(unfunded.address, Address::ZERO);
    assert_eq!(unfunded.revert_len, 0);
    assert_eq!(chain.nonce(factory), 3);

    // The next successful create uses the next nonce.
    let ok = create(
        &mut chain,
        factory,
        None,
        0,
        0,
        &common::initcode(RETURNS_42),
    );
    assert_eq!(ok.address, factory.create(3));
    assert_eq!(chain.code(ok.address).as_ref(), RETURNS_42);
}

#[test]
fn create2_may_deploy_stylus_code_but_no_other_0xef_code() {
    let mut chain = devnet();
    let factory = deploy_wat(&mut chain, FACTORY_WAT);
    // Activation is per code hash: ECHO's code is activated once, so a copy created by the
    // program runs straight away.
    let echo = deploy_wat(&mut chain, ECHO_WAT);
    let stylus_code = chain.code(echo);
    let init = common::initcode(&stylus_code);
    let salt = B256::with_last_byte(3);
    let created = create(&mut chain, factory, Some(salt), 0, 0, &init);
    assert_eq!(created.address, create2_address(factory, salt, &init));
    assert_eq!(chain.code(created.address), stylus_code);
    let echoed = chain
        .call(
            ALICE,
            created.address,
            U256::ZERO,
            Bytes::from_static(b"hi"),
            GAS,
        )
        .unwrap();
    assert_eq!(echoed.output.as_ref(), b"hi");

    // EIP-3541 still rejects any other code starting 0xEF.
    let rejected = create(
        &mut chain,
        factory,
        Some(salt),
        0,
        0,
        &common::initcode(&[0xef, 0x01]),
    );
    assert_eq!(rejected.address, Address::ZERO);
}

// ---------------------------------------------------------------------------------------------
// account_balance / account_code / account_code_size / account_codehash
// ---------------------------------------------------------------------------------------------

/// Calldata: address(20) ‖ offset(u32 LE) ‖ size(u32 LE). Returns
/// `balance(32) ‖ codehash(32) ‖ code_size(u32 LE) ‖ copied(u32 LE) ‖ code[offset..][..copied]`.
const ACCOUNT_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "account_balance" (func $balance (param i32 i32)))
  (import "vm_hooks" "account_codehash" (func $codehash (param i32 i32)))
  (import "vm_hooks" "account_code_size" (func $code_size (param i32) (result i32)))
  (import "vm_hooks" "account_code" (func $code (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $copied i32)
    (call $read_args (i32.const 0))
    (call $balance (i32.const 0) (i32.const 100))
    (call $codehash (i32.const 0) (i32.const 132))
    (i32.store (i32.const 164) (call $code_size (i32.const 0)))
    (local.set $copied
      (call $code (i32.const 0) (i32.load (i32.const 20)) (i32.load (i32.const 24))
        (i32.const 172)))
    (i32.store (i32.const 168) (local.get $copied))
    (call $write_result (i32.const 100) (i32.add (i32.const 72) (local.get $copied)))
    (i32.const 0)))
"#;

struct AccountView {
    balance: U256,
    codehash: B256,
    code_size: u32,
    code: Vec<u8>,
}

fn view_account(
    chain: &mut Devnet,
    program: Address,
    account: Address,
    offset: u32,
    size: u32,
) -> AccountView {
    let args = concat(&[
        account.as_slice(),
        &offset.to_le_bytes(),
        &size.to_le_bytes(),
    ]);
    let outcome = chain.call(BOB, program, U256::ZERO, args, GAS).unwrap();
    assert!(outcome.success, "{outcome:?}");
    let out = outcome.output.as_ref();
    let copied = u32_at(out, 68) as usize;
    assert_eq!(out.len(), 72 + copied);
    AccountView {
        balance: U256::from_be_slice(&out[0..32]),
        codehash: B256::from_slice(&out[32..64]),
        code_size: u32_at(out, 64),
        code: out[72..].to_vec(),
    }
}

#[test]
fn account_queries_see_evm_code_program_code_and_balances() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, ACCOUNT_WAT);
    let evm = deploy_evm(&mut chain, RETURNS_42);
    chain.fund(evm, U256::from(12_345u64));

    let full = view_account(&mut chain, program, evm, 0, 100);
    assert_eq!(full.balance, U256::from(12_345u64));
    assert_eq!(full.codehash, keccak256(RETURNS_42));
    assert_eq!(full.code_size, 10);
    assert_eq!(
        full.code, RETURNS_42,
        "the copy stops at the end of the code"
    );

    let middle = view_account(&mut chain, program, evm, 3, 4);
    assert_eq!(middle.code, &RETURNS_42[3..7]);
    let at_end = view_account(&mut chain, program, evm, 10, 4);
    assert!(at_end.code.is_empty());
    let past_end = view_account(&mut chain, program, evm, 1_000, 4);
    assert!(past_end.code.is_empty());
    let tail = view_account(&mut chain, program, evm, 8, 32);
    assert_eq!(tail.code, &RETURNS_42[8..]);

    // A Stylus program's code is its deployed `EF F0 00 ‖ …` bytes.
    let deployed = chain.code(program);
    let own = view_account(&mut chain, program, program, 0, 64);
    assert_eq!(own.codehash, keccak256(&deployed));
    assert_eq!(own.code_size as usize, deployed.len());
    assert_eq!(own.code, &deployed[..64.min(deployed.len())]);
    assert_eq!(&own.code[..3], &[0xEF, 0xF0, 0x00]);
}

#[test]
fn codehash_follows_eip_1052_as_revm_does() {
    // revm's EXTCODEHASH returns zero for an *empty* account (EIP-161: no code, nonce 0,
    // balance 0, which includes accounts that do not exist) and the account's code hash
    // otherwise, so an existing account without code has keccak256("").
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, ACCOUNT_WAT);

    let missing = Address::repeat_byte(0x42);
    let view = view_account(&mut chain, program, missing, 0, 32);
    assert_eq!(view.balance, U256::ZERO);
    assert_eq!(view.codehash, B256::ZERO, "non-existent account");
    assert_eq!(view.code_size, 0);
    assert!(view.code.is_empty());

    let alice = view_account(&mut chain, program, ALICE, 0, 32);
    assert_eq!(alice.codehash, KECCAK_EMPTY, "funded EOA");
    assert_eq!(alice.code_size, 0);
    assert_eq!(alice.balance, chain.balance(ALICE));

    // An unfunded EOA that has sent a transaction (base fee 0) has nonce 1: not empty.
    let carol = Address::repeat_byte(0xC4);
    let sent = chain
        .call(carol, BOB, U256::ZERO, Bytes::new(), 100_000)
        .unwrap();
    assert!(sent.success);
    assert_eq!(chain.nonce(carol), 1);
    assert_eq!(chain.balance(carol), U256::ZERO);
    let carol_view = view_account(&mut chain, program, carol, 0, 32);
    assert_eq!(carol_view.codehash, KECCAK_EMPTY, "nonce-only account");

    // A precompile with no balance is an empty account too.
    let ecrecover = view_account(&mut chain, program, Address::with_last_byte(1), 0, 32);
    assert_eq!(ecrecover.codehash, B256::ZERO);
    assert_eq!(ecrecover.code_size, 0);
}

/// Calldata: to(20) ‖ amount(32). Sends `amount` to `to`, then returns
/// `status(1) ‖ balance(self) ‖ balance(to) ‖ balance(tx.origin)`.
const PAYER_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "call_contract"
    (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "contract_address" (func $address (param i32)))
  (import "vm_hooks" "tx_origin" (func $origin (param i32)))
  (import "vm_hooks" "account_balance" (func $balance (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (i32.store8 (i32.const 1023)
      (call $call (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 20) (i64.const -1)
        (i32.const 900)))
    (call $address (i32.const 200))
    (call $origin (i32.const 300))
    (call $balance (i32.const 200) (i32.const 1024))
    (call $balance (i32.const 0) (i32.const 1056))
    (call $balance (i32.const 300) (i32.const 1088))
    (call $write_result (i32.const 1023) (i32.const 97))
    (i32.const 0)))
"#;

#[test]
fn account_balance_follows_value_transfers_within_the_transaction() {
    let mut chain = devnet();
    let payer = deploy_wat(&mut chain, PAYER_WAT);
    let payee = Address::repeat_byte(0xF0);
    let alice_before = chain.balance(ALICE);

    let outcome = chain
        .call(
            ALICE,
            payer,
            U256::from(1_000u64),
            concat(&[payee.as_slice(), &word(300)]),
            GAS,
        )
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    let out = outcome.output.as_ref();
    assert_eq!(out[0], 0, "the transfer succeeded");
    assert_eq!(U256::from_be_slice(&out[1..33]), U256::from(700), "self");
    assert_eq!(U256::from_be_slice(&out[33..65]), U256::from(300), "payee");
    // Base fee 0: ALICE paid only the value.
    assert_eq!(
        U256::from_be_slice(&out[65..97]),
        alice_before - U256::from(1_000u64),
        "tx.origin"
    );
    assert_eq!(chain.balance(payer), U256::from(700));
    assert_eq!(chain.balance(payee), U256::from(300));
    assert_eq!(chain.balance(ALICE), alice_before - U256::from(1_000u64));

    // More than the program holds: the call fails and nothing moves.
    let outcome = chain
        .call(
            ALICE,
            payer,
            U256::ZERO,
            concat(&[payee.as_slice(), &word(701)]),
            GAS,
        )
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    let out = outcome.output.as_ref();
    assert_ne!(out[0], 0, "the transfer failed");
    assert_eq!(U256::from_be_slice(&out[1..33]), U256::from(700));
    assert_eq!(U256::from_be_slice(&out[33..65]), U256::from(300));
    assert_eq!(chain.balance(payee), U256::from(300));
}

/// Calldata: address(20). Returns the ink left before, between and after two
/// `account_balance(address)` calls (3 × u64 LE); the two segments run identical code.
const ACCESS_COST_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "account_balance" (func $balance (param i32 i32)))
  (import "vm_hooks" "evm_ink_left" (func $ink (result i64)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (i64.store (i32.const 100) (call $ink))
    (call $balance (i32.const 0) (i32.const 200))
    (i64.store (i32.const 108) (call $ink))
    (call $balance (i32.const 0) (i32.const 200))
    (i64.store (i32.const 116) (call $ink))
    (call $write_result (i32.const 100) (i32.const 24))
    (i32.const 0)))
"#;

#[test]
fn account_access_is_cold_once_then_warm() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, ACCESS_COST_WAT);
    let mut extra_first_access = |account: Address| {
        let outcome = chain
            .call(ALICE, program, U256::ZERO, account.to_vec().into(), GAS)
            .unwrap();
        assert!(outcome.success, "{outcome:?}");
        let ink = |i: usize| u64_at(&outcome.output, 8 * i);
        (ink(0) - ink(1)) - (ink(1) - ink(2))
    };
    // EIP-2929: 2,600 gas cold, 100 warm → 2,500 gas = 25,000,000 ink more the first time.
    assert_eq!(extra_first_access(Address::repeat_byte(0x77)), 25_000_000);
    // tx.origin, precompiles and (EIP-3651) the coinbase are warm from the start.
    assert_eq!(extra_first_access(ALICE), 0);
    assert_eq!(extra_first_access(Address::with_last_byte(2)), 0);
    assert_eq!(extra_first_access(DevnetConfig::default().coinbase), 0);
}

// ---------------------------------------------------------------------------------------------
// transient storage
// ---------------------------------------------------------------------------------------------

/// Calldata: mode(1) ‖ value(32).
/// * mode 1: returns `tload(K)`.
/// * mode 2: `tstore(K, value)`, then reverts (`exit_early(1)`).
/// * mode 0: `tstore(K, value)`; returns `tload(K)` ‖ a re-entrant mode-1 call's result ‖ the
///   same after a re-entrant mode-2 call ‖ that mode-2 call's status (1 byte).
const TRANSIENT_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "exit_early" (func $exit (param i32)))
  (import "vm_hooks" "contract_address" (func $address (param i32)))
  (import "vm_hooks" "transient_load_bytes32" (func $tload (param i32 i32)))
  (import "vm_hooks" "transient_store_bytes32" (func $tstore (param i32 i32)))
  (import "vm_hooks" "call_contract"
    (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "read_return_data" (func $read_return (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; key K = 7 at 512; payloads [1] at 600 and [2 ‖ 0xff × 32] at 640
  (data (i32.const 543) "\07")
  (data (i32.const 600) "\01")
  (data (i32.const 640) "\02\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff")
  (func $self_call (param $data i32) (param $len i32) (result i32)
    (call $address (i32.const 700))
    (call $call (i32.const 700) (local.get $data) (local.get $len) (i32.const 800)
      (i64.const -1) (i32.const 900)))
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (block $driver
      (block $store_and_revert
        (block $load
          (br_table $driver $load $store_and_revert (i32.load8_u (i32.const 0))))
        ;; mode 1
        (call $tload (i32.const 512) (i32.const 1024))
        (call $write_result (i32.const 1024) (i32.const 32))
        (return (i32.const 0)))
      ;; mode 2
      (call $tstore (i32.const 512) (i32.const 1))
      (call $exit (i32.const 1))
      (return (i32.const 0)))
    ;; mode 0
    (call $tstore (i32.const 512) (i32.const 1))
    (call $tload (i32.const 512) (i32.const 2048))
    (drop (call $self_call (i32.const 600) (i32.const 1)))
    (drop (call $read_return (i32.const 2080) (i32.const 0) (i32.const 32)))
    (i32.store8 (i32.const 2144) (call $self_call (i32.const 640) (i32.const 33)))
    (drop (call $self_call (i32.const 600) (i32.const 1)))
    (drop (call $read_return (i32.const 2112) (i32.const 0) (i32.const 32)))
    (call $write_result (i32.const 2048) (i32.const 97))
    (i32.const 0)))
"#;

#[test]
fn transient_storage_lives_for_one_transaction_and_reverts_with_its_frame() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, TRANSIENT_WAT);
    let value = word(0xabcdef);
    let outcome = chain
        .call(ALICE, program, U256::ZERO, concat(&[&[0], &value]), GAS)
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    let out = outcome.output.as_ref();
    assert_eq!(&out[0..32], &value, "same frame");
    assert_eq!(
        &out[32..64],
        &value,
        "a re-entrant frame of the same contract"
    );
    assert_eq!(out[96], 1, "the overwriting frame reverted");
    assert_eq!(&out[64..96], &value, "its TSTORE was rolled back");
    assert_eq!(
        chain.storage(program, U256::from(7)),
        U256::ZERO,
        "not persistent"
    );

    // The next transaction starts with empty transient storage.
    let next = chain
        .call(ALICE, program, U256::ZERO, Bytes::from(vec![1]), GAS)
        .unwrap();
    assert!(next.success, "{next:?}");
    assert_eq!(next.output.as_ref(), &[0u8; 32]);
}

// ---------------------------------------------------------------------------------------------
// transaction, block and chain context; gas and ink left
// ---------------------------------------------------------------------------------------------

/// Returns `tx_origin(20) ‖ msg_sender(20) ‖ contract_address(20) ‖ tx_gas_price(32) ‖
/// block_basefee(32) ‖ block_coinbase(20) ‖ chainid ‖ block_gas_limit ‖ block_number ‖
/// block_timestamp (u64 LE each) ‖ tx_ink_price (u32 LE)`: 180 bytes.
const CONTEXT_WAT: &str = r#"
(module
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "tx_origin" (func $origin (param i32)))
  (import "vm_hooks" "msg_sender" (func $sender (param i32)))
  (import "vm_hooks" "contract_address" (func $address (param i32)))
  (import "vm_hooks" "tx_gas_price" (func $gas_price (param i32)))
  (import "vm_hooks" "block_basefee" (func $basefee (param i32)))
  (import "vm_hooks" "block_coinbase" (func $coinbase (param i32)))
  (import "vm_hooks" "chainid" (func $chainid (result i64)))
  (import "vm_hooks" "block_gas_limit" (func $gas_limit (result i64)))
  (import "vm_hooks" "block_number" (func $number (result i64)))
  (import "vm_hooks" "block_timestamp" (func $timestamp (result i64)))
  (import "vm_hooks" "tx_ink_price" (func $ink_price (result i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $origin (i32.const 0))
    (call $sender (i32.const 20))
    (call $address (i32.const 40))
    (call $gas_price (i32.const 60))
    (call $basefee (i32.const 92))
    (call $coinbase (i32.const 124))
    (i64.store (i32.const 144) (call $chainid))
    (i64.store (i32.const 152) (call $gas_limit))
    (i64.store (i32.const 160) (call $number))
    (i64.store (i32.const 168) (call $timestamp))
    (i32.store (i32.const 176) (call $ink_price))
    (call $write_result (i32.const 0) (i32.const 180))
    (i32.const 0)))
"#;

#[test]
fn context_hostios_report_the_transaction_block_and_chain() {
    let coinbase = Address::repeat_byte(0xC0);
    let config = DevnetConfig {
        chain_id: 31_337,
        base_fee: 7,
        block_gas_limit: 40_000_000,
        coinbase,
        block_number: 100,
        timestamp: 1_800_000_000,
        ..DevnetConfig::default()
    };
    let mut chain = Devnet::with_config(config.clone());
    chain.fund(ALICE, U256::from(10u64).pow(U256::from(20u64)));
    let program = deploy_wat(&mut chain, CONTEXT_WAT);
    let proxy = deploy_evm(&mut chain, &evm_proxy(program));

    let observe = |chain: &mut Devnet| {
        let outcome = chain
            .call(ALICE, proxy, U256::ZERO, Bytes::new(), GAS)
            .unwrap();
        assert!(outcome.success, "{outcome:?}");
        assert_eq!(outcome.output.len(), 180);
        outcome.output
    };

    let out = observe(&mut chain);
    assert_eq!(&out[0..20], ALICE.as_slice(), "tx_origin");
    assert_eq!(&out[20..40], proxy.as_slice(), "msg_sender");
    assert_eq!(&out[40..60], program.as_slice(), "contract_address");
    assert_eq!(
        &out[60..92],
        &word(7),
        "tx_gas_price = the base fee the devnet charges"
    );
    assert_eq!(&out[92..124], &word(config.base_fee), "block_basefee");
    assert_eq!(&out[124..144], coinbase.as_slice(), "block_coinbase");
    assert_eq!(u64_at(&out, 144), chain.chain_id(), "chainid");
    assert_eq!(u64_at(&out, 144), 31_337);
    assert_eq!(u64_at(&out, 152), 40_000_000, "block_gas_limit");
    assert_eq!(u64_at(&out, 160), 100, "block_number");
    assert_eq!(u64_at(&out, 168), 1_800_000_000, "block_timestamp");
    assert_eq!(u32_at(&out, 176), 10_000, "tx_ink_price");

    chain.set_block_number(12_345);
    chain.set_block_timestamp(1_900_000_000);
    let out = observe(&mut chain);
    assert_eq!(u64_at(&out, 160), chain.block_number());
    assert_eq!(u64_at(&out, 160), 12_345);
    assert_eq!(u64_at(&out, 168), 1_900_000_000);

    chain.advance_block(12);
    let out = observe(&mut chain);
    assert_eq!(u64_at(&out, 160), 12_346);
    assert_eq!(u64_at(&out, 168), 1_900_000_012);
    assert_eq!(u64_at(&out, 168), chain.block_timestamp());
}

#[test]
fn default_chain_context_matches_the_default_config() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, CONTEXT_WAT);
    let outcome = chain
        .call(BOB, program, U256::ZERO, Bytes::new(), GAS)
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    let out = outcome.output.as_ref();
    let config = DevnetConfig::default();
    assert_eq!(&out[0..20], BOB.as_slice(), "tx_origin");
    assert_eq!(&out[20..40], BOB.as_slice(), "msg_sender");
    assert_eq!(&out[60..92], &[0u8; 32], "tx_gas_price");
    assert_eq!(&out[92..124], &[0u8; 32], "block_basefee");
    assert_eq!(&out[124..144], config.coinbase.as_slice());
    assert_eq!(u64_at(out, 144), chain.chain_id());
    assert_eq!(u64_at(out, 144), stylus_devnet::DEFAULT_CHAIN_ID);
    assert_eq!(u64_at(out, 152), stylus_devnet::ARBITRUM_BLOCK_GAS_LIMIT);
    assert_eq!(u64_at(out, 160), config.block_number);
    assert_eq!(u64_at(out, 168), config.timestamp);
}

/// Returns `evm_gas_left, evm_ink_left, evm_gas_left, evm_ink_left` (u64 LE each).
const GAS_LEFT_WAT: &str = r#"
(module
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "evm_gas_left" (func $gas (result i64)))
  (import "vm_hooks" "evm_ink_left" (func $ink (result i64)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (i64.store (i32.const 0) (call $gas))
    (i64.store (i32.const 8) (call $ink))
    (i64.store (i32.const 16) (call $gas))
    (i64.store (i32.const 24) (call $ink))
    (call $write_result (i32.const 0) (i32.const 32))
    (i32.const 0)))
"#;

/// EVM runtime: CALLs `target` with exactly 200,000 gas and returns its return data.
fn evm_call_with_200k_gas(target: Address) -> Vec<u8> {
    let mut code = vec![
        0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60,
        0x00, // ret 0,0 args 0,0 value 0
        0x73, // PUSH20 target
    ];
    code.extend_from_slice(target.as_slice());
    code.extend_from_slice(&[
        0x62, 0x03, 0x0d, 0x40, // PUSH3 200000
        0xf1, 0x50, // CALL POP
        0x3d, 0x60, 0x00, 0x60, 0x00, 0x3e, // RETURNDATACOPY(0, 0, size)
        0x3d, 0x60, 0x00, 0xf3, // RETURN(0, size)
    ]);
    code
}

#[test]
fn gas_and_ink_left_decrease_and_track_the_gas_limit() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, GAS_LEFT_WAT);
    let run = |chain: &mut Devnet, gas_limit: u64| {
        let outcome = chain
            .simulate(ALICE, program, U256::ZERO, Bytes::new(), gas_limit)
            .unwrap();
        assert!(outcome.success, "{outcome:?}");
        let out = outcome.output.to_vec();
        let values = [0, 1, 2, 3].map(|i| u64_at(&out, 8 * i));
        (values, outcome.gas_used)
    };

    let ([gas1, ink1, gas2, ink2], gas_used) = run(&mut chain, GAS);
    assert!(
        gas1 < GAS - 21_000,
        "below the limit minus intrinsic gas: {gas1}"
    );
    assert!(gas2 < gas1 && ink2 < ink1);
    // Each reading is taken after its own 8,400-ink charge; gas is ink / 10,000 rounded down.
    assert!(ink1 + 8_400 < (gas1 + 1) * 10_000, "{ink1} vs {gas1}");
    assert!(gas2 * 10_000 + 8_400 <= ink1, "{gas2} vs {ink1}");
    assert!(ink2 + 8_400 < (gas2 + 1) * 10_000);
    assert!(
        gas_used >= GAS - gas2,
        "the transaction used at least what the program saw go"
    );

    // A smaller gas limit shifts every reading by exactly the difference.
    let ([less_gas1, less_ink1, ..], _) = run(&mut chain, GAS - 1_000_000);
    assert_eq!(gas1 - less_gas1, 1_000_000);
    assert_eq!(ink1 - less_ink1, 1_000_000 * 10_000);

    // Called with 200,000 gas, the program starts with that minus its entry cost (uncached:
    // 352 + cachedCost + 8,832 + initCost; its one page is free) and a few thousand ink of code.
    let entry = chain
        .program_info(program)
        .unwrap()
        .report
        .entry
        .call_gas(false);
    assert!(entry > 352 + 8_832, "{entry}");
    let caller = deploy_evm(&mut chain, &evm_call_with_200k_gas(program));
    let outcome = chain
        .simulate(ALICE, caller, U256::ZERO, Bytes::new(), GAS)
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    let nested_gas = u64_at(&outcome.output, 0);
    assert!(nested_gas < 200_000 - entry, "{nested_gas}");
    assert!(nested_gas > 200_000 - entry - 10, "{nested_gas}");
}

// ---------------------------------------------------------------------------------------------
// return_data_size / read_return_data
// ---------------------------------------------------------------------------------------------

/// Calldata: target(20) ‖ offset(u32 LE) ‖ size(u32 LE) ‖ payload. Returns
/// `size before any call ‖ return_data_len written by the call ‖ return_data_size ‖ copied`
/// (u32 LE each) ‖ the 64-byte destination buffer, pre-filled with 0xee.
const RETURN_DATA_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "call_contract"
    (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "return_data_size" (func $return_size (result i32)))
  (import "vm_hooks" "read_return_data" (func $read_return (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 2064) "\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee\ee")
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (i32.store (i32.const 2048) (call $return_size))
    (drop (call $call (i32.const 0) (i32.const 28) (i32.sub (local.get $len) (i32.const 28))
      (i32.const 1024) (i64.const -1) (i32.const 2052)))
    (i32.store (i32.const 2056) (call $return_size))
    (i32.store (i32.const 2060)
      (call $read_return (i32.const 2064) (i32.load (i32.const 20)) (i32.load (i32.const 24))))
    (call $write_result (i32.const 2048) (i32.const 80))
    (i32.const 0)))
"#;

#[test]
fn read_return_data_copies_the_overlap_and_never_fails() {
    let mut chain = devnet();
    let echo = deploy_wat(&mut chain, ECHO_WAT);
    let program = deploy_wat(&mut chain, RETURN_DATA_WAT);
    let payload: Vec<u8> = (0..32).collect();
    let mut read = |offset: u32, size: u32| {
        let args = concat(&[
            echo.as_slice(),
            &offset.to_le_bytes(),
            &size.to_le_bytes(),
            &payload,
        ]);
        let outcome = chain.call(ALICE, program, U256::ZERO, args, GAS).unwrap();
        assert!(outcome.success, "offset {offset} size {size}: {outcome:?}");
        let out = outcome.output.to_vec();
        assert_eq!(u32_at(&out, 0), 0, "no return data before the first call");
        assert_eq!(u32_at(&out, 4), 32, "return_data_len written by the call");
        assert_eq!(u32_at(&out, 8), 32, "return_data_size");
        (u32_at(&out, 12), out[16..].to_vec())
    };
    let filled = |bytes: &[u8]| {
        let mut buffer = vec![0xee; 64];
        buffer[..bytes.len()].copy_from_slice(bytes);
        buffer
    };

    assert_eq!(read(0, 32), (32, filled(&payload)));
    assert_eq!(
        read(0, 64),
        (32, filled(&payload)),
        "size past the end is cut"
    );
    assert_eq!(read(30, 10), (2, filled(&payload[30..])));
    assert_eq!(read(5, 3), (3, filled(&payload[5..8])));
    assert_eq!(read(0, 0), (0, filled(&[])));
    assert_eq!(
        read(32, 10),
        (0, filled(&[])),
        "offset at the end copies nothing"
    );
    assert_eq!(
        read(1_000, 10),
        (0, filled(&[])),
        "offset past the end copies nothing"
    );
    assert_eq!(read(u32::MAX, u32::MAX), (0, filled(&[])), "no overflow");
}

#[test]
fn return_data_of_a_reverted_call_is_its_revert_data() {
    let mut chain = devnet();
    // Runtime that reverts with "oops".
    let reverter = deploy_evm(&mut chain, REVERTS_OOPS);
    let program = deploy_wat(&mut chain, RETURN_DATA_WAT);
    let args = concat(&[
        reverter.as_slice(),
        &0u32.to_le_bytes(),
        &8u32.to_le_bytes(),
    ]);
    let outcome = chain.call(ALICE, program, U256::ZERO, args, GAS).unwrap();
    assert!(outcome.success, "{outcome:?}");
    let out = outcome.output.as_ref();
    assert_eq!(u32_at(out, 4), 4);
    assert_eq!(u32_at(out, 8), 4);
    assert_eq!(u32_at(out, 12), 4);
    assert_eq!(&out[16..20], b"oops");
    assert_eq!(out[20], 0xee);
}

// ---------------------------------------------------------------------------------------------
// exit_early
// ---------------------------------------------------------------------------------------------

/// Calldata: status(1). Writes slot 0 = 1 (flushed), writes the result "early", calls
/// `exit_early(status)`; the code after it (slot 0 = 2, result "late") must never run.
const EXIT_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "exit_early" (func $exit (param i32)))
  (import "vm_hooks" "storage_cache_bytes32" (func $cache (param i32 i32)))
  (import "vm_hooks" "storage_flush_cache" (func $flush (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "early")
  (data (i32.const 96) "late")
  (data (i32.const 159) "\01")
  (data (i32.const 191) "\02")
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (call $cache (i32.const 256) (i32.const 128))
    (call $flush (i32.const 0))
    (call $write_result (i32.const 64) (i32.const 5))
    (call $exit (i32.load8_u (i32.const 0)))
    (call $cache (i32.const 256) (i32.const 160))
    (call $flush (i32.const 0))
    (call $write_result (i32.const 96) (i32.const 4))
    (i32.const 0)))
"#;

#[test]
fn exit_early_zero_returns_the_written_result_and_nonzero_reverts_with_it() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, EXIT_WAT);

    let ok = chain
        .call(ALICE, program, U256::ZERO, Bytes::from(vec![0]), GAS)
        .unwrap();
    assert!(ok.success, "{ok:?}");
    assert_eq!(ok.output.as_ref(), b"early");
    assert_eq!(
        chain.storage(program, U256::ZERO),
        U256::from(1),
        "nothing after the exit ran"
    );

    chain.set_storage(program, U256::ZERO, U256::ZERO);
    for status in [1u8, 7, 255] {
        let reverted = chain
            .call(ALICE, program, U256::ZERO, Bytes::from(vec![status]), GAS)
            .unwrap();
        assert_eq!(reverted.status, CallStatus::Revert, "status {status}");
        assert_eq!(reverted.output.as_ref(), b"early");
        assert!(reverted.gas_used < GAS, "a revert keeps the unused gas");
        assert_eq!(
            chain.storage(program, U256::ZERO),
            U256::ZERO,
            "flushed write undone"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// emit_log
// ---------------------------------------------------------------------------------------------

/// Calldata: topics(1) ‖ buffer. Writes the result [topics], then `emit_log(buffer, topics)`.
const LOG_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "emit_log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (call $write_result (i32.const 0) (i32.const 1))
    (call $log (i32.const 1) (i32.sub (local.get $len) (i32.const 1))
      (i32.load8_u (i32.const 0)))
    (i32.const 0)))
"#;

#[test]
fn emit_log_splits_topics_from_data_exactly() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, LOG_WAT);
    let mut emit = |topics: u8, buffer: &[u8]| {
        chain
            .call(
                ALICE,
                program,
                U256::ZERO,
                concat(&[&[topics], buffer]),
                GAS,
            )
            .unwrap()
    };

    let outcome = emit(0, b"hello, log0");
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(outcome.logs.len(), 1);
    assert_eq!(outcome.logs[0].address, program);
    assert!(outcome.logs[0].topics().is_empty());
    assert_eq!(outcome.logs[0].data.data.as_ref(), b"hello, log0");

    let topics: Vec<B256> = (1..=4u8).map(|i| B256::repeat_byte(i * 0x11)).collect();
    let topic_bytes: Vec<u8> = topics.iter().flat_map(|t| t.0).collect();
    let outcome = emit(4, &[&topic_bytes[..], b"tail"].concat());
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(outcome.logs.len(), 1);
    assert_eq!(outcome.logs[0].topics(), topics.as_slice());
    assert_eq!(outcome.logs[0].data.data.as_ref(), b"tail");

    let outcome = emit(4, &topic_bytes);
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(outcome.logs[0].topics(), topics.as_slice());
    assert!(outcome.logs[0].data.data.is_empty());

    let outcome = emit(0, &[]);
    assert!(outcome.success, "{outcome:?}");
    assert!(outcome.logs[0].topics().is_empty());
    assert!(outcome.logs[0].data.data.is_empty());

    // Five topics break the EVM's rule: the frame reverts with empty output, no log.
    let five = [&topic_bytes[..], &[0x55; 32]].concat();
    let outcome = emit(5, &five);
    assert_eq!(outcome.status, CallStatus::Revert);
    assert!(outcome.output.is_empty(), "the written result is dropped");
    assert!(outcome.logs.is_empty());

    // So does a buffer shorter than its topics.
    let outcome = emit(2, &[0u8; 40]);
    assert_eq!(outcome.status, CallStatus::Revert);
    assert!(outcome.logs.is_empty());
}
