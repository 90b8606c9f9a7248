//! ERC-1271 for session keys, scoped, end to end: the release WASM on the devnet, installed on
//! OpenZeppelin's `AccountERC7579` (+ `ERC7739`, domain "OzAccount7579" / "1"). An app asks the
//! account `isValidSignature(hash, module ‖ signature)` — simulated by an `eth_call` from the
//! app's address — and the account asks the module `isValidSignatureWithSender(app, hash, …)`.
//!
//! The session may sign an ERC-2612-style `Permit` for the token's domain with `spender == DEX`
//! and `value ≤ 100 tokens`, for its window. Accepted: such a permit. Refused (`0xffffffff`):
//! another spender, a value above the cap, another app domain, another contents type, after a
//! revoke, outside the window, the signature made for another account holding the same key, and
//! the module itself asking. Every refusal is an exact answer, and the module's state is the
//! same before and after (a committed call included: it is a view).

mod common;

use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use alloy_sol_types::{eip712_domain, sol, Eip712Domain, SolCall, SolStruct};
use common::*;
use devnet_bundler::devnet::TxRequest;
use devnet_bundler::world::oz_account_domain;
use devnet_bundler::{Account, SessionKey, World};

use sessionkey_policy::typed_data::{ERC1271_INVALID, ERC1271_MAGIC};
use sessionkey_policy::{Limit, SessionRecord};
use sessionkey_sdk::builder::{Check, SessionBuilder, TypedDataScopeBuilder};
use sessionkey_sdk::key::SessionSigner;
use sessionkey_sdk::typed_data::{account_domain, sign_typed_data};

sol! {
    struct Permit { address owner; address spender; uint256 value; uint256 nonce; uint256 deadline; }
    struct Order { address maker; uint256 amount; }
    function isValidSignature(bytes32 hash, bytes signature) returns (bytes4);
}

const PERMIT: &str =
    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)";
const START: u64 = 2000;
const END: u64 = 5600;

struct Scoped {
    world: World,
    account: Account,
    signer: SessionSigner,
    key_address: Address,
}

fn app_domain(world: &World) -> Eip712Domain {
    eip712_domain! {
        name: "TestToken",
        version: "1",
        chain_id: world.chain.chain_id(),
        verifying_contract: world.token,
    }
}

fn scoped_record(signer: Address, app: &Eip712Domain) -> SessionRecord {
    SessionBuilder::new(signer)
        .valid_between(START, END)
        .gas_budget(Limit::Unlimited)
        .typed_data_scope(
            TypedDataScopeBuilder::new(app, PERMIT)
                .rule("spender", Check::eq(DEX))
                .rule("value", Check::lte(U256::from(100 * TOKENS))),
        )
        .build()
        .unwrap()
        .record
}

impl Scoped {
    fn new() -> Self {
        let mut world = World::new().expect("world deploys");
        world.chain.set_block_timestamp(START + 10);
        let account = world
            .create_account(SessionKey::from_seed(1), 10)
            .expect("account deploys");
        let key = sessionkey_sdk::SessionKey::from_bytes(&[7; 32]).unwrap();
        let key_address = key.address();
        let record = scoped_record(key_address, &app_domain(&world));
        let out = world.install_module(&account, record.encode()).unwrap();
        assert!(out.success, "installModule failed: {out:?}");
        Self {
            world,
            account,
            signer: SessionSigner::Secp256k1(key),
            key_address,
        }
    }

    fn permit(&self, spender: Address, tokens: u128) -> Permit {
        Permit {
            owner: self.account.address,
            spender,
            value: U256::from(tokens * TOKENS),
            nonce: U256::ZERO,
            deadline: U256::from(END),
        }
    }

    /// The session's signature of `words` under `app`, for `account`'s domain, as the app sends
    /// it to the account: `module ‖ program ‖ signature`.
    fn sign(&self, app: &Eip712Domain, ty: &str, words: &[u8], account: Address) -> Vec<u8> {
        let domain = account_domain(&oz_account_domain(self.world.chain.chain_id(), account));
        let program = self.world.erc1271_program;
        let sig =
            sign_typed_data(program, &self.signer, &app.separator(), ty, words, &domain).unwrap();
        [self.world.module.as_slice(), &sig].concat()
    }

    /// `account.isValidSignature(hash, sig)` asked by `from`, as an `eth_call`.
    fn ask_from(&mut self, from: Address, account: Address, hash: B256, sig: &[u8]) -> [u8; 4] {
        let data = isValidSignatureCall {
            hash,
            signature: Bytes::copy_from_slice(sig),
        }
        .abi_encode();
        // As a node's `eth_call` does: any sender, contracts included (EIP-3607 not applied).
        let out = self
            .world
            .chain
            .simulate_tx(&TxRequest {
                from,
                kind: TxKind::Call(account),
                value: U256::ZERO,
                data: data.into(),
                gas_limit: 1_000_000,
                access_list: Vec::new(),
            })
            .unwrap();
        assert!(out.success, "isValidSignature reverted: {out:?}");
        isValidSignatureCall::abi_decode_returns(&out.output)
            .unwrap()
            .0
    }

    fn ask(&mut self, hash: B256, sig: &[u8]) -> [u8; 4] {
        let (app, account) = (self.world.token, self.account.address);
        self.ask_from(app, account, hash, sig)
    }

    /// The module's words for the session, and the account word.
    fn state(&mut self) -> (B256, B256, B256, B256) {
        let (account, key) = (self.account.address, self.key_address);
        self.world.session_words(account, key)
    }
}

/// The SDK's `TypedDataSign` digest is OpenZeppelin's: the account's **owner** signs the digest
/// the SDK computes, in ERC-7739's owner format (`sig ‖ appSeparator ‖ contentsHash ‖
/// contentsDescr ‖ u16 len`), and OZ's `ERC7739.isValidSignature` (its own digest code)
/// accepts it; one bit changed in the contents and it refuses.
#[test]
fn the_sdk_typed_data_sign_digest_is_openzeppelins() {
    let mut s = Scoped::new();
    let app = app_domain(&s.world);
    let account = s.account.address;
    let owner = SessionKey::from_seed(1);
    let domain = account_domain(&oz_account_domain(s.world.chain.chain_id(), account));
    let p = s.permit(DEX, 7);
    let digest = sessionkey_sdk::typed_data::typed_data_sign_digest(
        &app.separator(),
        PERMIT,
        &p.eip712_encode_data(),
        &domain,
    )
    .unwrap();
    let owner_sig = |contents_hash: B256| {
        let mut sig = owner.sign_digest(digest).to_vec();
        sig.extend_from_slice(app.separator().as_slice());
        sig.extend_from_slice(contents_hash.as_slice());
        sig.extend_from_slice(PERMIT.as_bytes());
        sig.extend_from_slice(&(PERMIT.len() as u16).to_be_bytes());
        sig
    };
    let hash = p.eip712_signing_hash(&app);
    assert_eq!(
        s.ask(hash, &owner_sig(p.eip712_hash_struct())),
        ERC1271_MAGIC
    );
    let other = s.permit(DEX, 8);
    assert_eq!(
        s.ask(
            other.eip712_signing_hash(&app),
            &owner_sig(other.eip712_hash_struct())
        ),
        ERC1271_INVALID
    );
}

#[test]
fn an_in_scope_permit_is_accepted_through_the_account() {
    let mut s = Scoped::new();
    let app = app_domain(&s.world);
    let p = s.permit(DEX, 100);
    let sig = s.sign(&app, PERMIT, &p.eip712_encode_data(), s.account.address);
    let before = s.state();
    assert_eq!(s.ask(p.eip712_signing_hash(&app), &sig), ERC1271_MAGIC);
    // A committed transaction asking the same question changes nothing of the module's state.
    let data = isValidSignatureCall {
        hash: p.eip712_signing_hash(&app),
        signature: sig.clone().into(),
    }
    .abi_encode();
    let (from, to) = (s.world.deployer, s.account.address);
    let out = s
        .world
        .chain
        .call(from, to, U256::ZERO, data.into(), 1_000_000)
        .unwrap();
    assert!(out.success);
    assert_eq!(
        isValidSignatureCall::abi_decode_returns(&out.output)
            .unwrap()
            .0,
        ERC1271_MAGIC
    );
    assert!(out.logs.is_empty(), "a view emits nothing");
    assert_eq!(s.state(), before);
}

#[test]
fn out_of_scope_signatures_are_refused_exactly_and_change_nothing() {
    let mut s = Scoped::new();
    let app = app_domain(&s.world);
    let before = s.state();
    let account = s.account.address;

    // Another spender; a value above the cap.
    for p in [s.permit(ATTACKER, 1), s.permit(DEX, 101)] {
        let sig = s.sign(&app, PERMIT, &p.eip712_encode_data(), account);
        assert_eq!(s.ask(p.eip712_signing_hash(&app), &sig), ERC1271_INVALID);
    }
    // Another app domain (the counter's), well signed.
    let other_app = eip712_domain! {
        name: "TestToken",
        version: "1",
        chain_id: s.world.chain.chain_id(),
        verifying_contract: s.world.counter,
    };
    let p = s.permit(DEX, 1);
    let sig = s.sign(&other_app, PERMIT, &p.eip712_encode_data(), account);
    assert_eq!(
        s.ask(p.eip712_signing_hash(&other_app), &sig),
        ERC1271_INVALID
    );
    // Another contents type, well signed.
    let order = Order {
        maker: DEX,
        amount: U256::from(1),
    };
    let sig = s.sign(
        &app,
        "Order(address maker,uint256 amount)",
        &order.eip712_encode_data(),
        account,
    );
    assert_eq!(
        s.ask(order.eip712_signing_hash(&app), &sig),
        ERC1271_INVALID
    );
    // The module asking the account (what it does for owner signatures when enabling).
    let sig = s.sign(&app, PERMIT, &p.eip712_encode_data(), account);
    let module = s.world.module;
    assert_eq!(
        s.ask_from(module, account, p.eip712_signing_hash(&app), &sig),
        ERC1271_INVALID
    );
    // The in-scope permit still passes: nothing above changed anything.
    assert_eq!(s.ask(p.eip712_signing_hash(&app), &sig), ERC1271_MAGIC);
    assert_eq!(s.state(), before);
}

#[test]
fn outside_the_window_or_after_a_revoke_nothing_is_valid() {
    let mut s = Scoped::new();
    let app = app_domain(&s.world);
    let p = s.permit(DEX, 1);
    let sig = s.sign(&app, PERMIT, &p.eip712_encode_data(), s.account.address);
    let hash = p.eip712_signing_hash(&app);
    for (now, expected) in [
        (START - 1, ERC1271_INVALID),
        (START, ERC1271_MAGIC),
        (END, ERC1271_MAGIC),
        (END + 1, ERC1271_INVALID),
    ] {
        s.world.chain.set_block_timestamp(now);
        assert_eq!(s.ask(hash, &sig), expected, "at {now}");
    }
    s.world.chain.set_block_timestamp(START + 10);
    assert_eq!(s.ask(hash, &sig), ERC1271_MAGIC);
    let (account, key) = (s.account.clone(), s.key_address);
    assert!(s.world.revoke_session(&account, key).unwrap().success);
    let before = s.state();
    assert_eq!(s.ask(hash, &sig), ERC1271_INVALID);
    assert_eq!(s.state(), before);
}

#[test]
fn a_signature_for_one_account_is_refused_by_another_holding_the_same_key() {
    let mut s = Scoped::new();
    let app = app_domain(&s.world);
    let second = s
        .world
        .create_account(SessionKey::from_seed(2), 10)
        .expect("account deploys");
    let record = scoped_record(s.key_address, &app);
    assert!(
        s.world
            .install_module(&second, record.encode())
            .unwrap()
            .success
    );
    let p = s.permit(DEX, 1);
    let hash = p.eip712_signing_hash(&app);
    let for_first = s.sign(&app, PERMIT, &p.eip712_encode_data(), s.account.address);
    let for_second = s.sign(&app, PERMIT, &p.eip712_encode_data(), second.address);
    let token = s.world.token;
    assert_eq!(
        s.ask_from(token, second.address, hash, &for_second),
        ERC1271_MAGIC
    );
    assert_eq!(
        s.ask_from(token, second.address, hash, &for_first),
        ERC1271_INVALID
    );
    assert_eq!(s.ask(hash, &for_second), ERC1271_INVALID);
    assert_eq!(s.ask(hash, &for_first), ERC1271_MAGIC);
}

/// The module delegates only to the program's exact code, wherever it is deployed: a second
/// deployment by anyone serves as well; a signature naming other Stylus code (the module), EVM
/// code (the token) or an address without code is refused; and the program asked directly (its
/// own, empty storage) knows no session. Nothing changes.
#[test]
fn only_the_program_s_code_answers_wherever_it_is_deployed() {
    let mut s = Scoped::new();
    let app = app_domain(&s.world);
    let account = s.account.address;
    let p = s.permit(DEX, 1);
    let hash = p.eip712_signing_hash(&app);
    let sig = s.sign(&app, PERMIT, &p.eip712_encode_data(), account);
    let before = s.state();
    // `module ‖ program ‖ signature`: the program's address is bytes 20..40.
    let naming = |program: Address| [&sig[..20], program.as_slice(), &sig[40..]].concat();

    let stranger = Address::repeat_byte(0x5A);
    s.world
        .chain
        .fund(stranger, U256::from(10u64).pow(U256::from(20u64)));
    let code = devnet_bundler::deployable_erc1271_program();
    // Activation is per code hash (Nitro's `ArbWasm`), so the copy is live at once.
    let second = s.world.chain.deploy_stylus(stranger, &code).unwrap();
    assert_ne!(second, s.world.erc1271_program);
    assert_eq!(s.ask(hash, &naming(second)), ERC1271_MAGIC);

    for other in [s.world.module, s.world.token, Address::repeat_byte(0xE0)] {
        assert_eq!(s.ask(hash, &naming(other)), ERC1271_INVALID, "{other}");
    }

    // The program itself, asked as the account asks the module.
    let direct =
        sessionkey_policy::interface::ISessionKeyValidator::isValidSignatureWithSenderCall {
            sender: s.world.token,
            hash,
            signature: Bytes::copy_from_slice(&sig[20..]),
        }
        .abi_encode();
    let program = s.world.erc1271_program;
    let out = s
        .world
        .chain
        .simulate_tx(&TxRequest {
            from: account,
            kind: TxKind::Call(program),
            value: U256::ZERO,
            data: direct.into(),
            gas_limit: 1_000_000,
            access_list: Vec::new(),
        })
        .unwrap();
    assert!(out.success, "{out:?}");
    assert_eq!(out.output[..4], ERC1271_INVALID);
    assert_eq!(s.state(), before);
}
