//! The validator's `validateUserOp`, run off-chain on the same `sessionkey-policy` code.
//!
//! [`simulate`] takes a session's record and storage words (after its usage so far), the module
//! address, a packed user operation and its hash, and follows the contract's order exactly:
//! signer named → session live → signature shaped for the session's signer kind → strict `execute` decoding → `authorize_op` (op count,
//! paymaster / gas budget, each call, native cap, token caps) → signature. It answers what
//! `validateUserOp` would: the validationData it returns (with the signature-failure bit), or the
//! typed error it reverts with, ABI-encoded from the committed interface. `tests/agreement.rs`
//! checks this against the contract itself on stylus-test's TestVM.
//!
//! What it assumes: the module is installed on the account and the op is sent by the account
//! (`userOp.sender`); those two checks (`NotInstalled`, `SenderMismatch`) need chain state.

use alloy_primitives::{Address, Bytes, B256, U256};
use sessionkey_policy::enable::{enable_digest, is_enable_marker, split_enable};
use sessionkey_policy::engine::{authorize_op, OpFacts};
use sessionkey_policy::error::ModuleError;
use sessionkey_policy::execution::{decode_execute, Execution};
use sessionkey_policy::layout::session_flags;
use sessionkey_policy::layout::{AccountWord, MAX_PERM_NONCE};
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::record::SessionRecord;
use sessionkey_policy::signature::{split_period, split_signer};
use sessionkey_policy::signer::{P256PublicKey, Proof, SignerKind};
use sessionkey_policy::validation_data::ValidationData;
use sessionkey_policy::{gas, ExecutionError, RecordError, Violation};

use crate::account_calls::{Call, PackedUserOperation};
use crate::key::{period_session_digest, session_digest, verifies};
use crate::p256_key::{verifies_p256, verifies_webauthn};

/// Why `validateUserOp` reverts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// `userOp.signature` does not have the shape of its session's signer kind (85 bytes for
    /// secp256k1, 84 for P-256, a well-formed WebAuthn assertion), or names no signer.
    InvalidSignatureLength(usize),
    /// The named signer has no live session on the account.
    SessionNotActive {
        /// The account.
        account: Address,
        /// The signer the signature names.
        signer: Address,
    },
    /// The op's `callData` is not a canonical single/batch `execute`.
    MalformedExecution(ExecutionError),
    /// The op breaks the session's permission.
    Violation(Violation),
    /// An enabling op's record is refused, as `registerSession` refuses it.
    InvalidRecord(RecordError),
    /// An enabling op names a signer whose session is live.
    SessionAlreadyActive {
        /// The account.
        account: Address,
        /// The record's signer.
        signer: Address,
    },
}

impl From<Rejection> for ModuleError {
    fn from(r: Rejection) -> Self {
        match r {
            Rejection::InvalidSignatureLength(length) => Self::InvalidSignatureLength { length },
            Rejection::SessionNotActive { account, signer } => {
                Self::SessionNotActive { account, signer }
            }
            Rejection::MalformedExecution(e) => Self::execution(e),
            Rejection::Violation(v) => Self::Violation(v),
            Rejection::InvalidRecord(e) => e.into(),
            Rejection::SessionAlreadyActive { account, signer } => {
                Self::SessionAlreadyActive { account, signer }
            }
        }
    }
}

impl Rejection {
    /// The Solidity error's name (`RuleFailed`, `MalformedExecution`, …).
    pub fn error_name(&self) -> &'static str {
        ModuleError::from(*self).name()
    }

    /// The revert data, byte for byte what the contract sends (the same `ModuleError` words).
    pub fn revert_data(&self) -> Bytes {
        ModuleError::from(*self).encode().into()
    }
}

/// What `validateUserOp` does with the op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Returns this validationData (the op passes the policy; `sig_failed` says whether the
    /// signature matched).
    Returns(ValidationData),
    /// Reverts.
    Reverts(Rejection),
}

/// The simulator's answer.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// Return or revert.
    pub outcome: Outcome,
    /// The calls of the op, when its `callData` decodes.
    pub calls: Vec<Call>,
    /// Worst-case gas fee charged to the session's budget (0 with a paymaster).
    pub prefund: U256,
    /// Native value the op sends.
    pub native_spent: U256,
    /// ERC-20 amounts the op spends, per token.
    pub token_spent: Vec<(Address, U256)>,
    /// The session's words after the op, when `validateUserOp` returns (the contract writes
    /// them on that path; EntryPoint reverts the whole bundle if the signature failed).
    pub store_after: Option<MemoryStore>,
}

impl Verdict {
    /// Whether the op passes validation: policy and signature.
    pub fn passes(&self) -> bool {
        matches!(self.outcome, Outcome::Returns(vd) if !vd.sig_failed)
    }

    /// What the contract's `validateUserOp` answers: `Ok(validationData word)` or
    /// `Err(revert data)`.
    pub fn contract_result(&self) -> Result<B256, Bytes> {
        match self.outcome {
            Outcome::Returns(vd) => Ok(vd.to_word()),
            Outcome::Reverts(r) => Err(r.revert_data()),
        }
    }
}

/// A session as the simulator sees it: its words after the usage so far.
#[derive(Clone, Debug)]
pub struct SessionView<'a> {
    /// The session's signer.
    pub signer: Address,
    /// Its storage words.
    pub store: &'a MemoryStore,
    /// Revoked (individually, by revoke-all or uninstall).
    pub revoked: bool,
}

/// Runs `validateUserOp` for `op` (with hash `user_op_hash`) against the session, as the
/// module at `module` does.
pub fn simulate(
    session: &SessionView<'_>,
    module: Address,
    op: &PackedUserOperation,
    user_op_hash: B256,
) -> Verdict {
    let (mut verdict, parts) = read_op(op);
    let Some((signer, rest)) = split_signer(&op.signature) else {
        return verdict;
    };
    if signer != session.signer || session.revoked {
        verdict.outcome = Outcome::Reverts(Rejection::SessionNotActive {
            account: op.sender,
            signer,
        });
        return verdict;
    }
    judge(
        verdict,
        parts,
        session.store,
        signer,
        rest,
        module,
        op,
        user_op_hash,
    )
}

/// The chain's part of an enabling op (`sessionkey_policy::enable`), which the simulator cannot
/// know by itself.
pub struct EnableContext<'a> {
    /// `block.chainid`.
    pub chain_id: u64,
    /// The account's word now (`sessionWords(account, _).accountWord`): its enable nonce and the
    /// nonce the registration gets.
    pub account_word: AccountWord,
    /// Whether the record's signer has a live session on the account now.
    pub signer_live: bool,
    /// The account's ERC-1271 answer for `(digest, owner signature)`: on-chain the account's own
    /// `isValidSignature` decides; here the caller's model of it (for an ERC-7739 account with an
    /// ECDSA owner: recover over `enable::erc7739_personal_sign_digest`).
    pub owner_accepts: &'a dyn Fn(&B256, &[u8]) -> bool,
}

/// Runs `validateUserOp` for an op whose signature enables its session
/// (`crate::enable::enable_signature`), as the module does: record checked, owner asked, session
/// registered, then the op judged against it. Not an enabling signature: `InvalidSignatureLength`.
pub fn simulate_enable(
    ctx: &EnableContext<'_>,
    module: Address,
    op: &PackedUserOperation,
    user_op_hash: B256,
) -> Verdict {
    let (mut verdict, parts) = read_op(op);
    let account = op.sender;
    let payload = match split_signer(&op.signature) {
        Some((marker, rest)) if is_enable_marker(marker) => split_enable(rest),
        _ => None,
    };
    let Some(payload) = payload else {
        return verdict;
    };
    let record = match SessionRecord::decode(payload.record) {
        Ok(r) => r,
        Err(e) => {
            verdict.outcome = Outcome::Reverts(Rejection::InvalidRecord(e));
            return verdict;
        }
    };
    let digest = enable_digest(
        ctx.chain_id,
        module,
        account,
        payload.record,
        ctx.account_word.enable_nonce,
        |b| alloy_primitives::keccak256(b),
    );
    let owner_ok = (ctx.owner_accepts)(&digest, payload.owner_signature);
    if ctx.signer_live {
        verdict.outcome = Outcome::Reverts(Rejection::SessionAlreadyActive {
            account,
            signer: record.signer,
        });
        return verdict;
    }
    if ctx.account_word.next_nonce > MAX_PERM_NONCE {
        verdict.outcome =
            Outcome::Reverts(Rejection::InvalidRecord(RecordError::TooMany { at: 0 }));
        return verdict;
    }
    let store = MemoryStore::new(&record, ctx.account_word.next_nonce);
    let mut verdict = judge(
        verdict,
        parts,
        &store,
        record.signer,
        payload.session_proof,
        module,
        op,
        user_op_hash,
    );
    if let Outcome::Returns(vd) = &mut verdict.outcome {
        vd.sig_failed |= !owner_ok;
    }
    verdict
}

/// What the op's own fields say, read once: its prefund, its paymaster, its calls.
struct OpParts<'a> {
    prefund: U256,
    paymaster: Option<Address>,
    executions: Result<Vec<Execution<'a>>, ExecutionError>,
}

/// The op's parts, and a verdict that has not got past the signature's shape yet.
fn read_op(op: &PackedUserOperation) -> (Verdict, OpParts<'_>) {
    let parts = OpParts {
        prefund: gas::required_prefund(&op.accountGasLimits, op.preVerificationGas, &op.gasFees),
        paymaster: gas::paymaster_of(&op.paymasterAndData),
        executions: decode_execute(&op.callData).map(|(_, e)| e),
    };
    let verdict = Verdict {
        outcome: Outcome::Reverts(Rejection::InvalidSignatureLength(op.signature.len())),
        calls: parts.executions.as_ref().map_or_else(
            |_| Vec::new(),
            |execs| {
                execs
                    .iter()
                    .map(|e| Call {
                        target: e.target,
                        value: e.value,
                        data: Bytes::copy_from_slice(e.calldata),
                    })
                    .collect()
            },
        ),
        // An op its paymaster sponsors is not charged to the session's budget.
        prefund: if parts.paymaster.is_some() {
            U256::ZERO
        } else {
            parts.prefund
        },
        native_spent: U256::ZERO,
        token_spent: Vec::new(),
        store_after: None,
    };
    (verdict, parts)
}

/// The op against the live session in `store` of `signer`, from the signature's part after the
/// signer: shape, `execute` decoding, policy, signature.
#[allow(clippy::too_many_arguments)]
fn judge(
    mut verdict: Verdict,
    parts: OpParts<'_>,
    store: &MemoryStore,
    signer: Address,
    rest: &[u8],
    module: Address,
    op: &PackedUserOperation,
    user_op_hash: B256,
) -> Verdict {
    // The shape is the session's (signer kind, period or not), as on-chain.
    let periodic = store.header.has(session_flags::PERIODIC);
    let Some((period, proof)) = split_period(rest, periodic) else {
        return verdict;
    };
    let Some(proof) = SignerKind::from_byte(store.header.signer_kind)
        .and_then(|kind| Proof::parse(kind, signer, proof))
    else {
        return verdict;
    };
    let executions = match parts.executions {
        Ok(e) => e,
        Err(e) => {
            verdict.outcome = Outcome::Reverts(Rejection::MalformedExecution(e));
            return verdict;
        }
    };
    let facts = OpFacts {
        account: op.sender,
        module,
        executions: &executions,
        prefund: parts.prefund,
        paymaster: parts.paymaster,
        period,
    };
    let mut store = store.clone();
    let header = store.header;
    match authorize_op(&mut store, &header, &facts) {
        Err(v) => verdict.outcome = Outcome::Reverts(Rejection::Violation(v)),
        Ok(outcome) => {
            store.apply(&outcome);
            let mut vd = outcome.validation_data;
            let digest = if periodic {
                period_session_digest(&user_op_hash, module, period)
            } else {
                session_digest(&user_op_hash, module)
            };
            vd.sig_failed = !proof_verifies(&proof, &digest, store.key.as_ref());
            verdict.outcome = Outcome::Returns(vd);
            verdict.native_spent = outcome.native_spent;
            verdict.token_spent = outcome.token_spent;
            verdict.store_after = Some(store);
        }
    }
    verdict
}

/// Whether the module accepts `proof` over `digest` (the session's P-256 key in `key`).
pub(crate) fn proof_verifies(
    proof: &Proof<'_>,
    digest: &B256,
    key: Option<&P256PublicKey>,
) -> bool {
    match (proof, key) {
        (Proof::Secp256k1(sig), _) => verifies(digest, sig),
        (Proof::P256(sig), Some(key)) => verifies_p256(digest, sig, key),
        (Proof::WebAuthn(assertion), Some(key)) => verifies_webauthn(digest, assertion, key),
        _ => false,
    }
}

/// A placeholder secp256k1 signature naming `signer` (r = s = 0, never valid): lets the
/// policy be checked for an op that is not signed yet, as a bundler's gas estimation does.
pub fn placeholder_signature(signer: Address) -> Bytes {
    placeholder_signature_for(SignerKind::Secp256k1, signer)
}

/// Authenticator data of the WebAuthn placeholder: a zero RP ID hash, user present and
/// verified, sign count 0 (the 37-byte minimum).
const PLACEHOLDER_AUTHENTICATOR_DATA: [u8; 37] = {
    let mut a = [0u8; 37];
    a[32] = 0x05;
    a
};

/// Client data after the challenge in the WebAuthn placeholder: as long as a browser's for a
/// typical origin, so estimation sees realistic calldata and hashing costs.
const PLACEHOLDER_CLIENT_DATA_TAIL: &[u8] =
    br#","origin":"https://wallet.example.org","crossOrigin":false}"#;

/// A placeholder signature of `kind`'s shape naming `signer` (r = s = 0, never valid), of the
/// length a real one has (for WebAuthn: a typical authenticator data and client data), so
/// estimation charges what the signed op will cost.
pub fn placeholder_signature_for(kind: SignerKind, signer: Address) -> Bytes {
    let mut out = signer.to_vec();
    out.extend_from_slice(&[0u8; 64]);
    match kind {
        SignerKind::Secp256k1 => out.push(27),
        SignerKind::P256 => {}
        SignerKind::WebAuthn => {
            out.extend_from_slice(&(PLACEHOLDER_AUTHENTICATOR_DATA.len() as u16).to_be_bytes());
            out.extend_from_slice(&PLACEHOLDER_AUTHENTICATOR_DATA);
            out.extend_from_slice(PLACEHOLDER_CLIENT_DATA_TAIL);
        }
    }
    out.into()
}
