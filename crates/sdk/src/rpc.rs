//! Talking to chains (feature `rpc`): the module's views, EntryPoint's nonces and the fee
//! market from a JSON-RPC node, and the ERC-7769 bundler methods — all over alloy's provider.
//!
//! [`ChainClient`] is generic over any alloy [`Provider`], so a wallet brings its own (TLS,
//! retries, auth headers); [`http_provider`] is the plain-HTTP one the `sessionkey` command uses.
//!
//! alloy-provider 1.8.3 ships an `Erc4337Api`, but its response types do not follow ERC-7769:
//! `eth_sendUserOperation` answers a bare `userOpHash` (alloy expects `{userOpHash}`), and an
//! estimate names `verificationGasLimit` and an optional `paymasterVerificationGasLimit` (alloy
//! expects `verificationGas` and a required `paymasterVerificationGas`). The bundler methods are
//! therefore requested through the provider's client with this module's types, which follow
//! ERC-7769 (`ERCS/erc-7769.md`, ethereum/ERCs).

use std::time::Duration;

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_provider::{Provider, RootProvider};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::{sol, SolCall};
use serde::Deserialize;
use serde_json::Value;

use crate::hash::EntryPoint;
use crate::status::{SessionState, SessionWords};
use crate::user_op::{quantity, UserOperation};

sol! {
    interface IModuleViews {
        function sessionWords(address account, address signer) external view
            returns (bytes32 accountWord, bytes32 header, bytes32 counters, bytes32 paymaster);
        function tokenCapWord(address account, address signer, address token) external view
            returns (bytes32);
    }

    interface IEntryPointNonces {
        function getNonce(address sender, uint192 key) external view returns (uint256 nonce);
    }
}

/// Why talking to a chain failed.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The endpoint URL is not usable.
    #[error("{url}: {reason}")]
    Url {
        /// The URL as given.
        url: String,
        /// Why.
        reason: String,
    },
    /// The request never got a JSON-RPC answer (connection refused, timeout, not JSON).
    #[error("{method}: {message}")]
    Transport {
        /// The method.
        method: String,
        /// What the transport said.
        message: String,
    },
    /// The endpoint answered with a JSON-RPC error.
    #[error("{method}: error {code}: {message}")]
    Rpc {
        /// The method.
        method: String,
        /// JSON-RPC error code (ERC-7769: -32500 refused in validation, -32502 opcode or
        /// storage rule, -32602 invalid fields, ...).
        code: i64,
        /// The message.
        message: String,
        /// The `data` member, as JSON.
        data: Option<Value>,
    },
    /// The answer did not have the shape the method defines.
    #[error("{method}: unexpected answer: {message}")]
    Decode {
        /// The method.
        method: String,
        /// Why.
        message: String,
    },
    /// The bundler does not serve this EntryPoint.
    #[error("the bundler does not serve EntryPoint {entry_point} (it serves {supported:?})")]
    UnsupportedEntryPoint {
        /// The EntryPoint asked for.
        entry_point: Address,
        /// What `eth_supportedEntryPoints` listed.
        supported: Vec<Address>,
    },
    /// The node and the bundler are on different chains.
    #[error("the node is on chain {node}, the bundler on chain {bundler}")]
    ChainMismatch {
        /// The node's chain id.
        node: u64,
        /// The bundler's chain id.
        bundler: u64,
    },
    /// A bundler method was called on a client connected to a node only.
    #[error("{method}: no bundler endpoint given")]
    NoBundler {
        /// The method.
        method: String,
    },
    /// No receipt before the deadline.
    #[error("no receipt for userOp {user_op_hash} after {seconds} s")]
    Timeout {
        /// The op.
        user_op_hash: B256,
        /// How long was waited.
        seconds: u64,
    },
}

impl RpcError {
    /// The revert data a bundler attached to a refusal (`data.revertData` / `data.reason` as
    /// hex, or `data` itself as hex), for [`crate::explain::explain_revert`].
    pub fn revert_data(&self) -> Option<Bytes> {
        let Self::Rpc {
            data: Some(data), ..
        } = self
        else {
            return None;
        };
        let hex = match data {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => ["revertData", "data", "reason"]
                .iter()
                .find_map(|k| o.get(*k).and_then(Value::as_str)),
            _ => None,
        }?;
        alloy_primitives::hex::decode(hex).ok().map(Into::into)
    }
}

fn from_transport(method: &str, e: alloy_provider::transport::TransportError) -> RpcError {
    use alloy_provider::transport::RpcError as E;
    match e {
        E::ErrorResp(payload) => RpcError::Rpc {
            method: method.into(),
            code: payload.code,
            message: payload.message.to_string(),
            data: payload
                .data
                .as_ref()
                .and_then(|raw| serde_json::from_str(raw.get()).ok()),
        },
        E::DeserError { err, text } => RpcError::Decode {
            method: method.into(),
            message: format!("{err} in {}", one_line(&text, 200)),
        },
        other => RpcError::Transport {
            method: method.into(),
            message: other.to_string(),
        },
    }
}

fn one_line(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        format!("{}…", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}

/// A plain-HTTP provider for `url` (`http://…`; a wallet needing TLS builds its own provider
/// and hands it to [`ChainClient::connect`]).
///
/// # Errors
/// [`RpcError::Url`] for anything but an `http://` URL.
pub fn http_provider(url: &str) -> Result<RootProvider, RpcError> {
    let parsed: alloy_transport_http::reqwest::Url = url.parse().map_err(|e| RpcError::Url {
        url: url.into(),
        reason: format!("not a URL ({e})"),
    })?;
    if parsed.scheme() != "http" {
        return Err(RpcError::Url {
            url: url.into(),
            reason: format!(
                "scheme `{}`: this build speaks plain http only (use the SDK with your own TLS provider)",
                parsed.scheme()
            ),
        });
    }
    Ok(RootProvider::new_http(parsed))
}

/// Gas limits a bundler estimated (ERC-7769 `eth_estimateUserOperationGas`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GasEstimate {
    /// Gas paid outside EntryPoint's metering.
    #[serde(with = "quantity::u128")]
    pub pre_verification_gas: u128,
    /// Validation gas.
    #[serde(with = "quantity::u128")]
    pub verification_gas_limit: u128,
    /// Execution gas.
    #[serde(with = "quantity::u128")]
    pub call_gas_limit: u128,
    /// Paymaster validation gas, when the op has a paymaster.
    #[serde(default, with = "quantity::opt_u128")]
    pub paymaster_verification_gas_limit: Option<u128>,
}

/// What happened to an included op (ERC-7769 `eth_getUserOperationReceipt`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpReceipt {
    /// The op.
    pub user_op_hash: B256,
    /// Whether its execution succeeded.
    pub success: bool,
    /// Gas EntryPoint charged it for.
    pub actual_gas_used: U256,
    /// What it paid (wei).
    pub actual_gas_cost: U256,
    /// The execution's revert data, when it failed.
    pub reason: Bytes,
    /// The bundle transaction.
    pub transaction_hash: B256,
    /// Its block.
    pub block_number: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawReceipt {
    user_op_hash: B256,
    success: bool,
    #[serde(with = "quantity::u256")]
    actual_gas_used: U256,
    #[serde(with = "quantity::u256")]
    actual_gas_cost: U256,
    #[serde(default)]
    reason: Bytes,
    receipt: RawTxReceipt,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTxReceipt {
    transaction_hash: B256,
    #[serde(with = "quantity::u64")]
    block_number: u64,
}

/// A node, and for sending ops a bundler (often the same endpoint), for one EntryPoint on one
/// chain.
pub struct ChainClient<P> {
    node: P,
    bundler: Option<P>,
    entry_point: EntryPoint,
    chain_id: u64,
}

impl<P: Provider> ChainClient<P> {
    /// Connects to a node only (reads: session state, nonces, fees): reads its chain id.
    ///
    /// # Errors
    /// Transport and RPC errors.
    pub async fn connect_node(node: P, entry_point: EntryPoint) -> Result<Self, RpcError> {
        let chain_id = node
            .get_chain_id()
            .await
            .map_err(|e| from_transport("eth_chainId", e))?;
        Ok(Self {
            node,
            bundler: None,
            entry_point,
            chain_id,
        })
    }

    /// Connects to a node and a bundler: checks the bundler is on the node's chain and serves
    /// `entry_point`.
    ///
    /// # Errors
    /// Transport and RPC errors; [`RpcError::ChainMismatch`]; [`RpcError::UnsupportedEntryPoint`].
    pub async fn connect(node: P, bundler: P, entry_point: EntryPoint) -> Result<Self, RpcError> {
        let mut client = Self::connect_node(node, entry_point).await?;
        let chain_id = client.chain_id;
        let bundler_chain = bundler
            .get_chain_id()
            .await
            .map_err(|e| from_transport("eth_chainId", e))?;
        if bundler_chain != chain_id {
            return Err(RpcError::ChainMismatch {
                node: chain_id,
                bundler: bundler_chain,
            });
        }
        let supported: Vec<Address> = bundler
            .client()
            .request("eth_supportedEntryPoints", ())
            .await
            .map_err(|e| from_transport("eth_supportedEntryPoints", e))?;
        if !supported.contains(&client.entry_point.address) {
            return Err(RpcError::UnsupportedEntryPoint {
                entry_point: client.entry_point.address,
                supported,
            });
        }
        client.bundler = Some(bundler);
        Ok(client)
    }

    fn bundler(&self, method: &str) -> Result<&P, RpcError> {
        self.bundler.as_ref().ok_or_else(|| RpcError::NoBundler {
            method: method.into(),
        })
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The EntryPoint.
    pub fn entry_point(&self) -> &EntryPoint {
        &self.entry_point
    }

    async fn view<C: SolCall>(&self, to: Address, call: C) -> Result<C::Return, RpcError> {
        let tx = TransactionRequest::default()
            .to(to)
            .input(Bytes::from(call.abi_encode()).into());
        let out = self
            .node
            .call(tx)
            .await
            .map_err(|e| from_transport("eth_call", e))?;
        C::abi_decode_returns(&out).map_err(|e| RpcError::Decode {
            method: format!("eth_call {}", C::SIGNATURE),
            message: e.to_string(),
        })
    }

    /// The latest block's timestamp (what the session's window is measured against).
    ///
    /// # Errors
    /// Transport and RPC errors.
    pub async fn latest_timestamp(&self) -> Result<u64, RpcError> {
        let block = self
            .node
            .get_block_by_number(alloy_rpc_types_eth::BlockNumberOrTag::Latest)
            .await
            .map_err(|e| from_transport("eth_getBlockByNumber", e))?
            .ok_or_else(|| RpcError::Decode {
                method: "eth_getBlockByNumber".into(),
                message: "no latest block".into(),
            })?;
        Ok(block.header.timestamp)
    }

    /// The module's words of `signer`'s session on `account`, and the token caps of `tokens`.
    ///
    /// # Errors
    /// Transport and RPC errors (a reverting view: the address is not the module).
    pub async fn session_words(
        &self,
        module: Address,
        account: Address,
        signer: Address,
        tokens: &[Address],
    ) -> Result<SessionWords, RpcError> {
        let w = self
            .view(module, IModuleViews::sessionWordsCall { account, signer })
            .await?;
        let mut token_caps = Vec::with_capacity(tokens.len());
        for token in tokens {
            let word = self
                .view(
                    module,
                    IModuleViews::tokenCapWordCall {
                        account,
                        signer,
                        token: *token,
                    },
                )
                .await?;
            token_caps.push((*token, word));
        }
        Ok(SessionWords {
            account: w.accountWord,
            header: w.header,
            counters: w.counters,
            paymaster: w.paymaster,
            token_caps,
        })
    }

    /// The session's state and the latest block time it is read at.
    ///
    /// # Errors
    /// As [`Self::session_words`].
    pub async fn session_state(
        &self,
        module: Address,
        account: Address,
        signer: Address,
        tokens: &[Address],
    ) -> Result<(SessionState, u64), RpcError> {
        let words = self.session_words(module, account, signer, tokens).await?;
        let now = self.latest_timestamp().await?;
        Ok((SessionState::decode(&words), now))
    }

    /// EntryPoint's next full nonce (`key << 64 | sequence`) for `account` under `key`.
    ///
    /// # Errors
    /// Transport and RPC errors.
    pub async fn nonce(&self, account: Address, key: U256) -> Result<U256, RpcError> {
        let key = alloy_primitives::aliases::U192::from(key);
        self.view(
            self.entry_point.address,
            IEntryPointNonces::getNonceCall {
                sender: account,
                key,
            },
        )
        .await
    }

    /// Fees for a new op: `(maxFeePerGas, maxPriorityFeePerGas)` = (2 × gas price + tip, tip).
    ///
    /// # Errors
    /// Transport and RPC errors.
    pub async fn fees(&self) -> Result<(u128, u128), RpcError> {
        let price = self
            .node
            .get_gas_price()
            .await
            .map_err(|e| from_transport("eth_gasPrice", e))?;
        let tip = self
            .node
            .get_max_priority_fee_per_gas()
            .await
            .map_err(|e| from_transport("eth_maxPriorityFeePerGas", e))?;
        Ok((price.saturating_mul(2).saturating_add(tip), tip))
    }

    /// `eth_estimateUserOperationGas`.
    ///
    /// # Errors
    /// Transport and RPC errors (a refused op: [`RpcError::Rpc`] with the bundler's code and
    /// the revert data in `data`).
    pub async fn estimate(&self, op: &UserOperation) -> Result<GasEstimate, RpcError> {
        self.bundler("eth_estimateUserOperationGas")?
            .client()
            .request(
                "eth_estimateUserOperationGas",
                (op, self.entry_point.address),
            )
            .await
            .map_err(|e| from_transport("eth_estimateUserOperationGas", e))
    }

    /// `eth_sendUserOperation`: the op's hash, after checking it is the hash the SDK computes
    /// for this EntryPoint and chain (a bundler answering another hash is refused).
    ///
    /// # Errors
    /// Transport and RPC errors; [`RpcError::Decode`] if the bundler's hash differs.
    pub async fn send(&self, op: &UserOperation) -> Result<B256, RpcError> {
        let hash: B256 = self
            .bundler("eth_sendUserOperation")?
            .client()
            .request("eth_sendUserOperation", (op, self.entry_point.address))
            .await
            .map_err(|e| from_transport("eth_sendUserOperation", e))?;
        let ours = op
            .hash(&self.entry_point, self.chain_id)
            .map_err(|e| RpcError::Decode {
                method: "eth_sendUserOperation".into(),
                message: e.to_string(),
            })?;
        if hash != ours {
            return Err(RpcError::Decode {
                method: "eth_sendUserOperation".into(),
                message: format!("the bundler answered hash {hash}, the op's hash is {ours}"),
            });
        }
        Ok(hash)
    }

    /// `eth_getUserOperationReceipt`: `None` while the op is not included.
    ///
    /// # Errors
    /// Transport and RPC errors.
    pub async fn receipt(&self, user_op_hash: B256) -> Result<Option<OpReceipt>, RpcError> {
        let raw: Option<RawReceipt> = self
            .bundler("eth_getUserOperationReceipt")?
            .client()
            .request("eth_getUserOperationReceipt", (user_op_hash,))
            .await
            .map_err(|e| from_transport("eth_getUserOperationReceipt", e))?;
        Ok(raw.map(|r| OpReceipt {
            user_op_hash: r.user_op_hash,
            success: r.success,
            actual_gas_used: r.actual_gas_used,
            actual_gas_cost: r.actual_gas_cost,
            reason: r.reason,
            transaction_hash: r.receipt.transaction_hash,
            block_number: r.receipt.block_number,
        }))
    }

    /// Polls [`Self::receipt`] every `poll` until it appears or `timeout` passes.
    ///
    /// # Errors
    /// [`RpcError::Timeout`]; transport and RPC errors.
    pub async fn wait_for_receipt(
        &self,
        user_op_hash: B256,
        timeout: Duration,
        poll: Duration,
    ) -> Result<OpReceipt, RpcError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(r) = self.receipt(user_op_hash).await? {
                return Ok(r);
            }
            if tokio::time::Instant::now() + poll > deadline {
                return Err(RpcError::Timeout {
                    user_op_hash,
                    seconds: timeout.as_secs(),
                });
            }
            tokio::time::sleep(poll).await;
        }
    }
}

/// A stand-in session signature for gas estimation: `signer ‖ r = 1 ‖ s = 1 ‖ v = 27`. It names
/// the signer, so the module runs every check and the ecrecover call for it and the estimate
/// covers real validation; it never recovers to the signer, so it can authorise nothing.
pub fn estimation_signature(signer: Address) -> Bytes {
    let mut sig = Vec::with_capacity(85);
    sig.extend_from_slice(signer.as_slice());
    sig.extend_from_slice(B256::with_last_byte(1).as_slice());
    sig.extend_from_slice(B256::with_last_byte(1).as_slice());
    sig.push(27);
    sig.into()
}
