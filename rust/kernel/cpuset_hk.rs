// SPDX-License-Identifier: GPL-2.0

//! CPU masks and housekeeping masks for runtime CPU isolation.
//!
//! Safe abstractions used by the cpuset isolation state machine
//! (`kernel/cgroup/cpuset_isolation/`). Every call into C is wrapped once here, with the reason
//! it is sound next to it.
//!
//! The planning core of the state machine is plain Rust without kernel dependencies; it keeps
//! CPU sets as arrays of machine words with the same bit layout as `struct cpumask`. The
//! conversions between the two are [`Cpumask::words`] and [`Cpumask::copy_from_words`].
//!
//! C headers: [`include/linux/cpumask.h`](srctree/include/linux/cpumask.h),
//! [`include/linux/sched/isolation.h`](srctree/include/linux/sched/isolation.h).

use crate::alloc::{AllocError, Flags, KBox};
use crate::bindings;
use crate::error::{code::EINVAL, to_result, Result};
use crate::types::Opaque;
use core::marker::PhantomData;

/// Number of machine words in a `struct cpumask` of this kernel (`BITS_TO_LONGS(NR_CPUS)`).
pub const CPUMASK_WORDS: usize = (bindings::CONFIG_NR_CPUS as usize).div_ceil(usize::BITS as usize);

/// Number of housekeeping types (`HK_TYPE_MAX`, the length of `enum hk_type`).
pub const HK_TYPE_MAX: usize = bindings::hk_type_HK_TYPE_MAX as usize;

/// Returns `nr_cpu_ids`, the number of possible CPU ids.
pub fn nr_cpu_ids() -> u32 {
    // SAFETY: Reads a value that is written only during early boot.
    unsafe { bindings::cpuset_hk_nr_cpu_ids() }
}

/// A CPU mask, layout-compatible with `struct cpumask`.
///
/// A shared reference may point to a mask that C code changes concurrently (such as
/// `cpu_online_mask`), hence the [`Opaque`] wrapper: Rust never assumes the bits are frozen and
/// reads them through the C accessors.
///
/// # Examples
///
/// ```
/// use kernel::cpuset_hk::{Cpumask, nr_cpu_ids};
///
/// let mut mask = Cpumask::new_zeroed(GFP_KERNEL)?;
/// assert!(mask.is_empty());
/// mask.set(0);
/// assert!(mask.test(0));
/// assert!(!mask.test(1));
/// assert_eq!(mask.weight(), 1);
/// // CPU ids beyond `nr_cpu_ids` are never set and never reported.
/// mask.set(nr_cpu_ids());
/// assert_eq!(mask.weight(), 1);
/// assert!(!mask.test(nr_cpu_ids()));
/// mask.clear(0);
/// assert!(mask.is_empty());
/// # Ok::<(), Error>(())
/// ```
#[repr(transparent)]
pub struct Cpumask(Opaque<bindings::cpumask>);

impl Cpumask {
    /// Creates a reference to an existing `struct cpumask`.
    ///
    /// # Safety
    ///
    /// `ptr` must be valid for reads and point to a `struct cpumask` that lives at least as
    /// long as `'a`, and that is written only through the atomic bitops or with the lock that
    /// the caller holds during `'a`.
    pub unsafe fn from_raw<'a>(ptr: *const bindings::cpumask) -> &'a Self {
        // SAFETY: `Cpumask` is a transparent wrapper of `struct cpumask` and the caller
        // guarantees the pointer's validity for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// Allocates a mask with no CPU set.
    pub fn new_zeroed(flags: Flags) -> Result<KBox<Self>, AllocError> {
        let mask = KBox::new(Cpumask(Opaque::uninit()), flags)?;
        // SAFETY: The allocation is valid for writes of one `struct cpumask`, which is plain
        // data: all-zero bytes is the empty mask.
        unsafe { core::ptr::write_bytes(mask.as_raw(), 0, 1) };
        Ok(mask)
    }

    /// Returns the raw pointer to the `struct cpumask`.
    pub fn as_raw(&self) -> *mut bindings::cpumask {
        self.0.get()
    }

    /// Returns whether `cpu` is in the mask. CPUs at or beyond `nr_cpu_ids` never are.
    pub fn test(&self, cpu: u32) -> bool {
        if cpu >= nr_cpu_ids() {
            return false;
        }
        // SAFETY: `cpu < nr_cpu_ids` and `self` is a valid mask for the borrow's lifetime.
        unsafe { bindings::cpumask_test_cpu(cpu as i32, self.as_raw()) }
    }

    /// Adds `cpu` to the mask. CPUs at or beyond `nr_cpu_ids` are ignored.
    pub fn set(&mut self, cpu: u32) {
        if cpu >= nr_cpu_ids() {
            return;
        }
        // SAFETY: `cpu < nr_cpu_ids` and `self` is borrowed mutably, so valid for writes.
        unsafe { bindings::cpumask_set_cpu(cpu, self.as_raw()) }
    }

    /// Removes `cpu` from the mask. CPUs at or beyond `nr_cpu_ids` are ignored.
    pub fn clear(&mut self, cpu: u32) {
        if cpu >= nr_cpu_ids() {
            return;
        }
        // SAFETY: `cpu < nr_cpu_ids` and `self` is borrowed mutably, so valid for writes.
        unsafe { bindings::cpumask_clear_cpu(cpu as i32, self.as_raw()) }
    }

    /// Returns the number of CPUs in the mask.
    pub fn weight(&self) -> u32 {
        // SAFETY: `self` is a valid mask for the borrow's lifetime.
        unsafe { bindings::cpumask_weight(self.as_raw()) }
    }

    /// Returns whether no CPU is in the mask.
    pub fn is_empty(&self) -> bool {
        self.weight() == 0
    }

    /// Returns the mask as `CPUMASK_WORDS` machine words, bit `n` of word `n / usize::BITS`
    /// standing for CPU `n` (the planning core's representation). Bits at or beyond
    /// `nr_cpu_ids` are zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::cpuset_hk::{Cpumask, CPUMASK_WORDS};
    ///
    /// let mut mask = Cpumask::new_zeroed(GFP_KERNEL)?;
    /// mask.set(0);
    /// let words = mask.words();
    /// assert_eq!(words.len(), CPUMASK_WORDS);
    /// assert_eq!(words[0], 1);
    ///
    /// let mut copy = Cpumask::new_zeroed(GFP_KERNEL)?;
    /// copy.copy_from_words(&words);
    /// assert!(copy.test(0));
    /// assert_eq!(copy.weight(), 1);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn words(&self) -> [usize; CPUMASK_WORDS] {
        let mut words = [0usize; CPUMASK_WORDS];
        let nr = nr_cpu_ids();
        for cpu in 0..nr {
            if self.test(cpu) {
                words[cpu as usize / usize::BITS as usize] |= 1 << (cpu % usize::BITS);
            }
        }
        words
    }

    /// Sets the mask to the CPUs in `words` (the planning core's representation). Bits at or
    /// beyond `nr_cpu_ids` and words beyond `CPUMASK_WORDS` are ignored.
    pub fn copy_from_words(&mut self, words: &[usize]) {
        let nr = nr_cpu_ids();
        for cpu in 0..nr {
            let word = words
                .get(cpu as usize / usize::BITS as usize)
                .copied()
                .unwrap_or(0);
            if word & (1 << (cpu % usize::BITS)) != 0 {
                self.set(cpu);
            } else {
                self.clear(cpu);
            }
        }
    }
}

/// The mask of CPUs that are online now. It changes under CPU hotplug; hold
/// `cpus_read_lock()` for a stable view.
///
/// # Examples
///
/// ```
/// use kernel::cpuset_hk::{online, nr_cpu_ids};
///
/// // The CPU running this test is online.
/// assert!(online().weight() >= 1);
/// assert!(online().weight() <= nr_cpu_ids());
/// ```
pub fn online() -> &'static Cpumask {
    // SAFETY: `__cpu_online_mask` is a static that lives forever and is changed only by the
    // atomic cpumask operations of CPU hotplug.
    unsafe { Cpumask::from_raw(core::ptr::addr_of!(bindings::__cpu_online_mask)) }
}

/// Proof that the holder runs under `cpus_read_lock()`: no CPU goes online or offline while it
/// lives. Functions that need the lock take a reference to it.
pub struct CpusReadLocked(PhantomData<*mut ()>);

impl CpusReadLocked {
    /// Asserts that the caller holds `cpus_read_lock()`.
    ///
    /// # Safety
    ///
    /// The caller holds `cpus_read_lock()` for as long as the returned value lives.
    pub unsafe fn assume_held() -> Self {
        CpusReadLocked(PhantomData)
    }
}

/// Copies the live housekeeping mask of type `hk` (an `enum hk_type` value) into `dst`.
///
/// The live masks can be replaced at runtime by [`housekeeping_update`]; a copy is taken under
/// `rcu_read_lock()`. Without `isolcpus=`, `nohz_full=` or an isolated partition this is
/// `cpu_possible_mask`.
///
/// # Examples
///
/// ```
/// use kernel::cpuset_hk::{housekeeping_copy, online, Cpumask, HK_TYPE_MAX};
///
/// let mut mask = Cpumask::new_zeroed(GFP_KERNEL)?;
/// for hk in 0..HK_TYPE_MAX as u32 {
///     housekeeping_copy(hk, &mut mask)?;
///     // Every housekeeping type keeps an online CPU.
///     assert!((0..kernel::cpuset_hk::nr_cpu_ids()).any(|c| mask.test(c) && online().test(c)));
/// }
/// assert!(housekeeping_copy(HK_TYPE_MAX as u32, &mut mask).is_err());
/// # Ok::<(), Error>(())
/// ```
pub fn housekeeping_copy(hk: u32, dst: &mut Cpumask) -> Result {
    if hk as usize >= HK_TYPE_MAX {
        return Err(EINVAL);
    }
    // SAFETY: `hk` is a valid `enum hk_type` and `dst` is borrowed mutably, so valid for
    // writes; the helper reads the live mask under `rcu_read_lock()`.
    unsafe { bindings::cpuset_hk_housekeeping_copy(dst.as_raw(), hk) };
    Ok(())
}

/// Returns the housekeeping mask of type `hk` set at boot (`isolcpus=`, `nohz_full=`, or all
/// possible CPUs), or `None` when `hk` is not below `HK_TYPE_MAX`.
///
/// # Examples
///
/// ```
/// use kernel::cpuset_hk::{housekeeping_boot_mask, housekeeping_copy, Cpumask, HK_TYPE_MAX};
///
/// // Doctests run at boot, before any cpuset partition: the live masks are the boot masks.
/// let mut live = Cpumask::new_zeroed(GFP_KERNEL)?;
/// for hk in 0..HK_TYPE_MAX as u32 {
///     housekeeping_copy(hk, &mut live)?;
///     assert_eq!(housekeeping_boot_mask(hk).unwrap().words(), live.words());
/// }
/// assert!(housekeeping_boot_mask(HK_TYPE_MAX as u32).is_none());
/// # Ok::<(), Error>(())
/// ```
pub fn housekeeping_boot_mask(hk: u32) -> Option<&'static Cpumask> {
    if hk as usize >= HK_TYPE_MAX {
        return None;
    }
    // SAFETY: `hk` is a valid `enum hk_type`. The boot masks are allocated at boot, never
    // freed and never written after boot.
    Some(unsafe { Cpumask::from_raw(bindings::housekeeping_boot_cpumask(hk)) })
}

/// Replaces the live housekeeping masks: `masks[t]` is the new mask of type `t`, `None` keeps
/// type `t` as it is. A mask equal to the boot mask restores the boot state of its type.
///
/// Either every given type is updated or none is: fails with `EBUSY` when a mask has no
/// online CPU and with `ENOMEM` when allocating fails. Sleeps (waits for an RCU grace period
/// before freeing the replaced masks).
pub fn housekeeping_update(
    masks: &[Option<&Cpumask>; HK_TYPE_MAX],
    _cpus: &CpusReadLocked,
) -> Result {
    let mut raw = [core::ptr::null::<bindings::cpumask>(); HK_TYPE_MAX];
    for (r, m) in raw.iter_mut().zip(masks.iter()) {
        if let Some(m) = m {
            *r = m.as_raw();
        }
    }
    // SAFETY: `raw` has `HK_TYPE_MAX` entries, each null or a valid mask borrowed for the
    // call, and the caller holds `cpus_read_lock()` as the function requires.
    to_result(unsafe { bindings::housekeeping_update(raw.as_ptr()) })
}

/// Makes unbound workqueues avoid the CPUs in `exclude` (the cpuset isolated CPUs): the
/// unbound cpumask becomes the requested one minus `exclude`.
pub fn workqueue_unbound_exclude(exclude: &Cpumask, _cpus: &CpusReadLocked) -> Result {
    // SAFETY: `exclude` is a valid mask that the function only reads, and the caller holds
    // `cpus_read_lock()` as the function requires.
    to_result(unsafe { bindings::workqueue_unbound_exclude_cpumask(exclude.as_raw()) })
}

/// Keeps the CPUs in `isolated` (the cpuset isolated CPUs) out of the timer migration
/// hierarchy, and brings the others back: an isolated CPU handles only its own timers and is
/// never woken to expire those of other CPUs. Switches each CPU on that CPU, so it sleeps.
pub fn tmigr_isolate(isolated: &Cpumask, _cpus: &CpusReadLocked) -> Result {
    // SAFETY: `isolated` is a valid mask that the function only reads, and the caller holds
    // `cpus_read_lock()` as the function requires.
    to_result(unsafe { bindings::cpuset_hk_tmigr_isolate(isolated.as_raw()) })
}

/// Checks that RCU callbacks can stay off the CPUs in `isolated`: they must be offloaded since
/// boot (`rcu_nocbs=all` or `nohz_full=dynamic`), `EOPNOTSUPP` otherwise. The `rcuog`/`rcuo`
/// kthreads that invoke them are unbound kthreads of the top cpuset, which cpuset re-affines.
pub fn rcu_nocb_isolate(isolated: &Cpumask, _cpus: &CpusReadLocked) -> Result {
    // SAFETY: `isolated` is a valid mask that the function only reads, and the caller holds
    // `cpus_read_lock()` as the function requires.
    to_result(unsafe { bindings::cpuset_hk_rcu_nocb_isolate(isolated.as_raw()) })
}

/// Makes the CPUs in `isolated` full dynticks (`nohz_full`) and gives every other CPU its
/// periodic tick back; moves the timekeeping duty off `isolated` first. Needs the
/// `nohz_full=dynamic` boot opt-in (`EOPNOTSUPP` otherwise); `EBUSY` if no online CPU outside
/// `isolated` can take the timekeeping duty. Switches each CPU on that CPU, so it sleeps.
pub fn tick_nohz_full_isolate(isolated: &Cpumask, _cpus: &CpusReadLocked) -> Result {
    // SAFETY: `isolated` is a valid mask that the function only reads, and the caller holds
    // `cpus_read_lock()` as the function requires; it is called from process context.
    to_result(unsafe { bindings::cpuset_hk_tick_isolate(isolated.as_raw()) })
}

/// The CPU holding the timekeeping duty (`tick_do_timer_cpu`), if any CPU holds it.
pub fn timekeeper() -> Option<u32> {
    // SAFETY: The function only reads an `int` with `READ_ONCE()`.
    let cpu = unsafe { bindings::cpuset_hk_timekeeper() };
    u32::try_from(cpu).ok()
}

/// Whether the kernel was booted with `cpuset_isolation=off`: isolated partitions then only
/// exclude their CPUs from unbound workqueues, as in stock 6.12.
pub fn isolation_disabled() -> bool {
    // SAFETY: The function only reads a flag set during early boot.
    unsafe { bindings::cpuset_isolation_disabled() }
}

/// The noise classes this boot can remove at runtime, as `enum cpuset_isolation_feature` bits.
pub fn available_features() -> u32 {
    // SAFETY: The function has no preconditions; it reads boot-time state under its own locks.
    unsafe { bindings::cpuset_isolation_available() }
}

/// Keeps the lockup detectors off the CPUs in `isolated` (the cpuset isolated CPUs):
/// `/proc/sys/kernel/watchdog_cpumask` becomes the mask last asked for minus `isolated`. Takes
/// effect from a work item, shortly after the call.
pub fn watchdog_isolate(isolated: &Cpumask) {
    // SAFETY: `isolated` is a valid mask that the function copies before returning.
    unsafe { bindings::cpuset_hk_watchdog_isolate(isolated.as_raw()) }
}

/// Takes the armed fault-injection step (debugfs `cpuset_isolation/fail_step`): the 1-based
/// index of the step that this update must fail, or 0. Taking it disarms it.
pub fn take_fail_step() -> u32 {
    // SAFETY: The function only exchanges a `u32` atomically.
    unsafe { bindings::cpuset_isolation_take_fail_step() }
}
