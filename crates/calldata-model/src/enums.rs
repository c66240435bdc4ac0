//! The coded enumerations of a call record (contract section 4): device type, call feature,
//! media type and the reason a call entered its current device.
//!
//! Every enumeration keeps codes it does not know in `Unknown(code)`, so a newer platform's
//! values round-trip unchanged instead of failing to decode.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Defines a coded enumeration with its documented codes and an `Unknown(i64)` catch-all.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $code:literal => $variant:ident, $description:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( #[doc = $description] $(#[$vmeta])* $variant, )+
            /// A code this version does not document; kept as received.
            Unknown(i64),
        }

        impl $name {
            /// Every documented value, in code order.
            pub const DOCUMENTED: &'static [Self] = &[$( Self::$variant, )+];

            /// The value for a wire code; undocumented codes become `Unknown`.
            pub const fn from_code(code: i64) -> Self {
                match code {
                    $( $code => Self::$variant, )+
                    other => Self::Unknown(other),
                }
            }

            /// The wire code of this value.
            pub const fn code(self) -> i64 {
                match self {
                    $( Self::$variant => $code, )+
                    Self::Unknown(code) => code,
                }
            }

            /// The documented meaning, or `None` for an unknown code.
            pub const fn description(self) -> Option<&'static str> {
                match self {
                    $( Self::$variant => Some($description), )+
                    Self::Unknown(_) => None,
                }
            }

            /// The Rust name of the value (`"SkillQueue"`), or `"Unknown"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => stringify!($variant), )+
                    Self::Unknown(_) => "Unknown",
                }
            }
        }

        impl From<i64> for $name {
            fn from(code: i64) -> Self {
                Self::from_code(code)
            }
        }

        impl From<$name> for i64 {
            fn from(value: $name) -> Self {
                value.code()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.description() {
                    Some(text) => write!(f, "{text} ({})", self.code()),
                    None => write!(f, "unknown ({})", self.code()),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                match crate::lenient::opt_i64(deserializer)? {
                    Some(code) => Ok(Self::from_code(code)),
                    None => Err(serde::de::Error::custom(concat!(
                        "a ", stringify!($name), " code is required"
                    ))),
                }
            }
        }
    };
}

coded_enum! {
    /// Kind of device now handling the call (contract 4.1).
    DeviceType {
        1 => SkillQueue, "skill queue";
        2 => Agent, "agent";
        3 => IvrFlow, "IVR flow";
        5 => InternalCall, "call (internal two-party call)";
        7 => TemporaryRoute, "temporary routing device";
        8 => VirtualDevice, "virtual device";
        10 => Cdn, "CDN device";
        11 => Melcas, "MELCAS device";
        14 => Pgr, "PGR (default CDN route)";
        15 => Conference, "conference";
    }
}

coded_enum! {
    /// Feature of the call (contract 4.2).
    CallFeature {
        0 => Ordinary, "ordinary";
        1 => FromAgent, "from an agent";
        2 => Toll, "toll (long distance)";
        3 => NetworkRouted, "network-routed real call";
        4 => InternationalTollInbound, "international toll inbound";
        40 => ReservedOutbound, "reserved (scheduled) outbound";
        41 => PreOccupiedOutbound, "pre-occupied outbound";
        42 => PreConnectedOutbound, "pre-connected outbound";
        43 => VirtualInOutbound, "virtual in/outbound";
        44 => PreviewOutbound, "preview outbound";
        45 => CallbackRequest, "callback request";
        51 => InternalHelp, "internal help call";
    }
}

coded_enum! {
    /// Media type of the call (contract 4.3).
    MediaType {
        1 => TextChat, "text chat";
        2 => ClickToDial, "click-to-dial";
        3 => CoBrowsing, "co-browsing";
        4 => CallbackRequest, "callback request";
        5 => Voice, "ordinary voice";
        6 => Email, "email";
        7 => Fax, "fax";
        8 => IpVideo, "IP video";
        9 => Whiteboard, "whiteboard";
        10 => ApplicationSharing, "application sharing";
        11 => FileTransfer, "file transfer";
        12 => IsdnVideo2BD, "ISDN video 2B+D";
        13 => IsdnVideo6BD, "ISDN video 6B+D";
        14 => OpsCall, "OPS call";
        15 => PredictiveOutbound, "predictive outbound";
        16 => PreviewOutbound, "preview outbound";
        17 => Message, "message";
        18 => VideoClickToDial, "video click-to-dial";
        19 => VideoCall, "video call";
        20 => WebLeaveMessage, "web leave-message";
        21 => DesktopSharing, "desktop sharing";
        22 => VcCall, "VC call";
        23 => ClassicMediaCount, "classic media count (sentinel)";
        50 => EmailChat, "email chat";
        51 => WebChat, "web chat";
        52 => SmsChat, "SMS chat";
        53 => SocialChat, "social chat";
        54 => FaxChat, "fax chat";
        55 => H5VideoChat, "H5 video chat";
    }
}

coded_enum! {
    /// Why the call entered (or left) its current device (contract 4.4).
    EnterReason {
        0 => Normal, "normal access or transfer";
        1 => OverflowTransfer, "overflow (busy)";
        2 => Timeout, "timeout";
        3 => NoAgentOnDuty, "no agent on duty";
        4 => QueueCancel, "queue cancel";
        5 => AgentNoAnswer, "agent no answer";
        6 => ResumedFromSuspend, "resumed from suspend";
        7 => HeldCallConnected, "held call connected";
        8 => ThreePartyHelp, "three-party help";
        9 => HoldRetrieved, "hold retrieved";
        10 => ThreePartyCall, "three-party call";
        11 => InternalHelpHelperReleased, "internal help, helper released";
        12 => Intercept, "intercept";
        13 => Pickup, "pickup";
        14 => CalledNumberAnalysisMissing, "called-number analysis missing";
        15 => UserReleased, "user released";
        16 => AgentReleased, "agent released";
        17 => TransferredOut, "transferred out";
        18 => Hold, "hold";
        19 => InternalError, "internal error";
        20 => CalledBusy, "called busy";
        22 => MobileOff, "mobile off";
        23 => OutOfCoverage, "out of coverage";
        24 => UnassignedNumber, "unassigned number";
        25 => AcdOutOfResources, "ACD out of resources";
        26 => UserNoAnswer, "user no answer";
        27 => CalledRejected, "called rejected";
        28 => TransferredToQueue, "transferred to queue";
        29 => ThreePartyToQueue, "three-party to queue";
        30 => QueueTransferTimeout, "queue transfer timeout";
        31 => ThreePartyQueueTimeout, "three-party queue timeout";
        34 => NetworkCallFailedQueued, "network call failed, queued";
        35 => NetworkCallReturnedToOriginQueue, "network call returned to origin queue";
        36 => QueuedCallRerouted, "queued call re-routed";
        37 => CdnFromInboundRouting, "CDN from inbound routing";
        38 => CdnFromAgentConsult, "CDN from agent consult";
        39 => CdnReturnedRoute, "CDN returned a route";
        40 => CdnRoutingTimeout, "CDN routing timeout";
        41 => ConsultCancelledOrRoutingFailed, "consult cancelled or routing failed";
        42 => PgrAfterCdnTimeout, "PGR after CDN timeout";
        43 => PgrAfterCdnReturn, "PGR after CDN return";
        44 => PgrFromInboundRouting, "PGR from inbound routing";
        45 => PgrFromAgentConsult, "PGR from agent consult";
        46 => AgentUnreachableCdnReroute, "agent unreachable, CDN re-route";
        47 => QueuedInSeveralQueues, "queued in several queues";
        48 => AnsweredFromSubQueue, "main-queue call answered from a sub-queue";
        49 => AgentRejectedCancel, "agent rejected (cancel)";
        50 => AgentDeclined, "agent declined";
        51 => UserJoinedConference, "user joined conference";
        52 => ChairReleasedConference, "chair released conference or CCS fault";
        53 => ParticipantRemoved, "participant removed";
        54 => TransferOnLowConnectionRate, "transfer on low connection rate";
        88 => UserHungUpAfterAnswer, "user hung up after answer";
        89 => UserHungUpBeforeAnswer, "user hung up before answer";
    }
}

coded_enum! {
    /// What a call is doing at an agent (family.md section 4, `callStatus`).
    CallStatus {
        0 => Idle, "idle";
        1 => Occupied, "occupied";
        2 => QueuedInSkill, "queued in a skill queue";
        3 => QueuedPrivately, "queued in the agent's private queue";
        4 => Alerting, "alerting";
        5 => Talking, "talking";
        6 => Held, "held";
        7 => Suspended, "suspended";
        8 => Muted, "muted";
        9 => ThreeParty, "three-party";
    }
}

coded_enum! {
    /// The call's direction (family.md section 4, `callInOut`).
    CallDirection {
        0 => Inbound, "inbound";
        1 => Outbound, "outbound";
    }
}

coded_enum! {
    /// The kind of a recorded call (the "Description of Call Types" appendix): what a call
    /// detail record's `callType` says.
    CallType {
        0 => NormalInbound, "normal inbound";
        1 => SpecialInbound, "special inbound";
        5 => LongDistanceInbound, "long-distance inbound";
        6 => Internal, "internal";
        7 => ManualOutbound, "manual outbound";
        8 => AgentOutbound, "agent outbound";
        13 => NetworkInbound, "network inbound";
        40 => ScheduledOutbound, "scheduled outbound";
        41 => PreOccupiedOutbound, "pre-occupied outbound";
        42 => PreConnectedOutbound, "pre-connected outbound";
        43 => PredictiveOutbound, "predictive outbound";
        44 => PreviewOutbound, "preview outbound";
        45 => CallbackRequest, "callback request";
    }
}

impl Default for CallType {
    /// A normal inbound call, the kind most records are.
    fn default() -> Self {
        Self::NormalInbound
    }
}

impl CallType {
    /// Whether the call came in (the record interfaces' `isCallIn`): the inbound kinds and
    /// the callback request a customer left; every other kind went out.
    pub const fn is_inbound(self) -> bool {
        matches!(
            self,
            Self::NormalInbound
                | Self::SpecialInbound
                | Self::LongDistanceInbound
                | Self::NetworkInbound
                | Self::CallbackRequest
        )
    }

    /// Whether a detail record of this kind carries the outbound campaign fields
    /// (`beginTime`, `endTime`, `result`, ...): pre-occupied and predictive outbound only.
    pub const fn has_campaign_fields(self) -> bool {
        matches!(self, Self::PreOccupiedOutbound | Self::PredictiveOutbound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_code_counts_match_the_contract() {
        assert_eq!(DeviceType::DOCUMENTED.len(), 10);
        assert_eq!(CallFeature::DOCUMENTED.len(), 12);
        assert_eq!(MediaType::DOCUMENTED.len(), 29);
        assert_eq!(EnterReason::DOCUMENTED.len(), 54);
        assert_eq!(CallStatus::DOCUMENTED.len(), 10);
        assert_eq!(CallDirection::DOCUMENTED.len(), 2);
        assert_eq!(CallType::DOCUMENTED.len(), 13);
    }

    #[test]
    fn every_documented_code_maps_back_to_itself() {
        for value in DeviceType::DOCUMENTED {
            assert_eq!(DeviceType::from_code(value.code()), *value);
        }
        for value in EnterReason::DOCUMENTED {
            assert_eq!(EnterReason::from_code(value.code()), *value);
        }
    }

    #[test]
    fn unknown_codes_round_trip_through_json() {
        let value: MediaType = serde_json::from_str("77").unwrap();
        assert_eq!(value, MediaType::Unknown(77));
        assert_eq!(serde_json::to_string(&value).unwrap(), "77");
        let value: EnterReason = serde_json::from_str("\"21\"").unwrap();
        assert_eq!(value, EnterReason::Unknown(21));
        assert_eq!(value.to_string(), "unknown (21)");
    }

    #[test]
    fn display_names_the_meaning_and_the_code() {
        assert_eq!(DeviceType::Agent.to_string(), "agent (2)");
        assert_eq!(EnterReason::OverflowTransfer.name(), "OverflowTransfer");
        assert_eq!(CallFeature::from_code(45), CallFeature::CallbackRequest);
    }
}
