//! How well confidence foretold the outcome: a proper score of forecast quality.
//!
//! Why its own module: calibration used to compare the mean of every confidence with the mean
//! score, which rewards hedging, ignores committed vs aspirational and credits history to whoever
//! owns the key result at the end. Here each person is judged on their own last reading before
//! the close, read as the probability that the key result succeeds (its confidence as a share of
//! the scale it was given on), against whether it did succeed (`rhythm::is_success`: a committed
//! key result at 1.0, an aspirational one at 0.7). The Brier score of that probability is 0 for a
//! perfect forecast, 0.25 for always saying "50/50" and 1 for the surest wrong one. See
//! *Calibration* in docs/method.md.

use crate::rhythm::{self, Calibration};

/// The Brier score of one forecast: the squared distance between the probability given and what
/// happened (1 for success, 0 otherwise).
pub fn brier(probability: f64, succeeded: bool) -> f64 {
    let outcome = if succeeded { 1.0 } else { 0.0 };
    (probability.clamp(0.0, 1.0) - outcome).powi(2)
}

/// One person's (or team's) forecasts, summed as they are added.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Tally {
    /// Key results judged.
    pub n: usize,
    confidence: f64,
    successes: f64,
    score: f64,
    brier: f64,
}

impl Tally {
    /// A tally from its sums over `n` key results, as a database adds them up: the readings
    /// (probabilities), the successes, the scores and the Brier scores.
    pub fn from_sums(n: usize, confidence: f64, successes: f64, score: f64, brier: f64) -> Self {
        Tally {
            n,
            confidence,
            successes,
            score,
            brier,
        }
    }

    /// Adds one key result: the last confidence given before the close (as a probability), its
    /// final score and whether it counts as a success.
    pub fn add(&mut self, probability: f64, score: f64, succeeded: bool) {
        self.n += 1;
        self.confidence += probability;
        self.successes += if succeeded { 1.0 } else { 0.0 };
        self.score += score;
        self.brier += brier(probability, succeeded);
    }

    fn mean(&self, total: f64) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            total / self.n as f64
        }
    }

    /// The mean probability of success they gave.
    pub fn mean_confidence(&self) -> f64 {
        self.mean(self.confidence)
    }

    /// The share of their key results that succeeded.
    pub fn success_rate(&self) -> f64 {
        self.mean(self.successes)
    }

    pub fn mean_score(&self) -> f64 {
        self.mean(self.score)
    }

    /// The mean Brier score: lower is better, 0.25 is a coin toss.
    pub fn brier(&self) -> f64 {
        self.mean(self.brier)
    }

    /// Mean confidence minus success rate: positive when over-confident.
    pub fn gap(&self) -> f64 {
        self.mean_confidence() - self.success_rate()
    }

    /// Over- or under-confident when the gap exceeds 0.2 either way.
    pub fn calibration(&self) -> Calibration {
        rhythm::calibration(self.mean_confidence(), self.success_rate())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_brier_score_rewards_honest_confidence() {
        assert_eq!(brier(1.0, true), 0.0);
        assert_eq!(brier(1.0, false), 1.0);
        assert_eq!(brier(0.5, false), 0.25);
        assert!((brier(0.9, false) - 0.81).abs() < 1e-9);
        // Always saying 90 % on work that succeeds half the time scores worse than 50 %.
        let (mut sure, mut honest) = (Tally::default(), Tally::default());
        for ok in [true, false, true, false] {
            sure.add(0.9, if ok { 1.0 } else { 0.3 }, ok);
            honest.add(0.5, if ok { 1.0 } else { 0.3 }, ok);
        }
        assert!(sure.brier() > honest.brier());
        assert_eq!(sure.calibration(), Calibration::OverConfident);
        assert_eq!(honest.calibration(), Calibration::Calibrated);
        assert!((sure.gap() - 0.4).abs() < 1e-9);
        assert!((sure.mean_score() - 0.65).abs() < 1e-9);
        assert_eq!(Tally::default().brier(), 0.0);
    }
}
