//! Sandbox configuration and the synthetic test user.

use std::time::Duration;

use crate::catalogue;

/// A synthetic DigiLocker account. Every value is invented; the Aadhaar
/// number uses the `9999` test prefix and is only ever shown masked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestUser {
    /// 36-character DigiLocker id (a UUID string).
    pub digilockerid: String,
    /// Name as registered with DigiLocker.
    pub name: String,
    /// Date of birth, `DDMMYYYY`.
    pub dob: String,
    /// `M`, `F` or `T`.
    pub gender: String,
    /// 10-digit mobile number.
    pub mobile: String,
    /// DigiLocker username (used by the device-code flow's `dl_username`).
    pub username: String,
    /// E-mail address (shown masked by the device-code flow).
    pub email: String,
    /// Full synthetic 12-digit Aadhaar number (accepted by verify and signup).
    pub uid: String,
    /// Masked Aadhaar as DigiLocker shows it, e.g. `xxxxxxxx1234`.
    pub masked_aadhaar: String,
    /// PAN, the id_token's `pan_number` with `acr=pan`.
    pub pan: String,
    /// Driving licence number, the id_token's `driving_licence` with
    /// `acr=driving_licence`.
    pub driving_licence: String,
    /// `Y` if e-Aadhaar data is available, else `N`
    /// (then the e-Aadhaar endpoints answer `aadhaar_not_linked`).
    pub eaadhaar: String,
    /// DigiLocker account reference key (64 hex characters).
    pub reference_key: String,
}

impl Default for TestUser {
    fn default() -> Self {
        TestUser {
            digilockerid: "5a1d0c4e-0000-4000-8000-5a0d0b0c0001".into(),
            name: "Asha Sandbox Kumari".into(),
            dob: "01011990".into(),
            gender: "F".into(),
            mobile: "9999900001".into(),
            username: "asha.sandbox".into(),
            email: "asha.sandbox@example.invalid".into(),
            uid: "999999991234".into(),
            masked_aadhaar: "xxxxxxxx1234".into(),
            pan: "SBXPK9999Z".into(),
            driving_licence: "SB0120240000001".into(),
            eaadhaar: "Y".into(),
            reference_key: "5a0d0b0c".repeat(8),
        }
    }
}

/// When `GET /oauth2/1/authorize` shows the HTML sign-in and consent page
/// instead of redirecting at once with the programmatic
/// [`ConsentDecision`](crate::ConsentDecision).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConsentPage {
    /// When the request's `Accept` header names `text/html`, as a browser's
    /// does; other clients (tests, the SDK) get the programmatic decision.
    #[default]
    WhenBrowserAsks,
    /// For every authorize request that passes validation.
    Always,
    /// Never: every authorize request gets the programmatic decision.
    Never,
}

/// Everything a [`crate::Sandbox`] can be configured with. `Default` gives a
/// ready-to-use sandbox on a random loopback port.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// TCP port on 127.0.0.1; 0 picks a free port.
    pub port: u16,
    /// The registered client id.
    pub client_id: String,
    /// The client secret (HMAC key and request-hash prefix).
    pub client_secret: String,
    /// The single registered redirect URI (exact match).
    pub redirect_uri: String,
    /// Lifetime of access tokens (`expires_in`).
    pub access_token_ttl: Duration,
    /// Lifetime of authorization codes.
    pub code_ttl: Duration,
    /// Lifetime of device codes from `/oauth2/1/code`.
    pub device_code_ttl: Duration,
    /// Accepted distance between a request's `ts` and the server clock.
    pub ts_window: Duration,
    /// Largest accepted upload, in bytes (10 MB = 10 × 1024 × 1024).
    pub max_upload: usize,
    /// The OTP the device-code grant accepts as `dl_otp`.
    pub device_otp: String,
    /// The OTP `/signup/1/demoauthverify` accepts.
    pub signup_otp: String,
    /// Space-separated scope granted to every token; endpoints answer
    /// `insufficient_scope` when theirs is missing.
    pub scope: String,
    /// The seeded default user, who consents in the authorize step.
    pub test_user: TestUser,
    /// Accept `client_id`/`client_secret` form fields on the refresh grant
    /// (default `false`: Requester API Spec v1.12 p.8 documents only HTTP
    /// Basic there, so body credentials get `invalid_client`).
    pub refresh_body_credentials: bool,
    /// When authorize serves the HTML consent page.
    pub consent_page: ConsentPage,
    /// How long a consent page stays answerable; an abandoned one is
    /// forgotten after this.
    pub consent_page_ttl: Duration,
    /// On a refresh token presented a second time, revoke its whole grant,
    /// the tokens issued since included (RFC 9700 §4.14.2), instead of only
    /// answering `invalid_grant` (default `false`). Every reuse is counted
    /// either way ([`Sandbox::refresh_token_reuses`](crate::Sandbox::refresh_token_reuses)).
    pub revoke_grant_on_refresh_reuse: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            client_id: "SBXCLIENT01".into(),
            client_secret: "sandbox-secret-do-not-use-in-production".into(),
            redirect_uri: "https://partner.example.invalid/digilocker/callback".into(),
            access_token_ttl: Duration::from_secs(3600),
            code_ttl: Duration::from_secs(60),
            device_code_ttl: Duration::from_secs(600),
            ts_window: Duration::from_secs(30 * 60),
            max_upload: 10 * 1024 * 1024,
            device_otp: "123456".into(),
            signup_otp: "654321".into(),
            scope: catalogue::default_scope(),
            test_user: TestUser::default(),
            refresh_body_credentials: false,
            consent_page: ConsentPage::WhenBrowserAsks,
            consent_page_ttl: Duration::from_secs(10 * 60),
            revoke_grant_on_refresh_reuse: false,
        }
    }
}
