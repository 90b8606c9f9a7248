//! The node's chain: the bundler crate's [`World`] (devnet + EntryPoint v0.7 + the activated
//! module), the funded developer accounts, the block history and the user operations seen.
//! One thread owns it ([`crate::actor`]); every method here runs on that thread.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, U256};
use devnet_bundler::{Account, EntryPointVersion, SessionKey, World, WorldError};

use crate::accounts::{dev_accounts, dev_balance, DevAccount};
use crate::blocks::{BlockEnv, BlockStore, SealedBlock};
use crate::config::NodeConfig;
use crate::error::NodeError;
use crate::user_ops::UserOpRecord;

/// Private-key byte of the bundler's EOA (key = 32 bytes of it), which signs the `handleOps`
/// transactions the node mines for user operations.
const BUNDLER_SEED: u8 = 0xB5;

/// Ether the demo account starts with.
const DEMO_ACCOUNT_ETH: u64 = 100;

/// Why the chain could not be set up.
#[derive(Debug)]
pub struct SetupError(pub String);

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "setting up the chain: {}", self.0)
    }
}

impl std::error::Error for SetupError {}

impl From<WorldError> for SetupError {
    fn from(e: WorldError) -> Self {
        Self(e.to_string())
    }
}

/// Addresses and keys a client needs, fixed at start.
#[derive(Clone, Debug)]
pub struct ChainInfo {
    /// The chain id.
    pub chain_id: u64,
    /// The canonical EntryPoint v0.7 (the demo account's).
    pub entry_point: Address,
    /// The canonical EntryPoint v0.8 (served by the bundler methods too).
    pub entry_point_v08: Address,
    /// The activated session-key module.
    pub module: Address,
    /// A `TestAccount7579` owned by dev account 1, the module installed (no session yet).
    pub demo_account: Address,
    /// A TestToken (18 decimals).
    pub token: Address,
    /// A Counter.
    pub counter: Address,
    /// The bundler's EOA (signs the `handleOps` transactions).
    pub bundler: Address,
    /// The funded developer accounts.
    pub dev_accounts: Vec<DevAccount>,
}

/// The chain behind the RPC.
pub struct NodeState {
    /// EntryPoint, module, token, counter on the devnet.
    pub world: World,
    /// Blocks, transactions, receipts.
    pub store: BlockStore,
    /// User operations by hash.
    pub user_ops: HashMap<B256, UserOpRecord>,
    /// The bundler's key.
    pub bundler: DevAccount,
    /// Whether every transaction is sealed in a block of its own.
    pub automine: bool,
    /// What clients are told at start.
    pub info: ChainInfo,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl NodeState {
    /// Deploys the world (EntryPoint v0.7 at its canonical address, the module activated, a
    /// token, a counter, a demo ERC-7579 account with the module installed), funds the
    /// developer accounts and seals genesis (block 0) at the current time.
    ///
    /// # Errors
    ///
    /// Fixtures missing (run `scripts/fetch-fixtures.sh`) or a deployment failing.
    pub fn new(config: &NodeConfig) -> Result<Self, SetupError> {
        let mut world = World::new()?;
        let bundler = DevAccount::deterministic(BUNDLER_SEED);
        world.bundler = bundler.address;
        world.chain.fund(bundler.address, dev_balance());
        let accounts = dev_accounts();
        for account in &accounts {
            world.chain.fund(account.address, dev_balance());
        }
        let owner = SessionKey::from_seed(1);
        // This repository's TestAccount7579: its owner may also call it directly, so a plain
        // signed transaction can register a session.
        let demo: Account = world.create_test_account(owner, DEMO_ACCOUNT_ETH)?;
        let installed = world.install_module(&demo, Vec::new())?;
        if !installed.success {
            return Err(SetupError(
                "installing the module on the demo account".into(),
            ));
        }
        // The dev accounts hold exactly their balance (the setup funds the owner again).
        for account in &accounts {
            world.chain.set_balance(account.address, dev_balance());
        }
        world.chain.set_base_fee(config.base_fee);
        let info = ChainInfo {
            chain_id: world.chain.chain_id(),
            entry_point: world.entry_point,
            entry_point_v08: EntryPointVersion::V08.address(),
            module: world.module,
            demo_account: demo.address,
            token: world.token,
            counter: world.counter,
            bundler: bundler.address,
            dev_accounts: accounts,
        };
        let mut state = Self {
            world,
            store: BlockStore::default(),
            user_ops: HashMap::new(),
            bundler,
            automine: config.block_time.is_none(),
            info,
        };
        // Everything above is genesis state.
        state.world.chain.set_block_number(0);
        state.world.chain.set_block_timestamp(now());
        state.seal();
        Ok(state)
    }

    /// The pending block's parameters.
    pub fn pending_env(&self) -> BlockEnv {
        let chain = &self.world.chain;
        BlockEnv {
            number: chain.block_number(),
            timestamp: chain.block_timestamp(),
            base_fee: chain.base_fee(),
            gas_limit: chain.config().block_gas_limit,
            beneficiary: chain.config().coinbase,
        }
    }

    /// Seals the pending block and opens the next one (never earlier than the clock).
    pub fn seal(&mut self) -> &SealedBlock {
        let env = self.pending_env();
        let chain = &mut self.world.chain;
        chain.set_block_number(env.number + 1);
        chain.set_block_timestamp(env.timestamp.max(now()));
        self.store.seal(&env)
    }

    /// After a transaction: seals its block when automining.
    pub fn after_transaction(&mut self) {
        if self.automine {
            self.seal();
        }
    }

    /// The latest sealed block's number.
    pub fn latest_number(&self) -> u64 {
        self.store.latest_number()
    }

    /// The sealed block a block id names (`pending` reads as `latest`).
    pub fn block(&self, id: BlockId) -> Option<&SealedBlock> {
        match id {
            BlockId::Hash(hash) => self.store.by_hash(hash.block_hash),
            BlockId::Number(tag) => self.store.by_number(self.tag_number(tag)),
        }
    }

    /// The number a block tag stands for (`pending`, `safe`, `finalized`: the latest).
    pub fn tag_number(&self, tag: BlockNumberOrTag) -> u64 {
        match tag {
            BlockNumberOrTag::Number(n) => n,
            BlockNumberOrTag::Earliest => 0,
            _ => self.latest_number(),
        }
    }

    /// Checks that `id` names the current state: the node keeps no past state.
    ///
    /// # Errors
    ///
    /// [`NodeError::Unavailable`] for an earlier block, [`NodeError::InvalidParams`] for a
    /// block that does not exist.
    pub fn require_current(&self, id: Option<BlockId>) -> Result<(), NodeError> {
        let latest = self.latest_number();
        let number = match id.unwrap_or_default() {
            BlockId::Number(BlockNumberOrTag::Pending) => return Ok(()),
            BlockId::Number(tag) => self.tag_number(tag),
            BlockId::Hash(hash) => match self.store.by_hash(hash.block_hash) {
                Some(block) => block.header.number,
                None => {
                    return Err(NodeError::InvalidParams(format!(
                        "unknown block hash {}",
                        hash.block_hash
                    )))
                }
            },
        };
        match number.cmp(&latest) {
            std::cmp::Ordering::Equal => Ok(()),
            std::cmp::Ordering::Less => Err(NodeError::Unavailable(format!(
                "historical state is not kept: block {number} is before the latest ({latest})"
            ))),
            std::cmp::Ordering::Greater => Err(NodeError::InvalidParams(format!(
                "block {number} does not exist yet (latest {latest})"
            ))),
        }
    }

    /// `address`'s balance now.
    pub fn balance(&self, address: Address) -> U256 {
        self.world.chain.balance(address)
    }

    /// `address`'s nonce now.
    pub fn nonce(&self, address: Address) -> u64 {
        self.world.chain.nonce(address)
    }
}
