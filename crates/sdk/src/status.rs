//! A session's live state, read from the module's storage words (`sessionWords`,
//! `tokenCapWord`): whether it can sign now, its window, and what is left of each cap.
//!
//! The words are the contract's own (laid out by `sessionkey_policy::layout`); this module only
//! names their fields. [`crate::rpc`] fetches them from a chain.

use alloy_primitives::{Address, B256, U256};
use serde_json::{json, Value};
use sessionkey_policy::layout::{
    session_flags, AccountWord, CountersWord, PeriodCounters, PeriodicTokenWord, SessionHeader,
    SessionStatus, TokenCapWord,
};

/// The raw words, as the module's views return them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionWords {
    /// The account's word (installed, `revokedBelow`, next registration nonce).
    pub account: B256,
    /// The session header.
    pub header: B256,
    /// The counters word (gas budget left, ops left).
    pub counters: B256,
    /// The paymaster word.
    pub paymaster: B256,
    /// `tokenCapWord` of each token asked about.
    pub token_caps: Vec<(Address, B256)>,
}

/// Whether the session can sign ops, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// Registered and not revoked (the window may still be closed: see [`SessionState::window`]).
    Live,
    /// The module is not installed on the account (never, or uninstalled).
    NotInstalled,
    /// No session of this signer was ever registered on the account.
    NeverRegistered,
    /// Revoked individually (`revokeSession`).
    Revoked,
    /// Revoked with every other session (`revokeAllSessions`, or an uninstall).
    RevokedWithAll,
}

impl Liveness {
    fn word(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::NotInstalled => "module not installed",
            Self::NeverRegistered => "never registered",
            Self::Revoked => "revoked",
            Self::RevokedWithAll => "revoked (revoke-all or uninstall)",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::NotInstalled => "not_installed",
            Self::NeverRegistered => "never_registered",
            Self::Revoked => "revoked",
            Self::RevokedWithAll => "revoked_with_all",
        }
    }
}

/// What is left of a cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Remaining<T> {
    /// No cap.
    Unlimited,
    /// This much is left.
    Left(T),
    /// A periodic session's gas budget or op count: this much used in the counters' period
    /// ([`SessionState::period_use`]); the cap per period is in the record, not in the words
    /// the module's views return.
    UsedInPeriod(T),
}

impl<T: ToString> Remaining<T> {
    fn json(&self) -> Value {
        match self {
            Self::Unlimited => json!("unlimited"),
            Self::Left(v) => json!(v.to_string()),
            Self::UsedInPeriod(v) => json!({ "used_in_period": v.to_string() }),
        }
    }

    fn text(&self, unit: &str) -> String {
        match self {
            Self::Unlimited => "unlimited".into(),
            Self::Left(v) => format!("{} {unit}", v.to_string()),
            Self::UsedInPeriod(v) => format!(
                "{} {unit} used in the period (cap per period: see the record)",
                v.to_string()
            ),
        }
    }
}

/// A token's cap as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenState {
    /// The session has no cap for this token, so it may not move it at all.
    NoCap,
    /// What is left (base units).
    Cap(Remaining<U256>),
    /// A periodic cap: `spent` of `cap` used in `period` (a later period starts from zero).
    Periodic {
        /// The period `spent` is for.
        period: u32,
        /// Cap per period.
        cap: u128,
        /// Used in `period`.
        spent: u128,
    },
}

/// A periodic session's use of the period its counters are for. A later period starts from
/// zero: these say what is left only while that period lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeriodUse {
    /// The period the counters are for.
    pub period: u32,
    /// Native value sent in it.
    pub native_spent: u128,
    /// Gas fees charged in it.
    pub gas_spent: u128,
    /// Ops validated in it.
    pub ops_spent: u32,
}

/// A session's state on one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionState {
    /// Whether it can sign ops.
    pub liveness: Liveness,
    /// Its registration nonce (meaningful once registered).
    pub perm_nonce: u64,
    /// The account's enable nonce: what an owner signature enabling a session in its first op
    /// must name now (`crate::enable`).
    pub enable_nonce: u64,
    /// `(validAfter, validUntil)`; `validUntil` `None` = no end.
    pub window: (u64, Option<u64>),
    /// Native value left to send.
    pub native: Remaining<u128>,
    /// Gas-fee budget left (wei).
    pub gas_budget: Remaining<u128>,
    /// Ops left.
    pub ops: Remaining<u32>,
    /// The only paymaster the session may use, if it names one.
    pub paymaster: Option<Address>,
    /// Per token asked about.
    pub tokens: Vec<(Address, TokenState)>,
    /// For a periodic session: the counters' period and its use (then `native` is what is
    /// left of that period's cap, and `gas_budget` and `ops` say what it used).
    pub period_use: Option<PeriodUse>,
}

impl SessionState {
    /// Names the fields of the module's words.
    pub fn decode(words: &SessionWords) -> Self {
        let account = AccountWord::unpack(&words.account);
        let header = SessionHeader::unpack(&words.header);
        let liveness = if !account.installed {
            Liveness::NotInstalled
        } else {
            match header.status {
                SessionStatus::None => Liveness::NeverRegistered,
                SessionStatus::Revoked => Liveness::Revoked,
                SessionStatus::Active if header.perm_nonce < account.revoked_below => {
                    Liveness::RevokedWithAll
                }
                SessionStatus::Active => Liveness::Live,
            }
        };
        let counters = CountersWord::unpack(&words.counters);
        // A periodic session's counters word is what its current period used.
        let period_use = header.has(session_flags::PERIODIC).then(|| {
            let c = PeriodCounters::unpack(&words.counters);
            PeriodUse {
                period: c.period,
                native_spent: c.native_spent,
                gas_spent: c.gas_spent,
                ops_spent: c.ops_spent,
            }
        });
        let native = if header.has(session_flags::NATIVE_UNLIMITED) {
            Remaining::Unlimited
        } else {
            // The header holds what is left, or a periodic session's cap per period.
            let spent = period_use.map_or(0, |p| p.native_spent);
            Remaining::Left(header.native_remaining.saturating_sub(spent))
        };
        let gas_budget = match period_use {
            _ if header.has(session_flags::GAS_UNLIMITED) => Remaining::Unlimited,
            Some(p) => Remaining::UsedInPeriod(p.gas_spent),
            None => Remaining::Left(counters.gas_remaining),
        };
        let ops = match period_use {
            _ if !header.has(session_flags::OPS_LIMITED) => Remaining::Unlimited,
            Some(p) => Remaining::UsedInPeriod(p.ops_spent),
            None => Remaining::Left(counters.ops_remaining),
        };
        let paymaster = header
            .has(session_flags::PAYMASTER)
            .then(|| Address::from_word(words.paymaster));
        let tokens = words
            .token_caps
            .iter()
            .map(|(token, word)| {
                let periodic = PeriodicTokenWord::unpack(word);
                let state = match TokenCapWord::unpack(word) {
                    _ if periodic.is_some() => {
                        let p = periodic.unwrap_or_default();
                        TokenState::Periodic {
                            period: p.period,
                            cap: p.cap,
                            spent: p.spent,
                        }
                    }
                    None => TokenState::NoCap,
                    Some(w) if w.unlimited => TokenState::Cap(Remaining::Unlimited),
                    Some(w) => TokenState::Cap(Remaining::Left(w.remaining)),
                };
                (*token, state)
            })
            .collect();
        Self {
            liveness,
            perm_nonce: header.perm_nonce,
            enable_nonce: account.enable_nonce,
            window: (
                header.valid_after,
                (header.valid_until != 0).then_some(header.valid_until),
            ),
            native,
            gas_budget,
            ops,
            paymaster,
            tokens,
            period_use,
        }
    }

    /// Whether an op signed now (`now`, seconds) could pass: live, inside the window, and not
    /// out of ops. (Caps are per op: a small op may still fit.)
    pub fn usable_at(&self, now: u64) -> bool {
        let (after, until) = self.window;
        self.liveness == Liveness::Live
            && now >= after
            && until.is_none_or(|u| now <= u)
            && self.ops != Remaining::Left(0)
    }

    /// In words, one line per field; `now` places the window.
    pub fn to_text(&self, now: u64) -> String {
        let mut out = String::new();
        let usable = if self.usable_at(now) {
            "usable now"
        } else {
            "not usable now"
        };
        out.push_str(&format!("session: {} ({usable})\n", self.liveness.word()));
        if self.liveness != Liveness::NotInstalled {
            out.push_str(&format!(
                "account enable nonce: {} (an owner signature enabling a session in its first op names it)\n",
                self.enable_nonce
            ));
        }
        if matches!(
            self.liveness,
            Liveness::NotInstalled | Liveness::NeverRegistered
        ) {
            return out;
        }
        out.push_str(&format!("registration nonce: {}\n", self.perm_nonce));
        let (after, until) = self.window;
        let place = match until {
            _ if now < after => format!("opens in {} s", after - now),
            Some(u) if now > u => format!("closed {} s ago", now - u),
            Some(u) => format!("closes in {} s", u - now),
            None => "open, no end".into(),
        };
        let until = until.map_or("no end".to_string(), |u| u.to_string());
        out.push_str(&format!("window: {after} .. {until} ({place} at {now})\n"));
        out.push_str(&format!("native value left: {}\n", self.native.text("wei")));
        out.push_str(&format!(
            "gas-fee budget left: {}\n",
            self.gas_budget.text("wei")
        ));
        out.push_str(&format!("ops left: {}\n", self.ops.text("ops")));
        if let Some(p) = self.paymaster {
            out.push_str(&format!("paymaster: only {p}\n"));
        }
        if let Some(p) = self.period_use {
            out.push_str(&format!(
                "periodic caps: counters at period {} (a later period starts from zero)\n",
                p.period
            ));
        }
        for (token, state) in &self.tokens {
            let left = match state {
                TokenState::NoCap => "no cap: the session may not move it".into(),
                TokenState::Cap(r) => format!("{} left", r.text("base units")),
                TokenState::Periodic { period, cap, spent } => format!(
                    "{} of {cap} base units left in period {period}",
                    cap.saturating_sub(*spent)
                ),
            };
            out.push_str(&format!("token {token}: {left}\n"));
        }
        out
    }

    /// The same as JSON (amounts as decimal strings).
    pub fn to_json(&self, now: u64) -> Value {
        json!({
            "liveness": self.liveness.key(),
            "usable_now": self.usable_at(now),
            "at": now,
            "perm_nonce": self.perm_nonce,
            "enable_nonce": self.enable_nonce,
            "valid_after": self.window.0,
            "valid_until": self.window.1,
            "native_left": self.native.json(),
            "gas_budget_left": self.gas_budget.json(),
            "ops_left": self.ops.json(),
            "paymaster": self.paymaster.map(|p| p.to_checksum(None)),
            "period": self.period_use.map(|p| p.period),
            "tokens": self.tokens.iter().map(|(t, s)| json!({
                "token": t.to_checksum(None),
                "left": match s {
                    TokenState::NoCap => json!(null),
                    TokenState::Cap(r) => r.json(),
                    TokenState::Periodic { period, cap, spent } => json!({
                        "period": period,
                        "cap": cap.to_string(),
                        "left": cap.saturating_sub(*spent).to_string(),
                    }),
                },
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sessionkey_policy::memory::MemoryStore;
    use sessionkey_policy::record::{Limit, SessionRecord, TokenCap, TokenLimit};

    fn record() -> SessionRecord {
        SessionRecord {
            signer: Address::repeat_byte(7),
            signer_key: Default::default(),
            valid_after: 100,
            valid_until: 200,
            native_cap: Limit::Limited(5),
            gas_budget: Limit::Unlimited,
            max_ops: Some(3),
            paymaster: None,
            period: None,
            calls: Vec::new(),
            token_caps: vec![TokenCap {
                token: Address::repeat_byte(0x70),
                limit: TokenLimit::Limited(U256::from(1_000)),
            }],
            typed_data_scopes: Vec::new(),
        }
    }

    /// The words the contract holds right after registering `record` with nonce 4.
    fn words(account: AccountWord) -> SessionWords {
        let store = MemoryStore::new(&record(), 4);
        SessionWords {
            account: account.pack(),
            header: store.header.pack(),
            counters: store.counters,
            paymaster: store.paymaster,
            token_caps: vec![
                (
                    Address::repeat_byte(0x70),
                    TokenCapWord::initial(&TokenLimit::Limited(U256::from(1_000))).pack(),
                ),
                (Address::repeat_byte(0x71), B256::ZERO),
            ],
        }
    }

    fn installed(revoked_below: u64) -> AccountWord {
        AccountWord {
            installed: true,
            revoked_below,
            next_nonce: 5,
            enable_nonce: 0,
        }
    }

    #[test]
    fn a_fresh_registration_reads_back_as_registered() {
        let s = SessionState::decode(&words(installed(0)));
        assert_eq!(s.liveness, Liveness::Live);
        assert_eq!(s.perm_nonce, 4);
        assert_eq!(s.window, (100, Some(200)));
        assert_eq!(s.native, Remaining::Left(5));
        assert_eq!(s.gas_budget, Remaining::Unlimited);
        assert_eq!(s.ops, Remaining::Left(3));
        assert_eq!(s.paymaster, None);
        assert_eq!(
            s.tokens,
            vec![
                (
                    Address::repeat_byte(0x70),
                    TokenState::Cap(Remaining::Left(U256::from(1_000)))
                ),
                (Address::repeat_byte(0x71), TokenState::NoCap),
            ]
        );
        assert!(!s.usable_at(99));
        assert!(s.usable_at(100));
        assert!(s.usable_at(200));
        assert!(!s.usable_at(201));
        let json = s.to_json(150);
        assert_eq!(json["liveness"], "live");
        assert_eq!(json["usable_now"], true);
        assert_eq!(json["tokens"][0]["left"], "1000");
        assert_eq!(json["tokens"][1]["left"], Value::Null);
        let text = s.to_text(150);
        assert!(text.starts_with("session: live (usable now)\n"), "{text}");
        assert!(
            text.contains("window: 100 .. 200 (closes in 50 s at 150)"),
            "{text}"
        );
    }

    #[test]
    fn every_way_of_dying_is_named() {
        let mut w = words(installed(5));
        assert_eq!(SessionState::decode(&w).liveness, Liveness::RevokedWithAll);
        w.account = AccountWord::default().pack();
        assert_eq!(SessionState::decode(&w).liveness, Liveness::NotInstalled);
        let mut w = words(installed(0));
        let mut h = SessionHeader::unpack(&w.header);
        h.status = SessionStatus::Revoked;
        w.header = h.pack();
        let s = SessionState::decode(&w);
        assert_eq!(s.liveness, Liveness::Revoked);
        assert!(!s.usable_at(150));
        w.header = B256::ZERO;
        assert_eq!(SessionState::decode(&w).liveness, Liveness::NeverRegistered);
    }

    #[test]
    fn a_periodic_session_reads_as_its_periods_use() {
        let mut r = record();
        r.period = Some(3600);
        let mut store = MemoryStore::new(&r, 4);
        store.counters = PeriodCounters {
            period: 3,
            native_spent: 2,
            gas_spent: 77,
            ops_spent: 1,
        }
        .pack();
        let token = PeriodicTokenWord {
            period: 3,
            cap: 1_000,
            spent: 400,
        };
        let w = SessionWords {
            account: installed(0).pack(),
            header: store.header.pack(),
            counters: store.counters,
            paymaster: store.paymaster,
            token_caps: vec![(Address::repeat_byte(0x70), token.pack())],
        };
        let s = SessionState::decode(&w);
        assert_eq!(
            s.period_use,
            Some(PeriodUse {
                period: 3,
                native_spent: 2,
                gas_spent: 77,
                ops_spent: 1
            })
        );
        // 5 a period, 2 used; gas unlimited; ops counted per period.
        assert_eq!(s.native, Remaining::Left(3));
        assert_eq!(s.gas_budget, Remaining::Unlimited);
        assert_eq!(s.ops, Remaining::UsedInPeriod(1));
        assert_eq!(
            s.tokens,
            vec![(
                Address::repeat_byte(0x70),
                TokenState::Periodic {
                    period: 3,
                    cap: 1_000,
                    spent: 400
                }
            )]
        );
        let text = s.to_text(150);
        assert!(
            text.contains("600 of 1000 base units left in period 3"),
            "{text}"
        );
        assert!(text.contains("counters at period 3"), "{text}");
        assert_eq!(s.to_json(150)["tokens"][0]["left"]["left"], "600");
    }

    #[test]
    fn no_ops_left_is_not_usable() {
        let mut w = words(installed(0));
        w.counters = CountersWord {
            gas_remaining: 0,
            ops_remaining: 0,
        }
        .pack();
        let s = SessionState::decode(&w);
        assert_eq!(s.ops, Remaining::Left(0));
        assert!(!s.usable_at(150));
    }
}
