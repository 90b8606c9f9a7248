//! ERC-7769's bundler methods, on the same endpoint as the Ethereum ones.

use alloy_primitives::{Address, B256};
use alloy_rpc_types_eth::erc4337::PackedUserOperation as RpcUserOp;
use alloy_rpc_types_eth::state::StateOverride;
use jsonrpsee::RpcModule;
use serde_json::Value;

use super::{chain_method, static_method};
use crate::actor::ChainHandle;
use crate::error::NodeError;

/// Gas and fee fields `eth_estimateUserOperationGas` may leave out (ERC-7769: "optionally
/// without gas limits and gas prices"); they count as zero.
const OPTIONAL_FOR_ESTIMATE: [&str; 5] = [
    "callGasLimit",
    "verificationGasLimit",
    "preVerificationGas",
    "maxFeePerGas",
    "maxPriorityFeePerGas",
];

/// The type each user-operation field must parse as (ERC-7769, EntryPoint v0.7 form).
#[derive(Clone, Copy)]
enum Field {
    Address,
    Quantity,
    Data,
}

const FIELDS: [(&str, Field); 15] = [
    ("sender", Field::Address),
    ("nonce", Field::Quantity),
    ("factory", Field::Address),
    ("factoryData", Field::Data),
    ("callData", Field::Data),
    ("callGasLimit", Field::Quantity),
    ("verificationGasLimit", Field::Quantity),
    ("preVerificationGas", Field::Quantity),
    ("maxFeePerGas", Field::Quantity),
    ("maxPriorityFeePerGas", Field::Quantity),
    ("paymaster", Field::Address),
    ("paymasterVerificationGasLimit", Field::Quantity),
    ("paymasterPostOpGasLimit", Field::Quantity),
    ("paymasterData", Field::Data),
    ("signature", Field::Data),
];

/// Names the first field that does not parse as its type, so the `-32602` says which.
fn bad_field(value: &Value) -> Option<String> {
    let object = value.as_object()?;
    FIELDS.iter().find_map(|(name, kind)| {
        let field = object.get(*name).filter(|v| !v.is_null())?.clone();
        let parsed = match kind {
            Field::Address => serde_json::from_value::<Address>(field).err(),
            Field::Quantity => serde_json::from_value::<alloy_primitives::U256>(field).err(),
            Field::Data => serde_json::from_value::<alloy_primitives::Bytes>(field).err(),
        };
        parsed.map(|e| format!("field `{name}`: {e}"))
    })
}

fn user_op(value: Value) -> Result<RpcUserOp, NodeError> {
    let problem = bad_field(&value);
    serde_json::from_value(value).map_err(|e| {
        NodeError::InvalidParams(format!(
            "invalid UserOperation: {}",
            problem.unwrap_or_else(|| e.to_string())
        ))
    })
}

/// Registers the methods.
pub fn register(module: &mut RpcModule<ChainHandle>) {
    static_method(module, "eth_supportedEntryPoints", |chain| {
        vec![chain.info().entry_point, chain.info().entry_point_v08]
    });
    chain_method(module, "eth_sendUserOperation", |state, args| {
        let op = user_op(args.required("userOperation")?)?;
        let entry_point: Address = args.required("entryPoint")?;
        state.send_user_operation(op, entry_point)
    });
    chain_method(module, "eth_estimateUserOperationGas", |state, args| {
        let mut value: Value = args.required("userOperation")?;
        if let Some(fields) = value.as_object_mut() {
            for field in OPTIONAL_FOR_ESTIMATE {
                fields.entry(field).or_insert_with(|| Value::from("0x0"));
            }
        }
        let op = user_op(value)?;
        let entry_point: Address = args.required("entryPoint")?;
        let overrides: Option<StateOverride> = args.optional("stateOverrides")?;
        state.with_overrides(overrides.as_ref(), |state| {
            state.estimate_user_operation_gas(op, entry_point)
        })
    });
    chain_method(module, "eth_getUserOperationByHash", |state, args| {
        let hash: B256 = args.required("hash")?;
        Ok(state.user_operation_by_hash(hash))
    });
    chain_method(module, "eth_getUserOperationReceipt", |state, args| {
        let hash: B256 = args.required("hash")?;
        Ok(state.user_operation_receipt(hash))
    });
}
