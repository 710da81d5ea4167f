//! Alignment and hierarchy graphs must stay acyclic: an objective or a key result cannot (even
//! indirectly) contribute to itself, a person cannot manage their own manager, a team cannot
//! contain its parent. One function checks all three; [`refuse_alignment_loop`] words the
//! OKR case once, for objectives and key results alike.

use crate::{FieldError, ParentRef};
use std::collections::HashSet;
use std::hash::Hash;

/// Refuses aligning `node` (an objective or a key result) to `new_parents` when that would make
/// it contribute to itself, however indirectly. `parents_of` walks the alignment graph upwards:
/// an objective's parents, and a key result's parents together with its own objective (a key
/// result contributes to the objective it belongs to). The error names `parent_ids`.
pub fn refuse_alignment_loop<F>(
    node: &ParentRef,
    new_parents: &[ParentRef],
    parents_of: F,
) -> Result<(), FieldError>
where
    F: FnMut(&ParentRef) -> Vec<ParentRef>,
{
    if creates_cycle(node, new_parents, parents_of) {
        let what = match node {
            ParentRef::Objective(_) => "the objective",
            ParentRef::KeyResult(_) => "the key result",
        };
        return Err(FieldError::new(
            "parent_ids",
            format!("this would make an alignment loop: {what} would contribute to itself"),
        ));
    }
    Ok(())
}

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

    #[test]
    fn key_results_and_objectives_share_one_loop_rule() {
        use crate::{KeyResultId, ObjectiveId};
        let (o1, o2) = (ObjectiveId::generate(), ObjectiveId::generate());
        let (k1, k2) = (KeyResultId::generate(), KeyResultId::generate());
        // k1 belongs to o1 and is aligned to k2; k2 belongs to o2.
        let g: HashMap<ParentRef, Vec<ParentRef>> = [
            (
                ParentRef::KeyResult(k1.clone()),
                vec![
                    ParentRef::Objective(o1.clone()),
                    ParentRef::KeyResult(k2.clone()),
                ],
            ),
            (
                ParentRef::KeyResult(k2.clone()),
                vec![ParentRef::Objective(o2.clone())],
            ),
        ]
        .into();
        let parents = |n: &ParentRef| g.get(n).cloned().unwrap_or_default();
        // o2 aligned to k1 would contribute to itself through k1 → k2 → o2.
        let err = refuse_alignment_loop(
            &ParentRef::Objective(o2.clone()),
            &[ParentRef::KeyResult(k1.clone())],
            parents,
        )
        .unwrap_err();
        assert_eq!(err.field, "parent_ids");
        assert!(err
            .message
            .contains("the objective would contribute to itself"));
        // k2 aligned to k1: k1 → k2 already.
        let err = refuse_alignment_loop(
            &ParentRef::KeyResult(k2.clone()),
            &[ParentRef::KeyResult(k1.clone())],
            parents,
        )
        .unwrap_err();
        assert!(err
            .message
            .contains("the key result would contribute to itself"));
        // A key result aligned to itself.
        assert!(refuse_alignment_loop(
            &ParentRef::KeyResult(k1.clone()),
            &[ParentRef::KeyResult(k1.clone())],
            parents,
        )
        .is_err());
        // k2 aligned to o1 is fine: nothing above o1 leads back to k2.
        assert!(refuse_alignment_loop(
            &ParentRef::KeyResult(k2),
            &[ParentRef::Objective(o1)],
            parents,
        )
        .is_ok());
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
