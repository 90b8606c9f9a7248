//! `sessionkey deploy-code`: deploys Stylus code byte for byte, then activates it.
//!
//! Why not `cargo stylus deploy`: cargo-stylus 0.10 round-trips the WASM through wat, adds a
//! project-hash custom section and compresses with C brotli, so the code it stores (and its
//! `EXTCODEHASH`) differs from `target/*.deployed.hex`. The module delegates scoped ERC-1271
//! checks only to code whose hash is `PROGRAM_CODEHASH`, so that program must be stored exactly
//! as built: the CREATE's init code is a constructor returning the file's bytes verbatim
//! ([`stylus_check::returning_initcode`]), and the stored code is read back and compared.
//!
//! Activation is `ArbWasm.activateProgram(address)` at `0x71`. Nitro charges a data fee that
//! depends on the compiled size and moves with demand, so it is first read with `eth_call`
//! (value: 1 ether, or the balance if lower; Nitro refunds the excess) and then sent bumped by
//! [`DATA_FEE_BUMP_PERCENT`], so a fee that rose between the two still clears. Nitro activates
//! per code hash: when a contract with the same code was activated before, the `eth_call`
//! reverts `ProgramUpToDate()` and nothing is sent.

use std::path::Path;
use std::time::Duration;

use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{address, hex, keccak256, Address, Bytes, B256, U256};
use alloy_provider::{PendingTransactionBuilder, Provider, ProviderBuilder};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{sol, SolCall, SolInterface};
use serde_json::json;

use super::args::DeployCodeArgs;
use super::chain::runtime;
use super::common::{password, read_text};
use super::{at, CliError, Output};
use sessionkey_policy::erc1271_program::PROGRAM_CODEHASH;
use sessionkey_sdk::key::SessionKey;
use sessionkey_sdk::rpc::http_provider;

/// ArbWasm's address (Nitro `precompiles/ArbWasm.go`).
pub(super) const ARB_WASM: Address = address!("0000000000000000000000000000000000000071");

/// How much the sent data fee exceeds the one `eth_call` answered (cargo-stylus bumps too; Nitro
/// refunds whatever is sent above the fee).
pub(super) const DATA_FEE_BUMP_PERCENT: u64 = 20;

/// The file name `scripts/build-wasm.sh` gives the ERC-1271 program's deployable code: such a
/// file is checked against `PROGRAM_CODEHASH` unless `--expect-code-hash` says otherwise.
const ERC1271_PROGRAM_FILE: &str = "session_key_erc1271.deployed.hex";

/// The most value the fee-reading `eth_call` sends (the balance when lower).
const PROBE_VALUE: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

sol! {
    #[derive(Debug)]
    /// The ArbWasm method and errors activation meets (nitro `precompiles/ArbWasm.go`).
    interface ArbWasm {
        function activateProgram(address program) external payable
            returns (uint16 version, uint256 dataFee);
        error ProgramNotWasm();
        error ProgramNotActivated();
        error ProgramNeedsUpgrade(uint16 version, uint16 stylusVersion);
        error ProgramExpired(uint64 ageInSeconds);
        error ProgramUpToDate();
        error ProgramKeepaliveTooSoon(uint64 ageInSeconds);
        error ProgramInsufficientValue(uint256 have, uint256 want);
    }
}

/// What the fee-reading `eth_call` of `activateProgram` answered.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Probe {
    /// Activation would succeed with this data fee.
    Fee {
        /// Stylus version it would compile for.
        version: u16,
        /// The data fee (wei).
        data_fee: U256,
    },
    /// A program with this code hash is already active.
    UpToDate,
}

/// `activateProgram(program)`'s calldata.
pub(super) fn activate_calldata(program: Address) -> Bytes {
    ArbWasm::activateProgramCall { program }.abi_encode().into()
}

/// Reads an `eth_call` answer of `activateProgram`: its return data, or its revert data.
pub(super) fn read_probe(answer: Result<&[u8], Option<&[u8]>>) -> Result<Probe, String> {
    match answer {
        Ok(output) => {
            let r = ArbWasm::activateProgramCall::abi_decode_returns(output).map_err(|_| {
                format!(
                    "activateProgram answered {}, not (uint16 version, uint256 dataFee): is this an Arbitrum chain?",
                    hex::encode_prefixed(output)
                )
            })?;
            Ok(Probe::Fee {
                version: r.version,
                data_fee: r.dataFee,
            })
        }
        Err(Some(data)) => match ArbWasm::ArbWasmErrors::abi_decode(data) {
            Ok(ArbWasm::ArbWasmErrors::ProgramUpToDate(_)) => Ok(Probe::UpToDate),
            Ok(ArbWasm::ArbWasmErrors::ProgramNotWasm(_)) => {
                Err("activateProgram: ProgramNotWasm (the code stored is not Stylus code)".into())
            }
            Ok(ArbWasm::ArbWasmErrors::ProgramInsufficientValue(e)) => Err(format!(
                "activateProgram: the deployer cannot pay the data fee: it needs {} wei, {} wei was offered",
                e.want, e.have
            )),
            Ok(other) => Err(format!("activateProgram reverted: {other:?}")),
            Err(_) if data.is_empty() => Err(
                "activateProgram reverted without data (the program fails activation, or the chain has no ArbWasm precompile)".into(),
            ),
            Err(_) => Err(format!(
                "activateProgram reverted with {}",
                hex::encode_prefixed(data)
            )),
        },
        Err(None) => Err("activateProgram failed without revert data".into()),
    }
}

/// The data fee with the bump, rounded up (saturating: no fee comes near `U256::MAX`).
pub(super) fn bumped(data_fee: U256) -> U256 {
    let hundred = U256::from(100u64);
    let percent = data_fee.saturating_mul(U256::from(DATA_FEE_BUMP_PERCENT));
    let bump = percent / hundred + U256::from(u8::from(!(percent % hundred).is_zero()));
    data_fee.saturating_add(bump)
}

/// The code file: hex (optional `0x`, whitespace around it ignored), Stylus code only.
pub(super) fn read_code(path: &Path) -> Result<Vec<u8>, CliError> {
    let text = read_text(path, "--code")?;
    let code = hex::decode(text.trim()).map_err(|_| {
        CliError::new(format!(
            "--code: {} is not hex (expected 0x-hex deployable code, e.g. target/session_key_erc1271.deployed.hex)",
            path.display()
        ))
    })?;
    if !stylus_check::is_stylus_code(&code) {
        let start = hex::encode_prefixed(&code[..code.len().min(4)]);
        return Err(CliError::new(format!(
            "--code: {} is not Stylus code: deployable Stylus code starts EF F0 00, this starts {start} (nothing was sent)",
            path.display()
        )));
    }
    // Catches a truncated or corrupt brotli stream, and a WASM above Stylus's size limit, before
    // paying for a deployment that could never be activated.
    stylus_check::decompress_deployable(&code).map_err(|e| {
        CliError::new(format!(
            "--code: {} is not deployable Stylus code: {e} (nothing was sent)",
            path.display()
        ))
    })?;
    Ok(code)
}

/// The hash the code must have, if any: `--expect-code-hash`, else `PROGRAM_CODEHASH` for the
/// ERC-1271 program's file.
fn expected_hash(a: &DeployCodeArgs) -> Option<(B256, &'static str)> {
    if let Some(h) = a.expect_code_hash {
        return Some((h, "--expect-code-hash"));
    }
    let is_program_file = a
        .code
        .file_name()
        .is_some_and(|n| n == ERC1271_PROGRAM_FILE);
    is_program_file.then_some((PROGRAM_CODEHASH, "PROGRAM_CODEHASH"))
}

fn signer(a: &DeployCodeArgs) -> Result<PrivateKeySigner, CliError> {
    let pw = password(a.password_file.as_deref())?;
    let key =
        SessionKey::load(&a.private_key_path, pw.as_deref()).map_err(at("--private-key-path"))?;
    key.private_key_hex()
        .parse()
        .map_err(at("--private-key-path"))
}

async fn receipt(
    pending: PendingTransactionBuilder<alloy_network::Ethereum>,
    timeout: Duration,
    what: &str,
) -> Result<alloy_rpc_types_eth::TransactionReceipt, CliError> {
    let hash = *pending.tx_hash();
    pending
        .with_timeout(Some(timeout))
        .get_receipt()
        .await
        .map_err(|e| CliError::new(format!("{what}: transaction {hash}: {e}")))
}

/// What activation did.
enum Activation {
    Skipped,
    AlreadyActive,
    Activated {
        version: u16,
        data_fee: U256,
        value: U256,
        transaction: B256,
    },
}

/// Sends the CREATE whose constructor returns `code` verbatim; checks the stored code is `code`.
async fn deploy<P: Provider>(
    provider: &P,
    deployer: Address,
    code: &[u8],
    timeout: Duration,
) -> Result<(Address, B256), CliError> {
    let create = TransactionRequest::default()
        .with_from(deployer)
        .with_deploy_code(stylus_check::returning_initcode(code));
    let pending = provider
        .send_transaction(create)
        .await
        .map_err(at("deployment"))?;
    let r = receipt(pending, timeout, "deployment").await?;
    let tx = r.transaction_hash;
    if !r.status() {
        return Err(CliError::new(format!(
            "deployment: transaction {tx} reverted (does this chain accept EF F0 00 code?)"
        )));
    }
    let address = r.contract_address.ok_or_else(|| {
        CliError::new(format!(
            "deployment: the receipt of {tx} names no contract address"
        ))
    })?;
    // The point of this command: EXTCODEHASH must be keccak256 of exactly these bytes.
    let stored = provider
        .get_code_at(address)
        .await
        .map_err(at("eth_getCode"))?;
    if stored.as_ref() != code {
        return Err(CliError::new(format!(
            "deployment: {address} holds {} bytes with hash {}, not the {} bytes of --code (hash {})",
            stored.len(),
            keccak256(&stored),
            code.len(),
            keccak256(code)
        )));
    }
    Ok((address, tx))
}

/// Reads the data fee with `eth_call`, then sends `activateProgram` with the fee bumped.
async fn activate<P: Provider>(
    provider: &P,
    deployer: Address,
    program: Address,
    timeout: Duration,
) -> Result<Activation, CliError> {
    let not_active = |why: String| {
        CliError::new(format!(
            "{why}; the code is deployed at {program} but not active"
        ))
    };
    let balance = provider
        .get_balance(deployer)
        .await
        .map_err(at("eth_getBalance"))?;
    let probe = TransactionRequest::default()
        .with_from(deployer)
        .with_to(ARB_WASM)
        .with_value(balance.min(PROBE_VALUE))
        .with_input(activate_calldata(program));
    let probed = match provider.call(probe).await {
        Ok(output) => read_probe(Ok(&output)),
        Err(e) => match e.as_error_resp().and_then(|p| p.as_revert_data()) {
            Some(data) => read_probe(Err(Some(&data))),
            None => Err(format!("activateProgram (eth_call): {e}")),
        },
    }
    .map_err(not_active)?;
    let (version, data_fee) = match probed {
        Probe::UpToDate => return Ok(Activation::AlreadyActive),
        Probe::Fee { version, data_fee } => (version, data_fee),
    };
    let value = bumped(data_fee);
    let activate = TransactionRequest::default()
        .with_from(deployer)
        .with_to(ARB_WASM)
        .with_value(value)
        .with_input(activate_calldata(program));
    let pending = provider
        .send_transaction(activate)
        .await
        .map_err(|e| not_active(format!("activation: {e}")))?;
    let r = receipt(pending, timeout, "activation").await?;
    if !r.status() {
        return Err(not_active(format!(
            "activation: transaction {} reverted (retry: cargo stylus activate --address {program})",
            r.transaction_hash
        )));
    }
    Ok(Activation::Activated {
        version,
        data_fee,
        value,
        transaction: r.transaction_hash,
    })
}

/// The activation's line of text and its JSON.
fn report(activation: &Activation) -> (String, serde_json::Value) {
    match activation {
        Activation::Skipped => (
            "not activated (--no-activate)".into(),
            json!({ "status": "skipped" }),
        ),
        Activation::AlreadyActive => (
            "already active (this code hash was activated before; nothing sent)".into(),
            json!({ "status": "already-active" }),
        ),
        Activation::Activated {
            version,
            data_fee,
            value,
            transaction,
        } => (
            format!(
                "activated: Stylus version {version}, data fee {data_fee} wei \
                 (sent {value} wei, the excess refunded), transaction {transaction}"
            ),
            json!({
                "status": "activated",
                "version": version,
                "dataFee": data_fee.to_string(),
                "value": value.to_string(),
                "transactionHash": transaction.to_string(),
            }),
        ),
    }
}

pub(super) fn deploy_code(a: DeployCodeArgs) -> Result<Output, CliError> {
    let code = read_code(&a.code)?;
    let code_hash = keccak256(&code);
    if let Some((want, source)) = expected_hash(&a) {
        if code_hash != want {
            return Err(CliError::new(format!(
                "--code: keccak256 of {} is {code_hash}, not {source} {want}: the module would not delegate to this code (rebuild with bash scripts/build-wasm.sh, or pass --expect-code-hash; nothing was sent)",
                a.code.display()
            )));
        }
    }
    let wallet = signer(&a)?;
    let deployer = wallet.address();
    let root = http_provider(&a.rpc).map_err(at("--rpc"))?;
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(wallet))
        .connect_provider(root);
    let timeout = Duration::from_secs(a.timeout);

    let (address, deploy_tx, activation) = runtime()?.block_on(async {
        let (address, deploy_tx) = deploy(&provider, deployer, &code, timeout).await?;
        let activation = if a.no_activate {
            Activation::Skipped
        } else {
            activate(&provider, deployer, address, timeout).await?
        };
        Ok::<_, CliError>((address, deploy_tx, activation))
    })?;

    let matches = code_hash == PROGRAM_CODEHASH;
    let pinned = if matches {
        "equals PROGRAM_CODEHASH: the module delegates scoped ERC-1271 checks to this address"
    } else {
        "differs from PROGRAM_CODEHASH (not the ERC-1271 program this CLI was built with)"
    };
    let (activation_text, activation_json) = report(&activation);
    let text = format!(
        "address            {}\ncodeHash           {code_hash}\n                   {pinned}\ndeployTransaction  {deploy_tx}\nactivation         {activation_text}\n",
        address.to_checksum(None)
    );
    let json = json!({
        "address": address.to_checksum(None),
        "codeHash": code_hash.to_string(),
        "programCodeHash": PROGRAM_CODEHASH.to_string(),
        "matchesProgramCodeHash": matches,
        "deployer": deployer.to_checksum(None),
        "deployTransaction": deploy_tx.to_string(),
        "activation": activation_json,
    });
    Ok(Output::ok(text, json))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_sol_types::SolError;

    #[test]
    fn calldata_is_activate_program_of_the_address() {
        let program = Address::repeat_byte(0xAB);
        let data = activate_calldata(program);
        assert_eq!(&data[..4], &keccak256("activateProgram(address)")[..4]);
        assert_eq!(&data[4..16], &[0u8; 12]);
        assert_eq!(&data[16..], program.as_slice());
    }

    #[test]
    fn probe_answers() {
        let mut ret = [0u8; 64];
        ret[31] = 2;
        ret[63] = 100;
        assert_eq!(
            read_probe(Ok(&ret)),
            Ok(Probe::Fee {
                version: 2,
                data_fee: U256::from(100u64)
            })
        );
        let up_to_date = keccak256("ProgramUpToDate()")[..4].to_vec();
        assert_eq!(ArbWasm::ProgramUpToDate::SELECTOR.as_slice(), up_to_date);
        assert_eq!(read_probe(Err(Some(&up_to_date))), Ok(Probe::UpToDate));
        let short = ArbWasm::ProgramInsufficientValue {
            have: U256::from(1u64),
            want: U256::from(7u64),
        }
        .abi_encode();
        let e = read_probe(Err(Some(&short))).unwrap_err();
        assert!(e.contains("needs 7 wei, 1 wei was offered"), "{e}");
        assert!(read_probe(Err(Some(&[])))
            .unwrap_err()
            .contains("without data"));
        assert!(read_probe(Ok(&[1, 2])).unwrap_err().contains("not (uint16"));
    }

    #[test]
    fn fee_bump_is_twenty_percent_rounded_up() {
        assert_eq!(bumped(U256::ZERO), U256::ZERO);
        assert_eq!(bumped(U256::from(100u64)), U256::from(120u64));
        assert_eq!(bumped(U256::from(1u64)), U256::from(2u64));
        assert_eq!(bumped(U256::from(101u64)), U256::from(122u64));
        assert_eq!(bumped(U256::MAX), U256::MAX);
    }
}
