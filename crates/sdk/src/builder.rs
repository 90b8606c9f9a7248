//! The typed permission builder: the only way the SDK makes a [`SessionRecord`], and one that
//! cannot produce a record the contract would refuse — nor one that is valid but surely wrong.
//!
//! ```
//! use sessionkey_sdk::builder::{CallBuilder, Check, SessionBuilder};
//! use sessionkey_policy::record::{Limit, TokenLimit};
//! use alloy_primitives::{address, U256};
//!
//! let token = address!("0x00000000000000000000000000000000000070c0");
//! let dex = address!("0x0000000000000000000000000000000000000de0");
//! let permission = SessionBuilder::new(address!("0x1111111111111111111111111111111111111111"))
//!     .valid_between(1_700_000_000, 1_700_086_400)
//!     .gas_budget(Limit::Limited(10u128.pow(16)))
//!     .call(
//!         CallBuilder::function(token, "approve(address spender, uint256 amount)")
//!             .rule("spender", Check::eq(dex))
//!             .rule("amount", Check::lte("100e18")),
//!     )
//!     .token_cap(token, TokenLimit::Limited(U256::from(500) * U256::from(10u128.pow(18))))
//!     .build()
//!     .unwrap();
//! assert_eq!(permission.record.calls[0].rules.len(), 2);
//! ```
//!
//! What [`SessionBuilder::build`] refuses, each with the field it concerns (`calls[1].rules[0]`):
//! a zero signer; an empty window (`valid_until <= valid_after`) or a timestamp past 48 bits; an
//! unset gas budget; zero addresses; wildcards (any target, any function) unless
//! [`SessionBuilder::allow_wildcards`] was called, and both at once always; a rule on a parameter
//! the function does not have, on a dynamic one, or on a whole tuple; ordering on a non-integer;
//! a value that does not fit the parameter's type; an empty range; `one_of` with 0 or more than 8
//! values; too many calls, rules or token caps; duplicate entries; an entry too large for
//! ERC-7562 storage; caps that overflow their field; and an ERC-20 spend function allowed on a
//! token without a token cap (every such call would fail). The record is finally checked by the
//! contract's own decoder (`SessionRecord::validate`).

use std::fmt;

use alloy_dyn_abi::DynSolType;
use alloy_primitives::{Address, B256, I256, U256};
use sessionkey_policy::condition::{compare, Condition, MAX_ONE_OF};
use sessionkey_policy::erc20;
use sessionkey_policy::layout::{self, CallKey, SelectorMatch, TargetMatch};
use sessionkey_policy::record::{
    CallPolicy, Limit, SessionRecord, SignerKey, TokenCap, TokenLimit, MAX_CALLS, MAX_TIMESTAMP,
    MAX_TOKEN_CAPS,
};
use sessionkey_policy::rule::{ParamRule, MAX_RULES};
use sessionkey_policy::signer::P256PublicKey;
use sessionkey_policy::typed_data::{TypedDataScope, MAX_SCOPES};
use sessionkey_policy::RecordError;

use crate::address::parse_address;
use crate::amount::max_of;
use crate::function_book::FunctionBook;
use crate::signature_abi::{ordering, FunctionSignature, SignatureError};
pub use crate::typed_data::TypedDataScopeBuilder;

/// A refused permission: which field, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct BuildError {
    /// `signer`, `valid_until`, `calls[2].rules[0]`, `token_caps[1].token`, ….
    pub field: String,
    /// What is wrong.
    pub problem: Problem,
}

/// What is wrong with a field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The session signer is the zero address.
    #[error("the zero address cannot be a session key")]
    ZeroSigner,
    /// `valid_until` is set and not after `valid_after`.
    #[error("empty window: valid_until ({valid_until}) must be after valid_after ({valid_after}), or 0 for no expiry")]
    EmptyWindow {
        /// Start.
        valid_after: u64,
        /// End.
        valid_until: u64,
    },
    /// A timestamp beyond 48 bits.
    #[error("{0} is beyond the largest 48-bit timestamp ({MAX_TIMESTAMP})")]
    TimestampTooLarge(u64),
    /// A required field was not given.
    #[error("not set ({0})")]
    NotSet(&'static str),
    /// A zero address where a real contract is needed.
    #[error("the zero address is not a valid {0}")]
    ZeroAddress(&'static str),
    /// A wildcard without the explicit opt-in.
    #[error("{0} is a wildcard: allow wildcards explicitly (allow_wildcards = true) to use it")]
    WildcardNotAllowed(&'static str),
    /// Any target and any function in one entry.
    #[error("any target with any function would allow every call: never accepted")]
    BothWildcards,
    /// The function signature does not parse, or a parameter reference does not resolve.
    #[error("{0}")]
    Signature(SignatureError),
    /// Rules on an entry that has no function signature.
    #[error("parameter rules need a function signature (this entry matches {0})")]
    RulesNeedSignature(&'static str),
    /// A reference value that is not valid for the parameter's type.
    #[error("{0}")]
    Value(String),
    /// `<`, `<=`, ranges on a parameter that is not an integer.
    #[error(
        "`{param}` is {ty}: only == / != / one_of apply (ordering needs an integer parameter)"
    )]
    OrderingOnNonInteger {
        /// The parameter.
        param: String,
        /// Its type.
        ty: String,
    },
    /// A range whose minimum is above its maximum.
    #[error("empty range: the minimum is above the maximum")]
    EmptyRange,
    /// `one_of` with a count out of 1..=8.
    #[error("one_of takes 1 to {MAX_ONE_OF} values, got {0}")]
    OneOfCount(usize),
    /// Above a count limit of the record.
    #[error("{count} entries, at most {max}")]
    TooMany {
        /// Given.
        count: usize,
        /// Allowed.
        max: usize,
    },
    /// Two entries with the same key.
    #[error("same target and function as {0}")]
    Duplicate(String),
    /// An entry whose rules need more storage words than ERC-7562 allows.
    #[error("its rules need {words} storage words, at most {max}")]
    TooLargeForStorage {
        /// Needed.
        words: usize,
        /// Allowed.
        max: usize,
    },
    /// A value above its field's width.
    #[error("{value} does not fit in {bits} bits (use \"unlimited\" for no cap)")]
    Overflow {
        /// The value.
        value: U256,
        /// Field width.
        bits: usize,
    },
    /// An ERC-20 spend function allowed on a token with no cap.
    #[error("{function} on {token} spends the token, but token_caps has no entry for it: every such call would fail (add a cap, or \"unlimited\")")]
    SpendWithoutCap {
        /// The function.
        function: String,
        /// The token.
        token: Address,
    },
    /// A zero op limit: the session could never run an op.
    #[error("0 allows no op at all (leave it unset for no limit)")]
    ZeroOps,
    /// The contract's decoder refuses the record (should be unreachable).
    #[error("the contract would refuse the record: {0:?}")]
    Record(RecordError),
}

fn err(field: impl Into<String>, problem: Problem) -> BuildError {
    BuildError {
        field: field.into(),
        problem,
    }
}

/// A reference value of a rule: text parsed for the parameter's type, or a typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleValue {
    /// `0x…` for addresses and bytesN, `100e18` / `1.5 ether` / `-3` for integers, `true`/`false`.
    Text(String),
    /// An address.
    Address(Address),
    /// An unsigned integer.
    Uint(U256),
    /// A signed integer.
    Int(I256),
    /// A boolean.
    Bool(bool),
}

impl From<&str> for RuleValue {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}
impl From<String> for RuleValue {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}
impl From<Address> for RuleValue {
    fn from(v: Address) -> Self {
        Self::Address(v)
    }
}
impl From<U256> for RuleValue {
    fn from(v: U256) -> Self {
        Self::Uint(v)
    }
}
impl From<I256> for RuleValue {
    fn from(v: I256) -> Self {
        Self::Int(v)
    }
}
impl From<bool> for RuleValue {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}
impl From<u64> for RuleValue {
    fn from(v: u64) -> Self {
        Self::Uint(U256::from(v))
    }
}
impl From<u128> for RuleValue {
    fn from(v: u128) -> Self {
        Self::Uint(U256::from(v))
    }
}
impl From<i64> for RuleValue {
    fn from(v: i64) -> Self {
        Self::Int(I256::try_from(v).expect("i64 fits"))
    }
}

impl fmt::Display for RuleValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(t) => f.write_str(t),
            Self::Address(a) => write!(f, "{a}"),
            Self::Uint(v) => write!(f, "{v}"),
            Self::Int(v) => write!(f, "{v}"),
            Self::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl RuleValue {
    /// The calldata word this value has as a `ty`.
    ///
    /// # Errors
    /// A sentence when the value is not a valid `ty` (wrong kind, or out of range).
    pub fn to_word(&self, ty: &DynSolType) -> Result<B256, String> {
        let ty_name = ty.sol_type_name();
        let mismatch = || format!("`{self}` is not a valid {ty_name}");
        let text = match (self, ty) {
            (Self::Text(t), DynSolType::Address) => {
                return parse_address(t)
                    .map(|a| a.into_word())
                    .map_err(|e| e.to_string())
            }
            (Self::Text(t), _) => t.trim().to_owned(),
            (Self::Address(a), DynSolType::Address) => return Ok(a.into_word()),
            (Self::Bool(b), DynSolType::Bool) => return Ok(B256::with_last_byte(*b as u8)),
            (Self::Uint(v), DynSolType::Uint(_) | DynSolType::Int(_)) => v.to_string(),
            (Self::Int(v), DynSolType::Uint(_) | DynSolType::Int(_)) => v.to_string(),
            _ => return Err(mismatch()),
        };
        match ty.coerce_str(&text) {
            Ok(v) => v.as_word().ok_or_else(mismatch),
            Err(e) if e.to_string().contains("too large") => {
                Err(format!("`{self}` does not fit {ty_name}"))
            }
            Err(_) => Err(mismatch()),
        }
    }
}

/// A comparison of a parameter with one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// `==`
    Eq,
    /// `!=`
    Neq,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
}

impl Comparison {
    /// Reads `==`, `!=`, `>`, `>=`, `<`, `<=` (or `eq`, `neq`, `gt`, `gte`, `lt`, `lte`).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim() {
            "==" | "eq" => Self::Eq,
            "!=" | "neq" | "ne" => Self::Neq,
            ">" | "gt" => Self::Gt,
            ">=" | "gte" | "ge" => Self::Gte,
            "<" | "lt" => Self::Lt,
            "<=" | "lte" | "le" => Self::Lte,
            _ => return None,
        })
    }

    /// The operator as written in messages.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "==",
            Self::Neq => "!=",
            Self::Gt => ">",
            Self::Gte => ">=",
            Self::Lt => "<",
            Self::Lte => "<=",
        }
    }

    fn orders(self) -> bool {
        !matches!(self, Self::Eq | Self::Neq)
    }

    fn condition(self, signed: bool) -> Condition {
        match (self, signed) {
            (Self::Eq, _) => Condition::Eq,
            (Self::Neq, _) => Condition::Neq,
            (Self::Gt, false) => Condition::Gt,
            (Self::Gte, false) => Condition::Gte,
            (Self::Lt, false) => Condition::Lt,
            (Self::Lte, false) => Condition::Lte,
            (Self::Gt, true) => Condition::SignedGt,
            (Self::Gte, true) => Condition::SignedGte,
            (Self::Lt, true) => Condition::SignedLt,
            (Self::Lte, true) => Condition::SignedLte,
        }
    }
}

/// What a rule requires of its parameter. Signed or unsigned comparison follows the
/// parameter's type (`intN` compares as int256), so `-1 < 0` holds for an `int256` parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// `param <op> value`.
    Compare(Comparison, RuleValue),
    /// `min <= param <= max`.
    InRange(RuleValue, RuleValue),
    /// `param` equals one of 1–8 values.
    OneOf(Vec<RuleValue>),
}

impl Check {
    /// `param == v`.
    pub fn eq(v: impl Into<RuleValue>) -> Self {
        Self::Compare(Comparison::Eq, v.into())
    }
    /// `param != v`.
    pub fn neq(v: impl Into<RuleValue>) -> Self {
        Self::Compare(Comparison::Neq, v.into())
    }
    /// `param > v`.
    pub fn gt(v: impl Into<RuleValue>) -> Self {
        Self::Compare(Comparison::Gt, v.into())
    }
    /// `param >= v`.
    pub fn gte(v: impl Into<RuleValue>) -> Self {
        Self::Compare(Comparison::Gte, v.into())
    }
    /// `param < v`.
    pub fn lt(v: impl Into<RuleValue>) -> Self {
        Self::Compare(Comparison::Lt, v.into())
    }
    /// `param <= v`.
    pub fn lte(v: impl Into<RuleValue>) -> Self {
        Self::Compare(Comparison::Lte, v.into())
    }
    /// `min <= param <= max`.
    pub fn in_range(min: impl Into<RuleValue>, max: impl Into<RuleValue>) -> Self {
        Self::InRange(min.into(), max.into())
    }
    /// `param` ∈ `values`.
    pub fn one_of<V: Into<RuleValue>>(values: impl IntoIterator<Item = V>) -> Self {
        Self::OneOf(values.into_iter().map(Into::into).collect())
    }
}

/// Which targets an entry matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// This contract.
    Exact(Address),
    /// Any contract (a wildcard).
    Any,
}

/// Which calldata an entry matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Calldata {
    /// The function with this signature (rules may name its parameters).
    Function(String),
    /// This selector, signature unknown (no rules possible).
    Selector([u8; 4]),
    /// Any calldata (a wildcard).
    AnyFunction,
    /// Empty calldata: a plain native-value transfer.
    PlainTransfer,
}

/// One allowed kind of call, with its rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallBuilder {
    target: Target,
    calldata: Calldata,
    max_value: U256,
    rules: Vec<(String, Check)>,
}

impl CallBuilder {
    /// An entry for `target` and `calldata`.
    pub fn new(target: Target, calldata: Calldata) -> Self {
        Self {
            target,
            calldata,
            max_value: U256::ZERO,
            rules: Vec::new(),
        }
    }

    /// Calls of `signature` on `target`.
    pub fn function(target: Address, signature: &str) -> Self {
        Self::new(
            Target::Exact(target),
            Calldata::Function(signature.to_owned()),
        )
    }

    /// Plain native-value transfers (empty calldata) to `target`; set [`Self::max_value`].
    pub fn plain_transfer(target: Address) -> Self {
        Self::new(Target::Exact(target), Calldata::PlainTransfer)
    }

    /// Native value each call may send (default 0).
    pub fn max_value(mut self, wei: impl Into<U256>) -> Self {
        self.max_value = wei.into();
        self
    }

    /// Adds a rule on `param` (a name, `#i`, or a path like `order.#1` or `fees[0]`).
    pub fn rule(mut self, param: &str, check: Check) -> Self {
        self.rules.push((param.to_owned(), check));
        self
    }
}

/// A built permission: the record, and the signatures its entries were written against (for
/// naming parameters when explaining).
#[derive(Clone, Debug)]
pub struct Permission {
    /// The canonical record (`record.encode()` is what `registerSession` takes).
    pub record: SessionRecord,
    /// Signatures of the entries.
    pub functions: FunctionBook,
}

/// Builds a [`Permission`]; see the [module documentation](self) for what it refuses.
#[derive(Clone, Debug)]
pub struct SessionBuilder {
    signer: Address,
    signer_key: SignerKey,
    valid_after: u64,
    valid_until: u64,
    native_cap: Limit,
    gas_budget: Option<Limit>,
    max_ops: Option<u32>,
    paymaster: Option<Address>,
    period: Option<u32>,
    calls: Vec<CallBuilder>,
    token_caps: Vec<(Address, TokenLimit)>,
    typed_data_scopes: Vec<TypedDataScopeBuilder>,
    allow_wildcards: bool,
}

impl SessionBuilder {
    /// A session for the key with address `signer`: no window, no native value, gas budget
    /// unset (must be set), no calls.
    pub fn new(signer: Address) -> Self {
        Self {
            signer,
            signer_key: SignerKey::Secp256k1,
            valid_after: 0,
            valid_until: 0,
            native_cap: Limit::Limited(0),
            gas_budget: None,
            max_ops: None,
            paymaster: None,
            period: None,
            calls: Vec::new(),
            token_caps: Vec::new(),
            typed_data_scopes: Vec::new(),
            allow_wildcards: false,
        }
    }

    /// A session for a P-256 key that signs the session digest itself (a KMS, a secure
    /// enclave). Its signer address is the key's ([`sessionkey_policy::record::p256_signer`]).
    pub fn p256(key: P256PublicKey) -> Self {
        Self::for_key(SignerKey::P256(key), &key)
    }

    /// A session for a passkey, which signs WebAuthn assertions over the session digest.
    pub fn webauthn(key: P256PublicKey) -> Self {
        Self::for_key(SignerKey::WebAuthn(key), &key)
    }

    fn for_key(signer_key: SignerKey, key: &P256PublicKey) -> Self {
        let signer =
            sessionkey_policy::record::p256_signer(key, |b| alloy_primitives::keccak256(b));
        Self {
            signer_key,
            ..Self::new(signer)
        }
    }

    /// Valid from `valid_after` (unix seconds) until `valid_until` (0 = no expiry).
    pub fn valid_between(mut self, valid_after: u64, valid_until: u64) -> Self {
        self.valid_after = valid_after;
        self.valid_until = valid_until;
        self
    }

    /// Cumulative native value the session may send (default: none).
    pub fn native_cap(mut self, cap: Limit) -> Self {
        self.native_cap = cap;
        self
    }

    /// Cumulative worst-case gas fees (wei) the account may pay for the session's ops. Required.
    pub fn gas_budget(mut self, budget: Limit) -> Self {
        self.gas_budget = Some(budget);
        self
    }

    /// At most `n` ops (default: unlimited).
    pub fn max_ops(mut self, n: u32) -> Self {
        self.max_ops = Some(n);
        self
    }

    /// The one paymaster the session may use (default: none, the account pays).
    pub fn paymaster(mut self, paymaster: Address) -> Self {
        self.paymaster = Some(paymaster);
        self
    }

    /// Every cap (native value, gas budget, op count, each token) renews every `seconds`
    /// (at least 60), periods counted from the window's start: e.g. 100 USDC a day. Each op
    /// then names its period and is valid only inside it.
    pub fn period(mut self, seconds: u32) -> Self {
        self.period = Some(seconds);
        self
    }

    /// Adds an allowed call.
    pub fn call(mut self, call: CallBuilder) -> Self {
        self.calls.push(call);
        self
    }

    /// Caps the session's spend authority on an ERC-20 token.
    pub fn token_cap(mut self, token: Address, limit: TokenLimit) -> Self {
        self.token_caps.push((token, limit));
        self
    }

    /// Lets the session key sign typed data of this scope for the account (ERC-1271 through
    /// ERC-7739; at most 8 scopes). See [`crate::typed_data`].
    pub fn typed_data_scope(mut self, scope: TypedDataScopeBuilder) -> Self {
        self.typed_data_scopes.push(scope);
        self
    }

    /// Accepts any-target and any-function entries (never both in one entry).
    pub fn allow_wildcards(mut self) -> Self {
        self.allow_wildcards = true;
        self
    }

    /// Checks everything and builds the record.
    ///
    /// # Errors
    /// The first [`BuildError`] found, naming its field.
    pub fn build(&self) -> Result<Permission, BuildError> {
        if self.signer == Address::ZERO {
            return Err(err("signer", Problem::ZeroSigner));
        }
        for (field, t) in [
            ("valid_after", self.valid_after),
            ("valid_until", self.valid_until),
        ] {
            if t > MAX_TIMESTAMP {
                return Err(err(field, Problem::TimestampTooLarge(t)));
            }
        }
        if self.valid_until != 0 && self.valid_until <= self.valid_after {
            return Err(err(
                "valid_until",
                Problem::EmptyWindow {
                    valid_after: self.valid_after,
                    valid_until: self.valid_until,
                },
            ));
        }
        let gas_budget = self.gas_budget.ok_or_else(|| {
            err(
                "gas_budget",
                Problem::NotSet("a wei amount, or \"unlimited\""),
            )
        })?;
        if self.max_ops == Some(0) {
            return Err(err("max_ops", Problem::ZeroOps));
        }
        if let Some(p) = self.period.filter(|p| *p < layout::MIN_PERIOD) {
            return Err(err(
                "period",
                Problem::Value(format!(
                    "{p} s is shorter than {} seconds: an op names its period before it is bundled",
                    layout::MIN_PERIOD
                )),
            ));
        }
        if self.paymaster == Some(Address::ZERO) {
            return Err(err("paymaster", Problem::ZeroAddress("paymaster")));
        }
        if self.calls.len() > MAX_CALLS {
            return Err(err(
                "calls",
                Problem::TooMany {
                    count: self.calls.len(),
                    max: MAX_CALLS,
                },
            ));
        }

        let mut functions = FunctionBook::new();
        let mut calls: Vec<(usize, CallPolicy)> = Vec::with_capacity(self.calls.len());
        for (i, c) in self.calls.iter().enumerate() {
            let (policy, f) = self.build_call(i, c)?;
            if let Some((j, _)) = calls.iter().find(|(_, p)| p.key == policy.key) {
                return Err(err(
                    format!("calls[{i}]"),
                    Problem::Duplicate(format!("calls[{j}]")),
                ));
            }
            if let Some(f) = f {
                functions.insert(f);
            }
            calls.push((i, policy));
        }

        if self.token_caps.len() > MAX_TOKEN_CAPS {
            return Err(err(
                "token_caps",
                Problem::TooMany {
                    count: self.token_caps.len(),
                    max: MAX_TOKEN_CAPS,
                },
            ));
        }
        let mut token_caps: Vec<TokenCap> = Vec::with_capacity(self.token_caps.len());
        for (i, (token, limit)) in self.token_caps.iter().enumerate() {
            if *token == Address::ZERO {
                return Err(err(
                    format!("token_caps[{i}].token"),
                    Problem::ZeroAddress("token"),
                ));
            }
            if let Some(j) = token_caps.iter().position(|t| t.token == *token) {
                return Err(err(
                    format!("token_caps[{i}].token"),
                    Problem::Duplicate(format!("token_caps[{j}]")),
                ));
            }
            if let TokenLimit::Limited(v) = limit {
                if *v > max_of(248) {
                    return Err(err(
                        format!("token_caps[{i}].limit"),
                        Problem::Overflow {
                            value: *v,
                            bits: 248,
                        },
                    ));
                }
            }
            token_caps.push(TokenCap {
                token: *token,
                limit: *limit,
            });
        }

        // An exact-target ERC-20 spend entry needs a cap on that token, or every call fails.
        for (i, p) in &calls {
            if let (TargetMatch::Exact(token), SelectorMatch::Exact(sel)) =
                (p.key.target, p.key.selector)
            {
                let spends = [
                    erc20::TRANSFER,
                    erc20::TRANSFER_FROM,
                    erc20::APPROVE,
                    erc20::INCREASE_ALLOWANCE,
                ]
                .contains(&sel);
                if spends && !token_caps.iter().any(|t| t.token == token) {
                    let function = functions
                        .get(sel)
                        .map(|f| f.canonical.clone())
                        .unwrap_or_else(|| alloy_primitives::hex::encode_prefixed(sel));
                    return Err(err(
                        format!("calls[{i}]"),
                        Problem::SpendWithoutCap { function, token },
                    ));
                }
            }
        }

        if self.typed_data_scopes.len() > MAX_SCOPES {
            return Err(err(
                "typed_data_scopes",
                Problem::TooMany {
                    count: self.typed_data_scopes.len(),
                    max: MAX_SCOPES,
                },
            ));
        }
        let mut scopes: Vec<TypedDataScope> = Vec::with_capacity(self.typed_data_scopes.len());
        for (i, t) in self.typed_data_scopes.iter().enumerate() {
            let field = format!("typed_data_scopes[{i}]");
            let scope = t.build(&field)?;
            if let Some(j) = scopes.iter().position(|s| s.key() == scope.key()) {
                return Err(err(
                    field,
                    Problem::Duplicate(format!("typed_data_scopes[{j}]")),
                ));
            }
            scopes.push(scope);
            // The record keeps only the typehash: the book keeps the type string, so the
            // scope's fields can be named when it is rendered or explained.
            functions.insert_contents_type(&t.contents_type);
        }
        scopes.sort_by_key(|s| s.key());

        let mut calls: Vec<CallPolicy> = calls.into_iter().map(|(_, p)| p).collect();
        calls.sort_by_key(|c| c.key.to_bytes());
        token_caps.sort_by_key(|t| t.token);
        let record = SessionRecord {
            signer: self.signer,
            signer_key: self.signer_key,
            valid_after: self.valid_after,
            valid_until: self.valid_until,
            native_cap: self.native_cap,
            gas_budget,
            max_ops: self.max_ops,
            paymaster: self.paymaster,
            period: self.period,
            calls,
            token_caps,
            typed_data_scopes: scopes,
        };
        record
            .validate()
            .map_err(|e| err("record", Problem::Record(e)))?;
        Ok(Permission { record, functions })
    }

    fn build_call(
        &self,
        i: usize,
        c: &CallBuilder,
    ) -> Result<(CallPolicy, Option<FunctionSignature>), BuildError> {
        let at = |field: &str| format!("calls[{i}].{field}");
        let target = match c.target {
            Target::Exact(a) if a == Address::ZERO => {
                return Err(err(at("target"), Problem::ZeroAddress("target")))
            }
            Target::Exact(a) => TargetMatch::Exact(a),
            Target::Any => TargetMatch::Any,
        };
        let mut function = None;
        let selector = match &c.calldata {
            Calldata::Function(sig) => {
                let f = FunctionSignature::parse(sig)
                    .map_err(|e| err(at("function"), Problem::Signature(e)))?;
                let s = f.selector;
                function = Some(f);
                SelectorMatch::Exact(s)
            }
            Calldata::Selector(s) => SelectorMatch::Exact(*s),
            Calldata::AnyFunction => SelectorMatch::Any,
            Calldata::PlainTransfer => SelectorMatch::Empty,
        };
        match (target, selector) {
            (TargetMatch::Any, SelectorMatch::Any) => {
                return Err(err(format!("calls[{i}]"), Problem::BothWildcards))
            }
            (TargetMatch::Any, _) if !self.allow_wildcards => {
                return Err(err(
                    at("target"),
                    Problem::WildcardNotAllowed("\"*\" (any target)"),
                ))
            }
            (_, SelectorMatch::Any) if !self.allow_wildcards => {
                return Err(err(
                    at("function"),
                    Problem::WildcardNotAllowed("\"*\" (any function)"),
                ))
            }
            _ => {}
        }
        if c.max_value > U256::from(u128::MAX) {
            return Err(err(
                at("max_value"),
                Problem::Overflow {
                    value: c.max_value,
                    bits: 128,
                },
            ));
        }
        if c.rules.len() > MAX_RULES {
            return Err(err(
                at("rules"),
                Problem::TooMany {
                    count: c.rules.len(),
                    max: MAX_RULES,
                },
            ));
        }
        let mut rules = Vec::with_capacity(c.rules.len());
        for (j, (param, check)) in c.rules.iter().enumerate() {
            let field = format!("calls[{i}].rules[{j}]");
            let Some(f) = &function else {
                let what = match c.calldata {
                    Calldata::Selector(_) => "a bare selector",
                    Calldata::AnyFunction => "any function",
                    _ => "empty calldata",
                };
                return Err(err(field, Problem::RulesNeedSignature(what)));
            };
            rules.push(rule(f, param, check).map_err(|p| err(field, p))?);
        }
        let policy = CallPolicy {
            key: CallKey { target, selector },
            max_value: c.max_value.to::<u128>(),
            rules,
        };
        let words = layout::entry_words(&policy);
        if words > layout::MAX_ENTRY_WORDS {
            return Err(err(
                format!("calls[{i}]"),
                Problem::TooLargeForStorage {
                    words,
                    max: layout::MAX_ENTRY_WORDS,
                },
            ));
        }
        Ok((policy, function))
    }
}

/// The rules of a typed-data scope on the contents' fields, by name: the contents' primary
/// struct is read like a function signature (EIP-712 `encodeData` has one word per field, so
/// field `i` is word `i` when no field is a fixed array or a tuple, and a struct field names a
/// type no signature knows, so it is refused).
pub(crate) fn scope_rules(
    field: &str,
    contents_type: &str,
    checks: &[(String, Check)],
) -> Result<Vec<ParamRule>, BuildError> {
    let name_ok =
        sessionkey_policy::typed_data::decode_contents_descr(contents_type.as_bytes()).is_some();
    if !name_ok {
        return Err(err(
            format!("{field}.contents_type"),
            Problem::Value(format!(
                "`{contents_type}` is not an EIP-712 type string `Name(type field,…)…` (ERC-7739)"
            )),
        ));
    }
    if checks.is_empty() {
        return Ok(Vec::new());
    }
    if checks.len() > MAX_RULES {
        return Err(err(
            format!("{field}.rules"),
            Problem::TooMany {
                count: checks.len(),
                max: MAX_RULES,
            },
        ));
    }
    let primary = contents_type
        .find(')')
        .map(|end| &contents_type[..=end])
        .unwrap_or(contents_type);
    let f = FunctionSignature::parse(primary)
        .map_err(|e| err(format!("{field}.contents_type"), Problem::Signature(e)))?;
    if let Some((name, ty)) = f
        .params
        .iter()
        .find(|(_, t)| matches!(t, DynSolType::FixedArray(..) | DynSolType::Tuple(_)))
    {
        return Err(err(
            format!("{field}.contents_type"),
            Problem::Value(format!(
                "field `{name}` is {}: EIP-712 hashes it into one word, so rules cannot name the fields after it",
                ty.sol_type_name()
            )),
        ));
    }
    let mut rules = Vec::with_capacity(checks.len());
    for (j, (param, check)) in checks.iter().enumerate() {
        rules.push(rule(&f, param, check).map_err(|p| err(format!("{field}.rules[{j}]"), p))?);
    }
    let words = layout::entry_words(&CallPolicy {
        key: CallKey {
            target: TargetMatch::Any,
            selector: SelectorMatch::Empty,
        },
        max_value: 0,
        rules: rules.clone(),
    });
    if words > layout::MAX_ENTRY_WORDS {
        return Err(err(
            field,
            Problem::TooLargeForStorage {
                words,
                max: layout::MAX_ENTRY_WORDS,
            },
        ));
    }
    Ok(rules)
}

/// One rule on `param` of `f`.
fn rule(f: &FunctionSignature, param: &str, check: &Check) -> Result<ParamRule, Problem> {
    let slot = f.resolve(param).map_err(Problem::Signature)?;
    let ty = &slot.ty;
    let signed = ordering(ty);
    let needs_order = match check {
        Check::Compare(op, _) => op.orders(),
        Check::InRange(..) => true,
        Check::OneOf(_) => false,
    };
    if needs_order && signed.is_none() {
        return Err(Problem::OrderingOnNonInteger {
            param: slot.path.clone(),
            ty: ty.sol_type_name().into_owned(),
        });
    }
    let signed = signed.unwrap_or(false);
    let word = |v: &RuleValue| v.to_word(ty).map_err(Problem::Value);
    let (condition, values) = match check {
        Check::Compare(op, v) => (op.condition(signed), vec![word(v)?]),
        Check::InRange(min, max) => {
            let (lo, hi) = (word(min)?, word(max)?);
            if compare(&lo, &hi, signed) == std::cmp::Ordering::Greater {
                return Err(Problem::EmptyRange);
            }
            let c = if signed {
                Condition::SignedInRange
            } else {
                Condition::InRange
            };
            (c, vec![lo, hi])
        }
        Check::OneOf(vs) => {
            if vs.is_empty() || vs.len() > MAX_ONE_OF {
                return Err(Problem::OneOfCount(vs.len()));
            }
            let words = vs.iter().map(word).collect::<Result<Vec<_>, _>>()?;
            (Condition::OneOf, words)
        }
    };
    Ok(ParamRule {
        condition,
        word_index: slot.word,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    const SIGNER: Address = address!("0x1111111111111111111111111111111111111111");
    const TOKEN: Address = address!("0x00000000000000000000000000000000000070c0");
    const DEX: Address = address!("0x0000000000000000000000000000000000000de0");
    const APPROVE: &str = "approve(address spender, uint256 amount)";

    fn base() -> SessionBuilder {
        SessionBuilder::new(SIGNER)
            .valid_between(1000, 2000)
            .gas_budget(Limit::Limited(10u128.pow(16)))
            .token_cap(TOKEN, TokenLimit::Limited(U256::from(1000)))
    }

    fn refused(b: SessionBuilder) -> BuildError {
        b.build().expect_err("must be refused")
    }

    #[test]
    fn the_issue_example_builds_the_expected_record() {
        let p = base()
            .call(
                CallBuilder::function(TOKEN, APPROVE)
                    .rule("spender", Check::eq(DEX))
                    .rule("amount", Check::lte("100e18")),
            )
            .build()
            .unwrap();
        let c = &p.record.calls[0];
        assert_eq!(
            c.key.selector,
            SelectorMatch::Exact([0x09, 0x5e, 0xa7, 0xb3])
        );
        assert_eq!(
            c.rules,
            vec![
                ParamRule::new(Condition::Eq, 0, DEX.into_word()),
                ParamRule::new(
                    Condition::Lte,
                    1,
                    B256::from(U256::from(100) * U256::from(10u128.pow(18)))
                ),
            ]
        );
        assert_eq!(SessionRecord::decode(&p.record.encode()).unwrap(), p.record);
        assert!(p.functions.get([0x09, 0x5e, 0xa7, 0xb3]).is_some());
    }

    #[test]
    fn int_parameters_compare_signed() {
        let p = base()
            .call(
                CallBuilder::function(DEX, "swap(uint256 amountIn, int256 minOut)")
                    .rule("minOut", Check::gte(-5i64))
                    .rule("amountIn", Check::in_range(1u64, "1 ether")),
            )
            .build()
            .unwrap();
        let rules = &p.record.calls[0].rules;
        assert_eq!(rules[0].condition, Condition::SignedGte);
        assert_eq!(rules[0].values[0], B256::from(I256::try_from(-5).unwrap()));
        assert_eq!(rules[1].condition, Condition::InRange);
    }

    #[test]
    fn zero_signer_is_refused() {
        let e = refused(SessionBuilder::new(Address::ZERO).gas_budget(Limit::Unlimited));
        assert_eq!(
            (e.field.as_str(), e.problem),
            ("signer", Problem::ZeroSigner)
        );
    }

    #[test]
    fn empty_window_is_refused() {
        let e = refused(base().valid_between(2000, 2000));
        assert_eq!(e.field, "valid_until");
        assert!(matches!(e.problem, Problem::EmptyWindow { .. }));
        assert!(
            base().valid_between(2000, 0).build().is_ok(),
            "0 = no expiry"
        );
    }

    #[test]
    fn timestamps_past_48_bits_are_refused() {
        let e = refused(base().valid_between(0, 1 << 48));
        assert_eq!(e.field, "valid_until");
        assert!(matches!(e.problem, Problem::TimestampTooLarge(_)));
    }

    #[test]
    fn gas_budget_must_be_set() {
        let e = refused(SessionBuilder::new(SIGNER));
        assert_eq!(e.field, "gas_budget");
    }

    #[test]
    fn zero_max_ops_and_zero_paymaster_are_refused() {
        assert_eq!(refused(base().max_ops(0)).problem, Problem::ZeroOps);
        assert_eq!(refused(base().paymaster(Address::ZERO)).field, "paymaster");
    }

    #[test]
    fn wildcards_need_explicit_opt_in() {
        let any_target = CallBuilder::new(
            Target::Any,
            Calldata::Function("transfer(address,uint256)".into()),
        );
        let e = refused(base().call(any_target.clone()));
        assert_eq!(e.field, "calls[0].target");
        assert!(matches!(e.problem, Problem::WildcardNotAllowed(_)));
        assert!(base().allow_wildcards().call(any_target).build().is_ok());

        let any_fn = CallBuilder::new(Target::Exact(DEX), Calldata::AnyFunction);
        assert_eq!(
            refused(base().call(any_fn.clone())).field,
            "calls[0].function"
        );
        assert!(base().allow_wildcards().call(any_fn).build().is_ok());
    }

    #[test]
    fn both_wildcards_are_refused_even_when_allowed() {
        let e = refused(
            base()
                .allow_wildcards()
                .call(CallBuilder::new(Target::Any, Calldata::AnyFunction)),
        );
        assert_eq!(e.problem, Problem::BothWildcards);
    }

    #[test]
    fn unknown_function_signature_is_refused() {
        let e = refused(base().call(CallBuilder::function(DEX, "swap(uint256")));
        assert_eq!(e.field, "calls[0].function");
        assert!(matches!(
            e.problem,
            Problem::Signature(SignatureError::Parse { .. })
        ));
    }

    #[test]
    fn rule_on_a_missing_parameter_is_refused() {
        let e = refused(
            base().call(CallBuilder::function(TOKEN, APPROVE).rule("amonut", Check::lte(1u64))),
        );
        assert_eq!(e.field, "calls[0].rules[0]");
        assert!(matches!(
            e.problem,
            Problem::Signature(SignatureError::NoSuchParam { .. })
        ));
        assert!(e.to_string().contains("uint256 amount"), "{e}");
    }

    #[test]
    fn rule_on_a_dynamic_parameter_is_refused() {
        let e = refused(base().call(
            CallBuilder::function(DEX, "multicall(bytes[] data)").rule("data", Check::eq(0u64)),
        ));
        assert!(matches!(
            e.problem,
            Problem::Signature(SignatureError::Dynamic { .. })
        ));
    }

    #[test]
    fn ordering_on_an_address_is_refused() {
        let e = refused(
            base().call(CallBuilder::function(TOKEN, APPROVE).rule("spender", Check::lte(DEX))),
        );
        assert!(matches!(e.problem, Problem::OrderingOnNonInteger { .. }));
    }

    #[test]
    fn values_that_do_not_fit_the_type_are_refused() {
        let f = "setFee(uint8 fee, int8 delta, address to, bool on)";
        for (param, value) in [
            ("fee", RuleValue::from("256")),
            ("fee", RuleValue::from("-1")),
            ("delta", RuleValue::from("128")),
            ("delta", RuleValue::from(-129i64)),
            ("to", RuleValue::from("0x1234")),
            ("to", RuleValue::from(5u64)),
            ("on", RuleValue::from("maybe")),
            ("fee", RuleValue::from("1e80")),
        ] {
            let e = refused(
                base().call(
                    CallBuilder::function(DEX, f)
                        .rule(param, Check::Compare(Comparison::Eq, value.clone())),
                ),
            );
            assert!(
                matches!(e.problem, Problem::Value(_)),
                "{param} {value}: {e}"
            );
        }
    }

    #[test]
    fn mistyped_checksum_is_refused() {
        let e = refused(base().call(CallBuilder::function(TOKEN, APPROVE).rule(
            "spender",
            Check::eq("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        )));
        assert!(e.to_string().contains("checksum"), "{e}");
    }

    #[test]
    fn empty_range_and_one_of_counts_are_refused() {
        let f = "f(uint256 x)";
        let e = refused(
            base().call(CallBuilder::function(DEX, f).rule("x", Check::in_range(5u64, 4u64))),
        );
        assert_eq!(e.problem, Problem::EmptyRange);
        let e = refused(
            base().call(CallBuilder::function(DEX, f).rule("x", Check::one_of(Vec::<u64>::new()))),
        );
        assert_eq!(e.problem, Problem::OneOfCount(0));
        let e =
            refused(base().call(CallBuilder::function(DEX, f).rule("x", Check::one_of(0u64..9))));
        assert_eq!(e.problem, Problem::OneOfCount(9));
        // Signed: -5 <= 3 although 0xfff…fb > 3 unsigned.
        assert!(base()
            .call(CallBuilder::function(DEX, "g(int256 y)").rule("y", Check::in_range(-5i64, 3i64)))
            .build()
            .is_ok());
    }

    #[test]
    fn rules_without_a_signature_are_refused() {
        let e = refused(
            base().call(
                CallBuilder::new(Target::Exact(DEX), Calldata::Selector([1, 2, 3, 4]))
                    .rule("x", Check::eq(1u64)),
            ),
        );
        assert_eq!(e.problem, Problem::RulesNeedSignature("a bare selector"));
        let e = refused(base().call(CallBuilder::plain_transfer(DEX).rule("x", Check::eq(1u64))));
        assert_eq!(e.problem, Problem::RulesNeedSignature("empty calldata"));
    }

    #[test]
    fn caps_that_overflow_are_refused() {
        let e = refused(base().token_cap(DEX, TokenLimit::Limited(U256::MAX)));
        assert_eq!(e.field, "token_caps[1].limit");
        assert!(matches!(e.problem, Problem::Overflow { bits: 248, .. }));
        let e = refused(base().call(CallBuilder::plain_transfer(DEX).max_value(U256::MAX)));
        assert_eq!(e.field, "calls[0].max_value");
    }

    #[test]
    fn counts_above_the_record_limits_are_refused() {
        let mut b = base();
        for i in 0..=MAX_CALLS {
            b = b.call(CallBuilder::plain_transfer(Address::with_last_byte(
                i as u8 + 1,
            )));
        }
        assert!(matches!(
            refused(b).problem,
            Problem::TooMany { max: 32, .. }
        ));
        let mut c = CallBuilder::function(DEX, "f(uint256 x)");
        for _ in 0..=MAX_RULES {
            c = c.rule("x", Check::lte(1u64));
        }
        assert_eq!(refused(base().call(c)).field, "calls[0].rules");
        let mut b = base();
        for i in 0..MAX_TOKEN_CAPS {
            b = b.token_cap(Address::with_last_byte(i as u8 + 1), TokenLimit::Unlimited);
        }
        assert_eq!(refused(b).field, "token_caps");
    }

    #[test]
    fn entries_too_large_for_storage_are_refused() {
        // 16 rules × 8 values = 128 value words + header + descriptors > 128.
        let mut c = CallBuilder::function(DEX, "f(uint256 x)");
        for _ in 0..16 {
            c = c.rule("x", Check::one_of(0u64..8));
        }
        assert!(matches!(
            refused(base().call(c)).problem,
            Problem::TooLargeForStorage { .. }
        ));
    }

    #[test]
    fn duplicates_are_refused() {
        let e = refused(
            base()
                .call(CallBuilder::function(TOKEN, APPROVE))
                .call(CallBuilder::function(TOKEN, "approve(address,uint256)")),
        );
        assert_eq!(e.field, "calls[1]");
        assert_eq!(e.problem, Problem::Duplicate("calls[0]".into()));
        let e = refused(base().token_cap(TOKEN, TokenLimit::Unlimited));
        assert_eq!(e.problem, Problem::Duplicate("token_caps[0]".into()));
    }

    #[test]
    fn spend_without_a_token_cap_is_refused() {
        let e = refused(base().call(CallBuilder::function(DEX, "transfer(address,uint256)")));
        assert_eq!(e.field, "calls[0]");
        assert!(matches!(e.problem, Problem::SpendWithoutCap { token, .. } if token == DEX));
    }

    #[test]
    fn zero_targets_are_refused() {
        let e = refused(base().call(CallBuilder::plain_transfer(Address::ZERO)));
        assert_eq!(e.field, "calls[0].target");
    }

    #[test]
    fn entries_come_out_sorted_whatever_the_input_order() {
        let a = base()
            .call(CallBuilder::plain_transfer(DEX))
            .call(CallBuilder::function(TOKEN, APPROVE))
            .build()
            .unwrap();
        let b = base()
            .call(CallBuilder::function(TOKEN, APPROVE))
            .call(CallBuilder::plain_transfer(DEX))
            .build()
            .unwrap();
        assert_eq!(a.record.encode(), b.record.encode());
    }
}
