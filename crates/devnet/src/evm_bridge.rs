//! How Stylus programs are wired into revm.
//!
//! # The route: a custom precompile provider
//!
//! revm 43 offers two hooks that see every call frame after its journal checkpoint and value
//! transfer: a custom frame (`EvmTr::frame_run`) or a custom [`PrecompileProvider`]. The devnet
//! uses the **precompile provider**: [`DevPrecompiles::run`] is asked about every call; it
//! serves the Ethereum precompiles (plus RIP-7212 `P256VERIFY` at `0x100`), runs the WASM when
//! the callee's code starts with `EF F0 00`, and otherwise returns `None` so revm interprets the
//! EVM bytecode as usual. Why this route:
//!
//! * revm's frame loop, checkpointing, value transfer, depth limit and result plumbing stay
//!   untouched — a Stylus frame is, to revm, a call that finished immediately, and its journal
//!   checkpoint is committed or reverted by revm exactly as for a precompile;
//! * the alternative (interleaving a suspended WASM instance with revm's frame stack) needs
//!   either resumable WASM calls or a re-implementation of the frame loop.
//!
//! The cost of the route is that a Stylus program's own calls must run *nested*: the host
//! function moves the context out of the caller's `&mut` into a fresh [`DevEvm`], runs revm's
//! ordinary `run_exec_loop` for the child frame (which may itself reach Stylus again), and moves
//! the context back ([`run_nested`]). All devnet state revm does not own (activated programs,
//! per-transaction Stylus state, the tracer) lives in the context's `chain` field
//! ([`StylusState`]) so it travels with the context. Inspectors see a Stylus frame as a call
//! that returned without steps; the tracer adds the Stylus frame's opcode-equivalents itself.
//!
//! # EIP-3541
//!
//! Arbitrum exempts code starting `EF F0 00` from EIP-3541. revm can only disable the rule
//! wholesale (`CfgEnv::disable_eip3541`), so the devnet disables it and [`DevEvm`] re-applies it
//! for every other `0xEF`-prefixed code a create frame returns.

use core::convert::Infallible;
use core::mem;
use std::sync::OnceLock;

use alloy_primitives::Address;
use revm::context::result::EVMError;
use revm::context::{BlockEnv, CfgEnv, Context, Evm, FrameStack, Journal, TxEnv};
use revm::context_interface::{ContextTr, JournalTr, LocalContextTr};
use revm::database::{CacheDB, EmptyDB};
use revm::handler::evm::{ContextDbError, FrameInitResult};
use revm::handler::instructions::EthInstructions;
use revm::handler::{
    EthFrame, EvmTr, FrameData, FrameInitOrResult, FrameResult, Handler, ItemOrResult,
    MainnetHandler, PrecompileProvider,
};
use revm::inspector::handler::frame_end;
use revm::inspector::{inspect_instructions, InspectorEvmTr, InspectorHandler};
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_action::FrameInit;
use revm::interpreter::{
    CallInputs, FrameInput, Gas, InstructionResult, InterpreterAction, InterpreterResult,
    SharedMemory,
};
use revm::precompile::{secp256r1, Precompiles};
use revm::primitives::hardfork::SpecId;
use revm::primitives::AddressSet;

use crate::state::StylusState;
use crate::tracer::TraceInspector;

/// The devnet's database: everything in memory.
pub(crate) type DevDb = CacheDB<EmptyDB>;

/// revm context carrying the devnet's Stylus state in its `chain` slot.
pub(crate) type DevContext = Context<BlockEnv, TxEnv, CfgEnv, DevDb, Journal<DevDb>, StylusState>;

type InnerEvm = Evm<
    DevContext,
    TraceInspector,
    EthInstructions<EthInterpreter, DevContext>,
    DevPrecompiles,
    EthFrame<EthInterpreter>,
>;

/// Error type of the devnet's handler (the in-memory database cannot fail).
pub(crate) type DevEvmError = EVMError<Infallible>;

/// revm's handler driving a [`DevEvm`].
pub(crate) type DevHandler = MainnetHandler<DevEvm, DevEvmError, EthFrame<EthInterpreter>>;

/// The hard fork the devnet runs (Arbitrum ArbOS 40+ follows Prague).
pub(crate) const SPEC: SpecId = SpecId::PRAGUE;

/// The first ArbOS version that prices `P256VERIFY` at 6,900 gas (OffchainLabs/go-ethereum
/// `core/vm/contracts.go`, `p256Verify.RequiredGas`: 3,450 before ArbOS 50).
pub const ARBOS_P256_REPRICED: u64 = 50;

/// Precompile set: Prague's plus RIP-7212 `P256VERIFY` at `0x100` for 3,450 gas, the version
/// Arbitrum ArbOS 30–49 ships.
fn precompile_set() -> &'static Precompiles {
    static SET: OnceLock<Precompiles> = OnceLock::new();
    SET.get_or_init(|| {
        let mut set = Precompiles::prague().clone();
        set.extend([secp256r1::P256VERIFY]);
        set
    })
}

/// The same addresses with `P256VERIFY` at 6,900 gas (ArbOS 50+; revm's EIP-7951 variant, the
/// same verification).
fn precompile_set_arbos_50() -> &'static Precompiles {
    static SET: OnceLock<Precompiles> = OnceLock::new();
    SET.get_or_init(|| {
        let mut set = Precompiles::prague().clone();
        set.extend([secp256r1::P256VERIFY_OSAKA]);
        set
    })
}

/// Serves precompiles and Stylus programs; everything else falls through to the interpreter.
#[derive(Clone, Debug, Default)]
pub(crate) struct DevPrecompiles {
    spec_set: bool,
}

impl PrecompileProvider<DevContext> for DevPrecompiles {
    type Output = InterpreterResult;

    fn set_spec(&mut self, _spec: SpecId) -> bool {
        !mem::replace(&mut self.spec_set, true)
    }

    fn run(
        &mut self,
        context: &mut DevContext,
        inputs: &CallInputs,
    ) -> Result<Option<InterpreterResult>, String> {
        let set = if context.chain.arbos_version >= ARBOS_P256_REPRICED {
            precompile_set_arbos_50()
        } else {
            precompile_set()
        };
        if let Some(precompile) = set.get(&inputs.bytecode_address) {
            let input = inputs.input.as_bytes(context);
            let output = precompile
                .execute(&input, inputs.gas_limit, inputs.reservoir)
                .map_err(|error| error.to_string())?;
            return Ok(Some(
                revm::handler::precompile_output_to_interpreter_result(output, inputs.gas_limit),
            ));
        }
        if inputs.bytecode_address == crate::arb_wasm::ARB_WASM {
            return Ok(Some(crate::arb_wasm::call(context, inputs)));
        }
        if stylus_check::is_stylus_code(inputs.known_bytecode.1.original_byte_slice()) {
            return Ok(Some(crate::program::call_program(context, inputs)));
        }
        Ok(None)
    }

    fn warm_addresses(&self) -> &AddressSet {
        // Nitro's geth counts the ArbOS precompiles among the active precompiles, which every
        // transaction starts warm; of those the devnet serves ArbWasm only.
        static WARM: OnceLock<AddressSet> = OnceLock::new();
        WARM.get_or_init(|| {
            let mut set = precompile_set().addresses_set().clone();
            set.insert(crate::arb_wasm::ARB_WASM);
            set
        })
    }

    fn contains(&self, address: &Address) -> bool {
        *address == crate::arb_wasm::ARB_WASM || precompile_set().contains(address)
    }
}

/// The devnet's EVM: revm's `Evm` with the Stylus precompile provider and the tracer, plus
/// the Stylus exception to EIP-3541.
pub(crate) struct DevEvm(InnerEvm);

impl DevEvm {
    /// An EVM over `ctx` with fresh frame stack.
    pub(crate) fn new(ctx: DevContext) -> Self {
        Self(Evm {
            ctx,
            inspector: TraceInspector,
            instruction: EthInstructions::new_mainnet_with_spec(SPEC),
            precompiles: DevPrecompiles::default(),
            frame_stack: FrameStack::new_prealloc(8),
        })
    }

    /// The context.
    pub(crate) fn ctx_ref(&self) -> &DevContext {
        &self.0.ctx
    }

    /// The context, mutably.
    pub(crate) fn ctx_mut(&mut self) -> &mut DevContext {
        &mut self.0.ctx
    }

    /// Takes the context out, leaving an empty one.
    pub(crate) fn into_ctx(self) -> DevContext {
        self.0.ctx
    }
}

/// An empty context used as a stand-in while the real one is lent to a nested EVM.
pub(crate) fn placeholder_context() -> DevContext {
    Context::<BlockEnv, TxEnv, CfgEnv, DevDb, Journal<DevDb>, StylusState>::new(
        CacheDB::new(EmptyDB::new()),
        SPEC,
    )
}

/// Turns a successful create result whose code starts with `0xEF` into the EIP-3541 failure,
/// unless the code is a Stylus program (`EF F0 00`).
fn enforce_eip3541(frame: &EthFrame<EthInterpreter>, action: &mut InterpreterAction) {
    if !matches!(frame.data, FrameData::Create(_)) {
        return;
    }
    if let InterpreterAction::Return(result) = action {
        if result.result.is_ok()
            && result.output.first() == Some(&0xEF)
            && !stylus_check::is_stylus_code(&result.output)
        {
            result.result = InstructionResult::CreateContractStartingWithEF;
        }
    }
}

impl EvmTr for DevEvm {
    type Context = DevContext;
    type Instructions = EthInstructions<EthInterpreter, DevContext>;
    type Precompiles = DevPrecompiles;
    type Frame = EthFrame<EthInterpreter>;

    fn all(
        &self,
    ) -> (
        &Self::Context,
        &Self::Instructions,
        &Self::Precompiles,
        &FrameStack<Self::Frame>,
    ) {
        self.0.all()
    }

    fn all_mut(
        &mut self,
    ) -> (
        &mut Self::Context,
        &mut Self::Instructions,
        &mut Self::Precompiles,
        &mut FrameStack<Self::Frame>,
    ) {
        self.0.all_mut()
    }

    fn frame_init(
        &mut self,
        frame_input: FrameInit,
    ) -> Result<FrameInitResult<'_, Self::Frame>, ContextDbError<DevContext>> {
        self.0.frame_init(frame_input)
    }

    fn frame_run(&mut self) -> Result<FrameInitOrResult<Self::Frame>, ContextDbError<DevContext>> {
        let evm = &mut self.0;
        let frame = evm.frame_stack.get();
        let mut action = frame.interpreter.run_plain(
            evm.instruction.instruction_table(),
            evm.instruction.gas_table(),
            &mut evm.ctx,
        );
        enforce_eip3541(frame, &mut action);
        frame
            .process_next_action(&mut evm.ctx, action)
            .inspect(|next| {
                if next.is_result() {
                    frame.set_finished(true);
                }
            })
    }

    fn frame_return_result(
        &mut self,
        result: FrameResult,
    ) -> Result<Option<FrameResult>, ContextDbError<DevContext>> {
        self.0.frame_return_result(result)
    }
}

impl InspectorEvmTr for DevEvm {
    type Inspector = TraceInspector;

    fn all_inspector(
        &self,
    ) -> (
        &Self::Context,
        &Self::Instructions,
        &Self::Precompiles,
        &FrameStack<Self::Frame>,
        &Self::Inspector,
    ) {
        self.0.all_inspector()
    }

    fn all_mut_inspector(
        &mut self,
    ) -> (
        &mut Self::Context,
        &mut Self::Instructions,
        &mut Self::Precompiles,
        &mut FrameStack<Self::Frame>,
        &mut Self::Inspector,
    ) {
        self.0.all_mut_inspector()
    }

    fn inspect_frame_run(
        &mut self,
    ) -> Result<FrameInitOrResult<Self::Frame>, ContextDbError<DevContext>> {
        let evm = &mut self.0;
        let frame = evm.frame_stack.get();
        let mut action = inspect_instructions(
            &mut evm.ctx,
            &mut frame.interpreter,
            &mut evm.inspector,
            evm.instruction.instruction_table(),
            evm.instruction.gas_table(),
        );
        enforce_eip3541(frame, &mut action);
        let mut result = frame.process_next_action(&mut evm.ctx, action);
        if let Ok(ItemOrResult::Result(frame_result)) = &mut result {
            frame_end(&mut evm.ctx, &mut evm.inspector, &frame.input, frame_result);
            frame.set_finished(true);
        }
        result
    }
}

/// Runs one transaction's execution on `evm` (validation, frames, refunds), with the tracer's
/// inspector hooks when a trace is being recorded.
pub(crate) fn run_transaction(
    evm: &mut DevEvm,
) -> Result<revm::context::result::ExecutionResult, DevEvmError> {
    let tracing = evm.ctx_ref().chain.tracer.is_some();
    let mut handler = DevHandler::default();
    if tracing {
        handler.inspect_run(evm)
    } else {
        handler.run(evm)
    }
}

/// Runs a child frame (call or create) requested by a Stylus program, to completion.
///
/// The context is moved into a fresh [`DevEvm`] for the duration and moved back afterwards, so
/// the child sees (and journals into) exactly the caller's state. The child's memory is a child
/// context of the shared EVM memory buffer, above whatever the EVM frames below us use.
pub(crate) fn run_nested(ctx: &mut DevContext, frame_input: FrameInput) -> FrameResult {
    let depth = ctx.journal().depth();
    let owned = mem::replace(ctx, placeholder_context());
    let mut evm = DevEvm::new(owned);
    let mut base =
        SharedMemory::new_with_buffer(evm.ctx_ref().local().shared_memory_buffer().clone());
    let memory = base.new_child_context();
    let is_call = matches!(frame_input, FrameInput::Call(_));
    let gas_limit = match &frame_input {
        FrameInput::Call(inputs) => inputs.gas_limit,
        FrameInput::Create(inputs) => inputs.gas_limit(),
        FrameInput::Empty => 0,
    };
    let init = FrameInit {
        depth,
        memory,
        frame_input,
    };
    let tracing = evm.ctx_ref().chain.tracer.is_some();
    let mut handler = DevHandler::default();
    let result = if tracing {
        handler.inspect_run_exec_loop(&mut evm, init)
    } else {
        handler.run_exec_loop(&mut evm, init)
    };
    base.free_child_context();
    *ctx = evm.into_ctx();
    result.unwrap_or_else(|_| {
        // Only a precompile's internal error can get here (the database is infallible):
        // treat it like a failed child that used all its gas.
        let mut gas = Gas::new(gas_limit);
        gas.spend_all();
        let result = InterpreterResult::new(
            InstructionResult::FatalExternalError,
            Default::default(),
            gas,
        );
        if is_call {
            FrameResult::Call(revm::interpreter::CallOutcome::new(result, 0..0))
        } else {
            FrameResult::Create(revm::interpreter::CreateOutcome::new(result, None))
        }
    })
}

/// Whether `address` holds one of the devnet's precompiles.
pub(crate) fn is_precompile(address: &Address) -> bool {
    precompile_set().contains(address)
}
