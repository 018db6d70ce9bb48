//! Run the DigiLocker sandbox until Ctrl-C: `digilocker-sandbox --port 8080`.

use clap::Parser;
use digilocker_sandbox::{Sandbox, SandboxConfig};

/// A strict local simulator of DigiLocker's Authorized Partner API.
#[derive(Debug, Parser)]
#[command(name = "digilocker-sandbox", version, about)]
struct Args {
    /// Port to listen on (127.0.0.1 only); 0 picks a free port.
    #[arg(long, default_value_t = 8080)]
    port: u16,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let sb = Sandbox::start_with(SandboxConfig {
        port: args.port,
        ..SandboxConfig::default()
    })
    .await?;
    let user = sb.test_user();
    println!("DigiLocker sandbox (synthetic data only)");
    println!("  base URL      {}", sb.base_url());
    println!("  client_id     {}", sb.client_id());
    println!("  client_secret {}", sb.client_secret());
    println!("  redirect_uri  {}", sb.redirect_uri());
    println!(
        "  device OTP    {}   signup OTP {}",
        sb.device_otp(),
        sb.signup_otp()
    );
    println!(
        "  test user     {} | {} | dob {} | gender {} | mobile {} | aadhaar {} | username {}",
        user.name,
        user.digilockerid,
        user.dob,
        user.gender,
        user.mobile,
        user.masked_aadhaar,
        user.username
    );
    println!("Serving until Ctrl-C.");
    tokio::signal::ctrl_c().await?;
    sb.shutdown().await;
    Ok(())
}
