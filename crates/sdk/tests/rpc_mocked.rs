//! `ChainClient` against scripted answers (alloy's mock transport, no server): the checks the
//! SDK makes on what a node or bundler says, which a well-behaved local node never exercises.
#![cfg(feature = "rpc")]

use alloy_primitives::{address, Address, B256, U256};
use alloy_provider::mock::Asserter;
use alloy_provider::{ProviderBuilder, RootProvider};
use sessionkey_sdk::hash::{EntryPoint, EntryPointVersion};
use sessionkey_sdk::rpc::{ChainClient, RpcError};
use sessionkey_sdk::user_op::UserOperation;

const CHAIN: u64 = 412_346;

fn mocked(asserter: &Asserter) -> RootProvider {
    ProviderBuilder::default().connect_mocked_client(asserter.clone())
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn op() -> UserOperation {
    UserOperation {
        sender: address!("0x000000000000000000000000000000000000acc0"),
        nonce: U256::from(7),
        call_gas_limit: 100_000,
        verification_gas_limit: 200_000,
        pre_verification_gas: U256::from(50_000),
        max_fee_per_gas: 200_000_000,
        ..UserOperation::default()
    }
}

/// A client whose node and bundler answer `eth_chainId` with `CHAIN` and whose bundler serves
/// the canonical v0.7 EntryPoint.
fn client(node: &Asserter, bundler: &Asserter) -> ChainClient<RootProvider> {
    let entry_point = EntryPoint::canonical(EntryPointVersion::V07);
    node.push_success(&U256::from(CHAIN));
    bundler.push_success(&U256::from(CHAIN));
    bundler.push_success(&vec![entry_point.address]);
    block_on(ChainClient::connect(
        mocked(node),
        mocked(bundler),
        entry_point,
    ))
    .unwrap()
}

#[test]
fn send_returns_the_hash_when_the_bundler_answers_the_ops_own() {
    let (node, bundler) = (Asserter::new(), Asserter::new());
    let client = client(&node, &bundler);
    let ours = op().hash(client.entry_point(), CHAIN).expect("hashes");
    bundler.push_success(&ours);
    assert_eq!(block_on(client.send(&op())).unwrap(), ours);
}

#[test]
fn send_refuses_a_bundler_answering_another_hash() {
    let (node, bundler) = (Asserter::new(), Asserter::new());
    let client = client(&node, &bundler);
    let ours = op().hash(client.entry_point(), CHAIN).unwrap();
    let theirs = B256::repeat_byte(0x66);
    bundler.push_success(&theirs);
    match block_on(client.send(&op())) {
        Err(RpcError::Decode { method, message }) => {
            assert_eq!(method, "eth_sendUserOperation");
            assert_eq!(
                message,
                format!("the bundler answered hash {theirs}, the op's hash is {ours}")
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn connect_refuses_a_bundler_on_another_chain_or_entry_point() {
    let entry_point = EntryPoint::canonical(EntryPointVersion::V07);
    let (node, bundler) = (Asserter::new(), Asserter::new());
    node.push_success(&U256::from(CHAIN));
    bundler.push_success(&U256::from(CHAIN + 1));
    match block_on(ChainClient::connect(
        mocked(&node),
        mocked(&bundler),
        entry_point,
    )) {
        Err(RpcError::ChainMismatch { node, bundler }) => {
            assert_eq!((node, bundler), (CHAIN, CHAIN + 1))
        }
        other => panic!("expected ChainMismatch, got {:?}", other.err()),
    }

    let (node, bundler) = (Asserter::new(), Asserter::new());
    let other: Address = address!("0x0000000000000000000000000000000000000e07");
    node.push_success(&U256::from(CHAIN));
    bundler.push_success(&U256::from(CHAIN));
    bundler.push_success(&vec![other]);
    match block_on(ChainClient::connect(
        mocked(&node),
        mocked(&bundler),
        entry_point,
    )) {
        Err(RpcError::UnsupportedEntryPoint {
            entry_point: e,
            supported,
        }) => assert_eq!((e, supported), (entry_point.address, vec![other])),
        other => panic!("expected UnsupportedEntryPoint, got {:?}", other.err()),
    }
}
