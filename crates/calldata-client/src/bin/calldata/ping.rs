//! `calldata ping`: checks that the server answers and accepts the key.

use crate::exit::Failure;
use crate::settings::ConnectionArgs;
use crate::write_stdout;

/// Sends one signed ping and says whom it reached.
pub(crate) async fn run(connection: &ConnectionArgs) -> Result<(), Failure> {
    let settings = connection.resolve()?;
    let client = settings.client()?;
    client
        .ping()
        .await
        .map_err(|error| Failure::from_client(&error, &settings))?;
    write_stdout(
        format!(
            "ok: {} answered and accepted access key {}\n",
            settings.url.value,
            client.access_key()
        )
        .as_bytes(),
    )
}
