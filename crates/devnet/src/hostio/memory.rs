//! Paying for memory.

use super::{charge, Ctx, HostResult};
use crate::ink::prices::HOSTIO_INK;

/// `pay_for_memory_grow(pages)`. The SDK calls it with 0 at entry so the import exists. The
/// devnet charges growth when it happens (settled at every host call and at exit, see
/// [`super::settle_pages`]), so this only costs the host call itself.
pub(super) fn pay_for_memory_grow(mut caller: Ctx<'_, '_>, _pages: u32) -> HostResult {
    charge(&mut caller, HOSTIO_INK)
}
