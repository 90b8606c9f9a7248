//! `eth_sendRawTransaction`: decoding a signed transaction (legacy with EIP-155, EIP-2930,
//! EIP-1559), recovering its sender, the admission checks a node makes before execution, and
//! executing it on the devnet.
//!
//! Every refusal happens before the devnet commits anything: decoding, chain id and signature
//! are checked first, then the nonce and the fee against the state, and revm refuses (without
//! touching state) a gas limit below the intrinsic gas or a sender who cannot pay
//! `gas limit × base fee + value`.

use alloy_consensus::transaction::{Recovered, SignerRecoverable};
use alloy_consensus::{Transaction, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::B256;
use stylus_devnet::TxRequest;

use crate::error::NodeError;
use crate::state::NodeState;

/// Decodes EIP-2718 bytes into a signed transaction and recovers its sender.
///
/// # Errors
///
/// [`NodeError::InvalidParams`] when the bytes do not decode (or carry trailing bytes);
/// [`NodeError::TxRejected`] for an unsupported type (EIP-4844 blobs, EIP-7702), a missing or
/// wrong chain id, or a signature that does not recover (zero or high `s`, bad `r`).
pub fn decode(raw: &[u8], chain_id: u64) -> Result<Recovered<TxEnvelope>, NodeError> {
    let mut buf = raw;
    let envelope = TxEnvelope::decode_2718(&mut buf)
        .map_err(|e| NodeError::InvalidParams(format!("transaction does not decode: {e}")))?;
    if !buf.is_empty() {
        return Err(NodeError::InvalidParams(format!(
            "{} trailing bytes after the transaction",
            buf.len()
        )));
    }
    if matches!(envelope, TxEnvelope::Eip4844(_) | TxEnvelope::Eip7702(_)) {
        return Err(NodeError::TxRejected(format!(
            "transaction type {} not supported",
            envelope.tx_type() as u8
        )));
    }
    match envelope.chain_id() {
        None => {
            return Err(NodeError::TxRejected(
                "only replay-protected (EIP-155) transactions allowed".into(),
            ))
        }
        Some(id) if id != chain_id => {
            return Err(NodeError::TxRejected(format!(
                "invalid chain id {id}: this chain is {chain_id}"
            )))
        }
        Some(_) => {}
    }
    let signer = envelope
        .recover_signer()
        .map_err(|e| NodeError::TxRejected(format!("invalid sender: {e}")))?;
    Ok(Recovered::new_unchecked(envelope, signer))
}

/// What the devnet runs for a transaction.
pub fn request(tx: &Recovered<TxEnvelope>) -> TxRequest {
    let inner = tx.inner();
    TxRequest {
        from: tx.signer(),
        kind: inner.kind(),
        value: inner.value(),
        data: inner.input().clone(),
        gas_limit: inner.gas_limit(),
        access_list: inner
            .access_list()
            .map(|list| {
                list.iter()
                    .map(|item| (item.address, item.storage_keys.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

impl NodeState {
    /// Decodes, checks, executes and records a signed transaction; seals its block when
    /// automining. Returns its hash.
    ///
    /// # Errors
    ///
    /// As [`decode`]; [`NodeError::TxRejected`] for a known transaction, a nonce other than
    /// the sender's next, a fee cap below the base fee or a tip above the fee cap, a gas limit
    /// below the intrinsic gas or above the block's, or a sender who cannot pay. State is
    /// unchanged on every error.
    pub fn send_raw_transaction(&mut self, raw: &[u8]) -> Result<B256, NodeError> {
        let tx = decode(raw, self.info.chain_id)?;
        let hash = *tx.inner().tx_hash();
        if self.store.transaction(hash).is_some() {
            return Err(NodeError::TxRejected(format!("already known: {hash}")));
        }
        let inner = tx.inner();
        let expected = self.nonce(tx.signer());
        if inner.nonce() < expected {
            return Err(NodeError::TxRejected(format!(
                "nonce too low: next nonce {expected}, tx nonce {}",
                inner.nonce()
            )));
        }
        if inner.nonce() > expected {
            return Err(NodeError::TxRejected(format!(
                "nonce too high: next nonce {expected}, tx nonce {} (the node queues no future transactions)",
                inner.nonce()
            )));
        }
        let base_fee = u128::from(self.world.chain.base_fee());
        if inner.max_fee_per_gas() < base_fee {
            return Err(NodeError::TxRejected(format!(
                "max fee per gas less than block base fee: {} < {base_fee}",
                inner.max_fee_per_gas()
            )));
        }
        if let Some(tip) = inner.max_priority_fee_per_gas() {
            if tip > inner.max_fee_per_gas() {
                return Err(NodeError::TxRejected(format!(
                    "max priority fee per gas higher than max fee per gas: {tip} > {}",
                    inner.max_fee_per_gas()
                )));
            }
        }
        let env = self.pending_env();
        let outcome = self.world.chain.send(&request(&tx))?;
        self.store.push(&env, tx, outcome);
        self.after_transaction();
        Ok(hash)
    }
}

#[cfg(test)]
mod tests {
    use alloy_consensus::{SignableTransaction, TxLegacy};
    use alloy_eips::eip2718::Encodable2718;
    use alloy_primitives::{Signature, TxKind, U256};

    use super::*;
    use crate::accounts::DevAccount;

    fn legacy(chain_id: Option<u64>) -> Vec<u8> {
        let tx = TxLegacy {
            chain_id,
            nonce: 0,
            gas_price: 1,
            gas_limit: 21_000,
            to: TxKind::Call(alloy_primitives::Address::ZERO),
            value: U256::ZERO,
            input: Default::default(),
        };
        let key = DevAccount::deterministic(1).key;
        let signature: Signature = key
            .sign_prehash_recoverable(tx.signature_hash().as_slice())
            .unwrap()
            .into();
        TxEnvelope::from(tx.into_signed(signature)).encoded_2718()
    }

    #[test]
    fn eip155_legacy_decodes_with_its_sender() {
        let tx = decode(&legacy(Some(412_346)), 412_346).unwrap();
        assert_eq!(tx.signer(), DevAccount::deterministic(1).address);
    }

    #[test]
    fn refusals_before_execution() {
        let mut trailing = legacy(Some(412_346));
        trailing.push(0);
        let cases: [(Vec<u8>, i32, &str); 4] = [
            (
                legacy(None),
                crate::error::TX_REJECTED,
                "only replay-protected (EIP-155) transactions allowed",
            ),
            (
                legacy(Some(1)),
                crate::error::TX_REJECTED,
                "invalid chain id 1: this chain is 412346",
            ),
            (
                trailing,
                crate::error::INVALID_PARAMS,
                "invalid params: 1 trailing bytes after the transaction",
            ),
            (
                vec![0x05, 0xc0],
                crate::error::INVALID_PARAMS,
                "invalid params: transaction does not decode",
            ),
        ];
        for (raw, code, message) in cases {
            let error = decode(&raw, 412_346).unwrap_err();
            assert_eq!(error.code(), code, "{error}");
            assert!(error.to_string().starts_with(message), "{error}");
        }
    }
}
