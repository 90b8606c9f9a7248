//! Shared test helpers: an in-process node on an ephemeral port, alloy providers with a dev
//! key, and raw JSON-RPC over HTTP for the malformed-input tests.
#![allow(dead_code)]

use std::time::Duration;

use alloy_network::EthereumWallet;
use alloy_provider::{Provider, ProviderBuilder};
use alloy_signer_local::PrivateKeySigner;
use devnet_node::{DevAccount, Node, NodeConfig};
use serde_json::Value;

/// Every HTTP request of a test gives up after this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A node on 127.0.0.1, port 0, automine.
pub async fn start() -> Node {
    Node::start(NodeConfig::ephemeral())
        .await
        .expect("the node starts (fixtures: bash scripts/fetch-fixtures.sh)")
}

/// A provider that signs with `account`'s key (alloy's recommended fillers: nonce, gas, fees,
/// chain id).
pub fn provider(node: &Node, account: &DevAccount) -> impl Provider + Clone {
    let signer = PrivateKeySigner::from_signing_key(account.key.clone());
    ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(node.url().parse().expect("url"))
}

/// A provider without a wallet.
pub fn reader(node: &Node) -> impl Provider + Clone {
    ProviderBuilder::new()
        .disable_recommended_fillers()
        .connect_http(node.url().parse().expect("url"))
}

/// An HTTP client with [`REQUEST_TIMEOUT`].
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("client")
}

/// POSTs `body` as JSON-RPC; returns the HTTP status and the body parsed as JSON (`Null` when it
/// is not JSON).
pub async fn post(client: &reqwest::Client, node: &Node, body: impl Into<String>) -> (u16, Value) {
    let response = client
        .post(node.url())
        .header("content-type", "application/json")
        .body(body.into())
        .send()
        .await
        .expect("the node answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Calls `method` with `params`; returns the whole response object.
pub async fn rpc(client: &reqwest::Client, node: &Node, method: &str, params: Value) -> Value {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let (status, value) = post(client, node, body.to_string()).await;
    assert_eq!(status, 200, "{method}: HTTP {status} {value}");
    value
}

/// The error code of a JSON-RPC response (panics when it is a result).
pub fn error_code(response: &Value) -> i64 {
    response["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("expected an error, got {response}"))
}
