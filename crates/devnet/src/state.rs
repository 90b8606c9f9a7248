//! Devnet state revm does not model, carried in the context's `chain` slot so it travels with
//! the context into nested EVMs (see [`crate::evm_bridge`]).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use alloy_primitives::{Address, B256};

use crate::activation::Program;
use crate::memory_model::PageLedger;
use crate::tracer::TraceRecorder;

/// Activated programs, the per-transaction Stylus state, and the tracer.
#[derive(Clone, Debug, Default)]
pub(crate) struct StylusState {
    /// Activated programs by code hash (Nitro activates code, not addresses: every contract
    /// with the same code shares one activation).
    pub programs: HashMap<B256, Arc<Program>>,
    /// Code hashes placed in the program cache (ArbWasmCache / CacheManager).
    pub cached: HashSet<B256>,
    /// The block's recently called programs (ArbOS 60+).
    pub recent: RecentPrograms,
    /// The ArbOS version whose pricing applies.
    pub arbos_version: u64,
    /// State that lives for one transaction.
    pub tx: TxState,
    /// The trace being recorded, when tracing is on.
    pub tracer: Option<TraceRecorder>,
}

/// Stylus state of the running transaction; reset before each one.
#[derive(Clone, Debug, Default)]
pub(crate) struct TxState {
    /// WASM memory pages opened by Stylus frames in this transaction.
    pub pages: PageLedger,
    /// Addresses (storage contexts) of the Stylus frames currently open, outermost first;
    /// `msg_reentrant` asks whether the current one appears below the top.
    pub open_programs: Vec<Address>,
}

/// Nitro's `RecentWasms`: the last [`crate::config::RECENT_PROGRAMS`] code hashes called in the
/// current block, least recently used first. Every call inserts (before it pays), a revert does
/// not undo it, and a new block starts empty.
#[derive(Clone, Debug, Default)]
pub(crate) struct RecentPrograms {
    block: u64,
    hashes: VecDeque<B256>,
}

impl RecentPrograms {
    /// Records a call of `code_hash` in `block`; answers whether it was already there.
    pub(crate) fn insert(&mut self, code_hash: B256, block: u64) -> bool {
        if block != self.block {
            self.block = block;
            self.hashes.clear();
        }
        if let Some(i) = self.hashes.iter().position(|h| *h == code_hash) {
            self.hashes.remove(i);
            self.hashes.push_back(code_hash);
            return true;
        }
        if self.hashes.len() == crate::config::RECENT_PROGRAMS {
            self.hashes.pop_front();
        }
        self.hashes.push_back(code_hash);
        false
    }
}
