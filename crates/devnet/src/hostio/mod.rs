//! The `vm_hooks` host functions a Stylus program imports.
//!
//! One file per group, named for what the functions touch; every function charges its ink
//! before doing work (prices in [`crate::ink::prices`]) and, when tracing, records the EVM
//! opcode it stands for. This module holds the per-frame host state ([`HostEnv`]), the ways a
//! host function can stop the program ([`Escape`]), the memory/ink helpers, and the linker
//! ([`imports_for`]) that resolves a module's imports by name.

mod account;
mod args;
mod call;
mod context;
mod crypto;
mod log;
mod memory;
mod storage;

use core::fmt;

use alloy_primitives::{Address, Bytes, B256, U256};
use wasmi::{AsContext, AsContextMut, Caller, Extern, Func, Global, Memory, Store, Val};

use crate::evm_bridge::DevContext;
use crate::ink::gas_to_ink;
use crate::storage_cache::StorageCache;
use crate::tracer::Opcode;

/// Who is running and on whose behalf: the EVM call context of a program frame.
#[derive(Clone, Debug)]
pub(crate) struct FrameInfo {
    /// Storage context (`address(this)`).
    pub address: Address,
    /// `msg.sender`.
    pub caller: Address,
    /// `msg.value` (apparent value for delegate calls).
    pub value: U256,
    /// Whether state changes are forbidden.
    pub is_static: bool,
    /// Whether another frame of the same contract is open below this one.
    pub reentrant: bool,
}

/// Host-side state of one running program frame (the wasmi store's data).
pub(crate) struct HostEnv<'a> {
    /// The chain, borrowed from revm for the duration of the frame.
    pub ctx: &'a mut DevContext,
    pub frame: FrameInfo,
    /// Calldata.
    pub args: Bytes,
    /// What `write_result` last stored.
    pub result: Vec<u8>,
    /// Return data of the last call or failed create.
    pub return_data: Bytes,
    pub cache: StorageCache,
    /// Gas refund accumulated (SSTORE refunds, refunds of successful children).
    pub refund: i64,
    /// Memory pages already paid for.
    pub paid_pages: u32,
    pub limits: wasmi::StoreLimits,
    meter: Option<Meter>,
}

/// Handles the host needs into the instance: its memory and the meter's globals.
#[derive(Clone, Copy)]
struct Meter {
    memory: Memory,
    ink_left: Global,
    ink_status: Global,
}

impl<'a> HostEnv<'a> {
    pub(crate) fn new(ctx: &'a mut DevContext, frame: FrameInfo, args: Bytes) -> Self {
        Self {
            ctx,
            frame,
            args,
            result: Vec::new(),
            return_data: Bytes::new(),
            cache: StorageCache::default(),
            refund: 0,
            paid_pages: 0,
            limits: wasmi::StoreLimitsBuilder::new()
                .memory_size(crate::memory_model::MAX_PAGES as usize * 65_536)
                .memories(1)
                .tables(1)
                .instances(1)
                .build(),
            meter: None,
        }
    }

    /// Hands the instance's memory and meter globals to the host functions.
    pub(crate) fn bind(&mut self, memory: Memory, ink_left: Global, ink_status: Global) {
        self.meter = Some(Meter {
            memory,
            ink_left,
            ink_status,
        });
    }

    fn meter(&self) -> Result<Meter, wasmi::Error> {
        self.meter
            .ok_or_else(|| escape(Escape::Fatal("host function called before instantiation")))
    }
}

/// Gives wasmi the store's memory limits.
pub(crate) fn limiter<'s>(env: &'s mut HostEnv<'_>) -> &'s mut dyn wasmi::ResourceLimiter {
    &mut env.limits
}

/// Why a host function stopped the program.
#[derive(Debug)]
pub(crate) enum Escape {
    /// `exit_early(status)`.
    Exit(u32),
    /// The frame ran out of ink (Nitro: out of gas).
    OutOfInk,
    /// The program asked for something the EVM forbids (a write in a static call, a log with
    /// too many topics, an out-of-bounds pointer); the frame fails.
    Fatal(&'static str),
}

impl fmt::Display for Escape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exit(status) => write!(f, "exit_early({status})"),
            Self::OutOfInk => f.write_str("out of ink"),
            Self::Fatal(reason) => f.write_str(reason),
        }
    }
}

impl wasmi::errors::HostError for Escape {}

pub(crate) fn escape(escape: Escape) -> wasmi::Error {
    wasmi::Error::host(escape)
}

type Ctx<'c, 'a> = Caller<'c, HostEnv<'a>>;
type HostResult<T = ()> = Result<T, wasmi::Error>;

/// Ink the frame has left.
pub(crate) fn ink_left(store: impl AsContext<Data = impl Sized>, ink: Global) -> u64 {
    match ink.get(store) {
        Val::I64(value) => value as u64,
        _ => 0,
    }
}

fn set_ink(caller: &mut Ctx<'_, '_>, meter: Meter, ink: u64) -> HostResult {
    meter
        .ink_left
        .set(caller.as_context_mut(), Val::I64(ink as i64))
        .map_err(|_| escape(Escape::Fatal("ink global is not writable")))
}

/// Charges `ink`, first settling any memory the program grew since the last host call.
fn charge(caller: &mut Ctx<'_, '_>, ink: u64) -> HostResult {
    let meter = caller.data().meter()?;
    let memory_gas = settle_memory(caller, meter.memory);
    let total = ink.saturating_add(gas_to_ink(memory_gas));
    let left = ink_left(&*caller, meter.ink_left);
    if left < total {
        set_ink(caller, meter, 0)?;
        let _ = meter.ink_status.set(caller.as_context_mut(), Val::I32(1));
        return Err(escape(Escape::OutOfInk));
    }
    set_ink(caller, meter, left - total)
}

/// Charges EVM gas (converted to ink).
fn charge_gas(caller: &mut Ctx<'_, '_>, gas: u64) -> HostResult {
    charge(caller, gas_to_ink(gas))
}

/// Gas owed for memory pages grown to `pages_now` since they were last paid for; records them
/// as paid.
///
/// Memory growth is paid lazily, at the next host call or at exit, rather than at the
/// `memory.grow` instruction (a documented deviation; the total charged is the same, and no host
/// function acts before the debt is settled).
pub(crate) fn settle_pages(env: &mut HostEnv<'_>, pages_now: u32) -> u64 {
    if pages_now <= env.paid_pages {
        return 0;
    }
    let new = pages_now - env.paid_pages;
    env.paid_pages = pages_now;
    env.ctx.chain.tx.pages.open(new)
}

fn settle_memory(caller: &mut Ctx<'_, '_>, memory: Memory) -> u64 {
    let pages = u32::try_from(memory.size(&*caller)).unwrap_or(u32::MAX);
    settle_pages(caller.data_mut(), pages)
}

const OUT_OF_BOUNDS: Escape = Escape::Fatal("pointer out of bounds of the program's memory");

/// Copies `len` bytes at `ptr` out of the program's memory.
fn read_bytes(caller: &Ctx<'_, '_>, ptr: u32, len: u32) -> HostResult<Vec<u8>> {
    let memory = caller.data().meter()?.memory;
    let data = memory.data(caller);
    let start = ptr as usize;
    let end = start
        .checked_add(len as usize)
        .ok_or_else(|| escape(OUT_OF_BOUNDS))?;
    data.get(start..end)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| escape(OUT_OF_BOUNDS))
}

fn read_fixed<const N: usize>(caller: &Ctx<'_, '_>, ptr: u32) -> HostResult<[u8; N]> {
    let memory = caller.data().meter()?.memory;
    let data = memory.data(caller);
    let start = ptr as usize;
    data.get(start..start.saturating_add(N))
        .and_then(|bytes| <[u8; N]>::try_from(bytes).ok())
        .ok_or_else(|| escape(OUT_OF_BOUNDS))
}

fn read_word(caller: &Ctx<'_, '_>, ptr: u32) -> HostResult<B256> {
    read_fixed::<32>(caller, ptr).map(B256::from)
}

fn read_u256(caller: &Ctx<'_, '_>, ptr: u32) -> HostResult<U256> {
    read_fixed::<32>(caller, ptr).map(U256::from_be_bytes)
}

fn read_address(caller: &Ctx<'_, '_>, ptr: u32) -> HostResult<Address> {
    read_fixed::<20>(caller, ptr).map(Address::from)
}

/// Copies `bytes` into the program's memory at `ptr`.
fn write_bytes(caller: &mut Ctx<'_, '_>, ptr: u32, bytes: &[u8]) -> HostResult {
    let memory = caller.data().meter()?.memory;
    memory
        .write(caller.as_context_mut(), ptr as usize, bytes)
        .map_err(|_| escape(OUT_OF_BOUNDS))
}

/// Writes a wasm32 `usize` (little-endian `u32`).
fn write_usize(caller: &mut Ctx<'_, '_>, ptr: u32, value: usize) -> HostResult {
    let value = u32::try_from(value).unwrap_or(u32::MAX);
    write_bytes(caller, ptr, &value.to_le_bytes())
}

/// Ink left now; read at a host function's entry, so its trace can report what it cost.
fn ink_now(caller: &Ctx<'_, '_>) -> HostResult<u64> {
    let meter = caller.data().meter()?;
    Ok(ink_left(caller, meter.ink_left))
}

/// Records the EVM opcode a host function stands for, when tracing, with the `gas` and `cost`
/// Nitro gives the tracer (`CaptureEVMTraceForHostio`: gas = ink left / 10,000, cost = ink the
/// host function spent since `start_ink` / 10,000).
fn trace(caller: &mut Ctx<'_, '_>, opcode: Opcode, start_ink: u64) {
    if caller.data().ctx.chain.tracer.is_none() {
        return;
    }
    let end_ink = ink_now(caller).unwrap_or(0);
    let gas = end_ink / crate::ink::INK_PER_GAS;
    let cost = start_ink.saturating_sub(end_ink) / crate::ink::INK_PER_GAS;
    trace_step(caller, opcode, gas, cost);
}

/// Records a step with the `gas` and `cost` given, when tracing.
fn trace_step(caller: &mut Ctx<'_, '_>, opcode: Opcode, gas: u64, cost: u64) {
    if let Some(tracer) = caller.data_mut().ctx.chain.tracer.as_mut() {
        tracer.step(opcode, gas, cost);
    }
}

/// Gas left in the frame (ink / 10,000).
fn gas_left(caller: &Ctx<'_, '_>) -> HostResult<u64> {
    let meter = caller.data().meter()?;
    Ok(crate::ink::ink_to_gas(ink_left(caller, meter.ink_left)))
}

/// Adds ink back (gas a child call did not use).
fn refund_ink(caller: &mut Ctx<'_, '_>, ink: u64) -> HostResult {
    let meter = caller.data().meter()?;
    let left = ink_left(&*caller, meter.ink_left);
    set_ink(caller, meter, left.saturating_add(ink))
}

/// Resolves a module's imports to host functions, in import order.
///
/// Activation already rejected unknown names and wrong signatures, so a miss here is a devnet
/// bug and fails the frame.
pub(crate) fn imports_for(
    store: &mut Store<HostEnv<'_>>,
    module: &wasmi::Module,
) -> Result<Vec<Extern>, String> {
    module
        .imports()
        .map(|import| {
            host_function(store, import.name())
                .map(Extern::Func)
                .ok_or_else(|| format!("no host function {}::{}", import.module(), import.name()))
        })
        .collect()
}

fn host_function(store: &mut Store<HostEnv<'_>>, name: &str) -> Option<Func> {
    let func = match name {
        "read_args" => Func::wrap(store, args::read_args),
        "write_result" => Func::wrap(store, args::write_result),
        "exit_early" => Func::wrap(store, args::exit_early),
        "storage_load_bytes32" => Func::wrap(store, storage::storage_load_bytes32),
        "storage_cache_bytes32" => Func::wrap(store, storage::storage_cache_bytes32),
        "storage_flush_cache" => Func::wrap(store, storage::storage_flush_cache),
        "transient_load_bytes32" => Func::wrap(store, storage::transient_load_bytes32),
        "transient_store_bytes32" => Func::wrap(store, storage::transient_store_bytes32),
        "msg_sender" => Func::wrap(store, context::msg_sender),
        "msg_value" => Func::wrap(store, context::msg_value),
        "msg_reentrant" => Func::wrap(store, context::msg_reentrant),
        "tx_origin" => Func::wrap(store, context::tx_origin),
        "tx_gas_price" => Func::wrap(store, context::tx_gas_price),
        "tx_ink_price" => Func::wrap(store, context::tx_ink_price),
        "block_basefee" => Func::wrap(store, context::block_basefee),
        "block_coinbase" => Func::wrap(store, context::block_coinbase),
        "block_gas_limit" => Func::wrap(store, context::block_gas_limit),
        "block_number" => Func::wrap(store, context::block_number),
        "block_timestamp" => Func::wrap(store, context::block_timestamp),
        "chainid" => Func::wrap(store, context::chainid),
        "contract_address" => Func::wrap(store, context::contract_address),
        "evm_gas_left" => Func::wrap(store, context::evm_gas_left),
        "evm_ink_left" => Func::wrap(store, context::evm_ink_left),
        "account_balance" => Func::wrap(store, account::account_balance),
        "account_code" => Func::wrap(store, account::account_code),
        "account_code_size" => Func::wrap(store, account::account_code_size),
        "account_codehash" => Func::wrap(store, account::account_codehash),
        "native_keccak256" => Func::wrap(store, crypto::native_keccak256),
        "emit_log" => Func::wrap(store, log::emit_log),
        "pay_for_memory_grow" => Func::wrap(store, memory::pay_for_memory_grow),
        "call_contract" => Func::wrap(store, call::call_contract),
        "delegate_call_contract" => Func::wrap(store, call::delegate_call_contract),
        "static_call_contract" => Func::wrap(store, call::static_call_contract),
        "read_return_data" => Func::wrap(store, call::read_return_data),
        "return_data_size" => Func::wrap(store, call::return_data_size),
        "create1" => Func::wrap(store, call::create1),
        "create2" => Func::wrap(store, call::create2),
        _ => return None,
    };
    Some(func)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_sdk_hostio_is_linked() {
        let engine = crate::activation::engine();
        let mut ctx = crate::evm_bridge::placeholder_context();
        let frame = super::FrameInfo {
            address: Default::default(),
            caller: Default::default(),
            value: Default::default(),
            is_static: false,
            reentrant: false,
        };
        let mut store = wasmi::Store::new(
            engine,
            super::HostEnv::new(&mut ctx, frame, Default::default()),
        );
        for hostio in stylus_check::hostio::VM_HOOKS {
            let func = super::host_function(&mut store, hostio.name)
                .unwrap_or_else(|| panic!("{} is not linked", hostio.name));
            let ty = func.ty(&store);
            let expected: Vec<wasmi::ValType> = hostio
                .params
                .iter()
                .map(|t| match t {
                    stylus_check::ValueType::I32 => wasmi::ValType::I32,
                    stylus_check::ValueType::I64 => wasmi::ValType::I64,
                    other => panic!("float in hostio table: {other:?}"),
                })
                .collect();
            assert_eq!(ty.params(), expected.as_slice(), "{} params", hostio.name);
            assert_eq!(
                ty.results().len(),
                hostio.results.len(),
                "{} results",
                hostio.name
            );
        }
    }
}
