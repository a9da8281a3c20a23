// SPDX-License-Identifier: GPL-2.0

//! Pure planning core for runtime CPU isolation driven by cgroup v2
//! `cpuset.cpus.partition=isolated`.
//!
//! This module decides *what* must change when the set of isolated
//! partitions changes; it never touches kernel state. It depends only on
//! `core` (no `alloc`, no `unsafe`, no heap) so that the very same source file
//! is built into the kernel and into a host test crate.
//!
//! A [`plan`] call takes the boot-time housekeeping masks ([`Snapshot`]), the
//! isolated set applied now and the wanted partitions ([`Request`]). It either
//! refuses with a [`Refusal`] (which maps to an errno and to the
//! `isolated invalid (<reason>)` partition state) or returns a [`Plan`]: the
//! target housekeeping mask for every [`HkType`] plus the ordered [`Steps`]
//! that the executor runs.
//!
//! # Step order
//!
//! CPUs entering isolation are processed in [`StepKind::ISOLATE_ORDER`]:
//!
//! publish masks → sched domains → unbound workqueues → kthreads → timers →
//! RCU nocb → tick → watchdog → managed IRQs.
//!
//! CPUs leaving isolation go through the same steps in reverse and end with
//! the unbound (kthread) affinity restore, after the masks are published, so
//! that nothing is re-affined onto a CPU before it is housekeeping again.
//! When one request both releases and isolates CPUs, the release sequence
//! runs first.

use core::fmt;

/// Number of housekeeping types, i.e. variants of [`HkType`].
pub const HK_TYPES: usize = 9;

/// Mirrors 6.12 `enum hk_type` (include/linux/sched/isolation.h), same
/// discriminants.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HkType {
    /// `HK_TYPE_TIMER`: unpinned timers.
    Timer = 0,
    /// `HK_TYPE_RCU`: RCU callbacks and grace-period kthreads.
    Rcu = 1,
    /// `HK_TYPE_MISC`: miscellaneous housekeeping work.
    Misc = 2,
    /// `HK_TYPE_SCHED`: scheduler housekeeping (idle load balancing).
    Sched = 3,
    /// `HK_TYPE_TICK`: the scheduler tick.
    Tick = 4,
    /// `HK_TYPE_DOMAIN`: scheduler domains.
    Domain = 5,
    /// `HK_TYPE_WQ`: unbound workqueues.
    Wq = 6,
    /// `HK_TYPE_MANAGED_IRQ`: managed interrupts.
    ManagedIrq = 7,
    /// `HK_TYPE_KTHREAD`: unbound kernel threads.
    Kthread = 8,
}

impl HkType {
    /// All housekeeping types in discriminant order.
    pub const ALL: [HkType; HK_TYPES] = [
        HkType::Timer,
        HkType::Rcu,
        HkType::Misc,
        HkType::Sched,
        HkType::Tick,
        HkType::Domain,
        HkType::Wq,
        HkType::ManagedIrq,
        HkType::Kthread,
    ];

    /// Lowercase name, as used in messages.
    pub fn name(self) -> &'static str {
        match self {
            HkType::Timer => "timer",
            HkType::Rcu => "rcu",
            HkType::Misc => "misc",
            HkType::Sched => "sched",
            HkType::Tick => "tick",
            HkType::Domain => "domain",
            HkType::Wq => "wq",
            HkType::ManagedIrq => "managed_irq",
            HkType::Kthread => "kthread",
        }
    }

    /// The type whose discriminant is `i`, if any.
    pub fn from_index(i: usize) -> Option<HkType> {
        Self::ALL.get(i).copied()
    }

    /// The discriminant as an array index (always `< HK_TYPES`).
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for HkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const WORD_BITS: u32 = usize::BITS;

/// A CPU bitmap over a word storage `S` (`[usize; W]`, `&[usize]`, `&mut [usize]`, a boxed
/// slice, ...), with the bit layout of the kernel's `struct cpumask` (bit `n` of word
/// `n / BITS`).
///
/// The planning core never allocates: the caller owns the words, and sizes them for the
/// CPUs that can exist (`BITS_TO_LONGS(nr_cpu_ids)` in the kernel), so the work per plan is
/// proportional to `nr_cpu_ids`, not to `NR_CPUS`. Sets of different lengths may be combined:
/// missing words read as zero, and a result keeps only the CPUs its own words can hold.
///
/// Operations on CPUs at or beyond [`CpuSet::capacity`] are ignored (setting) or report
/// absence (querying); nothing here panics.
#[derive(Clone, Copy)]
pub struct CpuSet<S> {
    words: S,
}

impl<S: AsRef<[usize]>> CpuSet<S> {
    /// The set whose bits are `words`.
    pub const fn from_storage(words: S) -> Self {
        CpuSet { words }
    }

    /// The underlying words.
    pub fn words(&self) -> &[usize] {
        self.words.as_ref()
    }

    /// Number of CPUs representable.
    pub fn capacity(&self) -> usize {
        self.words().len() * WORD_BITS as usize
    }

    /// Word `i`, zero beyond the storage.
    fn word(&self, i: usize) -> usize {
        self.words().get(i).copied().unwrap_or(0)
    }

    /// Whether `cpu` is in the set.
    pub fn contains(&self, cpu: u32) -> bool {
        let (i, m) = locate(cpu);
        self.word(i) & m != 0
    }

    /// Whether no CPU is set.
    pub fn is_empty(&self) -> bool {
        self.words().iter().all(|&w| w == 0)
    }

    /// Number of CPUs set.
    pub fn weight(&self) -> u32 {
        self.words().iter().map(|w| w.count_ones()).sum()
    }

    /// Lowest CPU set.
    pub fn first(&self) -> Option<u32> {
        self.iter().next()
    }

    /// Highest CPU set.
    pub fn last(&self) -> Option<u32> {
        let (i, w) = self
            .words()
            .iter()
            .enumerate()
            .rev()
            .find(|(_, &w)| w != 0)?;
        Some(i as u32 * WORD_BITS + (WORD_BITS - 1 - w.leading_zeros()))
    }

    /// Lowest CPU in both sets.
    pub fn first_common<T: AsRef<[usize]>>(&self, o: &CpuSet<T>) -> Option<u32> {
        self.words()
            .iter()
            .zip(o.words())
            .enumerate()
            .find(|(_, (a, b))| *a & *b != 0)
            .map(|(i, (a, b))| i as u32 * WORD_BITS + (a & b).trailing_zeros())
    }

    /// Whether the two sets share a CPU.
    pub fn intersects<T: AsRef<[usize]>>(&self, o: &CpuSet<T>) -> bool {
        self.first_common(o).is_some()
    }

    /// Whether every CPU of `self` is in `o`.
    pub fn is_subset<T: AsRef<[usize]>>(&self, o: &CpuSet<T>) -> bool {
        self.words()
            .iter()
            .enumerate()
            .all(|(i, a)| a & !o.word(i) == 0)
    }

    /// The CPUs set, in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        CpuIter {
            words: self.words(),
            idx: 0,
            cur: self.word(0),
        }
    }
}

impl<S: AsRef<[usize]> + AsMut<[usize]>> CpuSet<S> {
    /// The underlying words, for writing.
    pub fn words_mut(&mut self) -> &mut [usize] {
        self.words.as_mut()
    }

    /// Adds `cpu` (ignored if `>= capacity`).
    pub fn set(&mut self, cpu: u32) {
        let (i, m) = locate(cpu);
        if let Some(w) = self.words_mut().get_mut(i) {
            *w |= m;
        }
    }

    /// Removes `cpu`.
    pub fn clear(&mut self, cpu: u32) {
        let (i, m) = locate(cpu);
        if let Some(w) = self.words_mut().get_mut(i) {
            *w &= !m;
        }
    }

    /// Removes every CPU.
    pub fn clear_all(&mut self) {
        self.words_mut().fill(0);
    }

    fn assign_with<T: AsRef<[usize]>>(&mut self, o: &CpuSet<T>, f: impl Fn(usize, usize) -> usize) {
        for (i, d) in self.words_mut().iter_mut().enumerate() {
            *d = f(*d, o.word(i));
        }
    }

    /// Becomes a copy of `o` (as far as its words reach).
    pub fn copy_from<T: AsRef<[usize]>>(&mut self, o: &CpuSet<T>) {
        self.assign_with(o, |_, b| b);
    }

    /// Keeps only the CPUs also in `o`.
    pub fn and_assign<T: AsRef<[usize]>>(&mut self, o: &CpuSet<T>) {
        self.assign_with(o, |a, b| a & b);
    }

    /// Adds the CPUs of `o`.
    pub fn or_assign<T: AsRef<[usize]>>(&mut self, o: &CpuSet<T>) {
        self.assign_with(o, |a, b| a | b);
    }

    /// Removes the CPUs of `o`.
    pub fn andnot_assign<T: AsRef<[usize]>>(&mut self, o: &CpuSet<T>) {
        self.assign_with(o, |a, b| a & !b);
    }
}

/// Word index and bit mask of `cpu`.
fn locate(cpu: u32) -> (usize, usize) {
    ((cpu / WORD_BITS) as usize, 1usize << (cpu % WORD_BITS))
}

/// Sets that own `W` words, for fixed sizes (the host tests): by-value operations.
impl<const W: usize> CpuSet<[usize; W]> {
    /// Number of CPUs representable.
    pub const CAPACITY: usize = W * usize::BITS as usize;

    /// The empty set.
    pub const fn new() -> Self {
        CpuSet { words: [0; W] }
    }

    /// Copies the first `min(words.len(), W)` words; the rest are zero.
    pub fn from_words(words: &[usize]) -> Self {
        let mut s = Self::new();
        s.copy_from(&CpuSet::from_storage(words));
        s
    }

    /// The set of the listed CPUs; CPUs `>= CAPACITY` are ignored.
    pub fn from_cpus(cpus: &[u32]) -> Self {
        let mut s = Self::new();
        for &c in cpus {
            s.set(c);
        }
        s
    }

    /// CPUs `first..=last_inclusive` (clipped to the capacity); empty if
    /// `first > last_inclusive`.
    pub fn range(first: u32, last_inclusive: u32) -> Self {
        let mut s = Self::new();
        let mut c = first;
        while c <= last_inclusive && (c as usize) < Self::CAPACITY {
            s.set(c);
            match c.checked_add(1) {
                Some(n) => c = n,
                None => break,
            }
        }
        s
    }

    /// Intersection.
    pub fn and<T: AsRef<[usize]>>(&self, o: &CpuSet<T>) -> Self {
        let mut r = *self;
        r.and_assign(o);
        r
    }

    /// Union.
    pub fn or<T: AsRef<[usize]>>(&self, o: &CpuSet<T>) -> Self {
        let mut r = *self;
        r.or_assign(o);
        r
    }

    /// CPUs in `self` but not in `o`.
    pub fn andnot<T: AsRef<[usize]>>(&self, o: &CpuSet<T>) -> Self {
        let mut r = *self;
        r.andnot_assign(o);
        r
    }
}

impl<const W: usize> Default for CpuSet<[usize; W]> {
    fn default() -> Self {
        Self::new()
    }
}

/// Equal when they hold the same CPUs, whatever their lengths.
impl<S: AsRef<[usize]>, T: AsRef<[usize]>> PartialEq<CpuSet<T>> for CpuSet<S> {
    fn eq(&self, o: &CpuSet<T>) -> bool {
        let n = self.words().len().max(o.words().len());
        (0..n).all(|i| self.word(i) == o.word(i))
    }
}

impl<S: AsRef<[usize]>> Eq for CpuSet<S> {}

/// Ascending iterator over the bits of a word array.
struct CpuIter<'a> {
    words: &'a [usize],
    idx: usize,
    cur: usize,
}

impl Iterator for CpuIter<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        loop {
            if self.cur != 0 {
                let bit = self.cur.trailing_zeros();
                self.cur &= self.cur - 1;
                return Some(self.idx as u32 * WORD_BITS + bit);
            }
            self.idx += 1;
            self.cur = *self.words.get(self.idx)?;
        }
    }
}

/// Kernel cpulist format (`%*pbl`): `0-1,4,6-7`; the empty set prints nothing.
impl<S: AsRef<[usize]>> fmt::Display for CpuSet<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut run: Option<(u32, u32)> = None;
        let mut sep = "";
        let mut emit = |f: &mut fmt::Formatter<'_>, (a, b): (u32, u32)| {
            let r = if a == b {
                write!(f, "{sep}{a}")
            } else {
                write!(f, "{sep}{a}-{b}")
            };
            sep = ",";
            r
        };
        for c in self.iter() {
            run = match run {
                Some((a, b)) if b + 1 == c => Some((a, c)),
                Some(r) => {
                    emit(f, r)?;
                    Some((c, c))
                }
                None => Some((c, c)),
            };
        }
        match run {
            Some(r) => emit(f, r),
            None => Ok(()),
        }
    }
}

impl<S: AsRef<[usize]>> fmt::Debug for CpuSet<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{self}]")
    }
}

/// Noise classes a partition may remove; a bit set.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Features(u32);

impl Features {
    /// Domain tier: housekeeping types `Domain`, `Sched`, `Kthread`, `Wq`,
    /// `Timer` and `Misc`.
    pub const DOMAIN: Features = Features(1 << 0);
    /// RCU callback offloading (`Rcu`).
    pub const RCU: Features = Features(1 << 1);
    /// Tick stopping (`Tick`).
    pub const TICK: Features = Features(1 << 2);
    /// Managed interrupt migration (`ManagedIrq`).
    pub const MANAGED_IRQ: Features = Features(1 << 3);
    /// No feature.
    pub const NONE: Features = Features(0);
    /// Every feature.
    pub const ALL: Features = Features(0xf);

    const NAMED: [(Features, &'static str); 4] = [
        (Features::DOMAIN, "domain"),
        (Features::RCU, "rcu"),
        (Features::TICK, "tick"),
        (Features::MANAGED_IRQ, "managed_irq"),
    ];

    /// Whether every feature of `o` is in `self`.
    pub fn contains(self, o: Features) -> bool {
        self.0 & o.0 == o.0
    }

    /// Features in either.
    pub fn union(self, o: Features) -> Features {
        Features(self.0 | o.0)
    }

    /// Features in `self` but not in `o`.
    pub fn difference(self, o: Features) -> Features {
        Features(self.0 & !o.0)
    }

    /// Whether no feature is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the housekeeping mask of `t` is changed by these features.
    pub fn covers(self, t: HkType) -> bool {
        let needed = match t {
            HkType::Domain
            | HkType::Sched
            | HkType::Kthread
            | HkType::Wq
            | HkType::Timer
            | HkType::Misc => Features::DOMAIN,
            HkType::Rcu => Features::RCU,
            HkType::Tick => Features::TICK,
            HkType::ManagedIrq => Features::MANAGED_IRQ,
        };
        self.contains(needed)
    }

    /// Raw bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// From raw bits; unknown bits are dropped.
    pub fn from_bits(bits: u32) -> Features {
        Features(bits & Features::ALL.0)
    }
}

/// Comma-separated feature names (`rcu,tick`); `none` when empty.
impl fmt::Display for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let mut sep = "";
        for (feat, name) in Features::NAMED {
            if self.contains(feat) {
                write!(f, "{sep}{name}")?;
                sep = ",";
            }
        }
        Ok(())
    }
}

/// What the system looked like at boot plus what cannot change at runtime.
#[derive(Clone, Copy)]
pub struct Snapshot<S> {
    /// Boot housekeeping mask of every type, indexed by [`HkType::index`].
    pub boot: [CpuSet<S>; HK_TYPES],
    /// `nr_cpu_ids`: every CPU number is below this.
    pub nr_cpu_ids: u32,
    /// Features this boot can change at runtime.
    pub available: Features,
}

impl<S: AsRef<[usize]>, T: AsRef<[usize]>> PartialEq<Snapshot<T>> for Snapshot<S> {
    fn eq(&self, o: &Snapshot<T>) -> bool {
        self.boot == o.boot && self.nr_cpu_ids == o.nr_cpu_ids && self.available == o.available
    }
}

impl<S: AsRef<[usize]>> fmt::Debug for Snapshot<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("boot", &self.boot)
            .field("nr_cpu_ids", &self.nr_cpu_ids)
            .field("available", &self.available)
            .finish()
    }
}

/// One request: the complete set of isolated partitions wanted after this
/// change.
#[derive(Clone, Copy)]
pub struct Request<'a, S> {
    /// Every isolated partition wanted (not a delta); must be disjoint.
    pub partitions: &'a [CpuSet<S>],
    /// CPUs online now.
    pub online: CpuSet<S>,
    /// Features the isolated CPUs should lose noise from.
    pub features: Features,
    /// CPU holding the timekeeping duty (`tick_do_timer_cpu`), if any.
    pub timekeeper: Option<u32>,
}

/// Whether a step isolates CPUs or gives them back to housekeeping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Remove noise from the entering CPUs.
    Isolate,
    /// Return the leaving CPUs to housekeeping.
    Release,
}

impl Direction {
    /// The opposite direction.
    pub fn opposite(self) -> Direction {
        match self {
            Direction::Isolate => Direction::Release,
            Direction::Release => Direction::Isolate,
        }
    }
}

/// One subsystem the executor reconfigures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// Publish the new housekeeping masks.
    PublishMasks,
    /// Rebuild scheduler domains.
    SchedDomains,
    /// Update the unbound workqueue cpumask.
    UnboundWorkqueues,
    /// Re-affine unbound kernel threads.
    Kthreads,
    /// Migrate unpinned timers.
    Timers,
    /// Toggle RCU callback offloading.
    RcuNocb,
    /// Toggle `nohz_full` tick stopping.
    Tick,
    /// Adjust the lockup watchdog CPUs.
    Watchdog,
    /// Migrate managed interrupts.
    ManagedIrq,
}

impl StepKind {
    /// Order of the isolate sequence (see the module documentation).
    pub const ISOLATE_ORDER: [StepKind; 9] = [
        StepKind::PublishMasks,
        StepKind::SchedDomains,
        StepKind::UnboundWorkqueues,
        StepKind::Kthreads,
        StepKind::Timers,
        StepKind::RcuNocb,
        StepKind::Tick,
        StepKind::Watchdog,
        StepKind::ManagedIrq,
    ];

    /// Lowercase name, as used in messages.
    pub fn name(self) -> &'static str {
        match self {
            StepKind::PublishMasks => "publish_masks",
            StepKind::SchedDomains => "sched_domains",
            StepKind::UnboundWorkqueues => "unbound_workqueues",
            StepKind::Kthreads => "kthreads",
            StepKind::Timers => "timers",
            StepKind::RcuNocb => "rcu_nocb",
            StepKind::Tick => "tick",
            StepKind::Watchdog => "watchdog",
            StepKind::ManagedIrq => "managed_irq",
        }
    }

    /// Which feature needs this step. [`StepKind::PublishMasks`] reports
    /// `DOMAIN` but is included in every non-empty plan regardless.
    pub fn feature(self) -> Features {
        match self {
            StepKind::PublishMasks
            | StepKind::SchedDomains
            | StepKind::UnboundWorkqueues
            | StepKind::Kthreads
            | StepKind::Timers
            | StepKind::Watchdog => Features::DOMAIN,
            StepKind::RcuNocb => Features::RCU,
            StepKind::Tick => Features::TICK,
            StepKind::ManagedIrq => Features::MANAGED_IRQ,
        }
    }

    /// Whether a plan for `features` includes this step.
    fn included(self, features: Features) -> bool {
        self == StepKind::PublishMasks || features.contains(self.feature())
    }
}

/// One step of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// Subsystem to reconfigure.
    pub kind: StepKind,
    /// Isolate or release.
    pub dir: Direction,
}

impl Step {
    /// Same kind, opposite direction.
    pub fn undo(self) -> Step {
        Step {
            kind: self.kind,
            dir: self.dir.opposite(),
        }
    }
}

/// Capacity of [`Steps`]; a plan needs at most 18.
pub const MAX_STEPS: usize = 20;

const FILLER: Step = Step {
    kind: StepKind::PublishMasks,
    dir: Direction::Isolate,
};

/// Fixed-capacity ordered list of steps.
///
/// Slots past `len` always hold the same filler, so the derived equality is
/// equality of [`Steps::as_slice`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Steps {
    buf: [Step; MAX_STEPS],
    len: usize,
}

impl Steps {
    const fn empty() -> Steps {
        Steps {
            buf: [FILLER; MAX_STEPS],
            len: 0,
        }
    }

    /// Appends `s`; silently dropped when full (cannot happen for plans).
    fn push(&mut self, s: Step) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = s;
            self.len += 1;
        }
    }

    /// Number of steps.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no step.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The steps, in execution order.
    pub fn as_slice(&self) -> &[Step] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Iterates over the steps in execution order.
    pub fn iter(&self) -> impl Iterator<Item = Step> + '_ {
        self.as_slice().iter().copied()
    }

    /// Undo list when steps `[0, completed)` succeeded and step `completed`
    /// failed: the undo of each completed step, in reverse order.
    /// `completed` is clamped to [`Steps::len`].
    pub fn rollback(&self, completed: usize) -> Steps {
        let done = self.as_slice().get(..completed).unwrap_or(self.as_slice());
        let mut r = Steps::empty();
        for s in done.iter().rev() {
            r.push(s.undo());
        }
        r
    }
}

impl Steps {
    /// Undo list when step `failed` failed: the undo of each isolate step completed before
    /// it, in reverse order. Release steps are never undone: a release must always apply, so
    /// the executor goes on past a failing release step instead. `failed` is clamped to
    /// [`Steps::len`].
    pub fn rollback_isolate(&self, failed: usize) -> Steps {
        let done = self.as_slice().get(..failed).unwrap_or(self.as_slice());
        let mut r = Steps::empty();
        for s in done
            .iter()
            .rev()
            .take_while(|s| s.dir == Direction::Isolate)
        {
            r.push(s.undo());
        }
        r
    }
}

impl Default for Steps {
    fn default() -> Self {
        Steps::empty()
    }
}

impl fmt::Debug for Steps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// Why a request is refused.
///
/// `Display` gives a short lowercase reason for `isolated invalid (<reason>)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A partition names a CPU `>= nr_cpu_ids`.
    CpuOutOfRange {
        /// Lowest offending CPU.
        cpu: u32,
        /// The limit.
        nr_cpu_ids: u32,
    },
    /// Two partitions share a CPU.
    PartitionsOverlap {
        /// Lowest shared CPU.
        cpu: u32,
    },
    /// Requested features this boot cannot change at runtime.
    FeatureUnavailable {
        /// The missing features.
        features: Features,
    },
    /// A housekeeping type would be left without an online CPU.
    NoHousekeepingCpu {
        /// First such type in [`HkType::ALL`] order.
        hk: HkType,
    },
    /// The timekeeper would be isolated with no CPU to take the duty.
    TimekeeperWithoutSuccessor {
        /// Current timekeeping CPU.
        cpu: u32,
    },
}

impl Refusal {
    /// Positive errno the kernel returns for this refusal.
    pub fn errno(&self) -> i32 {
        const EBUSY: i32 = 16;
        const EINVAL: i32 = 22;
        const EOPNOTSUPP: i32 = 95;
        match self {
            Refusal::CpuOutOfRange { .. } | Refusal::PartitionsOverlap { .. } => EINVAL,
            Refusal::FeatureUnavailable { .. } => EOPNOTSUPP,
            Refusal::NoHousekeepingCpu { .. } | Refusal::TimekeeperWithoutSuccessor { .. } => EBUSY,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Refusal::CpuOutOfRange { cpu, nr_cpu_ids } => {
                write!(f, "CPU {cpu} beyond nr_cpu_ids {nr_cpu_ids}")
            }
            Refusal::PartitionsOverlap { cpu } => write!(f, "partitions overlap on CPU {cpu}"),
            Refusal::FeatureUnavailable { features } => {
                write!(f, "{features} isolation not available in this boot")
            }
            Refusal::NoHousekeepingCpu { hk } => {
                write!(f, "no online housekeeping CPU left for {hk}")
            }
            Refusal::TimekeeperWithoutSuccessor { cpu } => {
                write!(f, "timekeeping CPU {cpu} has no housekeeping successor")
            }
        }
    }
}

/// A validated plan. Its sets live in storage the caller provides
/// ([`Plan::from_fn`]); [`plan`] fills them.
#[derive(Clone, Copy)]
pub struct Plan<S> {
    /// Union of the requested partitions.
    pub isolated: CpuSet<S>,
    /// CPUs isolated by this plan that were not isolated before.
    pub entering: CpuSet<S>,
    /// CPUs isolated before that this plan returns to housekeeping.
    pub leaving: CpuSet<S>,
    /// The isolated set applied before the plan.
    pub previous: CpuSet<S>,
    /// The isolated set between the release and the isolate sequences: the
    /// previous set minus the CPUs leaving.
    pub intermediate: CpuSet<S>,
    /// Housekeeping mask of every type after the plan, by [`HkType::index`].
    pub target: [CpuSet<S>; HK_TYPES],
    /// What the executor runs, in order.
    pub steps: Steps,
    /// `(from, to)` when the timekeeping duty must move.
    pub timekeeping_handoff: Option<(u32, u32)>,
}

impl<S: AsRef<[usize]>, T: AsRef<[usize]>> PartialEq<Plan<T>> for Plan<S> {
    fn eq(&self, o: &Plan<T>) -> bool {
        self.isolated == o.isolated
            && self.entering == o.entering
            && self.leaving == o.leaving
            && self.previous == o.previous
            && self.intermediate == o.intermediate
            && self.target == o.target
            && self.steps == o.steps
            && self.timekeeping_handoff == o.timekeeping_handoff
    }
}

impl<S: AsRef<[usize]>> fmt::Debug for Plan<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plan")
            .field("isolated", &self.isolated)
            .field("entering", &self.entering)
            .field("leaving", &self.leaving)
            .field("target", &self.target)
            .field("steps", &self.steps)
            .field("timekeeping_handoff", &self.timekeeping_handoff)
            .finish()
    }
}

impl<S: AsRef<[usize]> + AsMut<[usize]>> Plan<S> {
    /// Number of CPU sets in a plan, so the storage [`Plan::from_fn`] takes.
    pub const SETS: usize = 5 + HK_TYPES;

    /// An empty plan whose [`Plan::SETS`] sets take their words from `words`, called once
    /// per set. Each set should hold `nr_cpu_ids` CPUs.
    pub fn from_fn(mut words: impl FnMut() -> S) -> Self {
        let mut set = || CpuSet::from_storage(words());
        Plan {
            isolated: set(),
            entering: set(),
            leaving: set(),
            previous: set(),
            intermediate: set(),
            target: core::array::from_fn(|_| set()),
            steps: Steps::empty(),
            timekeeping_handoff: None,
        }
    }

    /// The isolated set that step `i` makes its part of the kernel follow:
    /// release steps establish [`Plan::intermediate`], isolate steps the final
    /// [`Plan::isolated`].
    pub fn isolated_after(&self, i: usize) -> &CpuSet<S> {
        match self.steps.as_slice().get(i).map(|s| s.dir) {
            Some(Direction::Release) => &self.intermediate,
            _ => &self.isolated,
        }
    }

    /// The isolated set that step `i`'s part of the kernel followed before
    /// the step, which its undo re-establishes.
    pub fn isolated_before(&self, i: usize) -> &CpuSet<S> {
        match self.steps.as_slice().get(i).map(|s| s.dir) {
            Some(Direction::Release) => &self.previous,
            _ => &self.intermediate,
        }
    }
}

/// Computes the plan that takes the system from `current` (the isolated set
/// applied now) to the partitions of `req`, into `out`. Pure: no state is read
/// or written besides the arguments. On a refusal `out` holds no valid plan.
///
/// Checks, first failure wins:
/// 1. every partition CPU is below `nr_cpu_ids` ([`Refusal::CpuOutOfRange`]);
/// 2. partitions are disjoint ([`Refusal::PartitionsOverlap`]);
/// 3. the requested features are available ([`Refusal::FeatureUnavailable`]);
/// 4. only when the request isolates a CPU that is not isolated now: with
///    `TICK`, an isolated timekeeper has an online housekeeping successor
///    ([`Refusal::TimekeeperWithoutSuccessor`]), and every covered
///    housekeeping type keeps an online CPU ([`Refusal::NoHousekeepingCpu`]).
///    A request that only releases CPUs adds housekeeping CPUs and is always
///    accepted, so an administrator can always undo isolation.
///
/// `target[t]` is `boot[t]` minus the isolated CPUs for every type covered by
/// the requested features and exactly `boot[t]` otherwise, so an empty
/// request restores the boot masks.
///
/// Steps: when CPUs leave, the release sequence (reverse isolate order, with
/// the kthread affinity restore moved last) runs first; then, when CPUs enter,
/// the isolate sequence. Releasing first means every intermediate state has
/// at least as many housekeeping CPUs as either endpoint, so no intermediate
/// state can violate a check that both endpoints pass. Only steps whose
/// feature is requested are included; `PublishMasks` always is. A request
/// that changes nothing yields no steps.
///
/// The sets of `out` bound what can be represented: a partition CPU beyond
/// them is refused as out of range, like one beyond `nr_cpu_ids`.
pub fn plan<B, C, Q, S>(
    snap: &Snapshot<B>,
    current: &CpuSet<C>,
    req: &Request<'_, Q>,
    out: &mut Plan<S>,
) -> Result<(), Refusal>
where
    B: AsRef<[usize]>,
    C: AsRef<[usize]>,
    Q: AsRef<[usize]>,
    S: AsRef<[usize]> + AsMut<[usize]>,
{
    let Plan {
        isolated,
        entering,
        leaving,
        previous,
        intermediate,
        target,
        steps,
        timekeeping_handoff,
    } = out;
    // 1. Range.
    let limit = (isolated.capacity() as u32).min(snap.nr_cpu_ids);
    if let Some(cpu) = req
        .partitions
        .iter()
        .filter_map(|p| p.iter().find(|&c| c >= limit))
        .min()
    {
        return Err(Refusal::CpuOutOfRange {
            cpu,
            nr_cpu_ids: snap.nr_cpu_ids,
        });
    }
    // 2. Overlap: `entering` serves as scratch for the CPUs seen twice.
    isolated.clear_all();
    entering.clear_all();
    for p in req.partitions {
        leaving.copy_from(p);
        leaving.and_assign(isolated);
        entering.or_assign(leaving);
        isolated.or_assign(p);
    }
    if let Some(cpu) = entering.first() {
        return Err(Refusal::PartitionsOverlap { cpu });
    }
    // 3. Features.
    let missing = req.features.difference(snap.available);
    if !missing.is_empty() {
        return Err(Refusal::FeatureUnavailable { features: missing });
    }
    // 4. Targets.
    for ((t, mask), boot) in HkType::ALL.iter().zip(target.iter_mut()).zip(&snap.boot) {
        mask.copy_from(boot);
        if req.features.covers(*t) {
            mask.andnot_assign(isolated);
        }
    }
    // 5. Delta. A request that isolates no new CPU only adds housekeeping CPUs, so it is never
    // refused below: releasing must always be possible, even after CPU hotplug has left a
    // type without an online housekeeping CPU.
    entering.copy_from(isolated);
    entering.andnot_assign(current);
    leaving.copy_from(current);
    leaving.andnot_assign(isolated);
    intermediate.copy_from(isolated);
    intermediate.andnot_assign(entering);
    previous.copy_from(intermediate);
    previous.or_assign(leaving);
    *timekeeping_handoff = None;
    if !entering.is_empty() {
        // 6. Timekeeping handoff.
        if let Some(tk) = req.timekeeper {
            if req.features.contains(Features::TICK) && isolated.contains(tk) {
                let succ = target
                    .get(HkType::Tick.index())
                    .and_then(|m| m.first_common(&req.online));
                match succ {
                    Some(succ) => *timekeeping_handoff = Some((tk, succ)),
                    None => return Err(Refusal::TimekeeperWithoutSuccessor { cpu: tk }),
                }
            }
        }
        // 7. Every covered type keeps an online housekeeping CPU.
        for (t, mask) in HkType::ALL.iter().zip(target.iter()) {
            if req.features.covers(*t) && !mask.intersects(&req.online) {
                return Err(Refusal::NoHousekeepingCpu { hk: *t });
            }
        }
    }
    // 8. Steps.
    *steps = Steps::empty();
    if !leaving.is_empty() {
        for kind in StepKind::ISOLATE_ORDER.iter().rev() {
            if *kind != StepKind::Kthreads && kind.included(req.features) {
                steps.push(Step {
                    kind: *kind,
                    dir: Direction::Release,
                });
            }
        }
        if StepKind::Kthreads.included(req.features) {
            steps.push(Step {
                kind: StepKind::Kthreads,
                dir: Direction::Release,
            });
        }
    }
    if !entering.is_empty() {
        for kind in StepKind::ISOLATE_ORDER {
            if kind.included(req.features) {
                steps.push(Step {
                    kind,
                    dir: Direction::Isolate,
                });
            }
        }
    }
    Ok(())
}
