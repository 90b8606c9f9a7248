//! `sessionkey grant`, `revoke`, `revoke-all`: the account calls the owner signs.

use alloy_primitives::{hex, keccak256, Address, Bytes, U256};
use serde_json::{json, Value};

use super::args::{GrantArgs, OwnerOpArgs, RevokeAllArgs, RevokeArgs};
use super::common::{gas_limits, signer};
use super::{CliError, Output};
use sessionkey_sdk::function_book::FunctionBook;
use sessionkey_sdk::hash::EntryPoint;
use sessionkey_sdk::inspect::record_lines;
use sessionkey_sdk::key::{kind_name, public_key_json};
use sessionkey_sdk::permission_file::render;
use sessionkey_sdk::user_op::UserOperation;
use sessionkey_sdk::{account_calls, enable};

/// The unsigned userOp running `call_data` from the owner's account, and its hash.
fn owner_op(
    o: &OwnerOpArgs,
    call_data: &Bytes,
) -> Result<Option<(UserOperation, Value, String)>, CliError> {
    let Some(account) = o.account else {
        return Ok(None);
    };
    let (Some(nonce), Some(chain_id)) = (o.nonce, o.chain_id) else {
        return Err(CliError::new("--account: needs --nonce and --chain-id"));
    };
    let g = gas_limits(&o.gas);
    let op = UserOperation {
        sender: account,
        nonce,
        call_data: call_data.clone(),
        call_gas_limit: g.call_gas_limit,
        verification_gas_limit: g.verification_gas_limit,
        pre_verification_gas: U256::from(g.pre_verification_gas),
        max_fee_per_gas: g.max_fee_per_gas,
        max_priority_fee_per_gas: g.max_priority_fee_per_gas,
        ..UserOperation::default()
    };
    let mut ep = EntryPoint::canonical(o.entry_point);
    if let Some(a) = o.entry_point_address {
        ep.address = a;
    }
    let hash = op
        .hash(&ep, chain_id)
        .map_err(|e| CliError::new(e.to_string()))?;
    let j = json!({
        "userOp": op,
        "userOpHash": hash.to_string(),
        "entryPoint": ep.address.to_checksum(None),
        "entryPointVersion": ep.version.to_string(),
        "chainId": chain_id,
    });
    let text = format!(
        "unsigned userOp from {} (EntryPoint {} at {}, chain {chain_id}); the owner signs userOpHash {hash} in the account's own signature format:\n{}\n",
        account.to_checksum(None),
        ep.version,
        ep.address.to_checksum(None),
        serde_json::to_string_pretty(&op).unwrap_or_default()
    );
    Ok(Some((op, j, text)))
}

fn with_owner_op(
    mut text: String,
    mut j: Value,
    o: &OwnerOpArgs,
    call_data: &Bytes,
) -> Result<Output, CliError> {
    if let Some((_, oj, otext)) = owner_op(o, call_data)? {
        text.push('\n');
        text.push_str(&otext);
        j["ownerUserOp"] = oj;
    }
    Ok(Output::ok(text, j))
}

pub(super) fn grant(a: GrantArgs) -> Result<Output, CliError> {
    let p = super::erc7715::grant_permission(&a)?;
    let record = p.record.encode();
    let mut book = FunctionBook::standard();
    book.extend(&p.functions);
    let module_call = account_calls::register_session(&p.record);
    let (account_call, how) = if a.install {
        (
            account_calls::install_module(a.module, std::slice::from_ref(&p.record)),
            format!(
                "installModule(1, {}, record): installs the validator and registers the session",
                a.module.to_checksum(None)
            ),
        )
    } else {
        (
            account_calls::grant(a.module, &p.record),
            format!(
                "execute(single, {}, 0, registerSession(record)): registers the session (module already installed)",
                a.module.to_checksum(None)
            ),
        )
    };
    let kind = kind_name(p.record.signer_key.kind());
    let public_key = p.record.signer_key.p256();
    let mut text = format!(
        "session for {kind} signer {} ({} bytes, keccak256 {})\n",
        p.record.signer.to_checksum(None),
        record.len(),
        keccak256(&record)
    );
    if let Some(k) = public_key {
        text.push_str(&format!("  public key {},{}\n", k.x, k.y));
    }
    for l in record_lines(&p.record, &book) {
        text.push_str(&format!("  {l}\n"));
    }
    text.push_str(&format!("\nrecord\n  {}\n", hex::encode_prefixed(&record)));
    text.push_str(&format!(
        "module calldata: registerSession(record)\n  {module_call}\n"
    ));
    text.push_str(&format!("account calldata: {how}\n  {account_call}\n"));
    let mut j = json!({
        "signer": p.record.signer.to_checksum(None),
        "signerKind": kind,
        "module": a.module.to_checksum(None),
        "record": hex::encode_prefixed(&record),
        "recordHash": keccak256(&record).to_string(),
        "moduleCalldata": module_call.to_string(),
        "accountCalldata": account_call.to_string(),
        "install": a.install,
        "permission": render(&p.record, &book),
    });
    if let Some(k) = public_key {
        j["publicKey"] = public_key_json(k);
    }
    if let (Some(account), Some(chain_id), Some(nonce)) = (
        a.enable.enable_for,
        a.enable.enable_chain_id,
        a.enable.enable_nonce,
    ) {
        let digest = enable::enable_digest(chain_id, a.module, account, &p.record, nonce);
        let typed = enable::enable_typed_data_json(chain_id, a.module, account, &p.record, nonce);
        text.push_str(&format!(
            "enable in the first op instead: the owner of {} signs this EIP-712 typed data (digest {digest}); then `sessionkey sign --enable-record <record> --owner-signature <signature>`\n  {}\n",
            account.to_checksum(None),
            serde_json::to_string(&typed).unwrap_or_default()
        ));
        j["enableTypedData"] = typed;
        j["enableDigest"] = json!(digest.to_string());
    }
    with_owner_op(text, j, &a.owner_op, &account_call)
}

fn revocation(
    what: String,
    module: Address,
    module_call: Bytes,
    account_call: Bytes,
    extra: Value,
    o: &OwnerOpArgs,
) -> Result<Output, CliError> {
    let text = format!(
        "{what}\nmodule calldata\n  {module_call}\naccount calldata: execute(single, {}, 0, …)\n  {account_call}\n",
        module.to_checksum(None)
    );
    let mut j = json!({
        "module": module.to_checksum(None),
        "moduleCalldata": module_call.to_string(),
        "accountCalldata": account_call.to_string(),
    });
    if let (Value::Object(m), Value::Object(e)) = (&mut j, extra) {
        m.extend(e);
    }
    with_owner_op(text, j, o, &account_call)
}

pub(super) fn revoke(a: RevokeArgs) -> Result<Output, CliError> {
    let signer = signer(&a.signer)?
        .map(|s| s.address())
        .ok_or_else(|| CliError::new("--signer: missing (or give --session-key FILE)"))?;
    revocation(
        format!(
            "revokeSession({}): that session's very next op fails",
            signer.to_checksum(None)
        ),
        a.module,
        account_calls::revoke_session(signer),
        account_calls::revoke(a.module, signer),
        json!({ "signer": signer.to_checksum(None) }),
        &a.owner_op,
    )
}

pub(super) fn revoke_all(a: RevokeAllArgs) -> Result<Output, CliError> {
    revocation(
        "revokeAllSessions(): every session of the account dies in one write".to_owned(),
        a.module,
        account_calls::revoke_all_sessions(),
        account_calls::revoke_all(a.module),
        json!({}),
        &a.owner_op,
    )
}
