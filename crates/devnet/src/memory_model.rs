//! What WASM memory costs: Nitro's per-transaction page model.
//!
//! Source: OffchainLabs/nitro 6dce8d13, `arbos/programs/memory.go` (`MemoryModel.GasCost`)
//! with the defaults of `arbos/programs/params.go` (2 free pages, 1,000 gas per page). Each
//! transaction gets [`FREE_PAGES`] pages for free; every page opened beyond that costs
//! [`PAGE_GAS`], plus an exponential term that grows with the most pages ever open in the
//! transaction ([`MEMORY_EXPONENTS`]). "Open" counts the pages of all Stylus frames alive at
//! once (a nested program adds its pages to its callers'), and pages are released when a frame
//! returns.

/// Pages each transaction may open without paying.
pub const FREE_PAGES: u32 = 2;
/// Gas per page opened beyond the free ones.
pub const PAGE_GAS: u64 = 1_000;
/// Most pages a program's memory may reach.
pub const MAX_PAGES: u32 = 128;

/// Nitro's `memoryExponents`: the exponential part of the memory price at `n` pages ever open.
pub const MEMORY_EXPONENTS: [u32; 129] = [
    1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 6, 7, 8, 9, 11, 12, 14, 17, 19, 22, 25, 29, 33, 38,
    43, 50, 57, 65, 75, 85, 98, 112, 128, 147, 168, 193, 221, 253, 289, 331, 379, 434, 497, 569,
    651, 745, 853, 976, 1117, 1279, 1463, 1675, 1917, 2194, 2511, 2874, 3290, 3765, 4309, 4932,
    5645, 6461, 7395, 8464, 9687, 11087, 12689, 14523, 16621, 19024, 21773, 24919, 28521, 32642,
    37359, 42758, 48938, 56010, 64104, 73368, 83971, 96106, 109994, 125890, 144082, 164904, 188735,
    216010, 247226, 282953, 323844, 370643, 424206, 485509, 555672, 635973, 727880, 833067, 953456,
    1091243, 1248941, 1429429, 1636000, 1872423, 2143012, 2452704, 2807151, 3212820, 3677113,
    4208502, 4816684, 5512756, 6309419, 7221210, 8264766, 9459129, 10826093, 12390601, 14181199,
    16230562, 18576084, 21260563, 24332984, 27849408, 31873999,
];

fn exp(pages: u32) -> u64 {
    MEMORY_EXPONENTS
        .get(pages as usize)
        .map_or(u64::MAX, |&e| u64::from(e))
}

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
        let (open, ever) = (self.open, self.ever);
        let new_open = open.saturating_add(new);
        let new_ever = ever.max(new_open);
        self.open = new_open;
        self.ever = new_ever;
        if new_ever <= FREE_PAGES {
            return 0;
        }
        let paid = |pages: u32| pages.saturating_sub(FREE_PAGES);
        let adding = paid(new_open).saturating_sub(paid(open));
        let linear = u64::from(adding).saturating_mul(PAGE_GAS);
        linear.saturating_add(exp(new_ever).saturating_sub(exp(ever)))
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
    fn first_two_pages_are_free_then_linear_plus_the_ramp() {
        let mut ledger = PageLedger::default();
        assert_eq!(ledger.open(1), 0);
        assert_eq!(ledger.open(1), 0);
        // 2 → 5 pages: 3 paid pages, ramp exp(5) − exp(0) = 0.
        assert_eq!(ledger.open(3), 3 * PAGE_GAS);
        ledger.close(5);
        assert_eq!(
            ledger.open(2),
            0,
            "pages released by returned frames are reusable"
        );
        assert_eq!(ledger.ever, 5);
        // 2 → 10 pages open, ever 5 → 10: 8 paid pages, ramp exp(10) − exp(5) = 3 − 1.
        assert_eq!(ledger.open(8), 8 * PAGE_GAS + 2);
    }
}
