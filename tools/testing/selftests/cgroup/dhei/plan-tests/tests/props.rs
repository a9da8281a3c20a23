// SPDX-License-Identifier: GPL-2.0

//! Property and exhaustive tests for the planning core (`W = 1`).

use dhei_plan_tests::plan::*;
use dhei_plan_tests::plan_new as plan;
use proptest::prelude::*;

type S = CpuSet<[usize; 1]>;

fn set(bits: u64) -> S {
    S::from_words(&[bits as usize])
}

fn bits(s: &S) -> u64 {
    s.words()[0] as u64
}

fn low_mask(nr: u32) -> u64 {
    if nr >= 64 {
        u64::MAX
    } else {
        (1u64 << nr) - 1
    }
}

/// The `n`-th CPU (modulo weight) of a non-empty mask.
fn nth(mask: u64, n: u32) -> u32 {
    let s = set(mask);
    let cpu = s.iter().nth((n % s.weight()) as usize).unwrap();
    cpu
}

/// One generated request.
#[derive(Clone, Debug)]
struct GenReq {
    parts: Vec<u64>,
    online_extra: u64,
    online_pick: [u32; HK_TYPES],
    features: u32,
    timekeeper: Option<u32>,
}

/// A generated system plus a sequence of requests.
#[derive(Clone, Debug)]
struct Case {
    snap: Snapshot<[usize; 1]>,
    reqs: Vec<GenReq>,
}

impl Case {
    /// Online mask: random, plus at least one boot CPU of every type.
    fn online(&self, r: &GenReq) -> S {
        let nr_mask = low_mask(self.snap.nr_cpu_ids);
        let mut on = r.online_extra & nr_mask;
        for (b, pick) in self.snap.boot.iter().zip(r.online_pick) {
            on |= 1u64 << nth(bits(b), pick);
        }
        set(on)
    }
}

fn gen_req(nr: u32) -> impl Strategy<Value = GenReq> {
    let nr_mask = low_mask(nr);
    (
        prop::collection::vec((any::<u64>(), 0u8..16), 0..4),
        any::<u64>(),
        any::<[u32; HK_TYPES]>(),
        prop_oneof![4 => 0u32..16, 1 => any::<u32>()],
        prop::option::of(0..nr),
    )
        .prop_map(
            move |(raw, online_extra, online_pick, features, timekeeper)| {
                // Mostly disjoint, in-range partitions; sometimes overlapping or
                // out of range so the refusal paths are exercised too.
                let mut taken = 0u64;
                let mut parts = Vec::new();
                for (p, mode) in raw {
                    // Sparse (about a quarter of the CPUs) or dense (about
                    // three quarters) partitions.
                    let sparse = p & p.rotate_left(17);
                    let dense = p | p.rotate_left(17);
                    let p = match mode {
                        0 => sparse,
                        1 => sparse & nr_mask,
                        2..=5 => dense & nr_mask & !taken,
                        _ => sparse & nr_mask & !taken,
                    };
                    taken |= p;
                    parts.push(p);
                }
                GenReq {
                    parts,
                    online_extra,
                    online_pick,
                    features,
                    timekeeper,
                }
            },
        )
}

fn gen_case(max_reqs: usize) -> impl Strategy<Value = Case> {
    (2u32..=64).prop_flat_map(move |nr| {
        let nr_mask = low_mask(nr);
        (
            any::<[u64; HK_TYPES]>(),
            any::<[u32; HK_TYPES]>(),
            prop_oneof![Just(15u32), 0u32..16],
            prop::collection::vec(gen_req(nr), 1..=max_reqs),
        )
            .prop_map(move |(raw, pick, avail, reqs)| {
                let mut boot = [S::new(); HK_TYPES];
                for ((b, r), p) in boot.iter_mut().zip(raw).zip(pick) {
                    // Dense boot masks, every type keeps at least one CPU.
                    let m = (r | r.rotate_left(7)) & nr_mask;
                    *b = set(m | 1u64 << (p % nr));
                }
                Case {
                    snap: Snapshot {
                        boot,
                        nr_cpu_ids: nr,
                        available: Features::from_bits(avail),
                    },
                    reqs,
                }
            })
    })
}

/// Reference outcome: (targets, handoff, entering, leaving).
type Expected = ([u64; HK_TYPES], Option<(u32, u32)>, u64, u64);

/// Naive reference: what `plan` must decide, computed CPU by CPU.
fn reference(
    snap: &Snapshot<[usize; 1]>,
    current: u64,
    parts: &[u64],
    online: u64,
    features: Features,
    tk: Option<u32>,
) -> Result<Expected, Refusal> {
    let union = parts.iter().fold(0, |a, p| a | p);
    for cpu in 0..64 {
        if union >> cpu & 1 == 1 && cpu >= snap.nr_cpu_ids {
            return Err(Refusal::CpuOutOfRange {
                cpu,
                nr_cpu_ids: snap.nr_cpu_ids,
            });
        }
    }
    for cpu in 0..64 {
        if parts.iter().filter(|p| *p >> cpu & 1 == 1).count() > 1 {
            return Err(Refusal::PartitionsOverlap { cpu });
        }
    }
    let missing = Features::from_bits(features.bits() & !snap.available.bits());
    if missing != Features::NONE {
        return Err(Refusal::FeatureUnavailable { features: missing });
    }
    let mut target = [0u64; HK_TYPES];
    for t in HkType::ALL {
        let b = bits(&snap.boot[t.index()]);
        target[t.index()] = if features.covers(t) { b & !union } else { b };
    }
    let mut handoff = None;
    let entering = union & !current;
    if entering == 0 {
        // Only releases: never refused for lack of housekeeping, no handoff.
        return Ok((target, handoff, entering, current & !union));
    }
    if let Some(tk) = tk {
        if features.contains(Features::TICK) && union >> tk & 1 == 1 {
            let cand = target[HkType::Tick.index()] & online;
            if cand == 0 {
                return Err(Refusal::TimekeeperWithoutSuccessor { cpu: tk });
            }
            handoff = Some((tk, cand.trailing_zeros()));
        }
    }
    for t in HkType::ALL {
        if features.covers(t) && target[t.index()] & online == 0 {
            return Err(Refusal::NoHousekeepingCpu { hk: t });
        }
    }
    Ok((target, handoff, union & !current, current & !union))
}

fn is_subsequence(sub: &[StepKind], of: &[StepKind]) -> bool {
    let mut it = of.iter();
    sub.iter().all(|k| it.any(|o| o == k))
}

/// (d): step ordering invariants of a plan made for `features`.
fn check_steps(p: &Plan<[usize; 1]>, features: Features) {
    let steps = p.steps.as_slice();
    let first_iso = steps
        .iter()
        .position(|s| s.dir == Direction::Isolate)
        .unwrap_or(steps.len());
    assert!(steps[first_iso..]
        .iter()
        .all(|s| s.dir == Direction::Isolate));
    let rel: Vec<_> = steps[..first_iso].iter().map(|s| s.kind).collect();
    let iso: Vec<_> = steps[first_iso..].iter().map(|s| s.kind).collect();
    assert!(is_subsequence(&iso, &StepKind::ISOLATE_ORDER));
    let mut rev_order: Vec<_> = StepKind::ISOLATE_ORDER
        .iter()
        .rev()
        .copied()
        .filter(|k| *k != StepKind::Kthreads)
        .collect();
    rev_order.push(StepKind::Kthreads);
    assert!(is_subsequence(&rel, &rev_order));
    // Exactly the requested features' steps, PublishMasks always.
    let want: Vec<_> = StepKind::ISOLATE_ORDER
        .iter()
        .copied()
        .filter(|k| *k == StepKind::PublishMasks || features.contains(k.feature()))
        .collect();
    if p.leaving.is_empty() {
        assert!(rel.is_empty());
    } else {
        assert_eq!(rel.len(), want.len());
        assert!(rel.iter().all(|k| want.contains(k)));
        if features.contains(Features::DOMAIN) {
            assert_eq!(rel.last(), Some(&StepKind::Kthreads));
        }
    }
    if p.entering.is_empty() {
        assert!(iso.is_empty());
    } else {
        assert_eq!(iso, want);
    }
    assert!(steps.len() <= MAX_STEPS);
}

/// Plans the first request of `case` from the isolated set `cur` (bits beyond
/// `nr_cpu_ids` dropped), if it is accepted.
fn plan_first(case: &Case, cur: u64) -> Option<(Plan<[usize; 1]>, S)> {
    let snap = &case.snap;
    let r = &case.reqs[0];
    let parts: Vec<S> = r.parts.iter().map(|p| set(*p)).collect();
    let req = Request {
        partitions: &parts,
        online: case.online(r),
        features: Features::from_bits(r.features & snap.available.bits()),
        timekeeper: r.timekeeper,
    };
    let current = set(cur & low_mask(snap.nr_cpu_ids));
    plan(snap, &current, &req).ok().map(|p| (p, current))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// (a) (b) (c) (d): request sequences against a model state.
    #[test]
    fn request_sequences(case in gen_case(12), final_feat in 0u32..16) {
        let snap = &case.snap;
        let mut current = S::new();
        let mut masks = snap.boot;
        let mut prev_features = Features::NONE;
        for r in &case.reqs {
            let parts: Vec<S> = r.parts.iter().map(|p| set(*p)).collect();
            let online = case.online(r);
            let features = Features::from_bits(r.features);
            let req = Request { partitions: &parts, online, features, timekeeper: r.timekeeper };
            let before = (current, masks);
            let got = plan(snap, &current, &req);
            // Pure: same inputs, same answer.
            prop_assert_eq!(got, plan(snap, &current, &req));
            let want = reference(snap, bits(&current), &r.parts, bits(&online), features, r.timekeeper);
            match (got, want) {
                (Ok(p), Ok((target, handoff, entering, leaving))) => {
                    prop_assert_eq!(p.target.map(|t| bits(&t)), target);
                    prop_assert_eq!(p.timekeeping_handoff, handoff);
                    prop_assert_eq!(bits(&p.entering), entering);
                    prop_assert_eq!(bits(&p.leaving), leaving);
                    check_steps(&p, features);
                    // (a) every covered type keeps an online housekeeping CPU.
                    for t in HkType::ALL {
                        let m = p.target[t.index()];
                        prop_assert!(m.is_subset(&snap.boot[t.index()]));
                        if features.covers(t) {
                            // Isolating keeps an online housekeeping CPU; a release-only
                            // request never shrinks housekeeping.
                            // (The kernel keeps the features fixed while CPUs are isolated.)
                            if p.entering.is_empty() {
                                if features == prev_features {
                                    prop_assert!(masks[t.index()].is_subset(&m));
                                }
                            } else {
                                prop_assert!(m.intersects(&online), "{} empty", t);
                            }
                            prop_assert!(!m.intersects(&p.isolated));
                        } else {
                            prop_assert_eq!(m, snap.boot[t.index()]);
                        }
                    }
                    if let Some((from, to)) = p.timekeeping_handoff {
                        prop_assert!(p.isolated.contains(from) && !p.isolated.contains(to));
                        prop_assert!(p.target[HkType::Tick.index()].contains(to) && online.contains(to));
                    }
                    current = p.isolated;
                    masks = p.target;
                    prev_features = features;
                }
                (Err(e), Err(w)) => {
                    prop_assert_eq!(e, w);
                    prop_assert!(matches!(e.errno(), 16 | 22 | 95));
                    prop_assert!(!e.to_string().is_empty());
                }
                (g, w) => prop_assert!(false, "plan {:?} reference {:?}", g, w),
            }
            // (c) a refusal leaves the model state untouched.
            if got.is_err() {
                prop_assert_eq!((current, masks), before);
            }
        }
        // (b) releasing everything restores the boot masks exactly.
        let last = case.reqs.last().unwrap();
        let features = Features::from_bits(final_feat & snap.available.bits());
        let req = Request { partitions: &[], online: case.online(last), features, timekeeper: last.timekeeper };
        let p = plan(snap, &current, &req).unwrap();
        prop_assert_eq!(p.target, snap.boot);
        prop_assert!(p.isolated.is_empty() && p.entering.is_empty());
        prop_assert_eq!(p.leaving, current);
        prop_assert_eq!(p.steps.is_empty(), current.is_empty());
        check_steps(&p, features);
    }

    /// (e): rollback is the reverse undo, and restores a non-commutative
    /// step-effect model.
    #[test]
    fn rollback_restores(case in gen_case(1), cur in any::<u64>(), k in 0usize..=MAX_STEPS) {
        let Some((p, _)) = plan_first(&case, cur) else { return Ok(()) };
        let steps = p.steps.as_slice();
        let k = k.min(steps.len());
        let rb = p.steps.rollback(k);
        prop_assert_eq!(rb.len(), k);
        for (i, s) in rb.iter().enumerate() {
            prop_assert_eq!(s, steps[k - 1 - i].undo());
        }
        let mut state = Effects::new();
        for s in &steps[..k] {
            state.apply(*s);
        }
        for s in rb.iter() {
            state.apply(s);
        }
        prop_assert_eq!(state, Effects::new());
    }

    /// The isolated set each step makes its part of the kernel follow, as the
    /// executor uses it: per step kind, the sets chain from the previous set
    /// to the requested one, and undoing the completed steps of a failed run
    /// gives every kind the previous set back.
    #[test]
    fn step_sets_chain(case in gen_case(1), cur in any::<u64>(), k in 0usize..=MAX_STEPS) {
        let Some((p, current)) = plan_first(&case, cur) else { return Ok(()) };
        prop_assert_eq!(p.previous, current);
        let steps = p.steps.as_slice();
        let mut state: Vec<(StepKind, S)> =
            StepKind::ISOLATE_ORDER.iter().map(|k| (*k, current)).collect();
        let slot = |kind: StepKind| StepKind::ISOLATE_ORDER.iter().position(|k| *k == kind).unwrap();
        for (i, s) in steps.iter().enumerate() {
            prop_assert_eq!(state[slot(s.kind)].1, *p.isolated_before(i));
            state[slot(s.kind)].1 = *p.isolated_after(i);
        }
        for (kind, st) in &state {
            if steps.iter().any(|s| s.kind == *kind) {
                prop_assert_eq!(*st, p.isolated, "{:?} ends elsewhere", kind);
            }
        }
        // A run that fails at step k, then undoes steps k-1..0.
        let k = k.min(steps.len());
        let mut state: Vec<S> = vec![current; StepKind::ISOLATE_ORDER.len()];
        for i in 0..k {
            state[slot(steps[i].kind)] = *p.isolated_after(i);
        }
        for (undo, done) in p.steps.rollback(k).iter().zip((0..k).rev()) {
            prop_assert_eq!(undo.kind, steps[done].kind);
            state[slot(undo.kind)] = *p.isolated_before(done);
        }
        prop_assert!(state.iter().all(|s| *s == current));
    }
}

/// Step-effect model: every step kind permutes 8 slots with its own
/// permutation (Isolate) or its inverse (Release). Permutations of different
/// kinds do not commute, so only the exact reverse undo restores the state.
#[derive(Debug, PartialEq, Eq)]
struct Effects([u8; 8]);

impl Effects {
    fn new() -> Self {
        Effects([0, 1, 2, 3, 4, 5, 6, 7])
    }

    fn perm(kind: StepKind) -> [usize; 8] {
        let i = StepKind::ISOLATE_ORDER
            .iter()
            .position(|k| *k == kind)
            .unwrap();
        // Rotate by (i + 1) then swap slots 0 and (i % 7) + 1.
        let mut p = [0usize; 8];
        for (j, v) in p.iter_mut().enumerate() {
            *v = (j + i + 1) % 8;
        }
        p.swap(0, i % 7 + 1);
        p
    }

    fn apply(&mut self, s: Step) {
        let p = Self::perm(s.kind);
        let old = self.0;
        for j in 0..8 {
            match s.dir {
                Direction::Isolate => self.0[j] = old[p[j]],
                Direction::Release => self.0[p[j]] = old[j],
            }
        }
    }
}

#[test]
fn effects_model_is_order_sensitive() {
    let a = Step {
        kind: StepKind::Tick,
        dir: Direction::Isolate,
    };
    let b = Step {
        kind: StepKind::Timers,
        dir: Direction::Isolate,
    };
    let mut x = Effects::new();
    x.apply(a);
    x.apply(b);
    x.apply(a.undo()); // wrong order
    x.apply(b.undo());
    assert_ne!(x, Effects::new());
}

/// (f): exhaustive single-partition check for `nr_cpu_ids = 4`.
#[test]
fn exhaustive_four_cpus() {
    let all = S::range(0, 3);
    let snap = Snapshot {
        boot: [all; HK_TYPES],
        nr_cpu_ids: 4,
        available: Features::ALL,
    };
    let mut accepted = 0;
    for cur in 0u64..16 {
        for want in 0u64..16 {
            for tk in [None, Some(0), Some(3)] {
                let parts = [set(want)];
                let req = Request {
                    partitions: &parts,
                    online: all,
                    features: Features::ALL,
                    timekeeper: tk,
                };
                let r = plan(&snap, &set(cur), &req);
                if want == 0xf && cur != 0xf {
                    let e = r.unwrap_err();
                    match tk {
                        Some(cpu) => assert_eq!(e, Refusal::TimekeeperWithoutSuccessor { cpu }),
                        None => assert_eq!(e, Refusal::NoHousekeepingCpu { hk: HkType::Timer }),
                    }
                    continue;
                }
                let p = r.unwrap();
                accepted += 1;
                assert_eq!(p.isolated, set(want));
                assert_eq!(p.entering, set(want & !cur));
                assert_eq!(p.leaving, set(cur & !want));
                assert!(p.target.iter().all(|t| *t == set(0xf & !want)));
                let handoff = tk
                    .filter(|&c| want >> c & 1 == 1 && want & !cur != 0)
                    .map(|c| (c, (!want & 0xf).trailing_zeros()));
                assert_eq!(p.timekeeping_handoff, handoff);
                let n_rel = p
                    .steps
                    .iter()
                    .filter(|s| s.dir == Direction::Release)
                    .count();
                let n_iso = p.steps.len() - n_rel;
                assert_eq!(n_rel, if cur & !want != 0 { 9 } else { 0 });
                assert_eq!(n_iso, if want & !cur != 0 { 9 } else { 0 });
                check_steps(&p, Features::ALL);
            }
        }
    }
    assert_eq!(accepted, (16 * 15 + 1) * 3);
}

/// Sets of `words` words in a heap slice, as the kernel sizes them (`BITS_TO_LONGS(nr_cpu_ids)`).
type V = CpuSet<Vec<usize>>;

fn words_for(nr: u32) -> usize {
    (nr as usize).div_ceil(usize::BITS as usize)
}

/// `bits` (CPUs below 64) with CPU `c` moved to `m[c]`, in a set of `words` words.
fn spread_set(bits: u64, m: &[u32; 65], words: usize) -> V {
    let mut s = CpuSet::from_storage(vec![0; words]);
    for (c, to) in m.iter().enumerate().take(64) {
        if bits >> c & 1 == 1 {
            s.set(*to);
        }
    }
    s
}

/// An increasing map of CPU ids 0..=64 into 0..=8192, with 64 mapped to 8192.
fn gen_spread() -> impl Strategy<Value = [u32; 65]> {
    any::<[u8; 64]>().prop_map(|gaps| {
        let mut m = [0u32; 65];
        let mut at = 0u32;
        for (i, g) in gaps.iter().enumerate() {
            m[i] = at;
            at += 1 + u32::from(*g % 126);
        }
        m[64] = 8192;
        m
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Up to 8192 possible CPUs: a case of at most 64 CPUs, spread over up to 8192 CPU ids
    /// by an increasing map, plans as the small case does with every CPU id mapped. The sets
    /// are heap slices sized for `nr_cpu_ids`, as in the kernel (128 words at 8192 CPUs).
    #[test]
    fn spread_over_8192_cpus(case in gen_case(1), cur in any::<u64>(), m in gen_spread()) {
        let snap = &case.snap;
        let r = &case.reqs[0];
        let nr = m[snap.nr_cpu_ids as usize];
        let full = words_for(8192);
        let big_snap = Snapshot {
            boot: core::array::from_fn(|t| spread_set(bits(&snap.boot[t]), &m, full)),
            nr_cpu_ids: nr,
            available: snap.available,
        };
        let current = cur & low_mask(snap.nr_cpu_ids);
        let features = Features::from_bits(r.features);
        let parts: Vec<S> = r.parts.iter().map(|p| set(*p)).collect();
        let online = case.online(r);
        let small_req = Request { partitions: &parts, online, features, timekeeper: r.timekeeper };
        let small = plan(snap, &set(current), &small_req);

        let big_parts: Vec<V> = r.parts.iter().map(|p| spread_set(*p, &m, full)).collect();
        let big_req = Request {
            partitions: &big_parts,
            online: spread_set(bits(&online), &m, full),
            features,
            timekeeper: r.timekeeper.map(|t| m[t as usize]),
        };
        let words = words_for(nr);
        let mut out = Plan::from_fn(|| vec![0usize; words]);
        let big = dhei_plan_tests::plan::plan(&big_snap, &spread_set(current, &m, full), &big_req, &mut out);
        match (small, big) {
            (Ok(p), Ok(())) => {
                let same = |small: &S, big: &V| *big == spread_set(bits(small), &m, words);
                prop_assert!(out.isolated.words().len() == words);
                prop_assert!(same(&p.isolated, &out.isolated));
                prop_assert!(same(&p.entering, &out.entering));
                prop_assert!(same(&p.leaving, &out.leaving));
                prop_assert!(same(&p.previous, &out.previous));
                prop_assert!(same(&p.intermediate, &out.intermediate));
                for t in 0..HK_TYPES {
                    prop_assert!(same(&p.target[t], &out.target[t]), "type {}", t);
                }
                prop_assert_eq!(p.steps, out.steps);
                prop_assert_eq!(
                    p.timekeeping_handoff.map(|(a, b)| (m[a as usize], m[b as usize])),
                    out.timekeeping_handoff
                );
            }
            (Err(e), Err(b)) => {
                let want = match e {
                    Refusal::CpuOutOfRange { cpu, .. } => {
                        Refusal::CpuOutOfRange { cpu: m[cpu as usize], nr_cpu_ids: nr }
                    }
                    Refusal::PartitionsOverlap { cpu } => {
                        Refusal::PartitionsOverlap { cpu: m[cpu as usize] }
                    }
                    Refusal::TimekeeperWithoutSuccessor { cpu } => {
                        Refusal::TimekeeperWithoutSuccessor { cpu: m[cpu as usize] }
                    }
                    other => other,
                };
                prop_assert_eq!(b, want);
            }
            (s, b) => prop_assert!(false, "64-CPU plan {:?}, spread plan {:?}", s, b),
        }
    }
}
