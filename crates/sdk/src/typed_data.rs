//! ERC-1271 signatures of session keys, scoped to typed data (ERC-7739 nested `TypedDataSign`).
//!
//! - [`TypedDataScopeBuilder`] describes a scope for [`crate::SessionBuilder::typed_data_scope`]:
//!   the app's EIP-712 domain (hashed to its separator), the contents' EIP-712 type string
//!   (hashed to the typehash) and rules on the contents' fields, by name.
//! - [`sign_typed_data`] makes the signature a session key gives an app, which the account
//!   forwards to the module (after the module's address): `program ‖ signer ‖ proof ‖
//!   appDomainSeparator ‖ contents words ‖ contentsType ‖ u16 n ‖ u16 len`, the proof over the
//!   ERC-7739 digest for the account's own EIP-712 domain. `program` is a deployment of the
//!   ERC-1271 program the module delegates the check to (the contract's `src/erc1271.rs`): any
//!   address holding exactly the code of hash [`PROGRAM_CODEHASH`].
//! - [`simulate_is_valid_signature`] answers `isValidSignatureWithSender` off-chain with the
//!   contract's own code (`sessionkey_policy::typed_data` and the engine's scope check).
//!
//! The format and the answer rules are in `sessionkey_policy::typed_data`.

use alloy_primitives::{keccak256, Address, B256};
use alloy_sol_types::Eip712Domain;
pub use sessionkey_policy::erc1271_program::PROGRAM_CODEHASH;
use sessionkey_policy::layout::session_flags;
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::scope_allows;
use sessionkey_policy::signer::{Proof, SignerKind};
use sessionkey_policy::typed_data::{
    encode_trailer, in_window, AccountDomain, TypedDataScope, TypedDataSignature, ERC1271_INVALID,
    ERC1271_MAGIC,
};

use crate::builder::{BuildError, Check};
use crate::key::SessionSigner;
use crate::simulate::SessionView;

/// A typed-data scope being described: built by [`crate::SessionBuilder::build`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedDataScopeBuilder {
    pub(crate) app_domain_separator: B256,
    pub(crate) contents_type: String,
    pub(crate) rules: Vec<(String, Check)>,
}

impl TypedDataScopeBuilder {
    /// Typed data of `contents_type` (its full EIP-712 type string, e.g.
    /// `Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)`)
    /// for the app whose EIP-712 domain is `app_domain`.
    pub fn new(app_domain: &Eip712Domain, contents_type: &str) -> Self {
        Self::for_separator(app_domain.separator(), contents_type)
    }

    /// As [`Self::new`], from the app's domain separator.
    pub fn for_separator(app_domain_separator: B256, contents_type: &str) -> Self {
        Self {
            app_domain_separator,
            contents_type: contents_type.to_owned(),
            rules: Vec::new(),
        }
    }

    /// Adds a rule on the contents field `field` (its name, or `#i` for field `i`). Rules apply
    /// to fields of atomic types (the word is the value itself); the contents type must then be
    /// one struct of such fields and dynamic ones.
    pub fn rule(mut self, field: &str, check: Check) -> Self {
        self.rules.push((field.to_owned(), check));
        self
    }

    /// The contents typehash: `keccak256(contentsType)`.
    pub fn contents_typehash(&self) -> B256 {
        keccak256(self.contents_type.as_bytes())
    }

    /// The scope, or the problem with it (for `field`, e.g. `typed_data_scopes[0]`).
    pub(crate) fn build(&self, field: &str) -> Result<TypedDataScope, BuildError> {
        let rules = crate::builder::scope_rules(field, &self.contents_type, &self.rules)?;
        Ok(TypedDataScope {
            app_domain_separator: self.app_domain_separator,
            contents_typehash: self.contents_typehash(),
            rules,
        })
    }
}

/// The account's EIP-712 domain as `TypedDataSign` hashes it, from alloy's domain type (the
/// account's `eip712Domain()`; absent fields hash as empty strings, zero chain id, zero address
/// and zero salt, as OpenZeppelin's `ERC7739` does).
pub fn account_domain(domain: &Eip712Domain) -> AccountDomain {
    AccountDomain {
        name_hash: keccak256(domain.name.as_deref().unwrap_or("").as_bytes()),
        version_hash: keccak256(domain.version.as_deref().unwrap_or("").as_bytes()),
        chain_id: domain
            .chain_id
            .unwrap_or_default()
            .to_be_bytes::<32>()
            .into(),
        verifying_contract: domain.verifying_contract.unwrap_or_default().into_word(),
        salt: domain.salt.unwrap_or_default(),
    }
}

/// The ERC-7739 digest a session key signs for typed data: `keccak256(0x1901 ‖ appSeparator ‖
/// hashStruct(TypedDataSign{contents, account's name, version, chainId, verifyingContract,
/// salt}))`. `contents` are the `encodeData` words without the typehash.
pub fn typed_data_sign_digest(
    app_domain_separator: &B256,
    contents_type: &str,
    contents: &[u8],
    account: &AccountDomain,
) -> Option<B256> {
    let sig = typed_data_signature_unsigned(
        Address::ZERO,
        app_domain_separator,
        contents_type,
        contents,
    )?;
    let parsed = TypedDataSignature::parse(&sig)?;
    Some(parsed.digests(account, &|b| keccak256(b)).sign_digest)
}

/// `signer ‖ appSeparator ‖ words ‖ type ‖ n ‖ len` (no proof): what [`sign_typed_data`]
/// inserts the proof into.
fn typed_data_signature_unsigned(
    signer: Address,
    app_domain_separator: &B256,
    contents_type: &str,
    contents: &[u8],
) -> Option<Vec<u8>> {
    let mut out = signer.to_vec();
    encode_trailer(
        &mut out,
        app_domain_separator,
        contents,
        contents_type.as_bytes(),
    )?;
    Some(out)
}

/// The session's ERC-1271 signature of typed data, as the account passes it to the module
/// (the caller of `account.isValidSignature(hash, sig)` prepends the module's address):
/// `program ‖ signer ‖ proof ‖ appDomainSeparator ‖ contents words ‖ contentsType ‖ u16 n ‖
/// u16 len`, the proof in the signer's kind's shape over [`typed_data_sign_digest`]. `program` is
/// the address of a deployment of the ERC-1271 program (code hash
/// [`PROGRAM_CODEHASH`]), which the module delegates the check to. `None` when the contents are
/// not whole words, the type string is not a valid ERC-7739 description of its own name, or a
/// count does not fit 16 bits.
pub fn sign_typed_data(
    program: Address,
    signer: &SessionSigner,
    app_domain_separator: &B256,
    contents_type: &str,
    contents: &[u8],
    account: &AccountDomain,
) -> Option<Vec<u8>> {
    let digest = typed_data_sign_digest(app_domain_separator, contents_type, contents, account)?;
    let mut out = program.to_vec();
    out.extend(signer.sign_session_digest(&digest));
    encode_trailer(
        &mut out,
        app_domain_separator,
        contents,
        contents_type.as_bytes(),
    )?;
    Some(out)
}

/// The facts `isValidSignatureWithSender` reads from the chain besides the session's words.
#[derive(Clone, Copy, Debug)]
pub struct SignatureContext<'a> {
    /// The module's address.
    pub module: Address,
    /// The account asking (`msg.sender` of the module).
    pub account: Address,
    /// The account has the module installed.
    pub installed: bool,
    /// `block.timestamp`.
    pub now: u64,
    /// `block.chainid`.
    pub chain_id: u64,
    /// `EXTCODEHASH` of the address the signature names as the ERC-1271 program (its first 20
    /// bytes); the module delegates only when it is [`PROGRAM_CODEHASH`].
    pub program_code_hash: B256,
    /// The account's EIP-712 domain (`eip712Domain()`), `None` if the call fails or does not
    /// decode.
    pub account_domain: Option<&'a AccountDomain>,
}

/// What the module's `isValidSignatureWithSender(sender, hash, signature)` answers, computed
/// with the contract's own code: `0x1626ba7e` or `0xffffffff`. `session` is the signer's
/// session on the account (its words; `None` if it never registered one).
pub fn simulate_is_valid_signature(
    session: Option<&SessionView<'_>>,
    ctx: &SignatureContext<'_>,
    sender: Address,
    hash: B256,
    signature: &[u8],
) -> [u8; 4] {
    if is_valid(session, ctx, sender, hash, signature).is_some() {
        ERC1271_MAGIC
    } else {
        ERC1271_INVALID
    }
}

fn is_valid(
    session: Option<&SessionView<'_>>,
    ctx: &SignatureContext<'_>,
    sender: Address,
    hash: B256,
    signature: &[u8],
) -> Option<()> {
    let ensure = |ok: bool| ok.then_some(());
    let (_program, signature) = signature.split_first_chunk::<20>()?;
    ensure(ctx.program_code_hash == PROGRAM_CODEHASH)?;
    ensure(sender != ctx.module && ctx.installed)?;
    let sig = TypedDataSignature::parse(signature)?;
    let session = session.filter(|s| s.signer == sig.signer && !s.revoked)?;
    let header = session.store.header;
    ensure(
        header.status == sessionkey_policy::SessionStatus::Active
            && header.has(session_flags::TYPED_DATA_SCOPES)
            && in_window(ctx.now, header.valid_after, header.valid_until),
    )?;
    let proof = Proof::parse(
        SignerKind::from_byte(header.signer_kind)?,
        sig.signer,
        sig.proof,
    )?;
    let keccak = |b: &[u8]| keccak256(b);
    let (typehash, _, app_hash) = sig.app_hash(&keccak);
    ensure(app_hash == hash)?;
    let mut store: MemoryStore = session.store.clone();
    ensure(scope_allows(
        &mut store,
        &sig.app_domain_separator,
        &typehash,
        sig.contents,
    ))?;
    let domain = &ctx.account_domain?.bound_to(ctx.account, ctx.chain_id);
    let digest = sig.digests(domain, &keccak).sign_digest;
    ensure(crate::simulate::proof_verifies(
        &proof,
        &digest,
        store.key.as_ref(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::SessionBuilder;
    use crate::key::SessionKey;
    use alloy_primitives::{address, U256};
    use alloy_sol_types::{eip712_domain, sol, SolStruct};
    use sessionkey_policy::record::Limit;

    sol! {
        struct Permit { address owner; address spender; uint256 value; uint256 nonce; uint256 deadline; }
        struct TypedDataSign {
            Permit contents;
            string name;
            string version;
            uint256 chainId;
            address verifyingContract;
            bytes32 salt;
        }
    }

    const PERMIT: &str =
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)";
    const ACCOUNT: Address = address!("0x000000000000000000000000000000000000acc0");
    const MODULE: Address = address!("0x00000000000000000000000000000000000a11ce");
    const DEX: Address = address!("0x0000000000000000000000000000000000000de0");

    fn app() -> Eip712Domain {
        eip712_domain! {
            name: "Token",
            version: "1",
            chain_id: 412346,
            verifying_contract: address!("0x0000000000000000000000000000000000007043"),
        }
    }

    fn account() -> Eip712Domain {
        eip712_domain! {
            name: "OzAccount7579",
            version: "1",
            chain_id: 412346,
            verifying_contract: ACCOUNT,
        }
    }

    fn permit(spender: Address, value: u64) -> Permit {
        Permit {
            owner: ACCOUNT,
            spender,
            value: U256::from(value),
            nonce: U256::ZERO,
            deadline: U256::from(u64::MAX),
        }
    }

    /// The digest equals alloy's EIP-712 hash of ERC-7739's nested struct under the app's
    /// domain (a differential check of the SDK's path, not only the policy crate's).
    #[test]
    fn sign_digest_equals_alloy_typed_data_sign() {
        let p = permit(DEX, 5);
        let digest = typed_data_sign_digest(
            &app().separator(),
            PERMIT,
            &p.eip712_encode_data(),
            &account_domain(&account()),
        )
        .unwrap();
        let nested = TypedDataSign {
            contents: p,
            name: "OzAccount7579".into(),
            version: "1".into(),
            chainId: U256::from(412346),
            verifyingContract: ACCOUNT,
            salt: B256::ZERO,
        };
        assert_eq!(digest, nested.eip712_signing_hash(&app()));
    }

    #[test]
    fn builder_resolves_field_names_to_contents_words() {
        let key = SessionKey::from_bytes(&[7; 32]).unwrap();
        let perm = SessionBuilder::new(key.address())
            .gas_budget(Limit::Unlimited)
            .typed_data_scope(
                TypedDataScopeBuilder::new(&app(), PERMIT)
                    .rule("spender", Check::eq(DEX))
                    .rule("value", Check::lte(100u64)),
            )
            .build()
            .unwrap();
        let scope = &perm.record.typed_data_scopes[0];
        assert_eq!(scope.app_domain_separator, app().separator());
        assert_eq!(scope.contents_typehash, permit(DEX, 1).eip712_type_hash());
        assert_eq!(
            scope.rules.iter().map(|r| r.word_index).collect::<Vec<_>>(),
            [1, 2]
        );
        // Fields that break the word-per-field correspondence, and dynamic ones, are refused.
        for (ty, field) in [
            ("Order(uint256[2] pair,address maker)", "maker"),
            ("Order(string memo,address maker)", "memo"),
            ("Order(Person maker)Person(address a)", "maker"),
        ] {
            let b = SessionBuilder::new(key.address())
                .gas_budget(Limit::Unlimited)
                .typed_data_scope(
                    TypedDataScopeBuilder::new(&app(), ty).rule(field, Check::eq(DEX)),
                );
            assert!(b.build().is_err(), "{ty}");
        }
    }

    #[test]
    fn simulator_accepts_in_scope_and_refuses_out_of_scope() {
        let key = SessionKey::from_bytes(&[7; 32]).unwrap();
        let perm = SessionBuilder::new(key.address())
            .valid_between(100, 200)
            .gas_budget(Limit::Unlimited)
            .typed_data_scope(
                TypedDataScopeBuilder::new(&app(), PERMIT)
                    .rule("spender", Check::eq(DEX))
                    .rule("value", Check::lte(100u64)),
            )
            .build()
            .unwrap();
        let store = MemoryStore::new(&perm.record, 0);
        let view = SessionView {
            signer: key.address(),
            store: &store,
            revoked: false,
        };
        let domain = account_domain(&account());
        let ctx = SignatureContext {
            module: MODULE,
            account: ACCOUNT,
            installed: true,
            now: 150,
            chain_id: 412346,
            program_code_hash: PROGRAM_CODEHASH,
            account_domain: Some(&domain),
        };
        let signer = SessionSigner::Secp256k1(key);
        let answer = |p: &Permit, ctx: &SignatureContext<'_>, sender: Address| {
            let sig = sign_typed_data(
                PROGRAM,
                &signer,
                &app().separator(),
                PERMIT,
                &p.eip712_encode_data(),
                &domain,
            )
            .unwrap();
            simulate_is_valid_signature(
                Some(&view),
                ctx,
                sender,
                p.eip712_signing_hash(&app()),
                &sig,
            )
        };
        let app_contract = address!("0x0000000000000000000000000000000000007043");
        const PROGRAM: Address = address!("0x0000000000000000000000000000000000001271");
        assert_eq!(answer(&permit(DEX, 100), &ctx, app_contract), ERC1271_MAGIC);
        assert_eq!(
            answer(&permit(DEX, 101), &ctx, app_contract),
            ERC1271_INVALID
        );
        assert_eq!(
            answer(&permit(ACCOUNT, 1), &ctx, app_contract),
            ERC1271_INVALID
        );
        assert_eq!(answer(&permit(DEX, 1), &ctx, MODULE), ERC1271_INVALID);
        let late = SignatureContext { now: 201, ..ctx };
        assert_eq!(
            answer(&permit(DEX, 1), &late, app_contract),
            ERC1271_INVALID
        );
        let other = SignatureContext {
            account: address!("0x000000000000000000000000000000000000acc1"),
            ..ctx
        };
        assert_eq!(
            answer(&permit(DEX, 1), &other, app_contract),
            ERC1271_INVALID
        );
        // The same signature naming an address with other code: the module would not delegate.
        let impostor = SignatureContext {
            program_code_hash: keccak256(b"other code"),
            ..ctx
        };
        assert_eq!(
            answer(&permit(DEX, 1), &impostor, app_contract),
            ERC1271_INVALID
        );
    }
}
