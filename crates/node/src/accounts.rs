//! The funded developer accounts: nitro-devnode's published key, so Stylus quickstart commands
//! work unchanged, and a few deterministic keys for tests and scripts.

use alloy_primitives::{b256, Address, B256, U256};
use k256::ecdsa::SigningKey;

/// nitro-devnode's funded developer key (nitro's `.github/workflows/runExecutionSpecTests.sh`
/// seeds its tests with it against `http://127.0.0.1:8547`, chain id 412346). Public: never use
/// it on a real network.
pub const NITRO_DEVNODE_KEY: B256 =
    b256!("b6b15c8cb491557369f3c7d2c287b053eb229daa9c22138887752191c9520659");

/// How many deterministic accounts follow nitro-devnode's.
pub const DETERMINISTIC_ACCOUNTS: u8 = 4;

/// Ether each developer account starts with.
pub const DEV_BALANCE_ETH: u64 = 10_000;

/// A funded account whose key the node prints.
#[derive(Clone)]
pub struct DevAccount {
    /// The secp256k1 key.
    pub key: SigningKey,
    /// Its address.
    pub address: Address,
}

impl std::fmt::Debug for DevAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevAccount")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl DevAccount {
    /// The account of a 32-byte private key.
    ///
    /// # Panics
    ///
    /// If `secret` is not a valid secp256k1 scalar (zero or above the group order); the
    /// node's keys are constants that are.
    pub fn from_secret(secret: B256) -> Self {
        let key = SigningKey::from_slice(secret.as_slice()).expect("a valid secp256k1 scalar");
        let address = Address::from_private_key(&key);
        Self { key, address }
    }

    /// The deterministic account `n` (1-based): private key = 32 bytes of value `n`, the same
    /// keys as `devnet_bundler::SessionKey::from_seed(n)`.
    pub fn deterministic(n: u8) -> Self {
        Self::from_secret(B256::repeat_byte(n))
    }

    /// The private key, `0x`-hex.
    pub fn secret_hex(&self) -> String {
        format!("{}", B256::from_slice(&self.key.to_bytes()))
    }
}

/// nitro-devnode's account, then deterministic accounts 1–[`DETERMINISTIC_ACCOUNTS`].
pub fn dev_accounts() -> Vec<DevAccount> {
    std::iter::once(DevAccount::from_secret(NITRO_DEVNODE_KEY))
        .chain((1..=DETERMINISTIC_ACCOUNTS).map(DevAccount::deterministic))
        .collect()
}

/// [`DEV_BALANCE_ETH`] in wei.
pub fn dev_balance() -> U256 {
    U256::from(DEV_BALANCE_ETH) * U256::from(10u64).pow(U256::from(18u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn nitro_devnode_key_is_its_published_address() {
        assert_eq!(
            DevAccount::from_secret(NITRO_DEVNODE_KEY).address,
            address!("3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E")
        );
    }

    #[test]
    fn deterministic_accounts_match_the_bundler_seed_keys() {
        for n in 1..=DETERMINISTIC_ACCOUNTS {
            assert_eq!(
                DevAccount::deterministic(n).address,
                devnet_bundler::SessionKey::from_seed(n).address
            );
        }
    }
}
