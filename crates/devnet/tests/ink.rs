//! Stylus execution is metered in ink: more work costs more, running out halts.

mod common;

use common::{deploy_wat, devnet, ALICE, GAS};
use stylus_devnet::{Bytes, CallStatus, U256};

/// Loops `n` times, `n` = the first four calldata bytes (little-endian).
const LOOP_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $n i32)
    (call $read_args (i32.const 0))
    (local.set $n (i32.load (i32.const 0)))
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (i32.const 0)))
"#;

/// Grows memory by the first four calldata bytes' worth of pages.
const GROW_WAT: &str = r#"
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "pay_for_memory_grow" (func $pay (param i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $pay (i32.const 0))
    (call $read_args (i32.const 0))
    (drop (memory.grow (i32.load (i32.const 0))))
    (i32.const 0)))
"#;

fn le(n: u32) -> Bytes {
    n.to_le_bytes().to_vec().into()
}

#[test]
fn each_loop_iteration_costs_its_two_blocks() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, LOOP_WAT);
    let gas = |chain: &mut stylus_devnet::Devnet, n| {
        let outcome = chain
            .simulate(ALICE, program, U256::ZERO, le(n), GAS)
            .unwrap();
        assert!(outcome.success);
        outcome.gas_used
    };
    // 1,000 and 2,000 both encode as two non-zero calldata bytes, so only execution differs.
    // Per iteration: [local.get, i32.eqz, br_if] and [local.get, i32.const, i32.sub,
    // local.set, br], each with a 2,450-ink header: 1,010 + 1,121 + 2·2,450 = 7,031 ink.
    let diff = gas(&mut chain, 2_000) - gas(&mut chain, 1_000);
    assert!((703..=704).contains(&diff), "{diff}");
}

#[test]
fn running_out_of_ink_is_out_of_gas() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, LOOP_WAT);
    let limit = 200_000;
    let outcome = chain
        .call(ALICE, program, U256::ZERO, le(u32::MAX), limit)
        .unwrap();
    assert!(
        matches!(outcome.status, CallStatus::Halt { .. }),
        "{outcome:?}"
    );
    assert_eq!(outcome.gas_used, limit);
}

#[test]
fn memory_beyond_the_free_pages_costs_a_thousand_gas_a_page() {
    let mut chain = devnet();
    let program = deploy_wat(&mut chain, GROW_WAT);
    let run = |chain: &mut stylus_devnet::Devnet, pages| {
        let outcome = chain
            .simulate(ALICE, program, U256::ZERO, le(pages), GAS)
            .unwrap();
        assert!(outcome.success);
        outcome.gas_used
    };
    // 1 initial page + 1 grown = 2 pages, all free; +9 more pages cost 9 × 1,000.
    let two = run(&mut chain, 1);
    let eleven = run(&mut chain, 10);
    let diff = eleven - two;
    assert!((9_000..9_010).contains(&diff), "{diff}");
}

#[test]
fn host_calls_are_charged() {
    let mut chain = devnet();
    let program = deploy_wat(
        &mut chain,
        r#"
        (module
          (import "vm_hooks" "block_timestamp" (func $ts (result i64)))
          (memory (export "memory") 1)
          (func (export "user_entrypoint") (param $len i32) (result i32)
            (local $i i32)
            (local.set $i (i32.const 100))
            (loop $again
              (drop (call $ts))
              (local.set $i (i32.sub (local.get $i) (i32.const 1)))
              (br_if $again (local.get $i)))
            (i32.const 0)))
        "#,
    );
    let empty = deploy_wat(&mut chain, common::ECHO_WAT);
    let with_hostios = chain
        .simulate(ALICE, program, U256::ZERO, Bytes::new(), GAS)
        .unwrap();
    let baseline = chain
        .simulate(ALICE, empty, U256::ZERO, Bytes::new(), GAS)
        .unwrap();
    // 100 × 8,400 ink = 84 gas for the host calls alone.
    assert!(with_hostios.gas_used >= baseline.gas_used + 84);
}
