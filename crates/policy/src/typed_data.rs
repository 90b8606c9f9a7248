//! ERC-1271 for session keys, scoped to typed data: what `isValidSignatureWithSender` checks.
//!
//! A session key may sign only EIP-712 typed data its record lists as a **scope**: an app's
//! domain separator, a contents typehash and rules on the contents' words (the call-entry rule
//! encoding; word `i` is the contents' `encodeData` word `i`, EIP-712 "encodeData", without the
//! typehash). The signature is ERC-7739's nested `TypedDataSign` so it names the account's own
//! EIP-712 domain: a signature for one account never verifies for another.
//!
//! The account (ERC-7579, e.g. OpenZeppelin's `AccountERC7579.isValidSignature`) strips the
//! 20-byte module address and passes the rest, read **from the end**:
//!
//! ```text
//! signer (20) ‖ proof ‖ appDomainSeparator (32) ‖ contents words (n × 32) ‖ contentsDescr
//!   ‖ u16 n ‖ u16 contentsDescr length
//! ```
//!
//! `proof` has the shape of the session's signer kind ([`crate::signer::Proof::parse`]); a
//! periodic session names no period here (signatures spend nothing). `contentsDescr` is
//! ERC-7739's: implicit mode `Name(…)…` (ends with `)`, the name is what precedes the first
//! `(`), or explicit mode `contentsType ‖ Name` (the name follows the last `)`). The name must
//! be non-empty and free of `\x00`, space, `,`, `(` and `)`; this module also requires the
//! contents type to start with `Name(`, so the typehash is the one of the type the name names.
//!
//! The module then requires, in this order of meaning:
//!
//! - `hash == keccak256(0x1901 ‖ appDomainSeparator ‖ contentsHash)` (EIP-712) with
//!   `contentsHash = keccak256(keccak256(contentsType) ‖ words)`;
//! - a scope `(appDomainSeparator, keccak256(contentsType))` in the live session, all its rules
//!   true on the words;
//! - the key's signature over `keccak256(0x1901 ‖ appDomainSeparator ‖ keccak256(abi.encode(
//!   TYPED_DATA_SIGN_TYPEHASH, contentsHash, keccak256(name), keccak256(version), chainId,
//!   verifyingContract, salt)))`, the account's domain read from its ERC-5267 `eip712Domain()`
//!   ([`AccountDomain::decode`]) and `TYPED_DATA_SIGN_TYPEHASH = keccak256("TypedDataSign(" ‖
//!   Name ‖ " contents,string name,string version,uint256 chainId,address verifyingContract,
//!   bytes32 salt)" ‖ contentsType)` (ERC-7739).

use alloc::vec::Vec;
use alloy_primitives::{Address, B256};

use crate::rule::ParamRule;
use crate::word::{word_as_address, word_as_len, word_at};

/// Most typed-data scopes per session.
pub const MAX_SCOPES: usize = 8;

/// ERC-1271's "valid" answer: `isValidSignature.selector`.
pub const ERC1271_MAGIC: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];
/// ERC-1271's "invalid" answer.
pub const ERC1271_INVALID: [u8; 4] = [0xff, 0xff, 0xff, 0xff];

/// `eip712Domain()` (ERC-5267).
pub const EIP712_DOMAIN_SELECTOR: [u8; 4] = [0x84, 0xb0, 0x19, 0x6e];

/// What the `TypedDataSign` type string holds between the contents name and the contents type
/// (ERC-7739).
pub const TYPED_DATA_SIGN_TAIL: &[u8] =
    b" contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)";
/// How the `TypedDataSign` type string starts.
pub const TYPED_DATA_SIGN_HEAD: &[u8] = b"TypedDataSign(";

/// Typed data a session key may sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedDataScope {
    /// The app's EIP-712 domain separator.
    pub app_domain_separator: B256,
    /// `keccak256` of the contents' EIP-712 type string.
    pub contents_typehash: B256,
    /// Conditions on the contents' words (word `i` of `encodeData`, typehash excluded); all
    /// must hold.
    pub rules: Vec<ParamRule>,
}

impl TypedDataScope {
    /// The scope's key as encoded and sorted: `appDomainSeparator ‖ contentsTypehash`.
    pub fn key(&self) -> [u8; 64] {
        scope_key(&self.app_domain_separator, &self.contents_typehash)
    }
}

/// `appDomainSeparator ‖ contentsTypehash`.
pub fn scope_key(app_domain_separator: &B256, contents_typehash: &B256) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(app_domain_separator.as_slice());
    out[32..].copy_from_slice(contents_typehash.as_slice());
    out
}

/// A session's ERC-1271 signature, split (nothing verified yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypedDataSignature<'a> {
    /// The session it claims to be from.
    pub signer: Address,
    /// The key's proof, to be shaped by the session's signer kind.
    pub proof: &'a [u8],
    /// The app's EIP-712 domain separator.
    pub app_domain_separator: B256,
    /// The contents' `encodeData` words, typehash excluded (a multiple of 32 bytes).
    pub contents: &'a [u8],
    /// The contents' type name (ERC-7739 `contentsName`).
    pub contents_name: &'a [u8],
    /// The contents' EIP-712 type string (ERC-7739 `contentsType`).
    pub contents_type: &'a [u8],
}

impl<'a> TypedDataSignature<'a> {
    /// Splits `sig` from the end; `None` when a length field overruns or the contents
    /// description is not valid ERC-7739 (see the module documentation).
    pub fn parse(sig: &'a [u8]) -> Option<Self> {
        let (rest, descr_len) = sig.split_last_chunk::<2>()?;
        let (rest, n) = rest.split_last_chunk::<2>()?;
        let (rest, descr) = rest.split_at_checked(
            rest.len()
                .checked_sub(u16::from_be_bytes(*descr_len) as usize)?,
        )?;
        let (rest, contents) = rest.split_at_checked(
            rest.len()
                .checked_sub(32 * u16::from_be_bytes(*n) as usize)?,
        )?;
        let (rest, separator) = rest.split_last_chunk::<32>()?;
        let (signer, proof) = rest.split_first_chunk::<20>()?;
        let (contents_name, contents_type) = decode_contents_descr(descr)?;
        Some(Self {
            signer: Address::new(*signer),
            proof,
            app_domain_separator: B256::new(*separator),
            contents,
            contents_name,
            contents_type,
        })
    }

    /// `keccak256(contentsTypehash ‖ words)`'s preimage: EIP-712 `hashStruct` of the contents.
    pub fn contents_hash_preimage(&self, contents_typehash: &B256) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.contents.len());
        out.extend_from_slice(contents_typehash.as_slice());
        out.extend_from_slice(self.contents);
        out
    }

    /// The `TypedDataSign` type string (ERC-7739), whose hash is `TYPED_DATA_SIGN_TYPEHASH`.
    pub fn typed_data_sign_type(&self) -> Vec<u8> {
        typed_data_sign_type(self.contents_name, self.contents_type)
    }

    /// Contents word `index`, if the contents have one.
    pub fn word(&self, index: u16) -> Option<B256> {
        word_at(self.contents, 32 * index as usize).map(|w| B256::from(*w))
    }
}

/// `"TypedDataSign(" ‖ name ‖ " contents,…,bytes32 salt)" ‖ contents type` (ERC-7739).
pub fn typed_data_sign_type(contents_name: &[u8], contents_type: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        TYPED_DATA_SIGN_HEAD.len()
            + contents_name.len()
            + TYPED_DATA_SIGN_TAIL.len()
            + contents_type.len(),
    );
    out.extend_from_slice(TYPED_DATA_SIGN_HEAD);
    out.extend_from_slice(contents_name);
    out.extend_from_slice(TYPED_DATA_SIGN_TAIL);
    out.extend_from_slice(contents_type);
    out
}

/// A byte ERC-7739 forbids in a contents name: `\x00`, space, `,`, `(`, `)`.
fn forbidden_in_name(b: u8) -> bool {
    matches!(b, 0 | b' ' | b',' | b'(' | b')')
}

/// Splits an ERC-7739 `contentsDescr` into `(contentsName, contentsType)`.
///
/// Implicit mode (it ends with `)`): the whole description is the type and the name is what
/// precedes its first `(`. Explicit mode: the name follows the last `)` and the type is what
/// precedes it. `None` for an empty or forbidden-character name (ERC-7739), and — stricter than
/// ERC-7739 — when the type does not start with `name(`, so `keccak256(contentsType)` is the
/// typehash of the type named.
pub fn decode_contents_descr(descr: &[u8]) -> Option<(&[u8], &[u8])> {
    let (name, ty) = if descr.last() == Some(&b')') {
        let open = descr.iter().position(|b| *b == b'(')?;
        (descr.get(..open)?, descr)
    } else {
        let close = descr.iter().rposition(|b| *b == b')')?;
        let (ty, name) = descr.split_at_checked(close + 1)?;
        (name, ty)
    };
    if name.is_empty() || name.iter().any(|b| forbidden_in_name(*b)) {
        return None;
    }
    let rest = ty.strip_prefix(name)?;
    (rest.first() == Some(&b'(')).then_some((name, ty))
}

/// The EIP-712 digest `keccak256(0x1901 ‖ domainSeparator ‖ structHash)`'s preimage (one
/// copy of the code, shared with the enable digest).
pub use crate::enable::typed_data_preimage as eip712_preimage;

/// The account's EIP-712 domain, as `TypedDataSign` hashes it: five words, in the order of
/// `abi.encode(keccak256(name), keccak256(version), chainId, verifyingContract, salt)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountDomain {
    /// `keccak256(name)`.
    pub name_hash: B256,
    /// `keccak256(version)`.
    pub version_hash: B256,
    /// Chain id (a `uint256` word).
    pub chain_id: B256,
    /// The account (an `address` word).
    pub verifying_contract: B256,
    /// Salt (zero when unused).
    pub salt: B256,
}

impl AccountDomain {
    /// This domain with `verifyingContract` and `chainId` set to the module's own facts: the
    /// account asking (`msg.sender`) and `block.chainid`. The binding that keeps a session's
    /// signature for one account (or chain) from verifying on another — ERC-7739's purpose —
    /// holds by construction: an account whose `eip712Domain()` names another contract or
    /// chain gets a digest no key signed for it, and is refused.
    pub fn bound_to(mut self, account: Address, chain_id: u64) -> Self {
        self.verifying_contract = account.into_word();
        self.chain_id = B256::ZERO;
        self.chain_id[24..].copy_from_slice(&chain_id.to_be_bytes());
        self
    }
}

/// The return data of `eip712Domain()` (ERC-5267), borrowed: `(bytes1 fields, string name,
/// string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[]
/// extensions)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Eip712Domain<'a> {
    /// ERC-5267 `fields` bitmap.
    pub fields: u8,
    /// `name`.
    pub name: &'a [u8],
    /// `version`.
    pub version: &'a [u8],
    /// `chainId` word.
    pub chain_id: B256,
    /// `verifyingContract` word (a clean address).
    pub verifying_contract: B256,
    /// `salt`.
    pub salt: B256,
}

impl<'a> Eip712Domain<'a> {
    /// Decodes `eip712Domain()`'s return data in canonical ABI only: head offsets exactly where
    /// the previous tail ends, zero padding, clean `bytes1` and `address` words, no extensions
    /// (ERC-5267: an extension changes the domain in ways this module does not know, so fail
    /// closed) and no trailing byte.
    pub fn decode(data: &'a [u8]) -> Option<Self> {
        let word = |at: usize| word_at(data, at);
        let fields = word(0)?;
        if fields[1..].iter().any(|b| *b != 0) {
            return None;
        }
        let mut end = 7 * 32;
        let name = Self::string(data, word(32)?, &mut end)?;
        let version = Self::string(data, word(64)?, &mut end)?;
        let contract = word(128)?;
        word_as_address(contract)?;
        // Extensions: an empty array, the last thing in the data.
        if word_as_len(word(192)?)? != end
            || word_as_len(word(end)?)? != 0
            || data.len() != end + 32
        {
            return None;
        }
        Some(Self {
            fields: fields[0],
            name,
            version,
            chain_id: B256::from(*word(96)?),
            verifying_contract: B256::from(*contract),
            salt: B256::from(*word(160)?),
        })
    }

    /// A string whose head word is `offset`, which must be `*end`; moves `*end` past its tail.
    fn string(data: &'a [u8], offset: &[u8; 32], end: &mut usize) -> Option<&'a [u8]> {
        if word_as_len(offset)? != *end {
            return None;
        }
        let len = word_as_len(word_at(data, *end)?)?;
        let start = *end + 32;
        let padded = len.div_ceil(32) * 32;
        let tail = data.get(start..start.checked_add(padded)?)?;
        let (s, pad) = tail.split_at_checked(len)?;
        if pad.iter().any(|b| *b != 0) {
            return None;
        }
        *end = start + padded;
        Some(s)
    }

    /// The domain `TypedDataSign` hashes, `keccak` the host's or alloy's.
    pub fn account_domain(&self, keccak: impl Fn(&[u8]) -> B256) -> AccountDomain {
        AccountDomain {
            name_hash: keccak(self.name),
            version_hash: keccak(self.version),
            chain_id: self.chain_id,
            verifying_contract: self.verifying_contract,
            salt: self.salt,
        }
    }
}

/// `abi.encode(TYPED_DATA_SIGN_TYPEHASH, contentsHash, keccak256(name), keccak256(version),
/// chainId, verifyingContract, salt)`: the `TypedDataSign` struct hash's preimage (ERC-7739).
pub fn typed_data_sign_struct_preimage(
    typehash: &B256,
    contents_hash: &B256,
    domain: &AccountDomain,
) -> [u8; 224] {
    // Constant ranges of fixed-size arrays: no length check, no panic path.
    let mut out = [0u8; 224];
    out[..32].copy_from_slice(&typehash.0);
    out[32..64].copy_from_slice(&contents_hash.0);
    out[64..96].copy_from_slice(&domain.name_hash.0);
    out[96..128].copy_from_slice(&domain.version_hash.0);
    out[128..160].copy_from_slice(&domain.chain_id.0);
    out[160..192].copy_from_slice(&domain.verifying_contract.0);
    out[192..].copy_from_slice(&domain.salt.0);
    out
}

/// The two digests of a typed-data signature: what the app asked about, and what the key signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypedDataDigests {
    /// `keccak256(contentsType)`: the scope's typehash.
    pub contents_typehash: B256,
    /// `keccak256(0x1901 ‖ appDomainSeparator ‖ contentsHash)`: must equal the `hash` asked.
    pub app_hash: B256,
    /// `keccak256(0x1901 ‖ appDomainSeparator ‖ hashStruct(TypedDataSign))`: what the session key
    /// signs.
    pub sign_digest: B256,
}

impl TypedDataSignature<'_> {
    /// The contents typehash and the app's EIP-712 hash (no account domain needed).
    pub fn app_hash(&self, keccak: &impl Fn(&[u8]) -> B256) -> (B256, B256, B256) {
        let typehash = keccak(self.contents_type);
        let contents_hash = keccak(&self.contents_hash_preimage(&typehash));
        let app_hash = keccak(&eip712_preimage(&self.app_domain_separator, &contents_hash));
        (typehash, contents_hash, app_hash)
    }

    /// Every digest, for the account's `domain`.
    pub fn digests(
        &self,
        domain: &AccountDomain,
        keccak: &impl Fn(&[u8]) -> B256,
    ) -> TypedDataDigests {
        let (contents_typehash, contents_hash, app_hash) = self.app_hash(keccak);
        let sign_digest = sign_digest(
            &self.app_domain_separator,
            &keccak(&self.typed_data_sign_type()),
            &contents_hash,
            domain,
            keccak,
        );
        TypedDataDigests {
            contents_typehash,
            app_hash,
            sign_digest,
        }
    }
}

/// `keccak256(0x1901 ‖ appDomainSeparator ‖ keccak256(typedDataSignStructPreimage))`.
pub fn sign_digest(
    app_domain_separator: &B256,
    typed_data_sign_typehash: &B256,
    contents_hash: &B256,
    domain: &AccountDomain,
    keccak: &impl Fn(&[u8]) -> B256,
) -> B256 {
    let struct_hash = keccak(&typed_data_sign_struct_preimage(
        typed_data_sign_typehash,
        contents_hash,
        domain,
    ));
    keccak(&eip712_preimage(app_domain_separator, &struct_hash))
}

/// Appends the trailer after `signer ‖ proof`: `appDomainSeparator ‖ words ‖ contentsDescr ‖
/// u16 n ‖ u16 len` (implicit-mode description: the contents type itself). `None` when the
/// words are not whole 32-byte words or a count does not fit 16 bits.
pub fn encode_trailer(
    out: &mut Vec<u8>,
    app_domain_separator: &B256,
    contents: &[u8],
    contents_descr: &[u8],
) -> Option<()> {
    if !contents.len().is_multiple_of(32) {
        return None;
    }
    let n = u16::try_from(contents.len() / 32).ok()?;
    let len = u16::try_from(contents_descr.len()).ok()?;
    out.extend_from_slice(app_domain_separator.as_slice());
    out.extend_from_slice(contents);
    out.extend_from_slice(contents_descr);
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    Some(())
}

/// Whether `now` is inside `[valid_after, valid_until]` (`valid_until = 0`: no end).
pub fn in_window(now: u64, valid_after: u64, valid_until: u64) -> bool {
    now >= valid_after && (valid_until == 0 || now <= valid_until)
}
