//! The on-chain program: Nitro's `vm_hooks` imports, the [`Host`] over them, the Stylus entry
//! point, the allocator and the panic handler. Nothing of the Stylus SDK is linked: the module
//! needs twelve hostios and a fixed entry sequence, and the SDK's graph brings `std`.

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};

use crate::host::Host;

// Signatures as Nitro exports them (`arbitrator/wasm-libraries/user-host`, module
// `vm_hooks`; the same list the Stylus SDK declares in `hostio.rs`).
#[link(wasm_import_module = "vm_hooks")]
extern "C" {
    fn read_args(dest: *mut u8);
    fn write_result(data: *const u8, len: usize);
    fn pay_for_memory_grow(pages: u16);
    fn storage_load_bytes32(key: *const u8, dest: *mut u8);
    fn storage_cache_bytes32(key: *const u8, value: *const u8);
    fn storage_flush_cache(clear: bool);
    fn msg_sender(sender: *mut u8);
    fn msg_value(value: *mut u8);
    fn contract_address(address: *mut u8);
    fn chainid() -> u64;
    fn native_keccak256(bytes: *const u8, len: usize, output: *mut u8);
    fn emit_log(data: *const u8, len: usize, topics: usize);
    fn static_call_contract(
        contract: *const u8,
        calldata: *const u8,
        calldata_len: usize,
        gas: u64,
        return_data_len: *mut usize,
    ) -> u8;
    fn read_return_data(dest: *mut u8, offset: usize, size: usize) -> usize;
    fn block_timestamp() -> u64;
    fn account_codehash(address: *const u8, dest: *mut u8);
    fn delegate_call_contract(
        contract: *const u8,
        calldata: *const u8,
        calldata_len: usize,
        gas: u64,
        return_data_len: *mut usize,
    ) -> u8;
}

/// The Stylus VM as the module's [`Host`].
struct WasmHost;

// SAFETY (every block below): each hostio writes at most the size of the live buffer it is
// given (20 bytes for an address, 32 for a word) and reads only the given lengths.
impl Host for WasmHost {
    fn msg_sender(&self) -> Address {
        let mut out = Address::ZERO;
        unsafe { msg_sender(out.as_mut_ptr()) };
        out
    }

    fn msg_value(&self) -> U256 {
        let mut out = [0u8; 32];
        unsafe { msg_value(out.as_mut_ptr()) };
        U256::from_be_bytes(out)
    }

    fn contract_address(&self) -> Address {
        let mut out = Address::ZERO;
        unsafe { contract_address(out.as_mut_ptr()) };
        out
    }

    fn load(&self, slot: U256) -> B256 {
        let key = slot.to_be_bytes::<32>();
        let mut out = B256::ZERO;
        unsafe { storage_load_bytes32(key.as_ptr(), out.as_mut_ptr()) };
        out
    }

    fn store(&self, slot: U256, value: B256) {
        let key = slot.to_be_bytes::<32>();
        unsafe { storage_cache_bytes32(key.as_ptr(), value.as_ptr()) };
    }

    fn chain_id(&self) -> u64 {
        unsafe { chainid() }
    }

    fn keccak256(&self, bytes: &[u8]) -> B256 {
        let mut out = B256::ZERO;
        unsafe { native_keccak256(bytes.as_ptr(), bytes.len(), out.as_mut_ptr()) };
        out
    }

    fn emit_log(&self, data: &[u8], topics: usize) {
        unsafe { emit_log(data.as_ptr(), data.len(), topics) };
    }

    fn static_call_word(&self, to: &Address, input: &[u8], gas: u64) -> Option<B256> {
        let mut len = 0usize;
        let status = unsafe {
            static_call_contract(to.as_ptr(), input.as_ptr(), input.len(), gas, &mut len)
        };
        if status != 0 || len != 32 {
            return None;
        }
        let mut out = B256::ZERO;
        let copied = unsafe { read_return_data(out.as_mut_ptr(), 0, 32) };
        (copied == 32).then_some(out)
    }

    fn static_call(&self, to: &Address, input: &[u8], gas: u64) -> Option<Vec<u8>> {
        let mut len = 0usize;
        let status = unsafe {
            static_call_contract(to.as_ptr(), input.as_ptr(), input.len(), gas, &mut len)
        };
        (status == 0).then(|| return_data(len))?
    }

    fn block_timestamp(&self) -> u64 {
        unsafe { block_timestamp() }
    }

    fn code_hash(&self, account: &Address) -> B256 {
        let mut out = B256::ZERO;
        unsafe { account_codehash(account.as_ptr(), out.as_mut_ptr()) };
        out
    }

    fn delegate_call(&self, to: &Address, input: &[u8]) -> Option<Vec<u8>> {
        let mut len = 0usize;
        let status = unsafe {
            delegate_call_contract(to.as_ptr(), input.as_ptr(), input.len(), u64::MAX, &mut len)
        };
        (status == 0).then(|| return_data(len))?
    }
}

/// The last call's return data when it is exactly `len` bytes long.
fn return_data(len: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(len);
    // SAFETY: `read_return_data` writes at most `len` bytes (the capacity) and says how many;
    // only those are exposed.
    unsafe {
        let copied = read_return_data(out.as_mut_ptr(), 0, len);
        out.set_len(copied.min(len));
    }
    (out.len() == len).then_some(out)
}

/// The Stylus entry point: read the calldata, route it, flush the storage cache, write the
/// result. Status 0 returns the data, 1 reverts with it.
///
/// No reentrancy guard (the SDK's is deprecated as redundant): every outgoing call is a static
/// call (the signature precompiles, the account's `isValidSignature` when a session is enabled
/// in its first op, made before anything is written, and the account's `eip712Domain()` in the
/// ERC-1271 check, which writes nothing), so nothing can change state under the module.
#[no_mangle]
pub extern "C" fn user_entrypoint(len: usize) -> usize {
    // Nitro inserts `pay_for_memory_grow` before every `memory.grow` at activation and refuses
    // a program that does not import it; this zero-page call makes sure it is imported.
    unsafe { pay_for_memory_grow(0) };
    let mut input: Vec<u8> = Vec::with_capacity(len);
    // SAFETY: `read_args` writes exactly `len` bytes (the length Nitro passed in).
    unsafe {
        read_args(input.as_mut_ptr());
        input.set_len(len);
    }
    #[cfg(not(feature = "erc1271-program"))]
    let routed = crate::router::route(&WasmHost, &input);
    #[cfg(feature = "erc1271-program")]
    let routed = crate::router::route_erc1271_program(&WasmHost, &input);
    let (data, status) = match routed {
        Ok(data) => (data, 0),
        Err(data) => (data, 1),
    };
    unsafe {
        storage_flush_cache(false);
        write_result(data.as_ptr(), data.len());
    }
    status
}

/// A bump allocator: a call lives for one transaction frame, so nothing needs freeing.
#[cfg(feature = "mini-alloc")]
#[global_allocator]
static ALLOC: mini_alloc::MiniAlloc = mini_alloc::MiniAlloc::INIT;

/// A panic (an out-of-bounds index the decoders rule out, an allocation failure) traps: the
/// call reverts with empty data, and no message formatting code is linked.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
