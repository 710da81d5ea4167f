//! Alignment and hierarchy graphs must stay acyclic: an objective cannot (even indirectly)
//! contribute to itself, a person cannot manage their own manager, a team cannot contain its
//! parent. One function checks all three.

use std::collections::HashSet;
use std::hash::Hash;

/// Would linking `node` under `new_parents` create a cycle, given `parents_of` for the rest of
/// the graph? True when `node` is reachable from any new parent.
pub fn creates_cycle<T, F>(node: &T, new_parents: &[T], mut parents_of: F) -> bool
where
    T: Eq + Hash + Clone,
    F: FnMut(&T) -> Vec<T>,
{
    let mut seen: HashSet<T> = HashSet::new();
    let mut stack: Vec<T> = new_parents.to_vec();
    while let Some(n) = stack.pop() {
        if &n == node {
            return true;
        }
        if seen.insert(n.clone()) {
            stack.extend(parents_of(&n));
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[test]
    fn direct_and_indirect_cycles() {
        let g: HashMap<u32, Vec<u32>> = [(2, vec![3]), (3, vec![4])].into();
        let parents = |n: &u32| g.get(n).cloned().unwrap_or_default();
        assert!(creates_cycle(&4, &[2], parents));
        assert!(creates_cycle(&1, &[1], parents));
        assert!(!creates_cycle(&1, &[2], parents));
    }

    proptest! {
        // Adding only edges that `creates_cycle` accepts always leaves a graph where every node
        // reaches a root.
        #[test]
        fn accepted_edges_keep_the_graph_acyclic(edges in proptest::collection::vec((0u8..12, 0u8..12), 0..60)) {
            let mut g: HashMap<u8, Vec<u8>> = HashMap::new();
            for (child, parent) in edges {
                let snapshot = g.clone();
                if !creates_cycle(&child, &[parent], |n| snapshot.get(n).cloned().unwrap_or_default()) {
                    g.entry(child).or_default().push(parent);
                }
            }
            for start in 0u8..12 {
                // A walk longer than the node count would mean a cycle.
                let mut frontier = vec![(start, 0usize)];
                while let Some((n, depth)) = frontier.pop() {
                    prop_assert!(depth <= 12);
                    for p in g.get(&n).cloned().unwrap_or_default() {
                        frontier.push((p, depth + 1));
                    }
                }
            }
        }
    }
}
