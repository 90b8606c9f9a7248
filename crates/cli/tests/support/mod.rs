//! The local node (crates/node) in-process on an ephemeral 127.0.0.1 port, for the tests that
//! run the binary against a chain; stopped when dropped, so no test leaves it running.

use devnet_node::{Node, NodeConfig};

/// A running node and the runtime that drives it.
pub struct LocalNode {
    /// Runs the node and the tests' own RPC calls.
    pub runtime: tokio::runtime::Runtime,
    node: Option<Node>,
}

impl LocalNode {
    /// Starts a node with an ephemeral port and state.
    pub fn start() -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let node = runtime
            .block_on(Node::start(NodeConfig::ephemeral()))
            .expect("the node starts (fixtures: bash scripts/fetch-fixtures.sh)");
        Self {
            runtime,
            node: Some(node),
        }
    }

    /// The running node.
    pub fn node(&self) -> &Node {
        self.node.as_ref().expect("running until dropped")
    }
}

impl Drop for LocalNode {
    fn drop(&mut self) {
        if let Some(node) = self.node.take() {
            self.runtime.block_on(node.stop());
        }
    }
}
