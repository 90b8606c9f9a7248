//! Running one call into an activated Stylus program.
//!
//! Order of events, as in Nitro (`arbos/programs/programs.go`, `CallProgram`): the call is
//! recorded among the block's recent programs (ArbOS 60+), then pays the program's entry cost in
//! gas — its initial memory pages, `352 + cachedCost`, and `8,832 + initCost` unless the program
//! is cached (placed in the cache, or recently called in this block) — see
//! [`stylus_check::EntryCost`]; the remaining gas becomes ink (×10,000) in the meter's global; the
//! program runs `user_entrypoint(len(calldata))`; what ink is left becomes gas again (÷10,000,
//! rounded down). Status 0 returns the result, any other status reverts with it. Outcomes:
//!
//! | program                         | EVM result                          |
//! |---------------------------------|-------------------------------------|
//! | returns 0 / `exit_early(0)`     | success, output = written result    |
//! | returns ≠ 0 / `exit_early(≠ 0)` | revert, output = written result     |
//! | runs out of ink                 | out of gas, all gas consumed        |
//! | traps or breaks an EVM rule     | revert, empty output, gas left kept |
//!
//! A call to deployed code that was never activated reverts without running anything.

use alloy_primitives::{keccak256, Bytes};
use revm::bytecode::opcode;
use revm::interpreter::{CallInputs, Gas, InstructionResult, InterpreterResult};
use wasmi::{Instance, Store, Val};

use crate::activation;
use crate::evm_bridge::DevContext;
use crate::hostio::{self, Escape, FrameInfo, HostEnv};
use crate::ink::instrument::{INK_LEFT_EXPORT, INK_STATUS_EXPORT};
use crate::ink::{gas_to_ink, ink_to_gas};

pub use stylus_check::entry_cost::{MIN_CACHED_INIT_GAS, MIN_INIT_GAS};

/// How the WASM run ended.
enum Ending {
    Status(u32),
    OutOfInk,
    Failure,
}

/// Runs the program the call's code belongs to.
pub(crate) fn call_program(ctx: &mut DevContext, inputs: &CallInputs) -> InterpreterResult {
    let mut gas = Gas::new(inputs.gas_limit);
    let code = inputs.known_bytecode.1.original_byte_slice();
    let code_hash = keccak256(code);
    let Some(program) = ctx.chain.programs.get(&code_hash).cloned() else {
        // Deployed but not activated: Nitro reverts (ProgramNotActivated).
        return InterpreterResult::new(InstructionResult::Revert, Bytes::new(), gas);
    };

    let block = ctx.block.number.saturating_to::<u64>();
    let recent = ctx.chain.arbos_version >= crate::config::ARBOS_RECENT_PROGRAMS
        && ctx.chain.recent.insert(code_hash, block);
    let cached = recent || ctx.chain.cached.contains(&code_hash);
    let pages_gas = ctx.chain.tx.pages.open(program.info.initial_pages);
    let entry_gas = program.info.report.entry.call_gas(cached);
    if !gas.record_regular_cost(entry_gas.saturating_add(pages_gas)) {
        ctx.chain.tx.pages.close(program.info.initial_pages);
        gas.spend_all();
        return InterpreterResult::new(InstructionResult::OutOfGas, Bytes::new(), gas);
    }

    let address = inputs.target_address;
    let frame = FrameInfo {
        address,
        caller: inputs.caller,
        value: inputs.value.get(),
        is_static: inputs.is_static,
        reentrant: ctx.chain.tx.open_programs.contains(&address),
    };
    let args = Bytes::copy_from_slice(&inputs.input.as_bytes(ctx));
    ctx.chain.tx.open_programs.push(address);
    let run = execute(ctx, &program.module, frame, args, gas.remaining());
    ctx.chain.tx.open_programs.pop();
    ctx.chain.tx.pages.close(run.pages);

    if let Some(tracer) = ctx.chain.tracer.as_mut() {
        // Nitro's exit event (`CaptureStylusExit`): STOP for success without output, RETURN
        // with output, REVERT otherwise.
        let exit = match run.ending {
            Ending::Status(0) if run.output.is_empty() => opcode::STOP,
            Ending::Status(0) => opcode::RETURN,
            _ => opcode::REVERT,
        };
        tracer.opcode(exit);
    }
    let spent = gas.remaining().saturating_sub(run.gas_left);
    let _ = gas.record_regular_cost(spent);
    let (result, output) = match run.ending {
        Ending::Status(0) => {
            gas.record_refund(run.refund);
            (InstructionResult::Return, run.output)
        }
        Ending::Status(_) => (InstructionResult::Revert, run.output),
        Ending::Failure => (InstructionResult::Revert, Bytes::new()),
        Ending::OutOfInk => {
            gas.spend_all();
            (InstructionResult::OutOfGas, Bytes::new())
        }
    };
    InterpreterResult::new(result, output, gas)
}

struct Run {
    ending: Ending,
    output: Bytes,
    gas_left: u64,
    refund: i64,
    /// Pages the memory ended with (released from the transaction's ledger by the caller).
    pages: u32,
}

fn execute(
    ctx: &mut DevContext,
    module: &wasmi::Module,
    frame: FrameInfo,
    args: Bytes,
    gas: u64,
) -> Run {
    let initial_pages = module
        .exports()
        .find_map(|export| export.ty().memory().map(|memory| memory.minimum()))
        .and_then(|pages| u32::try_from(pages).ok())
        .unwrap_or(0);
    let args_len = u32::try_from(args.len()).unwrap_or(u32::MAX);
    let failed = |pages| Run {
        ending: Ending::Failure,
        output: Bytes::new(),
        gas_left: gas,
        refund: 0,
        pages,
    };

    let mut store = Store::new(activation::engine(), HostEnv::new(ctx, frame, args));
    store.limiter(hostio::limiter);
    let Ok(imports) = hostio::imports_for(&mut store, module) else {
        return failed(0);
    };
    let Ok(instance) = Instance::new(&mut store, module, &imports) else {
        return failed(0);
    };
    let (Some(memory), Some(ink_left), Some(ink_status)) = (
        instance.get_memory(&store, "memory"),
        instance.get_global(&store, INK_LEFT_EXPORT),
        instance.get_global(&store, INK_STATUS_EXPORT),
    ) else {
        return failed(initial_pages);
    };
    store.data_mut().bind(memory, ink_left, ink_status);
    store.data_mut().paid_pages = initial_pages;
    if ink_left
        .set(&mut store, Val::I64(gas_to_ink(gas) as i64))
        .is_err()
    {
        return failed(initial_pages);
    }
    let Ok(entrypoint) =
        instance.get_typed_func::<u32, u32>(&store, stylus_check::ENTRYPOINT_EXPORT)
    else {
        return failed(initial_pages);
    };

    let outcome = entrypoint.call(&mut store, args_len);
    let out_of_ink = matches!(ink_status.get(&store), Val::I32(1));
    let mut ending = match outcome {
        Ok(status) => Ending::Status(status),
        Err(error) => match error.downcast_ref::<Escape>() {
            Some(Escape::Exit(status)) => Ending::Status(*status),
            Some(Escape::OutOfInk) => Ending::OutOfInk,
            _ if out_of_ink => Ending::OutOfInk,
            _ => Ending::Failure,
        },
    };

    // Memory grown after the last host call is paid at exit.
    let pages = u32::try_from(memory.size(&store)).unwrap_or(u32::MAX);
    let memory_gas = hostio::settle_pages(store.data_mut(), pages);
    let mut ink = hostio::ink_left(&store, ink_left);
    if gas_to_ink(memory_gas) > ink {
        ending = Ending::OutOfInk;
        ink = 0;
    } else {
        ink -= gas_to_ink(memory_gas);
    }
    let env = store.into_data();
    Run {
        ending,
        output: env.result.into(),
        gas_left: ink_to_gas(ink),
        refund: env.refund,
        pages,
    }
}
