//! The whole authorisation path: SDK simulator against the contract.
//!
//! A random record (sometimes with its encoding mutated) is registered on the contract, running
//! natively on stylus-test's TestVM through its router; registration must succeed exactly when
//! `SessionRecord::decode` accepts the bytes, and otherwise revert with the same error and
//! position. Then a short sequence of random ops (calls from small pools of targets, selectors
//! and boundary words; random gas, paymaster and signature shapes; sometimes a revocation) goes
//! through the contract's `validateUserOp` and through `sessionkey_sdk::simulate`: both must
//! return the same validationData word or revert with the same bytes, and after each op that
//! returns, the contract's storage words must equal the simulator's (header, counters,
//! paymaster, every token cap), so storage evolves over the sequence as it would on-chain.
//!
//! Before that, the engine alone runs on a `MemoryStore` whose words are overwritten with
//! random usage ("storage"), and every write it asks for must debit exactly what it spent.
//!
//! One TestVM is reused (storage and mocks cleared per input): building one per input would
//! dominate the run. Signatures are precomputed over one fixed userOpHash, so the only
//! secp256k1 work left per input is the simulator's own recovery of a well-formed signature.
#![no_main]

use std::cell::RefCell;

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolError};
use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use sessionkey_fuzz::{self as gen, Execution, ACCOUNT, MODULE};
use sessionkey_policy::engine::{authorize_op, OpFacts};
use sessionkey_policy::execution::decode_execute;
use sessionkey_policy::layout::{session_flags, CountersWord, SessionHeader, TokenCapWord};
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::record::SessionRecord;
use sessionkey_policy::signature::{SessionSignature, HALF_ORDER};
use sessionkey_sdk::account_calls::{ISessionKeyValidator as I, PackedUserOperation};
use sessionkey_sdk::key::{ecrecover, session_digest};
use sessionkey_sdk::simulate::{simulate, SessionView};
use sessionkey_sdk::SessionKey;
use stylus_sdk::testing::TestVM;

const ECRECOVER: Address = Address::with_last_byte(1);
const HASH: B256 = B256::repeat_byte(0x42);

struct World {
    vm: TestVM,
    /// Key 0 is registered; key 1 never is (its ops find no session).
    signers: [Address; 2],
    good: [SessionSignature; 2],
    /// The ecrecover precompile's answers for the good signatures: (signature, input, output).
    mocks: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)>,
}

impl World {
    fn new() -> Self {
        let vm = TestVM::new();
        vm.set_contract_address(MODULE);
        vm.set_sender(ACCOUNT);
        let keys = [[0x51u8; 32], [0x53; 32]].map(|k| SessionKey::from_bytes(&k).unwrap());
        let digest = session_digest(&HASH, MODULE);
        let good = [0, 1].map(|i| keys[i].sign_user_op_hash(&HASH, MODULE));
        let mocks = good
            .iter()
            .map(|s| {
                let out = ecrecover(&digest, s).unwrap().into_word().to_vec();
                (
                    s.to_bytes().to_vec(),
                    s.ecrecover_input(&digest).to_vec(),
                    out,
                )
            })
            .collect();
        Self {
            vm,
            signers: [keys[0].address(), keys[1].address()],
            good,
            mocks,
        }
    }

    fn reset(&self) {
        self.vm.clear_storage();
        self.vm.clear_mocks();
    }

    /// Answers ecrecover for `signature` if it is a good one. TestVM hands the contract the
    /// output of the *last* mock made, whatever the call, so this must come right before the op.
    fn prime(&self, signature: &[u8]) {
        for (sig, input, output) in &self.mocks {
            if sig[..] == *signature {
                self.vm
                    .mock_static_call(ECRECOVER, input.clone(), Ok(output.clone()));
            }
        }
    }

    fn call(&self, data: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
        session_key_validator::router::route(&self.vm, data)
    }
}

thread_local! {
    static WORLD: RefCell<Option<World>> = const { RefCell::new(None) };
}

fn gas_word(u: &mut Unstructured) -> arbitrary::Result<B256> {
    // Two u128 halves (limits or fees); mostly small so budgets are sometimes enough.
    let mut w = B256::ZERO;
    for half in 0..2 {
        let v: u128 = match u.int_in_range(0..=3u8)? {
            0 => 0,
            1 => u.int_in_range(1..=100_000u128)?,
            2 => u.int_in_range(1..=10_000_000_000u128)?,
            _ => u.arbitrary()?,
        };
        w[16 * half..16 * half + 16].copy_from_slice(&v.to_be_bytes());
    }
    Ok(w)
}

fn op(u: &mut Unstructured, w: &World) -> arbitrary::Result<PackedUserOperation> {
    let mut calls = Vec::new();
    for _ in 0..u.int_in_range(1..=3u8)? {
        let value = match u.int_in_range(0..=3u8)? {
            0 | 1 => U256::ZERO,
            2 => U256::from(gen::amount(u)?),
            _ => U256::from_be_bytes(gen::word(u)?.0),
        };
        calls.push(Execution {
            target: gen::address(u)?,
            value,
            callData: gen::calldata(u)?.into(),
        });
    }
    let mut call_data = gen::execute_calldata(&calls, u.arbitrary()?);
    if u.ratio(1, 16)? {
        gen::mutate(u, &mut call_data)?;
    }
    let paymaster_and_data = match u.int_in_range(0..=5u8)? {
        0 => {
            let n = u.int_in_range(1..=19usize)?;
            u.bytes(n)?.to_vec()
        }
        1 | 2 => {
            let mut p = gen::address(u)?.to_vec();
            p.extend_from_slice(&[0u8; 32]);
            p
        }
        _ => Vec::new(),
    };
    let signature = match u.int_in_range(0..=7u8)? {
        0 => w.good[1].to_bytes().to_vec(),
        1 => {
            // The high-s twin: recovers to the same key, refused as malleable.
            let mut s = w.good[0];
            let n = (HALF_ORDER << 1usize) + U256::from(1u8);
            s.s = B256::from(n - U256::from_be_bytes(s.s.0));
            s.v ^= 27 ^ 28;
            s.to_bytes().to_vec()
        }
        2 => {
            let mut s = w.good[0];
            s.r = B256::ZERO;
            s.to_bytes().to_vec()
        }
        3 => {
            let n = u.int_in_range(0..=86usize)?;
            let mut s = w.good[0].to_bytes().to_vec();
            s.resize(n, 0);
            s
        }
        _ => w.good[0].to_bytes().to_vec(),
    };
    Ok(PackedUserOperation {
        sender: ACCOUNT,
        nonce: U256::from(u.arbitrary::<u8>()?),
        initCode: Bytes::new(),
        callData: call_data.into(),
        accountGasLimits: gas_word(u)?,
        preVerificationGas: U256::from(u.int_in_range(0..=100_000u32)?),
        gasFees: gas_word(u)?,
        paymasterAndData: paymaster_and_data.into(),
        signature: signature.into(),
    })
}

/// The engine on random storage: whatever it authorises debits exactly what it reports spent.
fn engine_on_random_storage(
    u: &mut Unstructured,
    record: &SessionRecord,
    op: &PackedUserOperation,
) -> arbitrary::Result<()> {
    let Ok((_, executions)) = decode_execute(&op.callData) else {
        return Ok(());
    };
    let mut store = MemoryStore::new(record, 0);
    store.header.native_remaining = gen::amount(u)? & ((1 << 96) - 1);
    store.counters = CountersWord {
        gas_remaining: gen::amount(u)?,
        ops_remaining: u.int_in_range(0..=2u32)?,
    }
    .pack();
    for word in store.tokens.values_mut() {
        if TokenCapWord::unpack(word).is_some_and(|c| !c.unlimited) && u.arbitrary()? {
            let mut w = gen::word(u)?;
            w[0] = word[0];
            *word = w;
        }
    }
    let before = store.clone();
    let session = store.header;
    let paymaster = sessionkey_policy::gas::paymaster_of(&op.paymasterAndData);
    let prefund = sessionkey_policy::gas::required_prefund(
        &op.accountGasLimits,
        op.preVerificationGas,
        &op.gasFees,
    );
    let facts = OpFacts {
        account: ACCOUNT,
        module: MODULE,
        executions: &executions,
        prefund,
        paymaster,
        period: 0,
    };
    let Ok(out) = authorize_op(&mut store, &session, &facts) else {
        return Ok(());
    };
    let native: U256 = executions.iter().map(|e| e.value).sum();
    assert_eq!(out.native_spent, native);
    match out.header {
        Some(h) => {
            let h = SessionHeader::unpack(&h);
            assert!(!session.has(session_flags::NATIVE_UNLIMITED));
            assert_eq!(
                U256::from(h.native_remaining) + native,
                U256::from(session.native_remaining)
            );
        }
        None => assert!(native.is_zero() || session.has(session_flags::NATIVE_UNLIMITED)),
    }
    let old = CountersWord::unpack(&before.counters);
    let new = out
        .counters
        .map(|c| CountersWord::unpack(&c))
        .unwrap_or(old);
    let ops = session.has(session_flags::OPS_LIMITED) as u32;
    assert_eq!(new.ops_remaining + ops, old.ops_remaining);
    if paymaster.is_none() && !session.has(session_flags::GAS_UNLIMITED) {
        assert_eq!(
            U256::from(new.gas_remaining) + prefund,
            U256::from(old.gas_remaining)
        );
    } else {
        assert_eq!(new.gas_remaining, old.gas_remaining);
    }
    for (token, word) in &out.token_caps {
        let spent = out.token_spent.iter().find(|(t, _)| t == token).unwrap().1;
        let old = TokenCapWord::unpack(&before.tokens[token]).unwrap();
        let new = TokenCapWord::unpack(word).unwrap();
        assert!(!old.unlimited && !new.unlimited);
        assert_eq!(new.remaining + spent, old.remaining);
    }
    Ok(())
}

fn check_words(w: &World, signer: Address, record: &SessionRecord, store: &MemoryStore) {
    let out = w
        .call(
            &I::sessionWordsCall {
                account: ACCOUNT,
                signer,
            }
            .abi_encode(),
        )
        .unwrap();
    let words = I::sessionWordsCall::abi_decode_returns(&out).unwrap();
    let mut header = SessionHeader::unpack(&words.header);
    // The registration nonce is the contract's per-account counter; the simulator's store is
    // built with 0 and never reads it.
    header.perm_nonce = store.header.perm_nonce;
    assert_eq!(header, store.header, "session header");
    assert_eq!(words.spend, store.counters, "counters word");
    assert_eq!(words.paymaster, store.paymaster, "paymaster word");
    for cap in &record.token_caps {
        let out = w
            .call(
                &I::tokenCapWordCall {
                    account: ACCOUNT,
                    signer,
                    token: cap.token,
                }
                .abi_encode(),
            )
            .unwrap();
        let word = I::tokenCapWordCall::abi_decode_returns(&out).unwrap();
        assert_eq!(
            word, store.tokens[&cap.token],
            "token word of {}",
            cap.token
        );
    }
}

fn run(u: &mut Unstructured, w: &World) -> arbitrary::Result<()> {
    w.reset();
    let record = gen::record(u, w.signers[0])?;
    let mut bytes = record.encode();
    if u.ratio(1, 8)? {
        gen::mutate(u, &mut bytes)?;
    }
    w.call(&I::onInstallCall { data: Bytes::new() }.abi_encode())
        .expect("onInstall");
    let registered = w.call(
        &I::registerSessionCall {
            record: bytes.clone().into(),
        }
        .abi_encode(),
    );
    let decoded = SessionRecord::decode(&bytes);
    match &decoded {
        Ok(_) => assert_eq!(registered, Ok(vec![]), "registration of a valid record"),
        Err(e) => {
            let expected = I::InvalidRecord {
                code: e.code(),
                position: U256::from(e.position()),
            };
            assert_eq!(registered, Err(expected.abi_encode()), "refusal of {e:?}");
        }
    }
    let Ok(record) = decoded else {
        return Ok(());
    };
    // A mutated encoding may name another signer.
    let signer = record.signer;
    let mut store = MemoryStore::new(&record, 0);
    let mut revoked = false;
    for i in 0..u.int_in_range(1..=3u8)? {
        let op = op(u, w)?;
        if i == 0 {
            engine_on_random_storage(u, &record, &op)?;
        }
        if !revoked && u.ratio(1, 32)? {
            w.call(&I::revokeSessionCall { signer }.abi_encode())
                .expect("revokeSession");
            revoked = true;
        }
        let view = SessionView {
            signer,
            store: &store,
            revoked,
        };
        let verdict = simulate(&view, MODULE, &op, HASH);
        w.prime(&op.signature);
        let chain = w
            .call(
                &I::validateUserOpCall {
                    userOp: op.clone(),
                    userOpHash: HASH,
                }
                .abi_encode(),
            )
            .map(|out| B256::from_slice(&out))
            .map_err(Bytes::from);
        assert_eq!(
            verdict.contract_result(),
            chain,
            "simulator vs contract on {op:?} with {record:?}, revoked {revoked}"
        );
        if let Some(after) = verdict.store_after {
            store = after;
            check_words(w, signer, &record, &store);
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    WORLD.with(|cell| {
        let mut world = cell.borrow_mut();
        let w = world.get_or_insert_with(World::new);
        let _ = run(&mut Unstructured::new(data), w);
    });
});
