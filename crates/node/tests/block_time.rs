//! `--block-time`: transactions execute at once into the pending block, whose receipt appears
//! when the block is sealed on the interval; empty blocks are sealed too.

mod common;

use std::time::{Duration, Instant};

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, Signature, TxKind, U256};
use alloy_provider::Provider;
use devnet_node::{dev_accounts, Node, NodeConfig, CHAIN_ID, DEFAULT_BASE_FEE};

#[tokio::test]
async fn transactions_wait_in_the_pending_block_until_the_interval_seals_it() {
    let node = Node::start(NodeConfig {
        block_time: Some(Duration::from_secs(1)),
        ..NodeConfig::ephemeral()
    })
    .await
    .unwrap();
    let sender = &dev_accounts()[2];
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce: 0,
        gas_limit: 21_000,
        max_fee_per_gas: u128::from(DEFAULT_BASE_FEE),
        max_priority_fee_per_gas: 0,
        to: TxKind::Call(Address::repeat_byte(0x42)),
        value: U256::from(5),
        access_list: Default::default(),
        input: Bytes::new(),
    };
    let signature: Signature = sender
        .key
        .sign_prehash_recoverable(tx.signature_hash().as_slice())
        .unwrap()
        .into();
    let raw = TxEnvelope::from(tx.into_signed(signature)).encoded_2718();

    // Sent and inspected in one job on the chain thread: no seal can come in between.
    let (hash, latest, pending) = node
        .chain()
        .run(move |state| {
            let hash = state.send_raw_transaction(&raw).unwrap();
            let shown = state.store.transaction(hash).unwrap().rpc_transaction();
            let pending = shown.block_hash.is_none() && shown.block_number.is_none();
            (hash, state.latest_number(), pending)
        })
        .await
        .unwrap();
    assert!(pending, "not sealed before the interval");
    let client = common::reader(&node);
    let seen = client.get_transaction_by_hash(hash).await.unwrap().unwrap();
    if seen.block_hash.is_none() {
        assert_eq!(
            seen.block_number, None,
            "a pending transaction has no block yet"
        );
    }
    // Its effects are already in the state the node answers from.
    assert_eq!(
        client
            .get_balance(Address::repeat_byte(0x42))
            .await
            .unwrap(),
        U256::from(5)
    );

    let deadline = Instant::now() + Duration::from_secs(10);
    let receipt = loop {
        if let Some(receipt) = client.get_transaction_receipt(hash).await.unwrap() {
            break receipt;
        }
        assert!(Instant::now() < deadline, "sealed within the interval");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(receipt.block_number, Some(latest + 1));
    // Empty blocks keep coming.
    while client.get_block_number().await.unwrap() < latest + 2 {
        assert!(Instant::now() < deadline, "an empty block is sealed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let empty = client
        .get_block_by_number((latest + 2).into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(empty.transactions.len(), 0);
    node.stop().await;
}
