//! Feasibility of a circulation with lower and upper bounds on every edge: the exact
//! test the auditor ([`super::audit`]) uses to decide whether a value of one figure is
//! consistent with all published figures.
//!
//! A table with row sums, column sums and a grand total is a circulation
//! (source → row → column → sink → source), and its constraint matrix is totally
//! unimodular: for any integer bounds, the set of values one edge takes over feasible
//! *integer* circulations is exactly the integer interval between its smallest and
//! largest value over real ones, and feasibility is decided by one maximum flow
//! (Hoffman's circulation theorem). So binary search on an edge's bound with this test
//! gives the exact interval an attacker can narrow the figure to.

/// One edge: `from → to` carrying between `lo` and `hi` units.
#[derive(Clone, Copy, Debug)]
pub struct Edge {
    /// Tail node.
    pub from: usize,
    /// Head node.
    pub to: usize,
    /// Least flow.
    pub lo: i64,
    /// Most flow.
    pub hi: i64,
}

/// Whether a circulation on `nodes` nodes meets every edge's bounds.
pub fn feasible(nodes: usize, edges: &[Edge]) -> bool {
    if edges.iter().any(|e| e.lo > e.hi || e.from >= nodes || e.to >= nodes) {
        return false;
    }
    // Hoffman: move each lower bound into node excesses, then route the excesses from a
    // super source to a super sink in the graph of remaining capacities.
    let (source, sink) = (nodes, nodes + 1);
    let mut g = Dinic::new(nodes + 2);
    let mut excess = vec![0i64; nodes];
    for e in edges {
        excess[e.to] += e.lo;
        excess[e.from] -= e.lo;
        if e.hi > e.lo {
            g.add(e.from, e.to, e.hi - e.lo);
        }
    }
    let mut need = 0i64;
    for (v, x) in excess.iter().enumerate() {
        if *x > 0 {
            g.add(source, v, *x);
            need += *x;
        } else if *x < 0 {
            g.add(v, sink, -*x);
        }
    }
    g.max_flow(source, sink) == need
}

/// Dinic's maximum flow on a small graph.
struct Dinic {
    head: Vec<Vec<usize>>,
    to: Vec<usize>,
    cap: Vec<i64>,
    level: Vec<i32>,
    next: Vec<usize>,
}

impl Dinic {
    fn new(n: usize) -> Dinic {
        Dinic { head: vec![Vec::new(); n], to: Vec::new(), cap: Vec::new(), level: vec![0; n], next: vec![0; n] }
    }

    fn add(&mut self, a: usize, b: usize, c: i64) {
        self.head[a].push(self.to.len());
        self.to.push(b);
        self.cap.push(c);
        self.head[b].push(self.to.len());
        self.to.push(a);
        self.cap.push(0);
    }

    fn bfs(&mut self, s: usize, t: usize) -> bool {
        self.level.iter_mut().for_each(|l| *l = -1);
        self.level[s] = 0;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(v) = queue.pop_front() {
            for &e in &self.head[v] {
                let w = self.to[e];
                if self.cap[e] > 0 && self.level[w] < 0 {
                    self.level[w] = self.level[v] + 1;
                    queue.push_back(w);
                }
            }
        }
        self.level[t] >= 0
    }

    fn dfs(&mut self, v: usize, t: usize, pushed: i64) -> i64 {
        if v == t {
            return pushed;
        }
        while self.next[v] < self.head[v].len() {
            let e = self.head[v][self.next[v]];
            let w = self.to[e];
            if self.cap[e] > 0 && self.level[w] == self.level[v] + 1 {
                let got = self.dfs(w, t, pushed.min(self.cap[e]));
                if got > 0 {
                    self.cap[e] -= got;
                    self.cap[e ^ 1] += got;
                    return got;
                }
            }
            self.next[v] += 1;
        }
        0
    }

    fn max_flow(&mut self, s: usize, t: usize) -> i64 {
        let mut flow = 0;
        while self.bfs(s, t) {
            self.next.iter_mut().for_each(|n| *n = 0);
            loop {
                let f = self.dfs(s, t, i64::MAX);
                if f == 0 {
                    break;
                }
                flow += f;
            }
        }
        flow
    }
}

/// The exact interval of edge `e`'s flow over feasible circulations, or `None` if
/// there is none. Binary search with [`feasible`]: `O(log range)` maximum flows.
pub fn interval(nodes: usize, edges: &[Edge], e: usize) -> Option<(i64, i64)> {
    let base = *edges.get(e)?;
    let mut work = edges.to_vec();
    let mut fits = |lo: i64, hi: i64| {
        work[e].lo = lo;
        work[e].hi = hi;
        feasible(nodes, &work)
    };
    if !fits(base.lo, base.hi) {
        return None;
    }
    // Smallest: the least m with a circulation in [base.lo, m].
    let (mut a, mut b) = (base.lo, base.hi);
    while a < b {
        let m = a + (b - a) / 2;
        if fits(base.lo, m) {
            b = m;
        } else {
            a = m + 1;
        }
    }
    let min = a;
    // Largest: the greatest m with a circulation in [m, base.hi].
    let (mut a, mut b) = (min, base.hi);
    while a < b {
        let m = b - (b - a) / 2;
        if fits(m, base.hi) {
            a = m;
        } else {
            b = m - 1;
        }
    }
    Some((min, a))
}
