//! The token lifecycle on [`Client`]: code exchange, refresh, revoke, device flow.

use secrecy::SecretString;

use super::store::store_err;
use super::{
    Callback, GrantType, PendingAuthorization, RevokeRequest, StoredTokens, TokenRequest,
    TokenResponse,
};
use crate::client::CredentialsIn;
use crate::types::{DeviceCodeRequest, DeviceCodeRequestResponseType, DeviceCodeResponse};
use crate::{AuthError, Client, Error};

/// Which stored token to revoke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// The access token.
    Access,
    /// The refresh token (DigiLocker also invalidates tokens of the same grant).
    Refresh,
}

/// How the user is identified on a limited-input device (deprecated API).
#[derive(Clone, Debug)]
pub enum DeviceLogin {
    /// The account's mobile number.
    Mobile(String),
    /// The DigiLocker user name.
    Username(String),
}

impl Client {
    /// Puts the client credentials in the form when `mode` says so; otherwise
    /// the transport sends them in HTTP Basic.
    fn with_credentials(&self, req: &mut TokenRequest, mode: CredentialsIn) {
        if mode == CredentialsIn::Body {
            req.client_id = Some(self.config().client_id.clone());
            req.client_secret = Some(self.config().client_secret.clone());
        }
    }

    /// Completes the authorization-code flow (`POST /oauth2/1/token`, or
    /// `POST /oauth2/2/token` when `openid` was requested): checks the
    /// callback against `pending` (state, error), exchanges the code with the
    /// PKCE verifier, verifies the id_token, and stores the tokens.
    /// `callback` is the redirect URL or its query.
    ///
    /// A state mismatch fails before any request is sent. With `openid`, an
    /// id_token that is missing or fails verification fails the exchange
    /// (nothing is stored); the verified claims are in
    /// [`TokenResponse::id_token_claims`].
    pub async fn exchange_code(
        &self,
        pending: &PendingAuthorization,
        callback: &str,
    ) -> Result<TokenResponse, Error> {
        // Where the tokens will go, before anything is sent.
        self.session_slot()?;
        let code = pending.verify(&Callback::parse(callback)?)?;
        let mut req = TokenRequest::new(GrantType::AuthorizationCode);
        req.code = Some(code);
        req.redirect_uri = Some(pending.redirect_uri.clone());
        req.code_verifier = Some(pending.verifier.secret().clone());
        self.with_credentials(&mut req, self.config().credentials_in);
        let mut tokens = if pending.openid {
            self.get_access_token_oidc().body(req).send().await?
        } else {
            self.get_access_token().body(req).send().await?
        }
        .into_inner();
        super::oidc::check_exchange(self, pending, &mut tokens).await?;
        self.save_session_tokens(StoredTokens::from(&tokens))
            .await?;
        Ok(tokens)
    }

    /// Refreshes the access token now (`POST /oauth2/1/token`) with the
    /// stored refresh token, stores and returns the new tokens. Calls that
    /// need a token refresh on their own shortly before expiry (and once
    /// after a 401), so this is rarely needed.
    ///
    /// Single-flight like every refresh: concurrent callers (and calls
    /// refreshing on their own) share one request and its outcome. A
    /// response without `refresh_token` keeps the stored one (RFC 6749 §6).
    pub async fn refresh(&self) -> Result<StoredTokens, Error> {
        let slot = self.session_slot()?;
        let stored = slot.load(self.store()).await?.ok_or(AuthError::NoToken)?;
        if stored.refresh_token.is_none() {
            return Err(AuthError::NoRefreshToken.into());
        }
        slot.refresh_shared(self, &stored.access_token).await
    }

    pub(crate) async fn refresh_with(
        &self,
        refresh_token: SecretString,
    ) -> Result<TokenResponse, Error> {
        let mut req = TokenRequest::new(GrantType::RefreshToken);
        req.refresh_token = Some(refresh_token);
        self.with_credentials(&mut req, self.config().refresh_credentials_in);
        Ok(self.get_access_token().body(req).send().await?.into_inner())
    }

    /// Revokes a stored token (`POST /oauth2/1/revoke`) and forgets the session's tokens.
    pub async fn revoke(&self, kind: TokenKind) -> Result<(), Error> {
        let slot = self.session_slot()?;
        let stored = slot.load(self.store()).await?.ok_or(AuthError::NoToken)?;
        let (token, hint) = match kind {
            TokenKind::Access => (stored.access_token, "access_token"),
            TokenKind::Refresh => (
                stored.refresh_token.ok_or(AuthError::NoRefreshToken)?,
                "refresh_token",
            ),
        };
        self.revoke_token()
            .body(RevokeRequest {
                token,
                token_type_hint: Some(hint),
            })
            .send()
            .await?;
        self.store().clear(slot.key()).await.map_err(store_err)
    }

    /// Stores tokens obtained elsewhere (e.g. restored from a session) as
    /// this user's. Needs a per-user handle ([`Client::session`]).
    pub async fn set_tokens(&self, tokens: StoredTokens) -> Result<(), Error> {
        self.save_session_tokens(tokens).await
    }

    /// This user's stored tokens, if any. Needs a per-user handle
    /// ([`Client::session`]).
    pub async fn stored_tokens(&self) -> Result<Option<StoredTokens>, Error> {
        self.session_slot()?.load(self.store()).await
    }

    /// Forgets this user's tokens without revoking them (e.g. on sign-out
    /// when the grant should stay). Needs a per-user handle.
    pub async fn forget_tokens(&self) -> Result<(), Error> {
        let slot = self.session_slot()?;
        self.store().clear(slot.key()).await.map_err(store_err)
    }

    /// Stores `tokens` under this handle's session key.
    async fn save_session_tokens(&self, tokens: StoredTokens) -> Result<(), Error> {
        let slot = self.session_slot()?;
        self.store()
            .save(slot.key(), tokens)
            .await
            .map_err(store_err)
    }

    /// Starts the limited-input-device flow (`POST /oauth2/1/code`): DigiLocker sends an OTP to the
    /// user and returns a device code.
    #[deprecated(
        note = "removed from the Requester API Spec in v1.12; kept because the OpenAPI spec still has it"
    )]
    pub async fn start_device_login(
        &self,
        login: DeviceLogin,
    ) -> Result<DeviceCodeResponse, Error> {
        let (dl_mobile, dl_username) = match login {
            DeviceLogin::Mobile(m) => {
                crate::validate::mobile("dl_mobile", &m)?;
                (Some(m), None)
            }
            DeviceLogin::Username(u) => {
                crate::validate::non_empty("dl_username", &u)?;
                (None, Some(u))
            }
        };
        let body = DeviceCodeRequest {
            client_id: self.config().client_id.clone(),
            dl_mobile,
            dl_username,
            response_type: DeviceCodeRequestResponseType::DeviceCode,
        };
        Ok(self.get_device_code().body(body).send().await?.into_inner())
    }

    /// Completes the device flow (`POST /oauth2/1/token`) with the device code and the user's OTP,
    /// and stores the tokens.
    #[deprecated(
        note = "removed from the Requester API Spec in v1.12; kept because the OpenAPI spec still has it"
    )]
    pub async fn complete_device_login(
        &self,
        device_code: &str,
        otp: &str,
    ) -> Result<TokenResponse, Error> {
        crate::validate::non_empty("device_code", device_code)?;
        crate::validate::digits("dl_otp", otp, 4..=8)?;
        let mut req = TokenRequest::new(GrantType::DeviceCode);
        req.device_code = Some(device_code.to_string());
        req.dl_otp = Some(SecretString::from(otp.to_string()));
        self.with_credentials(&mut req, self.config().credentials_in);
        self.session_slot()?;
        let tokens = self.get_access_token().body(req).send().await?.into_inner();
        self.save_session_tokens(StoredTokens::from(&tokens))
            .await?;
        Ok(tokens)
    }
}
