// SPDX-License-Identifier: GPL-2.0

//! Housekeeping masks and the subsystem hooks of runtime CPU isolation.
//!
//! Safe abstractions used by the cpuset isolation state machine
//! (`kernel/cgroup/cpuset_isolation/`). Every call into C is wrapped once here, with the reason
//! it is sound next to it. CPU masks are [`crate::cpumask`]'s.
//!
//! C headers: [`include/linux/cpumask.h`](srctree/include/linux/cpumask.h),
//! [`include/linux/sched/isolation.h`](srctree/include/linux/sched/isolation.h).

use crate::bindings;
use crate::cpumask::Cpumask;
use crate::error::{code::EINVAL, to_result, Result};
use core::marker::PhantomData;

/// Number of housekeeping types (`HK_TYPE_MAX`, the length of `enum hk_type`).
pub const HK_TYPE_MAX: usize = bindings::hk_type_HK_TYPE_MAX as usize;

/// The mask of CPUs that are online now. It changes under CPU hotplug; hold
/// `cpus_read_lock()` for a stable view.
///
/// # Examples
///
/// ```
/// use kernel::cpu::nr_cpu_ids;
/// use kernel::cpuset_hk::online;
///
/// // The CPU running this test is online.
/// assert!(online().weight() >= 1);
/// assert!(online().weight() <= nr_cpu_ids());
/// ```
pub fn online() -> &'static Cpumask {
    // SAFETY: `__cpu_online_mask` is a static that lives forever and is changed only by the
    // atomic cpumask operations of CPU hotplug.
    unsafe { Cpumask::as_ref(core::ptr::addr_of!(bindings::__cpu_online_mask)) }
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
/// use kernel::cpu::{nr_cpu_ids, CpuId};
/// use kernel::cpuset_hk::{housekeeping_copy, online, HK_TYPE_MAX};
/// use kernel::cpumask::CpumaskVar;
///
/// let mut mask = CpumaskVar::new_zero(GFP_KERNEL)?;
/// for hk in 0..HK_TYPE_MAX as u32 {
///     housekeeping_copy(hk, &mut mask)?;
///     // Every housekeeping type keeps an online CPU.
///     assert!((0..nr_cpu_ids())
///         .filter_map(CpuId::from_u32)
///         .any(|c| mask.test(c) && online().test(c)));
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
/// use kernel::cpuset_hk::{housekeeping_boot_mask, housekeeping_copy, HK_TYPE_MAX};
/// use kernel::cpumask::{nr_cpumask_words, CpumaskVar};
///
/// // Doctests run at boot, before any cpuset partition: the live masks are the boot masks.
/// let mut live = CpumaskVar::new_zero(GFP_KERNEL)?;
/// let (mut a, mut b) = (KVec::new(), KVec::new());
/// a.extend_with(nr_cpumask_words(), 0usize, GFP_KERNEL)?;
/// b.extend_with(nr_cpumask_words(), 0usize, GFP_KERNEL)?;
/// for hk in 0..HK_TYPE_MAX as u32 {
///     housekeeping_copy(hk, &mut live)?;
///     housekeeping_boot_mask(hk).unwrap().copy_to_words(&mut a);
///     live.copy_to_words(&mut b);
///     assert_eq!(a.as_slice(), b.as_slice());
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
    Some(unsafe { Cpumask::as_ref(bindings::housekeeping_boot_cpumask(hk)) })
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

/// Takes the armed allocation fault (debugfs `cpuset_isolation/fail_alloc`): the 1-based
/// index of the allocation of this update that must fail, or 0. Taking it disarms it.
pub fn take_fail_alloc() -> u32 {
    // SAFETY: The function only exchanges a `u32` atomically.
    unsafe { bindings::cpuset_isolation_take_fail_alloc() }
}

/// Whether a message that a user can cause (a refused partition write, possibly by the owner
/// of a delegated cgroup) may be printed now: the kernel's default rate limit
/// (`DEFAULT_RATELIMIT_INTERVAL`, `DEFAULT_RATELIMIT_BURST`), shared by all such messages.
pub fn log_ratelimit() -> bool {
    // SAFETY: The function only takes a spinlock-protected rate-limit state.
    unsafe { bindings::cpuset_isolation_log_ratelimit() }
}
