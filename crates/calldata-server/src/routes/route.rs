//! [`Route`], one entry of [`super::ROUTES`]: how a path is mounted and how it is
//! documented, side by side, so that `configure` and `/openapi.json` read the same list and
//! a path is never served undocumented or documented unserved.

use actix_web::web;
use utoipa::ToSchema;
use utoipa::openapi::OpenApi;

use crate::routes::mount::{self, Served};
use crate::routes::openapi;

/// The outcome of a `0100000` answer.
const SUCCESS: &str = "0100000";

/// One path the server serves.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The path.
    pub path: &'static str,
    /// Its label in metrics and request logs.
    pub label: &'static str,
    /// The outcome its answered requests are counted under (`0100000` for the API, `200`
    /// for the operator endpoints), whose series the request log keeps at hand.
    pub answered: &'static str,
    /// Mounts the path: its methods and its 405 for the others.
    pub mount: fn(&mut web::ServiceConfig),
    /// Adds the path, and the schemas it names, to the OpenAPI document.
    pub document: fn(&mut OpenApi),
    /// Whether it is served only with the sandbox on (the embedded backend).
    pub sandbox_only: bool,
}

impl Route {
    /// CC-CMS interface `Op`: mounted by [`mount::interface`], documented from its
    /// [`Interface`](calldata_model::Interface) and the schemas of its body and answer.
    pub const fn interface<Op>() -> Self
    where
        Op: Served + ToSchema,
        Op::Answer: ToSchema,
    {
        Self {
            path: Op::INTERFACE.path,
            label: Op::LABEL,
            answered: SUCCESS,
            mount: mount::interface::<Op>,
            document: openapi::interface::document::<Op>,
            sandbox_only: false,
        }
    }

    /// An unsigned operator endpoint (`GET`, answered `200`), served whatever the
    /// settings.
    pub const fn operator(
        (path, label): (&'static str, &'static str),
        mount: fn(&mut web::ServiceConfig),
        document: fn(&mut OpenApi),
    ) -> Self {
        Self {
            path,
            label,
            answered: "200",
            mount,
            document,
            sandbox_only: false,
        }
    }

    /// An unsigned page of the sandbox (the console), served only with the sandbox on.
    pub const fn sandbox_page(
        (path, label): (&'static str, &'static str),
        mount: fn(&mut web::ServiceConfig),
        document: fn(&mut OpenApi),
    ) -> Self {
        Self {
            sandbox_only: true,
            ..Self::operator((path, label), mount, document)
        }
    }

    /// The sandbox admin API, served only with the sandbox on.
    pub const fn sandbox(
        (path, label): (&'static str, &'static str),
        mount: fn(&mut web::ServiceConfig),
        document: fn(&mut OpenApi),
    ) -> Self {
        Self {
            path,
            label,
            answered: SUCCESS,
            mount,
            document,
            sandbox_only: true,
        }
    }
}
