//! Names the method in the `-32601` answer to an unknown method (jsonrpsee's own answer is a
//! bare "Method not found"), for single calls and for each call of a batch.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use jsonrpsee::server::middleware::rpc::{
    Batch, BatchEntry, BatchEntryErr, Notification, RpcServiceT,
};
use jsonrpsee::server::MethodResponse;
use jsonrpsee::types::{ErrorObject, Request};

use crate::error::METHOD_NOT_FOUND;

/// The methods the node serves.
pub type KnownMethods = Arc<HashSet<&'static str>>;

fn not_found(method: &str) -> ErrorObject<'static> {
    ErrorObject::owned(
        METHOD_NOT_FOUND,
        format!("the method {method} does not exist/is not available"),
        None::<()>,
    )
}

/// Answers unknown methods itself; passes everything else on.
#[derive(Clone)]
pub struct UnknownMethod<S> {
    inner: S,
    known: KnownMethods,
}

impl<S> UnknownMethod<S> {
    /// Wraps the server's service.
    pub fn new(inner: S, known: KnownMethods) -> Self {
        Self { inner, known }
    }
}

impl<S> RpcServiceT for UnknownMethod<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Send
        + Sync
        + Clone
        + 'static,
{
    type MethodResponse = MethodResponse;
    type NotificationResponse = MethodResponse;
    type BatchResponse = MethodResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let known = self.known.contains(request.method_name());
        let inner = self.inner.clone();
        async move {
            if known {
                inner.call(request).await
            } else {
                let error = not_found(request.method_name());
                MethodResponse::error(request.id, error)
            }
        }
    }

    fn batch<'a>(&self, mut batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        for entry in batch.iter_mut() {
            let unknown = match entry {
                Ok(BatchEntry::Call(request)) if !self.known.contains(request.method_name()) => {
                    Some((request.id.clone(), not_found(request.method_name())))
                }
                _ => None,
            };
            if let Some((id, error)) = unknown {
                *entry = Err(BatchEntryErr::new(id, error));
            }
        }
        self.inner.batch(batch)
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.inner.notification(notification)
    }
}
