//! A small log-linear latency histogram (values in microseconds, under 0.8 % bucket error), cheap
//! to record into and to ship between processes as sparse JSON.

use serde::{Deserialize, Serialize};

/// Values below this are exact; above, each power of two is split into `SUB` buckets.
const LINEAR: u64 = 256;
const SUB: u64 = 128;

fn index(v: u64) -> usize {
    if v < LINEAR {
        return v as usize;
    }
    let msb = 63 - u64::from(v.leading_zeros());
    let shift = msb - 7;
    let m = v >> shift; // 128..=255
    (LINEAR + (shift - 1) * SUB + (m - SUB)) as usize
}

/// The lowest value in a bucket and the bucket's width.
fn bounds(idx: usize) -> (u64, u64) {
    let idx = idx as u64;
    if idx < LINEAR {
        return (idx, 1);
    }
    let j = idx - LINEAR;
    let shift = j / SUB + 1;
    let m = j % SUB + SUB;
    (m << shift, 1 << shift)
}

#[derive(Clone, Debug, Default)]
pub struct Hist {
    counts: Vec<u64>,
    count: u64,
    sum: u64,
    max: u64,
    min: u64,
}

/// The wire form: only the buckets that hold something.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct HistWire {
    pub count: u64,
    pub sum_us: u64,
    pub max_us: u64,
    pub min_us: u64,
    pub buckets: Vec<(u32, u64)>,
}

/// What the report shows of a histogram, in milliseconds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Pcts {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Hist {
    pub fn record(&mut self, us: u64) {
        let i = index(us);
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        if self.count == 0 || us < self.min {
            self.min = us;
        }
        self.count += 1;
        self.sum = self.sum.saturating_add(us);
        self.max = self.max.max(us);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn merge(&mut self, other: &Hist) {
        if other.count == 0 {
            return;
        }
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        if self.count == 0 || other.min < self.min {
            self.min = other.min;
        }
        self.count += other.count;
        self.sum = self.sum.saturating_add(other.sum);
        self.max = self.max.max(other.max);
    }

    /// The value at quantile `q` (0..=1), in microseconds: the middle of its bucket, never above
    /// the largest value recorded.
    pub fn quantile_us(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (i, n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let (low, width) = bounds(i);
                return (low + width / 2).min(self.max).max(self.min);
            }
        }
        self.max
    }

    pub fn pcts(&self) -> Pcts {
        let ms = |us: u64| us as f64 / 1000.0;
        Pcts {
            count: self.count,
            mean: if self.count == 0 {
                0.0
            } else {
                (self.sum as f64 / self.count as f64).round() / 1000.0
            },
            p50: ms(self.quantile_us(0.50)),
            p95: ms(self.quantile_us(0.95)),
            p99: ms(self.quantile_us(0.99)),
            max: ms(self.max),
        }
    }

    pub fn to_wire(&self) -> HistWire {
        HistWire {
            count: self.count,
            sum_us: self.sum,
            max_us: self.max,
            min_us: self.min,
            buckets: self
                .counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| (i as u32, *n))
                .collect(),
        }
    }

    pub fn from_wire(wire: &HistWire) -> Hist {
        let mut hist = Hist {
            counts: Vec::new(),
            count: wire.count,
            sum: wire.sum_us,
            max: wire.max_us,
            min: wire.min_us,
        };
        for (i, n) in &wire.buckets {
            let i = *i as usize;
            // Bounded: a bucket index above this would stand for more than 2^64 µs.
            if i > 10_000 {
                continue;
            }
            if i >= hist.counts.len() {
                hist.counts.resize(i + 1, 0);
            }
            hist.counts[i] += n;
        }
        hist
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_values_in_order_with_small_error() {
        let mut last = 0;
        for v in (0..2_000_000u64).step_by(37) {
            let i = index(v);
            assert!(i >= last);
            last = i;
            let (low, width) = bounds(i);
            assert!(low <= v && v < low + width, "{v} in [{low}, +{width})");
            assert!(width as f64 <= (v.max(1) as f64) / 100.0 || v < LINEAR);
        }
    }

    #[test]
    fn quantiles_and_merge() {
        let mut a = Hist::default();
        let mut b = Hist::default();
        for v in 1..=1000 {
            a.record(v * 1000);
        }
        for v in 1001..=2000 {
            b.record(v * 1000);
        }
        a.merge(&b);
        let p = a.pcts();
        assert_eq!(p.count, 2000);
        assert!((p.p50 - 1000.0).abs() < 10.0, "{p:?}");
        assert!((p.p99 - 1980.0).abs() < 20.0, "{p:?}");
        assert_eq!(p.max, 2000.0);
        let back = Hist::from_wire(&a.to_wire());
        assert_eq!(back.pcts().p95, p.p95);
    }
}
