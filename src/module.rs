//! The module's logic, over any Stylus host: registration, revocation and `validateUserOp`,
//! the glue between storage and the policy engine. The router (`router.rs`) decodes calldata
//! and calls these methods; tests call them through the same router on stylus-test's TestVM.

use crate::host::Host;
use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};
use sessionkey_policy::enable::{self, EnablePayload};
use sessionkey_policy::layout::{
    self as layout, session_flags, session_word, AccountWord, CallKey, EntryWords, SessionHeader,
    SessionStatus,
};
use sessionkey_policy::memory::{
    header_word, initial_counters_word, initial_token_word, paymaster_of, period_config_of,
};
use sessionkey_policy::record::{self, CheckOnly, RecordHeader, RecordSink};
use sessionkey_policy::signature::{
    digest_preimage, period_digest_preimage, split_period, split_signer,
};
use sessionkey_policy::signer::{P256PublicKey, Proof, SignerKind};
use sessionkey_policy::userop::UserOpRef;
use sessionkey_policy::{
    authorize_op, decode_execute, gas, Condition, OpFacts, RecordError, TokenCap,
};

use crate::abi::Error;
use crate::store::SessionStorage;
use crate::{ecrecover, events, p256, slots};

/// ERC-7579 module type of a validator.
pub const MODULE_TYPE_VALIDATOR: u64 = 1;

/// The module's logic bound to a host (the Stylus VM on-chain, a TestVM in tests).
pub struct Module<'a, H: Host + ?Sized> {
    /// Host access: storage, keccak, logs, calls, message context.
    pub host: &'a H,
}

impl<H: Host + ?Sized> Module<'_, H> {
    /// ERC-7579 `onInstall(bytes)`: marks the module installed for the calling account and
    /// registers each encoded record in `data` (zero or more, back to back).
    ///
    /// # Errors
    /// `AlreadyInstalled`; `InvalidRecord`/`SessionAlreadyActive` from a record in `data`.
    ///
    /// # Events
    /// `ModuleInstalled`, then `SessionRegistered` per record.
    pub fn on_install(&self, data: &[u8]) -> Result<(), Error> {
        let account = self.host.msg_sender();
        let mut state = self.account_word(account);
        if state.installed {
            return Err(Error::already_installed(account));
        }
        // Decode and check everything before the first write.
        let mut records: Vec<(Address, bool, &[u8])> = Vec::new();
        let mut rest = data;
        while !rest.is_empty() {
            let (header, used) = record::visit(rest, &mut CheckOnly)?;
            let signer = self.signer_of(&header);
            if records.iter().any(|(s, _, _)| *s == signer) {
                return Err(Error::session_already_active(account, signer));
            }
            // `used` never exceeds `rest` (visit reads within it); checked, not indexed, so no
            // panic path is linked.
            let (encoded, tail) = rest
                .split_at_checked(used)
                .ok_or(RecordError::Truncated { at: used })?;
            records.push((signer, header.period.is_some(), encoded));
            rest = tail;
        }
        state.installed = true;
        self.set_account_word(account, &state);
        events::module_installed(self.host, account);
        for (signer, periodic, encoded) in records {
            self.register(account, &mut state, signer, periodic, encoded)?;
        }
        Ok(())
    }

    /// ERC-7579 `onUninstall(bytes)`: every session of the account dies (its nonces fall below
    /// `revokedBelow`), so a later reinstall starts from nothing. `data` is ignored.
    ///
    /// # Errors
    /// `NotInstalled`.
    ///
    /// # Events
    /// `ModuleUninstalled`.
    pub fn on_uninstall(&self, data: &[u8]) -> Result<(), Error> {
        let _ = data;
        let account = self.host.msg_sender();
        let mut state = self.installed_account(account)?;
        state.installed = false;
        state.revoked_below = state.next_nonce;
        state.enable_nonce += 1;
        self.set_account_word(account, &state);
        events::module_uninstalled(self.host, account);
        Ok(())
    }

    /// ERC-7579: this is a validator (type 1) and nothing else.
    pub fn is_module_type(&self, module_type_id: U256) -> bool {
        module_type_id == U256::from(MODULE_TYPE_VALIDATOR)
    }

    /// ERC-7579: whether `smart_account` has the module installed.
    pub fn is_initialized(&self, smart_account: Address) -> bool {
        self.account_word(smart_account).installed
    }

    /// Registers a session for the calling account from its canonical encoded record.
    ///
    /// # Errors
    /// `NotInstalled`; `InvalidRecord(code, position)`; `SessionAlreadyActive` if the signer's
    /// session is live (revoke it first: a re-registration is always a fresh session).
    ///
    /// # Events
    /// `SessionRegistered`.
    pub fn register_session(&self, record: &[u8]) -> Result<(), Error> {
        let account = self.host.msg_sender();
        let mut state = self.installed_account(account)?;
        let header = record::visit_exact(record, &mut CheckOnly)?;
        self.register(
            account,
            &mut state,
            self.signer_of(&header),
            header.period.is_some(),
            record,
        )
    }

    /// Revokes the calling account's session of `signer`; its very next op fails.
    ///
    /// # Errors
    /// `NotInstalled`; `SessionNotActive`.
    ///
    /// # Events
    /// `SessionRevoked`.
    pub fn revoke_session(&self, signer: Address) -> Result<(), Error> {
        let account = self.host.msg_sender();
        let state = self.installed_account(account)?;
        let slot = slots::session_slot(self.host, signer, account);
        let mut header = SessionHeader::unpack(&self.host.load(slot));
        if !header.is_live(&state) {
            return Err(Error::session_not_active(account, signer));
        }
        header.status = SessionStatus::Revoked;
        self.store(slot, header.pack());
        events::session_revoked(self.host, account, signer, header.perm_nonce);
        Ok(())
    }

    /// Revokes every session of the calling account in one write, and every owner signature
    /// for enabling a session in its first op that was not used yet.
    ///
    /// # Errors
    /// `NotInstalled`.
    ///
    /// # Events
    /// `AllSessionsRevoked`.
    pub fn revoke_all_sessions(&self) -> Result<(), Error> {
        let account = self.host.msg_sender();
        let mut state = self.installed_account(account)?;
        state.revoked_below = state.next_nonce;
        // Owner signatures for enabling a session that were not used yet die too.
        state.enable_nonce += 1;
        self.set_account_word(account, &state);
        events::all_sessions_revoked(self.host, account, state.revoked_below);
        Ok(())
    }

    /// The raw storage words of `signer`'s session on `account`:
    /// `(accountWord, header, counters, paymaster)`, laid out as `sessionkey_policy::layout`
    /// documents (the SDK decodes them). Raw words keep the contract small; a session is live
    /// when `header.status == 1`, the account is installed and `header.permNonce >= revokedBelow`.
    pub fn session_words(&self, account: Address, signer: Address) -> (B256, B256, B256, B256) {
        let host = self.host;
        let slot = slots::session_slot(host, signer, account);
        (
            host.load(slots::account_slot(host, account)),
            host.load(slot),
            host.load(slots::offset(slot, session_word::COUNTERS as usize)),
            host.load(slots::offset(slot, session_word::PAYMASTER as usize)),
        )
    }

    /// The raw token-cap word of `signer`'s current registration on `account` for `token`
    /// (`[0]` flags: 1 configured, 2 unlimited; `[1..32]` remaining).
    pub fn token_cap_word(&self, account: Address, signer: Address, token: Address) -> B256 {
        let host = self.host;
        let h = SessionHeader::unpack(&host.load(slots::session_slot(host, signer, account)));
        host.load(slots::token_slot(
            host,
            account,
            signer,
            h.perm_nonce,
            token,
        ))
    }
}

impl<H: Host + ?Sized> Module<'_, H> {
    /// ERC-7579 `validateUserOp`: checks the op's calls against the session named in its
    /// signature, debits the session's counters, and returns validationData with the session's
    /// window — authorizer 1 if the signature is not the session key's.
    ///
    /// Every policy check runs before the signature check, so a bundler's dummy signature is
    /// charged the real cost; counters are written on that path too (EntryPoint reverts the
    /// whole bundle on a signature failure, so the writes never persist).
    ///
    /// A signature naming the zero signer enables its session first (`enable`): the record it
    /// carries is registered if the account's owner signed it, and the op is then validated
    /// against it like any other; authorizer 1 unless both the owner and the session key signed.
    ///
    /// # Errors
    /// `SenderMismatch`, `NotInstalled`, `InvalidSignatureLength`, `SessionNotActive`,
    /// `MalformedExecution(code)`, and one typed error per policy rule (`CallNotAllowed`,
    /// `RuleFailed`, `TokenCapExceeded`, …); when enabling, `InvalidRecord(code, position)` and
    /// `SessionAlreadyActive`.
    pub fn validate_user_op(
        &self,
        user_op: &UserOpRef<'_>,
        user_op_hash: B256,
    ) -> Result<B256, Error> {
        let account = self.host.msg_sender();
        if user_op.sender != account {
            return Err(Error::sender_mismatch(user_op.sender, account));
        }
        let mut state = self.installed_account(account)?;
        let bad_length = || Error::invalid_signature_length(user_op.signature.len());
        let (mut signer, mut rest) = split_signer(user_op.signature).ok_or_else(bad_length)?;
        let mut owner_authorized = true;
        if enable::is_enable_marker(signer) {
            let payload = enable::split_enable(rest).ok_or_else(bad_length)?;
            (signer, owner_authorized) = self.enable(account, &mut state, &payload)?;
            rest = payload.session_proof;
        }
        let session_slot = slots::session_slot(self.host, signer, account);
        let header = SessionHeader::unpack(&self.host.load(session_slot));
        if !header.is_live(&state) {
            return Err(Error::session_not_active(account, signer));
        }
        // The signature's shape is the session's (its signer kind, whether it names a period),
        // never inferred from its length.
        let periodic = header.has(session_flags::PERIODIC);
        let (period, proof) = split_period(rest, periodic).ok_or_else(bad_length)?;
        let proof = SignerKind::from_byte(header.signer_kind)
            .and_then(|kind| Proof::parse(kind, signer, proof))
            .ok_or_else(bad_length)?;
        let (_, executions) = decode_execute(user_op.call_data)?;
        let module = self.host.contract_address();
        let facts = OpFacts {
            account,
            module,
            executions: &executions,
            prefund: gas::required_prefund(
                &user_op.account_gas_limits,
                user_op.pre_verification_gas,
                &user_op.gas_fees,
            ),
            paymaster: gas::paymaster_of(user_op.paymaster_and_data),
            period,
        };
        let mut storage = SessionStorage {
            host: self.host,
            account,
            signer,
            perm_nonce: header.perm_nonce,
            session: session_slot,
            token_slots: Vec::new(),
        };
        let outcome = authorize_op(&mut storage, &header, &facts)?;
        if let Some(h) = outcome.header {
            storage.store(session_slot, h);
        }
        if let Some(c) = outcome.counters {
            storage.store(storage.session_word(session_word::COUNTERS), c);
        }
        for (token, word) in &outcome.token_caps {
            storage.store(storage.token_slot(*token), *word);
        }

        let digest = if periodic {
            self.host
                .keccak256(&period_digest_preimage(&user_op_hash, module, period))
        } else {
            self.host.keccak256(&digest_preimage(&user_op_hash, module))
        };
        let mut data = outcome.validation_data;
        data.sig_failed =
            !(self.verifies(&proof, &digest, signer, session_slot) && owner_authorized);
        Ok(data.to_word())
    }

    /// Whether `proof` is the session key's signature over `digest` (the session at
    /// `session_slot`, signer `signer`). Each check calls its precompiles before looking at the
    /// signature's form, so gas does not depend on what a dummy signature looks like.
    pub(crate) fn verifies(
        &self,
        proof: &Proof<'_>,
        digest: &B256,
        signer: Address,
        session_slot: U256,
    ) -> bool {
        match proof {
            Proof::Secp256k1(sig) => {
                let recovered = ecrecover::recover(self.host, digest, sig);
                sig.is_canonical() && recovered == Some(signer)
            }
            Proof::P256(sig) => {
                let key = self.p256_key(session_slot);
                p256::verify(self.host, digest, sig, &key) && sig.is_canonical()
            }
            Proof::WebAuthn(assertion) => {
                let key = self.p256_key(session_slot);
                p256::verify_webauthn(self.host, digest, assertion, &key)
                    && assertion.signature.is_canonical()
            }
        }
    }

    /// Enable mode (`sessionkey_policy::enable`): checks the record, asks the account whether
    /// its owner signed it (ERC-1271, before anything is written: the account's code runs while
    /// the module's storage is unchanged), and registers it as `registerSession` would. Returns
    /// the session's signer and the account's answer; a refused owner signature still registers
    /// here, so the op costs what the signed one will, and fails as a bad signature
    /// (EntryPoint then reverts the whole bundle, writes included).
    #[inline(never)]
    /// `state` is the account's word, loaded by the caller; written once, by `register`. The
    /// call goes to the sender, whose storage validation may always touch (ERC-7562 STO-010).
    fn enable(
        &self,
        account: Address,
        state: &mut AccountWord,
        payload: &EnablePayload<'_>,
    ) -> Result<(Address, bool), Error> {
        let header = record::visit_exact(payload.record, &mut CheckOnly)?;
        let signer = self.signer_of(&header);
        let digest = enable::enable_digest(
            self.host.chain_id(),
            self.host.contract_address(),
            account,
            payload.record,
            state.enable_nonce,
            |b| self.host.keccak256(b),
        );
        let answer = self.host.static_call_word(
            &account,
            &enable::is_valid_signature_call(&digest, payload.owner_signature),
            enable::OWNER_CHECK_GAS,
        );
        // The signature is used up with this registration; `register` writes the word, and
        // refuses a live signer before its first write.
        state.enable_nonce += 1;
        self.register(
            account,
            state,
            signer,
            header.period.is_some(),
            payload.record,
        )?;
        Ok((signer, answer == Some(enable::ERC1271_MAGIC_WORD)))
    }

    /// The P-256 key of the session at `session_slot` (words 3 and 4).
    pub(crate) fn p256_key(&self, session_slot: U256) -> P256PublicKey {
        P256PublicKey {
            x: self
                .host
                .load(slots::offset(session_slot, session_word::KEY_X as usize)),
            y: self
                .host
                .load(slots::offset(session_slot, session_word::KEY_Y as usize)),
        }
    }

    /// The signer address a checked record registers under (a P-256 key hashed by the host).
    fn signer_of(&self, header: &RecordHeader) -> Address {
        header.signer_address(|b| self.host.keccak256(b))
    }

    pub(crate) fn account_word(&self, account: Address) -> AccountWord {
        AccountWord::unpack(&self.host.load(slots::account_slot(self.host, account)))
    }

    fn set_account_word(&self, account: Address, state: &AccountWord) {
        self.store(slots::account_slot(self.host, account), state.pack());
    }

    fn installed_account(&self, account: Address) -> Result<AccountWord, Error> {
        let state = self.account_word(account);
        if !state.installed {
            return Err(Error::not_installed(account));
        }
        Ok(state)
    }

    fn store(&self, slot: U256, value: B256) {
        self.host.store(slot, value)
    }

    /// Writes a record that a check pass (`record::visit` with `CheckOnly`) has accepted. The
    /// caller has checked the account is installed; the whole write happens in this one call, so
    /// a record is never live half-written (a revert undoes all of it), and the header that makes
    /// it live is written last.
    /// `periodic`: the record's periodic flag, from the check pass (token caps are written
    /// before `visit` returns the header).
    #[inline(never)]
    fn register(
        &self,
        account: Address,
        state: &mut AccountWord,
        signer: Address,
        periodic: bool,
        encoded: &[u8],
    ) -> Result<(), Error> {
        let session = slots::session_slot(self.host, signer, account);
        let old = SessionHeader::unpack(&self.host.load(session));
        if old.is_live(state) {
            return Err(Error::session_already_active(account, signer));
        }
        let perm_nonce = state.next_nonce;
        // The header holds 48 bits of nonce; a nonce is never reused (unreachable in practice:
        // 2^48 registrations).
        if perm_nonce > layout::MAX_PERM_NONCE {
            return Err(RecordError::TooMany { at: 0 }.into());
        }
        state.next_nonce += 1;
        self.set_account_word(account, state);

        let mut writer = EntryWriter {
            module: self,
            account,
            signer,
            perm_nonce,
            periodic,
            base: U256::ZERO,
            entry: EntryWords::new(0, 0),
        };
        let (header, _) = record::visit(encoded, &mut writer)?;
        // Words read only under a flag are written only under it (an older registration's
        // words at these slots are never read while the flag is clear).
        if let Some(counters) = initial_counters_word(&header) {
            self.store(
                slots::offset(session, session_word::COUNTERS as usize),
                counters,
            );
        }
        if let Some(config) = period_config_of(&header) {
            self.store(
                slots::offset(session, session_word::PERIOD as usize),
                config.pack(),
            );
        }
        if header.flags & session_flags::PAYMASTER != 0 {
            self.store(
                slots::offset(session, session_word::PAYMASTER as usize),
                paymaster_of(&header),
            );
        }
        if let Some(key) = header.signer_key.p256() {
            self.store(slots::offset(session, session_word::KEY_X as usize), key.x);
            self.store(slots::offset(session, session_word::KEY_Y as usize), key.y);
        }
        self.store(session, header_word(&header, perm_nonce).pack());

        let record_hash = self.host.keccak256(encoded);
        events::session_registered(self.host, account, signer, perm_nonce, record_hash);
        Ok(())
    }
}

/// Writes a checked record's call entries and token caps to storage as [`record::visit`]
/// streams them.
struct EntryWriter<'m, 'h, H: Host + ?Sized> {
    module: &'m Module<'h, H>,
    account: Address,
    signer: Address,
    perm_nonce: u64,
    /// Token caps renew per period.
    periodic: bool,
    /// Base slot of the current call entry.
    base: U256,
    entry: EntryWords,
}

impl<H: Host + ?Sized> RecordSink for EntryWriter<'_, '_, H> {
    fn call_begin(&mut self, key: &CallKey, max_value: u128, rule_count: usize) {
        let host = self.module.host;
        self.base = slots::call_slot(host, self.account, self.signer, self.perm_nonce, key);
        self.entry = EntryWords::new(max_value, rule_count);
    }

    fn rule(&mut self, condition: Condition, word_index: u16, value_count: usize) {
        self.entry.rule(condition.code(), word_index, value_count);
    }

    fn value(&mut self, value: &B256) {
        let offset = self.entry.next_value();
        self.module.store(slots::offset(self.base, offset), *value);
    }

    fn call_end(&mut self) {
        for (i, w) in self.entry.head().enumerate() {
            self.module.store(slots::offset(self.base, i), *w);
        }
    }

    fn scope_begin(&mut self, app_domain_separator: &B256, contents_typehash: &B256, rules: usize) {
        let host = self.module.host;
        self.base = slots::scope_slot(
            host,
            self.account,
            self.signer,
            self.perm_nonce,
            app_domain_separator,
            contents_typehash,
        );
        self.entry = EntryWords::new(0, rules);
    }

    fn token_cap(&mut self, cap: &TokenCap) {
        let host = self.module.host;
        let slot = slots::token_slot(host, self.account, self.signer, self.perm_nonce, cap.token);
        self.module
            .store(slot, initial_token_word(&cap.limit, self.periodic));
    }
}
