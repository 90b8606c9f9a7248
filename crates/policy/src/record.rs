//! The permission record a session is registered with, and its canonical encoding.
//!
//! The contract takes the record as `bytes` in this encoding, decodes it strictly (every field
//! checked, no trailing bytes, entries sorted so one record has exactly one encoding) and only
//! then writes anything. The SDK builds records with [`SessionRecord::encode`] from the same
//! types, so the two sides cannot drift.
//!
//! ```text
//! u8    version (2)
//! u48   valid_after
//! u48   valid_until               0 = no expiry, else > valid_after
//! u8    signer kind               0 secp256k1 · 1 P-256 · 2 WebAuthn (see signer::SignerKind)
//! [20]  signer                    kind 0: the key's address, non-zero
//! [32]  x ‖ [32] y                kinds 1, 2: the P-256 public key (field elements, not 0,0);
//!                                 the session's signer address is keccak256(x ‖ y)[12..]
//! u8    flags                     1 native unlimited · 2 gas unlimited · 4 ops limited · 8 paymaster
//!                                 · 64 periodic · 128 typed-data scopes
//! u128  native cap (wei)          0 when unlimited; 0 with the flag clear = no native value at all
//! u128  gas-fee budget (wei)      0 when unlimited
//! u32   max ops                   0 unless "ops limited"
//! [20]  paymaster                 only with flag 8
//! u32   period (seconds)          only with flag 64, ≥ 60: every cap (native, gas, ops, each
//!                                 token) is per period; then the gas budget is < 2^88 and
//!                                 token caps < 2^104
//! u8    call count                ≤ 32, then per call, keys strictly ascending:
//!         [25]  call key          see layout::CallKey::to_bytes
//!         u128  max value per call
//!         u8    rule count        ≤ 16, then per rule:
//!                 u8 condition · u16 word index · u8 value count · [32]×count values
//! u8    token cap count           ≤ 16, then per cap, tokens strictly ascending:
//!         [20] token · u8 flags (1 unlimited) · [32] limit (< 2^248; 0 when unlimited)
//! u8    scope count               only with flag 128 ("typed-data scopes"), 1..=8, then per
//!                                 scope, keys (separator ‖ typehash) strictly ascending:
//!         [32]  appDomainSeparator
//!         [32]  contentsTypehash
//!         u8    rule count        ≤ 16, rules as in a call entry (word i = contents word i)
//! ```

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};

use crate::condition::{compare, Condition};
use crate::error::RecordError;
use crate::layout::{self, session_flags, CallKey, SelectorMatch, TargetMatch};
use crate::rule::{ParamRule, MAX_RULES};
use crate::signer::{P256PublicKey, SignerKind};
use crate::typed_data::{TypedDataScope, MAX_SCOPES};

/// Encoding version this crate writes and reads.
pub const RECORD_VERSION: u8 = 2;
/// Offset of the signer kind byte.
pub const SIGNER_KIND_AT: usize = 13;
/// Most call entries per session.
pub const MAX_CALLS: usize = 32;
/// Most token caps per session.
pub const MAX_TOKEN_CAPS: usize = 16;
/// Largest 48-bit timestamp.
pub const MAX_TIMESTAMP: u64 = (1 << 48) - 1;

/// A cap on an amount of wei. "Zero" and "none" are different things (threat 18).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// At most this much over the session's life; `Limited(0)` allows nothing.
    Limited(u128),
    /// No cap: must be asked for explicitly.
    Unlimited,
}

/// A cap on an ERC-20 token's spend authority.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenLimit {
    /// At most this much (below 2^248) over the session's life.
    Limited(U256),
    /// No cap: must be asked for explicitly.
    Unlimited,
}

/// One allowed kind of call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallPolicy {
    /// Which targets and calldata the entry matches.
    pub key: CallKey,
    /// Native value allowed per call.
    pub max_value: u128,
    /// Conditions on calldata words; all must hold.
    pub rules: Vec<ParamRule>,
}

/// A per-token spend cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenCap {
    /// ERC-20 contract.
    pub token: Address,
    /// Cap.
    pub limit: TokenLimit,
}

/// The key a session's signatures are checked with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SignerKey {
    /// A secp256k1 key: the record's `signer` address is the key.
    #[default]
    Secp256k1,
    /// A P-256 key signing the session digest itself.
    P256(P256PublicKey),
    /// A P-256 passkey signing WebAuthn assertions.
    WebAuthn(P256PublicKey),
}

impl SignerKey {
    /// The kind byte stored in the session header.
    pub fn kind(&self) -> SignerKind {
        match self {
            Self::Secp256k1 => SignerKind::Secp256k1,
            Self::P256(_) => SignerKind::P256,
            Self::WebAuthn(_) => SignerKind::WebAuthn,
        }
    }

    /// The P-256 public key, for the P-256 kinds.
    pub fn p256(&self) -> Option<&P256PublicKey> {
        match self {
            Self::Secp256k1 => None,
            Self::P256(k) | Self::WebAuthn(k) => Some(k),
        }
    }
}

/// The signer address of a P-256 key: `keccak256(x ‖ y)[12..]`, as an Ethereum address is
/// derived from a secp256k1 key. `keccak` is the host's (on-chain) or alloy's (off-chain).
pub fn p256_signer(key: &P256PublicKey, keccak: impl FnOnce(&[u8]) -> B256) -> Address {
    let mut xy = [0u8; 64];
    xy[..32].copy_from_slice(key.x.as_slice());
    xy[32..].copy_from_slice(key.y.as_slice());
    Address::from_word(keccak(&xy))
}

/// Everything a session may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// The session's signer address: the secp256k1 key's address, or for a P-256 key
    /// [`p256_signer`] of it.
    pub signer: Address,
    /// The key signatures are checked with.
    pub signer_key: SignerKey,
    /// Start of validity (returned as validationData's validAfter).
    pub valid_after: u64,
    /// End of validity, 0 = none (returned as validationData's validUntil).
    pub valid_until: u64,
    /// Cumulative native value the session may send.
    pub native_cap: Limit,
    /// Cumulative prefund (gas limits × maxFeePerGas) the session may make the account pay.
    pub gas_budget: Limit,
    /// Number of ops, `None` = not capped.
    pub max_ops: Option<u32>,
    /// Paymaster the session may use; `None` = the account pays, no paymaster allowed.
    pub paymaster: Option<Address>,
    /// Length of a cap period in seconds: `Some` makes every cap renew each period (period `n`
    /// starts at `valid_after + n·period`); `None` makes the caps last the session's life.
    pub period: Option<u32>,
    /// Allowed calls, sorted by key. Empty allows nothing.
    pub calls: Vec<CallPolicy>,
    /// ERC-20 caps, sorted by token.
    pub token_caps: Vec<TokenCap>,
    /// Typed data the session key may sign for the account (ERC-1271 through ERC-7739), sorted
    /// by key. Empty: every signature question is answered "invalid".
    pub typed_data_scopes: Vec<TypedDataScope>,
}

impl SessionRecord {
    /// The header flags this record sets (wildcard bits included).
    pub fn header_flags(&self) -> u8 {
        let mut f = 0;
        if self.native_cap == Limit::Unlimited {
            f |= session_flags::NATIVE_UNLIMITED;
        }
        if self.gas_budget == Limit::Unlimited {
            f |= session_flags::GAS_UNLIMITED;
        }
        if self.max_ops.is_some() {
            f |= session_flags::OPS_LIMITED;
        }
        if self.paymaster.is_some() {
            f |= session_flags::PAYMASTER;
        }
        if self.period.is_some() {
            f |= session_flags::PERIODIC;
        }
        if !self.typed_data_scopes.is_empty() {
            f |= session_flags::TYPED_DATA_SCOPES;
        }
        for c in &self.calls {
            if c.key.target == TargetMatch::Any {
                f |= session_flags::HAS_ANY_TARGET;
            }
            if c.key.selector == SelectorMatch::Any {
                f |= session_flags::HAS_ANY_SELECTOR;
            }
        }
        f
    }

    /// Canonical encoding. Only meaningful for a record that [`Self::validate`] accepts; the
    /// SDK's builders guarantee that, and `decode(encode(r)) == r` for every such record.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.push(RECORD_VERSION);
        out.extend_from_slice(&self.valid_after.to_be_bytes()[2..]);
        out.extend_from_slice(&self.valid_until.to_be_bytes()[2..]);
        out.push(self.signer_key.kind() as u8);
        match self.signer_key.p256() {
            None => out.extend_from_slice(self.signer.as_slice()),
            Some(k) => {
                out.extend_from_slice(k.x.as_slice());
                out.extend_from_slice(k.y.as_slice());
            }
        }
        out.push(self.header_flags() & session_flags::RECORD_FLAGS);
        let amount = |l: Limit| match l {
            Limit::Limited(v) => v,
            Limit::Unlimited => 0,
        };
        out.extend_from_slice(&amount(self.native_cap).to_be_bytes());
        out.extend_from_slice(&amount(self.gas_budget).to_be_bytes());
        out.extend_from_slice(&self.max_ops.unwrap_or(0).to_be_bytes());
        if let Some(p) = self.paymaster {
            out.extend_from_slice(p.as_slice());
        }
        if let Some(p) = self.period {
            out.extend_from_slice(&p.to_be_bytes());
        }
        out.push(self.calls.len() as u8);
        for c in &self.calls {
            out.extend_from_slice(&c.key.to_bytes());
            out.extend_from_slice(&c.max_value.to_be_bytes());
            encode_rules(&mut out, &c.rules);
        }
        out.push(self.token_caps.len() as u8);
        for t in &self.token_caps {
            out.extend_from_slice(t.token.as_slice());
            match t.limit {
                TokenLimit::Unlimited => {
                    out.push(1);
                    out.extend_from_slice(&[0u8; 32]);
                }
                TokenLimit::Limited(v) => {
                    out.push(0);
                    out.extend_from_slice(&v.to_be_bytes::<32>());
                }
            }
        }
        if !self.typed_data_scopes.is_empty() {
            out.push(self.typed_data_scopes.len() as u8);
            for scope in &self.typed_data_scopes {
                out.extend_from_slice(&scope.key());
                encode_rules(&mut out, &scope.rules);
            }
        }
        out
    }

    /// The record's header fields (everything but the call entries and token caps).
    pub fn header(&self) -> RecordHeader {
        RecordHeader {
            signer: match self.signer_key {
                SignerKey::Secp256k1 => Some(self.signer),
                _ => None,
            },
            signer_key: self.signer_key,
            valid_after: self.valid_after,
            valid_until: self.valid_until,
            native_cap: self.native_cap,
            gas_budget: self.gas_budget,
            max_ops: self.max_ops,
            paymaster: self.paymaster,
            period: self.period,
            flags: self.header_flags(),
        }
    }

    /// Decodes exactly one record occupying all of `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<Self, RecordError> {
        let (record, used) = Self::decode_prefix(bytes)?;
        if used != bytes.len() {
            return Err(RecordError::TrailingBytes { at: used });
        }
        Ok(record)
    }

    /// Decodes one record from the start of `bytes`, returning it and the bytes it used (for
    /// `onInstall` data that carries several records back to back).
    pub fn decode_prefix(bytes: &[u8]) -> Result<(Self, usize), RecordError> {
        let mut b = Builder {
            calls: Vec::new(),
            token_caps: Vec::new(),
            scopes: Vec::new(),
            in_scope: false,
        };
        let (h, used) = visit(bytes, &mut b)?;
        let record = Self {
            signer: h.signer_address(|b| alloy_primitives::keccak256(b)),
            signer_key: h.signer_key,
            valid_after: h.valid_after,
            valid_until: h.valid_until,
            native_cap: h.native_cap,
            gas_budget: h.gas_budget,
            max_ops: h.max_ops,
            paymaster: h.paymaster,
            period: h.period,
            calls: b.calls,
            token_caps: b.token_caps,
            typed_data_scopes: b.scopes,
        };
        Ok((record, used))
    }

    /// Checks a record built in memory against every rule decoding enforces, by encoding and
    /// decoding it: one set of rules, not two.
    ///
    /// Fields the encoding cannot represent at all are refused first (encoding would truncate
    /// them): times above 48 bits ([`RecordError::TimestampTooLarge`]) and counts above 255
    /// ([`RecordError::TooMany`] at 0). Everything else gets exactly the error, and byte
    /// position, that decoding the encoded record reports.
    pub fn validate(&self) -> Result<(), RecordError> {
        if self.valid_after > MAX_TIMESTAMP || self.valid_until > MAX_TIMESTAMP {
            return Err(RecordError::TimestampTooLarge);
        }
        // A P-256 key's signer address is derived, not encoded: one it does not derive to
        // could not survive the round trip.
        if let Some(key) = self.signer_key.p256() {
            if key.is_well_formed()
                && self.signer != p256_signer(key, |b| alloy_primitives::keccak256(b))
            {
                return Err(RecordError::SignerNotKeyAddress);
            }
        }
        let over = |n: usize| n > u8::MAX as usize;
        let rules_over =
            |rules: &[ParamRule]| over(rules.len()) || rules.iter().any(|r| over(r.values.len()));
        let unrepresentable = over(self.calls.len())
            || over(self.token_caps.len())
            || over(self.typed_data_scopes.len())
            || self.calls.iter().any(|c| rules_over(&c.rules))
            || self.typed_data_scopes.iter().any(|t| rules_over(&t.rules));
        if unrepresentable {
            return Err(RecordError::TooMany { at: 0 });
        }
        let decoded = Self::decode(&self.encode())?;
        // Everything representable round-trips; anything else is a bug worth failing loudly on.
        debug_assert_eq!(decoded, *self);
        if decoded != *self {
            return Err(RecordError::TooMany { at: 0 });
        }
        Ok(())
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], RecordError> {
        let s = self
            .bytes
            .get(self.at..self.at + n)
            .ok_or(RecordError::Truncated { at: self.at })?;
        self.at += n;
        Ok(s)
    }

    /// The next `N` bytes as an array (a checked split: no panic path on-chain).
    fn take_array<const N: usize>(&mut self) -> Result<&'a [u8; N], RecordError> {
        let (array, _) = self
            .bytes
            .get(self.at..)
            .and_then(<[u8]>::split_first_chunk::<N>)
            .ok_or(RecordError::Truncated { at: self.at })?;
        self.at += N;
        Ok(array)
    }

    fn u8(&mut self) -> Result<u8, RecordError> {
        let [b] = *self.take_array::<1>()?;
        Ok(b)
    }

    #[inline(never)]
    fn uint(&mut self, n: usize) -> Result<u128, RecordError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u128, |acc, b| (acc << 8) | *b as u128))
    }

    fn address(&mut self) -> Result<Address, RecordError> {
        Ok(Address::new(*self.take_array::<20>()?))
    }

    fn word(&mut self) -> Result<B256, RecordError> {
        Ok(B256::new(*self.take_array::<32>()?))
    }
}

/// A record's header fields, as [`visit`] reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// The secp256k1 signer's address; `None` for a P-256 key, whose address is a hash
    /// ([`Self::signer_address`]).
    pub signer: Option<Address>,
    /// The key signatures are checked with.
    pub signer_key: SignerKey,
    /// Start of validity.
    pub valid_after: u64,
    /// End of validity, 0 = none.
    pub valid_until: u64,
    /// Cumulative native value cap.
    pub native_cap: Limit,
    /// Gas-fee budget.
    pub gas_budget: Limit,
    /// Op count cap.
    pub max_ops: Option<u32>,
    /// Allowed paymaster.
    pub paymaster: Option<Address>,
    /// Cap period in seconds, for a periodic session.
    pub period: Option<u32>,
    /// The session header's flags: the record's flags plus the wildcard bits of its calls
    /// (what [`SessionRecord::header_flags`] returns).
    pub flags: u8,
}

impl RecordHeader {
    /// The session's signer address, hashing a P-256 key with `keccak`.
    pub fn signer_address(&self, keccak: impl FnOnce(&[u8]) -> B256) -> Address {
        match (self.signer, self.signer_key.p256()) {
            (Some(a), _) => a,
            (None, Some(key)) => p256_signer(key, keccak),
            (None, None) => Address::ZERO,
        }
    }
}

/// Receives a record's call entries and token caps as [`visit`] reads them, in encoding order.
///
/// Events arrive before the checks that follow them in the encoding (sorting, ranges, entry
/// size, anything later in the record), so a sink must not act on them unless [`visit`] returns
/// `Ok` — or an earlier pass over the same bytes already did.
pub trait RecordSink {
    /// A call entry starts: its key, per-call value limit and number of rules.
    fn call_begin(&mut self, key: &CallKey, max_value: u128, rule_count: usize) {
        let _ = (key, max_value, rule_count);
    }
    /// A rule of the current entry; its `value_count` values follow through [`Self::value`].
    fn rule(&mut self, condition: Condition, word_index: u16, value_count: usize) {
        let _ = (condition, word_index, value_count);
    }
    /// The next value of the current rule.
    fn value(&mut self, value: &B256) {
        let _ = value;
    }
    /// The current call entry is complete.
    fn call_end(&mut self) {}
    /// A token cap.
    fn token_cap(&mut self, cap: &TokenCap) {
        let _ = cap;
    }
    /// A typed-data scope starts: its key and number of rules; the rules follow through
    /// [`Self::rule`] and [`Self::value`], then [`Self::call_end`] (a scope is stored as a call
    /// entry with a per-call value of zero).
    fn scope_begin(&mut self, app_domain_separator: &B256, contents_typehash: &B256, rules: usize) {
        let _ = (app_domain_separator, contents_typehash, rules);
    }
}

/// A sink that ignores everything: [`visit`] with it only checks the record.
pub struct CheckOnly;

impl RecordSink for CheckOnly {}

/// Reads one record from the start of `bytes` in a single pass, checking every rule of the
/// encoding and reporting its entries to `sink`; returns the header and the bytes used. This is
/// the one implementation of the record's rules: [`SessionRecord::decode_prefix`] is built on
/// it, and the contract runs it to write storage without building a [`SessionRecord`].
pub fn visit(
    bytes: &[u8],
    sink: &mut dyn RecordSink,
) -> Result<(RecordHeader, usize), RecordError> {
    let mut r = Reader { bytes, at: 0 };
    let version = r.u8()?;
    if version != RECORD_VERSION {
        return Err(RecordError::UnsupportedVersion(version));
    }
    let valid_after = r.uint(6)? as u64;
    let valid_until = r.uint(6)? as u64;
    if valid_until != 0 && valid_until <= valid_after {
        return Err(RecordError::EmptyWindow {
            valid_after,
            valid_until,
        });
    }
    let kind_at = r.at;
    let kind =
        SignerKind::from_byte(r.u8()?).ok_or(RecordError::UnknownSignerKind { at: kind_at })?;
    let (signer, signer_key) = match kind {
        SignerKind::Secp256k1 => {
            let signer = r.address()?;
            if signer == Address::ZERO {
                return Err(RecordError::ZeroSigner);
            }
            (Some(signer), SignerKey::Secp256k1)
        }
        SignerKind::P256 | SignerKind::WebAuthn => {
            let at = r.at;
            let key = P256PublicKey {
                x: r.word()?,
                y: r.word()?,
            };
            if !key.is_well_formed() {
                return Err(RecordError::InvalidPublicKey { at });
            }
            let key = if kind == SignerKind::P256 {
                SignerKey::P256(key)
            } else {
                SignerKey::WebAuthn(key)
            };
            (None, key)
        }
    };
    let flags_at = r.at;
    let mut flags = r.u8()?;
    if flags & !session_flags::RECORD_FLAGS != 0 {
        return Err(RecordError::UnknownFlags { at: flags_at });
    }
    let native_at = r.at;
    let native_cap = r.limit(flags & session_flags::NATIVE_UNLIMITED != 0)?;
    // The native counter shares the session header word with the window (96 bits).
    if matches!(native_cap, Limit::Limited(v) if v > layout::MAX_NATIVE_CAP) {
        return Err(RecordError::LimitTooLarge { at: native_at });
    }
    let periodic = flags & session_flags::PERIODIC != 0;
    let gas_at = r.at;
    let gas_budget = r.limit(flags & session_flags::GAS_UNLIMITED != 0)?;
    // A periodic session's gas counter shares its word with the others (88 bits).
    if periodic && matches!(gas_budget, Limit::Limited(v) if v > layout::MAX_PERIODIC_GAS_CAP) {
        return Err(RecordError::LimitTooLarge { at: gas_at });
    }
    let ops_at = r.at;
    let ops = r.uint(4)? as u32;
    let max_ops = if flags & session_flags::OPS_LIMITED != 0 {
        Some(ops)
    } else if ops != 0 {
        return Err(RecordError::ContradictoryLimit { at: ops_at });
    } else {
        None
    };
    let paymaster = if flags & session_flags::PAYMASTER != 0 {
        let at = r.at;
        let p = r.address()?;
        if p == Address::ZERO {
            return Err(RecordError::ContradictoryLimit { at });
        }
        Some(p)
    } else {
        None
    };
    let period = if periodic {
        let at = r.at;
        let p = r.uint(4)? as u32;
        if p < layout::MIN_PERIOD {
            return Err(RecordError::PeriodTooShort { at });
        }
        Some(p)
    } else {
        None
    };

    let n = r.count(MAX_CALLS)?;
    let mut prev: Option<&[u8; CallKey::LEN]> = None;
    for _ in 0..n {
        let at = r.at;
        let key = r.call_policy(sink)?;
        // Strictly ascending keys (the encoded key is exactly `CallKey::to_bytes`): canonical
        // order, and no duplicates.
        if prev.is_some_and(|p| p >= key) {
            return Err(RecordError::NotSorted { at });
        }
        prev = Some(key);
        // Bit 0: any target; bits 2-3 == 1: any selector (see `CallKey::to_bytes`).
        if key[0] & 1 != 0 {
            flags |= session_flags::HAS_ANY_TARGET;
        }
        if key[0] >> 2 == 1 {
            flags |= session_flags::HAS_ANY_SELECTOR;
        }
    }
    let n = r.count(MAX_TOKEN_CAPS)?;
    let mut prev: Option<&[u8; 20]> = None;
    for _ in 0..n {
        let at = r.at;
        let token = r.token_cap(sink, periodic)?;
        if prev.is_some_and(|p| p >= token) {
            return Err(RecordError::NotSorted { at });
        }
        prev = Some(token);
    }
    if flags & session_flags::TYPED_DATA_SCOPES != 0 {
        r.scopes(sink)?;
    }
    let header = RecordHeader {
        signer,
        signer_key,
        valid_after,
        valid_until,
        native_cap,
        gas_budget,
        max_ops,
        paymaster,
        period,
        flags,
    };
    Ok((header, r.at))
}

/// [`visit`] for exactly one record occupying all of `bytes`.
pub fn visit_exact(bytes: &[u8], sink: &mut dyn RecordSink) -> Result<RecordHeader, RecordError> {
    let (header, used) = visit(bytes, sink)?;
    if used != bytes.len() {
        return Err(RecordError::TrailingBytes { at: used });
    }
    Ok(header)
}

/// The rule encoding of a call entry or scope: `u8 count ‖ per rule: u8 condition ‖ u16 word
/// index ‖ u8 value count ‖ [32]×count values`.
fn encode_rules(out: &mut Vec<u8>, rules: &[ParamRule]) {
    out.push(rules.len() as u8);
    for r in rules {
        out.push(r.condition.code());
        out.extend_from_slice(&r.word_index.to_be_bytes());
        out.push(r.values.len() as u8);
        for v in &r.values {
            out.extend_from_slice(v.as_slice());
        }
    }
}

/// Builds the entries of a [`SessionRecord`].
struct Builder {
    calls: Vec<CallPolicy>,
    token_caps: Vec<TokenCap>,
    scopes: Vec<TypedDataScope>,
    /// Rules go to the last scope (else to the last call).
    in_scope: bool,
}

impl Builder {
    fn rules(&mut self) -> Option<&mut Vec<ParamRule>> {
        if self.in_scope {
            self.scopes.last_mut().map(|s| &mut s.rules)
        } else {
            self.calls.last_mut().map(|c| &mut c.rules)
        }
    }
}

impl RecordSink for Builder {
    fn call_begin(&mut self, key: &CallKey, max_value: u128, rule_count: usize) {
        self.calls.push(CallPolicy {
            key: *key,
            max_value,
            rules: Vec::with_capacity(rule_count),
        });
    }

    fn rule(&mut self, condition: Condition, word_index: u16, value_count: usize) {
        if let Some(rules) = self.rules() {
            rules.push(ParamRule {
                condition,
                word_index,
                values: Vec::with_capacity(value_count),
            });
        }
    }

    fn value(&mut self, value: &B256) {
        if let Some(r) = self.rules().and_then(|rules| rules.last_mut()) {
            r.values.push(*value);
        }
    }

    fn token_cap(&mut self, cap: &TokenCap) {
        self.token_caps.push(*cap);
    }

    fn scope_begin(&mut self, app_domain_separator: &B256, contents_typehash: &B256, rules: usize) {
        self.in_scope = true;
        self.scopes.push(TypedDataScope {
            app_domain_separator: *app_domain_separator,
            contents_typehash: *contents_typehash,
            rules: Vec::with_capacity(rules),
        });
    }
}

impl<'a> Reader<'a> {
    fn count(&mut self, max: usize) -> Result<usize, RecordError> {
        let at = self.at;
        let n = self.u8()? as usize;
        if n > max {
            return Err(RecordError::TooMany { at });
        }
        Ok(n)
    }

    fn limit(&mut self, unlimited: bool) -> Result<Limit, RecordError> {
        let at = self.at;
        let v = self.uint(16)?;
        match (unlimited, v) {
            (true, 0) => Ok(Limit::Unlimited),
            (true, _) => Err(RecordError::ContradictoryLimit { at }),
            (false, v) => Ok(Limit::Limited(v)),
        }
    }

    /// Reads one call entry, reporting it to `sink`; returns its encoded key.
    fn call_policy(
        &mut self,
        sink: &mut dyn RecordSink,
    ) -> Result<&'a [u8; CallKey::LEN], RecordError> {
        let start = self.at;
        let key_bytes = self.take_array::<{ CallKey::LEN }>()?;
        let key = CallKey::from_bytes(key_bytes).ok_or(RecordError::UnknownFlags { at: start })?;
        if key.target == TargetMatch::Any && key.selector == SelectorMatch::Any {
            return Err(RecordError::UnboundedCall { at: start });
        }
        let max_value = self.uint(16)?;
        let n = self.count(MAX_RULES)?;
        if key.selector == SelectorMatch::Empty && n != 0 {
            return Err(RecordError::RulesWithoutCalldata { at: start });
        }
        sink.call_begin(&key, max_value, n);
        self.rules(sink, n, start)?;
        Ok(key_bytes)
    }

    /// Reads the typed-data scopes (record flag 128), reporting each to `sink`: `u8 count`
    /// (1..=8; the flag promises at least one), then per scope, keys strictly ascending,
    /// `separator ‖ typehash ‖ u8 rule count ‖ rules`.
    #[inline(never)]
    fn scopes(&mut self, sink: &mut dyn RecordSink) -> Result<(), RecordError> {
        let count_at = self.at;
        let n = self.count(MAX_SCOPES)?;
        if n == 0 {
            return Err(RecordError::ContradictoryLimit { at: count_at });
        }
        let mut prev: Option<&[u8; 64]> = None;
        for _ in 0..n {
            let at = self.at;
            let key = self.take_array::<64>()?;
            if prev.is_some_and(|p| p >= key) {
                return Err(RecordError::NotSorted { at });
            }
            prev = Some(key);
            let (separator, typehash) = key
                .split_first_chunk::<32>()
                .and_then(|(a, b)| Some((B256::new(*a), B256::new(*b.first_chunk::<32>()?))))
                .ok_or(RecordError::Truncated { at })?;
            let rules = self.count(MAX_RULES)?;
            sink.scope_begin(&separator, &typehash, rules);
            self.rules(sink, rules, at)?;
        }
        Ok(())
    }

    /// Reads the `n` rules of the entry (or scope) starting at `start`, reporting them to
    /// `sink`, then ends the entry.
    fn rules(
        &mut self,
        sink: &mut dyn RecordSink,
        n: usize,
        start: usize,
    ) -> Result<(), RecordError> {
        let mut words = layout::values_start(n);
        for _ in 0..n {
            words += self.rule(sink)?;
        }
        if words > layout::MAX_ENTRY_WORDS {
            return Err(RecordError::TooLargeForStorage { at: start });
        }
        sink.call_end();
        Ok(())
    }

    /// Reads one rule, reporting it to `sink`; returns its number of values.
    fn rule(&mut self, sink: &mut dyn RecordSink) -> Result<usize, RecordError> {
        let at = self.at;
        let condition =
            Condition::from_code(self.u8()?).ok_or(RecordError::UnknownCondition { at })?;
        let word_index = self.uint(2)? as u16;
        let count_at = self.at;
        let count = self.u8()? as usize;
        if !condition.accepts_value_count(count) {
            return Err(RecordError::BadValueCount { at: count_at });
        }
        sink.rule(condition, word_index, count);
        // A range has exactly two values, [min, max].
        let mut range = [B256::ZERO; 2];
        for i in 0..count {
            let v = self.word()?;
            if let Some(slot) = range.get_mut(i) {
                *slot = v;
            }
            sink.value(&v);
        }
        if matches!(condition, Condition::InRange | Condition::SignedInRange)
            && compare(&range[0], &range[1], condition.is_signed()) == core::cmp::Ordering::Greater
        {
            return Err(RecordError::EmptyRange { at });
        }
        Ok(count)
    }

    /// Reads one token cap, reporting it to `sink`; returns its encoded token.
    fn token_cap(
        &mut self,
        sink: &mut dyn RecordSink,
        periodic: bool,
    ) -> Result<&'a [u8; 20], RecordError> {
        let token_bytes = self.take_array::<20>()?;
        let flags_at = self.at;
        let flags = self.u8()?;
        let limit_at = self.at;
        let limit = self.word()?;
        // Below 2^248 ⇔ the top byte is zero.
        let limit = match flags {
            0 if limit[0] != 0 => return Err(RecordError::LimitTooLarge { at: limit_at }),
            // A periodic cap shares its word with its counter (104 bits).
            0 if periodic && limit[..19].iter().any(|b| *b != 0) => {
                return Err(RecordError::LimitTooLarge { at: limit_at })
            }
            0 => TokenLimit::Limited(U256::from_be_bytes(limit.0)),
            1 if limit.is_zero() => TokenLimit::Unlimited,
            1 => return Err(RecordError::ContradictoryLimit { at: limit_at }),
            _ => return Err(RecordError::UnknownFlags { at: flags_at }),
        };
        sink.token_cap(&TokenCap {
            token: Address::new(*token_bytes),
            limit,
        });
        Ok(token_bytes)
    }
}
