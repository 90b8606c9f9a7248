//! Command-line arguments (clap derive). Values are parsed here, so a malformed address or
//! amount is reported by clap as `invalid value '…' for '--module <ADDRESS>': …`.

use std::path::PathBuf;

use alloy_primitives::{hex, Address, Bytes, B256, U256};
use clap::{Args, Parser, Subcommand};

use sessionkey_policy::record::Limit;
use sessionkey_policy::signer::{P256PublicKey, SignerKind};
use sessionkey_sdk::address::parse_address;
use sessionkey_sdk::amount::{parse_limit, parse_u128, parse_uint};
use sessionkey_sdk::hash::EntryPointVersion;
use sessionkey_sdk::key::{parse_kind, parse_p256_public_key, KIND_NAMES};

fn address(s: &str) -> Result<Address, String> {
    parse_address(s).map_err(|e| e.to_string())
}

fn gas(s: &str) -> Result<u128, String> {
    parse_u128(s).map_err(|e| e.to_string())
}

fn limit(s: &str) -> Result<Limit, String> {
    parse_limit(s).map_err(|e| e.to_string())
}

fn uint256(s: &str) -> Result<U256, String> {
    parse_uint(s, 256).map_err(|e| e.to_string())
}

fn bytes(s: &str) -> Result<Bytes, String> {
    hex::decode(s.trim())
        .map(Into::into)
        .map_err(|_| format!("`{s}` is not hex bytes (0x…)"))
}

fn hash32(s: &str) -> Result<B256, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a 32-byte hash (0x + 64 hex digits)"))
}

fn version(s: &str) -> Result<EntryPointVersion, String> {
    s.parse()
}

fn key_kind(s: &str) -> Result<SignerKind, String> {
    parse_kind(s).ok_or_else(|| format!("`{s}` is not a key kind ({KIND_NAMES})"))
}

fn p256_public_key(s: &str) -> Result<P256PublicKey, String> {
    parse_p256_public_key(s).map_err(|e| e.to_string())
}

/// Session keys for an ERC-7579 session-key validator on Arbitrum Stylus: keys, permissions,
/// account calls, signed user operations, and explanations of why an op would fail.
#[derive(Parser, Debug)]
#[command(name = "sessionkey", version, max_term_width = 100)]
pub(super) struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Generate a session key and print its address.
    Keygen(KeygenArgs),
    /// Build a session's permission from a TOML/JSON file and print the calldata (and
    /// optionally the unsigned userOp) the account owner signs to register it.
    Grant(Box<GrantArgs>),
    /// Print the ERC-7715 wallet_grantPermissions request that asks for exactly a permission
    /// file's (or an encoded record's) session.
    ToErc7715(ToErc7715Args),
    /// Print the calldata revoking one session.
    Revoke(RevokeArgs),
    /// Print the calldata revoking every session of the account.
    RevokeAll(RevokeAllArgs),
    /// Build and sign a session op; print the eth_sendUserOperation request.
    Sign(Box<SignArgs>),
    /// Sign EIP-712 typed data (eth_signTypedData_v4 JSON) with a session key, for an app
    /// asking the account's ERC-1271 isValidSignature (within the session's typed-data scopes).
    SignTypedData(Box<SignTypedDataArgs>),
    /// Compute a userOp's hash for EntryPoint v0.7 or v0.8.
    Hash(HashArgs),
    /// A session's live state on a chain: live or revoked, window, what is left of each cap.
    Status(StatusArgs),
    /// Build a session op, fill nonce and fees from the chain, and ask the bundler for gas.
    Estimate(Box<SendArgs>),
    /// Build, estimate, sign and send a session op through a bundler; wait for its receipt.
    Send(Box<SendArgs>),
    /// Say whether an op passes a session's permission, and if not, which call and rule fails.
    Explain(ExplainArgs),
    /// Decode calldata (execute, installModule, registerSession, …), a record or revert data.
    Inspect(InspectArgs),
    /// The product story on the embedded devnet: grant, allowed ops, four refusals, revoke.
    Demo,
    /// Deploy Stylus code byte for byte (e.g. target/session_key_erc1271.deployed.hex, the
    /// ERC-1271 program the module pins by code hash) and activate it through ArbWasm.
    DeployCode(DeployCodeArgs),
}

#[derive(Args, Debug)]
pub(super) struct KeygenArgs {
    /// The key's kind: secp256k1 (an Ethereum key), p256 (a P-256 key signing the session
    /// digest, as a KMS or secure enclave does) or passkey (a P-256 key answering WebAuthn
    /// assertions). P-256 keys are written as JSON key files that name their kind.
    #[arg(long, value_name = "KIND", default_value = "secp256k1", value_parser = key_kind)]
    pub kind: SignerKind,
    /// The web origin a passkey answers for (needed with --kind passkey), e.g.
    /// https://wallet.example.
    #[arg(long, value_name = "URL")]
    pub origin: Option<String>,
    /// Write the key to this file (mode 0600) instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write an encrypted v3 keystore (needs --password-file or $SESSIONKEY_PASSWORD).
    #[arg(long, requires = "out")]
    pub keystore: bool,
    /// Cheap scrypt parameters (n = 2^12) for throwaway keys and tests.
    #[arg(long, requires = "keystore")]
    pub light_kdf: bool,
    /// File holding the keystore password.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// Who the session is for.
#[derive(Args, Debug)]
pub(super) struct SignerArgs {
    /// The session key's address.
    #[arg(long, value_name = "ADDRESS", value_parser = address, conflicts_with = "session_key")]
    pub signer: Option<Address>,
    /// The session key file, of any kind (its address, kind and public key are used).
    #[arg(long, value_name = "FILE")]
    pub session_key: Option<PathBuf>,
    /// A P-256 session key's public key (X,Y or 0x04‖X‖Y), for a session signed by a key held
    /// elsewhere (a KMS, a secure enclave).
    #[arg(long, value_name = "X,Y", value_parser = p256_public_key, conflicts_with_all = ["session_key", "passkey_public_key"])]
    pub p256_public_key: Option<P256PublicKey>,
    /// A passkey's public key (X,Y or 0x04‖X‖Y), for a session signed by a passkey.
    #[arg(long, value_name = "X,Y", value_parser = p256_public_key, conflicts_with = "session_key")]
    pub passkey_public_key: Option<P256PublicKey>,
    /// File holding the keystore password (for --session-key keystores).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

/// Where and how an op is hashed.
#[derive(Args, Debug)]
pub(super) struct ChainArgs {
    /// Chain id (e.g. 42161 Arbitrum One, 421614 Arbitrum Sepolia).
    #[arg(long, value_name = "ID")]
    pub chain_id: u64,
    /// EntryPoint version: v0.7 or v0.8.
    #[arg(long, value_name = "VERSION", default_value = "v0.7", value_parser = version)]
    pub entry_point: EntryPointVersion,
    /// EntryPoint address (default: the canonical one of the version).
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub entry_point_address: Option<Address>,
}

/// Optional chain args (for grant/revoke's owner userOp).
#[derive(Args, Debug)]
pub(super) struct OwnerOpArgs {
    /// Also print an unsigned userOp from this account running the calldata.
    #[arg(long, value_name = "ADDRESS", value_parser = address, requires_all = ["nonce", "chain_id"])]
    pub account: Option<Address>,
    /// The userOp's full nonce (key << 64 | sequence) for the owner's validator.
    #[arg(long, value_name = "N", value_parser = uint256)]
    pub nonce: Option<U256>,
    /// Chain id.
    #[arg(long, value_name = "ID")]
    pub chain_id: Option<u64>,
    /// EntryPoint version: v0.7 or v0.8.
    #[arg(long, value_name = "VERSION", default_value = "v0.7", value_parser = version)]
    pub entry_point: EntryPointVersion,
    /// EntryPoint address (default: the canonical one of the version).
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub entry_point_address: Option<Address>,
    #[command(flatten)]
    pub gas: GasArgs,
}

#[derive(Args, Debug)]
pub(super) struct GasArgs {
    /// Validation gas limit.
    #[arg(long, value_name = "GAS", value_parser = gas)]
    pub verification_gas_limit: Option<u128>,
    /// Execution gas limit.
    #[arg(long, value_name = "GAS", value_parser = gas)]
    pub call_gas_limit: Option<u128>,
    /// Pre-verification gas.
    #[arg(long, value_name = "GAS", value_parser = gas)]
    pub pre_verification_gas: Option<u128>,
    /// Max fee per gas (wei; "0.1 gwei" works).
    #[arg(long, value_name = "WEI", value_parser = gas)]
    pub max_fee_per_gas: Option<u128>,
    /// Max priority fee per gas (wei).
    #[arg(long, value_name = "WEI", value_parser = gas)]
    pub max_priority_fee_per_gas: Option<u128>,
}

#[derive(Args, Debug)]
pub(super) struct GrantArgs {
    /// Permission file (TOML or JSON; see the README's "Permission files").
    #[arg(long, value_name = "FILE", required_unless_present = "erc7715")]
    pub permission: Option<PathBuf>,
    /// An ERC-7715 wallet_grantPermissions request (JSON: one request, or a params array of
    /// one) instead of a permission file; refused whole if any part cannot be granted exactly.
    #[arg(long, value_name = "FILE", conflicts_with = "permission")]
    pub erc7715: Option<PathBuf>,
    #[command(flatten)]
    pub erc7715_gas: Erc7715GasArgs,
    /// The validator module's address.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub module: Address,
    /// Print installModule(1, module, record) (install + register in one call) instead of
    /// execute(registerSession) for an account that already has the module.
    #[arg(long)]
    pub install: bool,
    #[command(flatten)]
    pub signer: SignerArgs,
    #[command(flatten)]
    pub owner_op: OwnerOpArgs,
    #[command(flatten)]
    pub enable: EnableArgs,
}

/// Enabling the session in its first op instead of by a transaction: what the owner signs.
#[derive(Args, Debug)]
pub(super) struct EnableArgs {
    /// Also print the EIP-712 typed data (eth_signTypedData_v4 JSON) and digest the owner of
    /// this account signs to enable the session in its first op (`sign --enable-record`).
    #[arg(long, value_name = "ADDRESS", value_parser = address, requires_all = ["enable_chain_id", "enable_nonce"])]
    pub enable_for: Option<Address>,
    /// The chain the enable signature is for.
    #[arg(long, value_name = "ID", requires = "enable_for")]
    pub enable_chain_id: Option<u64>,
    /// The account's enable nonce (`sessionkey status` shows it; 0 for an account that never
    /// enabled, revoked all or uninstalled).
    #[arg(long, value_name = "N", requires = "enable_for")]
    pub enable_nonce: Option<u64>,
}

/// How ERC-7715's gas maps to the module's wei budget.
#[derive(Args, Debug)]
pub(super) struct Erc7715GasArgs {
    /// Wei per gas unit at which an ERC-7715 gas-limit becomes the module's wei budget (the
    /// highest maxFeePerGas you price the session's gas at; "0.1 gwei" works).
    #[arg(long, value_name = "WEI", value_parser = gas)]
    pub gas_price: Option<u128>,
    /// The gas-fee budget (wei, or "unlimited") when the request has no gas-limit; per period
    /// in a periodic session.
    #[arg(long, value_name = "WEI", value_parser = limit)]
    pub gas_budget: Option<Limit>,
}

#[derive(Args, Debug)]
pub(super) struct ToErc7715Args {
    /// The session's permission file.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "record",
        conflicts_with = "record"
    )]
    pub permission: Option<PathBuf>,
    /// The session's encoded record (hex), instead of a permission file.
    #[arg(long, value_name = "HEX", value_parser = bytes)]
    pub record: Option<Bytes>,
    #[command(flatten)]
    pub signer: SignerArgs,
    /// The chain the request is for.
    #[arg(long, value_name = "ID")]
    pub chain_id: u64,
    /// The account granting (the request's `address`).
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub account: Option<Address>,
    #[command(flatten)]
    pub gas: Erc7715GasArgs,
}

#[derive(Args, Debug)]
pub(super) struct RevokeArgs {
    /// The validator module's address.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub module: Address,
    #[command(flatten)]
    pub signer: SignerArgs,
    #[command(flatten)]
    pub owner_op: OwnerOpArgs,
}

#[derive(Args, Debug)]
pub(super) struct RevokeAllArgs {
    /// The validator module's address.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub module: Address,
    #[command(flatten)]
    pub owner_op: OwnerOpArgs,
}

/// Who signs a session op and where it goes: the session key, the module, the account.
#[derive(Args, Debug)]
pub(super) struct SessionArgs {
    /// The session key file: a secp256k1 hex key or v3 keystore, or a JSON key file of any
    /// kind (`sessionkey keygen --kind`); encrypted ones need --password-file.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// File holding the keystore password (or $SESSIONKEY_PASSWORD).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// The validator module's address.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub module: Address,
    /// The smart account (userOp.sender).
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub account: Address,
}

#[derive(Args, Debug)]
pub(super) struct SignArgs {
    #[command(flatten)]
    pub session: SessionArgs,
    #[command(flatten)]
    pub chain: ChainArgs,
    #[command(flatten)]
    pub calls: CallArgs,
    /// The full nonce (key << 64 | sequence).
    #[arg(long, value_name = "N", value_parser = uint256, conflicts_with_all = ["nonce_key", "sequence"])]
    pub nonce: Option<U256>,
    /// The 192-bit nonce key, or `validator` for the module's address in the key's top 20
    /// bytes (how OpenZeppelin's AccountERC7579 and MSA-style accounts pick the validator).
    #[arg(long, value_name = "KEY")]
    pub nonce_key: Option<String>,
    /// The sequence number under --nonce-key (default 0; read it from EntryPoint.getNonce).
    #[arg(long, value_name = "N", requires = "nonce_key")]
    pub sequence: Option<u64>,
    #[command(flatten)]
    pub gas: GasArgs,
    /// Paymaster sponsoring the op.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub paymaster: Option<Address>,
    /// Paymaster validation gas.
    #[arg(long, value_name = "GAS", value_parser = gas, requires = "paymaster")]
    pub paymaster_verification_gas_limit: Option<u128>,
    /// Paymaster postOp gas.
    #[arg(long, value_name = "GAS", value_parser = gas, requires = "paymaster")]
    pub paymaster_post_op_gas_limit: Option<u128>,
    /// Paymaster data.
    #[arg(long, value_name = "HEX", value_parser = bytes, requires = "paymaster")]
    pub paymaster_data: Option<Bytes>,
    /// Enable the session in this op: its encoded record (`grant` prints it)…
    #[arg(long, value_name = "HEX", value_parser = bytes, requires = "owner_signature")]
    pub enable_record: Option<Bytes>,
    /// …and the owner's signature of it (over `grant --enable-for`'s typed data, as the
    /// account's isValidSignature takes it).
    #[arg(long, value_name = "HEX", value_parser = bytes, requires = "enable_record")]
    pub owner_signature: Option<Bytes>,
}

fn word(s: &str) -> Result<B256, String> {
    let t = s.trim();
    match hex::decode(t) {
        Ok(b) if t.starts_with("0x") && b.len() == 32 => Ok(B256::from_slice(&b)),
        _ => Err(format!(
            "`{s}` is not a 32-byte hex word (0x and 64 hex digits)"
        )),
    }
}

#[derive(Args, Debug)]
pub(super) struct SignTypedDataArgs {
    /// The session key file: a secp256k1 hex key or v3 keystore, or a JSON key file of any
    /// kind (`sessionkey keygen --kind`); encrypted ones need --password-file.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// File holding the keystore password (or $SESSIONKEY_PASSWORD).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// The typed data: eth_signTypedData_v4 JSON {types, primaryType, domain, message} ("-"
    /// reads stdin).
    #[arg(long, value_name = "FILE")]
    pub typed_data: PathBuf,
    /// A deployment of the ERC-1271 program the module delegates the check to (the exact
    /// bytes of target/session_key_erc1271.deployed.hex); the signature names it.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub program: Address,
    /// The smart account the key signs for.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub account: Address,
    /// The chain the account is on.
    #[arg(long, value_name = "ID")]
    pub chain_id: u64,
    /// The account's EIP-712 domain name, as its eip712Domain() returns it (required: a wrong
    /// one makes a signature the account refuses).
    #[arg(long, value_name = "NAME")]
    pub account_name: String,
    /// The account's EIP-712 domain version, as its eip712Domain() returns it.
    #[arg(long, value_name = "VERSION")]
    pub account_version: String,
    /// The account's EIP-712 domain salt, if its eip712Domain() has one (default: none, hashed
    /// as zero).
    #[arg(long, value_name = "HEX", value_parser = word)]
    pub account_salt: Option<B256>,
    /// The validator module's address: also print `module ‖ signature`, what the app passes to
    /// account.isValidSignature.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub module: Option<Address>,
    /// The session's permission file: refuse typed data outside its scopes (checked offline).
    #[arg(long, value_name = "FILE")]
    pub permission: Option<PathBuf>,
    /// With --permission: check the session's validity window at this unix time (default: now).
    #[arg(long, value_name = "UNIX_SECONDS", requires = "permission")]
    pub at: Option<u64>,
}

/// Where the chain is (a JSON-RPC node) and which EntryPoint.
#[derive(Args, Debug)]
pub(super) struct RpcArgs {
    /// The node's JSON-RPC URL (http://…; `bash scripts/node.sh` serves http://127.0.0.1:8547).
    #[arg(long, value_name = "URL")]
    pub rpc: String,
    /// EntryPoint version: v0.7 or v0.8.
    #[arg(long, value_name = "VERSION", default_value = "v0.7", value_parser = version)]
    pub entry_point: EntryPointVersion,
    /// EntryPoint address (default: the canonical one of the version).
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub entry_point_address: Option<Address>,
}

#[derive(Args, Debug)]
pub(super) struct StatusArgs {
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// The validator module's address.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub module: Address,
    /// The smart account.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub account: Address,
    /// The session key's address.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub signer: Address,
    /// A token whose cap to show (repeat the flag).
    #[arg(long = "token", value_name = "ADDRESS", value_parser = address)]
    pub tokens: Vec<Address>,
}

#[derive(Args, Debug)]
pub(super) struct SendArgs {
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// The bundler's URL (default: the --rpc endpoint, which `scripts/node.sh` serves both on).
    #[arg(long, value_name = "URL")]
    pub bundler: Option<String>,
    #[command(flatten)]
    pub session: SessionArgs,
    #[command(flatten)]
    pub calls: CallArgs,
    /// The nonce lane: the 4 low bytes of the nonce key, after the module's address.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub lane: u32,
    #[command(flatten)]
    pub gas: GasArgs,
    /// `send`: seconds to wait for the receipt.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

/// The calls of a session op.
#[derive(Args, Debug)]
pub(super) struct CallArgs {
    /// Calls from a file (TOML/JSON: [[calls]] with target, value, function + args or data).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["to", "data", "function"])]
    pub op: Option<PathBuf>,
    /// A single call's target.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub to: Option<Address>,
    /// The call's native value (wei; "0.1 ether" works).
    #[arg(long, value_name = "WEI", value_parser = uint256, requires = "to")]
    pub value: Option<U256>,
    /// The call's raw calldata.
    #[arg(long, value_name = "HEX", value_parser = bytes, requires = "to", conflicts_with = "function")]
    pub data: Option<Bytes>,
    /// The call's function signature, e.g. "approve(address,uint256)".
    #[arg(long, value_name = "SIGNATURE", requires = "to")]
    pub function: Option<String>,
    /// An argument of --function, in order (repeat the flag).
    #[arg(
        long = "arg",
        value_name = "VALUE",
        requires = "function",
        allow_hyphen_values = true
    )]
    pub args: Vec<String>,
}

#[derive(Args, Debug)]
pub(super) struct HashArgs {
    /// The userOp (bundler JSON; "-" reads stdin).
    #[arg(long, value_name = "FILE")]
    pub user_op: PathBuf,
    #[command(flatten)]
    pub chain: ChainArgs,
}

#[derive(Args, Debug)]
pub(super) struct ExplainArgs {
    /// The userOp (bundler JSON; "-" reads stdin). An unsigned op is checked with a placeholder
    /// signature naming the session key.
    #[arg(long, value_name = "FILE")]
    pub user_op: PathBuf,
    /// The session's permission file.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "record",
        conflicts_with = "record"
    )]
    pub permission: Option<PathBuf>,
    /// The session's encoded record (hex), instead of a permission file.
    #[arg(long, value_name = "HEX", value_parser = bytes)]
    pub record: Option<Bytes>,
    #[command(flatten)]
    pub signer: SignerArgs,
    /// The validator module's address.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub module: Address,
    #[command(flatten)]
    pub chain: ChainArgs,
    /// The session's usage so far (TOML/JSON: ops, native_spent, gas_spent, tokens, revoked).
    #[arg(long, value_name = "FILE")]
    pub usage: Option<PathBuf>,
    /// Also check the validity window at this unix time.
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub at: Option<u64>,
    /// More function signatures for naming calls (repeat the flag).
    #[arg(long = "function", value_name = "SIGNATURE")]
    pub functions: Vec<String>,
}

#[derive(Args, Debug)]
pub(super) struct InspectArgs {
    /// Hex data (0x…), or @FILE holding it.
    pub data: String,
    /// Function signatures for decoding calls and naming rule parameters (repeat the flag).
    #[arg(long = "function", value_name = "SIGNATURE")]
    pub functions: Vec<String>,
    /// A permission file whose function signatures name parameters.
    #[arg(long, value_name = "FILE")]
    pub permission: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(super) struct DeployCodeArgs {
    /// The node's JSON-RPC URL (http://…).
    #[arg(long, value_name = "URL")]
    pub rpc: String,
    /// The deployable code as hex (`EF F0 00 ‖ dictionary ‖ brotli(wasm)`, optional 0x), as
    /// `bash scripts/build-wasm.sh` writes target/*.deployed.hex. Deployed exactly as given.
    #[arg(long, value_name = "FILE")]
    pub code: PathBuf,
    /// The deployer's key file: a hex private key or a v3 keystore (with --password-file or
    /// $SESSIONKEY_PASSWORD). It pays for the deployment and the activation's data fee.
    #[arg(long, value_name = "FILE")]
    pub private_key_path: PathBuf,
    /// File holding the keystore password.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Refuse to send anything unless keccak256 of the code is this hash. Default for a file
    /// named session_key_erc1271.deployed.hex: the PROGRAM_CODEHASH this CLI was built with.
    #[arg(long, value_name = "HASH", value_parser = hash32)]
    pub expect_code_hash: Option<B256>,
    /// Deploy only; do not call ArbWasm.activateProgram.
    #[arg(long)]
    pub no_activate: bool,
    /// Seconds to wait for each receipt.
    #[arg(long, value_name = "SECONDS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}
