//! A live contact center: calls arrive per VDN, pass through the IVR flow, skill queues,
//! ringing, talk, hold, transfer and private queues, and end; agents take calls, wrap up,
//! go on breaks. Every step is written to the [`EmbeddedStore`], which keeps each call's
//! journey and, when it ends, its record.
//!
//! **Determinism.** Every step happens at a whole second, chosen by one seeded generator
//! when the step before it happens, and steps run in (instant, order of scheduling) order.
//! [`Simulation::advance`] runs every step up to a clock reading, so the contact center at
//! a reading depends only on the seed and the readings at which it was paused, resumed or
//! re-rated, never on how often it was advanced: the same seed and readings give the same
//! contact center, byte for byte.
//!
//! **Cost.** A call takes about six steps, each a store write; nothing runs between steps,
//! and the durations that grow while a call waits or talks grow in the store by the clock.

mod calls;
pub mod settings;

use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use calldata_model::{
    AgentId, AgentKey, CallDirection, CallFeature, CallId, CallKey, CcId, EnterReason, MediaType,
    Vdn,
};
use fastrand::Rng;
use serde::Serialize;

use crate::clock::Clock;
use crate::embedded::EmbeddedStore;
use calls::{AgentState, Fixed, Phase, SKILLS, SimAgent, SimCall};
pub use settings::SimulationSettings;

/// One second, the simulation's grain.
const SECOND: i64 = 1000;

/// What happens at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The next call arrives (of this arrival generation).
    Arrival(u32),
    /// Something happens to a call, if it is still in the phase it was scheduled in.
    Call(u64, u32, CallStep),
    /// Something happens to an agent, if nothing changed it since.
    Agent(usize, u32, AgentStep),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallStep {
    LeaveIvr,
    Abandon,
    Answer,
    NoAnswer,
    Hold,
    Retrieve,
    Transfer,
    HangUp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AgentStep {
    WrapUpDone,
    BreakDone,
}

/// A step at an instant; steps at the same instant run in the order they were scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scheduled {
    at: i64,
    order: u64,
    step: Step,
}

impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        // The heap is a max-heap: the earliest step is the greatest.
        (other.at, other.order).cmp(&(self.at, self.order))
    }
}

impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// An example call the banner prints: in progress until `ends_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExampleCall {
    /// Its key.
    pub key: CallKey,
    /// The agent talking with it.
    pub agent: AgentKey,
    /// When it ends (epoch ms).
    pub ends_ms: i64,
}

/// What a simulation is doing, for the sandbox and the banner.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulationStatus {
    /// Whether it is paused.
    pub paused: bool,
    /// Calls arriving per minute over all VDNs.
    pub arrivals_per_minute: f64,
    /// VDNs simulated.
    pub vdns: usize,
    /// Agents simulated (signed in or on a break).
    pub agents: usize,
    /// Simulated calls in progress.
    pub calls_in_progress: usize,
    /// Calls that arrived since the start (warm-up included).
    pub calls_arrived: u64,
    /// Calls that ended since the start.
    pub calls_ended: u64,
    /// The clock reading it has advanced to (epoch ms).
    pub now_ms: i64,
    /// The seed.
    pub seed: u64,
}

/// A simulated contact center over a store.
#[derive(Debug)]
pub struct Simulation {
    store: Arc<EmbeddedStore>,
    settings: SimulationSettings,
    rng: Rng,
    keys: Vec<(CcId, Vdn)>,
    steps: BinaryHeap<Scheduled>,
    order: u64,
    calls: HashMap<u64, SimCall>,
    agents: Vec<SimAgent>,
    /// Per (VDN, skill): the idle agents, longest idle first.
    idle: Vec<BTreeSet<(i64, usize)>>,
    /// Per (VDN, skill): the queued calls, first come first.
    queues: Vec<VecDeque<u64>>,
    next_call: u64,
    /// The exact instant (epoch ms) of the next arrival; its step runs at its second, and
    /// the one after is drawn from here, so that arrivals within a second add up.
    arrival_at: i64,
    arrival_generation: u32,
    arrivals_per_minute: f64,
    paused_at: Option<i64>,
    now: i64,
    examples: Vec<ExampleCall>,
    arrived: u64,
    ended: u64,
}

/// A whole second at or before `ms`.
fn second_of(ms: i64) -> i64 {
    ms.div_euclid(SECOND) * SECOND
}

impl Simulation {
    /// A contact center of `settings` over `store`, its agents signed in, run from
    /// `warm_up_minutes` before `now_ms` to `now_ms`. `settings` must have passed
    /// [`SimulationSettings::problem`]; VDNs it cannot name are left out.
    pub fn start(store: Arc<EmbeddedStore>, settings: &SimulationSettings, now_ms: i64) -> Self {
        let keys: Vec<(CcId, Vdn)> = settings
            .vdns
            .iter()
            .filter_map(|&(cc, vdn)| {
                Some((
                    CcId::new(i64::from(cc)).ok()?,
                    Vdn::new(i64::from(vdn)).ok()?,
                ))
            })
            .collect();
        let begin = second_of(now_ms) - i64::from(settings.warm_up_minutes) * 60 * SECOND;
        let mut simulation = Self {
            store,
            settings: settings.clone(),
            rng: Rng::with_seed(settings.seed),
            idle: vec![BTreeSet::new(); keys.len() * SKILLS.len()],
            queues: vec![VecDeque::new(); keys.len() * SKILLS.len()],
            keys,
            steps: BinaryHeap::new(),
            order: 0,
            calls: HashMap::new(),
            agents: Vec::new(),
            next_call: 1,
            arrival_at: begin,
            arrival_generation: 0,
            arrivals_per_minute: settings.arrivals_per_minute,
            paused_at: None,
            now: begin,
            examples: Vec::new(),
            arrived: 0,
            ended: 0,
        };
        simulation.sign_in_agents(begin);
        simulation.start_examples(begin, second_of(now_ms));
        simulation.schedule_arrival(begin);
        simulation.advance(now_ms);
        simulation
    }

    /// Runs every step up to the clock reading `now_ms`; returns how many ran. A paused
    /// simulation runs none.
    pub fn advance(&mut self, now_ms: i64) -> usize {
        if self.paused_at.is_some() {
            return 0;
        }
        let mut ran = 0;
        while let Some(next) = self.steps.peek().copied() {
            if next.at > now_ms {
                break;
            }
            self.steps.pop();
            self.now = next.at;
            self.run(next.step);
            ran += 1;
        }
        self.now = self.now.max(now_ms);
        self.store.records().expire(now_ms);
        ran
    }

    /// Stops arrivals and every move at `now_ms` (calls stay where they are; their
    /// durations still grow, since the clock runs); `false` if already paused.
    pub fn pause(&mut self, now_ms: i64) -> bool {
        if self.paused_at.is_some() {
            return false;
        }
        self.advance(now_ms);
        self.paused_at = Some(now_ms);
        true
    }

    /// Resumes at `now_ms`: every pending step moves later by the pause; `false` if it was
    /// not paused.
    pub fn resume(&mut self, now_ms: i64) -> bool {
        let Some(paused_at) = self.paused_at.take() else {
            return false;
        };
        let shift = second_of((now_ms - paused_at).max(0));
        self.steps = self
            .steps
            .drain()
            .map(|step| Scheduled {
                at: step.at + shift,
                ..step
            })
            .collect();
        self.arrival_at += shift;
        self.now = self.now.max(now_ms);
        true
    }

    /// Sets how many calls arrive per minute from `now_ms` on (0 stops arrivals).
    pub fn set_arrivals_per_minute(&mut self, per_minute: f64, now_ms: i64) {
        self.advance(now_ms);
        self.arrivals_per_minute = per_minute.clamp(0.0, settings::MAX_ARRIVALS_PER_MINUTE);
        self.arrival_generation = self.arrival_generation.wrapping_add(1);
        let from = if self.paused_at.is_some() {
            self.now
        } else {
            second_of(now_ms)
        };
        self.schedule_arrival(from);
    }

    /// What it is doing.
    pub fn status(&self) -> SimulationStatus {
        SimulationStatus {
            paused: self.paused_at.is_some(),
            arrivals_per_minute: self.arrivals_per_minute,
            vdns: self.keys.len(),
            agents: self.agents.len(),
            calls_in_progress: self.calls.len(),
            calls_arrived: self.arrived,
            calls_ended: self.ended,
            now_ms: self.now,
            seed: self.settings.seed,
        }
    }

    /// The example calls, in progress until their `ends_ms` (unless ended by hand).
    pub fn examples(&self) -> &[ExampleCall] {
        &self.examples
    }

    /// The simulated agents' keys.
    pub fn agent_keys(&self) -> impl Iterator<Item = AgentKey> + '_ {
        self.agents.iter().map(|agent| self.agent_key(agent))
    }

    fn agent_key(&self, agent: &SimAgent) -> AgentKey {
        let (cc_id, vdn) = self.keys[agent.vdn];
        AgentKey {
            cc_id,
            vdn,
            agent_id: agent.id,
        }
    }

    fn schedule(&mut self, at: i64, step: Step) {
        self.order += 1;
        self.steps.push(Scheduled {
            at: second_of(at),
            order: self.order,
            step,
        });
    }

    /// A random whole number of seconds, exponentially distributed around `mean`, at
    /// least `min`.
    fn seconds_around(&mut self, mean: u32, min: i64) -> i64 {
        let u = self.rng.f64().max(1e-12);
        #[allow(clippy::cast_possible_truncation, reason = "bounded by 40 means")]
        let drawn = (-u.ln() * f64::from(mean)).min(f64::from(mean) * 40.0) as i64;
        drawn.max(min) * SECOND
    }

    fn schedule_arrival(&mut self, from: i64) {
        if self.arrivals_per_minute <= 0.0 || self.keys.is_empty() {
            return;
        }
        let mean_gap_ms = 60_000.0 / self.arrivals_per_minute;
        let u = self.rng.f64().max(1e-12);
        #[allow(clippy::cast_possible_truncation, reason = "a gap of at most hours")]
        let gap = (-u.ln() * mean_gap_ms).min(86_400_000.0) as i64;
        self.arrival_at = from + gap;
        self.schedule(self.arrival_at, Step::Arrival(self.arrival_generation));
    }

    fn sign_in_agents(&mut self, at: i64) {
        for vdn in 0..self.keys.len() {
            for n in 0..self.settings.agents_per_vdn {
                let Ok(id) = AgentId::new(1001 + i64::from(n)) else {
                    continue;
                };
                let index = self.agents.len();
                let skill = usize::try_from(n).unwrap_or(0) % SKILLS.len();
                self.agents.push(SimAgent {
                    id,
                    vdn,
                    skill,
                    state: AgentState::Idle { since: at },
                    call: None,
                    private_queue: VecDeque::new(),
                    generation: 0,
                });
                self.idle[vdn * SKILLS.len() + skill].insert((at, index));
                let key = self.agent_key(&self.agents[index]);
                self.store.sign_in_agent(key);
            }
        }
    }

    fn start_examples(&mut self, at: i64, start: i64) {
        let ends = start + i64::from(self.settings.example_minutes) * 60 * SECOND;
        for n in 0..self.settings.example_calls {
            let vdn = n % self.keys.len().max(1);
            // The first agents of a VDN: n-th example at the (n / vdns)-th of its agents.
            let agent = vdn * self.settings.agents_per_vdn as usize + n / self.keys.len().max(1);
            if agent >= self.agents.len() {
                break;
            }
            let id = self.new_call(vdn, self.agents[agent].skill, at, CallDirection::Inbound);
            let Some(call) = self.calls.get_mut(&id) else {
                continue;
            };
            call.example = true;
            call.talk_left = ends - at;
            let key = call.key;
            self.take_idle(agent);
            self.agents[agent].state = AgentState::Busy;
            self.agents[agent].call = Some(id);
            self.set_phase(id, Phase::Talking { agent, since: at });
            self.write(id, EnterReason::Normal);
            let generation = self.generation(id);
            self.schedule(ends, Step::Call(id, generation, CallStep::HangUp));
            let agent_key = self.agent_key(&self.agents[agent]);
            self.examples.push(ExampleCall {
                key,
                agent: agent_key,
                ends_ms: ends,
            });
        }
    }

    /// A new call of VDN `vdn` for `skill`, arriving at `at`, not yet written.
    fn new_call(&mut self, vdn: usize, skill: usize, at: i64, direction: CallDirection) -> u64 {
        let id = self.next_call;
        self.next_call += 1;
        self.arrived += 1;
        let (cc_id, vdn_id) = self.keys[vdn];
        // The sequence part wraps below 10^9, so that the ID stays within 20 characters.
        let Ok(call_id) = CallId::parse(&format!("{}-{}", at / SECOND, id % 1_000_000_000)) else {
            return id;
        };
        let media = SKILLS[skill].media;
        let rng = &mut self.rng;
        let fixed = Fixed {
            dsn: i64::try_from(id % 65_535 + 1).unwrap_or(1),
            server: rng.i64(1..=4),
            calling: format!("13{:09}", rng.u32(0..1_000_000_000)),
            called: format!("40{:02}{:04}", cc_id.get() % 100, vdn_id.get()),
            trunk: rng.i64(0..=511),
            priority: if rng.u8(0..10) == 0 {
                rng.i64(1..=5)
            } else {
                0
            },
            direction,
            feature: if rng.u8(0..20) == 0 {
                CallFeature::Toll
            } else {
                CallFeature::Ordinary
            },
            submedia: (media == MediaType::SocialChat).then(|| rng.i64(1..=9)),
            call_data: if rng.u8(0..4) == 0 {
                format!("orderId={}", rng.u32(100_000..1_000_000))
            } else {
                String::new()
            },
            devices: 1,
            enter_reason: EnterReason::Normal,
        };
        let (called, calling) = if direction == CallDirection::Outbound {
            (fixed.calling.clone(), fixed.called.clone())
        } else {
            (fixed.called.clone(), fixed.calling.clone())
        };
        self.calls.insert(
            id,
            SimCall {
                key: CallKey {
                    cc_id,
                    vdn: vdn_id,
                    call_id,
                },
                vdn,
                skill,
                phase: Phase::Ivr,
                generation: 0,
                arrived: at,
                waited: 0,
                talked: 0,
                talk_left: 0,
                example: false,
                written: false,
                fixed: Fixed {
                    calling,
                    called,
                    ..fixed
                },
            },
        );
        id
    }

    fn generation(&self, id: u64) -> u32 {
        self.calls.get(&id).map_or(0, |call| call.generation)
    }

    /// Moves a call to `phase`, folding the time of the phase it leaves into its totals.
    fn set_phase(&mut self, id: u64, phase: Phase) {
        let now = self.now;
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        match call.phase {
            Phase::Queued { since } | Phase::PrivateQueued { since, .. } => {
                call.waited += (now - since) / SECOND;
            }
            Phase::Talking { since, .. } | Phase::Held { since, .. } => {
                call.talked += (now - since) / SECOND;
            }
            Phase::Ivr | Phase::Ringing { .. } => {}
        }
        let moves = !matches!(
            (call.phase, phase),
            (Phase::Ringing { agent: a }, Phase::Talking { agent: b, .. }) if a == b
        ) && !matches!(
            (call.phase, phase),
            (Phase::Talking { agent: a, .. }, Phase::Held { agent: b, .. })
                | (Phase::Held { agent: a, .. }, Phase::Talking { agent: b, .. }) if a == b
        );
        if moves && call.generation > 0 {
            call.fixed.devices += 1;
        }
        call.phase = phase;
        call.generation = call.generation.wrapping_add(1);
    }

    /// Whether a queued call is still the simulation's: the sandbox may have ended it,
    /// and a call it ended never comes back.
    fn still_there(&mut self, id: u64) -> bool {
        let Some(call) = self.calls.get(&id) else {
            return false;
        };
        if !call.written || self.store.contains(&call.key) {
            return true;
        }
        self.calls.remove(&id);
        false
    }

    /// Writes a call as it now is: added at its first write, changed (its journey leaving
    /// the device it was at for `leave_reason`) at the others.
    fn write(&mut self, id: u64, leave_reason: EnterReason) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let record = call.record(&self.agents, self.now);
        if call.written {
            self.store
                .replace_at(&record, self.now, leave_reason.code());
        } else if self.store.add_at(&record, self.now).is_ok() {
            call.written = true;
        } else {
            // A key the sandbox already used: the simulated call is dropped, and what it
            // held (an agent, a place in a queue) is let go.
            self.forget(id);
        }
    }

    fn end(&mut self, id: u64, cause: EnterReason) {
        if let Some(call) = self.calls.remove(&id) {
            self.ended += 1;
            self.store.end_at(&call.key, self.now, Some(cause.code()));
        }
    }

    fn run(&mut self, step: Step) {
        match step {
            Step::Arrival(generation) => {
                if generation == self.arrival_generation {
                    self.arrive();
                }
            }
            Step::Call(id, generation, step) => {
                let Some(call) = self.calls.get(&id) else {
                    return;
                };
                if call.generation != generation {
                    return;
                }
                if !self.store.contains(&call.key) {
                    // Ended through the sandbox: free its agent.
                    self.forget(id);
                    return;
                }
                self.call_step(id, step);
            }
            Step::Agent(index, generation, step) => {
                if self
                    .agents
                    .get(index)
                    .is_some_and(|a| a.generation == generation)
                {
                    match step {
                        AgentStep::WrapUpDone => self.wrap_up_done(index),
                        AgentStep::BreakDone => self.break_done(index),
                    }
                }
            }
        }
    }

    fn arrive(&mut self) {
        let at = self.now;
        self.schedule_arrival(self.arrival_at);
        let vdn = self.rng.usize(0..self.keys.len());
        let skill = match self.rng.u8(0..100) {
            0..45 => 0,
            45..85 => 1,
            _ => 2,
        };
        let id = self.new_call(vdn, skill, at, CallDirection::Inbound);
        if SKILLS[skill].media == MediaType::SocialChat {
            // A chat asks for an agent at once.
            self.route(id, EnterReason::Normal, EnterReason::Normal);
            return;
        }
        self.write(id, EnterReason::Normal);
        let stay = self.seconds_around(self.settings.mean_ivr_secs, 2);
        let generation = self.generation(id);
        self.schedule(at + stay, Step::Call(id, generation, CallStep::LeaveIvr));
    }

    /// Sends a call to its skill: to the longest idle agent, else into the queue.
    fn route(&mut self, id: u64, enter: EnterReason, leave: EnterReason) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let slot = call.vdn * SKILLS.len() + call.skill;
        if let Some(&(since, agent)) = self.idle[slot].iter().next() {
            self.idle[slot].remove(&(since, agent));
            self.ring(id, agent, enter, leave);
            return;
        }
        let now = self.now;
        self.set_enter(id, enter);
        self.set_phase(id, Phase::Queued { since: now });
        self.queues[slot].push_back(id);
        self.write(id, leave);
        let patience = self.seconds_around(self.settings.mean_patience_secs, 5);
        let generation = self.generation(id);
        self.schedule(
            now + patience,
            Step::Call(id, generation, CallStep::Abandon),
        );
    }

    fn set_enter(&mut self, id: u64, reason: EnterReason) {
        if let Some(call) = self.calls.get_mut(&id) {
            call.fixed.enter_reason = reason;
        }
    }

    fn take_idle(&mut self, agent: usize) {
        if let AgentState::Idle { since } = self.agents[agent].state {
            let slot = self.agents[agent].vdn * SKILLS.len() + self.agents[agent].skill;
            self.idle[slot].remove(&(since, agent));
        }
    }

    /// Rings `agent` (already out of the idle set) with a call.
    fn ring(&mut self, id: u64, agent: usize, enter: EnterReason, leave: EnterReason) {
        let now = self.now;
        self.agents[agent].state = AgentState::Busy;
        self.agents[agent].call = Some(id);
        self.agents[agent].generation = self.agents[agent].generation.wrapping_add(1);
        self.set_enter(id, enter);
        self.set_phase(id, Phase::Ringing { agent });
        self.write(id, leave);
        let generation = self.generation(id);
        if self.rng.u8(0..25) == 0 {
            self.schedule(
                now + 15 * SECOND,
                Step::Call(id, generation, CallStep::NoAnswer),
            );
        } else {
            let ring = self.rng.i64(2..=8) * SECOND;
            self.schedule(now + ring, Step::Call(id, generation, CallStep::Answer));
        }
    }

    fn call_step(&mut self, id: u64, step: CallStep) {
        let now = self.now;
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let (phase, example, direction) = (call.phase, call.example, call.fixed.direction);
        match (step, phase) {
            (CallStep::LeaveIvr, Phase::Ivr) => {
                if self.rng.u8(0..12) == 0 {
                    self.end(id, EnterReason::UserHungUpBeforeAnswer);
                } else {
                    self.route(id, EnterReason::Normal, EnterReason::Normal);
                }
            }
            (CallStep::Abandon, Phase::Queued { .. }) => {
                let slot = self.slot_of(id);
                self.queues[slot].retain(|queued| *queued != id);
                self.end(id, EnterReason::UserHungUpBeforeAnswer);
            }
            (CallStep::Abandon, Phase::PrivateQueued { agent, .. }) => {
                self.agents[agent]
                    .private_queue
                    .retain(|queued| *queued != id);
                self.end(id, EnterReason::UserHungUpBeforeAnswer);
            }
            (CallStep::Answer, Phase::Ringing { agent }) => {
                self.set_phase(id, Phase::Talking { agent, since: now });
                self.write(id, EnterReason::Normal);
                let talk = self.seconds_around(self.settings.mean_talk_secs, 5);
                if let Some(call) = self.calls.get_mut(&id) {
                    call.talk_left = talk;
                }
                let generation = self.generation(id);
                let next = match self.rng.u8(0..100) {
                    0..12 => CallStep::Hold,
                    12..19 if direction == CallDirection::Inbound => CallStep::Transfer,
                    _ => CallStep::HangUp,
                };
                let at = if next == CallStep::Hold {
                    now + talk / 2
                } else {
                    now + talk
                };
                self.schedule(at, Step::Call(id, generation, next));
            }
            (CallStep::NoAnswer, Phase::Ringing { agent }) => {
                self.agents[agent].call = None;
                self.become_idle(agent);
                if direction == CallDirection::Outbound {
                    self.end(id, EnterReason::UserNoAnswer);
                } else {
                    self.route(id, EnterReason::AgentNoAnswer, EnterReason::AgentNoAnswer);
                }
            }
            (CallStep::Hold, Phase::Talking { agent, .. }) if !example => {
                self.set_phase(id, Phase::Held { agent, since: now });
                self.write(id, EnterReason::Hold);
                let held = self.rng.i64(10..=40) * SECOND;
                let generation = self.generation(id);
                self.schedule(now + held, Step::Call(id, generation, CallStep::Retrieve));
            }
            (CallStep::Retrieve, Phase::Held { agent, .. }) => {
                self.set_phase(id, Phase::Talking { agent, since: now });
                self.write(id, EnterReason::HoldRetrieved);
                let left = self.calls.get(&id).map_or(0, |call| call.talk_left / 2);
                let generation = self.generation(id);
                self.schedule(now + left, Step::Call(id, generation, CallStep::HangUp));
            }
            (CallStep::Transfer, Phase::Talking { agent, .. }) => self.transfer(id, agent),
            (CallStep::HangUp, Phase::Talking { agent, .. } | Phase::Held { agent, .. }) => {
                let cause = if self.rng.u8(0..10) < 7 {
                    EnterReason::UserHungUpAfterAnswer
                } else {
                    EnterReason::AgentReleased
                };
                self.end(id, cause);
                self.wrap_up(agent);
            }
            _ => {}
        }
    }

    fn slot_of(&self, id: u64) -> usize {
        self.calls
            .get(&id)
            .map_or(0, |call| call.vdn * SKILLS.len() + call.skill)
    }

    /// Transfers a call from `from` to another agent of its VDN: rung if idle, into its
    /// private queue if it is busy or wrapping up, back to the skill if it is on a break.
    fn transfer(&mut self, id: u64, from: usize) {
        let vdn = self.agents[from].vdn;
        let per_vdn = self.settings.agents_per_vdn as usize;
        let to = vdn * per_vdn + self.rng.usize(0..per_vdn);
        self.agents[from].call = None;
        self.wrap_up(from);
        if to == from {
            self.route(id, EnterReason::Normal, EnterReason::TransferredOut);
            return;
        }
        match self.agents[to].state {
            AgentState::Idle { .. } => {
                self.take_idle(to);
                self.ring(id, to, EnterReason::Normal, EnterReason::TransferredOut);
            }
            AgentState::Busy | AgentState::WrapUp => {
                let now = self.now;
                self.set_enter(id, EnterReason::Normal);
                self.set_phase(
                    id,
                    Phase::PrivateQueued {
                        agent: to,
                        since: now,
                    },
                );
                self.agents[to].private_queue.push_back(id);
                self.write(id, EnterReason::TransferredOut);
                let patience = self.seconds_around(self.settings.mean_patience_secs, 5);
                let generation = self.generation(id);
                self.schedule(
                    now + patience,
                    Step::Call(id, generation, CallStep::Abandon),
                );
            }
            AgentState::OnBreak => self.route(id, EnterReason::Normal, EnterReason::TransferredOut),
        }
    }

    fn wrap_up(&mut self, agent: usize) {
        let now = self.now;
        let a = &mut self.agents[agent];
        a.call = None;
        a.state = AgentState::WrapUp;
        a.generation = a.generation.wrapping_add(1);
        let generation = a.generation;
        let at = now + i64::from(self.settings.wrap_up_secs) * SECOND;
        self.schedule(at, Step::Agent(agent, generation, AgentStep::WrapUpDone));
    }

    fn wrap_up_done(&mut self, agent: usize) {
        if self.agents[agent].private_queue.is_empty() && self.rng.u8(0..50) == 0 {
            let key = self.agent_key(&self.agents[agent]);
            if self.store.sign_out_agent(&key).is_ok() {
                let a = &mut self.agents[agent];
                a.state = AgentState::OnBreak;
                a.generation = a.generation.wrapping_add(1);
                let generation = a.generation;
                let back = self.now + self.rng.i64(5..=15) * 60 * SECOND;
                self.schedule(back, Step::Agent(agent, generation, AgentStep::BreakDone));
                return;
            }
        }
        self.become_idle(agent);
    }

    fn break_done(&mut self, agent: usize) {
        let key = self.agent_key(&self.agents[agent]);
        self.store.sign_in_agent(key);
        self.become_idle(agent);
    }

    /// The agent takes the next call: its private queue first, then its skill's queue; or
    /// now and then places an outbound call; or waits, idle.
    fn become_idle(&mut self, agent: usize) {
        let now = self.now;
        self.agents[agent].generation = self.agents[agent].generation.wrapping_add(1);
        while let Some(id) = self.agents[agent].private_queue.pop_front() {
            if self.still_there(id) {
                self.ring(id, agent, EnterReason::Normal, EnterReason::Normal);
                return;
            }
        }
        let slot = self.agents[agent].vdn * SKILLS.len() + self.agents[agent].skill;
        while let Some(id) = self.queues[slot].pop_front() {
            if self.still_there(id) {
                self.ring(id, agent, EnterReason::Normal, EnterReason::Normal);
                return;
            }
        }
        if SKILLS[self.agents[agent].skill].media == MediaType::Voice && self.rng.u8(0..20) == 0 {
            let (vdn, skill) = (self.agents[agent].vdn, self.agents[agent].skill);
            let id = self.new_call(vdn, skill, now, CallDirection::Outbound);
            self.agents[agent].state = AgentState::Busy;
            self.agents[agent].call = Some(id);
            self.set_phase(id, Phase::Ringing { agent });
            self.write(id, EnterReason::Normal);
            let generation = self.generation(id);
            let step = if self.rng.u8(0..10) < 7 {
                CallStep::Answer
            } else {
                CallStep::NoAnswer
            };
            let after = self.rng.i64(5..=20) * SECOND;
            self.schedule(now + after, Step::Call(id, generation, step));
            return;
        }
        self.agents[agent].state = AgentState::Idle { since: now };
        self.idle[slot].insert((now, agent));
    }

    /// A call the sandbox ended: its agent wraps up, its queue forgets it.
    fn forget(&mut self, id: u64) {
        let Some(call) = self.calls.remove(&id) else {
            return;
        };
        match call.phase {
            Phase::Queued { .. } => {
                let slot = call.vdn * SKILLS.len() + call.skill;
                self.queues[slot].retain(|queued| *queued != id);
            }
            Phase::PrivateQueued { agent, .. } => {
                self.agents[agent]
                    .private_queue
                    .retain(|queued| *queued != id);
            }
            Phase::Ringing { agent } | Phase::Talking { agent, .. } | Phase::Held { agent, .. } => {
                if self.agents[agent].call == Some(id) {
                    self.wrap_up(agent);
                }
            }
            Phase::Ivr => {}
        }
    }
}

/// A simulation shared by its driver and the sandbox.
pub type SharedSimulation = Arc<Mutex<Simulation>>;

/// Locks a shared simulation (a step that panicked leaves a consistent one behind: each
/// step's store writes are whole).
pub fn lock(simulation: &Mutex<Simulation>) -> std::sync::MutexGuard<'_, Simulation> {
    simulation.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Advances the simulation to `clock` every `tick` on a thread of its own, until the
/// simulation is dropped. A manual clock needs none: whoever advances it advances the
/// simulation.
pub fn drive(
    simulation: &SharedSimulation,
    clock: Clock,
    tick: Duration,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let weak: Weak<Mutex<Simulation>> = Arc::downgrade(simulation);
    std::thread::Builder::new()
        .name("calldata-simulation".into())
        .spawn(move || {
            while let Some(simulation) = weak.upgrade() {
                lock(&simulation).advance(clock.now_ms());
                drop(simulation);
                std::thread::sleep(tick);
            }
        })
}
