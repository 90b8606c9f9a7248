//! What a session has used so far, and the storage words that makes: the simulator starts from
//! the words the contract holds after registration (`sessionkey_policy::memory::MemoryStore`,
//! laid out by the contract's own functions) with the usage debited.
//!
//! A usage file (TOML or JSON):
//!
//! ```toml
//! ops = 3                   # ops validated so far
//! native_spent = "0.2 ether"
//! gas_spent = "150000000000000"
//! revoked = false           # revoked (individually, by revoke-all, or by uninstall)
//! period = 4                # periodic sessions: the period the usage above is for
//! [tokens]                  # spend so far per capped token
//! "0x00000000000000000000000000000000000070c0" = "150e18"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use alloy_primitives::{Address, U256};
use serde::{Deserialize, Serialize};
use sessionkey_policy::layout::{CountersWord, PeriodCounters, PeriodicTokenWord, TokenCapWord};
use sessionkey_policy::memory::MemoryStore;
use sessionkey_policy::record::{Limit, SessionRecord, TokenLimit};

use crate::address::parse_address;
use crate::amount::parse_uint;

/// Why a usage does not fit the record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct UsageError {
    /// `ops`, `native_spent`, `tokens.0x…`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn usage_err(field: impl Into<String>, message: impl Into<String>) -> UsageError {
    UsageError {
        field: field.into(),
        message: message.into(),
    }
}

/// A session's usage so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Ops validated.
    pub ops: u32,
    /// Native value sent.
    pub native_spent: U256,
    /// Gas-fee budget charged (wei).
    pub gas_spent: U256,
    /// ERC-20 spend per capped token.
    pub tokens: BTreeMap<Address, U256>,
    /// Whether the session is revoked.
    pub revoked: bool,
    /// For a periodic session, the cap period the usage is for (its counters' period).
    pub period: Option<u32>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct UsageFile {
    #[serde(default)]
    ops: u32,
    #[serde(default)]
    native_spent: Option<AmountText>,
    #[serde(default)]
    gas_spent: Option<AmountText>,
    #[serde(default)]
    tokens: BTreeMap<String, AmountText>,
    #[serde(default)]
    revoked: bool,
    #[serde(default)]
    period: Option<u32>,
}

#[derive(Deserialize, Serialize)]
#[serde(untagged)]
enum AmountText {
    Text(String),
    Number(u64),
}

impl AmountText {
    fn parse(&self, field: &str) -> Result<U256, UsageError> {
        match self {
            Self::Number(n) => Ok(U256::from(*n)),
            Self::Text(t) => parse_uint(t, 256).map_err(|e| usage_err(field, e.to_string())),
        }
    }
}

impl Usage {
    /// Reads a usage file (TOML, or JSON when it starts with `{`).
    ///
    /// # Errors
    /// A one-line message naming the file or the field.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses usage text (TOML, or JSON when it starts with `{`).
    ///
    /// # Errors
    /// A one-line message.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: UsageFile = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| e.to_string())?
        } else {
            toml::from_str(text).map_err(|e| e.message().replace('\n', " "))?
        };
        let mut tokens = BTreeMap::new();
        for (k, v) in &file.tokens {
            let field = format!("tokens.{k}");
            let token = parse_address(k).map_err(|e| format!("{field}: {e}"))?;
            tokens.insert(token, v.parse(&field).map_err(|e| e.to_string())?);
        }
        let amount = |a: &Option<AmountText>, f: &str| {
            a.as_ref()
                .map_or(Ok(U256::ZERO), |a| a.parse(f))
                .map_err(|e| e.to_string())
        };
        Ok(Self {
            ops: file.ops,
            native_spent: amount(&file.native_spent, "native_spent")?,
            gas_spent: amount(&file.gas_spent, "gas_spent")?,
            tokens,
            revoked: file.revoked,
            period: file.period,
        })
    }

    /// The session's storage words after `record` was registered and this much was used.
    ///
    /// # Errors
    /// [`UsageError`] when the usage exceeds a cap or names a token without one.
    pub fn store(&self, record: &SessionRecord) -> Result<MemoryStore, UsageError> {
        let mut store = MemoryStore::new(record, 0);
        if record.period.is_none() && self.period.is_some() {
            return Err(usage_err(
                "period",
                "the session has no periodic caps: its usage is for its whole life",
            ));
        }
        let mut counters = CountersWord::unpack(&store.counters);
        if let Some(max) = record.max_ops {
            if self.ops > max {
                return Err(usage_err(
                    "ops",
                    format!("{} used, but the session allows {max}", self.ops),
                ));
            }
            counters.ops_remaining = max - self.ops;
        }
        let left = |cap: Limit, used: U256, field: &str| -> Result<u128, UsageError> {
            match cap {
                Limit::Unlimited => Ok(0),
                Limit::Limited(c) if used > U256::from(c) => Err(usage_err(
                    field,
                    format!("{used} spent, above the cap of {c}"),
                )),
                Limit::Limited(c) => Ok(c - used.to::<u128>()),
            }
        };
        let native_left = left(record.native_cap, self.native_spent, "native_spent")?;
        let gas_left = left(record.gas_budget, self.gas_spent, "gas_spent")?;
        // A periodic session keeps what its period used; a lifetime one, what is left.
        let period = record.period.map(|_| self.period.unwrap_or(0));
        match period {
            Some(period) => {
                let spent = |cap: Limit, left: u128| match cap {
                    Limit::Limited(c) => c - left,
                    Limit::Unlimited => 0,
                };
                store.counters = PeriodCounters {
                    period,
                    native_spent: spent(record.native_cap, native_left),
                    gas_spent: spent(record.gas_budget, gas_left),
                    ops_spent: record.max_ops.map_or(0, |_| self.ops),
                }
                .pack();
            }
            None => {
                store.header.native_remaining = native_left;
                counters.gas_remaining = gas_left;
                store.counters = counters.pack();
            }
        }
        for (token, used) in &self.tokens {
            let field = format!("tokens.{token}");
            let cap = record
                .token_caps
                .iter()
                .find(|t| t.token == *token)
                .ok_or_else(|| usage_err(&field, "the permission has no cap for this token"))?;
            if let TokenLimit::Limited(c) = cap.limit {
                if *used > c {
                    return Err(usage_err(
                        field,
                        format!("{used} spent, above the cap of {c}"),
                    ));
                }
                let word = match period {
                    Some(period) => PeriodicTokenWord {
                        period,
                        cap: c.to::<u128>(),
                        spent: used.to::<u128>(),
                    }
                    .pack(),
                    None => TokenCapWord {
                        unlimited: false,
                        remaining: c - *used,
                    }
                    .pack(),
                };
                store.tokens.insert(*token, word);
            }
        }
        Ok(store)
    }

    /// The usage `store` shows for `record` (the inverse of [`Self::store`]; unlimited caps and
    /// charges that are not tracked read as 0).
    pub fn of(record: &SessionRecord, store: &MemoryStore, revoked: bool) -> Self {
        if record.period.is_some() {
            return Self::of_period(record, store, revoked);
        }
        let counters = CountersWord::unpack(&store.counters);
        let used = |cap: Limit, left: u128| match cap {
            Limit::Limited(c) => U256::from(c.saturating_sub(left)),
            Limit::Unlimited => U256::ZERO,
        };
        let tokens = record
            .token_caps
            .iter()
            .filter_map(|t| match (t.limit, store.tokens.get(&t.token)) {
                (TokenLimit::Limited(c), Some(w)) => {
                    let left = TokenCapWord::unpack(w).map_or(c, |w| w.remaining);
                    let spent = c.saturating_sub(left);
                    (!spent.is_zero()).then_some((t.token, spent))
                }
                _ => None,
            })
            .collect();
        Self {
            ops: record
                .max_ops
                .map_or(0, |m| m.saturating_sub(counters.ops_remaining)),
            native_spent: used(record.native_cap, store.header.native_remaining),
            gas_spent: used(record.gas_budget, counters.gas_remaining),
            tokens,
            revoked,
            period: None,
        }
    }

    /// [`Self::of`] for a periodic session: the use of its counters' period. A token word
    /// still at an earlier period has used nothing of this one.
    fn of_period(record: &SessionRecord, store: &MemoryStore, revoked: bool) -> Self {
        let c = PeriodCounters::unpack(&store.counters);
        let tokens = store
            .tokens
            .iter()
            .filter_map(|(token, w)| PeriodicTokenWord::unpack(w).map(|t| (*token, t)))
            .filter(|(_, t)| t.period == c.period && t.spent != 0)
            .map(|(token, t)| (token, U256::from(t.spent)))
            .collect();
        Self {
            ops: record.max_ops.map_or(0, |_| c.ops_spent),
            native_spent: U256::from(c.native_spent),
            gas_spent: U256::from(c.gas_spent),
            tokens,
            revoked,
            period: Some(c.period),
        }
    }

    /// As a usage file (TOML).
    pub fn to_toml(&self) -> String {
        let file = UsageFile {
            ops: self.ops,
            native_spent: Some(AmountText::Text(self.native_spent.to_string())),
            gas_spent: Some(AmountText::Text(self.gas_spent.to_string())),
            tokens: self
                .tokens
                .iter()
                .map(|(t, v)| (t.to_checksum(None), AmountText::Text(v.to_string())))
                .collect(),
            revoked: self.revoked,
            period: self.period,
        };
        toml::to_string(&file).unwrap_or_default()
    }

    /// As JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "ops": self.ops,
            "native_spent": self.native_spent.to_string(),
            "gas_spent": self.gas_spent.to_string(),
            "tokens": self.tokens.iter().map(|(t, v)| (t.to_checksum(None), v.to_string())).collect::<BTreeMap<_, _>>(),
            "revoked": self.revoked,
            "period": self.period,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sessionkey_policy::record::TokenCap;

    fn record() -> SessionRecord {
        SessionRecord {
            signer: Address::repeat_byte(1),
            signer_key: Default::default(),
            valid_after: 0,
            valid_until: 0,
            native_cap: Limit::Limited(1000),
            gas_budget: Limit::Unlimited,
            max_ops: Some(5),
            paymaster: None,
            period: None,
            calls: vec![],
            token_caps: vec![TokenCap {
                token: Address::repeat_byte(7),
                limit: TokenLimit::Limited(U256::from(100)),
            }],
            typed_data_scopes: Vec::new(),
        }
    }

    #[test]
    fn usage_round_trips_through_the_store() {
        let u = Usage::parse(
            "ops = 2\nnative_spent = 300\n[tokens]\n\"0x0707070707070707070707070707070707070707\" = \"40\"\n",
        )
        .unwrap();
        let store = u.store(&record()).unwrap();
        assert_eq!(CountersWord::unpack(&store.counters).ops_remaining, 3);
        assert_eq!(Usage::of(&record(), &store, false), u);
        assert_eq!(Usage::parse(&u.to_toml()).unwrap(), u);
    }

    #[test]
    fn a_periodic_sessions_usage_is_its_periods() {
        let mut r = record();
        r.period = Some(3600);
        let u = Usage::parse(
            "ops = 2\nnative_spent = 300\nperiod = 7\n[tokens]\n\"0x0707070707070707070707070707070707070707\" = \"40\"\n",
        )
        .unwrap();
        let store = u.store(&r).unwrap();
        assert_eq!(
            PeriodCounters::unpack(&store.counters),
            PeriodCounters {
                period: 7,
                native_spent: 300,
                gas_spent: 0,
                ops_spent: 2
            }
        );
        assert_eq!(
            PeriodicTokenWord::unpack(&store.tokens[&Address::repeat_byte(7)]),
            Some(PeriodicTokenWord {
                period: 7,
                cap: 100,
                spent: 40
            })
        );
        // The header keeps the cap per period.
        assert_eq!(store.header.native_remaining, 1000);
        assert_eq!(Usage::of(&r, &store, false), u);
        assert_eq!(Usage::parse(&u.to_toml()).unwrap(), u);
        // A period for a session without periodic caps is refused.
        assert_eq!(u.store(&record()).unwrap_err().field, "period");
    }

    #[test]
    fn usage_above_a_cap_is_refused() {
        let u = Usage {
            ops: 6,
            ..Usage::default()
        };
        assert_eq!(u.store(&record()).unwrap_err().field, "ops");
        let u = Usage {
            tokens: [(Address::repeat_byte(9), U256::from(1))].into(),
            ..Usage::default()
        };
        assert!(u.store(&record()).unwrap_err().field.starts_with("tokens."));
        assert!(Usage::parse("opz = 1").is_err());
    }
}
