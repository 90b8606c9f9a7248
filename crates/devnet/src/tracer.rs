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
//!
//! Stylus frames are reported as Nitro reports them to geth tracers (`arbos/util/tracing.go`,
//! `CaptureEVMTraceForHostio` / `CaptureStylusCall`, read at nitro 6dce8d13): `read_args` as
//! `CALLDATACOPY`; `storage_load_bytes32` as `SLOAD` only when it misses the VM-side cache;
//! buffered writes as one `SSTORE` per dirty slot at `storage_flush_cache`; `transient_*` as
//! `TLOAD`/`TSTORE`; return-data hostios as `RETURNDATASIZE`/`RETURNDATACOPY`; the exit as
//! `RETURN`, `STOP` or `REVERT`; a call as its `CALL`-family opcode with Nitro's `gas` (the
//! 63/64 cap after the base cost) and `cost` (base cost + forwarded gas). Every step a tracer
//! would see with `gas < cost` (or an `SSTORE` with less than 2,300 gas left) is kept in
//! [`FrameTrace::reported_oog`]: JavaScript bundler tracers read that as out of gas.

use std::collections::BTreeMap;

use alloy_primitives::{Address, Bytes, B256, U256};
use revm::bytecode::opcode::OpCode;

/// Opcode byte constants (`opcode::TIMESTAMP`, …), re-exported from revm.
pub use revm::bytecode::opcode;
use revm::inspector::Inspector;
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_types::{InputsTr, Jumps, MemoryTr};
use revm::interpreter::{
    CallInputs, CallOutcome, CallScheme, CreateInputs, CreateOutcome, InstructionResult,
    Interpreter,
};

use crate::evm_bridge::DevContext;

/// An EVM opcode byte (`revm::bytecode::opcode` constants).
pub type Opcode = u8;

/// EIP-2200: an `SSTORE` needs more than the call stipend left; bundler tracers flag an
/// `SSTORE` step with less gas than this as out of gas.
pub const SSTORE_SENTRY_GAS: u64 = 2_300;

/// How a storage slot was touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessKind {
    /// SLOAD / a `storage_load_bytes32` that missed the cache.
    Read,
    /// SSTORE / a flushed `storage_cache_bytes32`.
    Write,
    /// TLOAD / `transient_load_bytes32` (EIP-1153; ERC-7562 OP-070 treats it as storage).
    TransientRead,
    /// TSTORE / `transient_store_bytes32`.
    TransientWrite,
}

impl AccessKind {
    /// Whether the access wrote (persistent or transient).
    pub fn is_write(self) -> bool {
        matches!(self, Self::Write | Self::TransientWrite)
    }

    /// The opcode a tracer sees for it.
    pub fn opcode(self) -> Opcode {
        match self {
            Self::Read => opcode::SLOAD,
            Self::Write => opcode::SSTORE,
            Self::TransientRead => opcode::TLOAD,
            Self::TransientWrite => opcode::TSTORE,
        }
    }
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
    /// Read or write, persistent or transient.
    pub kind: AccessKind,
}

/// The code found at an address a frame used (ERC-7562: "using an address" is accessing its
/// code by `*CALL` or `EXTCODE*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeAccess {
    /// `CALL`, `CALLCODE`, `DELEGATECALL`, `STATICCALL`, `EXTCODESIZE`, `EXTCODECOPY` or
    /// `EXTCODEHASH`.
    pub opcode: Opcode,
    /// The address whose code was used (the code address of a delegate call).
    pub address: Address,
    /// Value sent with a `CALL` (zero otherwise).
    pub value: U256,
    /// First four bytes of the call's input (`None` for shorter input and for `EXTCODE*`).
    pub selector: Option<[u8; 4]>,
    /// Length of the code at `address` when it was used.
    pub code_len: usize,
    /// The code's hash (ERC-7562 COD-010 compares it between two simulations).
    pub code_hash: B256,
    /// Whether the code starts `EF F0 00` (a Stylus program).
    pub stylus: bool,
    /// Whether `address` is a precompile of the devnet.
    pub precompile: bool,
    /// An `EXTCODESIZE` immediately followed by `ISZERO` (ERC-7562 OP-051).
    pub iszero_follows: bool,
}

/// A step a tracer saw with less gas than it cost (or an `SSTORE` with less than 2,300 gas).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportedStep {
    /// The opcode reported.
    pub opcode: Opcode,
    /// `gas` as the tracer receives it.
    pub gas: u64,
    /// `cost` as the tracer receives it.
    pub cost: u64,
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
    /// First four bytes of the input (`None` when shorter, and for creates).
    pub selector: Option<[u8; 4]>,
    /// Opcodes (or hostio equivalents) used, with how often.
    pub opcodes: BTreeMap<Opcode, u32>,
    /// Storage slots touched, in order (repeats included).
    pub storage: Vec<StorageAccess>,
    /// Code this frame used through `*CALL` / `EXTCODE*`, in order.
    pub code_accesses: Vec<CodeAccess>,
    /// The first step a JavaScript tracer would read as out of gas (`gas < cost`, or `SSTORE`
    /// below 2,300 gas); `None` if there was none.
    pub reported_oog: Option<ReportedStep>,
    /// Whether the frame itself ended out of gas (geth's `ErrOutOfGas`).
    pub out_of_gas: bool,
    /// Whether the frame succeeded; `None` while it is still open.
    pub success: Option<bool>,
    /// Gas the frame was given.
    pub gas_limit: u64,
    /// Gas the frame spent (its children included); 0 while it is still open.
    pub gas_used: u64,
}

impl FrameTrace {
    /// A frame that has just started: nothing recorded yet (the recorder sets its depth).
    pub fn started(
        kind: FrameKind,
        address: Address,
        code_address: Address,
        caller: Address,
        selector: Option<[u8; 4]>,
        gas_limit: u64,
    ) -> Self {
        Self {
            depth: 0,
            kind,
            address,
            code_address,
            caller,
            selector,
            opcodes: BTreeMap::new(),
            storage: Vec::new(),
            code_accesses: Vec::new(),
            reported_oog: None,
            out_of_gas: false,
            success: None,
            gas_limit,
            gas_used: 0,
        }
    }

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

/// Whether `opcode` is assigned in the devnet's EVM (Prague).
pub fn is_assigned(opcode: Opcode) -> bool {
    OpCode::new(opcode).is_some()
}

/// Everything recorded during one traced call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidationTrace {
    /// Frames in the order they started.
    pub frames: Vec<FrameTrace>,
    /// Every keccak preimage hashed (EVM `KECCAK256` and Stylus `native_keccak256`), of any
    /// length; checkers that model a tracer with length bounds filter them.
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

    /// The index of the frame that opened frame `index` (`None` for a root frame).
    pub fn parent(&self, index: usize) -> Option<usize> {
        let depth = self.frames.get(index)?.depth;
        self.frames[..index]
            .iter()
            .rposition(|frame| frame.depth + 1 == depth)
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
    /// An `EXTCODE*` whose account facts are read once it has executed.
    pending_code: Option<(Opcode, Address)>,
    /// The last step was an `EXTCODESIZE` recorded as a code access.
    after_extcodesize: bool,
}

impl TraceRecorder {
    pub(crate) fn finish(self) -> ValidationTrace {
        self.trace
    }

    fn current(&mut self) -> Option<&mut FrameTrace> {
        let index = *self.open.last()?;
        self.trace.frames.get_mut(index)
    }

    fn enter(&mut self, frame: FrameTrace) {
        self.flush_pending_gas();
        self.after_extcodesize = false;
        self.open.push(self.trace.frames.len());
        self.trace.frames.push(FrameTrace {
            depth: self.open.len() - 1,
            ..frame
        });
    }

    fn exit(&mut self, result: InstructionResult, created: Option<Address>, gas_used: u64) {
        self.flush_pending_gas();
        self.after_extcodesize = false;
        if let Some(frame) = self.current() {
            frame.success = Some(result.is_ok());
            frame.out_of_gas = is_out_of_gas(result);
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

    /// Records a step with the `gas` and `cost` a tracer receives; keeps the first one a
    /// JavaScript tracer reads as out of gas.
    pub(crate) fn step(&mut self, opcode: Opcode, gas: u64, cost: u64) {
        self.opcode(opcode);
        let short = gas < cost || (opcode == opcode::SSTORE && gas < SSTORE_SENTRY_GAS);
        if let Some(frame) = self.current() {
            if short && frame.reported_oog.is_none() {
                frame.reported_oog = Some(ReportedStep { opcode, gas, cost });
            }
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
        if core::mem::take(&mut self.after_extcodesize) && op == opcode::ISZERO {
            if let Some(access) = self.current().and_then(|f| f.code_accesses.last_mut()) {
                access.iszero_follows = true;
            }
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

    /// Records the use of an address's code in the innermost frame.
    pub(crate) fn code_access(&mut self, access: CodeAccess) {
        if let Some(frame) = self.current() {
            frame.code_accesses.push(access);
        }
    }

    /// Records a keccak preimage.
    pub(crate) fn keccak(&mut self, preimage: &[u8]) {
        self.trace
            .keccak_preimages
            .push(Bytes::copy_from_slice(preimage));
    }
}

/// geth reports these as `ErrOutOfGas` (or `ErrCodeStoreOutOfGas`).
fn is_out_of_gas(result: InstructionResult) -> bool {
    matches!(
        result,
        InstructionResult::OutOfGas
            | InstructionResult::MemoryOOG
            | InstructionResult::MemoryLimitOOG
            | InstructionResult::PrecompileOOG
            | InstructionResult::InvalidOperandOOG
            | InstructionResult::ReentrancySentryOOG
    )
}

/// The code an account holds as deployed (empty when it has none).
pub(crate) fn original_code(info: &revm::state::AccountInfo) -> Bytes {
    info.code
        .as_ref()
        .map(|code| code.original_bytes())
        .unwrap_or_default()
}

/// What a frame's code is, for [`CodeAccess`].
pub(crate) struct CodeFacts {
    pub len: usize,
    pub hash: B256,
    pub stylus: bool,
}

impl CodeFacts {
    pub(crate) fn of(code: &[u8], hash: B256) -> Self {
        Self {
            len: code.len(),
            hash: if code.is_empty() { B256::ZERO } else { hash },
            stylus: stylus_check::is_stylus_code(code),
        }
    }
}

/// A [`CodeAccess`] for a call.
pub(crate) fn call_access(
    opcode: Opcode,
    address: Address,
    value: U256,
    input: &[u8],
    code: &CodeFacts,
) -> CodeAccess {
    CodeAccess {
        opcode,
        address,
        value,
        selector: input.get(..4).map(|s| [s[0], s[1], s[2], s[3]]),
        code_len: code.len,
        code_hash: code.hash,
        stylus: code.stylus,
        precompile: crate::evm_bridge::is_precompile(&address),
        iszero_follows: false,
    }
}

fn call_opcode(scheme: CallScheme) -> Opcode {
    match scheme {
        CallScheme::Call => opcode::CALL,
        CallScheme::CallCode => opcode::CALLCODE,
        CallScheme::DelegateCall => opcode::DELEGATECALL,
        CallScheme::StaticCall => opcode::STATICCALL,
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
            opcode::SLOAD | opcode::SSTORE | opcode::TLOAD | opcode::TSTORE => {
                if let Ok(slot) = interp.stack.peek(0) {
                    let kind = match op {
                        opcode::SLOAD => AccessKind::Read,
                        opcode::SSTORE => AccessKind::Write,
                        opcode::TLOAD => AccessKind::TransientRead,
                        _ => AccessKind::TransientWrite,
                    };
                    let address = interp.input.target_address();
                    recorder.storage(address, B256::from(slot), kind);
                }
            }
            opcode::EXTCODESIZE | opcode::EXTCODECOPY | opcode::EXTCODEHASH => {
                if let Ok(address) = interp.stack.peek(0) {
                    let address = Address::from_word(B256::from(address));
                    recorder.pending_code = Some((op, address));
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

    fn step_end(&mut self, _interp: &mut Interpreter<EthInterpreter>, context: &mut DevContext) {
        // The account an EXTCODE* loaded is in the journal now; reading it changes nothing.
        let pending = context
            .chain
            .tracer
            .as_mut()
            .and_then(|recorder| recorder.pending_code.take());
        let Some((op, address)) = pending else {
            return;
        };
        let facts = context
            .journaled_state
            .state()
            .get(&address)
            .map(|account| CodeFacts::of(&original_code(&account.info), account.info.code_hash))
            .unwrap_or(CodeFacts {
                len: 0,
                hash: B256::ZERO,
                stylus: false,
            });
        if let Some(recorder) = context.chain.tracer.as_mut() {
            let mut access = call_access(op, address, U256::ZERO, &[], &facts);
            access.selector = None;
            recorder.code_access(access);
            recorder.after_extcodesize = op == opcode::EXTCODESIZE;
        }
    }

    fn call(&mut self, context: &mut DevContext, inputs: &mut CallInputs) -> Option<CallOutcome> {
        let input = inputs.input.bytes(context);
        let recorder = context.chain.tracer.as_mut()?;
        let code = inputs.known_bytecode.1.original_byte_slice();
        let facts = CodeFacts::of(code, inputs.known_bytecode.0);
        let kind = if facts.stylus {
            FrameKind::Stylus
        } else if crate::evm_bridge::is_precompile(&inputs.bytecode_address) {
            FrameKind::Precompile
        } else {
            FrameKind::Evm
        };
        let value = inputs.transfer_value().unwrap_or_default();
        recorder.code_access(call_access(
            call_opcode(inputs.scheme),
            inputs.bytecode_address,
            value,
            &input,
            &facts,
        ));
        recorder.enter(FrameTrace::started(
            kind,
            inputs.target_address,
            inputs.bytecode_address,
            inputs.caller,
            input.get(..4).map(|s| [s[0], s[1], s[2], s[3]]),
            inputs.gas_limit,
        ));
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
                outcome.result.result,
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
            recorder.enter(FrameTrace::started(
                FrameKind::Create,
                Address::ZERO,
                Address::ZERO,
                inputs.caller(),
                None,
                inputs.gas_limit(),
            ));
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
                outcome.result.result,
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
        recorder.enter(FrameTrace::started(
            FrameKind::Evm,
            Address::ZERO,
            Address::ZERO,
            Address::ZERO,
            None,
            0,
        ));
        recorder.evm_opcode(opcode::GAS);
        recorder.evm_opcode(opcode::CALL);
        recorder.evm_opcode(opcode::GAS);
        recorder.evm_opcode(opcode::POP);
        recorder.exit(InstructionResult::Stop, None, 0);
        let trace = recorder.finish();
        assert_eq!(trace.frames[0].opcodes.get(&opcode::GAS), Some(&1));
        assert_eq!(trace.frames[0].opcode_names(), ["POP", "GAS", "CALL"]);
    }
}
