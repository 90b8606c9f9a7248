//! Test harness: the contract on stylus-test's `TestVM`, session keys, op builders, and an
//! ecrecover stand-in that answers exactly as the precompile would (k256 recovery, empty output
//! for invalid input, high-s accepted — the module, not the precompile, must refuse it).

use alloc::vec::Vec;
use std::collections::BTreeMap;

use alloy_primitives::{address, keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall, SolValue};
use sessionkey_policy::record::SessionRecord;
use sessionkey_policy::signature::{digest_preimage, SessionSignature, HALF_ORDER};
use stylus_sdk::testing::TestVM;

use crate::abi::PackedUserOperation;
use crate::router::route;

use sessionkey_policy::interface::ISessionKeyValidator as I;

sol! {
    struct Execution { address target; uint256 value; bytes callData; }
    function execute(bytes32 mode, bytes executionCalldata);
    function approve(address spender, uint256 amount);
    function transfer(address to, uint256 amount);
    function transferFrom(address from, address to, uint256 amount);
    function increaseAllowance(address spender, uint256 amount);
    function swap(uint256 amountIn, int256 minOut, address recipient);
}

/// The module's own address.
pub const MODULE: Address = address!("0x00000000000000000000000000000000000a11ce");
/// The smart account installing the module.
pub const ACCOUNT: Address = address!("0x000000000000000000000000000000000000acc0");
/// A second account (isolation tests).
pub const OTHER_ACCOUNT: Address = address!("0x000000000000000000000000000000000000acc1");
/// An ERC-20 token.
pub const TOKEN: Address = address!("0x0000000000000000000000000000000000007043");
/// Another token.
pub const TOKEN2: Address = address!("0x0000000000000000000000000000000000007044");
/// A DEX the session may approve.
pub const DEX: Address = address!("0x0000000000000000000000000000000000000de0");
/// An attacker.
pub const ATTACKER: Address = address!("0x000000000000000000000000000000000000bad0");
/// A plain recipient.
pub const ALICE: Address = address!("0x000000000000000000000000000000000000a71c");
/// The ecrecover precompile.
pub const ECRECOVER: Address = address!("0x0000000000000000000000000000000000000001");
/// A plausible userOpHash.
pub const OP_HASH: B256 = B256::repeat_byte(0x42);

pub use sessionkey_sdk::SessionKey;
pub use sessionkey_testkit::{ecrecover_precompile, session_key, SignOp};

/// secp256k1 group order.
pub fn order() -> U256 {
    (HALF_ORDER << 1) + U256::from(1)
}

/// Calls the contract the way a chain does: calldata encoded from the committed interface
/// (`abi/ISessionKeyValidator.sol`), dispatched by the contract's own router.
pub struct Client {
    vm: TestVM,
}

impl Client {
    fn call<C: SolCall>(&self, call: C) -> Result<Vec<u8>, Vec<u8>> {
        route(&self.vm, &call.abi_encode())
    }

    /// Raw calldata through the router.
    pub fn fallback(&self, calldata: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
        route(&self.vm, calldata)
    }

    /// `onInstall(bytes)`.
    pub fn on_install(&self, data: Bytes) -> Result<(), Vec<u8>> {
        self.call(I::onInstallCall { data })
            .map(|out| assert!(out.is_empty()))
    }

    /// `onUninstall(bytes)`.
    pub fn on_uninstall(&self, data: Bytes) -> Result<(), Vec<u8>> {
        self.call(I::onUninstallCall { data })
            .map(|out| assert!(out.is_empty()))
    }

    /// `registerSession(bytes)`.
    pub fn register_session(&self, record: Bytes) -> Result<(), Vec<u8>> {
        self.call(I::registerSessionCall { record })
            .map(|out| assert!(out.is_empty()))
    }

    /// `revokeSession(address)`.
    pub fn revoke_session(&self, signer: Address) -> Result<(), Vec<u8>> {
        self.call(I::revokeSessionCall { signer })
            .map(|out| assert!(out.is_empty()))
    }

    /// `revokeAllSessions()`.
    pub fn revoke_all_sessions(&self) -> Result<(), Vec<u8>> {
        self.call(I::revokeAllSessionsCall {})
            .map(|out| assert!(out.is_empty()))
    }

    /// `isModuleType(uint256)`.
    pub fn is_module_type(&self, module_type_id: U256) -> bool {
        let out = self
            .call(I::isModuleTypeCall {
                moduleTypeId: module_type_id,
            })
            .unwrap();
        I::isModuleTypeCall::abi_decode_returns(&out).unwrap()
    }

    /// `isInitialized(address)`.
    pub fn is_initialized(&self, smart_account: Address) -> bool {
        let out = self
            .call(I::isInitializedCall {
                smartAccount: smart_account,
            })
            .unwrap();
        I::isInitializedCall::abi_decode_returns(&out).unwrap()
    }

    /// `isValidSignatureWithSender(address,bytes32,bytes)`.
    pub fn is_valid_signature_with_sender(
        &self,
        sender: Address,
        hash: B256,
        signature: Bytes,
    ) -> [u8; 4] {
        let out = self
            .call(I::isValidSignatureWithSenderCall {
                sender,
                hash,
                signature,
            })
            .unwrap();
        I::isValidSignatureWithSenderCall::abi_decode_returns(&out)
            .unwrap()
            .0
    }

    /// `sessionWords(address,address)`.
    pub fn session_words(&self, account: Address, signer: Address) -> (B256, B256, B256, B256) {
        let out = self.call(I::sessionWordsCall { account, signer }).unwrap();
        let r = I::sessionWordsCall::abi_decode_returns(&out).unwrap();
        (r.accountWord, r.header, r.spend, r.paymaster)
    }

    /// `tokenCapWord(address,address,address)`.
    pub fn token_cap_word(&self, account: Address, signer: Address, token: Address) -> B256 {
        let out = self
            .call(I::tokenCapWordCall {
                account,
                signer,
                token,
            })
            .unwrap();
        I::tokenCapWordCall::abi_decode_returns(&out).unwrap()
    }
}

/// The contract on a TestVM, acting as `ACCOUNT` unless told otherwise.
pub struct Harness {
    /// The VM.
    pub vm: TestVM,
    /// The contract, called through its router.
    pub contract: Client,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    /// A fresh module at `MODULE`, caller `ACCOUNT`.
    pub fn new() -> Self {
        let vm = TestVM::new();
        vm.set_contract_address(MODULE);
        vm.set_sender(ACCOUNT);
        let contract = Client { vm: vm.clone() };
        Self { vm, contract }
    }

    /// Makes `account` the caller.
    pub fn as_account(&mut self, account: Address) -> &mut Self {
        self.vm.set_sender(account);
        self
    }

    /// Every storage word, for "nothing changed" assertions.
    pub fn storage(&self) -> BTreeMap<U256, B256> {
        self.vm
            .snapshot()
            .storage
            .into_iter()
            .filter(|(_, v)| !v.is_zero())
            .collect()
    }

    /// Installs with no sessions.
    pub fn install(&mut self) {
        self.contract.on_install(Bytes::new()).expect("install");
    }

    /// Installs and registers `record`.
    pub fn install_with(&mut self, record: &SessionRecord) {
        self.install();
        self.register(record).expect("register");
    }

    /// Registers a record.
    pub fn register(&mut self, record: &SessionRecord) -> Result<(), Vec<u8>> {
        self.contract.register_session(record.encode().into())
    }

    /// Calls `validateUserOp` through the contract's router (the hand decoder), with the
    /// precompile answering for this op's signature.
    pub fn validate(&mut self, op: &PackedUserOperation, hash: B256) -> Result<U256, Vec<u8>> {
        if let Some(sig) = SessionSignature::parse(&op.signature) {
            let digest = keccak256(digest_preimage(&hash, MODULE));
            let input = sig.ecrecover_input(&digest);
            self.vm
                .mock_static_call(ECRECOVER, input.to_vec(), Ok(ecrecover_precompile(&input)));
        }
        let out = self.contract.call(I::validateUserOpCall {
            userOp: op.clone(),
            userOpHash: hash,
        })?;
        Ok(I::validateUserOpCall::abi_decode_returns(&out).unwrap())
    }

    /// Builds, signs and validates an op running `calldata` through the session `key`.
    pub fn run(&mut self, key: &SessionKey, call_data: Vec<u8>) -> Result<U256, Vec<u8>> {
        let op = user_op(ACCOUNT, call_data, key.sign(OP_HASH, MODULE));
        self.validate(&op, OP_HASH)
    }

    /// Runs an op that must be rejected with exactly `expected`, and must not write anything.
    pub fn assert_rejected(&mut self, key: &SessionKey, call_data: Vec<u8>, expected: Vec<u8>) {
        let before = self.storage();
        let err = self.run(key, call_data).unwrap_err();
        assert_eq!(err, expected);
        assert_eq!(self.storage(), before, "a rejected op must not write");
    }

    /// The session's raw words `(account, header, spend, paymaster)`.
    pub fn session_words(&self, account: Address, signer: Address) -> (B256, B256, B256, B256) {
        self.contract.session_words(account, signer)
    }
}

/// `validateUserOp(PackedUserOperation,bytes32)`'s selector, computed from its signature.
pub fn validate_selector() -> [u8; 4] {
    keccak256(
        "validateUserOp((address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes),bytes32)",
    )[..4]
        .try_into()
        .unwrap()
}

/// An op from `sender` with modest gas fields and no paymaster.
pub fn user_op(sender: Address, call_data: Vec<u8>, signature: Vec<u8>) -> PackedUserOperation {
    PackedUserOperation {
        sender,
        nonce: U256::ZERO,
        initCode: Bytes::new(),
        callData: call_data.into(),
        accountGasLimits: gas_pair(100_000, 200_000),
        preVerificationGas: U256::from(50_000),
        gasFees: gas_pair(1, 10),
        paymasterAndData: Bytes::new(),
        signature: signature.into(),
    }
}

/// Two 16-byte big-endian numbers in one word.
pub fn gas_pair(hi: u128, lo: u128) -> B256 {
    let mut w = [0u8; 32];
    w[..16].copy_from_slice(&hi.to_be_bytes());
    w[16..].copy_from_slice(&lo.to_be_bytes());
    B256::from(w)
}

/// `execute(mode 0x00…, target ‖ value ‖ data)`.
pub fn single(target: Address, value: u128, data: Vec<u8>) -> Vec<u8> {
    let mut packed = target.to_vec();
    packed.extend_from_slice(&U256::from(value).to_be_bytes::<32>());
    packed.extend_from_slice(&data);
    executeCall {
        mode: B256::ZERO,
        executionCalldata: packed.into(),
    }
    .abi_encode()
}

/// `execute(mode 0x01…, abi.encode(Execution[]))`.
pub fn batch(calls: &[(Address, u128, Vec<u8>)]) -> Vec<u8> {
    let execs: Vec<Execution> = calls
        .iter()
        .map(|(t, v, d)| Execution {
            target: *t,
            value: U256::from(*v),
            callData: d.clone().into(),
        })
        .collect();
    let mut mode = B256::ZERO;
    mode[0] = 1;
    executeCall {
        mode,
        executionCalldata: execs.abi_encode().into(),
    }
    .abi_encode()
}

/// `approve(spender, amount)` calldata.
pub fn approve(spender: Address, amount: u128) -> Vec<u8> {
    approveCall {
        spender,
        amount: U256::from(amount),
    }
    .abi_encode()
}

/// `transfer(to, amount)` calldata.
pub fn transfer(to: Address, amount: u128) -> Vec<u8> {
    transferCall {
        to,
        amount: U256::from(amount),
    }
    .abi_encode()
}

/// A word holding an address.
pub fn addr_word(a: Address) -> B256 {
    a.into_word()
}

/// A word holding a number.
pub fn num(v: u128) -> B256 {
    B256::from(U256::from(v).to_be_bytes::<32>())
}

pub use sessionkey_testkit::{entry, receive_entry};

/// The demo session ([`sessionkey_testkit::demo_record`] in plain units): approve only to DEX
/// up to 100, transfer freely, 150 in total on TOKEN, 1 ETH to ALICE, valid for [1000, 4600).
pub fn demo_record(key: &SessionKey) -> SessionRecord {
    sessionkey_testkit::demo_record(key.address(), TOKEN, DEX, ALICE, 1)
}

/// The revert data the contract should produce for `error`.
pub fn revert_of<E: alloy_sol_types::SolError>(error: E) -> Vec<u8> {
    error.abi_encode()
}
