//! ERC-1271 for session keys, scoped to typed data — checked by a second program.
//!
//! With this check inside, the module compiles to about 25,900 brotli bytes, over the 24,576
//! Nitro accepts (`MaxCodeSize`, EIP-170's 24 KiB). The check never runs in ERC-4337 validation,
//! so it is built as a program of its own from this crate (feature `erc1271-program`,
//! `target/session_key_erc1271.final.wasm`), and the module forwards `isValidSignatureWithSender`
//! to it by delegate call: the program reads the module's storage and sees the account as
//! `msg.sender`, exactly as if the code were the module's.
//!
//! Which program: the signature names it, `program (20 bytes) ‖ typed-data signature`, and the
//! module delegates only to code whose hash is [`PROGRAM_CODEHASH`] — the keccak of the
//! deployable code `scripts/build-wasm.sh` builds from this source, written into
//! `sessionkey_policy::erc1271_program` (CI fails when it is stale). So no other code ever runs on the module's
//! storage, and deploying needs no address fixed in advance and no admin to set one: anyone
//! deploys and activates the program's exact bytes, anywhere, once per chain.

use alloc::vec::Vec;
use alloy_primitives::{Address, B256};
use sessionkey_policy::layout::{session_flags, SessionHeader};
use sessionkey_policy::scope_allows;
use sessionkey_policy::signer::{Proof, SignerKind};
use sessionkey_policy::typed_data::{
    in_window, sign_digest, Eip712Domain, TypedDataSignature, EIP712_DOMAIN_SELECTOR,
};

use crate::host::Host;
use crate::module::Module;
use crate::slots;
use crate::store::SessionStorage;

pub use sessionkey_policy::erc1271_program::PROGRAM_CODEHASH;
pub use sessionkey_policy::typed_data::{ERC1271_INVALID, ERC1271_MAGIC};

/// Bytes naming the program at the start of the module's signature.
pub const PROGRAM_PREFIX: usize = 20;

/// Gas forwarded to the account's `eip712Domain()` (ERC-5267): OpenZeppelin's answers from
/// immutables in a few thousand; a fixed amount, never "all gas", so a hostile account cannot
/// make the check arbitrarily expensive for its caller.
pub const ACCOUNT_DOMAIN_GAS: u64 = 30_000;

/// The module's `isValidSignatureWithSender`: delegates the whole call (`input`) to the program
/// named by `signature`'s first 20 bytes when that address holds exactly the program's code, and
/// returns its answer word. Anything else — a short signature, other code, no code, a failed or
/// malformed answer — is "invalid", never a revert.
pub fn forward<H: Host + ?Sized>(host: &H, input: &[u8], signature: &[u8]) -> B256 {
    signature
        .first_chunk::<PROGRAM_PREFIX>()
        .map(|program| Address::from(*program))
        .filter(|program| host.code_hash(program) == PROGRAM_CODEHASH)
        .and_then(|program| host.delegate_call(&program, input))
        .and_then(|answer| B256::try_from(answer.as_slice()).ok())
        .unwrap_or_else(|| B256::right_padding_from(&ERC1271_INVALID))
}

impl<H: Host + ?Sized> Module<'_, H> {
    /// The ERC-1271 program's `isValidSignatureWithSender`, run on the module's storage (the
    /// module delegates to it, see [`forward`]): `0x1626ba7e` when `signature` is a session key's
    /// ERC-7739 nested typed-data signature for `hash` inside one of its session's typed-data
    /// scopes, else `0xffffffff` — never a revert. A view: nothing is written. `signature` is the
    /// module's: the program's address, then the typed-data signature whose format
    /// `sessionkey_policy::typed_data` documents.
    ///
    /// "Valid" needs all of: `sender` is not this module (the module asks accounts to check
    /// owner signatures; a session must never answer for the owner), the calling account has the
    /// module installed, the named session is live (the revocations `validateUserOp` checks),
    /// `block.timestamp` is within its window (this runs outside ERC-4337 validation, so the
    /// clock may be read), `hash` is the EIP-712 hash of the carried contents under the carried
    /// app domain, the session has that (domain, contents type) scope with every rule true, the
    /// account's `eip712Domain()` decodes strictly and names the account, and the key signed the
    /// ERC-7739 `TypedDataSign` digest — verified exactly as in `validateUserOp`.
    pub fn is_valid_signature_with_sender(
        &self,
        sender: Address,
        hash: B256,
        signature: &[u8],
    ) -> [u8; 4] {
        if self.typed_data_valid(sender, hash, signature).is_some() {
            ERC1271_MAGIC
        } else {
            ERC1271_INVALID
        }
    }

    /// `Some` when every check of [`Self::is_valid_signature_with_sender`] passes.
    fn typed_data_valid(&self, sender: Address, hash: B256, signature: &[u8]) -> Option<()> {
        let host = self.host;
        let account = host.msg_sender();
        ensure(sender != host.contract_address())?;
        let sig = TypedDataSignature::parse(signature.get(PROGRAM_PREFIX..)?)?;
        let state = self.account_word(account);
        let session_slot = slots::session_slot(host, sig.signer, account);
        let header = SessionHeader::unpack(&host.load(session_slot));
        ensure(
            header.is_live(&state)
                && header.has(session_flags::TYPED_DATA_SCOPES)
                && in_window(
                    host.block_timestamp(),
                    header.valid_after,
                    header.valid_until,
                ),
        )?;
        let proof = Proof::parse(
            SignerKind::from_byte(header.signer_kind)?,
            sig.signer,
            sig.proof,
        )?;
        let keccak = |b: &[u8]| host.keccak256(b);
        let (typehash, contents_hash, app_hash) = sig.app_hash(&keccak);
        ensure(app_hash == hash)?;
        let mut storage = SessionStorage {
            host,
            account,
            signer: sig.signer,
            perm_nonce: header.perm_nonce,
            session: session_slot,
            token_slots: Vec::new(),
        };
        ensure(scope_allows(
            &mut storage,
            &sig.app_domain_separator,
            &typehash,
            sig.contents,
        ))?;
        let data = host.static_call(&account, &EIP712_DOMAIN_SELECTOR, ACCOUNT_DOMAIN_GAS)?;
        // Name, version and salt are the account's; the account and the chain are the module's
        // own facts, so a signature for one account or chain never verifies on another.
        let domain = Eip712Domain::decode(&data)?
            .account_domain(keccak)
            .bound_to(account, host.chain_id());
        let digest = sign_digest(
            &sig.app_domain_separator,
            &keccak(&sig.typed_data_sign_type()),
            &contents_hash,
            &domain,
            &keccak,
        );
        ensure(self.verifies(&proof, &digest, sig.signer, session_slot))
    }
}

/// `Some(())` when `ok`: a check in a chain of `?`.
fn ensure(ok: bool) -> Option<()> {
    ok.then_some(())
}
