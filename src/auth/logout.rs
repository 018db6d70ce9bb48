//! Revoke Session: the logout URL (MeriPehchaan v2.3 p.13-14).

use url::Url;

use crate::{Client, Environment};

impl Environment {
    /// The page that logs the user out of DigiLocker in their browser
    /// (`GET /signin/logout/Y`, MeriPehchaan v2.3 p.13): not under `/public`.
    ///
    /// Only MeriPehchaan documents it; a custom base URL gets the same path
    /// beside its `/public` (as the local sandbox serves it). `None` for the
    /// other environments.
    pub fn logout_url(&self) -> Option<Url> {
        match self {
            Self::MeriPehchaan => {
                Url::parse("https://digilocker.meripehchaan.gov.in/signin/logout/Y").ok()
            }
            Self::Custom(base) => {
                let mut url = base.clone();
                let path = base.path().trim_end_matches('/');
                let root = path.strip_suffix("/public").unwrap_or(path);
                url.set_path(&format!("{root}/signin/logout/Y"));
                url.set_query(None);
                url.set_fragment(None);
                Some(url)
            }
            _ => None,
        }
    }
}

impl Client {
    /// Where to send the user's browser to log them out of DigiLocker
    /// (`GET /signin/logout/Y`); see [`Environment::logout_url`].
    ///
    /// DigiLocker then redirects to the client's registered redirect URI with
    /// `error=user_loggedout&error_description=user`, which
    /// [`Callback::is_logged_out`](crate::auth::Callback::is_logged_out)
    /// recognises (and [`exchange_code`](Self::exchange_code) reports as
    /// [`AuthError::LoggedOut`](crate::AuthError::LoggedOut)). Revoke the
    /// tokens too, with [`revoke`](Self::revoke).
    ///
    /// ```
    /// use digilocker_authpartner::{Client, Environment};
    ///
    /// let client = Client::builder("id", "secret")
    ///     .environment(Environment::MeriPehchaan)
    ///     .build()?;
    /// assert_eq!(
    ///     client.logout_url().unwrap().as_str(),
    ///     "https://digilocker.meripehchaan.gov.in/signin/logout/Y"
    /// );
    /// # Ok::<(), digilocker_authpartner::Error>(())
    /// ```
    pub fn logout_url(&self) -> Option<Url> {
        self.config().environment.logout_url()
    }
}
