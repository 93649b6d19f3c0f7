//! Campaign lift: the conversion rate of exposed records against control records.

use super::GroupFigures;
use serde::{Deserialize, Serialize};

/// Lift of the exposed group's match (conversion) rate over the control group's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lift {
    /// Exposed records.
    pub exposed: u64,
    /// Exposed records that converted (matched), if not suppressed.
    pub exposed_converted: Option<u64>,
    /// Control records.
    pub control: u64,
    /// Control records that converted, if not suppressed.
    pub control_converted: Option<u64>,
    /// `rate(exposed) / rate(control) - 1`, if both counts are shown and non-zero.
    pub lift: Option<f64>,
    /// 95% confidence interval of the lift (log relative risk, Katz method).
    pub ci95: Option<(f64, f64)>,
}

impl Lift {
    /// Computes lift from the exposed and control groups' figures.
    pub fn compute(exposed: &GroupFigures, control: &GroupFigures) -> Lift {
        let (n1, n2) = (exposed.records, control.records);
        let mut out = Lift {
            exposed: n1,
            exposed_converted: exposed.matched,
            control: n2,
            control_converted: control.matched,
            lift: None,
            ci95: None,
        };
        if let (Some(a), Some(c)) = (exposed.matched, control.matched) {
            if a > 0 && c > 0 && n1 > 0 && n2 > 0 {
                let (a, c, n1, n2) = (a as f64, c as f64, n1 as f64, n2 as f64);
                let rr = (a / n1) / (c / n2);
                let se = (1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2).max(0.0).sqrt();
                out.lift = Some(rr - 1.0);
                out.ci95 = Some(((rr.ln() - 1.96 * se).exp() - 1.0, (rr.ln() + 1.96 * se).exp() - 1.0));
            }
        }
        out
    }
}
