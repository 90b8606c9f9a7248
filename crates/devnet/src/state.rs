//! Devnet state revm does not model, carried in the context's `chain` slot so it travels with
//! the context into nested EVMs (see [`crate::evm_bridge`]).

use std::collections::HashMap;
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
    /// Whether calls pay the cheaper "cached program" init cost (Nitro's LRU / ArbOS cache).
    pub programs_cached: bool,
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
