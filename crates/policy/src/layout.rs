//! Storage layout of the validator, as pure packing functions.
//!
//! Every slot is ERC-7562 "associated with the account" A: each is a Solidity-style nested
//! mapping whose **innermost key is A**, so its slot is `keccak256(A ‖ x) + n` with `n < 128`.
//!
//! | root | Solidity shape | words at `+n` |
//! |---|---|---|
//! | 0 | `mapping(address account ⇒ AccountWord)` | 0 |
//! | 1 | `mapping(address signer ⇒ mapping(address account ⇒ Session))` | 0 header (with the native counter), 1 counters (gas budget, op count), 2 paymaster, 3–4 P-256 key `x`, `y` |
//! | 2 | `mapping(bytes32 callKey ⇒ mapping(address account ⇒ CallEntry))` | 0 header, 1.. rules |
//! | 3 | `mapping(bytes32 tokenKey ⇒ mapping(address account ⇒ TokenCapWord))` | 0 |
//! | 4 | `mapping(bytes32 scopeKey ⇒ mapping(address account ⇒ CallEntry))` | a typed-data scope, stored as a call entry: 0 header, 1.. rules |
//!
//! `callKey`/`tokenKey` hash the session's signer **and its registration nonce**, so a
//! re-registered signer, a revoke-all or an uninstall can never reach an older session's
//! entries or counters: nothing has to be cleared, and nothing is inherited (threat 15).
//!
//! Words that validation writes (header, counters, token caps) are initialised at
//! registration, so the per-op write is never a 20,000-gas zero → non-zero store. The header
//! carries the native-value counter, so a native transfer under a cap reads three words
//! (account, header, call entry) and writes one; the counters and paymaster words are read
//! only when the session's flags say they matter.

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};

use crate::record::{CallPolicy, TokenLimit};
use crate::word::{be_uint, put_be_uint};

/// Root slot of the account map.
pub const ACCOUNTS_ROOT: u8 = 0;
/// Root slot of the session map.
pub const SESSIONS_ROOT: u8 = 1;
/// Root slot of the call-entry map.
pub const CALLS_ROOT: u8 = 2;
/// Root slot of the token-cap map.
pub const TOKEN_CAPS_ROOT: u8 = 3;
/// Root slot of the typed-data scope map (ERC-1271 signatures, see [`crate::typed_data`]).
pub const SCOPES_ROOT: u8 = 4;

/// Session word offsets.
pub mod session_word {
    /// [`super::SessionHeader`].
    pub const HEADER: u8 = 0;
    /// [`super::CountersWord`]: read only when the gas budget or the op count is limited.
    pub const COUNTERS: u8 = 1;
    /// Paymaster address, low 20 bytes.
    pub const PAYMASTER: u8 = 2;
    /// P-256 public key `x` (P-256 and WebAuthn signers only).
    pub const KEY_X: u8 = 3;
    /// P-256 public key `y`.
    pub const KEY_Y: u8 = 4;
    /// [`super::PeriodConfig`] (periodic sessions only).
    pub const PERIOD: u8 = 5;
}

/// Registration nonces a session header holds (40 bits); registering past the last one is
/// refused, so a nonce — and the entries keyed by it — is never reused.
pub const MAX_PERM_NONCE: u64 = (1 << 40) - 1;

/// Largest native cap the header's 96-bit counter holds (larger caps are refused at
/// registration; use the unlimited flag).
pub const MAX_NATIVE_CAP: u128 = (1 << 96) - 1;

/// ERC-7562 allows offsets `n < 128` from an associated `keccak256(A ‖ x)`.
pub const MAX_ENTRY_WORDS: usize = 128;

/// Per-account state: whether the module is installed, and the nonces that make sessions
/// unique and revoke them wholesale.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccountWord {
    /// `onInstall` ran and `onUninstall` has not.
    pub installed: bool,
    /// Registration nonces below this are revoked (revoke-all and uninstall raise it).
    pub revoked_below: u64,
    /// Nonce the next registration gets. Never reset, so keys are never reused.
    pub next_nonce: u64,
    /// Nonce an owner's enable signature must name (`crate::enable`): raised by each enable,
    /// by revoke-all and by uninstall, so an enable signature works once and a pending one
    /// dies with a revoke-all.
    pub enable_nonce: u64,
}

impl AccountWord {
    /// Storage word: `[0]` installed, `[8..16]` revoked_below, `[16..24]` enable_nonce,
    /// `[24..32]` next_nonce.
    pub fn pack(&self) -> B256 {
        let mut w = B256::ZERO;
        w[0] = self.installed as u8;
        put_be_uint(&mut w, 8, 8, self.revoked_below as u128);
        put_be_uint(&mut w, 16, 8, self.enable_nonce as u128);
        put_be_uint(&mut w, 24, 8, self.next_nonce as u128);
        w
    }

    /// Inverse of [`Self::pack`].
    pub fn unpack(w: &B256) -> Self {
        Self {
            installed: w[0] == 1,
            revoked_below: be_uint(w, 8, 8) as u64,
            next_nonce: be_uint(w, 24, 8) as u64,
            enable_nonce: be_uint(w, 16, 8) as u64,
        }
    }
}

/// Lifecycle of a session slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum SessionStatus {
    /// Never registered.
    #[default]
    None = 0,
    /// Registered and not revoked by itself (revoke-all is checked through the nonce).
    Active = 1,
    /// Revoked individually.
    Revoked = 2,
}

/// Bits of the session header's flags byte. The low four are the record's own flags.
pub mod session_flags {
    /// Native value is not capped (explicit; a zero cap means "none").
    pub const NATIVE_UNLIMITED: u8 = 1;
    /// The gas-fee budget is not capped.
    pub const GAS_UNLIMITED: u8 = 2;
    /// The op count is capped.
    pub const OPS_LIMITED: u8 = 4;
    /// A paymaster is named in the paymaster word.
    pub const PAYMASTER: u8 = 8;
    /// Mask of the record's flags.
    pub const RECORD_MASK: u8 = 15;
    /// At least one entry matches any target (so validation looks it up).
    pub const HAS_ANY_TARGET: u8 = 16;
    /// At least one entry matches any selector.
    pub const HAS_ANY_SELECTOR: u8 = 32;
    /// Caps renew every period (a record flag too): word 1 is a [`super::PeriodCounters`],
    /// word 5 a [`super::PeriodConfig`], and the header's native field is the cap per period.
    pub const PERIODIC: u8 = 64;
    /// The record lists typed-data scopes (a record flag too): the session key may sign
    /// ERC-7739 typed data inside them (`isValidSignatureWithSender`, see
    /// [`crate::typed_data`]). Without it every ERC-1271 question is answered "invalid".
    pub const TYPED_DATA_SCOPES: u8 = 128;
    /// Every flag a record may carry.
    pub const RECORD_FLAGS: u8 = RECORD_MASK | PERIODIC | TYPED_DATA_SCOPES;
}

/// Session word 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionHeader {
    /// Lifecycle.
    pub status: SessionStatus,
    /// [`session_flags`].
    pub flags: u8,
    /// How the session key signs ([`SignerKind`] as a byte; an unknown byte fails closed).
    pub signer_kind: u8,
    /// Registration nonce of this session (40 bits).
    pub perm_nonce: u64,
    /// Start of the validity window (48 bits).
    pub valid_after: u64,
    /// End of the validity window, 0 = none (48 bits).
    pub valid_until: u64,
    /// Native value left to send (96 bits; meaningful unless [`session_flags::NATIVE_UNLIMITED`]).
    pub native_remaining: u128,
}

impl SessionHeader {
    /// `[0]` status, `[1]` flags, `[2]` signer kind, `[3..8]` nonce (40 bits), `[8..14]`
    /// validAfter, `[14..20]` validUntil, `[20..32]` native value left (96 bits). The status
    /// byte makes every live header non-zero.
    pub fn pack(&self) -> B256 {
        let mut w = B256::ZERO;
        w[0] = self.status as u8;
        w[1] = self.flags;
        w[2] = self.signer_kind;
        put_be_uint(&mut w, 3, 5, self.perm_nonce as u128);
        put_be_uint(&mut w, 8, 6, self.valid_after as u128);
        put_be_uint(&mut w, 14, 6, self.valid_until as u128);
        put_be_uint(&mut w, 20, 12, self.native_remaining);
        w
    }

    /// Inverse of [`Self::pack`]; an unknown status byte reads as `None` (not live).
    pub fn unpack(w: &B256) -> Self {
        Self {
            status: match w[0] {
                1 => SessionStatus::Active,
                2 => SessionStatus::Revoked,
                _ => SessionStatus::None,
            },
            flags: w[1],
            signer_kind: w[2],
            perm_nonce: be_uint(w, 3, 5) as u64,
            valid_after: be_uint(w, 8, 6) as u64,
            valid_until: be_uint(w, 14, 6) as u64,
            native_remaining: be_uint(w, 20, 12),
        }
    }

    /// Whether `flag` is set.
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Registered, not revoked by itself, and not revoked wholesale (revoke-all / uninstall
    /// raise the account's `revoked_below` past its nonce).
    pub fn is_live(&self, account: &AccountWord) -> bool {
        self.status == SessionStatus::Active
            && account.installed
            && self.perm_nonce >= account.revoked_below
    }
}

/// Session word 1: what is left of the gas-fee budget (wei) and of the op count. Read and
/// written only when one of them is limited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CountersWord {
    /// Gas-fee budget left (when not [`session_flags::GAS_UNLIMITED`]).
    pub gas_remaining: u128,
    /// Ops left (when [`session_flags::OPS_LIMITED`]).
    pub ops_remaining: u32,
}

impl CountersWord {
    /// `[0..16]` gas budget left, `[16..20]` ops left.
    pub fn pack(&self) -> B256 {
        let mut w = B256::ZERO;
        put_be_uint(&mut w, 0, 16, self.gas_remaining);
        put_be_uint(&mut w, 16, 4, self.ops_remaining as u128);
        w
    }

    /// Inverse of [`Self::pack`].
    pub fn unpack(w: &B256) -> Self {
        Self {
            gas_remaining: be_uint(w, 0, 16),
            ops_remaining: be_uint(w, 16, 4) as u32,
        }
    }
}

/// Largest periodic gas-fee budget (88 bits: it shares [`PeriodCounters`] with the other
/// counters).
pub const MAX_PERIODIC_GAS_CAP: u128 = (1 << 88) - 1;

/// Largest periodic token cap (104 bits: cap and spent share the token word).
pub const MAX_PERIODIC_TOKEN_CAP: u128 = (1 << 104) - 1;

/// Shortest period: an op names its period before it is bundled, so a period shorter than a
/// minute could hardly be hit, and one of a second could yield an end of 0 ("no expiry").
pub const MIN_PERIOD: u32 = 60;

/// Session word 5 of a periodic session: the period and the per-period caps of gas and ops
/// (the native cap per period is the header's native field).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeriodConfig {
    /// Length of a period in seconds; period `n` starts at `validAfter + n·length`.
    pub length: u32,
    /// Gas-fee budget per period (when limited).
    pub gas_cap: u128,
    /// Ops per period (when limited).
    pub ops_cap: u32,
}

impl PeriodConfig {
    /// `[0..4]` length, `[4..15]` gas cap (88 bits), `[15..19]` ops cap.
    pub fn pack(&self) -> B256 {
        let mut w = B256::ZERO;
        put_be_uint(&mut w, 0, 4, self.length as u128);
        put_be_uint(&mut w, 4, 11, self.gas_cap);
        put_be_uint(&mut w, 15, 4, self.ops_cap as u128);
        w
    }

    /// Inverse of [`Self::pack`].
    pub fn unpack(w: &B256) -> Self {
        Self {
            length: be_uint(w, 0, 4) as u32,
            gas_cap: be_uint(w, 4, 11),
            ops_cap: be_uint(w, 15, 4) as u32,
        }
    }

    /// The window of period `n` within the session's `[valid_after, valid_until]` (0 = open):
    /// `[valid_after + n·length, valid_after + (n+1)·length − 1]`, cut at `valid_until`.
    /// `None` when the period starts past the session's end or past 48 bits: the session has no
    /// such period.
    pub fn window(&self, period: u32, valid_after: u64, valid_until: u64) -> Option<(u64, u64)> {
        let length = self.length as u128;
        let start = valid_after as u128 + period as u128 * length;
        let end = start + length - 1;
        let last = if valid_until == 0 {
            crate::record::MAX_TIMESTAMP as u128
        } else {
            valid_until as u128
        };
        (start <= last).then(|| (start as u64, end.min(last) as u64))
    }
}

/// Session word 1 of a periodic session: what the current period has used. An op naming a
/// later period starts it from zero; nothing of one period is seen by another.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeriodCounters {
    /// The period these counters are for.
    pub period: u32,
    /// Native value sent in it (96 bits).
    pub native_spent: u128,
    /// Gas fees (prefund) charged in it (88 bits).
    pub gas_spent: u128,
    /// Ops validated in it.
    pub ops_spent: u32,
}

impl PeriodCounters {
    /// `[0]` 1 (so a registered session's word is never zero, and the first op's write is
    /// never a zero → non-zero store), `[1..5]` period, `[5..17]` native spent, `[17..28]` gas
    /// spent, `[28..32]` ops spent.
    pub fn pack(&self) -> B256 {
        let mut w = B256::ZERO;
        w[0] = 1;
        put_be_uint(&mut w, 1, 4, self.period as u128);
        put_be_uint(&mut w, 5, 12, self.native_spent);
        put_be_uint(&mut w, 17, 11, self.gas_spent);
        put_be_uint(&mut w, 28, 4, self.ops_spent as u128);
        w
    }

    /// Inverse of [`Self::pack`].
    pub fn unpack(w: &B256) -> Self {
        Self {
            period: be_uint(w, 1, 4) as u32,
            native_spent: be_uint(w, 5, 12),
            gas_spent: be_uint(w, 17, 11),
            ops_spent: be_uint(w, 28, 4) as u32,
        }
    }

    /// The counters an op naming `period` starts from: these, or zero for a later period.
    /// `None` for an earlier period, whose counters are gone (it has ended: a later one was
    /// validated in a block EntryPoint accepted).
    pub fn for_period(&self, period: u32) -> Option<Self> {
        match period.cmp(&self.period) {
            core::cmp::Ordering::Less => None,
            core::cmp::Ordering::Equal => Some(*self),
            core::cmp::Ordering::Greater => Some(Self {
                period,
                ..Self::default()
            }),
        }
    }
}

/// Which targets a call entry matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetMatch {
    /// Exactly this address.
    Exact(Address),
    /// Any address (explicit wildcard).
    Any,
}

/// Which calldata a call entry matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SelectorMatch {
    /// Calldata starting with this selector.
    Exact([u8; 4]),
    /// Any calldata, empty included (explicit wildcard).
    Any,
    /// Empty calldata only: a plain value transfer.
    Empty,
}

/// The lookup key of a call entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CallKey {
    /// Target side.
    pub target: TargetMatch,
    /// Selector side.
    pub selector: SelectorMatch,
}

impl CallKey {
    /// Encoded length.
    pub const LEN: usize = 25;

    /// `[0]` kind (bit 0: any target; bits 2–3: 0 exact selector, 1 any, 2 empty),
    /// `[1..21]` target (zero for any), `[21..25]` selector (zero unless exact). This is both the
    /// record encoding of the key and the order entries must be sorted in.
    pub fn to_bytes(&self) -> [u8; 25] {
        let mut out = [0u8; 25];
        let (t, addr) = match self.target {
            TargetMatch::Exact(a) => (0u8, a),
            TargetMatch::Any => (1, Address::ZERO),
        };
        let (s, sel) = match self.selector {
            SelectorMatch::Exact(sel) => (0u8, sel),
            SelectorMatch::Any => (1, [0; 4]),
            SelectorMatch::Empty => (2, [0; 4]),
        };
        out[0] = t | (s << 2);
        out[1..21].copy_from_slice(addr.as_slice());
        out[21..25].copy_from_slice(&sel);
        out
    }

    /// Inverse of [`Self::to_bytes`]; `None` unless the bytes are exactly what `to_bytes` writes.
    pub fn from_bytes(b: &[u8; 25]) -> Option<Self> {
        let target = match b[0] & 3 {
            0 => TargetMatch::Exact(Address::from_slice(&b[1..21])),
            1 if b[1..21].iter().all(|x| *x == 0) => TargetMatch::Any,
            _ => return None,
        };
        let sel: [u8; 4] = b[21..25].try_into().ok()?;
        let selector = match b[0] >> 2 {
            0 => SelectorMatch::Exact(sel),
            1 if sel == [0; 4] => SelectorMatch::Any,
            2 if sel == [0; 4] => SelectorMatch::Empty,
            _ => return None,
        };
        Some(Self { target, selector })
    }
}

/// `signer ‖ perm_nonce ‖ key`: hashed, the outer key of a call entry (root [`CALLS_ROOT`]).
pub fn call_key_preimage(signer: Address, perm_nonce: u64, key: &CallKey) -> [u8; 53] {
    let mut out = [0u8; 53];
    out[..20].copy_from_slice(signer.as_slice());
    out[20..28].copy_from_slice(&perm_nonce.to_be_bytes());
    out[28..].copy_from_slice(&key.to_bytes());
    out
}

/// `signer ‖ perm_nonce ‖ token`: hashed, the outer key of a token cap (root [`TOKEN_CAPS_ROOT`]).
pub fn token_key_preimage(signer: Address, perm_nonce: u64, token: Address) -> [u8; 48] {
    let mut out = [0u8; 48];
    out[..20].copy_from_slice(signer.as_slice());
    out[20..28].copy_from_slice(&perm_nonce.to_be_bytes());
    out[28..].copy_from_slice(token.as_slice());
    out
}

/// `signer ‖ perm_nonce ‖ appDomainSeparator ‖ contentsTypehash`: hashed, the outer key of a
/// typed-data scope (root [`SCOPES_ROOT`]). The scope is stored as a call entry (per-call value
/// 0) so the rule code is shared.
pub fn scope_key_preimage(
    signer: Address,
    perm_nonce: u64,
    app_domain_separator: &B256,
    contents_typehash: &B256,
) -> [u8; 92] {
    let mut out = [0u8; 92];
    out[..20].copy_from_slice(signer.as_slice());
    out[20..28].copy_from_slice(&perm_nonce.to_be_bytes());
    out[28..60].copy_from_slice(app_domain_separator.as_slice());
    out[60..].copy_from_slice(contents_typehash.as_slice());
    out
}

/// Rule descriptors kept in the entry's header word (the common 1–3-rule entry costs one
/// storage read for its header and one per value).
pub const INLINE_DESCRIPTORS: usize = 3;
/// Rule descriptors per continuation word.
pub const DESCRIPTORS_PER_WORD: usize = 8;
/// Marks a stored call entry (its header is never zero).
pub const ENTRY_EXISTS: u8 = 1;

/// The header word of a call entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallHeader {
    /// Number of rules.
    pub rule_count: u8,
    /// Per-call native value limit.
    pub max_value: u128,
}

impl CallHeader {
    /// Reads a header word; `None` when no entry is stored there.
    pub fn unpack(w: &B256) -> Option<Self> {
        (w[0] == ENTRY_EXISTS).then(|| Self {
            rule_count: w[1],
            max_value: be_uint(w, 2, 16),
        })
    }
}

/// A rule's descriptor: condition, number of values, word index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleDescriptor {
    /// Condition code (checked at registration).
    pub condition: u8,
    /// Number of values.
    pub value_count: u8,
    /// Calldata word index.
    pub word_index: u16,
}

impl RuleDescriptor {
    fn write(&self, w: &mut B256, at: usize) {
        w[at] = self.condition;
        w[at + 1] = self.value_count;
        w[at + 2..at + 4].copy_from_slice(&self.word_index.to_be_bytes());
    }

    fn read(w: &B256, at: usize) -> Self {
        Self {
            condition: w[at],
            value_count: w[at + 1],
            word_index: u16::from_be_bytes([w[at + 2], w[at + 3]]),
        }
    }
}

/// Where rule `i`'s descriptor lives: (word offset within the entry, byte offset in the word).
pub fn descriptor_position(i: usize) -> (usize, usize) {
    if i < INLINE_DESCRIPTORS {
        (0, 18 + 4 * i)
    } else {
        let j = i - INLINE_DESCRIPTORS;
        (1 + j / DESCRIPTORS_PER_WORD, 4 * (j % DESCRIPTORS_PER_WORD))
    }
}

/// Reads rule `i`'s descriptor from the word that holds it (see [`descriptor_position`]).
pub fn read_descriptor(word: &B256, i: usize) -> RuleDescriptor {
    RuleDescriptor::read(word, descriptor_position(i).1)
}

/// Offset of the first value word of an entry with `rule_count` rules.
pub fn values_start(rule_count: usize) -> usize {
    1 + rule_count
        .saturating_sub(INLINE_DESCRIPTORS)
        .div_ceil(DESCRIPTORS_PER_WORD)
}

/// Number of storage words an entry takes.
pub fn entry_words(policy: &CallPolicy) -> usize {
    values_start(policy.rules.len()) + policy.rules.iter().map(|r| r.values.len()).sum::<usize>()
}

/// The words of a call entry, written at offsets `0..len` from its base slot.
pub fn call_entry_words(policy: &CallPolicy) -> Vec<B256> {
    let mut entry = EntryWords::new(policy.max_value, policy.rules.len());
    for rule in &policy.rules {
        entry.rule(rule.condition.code(), rule.word_index, rule.values.len());
    }
    let mut words: Vec<B256> = entry.head().copied().collect();
    words.extend(policy.rules.iter().flat_map(|r| r.values.iter().copied()));
    words
}

/// Builds a call entry's storage words as its rules stream in: the header and descriptor words
/// ([`Self::head`], offsets `0..values_start(n)`) are assembled here, and value `k` (counting
/// across the rules in order) goes to offset `values_start(n) + k` ([`Self::next_value`]).
#[derive(Clone, Debug)]
pub struct EntryWords {
    words: [B256; 3],
    len: usize,
    rules: usize,
    values: usize,
}

impl EntryWords {
    /// An entry with `rule_count` (≤ 16) rules and the given per-call value limit.
    pub fn new(max_value: u128, rule_count: usize) -> Self {
        let mut words = [B256::ZERO; 3];
        words[0][0] = ENTRY_EXISTS;
        words[0][1] = rule_count as u8;
        put_be_uint(&mut words[0], 2, 16, max_value);
        let len = values_start(rule_count).min(words.len());
        Self {
            words,
            len,
            rules: 0,
            values: len,
        }
    }

    /// Records the next rule's descriptor.
    pub fn rule(&mut self, condition: u8, word_index: u16, value_count: usize) {
        let (wi, at) = descriptor_position(self.rules);
        self.rules += 1;
        if let Some(w) = self.words.get_mut(wi) {
            RuleDescriptor {
                condition,
                value_count: value_count as u8,
                word_index,
            }
            .write(w, at);
        }
    }

    /// The offset of the next value word.
    pub fn next_value(&mut self) -> usize {
        self.values += 1;
        self.values - 1
    }

    /// The header and descriptor words.
    pub fn head(&self) -> impl Iterator<Item = &B256> {
        self.words.iter().take(self.len)
    }
}

/// Token-cap word flags.
pub mod token_flags {
    /// A cap is configured (so the word is never zero).
    pub const CONFIGURED: u8 = 1;
    /// The cap is explicitly unlimited.
    pub const UNLIMITED: u8 = 2;
    /// The cap renews every period: the word is a [`super::PeriodicTokenWord`].
    pub const PERIODIC: u8 = 4;
}

/// A periodic session's token cap as stored: `[0]` flags (configured | periodic), `[1..5]`
/// the period `spent` is for, `[5..18]` cap per period, `[18..31]` spent in that period (104
/// bits each).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeriodicTokenWord {
    /// The period `spent` is for.
    pub period: u32,
    /// Cap per period.
    pub cap: u128,
    /// Spent in `period`.
    pub spent: u128,
}

impl PeriodicTokenWord {
    /// Stored form.
    pub fn pack(&self) -> B256 {
        let mut w = B256::ZERO;
        w[0] = token_flags::CONFIGURED | token_flags::PERIODIC;
        put_be_uint(&mut w, 1, 4, self.period as u128);
        put_be_uint(&mut w, 5, 13, self.cap);
        put_be_uint(&mut w, 18, 13, self.spent);
        w
    }

    /// `None` unless `w` is a periodic cap.
    pub fn unpack(w: &B256) -> Option<Self> {
        let periodic = token_flags::CONFIGURED | token_flags::PERIODIC;
        (w[0] == periodic).then(|| Self {
            period: be_uint(w, 1, 4) as u32,
            cap: be_uint(w, 5, 13),
            spent: be_uint(w, 18, 13),
        })
    }
}

/// A token cap as stored: `[0]` flags, `[1..32]` remaining (248 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenCapWord {
    /// Explicitly unlimited.
    pub unlimited: bool,
    /// Left to spend (0 when unlimited).
    pub remaining: U256,
}

impl TokenCapWord {
    /// Stored form of a configured cap.
    pub fn pack(&self) -> B256 {
        let mut w = B256::from(self.remaining.to_be_bytes::<32>());
        w[0] = token_flags::CONFIGURED
            | if self.unlimited {
                token_flags::UNLIMITED
            } else {
                0
            };
        w
    }

    /// `None` when no cap is configured.
    pub fn unpack(w: &B256) -> Option<Self> {
        if w[0] & token_flags::CONFIGURED == 0 {
            return None;
        }
        let mut rest = w.0;
        rest[0] = 0;
        Some(Self {
            unlimited: w[0] & token_flags::UNLIMITED != 0,
            remaining: U256::from_be_bytes(rest),
        })
    }

    /// Initial word for a configured limit.
    pub fn initial(limit: &TokenLimit) -> Self {
        match limit {
            TokenLimit::Unlimited => Self {
                unlimited: true,
                remaining: U256::ZERO,
            },
            TokenLimit::Limited(v) => Self {
                unlimited: false,
                remaining: *v,
            },
        }
    }
}
