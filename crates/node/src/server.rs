//! Starting and stopping the node: the chain thread and the HTTP JSON-RPC server.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use jsonrpsee::server::middleware::rpc::RpcServiceBuilder;
use jsonrpsee::server::{BatchRequestConfig, Server, ServerConfig, ServerHandle};

use crate::actor::{self, ChainHandle};
use crate::config::{NodeConfig, MAX_RESPONSE_BODY_BYTES};
use crate::rpc::{self, unknown_method::UnknownMethod};
use crate::state::{ChainInfo, SetupError};

/// Calls one batch may hold.
pub const MAX_BATCH: u32 = 100;
/// Connections served at once.
pub const MAX_CONNECTIONS: u32 = 128;

/// Why the node did not start.
#[derive(Debug)]
pub enum StartError {
    /// The chain could not be set up.
    Setup(SetupError),
    /// The address could not be bound.
    Bind(std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Setup(e) => write!(f, "{e}"),
            Self::Bind(e) => write!(f, "binding the JSON-RPC server: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// A running node.
pub struct Node {
    address: SocketAddr,
    server: ServerHandle,
    chain: ChainHandle,
    thread: Option<JoinHandle<()>>,
}

impl Node {
    /// Builds the chain (a few seconds: EntryPoint, the module's activation, the accounts) and
    /// starts serving JSON-RPC over HTTP on `config`'s address.
    ///
    /// # Errors
    ///
    /// [`StartError::Setup`] (e.g. fixtures missing: `bash scripts/fetch-fixtures.sh`),
    /// [`StartError::Bind`] (e.g. the port is taken).
    pub async fn start(config: NodeConfig) -> Result<Self, StartError> {
        let chain_config = config.clone();
        let (chain, thread) = tokio::task::spawn_blocking(move || actor::spawn(&chain_config))
            .await
            .map_err(|e| StartError::Setup(SetupError(format!("starting the chain: {e}"))))?
            .map_err(StartError::Setup)?;
        let module = rpc::module(chain.clone());
        let known: Arc<HashSet<&'static str>> = Arc::new(module.method_names().collect());
        let middleware = RpcServiceBuilder::new()
            .layer_fn(move |service| UnknownMethod::new(service, known.clone()));
        let server_config = ServerConfig::builder()
            .max_request_body_size(config.max_request_body_bytes)
            .max_response_body_size(MAX_RESPONSE_BODY_BYTES)
            .set_batch_request_config(BatchRequestConfig::Limit(MAX_BATCH))
            .max_connections(MAX_CONNECTIONS)
            .http_only()
            .build();
        let server = Server::builder()
            .set_config(server_config)
            .set_rpc_middleware(middleware)
            .build(config.socket_addr())
            .await;
        let server = match server {
            Ok(server) => server,
            Err(e) => {
                chain.shutdown();
                let _ = thread.join();
                return Err(StartError::Bind(e));
            }
        };
        let address = server.local_addr().map_err(StartError::Bind)?;
        let server = server.start(module);
        Ok(Self {
            address,
            server,
            chain,
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Its endpoint, `http://host:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// What was deployed and funded at start.
    pub fn info(&self) -> &ChainInfo {
        self.chain.info()
    }

    /// The chain, for in-process callers (tests, tools) that want it without HTTP.
    pub fn chain(&self) -> &ChainHandle {
        &self.chain
    }

    /// Stops serving, then stops the chain thread after the requests already queued.
    pub async fn stop(mut self) {
        let _ = self.server.stop();
        self.server.clone().stopped().await;
        self.chain.shutdown();
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}
