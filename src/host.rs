//! What the module needs from the chain: a few hostios, behind one small trait.
//!
//! On-chain the trait is implemented straight over Nitro's `vm_hooks` imports (`wasm.rs`), so
//! the release WASM links neither the Stylus SDK nor `std` (the SDK's `stylus-core` pulls in
//! `regex`, hence `std`, hence `std`'s formatting panic handler: about 5 KB that every uncached
//! call paid for at 0.13 gas per byte). Tests and `export-abi` reach the same code through the
//! SDK's `Host` (stylus-test's `TestVM`, the SDK's VM) via the adapter below.

use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};

/// The module's view of its host.
pub trait Host {
    /// `msg.sender` of this call.
    fn msg_sender(&self) -> Address;

    /// `msg.value` of this call.
    fn msg_value(&self) -> U256;

    /// This program's own address.
    fn contract_address(&self) -> Address;

    /// Loads a storage word (through the VM's storage cache).
    fn load(&self, slot: U256) -> B256;

    /// Writes a storage word into the VM's storage cache. The entry point flushes the cache
    /// before it returns, and the module never calls code that could read storage in between.
    fn store(&self, slot: U256, value: B256);

    /// `block.chainid`.
    fn chain_id(&self) -> u64;

    /// `keccak256(bytes)` by the host (cheaper in ink than hashing in WASM).
    fn keccak256(&self, bytes: &[u8]) -> B256;

    /// Emits a log: `data` holds `topics` 32-byte topics followed by the log data.
    fn emit_log(&self, data: &[u8], topics: usize);

    /// A static call forwarding exactly `gas`; the return data when the call succeeded and
    /// returned exactly one word, else `None`.
    fn static_call_word(&self, to: &Address, input: &[u8], gas: u64) -> Option<B256>;

    /// A static call forwarding exactly `gas`; its whole return data when it succeeded, else
    /// `None`.
    fn static_call(&self, to: &Address, input: &[u8], gas: u64) -> Option<Vec<u8>>;

    /// `block.timestamp`. Never called in validation (ERC-7562 bans it there); only the
    /// ERC-1271 check, which runs outside ERC-4337 validation, reads the clock.
    fn block_timestamp(&self) -> u64;

    /// `EXTCODEHASH(account)`: the keccak of its code (zero for an account that does not exist).
    fn code_hash(&self, account: &Address) -> B256;

    /// A delegate call forwarding all gas left (the callee runs on this program's storage, with
    /// this call's sender); its whole return data when it succeeded, else `None`.
    fn delegate_call(&self, to: &Address, input: &[u8]) -> Option<Vec<u8>>;
}

/// Any Stylus SDK host (stylus-test's `TestVM` in tests and under `sdk-host`, the SDK's VM
/// under `export-abi`) is a [`Host`].
#[cfg(any(test, feature = "export-abi", feature = "sdk-host"))]
impl<T: stylus_sdk::prelude::Host + ?Sized> Host for T {
    fn msg_sender(&self) -> Address {
        stylus_sdk::prelude::MessageAccess::msg_sender(self)
    }

    fn msg_value(&self) -> U256 {
        stylus_sdk::prelude::MessageAccess::msg_value(self)
    }

    fn contract_address(&self) -> Address {
        stylus_sdk::prelude::AccountAccess::contract_address(self)
    }

    fn load(&self, slot: U256) -> B256 {
        stylus_sdk::prelude::StorageAccess::storage_load_bytes32(self, slot)
    }

    fn store(&self, slot: U256, value: B256) {
        // SAFETY: no reference into cached storage is held across this call.
        unsafe { stylus_sdk::prelude::StorageAccess::storage_cache_bytes32(self, slot, value) }
    }

    fn chain_id(&self) -> u64 {
        stylus_sdk::prelude::ChainAccess::chain_id(self)
    }

    fn keccak256(&self, bytes: &[u8]) -> B256 {
        stylus_sdk::prelude::CryptographyAccess::native_keccak256(self, bytes)
    }

    fn emit_log(&self, data: &[u8], topics: usize) {
        stylus_sdk::prelude::RawLogAccess::emit_log(self, data, topics)
    }

    fn static_call_word(&self, to: &Address, input: &[u8], gas: u64) -> Option<B256> {
        let data = self.static_call(to, input, gas)?;
        B256::try_from(data.as_slice()).ok()
    }

    fn static_call(&self, to: &Address, input: &[u8], gas: u64) -> Option<Vec<u8>> {
        let mut out_len = 0usize;
        // SAFETY: the pointers are to live, correctly sized buffers for the whole call.
        let status = unsafe {
            stylus_sdk::prelude::UnsafeCallAccess::static_call_contract(
                self,
                to.as_ptr(),
                input.as_ptr(),
                input.len(),
                gas,
                &mut out_len,
            )
        };
        sdk_return_data(self, status, out_len)
    }

    fn block_timestamp(&self) -> u64 {
        stylus_sdk::prelude::BlockAccess::block_timestamp(self)
    }

    fn code_hash(&self, account: &Address) -> B256 {
        stylus_sdk::prelude::AccountAccess::code_hash(self, *account)
    }

    fn delegate_call(&self, to: &Address, input: &[u8]) -> Option<Vec<u8>> {
        let mut out_len = 0usize;
        // SAFETY: as in `static_call`.
        let status = unsafe {
            stylus_sdk::prelude::UnsafeCallAccess::delegate_call_contract(
                self,
                to.as_ptr(),
                input.as_ptr(),
                input.len(),
                u64::MAX,
                &mut out_len,
            )
        };
        sdk_return_data(self, status, out_len)
    }
}

/// The last call's whole return data when it succeeded (`status` 0), else `None`.
#[cfg(any(test, feature = "export-abi", feature = "sdk-host"))]
fn sdk_return_data<T: stylus_sdk::prelude::Host + ?Sized>(
    host: &T,
    status: u8,
    out_len: usize,
) -> Option<Vec<u8>> {
    if status != 0 {
        return None;
    }
    let data = stylus_sdk::prelude::CalldataAccess::read_return_data(host, 0, Some(out_len));
    (data.len() == out_len).then_some(data)
}
