//! Permission files: a session's permission written in TOML or JSON, read into the
//! [`SessionBuilder`](crate::builder::SessionBuilder) (so a file can never produce a record the
//! builder would refuse), and records rendered back into the same shape.
//!
//! ```toml
//! signer = "0x…"                  # the session key's address (or give it on the command line)
//! signer_kind = "secp256k1"       # "secp256k1" (default), "p256" or "passkey"
//! public_key = "0x…,0x…"          # p256 / passkey only: X,Y or 0x04‖X‖Y; `signer` may be omitted
//! valid_after = 1700000000        # unix seconds (default 0)
//! valid_until = 1700086400        # unix seconds, 0 = no expiry (default 0)
//! gas_budget = "0.01 ether"       # required: wei the account may pay in gas fees, or "unlimited"
//! native_cap = "1 ether"          # cumulative native value (default "0": none), or "unlimited"
//! max_ops = 100                   # optional op count limit
//! paymaster = "0x…"               # optional: the one paymaster allowed
//! period = 86400                  # optional, seconds (≥ 60): every cap renews every period
//! allow_wildcards = false         # must be true for target = "*" or function = "*"
//!
//! [[calls]]
//! target = "0xToken…"             # or "*" (any target)
//! function = "approve(address spender, uint256 amount)"   # or "0x095ea7b3", or "*"
//! max_value = "0"                 # native value per call (default 0)
//! rules = [
//!   { param = "spender", op = "==", value = "0xDex…" },
//!   { param = "amount", op = "<=", value = "100e18" },
//! ]                                # op: == != > >= < <=, "in_range" (values = [min, max]), "one_of" (values = [...])
//!
//! [[calls]]
//! target = "0xAlice…"
//! plain_transfer = true           # empty calldata: a native transfer
//! max_value = "0.5 ether"
//!
//! [[token_caps]]
//! token = "0xToken…"
//! limit = "500e18"                # or "unlimited"
//!
//! [[typed_data]]                   # EIP-712 data the key may sign for the account (ERC-1271)
//! domain = { name = "USD Coin", version = "2", chain_id = 42161, verifying_contract = "0xToken…" }
//! # domain_separator = "0x…"       # …or the app's separator itself, instead of `domain`
//! type = "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
//! rules = [
//!   { field = "spender", op = "==", value = "0xDex…" },
//!   { field = "value", op = "<=", value = "100e6" },
//! ]                                # as call rules, with `field` (a field of the type) for `param`
//! ```
//!
//! `domain` takes any of EIP-712's `name`, `version`, `chain_id`, `verifying_contract`, `salt`;
//! the separator hashes exactly the fields given. Rules apply to the contents' atomic fields
//! (see [`TypedDataScopeBuilder::rule`]).
//!
//! Unknown fields are refused (a typo must not silently drop a limit). Every error names its
//! field: `calls[0].rules[1].value: …`.
//!
//! [`render`] prints a record back in this shape. A record keeps a scope's domain separator and
//! contents typehash only, so a scope renders as `domain_separator` and, when the permission's
//! [`FunctionBook`] has the type string, `type` with rules by field name (read back to the same
//! record); otherwise as `contents_typehash` with rules by `word` index, which [`parse`]
//! refuses (a hash cannot be checked against field names).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use alloy_primitives::{hex, Address, B256, U256};
use alloy_sol_types::Eip712Domain;
use serde_json::{json, Map, Value};
use sessionkey_policy::layout::{SelectorMatch, TargetMatch};
use sessionkey_policy::record::{Limit, SessionRecord, SignerKey, TokenLimit};
use sessionkey_policy::rule::ParamRule;
use sessionkey_policy::signer::SignerKind;
use sessionkey_policy::typed_data::TypedDataScope;

use crate::address::parse_address;
use crate::amount::{parse_limit, parse_token_limit, parse_uint};
use crate::builder::{
    BuildError, CallBuilder, Calldata, Check, Comparison, Permission, RuleValue, SessionBuilder,
    Target,
};
use crate::display::{format_word, rule_param};
use crate::function_book::FunctionBook;
use crate::key::{kind_name, parse_kind, parse_p256_public_key, PublicSigner, KIND_NAMES};
use crate::signature_abi::FunctionSignature;
use crate::typed_data::TypedDataScopeBuilder;

/// Why a permission file is refused.
#[derive(Debug, thiserror::Error)]
pub enum PermissionFileError {
    /// The file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not valid TOML / JSON.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A field with the wrong type or value.
    #[error("{field}: {message}")]
    Field {
        /// `calls[0].target`, ….
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The builder refuses the permission.
    #[error(transparent)]
    Build(#[from] BuildError),
}

/// Text format of a permission file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// TOML.
    Toml,
    /// JSON.
    Json,
}

impl Format {
    /// `.json` → JSON; anything else → JSON if the text starts with `{`, else TOML.
    pub fn detect(path: &Path, text: &str) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Self::Json,
            Some(e) if e.eq_ignore_ascii_case("toml") => Self::Toml,
            _ if text.trim_start().starts_with('{') => Self::Json,
            _ => Self::Toml,
        }
    }
}

/// Who a session is for, as given beside the file (on the command line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GivenSigner {
    /// An address only (`--signer`): the kind and key come from the file (secp256k1 if it
    /// names none).
    Address(Address),
    /// A whole signer (a key file, a public key): address, kind and key.
    Key(PublicSigner),
}

impl GivenSigner {
    /// The signer's address.
    pub fn address(&self) -> Address {
        match self {
            Self::Address(a) => *a,
            Self::Key(k) => k.address,
        }
    }
}

/// Reads a permission file. `signer`, when given, is used if the file names none, and must
/// equal the file's `signer` if it names one.
///
/// # Errors
/// [`PermissionFileError`], naming the file position or the field.
pub fn load(path: &Path, signer: Option<Address>) -> Result<Permission, PermissionFileError> {
    load_with(path, signer.map(GivenSigner::Address))
}

/// Reads a permission file for a signer given beside it. Its address, kind and public key fill
/// what the file leaves out and must agree with what the file states: a session is never
/// built for another kind of key than the one that will sign.
///
/// # Errors
/// [`PermissionFileError`], naming the file position or the field.
pub fn load_with(
    path: &Path,
    signer: Option<GivenSigner>,
) -> Result<Permission, PermissionFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| PermissionFileError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_with(&text, Format::detect(path, &text), path, signer)
}

/// Parses permission text. `path` only names the source in errors.
///
/// # Errors
/// See [`load`].
pub fn parse(
    text: &str,
    format: Format,
    path: &Path,
    signer: Option<Address>,
) -> Result<Permission, PermissionFileError> {
    parse_with(text, format, path, signer.map(GivenSigner::Address))
}

/// Parses permission text for a signer given beside it ([`load_with`]).
///
/// # Errors
/// See [`load_with`].
pub fn parse_with(
    text: &str,
    format: Format,
    path: &Path,
    signer: Option<GivenSigner>,
) -> Result<Permission, PermissionFileError> {
    let value = to_json(text, format, path)?;
    let builder = read_session(&value, signer)?;
    builder
        .build()
        .map_err(|e| PermissionFileError::Build(file_field(e)))
}

/// The builder names a scope's parts `typed_data_scopes[i].contents_type`; the file calls them
/// `typed_data[i].type` (scopes are given to the builder in the file's order, so `i` agrees).
fn file_field(mut e: BuildError) -> BuildError {
    if let Some(rest) = e.field.strip_prefix("typed_data_scopes") {
        let rest = rest.replacen(".contents_type", ".type", 1);
        e.field = format!("typed_data{rest}");
    }
    e
}

fn to_json(text: &str, format: Format, path: &Path) -> Result<Value, PermissionFileError> {
    let syntax = |line: usize, column: usize, message: String| PermissionFileError::Syntax {
        path: path.to_owned(),
        line,
        column,
        message,
    };
    match format {
        Format::Json => serde_json::from_str(text)
            .map_err(|e| syntax(e.line(), e.column(), strip_position(&e.to_string()))),
        Format::Toml => toml::from_str::<Value>(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|s| line_column(text, s.start))
                .unwrap_or((1, 1));
            syntax(line, column, e.message().trim().replace('\n', " "))
        }),
    }
}

/// serde_json appends " at line L column C", which the error already carries.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, column)
}

/// A JSON object being read, with the keys used so far (to refuse unknown ones).
struct Fields<'a> {
    path: String,
    map: &'a Map<String, Value>,
    used: BTreeSet<&'static str>,
}

fn field_err(field: impl Into<String>, message: impl Into<String>) -> PermissionFileError {
    PermissionFileError::Field {
        field: field.into(),
        message: message.into(),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "a table",
    }
}

impl<'a> Fields<'a> {
    fn new(path: String, v: &'a Value) -> Result<Self, PermissionFileError> {
        let map = v.as_object().ok_or_else(|| {
            field_err(
                if path.is_empty() { "(file)" } else { &path },
                format!("expected a table, found {}", kind(v)),
            )
        })?;
        Ok(Self {
            path,
            map,
            used: BTreeSet::new(),
        })
    }

    fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.used.insert(key);
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn string(&mut self, key: &'static str) -> Result<Option<&'a str>, PermissionFileError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(field_err(
                self.at(key),
                format!("expected a string, found {}", kind(v)),
            )),
        }
    }

    fn bool(&mut self, key: &'static str) -> Result<bool, PermissionFileError> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => Err(field_err(
                self.at(key),
                format!("expected true or false, found {}", kind(v)),
            )),
        }
    }

    fn u64(&mut self, key: &'static str) -> Result<Option<u64>, PermissionFileError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| {
                field_err(self.at(key), format!("{n} is not a non-negative integer"))
            }),
            Some(v) => Err(field_err(
                self.at(key),
                format!("expected an integer, found {}", kind(v)),
            )),
        }
    }

    /// A string or a non-negative integer, as text (amounts: "100e18", "1 ether", 5).
    fn amount(&mut self, key: &'static str) -> Result<Option<String>, PermissionFileError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) if n.is_u64() => Ok(Some(n.to_string())),
            Some(Value::Number(n)) => Err(field_err(
                self.at(key),
                format!("{n} is not a non-negative integer below 2^64: write amounts as strings (\"1e21\", \"1000 ether\")"),
            )),
            Some(v) => Err(field_err(
                self.at(key),
                format!(
                    "expected an amount (\"100e18\", \"1 ether\", or an integer), found {}",
                    kind(v)
                ),
            )),
        }
    }

    fn array(&mut self, key: &'static str) -> Result<&'a [Value], PermissionFileError> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(v) => Err(field_err(
                self.at(key),
                format!("expected an array, found {}", kind(v)),
            )),
        }
    }

    fn address(&mut self, key: &'static str) -> Result<Option<Address>, PermissionFileError> {
        let at = self.at(key);
        self.string(key)?
            .map(|s| parse_address(s).map_err(|e| field_err(at, e.to_string())))
            .transpose()
    }

    /// Refuses keys that were never asked for.
    fn finish(self) -> Result<(), PermissionFileError> {
        if let Some(k) = self.map.keys().find(|k| !self.used.contains(k.as_str())) {
            let known: Vec<&str> = self.used.iter().copied().collect();
            return Err(field_err(
                self.at(k),
                format!("unknown field (expected one of: {})", known.join(", ")),
            ));
        }
        Ok(())
    }
}

/// The session's signer from the file's `signer`, `signer_kind` and `public_key` and the one
/// given beside it: each fact stated on both sides must agree.
fn read_signer(
    f: &mut Fields<'_>,
    given: Option<GivenSigner>,
) -> Result<PublicSigner, PermissionFileError> {
    let file_address = f.address("signer")?;
    let file_kind = f
        .string("signer_kind")?
        .map(|t| {
            parse_kind(t).ok_or_else(|| {
                field_err(
                    "signer_kind",
                    format!("unknown signer kind `{t}` (expected {KIND_NAMES})"),
                )
            })
        })
        .transpose()?;
    let file_key = f
        .string("public_key")?
        .map(|t| parse_p256_public_key(t).map_err(|e| field_err("public_key", e.to_string())))
        .transpose()?;
    let (given_address, given_kind, given_key) = match given {
        None => (None, None, None),
        Some(GivenSigner::Address(a)) => (Some(a), None, None),
        Some(GivenSigner::Key(k)) => (Some(k.address), Some(k.kind()), k.key.p256().copied()),
    };
    let kind = match (file_kind, given_kind) {
        (Some(a), Some(b)) if a != b => {
            return Err(field_err(
                "signer_kind",
                format!(
                    "the file names a {} signer but the session key given is {}",
                    kind_name(a),
                    kind_name(b)
                ),
            ))
        }
        (Some(k), _) | (None, Some(k)) => k,
        (None, None) if file_key.is_some() => {
            return Err(field_err(
                "signer_kind",
                "missing: a public_key is for a p256 or passkey signer; say which",
            ))
        }
        (None, None) => SignerKind::Secp256k1,
    };
    let key = match (file_key, given_key) {
        (Some(a), Some(b)) if a != b => {
            return Err(field_err(
                "public_key",
                "the file's public key is not the session key's",
            ))
        }
        (k, g) => k.or(g),
    };
    let derived = match (kind, key) {
        (SignerKind::Secp256k1, Some(_)) => {
            return Err(field_err(
                "public_key",
                "only p256 and passkey signers have one (a secp256k1 signer is its address)",
            ))
        }
        (SignerKind::Secp256k1, None) => None,
        (kind, Some(key)) => PublicSigner::p256(kind, key),
        (kind, None) => {
            return Err(field_err(
                "public_key",
                format!(
                    "missing (a {} session holds its signer's public key; or pass --session-key / --{}-public-key)",
                    kind_name(kind),
                    kind_name(kind)
                ),
            ))
        }
    };
    let mut address = None;
    for (stated, by) in [
        (derived.map(|d| d.address), "the public key's address"),
        (file_address, "the file's signer"),
        (given_address, "the session key given"),
    ] {
        match (address, stated) {
            (Some((a, first)), Some(b)) if a != b => {
                return Err(field_err(
                    "signer",
                    format!("{first} is {a} but {by} is {b}"),
                ))
            }
            (None, Some(b)) => address = Some((b, by)),
            _ => {}
        }
    }
    match (derived, address) {
        (Some(d), _) => Ok(d),
        (None, Some((a, _))) => Ok(PublicSigner::secp256k1(a)),
        (None, None) => Err(field_err(
            "signer",
            "missing (the session key's address; or pass --signer / --session-key)",
        )),
    }
}

fn read_session(
    v: &Value,
    given: Option<GivenSigner>,
) -> Result<SessionBuilder, PermissionFileError> {
    let mut f = Fields::new(String::new(), v)?;
    let signer = read_signer(&mut f, given)?;
    let b = match signer.key {
        SignerKey::Secp256k1 => SessionBuilder::new(signer.address),
        SignerKey::P256(k) => SessionBuilder::p256(k),
        SignerKey::WebAuthn(k) => SessionBuilder::webauthn(k),
    };
    let mut b = b.valid_between(
        f.u64("valid_after")?.unwrap_or(0),
        f.u64("valid_until")?.unwrap_or(0),
    );
    if let Some(t) = f.amount("native_cap")? {
        b = b.native_cap(parse_limit(&t).map_err(|e| field_err("native_cap", e.to_string()))?);
    }
    if let Some(t) = f.amount("gas_budget")? {
        b = b.gas_budget(parse_limit(&t).map_err(|e| field_err("gas_budget", e.to_string()))?);
    }
    if let Some(n) = f.u64("max_ops")? {
        let n = u32::try_from(n)
            .map_err(|_| field_err("max_ops", format!("{n} does not fit in 32 bits")))?;
        b = b.max_ops(n);
    }
    if let Some(p) = f.address("paymaster")? {
        b = b.paymaster(p);
    }
    if let Some(n) = f.u64("period")? {
        let n = u32::try_from(n)
            .map_err(|_| field_err("period", format!("{n} does not fit in 32 bits")))?;
        b = b.period(n);
    }
    if f.bool("allow_wildcards")? {
        b = b.allow_wildcards();
    }
    for (i, c) in f.array("calls")?.iter().enumerate() {
        b = b.call(read_call(i, c)?);
    }
    for (i, t) in f.array("token_caps")?.iter().enumerate() {
        let mut t = Fields::new(format!("token_caps[{i}]"), t)?;
        let token = t
            .address("token")?
            .ok_or_else(|| field_err(t.at("token"), "missing"))?;
        let text = t
            .amount("limit")?
            .ok_or_else(|| field_err(t.at("limit"), "missing (an amount, or \"unlimited\")"))?;
        let limit =
            parse_token_limit(&text).map_err(|e| field_err(t.at("limit"), e.to_string()))?;
        t.finish()?;
        b = b.token_cap(token, limit);
    }
    for (i, t) in f.array("typed_data")?.iter().enumerate() {
        b = b.typed_data_scope(read_typed_data(i, t)?);
    }
    f.finish()?;
    Ok(b)
}

/// `typed_data[i]`: the app's domain (`domain` table or `domain_separator`), the contents' EIP-712
/// `type` string and rules on its fields, in the call rules' syntax with `field` for `param`.
fn read_typed_data(i: usize, v: &Value) -> Result<TypedDataScopeBuilder, PermissionFileError> {
    let mut t = Fields::new(format!("typed_data[{i}]"), v)?;
    let at_separator = t.at("domain_separator");
    let separator = t
        .string("domain_separator")?
        .map(|s| parse_b256(s).map_err(|e| field_err(&at_separator, e)))
        .transpose()?;
    let domain = t
        .get("domain")
        .map(|d| read_domain(&t.at("domain"), d))
        .transpose()?;
    let separator = match (separator, domain) {
        (Some(_), Some(_)) => {
            return Err(field_err(
                at_separator,
                "give either `domain` or `domain_separator`, not both",
            ))
        }
        (Some(s), None) => s,
        (None, Some(d)) => d.separator(),
        (None, None) => {
            return Err(field_err(
                t.at("domain"),
                "missing (the app's EIP-712 domain: { name, version, chain_id, verifying_contract, salt }, or `domain_separator`)",
            ))
        }
    };
    // What `render` prints for a type the record alone cannot name: refused with the reason,
    // since a typehash cannot be checked against field names.
    if t.get("contents_typehash").is_some() {
        return Err(field_err(
            t.at("contents_typehash"),
            "a record's typehash cannot be read back: give the contents' EIP-712 type string as `type`",
        ));
    }
    let contents_type = t.string("type")?.ok_or_else(|| {
        field_err(
            t.at("type"),
            "missing (the contents' EIP-712 type string, e.g. \"Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)\")",
        )
    })?;
    let mut scope = TypedDataScopeBuilder::for_separator(separator, contents_type);
    for (j, r) in t.array("rules")?.iter().enumerate() {
        let (field, check) = read_rule(
            &format!("typed_data[{i}].rules[{j}]"),
            r,
            RuleSubject::Field,
        )?;
        scope = scope.rule(&field, check);
    }
    t.finish()?;
    Ok(scope)
}

/// An EIP-712 domain table: any of `name`, `version`, `chain_id`, `verifying_contract`, `salt`
/// (the separator hashes exactly the fields given, as EIP-712 says), at least one.
fn read_domain(path: &str, v: &Value) -> Result<Eip712Domain, PermissionFileError> {
    let mut d = Fields::new(path.to_owned(), v)?;
    let name = d.string("name")?.map(|s| s.to_owned().into());
    let version = d.string("version")?.map(|s| s.to_owned().into());
    let at_chain = d.at("chain_id");
    let chain_id =
        match d.get("chain_id") {
            None => None,
            Some(Value::Number(n)) => Some(U256::from(n.as_u64().ok_or_else(|| {
                field_err(&at_chain, format!("{n} is not a non-negative integer"))
            })?)),
            Some(Value::String(s)) => Some(
                s.trim()
                    .parse::<U256>()
                    .map_err(|_| field_err(&at_chain, format!("`{s}` is not an integer")))?,
            ),
            Some(other) => {
                return Err(field_err(
                    at_chain,
                    format!("expected an integer, found {}", kind(other)),
                ))
            }
        };
    let verifying_contract = d.address("verifying_contract")?;
    let at_salt = d.at("salt");
    let salt = d
        .string("salt")?
        .map(|s| parse_b256(s).map_err(|e| field_err(&at_salt, e)))
        .transpose()?;
    d.finish()?;
    let domain = Eip712Domain::new(name, version, chain_id, verifying_contract, salt);
    if domain == Eip712Domain::default() {
        // An empty domain hashes to a separator no app uses: surely a mistake.
        return Err(field_err(
            path,
            "empty (give the app's name, version, chain_id, verifying_contract and/or salt)",
        ));
    }
    Ok(domain)
}

/// A 32-byte word written as `0x` and 64 hex digits.
fn parse_b256(s: &str) -> Result<B256, String> {
    let t = s.trim();
    match hex::decode(t) {
        Ok(b) if t.starts_with("0x") && b.len() == 32 => Ok(B256::from_slice(&b)),
        _ => Err(format!(
            "`{s}` is not a 32-byte hex word (0x and 64 hex digits)"
        )),
    }
}

fn read_call(i: usize, v: &Value) -> Result<CallBuilder, PermissionFileError> {
    let mut c = Fields::new(format!("calls[{i}]"), v)?;
    let target = match c.string("target")? {
        None => return Err(field_err(c.at("target"), "missing (an address, or \"*\")")),
        Some("*") => Target::Any,
        Some(s) => {
            Target::Exact(parse_address(s).map_err(|e| field_err(c.at("target"), e.to_string()))?)
        }
    };
    let function = c.string("function")?;
    let plain = c.bool("plain_transfer")?;
    let calldata = match (function, plain) {
        (Some(_), true) => {
            return Err(field_err(
                c.at("plain_transfer"),
                "give either `function` or `plain_transfer = true`, not both",
            ))
        }
        (None, true) => Calldata::PlainTransfer,
        (None, false) => {
            return Err(field_err(
                c.at("function"),
                "missing (a signature like \"approve(address spender, uint256 amount)\", a selector, \"*\"; or plain_transfer = true)",
            ))
        }
        (Some("*"), _) => Calldata::AnyFunction,
        (Some(s), _) if s.trim().starts_with("0x") && !s.contains('(') => {
            let bytes = hex::decode(s.trim()).ok().filter(|b| b.len() == 4).ok_or_else(|| {
                field_err(c.at("function"), format!("`{s}` is not a 4-byte selector"))
            })?;
            Calldata::Selector(bytes.try_into().expect("4 bytes"))
        }
        (Some(s), _) => Calldata::Function(s.to_owned()),
    };
    let mut call = CallBuilder::new(target, calldata);
    if let Some(t) = c.amount("max_value")? {
        let v = parse_uint(&t, 256).map_err(|e| field_err(c.at("max_value"), e.to_string()))?;
        call = call.max_value(v);
    }
    for (j, r) in c.array("rules")?.iter().enumerate() {
        let (param, check) = read_rule(&format!("calls[{i}].rules[{j}]"), r, RuleSubject::Param)?;
        call = call.rule(&param, check);
    }
    c.finish()?;
    Ok(call)
}

fn rule_value(field: &str, v: &Value) -> Result<RuleValue, PermissionFileError> {
    match v {
        Value::String(s) => Ok(RuleValue::Text(s.clone())),
        Value::Bool(b) => Ok(RuleValue::Bool(*b)),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Ok(RuleValue::Uint(U256::from(u))),
            (None, Some(i)) => Ok(RuleValue::from(i)),
            _ => Err(field_err(
                field,
                format!("{n} is not an integer (write large or fractional amounts as strings: \"1.5 ether\")"),
            )),
        },
        other => Err(field_err(
            field,
            format!("expected a value, found {}", kind(other)),
        )),
    }
}

/// What a rule is on: a call's `param`, or a typed-data scope's contents `field`.
#[derive(Clone, Copy)]
enum RuleSubject {
    Param,
    Field,
}

fn read_rule(
    path: &str,
    v: &Value,
    subject: RuleSubject,
) -> Result<(String, Check), PermissionFileError> {
    let mut r = Fields::new(path.to_owned(), v)?;
    let (key, what) = match subject {
        RuleSubject::Param => ("param", "missing (a parameter name of the function)"),
        RuleSubject::Field => ("field", "missing (a field name of the contents type)"),
    };
    let param = r
        .string(key)?
        .ok_or_else(|| field_err(r.at(key), what))?
        .to_owned();
    let op = r
        .string("op")?
        .ok_or_else(|| field_err(r.at("op"), "missing (== != > >= < <= in_range one_of)"))?;
    let value = r.get("value");
    let values = r.get("values");
    let at_value = r.at("value");
    let at_values = r.at("values");
    let list = |n: Option<usize>| -> Result<Vec<RuleValue>, PermissionFileError> {
        let Some(Value::Array(vs)) = values else {
            return Err(field_err(
                at_values.clone(),
                "missing (an array of values)".to_owned(),
            ));
        };
        if let Some(n) = n {
            if vs.len() != n {
                return Err(field_err(
                    at_values.clone(),
                    format!("expected [min, max], found {} values", vs.len()),
                ));
            }
        }
        vs.iter()
            .enumerate()
            .map(|(k, v)| rule_value(&format!("{at_values}[{k}]"), v))
            .collect()
    };
    let check = match op.trim() {
        "in_range" | "between" => {
            let mut vs = list(Some(2))?.into_iter();
            let (min, max) = (vs.next().expect("2"), vs.next().expect("2"));
            Check::InRange(min, max)
        }
        "one_of" | "in" => Check::OneOf(list(None)?),
        other => {
            let cmp = Comparison::parse(other).ok_or_else(|| {
                field_err(
                    r.at("op"),
                    format!("`{other}` is not an operator (== != > >= < <= in_range one_of)"),
                )
            })?;
            let v = value.ok_or_else(|| field_err(at_value.clone(), "missing"))?;
            Check::Compare(cmp, rule_value(&at_value, v)?)
        }
    };
    if matches!(check, Check::Compare(..)) && values.is_some() {
        return Err(field_err(
            at_values,
            "only for in_range and one_of (use `value`)",
        ));
    }
    if !matches!(check, Check::Compare(..)) && value.is_some() {
        return Err(field_err(at_value, "in_range and one_of take `values`"));
    }
    r.finish()?;
    Ok((param, check))
}

/// A record in the permission-file shape (parameters named when `book` knows the function;
/// otherwise selectors and `word` indexes, which [`parse`] does not read back).
pub fn render(record: &SessionRecord, book: &FunctionBook) -> Value {
    let limit = |l: Limit| match l {
        Limit::Unlimited => json!("unlimited"),
        Limit::Limited(v) => json!(v.to_string()),
    };
    let mut out = Map::new();
    out.insert("signer".into(), json!(record.signer.to_checksum(None)));
    if let Some(key) = record.signer_key.p256() {
        out.insert(
            "signer_kind".into(),
            json!(kind_name(record.signer_key.kind())),
        );
        out.insert("public_key".into(), json!(format!("{},{}", key.x, key.y)));
    }
    out.insert("valid_after".into(), json!(record.valid_after));
    out.insert("valid_until".into(), json!(record.valid_until));
    out.insert("native_cap".into(), limit(record.native_cap));
    out.insert("gas_budget".into(), limit(record.gas_budget));
    if let Some(n) = record.max_ops {
        out.insert("max_ops".into(), json!(n));
    }
    if let Some(p) = record.paymaster {
        out.insert("paymaster".into(), json!(p.to_checksum(None)));
    }
    if let Some(p) = record.period {
        out.insert("period".into(), json!(p));
    }
    let wildcards = record
        .calls
        .iter()
        .any(|c| c.key.target == TargetMatch::Any || c.key.selector == SelectorMatch::Any);
    if wildcards {
        out.insert("allow_wildcards".into(), json!(true));
    }
    let calls: Vec<Value> = record
        .calls
        .iter()
        .map(|c| {
            let mut m = Map::new();
            m.insert(
                "target".into(),
                match c.key.target {
                    TargetMatch::Exact(a) => json!(a.to_checksum(None)),
                    TargetMatch::Any => json!("*"),
                },
            );
            let f = match c.key.selector {
                SelectorMatch::Exact(s) => {
                    let f = book.get(s);
                    m.insert(
                        "function".into(),
                        json!(f.map_or_else(|| hex::encode_prefixed(s), signature_text)),
                    );
                    f
                }
                SelectorMatch::Any => {
                    m.insert("function".into(), json!("*"));
                    None
                }
                SelectorMatch::Empty => {
                    m.insert("plain_transfer".into(), json!(true));
                    None
                }
            };
            m.insert("max_value".into(), json!(c.max_value.to_string()));
            if !c.rules.is_empty() {
                let rules = c.rules.iter().map(|r| render_rule(r, f, "param")).collect();
                m.insert("rules".into(), Value::Array(rules));
            }
            Value::Object(m)
        })
        .collect();
    out.insert("calls".into(), Value::Array(calls));
    let caps: Vec<Value> = record
        .token_caps
        .iter()
        .map(|t| {
            json!({
                "token": t.token.to_checksum(None),
                "limit": match t.limit {
                    TokenLimit::Unlimited => "unlimited".to_owned(),
                    TokenLimit::Limited(v) => v.to_string(),
                },
            })
        })
        .collect();
    out.insert("token_caps".into(), Value::Array(caps));
    if !record.typed_data_scopes.is_empty() {
        let scopes = record
            .typed_data_scopes
            .iter()
            .map(|t| render_scope(t, book))
            .collect();
        out.insert("typed_data".into(), Value::Array(scopes));
    }
    Value::Object(out)
}

/// A typed-data scope. The record holds the app's domain separator, never the domain's fields,
/// so the domain is rendered as `domain_separator` (which [`parse`] reads). The contents type is
/// only its typehash: when `book` has the type string (a permission built from a file or the
/// builder has it), it is rendered as `type` with rules by field name, readable back to the same
/// scope; otherwise as `contents_typehash` with rules by `word` index, for reading only.
fn render_scope(scope: &TypedDataScope, book: &FunctionBook) -> Value {
    let mut m = Map::new();
    m.insert(
        "domain_separator".into(),
        json!(scope.app_domain_separator.to_string()),
    );
    let contents_type = book.contents_type(&scope.contents_typehash);
    let fields = contents_type.and_then(contents_fields);
    match contents_type {
        Some(t) => m.insert("type".into(), json!(t)),
        None => m.insert(
            "contents_typehash".into(),
            json!(scope.contents_typehash.to_string()),
        ),
    };
    if !scope.rules.is_empty() {
        let rules = scope
            .rules
            .iter()
            .map(|r| render_rule(r, fields.as_ref(), "field"))
            .collect();
        m.insert("rules".into(), Value::Array(rules));
    }
    Value::Object(m)
}

/// The primary struct of a contents type read as a signature (its fields in order), as the
/// builder reads it to resolve rule field names.
fn contents_fields(contents_type: &str) -> Option<FunctionSignature> {
    let primary = &contents_type[..=contents_type.find(')')?];
    FunctionSignature::parse(primary).ok()
}

/// One rule in the file's shape: named by `name_key` (`param`, `field`) when `f` knows its word,
/// else by `word` index (with `signed` for a signed comparison), which [`parse`] does not read.
fn render_rule(r: &ParamRule, f: Option<&FunctionSignature>, name_key: &str) -> Value {
    let (name, ty) = rule_param(r, f);
    let mut rm = Map::new();
    if f.is_some() {
        rm.insert(name_key.into(), json!(name));
    } else {
        rm.insert("word".into(), json!(r.word_index));
    }
    let text = |w| json!(format_word(w, ty.as_ref()));
    use sessionkey_policy::Condition as C;
    let op = match r.condition {
        C::Eq => "==",
        C::Neq => "!=",
        C::Gt | C::SignedGt => ">",
        C::Gte | C::SignedGte => ">=",
        C::Lt | C::SignedLt => "<",
        C::Lte | C::SignedLte => "<=",
        C::InRange | C::SignedInRange => "in_range",
        C::OneOf => "one_of",
    };
    rm.insert("op".into(), json!(op));
    if matches!(r.condition, C::InRange | C::SignedInRange | C::OneOf) {
        rm.insert(
            "values".into(),
            Value::Array(r.values.iter().map(text).collect()),
        );
    } else {
        rm.insert("value".into(), text(&r.values[0]));
    }
    if f.is_none() && r.condition.is_signed() {
        rm.insert("signed".into(), json!(true));
    }
    Value::Object(rm)
}

/// `name(type name, …)`: a signature with its parameter names, readable back by the parser.
pub fn signature_text(f: &FunctionSignature) -> String {
    let params: Vec<String> = f
        .params
        .iter()
        .map(|(p, t)| {
            if p.starts_with('#') {
                t.sol_type_name().into_owned()
            } else {
                format!("{} {p}", t.sol_type_name())
            }
        })
        .collect();
    format!("{}({})", f.name, params.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
signer = "0x1111111111111111111111111111111111111111"
valid_after = 1000
valid_until = 2000
gas_budget = "0.01 ether"
native_cap = "1 ether"

[[calls]]
target = "0x00000000000000000000000000000000000070c0"
function = "approve(address spender, uint256 amount)"
rules = [
  { param = "spender", op = "==", value = "0x0000000000000000000000000000000000000de0" },
  { param = "amount", op = "<=", value = "100e18" },
]

[[calls]]
target = "0x000000000000000000000000000000000000a71c"
plain_transfer = true
max_value = "0.5 ether"

[[token_caps]]
token = "0x00000000000000000000000000000000000070c0"
limit = "500e18"
"#;

    fn parse_toml(text: &str) -> Result<Permission, PermissionFileError> {
        parse(text, Format::Toml, Path::new("p.toml"), None)
    }

    fn field_of(text: &str) -> String {
        match parse_toml(text).expect_err("must be refused") {
            PermissionFileError::Field { field, .. } => field,
            PermissionFileError::Build(e) => e.field,
            other => panic!("{other}"),
        }
    }

    #[test]
    fn reads_the_documented_example() {
        let p = parse_toml(GOOD).unwrap();
        assert_eq!(p.record.calls.len(), 2);
        assert_eq!(p.record.native_cap, Limit::Limited(10u128.pow(18)));
        // Rendered back and read again: the same record.
        let rendered = render(&p.record, &p.functions);
        let again = parse(
            &rendered.to_string(),
            Format::Json,
            Path::new("r.json"),
            None,
        )
        .unwrap();
        assert_eq!(again.record, p.record);
    }

    #[test]
    fn a_period_reads_renders_and_is_checked() {
        let daily = format!("period = 86400\n{GOOD}");
        let p = parse_toml(&daily).unwrap();
        assert_eq!(p.record.period, Some(86_400));
        let rendered = render(&p.record, &p.functions);
        assert_eq!(rendered["period"], 86_400);
        let again = parse(
            &rendered.to_string(),
            Format::Json,
            Path::new("r.json"),
            None,
        )
        .unwrap();
        assert_eq!(again.record, p.record);
        // Under a minute: the record's own error, named.
        let err = parse_toml(&format!("period = 59\n{GOOD}"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("period: 59 s is shorter than 60 seconds"),
            "{err}"
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let cases = [
            (
                GOOD.replace("0x0000000000000000000000000000000000000de0", "0xZZ"),
                "calls[0].rules[0]",
            ),
            (
                GOOD.replace(
                    "target = \"0x00000000000000000000000000000000000070c0\"",
                    "target = \"0x12\"",
                ),
                "calls[0].target",
            ),
            (
                GOOD.replace(
                    "approve(address spender, uint256 amount)",
                    "approve(address spender, uint256",
                ),
                "calls[0].function",
            ),
            (
                GOOD.replace("param = \"amount\"", "param = \"amt\""),
                "calls[0].rules[1]",
            ),
            (
                GOOD.replace("valid_until = 2000", "valid_until = 1000"),
                "valid_until",
            ),
            (
                GOOD.replace("gas_budget = \"0.01 ether\"", ""),
                "gas_budget",
            ),
            (GOOD.replace("native_cap", "native_kap"), "native_kap"),
            (
                GOOD.replace("limit = \"500e18\"", "limit = \"1e80\""),
                "token_caps[0].limit",
            ),
            (
                GOOD.replace("max_value = \"0.5 ether\"", "max_value = -1"),
                "calls[1].max_value",
            ),
            (
                GOOD.replace("op = \"<=\"", "op = \"=<\""),
                "calls[0].rules[1].op",
            ),
            (
                GOOD.replace(
                    "signer = \"0x1111111111111111111111111111111111111111\"",
                    "",
                ),
                "signer",
            ),
        ];
        for (text, field) in cases {
            assert_eq!(field_of(&text), field, "{text}");
        }
    }

    #[test]
    fn syntax_errors_have_a_position() {
        match parse_toml("signer = \n") {
            Err(PermissionFileError::Syntax { line, .. }) => assert_eq!(line, 1),
            other => panic!("{other:?}"),
        }
        match parse("{\n \"signer\": ", Format::Json, Path::new("p.json"), None) {
            Err(PermissionFileError::Syntax { line, .. }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
    }

    /// GOOD without its `signer` line.
    fn unsigned() -> String {
        GOOD.replace(
            "signer = \"0x1111111111111111111111111111111111111111\"",
            "",
        )
    }

    fn p256_key(seed: u8) -> sessionkey_policy::signer::P256PublicKey {
        crate::p256_key::P256Key::from_bytes(&[seed; 32])
            .unwrap()
            .public_key()
    }

    fn field_and_message(text: &str, given: Option<GivenSigner>) -> (String, String) {
        match parse_with(text, Format::Toml, Path::new("p.toml"), given) {
            Err(PermissionFileError::Field { field, message }) => (field, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn p256_and_passkey_signers_from_the_file_or_the_key_given() {
        let pk = p256_key(5);
        for kind in [SignerKind::P256, SignerKind::WebAuthn] {
            let signer = PublicSigner::p256(kind, pk).unwrap();
            // From the file alone (signer omitted, or stated and equal), in both spellings.
            for key in [
                format!("{},{}", pk.x, pk.y),
                format!("0x04{}{}", hex::encode(pk.x), hex::encode(pk.y)),
            ] {
                let text = format!(
                    "signer_kind = \"{}\"\npublic_key = \"{key}\"\n{}",
                    kind_name(kind),
                    unsigned()
                );
                let p = parse_toml(&text).unwrap();
                assert_eq!(p.record.signer, signer.address);
                assert_eq!(p.record.signer_key, signer.key);
                let stated = format!("signer = \"{}\"\n{text}", signer.address);
                assert_eq!(parse_toml(&stated).unwrap().record, p.record);
                // Rendered back: the kind and key come along.
                let rendered = render(&p.record, &p.functions);
                let again = parse(
                    &rendered.to_string(),
                    Format::Json,
                    Path::new("r.json"),
                    None,
                )
                .unwrap();
                assert_eq!(again.record, p.record);
            }
            // From the key given beside a file that names no signer.
            let p = parse_with(
                &unsigned(),
                Format::Toml,
                Path::new("p.toml"),
                Some(GivenSigner::Key(signer)),
            )
            .unwrap();
            assert_eq!(p.record.signer_key, signer.key);
            assert_eq!(p.record.signer, signer.address);
        }
    }

    #[test]
    fn a_signer_of_another_kind_or_key_is_refused() {
        let pk = p256_key(5);
        let p256 = PublicSigner::p256(SignerKind::P256, pk).unwrap();
        let passkey = PublicSigner::p256(SignerKind::WebAuthn, pk).unwrap();
        let in_file = |kind: &str| {
            format!(
                "signer_kind = \"{kind}\"\npublic_key = \"{},{}\"\n{}",
                pk.x,
                pk.y,
                unsigned()
            )
        };
        assert_eq!(
            field_and_message(&in_file("passkey"), Some(GivenSigner::Key(p256))),
            (
                "signer_kind".into(),
                "the file names a passkey signer but the session key given is p256".into()
            )
        );
        let secp = PublicSigner::secp256k1(Address::repeat_byte(0x11));
        assert_eq!(
            field_and_message(&in_file("p256"), Some(GivenSigner::Key(secp))).0,
            "signer_kind"
        );
        // A secp256k1 file (the default kind) and a P-256 key: the addresses differ.
        assert_eq!(
            field_and_message(GOOD, Some(GivenSigner::Key(passkey))).0,
            "signer"
        );
        let other = PublicSigner::p256(SignerKind::P256, p256_key(6)).unwrap();
        assert_eq!(
            field_and_message(&in_file("p256"), Some(GivenSigner::Key(other))),
            (
                "public_key".into(),
                "the file's public key is not the session key's".into()
            )
        );
        let (field, message) = field_and_message(
            &in_file("p256"),
            Some(GivenSigner::Address(Address::repeat_byte(0x22))),
        );
        assert_eq!(field, "signer");
        assert!(
            message.starts_with("the public key's address is"),
            "{message}"
        );
        // Kind without key, key without kind, key for secp256k1, unknown kind, bad key.
        let no_key = format!("signer_kind = \"p256\"\n{}", unsigned());
        assert_eq!(field_and_message(&no_key, None).0, "public_key");
        let no_kind = format!("public_key = \"{},{}\"\n{}", pk.x, pk.y, unsigned());
        assert_eq!(field_and_message(&no_kind, None).0, "signer_kind");
        assert_eq!(
            field_and_message(&in_file("secp256k1"), None).0,
            "public_key"
        );
        let (field, message) = field_and_message(&in_file("ed25519"), None);
        assert_eq!(field, "signer_kind");
        assert_eq!(
            message,
            "unknown signer kind `ed25519` (expected secp256k1, p256 or passkey)"
        );
        let off_curve = format!(
            "signer_kind = \"p256\"\npublic_key = \"{},{}\"\n{}",
            pk.x,
            B256::with_last_byte(1),
            unsigned()
        );
        assert_eq!(field_and_message(&off_curve, None).0, "public_key");
    }

    const SCOPE: &str = r#"
[[typed_data]]
domain = { name = "USD Coin", version = "2", chain_id = 42161, verifying_contract = "0x00000000000000000000000000000000000070c0" }
type = "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
rules = [
  { field = "spender", op = "==", value = "0x0000000000000000000000000000000000000de0" },
  { field = "value", op = "<=", value = "100000000" },
]
"#;

    const PERMIT: &str =
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)";

    fn usdc() -> Eip712Domain {
        alloy_sol_types::eip712_domain! {
            name: "USD Coin",
            version: "2",
            chain_id: 42161,
            verifying_contract: alloy_primitives::address!("0x00000000000000000000000000000000000070c0"),
        }
    }

    #[test]
    fn a_typed_data_scope_reads_as_the_builder_makes_it_and_renders_back() {
        let p = parse_toml(&format!("{GOOD}{SCOPE}")).unwrap();
        // The file is the builder's scope, field for field.
        let dex = alloy_primitives::address!("0x0000000000000000000000000000000000000de0");
        let built = SessionBuilder::new(Address::repeat_byte(0x11))
            .valid_between(1000, 2000)
            .gas_budget(Limit::Limited(10u128.pow(16)))
            .typed_data_scope(
                TypedDataScopeBuilder::new(&usdc(), PERMIT)
                    .rule("spender", Check::eq(dex))
                    .rule("value", Check::lte(100_000_000u64)),
            )
            .build()
            .unwrap();
        assert_eq!(p.record.typed_data_scopes, built.record.typed_data_scopes);
        let scope = &p.record.typed_data_scopes[0];
        assert_eq!(scope.app_domain_separator, usdc().separator());

        // Rendered: the separator (the record has no domain fields), the type string (the
        // permission's book has it) and rules by field name.
        let rendered = render(&p.record, &p.functions);
        let t = &rendered["typed_data"][0];
        assert_eq!(t["domain_separator"], usdc().separator().to_string());
        assert_eq!(t["type"], PERMIT);
        assert_eq!(t["rules"][0]["field"], "spender");
        assert_eq!(t["rules"][1]["field"], "value");
        assert_eq!(t["rules"][1]["op"], "<=");
        assert_eq!(t["rules"][1]["value"], "100000000");
        // …read back: the same record, and the same again from TOML with `domain_separator`.
        let again = parse(
            &rendered.to_string(),
            Format::Json,
            Path::new("r.json"),
            None,
        )
        .unwrap();
        assert_eq!(again.record, p.record);
        let by_separator = SCOPE.replace(
            "domain = { name = \"USD Coin\", version = \"2\", chain_id = 42161, verifying_contract = \"0x00000000000000000000000000000000000070c0\" }",
            &format!("domain_separator = \"{}\"", usdc().separator()),
        );
        assert_ne!(by_separator, SCOPE);
        assert_eq!(
            parse_toml(&format!("{GOOD}{by_separator}")).unwrap().record,
            p.record
        );
        // A chain id written as a string hashes the same.
        let text_chain = SCOPE.replace("chain_id = 42161", "chain_id = \"42161\"");
        assert_eq!(
            parse_toml(&format!("{GOOD}{text_chain}")).unwrap().record,
            p.record
        );
    }

    #[test]
    fn a_scope_whose_type_is_unknown_renders_its_hashes_and_is_not_read_back() {
        let p = parse_toml(&format!("{GOOD}{SCOPE}")).unwrap();
        // The standard book names the calls but knows no contents type.
        let rendered = render(&p.record, &FunctionBook::standard());
        let t = &rendered["typed_data"][0];
        assert_eq!(t["domain_separator"], usdc().separator().to_string());
        assert_eq!(
            t["contents_typehash"],
            alloy_primitives::keccak256(PERMIT).to_string()
        );
        assert!(t.get("type").is_none());
        assert_eq!(t["rules"][0]["word"], 1);
        // An unknown word prints as a number below 2^64, else as hex: 0xde0 here.
        assert_eq!(t["rules"][0]["value"], "3552");
        assert_eq!(t["rules"][1]["word"], 2);
        assert_eq!(t["rules"][1]["value"], "100000000");
        let err = parse(
            &rendered.to_string(),
            Format::Json,
            Path::new("r.json"),
            None,
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "typed_data[0].contents_typehash: a record's typehash cannot be read back"
            ),
            "{err}"
        );
        // A record without scopes renders no `typed_data` (the shape it always had).
        assert!(
            render(&parse_toml(GOOD).unwrap().record, &FunctionBook::new())
                .get("typed_data")
                .is_none()
        );
    }

    #[test]
    fn every_bad_typed_data_field_is_named() {
        let domain = "domain = { name = \"USD Coin\", version = \"2\", chain_id = 42161, verifying_contract = \"0x00000000000000000000000000000000000070c0\" }";
        let separator = format!("domain_separator = \"{}\"", usdc().separator());
        let with = |from: &str, to: &str| {
            let s = SCOPE.replace(from, to);
            assert_ne!(s, SCOPE, "{from}");
            format!("{GOOD}{s}")
        };
        let cases = [
            (
                with(domain, &format!("{domain}\n{separator}")),
                "typed_data[0].domain_separator",
            ),
            (with(domain, ""), "typed_data[0].domain"),
            (with(domain, "domain = {}"), "typed_data[0].domain"),
            (
                with(domain, "domain = \"USD Coin\""),
                "typed_data[0].domain",
            ),
            (
                with(domain, "domain_separator = \"0x12\""),
                "typed_data[0].domain_separator",
            ),
            (
                with("chain_id = 42161", "chain_id = -1"),
                "typed_data[0].domain.chain_id",
            ),
            (
                with("chain_id = 42161", "chain_id = \"arb\""),
                "typed_data[0].domain.chain_id",
            ),
            (with("name = ", "nam = "), "typed_data[0].domain.nam"),
            (
                with(
                    "verifying_contract = \"0x00000000000000000000000000000000000070c0\"",
                    "verifying_contract = \"0x12\"",
                ),
                "typed_data[0].domain.verifying_contract",
            ),
            (
                with("version = \"2\"", "version = \"2\", salt = \"0x01\""),
                "typed_data[0].domain.salt",
            ),
            (with("type = ", "kind = "), "typed_data[0].type"),
            (
                with("type = \"Permit(", "type = \"Permit ("),
                "typed_data[0].type",
            ),
            (
                with("type = \"Permit(", "type = \"(address x)Permit("),
                "typed_data[0].type",
            ),
            (
                with("field = \"spender\"", "field = \"spendr\""),
                "typed_data[0].rules[0]",
            ),
            (
                with("field = \"spender\"", "param = \"spender\""),
                "typed_data[0].rules[0].field",
            ),
            (
                with("op = \"<=\"", "op = \"=<\""),
                "typed_data[0].rules[1].op",
            ),
            (
                with("0x0000000000000000000000000000000000000de0", "0xZZ"),
                "typed_data[0].rules[0]",
            ),
            (with("op = \"==\"", "op = \"<=\""), "typed_data[0].rules[0]"),
            (
                with("value = \"100000000\"", "values = [\"1\", \"2\"]"),
                "typed_data[0].rules[1].value",
            ),
            (
                with("rules = [", "rule = 1\nrules = ["),
                "typed_data[0].rule",
            ),
            (format!("typed_data = 5\n{GOOD}"), "typed_data"),
            (format!("{GOOD}{SCOPE}{SCOPE}"), "typed_data[1]"),
        ];
        for (text, field) in cases {
            assert_eq!(field_of(&text), field, "{text}");
        }
        // The messages say what is wrong.
        let message = |text: &str| parse_toml(text).unwrap_err().to_string();
        assert_eq!(
            message(&with(domain, &format!("{domain}\n{separator}"))),
            "typed_data[0].domain_separator: give either `domain` or `domain_separator`, not both"
        );
        assert!(message(&with(domain, "domain = {}")).starts_with("typed_data[0].domain: empty"));
    }

    #[test]
    fn a_conflicting_cli_signer_is_refused() {
        let other = Address::repeat_byte(0x22);
        let e = parse(GOOD, Format::Toml, Path::new("p.toml"), Some(other)).unwrap_err();
        assert!(e.to_string().starts_with("signer:"), "{e}");
    }
}
