//! `sessionkey sign` and `sessionkey hash`.
//!
//! An op file for `sign --op` (TOML or JSON):
//!
//! ```toml
//! [[calls]]
//! target = "0x…"
//! value = "0"                                   # optional, wei ("0.1 ether" works)
//! function = "approve(address,uint256)"         # with args…
//! args = ["0x…", "100e18"]
//! # data = "0x095ea7b3…"                        # …or raw calldata (neither: empty calldata)
//! ```

use std::path::Path;

use alloy_primitives::{hex, Bytes, U256};
use serde::Deserialize;
use serde_json::json;

use super::args::{CallArgs, HashArgs, SignArgs};
use super::common::{entry_point, gas_limits, read_text};
use super::{at, CliError, Output};
use sessionkey_policy::SessionRecord;
use sessionkey_sdk::account_calls::Call;
use sessionkey_sdk::amount::parse_uint;
use sessionkey_sdk::enable;
use sessionkey_sdk::key::kind_name;
use sessionkey_sdk::signature_abi::FunctionSignature;
use sessionkey_sdk::user_op::{self, nonce, session_user_op, NonceKeyLayout, Paymaster};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpFile {
    calls: Vec<OpCall>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpCall {
    target: String,
    #[serde(default)]
    value: Option<ValueText>,
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    args: Vec<ArgText>,
    #[serde(default)]
    data: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ValueText {
    Text(String),
    Number(u64),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ArgText {
    Text(String),
    Number(i64),
    Bool(bool),
}

impl ArgText {
    fn text(&self) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Number(n) => n.to_string(),
            Self::Bool(b) => b.to_string(),
        }
    }
}

fn encode(function: &str, args: &[String], field: &str) -> Result<Bytes, CliError> {
    let f = FunctionSignature::parse(function).map_err(at(field))?;
    f.encode_call(args)
        .map(Into::into)
        .map_err(|e| CliError::new(format!("{field}: {e}")))
}

fn read_op_file(path: &Path) -> Result<Vec<Call>, CliError> {
    let text = read_text(path, "--op")?;
    let name = path.display();
    let file: OpFile = if text.trim_start().starts_with('{') {
        serde_json::from_str(&text).map_err(|e| CliError::new(format!("{name}: {e}")))?
    } else {
        toml::from_str(&text)
            .map_err(|e| CliError::new(format!("{name}: {}", e.message().replace('\n', " "))))?
    };
    if file.calls.is_empty() {
        return Err(CliError::new(format!(
            "{name}: calls: at least one call is needed"
        )));
    }
    let mut calls = Vec::with_capacity(file.calls.len());
    for (i, c) in file.calls.iter().enumerate() {
        let field = |f: &str| format!("{name}: calls[{i}].{f}");
        let target =
            sessionkey_sdk::address::parse_address(&c.target).map_err(at(&field("target")))?;
        let value = match &c.value {
            None => U256::ZERO,
            Some(ValueText::Number(n)) => U256::from(*n),
            Some(ValueText::Text(t)) => parse_uint(t, 256).map_err(at(&field("value")))?,
        };
        let data: Bytes = match (&c.function, &c.data) {
            (Some(_), Some(_)) => {
                return Err(CliError::new(format!(
                    "{}: give `function` + `args` or `data`, not both",
                    field("data")
                )))
            }
            (Some(f), None) => {
                let args: Vec<String> = c.args.iter().map(ArgText::text).collect();
                encode(f, &args, &field("function"))?
            }
            (None, Some(d)) => hex::decode(d.trim())
                .map_err(|_| CliError::new(format!("{}: `{d}` is not hex", field("data"))))?
                .into(),
            (None, None) if !c.args.is_empty() => {
                return Err(CliError::new(format!(
                    "{}: args need a function",
                    field("args")
                )))
            }
            (None, None) => Bytes::new(),
        };
        calls.push(Call {
            target,
            value,
            data,
        });
    }
    Ok(calls)
}

/// The calls of `--op FILE` or `--to … [--function … --arg …]`.
pub(super) fn calls_of(a: &CallArgs) -> Result<Vec<Call>, CliError> {
    match (&a.op, a.to) {
        (Some(path), _) => read_op_file(path),
        (None, Some(to)) => {
            let data = match (&a.function, &a.data) {
                (Some(f), _) => encode(f, &a.args, "--function")?,
                (None, Some(d)) => d.clone(),
                (None, None) => Bytes::new(),
            };
            Ok(vec![Call {
                target: to,
                value: a.value.unwrap_or_default(),
                data,
            }])
        }
        (None, None) => Err(CliError::new(
            "--to: missing (give the call with --to [--function … --arg …] or --op FILE)",
        )),
    }
}

fn nonce_of(a: &SignArgs) -> Result<U256, CliError> {
    if let Some(n) = a.nonce {
        return Ok(n);
    }
    let Some(key) = &a.nonce_key else {
        return Err(CliError::new(
            "--nonce: missing (give --nonce N, or --nonce-key KEY|validator with --sequence N)",
        ));
    };
    let layout = if key.trim() == "validator" {
        NonceKeyLayout::ValidatorInTopBytes {
            validator: a.session.module,
            lane: 0,
        }
    } else {
        NonceKeyLayout::Raw(parse_uint(key, 192).map_err(at("--nonce-key"))?)
    };
    nonce(layout.key(), a.sequence.unwrap_or(0)).map_err(at("--nonce-key"))
}

pub(super) fn sign(a: SignArgs) -> Result<Output, CliError> {
    let key = a.session.load_key()?;
    let calls = calls_of(&a.calls)?;
    let nonce = nonce_of(&a)?;
    let paymaster = a.paymaster.map(|address| Paymaster {
        address,
        verification_gas_limit: a.paymaster_verification_gas_limit.unwrap_or(100_000),
        post_op_gas_limit: a.paymaster_post_op_gas_limit.unwrap_or(0),
        data: a.paymaster_data.clone().unwrap_or_default(),
    });
    let mut op = session_user_op(
        a.session.account,
        nonce,
        &calls,
        gas_limits(&a.gas),
        paymaster.as_ref(),
    );
    let ep = entry_point(&a.chain);
    let hash = op
        .sign_session_with(&key, a.session.module, &ep, a.chain.chain_id)
        .map_err(|e| CliError::new(e.to_string()))?;
    if let (Some(record), Some(owner)) = (&a.enable_record, &a.owner_signature) {
        let record = SessionRecord::decode(record)
            .map_err(|e| CliError::new(format!("--enable-record: {e}")))?;
        op.signature = enable::enable_signature(&record, owner, &op.signature)
            .map_err(|e| CliError::new(format!("--enable-record: {e}")))?;
    }
    let request = op.send_request(ep.address);
    let kind = kind_name(key.kind());
    let text = format!(
        "session key   {} ({kind})\nuserOpHash    {hash}\nEntryPoint    {} ({})\neth_sendUserOperation request:\n{}\n",
        key.address().to_checksum(None),
        ep.address.to_checksum(None),
        ep.version,
        serde_json::to_string_pretty(&request).unwrap_or_default()
    );
    Ok(Output::ok(
        text,
        json!({
            "signer": key.address().to_checksum(None),
            "signerKind": kind,
            "userOpHash": hash.to_string(),
            "entryPoint": ep.address.to_checksum(None),
            "entryPointVersion": ep.version.to_string(),
            "chainId": a.chain.chain_id,
            "userOp": op,
            "request": request,
        }),
    ))
}

pub(super) fn hash(a: HashArgs) -> Result<Output, CliError> {
    let text = read_text(&a.user_op, "--user-op")?;
    let op = user_op::from_json(&text)
        .map_err(|e| CliError::new(format!("--user-op {}: {e}", a.user_op.display())))?;
    let ep = entry_point(&a.chain);
    let hash = op
        .hash(&ep, a.chain.chain_id)
        .map_err(|e| CliError::new(e.to_string()))?;
    Ok(Output::ok(
        format!("{hash}\n"),
        json!({
            "userOpHash": hash.to_string(),
            "entryPoint": ep.address.to_checksum(None),
            "entryPointVersion": ep.version.to_string(),
            "chainId": a.chain.chain_id,
            "sender": op.sender.to_checksum(None),
        }),
    ))
}
