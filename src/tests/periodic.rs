//! Periodic caps on the TestVM: registration writes the period's words, an op names its
//! period in the signature (and is signed with it), gets the period's window, and is refused
//! with nothing written when it names a closed period, a period the session lacks, or no
//! period at all.

use alloy_primitives::{keccak256, Address, B256, U256};
use sessionkey_policy::layout::{
    session_flags, session_word, PeriodConfig, PeriodCounters, PeriodicTokenWord, SessionHeader,
};
use sessionkey_policy::record::SessionRecord;
use sessionkey_policy::signature::period_digest_preimage;
use sessionkey_policy::ValidationData;

use super::harness::*;
use crate::abi;
use crate::host::Host;
use crate::slots;

const DAY: u64 = 86_400;

/// The demo session (valid [1000, 4600]) made daily over [1000, 1000 + 10 days]: 1 ETH and
/// 150 tokens a day.
fn daily(key: &SessionKey) -> SessionRecord {
    let mut r = demo_record(key);
    r.valid_until = 1000 + 10 * DAY;
    r.period = Some(DAY as u32);
    r
}

/// `signer ‖ period ‖ r ‖ s ‖ v`, signed over the period digest of `signed_for`.
fn periodic_signature(key: &SessionKey, named: u32, signed_for: u32) -> Vec<u8> {
    let digest = keccak256(period_digest_preimage(&OP_HASH, MODULE, signed_for));
    let sig = key.sign_digest(&digest).to_bytes();
    [&sig[..20], &named.to_be_bytes()[..], &sig[20..]].concat()
}

fn validate(
    h: &mut Harness,
    key: &SessionKey,
    call_data: Vec<u8>,
    sig: Vec<u8>,
) -> Result<U256, Vec<u8>> {
    // The precompile answers for whatever digest the contract computes from the named period.
    if sig.len() == 89 {
        let period = u32::from_be_bytes(sig[20..24].try_into().unwrap());
        let digest = keccak256(period_digest_preimage(&OP_HASH, MODULE, period));
        let parsed =
            sessionkey_policy::SessionSignature::from_proof(key.address(), &sig[24..]).unwrap();
        let input = parsed.ecrecover_input(&digest);
        h.vm.mock_static_call(ECRECOVER, input.to_vec(), Ok(ecrecover_precompile(&input)));
    }
    h.validate(&user_op(ACCOUNT, call_data, sig), OP_HASH)
}

/// A transfer of `amount` tokens to ALICE naming period `named`, signed for `signed_for`.
fn transfer_in(
    h: &mut Harness,
    key: &SessionKey,
    amount: u128,
    named: u32,
    signed_for: u32,
) -> Result<U256, Vec<u8>> {
    let call = single(TOKEN, 0, transfer(ALICE, amount));
    validate(h, key, call, periodic_signature(key, named, signed_for))
}

fn word(h: &Harness, signer: Address, n: u8) -> B256 {
    let base = slots::session_slot(&h.vm, signer, ACCOUNT);
    h.vm.load(slots::offset(base, n as usize))
}

#[test]
fn registration_writes_the_periods_words() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&daily(&key));
    let header = SessionHeader::unpack(&word(&h, key.address(), 0));
    assert!(header.has(session_flags::PERIODIC));
    // The header's native field is the cap per period.
    assert_eq!(header.native_remaining, 10u128.pow(18));
    // Counters for period 0, never a zero word (no 20,000-gas first write).
    let counters = word(&h, key.address(), session_word::COUNTERS);
    assert_eq!(counters, PeriodCounters::default().pack());
    assert_ne!(counters, B256::ZERO);
    assert_eq!(
        PeriodConfig::unpack(&word(&h, key.address(), session_word::PERIOD)),
        PeriodConfig {
            length: DAY as u32,
            gas_cap: 0,
            ops_cap: 0
        }
    );
    assert_eq!(
        PeriodicTokenWord::unpack(&h.contract.token_cap_word(ACCOUNT, key.address(), TOKEN)),
        Some(PeriodicTokenWord {
            period: 0,
            cap: 150,
            spent: 0
        })
    );
}

#[test]
fn an_op_in_its_period_gets_the_periods_window_and_debits_its_counters() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&daily(&key));
    let data = transfer_in(&mut h, &key, 150, 2, 2).unwrap();
    let vd = ValidationData::unpack(data).unwrap();
    assert!(!vd.sig_failed);
    assert_eq!(
        (vd.valid_after, vd.valid_until),
        (1000 + 2 * DAY, 1000 + 3 * DAY - 1)
    );
    assert_eq!(
        PeriodicTokenWord::unpack(&h.contract.token_cap_word(ACCOUNT, key.address(), TOKEN)),
        Some(PeriodicTokenWord {
            period: 2,
            cap: 150,
            spent: 150
        })
    );
    assert_eq!(
        PeriodCounters::unpack(&word(&h, key.address(), session_word::COUNTERS)).period,
        2
    );
    // The cap is spent for period 2 ...
    let before = h.storage();
    let err = transfer_in(&mut h, &key, 1, 2, 2).unwrap_err();
    assert_eq!(
        err,
        revert_of(abi::TokenCapExceeded {
            token: TOKEN,
            requested: U256::from(1),
            remaining: U256::ZERO
        })
    );
    assert_eq!(h.storage(), before);
    // ... and whole in period 3.
    transfer_in(&mut h, &key, 150, 3, 3).unwrap();
}

#[test]
fn the_signature_binds_the_period_it_names() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&daily(&key));
    // Signed for period 2, presented as period 3: the signature fails (authorizer 1).
    let data = transfer_in(&mut h, &key, 1, 3, 2).unwrap();
    assert!(ValidationData::unpack(data).unwrap().sig_failed);
}

#[test]
fn ops_naming_no_period_a_closed_one_or_one_past_the_end_are_refused_and_write_nothing() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&daily(&key));
    transfer_in(&mut h, &key, 1, 4, 4).unwrap();
    let before = h.storage();
    let call = || single(TOKEN, 0, transfer(ALICE, 1));
    // A lifetime session's 85-byte signature.
    let lifetime = key.sign(OP_HASH, MODULE);
    assert_eq!(
        validate(&mut h, &key, call(), lifetime).unwrap_err(),
        revert_of(abi::InvalidSignatureLength {
            length: U256::from(85)
        })
    );
    assert_eq!(
        validate(&mut h, &key, call(), periodic_signature(&key, 3, 3)).unwrap_err(),
        revert_of(abi::PeriodClosed {
            period: 3,
            current: 4
        })
    );
    assert_eq!(
        validate(&mut h, &key, call(), periodic_signature(&key, 11, 11)).unwrap_err(),
        revert_of(abi::PeriodOutOfRange { period: 11 })
    );
    assert_eq!(h.storage(), before);
}

#[test]
fn a_period_under_a_minute_is_refused_at_registration_and_writes_nothing() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install();
    let before = h.storage();
    let mut r = daily(&key);
    r.period = Some(59);
    // version, window, kind, signer, flags, caps (16 + 16), ops: the period starts at byte 71.
    let err = h.contract.register_session(r.encode().into()).unwrap_err();
    assert_eq!(
        err,
        revert_of(abi::InvalidRecord {
            code: 21,
            position: U256::from(71)
        })
    );
    assert_eq!(h.storage(), before);
}
