//! The JSON-RPC methods: Ethereum's ([`eth`]) and ERC-7769's bundler methods ([`bundler`]),
//! registered on one jsonrpsee module whose context is the [`ChainHandle`].

pub mod bundler;
pub mod eth;
pub mod unknown_method;

use jsonrpsee::types::{ErrorObjectOwned, Params};
use jsonrpsee::RpcModule;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::actor::ChainHandle;
use crate::error::NodeError;
use crate::state::NodeState;

/// Every method, on one module.
pub fn module(chain: ChainHandle) -> RpcModule<ChainHandle> {
    let mut module = RpcModule::new(chain);
    eth::register(&mut module);
    bundler::register(&mut module);
    module
}

/// Positional parameters, read one by one; a missing or ill-typed one is `-32602`.
pub struct Positional<'a> {
    values: Vec<serde_json::Value>,
    next: usize,
    method: &'a str,
}

impl<'a> Positional<'a> {
    /// Reads `params` (an array, or none).
    ///
    /// # Errors
    ///
    /// [`NodeError::InvalidParams`] when they are not an array.
    pub fn new(params: &Params<'_>, method: &'a str) -> Result<Self, NodeError> {
        let values = if params.is_object() {
            return Err(NodeError::InvalidParams(format!(
                "{method} takes positional parameters (an array)"
            )));
        } else {
            params
                .parse::<Option<Vec<serde_json::Value>>>()
                .map_err(|e| NodeError::InvalidParams(e.message().to_string()))?
                .unwrap_or_default()
        };
        Ok(Self {
            values,
            next: 0,
            method,
        })
    }

    /// The next parameter, required.
    ///
    /// # Errors
    ///
    /// [`NodeError::InvalidParams`] when it is missing or does not parse as `T`.
    pub fn required<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, NodeError> {
        self.optional(name)?.ok_or_else(|| {
            NodeError::InvalidParams(format!("{}: missing parameter `{name}`", self.method))
        })
    }

    /// The next parameter, if given (and not `null`).
    ///
    /// # Errors
    ///
    /// [`NodeError::InvalidParams`] when it does not parse as `T`.
    pub fn optional<T: DeserializeOwned>(&mut self, name: &str) -> Result<Option<T>, NodeError> {
        let index = self.next;
        self.next += 1;
        match self.values.get(index) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(value) => serde_json::from_value(value.clone())
                .map(Some)
                .map_err(|e| {
                    NodeError::InvalidParams(format!(
                        "{}: parameter {index} (`{name}`): {e}",
                        self.method
                    ))
                }),
        }
    }

    /// Refuses parameters beyond those read.
    ///
    /// # Errors
    ///
    /// [`NodeError::InvalidParams`] naming how many were expected.
    pub fn finish(self) -> Result<(), NodeError> {
        if self.values.len() > self.next {
            return Err(NodeError::InvalidParams(format!(
                "{}: {} parameters given, at most {} expected",
                self.method,
                self.values.len(),
                self.next
            )));
        }
        Ok(())
    }
}

/// Registers `name`: parameters are read and the work done on the chain thread by `f`.
pub fn chain_method<T, F>(module: &mut RpcModule<ChainHandle>, name: &'static str, f: F)
where
    T: Serialize + Clone + Send + 'static,
    F: Fn(&mut NodeState, &mut Positional<'_>) -> Result<T, NodeError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    module
        .register_async_method(name, move |params, chain, _| {
            let f = f.clone();
            async move {
                let answer = chain
                    .run(move |state| {
                        let mut args = Positional::new(&params, name)?;
                        let answer = f(state, &mut args)?;
                        args.finish()?;
                        Ok(answer)
                    })
                    .await;
                answer.and_then(|r| r).map_err(ErrorObjectOwned::from)
            }
        })
        .expect("method names are unique");
}

/// Registers `name`, answered without the chain thread (constants).
pub fn static_method<T, F>(module: &mut RpcModule<ChainHandle>, name: &'static str, f: F)
where
    T: Serialize + Clone + Send + 'static,
    F: Fn(&ChainHandle) -> T + Send + Sync + 'static,
{
    module
        .register_method(name, move |params, chain, _| {
            Positional::new(&params, name)
                .and_then(Positional::finish)
                .map(|()| f(chain))
                .map_err(ErrorObjectOwned::from)
        })
        .expect("method names are unique");
}
