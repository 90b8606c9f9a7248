//! ERC-1271 for session keys, scoped to typed data, on the TestVM — and the SDK's simulator
//! answering the same question, case by case (the agreement test).
//!
//! `isValidSignatureWithSender` makes two different static calls (the account's
//! `eip712Domain()`, then ecrecover or `P256VERIFY`), and the TestVM answers every static call's
//! return data with the last mock set. So these tests drive the contract's router over
//! [`ChainVm`]: the TestVM for everything else, and for static calls the answer of the callee
//! itself — the workspace's precompile stand-ins, and the account's ERC-5267 domain. Every case
//! asserts the exact answer, that the simulator gives the same one, and that nothing was
//! written (it is a view).

use std::cell::RefCell;
use std::collections::BTreeMap;

use alloy_primitives::{address, keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{eip712_domain, sol, Eip712Domain, SolCall, SolStruct, SolValue};
use sessionkey_policy::interface::ISessionKeyValidator as I;
use sessionkey_policy::layout::{scope_key_preimage, SCOPES_ROOT};
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::record::{SessionRecord, SignerKey};
use sessionkey_policy::typed_data::{ERC1271_INVALID, ERC1271_MAGIC};
use sessionkey_policy::ExecutionError;
use sessionkey_sdk::builder::{Check, SessionBuilder, TypedDataScopeBuilder};
use sessionkey_sdk::key::SessionSigner;
use sessionkey_sdk::simulate::SessionView;
use sessionkey_sdk::typed_data::{
    account_domain, sign_typed_data, simulate_is_valid_signature, SignatureContext,
};
use sessionkey_testkit::{ecrecover_precompile, p256_key, p256verify_precompile};
use stylus_sdk::testing::TestVM;

use super::harness::*;
use crate::abi::MalformedCalldata;
use crate::erc1271::PROGRAM_CODEHASH;
use crate::host::Host;
use crate::p256::P256VERIFY;
use crate::router::{route, route_erc1271_program};

sol! {
    struct Permit { address owner; address spender; uint256 value; uint256 nonce; uint256 deadline; }
    struct Order { address maker; uint256 amount; }
}

const PERMIT: &str =
    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)";
const CHAIN: u64 = 412346;
/// The app asking (it calls `account.isValidSignature`, the account asks the module).
const APP: Address = address!("0x0000000000000000000000000000000000007043");
const START: u64 = 1_800_000_000;

/// Where the ERC-1271 program is deployed in these tests.
const PROGRAM: Address = address!("0x0000000000000000000000000000000000001271");
/// An address holding other code.
const IMPOSTOR: Address = address!("0x000000000000000000000000000000000000bad1");

/// The TestVM, with static calls answered by their callee (see the module documentation), and
/// delegate calls to [`PROGRAM`] run as the chain runs them: the program's router on this same
/// VM (its storage, its sender).
struct ChainVm {
    vm: TestVM,
    /// `eip712Domain()` return data per account; an account missing here reverts.
    domains: BTreeMap<Address, Vec<u8>>,
    /// Code hash per address with code.
    code: BTreeMap<Address, B256>,
    /// Every delegate call's callee, in order.
    delegated: RefCell<Vec<Address>>,
}

impl Host for ChainVm {
    fn msg_sender(&self) -> Address {
        Host::msg_sender(&self.vm)
    }
    fn msg_value(&self) -> U256 {
        Host::msg_value(&self.vm)
    }
    fn contract_address(&self) -> Address {
        Host::contract_address(&self.vm)
    }
    fn load(&self, slot: U256) -> B256 {
        Host::load(&self.vm, slot)
    }
    fn store(&self, slot: U256, value: B256) {
        Host::store(&self.vm, slot, value)
    }
    fn chain_id(&self) -> u64 {
        CHAIN
    }
    fn keccak256(&self, bytes: &[u8]) -> B256 {
        keccak256(bytes)
    }
    fn emit_log(&self, data: &[u8], topics: usize) {
        Host::emit_log(&self.vm, data, topics)
    }
    fn static_call_word(&self, to: &Address, input: &[u8], gas: u64) -> Option<B256> {
        let out = self.static_call(to, input, gas)?;
        B256::try_from(out.as_slice()).ok()
    }
    fn static_call(&self, to: &Address, input: &[u8], _gas: u64) -> Option<Vec<u8>> {
        if *to == ECRECOVER {
            Some(ecrecover_precompile(input))
        } else if *to == P256VERIFY {
            Some(p256verify_precompile(input))
        } else if *to == crate::p256::SHA256 {
            use k256::sha2::Digest;
            Some(k256::sha2::Sha256::digest(input).to_vec())
        } else if input == eip712DomainCall::SELECTOR {
            self.domains.get(to).cloned()
        } else {
            None
        }
    }
    fn block_timestamp(&self) -> u64 {
        Host::block_timestamp(&self.vm)
    }
    fn code_hash(&self, account: &Address) -> B256 {
        self.code.get(account).copied().unwrap_or_default()
    }
    fn delegate_call(&self, to: &Address, input: &[u8]) -> Option<Vec<u8>> {
        self.delegated.borrow_mut().push(*to);
        // Only the program's code is modelled; the module must never reach anything else.
        assert_eq!(
            self.code_hash(to),
            PROGRAM_CODEHASH,
            "delegated to other code"
        );
        route_erc1271_program(self, input).ok()
    }
}

sol! {
    function eip712Domain() returns (bytes1 fields, string name, string version, uint256 chainId,
        address verifyingContract, bytes32 salt, uint256[] extensions);
}

fn app_domain() -> Eip712Domain {
    eip712_domain! { name: "Token", version: "1", chain_id: CHAIN, verifying_contract: APP, }
}

fn other_app_domain() -> Eip712Domain {
    eip712_domain! { name: "Other", version: "1", chain_id: CHAIN, verifying_contract: DEX, }
}

/// OpenZeppelin's account domain: name "OzAccount7579", version "1", fields 0x0f.
fn account_eip712(account: Address, chain: u64) -> Eip712Domain {
    eip712_domain! { name: "OzAccount7579", version: "1", chain_id: chain, verifying_contract: account, }
}

fn domain_return(d: &Eip712Domain) -> Vec<u8> {
    (
        alloy_primitives::FixedBytes::<1>::from([0x0f]),
        d.name.clone().unwrap().into_owned(),
        d.version.clone().unwrap().into_owned(),
        d.chain_id.unwrap(),
        d.verifying_contract.unwrap(),
        B256::ZERO,
        Vec::<U256>::new(),
    )
        .abi_encode_params()
}

fn permit(spender: Address, value: u64) -> Permit {
    Permit {
        owner: ACCOUNT,
        spender,
        value: U256::from(value),
        nonce: U256::ZERO,
        deadline: U256::from(START + 3600),
    }
}

/// Permit with `spender == DEX` and `value ≤ 100`, for one hour from `START`.
fn scoped(signer: &SessionSigner) -> SessionRecord {
    let public = signer.public();
    let b = match public.key {
        SignerKey::Secp256k1 => SessionBuilder::new(public.address),
        SignerKey::P256(k) => SessionBuilder::p256(k),
        SignerKey::WebAuthn(k) => SessionBuilder::webauthn(k),
    };
    b.valid_between(START, START + 3600)
        .gas_budget(sessionkey_policy::Limit::Unlimited)
        .typed_data_scope(
            TypedDataScopeBuilder::new(&app_domain(), PERMIT)
                .rule("spender", Check::eq(DEX))
                .rule("value", Check::lte(100u64)),
        )
        .build()
        .unwrap()
        .record
}

struct World {
    h: Harness,
    chain: ChainVm,
    /// The simulator's view per (account, signer): the record and registration nonce.
    sessions: BTreeMap<(Address, Address), (SessionRecord, u64, bool)>,
}

impl World {
    fn new() -> Self {
        let h = Harness::new();
        let mut domains = BTreeMap::new();
        for a in [ACCOUNT, OTHER_ACCOUNT] {
            domains.insert(a, domain_return(&account_eip712(a, CHAIN)));
        }
        h.vm.set_block_timestamp(START + 10);
        let code = BTreeMap::from([
            (PROGRAM, PROGRAM_CODEHASH),
            (IMPOSTOR, keccak256(b"other code")),
        ]);
        let chain = ChainVm {
            vm: h.vm.clone(),
            domains,
            code,
            delegated: RefCell::new(Vec::new()),
        };
        Self {
            h,
            chain,
            sessions: BTreeMap::new(),
        }
    }

    fn install_with(&mut self, account: Address, record: &SessionRecord) {
        self.h.as_account(account);
        let nonce = AccountWordOf::next_nonce(&self.h, account);
        self.h.install_with(record);
        self.sessions
            .insert((account, record.signer), (record.clone(), nonce, false));
    }

    /// Asks the module as `account` does, checks the simulator says the same and that nothing
    /// was written; returns the answer.
    fn ask(&mut self, account: Address, sender: Address, hash: B256, sig: &[u8]) -> [u8; 4] {
        self.h.as_account(account);
        let before = self.h.storage();
        let calldata = I::isValidSignatureWithSenderCall {
            sender,
            hash,
            signature: Bytes::copy_from_slice(sig),
        }
        .abi_encode();
        let out = route(&self.chain, &calldata).expect("never reverts on canonical calldata");
        let answer = I::isValidSignatureWithSenderCall::abi_decode_returns(&out)
            .unwrap()
            .0;
        assert_eq!(out[4..], [0u8; 28], "bytes4 left-aligned");
        assert_eq!(self.h.storage(), before, "a view writes nothing");

        // The simulator, from the same facts.
        let named = |range: core::ops::Range<usize>| {
            Address::from_slice(sig.get(range).unwrap_or(&[0; 20]))
        };
        let (program, signer) = (named(0..20), named(20..40));
        let installed = self.h.contract.is_initialized(account);
        let session = self.sessions.get(&(account, signer)).cloned();
        let store = session.as_ref().map(|(r, n, _)| MemoryStore::new(r, *n));
        let view = session
            .as_ref()
            .zip(store.as_ref())
            .map(|((_, _, revoked), s)| SessionView {
                signer,
                store: s,
                revoked: *revoked,
            });
        let domain = self
            .chain
            .domains
            .get(&account)
            .and_then(|ret| sessionkey_policy::typed_data::Eip712Domain::decode(ret))
            .map(|d| d.account_domain(|b| keccak256(b)));
        let ctx = SignatureContext {
            module: MODULE,
            account,
            installed,
            now: Host::block_timestamp(&self.h.vm),
            chain_id: CHAIN,
            program_code_hash: self.chain.code_hash(&program),
            account_domain: domain.as_ref(),
        };
        let simulated = simulate_is_valid_signature(view.as_ref(), &ctx, sender, hash, sig);
        assert_eq!(simulated, answer, "the simulator agrees with the contract");
        answer
    }
}

/// The account word's next registration nonce.
struct AccountWordOf;
impl AccountWordOf {
    fn next_nonce(h: &Harness, account: Address) -> u64 {
        sessionkey_policy::AccountWord::unpack(&h.session_words(account, Address::ZERO).0)
            .next_nonce
    }
}

/// The session's signature of `p` under `app`, for `account`'s domain.
fn sign(
    signer: &SessionSigner,
    app: &Eip712Domain,
    ty: &str,
    words: &[u8],
    account: Address,
) -> Vec<u8> {
    sign_typed_data(
        PROGRAM,
        signer,
        &app.separator(),
        ty,
        words,
        &account_domain(&account_eip712(account, CHAIN)),
    )
    .unwrap()
}

/// The session's signature of the permit `p` under the token's domain, for `account`'s domain.
fn sign_permit(signer: &SessionSigner, p: &Permit, account: Address) -> Vec<u8> {
    sign(
        signer,
        &app_domain(),
        PERMIT,
        &p.eip712_encode_data(),
        account,
    )
}

fn signer(seed: u8) -> SessionSigner {
    SessionSigner::Secp256k1(session_key(seed))
}

#[test]
fn an_in_scope_permit_is_valid_and_everything_outside_is_invalid() {
    let key = signer(1);
    let mut w = World::new();
    w.install_with(ACCOUNT, &scoped(&key));
    let ask = |w: &mut World, p: &Permit, sig: &[u8]| {
        w.ask(ACCOUNT, APP, p.eip712_signing_hash(&app_domain()), sig)
    };
    let good = permit(DEX, 100);
    let sig = sign_permit(&key, &good, ACCOUNT);
    assert_eq!(ask(&mut w, &good, &sig), ERC1271_MAGIC);

    // Another spender; a value above the cap.
    for p in [permit(ATTACKER, 1), permit(DEX, 101)] {
        let sig = sign_permit(&key, &p, ACCOUNT);
        assert_eq!(ask(&mut w, &p, &sig), ERC1271_INVALID);
    }
    // Another app's domain, well signed.
    let sig = sign(
        &key,
        &other_app_domain(),
        PERMIT,
        &good.eip712_encode_data(),
        ACCOUNT,
    );
    let hash = good.eip712_signing_hash(&other_app_domain());
    assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_INVALID);
    // Another contents type, well signed.
    let contents = Order {
        maker: DEX,
        amount: U256::from(1),
    };
    let ty = "Order(address maker,uint256 amount)";
    let sig = sign(
        &key,
        &app_domain(),
        ty,
        &contents.eip712_encode_data(),
        ACCOUNT,
    );
    let hash = contents.eip712_signing_hash(&app_domain());
    assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_INVALID);
    // The right signature asked about another hash.
    let other = permit(DEX, 99).eip712_signing_hash(&app_domain());
    assert_eq!(w.ask(ACCOUNT, APP, other, &sig), ERC1271_INVALID);
    // The module itself asking (as it does for owner signatures when enabling a session).
    let hash = good.eip712_signing_hash(&app_domain());
    let sig = sign_permit(&key, &good, ACCOUNT);
    assert_eq!(w.ask(ACCOUNT, MODULE, hash, &sig), ERC1271_INVALID);
    // Another key's signature naming the session's signer.
    let mut forged = sign(
        &signer(2),
        &app_domain(),
        PERMIT,
        &good.eip712_encode_data(),
        ACCOUNT,
    );
    forged[20..40].copy_from_slice(key.address().as_slice());
    assert_eq!(w.ask(ACCOUNT, APP, hash, &forged), ERC1271_INVALID);
    // The high-s twin of the good signature.
    let mut twin = sig.clone();
    let s = U256::from_be_slice(&twin[72..104]);
    twin[72..104].copy_from_slice(&(order() - s).to_be_bytes::<32>());
    twin[104] ^= 1;
    assert_eq!(w.ask(ACCOUNT, APP, hash, &twin), ERC1271_INVALID);
    // A signature cut or extended by a byte, and garbage.
    let cut = [&sig[..20], &sig[21..]].concat();
    assert_eq!(w.ask(ACCOUNT, APP, hash, &cut), ERC1271_INVALID);
    let mut long = sig.clone();
    long.insert(104, 0);
    assert_eq!(w.ask(ACCOUNT, APP, hash, &long), ERC1271_INVALID);
    assert_eq!(w.ask(ACCOUNT, APP, hash, &[]), ERC1271_INVALID);
    // Still valid after all that (nothing was written).
    assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_MAGIC);
}

#[test]
fn the_window_bounds_are_inclusive_and_read_from_the_clock() {
    let key = signer(1);
    let mut w = World::new();
    w.install_with(ACCOUNT, &scoped(&key));
    let p = permit(DEX, 1);
    let sig = sign_permit(&key, &p, ACCOUNT);
    let hash = p.eip712_signing_hash(&app_domain());
    for (now, expected) in [
        (START - 1, ERC1271_INVALID),
        (START, ERC1271_MAGIC),
        (START + 3600, ERC1271_MAGIC),
        (START + 3601, ERC1271_INVALID),
    ] {
        w.h.vm.set_block_timestamp(now);
        assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), expected, "at {now}");
    }
}

#[test]
fn revoked_sessions_and_uninstalled_modules_sign_nothing() {
    let key = signer(1);
    let p = permit(DEX, 1);
    let sig = sign_permit(&key, &p, ACCOUNT);
    let hash = p.eip712_signing_hash(&app_domain());

    let mut w = World::new();
    w.install_with(ACCOUNT, &scoped(&key));
    assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_MAGIC);
    w.h.as_account(ACCOUNT);
    w.h.contract.revoke_session(key.address()).unwrap();
    w.sessions.get_mut(&(ACCOUNT, key.address())).unwrap().2 = true;
    assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_INVALID);

    let mut w = World::new();
    w.install_with(ACCOUNT, &scoped(&key));
    w.h.as_account(ACCOUNT);
    w.h.contract.revoke_all_sessions().unwrap();
    w.sessions.get_mut(&(ACCOUNT, key.address())).unwrap().2 = true;
    assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_INVALID);

    let mut w = World::new();
    w.install_with(ACCOUNT, &scoped(&key));
    w.h.as_account(ACCOUNT);
    w.h.contract.on_uninstall(Bytes::new()).unwrap();
    assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_INVALID);

    // Never installed.
    let mut w = World::new();
    assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_INVALID);
}

#[test]
fn a_signature_for_one_account_is_invalid_for_another_with_the_same_key() {
    let key = signer(1);
    let mut w = World::new();
    w.install_with(ACCOUNT, &scoped(&key));
    w.install_with(OTHER_ACCOUNT, &scoped(&key));
    let p = permit(DEX, 1);
    let hash = p.eip712_signing_hash(&app_domain());
    let for_account = sign_permit(&key, &p, ACCOUNT);
    let for_other = sign_permit(&key, &p, OTHER_ACCOUNT);
    assert_eq!(w.ask(ACCOUNT, APP, hash, &for_account), ERC1271_MAGIC);
    assert_eq!(w.ask(OTHER_ACCOUNT, APP, hash, &for_other), ERC1271_MAGIC);
    assert_eq!(
        w.ask(OTHER_ACCOUNT, APP, hash, &for_account),
        ERC1271_INVALID
    );
    assert_eq!(w.ask(ACCOUNT, APP, hash, &for_other), ERC1271_INVALID);
}

#[test]
fn an_account_domain_that_does_not_name_the_account_and_chain_is_refused() {
    let key = signer(1);
    let p = permit(DEX, 1);
    let hash = p.eip712_signing_hash(&app_domain());
    for (domain, answers) in [
        (Some(domain_return(&account_eip712(ACCOUNT, CHAIN))), true),
        (
            Some(domain_return(&account_eip712(OTHER_ACCOUNT, CHAIN))),
            false,
        ),
        (Some(domain_return(&account_eip712(ACCOUNT, 1))), false),
        (None, false),
        (Some(vec![0u8; 32]), false),
    ] {
        let mut w = World::new();
        w.install_with(ACCOUNT, &scoped(&key));
        match &domain {
            Some(d) => w.chain.domains.insert(ACCOUNT, d.clone()),
            None => w.chain.domains.remove(&ACCOUNT),
        };
        // Signed over the domain the account reports, so only the binding check can refuse.
        let reported = domain
            .as_ref()
            .and_then(|d| sessionkey_policy::typed_data::Eip712Domain::decode(d))
            .map(|d| d.account_domain(|b| keccak256(b)))
            .unwrap_or_else(|| account_domain(&account_eip712(ACCOUNT, CHAIN)));
        let sig = sign_typed_data(
            PROGRAM,
            &key,
            &app_domain().separator(),
            PERMIT,
            &p.eip712_encode_data(),
            &reported,
        )
        .unwrap();
        let expected = if answers {
            ERC1271_MAGIC
        } else {
            ERC1271_INVALID
        };
        assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), expected);
    }
}

#[test]
fn a_session_without_scopes_signs_nothing() {
    let key = signer(1);
    let mut w = World::new();
    let mut record = scoped(&key);
    record.typed_data_scopes.clear();
    w.install_with(ACCOUNT, &record);
    let p = permit(DEX, 1);
    let sig = sign_permit(&key, &p, ACCOUNT);
    assert_eq!(
        w.ask(ACCOUNT, APP, p.eip712_signing_hash(&app_domain()), &sig),
        ERC1271_INVALID
    );
}

#[test]
fn a_p256_session_signs_in_scope_typed_data() {
    let key = SessionSigner::P256(p256_key(3));
    let mut w = World::new();
    w.install_with(ACCOUNT, &scoped(&key));
    let good = permit(DEX, 100);
    let hash = good.eip712_signing_hash(&app_domain());
    let sig = sign_permit(&key, &good, ACCOUNT);
    assert_eq!(sig.len(), 20 + 20 + 64 + 32 + 5 * 32 + PERMIT.len() + 4);
    assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_MAGIC);
    let bad = permit(DEX, 101);
    let sig = sign_permit(&key, &bad, ACCOUNT);
    let hash = bad.eip712_signing_hash(&app_domain());
    assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_INVALID);
}

#[test]
fn a_passkey_session_signs_in_scope_typed_data_as_a_webauthn_assertion() {
    let key = SessionSigner::passkey(p256_key(4), "https://wallet.example.org").unwrap();
    let mut w = World::new();
    w.install_with(ACCOUNT, &scoped(&key));
    let good = permit(DEX, 100);
    let hash = good.eip712_signing_hash(&app_domain());
    let sig = sign_permit(&key, &good, ACCOUNT);
    assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_MAGIC);
    // The same assertion for another account's digest, and a value over the cap.
    let other = sign_permit(&key, &good, OTHER_ACCOUNT);
    assert_eq!(w.ask(ACCOUNT, APP, hash, &other), ERC1271_INVALID);
    let bad = permit(DEX, 101);
    let sig = sign_permit(&key, &bad, ACCOUNT);
    let hash = bad.eip712_signing_hash(&app_domain());
    assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_INVALID);
}

/// ERC-7739's explicit mode (`contentsType ‖ contentsName`) is read like the implicit one the
/// SDK writes; a description whose name is not the type's own is refused.
#[test]
fn an_explicit_mode_description_is_accepted_and_a_mismatched_name_refused() {
    let key = signer(1);
    let mut w = World::new();
    w.install_with(ACCOUNT, &scoped(&key));
    let p = permit(DEX, 1);
    let hash = p.eip712_signing_hash(&app_domain());
    let domain = account_domain(&account_eip712(ACCOUNT, CHAIN));
    let with_descr = |descr: &str| {
        let mut unsigned = key.address().to_vec();
        sessionkey_policy::typed_data::encode_trailer(
            &mut unsigned,
            &app_domain().separator(),
            &p.eip712_encode_data(),
            descr.as_bytes(),
        )
        .unwrap();
        let digest = sessionkey_policy::typed_data::TypedDataSignature::parse(&unsigned)
            .map(|t| t.digests(&domain, &|b| keccak256(b)).sign_digest)
            .unwrap_or_else(|| keccak256(descr));
        let proof = key.sign_session_digest(&digest);
        [PROGRAM.as_slice(), &proof[..], &unsigned[20..]].concat()
    };
    let explicit = with_descr(&format!("{PERMIT}Permit"));
    assert_eq!(w.ask(ACCOUNT, APP, hash, &explicit), ERC1271_MAGIC);
    for bad in [
        format!("{PERMIT}Other"),
        format!("{PERMIT}Per mit"),
        PERMIT.replace("Permit(", "(").to_string(),
    ] {
        let sig = with_descr(&bad);
        assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_INVALID, "{bad}");
    }
}

/// A periodic session's signature names no period: signatures spend nothing, and the window is
/// the session's.
#[test]
fn a_periodic_session_signs_without_naming_a_period() {
    let key = signer(1);
    let mut w = World::new();
    let mut record = scoped(&key);
    record.period = Some(600);
    record.validate().unwrap();
    w.install_with(ACCOUNT, &record);
    let p = permit(DEX, 1);
    let sig = sign_permit(&key, &p, ACCOUNT);
    let hash = p.eip712_signing_hash(&app_domain());
    w.h.vm.set_block_timestamp(START + 3000);
    assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_MAGIC);
    // A period number inserted after the signer breaks the proof's shape.
    let mut with_period = sig[..40].to_vec();
    with_period.extend_from_slice(&5u32.to_be_bytes());
    with_period.extend_from_slice(&sig[40..]);
    assert_eq!(w.ask(ACCOUNT, APP, hash, &with_period), ERC1271_INVALID);
}

#[test]
fn registration_stores_each_scope_as_an_entry_at_its_derived_slot() {
    let key = signer(1);
    let mut w = World::new();
    let record = scoped(&key);
    w.install_with(ACCOUNT, &record);
    let scope = &record.typed_data_scopes[0];
    // keccak256(pad(account) ‖ keccak256(keccak256(signer ‖ nonce ‖ sep ‖ typehash) ‖ pad(4))).
    let outer = keccak256(scope_key_preimage(
        key.address(),
        0,
        &scope.app_domain_separator,
        &scope.contents_typehash,
    ));
    let inner = keccak256(
        [
            outer.as_slice(),
            B256::with_last_byte(SCOPES_ROOT).as_slice(),
        ]
        .concat(),
    );
    let base = U256::from_be_bytes(
        keccak256([ACCOUNT.into_word().as_slice(), inner.as_slice()].concat()).0,
    );
    let words = sessionkey_policy::memory::scope_entry_words(scope);
    let storage = w.h.storage();
    for (i, word) in words.iter().enumerate() {
        assert_eq!(storage.get(&(base + U256::from(i))), Some(word), "word {i}");
    }
    // The header flag says the session has scopes.
    let header = sessionkey_policy::layout::SessionHeader::unpack(
        &w.h.session_words(ACCOUNT, key.address()).1,
    );
    assert!(header.has(sessionkey_policy::layout::session_flags::TYPED_DATA_SCOPES));
}

#[test]
fn non_canonical_calldata_reverts_malformed_and_writes_nothing() {
    let key = signer(1);
    let mut w = World::new();
    w.install_with(ACCOUNT, &scoped(&key));
    let before = w.h.storage();
    let good = I::isValidSignatureWithSenderCall {
        sender: APP,
        hash: B256::ZERO,
        signature: Bytes::from(vec![1u8, 2, 3]),
    }
    .abi_encode();
    let mut dirty = good.clone();
    dirty[4] = 1;
    let mut trailing = good.clone();
    trailing.push(0);
    let mut offset = good.clone();
    offset[4 + 95] = 0x80;
    for (calldata, e) in [
        (dirty, ExecutionError::DirtyAddress),
        (trailing, ExecutionError::TrailingBytes),
        (offset, ExecutionError::NonCanonicalOffset),
    ] {
        let err = route(&w.chain, &calldata).unwrap_err();
        assert_eq!(err, revert_of(MalformedCalldata { code: e.code() }));
    }
    assert_eq!(w.h.storage(), before);
}

/// The module delegates only to an address holding exactly the program's code: a signature
/// naming other code, an address without code or nothing at all is invalid, and the module never
/// calls it.
#[test]
fn the_module_delegates_only_to_the_program_s_code() {
    let key = signer(1);
    let mut w = World::new();
    w.install_with(ACCOUNT, &scoped(&key));
    let p = permit(DEX, 1);
    let hash = p.eip712_signing_hash(&app_domain());
    let sig = sign_permit(&key, &p, ACCOUNT);
    assert_eq!(w.ask(ACCOUNT, APP, hash, &sig), ERC1271_MAGIC);
    assert_eq!(*w.chain.delegated.borrow(), [PROGRAM]);

    let empty = address!("0x000000000000000000000000000000000000e111");
    for program in [IMPOSTOR, empty, MODULE] {
        let renamed = [program.as_slice(), &sig[20..]].concat();
        assert_eq!(w.ask(ACCOUNT, APP, hash, &renamed), ERC1271_INVALID);
    }
    for short in [&sig[..0], &sig[..19], &sig[..20]] {
        assert_eq!(w.ask(ACCOUNT, APP, hash, short), ERC1271_INVALID);
    }
    // Only the good signature and the bare program address (`..20`) reached the program.
    assert_eq!(*w.chain.delegated.borrow(), [PROGRAM, PROGRAM]);
}

/// Called directly, the program reads its own storage, where no account has a session: the
/// signature the module accepts is invalid there. And it answers nothing but
/// `isValidSignatureWithSender`, so running it on the module's storage can never write.
#[test]
fn the_program_called_directly_knows_no_session_and_answers_nothing_else() {
    let key = signer(1);
    let mut w = World::new();
    w.install_with(ACCOUNT, &scoped(&key));
    let p = permit(DEX, 1);
    let hash = p.eip712_signing_hash(&app_domain());
    let sig = sign_permit(&key, &p, ACCOUNT);
    let call = I::isValidSignatureWithSenderCall {
        sender: APP,
        hash,
        signature: Bytes::copy_from_slice(&sig),
    }
    .abi_encode();
    w.h.as_account(ACCOUNT);
    let through_module = route(&w.chain, &call).unwrap();
    assert_eq!(through_module[..4], ERC1271_MAGIC);

    // The program's own deployment: a fresh VM (its storage is empty), the same sender.
    let mut own = World::new();
    own.h.as_account(ACCOUNT);
    let direct = route_erc1271_program(&own.chain, &call).unwrap();
    assert_eq!(direct[..4], ERC1271_INVALID);

    // Every other entry point of the module, with well-formed arguments: empty revert, no write.
    let record = scoped(&signer(2)).encode();
    let others = [
        I::registerSessionCall {
            record: record.clone().into(),
        }
        .abi_encode(),
        I::onInstallCall {
            data: record.into(),
        }
        .abi_encode(),
        I::onUninstallCall { data: Bytes::new() }.abi_encode(),
        I::revokeSessionCall {
            signer: key.public().address,
        }
        .abi_encode(),
        I::revokeAllSessionsCall {}.abi_encode(),
        I::isInitializedCall {
            smartAccount: ACCOUNT,
        }
        .abi_encode(),
    ];
    let before = w.h.storage();
    for input in others {
        assert_eq!(route_erc1271_program(&w.chain, &input), Err(Vec::new()));
    }
    assert_eq!(w.h.storage(), before);
}
