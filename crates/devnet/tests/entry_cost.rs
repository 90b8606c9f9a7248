//! Program entry is charged as Nitro charges it: `352 + cachedCost` on every call, plus
//! `8,832 + initCost` while the program is not cached; a program is cached when placed in the
//! cache, or (ArbOS 60+) when it was called before in the same block.

mod common;

use common::{deploy_wat, devnet, ALICE, ECHO_WAT, GAS};
use stylus_devnet::{Address, Bytes, Devnet, DevnetConfig, DevnetError, U256};

fn gas_of_call(chain: &mut Devnet, program: Address) -> u64 {
    let outcome = chain
        .call(ALICE, program, U256::ZERO, Bytes::from_static(b"hi"), GAS)
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    outcome.gas_used
}

/// `8,832 + initCost` of the program at `program`.
fn uncached_extra(chain: &Devnet, program: Address) -> u64 {
    let entry = chain.program_info(program).unwrap().report.entry;
    entry.call_gas(false) - entry.call_gas(true)
}

#[test]
fn a_fresh_program_is_uncached_until_called_again_in_the_same_block() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, ECHO_WAT);
    chain.advance_block(1);
    let first = gas_of_call(&mut chain, program);
    let second = gas_of_call(&mut chain, program);
    assert_eq!(first - second, uncached_extra(&chain, program));
    assert!(uncached_extra(&chain, program) > 8_832);
    // A new block forgets it.
    chain.advance_block(1);
    assert_eq!(gas_of_call(&mut chain, program), first);
}

#[test]
fn before_arbos_60_only_the_cache_counts() {
    let mut chain = Devnet::with_config(DevnetConfig {
        arbos_version: 50,
        ..DevnetConfig::default()
    });
    chain.fund(ALICE, U256::from(10u64).pow(U256::from(20u64)));
    let program = deploy_wat(&mut chain, ECHO_WAT);
    let first = gas_of_call(&mut chain, program);
    assert_eq!(gas_of_call(&mut chain, program), first);
    assert!(!chain.is_cached(program));
    chain.cache_program(program).unwrap();
    assert!(chain.is_cached(program));
    let cached = gas_of_call(&mut chain, program);
    assert_eq!(first - cached, uncached_extra(&chain, program));
    chain.evict_program(program).unwrap();
    assert_eq!(gas_of_call(&mut chain, program), first);
}

#[test]
fn a_simulation_leaves_the_block_s_recent_programs_alone() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, ECHO_WAT);
    chain.advance_block(1);
    let simulated = chain
        .simulate(ALICE, program, U256::ZERO, Bytes::from_static(b"hi"), GAS)
        .unwrap();
    let first = gas_of_call(&mut chain, program);
    assert_eq!(
        simulated.gas_used, first,
        "the simulation paid the uncached entry too"
    );
}

#[test]
fn only_activated_programs_can_be_cached() {
    let mut chain = devnet();
    let nobody = Address::repeat_byte(0x77);
    assert!(matches!(
        chain.cache_program(nobody),
        Err(DevnetError::NotActivated { address }) if address == nobody
    ));
}

/// Returns 64 bytes of memory from address 1,000, where two data segments (with a run of
/// zeros and a tail shorter than a word) and one byte the program writes itself lie.
const DATA_WAT: &str = r#"
(module
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 1000) "\01\02\03\04\05\06\07\08\00\00\00\00\00\00\00\00\ff\fe\fd")
  (data (i32.const 1030) "tail!")
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (i32.store8 (i32.const 1063) (i32.const 42))
    (call $write_result (i32.const 1000) (i32.const 64))
    (i32.const 0)))
"#;

#[test]
fn data_moved_into_code_leaves_memory_as_the_segments_did_and_costs_less_to_enter() {
    let wasm = common::wat(DATA_WAT);
    let inlined = stylus_check::inline_data_segments(&wasm).unwrap();
    let mut chain = devnet();
    let original = chain.deploy_wasm(ALICE, &wasm).unwrap();
    let moved = chain.deploy_wasm(ALICE, &inlined).unwrap();
    let run = |chain: &mut Devnet, program| {
        let outcome = chain
            .call(ALICE, program, U256::ZERO, Bytes::new(), GAS)
            .unwrap();
        assert!(outcome.success, "{outcome:?}");
        outcome.output
    };
    let expected = run(&mut chain, original);
    assert_eq!(expected[..3], [1, 2, 3]);
    assert_eq!(&expected[30..35], b"tail!");
    assert_eq!(expected[63], 42);
    assert_eq!(run(&mut chain, moved), expected);
    let before = chain.program_info(original).unwrap().report.entry;
    let after = chain.program_info(moved).unwrap().report.entry;
    assert_eq!(after.inputs.data_len, 0);
    assert!(before.inputs.data_len > 20);
    assert!(after.call_gas(true) < before.call_gas(true));
}

#[test]
fn reverting_to_a_snapshot_restores_the_block_s_recent_programs_and_the_cache() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, ECHO_WAT);
    chain.advance_block(1);
    let snapshot = chain.snapshot();
    let first = gas_of_call(&mut chain, program);
    chain.cache_program(program).unwrap();
    chain.revert_to(&snapshot);
    assert!(!chain.is_cached(program));
    assert_eq!(gas_of_call(&mut chain, program), first, "uncached again");
}
