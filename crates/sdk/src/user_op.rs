//! User operations: the unpacked form bundlers take over JSON-RPC (`eth_sendUserOperation`,
//! EntryPoint v0.7/v0.8 field names) and the packed form EntryPoint hashes and the validator
//! decodes, with the conversions between them, 2D nonces, and session-key signing.
//!
//! Packing (EntryPoint v0.7 `PackedUserOperation`):
//! `initCode = factory ‖ factoryData`, `accountGasLimits = verificationGasLimit(16) ‖
//! callGasLimit(16)`, `gasFees = maxPriorityFeePerGas(16) ‖ maxFeePerGas(16)`,
//! `paymasterAndData = paymaster ‖ paymasterVerificationGasLimit(16) ‖ paymasterPostOpGasLimit(16)
//! ‖ paymasterData`.

use alloy_primitives::{Address, Bytes, B256, U256};
use serde::{Deserialize, Serialize};
use sessionkey_policy::gas;

use crate::account_calls::{self, Call, PackedUserOperation};
use crate::hash::{EntryPoint, HashError};
use crate::key::{SessionKey, SessionSigner};

/// Why user-operation fields are refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UserOpError {
    /// A nonce key above 192 bits.
    #[error("nonce key {0} does not fit in 192 bits")]
    NonceKeyTooLarge(U256),
    /// Packed `initCode` of 1–19 bytes.
    #[error("initCode of {0} bytes: must be empty or start with a 20-byte factory address")]
    BadInitCode(usize),
    /// Packed `paymasterAndData` of 1–51 bytes.
    #[error(
        "paymasterAndData of {0} bytes: must be empty or at least 52 (paymaster ‖ two gas limits)"
    )]
    BadPaymasterAndData(usize),
    /// Paymaster fields without a paymaster.
    #[error("paymaster gas limits or data given without a paymaster")]
    PaymasterFieldsWithoutPaymaster,
    /// Factory data without a factory.
    #[error("factoryData given without a factory")]
    FactoryDataWithoutFactory,
}

/// Hex quantities (`"0x1a"`), read also from decimal strings and JSON numbers.
pub(crate) mod quantity {
    use alloy_primitives::U256;
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(u64),
    }

    /// Reads a quantity: `0x` hex or decimal.
    pub fn parse(raw: &str) -> Result<U256, String> {
        let t = raw.trim();
        let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            Some(h) if !h.is_empty() => U256::from_str_radix(h, 16),
            Some(_) => return Err(format!("`{raw}` is not a quantity")),
            None => U256::from_str_radix(t, 10),
        };
        parsed.map_err(|_| format!("`{raw}` is not a quantity (hex 0x… or decimal)"))
    }

    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(U256::from(n)),
            Raw::Text(t) => parse(&t).map_err(D::Error::custom),
        }
    }

    pub(crate) mod u256 {
        use super::*;

        pub fn serialize<S: Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&format!("{v:#x}"))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
            read(d)
        }
    }

    pub(crate) mod u128 {
        use super::*;

        pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&format!("{v:#x}"))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
            let v = read(d)?;
            if v > U256::from(u128::MAX) {
                return Err(D::Error::custom(format!("{v} does not fit in 128 bits")));
            }
            Ok(v.to::<u128>())
        }
    }

    /// A quantity that must fit in 64 bits (block numbers).
    #[cfg(feature = "rpc")]
    pub(crate) mod u64 {
        use super::*;

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
            let v = read(d)?;
            u64::try_from(v).map_err(|_| D::Error::custom(format!("{v} does not fit in 64 bits")))
        }
    }

    pub(crate) mod opt_u128 {
        use super::*;

        pub fn serialize<S: Serializer>(v: &Option<u128>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(v) => s.serialize_str(&format!("{v:#x}")),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u128>, D::Error> {
            match Option::<Raw>::deserialize(d)? {
                None => Ok(None),
                Some(Raw::Number(n)) => Ok(Some(n as u128)),
                Some(Raw::Text(t)) => {
                    let v = parse(&t).map_err(D::Error::custom)?;
                    if v > U256::from(u128::MAX) {
                        return Err(D::Error::custom(format!("{v} does not fit in 128 bits")));
                    }
                    Ok(Some(v.to::<u128>()))
                }
            }
        }
    }
}

pub use quantity::parse as parse_quantity;

/// A user operation as bundlers take it over JSON-RPC (EntryPoint v0.7 / v0.8 field names;
/// quantities as hex strings, absent optional fields omitted).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserOperation {
    /// The account.
    pub sender: Address,
    /// `key << 64 | sequence`.
    #[serde(with = "quantity::u256")]
    pub nonce: U256,
    /// Factory deploying the account, if it does not exist yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factory: Option<Address>,
    /// Data for the factory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factory_data: Option<Bytes>,
    /// What the account executes.
    pub call_data: Bytes,
    /// Gas for the execution phase.
    #[serde(with = "quantity::u128")]
    pub call_gas_limit: u128,
    /// Gas for validation.
    #[serde(with = "quantity::u128")]
    pub verification_gas_limit: u128,
    /// Gas paid for outside the EntryPoint's metering.
    #[serde(with = "quantity::u256")]
    pub pre_verification_gas: U256,
    /// EIP-1559 max fee.
    #[serde(with = "quantity::u128")]
    pub max_fee_per_gas: u128,
    /// EIP-1559 priority fee.
    #[serde(with = "quantity::u128")]
    pub max_priority_fee_per_gas: u128,
    /// Paymaster, if one sponsors the op.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paymaster: Option<Address>,
    /// Paymaster validation gas.
    #[serde(
        default,
        with = "quantity::opt_u128",
        skip_serializing_if = "Option::is_none"
    )]
    pub paymaster_verification_gas_limit: Option<u128>,
    /// Paymaster postOp gas.
    #[serde(
        default,
        with = "quantity::opt_u128",
        skip_serializing_if = "Option::is_none"
    )]
    pub paymaster_post_op_gas_limit: Option<u128>,
    /// Paymaster data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paymaster_data: Option<Bytes>,
    /// The signature (for a session: its signer kind's shape, see
    /// [`SessionSigner::sign_user_op_hash`]).
    pub signature: Bytes,
}

fn pair(hi: u128, lo: u128) -> B256 {
    let mut w = [0u8; 32];
    w[..16].copy_from_slice(&hi.to_be_bytes());
    w[16..].copy_from_slice(&lo.to_be_bytes());
    B256::from(w)
}

fn halves(w: &B256) -> (u128, u128) {
    (
        u128::from_be_bytes(w[..16].try_into().expect("16")),
        u128::from_be_bytes(w[16..].try_into().expect("16")),
    )
}

impl UserOperation {
    /// Checks the optional fields hang together (data only with its address).
    ///
    /// # Errors
    /// [`UserOpError::PaymasterFieldsWithoutPaymaster`], [`UserOpError::FactoryDataWithoutFactory`].
    pub fn check(&self) -> Result<(), UserOpError> {
        if self.factory.is_none() && self.factory_data.as_ref().is_some_and(|d| !d.is_empty()) {
            return Err(UserOpError::FactoryDataWithoutFactory);
        }
        if self.paymaster.is_none()
            && (self
                .paymaster_verification_gas_limit
                .is_some_and(|g| g != 0)
                || self.paymaster_post_op_gas_limit.is_some_and(|g| g != 0)
                || self.paymaster_data.as_ref().is_some_and(|d| !d.is_empty()))
        {
            return Err(UserOpError::PaymasterFieldsWithoutPaymaster);
        }
        Ok(())
    }

    /// The packed form EntryPoint hashes and passes to the account.
    pub fn pack(&self) -> PackedUserOperation {
        let init_code = match self.factory {
            Some(f) => {
                let mut v = f.to_vec();
                v.extend_from_slice(self.factory_data.as_ref().map_or(&[][..], |d| &d[..]));
                v
            }
            None => Vec::new(),
        };
        let paymaster_and_data = match self.paymaster {
            Some(p) => {
                let mut v = p.to_vec();
                v.extend_from_slice(
                    &self
                        .paymaster_verification_gas_limit
                        .unwrap_or(0)
                        .to_be_bytes(),
                );
                v.extend_from_slice(&self.paymaster_post_op_gas_limit.unwrap_or(0).to_be_bytes());
                v.extend_from_slice(self.paymaster_data.as_ref().map_or(&[][..], |d| &d[..]));
                v
            }
            None => Vec::new(),
        };
        PackedUserOperation {
            sender: self.sender,
            nonce: self.nonce,
            initCode: init_code.into(),
            callData: self.call_data.clone(),
            accountGasLimits: pair(self.verification_gas_limit, self.call_gas_limit),
            preVerificationGas: self.pre_verification_gas,
            gasFees: pair(self.max_priority_fee_per_gas, self.max_fee_per_gas),
            paymasterAndData: paymaster_and_data.into(),
            signature: self.signature.clone(),
        }
    }

    /// The unpacked form of a packed op.
    ///
    /// # Errors
    /// [`UserOpError::BadInitCode`], [`UserOpError::BadPaymasterAndData`].
    pub fn unpack(p: &PackedUserOperation) -> Result<Self, UserOpError> {
        let (factory, factory_data) = match p.initCode.len() {
            0 => (None, None),
            n if n < 20 => return Err(UserOpError::BadInitCode(n)),
            _ => (
                Some(Address::from_slice(&p.initCode[..20])),
                Some(Bytes::copy_from_slice(&p.initCode[20..])),
            ),
        };
        let pd = &p.paymasterAndData;
        let (paymaster, pvgl, pogl, pdata) = match pd.len() {
            0 => (None, None, None, None),
            n if n < 52 => return Err(UserOpError::BadPaymasterAndData(n)),
            _ => (
                Some(Address::from_slice(&pd[..20])),
                Some(u128::from_be_bytes(pd[20..36].try_into().expect("16"))),
                Some(u128::from_be_bytes(pd[36..52].try_into().expect("16"))),
                Some(Bytes::copy_from_slice(&pd[52..])),
            ),
        };
        let (vgl, cgl) = halves(&p.accountGasLimits);
        let (prio, max) = halves(&p.gasFees);
        Ok(Self {
            sender: p.sender,
            nonce: p.nonce,
            factory,
            factory_data,
            call_data: p.callData.clone(),
            call_gas_limit: cgl,
            verification_gas_limit: vgl,
            pre_verification_gas: p.preVerificationGas,
            max_fee_per_gas: max,
            max_priority_fee_per_gas: prio,
            paymaster,
            paymaster_verification_gas_limit: pvgl,
            paymaster_post_op_gas_limit: pogl,
            paymaster_data: pdata,
            signature: p.signature.clone(),
        })
    }

    /// The userOpHash on `entry_point` and `chain_id`.
    ///
    /// # Errors
    /// [`HashError`].
    pub fn hash(&self, entry_point: &EntryPoint, chain_id: u64) -> Result<B256, HashError> {
        entry_point.user_op_hash(&self.pack(), chain_id)
    }

    /// What the session's gas-fee budget is charged for this op (the validator's
    /// `requiredPrefund`; zero-charged when a paymaster pays).
    pub fn required_prefund(&self) -> U256 {
        let p = self.pack();
        gas::required_prefund(&p.accountGasLimits, p.preVerificationGas, &p.gasFees)
    }

    /// Signs the op with a secp256k1 session key for `module`: sets the 85-byte signature and
    /// returns the userOpHash it covers ([`Self::sign_session_with`] takes any kind).
    ///
    /// # Errors
    /// [`HashError`].
    pub fn sign_session(
        &mut self,
        key: &SessionKey,
        module: Address,
        entry_point: &EntryPoint,
        chain_id: u64,
    ) -> Result<B256, HashError> {
        let hash = self.hash(entry_point, chain_id)?;
        self.signature = key
            .sign_user_op_hash(&hash, module)
            .to_bytes()
            .to_vec()
            .into();
        Ok(hash)
    }

    /// Signs the op with a session signer of any kind for `module`: sets the signature in that
    /// kind's shape ([`SessionSigner::sign_user_op_hash`]) and returns the userOpHash it covers.
    ///
    /// # Errors
    /// [`HashError`].
    pub fn sign_session_with(
        &mut self,
        signer: &SessionSigner,
        module: Address,
        entry_point: &EntryPoint,
        chain_id: u64,
    ) -> Result<B256, HashError> {
        let hash = self.hash(entry_point, chain_id)?;
        self.signature = signer.sign_user_op_hash(&hash, module).into();
        Ok(hash)
    }

    /// The `eth_sendUserOperation` JSON-RPC request body for this op.
    pub fn send_request(&self, entry_point: Address) -> serde_json::Value {
        serde_json::json!({
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eth_sendUserOperation",
            "params": [self, entry_point.to_checksum(None)],
        })
    }
}

/// Gas fields of an op. The defaults are placeholders for local use; take real values from a
/// bundler's `eth_estimateUserOperationGas` (which the session signature format supports: it
/// names the signer, so a dummy signature is charged the full validation cost).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasLimits {
    /// Validation gas (default 500,000).
    pub verification_gas_limit: u128,
    /// Execution gas (default 300,000).
    pub call_gas_limit: u128,
    /// Pre-verification gas (default 60,000).
    pub pre_verification_gas: u128,
    /// Max fee per gas (default 0.1 gwei).
    pub max_fee_per_gas: u128,
    /// Priority fee per gas (default 0).
    pub max_priority_fee_per_gas: u128,
}

impl Default for GasLimits {
    fn default() -> Self {
        Self {
            verification_gas_limit: 500_000,
            call_gas_limit: 300_000,
            pre_verification_gas: 60_000,
            max_fee_per_gas: 100_000_000,
            max_priority_fee_per_gas: 0,
        }
    }
}

/// A paymaster sponsoring an op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paymaster {
    /// Its address.
    pub address: Address,
    /// Its validation gas.
    pub verification_gas_limit: u128,
    /// Its postOp gas.
    pub post_op_gas_limit: u128,
    /// Its data.
    pub data: Bytes,
}

/// The full 256-bit nonce `key << 64 | sequence`.
///
/// # Errors
/// [`UserOpError::NonceKeyTooLarge`] for a key above 192 bits.
pub fn nonce(key: U256, sequence: u64) -> Result<U256, UserOpError> {
    if key >> 192 != U256::ZERO {
        return Err(UserOpError::NonceKeyTooLarge(key));
    }
    Ok((key << 64) | U256::from(sequence))
}

/// How an account reads the validator to use from the nonce key. Accounts differ; pass the one
/// yours uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonceKeyLayout {
    /// The 192-bit key as given.
    Raw(U256),
    /// The validator's address in the top 20 bytes of the 24-byte key, then 4 free bytes
    /// (`address(nonce >> 96)` selects the validator): OpenZeppelin's `AccountERC7579`
    /// (`_extractUserOpValidator`, 5.7.0), crates/fixtures' TestAccount7579, and ERC-7579
    /// accounts in the style of Rhinestone's MSA and Safe7579.
    ValidatorInTopBytes {
        /// The validator module.
        validator: Address,
        /// The 4 low bytes of the key (a parallel nonce lane).
        lane: u32,
    },
}

impl NonceKeyLayout {
    /// The 192-bit key.
    pub fn key(&self) -> U256 {
        match self {
            Self::Raw(k) => *k,
            Self::ValidatorInTopBytes { validator, lane } => {
                (U256::from_be_slice(validator.as_slice()) << 32) | U256::from(*lane)
            }
        }
    }
}

/// An unsigned session op from `sender` running `calls` through ERC-7579 `execute`.
pub fn session_user_op(
    sender: Address,
    nonce: U256,
    calls: &[Call],
    gas: GasLimits,
    paymaster: Option<&Paymaster>,
) -> UserOperation {
    UserOperation {
        sender,
        nonce,
        factory: None,
        factory_data: None,
        call_data: account_calls::execute(calls),
        call_gas_limit: gas.call_gas_limit,
        verification_gas_limit: gas.verification_gas_limit,
        pre_verification_gas: U256::from(gas.pre_verification_gas),
        max_fee_per_gas: gas.max_fee_per_gas,
        max_priority_fee_per_gas: gas.max_priority_fee_per_gas,
        paymaster: paymaster.map(|p| p.address),
        paymaster_verification_gas_limit: paymaster.map(|p| p.verification_gas_limit),
        paymaster_post_op_gas_limit: paymaster.map(|p| p.post_op_gas_limit),
        paymaster_data: paymaster.map(|p| p.data.clone()),
        signature: Bytes::new(),
    }
}

/// Reads a user operation from JSON text: the op object itself, an `eth_sendUserOperation`
/// request (`params[0]`), or an object with a `userOp` field (what `sessionkey sign --json`
/// prints).
///
/// # Errors
/// A one-line message.
pub fn from_json(text: &str) -> Result<UserOperation, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let op = if v.get("sender").is_some() {
        &v
    } else if let Some(op) = v.get("userOp") {
        op
    } else if let Some(op) = v.get("params").and_then(|p| p.get(0)) {
        op
    } else {
        return Err("no user operation found (expected an object with `sender`, a `userOp` field, or eth_sendUserOperation params)".into());
    };
    let op: UserOperation = serde_json::from_value(op.clone()).map_err(|e| e.to_string())?;
    op.check().map_err(|e| e.to_string())?;
    Ok(op)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> UserOperation {
        UserOperation {
            sender: Address::repeat_byte(0xac),
            nonce: U256::from(7),
            factory: Some(Address::repeat_byte(0xfa)),
            factory_data: Some(vec![1u8, 2].into()),
            call_data: vec![0xe9u8, 0xae, 0x5c, 0x53].into(),
            call_gas_limit: 300_000,
            verification_gas_limit: 500_000,
            pre_verification_gas: U256::from(60_000),
            max_fee_per_gas: 2_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            paymaster: Some(Address::repeat_byte(0x99)),
            paymaster_verification_gas_limit: Some(100_000),
            paymaster_post_op_gas_limit: Some(50_000),
            paymaster_data: Some(vec![0xdeu8, 0xad].into()),
            signature: vec![0u8; 85].into(),
        }
    }

    #[test]
    fn pack_unpack_round_trip() {
        let op = sample();
        let packed = op.pack();
        assert_eq!(packed.initCode.len(), 22);
        assert_eq!(packed.paymasterAndData.len(), 54);
        assert_eq!(UserOperation::unpack(&packed).unwrap(), op);
    }

    #[test]
    fn json_uses_bundler_field_names_and_hex_quantities() {
        let op = sample();
        let v = serde_json::to_value(&op).unwrap();
        assert_eq!(v["callGasLimit"], "0x493e0");
        assert_eq!(v["nonce"], "0x7");
        assert_eq!(v["paymasterPostOpGasLimit"], "0xc350");
        let back: UserOperation = serde_json::from_value(v).unwrap();
        assert_eq!(back, op);
        let minimal = UserOperation::default();
        let v = serde_json::to_value(&minimal).unwrap();
        assert!(v.get("paymaster").is_none() && v.get("factory").is_none());
        // Decimal strings and numbers are read too.
        let text = r#"{"sender":"0x00000000000000000000000000000000000000ac","nonce":"5","callData":"0x",
            "callGasLimit":1,"verificationGasLimit":"0x2","preVerificationGas":"3","maxFeePerGas":"0x4",
            "maxPriorityFeePerGas":"0","signature":"0x"}"#;
        let op = from_json(text).unwrap();
        assert_eq!((op.nonce, op.verification_gas_limit), (U256::from(5), 2));
    }

    #[test]
    fn nonce_layouts() {
        let v = Address::repeat_byte(0x11);
        let key = NonceKeyLayout::ValidatorInTopBytes {
            validator: v,
            lane: 0,
        }
        .key();
        let n = nonce(key, 3).unwrap();
        assert_eq!(Address::from_slice(&n.to_be_bytes::<32>()[..20]), v);
        assert_eq!(n & U256::from(u64::MAX), U256::from(3));
        assert!(nonce(U256::from(1) << 192, 0).is_err());
    }
}
