//! An application that uses digilocker-authpartner the way most do: inside
//! `anyhow`, with `?` on every call. Runs against the embedded sandbox and
//! prints one line per check; `tests/runs.rs` runs it.

use digilocker_authpartner::testkit::{self, Sandbox};
use digilocker_authpartner::{Error, ErrorCode};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    // The app-wide client, and one signed-in user's handle on it.
    let client = testkit::client_builder(&sandbox)
        .build()?
        .session("user-1")?;

    // `?` on overlay calls: the consent flow.
    let (url, pending) = client.authorize_url().build()?;
    let callback = sandbox.consent(url.as_str()).await?;
    client.exchange_code(&pending, &callback).await?;

    // `?` on generated calls.
    let me = client.get_user_details().send().await?;
    let docs = client.get_issued_documents().send().await?;
    println!(
        "signed in: {} with {} issued documents",
        me.name,
        docs.items.len()
    );

    // A generated call's error, matched as the crate's own enum.
    match client
        .get_uploaded_documents_in_folder()
        .id("no-such-folder")
        .send()
        .await
    {
        Err(Error::Api { status, code, .. }) => {
            println!("matched Error::Api: {status} {code}");
            anyhow::ensure!(code == ErrorCode::InvalidId, "unexpected code {code}");
        }
        other => anyhow::bail!("expected an API error, got {other:?}"),
    }

    // Boxed, the error is still the crate's `Error`.
    let boxed: Box<dyn std::error::Error + Send + Sync> = client
        .get_uploaded_documents_in_folder()
        .id("no-such-folder")
        .send()
        .await
        .unwrap_err()
        .into();
    let error = boxed
        .downcast_ref::<Error>()
        .ok_or_else(|| anyhow::anyhow!("downcast failed"))?;
    println!("downcast: status {:?}", error.status());

    // Through anyhow too.
    let err: anyhow::Error = client
        .download("in.gov.nowhere-XXXXX-0")
        .await
        .unwrap_err()
        .into();
    anyhow::ensure!(
        err.downcast_ref::<Error>().is_some(),
        "anyhow downcast failed"
    );
    println!("anyhow: {err}");
    Ok(())
}
