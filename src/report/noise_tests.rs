// Unit tests, compiled only under #[cfg(test)] (declared in the parent module).
// Distribution tests of the exact sampler (declared in the parent module).
use super::noise::{Epsilon, NoiseScale, Sampler};

/// Pearson's chi-square of `n` draws of the discrete Laplace `∝ exp(-|y|·s/t)` against
/// its exact pmf, bins `-w..=w` plus the two tails.
fn chi_square(t: u64, s: u64, n: usize, w: i64) -> (f64, usize) {
    let mut sampler = Sampler::new();
    let mut counts = vec![0u64; (2 * w + 3) as usize];
    for _ in 0..n {
        let y = sampler.discrete_laplace(t, s).unwrap();
        let bin = if y < -w {
            0
        } else if y > w {
            2 * w + 2
        } else {
            y + w + 1
        };
        counts[bin as usize] += 1;
    }
    let q = (-(s as f64) / t as f64).exp();
    let p = |y: i64| (1.0 - q) / (1.0 + q) * q.powi(y.unsigned_abs() as i32);
    let tail: f64 = q.powi(w as i32 + 1) / (1.0 + q);
    let mut chi = 0.0;
    for (bin, c) in counts.iter().enumerate() {
        let y = bin as i64 - w - 1;
        let pr = if bin == 0 || bin == counts.len() - 1 { tail } else { p(y) };
        let e = pr * n as f64;
        chi += (*c as f64 - e).powi(2) / e;
    }
    (chi, counts.len() - 1)
}

#[test]
fn discrete_laplace_matches_its_pmf() {
    // Critical values of chi-square at p = 1e-6: df 12 → 48.0, df 22 → 63.3.
    let (chi, df) = chi_square(3, 1, 40_000, 10);
    assert_eq!(df, 22);
    assert!(chi < 63.3, "scale 3: chi-square {chi:.1} on {df} df");
    let (chi, df) = chi_square(7, 4, 40_000, 5);
    assert_eq!(df, 12);
    assert!(chi < 48.0, "scale 7/4: chi-square {chi:.1} on {df} df");
}

#[test]
fn a_wrong_pmf_is_rejected() {
    // The test can fail: draws of scale 3 against the pmf of scale 4.
    let mut sampler = Sampler::new();
    let draws: Vec<i64> = (0..40_000).map(|_| sampler.discrete_laplace(3, 1).unwrap()).collect();
    let q = (-1.0f64 / 4.0).exp();
    let zero = draws.iter().filter(|y| **y == 0).count() as f64 / draws.len() as f64;
    assert!((zero - (1.0 - q) / (1.0 + q)).abs() > 0.02, "scale 3 puts more mass at 0 than scale 4");
}

#[test]
fn epsilon_is_an_exact_decimal() {
    let e = Epsilon::parse("0.50").unwrap();
    assert_eq!(e.fraction(), (1, 2));
    assert_eq!(e.to_string(), "0.5");
    assert_eq!(serde_json::to_string(&e).unwrap(), "\"0.5\"");
    for bad in ["0", "", "-1", "1e3", "11", "0.0000001", "abc", "1."] {
        assert!(Epsilon::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(Epsilon::stricter(Some(Epsilon::parse("2").unwrap()), Some(e)), Some(e));
    assert_eq!(Epsilon::stricter(None, Some(e)), Some(e));
    let n = NoiseScale::for_keys(Epsilon::parse("1").unwrap(), 2);
    assert_eq!(n.scale(), (26, 1));
    // Scale 26, q = e^(-1/26): P(|Y| > m) = 2q^(m+1)/(1+q) ≤ 5 % iff (m+1)/26 ≥
    // ln(40/(1+q)) = 3.0148, first at m = 78.
    assert_eq!(n.margin95(), 78);
    let half = NoiseScale::for_keys(Epsilon::parse("0.5").unwrap(), 1);
    assert_eq!(half.scale(), (26, 1), "13 keys-worth over ε = 1/2");
}
