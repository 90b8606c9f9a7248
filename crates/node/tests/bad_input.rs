//! Bad input never crashes the node and never changes state: each malformed request gets its
//! exact JSON-RPC error, the chain (block number, balances, nonces) is as it was, and the next
//! good request is served. Raw JSON over HTTP here, since a real client refuses to send most of
//! it.

mod common;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, Signature, TxKind, U256};
use devnet_node::error::{INVALID_PARAMS, METHOD_NOT_FOUND, TX_REJECTED};
use devnet_node::{dev_accounts, DevAccount, Node, CHAIN_ID, DEFAULT_BASE_FEE};
use serde_json::{json, Value};

const RECIPIENT: Address = Address::repeat_byte(0x42);

/// A signed EIP-1559 transfer of `value` wei to [`RECIPIENT`].
fn transfer(from: &DevAccount, nonce: u64, chain_id: u64, gas_limit: u64) -> TxEnvelope {
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit,
        max_fee_per_gas: u128::from(DEFAULT_BASE_FEE) * 2,
        max_priority_fee_per_gas: 0,
        to: TxKind::Call(RECIPIENT),
        value: U256::from(1000),
        access_list: Default::default(),
        input: Bytes::new(),
    };
    let signature: Signature = from
        .key
        .sign_prehash_recoverable(tx.signature_hash().as_slice())
        .unwrap()
        .into();
    tx.into_signed(signature).into()
}

fn raw(tx: &TxEnvelope) -> String {
    format!("0x{}", alloy_primitives::hex::encode(tx.encoded_2718()))
}

/// What must not change: block number, both parties' balances, the sender's nonce.
async fn chain_state(client: &reqwest::Client, node: &Node, sender: Address) -> Vec<Value> {
    let mut state = Vec::new();
    for (method, params) in [
        ("eth_blockNumber", json!([])),
        ("eth_getBalance", json!([sender, "latest"])),
        ("eth_getBalance", json!([RECIPIENT, "latest"])),
        ("eth_getTransactionCount", json!([sender, "latest"])),
    ] {
        let response = common::rpc(client, node, method, params).await;
        state.push(response["result"].clone());
    }
    state
}

/// Sends `body`; checks the error code (and that the message contains `message`), that
/// nothing changed, and that the node still answers.
async fn refused(
    client: &reqwest::Client,
    node: &Node,
    sender: Address,
    body: String,
    code: i64,
    message: &str,
) {
    let before = chain_state(client, node, sender).await;
    let (_, response) = common::post(client, node, body.clone()).await;
    assert_eq!(
        common::error_code(&response),
        code,
        "{body:.200} → {response}"
    );
    let text = response["error"]["message"].as_str().unwrap_or_default();
    assert!(
        text.contains(message),
        "`{text}` should mention `{message}`"
    );
    assert_eq!(
        chain_state(client, node, sender).await,
        before,
        "{body:.200}"
    );
    let next = common::rpc(client, node, "eth_chainId", json!([])).await;
    assert_eq!(next["result"], json!(format!("{CHAIN_ID:#x}")));
}

fn call(method: &str, params: Value) -> String {
    json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params}).to_string()
}

#[tokio::test]
async fn malformed_requests_get_exact_errors_and_change_nothing() {
    let node = common::start().await;
    let client = common::http();
    let sender = &dev_accounts()[2];
    let who = sender.address;
    let cases: Vec<(String, i64, &str)> = vec![
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"#.into(),
            -32700,
            "Parse error",
        ),
        ("not json at all".into(), -32700, "Parse error"),
        (
            call("eth_sendEverything", json!([])),
            i64::from(METHOD_NOT_FOUND),
            "eth_sendEverything",
        ),
        (
            call("eth_getBalance", json!([5, "latest"])),
            i64::from(INVALID_PARAMS),
            "address",
        ),
        (
            call("eth_getBalance", json!([who, "yesterday"])),
            i64::from(INVALID_PARAMS),
            "block",
        ),
        (
            call("eth_getBlockByNumber", json!(["latest", "yes"])),
            i64::from(INVALID_PARAMS),
            "full",
        ),
        (
            call("eth_sendRawTransaction", json!([12])),
            i64::from(INVALID_PARAMS),
            "transaction",
        ),
        (
            call("eth_sendRawTransaction", json!(["0xdeadbeef"])),
            i64::from(INVALID_PARAMS),
            "does not decode",
        ),
        (
            call("eth_getBalance", json!({"address": who})),
            i64::from(INVALID_PARAMS),
            "positional",
        ),
        (
            call("eth_chainId", json!([1, 2])),
            i64::from(INVALID_PARAMS),
            "at most 0",
        ),
    ];
    for (body, code, message) in cases {
        refused(&client, &node, who, body, code, message).await;
    }
    node.stop().await;
}

#[tokio::test]
async fn refused_transactions_change_nothing() {
    let node = common::start().await;
    let client = common::http();
    let sender = &dev_accounts()[2];
    let who = sender.address;

    let mut zero_s = transfer(sender, 0, CHAIN_ID, 21_000);
    if let TxEnvelope::Eip1559(signed) = &zero_s {
        let sig = Signature::new(signed.signature().r(), U256::ZERO, false);
        zero_s = signed.tx().clone().into_signed(sig).into();
    }
    let pauper = DevAccount::from_secret(alloy_primitives::B256::repeat_byte(0x66));
    let cases: Vec<(TxEnvelope, &str)> = vec![
        (zero_s, "invalid sender"),
        (transfer(sender, 1, CHAIN_ID, 21_000), "nonce too high"),
        (transfer(sender, 0, 1, 21_000), "invalid chain id"),
        (transfer(sender, 0, CHAIN_ID, 20_999), "gas"),
        (transfer(&pauper, 0, CHAIN_ID, 21_000), "funds"),
    ];
    for (tx, message) in cases {
        let body = call("eth_sendRawTransaction", json!([raw(&tx)]));
        refused(&client, &node, who, body, i64::from(TX_REJECTED), message).await;
    }

    // The good one goes through; sending it again is refused and changes nothing.
    let good = raw(&transfer(sender, 0, CHAIN_ID, 21_000));
    let sent = common::rpc(&client, &node, "eth_sendRawTransaction", json!([good])).await;
    assert!(sent["result"].is_string(), "{sent}");
    let balance = common::rpc(&client, &node, "eth_getBalance", json!([RECIPIENT])).await;
    assert_eq!(balance["result"], json!("0x3e8"));
    let again = call("eth_sendRawTransaction", json!([good]));
    refused(
        &client,
        &node,
        who,
        again,
        i64::from(TX_REJECTED),
        "already known",
    )
    .await;

    // Block 1 holds it: the state before it is not kept, and block 2 does not exist yet.
    let past = call("eth_getBalance", json!([RECIPIENT, "0x0"]));
    refused(
        &client,
        &node,
        who,
        past,
        i64::from(TX_REJECTED),
        "historical state",
    )
    .await;
    let future = call("eth_getBalance", json!([RECIPIENT, "0x2"]));
    refused(
        &client,
        &node,
        who,
        future,
        i64::from(INVALID_PARAMS),
        "does not exist",
    )
    .await;
    let latest = common::rpc(&client, &node, "eth_getBalance", json!([RECIPIENT, "0x1"])).await;
    assert_eq!(latest["result"], json!("0x3e8"));
    node.stop().await;
}

#[tokio::test]
async fn oversized_body_is_refused_before_parsing() {
    let node = common::start().await;
    let client = common::http();
    let who = dev_accounts()[0].address;
    let before = chain_state(&client, &node, who).await;
    // Just over the limit (hex: two characters a byte), so the whole body is on its way
    // before the node answers.
    let over = devnet_node::config::MAX_REQUEST_BODY_BYTES as usize / 2 + 32 * 1024;
    let huge = "00".repeat(over);
    let body = call("eth_sendRawTransaction", json!([format!("0x{huge}")]));
    let (status, response) = common::post(&client, &node, body).await;
    assert_eq!(status, 413, "{response}");
    assert_eq!(common::error_code(&response), -32007, "{response}");
    assert_eq!(chain_state(&client, &node, who).await, before);
    node.stop().await;
}

#[tokio::test]
async fn batches_answer_every_call() {
    let node = common::start().await;
    let client = common::http();
    let batch = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": 2, "method": "eth_nothing", "params": []},
        {"jsonrpc": "2.0", "id": 3, "method": "eth_getBalance", "params": ["0x12"]},
        {"jsonrpc": "2.0", "id": 4, "method": "eth_blockNumber", "params": []},
    ]);
    let (status, response) = common::post(&client, &node, batch.to_string()).await;
    assert_eq!(status, 200);
    let answers = response.as_array().expect("a batch answer");
    let by_id = |id: i64| {
        answers
            .iter()
            .find(|a| a["id"] == json!(id))
            .unwrap_or_else(|| panic!("no answer for {id}: {response}"))
    };
    assert_eq!(by_id(1)["result"], json!(format!("{CHAIN_ID:#x}")));
    assert_eq!(common::error_code(by_id(2)), i64::from(METHOD_NOT_FOUND));
    assert!(by_id(2)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("eth_nothing"));
    assert_eq!(common::error_code(by_id(3)), i64::from(INVALID_PARAMS));
    assert_eq!(by_id(4)["result"], json!("0x0"));
    node.stop().await;
}
