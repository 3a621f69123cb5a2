//! Timer: a countdown the facilitator starts, pauses and resets, the same on every screen. The
//! room keeps when the current run started and how much ran before; screens compute what is left
//! from the server time each frame carries, never from their own clocks alone.

use crate::domain::{ActivityId, Millis, RejectCode, Rejection, clean_optional_text, reject};
use serde::{Deserialize, Serialize};

fn nine_minutes() -> u32 {
    540
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerSpec {
    #[serde(default)]
    pub title: String,
    /// 1 second to 24 hours (default 9 minutes).
    #[serde(default = "nine_minutes")]
    pub duration_secs: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerAction {
    Start,
    Pause,
    Reset,
}

/// The facilitator starts, pauses or resets a countdown: a timer's, a breakout round's or a
/// solution circle's turn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HostCommand {
    Timer {
        activity: ActivityId,
        action: TimerAction,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Timer {
    title: String,
    duration_ms: i64,
    /// Time run before the current run (or in all, while paused).
    elapsed_ms: i64,
    running_since: Option<Millis>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerView {
    pub title: String,
    pub duration_ms: i64,
    pub elapsed_ms: i64,
    /// While running: when the current run started (server time). Remaining time is
    /// `duration_ms - elapsed_ms - (server_time - running_since)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running_since: Option<Millis>,
}

impl Timer {
    pub fn new(spec: &TimerSpec) -> Result<Self, Rejection> {
        let mut timer = Timer {
            title: String::new(),
            duration_ms: 0,
            elapsed_ms: 0,
            running_since: None,
        };
        timer.edit(spec)?;
        Ok(timer)
    }

    pub fn edit(&mut self, spec: &TimerSpec) -> Result<(), Rejection> {
        if !(1..=86_400).contains(&spec.duration_secs) {
            return reject(
                RejectCode::InvalidActivity,
                "a timer runs from 1 second to 24 hours",
            );
        }
        self.title = clean_optional_text(Some(&spec.title), 120, "the title")?.unwrap_or_default();
        self.duration_ms = i64::from(spec.duration_secs) * 1000;
        Ok(())
    }

    pub fn spec(&self) -> TimerSpec {
        TimerSpec {
            title: self.title.clone(),
            duration_secs: (self.duration_ms / 1000) as u32,
        }
    }

    pub fn control(&mut self, action: TimerAction, at: Millis) {
        match action {
            TimerAction::Start => {
                if self.running_since.is_none() {
                    if self.elapsed_ms >= self.duration_ms {
                        self.elapsed_ms = 0;
                    }
                    self.running_since = Some(at);
                }
            }
            TimerAction::Pause => {
                if let Some(since) = self.running_since.take() {
                    self.elapsed_ms = (self.elapsed_ms + (at - since).max(0)).min(self.duration_ms);
                }
            }
            TimerAction::Reset => {
                self.elapsed_ms = 0;
                self.running_since = None;
            }
        }
    }

    /// Milliseconds left at `now`.
    pub fn remaining_at(&self, now: Millis) -> i64 {
        let running = self.running_since.map_or(0, |since| (now - since).max(0));
        (self.duration_ms - self.elapsed_ms - running).max(0)
    }

    pub fn view(&self) -> TimerView {
        TimerView {
            title: self.title.clone(),
            duration_ms: self.duration_ms,
            elapsed_ms: self.elapsed_ms,
            running_since: self.running_since,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_pause_resume_and_reset_keep_time_across_pauses() {
        let mut t = Timer::new(&TimerSpec {
            title: "Networking".into(),
            duration_secs: 540,
        })
        .unwrap();
        assert_eq!(t.remaining_at(0), 540_000);
        t.control(TimerAction::Start, 1_000);
        assert_eq!(t.remaining_at(61_000), 480_000);
        t.control(TimerAction::Pause, 61_000);
        assert_eq!(
            t.remaining_at(500_000),
            480_000,
            "paused time does not count"
        );
        t.control(TimerAction::Start, 500_000);
        t.control(TimerAction::Start, 510_000); // starting twice changes nothing
        assert_eq!(t.remaining_at(520_000), 460_000);
        assert_eq!(t.remaining_at(2_000_000), 0);
        t.control(TimerAction::Reset, 2_000_000);
        assert_eq!(t.remaining_at(2_100_000), 540_000);
        assert!(
            Timer::new(&TimerSpec {
                title: String::new(),
                duration_secs: 0
            })
            .is_err()
        );
    }
}
