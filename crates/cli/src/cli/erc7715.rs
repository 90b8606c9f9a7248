//! ERC-7715 (`wallet_grantPermissions`): `grant --erc7715 REQUEST.json` reads a request into a
//! session; `to-erc7715` writes a session back as the request that asks for exactly it.

use serde_json::Value;
use sessionkey_policy::record::SessionRecord;

use super::args::{Erc7715GasArgs, GrantArgs, ToErc7715Args};
use super::common::{read_text, signer};
use super::{CliError, Output};
use sessionkey_sdk::erc7715::{self, Options};
use sessionkey_sdk::function_book::FunctionBook;
use sessionkey_sdk::permission_file::{self, GivenSigner};
use sessionkey_sdk::Permission;

fn options(g: &Erc7715GasArgs) -> Options {
    Options {
        gas_price: g.gas_price,
        gas_budget: g.gas_budget,
    }
}

fn file_error(
    path: &std::path::Path,
) -> impl FnOnce(permission_file::PermissionFileError) -> CliError + '_ {
    move |e| match e {
        permission_file::PermissionFileError::Io { .. }
        | permission_file::PermissionFileError::Syntax { .. } => CliError::new(e.to_string()),
        other => CliError::new(format!("{}: {other}", path.display())),
    }
}

/// `grant`'s permission: from `--permission` or from `--erc7715`.
pub(super) fn grant_permission(a: &GrantArgs) -> Result<Permission, CliError> {
    let given = signer(&a.signer)?;
    let gas_flags = a.erc7715_gas.gas_price.is_some() || a.erc7715_gas.gas_budget.is_some();
    let Some(path) = &a.erc7715 else {
        if gas_flags {
            return Err(CliError::new(
                "--gas-price / --gas-budget: only with --erc7715 (a permission file states its gas_budget)",
            ));
        }
        let path = a
            .permission
            .as_ref()
            .ok_or_else(|| CliError::new("--permission: missing (or give --erc7715 FILE)"))?;
        return permission_file::load_with(path, given).map_err(file_error(path));
    };
    let at = |e: erc7715::Erc7715Error| CliError::new(format!("{}: {e}", path.display()));
    let request = erc7715::parse_request(&read_text(path, "--erc7715")?).map_err(at)?;
    // The owner op must be for the chain and account the request names.
    if let Some(c) = a.owner_op.chain_id {
        if c != request.chain_id.0 {
            return Err(CliError::new(format!(
                "--chain-id: {c} is not the request's chainId ({})",
                request.chain_id.0
            )));
        }
    }
    if let (Some(acc), Some(req)) = (a.owner_op.account, request.address) {
        if acc != req {
            return Err(CliError::new(format!(
                "--account: {acc} is not the request's address ({req})"
            )));
        }
    }
    let p = erc7715::to_permission(&request, &options(&a.erc7715_gas)).map_err(at)?;
    // A signer given beside the request must be the one it names.
    match given {
        Some(g) if g.address() != p.record.signer => Err(CliError::new(format!(
            "--signer: {} is not the request's signer {}",
            g.address(),
            p.record.signer
        ))),
        Some(GivenSigner::Key(k)) if k.key != p.record.signer_key => Err(CliError::new(
            "--session-key: its kind or public key is not the request's signer key",
        )),
        _ => Ok(p),
    }
}

pub(super) fn to_erc7715(a: ToErc7715Args) -> Result<Output, CliError> {
    let mut functions = FunctionBook::standard();
    let record: SessionRecord = match (&a.permission, &a.record) {
        (Some(path), _) => {
            let p =
                permission_file::load_with(path, signer(&a.signer)?).map_err(file_error(path))?;
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
    let request = erc7715::to_request(&record, &functions, a.chain_id, a.account, &options(&a.gas))
        .map_err(|e| CliError::new(e.to_string()))?;
    let json: Value = serde_json::to_value(&request).map_err(|e| CliError::new(e.to_string()))?;
    Ok(Output::ok(format!("{request}\n"), json))
}
