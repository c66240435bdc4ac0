//! Deterministic demo calls: a seeded generator of realistic in-progress calls.
//!
//! The same [`DemoSettings`] always produce the same calls, on every machine and every run:
//! the generator uses only its seed and a fixed base instant ([`BASE_MILLIS`],
//! 2025-12-01T00:00:00Z), never the real clock. Keys are unique because the sequence part of
//! each call ID is the call's index, not a random number.
//!
//! Agents: calls `2n` and `2n + 1` go to agent `1001 + n` (past 59999, on from 70000), so
//! an agent has one or two calls of its VDN, at it (talking, alerting, held, ...) or in its
//! private queue; [`demo_agents`] adds ten agents with no call to every demo VDN.

use calldata_model::call::CALL_IN_CAUSE_UNSET;
use calldata_model::{
    AgentId, AgentKey, BasicCallInfo, CallDirection, CallFeature, CallId, CallKey, CallStatus,
    CcId, DeviceType, EnterReason, MediaType, Vdn,
};
use fastrand::Rng;

use super::placement::CallExtras;
use super::record::CallRecord;

/// The call centers and VDNs the demo calls are spread over.
pub const DEMO_VDNS: [(u16, u16); 6] = [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)];

/// The agents with no call that every demo VDN has: 101..=110.
pub const IDLE_DEMO_AGENTS: std::ops::RangeInclusive<u32> = 101..=110;

/// The fixed "now" of the demo data: 2025-12-01T00:00:00Z in epoch milliseconds.
pub const BASE_MILLIS: u64 = 1_764_547_200_000;

/// How far before [`BASE_MILLIS`] a demo call may have started: four hours.
pub const MAX_AGE_MILLIS: u64 = 4 * 60 * 60 * 1000;

/// The most calls one generator can produce with unique call IDs of at most 20 characters.
pub const MAX_DEMO_CALLS: usize = 1_000_000_000;

/// Call indexes below this get a millisecond start time (`1764546000123-42`); from here on
/// the start is written in seconds so that the longer sequence still fits in 20 characters.
const MILLIS_FORM_LIMIT: usize = 1_000_000;

/// How many demo calls to make and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSettings {
    /// Number of calls (at most [`MAX_DEMO_CALLS`]; more are not generated).
    pub count: usize,
    /// Seed of the random generator; the same seed gives the same calls.
    pub seed: u64,
}

impl Default for DemoSettings {
    fn default() -> Self {
        Self {
            count: 1000,
            seed: 42,
        }
    }
}

/// The demo calls for `settings`, generated lazily one at a time.
pub fn demo_records(settings: &DemoSettings) -> impl Iterator<Item = CallRecord> + use<> {
    let mut rng = Rng::with_seed(settings.seed);
    // `demo_record` only returns `None` if a documented range changed; a test counts calls.
    (0..settings.count.min(MAX_DEMO_CALLS)).filter_map(move |index| demo_record(&mut rng, index))
}

/// The demo agents with no call ([`IDLE_DEMO_AGENTS`] in every VDN of [`DEMO_VDNS`]);
/// the agents with calls are signed in by their calls.
pub fn demo_agents(_settings: &DemoSettings) -> impl Iterator<Item = AgentKey> + use<> {
    DEMO_VDNS.into_iter().flat_map(|(cc_id, vdn)| {
        IDLE_DEMO_AGENTS.filter_map(move |agent_id| {
            Some(AgentKey {
                cc_id: CcId::new(i64::from(cc_id)).ok()?,
                vdn: Vdn::new(i64::from(vdn)).ok()?,
                agent_id: AgentId::new(i64::from(agent_id)).ok()?,
            })
        })
    })
}

/// The agent of demo call `index`: two calls an agent, from 1001 on.
fn demo_agent(index: usize) -> i64 {
    let n = i64::try_from(index / 2).unwrap_or(i64::MAX);
    if n < 59_999 - 1001 + 1 {
        1001 + n
    } else {
        70_000 + (n - (59_999 - 1001 + 1)) % 930_000
    }
}

/// Where a demo call is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Spot {
    Agent,
    PrivateQueue,
    SkillQueue,
    IvrFlow,
}

/// The first `n` keys the generator produces for `settings` (fewer if `count` is smaller).
pub fn sample_keys(settings: &DemoSettings, n: usize) -> Vec<CallKey> {
    demo_records(settings)
        .take(n)
        .map(|record| record.key)
        .collect()
}

/// One demo call; `index` becomes the sequence part of its call ID.
///
/// Every identifier and code is picked from fixed, valid values, so this never returns
/// `None`; the `Option` keeps the generator free of panics.
fn demo_record(rng: &mut Rng, index: usize) -> Option<CallRecord> {
    // Weighted over DEMO_VDNS.
    let cc_id = CcId::new(weighted(rng, &[(85, 1), (15, 2)])?).ok()?;
    let vdn = Vdn::new(weighted(rng, &[(60, 1), (25, 2), (15, 3)])?).ok()?;
    let media_type = pick_media_type(rng)?;
    let spot = pick_spot(rng)?;
    let (device_type, device_no, party_num, status) = match spot {
        Spot::Agent => (DeviceType::Agent, demo_agent(index), 2, pick_status(rng)?),
        Spot::PrivateQueue => (
            DeviceType::SkillQueue,
            demo_agent(index),
            1,
            CallStatus::QueuedPrivately,
        ),
        Spot::SkillQueue => (
            DeviceType::SkillQueue,
            rng.i64(1..=40),
            1,
            CallStatus::QueuedInSkill,
        ),
        Spot::IvrFlow => (DeviceType::IvrFlow, rng.i64(1..=8), 1, CallStatus::Occupied),
    };
    let wait_time = rng.i64(0..=300);
    // Only a call answered at an agent has been talking.
    let total_talking_times = if spot == Spot::Agent && status != CallStatus::Alerting {
        rng.i64(0..=1800)
    } else {
        0
    };
    let logon_times = wait_time + total_talking_times + rng.i64(1..=15);
    // The call started at least `logon_times` seconds before the base instant.
    let logon_millis = logon_times.unsigned_abs() * 1000;
    let start_millis = BASE_MILLIS - rng.u64(logon_millis..=MAX_AGE_MILLIS);
    let call_id = make_call_id(start_millis, index)?;
    let call_skill = pick_skill(rng, media_type)?;
    let priority = if call_skill == "vipVoice" {
        rng.i64(3..=5)
    } else if rng.u8(0..10) == 0 {
        rng.i64(1..=2)
    } else {
        0
    };
    let key_id = if rng.bool() {
        String::new()
    } else {
        format!("{:016x}", rng.u64(1 << 60..))
    };
    let orgi_called_num = if rng.u8(0..10) == 0 {
        digits(rng, 8, 16)
    } else {
        String::new()
    };
    let call_in_cause = if rng.u8(0..10) == 0 {
        rng.i64(1..=127)
    } else {
        CALL_IN_CAUSE_UNSET
    };
    let call = BasicCallInfo {
        time: i64::try_from(start_millis).ok(),
        dsn: Some(rng.i64(1..=65_535)),
        handle: Some(rng.i64(0..=20)),
        server: Some(rng.i64(1..=4)),
        key_id,
        calling_num: digits(rng, 8, 16),
        called_num: digits(rng, 8, 16),
        mid: Some(rng.i64(1..=8)),
        trunk_no: Some(rng.i64(0..=511)),
        priority: Some(priority),
        device_type: Some(device_type),
        device_no: Some(device_no),
        call_skill: call_skill.to_owned(),
        party_num: Some(party_num),
        call_feature: Some(pick_call_feature(rng)?),
        orgi_called_num,
        media_type: Some(media_type),
        place: Some(rng.i64(0..=3)),
        wait_time: Some(wait_time),
        total_talking_times: Some(total_talking_times),
        logon_times: Some(logon_times),
        service_type: Some(if rng.u8(0..5) == 0 { rng.i64(1..=9) } else { 0 }),
        call_in_cause: Some(call_in_cause),
        enter_reason: Some(pick_enter_reason(rng)?),
        media_bill_type: Some(if media_type == MediaType::Voice {
            0
        } else {
            rng.i64(1..=3)
        }),
    };
    let key = CallKey {
        cc_id,
        vdn,
        call_id,
    };
    let extras = demo_extras(rng, &call, status);
    Some(CallRecord::new(key, call).with_extras(extras))
}

/// What the detail and agent views add to a demo call with this status.
fn demo_extras(rng: &mut Rng, call: &BasicCallInfo, status: CallStatus) -> CallExtras {
    let outbound = call.call_feature == Some(CallFeature::PreviewOutbound) || rng.u8(0..10) == 0;
    CallExtras {
        cb: Some(rng.i64(1..=4_000_000)),
        call_data: if rng.u8(0..5) == 0 {
            format!("orderId={}", rng.u32(100_000..1_000_000))
        } else {
            String::new()
        },
        call_status: Some(status),
        call_in_out: Some(if outbound {
            CallDirection::Outbound
        } else {
            CallDirection::Inbound
        }),
        submedia_type: (call.media_type == Some(MediaType::SocialChat)).then(|| rng.i64(1..=9)),
    }
}

/// `<start ms>-<index>` for the first million calls, `<start s>-<index>` after that.
fn make_call_id(start_millis: u64, index: usize) -> Option<CallId> {
    let text = if index < MILLIS_FORM_LIMIT {
        format!("{start_millis}-{index}")
    } else {
        format!("{}-{index}", start_millis / 1000)
    };
    // At most 13 + 1 + 6 or 10 + 1 + 9 characters, all digits: always a valid call ID.
    CallId::parse(&text).ok()
}

/// Picks one of `choices` with probability proportional to its weight (`None` if all
/// weights are zero).
fn weighted<T: Copy>(rng: &mut Rng, choices: &[(u32, T)]) -> Option<T> {
    let total: u32 = choices.iter().map(|(weight, _)| weight).sum();
    let mut roll = rng.u32(0..total.max(1));
    for &(weight, value) in choices {
        if roll < weight {
            return Some(value);
        }
        roll -= weight;
    }
    None
}

/// Mostly voice, some web chat, click-to-dial, video, email and social chat.
fn pick_media_type(rng: &mut Rng) -> Option<MediaType> {
    weighted(
        rng,
        &[
            (70, MediaType::Voice),
            (12, MediaType::WebChat),
            (8, MediaType::ClickToDial),
            (6, MediaType::VideoCall),
            (4, MediaType::Email),
            (3, MediaType::SocialChat),
        ],
    )
}

/// Mostly at an agent or in a skill queue, some in an IVR flow or a private queue.
fn pick_spot(rng: &mut Rng) -> Option<Spot> {
    weighted(
        rng,
        &[
            (50, Spot::Agent),
            (30, Spot::SkillQueue),
            (10, Spot::IvrFlow),
            (10, Spot::PrivateQueue),
        ],
    )
}

/// What a call at an agent is doing: mostly talking.
fn pick_status(rng: &mut Rng) -> Option<CallStatus> {
    weighted(
        rng,
        &[
            (60, CallStatus::Talking),
            (10, CallStatus::Alerting),
            (10, CallStatus::Held),
            (5, CallStatus::Occupied),
            (5, CallStatus::Suspended),
            (5, CallStatus::Muted),
            (5, CallStatus::ThreeParty),
        ],
    )
}

/// Mostly a normal entry, some overflow, timeout, transfer out and transfer to queue.
fn pick_enter_reason(rng: &mut Rng) -> Option<EnterReason> {
    weighted(
        rng,
        &[
            (80, EnterReason::Normal),
            (5, EnterReason::OverflowTransfer),
            (5, EnterReason::Timeout),
            (5, EnterReason::TransferredOut),
            (5, EnterReason::TransferredToQueue),
        ],
    )
}

/// Mostly ordinary, some from an agent, preview outbound and callback requests.
fn pick_call_feature(rng: &mut Rng) -> Option<CallFeature> {
    weighted(
        rng,
        &[
            (85, CallFeature::Ordinary),
            (5, CallFeature::FromAgent),
            (5, CallFeature::PreviewOutbound),
            (5, CallFeature::CallbackRequest),
        ],
    )
}

/// A skill queue that fits the media type.
fn pick_skill(rng: &mut Rng, media_type: MediaType) -> Option<&'static str> {
    match media_type {
        MediaType::WebChat => Some("salesChat"),
        MediaType::VideoCall => Some("videoSupport"),
        MediaType::Email => Some("emailSupport"),
        _ => weighted(
            rng,
            &[
                (60, "defaultAudioSkill"),
                (30, "billingVoice"),
                (10, "vipVoice"),
            ],
        ),
    }
}

/// A phone number of `min..=max` decimal digits that does not start with 0.
fn digits(rng: &mut Rng, min: usize, max: usize) -> String {
    let len = rng.usize(min..=max);
    let mut text = String::with_capacity(len);
    text.push(char::from(b'1' + rng.u8(0..9)));
    for _ in 1..len {
        text.push(rng.digit(10));
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use calldata_model::CallStart;

    use super::*;

    fn calls(count: usize, seed: u64) -> Vec<CallRecord> {
        demo_records(&DemoSettings { count, seed }).collect()
    }

    #[test]
    fn demo_calls_are_identical_for_the_same_seed() {
        assert_eq!(calls(200, 7), calls(200, 7));
    }

    #[test]
    fn demo_calls_differ_for_another_seed() {
        let first = calls(50, 7);
        let second = calls(50, 8);
        let same = first.iter().zip(&second).filter(|(a, b)| a == b).count();
        assert_eq!(same, 0);
    }

    #[test]
    fn the_default_settings_make_a_thousand_calls_from_seed_42() {
        let settings = DemoSettings::default();
        assert_eq!((settings.count, settings.seed), (1000, 42));
        assert_eq!(demo_records(&settings).count(), 1000);
    }

    #[test]
    fn call_ids_use_the_index_as_sequence_and_start_before_the_base_instant() {
        for (index, record) in calls(300, 1).iter().enumerate() {
            let id = record.key.call_id;
            assert_eq!(id.sequence(), u64::try_from(index).unwrap());
            let CallStart::Milliseconds(start) = id.start() else {
                panic!("{id} should start in milliseconds");
            };
            assert!(
                (BASE_MILLIS - MAX_AGE_MILLIS..BASE_MILLIS).contains(&start),
                "{id}"
            );
            assert_eq!(record.call.time, Some(i64::try_from(start).unwrap()));
            let logon_ms = u64::try_from(record.call.logon_times.unwrap()).unwrap() * 1000;
            assert!(
                start + logon_ms <= BASE_MILLIS,
                "{id} logged on for too long"
            );
        }
    }

    #[test]
    fn call_ids_past_a_million_switch_to_seconds_and_stay_valid() {
        let id = make_call_id(BASE_MILLIS - 1, 123_456_789).unwrap();
        assert_eq!(id.as_str(), "1764547199-123456789");
        assert_eq!(id.start(), CallStart::Seconds(1_764_547_199));
        let last_millis_form = make_call_id(BASE_MILLIS - 1, 999_999).unwrap();
        assert_eq!(last_millis_form.as_str(), "1764547199999-999999");
    }

    #[test]
    fn sample_keys_are_the_first_generated_keys() {
        let settings = DemoSettings { count: 20, seed: 3 };
        let expected: Vec<CallKey> = calls(5, 3).into_iter().map(|r| r.key).collect();
        assert_eq!(sample_keys(&settings, 5), expected);
        assert_eq!(sample_keys(&settings, 100).len(), 20);
    }

    #[test]
    fn demo_keys_are_unique() {
        let records = calls(2000, 11);
        let keys: HashSet<CallKey> = records.iter().map(|r| r.key).collect();
        assert_eq!(keys.len(), records.len());
    }

    #[test]
    fn the_mix_is_mostly_voice_at_call_center_one() {
        let records = calls(2000, 5);
        let voice = records
            .iter()
            .filter(|r| r.call.media_type == Some(MediaType::Voice))
            .count();
        let center_one = records.iter().filter(|r| r.key.cc_id.get() == 1).count();
        assert!((1200..1600).contains(&voice), "{voice} voice calls");
        assert!(
            (1500..1900).contains(&center_one),
            "{center_one} calls at ccId 1"
        );
        assert!(records.iter().any(|r| r.key.cc_id.get() == 2));
        assert!(records.iter().any(|r| r.call.key_id.is_empty()));
        assert!(records.iter().any(|r| r.call.key_id.len() == 16));
    }

    #[test]
    fn the_default_demo_has_calls_in_every_status_at_agents_and_idle_agents() {
        let records: Vec<CallRecord> = demo_records(&DemoSettings::default()).collect();
        for status in CallStatus::DOCUMENTED
            .iter()
            .filter(|status| **status != CallStatus::Idle)
        {
            assert!(
                records
                    .iter()
                    .any(|r| r.extras.call_status == Some(*status)),
                "no demo call is {status}"
            );
        }
        for record in &records {
            assert!(record.extras.placement(&record.call).is_ok(), "{record:?}");
        }
        assert_eq!(demo_agents(&DemoSettings::default()).count(), 60);
        assert!(
            records
                .iter()
                .any(|r| r.call.media_type == Some(MediaType::SocialChat)
                    && r.extras.submedia_type.is_some())
        );
    }

    #[test]
    fn two_calls_go_to_an_agent_and_every_agent_id_is_valid() {
        assert_eq!(
            (demo_agent(0), demo_agent(1), demo_agent(2)),
            (1001, 1001, 1002)
        );
        for index in [0, 117_997, 117_998, 2_000_000, 999_999_999] {
            assert!(AgentId::new(demo_agent(index)).is_ok(), "{index}");
        }
    }

    #[test]
    fn phone_numbers_have_eight_to_sixteen_digits_without_a_leading_zero() {
        let mut rng = Rng::with_seed(9);
        for _ in 0..500 {
            let number = digits(&mut rng, 8, 16);
            assert!((8..=16).contains(&number.len()), "{number}");
            assert!(number.bytes().all(|b| b.is_ascii_digit()), "{number}");
            assert!(!number.starts_with('0'), "{number}");
        }
    }

    #[test]
    fn weighted_choice_never_picks_a_zero_weight() {
        let mut rng = Rng::with_seed(1);
        for _ in 0..1000 {
            assert_eq!(
                weighted(&mut rng, &[(0, 'a'), (3, 'b'), (0, 'c')]),
                Some('b')
            );
        }
        assert_eq!(weighted::<char>(&mut rng, &[]), None);
    }
}
