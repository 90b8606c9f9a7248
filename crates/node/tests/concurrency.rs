//! ~50 concurrent requests from several clients: every answer is checked, and the chain ends
//! exactly where the transfers say it must.

mod common;

use std::time::Duration;

use alloy_network::TransactionBuilder;
use alloy_primitives::{Address, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::TransactionRequest;
use devnet_node::{dev_accounts, CHAIN_ID};
use tokio::task::JoinSet;

/// Clients, each with its own connection pool and sender.
const CLIENTS: usize = 5;
/// Transfers each client sends one after the other (its nonces must stay in order).
const TRANSFERS: u64 = 3;
/// Reads each client fires at once alongside.
const READS: usize = 7;

#[tokio::test]
async fn fifty_concurrent_requests_from_five_clients_are_all_answered() {
    let node = common::start().await;
    let accounts = dev_accounts();
    let untouched = Address::repeat_byte(0x31);
    let mut tasks = JoinSet::new();
    for (c, account) in accounts.iter().take(CLIENTS).enumerate() {
        let sender = common::provider(&node, account);
        let recipient = Address::repeat_byte(0xA0 + c as u8);
        tasks.spawn(async move {
            for _ in 0..TRANSFERS {
                let tx = TransactionRequest::default()
                    .with_to(recipient)
                    .with_value(U256::from(1_000));
                let receipt = sender
                    .send_transaction(tx)
                    .await
                    .expect("sent")
                    .get_receipt()
                    .await
                    .expect("mined");
                assert!(receipt.status());
            }
        });
        for r in 0..READS {
            let reader = common::reader(&node);
            tasks.spawn(async move {
                match r % 3 {
                    0 => assert_eq!(reader.get_chain_id().await.unwrap(), CHAIN_ID),
                    1 => assert_eq!(reader.get_balance(untouched).await.unwrap(), U256::ZERO),
                    _ => {
                        let entry_point = devnet_fixtures::ENTRY_POINT_V07;
                        assert!(!reader.get_code_at(entry_point).await.unwrap().is_empty());
                    }
                }
            });
        }
    }
    assert_eq!(
        tasks.len(),
        CLIENTS * (1 + READS),
        "one task per transfer chain or read"
    );
    let all = async {
        while let Some(result) = tasks.join_next().await {
            result.expect("every answer is as expected");
        }
    };
    tokio::time::timeout(Duration::from_secs(120), all)
        .await
        .expect("every request is answered in time");

    let reader = common::reader(&node);
    let transfers = CLIENTS as u64 * TRANSFERS;
    assert_eq!(reader.get_block_number().await.unwrap(), transfers);
    for c in 0..CLIENTS {
        let recipient = Address::repeat_byte(0xA0 + c as u8);
        assert_eq!(
            reader.get_balance(recipient).await.unwrap(),
            U256::from(1_000 * TRANSFERS)
        );
    }
    node.stop().await;
}
