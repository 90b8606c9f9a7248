//! What the node listens on and how it mines.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

/// nitro-devnode's JSON-RPC port.
pub const DEFAULT_PORT: u16 = 8547;

/// nitro-devnode's chain id (the devnet's default).
pub const CHAIN_ID: u64 = stylus_devnet::DEFAULT_CHAIN_ID;

/// Arbitrum's minimum L2 base fee, 0.1 gwei (`InitialMinimumBaseFeeWei`, nitro
/// `arbos/l2pricing/model.go`): on the node it is also the fixed base fee.
pub const DEFAULT_BASE_FEE: u64 = 100_000_000;

/// Largest request body served (bytes); larger ones are refused before parsing. Big enough for
/// a deployment of a 24 KiB contract in hex several times over.
pub const MAX_REQUEST_BODY_BYTES: u32 = 2 * 1024 * 1024;

/// Largest response body (bytes); `eth_getLogs` over a long chain is what could reach it.
pub const MAX_RESPONSE_BODY_BYTES: u32 = 32 * 1024 * 1024;

/// How the node runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeConfig {
    /// Address to listen on (127.0.0.1 by default: the dev keys are public).
    pub host: IpAddr,
    /// Port; 0 picks a free one (tests).
    pub port: u16,
    /// `None`: automine, every transaction and user operation gets a block of its own.
    /// `Some(t)`: transactions execute at once into the pending block, sealed every `t`.
    pub block_time: Option<Duration>,
    /// Base fee in wei: the gas price every transaction pays.
    pub base_fee: u64,
    /// Largest request body served, in bytes.
    pub max_request_body_bytes: u32,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: DEFAULT_PORT,
            block_time: None,
            base_fee: DEFAULT_BASE_FEE,
            max_request_body_bytes: MAX_REQUEST_BODY_BYTES,
        }
    }
}

impl NodeConfig {
    /// A configuration for tests: 127.0.0.1 on an ephemeral port, automine.
    pub fn ephemeral() -> Self {
        Self {
            port: 0,
            ..Self::default()
        }
    }

    /// The socket address to bind.
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }
}
