// SPDX-License-Identifier: GPL-2.0

//! CPU masks.
//!
//! [`Cpumask`] wraps the C `struct cpumask`, [`CpumaskVar`] the C `cpumask_var_t`: a mask
//! allocated on the heap, sized for `nr_cpu_ids`, when `CONFIG_CPUMASK_OFFSTACK` is set
//! (Debian's `MAXSMP` kernels, `NR_CPUS=8192`), and held inline otherwise. Code that needs a
//! mask of its own takes a [`CpumaskVar`], never a `struct cpumask` by value, so no mask of
//! `NR_CPUS` bits lands on the kernel stack.
//!
//! Shaped like upstream's `rust/kernel/cpumask.rs` (6.16 and later), so that moving to a newer
//! kernel is a rename. Besides upstream's operations it converts to and from plain words
//! ([`Cpumask::copy_to_words`], [`Cpumask::copy_from_words`]) for planning code that keeps
//! CPU sets as words of the same layout.
//!
//! C header: [`include/linux/cpumask.h`](srctree/include/linux/cpumask.h)

use crate::alloc::{AllocError, Flags};
use crate::bindings;
use crate::cpu::{nr_cpu_ids, CpuId};
use crate::types::Opaque;
use core::ops::{Deref, DerefMut};

/// The number of machine words of a mask that hold CPUs: `BITS_TO_LONGS(nr_cpu_ids)`.
#[inline]
pub fn nr_cpumask_words() -> usize {
    (nr_cpu_ids() as usize).div_ceil(usize::BITS as usize)
}

/// A CPU mask: the C `struct cpumask`.
///
/// A shared reference may point to a mask that C code changes concurrently with the atomic
/// bit operations (such as `cpu_online_mask`), hence the [`Opaque`] wrapper: Rust never
/// assumes that the bits are frozen.
///
/// # Invariants
///
/// A `Cpumask` is a valid C `struct cpumask` whose first [`nr_cpumask_words`] words may be
/// accessed (an off-stack mask holds no more than that).
///
/// # Examples
///
/// ```
/// use kernel::cpu::{nr_cpu_ids, CpuId};
/// use kernel::cpumask::CpumaskVar;
///
/// let mut mask = CpumaskVar::new_zero(GFP_KERNEL)?;
/// let cpu0 = CpuId::from_u32(0).unwrap();
/// assert!(mask.empty());
/// mask.set(cpu0);
/// assert!(mask.test(cpu0));
/// assert_eq!(mask.weight(), 1);
/// if let Some(last) = CpuId::from_u32(nr_cpu_ids() - 1) {
///     mask.set(last);
///     assert_eq!(mask.weight(), if last == cpu0 { 1 } else { 2 });
///     mask.clear(last);
/// }
/// mask.set(cpu0);
/// mask.clear(cpu0);
/// assert!(mask.empty());
/// # Ok::<(), Error>(())
/// ```
#[repr(transparent)]
pub struct Cpumask(Opaque<bindings::cpumask>);

impl Cpumask {
    /// Creates a shared reference to an existing `struct cpumask`.
    ///
    /// # Safety
    ///
    /// `ptr` is valid for reads of a `struct cpumask` (of at least [`nr_cpumask_words`] words)
    /// for `'a`, and is written during `'a` only through the atomic bit operations or not at
    /// all.
    #[inline]
    pub unsafe fn as_ref<'a>(ptr: *const bindings::cpumask) -> &'a Self {
        // SAFETY: `Cpumask` is a transparent wrapper of `struct cpumask`, and the caller
        // guarantees the pointer's validity for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// Creates a mutable reference to an existing `struct cpumask`.
    ///
    /// # Safety
    ///
    /// `ptr` is valid for reads and writes of a `struct cpumask` (of at least
    /// [`nr_cpumask_words`] words) for `'a`, and nothing else accesses it during `'a`.
    #[inline]
    pub unsafe fn as_mut_ref<'a>(ptr: *mut bindings::cpumask) -> &'a mut Self {
        // SAFETY: As above, and the caller guarantees exclusive access for `'a`.
        unsafe { &mut *ptr.cast() }
    }

    /// Returns the raw pointer to the `struct cpumask`.
    #[inline]
    pub fn as_raw(&self) -> *mut bindings::cpumask {
        self.0.get()
    }

    /// Adds `cpu` to the mask (atomically, `cpumask_set_cpu()`).
    #[inline]
    pub fn set(&mut self, cpu: CpuId) {
        // SAFETY: `cpu` is below `nr_cpu_ids` by its invariant, and `self` is borrowed
        // mutably, so valid for writes.
        unsafe { bindings::cpumask_set_cpu(cpu.as_u32(), self.as_raw()) }
    }

    /// Removes `cpu` from the mask (atomically, `cpumask_clear_cpu()`).
    #[inline]
    pub fn clear(&mut self, cpu: CpuId) {
        // SAFETY: As in `set`.
        unsafe { bindings::cpumask_clear_cpu(cpu.as_i32(), self.as_raw()) }
    }

    /// Returns whether `cpu` is in the mask.
    #[inline]
    pub fn test(&self, cpu: CpuId) -> bool {
        // SAFETY: `cpu` is below `nr_cpu_ids` by its invariant, and `self` is a valid mask.
        unsafe { bindings::cpumask_test_cpu(cpu.as_i32(), self.as_raw()) }
    }

    /// Returns the number of CPUs in the mask.
    #[inline]
    pub fn weight(&self) -> u32 {
        // SAFETY: `self` is a valid mask.
        unsafe { bindings::cpumask_weight(self.as_raw()) }
    }

    /// Returns whether no CPU is in the mask.
    #[inline]
    pub fn empty(&self) -> bool {
        self.weight() == 0
    }

    /// Copies the mask into `dst`.
    #[inline]
    pub fn copy(&self, dst: &mut Self) {
        // SAFETY: Both are valid masks and `dst` is borrowed mutably.
        unsafe { bindings::cpumask_copy(dst.as_raw(), self.as_raw()) }
    }

    /// Pointer to the first word of the bitmap.
    fn bits(&self) -> *mut usize {
        // SAFETY: `self` is a valid `struct cpumask`; only the field's address is taken.
        unsafe { core::ptr::addr_of_mut!((*self.as_raw()).bits) }.cast()
    }

    /// Copies the mask into `dst` as words, bit `n` of word `n / usize::BITS` standing for
    /// CPU `n`. Copies [`nr_cpumask_words`] words at most; the rest of `dst` is zeroed.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::cpu::CpuId;
    /// use kernel::cpumask::{nr_cpumask_words, CpumaskVar};
    ///
    /// let mut mask = CpumaskVar::new_zero(GFP_KERNEL)?;
    /// mask.set(CpuId::from_u32(0).unwrap());
    /// let mut words = [usize::MAX; 3];
    /// mask.copy_to_words(&mut words);
    /// assert_eq!(words[0], 1);
    /// assert!(words[1..].iter().all(|&w| w == 0));
    ///
    /// let mut copy = CpumaskVar::new_zero(GFP_KERNEL)?;
    /// copy.copy_from_words(&words[..nr_cpumask_words().min(3)]);
    /// assert_eq!(copy.weight(), 1);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn copy_to_words(&self, dst: &mut [usize]) {
        let n = nr_cpumask_words();
        let bits = self.bits();
        let tail = tail_mask();
        for (i, d) in dst.iter_mut().enumerate() {
            *d = if i < n {
                // SAFETY: `i` is below `nr_cpumask_words`, which the invariant lets us read.
                // The read is volatile: C may set or clear bits concurrently.
                let w = unsafe { bits.add(i).read_volatile() };
                if i + 1 == n {
                    w & tail
                } else {
                    w
                }
            } else {
                0
            };
        }
    }

    /// Sets the mask to the CPUs in `src` (words as in [`Cpumask::copy_to_words`]). Bits at
    /// or beyond `nr_cpu_ids` are dropped; missing words clear their CPUs.
    pub fn copy_from_words(&mut self, src: &[usize]) {
        let n = nr_cpumask_words();
        let bits = self.bits();
        let tail = tail_mask();
        for i in 0..n {
            let mut w = src.get(i).copied().unwrap_or(0);
            if i + 1 == n {
                w &= tail;
            }
            // SAFETY: `i` is below `nr_cpumask_words`, which the invariant lets us write, and
            // `self` is borrowed mutably.
            unsafe { bits.add(i).write(w) };
        }
    }
}

/// The bits of the last mask word that stand for CPUs below `nr_cpu_ids`.
fn tail_mask() -> usize {
    match nr_cpu_ids() % usize::BITS {
        0 => usize::MAX,
        r => (1usize << r) - 1,
    }
}

/// A CPU mask of one's own: the C `cpumask_var_t`.
///
/// With `CONFIG_CPUMASK_OFFSTACK` the mask is allocated (`cpumask_size()` bytes, which
/// follows `nr_cpu_ids`), without it the mask is held inline. Dereferences to [`Cpumask`].
///
/// # Invariants
///
/// With `CONFIG_CPUMASK_OFFSTACK`, `ptr` points to a mask allocated by
/// `zalloc_cpumask_var()` and owned by this value.
pub struct CpumaskVar {
    #[cfg(CONFIG_CPUMASK_OFFSTACK)]
    ptr: core::ptr::NonNull<Cpumask>,
    #[cfg(not(CONFIG_CPUMASK_OFFSTACK))]
    mask: Cpumask,
}

impl CpumaskVar {
    /// Allocates a mask with no CPU set.
    pub fn new_zero(flags: Flags) -> Result<Self, AllocError> {
        #[cfg(CONFIG_CPUMASK_OFFSTACK)]
        {
            let mut ptr: bindings::cpumask_var_t = core::ptr::null_mut();
            // SAFETY: `ptr` is valid for writes of a `cpumask_var_t`; on success it points to
            // a zeroed mask of `cpumask_size()` bytes that we own.
            if !unsafe { bindings::zalloc_cpumask_var(&mut ptr, flags.as_raw()) } {
                return Err(AllocError);
            }
            let ptr = core::ptr::NonNull::new(ptr.cast()).ok_or(AllocError)?;
            // INVARIANT: `ptr` was allocated by `zalloc_cpumask_var()` just above.
            Ok(Self { ptr })
        }
        #[cfg(not(CONFIG_CPUMASK_OFFSTACK))]
        {
            let _ = flags;
            Ok(Self {
                // SAFETY: A `struct cpumask` is plain data; all-zero bytes is the empty mask.
                mask: unsafe { core::mem::zeroed() },
            })
        }
    }

    /// Allocates a copy of `mask`.
    pub fn try_clone(mask: &Cpumask, flags: Flags) -> Result<Self, AllocError> {
        let mut copy = Self::new_zero(flags)?;
        mask.copy(&mut copy);
        Ok(copy)
    }
}

impl Deref for CpumaskVar {
    type Target = Cpumask;

    #[inline]
    fn deref(&self) -> &Cpumask {
        #[cfg(CONFIG_CPUMASK_OFFSTACK)]
        {
            // SAFETY: By the invariant `ptr` points to a mask this value owns.
            unsafe { self.ptr.as_ref() }
        }
        #[cfg(not(CONFIG_CPUMASK_OFFSTACK))]
        &self.mask
    }
}

impl DerefMut for CpumaskVar {
    #[inline]
    fn deref_mut(&mut self) -> &mut Cpumask {
        #[cfg(CONFIG_CPUMASK_OFFSTACK)]
        {
            // SAFETY: By the invariant `ptr` points to a mask this value owns, and `self` is
            // borrowed mutably.
            unsafe { self.ptr.as_mut() }
        }
        #[cfg(not(CONFIG_CPUMASK_OFFSTACK))]
        &mut self.mask
    }
}

impl Drop for CpumaskVar {
    fn drop(&mut self) {
        #[cfg(CONFIG_CPUMASK_OFFSTACK)]
        // SAFETY: By the invariant `ptr` was allocated by `zalloc_cpumask_var()` and is owned
        // by this value, which is going away.
        unsafe {
            bindings::free_cpumask_var(self.ptr.as_ptr().cast())
        };
    }
}

// SAFETY: A `CpumaskVar` owns its mask; moving it to another thread moves the ownership.
unsafe impl Send for CpumaskVar {}
// SAFETY: Shared references only read the mask (`&Cpumask` methods).
unsafe impl Sync for CpumaskVar {}
