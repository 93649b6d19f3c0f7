//! Property tests: the overlap is exact for random sets and independent of input order.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod pair;

use cleanmatch::manifest::Mode;
use pair::*;
use proptest::prelude::*;
use std::collections::HashSet;

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn overlap_is_exact_and_order_free(
        host in proptest::collection::vec(0u16..400, 1..120),
        guest in proptest::collection::vec(0u16..400, 1..120),
        audience in any::<bool>(),
    ) {
        let mode = if audience { Mode::Audience } else { Mode::Aggregate };
        let m = manifest(mode, &["email"], 2);
        let recs = |ids: &[u16]| ids.iter().map(|i| (None, vec![email(usize::from(*i))])).collect::<Vec<Rec>>();
        let guest_ids: HashSet<u16> = guest.iter().copied().collect();
        let host_ids: HashSet<u16> = host.iter().copied().collect();
        // Duplicates count as separate records: every host record whose id the guest holds.
        let want_host = host.iter().filter(|i| guest_ids.contains(i)).count() as u64;
        let want_guest = guest.iter().filter(|i| host_ids.contains(i)).count() as u64;
        let (a, b) = run_pair(&m, &recs(&host), &recs(&guest)).unwrap();
        let r = a.report().unwrap();
        prop_assert_eq!(r, b.report().unwrap());
        let shown = |n: u64| if n >= 2 { Some(n) } else { None };
        prop_assert_eq!(r.figures.host.matched, shown(want_host));
        prop_assert_eq!(r.figures.guest.matched, shown(want_guest));

        // The same sets in reverse order give the same figures.
        let mut rev_host = host.clone();
        rev_host.reverse();
        let (c, _) = run_pair(&m, &recs(&rev_host), &recs(&guest)).unwrap();
        prop_assert_eq!(&c.report().unwrap().figures.host, &r.figures.host);
        if audience {
            let rows: Vec<u32> = host.iter().enumerate().filter(|(_, i)| guest_ids.contains(i)).map(|(r, _)| r as u32).collect();
            prop_assert_eq!(a.matched_rows().unwrap(), rows);
        }
    }
}
