//! The operation of a CC-CMS interface, built from what the model says of it: its
//! [`Interface`] (path, summary, CTI versions, envelope) and the schemas of its request body
//! and answer. An interface writes nothing of its own here.

use calldata_model::{CtiSupport, EnvelopeKind, Interface, Operation};
use utoipa::ToSchema;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{HttpMethod, Operation as PathOperation};

use crate::routes::openapi::parts::{self, CC_CMS};
use crate::routes::signed::Rule;

/// Adds interface `Op` to `doc`: `POST` with its body, its answer in its envelope, and the
/// refusals of every signed interface.
pub fn document<Op>(doc: &mut OpenApi)
where
    Op: Operation + ToSchema,
    Op::Answer: ToSchema,
{
    let interface = Op::INTERFACE;
    let body = parts::named::<Op>(doc);
    let payload = parts::named::<Op::Answer>(doc);
    let operation = PathOperation::builder()
        .tag(CC_CMS)
        .operation_id(Some(interface.name))
        .summary(Some(interface.summary))
        .description(Some(description(&interface)))
        .request_body(Some(parts::json_body(
            body,
            "The request, one JSON object, signed byte for byte",
        )))
        .response(
            "200",
            parts::answered(interface.envelope, payload, &outcomes(&interface)),
        );
    let operation = parts::signed(operation, Rule::INTERFACE, "POST").build();
    doc.paths
        .add_path_operation(interface.path, vec![HttpMethod::Post], operation);
}

/// The failure codes the interface may answer.
fn outcomes(interface: &Interface) -> String {
    let cti = match interface.cti {
        CtiSupport::Any => "",
        CtiSupport::V300R008 => "0100003 on CTI V300R006, ",
    };
    if interface.platform {
        return format!(
            "{cti}0100002 for a body that is not one JSON object, 0100999 for an unknown error"
        );
    }
    format!(
        "{cti}0100002 for a body that fails validation, 0101003 when the key's ccId/vdn scope \
         does not cover the request, 0100001 when the call source has no answer or fails, \
         0100999 for an unknown error"
    )
}

/// What the operation says beyond its summary: the CTI versions it needs and Huawei's name.
fn description(interface: &Interface) -> String {
    let cti = match interface.cti {
        CtiSupport::Any => "Answered on CTI V300R006 and V300R008.",
        CtiSupport::V300R008 => {
            "Needs CTI V300R008: on a platform running V300R006 (`cti_version = \"V300R006\"`) \
             the answer is `0100003`."
        }
    };
    let outcomes = match interface.envelope {
        EnvelopeKind::Bare => {
            "A success is HTTP 200 with the answer itself (no `resultCode`); a failure is \
             HTTP 200 in the failure envelope"
        }
        EnvelopeKind::Full | EnvelopeKind::Short => {
            "Every business outcome is HTTP 200 with a `resultCode`"
        }
    };
    format!(
        "Huawei CC-CMS `{}`. {cti} {outcomes}; other statuses are transport-level refusals \
         in the Spring error format.",
        interface.name
    )
}
