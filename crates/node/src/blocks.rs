//! The node's history: sealed blocks, every transaction with its receipt, and the pending
//! block being filled. The devnet keeps only the current state; this is what the RPC reads
//! for blocks, transactions, receipts and logs.

use std::collections::HashMap;

use alloy_consensus::proofs::{calculate_receipt_root, calculate_transaction_root};
use alloy_consensus::transaction::Recovered;
use alloy_consensus::{
    Eip658Value, Header, Receipt, ReceiptEnvelope, ReceiptWithBloom, Transaction, TxEnvelope,
};
use alloy_primitives::{Address, Bloom, Log, B256};
use alloy_rpc_types_eth as rpc;
use alloy_rpc_types_eth::{BlockTransactions, TransactionReceipt};
use stylus_devnet::CallOutcome;

/// A transaction the node executed, with what it did.
#[derive(Clone, Debug)]
pub struct TxRecord {
    /// The signed transaction and its sender.
    pub tx: Recovered<TxEnvelope>,
    /// Whether it succeeded.
    pub success: bool,
    /// Gas it used.
    pub gas_used: u64,
    /// Gas used by the block up to and including it.
    pub cumulative_gas_used: u64,
    /// Its logs.
    pub logs: Vec<Log>,
    /// The contract it created.
    pub contract_address: Option<Address>,
    /// The gas price it paid (the base fee).
    pub effective_gas_price: u128,
    /// Its block's number.
    pub block_number: u64,
    /// Its index in the block.
    pub index: u64,
    /// Index of its first log in the block.
    pub first_log_index: u64,
    /// Its block's hash, once sealed.
    pub block_hash: Option<B256>,
    /// Its block's timestamp.
    pub block_timestamp: u64,
}

impl TxRecord {
    /// The transaction hash.
    pub fn hash(&self) -> B256 {
        *self.tx.inner().tx_hash()
    }

    fn consensus_receipt(&self) -> ReceiptEnvelope<Log> {
        let receipt = Receipt {
            status: Eip658Value::Eip658(self.success),
            cumulative_gas_used: self.cumulative_gas_used,
            logs: self.logs.clone(),
        };
        ReceiptEnvelope::from_typed(self.tx.inner().tx_type(), receipt.with_bloom())
    }

    /// The logs as the RPC shows them (block, transaction and log index filled in).
    pub fn rpc_logs(&self) -> Vec<rpc::Log> {
        self.logs
            .iter()
            .enumerate()
            .map(|(i, log)| rpc::Log {
                inner: log.clone(),
                block_hash: self.block_hash,
                block_number: Some(self.block_number),
                block_timestamp: Some(self.block_timestamp),
                transaction_hash: Some(self.hash()),
                transaction_index: Some(self.index),
                log_index: Some(self.first_log_index + i as u64),
                removed: false,
            })
            .collect()
    }

    /// `eth_getTransactionReceipt`'s answer.
    pub fn rpc_receipt(&self) -> TransactionReceipt {
        let logs = self.rpc_logs();
        let bloom = self.consensus_receipt().logs_bloom().to_owned();
        let receipt = Receipt {
            status: Eip658Value::Eip658(self.success),
            cumulative_gas_used: self.cumulative_gas_used,
            logs,
        };
        let inner = ReceiptEnvelope::from_typed(
            self.tx.inner().tx_type(),
            ReceiptWithBloom::new(receipt, bloom),
        );
        TransactionReceipt {
            inner,
            transaction_hash: self.hash(),
            transaction_index: Some(self.index),
            block_hash: self.block_hash,
            block_number: Some(self.block_number),
            gas_used: self.gas_used,
            effective_gas_price: self.effective_gas_price,
            blob_gas_used: None,
            blob_gas_price: None,
            from: self.tx.signer(),
            to: self.tx.inner().to(),
            contract_address: self.contract_address,
        }
    }

    /// `eth_getTransactionByHash`'s answer (no block fields while its block is pending).
    pub fn rpc_transaction(&self) -> rpc::Transaction {
        let sealed = self.block_hash.is_some();
        rpc::Transaction {
            inner: self.tx.clone(),
            block_hash: self.block_hash,
            block_number: sealed.then_some(self.block_number),
            transaction_index: sealed.then_some(self.index),
            effective_gas_price: Some(self.effective_gas_price),
        }
    }
}

/// A sealed block.
#[derive(Clone, Debug)]
pub struct SealedBlock {
    /// Its header.
    pub header: Header,
    /// `keccak256(rlp(header))`.
    pub hash: B256,
    /// Its transactions' hashes, in order.
    pub transactions: Vec<B256>,
}

/// Sealed blocks, transactions by hash, and the pending block's transactions.
#[derive(Debug, Default)]
pub struct BlockStore {
    blocks: Vec<SealedBlock>,
    by_hash: HashMap<B256, u64>,
    txs: HashMap<B256, TxRecord>,
    pending: Vec<B256>,
}

/// What the pending block is: its number, timestamp and the chain's fixed parameters.
#[derive(Clone, Copy, Debug)]
pub struct BlockEnv {
    /// Its number.
    pub number: u64,
    /// Its timestamp.
    pub timestamp: u64,
    /// Its base fee (wei).
    pub base_fee: u64,
    /// Its gas limit.
    pub gas_limit: u64,
    /// Its coinbase.
    pub beneficiary: Address,
}

impl BlockStore {
    /// The latest sealed block (genesis once [`seal`](Self::seal) has run once).
    pub fn latest(&self) -> Option<&SealedBlock> {
        self.blocks.last()
    }

    /// The latest sealed block's number.
    pub fn latest_number(&self) -> u64 {
        self.latest().map_or(0, |b| b.header.number)
    }

    /// The block numbered `number`.
    pub fn by_number(&self, number: u64) -> Option<&SealedBlock> {
        let first = self.blocks.first()?.header.number;
        let index = number.checked_sub(first)?;
        self.blocks.get(usize::try_from(index).ok()?)
    }

    /// The block whose hash is `hash`.
    pub fn by_hash(&self, hash: B256) -> Option<&SealedBlock> {
        self.by_hash.get(&hash).and_then(|n| self.by_number(*n))
    }

    /// The transaction whose hash is `hash`, sealed or pending.
    pub fn transaction(&self, hash: B256) -> Option<&TxRecord> {
        self.txs.get(&hash)
    }

    /// Whether the pending block holds transactions.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Adds a transaction, executed with `outcome`, to the pending block described by `env`.
    pub fn push(
        &mut self,
        env: &BlockEnv,
        tx: Recovered<TxEnvelope>,
        outcome: CallOutcome,
    ) -> B256 {
        let (cumulative, first_log) =
            self.pending
                .last()
                .and_then(|h| self.txs.get(h))
                .map_or((0, 0), |last| {
                    (
                        last.cumulative_gas_used,
                        last.first_log_index + last.logs.len() as u64,
                    )
                });
        let record = TxRecord {
            tx,
            success: outcome.success,
            gas_used: outcome.gas_used,
            cumulative_gas_used: cumulative + outcome.gas_used,
            logs: outcome.logs,
            contract_address: outcome.created,
            effective_gas_price: u128::from(env.base_fee),
            block_number: env.number,
            index: self.pending.len() as u64,
            first_log_index: first_log,
            block_hash: None,
            block_timestamp: env.timestamp,
        };
        let hash = record.hash();
        self.pending.push(hash);
        self.txs.insert(hash, record);
        hash
    }

    /// Seals the pending block described by `env`: computes its header (transactions and
    /// receipts roots, bloom, gas used) and hash, and stamps its transactions with it.
    pub fn seal(&mut self, env: &BlockEnv) -> &SealedBlock {
        let records: Vec<&TxRecord> = self.pending.iter().map(|h| &self.txs[h]).collect();
        let envelopes: Vec<TxEnvelope> = records.iter().map(|r| r.tx.inner().clone()).collect();
        let receipts: Vec<ReceiptEnvelope<Log>> =
            records.iter().map(|r| r.consensus_receipt()).collect();
        let logs_bloom = receipts
            .iter()
            .fold(Bloom::ZERO, |bloom, r| bloom | *r.logs_bloom());
        let header = Header {
            parent_hash: self.latest().map_or(B256::ZERO, |b| b.hash),
            beneficiary: env.beneficiary,
            transactions_root: calculate_transaction_root(&envelopes),
            receipts_root: calculate_receipt_root(&receipts),
            logs_bloom,
            number: env.number,
            gas_limit: env.gas_limit,
            gas_used: records.last().map_or(0, |r| r.cumulative_gas_used),
            timestamp: env.timestamp,
            base_fee_per_gas: Some(env.base_fee),
            ..Header::default()
        };
        let hash = header.hash_slow();
        let transactions = std::mem::take(&mut self.pending);
        for tx in &transactions {
            if let Some(record) = self.txs.get_mut(tx) {
                record.block_hash = Some(hash);
            }
        }
        self.by_hash.insert(hash, env.number);
        self.blocks.push(SealedBlock {
            header,
            hash,
            transactions,
        });
        self.blocks.last().expect("just pushed")
    }

    /// `eth_getBlockBy*`'s answer, with full transactions or their hashes.
    pub fn rpc_block(&self, block: &SealedBlock, full: bool) -> rpc::Block {
        let transactions = if full {
            BlockTransactions::Full(
                block
                    .transactions
                    .iter()
                    .filter_map(|h| self.txs.get(h).map(TxRecord::rpc_transaction))
                    .collect(),
            )
        } else {
            BlockTransactions::Hashes(block.transactions.clone())
        };
        let mut header = rpc::Header::new(block.header.clone());
        header.hash = block.hash;
        rpc::Block {
            header,
            uncles: Vec::new(),
            transactions,
            withdrawals: None,
        }
    }

    /// Sealed blocks numbered `from..=to` (clamped to the chain).
    pub fn range(&self, from: u64, to: u64) -> impl Iterator<Item = &SealedBlock> {
        (from..=to.min(self.latest_number())).filter_map(|n| self.by_number(n))
    }
}
