//! The policy engine's [`RecordStore`] over Stylus storage, for one session.

use crate::host::Host;
use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};
use sessionkey_policy::layout::{session_word, CallKey};
use sessionkey_policy::RecordStore;

use crate::slots;

/// One session's storage, read lazily through the host (the VM caches each slot after its
/// first load, so re-reads in a batch cost only the hostio).
pub struct SessionStorage<'a, H: Host + ?Sized> {
    /// Host access.
    pub host: &'a H,
    /// The account (innermost key of every slot).
    pub account: Address,
    /// The session signer.
    pub signer: Address,
    /// Its registration nonce.
    pub perm_nonce: u64,
    /// Base slot of the session's words.
    pub session: U256,
    /// Token-cap slots derived while reading caps (three keccaks each), reused for the debit
    /// writes instead of being derived again.
    pub token_slots: Vec<(Address, U256)>,
}

impl<H: Host + ?Sized> SessionStorage<'_, H> {
    /// Loads one word.
    pub fn load(&self, slot: U256) -> B256 {
        self.host.load(slot)
    }

    /// Buffers one word for the end-of-call flush.
    pub fn store(&self, slot: U256, value: B256) {
        self.host.store(slot, value)
    }

    /// Slot of session word `n`.
    pub fn session_word(&self, n: u8) -> U256 {
        slots::offset(self.session, n as usize)
    }

    /// Slot of the token cap for `token` (from the read's cache when the engine read it).
    pub fn token_slot(&self, token: Address) -> U256 {
        match self.token_slots.iter().find(|(t, _)| *t == token) {
            Some((_, slot)) => *slot,
            None => slots::token_slot(self.host, self.account, self.signer, self.perm_nonce, token),
        }
    }
}

impl<H: Host + ?Sized> RecordStore for SessionStorage<'_, H> {
    type Base = U256;

    fn call_base(&mut self, key: &CallKey) -> U256 {
        slots::call_slot(self.host, self.account, self.signer, self.perm_nonce, key)
    }

    fn scope_base(&mut self, app_domain_separator: &B256, contents_typehash: &B256) -> U256 {
        slots::scope_slot(
            self.host,
            self.account,
            self.signer,
            self.perm_nonce,
            app_domain_separator,
            contents_typehash,
        )
    }

    fn call_word(&mut self, base: U256, offset: usize) -> B256 {
        self.load(slots::offset(base, offset))
    }

    fn token_cap(&mut self, token: Address) -> B256 {
        let slot = self.token_slot(token);
        self.token_slots.push((token, slot));
        self.load(slot)
    }

    fn counters_word(&mut self) -> B256 {
        self.load(self.session_word(session_word::COUNTERS))
    }

    fn paymaster_word(&mut self) -> B256 {
        self.load(self.session_word(session_word::PAYMASTER))
    }

    fn period_word(&mut self) -> B256 {
        self.load(self.session_word(session_word::PERIOD))
    }
}
