//! Per-frame records of what a call did, for ERC-7562 validation rules.
//!
//! A [`ValidationTrace`] lists every call frame in the order it started (with its depth), the
//! EVM opcodes it used, the storage slots it touched, and every keccak preimage hashed during
//! the call. EVM frames are recorded by a revm inspector; Stylus frames are
//! recorded by their host functions, each as the opcode it stands for (Nitro traces hostios the
//! same way), e.g. `block_timestamp` → `TIMESTAMP`, `evm_gas_left` → `GAS`,
//! `account_balance` → `BALANCE`, `storage_load_bytes32` → `SLOAD`.
//!
//! `GAS` immediately followed by a `CALL`-family opcode is not recorded (ERC-7562 allows it);
//! Stylus programs never have that shape, so `evm_gas_left` / `evm_ink_left` always count.

use std::collections::BTreeMap;

use alloy_primitives::{Address, Bytes, B256};
use revm::bytecode::opcode::OpCode;

/// Opcode byte constants (`opcode::TIMESTAMP`, …), re-exported from revm.
pub use revm::bytecode::opcode;
use revm::inspector::Inspector;
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_types::{InputsTr, Jumps, MemoryTr};
use revm::interpreter::{CallInputs, CallOutcome, CreateInputs, CreateOutcome, Interpreter};

use crate::evm_bridge::DevContext;

/// An EVM opcode byte (`revm::bytecode::opcode` constants).
pub type Opcode = u8;

/// Whether a storage access read or wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessKind {
    /// SLOAD / `storage_load_bytes32`.
    Read,
    /// SSTORE / a flushed `storage_cache_bytes32`.
    Write,
}

/// What ran in a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKind {
    /// EVM bytecode.
    Evm,
    /// A Stylus program (code starting `EF F0 00`).
    Stylus,
    /// A precompile.
    Precompile,
    /// Init code of a contract creation.
    Create,
}

/// One storage slot access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StorageAccess {
    /// Whose storage.
    pub address: Address,
    /// The slot.
    pub slot: B256,
    /// Read or write.
    pub kind: AccessKind,
}

/// What one call frame did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameTrace {
    /// Call depth, 0 for the transaction's own call.
    pub depth: usize,
    /// What ran.
    pub kind: FrameKind,
    /// Storage context (`address(this)`); for creates, the new contract once known.
    pub address: Address,
    /// Whose code ran (differs from `address` for delegate calls).
    pub code_address: Address,
    /// `msg.sender`.
    pub caller: Address,
    /// Opcodes (or hostio equivalents) used, with how often.
    pub opcodes: BTreeMap<Opcode, u32>,
    /// Storage slots touched, in order (repeats included).
    pub storage: Vec<StorageAccess>,
    /// Whether the frame succeeded; `None` while it is still open.
    pub success: Option<bool>,
    /// Gas the frame was given.
    pub gas_limit: u64,
    /// Gas the frame spent (its children included); 0 while it is still open.
    pub gas_used: u64,
}

impl FrameTrace {
    /// Whether the frame used `opcode`.
    pub fn used(&self, opcode: Opcode) -> bool {
        self.opcodes.contains_key(&opcode)
    }

    /// Names of the opcodes used, e.g. `["CALLER", "SLOAD"]`.
    pub fn opcode_names(&self) -> Vec<&'static str> {
        self.opcodes.keys().map(|op| opcode_name(*op)).collect()
    }
}

/// The mnemonic of an opcode byte (`"UNKNOWN"` for unassigned bytes).
pub fn opcode_name(opcode: Opcode) -> &'static str {
    OpCode::new(opcode).map_or("UNKNOWN", |op| op.as_str())
}

/// Everything recorded during one traced call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidationTrace {
    /// Frames in the order they started.
    pub frames: Vec<FrameTrace>,
    /// Every keccak preimage hashed (EVM `KECCAK256` and Stylus `native_keccak256`).
    pub keccak_preimages: Vec<Bytes>,
}

impl ValidationTrace {
    /// Every storage access of every frame, with the index of its frame.
    pub fn storage_accesses(&self) -> impl Iterator<Item = (usize, &StorageAccess)> {
        self.frames
            .iter()
            .enumerate()
            .flat_map(|(i, frame)| frame.storage.iter().map(move |access| (i, access)))
    }

    /// Frames whose code ran as a Stylus program.
    pub fn stylus_frames(&self) -> impl Iterator<Item = &FrameTrace> {
        self.frames
            .iter()
            .filter(|frame| frame.kind == FrameKind::Stylus)
    }
}

/// Builds a [`ValidationTrace`] while a call runs (lives in the context's chain state).
#[derive(Clone, Debug, Default)]
pub(crate) struct TraceRecorder {
    trace: ValidationTrace,
    /// Indices of the open frames, innermost last.
    open: Vec<usize>,
    /// A `GAS` seen in the innermost EVM frame whose fate depends on the next opcode.
    pending_gas: bool,
}

impl TraceRecorder {
    pub(crate) fn finish(self) -> ValidationTrace {
        self.trace
    }

    fn current(&mut self) -> Option<&mut FrameTrace> {
        let index = *self.open.last()?;
        self.trace.frames.get_mut(index)
    }

    fn enter(
        &mut self,
        kind: FrameKind,
        address: Address,
        code_address: Address,
        caller: Address,
        gas_limit: u64,
    ) {
        self.flush_pending_gas();
        self.open.push(self.trace.frames.len());
        self.trace.frames.push(FrameTrace {
            depth: self.open.len() - 1,
            kind,
            address,
            code_address,
            caller,
            opcodes: BTreeMap::new(),
            storage: Vec::new(),
            success: None,
            gas_limit,
            gas_used: 0,
        });
    }

    fn exit(&mut self, success: bool, created: Option<Address>, gas_used: u64) {
        self.flush_pending_gas();
        if let Some(frame) = self.current() {
            frame.success = Some(success);
            frame.gas_used = gas_used;
            if let Some(address) = created {
                frame.address = address;
                frame.code_address = address;
            }
        }
        self.open.pop();
    }

    /// Records an opcode (or hostio equivalent) in the innermost frame.
    pub(crate) fn opcode(&mut self, opcode: Opcode) {
        if let Some(frame) = self.current() {
            *frame.opcodes.entry(opcode).or_default() += 1;
        }
    }

    /// Records an opcode executed by the EVM, applying the "GAS before CALL" exemption.
    fn evm_opcode(&mut self, op: Opcode) {
        let pending = core::mem::take(&mut self.pending_gas);
        let is_call = matches!(
            op,
            opcode::CALL | opcode::CALLCODE | opcode::DELEGATECALL | opcode::STATICCALL
        );
        if pending && !is_call {
            self.opcode(opcode::GAS);
        }
        if op == opcode::GAS {
            self.pending_gas = true;
        } else {
            self.opcode(op);
        }
    }

    fn flush_pending_gas(&mut self) {
        if core::mem::take(&mut self.pending_gas) {
            self.opcode(opcode::GAS);
        }
    }

    /// Records a storage access in the innermost frame.
    pub(crate) fn storage(&mut self, address: Address, slot: B256, kind: AccessKind) {
        if let Some(frame) = self.current() {
            frame.storage.push(StorageAccess {
                address,
                slot,
                kind,
            });
        }
    }

    /// Records a keccak preimage.
    pub(crate) fn keccak(&mut self, preimage: &[u8]) {
        self.trace
            .keccak_preimages
            .push(Bytes::copy_from_slice(preimage));
    }
}

/// revm inspector feeding EVM frames into the context's [`TraceRecorder`]. Stateless: the
/// recorder travels with the context into nested EVMs.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TraceInspector;

impl Inspector<DevContext, EthInterpreter> for TraceInspector {
    fn step(&mut self, interp: &mut Interpreter<EthInterpreter>, context: &mut DevContext) {
        let Some(recorder) = context.chain.tracer.as_mut() else {
            return;
        };
        let op = interp.bytecode.opcode();
        recorder.evm_opcode(op);
        match op {
            opcode::SLOAD | opcode::SSTORE => {
                if let Ok(slot) = interp.stack.peek(0) {
                    let kind = if op == opcode::SLOAD {
                        AccessKind::Read
                    } else {
                        AccessKind::Write
                    };
                    let address = interp.input.target_address();
                    recorder.storage(address, B256::from(slot), kind);
                }
            }
            opcode::KECCAK256 => {
                let (Ok(offset), Ok(size)) = (interp.stack.peek(0), interp.stack.peek(1)) else {
                    return;
                };
                let (Ok(offset), Ok(size)) = (usize::try_from(offset), usize::try_from(size))
                else {
                    return;
                };
                // Memory not yet expanded reads as zeros, as KECCAK256 will see it.
                let mut preimage = vec![0u8; size.min(1 << 20)];
                let available = interp
                    .memory
                    .size()
                    .saturating_sub(offset)
                    .min(preimage.len());
                if available > 0 {
                    preimage[..available]
                        .copy_from_slice(&interp.memory.slice_len(offset, available));
                }
                recorder.keccak(&preimage);
            }
            _ => {}
        }
    }

    fn call(&mut self, context: &mut DevContext, inputs: &mut CallInputs) -> Option<CallOutcome> {
        let recorder = context.chain.tracer.as_mut()?;
        let code = inputs.known_bytecode.1.original_byte_slice();
        let kind = if stylus_check::is_stylus_code(code) {
            FrameKind::Stylus
        } else if crate::evm_bridge::is_precompile(&inputs.bytecode_address) {
            FrameKind::Precompile
        } else {
            FrameKind::Evm
        };
        recorder.enter(
            kind,
            inputs.target_address,
            inputs.bytecode_address,
            inputs.caller,
            inputs.gas_limit,
        );
        None
    }

    fn call_end(
        &mut self,
        context: &mut DevContext,
        _inputs: &CallInputs,
        outcome: &mut CallOutcome,
    ) {
        if let Some(recorder) = context.chain.tracer.as_mut() {
            recorder.exit(
                outcome.result.result.is_ok(),
                None,
                outcome.result.gas.total_gas_spent(),
            );
        }
    }

    fn create(
        &mut self,
        context: &mut DevContext,
        inputs: &mut CreateInputs,
    ) -> Option<CreateOutcome> {
        if let Some(recorder) = context.chain.tracer.as_mut() {
            recorder.enter(
                FrameKind::Create,
                Address::ZERO,
                Address::ZERO,
                inputs.caller(),
                inputs.gas_limit(),
            );
        }
        None
    }

    fn create_end(
        &mut self,
        context: &mut DevContext,
        _inputs: &CreateInputs,
        outcome: &mut CreateOutcome,
    ) {
        if let Some(recorder) = context.chain.tracer.as_mut() {
            recorder.exit(
                outcome.result.result.is_ok(),
                outcome.address,
                outcome.result.gas.total_gas_spent(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gas_before_call_is_exempt_but_lone_gas_counts() {
        let mut recorder = TraceRecorder::default();
        recorder.enter(
            FrameKind::Evm,
            Address::ZERO,
            Address::ZERO,
            Address::ZERO,
            0,
        );
        recorder.evm_opcode(opcode::GAS);
        recorder.evm_opcode(opcode::CALL);
        recorder.evm_opcode(opcode::GAS);
        recorder.evm_opcode(opcode::POP);
        recorder.exit(true, None, 0);
        let trace = recorder.finish();
        assert_eq!(trace.frames[0].opcodes.get(&opcode::GAS), Some(&1));
        assert_eq!(trace.frames[0].opcode_names(), ["POP", "GAS", "CALL"]);
    }
}
