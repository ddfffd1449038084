//! One stable sort for the whole crate, for code size.
//!
//! Every `slice::sort_by` call site instantiates the standard library's whole stable sort
//! (driftsort: a dozen functions, 5–10 KB of WebAssembly) for its element and comparator types, and
//! so does every `collect()` into a `BTreeMap`/`BTreeSet`, which sorts its input by key. With about
//! fifteen of them the sorts were 8 % of the wasm module's code. The crate's report sorts go through
//! [`sort_by`] instead, which sorts a permutation of indices with a `dyn` comparator — a single
//! instantiation for the whole crate — and maps and sets are built by insertion ([`map`], [`set`]).
//! Results are the same as `sort_by` (stable) and `collect()`; the hot paths (the bulk billing
//! path's `sort_unstable` on plain integers) keep the standard sorts.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// The one instantiation of the standard stable sort: indices ordered by a comparator of indices.
fn sort_indices(order: &mut [usize], cmp: &mut dyn FnMut(usize, usize) -> Ordering) {
    order.sort_by(|a, b| cmp(*a, *b));
}

/// Sorts `items` stably by `cmp`, as `items.sort_by(cmp)` does.
pub(crate) fn sort_by<T>(items: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    {
        let all = &*items;
        let mut by_index = |a: usize, b: usize| match (all.get(a), all.get(b)) {
            (Some(x), Some(y)) => cmp(x, y),
            // Indices come from 0..len: never taken.
            _ => Ordering::Equal,
        };
        sort_indices(&mut order, &mut by_index);
    }
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    items.extend(
        order
            .iter()
            .filter_map(|&i| slots.get_mut(i).and_then(Option::take)),
    );
}

/// Sorts `items` stably by the key `key` gives, as `items.sort_by_key(key)` does.
pub(crate) fn sort_by_key<T, K: Ord>(items: &mut Vec<T>, mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// A map built by insertion, as `iter.collect::<BTreeMap<_, _>>()` (a later value for the same key
/// replaces an earlier one).
pub(crate) fn map<K: Ord, V>(iter: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut out = BTreeMap::new();
    for (k, v) in iter {
        out.insert(k, v);
    }
    out
}

/// A set built by insertion, as `iter.collect::<BTreeSet<_>>()`.
pub(crate) fn set<T: Ord>(iter: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut out = BTreeSet::new();
    for t in iter {
        out.insert(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sort_by_is_the_standard_stable_sort(items in prop::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            // Ordered by the first element only: ties keep their order, as in a stable sort.
            let mut ours = items.clone();
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            let mut std_sorted = items.clone();
            std_sorted.sort_by_key(|x| x.0);
            prop_assert_eq!(&ours, &std_sorted);
            let mut by_key = items.clone();
            sort_by_key(&mut by_key, |x| std::cmp::Reverse(x.0));
            let mut std_by_key = items;
            std_by_key.sort_by_key(|x| std::cmp::Reverse(x.0));
            prop_assert_eq!(by_key, std_by_key);
        }

        #[test]
        fn map_and_set_are_collect(pairs in prop::collection::vec((0u8..16, any::<u32>()), 0..100)) {
            prop_assert_eq!(map(pairs.clone()), pairs.iter().copied().collect::<BTreeMap<_, _>>());
            prop_assert_eq!(set(pairs.iter().map(|p| p.0)), pairs.iter().map(|p| p.0).collect::<BTreeSet<_>>());
        }
    }
}
