//! What WASM memory costs: Nitro's per-transaction page model.
//!
//! Each transaction gets [`FREE_PAGES`] pages for free; every page opened beyond that costs
//! [`PAGE_GAS`]. "Open" counts the pages of all Stylus frames alive at once (a nested program
//! adds its pages to its callers'), and pages are released when a frame returns.
//!
//! Deviation: Nitro adds an exponential term that grows with the most pages ever open in the
//! transaction (negligible below a few dozen pages); the devnet charges the linear part only.

/// Pages each transaction may open without paying.
pub const FREE_PAGES: u32 = 2;
/// Gas per page opened beyond the free ones.
pub const PAGE_GAS: u64 = 1_000;
/// Most pages a program's memory may reach.
pub const MAX_PAGES: u32 = 128;

/// Pages opened in the current transaction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageLedger {
    /// Pages of the frames alive right now.
    pub open: u32,
    /// Most pages ever open at once in this transaction.
    pub ever: u32,
}

impl PageLedger {
    /// Opens `new` more pages and returns the gas they cost.
    pub fn open(&mut self, new: u32) -> u64 {
        let before = self.open.max(FREE_PAGES);
        self.open = self.open.saturating_add(new);
        self.ever = self.ever.max(self.open);
        u64::from(self.open.saturating_sub(before)) * PAGE_GAS
    }

    /// Releases `pages` pages of a returning frame.
    pub fn close(&mut self, pages: u32) {
        self.open = self.open.saturating_sub(pages);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_two_pages_are_free_then_linear() {
        let mut ledger = PageLedger::default();
        assert_eq!(ledger.open(1), 0);
        assert_eq!(ledger.open(1), 0);
        assert_eq!(ledger.open(3), 3 * PAGE_GAS);
        ledger.close(5);
        assert_eq!(
            ledger.open(2),
            0,
            "pages released by returned frames are reusable"
        );
        assert_eq!(ledger.ever, 5);
    }
}
