//! The standard Ethereum methods through a real client: alloy's provider over HTTP, filling
//! nonce, gas (eth_estimateGas), fees (eth_feeHistory / eth_getBlockByNumber) and chain id.

mod common;

use alloy_consensus::TxType;
use alloy_eips::eip2930::{AccessList, AccessListItem};
use alloy_eips::BlockNumberOrTag;
use alloy_network::TransactionBuilder;
use alloy_primitives::{address, b256, Address, Bytes, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::state::{AccountOverride, StateOverride};
use alloy_rpc_types_eth::{Filter, TransactionRequest};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent};
use devnet_fixtures::bindings::TestToken;
use devnet_fixtures::{Fixtures, TEST_TOKEN};
use devnet_node::{dev_accounts, CHAIN_ID, DEFAULT_BASE_FEE};

fn ether(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

#[tokio::test]
async fn chain_id_balances_and_deployed_contracts() {
    let node = common::start().await;
    let client = common::reader(&node);
    assert_eq!(client.get_chain_id().await.unwrap(), CHAIN_ID);
    let nitro = address!("3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E");
    assert_eq!(client.get_balance(nitro).await.unwrap(), ether(10_000));
    for (i, account) in dev_accounts().iter().enumerate() {
        assert_eq!(
            client.get_balance(account.address).await.unwrap(),
            ether(10_000)
        );
        // Dev account 1 owns the demo account: it installed the module there.
        let sent = u64::from(i == 1);
        assert_eq!(
            client.get_transaction_count(account.address).await.unwrap(),
            sent
        );
    }
    assert_eq!(client.get_block_number().await.unwrap(), 0);
    assert_eq!(
        client.get_gas_price().await.unwrap(),
        u128::from(DEFAULT_BASE_FEE)
    );
    assert_eq!(client.get_max_priority_fee_per_gas().await.unwrap(), 0);
    let info = node.info();
    assert_eq!(
        info.entry_point,
        address!("0000000071727De22E5E9d8BAf0edAc6f37da032")
    );
    assert!(!client
        .get_code_at(info.entry_point)
        .await
        .unwrap()
        .is_empty());
    let module_code = client.get_code_at(info.module).await.unwrap();
    assert_eq!(&module_code[..3], &[0xEF, 0xF0, 0x00], "a Stylus program");
    assert_eq!(
        client
            .get_code_at(Address::repeat_byte(0x77))
            .await
            .unwrap(),
        Bytes::new()
    );
    node.stop().await;
}

/// Sends `tx` from dev account 2 to a fresh address and checks value, fee and nonce accounting,
/// the receipt's type and the block it landed in.
async fn transfer_is_mined(tx: TransactionRequest, expected: TxType, gas: u64) {
    let node = common::start().await;
    let sender = &dev_accounts()[2];
    let client = common::provider(&node, sender);
    let to = Address::repeat_byte(0x42);
    let before = client.get_balance(sender.address).await.unwrap();
    let receipt = client
        .send_transaction(tx.with_to(to).with_value(ether(1)))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
    assert_eq!(receipt.inner.tx_type(), expected);
    assert_eq!(receipt.from, sender.address);
    assert_eq!(receipt.to, Some(to));
    assert_eq!(receipt.effective_gas_price, u128::from(DEFAULT_BASE_FEE));
    let fee = U256::from(receipt.gas_used) * U256::from(DEFAULT_BASE_FEE);
    assert_eq!(receipt.gas_used, gas);
    assert_eq!(client.get_balance(to).await.unwrap(), ether(1));
    assert_eq!(
        client.get_balance(sender.address).await.unwrap(),
        before - ether(1) - fee
    );
    assert_eq!(
        client.get_transaction_count(sender.address).await.unwrap(),
        1
    );
    assert_eq!(receipt.block_number, Some(1));
    let tx = client
        .get_transaction_by_hash(receipt.transaction_hash)
        .await
        .unwrap()
        .expect("the transaction is known");
    assert_eq!(tx.inner.signer(), sender.address);
    assert_eq!(tx.block_hash, receipt.block_hash);
    let block = client
        .get_block_by_number(BlockNumberOrTag::Number(1))
        .await
        .unwrap()
        .expect("block 1");
    assert_eq!(Some(block.header.hash), receipt.block_hash);
    assert_eq!(
        block.transactions.hashes().collect::<Vec<_>>(),
        vec![receipt.transaction_hash]
    );
    node.stop().await;
}

#[tokio::test]
async fn eip1559_transfer_pays_value_and_base_fee() {
    transfer_is_mined(TransactionRequest::default(), TxType::Eip1559, 21_000).await;
}

#[tokio::test]
async fn legacy_transfer_pays_value_and_base_fee() {
    let tx = TransactionRequest::default().with_gas_price(u128::from(DEFAULT_BASE_FEE));
    transfer_is_mined(tx, TxType::Legacy, 21_000).await;
}

#[tokio::test]
async fn eip2930_transfer_pays_value_and_base_fee() {
    let list = AccessList(vec![AccessListItem {
        address: Address::repeat_byte(0x42),
        storage_keys: vec![b256!(
            "0000000000000000000000000000000000000000000000000000000000000001"
        )],
    }]);
    let tx = TransactionRequest::default()
        .with_gas_price(u128::from(DEFAULT_BASE_FEE))
        .with_access_list(list);
    // EIP-2930's intrinsic gas: 2,400 per address, 1,900 per storage key.
    transfer_is_mined(tx, TxType::Eip2930, 21_000 + 2_400 + 1_900).await;
}

#[tokio::test]
async fn contract_events_reach_receipts_logs_and_blocks() {
    let node = common::start().await;
    let deployer = &dev_accounts()[3];
    let client = common::provider(&node, deployer);
    let artifact = Fixtures::load().unwrap().artifact(TEST_TOKEN).unwrap();
    let args = TestToken::constructorCall {
        name_: "Node".into(),
        symbol_: "NODE".into(),
        decimals_: 18,
    }
    .abi_encode();
    let deployed = client
        .send_transaction(TransactionRequest::default().with_deploy_code(artifact.initcode(&args)))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(deployed.status());
    let token = deployed.contract_address.expect("a created contract");
    assert!(!client.get_code_at(token).await.unwrap().is_empty());

    let holder = Address::repeat_byte(0x55);
    let mint = TestToken::mintCall {
        to: holder,
        amount: U256::from(1234),
    };
    let receipt = client
        .send_transaction(
            TransactionRequest::default()
                .with_to(token)
                .with_input(mint.abi_encode()),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
    let logs = receipt.inner.logs();
    assert_eq!(logs.len(), 1);
    let transfer = TestToken::Transfer::decode_log(&logs[0].inner).unwrap();
    assert_eq!((transfer.to, transfer.value), (holder, U256::from(1234)));
    assert_eq!(logs[0].transaction_hash, Some(receipt.transaction_hash));
    assert_eq!(logs[0].block_number, receipt.block_number);
    assert_eq!(logs[0].log_index, Some(0));

    let by_topic = Filter::new()
        .address(token)
        .event_signature(TestToken::Transfer::SIGNATURE_HASH)
        .from_block(0);
    let found = client.get_logs(&by_topic).await.unwrap();
    assert_eq!(found, logs.to_vec());
    let block_hash = receipt.block_hash.unwrap();
    let in_block = client
        .get_logs(&Filter::new().at_block_hash(block_hash))
        .await
        .unwrap();
    assert_eq!(in_block, logs.to_vec());
    let elsewhere = Filter::new()
        .address(Address::repeat_byte(0x99))
        .from_block(0);
    assert!(client.get_logs(&elsewhere).await.unwrap().is_empty());

    let block = client
        .get_block_by_hash(block_hash)
        .full()
        .await
        .unwrap()
        .expect("the receipt's block");
    assert_eq!(Some(block.header.number), receipt.block_number);
    let txs: Vec<_> = block.transactions.txns().collect();
    assert_eq!(txs.len(), 1);
    assert_eq!(txs[0].inner.tx_hash(), &receipt.transaction_hash);
    assert!(block
        .header
        .logs_bloom
        .contains_input(alloy_primitives::BloomInput::Raw(token.as_slice())));
    let parent = client
        .get_block_by_number(BlockNumberOrTag::Number(block.header.number - 1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(block.header.parent_hash, parent.header.hash);

    let balance = client
        .call(
            TransactionRequest::default()
                .with_to(token)
                .with_input(TestToken::balanceOfCall { account: holder }.abi_encode()),
        )
        .await
        .unwrap();
    assert_eq!(U256::from_be_slice(&balance), U256::from(1234));
    node.stop().await;
}

#[tokio::test]
async fn eth_call_applies_state_overrides_and_forgets_them() {
    let node = common::start().await;
    let client = common::reader(&node);
    let probe = Address::repeat_byte(0x0C);
    // SLOAD(0) returned as a word: PUSH1 0 SLOAD PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN.
    let code = Bytes::from_static(&[
        0x60, 0x00, 0x54, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3,
    ]);
    let mut overrides = StateOverride::default();
    overrides.insert(
        probe,
        AccountOverride {
            code: Some(code),
            state_diff: Some(
                [(
                    alloy_primitives::B256::ZERO,
                    alloy_primitives::B256::with_last_byte(7),
                )]
                .into_iter()
                .collect(),
            ),
            balance: Some(ether(5)),
            ..AccountOverride::default()
        },
    );
    let out = client
        .call(TransactionRequest::default().with_to(probe))
        .overrides(overrides)
        .await
        .unwrap();
    assert_eq!(U256::from_be_slice(&out), U256::from(7));
    // Nothing stays behind.
    assert_eq!(client.get_code_at(probe).await.unwrap(), Bytes::new());
    assert_eq!(client.get_balance(probe).await.unwrap(), U256::ZERO);
    assert_eq!(
        client.get_storage_at(probe, U256::ZERO).await.unwrap(),
        U256::ZERO
    );
    let plain = client
        .call(TransactionRequest::default().with_to(probe))
        .await
        .unwrap();
    assert_eq!(plain, Bytes::new(), "no code without the override");
    node.stop().await;
}
