//! `sessionkey status`, `estimate` and `send`: the SDK's [`ChainClient`] against a node and a
//! bundler (`bash scripts/node.sh` serves both on one endpoint).

use std::time::Duration;

use alloy_primitives::{hex, U256};
use alloy_provider::RootProvider;
use serde_json::json;

use super::args::{RpcArgs, SendArgs, StatusArgs};
use super::sign::calls_of;
use super::{at, CliError, Output, EXIT_OP_FAILS};
use sessionkey_sdk::explain::{explain_revert, Context};
use sessionkey_sdk::function_book::FunctionBook;
use sessionkey_sdk::hash::EntryPoint;
use sessionkey_sdk::key::SessionSigner;
use sessionkey_sdk::rpc::{http_provider, ChainClient, RpcError};
use sessionkey_sdk::user_op::{session_user_op, GasLimits, NonceKeyLayout, UserOperation};

/// Generous limits for the estimate itself (the bundler replaces them).
const ESTIMATION_LIMITS: GasLimits = GasLimits {
    verification_gas_limit: 1_000_000,
    call_gas_limit: 1_000_000,
    pre_verification_gas: 100_000,
    max_fee_per_gas: 0,
    max_priority_fee_per_gas: 0,
};

/// How often `send` asks for the receipt.
const RECEIPT_POLL: Duration = Duration::from_millis(250);

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(at("runtime"))
}

fn entry_point(a: &RpcArgs) -> EntryPoint {
    let mut ep = EntryPoint::canonical(a.entry_point);
    if let Some(address) = a.entry_point_address {
        ep.address = address;
    }
    ep
}

/// An RPC failure as one line, with a bundler's refusal explained from its revert data.
fn rpc_error(e: RpcError, module: alloy_primitives::Address) -> CliError {
    let book = FunctionBook::standard();
    let ctx = Context {
        module: Some(module),
        ..Context::bare(&book)
    };
    match e.revert_data().and_then(|d| explain_revert(&d, &ctx)) {
        Some((name, words)) => CliError::new(format!("{e} — {name}: {words}")),
        None => CliError::new(e.to_string()),
    }
}

pub(super) fn status(a: StatusArgs) -> Result<Output, CliError> {
    let node = http_provider(&a.rpc.rpc).map_err(at("--rpc"))?;
    let ep = entry_point(&a.rpc);
    let (state, now) = runtime()?
        .block_on(async {
            let client = ChainClient::connect_node(node, ep).await?;
            client
                .session_state(a.module, a.account, a.signer, &a.tokens)
                .await
        })
        .map_err(|e| rpc_error(e, a.module))?;
    let text = format!(
        "account {}\nsigner  {}\n{}",
        a.account.to_checksum(None),
        a.signer.to_checksum(None),
        state.to_text(now)
    );
    let mut json = state.to_json(now);
    json["account"] = json!(a.account.to_checksum(None));
    json["signer"] = json!(a.signer.to_checksum(None));
    json["module"] = json!(a.module.to_checksum(None));
    Ok(Output::ok(text, json))
}

/// A session op of `a` with the chain's nonce and fees, carrying the estimation signature.
async fn build(
    a: &SendArgs,
    client: &ChainClient<RootProvider>,
    signer: &SessionSigner,
) -> Result<UserOperation, CliError> {
    let calls = calls_of(&a.calls)?;
    let key = NonceKeyLayout::ValidatorInTopBytes {
        validator: a.session.module,
        lane: a.lane,
    }
    .key();
    let nonce = client
        .nonce(a.session.account, key)
        .await
        .map_err(|e| rpc_error(e, a.session.module))?;
    let (max_fee, tip) = match (a.gas.max_fee_per_gas, a.gas.max_priority_fee_per_gas) {
        (Some(fee), Some(tip)) => (fee, tip),
        (fee, tip) => {
            let (f, t) = client
                .fees()
                .await
                .map_err(|e| rpc_error(e, a.session.module))?;
            (fee.unwrap_or(f), tip.unwrap_or(t))
        }
    };
    let limits = GasLimits {
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: tip,
        ..ESTIMATION_LIMITS
    };
    let mut op = session_user_op(a.session.account, nonce, &calls, limits, None);
    // The stand-in has the signer kind's shape, so the bundler charges real validation.
    op.signature = signer.estimation_signature();
    Ok(op)
}

async fn connect(a: &SendArgs) -> Result<ChainClient<RootProvider>, CliError> {
    let node = http_provider(&a.rpc.rpc).map_err(at("--rpc"))?;
    let bundler_url = a.bundler.as_deref().unwrap_or(&a.rpc.rpc);
    let bundler = http_provider(bundler_url).map_err(at("--bundler"))?;
    ChainClient::connect(node, bundler, entry_point(&a.rpc))
        .await
        .map_err(|e| rpc_error(e, a.session.module))
}

pub(super) fn estimate(a: SendArgs) -> Result<Output, CliError> {
    let key = a.session.load_key()?;
    let (op, estimate) = runtime()?.block_on(async {
        let client = connect(&a).await?;
        let op = build(&a, &client, &key).await?;
        let estimate = client
            .estimate(&op)
            .await
            .map_err(|e| rpc_error(e, a.session.module))?;
        Ok::<_, CliError>((op, estimate))
    })?;
    let text = format!(
        "verificationGasLimit  {}\ncallGasLimit          {}\npreVerificationGas    {}\nnonce                 {:#x}\nmaxFeePerGas          {} wei\n",
        estimate.verification_gas_limit,
        estimate.call_gas_limit,
        estimate.pre_verification_gas,
        op.nonce,
        op.max_fee_per_gas,
    );
    Ok(Output::ok(
        text,
        json!({
            "verificationGasLimit": estimate.verification_gas_limit.to_string(),
            "callGasLimit": estimate.call_gas_limit.to_string(),
            "preVerificationGas": estimate.pre_verification_gas.to_string(),
            "userOp": op,
        }),
    ))
}

pub(super) fn send(a: SendArgs) -> Result<Output, CliError> {
    let key = a.session.load_key()?;
    let timeout = Duration::from_secs(a.timeout);
    let (op, hash, receipt) = runtime()?.block_on(async {
        let client = connect(&a).await?;
        let mut op = build(&a, &client, &key).await?;
        let estimate = client
            .estimate(&op)
            .await
            .map_err(|e| rpc_error(e, a.session.module))?;
        // Explicit limits win over the bundler's.
        op.verification_gas_limit = a
            .gas
            .verification_gas_limit
            .unwrap_or(estimate.verification_gas_limit);
        op.call_gas_limit = a.gas.call_gas_limit.unwrap_or(estimate.call_gas_limit);
        op.pre_verification_gas = U256::from(
            a.gas
                .pre_verification_gas
                .unwrap_or(estimate.pre_verification_gas),
        );
        op.sign_session_with(
            &key,
            a.session.module,
            client.entry_point(),
            client.chain_id(),
        )
        .map_err(|e| CliError::new(e.to_string()))?;
        let hash = client
            .send(&op)
            .await
            .map_err(|e| rpc_error(e, a.session.module))?;
        let receipt = client
            .wait_for_receipt(hash, timeout, RECEIPT_POLL)
            .await
            .map_err(|e| rpc_error(e, a.session.module))?;
        Ok::<_, CliError>((op, hash, receipt))
    })?;
    let outcome = if receipt.success {
        "executed".to_string()
    } else {
        let book = FunctionBook::standard();
        let ctx = Context {
            module: Some(a.session.module),
            ..Context::bare(&book)
        };
        let why = explain_revert(&receipt.reason, &ctx)
            .map(|(name, words)| format!("{name}: {words}"))
            .unwrap_or_else(|| format!("revert data {}", hex::encode_prefixed(&receipt.reason)));
        format!("included, but its execution reverted ({why})")
    };
    let text = format!(
        "userOpHash       {hash}\noutcome          {outcome}\ntransaction      {}\nblock            {}\nactualGasUsed    {}\nactualGasCost    {} wei\n",
        receipt.transaction_hash, receipt.block_number, receipt.actual_gas_used, receipt.actual_gas_cost,
    );
    let json = json!({
        "userOpHash": hash.to_string(),
        "success": receipt.success,
        "reason": hex::encode_prefixed(&receipt.reason),
        "transactionHash": receipt.transaction_hash.to_string(),
        "blockNumber": receipt.block_number,
        "actualGasUsed": receipt.actual_gas_used.to_string(),
        "actualGasCost": receipt.actual_gas_cost.to_string(),
        "userOp": op,
    });
    Ok(Output {
        text,
        json,
        exit: if receipt.success {
            super::EXIT_OK
        } else {
            EXIT_OP_FAILS
        },
    })
}
