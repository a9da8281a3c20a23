// SPDX-License-Identifier: GPL-2.0

//! CPU identifiers.
//!
//! Shaped like upstream's `rust/kernel/cpu.rs` (6.16 and later), so that moving to a newer
//! kernel is a rename.
//!
//! C header: [`include/linux/cpumask.h`](srctree/include/linux/cpumask.h)

use crate::bindings;

/// Returns `nr_cpu_ids`, the number of possible CPU ids: every CPU number is below it.
#[inline]
pub fn nr_cpu_ids() -> u32 {
    // SAFETY: The helper only reads `nr_cpu_ids` (a constant with `CONFIG_FORCE_NR_CPUS`),
    // which is written only during early boot, before any Rust code runs.
    unsafe { bindings::cpuset_hk_nr_cpu_ids() }
}

/// The number of a CPU that can exist in this boot.
///
/// # Invariants
///
/// The value is below `nr_cpu_ids`.
///
/// # Examples
///
/// ```
/// use kernel::cpu::{nr_cpu_ids, CpuId};
///
/// let cpu = CpuId::from_u32(0).unwrap();
/// assert_eq!(cpu.as_u32(), 0);
/// assert!(CpuId::from_u32(nr_cpu_ids()).is_none());
/// assert!(CpuId::from_i32(-1).is_none());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct CpuId(u32);

impl CpuId {
    /// Creates a `CpuId` from `id` without checking it.
    ///
    /// # Safety
    ///
    /// `id` is below `nr_cpu_ids`.
    #[inline]
    pub unsafe fn from_u32_unchecked(id: u32) -> Self {
        // INVARIANT: The caller guarantees that `id` is below `nr_cpu_ids`.
        Self(id)
    }

    /// Creates a `CpuId` from `id`, if it is below `nr_cpu_ids`.
    #[inline]
    pub fn from_u32(id: u32) -> Option<Self> {
        if id < nr_cpu_ids() {
            // SAFETY: `id` was just checked.
            Some(unsafe { Self::from_u32_unchecked(id) })
        } else {
            None
        }
    }

    /// Creates a `CpuId` from `id`, if it is in `0..nr_cpu_ids`.
    #[inline]
    pub fn from_i32(id: i32) -> Option<Self> {
        u32::try_from(id).ok().and_then(Self::from_u32)
    }

    /// The CPU number.
    #[inline]
    pub fn as_u32(self) -> u32 {
        self.0
    }

    /// The CPU number as the `int` most C interfaces take.
    #[inline]
    pub fn as_i32(self) -> i32 {
        // The invariant bounds the value by `nr_cpu_ids`, which is an `unsigned int` no larger
        // than `NR_CPUS`, so it fits.
        self.0 as i32
    }
}

impl From<CpuId> for u32 {
    fn from(id: CpuId) -> Self {
        id.as_u32()
    }
}
