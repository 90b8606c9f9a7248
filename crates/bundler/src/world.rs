//! The chain every end-to-end test starts from.

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall, SolConstructor};
use devnet_fixtures::bindings::{
    encode_single, owner_digest, validator_nonce_key, Counter, IEntryPointV07,
    ISimpleAccountFactory, PackedUserOperation, TestAccount7579, TestToken, MODE_SINGLE,
};
use devnet_fixtures::{
    EntryPointVersion, Fixtures, COUNTER, CREATE2_DEPLOYER, OZ_ACCOUNT_7579,
    SIMPLE_ACCOUNT_FACTORY, TEST_ACCOUNT_7579, TEST_TOKEN,
};
use k256::ecdsa::SigningKey;
use sessionkey_policy::signature::{digest_preimage, period_digest_preimage, SessionSignature};
use sessionkey_policy::SessionRecord;
use stylus_devnet::{CallOutcome, CallStatus, Devnet};

use crate::bundle::OpOutcome;

use crate::contract::{deployable_contract, deployable_erc1271_program};

sol! {
    /// The npm v0.7 `SimpleAccount`'s entry point for owner ops.
    interface ISimpleAccount {
        function execute(address dest, uint256 value, bytes func) external;
    }

    interface ISessionKeyModule {
        function registerSession(bytes record) external;
        function revokeSession(address signer) external;
        function revokeAllSessions() external;
        function isInitialized(address smartAccount) external view returns (bool);
        function sessionWords(address account, address signer) external view
            returns (bytes32 accountWord, bytes32 header, bytes32 spend, bytes32 paymaster);
        function tokenCapWord(address account, address signer, address token) external view returns (bytes32);
    }
}

/// Gas limit of the transactions the world sends.
pub const TX_GAS: u64 = 30_000_000;
/// Nonce key 0: no validator is named, so the account's owner validates the op itself (both
/// account kinds).
pub const OWNER_SIGNS: U256 = U256::ZERO;

/// Runtime code of the deterministic deployment proxy at `CREATE2_DEPLOYER` (calldata
/// `salt ‖ initcode`, CREATE2, returns the 20-byte address) — the standard one every chain has.
const CREATE2_DEPLOYER_CODE: &[u8] = &[
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xe0, 0x36, 0x01, 0x60, 0x00, 0x81, 0x60, 0x20, 0x82, 0x37, 0x80, 0x35, 0x82, 0x82, 0x34, 0xf5,
    0x80, 0x15, 0x15, 0x60, 0x39, 0x57, 0x81, 0x82, 0xfd, 0x5b, 0x80, 0x82, 0x52, 0x50, 0x50, 0x50,
    0x60, 0x14, 0x60, 0x0c, 0xf3,
];

/// Why setting up or driving the world failed.
#[derive(Debug)]
pub enum WorldError {
    /// Loading the pinned fixtures failed.
    Fixtures(devnet_fixtures::FixtureError),
    /// The devnet refused something.
    Devnet(stylus_devnet::DevnetError),
    /// A transaction that had to succeed did not.
    Failed {
        /// What was being done.
        what: &'static str,
        /// Its outcome.
        outcome: Box<CallOutcome>,
    },
    /// An op's validation broke ERC-7562 (while [`World::enforce_erc7562`] is set).
    Erc7562 {
        /// The op's index in the bundle.
        op_index: usize,
        /// Each violation, in words.
        violations: Vec<String>,
    },
}

impl std::fmt::Display for WorldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Fixtures(e) => write!(f, "fixtures: {e:?}"),
            Self::Devnet(e) => write!(f, "devnet: {e}"),
            Self::Failed { what, outcome } => write!(
                f,
                "{what} failed: {:?} 0x{}",
                outcome.status,
                hex(&outcome.output)
            ),
            Self::Erc7562 {
                op_index,
                violations,
            } => write!(
                f,
                "op #{op_index} breaks ERC-7562 in validation: {}",
                violations.join("; ")
            ),
        }
    }
}

impl std::error::Error for WorldError {}

impl From<devnet_fixtures::FixtureError> for WorldError {
    fn from(e: devnet_fixtures::FixtureError) -> Self {
        Self::Fixtures(e)
    }
}

impl From<stylus_devnet::DevnetError> for WorldError {
    fn from(e: stylus_devnet::DevnetError) -> Self {
        Self::Devnet(e)
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A secp256k1 key with its Ethereum address.
#[derive(Clone)]
pub struct SessionKey {
    key: SigningKey,
    /// Its address.
    pub address: Address,
}

impl SessionKey {
    /// A deterministic key from a seed byte (tests and the demo want reproducible addresses).
    pub fn from_seed(seed: u8) -> Self {
        let key = SigningKey::from_slice(&[seed; 32]).expect("a seed byte gives a valid scalar");
        let point = key.verifying_key().to_encoded_point(false);
        let address = Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..]);
        Self { key, address }
    }

    /// A 65-byte `r ‖ s ‖ v` signature of `digest` (low s, v ∈ {27, 28}).
    pub fn sign_digest(&self, digest: B256) -> [u8; 65] {
        let (sig, recid) = self
            .key
            .sign_prehash_recoverable(digest.as_slice())
            .expect("signs");
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&sig.to_bytes());
        out[64] = 27 + recid.is_y_odd() as u8;
        out
    }

    /// The module's 85-byte session signature of `user_op_hash`.
    pub fn session_signature(&self, user_op_hash: B256, module: Address) -> Vec<u8> {
        let sig = self.sign_digest(keccak256(digest_preimage(&user_op_hash, module)));
        SessionSignature {
            signer: self.address,
            r: B256::from_slice(&sig[..32]),
            s: B256::from_slice(&sig[32..64]),
            v: sig[64],
        }
        .to_bytes()
        .to_vec()
    }
}

/// Which ERC-7579 account contract an [`Account`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountKind {
    /// OpenZeppelin Contracts 5.7.0 `AccountERC7579` + `SignerECDSA`, compiled from the pinned
    /// npm package (`crates/devnet/solidity/OzAccount7579.sol` only adds a constructor). Admin
    /// calls come only from the EntryPoint or the account itself, so the owner acts through
    /// owner-signed userOps; the owner signs the raw userOpHash.
    OpenZeppelin,
    /// This repository's [`TestAccount7579`]: its owner may also call it directly and signs the
    /// EIP-191 hash of the userOpHash. Kept for tests that need what OpenZeppelin's does not do.
    Test7579,
}

/// A deployed ERC-7579 account and its owner.
#[derive(Clone)]
pub struct Account {
    /// The account.
    pub address: Address,
    /// Its owner (an EOA on the devnet).
    pub owner: SessionKey,
    /// Which contract it is.
    pub kind: AccountKind,
}

/// EntryPoints v0.7 and v0.8, the module, a token and a counter on a fresh devnet.
pub struct World {
    /// The chain.
    pub chain: Devnet,
    /// The EntryPoint this world's accounts are bound to and its bundles go through (both
    /// releases are deployed at their canonical addresses).
    pub entry_point: Address,
    /// Its release.
    pub entry_point_version: EntryPointVersion,
    /// The session-key module (Stylus).
    pub module: Address,
    /// The ERC-1271 program the module delegates scoped `isValidSignatureWithSender` to
    /// (Stylus; named in the signature).
    pub erc1271_program: Address,
    /// A TestToken (18 decimals).
    pub token: Address,
    /// A Counter (generic call target).
    pub counter: Address,
    /// The bundler's EOA (also the beneficiary).
    pub bundler: Address,
    /// Who deployed everything.
    pub deployer: Address,
    /// Refuse (as an error) every bundle in which an op's validation breaks an ERC-7562 rule
    /// as written; on by default, so every end-to-end test, the demo and the gas report check
    /// every op they send.
    pub enforce_erc7562: bool,
    fixtures: Fixtures,
}

impl World {
    /// Deploys everything, bound to EntryPoint v0.7.
    ///
    /// # Errors
    ///
    /// Fixture loading or any deployment failing.
    pub fn new() -> Result<Self, WorldError> {
        Self::with_entry_point(EntryPointVersion::V07)
    }

    /// Deploys everything, bound to the EntryPoint of `version`. Both EntryPoints go through the
    /// CREATE2 deployer with their canonical salts, so landing at the canonical addresses proves
    /// the artifacts are the canonical ones.
    ///
    /// # Errors
    ///
    /// Fixture loading or any deployment failing.
    pub fn with_entry_point(version: EntryPointVersion) -> Result<Self, WorldError> {
        let fixtures = Fixtures::load()?;
        let mut chain = Devnet::new();
        let deployer = Address::repeat_byte(0xDE);
        let bundler = Address::repeat_byte(0xB5);
        for who in [deployer, bundler] {
            chain.fund(who, U256::from(10u64).pow(U256::from(24u64)));
        }
        chain.set_code(CREATE2_DEPLOYER, Bytes::from_static(CREATE2_DEPLOYER_CODE));

        for each in EntryPointVersion::ALL {
            let artifact = fixtures.entry_point_of(each)?;
            let mut create2 = each.salt().to_vec();
            create2.extend_from_slice(&artifact.bytecode);
            let out = chain.call(
                deployer,
                CREATE2_DEPLOYER,
                U256::ZERO,
                create2.into(),
                TX_GAS,
            )?;
            require("deploying an EntryPoint", &out)?;
            if chain.code(each.address()).is_empty() {
                return Err(WorldError::Failed {
                    what: "EntryPoint at its canonical address",
                    outcome: Box::new(out),
                });
            }
        }

        let module = chain.deploy_stylus(deployer, &deployable_contract())?;
        chain.activate(module)?;
        let erc1271_program = chain.deploy_stylus(deployer, &deployable_erc1271_program())?;
        chain.activate(erc1271_program)?;

        let token_art = fixtures.artifact(TEST_TOKEN)?;
        let args = TestToken::constructorCall {
            name_: "Test".into(),
            symbol_: "TST".into(),
            decimals_: 18,
        }
        .abi_encode();
        let token = chain.deploy_evm(deployer, token_art.initcode(&args).into())?;
        let counter =
            chain.deploy_evm(deployer, fixtures.artifact(COUNTER)?.initcode(&[]).into())?;

        Ok(Self {
            chain,
            entry_point: version.address(),
            entry_point_version: version,
            module,
            erc1271_program,
            token,
            counter,
            bundler,
            deployer,
            enforce_erc7562: true,
            fixtures,
        })
    }

    /// Deploys OpenZeppelin's ERC-7579 account ([`AccountKind::OpenZeppelin`]) owned by
    /// `owner`, funded with `eth` ether: the account every end-to-end test, the demo and the gas
    /// report use.
    ///
    /// # Errors
    ///
    /// Deployment failing.
    pub fn create_account(&mut self, owner: SessionKey, eth: u64) -> Result<Account, WorldError> {
        self.create_account_of(AccountKind::OpenZeppelin, owner, eth)
    }

    /// Deploys this repository's [`TestAccount7579`] ([`AccountKind::Test7579`]).
    ///
    /// # Errors
    ///
    /// Deployment failing.
    pub fn create_test_account(
        &mut self,
        owner: SessionKey,
        eth: u64,
    ) -> Result<Account, WorldError> {
        self.create_account_of(AccountKind::Test7579, owner, eth)
    }

    /// Deploys an account of `kind` owned by `owner`, funded with `eth` ether.
    ///
    /// # Errors
    ///
    /// Deployment failing.
    pub fn create_account_of(
        &mut self,
        kind: AccountKind,
        owner: SessionKey,
        eth: u64,
    ) -> Result<Account, WorldError> {
        let art = self.fixtures.artifact(match kind {
            AccountKind::OpenZeppelin => OZ_ACCOUNT_7579,
            AccountKind::Test7579 => TEST_ACCOUNT_7579,
        })?;
        // Both constructors are `(address entryPoint_, address owner_)`.
        let args = TestAccount7579::constructorCall {
            entryPoint_: self.entry_point,
            owner_: owner.address,
        }
        .abi_encode();
        let address = self
            .chain
            .deploy_evm(self.deployer, art.initcode(&args).into())?;
        self.chain.fund(address, ether(eth));
        self.chain
            .fund(owner.address, U256::from(10u64).pow(U256::from(20u64)));
        Ok(Account {
            address,
            owner,
            kind,
        })
    }

    /// Deploys the npm `SimpleAccountFactory` (v0.7) on first use, creates a `SimpleAccount`
    /// for `owner` (salt 0) and funds it with `eth` ether: the baseline account of the gas
    /// report.
    ///
    /// # Errors
    ///
    /// Fixture loading or a deployment failing.
    pub fn create_simple_account(
        &mut self,
        owner: SessionKey,
        eth: u64,
    ) -> Result<Account, WorldError> {
        let art = self.fixtures.artifact(SIMPLE_ACCOUNT_FACTORY)?;
        let args = alloy_sol_types::SolValue::abi_encode(&self.entry_point);
        let factory = self
            .chain
            .deploy_evm(self.deployer, art.initcode(&args).into())?;
        let create = ISimpleAccountFactory::createAccountCall {
            owner: owner.address,
            salt: U256::ZERO,
        };
        let out = self.chain.call(
            self.deployer,
            factory,
            U256::ZERO,
            create.abi_encode().into(),
            TX_GAS,
        )?;
        require("creating a SimpleAccount", &out)?;
        let address = Address::from_slice(&out.output[12..32]);
        self.chain.fund(address, ether(eth));
        // Not an ERC-7579 account; its owner ops are built by `simple_account_op`.
        Ok(Account {
            address,
            owner,
            kind: AccountKind::Test7579,
        })
    }

    /// An owner-signed op of a `SimpleAccount`: `execute(dest, value, func)`, signed over the
    /// EIP-191 hash of the userOpHash (as SimpleAccount v0.7 checks it).
    pub fn simple_account_op(
        &mut self,
        account: &Account,
        dest: Address,
        value: U256,
        func: Vec<u8>,
    ) -> PackedUserOperation {
        let call = ISimpleAccount::executeCall {
            dest,
            value,
            func: func.into(),
        };
        let mut op = self.op(account, U256::ZERO, call.abi_encode());
        let hash = self.user_op_hash(&op);
        op.signature = account
            .owner
            .sign_digest(owner_digest(hash))
            .to_vec()
            .into();
        op
    }

    /// The owner has the account run `account.execute(single(target, value, data))`.
    ///
    /// # Errors
    ///
    /// As [`owner_action`](Self::owner_action).
    pub fn owner_execute(
        &mut self,
        account: &Account,
        target: Address,
        value: U256,
        data: Vec<u8>,
    ) -> Result<CallOutcome, WorldError> {
        let call = TestAccount7579::executeCall {
            mode: MODE_SINGLE,
            executionCalldata: encode_single(target, value, &data),
        };
        self.owner_action(account, call.abi_encode())
    }

    /// The owner makes the account call itself with `call_data` (`execute`, `installModule`,
    /// ...), the way its kind allows: an owner-signed userOp through `handleOps` for
    /// OpenZeppelin's account (which takes admin calls only from the EntryPoint or itself), a
    /// plain transaction from the owner for the test account.
    ///
    /// For a userOp the outcome describes the op, not the `handleOps` transaction: `success` is
    /// its execution's, `output` its revert data (EntryPoint's `UserOperationRevertReason`, or
    /// `FailedOp` data if validation refused it), `gas_used` and `logs` the transaction's.
    ///
    /// # Errors
    ///
    /// The devnet refusing the transaction; for a userOp also an ERC-7562 violation (see
    /// [`handle_ops`](Self::handle_ops)). A revert is an outcome, not an error.
    pub fn owner_action(
        &mut self,
        account: &Account,
        call_data: Vec<u8>,
    ) -> Result<CallOutcome, WorldError> {
        if account.kind == AccountKind::Test7579 {
            return Ok(self.chain.call(
                account.owner.address,
                account.address,
                U256::ZERO,
                call_data.into(),
                TX_GAS,
            )?);
        }
        let op = self.owner_op(account, call_data);
        let report = self.submit(op)?;
        let (success, output) = match report.ops.first() {
            Some(OpOutcome::Included {
                success, revert, ..
            }) => (*success, revert.clone().unwrap_or_default()),
            _ => (false, report.outcome.output.clone()),
        };
        Ok(CallOutcome {
            success,
            status: if success {
                CallStatus::Success
            } else {
                CallStatus::Revert
            },
            output,
            gas_used: report.gas_used,
            gas_refunded: report.outcome.gas_refunded,
            logs: report.outcome.logs,
            created: None,
        })
    }

    /// Installs the module on `account` with `init_data` (encoded records, or empty).
    ///
    /// # Errors
    ///
    /// The transaction failing.
    pub fn install_module(
        &mut self,
        account: &Account,
        init_data: Vec<u8>,
    ) -> Result<CallOutcome, WorldError> {
        let call = TestAccount7579::installModuleCall {
            moduleTypeId: U256::from(1),
            module: self.module,
            initData: init_data.into(),
        };
        self.owner_action(account, call.abi_encode())
    }

    /// Uninstalls the module from `account`.
    ///
    /// # Errors
    ///
    /// The devnet refusing the transaction.
    pub fn uninstall_module(&mut self, account: &Account) -> Result<CallOutcome, WorldError> {
        let call = TestAccount7579::uninstallModuleCall {
            moduleTypeId: U256::from(1),
            module: self.module,
            deInitData: Bytes::new(),
        };
        self.owner_action(account, call.abi_encode())
    }

    /// The owner registers a session (an encoded record) through the account.
    ///
    /// # Errors
    ///
    /// The devnet refusing the transaction.
    pub fn register_session(
        &mut self,
        account: &Account,
        record: Vec<u8>,
    ) -> Result<CallOutcome, WorldError> {
        let data = ISessionKeyModule::registerSessionCall {
            record: record.into(),
        }
        .abi_encode();
        self.owner_execute(account, self.module, U256::ZERO, data)
    }

    /// The owner revokes the session of `signer`.
    ///
    /// # Errors
    ///
    /// The devnet refusing the transaction.
    pub fn revoke_session(
        &mut self,
        account: &Account,
        signer: Address,
    ) -> Result<CallOutcome, WorldError> {
        let data = ISessionKeyModule::revokeSessionCall { signer }.abi_encode();
        self.owner_execute(account, self.module, U256::ZERO, data)
    }

    /// The owner revokes every session of the account.
    ///
    /// # Errors
    ///
    /// The devnet refusing the transaction.
    pub fn revoke_all_sessions(&mut self, account: &Account) -> Result<CallOutcome, WorldError> {
        let data = ISessionKeyModule::revokeAllSessionsCall {}.abi_encode();
        self.owner_execute(account, self.module, U256::ZERO, data)
    }

    /// Mints `amount` tokens to `to`.
    ///
    /// # Errors
    ///
    /// The mint failing.
    pub fn mint(&mut self, to: Address, amount: U256) -> Result<(), WorldError> {
        let data = TestToken::mintCall { to, amount }.abi_encode();
        let out = self
            .chain
            .call(self.deployer, self.token, U256::ZERO, data.into(), TX_GAS)?;
        require("mint", &out)
    }

    /// `token.balanceOf(who)`.
    pub fn token_balance(&mut self, who: Address) -> U256 {
        self.view(self.token, TestToken::balanceOfCall { account: who })
    }

    /// `token.allowance(owner, spender)`.
    pub fn allowance(&mut self, owner: Address, spender: Address) -> U256 {
        self.view(self.token, TestToken::allowanceCall { owner, spender })
    }

    /// `counter.count()`.
    pub fn counter_count(&mut self) -> U256 {
        self.view(self.counter, Counter::countCall {})
    }

    /// The module's raw words of a session: `(account, header, spend, paymaster)`.
    pub fn session_words(&mut self, account: Address, signer: Address) -> (B256, B256, B256, B256) {
        let r = self.view(
            self.module,
            ISessionKeyModule::sessionWordsCall { account, signer },
        );
        (r.accountWord, r.header, r.spend, r.paymaster)
    }

    /// The module's raw token-cap word.
    pub fn token_cap_word(&mut self, account: Address, signer: Address, token: Address) -> B256 {
        self.view(
            self.module,
            ISessionKeyModule::tokenCapWordCall {
                account,
                signer,
                token,
            },
        )
    }

    /// `module.isInitialized(account)`.
    pub fn module_installed(&mut self, account: Address) -> bool {
        self.view(
            self.module,
            ISessionKeyModule::isInitializedCall {
                smartAccount: account,
            },
        )
    }

    /// A read-only call that must succeed.
    ///
    /// # Panics
    ///
    /// If the call fails or its output does not decode: views of fixtures never should.
    pub fn view<C: SolCall>(&mut self, to: Address, call: C) -> C::Return {
        let out = self
            .chain
            .static_call(self.deployer, to, call.abi_encode().into())
            .expect("view call runs");
        assert!(
            out.success,
            "view call to {to} failed: {:?} 0x{}",
            out.status,
            hex(&out.output)
        );
        C::abi_decode_returns(&out.output).expect("view output decodes")
    }

    /// EntryPoint's nonce for `sender` under `key`.
    pub fn entry_point_nonce(&mut self, sender: Address, key: U256) -> U256 {
        let key = alloy_primitives::aliases::U192::from(key);
        self.view(
            self.entry_point,
            IEntryPointV07::getNonceCall { sender, key },
        )
    }

    /// The nonce key that routes validation to the module (top 20 bytes of the key).
    pub fn module_nonce_key(&self) -> U256 {
        validator_nonce_key(self.module)
    }

    /// An op from `account` running `call_data` (the account's `execute`), with the next nonce
    /// under `key`, generous gas limits, 0.01 gwei fees and no paymaster; unsigned.
    pub fn op(&mut self, account: &Account, key: U256, call_data: Vec<u8>) -> PackedUserOperation {
        // EntryPoint answers the full nonce: key << 64 | next sequence number.
        let nonce = self.entry_point_nonce(account.address, key);
        PackedUserOperation {
            sender: account.address,
            nonce,
            initCode: Bytes::new(),
            callData: call_data.into(),
            accountGasLimits: pair(1_500_000, 1_000_000),
            preVerificationGas: U256::from(60_000),
            gasFees: pair(0, 10_000_000),
            paymasterAndData: Bytes::new(),
            signature: Bytes::new(),
        }
    }

    /// EntryPoint's own `getUserOpHash(op)`.
    pub fn user_op_hash(&mut self, op: &PackedUserOperation) -> B256 {
        self.view(
            self.entry_point,
            IEntryPointV07::getUserOpHashCall { userOp: op.clone() },
        )
    }

    /// An op signed by session `key`, running `call_data` through the module.
    pub fn session_op(
        &mut self,
        account: &Account,
        key: &SessionKey,
        call_data: Vec<u8>,
    ) -> PackedUserOperation {
        let nonce_key = self.module_nonce_key();
        let mut op = self.op(account, nonce_key, call_data);
        self.sign_session(&mut op, key);
        op
    }

    /// (Re)signs `op` with session `key`.
    pub fn sign_session(&mut self, op: &mut PackedUserOperation, key: &SessionKey) {
        let hash = self.user_op_hash(op);
        op.signature = key.session_signature(hash, self.module).into();
    }

    /// An op of a periodic session signed by `key`, naming cap period `period`:
    /// `signer ‖ period ‖ r ‖ s ‖ v` over `keccak256(userOpHash ‖ module ‖ period)`.
    pub fn periodic_session_op(
        &mut self,
        account: &Account,
        key: &SessionKey,
        call_data: Vec<u8>,
        period: u32,
    ) -> PackedUserOperation {
        let nonce_key = self.module_nonce_key();
        let mut op = self.op(account, nonce_key, call_data);
        let hash = self.user_op_hash(&op);
        let sig = key.sign_digest(keccak256(period_digest_preimage(
            &hash,
            self.module,
            period,
        )));
        op.signature = [key.address.as_slice(), &period.to_be_bytes()[..], &sig[..]]
            .concat()
            .into();
        op
    }

    /// An op running `call_data` through the module, signed by `sign` from the session digest
    /// `keccak256(userOpHash ‖ module)` (for signers other than [`SessionKey`]: P-256 keys,
    /// passkeys).
    pub fn session_op_signed_with(
        &mut self,
        account: &Account,
        call_data: Vec<u8>,
        sign: impl FnOnce(B256) -> Vec<u8>,
    ) -> PackedUserOperation {
        let nonce_key = self.module_nonce_key();
        let mut op = self.op(account, nonce_key, call_data);
        let hash = self.user_op_hash(&op);
        let digest = keccak256(digest_preimage(&hash, self.module));
        op.signature = sign(digest).into();
        op
    }

    /// The owner's signature enabling `record` on `account` in its first op, at the account's
    /// current enable nonce: ERC-7739 `PersonalSign` over the module's EIP-712 digest, as the
    /// OpenZeppelin account's `isValidSignature` checks it.
    pub fn owner_enable_signature(
        &mut self,
        account: &Account,
        record: &SessionRecord,
    ) -> [u8; 65] {
        let (word, ..) = self.session_words(account.address, record.signer);
        let nonce = sessionkey_sdk::enable::current_enable_nonce(&word);
        self.owner_enable_signature_at(account, record, nonce)
    }

    /// [`Self::owner_enable_signature`] for a given enable nonce.
    pub fn owner_enable_signature_at(
        &mut self,
        account: &Account,
        record: &SessionRecord,
        enable_nonce: u64,
    ) -> [u8; 65] {
        let chain_id = self.chain.chain_id();
        let digest = sessionkey_sdk::enable::enable_digest(
            chain_id,
            self.module,
            account.address,
            record,
            enable_nonce,
        );
        account
            .owner
            .sign_digest(sessionkey_sdk::enable::erc7739_personal_sign_digest(
                &oz_account_domain(chain_id, account.address),
                digest,
            ))
    }

    /// A session's first op: `record` and `owner_signature` enable it, and session `key` signs
    /// the op (`signer ‖ r ‖ s ‖ v` without the signer, as an enable signature carries it).
    pub fn enable_session_op(
        &mut self,
        account: &Account,
        key: &SessionKey,
        record: &SessionRecord,
        owner_signature: &[u8],
        call_data: Vec<u8>,
    ) -> PackedUserOperation {
        let nonce_key = self.module_nonce_key();
        let mut op = self.op(account, nonce_key, call_data);
        let hash = self.user_op_hash(&op);
        let session = key.session_signature(hash, self.module);
        op.signature = sessionkey_sdk::enable::enable_signature(record, owner_signature, &session)
            .expect("the key is the record's signer");
        op
    }

    /// An op validated by the account's owner (nonce key 0), signed as its kind expects: the
    /// raw userOpHash (OpenZeppelin's `SignerECDSA`) or its EIP-191 hash (the test account).
    pub fn owner_op(&mut self, account: &Account, call_data: Vec<u8>) -> PackedUserOperation {
        let mut op = self.op(account, OWNER_SIGNS, call_data);
        let hash = self.user_op_hash(&op);
        let digest = match account.kind {
            AccountKind::OpenZeppelin => hash,
            AccountKind::Test7579 => owner_digest(hash),
        };
        op.signature = account.owner.sign_digest(digest).to_vec().into();
        op
    }
}

/// `eth` ether in wei.
fn ether(eth: u64) -> U256 {
    U256::from(eth) * U256::from(10u64).pow(U256::from(18u64))
}

/// Two 16-byte numbers in one word (`accountGasLimits`, `gasFees`).
pub fn pair(hi: u128, lo: u128) -> B256 {
    let mut w = [0u8; 32];
    w[..16].copy_from_slice(&hi.to_be_bytes());
    w[16..].copy_from_slice(&lo.to_be_bytes());
    B256::from(w)
}

pub(crate) fn require(what: &'static str, out: &CallOutcome) -> Result<(), WorldError> {
    if out.success {
        Ok(())
    } else {
        Err(WorldError::Failed {
            what,
            outcome: Box::new(out.clone()),
        })
    }
}

/// The EIP-712 domain of the devnet's OpenZeppelin account (`OzAccount7579.sol`).
pub fn oz_account_domain(chain_id: u64, account: Address) -> alloy_sol_types::Eip712Domain {
    alloy_sol_types::eip712_domain! {
        name: "OzAccount7579",
        version: "1",
        chain_id: chain_id,
        verifying_contract: account,
    }
}

/// The same op as the SDK's type (both are the EntryPoint v0.7 struct, generated apart).
pub fn sdk_op(op: &PackedUserOperation) -> sessionkey_sdk::PackedUserOperation {
    sessionkey_sdk::PackedUserOperation {
        sender: op.sender,
        nonce: op.nonce,
        initCode: op.initCode.clone(),
        callData: op.callData.clone(),
        accountGasLimits: op.accountGasLimits,
        preVerificationGas: op.preVerificationGas,
        gasFees: op.gasFees,
        paymasterAndData: op.paymasterAndData.clone(),
        signature: op.signature.clone(),
    }
}
