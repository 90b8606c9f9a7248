//! `sessionkey explain`: would this op pass, and if not, why.

use std::path::Path;

use serde_json::json;
use sessionkey_policy::record::SessionRecord;

use super::args::ExplainArgs;
use super::common::{book, entry_point, read_text, signer};
use super::{CliError, Output, EXIT_OK, EXIT_OP_FAILS};
use sessionkey_sdk::explain::{explain as explain_verdict, Context};
use sessionkey_sdk::key::kind_name;
use sessionkey_sdk::permission_file;
use sessionkey_sdk::simulate::{placeholder_signature_for, simulate, SessionView};
use sessionkey_sdk::usage::Usage;
use sessionkey_sdk::user_op;

pub(super) fn explain(a: ExplainArgs) -> Result<Output, CliError> {
    let mut functions = book(&a.functions)?;
    let record: SessionRecord = match (&a.permission, &a.record) {
        (Some(path), _) => {
            let p = permission_file::load_with(path, signer(&a.signer)?).map_err(|e| match e {
                permission_file::PermissionFileError::Io { .. }
                | permission_file::PermissionFileError::Syntax { .. } => {
                    CliError::new(e.to_string())
                }
                other => CliError::new(format!("{}: {other}", path.display())),
            })?;
            functions.extend(&p.functions);
            p.record
        }
        (None, Some(bytes)) => {
            SessionRecord::decode(bytes).map_err(|e| CliError::new(format!("--record: {e}")))?
        }
        (None, None) => {
            return Err(CliError::new(
                "--permission: missing (or give --record HEX)",
            ))
        }
    };
    let usage = match &a.usage {
        Some(path) => Usage::load(path).map_err(|e| CliError::new(format!("--usage {e}")))?,
        None => Usage::default(),
    };
    let store = usage.store(&record).map_err(|e| {
        CliError::new(format!(
            "--usage {}: {e}",
            a.usage.as_deref().unwrap_or(Path::new("")).display()
        ))
    })?;
    let text = read_text(&a.user_op, "--user-op")?;
    let mut op = user_op::from_json(&text)
        .map_err(|e| CliError::new(format!("--user-op {}: {e}", a.user_op.display())))?;
    let mut notes = Vec::new();
    if op.signature.is_empty() {
        let kind = record.signer_key.kind();
        op.signature = placeholder_signature_for(kind, record.signer);
        notes.push(format!(
            "the op is unsigned: checked with a placeholder {} signature naming {} (policy only; sign it with `sessionkey sign`)",
            kind_name(kind),
            record.signer.to_checksum(None)
        ));
    }
    let packed = op.pack();
    let ep = entry_point(&a.chain);
    let hash = ep
        .user_op_hash(&packed, a.chain.chain_id)
        .map_err(|e| CliError::new(e.to_string()))?;
    let view = SessionView {
        signer: record.signer,
        store: &store,
        revoked: usage.revoked,
    };
    let verdict = simulate(&view, a.module, &packed, hash);
    let ctx = Context {
        record: Some(&record),
        functions: &functions,
        calls: &verdict.calls,
        op: Some(&packed),
        module: Some(a.module),
        store: Some(&store),
    };
    let mut x = explain_verdict(&verdict, &ctx, a.at.map(|t| (t, ep.version)));
    let unsigned = !notes.is_empty();
    if unsigned && x.verdict == "bad-signature" {
        x.passes = true;
        x.verdict = "valid-unsigned";
        x.summary = "the op passes the permission (not signed yet: sign it with `sessionkey sign`)"
            .to_owned();
    }
    x.details.extend(notes);
    let usage_after = verdict
        .store_after
        .as_ref()
        .map(|s| Usage::of(&record, s, usage.revoked));
    let mut text = format!(
        "{}: {}\n",
        if x.passes { "PASSES" } else { "FAILS" },
        x.summary
    );
    if !x.calls.is_empty() {
        text.push_str("calls:\n");
        for c in &x.calls {
            text.push_str(&format!("  {c}\n"));
        }
    }
    for d in &x.details {
        text.push_str(&format!("{d}\n"));
    }
    if let (Some(name), Some(data)) = (x.error, &x.revert_data) {
        text.push_str(&format!("validateUserOp reverts with {name}: {data}\n"));
    }
    text.push_str(&format!(
        "userOpHash {hash} (EntryPoint {} {})\n",
        ep.version,
        ep.address.to_checksum(None)
    ));
    let mut j = serde_json::to_value(&x).unwrap_or_default();
    j["userOpHash"] = json!(hash.to_string());
    if let Some(u) = &usage_after {
        j["usageAfter"] = u.to_json();
    }
    Ok(Output {
        text,
        json: j,
        exit: if x.passes { EXIT_OK } else { EXIT_OP_FAILS },
    })
}
