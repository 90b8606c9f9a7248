//! The VM-side storage cache stylus-sdk 0.10 relies on.
//!
//! The SDK does not cache storage itself: `storage_load_bytes32` is expected to serve repeated
//! reads from a cache, `storage_cache_bytes32` only buffers a write, and
//! `storage_flush_cache` turns buffered writes into SSTOREs. As in Nitro
//! (`arbos/util/storage_cache.go`, `crates/arbutil/src/evm/req.rs`), a slot is written back
//! only when it is dirty: never read, or written with a value other than the one read. Writes
//! still buffered when the program returns are dropped (the SDK flushes on both of its exit
//! paths). One cache belongs to one program frame.

use std::collections::BTreeMap;

use alloy_primitives::B256;

#[derive(Clone, Copy, Debug)]
struct CachedSlot {
    value: B256,
    /// The value storage holds, when known (read, or written back).
    known: Option<B256>,
}

impl CachedSlot {
    fn dirty(&self) -> bool {
        self.known != Some(self.value)
    }
}

/// Slots of one program frame's storage, as the program last saw or wrote them.
#[derive(Clone, Debug, Default)]
pub(crate) struct StorageCache {
    // Ordered, so flushes write slots in a deterministic order.
    slots: BTreeMap<B256, CachedSlot>,
    /// `storage_load_bytes32` calls so far (Nitro's `read_gas` grows with them).
    loads: u64,
    /// `storage_cache_bytes32` calls so far (Nitro's `write_gas`).
    writes: u64,
}

impl StorageCache {
    /// Counts one more load; answers how many so far (this one included).
    pub(crate) fn count_load(&mut self) -> u64 {
        self.loads += 1;
        self.loads
    }

    /// Counts one more buffered write; answers how many so far (this one included).
    pub(crate) fn count_write(&mut self) -> u64 {
        self.writes += 1;
        self.writes
    }

    /// The cached value of `key`, if any.
    pub(crate) fn get(&self, key: &B256) -> Option<B256> {
        self.slots.get(key).map(|slot| slot.value)
    }

    /// Remembers a value read from the journal.
    pub(crate) fn remember(&mut self, key: B256, value: B256) {
        self.slots.insert(
            key,
            CachedSlot {
                value,
                known: Some(value),
            },
        );
    }

    /// Buffers a write.
    pub(crate) fn write(&mut self, key: B256, value: B256) {
        let known = self.slots.get(&key).and_then(|slot| slot.known);
        self.slots.insert(key, CachedSlot { value, known });
    }

    /// The buffered writes that would change storage (or whose old value is unknown), in key
    /// order.
    pub(crate) fn dirty(&self) -> Vec<(B256, B256)> {
        self.slots
            .iter()
            .filter(|(_, slot)| slot.dirty())
            .map(|(key, slot)| (*key, slot.value))
            .collect()
    }

    /// Marks every slot as written back; with `clear`, forgets the cache entirely (the SDK
    /// clears before calls that may change this contract's storage behind its back).
    pub(crate) fn flushed(&mut self, clear: bool) {
        if clear {
            self.slots.clear();
        } else {
            for slot in self.slots.values_mut() {
                slot.known = Some(slot.value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_stay_dirty_until_flushed() {
        let mut cache = StorageCache::default();
        let (a, b) = (B256::with_last_byte(1), B256::with_last_byte(2));
        cache.remember(a, B256::ZERO);
        cache.write(b, B256::with_last_byte(9));
        assert_eq!(cache.dirty(), vec![(b, B256::with_last_byte(9))]);
        cache.flushed(false);
        assert!(cache.dirty().is_empty());
        assert_eq!(cache.get(&b), Some(B256::with_last_byte(9)));
        cache.flushed(true);
        assert_eq!(cache.get(&a), None);
    }

    #[test]
    fn writing_back_the_value_read_is_not_dirty() {
        let mut cache = StorageCache::default();
        let (a, b) = (B256::with_last_byte(1), B256::with_last_byte(2));
        cache.remember(a, B256::with_last_byte(5));
        cache.write(a, B256::with_last_byte(5));
        // Never read: dirty even when the value might be unchanged (Nitro's `Known == nil`).
        cache.write(b, B256::ZERO);
        assert_eq!(cache.dirty(), vec![(b, B256::ZERO)]);
        cache.write(a, B256::with_last_byte(6));
        cache.write(a, B256::with_last_byte(5));
        assert_eq!(cache.dirty(), vec![(b, B256::ZERO)]);
    }
}
