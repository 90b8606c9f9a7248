//! ERC-7715 permission requests (`wallet_grantPermissions`) read into a session, and sessions
//! written back as requests (so a wallet can show what a record means).
//!
//! # Which ERC-7715
//!
//! The request shape is the `wallet_grantPermissions` one of `ERCS/erc-7715.md` in
//! `ethereum/ERCs` at commit `e1d58b0afa58c28b8ccb92c844370197c5caf7fa` (2025-02-20, status
//! Draft): `chainId`, `address`, `expiry`, `signer {type, data}`, `permissions [{type, data}]`,
//! and for the response `context`, `accountMeta {factory, factoryData}`,
//! `signerMeta {userOpBuilder, delegationManager}`. The later revision of the same file
//! (`2adc37836`, 2026-01-16: `wallet_requestExecutionPermissions` with `from`/`to`, one
//! `permission` and `rules`) drops key signers and grants to an ERC-7710 delegate account,
//! which this module (it checks a session key's own signature) cannot be; it is not read.
//!
//! Permission types, and where their field names come from:
//!
//! | type | data | source |
//! |---|---|---|
//! | `native-token-transfer` | `allowance` | e1d58b0 |
//! | `erc20-token-transfer` | `address`, `allowance` | e1d58b0 |
//! | `gas-limit` | `limit` | e1d58b0 |
//! | `call-limit` | `count` | e1d58b0 |
//! | `rate-limit` | `count`, `interval` | e1d58b0 |
//! | `native-token-allowance` | `allowanceAmount`, `startTime?`, `justification?` | MetaMask Smart Accounts Kit, "Advanced Permissions reference" |
//! | `native-token-periodic` | `periodAmount`, `periodDuration`, `startTime?`, `justification?` | same |
//! | `erc20-token-allowance` | `tokenAddress`, `allowanceAmount`, `startTime?`, `justification?` | same |
//! | `erc20-token-periodic` | `tokenAddress`, `periodAmount`, `periodDuration`, `startTime?`, `justification?` | same |
//! | `contract-call` | `address`, `calls` (function signatures or 4-byte selectors) | viem's experimental ERC-7715 actions (`contract-call`) |
//!
//! Each permission may also carry `required` (viem) or `isAdjustmentAllowed` (MetaMask, and
//! the later ERC revision). Both only let a wallet grant *less* or something else; this
//! converter grants exactly what is asked or refuses, so they are read and not acted on.
//! `justification` is display text and is not kept.
//!
//! # Mapping
//!
//! | ERC-7715 | record |
//! |---|---|
//! | `signer` `key` `secp256k1` (`publicKey`: SEC1 key, or a 20-byte address) | `SignerKey::Secp256k1`, `signer` = the key's address |
//! | `signer` `key` `secp256r1` (`publicKey`: `0x04‖X‖Y` or compressed) | `SignerKey::P256` |
//! | `signer` `key` `webauthn-p256` (a passkey; the spec's `KeyType` has none, the name is Porto's / Openfort's) | `SignerKey::WebAuthn` |
//! | `expiry` | `valid_until` (absent = no expiry) |
//! | `startTime` (the same on every amount permission) | `valid_after` (periods count from it; absent = 0, not MetaMask's "now", so periods count from the Unix epoch) |
//! | native allowance / `native-token-transfer` | `native_cap` + one entry: any target, empty calldata, max value = the amount |
//! | `native-token-periodic` | the same, per `period` |
//! | ERC-20 allowance / `erc20-token-transfer` | `token_caps[token]` + entry `token.transfer(address,uint256)` |
//! | `erc20-token-periodic` | the same, per `period` |
//! | `contract-call` | one entry per function: exact target, exact selector, no value, no rules |
//! | `gas-limit` | `gas_budget` = `limit` × the gas price given beside the request (wei) |
//! | `call-limit` | `max_ops` (one call = one user operation) |
//! | `rate-limit` | `max_ops` per `period` = `interval` |
//!
//! An amount of `2^256 − 1` (the customary "unlimited" approval) is `Unlimited`; every other
//! amount must fit its field (native ≤ 2^96 − 1 wei, periodic ERC-20 < 2^104, ERC-20 < 2^248).
//!
//! Units. The module caps the **wei** a session's ops may make the account prefund
//! (gas limits × `maxFeePerGas`), not gas units, so `gas-limit` (gas units in e1d58b0) becomes
//! wei only at a price the caller states ([`Options::gas_price`]): the account then pays at most
//! `limit × price` wei for the session's gas. A request with no `gas-limit` takes
//! [`Options::gas_budget`]; with neither it is refused, as the builder refuses an unset budget.
//! `call-limit` counts user operations: one op may batch up to 16 calls (ERC-7579 batch mode),
//! which e1d58b0 does not distinguish.
//!
//! One period. A session has at most one period and **every** cap renews with it, so two
//! periodic permissions with different periods, or a periodic one beside a lifetime cap
//! (`native-token-allowance`, `erc20-token-allowance`, `gas-limit`, `call-limit`), are refused
//! naming both. A periodic session's gas budget ([`Options::gas_budget`]) is per period too.
//!
//! # Refused
//!
//! Nothing is dropped or widened: what this module cannot express exactly is an
//! [`Erc7715Error`] naming the permission. Streams (`native-token-stream`,
//! `erc20-token-stream`: they accrue per second), NFT types (`erc721-token-transfer`,
//! `erc1155-token-transfer`), `erc20-token-revocation`, unknown types, permission or request
//! `policies`, unknown data fields, a `contract-call` naming no function (any function would be
//! a wildcard), a spend function on a token without an ERC-20 permission, and signers of type
//! `account` (an ERC-7710 delegate), `wallet`, `keys` (multisig) or key types other than the
//! three above. Going the other way, a record with parameter rules, a paymaster, per-call
//! value on a contract call, plain transfers to one address, wildcards, or a cap no permission
//! type can carry is refused the same way ([`Erc7715Error::NotExpressible`]).

use std::collections::BTreeMap;
use std::fmt;

use alloy_primitives::{hex, Address, Bytes, U256};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Map, Value};
use sessionkey_policy::erc20;
use sessionkey_policy::layout::{
    SelectorMatch, TargetMatch, MAX_NATIVE_CAP, MAX_PERIODIC_TOKEN_CAP, MIN_PERIOD,
};
use sessionkey_policy::record::{Limit, SessionRecord, SignerKey, TokenLimit, MAX_TIMESTAMP};
use sessionkey_policy::signer::P256PublicKey;

use crate::address::parse_address;
use crate::amount::max_of;
use crate::builder::{BuildError, CallBuilder, Calldata, Permission, SessionBuilder, Target};
use crate::function_book::FunctionBook;
use crate::signature_abi::FunctionSignature;

/// The ERC-7715 text this module implements: repository, file and commit.
pub const SPEC: &str =
    "ethereum/ERCs ERCS/erc-7715.md at e1d58b0afa58c28b8ccb92c844370197c5caf7fa (wallet_grantPermissions)";

/// The function an ERC-20 permission allows on its token.
const ERC20_TRANSFER: &str = "transfer(address,uint256)";

/// Why a request cannot become a session, or a session a request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Erc7715Error {
    /// Not JSON of the request's shape.
    #[error("not an ERC-7715 permission request: {0}")]
    Json(String),
    /// A `params` array with more than one request.
    #[error("{0} permission requests: each makes its own session, convert them one at a time")]
    SeveralRequests(usize),
    /// A signer type the module cannot check.
    #[error("signer type \"{signer_type}\" is not supported: {reason}")]
    UnsupportedSigner {
        /// `account`, `keys`, `wallet`, ….
        signer_type: String,
        /// Why.
        reason: &'static str,
    },
    /// A key type the module cannot verify.
    #[error("signer key type \"{key_type}\" is not supported: this module verifies secp256k1, secp256r1 (P-256) and webauthn-p256 (passkey) keys")]
    UnsupportedKeyType {
        /// `ed25519`, `schnorr`, ….
        key_type: String,
    },
    /// A field with a wrong value, or one this converter does not know.
    #[error("{field}: {message}")]
    Field {
        /// `permissions[0].data.allowanceAmount`, `signer.data.publicKey`, ….
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A permission this module cannot express.
    #[error("permissions[{index}] ({permission_type}) cannot be granted: {reason}")]
    Unsupported {
        /// Position in `permissions`.
        index: usize,
        /// Its `type`.
        permission_type: String,
        /// Why.
        reason: String,
    },
    /// Two periodic permissions with different periods.
    #[error("permissions[{first}] ({first_type}) renews every {first_period} s but permissions[{second}] ({second_type}) every {second_period} s: this module has one period per session and every cap renews with it")]
    PeriodMismatch {
        /// The first periodic permission.
        first: usize,
        /// Its type.
        first_type: String,
        /// Its period.
        first_period: u32,
        /// The other one.
        second: usize,
        /// Its type.
        second_type: String,
        /// Its period.
        second_period: u32,
    },
    /// A periodic permission beside a lifetime cap.
    #[error("permissions[{periodic}] ({periodic_type}) renews every {period} s but permissions[{lifetime}] ({lifetime_type}) is for the session's whole life: this module renews every cap of a session together, so it cannot mix periodic and lifetime caps")]
    PeriodicAndLifetime {
        /// The periodic permission.
        periodic: usize,
        /// Its type.
        periodic_type: String,
        /// Its period.
        period: u32,
        /// The lifetime one.
        lifetime: usize,
        /// Its type.
        lifetime_type: String,
    },
    /// Two permissions over the same thing.
    #[error("permissions[{second}] ({second_type}) repeats {what} of permissions[{first}] ({first_type}): ask for it once")]
    Duplicate {
        /// The first.
        first: usize,
        /// Its type.
        first_type: String,
        /// The repeat.
        second: usize,
        /// Its type.
        second_type: String,
        /// What both limit.
        what: String,
    },
    /// Amount permissions starting at different times.
    #[error("startTime {first_start} in permissions[{first}] but {second_start} in permissions[{second}]: this module has one start time per session")]
    StartTimeMismatch {
        /// The first amount permission.
        first: usize,
        /// Its start (`none` when absent).
        first_start: String,
        /// The other one.
        second: usize,
        /// Its start.
        second_start: String,
    },
    /// `gas-limit` without a price to turn gas units into wei.
    #[error("permissions[{0}] (gas-limit) counts gas units, but this module caps the wei the account prefunds (gas × maxFeePerGas): give the wei per gas to convert at (gas price)")]
    GasNeedsPrice(usize),
    /// No `gas-limit` and no budget given beside the request.
    #[error("the request has no gas-limit, and this module needs a gas-fee budget: give one (wei, or \"unlimited\") beside the request")]
    NoGasBudget,
    /// The builder refuses the session the request describes.
    #[error("the session this request describes is refused: {0}")]
    Build(#[from] BuildError),
    /// A record (or part of one) no ERC-7715 request can say.
    #[error("{field} cannot be written as an ERC-7715 request: {reason}")]
    NotExpressible {
        /// `calls[2]`, `paymaster`, `token_caps[0]`, ….
        field: String,
        /// Why.
        reason: String,
    },
}

fn field(field: impl Into<String>, message: impl Into<String>) -> Erc7715Error {
    Erc7715Error::Field {
        field: field.into(),
        message: message.into(),
    }
}

fn not_expressible(f: impl Into<String>, reason: impl Into<String>) -> Erc7715Error {
    Erc7715Error::NotExpressible {
        field: f.into(),
        reason: reason.into(),
    }
}

/// An EIP-155 chain id: written as hex (`"0xa4b1"`), read from hex or a JSON number (the
/// spec's type says hex, its example writes a number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainId(pub u64);

impl Serialize for ChainId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:#x}", self.0))
    }
}

impl<'de> Deserialize<'de> for ChainId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        u64_of(&v)
            .map(ChainId)
            .map_err(|m| serde::de::Error::custom(format!("chainId: {m}")))
    }
}

/// `address`: checksum-checked like every address the SDK reads.
mod checked_address {
    use super::*;

    pub fn serialize<S: Serializer>(a: &Option<Address>, s: S) -> Result<S::Ok, S::Error> {
        match a {
            Some(a) => s.serialize_str(&a.to_checksum(None)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Address>, D::Error> {
        let t = Option::<String>::deserialize(d)?;
        t.map(|t| parse_address(&t))
            .transpose()
            .map_err(|e| serde::de::Error::custom(format!("address: {e}")))
    }
}

/// `{type, data}`: a signer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypedData {
    /// `key`, `keys`, `account`, `wallet`, ….
    #[serde(rename = "type")]
    pub kind: String,
    /// Specific to the type.
    #[serde(default)]
    pub data: Value,
}

/// One entry of `permissions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestedPermission {
    /// `native-token-allowance`, `erc20-token-periodic`, `contract-call`, ….
    #[serde(rename = "type")]
    pub kind: String,
    /// Specific to the type.
    #[serde(default)]
    pub data: Value,
    /// Whether the dApp needs it granted (viem's drafts); read, not acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Whether the wallet may adjust it (MetaMask); read, not acted on.
    #[serde(
        default,
        rename = "isAdjustmentAllowed",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_adjustment_allowed: Option<bool>,
    /// Extra conditions (older drafts); any is refused, dropping one would widen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Value>,
}

/// A `wallet_grantPermissions` request (one element of its `params`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PermissionRequest {
    /// The chain the session is for.
    pub chain_id: ChainId,
    /// The account granting (optional: the user may choose).
    #[serde(
        default,
        with = "checked_address",
        skip_serializing_if = "Option::is_none"
    )]
    pub address: Option<Address>,
    /// Unix seconds at which the session ends. The spec requires it; absent here means no
    /// expiry, which is how a record without one is written back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<u64>,
    /// Who signs the session's ops.
    pub signer: TypedData,
    /// What the signer may do.
    pub permissions: Vec<RequestedPermission>,
    /// Request-wide conditions (a draft's); any is refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Value>,
}

/// `accountMeta`: how to deploy an account that does not exist yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountMeta {
    /// ERC-4337 factory.
    pub factory: Address,
    /// Its calldata.
    pub factory_data: Bytes,
}

/// `signerMeta`: ERC-7679 / ERC-7710 helpers. This module has neither a userOp builder nor a
/// delegation manager, so it answers without one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignerMeta {
    /// ERC-7679 userOp builder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_op_builder: Option<Address>,
    /// ERC-7710 delegation manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation_manager: Option<Address>,
}

/// A `wallet_grantPermissions` response: the request as granted, plus `context`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PermissionResponse {
    /// As in the request.
    pub chain_id: ChainId,
    /// The account that granted.
    #[serde(
        default,
        with = "checked_address",
        skip_serializing_if = "Option::is_none"
    )]
    pub address: Option<Address>,
    /// As in the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<u64>,
    /// As in the request.
    pub signer: TypedData,
    /// As granted.
    pub permissions: Vec<RequestedPermission>,
    /// This module's context: the session record (`record.encode()`), which is what
    /// `registerSession` took and names the session's signer.
    pub context: Bytes,
    /// For an account not yet deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_meta: Option<AccountMeta>,
    /// ERC-7679 / ERC-7710 helpers (none here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_meta: Option<SignerMeta>,
}

impl PermissionResponse {
    /// The response for `record` granted as `request` (the request written back from the
    /// record, so it says exactly what was granted).
    pub fn granted(request: PermissionRequest, record: &SessionRecord) -> Self {
        Self {
            chain_id: request.chain_id,
            address: request.address,
            expiry: request.expiry,
            signer: request.signer,
            permissions: request.permissions,
            context: record.encode().into(),
            account_meta: None,
            signer_meta: None,
        }
    }
}

/// What a request leaves to the wallet: how gas converts to the module's wei budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Wei per gas unit at which `gas-limit` becomes the wei budget (and back): the highest
    /// `maxFeePerGas` the wallet prices the session's gas at.
    pub gas_price: Option<u128>,
    /// The gas budget when the request has no `gas-limit` (per period in a periodic session).
    /// Writing a record back, a budget equal to this one is left unsaid.
    pub gas_budget: Option<Limit>,
}

/// Reads a request: one object, or a `params` array holding exactly one.
///
/// # Errors
/// [`Erc7715Error::Json`], or [`Erc7715Error::SeveralRequests`].
pub fn parse_request(text: &str) -> Result<PermissionRequest, Erc7715Error> {
    let v: Value = serde_json::from_str(text).map_err(|e| Erc7715Error::Json(e.to_string()))?;
    let v = match v {
        Value::Array(mut a) if a.len() == 1 => a.remove(0),
        Value::Array(a) => return Err(Erc7715Error::SeveralRequests(a.len())),
        v => v,
    };
    serde_json::from_value(v).map_err(|e| Erc7715Error::Json(e.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Values

/// `0x…` hex or a JSON number.
fn quantity(v: &Value) -> Result<U256, String> {
    match v {
        Value::String(s) => {
            let digits = s
                .strip_prefix("0x")
                .or_else(|| s.strip_prefix("0X"))
                .filter(|d| !d.is_empty())
                .ok_or_else(|| format!("`{s}` is not a hex quantity (0x…)"))?;
            U256::from_str_radix(digits, 16)
                .map_err(|_| format!("`{s}` is not a hex quantity below 2^256"))
        }
        Value::Number(n) => n
            .as_u64()
            .map(U256::from)
            .ok_or_else(|| format!("{n} is not a non-negative integer")),
        other => Err(format!("expected a hex quantity (0x…), got {other}")),
    }
}

fn u64_of(v: &Value) -> Result<u64, String> {
    let q = quantity(v)?;
    u64::try_from(q).map_err(|_| format!("{q} does not fit 64 bits"))
}

fn hex_quantity(v: U256) -> Value {
    Value::String(format!("{v:#x}"))
}

/// A permission's `data`, with every field known and the required ones present.
struct Data<'a> {
    at: String,
    map: &'a Map<String, Value>,
}

impl<'a> Data<'a> {
    fn new(
        index: usize,
        p: &'a RequestedPermission,
        required: &[&str],
        optional: &[&str],
    ) -> Result<Self, Erc7715Error> {
        let at = format!("permissions[{index}].data");
        let map = p
            .data
            .as_object()
            .ok_or_else(|| field(&at, "expected an object"))?;
        for k in map.keys() {
            if !required.contains(&k.as_str()) && !optional.contains(&k.as_str()) {
                // An unknown field may be a constraint: refused, never ignored.
                return Err(field(
                    format!("{at}.{k}"),
                    format!("unknown field for {}", p.kind),
                ));
            }
        }
        for k in required {
            if !map.contains_key(*k) {
                return Err(field(format!("{at}.{k}"), "missing"));
            }
        }
        Ok(Self { at, map })
    }

    fn get(&self, k: &str) -> Option<&'a Value> {
        self.map.get(k)
    }

    fn err(&self, k: &str, m: impl Into<String>) -> Erc7715Error {
        field(format!("{}.{k}", self.at), m)
    }

    fn amount(&self, k: &str) -> Result<U256, Erc7715Error> {
        let v = self.get(k).ok_or_else(|| self.err(k, "missing"))?;
        quantity(v).map_err(|m| self.err(k, m))
    }

    fn seconds(&self, k: &str) -> Result<u32, Erc7715Error> {
        let v = self.get(k).ok_or_else(|| self.err(k, "missing"))?;
        let s = u64_of(v).map_err(|m| self.err(k, m))?;
        let s = u32::try_from(s).map_err(|_| self.err(k, format!("{s} s does not fit 32 bits")))?;
        if s < MIN_PERIOD {
            return Err(self.err(
                k,
                format!("{s} s is shorter than this module's shortest period ({MIN_PERIOD} s)"),
            ));
        }
        Ok(s)
    }

    fn count(&self, k: &str) -> Result<u32, Erc7715Error> {
        let v = self.get(k).ok_or_else(|| self.err(k, "missing"))?;
        let n = u64_of(v).map_err(|m| self.err(k, m))?;
        match u32::try_from(n) {
            Ok(0) => Err(self.err(k, "0 allows no op at all")),
            Ok(n) => Ok(n),
            Err(_) => Err(self.err(k, format!("{n} does not fit 32 bits"))),
        }
    }

    fn start(&self) -> Result<Option<u64>, Erc7715Error> {
        self.get("startTime")
            .map(|v| u64_of(v).map_err(|m| self.err("startTime", m)))
            .transpose()
    }

    fn address(&self, k: &str, what: &str) -> Result<Address, Erc7715Error> {
        let v = self.get(k).ok_or_else(|| self.err(k, "missing"))?;
        let s = v
            .as_str()
            .ok_or_else(|| self.err(k, "expected an address (0x…)"))?;
        let a = parse_address(s).map_err(|e| self.err(k, e.to_string()))?;
        if a == Address::ZERO {
            return Err(self.err(k, format!("the zero address is not a {what}")));
        }
        Ok(a)
    }
}

// ---------------------------------------------------------------------------------------------
// Request → session

/// What one permission asks for.
enum Asked {
    Native(Limit),
    Erc20(Address, TokenLimit),
    Gas(U256),
    Ops(u32),
    Calls(Address, Vec<(String, [u8; 4])>),
}

/// One permission read: what it asks, its period (periodic types) and its start (amount types).
struct Read {
    asked: Asked,
    period: Option<u32>,
    /// `Some(start)` for amount permissions (start `None` when absent); `None` otherwise.
    start: Option<Option<u64>>,
    /// Lifetime cap (vs. no cap at all, as a contract call).
    lifetime_cap: bool,
}

fn native_limit(d: &Data<'_>, k: &str) -> Result<Limit, Erc7715Error> {
    let v = d.amount(k)?;
    if v == U256::MAX {
        return Ok(Limit::Unlimited);
    }
    if v.is_zero() {
        return Err(d.err(k, "0 allows nothing: leave the permission out"));
    }
    if v > U256::from(MAX_NATIVE_CAP) {
        return Err(d.err(
            k,
            format!("{v} wei is above the largest native cap this module keeps (2^96 - 1); 2^256 - 1 asks for no cap"),
        ));
    }
    Ok(Limit::Limited(v.to::<u128>()))
}

fn token_limit(d: &Data<'_>, k: &str, periodic: bool) -> Result<TokenLimit, Erc7715Error> {
    let v = d.amount(k)?;
    if v == U256::MAX {
        return Ok(TokenLimit::Unlimited);
    }
    if v.is_zero() {
        return Err(d.err(k, "0 allows nothing: leave the permission out"));
    }
    let (max, what) = if periodic {
        (U256::from(MAX_PERIODIC_TOKEN_CAP), "2^104 - 1 per period")
    } else {
        (max_of(248), "2^248 - 1")
    };
    if v > max {
        return Err(d.err(
            k,
            format!("{v} is above the largest token cap this module keeps ({what}); 2^256 - 1 asks for no cap"),
        ));
    }
    Ok(TokenLimit::Limited(v))
}

fn read_permission(index: usize, p: &RequestedPermission) -> Result<Read, Erc7715Error> {
    let unsupported = |reason: &str| Erc7715Error::Unsupported {
        index,
        permission_type: p.kind.clone(),
        reason: reason.to_owned(),
    };
    if !p.policies.is_empty() {
        return Err(unsupported(
            "it carries policies, which this converter does not read (dropping one would widen the permission)",
        ));
    }
    let amount = |asked, period, start, lifetime_cap| Read {
        asked,
        period,
        start: Some(start),
        lifetime_cap,
    };
    let j = "justification";
    Ok(match p.kind.as_str() {
        "native-token-transfer" => {
            let d = Data::new(index, p, &["allowance"], &[])?;
            amount(Asked::Native(native_limit(&d, "allowance")?), None, None, true)
        }
        "native-token-allowance" => {
            let d = Data::new(index, p, &["allowanceAmount"], &["startTime", j])?;
            let l = native_limit(&d, "allowanceAmount")?;
            amount(Asked::Native(l), None, d.start()?, true)
        }
        "native-token-periodic" => {
            let d = Data::new(
                index,
                p,
                &["periodAmount", "periodDuration"],
                &["startTime", j],
            )?;
            let l = native_limit(&d, "periodAmount")?;
            let period = d.seconds("periodDuration")?;
            amount(Asked::Native(l), Some(period), d.start()?, false)
        }
        "erc20-token-transfer" => {
            let d = Data::new(index, p, &["address", "allowance"], &[])?;
            let token = d.address("address", "token")?;
            let l = token_limit(&d, "allowance", false)?;
            amount(Asked::Erc20(token, l), None, None, true)
        }
        "erc20-token-allowance" => {
            let d = Data::new(
                index,
                p,
                &["tokenAddress", "allowanceAmount"],
                &["startTime", j],
            )?;
            let token = d.address("tokenAddress", "token")?;
            let l = token_limit(&d, "allowanceAmount", false)?;
            amount(Asked::Erc20(token, l), None, d.start()?, true)
        }
        "erc20-token-periodic" => {
            let d = Data::new(
                index,
                p,
                &["tokenAddress", "periodAmount", "periodDuration"],
                &["startTime", j],
            )?;
            let token = d.address("tokenAddress", "token")?;
            let l = token_limit(&d, "periodAmount", true)?;
            let period = d.seconds("periodDuration")?;
            amount(Asked::Erc20(token, l), Some(period), d.start()?, false)
        }
        "gas-limit" => {
            let d = Data::new(index, p, &["limit"], &[])?;
            Read {
                asked: Asked::Gas(d.amount("limit")?),
                period: None,
                start: None,
                lifetime_cap: true,
            }
        }
        "call-limit" => {
            let d = Data::new(index, p, &["count"], &[])?;
            Read {
                asked: Asked::Ops(d.count("count")?),
                period: None,
                start: None,
                lifetime_cap: true,
            }
        }
        "rate-limit" => {
            let d = Data::new(index, p, &["count", "interval"], &[])?;
            Read {
                asked: Asked::Ops(d.count("count")?),
                period: Some(d.seconds("interval")?),
                start: None,
                lifetime_cap: false,
            }
        }
        "contract-call" => {
            let d = Data::new(index, p, &["address"], &["calls"])?;
            let target = d.address("address", "contract")?;
            let calls = match d.get("calls") {
                None => Vec::new(),
                Some(Value::Array(a)) => a.clone(),
                Some(_) => {
                    return Err(d.err(
                        "calls",
                        "expected an array of function signatures or selectors",
                    ))
                }
            };
            if calls.is_empty() {
                return Err(unsupported(
                    "it names no function, so any function of the contract would be allowed (a wildcard): list the functions in `calls`",
                ));
            }
            let mut fns = Vec::with_capacity(calls.len());
            for (k, c) in calls.iter().enumerate() {
                let at = format!("calls[{k}]");
                let text = c
                    .as_str()
                    .ok_or_else(|| d.err(&at, "expected a function signature or a selector"))?;
                fns.push((text.to_owned(), selector_of(text).map_err(|m| d.err(&at, m))?));
            }
            Read {
                asked: Asked::Calls(target, fns),
                period: None,
                start: None,
                lifetime_cap: false,
            }
        }
        "native-token-stream" | "erc20-token-stream" => {
            return Err(unsupported(
                "a stream accrues its allowance every second; this module's caps hold for the session's life or renew whole each period",
            ))
        }
        "erc721-token-transfer" | "erc1155-token-transfer" => {
            return Err(unsupported(
                "this module caps native value and ERC-20 amounts only; it has no cap on NFT transfers",
            ))
        }
        "erc20-token-revocation" => {
            return Err(unsupported(
                "this module has no permission limited to revoking ERC-20 approvals",
            ))
        }
        _ => {
            return Err(unsupported(
                "unknown permission type (refused, not ignored)",
            ))
        }
    })
}

/// `0x` + 8 hex digits, or a function signature.
fn selector_of(text: &str) -> Result<[u8; 4], String> {
    let t = text.trim();
    if let Some(digits) = t.strip_prefix("0x") {
        let b = hex::decode(digits).map_err(|_| format!("`{t}` is not a 4-byte selector"))?;
        return <[u8; 4]>::try_from(b.as_slice())
            .map_err(|_| format!("`{t}` is not a 4-byte selector"));
    }
    FunctionSignature::parse(t)
        .map(|f| f.selector)
        .map_err(|e| e.to_string())
}

fn signer_builder(signer: &TypedData) -> Result<SessionBuilder, Erc7715Error> {
    let unsupported = |reason| Erc7715Error::UnsupportedSigner {
        signer_type: signer.kind.clone(),
        reason,
    };
    match signer.kind.as_str() {
        "key" => {}
        "account" => return Err(unsupported(
            "an account signer redeems ERC-7710 delegations, but this module checks a session key's own signature (ask for a key signer)",
        )),
        "wallet" => return Err(unsupported(
            "a wallet-managed session keeps the key in the wallet, but this module needs the session key's public key (ask for a key signer)",
        )),
        "keys" => return Err(unsupported(
            "a multisig of keys: this module checks exactly one key's signature per session",
        )),
        _ => return Err(unsupported("unknown signer type (refused, not ignored)")),
    }
    let data = signer
        .data
        .as_object()
        .ok_or_else(|| field("signer.data", "expected an object {type, publicKey}"))?;
    if let Some(k) = data
        .keys()
        .find(|k| !["type", "publicKey"].contains(&k.as_str()))
    {
        return Err(field(format!("signer.data.{k}"), "unknown field"));
    }
    let key_type = data
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| field("signer.data.type", "missing"))?;
    let text = data
        .get("publicKey")
        .and_then(Value::as_str)
        .ok_or_else(|| field("signer.data.publicKey", "missing"))?;
    let bytes = hex::decode(text.trim())
        .map_err(|_| field("signer.data.publicKey", format!("`{text}` is not hex")))?;
    let bad = |m: &str| field("signer.data.publicKey", m);
    match key_type {
        "secp256k1" => {
            let address = match bytes.len() {
                // The record keeps only the key's address, so that is what it is written as.
                20 => Address::from_slice(&bytes),
                33 | 65 => k256::ecdsa::VerifyingKey::from_sec1_bytes(&bytes)
                    .map(|k| crate::key::address_of(&k))
                    .map_err(|_| bad("not a secp256k1 public key"))?,
                _ => return Err(bad("expected a SEC1 secp256k1 public key (33 or 65 bytes) or the key's 20-byte address")),
            };
            Ok(SessionBuilder::new(address))
        }
        "secp256r1" | "webauthn-p256" => {
            let point = p256::ecdsa::VerifyingKey::from_sec1_bytes(&bytes)
                .map_err(|_| {
                    bad("expected a P-256 public key on the curve (0x04‖X‖Y or compressed)")
                })?
                .to_encoded_point(false);
            let xy = &point.as_bytes()[1..];
            let key = P256PublicKey {
                x: alloy_primitives::B256::from_slice(&xy[..32]),
                y: alloy_primitives::B256::from_slice(&xy[32..]),
            };
            Ok(if key_type == "secp256r1" {
                SessionBuilder::p256(key)
            } else {
                SessionBuilder::webauthn(key)
            })
        }
        other => Err(Erc7715Error::UnsupportedKeyType {
            key_type: other.to_owned(),
        }),
    }
}

/// The session a request asks for, built by [`SessionBuilder`] (so every builder check
/// applies). `request.chainId` and `request.address` say where to register it.
///
/// # Errors
/// [`Erc7715Error`], naming the permission and why.
pub fn to_permission(
    request: &PermissionRequest,
    options: &Options,
) -> Result<Permission, Erc7715Error> {
    if !request.policies.is_empty() {
        return Err(field(
            "policies",
            "request policies are not read by this converter (dropping one would widen the permission)",
        ));
    }
    let mut b = signer_builder(&request.signer)?;
    let reads = request
        .permissions
        .iter()
        .enumerate()
        .map(|(i, p)| read_permission(i, p))
        .collect::<Result<Vec<_>, _>>()?;
    let kind = |i: usize| request.permissions[i].kind.clone();

    // One period for the whole session, and no lifetime cap beside it.
    let mut period: Option<(usize, u32)> = None;
    for (i, r) in reads.iter().enumerate() {
        if let Some(p) = r.period {
            match period {
                Some((first, q)) if q != p => {
                    return Err(Erc7715Error::PeriodMismatch {
                        first,
                        first_type: kind(first),
                        first_period: q,
                        second: i,
                        second_type: kind(i),
                        second_period: p,
                    })
                }
                Some(_) => {}
                None => period = Some((i, p)),
            }
        }
    }
    if let Some((periodic, p)) = period {
        if let Some(lifetime) = reads.iter().position(|r| r.lifetime_cap) {
            return Err(Erc7715Error::PeriodicAndLifetime {
                periodic,
                periodic_type: kind(periodic),
                period: p,
                lifetime,
                lifetime_type: kind(lifetime),
            });
        }
        b = b.period(p);
    }

    // One start for the whole session.
    let mut start: Option<(usize, Option<u64>)> = None;
    for (i, r) in reads.iter().enumerate() {
        let Some(s) = r.start else { continue };
        match start {
            Some((first, t)) if t != s => {
                let show = |t: Option<u64>| t.map_or_else(|| "none".to_owned(), |t| t.to_string());
                return Err(Erc7715Error::StartTimeMismatch {
                    first,
                    first_start: show(t),
                    second: i,
                    second_start: show(s),
                });
            }
            Some(_) => {}
            None => start = Some((i, s)),
        }
    }
    let valid_after = start.and_then(|(_, s)| s).unwrap_or(0);
    let valid_until = match request.expiry {
        Some(0) => {
            return Err(field(
                "expiry",
                "0 is not a time (leave expiry out for none)",
            ))
        }
        Some(t) => t,
        None => 0,
    };
    if valid_after > MAX_TIMESTAMP {
        return Err(field(
            "startTime",
            format!("{valid_after} is beyond the largest 48-bit timestamp"),
        ));
    }
    b = b.valid_between(valid_after, valid_until);

    let duplicate = |first: usize, second: usize, what: String| Erc7715Error::Duplicate {
        first,
        first_type: kind(first),
        second,
        second_type: kind(second),
        what,
    };
    let mut native: Option<usize> = None;
    let mut tokens: BTreeMap<Address, usize> = BTreeMap::new();
    let mut gas: Option<usize> = None;
    let mut ops: Option<usize> = None;
    let mut functions: BTreeMap<(Address, [u8; 4]), usize> = BTreeMap::new();
    // ERC-20 permissions first, so a contract call can be checked against them.
    for (i, r) in reads.iter().enumerate() {
        if let Asked::Erc20(token, limit) = r.asked {
            if let Some(&first) = tokens.get(&token) {
                return Err(duplicate(first, i, format!("the cap on token {token}")));
            }
            tokens.insert(token, i);
            functions.insert((token, erc20::TRANSFER), i);
            b = b
                .token_cap(token, limit)
                .call(CallBuilder::function(token, ERC20_TRANSFER));
        }
    }
    for (i, r) in reads.iter().enumerate() {
        match &r.asked {
            Asked::Erc20(..) => {}
            Asked::Native(limit) => {
                if let Some(first) = native {
                    return Err(duplicate(first, i, "the native-value cap".into()));
                }
                native = Some(i);
                let per_call = match limit {
                    Limit::Limited(v) => *v,
                    Limit::Unlimited => u128::MAX,
                };
                // Native permissions name no recipient: transfers to anyone, within the cap.
                b = b.native_cap(*limit).allow_wildcards().call(
                    CallBuilder::new(Target::Any, Calldata::PlainTransfer)
                        .max_value(U256::from(per_call)),
                );
            }
            Asked::Gas(limit) => {
                if let Some(first) = gas {
                    return Err(duplicate(first, i, "the gas limit".into()));
                }
                gas = Some(i);
                let price = options.gas_price.ok_or(Erc7715Error::GasNeedsPrice(i))?;
                let wei = limit
                    .checked_mul(U256::from(price))
                    .filter(|w| *w <= U256::from(u128::MAX))
                    .ok_or_else(|| {
                        field(
                            format!("permissions[{i}].data.limit"),
                            format!("{limit} gas at {price} wei does not fit the module's 128-bit budget"),
                        )
                    })?;
                b = b.gas_budget(Limit::Limited(wei.to::<u128>()));
            }
            Asked::Ops(n) => {
                if let Some(first) = ops {
                    return Err(duplicate(first, i, "the op count".into()));
                }
                ops = Some(i);
                b = b.max_ops(*n);
            }
            Asked::Calls(target, fns) => {
                for (text, sel) in fns {
                    if let Some(&first) = functions.get(&(*target, *sel)) {
                        return Err(duplicate(first, i, format!("{text} on {target}")));
                    }
                    functions.insert((*target, *sel), i);
                    let spends = [
                        erc20::TRANSFER,
                        erc20::TRANSFER_FROM,
                        erc20::APPROVE,
                        erc20::INCREASE_ALLOWANCE,
                    ]
                    .contains(sel);
                    if spends && !tokens.contains_key(target) {
                        return Err(Erc7715Error::Unsupported {
                            index: i,
                            permission_type: kind(i),
                            reason: format!("{text} on {target} spends the token, and this module caps every spend of a token: ask for an ERC-20 permission on {target} too"),
                        });
                    }
                    let calldata = if text.trim().starts_with("0x") {
                        Calldata::Selector(*sel)
                    } else {
                        Calldata::Function(text.clone())
                    };
                    b = b.call(CallBuilder::new(Target::Exact(*target), calldata));
                }
            }
        }
    }
    if gas.is_none() {
        b = b.gas_budget(options.gas_budget.ok_or(Erc7715Error::NoGasBudget)?);
    }
    Ok(b.build()?)
}

// ---------------------------------------------------------------------------------------------
// Session → request

fn signer_of(record: &SessionRecord) -> TypedData {
    let sec1 = |k: &P256PublicKey| {
        let mut b = vec![4u8];
        b.extend_from_slice(k.x.as_slice());
        b.extend_from_slice(k.y.as_slice());
        hex::encode_prefixed(b)
    };
    let (key_type, public_key) = match &record.signer_key {
        // A record keeps the secp256k1 key's address only.
        SignerKey::Secp256k1 => ("secp256k1", record.signer.to_checksum(None)),
        SignerKey::P256(k) => ("secp256r1", sec1(k)),
        SignerKey::WebAuthn(k) => ("webauthn-p256", sec1(k)),
    };
    TypedData {
        kind: "key".into(),
        data: json!({ "type": key_type, "publicKey": public_key }),
    }
}

fn permission(kind: &str, data: Value) -> RequestedPermission {
    RequestedPermission {
        kind: kind.into(),
        data,
        required: None,
        is_adjustment_allowed: None,
        policies: Vec::new(),
    }
}

/// The request that asks for exactly `record` on chain `chain_id` for `account`: the reverse
/// of [`to_permission`] under the same `options` (`functions` names the calls; selectors it
/// does not know are written as `0x…`).
///
/// # Errors
/// [`Erc7715Error::NotExpressible`] naming the record field no request can say.
pub fn to_request(
    record: &SessionRecord,
    functions: &FunctionBook,
    chain_id: u64,
    account: Option<Address>,
    options: &Options,
) -> Result<PermissionRequest, Erc7715Error> {
    if let Some(p) = record.paymaster {
        return Err(not_expressible(
            "paymaster",
            format!("ERC-7715 has no permission naming a paymaster ({p})"),
        ));
    }
    if !record.typed_data_scopes.is_empty() {
        return Err(not_expressible(
            "typed_data",
            format!(
                "ERC-7715 has no permission to sign typed data for the account ({} scope(s))",
                record.typed_data_scopes.len()
            ),
        ));
    }
    let mut native_entry: Option<(usize, u128)> = None;
    let mut transfers: Vec<Address> = Vec::new();
    let mut calls: BTreeMap<Address, Vec<Value>> = BTreeMap::new();
    for (i, c) in record.calls.iter().enumerate() {
        let at = format!("calls[{i}]");
        if !c.rules.is_empty() {
            return Err(not_expressible(
                at,
                "its parameter rules: contract-call names functions, not conditions on their arguments",
            ));
        }
        match (c.key.target, c.key.selector) {
            (TargetMatch::Any, SelectorMatch::Empty) => native_entry = Some((i, c.max_value)),
            (TargetMatch::Exact(_), _) if c.max_value != 0 => {
                return Err(not_expressible(
                    at,
                    "it sends native value with the call; contract-call carries none, and native permissions name no recipient",
                ))
            }
            (TargetMatch::Exact(t), SelectorMatch::Exact(sel)) => {
                let capped = record.token_caps.iter().any(|cap| cap.token == t);
                if sel == erc20::TRANSFER && capped {
                    transfers.push(t);
                } else {
                    let text = functions.get(sel).map_or_else(
                        || Value::String(hex::encode_prefixed(sel)),
                        |f| Value::String(f.canonical.clone()),
                    );
                    calls.entry(t).or_default().push(text);
                }
            }
            (TargetMatch::Exact(_), SelectorMatch::Empty) => {
                return Err(not_expressible(
                    at,
                    "plain transfers to one address: ERC-7715's native permissions name no recipient",
                ))
            }
            _ => {
                return Err(not_expressible(
                    at,
                    "a wildcard (any target or any function) that no permission type names",
                ))
            }
        }
    }

    let start = (record.valid_after != 0).then_some(record.valid_after);
    let with_start = |mut data: Value| {
        if let Some(s) = start {
            data["startTime"] = json!(s);
        }
        data
    };
    let mut permissions = Vec::new();

    // Native value: the cap and the transfer-anywhere entry together, or neither.
    let per_call = |l: Limit| match l {
        Limit::Limited(v) => v,
        Limit::Unlimited => u128::MAX,
    };
    match (record.native_cap, native_entry) {
        (Limit::Limited(0), None) => {}
        (cap, Some((_, m))) if cap != Limit::Limited(0) && m == per_call(cap) => {
            let amount = match cap {
                Limit::Limited(v) => hex_quantity(U256::from(v)),
                Limit::Unlimited => hex_quantity(U256::MAX),
            };
            permissions.push(match record.period {
                None => permission(
                    "native-token-allowance",
                    with_start(json!({ "allowanceAmount": amount })),
                ),
                Some(p) => permission(
                    "native-token-periodic",
                    with_start(json!({ "periodAmount": amount, "periodDuration": p })),
                ),
            });
        }
        (_, Some((i, _))) => {
            return Err(not_expressible(
                format!("calls[{i}]"),
                "its value per transfer differs from the native cap; a native permission has one amount",
            ))
        }
        (_, None) => {
            return Err(not_expressible(
                "native_cap",
                "a native cap without plain transfers to any address: a native permission allows exactly those",
            ))
        }
    }

    // ERC-20: the cap and its plain transfer entry together.
    for (j, cap) in record.token_caps.iter().enumerate() {
        if !transfers.contains(&cap.token) {
            return Err(not_expressible(
                format!("token_caps[{j}]"),
                format!("the cap on {} comes without a transfer(address,uint256) entry; an ERC-20 permission allows exactly those transfers", cap.token),
            ));
        }
        let amount = match cap.limit {
            TokenLimit::Limited(v) => hex_quantity(v),
            TokenLimit::Unlimited => hex_quantity(U256::MAX),
        };
        let token = cap.token.to_checksum(None);
        permissions.push(match record.period {
            None => permission(
                "erc20-token-allowance",
                with_start(json!({ "tokenAddress": token, "allowanceAmount": amount })),
            ),
            Some(p) => permission(
                "erc20-token-periodic",
                with_start(
                    json!({ "tokenAddress": token, "periodAmount": amount, "periodDuration": p }),
                ),
            ),
        });
    }
    let amount_permissions = permissions.len();

    for (target, fns) in calls {
        permissions.push(permission(
            "contract-call",
            json!({ "address": target.to_checksum(None), "calls": fns }),
        ));
    }

    // Gas: left to the caller's default when it is the same, else a lifetime gas-limit.
    if options.gas_budget != Some(record.gas_budget) {
        match (record.gas_budget, record.period, options.gas_price) {
            (Limit::Limited(wei), None, Some(price)) if price != 0 && wei % price == 0 => {
                permissions.push(permission(
                    "gas-limit",
                    json!({ "limit": hex_quantity(U256::from(wei / price)) }),
                ))
            }
            (Limit::Limited(wei), None, Some(price)) => {
                return Err(not_expressible(
                    "gas_budget",
                    format!("{wei} wei is not a whole number of gas units at {price} wei per gas"),
                ))
            }
            (Limit::Limited(_), None, None) => {
                return Err(not_expressible(
                    "gas_budget",
                    "a wei budget becomes gas-limit only at a gas price: give one (or give this budget as the default)",
                ))
            }
            (_, Some(_), _) => {
                return Err(not_expressible(
                    "gas_budget",
                    "a budget per period: gas-limit is for the whole session (give this budget as the default)",
                ))
            }
            (Limit::Unlimited, None, _) => {
                return Err(not_expressible(
                    "gas_budget",
                    "no gas limit: a request says that only by leaving gas-limit out (give \"unlimited\" as the default)",
                ))
            }
        }
    }

    let mut renews = amount_permissions > 0 && record.period.is_some();
    if let Some(n) = record.max_ops {
        permissions.push(match record.period {
            None => permission("call-limit", json!({ "count": n })),
            Some(p) => {
                renews = true;
                permission("rate-limit", json!({ "count": n, "interval": p }))
            }
        });
    }
    if let Some(p) = record.period {
        if !renews {
            return Err(not_expressible(
                "period",
                format!("no cap of this record that a permission type can carry renews, so nothing says the period ({p} s)"),
            ));
        }
    }
    if start.is_some() && amount_permissions == 0 {
        return Err(not_expressible(
            "valid_after",
            "only native and ERC-20 permissions carry a startTime, and this record has neither",
        ));
    }
    Ok(PermissionRequest {
        chain_id: ChainId(chain_id),
        address: account,
        expiry: (record.valid_until != 0).then_some(record.valid_until),
        signer: signer_of(record),
        permissions,
        policies: Vec::new(),
    })
}

impl fmt::Display for PermissionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string_pretty(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::builder::{Check, Problem};
    use alloy_primitives::address;

    const USDC: Address = address!("0xaf88d065e77c8cC2239327C5EDb3A432268e5831");
    const ROUTER: Address = address!("0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45");
    const WETH: Address = address!("0x82aF49447D8a07e3bd95BD0d56f35241523fBab1");
    /// The address of the secp256k1 key with secret 1 (the fixtures' generator point).
    const KEY1: Address = address!("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
    const GWEI_TENTH: u128 = 100_000_000;

    fn lifetime_fixture() -> &'static str {
        include_str!("../tests/fixtures/erc7715/lifetime-secp256k1.json")
    }
    fn periodic_fixture() -> &'static str {
        include_str!("../tests/fixtures/erc7715/periodic-passkey.json")
    }
    fn spec_fixture() -> &'static str {
        include_str!("../tests/fixtures/erc7715/spec-e1d58b0-p256.json")
    }

    fn p256_generator() -> P256PublicKey {
        P256PublicKey {
            x: "0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
                .parse()
                .unwrap(),
            y: "0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"
                .parse()
                .unwrap(),
        }
    }

    fn priced() -> Options {
        Options {
            gas_price: Some(GWEI_TENTH),
            gas_budget: None,
        }
    }

    fn with_budget(budget: Limit) -> Options {
        Options {
            gas_price: Some(GWEI_TENTH),
            gas_budget: Some(budget),
        }
    }

    /// What a request means, order- and spelling-free: each permission as (canonical type,
    /// fields), amounts as numbers, addresses lower-case, contract calls one per selector,
    /// the signer as its session address and kind. `justification`, `required` and
    /// `isAdjustmentAllowed` change nothing granted and are left out.
    fn meaning(r: &PermissionRequest) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        out.insert(format!("chain {}", r.chain_id.0));
        out.insert(format!("account {:?}", r.address));
        out.insert(format!("expiry {:?}", r.expiry));
        let b = signer_builder(&r.signer)
            .unwrap()
            .gas_budget(Limit::Unlimited);
        let s = b.build().unwrap().record;
        out.insert(format!("signer {} {:?}", s.signer, s.signer_key));
        let n = |v: &Value| quantity(v).unwrap().to_string();
        let a = |v: &Value| parse_address(v.as_str().unwrap()).unwrap().to_string();
        let start = |d: &Value| d.get("startTime").map(n);
        for p in &r.permissions {
            let d = &p.data;
            let item = match p.kind.as_str() {
                "native-token-transfer" => format!("native {} None", n(&d["allowance"])),
                "native-token-allowance" => {
                    format!("native {} {:?}", n(&d["allowanceAmount"]), start(d))
                }
                "native-token-periodic" => format!(
                    "native {} {:?} every {}",
                    n(&d["periodAmount"]),
                    start(d),
                    n(&d["periodDuration"])
                ),
                "erc20-token-transfer" => {
                    format!("erc20 {} {} None", a(&d["address"]), n(&d["allowance"]))
                }
                "erc20-token-allowance" => format!(
                    "erc20 {} {} {:?}",
                    a(&d["tokenAddress"]),
                    n(&d["allowanceAmount"]),
                    start(d)
                ),
                "erc20-token-periodic" => format!(
                    "erc20 {} {} {:?} every {}",
                    a(&d["tokenAddress"]),
                    n(&d["periodAmount"]),
                    start(d),
                    n(&d["periodDuration"])
                ),
                "gas-limit" => format!("gas {}", n(&d["limit"])),
                "call-limit" => format!("ops {}", n(&d["count"])),
                "rate-limit" => format!("ops {} every {}", n(&d["count"]), n(&d["interval"])),
                "contract-call" => {
                    for c in d["calls"].as_array().unwrap() {
                        let sel = selector_of(c.as_str().unwrap()).unwrap();
                        out.insert(format!("call {} {}", a(&d["address"]), hex::encode(sel)));
                    }
                    continue;
                }
                other => panic!("unexpected {other}"),
            };
            out.insert(item);
        }
        out
    }

    /// request → record → request means the same, and that request → the same record bytes.
    fn request_round_trip(text: &str, options: &Options) -> Permission {
        let request = parse_request(text).unwrap();
        let p = to_permission(&request, options).unwrap();
        let back = to_request(
            &p.record,
            &p.functions,
            request.chain_id.0,
            request.address,
            options,
        )
        .unwrap();
        assert_eq!(meaning(&back), meaning(&request), "{back}");
        // Through JSON, as a wallet would receive it.
        let again = parse_request(&back.to_string()).unwrap();
        assert_eq!(again, back);
        let p2 = to_permission(&again, options).unwrap();
        assert_eq!(p2.record.encode(), p.record.encode());
        p
    }

    /// record → request → the identical record (encoding byte for byte).
    fn record_round_trip(p: &Permission, options: &Options) -> PermissionRequest {
        let request = to_request(&p.record, &p.functions, 42161, None, options).unwrap();
        let again = parse_request(&request.to_string()).unwrap();
        let back = to_permission(&again, options).unwrap();
        assert_eq!(back.record.encode(), p.record.encode(), "{request}");
        assert_eq!(back.record, p.record);
        request
    }

    #[test]
    fn lifetime_fixture_maps_every_field() {
        let p = request_round_trip(lifetime_fixture(), &priced());
        let r = &p.record;
        assert_eq!((r.signer, r.signer_key), (KEY1, SignerKey::Secp256k1));
        assert_eq!((r.valid_after, r.valid_until), (1764547200, 1767225600));
        assert_eq!(r.native_cap, Limit::Limited(10u128.pow(16)));
        assert_eq!(r.gas_budget, Limit::Limited(2_000_000 * GWEI_TENTH));
        assert_eq!((r.max_ops, r.period, r.paymaster), (Some(50), None, None));
        assert_eq!(
            r.token_caps,
            vec![sessionkey_policy::record::TokenCap {
                token: USDC,
                limit: TokenLimit::Limited(U256::from(100_000_000u64)),
            }]
        );
        // Router ×2, USDC approve + transfer, and transfers of native value to anyone.
        let keys: Vec<_> = r.calls.iter().map(|c| (c.key, c.max_value)).collect();
        assert_eq!(keys.len(), 5);
        assert!(keys.contains(&(
            sessionkey_policy::layout::CallKey {
                target: TargetMatch::Any,
                selector: SelectorMatch::Empty
            },
            10u128.pow(16)
        )));
        assert!(keys.contains(&(
            sessionkey_policy::layout::CallKey {
                target: TargetMatch::Exact(ROUTER),
                selector: SelectorMatch::Exact([0x04, 0xe4, 0x5a, 0xaf])
            },
            0
        )));
        assert!(r.calls.iter().all(|c| c.rules.is_empty()));
    }

    #[test]
    fn periodic_fixture_maps_to_one_period() {
        let options = with_budget(Limit::Limited(10u128.pow(15)));
        let p = request_round_trip(periodic_fixture(), &options);
        let r = &p.record;
        assert_eq!(r.signer_key, SignerKey::WebAuthn(p256_generator()));
        assert_eq!(r.period, Some(86400));
        assert_eq!(r.valid_after, 1764547200);
        assert_eq!(r.native_cap, Limit::Limited(10u128.pow(15)));
        assert_eq!(r.max_ops, Some(24));
        assert_eq!(r.gas_budget, Limit::Limited(10u128.pow(15)));
        assert_eq!(
            r.token_caps[0].limit,
            TokenLimit::Limited(U256::from(10_000_000u64))
        );
    }

    #[test]
    fn spec_example_names_and_compressed_p256_key() {
        let p = request_round_trip(spec_fixture(), &priced());
        let r = &p.record;
        assert_eq!(r.signer_key, SignerKey::P256(p256_generator()));
        assert_eq!(r.native_cap, Limit::Limited(500_000_000));
        assert_eq!(r.gas_budget, Limit::Limited(500_000 * GWEI_TENTH));
        assert_eq!(r.token_caps[0].token, WETH);
        // Written back under the names that carry startTime and periods.
        let back = to_request(r, &p.functions, 42161, None, &priced()).unwrap();
        let kinds: Vec<&str> = back.permissions.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "native-token-allowance",
                "erc20-token-allowance",
                "gas-limit"
            ]
        );
    }

    #[test]
    fn written_request_is_the_expected_json() {
        let p = SessionBuilder::new(KEY1)
            .valid_between(1764547200, 1767225600)
            .period(3600)
            .native_cap(Limit::Limited(1_000))
            .allow_wildcards()
            .call(
                CallBuilder::new(Target::Any, Calldata::PlainTransfer)
                    .max_value(U256::from(1_000u64)),
            )
            .token_cap(USDC, TokenLimit::Unlimited)
            .call(CallBuilder::function(USDC, ERC20_TRANSFER))
            .max_ops(3)
            .gas_budget(Limit::Limited(7))
            .build()
            .unwrap();
        let r = to_request(
            &p.record,
            &p.functions,
            42161,
            Some(ROUTER),
            &with_budget(Limit::Limited(7)),
        )
        .unwrap();
        let want = json!({
            "chainId": "0xa4b1",
            "address": "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45",
            "expiry": 1767225600,
            "signer": { "type": "key", "data": { "type": "secp256k1", "publicKey": "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf" } },
            "permissions": [
                { "type": "native-token-periodic", "data": { "periodAmount": "0x3e8", "periodDuration": 3600, "startTime": 1764547200 } },
                { "type": "erc20-token-periodic", "data": {
                    "tokenAddress": "0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
                    "periodAmount": "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                    "periodDuration": 3600, "startTime": 1764547200 } },
                { "type": "rate-limit", "data": { "count": 3, "interval": 3600 } }
            ]
        });
        assert_eq!(serde_json::to_value(&r).unwrap(), want);
        record_round_trip(&p, &with_budget(Limit::Limited(7)));
    }

    #[test]
    fn every_expressible_record_round_trips_byte_identical() {
        let base = || SessionBuilder::new(KEY1).gas_budget(Limit::Limited(3 * GWEI_TENTH));
        let native = |b: SessionBuilder, l: Limit| {
            let per_call = match l {
                Limit::Limited(v) => v,
                Limit::Unlimited => u128::MAX,
            };
            b.native_cap(l).allow_wildcards().call(
                CallBuilder::new(Target::Any, Calldata::PlainTransfer)
                    .max_value(U256::from(per_call)),
            )
        };
        let erc20 = |b: SessionBuilder, t: Address, l: TokenLimit| {
            b.token_cap(t, l)
                .call(CallBuilder::function(t, ERC20_TRANSFER))
        };
        let o = priced();
        let cases: Vec<(&str, SessionBuilder, Options)> = vec![
            ("signer only", base(), o),
            ("expiry", base().valid_between(0, 1767225600), o),
            ("native lifetime", native(base(), Limit::Limited(5)), o),
            ("native unlimited", native(base(), Limit::Unlimited), o),
            (
                "native from a start",
                native(base(), Limit::Limited(5)).valid_between(1764547200, 0),
                o,
            ),
            (
                "native periodic",
                native(base(), Limit::Limited(5)).period(60),
                with_budget(Limit::Limited(3 * GWEI_TENTH)),
            ),
            (
                "erc20 lifetime + unlimited",
                erc20(
                    erc20(base(), USDC, TokenLimit::Limited(U256::from(9))),
                    WETH,
                    TokenLimit::Unlimited,
                ),
                o,
            ),
            (
                "erc20 periodic at the 104-bit edge",
                erc20(
                    base(),
                    USDC,
                    TokenLimit::Limited(U256::from(MAX_PERIODIC_TOKEN_CAP)),
                )
                .period(86400)
                .valid_between(1764547200, 1767225600),
                with_budget(Limit::Limited(3 * GWEI_TENTH)),
            ),
            (
                "gas unlimited by default",
                base().gas_budget(Limit::Unlimited),
                with_budget(Limit::Unlimited),
            ),
            ("call limit", base().max_ops(7), o),
            (
                "rate limit",
                base().max_ops(7).period(600),
                with_budget(Limit::Limited(3 * GWEI_TENTH)),
            ),
            (
                "contract calls by signature and selector",
                erc20(base(), USDC, TokenLimit::Limited(U256::from(9)))
                    .call(CallBuilder::function(
                        USDC,
                        "approve(address spender, uint256 amount)",
                    ))
                    .call(CallBuilder::function(ROUTER, "multicall(uint256,bytes[])"))
                    .call(CallBuilder::new(
                        Target::Exact(ROUTER),
                        Calldata::Selector([0x04, 0xe4, 0x5a, 0xaf]),
                    )),
                o,
            ),
            (
                "P-256 key",
                SessionBuilder::p256(p256_generator()).gas_budget(Limit::Limited(GWEI_TENTH)),
                o,
            ),
            (
                "passkey",
                SessionBuilder::webauthn(p256_generator()).gas_budget(Limit::Limited(GWEI_TENTH)),
                o,
            ),
        ];
        for (name, b, options) in cases {
            let p = b.build().unwrap_or_else(|e| panic!("{name}: {e}"));
            let request = record_round_trip(&p, &options);
            // And the request it wrote round-trips as a request.
            let p2 = request_round_trip(&request.to_string(), &options);
            assert_eq!(p2.record, p.record, "{name}");
        }
    }

    fn refused(text: &str, options: &Options) -> Erc7715Error {
        to_permission(&parse_request(text).unwrap(), options).expect_err("must be refused")
    }

    /// A request with `permissions` and a secp256k1 key signer.
    fn request(permissions: Value) -> String {
        json!({
            "chainId": "0xa4b1",
            "expiry": 1767225600,
            "signer": { "type": "key", "data": { "type": "secp256k1", "publicKey": KEY1.to_string() } },
            "permissions": permissions,
        })
        .to_string()
    }

    fn unsupported(index: usize, kind: &str, reason: &str) -> Erc7715Error {
        Erc7715Error::Unsupported {
            index,
            permission_type: kind.into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn streams_nfts_and_unknown_types_are_refused() {
        let stream = "a stream accrues its allowance every second; this module's caps hold for the session's life or renew whole each period";
        let nft =
            "this module caps native value and ERC-20 amounts only; it has no cap on NFT transfers";
        for (p, want) in [
            (
                json!({ "type": "native-token-stream", "data": { "amountPerSecond": "0x5AF3107A4000", "initialAmount": "0x0", "maxAmount": "0xDE0B6B3A7640000", "startTime": 1764547200 } }),
                unsupported(0, "native-token-stream", stream),
            ),
            (
                json!({ "type": "erc20-token-stream", "data": { "tokenAddress": USDC.to_string(), "amountPerSecond": "0x1" } }),
                unsupported(0, "erc20-token-stream", stream),
            ),
            (
                json!({ "type": "erc721-token-transfer", "data": { "address": ROUTER.to_string(), "tokenIds": ["0x1"] } }),
                unsupported(0, "erc721-token-transfer", nft),
            ),
            (
                json!({ "type": "erc1155-token-transfer", "data": { "address": ROUTER.to_string(), "allowances": { "1": "0x1" } } }),
                unsupported(0, "erc1155-token-transfer", nft),
            ),
            (
                json!({ "type": "erc20-token-revocation", "data": {} }),
                unsupported(0, "erc20-token-revocation", "this module has no permission limited to revoking ERC-20 approvals"),
            ),
            (
                json!({ "type": "native-token-limit", "data": { "amount": "0x1" } }),
                unsupported(0, "native-token-limit", "unknown permission type (refused, not ignored)"),
            ),
            (
                json!({ "type": "contract-call", "data": { "address": ROUTER.to_string() } }),
                unsupported(0, "contract-call", "it names no function, so any function of the contract would be allowed (a wildcard): list the functions in `calls`"),
            ),
            (
                json!({ "type": "contract-call", "data": { "address": ROUTER.to_string(), "calls": ["exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))"] }, "policies": [{ "type": "zerodev-arg-rules", "data": {} }] }),
                unsupported(0, "contract-call", "it carries policies, which this converter does not read (dropping one would widen the permission)"),
            ),
        ] {
            let e = refused(&request(json!([p])), &priced());
            assert_eq!(e, want);
        }
        let e = refused(
            &request(json!([{ "type": "native-token-stream", "data": {} }])),
            &priced(),
        );
        assert_eq!(
            e.to_string(),
            format!("permissions[0] (native-token-stream) cannot be granted: {stream}")
        );
    }

    #[test]
    fn one_period_per_session() {
        let daily = json!({ "type": "native-token-periodic", "data": { "periodAmount": "0x1", "periodDuration": 86400 } });
        let weekly = json!({ "type": "erc20-token-periodic", "data": { "tokenAddress": USDC.to_string(), "periodAmount": "0x1", "periodDuration": 604800 } });
        let e = refused(
            &request(json!([daily, weekly])),
            &with_budget(Limit::Limited(1)),
        );
        assert_eq!(
            e,
            Erc7715Error::PeriodMismatch {
                first: 0,
                first_type: "native-token-periodic".into(),
                first_period: 86400,
                second: 1,
                second_type: "erc20-token-periodic".into(),
                second_period: 604800,
            }
        );
        assert!(e.to_string().contains("permissions[0] (native-token-periodic) renews every 86400 s but permissions[1] (erc20-token-periodic) every 604800 s"), "{e}");

        let lifetime = json!({ "type": "erc20-token-allowance", "data": { "tokenAddress": USDC.to_string(), "allowanceAmount": "0x1" } });
        let e = refused(
            &request(json!([lifetime, daily])),
            &with_budget(Limit::Limited(1)),
        );
        assert_eq!(
            e,
            Erc7715Error::PeriodicAndLifetime {
                periodic: 1,
                periodic_type: "native-token-periodic".into(),
                period: 86400,
                lifetime: 0,
                lifetime_type: "erc20-token-allowance".into(),
            }
        );
        // A lifetime gas-limit or call-limit beside a period: the same.
        for lifetime in [
            json!({ "type": "gas-limit", "data": { "limit": "0x1" } }),
            json!({ "type": "call-limit", "data": { "count": 1 } }),
        ] {
            assert!(matches!(
                refused(&request(json!([daily, lifetime])), &priced()),
                Erc7715Error::PeriodicAndLifetime {
                    periodic: 0,
                    lifetime: 1,
                    ..
                }
            ));
        }
        // The same period twice is one period.
        let rate = json!({ "type": "rate-limit", "data": { "count": 5, "interval": 86400 } });
        let p = to_permission(
            &parse_request(&request(json!([daily, rate]))).unwrap(),
            &with_budget(Limit::Limited(1)),
        )
        .unwrap();
        assert_eq!((p.record.period, p.record.max_ops), (Some(86400), Some(5)));
    }

    #[test]
    fn signers_other_than_one_key_are_refused() {
        let with_signer = |signer: Value| {
            json!({ "chainId": "0x1", "signer": signer, "permissions": [] }).to_string()
        };
        let cases = [
            (
                json!({ "type": "account", "data": { "address": ROUTER.to_string() } }),
                "signer type \"account\" is not supported: an account signer redeems ERC-7710 delegations, but this module checks a session key's own signature (ask for a key signer)",
            ),
            (
                json!({ "type": "keys", "data": { "keys": [{ "type": "secp256k1", "publicKey": KEY1.to_string() }] } }),
                "signer type \"keys\" is not supported: a multisig of keys: this module checks exactly one key's signature per session",
            ),
            (
                json!({ "type": "wallet", "data": {} }),
                "signer type \"wallet\" is not supported: a wallet-managed session keeps the key in the wallet, but this module needs the session key's public key (ask for a key signer)",
            ),
            (
                json!({ "type": "key", "data": { "type": "ed25519", "publicKey": "0x3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c" } }),
                "signer key type \"ed25519\" is not supported: this module verifies secp256k1, secp256r1 (P-256) and webauthn-p256 (passkey) keys",
            ),
            (
                json!({ "type": "key", "data": { "type": "secp256r1", "publicKey": "0x04".to_owned() + &"11".repeat(64) } }),
                "signer.data.publicKey: expected a P-256 public key on the curve (0x04‖X‖Y or compressed)",
            ),
            (
                json!({ "type": "key", "data": { "id": KEY1.to_string() } }),
                "signer.data.id: unknown field",
            ),
        ];
        for (signer, want) in cases {
            let e = refused(&with_signer(signer), &with_budget(Limit::Unlimited));
            assert_eq!(e.to_string(), want);
        }
    }

    #[test]
    fn nothing_is_dropped_or_widened() {
        let o = priced();
        // An unknown data field could be a constraint.
        let e = refused(
            &request(
                json!([{ "type": "native-token-allowance", "data": { "allowanceAmount": "0x1", "recipient": ROUTER.to_string() } }]),
            ),
            &o,
        );
        assert_eq!(
            e.to_string(),
            "permissions[0].data.recipient: unknown field for native-token-allowance"
        );
        // Request-wide policies, unknown request fields.
        let mut v: Value = serde_json::from_str(&request(json!([]))).unwrap();
        v["policies"] = json!([{ "type": "spending-limit", "data": {} }]);
        assert!(
            matches!(refused(&v.to_string(), &o), Erc7715Error::Field { field, .. } if field == "policies")
        );
        let mut v: Value = serde_json::from_str(&request(json!([]))).unwrap();
        v["rules"] = json!([]);
        assert!(
            matches!(parse_request(&v.to_string()), Err(Erc7715Error::Json(m)) if m.contains("unknown field `rules`"))
        );
        // A spend function on a token the request does not cap.
        let e = refused(
            &request(
                json!([{ "type": "contract-call", "data": { "address": USDC.to_string(), "calls": ["approve(address,uint256)"] } }]),
            ),
            &o,
        );
        assert!(
            matches!(&e, Erc7715Error::Unsupported { index: 0, reason, .. } if reason.contains("spends the token")),
            "{e}"
        );
        // Amounts past what the module keeps are refused, not clipped.
        let e = refused(
            &request(
                json!([{ "type": "native-token-allowance", "data": { "allowanceAmount": "0x1000000000000000000000000" } }]),
            ),
            &o,
        );
        assert!(
            e.to_string().contains("above the largest native cap"),
            "{e}"
        );
        let e = refused(
            &request(
                json!([{ "type": "erc20-token-periodic", "data": { "tokenAddress": USDC.to_string(), "periodAmount": "0x100000000000000000000000000", "periodDuration": 60 } }]),
            ),
            &with_budget(Limit::Limited(1)),
        );
        assert!(e.to_string().contains("2^104 - 1 per period"), "{e}");
        // Periods shorter than the module's shortest.
        let e = refused(
            &request(json!([{ "type": "rate-limit", "data": { "count": 1, "interval": 59 } }])),
            &with_budget(Limit::Limited(1)),
        );
        assert!(e.to_string().contains("shortest period (60 s)"), "{e}");
        // Two caps on one thing, different start times.
        let usdc = |amount: &str| json!({ "type": "erc20-token-allowance", "data": { "tokenAddress": USDC.to_string(), "allowanceAmount": amount } });
        assert!(matches!(
            refused(&request(json!([usdc("0x1"), usdc("0x2")])), &o),
            Erc7715Error::Duplicate {
                first: 0,
                second: 1,
                ..
            }
        ));
        let e = refused(
            &request(json!([
                { "type": "native-token-allowance", "data": { "allowanceAmount": "0x1", "startTime": 1764547200 } },
                usdc("0x1"),
            ])),
            &o,
        );
        assert_eq!(
            e,
            Erc7715Error::StartTimeMismatch {
                first: 0,
                first_start: "1764547200".into(),
                second: 1,
                second_start: "none".into(),
            }
        );
        // A decimal string is not a hex quantity (its meaning would be a guess).
        let e = refused(
            &request(
                json!([{ "type": "native-token-allowance", "data": { "allowanceAmount": "1000" } }]),
            ),
            &o,
        );
        assert!(e.to_string().contains("is not a hex quantity"), "{e}");
    }

    #[test]
    fn gas_needs_a_stated_unit() {
        let gas = json!([{ "type": "gas-limit", "data": { "limit": "0x7A120" } }]);
        assert_eq!(
            refused(&request(gas.clone()), &Options::default()),
            Erc7715Error::GasNeedsPrice(0)
        );
        assert_eq!(
            refused(&request(json!([])), &Options::default()),
            Erc7715Error::NoGasBudget
        );
        let e = refused(
            &request(
                json!([{ "type": "gas-limit", "data": { "limit": "0xffffffffffffffffffffffffffffffff" } }]),
            ),
            &priced(),
        );
        assert!(
            e.to_string()
                .contains("does not fit the module's 128-bit budget"),
            "{e}"
        );
        // Builder checks still apply: a periodic default budget past 88 bits.
        let e = refused(
            &request(json!([{ "type": "rate-limit", "data": { "count": 1, "interval": 60 } }])),
            &with_budget(Limit::Limited(1 << 100)),
        );
        assert!(
            matches!(
                e,
                Erc7715Error::Build(BuildError {
                    problem: Problem::Record(_),
                    ..
                })
            ),
            "{e}"
        );
    }

    #[test]
    fn records_no_request_can_say_are_refused() {
        let base = || SessionBuilder::new(KEY1).gas_budget(Limit::Limited(GWEI_TENTH));
        let o = priced();
        let refused_record = |b: SessionBuilder, o: &Options| {
            let p = b.build().unwrap();
            to_request(&p.record, &p.functions, 1, None, o).expect_err("must be refused")
        };
        let field_of = |e: Erc7715Error| match e {
            Erc7715Error::NotExpressible { field, .. } => field,
            other => panic!("{other}"),
        };
        assert_eq!(
            field_of(refused_record(base().paymaster(ROUTER), &o)),
            "paymaster"
        );
        // A typed-data scope (scoped ERC-1271): refused, never dropped from the request.
        let scoped =
            base().typed_data_scope(crate::typed_data::TypedDataScopeBuilder::for_separator(
                alloy_primitives::B256::repeat_byte(7),
                "Permit(address spender,uint256 value)",
            ));
        assert_eq!(
            refused_record(scoped, &o).to_string(),
            "typed_data cannot be written as an ERC-7715 request: ERC-7715 has no permission to sign typed data for the account (1 scope(s))"
        );
        let rules = base()
            .token_cap(USDC, TokenLimit::Limited(U256::from(5)))
            .call(
                CallBuilder::function(USDC, "approve(address spender, uint256 amount)")
                    .rule("spender", Check::eq(ROUTER)),
            );
        let e = refused_record(rules.clone(), &o);
        assert_eq!(
            e.to_string(),
            "calls[0] cannot be written as an ERC-7715 request: its parameter rules: contract-call names functions, not conditions on their arguments"
        );
        assert_eq!(
            field_of(refused_record(
                base().call(CallBuilder::plain_transfer(ROUTER).max_value(U256::from(1u64))),
                &o
            )),
            "calls[0]"
        );
        assert_eq!(
            field_of(refused_record(
                base().call(
                    CallBuilder::function(ROUTER, "multicall(uint256,bytes[])")
                        .max_value(U256::from(1u64))
                ),
                &o
            )),
            "calls[0]"
        );
        // A cap without the transfer entry an ERC-20 permission stands for.
        let cap_only = base()
            .token_cap(USDC, TokenLimit::Limited(U256::from(5)))
            .call(CallBuilder::function(USDC, "approve(address,uint256)"));
        assert_eq!(field_of(refused_record(cap_only, &o)), "token_caps[0]");
        // A native cap without transfers to anyone; transfers whose value is not the cap.
        assert_eq!(
            field_of(refused_record(base().native_cap(Limit::Limited(5)), &o)),
            "native_cap"
        );
        let mismatch = base().native_cap(Limit::Limited(5)).allow_wildcards().call(
            CallBuilder::new(Target::Any, Calldata::PlainTransfer).max_value(U256::from(4u64)),
        );
        assert_eq!(field_of(refused_record(mismatch, &o)), "calls[0]");
        // A period nothing renews with; a start nothing carries.
        assert_eq!(
            field_of(refused_record(
                base().period(60),
                &with_budget(Limit::Limited(GWEI_TENTH))
            )),
            "period"
        );
        assert_eq!(
            field_of(refused_record(base().valid_between(5, 0), &o)),
            "valid_after"
        );
        // Gas: per period, not whole gas units, no price, unlimited without that default.
        let periodic = base().max_ops(1).period(60);
        assert_eq!(field_of(refused_record(periodic, &o)), "gas_budget");
        let odd = SessionBuilder::new(KEY1).gas_budget(Limit::Limited(GWEI_TENTH + 1));
        assert_eq!(field_of(refused_record(odd, &o)), "gas_budget");
        assert_eq!(
            field_of(refused_record(base(), &Options::default())),
            "gas_budget"
        );
        let unlimited = SessionBuilder::new(KEY1).gas_budget(Limit::Unlimited);
        assert_eq!(field_of(refused_record(unlimited, &o)), "gas_budget");
    }

    #[test]
    fn response_carries_the_record_as_context() {
        let request = parse_request(spec_fixture()).unwrap();
        let p = to_permission(&request, &priced()).unwrap();
        let granted = to_request(&p.record, &p.functions, 42161, None, &priced()).unwrap();
        let response = PermissionResponse::granted(granted.clone(), &p.record);
        let v = serde_json::to_value(&response).unwrap();
        assert_eq!(v["context"], hex::encode_prefixed(p.record.encode()));
        assert_eq!(v["chainId"], "0xa4b1");
        let back: PermissionResponse = serde_json::from_value(v).unwrap();
        assert_eq!(back, response);
        assert_eq!(back.permissions, granted.permissions);
    }

    #[test]
    fn several_requests_are_refused_one_is_read() {
        let one = request(json!([]));
        assert!(parse_request(&format!("[{one}]")).is_ok());
        assert_eq!(
            parse_request(&format!("[{one},{one}]")),
            Err(Erc7715Error::SeveralRequests(2))
        );
    }
}
