//! What a simulated contact center is made of: its VDNs, agents and skills, how often
//! calls arrive and how long each step of a call takes.

use serde::{Deserialize, Serialize};

use crate::embedded::demo::DEMO_VDNS;

/// The size and pace of a simulated contact center. The defaults make a realistic small
/// center: six VDNs of 40 agents each (240), 60 calls a minute over all of them (about 150
/// in progress at once), three example calls that stay in progress for an hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulationSettings {
    /// Whether the embedded contact center is simulated (live) rather than a snapshot.
    pub enabled: bool,
    /// Seed of every random choice: the same seed and clock readings give the same center.
    pub seed: u64,
    /// The (ccId, VDN) pairs simulated.
    pub vdns: Vec<(u16, u16)>,
    /// Agents signed in per VDN at the start (IDs from 1001).
    pub agents_per_vdn: u32,
    /// Calls arriving per minute, over all VDNs together (0 stops arrivals).
    pub arrivals_per_minute: f64,
    /// Mean seconds a call spends in the IVR flow before it asks for an agent.
    pub mean_ivr_secs: u32,
    /// Mean seconds a caller waits in a queue before hanging up.
    pub mean_patience_secs: u32,
    /// Mean seconds an agent talks with a caller.
    pub mean_talk_secs: u32,
    /// Seconds an agent wraps up after a call.
    pub wrap_up_secs: u32,
    /// Example calls, at agents, talking, that the banner prints.
    pub example_calls: usize,
    /// How long the example calls stay in progress, in minutes.
    pub example_minutes: u32,
    /// Minutes of simulated history before the start, so a fresh center already has calls
    /// in every state and records to query.
    pub warm_up_minutes: u32,
}

impl Default for SimulationSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            seed: 42,
            vdns: DEMO_VDNS.to_vec(),
            agents_per_vdn: 40,
            arrivals_per_minute: 60.0,
            mean_ivr_secs: 20,
            mean_patience_secs: 120,
            mean_talk_secs: 150,
            wrap_up_secs: 15,
            example_calls: 3,
            example_minutes: 60,
            warm_up_minutes: 10,
        }
    }
}

/// The most calls a minute a simulation accepts (a thousand a second).
pub const MAX_ARRIVALS_PER_MINUTE: f64 = 60_000.0;

/// The most agents per VDN.
pub const MAX_AGENTS_PER_VDN: u32 = 20_000;

impl SimulationSettings {
    /// What is wrong with these settings, if anything.
    pub fn problem(&self) -> Option<String> {
        if self.vdns.is_empty() {
            return Some("simulation.vdns must name at least one (ccId, vdn) pair".into());
        }
        if let Some((cc, vdn)) = self
            .vdns
            .iter()
            .find(|(cc, vdn)| *cc == 0 || *vdn == 0 || *vdn > 5000)
        {
            return Some(format!(
                "simulation.vdns: ({cc}, {vdn}) is not a ccId 1..=65535 and a vdn 1..=5000"
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some((cc, vdn)) = self.vdns.iter().find(|pair| !seen.insert(**pair)) {
            return Some(format!("simulation.vdns names ({cc}, {vdn}) twice"));
        }
        if self.agents_per_vdn == 0 || self.agents_per_vdn > MAX_AGENTS_PER_VDN {
            return Some(format!(
                "simulation.agents_per_vdn must be between 1 and {MAX_AGENTS_PER_VDN}"
            ));
        }
        if !(0.0..=MAX_ARRIVALS_PER_MINUTE).contains(&self.arrivals_per_minute) {
            return Some(format!(
                "simulation.arrivals_per_minute must be between 0 and {MAX_ARRIVALS_PER_MINUTE}"
            ));
        }
        if self.mean_ivr_secs == 0 || self.mean_patience_secs == 0 || self.mean_talk_secs == 0 {
            return Some("simulation mean durations must be at least 1 second".into());
        }
        if self.example_calls > self.vdns.len() * self.agents_per_vdn as usize {
            return Some("simulation.example_calls cannot exceed the agents".into());
        }
        None
    }
}
