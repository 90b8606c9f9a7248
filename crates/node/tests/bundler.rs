//! The bundler methods end to end: a session op built and signed with the SDK, estimated
//! through the module's dummy-signature path, sent, included and receipted; refusals with
//! ERC-7769's codes (-32500 with the AA code and the module's typed error, -32507 for a bad
//! signature, -32502 for an ERC-7562 violation, -32503 out of the window, -32602 for invalid
//! fields), each leaving the chain as it was; and the SDK's own `ChainClient` driving an op.

mod common;

use alloy_eips::BlockNumberOrTag;
use alloy_network::TransactionBuilder;
use alloy_primitives::aliases::U192;
use alloy_primitives::{address, Address, Bytes, B256, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::erc4337::UserOperationReceipt;
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::{SolCall, SolError, SolEvent};
use devnet_fixtures::bindings::{IEntryPointV07, TestToken};
use devnet_node::error::{
    AA_REJECTED, INVALID_PARAMS, OPCODE_RULE_VIOLATION, OUT_OF_TIME_RANGE, SIGNATURE_FAILED,
};
use devnet_node::{dev_accounts, Node, CHAIN_ID};
use serde_json::{json, Value};
use sessionkey_policy::{Limit, TokenLimit};
use sessionkey_sdk::account_calls::{self, ISessionKeyValidator};
use sessionkey_sdk::user_op::session_user_op;
use sessionkey_sdk::{
    Call, CallBuilder, Check, EntryPoint, EntryPointVersion, GasLimits, NonceKeyLayout,
    SessionBuilder, SessionKey, UserOperation,
};

const UNIT: u128 = 1_000_000_000_000_000_000;
const ALICE: Address = address!("000000000000000000000000000000000000a71c");

/// The demo account with a session registered by its owner through a signed transaction.
struct Session {
    node: Node,
    key: SessionKey,
    account: Address,
    module: Address,
    token: Address,
    entry_point: Address,
}

/// A session valid from a minute ago for an hour.
async fn session() -> Session {
    session_valid(-60, 3600).await
}

/// A session valid from `after` to `until` seconds around the latest block's time.
async fn session_valid(after: i64, until: i64) -> Session {
    let node = common::start().await;
    let info = node.info().clone();
    let owner = common::provider(&node, &dev_accounts()[1]);
    let minter = common::provider(&node, &dev_accounts()[3]);
    let mint = TestToken::mintCall {
        to: info.demo_account,
        amount: U256::from(1000 * UNIT),
    };
    let minted = minter
        .send_transaction(
            TransactionRequest::default()
                .with_to(info.token)
                .with_input(mint.abi_encode()),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(minted.status());

    let now = owner
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap()
        .header
        .timestamp;
    let key = SessionKey::from_bytes(&[7u8; 32]).unwrap();
    let permission = SessionBuilder::new(key.address())
        .valid_between(
            now.saturating_add_signed(after),
            now.saturating_add_signed(until),
        )
        .gas_budget(Limit::Unlimited)
        .call(
            CallBuilder::function(info.token, "transfer(address to, uint256 amount)")
                .rule("amount", Check::lte(U256::from(50 * UNIT))),
        )
        .token_cap(info.token, TokenLimit::Limited(U256::from(150 * UNIT)))
        .build()
        .unwrap();
    let grant = account_calls::grant(info.module, &permission.record);
    let granted = owner
        .send_transaction(
            TransactionRequest::default()
                .with_to(info.demo_account)
                .with_input(grant),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(granted.status(), "registerSession through the account");
    Session {
        key,
        account: info.demo_account,
        module: info.module,
        token: info.token,
        entry_point: info.entry_point,
        node,
    }
}

impl Session {
    fn v07(&self) -> EntryPoint {
        EntryPoint::canonical(EntryPointVersion::V07)
    }

    async fn entry_point_nonce(&self, key: U256) -> U256 {
        let call = IEntryPointV07::getNonceCall {
            sender: self.account,
            key: U192::from(key),
        };
        let out = common::reader(&self.node)
            .call(
                TransactionRequest::default()
                    .with_to(self.entry_point)
                    .with_input(call.abi_encode()),
            )
            .await
            .unwrap();
        U256::from_be_slice(&out)
    }

    /// An unsigned session op transferring `amount` tokens to ALICE, with the next nonce of
    /// the module's lane.
    async fn transfer_op(&self, amount: u128) -> UserOperation {
        let lane = NonceKeyLayout::ValidatorInTopBytes {
            validator: self.module,
            lane: 0,
        };
        let nonce = self.entry_point_nonce(lane.key()).await;
        let transfer = TestToken::transferCall {
            to: ALICE,
            amount: U256::from(amount),
        };
        let call = Call::new(self.token, transfer.abi_encode());
        session_user_op(self.account, nonce, &[call], GasLimits::default(), None)
    }

    fn sign(&self, op: &mut UserOperation) -> B256 {
        op.sign_session(&self.key, self.module, &self.v07(), CHAIN_ID)
            .unwrap()
    }

    async fn token_balance(&self, who: Address) -> U256 {
        let call = TestToken::balanceOfCall { account: who };
        let out = common::reader(&self.node)
            .call(
                TransactionRequest::default()
                    .with_to(self.token)
                    .with_input(call.abi_encode()),
            )
            .await
            .unwrap();
        U256::from_be_slice(&out)
    }

    /// Block number, the account's module-lane nonce, its and ALICE's token balances.
    async fn chain_state(&self) -> (u64, U256, U256, U256) {
        let lane = NonceKeyLayout::ValidatorInTopBytes {
            validator: self.module,
            lane: 0,
        };
        (
            common::reader(&self.node).get_block_number().await.unwrap(),
            self.entry_point_nonce(lane.key()).await,
            self.token_balance(self.account).await,
            self.token_balance(ALICE).await,
        )
    }

    async fn send_raw(&self, op: Value, entry_point: Value) -> Value {
        common::rpc(
            &common::http(),
            &self.node,
            "eth_sendUserOperation",
            json!([op, entry_point]),
        )
        .await
    }
}

#[tokio::test]
async fn session_op_is_estimated_sent_and_receipted() {
    let s = session().await;
    let client = common::reader(&s.node);
    let supported: Vec<Address> = client
        .raw_request("eth_supportedEntryPoints".into(), ())
        .await
        .unwrap();
    assert_eq!(
        supported,
        vec![s.entry_point, s.node.info().entry_point_v08]
    );
    assert_eq!(
        supported[1].to_string(),
        "0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108"
    );

    // The dummy signature names the signer, so the module runs every policy check, then fails
    // the signature (AA24): what the estimate measures.
    let mut op = s.transfer_op(10 * UNIT).await;
    op.signature = s
        .key
        .sign_user_op_hash(&B256::ZERO, s.module)
        .to_bytes()
        .to_vec()
        .into();
    let estimate: Value = client
        .raw_request(
            "eth_estimateUserOperationGas".into(),
            (op.clone(), s.entry_point),
        )
        .await
        .unwrap();
    let gas = |field: &str| -> u128 {
        let text = estimate[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field}: {estimate}"));
        u128::from_str_radix(text.trim_start_matches("0x"), 16).unwrap()
    };
    let (verification, call, pre) = (
        gas("verificationGasLimit"),
        gas("callGasLimit"),
        gas("preVerificationGas"),
    );
    assert!((50_000..1_000_000).contains(&verification), "{estimate}");
    assert!((20_000..500_000).contains(&call), "{estimate}");
    assert!(pre > 21_000, "{estimate}");

    // Gas limits and fees may be left out of an estimate (ERC-7769): they count as zero.
    let mut bare = json!(op);
    for field in [
        "callGasLimit",
        "verificationGasLimit",
        "preVerificationGas",
        "maxFeePerGas",
        "maxPriorityFeePerGas",
    ] {
        bare.as_object_mut().unwrap().remove(field);
    }
    let bare_estimate = common::rpc(
        &common::http(),
        &s.node,
        "eth_estimateUserOperationGas",
        json!([bare, s.entry_point]),
    )
    .await;
    assert!(
        bare_estimate["result"]["verificationGasLimit"].is_string(),
        "{bare_estimate}"
    );

    op.verification_gas_limit = verification;
    op.call_gas_limit = call;
    op.pre_verification_gas = U256::from(pre);
    let hash = s.sign(&mut op);
    let sent: B256 = client
        .raw_request("eth_sendUserOperation".into(), (op.clone(), s.entry_point))
        .await
        .unwrap();
    assert_eq!(sent, hash, "the node's userOpHash is the SDK's");

    let receipt: UserOperationReceipt = client
        .raw_request("eth_getUserOperationReceipt".into(), (hash,))
        .await
        .unwrap();
    assert!(receipt.success, "{receipt:?}");
    assert_eq!(receipt.sender, s.account);
    assert_eq!(receipt.nonce, op.nonce);
    assert_eq!(receipt.entry_point, s.entry_point);
    assert!(receipt.actual_gas_used > U256::ZERO);
    let transfers: Vec<_> = receipt
        .logs
        .iter()
        .filter_map(|log| TestToken::Transfer::decode_log(&log.inner).ok())
        .collect();
    assert_eq!(transfers.len(), 1, "the op's own logs: {:?}", receipt.logs);
    assert_eq!(
        (transfers[0].from, transfers[0].to, transfers[0].value),
        (s.account, ALICE, U256::from(10 * UNIT))
    );
    assert_eq!(s.token_balance(ALICE).await, U256::from(10 * UNIT));

    // The bundle is an ordinary transaction of the bundler's EOA.
    let bundle = client
        .get_transaction_receipt(receipt.receipt.transaction_hash)
        .await
        .unwrap()
        .expect("the bundle's receipt");
    assert!(bundle.status());
    assert_eq!(bundle.from, s.node.info().bundler);
    assert_eq!(bundle.to, Some(s.entry_point));
    let event = bundle
        .inner
        .logs()
        .iter()
        .find_map(|log| IEntryPointV07::UserOperationEvent::decode_log(&log.inner).ok())
        .expect("UserOperationEvent");
    assert_eq!(event.userOpHash, hash);

    let by_hash: Value = client
        .raw_request("eth_getUserOperationByHash".into(), (hash,))
        .await
        .unwrap();
    assert_eq!(by_hash["entryPoint"], json!(s.entry_point));
    assert_eq!(by_hash["transactionHash"], json!(bundle.transaction_hash));
    assert_eq!(
        by_hash["blockNumber"],
        json!(format!("{:#x}", bundle.block_number.unwrap()))
    );
    assert_eq!(by_hash["userOperation"]["sender"], json!(s.account));
    let unknown: Option<Value> = client
        .raw_request(
            "eth_getUserOperationReceipt".into(),
            (B256::repeat_byte(1),),
        )
        .await
        .unwrap();
    assert_eq!(unknown, None);
    s.node.stop().await;
}

#[tokio::test]
async fn policy_refusal_is_32500_with_aa23_and_the_module_error() {
    let s = session().await;
    let before = s.chain_state().await;
    let mut op = s.transfer_op(60 * UNIT).await;
    s.sign(&mut op);
    let response = s.send_raw(json!(op), json!(s.entry_point)).await;
    assert_eq!(
        common::error_code(&response),
        i64::from(AA_REJECTED),
        "{response}"
    );
    assert_eq!(response["error"]["message"], json!("AA23 reverted"));
    let expected = ISessionKeyValidator::RuleFailed {
        callIndex: U256::ZERO,
        ruleIndex: U256::ZERO,
    }
    .abi_encode();
    let data = &response["error"]["data"];
    assert_eq!(data["aaCode"], json!("AA23"));
    assert_eq!(data["revertData"], json!(Bytes::from(expected)));
    assert!(
        data["moduleError"].as_str().unwrap().contains("rule"),
        "{data}"
    );
    assert_eq!(s.chain_state().await, before, "the refused op left nothing");

    // The estimate, with a dummy signature, runs the same checks and refuses the same way.
    let mut dummy = s.transfer_op(60 * UNIT).await;
    dummy.signature = s
        .key
        .sign_user_op_hash(&B256::ZERO, s.module)
        .to_bytes()
        .to_vec()
        .into();
    let estimate = common::rpc(
        &common::http(),
        &s.node,
        "eth_estimateUserOperationGas",
        json!([dummy, s.entry_point]),
    )
    .await;
    assert_eq!(
        common::error_code(&estimate),
        i64::from(AA_REJECTED),
        "{estimate}"
    );
    assert_eq!(estimate["error"]["data"]["revertData"], data["revertData"]);
    assert_eq!(s.chain_state().await, before, "the estimate left nothing");

    // A signature by another key over the right hash: AA24, ERC-7769's -32507.
    let mut op = s.transfer_op(10 * UNIT).await;
    let hash = s.sign(&mut op);
    let impostor = SessionKey::from_bytes(&[9u8; 32]).unwrap();
    let mut forged = impostor.sign_user_op_hash(&hash, s.module);
    forged.signer = s.key.address();
    op.signature = forged.to_bytes().to_vec().into();
    let response = s.send_raw(json!(op), json!(s.entry_point)).await;
    assert_eq!(
        common::error_code(&response),
        i64::from(SIGNATURE_FAILED),
        "{response}"
    );
    assert_eq!(response["error"]["message"], json!("AA24 signature error"));
    assert_eq!(s.chain_state().await, before, "the refused op left nothing");

    // The next good op is served.
    let mut op = s.transfer_op(10 * UNIT).await;
    let hash = s.sign(&mut op);
    let response = s.send_raw(json!(op), json!(s.entry_point)).await;
    assert_eq!(response["result"], json!(hash), "{response}");
    s.node.stop().await;
}

#[tokio::test]
async fn validation_reading_the_clock_is_32502() {
    let s = session().await;
    let client = common::provider(&s.node, &dev_accounts()[3]);
    // An "account" whose every call reads TIMESTAMP (OP-011) and returns validationData 0:
    // TIMESTAMP POP PUSH1 32 PUSH1 0 RETURN, deployed by init code that returns it.
    let mut initcode = vec![
        0x60, 0x07, 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3,
    ];
    initcode.extend_from_slice(&[0x42, 0x50, 0x60, 0x20, 0x60, 0x00, 0xf3]);
    let deployed = client
        .send_transaction(TransactionRequest::default().with_deploy_code(initcode))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let clock_reader = deployed.contract_address.unwrap();
    // A deposit, so EntryPoint asks the account for no prefund.
    let deposit = IEntryPointV07::depositToCall {
        account: clock_reader,
    };
    let funded = client
        .send_transaction(
            TransactionRequest::default()
                .with_to(s.entry_point)
                .with_value(U256::from(UNIT))
                .with_input(deposit.abi_encode()),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(funded.status());

    let op = UserOperation {
        sender: clock_reader,
        call_gas_limit: 100_000,
        verification_gas_limit: 200_000,
        pre_verification_gas: U256::from(50_000),
        max_fee_per_gas: 200_000_000,
        ..UserOperation::default()
    };
    let blocks = client.get_block_number().await.unwrap();
    let response = s.send_raw(json!(op), json!(s.entry_point)).await;
    assert_eq!(
        common::error_code(&response),
        i64::from(OPCODE_RULE_VIOLATION),
        "{response}"
    );
    let violations = response["error"]["data"]["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 1, "{response}");
    let rule = violations[0].as_str().unwrap();
    assert!(
        rule.starts_with("OP-011") && rule.ends_with("TIMESTAMP"),
        "{rule}"
    );
    assert_eq!(client.get_block_number().await.unwrap(), blocks);
    s.node.stop().await;
}

#[tokio::test]
async fn invalid_fields_are_32602_and_change_nothing() {
    let s = session().await;
    let before = s.chain_state().await;
    let mut good = s.transfer_op(10 * UNIT).await;
    s.sign(&mut good);
    let good = json!(good);
    let with = |field: &str, value: Value| {
        let mut op = good.clone();
        op[field] = value;
        op
    };
    let without = |field: &str| {
        let mut op = good.clone();
        op.as_object_mut().unwrap().remove(field);
        op
    };
    let ep = json!(s.entry_point);
    let cases = [
        (without("sender"), ep.clone(), "sender"),
        (with("nonce", json!("0xzz")), ep.clone(), "nonce"),
        (with("callData", json!(12)), ep.clone(), "callData"),
        (
            with("paymasterData", json!("0x1234")),
            ep.clone(),
            "without a paymaster",
        ),
        (
            with("maxPriorityFeePerGas", json!("0xffffffffff")),
            ep.clone(),
            "maxPriorityFeePerGas",
        ),
        (
            good.clone(),
            // EntryPoint v0.6 (canonical address): not served.
            json!("0x5FF137D4b0FDCD49DcA30c7CF57E578a026d2789"),
            "not supported",
        ),
        (good.clone(), json!("entry point"), "entryPoint"),
    ];
    for (op, entry_point, message) in cases {
        let response = s.send_raw(op, entry_point).await;
        assert_eq!(
            common::error_code(&response),
            i64::from(INVALID_PARAMS),
            "{response}"
        );
        let text = response["error"]["message"].as_str().unwrap();
        assert!(
            text.contains(message),
            "`{text}` should mention `{message}`"
        );
        assert_eq!(s.chain_state().await, before);
    }
    s.node.stop().await;
}

#[tokio::test]
async fn session_not_yet_valid_is_32503() {
    let s = session_valid(3600, 7200).await;
    let before = s.chain_state().await;
    let mut op = s.transfer_op(10 * UNIT).await;
    s.sign(&mut op);
    let response = s.send_raw(json!(op), json!(s.entry_point)).await;
    assert_eq!(
        common::error_code(&response),
        i64::from(OUT_OF_TIME_RANGE),
        "{response}"
    );
    assert_eq!(
        response["error"]["message"],
        json!("AA22 expired or not due")
    );
    assert_eq!(s.chain_state().await, before);
    s.node.stop().await;
}

#[tokio::test]
async fn the_sdk_chain_client_drives_a_session_op() {
    use sessionkey_sdk::rpc::{estimation_signature, http_provider, ChainClient};

    let s = session().await;
    let url = s.node.url();
    let client = ChainClient::connect(
        http_provider(&url).unwrap(),
        http_provider(&url).unwrap(),
        s.v07(),
    )
    .await
    .unwrap();
    assert_eq!(client.chain_id(), CHAIN_ID);
    let mut op = s.transfer_op(5 * UNIT).await;
    let (max_fee, tip) = client.fees().await.unwrap();
    (op.max_fee_per_gas, op.max_priority_fee_per_gas) = (max_fee, tip);
    op.signature = estimation_signature(s.key.address());
    let estimate = client.estimate(&op).await.unwrap();
    op.verification_gas_limit = estimate.verification_gas_limit;
    op.call_gas_limit = estimate.call_gas_limit;
    op.pre_verification_gas = U256::from(estimate.pre_verification_gas);
    s.sign(&mut op);
    let hash = client.send(&op).await.unwrap();
    let receipt = client
        .wait_for_receipt(
            hash,
            std::time::Duration::from_secs(30),
            std::time::Duration::from_millis(100),
        )
        .await
        .unwrap();
    assert!(receipt.success, "{receipt:?}");
    assert_eq!(receipt.user_op_hash, hash);
    assert!(
        receipt.actual_gas_cost > U256::ZERO,
        "the account paid at the base fee"
    );
    assert_eq!(s.token_balance(ALICE).await, U256::from(5 * UNIT));
    s.node.stop().await;
}
