//! The chain: accounts, deployment, activation, transactions, blocks, snapshots.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use alloy_primitives::{keccak256, Address, Bytes, TxKind, B256, U256};
use revm::bytecode::Bytecode;
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::context_interface::transaction::{AccessList, AccessListItem};
use revm::context_interface::JournalTr;
use revm::database::{CacheDB, EmptyDB};
use revm::database_interface::{DatabaseCommit, DatabaseRef};
use revm::state::AccountInfo;

use crate::activation::{activate_code, ActivationInfo, Program};
use crate::config::DevnetConfig;
use crate::error::DevnetError;
use crate::evm_bridge::{run_transaction, DevContext, DevDb, DevEvm, SPEC};
use crate::outcome::CallOutcome;
use crate::state::{RecentPrograms, StylusState, TxState};
use crate::tracer::{TraceRecorder, ValidationTrace};

/// Gas limit [`Devnet::deploy_evm`] and friends give deployment transactions.
pub const DEPLOY_GAS: u64 = 30_000_000;

/// A transaction as a JSON-RPC node hands it over ([`Devnet::send`], [`Devnet::simulate_tx`]):
/// the sender already recovered from the signature, the nonce already checked by the node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TxRequest {
    /// The sender.
    pub from: Address,
    /// `Call(to)` or `Create`.
    pub kind: TxKind,
    /// Wei sent along.
    pub value: U256,
    /// Calldata, or init code for a create.
    pub data: Bytes,
    /// The gas limit (intrinsic gas included).
    pub gas_limit: u64,
    /// EIP-2930 access list: each address with its storage keys, warm from the start.
    pub access_list: Vec<(Address, Vec<B256>)>,
}

/// An in-process Arbitrum-like chain.
///
/// EVM bytecode runs in revm (Prague rules, Ethereum precompiles plus RIP-7212 `P256VERIFY` at
/// `0x100`); contracts whose code starts `EF F0 00` run as Stylus programs once
/// [activated](Self::activate). Every [`call`](Self::call) is a committed transaction;
/// [`simulate`](Self::simulate) runs one without keeping its effects.
///
/// A `Devnet` is not `Send` (revm's shared EVM memory is reference-counted): create one per
/// thread, or per test.
///
/// ```
/// use stylus_devnet::{Devnet, U256, Address};
/// let mut chain = Devnet::new();
/// let alice = Address::repeat_byte(0xA1);
/// chain.fund(alice, U256::from(10u64));
/// assert_eq!(chain.balance(alice), U256::from(10u64));
/// ```
pub struct Devnet {
    evm: DevEvm,
    config: DevnetConfig,
}

/// A saved state to return to with [`Devnet::revert_to`].
#[derive(Clone)]
pub struct Snapshot {
    db: DevDb,
    programs: HashMap<B256, Arc<Program>>,
    cached: HashSet<B256>,
    recent: RecentPrograms,
    block: BlockEnv,
}

impl Default for Devnet {
    fn default() -> Self {
        Self::new()
    }
}

impl Devnet {
    /// A chain with the default [`DevnetConfig`] (chain id 412346, base fee 0).
    pub fn new() -> Self {
        Self::with_config(DevnetConfig::default())
    }

    /// A chain with `config`.
    pub fn with_config(config: DevnetConfig) -> Self {
        let mut cfg = CfgEnv::new_with_spec(SPEC);
        cfg.chain_id = config.chain_id;
        // Re-applied for everything but `EF F0 00` code by `DevEvm` (see `evm_bridge`).
        cfg.disable_eip3541 = true;
        let block = BlockEnv {
            number: U256::from(config.block_number),
            beneficiary: config.coinbase,
            timestamp: U256::from(config.timestamp),
            gas_limit: config.block_gas_limit,
            basefee: config.base_fee,
            ..BlockEnv::default()
        };
        let chain = StylusState {
            arbos_version: config.arbos_version,
            ..StylusState::default()
        };
        let ctx: DevContext = Context::<BlockEnv, TxEnv, CfgEnv, DevDb, _, ()>::new(
            CacheDB::new(EmptyDB::new()),
            SPEC,
        )
        .with_cfg(cfg)
        .with_block(block)
        .with_chain(chain);
        Self {
            evm: DevEvm::new(ctx),
            config,
        }
    }

    /// The chain's parameters.
    pub fn config(&self) -> &DevnetConfig {
        &self.config
    }

    /// `block.chainid`.
    pub fn chain_id(&self) -> u64 {
        self.config.chain_id
    }

    fn db(&self) -> &DevDb {
        &self.evm.ctx_ref().journaled_state.database
    }

    fn db_mut(&mut self) -> &mut DevDb {
        &mut self.evm.ctx_mut().journaled_state.database
    }

    fn account_info(&self, address: Address) -> AccountInfo {
        self.db()
            .basic_ref(address)
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    fn update_account(&mut self, address: Address, update: impl FnOnce(&mut AccountInfo)) {
        let mut info = self.account_info(address);
        if info.code.is_none() && info.code_hash != revm::primitives::KECCAK_EMPTY {
            info.code = self.db().code_by_hash_ref(info.code_hash).ok();
        }
        update(&mut info);
        self.db_mut().insert_account_info(address, info);
    }

    // ---- accounts ----

    /// Adds `amount` wei to `address`'s balance.
    pub fn fund(&mut self, address: Address, amount: U256) {
        self.update_account(address, |info| {
            info.balance = info.balance.saturating_add(amount);
        });
    }

    /// Sets `address`'s balance.
    pub fn set_balance(&mut self, address: Address, balance: U256) {
        self.update_account(address, |info| info.balance = balance);
    }

    /// `address`'s balance.
    pub fn balance(&self, address: Address) -> U256 {
        self.account_info(address).balance
    }

    /// `address`'s nonce.
    pub fn nonce(&self, address: Address) -> u64 {
        self.account_info(address).nonce
    }

    /// `address`'s code (for Stylus programs, the deployed `EF F0 00 ‖ …` bytes).
    pub fn code(&self, address: Address) -> Bytes {
        let info = self.account_info(address);
        let code = match info.code {
            Some(code) => code,
            None => self
                .db()
                .code_by_hash_ref(info.code_hash)
                .unwrap_or_default(),
        };
        code.original_bytes()
    }

    /// Places `code` at `address` without running a constructor (fixtures; precompile mocks).
    /// `EF F0 00` code placed this way still needs [`activate`](Self::activate).
    pub fn set_code(&mut self, address: Address, code: Bytes) {
        let bytecode = Bytecode::new_raw(code);
        self.update_account(address, |info| {
            info.code_hash = bytecode.hash_slow();
            info.code = Some(bytecode);
        });
    }

    /// Storage slot `slot` of `address`.
    pub fn storage(&self, address: Address, slot: U256) -> U256 {
        self.db().storage_ref(address, slot).unwrap_or_default()
    }

    /// Sets storage slot `slot` of `address`.
    pub fn set_storage(&mut self, address: Address, slot: U256, value: U256) {
        // The account must exist in the cache before its storage can be set.
        self.update_account(address, |_| {});
        let _ = self.db_mut().insert_account_storage(address, slot, value);
    }

    // ---- blocks ----

    /// `block.timestamp`.
    pub fn block_timestamp(&self) -> u64 {
        self.evm.ctx_ref().block.timestamp.saturating_to()
    }

    /// Sets `block.timestamp` for the following transactions.
    pub fn set_block_timestamp(&mut self, timestamp: u64) {
        self.evm.ctx_mut().block.timestamp = U256::from(timestamp);
    }

    /// `block.number`.
    pub fn block_number(&self) -> u64 {
        self.evm.ctx_ref().block.number.saturating_to()
    }

    /// Sets `block.number` for the following transactions.
    pub fn set_block_number(&mut self, number: u64) {
        self.evm.ctx_mut().block.number = U256::from(number);
    }

    /// Moves to the next block, `seconds` later.
    pub fn advance_block(&mut self, seconds: u64) {
        let (number, timestamp) = (self.block_number(), self.block_timestamp());
        self.set_block_number(number + 1);
        self.set_block_timestamp(timestamp + seconds);
    }

    // ---- snapshots ----

    /// Saves accounts, storage, activations, the program cache, the block's recent programs
    /// and the block.
    pub fn snapshot(&self) -> Snapshot {
        let ctx = self.evm.ctx_ref();
        Snapshot {
            db: ctx.journaled_state.database.clone(),
            programs: ctx.chain.programs.clone(),
            cached: ctx.chain.cached.clone(),
            recent: ctx.chain.recent.clone(),
            block: ctx.block.clone(),
        }
    }

    /// Returns to a saved state.
    pub fn revert_to(&mut self, snapshot: &Snapshot) {
        let ctx = self.evm.ctx_mut();
        ctx.journaled_state.database = snapshot.db.clone();
        ctx.chain.programs = snapshot.programs.clone();
        ctx.chain.cached = snapshot.cached.clone();
        ctx.chain.recent = snapshot.recent.clone();
        ctx.block = snapshot.block.clone();
    }

    // ---- tracing ----

    /// Starts recording a [`ValidationTrace`] of the following transactions and simulations
    /// (replacing any trace in progress).
    pub fn start_trace(&mut self) {
        self.evm.ctx_mut().chain.tracer = Some(TraceRecorder::default());
    }

    /// Stops recording and returns what was recorded (empty if tracing was off).
    pub fn take_trace(&mut self) -> ValidationTrace {
        self.evm
            .ctx_mut()
            .chain
            .tracer
            .take()
            .map(TraceRecorder::finish)
            .unwrap_or_default()
    }

    // ---- deployment and activation ----

    /// Deploys EVM `initcode` from `deployer` in a CREATE transaction; returns the new address.
    ///
    /// # Errors
    ///
    /// [`DevnetError::DeploymentFailed`] when the constructor reverts or halts (including
    /// EIP-3541's rejection of `0xEF` code other than Stylus's `EF F0 00`),
    /// [`DevnetError::InvalidTransaction`] when revm refuses the transaction.
    pub fn deploy_evm(
        &mut self,
        deployer: Address,
        initcode: Bytes,
    ) -> Result<Address, DevnetError> {
        let outcome = self.transact(
            deployer,
            TxKind::Create,
            U256::ZERO,
            initcode,
            DEPLOY_GAS,
            true,
        )?;
        match outcome.created {
            Some(address) if outcome.success => Ok(address),
            _ => Err(DevnetError::DeploymentFailed {
                deployer,
                reason: format!("{:?} (output 0x{})", outcome.status, hex(&outcome.output)),
            }),
        }
    }

    /// Deploys Stylus `deployable_code` (`EF F0 00 ‖ 00 ‖ brotli(wasm)`, e.g. from
    /// `stylus_check::deployable_code`) through a CREATE transaction whose init code returns it,
    /// as cargo-stylus does. The program is **not** activated: calls revert until
    /// [`activate`](Self::activate).
    ///
    /// # Errors
    ///
    /// As [`deploy_evm`](Self::deploy_evm).
    pub fn deploy_stylus(
        &mut self,
        deployer: Address,
        deployable_code: &[u8],
    ) -> Result<Address, DevnetError> {
        self.deploy_evm(
            deployer,
            stylus_check::returning_initcode(deployable_code).into(),
        )
    }

    /// Deploys and activates a WASM module in one go.
    ///
    /// # Errors
    ///
    /// As [`deploy_stylus`](Self::deploy_stylus) and [`activate`](Self::activate).
    pub fn deploy_wasm(&mut self, deployer: Address, wasm: &[u8]) -> Result<Address, DevnetError> {
        let address = self.deploy_stylus(deployer, &stylus_check::deployable_code(wasm))?;
        self.activate(address)?;
        Ok(address)
    }

    /// Activates the Stylus program at `address` (what `ArbWasm.activateProgram` does):
    /// decompresses its code, checks every activation rule, adds the ink meter and compiles it.
    /// Activation is per code hash and free of charge on the devnet.
    ///
    /// # Errors
    ///
    /// [`DevnetError::NoCode`], [`DevnetError::Activation`] with the violated rule,
    /// [`DevnetError::AlreadyActivated`], [`DevnetError::Instrumentation`].
    pub fn activate(&mut self, address: Address) -> Result<ActivationInfo, DevnetError> {
        let code = self.code(address);
        if code.is_empty() {
            return Err(DevnetError::NoCode { address });
        }
        let code_hash = keccak256(&code);
        if self.evm.ctx_ref().chain.programs.contains_key(&code_hash) {
            return Err(DevnetError::AlreadyActivated { address, code_hash });
        }
        let program = activate_code(address, &code)?;
        let info = program.info.clone();
        self.evm
            .ctx_mut()
            .chain
            .programs
            .insert(code_hash, Arc::new(program));
        Ok(info)
    }

    /// Places the program at `address` in the program cache, as `ArbWasmCache.cacheProgram`
    /// does for a cache manager (e.g. after a winning `cargo stylus cache bid`): every later call
    /// pays only the cached entry cost. Free on the devnet (Nitro burns `initCost` gas).
    ///
    /// # Errors
    ///
    /// [`DevnetError::NotActivated`] when the code there is not an activated program.
    pub fn cache_program(&mut self, address: Address) -> Result<(), DevnetError> {
        let code_hash = self.activated_code_hash(address)?;
        self.evm.ctx_mut().chain.cached.insert(code_hash);
        Ok(())
    }

    /// Removes the program at `address` from the cache (`ArbWasmCache.evictCodehash`).
    ///
    /// # Errors
    ///
    /// [`DevnetError::NotActivated`] when the code there is not an activated program.
    pub fn evict_program(&mut self, address: Address) -> Result<(), DevnetError> {
        let code_hash = self.activated_code_hash(address)?;
        self.evm.ctx_mut().chain.cached.remove(&code_hash);
        Ok(())
    }

    /// `block.basefee` (wei) for the following blocks: the gas price every transaction pays
    /// (as on Arbitrum, where the priority fee is not paid).
    pub fn set_base_fee(&mut self, wei: u64) {
        self.config.base_fee = wei;
        self.evm.ctx_mut().block.basefee = wei;
    }

    /// `block.basefee`.
    pub fn base_fee(&self) -> u64 {
        self.config.base_fee
    }

    /// Sets `address`'s nonce (eth_call state overrides).
    pub fn set_nonce(&mut self, address: Address, nonce: u64) {
        self.update_account(address, |info| info.nonce = nonce);
    }

    /// Replaces all of `address`'s storage with `slots` (eth_call's `state` override).
    pub fn replace_storage(&mut self, address: Address, slots: &[(U256, U256)]) {
        self.update_account(address, |_| {});
        let storage = slots.iter().copied().collect();
        let _ = self.db_mut().replace_account_storage(address, storage);
    }

    /// Switches the ArbOS version whose Stylus pricing applies (see
    /// [`DevnetConfig::arbos_version`]).
    pub fn set_arbos_version(&mut self, version: u64) {
        self.config.arbos_version = version;
        self.evm.ctx_mut().chain.arbos_version = version;
    }

    /// Whether the program at `address` is in the program cache.
    pub fn is_cached(&self, address: Address) -> bool {
        let code_hash = keccak256(self.code(address));
        self.evm.ctx_ref().chain.cached.contains(&code_hash)
    }

    /// What activation computed for the program at `address` (entry costs included).
    pub fn program_info(&self, address: Address) -> Option<ActivationInfo> {
        let code_hash = keccak256(self.code(address));
        let programs = &self.evm.ctx_ref().chain.programs;
        programs.get(&code_hash).map(|program| program.info.clone())
    }

    fn activated_code_hash(&self, address: Address) -> Result<B256, DevnetError> {
        let code_hash = keccak256(self.code(address));
        if self.evm.ctx_ref().chain.programs.contains_key(&code_hash) {
            Ok(code_hash)
        } else {
            Err(DevnetError::NotActivated { address })
        }
    }

    /// Whether the code at `address` is an activated Stylus program.
    pub fn is_activated(&self, address: Address) -> bool {
        let code_hash = keccak256(self.code(address));
        self.evm.ctx_ref().chain.programs.contains_key(&code_hash)
    }

    // ---- transactions ----

    /// Sends a transaction from `from` to `to` and commits its effects.
    ///
    /// # Errors
    ///
    /// [`DevnetError::InvalidTransaction`] when revm refuses it before execution (e.g. the
    /// sender cannot pay `value`). Reverts and halts are outcomes, not errors.
    pub fn call(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        data: Bytes,
        gas_limit: u64,
    ) -> Result<CallOutcome, DevnetError> {
        self.transact(from, TxKind::Call(to), value, data, gas_limit, true)
    }

    /// Runs a call like [`call`](Self::call) but discards its effects (`eth_call`). The
    /// sender's nonce is not consumed.
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call).
    pub fn simulate(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        data: Bytes,
        gas_limit: u64,
    ) -> Result<CallOutcome, DevnetError> {
        self.transact(from, TxKind::Call(to), value, data, gas_limit, false)
    }

    /// A read-only query: [`simulate`](Self::simulate) with no value and a generous gas limit.
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call).
    pub fn static_call(
        &mut self,
        from: Address,
        to: Address,
        data: Bytes,
    ) -> Result<CallOutcome, DevnetError> {
        self.simulate(from, to, U256::ZERO, data, DEPLOY_GAS)
    }

    /// Executes a node's transaction and commits it: the sender pays the chain's base fee per
    /// gas (Arbitrum's effective gas price), `gas_limit × base fee + value` must be covered up
    /// front, intrinsic gas (calldata, create, access list) is charged, the nonce increments.
    ///
    /// # Errors
    ///
    /// [`DevnetError::InvalidTransaction`] when revm refuses it (funds, gas below intrinsic,
    /// above the block gas limit); nothing changes then.
    pub fn send(&mut self, tx: &TxRequest) -> Result<CallOutcome, DevnetError> {
        self.transact_request(tx, u128::from(self.config.base_fee), true)
    }

    /// Runs a node's transaction without keeping its effects, as geth's `eth_call` and
    /// `eth_estimateGas` do when no gas price is given: gas price 0 with `BASEFEE` reading 0,
    /// and a sender with code allowed (EIP-3607 skipped), so any address may call — a bundler
    /// simulates an account's execution from EntryPoint this way. The sender's nonce is not
    /// consumed.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub fn simulate_tx(&mut self, tx: &TxRequest) -> Result<CallOutcome, DevnetError> {
        let ctx = self.evm.ctx_mut();
        let base_fee = std::mem::take(&mut ctx.block.basefee);
        ctx.cfg.disable_eip3607 = true;
        let outcome = self.transact_request(tx, 0, false);
        let ctx = self.evm.ctx_mut();
        ctx.block.basefee = base_fee;
        ctx.cfg.disable_eip3607 = false;
        outcome
    }

    fn transact_request(
        &mut self,
        tx: &TxRequest,
        gas_price: u128,
        commit: bool,
    ) -> Result<CallOutcome, DevnetError> {
        let access_list = AccessList(
            tx.access_list
                .iter()
                .map(|(address, storage_keys)| AccessListItem {
                    address: *address,
                    storage_keys: storage_keys.clone(),
                })
                .collect(),
        );
        let mut env = TxEnv {
            caller: tx.from,
            kind: tx.kind,
            value: tx.value,
            data: tx.data.clone(),
            gas_limit: tx.gas_limit,
            gas_price,
            nonce: self.nonce(tx.from),
            chain_id: Some(self.config.chain_id),
            access_list,
            ..TxEnv::default()
        };
        // Legacy unless there is an access list (then EIP-2930, whose intrinsic gas counts it);
        // the fee is always a plain gas price here, so never EIP-1559.
        env.derive_tx_type()
            .map_err(|e| DevnetError::InvalidTransaction {
                reason: format!("{e:?}"),
            })?;
        self.run(env, commit)
    }

    fn transact(
        &mut self,
        from: Address,
        kind: TxKind,
        value: U256,
        data: Bytes,
        gas_limit: u64,
        commit: bool,
    ) -> Result<CallOutcome, DevnetError> {
        let tx = TxEnv {
            caller: from,
            kind,
            value,
            data,
            gas_limit,
            gas_price: u128::from(self.config.base_fee),
            nonce: self.nonce(from),
            chain_id: Some(self.config.chain_id),
            ..TxEnv::default()
        };
        self.run(tx, commit)
    }

    fn run(&mut self, tx: TxEnv, commit: bool) -> Result<CallOutcome, DevnetError> {
        let ctx = self.evm.ctx_mut();
        ctx.tx = tx;
        ctx.chain.tx = TxState::default();
        // A simulation (eth_call) runs on a copy of the state: the block's recent programs
        // stay as they were.
        let recent = (!commit).then(|| ctx.chain.recent.clone());
        // ArbWasm.activateProgram (0x71) adds to the program table, which revm does not
        // journal: keep the table as it was unless the transaction commits and succeeds.
        let programs = ctx.chain.programs.clone();
        let result = run_transaction(&mut self.evm);
        if let Some(recent) = recent {
            self.evm.ctx_mut().chain.recent = recent;
        }
        let succeeded = matches!(result, Ok(ref r) if r.is_success());
        if !(commit && succeeded) {
            self.evm.ctx_mut().chain.programs = programs;
        }
        let state = self.evm.ctx_mut().journaled_state.finalize();
        let result = result.map_err(|error| DevnetError::InvalidTransaction {
            reason: error.to_string(),
        })?;
        if commit {
            self.db_mut().commit(state);
        }
        Ok(CallOutcome::from(result))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
