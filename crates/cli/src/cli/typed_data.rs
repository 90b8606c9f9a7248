//! `sessionkey sign-typed-data`: a session key's scoped ERC-1271 signature of EIP-712 typed data
//! (an ERC-2612 `Permit`, a DEX order), which an app passes to `account.isValidSignature(hash,
//! module ‖ signature)`; see the README's "Signatures for apps".
//!
//! The typed data is an eth_signTypedData_v4 JSON file (what a wallet is asked to sign), read by
//! alloy's `TypedData`: it gives the app's domain separator, the primary type's EIP-712 type
//! string (`encodeType`) and its `encodeData` words, which [`sign_typed_data`] carries. The
//! account's own EIP-712 domain (name, version) is given on the command line and never guessed:
//! a wrong one makes a signature the account refuses, with nothing to say why.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use alloy_dyn_abi::TypedData;
use alloy_primitives::{hex, Address, B256};
use alloy_sol_types::Eip712Domain;
use serde_json::{json, Value};

use super::args::SignTypedDataArgs;
use super::common::{load_key, read_text};
use super::{at, CliError, Output};
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::typed_data::ERC1271_MAGIC;
use sessionkey_sdk::key::{kind_name, SessionSigner};
use sessionkey_sdk::permission_file::{load_with, render, GivenSigner};
use sessionkey_sdk::simulate::SessionView;
use sessionkey_sdk::typed_data::{
    account_domain, sign_typed_data, simulate_is_valid_signature, SignatureContext,
    PROGRAM_CODEHASH,
};

/// What the typed data gives the signature.
struct Contents {
    app_separator: B256,
    /// The app contract (the domain's `verifyingContract`), the `sender` the module sees.
    app: Option<Address>,
    primary_type: String,
    contents_type: String,
    words: Vec<u8>,
    hash: B256,
}

/// Reads an eth_signTypedData_v4 file strictly: the four members the method defines must be
/// there (alloy would take a missing domain as the empty one and a missing message as null,
/// hashing data nobody meant), and the primary type must be a struct other than the domain.
fn read_typed_data(path: &Path) -> Result<Contents, CliError> {
    let name = format!("--typed-data {}", path.display());
    let text = read_text(path, "--typed-data")?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        CliError::new(format!(
            "{name}: not JSON (line {} column {}): {}",
            e.line(),
            e.column(),
            strip_position(&e.to_string())
        ))
    })?;
    let Value::Object(map) = &value else {
        return Err(CliError::new(format!(
            "{name}: expected an eth_signTypedData_v4 object {{types, primaryType, domain, message}}"
        )));
    };
    for member in ["types", "primaryType", "domain", "message"] {
        if !map.contains_key(member) {
            return Err(CliError::new(format!(
                "{name}: {member}: missing (eth_signTypedData_v4 has types, primaryType, domain and message)"
            )));
        }
    }
    if let Some(k) = map
        .keys()
        .find(|k| !["types", "primaryType", "domain", "message"].contains(&k.as_str()))
    {
        return Err(CliError::new(format!(
            "{name}: {k}: unknown member (expected types, primaryType, domain, message)"
        )));
    }
    if map.get("primaryType") == Some(&Value::from("EIP712Domain")) {
        return Err(CliError::new(format!(
            "{name}: primaryType: EIP712Domain is the domain, not contents a session can sign"
        )));
    }
    // alloy hashes the domain fields and struct members it knows and ignores others: a member a
    // wallet could show but the signature does not cover is refused instead.
    if let Some(Value::Object(domain)) = map.get("domain") {
        let known = ["name", "version", "chainId", "verifyingContract", "salt"];
        if let Some(k) = domain.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(CliError::new(format!(
                "{name}: domain.{k}: not an EIP-712 domain field (name, version, chainId, verifyingContract, salt)"
            )));
        }
    }
    if let (Some(Value::Object(types)), Some(Value::String(primary)), Some(message)) =
        (map.get("types"), map.get("primaryType"), map.get("message"))
    {
        unhashed_member(types, primary, message, "message")
            .map_err(|e| CliError::new(format!("{name}: {e}")))?;
    }
    let data: TypedData = serde_json::from_value(value)
        .map_err(|e| CliError::new(format!("{name}: not eth_signTypedData_v4: {e}")))?;
    let what = |part: &str| {
        let name = name.clone();
        let part = part.to_owned();
        move |e: alloy_dyn_abi::Error| CliError::new(format!("{name}: {part}: {e}"))
    };
    let contents_type = data.encode_type().map_err(what("types"))?;
    let words = data.encode_data().map_err(what("message"))?;
    let hash = data.eip712_signing_hash().map_err(what("message"))?;
    Ok(Contents {
        app_separator: data.domain().separator(),
        app: data.domain().verifying_contract,
        primary_type: data.primary_type.clone(),
        contents_type,
        words,
        hash,
    })
}

/// A member of `value` (of struct type `ty`, at `path`) that `types` does not declare, searched
/// through nested structs and arrays of them. Other shape errors are left to alloy's coercion.
fn unhashed_member(
    types: &serde_json::Map<String, Value>,
    ty: &str,
    value: &Value,
    path: &str,
) -> Result<(), String> {
    // `T[]`, `T[2][]`: the element type's members, in every element.
    if let Some(open) = ty.find('[') {
        if let Value::Array(items) = value {
            let inner = &ty[..ty.rfind('[').unwrap_or(open)];
            for (i, item) in items.iter().enumerate() {
                unhashed_member(types, inner, item, &format!("{path}[{i}]"))?;
            }
        }
        return Ok(());
    }
    let (Some(Value::Array(fields)), Value::Object(members)) = (types.get(ty), value) else {
        return Ok(());
    };
    let declared: Vec<(&str, &str)> = fields
        .iter()
        .filter_map(|f| Some((f.get("name")?.as_str()?, f.get("type")?.as_str()?)))
        .collect();
    for (k, v) in members {
        match declared.iter().find(|(n, _)| n == k) {
            None => {
                return Err(format!(
                    "{path}.{k}: not a member of {ty} (it would not be signed)"
                ))
            }
            Some((_, field_ty)) => unhashed_member(types, field_ty, v, &format!("{path}.{k}"))?,
        }
    }
    Ok(())
}

/// serde_json appends " at line L column C", which the message already gives.
fn strip_position(msg: &str) -> &str {
    msg.rfind(" at line ").map_or(msg, |i| &msg[..i])
}

/// Refuses typed data the session's permission (`--permission`) does not let its key sign, with
/// the reason; then asks the SDK's simulation of the module and program, which must agree.
fn check_scope(
    a: &SignTypedDataArgs,
    path: &Path,
    key: &SessionSigner,
    c: &Contents,
    signature: &[u8],
    domain: &sessionkey_policy::typed_data::AccountDomain,
) -> Result<(), CliError> {
    let p = load_with(path, Some(GivenSigner::Key(key.public()))).map_err(at("--permission"))?;
    let refuse = |why: String| CliError::new(format!("--permission: out of scope: {why}"));
    let record = &p.record;
    let typehash = alloy_primitives::keccak256(c.contents_type.as_bytes());
    let Some(k) = record
        .typed_data_scopes
        .iter()
        .position(|s| s.app_domain_separator == c.app_separator && s.contents_typehash == typehash)
    else {
        return Err(refuse(if record.typed_data_scopes.is_empty() {
            "the session's permission has no [[typed_data]] scope (its key signs no typed data)"
                .to_owned()
        } else {
            format!(
                "the session has no scope for {} under the app domain separator {}",
                c.contents_type, c.app_separator
            )
        }));
    };
    // The rules as the permission file writes them, to quote the one that fails.
    let rendered = render(record, &p.functions);
    let scope = &record.typed_data_scopes[k];
    for (j, rule) in scope.rules.iter().enumerate() {
        let at = 32 * rule.word_index as usize;
        let word = c
            .words
            .get(at..at + 32)
            .map(B256::from_slice)
            .unwrap_or_default();
        if !rule
            .condition
            .holds(&word, rule.values.len(), |i| rule.values[i])
        {
            let r = &rendered["typed_data"][k]["rules"][j];
            let subject = r["field"]
                .as_str()
                .map_or_else(|| format!("word {}", rule.word_index), str::to_owned);
            let reference = match (&r["value"], &r["values"]) {
                (Value::String(v), _) => v.clone(),
                (_, Value::Array(vs)) => {
                    let vs: Vec<&str> = vs.iter().filter_map(Value::as_str).collect();
                    format!("[{}]", vs.join(", "))
                }
                _ => String::new(),
            };
            return Err(refuse(format!(
                "{} rule `{subject} {} {reference}` does not hold",
                c.primary_type,
                r["op"].as_str().unwrap_or("?")
            )));
        }
    }
    let now = match a.at {
        Some(t) => t,
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(at("--at"))?
            .as_secs(),
    };
    let until = if record.valid_until == 0 {
        u64::MAX
    } else {
        record.valid_until
    };
    if now < record.valid_after || now > until {
        return Err(CliError::new(format!(
            "--permission: the session is not valid at {now} (valid_after {}, valid_until {})",
            record.valid_after, record.valid_until
        )));
    }
    // The module and program's own answer, off-chain: the checks above explain a refusal, this
    // one makes sure nothing else (the signature's shape, the key's proof) would refuse it.
    let store = MemoryStore::new(record, 0);
    let view = SessionView {
        signer: key.address(),
        store: &store,
        revoked: false,
    };
    let module = a.module.unwrap_or(Address::ZERO);
    let ctx = SignatureContext {
        module,
        account: a.account,
        installed: true,
        now,
        chain_id: a.chain_id,
        program_code_hash: PROGRAM_CODEHASH,
        account_domain: Some(domain),
    };
    // The asker is the app; any address but the module's stands in when the domain names none.
    let sender = c.app.unwrap_or(Address::repeat_byte(0xa9));
    if simulate_is_valid_signature(Some(&view), &ctx, sender, c.hash, signature) != ERC1271_MAGIC {
        return Err(CliError::new(
            "--permission: the module would refuse this signature although the typed data is in scope",
        ));
    }
    Ok(())
}

pub(super) fn sign_typed_data_cmd(a: SignTypedDataArgs) -> Result<Output, CliError> {
    let key = load_key(&a.key, a.password_file.as_deref()).map_err(at("--key"))?;
    let c = read_typed_data(&a.typed_data)?;
    let account = Eip712Domain::new(
        Some(a.account_name.clone().into()),
        Some(a.account_version.clone().into()),
        Some(alloy_primitives::U256::from(a.chain_id)),
        Some(a.account),
        a.account_salt,
    );
    let domain = account_domain(&account);
    let signature = sign_typed_data(
        a.program,
        &key,
        &c.app_separator,
        &c.contents_type,
        &c.words,
        &domain,
    )
    .ok_or_else(|| {
        CliError::new(format!(
            "--typed-data {}: {} cannot be carried in an ERC-7739 signature (its type string or data is too long)",
            a.typed_data.display(),
            c.primary_type
        ))
    })?;
    if let Some(path) = &a.permission {
        check_scope(&a, path, &key, &c, &signature, &domain)?;
    }
    let signature_hex = hex::encode_prefixed(&signature);
    let for_account = a.module.map(|m| {
        let mut full = m.to_vec();
        full.extend_from_slice(&signature);
        hex::encode_prefixed(full)
    });
    let kind = kind_name(key.kind());
    let mut text = format!(
        "session key        {} ({kind})\napp domain         {}\ncontents type      {}\nhash               {}\n(the EIP-712 hash the app asks account.isValidSignature about)\nsignature          {signature_hex}\n(program ‖ signer ‖ proof ‖ app domain ‖ contents ‖ type: what the module is given after its address)\n",
        key.address().to_checksum(None),
        c.app_separator,
        c.contents_type,
        c.hash,
    );
    match &for_account {
        Some(full) => text.push_str(&format!(
            "account signature  {full}\n(module ‖ signature: pass it to account.isValidSignature(hash, …))\n"
        )),
        None => text.push_str(
            "(prepend the module's address, or give --module, for account.isValidSignature)\n",
        ),
    }
    if a.permission.is_some() {
        text.push_str("in scope of the session's permission\n");
    }
    Ok(Output::ok(
        text,
        json!({
            "signer": key.address().to_checksum(None),
            "signerKind": kind,
            "appDomainSeparator": c.app_separator.to_string(),
            "contentsType": c.contents_type,
            "hash": c.hash.to_string(),
            "signature": signature_hex,
            "accountSignature": for_account,
            "program": a.program.to_checksum(None),
            "account": a.account.to_checksum(None),
            "chainId": a.chain_id,
            "checkedAgainstPermission": a.permission.is_some(),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Members nested in structs and arrays of structs are checked too.
    #[test]
    fn undeclared_members_are_found_at_any_depth() {
        let types = json!({
            "Mail": [
                { "name": "from", "type": "Person" },
                { "name": "cc", "type": "Person[]" },
                { "name": "note", "type": "string" }
            ],
            "Person": [{ "name": "name", "type": "string" }]
        });
        let types = types.as_object().unwrap();
        let check = |message: Value| unhashed_member(types, "Mail", &message, "message");
        let ok = json!({ "from": { "name": "a" }, "cc": [{ "name": "b" }], "note": "x" });
        assert_eq!(check(ok), Ok(()));
        assert_eq!(
            check(json!({ "from": { "name": "a", "age": 3 }, "cc": [], "note": "x" })),
            Err("message.from.age: not a member of Person (it would not be signed)".into())
        );
        assert_eq!(
            check(
                json!({ "from": { "name": "a" }, "cc": [{ "name": "b" }, { "nick": "c" }], "note": "x" })
            ),
            Err("message.cc[1].nick: not a member of Person (it would not be signed)".into())
        );
    }
}
