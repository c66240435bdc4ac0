//! [`Route`], one entry of [`super::ROUTES`]: how a path is mounted and how it is
//! documented, side by side, so that `configure` and `/openapi.json` read the same list and
//! a path is never served undocumented or documented unserved.

use actix_web::web;
use utoipa::ToSchema;
use utoipa::openapi::OpenApi;

use crate::metrics::Metrics;
use crate::routes::mount::{self, Served};
use crate::routes::openapi;

/// One path the server serves.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// Mounts the path: its methods, its 405 for the others, its metrics label.
    pub mount: fn(&mut web::ServiceConfig, &Metrics),
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
            mount: mount::interface::<Op>,
            document: openapi::interface::document::<Op>,
            sandbox_only: false,
        }
    }

    /// A path served whatever the settings.
    pub const fn always(
        mount: fn(&mut web::ServiceConfig, &Metrics),
        document: fn(&mut OpenApi),
    ) -> Self {
        Self {
            mount,
            document,
            sandbox_only: false,
        }
    }

    /// A path served only with the sandbox on.
    pub const fn sandbox(
        mount: fn(&mut web::ServiceConfig, &Metrics),
        document: fn(&mut OpenApi),
    ) -> Self {
        Self {
            mount,
            document,
            sandbox_only: true,
        }
    }
}
